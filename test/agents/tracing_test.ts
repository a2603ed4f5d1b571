/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Traces like LlmAgent's: with a real OpenTelemetry SDK and an in-memory exporter, a CodingAgent
 * run has `call_llm` per model call (naming the event its reply is in), `execute_code` per
 * snippet and `execute_tool <name>` per tool call made from code (a child of its snippet's span),
 * all inside ADK's own `invocation` and `invoke_agent` spans. Then through the real
 * `adk api_server`: `/debug/trace/<eventId>` answers for the CodingAgent's events.
 */

import {FunctionTool} from '@google/adk';
import {trace} from '@opentelemetry/api';
import {InMemorySpanExporter, SimpleSpanProcessor} from '@opentelemetry/sdk-trace-base';
import {NodeTracerProvider} from '@opentelemetry/sdk-trace-node';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';

import {CodingAgent, ScriptedLlm, type CodeExecutor} from '../../src/index.js';
import {startAdkWeb, type AdkWeb} from '../helpers/adk_web.js';
import {persisted, startSession} from '../helpers/agent_harness.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const local = sandboxBackends().find((b) => b.name === 'local')!;
const bubblewrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe('traces of a CodingAgent run (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({spanProcessors: [new SimpleSpanProcessor(exporter)]});
  let executor: CodeExecutor;
  beforeAll(() => {
    provider.register();
    executor = local.create();
  });
  afterAll(async () => {
    await executor?.dispose();
    await provider.shutdown();
    trace.disable();
  });

  it('has call_llm, execute_code and execute_tool spans with ADK attribute names', async () => {
    const double = new FunctionTool({
      name: 'double',
      description: 'Doubles a number.',
      parameters: z.object({x: z.number()}),
      execute: ({x}) => ({value: 2 * x}),
    });
    const model = new ScriptedLlm({
      responses: [
        '```python\na = double(x=2)["value"]\nb = double(x=a)["value"]\nprint(b)\n```',
        'The answer is 8.',
      ],
    });
    const agent = new CodingAgent({name: 'tracer', model, tools: [double], codeExecutor: executor});
    exporter.reset();
    const events = persisted(await (await startSession(agent)).turn('Double 2 twice.'));

    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    expect(names.filter((n) => n === 'call_llm')).toHaveLength(2);
    expect(names.filter((n) => n === 'execute_code')).toHaveLength(1);
    expect(names.filter((n) => n === 'execute_tool double')).toHaveLength(2);
    expect(names).toContain('invoke_agent tracer');

    // Each call_llm names the event its reply is in: the step, then the final answer.
    const llmEventIds = spans
      .filter((s) => s.name === 'call_llm')
      .map((s) => s.attributes['gcp.vertex.agent.event_id']);
    expect(llmEventIds).toEqual(events.map((e) => e.id));
    const call = spans.find((s) => s.name === 'call_llm')!;
    expect(call.attributes['gen_ai.agent.name']).toBe('tracer');
    expect(String(call.attributes['gcp.vertex.agent.llm_request'])).toContain('Double 2 twice.');

    const code = spans.find((s) => s.name === 'execute_code')!;
    expect(code.attributes['adk_coding_agent.outcome']).toBe('ok');
    const invokeAgent = spans.find((s) => s.name === 'invoke_agent tracer')!;
    expect(code.parentSpanContext?.spanId).toBe(invokeAgent.spanContext().spanId);
    for (const tool of spans.filter((s) => s.name === 'execute_tool double')) {
      expect(tool.parentSpanContext?.spanId).toBe(code.spanContext().spanId);
      expect(tool.attributes['gen_ai.tool.name']).toBe('double');
      expect(String(tool.attributes['gen_ai.tool.call.id'])).toMatch(/^adk-/);
    }
  });
});

describe.skipIf(bubblewrap.skipReason !== undefined)('traces in adk api_server', () => {
  let server: AdkWeb | undefined;
  beforeAll(async () => {
    server = await startAdkWeb('samples', {DATA_ANALYST_SCRIPTED: '1'}, 90_000, 'api_server');
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('answers /debug/trace/<eventId> for every event that holds a model reply', async () => {
    const base = server!.url;
    const created = await fetch(`${base}/apps/data_analyst/users/u/sessions`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: '{}',
    });
    const session = (await created.json()) as {id: string};
    const run = await fetch(`${base}/run`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({
        appName: 'data_analyst',
        userId: 'u',
        sessionId: session.id,
        newMessage: {
          role: 'user',
          parts: [{text: 'What share of the Titanic passengers survived?'}],
        },
      }),
    });
    const events = (await run.json()) as Array<{
      id: string;
      author: string;
      partial?: boolean;
      content?: {parts?: Array<Record<string, unknown>>};
    }>;
    // The step events hold the model's replies (the final answer came from final_answer()).
    const own = events.filter(
      (e) =>
        e.author === 'data_analyst' &&
        !e.partial &&
        e.content?.parts?.some((p) => p.executableCode),
    );
    expect(own.length).toBeGreaterThan(1);
    for (const event of own) {
      const traced = await fetch(`${base}/debug/trace/${event.id}`);
      expect(traced.status, `trace of event ${event.id}`).toBe(200);
      const attributes = (await traced.json()) as Record<string, unknown>;
      expect(attributes['gen_ai.agent.name']).toBe('data_analyst');
      expect(attributes['gcp.vertex.agent.event_id']).toBe(event.id);
    }
  });
});
