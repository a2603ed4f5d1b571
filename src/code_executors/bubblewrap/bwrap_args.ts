/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The bubblewrap translation of a {@link HardeningProfile}: pure functions from the profile (and
 * what the host offers) to `bwrap` arguments. The Docker translation is
 * `docker/container_config.ts`; both handle every field of the profile, checked at compile time.
 */

import {join} from 'node:path';

import type {HardeningProfile} from '../../security/hardening_profile.js';

/** What this host offers the sandbox (found once per executor; see the executor's probe). */
export interface BwrapHost {
  /** A root filesystem folder to use instead of the host's `/usr` and `/etc` files. */
  rootfs?: string;
  /** `/etc` entries to bind read-only where present (from `rootfs` when set). */
  etcFiles: readonly string[];
  /** bubblewrap supports `--disable-userns` (0.8 and later). */
  disableUserns: boolean;
  /** The profile's masked paths that exist here under `/proc` (the sandbox has no `/sys`). */
  masked: readonly MaskedPath[];
  /** A descriptor that reads as empty (e.g. `/dev/null`), copied over each masked file. */
  emptyFd: number;
}

/** A host path to hide, and whether it is a file or a folder there. */
export interface MaskedPath {
  path: string;
  kind: 'file' | 'dir';
}

/** Host paths of one session's files (absent for the availability probe). */
export interface BwrapSession {
  /** The session's own `passwd`, `group` and `hosts` files. */
  passwd: string;
  group: string;
  hosts: string;
  /** The kernel's folder (mounted read-only). */
  kernel: string;
  /** The input folder (mounted read-only). */
  inputDir: string;
  /** The work folder (mounted when the profile gives `/work` no tmpfs quota). */
  workDir: string;
  /** Descriptor of the compiled seccomp program, when the profile loads one. */
  seccompFd?: number;
  /** The session's workspace, mounted at the layout's `workspace` (none when absent). */
  workspace?: BwrapWorkspace;
}

/**
 * A workspace as bubblewrap mounts it: the host folder read-only, or the session's private copy
 * read-write.
 */
export interface BwrapWorkspace {
  path: string;
  readOnly: boolean;
}

/**
 * How each profile field reaches bubblewrap. A new field fails to compile until it is handled
 * here and in the Docker translation.
 */
export const BWRAP_TRANSLATION: Readonly<Record<keyof HardeningProfile, string>> = {
  network: '--unshare-all (a private network namespace: loopback only)',
  readOnlyRoot: '--remount-ro / last',
  readOnlyDev: '--remount-ro /dev after /dev/shm',
  layout: 'mount points (the workspace: --ro-bind of the host folder, or --bind of its copy)',
  tmpfs: '--size N --tmpfs',
  session: 'a cgroup the sandbox joins before bwrap runs (cgroups.ts)',
  rlimits: 'kernel arguments (the kernel sets them on itself)',
  seccomp: '--seccomp FD',
  capDrop: 'bubblewrap keeps no capability (only ALL is accepted)',
  noNewPrivileges: 'bubblewrap always sets no_new_privs',
  env: '--clearenv, --setenv',
  user: "the spawned process's uid/gid and the session's passwd file",
  maskedPaths: '--ro-bind-data of an empty descriptor; --tmpfs + --remount-ro for folders',
  hostname: '--hostname',
};

/**
 * The `bwrap` options (before `--` and the command) that build the sandbox of `profile`.
 * Without `session`, the sandbox of the availability probe: the same, minus the session's files.
 *
 * @throws Error for a profile bubblewrap cannot apply (a network, kept capabilities).
 */
export function bwrapArgs(
  profile: HardeningProfile,
  host: BwrapHost,
  session?: BwrapSession,
): string[] {
  if (profile.network !== 'none') {
    throw new Error(`bubblewrap sandboxes have no network; got network ${profile.network}`);
  }
  if (profile.capDrop.length !== 1 || profile.capDrop[0] !== 'ALL') {
    throw new Error('bubblewrap sandboxes keep no capability: capDrop must be ALL');
  }
  if (!profile.noNewPrivileges) {
    throw new Error('bubblewrap always sets no_new_privs');
  }
  const {layout, tmpfs} = profile;
  const fromHost = (path: string) => (host.rootfs ? join(host.rootfs, path) : path);
  const args = [
    '--unshare-all',
    // Explicit, so --disable-userns is allowed and a missing user namespace is an error.
    '--unshare-user',
    ...(host.disableUserns ? ['--disable-userns'] : []),
    '--die-with-parent',
    '--new-session',
    '--hostname',
    profile.hostname,
    '--clearenv',
    ...Object.entries(profile.env).flatMap(([name, value]) => ['--setenv', name, value]),
    '--ro-bind',
    fromHost('/usr'),
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
    ...host.etcFiles.flatMap((path) => ['--ro-bind-try', fromHost(path), path]),
    '--proc',
    '/proc',
    ...host.masked.flatMap(({path, kind}) =>
      kind === 'file'
        ? ['--ro-bind-data', String(host.emptyFd), path]
        : ['--tmpfs', path, '--remount-ro', path],
    ),
    '--dev',
    '/dev',
    '--size',
    String(tmpfs.shm),
    '--tmpfs',
    layout.shm,
    ...(profile.readOnlyDev ? ['--remount-ro', '/dev'] : []),
    '--size',
    String(tmpfs.tmp),
    '--tmpfs',
    layout.tmp,
  ];
  if (session) {
    args.push(
      '--ro-bind',
      session.passwd,
      '/etc/passwd',
      '--ro-bind',
      session.group,
      '/etc/group',
      '--ro-bind',
      session.hosts,
      '/etc/hosts',
      ...(tmpfs.work === undefined
        ? ['--bind', session.workDir, layout.work]
        : ['--size', String(tmpfs.work), '--tmpfs', layout.work]),
      ...(session.workspace === undefined
        ? []
        : [
            session.workspace.readOnly ? '--ro-bind' : '--bind',
            session.workspace.path,
            layout.workspace,
          ]),
      '--ro-bind',
      session.inputDir,
      layout.input,
      '--ro-bind',
      session.kernel,
      layout.kernelDir,
    );
  }
  // Last: the sandbox's own root (a tmpfs holding the mount points) becomes read-only too.
  if (profile.readOnlyRoot) args.push('--remount-ro', '/');
  args.push('--chdir', session ? layout.work : '/');
  if (profile.seccomp && session?.seccompFd !== undefined) {
    args.push('--seccomp', String(session.seccompFd));
  }
  return args;
}
