/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * An HTTP error from a model API (or an error event inside its stream), with what a retry policy
 * reads: the status, the response headers (`retry-after`), and the API's own message.
 */
export class ModelApiError extends Error {
  override readonly name = 'ModelApiError';
  /**
   * The HTTP status. For an error event inside a stream (the response itself was 200) it is the
   * status the API documents for that error type (Anthropic's `overloaded_error` is 529), or
   * `undefined` when the type has none.
   */
  readonly status: number | undefined;
  /** The response headers (empty for an error event inside a stream). */
  readonly headers: Headers;
  /** The API's error type, e.g. `rate_limit_error`, `invalid_request_error`. */
  readonly type: string | undefined;
  /** The API's error code where it gives one (OpenAI: `rate_limit_exceeded`, ...). */
  readonly code: string | undefined;
  /** The API's message, without the JSON around it. */
  readonly apiMessage: string;
  /** The delay the server asked for (`retry-after-ms` or `retry-after`), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(options: {
    provider: string;
    status: number | undefined;
    /** A `Headers` (SDKs from openai 5 and @anthropic-ai/sdk 0.40 on) or a plain record. */
    headers?: Headers | Record<string, string>;
    type?: string;
    code?: string;
    apiMessage: string;
    cause?: unknown;
  }) {
    const {provider, status, type, apiMessage} = options;
    super(
      `${provider} API error${status ? ` ${status}` : ''}${type ? ` (${type})` : ''}: ${apiMessage}`,
      {cause: options.cause},
    );
    this.status = status;
    this.headers = new Headers(options.headers);
    this.type = type;
    this.code = options.code;
    this.apiMessage = apiMessage;
    this.retryAfterMs = retryAfterMs(this.headers);
  }
}

/** The model API's address did not answer: refused, unknown host, reset, or timed out. */
export class ModelConnectionError extends Error {
  override readonly name = 'ModelConnectionError';
  /** The base URL that was called. */
  readonly baseUrl: string;
  /** The system error code at the root of it (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, ...). */
  readonly code: string | undefined;

  constructor(message: string, baseUrl: string, code: string | undefined, cause: unknown) {
    super(message, {cause});
    this.baseUrl = baseUrl;
    this.code = code;
  }
}

/** The statuses Anthropic documents for its error types, for error events inside a stream. */
const ANTHROPIC_ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The error classes both official SDKs export (their shapes are the same). */
export interface SdkErrorClasses {
  APIError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIUserAbortError: ErrorClass;
}

// A plain function type, so `instanceof` does not narrow `Error` away (every SDK error is one).
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type ErrorClass = Function;

/** Where a call went, for messages that name the address and the variable that sets it. */
export interface Endpoint {
  /** `OpenAI-compatible`, `Ollama`, `Anthropic`. */
  provider: string;
  baseUrl: string;
  /** The environment variable that sets the address, e.g. `OLLAMA_HOST`. */
  baseUrlVariable: string;
}

/**
 * The error to throw for an SDK's error: a {@link ModelApiError} for API errors, a
 * {@link ModelConnectionError} for an address that does not answer; aborts and anything else
 * unchanged.
 */
export function toModelError(error: unknown, sdk: SdkErrorClasses, endpoint: Endpoint): unknown {
  if (!(error instanceof Error) || error instanceof sdk.APIUserAbortError) return error;
  if (error instanceof sdk.APIConnectionError) {
    const code = rootCode(error);
    const what =
      error instanceof sdk.APIConnectionTimeoutError ? 'timed out' : (code ?? rootMessage(error));
    return new ModelConnectionError(
      `Cannot reach the ${endpoint.provider} API at ${endpoint.baseUrl} (${what}); check ${endpoint.baseUrlVariable}`,
      endpoint.baseUrl,
      code,
      error,
    );
  }
  if (error instanceof sdk.APIError) {
    const e = error as Error & {
      status?: number;
      headers?: Headers | Record<string, string>;
      error?: {
        message?: unknown;
        type?: unknown;
        code?: unknown;
        error?: {type?: string; message?: unknown};
      };
      type?: string | null;
      apiMessage?: string | null;
      code?: string | null;
    };
    // OpenAI puts {message, type, code} in `error`; Anthropic {type: 'error', error: {type, message}}.
    const body = e.error;
    const type = e.type ?? body?.error?.type ?? (typeof body?.type === 'string' ? body.type : '');
    // @anthropic-ai/sdk 1.x reads the message out (`apiMessage`); 0.x leaves it in the body.
    const apiMessage =
      e.apiMessage ??
      [body?.error?.message, body?.message].find((m): m is string => typeof m === 'string') ??
      stripStatus(e.message);
    return new ModelApiError({
      provider: endpoint.provider,
      status: e.status ?? (type ? ANTHROPIC_ERROR_STATUS[type] : undefined),
      headers: e.headers,
      type: type || undefined,
      code: typeof e.code === 'string' ? e.code : undefined,
      apiMessage,
      cause: error,
    });
  }
  return error;
}

/** `429 Rate limit` → `Rate limit` (the SDKs put the status first). */
function stripStatus(message: string): string {
  return message.replace(/^\d{3} /, '');
}

function rootCode(error: Error): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function rootMessage(error: Error): string {
  let e: Error = error;
  while (e.cause instanceof Error) e = e.cause;
  return e.message;
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
