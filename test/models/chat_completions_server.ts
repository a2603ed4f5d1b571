/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// A loopback stand-in of the Chat Completions API, as OpenAI documents it and as Ollama serves
// it. Sources of the shapes:
// - request and response objects, chunk objects, error bodies: the OpenAI API reference
//   (platform.openai.com/docs/api-reference/chat/create, /chat/object, /chat-streaming;
//   /docs/guides/error-codes), and openai/openai-node's tests of the same shapes
//   (tests/lib/ChatCompletionStream.test.ts, tests/lib/ChatCompletionRunFunctions.test.ts:
//   `tool_calls` deltas with `index`, a last chunk with `choices: []` and `usage` when
//   `stream_options.include_usage`, `data: [DONE]`);
// - Ollama: ollama/ollama openai/openai.go (ChatCompletionRequest's fields: `max_tokens`,
//   content parts `text` and `image_url` with PNG/JPEG/WebP data URLs only, `reasoning` in
//   messages and deltas, `system_fingerprint: "fp_ollama"`, whole tool calls in one chunk),
//   docs/openai.mdx.
// Reasoning fields: DeepSeek's API docs (`reasoning_content`, and 400 when it is sent back),
// OpenRouter's (`reasoning`).

import type {ServerResponse} from 'node:http';

import {z} from 'zod';

import {
  issues,
  pieces,
  sse,
  startApiServer,
  type ApiServer,
  type RecordedRequest,
} from './api_server.js';

/** One scripted reply. */
export interface ChatReply {
  content?: string;
  /** How the content is split into deltas when streamed (default: 7-character pieces). */
  chunks?: string[];
  reasoning?: string;
  /** Where reasoning goes: DeepSeek/vLLM/llama.cpp `reasoning_content`, OpenRouter/Ollama `reasoning`. */
  reasoningField?: 'reasoning_content' | 'reasoning';
  toolCalls?: Array<{id: string; name: string; arguments: string}>;
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  usage?: Record<string, unknown>;
  /** An HTTP error instead of a reply. */
  error?: {status: number; body: unknown; headers?: Record<string, string>};
}

export type ChatServer = ApiServer<ChatReply>;

const name = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/);
const text = z.strictObject({type: z.literal('text'), text: z.string()});
const image = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({
    url: z.string().min(1),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
const audio = z.strictObject({
  type: z.literal('input_audio'),
  input_audio: z.strictObject({data: z.string().min(1), format: z.enum(['wav', 'mp3'])}),
});
const file = z.strictObject({
  type: z.literal('file'),
  file: z.strictObject({
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    filename: z.string().optional(),
  }),
});
const toolCall = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.strictObject({name, arguments: z.string()}),
});
const textContent = z.union([z.string(), z.array(text).min(1)]);

/** Messages as the API reference lists them; `strictObject`: no field it does not document. */
const openAiMessage = z.discriminatedUnion('role', [
  z.strictObject({role: z.literal('system'), content: textContent, name: z.string().optional()}),
  z.strictObject({role: z.literal('developer'), content: textContent, name: z.string().optional()}),
  z.strictObject({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(z.union([text, image, audio, file])).min(1)]),
    name: z.string().optional(),
  }),
  z
    .strictObject({
      role: z.literal('assistant'),
      content: z.union([z.string(), z.array(text), z.null()]).optional(),
      tool_calls: z.array(toolCall).min(1).optional(),
      refusal: z.string().nullable().optional(),
      name: z.string().optional(),
    })
    .refine((m) => (typeof m.content === 'string' && m.content !== '') || m.tool_calls, {
      message: 'an assistant message needs content or tool_calls',
    }),
  z.strictObject({role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1)}),
]);

const tools = z
  .array(
    z.strictObject({
      type: z.literal('function'),
      function: z.strictObject({
        name,
        description: z.string().optional(),
        parameters: z.looseObject({type: z.literal('object')}).optional(),
        strict: z.boolean().nullable().optional(),
      }),
    }),
  )
  .min(1);

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({type: z.literal('function'), function: z.strictObject({name})}),
]);

const openAiRequest = z.strictObject({
  model: z.string().min(1),
  messages: z.array(openAiMessage).min(1),
  stream: z.boolean().optional(),
  stream_options: z.strictObject({include_usage: z.boolean().optional()}).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  max_tokens: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string()).min(1).max(4)]).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  seed: z.number().int().optional(),
  tools: tools.optional(),
  tool_choice: toolChoice.optional(),
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
  response_format: z
    .union([
      z.strictObject({type: z.literal('text')}),
      z.strictObject({type: z.literal('json_object')}),
      z.strictObject({
        type: z.literal('json_schema'),
        json_schema: z.strictObject({
          name,
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().optional(),
          description: z.string().optional(),
        }),
      }),
    ])
    .optional(),
});

/** Ollama's ChatCompletionRequest (openai/openai.go): the fields it reads, its content parts. */
const ollamaImage = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({
    url: z.string().regex(/^data:image\/(jpeg|jpg|png|webp);base64,/, 'invalid image input'),
  }),
});
const ollamaRequest = z.strictObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.discriminatedUnion('role', [
        z.strictObject({role: z.literal('system'), content: z.string()}),
        z.strictObject({
          role: z.literal('user'),
          content: z.union([z.string(), z.array(z.union([text, ollamaImage])).min(1)]),
        }),
        z
          .strictObject({
            role: z.literal('assistant'),
            content: z.string().optional(),
            tool_calls: z.array(toolCall).min(1).optional(),
          })
          .refine((m) => m.content || m.tool_calls, {
            message: 'content is only optional if tool calls are present',
          }),
        z.strictObject({
          role: z.literal('tool'),
          content: z.string(),
          tool_call_id: z.string().min(1),
        }),
      ]),
    )
    .min(1),
  stream: z.boolean().optional(),
  stream_options: z.strictObject({include_usage: z.boolean()}).optional(),
  max_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  temperature: z.number().optional(),
  frequency_penalty: z.number().optional(),
  presence_penalty: z.number().optional(),
  top_p: z.number().optional(),
  response_format: z.looseObject({type: z.string()}).optional(),
  tools: tools.optional(),
  reasoning_effort: z.string().optional(),
});

/** o-series and gpt-5 models: what OpenAI refuses for them (400 "Unsupported parameter"). */
const REASONING_MODEL = /^(o\d+(-|$)|gpt-5(?!.*-chat))/;
const REFUSED_BY_REASONING_MODELS = [
  'temperature',
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'stop',
  'max_tokens',
];

/** Tool messages answer the tool calls just before them, every one of them. */
function toolCallOrder(
  messages: Array<{role: string; tool_calls?: Array<{id: string}>; tool_call_id?: string}>,
): string[] {
  const problems: string[] = [];
  let open = new Set<string>();
  messages.forEach((m, i) => {
    if (m.role === 'tool') {
      if (!open.delete(m.tool_call_id ?? '')) {
        problems.push(
          `messages.${i}: a 'tool' message must answer a tool call of the assistant message before it`,
        );
      }
      return;
    }
    if (open.size > 0) {
      problems.push(`messages.${i}: tool calls ${[...open].join(', ')} have no tool message`);
    }
    open = new Set((m.tool_calls ?? []).map((c) => c.id));
  });
  return problems;
}

function check(flavour: 'openai' | 'ollama', apiKey: string | undefined) {
  return (request: RecordedRequest): string[] => {
    const problems: string[] = [];
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      problems.push(`${request.method} ${request.path}: not the chat completions endpoint`);
    }
    if (!String(request.headers['content-type']).startsWith('application/json')) {
      problems.push('content-type is not application/json');
    }
    const auth = request.headers.authorization;
    if (apiKey !== undefined && auth !== `Bearer ${apiKey}`) {
      problems.push(`authorization is ${JSON.stringify(auth)}, not the bearer key`);
    }
    if (apiKey === undefined && auth !== undefined) {
      problems.push(`an authorization header was sent without a key: ${auth}`);
    }
    const schema = flavour === 'openai' ? openAiRequest : ollamaRequest;
    const parsed = schema.safeParse(request.body);
    if (!parsed.success) return [...problems, ...issues(parsed.error)];
    const body = parsed.data as z.infer<typeof openAiRequest>;
    problems.push(...toolCallOrder(body.messages as never));
    if (flavour === 'openai' && REASONING_MODEL.test(body.model)) {
      for (const field of REFUSED_BY_REASONING_MODELS) {
        if (field in body)
          problems.push(`Unsupported parameter: '${field}' is not supported with this model.`);
      }
    }
    if (body.stream_options && !body.stream) problems.push('stream_options needs stream: true');
    return problems;
  };
}

const CREATED = 1_764_000_000;

function completion(flavour: 'openai' | 'ollama', model: string, reply: ChatReply) {
  const toolCalls = reply.toolCalls?.map((c, index) => ({
    id: c.id,
    ...(flavour === 'ollama' ? {index} : {}),
    type: 'function',
    function: {name: c.name, arguments: c.arguments},
  }));
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: reply.content ?? (toolCalls ? null : ''),
  };
  if (flavour === 'openai') Object.assign(message, {refusal: null, annotations: []});
  if (reply.reasoning) message[reply.reasoningField ?? 'reasoning_content'] = reply.reasoning;
  if (toolCalls) message.tool_calls = toolCalls;
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [{index: 0, message, logprobs: null, finish_reason: finishReason(reply)}],
    usage: reply.usage ?? defaultUsage(flavour),
    ...(flavour === 'openai' ? {service_tier: 'default'} : {}),
    system_fingerprint: flavour === 'openai' ? 'fp_3b9c3f2e1d' : 'fp_ollama',
  };
}

function finishReason(reply: ChatReply): string {
  return reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
}

function defaultUsage(flavour: 'openai' | 'ollama') {
  return flavour === 'openai'
    ? {
        prompt_tokens: 19,
        completion_tokens: 10,
        total_tokens: 29,
        prompt_tokens_details: {cached_tokens: 0, audio_tokens: 0},
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      }
    : {prompt_tokens: 19, completion_tokens: 10, total_tokens: 29};
}

function streamReply(
  flavour: 'openai' | 'ollama',
  model: string,
  reply: ChatReply,
  includeUsage: boolean,
  res: ServerResponse,
) {
  res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: 'chatcmpl-123',
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    system_fingerprint: flavour === 'openai' ? 'fp_44709d6fcb' : 'fp_ollama',
    choices: [
      {index: 0, delta, ...(flavour === 'openai' ? {logprobs: null} : {}), finish_reason: finish},
    ],
  });
  const field = reply.reasoningField ?? 'reasoning_content';
  sse(res, chunk({role: 'assistant', content: ''}));
  for (const piece of pieces(reply.reasoning ?? '', 5)) sse(res, chunk({[field]: piece}));
  for (const piece of reply.chunks ?? pieces(reply.content ?? ''))
    sse(res, chunk({content: piece}));
  (reply.toolCalls ?? []).forEach((call, index) => {
    if (flavour === 'ollama') {
      // Ollama sends each call whole.
      sse(
        res,
        chunk({
          role: 'assistant',
          content: '',
          tool_calls: [
            {
              id: call.id,
              index,
              type: 'function',
              function: {name: call.name, arguments: call.arguments},
            },
          ],
        }),
      );
      return;
    }
    sse(
      res,
      chunk({
        tool_calls: [
          {index, id: call.id, type: 'function', function: {name: call.name, arguments: ''}},
        ],
      }),
    );
    for (const piece of pieces(call.arguments, 4))
      sse(res, chunk({tool_calls: [{index, function: {arguments: piece}}]}));
  });
  sse(res, chunk({}, finishReason(reply)));
  if (includeUsage) {
    sse(res, {
      id: 'chatcmpl-123',
      object: 'chat.completion.chunk',
      created: CREATED,
      model,
      choices: [],
      usage: reply.usage ?? defaultUsage(flavour),
    });
  }
  sse(res, '[DONE]');
  res.end();
}

/**
 * Starts a stand-in of `POST /v1/chat/completions`: OpenAI's (a bearer key required when
 * `apiKey` is given) or Ollama's (`flavour: 'ollama'`, no key).
 */
export function startChatCompletionsServer(
  options: {flavour?: 'openai' | 'ollama'; apiKey?: string} = {},
): Promise<ChatServer> {
  const flavour = options.flavour ?? 'openai';
  return startApiServer<ChatReply>(
    check(flavour, options.apiKey),
    (reply, request, res) => {
      if (reply.error) {
        res.writeHead(reply.error.status, {
          'content-type': 'application/json',
          ...reply.error.headers,
        });
        res.end(JSON.stringify(reply.error.body));
        return;
      }
      const model = String(request.body.model);
      if (request.body.stream) {
        const include =
          (request.body.stream_options as {include_usage?: boolean} | undefined)?.include_usage ===
          true;
        streamReply(flavour, model, reply, include, res);
        return;
      }
      res.writeHead(200, {'content-type': 'application/json', 'x-request-id': 'req_123'});
      res.end(JSON.stringify(completion(flavour, model, reply)));
    },
    (problems, res) => {
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(
        JSON.stringify({
          error: {
            message: problems.join('; '),
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        }),
      );
    },
  );
}

/** OpenAI's documented error bodies (platform.openai.com/docs/guides/error-codes). */
export const OPENAI_ERRORS = {
  400: {
    status: 400,
    body: {
      error: {
        message: "Invalid value for 'messages[0].role': 'robot'.",
        type: 'invalid_request_error',
        param: 'messages[0].role',
        code: 'invalid_value',
      },
    },
  },
  401: {
    status: 401,
    body: {
      error: {
        message:
          'Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    },
  },
  429: {
    status: 429,
    headers: {'retry-after': '2', 'x-ratelimit-remaining-requests': '0'},
    body: {
      error: {
        message:
          'Rate limit reached for gpt-4o in organization org-abc on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  },
  500: {
    status: 500,
    body: {
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    },
  },
} as const;
