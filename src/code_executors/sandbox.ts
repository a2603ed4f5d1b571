/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The sandbox contract: what every backend (local process, bubblewrap, Docker, ...) offers the
 * agent. A backend runs the same Python kernel (`src/kernel/python/`: the supervisor `kernel.py`
 * and its interpreter) and speaks the same wire protocol (`src/kernel/PROTOCOL.md`); only how
 * the kernel is started differs.
 */

import type {WorkspaceChanges, WorkspaceInfo, WorkspaceSessionInfo} from './workspace.js';

/** A call to a host-side tool, made by code running in the sandbox. */
export interface ToolCallRequest {
  /** Unique id of this call within the execution (chosen by the kernel). */
  callId: string;
  /** Tool name as declared to the model. */
  name: string;
  /** Keyword arguments, JSON-decoded. Treat as untrusted input. */
  args: Record<string, unknown>;
}

/** The host's answer to a {@link ToolCallRequest}. */
export type ToolCallOutcome =
  | {ok: true; value: unknown}
  | {
      ok: false;
      /** Python exception class the stub raises, e.g. `TypeError` for bad arguments. */
      errorType: 'TypeError' | 'ToolError';
      message: string;
    };

/** What a {@link ToolCallHandler} may do to the execution its call came from. */
export interface ToolCallControl {
  /**
   * Stops the execution's wall-clock timeout until the returned function is called (e.g. while
   * the call waits for a person to answer). Holds nest: the clock runs again, with the time it
   * had left, once every hold is released. Releasing twice is harmless.
   */
  holdTimeout(): () => void;
}

/**
 * Runs a tool call on the host. Must not throw; failures are returned as outcomes. `control`
 * is given by backends that can hold the execution's timeout.
 */
export type ToolCallHandler = (
  call: ToolCallRequest,
  control?: ToolCallControl,
) => Promise<ToolCallOutcome>;

/** A piece of what a running snippet printed (see {@link ExecutionRequest.onOutput}). */
export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** One request to run a snippet in a sandbox session. */
export interface ExecutionRequest {
  /** Python source of the snippet. */
  code: string;
  /** Wall-clock limit; on expiry the whole sandbox is killed and the kernel restarted. */
  timeoutMs?: number;
  /** Handles `tool_call` messages sent by the snippet. Without it, tool calls fail. */
  onToolCall?: ToolCallHandler;
  /** Aborts the execution (same effect as a timeout: kernel killed and restarted). */
  signal?: AbortSignal;
  /**
   * Called with the snippet's output while it runs, in order, a chunk at most every ~100 ms per
   * stream. The chunks of a stream joined are exactly the result's `stdout` / `stderr` (the
   * tail past the output cap arrives when the execution ends). Must not throw; errors are
   * ignored.
   */
  onOutput?: (chunk: OutputChunk) => void;
}

/** A Python exception raised by a snippet, or a sandbox failure reported as one. */
export interface ExecutionError {
  /** Exception class name, e.g. `ZeroDivisionError`; `TimeoutError` / `KernelDied` for kills. */
  type: string;
  message: string;
  /** Traceback lines that belong to the snippet (kernel frames removed). */
  traceback: string;
}

/** An image produced by the snippet (an open matplotlib figure). */
export interface FigureOutput {
  /** `image/png`, `image/jpeg`, `image/gif` or `image/webp` (checked against the bytes). */
  mimeType: string;
  /** Base64-encoded bytes. */
  data: string;
}

/** A file the snippet wrote under the session's output folder. */
export interface FileOutput {
  /** Path relative to the output folder. */
  name: string;
  mimeType: string;
  /** Base64-encoded bytes. */
  data: string;
}

/** What one execution produced. */
export interface ExecutionResult {
  stdout: string;
  stderr: string;
  /** `repr` of the snippet's last expression (notebook style), when it is not `None`. */
  value?: string;
  /** Set when the snippet raised (or the sandbox killed it). */
  error?: ExecutionError;
  /** Set when the snippet called `final_answer(value)`; `value` is JSON-decoded. */
  finalAnswer?: {value: unknown};
  figures: FigureOutput[];
  files: FileOutput[];
  /**
   * Processes the snippet left running, stopped when it returned (unless the executor keeps
   * them: `keepBackgroundProcesses`). `processes` names the first few; `count` is all of them.
   */
  stoppedProcesses?: {count: number; processes: Array<{pid: number; command: string}>};
  /** True when this execution ended with the kernel killed: every variable is gone. */
  stateLost: boolean;
  /**
   * The bytes of a namespace snapshot the execution made (only host-written code calling the
   * kernel's `__adk_snapshot__.save` makes one). Opaque to the host: never unpickled there.
   */
  snapshot?: Uint8Array;
  /** Wall-clock time of the execution as seen by the host, in milliseconds. */
  durationMs: number;
}

/** Options fixed when a sandbox session starts. */
export interface SandboxSessionOptions {
  /**
   * The ADK session this sandbox session serves. An executor whose `workspace` option is a
   * function calls it with this (or, when absent, with the session key as `id`).
   */
  session?: WorkspaceSessionInfo;
  /**
   * Top-level modules the snippet may import. `'*'` allows every import. Advisory policy
   * checked by the kernel; the sandbox is the security boundary.
   */
  authorizedImports: readonly string[];
}

/** A file to place in a session's input folder (see {@link SandboxSession.writeFiles}). */
export interface InputFile {
  /**
   * File name: one path segment (no slash or backslash, not `.` or `..`, no control characters). The
   * file lands at `<inputDir>/<name>`, replacing a file of that name.
   */
  name: string;
  /** The file's bytes. */
  data: Uint8Array;
}

/** Where an {@link InputFile} landed. */
export interface WrittenInputFile {
  /** The file's name in the input folder. */
  name: string;
  /** Absolute path as code in the sandbox sees it, e.g. `/work/input/sales.csv`. */
  path: string;
  /** Size in bytes. */
  bytes: number;
}

/** A live sandbox with a persistent Python namespace. */
export interface SandboxSession {
  /** Key this session was created under. */
  readonly key: string;
  /**
   * Increments each time a fresh kernel starts in this session (first start is 1). A change
   * means every variable and definition from before is gone.
   */
  readonly generation: number;
  /**
   * The input folder as code in the sandbox sees it (e.g. `/work/input`): files given to
   * {@link writeFiles} appear there. It survives kernel restarts, not `dispose()`.
   */
  readonly inputDir: string;
  /**
   * The longest protocol line the session's kernel accepts, in bytes, when the backend speaks the
   * kernel protocol: code passed to {@link execute} must be shorter. Snapshots size their
   * restore chunks by it.
   */
  readonly maxMessageBytes?: number;
  /**
   * Writes files into the input folder, on the host side, without passing them through the
   * kernel's protocol (so a 50 MB CSV costs a file copy, not a JSON message). Runs in order with
   * executions. Rejects for an invalid name or after `dispose()`.
   */
  writeFiles(files: readonly InputFile[]): Promise<WrittenInputFile[]>;
  /**
   * The session's workspace (mounted at `/work/workspace`), with its size as the model is told
   * it; undefined without one.
   */
  readonly workspace?: WorkspaceInfo;
  /**
   * A copy-on-write workspace's changes so far, against the host folder (runs in order with
   * executions). Undefined without a copy-on-write workspace, or when the copy is gone (a
   * Docker kernel that ended).
   */
  workspaceChanges?(): Promise<WorkspaceChanges | undefined>;
  /**
   * What the running kernel announced at start: its Python version and the known packages it
   * found installed (module → version or null). Undefined before the first start, or for a
   * sandbox that does not say.
   */
  readonly kernelInfo?: {
    readonly python: string;
    readonly packages: Readonly<Record<string, string | null>>;
  };
  /** Runs one snippet. Never rejects for snippet errors; rejects only after `dispose()`. */
  execute(request: ExecutionRequest): Promise<ExecutionResult>;
  /** Kills the kernel and removes the session's folders. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * A sandbox backend. Holds the live sessions keyed by a caller-chosen key (the agent uses app,
 * user and session ids), so the executor object can be shared by agent clones and sessions.
 */
export interface CodeExecutor {
  /** Short backend name for messages and benchmarks, e.g. `bubblewrap`. */
  readonly backend: string;
  /**
   * Wall-clock limit of an execution whose request gives none, in ms, when the backend has one.
   * The agent sizes its per-tool-call timeout below it.
   */
  readonly executionTimeoutMs?: number;
  /**
   * Returns the live session for `key`, starting one if there is none (or it was disposed).
   * Fails with a clear message when the backend cannot run on this machine.
   */
  getSession(key: string, options: SandboxSessionOptions): Promise<SandboxSession>;
  /** Disposes the session for `key`, if any. */
  closeSession(key: string): Promise<void>;
  /** Disposes every session of this executor. */
  dispose(): Promise<void>;
}

/** Brand used by {@link isCodeExecutor}, because bundlers may load two copies of this package. */
export const CODE_EXECUTOR_SIGNATURE = Symbol.for('adk-coding-agent.codeExecutor');

/** True when `obj` is a {@link CodeExecutor} from any copy of this package. */
export function isCodeExecutor(obj: unknown): obj is CodeExecutor {
  return (
    typeof obj === 'object' &&
    obj !== null &&
    (obj as Record<symbol, unknown>)[CODE_EXECUTOR_SIGNATURE] === true
  );
}
