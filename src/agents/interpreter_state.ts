/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * What a conversation's interpreter held, across turns: a stateful agent records the names and
 * types of the interpreter's variables in session state after each turn, so that the next turn
 * can tell the model which ones it can reuse — or, when it finds a fresh interpreter, which ones
 * are gone and why.
 */

import type {Event, InvocationContext} from '@google/adk';
import type {Content} from '@google/genai';

import type {SandboxSession} from '../code_executors/sandbox.js';
import {hasEarlierExecutions, pushMessage} from './conversation.js';
import {interpreterNotes} from './messages.js';

/** Session state key prefix under which a stateful agent records its interpreter's variables. */
export const VARIABLES_STATE_PREFIX = '_coding_agent:variables:';

/** The variables a stateful agent's interpreter held at the end of a turn (in session state). */
export interface RecordedVariables {
  /** Name and Python type name of each user-defined global, sorted by name. */
  variables: Array<{name: string; type: string}>;
}

/** Variables recorded at most (the rest are counted, not named). */
const MAX_RECORDED_VARIABLES = 200;

/** Tells the model whether the variables of earlier turns are still there. */
export function noteInterpreter(
  options: {agentName: string; stateful: boolean; freshKernel: boolean; lossReason?: string},
  ctx: InvocationContext,
  contents: Content[],
): void {
  const recorded = ctx.session.state[VARIABLES_STATE_PREFIX + options.agentName] as
    RecordedVariables | undefined;
  const earlier = recorded?.variables ?? [];
  const hadEarlierState =
    hasEarlierExecutions(ctx.session.events, options.agentName, ctx.invocationId) ||
    earlier.length > 0;
  if (options.freshKernel && hadEarlierState) {
    const note = options.stateful
      ? interpreterNotes.restarted(options.lossReason ?? interpreterNotes.unknownLoss, earlier)
      : interpreterNotes.freshEachTurn;
    pushMessage(contents, 'user', note);
  } else if (options.stateful && earlier.length > 0) {
    // Older turns' code is compacted away; this list says what can be reused.
    pushMessage(contents, 'user', interpreterNotes.stillDefined(earlier));
  }
}

/**
 * Records the interpreter's user-defined variables (names and types) in `event`'s `stateDelta`
 * (the run's final event), so a later turn can tell the model what a lost kernel took with it.
 */
export async function recordVariables(
  agentName: string,
  sandbox: SandboxSession,
  event: Event,
): Promise<void> {
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
  event.actions.stateDelta[VARIABLES_STATE_PREFIX + agentName] = recorded;
}
