/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The host side of one kernel: starts it, speaks the wire protocol (`src/kernel/PROTOCOL.md`),
 * routes tool calls and streams output, and kills the whole sandbox on timeout, abort, dispose or
 * any message that breaks the protocol. Every message is checked where it arrives, so the host's
 * memory per kernel stays bounded whatever the sandbox sends: lines over the message cap are
 * refused before they are parsed, and each execution keeps at most its caps of output, figures
 * and files, a bounded set of tool calls in flight, and a bounded queue of bytes towards the
 * kernel.
 */

import {spawn, type ChildProcessByStdio} from 'node:child_process';
import type {Readable, Writable} from 'node:stream';

import {
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_RESULT_LIMITS,
  MAX_TOOL_CALLS_IN_FLIGHT,
  OUTPUT_NOTES_CHARS,
  encodeHostMessage,
  hasFigureMagic,
  maxMessageBytes,
  parseKernelMessage,
  type HostMessage,
  type KernelMessage,
  type ReadyMessage,
  type ResultLimits,
  type ToolCallMessage,
} from '../kernel/protocol.js';
import type {
  ExecutionResult,
  FigureOutput,
  FileOutput,
  OutputChunk,
  ToolCallControl,
  ToolCallHandler,
  ToolCallOutcome,
} from './sandbox.js';
import {base64Bytes} from '../utils/mime.js';
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

/** Options of {@link KernelProcess.start} and {@link KernelProcess.connect}. */
export interface KernelProcessOptions {
  /** How long to wait for the kernel's `ready` message. Default 30 s. */
  startTimeoutMs?: number;
  /**
   * What one execution may return; the kernel was started with the same caps (see
   * `KernelCodeExecutor`), and anything beyond them is a protocol error. Defaults:
   * {@link DEFAULT_RESULT_LIMITS}. They also fix the largest message ({@link maxMessageBytes}).
   */
  limits?: Partial<ResultLimits>;
  /**
   * Bytes the host may queue towards the kernel (tool results it has not read yet); past it the
   * execution fails and the kernel is stopped. Default 64 MiB.
   */
  maxQueuedBytes?: number;
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
  onOutput?: (chunk: OutputChunk) => void;
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

/** What an execution has received so far (kept, capped, in a lost result too). */
interface Received {
  stdout: string[];
  stderr: string[];
  chars: {stdout: number; stderr: number};
  figures: FigureOutput[];
  files: FileOutput[];
  fileBytes: number;
  /** Chunks of a namespace snapshot, decoded, and their bytes. */
  snapshot: Buffer[];
  snapshotBytes: number;
}

interface PendingExecution {
  id: string;
  startedAt: number;
  onToolCall?: ToolCallHandler;
  onOutput?: (chunk: OutputChunk) => void;
  /** Lets tool calls hold the execution's timeout (see {@link ToolCallControl}). */
  control: ToolCallControl;
  /** Call ids waiting for the host's answer (at most MAX_TOOL_CALLS_IN_FLIGHT). */
  calls: Set<string>;
  received: Received;
  /** Why the host is killing the kernel during this execution, if it is. */
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
 * one at a time or concurrently (the kernel runs them in order); call
 * {@link KernelProcess.dispose} when done.
 */
export class KernelProcess {
  /** Host process id of the kernel (the process group leader for local processes), if any. */
  readonly pid: number | undefined;
  /** What the kernel announced when it started. */
  readonly info: KernelInfo;

  private readonly transport: KernelTransport;
  private readonly limits: ResultLimits;
  private readonly maxMessageBytes: number;
  private readonly maxQueuedBytes: number;
  /** Executions sent to the kernel, in order; the first is the one it runs. */
  private readonly pending = new Map<string, PendingExecution>();
  private readonly exitListeners = new Set<() => void>();
  private stderrTail = '';
  private exitInfo?: KernelExit;
  private exited: Promise<unknown>;
  private nextId = 1;
  /** The number of the last call id seen: call ids must increase (no set of seen ids). */
  private lastCall = 0;
  /** Why the host stopped a kernel that was running nothing (see {@link endedHow}). */
  private stopReason?: string;

  private constructor(
    transport: KernelTransport,
    info: KernelInfo,
    options: Required<Omit<KernelProcessOptions, 'startTimeoutMs'>> & {limits: ResultLimits},
    stderrTail: string,
  ) {
    this.transport = transport;
    this.pid = transport.pid;
    this.info = info;
    this.limits = options.limits;
    this.maxMessageBytes = maxMessageBytes(options.limits);
    this.maxQueuedBytes = options.maxQueuedBytes;
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
   *     with the tail of its stderr), sends anything else first, or does not become ready within
   *     `startTimeoutMs`. The transport is killed in each case.
   */
  static connect(
    transport: KernelTransport,
    options: KernelProcessOptions = {},
    what = 'kernel',
  ): Promise<KernelProcess> {
    const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const resolved = {
      limits: {...DEFAULT_RESULT_LIMITS, ...options.limits},
      maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
    };
    const lineCap = maxMessageBytes(resolved.limits);
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
        lineCap,
        (line) => {
          if (kernel) {
            kernel.handleLine(line);
            return;
          }
          if (settled || exitedEarly) return;
          const parsed = parseKernelMessage(line);
          if (!parsed.ok || parsed.message.type !== 'ready') {
            fail(
              `the Python kernel broke the protocol before it was ready: it sent ${
                parsed.ok ? `a ${parsed.message.type} message` : parsed.error
              }`,
            );
            return;
          }
          settled = true;
          clearTimeout(timer);
          const ready: ReadyMessage = parsed.message;
          kernel = new KernelProcess(
            transport,
            {python: ready.python, packages: ready.packages, outputDir: ready.outputDir},
            resolved,
            stderrTail,
          );
          resolve(kernel);
        },
        (bytes) => {
          const reason = `the kernel sent a message of more than ${bytes} bytes, over the ${lineCap}-byte limit`;
          if (kernel) kernel.protocolError(reason);
          else fail(`the Python kernel broke the protocol before it was ready: ${reason}`);
        },
      );
    });
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** How the kernel ended (its exit, or the protocol error it was stopped for), once it has. */
  get endedHow(): string | undefined {
    if (this.alive) return undefined;
    return this.stopReason ?? describeExit(this.exitInfo!);
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
   * Runs one snippet. Never rejects: kernel errors, timeouts, aborts, protocol errors and crashes
   * all come back as results (all but the first with `stateLost: true`, after the sandbox was
   * killed, keeping the output received until then).
   */
  execute(request: KernelExecuteRequest): Promise<ExecutionResult> {
    const startedAt = Date.now();
    if (!this.alive) {
      return Promise.resolve(this.diedResult(startedAt));
    }
    const id = `exec-${this.nextId++}`;
    const line = encodeHostMessage({
      type: 'execute',
      id,
      code: request.code,
      timeoutMs: request.timeoutMs,
    });
    if (line.length > this.maxMessageBytes && Buffer.byteLength(line) > this.maxMessageBytes) {
      return Promise.resolve({
        ...emptyResult(startedAt),
        error: {
          type: 'MessageTooLarge',
          message: `The code is ${Buffer.byteLength(line)} bytes, over the ${this.maxMessageBytes}-byte limit of one message to the sandbox; it was not run.`,
          traceback: '',
        },
      });
    }
    return new Promise<ExecutionResult>((resolve) => {
      const {signal} = request;
      const timer = new PausableTimer(
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
        onOutput: request.onOutput,
        calls: new Set(),
        received: {
          stdout: [],
          stderr: [],
          chars: {stdout: 0, stderr: 0},
          figures: [],
          files: [],
          fileBytes: 0,
          snapshot: [],
          snapshotBytes: 0,
        },
        control: {holdTimeout: () => timer.hold()},
        resolve: (result) => {
          timer.clear();
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
      this.write(line);
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
    this.write(encodeHostMessage(message));
  }

  /** Queues a line towards the kernel, within the bound (past it: a protocol error). */
  private write(line: string): void {
    const stdin = this.transport.stdin;
    if (!this.alive || stdin.destroyed) return;
    if (stdin.writableLength + line.length > this.maxQueuedBytes) {
      this.protocolError(
        `the kernel stopped reading its input (${stdin.writableLength} bytes queued towards it, over the ${this.maxQueuedBytes}-byte limit)`,
      );
      return;
    }
    stdin.write(line);
  }

  /** The execution the kernel is running (the oldest one sent). */
  private live(): PendingExecution | undefined {
    return this.pending.values().next().value;
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
        pending.resolve(lostResult(reason.type, reason.message, '', pending));
      }, EXIT_WAIT_MS).unref();
    } else {
      this.handleExit(this.exitInfo ?? {code: null, signal: null});
    }
  }

  /**
   * The kernel broke the protocol: the running execution fails with a `ProtocolError` (keeping
   * what it received), and the kernel is killed, so the next execution starts a fresh one.
   */
  private protocolError(reason: string): void {
    const live = this.live();
    if (live) {
      this.killFor(live.id, {type: 'ProtocolError', message: protocolErrorMessage(reason)});
    } else {
      this.stopReason ??= `protocol error: ${reason}`;
      this.kill();
    }
  }

  private handleExit(exit: KernelExit): void {
    this.exitInfo ??= exit;
    for (const pending of [...this.pending.values()]) {
      if (pending.killed) {
        pending.resolve(lostResult(pending.killed.type, pending.killed.message, '', pending));
      } else {
        pending.resolve(this.diedResult(pending.startedAt, pending));
      }
    }
    for (const listener of this.exitListeners) listener();
    this.exitListeners.clear();
  }

  private diedResult(startedAt: number, pending?: PendingExecution): ExecutionResult {
    const exit = this.exitInfo ?? {code: null, signal: null};
    const how = describeExit(exit);
    const hint = exit.reason
      ? ''
      : exit.signal === 'SIGKILL' || exit.code === 137
        ? '; killed, e.g. out of memory'
        : '';
    const message = `The Python kernel died during the execution (${how}${hint}); ${STATE_LOST}`;
    const traceback = this.stderrTail.trim().slice(-2000);
    return pending
      ? lostResult('KernelDied', message, traceback, pending)
      : {
          ...emptyResult(startedAt),
          error: {type: 'KernelDied', message, traceback},
          stateLost: true,
        };
  }

  private handleLine(line: string): void {
    const parsed = parseKernelMessage(line);
    if (!parsed.ok) {
      this.protocolError(`the kernel sent ${parsed.error}`);
      return;
    }
    const message = parsed.message;
    const live = this.live();
    if (message.type === 'ready' || !live || message.id !== live.id) {
      this.protocolError(
        message.type === 'ready'
          ? 'the kernel sent a second ready message'
          : `the kernel sent a ${message.type} message for ${message.id}, which is not the running execution`,
      );
      return;
    }
    if (live.killed) return; // being killed: nothing more is taken
    const problem = this.accept(live, message);
    if (problem) this.protocolError(`the kernel sent ${problem}`);
  }

  /** Takes one message of the running execution; returns why it breaks the protocol, if it does. */
  private accept(
    live: PendingExecution,
    message: Exclude<KernelMessage, ReadyMessage>,
  ): string | undefined {
    const received = live.received;
    const limits = this.limits;
    switch (message.type) {
      case 'output': {
        const chars = received.chars[message.stream] + message.text.length;
        if (chars > limits.maxOutputBytes + OUTPUT_NOTES_CHARS) {
          return `more than ${limits.maxOutputBytes} bytes of ${message.stream} (the output cap)`;
        }
        received.chars[message.stream] = chars;
        received[message.stream].push(message.text);
        try {
          live.onOutput?.({stream: message.stream, text: message.text});
        } catch {
          // A listener's error is its own; the execution goes on.
        }
        return undefined;
      }
      case 'figure':
      case 'file': {
        const bytes = base64Bytes(message.data);
        const list: Array<FigureOutput | FileOutput> =
          message.type === 'figure' ? received.figures : received.files;
        const most = message.type === 'figure' ? limits.maxFigures : limits.maxFiles;
        if (list.length >= most) return `more than ${most} ${message.type}s`;
        if (bytes > limits.maxFileBytes) {
          return `a ${message.type} of ${bytes} bytes, over the ${limits.maxFileBytes}-byte limit`;
        }
        if (received.fileBytes + bytes > limits.maxTotalFileBytes) {
          return `more than ${limits.maxTotalFileBytes} bytes of figures and files`;
        }
        if (message.type === 'figure') {
          if (!hasFigureMagic(message.mimeType, message.data)) {
            return `a figure whose bytes are not ${message.mimeType}`;
          }
          received.figures.push({mimeType: message.mimeType, data: message.data});
        } else {
          received.files.push({name: message.name, mimeType: message.mimeType, data: message.data});
        }
        received.fileBytes += bytes;
        return undefined;
      }
      case 'snapshot': {
        const bytes = base64Bytes(message.data);
        if (received.snapshotBytes + bytes > limits.maxSnapshotBytes) {
          return `a snapshot over the ${limits.maxSnapshotBytes}-byte limit`;
        }
        received.snapshot.push(Buffer.from(message.data, 'base64'));
        received.snapshotBytes += bytes;
        return undefined;
      }
      case 'tool_call': {
        if (live.calls.size >= MAX_TOOL_CALLS_IN_FLIGHT) {
          return `more than ${MAX_TOOL_CALLS_IN_FLIGHT} tool calls waiting at once`;
        }
        const number = Number(message.callId.slice('call-'.length));
        if (!(number > this.lastCall)) return `a tool call id used before (${message.callId})`;
        this.lastCall = number;
        live.calls.add(message.callId);
        void this.runToolCall(live, message);
        return undefined;
      }
      case 'result': {
        const tooLong = (text: string | null | undefined) =>
          (text?.length ?? 0) > limits.maxOutputBytes + OUTPUT_NOTES_CHARS;
        if (tooLong(message.value) || tooLong(message.error?.message)) {
          return 'a result with a value or error over the output cap';
        }
        if (message.stateLost) {
          // The supervisor stopped the kernel: the interpreter broke the protocol.
          live.resolve(
            lostResult(
              'ProtocolError',
              protocolErrorMessage(message.error?.message ?? 'the interpreter broke the protocol'),
              '',
              live,
            ),
          );
          return undefined;
        }
        const result: ExecutionResult = {
          ...keptOutput(live),
          figures: received.figures,
          files: received.files,
          stateLost: false,
          durationMs: Date.now() - live.startedAt,
        };
        if (message.value !== null) result.value = message.value;
        if (message.error) result.error = message.error;
        if (message.finalAnswer) result.finalAnswer = {value: message.finalAnswer.value};
        if (message.stoppedProcesses) result.stoppedProcesses = message.stoppedProcesses;
        if (received.snapshot.length) result.snapshot = Buffer.concat(received.snapshot);
        live.resolve(result);
        return undefined;
      }
    }
  }

  /** Runs a tool call and answers it, unless its execution ended meanwhile. */
  private async runToolCall(live: PendingExecution, message: ToolCallMessage): Promise<void> {
    const {callId, name, args} = message;
    let outcome: ToolCallOutcome;
    if (!live.onToolCall) {
      outcome = {
        ok: false,
        errorType: 'ToolError',
        message: 'tools are not available in this execution',
      };
    } else {
      try {
        outcome = await live.onToolCall({callId, name, args}, live.control);
      } catch (error) {
        outcome = {
          ok: false,
          errorType: 'ToolError',
          message: error instanceof Error ? error.message : String(error),
        };
      }
    }
    if (this.pending.get(live.id) !== live || !live.calls.delete(callId)) return;
    this.write(encodeToolResult(callId, outcome, this.maxMessageBytes));
  }
}

/** The model-facing message of a protocol error, wherever it was detected. */
function protocolErrorMessage(reason: string): string {
  return `Protocol error: ${reason}; ${STATE_LOST}`;
}

/** The `tool_result` line for `outcome`, or a ToolError when the value cannot travel. */
function encodeToolResult(callId: string, outcome: ToolCallOutcome, maxBytes: number): string {
  const failure = (message: string, type: 'TypeError' | 'ToolError' = 'ToolError') =>
    encodeHostMessage({type: 'tool_result', callId, ok: false, error: {type, message}});
  if (!outcome.ok) {
    const type = outcome.errorType === 'TypeError' ? 'TypeError' : 'ToolError';
    return failure(String(outcome.message), type);
  }
  let line: string;
  try {
    // BigInt and cycles throw: the value must survive JSON.
    line = encodeHostMessage({type: 'tool_result', callId, ok: true, value: outcome.value ?? null});
  } catch (error) {
    return failure(`tool result is not JSON-serializable: ${(error as Error).message}`);
  }
  if (line.length > maxBytes / 3 && Buffer.byteLength(line) > maxBytes) {
    return failure(
      `tool result is ${Buffer.byteLength(line)} bytes of JSON, over the ${maxBytes}-byte limit of one message to the sandbox`,
    );
  }
  return line;
}

function emptyResult(startedAt: number): ExecutionResult {
  return {
    stdout: '',
    stderr: '',
    figures: [],
    files: [],
    stateLost: false,
    durationMs: Date.now() - startedAt,
  };
}

/** The output an execution received (joined streams). */
function keptOutput(pending: PendingExecution): {stdout: string; stderr: string} {
  return {
    stdout: pending.received.stdout.join(''),
    stderr: pending.received.stderr.join(''),
  };
}

/** A result for an execution whose kernel was stopped; what it printed until then is kept. */
function lostResult(
  type: string,
  message: string,
  traceback: string,
  pending: PendingExecution,
): ExecutionResult {
  return {
    ...emptyResult(pending.startedAt),
    ...keptOutput(pending),
    error: {type, message, traceback},
    stateLost: true,
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

/**
 * Splits a stream into lines without ever holding more than `maxBytes` of one line: a longer
 * line is reported once (`onOversized` with the bytes seen) as soon as it passes the cap, and
 * discarded up to its newline, before anything parses it.
 */
function readLines(
  stream: Readable,
  maxBytes: number,
  onLine: (line: string) => void,
  onOversized: (bytes: number) => void,
): void {
  let chunks: Buffer[] = [];
  let size = 0;
  let discarding = false;
  stream.on('data', (chunk: Buffer) => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      size += end - start;
      if (!discarding) {
        if (size > maxBytes) {
          discarding = true;
          chunks = [];
          onOversized(size);
        } else {
          chunks.push(chunk.subarray(start, end));
        }
      }
      if (newline === -1) break;
      if (!discarding) onLine(Buffer.concat(chunks).toString('utf8'));
      chunks = [];
      size = 0;
      discarding = false;
      start = newline + 1;
    }
  });
}

/**
 * A one-shot timer that can be held: while any hold is on, the clock stops; when the last hold
 * is released it runs again with the time it had left.
 */
export class PausableTimer {
  private timer?: NodeJS.Timeout;
  private remainingMs: number;
  private startedAt = 0;
  private holds = 0;
  private done = false;

  constructor(
    private readonly fire: () => void,
    ms: number,
  ) {
    this.remainingMs = ms;
    this.start();
  }

  /** Stops the clock until the returned function is called (once; later calls do nothing). */
  hold(): () => void {
    if (this.done) return () => {};
    if (this.holds++ === 0) {
      clearTimeout(this.timer);
      this.remainingMs = Math.max(0, this.remainingMs - (Date.now() - this.startedAt));
    }
    let released = false;
    return () => {
      if (released || this.done) return;
      released = true;
      if (--this.holds === 0) this.start();
    };
  }

  /** Cancels the timer for good. */
  clear(): void {
    this.done = true;
    clearTimeout(this.timer);
  }

  private start(): void {
    this.startedAt = Date.now();
    this.timer = setTimeout(() => {
      this.done = true;
      this.fire();
    }, this.remainingMs);
  }
}
