/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Keeps the interpreters of stateful conversations alive between turns, within bounds: sessions
 * are keyed by app, user, session (and agent); an idle session is closed after a timeout; at most
 * `maxLiveSessions` interpreters live at once, the least recently used idle one being closed to
 * make room. Why a session was closed is remembered, so the agent can tell the model in the next
 * turn that its variables are gone and why.
 */

import {
  CODE_EXECUTOR_SIGNATURE,
  type CodeExecutor,
  type SandboxSession,
  type SandboxSessionOptions,
} from './sandbox.js';
import {MAX_TIMER_MS} from '../utils/time.js';

/** Options of {@link SandboxSessionManager}. */
export interface SandboxSessionManagerOptions {
  /** The backend whose sessions are managed. */
  executor: CodeExecutor;
  /** Interpreters alive at once; the least recently used idle one is closed first. Default 8. */
  maxLiveSessions?: number;
  /** A session not used for this long is closed. Default 30 min; `Infinity` disables. */
  idleTimeoutMs?: number;
}

/** A session held by one run; {@link release} it when the run ends. */
export interface SandboxLease {
  session: SandboxSession;
  /** Marks the run as done with the session (it may now be evicted or time out). Idempotent. */
  release(): void;
}

/** Brand checked by {@link isSandboxSessionManager} (works across bundled copies). */
export const SESSION_MANAGER_SIGNATURE = Symbol.for('adk-coding-agent.sandboxSessionManager');

/** True when `obj` is a {@link SandboxSessionManager} from any copy of this package. */
export function isSandboxSessionManager(obj: unknown): obj is SandboxSessionManager {
  return (
    typeof obj === 'object' &&
    obj !== null &&
    (obj as Record<symbol, unknown>)[SESSION_MANAGER_SIGNATURE] === true
  );
}

interface Entry {
  leases: number;
  timer?: NodeJS.Timeout;
  /** The session, once started. */
  session?: SandboxSession;
}

/** Runs before the manager closes a session it evicts or finds idle (see `setCloseHook`). */
export type SessionCloseHook = (session: SandboxSession) => Promise<void>;

const DEFAULT_MAX_LIVE_SESSIONS = 8;
const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
/** Loss reasons remembered (oldest forgotten first), so the map cannot grow without bound. */
const MAX_REMEMBERED_LOSSES = 10_000;

/**
 * A {@link CodeExecutor} that wraps another and bounds how many of its sessions live at once.
 * Pass it as a `CodingAgent`'s `codeExecutor` to choose the limits; a stateful agent given a
 * plain executor uses a shared manager with the defaults ({@link sessionManagerFor}).
 */
export class SandboxSessionManager implements CodeExecutor {
  /** Brand checked by `isCodeExecutor`. */
  readonly [CODE_EXECUTOR_SIGNATURE] = true;
  /** Brand checked by {@link isSandboxSessionManager}. */
  readonly [SESSION_MANAGER_SIGNATURE] = true;
  /** The wrapped backend. */
  readonly executor: CodeExecutor;
  /** Interpreters alive at once. */
  readonly maxLiveSessions: number;
  /** Idle time after which a session is closed. */
  readonly idleTimeoutMs: number;

  /** Live keys, least recently used first (a Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  private readonly losses = new Map<string, string>();
  private readonly closeHooks = new Map<string, SessionCloseHook>();

  /** @throws Error naming the first invalid option. */
  constructor(options: SandboxSessionManagerOptions) {
    this.executor = options.executor;
    this.maxLiveSessions = options.maxLiveSessions ?? DEFAULT_MAX_LIVE_SESSIONS;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!Number.isSafeInteger(this.maxLiveSessions) || this.maxLiveSessions < 1) {
      throw new Error(
        `maxLiveSessions must be a positive integer, got ${String(options.maxLiveSessions)}`,
      );
    }
    const idle = this.idleTimeoutMs;
    if (!(idle === Infinity || (Number.isFinite(idle) && idle > 0 && idle <= MAX_TIMER_MS))) {
      throw new Error(
        `idleTimeoutMs must be a positive number of milliseconds (or Infinity), got ${String(idle)}`,
      );
    }
  }

  /** The wrapped backend's name. */
  get backend(): string {
    return this.executor.backend;
  }

  /** The wrapped backend's default execution timeout. */
  get executionTimeoutMs(): number | undefined {
    return this.executor.executionTimeoutMs;
  }

  /** Keys of the live sessions, least recently used first. */
  get liveKeys(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Returns the session for `key` (starting one if needed) and holds it until the lease is
   * released: a held session is never evicted or timed out. May close the least recently used
   * idle session to stay within `maxLiveSessions`.
   */
  async acquire(key: string, options: SandboxSessionOptions): Promise<SandboxLease> {
    // Synchronous until the await, so a concurrent eviction never picks a session being taken.
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = {leases: 0};
    }
    clearTimeout(entry.timer);
    entry.leases++;
    this.entries.set(key, entry);
    this.enforceLimit();
    let session: SandboxSession;
    try {
      session = await this.executor.getSession(key, options);
    } catch (error) {
      this.releaseEntry(key, entry);
      throw error;
    }
    entry.session = session;
    let released = false;
    return {
      session,
      release: () => {
        if (released) return;
        released = true;
        this.releaseEntry(key, entry);
      },
    };
  }

  /** Returns the session for `key` without holding it (it counts as used now). */
  async getSession(key: string, options: SandboxSessionOptions): Promise<SandboxSession> {
    const lease = await this.acquire(key, options);
    lease.release();
    return lease.session;
  }

  /**
   * Closes the session for `key`, if any, remembering `reason` for {@link takeLossReason}.
   */
  async closeSession(key: string, reason?: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      this.entries.delete(key);
    }
    const hook = this.closeHooks.get(key);
    this.closeHooks.delete(key);
    if (hook && reason && entry?.session) {
      // E.g. a snapshot of the interpreter before it goes; its failure must not keep it alive.
      await hook(entry.session).catch(() => undefined);
      // Taken again while the hook ran: the session stays.
      if (this.entries.has(key)) return;
    }
    if (reason) this.rememberLoss(key, reason);
    await this.executor.closeSession(key);
  }

  /**
   * Sets (or clears) what runs before this manager closes the session for `key` because it was
   * evicted or idle (not on `dispose`). A stateful agent whose snapshots are taken only then
   * (`snapshots: {when: 'close'}`) saves the interpreter here. The hook is forgotten once run.
   */
  setCloseHook(key: string, hook: SessionCloseHook | undefined): void {
    if (hook) this.closeHooks.set(key, hook);
    else this.closeHooks.delete(key);
  }

  /**
   * Why the session for `key` was last closed by this manager (evicted, idle), once: the
   * reason is forgotten after it is read.
   */
  takeLossReason(key: string): string | undefined {
    const reason = this.losses.get(key);
    this.losses.delete(key);
    return reason;
  }

  /** Closes every session and the wrapped executor's. */
  async dispose(): Promise<void> {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
    await this.executor.dispose();
  }

  private releaseEntry(key: string, entry: Entry): void {
    entry.leases = Math.max(0, entry.leases - 1);
    if (this.entries.get(key) !== entry) return;
    if (entry.leases === 0 && Number.isFinite(this.idleTimeoutMs)) {
      entry.timer = setTimeout(() => {
        if (this.entries.get(key) === entry && entry.leases === 0) {
          void this.closeSession(
            key,
            `it was idle for more than ${Math.round(this.idleTimeoutMs / 60_000) || '<1'} min`,
          );
        }
      }, this.idleTimeoutMs);
      // An idle session must not keep Node alive.
      entry.timer.unref();
    }
    this.enforceLimit();
  }

  /** Closes least recently used idle sessions while more than the limit are alive. */
  private enforceLimit(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxLiveSessions) return;
      if (entry.leases > 0) continue;
      // closeSession removes the key synchronously; the kernel is killed in the background.
      void this.closeSession(
        key,
        `it was evicted to make room for other conversations (at most ${this.maxLiveSessions} interpreters live at once)`,
      ).catch(() => undefined);
    }
  }

  private rememberLoss(key: string, reason: string): void {
    this.losses.delete(key);
    this.losses.set(key, reason);
    if (this.losses.size > MAX_REMEMBERED_LOSSES) {
      this.losses.delete(this.losses.keys().next().value!);
    }
  }
}

const shared = new WeakMap<CodeExecutor, SandboxSessionManager>();

/**
 * The manager a stateful agent uses for `executor`: the executor itself when it is a manager,
 * else one shared manager (default limits) per executor object.
 */
export function sessionManagerFor(executor: CodeExecutor): SandboxSessionManager {
  if (isSandboxSessionManager(executor)) return executor;
  let manager = shared.get(executor);
  if (!manager) {
    manager = new SandboxSessionManager({executor});
    shared.set(executor, manager);
  }
  return manager;
}
