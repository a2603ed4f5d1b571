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
import {modelCall, runStep, unusableReply} from './step.js';
import {FailureCounter} from './stop_rules.js';

/** Runs the steps of `run` and yields every event, ending with the run's final event. */
export async function* runLoop(run: Run): AsyncGenerator<Event, void, void> {
  const {agent} = run;
  const failures = new FailureCounter(agent.errorRetryAttempts);
  for (let step = 1; step <= agent.maxIterations; step++) {
    const outcome = run.budget.timedOut()
      ? {kind: 'end' as const, end: timeLimitEnd(agent)}
      : yield* runStep(run, step);
    if (outcome.kind === 'aborted') return;
    if (outcome.kind === 'transfer') return yield* transfer(run, outcome.agentName);
    const end = failures.after(outcome);
    if (end) {
      yield run.events.final(end, agent.outputKey);
      return;
    }
  }
  const end = yield* lastCall(run);
  if (end) yield run.events.final(end, agent.outputKey);
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
