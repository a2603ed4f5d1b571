/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Cassettes: every model request and response of a task run, so the run can be replayed without
 * a model. {@link RecordingLlm} wraps any ADK model and writes down each call; {@link ReplayLlm}
 * answers from a cassette and fails with a {@link CassetteMismatchError} naming the first
 * difference as soon as a request is not the one recorded (the agent, its prompt, a tool or the
 * sandbox's output changed since). Everything but the model stays real in a replay: the
 * sandbox runs the code and the tools run.
 */

import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

import {BaseLlm, type BaseLlmConnection, type LlmRequest, type LlmResponse} from '@google/adk';

/** The format tag every cassette file carries. */
export const CASSETTE_FORMAT = 'adk-coding-agent/cassette@1';

/** A model request as cassettes store and compare it (transport details left out). */
export type RecordedRequest = Record<string, unknown>;

/** One model call: the request, then what the model yielded or the error it threw. */
export interface RecordedCall {
  request: RecordedRequest;
  responses: LlmResponse[];
  error?: {message: string; status?: string | number; code?: string};
}

/** The cassette of one task and one agent: the calls of each repeat of the run. */
export interface Cassette {
  format: typeof CASSETTE_FORMAT;
  suite: string;
  task: string;
  agent: string;
  /** The model that answered (its ADK name). */
  model: string;
  /** What produced the responses, shown in reports (e.g. that a scripted model wrote them). */
  label: string;
  recordedAt: string;
  /** One list of calls per repeat. */
  runs: RecordedCall[][];
}

/** A replayed request that is not the recorded one, or a call the cassette does not have. */
export class CassetteMismatchError extends Error {
  override name = 'CassetteMismatchError';
}

/** Figure artifacts are named after the invocation id, which is new in every run. */
const VOLATILE_TEXT: ReadonlyArray<[RegExp, string]> = [
  [/figure_[0-9a-f]{8}_s/g, 'figure_*_s'],
  [/\badk-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, 'adk-*'],
];
/** Request config fields that are transport, not content. */
const TRANSPORT_CONFIG = ['abortSignal', 'httpOptions', 'labels'];

function normalizeValue(value: unknown): unknown {
  if (typeof value === 'string') {
    return VOLATILE_TEXT.reduce((text, [pattern, mask]) => text.replace(pattern, mask), value);
  }
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      // Function-call ids are minted by ADK per run.
      if (key === 'id' && typeof inner === 'string' && /^adk-/.test(inner)) continue;
      if (inner !== undefined) out[key] = normalizeValue(inner);
    }
    return out;
  }
  return value;
}

/** The request as a cassette keeps it: model, config (without transport fields), contents. */
export function recordedRequest(request: LlmRequest): RecordedRequest {
  const config: Record<string, unknown> = {...request.config};
  for (const key of TRANSPORT_CONFIG) delete config[key];
  return normalizeValue(
    JSON.parse(JSON.stringify({model: request.model, config, contents: request.contents})),
  ) as RecordedRequest;
}

/** Where two JSON values first differ (`undefined` when equal), with both sides. */
export function firstDifference(
  recorded: unknown,
  actual: unknown,
  path = '',
): {path: string; recorded: unknown; actual: unknown} | undefined {
  if (Object.is(recorded, actual)) return undefined;
  const here = {path: path || '(request)', recorded, actual};
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    for (let i = 0; i < Math.min(recorded.length, actual.length); i++) {
      const inner = firstDifference(recorded[i], actual[i], `${path}[${i}]`);
      if (inner) return inner;
    }
    return recorded.length === actual.length
      ? undefined
      : {path: `${path}.length`, recorded: recorded.length, actual: actual.length};
  }
  if (!isRecord(recorded) || !isRecord(actual)) return here;
  for (const key of new Set([...Object.keys(recorded), ...Object.keys(actual)])) {
    const inner = firstDifference(recorded[key], actual[key], `${path}.${key}`);
    if (inner) return inner;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value shown in a mismatch message: strings around their first differing character. */
function excerpt(value: unknown, other: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? 'undefined';
  const otherText = typeof other === 'string' ? other : '';
  let at = 0;
  while (at < value.length && value[at] === otherText[at]) at++;
  const start = Math.max(0, at - 60);
  const text = value.slice(start, at + 100);
  return `${start > 0 ? '…' : ''}${JSON.stringify(text)}${at + 100 < value.length ? '…' : ''}`;
}

/** A model that records each call of `inner` into `calls`. */
export class RecordingLlm extends BaseLlm {
  /** The calls so far, in order. */
  readonly calls: RecordedCall[] = [];

  constructor(private readonly inner: BaseLlm) {
    super({model: inner.model});
  }

  override async *generateContentAsync(
    request: LlmRequest,
    stream = false,
  ): AsyncGenerator<LlmResponse, void> {
    const call: RecordedCall = {request: recordedRequest(request), responses: []};
    this.calls.push(call);
    try {
      for await (const response of this.inner.generateContentAsync(request, stream)) {
        // A copy first: ADK edits responses after they are yielded (function-call ids).
        call.responses.push(JSON.parse(JSON.stringify(response)) as LlmResponse);
        yield response;
      }
    } catch (error) {
      const e = error as {message?: unknown; status?: unknown; code?: unknown};
      call.error = {
        message: error instanceof Error ? error.message : String(error),
        status:
          typeof e?.status === 'number' || typeof e?.status === 'string' ? e.status : undefined,
        code: typeof e?.code === 'string' ? e.code : undefined,
      };
      throw error;
    }
  }

  override async connect(): Promise<BaseLlmConnection> {
    throw new Error('RecordingLlm does not record live (bidirectional) connections');
  }
}

/** A model that answers from recorded calls, checking each request against the recording. */
export class ReplayLlm extends BaseLlm {
  private next = 0;
  /** The first mismatch met, if any (the agent may swallow the error it threw). */
  mismatch?: CassetteMismatchError;

  /**
   * @param calls The recorded calls of one run.
   * @param where Names the cassette and run in error messages.
   */
  constructor(
    model: string,
    private readonly calls: readonly RecordedCall[],
    private readonly where: string,
  ) {
    super({model});
  }

  /** Model calls the run has made so far. */
  get callsMade(): number {
    return this.next;
  }

  /** Throws a {@link CassetteMismatchError} when the run diverged or stopped short. */
  assertFinished(): void {
    if (this.mismatch) throw this.mismatch;
    if (this.next < this.calls.length) {
      throw new CassetteMismatchError(
        `${this.where}: the run ended after ${this.next} model calls, but the cassette has ${this.calls.length}`,
      );
    }
  }

  override async *generateContentAsync(request: LlmRequest): AsyncGenerator<LlmResponse, void> {
    const index = this.next++;
    const call = this.calls[index];
    if (!call) {
      this.fail(
        `${this.where}: model call ${index + 1} is not in the cassette (it has ${this.calls.length})`,
      );
    }
    const difference = firstDifference(call.request, recordedRequest(request));
    if (difference) {
      this.fail(
        `${this.where}: model call ${index + 1} differs from the recording at ${difference.path}: ` +
          `recorded ${excerpt(difference.recorded, difference.actual)}, now ${excerpt(difference.actual, difference.recorded)}`,
      );
    }
    for (const response of call.responses) {
      yield JSON.parse(JSON.stringify(response)) as LlmResponse;
    }
    if (call.error) {
      // The recorded failure again, with its status, so the agent's retry policy acts the same.
      throw Object.assign(new Error(call.error.message), {
        status: call.error.status,
        code: call.error.code,
      });
    }
  }

  private fail(problem: string): never {
    const message = `${problem}. The agent, its prompt, a tool or the sandbox's output changed since the cassette was recorded: record it again`;
    this.mismatch ??= new CassetteMismatchError(message);
    throw this.mismatch;
  }

  override async connect(): Promise<BaseLlmConnection> {
    throw new Error('ReplayLlm does not replay live (bidirectional) connections');
  }
}

/** The file of the cassette of `task` and `agent` in `dir`. */
export function cassettePath(dir: string, task: string, agent: string): string {
  return join(dir, `${task}.${agent}.json`);
}

/** Writes a cassette (creating its folder). */
export function writeCassette(dir: string, cassette: Cassette): void {
  mkdirSync(dir, {recursive: true});
  writeFileSync(
    cassettePath(dir, cassette.task, cassette.agent),
    `${JSON.stringify(cassette, null, 1)}\n`,
  );
}

/** Reads the cassette of `task` and `agent`, or undefined when there is none. */
export function readCassette(dir: string, task: string, agent: string): Cassette | undefined {
  const path = cassettePath(dir, task, agent);
  if (!existsSync(path)) return undefined;
  let cassette: Cassette;
  try {
    cassette = JSON.parse(readFileSync(path, 'utf8')) as Cassette;
  } catch (error) {
    throw new Error(`cassette ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (cassette.format !== CASSETTE_FORMAT) {
    throw new Error(
      `cassette ${path} is not a ${CASSETTE_FORMAT} file (format: ${String(cassette.format)})`,
    );
  }
  if (!Array.isArray(cassette.runs) || cassette.runs.length === 0) {
    throw new Error(`cassette ${path} holds no runs`);
  }
  return cassette;
}
