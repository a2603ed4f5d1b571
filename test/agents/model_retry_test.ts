/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {request as httpRequest, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';

import {Gemini as GeminiLlm, type Gemini, type LlmResponse} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {
  DEFAULT_MODEL_RETRY,
  classifyModelError,
  classifyReply,
  isTransientStatus,
  nextRetry,
  parseDuration,
  parseRetryAfter,
  resolveModelRetry,
  type ModelFailure,
} from '../../src/agents/model_retry.js';
import {
  callGemini,
  loadGeminiFixture,
  startGeminiServer,
  userRequest,
  type GeminiReply,
  type GeminiServer,
} from '../helpers/gemini_server.js';

let server: GeminiServer;
let gemini: Gemini;

beforeAll(async () => {
  server = await startGeminiServer();
  gemini = server.gemini();
});
afterAll(async () => {
  await server?.close();
});

/** What ADK's real Gemini class throws for `reply`. */
async function thrownFor(reply: GeminiReply, stream = false): Promise<unknown> {
  server.reply(reply);
  const {error} = await callGemini(gemini, stream);
  expect(error).toBeDefined();
  return error;
}

/** The last response ADK's real Gemini class yields for a fixture. */
async function lastResponse(fixture: string, stream = false): Promise<LlmResponse> {
  server.reply(loadGeminiFixture(fixture).reply);
  const {responses, error} = await callGemini(gemini, stream);
  expect(error).toBeUndefined();
  return responses[responses.length - 1];
}

describe('resolveModelRetry', () => {
  it('applies the defaults: 4 attempts, 1 s, 30 s', () => {
    expect(resolveModelRetry()).toEqual({attempts: 4, initialDelayMs: 1000, maxDelayMs: 30_000});
    expect(resolveModelRetry()).toEqual(DEFAULT_MODEL_RETRY);
    expect(resolveModelRetry({attempts: 1})).toEqual({...DEFAULT_MODEL_RETRY, attempts: 1});
  });

  it('rejects bad values naming the field', () => {
    expect(() => resolveModelRetry({attempts: 0})).toThrow(/^modelRetry\.attempts: /);
    expect(() => resolveModelRetry({initialDelayMs: -1})).toThrow(/^modelRetry\.initialDelayMs: /);
    expect(() => resolveModelRetry({initialDelayMs: 5000, maxDelayMs: 1000})).toThrow(
      'modelRetry.maxDelayMs: maxDelayMs must not be below initialDelayMs',
    );
    expect(() => resolveModelRetry({retries: 3} as never)).toThrow(/^modelRetry: .*retries/);
  });
});

describe('classifyModelError on @google/genai errors from the real client', () => {
  const cases: Array<[string, ModelFailure['kind'], number, string | undefined, string]> = [
    [
      'error_400_invalid_argument',
      'permanent',
      400,
      'INVALID_ARGUMENT',
      'GenerateContentRequest.contents[1].parts: contents.parts must not be empty.',
    ],
    [
      'error_401_unauthenticated',
      'permanent',
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    ],
    [
      'error_403_permission_denied',
      'permanent',
      403,
      'PERMISSION_DENIED',
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    ],
    [
      'error_404_model_not_found',
      'permanent',
      404,
      'NOT_FOUND',
      'models/gemini-1.5-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
    ],
    [
      'error_500_internal',
      'transient',
      500,
      'INTERNAL',
      'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    ],
    [
      'error_503_unavailable',
      'transient',
      503,
      'UNAVAILABLE',
      'The model is overloaded. Please try again later.',
    ],
    [
      'error_504_deadline_exceeded',
      'transient',
      504,
      'DEADLINE_EXCEEDED',
      'Deadline expired before operation could complete.',
    ],
  ];
  for (const [fixture, kind, status, code, message] of cases) {
    it(`${fixture}: ${kind} ${status}, the API's message and no JSON`, async () => {
      const failure = classifyModelError(await thrownFor(loadGeminiFixture(fixture).reply));
      expect(failure).toEqual({
        kind,
        status,
        code,
        message,
        summary: `The model API answered ${status} ${code}: ${message}`,
      });
    });
  }

  it('reads the RetryInfo delay of a 429 ("15s")', async () => {
    const failure = classifyModelError(
      await thrownFor(loadGeminiFixture('error_429_retry_info').reply),
    );
    expect(failure).toMatchObject({kind: 'transient', status: 429, code: 'RESOURCE_EXHAUSTED'});
    expect(failure.retryAfterMs).toBe(15_000);
    expect(failure.summary).toBe(
      'The model API answered 429 RESOURCE_EXHAUSTED: You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    );
  });

  it('a 429 without RetryInfo has no server delay (@google/genai drops response headers)', async () => {
    const failure = classifyModelError(
      await thrownFor(loadGeminiFixture('error_429_retry_after_header').reply),
    );
    expect(failure).toMatchObject({kind: 'transient', status: 429, code: 'RESOURCE_EXHAUSTED'});
    expect(failure.retryAfterMs).toBeUndefined();
  });

  it('an HTML 502 from the front end: transient, its text without markup', async () => {
    const failure = classifyModelError(await thrownFor(loadGeminiFixture('error_502_html').reply));
    expect(failure).toMatchObject({kind: 'transient', status: 502});
    expect(failure.code).toBeUndefined();
    expect(failure.message).toContain('The server encountered a temporary error');
    expect(failure.message).not.toMatch(/[<>{]/);
  });

  it('an error chunk inside a 200 stream: transient 503, the message without the prefix', async () => {
    const failure = classifyModelError(
      await thrownFor(loadGeminiFixture('stream_error_after_text').reply, true),
    );
    expect(failure).toMatchObject({
      kind: 'transient',
      status: 503,
      code: 'UNAVAILABLE',
      message: 'The model is overloaded. Please try again later.',
    });
  });

  it('a wrong API key is permanent, with the API message', async () => {
    const wrongKey = new GeminiLlm({model: 'gemini-2.5-flash', apiKey: 'not-the-key'});
    const request = userRequest();
    request.config = {httpOptions: {baseUrl: server.baseUrl}};
    const {error} = await callGemini(wrongKey, false, request);
    expect(classifyModelError(error)).toMatchObject({
      kind: 'permanent',
      status: 400,
      code: 'INVALID_ARGUMENT',
      message: 'API key not valid. Please pass a valid API key.',
    });
  });
});

describe('classifyModelError on network failures of the real fetch', () => {
  it('a connection reset before the response (ECONNRESET): transient', async () => {
    for (const stream of [false, true]) {
      const failure = classifyModelError(await thrownFor({reset: true}, stream));
      expect(failure).toMatchObject({kind: 'transient', code: 'ECONNRESET'});
      expect(failure.summary).toBe(
        'The model API could not be reached (ECONNRESET): fetch failed: read ECONNRESET',
      );
    }
  });

  it('a connection reset in the middle of a stream (undici UND_ERR_SOCKET): transient', async () => {
    const chunks = loadGeminiFixture('stream_split_fence').reply;
    const failure = classifyModelError(
      await thrownFor({...(chunks as {chunks: []}), resetAfterChunks: 2}, true),
    );
    expect(failure).toMatchObject({kind: 'transient', code: 'UND_ERR_SOCKET'});
    expect(failure.message).toBe('terminated: other side closed');
  });

  it('a refused connection (ECONNREFUSED): transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const {port} = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(classifyModelError(error)).toMatchObject({
      kind: 'transient',
      code: 'ECONNREFUSED',
      message: `fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('an unknown host (ENOTFOUND) is permanent', async () => {
    const error = await fetch('http://no-such-host.invalid/').catch((e: unknown) => e);
    const failure = classifyModelError(error);
    // Without a reachable DNS server the resolver answers EAI_AGAIN, which may pass.
    if (failure.code === 'EAI_AGAIN') expect(failure.kind).toBe('transient');
    else expect(failure).toMatchObject({kind: 'permanent', code: 'ENOTFOUND'});
  });

  it("node:http's socket hang up: transient", async () => {
    const hangUp = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const {port} = hangUp.address() as AddressInfo;
    const error = await new Promise((resolve) => {
      httpRequest({port, host: '127.0.0.1', method: 'POST'}, () => resolve(undefined))
        .on('error', resolve)
        .end('{}');
    });
    await new Promise((resolve) => hangUp.close(resolve));
    expect(classifyModelError(error)).toMatchObject({kind: 'transient', code: 'ECONNRESET'});
  });

  it("the SDK's own timeout is transient; the caller's abort is not retried", async () => {
    const slow = {...loadGeminiFixture('text_reply').reply, delayMs: 5000};
    server.reply(slow);
    const request = userRequest();
    request.config = {httpOptions: {timeout: 100}};
    const timedOut = await callGemini(gemini, false, request);
    expect(classifyModelError(timedOut.error, {callerAborted: false})).toMatchObject({
      kind: 'transient',
      code: 'TIMEOUT',
    });

    server.reply(slow);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await callGemini(gemini, false, userRequest(), controller.signal);
    expect(classifyModelError(aborted.error, {callerAborted: controller.signal.aborted})).toEqual({
      kind: 'aborted',
      message: 'the call was aborted',
      summary: 'The model call was aborted.',
    });
  });
});

/**
 * Errors built as the `openai` (v7.5.0, src/core/error.ts) and `@anthropic-ai/sdk` (v0.120.0,
 * src/core/error.ts) SDKs build them: `APIError.generate(status, body, message, headers)` keeps
 * `status`, the response `headers` and, in `error`, the body's `error` object (OpenAI) or the
 * whole body (Anthropic); the message is `${status} ${error.message or JSON of the body}`.
 * Neither SDK sets `name`, so the class name is what tells a connection error.
 */
class APIError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly error: object | undefined,
    message: string,
    readonly headers: Headers | undefined,
  ) {
    super(message);
  }
}
class APIConnectionError extends APIError {
  constructor(cause?: unknown) {
    super(undefined, undefined, 'Connection error.', undefined);
    if (cause) this.cause = cause;
  }
}
class APIConnectionTimeoutError extends APIConnectionError {
  override message = 'Request timed out.';
}
class APIUserAbortError extends APIError {
  constructor() {
    super(undefined, undefined, 'Request was aborted.', undefined);
  }
}

describe('classifyModelError on errors shaped as the openai and @anthropic-ai/sdk SDKs make them', () => {
  it('OpenAI 429 with retry-after-ms and retry-after: the ms header wins', () => {
    const body = {
      message: 'Rate limit reached for gpt-4o',
      type: 'requests',
      code: 'rate_limit_exceeded',
    };
    const headers = new Headers({'retry-after-ms': '1500', 'retry-after': '20'});
    const failure = classifyModelError(new APIError(429, body, `429 ${body.message}`, headers));
    expect(failure).toEqual({
      kind: 'transient',
      status: 429,
      code: 'rate_limit_exceeded',
      message: 'Rate limit reached for gpt-4o',
      retryAfterMs: 1500,
      summary: 'The model API answered 429 rate_limit_exceeded: Rate limit reached for gpt-4o',
    });
  });

  it('Anthropic 529 overloaded_error: transient, the message from the nested error', () => {
    const body = {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}};
    const failure = classifyModelError(
      new APIError(529, body, `529 ${JSON.stringify(body)}`, new Headers({'retry-after': '3'})),
    );
    expect(failure).toMatchObject({
      kind: 'transient',
      status: 529,
      code: 'overloaded_error',
      message: 'Overloaded',
      retryAfterMs: 3000,
    });
  });

  it('Anthropic overloaded_error inside a 200 stream (no status): transient by its type', () => {
    const body = {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}};
    const failure = classifyModelError(
      new APIError(undefined, body, JSON.stringify(body), new Headers()),
    );
    expect(failure).toMatchObject({
      kind: 'transient',
      code: 'overloaded_error',
      message: 'Overloaded',
    });
  });

  it('Anthropic 400 invalid_request_error and OpenAI 401: permanent', () => {
    const bad = {
      type: 'error',
      error: {type: 'invalid_request_error', message: 'max_tokens: Field required'},
    };
    expect(classifyModelError(new APIError(400, bad, '400 {...}', new Headers()))).toMatchObject({
      kind: 'permanent',
      status: 400,
      message: 'max_tokens: Field required',
    });
    const auth = {
      message: 'Incorrect API key provided: sk-...',
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    };
    expect(
      classifyModelError(new APIError(401, auth, `401 ${auth.message}`, new Headers())),
    ).toMatchObject({
      kind: 'permanent',
      status: 401,
      code: 'invalid_api_key',
    });
  });

  it('x-should-retry overrides the status', () => {
    const body = {message: 'Conflict', type: 'conflict'};
    expect(
      classifyModelError(
        new APIError(409, body, '409 Conflict', new Headers({'x-should-retry': 'false'})),
      ).kind,
    ).toBe('permanent');
    expect(
      classifyModelError(new APIError(400, body, '400 x', new Headers({'x-should-retry': 'true'})))
        .kind,
    ).toBe('transient');
  });

  it('connection errors, timeouts and user aborts', async () => {
    const refused = await fetch('http://127.0.0.1:1/').catch((e: unknown) => e);
    expect(classifyModelError(new APIConnectionError(refused))).toMatchObject({kind: 'transient'});
    expect(classifyModelError(new APIConnectionError())).toMatchObject({
      kind: 'transient',
      message: 'Connection error.',
    });
    expect(classifyModelError(new APIConnectionTimeoutError())).toMatchObject({
      kind: 'transient',
      code: 'TIMEOUT',
    });
    expect(classifyModelError(new APIUserAbortError(), {callerAborted: true}).kind).toBe('aborted');
  });

  it("an adapter error carrying apiMessage and retryAfterMs (this package's model adapters)", () => {
    const error = Object.assign(
      new Error('Anthropic API error 429 (rate_limit_error): slow down'),
      {
        status: 429,
        type: 'rate_limit_error',
        apiMessage: 'slow down',
        retryAfterMs: 2500,
        headers: new Headers(),
      },
    );
    expect(classifyModelError(error)).toMatchObject({
      kind: 'transient',
      status: 429,
      code: 'rate_limit_error',
      message: 'slow down',
      retryAfterMs: 2500,
    });
  });

  it('anything else is permanent, with its message on one line', () => {
    expect(classifyModelError(new Error('boom\n  at line 2'))).toEqual({
      kind: 'permanent',
      message: 'boom at line 2',
      summary: 'The model call failed: boom at line 2',
    });
    expect(classifyModelError('plain string').message).toBe('plain string');
    const programming = Object.assign(new TypeError('bad argument'), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(classifyModelError(programming)).toMatchObject({
      kind: 'permanent',
      summary: 'The model call failed: bad argument',
    });
    const certificate = new TypeError('fetch failed', {
      cause: Object.assign(new Error('certificate has expired'), {code: 'CERT_HAS_EXPIRED'}),
    });
    expect(classifyModelError(certificate)).toMatchObject({
      kind: 'permanent',
      code: 'CERT_HAS_EXPIRED',
      summary:
        'The model API could not be reached (CERT_HAS_EXPIRED): fetch failed: certificate has expired',
    });
  });
});

describe('isTransientStatus', () => {
  it('retries 408, 409, 429 and 5xx except 501 and 505', () => {
    const transient = [408, 409, 429, 500, 502, 503, 504, 520, 529];
    const permanent = [400, 401, 403, 404, 413, 422, 501, 505];
    expect(transient.filter(isTransientStatus)).toEqual(transient);
    expect(permanent.filter(isTransientStatus)).toEqual([]);
  });
});

describe('classifyReply on what ADK Gemini yields for each fixture', () => {
  for (const stream of [false, true]) {
    const mode = stream ? 'stream' : 'generateContent';
    it(`${mode}: normal replies`, async () => {
      for (const fixture of [
        'text_reply',
        'code_reply',
        'thought_parts_signatures',
        'usage_cached_thoughts',
      ]) {
        expect(classifyReply(await lastResponse(fixture, stream)), fixture).toEqual({
          kind: 'normal',
        });
      }
    });

    it(`${mode}: a reply with no parts (STOP) is empty`, async () => {
      expect(classifyReply(await lastResponse('empty_stop', stream))).toEqual({
        kind: 'empty',
        sentence: "The model's reply was empty.",
      });
    });

    it(`${mode}: MAX_TOKENS after thinking names the thinking tokens`, async () => {
      expect(classifyReply(await lastResponse('max_tokens_thinking', stream))).toEqual({
        kind: 'cut_off',
        hasText: false,
        thoughtsTokenCount: 2999,
        sentence:
          "The model's reply was empty: it reached its output token limit after 2999 thinking tokens before answering (finish reason MAX_TOKENS).",
      });
    });

    it(`${mode}: MAX_TOKENS with text is cut off with text`, async () => {
      expect(classifyReply(await lastResponse('finish_max_tokens', stream))).toMatchObject({
        kind: 'cut_off',
        hasText: true,
      });
    });

    it(`${mode}: every blocking finish reason is blocked, with a sentence naming it`, async () => {
      for (const reason of [
        'SAFETY',
        'RECITATION',
        'LANGUAGE',
        'BLOCKLIST',
        'PROHIBITED_CONTENT',
        'SPII',
      ]) {
        const outcome = classifyReply(await lastResponse(`finish_${reason.toLowerCase()}`, stream));
        expect(outcome, reason).toMatchObject({kind: 'blocked', reason, target: 'reply'});
        expect((outcome as {sentence: string}).sentence).toMatch(
          new RegExp(
            `^The model's reply was blocked, because .+ \\(finish reason ${reason}\\)\\.$`,
          ),
        );
      }
    });

    it(`${mode}: a half sentence cut by SAFETY is blocked, not an answer`, async () => {
      expect(classifyReply(await lastResponse('finish_safety_partial_text', stream))).toMatchObject(
        {
          kind: 'blocked',
          reason: 'SAFETY',
        },
      );
    });

    it(`${mode}: MALFORMED_FUNCTION_CALL and OTHER`, async () => {
      expect(
        classifyReply(await lastResponse('finish_malformed_function_call', stream)),
      ).toMatchObject({
        kind: 'malformed_function_call',
      });
      expect(classifyReply(await lastResponse('finish_other', stream))).toEqual({
        kind: 'stopped',
        reason: 'OTHER',
        sentence: 'The model stopped without finishing its reply (finish reason OTHER).',
      });
    });
  }

  it('a blocked prompt (generateContent) names the block reason', async () => {
    expect(classifyReply(await lastResponse('prompt_blocked', false))).toEqual({
      kind: 'blocked',
      reason: 'PROHIBITED_CONTENT',
      target: 'prompt',
      sentence:
        'The request was blocked before the model answered, because it may contain prohibited content (block reason PROHIBITED_CONTENT).',
    });
  });

  it('a blocked prompt in a stream reaches the agent as an empty reply (ADK drops promptFeedback)', async () => {
    expect(classifyReply(await lastResponse('prompt_blocked', true)).kind).toBe('empty');
  });

  it("the provider's finish message is quoted", () => {
    const outcome = classifyReply({
      errorCode: 'MALFORMED_FUNCTION_CALL',
      errorMessage: 'Malformed function call: print(x',
      finishReason: 'MALFORMED_FUNCTION_CALL' as never,
    });
    expect(outcome).toEqual({
      kind: 'malformed_function_call',
      sentence:
        'The model produced an invalid function call (finish reason MALFORMED_FUNCTION_CALL). The provider said: Malformed function call: print(x',
    });
  });

  it('error responses: wrapped API JSON is read like the thrown error; other codes are permanent', () => {
    const wrapped = classifyReply({
      errorCode: 'MODEL_ERROR',
      errorMessage: JSON.stringify({
        error: {code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE'},
      }),
    });
    expect(wrapped).toEqual({
      kind: 'failed',
      failure: {
        kind: 'transient',
        status: 503,
        code: 'UNAVAILABLE',
        message: 'The model is overloaded.',
        summary: 'The model API answered 503 UNAVAILABLE: The model is overloaded.',
      },
    });
    expect(
      classifyReply({errorCode: 'PLUGIN_ERROR', errorMessage: 'quota plugin said no'}),
    ).toEqual({
      kind: 'failed',
      failure: {
        kind: 'permanent',
        code: 'PLUGIN_ERROR',
        message: 'quota plugin said no',
        summary: 'The model call failed: PLUGIN_ERROR: quota plugin said no',
      },
    });
    expect(classifyReply({errorCode: 'UNKNOWN_ERROR', errorMessage: 'Unknown error.'}).kind).toBe(
      'empty',
    );
  });

  it('only thoughts, or only blank text, is empty', () => {
    expect(
      classifyReply({content: {role: 'model', parts: [{text: 'hmm', thought: true}]}}).kind,
    ).toBe('empty');
    expect(classifyReply({content: {role: 'model', parts: [{text: '  \n'}]}}).kind).toBe('empty');
    expect(
      classifyReply({content: {role: 'model', parts: [{functionCall: {name: 'f', args: {}}}]}})
        .kind,
    ).toBe('normal');
  });
});

describe('nextRetry', () => {
  const transient: ModelFailure = {kind: 'transient', status: 503, message: 'x', summary: 'x'};
  const policy = DEFAULT_MODEL_RETRY;

  it('full jitter: uniform in [0, initial · 2^(attempt-1)], capped at maxDelayMs', () => {
    const at = (attempt: number, random: number) =>
      nextRetry({
        attempt,
        failure: transient,
        policy: {...policy, attempts: 10},
        random: () => random,
      });
    expect(at(1, 0.5)).toEqual({retry: true, delayMs: 500});
    expect(at(2, 0.5)).toEqual({retry: true, delayMs: 1000});
    expect(at(3, 0.999)).toEqual({retry: true, delayMs: 3996});
    expect(at(9, 0.999)).toEqual({retry: true, delayMs: 29_970});
    expect(at(1, 0)).toEqual({retry: true, delayMs: 0});
  });

  it("uses the server's delay, capped at maxDelayMs", () => {
    const withDelay = (retryAfterMs: number) =>
      nextRetry({attempt: 1, failure: {...transient, retryAfterMs}, policy, random: () => 0});
    expect(withDelay(15_000)).toEqual({retry: true, delayMs: 15_000});
    expect(withDelay(500)).toEqual({retry: true, delayMs: 500});
    expect(withDelay(53_000)).toEqual({retry: true, delayMs: 30_000});
  });

  it('gives up after the last attempt, on permanent and aborted failures', () => {
    expect(nextRetry({attempt: 4, failure: transient, policy})).toEqual({
      retry: false,
      reason: 'attempts',
    });
    expect(
      nextRetry({attempt: 1, failure: transient, policy: resolveModelRetry({attempts: 1})}),
    ).toEqual({
      retry: false,
      reason: 'attempts',
    });
    expect(nextRetry({attempt: 1, failure: {...transient, kind: 'permanent'}, policy})).toEqual({
      retry: false,
      reason: 'permanent',
    });
    expect(nextRetry({attempt: 1, failure: {...transient, kind: 'aborted'}, policy})).toEqual({
      retry: false,
      reason: 'aborted',
    });
  });

  it('gives up when the wait would not fit in the remaining time', () => {
    const failure = {...transient, retryAfterMs: 15_000};
    expect(nextRetry({attempt: 1, failure, policy, remainingMs: 14_999})).toEqual({
      retry: false,
      reason: 'time_budget',
    });
    expect(nextRetry({attempt: 1, failure, policy, remainingMs: 60_000})).toEqual({
      retry: true,
      delayMs: 15_000,
    });
  });
});

describe('parseRetryAfter and parseDuration', () => {
  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter(' 1.5 ')).toBe(1500);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('reads protobuf durations', () => {
    expect(parseDuration('17s')).toBe(17_000);
    expect(parseDuration('0.5s')).toBe(500);
    expect(parseDuration('1.250s')).toBe(1250);
    expect(parseDuration('17')).toBeUndefined();
  });

  it('an HTTP-date Retry-After on an error is relative to `now`', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    const error = new APIError(
      503,
      {message: 'down'},
      '503 down',
      new Headers({'retry-after': 'Wed, 21 Oct 2026 07:28:10 GMT'}),
    );
    expect(classifyModelError(error, {now}).retryAfterMs).toBe(10_000);
  });
});
