/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The default Linux backend: the kernel runs under bubblewrap (`bwrap`) in fresh user, mount,
 * pid, network, ipc, uts and cgroup namespaces. It sees a read-only `/usr`, the few `/etc`
 * files Python needs, a private `/tmp`, and its session folder at `/work` (the only writable
 * place that persists). There is no network except a private loopback, no host environment
 * variable, and when the host process is root each session runs as its own unprivileged host
 * user. A seccomp filter ({@link buildSeccompFilter}) refuses the syscalls escapes start from.
 */

import {spawn, spawnSync} from 'node:child_process';
import {randomInt} from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import {chown, lstat, mkdir, rm, stat, writeFile} from 'node:fs/promises';
import {delimiter, isAbsolute, join} from 'node:path';

import {buildSeccompFilter} from '../security/seccomp_filter.js';
import {
  KERNEL_FOLDER,
  KernelCodeExecutor,
  copyKernel,
  type KernelCodeExecutorOptions,
  type KernelSessionContext,
} from './kernel_code_executor.js';
import {parseTmpSize, parseWorkSize} from './byte_size.js';
import type {KernelLaunchSpec} from './kernel_process.js';

/** Options of {@link BubblewrapCodeExecutor}. */
export interface BubblewrapCodeExecutorOptions extends KernelCodeExecutorOptions {
  /** Path of the `bwrap` binary. Default: `bwrap` found in /usr/bin, /usr/local/bin, /bin or PATH. */
  bwrapPath?: string;
  /**
   * A folder holding a root filesystem (with `usr/` and `etc/`, e.g. built by `mmdebstrap`) to
   * use instead of the host's `/usr` and `/etc` files. `python` is then a path inside it.
   */
  rootfs?: string;
  /**
   * Host user id every sandbox runs as when this process is root. Default: a fresh id per
   * session from an unused high range (0x70000000 and up), so that each session's processes
   * (`limits.processes`) are counted on their own and sessions cannot touch each other's files.
   */
  sandboxUid?: number;
  /** Host group id every sandbox runs as when this process is root. Default: one per session. */
  sandboxGid?: number;
  /**
   * Load a seccomp filter (bubblewrap's `--seccomp`) that makes ptrace, io_uring, bpf,
   * perf_event_open, keyrings, the mount APIs, unshare/setns, module loading, clock setting,
   * TIOCSTI and similar syscalls fail with EPERM (see `seccompDeniedSyscalls()`). Default true;
   * supported on x64 and arm64 (elsewhere, starting a session fails until this is false).
   */
  seccomp?: boolean;
  /**
   * Size of the sandbox's private `/tmp` (a tmpfs, so it takes host memory as it fills), as
   * bytes or `256m`. Filling it fails with ENOSPC instead of eating the host's memory.
   * Default `256m`.
   */
  tmpSize?: number | string;
  /**
   * Quota of the work folder `/work`, as bytes or `1g`: it is a private tmpfs of this size (it
   * takes memory as it fills), so a snippet cannot fill the host's disk; writing past it fails
   * with ENOSPC. Input files stay read-only host files at `/work/input`; output files come back
   * with each result. Files in `/work` last as long as the kernel: a restart (timeout, out of
   * memory) empties it. `false` makes `/work` the host session folder instead: files survive
   * restarts, but nothing caps their total (each file still stops at `limits.fileBytes`).
   * Default `1g`.
   */
  workSize?: number | string | false;
}

/** Result of {@link BubblewrapCodeExecutor.isAvailable}. */
export type BubblewrapAvailability = {available: true} | {available: false; reason: string};

/** Where the kernel folder and the session folder appear inside the sandbox. */
const SANDBOX_KERNEL_DIR = '/opt/coding-agent';
const SANDBOX_WORK = '/work';
/** The session's input folder, mounted read-only inside the work folder. */
const SANDBOX_INPUT = `${SANDBOX_WORK}/input`;
const NOBODY = 65534;
const PROBE_TIMEOUT_MS = 15_000;
/**
 * Per-session host ids when root: 0x70000000 + 1..SPAN. systemd leaves this range unassigned
 * (containers end below it, its "foreign" range starts at 0x7ffe0000), and it stays below 2^31,
 * the largest id Node's spawn accepts. The base id itself runs the availability probe.
 */
const SESSION_ID_BASE = 0x70000000;
const SESSION_ID_SPAN = 0x08000000;
/** Ids are handed out in order from a random start, so two agent processes rarely meet. */
let nextSessionId = randomInt(SESSION_ID_SPAN);
/** RLIMIT_NPROC of a session when the options set none: stops fork bombs, allows BLAS threads. */
const DEFAULT_PROCESSES = 256;
/** The compiled seccomp program, built once per process. */
let seccompProgram: Buffer | undefined;

/** Files under /etc that Python, numpy (BLAS via alternatives), matplotlib and time zones use. */
const ETC_FILES = [
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/mime.types',
  '/etc/matplotlibrc',
  '/etc/fonts',
  '/etc/nsswitch.conf',
  '/etc/os-release',
  '/etc/python3',
];

interface Probe {
  /** `--disable-userns` (bubblewrap >= 0.8) is supported. */
  disableUserns: boolean;
}

/** One probe per configuration and process (in flight, then settled). */
const probes = new Map<string, Promise<Probe>>();
const outcomes = new Map<string, Probe | Error>();

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Finds `bwrap` without relying on the caller's PATH alone. */
function findBwrap(explicit?: string): string | undefined {
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  const dirs = ['/usr/bin', '/usr/local/bin', '/bin', ...(process.env.PATH ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (dir && isAbsolute(dir) && isExecutable(join(dir, 'bwrap'))) return join(dir, 'bwrap');
  }
  return undefined;
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A one-line reason why user namespaces cannot be used, when the kernel says so. */
function userNamespaceProblem(): string | undefined {
  if (readSysctl('/proc/sys/user/max_user_namespaces') === '0') {
    return "user namespaces are disabled (user.max_user_namespaces is 0): run 'sysctl -w user.max_user_namespaces=15000'";
  }
  if (readSysctl('/proc/sys/kernel/unprivileged_userns_clone') === '0') {
    return "unprivileged user namespaces are disabled: run 'sysctl -w kernel.unprivileged_userns_clone=1'";
  }
  return undefined;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

interface RunOptions {
  uid?: number;
  gid?: number;
  timeoutMs: number;
}

function spawnOptions(options: RunOptions) {
  return {
    env: {PATH: '/usr/bin:/bin'},
    cwd: '/',
    uid: options.uid,
    gid: options.gid,
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL' as const,
  };
}

/** Runs a command and returns its exit code and output (never rejects). */
function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, {
      ...spawnOptions(options),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve({code: null, stdout, stderr, error: error.message}));
    child.on('close', (code) => resolve({code, stdout, stderr}));
  });
}

/** Synchronous {@link run}, for callers that cannot wait (test setup deciding what to skip). */
function runSync(command: string, args: string[], options: RunOptions): RunResult {
  const result = spawnSync(command, args, {...spawnOptions(options), encoding: 'utf8'});
  return {
    code: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    error: result.error?.message,
  };
}

/** Either a value or a promise of it: lets the probe run with spawn or spawnSync. */
type MaybePromise<T> = T | Promise<T>;

function then<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * Runs snippets inside a bubblewrap sandbox. Requires Linux with unprivileged user namespaces
 * (the default on Debian and Ubuntu) and the `bubblewrap` package.
 */
export class BubblewrapCodeExecutor extends KernelCodeExecutor {
  /** @inheritDoc */
  readonly backend = 'bubblewrap';

  private readonly bwrapOption?: string;
  private readonly rootfs?: string;
  private readonly sandboxUid?: number;
  private readonly sandboxGid?: number;
  private readonly seccomp: boolean;
  private readonly tmpBytes: number;
  private readonly workBytes?: number;
  private probe?: Probe;

  /**
   * `limits.processes` defaults to 256 here (the sandbox user is the session's own, so the
   * count covers that session only); set it to 0 to keep the inherited limit.
   *
   * @throws Error naming the first invalid option.
   */
  constructor(options: BubblewrapCodeExecutorOptions = {}) {
    super({
      ...options,
      limits: {...options.limits, processes: options.limits?.processes ?? DEFAULT_PROCESSES},
    });
    if (options.bwrapPath !== undefined && !isAbsolute(options.bwrapPath)) {
      throw new Error(
        `bwrapPath must be an absolute path, got ${JSON.stringify(options.bwrapPath)}`,
      );
    }
    if (options.rootfs !== undefined) {
      if (!isAbsolute(options.rootfs)) {
        throw new Error(`rootfs must be an absolute path, got ${JSON.stringify(options.rootfs)}`);
      }
      if (!existsSync(join(options.rootfs, 'usr'))) {
        throw new Error(
          `rootfs ${JSON.stringify(options.rootfs)} has no usr/ folder: it is not a root filesystem`,
        );
      }
    }
    for (const name of ['sandboxUid', 'sandboxGid'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 0xfffffffe)) {
        throw new Error(
          `${name} must be a non-negative integer user/group id, got ${String(value)}`,
        );
      }
    }
    this.bwrapOption = options.bwrapPath;
    this.rootfs = options.rootfs;
    this.sandboxUid = options.sandboxUid;
    this.sandboxGid = options.sandboxGid;
    this.seccomp = options.seccomp ?? true;
    this.tmpBytes = parseTmpSize(options.tmpSize);
    this.workBytes = parseWorkSize(options.workSize);
  }

  /**
   * Whether bubblewrap can start a sandbox on this machine (installed, user namespaces usable,
   * Python runs inside). `reason` is one line meant for people.
   */
  static async isAvailable(
    options: BubblewrapCodeExecutorOptions = {},
  ): Promise<BubblewrapAvailability> {
    try {
      await new BubblewrapCodeExecutor(options).checkAvailable();
      return {available: true};
    } catch (error) {
      return {available: false, reason: (error as Error).message};
    }
  }

  /** Synchronous {@link isAvailable} (blocks for the probe, tens of milliseconds). */
  static isAvailableSync(options: BubblewrapCodeExecutorOptions = {}): BubblewrapAvailability {
    try {
      const executor = new BubblewrapCodeExecutor(options);
      const bwrap = executor.bwrapPath();
      const key = executor.probeKey(bwrap);
      let outcome = outcomes.get(key);
      if (!outcome) {
        try {
          outcome = executor.runProbe(bwrap, runSync) as Probe;
        } catch (error) {
          outcome = error as Error;
        }
        outcomes.set(key, outcome);
      }
      if (outcome instanceof Error) throw outcome;
      return {available: true};
    } catch (error) {
      return {available: false, reason: (error as Error).message};
    }
  }

  /** Host identity of the availability probe: the pinned ids or the range's base when root. */
  private identity(): {uid?: number; gid?: number} {
    if (!isRoot()) return {};
    return {uid: this.sandboxUid ?? SESSION_ID_BASE, gid: this.sandboxGid ?? SESSION_ID_BASE};
  }

  /** Host identity for a new session: pinned ids, else a fresh one per session, when root. */
  private sessionIdentity(): {uid?: number; gid?: number} {
    if (!isRoot()) return {};
    const fresh = SESSION_ID_BASE + 1 + (nextSessionId++ % (SESSION_ID_SPAN - 1));
    return {uid: this.sandboxUid ?? fresh, gid: this.sandboxGid ?? fresh};
  }

  private bwrapPath(): string {
    const found = findBwrap(this.bwrapOption);
    if (!found) {
      throw new Error(
        this.bwrapOption
          ? `bubblewrap (bwrap) not found at ${this.bwrapOption}: run 'apt-get install bubblewrap' or fix bwrapPath`
          : "bubblewrap (bwrap) is not installed: run 'apt-get install bubblewrap'",
      );
    }
    return found;
  }

  private probeKey(bwrap: string): string {
    const {uid, gid} = this.identity();
    return JSON.stringify([bwrap, uid, gid, this.rootfs, this.options.python]);
  }

  /** Rejects with one clear line when bwrap is missing or cannot create a sandbox. */
  protected override async checkAvailable(): Promise<void> {
    if (process.platform !== 'linux') {
      throw new Error(
        `bubblewrap needs Linux (this is ${process.platform}): use another code executor`,
      );
    }
    const bwrap = this.bwrapPath();
    const key = this.probeKey(bwrap);
    const known = outcomes.get(key);
    if (known instanceof Error) throw known;
    if (known) {
      this.probe = known;
      return;
    }
    let probe = probes.get(key);
    if (!probe) {
      probe = (async () => this.runProbe(bwrap, run))();
      probes.set(key, probe);
      probe.then(
        (value) => outcomes.set(key, value),
        (error: Error) => outcomes.set(key, error),
      );
    }
    this.probe = await probe;
  }

  /** Checks user namespaces, bwrap's features, and that Python starts in the sandbox. */
  private runProbe(
    bwrap: string,
    runner: (command: string, args: string[], options: RunOptions) => MaybePromise<RunResult>,
  ): MaybePromise<Probe> {
    if (process.platform !== 'linux') {
      throw new Error(
        `bubblewrap needs Linux (this is ${process.platform}): use another code executor`,
      );
    }
    const namespaceProblem = userNamespaceProblem();
    if (namespaceProblem)
      throw new Error(`bubblewrap cannot create a sandbox: ${namespaceProblem}`);
    return then(runner(bwrap, ['--help'], {timeoutMs: PROBE_TIMEOUT_MS}), (help) => {
      const probe: Probe = {disableUserns: help.stdout.includes('--disable-userns')};
      // Start the real sandbox once (minus the session folder) with `python -c pass`.
      const args = [
        ...this.sandboxArgs(probe),
        '--remount-ro',
        '/',
        '--',
        this.options.python,
        '-I',
        '-c',
        'pass',
      ];
      return then(
        runner(bwrap, args, {...this.identity(), timeoutMs: PROBE_TIMEOUT_MS}),
        (result) => {
          if (result.code !== 0) {
            const detail =
              (result.error ?? result.stderr.trim().split('\n')[0]) || `exit code ${result.code}`;
            const hint = /namespace|uid map|Operation not permitted|Permission denied/i.test(detail)
              ? ' (are unprivileged user namespaces allowed? see sysctl user.max_user_namespaces and, on Ubuntu, kernel.apparmor_restrict_unprivileged_userns)'
              : '';
            throw new Error(
              `bubblewrap cannot start a sandbox with ${this.options.python}: ${detail}${hint}`,
            );
          }
          return probe;
        },
      );
    });
  }

  /** Arguments common to the probe and the kernel: namespaces, environment, root filesystem. */
  private sandboxArgs(probe: Probe): string[] {
    const root = this.rootfs;
    const host = (path: string) => (root ? join(root, path) : path);
    const args = [
      '--unshare-all',
      // Explicit, so --disable-userns is allowed and a missing user namespace is an error.
      '--unshare-user',
      ...(probe.disableUserns ? ['--disable-userns'] : []),
      '--die-with-parent',
      '--new-session',
      '--hostname',
      'sandbox',
      '--clearenv',
      '--setenv',
      'HOME',
      SANDBOX_WORK,
      '--setenv',
      'PATH',
      '/usr/local/bin:/usr/bin:/bin',
      '--setenv',
      'LANG',
      'C.UTF-8',
      '--setenv',
      'TMPDIR',
      '/tmp',
      '--setenv',
      'MPLBACKEND',
      'Agg',
      '--ro-bind',
      host('/usr'),
      '/usr',
      '--symlink',
      'usr/lib',
      '/lib',
      '--symlink',
      'usr/lib64',
      '/lib64',
      '--symlink',
      'usr/bin',
      '/bin',
      '--symlink',
      'usr/sbin',
      '/sbin',
    ];
    for (const path of [...ETC_FILES, ...pythonEtcDirs(host('/etc'))]) {
      args.push('--ro-bind-try', host(path), path);
    }
    args.push(
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--size',
      String(this.tmpBytes),
      '--tmpfs',
      '/tmp',
    );
    return args;
  }

  /**
   * Writes the sandbox's passwd/group/hosts, copies the kernel in, hands the folder over. The
   * folder's owner is the session's identity from then on ({@link launchSpec} reads it back).
   */
  protected override async prepareSession(context: KernelSessionContext): Promise<void> {
    const {uid, gid} = this.sessionIdentity();
    const insideUid = uid ?? process.getuid?.() ?? NOBODY;
    const insideGid = gid ?? process.getgid?.() ?? NOBODY;
    const etc = join(context.sessionDir, 'etc');
    await mkdir(etc, {recursive: true});
    // Names for the sandbox's ids, so getpass/pwd work; nothing from the host's user database.
    await writeFile(
      join(etc, 'passwd'),
      `sandbox:x:${insideUid}:${insideGid}:sandbox:${SANDBOX_WORK}:/usr/sbin/nologin\n`,
    );
    await writeFile(join(etc, 'group'), `sandbox:x:${insideGid}:\n`);
    await writeFile(
      join(etc, 'hosts'),
      '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n',
    );
    // A private copy: the sandbox user may not be able to read the package's own folder.
    await copyKernel(context);
    if (uid !== undefined && gid !== undefined) {
      // bwrap runs as the sandbox user and must reach the folder; the snippet must write work/.
      for (const path of [context.sessionDir, context.workDir, context.outputDir]) {
        await chown(path, uid, gid);
      }
    }
  }

  /** Input files appear read-only at `/work/input` inside the sandbox. */
  override sandboxInputDir(): string {
    return SANDBOX_INPUT;
  }

  /** `bwrap ... python -I /opt/coding-agent/kernel.py ...` with the session folder at /work. */
  protected override async launchSpec(context: KernelSessionContext): Promise<KernelLaunchSpec> {
    if (!this.probe) await this.checkAvailable();
    const etc = join(context.sessionDir, 'etc');
    // The session's ids are whoever owns its folder (prepareSession chowned it; the sandbox
    // cannot reach that folder, and a non-root user cannot give a file away).
    let identity: {uid?: number; gid?: number} = {};
    if (isRoot()) {
      const owner = await stat(context.sessionDir);
      if (owner.uid === 0 || owner.gid === 0) {
        throw new Error(
          `session folder ${context.sessionDir} is owned by root; it was not prepared`,
        );
      }
      identity = {uid: owner.uid, gid: owner.gid};
    }
    // An earlier kernel may have left a file or symlink where the input mount point goes; a
    // non-folder there would stop bwrap from mounting (rm removes a symlink, not its target).
    const mountPoint = join(context.workDir, 'input');
    const existing = await lstat(mountPoint).catch(() => undefined);
    if (existing && !existing.isDirectory()) await rm(mountPoint, {force: true, recursive: true});
    const args = [
      ...this.sandboxArgs(this.probe!),
      '--ro-bind',
      join(etc, 'passwd'),
      '/etc/passwd',
      '--ro-bind',
      join(etc, 'group'),
      '/etc/group',
      '--ro-bind',
      join(etc, 'hosts'),
      '/etc/hosts',
      ...(this.workBytes === undefined
        ? ['--bind', context.workDir, SANDBOX_WORK]
        : ['--size', String(this.workBytes), '--tmpfs', SANDBOX_WORK]),
      '--ro-bind',
      context.inputDir,
      SANDBOX_INPUT,
      '--ro-bind',
      join(context.sessionDir, KERNEL_FOLDER),
      SANDBOX_KERNEL_DIR,
      // Last: the sandbox's own root (a tmpfs holding the mount points) becomes read-only too.
      '--remount-ro',
      '/',
      '--chdir',
      SANDBOX_WORK,
      ...(this.seccomp ? ['--seccomp', '3'] : []),
      // The kernel's supervisor is the sandbox's PID 1: signals from inside cannot reach it, and
      // when it exits every process of the sandbox ends.
      '--as-pid-1',
      '--',
      context.python,
      '-I',
      `${SANDBOX_KERNEL_DIR}/kernel.py`,
      ...context.kernelArgs,
      '--output-dir',
      `${SANDBOX_WORK}/output`,
    ];
    const spec: KernelLaunchSpec = {
      command: this.bwrapPath(),
      args,
      // bwrap's own environment; the sandbox gets only the --setenv values above.
      env: {PATH: '/usr/bin:/bin'},
      cwd: context.sessionDir,
      ...identity,
    };
    if (!this.seccomp) return spec;
    const fd = await openSeccompProgram(context);
    let open = true;
    return {
      ...spec,
      extraFds: [fd],
      cleanup: () => {
        // The child holds its own copy once spawned; ours would only leak.
        if (open) closeSync(fd);
        open = false;
      },
    };
  }
}

/**
 * Writes the seccomp program next to the session's files and opens it read-only, as the fd
 * bwrap's `--seccomp 3` reads. The file is unlinked at once: the descriptor is all that is needed.
 */
async function openSeccompProgram(context: KernelSessionContext): Promise<number> {
  seccompProgram ??= buildSeccompFilter();
  const path = join(context.sessionDir, `seccomp-${context.generation}.bpf`);
  await rm(path, {force: true});
  // 'wx': a fresh file, never through something already at that path.
  await writeFile(path, seccompProgram, {flag: 'wx', mode: 0o400});
  try {
    return openSync(path, 'r');
  } finally {
    await rm(path, {force: true});
  }
}

/** Version-specific Python folders under /etc (e.g. /etc/python3.11 with sitecustomize.py). */
function pythonEtcDirs(etc: string): string[] {
  try {
    return readdirSync(etc)
      .filter((name) => /^python3\.\d+$/.test(name))
      .map((name) => `/etc/${name}`);
  } catch {
    return [];
  }
}
