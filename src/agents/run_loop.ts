/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** The ReAct loop of one run: steps until an answer, too many failures, or the step limit. */

import type {Event} from '@google/adk';

import {extractCode} from './code_extraction.js';
import {pushMessage} from './conversation.js';
import type {RunEnd} from './events.js';
import {LAST_STEP_REQUEST, stopTexts} from './messages.js';
import {askModel} from './model_call.js';
import {timeLimitEnd, type Run} from './run.js';
import {
  modelCall,
  resumeStep,
  runStep,
  unusableReply,
  type Resumption,
  type RunningCode,
} from './step.js';
import {FailureCounter} from './stop_rules.js';

/**
 * Runs the steps of `run` (from the step it paused in, when `resumed`) and yields every event,
 * ending with the run's final event; or returns the running code when a tool call waits for
 * the user (the invocation then ends without a final answer).
 */
export async function* runLoop(
  run: Run,
  resumed?: Resumption & {step?: number},
): AsyncGenerator<Event, RunningCode | undefined, void> {
  const {agent} = run;
  const failures = new FailureCounter(agent.errorRetryAttempts);
  const first = resumed ? (resumed.kind === 'live' ? resumed.running.step : resumed.step) : 1;
  for (let step = first; step <= agent.maxIterations; step++) {
    const outcome = run.budget.timedOut()
      ? {kind: 'end' as const, end: timeLimitEnd(agent)}
      : resumed && step === first
        ? yield* resumeStep(run, resumed)
        : yield* runStep(run, step);
    if (outcome.kind === 'aborted') return undefined;
    if (outcome.kind === 'paused') return outcome.running;
    if (outcome.kind === 'transfer') {
      yield* transfer(run, outcome.agentName);
      return undefined;
    }
    // A message the user sent instead of answering comes after the step it interrupted.
    if (run.userMessage !== undefined) {
      pushMessage(run.contents, 'user', run.userMessage);
      run.userMessage = undefined;
    }
    const end = failures.after(outcome);
    if (end) {
      yield run.events.final(end, agent.outputKey);
      return undefined;
    }
  }
  const end = yield* lastCall(run);
  if (end) yield run.events.final(end, agent.outputKey);
  return undefined;
}

/** Runs the agent a tool transferred to, as `LlmAgent` does; its events end the run. */
async function* transfer(run: Run, agentName: string): AsyncGenerator<Event, void, void> {
  const target = run.agent.rootAgent.findAgent(agentName);
  if (!target) {
    const text = stopTexts.unknownAgent(agentName);
    yield run.events.final(
      {text, stopReason: 'errors', errorCode: 'AGENT_NOT_FOUND', errorMessage: text},
      run.agent.outputKey,
    );
    return;
  }
  for await (const event of target.runAsync(run.ctx)) {
    if (run.ctx.abortSignal?.aborted) return;
    yield event;
  }
}

/** Out of steps: one last call for the best answer, in words. */
async function* lastCall(run: Run): AsyncGenerator<Event, RunEnd | undefined, void> {
  pushMessage(run.contents, 'user', LAST_STEP_REQUEST);
  const eventId = run.events.reserveId();
  const reply = yield* askModel(modelCall(run, run.agent.maxIterations + 1, eventId));
  if (reply.kind !== 'reply') {
    const outcome = unusableReply(run, reply);
    if (outcome.kind === 'aborted') return undefined;
    if (outcome.kind === 'end') return outcome.end;
  }
  const text = reply.kind === 'reply' ? extractCode(reply.content.parts ?? []).text.trim() : '';
  const answer = text || stopTexts.maxIterations(run.agent.maxIterations);
  return {text: answer, value: answer, stopReason: 'max_iterations', eventId};
}
