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
import {deepCopy} from '../utils/deep_copy.js';
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

  // 3. Execute it (a tool call that waits for the user pauses the step: see continueStep).
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
    contents: deepCopy(run.contents),
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

/** Code of a step that is running (or waits for the user at a tool call). */
export interface RunningCode {
  /** The step the code belongs to. */
  step: number;
  /** The id reserved for the step's event. */
  eventId: string;
  /** The model's reply the code came from. */
  reply: Extract<ModelReply, {kind: 'reply'}>;
  /** The reply's code, prose and thoughts. */
  extracted: ExtractedReply & {code: string};
  /** What the execution sends, in order: output, a call that started waiting, the result. */
  happenings: AsyncIterator<Happening>;
  /** Settles with the execution's result. */
  result: Promise<ExecutionResult>;
  /** Makes the execution follow the abort signal of the invocation it belongs to now. */
  relay: SignalRelay;
  /** The output so far, as partial events show it. */
  live: LiveOutput;
  /** The execution's trace span, ended with the step. */
  span: ReturnType<typeof codeExecutionSpan>;
}

type Happening =
  {kind: 'output'; chunk: OutputChunk} | {kind: 'asked'} | {kind: 'done'; result: ExecutionResult};

/** An abort signal that follows one signal at a time (the current invocation's budget). */
export class SignalRelay {
  private readonly controller = new AbortController();
  private detach?: () => void;

  /** The signal the execution watches. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts when `signal` does (and no longer when the one followed before does). */
  follow(signal: AbortSignal): void {
    this.release();
    if (signal.aborted) return this.controller.abort();
    const abort = () => this.controller.abort();
    signal.addEventListener('abort', abort, {once: true});
    this.detach = () => signal.removeEventListener('abort', abort);
  }

  /** Follows nothing (the invocation ended while the code waits). */
  release(): void {
    this.detach?.();
    this.detach = undefined;
  }
}

/**
 * Runs the step's code and yields its event: the code live, its output live, then the result;
 * or returns `paused` when a tool call waits for the user. `again`: the reply is in the history
 * already (code run again after its interpreter was lost).
 */
export async function* execute(
  run: Run,
  step: number,
  eventId: string,
  reply: Extract<ModelReply, {kind: 'reply'}>,
  extracted: ExtractedReply & {code: string},
  again = false,
): AsyncGenerator<Event, StepOutcome, void> {
  const {code} = extracted;
  yield run.events.code(code);
  // The reply as sent (thoughts and their signatures included) goes back to the model.
  if (!again) run.contents.push(reply.content);
  if (!(await run.ensureStubs(run.lastExecutionLostState))) {
    return {kind: 'end', end: timeLimitEnd(run.agent, 'code')};
  }
  run.executedCode.push(code);
  const span = codeExecutionSpan(run.ctx, step, eventId);
  run.bridge.traceContext = span.context;
  const queue = new AsyncQueue<Happening>();
  const relay = new SignalRelay();
  relay.follow(run.budget.signal);
  run.interactions.listen(() => queue.push({kind: 'asked'}));
  const result = run.sandbox.execute({
    code,
    timeoutMs: run.agent.executionTimeoutMs,
    onToolCall: run.bridge.handle,
    signal: relay.signal,
    onOutput: (chunk) => queue.push({kind: 'output', chunk}),
  });
  void result.then((r) => {
    // Calls still waiting belong to code that is gone: they must never run their tools.
    run.interactions.drop();
    queue.push({kind: 'done', result: r});
  });
  const happenings = queue[Symbol.asyncIterator]();
  const live = new LiveOutput();
  const running: RunningCode = {
    step,
    eventId,
    reply,
    extracted,
    happenings,
    result,
    relay,
    live,
    span,
  };
  return yield* continueStep(run, running);
}

/** Where a paused run picks up (see {@link resumeStep}). */
export type Resumption =
  /** The interpreter waited at the call: the same execution goes on. */
  | {kind: 'live'; running: RunningCode}
  /** The interpreter is gone: the run's code is run again in a fresh one, from its records. */
  | {
      kind: 'replay';
      step: number;
      eventId: string;
      reply: Extract<ModelReply, {kind: 'reply'}>;
      extracted: ExtractedReply & {code: string};
      /** Code of the run's earlier steps, in order. */
      earlierCode: readonly string[];
    };

/**
 * Picks up the step a run paused in. Live: the waiting execution goes on in this invocation.
 * Replay: the earlier steps' code runs again first (its tool calls served from the recorded
 * outcomes, so no tool runs twice, its output dropped), then the step's own code, whose answered
 * call runs its tool once with the user's answer.
 */
export async function* resumeStep(
  run: Run,
  resumption: Resumption,
): AsyncGenerator<Event, StepOutcome, void> {
  if (resumption.kind === 'live') {
    const {running} = resumption;
    // Calls the answer left unanswered are asked again at once.
    if (run.interactions.isWaiting) return {kind: 'paused', running};
    running.relay.follow(run.budget.signal);
    return yield* continueStep(run, running);
  }
  for (const code of resumption.earlierCode) {
    await run.sandbox.execute({
      code,
      timeoutMs: run.agent.executionTimeoutMs,
      onToolCall: run.bridge.handle,
      signal: run.budget.signal,
    });
    run.executedCode.push(code);
  }
  const {step, eventId, reply, extracted} = resumption;
  return yield* execute(run, step, eventId, reply, extracted, true);
}

/** Watches running code until it ends (then yields the step's event) or waits for the user. */
export async function* continueStep(
  run: Run,
  running: RunningCode,
): AsyncGenerator<Event, StepOutcome, void> {
  for (;;) {
    const {value} = await running.happenings.next();
    const happening = value as Happening;
    if (happening.kind === 'output') {
      running.live.add(happening.chunk);
      if (run.stream) yield run.events.output(running.live.text());
    } else if (happening.kind === 'asked') {
      if (run.interactions.isWaiting) {
        running.relay.release();
        return {kind: 'paused', running};
      }
    } else {
      return yield* finish(run, running, happening.result);
    }
  }
}

/** The step's event from its result, and what the step came to. */
async function* finish(
  run: Run,
  running: RunningCode,
  result: ExecutionResult,
): AsyncGenerator<Event, StepOutcome, void> {
  const {step, eventId, extracted, span} = running;
  const {code} = extracted;
  running.relay.release();
  span.end(outcomeOf(result), result.durationMs, result.stateLost, result.error?.type);
  run.lastExecutionLostState = result.stateLost;
  // A kill within the turn: back to the end of the previous turn, when a snapshot has it.
  const restoredNote = result.stateLost ? await run.restoreAfterKill() : undefined;
  if (restoredNote) run.lastExecutionLostState = false;
  for (const usage of run.bridge.subAgents.take()) run.usage.addSubAgentTokens(tokenCounts(usage));
  const actions = createEventActions(run.bridge.takeActions());
  // The step event is not the last one: skipSummarization would make ADK take it as final.
  const unsummarized = run.bridge.takeUnsummarized();
  actions.skipSummarization = undefined;
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
  // Actions of tools called from code take effect as they do for LlmAgent's function calls.
  if (actions.transferToAgent) return {kind: 'transfer', agentName: actions.transferToAgent};
  if (unsummarized) {
    const {value} = unsummarized;
    return {kind: 'end', end: {text: renderAnswer(value), value, stopReason: 'tool_result'}};
  }
  if (run.budget.timedOut()) return {kind: 'end', end: timeLimitEnd(run.agent, 'code')};
  return {kind: 'ran', error: result.error};
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
