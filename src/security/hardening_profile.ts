/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The hardening of a sandbox, declared once. {@link resolveHardeningProfile} turns a backend's
 * options into a {@link HardeningProfile}; each sandboxing backend translates that one profile
 * (bubblewrap into `bwrap` arguments, Docker into a create-container config), so a limit exists
 * for every backend or for none. Everything a snippet sees of the sandbox's layout (where the
 * work, input and output folders are, which host facts are masked, the environment) is here.
 */

import {randomInt} from 'node:crypto';

import {formatBytes, parseByteSize} from '../utils/byte_size.js';

/** Options every sandboxing backend (bubblewrap, Docker) accepts, with the same meaning. */
export interface HardeningOptions {
  /**
   * Memory of the whole session (every process; private, shared, memfd and tmpfs pages,
   * including `/work`, `/tmp` and `/dev/shm`), with no swap on top: bytes, or a string such as
   * `512m`, `2g`. Each process gets a `MemoryError` first (`limits.memoryBytes` is set just below
   * this); past it the session's processes are killed and the model is told it ran out of
   * memory. A cgroup on both backends (bubblewrap: see `requireResourceLimits`). Default `2g`.
   */
  memoryLimit?: number | string;
  /** CPUs the session may use (fractions allowed; a CFS quota). Default 1. */
  cpus?: number;
  /** Most processes and threads in the session (a cgroup); stops fork bombs. Default 256. */
  pidsLimit?: number;
  /**
   * Size of the private `/tmp` (a tmpfs, counted in `memoryLimit`), as bytes or `256m`. Filling
   * it fails with ENOSPC. Default `256m`.
   */
  tmpSize?: number | string;
  /**
   * Quota of the work folder `/work`, as bytes or `1g`: it is a private tmpfs of this size
   * (counted in `memoryLimit`), so a snippet cannot fill the host's disk; writing past it fails
   * with ENOSPC. Input files stay read-only host files at `/work/input`; output files come back
   * with each result. Files in `/work` last as long as the kernel: a restart (timeout, out of
   * memory) empties it. `false` makes `/work` the host session folder instead: files survive
   * restarts, but nothing caps their total (each file still stops at `limits.fileBytes`).
   * Default `1g`.
   */
  workSize?: number | string | false;
  /**
   * Size of `/dev/shm` (POSIX shared memory, `multiprocessing`'s semaphores and queues), a tmpfs
   * counted in `memoryLimit`; the rest of `/dev` is read-only. Default `64m`.
   */
  shmSize?: number | string;
  /**
   * Load this package's seccomp filter (`seccompDeniedSyscalls()` and `SECCOMP_ARGUMENT_RULES`
   * list what it refuses): ptrace, io_uring, bpf, perf_event_open, keyrings, the mount APIs,
   * namespaces, module loading, clock setting, TIOCSTI, sockets other than Unix, IP and netlink
   * (VSOCK among them) and the like fail. On Docker it stacks on Docker's own profile. Default
   * true; x86_64 and aarch64 only (elsewhere starting a session fails until this is false).
   */
  seccomp?: boolean;
}

/** Per-process limits the kernel sets on itself (`setrlimit`); inherited by its children. */
export interface KernelLimits {
  /**
   * Heap and anonymous memory per process (`RLIMIT_DATA`): an allocation beyond it raises
   * `MemoryError` in the snippet. Default: 90 % of `memoryLimit` on the sandboxing backends,
   * 4 GiB on the local one.
   */
  memoryBytes?: number;
  /**
   * Processes and threads of the sandbox user (`RLIMIT_NPROC`). Default: `pidsLimit` when each
   * session runs as its own host user (the default as root), else 0 (inherited; the session's
   * cgroup counts them).
   */
  processes?: number;
  /** Largest file a snippet can write (`RLIMIT_FSIZE`; beyond it writes fail). Default 1 GiB. */
  fileBytes?: number;
  /** Open descriptors per process (`RLIMIT_NOFILE`). Default 1024. */
  openFiles?: number;
}

/** Where things are inside every sandbox. */
export const SANDBOX_LAYOUT = {
  /** The snippet's working folder and `HOME`. */
  work: '/work',
  /** The session's input files, read-only. */
  input: '/work/input',
  /** New files here come back with each result. */
  output: '/work/output',
  /** The session's workspace, when it has one (a host folder, read-only or a private copy). */
  workspace: '/work/workspace',
  /** The private temporary folder. */
  tmp: '/tmp',
  /** POSIX shared memory. */
  shm: '/dev/shm',
  /** Read-only folder of the kernel's own files. */
  kernelDir: '/opt/coding-agent',
  /** The kernel program. */
  kernel: '/opt/coding-agent/kernel.py',
  /** The seccomp program, where the kernel loads it itself (Docker). */
  seccompProgram: '/opt/coding-agent/seccomp.bpf',
} as const;

/**
 * Host facts a data-analysis snippet never needs, hidden in every sandbox: files read as empty,
 * folders as empty and read-only. The kernel's boot command line and build configuration, the
 * host's boot id (it identifies one machine across sessions), its kernel symbols, modules, keys,
 * timers, swap devices and firmware/DMI tables. The first group is Docker's own default mask
 * list, kept because setting `MaskedPaths` replaces it. Paths missing on a host are skipped.
 */
export const MASKED_PATHS: readonly string[] = [
  // Docker's defaults (moby's oci.DefaultSpec).
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
  // Ours.
  '/proc/cmdline',
  '/proc/config.gz',
  '/proc/bootconfig',
  '/proc/sys/kernel/random/boot_id',
  '/proc/version',
  '/proc/kallsyms',
  '/proc/modules',
  '/proc/key-users',
  '/proc/swaps',
  '/sys/devices/virtual/dmi',
  '/sys/kernel/notes',
  '/sys/module',
];

/** The host name every sandbox reports. */
export const SANDBOX_HOSTNAME = 'sandbox';

/** The nobody user and group (uid/gid 65534). */
export const NOBODY = 65534;

/**
 * Per-session host ids when the host process is root: 0x70000000 + 1..SPAN. systemd leaves this
 * range unassigned (containers end below it, its "foreign" range starts at 0x7ffe0000), and it
 * stays below 2^31, the largest id Node's spawn accepts. The base id itself runs probes.
 */
export const SESSION_ID_BASE = 0x70000000;
const SESSION_ID_SPAN = 0x08000000;
/** Ids are handed out in order from a random start, so two agent processes rarely meet. */
let nextSessionId = randomInt(SESSION_ID_SPAN);

/** True when this process runs as root (uid 0). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A host user id, a host group id, or `per-session`: a fresh unused id for each session. */
export type SandboxId = number | 'per-session';

/** Who the sandbox's processes are on the host. */
export interface SandboxUser {
  uid: SandboxId;
  gid: SandboxId;
}

/** The host ids of one session: fixed ids as they are, `per-session` ones freshly allocated. */
export function sessionIds(user: SandboxUser): {uid: number; gid: number} {
  const fresh = SESSION_ID_BASE + 1 + (nextSessionId++ % (SESSION_ID_SPAN - 1));
  return {
    uid: user.uid === 'per-session' ? fresh : user.uid,
    gid: user.gid === 'per-session' ? fresh : user.gid,
  };
}

/** Limits of the whole session, enforced by a cgroup. */
export interface SessionLimits {
  /** Memory and swap together (no swap on top), bytes. */
  memoryBytes: number;
  /** CPU quota in CPUs. */
  cpus: number;
  /** Processes and threads. */
  pids: number;
}

/** Sizes of the sandbox's private tmpfs mounts, bytes. */
export interface TmpfsSizes {
  tmp: number;
  /** The `/work` quota; undefined when `/work` is the host session folder. */
  work?: number;
  shm: number;
}

/** The complete hardening of a sandbox, as both backends apply it. */
export interface HardeningProfile {
  /** `none`: no interface but a private loopback. Anything else is a Docker network mode. */
  network: string;
  /** The root filesystem is read-only (only the tmpfs mounts and `/dev/shm` are writable). */
  readOnlyRoot: boolean;
  /** `/dev` is read-only (a small writable `/dev/shm` aside). */
  readOnlyDev: boolean;
  /** Where things are inside the sandbox. */
  layout: typeof SANDBOX_LAYOUT;
  tmpfs: TmpfsSizes;
  /** Session-wide limits (cgroup). */
  session: SessionLimits;
  /** Per-process limits the kernel sets on itself. */
  rlimits: Required<KernelLimits>;
  /** Load the seccomp filter. */
  seccomp: boolean;
  /** Linux capabilities to drop (`ALL`: none is kept). */
  capDrop: readonly string[];
  /** Set `no_new_privs` (setuid binaries cannot raise privileges). */
  noNewPrivileges: boolean;
  /** The sandbox's whole environment. */
  env: Readonly<Record<string, string>>;
  /** Who the sandbox runs as on the host. */
  user: SandboxUser;
  /** Host facts hidden from the sandbox ({@link MASKED_PATHS}). */
  maskedPaths: readonly string[];
  hostname: string;
}

/** What {@link resolveHardeningProfile} reads: the shared options plus a backend's own. */
export interface ProfileInput extends HardeningOptions {
  limits?: KernelLimits;
  /** Docker's network mode (bubblewrap has none). */
  network?: string;
  /** Variables added to the default environment. */
  env?: Readonly<Record<string, string>>;
  /** A fixed host user id (else one per session when root, this process's own otherwise). */
  uid?: number;
  /** A fixed host group id. */
  gid?: number;
  readOnlyRoot?: boolean;
  capDrop?: readonly string[];
  noNewPrivileges?: boolean;
}

/** The default environment of a sandbox (a backend's `env` option adds to it). */
export const DEFAULT_SANDBOX_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: SANDBOX_LAYOUT.work,
  LANG: 'C.UTF-8',
  TMPDIR: SANDBOX_LAYOUT.tmp,
  MPLBACKEND: 'Agg',
  MPLCONFIGDIR: `${SANDBOX_LAYOUT.tmp}/matplotlib`,
  // git reads a workspace owned by another user (the host's) without "dubious ownership", and
  // never takes optional locks (a read-only repository stays usable for status and diff).
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'safe.directory',
  GIT_CONFIG_VALUE_0: '*',
  GIT_OPTIONAL_LOCKS: '0',
};

/** The per-process memory limit is this fraction of `memoryLimit`: a MemoryError comes first. */
export const KERNEL_MEMORY_FRACTION = 0.9;

/** Defaults of {@link HardeningOptions} and {@link KernelLimits}. */
export const HARDENING_DEFAULTS = {
  memoryLimit: '2g',
  cpus: 1,
  pidsLimit: 256,
  tmpSize: '256m',
  workSize: '1g',
  shmSize: '64m',
  fileBytes: 1024 ** 3,
  openFiles: 1024,
} as const;

/**
 * Parses `2g`, `512m`, `1048576` or a number of bytes.
 *
 * @throws Error for anything else, or below 16 MiB (Python cannot start in less).
 */
export function parseMemoryLimit(value: number | string): number {
  return parseByteSize(value, 'memoryLimit', 16 * 1024 ** 2);
}

/**
 * Turns a backend's options into its profile.
 *
 * @throws Error naming the first invalid option.
 */
export function resolveHardeningProfile(options: ProfileInput): HardeningProfile {
  const d = HARDENING_DEFAULTS;
  const memoryBytes = parseMemoryLimit(options.memoryLimit ?? d.memoryLimit);
  const cpus = options.cpus ?? d.cpus;
  if (typeof cpus !== 'number' || !(cpus >= 0.01) || cpus > 1024) {
    throw new Error(`cpus must be a number of CPUs from 0.01 to 1024, got ${String(cpus)}`);
  }
  const pids = options.pidsLimit ?? d.pidsLimit;
  if (!Number.isSafeInteger(pids) || pids < 8) {
    throw new Error(`pidsLimit must be an integer of at least 8, got ${String(pids)}`);
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || typeof value !== 'string') {
      throw new Error(`env must map variable names to strings, got ${JSON.stringify(name)}`);
    }
  }
  if (options.uid === 0) {
    throw new Error(
      'the sandbox user must not be root (uid 0): root in a sandbox is one kernel bug away from root on the host',
    );
  }
  const user = defaultUser(options);
  return {
    network: options.network ?? 'none',
    readOnlyRoot: options.readOnlyRoot ?? true,
    readOnlyDev: true,
    layout: SANDBOX_LAYOUT,
    tmpfs: {
      tmp: parseByteSize(options.tmpSize ?? d.tmpSize, 'tmpSize', 1 << 20),
      work:
        options.workSize === false
          ? undefined
          : parseByteSize(options.workSize ?? d.workSize, 'workSize', 1 << 20),
      shm: parseByteSize(options.shmSize ?? d.shmSize, 'shmSize', 1 << 20),
    },
    session: {memoryBytes, cpus, pids},
    rlimits: {
      memoryBytes: Math.floor(memoryBytes * KERNEL_MEMORY_FRACTION),
      // A user of its own counts this session alone: RLIMIT_NPROC is then a second wall.
      processes: user.uid === 'per-session' ? pids : 0,
      fileBytes: d.fileBytes,
      openFiles: d.openFiles,
      ...stripUndefined(options.limits ?? {}),
    },
    seccomp: options.seccomp ?? true,
    capDrop: [...(options.capDrop ?? ['ALL'])],
    noNewPrivileges: options.noNewPrivileges ?? true,
    env: {...DEFAULT_SANDBOX_ENV, ...options.env},
    user,
    maskedPaths: MASKED_PATHS,
    hostname: SANDBOX_HOSTNAME,
  };
}

/** Pinned ids as given; as root, one fresh id per session; else this process's own. */
function defaultUser(options: ProfileInput): SandboxUser {
  if (!isRoot()) {
    const uid = options.uid ?? process.getuid?.() ?? NOBODY;
    const gid = options.gid ?? process.getgid?.() ?? NOBODY;
    return {uid, gid};
  }
  return {uid: options.uid ?? 'per-session', gid: options.gid ?? 'per-session'};
}

/**
 * The session's `/etc/passwd` and `/etc/group`: names for the sandbox's ids, so `getpass` and
 * `pwd` work, and nothing from the host's user database.
 */
export function sandboxUserFiles(
  uid: number,
  gid: number,
  home: string = SANDBOX_LAYOUT.work,
): {passwd: string; group: string} {
  return {
    passwd: `sandbox:x:${uid}:${gid}:sandbox:${home}:/usr/sbin/nologin\n`,
    group: `sandbox:x:${gid}:\n`,
  };
}

/** The session's `/etc/hosts`: the private loopback only. */
export const SANDBOX_HOSTS_FILE = '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n';

/** What the model reads when a session's processes were killed at its memory limit. */
export function outOfMemoryReason(memoryBytes: number): string {
  return `out of memory: the session's ${formatBytes(memoryBytes)} memory limit was reached`;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
