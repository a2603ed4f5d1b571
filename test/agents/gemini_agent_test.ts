/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * End to end through the real Gemini client: a CodingAgent on ADK's `Gemini` class (and
 * `@google/genai`) answers through an `InMemoryRunner` from the loopback Gemini API server, its
 * code running in a real sandbox. The base for the real-model scenarios of issue 11.
 */

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {CodingAgent, type CodeExecutor} from '../../src/index.js';
import {executedCode, finalText, startSession} from '../helpers/agent_harness.js';
import {loadGeminiFixture, startGeminiServer, type GeminiReply} from '../helpers/gemini_server.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const backend = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

/** A reply whose only part is `text`, in the shape of the recorded text reply. */
function textReply(text: string): GeminiReply {
  const {response} = loadGeminiFixture('code_reply').reply as {response: Record<string, unknown>};
  const [candidate] = response.candidates as Array<Record<string, unknown>>;
  return {
    response: {
      ...response,
      candidates: [{...candidate, content: {role: 'model', parts: [{text}]}}],
    },
  };
}

describe.skipIf(backend.skipReason !== undefined)(
  `CodingAgent on the real Gemini client (${backend.title})`,
  () => {
    let executor: CodeExecutor;
    beforeAll(() => {
      executor = backend.create();
    });
    afterAll(async () => {
      await executor?.dispose();
    });

    it('answers 25 * 17 over two steps from the loopback API, every request valid', async () => {
      const gemini = await startGeminiServer();
      try {
        gemini.reply(
          loadGeminiFixture('code_reply').reply,
          textReply('```python\nfinal_answer(product)\n```'),
        );
        const agent = new CodingAgent({
          name: 'calc',
          model: gemini.gemini('gemini-2.5-flash'),
          instruction: 'You are a calculator.',
          codeExecutor: executor,
        });
        const events = await (await startSession(agent)).turn('What is 25 * 17?');

        expect([...executedCode(events), finalText(events)]).toEqual([
          'product = 25 * 17\nprint(product)',
          'final_answer(product)',
          '425',
        ]);
        expect(gemini.requests.map((r) => [r.model, r.stream])).toEqual([
          ['gemini-2.5-flash', false],
          ['gemini-2.5-flash', false],
        ]);
        const [first, second] = gemini.requests.map((r) => r.body as Record<string, unknown>);
        expect(JSON.stringify(first.systemInstruction)).toContain('You are a calculator.');
        // The second request carries step 1 and its observation; ADK drops labels for this API.
        expect(JSON.stringify(second.contents)).toContain('425');
        expect(second.labels).toBeUndefined();
      } finally {
        await gemini.close();
      }
    });

    it('resolves the model name through LLMRegistry when the environment points at the server', async () => {
      const gemini = await startGeminiServer();
      const restore = gemini.useEnv();
      try {
        gemini.reply(textReply('```python\nfinal_answer(6 * 7)\n```'));
        const agent = new CodingAgent({
          name: 'calc',
          model: 'gemini-2.5-flash',
          codeExecutor: executor,
        });
        const events = await (await startSession(agent)).turn('What is 6 * 7?');
        expect(finalText(events)).toBe('42');
        expect(gemini.requests).toHaveLength(1);
      } finally {
        restore();
        await gemini.close();
      }
    });
  },
);
