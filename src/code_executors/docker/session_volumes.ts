/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A Docker session's files, kept on the daemon rather than on this machine: one named volume
 * each for the kernel's folder, `/etc` (the image's own, with the session's `passwd` and
 * `group`), the input files and, when `/work` has no tmpfs quota, the work folder. Everything
 * travels through the Engine API as tar archives (`PUT /containers/{id}/archive`), so the daemon
 * may be on another machine (TCP with TLS) and never needs to see this machine's folders.
 *
 * Why volumes and a stager: the session's container has a read-only root filesystem, and its
 * writable places are tmpfs mounts, which exist only inside the running container (the archive
 * API writes to the container's filesystem as the daemon mounts it, where a tmpfs is not; Docker
 * 20.10 answers 404, and an upload to the read-only root is refused). A volume mounted
 * read-only is refused too. So each upload goes through a *stager*: a container that is created
 * and never started, with the session's volumes mounted read-write; the session's container
 * mounts the same volumes read-only. Creating the stager with a fresh volume at `/etc` also makes
 * Docker copy the image's `/etc` into it, so only `passwd` and `group` need uploading.
 *
 * One mechanism per direction, for every kind of bytes: into the session, archives into its
 * volumes ({@link SessionVolumes.putFiles}: input files today, bytes for the kernel to read, such
 * as a snapshot to restore, tomorrow); out of it, the kernel's attach stream (the protocol's
 * `file` and `figure` messages carry output files and figures inside each result, as on every
 * backend). The kernel stream was measured for input files too (see the README): cheaper per
 * upload, but what the supervisor writes belongs to the snippet's user, so it could not be
 * read-only, and it would vanish at every kernel restart.
 */

import {randomBytes} from 'node:crypto';

import type Docker from 'dockerode';
import tar from 'tar-stream';

import {SANDBOX_LAYOUT} from '../../security/hardening_profile.js';

/** Label of every volume this package creates: which part of a session it holds. */
export const VOLUME_ROLE_LABEL = 'dev.adk-coding-agent.volume';

/** The volumes of one session, by role (`work` only when `/work` is not a tmpfs). */
export interface SessionVolumeNames {
  /** Mounted read-only at `/opt/coding-agent`: the supervisor, the interpreter, seccomp. */
  kernel: string;
  /** Mounted read-only at `/etc`: the image's `/etc` with the session's `passwd` and `group`. */
  etc: string;
  /** Mounted read-only at `/work/input`: the session's input files. */
  input: string;
  /** Mounted read-write at `/work` when the profile gives `/work` no tmpfs quota. */
  work?: string;
}

/** One file of an archive: a path relative to the archive's target folder. */
export interface ArchiveFile {
  name: string;
  data: string | Buffer | Uint8Array;
  mode: number;
  uid: number;
  gid: number;
}

/** One folder of an archive (its owner and mode are applied to an existing folder too). */
export interface ArchiveFolder {
  name: string;
  folder: true;
  mode: number;
  uid: number;
  gid: number;
}

/** The largest id a ustar header holds as tar-stream writes it (6 octal digits). */
const MAX_USTAR_ID = 0o777777;

/**
 * A tar archive (ustar with PAX records, from the `tar-stream` package) of `entries`, with a fixed modification
 * time so the same files give the same bytes.
 */
export async function tarArchive(
  entries: ReadonlyArray<ArchiveFile | ArchiveFolder>,
): Promise<Buffer> {
  const pack = tar.pack();
  const mtime = new Date(0);
  for (const entry of entries) {
    const header = {
      name: entry.name,
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      mtime,
      // Ids past the ustar field (6 octal digits), such as the per-session ids, go in PAX records.
      ...(Math.max(entry.uid, entry.gid) > MAX_USTAR_ID
        ? {pax: {uid: String(entry.uid), gid: String(entry.gid)}}
        : {}),
    };
    if ('folder' in entry) {
      pack.entry({...header, type: 'directory'});
    } else {
      const data = typeof entry.data === 'string' ? entry.data : Buffer.from(entry.data);
      pack.entry({...header, type: 'file'}, data);
    }
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What a session's volumes are made from. */
export interface SessionVolumesSpec {
  /** The session's image (the stager is created from it; its `/etc` is copied). */
  image: string;
  /** Labels of the volumes and the stagers (owner, managed). */
  labels: Record<string, string>;
  /** The session's ids inside the container. */
  uid: number;
  gid: number;
  /** The kernel folder's files (`kernel.py`, `interpreter.py`, `seccomp.bpf`). */
  kernelFiles: ReadonlyArray<readonly [string, Buffer]>;
  /** The session's `/etc/passwd` and `/etc/group`. */
  passwd: string;
  group: string;
  /** Whether `/work` is a volume (no tmpfs quota) rather than a tmpfs. */
  workVolume: boolean;
}

/** Files the session's user may read but not change: owned by root, group the session's. */
const READ_ONLY_MODE = 0o640;
const READ_ONLY_FOLDER_MODE = 0o750;

function statusCode(error: unknown): number | undefined {
  return (error as {statusCode?: number} | undefined)?.statusCode;
}

/**
 * The volumes of one Docker session. {@link SessionVolumes.create} makes and fills them;
 * {@link putFiles} adds files (input files) while the session runs; {@link remove} deletes them.
 */
export class SessionVolumes {
  /** The volume names, by role. */
  readonly names: SessionVolumeNames;
  /** Bytes uploaded through the archive API so far (the kernel folder and input files). */
  uploadedBytes = 0;

  private constructor(
    private readonly docker: Docker,
    private readonly spec: SessionVolumesSpec,
    names: SessionVolumeNames,
  ) {
    this.names = names;
  }

  /**
   * Creates the session's volumes and uploads the kernel folder and `passwd`/`group` through one
   * stager. On failure the volumes created so far are removed.
   */
  static async create(docker: Docker, spec: SessionVolumesSpec): Promise<SessionVolumes> {
    const id = randomBytes(8).toString('hex');
    const names: SessionVolumeNames = {
      kernel: `adk-coding-agent-${id}-kernel`,
      etc: `adk-coding-agent-${id}-etc`,
      input: `adk-coding-agent-${id}-input`,
      ...(spec.workVolume ? {work: `adk-coding-agent-${id}-work`} : {}),
    };
    const volumes = new SessionVolumes(docker, spec, names);
    try {
      await Promise.all(
        Object.entries(names).map(([role, name]) =>
          docker.createVolume({Name: name, Labels: {...spec.labels, [VOLUME_ROLE_LABEL]: role}}),
        ),
      );
      const {uid, gid} = spec;
      const kernelDir = SANDBOX_LAYOUT.kernelDir.slice(1);
      const archive = await tarArchive([
        // The image's /etc is already in the volume (copied when the stager was created).
        {name: 'etc/passwd', data: spec.passwd, mode: 0o644, uid: 0, gid: 0},
        {name: 'etc/group', data: spec.group, mode: 0o644, uid: 0, gid: 0},
        ...spec.kernelFiles.map(([name, data]) => ({
          name: `${kernelDir}/${name}`,
          data,
          mode: READ_ONLY_MODE,
          uid: 0,
          gid,
        })),
        // A folder entry sets the volume's root (the mount point): a work volume belongs to the
        // session's user; the kernel and input folders to root, listable by the session's group
        // only (not by other users of the daemon's machine).
        ...(names.work
          ? [
              {
                name: `${SANDBOX_LAYOUT.work.slice(1)}/`,
                folder: true as const,
                mode: 0o700,
                uid,
                gid,
              },
            ]
          : []),
        {name: `${kernelDir}/`, folder: true, mode: READ_ONLY_FOLDER_MODE, uid: 0, gid},
        {
          name: `${SANDBOX_LAYOUT.input.slice(1)}/`,
          folder: true,
          mode: READ_ONLY_FOLDER_MODE,
          uid: 0,
          gid,
        },
      ]);
      await volumes.upload('/', archive, {copyEtc: true});
      return volumes;
    } catch (error) {
      await volumes.remove().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Uploads files into one of the session's read-only folders: `input` (`/work/input`, the input
   * files) or `kernel` (`/opt/coding-agent`, e.g. bytes the kernel is to read at start, such as a
   * snapshot to restore). This is the one way bytes enter a Docker session from the host; bytes
   * leave it on the kernel's stream (results, output files, figures). Each file is owned by root
   * and readable by the session's group: snippets can read it, not change it. Names are plain
   * relative paths (checked by the caller). Docker writes each file in place: a snippet reading a
   * file while it is being uploaded may see part of it.
   */
  async putFiles(
    folder: 'input' | 'kernel',
    files: ReadonlyArray<{name: string; data: Uint8Array}>,
  ): Promise<void> {
    const archive = await tarArchive(
      files.map((file) => ({
        name: file.name,
        data: file.data,
        mode: READ_ONLY_MODE,
        uid: 0,
        gid: this.spec.gid,
      })),
    );
    const path = folder === 'input' ? SANDBOX_LAYOUT.input : SANDBOX_LAYOUT.kernelDir;
    await this.upload(path, archive, {copyEtc: false});
  }

  /**
   * Extracts `archive` at `path` through a stager: a container created (never started) with the
   * session's volumes mounted read-write, removed afterwards. With `copyEtc`, the `/etc` volume
   * is mounted at `/etc` so that Docker copies the image's `/etc` into it while still empty.
   */
  private async upload(path: string, archive: Buffer, options: {copyEtc: boolean}): Promise<void> {
    const layout = SANDBOX_LAYOUT;
    const mounts: Docker.MountSettings[] = [
      ...(options.copyEtc
        ? [{Type: 'volume' as const, Source: this.names.etc, Target: '/etc'}]
        : []),
      {Type: 'volume' as const, Source: this.names.kernel, Target: layout.kernelDir},
      ...(this.names.work
        ? [{Type: 'volume' as const, Source: this.names.work, Target: layout.work}]
        : []),
      {Type: 'volume' as const, Source: this.names.input, Target: layout.input},
    ];
    const stager = await this.docker.createContainer({
      Image: this.spec.image,
      Entrypoint: [],
      Cmd: ['/bin/false'],
      Labels: this.spec.labels,
      NetworkDisabled: true,
      HostConfig: {NetworkMode: 'none', Mounts: mounts, AutoRemove: false},
    });
    try {
      await stager.putArchive(archive, {path, noOverwriteDirNonDir: 'true'});
      this.uploadedBytes += archive.length;
    } finally {
      await stager.remove({force: true}).catch((error: unknown) => {
        if (statusCode(error) !== 404) throw error;
      });
    }
  }

  /**
   * Removes the volumes (idempotent; a volume already gone is fine). A volume still in use (a
   * container being removed) is retried for a few seconds, then left to the reaper.
   */
  async remove(): Promise<void> {
    await Promise.all(Object.values(this.names).map((name) => this.removeVolume(name)));
  }

  private async removeVolume(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.docker.getVolume(name).remove();
        return;
      } catch (error) {
        const code = statusCode(error);
        if (code === 404) return;
        if (code !== 409 || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
}
