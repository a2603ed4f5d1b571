/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {afterEach, describe, expect, it, vi} from 'vitest';

import {
  CODE_EXECUTOR_SIGNATURE,
  SandboxSessionManager,
  isCodeExecutor,
  isSandboxSessionManager,
  sessionManagerFor,
  type CodeExecutor,
  type SandboxSession,
} from '../../src/index.js';

/** An executor that records which sessions are open; sessions do nothing. */
function fakeExecutor(): CodeExecutor & {open: Set<string>; closed: string[]} {
  const open = new Set<string>();
  const closed: string[] = [];
  return {
    [CODE_EXECUTOR_SIGNATURE]: true,
    backend: 'fake',
    open,
    closed,
    async getSession(key: string) {
      open.add(key);
      return {key} as unknown as SandboxSession;
    },
    async closeSession(key: string) {
      if (open.delete(key)) closed.push(key);
    },
    async dispose() {
      open.clear();
    },
  } as CodeExecutor & {open: Set<string>; closed: string[]};
}

const options = {authorizedImports: []};

describe('SandboxSessionManager', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is a code executor and a manager, and validates its options', () => {
    const manager = new SandboxSessionManager({executor: fakeExecutor()});
    expect(isCodeExecutor(manager)).toBe(true);
    expect(isSandboxSessionManager(manager)).toBe(true);
    expect(manager.backend).toBe('fake');
    expect(() => new SandboxSessionManager({executor: fakeExecutor(), maxLiveSessions: 0})).toThrow(
      'maxLiveSessions',
    );
    expect(() => new SandboxSessionManager({executor: fakeExecutor(), idleTimeoutMs: -1})).toThrow(
      'idleTimeoutMs',
    );
  });

  it('evicts the least recently used idle session beyond the cap, and remembers why', async () => {
    const executor = fakeExecutor();
    const manager = new SandboxSessionManager({executor, maxLiveSessions: 2});
    await manager.getSession('a', options);
    await manager.getSession('b', options);
    await manager.getSession('a', options); // a is now the most recently used
    await manager.getSession('c', options);
    expect(manager.liveKeys).toEqual(['a', 'c']);
    expect(executor.closed).toEqual(['b']);
    expect(manager.takeLossReason('b')).toMatch(/evicted .*at most 2 interpreters/);
    expect(manager.takeLossReason('b')).toBeUndefined();
    expect(manager.takeLossReason('a')).toBeUndefined();
  });

  it('never evicts a session a run holds; it evicts once released', async () => {
    const executor = fakeExecutor();
    const manager = new SandboxSessionManager({executor, maxLiveSessions: 1});
    const a = await manager.acquire('a', options);
    const b = await manager.acquire('b', options);
    expect(executor.closed).toEqual([]);
    a.release();
    a.release(); // idempotent
    expect(executor.closed).toEqual(['a']);
    b.release();
    expect(manager.liveKeys).toEqual(['b']);
  });

  it('closes sessions left idle, and not held ones', async () => {
    vi.useFakeTimers();
    const executor = fakeExecutor();
    const manager = new SandboxSessionManager({executor, idleTimeoutMs: 60_000});
    const held = await manager.acquire('held', options);
    await manager.getSession('idle', options);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(executor.closed).toEqual(['idle']);
    expect(manager.takeLossReason('idle')).toBe('it was idle for more than 1 min');
    held.release();
    await vi.advanceTimersByTimeAsync(61_000);
    expect(executor.closed).toEqual(['idle', 'held']);
  });

  it('shares one default manager per executor', () => {
    const executor = fakeExecutor();
    expect(sessionManagerFor(executor)).toBe(sessionManagerFor(executor));
    const manager = new SandboxSessionManager({executor});
    expect(sessionManagerFor(manager)).toBe(manager);
  });
});
