/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The loop's handling of what models really do, with a scripted model and a real local kernel:
 * transient failures retried, every call's tokens on an event, streaming as partial events,
 * thought parts sent back within a run, blank user messages. (The Gemini-shaped versions of these
 * run against a loopback Gemini API in gemini_agent_test.ts.) Every run also passes the harness's
 * check that ADK's `isFinalResponse` holds for its last event only.
 */

import {AgentTool, LlmAgent, StreamingMode, type Event, type LlmResponse} from '@google/adk';
import {FinishReason} from '@google/genai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {CodingAgent, ScriptedLlm, type CodeExecutor} from '../../src/index.js';
import type {RunUsage} from '../../src/agents/usage.js';
import {finalText, persisted, requestText, startSession} from '../helpers/agent_harness.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const local = sandboxBackends().find((b) => b.name === 'local')!;

function usage(prompt: number, output: number, thinking = 0): LlmResponse['usageMetadata'] {
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: output,
    thoughtsTokenCount: thinking || undefined,
    totalTokenCount: prompt + output + thinking,
  };
}

function codingMetadata(event: Event): Record<string, unknown> {
  return (event.customMetadata?.codingAgent ?? {}) as Record<string, unknown>;
}

describe('run loop (local kernel)', () => {
  let executor: CodeExecutor;
  beforeAll(() => {
    executor = local.create();
  });
  afterAll(async () => {
    await executor?.dispose();
  });

  function agent(
    model: ScriptedLlm,
    extra: Partial<ConstructorParameters<typeof CodingAgent>[0]> = {},
  ) {
    return new CodingAgent({
      name: 'looper',
      model,
      codeExecutor: executor,
      modelRetry: {initialDelayMs: 1, maxDelayMs: 5},
      ...extra,
    });
  }

  it('retries transient model failures (error code or thrown 503) and keeps the step before', async () => {
    const unavailable = Object.assign(new Error('{"error":{"code":503,"message":"overloaded"}}'), {
      status: 503,
    });
    const model = new ScriptedLlm({
      responses: [
        '```python\nkept = 41\n```',
        {errorCode: 'RESOURCE_EXHAUSTED', errorMessage: 'quota', usageMetadata: usage(10, 0)},
        unavailable,
        '```python\nfinal_answer(kept + 1)\n```',
      ],
    });
    const events = await (await startSession(agent(model))).turn('Go.');

    expect(finalText(events)).toBe('42');
    expect(model.requests).toHaveLength(4);
    const retries = events
      .filter((e) => e.partial && codingMetadata(e).retry)
      .map((e) => codingMetadata(e).retry as {attempt: number; error: string});
    expect(retries.map((r) => [r.attempt, r.error])).toEqual([
      [1, 'RESOURCE_EXHAUSTED'],
      [2, '503'],
    ]);
  });

  it('gives up after the configured attempts, with the status and message, not raw JSON', async () => {
    const unavailable = () =>
      Object.assign(new Error('{"error":{"code":503,"message":"overloaded"}}'), {status: 503});
    const model = new ScriptedLlm({responses: [unavailable(), unavailable(), unavailable()]});
    const events = await (
      await startSession(agent(model, {modelRetry: {attempts: 2, initialDelayMs: 1}}))
    ).turn('Go.');
    expect(model.requests).toHaveLength(2);
    expect(finalText(events)).toBe('The model API answered 503: overloaded');
    expect(codingMetadata(events[events.length - 1]).stopReason).toBe('model_error');
  });

  it('puts every model call’s tokens on an event (empty and cut-off calls too) and the totals on the final one', async () => {
    const model = new ScriptedLlm({
      responses: [
        {
          content: {role: 'model', parts: []},
          finishReason: FinishReason.STOP,
          usageMetadata: usage(100, 0),
        },
        {
          content: {role: 'model', parts: [{text: 'deep thought', thought: true}]},
          finishReason: FinishReason.MAX_TOKENS,
          usageMetadata: usage(110, 0, 2999),
        },
        {
          content: {role: 'model', parts: [{text: '```python\nx = 6 * 7\n```'}]},
          usageMetadata: usage(120, 10),
        },
        {
          content: {role: 'model', parts: [{text: '```python\nfinal_answer(x)\n```'}]},
          usageMetadata: usage(130, 8),
        },
      ],
    });
    const events = await (await startSession(agent(model, {errorRetryAttempts: 3}))).turn('Go.');
    expect(finalText(events)).toBe('42');
    // The thinking-only cut-off was named to the model.
    expect(requestText(model.requests[2])).toContain(
      'while you were still thinking (2999 thinking tokens)',
    );

    const stored = persisted(events);
    const summed = stored.reduce(
      (sum, e) => ({
        prompt: sum.prompt + (e.usageMetadata?.promptTokenCount ?? 0),
        thinking: sum.thinking + (e.usageMetadata?.thoughtsTokenCount ?? 0),
      }),
      {prompt: 0, thinking: 0},
    );
    expect(summed).toEqual({prompt: 460, thinking: 2999});
    const totals = codingMetadata(stored[stored.length - 1]).usage as RunUsage;
    expect(totals.total).toMatchObject({prompt: 460, output: 18, thinking: 2999, modelCalls: 4});
    expect(totals.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
  });

  it('counts the tokens of sub-agents called from code (AgentTool) in the run’s totals', async () => {
    const helper = new LlmAgent({
      name: 'helper',
      description: 'Answers questions.',
      model: new ScriptedLlm({
        responses: [
          {content: {role: 'model', parts: [{text: 'seven'}]}, usageMetadata: usage(70, 7)},
          {content: {role: 'model', parts: [{text: 'six'}]}, usageMetadata: usage(60, 6)},
        ],
      }),
    });
    const model = new ScriptedLlm({
      responses: [
        {
          content: {
            role: 'model',
            parts: [{text: '```python\na = helper(request="7?")\nb = helper(request="6?")\n```'}],
          },
          usageMetadata: usage(100, 10),
        },
        {content: {role: 'model', parts: [{text: '```python\nfinal_answer(a + " " + b)\n```'}]}},
      ],
    });
    const events = await (
      await startSession(agent(model, {tools: [new AgentTool({agent: helper})]}))
    ).turn('Ask.');
    expect(finalText(events)).toBe('seven six');
    const totals = codingMetadata(events[events.length - 1]).usage as RunUsage;
    expect(totals.subAgents).toMatchObject({prompt: 130, output: 13});
    expect(totals.total).toMatchObject({prompt: 230, output: 23, modelCalls: 2});
  });

  it('streams the model’s text and shows the code before it runs, under SSE', async () => {
    const reply = 'Let me compute.\n```python\nfinal_answer(6 * 7)\n```';
    const model = new ScriptedLlm({responses: [reply], streamChunkChars: 7});
    const session = await startSession(agent(model), [], {streamingMode: StreamingMode.SSE});
    const events = await session.turn('Go.');

    const streamed = events
      .filter((e) => e.partial)
      .flatMap((e) => e.content?.parts ?? [])
      .filter((p) => p.text !== undefined)
      .map((p) => p.text)
      .join('');
    expect(streamed).toBe(reply);
    const codeShown = events.findIndex((e) => e.partial && e.content?.parts?.[0]?.executableCode);
    const stepEvent = events.findIndex(
      (e) => !e.partial && e.content?.parts?.some((p) => p.codeExecutionResult),
    );
    expect(codeShown).toBeGreaterThanOrEqual(0);
    expect(codeShown).toBeLessThan(stepEvent);
    expect(finalText(events)).toBe('42');
  });

  it('streams the snippet’s output as partial events while it runs, and keeps it when a timeout kills it', async () => {
    const model = new ScriptedLlm({
      responses: [
        '```python\nimport time\nfor i in range(4):\n    print(f"tick {i}", flush=True)\n    time.sleep(0.3)\ntime.sleep(30)\n```',
        '```python\nfinal_answer("done")\n```',
      ],
    });
    const session = await startSession(agent(model, {executionTimeoutMs: 2500}), [], {
      streamingMode: StreamingMode.SSE,
    });
    const events = await session.turn('Tick.');
    const outputs = events
      .filter((e) => e.partial)
      .flatMap((e) => e.content?.parts ?? [])
      .filter((p) => p.codeExecutionResult)
      .map((p) => p.codeExecutionResult!.output ?? '');
    // Several different views, each a prefix of the next: the output grew while it ran.
    expect(new Set(outputs).size).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < outputs.length; i++)
      expect(outputs[i].startsWith(outputs[i - 1])).toBe(true);
    expect(outputs[outputs.length - 1]).toContain('tick 3');
    // The timeout killed it; what it printed before is still in the observation.
    const [observation] = events
      .filter((e) => !e.partial)
      .flatMap((e) => e.content?.parts ?? [])
      .filter((p) => p.codeExecutionResult)
      .map((p) => p.codeExecutionResult!.output ?? '');
    expect(observation).toContain('TimeoutError');
    expect(observation).toContain('tick 3');
    expect(finalText(events)).toBe('done');
  });

  it('sends this run’s thought parts and their signatures back in its later requests', async () => {
    const model = new ScriptedLlm({
      responses: [
        {
          content: {
            role: 'model',
            parts: [
              {text: 'I should multiply.', thought: true, thoughtSignature: 'c2lnLTE='},
              {text: '```python\nx = 6 * 7\n```'},
            ],
          },
        },
        '```python\nfinal_answer(x)\n```',
      ],
    });
    const events = await (await startSession(agent(model))).turn('Go.');
    expect(finalText(events)).toBe('42');
    const sent = model.requests[1].contents.flatMap((c) => c.parts ?? []);
    expect(sent).toContainEqual({
      text: 'I should multiply.',
      thought: true,
      thoughtSignature: 'c2lnLTE=',
    });
    // Never shown as the answer, never run.
    expect(finalText(events)).not.toContain('multiply');
  });

  it('keeps a long run’s requests from growing with its steps (older observations age)', async () => {
    const steps = 20;
    const printing = (i: number) =>
      '```python\nrows = [f"{i}-{j}: " + "v" * 30 for j in range(160)]\nprint("\\n".join(rows))\n```'.replace(
        /\{i\}/,
        String(i),
      );
    const replies = [
      ...Array.from({length: steps}, (_, i) => printing(i)),
      '```python\nfinal_answer(1)\n```',
    ];
    const chars = async (maxRunContextChars?: number) => {
      const model = new ScriptedLlm({responses: replies});
      const events = await (
        await startSession(agent(model, {maxIterations: steps + 1, maxRunContextChars}))
      ).turn('Print the table 20 times.');
      expect(finalText(events)).toBe('1');
      // What the model reads: the system instruction and every message's text.
      return model.requests.map(
        (r) => String(r.config?.systemInstruction ?? '').length + requestText(r).length,
      );
    };
    const aged = await chars();
    const whole = await chars(Infinity);
    expect(aged[steps - 1] / aged[4]).toBeLessThanOrEqual(1.5);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(aged)).toBeLessThanOrEqual(sum(whole) / 3);
  }, 120_000);

  it('never starts a request with a model turn when the user message is blank', async () => {
    const model = new ScriptedLlm({responses: ['```python\nfinal_answer(1)\n```']});
    const events = await (await startSession(agent(model))).turn('');
    expect(finalText(events)).toBe('1');
    expect(model.requests[0].contents[0].role).toBe('user');
  });
});
