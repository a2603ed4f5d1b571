/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Every sentence the agent itself writes: what the model reads between its steps (notes,
 * nudges, the last-step request) and the texts a run ends with. One place, so the wording is
 * consistent and can be reviewed (and measured for tokens) as a whole.
 */

import {seconds} from '../utils/time.js';

/** Prefix of the user message that carries an execution's observation to the model. */
export const OBSERVATION_PREFIX = 'Observation:\n';

/** The user message of the last call when `maxIterations` is reached. */
export const LAST_STEP_REQUEST =
  'You have used all your steps. Reply now with your best final answer in plain text, without any code block. Say what is uncertain.';

/** Stands in for a blank user message, so a request never starts with a model turn. */
export const BLANK_USER_MESSAGE = '(The user sent an empty message.)';

/** Notes in the history where earlier turns were shortened. */
export const historyNotes = {
  turnsOmitted(count: number): string {
    return `[${count} earlier turn${count === 1 ? '' : 's'} of this conversation omitted to save space]`;
  },
  stepsOmitted(count: number): string {
    return `[${count} code step${count === 1 ? '' : 's'}; code and output omitted]`;
  },
  /** Marks an earlier observation of this run that was shortened. */
  observationAged: (chars: number) =>
    `[... shortened from ${chars} chars; its variables are still in the interpreter ...]`,
  /** Other agents' turns, which this agent reads as context (as ADK's LlmAgent does). */
  forContext(lines: readonly string[]): string {
    return `For context:\n${lines.join('\n')}`;
  },
  otherSaid: (agent: string, text: string) => `[${agent}] said: ${text}`,
  otherCalled: (agent: string, tool: string, args: string) =>
    `[${agent}] called tool \`${tool}\` with parameters: ${args}`,
  otherToolReturned: (agent: string, tool: string, result: string) =>
    `[${agent}] \`${tool}\` tool returned result: ${result}`,
  otherRanCode: (agent: string, code: string) => `[${agent}] ran code:\n${code}`,
  otherCodeOutput: (agent: string, output: string) => `[${agent}] code output:\n${output}`,
};

/** `df (DataFrame), rate (float)`: variables as the model reads them. */
export function describeVariables(variables: ReadonlyArray<{name: string; type: string}>): string {
  return variables.map((v) => `${v.name} (${v.type})`).join(', ');
}

/** What the model is told at the start of a run about the interpreter it finds. */
export const interpreterNotes = {
  /** A stateful conversation's interpreter was lost since the last turn. */
  restarted(reason: string, gone: ReadonlyArray<{name: string; type: string}>): string {
    const lost = gone.length
      ? ` These variables from earlier turns are gone: ${describeVariables(gone)}.`
      : ' Variables from earlier turns are gone.';
    return `Note: the Python interpreter was restarted since the last turn (${reason}).${lost} Recompute what you need; files in the input folder are still there.`;
  },
  /** Default reason when the session manager does not know why the interpreter is new. */
  unknownLoss: 'it was stopped, crashed, or the server restarted',
  /** A stateless agent's earlier turns. */
  freshEachTurn:
    'Note: each turn starts a fresh Python interpreter; variables from earlier turns are gone.',
  /**
   * A stateful conversation's interpreter was restored from its snapshot, but some variables
   * could not come back (`missing`: names and reasons, as {@link describeProblems} writes them).
   */
  restoredPartly(missing: string, kept: ReadonlyArray<{name: string; type: string}>): string {
    const still = kept.length ? ` Still defined: ${describeVariables(kept)}.` : '';
    return `Note: the Python interpreter was restarted since the last turn and restored from its snapshot, except these variables, which are gone: ${missing}. Recompute them if you need them.${still}`;
  },
  /** Why a saved snapshot was not used (appended to the restart reason). */
  snapshotRefused: (reason: string) => `${reason}; so nothing was restored`,
  /** After a kill within the turn, the state of the end of the previous turn is back. */
  restoredAfterKill(missing: string): string {
    const gone = missing ? ` These could not be restored: ${missing}.` : '';
    return `Note: the interpreter was then restored from the snapshot taken at the end of the previous turn: variables are as they were when this turn began; what this turn's earlier steps defined or changed is gone.${gone}`;
  },
  /** A stateful conversation's interpreter is still alive. */
  stillDefined(variables: ReadonlyArray<{name: string; type: string}>): string {
    return `Note: variables from earlier turns still defined in the interpreter: ${describeVariables(variables)}.`;
  },
};

/** What the model is told after a reply the agent could not use. */
export const replyNotes = {
  /** The reply had no text (or only reasoning). */
  empty(finishNote: string): string {
    return `Your reply was empty${finishNote}. Write one \`\`\`python code block, or answer in plain text.`;
  },
  /** The reply was cut at the output token limit, so its code was not run. */
  cutOff(insideCode: boolean): string {
    return (
      'Your reply was cut off at the output token limit (finish reason MAX_TOKENS) ' +
      `${insideCode ? 'inside its code block' : 'after its code block'}, so none ` +
      'of its code was run. Write a shorter step: less code per block, and split the work ' +
      'over several steps.'
    );
  },
  /** The whole output budget went to reasoning: no text at all came back. */
  thinkingUsedBudget(thoughtTokens: number | undefined): string {
    const spent = thoughtTokens ? ` (${thoughtTokens} thinking tokens)` : '';
    return (
      `Your reply was cut off at the output token limit while you were still thinking${spent}, ` +
      'so no text or code came back. Think less and write a short step now.'
    );
  },
  /** Appended to an observation whose code block had no closing fence. */
  unclosedFence:
    '\nNote: your code block had no closing ``` fence; the reply may have been cut off.',
};

/** Texts a run ends with (the final event's text). */
export const stopTexts = {
  unknownAgent(name: string): string {
    return `Stopped: a tool transferred to the agent "${name}", which is not in the agent tree.`;
  },
  failedSteps(count: number, type: string, message: string): string {
    return `Stopped after ${count} failed code steps in a row. Last error: ${type}: ${message}`;
  },
  emptyReplies(count: number, finishNote: string): string {
    return `Stopped: the model returned ${count} empty replies in a row${finishNote}.`;
  },
  cutOffReplies(count: number): string {
    return `Stopped: the model's reply was cut off at its output token limit ${count} times in a row, so its code was never run.`;
  },
  /** Repeated cut-offs where the whole budget went to thinking: name the setting to change. */
  thinkingBudget(count: number): string {
    return (
      `Stopped: the model spent its whole output token limit on thinking ${count} times in a row, ` +
      'so it never wrote an answer. Raise maxOutputTokens or lower the thinking budget ' +
      '(generateContentConfig.thinkingConfig.thinkingBudget).'
    );
  },
  /** A prose answer cut at the token limit says so rather than end mid-word. */
  cutOffAnswer(text: string): string {
    return `${text}\n\n[The answer was cut off at the model's output token limit.]`;
  },
  maxIterations(steps: number): string {
    return `Stopped after ${steps} steps without a final answer.`;
  },
  timeLimit(maxRunTimeMs: number, during?: 'code' | 'model'): string {
    const where =
      during === 'code'
        ? ' while code was running; the code was stopped and the Python interpreter restarted, so its variables are gone'
        : during === 'model'
          ? ' while waiting for the model'
          : '';
    return `Stopped: this run reached its time limit of ${seconds(maxRunTimeMs)} s (maxRunTimeMs)${where}.`;
  },
};

/** What a snippet's call reads when the user did not answer what it asked. */
export const interactionTexts = {
  noAnswer: (call: {toolName: string; kind: string}, waitedSeconds: string) =>
    `${call.toolName}: no answer came from the user within ${waitedSeconds} s (interactionTimeoutMs) ` +
    `to its ${askedWhat(call.kind)}; the call did not complete. Go on without it or ask the user.`,
  declined: (call: {toolName: string; kind: string}, reason: string) =>
    `${call.toolName}: the ${askedWhat(call.kind)} was not answered (${reason}); the call did not complete.`,
  newMessage: 'the user sent a new message instead of answering',
  /** The user's new message, after the observation of the step it interrupted. */
  userSaid: (text: string) => `The user sent a new message instead of answering:\n${text}`,
};

function askedWhat(kind: string): string {
  switch (kind) {
    case 'confirmation':
      return 'request for confirmation';
    case 'credential':
      return 'request for a credential';
    default:
      return 'long-running operation';
  }
}
