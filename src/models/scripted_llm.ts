/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {BaseLlm, type BaseLlmConnection, type LlmRequest, type LlmResponse} from '@google/adk';

/** One scripted model turn: reply text, a full `LlmResponse`, or an `Error` the model throws. */
export type ScriptedReply = string | LlmResponse | Error;

/** Computes the reply for a request; `callIndex` counts calls from 0. */
export type ScriptedResponder = (
  request: LlmRequest,
  callIndex: number,
) => ScriptedReply | Promise<ScriptedReply>;

/** Options of {@link ScriptedLlm}. */
export interface ScriptedLlmOptions {
  /** Replies returned in order, or a function of the request. */
  responses: readonly ScriptedReply[] | ScriptedResponder;
  /** Model name reported to ADK (labels, telemetry). Default `scripted`. */
  model?: string;
  /**
   * When the caller asks for a stream, text replies arrive as partial responses of this many
   * characters, then one complete response with the whole reply (as ADK's Gemini class
   * streams). Default 24.
   */
  streamChunkChars?: number;
}

/**
 * An ADK `BaseLlm` that returns recorded responses instead of calling a hosted model: for tests,
 * demos without credentials and replays. Everything around the model stays real.
 *
 * It records every request it receives in {@link ScriptedLlm.requests}.
 */
export class ScriptedLlm extends BaseLlm {
  /** Requests received so far, in order (the objects ADK passed, not copies). */
  readonly requests: LlmRequest[] = [];
  private readonly responses: readonly ScriptedReply[] | ScriptedResponder;
  private readonly streamChunkChars: number;

  constructor(options: ScriptedLlmOptions) {
    super({model: options.model ?? 'scripted'});
    if (!Array.isArray(options.responses) && typeof options.responses !== 'function') {
      throw new Error('ScriptedLlm: responses must be an array of replies or a function');
    }
    this.responses = options.responses;
    this.streamChunkChars = options.streamChunkChars ?? 24;
  }

  /** Number of scripted replies not yet used, or `Infinity` for a responder function. */
  get remaining(): number {
    return typeof this.responses === 'function'
      ? Infinity
      : this.responses.length - this.requests.length;
  }

  override async *generateContentAsync(
    llmRequest: LlmRequest,
    stream = false,
  ): AsyncGenerator<LlmResponse, void> {
    const callIndex = this.requests.length;
    this.requests.push(llmRequest);
    let reply: ScriptedReply | undefined;
    if (typeof this.responses === 'function') {
      reply = await this.responses(llmRequest, callIndex);
    } else {
      reply = this.responses[callIndex];
      if (reply === undefined) {
        throw new Error(
          `ScriptedLlm: call ${callIndex + 1} asked for a reply but only ${this.responses.length} were scripted`,
        );
      }
    }
    if (reply instanceof Error) throw reply;
    const response: LlmResponse =
      typeof reply === 'string' ? {content: {role: 'model', parts: [{text: reply}]}} : reply;
    if (stream) yield* this.chunks(response);
    yield response;
  }

  /** The text parts of `response` cut into partial responses (thoughts stay thoughts). */
  private *chunks(response: LlmResponse): Generator<LlmResponse> {
    for (const part of response.content?.parts ?? []) {
      const text = part.text ?? '';
      for (let at = 0; at < text.length; at += this.streamChunkChars) {
        yield {
          content: {
            role: 'model',
            parts: [{text: text.slice(at, at + this.streamChunkChars), thought: part.thought}],
          },
          partial: true,
        };
      }
    }
  }

  override async connect(): Promise<BaseLlmConnection> {
    throw new Error('ScriptedLlm does not support live (bidirectional) connections');
  }
}
