/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * One model call of a run, as ADK's `LlmAgent` makes it (plugin and agent model callbacks,
 * `maxLlmCalls` counting, streaming when the run asks for it), plus what a code agent needs
 * from any model: transient failures retried with backoff, and every reply sorted into what the
 * loop can act on (a reply, an empty one, a blocked one, a failure). It never throws for model
 * errors.
 */

import {
  Context,
  type BaseLlm,
  type Event,
  type EventActions,
  type InvocationContext,
  type LlmRequest,
  type LlmResponse,
  type SingleAfterModelCallback,
  type SingleBeforeModelCallback,
} from '@google/adk';
import type {Content, Part} from '@google/genai';

import {
  classifyModelError,
  classifyReply,
  nextRetry,
  type ModelFailure,
  type ModelRetryPolicy,
} from './model_retry.js';
import {ModelCallSpan} from '../telemetry/tracing.js';
import {deepCopy} from '../utils/deep_copy.js';
import {tokenCounts, type UsageLedger} from './usage.js';

/** What a model call came to. */
export type ModelReply =
  /** Text to act on (its code runs, or it is the answer). */
  | {
      kind: 'reply';
      /** The reply's non-thought text. */
      text: string;
      /** The reply as the model sent it (thought parts and signatures kept), for this run's history. */
      content: Content;
      /** True when the reply stopped at the output token limit. */
      cutOff: boolean;
      response: LlmResponse;
    }
  /** No text at all (or only reasoning). */
  | {
      kind: 'empty';
      /** ` (finish reason X)` for an unusual finish, else empty. */
      finishNote: string;
      /** The whole output budget went to reasoning (MAX_TOKENS with no text). */
      thinkingCutOff: boolean;
      thoughtTokens?: number;
    }
  /** The provider refused the prompt or stopped the reply for safety, recitation and the like. */
  | {kind: 'blocked'; reason: string; sentence: string}
  /** The call failed for good (or kept failing until the retries or the time were spent). */
  | {kind: 'failed'; errorCode: string; message: string; summary: string}
  /** The run was stopped (time budget or the caller) while waiting. */
  | {kind: 'aborted'};

/** Everything one call needs. */
export interface ModelCall {
  ctx: InvocationContext;
  llm: BaseLlm;
  request: LlmRequest;
  /** Actions of the event the call belongs to (callbacks may set state through them). */
  eventActions: EventActions;
  beforeModelCallbacks: readonly SingleBeforeModelCallback[];
  afterModelCallbacks: readonly SingleAfterModelCallback[];
  /** Stream the reply (the run's `streamingMode` is SSE): text arrives as partial events. */
  stream: boolean;
  /** Aborts the call and any wait between attempts. */
  signal: AbortSignal;
  /** Milliseconds left of the run's time budget (retries never wait past it). */
  remainingMs(): number;
  retry: ModelRetryPolicy;
  usage: UsageLedger;
  /** The step the call belongs to, for the usage ledger. */
  step: number;
  /** Id of the event the reply ends up in (its `call_llm` span names it). */
  eventId: string;
  /** Makes a partial (never persisted) event of this agent. */
  partialEvent(content: Content | undefined, metadata?: Record<string, unknown>): Event;
}

/**
 * Calls the model, yielding partial events (streamed text, retry notices) and returning what the
 * reply came to. Each attempt's tokens are recorded in `call.usage`.
 */
export async function* askModel(call: ModelCall): AsyncGenerator<Event, ModelReply, void> {
  const {ctx, request} = call;
  const callbackContext = new Context({invocationContext: ctx, eventActions: call.eventActions});
  const replaced = await beforeModel(call, callbackContext);
  if (replaced) return record(call, replaced);
  const span = new ModelCallSpan(ctx, request, call.eventId);
  const reply = yield* attempts(call, callbackContext, span);
  if (reply.kind === 'aborted') span.finish(undefined, 'aborted');
  return reply;
}

/** The attempts of one model call, until a usable answer, a permanent failure or the limits. */
async function* attempts(
  call: ModelCall,
  callbackContext: Context,
  span: ModelCallSpan,
): AsyncGenerator<Event, ModelReply, void> {
  const {ctx, request, signal} = call;
  let stream = call.stream;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return {kind: 'aborted'};
    ctx.incrementLlmCallCount();
    let response: LlmResponse | undefined;
    let failure: ModelFailure | undefined;
    try {
      response = yield* generate(call, stream);
      if (!response) return {kind: 'aborted'};
    } catch (e) {
      failure = classifyModelError(e, {callerAborted: signal.aborted});
      if (failure.kind === 'aborted' || signal.aborted) return {kind: 'aborted'};
      const error = e instanceof Error ? e : new Error(String(e));
      response = await ctx.pluginManager.runOnModelErrorCallback({
        callbackContext,
        llmRequest: request,
        error,
      });
      if (response) failure = undefined;
    }
    if (response) {
      response = (await afterModel(call, callbackContext, response)) ?? response;
      const outcome = classifyReply(response);
      if (outcome.kind === 'failed') failure = outcome.failure;
      else if (stream && outcome.kind === 'empty' && response.finishReason === undefined) {
        // ADK's stream aggregation drops a blocked prompt's reason: ask once without streaming.
        stream = false;
        call.usage.record({
          step: call.step,
          outcome: 'empty',
          tokens: tokenCounts(response.usageMetadata),
        });
        continue;
      }
    }
    if (!failure) {
      span.finish(response);
      return record(call, response!);
    }
    const decision = nextRetry({
      attempt,
      failure,
      policy: call.retry,
      remainingMs: call.remainingMs(),
    });
    call.usage.record({
      step: call.step,
      outcome: decision.retry ? 'retried' : 'failed',
      error: String(failure.status ?? failure.code ?? 'error'),
      tokens: tokenCounts(response?.usageMetadata),
    });
    if (!decision.retry) {
      span.finish(response, failure.summary);
      return {
        kind: 'failed',
        errorCode:
          response?.errorCode ??
          (failure.status !== undefined ? String(failure.status) : 'MODEL_ERROR'),
        message: failure.message,
        summary: failure.summary,
      };
    }
    yield call.partialEvent(undefined, {
      retry: {
        attempt,
        of: call.retry.attempts,
        delayMs: decision.delayMs,
        error: String(failure.status ?? failure.code ?? 'error'),
        message: failure.message,
      },
    });
    span.retried(attempt, String(failure.status ?? failure.code ?? 'error'), decision.delayMs);
    if (!(await sleep(decision.delayMs, signal))) return {kind: 'aborted'};
  }
}

async function beforeModel(call: ModelCall, context: Context): Promise<LlmResponse | undefined> {
  const replaced = await call.ctx.pluginManager.runBeforeModelCallback({
    callbackContext: context,
    llmRequest: call.request,
  });
  if (replaced) return replaced;
  for (const callback of call.beforeModelCallbacks) {
    const response = await callback({context, request: call.request});
    if (response) return response;
  }
  return undefined;
}

async function afterModel(
  call: ModelCall,
  context: Context,
  response: LlmResponse,
): Promise<LlmResponse | undefined> {
  const altered = await call.ctx.pluginManager.runAfterModelCallback({
    callbackContext: context,
    llmResponse: response,
  });
  if (altered) return altered;
  for (const callback of call.afterModelCallbacks) {
    const result = await callback({context, response});
    if (result) return result;
  }
  return undefined;
}

/**
 * One attempt: the model's responses joined into one (streamed text yielded as partial events
 * on the way). Resolves `undefined` when the signal aborts first — a model that ignores its
 * abort signal cannot hold the run.
 */
async function* generate(
  call: ModelCall,
  stream: boolean,
): AsyncGenerator<Event, LlmResponse | undefined, void> {
  // A copy per attempt: models edit requests (ADK's Gemini appends a user turn, sets the signal).
  const request = {
    ...call.request,
    contents: deepCopy(call.request.contents),
    config: {...call.request.config},
  };
  const responses = call.llm.generateContentAsync(request, stream, call.signal);
  const partials: LlmResponse[] = [];
  const complete: LlmResponse[] = [];
  try {
    for (;;) {
      const next = await unlessAborted(responses.next(), call.signal);
      if (!next) return undefined;
      if (next.done) break;
      const response = next.value;
      if (!response.partial) {
        complete.push(response);
        continue;
      }
      partials.push(response);
      const parts = (response.content?.parts ?? []).filter((p) => p.text);
      if (parts.length) yield call.partialEvent({role: 'model', parts});
    }
  } finally {
    if (call.signal.aborted) void responses.return(undefined).catch(() => undefined);
  }
  if (complete.length === 0) return joinResponses(partials);
  const joined = joinResponses(complete);
  // ADK's stream aggregation drops the thought signatures its chunks carried: keep the chunks'.
  const streamedParts = mergeTextParts(partials.flatMap((r) => r.content?.parts ?? []));
  return streamedParts.some((p) => p.thoughtSignature) && joined.content
    ? {...joined, content: {...joined.content, parts: streamedParts}}
    : joined;
}

/** Joins a reply that came in several responses; the last one's reason and usage stand. */
function joinResponses(responses: LlmResponse[]): LlmResponse {
  if (responses.length === 1) return responses[0];
  const failed = responses.find((r) => classifyReply(r).kind === 'failed');
  if (failed) return failed;
  return {
    content: {
      role: 'model',
      parts: mergeTextParts(responses.flatMap((r) => r.content?.parts ?? [])),
    },
    usageMetadata: responses.findLast((r) => r.usageMetadata)?.usageMetadata,
    finishReason: responses.findLast((r) => r.finishReason)?.finishReason,
    errorCode: responses.findLast((r) => r.errorCode)?.errorCode,
  };
}

/** Adjacent text parts of the same kind (thought or not) as one part, signatures kept. */
function mergeTextParts(parts: readonly Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (part.text !== undefined && last?.text !== undefined && !!last.thought === !!part.thought) {
      merged[merged.length - 1] = {
        ...last,
        text: last.text + part.text,
        thoughtSignature: part.thoughtSignature ?? last.thoughtSignature,
      };
    } else {
      merged.push({...part});
    }
  }
  return merged;
}

/** Sorts a response into the loop's cases (see {@link ModelReply}). */
export function sortReply(response: LlmResponse): ModelReply {
  const outcome = classifyReply(response);
  const parts = response.content?.parts ?? [];
  const text = parts
    .filter((p) => p.text !== undefined && !p.thought)
    .map((p) => p.text)
    .join('');
  const content: Content = {role: 'model', parts: parts.filter((p) => p.text !== undefined)};
  switch (outcome.kind) {
    case 'failed':
      return {
        kind: 'failed',
        errorCode: response.errorCode ?? 'MODEL_ERROR',
        message: outcome.failure.message,
        summary: outcome.failure.summary,
      };
    case 'blocked':
      return {kind: 'blocked', reason: outcome.reason, sentence: outcome.sentence};
    case 'cut_off':
      if (outcome.hasText && text.trim())
        return {kind: 'reply', text, content, cutOff: true, response};
      return {
        kind: 'empty',
        finishNote: ' (finish reason MAX_TOKENS)',
        thinkingCutOff: true,
        thoughtTokens: outcome.thoughtsTokenCount,
      };
    case 'malformed_function_call':
      return {
        kind: 'empty',
        finishNote: ' (finish reason MALFORMED_FUNCTION_CALL)',
        thinkingCutOff: false,
      };
    case 'stopped':
      if (text.trim()) return {kind: 'reply', text, content, cutOff: false, response};
      return {
        kind: 'empty',
        finishNote: ` (finish reason ${outcome.reason})`,
        thinkingCutOff: false,
      };
    case 'empty':
      return {kind: 'empty', finishNote: '', thinkingCutOff: false};
    case 'normal':
      // Content without text (e.g. a function call) is no answer either.
      return text.trim()
        ? {kind: 'reply', text, content, cutOff: false, response}
        : {kind: 'empty', finishNote: '', thinkingCutOff: false};
  }
}

/** Sorts the call's final response and records its tokens. */
function record(call: ModelCall, response: LlmResponse): ModelReply {
  const reply = sortReply(response);
  const cutOff =
    (reply.kind === 'reply' && reply.cutOff) || (reply.kind === 'empty' && reply.thinkingCutOff);
  call.usage.record({
    step: call.step,
    outcome: cutOff ? 'cut_off' : reply.kind === 'reply' ? 'ok' : reply.kind,
    error: reply.kind === 'failed' ? reply.errorCode : undefined,
    tokens: tokenCounts(response.usageMetadata),
  });
  return reply;
}

/**
 * Settles like `promise`, or resolves `undefined` once `signal` aborts (the promise is then
 * abandoned, its rejection swallowed).
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => undefined);
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, {once: true});
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`; false when `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, {once: true});
  });
}
