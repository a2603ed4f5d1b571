/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// The LlmResponses an adapter yields, shaped as ADK's own Gemini class yields them, so that
// LlmAgent, the CodingAgent and adk web treat every model alike:
// - not streaming: one response; with no parts it carries `errorCode` = the finish reason
//   (ADK's createLlmResponse);
// - streaming: a `partial: true` response per text delta, then one aggregated `partial: false`
//   response with every part, the usage and the finish reason, whose `errorCode` is the finish
//   reason when that is not STOP (ADK's StreamingResponseAggregator.close).

import type {LlmResponse} from '@google/adk';
import {FinishReason, type GenerateContentResponseUsageMetadata, type Part} from '@google/genai';

/** Token counts as an API reports them, already split the way Gemini splits them. */
export interface TokenCounts {
  /** Every input token, cached ones included. */
  prompt?: number;
  /** Output tokens other than reasoning. */
  output?: number;
  /** Input tokens read from the provider's prompt cache. */
  cached?: number;
  /** Reasoning tokens, where the API counts them apart. */
  thoughts?: number;
}

/** ADK's (genai's) usage fields from token counts; the total is their sum. */
export function usageMetadata(counts: TokenCounts): GenerateContentResponseUsageMetadata {
  const usage: GenerateContentResponseUsageMetadata = {};
  if (counts.prompt !== undefined) usage.promptTokenCount = counts.prompt;
  if (counts.output !== undefined) usage.candidatesTokenCount = counts.output;
  if (counts.cached) usage.cachedContentTokenCount = counts.cached;
  if (counts.thoughts) usage.thoughtsTokenCount = counts.thoughts;
  usage.totalTokenCount = (counts.prompt ?? 0) + (counts.output ?? 0) + (counts.thoughts ?? 0);
  return usage;
}

/** What a finished reply consists of. */
export interface FinishedReply {
  parts: Part[];
  finishReason: FinishReason | undefined;
  /** Why it finished, in words (the provider's own reason), for non-STOP finishes. */
  finishMessage?: string;
  usage?: GenerateContentResponseUsageMetadata;
  modelVersion?: string;
  /** A reply that cannot be used whatever its parts (e.g. a tool call whose arguments are not JSON). */
  error?: {code: string; message: string};
}

/** The one response of a non-streaming call. */
export function completeResponse(reply: FinishedReply): LlmResponse {
  const {parts, finishReason, usage, modelVersion} = reply;
  if (reply.error) {
    return {
      errorCode: reply.error.code,
      errorMessage: reply.error.message,
      usageMetadata: usage,
      finishReason,
      modelVersion,
    };
  }
  if (parts.length > 0) {
    return {content: {role: 'model', parts}, usageMetadata: usage, finishReason, modelVersion};
  }
  return {
    errorCode: finishReason ?? 'UNKNOWN_ERROR',
    errorMessage: reply.finishMessage ?? 'The model returned no content.',
    usageMetadata: usage,
    finishReason,
    modelVersion,
  };
}

/** The aggregated last response of a stream, or `undefined` when it had nothing at all. */
export function streamedResponse(reply: FinishedReply): LlmResponse | undefined {
  const {parts, finishReason, usage, modelVersion} = reply;
  if (parts.length === 0 && !usage && !reply.error) return undefined;
  const failed = reply.error
    ? {errorCode: reply.error.code, errorMessage: reply.error.message}
    : finishReason !== undefined && finishReason !== FinishReason.STOP
      ? {errorCode: finishReason, errorMessage: reply.finishMessage}
      : {};
  return {
    // No `parts: []` content: an empty model turn breaks the next request (adk-js #21).
    content: parts.length > 0 ? {role: 'model', parts} : undefined,
    ...failed,
    usageMetadata: usage,
    finishReason,
    modelVersion,
    partial: false,
  };
}

/** A streamed text delta (reasoning when `thought`). */
export function partialResponse(text: string, thought: boolean): LlmResponse {
  return {
    content: {role: 'model', parts: [thought ? {text, thought: true} : {text}]},
    partial: true,
  };
}

/** Collects a streamed reply: yields partial responses per chunk, then the finished reply. */
export interface StreamAccumulator<Chunk> {
  add(chunk: Chunk): Iterable<LlmResponse>;
  finish(): FinishedReply;
}

/** One model call, streamed or not, as the responses ADK reads. */
export interface ModelCall<Chunk> {
  stream: boolean;
  abortSignal?: AbortSignal;
  /** The non-streaming call. */
  complete(): Promise<FinishedReply>;
  /** The streaming call's chunks (or events). */
  open(): Promise<AsyncIterable<Chunk>>;
  accumulator: StreamAccumulator<Chunk>;
  /** What to throw for an error of the call (the SDK's errors made provider-neutral). */
  toError(error: unknown): unknown;
}

/** Runs a model call and yields its responses in Gemini's shapes (see the top of this file). */
export async function* modelResponses<Chunk>(
  call: ModelCall<Chunk>,
): AsyncGenerator<LlmResponse, void> {
  try {
    if (!call.stream) {
      yield completeResponse(await call.complete());
      return;
    }
    for await (const chunk of await call.open()) {
      // Chunks already read are still iterated after an abort; stop at the next one.
      call.abortSignal?.throwIfAborted();
      yield* call.accumulator.add(chunk);
    }
    const last = streamedResponse(call.accumulator.finish());
    if (last) yield last;
  } catch (error) {
    throw call.toError(error);
  }
}

/** `{}` for arguments that are not a JSON object, with the reason. */
export function parseArguments(json: string): {args: Record<string, unknown>} | {error: string} {
  if (json.trim() === '') return {args: {}};
  try {
    const value: unknown = JSON.parse(json);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return {args: value as Record<string, unknown>};
    }
    return {error: 'the arguments are not a JSON object'};
  } catch (e) {
    return {error: `the arguments are not valid JSON (${(e as Error).message})`};
  }
}
