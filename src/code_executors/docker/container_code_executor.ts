/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Docker backend: one container per session, driven through the Docker Engine API (dockerode).
 * The kernel speaks its protocol over the container's attach stream, so the container needs no
 * network at all; tools run on the host. Hardened by the {@link HardeningProfile} bubblewrap
 * applies too (translated by `container_config.ts`): no network, read-only root and `/dev`,
 * all capabilities dropped, no-new-privileges, a non-root user (one per session when the host is
 * root), host facts in `/proc` and `/sys` masked, memory/pids/CPU limits, no host environment.
 */

import {spawnSync} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {PassThrough} from 'node:stream';

import type Docker from 'dockerode';

import {
  isRoot,
  outOfMemoryReason,
  parseMemoryLimit,
  resolveHardeningProfile,
  sandboxUserFiles,
  sessionIds,
  type HardeningProfile,
} from '../../security/hardening_profile.js';
import {buildSeccompFilter} from '../../security/seccomp_filter.js';
import {processStartTime} from '../../utils/process_identity.js';
import {
  KernelCodeExecutor,
  type KernelSessionContext,
  type SandboxCodeExecutorOptions,
} from '../kernel_code_executor.js';
import {KernelProcess, type KernelExit, type KernelTransport} from '../kernel_process.js';
import type {InputFile} from '../sandbox.js';
import {KERNEL_FILES} from '../session_folders.js';
import type {ChangedEntry, OriginalTree} from '../workspace.js';
import {
  containerConfig,
  containerKernelCommand,
  type ContainerWorkspace,
} from './container_config.js';
import {escapesFolder, readWorkspaceArchive, workspaceArchive} from './workspace_archive.js';
import {checkImagePython, MIN_KERNEL_PYTHON} from './image_check.js';
import {dockerClient} from './docker_client.js';
import {
  CONTAINER_LABEL,
  CONTAINER_OWNER_LABEL,
  CONTAINER_OWNER_START_LABEL,
  ownerLabel,
  reapContainers,
  type ReapOptions,
} from './reaper.js';
import {SessionVolumes} from './session_volumes.js';

export {CONTAINER_LABEL, CONTAINER_OWNER_LABEL, CONTAINER_OWNER_START_LABEL, parseMemoryLimit};
export type {ReapOptions};

/** The image `coding-agent image build` produces, and the default of {@link ContainerCodeExecutor}. */
export const DEFAULT_CONTAINER_IMAGE = 'adk-coding-agent/python:3.11';

/** Options of {@link ContainerCodeExecutor}. Every hardening default can be changed here. */
export interface ContainerCodeExecutorOptions extends SandboxCodeExecutorOptions {
  /**
   * Image with Python 3.11+ (and the packages snippets use). Default
   * {@link DEFAULT_CONTAINER_IMAGE}, built offline by `coding-agent image build`.
   */
  image?: string;
  /**
   * Docker network mode. Default `none`: no interface but loopback, so code can reach neither
   * the internet, nor the host, nor cloud metadata addresses. Tools still work (they run on the
   * host, over the attach stream). Anything else (e.g. `bridge`) gives snippets network access.
   */
  network?: string;
  /** OCI runtime, e.g. gVisor's `runsc` where installed. Default: the daemon's default (runc). */
  runtime?: string;
  /**
   * Variables added to the container's environment (nothing comes from the host). `PATH`,
   * `HOME`, `LANG`, `TMPDIR`, `MPLBACKEND` and `MPLCONFIGDIR` are set by default and can be
   * overridden here.
   */
  env?: Readonly<Record<string, string>>;
  /**
   * How to reach Docker: dockerode connection options (`socketPath`, or `host`/`port`/`protocol`
   * with `ca`/`cert`/`key` for TLS), or a `Dockerode` instance. Default: `DOCKER_HOST` (with
   * `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`) or the local socket. The daemon may be on another
   * machine: no folder of this one is mounted; the kernel folder and input files travel as tar
   * archives through the API into the session's volumes, and results over the attach stream.
   */
  docker?: Docker.DockerOptions | Docker;
  /**
   * User the kernel runs as, `uid:gid`. Default: a fresh unused uid/gid per session when this
   * process is root (0x70000000 and up, as bubblewrap), else this process's own ids. Never root:
   * root in a container is one kernel bug away from root on the host. A process that is not
   * root can only give its own ids (it cannot hand the session's files to another user).
   */
  user?: string;
  /** Mount the image's root filesystem read-only (code cannot alter the image). Default true. */
  readOnlyRoot?: boolean;
  /** Linux capabilities to drop. Default `['ALL']` (code cannot use any root privilege). */
  capDrop?: readonly string[];
  /** Set `no-new-privileges` (setuid binaries cannot raise privileges). Default true. */
  noNewPrivileges?: boolean;
}

/** Parses the `user` option: `uid:gid` (never uid 0). */
function parseUser(user: string | undefined): {uid?: number; gid?: number} {
  if (user === undefined) return {};
  const match = /^(\d+):(\d+)$/.exec(user);
  if (!match || match[1] === '0') {
    throw new Error(`user must be "uid:gid" with a uid other than 0, got ${JSON.stringify(user)}`);
  }
  const ids = {uid: Number(match[1]), gid: Number(match[2])};
  if (!isRoot() && (ids.uid !== process.getuid?.() || ids.gid !== process.getgid?.())) {
    throw new Error(
      `user ${user} differs from this process's ids: only a root host can give the session's ` +
        'files (mode 0600) to another user',
    );
  }
  return ids;
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
/** Session volumes to remove then, after the containers. */
const liveVolumes = new Map<string, DaemonAddress>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', reapOnExit);
}

/**
 * `exit` handlers cannot wait for I/O, so a short child process removes the containers this
 * process still owns, then their session volumes. A crashed process leaves them (its containers
 * stop: their kernel exits when the attach stream closes); the next executor on this host
 * removes them ({@link reapOrphans}).
 */
function reapOnExit(): void {
  if (live.size === 0 && liveVolumes.size === 0) return;
  // Plain HTTP only: a TLS daemon's leftovers are removed at the next start instead.
  const plain = (address: DaemonAddress) => address.socketPath || address.protocol !== 'https';
  const request = (path: string, address: DaemonAddress) => ({path, ...address});
  const containers = [...live]
    .filter(([, address]) => plain(address))
    .map(([id, address]) => request(`/containers/${id}?force=true&v=true`, address));
  const volumes = [...liveVolumes]
    .filter(([, address]) => plain(address))
    .map(([name, address]) => request(`/volumes/${encodeURIComponent(name)}`, address));
  live.clear();
  liveVolumes.clear();
  const script = `
const http = require('node:http');
const rounds = JSON.parse(process.argv[1]);
const send = (t) => new Promise((resolve) => {
  const options = {method: 'DELETE', path: t.path, timeout: 5000};
  if (t.socketPath) options.socketPath = t.socketPath; else { options.host = t.host; options.port = t.port; }
  const req = http.request(options, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', resolve);
  req.end();
});
(async () => { for (const round of rounds) await Promise.all(round.map(send)); process.exit(0); })();`;
  spawnSync(process.execPath, ['-e', script, JSON.stringify([containers, volumes])], {
    stdio: 'ignore',
    timeout: 10_000,
  });
}

function statusCode(error: unknown): number | undefined {
  return (error as {statusCode?: number} | undefined)?.statusCode;
}

/**
 * Runs each session's kernel in its own Docker container. See
 * {@link ContainerCodeExecutorOptions} for what each default protects. Nothing of this machine is
 * mounted: the kernel's folder, the session's `passwd`/`group` and its input files (read-only at
 * `/work/input`) are uploaded into the session's named volumes through the Engine API (see
 * `session_volumes.ts`), and output files come back over the attach stream, so the daemon may be
 * remote (TCP with TLS).
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
  /** The hardening every session of this executor gets. */
  readonly profile: HardeningProfile;
  /** The image this executor runs. */
  readonly image: string;
  private readonly runtime?: string;
  private available?: Promise<void>;
  private address: DaemonAddress = {};
  /** The seccomp program for the daemon's architecture (set by the probe when enabled). */
  private seccompProgram?: Buffer;
  /** The running container of each session folder (the workspace copy is read from it). */
  private readonly containers = new Map<string, Docker.Container>();

  /** Each session folder's volumes on the daemon and its ids. */
  private readonly volumes = new Map<string, {volumes: SessionVolumes; uid: number; gid: number}>();
  private readonly labels: Record<string, string> = {
    [CONTAINER_LABEL]: 'true',
    [CONTAINER_OWNER_LABEL]: ownerLabel(),
    [CONTAINER_OWNER_START_LABEL]: processStartTime(process.pid) ?? '',
  };

  /** @throws Error naming the first invalid option. */
  constructor(options: ContainerCodeExecutorOptions = {}) {
    const profile = resolveHardeningProfile({...options, ...parseUser(options.user)});
    super({
      ...options,
      python: options.python ?? '/usr/bin/python3',
      limits: profile.rlimits,
    });
    const image = options.image ?? DEFAULT_CONTAINER_IMAGE;
    if (typeof image !== 'string' || image.trim() === '') {
      throw new Error('image must be a non-empty image name');
    }
    this.profile = profile;
    this.image = image;
    this.runtime = options.runtime;
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
   * Removes containers of this package whose host process is gone: this machine's by their
   * owner process, another machine's (a shared daemon) once they have exited or never started
   * for longer than a grace period; running containers of live hosts are never touched (see
   * `reaper.ts`). Runs once before the first session.
   *
   * @returns How many containers were removed.
   */
  reapOrphans(options: ReapOptions = {}): Promise<number> {
    return reapContainers(this.docker, options);
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
      await this.docker.getImage(this.image).inspect();
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
      throw new Error(
        `Docker image ${this.image} is missing. Build it offline with ` +
          '`npx coding-agent image build` (Debian packages via mmdebstrap), or from a registry ' +
          `with \`docker build -t ${this.image} docker/\`, or pass the \`image\` option.`,
      );
    }
    if (this.profile.seccomp) {
      const {Architecture} = (await this.docker.info()) as {Architecture?: string};
      if (Architecture !== 'x86_64' && Architecture !== 'aarch64') {
        throw new Error(
          `the seccomp filter supports x86_64 and aarch64 daemons, not ${Architecture}: ` +
            "pass seccomp: false to rely on Docker's own profile alone",
        );
      }
      this.seccompProgram = buildSeccompFilter(Architecture);
    }
    if (this.runtime) {
      const info = (await this.docker.info()) as {Runtimes?: Record<string, unknown>};
      const runtimes = Object.keys(info.Runtimes ?? {});
      if (!runtimes.includes(this.runtime)) {
        throw new Error(
          `Docker runtime ${this.runtime} is not installed on ${where} ` +
            `(available: ${runtimes.join(', ') || 'none'}).`,
        );
      }
    }
    await this.reapOrphans();
  }

  /**
   * Creates the session's volumes on the daemon and uploads into them the container's passwd and
   * group, a private copy of the kernel and the seccomp program (owned by root, readable by the
   * session's group; the container mounts them read-only).
   */
  protected override async prepareSession(context: KernelSessionContext): Promise<void> {
    const {uid, gid} = sessionIds(this.profile.user);
    const users = sandboxUserFiles(uid, gid);
    const kernelDir = dirname(context.kernelPath);
    const kernelFiles: Array<readonly [string, Buffer]> = [];
    for (const name of KERNEL_FILES) {
      kernelFiles.push([name, await readFile(join(kernelDir, name))]);
    }
    if (this.seccompProgram) kernelFiles.push(['seccomp.bpf', this.seccompProgram]);
    const volumes = await SessionVolumes.create(this.docker, {
      image: this.image,
      labels: this.labels,
      uid,
      gid,
      kernelFiles,
      passwd: users.passwd,
      group: users.group,
      workVolume: this.profile.tmpfs.work === undefined,
    });
    this.volumes.set(context.sessionDir, {volumes, uid, gid});
    for (const name of Object.values(volumes.names)) liveVolumes.set(name, this.address);
    installExitHook();
  }

  /** Input files appear read-only at `/work/input`. */
  override sandboxInputDir(): string {
    return this.profile.layout.input;
  }

  /** Workspaces are mounted at `/work/workspace`. */
  protected override supportsWorkspace(): boolean {
    return true;
  }

  /** The quota of a copy-on-write workspace's volume: the `/work` quota (default 1 GiB). */
  private workspaceBytes(): number {
    return this.profile.tmpfs.work ?? 1024 ** 3;
  }

  /** The copy as the session's running container has it (`getArchive`); undefined when gone. */
  override async readWorkspaceCopy(
    context: KernelSessionContext,
    original: OriginalTree,
  ): Promise<Map<string, ChangedEntry> | undefined> {
    const container = this.containers.get(context.sessionDir);
    if (!container) return undefined;
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({path: this.profile.layout.workspace});
    } catch (error) {
      if (statusCode(error) === 404 || statusCode(error) === 409) return undefined;
      throw error;
    }
    const entries = await readWorkspaceArchive(archive, original, this.workspaceBytes());
    // Symlinks leaving the folder were never copied in (see escapesFolder): not a removal.
    for (const [path, entry] of original.tree.entries) {
      if (
        entry.type === 'symlink' &&
        escapesFolder(path, entry.target ?? '') &&
        !entries.has(path)
      ) {
        entries.set(path, entry);
      }
    }
    return entries;
  }

  /** The container's view of the session's workspace. */
  private workspaceMount(context: KernelSessionContext): ContainerWorkspace | undefined {
    const workspace = context.workspace;
    if (!workspace) return undefined;
    return workspace.mode === 'read-only'
      ? {readOnly: true, hostPath: workspace.hostPath}
      : {readOnly: false, sizeBytes: this.workspaceBytes()};
  }

  /** Uploads input files into the session's input volume (a tar archive through the API). */
  override async storeInputFiles(
    folders: {sessionDir: string; inputDir: string},
    files: readonly InputFile[],
  ): Promise<void> {
    const entry = this.volumes.get(folders.sessionDir);
    if (!entry) throw new Error('the Docker session has no volumes (disposed?)');
    await entry.volumes.putFiles('input', files);
  }

  /** Removes the session's volumes (its containers are gone by then). */
  override async releaseSession(sessionDir: string): Promise<void> {
    const entry = this.volumes.get(sessionDir);
    if (!entry) return;
    this.volumes.delete(sessionDir);
    await entry.volumes.remove();
    for (const name of Object.values(entry.volumes.names)) liveVolumes.delete(name);
  }

  protected override async openKernel(context: KernelSessionContext): Promise<KernelProcess> {
    if (this.profile.seccomp && !this.seccompProgram) {
      throw new Error('the Docker daemon was not probed before start');
    }
    const entry = this.volumes.get(context.sessionDir);
    if (!entry) throw new Error('the Docker session was not prepared (no volumes)');
    const mount = this.workspaceMount(context);
    const container = await this.docker
      .createContainer(
        containerConfig(this.profile, {
          image: this.image,
          command: containerKernelCommand(this.profile, context.python, context.kernelArgs),
          uid: entry.uid,
          gid: entry.gid,
          volumes: entry.volumes.names,
          labels: this.labels,
          runtime: this.runtime,
          workspace: mount,
        }),
      )
      .catch((error: unknown) => {
        // A read-only workspace is the one bind mount: a daemon on another machine cannot see it.
        if (mount?.readOnly && /bind source path does not exist/i.test(String(error))) {
          throw new Error(
            `the Docker daemon at ${describeDaemon(this.address)} cannot see the workspace ` +
              `${mount.hostPath}: a read-only workspace is a bind mount of a folder of the ` +
              "daemon's machine; with a remote daemon use mode 'copy-on-write' (copied in " +
              'through the Engine API)',
          );
        }
        throw error;
      });
    live.set(container.id, this.address);
    installExitHook();
    try {
      const transport = await this.attach(container);
      const workspace = context.workspace;
      if (workspace?.mode === 'copy-on-write') {
        // The tmpfs volume is mounted once the container runs; no snippet runs before the copy
        // is in (the host sends the first execution after this).
        const archive = workspaceArchive(workspace.hostPath, workspace.tree, {
          uid: entry.uid,
          gid: entry.gid,
        });
        // A file that cannot be read ends the archive with an error (the upload would wait
        // for the rest): fail the start with it.
        const packing = new Promise<never>((_, reject) =>
          archive.once('error', (error: Error) =>
            reject(new Error(`cannot copy the workspace in: ${error.message}`)),
          ),
        );
        packing.catch(() => undefined);
        await Promise.race([
          container.putArchive(archive, {path: this.profile.layout.workspace}),
          packing,
        ]);
      }
      this.containers.set(context.sessionDir, container);
      void transport.exited.then(() => {
        if (this.containers.get(context.sessionDir) === container) {
          this.containers.delete(context.sessionDir);
        }
      });
      return await KernelProcess.connect(
        transport,
        this.kernelProcessOptions(),
        `image ${this.image}`,
      );
    } catch (error) {
      await this.remove(container);
      throw await this.explainStartFailure(error as Error, context);
    }
  }

  /**
   * A kernel that did not start: when the image cannot run it (no Python at the configured
   * path, one older than the kernel needs, standard modules missing), says so and how to fix it;
   * otherwise the original error.
   */
  private async explainStartFailure(error: Error, context: KernelSessionContext): Promise<Error> {
    const problem = await checkImagePython(this.docker, this.image, {
      python: context.python,
      kernelPath: context.kernelPath,
      labels: this.labels,
    }).catch(() => undefined);
    if (!problem) return error;
    const [major, minor] = MIN_KERNEL_PYTHON;
    return new Error(
      `Docker image ${this.image} cannot run the kernel: ${problem}. The kernel needs ` +
        `${context.python} to be Python ${major}.${minor} or newer with its standard library; ` +
        'build the default image (`npx coding-agent image build`), base yours on it or on ' +
        `python:${major}.${minor}-slim (see docker/Dockerfile), or pass the \`python\` option. ` +
        `(The start failed with: ${error.message.split('\n')[0].slice(0, 300)})`,
      {cause: error},
    );
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
    const memoryBytes = this.profile.session.memoryBytes;
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
          exit.reason = outOfMemoryReason(memoryBytes);
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
