/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Removes containers this package left behind when their host process died, on any daemon,
 * whatever host they came from, without ever touching a live host's container:
 *
 * - **this machine's** containers are judged by their owner process (`<pid>` and its start
 *   time, so a reused pid does not look alive): gone, the container goes, running or not;
 * - **another machine's** (a shared daemon) cannot be checked that way, so their state and age
 *   decide. An exited container is garbage once its owner has had time to remove it itself
 *   ({@link ReapOptions.exitedGraceMs}); a created one that never started likewise
 *   ({@link ReapOptions.createdGraceMs}). A running one is left alone: a container ends within
 *   seconds of its host's death (its kernel exits when the attach stream closes), so a running
 *   container has a live host. After it ends, the exited rule removes it.
 *
 * Session volumes (the kernel folder, `/etc`, input files) follow: this machine's by their owner
 * process; another machine's once no container uses them (the daemon refuses to remove a volume
 * in use) and they are older than {@link ReapOptions.volumeGraceMs}.
 */

import {hostname as osHostname} from 'node:os';

import type Docker from 'dockerode';

import {isTagGone} from '../../utils/process_identity.js';

/** Label on every container this package starts (value `true`). */
export const CONTAINER_LABEL = 'dev.adk-coding-agent.managed';
/** Label naming the process that owns a container: `<hostname>/<pid>`. */
export const CONTAINER_OWNER_LABEL = 'dev.adk-coding-agent.owner';
/** Label with the owner process's start time (clock ticks since boot), against pid reuse. */
export const CONTAINER_OWNER_START_LABEL = 'dev.adk-coding-agent.owner-start';

/** Ages after which another machine's stopped containers count as abandoned. */
export interface ReapOptions {
  /** An exited container older than this (since it finished) is removed. Default 60 s. */
  exitedGraceMs?: number;
  /** A created container never started, older than this, is removed. Default 10 min. */
  createdGraceMs?: number;
  /**
   * Another machine's session volume that no container uses, older than this, is removed.
   * Default 1 h (a live session's volumes are unused only between a kernel's end and the next
   * start).
   */
  volumeGraceMs?: number;
}

const DEFAULT_EXITED_GRACE_MS = 60_000;
const DEFAULT_CREATED_GRACE_MS = 10 * 60_000;
const DEFAULT_VOLUME_GRACE_MS = 60 * 60_000;

/** What the decision reads about one labelled container. */
export interface ContainerFacts {
  labels: Record<string, string>;
  /** Docker's state: `created`, `running`, `paused`, `restarting`, `exited`, `dead`, ... */
  state: string;
  /** When it was created, ms since the epoch. */
  createdMs: number;
  /** When it last finished, ms since the epoch (exited containers). */
  finishedMs?: number;
}

/** Who is asking, and when (parameters so tests need no clock or host name). */
export interface Reaper {
  hostname: string;
  /** The asking process's `<hostname>/<pid>`: its own containers are never reaped. */
  self: string;
  nowMs: number;
  /** Is the process `<pid>` (with its start time, if known) of this machine gone? */
  ownerGone(pid: number, start?: string): boolean;
}

/** Whether a labelled container is a dead host's leftover (see the module comment). */
export function shouldReap(
  container: ContainerFacts,
  reaper: Reaper,
  options: ReapOptions = {},
): boolean {
  const owner = container.labels[CONTAINER_OWNER_LABEL] ?? '';
  if (owner === reaper.self) return false;
  const slash = owner.lastIndexOf('/');
  const pid = Number(owner.slice(slash + 1));
  if (slash > 0 && owner.slice(0, slash) === reaper.hostname && Number.isSafeInteger(pid)) {
    return pid > 0 && reaper.ownerGone(pid, container.labels[CONTAINER_OWNER_START_LABEL]);
  }
  const age = (since: number | undefined) => reaper.nowMs - (since ?? reaper.nowMs);
  if (container.state === 'exited' || container.state === 'dead') {
    return (
      age(container.finishedMs ?? container.createdMs) >
      (options.exitedGraceMs ?? DEFAULT_EXITED_GRACE_MS)
    );
  }
  if (container.state === 'created') {
    return age(container.createdMs) > (options.createdGraceMs ?? DEFAULT_CREATED_GRACE_MS);
  }
  return false;
}

/** What the decision reads about one labelled volume. */
export interface VolumeFacts {
  labels: Record<string, string>;
  /** When it was created, ms since the epoch. */
  createdMs: number;
}

/**
 * Whether a labelled volume may be removed: this machine's when its owner process is gone,
 * another machine's once older than the grace (removal then fails while a container uses it).
 */
export function shouldReapVolume(
  volume: VolumeFacts,
  reaper: Reaper,
  options: ReapOptions = {},
): boolean {
  const owner = volume.labels[CONTAINER_OWNER_LABEL] ?? '';
  if (owner === reaper.self) return false;
  const slash = owner.lastIndexOf('/');
  const pid = Number(owner.slice(slash + 1));
  if (slash > 0 && owner.slice(0, slash) === reaper.hostname && Number.isSafeInteger(pid)) {
    return pid > 0 && reaper.ownerGone(pid, volume.labels[CONTAINER_OWNER_START_LABEL]);
  }
  return reaper.nowMs - volume.createdMs > (options.volumeGraceMs ?? DEFAULT_VOLUME_GRACE_MS);
}

/** This process's `<hostname>/<pid>`. */
export function ownerLabel(): string {
  return `${osHostname()}/${process.pid}`;
}

function currentReaper(): Reaper {
  return {
    hostname: osHostname(),
    self: ownerLabel(),
    nowMs: Date.now(),
    ownerGone: (pid, start) => isTagGone(start ? `${pid}.${start}` : String(pid)),
  };
}

/**
 * Removes the leftovers {@link shouldReap} finds among the daemon's labelled containers, then
 * the volumes {@link shouldReapVolume} finds.
 *
 * @returns How many containers and volumes were removed.
 */
export async function reapContainers(docker: Docker, options: ReapOptions = {}): Promise<number> {
  const containers = await docker.listContainers({
    all: true,
    filters: {label: [`${CONTAINER_LABEL}=true`]},
  });
  const reaper = currentReaper();
  let removed = 0;
  for (const info of containers) {
    const facts: ContainerFacts = {
      labels: info.Labels ?? {},
      state: info.State,
      createdMs: info.Created * 1000,
    };
    if (facts.state === 'exited' || facts.state === 'dead') {
      const inspected = await docker
        .getContainer(info.Id)
        .inspect()
        .catch(() => undefined);
      const finished = Date.parse(inspected?.State?.FinishedAt ?? '');
      // Docker reports 0001-01-01 for a container that never ran.
      if (finished > 0) facts.finishedMs = finished;
    }
    if (!shouldReap(facts, reaper, options)) continue;
    try {
      await docker.getContainer(info.Id).remove({force: true, v: true});
      removed++;
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode !== 404) throw error;
    }
  }
  return removed + (await reapVolumes(docker, reaper, options));
}

async function reapVolumes(docker: Docker, reaper: Reaper, options: ReapOptions): Promise<number> {
  const {Volumes: volumes} = (await docker.listVolumes({
    filters: {label: [`${CONTAINER_LABEL}=true`]},
  })) as {Volumes?: Array<{Name: string; Labels?: Record<string, string>; CreatedAt?: string}>};
  let removed = 0;
  for (const volume of volumes ?? []) {
    const facts: VolumeFacts = {
      labels: volume.Labels ?? {},
      createdMs: Date.parse(volume.CreatedAt ?? '') || reaper.nowMs,
    };
    if (!shouldReapVolume(facts, reaper, options)) continue;
    try {
      await docker.getVolume(volume.Name).remove();
      removed++;
    } catch (error) {
      // 404: gone meanwhile; 409: a container still uses it (a live session, or not reaped).
      const code = (error as {statusCode?: number}).statusCode;
      if (code !== 404 && code !== 409) throw error;
    }
  }
  return removed;
}
