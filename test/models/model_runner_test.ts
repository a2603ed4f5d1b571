/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// openai/, ollama/ and anthropic/ model strings through a real ADK InMemoryRunner: the
// CodingAgent's seed scenarios in the real sandbox, an LlmAgent calling a FunctionTool
// (streaming and not), AgentTool and transfer_to_agent. Each model is the adapter with its real
// SDK, talking to a loopback server that speaks the provider's API and checks every request.

import {
  AgentTool,
  FunctionTool,
  InMemoryRunner,
  LlmAgent,
  StreamingMode,
  isFinalResponse,
  type BaseAgent,
  type Event,
} from '@google/adk';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';

import {
  CodingAgent,
  DEFAULT_SAFE_IMPORTS,
  fetchCsvTool,
  type CodeExecutor,
} from '../../src/index.js';
import {
  executedCode,
  finalText,
  observations,
  serveSharedData,
  type DataServer,
} from '../helpers/agent_harness.js';
import {sandboxBackends} from '../helpers/sandboxes.js';
import type {ApiServer, RecordedRequest} from './api_server.js';
import {startChatCompletionsServer, type ChatReply} from './chat_completions_server.js';
import {startMessagesServer, type MessagesReply} from './messages_server.js';

/** One provider as these tests drive it. */
interface Provider {
  model: string;
  server: ApiServer<ChatReply> | ApiServer<MessagesReply>;
  /** Queues a text reply. */
  text(text: string): void;
  /** Queues a reply calling one tool. */
  call(id: string, name: string, args: Record<string, unknown>): void;
  /** All the text a request carried (messages, tool results), to check what the model read. */
  read(request: RecordedRequest): string;
}

function chatProvider(model: string, server: ApiServer<ChatReply>): Provider {
  return {
    model,
    server,
    text: (content) => server.reply({content}),
    call: (id, name, args) =>
      server.reply({toolCalls: [{id, name, arguments: JSON.stringify(args)}]}),
    read: (request) => JSON.stringify(request.body.messages),
  };
}

function messagesProvider(model: string, server: ApiServer<MessagesReply>): Provider {
  return {
    model,
    server,
    text: (text) => server.reply({blocks: [{type: 'text', text}]}),
    call: (id, name, input) => server.reply({blocks: [{type: 'tool_use', id, name, input}]}),
    read: (request) => JSON.stringify(request.body.messages),
  };
}

const ENV = [
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'OLLAMA_HOST',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_API_KEY',
];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
const providers: Record<'openai' | 'ollama' | 'anthropic', Provider> = {} as never;

beforeAll(async () => {
  const openai = await startChatCompletionsServer({apiKey: 'sk-test'});
  const ollama = await startChatCompletionsServer({flavour: 'ollama'});
  const anthropic = await startMessagesServer('sk-ant-test');
  Object.assign(process.env, {
    OPENAI_BASE_URL: `${openai.url}/v1`,
    OPENAI_API_KEY: 'sk-test',
    OLLAMA_HOST: ollama.url,
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
  });
  providers.openai = chatProvider('openai/gpt-4.1-mini', openai);
  providers.ollama = chatProvider('ollama/qwen2.5-coder:7b', ollama);
  providers.anthropic = messagesProvider('anthropic/claude-sonnet-4-5', anthropic);
});

afterEach(() => {
  for (const p of Object.values(providers)) {
    expect(p.server.violations).toEqual([]);
    expect(p.server.pending()).toBe(0);
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await Promise.all(Object.values(providers).map((p) => p.server.close()));
});

async function run(agent: BaseAgent, text: string, streaming = false): Promise<Event[]> {
  const runner = new InMemoryRunner({agent, appName: 'models'});
  const session = await runner.sessionService.createSession({appName: 'models', userId: 'u'});
  const events: Event[] = [];
  for await (const event of runner.runAsync({
    userId: 'u',
    sessionId: session.id,
    newMessage: {role: 'user', parts: [{text}]},
    runConfig: streaming ? {streamingMode: StreamingMode.SSE} : undefined,
  })) {
    events.push(event);
  }
  return events;
}

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;
const PREFIXES = ['openai', 'ollama', 'anthropic'] as const;

/** One bubblewrap executor and the data server for every CodingAgent of this file. */
let executor: CodeExecutor;
let data: DataServer;
beforeAll(async () => {
  if (bwrap.skipReason !== undefined) return;
  executor = bwrap.create();
  data = await serveSharedData();
});
afterAll(async () => {
  await executor?.dispose();
  await data?.close();
});

describe.skipIf(bwrap.skipReason !== undefined)(
  `the CodingAgent's scenarios on each prefix (${bwrap.title})`,
  () => {
    for (const prefix of PREFIXES) {
      for (const streaming of [false, true]) {
        it(`${prefix}/: 25 * 17 over two steps, step 2 reading step 1's variable${streaming ? ' (SSE)' : ''}`, async () => {
          const p = providers[prefix];
          p.text('Compute it.\n```python\nproduct = 25 * 17\nprint(product)\n```');
          p.text('```python\nfinal_answer(product)\n```');
          const before = p.server.requests.length;
          const agent = new CodingAgent({name: 'calc', model: p.model, codeExecutor: executor});
          const events = await run(agent, 'What is 25 * 17?', streaming);
          expect(executedCode(events)).toEqual([
            'product = 25 * 17\nprint(product)',
            'final_answer(product)',
          ]);
          expect(finalText(events)).toBe('425');
          const second = p.server.requests[before + 1];
          expect(p.read(second)).toContain('425');
          expect(second.body.model).toBe(p.model.slice(prefix.length + 1));
        });
      }

      it(`${prefix}/: the Titanic survival rate through a tool called from code`, async () => {
        const p = providers[prefix];
        const url = data.url('titanic.csv');
        p.text(
          `\`\`\`python\nimport io\nimport pandas as pd\ndf = pd.read_csv(io.StringIO(fetch_csv(url="${url}")))\nrate = round(df["Survived"].mean() * 100, 2)\nprint(len(df), rate)\n\`\`\``,
        );
        p.text('```python\nfinal_answer(f"{rate:.2f}% of {len(df)} passengers survived")\n```');
        const before = p.server.requests.length;
        const agent = new CodingAgent({
          name: 'analyst',
          model: p.model,
          tools: [fetchCsvTool],
          codeExecutor: executor,
          authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy'],
        });
        const events = await run(agent, 'What share of passengers survived?');
        expect(observations(events)[0]).toContain('891 38.38');
        expect(finalText(events)).toBe('38.38% of 891 passengers survived');
        // The tool's stub reached the model in the system prompt.
        expect(JSON.stringify(p.server.requests[before].body)).toContain('def fetch_csv(url: str)');
      });
    }
  },
);

const weatherTool = () =>
  new FunctionTool({
    name: 'get_weather',
    description: 'The current weather of a city.',
    parameters: z.object({city: z.string().describe('City name')}),
    execute: async ({city}) => ({city, temperature_c: city === 'Paris' ? 18 : 5, sky: 'clear'}),
  });

describe('an LlmAgent calling a FunctionTool on each prefix', () => {
  for (const prefix of PREFIXES) {
    for (const streaming of [false, true]) {
      it(`${prefix}/ ${streaming ? 'streaming (SSE)' : 'not streaming'}`, async () => {
        const p = providers[prefix];
        p.call('call_w1', 'get_weather', {city: 'Paris'});
        p.text('It is 18 °C and clear in Paris.');
        const before = p.server.requests.length;
        const agent = new LlmAgent({
          name: 'weather',
          model: p.model,
          instruction: 'Answer with the tool.',
          tools: [weatherTool()],
        });
        const events = await run(agent, 'Weather in Paris?', streaming);

        const call = events.flatMap((e) => e.content?.parts ?? []).find((x) => x.functionCall);
        expect(call?.functionCall).toMatchObject({
          id: 'call_w1',
          name: 'get_weather',
          args: {city: 'Paris'},
        });
        const result = events
          .flatMap((e) => e.content?.parts ?? [])
          .find((x) => x.functionResponse);
        expect(result?.functionResponse?.response).toEqual({
          city: 'Paris',
          temperature_c: 18,
          sky: 'clear',
        });
        // The second request carried the tool's result, tied to the call's id.
        const second = p.read(p.server.requests[before + 1]);
        expect(second).toContain('call_w1');
        expect(second).toContain('temperature_c');
        expect(p.server.requests[before].body.stream ?? false).toBe(streaming);
        const final = events.filter((e) => isFinalResponse(e));
        expect(
          final
            .at(-1)
            ?.content?.parts?.map((x) => x.text)
            .join(''),
        ).toBe('It is 18 °C and clear in Paris.');
        if (streaming) {
          const partial = events
            .filter((e) => e.partial)
            .map((e) => e.content?.parts?.[0]?.text ?? '');
          expect(partial.join('')).toBe('It is 18 °C and clear in Paris.');
        } else {
          expect(events.some((e) => e.partial)).toBe(false);
        }
      });
    }
  }
});

describe.skipIf(bwrap.skipReason !== undefined)('parents on these models', () => {
  it('an anthropic/ LlmAgent transfers to an ollama/ CodingAgent (transfer_to_agent)', async () => {
    const coder = new CodingAgent({
      name: 'coder',
      description: 'Computes things with Python.',
      model: providers.ollama.model,
      codeExecutor: executor,
    });
    const parent = new LlmAgent({
      name: 'router',
      model: providers.anthropic.model,
      instruction: 'Send arithmetic to coder.',
      subAgents: [coder],
    });
    providers.anthropic.call('toolu_t1', 'transfer_to_agent', {agentName: 'coder'});
    providers.ollama.text('```python\nfinal_answer(2 ** 10)\n```');
    const events = await run(parent, 'What is 2 to the 10th?');
    expect(events.some((e) => e.actions?.transferToAgent === 'coder')).toBe(true);
    expect(finalText(events)).toBe('1024');
    expect(events.at(-1)?.author).toBe('coder');
  });

  it('an openai/ LlmAgent calls an anthropic/ CodingAgent through AgentTool', async () => {
    const coder = new CodingAgent({
      name: 'coder',
      description: 'Computes things with Python.',
      model: providers.anthropic.model,
      codeExecutor: executor,
    });
    const parent = new LlmAgent({
      name: 'assistant',
      model: providers.openai.model,
      instruction: 'Use coder for arithmetic.',
      tools: [new AgentTool({agent: coder})],
    });
    providers.openai.call('call_a1', 'coder', {request: 'Compute 25 * 17'});
    providers.anthropic.text('```python\nfinal_answer(25 * 17)\n```');
    providers.openai.text('25 * 17 = 425.');
    const before = providers.openai.server.requests.length;
    const events = await run(parent, 'What is 25 * 17?');
    expect(finalText(events)).toBe('25 * 17 = 425.');
    // The coder's answer went back to the parent's model as the tool's result.
    expect(providers.openai.read(providers.openai.server.requests[before + 1])).toContain('425');
  });
});
