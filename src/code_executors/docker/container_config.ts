/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The Docker translation of a {@link HardeningProfile}: a pure function from the profile and one
 * session's files to the Engine API's create-container body. The bubblewrap translation is
 * `bubblewrap/bwrap_args.ts`; both handle every field of the profile, checked at compile time.
 */

import type Docker from 'dockerode';

import type {HardeningProfile} from '../../security/hardening_profile.js';
import type {SessionVolumeNames} from './session_volumes.js';

/** Docker's default read-only paths (moby's oci.DefaultSpec), kept because setting them replaces them. */
const DOCKER_READONLY_PATHS = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** One session's container: what differs from one session (or kernel start) to the next. */
export interface ContainerSession {
  image: string;
  /** The kernel's command line. */
  command: string[];
  /** The session's host ids. */
  uid: number;
  gid: number;
  /**
   * The session's volumes on the daemon (see `session_volumes.ts`): no folder of this machine is
   * mounted, so the daemon may be remote. `work` is used when the profile gives `/work` no tmpfs
   * quota.
   */
  volumes: SessionVolumeNames;
  labels: Record<string, string>;
  /** The session's workspace, mounted at the layout's `workspace` (none when absent). */
  workspace?: ContainerWorkspace;
  /** OCI runtime (e.g. `runsc`); the daemon's default when undefined. */
  runtime?: string;
}

/**
 * A workspace as Docker mounts it: the host folder bind-mounted read-only, or an empty tmpfs
 * volume of `sizeBytes` owned by the session that the host fills with a copy (the archive API
 * sees volumes, not the container's tmpfs mounts).
 */
export type ContainerWorkspace =
  {readOnly: true; hostPath: string} | {readOnly: false; sizeBytes: number};

/**
 * How each profile field reaches Docker. A new field fails to compile until it is handled here
 * and in the bubblewrap translation.
 */
export const DOCKER_TRANSLATION: Readonly<Record<keyof HardeningProfile, string>> = {
  network: 'HostConfig.NetworkMode (none: NetworkDisabled too)',
  readOnlyRoot: 'HostConfig.ReadonlyRootfs',
  readOnlyDev: 'HostConfig.ReadonlyPaths /dev (its submounts, /dev/shm among them, stay)',
  layout:
    'mount points (session volumes, read-only but /work; the workspace: a read-only bind, or a tmpfs volume the host fills), WorkingDir, the kernel command',
  tmpfs: 'HostConfig.Tmpfs and HostConfig.ShmSize',
  session: 'HostConfig.Memory, MemorySwap (equal: no swap), NanoCpus, PidsLimit',
  rlimits: 'kernel arguments (the kernel sets them on itself)',
  seccomp: 'the kernel loads the program (in the kernel volume) before anything runs',
  capDrop: 'HostConfig.CapDrop',
  noNewPrivileges: 'HostConfig.SecurityOpt no-new-privileges',
  env: 'Env',
  user: 'User (the session ids) and the session passwd/group files (in the /etc volume)',
  maskedPaths: 'HostConfig.MaskedPaths',
  hostname: 'Hostname',
};

/** The create-container body of one session's kernel under `profile`. */
export function containerConfig(
  profile: HardeningProfile,
  session: ContainerSession,
): Docker.ContainerCreateOptions {
  const {layout, tmpfs} = profile;
  const {volumes} = session;
  // Named volumes only, filled through the archive API; NoCopy: nothing of the image is copied
  // into them at this container's start (the /etc volume got its copy when it was filled).
  const volume = (source: string, target: string, readOnly: boolean): Docker.MountSettings => ({
    Type: 'volume',
    Source: source,
    Target: target,
    ReadOnly: readOnly,
    // The Engine API takes NoCopy alone; dockerode's types ask for every field.
    VolumeOptions: {NoCopy: true} as Docker.MountSettings['VolumeOptions'],
  });
  const work: Docker.MountSettings[] = [];
  if (tmpfs.work === undefined) {
    if (volumes.work === undefined) throw new Error('/work without a quota needs a work volume');
    work.push(volume(volumes.work, layout.work, false));
  }
  const mounts = [
    volume(volumes.kernel, layout.kernelDir, true),
    volume(volumes.etc, '/etc', true),
    ...work,
    volume(volumes.input, layout.input, true),
    // A read-only workspace is the host folder itself: this needs a daemon on this machine.
    ...(session.workspace?.readOnly
      ? [
          {
            Type: 'bind' as const,
            Source: session.workspace.hostPath,
            Target: layout.workspace,
            ReadOnly: true,
          },
        ]
      : []),
  ];
  const owner = `uid=${session.uid},gid=${session.gid}`;
  const copy = session.workspace?.readOnly === false ? session.workspace : undefined;
  return {
    Image: session.image,
    Cmd: session.command,
    Entrypoint: [],
    User: `${session.uid}:${session.gid}`,
    Hostname: profile.hostname,
    WorkingDir: layout.work,
    Env: Object.entries(profile.env).map(([name, value]) => `${name}=${value}`),
    Labels: session.labels,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    // The kernel sees end-of-file, and exits, when the host's attach connection closes.
    StdinOnce: true,
    Tty: false,
    NetworkDisabled: profile.network === 'none',
    HostConfig: {
      NetworkMode: profile.network,
      Mounts: [
        ...mounts,
        ...(copy
          ? [
              {
                Type: 'volume' as const,
                // No name: an anonymous volume, removed with the container.
                Source: '',
                Target: layout.workspace,
                VolumeOptions: {
                  NoCopy: true,
                  Labels: {},
                  DriverConfig: {
                    Name: 'local',
                    Options: {
                      type: 'tmpfs',
                      device: 'tmpfs',
                      o: `size=${copy.sizeBytes},mode=0700,${owner},nosuid,nodev`,
                    },
                  },
                },
              },
            ]
          : []),
      ],
      ReadonlyRootfs: profile.readOnlyRoot,
      Tmpfs: {
        [layout.tmp]: `rw,nosuid,nodev,size=${tmpfs.tmp},mode=1777`,
        ...(tmpfs.work === undefined
          ? {}
          : {[layout.work]: `rw,nosuid,nodev,size=${tmpfs.work},mode=0700,${owner}`}),
      },
      ShmSize: tmpfs.shm,
      MaskedPaths: [...profile.maskedPaths],
      ReadonlyPaths: [...DOCKER_READONLY_PATHS, ...(profile.readOnlyDev ? ['/dev'] : [])],
      CapDrop: [...profile.capDrop],
      SecurityOpt: profile.noNewPrivileges ? ['no-new-privileges'] : [],
      Memory: profile.session.memoryBytes,
      MemorySwap: profile.session.memoryBytes,
      NanoCpus: Math.round(profile.session.cpus * 1e9),
      PidsLimit: profile.session.pids,
      // The kernel's supervisor is PID 1 (it reaps orphans): signals from inside cannot reach
      // it, and when it exits, at the end of the host's attach stream whatever the snippet did
      // to the interpreter, the container ends with everything in it.
      Init: false,
      Runtime: session.runtime,
      AutoRemove: false,
    },
  };
}

/**
 * The kernel's command line in a container: the interpreter, the kernel with its arguments, the
 * seccomp program it loads itself (when the profile has one), the output folder.
 */
export function containerKernelCommand(
  profile: HardeningProfile,
  python: string,
  kernelArgs: readonly string[],
): string[] {
  const {layout} = profile;
  return [
    python,
    '-I',
    layout.kernel,
    ...kernelArgs,
    ...(profile.seccomp ? ['--seccomp-filter', layout.seccompProgram] : []),
    '--output-dir',
    layout.output,
  ];
}
