/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {
  BaseLlm,
  LLMRegistry,
  type BaseLlmConnection,
  type LlmRequest,
  type LlmResponse,
} from '@google/adk';
import {
  FinishReason,
  FunctionCallingConfigMode,
  type Content,
  type GenerateContentConfig,
  type Part,
} from '@google/genai';
import type Anthropic from '@anthropic-ai/sdk';

import {toModelError, type Endpoint} from './model_errors.js';
import {requireOptionalPackage} from './optional_package.js';
import {
  apiModelName,
  codePartText,
  effectiveConfig,
  functionResponseText,
  functionSpecs,
  systemInstructionText,
  unsupportedAttachment,
  type GenerationDefaults,
} from './request_mapping.js';
import {
  modelResponses,
  parseArguments,
  partialResponse,
  usageMetadata,
  type FinishedReply,
  type StreamAccumulator,
} from './response_building.js';

// The Messages API's shapes, from its reference (platform.claude.com/docs/en/api/messages),
// written here rather than taken from the SDK: SDK majors 0.x and 1.x type different API
// versions, and this adapter speaks one version whichever is installed.

/** A content block of a request message. */
type BlockParam =
  | {type: 'text'; text: string}
  | {
      type: 'image';
      source: {type: 'base64'; media_type: string; data: string} | {type: 'url'; url: string};
    }
  | {
      type: 'document';
      source:
        | {type: 'base64'; media_type: 'application/pdf'; data: string}
        | {type: 'text'; media_type: 'text/plain'; data: string}
        | {type: 'url'; url: string};
      title?: string;
    }
  | {type: 'thinking'; thinking: string; signature: string}
  | {type: 'redacted_thinking'; data: string}
  | {type: 'tool_use'; id: string; name: string; input: Record<string, unknown>}
  | {type: 'tool_result'; tool_use_id: string; content: string};

interface MessageParam {
  role: 'user' | 'assistant';
  content: BlockParam[];
}

/** The body of `POST /v1/messages`. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  system?: Array<{type: 'text'; text: string; cache_control?: {type: 'ephemeral'}}>;
  tools?: Array<{name: string; description: string; input_schema: Record<string, unknown>}>;
  tool_choice?: {type: 'auto' | 'any' | 'none'} | {type: 'tool'; name: string};
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  thinking?: {type: 'enabled'; budget_tokens: number};
  stream?: boolean;
}

/** A content block of a response. */
type Block =
  | {type: 'text'; text: string}
  | {type: 'thinking'; thinking: string; signature: string}
  | {type: 'redacted_thinking'; data: string}
  | {type: 'tool_use'; id: string; name: string; input: unknown}
  | {type: string};

interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

interface Message {
  model: string;
  content: Block[];
  stop_reason: string | null;
  usage: AnthropicUsage;
}

type StreamEvent =
  | {type: 'message_start'; message: Message}
  | {type: 'content_block_start'; index: number; content_block: Block}
  | {
      type: 'content_block_delta';
      index: number;
      delta:
        | {type: 'text_delta'; text: string}
        | {type: 'thinking_delta'; thinking: string}
        | {type: 'signature_delta'; signature: string}
        | {type: 'input_json_delta'; partial_json: string}
        | {type: string};
    }
  | {type: 'content_block_stop'; index: number}
  | {type: 'message_delta'; delta: {stop_reason?: string | null}; usage?: AnthropicUsage}
  | {type: 'message_stop'}
  | {type: 'ping'};

/** The API version this adapter speaks (the `anthropic-version` header). */
export const ANTHROPIC_API_VERSION = '2023-06-01';

const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

/** `max_tokens` is required; this is sent when neither the request nor the defaults set one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** Marks a thought part that holds a `redacted_thinking` block (its data is the signature). */
const REDACTED_THINKING = 'anthropicRedactedThinking';

/** Options of {@link AnthropicLlm}. */
export interface AnthropicLlmOptions {
  /** `anthropic/<model>` (the prefix is dropped before the call) or the API's model id. */
  model: string;
  /** Default `ANTHROPIC_API_KEY`; sent as `x-api-key`. */
  apiKey?: string;
  /** Default `ANTHROPIC_BASE_URL`, else `https://api.anthropic.com`. */
  baseUrl?: string;
  /** Headers sent with every request (`anthropic-beta`, a gateway's own, ...). */
  headers?: Record<string, string>;
  /** Generation settings for every request; a request's own settings win. */
  generationConfig?: GenerationDefaults;
  /** Marks the system prompt for prompt caching (`cache_control`). Default `true`. */
  cacheSystemPrompt?: boolean;
  /** Time one HTTP request may take. Default 10 minutes (the SDK's). */
  timeoutMs?: number;
}

/**
 * An ADK model on the Anthropic Messages API (`POST {baseUrl}/v1/messages`, `anthropic-version:
 * 2023-06-01`, the key in `x-api-key`), through the official `@anthropic-ai/sdk` (an optional
 * peer dependency, loaded when the first model is built). Registered for `anthropic/<model>`.
 *
 * The system prompt is marked for prompt caching. Thinking blocks come back as thought parts
 * with their signatures and are sent back as Anthropic requires. The SDK's own retries are off:
 * the agent owns retries. Failures throw a `ModelApiError` (status, headers, the API's message;
 * error events inside a stream get the status Anthropic documents for their type, e.g. 529 for
 * `overloaded_error`) or a `ModelConnectionError`.
 */
export class AnthropicLlm extends BaseLlm {
  /** The names ADK's `LLMRegistry` resolves to this class. */
  static override readonly supportedModels: Array<string | RegExp> = [/anthropic\/.+/];

  /** The model id sent to the API (`claude-sonnet-4-5` for `anthropic/claude-sonnet-4-5`). */
  readonly apiModel: string;
  /** The base URL requests go to. */
  readonly baseUrl: string;
  private readonly client: Anthropic;
  private readonly sdk: typeof import('@anthropic-ai/sdk');
  private readonly options: AnthropicLlmOptions;

  /**
   * @param options The model and its endpoint; `{model}` alone reads the environment.
   * @throws When no API key is set, or the `@anthropic-ai/sdk` package is missing.
   */
  constructor(options: AnthropicLlmOptions) {
    super({model: options.model});
    this.options = options;
    this.apiModel = apiModelName(options.model, 'anthropic/');
    this.baseUrl = (
      options.baseUrl ??
      process.env.ANTHROPIC_BASE_URL ??
      ANTHROPIC_BASE_URL
    ).replace(/\/+$/, '');
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
    if (!apiKey) {
      throw new Error(`${options.model}: no API key: set ANTHROPIC_API_KEY (or pass apiKey)`);
    }
    this.sdk = requireOptionalPackage<typeof import('@anthropic-ai/sdk')>(
      '@anthropic-ai/sdk',
      options.model,
    );
    this.client = new this.sdk.Anthropic({
      apiKey,
      baseURL: this.baseUrl,
      maxRetries: 0,
      timeout: options.timeoutMs,
      // Pinned, whichever SDK major is installed: 1.x sends the key as a bearer token and
      // API version 2026-10-21, which refuses temperature, top_p and top_k.
      defaultHeaders: {
        ...options.headers,
        'x-api-key': apiKey,
        'anthropic-version': ANTHROPIC_API_VERSION,
        Authorization: null,
      },
    });
  }

  private get endpoint(): Endpoint {
    return {provider: 'Anthropic', baseUrl: this.baseUrl, baseUrlVariable: 'ANTHROPIC_BASE_URL'};
  }

  /**
   * Sends the request to `/v1/messages`; streaming yields a partial response per text or
   * thinking delta and then the aggregated reply, as ADK's Gemini class does.
   */
  override async *generateContentAsync(
    llmRequest: LlmRequest,
    stream = false,
    abortSignal?: AbortSignal,
  ): AsyncGenerator<LlmResponse, void> {
    this.maybeAppendUserContent(llmRequest);
    const body = this.requestBody(llmRequest);
    const messages = this.client.messages as unknown as {
      create(body: MessagesRequest, options: {signal?: AbortSignal}): Promise<unknown>;
    };
    yield* modelResponses({
      stream,
      abortSignal,
      complete: async () =>
        replyOf((await messages.create(body, {signal: abortSignal})) as Message),
      open: async () =>
        (await messages.create(
          {...body, stream: true},
          {signal: abortSignal},
        )) as AsyncIterable<StreamEvent>,
      accumulator: new StreamedReply(),
      toError: (error) => toModelError(error, this.sdk, this.endpoint),
    });
  }

  /** Live (bidirectional) connections are a Gemini Live API feature. */
  override async connect(): Promise<BaseLlmConnection> {
    throw new Error(`${this.model}: live (bidirectional) connections are not supported`);
  }

  /** The Messages request body for an ADK request. */
  requestBody(llmRequest: LlmRequest): MessagesRequest {
    const config = effectiveConfig(llmRequest, this.options.generationConfig);
    const budget = config.thinkingConfig?.thinkingBudget ?? 0;
    const thinking = budget > 0;
    let maxTokens = config.maxOutputTokens;
    if (thinking && maxTokens !== undefined && maxTokens <= budget) {
      throw new Error(
        `${this.model}: maxOutputTokens (${maxTokens}) must be larger than thinkingConfig.thinkingBudget (${budget}): Anthropic counts thinking in max_tokens`,
      );
    }
    maxTokens ??= ANTHROPIC_DEFAULT_MAX_TOKENS + (thinking ? Math.max(budget, 1024) : 0);
    const body: MessagesRequest = {
      model: this.apiModel,
      max_tokens: maxTokens,
      messages: alternating(llmRequest.contents, this.model),
    };
    const system = systemInstructionText(config.systemInstruction);
    if (system) {
      body.system = [
        {
          type: 'text',
          text: system,
          ...(this.options.cacheSystemPrompt === false ? {} : {cache_control: {type: 'ephemeral'}}),
        },
      ];
    }
    const tools = functionSpecs(config, this.model);
    if (tools.length > 0) {
      body.tools = tools.map((f) => ({
        name: f.name,
        description: f.description,
        input_schema: {...f.parameters, type: 'object'},
      }));
      const choice = toolChoice(config, thinking);
      if (choice) body.tool_choice = choice;
    }
    if (thinking) {
      // With thinking on, Anthropic refuses temperature and top_k, and top_p below 0.95.
      body.thinking = {type: 'enabled', budget_tokens: Math.max(budget, 1024)};
      if (config.topP !== undefined && config.topP >= 0.95) body.top_p = config.topP;
    } else {
      if (config.temperature !== undefined) body.temperature = config.temperature;
      // Recent Claude models refuse temperature and top_p together; temperature wins.
      else if (config.topP !== undefined) body.top_p = config.topP;
      if (config.topK !== undefined) body.top_k = config.topK;
    }
    if (config.stopSequences?.length) body.stop_sequences = config.stopSequences;
    return body;
  }
}

/**
 * ADK contents as Messages turns: user and assistant alternate (consecutive turns of one role
 * merged), tool results lead their user turn, empty turns dropped, and the first turn is the
 * user's.
 */
function alternating(contents: Content[], modelLabel: string): MessageParam[] {
  const messages: MessageParam[] = [];
  for (const content of contents) {
    const role = content.role === 'model' ? 'assistant' : 'user';
    const blocks = (content.parts ?? []).flatMap((part) =>
      role === 'assistant' ? assistantBlocks(part) : userBlocks(part, modelLabel),
    );
    if (blocks.length === 0) continue;
    const last = messages[messages.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({role, content: blocks});
  }
  for (const message of messages) {
    if (message.role === 'user') {
      message.content.sort((a, b) => rank(a) - rank(b));
    }
  }
  if (messages[0]?.role === 'assistant') {
    messages.unshift({role: 'user', content: [{type: 'text', text: '(conversation continued)'}]});
  }
  return messages;
}

/** Tool results first in a user turn, as the API requires; the rest keeps its order. */
function rank(block: BlockParam): number {
  return block.type === 'tool_result' ? 0 : 1;
}

function assistantBlocks(part: Part): BlockParam[] {
  if (part.thought) {
    // Only Anthropic's own signed thinking can go back; other models' reasoning is dropped.
    if (!part.thoughtSignature) return [];
    if (part.partMetadata?.[REDACTED_THINKING]) {
      return [{type: 'redacted_thinking', data: part.thoughtSignature}];
    }
    return [{type: 'thinking', thinking: part.text ?? '', signature: part.thoughtSignature}];
  }
  if (part.text) return [{type: 'text', text: part.text}];
  const code = codePartText(part);
  if (code !== undefined) return [{type: 'text', text: code}];
  if (part.functionCall) {
    return [
      {
        type: 'tool_use',
        id: part.functionCall.id ?? `toolu_${part.functionCall.name}`,
        name: part.functionCall.name ?? '',
        input: part.functionCall.args ?? {},
      },
    ];
  }
  // Images and files cannot be in an assistant turn.
  return [];
}

function userBlocks(part: Part, modelLabel: string): BlockParam[] {
  if (part.thought) return [];
  if (part.functionResponse) {
    return [
      {
        type: 'tool_result',
        tool_use_id: part.functionResponse.id ?? `toolu_${part.functionResponse.name}`,
        content: functionResponseText(part.functionResponse.response),
      },
    ];
  }
  if (part.text) return [{type: 'text', text: part.text}];
  const code = codePartText(part);
  if (code !== undefined) return [{type: 'text', text: code}];
  if (part.inlineData || part.fileData) return [attachment(part, modelLabel)];
  return [];
}

const TAKES = 'JPEG, PNG, GIF or WebP images, PDF and text files';
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

function attachment(part: Part, modelLabel: string): BlockParam {
  if (part.fileData) {
    const {mimeType = '', fileUri = ''} = part.fileData;
    if (/^https?:\/\//.test(fileUri)) {
      if (IMAGE_TYPES.includes(mimeType))
        return {type: 'image', source: {type: 'url', url: fileUri}};
      if (mimeType === 'application/pdf')
        return {type: 'document', source: {type: 'url', url: fileUri}};
    }
    throw unsupportedAttachment(modelLabel, `${mimeType} (a file link)`, TAKES);
  }
  const {mimeType = '', data = '', displayName} = part.inlineData ?? {};
  if (IMAGE_TYPES.includes(mimeType)) {
    return {type: 'image', source: {type: 'base64', media_type: mimeType, data}};
  }
  const title = displayName ? {title: displayName} : {};
  if (mimeType === 'application/pdf') {
    return {
      type: 'document',
      source: {type: 'base64', media_type: 'application/pdf', data},
      ...title,
    };
  }
  if (mimeType.startsWith('text/') || mimeType === 'application/json') {
    const text = Buffer.from(data, 'base64').toString('utf8');
    return {
      type: 'document',
      source: {type: 'text', media_type: 'text/plain', data: text},
      ...title,
    };
  }
  throw unsupportedAttachment(modelLabel, mimeType, TAKES);
}

function toolChoice(
  config: GenerateContentConfig,
  thinking: boolean,
): MessagesRequest['tool_choice'] | undefined {
  const calling = config.toolConfig?.functionCallingConfig;
  switch (calling?.mode) {
    case FunctionCallingConfigMode.AUTO:
      return {type: 'auto'};
    case FunctionCallingConfigMode.NONE:
      return {type: 'none'};
    case FunctionCallingConfigMode.ANY:
      // Thinking allows only auto and none.
      if (thinking) return {type: 'auto'};
      return calling.allowedFunctionNames?.length === 1
        ? {type: 'tool', name: calling.allowedFunctionNames[0]}
        : {type: 'any'};
    default:
      return undefined;
  }
}

/** Anthropic's `stop_reason` in ADK's terms. */
function finishReasonOf(reason: string | null | undefined): FinishReason | undefined {
  switch (reason) {
    case null:
    case undefined:
      return undefined;
    case 'end_turn':
    case 'stop_sequence':
    case 'tool_use':
      return FinishReason.STOP;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return FinishReason.MAX_TOKENS;
    case 'refusal':
      return FinishReason.SAFETY;
    default:
      // pause_turn (a server tool's long turn, to be sent again) and reasons added later.
      return FinishReason.OTHER;
  }
}

function finishMessageOf(reason: string | null | undefined): string | undefined {
  const why: Record<string, string> = {
    max_tokens: 'the reply reached max_tokens',
    model_context_window_exceeded: "the reply reached the model's context window",
    refusal: 'the model declined to answer',
    pause_turn: 'the API paused a long-running turn',
  };
  if (!reason || ['end_turn', 'stop_sequence', 'tool_use'].includes(reason)) return undefined;
  return `stop_reason "${reason}"${why[reason] ? `: ${why[reason]}` : ''}`;
}

/** Anthropic's usage in Gemini's terms: the prompt counts cache reads and writes too. */
function usageOf(usage: AnthropicUsage | undefined) {
  if (!usage) return undefined;
  const read = usage.cache_read_input_tokens ?? 0;
  return usageMetadata({
    prompt: (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + read,
    output: usage.output_tokens ?? 0,
    cached: read,
  });
}

/** A response block as a part; `undefined` for blocks the adapter does not map (server tools). */
function partOf(block: Block): {part?: Part; error?: string} {
  switch (block.type) {
    case 'text': {
      const {text} = block as {text: string};
      return text ? {part: {text}} : {};
    }
    case 'thinking': {
      const {thinking, signature} = block as {thinking: string; signature: string};
      return {part: {text: thinking, thought: true, thoughtSignature: signature}};
    }
    case 'redacted_thinking': {
      const {data} = block as {data: string};
      return {
        part: {
          text: '',
          thought: true,
          thoughtSignature: data,
          partMetadata: {[REDACTED_THINKING]: true},
        },
      };
    }
    case 'tool_use': {
      const {id, name, input} = block as {id: string; name: string; input: unknown};
      return {part: {functionCall: {id, name, args: (input ?? {}) as Record<string, unknown>}}};
    }
    default:
      return {};
  }
}

function replyFrom(
  blocks: Block[],
  stopReason: string | null | undefined,
  usage: AnthropicUsage | undefined,
  model: string | undefined,
  error?: string,
): FinishedReply {
  const parts = blocks.flatMap((b) => partOf(b).part ?? []);
  return {
    parts,
    error: error ? {code: FinishReason.MALFORMED_FUNCTION_CALL, message: error} : undefined,
    finishReason: finishReasonOf(stopReason),
    finishMessage: finishMessageOf(stopReason),
    usage: usageOf(usage),
    modelVersion: model,
  };
}

function replyOf(message: Message): FinishedReply {
  return replyFrom(message.content ?? [], message.stop_reason, message.usage, message.model);
}

/** Collects a streamed reply block by block (by `index`), as the events build it. */
class StreamedReply implements StreamAccumulator<StreamEvent> {
  private readonly blocks = new Map<number, Block & {json?: string}>();
  private stopReason: string | null | undefined;
  private usage: AnthropicUsage = {};
  private model: string | undefined;

  *add(event: StreamEvent): Generator<LlmResponse> {
    switch (event.type) {
      case 'message_start':
        this.model = event.message.model;
        this.mergeUsage(event.message.usage);
        return;
      case 'content_block_start': {
        const block = {...event.content_block} as Block & {json?: string};
        this.blocks.set(event.index, block);
        if (block.type === 'text' && (block as {text: string}).text) {
          yield partialResponse((block as {text: string}).text, false);
        }
        return;
      }
      case 'content_block_delta': {
        const block = this.blocks.get(event.index) as Record<string, string> | undefined;
        if (!block) return;
        const delta = event.delta as Record<string, string>;
        if (delta.type === 'text_delta') {
          block.text = (block.text ?? '') + delta.text;
          if (delta.text) yield partialResponse(delta.text, false);
        } else if (delta.type === 'thinking_delta') {
          block.thinking = (block.thinking ?? '') + delta.thinking;
          if (delta.thinking) yield partialResponse(delta.thinking, true);
        } else if (delta.type === 'signature_delta') {
          block.signature = (block.signature ?? '') + delta.signature;
        } else if (delta.type === 'input_json_delta') {
          block.json = (block.json ?? '') + delta.partial_json;
        }
        return;
      }
      case 'message_delta':
        if (event.delta?.stop_reason !== undefined) this.stopReason = event.delta.stop_reason;
        this.mergeUsage(event.usage);
        return;
      default:
        // content_block_stop, message_stop, ping and event types added later.
        return;
    }
  }

  /** `message_delta` usage is cumulative; null fields keep what `message_start` said. */
  private mergeUsage(usage: AnthropicUsage | undefined) {
    for (const [key, value] of Object.entries(usage ?? {})) {
      if (typeof value === 'number') (this.usage as Record<string, number>)[key] = value;
    }
  }

  finish(): FinishedReply {
    const ordered = [...this.blocks.entries()].sort(([a], [b]) => a - b).map(([, b]) => b);
    let error: string | undefined;
    const blocks = ordered.map((block): Block => {
      if (block.type !== 'tool_use' || block.json === undefined) return block;
      const parsed = parseArguments(block.json);
      const {name} = block as {name: string};
      if ('error' in parsed) {
        error ??= `the call of ${name}: ${parsed.error}: ${block.json.slice(0, 500)}`;
        return block;
      }
      return {...block, input: parsed.args} as Block;
    });
    return replyFrom(blocks, this.stopReason, this.usage, this.model, error);
  }
}

LLMRegistry.register(AnthropicLlm);
