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

  constructor(options: ScriptedLlmOptions) {
    super({model: options.model ?? 'scripted'});
    if (!Array.isArray(options.responses) && typeof options.responses !== 'function') {
      throw new Error('ScriptedLlm: responses must be an array of replies or a function');
    }
    this.responses = options.responses;
  }

  /** Number of scripted replies not yet used, or `Infinity` for a responder function. */
  get remaining(): number {
    return typeof this.responses === 'function'
      ? Infinity
      : this.responses.length - this.requests.length;
  }

  override async *generateContentAsync(llmRequest: LlmRequest): AsyncGenerator<LlmResponse, void> {
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
    yield typeof reply === 'string' ? {content: {role: 'model', parts: [{text: reply}]}} : reply;
  }

  override async connect(): Promise<BaseLlmConnection> {
    throw new Error('ScriptedLlm does not support live (bidirectional) connections');
  }
}
