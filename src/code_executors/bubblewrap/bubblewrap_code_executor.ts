/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The default Linux backend: the kernel runs under bubblewrap (`bwrap`) in fresh user, mount,
 * pid, network, ipc, uts and cgroup namespaces, hardened by the {@link HardeningProfile} that
 * Docker applies too (translated by `bwrap_args.ts`): a read-only `/usr`, the few `/etc` files
 * Python needs, private tmpfs mounts for `/work`, `/tmp` and `/dev/shm`, host facts in `/proc`
 * masked, no network but a private loopback, no host environment variable, no capability, a
 * seccomp filter, and when the host process is root each session runs as its own unprivileged
 * host user. Each sandbox also gets a cgroup of its own (`cgroups.ts`) for the session's memory,
 * CPU and process count.
 */

import {spawn, spawnSync} from 'node:child_process';
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
import {lstat, rm, stat, writeFile} from 'node:fs/promises';
import {delimiter, isAbsolute, join} from 'node:path';

import {
  isRoot,
  outOfMemoryReason,
  resolveHardeningProfile,
  SANDBOX_HOSTS_FILE,
  sandboxUserFiles,
  SESSION_ID_BASE,
  sessionIds,
  type HardeningProfile,
} from '../../security/hardening_profile.js';
import {buildSeccompFilter} from '../../security/seccomp_filter.js';
import {
  KernelCodeExecutor,
  type KernelSessionContext,
  type SandboxCodeExecutorOptions,
} from '../kernel_code_executor.js';
import {
  KernelProcess,
  spawnTransport,
  type KernelLaunchSpec,
  type KernelTransport,
} from '../kernel_process.js';
import {KERNEL_FOLDER, writeSandboxFiles} from '../session_folders.js';
import {copyTree, readChangedFolder, type ChangedEntry, type OriginalTree} from '../workspace.js';
import {bwrapArgs, type BwrapHost, type BwrapWorkspace, type MaskedPath} from './bwrap_args.js';
import {CgroupManager, type SandboxCgroup} from './cgroups.js';

/** Options of {@link BubblewrapCodeExecutor}. */
export interface BubblewrapCodeExecutorOptions extends SandboxCodeExecutorOptions {
  /** Path of the `bwrap` binary. Default: `bwrap` found in /usr/bin, /usr/local/bin, /bin or PATH. */
  bwrapPath?: string;
  /**
   * A folder holding a root filesystem (with `usr/` and `etc/`, e.g. built by `mmdebstrap`) to
   * use instead of the host's `/usr` and `/etc` files. `python` is then a path inside it.
   */
  rootfs?: string;
  /**
   * Host user id every sandbox runs as when this process is root. Default: a fresh id per
   * session from an unused range (0x70000000 and up), so sessions cannot touch each other's
   * files and `limits.processes` counts one session.
   */
  sandboxUid?: number;
  /** Host group id every sandbox runs as when this process is root. Default: one per session. */
  sandboxGid?: number;
  /**
   * The session-wide limits (`memoryLimit`, `cpus`, `pidsLimit`) need a cgroup per sandbox: v2
   * where this process's cgroup is delegated to it, v1 where the host runs as root. Where none
   * can be created the executor warns once and runs with per-process limits only (each process's
   * `MemoryError`, the tmpfs sizes, timeouts); `true` makes it refuse to start instead.
   * Default false.
   */
  requireResourceLimits?: boolean;
}

/** Result of {@link BubblewrapCodeExecutor.isAvailable}. */
export type BubblewrapAvailability = {available: true} | {available: false; reason: string};

const PROBE_TIMEOUT_MS = 15_000;
/** The compiled seccomp program, built once per process. */
let seccompProgram: Buffer | undefined;
/** Set once the "no cgroup" warning was printed (shared by bundled copies of this module). */
const WARNED = Symbol.for('adk-coding-agent.bubblewrapNoCgroupWarned');

/**
 * Descriptors of a kernel's bwrap (child fds): its arguments (`--args`, so they never show in
 * the sandbox's `/proc/1/cmdline`), an empty file copied over each masked path, the seccomp
 * program.
 */
const ARGS_FD = 3;
const EMPTY_FD = 4;
const SECCOMP_FD = 5;
/** The session folder's copy of a copy-on-write workspace. */
const WORKSPACE_COPY = 'workspace';

/**
 * Holds bwrap back until the host has put it in its cgroup: the host opens the gate by writing
 * one line to its stdin (the protocol starts after it); end of input instead means the host is
 * gone.
 */
const GATE_SCRIPT = 'read -r _ || exit 125; exec "$@"';

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
  /** Descriptors given to the command as fds 3, 4, ... */
  extraFds?: number[];
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
      stdio: ['ignore', 'pipe', 'pipe', ...(options.extraFds ?? [])],
    });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve({code: null, stdout, stderr, error: error.message}));
    child.on('close', (code) => resolve({code, stdout, stderr}));
  });
}

/** Synchronous {@link run}, for callers that cannot wait (test setup deciding what to skip). */
function runSync(command: string, args: string[], options: RunOptions): RunResult {
  const result = spawnSync(command, args, {
    ...spawnOptions(options),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', ...(options.extraFds ?? [])],
  });
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
  /** The hardening every session of this executor gets. */
  readonly profile: HardeningProfile;

  private readonly bwrapOption?: string;
  private readonly rootfs?: string;
  private readonly requireResourceLimits: boolean;
  private probe?: Probe;
  private hostValue?: Omit<BwrapHost, 'disableUserns'>;
  private cgroups?: CgroupManager;

  /** @throws Error naming the first invalid option. */
  constructor(options: BubblewrapCodeExecutorOptions = {}) {
    for (const name of ['sandboxUid', 'sandboxGid'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 0xfffffffe)) {
        throw new Error(
          `${name} must be a non-negative integer user/group id, got ${String(value)}`,
        );
      }
    }
    // Pinned ids matter only to a root host (anyone else runs sandboxes as itself).
    const profile = resolveHardeningProfile({
      ...options,
      uid: isRoot() ? options.sandboxUid : undefined,
      gid: isRoot() ? options.sandboxGid : undefined,
    });
    super({...options, limits: profile.rlimits});
    this.profile = profile;
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
    this.bwrapOption = options.bwrapPath;
    this.rootfs = options.rootfs;
    const require = options.requireResourceLimits ?? false;
    if (typeof require !== 'boolean') {
      throw new Error(
        `requireResourceLimits must be true or false, got ${JSON.stringify(require)}`,
      );
    }
    this.requireResourceLimits = require;
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

  /** Host identity of the availability probe: the range's base (or the pinned ids) when root. */
  private probeIdentity(): {uid?: number; gid?: number} {
    if (!isRoot()) return {};
    const {uid, gid} = this.profile.user;
    return {
      uid: uid === 'per-session' ? SESSION_ID_BASE : uid,
      gid: gid === 'per-session' ? SESSION_ID_BASE : gid,
    };
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
    const {uid, gid} = this.probeIdentity();
    return JSON.stringify([bwrap, uid, gid, this.rootfs, this.options.python, this.profile]);
  }

  /**
   * Rejects with one clear line when bwrap is missing or cannot create a sandbox, or (with
   * `requireResourceLimits`) when no cgroup can hold the session-wide limits.
   */
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
    } else {
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
    this.cgroups ??= await this.openCgroups();
  }

  /** The process's cgroups; warns once, or refuses, when they cannot limit everything. */
  private async openCgroups(): Promise<CgroupManager> {
    const manager = await CgroupManager.open();
    const {unlimited, reason} = manager.decision;
    if (unlimited.length === 0) return manager;
    const what = `the session-wide ${listOf(unlimited)} limit${unlimited.length > 1 ? 's' : ''}`;
    if (this.requireResourceLimits) {
      throw new Error(
        `bubblewrap cannot apply ${what} here (${reason}); requireResourceLimits is set`,
      );
    }
    const flags = globalThis as unknown as Record<symbol, boolean | undefined>;
    if (!flags[WARNED]) {
      flags[WARNED] = true;
      console.warn(
        `adk-coding-agent: bubblewrap sessions run without ${what} (${reason}); each process ` +
          'still gets a MemoryError at limits.memoryBytes and the tmpfs sizes and timeouts ' +
          'hold. Set requireResourceLimits: true to refuse to start instead.',
      );
    }
    return manager;
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
    if (namespaceProblem) throw new Error(`bubblewrap cannot start a sandbox: ${namespaceProblem}`);
    return then(runner(bwrap, ['--help'], {timeoutMs: PROBE_TIMEOUT_MS}), (help) => {
      const probe: Probe = {disableUserns: help.stdout.includes('--disable-userns')};
      // Start the real sandbox once (minus the session's files) with `python -c pass`.
      const empty = openSync('/dev/null', 'r');
      const args = [
        ...bwrapArgs(this.profile, {...this.host(), ...probe, emptyFd: 3}),
        '--',
        this.options.python,
        '-I',
        '-c',
        'pass',
      ];
      const finish = (result: RunResult): Probe => {
        closeSync(empty);
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
      };
      try {
        return then(
          runner(bwrap, args, {
            ...this.probeIdentity(),
            timeoutMs: PROBE_TIMEOUT_MS,
            extraFds: [empty],
          }),
          finish,
        );
      } catch (error) {
        closeSync(empty);
        throw error;
      }
    });
  }

  /** What this host offers every sandbox: the /etc files, the /proc paths to mask. */
  private host(): Omit<BwrapHost, 'disableUserns'> {
    this.hostValue ??= {
      rootfs: this.rootfs,
      etcFiles: [...ETC_FILES, ...pythonEtcDirs(join(this.rootfs ?? '/', 'etc'))],
      masked: existingProcPaths(this.profile.maskedPaths),
      emptyFd: EMPTY_FD,
    };
    return this.hostValue;
  }

  /**
   * Gives the session folder to the session's own host user and writes the sandbox's passwd,
   * group and hosts and a private copy of the kernel's folder (0600 each). The folder's owner is the
   * session's identity from then on (the kernel's launch reads it back).
   */
  protected override async prepareSession(context: KernelSessionContext): Promise<void> {
    const {uid, gid} = sessionIds(this.profile.user);
    const users = sandboxUserFiles(uid, gid);
    await writeSandboxFiles(context, {uid, gid}, [
      ['etc/passwd', users.passwd],
      ['etc/group', users.group],
      ['etc/hosts', SANDBOX_HOSTS_FILE],
    ]);
  }

  /** Input files appear read-only at `/work/input` inside the sandbox. */
  override sandboxInputDir(): string {
    return this.profile.layout.input;
  }

  /** Workspaces are mounted at `/work/workspace`. */
  protected override supportsWorkspace(): boolean {
    return true;
  }

  /** The session folder's private copy, as it is now (undefined before the first kernel). */
  override async readWorkspaceCopy(
    context: KernelSessionContext,
    original: OriginalTree,
  ): Promise<Map<string, ChangedEntry> | undefined> {
    const copy = join(context.sessionDir, WORKSPACE_COPY);
    const info = await lstat(copy).catch(() => undefined);
    if (!info?.isDirectory()) return undefined;
    return readChangedFolder(copy, original);
  }

  /**
   * How the sandbox gets the session's workspace: the host folder read-only (bwrap opens it as
   * the session's user, who must be able to reach it), or a fresh private copy in the session
   * folder, owned by the session's user (each kernel start makes a new one, as `/work` starts
   * empty).
   */
  private async workspaceMount(
    context: KernelSessionContext,
    identity: {uid?: number; gid?: number},
  ): Promise<BwrapWorkspace | undefined> {
    const workspace = context.workspace;
    if (!workspace) return undefined;
    // A file left where the mount point goes (work folder on the host) would stop bwrap.
    const mountPoint = join(context.workDir, 'workspace');
    const existing = await lstat(mountPoint).catch(() => undefined);
    if (existing && !existing.isDirectory()) await rm(mountPoint, {force: true, recursive: true});
    if (workspace.mode === 'read-only') {
      await checkReachable(workspace.hostPath, identity);
      return {readOnly: true, path: workspace.hostPath};
    }
    const copy = join(context.sessionDir, WORKSPACE_COPY);
    await rm(copy, {recursive: true, force: true, maxRetries: 3});
    const ids =
      identity.uid !== undefined && identity.gid !== undefined
        ? {uid: identity.uid, gid: identity.gid}
        : undefined;
    await copyTree(workspace.hostPath, copy, workspace.tree, ids);
    return {readOnly: false, path: copy};
  }

  /**
   * Starts the kernel's sandbox inside a fresh cgroup: bwrap waits behind a gate until the host
   * has moved it into the cgroup, and the cgroup is removed when the sandbox has exited (an
   * OOM kill in it is reported as out of memory).
   */
  protected override async openKernel(context: KernelSessionContext): Promise<KernelProcess> {
    if (!this.probe || !this.cgroups) await this.checkAvailable();
    const cgroup = await this.cgroups!.create(this.profile.session);
    let spec: KernelLaunchSpec;
    try {
      spec = await this.kernelSpec(context, cgroup !== undefined);
    } catch (error) {
      await cgroup?.remove();
      throw error;
    }
    let transport: KernelTransport;
    try {
      transport = spawnTransport(spec);
    } catch (error) {
      await cgroup?.remove();
      throw new Error(
        `cannot start the Python kernel (${spec.command}): ${(error as Error).message}`,
      );
    } finally {
      spec.cleanup?.();
    }
    if (cgroup) transport = await this.enterCgroup(transport, cgroup);
    return KernelProcess.connect(
      transport,
      {startTimeoutMs: this.options.startTimeoutMs},
      spec.command,
    );
  }

  /** Moves the gated process into `cgroup`, opens the gate, and ties the cgroup to its exit. */
  private async enterCgroup(
    transport: KernelTransport,
    cgroup: SandboxCgroup,
  ): Promise<KernelTransport> {
    const memoryBytes = this.profile.session.memoryBytes;
    const exited = transport.exited.then(async (exit) => {
      const oom = await cgroup.oomKilled();
      await cgroup.remove().catch(() => undefined);
      return oom ? {...exit, reason: outOfMemoryReason(memoryBytes)} : exit;
    });
    if (transport.pid === undefined) {
      // The spawn failed (its error is reported by the transport); nothing entered the cgroup.
      void cgroup.remove().catch(() => undefined);
      return {...transport, exited};
    }
    try {
      await cgroup.join(transport.pid);
    } catch (error) {
      transport.kill();
      await exited;
      throw new Error(`cannot move the sandbox into its cgroup: ${(error as Error).message}`);
    }
    transport.stdin.write('\n');
    return {...transport, exited};
  }

  /**
   * `bwrap --args 3 -- python -I /opt/coding-agent/kernel.py ...` with the session's files,
   * behind the cgroup gate when `gated`.
   */
  private async kernelSpec(
    context: KernelSessionContext,
    gated: boolean,
  ): Promise<KernelLaunchSpec> {
    const layout = this.profile.layout;
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
    const etc = join(context.sessionDir, 'etc');
    const workspace = await this.workspaceMount(context, identity);
    const options = bwrapArgs(
      this.profile,
      {...this.host(), ...this.probe!},
      {
        passwd: join(etc, 'passwd'),
        group: join(etc, 'group'),
        hosts: join(etc, 'hosts'),
        kernel: join(context.sessionDir, KERNEL_FOLDER),
        inputDir: context.inputDir,
        workDir: context.workDir,
        seccompFd: this.profile.seccomp ? SECCOMP_FD : undefined,
        workspace,
      },
    );
    const bwrap = this.bwrapPath();
    const command = [
      bwrap,
      '--args',
      String(ARGS_FD),
      // The kernel's supervisor is the sandbox's PID 1 (it reaps orphans): signals from inside
      // cannot reach it, and when it exits every process of the sandbox ends.
      '--as-pid-1',
      '--',
      context.python,
      '-I',
      layout.kernel,
      ...context.kernelArgs,
      '--output-dir',
      layout.output,
    ];
    const fds = [
      await openPrivateFile(context, 'bwrap-args', Buffer.from(`${options.join('\0')}\0`)),
      openSync('/dev/null', 'r'),
    ];
    if (this.profile.seccomp) {
      seccompProgram ??= buildSeccompFilter();
      fds.push(await openPrivateFile(context, 'seccomp', seccompProgram));
    }
    let open = true;
    return {
      command: gated ? '/bin/sh' : bwrap,
      args: gated ? ['-c', GATE_SCRIPT, 'sh', ...command] : command.slice(1),
      // bwrap's own environment; the sandbox gets only the profile's.
      env: {PATH: '/usr/bin:/bin'},
      // Not the session folder: the sandbox would see it as bwrap's /proc/1/cwd.
      cwd: '/',
      ...identity,
      extraFds: fds,
      cleanup: () => {
        // The child holds its own copies once spawned; ours would only leak.
        if (open) for (const fd of fds) closeSync(fd);
        open = false;
      },
    };
  }
}

/**
 * Writes `data` next to the session's files, opens it read-only (a descriptor bwrap reads) and
 * unlinks it at once: the descriptor is all that is needed.
 */
async function openPrivateFile(
  context: KernelSessionContext,
  name: string,
  data: Buffer,
): Promise<number> {
  const path = join(context.sessionDir, `${name}-${context.generation}`);
  await rm(path, {force: true});
  // 'wx': a fresh file, never through something already at that path.
  await writeFile(path, data, {flag: 'wx', mode: 0o400});
  try {
    return openSync(path, 'r');
  } finally {
    await rm(path, {force: true});
  }
}

/**
 * Checks that the session's user can reach a read-only workspace (search permission on every
 * folder above it), so a folder under, say, a 0700 home fails with a clear message instead of
 * bwrap's own.
 */
async function checkReachable(path: string, identity: {uid?: number; gid?: number}): Promise<void> {
  if (identity.uid === undefined) return; // the sandbox runs as this process's own user
  const parts = path.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const folder = `/${parts.slice(0, i).join('/')}`;
    const info = await stat(folder);
    const bits =
      info.uid === identity.uid
        ? info.mode >> 6
        : info.gid === identity.gid
          ? info.mode >> 3
          : info.mode;
    if (!(bits & 1)) {
      throw new Error(
        `the workspace ${path} is not reachable by the sandbox's user (uid ${identity.uid}): ` +
          `${folder} is not searchable by others (mode ${(info.mode & 0o777).toString(8)}); ` +
          'make it and the folders above it searchable (chmod o+x), or use a copy-on-write workspace',
      );
    }
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

/** The masked paths under /proc that exist here, with their kind (the sandbox has no /sys). */
function existingProcPaths(paths: readonly string[]): MaskedPath[] {
  const found: MaskedPath[] = [];
  for (const path of paths) {
    if (!path.startsWith('/proc/')) continue;
    try {
      found.push({path, kind: statSync(path).isDirectory() ? 'dir' : 'file'});
    } catch {
      // not on this kernel
    }
  }
  return found;
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
