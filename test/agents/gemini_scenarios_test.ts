/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Real model failure shapes through the real Gemini client: a CodingAgent on ADK's `Gemini`
 * class and `@google/genai`, against the loopback v1beta server answering with the recorded and
 * documented shapes of test/fixtures/gemini. Every request the agent sends is checked against the
 * API's request schema (the server's close() throws otherwise), and every run passes the harness's
 * check that `isFinalResponse` holds for its last event only.
 */

import {StreamingMode, type Event} from '@google/adk';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';

import {CodingAgent, type CodeExecutor, type CodingAgentConfig} from '../../src/index.js';
import type {RunUsage} from '../../src/agents/usage.js';
import {executedCode, finalText, persisted, startSession} from '../helpers/agent_harness.js';
import {
  loadGeminiFixture,
  startGeminiServer,
  type GeminiReply,
  type GeminiServer,
} from '../helpers/gemini_server.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const backend = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

function fixture(name: string): GeminiReply {
  return loadGeminiFixture(name).reply as GeminiReply;
}

/** A text reply in the recorded shape (usage included). */
function text(
  reply: string,
  usage = {promptTokenCount: 50, candidatesTokenCount: 10},
): GeminiReply {
  return {
    response: {
      candidates: [
        {content: {role: 'model', parts: [{text: reply}]}, finishReason: 'STOP', index: 0},
      ],
      usageMetadata: {
        ...usage,
        totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount,
      },
      modelVersion: 'gemini-2.5-flash',
    },
  };
}

/** The 429 fixture with its RetryInfo delay shortened to `delay` (e.g. `0.4s`). */
function rateLimited(delay: string): GeminiReply {
  const reply = structuredClone(fixture('error_429_retry_info')) as {
    status: number;
    body: {error: {details: Array<Record<string, unknown>>}};
  };
  for (const detail of reply.body.error.details) {
    if (String(detail['@type']).endsWith('RetryInfo')) detail.retryDelay = delay;
  }
  return reply as unknown as GeminiReply;
}

function meta(event: Event): Record<string, unknown> {
  return (event.customMetadata?.codingAgent ?? {}) as Record<string, unknown>;
}

describe.skipIf(backend.skipReason !== undefined)(
  `Gemini failure shapes through the real client (${backend.title})`,
  () => {
    let executor: CodeExecutor;
    let gemini: GeminiServer;
    beforeAll(() => {
      executor = backend.create();
    });
    afterAll(async () => {
      await executor?.dispose();
    });
    afterEach(async () => {
      await gemini?.close();
    });

    async function run(
      replies: GeminiReply[],
      config: Partial<CodingAgentConfig> = {},
      streaming = false,
    ) {
      gemini = await startGeminiServer();
      gemini.reply(...replies);
      const agent = new CodingAgent({
        name: 'analyst',
        model: gemini.gemini('gemini-2.5-flash'),
        codeExecutor: executor,
        modelRetry: {initialDelayMs: 10, maxDelayMs: 2000},
        ...config,
      });
      const session = await startSession(
        agent,
        [],
        streaming ? {streamingMode: StreamingMode.SSE} : undefined,
      );
      return session.turn('What is 25 * 17?');
    }

    it('asks again after a reply with no parts (finish reason STOP)', async () => {
      const events = await run([
        fixture('empty_stop'),
        text('```python\nfinal_answer(25 * 17)\n```'),
      ]);
      expect(finalText(events)).toBe('425');
      expect(JSON.stringify(gemini.requests[1].body)).toContain('Your reply was empty.');
    });

    it('retries a reply whose whole budget went to thinking, counts its 2999 thinking tokens, and names the budget when it keeps happening', async () => {
      const events = await run([
        fixture('max_tokens_thinking'),
        text('```python\nfinal_answer(425)\n```'),
      ]);
      expect(finalText(events)).toBe('425');
      expect(JSON.stringify(gemini.requests[1].body)).toContain(
        'while you were still thinking (2999 thinking tokens)',
      );
      const usage = meta(events[events.length - 1]).usage as RunUsage;
      expect(usage.total.thinking).toBe(2999);
      expect(
        persisted(events).reduce((n, e) => n + (e.usageMetadata?.thoughtsTokenCount ?? 0), 0),
      ).toBe(2999);

      const stuck = await run(
        [
          fixture('max_tokens_thinking'),
          fixture('max_tokens_thinking'),
          fixture('max_tokens_thinking'),
        ],
        {errorRetryAttempts: 2},
      );
      expect(finalText(stuck)).toContain('thinkingBudget');
      expect(meta(stuck[stuck.length - 1]).stopReason).toBe('errors');
    });

    it('retries a 503 at step 2 without losing step 1, and honours RetryInfo’s delay on a 429', async () => {
      const started = Date.now();
      const events = await run([
        text('```python\nproduct = 25 * 17\nprint(product)\n```'),
        fixture('error_503_unavailable'),
        rateLimited('0.4s'),
        text('```python\nfinal_answer(product)\n```'),
      ]);
      expect(finalText(events)).toBe('425');
      expect(executedCode(events)).toEqual([
        'product = 25 * 17\nprint(product)',
        'final_answer(product)',
      ]);
      const retries = events
        .filter((e) => e.partial && meta(e).retry)
        .map((e) => meta(e).retry as {error: string; delayMs: number});
      expect(retries.map((r) => r.error)).toEqual(['503', '429']);
      expect(retries[1].delayMs).toBe(400);
      expect(gemini.requests[3].receivedAt - gemini.requests[2].receivedAt).toBeGreaterThanOrEqual(
        380,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    });

    it.each([
      ['error_400_invalid_argument', '400'],
      ['error_401_unauthenticated', '401'],
      ['error_403_permission_denied', '403'],
      ['error_404_model_not_found', '404'],
    ])(
      'does not retry %s and ends with the status and the API’s message, not raw JSON',
      async (name, status) => {
        const events = await run([fixture(name)]);
        expect(gemini.requests).toHaveLength(1);
        const answer = finalText(events);
        const apiMessage = (fixture(name) as unknown as {body: {error: {message: string}}}).body
          .error.message;
        expect(answer).toContain(status);
        expect(answer).toContain(
          apiMessage
            .replace(/^[*\s]+/, '')
            .split('\n')[0]
            .slice(0, 40),
        );
        expect(answer).not.toContain('{"error"');
        expect(meta(events[events.length - 1]).stopReason).toBe('model_error');
      },
    );

    it('ends with a plain message naming the reason when the reply is blocked (a half sentence is not the answer)', async () => {
      const events = await run([fixture('finish_safety_partial_text')]);
      expect(finalText(events)).toMatch(/blocked.*SAFETY/);
      expect(meta(events[events.length - 1]).stopReason).toBe('blocked');
    });

    it('ends with a plain message when the prompt is blocked, streaming or not', async () => {
      const events = await run([fixture('prompt_blocked')]);
      expect(finalText(events)).toMatch(/request was blocked.*PROHIBITED_CONTENT/);
      const streamed = await run(
        [
          {chunks: [(fixture('prompt_blocked') as {response: Record<string, unknown>}).response]},
          fixture('prompt_blocked'),
        ],
        {},
        true,
      );
      expect(finalText(streamed)).toMatch(/request was blocked.*PROHIBITED_CONTENT/);
    });

    it('streams a reply whose fences are split across chunks and runs its code', async () => {
      const events = await run(
        [
          fixture('stream_split_fence'),
          {
            chunks: [
              (text('```python\nfinal_answer(product)\n```') as {response: Record<string, unknown>})
                .response,
            ],
          },
        ],
        {},
        true,
      );
      expect(executedCode(events)).toEqual([
        'product = 25 * 17\nprint(product)',
        'final_answer(product)',
      ]);
      expect(
        events.filter((e) => e.partial && e.content?.parts?.some((p) => p.text)).length,
      ).toBeGreaterThan(2);
      expect(finalText(events)).toBe('425');
      expect(gemini.requests.every((r) => r.stream)).toBe(true);
    });

    it('sends thought parts and their signatures back within the run, never runs or shows them', async () => {
      const events = await run([
        fixture('thought_parts_signatures'),
        text('```python\nfinal_answer(425)\n```'),
      ]);
      expect(finalText(events)).toBe('425');
      const second = JSON.stringify(gemini.requests[1].body);
      expect(second).toContain('"thought":true');
      expect(second).toContain('"thoughtSignature":"Q07B9xuKrmSYtNZAF');
      expect(executedCode(events)).toEqual(['print(25 * 17)', 'final_answer(425)']);
    });
  },
);
