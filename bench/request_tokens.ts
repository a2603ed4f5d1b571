/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Token counts of model requests and replies with the o200k encoding (`gpt-tokenizer`), the same
 * way for every agent: the system instruction, every part of every turn (text, code, function
 * calls and responses as JSON) and the tool declarations sent with the request. Used by the
 * benchmark's token section and to give scripted models realistic `usageMetadata`.
 */

import {BaseLlm, type BaseLlmConnection, type LlmRequest, type LlmResponse} from '@google/adk';
import type {Content, Part} from '@google/genai';
import {encode} from 'gpt-tokenizer/encoding/o200k_base';

function partText(part: Part): string {
  if (part.text !== undefined) return part.text;
  if (part.functionCall) return JSON.stringify(part.functionCall);
  if (part.functionResponse) return JSON.stringify(part.functionResponse);
  if (part.executableCode) return part.executableCode.code ?? '';
  if (part.codeExecutionResult) return part.codeExecutionResult.output ?? '';
  return '';
}

function contentText(content: Content | string | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return (content.parts ?? []).map(partText).join('\n');
}

/** Everything a request sends to the model, as one text. */
export function requestText(request: LlmRequest): string {
  const system = request.config?.systemInstruction as Content | string | undefined;
  const tools = request.config?.tools?.length ? JSON.stringify(request.config.tools) : '';
  return [contentText(system), tools, ...request.contents.map((c) => contentText(c))]
    .filter(Boolean)
    .join('\n');
}

/** o200k tokens of `text`. */
export function countTokens(text: string): number {
  return encode(text).length;
}

/** o200k tokens of a request (see {@link requestText}). */
export function requestTokens(request: LlmRequest): number {
  return countTokens(requestText(request));
}

/** o200k tokens of a reply. */
export function responseTokens(response: LlmResponse): number {
  return countTokens(contentText(response.content));
}

/** One call as {@link TokenCountingLlm} measured it. */
export interface MeteredCall {
  requestChars: number;
  promptTokens: number;
  outputTokens: number;
}

/**
 * A model that passes calls to `inner` (a scripted model), sets each final response's
 * `usageMetadata` from o200k counts of the request and the reply, as a hosted model reports its
 * own, and keeps every call's figures in {@link TokenCountingLlm.calls}.
 */
export class TokenCountingLlm extends BaseLlm {
  /** Each call's request size and tokens, in order. */
  readonly calls: MeteredCall[] = [];

  constructor(private readonly inner: BaseLlm) {
    super({model: inner.model});
  }

  override async *generateContentAsync(
    request: LlmRequest,
    stream = false,
  ): AsyncGenerator<LlmResponse, void> {
    const text = requestText(request);
    const prompt = countTokens(text);
    for await (const response of this.inner.generateContentAsync(request, stream)) {
      if (response.partial) {
        yield response;
        continue;
      }
      const output = responseTokens(response);
      this.calls.push({requestChars: text.length, promptTokens: prompt, outputTokens: output});
      yield {
        ...response,
        usageMetadata: {
          promptTokenCount: prompt,
          candidatesTokenCount: output,
          totalTokenCount: prompt + output,
        },
      };
    }
  }

  override async connect(): Promise<BaseLlmConnection> {
    throw new Error('TokenCountingLlm does not support live connections');
  }
}
