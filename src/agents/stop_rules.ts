/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** What a step came to, and the one place that decides when failures in a row stop a run. */

import type {ExecutionError} from '../code_executors/sandbox.js';
import type {RunEnd} from './events.js';
import {stopTexts} from './messages.js';
import type {RunningCode} from './step.js';

/** The outcome of one step of the loop. */
export type StepOutcome =
  /** The code ran (`error` set when it raised); the loop goes on. */
  | {kind: 'ran'; error?: ExecutionError}
  /** The model's reply could not be used; the model was told why and is asked again. */
  | {kind: 'unusable'; why: 'empty' | 'cut_off' | 'thinking_cut_off'; finishNote: string}
  /** The run is over (an answer, or a reason to stop). */
  | {kind: 'end'; end: RunEnd}
  /** A tool called from code transferred to `agentName`, which now runs instead. */
  | {kind: 'transfer'; agentName: string}
  /** The caller aborted the invocation: the run ends without a final event. */
  | {kind: 'aborted'}
  /** A tool call waits for the user: the invocation ends, the code goes on when they answer. */
  | {kind: 'paused'; running: RunningCode};

/**
 * Counts failed steps in a row — snippets that raised and replies that could not be used —
 * and stops the run once there are more than `errorRetryAttempts`. A snippet that runs cleanly
 * resets the count.
 */
export class FailureCounter {
  private count = 0;

  constructor(private readonly errorRetryAttempts: number) {}

  /** How the run ends after `outcome`, when this failure is one too many. */
  after(
    outcome: Exclude<StepOutcome, {kind: 'aborted' | 'paused' | 'transfer'}>,
  ): RunEnd | undefined {
    if (outcome.kind === 'end') return outcome.end;
    if (outcome.kind === 'ran' && !outcome.error) {
      this.count = 0;
      return undefined;
    }
    if (++this.count <= this.errorRetryAttempts) return undefined;
    return {text: this.stopText(outcome), stopReason: 'errors'};
  }

  private stopText(outcome: Extract<StepOutcome, {kind: 'ran' | 'unusable'}>): string {
    if (outcome.kind === 'ran') {
      const {type, message} = outcome.error!;
      return stopTexts.failedSteps(this.count, type, message);
    }
    switch (outcome.why) {
      case 'empty':
        return stopTexts.emptyReplies(this.count, outcome.finishNote);
      case 'cut_off':
        return stopTexts.cutOffReplies(this.count);
      case 'thinking_cut_off':
        return stopTexts.thinkingBudget(this.count);
    }
  }
}
