/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Names for a host process that survive pid reuse: `<pid>.<start time>`, the start time in clock
 * ticks since boot (`/proc/<pid>/stat`, field 22). Leftovers of a crashed host (session folders,
 * cgroups, containers) carry their owner's tag, and a later process removes them once the
 * owner is gone.
 */

import {readFileSync} from 'node:fs';

/** The start time of `pid` in clock ticks since boot, or undefined (no such process, no /proc). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process's tag, `<pid>.<start time>` (`<pid>` alone where there is no /proc). */
export function ownTag(): string {
  const start = processStartTime(process.pid);
  return start === undefined ? String(process.pid) : `${process.pid}.${start}`;
}

/** Parses a tag made by {@link ownTag}; undefined for anything else. */
export function parseTag(tag: string): {pid: number; start?: string} | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(tag);
  if (!match) return undefined;
  const pid = Number(match[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return {pid, start: match[2]};
}

/**
 * True when the process a tag names no longer runs on this machine: no such pid, or a pid
 * reused by a process that started at another time. False when unsure (another user's live
 * process we may not signal counts as alive).
 */
export function isTagGone(tag: string): boolean {
  const parsed = parseTag(tag);
  if (!parsed) return false;
  if (parsed.start !== undefined) {
    const start = processStartTime(parsed.pid);
    if (start !== undefined) return start !== parsed.start;
  }
  try {
    process.kill(parsed.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
