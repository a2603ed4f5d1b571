/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// A loopback stand-in of the Anthropic Messages API (`POST /v1/messages`, API version
// 2023-06-01). Sources of the shapes:
// - request: the API reference (platform.claude.com/docs/en/api/messages): `max_tokens`
//   required, `system` apart, user and assistant alternating from a user turn, content blocks,
//   tool_result blocks first in their user turn and answering the tool_use blocks just before,
//   `thinking.budget_tokens` ≥ 1024 and below `max_tokens`, no temperature or top_k with
//   thinking; errors (/docs/en/api/errors): `{"type":"error","error":{"type","message"}}`, 529
//   `overloaded_error`, `retry-after` on 429, `request-id`;
// - streaming (/docs/en/build-with-claude/streaming): message_start, content_block_start /
//   _delta (text_delta, input_json_delta, thinking_delta, signature_delta) / _stop,
//   message_delta with cumulative usage, message_stop, ping, and `error` events; recorded
//   fixtures in anthropics/anthropic-sdk-typescript tests/lib/fixtures/basic_response.txt and
//   tool_use_response.txt (a ping after the first content_block_start, an empty first
//   input_json_delta).

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

/** A content block of a scripted reply. */
export type ReplyBlock =
  | {type: 'text'; text: string; chunks?: string[]}
  | {type: 'thinking'; thinking: string; signature: string}
  | {type: 'redacted_thinking'; data: string}
  | {type: 'tool_use'; id: string; name: string; input: Record<string, unknown>};

/** One scripted reply. */
export interface MessagesReply {
  blocks?: ReplyBlock[];
  /** Default `tool_use` when a block is one, else `end_turn`. */
  stopReason?: string;
  usage?: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens?: number;
    cache_read_input_tokens?: number;
  };
  /** An HTTP error instead of a reply. */
  error?: {status: number; type: string; message: string; headers?: Record<string, string>};
  /** An `error` event after the first block's deltas (streaming only). */
  streamError?: {type: string; message: string};
}

export type MessagesServer = ApiServer<MessagesReply>;

const cacheControl = z
  .strictObject({type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional()})
  .optional();
const textBlock = z.strictObject({
  type: z.literal('text'),
  text: z.string().min(1),
  cache_control: cacheControl,
});
const imageBlock = z.strictObject({
  type: z.literal('image'),
  source: z.union([
    z.strictObject({
      type: z.literal('base64'),
      media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
      data: z.string().min(1),
    }),
    z.strictObject({type: z.literal('url'), url: z.string().url()}),
  ]),
  cache_control: cacheControl,
});
const documentBlock = z.strictObject({
  type: z.literal('document'),
  source: z.union([
    z.strictObject({
      type: z.literal('base64'),
      media_type: z.literal('application/pdf'),
      data: z.string().min(1),
    }),
    z.strictObject({
      type: z.literal('text'),
      media_type: z.literal('text/plain'),
      data: z.string(),
    }),
    z.strictObject({type: z.literal('url'), url: z.string().url()}),
  ]),
  title: z.string().optional(),
  cache_control: cacheControl,
});
const toolUseBlock = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().regex(/^[a-zA-Z0-9_-]+$/),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});
const toolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().regex(/^[a-zA-Z0-9_-]+$/),
  content: z.union([z.string(), z.array(z.union([textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});
const thinkingBlock = z.strictObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string().min(1),
});
const redactedThinkingBlock = z.strictObject({
  type: z.literal('redacted_thinking'),
  data: z.string().min(1),
});

const messagesRequest = z.strictObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z
    .array(
      z.discriminatedUnion('role', [
        z.strictObject({
          role: z.literal('user'),
          content: z.union([
            z.string().min(1),
            z.array(z.union([textBlock, imageBlock, documentBlock, toolResultBlock])).min(1),
          ]),
        }),
        z.strictObject({
          role: z.literal('assistant'),
          content: z.union([
            z.string().min(1),
            z
              .array(z.union([textBlock, toolUseBlock, thinkingBlock, redactedThinkingBlock]))
              .min(1),
          ]),
        }),
      ]),
    )
    .min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
        description: z.string().optional(),
        input_schema: z.looseObject({type: z.literal('object')}),
        cache_control: cacheControl,
      }),
    )
    .optional(),
  tool_choice: z
    .union([
      z.strictObject({
        type: z.enum(['auto', 'any']),
        disable_parallel_tool_use: z.boolean().optional(),
      }),
      z.strictObject({
        type: z.literal('tool'),
        name: z.string(),
        disable_parallel_tool_use: z.boolean().optional(),
      }),
      z.strictObject({type: z.literal('none')}),
    ])
    .optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  thinking: z
    .union([
      z.strictObject({type: z.literal('enabled'), budget_tokens: z.number().int().min(1024)}),
      z.strictObject({type: z.literal('disabled')}),
    ])
    .optional(),
  stream: z.boolean().optional(),
  metadata: z.strictObject({user_id: z.string().optional()}).optional(),
});

type Request = z.infer<typeof messagesRequest>;

/** The rules of the reference that one schema per field cannot say. */
function conversationRules(body: Request): string[] {
  const problems: string[] = [];
  body.messages.forEach((m, i) => {
    if (i === 0 && m.role !== 'user')
      problems.push('messages.0: the first message must use the user role');
    if (i > 0 && body.messages[i - 1].role === m.role) {
      problems.push(`messages.${i}: roles must alternate between "user" and "assistant"`);
    }
    const blocks = typeof m.content === 'string' ? [] : m.content;
    const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
    if (firstOther >= 0 && blocks.slice(firstOther).some((b) => b.type === 'tool_result')) {
      problems.push(`messages.${i}: tool_result blocks must come first in the content`);
    }
    const previous = body.messages[i - 1];
    const asked = new Set(
      (previous && typeof previous.content !== 'string' ? previous.content : [])
        .filter((b) => b.type === 'tool_use')
        .map((b) => (b as {id: string}).id),
    );
    const answered = blocks
      .filter((b) => b.type === 'tool_result')
      .map((b) => (b as {tool_use_id: string}).tool_use_id);
    for (const id of answered) {
      if (!asked.has(id))
        problems.push(`messages.${i}: unexpected tool_use_id ${id} in tool_result blocks`);
    }
    if (m.role === 'user' && asked.size > 0) {
      const missing = [...asked].filter((id) => !answered.includes(id));
      if (missing.length)
        problems.push(
          `messages.${i}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`,
        );
    }
  });
  if (body.thinking?.type === 'enabled') {
    if (body.thinking.budget_tokens >= body.max_tokens)
      problems.push('max_tokens must be greater than thinking.budget_tokens');
    if (body.temperature !== undefined)
      problems.push('temperature may only be set to 1 when thinking is enabled');
    if (body.top_k !== undefined) problems.push('top_k is not allowed when thinking is enabled');
    if (body.top_p !== undefined && body.top_p < 0.95)
      problems.push('top_p must be at least 0.95 when thinking is enabled');
  }
  return problems;
}

function check(apiKey: string) {
  return (request: RecordedRequest): string[] => {
    const problems: string[] = [];
    if (request.method !== 'POST' || request.path !== '/v1/messages') {
      problems.push(`${request.method} ${request.path}: not the messages endpoint`);
    }
    if (request.headers['x-api-key'] !== apiKey)
      problems.push(`x-api-key is ${JSON.stringify(request.headers['x-api-key'])}`);
    if (request.headers['anthropic-version'] !== '2023-06-01') {
      problems.push(
        `anthropic-version is ${JSON.stringify(request.headers['anthropic-version'])}, not 2023-06-01`,
      );
    }
    if (request.headers.authorization !== undefined)
      problems.push('an authorization header was sent besides x-api-key');
    if (!String(request.headers['content-type']).startsWith('application/json'))
      problems.push('content-type is not application/json');
    const parsed = messagesRequest.safeParse(request.body);
    if (!parsed.success) return [...problems, ...issues(parsed.error)];
    return [...problems, ...conversationRules(parsed.data)];
  };
}

function stopReason(reply: MessagesReply): string {
  return (
    reply.stopReason ?? (reply.blocks?.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn')
  );
}

const DEFAULT_USAGE = {
  input_tokens: 11,
  output_tokens: 6,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

function message(model: string, reply: MessagesReply, content: unknown[], stop: string | null) {
  return {
    id: 'msg_019Q1hrJbZG26Fb9BQhrkHEr',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stop,
    stop_sequence: stop === 'stop_sequence' ? '###' : null,
    usage: {...DEFAULT_USAGE, ...reply.usage, service_tier: 'standard'},
  };
}

function streamReply(model: string, reply: MessagesReply, res: ServerResponse) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': 'req_stream',
  });
  const usage = {...DEFAULT_USAGE, ...reply.usage};
  const start = message(model, reply, [], null);
  sse(
    res,
    {type: 'message_start', message: {...start, usage: {...start.usage, output_tokens: 1}}},
    'message_start',
  );
  for (const [index, block] of (reply.blocks ?? []).entries()) {
    const opening =
      block.type === 'text'
        ? {type: 'text', text: ''}
        : block.type === 'thinking'
          ? {type: 'thinking', thinking: '', signature: ''}
          : block.type === 'redacted_thinking'
            ? {type: 'redacted_thinking', data: block.data}
            : {type: 'tool_use', id: block.id, name: block.name, input: {}};
    sse(res, {type: 'content_block_start', index, content_block: opening}, 'content_block_start');
    if (index === 0) sse(res, {type: 'ping'}, 'ping');
    const delta = (d: Record<string, unknown>) =>
      sse(res, {type: 'content_block_delta', index, delta: d}, 'content_block_delta');
    if (block.type === 'text')
      for (const t of block.chunks ?? pieces(block.text)) delta({type: 'text_delta', text: t});
    if (block.type === 'thinking') {
      for (const t of pieces(block.thinking, 9)) delta({type: 'thinking_delta', thinking: t});
      delta({type: 'signature_delta', signature: block.signature});
    }
    if (block.type === 'tool_use') {
      delta({type: 'input_json_delta', partial_json: ''});
      for (const j of pieces(JSON.stringify(block.input), 5))
        delta({type: 'input_json_delta', partial_json: j});
    }
    if (index === 0 && reply.streamError) {
      sse(res, {type: 'error', error: reply.streamError}, 'error');
      res.end();
      return;
    }
    sse(res, {type: 'content_block_stop', index}, 'content_block_stop');
  }
  const stop = stopReason(reply);
  sse(
    res,
    {
      type: 'message_delta',
      delta: {stop_reason: stop, stop_sequence: stop === 'stop_sequence' ? '###' : null},
      usage: {
        output_tokens: usage.output_tokens,
        input_tokens: null,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
      },
    },
    'message_delta',
  );
  sse(res, {type: 'message_stop'}, 'message_stop');
  res.end();
}

/** Starts a stand-in of `POST /v1/messages` that wants `apiKey` in `x-api-key`. */
export function startMessagesServer(apiKey = 'sk-ant-test'): Promise<MessagesServer> {
  return startApiServer<MessagesReply>(
    check(apiKey),
    (reply, request, res) => {
      if (reply.error) {
        res.writeHead(reply.error.status, {
          'content-type': 'application/json',
          'request-id': 'req_err',
          ...reply.error.headers,
        });
        res.end(
          JSON.stringify({
            type: 'error',
            error: {type: reply.error.type, message: reply.error.message},
          }),
        );
        return;
      }
      const model = String(request.body.model);
      if (request.body.stream) {
        streamReply(model, reply, res);
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy',
      });
      res.end(JSON.stringify(message(model, reply, reply.blocks ?? [], stopReason(reply))));
    },
    (problems, res) => {
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(
        JSON.stringify({
          type: 'error',
          error: {type: 'invalid_request_error', message: problems.join('; ')},
        }),
      );
    },
  );
}

/** Anthropic's documented errors (platform.claude.com/docs/en/api/errors). */
export const ANTHROPIC_ERRORS = {
  400: {
    status: 400,
    type: 'invalid_request_error',
    message:
      'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row',
  },
  401: {status: 401, type: 'authentication_error', message: 'invalid x-api-key'},
  429: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your per-minute rate limit',
    headers: {'retry-after': '7'},
  },
  500: {status: 500, type: 'api_error', message: 'Internal server error'},
  529: {status: 529, type: 'overloaded_error', message: 'Overloaded'},
} as const;
