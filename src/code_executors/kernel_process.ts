/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The host side of one kernel process: starts it, speaks the wire protocol, routes tool calls,
 * and kills the whole process group on timeout, abort or dispose.
 */

import {spawn, type ChildProcessByStdio} from 'node:child_process';
import type {Readable, Writable} from 'node:stream';

import {
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeHostMessage,
  parseKernelMessage,
  type HostMessage,
  type ReadyMessage,
  type ResultMessage,
  type ToolCallMessage,
} from '../kernel/protocol.js';
import type {ExecutionResult, ToolCallHandler, ToolCallOutcome} from './sandbox.js';
import {seconds} from '../utils/time.js';

/** How to start a kernel process; produced by a backend for each session. */
export interface KernelLaunchSpec {
  /** Executable (absolute path recommended: PATH is not searched in a cleared environment). */
  command: string;
  args: readonly string[];
  /** The complete environment of the process (nothing is inherited from the host). */
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** Run as this user id (needs privileges). */
  uid?: number;
  /** Run as this group id (needs privileges). */
  gid?: number;
  /**
   * Open descriptors passed to the process as fds 3, 4, ... (e.g. a seccomp program for
   * bubblewrap). The caller closes them after the start.
   */
  extraFds?: readonly number[];
  /**
   * Called once by {@link KernelProcess.start} right after the spawn (or its failure), e.g. to
   * close {@link extraFds}, which the child then holds its own copies of.
   */
  cleanup?: () => void;
}

/** Options of {@link KernelProcess.start}. */
export interface KernelProcessOptions {
  /** How long to wait for the kernel's `ready` message. Default 30 s. */
  startTimeoutMs?: number;
  /** Largest accepted kernel message in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
}

/** What the kernel announced at start. */
export interface KernelInfo {
  /** Python version, e.g. `3.11.2`. */
  python: string;
  /** Known packages installed in the sandbox (module → version or null). */
  packages: Record<string, string | null>;
  /** The output folder as seen by code in the sandbox. */
  outputDir?: string;
}

/** One execution request at the process level (timeout already resolved). */
export interface KernelExecuteRequest {
  code: string;
  timeoutMs: number;
  onToolCall?: ToolCallHandler;
  signal?: AbortSignal;
}

const STDERR_TAIL_BYTES = 8 * 1024;
const DEFAULT_START_TIMEOUT_MS = 30_000;
/** How long to wait for a SIGKILLed process group to be reported gone. */
const EXIT_WAIT_MS = 5_000;

/** Processes to kill when Node exits; one shared `exit` listener for every kernel. */
interface KillRegistry {
  groups: Set<number>;
}

const REGISTRY_KEY = Symbol.for('adk-coding-agent.kernelProcessGroups');

function killRegistry(): KillRegistry {
  const holder = globalThis as unknown as Record<symbol, KillRegistry | undefined>;
  let registry = holder[REGISTRY_KEY];
  if (!registry) {
    const created: KillRegistry = {groups: new Set()};
    // Shared through globalThis so bundled copies of this module install one listener only.
    process.on('exit', () => {
      for (const pid of created.groups) killGroup(pid);
    });
    holder[REGISTRY_KEY] = created;
    registry = created;
  }
  return registry;
}

/** SIGKILLs a process group; a group that is already gone is fine. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone. Fall back to the leader alone in case it never got its own group.
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

const STATE_LOST =
  'the Python kernel was restarted, so every variable, import and definition from earlier steps is gone.';

interface PendingExecution {
  id: string;
  startedAt: number;
  onToolCall?: ToolCallHandler;
  toolCalls: Set<string>;
  /** Why the host killed the kernel during this execution, if it did. */
  killed?: {type: string; message: string};
  resolve: (result: ExecutionResult) => void;
}

/** How a kernel ended. */
export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why, when the transport knows more than the code (e.g. `out of memory`). */
  reason?: string;
}

/**
 * The pipes and controls of one started kernel, whatever runs it: a local process group, a
 * container's attach stream. {@link KernelProcess.connect} speaks the protocol over it.
 */
export interface KernelTransport {
  /** Protocol from host to kernel. */
  readonly stdin: Writable;
  /** Protocol from kernel to host (newline-delimited JSON). */
  readonly stdout: Readable;
  /** The kernel's own diagnostics (its tail ends up in error messages). */
  readonly stderr: Readable;
  /** A host process id of the kernel, when it has one the host can see. */
  readonly pid?: number;
  /** Kills the kernel and everything it started, at once (idempotent, never throws). */
  kill(): void;
  /** Settles once, when the kernel has exited. */
  readonly exited: Promise<KernelExit>;
  /** Rejects when the transport could not start at all (spawn error); optional. */
  readonly failed?: Promise<Error>;
}

/**
 * Spawns `spec` as the leader of a new process group and wraps it as a transport (the caller
 * runs `spec.cleanup`; {@link KernelProcess.start} does both).
 */
export function spawnTransport(spec: KernelLaunchSpec): KernelTransport {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    spec.command,
    [...spec.args],
    {
      cwd: spec.cwd,
      env: {...spec.env},
      uid: spec.uid,
      gid: spec.gid,
      // Own process group, so a kill reaches everything the snippet started.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', ...(spec.extraFds ?? [])],
    },
  ) as ChildProcessByStdio<Writable, Readable, Readable>;
  const registry = killRegistry();
  const pid = child.pid;
  if (pid !== undefined) registry.groups.add(pid);
  const exited = new Promise<KernelExit>((resolve) => {
    child.once('exit', (code, signal) => {
      if (pid !== undefined) registry.groups.delete(pid);
      resolve({code, signal});
    });
  });
  const failed = new Promise<Error>((resolve) => child.once('error', resolve));
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    pid,
    kill: () => {
      if (pid !== undefined) killGroup(pid);
    },
    exited,
    failed,
  };
}

/**
 * One running kernel. Create with {@link KernelProcess.start} (a local process) or
 * {@link KernelProcess.connect} (any transport); run snippets with {@link KernelProcess.execute}
 * one at a time or concurrently (the kernel queues them); call {@link KernelProcess.dispose}
 * when done.
 */
export class KernelProcess {
  /** Host process id of the kernel (the process group leader for local processes), if any. */
  readonly pid: number | undefined;
  /** What the kernel announced when it started. */
  readonly info: KernelInfo;

  private readonly transport: KernelTransport;
  private readonly maxMessageBytes: number;
  private readonly pending = new Map<string, PendingExecution>();
  private readonly exitListeners = new Set<() => void>();
  private stderrTail = '';
  private exitInfo?: KernelExit;
  private exited: Promise<unknown>;
  private nextId = 1;

  private constructor(
    transport: KernelTransport,
    info: KernelInfo,
    maxMessageBytes: number,
    stderrTail: string,
  ) {
    this.transport = transport;
    this.pid = transport.pid;
    this.info = info;
    this.maxMessageBytes = maxMessageBytes;
    this.stderrTail = stderrTail;
    this.exited = transport.exited;
  }

  /**
   * Spawns the kernel (as the leader of a new process group) and waits for its `ready` message.
   *
   * @throws Error when the process cannot be spawned, exits before `ready` (the message ends
   *     with the tail of its stderr) or does not become ready within `startTimeoutMs`.
   */
  static start(spec: KernelLaunchSpec, options: KernelProcessOptions = {}): Promise<KernelProcess> {
    let transport: KernelTransport;
    try {
      transport = spawnTransport(spec);
    } catch (error) {
      return Promise.reject(
        new Error(`cannot start the Python kernel (${spec.command}): ${(error as Error).message}`),
      );
    } finally {
      spec.cleanup?.();
    }
    return KernelProcess.connect(transport, options, spec.command);
  }

  /**
   * Waits for the `ready` message of a kernel already started on `transport`.
   *
   * @param what Names the kernel in start errors (a command, an image).
   * @throws Error when the transport fails, the kernel exits before `ready` (the message ends
   *     with the tail of its stderr) or does not become ready within `startTimeoutMs`. The
   *     transport is killed in each case.
   */
  static connect(
    transport: KernelTransport,
    options: KernelProcessOptions = {},
    what = 'kernel',
  ): Promise<KernelProcess> {
    const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    return new Promise<KernelProcess>((resolve, reject) => {
      let settled = false;
      let exitedEarly = false;
      let kernel: KernelProcess | undefined;
      let stderrTail = '';

      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        transport.kill();
        const tail = stderrTail.trim();
        reject(new Error(tail ? `${message}. Kernel stderr:\n${tail}` : message));
      };

      const timer = setTimeout(
        () => fail(`the Python kernel did not become ready within ${seconds(startTimeoutMs)} s`),
        startTimeoutMs,
      );

      void transport.failed?.then((error) =>
        fail(`cannot start the Python kernel (${what}): ${error.message}`),
      );
      transport.stdin.on('error', () => {
        // EPIPE after the kernel died: the exit handler reports it.
      });
      transport.stderr.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
        if (kernel) kernel.stderrTail = stderrTail;
      });
      const stderrClosed = new Promise<void>((resolveClose) =>
        transport.stderr.once('close', resolveClose),
      );
      void transport.exited.then((exit) => {
        if (kernel) {
          kernel.handleExit(exit);
          return;
        }
        exitedEarly = true;
        // Let stderr drain so the error message carries the kernel's last words.
        void Promise.race([stderrClosed, delay(500)]).then(() =>
          fail(`the Python kernel exited during start (${describeExit(exit)})`),
        );
      });

      readLines(
        transport.stdout,
        maxMessageBytes,
        (line) => {
          if (kernel) {
            kernel.handleLine(line);
            return;
          }
          const parsed = parseKernelMessage(line, {maxBytes: maxMessageBytes});
          if (!parsed.ok || parsed.message.type !== 'ready' || settled || exitedEarly) return;
          settled = true;
          clearTimeout(timer);
          const ready: ReadyMessage = parsed.message;
          kernel = new KernelProcess(
            transport,
            {python: ready.python, packages: ready.packages, outputDir: ready.outputDir},
            maxMessageBytes,
            stderrTail,
          );
          resolve(kernel);
        },
        (head, bytes) => kernel?.handleOversized(head, bytes),
      );
    });
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Last bytes the process wrote to its (host-side) stderr, e.g. sandbox tool errors. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Registers a callback run once when the process exits (for any reason). */
  onExit(listener: () => void): () => void {
    if (!this.alive) {
      queueMicrotask(listener);
      return () => {};
    }
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /**
   * Runs one snippet. Never rejects: kernel errors, timeouts, aborts and crashes all come back
   * as results (the last three with `stateLost: true`, after the process group was killed).
   */
  execute(request: KernelExecuteRequest): Promise<ExecutionResult> {
    const startedAt = Date.now();
    if (!this.alive) {
      return Promise.resolve(this.diedResult(startedAt));
    }
    const id = `exec-${this.nextId++}`;
    return new Promise<ExecutionResult>((resolve) => {
      const {signal} = request;
      const timer = setTimeout(
        () =>
          this.killFor(id, {
            type: 'TimeoutError',
            message: `Execution exceeded ${seconds(request.timeoutMs)} s and was stopped; ${STATE_LOST}`,
          }),
        request.timeoutMs,
      );
      const onAbort = () =>
        this.killFor(id, {
          type: 'AbortError',
          message: `Execution was aborted and stopped; ${STATE_LOST}`,
        });
      const pending: PendingExecution = {
        id,
        startedAt,
        onToolCall: request.onToolCall,
        toolCalls: new Set(),
        resolve: (result) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.pending.delete(id);
          resolve(result);
        },
      };
      this.pending.set(id, pending);
      if (signal) {
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, {once: true});
      }
      this.send({type: 'execute', id, code: request.code, timeoutMs: request.timeoutMs});
    });
  }

  /** Applies a session's settings to a kernel started ahead of time (see the warm pool). */
  configure(settings: {authorizedImports: string[]}): void {
    this.send({type: 'configure', authorizedImports: settings.authorizedImports});
  }

  /** SIGKILLs the kernel's whole process group (idempotent). */
  kill(): void {
    if (this.alive) this.transport.kill();
  }

  /**
   * Asks the kernel to exit, then kills its process group anyway and waits for the exit.
   * Pending executions resolve with `KernelDied`.
   */
  async dispose(): Promise<void> {
    if (this.alive) {
      this.send({type: 'shutdown'});
      // No grace period: a snippet's leftover subprocesses must not survive either.
      this.kill();
    }
    await Promise.race([this.exited, delay(EXIT_WAIT_MS)]);
  }

  private send(message: HostMessage): void {
    if (!this.alive || this.transport.stdin.destroyed) return;
    this.transport.stdin.write(encodeHostMessage(message));
  }

  private killFor(id: string, reason: {type: string; message: string}): void {
    const pending = this.pending.get(id);
    if (!pending || pending.killed) return;
    pending.killed = reason;
    // The result is sent when the exit is seen (handleExit), so nothing outlives the result.
    if (this.alive) {
      this.kill();
      // Should the exit never be reported (a process stuck in the kernel), answer anyway.
      setTimeout(() => {
        pending.resolve(lostResult(reason.type, reason.message, '', pending.startedAt));
      }, EXIT_WAIT_MS).unref();
    } else {
      this.handleExit(this.exitInfo ?? {code: null, signal: null});
    }
  }

  private handleExit(exit: KernelExit): void {
    this.exitInfo ??= exit;
    for (const pending of [...this.pending.values()]) {
      if (pending.killed) {
        pending.resolve(
          lostResult(pending.killed.type, pending.killed.message, '', pending.startedAt),
        );
      } else {
        pending.resolve(this.diedResult(pending.startedAt));
      }
    }
    for (const listener of this.exitListeners) listener();
    this.exitListeners.clear();
  }

  private diedResult(startedAt: number): ExecutionResult {
    const exit = this.exitInfo ?? {code: null, signal: null};
    const how = describeExit(exit);
    const hint = exit.reason
      ? ''
      : exit.signal === 'SIGKILL' || exit.code === 137
        ? '; killed, e.g. out of memory'
        : '';
    return lostResult(
      'KernelDied',
      `The Python kernel died during the execution (${how}${hint}); ${STATE_LOST}`,
      this.stderrTail.trim().slice(-2000),
      startedAt,
    );
  }

  private handleLine(line: string): void {
    const parsed = parseKernelMessage(line, {maxBytes: this.maxMessageBytes});
    if (!parsed.ok) return; // hostile or broken output is dropped
    const message = parsed.message;
    if (message.type === 'result') {
      const pending = this.pending.get(message.id);
      if (pending && !pending.killed) pending.resolve(toResult(message, pending.startedAt));
    } else if (message.type === 'tool_call') {
      void this.handleToolCall(message);
    }
  }

  /**
   * A kernel line over the message cap was dropped. When it starts like a tool call or a result
   * of a running execution, answer so the snippet does not wait for the rest of its timeout:
   * the tool call fails with a `ToolError`, the execution ends with `MessageTooLarge` (its
   * kernel and variables are intact).
   */
  private handleOversized(head: string, bytes: number): void {
    const match = OVERSIZED_HEAD.exec(head);
    if (!match) return;
    const [, type, rawId, rawCallId, rawName] = match;
    const id = parseJsonString(rawId);
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending || pending.killed) return;
    const limit = `the ${this.maxMessageBytes}-byte limit of one message from the sandbox`;
    if (type === 'result') {
      pending.resolve({
        ...lostResult(
          'MessageTooLarge',
          `The execution's result was ${bytes} bytes, over ${limit}, and was dropped ` +
            '(a final_answer value, the last expression or output files too large). The ' +
            'interpreter and its variables are intact; return less data.',
          '',
          pending.startedAt,
        ),
        stateLost: false,
      });
      return;
    }
    const callId = parseJsonString(rawCallId);
    const name = parseJsonString(rawName) ?? 'tool';
    if (callId === undefined || pending.toolCalls.has(callId)) return;
    pending.toolCalls.add(callId);
    this.send(
      toolResultMessage(callId, {
        ok: false,
        errorType: 'ToolError',
        message: `${name}() call was ${bytes} bytes of JSON, over ${limit}; it was not run. Pass less data per call`,
      }),
    );
  }

  private async handleToolCall(message: ToolCallMessage): Promise<void> {
    const pending = this.pending.get(message.id);
    // Calls for unknown executions, and repeated call ids, are dropped.
    if (!pending || pending.killed || pending.toolCalls.has(message.callId)) return;
    pending.toolCalls.add(message.callId);
    let outcome: ToolCallOutcome;
    if (!pending.onToolCall) {
      outcome = {
        ok: false,
        errorType: 'ToolError',
        message: 'tools are not available in this execution',
      };
    } else {
      try {
        outcome = await pending.onToolCall({
          callId: message.callId,
          name: message.name,
          args: message.args,
        });
      } catch (error) {
        outcome = {
          ok: false,
          errorType: 'ToolError',
          message: error instanceof Error ? error.message : String(error),
        };
      }
    }
    this.send(toolResultMessage(message.callId, outcome));
  }
}

/** The start of a `tool_call` or `result` line as the kernel encodes it (keys in this order). */
const OVERSIZED_HEAD =
  /^\{"type":"(tool_call|result)","id":("(?:[^"\\]|\\.)*")(?:,"callId":("(?:[^"\\]|\\.)*"),"name":("(?:[^"\\]|\\.)*"))?/;

function parseJsonString(literal: string | undefined): string | undefined {
  if (literal === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function toolResultMessage(callId: string, outcome: ToolCallOutcome): HostMessage {
  if (outcome.ok) {
    try {
      // Check that the value survives JSON (BigInt and cycles throw) before sending.
      const value: unknown = JSON.parse(JSON.stringify(outcome.value ?? null) ?? 'null');
      return {type: 'tool_result', callId, ok: true, value};
    } catch (error) {
      return {
        type: 'tool_result',
        callId,
        ok: false,
        error: {
          type: 'ToolError',
          message: `tool result is not JSON-serializable: ${(error as Error).message}`,
        },
      };
    }
  }
  const type = outcome.errorType === 'TypeError' ? 'TypeError' : 'ToolError';
  return {type: 'tool_result', callId, ok: false, error: {type, message: String(outcome.message)}};
}

function toResult(message: ResultMessage, startedAt: number): ExecutionResult {
  const result: ExecutionResult = {
    stdout: message.stdout,
    stderr: message.stderr,
    figures: message.figures,
    files: message.files,
    stateLost: false,
    durationMs: Date.now() - startedAt,
  };
  if (message.value !== null && message.value !== undefined) result.value = message.value;
  if (message.error) result.error = message.error;
  if (message.finalAnswer) result.finalAnswer = {value: message.finalAnswer.value};
  return result;
}

function lostResult(
  type: string,
  message: string,
  traceback: string,
  startedAt: number,
): ExecutionResult {
  return {
    stdout: '',
    stderr: '',
    error: {type, message, traceback},
    figures: [],
    files: [],
    stateLost: true,
    durationMs: Date.now() - startedAt,
  };
}

/** A timer that does not keep Node alive on its own. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function describeExit(exit: KernelExit): string {
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  return exit.reason ? `${exit.reason}; ${how}` : how;
}

/** Bytes kept of the start of an oversized line, to tell whose message it was. */
const OVERSIZED_HEAD_BYTES = 1024;

/**
 * Splits a stream into lines without ever holding more than `maxBytes` of one line: a longer
 * line is discarded up to its newline, and `onOversized` gets its first bytes and its size.
 */
function readLines(
  stream: Readable,
  maxBytes: number,
  onLine: (line: string) => void,
  onOversized: (head: string, bytes: number) => void = () => {},
): void {
  let chunks: Buffer[] = [];
  let size = 0;
  let discarding = false;
  let head = '';
  stream.on('data', (chunk: Buffer) => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      size += end - start;
      if (!discarding) {
        if (size > maxBytes) {
          discarding = true;
          head = firstBytes([...chunks, chunk.subarray(start, end)], OVERSIZED_HEAD_BYTES);
          chunks = [];
        } else {
          chunks.push(chunk.subarray(start, end));
        }
      }
      if (newline === -1) break;
      if (discarding) onOversized(head, size);
      else onLine(Buffer.concat(chunks).toString('utf8'));
      chunks = [];
      size = 0;
      discarding = false;
      head = '';
      start = newline + 1;
    }
  });
}

/** The first `n` bytes of `chunks` as text (without joining all of them). */
function firstBytes(chunks: Buffer[], n: number): string {
  const taken: Buffer[] = [];
  let size = 0;
  for (const chunk of chunks) {
    if (size >= n) break;
    taken.push(chunk.subarray(0, n - size));
    size += taken[taken.length - 1].length;
  }
  return Buffer.concat(taken).toString('utf8');
}
