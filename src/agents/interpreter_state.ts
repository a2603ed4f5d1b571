/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * What a conversation's interpreter held, across turns: a stateful agent records the names and
 * types of the interpreter's variables on its final event of each turn
 * (`customMetadata.codingAgent.variables`), so that the next turn can tell the model which ones
 * it can reuse — or, when it finds a fresh interpreter, which ones are gone and why. The record
 * is kept in the session's events, not its state: state deltas travel to a parent agent (an
 * `AgentTool` copies them into the caller's state), this record is the agent's own business.
 */

import type {Event, InvocationContext} from '@google/adk';
import type {Content} from '@google/genai';

import type {SandboxSession} from '../code_executors/sandbox.js';
import {hasEarlierExecutions, pushMessage} from './conversation.js';
import {describeProblems} from '../state/snapshots.js';
import type {RestoreOutcome} from './durable_state.js';
import {interpreterNotes} from './messages.js';

/** The variables a stateful agent's interpreter held at the end of a turn (on its final event). */
export interface RecordedVariables {
  /** Name and Python type name of each user-defined global, sorted by name. */
  variables: Array<{name: string; type: string}>;
}

/** Variables recorded at most (the rest are counted, not named). */
const MAX_RECORDED_VARIABLES = 200;

/**
 * Tells the model whether the variables of earlier turns are still there. With snapshots, a
 * restored interpreter reads like a live one: the model is told only what could not come back.
 */
export function noteInterpreter(
  options: {
    agentName: string;
    stateful: boolean;
    freshKernel: boolean;
    lossReason?: string;
    /** What the turn's snapshot restore did (stateful agents with snapshots). */
    restore?: RestoreOutcome;
  },
  ctx: InvocationContext,
  contents: Content[],
): void {
  const earlier = lastRecordedVariables(ctx.session.events, options.agentName)?.variables ?? [];
  const hadEarlierState =
    hasEarlierExecutions(ctx.session.events, options.agentName, ctx.invocationId) ||
    earlier.length > 0;
  const restore = options.restore;
  if (options.stateful && restore?.kind === 'restored') {
    const missing = new Set(restore.missing.map((p) => p.name));
    const kept = earlier.filter((v) => !missing.has(v.name));
    if (restore.missing.length > 0) {
      pushMessage(
        contents,
        'user',
        interpreterNotes.restoredPartly(describeProblems(restore.missing), kept),
      );
    } else if (kept.length > 0) {
      pushMessage(contents, 'user', interpreterNotes.stillDefined(kept));
    }
  } else if ((options.freshKernel || restore?.kind === 'refused') && hadEarlierState) {
    // A refused snapshot leaves a fresh (or, for an outdated live kernel, cleared) namespace.
    let reason = options.lossReason ?? interpreterNotes.unknownLoss;
    if (restore?.kind === 'refused')
      reason += `; ${interpreterNotes.snapshotRefused(restore.reason)}`;
    const note = options.stateful
      ? interpreterNotes.restarted(reason, earlier)
      : interpreterNotes.freshEachTurn;
    pushMessage(contents, 'user', note);
  } else if (options.stateful && earlier.length > 0) {
    // Older turns' code is compacted away; this list says what can be reused.
    pushMessage(contents, 'user', interpreterNotes.stillDefined(earlier));
  }
}

/** The variables recorded by `agentName` at the end of its latest turn in `events`. */
export function lastRecordedVariables(
  events: readonly Event[],
  agentName: string,
): RecordedVariables | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event.author !== agentName) continue;
    const recorded = (
      event.customMetadata?.codingAgent as {variables?: RecordedVariables} | undefined
    )?.variables;
    if (recorded) return recorded;
  }
  return undefined;
}

/**
 * Records the interpreter's user-defined variables (names and types) on `event` (the run's final
 * event), so a later turn can tell the model what a lost kernel took with it.
 */
export async function recordVariables(sandbox: SandboxSession, event: Event): Promise<void> {
  const result = await sandbox
    .execute({
      code:
        "print('\\n'.join(f'{n}\\t{type(v).__name__}' for n, v in list(globals().items())" +
        " if not n.startswith('_') and n not in globals().get('__adk_baseline__', ())))",
    })
    .catch(() => undefined);
  if (!result || result.error) return;
  const variables = result.stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((fields) => fields.length === 2 && /^[A-Za-z_]\w*$/.test(fields[0]))
    .map(([name, type]) => ({name, type: type.slice(0, 60)}))
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, MAX_RECORDED_VARIABLES);
  const recorded: RecordedVariables = {variables};
  // Events of a run served over A2A carry no metadata (see events.ts): no record then.
  if (!event.customMetadata) return;
  event.customMetadata = {
    ...event.customMetadata,
    codingAgent: {...(event.customMetadata?.codingAgent as object), variables: recorded},
  };
}
