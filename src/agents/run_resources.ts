/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * What a run holds while it lasts: its time budget, its sandbox session (leased from the
 * session manager when the agent is stateful), and its toolsets; and how it all is freed.
 */

import {isBaseToolset, type InvocationContext} from '@google/adk';

import {
  sessionManagerFor,
  type SandboxLease,
  type SandboxSessionManager,
} from '../code_executors/session_manager.js';
import {leaseToolsets} from '../tools/toolset_leases.js';
import type {CodingAgent} from './coding_agent.js';
import {saveTurnSnapshot} from './durable_state.js';
import type {Run, RunBudget} from './run.js';

/** Snippet timeout assumed when neither the agent nor the executor names one. */
const FALLBACK_SNIPPET_TIMEOUT_MS = 30_000;

/** What a run holds while it lasts: budget, sandbox lease, toolsets. */
export interface RunResources {
  budget: RunBudget & {stop(): void};
  lease: SandboxLease;
  manager?: SandboxSessionManager;
  sessionKey: string;
  /** Frees it all (once); `run`'s bridge, waits and MCP sessions too. */
  release(run?: Run): Promise<void>;
}

/** Takes the sandbox session `sessionKey`, the budget and the toolsets for a run of `agent`. */
export async function holdRunResources(
  agent: CodingAgent,
  ctx: InvocationContext,
  sessionKey: string,
): Promise<RunResources> {
  const executor = agent.codeExecutor;
  // The budget starts now: a slow sandbox start counts too.
  const budget = startRunBudget(agent, ctx);
  // Stateful interpreters outlive the run: a manager bounds how many live and for how long.
  const manager = agent.stateful ? sessionManagerFor(executor) : undefined;
  const {appName, userId, id, state} = ctx.session;
  const options = {
    authorizedImports: agent.authorizedImports,
    session: {appName, userId, id, state},
  };
  // ADK's Runner closes only an LlmAgent's toolsets: the run closes its own when it ends.
  const releaseToolsets = leaseToolsets(agent.tools.filter((t) => isBaseToolset(t)));
  let lease: SandboxLease;
  try {
    lease = manager
      ? await manager.acquire(sessionKey, options)
      : {session: await executor.getSession(sessionKey, options), release: () => {}};
  } catch (error) {
    budget.stop();
    await releaseToolsets();
    throw error;
  }
  const snapshots = agent.snapshots;
  if (manager && snapshots?.when === 'close') {
    // Saved only when the manager closes the interpreter (eviction, idle timeout).
    manager.setCloseHook(sessionKey, async (session) => {
      await saveTurnSnapshot(ctx, agent.name, session, snapshots);
    });
  }
  let released = false;
  const held: RunResources = {
    budget,
    lease,
    manager,
    sessionKey,
    release: async (run) => {
      if (released) return;
      released = true;
      // Tools still working when the run ends are abandoned, and their timers cleared.
      run?.bridge.close();
      run?.interactions.drop();
      held.budget.stop();
      lease.release();
      await run?.mcpSessions.close();
      await releaseToolsets();
      if (!agent.stateful) await executor.closeSession(sessionKey);
    },
  };
  return held;
}

/** A run's time budget (`maxRunTimeMs` from now), joined with the caller's abort signal. */
export function startRunBudget(
  agent: CodingAgent,
  ctx: InvocationContext,
): RunBudget & {stop(): void} {
  const controller = new AbortController();
  const deadline = Date.now() + agent.maxRunTimeMs;
  const timer = Number.isFinite(agent.maxRunTimeMs)
    ? setTimeout(() => controller.abort(), agent.maxRunTimeMs)
    : undefined;
  const snippetTimeoutMs =
    agent.executionTimeoutMs ??
    agent.codeExecutor.executionTimeoutMs ??
    FALLBACK_SNIPPET_TIMEOUT_MS;
  return {
    signal: ctx.abortSignal
      ? AbortSignal.any([ctx.abortSignal, controller.signal])
      : controller.signal,
    timedOut: () => controller.signal.aborted,
    remainingMs: () => Math.max(0, deadline - Date.now()),
    toolTimeoutMs:
      agent.toolTimeoutMs !== undefined && agent.toolTimeoutMs < snippetTimeoutMs
        ? agent.toolTimeoutMs
        : Math.max(1, Math.floor((snippetTimeoutMs * 2) / 3)),
    stop: () => clearTimeout(timer),
  };
}
