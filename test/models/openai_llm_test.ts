/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// The Chat Completions adapter (openai/ and ollama/) through the real `openai` SDK against a
// loopback server speaking the API, every request checked against the API's documented shape.

import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';

import {
  FunctionTool,
  LLMRegistry,
  type BaseLlm,
  type LlmRequest,
  type LlmResponse,
} from '@google/adk';
import {FinishReason, FunctionCallingConfigMode, type Content} from '@google/genai';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';

import {
  ModelApiError,
  ModelConnectionError,
  OllamaLlm,
  OpenAILlm,
  ollamaBaseUrl,
} from '../../src/index.js';
import {requireOptionalPackage} from '../../src/models/optional_package.js';
import {
  OPENAI_ERRORS,
  startChatCompletionsServer,
  type ChatServer,
} from './chat_completions_server.js';

const KEY = 'sk-test-openai';

/** A loopback port nothing listens on (fetch refuses some low ports outright). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const {port} = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function request(contents: Content[], config: LlmRequest['config'] = {}): LlmRequest {
  return {contents, config, liveConnectConfig: {}, toolsDict: {}};
}

const ask = (text: string) =>
  request([{role: 'user', parts: [{text}]}], {systemInstruction: 'Be brief.'});

async function collect(
  llm: BaseLlm,
  req: LlmRequest,
  stream = false,
  signal?: AbortSignal,
): Promise<LlmResponse[]> {
  const out: LlmResponse[] = [];
  for await (const r of llm.generateContentAsync(req, stream, signal)) out.push(r);
  return out;
}

const partialText = (responses: LlmResponse[], thought = false) =>
  responses
    .filter((r) => r.partial)
    .flatMap((r) => r.content?.parts ?? [])
    .filter((p) => Boolean(p.thought) === thought)
    .map((p) => p.text)
    .join('');

describe('OpenAILlm on a Chat Completions server', () => {
  let server: ChatServer;
  let llm: OpenAILlm;

  beforeAll(async () => {
    server = await startChatCompletionsServer({apiKey: KEY});
    llm = new OpenAILlm({model: 'openai/gpt-4o', baseUrl: `${server.url}/v1`, apiKey: KEY});
  });
  afterEach(() => {
    expect(server.violations).toEqual([]);
    expect(server.pending()).toBe(0);
  });
  afterAll(() => server.close());

  it('resolves openai/<model> through ADK’s registry, reading OPENAI_BASE_URL and OPENAI_API_KEY', async () => {
    const saved = {url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY};
    process.env.OPENAI_BASE_URL = `${server.url}/v1`;
    process.env.OPENAI_API_KEY = KEY;
    try {
      const fromRegistry = LLMRegistry.newLlm('openai/gpt-4o-mini');
      expect(fromRegistry).toBeInstanceOf(OpenAILlm);
      server.reply({content: 'Hello!'});
      const [response] = await collect(fromRegistry, ask('Hi'));
      expect(response.content?.parts).toEqual([{text: 'Hello!'}]);
      expect(server.requests.at(-1)?.body.model).toBe('gpt-4o-mini');
    } finally {
      process.env.OPENAI_BASE_URL = saved.url;
      process.env.OPENAI_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
      if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
    }
  });

  it('says which variable to set when OpenAI itself is called without a key', () => {
    const saved = {url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY};
    delete process.env.OPENAI_BASE_URL;
    delete process.env.OPENAI_API_KEY;
    try {
      expect(() => LLMRegistry.newLlm('openai/gpt-4o')).toThrow(/OPENAI_API_KEY/);
    } finally {
      if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url;
      if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key;
    }
  });

  it('maps a non-streamed reply: text, usage with cached and reasoning tokens, model version', async () => {
    server.reply({
      content: 'The answer is 425.',
      usage: {
        prompt_tokens: 1200,
        completion_tokens: 300,
        total_tokens: 1500,
        prompt_tokens_details: {cached_tokens: 1024, audio_tokens: 0},
        completion_tokens_details: {
          reasoning_tokens: 256,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
    });
    const responses = await collect(llm, ask('What is 25 * 17?'));
    expect(responses).toHaveLength(1);
    const [r] = responses;
    expect(r.content).toEqual({role: 'model', parts: [{text: 'The answer is 425.'}]});
    expect(r.finishReason).toBe(FinishReason.STOP);
    expect(r.errorCode).toBeUndefined();
    expect(r.modelVersion).toBe('gpt-4o');
    expect(r.usageMetadata).toEqual({
      promptTokenCount: 1200,
      candidatesTokenCount: 44,
      cachedContentTokenCount: 1024,
      thoughtsTokenCount: 256,
      totalTokenCount: 1500,
    });
    const sent = server.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body.messages).toEqual([
      {role: 'system', content: 'Be brief.'},
      {role: 'user', content: 'What is 25 * 17?'},
    ]);
  });

  it('streams text split mid-fence as partial responses, then one aggregated response', async () => {
    const chunks = [
      'Compute it.\n``',
      '`py',
      'thon\nproduct = 25 *',
      ' 17\nprint(product)\n`',
      '``',
    ];
    server.reply({chunks, usage: {prompt_tokens: 50, completion_tokens: 20, total_tokens: 70}});
    const responses = await collect(llm, ask('25*17?'), true);
    const partials = responses.filter((r) => r.partial);
    expect(partials.map((r) => r.content?.parts?.[0].text)).toEqual(chunks);
    const last = responses.at(-1)!;
    expect(last.partial).toBe(false);
    expect(last.content?.parts).toEqual([{text: chunks.join('')}]);
    expect(last.usageMetadata).toEqual({
      promptTokenCount: 50,
      candidatesTokenCount: 20,
      totalTokenCount: 70,
    });
    expect(last.finishReason).toBe(FinishReason.STOP);
    expect(last.errorCode).toBeUndefined();
    const body = server.requests.at(-1)!.body;
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({include_usage: true});
  });

  for (const stream of [false, true]) {
    it(`maps tool calls ${stream ? 'streamed as tool_calls deltas by index' : 'in a reply'}`, async () => {
      server.reply({
        content: 'Let me check both.',
        toolCalls: [
          {id: 'call_abc123', name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}'},
          {id: 'call_def456', name: 'get_time', arguments: '{"zone":"Europe/Paris"}'},
        ],
      });
      const responses = await collect(llm, ask('Weather and time in Paris?'), stream);
      const last = responses.at(-1)!;
      expect(last.content?.parts).toEqual([
        {text: 'Let me check both.'},
        {functionCall: {id: 'call_abc123', name: 'get_weather', args: {city: 'Paris', unit: 'c'}}},
        {functionCall: {id: 'call_def456', name: 'get_time', args: {zone: 'Europe/Paris'}}},
      ]);
      expect(last.finishReason).toBe(FinishReason.STOP);
      expect(last.errorCode).toBeUndefined();
    });
  }

  it('sends tool declarations, a tool choice and a history of calls and results as the API takes them', async () => {
    const weather = new FunctionTool({
      name: 'get_weather',
      description: 'Current weather of a city.',
      parameters: z.object({city: z.string().describe('City name'), days: z.number().optional()}),
      execute: async () => ({}),
    });
    server.reply({content: 'It is 18 °C in Paris.'});
    await collect(
      llm,
      request(
        [
          {role: 'user', parts: [{text: 'Weather in Paris?'}]},
          {
            role: 'model',
            parts: [
              {text: 'thinking aloud', thought: true},
              {text: 'Checking.'},
              {functionCall: {id: 'call_1', name: 'get_weather', args: {city: 'Paris'}}},
            ],
          },
          {
            role: 'user',
            parts: [
              {functionResponse: {id: 'call_1', name: 'get_weather', response: {temperature: 18}}},
            ],
          },
        ],
        {
          tools: [{functionDeclarations: [weather._getDeclaration()]}],
          toolConfig: {functionCallingConfig: {mode: FunctionCallingConfigMode.ANY}},
          temperature: 0.2,
          topP: 0.9,
          maxOutputTokens: 500,
          stopSequences: ['###'],
          seed: 7,
        },
      ),
    );
    const body = server.requests.at(-1)!.body;
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather of a city.',
          parameters: {
            type: 'object',
            properties: {city: {type: 'string', description: 'City name'}, days: {type: 'number'}},
            required: ['city'],
          },
        },
      },
    ]);
    expect(body.tool_choice).toBe('required');
    expect(body.messages).toEqual([
      {role: 'user', content: 'Weather in Paris?'},
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: {name: 'get_weather', arguments: '{"city":"Paris"}'},
          },
        ],
      },
      {role: 'tool', tool_call_id: 'call_1', content: '{"temperature":18}'},
    ]);
    // A server elsewhere than OpenAI gets max_tokens, the field every compatible server reads.
    expect(body).toMatchObject({
      temperature: 0.2,
      top_p: 0.9,
      stop: ['###'],
      seed: 7,
      max_tokens: 500,
    });
    // OpenAI's own API gets max_completion_tokens (max_tokens is deprecated there).
    const official = new OpenAILlm({model: 'openai/gpt-4o', apiKey: KEY});
    const officialBody = official.requestBody(
      request([{role: 'user', parts: [{text: 'q'}]}], {maxOutputTokens: 500}),
    );
    expect(officialBody).toMatchObject({max_completion_tokens: 500});
    expect(officialBody).not.toHaveProperty('max_tokens');
  });

  it('sends the constructor’s generation defaults under each request’s own settings', async () => {
    const tuned = new OpenAILlm({
      model: 'openai/gpt-4o',
      baseUrl: `${server.url}/v1`,
      apiKey: KEY,
      headers: {'OpenAI-Organization': 'org-test'},
      generationConfig: {temperature: 0, maxOutputTokens: 300, seed: 1},
    });
    server.reply({content: 'ok'});
    await collect(tuned, request([{role: 'user', parts: [{text: 'q'}]}], {temperature: 0.8}));
    const sent = server.requests.at(-1)!;
    expect(sent.headers['openai-organization']).toBe('org-test');
    expect(sent.body).toMatchObject({temperature: 0.8, max_tokens: 300, seed: 1});
    // extraBody carries a server's own fields (OpenAI itself would refuse top_k).
    const vllm = new OpenAILlm({
      model: 'openai/qwen',
      baseUrl: 'http://vllm:8000/v1',
      extraBody: {top_k: 20},
    });
    expect(vllm.requestBody(request([{role: 'user', parts: [{text: 'q'}]}]))).toMatchObject({
      top_k: 20,
    });
  });

  it('sends an output schema as response_format json_schema, in JSON Schema', async () => {
    server.reply({content: '{"answer": 425}'});
    await collect(
      llm,
      request([{role: 'user', parts: [{text: 'q'}]}], {
        responseMimeType: 'application/json',
        responseSchema: {
          type: 'OBJECT' as never,
          properties: {answer: {type: 'NUMBER' as never}},
          required: ['answer'],
        },
      }),
    );
    expect(server.requests.at(-1)!.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'response',
        schema: {type: 'object', properties: {answer: {type: 'number'}}, required: ['answer']},
      },
    });
  });

  it('omits what reasoning models refuse and sends max_completion_tokens and reasoning_effort', async () => {
    const o3 = new OpenAILlm({model: 'openai/o3-mini', baseUrl: `${server.url}/v1`, apiKey: KEY});
    server.reply({content: 'ok'});
    await collect(
      o3,
      request([{role: 'user', parts: [{text: 'hi'}]}], {
        temperature: 0.3,
        topP: 0.5,
        stopSequences: ['x'],
        maxOutputTokens: 800,
        thinkingConfig: {thinkingLevel: 'HIGH' as never},
      }),
    );
    const body = server.requests.at(-1)!.body;
    expect(body.max_completion_tokens).toBe(800);
    expect(body.reasoning_effort).toBe('high');
    for (const field of ['temperature', 'top_p', 'stop', 'max_tokens'])
      expect(body).not.toHaveProperty(field);
  });

  it('returns reasoning as thought parts first and never sends it back', async () => {
    for (const reasoningField of ['reasoning_content', 'reasoning'] as const) {
      server.reply({reasoning: 'First 25*17 = 425.', reasoningField, content: '425'});
      const [r] = await collect(llm, ask('25*17?'));
      expect(r.content?.parts).toEqual([
        {text: 'First 25*17 = 425.', thought: true},
        {text: '425'},
      ]);
      server.reply({reasoning: 'Streamed thoughts.', reasoningField, content: '425'});
      const streamed = await collect(llm, ask('25*17?'), true);
      expect(partialText(streamed, true)).toBe('Streamed thoughts.');
      expect(streamed.at(-1)!.content?.parts).toEqual([
        {text: 'Streamed thoughts.', thought: true},
        {text: '425'},
      ]);
    }
    server.reply({content: 'next'});
    await collect(
      llm,
      request([
        {role: 'user', parts: [{text: 'a'}]},
        {role: 'model', parts: [{text: 'secret reasoning', thought: true}, {text: '425'}]},
        {role: 'user', parts: [{text: 'b'}]},
      ]),
    );
    // The strict schema refuses reasoning fields in messages; the text is not there either.
    expect(JSON.stringify(server.requests.at(-1)!.body)).not.toContain('secret reasoning');
  });

  const finishes: Array<[string, FinishReason]> = [
    ['stop', FinishReason.STOP],
    ['length', FinishReason.MAX_TOKENS],
    ['content_filter', FinishReason.SAFETY],
    ['tool_calls', FinishReason.STOP],
    ['function_call', FinishReason.STOP],
    ['insufficient_system_resource', FinishReason.OTHER],
  ];
  for (const [reason, expected] of finishes) {
    it(`maps finish_reason ${reason} to ${expected}, streamed and not`, async () => {
      server.reply(
        {content: 'partial answ', finishReason: reason},
        {content: 'partial answ', finishReason: reason},
      );
      const [complete] = await collect(llm, ask('q'));
      expect(complete.finishReason).toBe(expected);
      expect(complete.content?.parts).toEqual([{text: 'partial answ'}]);
      // As ADK's Gemini: a complete reply with content has no errorCode; a streamed one that
      // did not STOP carries it.
      expect(complete.errorCode).toBeUndefined();
      const last = (await collect(llm, ask('q'), true)).at(-1)!;
      expect(last.finishReason).toBe(expected);
      expect(last.errorCode).toBe(expected === FinishReason.STOP ? undefined : expected);
    });
  }

  it('turns an empty reply into an error response naming the finish reason, as Gemini does', async () => {
    server.reply({content: '', finishReason: 'length'});
    const [r] = await collect(llm, ask('q'));
    expect(r.content).toBeUndefined();
    expect(r.errorCode).toBe(FinishReason.MAX_TOKENS);
    expect(r.errorMessage).toContain('length');
    expect(r.usageMetadata?.promptTokenCount).toBe(19);
  });

  it('reports a tool call whose arguments are not JSON as MALFORMED_FUNCTION_CALL', async () => {
    server.reply({toolCalls: [{id: 'call_x', name: 'get_weather', arguments: '{"city": Paris'}]});
    const [r] = await collect(llm, ask('q'));
    expect(r.errorCode).toBe(FinishReason.MALFORMED_FUNCTION_CALL);
    expect(r.errorMessage).toContain('get_weather');
    expect(r.errorMessage).toContain('{"city": Paris');
  });

  it('sends images, PDFs, audio and text files of user turns as content parts, and refuses others by name', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    server.reply({content: 'seen'});
    await collect(
      llm,
      request([
        {
          role: 'user',
          parts: [
            {text: 'Describe these.'},
            {inlineData: {mimeType: 'image/png', data: png}},
            {inlineData: {mimeType: 'application/pdf', data: 'JVBERi0=', displayName: 'a.pdf'}},
            {inlineData: {mimeType: 'audio/wav', data: 'UklGRg=='}},
            {
              inlineData: {
                mimeType: 'text/csv',
                data: Buffer.from('a,b\n1,2\n').toString('base64'),
              },
            },
            {fileData: {mimeType: 'image/jpeg', fileUri: 'https://example.org/cat.jpg'}},
          ],
        },
      ]),
    );
    expect(server.requests.at(-1)!.body.messages).toEqual([
      {
        role: 'user',
        content: [
          {type: 'text', text: 'Describe these.'},
          {type: 'image_url', image_url: {url: `data:image/png;base64,${png}`}},
          {
            type: 'file',
            file: {file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf'},
          },
          {type: 'input_audio', input_audio: {data: 'UklGRg==', format: 'wav'}},
          {type: 'text', text: 'a,b\n1,2\n'},
          {type: 'image_url', image_url: {url: 'https://example.org/cat.jpg'}},
        ],
      },
    ]);
    const zip = request([
      {role: 'user', parts: [{inlineData: {mimeType: 'application/zip', data: 'UEsDBA=='}}]},
    ]);
    await expect(collect(llm, zip)).rejects.toThrow(/application\/zip/);
  });

  it('fails clearly on a Gemini built-in tool rather than dropping it', async () => {
    const req = request([{role: 'user', parts: [{text: 'search'}]}], {tools: [{googleSearch: {}}]});
    await expect(collect(llm, req)).rejects.toThrow(/googleSearch.*Gemini/);
  });

  for (const status of [400, 401, 429, 500] as const) {
    it(`throws a ModelApiError for a ${status} with the status, headers and the API's message, once (no SDK retry)`, async () => {
      server.reply({error: OPENAI_ERRORS[status]});
      const before = server.requests.length;
      const error = await collect(llm, ask('q')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelApiError);
      const e = error as ModelApiError;
      expect(e.status).toBe(status);
      expect(e.apiMessage).toBe(OPENAI_ERRORS[status].body.error.message);
      expect(e.message).toContain(`${status}`);
      expect(e.message).not.toContain('{');
      expect(server.requests.length - before).toBe(1);
      if (status === 429) {
        expect(e.headers.get('retry-after')).toBe('2');
        expect(e.retryAfterMs).toBe(2000);
        expect(e.code).toBe('rate_limit_exceeded');
      }
    });
  }
  // The server answers 400 for violations, so afterEach's check must not count this one.

  it('names the address and OPENAI_BASE_URL when nothing listens there', async () => {
    const base = `http://127.0.0.1:${await closedPort()}/v1`;
    const dead = new OpenAILlm({model: 'openai/gpt-4o', baseUrl: base, apiKey: KEY});
    const error = await collect(dead, ask('q')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelConnectionError);
    expect((error as Error).message).toBe(
      `Cannot reach the OpenAI-compatible API at ${base} (ECONNREFUSED); check OPENAI_BASE_URL`,
    );
    expect((error as ModelConnectionError).code).toBe('ECONNREFUSED');
  });

  it('stops a streamed call when its abort signal fires', async () => {
    server.reply({content: 'x'.repeat(2000)});
    const controller = new AbortController();
    const seen: LlmResponse[] = [];
    const run = (async () => {
      for await (const r of llm.generateContentAsync(ask('long'), true, controller.signal)) {
        seen.push(r);
        if (seen.length === 3) controller.abort();
      }
    })();
    await expect(run).rejects.toThrow(/abort/i);
    expect(seen.length).toBeLessThan(10);
  });

  it('sends no Authorization header to a server given no key', async () => {
    const local = new OpenAILlm({model: 'openai/llama3', baseUrl: `${server.url}/v1`, apiKey: ''});
    const noKey = await startChatCompletionsServer();
    try {
      const open = new OpenAILlm({model: 'openai/llama3', baseUrl: `${noKey.url}/v1`, apiKey: ''});
      noKey.reply({content: 'hi'});
      await collect(open, ask('q'));
      expect(noKey.violations).toEqual([]);
      expect(noKey.requests[0].headers.authorization).toBeUndefined();
      // A compatible server gets max_tokens, the field they all read.
      noKey.reply({content: 'hi'});
      await collect(open, request([{role: 'user', parts: [{text: 'q'}]}], {maxOutputTokens: 64}));
      expect(noKey.requests[1].body.max_tokens).toBe(64);
      expect(noKey.violations).toEqual([]);
    } finally {
      await noKey.close();
    }
    expect(local.baseUrl).toBe(`${server.url}/v1`);
  });
});

describe('the optional SDKs', () => {
  it('name the package and the install command when one is missing', () => {
    expect(() => requireOptionalPackage('openai-sdk-not-installed', 'openai/gpt-4o')).toThrow(
      'openai/gpt-4o needs the npm package "openai-sdk-not-installed", an optional peer dependency of adk-coding-agent: run npm install openai-sdk-not-installed',
    );
    expect(requireOptionalPackage<{OpenAI: unknown}>('openai', 'openai/gpt-4o').OpenAI).toBeTypeOf(
      'function',
    );
  });
});

describe('OllamaLlm on Ollama’s OpenAI-compatible endpoint', () => {
  let server: ChatServer;
  let saved: string | undefined;

  beforeAll(async () => {
    server = await startChatCompletionsServer({flavour: 'ollama'});
    saved = process.env.OLLAMA_HOST;
    process.env.OLLAMA_HOST = server.url.replace('http://', '');
  });
  afterEach(() => {
    expect(server.violations).toEqual([]);
    expect(server.pending()).toBe(0);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.OLLAMA_HOST;
    else process.env.OLLAMA_HOST = saved;
    await server.close();
  });

  it('reads OLLAMA_HOST as Ollama does', () => {
    expect(ollamaBaseUrl(undefined)).toBe('http://127.0.0.1:11434/v1');
    expect(ollamaBaseUrl('')).toBe('http://127.0.0.1:11434/v1');
    expect(ollamaBaseUrl('0.0.0.0')).toBe('http://127.0.0.1:11434/v1');
    expect(ollamaBaseUrl('gpu-box:8080')).toBe('http://gpu-box:8080/v1');
    expect(ollamaBaseUrl('https://ollama.example.org')).toBe('https://ollama.example.org:443/v1');
    expect(ollamaBaseUrl('http://10.0.0.5:11434/')).toBe('http://10.0.0.5:11434/v1');
    expect(ollamaBaseUrl('http://proxy:80/ollama')).toBe('http://proxy:80/ollama/v1');
    expect(ollamaBaseUrl('http://127.0.0.1:11434/v1')).toBe('http://127.0.0.1:11434/v1');
    expect(() => ollamaBaseUrl('ftp://x')).toThrow(/OLLAMA_HOST/);
  });

  it('calls /v1/chat/completions with no key, max_tokens, and the model id after ollama/', async () => {
    const llm = LLMRegistry.newLlm('ollama/qwen2.5-coder:7b');
    expect(llm).toBeInstanceOf(OllamaLlm);
    server.reply({content: '425'});
    const [r] = await collect(
      llm,
      request([{role: 'user', parts: [{text: 'q'}]}], {maxOutputTokens: 256, temperature: 0}),
    );
    expect(r.content?.parts).toEqual([{text: '425'}]);
    const sent = server.requests.at(-1)!;
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toMatchObject({model: 'qwen2.5-coder:7b', max_tokens: 256, temperature: 0});
  });

  it('streams reasoning (`reasoning`), text and whole tool calls as Ollama sends them', async () => {
    const llm = LLMRegistry.newLlm('ollama/qwen3:8b');
    server.reply({
      reasoning: 'The user wants weather.',
      reasoningField: 'reasoning',
      toolCalls: [{id: 'call_q1', name: 'get_weather', arguments: '{"city":"Oslo"}'}],
    });
    const responses = await collect(llm, request([{role: 'user', parts: [{text: 'Oslo?'}]}]), true);
    expect(partialText(responses, true)).toBe('The user wants weather.');
    expect(responses.at(-1)!.content?.parts).toEqual([
      {text: 'The user wants weather.', thought: true},
      {functionCall: {id: 'call_q1', name: 'get_weather', args: {city: 'Oslo'}}},
    ]);
  });

  it('refuses attachments Ollama cannot take, naming them', async () => {
    const llm = LLMRegistry.newLlm('ollama/llava');
    const pdf = request([
      {role: 'user', parts: [{inlineData: {mimeType: 'application/pdf', data: 'JVBERi0='}}]},
    ]);
    await expect(collect(llm, pdf)).rejects.toThrow(/application\/pdf.*PNG, JPEG or WebP/);
  });

  it('names the address and OLLAMA_HOST when Ollama is not running', async () => {
    const base = `http://127.0.0.1:${await closedPort()}/v1`;
    const llm = new OllamaLlm({model: 'ollama/llama3.2', baseUrl: base});
    await expect(collect(llm, request([{role: 'user', parts: [{text: 'q'}]}]))).rejects.toThrow(
      `Cannot reach the Ollama API at ${base} (ECONNREFUSED); check OLLAMA_HOST`,
    );
  });
});
