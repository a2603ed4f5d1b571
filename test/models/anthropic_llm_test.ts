/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// The Anthropic adapter through the real `@anthropic-ai/sdk` against a loopback server speaking
// the Messages API, every request checked against the API's documented shape.

import {LLMRegistry, type BaseLlm, type LlmRequest, type LlmResponse} from '@google/adk';
import {FinishReason, FunctionCallingConfigMode, type Content} from '@google/genai';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';

import {AnthropicLlm, ModelApiError} from '../../src/index.js';
import {ANTHROPIC_ERRORS, startMessagesServer, type MessagesServer} from './messages_server.js';

const KEY = 'sk-ant-test';

function request(contents: Content[], config: LlmRequest['config'] = {}): LlmRequest {
  return {contents, config, liveConnectConfig: {}, toolsDict: {}};
}

const ask = (text: string) =>
  request([{role: 'user', parts: [{text}]}], {systemInstruction: 'Be brief.'});

async function collect(llm: BaseLlm, req: LlmRequest, stream = false): Promise<LlmResponse[]> {
  const out: LlmResponse[] = [];
  for await (const r of llm.generateContentAsync(req, stream)) out.push(r);
  return out;
}

describe('AnthropicLlm on a Messages API server', () => {
  let server: MessagesServer;
  let llm: BaseLlm;
  const saved = {url: process.env.ANTHROPIC_BASE_URL, key: process.env.ANTHROPIC_API_KEY};

  beforeAll(async () => {
    server = await startMessagesServer(KEY);
    process.env.ANTHROPIC_BASE_URL = server.url;
    process.env.ANTHROPIC_API_KEY = KEY;
    llm = LLMRegistry.newLlm('anthropic/claude-sonnet-4-5');
  });
  afterEach(() => {
    expect(server.violations).toEqual([]);
    expect(server.pending()).toBe(0);
  });
  afterAll(async () => {
    for (const [name, value] of [
      ['ANTHROPIC_BASE_URL', saved.url],
      ['ANTHROPIC_API_KEY', saved.key],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server.close();
  });

  it('resolves anthropic/<model> and says which variable to set without a key', () => {
    expect(llm).toBeInstanceOf(AnthropicLlm);
    delete process.env.ANTHROPIC_API_KEY;
    try {
      expect(() => LLMRegistry.newLlm('anthropic/claude-haiku-4-5')).toThrow(/ANTHROPIC_API_KEY/);
    } finally {
      process.env.ANTHROPIC_API_KEY = KEY;
    }
  });

  it('sends x-api-key, anthropic-version 2023-06-01, max_tokens and a cached system block', async () => {
    server.reply({
      blocks: [{type: 'text', text: 'Hello there!'}],
      usage: {input_tokens: 11, output_tokens: 6},
    });
    const [r] = await collect(llm, ask('Hi'));
    expect(r.content?.parts).toEqual([{text: 'Hello there!'}]);
    expect(r.finishReason).toBe(FinishReason.STOP);
    expect(r.modelVersion).toBe('claude-sonnet-4-5');
    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: [{type: 'text', text: 'Be brief.', cache_control: {type: 'ephemeral'}}],
      messages: [{role: 'user', content: [{type: 'text', text: 'Hi'}]}],
    });
  });

  it('maps usage with prompt-cache reads and writes into the prompt count', async () => {
    server.reply({
      blocks: [{type: 'text', text: 'ok'}],
      usage: {
        input_tokens: 20,
        cache_creation_input_tokens: 1500,
        cache_read_input_tokens: 3000,
        output_tokens: 40,
      },
    });
    const [r] = await collect(llm, ask('q'));
    expect(r.usageMetadata).toEqual({
      promptTokenCount: 4520,
      cachedContentTokenCount: 3000,
      candidatesTokenCount: 40,
      totalTokenCount: 4560,
    });
  });

  it('streams text split mid-fence as partials (ping events ignored), then the aggregated reply with usage', async () => {
    const chunks = ['Here.\n``', '`python\nx = 25', ' * 17\nprint(x)\n``', '`'];
    server.reply({
      blocks: [{type: 'text', text: chunks.join(''), chunks}],
      usage: {input_tokens: 30, output_tokens: 12, cache_read_input_tokens: 10},
    });
    const responses = await collect(llm, ask('q'), true);
    expect(responses.filter((r) => r.partial).map((r) => r.content?.parts?.[0].text)).toEqual(
      chunks,
    );
    const last = responses.at(-1)!;
    expect(last.partial).toBe(false);
    expect(last.content?.parts).toEqual([{text: chunks.join('')}]);
    expect(last.usageMetadata).toEqual({
      promptTokenCount: 40,
      cachedContentTokenCount: 10,
      candidatesTokenCount: 12,
      totalTokenCount: 52,
    });
    expect(server.requests.at(-1)!.body.stream).toBe(true);
  });

  for (const stream of [false, true]) {
    it(`maps tool_use blocks ${stream ? 'streamed as input_json_delta' : 'in a message'}`, async () => {
      server.reply({
        blocks: [
          {type: 'text', text: "I'll check the current weather in Paris for you."},
          {
            type: 'tool_use',
            id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn',
            name: 'get_weather',
            input: {location: 'Paris', days: 2},
          },
        ],
      });
      const last = (await collect(llm, ask('Weather?'), stream)).at(-1)!;
      expect(last.content?.parts).toEqual([
        {text: "I'll check the current weather in Paris for you."},
        {
          functionCall: {
            id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn',
            name: 'get_weather',
            args: {location: 'Paris', days: 2},
          },
        },
      ]);
      expect(last.finishReason).toBe(FinishReason.STOP);
      expect(last.errorCode).toBeUndefined();
    });

    it(`returns thinking with its signature and redacted thinking as thought parts${stream ? ', streamed' : ''}, and sends them back`, async () => {
      server.reply({
        blocks: [
          {
            type: 'thinking',
            thinking: 'Let me compute 25 * 17 = 425.',
            signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
          },
          {
            type: 'redacted_thinking',
            data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
          },
          {type: 'text', text: '425'},
        ],
      });
      const responses = await collect(llm, ask('25*17?'), stream);
      const thoughts = [
        {
          text: 'Let me compute 25 * 17 = 425.',
          thought: true,
          thoughtSignature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
        },
        {
          text: '',
          thought: true,
          thoughtSignature: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
          partMetadata: {anthropicRedactedThinking: true},
        },
      ];
      const last = responses.at(-1)!;
      expect(last.content?.parts).toEqual([...thoughts, {text: '425'}]);
      if (stream) {
        const streamedThought = responses
          .filter((r) => r.partial && r.content?.parts?.[0].thought)
          .map((r) => r.content?.parts?.[0].text);
        expect(streamedThought.join('')).toBe('Let me compute 25 * 17 = 425.');
      }
      server.reply({blocks: [{type: 'text', text: 'next'}]});
      await collect(
        llm,
        request([
          {role: 'user', parts: [{text: '25*17?'}]},
          {role: 'model', parts: last.content!.parts!},
          {role: 'user', parts: [{text: 'and 26*17?'}]},
        ]),
      );
      expect((server.requests.at(-1)!.body.messages as unknown[])[1]).toEqual({
        role: 'assistant',
        content: [
          {
            type: 'thinking',
            thinking: 'Let me compute 25 * 17 = 425.',
            signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
          },
          {
            type: 'redacted_thinking',
            data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
          },
          {type: 'text', text: '425'},
        ],
      });
    });
  }

  it('merges same-role turns, puts tool results first, drops unsigned thoughts and empty turns', async () => {
    server.reply({blocks: [{type: 'text', text: 'It is 18 °C.'}]});
    await collect(
      llm,
      request(
        [
          {role: 'user', parts: [{text: 'Weather in Paris?'}]},
          {role: 'user', parts: [{text: 'In Celsius.'}]},
          {role: 'model', parts: [{text: 'other model reasoning', thought: true}]},
          {
            role: 'model',
            parts: [{functionCall: {id: 'toolu_1', name: 'get_weather', args: {city: 'Paris'}}}],
          },
          {
            role: 'user',
            parts: [
              {text: 'Hurry.'},
              {functionResponse: {id: 'toolu_1', name: 'get_weather', response: {temperature: 18}}},
            ],
          },
        ],
        {
          tools: [
            {
              functionDeclarations: [
                {
                  name: 'get_weather',
                  description: 'Weather.',
                  parameters: {
                    type: 'OBJECT' as never,
                    properties: {city: {type: 'STRING' as never}},
                    required: ['city'],
                  },
                },
              ],
            },
          ],
          toolConfig: {
            functionCallingConfig: {
              mode: FunctionCallingConfigMode.ANY,
              allowedFunctionNames: ['get_weather'],
            },
          },
          temperature: 0.5,
          topP: 0.9,
          topK: 40,
          stopSequences: ['###'],
          maxOutputTokens: 1000,
        },
      ),
    );
    const body = server.requests.at(-1)!.body;
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          {type: 'text', text: 'Weather in Paris?'},
          {type: 'text', text: 'In Celsius.'},
        ],
      },
      {
        role: 'assistant',
        content: [{type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {city: 'Paris'}}],
      },
      {
        role: 'user',
        content: [
          {type: 'tool_result', tool_use_id: 'toolu_1', content: '{"temperature":18}'},
          {type: 'text', text: 'Hurry.'},
        ],
      },
    ]);
    expect(body.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather.',
        input_schema: {type: 'object', properties: {city: {type: 'string'}}, required: ['city']},
      },
    ]);
    expect(body.tool_choice).toEqual({type: 'tool', name: 'get_weather'});
    // Recent Claude models refuse temperature with top_p: temperature is sent.
    expect(body).toMatchObject({
      temperature: 0.5,
      top_k: 40,
      stop_sequences: ['###'],
      max_tokens: 1000,
    });
    expect(body).not.toHaveProperty('top_p');
  });

  it('starts with a user turn when the history starts with a model turn', async () => {
    server.reply({blocks: [{type: 'text', text: 'ok'}]});
    await collect(
      llm,
      request([
        {role: 'model', parts: [{text: 'Welcome back.'}]},
        {role: 'user', parts: [{text: 'Thanks.'}]},
      ]),
    );
    const messages = server.requests.at(-1)!.body.messages as Array<{role: string}>;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('enables thinking from the thinking budget, leaving out what thinking refuses', async () => {
    server.reply({blocks: [{type: 'text', text: 'ok'}]});
    await collect(
      llm,
      request([{role: 'user', parts: [{text: 'q'}]}], {
        thinkingConfig: {thinkingBudget: 2048},
        temperature: 0.7,
        topK: 5,
      }),
    );
    const body = server.requests.at(-1)!.body;
    expect(body.thinking).toEqual({type: 'enabled', budget_tokens: 2048});
    expect(body.max_tokens).toBe(4096 + 2048);
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_k');
    expect(() =>
      (llm as AnthropicLlm).requestBody(
        request([{role: 'user', parts: [{text: 'q'}]}], {
          thinkingConfig: {thinkingBudget: 2048},
          maxOutputTokens: 1000,
        }),
      ),
    ).toThrow(/maxOutputTokens/);
  });

  it('sends images, PDFs and text files as image and document blocks', async () => {
    server.reply({blocks: [{type: 'text', text: 'seen'}]});
    await collect(
      llm,
      request([
        {
          role: 'user',
          parts: [
            {inlineData: {mimeType: 'image/png', data: 'iVBORw0KGgo='}},
            {
              inlineData: {
                mimeType: 'application/pdf',
                data: 'JVBERi0=',
                displayName: 'report.pdf',
              },
            },
            {
              inlineData: {
                mimeType: 'text/csv',
                data: Buffer.from('a,b\n1,2\n').toString('base64'),
              },
            },
            {fileData: {mimeType: 'image/jpeg', fileUri: 'https://example.org/cat.jpg'}},
            {text: 'What do they show?'},
          ],
        },
      ]),
    );
    expect((server.requests.at(-1)!.body.messages as Array<{content: unknown}>)[0].content).toEqual(
      [
        {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo='}},
        {
          type: 'document',
          source: {type: 'base64', media_type: 'application/pdf', data: 'JVBERi0='},
          title: 'report.pdf',
        },
        {type: 'document', source: {type: 'text', media_type: 'text/plain', data: 'a,b\n1,2\n'}},
        {type: 'image', source: {type: 'url', url: 'https://example.org/cat.jpg'}},
        {type: 'text', text: 'What do they show?'},
      ],
    );
    await expect(
      collect(
        llm,
        request([{role: 'user', parts: [{inlineData: {mimeType: 'video/mp4', data: 'AAAA'}}]}]),
      ),
    ).rejects.toThrow(/video\/mp4/);
  });

  const stops: Array<[string, FinishReason]> = [
    ['end_turn', FinishReason.STOP],
    ['stop_sequence', FinishReason.STOP],
    ['tool_use', FinishReason.STOP],
    ['max_tokens', FinishReason.MAX_TOKENS],
    ['model_context_window_exceeded', FinishReason.MAX_TOKENS],
    ['refusal', FinishReason.SAFETY],
    ['pause_turn', FinishReason.OTHER],
  ];
  for (const [reason, expected] of stops) {
    it(`maps stop_reason ${reason} to ${expected}, streamed and not`, async () => {
      const reply = {blocks: [{type: 'text' as const, text: 'Partial ans'}], stopReason: reason};
      server.reply(reply, reply);
      const [complete] = await collect(llm, ask('q'));
      expect(complete.finishReason).toBe(expected);
      expect(complete.errorCode).toBeUndefined();
      const last = (await collect(llm, ask('q'), true)).at(-1)!;
      expect(last.finishReason).toBe(expected);
      expect(last.errorCode).toBe(expected === FinishReason.STOP ? undefined : expected);
      if (expected !== FinishReason.STOP) expect(last.errorMessage).toContain(reason);
    });
  }

  for (const status of [400, 401, 429, 500, 529] as const) {
    it(`throws a ModelApiError for a ${status} with the status, headers and the API's message, once`, async () => {
      server.reply({error: ANTHROPIC_ERRORS[status]});
      const before = server.requests.length;
      const error = await collect(llm, ask('q')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelApiError);
      const e = error as ModelApiError;
      expect(e.status).toBe(status);
      expect(e.type).toBe(ANTHROPIC_ERRORS[status].type);
      expect(e.apiMessage).toBe(ANTHROPIC_ERRORS[status].message);
      expect(e.message).toBe(
        `Anthropic API error ${status} (${ANTHROPIC_ERRORS[status].type}): ${ANTHROPIC_ERRORS[status].message}`,
      );
      expect(e.headers.get('request-id')).toBe('req_err');
      expect(server.requests.length - before).toBe(1);
      if (status === 429) expect(e.retryAfterMs).toBe(7000);
    });
  }

  it('gives an overloaded error event inside a 200 stream the status 529', async () => {
    server.reply({
      blocks: [{type: 'text', text: 'Starting the ans'}],
      streamError: {type: 'overloaded_error', message: 'Overloaded'},
    });
    const seen: LlmResponse[] = [];
    const error = await (async () => {
      for await (const r of llm.generateContentAsync(ask('q'), true)) seen.push(r);
    })().catch((e: unknown) => e);
    expect(seen.some((r) => r.partial)).toBe(true);
    expect(error).toBeInstanceOf(ModelApiError);
    expect((error as ModelApiError).status).toBe(529);
    expect((error as ModelApiError).type).toBe('overloaded_error');
  });
});
