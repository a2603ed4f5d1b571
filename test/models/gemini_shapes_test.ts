/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * What ADK 2.0.0's real `Gemini` class (over `@google/genai` 2.x) makes of each reply shape the
 * Gemini API sends, non-streaming (`generateContentAsync(request, false)`) and streaming (`true`):
 * every `LlmResponse` it yields, projected onto the fields an agent reads, or the error it throws.
 * These facts drive the agent's handling; when ADK or the SDK changes them, this test says so.
 *
 * Findings pinned here (see the table in PINNED):
 * - A candidate without parts becomes `errorCode` = its finish reason, STOP included, when not
 *   streaming; streaming, a part-less STOP is no error (one final response with usage only),
 *   while other reasons come twice (once as a non-partial chunk, once as the final response).
 * - With text, MAX_TOKENS and SAFETY are no error when not streaming; the streamed final response
 *   carries `errorCode` MAX_TOKENS / SAFETY next to the text.
 * - A blocked prompt is `errorCode` = the block reason when not streaming; streaming, the block
 *   reason is lost (a final response with usage only).
 * - The final streamed response merges text and thought text into one part each and drops
 *   `thoughtSignature`s of text parts (the partial chunks still carry them); a Gemini 3 stream's
 *   closing `{text: "", thoughtSignature}` chunk is dropped whole.
 * - `finishMessage` never arrives: @google/genai's Developer API converter drops it, so
 *   `errorMessage` stays unset.
 * - HTTP errors throw `ApiError` with `status` and, as message, the error JSON; there are no
 *   response headers on it (`Retry-After` is invisible). An error event inside a 200 stream throws
 *   the same class with the message prefixed `got status: UNAVAILABLE. `, after the chunks before.
 * - Network failures throw undici's `TypeError` (`fetch failed`, or `terminated` mid-stream) with
 *   the cause's `code`; the SDK's timeout and the caller's abort both throw `AbortError`.
 */

import type {Gemini, LlmResponse} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {
  callGemini,
  geminiFixtureNames,
  loadGeminiFixture,
  startGeminiServer,
  userRequest,
  type GeminiServer,
  type HttpErrorReply,
  type StreamReply,
} from '../helpers/gemini_server.js';

type Mode = 'generateContent' | 'stream';

/** The fields of an `LlmResponse` an agent reads, without the undefined ones. */
interface Projection {
  partial?: boolean;
  turnComplete?: boolean;
  finishReason?: string;
  errorCode?: string;
  errorMessage?: string;
  /** `text: ...`, `thought: ...`, `text +signature: ...`, `functionCall name +id +signature`. */
  parts?: string[];
  usage?: Partial<Record<'prompt' | 'candidates' | 'thoughts' | 'cached' | 'total', number>>;
  citations?: number;
}

/** What one call gives: the projected responses, then the error class and status if it threw. */
interface Pinned {
  responses: Projection[];
  thrown?: {name: string; status?: number};
}

/**
 * A candidate without parts whose finish reason is not STOP: one error response; streamed, the
 * same response (not marked partial), then the final one.
 */
function partless(
  finishReason: string,
  prompt: number,
  citations?: number,
): Partial<Record<Mode, Pinned>> {
  const error = withoutUndefined({
    finishReason,
    errorCode: finishReason,
    usage: {prompt, total: prompt},
    citations,
  });
  return {
    generateContent: {responses: [error]},
    stream: {responses: [error, {partial: false, ...error}]},
  };
}

/** An HTTP error: `ApiError` with the status, nothing yielded, streaming or not. */
function thrownByBoth(status: number): Partial<Record<Mode, Pinned>> {
  const pinned = {responses: [], thrown: {name: 'ApiError', status}};
  return {generateContent: pinned, stream: pinned};
}

/** A complete reply (STOP): yielded as is; streamed, as a partial chunk, then the same as final. */
function wholeReply(response: Projection): Partial<Record<Mode, Pinned>> {
  return {
    generateContent: {responses: [response]},
    stream: {
      responses: [
        {partial: true, ...response},
        {partial: false, ...response},
      ],
    },
  };
}

const PINNED: Record<string, Partial<Record<Mode, Pinned>>> = {
  code_reply: wholeReply({
    finishReason: 'STOP',
    parts: ['text: I will compute it.\n```python\nproduct = 25 * 17\nprint(product)\n```'],
    usage: {prompt: 420, candidates: 24, thoughts: 61, total: 505},
  }),
  empty_stop: {
    generateContent: {
      responses: [{finishReason: 'STOP', errorCode: 'STOP', usage: {prompt: 11280, total: 11280}}],
    },
    stream: {
      responses: [{partial: false, finishReason: 'STOP', usage: {prompt: 11280, total: 11280}}],
    },
  },
  error_400_api_key_invalid: thrownByBoth(400),
  error_400_invalid_argument: thrownByBoth(400),
  error_401_unauthenticated: thrownByBoth(401),
  error_403_permission_denied: thrownByBoth(403),
  error_404_model_not_found: thrownByBoth(404),
  error_429_retry_after_header: thrownByBoth(429),
  error_429_retry_info: thrownByBoth(429),
  error_500_internal: thrownByBoth(500),
  error_502_html: thrownByBoth(502),
  error_503_unavailable: thrownByBoth(503),
  error_504_deadline_exceeded: thrownByBoth(504),
  finish_blocklist: partless('BLOCKLIST', 40),
  finish_language: partless('LANGUAGE', 40),
  finish_malformed_function_call: partless('MALFORMED_FUNCTION_CALL', 310),
  finish_max_tokens: {
    generateContent: {
      responses: [
        {
          finishReason: 'MAX_TOKENS',
          parts: [
            'text: Load the data first.\n```python\nimport pandas as pd\ndf = pd.read_csv(url)\nsurvived = df["Surv',
          ],
          usage: {prompt: 900, candidates: 64, thoughts: 410, total: 1374},
        },
      ],
    },
    stream: {
      responses: [
        {
          partial: true,
          finishReason: 'MAX_TOKENS',
          parts: [
            'text: Load the data first.\n```python\nimport pandas as pd\ndf = pd.read_csv(url)\nsurvived = df["Surv',
          ],
          usage: {prompt: 900, candidates: 64, thoughts: 410, total: 1374},
        },
        {
          partial: false,
          finishReason: 'MAX_TOKENS',
          errorCode: 'MAX_TOKENS',
          parts: [
            'text: Load the data first.\n```python\nimport pandas as pd\ndf = pd.read_csv(url)\nsurvived = df["Surv',
          ],
          usage: {prompt: 900, candidates: 64, thoughts: 410, total: 1374},
        },
      ],
    },
  },
  finish_other: partless('OTHER', 40),
  finish_prohibited_content: partless('PROHIBITED_CONTENT', 40),
  finish_recitation: partless('RECITATION', 23, 1),
  finish_safety: partless('SAFETY', 57),
  finish_safety_partial_text: {
    generateContent: {
      responses: [
        {
          finishReason: 'SAFETY',
          parts: ['text: To make the mixture you first combine the'],
          usage: {prompt: 57, candidates: 9, total: 66},
        },
      ],
    },
    stream: {
      responses: [
        {
          partial: true,
          finishReason: 'SAFETY',
          parts: ['text: To make the mixture you first combine the'],
          usage: {prompt: 57, candidates: 9, total: 66},
        },
        {
          partial: false,
          finishReason: 'SAFETY',
          errorCode: 'SAFETY',
          parts: ['text: To make the mixture you first combine the'],
          usage: {prompt: 57, candidates: 9, total: 66},
        },
      ],
    },
  },
  finish_spii: partless('SPII', 40),
  function_call_signature: {
    generateContent: {
      responses: [
        {
          finishReason: 'STOP',
          parts: ['functionCall concatStringFunction +signature'],
          usage: {prompt: 60, candidates: 12, thoughts: 95, total: 167},
        },
      ],
    },
    stream: {
      responses: [
        {
          partial: false,
          finishReason: 'STOP',
          parts: ['functionCall concatStringFunction +id +signature'],
          usage: {prompt: 60, candidates: 12, thoughts: 95, total: 167},
        },
        {
          partial: false,
          finishReason: 'STOP',
          usage: {prompt: 60, candidates: 12, thoughts: 95, total: 167},
        },
      ],
    },
  },
  max_tokens_thinking: {
    generateContent: {
      responses: [
        {
          finishReason: 'MAX_TOKENS',
          errorCode: 'MAX_TOKENS',
          usage: {prompt: 1706, thoughts: 2999, total: 4705},
        },
      ],
    },
    stream: {
      responses: [
        {
          finishReason: 'MAX_TOKENS',
          errorCode: 'MAX_TOKENS',
          usage: {prompt: 1706, thoughts: 2999, total: 4705},
        },
        {
          partial: false,
          finishReason: 'MAX_TOKENS',
          errorCode: 'MAX_TOKENS',
          usage: {prompt: 1706, thoughts: 2999, total: 4705},
        },
      ],
    },
  },
  prompt_blocked: {
    generateContent: {
      responses: [{errorCode: 'PROHIBITED_CONTENT', usage: {prompt: 412, total: 412}}],
    },
    stream: {responses: [{partial: false, usage: {prompt: 412, total: 412}}]},
  },
  stream_error_after_text: {
    stream: {
      responses: [
        {partial: true, parts: ['text: Let me load the file.\n```python\nimport pandas']},
      ],
      thrown: {name: 'ApiError', status: 503},
    },
  },
  stream_signature_tail: {
    stream: {
      responses: [
        {
          partial: true,
          parts: ['text: Here are the results for those additions:\n* 10 +'],
          usage: {prompt: 393, candidates: 14, thoughts: 80, total: 487},
        },
        {
          partial: true,
          parts: ['text:  20 = 30\n* 40 + 50 = 90\n* 6'],
          usage: {prompt: 393, candidates: 38, thoughts: 80, total: 511},
        },
        {
          partial: true,
          parts: ['text: 0 + 70 = 130'],
          usage: {prompt: 393, candidates: 48, thoughts: 80, total: 521},
        },
        {
          partial: false,
          finishReason: 'STOP',
          parts: [
            'text: Here are the results for those additions:\n* 10 + 20 = 30\n* 40 + 50 = 90\n* 60 + 70 = 130',
          ],
          usage: {prompt: 547, candidates: 48, thoughts: 80, total: 675},
        },
      ],
    },
  },
  stream_split_fence: {
    stream: {
      responses: [
        {partial: true, parts: ['text: I will compute it.\n``']},
        {partial: true, parts: ['text: `python\nproduct = 25 *']},
        {partial: true, parts: ['text:  17\nprint(product)\n``']},
        {
          partial: true,
          finishReason: 'STOP',
          parts: ['text: `'],
          usage: {prompt: 420, candidates: 24, thoughts: 61, total: 505},
        },
        {
          partial: false,
          finishReason: 'STOP',
          parts: ['text: I will compute it.\n```python\nproduct = 25 * 17\nprint(product)\n```'],
          usage: {prompt: 420, candidates: 24, thoughts: 61, total: 505},
        },
      ],
    },
  },
  stream_thoughts_recorded: {
    stream: {
      responses: [
        {
          partial: true,
          parts: [
            "thought: **Calculating Prime Sum**\n\nI've determined the task involves summing the first 50 primes.\n\n\n",
          ],
          usage: {prompt: 28, thoughts: 70, total: 98},
        },
        {
          partial: true,
          parts: [
            'thought: **Summarizing the Primes**\n\nI have verified the result as 5309.\n\n\n',
          ],
          usage: {prompt: 28, thoughts: 1174, total: 1202},
        },
        {
          partial: true,
          parts: [
            'text: To find the sum of the first 50 prime numbers, we first need to list them and then add them up.\n\n',
          ],
          usage: {prompt: 28, candidates: 47, thoughts: 1174, total: 1249},
        },
        {
          partial: true,
          parts: ['text: 2 + 3 + 5 + ... + 227 + 229 = **'],
          usage: {prompt: 28, candidates: 620, thoughts: 1174, total: 1822},
        },
        {
          partial: true,
          finishReason: 'STOP',
          parts: ['text: 5309**\n\nThe sum of the first 50 prime numbers is 5309.'],
          usage: {prompt: 28, candidates: 643, thoughts: 1174, total: 1845},
        },
        {
          partial: false,
          finishReason: 'STOP',
          parts: [
            "thought: **Calculating Prime Sum**\n\nI've determined the task involves summing the first 50 primes.\n\n\n**Summarizing the Primes**\n\nI have verified the result as 5309.\n\n\n",
            'text: To find the sum of the first 50 prime numbers, we first need to list them and then add them up.\n\n2 + 3 + 5 + ... + 227 + 229 = **5309**\n\nThe sum of the first 50 prime numbers is 5309.',
          ],
          usage: {prompt: 28, candidates: 643, thoughts: 1174, total: 1845},
        },
      ],
    },
  },
  text_reply: wholeReply({
    finishReason: 'STOP',
    parts: ['text: Paris'],
    usage: {prompt: 11, candidates: 1, thoughts: 34, total: 46},
  }),
  thought_parts_signatures: {
    generateContent: {
      responses: [
        {
          finishReason: 'STOP',
          parts: [
            'thought: **Planning the computation**\n\nI need the product of 25 and 17, so I will write one short snippet and print it.\n',
            'text +signature: ```python\nprint(25 * 17)\n```',
          ],
          usage: {prompt: 512, candidates: 18, thoughts: 143, total: 673},
        },
      ],
    },
    stream: {
      responses: [
        {
          partial: true,
          finishReason: 'STOP',
          parts: [
            'thought: **Planning the computation**\n\nI need the product of 25 and 17, so I will write one short snippet and print it.\n',
            'text +signature: ```python\nprint(25 * 17)\n```',
          ],
          usage: {prompt: 512, candidates: 18, thoughts: 143, total: 673},
        },
        {
          partial: false,
          finishReason: 'STOP',
          parts: [
            'thought: **Planning the computation**\n\nI need the product of 25 and 17, so I will write one short snippet and print it.\n',
            'text: ```python\nprint(25 * 17)\n```',
          ],
          usage: {prompt: 512, candidates: 18, thoughts: 143, total: 673},
        },
      ],
    },
  },
  usage_cached_thoughts: wholeReply({
    finishReason: 'STOP',
    parts: ['text: The mean fare was 32.20.'],
    usage: {prompt: 2130, candidates: 9, thoughts: 188, cached: 1664, total: 2327},
  }),
};

function project(response: LlmResponse): Projection {
  const usage = response.usageMetadata;
  const projection: Projection = {
    partial: response.partial,
    turnComplete: response.turnComplete,
    finishReason: response.finishReason,
    errorCode: response.errorCode,
    errorMessage: response.errorMessage,
    parts: response.content ? (response.content.parts ?? []).map(describePart) : undefined,
    usage: usage
      ? {
          prompt: usage.promptTokenCount,
          candidates: usage.candidatesTokenCount,
          thoughts: usage.thoughtsTokenCount,
          cached: usage.cachedContentTokenCount,
          total: usage.totalTokenCount,
        }
      : undefined,
    citations: response.citationMetadata?.citations?.length,
  };
  return withoutUndefined(projection);
}

function describePart(
  part: NonNullable<NonNullable<LlmResponse['content']>['parts']>[number],
): string {
  const signature = part.thoughtSignature ? ' +signature' : '';
  if (part.functionCall) {
    return `functionCall ${part.functionCall.name}${part.functionCall.id ? ' +id' : ''}${signature}`;
  }
  return `${part.thought ? 'thought' : 'text'}${signature}: ${part.text}`;
}

function withoutUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

let server: GeminiServer;
let gemini: Gemini;

beforeAll(async () => {
  server = await startGeminiServer();
  gemini = server.gemini('gemini-2.5-flash');
});
afterAll(async () => {
  await server?.close();
});

describe("ADK Gemini on each fixture's reply", () => {
  it('every fixture is pinned', () => {
    expect(Object.keys(PINNED).sort()).toEqual(geminiFixtureNames());
  });

  for (const [name, modes] of Object.entries(PINNED)) {
    for (const [mode, pinned] of Object.entries(modes) as Array<[Mode, Pinned]>) {
      it(`${name} (${mode})`, async () => {
        const fixture = loadGeminiFixture(name);
        server.reply(fixture.reply);
        const {responses, error} = await callGemini(gemini, mode === 'stream');
        const thrown = error as (Error & {status?: number}) | undefined;
        expect({
          responses: responses.map(project),
          ...(thrown ? {thrown: withoutUndefined({name: thrown.name, status: thrown.status})} : {}),
        }).toEqual(pinned);
        if ('status' in fixture.reply) {
          // The SDK's message is the error body as compact JSON (text bodies wrapped in one).
          expect(thrown!.message).toBe(sdkErrorMessage(fixture.reply));
          expect('headers' in thrown!).toBe(false);
        }
      });
    }
  }

  it('the error event of a stream throws after the chunks before it', async () => {
    const reply = loadGeminiFixture('stream_error_after_text').reply as StreamReply;
    server.reply(reply);
    const {error} = await callGemini(gemini, true);
    expect((error as Error).message).toBe(
      `got status: UNAVAILABLE. ${JSON.stringify(reply.chunks[1])}`,
    );
  });
});

/** @google/genai's `ApiError` message for an HTTP error reply. */
function sdkErrorMessage(reply: HttpErrorReply): string {
  if (typeof reply.body !== 'string') return JSON.stringify(reply.body);
  const reason: Record<number, string> = {502: 'Bad Gateway'};
  return JSON.stringify({
    error: {message: reply.body, code: reply.status, status: reason[reply.status]},
  });
}

describe('ADK Gemini on network failures', () => {
  it('a reset connection throws TypeError "fetch failed" caused by ECONNRESET', async () => {
    for (const stream of [false, true]) {
      server.reply({reset: true});
      const {responses, error} = await callGemini(gemini, stream);
      expect(responses).toEqual([]);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe('fetch failed');
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    }
  });

  it('a reset in mid-stream yields the chunks before it, then TypeError "terminated" (UND_ERR_SOCKET)', async () => {
    const reply = loadGeminiFixture('stream_split_fence').reply as StreamReply;
    server.reply({...reply, resetAfterChunks: 2});
    const {responses, error} = await callGemini(gemini, true);
    expect(responses.map(project)).toEqual(PINNED.stream_split_fence.stream!.responses.slice(0, 2));
    expect((error as Error).message).toBe('terminated');
    expect(((error as Error).cause as {code?: string}).code).toBe('UND_ERR_SOCKET');
  });

  it("the SDK's timeout (httpOptions.timeout) and the caller's abort both throw AbortError", async () => {
    server.reply({...loadGeminiFixture('text_reply').reply, delayMs: 5000});
    const request = userRequest();
    request.config = {httpOptions: {timeout: 100}};
    const timedOut = await callGemini(gemini, false, request);
    expect((timedOut.error as Error).name).toBe('AbortError');

    server.reply({...loadGeminiFixture('text_reply').reply, delayMs: 5000});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await callGemini(gemini, true, userRequest(), controller.signal);
    expect((aborted.error as Error).name).toBe('AbortError');
  });
});

describe('what ADK Gemini sends to the Developer API', () => {
  it('drops labels and displayName, sends the system instruction as a user-role content', async () => {
    server.reply(loadGeminiFixture('text_reply').reply);
    const request = userRequest();
    request.config = {systemInstruction: 'Be brief.', labels: {adk_agent_name: 'calc'}};
    request.contents[0].parts!.push({
      inlineData: {mimeType: 'text/csv', data: 'YSxiCg==', displayName: 'x.csv'},
    });
    await callGemini(gemini, false, request);
    expect(server.requests.at(-1)!.body).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            {text: 'What is 25 * 17?'},
            {inlineData: {mimeType: 'text/csv', data: 'YSxiCg=='}},
          ],
        },
      ],
      systemInstruction: {role: 'user', parts: [{text: 'Be brief.'}]},
      generationConfig: {},
    });
  });
});
