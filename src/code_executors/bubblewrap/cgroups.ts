/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Session-wide limits for bubblewrap sandboxes: each kernel's sandbox gets a cgroup of its own,
 * below the cgroup this process belongs to, with the profile's memory (everything the session's
 * processes charge: private, shared, memfd and tmpfs pages; no swap on top), CPU quota and
 * process count, as Docker gives a container.
 *
 * Which cgroups can be used is decided once per process ({@link planCgroups}, pure, from
 * `/proc/self/cgroup` and `/proc/self/mountinfo`):
 *
 * - **v2** where this process's cgroup is delegated to it (writable; systemd user sessions,
 *   `systemd-run --user --scope -p Delegate=yes`, or root). v2 allows no processes in a cgroup
 *   whose children have controllers, so this process first moves into a leaf child of its own
 *   cgroup (never out of its subtree), and sandboxes are created beside that leaf.
 * - **v1** where the memory, cpu and pids hierarchies are writable (the host runs as root):
 *   one cgroup per hierarchy, below this process's own in each.
 *
 * The sandbox never writes a cgroup file: the host starts it behind a gate (a shell waiting for
 * one line on its stdin), writes its pid into the cgroup, then opens the gate, so bubblewrap and
 * everything it starts run inside the limits from their first instruction.
 */

import {accessSync, constants, readdirSync, readFileSync} from 'node:fs';
import {mkdir, readFile, rmdir, writeFile} from 'node:fs/promises';
import {join, posix} from 'node:path';

import type {SessionLimits} from '../../security/hardening_profile.js';
import {isTagGone, ownTag} from '../../utils/process_identity.js';

/** The cgroup controllers a session is limited by. */
export type Controller = 'memory' | 'cpu' | 'pids';
const CONTROLLERS: readonly Controller[] = ['memory', 'cpu', 'pids'];

/** What each controller limits, for messages. */
const LIMITS_OF: Record<Controller, string> = {
  memory: 'memory',
  cpu: 'CPU',
  pids: 'process count',
};

/** Prefix of every cgroup this package creates: `adk-coding-agent-<owner tag>-<name>`. */
const NAME_PREFIX = 'adk-coding-agent-';
const NAME_PATTERN = /^adk-coding-agent-(\d+(?:\.\d+)?)-[a-z0-9]+$/;

/** What {@link planCgroups} reads from the host; tests pass made-up tables. */
export interface CgroupHostView {
  /** `/proc/self/cgroup`. */
  procSelfCgroup: string;
  /** `/proc/self/mountinfo`. */
  mountinfo: string;
  /** This process's pid. */
  pid: number;
  /** The host has swap (SwapTotal > 0 in `/proc/meminfo`). */
  hostHasSwap: boolean;
  /** A file's contents, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** Whether this process may write `path`. */
  writable(path: string): boolean;
}

/** How this process can give sandboxes cgroups. */
export type CgroupPlan =
  | {
      version: 2;
      /** Where sandbox cgroups are created (this process's cgroup). */
      parent: string;
      /** A leaf this process moves into first (v2 allows no processes beside controllers). */
      moveTo?: string;
      /** Controllers to enable in `parent`'s `cgroup.subtree_control`. */
      enable: Controller[];
      controllers: Controller[];
      /** `memory.swap.max` exists (swap can be refused). */
      swap: boolean;
    }
  | {
      version: 1;
      /** This process's cgroup in each usable hierarchy. */
      parents: Partial<Record<Controller, string>>;
      controllers: Controller[];
      /** `memory.memsw.limit_in_bytes` exists (memory + swap can be capped). */
      swap: boolean;
    }
  | {version: 0};

/** The plan, and what stays unlimited with it (and why). */
export interface CgroupDecision {
  plan: CgroupPlan;
  /** What no cgroup limits here, e.g. `['memory', 'CPU', 'process count']`. Empty: all. */
  unlimited: string[];
  /** Why something is unlimited (one line). */
  reason?: string;
}

interface Mount {
  /** The file system's device (`major:minor`): one per mounted file system, whatever its paths. */
  device: string;
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** Parses `/proc/self/mountinfo` (see proc(5)); octal escapes such as `\040` are decoded. */
export function parseMountinfo(text: string): Mount[] {
  const unescape = (value: string) =>
    value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 4) continue;
    mounts.push({
      device: fields[2],
      root: unescape(fields[3]),
      mountPoint: unescape(fields[4]),
      fsType: fields[dash + 1],
      superOptions: fields[dash + 3].split(','),
    });
  }
  return mounts;
}

/** One line of `/proc/self/cgroup`: hierarchy id, its controllers (none on v2), the path. */
export interface ProcCgroupEntry {
  id: number;
  controllers: string[];
  path: string;
}

/** Parses `/proc/self/cgroup`. */
export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  return text
    .split('\n')
    .map((line) => /^(\d+):([^:]*):(.*)$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({
      id: Number(match[1]),
      controllers: match[2] ? match[2].split(',') : [],
      path: match[3],
    }));
}

/** The folder of cgroup `path` under a hierarchy's mount, or undefined when it is not visible. */
function cgroupDir(mount: Mount, path: string): string | undefined {
  const root = mount.root === '/' ? '' : mount.root;
  if (path !== root && !path.startsWith(`${root}/`) && root !== '') return undefined;
  const below = path.slice(root.length);
  return below === '' || below === '/' ? mount.mountPoint : posix.join(mount.mountPoint, below);
}

/**
 * Decides how sandboxes get cgroups here: v2 when this process's v2 cgroup is delegated to it
 * with the controllers, else v1 where the hierarchies are writable, else none; whichever limits
 * more (v2 on a tie). Pure: everything comes from `view`.
 */
export function planCgroups(view: CgroupHostView): CgroupDecision {
  const mounts = parseMountinfo(view.mountinfo);
  const groups = parseProcCgroup(view.procSelfCgroup);
  const v2 = planV2(view, mounts, groups);
  const v1 = planV1(view, mounts, groups);
  const best =
    v2.plan.version === 2 &&
    (v1.plan.version !== 1 || v2.plan.controllers.length >= v1.plan.controllers.length)
      ? v2
      : v1.plan.version === 1
        ? v1
        : v2.plan.version === 2
          ? v2
          : undefined;
  if (!best) {
    return {
      plan: {version: 0},
      unlimited: CONTROLLERS.map((c) => LIMITS_OF[c]),
      reason: [v2.reason, v1.reason].filter(Boolean).join('; '),
    };
  }
  const plan = best.plan as Exclude<CgroupPlan, {version: 0}>;
  const unlimited = CONTROLLERS.filter((c) => !plan.controllers.includes(c)).map(
    (c) => LIMITS_OF[c],
  );
  if (plan.controllers.includes('memory') && !plan.swap && view.hostHasSwap) unlimited.push('swap');
  return {plan, unlimited, ...(unlimited.length > 0 ? {reason: best.reason} : {})};
}

interface Candidate {
  plan: CgroupPlan;
  reason?: string;
}

function planV2(view: CgroupHostView, mounts: Mount[], groups: ProcCgroupEntry[]): Candidate {
  const none = (reason: string): Candidate => ({plan: {version: 0}, reason});
  const unified = groups.find((group) => group.id === 0 && group.controllers.length === 0);
  if (!unified) return none('no cgroup v2 hierarchy');
  const dir = mounts
    .filter((mount) => mount.fsType === 'cgroup2')
    .map((mount) => cgroupDir(mount, unified.path))
    .find((candidate) => candidate !== undefined);
  if (!dir) return none('cgroup v2 is not mounted');
  const available = (view.readFile(join(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
  const controllers = CONTROLLERS.filter((c) => available.includes(c));
  if (controllers.length === 0) {
    return none(`cgroup v2 ${dir} offers none of the memory, cpu and pids controllers`);
  }
  for (const file of ['', 'cgroup.procs', 'cgroup.subtree_control']) {
    if (!view.writable(join(dir, file))) {
      return none(`cgroup v2 ${dir} is not delegated to this user (not writable)`);
    }
  }
  // The root cgroup may hold processes beside controllers; any other must not.
  const isRoot = unified.path === '/';
  const members = (view.readFile(join(dir, 'cgroup.procs')) ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const others = members.some((pid) => pid !== String(view.pid));
  if (others && !isRoot) {
    return none(
      `cgroup v2 ${dir} holds other processes besides this one (cgroup v2 allows none beside ` +
        'child cgroups with controllers): run the agent in a cgroup of its own, e.g. ' +
        '`systemd-run --user --scope -p Delegate=yes`',
    );
  }
  const enabled = (view.readFile(join(dir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
  return {
    plan: {
      version: 2,
      parent: dir,
      ...(others ? {} : {moveTo: join(dir, `${NAME_PREFIX}${ownTag()}-host`)}),
      enable: controllers.filter((c) => !enabled.includes(c)),
      controllers,
      // The root cgroup has no memory.* files of its own; its children do.
      swap: isRoot || view.readFile(join(dir, 'memory.swap.max')) !== undefined,
    },
    reason:
      controllers.length < CONTROLLERS.length
        ? `cgroup v2 ${dir} offers only ${controllers.join(', ')}`
        : undefined,
  };
}

function planV1(view: CgroupHostView, mounts: Mount[], groups: ProcCgroupEntry[]): Candidate {
  const parents: Partial<Record<Controller, string>> = {};
  const problems: string[] = [];
  for (const controller of CONTROLLERS) {
    const group = groups.find((g) => g.controllers.includes(controller));
    const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
    if (!group || !mount) continue;
    const dir = cgroupDir(mount, group.path);
    if (!dir) continue;
    if (view.writable(dir)) parents[controller] = dir;
    else problems.push(`${dir} is not writable (cgroup v1 needs root)`);
  }
  const controllers = CONTROLLERS.filter((c) => parents[c] !== undefined);
  if (controllers.length === 0) {
    return {
      plan: {version: 0},
      reason: problems[0] ?? 'no cgroup v1 hierarchy of memory, cpu or pids',
    };
  }
  const memory = parents.memory;
  return {
    plan: {
      version: 1,
      parents,
      controllers,
      swap:
        memory !== undefined &&
        view.readFile(join(memory, 'memory.memsw.limit_in_bytes')) !== undefined,
    },
    reason:
      controllers.length < CONTROLLERS.length
        ? (problems[0] ?? `cgroup v1 offers only ${controllers.join(', ')}`)
        : undefined,
  };
}

/** The real host, for {@link planCgroups}. */
export function hostView(): CgroupHostView {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const swap = /^SwapTotal:\s+(\d+)/m.exec(read('/proc/meminfo') ?? '');
  return {
    procSelfCgroup: read('/proc/self/cgroup') ?? '',
    mountinfo: read('/proc/self/mountinfo') ?? '',
    pid: process.pid,
    hostHasSwap: swap !== null && Number(swap[1]) > 0,
    readFile: read,
    writable: (path) => {
      try {
        accessSync(path, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * The cgroups this process gives its sandboxes. {@link open} prepares them once per process
 * (the v2 leaf move, the controllers, the sweep of dead hosts' leftovers).
 */
export class CgroupManager {
  private static shared?: Promise<CgroupManager>;
  private counter = 0;
  private readonly tag = ownTag();

  private constructor(readonly decision: CgroupDecision) {}

  /** The process-wide manager, prepared on first use. */
  static open(): Promise<CgroupManager> {
    CgroupManager.shared ??= CgroupManager.prepare(planCgroups(hostView()));
    return CgroupManager.shared;
  }

  private static async prepare(decision: CgroupDecision): Promise<CgroupManager> {
    const plan = decision.plan;
    if (plan.version === 2) {
      try {
        if (plan.moveTo) {
          await mkdir(plan.moveTo, {recursive: true});
          await writeFile(join(plan.moveTo, 'cgroup.procs'), String(process.pid));
        }
        if (plan.enable.length > 0) {
          await writeFile(
            join(plan.parent, 'cgroup.subtree_control'),
            plan.enable.map((c) => `+${c}`).join(' '),
          );
        }
      } catch (error) {
        return new CgroupManager({
          plan: {version: 0},
          unlimited: CONTROLLERS.map((c) => LIMITS_OF[c]),
          reason: `cannot prepare cgroup v2 ${plan.parent}: ${(error as Error).message}`,
        });
      }
    }
    const manager = new CgroupManager(decision);
    await manager.sweep();
    return manager;
  }

  /** The folders sandbox cgroups are created in. */
  private parents(): string[] {
    const plan = this.decision.plan;
    if (plan.version === 2) return [plan.parent];
    if (plan.version === 1) return Object.values(plan.parents);
    return [];
  }

  /** Removes cgroups left by processes of this package that are gone (a crashed host). */
  private async sweep(): Promise<void> {
    for (const parent of this.parents()) {
      let names: string[];
      try {
        names = readdirSync(parent);
      } catch {
        continue;
      }
      for (const name of names) {
        const match = NAME_PATTERN.exec(name);
        if (match && isTagGone(match[1])) await removeCgroup(join(parent, name));
      }
    }
  }

  /**
   * Creates a sandbox's cgroup with `limits`, or returns undefined when this host has no
   * usable cgroup.
   */
  async create(limits: SessionLimits): Promise<SandboxCgroup | undefined> {
    const plan = this.decision.plan;
    if (plan.version === 0) return undefined;
    const name = `${NAME_PREFIX}${this.tag}-k${++this.counter}`;
    const dirs: Partial<Record<Controller, string>> = {};
    for (const controller of plan.controllers) {
      const parent = plan.version === 2 ? plan.parent : plan.parents[controller]!;
      dirs[controller] = join(parent, name);
    }
    const cgroup = new SandboxCgroup(plan.version, dirs);
    try {
      await cgroup.setUp(limits, plan.swap);
    } catch (error) {
      await cgroup.remove();
      throw new Error(`cannot set up the sandbox's cgroup: ${(error as Error).message}`);
    }
    return cgroup;
  }
}

/** One sandbox's cgroup (one folder per v1 hierarchy, one folder on v2). */
export class SandboxCgroup {
  /** The folders, distinct, in creation order. */
  readonly folders: string[];

  /** @internal Made by {@link CgroupManager.create}. */
  constructor(
    readonly version: 1 | 2,
    private readonly dirs: Partial<Record<Controller, string>>,
  ) {
    this.folders = [...new Set(Object.values(dirs))];
  }

  /** @internal Creates the folders and writes the limits. */
  async setUp(limits: SessionLimits, swap: boolean): Promise<void> {
    for (const folder of this.folders) await mkdir(folder);
    const {memory, cpu, pids} = this.dirs;
    const periodUs = 100_000;
    const quotaUs = Math.max(1000, Math.round(limits.cpus * periodUs));
    if (this.version === 2) {
      if (memory) {
        await writeFile(join(memory, 'memory.max'), String(limits.memoryBytes));
        if (swap) await writeFile(join(memory, 'memory.swap.max'), '0').catch(ignoreMissing);
      }
      if (cpu) await writeFile(join(cpu, 'cpu.max'), `${quotaUs} ${periodUs}`);
      if (pids) await writeFile(join(pids, 'pids.max'), String(limits.pids));
      return;
    }
    if (memory) {
      await writeFile(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      // memsw is memory + swap: equal to the memory limit means no swap at all.
      if (swap)
        await writeFile(join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    }
    if (cpu) {
      await writeFile(join(cpu, 'cpu.cfs_period_us'), String(periodUs));
      await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(quotaUs));
    }
    if (pids) await writeFile(join(pids, 'pids.max'), String(limits.pids));
  }

  /** Moves process `pid` (with all its threads) into the cgroup. */
  async join(pid: number): Promise<void> {
    for (const folder of this.folders) await writeFile(join(folder, 'cgroup.procs'), String(pid));
  }

  /** True when the kernel's OOM killer killed a process of this cgroup. */
  async oomKilled(): Promise<boolean> {
    const memory = this.dirs.memory;
    if (!memory) return false;
    const file = this.version === 2 ? 'memory.events' : 'memory.oom_control';
    const text = await readFile(join(memory, file), 'utf8').catch(() => '');
    const kills = /^oom_kill (\d+)$/m.exec(text);
    if (kills) return Number(kills[1]) > 0;
    // Kernels before 4.13 have no oom_kill counter in v1: a failed charge is the best sign.
    const failed = await readFile(join(memory, 'memory.failcnt'), 'utf8').catch(() => '0');
    return Number(failed.trim()) > 0;
  }

  /** Kills what is left in the cgroup and removes its folders. Idempotent. */
  async remove(): Promise<void> {
    for (const folder of this.folders) await removeCgroup(folder);
  }
}

/** Kills every process in a cgroup folder, then removes it (retrying while they exit). */
async function removeCgroup(folder: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(folder);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 100) throw error;
    }
    const text = await readFile(join(folder, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const pid = Number(line);
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
