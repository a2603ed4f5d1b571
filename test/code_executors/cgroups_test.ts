/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Session-wide limits of bubblewrap sandboxes. The decision (v2 delegated, v1 as root, or none)
 * is checked on made-up `/proc/self/cgroup` and mount tables, v2 included (this machine is v1);
 * the rest on the real host: each sandbox's cgroup holds the profile's limits and disappears
 * with it, and a host without cgroups warns once, or refuses with `requireResourceLimits`.
 */

import {existsSync, readFileSync} from 'node:fs';

import {describe, expect, it} from 'vitest';

import {
  hostView,
  planCgroups,
  type CgroupHostView,
} from '../../src/code_executors/bubblewrap/cgroups.js';
import {ownTag} from '../../src/utils/process_identity.js';
import {runHostProcess} from '../helpers/host_process.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;
const hostIsRoot = process.getuid?.() === 0;
const realPlan = planCgroups(hostView());

/** A mountinfo line for a cgroup mount. */
function mountLine(id: number, root: string, point: string, type: string, options: string) {
  return `${id} 1 0:${id} ${root} ${point} rw,nosuid,nodev,noexec,relatime shared:${id} - ${type} ${type === 'cgroup2' ? 'cgroup2' : 'cgroup'} ${options}`;
}

/** A host with the given files (contents) and writable paths. */
function view(
  procSelfCgroup: string,
  mounts: string[],
  files: Record<string, string>,
  writable: (path: string) => boolean,
  hostHasSwap = false,
): CgroupHostView {
  return {
    procSelfCgroup,
    mountinfo: [
      '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
      ...mounts,
      '30 22 0:5 / /proc rw,nosuid shared:5 - proc proc rw',
    ].join('\n'),
    pid: 4242,
    hostHasSwap,
    readFile: (path) => files[path],
    writable,
  };
}

const V1_CGROUP = [
  '9:name=systemd:/',
  '8:pids:/',
  '4:memory:/process_api/abc',
  '2:cpuacct:/',
  '1:cpu:/',
  '0::/',
].join('\n');
const V1_MOUNTS = [
  mountLine(31, '/', '/sys/fs/cgroup/cpu', 'cgroup', 'rw,cpu'),
  mountLine(32, '/', '/sys/fs/cgroup/cpuacct', 'cgroup', 'rw,cpuacct'),
  mountLine(33, '/', '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
  mountLine(34, '/', '/sys/fs/cgroup/pids', 'cgroup', 'rw,pids'),
  mountLine(35, '/', '/sys/fs/cgroup/unified', 'cgroup2', 'rw'),
];
const V1_FILES = {
  '/sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb\n',
  '/sys/fs/cgroup/memory/process_api/abc/memory.memsw.limit_in_bytes': '9223372036854771712\n',
};

const SCOPE = '/user.slice/user-1000.slice/user@1000.service/app.slice/app-term.scope';
const V2_DIR = `/sys/fs/cgroup${SCOPE}`;
const V2_MOUNTS = [mountLine(31, '/', '/sys/fs/cgroup', 'cgroup2', 'rw,nsdelegate')];
const v2Files = (procs: string, controllers = 'cpuset cpu io memory pids') => ({
  [`${V2_DIR}/cgroup.controllers`]: `${controllers}\n`,
  [`${V2_DIR}/cgroup.procs`]: procs,
  [`${V2_DIR}/cgroup.subtree_control`]: '\n',
  [`${V2_DIR}/memory.swap.max`]: 'max\n',
});

describe('cgroup decision', () => {
  it('uses the v1 hierarchies below this process on a root host with v1 controllers', () => {
    const decision = planCgroups(view(V1_CGROUP, V1_MOUNTS, V1_FILES, () => true));
    expect(decision).toEqual({
      plan: {
        version: 1,
        parents: {
          memory: '/sys/fs/cgroup/memory/process_api/abc',
          cpu: '/sys/fs/cgroup/cpu',
          pids: '/sys/fs/cgroup/pids',
        },
        controllers: ['memory', 'cpu', 'pids'],
        swap: true,
      },
      unlimited: [],
    });
  });

  it('names what stays unlimited when v1 is not writable (not root)', () => {
    const decision = planCgroups(view(V1_CGROUP, V1_MOUNTS, V1_FILES, () => false));
    expect(decision.plan).toEqual({version: 0});
    expect(decision.unlimited).toEqual(['memory', 'CPU', 'process count']);
    expect(decision.reason).toContain('is not writable (cgroup v1 needs root)');
  });

  it('counts swap as unlimited when v1 has no memsw and the host swaps', () => {
    const files = {'/sys/fs/cgroup/unified/cgroup.controllers': ''};
    const decision = planCgroups(view(V1_CGROUP, V1_MOUNTS, files, () => true, true));
    expect(decision.plan).toMatchObject({version: 1, swap: false});
    expect(decision.unlimited).toEqual(['swap']);
  });

  it('uses a delegated v2 cgroup: moves this process into a leaf, sandboxes beside it', () => {
    const decision = planCgroups(view(`0::${SCOPE}`, V2_MOUNTS, v2Files('4242\n'), () => true));
    expect(decision).toEqual({
      plan: {
        version: 2,
        parent: V2_DIR,
        moveTo: `${V2_DIR}/adk-coding-agent-${ownTag()}-host`,
        enable: ['memory', 'cpu', 'pids'],
        controllers: ['memory', 'cpu', 'pids'],
        swap: true,
      },
      unlimited: [],
    });
  });

  it('refuses a v2 cgroup that is not delegated, or that other processes share', () => {
    const notMine = planCgroups(view(`0::${SCOPE}`, V2_MOUNTS, v2Files('4242\n'), () => false));
    expect(notMine.plan).toEqual({version: 0});
    expect(notMine.reason).toContain(`cgroup v2 ${V2_DIR} is not delegated to this user`);
    const shared = planCgroups(view(`0::${SCOPE}`, V2_MOUNTS, v2Files('4242\n977\n'), () => true));
    expect(shared.plan).toEqual({version: 0});
    expect(shared.unlimited).toEqual(['memory', 'CPU', 'process count']);
    expect(shared.reason).toContain('holds other processes besides this one');
  });

  it('creates below the v2 root cgroup without moving (the root may hold processes)', () => {
    const files = {
      '/sys/fs/cgroup/cgroup.controllers': 'cpu memory pids\n',
      '/sys/fs/cgroup/cgroup.procs': '1\n4242\n',
      '/sys/fs/cgroup/cgroup.subtree_control': 'memory\n',
    };
    const decision = planCgroups(view('0::/', V2_MOUNTS, files, () => true));
    expect(decision.plan).toEqual({
      version: 2,
      parent: '/sys/fs/cgroup',
      enable: ['cpu', 'pids'],
      controllers: ['memory', 'cpu', 'pids'],
      swap: true,
    });
  });

  it('limits what a v2 cgroup offers and names the rest', () => {
    const files = v2Files('4242\n', 'memory pids');
    const decision = planCgroups(view(`0::${SCOPE}`, V2_MOUNTS, files, () => true));
    expect(decision.plan).toMatchObject({version: 2, controllers: ['memory', 'pids']});
    expect(decision.unlimited).toEqual(['CPU']);
    expect(decision.reason).toBe(`cgroup v2 ${V2_DIR} offers only memory, pids`);
  });

  it('finds a cgroup through a mount of a subtree (a cgroup namespace view)', () => {
    const mounts = [mountLine(31, '/user.slice', '/mnt/cg', 'cgroup2', 'rw')];
    const dir = '/mnt/cg/user-1000.slice/x.scope';
    const files = {
      [`${dir}/cgroup.controllers`]: 'memory cpu pids\n',
      [`${dir}/cgroup.procs`]: '4242\n',
      [`${dir}/cgroup.subtree_control`]: '',
    };
    const decision = planCgroups(
      view('0::/user.slice/user-1000.slice/x.scope', mounts, files, () => true),
    );
    expect(decision.plan).toMatchObject({version: 2, parent: dir});
  });

  it('prefers v2 on a hybrid host only when it limits at least as much', () => {
    const mounts = [
      ...V1_MOUNTS.slice(0, 4),
      mountLine(35, '/', '/sys/fs/cgroup/unified', 'cgroup2', 'rw'),
    ];
    const files = {
      ...V1_FILES,
      '/sys/fs/cgroup/unified/cgroup.controllers': 'memory pids cpu\n',
      '/sys/fs/cgroup/unified/cgroup.procs': '4242\n',
      '/sys/fs/cgroup/unified/cgroup.subtree_control': '',
    };
    const decision = planCgroups(view(V1_CGROUP, mounts, files, () => true));
    expect(decision.plan).toMatchObject({version: 2, parent: '/sys/fs/cgroup/unified'});
  });
});

describe.skipIf(bwrap.skipReason !== undefined)(`bubblewrap cgroups: ${bwrap.title}`, () => {
  it.skipIf(realPlan.plan.version === 0)(
    `gives each sandbox a cgroup with the session limits, removed with it (${realPlan.reason ?? `v${realPlan.plan.version}`})`,
    async () => {
      const executor = bwrap.create({memoryLimit: '384m', cpus: 0.25, pidsLimit: 48});
      let folders: string[] = [];
      try {
        const session = await executor.getSession('limits', {authorizedImports: []});
        // The kernel process (in the sandbox's pid namespace) is in the sandbox's cgroup.
        const kernel = Number((await session.execute({code: '6 * 7'})).value) && session.pid!;
        folders = cgroupFolders(kernel);
        expect(folders.length).toBeGreaterThan(0);
        const read = (file: string) =>
          folders.map((f) => `${f}/${file}`).find(existsSync) ?? 'missing';
        if (realPlan.plan.version === 1) {
          expect(readFileSync(read('memory.limit_in_bytes'), 'utf8').trim()).toBe(
            String(384 * 1024 ** 2),
          );
          expect(readFileSync(read('cpu.cfs_quota_us'), 'utf8').trim()).toBe('25000');
        } else {
          expect(readFileSync(read('memory.max'), 'utf8').trim()).toBe(String(384 * 1024 ** 2));
          expect(readFileSync(read('cpu.max'), 'utf8').trim()).toBe('25000 100000');
        }
        expect(readFileSync(read('pids.max'), 'utf8').trim()).toBe('48');
      } finally {
        await executor.dispose();
      }
      expect(folders.filter(existsSync)).toEqual([]);
    },
  );

  it.skipIf(!hostIsRoot)(
    'a host without cgroups warns once naming what is unlimited; requireResourceLimits refuses',
    async () => {
      // An unused uid: it can run bwrap (user namespaces) but write no v1 cgroup.
      const warned = await runHostProcess('bubblewrap', 'start', {}, 0x6ffe1234);
      expect(warned.value).toBe('42');
      expect(warned.warnings).toHaveLength(1);
      expect(warned.warnings[0]).toMatch(
        /^adk-coding-agent: bubblewrap sessions run without the session-wide memory, CPU and process count limits \(.+\); each process still gets a MemoryError/,
      );
      expect(warned.warnings[0].split('\n')).toHaveLength(1);
      const refused = await runHostProcess(
        'bubblewrap',
        'start',
        {requireResourceLimits: true},
        0x6ffe1234,
      );
      expect(refused.value).toBeUndefined();
      expect(refused.error).toMatch(
        /^bubblewrap cannot apply the session-wide memory, CPU and process count limits here \(.+\); requireResourceLimits is set$/,
      );
    },
  );
});

/** The cgroup folders of `pid` under /sys/fs/cgroup, one per hierarchy of ours. */
function cgroupFolders(pid: number): string[] {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  return lines
    .map((line) => /^\d+:([^:]*):(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[2].includes('adk-coding-agent-'))
    .map((m) => {
      const controller = m[1].split(',').find((c) => ['memory', 'cpu', 'pids'].includes(c));
      return controller ? `/sys/fs/cgroup/${controller}${m[2]}` : `/sys/fs/cgroup${m[2]}`;
    });
}
