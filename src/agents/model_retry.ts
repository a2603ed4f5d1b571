/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * What to do when a model call fails or its reply is unusable: pure functions, no timers (the
 * caller sleeps), for any ADK model.
 *
 * - {@link classifyModelError} sorts a thrown error into transient (retry) or permanent (stop),
 *   with the HTTP status, the API's own message and the wait the server asked for. It reads the
 *   errors of `@google/genai` (`ApiError`, whose message is the API's error JSON), of the `openai`
 *   and `@anthropic-ai/sdk` SDKs (`APIError` with `status`, `headers` and the parsed body in
 *   `error`), and of Node's `fetch` (undici: `TypeError: fetch failed` / `terminated` with a
 *   `cause` carrying `ECONNRESET`, `UND_ERR_SOCKET`, ...).
 * - {@link classifyReply} sorts a reply (`LlmResponse`) by how it ended: normal, empty, cut off,
 *   blocked, malformed function call, stopped for another reason, or an error response.
 * - {@link nextRetry} decides whether and when to try again: exponential backoff with full
 *   jitter, the server's `Retry-After` / `retry-after-ms` / `google.rpc.RetryInfo` delay first,
 *   capped by `maxDelayMs`, and never past the run's remaining time.
 */

import type {LlmResponse} from '@google/adk';
import {BlockedReason, FinishReason} from '@google/genai';
import {z} from 'zod';

import {MAX_TIMER_MS} from '../utils/time.js';

/** A retry policy with every field set (see {@link ModelRetryOptions} for their meaning). */
export interface ModelRetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Defaults of {@link ModelRetryOptions}: 4 attempts, 1 s first backoff, 30 s longest wait. */
export const DEFAULT_MODEL_RETRY: Readonly<ModelRetryPolicy> = Object.freeze({
  attempts: 4,
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
});

const millis = z.number().int().min(0).max(MAX_TIMER_MS);

/** Schema of {@link ModelRetryOptions}; parsing fills in {@link DEFAULT_MODEL_RETRY}. */
export const modelRetrySchema = z
  .strictObject({
    attempts: z.number().int().min(1).max(100).default(DEFAULT_MODEL_RETRY.attempts),
    initialDelayMs: millis.default(DEFAULT_MODEL_RETRY.initialDelayMs),
    maxDelayMs: millis.default(DEFAULT_MODEL_RETRY.maxDelayMs),
  })
  .refine((o) => o.maxDelayMs >= o.initialDelayMs, {
    message: 'maxDelayMs must not be below initialDelayMs',
    path: ['maxDelayMs'],
  });

/**
 * How a failed model call is retried (`modelRetry` in an agent's config). Every field is optional.
 *
 * - `attempts`: calls in all, the first included (1 turns retries off). Default 4.
 * - `initialDelayMs`: the backoff before the second call; it doubles each time. Default 1000.
 * - `maxDelayMs`: the longest wait between two calls, the server's requested delay included.
 *   Default 30 000.
 */
export type ModelRetryOptions = z.input<typeof modelRetrySchema>;

/**
 * Validates `options` and applies the defaults. Throws an `Error` naming the bad field
 * (`modelRetry.maxDelayMs: ...`).
 */
export function resolveModelRetry(options: ModelRetryOptions = {}): ModelRetryPolicy {
  const parsed = modelRetrySchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `modelRetry${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** Why a model call failed, as far as retrying is concerned. */
export interface ModelFailure {
  /**
   * `transient`: trying again may succeed (429, 5xx, 529, network resets, timeouts).
   * `permanent`: it will not (400, 401, 403, 404, 422, ...). `aborted`: the caller aborted.
   */
  kind: 'transient' | 'permanent' | 'aborted';
  /** The HTTP status, when there was a response. */
  status?: number;
  /** The API's status or error type (`RESOURCE_EXHAUSTED`, `overloaded_error`) or a network code. */
  code?: string;
  /** The API's own message (never its raw JSON), on one line. */
  message: string;
  /** The wait the server asked for (`Retry-After`, `retry-after-ms`, `RetryInfo.retryDelay`). */
  retryAfterMs?: number;
  /** One plain line for people: `The model API answered 503 UNAVAILABLE: The model is overloaded.` */
  summary: string;
}

/** Options of {@link classifyModelError}. */
export interface ClassifyOptions {
  /**
   * True when the caller's own signal aborted the call. An abort the caller did not ask for is an
   * SDK timeout (`@google/genai` aborts its fetch on `httpOptions.timeout`), so it is transient.
   */
  callerAborted?: boolean;
  /** The current time in ms since the epoch, to read an HTTP-date `Retry-After`. Default now. */
  now?: number;
}

/**
 * HTTP statuses worth retrying: request timeout, conflict (Google's ABORTED, OpenAI's lock
 * timeouts), rate limits, and server errors except "not implemented" and "version not supported".
 * 529 is Anthropic's "overloaded".
 */
export function isTransientStatus(status: number): boolean {
  if (status === 408 || status === 409 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/** Network error codes (Node and undici) after which a new connection may well succeed. */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Google status strings (`google.rpc.Code`) and provider error types that mean "try again". */
const TRANSIENT_API_CODES = new Set([
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'INTERNAL',
  'DEADLINE_EXCEEDED',
  'ABORTED',
  'overloaded_error',
  'rate_limit_error',
  'api_error',
  'server_error',
  'timeout_error',
  'rate_limit_exceeded',
]);

/** Messages of network failures whose error carries no code (`socket hang up`, `fetch failed`). */
const NETWORK_MESSAGE =
  /^(fetch failed|terminated|socket hang up|other side closed|connection error\.?)$/i;
const TIMEOUT_MESSAGE = /^request timed out\.?$/i;
const LONGEST_MESSAGE = 500;

/** Error codes of a failed connection (system errors, undici, TLS), as opposed to other codes. */
const CONNECTION_CODE = /^(E(?!RR_)[A-Z0-9_]+|UND_ERR_\w+|ERR_(TLS|SSL)_\w+|\w*CERT\w*)$/;

/**
 * Classifies an error thrown by a model call: transient or permanent, with the HTTP status, the
 * API's own message and any wait the server asked for. Looks for an abort first, then an answer
 * of the API, then a failed connection; anything else is permanent.
 */
export function classifyModelError(error: unknown, options: ClassifyOptions = {}): ModelFailure {
  const chain = causeChain(error);
  const detail = oneLine(chain.map(messageOf).filter(Boolean).join(': '));
  return (
    abortFailure(chain[0], options) ??
    apiFailure(chain[0], options.now ?? Date.now()) ??
    connectionFailure(chain, detail) ??
    failure('permanent', {message: detail}, `The model call failed: ${detail}`)
  );
}

/** An abort: the caller's (not retried), or an SDK's timeout (transient). */
function abortFailure(error: unknown, options: ClassifyOptions): ModelFailure | undefined {
  const name = errorName(error);
  if (name !== 'AbortError' && name !== 'APIUserAbortError' && name !== 'TimeoutError') {
    return undefined;
  }
  if (options.callerAborted) {
    return failure('aborted', {message: 'the call was aborted'}, 'The model call was aborted.');
  }
  const message =
    name === 'TimeoutError' ? 'the request timed out' : 'the request was aborted (SDK timeout)';
  return failure('transient', {code: 'TIMEOUT', message}, `The model call timed out: ${message}.`);
}

/** An answer of the API: an HTTP status, or an error type in a stream's error event. */
function apiFailure(error: unknown, now: number): ModelFailure | undefined {
  const api = apiDetails(error);
  const status = numberField(error, 'status') ?? api.status;
  if (status === undefined && api.code === undefined) return undefined;
  const shouldRetry = headerValue(error, 'x-should-retry');
  const transient =
    shouldRetry !== undefined
      ? shouldRetry === 'true'
      : status !== undefined
        ? isTransientStatus(status)
        : TRANSIENT_API_CODES.has(api.code!);
  const message = api.message ?? oneLine(messageOf(error));
  const label = [status, api.code].filter((x) => x !== undefined).join(' ');
  return failure(
    transient ? 'transient' : 'permanent',
    {status, code: api.code, message, retryAfterMs: serverDelay(error, api.retryDelay, now)},
    `The model API answered ${label}: ${message}`,
  );
}

/** A failed connection: reset, refused, timed out (transient) or unknown host, bad certificate. */
function connectionFailure(chain: unknown[], detail: string): ModelFailure | undefined {
  const code = chain
    .map((e) => stringField(e, 'code'))
    .find((c) => c !== undefined && CONNECTION_CODE.test(c));
  const top = chain[0];
  if (code === undefined && !chain.some((e) => NETWORK_MESSAGE.test(messageOf(e)))) {
    if (errorName(top) === 'APIConnectionTimeoutError' || TIMEOUT_MESSAGE.test(messageOf(top))) {
      return failure(
        'transient',
        {code: 'TIMEOUT', message: detail},
        `The model call timed out: ${detail}`,
      );
    }
    return undefined;
  }
  // A code outside the list (ENOTFOUND, certificate errors) will not fix itself.
  const transient = code === undefined || TRANSIENT_NETWORK_CODES.has(code);
  return failure(
    transient ? 'transient' : 'permanent',
    {code, message: detail},
    `The model API could not be reached${code ? ` (${code})` : ''}: ${detail}`,
  );
}

/** How a model reply ended, for the agent's next move. */
export type ReplyOutcome =
  /** Usable content; the reply ended normally (STOP, or no reason given). */
  | {kind: 'normal'}
  /** No usable content (no parts, only empty text, or only thoughts) and no other reason. */
  | {kind: 'empty'; sentence: string}
  /** Cut off at the output token limit (MAX_TOKENS). `hasText` is false when thinking used it all. */
  | {kind: 'cut_off'; hasText: boolean; thoughtsTokenCount?: number; sentence: string}
  /** Blocked: the reply (SAFETY, RECITATION, ...) or the prompt (`promptFeedback.blockReason`). */
  | {kind: 'blocked'; reason: string; target: 'reply' | 'prompt'; sentence: string}
  /** The model produced an invalid function call (MALFORMED_FUNCTION_CALL). */
  | {kind: 'malformed_function_call'; sentence: string}
  /** Ended for another reason (OTHER, UNEXPECTED_TOOL_CALL, image reasons, unknown ones). */
  | {kind: 'stopped'; reason: string; sentence: string}
  /** An error response (`errorCode` that is no finish or block reason). */
  | {kind: 'failed'; failure: ModelFailure};

/** Finish reasons that block the reply's content, and what each means. */
const BLOCKING_FINISH: Readonly<Record<string, string>> = {
  [FinishReason.SAFETY]: "it was flagged by the provider's safety filters",
  [FinishReason.RECITATION]: 'it recited training data (such as copyrighted text) too closely',
  [FinishReason.PROHIBITED_CONTENT]: 'it may contain prohibited content',
  [FinishReason.BLOCKLIST]: 'it contains terms on a blocklist',
  [FinishReason.SPII]: 'it may contain sensitive personally identifiable information',
  [FinishReason.LANGUAGE]: 'it uses a language the model does not support',
  [FinishReason.IMAGE_SAFETY]: "an image in it was flagged by the provider's safety filters",
  [FinishReason.IMAGE_PROHIBITED_CONTENT]: 'an image in it may contain prohibited content',
  [FinishReason.IMAGE_RECITATION]: 'an image in it recited training data too closely',
};

/** Prompt block reasons (`promptFeedback.blockReason`), and what each means. */
const PROMPT_BLOCK: Readonly<Record<string, string>> = {
  [BlockedReason.SAFETY]: BLOCKING_FINISH[FinishReason.SAFETY],
  [BlockedReason.OTHER]: 'of an unspecified policy',
  [BlockedReason.BLOCKLIST]: BLOCKING_FINISH[FinishReason.BLOCKLIST],
  [BlockedReason.PROHIBITED_CONTENT]: BLOCKING_FINISH[FinishReason.PROHIBITED_CONTENT],
  [BlockedReason.IMAGE_SAFETY]: BLOCKING_FINISH[FinishReason.IMAGE_SAFETY],
  [BlockedReason.MODEL_ARMOR]: 'Model Armor flagged it',
  [BlockedReason.JAILBREAK]: 'it was flagged as a jailbreak attempt',
};

/**
 * Classifies a model reply by how it ended. Reads `finishReason` and `errorCode` as ADK's
 * `Gemini` sets them (a reply without parts becomes `errorCode` = its finish reason; a blocked
 * prompt becomes `errorCode` = the block reason with no `finishReason`) and as other adapters set
 * them (OpenAI `length` mapped to MAX_TOKENS, `content_filter` to SAFETY).
 */
export function classifyReply(response: LlmResponse): ReplyOutcome {
  const code = response.errorCode;
  const detail = providerDetail(response.errorMessage);
  if (code && response.finishReason === undefined && code in PROMPT_BLOCK) {
    return {
      kind: 'blocked',
      reason: code,
      target: 'prompt',
      sentence: `The request was blocked before the model answered, because ${PROMPT_BLOCK[code]} (block reason ${code}).${detail}`,
    };
  }
  if (code === NO_CANDIDATES)
    return {kind: 'empty', sentence: "The model's reply had no candidates."};
  if (code && !(code in FINISH_REASONS))
    return {kind: 'failed', failure: failureFromResponse(response)};

  const finish = response.finishReason ?? (code as FinishReason | undefined);
  const hasContent = hasVisibleContent(response);
  if (finish && finish in BLOCKING_FINISH) {
    return {
      kind: 'blocked',
      reason: finish,
      target: 'reply',
      sentence: `The model's reply was blocked, because ${BLOCKING_FINISH[finish]} (finish reason ${finish}).${detail}`,
    };
  }
  if (finish === FinishReason.MAX_TOKENS) {
    const thoughts = response.usageMetadata?.thoughtsTokenCount;
    return {
      kind: 'cut_off',
      hasText: hasContent,
      thoughtsTokenCount: thoughts,
      sentence: hasContent
        ? "The model's reply was cut off at its output token limit (finish reason MAX_TOKENS)."
        : `The model's reply was empty: it reached its output token limit${thoughts ? ` after ${thoughts} thinking tokens` : ''} before answering (finish reason MAX_TOKENS).`,
    };
  }
  if (finish === FinishReason.MALFORMED_FUNCTION_CALL) {
    return {
      kind: 'malformed_function_call',
      sentence: `The model produced an invalid function call (finish reason MALFORMED_FUNCTION_CALL).${detail}`,
    };
  }
  if (finish && finish !== FinishReason.STOP && finish !== FinishReason.FINISH_REASON_UNSPECIFIED) {
    return {
      kind: 'stopped',
      reason: finish,
      sentence: `The model stopped without finishing its reply (finish reason ${finish}).${detail}`,
    };
  }
  return hasContent ? {kind: 'normal'} : {kind: 'empty', sentence: "The model's reply was empty."};
}

/** ADK's `errorCode` for a response with neither candidates nor prompt feedback. */
const NO_CANDIDATES = 'UNKNOWN_ERROR';

const FINISH_REASONS: Readonly<Record<string, true>> = Object.fromEntries(
  Object.values(FinishReason).map((reason) => [reason, true]),
);

/**
 * A reply's error response as a {@link ModelFailure}: its `errorMessage` may hold the API's error
 * JSON (an error caught and wrapped by the agent or a plugin), read as a thrown error would be.
 */
function failureFromResponse(response: LlmResponse): ModelFailure {
  const text = response.errorMessage ?? '';
  const classified = classifyModelError({message: text});
  if (classified.status !== undefined || classified.code !== undefined) return classified;
  const message = oneLine(text) || String(response.errorCode);
  // The code itself may say "try again": a Google status (RESOURCE_EXHAUSTED) or an HTTP one.
  const code = String(response.errorCode);
  const transient =
    TRANSIENT_API_CODES.has(code) || (/^\d{3}$/.test(code) && isTransientStatus(Number(code)));
  return failure(
    transient ? 'transient' : 'permanent',
    {code: response.errorCode, message},
    `The model call failed: ${response.errorCode}${text ? `: ${message}` : ''}`,
  );
}

/** Decision of {@link nextRetry}. */
export type RetryDecision =
  | {retry: true; delayMs: number}
  | {retry: false; reason: 'permanent' | 'aborted' | 'attempts' | 'time_budget'};

/** Input of {@link nextRetry}. */
export interface NextRetryInput {
  /** The attempt that just failed, counting from 1. */
  attempt: number;
  failure: ModelFailure;
  policy: ModelRetryPolicy;
  /** Time left in the run's budget, in ms; `Infinity` (the default) when there is none. */
  remainingMs?: number;
  /** Random number in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * Decides whether to call the model again after a failure, and after how long.
 *
 * The wait is the server's requested delay when it gave one, otherwise exponential backoff with
 * full jitter (uniform in [0, `initialDelayMs` · 2^(attempt−1)]); either is capped at
 * `maxDelayMs`. It gives up on a permanent or aborted failure, after `policy.attempts` calls, or
 * when the wait (plus nothing else) would not fit in `remainingMs`.
 */
export function nextRetry(input: NextRetryInput): RetryDecision {
  const {attempt, failure: f, policy} = input;
  if (f.kind === 'aborted') return {retry: false, reason: 'aborted'};
  if (f.kind === 'permanent') return {retry: false, reason: 'permanent'};
  if (attempt >= policy.attempts) return {retry: false, reason: 'attempts'};
  const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  const wanted = f.retryAfterMs ?? Math.floor((input.random ?? Math.random)() * backoff);
  const delayMs = Math.min(policy.maxDelayMs, Math.max(0, wanted));
  if (delayMs >= (input.remainingMs ?? Infinity)) return {retry: false, reason: 'time_budget'};
  return {retry: true, delayMs};
}

/**
 * Milliseconds to wait from a `Retry-After` value: delay-seconds (`"7"`, also `"1.5"`) or an
 * HTTP-date. `undefined` when it is neither.
 */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Milliseconds from a protobuf Duration in JSON (`"17s"`, `"0.5s"`, `"1.250s"`). */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

function failure(
  kind: ModelFailure['kind'],
  fields: Omit<ModelFailure, 'kind' | 'summary'>,
  summary: string,
): ModelFailure {
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return {kind, ...clean, message: fields.message, summary: oneLine(summary)} as ModelFailure;
}

/** The error, then its `cause`, and so on (at most 5 deep). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let e = error;
    e !== undefined && e !== null && chain.length < 5;
    e = (e as {cause?: unknown}).cause
  ) {
    chain.push(e);
    if (typeof e !== 'object') break;
  }
  return chain;
}

/** The error's `name`, or its class name (the Stainless SDKs do not set `name`). */
function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as {name?: unknown}).name;
  if (typeof name === 'string' && name !== 'Error') return name;
  return (error as object).constructor?.name;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as {message?: unknown}).message === 'string'
  ) {
    return (error as {message: string}).message;
  }
  return typeof error === 'string' ? error : '';
}

function numberField(value: unknown, key: string): number | undefined {
  const field =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  return typeof field === 'number' && Number.isFinite(field) ? field : undefined;
}

function stringField(value: unknown, key: string): string | undefined {
  const field =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  return typeof field === 'string' ? field : undefined;
}

/** A header from `error.headers` (a `Headers` or a plain object). */
function headerValue(error: unknown, name: string): string | undefined {
  const headers =
    typeof error === 'object' && error !== null
      ? (error as {headers?: unknown}).headers
      : undefined;
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
}

/** The server's requested wait: `retryAfterMs`, `retry-after-ms`, `Retry-After`, then `RetryInfo`. */
function serverDelay(
  error: unknown,
  retryDelay: string | undefined,
  now: number,
): number | undefined {
  const known = numberField(error, 'retryAfterMs');
  if (known !== undefined) return Math.max(0, Math.round(known));
  const ms = headerValue(error, 'retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Math.round(Number(ms)));
  const after = headerValue(error, 'retry-after');
  const fromHeader = after === undefined ? undefined : parseRetryAfter(after, now);
  if (fromHeader !== undefined) return fromHeader;
  return retryDelay === undefined ? undefined : parseDuration(retryDelay);
}

/** What the provider said: its message, status string or error type, and RetryInfo delay. */
interface ApiDetails {
  message?: string;
  code?: string;
  /** The HTTP status the body names (`error.code` of Google's JSON). */
  status?: number;
  retryDelay?: string;
}

/**
 * Reads the API's own words from an SDK error: the body the OpenAI / Anthropic SDKs parsed into
 * `error.error`, or the Google error JSON `@google/genai` puts in the message.
 */
function apiDetails(error: unknown): ApiDetails {
  // This package's adapters' ModelApiError: {status, headers, type, code, apiMessage}.
  const apiMessage = stringField(error, 'apiMessage');
  if (apiMessage !== undefined) {
    return {
      message: oneLine(apiMessage),
      code: stringField(error, 'code') ?? stringField(error, 'type'),
    };
  }
  const body =
    typeof error === 'object' && error !== null ? (error as {error?: unknown}).error : undefined;
  if (body && typeof body === 'object') {
    // Anthropic: {type: 'error', error: {type, message}}; OpenAI: {message, type, code}.
    const inner = (body as {error?: unknown}).error;
    const source = (inner && typeof inner === 'object' ? inner : body) as Record<string, unknown>;
    return {
      message: typeof source.message === 'string' ? oneLine(source.message) : undefined,
      code:
        typeof source.code === 'string'
          ? source.code
          : typeof source.type === 'string'
            ? source.type
            : undefined,
    };
  }
  const json = parseJsonIn(messageOf(error));
  return json ? googleError(json) : {};
}

/** The fields of a Google error JSON `{error: {code, message, status, details}}`. */
function googleError(json: unknown): ApiDetails {
  const error = (json as {error?: unknown})?.error;
  if (!error || typeof error !== 'object') return {};
  const e = error as Record<string, unknown>;
  const details = Array.isArray(e.details) ? (e.details as Array<Record<string, unknown>>) : [];
  const retryInfo = details.find((d) => String(d['@type']).endsWith('google.rpc.RetryInfo'));
  const message = typeof e.message === 'string' ? e.message : undefined;
  return {
    status: typeof e.code === 'number' ? e.code : undefined,
    // A non-JSON body (an HTML 502) is wrapped by @google/genai with the HTTP reason as status.
    code: typeof e.status === 'string' && /^[A-Z_]+$/.test(e.status) ? e.status : undefined,
    message: message === undefined ? undefined : readableMessage(message),
    retryDelay: typeof retryInfo?.retryDelay === 'string' ? retryInfo.retryDelay : undefined,
  };
}

/** An HTML error page becomes its text; anything else is put on one line. */
function readableMessage(message: string): string {
  const text = /<html|<!doctype/i.test(message)
    ? message.replace(/<[^>]*>/g, ' ').replace(/&[a-z]+;/g, ' ')
    : message;
  return oneLine(text);
}

/** The JSON object in `text` (`{...}`, or after a prefix such as `got status: UNAVAILABLE. `). */
function parseJsonIn(text: string): unknown {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
}

/** ` The provider said: "...".` for a reply's finish or block message, or nothing. */
function providerDetail(message: string | undefined): string {
  return message ? ` The provider said: ${oneLine(message)}` : '';
}

/** Whitespace collapsed, `* ` list markers of Google messages dropped, at most 500 characters. */
function oneLine(text: string): string {
  const line = text
    .replace(/^\s*\*\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > LONGEST_MESSAGE ? `${line.slice(0, LONGEST_MESSAGE - 1)}…` : line;
}

/** True when the reply has a part a reader would see: non-empty text that is no thought, or data. */
function hasVisibleContent(response: LlmResponse): boolean {
  return (response.content?.parts ?? []).some((part) =>
    part.text !== undefined
      ? !part.thought && part.text.trim() !== ''
      : Boolean(
          part.functionCall ??
          part.functionResponse ??
          part.inlineData ??
          part.fileData ??
          part.executableCode ??
          part.codeExecutionResult,
        ),
  );
}
