/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {LLMRegistry, type LlmRequest} from '@google/adk';
import {afterEach, describe, expect, it} from 'vitest';

import {requestViolations} from './gemini_request_schema.js';
import {
  callGemini,
  geminiFixtureNames,
  loadGeminiFixture,
  startGeminiServer,
  userRequest,
  type GeminiServer,
  type StreamReply,
} from './gemini_server.js';

const user = (text: string) => ({role: 'user', parts: [{text}]});
const model = (text: string) => ({role: 'model', parts: [{text}]});

describe('the GenerateContentRequest schema', () => {
  it('accepts what @google/genai sends for a multi-turn request with every part kind', () => {
    expect(
      requestViolations({
        contents: [
          {
            role: 'user',
            parts: [{text: 'hi'}, {inlineData: {mimeType: 'image/png', data: 'iVBORw0KGgo='}}],
          },
          {
            role: 'model',
            parts: [
              {text: 'thinking', thought: true},
              {text: 'ok', thoughtSignature: 'c2lnbmF0dXJl'},
              {
                functionCall: {name: 'fetch_csv', args: {url: 'x'}, id: 'adk-1'},
                thoughtSignature: 'c2ln',
              },
              {executableCode: {language: 'PYTHON', code: 'print(1)'}},
              {codeExecutionResult: {outcome: 'OUTCOME_OK', output: '1\n'}},
              {text: '', thoughtSignature: 'c2ln'},
            ],
          },
          {
            role: 'user',
            parts: [
              {functionResponse: {name: 'fetch_csv', id: 'adk-1', response: {rows: 3}}},
              {
                fileData: {
                  mimeType: 'application/pdf',
                  fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc',
                },
              },
            ],
          },
        ],
        systemInstruction: {role: 'user', parts: [{text: 'be brief'}]},
        generationConfig: {
          temperature: 0.2,
          maxOutputTokens: 1024,
          stopSequences: ['```\n'],
          thinkingConfig: {includeThoughts: true, thinkingBudget: 2048},
        },
        safetySettings: [
          {category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_ONLY_HIGH'},
        ],
        tools: [
          {
            functionDeclarations: [
              {name: 'fetch_csv', description: 'd', parametersJsonSchema: {type: 'object'}},
            ],
          },
        ],
        toolConfig: {functionCallingConfig: {mode: 'AUTO'}},
        cachedContent: 'cachedContents/abc123',
        labels: {team: 'data'},
      }),
    ).toEqual([]);
  });

  const rejected: Array<[string, unknown, string]> = [
    ['no contents', {contents: []}, 'contents is not specified'],
    [
      'contents starting with a model turn',
      {contents: [model('earlier answer'), user('go on')]},
      '* GenerateContentRequest.contents[0].role: Please ensure that multiturn requests start with a user turn.',
    ],
    [
      'contents ending with a model turn',
      {contents: [user('hi'), model('hello')]},
      '* GenerateContentRequest.contents[1].role: Please ensure that multiturn requests ends with a user role or a function response.',
    ],
    [
      'an empty parts list',
      {contents: [user('a'), {role: 'model', parts: []}, user('b')]},
      '* GenerateContentRequest.contents[1].parts: contents.parts must not be empty.',
    ],
    [
      'a part with two data kinds',
      {
        contents: [
          {role: 'user', parts: [{text: 'x', inlineData: {mimeType: 'image/png', data: 'AA=='}}]},
        ],
      },
      "oneof field 'data' is already set. Cannot set 'inlineData' (also set: 'text')",
    ],
    [
      'a part with no data',
      {contents: [{role: 'user', parts: [{thought: true}]}]},
      "* GenerateContentRequest.contents[0].parts[0].data: required oneof field 'data' must have one initialized field",
    ],
    [
      'an empty text part',
      {contents: [{role: 'user', parts: [{text: ''}]}]},
      "required oneof field 'data' must have one initialized field",
    ],
    [
      'an unknown field',
      {contents: [{role: 'user', parts: [{text: 'x', displayName: 'a.png'}]}]},
      `Invalid JSON payload received. Unknown name "displayName" at 'contents[0].parts[0]': Cannot find field.`,
    ],
    [
      'an unknown top-level field',
      {contents: [user('x')], config: {}},
      `Invalid JSON payload received. Unknown name "config" at 'request': Cannot find field.`,
    ],
    [
      'a role other than user and model',
      {contents: [{role: 'system', parts: [{text: 'x'}]}]},
      'Please use a valid role: user, model.',
    ],
    [
      'inline data that is not base64',
      {
        contents: [
          {role: 'user', parts: [{inlineData: {mimeType: 'image/png', data: 'not base64!'}}]},
        ],
      },
      'must be base64 (proto bytes)',
    ],
    [
      'a temperature above 2',
      {contents: [user('x')], generationConfig: {temperature: 3}},
      '* GenerateContentRequest.generation_config.temperature:',
    ],
    [
      'an unknown thinkingConfig field',
      {contents: [user('x')], generationConfig: {thinkingConfig: {budget: 10}}},
      `Unknown name "budget" at 'generation_config.thinking_config'`,
    ],
    [
      'a function name with a space',
      {contents: [user('x')], tools: [{functionDeclarations: [{name: 'fetch csv'}]}]},
      'invalid function name',
    ],
    [
      'a system instruction with an image',
      {
        contents: [user('x')],
        systemInstruction: {parts: [{inlineData: {mimeType: 'image/png', data: 'AA=='}}]},
      },
      'only text parts are allowed',
    ],
  ];
  for (const [what, body, description] of rejected) {
    it(`rejects ${what}`, () => {
      const violations = requestViolations(body);
      expect(violations.map((v) => v.description).join('\n')).toContain(description);
    });
  }
});

describe('the loopback server', () => {
  let server: GeminiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('frames a stream as the API does: text/event-stream, `data: {json}\\r\\n\\r\\n` per chunk', async () => {
    server = await startGeminiServer();
    const reply = loadGeminiFixture('stream_split_fence').reply as StreamReply;
    server.reply(reply);
    const response = await fetch(
      `${server.baseUrl}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      {
        method: 'POST',
        headers: {'x-goog-api-key': server.apiKey, 'content-type': 'application/json'},
        body: JSON.stringify({contents: [user('hi')]}),
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe(
      reply.chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join(''),
    );
  });

  it('answers a request the API would reject with its 400 JSON, and close() then fails the test', async () => {
    server = await startGeminiServer();
    const llm = server.gemini();
    const request: LlmRequest = {
      ...userRequest(),
      contents: [{role: 'model', parts: [{text: 'x'}]}],
    };
    // ADK appends a user turn when the last one is not from the user; the first stays a model turn.
    const {error} = await callGemini(llm, false, request);
    expect((error as {status?: number}).status).toBe(400);
    expect(JSON.parse((error as Error).message).error).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
      details: [{'@type': 'type.googleapis.com/google.rpc.BadRequest'}],
    });
    expect(server.requests).toHaveLength(1);
    await expect(server.close()).rejects.toThrow(
      /request #0 would be rejected by the Gemini API:\n {2}\* GenerateContentRequest\.contents\[0\]\.role/,
    );
    server = undefined;
  });

  it('takeRejected() hands the rejected requests to a test that sent them on purpose', async () => {
    server = await startGeminiServer();
    const request: LlmRequest = {...userRequest(), contents: [{role: 'user', parts: []}]};
    await callGemini(server.gemini(), false, request);
    expect(server.takeRejected().map((r) => r.violations.map((v) => v.field))).toEqual([
      ['contents[0].parts'],
    ]);
  });

  it('a request with no scripted reply left makes close() fail', async () => {
    server = await startGeminiServer();
    const {error} = await callGemini(server.gemini(), false);
    expect((error as {status?: number}).status).toBe(400);
    await expect(server.close()).rejects.toThrow(
      'request #0 (gemini-2.5-flash) had no scripted reply',
    );
    server = undefined;
  });

  it('checks the API key as the API does: none is 403, a wrong one 400 API_KEY_INVALID', async () => {
    server = await startGeminiServer();
    const url = `${server.baseUrl}/v1beta/models/gemini-2.5-flash:generateContent`;
    const body = JSON.stringify({contents: [user('hi')]});
    const none = await fetch(url, {method: 'POST', body});
    expect(none.status).toBe(403);
    expect(((await none.json()) as {error: {status: string}}).error.status).toBe(
      'PERMISSION_DENIED',
    );
    const wrong = await fetch(`${url}?key=wrong`, {method: 'POST', body});
    expect(wrong.status).toBe(400);
    expect(
      ((await wrong.json()) as {error: {details: Array<{reason: string}>}}).error.details[0].reason,
    ).toBe('API_KEY_INVALID');
  });

  it('answers an unknown model with the API 404 when models are listed', async () => {
    server = await startGeminiServer({models: ['gemini-2.5-flash']});
    const {error} = await callGemini(
      server.gemini('gemini-9-ultra'),
      false,
      userRequest('hi', 'gemini-9-ultra'),
    );
    expect((error as {status?: number}).status).toBe(404);
    expect((error as Error).message).toContain(
      'models/gemini-9-ultra is not found for API version v1beta',
    );
  });

  it('a responder answers from the request; replies are recorded with model and stream flag', async () => {
    server = await startGeminiServer({
      responder: (request) => ({
        response: {
          candidates: [
            {
              content: {
                role: 'model',
                parts: [{text: `you said ${JSON.stringify(request.body)}`.slice(0, 40)}],
              },
              finishReason: 'STOP',
            },
          ],
        },
      }),
    });
    const {responses} = await callGemini(server.gemini(), true);
    expect(responses.at(-1)!.content!.parts![0].text).toMatch(/^you said \{"contents"/);
    expect(server.requests.map((r) => [r.model, r.stream])).toEqual([['gemini-2.5-flash', true]]);
  });

  it('useEnv() points a model name resolved by LLMRegistry here, and restores the environment', async () => {
    server = await startGeminiServer();
    server.reply(loadGeminiFixture('text_reply').reply);
    const before = process.env.GOOGLE_GEMINI_BASE_URL;
    const restore = server.useEnv();
    try {
      const llm = LLMRegistry.newLlm('gemini-2.5-flash');
      const {responses} = await callGemini(llm as never, false);
      expect(responses[0].content!.parts![0].text).toBe('Paris');
    } finally {
      restore();
    }
    expect(process.env.GOOGLE_GEMINI_BASE_URL).toBe(before);
    expect(server.envFor({PATH: '/bin', GEMINI_API_KEY: 'real'})).toEqual({
      PATH: '/bin',
      GOOGLE_GEMINI_BASE_URL: server.baseUrl,
      GOOGLE_API_KEY: server.apiKey,
      GOOGLE_GENAI_USE_ENTERPRISE: 'false',
    });
  });

  it('every fixture names its sources and holds one reply', () => {
    for (const name of geminiFixtureNames()) {
      const fixture = loadGeminiFixture(name);
      expect(fixture.source.length, name).toBeGreaterThan(0);
      expect(fixture.description.length, name).toBeGreaterThan(10);
      expect(
        ['response', 'chunks', 'status'].filter((k) => k in fixture.reply),
        name,
      ).toHaveLength(1);
    }
  });
});
