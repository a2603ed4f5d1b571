/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The part every kernel-based backend shares: sessions keyed by the caller, one folder and one
 * kernel process per session, lazy restart after a kill, idle disposal. A backend only says how
 * to launch the kernel for a session ({@link KernelCodeExecutor.launchSpec}).
 */

import {existsSync} from 'node:fs';
import {chmod, chown, mkdir, rename, rm, stat, writeFile} from 'node:fs/promises';
import {isAbsolute, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {
  HARDENING_DEFAULTS,
  isRoot,
  type HardeningOptions,
  type KernelLimits,
} from '../security/hardening_profile.js';
import {normalizeAuthorizedImports} from '../security/import_policy.js';
import {createSessionFolder} from './session_folders.js';
import {
  KernelProcess,
  type KernelInfo,
  type KernelLaunchSpec,
  type KernelProcessOptions,
} from './kernel_process.js';
import {DEFAULT_RESULT_LIMITS, maxMessageBytes, type ResultLimits} from '../kernel/protocol.js';
import {resolvePoolOptions, WarmPool, type WarmPoolOptions} from './warm_pool.js';
import {
  CODE_EXECUTOR_SIGNATURE,
  type CodeExecutor,
  type ExecutionRequest,
  type ExecutionResult,
  type InputFile,
  type SandboxSession,
  type SandboxSessionOptions,
  type WrittenInputFile,
} from './sandbox.js';
import {MAX_TIMER_MS} from '../utils/time.js';
import {
  checkWorkspaceOption,
  diffTrees,
  OriginalTree,
  resolveWorkspace,
  walkTree,
  workspaceInfo,
  type ChangedEntry,
  type ResolvedWorkspace,
  type Tree,
  type WorkspaceChanges,
  type WorkspaceInfo,
  type WorkspaceOption,
  type WorkspaceSessionInfo,
} from './workspace.js';

export type {KernelLimits};

/** Options shared by every kernel-based backend. */
export interface KernelCodeExecutorOptions {
  /**
   * Python interpreter (absolute path; for sandboxes, the path inside the sandbox). Default
   * `/usr/bin/python3`, the system Python, where the distribution's pandas/numpy live.
   */
  python?: string;
  /**
   * Wall-clock limit of an execution when the request gives none (the `CodingAgent` option of the
   * same name overrides it). Default 30 000 ms.
   */
  executionTimeoutMs?: number;
  /** Sessions unused for this long are disposed. Default 30 min; `Infinity` disables. */
  idleTimeoutMs?: number;
  /**
   * Cap on captured stdout and on stderr per execution (head and tail kept), and on the last
   * expression's value and the final answer's JSON. Default 1 MiB.
   */
  maxOutputBytes?: number;
  /** Largest file or figure returned by one execution. Default 10 MiB. */
  maxFileBytes?: number;
  /** Total bytes of files and figures returned by one execution. Default 24 MiB. */
  maxTotalFileBytes?: number;
  /**
   * Figures (open matplotlib figures) returned by one execution; the rest are closed and the
   * model is told how many were left out. Default 20.
   */
  maxFigures?: number;
  /**
   * Keep the processes a snippet starts running after its execution returns (e.g. a local
   * server used by later steps). Default false: when an execution returns, every process it
   * left running is stopped, and the result names them (`stoppedProcesses`), so nothing a
   * snippet starts outlives it unless asked. Kept processes still count against the sandbox's
   * limits and end with the session.
   */
  keepBackgroundProcesses?: boolean;
  /**
   * Largest namespace snapshot a kernel may send (stateful agents' snapshots; see the agent's
   * `snapshots` option, whose own limit should not be above this). Checked by the kernel's
   * supervisor and again on the host. Default 256 MiB.
   */
  maxSnapshotBytes?: number;
  /** How long a kernel may take to start. Default 30 000 ms. */
  startTimeoutMs?: number;
  /**
   * Resource limits the kernel sets on itself at start (inherited by every process a snippet
   * starts). They are a second wall inside the sandbox's own; 0 leaves a limit as inherited.
   */
  limits?: KernelLimits;
  /**
   * Kernels to start ahead of time with modules already imported, so a new session's first step
   * pays neither the start nor `import pandas`. Default: no pool. See {@link warmUp}.
   */
  pool?: WarmPoolOptions;
  /**
   * Host path of `kernel.py`, the kernel's entry (its folder holds `interpreter.py` too).
   * Default: found next to this module (`../kernel/python/`). Set it when a bundler moved this
   * code away from the package's files.
   */
  kernelPath?: string;
}

/**
 * Options of the sandboxing backends (bubblewrap, Docker): the shared ones plus the hardening
 * both apply the same way (session-wide memory, CPU and process limits, tmpfs sizes, seccomp).
 */
export interface SandboxCodeExecutorOptions extends KernelCodeExecutorOptions, HardeningOptions {
  /**
   * A host folder every session sees at `/work/workspace`: a path (read-only), `{path, mode}`
   * with mode `read-only` or `copy-on-write`, or a function of the ADK session returning either
   * (or undefined for none), so each user can get their own folder. Read-only mounts the folder
   * itself, read-only. Copy-on-write gives the session a private copy made when its kernel
   * starts (a restart makes a fresh one); its changes come back from
   * `SandboxSession.workspaceChanges()` (a CodingAgent saves them as the `workspace.diff`
   * artifact at the end of each run) and the host folder is never written. Symlinks stay
   * symlinks and resolve inside the sandbox, so none reaches a host file outside the folder.
   * Files must be readable by the sandbox's user (with a root host, each session's own uid).
   * Sessions with a workspace do not take kernels from the warm pool.
   */
  workspace?: WorkspaceOption;
}

/** A session's workspace: the resolved folder, its walk when the session started, its size. */
export interface SessionWorkspace extends ResolvedWorkspace {
  tree: Tree;
  info: WorkspaceInfo;
}

/** A pooled kernel and the session folder it was started in. */
interface WarmKernel {
  sessionDir: string;
  kernel: KernelProcess;
}

/** Everything a backend needs to launch the kernel of one session. */
export interface KernelSessionContext {
  /** The session's key. */
  key: string;
  /** Host folder owned by the session (removed on dispose); holds `work/`. */
  sessionDir: string;
  /** Host folder the snippet works in (`<sessionDir>/work`). */
  workDir: string;
  /** Host folder whose new files come back with results (`<workDir>/output`). */
  outputDir: string;
  /**
   * Host folder of the session's input files (`<sessionDir>/input`). It is outside the work
   * folder on purpose: a backend mounts it read-only into the sandbox (bubblewrap at
   * `/work/input`), so a snippet can neither change the inputs nor plant symlinks the host would
   * follow when it writes them. A backend that mounts it elsewhere overrides
   * {@link KernelCodeExecutor.sandboxInputDir}.
   */
  inputDir: string;
  /** Host path of `kernel.py`. */
  kernelPath: string;
  /** Interpreter from the options. */
  python: string;
  /**
   * Arguments for `kernel.py` (authorized imports and limits). The backend appends
   * `--output-dir <outputDir as seen inside the sandbox>`.
   */
  kernelArgs: string[];
  /** 1 for the first kernel of the session, +1 for each restart. */
  generation: number;
  /** The session's workspace, when it has one. */
  workspace?: SessionWorkspace;
}

const DEFAULTS = {
  python: '/usr/bin/python3',
  executionTimeoutMs: 30_000,
  idleTimeoutMs: 30 * 60_000,
  maxOutputBytes: DEFAULT_RESULT_LIMITS.maxOutputBytes,
  maxFileBytes: DEFAULT_RESULT_LIMITS.maxFileBytes,
  maxTotalFileBytes: DEFAULT_RESULT_LIMITS.maxTotalFileBytes,
  maxFigures: DEFAULT_RESULT_LIMITS.maxFigures,
  maxSnapshotBytes: DEFAULT_RESULT_LIMITS.maxSnapshotBytes,
  keepBackgroundProcesses: false,
  startTimeoutMs: 30_000,
  // The sandboxing backends pass limits derived from their profile (memoryLimit, pidsLimit).
  limits: {
    memoryBytes: 4 * 1024 ** 3,
    processes: 0,
    fileBytes: HARDENING_DEFAULTS.fileBytes,
    openFiles: HARDENING_DEFAULTS.openFiles,
  },
} as const;

type ResolvedOptions = Required<
  Omit<KernelCodeExecutorOptions, 'kernelPath' | 'limits' | 'pool' | 'workspace'>
> & {
  kernelPath?: string;
  limits: Required<KernelLimits>;
};

function checkMs(name: string, value: number, allowInfinity: boolean): void {
  const ok =
    typeof value === 'number' &&
    value > 0 &&
    (Number.isFinite(value) ? value <= MAX_TIMER_MS : allowInfinity && value === Infinity);
  if (!ok) {
    throw new Error(
      `${name} must be a positive number of milliseconds up to ${MAX_TIMER_MS}` +
        `${allowInfinity ? ' (or Infinity)' : ''}, got ${String(value)}`,
    );
  }
}

function checkBytes(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new Error(
      `${name} must be an integer of at least ${minimum} bytes, got ${String(value)}`,
    );
  }
}

/** Validates options shared by all backends and fills in defaults. */
function resolveOptions(options: KernelCodeExecutorOptions): ResolvedOptions {
  const {workspace: _workspace, ...rest} = options as SandboxCodeExecutorOptions;
  const resolved: ResolvedOptions = {
    ...DEFAULTS,
    ...stripUndefined(rest),
    limits: {...DEFAULTS.limits, ...stripUndefined(options.limits ?? {})},
  };
  for (const [name, value] of Object.entries(resolved.limits)) {
    checkBytes(`limits.${name}`, value, 0);
  }
  if (typeof resolved.python !== 'string' || !isAbsolute(resolved.python)) {
    throw new Error(
      `python must be an absolute path to an interpreter, got ${JSON.stringify(resolved.python)}`,
    );
  }
  checkMs('executionTimeoutMs', resolved.executionTimeoutMs, false);
  checkMs('idleTimeoutMs', resolved.idleTimeoutMs, true);
  checkMs('startTimeoutMs', resolved.startTimeoutMs, false);
  checkBytes('maxOutputBytes', resolved.maxOutputBytes, 1024);
  checkBytes('maxFileBytes', resolved.maxFileBytes, 0);
  checkBytes('maxTotalFileBytes', resolved.maxTotalFileBytes, 0);
  checkBytes('maxSnapshotBytes', resolved.maxSnapshotBytes, 0);
  if (!Number.isSafeInteger(resolved.maxFigures) || resolved.maxFigures < 0) {
    throw new Error(
      `maxFigures must be a non-negative integer, got ${String(resolved.maxFigures)}`,
    );
  }
  if (typeof resolved.keepBackgroundProcesses !== 'boolean') {
    throw new Error(
      `keepBackgroundProcesses must be true or false, got ${String(resolved.keepBackgroundProcesses)}`,
    );
  }
  if (resolved.kernelPath !== undefined && !isAbsolute(resolved.kernelPath)) {
    throw new Error(
      `kernelPath must be an absolute path, got ${JSON.stringify(resolved.kernelPath)}`,
    );
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Finds `kernel.py`: next to this module in the source tree and in the built package. */
export function defaultKernelPath(): string {
  const candidates: string[] = [];
  const add = (relative: string, base: string) => {
    try {
      candidates.push(fileURLToPath(new URL(relative, base)));
    } catch {
      // not a file URL (e.g. inside a bundle)
    }
  };
  add('../kernel/python/kernel.py', import.meta.url);
  // Built JS without copied assets: dist/code_executors -> src/kernel/python.
  add('../../src/kernel/python/kernel.py', import.meta.url);
  try {
    // Bundled copies of this code: ask Node where the installed package is.
    add('./kernel/python/kernel.py', import.meta.resolve('adk-coding-agent'));
  } catch {
    // not installed as a package
  }
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `cannot find the Python kernel (kernel.py); looked in: ${candidates.join(', ')}. ` +
        'Pass the kernelPath option.',
    );
  }
  return found;
}

/**
 * One session of a {@link KernelCodeExecutor}: a folder and a kernel process whose namespace
 * persists between executions. Executions run one at a time, in call order.
 */
export class KernelSandboxSession implements SandboxSession {
  /** Key this session was created under. */
  readonly key: string;
  /** Host folder owned by the session (removed on dispose). */
  readonly sessionDir: string;
  /** Host folder the snippet works in. */
  readonly workDir: string;
  /** Host path of the output folder (its new files come back in results). */
  readonly hostOutputDir: string;
  /** Host path of the input folder (mounted read-only in sandboxes; see {@link inputDir}). */
  readonly hostInputDir: string;
  /** Authorized imports of this session, normalized. */
  readonly authorizedImports: readonly string[];

  private generationValue = 0;
  private kernel?: KernelProcess;
  private lastInfo?: KernelInfo;
  private queue: Promise<unknown> = Promise.resolve();
  private disposedValue = false;
  private disposing?: Promise<void>;
  private busy = 0;
  private idleTimer?: NodeJS.Timeout;

  /** @internal Created by {@link KernelCodeExecutor.getSession}. */
  constructor(
    private readonly executor: KernelCodeExecutor,
    private readonly options: ResolvedOptions & {kernelPath: string},
    key: string,
    sessionDir: string,
    authorizedImports: readonly string[],
    private readonly onDisposed: (session: KernelSandboxSession) => void,
    private readonly sessionWorkspace?: SessionWorkspace,
  ) {
    this.key = key;
    this.sessionDir = sessionDir;
    this.workDir = join(sessionDir, 'work');
    this.hostOutputDir = join(this.workDir, 'output');
    this.hostInputDir = join(sessionDir, 'input');
    this.authorizedImports = authorizedImports;
  }

  /** The session's workspace and its size (what the model is told), when it has one. */
  get workspace(): WorkspaceInfo | undefined {
    return this.sessionWorkspace?.info;
  }

  /**
   * The copy-on-write workspace's changes against the host folder, in order with executions.
   * Undefined without a copy-on-write workspace or when the backend no longer has the copy.
   */
  workspaceChanges(): Promise<WorkspaceChanges | undefined> {
    const workspace = this.sessionWorkspace;
    if (!workspace || workspace.mode !== 'copy-on-write' || this.disposedValue) {
      return Promise.resolve(undefined);
    }
    const run = this.queue.then(async () => {
      const original = new OriginalTree(workspace.hostPath, workspace.tree);
      const context = sessionContext(this.key, this.sessionDir, this.options, this.generation, []);
      const changed = await this.executor.readWorkspaceCopy({...context, workspace}, original);
      return changed ? diffTrees(original, changed) : undefined;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The longest line the kernel accepts (see `maxMessageBytes` in PROTOCOL.md). */
  get maxMessageBytes(): number {
    return maxMessageBytes(resultLimits(this.options));
  }

  /** The input folder as code in the sandbox sees it (e.g. `/work/input`). */
  get inputDir(): string {
    return this.executor.sandboxInputDir(this.hostInputDir);
  }

  /**
   * Writes files into the input folder from the host (never through the kernel's protocol): a
   * host folder the sandbox mounts read-only, or on Docker a volume filled through the Engine API
   * (see {@link KernelCodeExecutor.storeInputFiles}).
   *
   * @throws Error (rejection) for a name that is not a single plain path segment, or after
   *     {@link dispose}.
   */
  async writeFiles(files: readonly InputFile[]): Promise<WrittenInputFile[]> {
    if (this.disposedValue) {
      throw new Error(`sandbox session ${JSON.stringify(this.key)} is disposed`);
    }
    for (const file of files) checkInputName(file.name);
    await this.executor.storeInputFiles(
      {sessionDir: this.sessionDir, inputDir: this.hostInputDir},
      files,
    );
    return files.map((file) => ({
      name: file.name,
      path: `${this.inputDir}/${file.name}`,
      bytes: file.data.byteLength,
    }));
  }

  /** Increments each time a fresh kernel starts (first start is 1). */
  get generation(): number {
    return this.generationValue;
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.disposedValue;
  }

  /** Process id of the running kernel's process group leader, if a kernel is running. */
  get pid(): number | undefined {
    return this.kernel?.alive ? this.kernel.pid : undefined;
  }

  /** What the most recent kernel announced (Python version, packages, output folder). */
  get kernelInfo(): KernelInfo | undefined {
    return this.lastInfo;
  }

  /**
   * The output folder as code in the sandbox sees it (e.g. `/work/output`); also reachable as
   * the relative path `output/`, since snippets run in the work folder.
   */
  get outputDir(): string {
    return this.lastInfo?.outputDir ?? this.hostOutputDir;
  }

  /**
   * @internal Starts the first kernel, or adopts `warm` (a pooled kernel started ahead of time in
   * this session's folder, given this session's imports); the executor calls it once.
   */
  async start(warm?: KernelProcess): Promise<void> {
    await this.ensureOutputDir();
    if (warm) {
      warm.configure({authorizedImports: [...this.authorizedImports]});
      this.generationValue = 1;
      this.lastInfo = warm.info;
      this.kernel = warm;
    } else {
      this.kernel = await this.startKernel();
    }
    this.touch();
  }

  /** Runs one snippet (after the ones already queued). */
  execute(request: ExecutionRequest): Promise<ExecutionResult> {
    if (this.disposedValue) {
      return Promise.reject(new Error(`sandbox session ${JSON.stringify(this.key)} is disposed`));
    }
    const run = this.queue.then(() => this.run(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Kills the kernel and removes the session folder. Idempotent. */
  dispose(): Promise<void> {
    this.disposing ??= this.doDispose();
    return this.disposing;
  }

  private async doDispose(): Promise<void> {
    this.disposedValue = true;
    clearTimeout(this.idleTimer);
    this.onDisposed(this);
    const kernel = this.kernel;
    this.kernel = undefined;
    try {
      await kernel?.dispose();
      await this.executor.releaseSession(this.sessionDir);
    } finally {
      await rm(this.sessionDir, {recursive: true, force: true, maxRetries: 3});
    }
  }

  private async run(request: ExecutionRequest): Promise<ExecutionResult> {
    if (this.disposedValue) {
      throw new Error(`sandbox session ${JSON.stringify(this.key)} is disposed`);
    }
    const startedAt = Date.now();
    this.busy++;
    clearTimeout(this.idleTimer);
    try {
      if (request.signal?.aborted) {
        return failure('AbortError', 'Execution was aborted before it started.', false, startedAt);
      }
      // A kernel that is there but dead ended between executions (e.g. a thread a snippet left
      // called os._exit): this execution says so, since the variables went with it.
      const endedIdle = this.kernel && !this.kernel.alive ? this.kernel.endedHow : undefined;
      if (!this.kernel?.alive) {
        try {
          this.kernel = await this.startKernel();
        } catch (error) {
          this.kernel = undefined;
          return failure(
            'KernelStartError',
            `The Python kernel could not be restarted: ${(error as Error).message}`,
            true,
            startedAt,
          );
        }
        if (this.disposedValue) {
          await this.kernel.dispose();
          throw new Error(`sandbox session ${JSON.stringify(this.key)} is disposed`);
        }
      }
      const timeoutMs = request.timeoutMs ?? this.options.executionTimeoutMs;
      checkMs('timeoutMs', timeoutMs, false);
      const notice = endedIdle
        ? `[The Python kernel ended between executions (${endedIdle}) and was restarted: every variable, import and definition from earlier steps is gone.]\n`
        : '';
      if (notice) request.onOutput?.({stream: 'stderr', text: notice});
      const result = await this.kernel.execute({
        code: request.code,
        timeoutMs,
        onToolCall: request.onToolCall,
        onOutput: request.onOutput,
        signal: request.signal,
      });
      if (result.stateLost) {
        // The process group is dead; the next execution starts a fresh kernel lazily.
        const dead = this.kernel;
        this.kernel = undefined;
        await dead?.dispose();
      }
      return notice ? {...result, stderr: notice + result.stderr} : result;
    } finally {
      this.busy--;
      this.touch();
    }
  }

  private async startKernel(): Promise<KernelProcess> {
    const generation = this.generationValue + 1;
    const o = this.options;
    const context = sessionContext(this.key, this.sessionDir, o, generation, [
      '--authorized-imports',
      this.authorizedImports.join(','),
      ...kernelLimitArgs(o),
    ]);
    context.workspace = this.sessionWorkspace;
    // A snippet may have removed the output folder; recreate it before each start.
    await this.ensureOutputDir();
    const kernel = await this.executor.startKernelFor(context);
    this.generationValue = generation;
    this.lastInfo = kernel.info;
    return kernel;
  }

  /** Creates the output folder when missing, owned like the session folder (the sandbox user). */
  private async ensureOutputDir(): Promise<void> {
    const created = await mkdir(this.hostOutputDir, {recursive: true, mode: 0o700});
    if (created === undefined || !isRoot()) return;
    const owner = await stat(this.sessionDir);
    // mkdir returns the first folder it created: chown that one and those below it.
    for (const folder of [this.workDir, this.hostOutputDir]) {
      if (folder.length >= created.length) await chown(folder, owner.uid, owner.gid);
    }
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.disposedValue || this.busy > 0 || !Number.isFinite(this.options.idleTimeoutMs)) return;
    this.idleTimer = setTimeout(() => {
      if (this.busy === 0) void this.executor.closeSession(this.key, this);
    }, this.options.idleTimeoutMs);
    // An idle session must not keep Node alive.
    this.idleTimer.unref();
  }
}

/** The launch context of a session folder (`work/`, `work/output/`, `input/` inside it). */
function sessionContext(
  key: string,
  sessionDir: string,
  options: ResolvedOptions & {kernelPath: string},
  generation: number,
  kernelArgs: string[],
): KernelSessionContext {
  const workDir = join(sessionDir, 'work');
  return {
    key,
    sessionDir,
    workDir,
    outputDir: join(workDir, 'output'),
    inputDir: join(sessionDir, 'input'),
    kernelPath: options.kernelPath,
    python: options.python,
    generation,
    kernelArgs,
  };
}

/** The result caps of `options`, as the host checks them (see {@link kernelLimitArgs}). */
function resultLimits(options: ResolvedOptions): ResultLimits {
  return {
    maxOutputBytes: options.maxOutputBytes,
    maxFileBytes: options.maxFileBytes,
    maxTotalFileBytes: options.maxTotalFileBytes,
    maxFiles: DEFAULT_RESULT_LIMITS.maxFiles,
    maxFigures: options.maxFigures,
    maxSnapshotBytes: options.maxSnapshotBytes,
  };
}

/** Kernel arguments for the result caps and resource limits of `options`. */
function kernelLimitArgs(options: ResolvedOptions): string[] {
  const limits = resultLimits(options);
  return [
    '--max-output-bytes',
    String(limits.maxOutputBytes),
    '--max-file-bytes',
    String(limits.maxFileBytes),
    '--max-total-file-bytes',
    String(limits.maxTotalFileBytes),
    '--max-files',
    String(limits.maxFiles),
    '--max-figures',
    String(limits.maxFigures),
    '--max-message-bytes',
    String(maxMessageBytes(limits)),
    '--max-snapshot-bytes',
    String(limits.maxSnapshotBytes),
    ...(options.keepBackgroundProcesses ? ['--keep-background-processes'] : []),
    ...limitArgs(options.limits),
  ];
}

/** Kernel arguments for `limits` (zero limits are left out). */
export function limitArgs(limits: Required<KernelLimits>): string[] {
  const flags: Array<[keyof KernelLimits, string]> = [
    ['memoryBytes', '--limit-memory-bytes'],
    ['processes', '--limit-processes'],
    ['fileBytes', '--limit-file-bytes'],
    ['openFiles', '--limit-open-files'],
  ];
  return flags.flatMap(([key, flag]) => (limits[key] > 0 ? [flag, String(limits[key])] : []));
}

/** Rejects input file names that are not one plain path segment. */
function checkInputName(name: string): void {
  if (
    typeof name !== 'string' ||
    name === '' ||
    name === '.' ||
    name === '..' ||
    name.length > 255 ||
    // eslint-disable-next-line no-control-regex
    /[/\\\x00-\x1f\x7f]/.test(name)
  ) {
    throw new Error(
      `invalid input file name ${JSON.stringify(name)}: use one path segment without slashes or control characters`,
    );
  }
}

function failure(
  type: string,
  message: string,
  stateLost: boolean,
  startedAt: number,
): ExecutionResult {
  return {
    stdout: '',
    stderr: '',
    error: {type, message, traceback: ''},
    figures: [],
    files: [],
    stateLost,
    durationMs: Date.now() - startedAt,
  };
}

/**
 * Base class of the backends that run `kernel.py` (local, bubblewrap, Docker, ...). Subclasses
 * set {@link backend} and implement {@link launchSpec} (a local process) or override
 * {@link openKernel} (anything else); they may override {@link checkAvailable} and
 * {@link prepareSession}.
 */
export abstract class KernelCodeExecutor implements CodeExecutor {
  /** Brand checked by `isCodeExecutor` (works across bundled copies of this package). */
  readonly [CODE_EXECUTOR_SIGNATURE] = true;
  /** Short backend name, e.g. `bubblewrap`. */
  abstract readonly backend: string;

  /** Options after validation, with defaults filled in. */
  protected readonly options: ResolvedOptions;
  private readonly sessions = new Map<string, Promise<KernelSandboxSession>>();
  private readonly poolOptions: Required<WarmPoolOptions>;
  private readonly workspaceOption?: WorkspaceOption;
  private poolValue?: WarmPool<WarmKernel>;
  private warmCounter = 0;

  /** @throws Error naming the first invalid option. */
  constructor(options: KernelCodeExecutorOptions = {}) {
    this.options = resolveOptions(options);
    this.poolOptions = resolvePoolOptions(options.pool);
    const workspace = (options as SandboxCodeExecutorOptions).workspace;
    if (workspace !== undefined) {
      if (!this.supportsWorkspace()) {
        throw new Error('workspace needs a sandboxing backend (bubblewrap or Docker)');
      }
      checkWorkspaceOption(workspace);
      this.workspaceOption = workspace;
    }
  }

  /** True for backends that mount workspaces (the sandboxing ones). Default false. */
  protected supportsWorkspace(): boolean {
    return false;
  }

  /**
   * @internal Reads a session's copy-on-write workspace as it is now (hostile data: never
   * through a symlink), for the diff against `original`. Undefined when the copy is gone. The
   * default has none.
   */
  readWorkspaceCopy(
    _context: KernelSessionContext,
    _original: OriginalTree,
  ): Promise<Map<string, ChangedEntry> | undefined> {
    return Promise.resolve(undefined);
  }

  /** The workspace of a new session: the option, resolved for its ADK session, and walked. */
  private async sessionWorkspace(
    key: string,
    session: WorkspaceSessionInfo | undefined,
  ): Promise<SessionWorkspace | undefined> {
    const option = this.workspaceOption;
    if (option === undefined) return undefined;
    const spec =
      typeof option === 'function'
        ? await option(session ?? {appName: '', userId: '', id: key})
        : option;
    if (spec === undefined) return undefined;
    const resolved = await resolveWorkspace(spec);
    const tree = await walkTree(resolved.hostPath);
    return {...resolved, tree, info: workspaceInfo(tree, resolved.mode)};
  }

  /**
   * Returns how to start the kernel for a session as a local process. The command must run
   * `kernel.py` with `context.kernelArgs` plus `--output-dir`, with the session's work folder as
   * its current directory. Backends that override {@link openKernel} need not implement it.
   */
  protected launchSpec(
    _context: KernelSessionContext,
  ): KernelLaunchSpec | Promise<KernelLaunchSpec> {
    throw new Error(`the ${this.backend} backend does not start kernels as local processes`);
  }

  /**
   * Starts the kernel of a session and waits until it is ready. The default spawns
   * {@link launchSpec}; a backend whose kernel is not a local process (a container) overrides
   * this instead.
   */
  protected async openKernel(context: KernelSessionContext): Promise<KernelProcess> {
    const spec = await this.launchSpec(context);
    return KernelProcess.start(spec, this.kernelProcessOptions());
  }

  /** How the host talks to this executor's kernels: start timeout and the same caps. */
  protected kernelProcessOptions(): KernelProcessOptions {
    return {startTimeoutMs: this.options.startTimeoutMs, limits: resultLimits(this.options)};
  }

  /** @internal Used by sessions to start and restart kernels. */
  startKernelFor(context: KernelSessionContext): Promise<KernelProcess> {
    return this.openKernel(context);
  }

  /** Wall-clock limit of an execution whose request gives none (option `executionTimeoutMs`). */
  get executionTimeoutMs(): number {
    return this.options.executionTimeoutMs;
  }

  /** Kernels started ahead of time and waiting in the warm pool (0 without a pool). */
  get warmKernels(): number {
    return this.poolValue?.readyCount ?? 0;
  }

  /**
   * Starts the warm pool's kernels (option `pool`) and resolves when all are ready. Without it
   * the pool starts filling at the first {@link getSession}.
   *
   * @throws Error (rejection) when a pooled kernel cannot start (backend unavailable, image
   *     missing, ...), with the backend's message.
   */
  async warmUp(): Promise<void> {
    const pool = this.pool();
    if (!pool) return;
    await this.checkAvailable();
    await pool.warmUp();
  }

  private pool(): WarmPool<WarmKernel> | undefined {
    if (this.poolOptions.size === 0) return undefined;
    this.poolValue ??= new WarmPool(
      this.poolOptions.size,
      () => this.startWarmKernel(),
      async (warm) => {
        try {
          await warm.kernel.dispose();
          await this.releaseSession(warm.sessionDir);
        } finally {
          await rm(warm.sessionDir, {recursive: true, force: true, maxRetries: 3});
        }
      },
    );
    return this.poolValue;
  }

  /** Starts a kernel in a fresh session folder, with no imports authorized until configured. */
  private async startWarmKernel(): Promise<WarmKernel> {
    const kernelPath = this.options.kernelPath ?? defaultKernelPath();
    const options = {...this.options, kernelPath};
    const key = `(warm ${++this.warmCounter})`;
    const sessionDir = await createSessionFolder();
    try {
      await this.prepareSessionDir(sessionDir, key, options);
      const context = sessionContext(key, sessionDir, options, 1, [
        '--authorized-imports',
        '',
        '--preload',
        this.poolOptions.preload.join(','),
        ...kernelLimitArgs(options),
      ]);
      return {sessionDir, kernel: await this.openKernel(context)};
    } catch (error) {
      await this.releaseSession(sessionDir).catch(() => undefined);
      await rm(sessionDir, {recursive: true, force: true, maxRetries: 3});
      throw error;
    }
  }

  private async prepareSessionDir(
    sessionDir: string,
    key: string,
    options: ResolvedOptions & {kernelPath: string},
  ): Promise<void> {
    const context = sessionContext(key, sessionDir, options, 0, []);
    await mkdir(context.outputDir, {recursive: true, mode: 0o700});
    await mkdir(context.inputDir, {recursive: true, mode: 0o700});
    await this.prepareSession(context);
  }

  /**
   * Rejects with one clear line when this backend cannot run here (tool missing, ...). Called
   * before each new session. The default accepts.
   */
  protected async checkAvailable(): Promise<void> {}

  /** Prepares a new session folder (e.g. ownership) before its first kernel starts. */
  protected async prepareSession(_context: KernelSessionContext): Promise<void> {}

  /**
   * Stores a session's input files where its sandbox reads them (names already checked: one
   * plain path segment each). The default writes them into the host input folder, each under a
   * temporary name then renamed (a snippet never reads half a file), private to the sandbox's
   * user, who owns the session folder. A backend whose sandbox does not see host folders (a
   * remote Docker daemon) overrides it. Called by {@link KernelSandboxSession.writeFiles}.
   */
  async storeInputFiles(
    folders: {sessionDir: string; inputDir: string},
    files: readonly InputFile[],
  ): Promise<void> {
    await mkdir(folders.inputDir, {recursive: true, mode: 0o700});
    // The sandbox sees the folder read-only; no other local user can read an attachment.
    const owner = await stat(folders.sessionDir);
    for (const file of files) {
      const target = join(folders.inputDir, file.name);
      const temporary = join(folders.inputDir, `.${file.name}.${process.pid}.partial`);
      await writeFile(temporary, file.data, {mode: 0o600});
      await chmod(temporary, 0o600);
      if (isRoot()) await chown(temporary, owner.uid, owner.gid);
      await rename(temporary, target);
    }
  }

  /**
   * Releases what a backend keeps for a session folder beyond the folder itself (e.g. Docker
   * volumes), once its last kernel is gone: at dispose, when a pooled kernel is dropped, after a
   * failed start. The default has nothing to release.
   */
  async releaseSession(_sessionDir: string): Promise<void> {}

  /**
   * Where code in the sandbox sees the session's input folder, given its host path
   * (`KernelSessionContext.inputDir`). The default is the host path itself (right for a local
   * process); a backend that mounts the folder elsewhere overrides it (bubblewrap: `/work/input`).
   */
  sandboxInputDir(hostInputDir: string): string {
    return hostInputDir;
  }

  /**
   * Returns the live session for `key`, starting one when there is none (or it was disposed).
   * Concurrent calls for one key share one start. An existing session keeps the
   * `authorizedImports` it started with.
   *
   * @throws Error (rejection) when the backend cannot run here, with one clear line.
   */
  async getSession(key: string, options: SandboxSessionOptions): Promise<KernelSandboxSession> {
    // No await before the map is updated: concurrent callers must share one start.
    const existing = this.sessions.get(key);
    if (existing) {
      const session = await existing;
      if (!session.disposed) return session;
      if (this.sessions.get(key) === existing) this.sessions.delete(key);
      return this.getSession(key, options);
    }
    const created = this.createSession(key, options);
    this.sessions.set(key, created);
    created.catch(() => {
      if (this.sessions.get(key) === created) this.sessions.delete(key);
    });
    return created;
  }

  /**
   * Disposes the session for `key`, if any. With `session`, only when that is still the
   * session registered under `key` (used by idle timers).
   */
  async closeSession(key: string, session?: KernelSandboxSession): Promise<void> {
    const entry = this.sessions.get(key);
    if (!entry) return;
    if (session) {
      const current = await entry.catch(() => undefined);
      if (current !== session || this.sessions.get(key) !== entry) return;
    }
    this.sessions.delete(key);
    const live = await entry.catch(() => undefined);
    await live?.dispose();
  }

  /** Disposes every session (including ones still starting). */
  async dispose(): Promise<void> {
    const entries = [...this.sessions.values()];
    this.sessions.clear();
    const pool = this.poolValue;
    this.poolValue = undefined;
    await Promise.all([
      pool?.dispose(),
      ...entries.map(async (entry) => {
        const session = await entry.catch(() => undefined);
        await session?.dispose();
      }),
    ]);
  }

  private async createSession(
    key: string,
    options: SandboxSessionOptions,
  ): Promise<KernelSandboxSession> {
    if (typeof key !== 'string' || key === '') {
      throw new Error('session key must be a non-empty string');
    }
    const authorizedImports = normalizeAuthorizedImports(options?.authorizedImports ?? []);
    await this.checkAvailable();
    const kernelPath = this.options.kernelPath ?? defaultKernelPath();
    const resolved = {...this.options, kernelPath};
    const workspace = await this.sessionWorkspace(key, options?.session);
    // A pooled kernel's sandbox has no workspace mounted.
    const warm = workspace ? undefined : this.pool()?.take();
    const sessionDir = warm?.sessionDir ?? (await createSessionFolder());
    const session = new KernelSandboxSession(
      this,
      resolved,
      key,
      sessionDir,
      authorizedImports,
      (disposed) => {
        void this.forget(key, disposed);
      },
      workspace,
    );
    try {
      if (!warm) await this.prepareSessionDir(sessionDir, key, resolved);
      await session.start(warm?.kernel);
    } catch (error) {
      await warm?.kernel.dispose();
      await session.dispose().catch(() => undefined);
      throw error;
    }
    return session;
  }

  /** Drops a session that was disposed directly from the map. */
  private async forget(key: string, session: KernelSandboxSession): Promise<void> {
    const entry = this.sessions.get(key);
    if (!entry) return;
    const current = await entry.catch(() => undefined);
    if (current === session && this.sessions.get(key) === entry) this.sessions.delete(key);
  }
}
