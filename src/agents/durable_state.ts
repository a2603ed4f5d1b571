/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * When a stateful agent saves and restores its interpreter's snapshots (see
 * `src/state/snapshots.ts` for how): after each turn (before the final event is yielded, so
 * whichever process takes the next turn finds it), at the start of a turn that finds a fresh
 * kernel or one that is behind the conversation (another replica took the last turn), and after
 * a kill within a turn. Each turn's final event records the snapshot version it ended with
 * (`customMetadata.codingAgent.snapshot`), so a restore takes exactly that version.
 */

import type {Event, InvocationContext} from '@google/adk';

import type {SandboxSession} from '../code_executors/sandbox.js';
import {
  clearNamespace,
  loadSnapshot,
  openSnapshot,
  restoreSnapshot,
  sealSnapshot,
  storeSnapshot,
  takeSnapshot,
  type ResolvedSnapshotOptions,
  type SnapshotProblem,
  type SnapshotStore,
} from '../state/snapshots.js';

/** The snapshot a turn ended with (on its final event). */
export interface RecordedSnapshot {
  /** Version of the snapshot artifact. */
  version: number;
  /** The turn that recorded it. */
  invocationId: string;
  /** Variables left out of it (cannot be pickled, too big). */
  skipped: SnapshotProblem[];
}

/** What this process knows about a live kernel: the last turn it ran and its snapshot. */
interface KernelMark {
  generation: number;
  /** The turns this kernel ran (the latest few). */
  turns: string[];
  record?: RecordedSnapshot;
}

const REMEMBERED_TURNS = 64;

function markTurn(
  sandbox: SandboxSession,
  invocationId: string,
  record: RecordedSnapshot | undefined,
): void {
  const mark = marks.get(sandbox);
  const turns = mark && mark.generation === sandbox.generation ? mark.turns : [];
  if (!turns.includes(invocationId)) turns.push(invocationId);
  if (turns.length > REMEMBERED_TURNS) turns.shift();
  marks.set(sandbox, {generation: sandbox.generation, turns, record});
}

/** The invocation of `agentName`'s latest turn before the current one. */
function lastTurnOf(ctx: InvocationContext, agentName: string): string | undefined {
  const events = ctx.session.events;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event.author === agentName && event.invocationId !== ctx.invocationId) {
      return event.invocationId;
    }
  }
  return undefined;
}

const marks = new WeakMap<SandboxSession, KernelMark>();

/** The snapshot store of a run, or undefined when the runner has no artifact service. */
export function snapshotStore(
  ctx: InvocationContext,
  agentName: string,
): SnapshotStore | undefined {
  const service = ctx.artifactService;
  if (!service) return undefined;
  return {
    service,
    binding: {
      appName: ctx.appName,
      userId: ctx.userId,
      sessionId: ctx.session.id,
      agentName,
    },
  };
}

/** The snapshot recorded by `agentName`'s latest turn in `events`. */
export function lastRecordedSnapshot(
  events: readonly Event[],
  agentName: string,
): RecordedSnapshot | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event.author !== agentName) continue;
    const recorded = (
      event.customMetadata?.codingAgent as {snapshot?: RecordedSnapshot} | undefined
    )?.snapshot;
    if (recorded && Number.isSafeInteger(recorded.version)) return recorded;
  }
  return undefined;
}

/** How a turn's interpreter state was brought back. */
export type RestoreOutcome =
  | {kind: 'none'}
  | {kind: 'refused'; reason: string}
  | {
      kind: 'restored';
      restored: string[];
      /** Variables that are gone: left out at save time, or failed to restore. */
      missing: SnapshotProblem[];
    };

/**
 * Makes the turn's snapshot (after the turn) and stores it; returns the record for the final
 * event. Nothing is stored when no variable changed (the previous record is carried over).
 * Never throws: a failure leaves the previous turn's snapshot as the latest.
 */
export async function saveTurnSnapshot(
  ctx: InvocationContext,
  agentName: string,
  sandbox: SandboxSession,
  options: ResolvedSnapshotOptions,
): Promise<{record?: RecordedSnapshot; error?: string; bytes?: number}> {
  const store = snapshotStore(ctx, agentName);
  const mark = marks.get(sandbox);
  const known = mark && mark.generation === sandbox.generation ? mark : undefined;
  markTurn(sandbox, ctx.invocationId, known?.record);
  if (!store) return {error: 'the runner has no artifact service'};
  try {
    const taken = await takeSnapshot(sandbox, options, !known?.record);
    if (taken.error) return {error: taken.error};
    if (taken.unchanged && known?.record) {
      const record = {...known.record, invocationId: ctx.invocationId};
      markTurn(sandbox, ctx.invocationId, record);
      return {record};
    }
    if (!taken.payload) return {error: 'no snapshot bytes'};
    const sealed = sealSnapshot(taken.payload, store.binding, ctx.invocationId, options.secret);
    const version = await storeSnapshot(store, sealed);
    const record: RecordedSnapshot = {
      version,
      invocationId: ctx.invocationId,
      skipped: taken.skipped,
    };
    markTurn(sandbox, ctx.invocationId, record);
    return {record, bytes: sealed.length};
  } catch (error) {
    return {error: (error as Error).message};
  }
}

/**
 * Brings the interpreter to the conversation's latest snapshot when it is not there: a fresh
 * kernel (`freshKernel`), or a live one that ran an older turn than the last recorded one
 * (another process took a turn since). Never throws.
 */
export async function restoreTurnState(
  ctx: InvocationContext,
  agentName: string,
  sandbox: SandboxSession,
  options: ResolvedSnapshotOptions,
  freshKernel: boolean,
): Promise<RestoreOutcome> {
  const recorded =
    options.when === 'turn' ? lastRecordedSnapshot(ctx.session.events, agentName) : undefined;
  // A conversation's first turn has nothing to restore (and costs no artifact lookup).
  if (!recorded && !lastTurnOf(ctx, agentName)) return {kind: 'none'};
  const mark = marks.get(sandbox);
  const live = mark && mark.generation === sandbox.generation ? mark : undefined;
  if (!freshKernel) {
    // A live kernel is current unless the conversation's last turn ran elsewhere.
    const last = lastTurnOf(ctx, agentName);
    if (!recorded || !live || !last || live.turns.includes(last)) return {kind: 'none'};
    await clearNamespace(sandbox).catch(() => undefined);
  }
  return await restoreRecorded(ctx, agentName, sandbox, options, recorded);
}

/**
 * Restores the snapshot recorded by the last turn (after a kill within this turn: the state of
 * the end of the previous turn). Never throws.
 */
export async function restoreAfterKill(
  ctx: InvocationContext,
  agentName: string,
  sandbox: SandboxSession,
  options: ResolvedSnapshotOptions,
): Promise<RestoreOutcome> {
  // Only per-turn snapshots hold the end of the previous turn.
  const recorded = lastRecordedSnapshot(ctx.session.events, agentName);
  if (options.when !== 'turn' || !recorded) return {kind: 'none'};
  return await restoreRecorded(ctx, agentName, sandbox, options, recorded);
}

async function restoreRecorded(
  ctx: InvocationContext,
  agentName: string,
  sandbox: SandboxSession,
  options: ResolvedSnapshotOptions,
  recorded: RecordedSnapshot | undefined,
): Promise<RestoreOutcome> {
  const store = snapshotStore(ctx, agentName);
  if (!store) return {kind: 'none'};
  try {
    const sealed = await loadSnapshot(store, recorded?.version);
    if (!sealed) {
      return recorded
        ? {
            kind: 'refused',
            reason: `snapshot version ${recorded.version} is missing from the artifact store`,
          }
        : {kind: 'none'};
    }
    const opened = openSnapshot(sealed, store.binding, options.secret, options.maxBytes);
    if (!opened.ok)
      return {kind: 'refused', reason: `the saved snapshot was refused: ${opened.reason}`};
    const result = await restoreSnapshot(sandbox, opened.payload, options.maxBytes);
    if (result.error)
      return {kind: 'refused', reason: `the sandbox could not restore it: ${result.error}`};
    const record = recorded ?? {version: -1, invocationId: opened.header.invocationId, skipped: []};
    // A complete restore leaves the kernel at `record`: the next save of an unchanged turn is free.
    const last = lastTurnOf(ctx, agentName);
    markTurn(
      sandbox,
      last ?? record.invocationId,
      result.failed.length === 0 && record.version >= 0 ? record : undefined,
    );
    return {
      kind: 'restored',
      restored: result.restored,
      missing: [...result.skipped, ...result.failed],
    };
  } catch (error) {
    return {
      kind: 'refused',
      reason: `the saved snapshot could not be read: ${(error as Error).message}`,
    };
  }
}

/** Records `snapshot` on the run's final event (unless the run is served over A2A). */
export function recordSnapshot(event: Event, snapshot: RecordedSnapshot | undefined): void {
  if (!snapshot || !event.customMetadata) return;
  event.customMetadata = {
    ...event.customMetadata,
    codingAgent: {...(event.customMetadata.codingAgent as object), snapshot},
  };
}
