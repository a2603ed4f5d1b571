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
import {FinishReason, type Content, type Part} from '@google/genai';

import {
  classifyErrorResponse,
  classifyModelError,
  retryDelayMs,
  type ModelFailure,
  type ResolvedModelRetry,
} from './model_retry.js';
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
  | {kind: 'blocked'; what: 'prompt' | 'reply'; reason: string; detail?: string}
  /** The call failed for good (or kept failing until the retries or the time were spent). */
  | {kind: 'failed'; errorCode: string; message: string}
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
  retry: ResolvedModelRetry;
  usage: UsageLedger;
  /** The step the call belongs to, for the usage ledger. */
  step: number;
  /** Makes a partial (never persisted) event of this agent. */
  partialEvent(content: Content | undefined, metadata?: Record<string, unknown>): Event;
}

/** Finish reasons that mean the provider stopped the reply on purpose (not the model's answer). */
const BLOCKING_FINISH_REASONS = new Set<string>([
  FinishReason.SAFETY,
  FinishReason.RECITATION,
  FinishReason.PROHIBITED_CONTENT,
  FinishReason.BLOCKLIST,
  FinishReason.SPII,
  FinishReason.IMAGE_SAFETY,
  FinishReason.LANGUAGE,
]);
const FINISH_REASONS = new Set<string>(Object.values(FinishReason));
/** `promptFeedback.blockReason` values (ADK reports them as the error code of a reply). */
const PROMPT_BLOCK_REASONS = new Set([
  'SAFETY',
  'OTHER',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'IMAGE_SAFETY',
]);

/**
 * Calls the model, yielding partial events (streamed text, retry notices) and returning what the
 * reply came to. Each attempt's tokens are recorded in `call.usage`.
 */
export async function* askModel(call: ModelCall): AsyncGenerator<Event, ModelReply, void> {
  const {ctx, request, signal} = call;
  const callbackContext = new Context({invocationContext: ctx, eventActions: call.eventActions});
  const replaced = await beforeModel(call, callbackContext);
  if (replaced) return record(call, replaced);
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return {kind: 'aborted'};
    ctx.incrementLlmCallCount();
    let response: LlmResponse | undefined;
    let failure: ModelFailure | undefined;
    try {
      response = yield* generate(call);
      if (!response) return {kind: 'aborted'};
    } catch (e) {
      if (signal.aborted) return {kind: 'aborted'};
      const error = e instanceof Error ? e : new Error(String(e));
      response = await ctx.pluginManager.runOnModelErrorCallback({
        callbackContext,
        llmRequest: request,
        error,
      });
      if (!response) failure = classifyModelError(error);
    }
    if (response) {
      response = (await afterModel(call, callbackContext, response)) ?? response;
      if (response.errorCode && !isReplyShape(response)) {
        failure = classifyErrorResponse(response.errorCode, response.errorMessage);
      }
    }
    if (!failure) return record(call, response!);
    const delayMs = failure.transient
      ? retryDelayMs(attempt, call.retry, failure, call.remainingMs())
      : undefined;
    call.usage.record({
      step: call.step,
      outcome: delayMs === undefined ? 'failed' : 'retried',
      error: failure.status,
      tokens: tokenCounts(response?.usageMetadata),
    });
    if (delayMs === undefined) {
      return {
        kind: 'failed',
        errorCode: response?.errorCode ?? 'MODEL_ERROR',
        message: failure.message,
      };
    }
    yield call.partialEvent(undefined, {
      retry: {
        attempt,
        of: call.retry.attempts,
        delayMs,
        error: failure.status,
        message: failure.message,
      },
    });
    if (!(await sleep(delayMs, signal))) return {kind: 'aborted'};
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
async function* generate(call: ModelCall): AsyncGenerator<Event, LlmResponse | undefined, void> {
  const stream = call.llm.generateContentAsync(
    structuredClone(call.request),
    call.stream,
    call.signal,
  );
  const partials: LlmResponse[] = [];
  const complete: LlmResponse[] = [];
  try {
    for (;;) {
      const next = await unlessAborted(stream.next(), call.signal);
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
    if (call.signal.aborted) void stream.return(undefined).catch(() => undefined);
  }
  return joinResponses(complete.length > 0 ? complete : partials);
}

/** Joins a reply that came in several responses; the last one's reason and usage stand. */
function joinResponses(responses: LlmResponse[]): LlmResponse {
  if (responses.length === 1) return responses[0];
  const failed = responses.find((r) => r.errorCode && !isReplyShape(r));
  if (failed) return failed;
  const parts: Part[] = responses.flatMap((r) => r.content?.parts ?? []);
  return {
    content: {role: 'model', parts},
    usageMetadata: responses.findLast((r) => r.usageMetadata)?.usageMetadata,
    finishReason: responses.findLast((r) => r.finishReason)?.finishReason,
  };
}

/**
 * True when a response with an error code is really a reply: ADK's Gemini class reports a
 * candidate without parts as `errorCode: <finish reason>`, and a blocked prompt as
 * `errorCode: <block reason>` — shapes the loop handles itself rather than as failures.
 */
function isReplyShape(response: LlmResponse): boolean {
  const code = response.errorCode;
  if (!code) return true;
  if (response.finishReason !== undefined && code === response.finishReason) return true;
  return FINISH_REASONS.has(code) || PROMPT_BLOCK_REASONS.has(code);
}

/** Sorts a response into the loop's cases (see {@link ModelReply}). */
export function sortReply(response: LlmResponse): ModelReply {
  const code = response.errorCode;
  const finish = response.finishReason ?? (code && FINISH_REASONS.has(code) ? code : undefined);
  if (code && !finish && PROMPT_BLOCK_REASONS.has(code)) {
    return {kind: 'blocked', what: 'prompt', reason: code, detail: response.errorMessage};
  }
  if (code && !isReplyShape(response)) {
    return {kind: 'failed', errorCode: code, message: response.errorMessage ?? code};
  }
  if (finish && BLOCKING_FINISH_REASONS.has(finish)) {
    return {kind: 'blocked', what: 'reply', reason: finish, detail: response.errorMessage};
  }
  const parts = response.content?.parts ?? [];
  const text = parts
    .filter((p) => p.text !== undefined && !p.thought)
    .map((p) => p.text)
    .join('');
  const cutOff = finish === FinishReason.MAX_TOKENS;
  if (!text.trim()) {
    const unusual =
      finish && finish !== FinishReason.STOP && finish !== FinishReason.FINISH_REASON_UNSPECIFIED;
    return {
      kind: 'empty',
      finishNote: unusual ? ` (finish reason ${finish})` : '',
      thinkingCutOff: cutOff,
      thoughtTokens: response.usageMetadata?.thoughtsTokenCount,
    };
  }
  return {
    kind: 'reply',
    text,
    content: {role: 'model', parts: parts.filter((p) => p.text !== undefined)},
    cutOff,
    response,
  };
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
