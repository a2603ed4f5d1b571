/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Docker backend: one container per session, driven through the Docker Engine API (dockerode).
 * The kernel speaks its protocol over the container's attach stream, so the container needs no
 * network at all; tools run on the host. Hardened by default (no network, read-only root, all
 * capabilities dropped, no-new-privileges, non-root user, memory/pids/CPU limits, no host
 * environment).
 */

import {spawnSync} from 'node:child_process';
import {chmod, chown, writeFile} from 'node:fs/promises';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';

import type Docker from 'dockerode';

import {
  KERNEL_FOLDER,
  KernelCodeExecutor,
  copyKernel,
  type KernelCodeExecutorOptions,
  type KernelSessionContext,
} from './kernel_code_executor.js';
import {buildSeccompFilter} from '../security/seccomp_filter.js';
import {dockerClient} from './docker_client.js';
import {formatBytes, parseByteSize, parseTmpSize, parseWorkSize} from './byte_size.js';
import {KernelProcess, type KernelExit, type KernelTransport} from './kernel_process.js';

/** The image `coding-agent image build` produces, and the default of {@link ContainerCodeExecutor}. */
export const DEFAULT_CONTAINER_IMAGE = 'adk-coding-agent/python:3.11';

/** Label on every container this package starts (value `true`). */
export const CONTAINER_LABEL = 'dev.adk-coding-agent.managed';
/** Label naming the process that owns a container: `<hostname>/<pid>`. */
export const CONTAINER_OWNER_LABEL = 'dev.adk-coding-agent.owner';

/** Options of {@link ContainerCodeExecutor}. Every hardening default can be changed here. */
export interface ContainerCodeExecutorOptions extends KernelCodeExecutorOptions {
  /**
   * Image with Python 3.11+ (and the packages snippets use). Default
   * {@link DEFAULT_CONTAINER_IMAGE}, built offline by `coding-agent image build`.
   */
  image?: string;
  /**
   * Memory of the container (RAM, with no swap on top): bytes, or a string such as `512m`,
   * `2g`. Protects the host from memory bombs: the kernel gets a `MemoryError` first (its
   * per-process limit is set just below this), and beyond it the kernel is killed and the model
   * told it ran out of memory. Default `2g`.
   */
  memoryLimit?: number | string;
  /** CPUs the container may use (fractions allowed). Protects other work on the host. Default 1. */
  cpus?: number;
  /** Most processes and threads in the container; stops fork bombs. Default 256. */
  pidsLimit?: number;
  /**
   * Docker network mode. Default `none`: no interface but loopback, so code can reach neither
   * the internet, nor the host, nor cloud metadata addresses. Tools still work (they run on the
   * host, over the attach stream). Anything else (e.g. `bridge`) gives snippets network access.
   */
  network?: string;
  /** OCI runtime, e.g. gVisor's `runsc` where installed. Default: the daemon's default (runc). */
  runtime?: string;
  /**
   * The container's environment, exactly (nothing comes from the host). `PATH`, `HOME`, `LANG`
   * and `MPLCONFIGDIR` are set by default and can be overridden here.
   */
  env?: Readonly<Record<string, string>>;
  /**
   * How to reach Docker: dockerode connection options (`socketPath`, or `host`/`port`/`protocol`
   * with TLS files), or a `Dockerode` instance. Default: `DOCKER_HOST` or the local socket. The
   * daemon must see this machine's temporary folder, since session folders are bind-mounted.
   */
  docker?: Docker.DockerOptions | Docker;
  /**
   * User the kernel runs as, `uid:gid`. Default `65534:65534` (nobody) when this process is
   * root, else this process's own ids. Never root: root in a container is one kernel bug away
   * from root on the host.
   */
  user?: string;
  /** Mount the image's root filesystem read-only (code cannot alter the image). Default true. */
  readOnlyRoot?: boolean;
  /**
   * Size of the private `/tmp` (a tmpfs counted in the container's memory), as bytes or `256m`.
   * Filling it fails with ENOSPC. Default `256m`.
   */
  tmpSize?: number | string;
  /**
   * Quota of the work folder `/work`, as bytes or `1g`: it is a private tmpfs of this size (it
   * counts in the container's memory), so a snippet cannot fill the host's disk; writing past it fails
   * with ENOSPC. Input files stay read-only host files at `/work/input`; output files come back
   * with each result. Files in `/work` last as long as the kernel: a restart (timeout, out of
   * memory) empties it. `false` makes `/work` the host session folder instead: files survive
   * restarts, but nothing caps their total (each file still stops at `limits.fileBytes`).
   * Default `1g`.
   */
  workSize?: number | string | false;
  /** Linux capabilities to drop. Default `['ALL']` (code cannot use any root privilege). */
  capDrop?: readonly string[];
  /** Set `no-new-privileges` (setuid binaries cannot raise privileges). Default true. */
  noNewPrivileges?: boolean;
  /**
   * Load this package's seccomp filter in the kernel before anything runs, on top of Docker's
   * own profile: ptrace, io_uring, bpf, perf_event_open, keyrings, the mount APIs,
   * unshare/setns, module loading, clock setting, TIOCSTI and the like fail with EPERM (Docker's
   * default profile lets some through, io_uring among them). Default true; needs an x86_64 or
   * aarch64 daemon.
   */
  seccomp?: boolean;
}

/** Where things appear inside the container (the kernel folder holds the seccomp program too). */
const CONTAINER_KERNEL_DIR = '/opt/coding-agent';
const SECCOMP_FILE = 'seccomp.bpf';
const CONTAINER_WORK = '/work';
const CONTAINER_INPUT = `${CONTAINER_WORK}/input`;
const NOBODY = '65534:65534';
/** Leave this fraction of the container's memory for the kernel's own process limit. */
const KERNEL_MEMORY_FRACTION = 0.9;

/**
 * Parses `2g`, `512m`, `1048576` or a number of bytes.
 *
 * @throws Error for anything else, or below 16 MiB (Python cannot start in less).
 */
export function parseMemoryLimit(value: number | string): number {
  return parseByteSize(value, 'memoryLimit', 16 * 1024 ** 2);
}

/** tmpfs options giving the mount to the container's `uid:gid`. */
function owner(user: string): string {
  const [uid, gid] = user.split(':');
  return `uid=${uid},gid=${gid}`;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

interface ContainerSettings {
  image: string;
  memoryBytes: number;
  cpus: number;
  pidsLimit: number;
  network: string;
  runtime?: string;
  env: Record<string, string>;
  user: string;
  readOnlyRoot: boolean;
  tmpBytes: number;
  workBytes?: number;
  capDrop: string[];
  noNewPrivileges: boolean;
  seccomp: boolean;
}

function resolveSettings(options: ContainerCodeExecutorOptions): ContainerSettings {
  const memoryBytes = parseMemoryLimit(options.memoryLimit ?? '2g');
  const cpus = options.cpus ?? 1;
  if (typeof cpus !== 'number' || !(cpus > 0) || cpus > 1024) {
    throw new Error(`cpus must be a positive number, got ${String(cpus)}`);
  }
  const pidsLimit = options.pidsLimit ?? 256;
  if (!Number.isSafeInteger(pidsLimit) || pidsLimit < 8) {
    throw new Error(`pidsLimit must be an integer of at least 8, got ${String(pidsLimit)}`);
  }
  const user = options.user ?? (isRoot() ? NOBODY : `${process.getuid?.()}:${process.getgid?.()}`);
  if (!/^\d+:\d+$/.test(user) || user.startsWith('0:')) {
    throw new Error(`user must be "uid:gid" with a uid other than 0, got ${JSON.stringify(user)}`);
  }
  const image = options.image ?? DEFAULT_CONTAINER_IMAGE;
  if (typeof image !== 'string' || image.trim() === '') {
    throw new Error('image must be a non-empty image name');
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || typeof value !== 'string') {
      throw new Error(`env must map variable names to strings, got ${JSON.stringify(name)}`);
    }
  }
  const tmpBytes = parseTmpSize(options.tmpSize);
  return {
    image,
    memoryBytes,
    cpus,
    pidsLimit,
    network: options.network ?? 'none',
    runtime: options.runtime,
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: CONTAINER_WORK,
      LANG: 'C.UTF-8',
      MPLCONFIGDIR: '/tmp/matplotlib',
      ...options.env,
    },
    user,
    readOnlyRoot: options.readOnlyRoot ?? true,
    tmpBytes,
    workBytes: parseWorkSize(options.workSize),
    capDrop: [...(options.capDrop ?? ['ALL'])],
    noNewPrivileges: options.noNewPrivileges ?? true,
    seccomp: options.seccomp ?? true,
  };
}

/** Where a daemon listens, resolved (dockerode finds the default socket lazily). */
interface DaemonAddress {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: string;
}

async function daemonAddress(client: Docker): Promise<DaemonAddress> {
  const modem = client.modem as unknown as DaemonAddress & {getSocketPath?: () => Promise<unknown>};
  const socketPath = await modem.getSocketPath?.();
  return typeof socketPath === 'string'
    ? {socketPath}
    : {host: modem.host, port: modem.port, protocol: modem.protocol};
}

/** A one-line description of a daemon's address, for error messages. */
function describeDaemon(address: DaemonAddress): string {
  if (address.socketPath) return `unix://${address.socketPath}`;
  return `${address.protocol ?? 'http'}://${address.host ?? 'localhost'}:${address.port ?? 2375}`;
}

/** Containers to remove when this process exits normally (see {@link reapOnExit}). */
const live = new Map<string, DaemonAddress>();
let exitHookInstalled = false;

/**
 * `exit` handlers cannot wait for I/O, so a short child process removes the containers this
 * process still owns. A crashed process leaves them stopped (their kernel exits when the
 * attach stream closes); the next executor on this host removes them ({@link reapOrphans}).
 */
function reapOnExit(): void {
  if (live.size === 0) return;
  // Plain HTTP only: a TLS daemon's leftovers are removed at the next start instead.
  const targets = [...live]
    .filter(([, address]) => address.socketPath || address.protocol !== 'https')
    .map(([id, address]) => ({id, ...address}));
  live.clear();
  const script = `
const http = require('node:http');
const targets = JSON.parse(process.argv[1]);
let left = targets.length;
for (const t of targets) {
  const options = {method: 'DELETE', path: '/containers/' + t.id + '?force=true&v=true', timeout: 5000};
  if (t.socketPath) options.socketPath = t.socketPath; else { options.host = t.host; options.port = t.port; }
  const req = http.request(options, (res) => { res.resume(); res.on('end', () => { if (--left === 0) process.exit(0); }); });
  req.on('error', () => { if (--left === 0) process.exit(0); });
  req.end();
}`;
  spawnSync(process.execPath, ['-e', script, JSON.stringify(targets)], {
    stdio: 'ignore',
    timeout: 10_000,
  });
}

function statusCode(error: unknown): number | undefined {
  return (error as {statusCode?: number} | undefined)?.statusCode;
}

/** Is `<hostname>/<pid>` a process of this host that no longer runs? */
function ownerIsGone(owner: string | undefined): boolean {
  if (!owner) return false;
  const slash = owner.lastIndexOf('/');
  if (owner.slice(0, slash) !== hostname()) return false;
  const pid = Number(owner.slice(slash + 1));
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs each session's kernel in its own Docker container. See
 * {@link ContainerCodeExecutorOptions} for what each default protects. The session folder is
 * bind-mounted at `/work` (input files read-only at `/work/input`), so the daemon must run on
 * this machine (or see its temporary folder).
 *
 * @example
 * ```ts
 * const executor = new ContainerCodeExecutor({pool: {size: 2}});
 * await executor.warmUp(); // two kernels with pandas already imported
 * const agent = new CodingAgent({name: 'analyst', model, codeExecutor: executor});
 * ```
 */
export class ContainerCodeExecutor extends KernelCodeExecutor {
  /** Backend name. */
  readonly backend = 'docker';
  /** The Docker client this executor uses. */
  readonly docker: Docker;
  private readonly settings: ContainerSettings;
  private available?: Promise<void>;
  private address: DaemonAddress = {};
  /** The seccomp program for the daemon's architecture (set by the probe when enabled). */
  private seccompProgram?: Buffer;
  private readonly owner = `${hostname()}/${process.pid}`;

  /** @throws Error naming the first invalid option. */
  constructor(options: ContainerCodeExecutorOptions = {}) {
    const settings = resolveSettings(options);
    super({
      ...options,
      python: options.python ?? '/usr/bin/python3',
      limits: {
        // A MemoryError before the cgroup's kill; pids are the cgroup's job (RLIMIT_NPROC
        // would count every process of the same uid on the host).
        memoryBytes: Math.floor(settings.memoryBytes * KERNEL_MEMORY_FRACTION),
        processes: 0,
        ...options.limits,
      },
    });
    this.settings = settings;
    this.docker = dockerClient(options.docker);
  }

  /**
   * Synchronous check of the local daemon (socket from `DOCKER_HOST=unix://...` or
   * `/var/run/docker.sock`) and the image, for code that cannot wait (test discovery, CLIs).
   * Prefer {@link isAvailable}, which also honours the `docker` option.
   */
  static isAvailableSync(
    image: string = DEFAULT_CONTAINER_IMAGE,
  ): {available: true} | {available: false; reason: string} {
    const host = process.env.DOCKER_HOST;
    if (host && !host.startsWith('unix://')) {
      return {available: false, reason: `DOCKER_HOST=${host} cannot be checked synchronously`};
    }
    const socketPath = host ? host.slice('unix://'.length) : '/var/run/docker.sock';
    const script = `
const http = require('node:http');
const [socketPath, image] = process.argv.slice(1);
const get = (path) => new Promise((resolve) => {
  const req = http.get({socketPath, path, timeout: 5000}, (res) => { res.resume(); resolve(res.statusCode); });
  req.on('error', (e) => resolve(e.code || e.message));
  req.on('timeout', () => req.destroy(new Error('timeout')));
});
(async () => {
  const ping = await get('/_ping');
  if (ping !== 200) { console.log('daemon:' + ping); return; }
  const found = await get('/images/' + encodeURIComponent(image) + '/json');
  console.log(found === 200 ? 'ok' : 'image:' + found);
})();`;
    const probe = spawnSync(process.execPath, ['-e', script, socketPath, image], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    const answer = (probe.stdout ?? '').trim();
    if (answer === 'ok') return {available: true};
    if (answer.startsWith('image:')) {
      return {
        available: false,
        reason: `Docker image ${image} is missing: run 'npx coding-agent image build'`,
      };
    }
    return {
      available: false,
      reason: `Docker is not reachable at unix://${socketPath} (${answer || 'no answer'}): run 'bash scripts/docker_setup.sh'`,
    };
  }

  /** The image this executor runs. */
  get image(): string {
    return this.settings.image;
  }

  /**
   * Checks that Docker answers and the image exists (and the runtime, when one is set).
   *
   * @returns `{available: false, reason}` with what to do, instead of throwing.
   */
  async isAvailable(): Promise<{available: true} | {available: false; reason: string}> {
    try {
      await this.checkAvailable();
      return {available: true};
    } catch (error) {
      return {available: false, reason: (error as Error).message};
    }
  }

  /**
   * Removes containers left by processes of this host that exited without cleaning up (found
   * by label). Runs once before the first session; containers of live processes are kept.
   *
   * @returns How many containers were removed.
   */
  async reapOrphans(): Promise<number> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: {label: [`${CONTAINER_LABEL}=true`]},
    });
    let removed = 0;
    for (const info of containers) {
      if (!ownerIsGone(info.Labels?.[CONTAINER_OWNER_LABEL])) continue;
      try {
        await this.docker.getContainer(info.Id).remove({force: true, v: true});
        removed++;
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
      }
    }
    return removed;
  }

  protected override checkAvailable(): Promise<void> {
    this.available ??= this.probe();
    // A failed probe is retried next time (the daemon may have been started since).
    this.available.catch(() => (this.available = undefined));
    return this.available;
  }

  private async probe(): Promise<void> {
    this.address = await daemonAddress(this.docker);
    const where = describeDaemon(this.address);
    try {
      await this.docker.ping();
    } catch (error) {
      throw new Error(
        `Docker is not reachable at ${where} (${(error as Error).message}). Start the Docker ` +
          'daemon (`bash scripts/docker_setup.sh` installs and starts it on Debian, or ' +
          '`sudo systemctl start docker`), or pass the `docker` option to reach another host.',
      );
    }
    try {
      await this.docker.getImage(this.settings.image).inspect();
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
      throw new Error(
        `Docker image ${this.settings.image} is missing. Build it offline with ` +
          '`npx coding-agent image build` (Debian packages via mmdebstrap), or from a registry ' +
          `with \`docker build -t ${this.settings.image} docker/\`, or pass the \`image\` option.`,
      );
    }
    if (this.settings.seccomp) {
      const {Architecture} = (await this.docker.info()) as {Architecture?: string};
      if (Architecture !== 'x86_64' && Architecture !== 'aarch64') {
        throw new Error(
          `the seccomp filter supports x86_64 and aarch64 daemons, not ${Architecture}: ` +
            "pass seccomp: false to rely on Docker's own profile alone",
        );
      }
      this.seccompProgram = buildSeccompFilter(Architecture);
    }
    if (this.settings.runtime) {
      const info = (await this.docker.info()) as {Runtimes?: Record<string, unknown>};
      const runtimes = Object.keys(info.Runtimes ?? {});
      if (!runtimes.includes(this.settings.runtime)) {
        throw new Error(
          `Docker runtime ${this.settings.runtime} is not installed on ${where} ` +
            `(available: ${runtimes.join(', ') || 'none'}).`,
        );
      }
    }
    await this.reapOrphans();
  }

  /** Copies the kernel in and gives the work folder to the container's user. */
  protected override async prepareSession(context: KernelSessionContext): Promise<void> {
    const kernelDir = await copyKernel(context);
    if (this.seccompProgram) {
      // In the kernel folder, mounted read-only: no snippet can swap it.
      await writeFile(join(kernelDir, SECCOMP_FILE), this.seccompProgram, {mode: 0o644});
    }
    await chmod(context.sessionDir, 0o755);
    if (isRoot()) {
      const [uid, gid] = this.settings.user.split(':').map(Number);
      for (const path of [context.workDir, context.outputDir]) await chown(path, uid, gid);
    }
  }

  /** Input files appear read-only at `/work/input`. */
  override sandboxInputDir(): string {
    return CONTAINER_INPUT;
  }

  protected override async openKernel(context: KernelSessionContext): Promise<KernelProcess> {
    const s = this.settings;
    const binds = [
      `${join(context.sessionDir, KERNEL_FOLDER)}:${CONTAINER_KERNEL_DIR}:ro`,
      ...(s.workBytes === undefined ? [`${context.workDir}:${CONTAINER_WORK}:rw`] : []),
      `${context.inputDir}:${CONTAINER_INPUT}:ro`,
    ];
    const seccompArgs: string[] = [];
    if (s.seccomp) {
      if (!this.seccompProgram) throw new Error('the Docker daemon was not probed before start');
      seccompArgs.push('--seccomp-filter', `${CONTAINER_KERNEL_DIR}/${SECCOMP_FILE}`);
    }
    const container = await this.docker.createContainer({
      Image: s.image,
      Cmd: [
        context.python,
        '-I',
        `${CONTAINER_KERNEL_DIR}/kernel.py`,
        ...context.kernelArgs,
        ...seccompArgs,
        '--output-dir',
        `${CONTAINER_WORK}/output`,
      ],
      Entrypoint: [],
      User: s.user,
      WorkingDir: CONTAINER_WORK,
      Env: Object.entries(s.env).map(([name, value]) => `${name}=${value}`),
      Labels: {[CONTAINER_LABEL]: 'true', [CONTAINER_OWNER_LABEL]: this.owner},
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: true,
      // The kernel sees end-of-file, and exits, when the host's attach connection closes.
      StdinOnce: true,
      Tty: false,
      NetworkDisabled: s.network === 'none',
      HostConfig: {
        NetworkMode: s.network,
        Binds: binds,
        ReadonlyRootfs: s.readOnlyRoot,
        Tmpfs: {
          '/tmp': `rw,nosuid,nodev,size=${s.tmpBytes},mode=1777`,
          ...(s.workBytes === undefined
            ? {}
            : {[CONTAINER_WORK]: `rw,nosuid,nodev,size=${s.workBytes},mode=0700,${owner(s.user)}`}),
        },
        CapDrop: s.capDrop,
        SecurityOpt: s.noNewPrivileges ? ['no-new-privileges'] : [],
        Memory: s.memoryBytes,
        MemorySwap: s.memoryBytes,
        NanoCpus: Math.round(s.cpus * 1e9),
        PidsLimit: s.pidsLimit,
        // The kernel's supervisor is PID 1 (it reaps orphans): signals from inside cannot reach
        // it, and when it exits, at the end of the host's attach stream whatever the snippet did
        // to the interpreter, the container ends with everything in it.
        Init: false,
        Runtime: s.runtime,
        AutoRemove: false,
      },
    });
    live.set(container.id, this.address);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', reapOnExit);
    }
    try {
      const transport = await this.attach(container);
      return await KernelProcess.connect(
        transport,
        this.kernelProcessOptions(),
        `image ${s.image}`,
      );
    } catch (error) {
      await this.remove(container);
      throw error;
    }
  }

  private async attach(container: Docker.Container): Promise<KernelTransport> {
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as NodeJS.ReadWriteStream & {destroy?: () => void};
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const stdin = new PassThrough();
    stdin.pipe(stream as unknown as NodeJS.WritableStream);
    stream.on('end', () => {
      stdout.end();
      stderr.end();
    });
    stream.on('error', () => {
      stdout.end();
      stderr.end();
    });

    await container.start();
    const pid = await container
      .inspect()
      .then((info) => (info.State?.Pid ? info.State.Pid : undefined))
      .catch(() => undefined);
    const memoryBytes = this.settings.memoryBytes;
    let killed = false;
    const exited = container
      .wait()
      .catch(() => ({StatusCode: null}))
      .then(async (waited: {StatusCode: number | null}): Promise<KernelExit> => {
        const info = await container.inspect().catch(() => undefined);
        await this.remove(container);
        stream.destroy?.();
        const exit: KernelExit = {code: waited.StatusCode, signal: null};
        if (info?.State?.OOMKilled) {
          exit.reason = `out of memory: the container's ${formatBytes(memoryBytes)} memory limit was reached`;
        } else if (waited.StatusCode === 137 && killed) {
          exit.signal = 'SIGKILL';
        }
        return exit;
      });
    return {
      stdin,
      stdout,
      stderr,
      pid,
      kill: () => {
        killed = true;
        // Killing the container ends every process in it at once.
        void container.kill({signal: 'SIGKILL'}).catch(() => undefined);
      },
      exited,
    };
  }

  private async remove(container: Docker.Container): Promise<void> {
    try {
      await container.remove({force: true, v: true});
    } catch (error) {
      const code = statusCode(error);
      // 404: already gone; 409: removal already in progress.
      if (code !== 404 && code !== 409) throw error;
    } finally {
      live.delete(container.id);
    }
  }
}
