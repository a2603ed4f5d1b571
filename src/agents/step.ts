/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** One step of the loop, in three phases: ask the model, extract its code, execute it. */

import {AsyncQueue, createEventActions, type Event, type LlmRequest} from '@google/adk';

import type {ExecutionResult, OutputChunk} from '../code_executors/sandbox.js';
import {saveExecutionArtifacts} from './artifacts.js';
import {extractCode, type ExtractedReply} from './code_extraction.js';
import {pushMessage} from './conversation.js';
import {askModel, type ModelCall, type ModelReply} from './model_call.js';
import {OBSERVATION_PREFIX, replyNotes, stopTexts} from './messages.js';
import {LiveOutput, formatObservation} from './observation.js';
import {timeLimitEnd, type Run} from './run.js';
import {tokenCounts} from './usage.js';
import {codeExecutionSpan} from '../telemetry/tracing.js';
import type {StepOutcome} from './stop_rules.js';

/** Runs step `step` of `run`, yielding its events; returns what it came to. */
export async function* runStep(run: Run, step: number): AsyncGenerator<Event, StepOutcome, void> {
  // 1. Ask the model (the reply's event id is reserved now, for its trace).
  const eventId = run.events.reserveId();
  const reply = yield* askModel(modelCall(run, step, eventId));
  if (reply.kind !== 'reply') return unusableReply(run, reply);

  // 2. Extract the code.
  // Parts, not text: thought parts are reasoning and never run.
  const extracted = extractCode(reply.content.parts ?? []);
  if (extracted.code === undefined) return answerInText(run, reply, extracted, eventId);
  if (reply.cutOff) {
    // Code cut off at the token limit is not run: half a program can do half a job.
    run.contents.push(reply.content);
    pushMessage(run.contents, 'user', replyNotes.cutOff(extracted.truncated));
    return {kind: 'unusable', why: 'cut_off', finishNote: ''};
  }

  // 3. Execute it.
  return yield* execute(run, step, eventId, reply, extracted as ExtractedReply & {code: string});
}

/** The model call of a step (or of the last call, `step` = maxIterations + 1). */
export function modelCall(run: Run, step: number, eventId: string): ModelCall {
  const {agent, llm} = run;
  run.history.age();
  const config = agent.generateContentConfig;
  const request: LlmRequest = {
    model: llm.model,
    // A copy, so callbacks that edit the request cannot rewrite this run's history.
    contents: structuredClone(run.contents),
    config: {
      ...config,
      systemInstruction: run.systemInstruction,
      labels: {...config?.labels, adk_agent_name: agent.name},
    },
    liveConnectConfig: {},
    toolsDict: {},
  };
  return {
    ctx: run.ctx,
    llm,
    request,
    eventActions: run.events.create().actions,
    beforeModelCallbacks: agent.canonicalBeforeModelCallbacks,
    afterModelCallbacks: agent.canonicalAfterModelCallbacks,
    stream: run.stream,
    signal: run.budget.signal,
    remainingMs: run.budget.remainingMs,
    retry: agent.modelRetry,
    usage: run.usage,
    step,
    eventId,
    partialEvent: (content, metadata) => run.events.partial(content, metadata),
  };
}

/** A reply the loop cannot run: say so to the model (and go on), or end the run. */
export function unusableReply(run: Run, reply: Exclude<ModelReply, {kind: 'reply'}>): StepOutcome {
  switch (reply.kind) {
    case 'aborted':
      return run.budget.timedOut()
        ? {kind: 'end', end: timeLimitEnd(run.agent, 'model')}
        : {kind: 'aborted'};
    case 'failed':
      return {
        kind: 'end',
        end: {
          text: reply.summary,
          stopReason: 'model_error',
          errorCode: reply.errorCode,
          errorMessage: reply.message,
        },
      };
    case 'blocked':
      return {
        kind: 'end',
        end: {text: reply.sentence, stopReason: 'blocked', errorCode: reply.reason},
      };
    case 'empty':
      if (reply.thinkingCutOff) {
        pushMessage(run.contents, 'user', replyNotes.thinkingUsedBudget(reply.thoughtTokens));
        return {kind: 'unusable', why: 'thinking_cut_off', finishNote: reply.finishNote};
      }
      pushMessage(run.contents, 'user', replyNotes.empty(reply.finishNote));
      return {kind: 'unusable', why: 'empty', finishNote: reply.finishNote};
  }
}

/** A reply without code: its prose is the answer (reasoning alone counts as empty). */
function answerInText(
  run: Run,
  reply: Extract<ModelReply, {kind: 'reply'}>,
  extracted: ExtractedReply,
  eventId: string,
): StepOutcome {
  const text = extracted.text.trim();
  if (!text) return unusableReply(run, {kind: 'empty', finishNote: '', thinkingCutOff: false});
  const answer = reply.cutOff ? stopTexts.cutOffAnswer(extracted.text) : extracted.text;
  return {kind: 'end', end: {text: answer, value: answer, stopReason: 'text_answer', eventId}};
}

/** Runs the step's code and yields its event: the code live, its output live, then the result. */
async function* execute(
  run: Run,
  step: number,
  eventId: string,
  reply: Extract<ModelReply, {kind: 'reply'}>,
  extracted: ExtractedReply & {code: string},
): AsyncGenerator<Event, StepOutcome, void> {
  const {code} = extracted;
  yield run.events.code(code);
  // The reply as sent (thoughts and their signatures included) goes back to the model.
  run.contents.push(reply.content);
  if (!(await run.ensureStubs(run.lastExecutionLostState))) {
    return {kind: 'end', end: timeLimitEnd(run.agent, 'code')};
  }
  const span = codeExecutionSpan(run.ctx, step, eventId);
  run.bridge.traceContext = span.context;
  const result = yield* executeStreaming(run, code);
  span.end(outcomeOf(result), result.durationMs, result.stateLost, result.error?.type);
  run.lastExecutionLostState = result.stateLost;
  // A kill within the turn: back to the end of the previous turn, when a snapshot has it.
  const restoredNote = result.stateLost ? await run.restoreAfterKill() : undefined;
  if (restoredNote) run.lastExecutionLostState = false;
  for (const usage of run.bridge.subAgents.take()) run.usage.addSubAgentTokens(tokenCounts(usage));
  const actions = createEventActions(run.bridge.takeActions());
  const saved = await saveExecutionArtifacts(run.ctx, actions, result, {
    figurePrefix: `${run.figurePrefix}_s${step}`,
    maxArtifactBytes: run.agent.maxArtifactBytes,
    allowedActiveArtifactTypes: run.agent.allowedActiveArtifactTypes,
  });
  let observation = formatObservation(result, {maxChars: run.agent.maxObservationChars}, saved);
  if (extracted.truncated && result.error?.type === 'SyntaxError') {
    observation += replyNotes.unclosedFence;
  }
  if (restoredNote) observation += `\n${restoredNote}`;
  const modelParts = [
    ...(extracted.thoughts ? [{text: extracted.thoughts, thought: true}] : []),
    ...(extracted.text ? [{text: extracted.text}] : []),
  ];
  yield run.events.step({step, eventId, modelParts, code, result, observation, actions, saved});
  pushMessage(run.contents, 'user', OBSERVATION_PREFIX + observation);
  run.history.add(run.contents.at(-1)!.parts!.at(-1)!, observation, Boolean(result.error));

  if (result.finalAnswer) {
    const {value} = result.finalAnswer;
    return {kind: 'end', end: {text: renderAnswer(value), value, stopReason: 'final_answer'}};
  }
  if (run.budget.timedOut()) return {kind: 'end', end: timeLimitEnd(run.agent, 'code')};
  return {kind: 'ran', error: result.error};
}

/** Executes `code`; when the run streams, its output so far is yielded as partial events. */
async function* executeStreaming(
  run: Run,
  code: string,
): AsyncGenerator<Event, ExecutionResult, void> {
  const request = {
    code,
    timeoutMs: run.agent.executionTimeoutMs,
    onToolCall: run.bridge.handle,
    signal: run.budget.signal,
  };
  if (!run.stream) return await run.sandbox.execute(request);
  const chunks = new AsyncQueue<OutputChunk>();
  const execution = run.sandbox
    .execute({...request, onOutput: (chunk) => chunks.push(chunk)})
    .finally(() => chunks.close());
  const live = new LiveOutput();
  for await (const chunk of chunks) {
    live.add(chunk);
    yield run.events.output(live.text());
  }
  return await execution;
}

/** How an execution ended, for its span: `ok`, `final_answer`, or the error's type. */
function outcomeOf(result: ExecutionResult): string {
  if (result.error) return result.error.type;
  return result.finalAnswer ? 'final_answer' : 'ok';
}

/** Renders a `final_answer` value as the text of the final event. */
export function renderAnswer(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}
