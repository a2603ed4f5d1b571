/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A loopback Gemini API server for tests: a real HTTP server on 127.0.0.1 that speaks the
 * Developer API's v1beta REST endpoints as `@google/genai` calls them, so tests drive ADK's real
 * `Gemini` class (and through it the real SDK, its SSE parser and its errors) with no hosted model.
 *
 * - `POST /v1beta/models/{model}:generateContent` answers one JSON `GenerateContentResponse`.
 * - `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` answers `text/event-stream`, one
 *   `data: {chunk}\r\n\r\n` event per chunk, as the API frames it (recorded in google/adk-go
 *   `agent/llmagent/testdata/TestLLMAgentStreamingModeSSE.httprr`).
 * - The key travels in `x-goog-api-key` (or `?key=`): none is a 403 PERMISSION_DENIED, a wrong one
 *   a 400 API_KEY_INVALID, with the API's messages.
 * - Every request is recorded and checked against the API's request schema
 *   (`gemini_request_schema.ts`). A request the real API would reject is answered with the API's
 *   400 error JSON and makes {@link GeminiServer.close} throw, so the test fails even when the
 *   code under test swallows the error; a test that sends bad requests on purpose takes them with
 *   {@link GeminiServer.takeRejected}. A request with no scripted reply left fails the same way.
 *
 * Usage:
 *
 * ```ts
 * const gemini = await startGeminiServer();
 * gemini.reply(
 *   {response: loadGeminiFixture('text_reply').reply.response},   // or any GenerateContentResponse
 *   {chunks: [chunk1, chunk2], chunkDelayMs: 20},                 // a stream, chunk by chunk
 *   {status: 503, body: {error: {code: 503, message: '…', status: 'UNAVAILABLE'}}},
 *   {reset: true},                                                // the connection is reset
 * );
 * // or: gemini.respondWith((request) => (request.stream ? {chunks} : {response}));
 * const agent = new CodingAgent({name: 'a', model: gemini.gemini('gemini-2.5-flash'), ...});
 * // Model names resolved by ADK's LLMRegistry ('gemini-2.5-flash') need the environment:
 * const restore = gemini.useEnv();   // GOOGLE_GEMINI_BASE_URL, the key, Developer API mode
 * ...
 * restore();
 * await gemini.close();              // throws if a request was rejected or unscripted
 * ```
 *
 * How ADK's `Gemini` is pointed here: its constructor takes no base URL; the `GoogleGenAI` client it
 * creates on first use reads `GOOGLE_GEMINI_BASE_URL` (or `GOOGLE_VERTEX_BASE_URL` in Vertex
 * mode) at construction. ADK picks Vertex when `GOOGLE_GENAI_USE_ENTERPRISE` (or the deprecated
 * `GOOGLE_GENAI_USE_VERTEXAI`) is true, so the environment here sets it to `false`.
 * {@link GeminiServer.gemini} builds the client under that environment at once, so the returned
 * model stays bound to this server whatever the environment is later. (A per-request
 * `config.httpOptions.baseUrl` also works: the SDK merges request `httpOptions` into its own.)
 *
 * Each reply may wait `delayMs` before answering; a stream may pause `chunkDelayMs` between
 * chunks and reset the connection after `resetAfterChunks` chunks; a chunk may be an error object
 * (`{error: {code, message, status}}`), which the API sends inside a 200 stream.
 */

import {readdirSync, readFileSync} from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';

import {Gemini, type LlmRequest, type LlmResponse} from '@google/adk';

import {requestViolations, type FieldViolation} from './gemini_request_schema.js';

/** A JSON object as the API sends it (`GenerateContentResponse`, an error body). */
export type GeminiJson = Record<string, unknown>;

/** Timing shared by every reply. */
export interface ReplyTiming {
  /** Wait before answering, in ms (the client may time out or abort meanwhile). */
  delayMs?: number;
}

/** A complete `GenerateContentResponse` (on the streaming endpoint: one chunk). */
export interface ResponseReply extends ReplyTiming {
  response: GeminiJson;
}

/** A streamed reply: `GenerateContentResponse` chunks, or error objects, in order. */
export interface StreamReply extends ReplyTiming {
  chunks: GeminiJson[];
  /** Pause between chunks, in ms. */
  chunkDelayMs?: number;
  /** Reset the connection after this many chunks instead of ending the stream. */
  resetAfterChunks?: number;
}

/** An HTTP error: status, body (the API's error JSON, or text) and headers such as `Retry-After`. */
export interface HttpErrorReply extends ReplyTiming {
  status: number;
  body: GeminiJson | string;
  headers?: Record<string, string>;
}

/** The connection is reset (TCP RST) before any response. */
export interface ResetReply extends ReplyTiming {
  reset: true;
}

/** One scripted answer of the server. */
export type GeminiReply = ResponseReply | StreamReply | HttpErrorReply | ResetReply;

/** Computes the reply to a request (called once per request that passed the checks). */
export type GeminiResponder = (
  request: RecordedGeminiRequest,
) => GeminiReply | Promise<GeminiReply>;

/** A request as the server received it. */
export interface RecordedGeminiRequest {
  /** 0-based position among all requests this server received. */
  index: number;
  /** `gemini-2.5-flash` from `/v1beta/models/gemini-2.5-flash:generateContent`. */
  model: string;
  /** True for `streamGenerateContent`. */
  stream: boolean;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (`undefined` when it was not JSON). */
  body: unknown;
  /** Why the real API would reject it; empty when it would not. */
  violations: FieldViolation[];
  /** When the request arrived (`Date.now()`), to measure waits between calls. */
  receivedAt: number;
}

/** Options of {@link startGeminiServer}. */
export interface GeminiServerOptions {
  /** Replies used in order (more can be added with {@link GeminiServer.reply}). */
  replies?: GeminiReply[];
  /** Computes replies once the queue is empty. */
  responder?: GeminiResponder;
  /** The API key clients must send. Default `test-gemini-key`. */
  apiKey?: string;
  /** Model names that exist; others get the API's 404. Default: any. */
  models?: string[];
}

/** A running loopback Gemini server. */
export interface GeminiServer {
  /** `http://127.0.0.1:PORT`, what `GOOGLE_GEMINI_BASE_URL` is set to. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /**
   * The environment that points ADK and `@google/genai` here: `GOOGLE_GEMINI_BASE_URL`,
   * `GOOGLE_API_KEY`, `GOOGLE_GENAI_USE_ENTERPRISE=false`; `undefined` marks variables to remove
   * (other key and Vertex variables that would take precedence).
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Every request received, in order. */
  readonly requests: RecordedGeminiRequest[];
  /** Queues replies, used in order. */
  reply(...replies: GeminiReply[]): void;
  /** Sets the function that answers once the queue is empty. */
  respondWith(responder: GeminiResponder): void;
  /** Queued replies not used yet. */
  readonly pendingReplies: number;
  /** A real ADK `Gemini` model bound to this server (its SDK client is built at once). */
  gemini(model?: string): Gemini;
  /** Applies {@link GeminiServer.env} to `process.env`; returns the function that restores it. */
  useEnv(): () => void;
  /** `base` with {@link GeminiServer.env} applied, for a child process. */
  envFor(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Returns the requests rejected by the schema so far and stops them failing {@link close}. */
  takeRejected(): RecordedGeminiRequest[];
  /** Stops the server; throws when a request was rejected (and not taken) or had no reply. */
  close(): Promise<void>;
}

/** A recorded or documented reply shape, with where it comes from. */
export interface GeminiFixture {
  /** What the shape is and when the API sends it. */
  description: string;
  /** Where the shape was taken from (recordings, API reference, issue threads). */
  source: string[];
  reply: GeminiReply;
}

const FIXTURES = new URL('../fixtures/gemini/', import.meta.url);

/** Loads `test/fixtures/gemini/<name>.json`. */
export function loadGeminiFixture(name: string): GeminiFixture {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as GeminiFixture;
}

/** Names of every fixture in `test/fixtures/gemini/`, sorted. */
export function geminiFixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.replace(/\.json$/, ''))
    .sort();
}

/** The API's error JSON (`google.rpc.Status` in an `error` field). */
export function apiError(
  code: number,
  status: string,
  message: string,
  details?: GeminiJson[],
): GeminiJson {
  return {error: {code, message, status, ...(details ? {details} : {})}};
}

/** What one `generateContentAsync` call gave: the responses yielded, then the error thrown, if any. */
export interface GeminiCallResult {
  responses: LlmResponse[];
  error?: unknown;
}

/** A minimal valid request: one user turn. */
export function userRequest(text = 'What is 25 * 17?', model = 'gemini-2.5-flash'): LlmRequest {
  return {
    model,
    contents: [{role: 'user', parts: [{text}]}],
    config: {},
    liveConnectConfig: {},
    toolsDict: {},
  };
}

/** Calls `llm.generateContentAsync` and collects what it yields and throws. */
export async function callGemini(
  llm: Gemini,
  stream: boolean,
  request: LlmRequest = userRequest(),
  signal?: AbortSignal,
): Promise<GeminiCallResult> {
  const responses: LlmResponse[] = [];
  try {
    for await (const response of llm.generateContentAsync(request, stream, signal)) {
      responses.push(response);
    }
    return {responses};
  } catch (error) {
    return {responses, error};
  }
}

const ROUTE = /^\/v1beta\/(models|tunedModels)\/([^/:]+):(generateContent|streamGenerateContent)$/;
const JSON_TYPE = 'application/json; charset=UTF-8';

/** Starts a loopback Gemini API server on 127.0.0.1 (a random port). */
export async function startGeminiServer(options: GeminiServerOptions = {}): Promise<GeminiServer> {
  const apiKey = options.apiKey ?? 'test-gemini-key';
  const queue: GeminiReply[] = [...(options.replies ?? [])];
  let responder = options.responder;
  const requests: RecordedGeminiRequest[] = [];
  const rejected: RecordedGeminiRequest[] = [];
  const problems: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = ROUTE.exec(url.pathname);
    if (req.method !== 'POST' || !route) {
      problems.push(`${req.method} ${req.url}: not a generateContent endpoint`);
      sendJson(res, 404, apiError(404, 'NOT_FOUND', `Not found: ${url.pathname}`));
      return;
    }
    const stream = route[3] === 'streamGenerateContent';
    let body: unknown;
    let violations: FieldViolation[];
    try {
      body = JSON.parse(raw);
      violations = requestViolations(body);
    } catch {
      violations = [{field: '', description: 'Invalid JSON payload received. Unexpected token.'}];
    }
    if (stream && url.searchParams.get('alt') !== 'sse') {
      violations.push({field: 'alt', description: 'only alt=sse streaming is served here'});
    }
    const recorded: RecordedGeminiRequest = {
      index: requests.length,
      model: route[2],
      stream,
      method: req.method,
      url: req.url ?? '',
      headers: req.headers,
      body,
      violations,
      receivedAt: Date.now(),
    };
    requests.push(recorded);

    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? undefined;
    if (key === undefined) {
      sendJson(res, 403, UNREGISTERED_CALLER);
      return;
    }
    if (key !== apiKey) {
      sendJson(res, 400, API_KEY_INVALID);
      return;
    }
    if (violations.length > 0) {
      rejected.push(recorded);
      sendJson(res, 400, invalidArgument(violations));
      return;
    }
    if (options.models && !options.models.includes(recorded.model)) {
      sendJson(
        res,
        404,
        apiError(
          404,
          'NOT_FOUND',
          `models/${recorded.model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
        ),
      );
      return;
    }
    const reply = queue.shift() ?? (await responder?.(recorded));
    if (!reply) {
      problems.push(`request #${recorded.index} (${recorded.model}) had no scripted reply`);
      sendJson(
        res,
        400,
        apiError(400, 'FAILED_PRECONDITION', 'loopback Gemini server: no scripted reply left'),
      );
      return;
    }
    if (reply.delayMs) await wait(reply.delayMs);
    if (res.destroyed) return;
    await send(res, reply, stream, recorded, problems, wait);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      problems.push(`server error: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) sendJson(res, 500, apiError(500, 'INTERNAL', 'loopback server error'));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env: Record<string, string | undefined> = {
    GOOGLE_GEMINI_BASE_URL: baseUrl,
    GOOGLE_API_KEY: apiKey,
    GEMINI_API_KEY: undefined,
    GOOGLE_GENAI_API_KEY: undefined,
    GOOGLE_GENAI_USE_ENTERPRISE: 'false',
    GOOGLE_GENAI_USE_VERTEXAI: undefined,
  };
  const useEnv = () => {
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    applyEnv(process.env, env);
    return () => applyEnv(process.env, saved);
  };

  return {
    baseUrl,
    apiKey,
    env,
    requests,
    reply: (...replies) => queue.push(...replies),
    respondWith: (next) => {
      responder = next;
    },
    get pendingReplies() {
      return queue.length;
    },
    gemini(model = 'gemini-2.5-flash') {
      const restore = useEnv();
      try {
        const llm = new Gemini({model, apiKey});
        // Builds the SDK client now, while the environment points here.
        void llm.apiClient;
        return llm;
      } finally {
        restore();
      }
    },
    useEnv,
    envFor: (base = process.env) => applyEnv({...base}, env),
    takeRejected: () => rejected.splice(0),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const failures = [
        ...rejected.map(
          (r) =>
            `request #${r.index} would be rejected by the Gemini API:\n  ${r.violations.map((v) => v.description).join('\n  ')}`,
        ),
        ...problems,
      ];
      if (failures.length > 0) throw new Error(`loopback Gemini server:\n${failures.join('\n')}`);
    },
  };
}

/** Writes one reply; a reset destroys the socket with a TCP RST. */
async function send(
  res: ServerResponse,
  reply: GeminiReply,
  stream: boolean,
  request: RecordedGeminiRequest,
  problems: string[],
  wait: (ms: number) => Promise<void>,
): Promise<void> {
  if ('reset' in reply) {
    res.socket?.resetAndDestroy();
    return;
  }
  if ('status' in reply) {
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body, null, 2);
    const type = typeof reply.body === 'string' ? 'text/html; charset=UTF-8' : JSON_TYPE;
    res.writeHead(reply.status, {'content-type': type, ...reply.headers}).end(text);
    return;
  }
  if (!stream) {
    if ('chunks' in reply) {
      problems.push(`request #${request.index}: a stream reply was scripted for generateContent`);
      sendJson(
        res,
        500,
        apiError(500, 'INTERNAL', 'loopback server: stream reply on generateContent'),
      );
      return;
    }
    sendJson(res, 200, reply.response);
    return;
  }
  const chunks = 'chunks' in reply ? reply.chunks : [reply.response];
  res.writeHead(200, {'content-type': 'text/event-stream', 'content-disposition': 'attachment'});
  res.flushHeaders();
  for (const [i, chunk] of chunks.entries()) {
    if ('chunks' in reply && reply.resetAfterChunks === i) {
      res.socket?.resetAndDestroy();
      return;
    }
    if (i > 0 && 'chunks' in reply && reply.chunkDelayMs) await wait(reply.chunkDelayMs);
    if (res.destroyed) return;
    // Flushed before the next step, so a reset after it cannot discard it.
    await new Promise<void>((resolve) =>
      res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`, () => resolve()),
    );
  }
  if ('chunks' in reply && reply.resetAfterChunks === chunks.length) {
    res.socket?.resetAndDestroy();
    return;
  }
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: GeminiJson): void {
  res.writeHead(status, {'content-type': JSON_TYPE}).end(JSON.stringify(body, null, 2));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function applyEnv<T extends Record<string, string | undefined>>(
  target: T,
  values: Record<string, string | undefined>,
): T {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete target[name];
    else (target as Record<string, string>)[name] = value;
  }
  return target;
}

/** The API's 400 for a malformed request, with a `google.rpc.BadRequest` detail. */
function invalidArgument(violations: FieldViolation[]): GeminiJson {
  const message = violations.map((v) => v.description).join('\n');
  return apiError(400, 'INVALID_ARGUMENT', message, [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: violations.map(({field, description}) => ({field, description})),
    },
  ]);
}

/** The API's answer to a request without a key (PublicAffairs/openai-gemini#92 and others). */
const UNREGISTERED_CALLER = apiError(
  403,
  'PERMISSION_DENIED',
  "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
);

/** The API's answer to a wrong key (as quoted in ai.google.dev's troubleshooting guide). */
const API_KEY_INVALID = apiError(
  400,
  'INVALID_ARGUMENT',
  'API key not valid. Please pass a valid API key.',
  [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: {service: 'generativelanguage.googleapis.com'},
    },
    {
      '@type': 'type.googleapis.com/google.rpc.LocalizedMessage',
      locale: 'en-US',
      message: 'API key not valid. Please pass a valid API key.',
    },
  ],
);
