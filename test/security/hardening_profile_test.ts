/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The hardening profile and its two translations, on exact output: the bwrap argument list and
 * the Docker create-container body for one profile, so a limit added to the profile shows up in
 * both (or a test fails), and both backends read the same options the same way.
 */

import {describe, expect, it} from 'vitest';

import {BWRAP_TRANSLATION, bwrapArgs} from '../../src/code_executors/bubblewrap/bwrap_args.js';
import {
  DOCKER_TRANSLATION,
  containerConfig,
  containerKernelCommand,
} from '../../src/code_executors/docker/container_config.js';
import {BubblewrapCodeExecutor} from '../../src/code_executors/bubblewrap/bubblewrap_code_executor.js';
import {ContainerCodeExecutor} from '../../src/code_executors/docker/container_code_executor.js';
import {
  DEFAULT_SANDBOX_ENV,
  MASKED_PATHS,
  isRoot,
  outOfMemoryReason,
  resolveHardeningProfile,
} from '../../src/security/hardening_profile.js';

const MiB = 1024 ** 2;
const profile = resolveHardeningProfile({
  memoryLimit: '1g',
  cpus: 0.5,
  pidsLimit: 64,
  tmpSize: '8m',
  workSize: '16m',
  shmSize: '2m',
});
const host = {
  etcFiles: ['/etc/ld.so.cache'],
  disableUserns: true,
  masked: [
    {path: '/proc/cmdline', kind: 'file' as const},
    {path: '/proc/acpi', kind: 'dir' as const},
  ],
  emptyFd: 4,
};
const bwrapSession = {
  passwd: '/s/etc/passwd',
  group: '/s/etc/group',
  hosts: '/s/etc/hosts',
  kernel: '/s/kernel',
  inputDir: '/s/input',
  workDir: '/s/work',
  seccompFd: 5,
};
const dockerSession = {
  image: 'img',
  command: containerKernelCommand(profile, '/usr/bin/python3', ['--x']),
  uid: 1000,
  gid: 1001,
  volumes: {kernel: 'v-kernel', etc: 'v-etc', input: 'v-input', work: 'v-work'},
  labels: {a: 'b'},
};
/** A named volume mount as the Docker translation writes it. */
const volumeMount = (source: string, target: string, readOnly: boolean) => ({
  Type: 'volume',
  Source: source,
  Target: target,
  ReadOnly: readOnly,
  VolumeOptions: {NoCopy: true},
});
const ENV_ARGS = Object.entries(DEFAULT_SANDBOX_ENV).flatMap(([k, v]) => ['--setenv', k, v]);
/** The read-only root: `/usr` and the /etc files, from the host or a root filesystem `r`. */
const rootArgs = (r = '') => [
  ...['--ro-bind', `${r}/usr`, '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64'],
  ...['/lib64', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/sbin', '/sbin'],
  ...['--ro-bind-try', `${r}/etc/ld.so.cache`, '/etc/ld.so.cache'],
];
const PROC_DEV_TMP_ARGS = [
  ...['--proc', '/proc', '--ro-bind-data', '4', '/proc/cmdline'],
  ...['--tmpfs', '/proc/acpi', '--remount-ro', '/proc/acpi'],
  ...['--dev', '/dev', '--size', String(2 * MiB), '--tmpfs', '/dev/shm', '--remount-ro', '/dev'],
  ...['--size', String(8 * MiB), '--tmpfs', '/tmp'],
];
const NAMESPACE_ARGS = [
  ...['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent'],
  ...['--new-session', '--hostname', 'sandbox', '--clearenv'],
];

describe('hardening profile', () => {
  it('has the same defaults on both backends, matching Docker: 2 GiB, 1 CPU, 256 processes', () => {
    const defaults = resolveHardeningProfile({});
    expect(defaults.session).toEqual({memoryBytes: 2 * 1024 ** 3, cpus: 1, pids: 256});
    expect(defaults.tmpfs).toEqual({tmp: 256 * MiB, work: 1024 * MiB, shm: 64 * MiB});
    // The per-process MemoryError comes just below the session's limit.
    expect(defaults.rlimits.memoryBytes).toBe(Math.floor(2 * 1024 ** 3 * 0.9));
    expect(defaults.rlimits).toMatchObject({fileBytes: 1024 ** 3, openFiles: 1024});
    expect(defaults.rlimits.processes).toBe(isRoot() ? 256 : 0);
    expect(defaults.user).toEqual(
      isRoot()
        ? {uid: 'per-session', gid: 'per-session'}
        : {uid: process.getuid!(), gid: process.getgid!()},
    );
    const bwrap = new BubblewrapCodeExecutor();
    const docker = new ContainerCodeExecutor();
    expect(bwrap.profile).toEqual(docker.profile);
    const sized = {memoryLimit: '512m', cpus: 2, pidsLimit: 32, shmSize: '8m'};
    expect(new BubblewrapCodeExecutor(sized).profile).toEqual(
      new ContainerCodeExecutor(sized).profile,
    );
    expect(new BubblewrapCodeExecutor(sized).profile.rlimits.memoryBytes).toBe(
      Math.floor(512 * MiB * 0.9),
    );
  });

  it('rejects bad values naming the option, on both backends', () => {
    const cases: Array<[object, RegExp]> = [
      [{memoryLimit: 'lots'}, /^memoryLimit must be bytes or a size like "512m"/],
      [{memoryLimit: '1m'}, /^memoryLimit must be at least 16 MiB/],
      [{cpus: 0}, /^cpus must be a number of CPUs from 0.01 to 1024, got 0/],
      [{cpus: '2'}, /^cpus must be a number of CPUs/],
      [{pidsLimit: 4}, /^pidsLimit must be an integer of at least 8, got 4/],
      [{shmSize: 100}, /^shmSize must be at least 1 MiB, got 100/],
      [{workSize: 'x'}, /^workSize must be bytes or a size/],
    ];
    for (const [options, message] of cases) {
      expect(() => new BubblewrapCodeExecutor(options), JSON.stringify(options)).toThrow(message);
      expect(() => new ContainerCodeExecutor(options), JSON.stringify(options)).toThrow(message);
    }
    expect(() => new ContainerCodeExecutor({user: '0:0'})).toThrow(/uid other than 0/);
  });

  it('reads out of memory the same way on both backends', () => {
    expect(outOfMemoryReason(512 * MiB)).toBe(
      "out of memory: the session's 512 MiB memory limit was reached",
    );
  });

  it('is translated field by field by both backends', () => {
    const fields = Object.keys(profile).sort();
    expect(Object.keys(BWRAP_TRANSLATION).sort()).toEqual(fields);
    expect(Object.keys(DOCKER_TRANSLATION).sort()).toEqual(fields);
  });
});

describe('bubblewrap translation', () => {
  it('gives the exact argument list of a session', () => {
    expect(bwrapArgs(profile, host, bwrapSession)).toEqual([
      ...NAMESPACE_ARGS,
      ...ENV_ARGS,
      ...rootArgs(),
      ...PROC_DEV_TMP_ARGS,
      ...['--ro-bind', '/s/etc/passwd', '/etc/passwd', '--ro-bind', '/s/etc/group', '/etc/group'],
      ...['--ro-bind', '/s/etc/hosts', '/etc/hosts'],
      ...['--size', String(16 * MiB), '--tmpfs', '/work'],
      ...['--ro-bind', '/s/input', '/work/input'],
      ...['--ro-bind', '/s/kernel', '/opt/coding-agent'],
      ...['--remount-ro', '/', '--chdir', '/work', '--seccomp', '5'],
    ]);
  });

  it('gives the probe the same sandbox without the session files', () => {
    expect(bwrapArgs(profile, {...host, rootfs: '/r', disableUserns: false})).toEqual([
      ...NAMESPACE_ARGS.filter((arg) => arg !== '--disable-userns'),
      ...ENV_ARGS,
      ...rootArgs('/r'),
      ...PROC_DEV_TMP_ARGS,
      ...['--remount-ro', '/', '--chdir', '/'],
    ]);
  });

  it('binds the host work folder without a quota, and refuses what bubblewrap cannot do', () => {
    const unquoted = resolveHardeningProfile({workSize: false, seccomp: false});
    const args = bwrapArgs(unquoted, host, bwrapSession);
    expect(args.join(' ')).toContain('--bind /s/work /work --ro-bind /s/input /work/input');
    expect(args).not.toContain('--seccomp');
    expect(() => bwrapArgs({...profile, network: 'bridge'}, host)).toThrow(/no network/);
    expect(() => bwrapArgs({...profile, capDrop: ['NET_RAW']}, host)).toThrow(/capDrop/);
  });
});

describe('workspace translations', () => {
  it('bubblewrap: the host folder read-only, or the session copy read-write, before the input', () => {
    const at = (readOnly: boolean, path: string) =>
      bwrapArgs(profile, host, {...bwrapSession, workspace: {readOnly, path}});
    const tail = [
      ...['--ro-bind', '/s/input', '/work/input', '--ro-bind', '/s/kernel', '/opt/coding-agent'],
      ...['--remount-ro', '/', '--chdir', '/work', '--seccomp', '5'],
    ];
    expect(at(true, '/home/me/repo').slice(-19)).toEqual([
      ...['--size', String(16 * MiB), '--tmpfs', '/work'],
      ...['--ro-bind', '/home/me/repo', '/work/workspace'],
      ...tail,
    ]);
    expect(at(false, '/s/workspace').slice(-19)).toEqual([
      ...['--size', String(16 * MiB), '--tmpfs', '/work'],
      ...['--bind', '/s/workspace', '/work/workspace'],
      ...tail,
    ]);
  });

  it('Docker: a read-only bind of the host folder, or a tmpfs volume owned by the session, after the session volumes', () => {
    const readOnly = containerConfig(profile, {
      ...dockerSession,
      workspace: {readOnly: true, hostPath: '/home/me/repo'},
    });
    // The session's own volumes come first, as without a workspace (pinned below).
    const base = containerConfig(profile, dockerSession).HostConfig!.Mounts!;
    expect(readOnly.HostConfig?.Binds).toBeUndefined();
    expect(readOnly.HostConfig?.Mounts).toEqual([
      ...base,
      {Type: 'bind', Source: '/home/me/repo', Target: '/work/workspace', ReadOnly: true},
    ]);
    const copy = containerConfig(profile, {
      ...dockerSession,
      workspace: {readOnly: false, sizeBytes: 16 * MiB},
    });
    expect(copy.HostConfig?.Binds).toBeUndefined();
    expect(copy.HostConfig?.Mounts).toEqual([
      ...base,
      {
        Type: 'volume',
        Source: '',
        Target: '/work/workspace',
        VolumeOptions: {
          NoCopy: true,
          Labels: {},
          DriverConfig: {
            Name: 'local',
            Options: {
              type: 'tmpfs',
              device: 'tmpfs',
              o: `size=${16 * MiB},mode=0700,uid=1000,gid=1001,nosuid,nodev`,
            },
          },
        },
      },
    ]);
  });

  it('git in the sandbox reads a repository owned by the host user', () => {
    expect(DEFAULT_SANDBOX_ENV).toMatchObject({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: '*',
      GIT_OPTIONAL_LOCKS: '0',
    });
  });
});

describe('Docker translation', () => {
  it('gives the exact create-container body of a session', () => {
    expect(containerConfig(profile, dockerSession)).toEqual({
      Image: 'img',
      Cmd: [
        ...['/usr/bin/python3', '-I', '/opt/coding-agent/kernel.py', '--x'],
        ...['--seccomp-filter', '/opt/coding-agent/seccomp.bpf', '--output-dir', '/work/output'],
      ],
      Entrypoint: [],
      User: '1000:1001',
      Hostname: 'sandbox',
      WorkingDir: '/work',
      Env: Object.entries(DEFAULT_SANDBOX_ENV).map(([k, v]) => `${k}=${v}`),
      Labels: {a: 'b'},
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: true,
      StdinOnce: true,
      Tty: false,
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        // Named volumes only, never a folder of this machine: the daemon may be remote.
        Mounts: [
          volumeMount('v-kernel', '/opt/coding-agent', true),
          volumeMount('v-etc', '/etc', true),
          volumeMount('v-input', '/work/input', true),
        ],
        ReadonlyRootfs: true,
        Tmpfs: {
          '/tmp': `rw,nosuid,nodev,size=${8 * MiB},mode=1777`,
          '/work': `rw,nosuid,nodev,size=${16 * MiB},mode=0700,uid=1000,gid=1001`,
        },
        ShmSize: 2 * MiB,
        MaskedPaths: [...MASKED_PATHS],
        ReadonlyPaths: [
          '/proc/bus',
          '/proc/fs',
          '/proc/irq',
          '/proc/sys',
          '/proc/sysrq-trigger',
          '/dev',
        ],
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Memory: 1024 * MiB,
        MemorySwap: 1024 * MiB,
        NanoCpus: 500_000_000,
        PidsLimit: 64,
        Init: false,
        Runtime: undefined,
        AutoRemove: false,
      },
    });
  });

  it('mounts a work volume without a quota and drops the seccomp program when off', () => {
    const unquoted = resolveHardeningProfile({workSize: false, seccomp: false});
    const config = containerConfig(unquoted, dockerSession);
    expect(config.HostConfig?.Mounts).toEqual([
      volumeMount('v-kernel', '/opt/coding-agent', true),
      volumeMount('v-etc', '/etc', true),
      volumeMount('v-work', '/work', false),
      volumeMount('v-input', '/work/input', true),
    ]);
    expect(config.HostConfig?.Binds).toBeUndefined();
    expect(Object.keys(config.HostConfig?.Tmpfs ?? {})).toEqual(['/tmp']);
    const {work: _work, ...noWork} = dockerSession.volumes;
    expect(() => containerConfig(unquoted, {...dockerSession, volumes: noWork})).toThrow(
      /needs a work volume/,
    );
    expect(containerKernelCommand(unquoted, '/usr/bin/python3', [])).toEqual([
      ...['/usr/bin/python3', '-I', '/opt/coding-agent/kernel.py', '--output-dir', '/work/output'],
    ]);
  });

  it('masks the host facts that bubblewrap masks too', () => {
    for (const path of ['/proc/cmdline', '/proc/config.gz', '/proc/sys/kernel/random/boot_id']) {
      expect(MASKED_PATHS).toContain(path);
    }
  });
});
