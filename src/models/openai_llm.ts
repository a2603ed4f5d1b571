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
  type Schema,
} from '@google/genai';
import type OpenAI from 'openai';

import {toModelError, type Endpoint} from './model_errors.js';
import {requireOptionalPackage} from './optional_package.js';
import {
  apiModelName,
  codePartText,
  effectiveConfig,
  functionResponseText,
  functionSpecs,
  systemInstructionText,
  toJsonSchema,
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

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ChatRequest = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type UserContentPart = OpenAI.Chat.Completions.ChatCompletionContentPart;
type ToolCallParam = OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
type Usage = OpenAI.Completions.CompletionUsage & {prompt_cache_hit_tokens?: number};
/** Reasoning text as compatible servers send it: DeepSeek, vLLM and llama.cpp name it `reasoning_content`, OpenRouter and Ollama `reasoning`. */
type WithReasoning = {reasoning_content?: unknown; reasoning?: unknown};

/** Options of {@link OpenAILlm}. */
export interface OpenAILlmOptions {
  /** `openai/<model>` (the prefix is dropped before the call) or the API's model id. */
  model: string;
  /** Default `OPENAI_API_KEY`. Needed for OpenAI itself; a server elsewhere may need none. */
  apiKey?: string;
  /** Default `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseUrl?: string;
  /** Headers sent with every request (gateways' own auth, `OpenAI-Organization`, ...). */
  headers?: Record<string, string>;
  /** Generation settings for every request; a request's own settings win. */
  generationConfig?: GenerationDefaults;
  /**
   * Whether the model is a reasoning model, which refuses `temperature`, `top_p`, penalties and
   * `stop` and takes `reasoning_effort`. Default: guessed from the name (o1, o3, o4, gpt-5
   * families, not `gpt-5-chat`).
   */
  reasoningModel?: boolean;
  /**
   * The body field for the output limit. Default `max_completion_tokens` on OpenAI's own API
   * and for reasoning models, `max_tokens` (what compatible servers read) elsewhere.
   */
  maxTokensParameter?: 'max_completion_tokens' | 'max_tokens';
  /** Fields added to every request body, for a server's own parameters (`top_k`, ...). */
  extraBody?: Record<string, unknown>;
  /** Time one HTTP request may take. Default 10 minutes (the SDK's). */
  timeoutMs?: number;
}

/** What differs between the Chat Completions servers this file speaks to. */
interface Flavour {
  prefix: string;
  provider: string;
  baseUrlVariable: string;
  defaultBaseUrl: string;
  /** Whether PDFs and audio may be sent (OpenAI); Ollama takes only images. */
  takesFiles: boolean;
  /** Whether reasoning models are recognised by name (OpenAI's o-series and gpt-5). */
  openAiModelNames: boolean;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

const OPENAI_FLAVOUR: Flavour = {
  prefix: 'openai/',
  provider: 'OpenAI-compatible',
  baseUrlVariable: 'OPENAI_BASE_URL',
  defaultBaseUrl: OPENAI_BASE_URL,
  takesFiles: true,
  openAiModelNames: true,
};

/**
 * An ADK model on the OpenAI Chat Completions API (`POST {baseUrl}/chat/completions`), through
 * the official `openai` SDK (an optional peer dependency, loaded when the first model is built).
 * Registered for `openai/<model>`; with `OPENAI_BASE_URL` it reaches any compatible server: vLLM,
 * llama.cpp's server, LM Studio, OpenRouter, Groq, Together, DeepSeek, Azure-style gateways.
 *
 * The SDK's own retries are off: the agent owns retries. Failures throw a `ModelApiError`
 * (status, headers, the API's message) or a `ModelConnectionError` (the address and the
 * variable that sets it).
 */
export class OpenAILlm extends BaseLlm {
  /** The names ADK's `LLMRegistry` resolves to this class. */
  static override readonly supportedModels: Array<string | RegExp> = [/openai\/.+/];

  /** The model id sent to the API (`gpt-4o` for `openai/gpt-4o`). */
  readonly apiModel: string;
  /** The base URL requests go to. */
  readonly baseUrl: string;
  private readonly client: OpenAI;
  private readonly sdk: typeof import('openai');
  private readonly flavour: Flavour;
  private readonly options: OpenAILlmOptions;
  private readonly reasoningModel: boolean;

  /**
   * @param options The model and its endpoint; `{model}` alone reads the environment.
   * @param flavour Internal: the server family (subclasses pass theirs).
   * @throws When no API key is set for OpenAI's own API, or the `openai` package is missing.
   */
  constructor(options: OpenAILlmOptions, flavour: Flavour = OPENAI_FLAVOUR) {
    super({model: options.model});
    this.flavour = flavour;
    this.options = options;
    this.apiModel = apiModelName(options.model, flavour.prefix);
    this.baseUrl = (
      options.baseUrl ??
      (flavour === OPENAI_FLAVOUR ? process.env.OPENAI_BASE_URL : undefined) ??
      flavour.defaultBaseUrl
    ).replace(/\/+$/, '');
    const apiKey =
      options.apiKey ?? (flavour === OPENAI_FLAVOUR ? process.env.OPENAI_API_KEY : undefined);
    if (!apiKey && flavour === OPENAI_FLAVOUR && this.baseUrl === OPENAI_BASE_URL) {
      throw new Error(
        `${options.model}: no API key: set OPENAI_API_KEY (or pass apiKey), or set OPENAI_BASE_URL to a server that needs none`,
      );
    }
    const shortName = this.apiModel.split('/').pop() ?? this.apiModel;
    this.reasoningModel =
      options.reasoningModel ??
      (flavour.openAiModelNames &&
        (/^o\d+(-|$)/.test(shortName) || (/^gpt-5/.test(shortName) && !/-chat/.test(shortName))));
    this.sdk = requireOptionalPackage<typeof import('openai')>('openai', options.model);
    this.client = new this.sdk.OpenAI({
      // The SDK insists on a key; a server that needs none gets no Authorization header at all.
      apiKey: apiKey || 'unused',
      baseURL: this.baseUrl,
      maxRetries: 0,
      timeout: options.timeoutMs,
      defaultHeaders: {...options.headers, ...(apiKey ? {} : {Authorization: null})},
    });
  }

  /** Where calls go, for error messages. */
  private get endpoint(): Endpoint {
    return {
      provider: this.flavour.provider,
      baseUrl: this.baseUrl,
      baseUrlVariable: this.flavour.baseUrlVariable,
    };
  }

  /**
   * Sends the request to `/chat/completions`; streaming yields a partial response per text delta
   * and then the aggregated reply, as ADK's Gemini class does.
   */
  override async *generateContentAsync(
    llmRequest: LlmRequest,
    stream = false,
    abortSignal?: AbortSignal,
  ): AsyncGenerator<LlmResponse, void> {
    this.maybeAppendUserContent(llmRequest);
    const body = this.requestBody(llmRequest);
    const completions = this.client.chat.completions;
    yield* modelResponses({
      stream,
      abortSignal,
      complete: async () => replyOf(await completions.create(body, {signal: abortSignal})),
      open: () =>
        completions.create(
          {...body, stream: true, stream_options: {include_usage: true}},
          {signal: abortSignal},
        ),
      accumulator: new StreamedReply(),
      toError: (error) => toModelError(error, this.sdk, this.endpoint),
    });
  }

  /** Live (bidirectional) connections are a Gemini Live API feature. */
  override async connect(): Promise<BaseLlmConnection> {
    throw new Error(`${this.model}: live (bidirectional) connections are not supported`);
  }

  /** The Chat Completions request body for an ADK request. */
  requestBody(llmRequest: LlmRequest): ChatRequest {
    const config = effectiveConfig(llmRequest, this.options.generationConfig);
    const body: ChatRequest = {
      model: this.apiModel,
      messages: this.messages(llmRequest.contents, config),
    };
    const tools = functionSpecs(config, this.model);
    if (tools.length > 0) {
      body.tools = tools.map((f) => ({type: 'function', function: f}));
      const choice = toolChoice(config);
      if (choice) body.tool_choice = choice;
    }
    if (!this.reasoningModel) {
      // Reasoning models refuse these (400 "Unsupported parameter").
      if (config.temperature !== undefined) body.temperature = config.temperature;
      if (config.topP !== undefined) body.top_p = config.topP;
      if (config.presencePenalty !== undefined) body.presence_penalty = config.presencePenalty;
      if (config.frequencyPenalty !== undefined) body.frequency_penalty = config.frequencyPenalty;
      if (config.stopSequences?.length) body.stop = config.stopSequences;
    }
    if (config.seed !== undefined) body.seed = config.seed;
    if (config.maxOutputTokens !== undefined) {
      const field =
        this.options.maxTokensParameter ??
        (this.baseUrl === OPENAI_BASE_URL || this.reasoningModel
          ? 'max_completion_tokens'
          : 'max_tokens');
      body[field] = config.maxOutputTokens;
    }
    const level = config.thinkingConfig?.thinkingLevel;
    if (
      level &&
      level !== 'THINKING_LEVEL_UNSPECIFIED' &&
      (this.reasoningModel || !this.flavour.openAiModelNames)
    ) {
      body.reasoning_effort = level.toLowerCase() as OpenAI.ReasoningEffort;
    }
    const format = responseFormat(config);
    if (format) body.response_format = format;
    return {...body, ...this.options.extraBody};
  }

  private messages(contents: Content[], config: GenerateContentConfig): ChatMessage[] {
    const messages: ChatMessage[] = [];
    const system = systemInstructionText(config.systemInstruction);
    if (system) messages.push({role: 'system', content: system});
    for (const content of contents) {
      const parts = content.parts ?? [];
      if (content.role === 'model') {
        const message = assistantMessage(parts);
        if (message) messages.push(message);
      } else {
        messages.push(...this.userMessages(parts));
      }
    }
    return messages;
  }

  /** Tool results first (they must follow the assistant's tool calls), then the user's parts. */
  private userMessages(parts: Part[]): ChatMessage[] {
    const tools: ChatMessage[] = [];
    const content: UserContentPart[] = [];
    for (const part of parts) {
      if (part.thought) continue;
      const code = codePartText(part);
      if (part.functionResponse) {
        tools.push({
          role: 'tool',
          tool_call_id: part.functionResponse.id ?? `call_${part.functionResponse.name}`,
          content: functionResponseText(part.functionResponse.response),
        });
      } else if (part.text) {
        content.push({type: 'text', text: part.text});
      } else if (code !== undefined) {
        content.push({type: 'text', text: code});
      } else if (part.inlineData || part.fileData) {
        content.push(this.attachment(part));
      }
    }
    if (content.length === 0) return tools;
    const onlyText = content.every((c) => c.type === 'text');
    const user: ChatMessage = {
      role: 'user',
      content: onlyText ? content.map((c) => (c as {text: string}).text).join('\n\n') : content,
    };
    return [...tools, user];
  }

  /** An inline or linked file of a user turn as a content part this API takes. */
  private attachment(part: Part): UserContentPart {
    const takes = this.flavour.takesFiles
      ? 'images, PDF, WAV/MP3 audio and text files'
      : 'PNG, JPEG or WebP images and text files';
    if (part.fileData) {
      const {mimeType, fileUri} = part.fileData;
      if (mimeType?.startsWith('image/') && fileUri && /^https?:\/\//.test(fileUri)) {
        return {type: 'image_url', image_url: {url: fileUri}};
      }
      throw unsupportedAttachment(this.model, `${mimeType} (a file link)`, takes);
    }
    const {mimeType = '', data = ''} = part.inlineData ?? {};
    const imageTypes = this.flavour.takesFiles
      ? ['image/png', 'image/jpeg', 'image/gif', 'image/webp']
      : ['image/png', 'image/jpeg', 'image/webp'];
    if (imageTypes.includes(mimeType)) {
      return {type: 'image_url', image_url: {url: `data:${mimeType};base64,${data}`}};
    }
    if (mimeType.startsWith('text/') || mimeType === 'application/json') {
      return {type: 'text', text: Buffer.from(data, 'base64').toString('utf8')};
    }
    if (this.flavour.takesFiles && mimeType === 'application/pdf') {
      return {
        type: 'file',
        file: {
          file_data: `data:application/pdf;base64,${data}`,
          filename: part.inlineData?.displayName ?? 'document.pdf',
        },
      };
    }
    const audio = {
      'audio/wav': 'wav',
      'audio/x-wav': 'wav',
      'audio/mpeg': 'mp3',
      'audio/mp3': 'mp3',
    }[mimeType] as 'wav' | 'mp3' | undefined;
    if (this.flavour.takesFiles && audio) {
      return {type: 'input_audio', input_audio: {data, format: audio}};
    }
    throw unsupportedAttachment(this.model, mimeType, takes);
  }
}

/**
 * A model turn as an assistant message: its text and tool calls. Reasoning is not sent back
 * (Chat Completions has no field for it; DeepSeek rejects it), nor are images (assistant
 * messages carry text only). `undefined` when nothing is left.
 */
function assistantMessage(parts: Part[]): ChatMessage | undefined {
  const texts: string[] = [];
  const calls: ToolCallParam[] = [];
  for (const part of parts) {
    if (part.thought) continue;
    const code = codePartText(part);
    if (part.text) texts.push(part.text);
    else if (code !== undefined) texts.push(code);
    else if (part.functionCall) {
      calls.push({
        id: part.functionCall.id ?? `call_${part.functionCall.name}`,
        type: 'function',
        function: {
          name: part.functionCall.name ?? '',
          arguments: JSON.stringify(part.functionCall.args ?? {}),
        },
      });
    }
  }
  if (texts.length === 0 && calls.length === 0) return undefined;
  return {
    role: 'assistant',
    ...(texts.length > 0 ? {content: texts.join('\n\n')} : {}),
    ...(calls.length > 0 ? {tool_calls: calls} : {}),
  };
}

function toolChoice(
  config: GenerateContentConfig,
): OpenAI.Chat.Completions.ChatCompletionToolChoiceOption | undefined {
  const calling = config.toolConfig?.functionCallingConfig;
  switch (calling?.mode) {
    case FunctionCallingConfigMode.AUTO:
      return 'auto';
    case FunctionCallingConfigMode.NONE:
      return 'none';
    case FunctionCallingConfigMode.ANY:
      return calling.allowedFunctionNames?.length === 1
        ? {type: 'function', function: {name: calling.allowedFunctionNames[0]}}
        : 'required';
    default:
      return undefined;
  }
}

function responseFormat(config: GenerateContentConfig): ChatRequest['response_format'] {
  // responseSchema is ADK's Schema dialect (an LlmAgent's outputSchema); responseJsonSchema is
  // JSON Schema already.
  const schema =
    config.responseJsonSchema ??
    (config.responseSchema ? toJsonSchema(config.responseSchema as Schema) : undefined);
  if (schema) {
    return {
      type: 'json_schema',
      json_schema: {name: 'response', schema: schema as Record<string, unknown>},
    };
  }
  return config.responseMimeType === 'application/json' ? {type: 'json_object'} : undefined;
}

/** Chat Completions' `finish_reason` in ADK's terms. */
function finishReasonOf(reason: string | null | undefined): FinishReason | undefined {
  switch (reason) {
    case null:
    case undefined:
      return undefined;
    case 'stop':
    case 'tool_calls':
    case 'function_call':
      return FinishReason.STOP;
    case 'length':
      return FinishReason.MAX_TOKENS;
    case 'content_filter':
      return FinishReason.SAFETY;
    default:
      return FinishReason.OTHER;
  }
}

function finishMessageOf(reason: string | null | undefined): string | undefined {
  if (!reason || reason === 'stop' || reason === 'tool_calls') return undefined;
  const why: Record<string, string> = {
    length: 'the reply reached the output token limit',
    content_filter: "the provider's content filter stopped the reply",
  };
  return `finish_reason "${reason}"${why[reason] ? `: ${why[reason]}` : ''}`;
}

/** OpenAI's usage in Gemini's split: reasoning tokens apart from the other output tokens. */
function usageOf(usage: Usage | null | undefined) {
  if (!usage) return undefined;
  const thoughts = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return usageMetadata({
    prompt: usage.prompt_tokens,
    output: usage.completion_tokens - thoughts,
    cached: usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens,
    thoughts,
  });
}

function reasoningText(message: WithReasoning): string {
  for (const value of [message.reasoning_content, message.reasoning]) {
    if (typeof value === 'string' && value !== '') return value;
  }
  return '';
}

/** A tool call's part, or the reason it cannot be one. */
function functionCallPart(
  id: string | undefined,
  name: string,
  json: string,
): {part: Part} | {error: string} {
  const parsed = parseArguments(json);
  if ('error' in parsed)
    return {error: `the call of ${name}: ${parsed.error}: ${json.slice(0, 500)}`};
  return {part: {functionCall: {...(id ? {id} : {}), name, args: parsed.args}}};
}

/** Parts in Gemini's order: reasoning, text, then tool calls. */
function replyParts(
  reasoning: string,
  text: string,
  calls: Array<{id?: string; name: string; arguments: string}>,
): {parts: Part[]; error?: {code: string; message: string}} {
  const parts: Part[] = [];
  if (reasoning) parts.push({text: reasoning, thought: true});
  if (text) parts.push({text});
  for (const call of calls) {
    const made = functionCallPart(call.id, call.name, call.arguments);
    if ('error' in made) {
      return {parts, error: {code: FinishReason.MALFORMED_FUNCTION_CALL, message: made.error}};
    }
    parts.push(made.part);
  }
  return {parts};
}

function replyOf(completion: OpenAI.Chat.Completions.ChatCompletion): FinishedReply {
  const choice = completion.choices?.[0];
  const message = (choice?.message ?? {}) as OpenAI.Chat.Completions.ChatCompletionMessage &
    WithReasoning;
  const calls = (message.tool_calls ?? []).flatMap((call) =>
    call.type === 'function'
      ? [{id: call.id, name: call.function.name, arguments: call.function.arguments}]
      : [],
  );
  const {parts, error} = replyParts(
    reasoningText(message),
    message.content ?? message.refusal ?? '',
    calls,
  );
  return {
    parts,
    error,
    finishReason: finishReasonOf(choice?.finish_reason),
    finishMessage: finishMessageOf(choice?.finish_reason),
    usage: usageOf(completion.usage as Usage | undefined),
    modelVersion: completion.model,
  };
}

/** Collects a streamed reply: text as it comes, tool calls by their `index`. */
class StreamedReply implements StreamAccumulator<OpenAI.Chat.Completions.ChatCompletionChunk> {
  private reasoning = '';
  private text = '';
  private readonly calls: Array<{id?: string; name: string; arguments: string}> = [];
  private readonly callAt = new Map<number, {id?: string; name: string; arguments: string}>();
  private finishReason: string | null | undefined;
  private usage: Usage | undefined;
  private model: string | undefined;

  *add(chunk: OpenAI.Chat.Completions.ChatCompletionChunk): Generator<LlmResponse> {
    this.model = chunk.model || this.model;
    if (chunk.usage) this.usage = chunk.usage as Usage;
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const delta = (choice.delta ?? {}) as OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta &
      WithReasoning;
    const reasoning = reasoningText(delta);
    if (reasoning) {
      this.reasoning += reasoning;
      yield partialResponse(reasoning, true);
    }
    const text = delta.content || delta.refusal;
    if (text) {
      this.text += text;
      yield partialResponse(text, false);
    }
    for (const call of delta.tool_calls ?? []) {
      const index = call.index ?? 0;
      let entry = this.callAt.get(index);
      // Some servers send each whole call at index 0; a new id is a new call.
      if (!entry || (call.id && entry.id && call.id !== entry.id)) {
        entry = {id: call.id, name: '', arguments: ''};
        this.callAt.set(index, entry);
        this.calls.push(entry);
      }
      entry.id ??= call.id;
      if (call.function?.name && !entry.name) entry.name = call.function.name;
      entry.arguments += call.function?.arguments ?? '';
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  finish(): FinishedReply {
    const {parts, error} = replyParts(this.reasoning, this.text, this.calls);
    return {
      parts,
      error,
      finishReason: finishReasonOf(this.finishReason),
      finishMessage: finishMessageOf(this.finishReason),
      usage: usageOf(this.usage),
      modelVersion: this.model,
    };
  }
}

/** Options of {@link OllamaLlm}: those of {@link OpenAILlm}; no key is needed. */
export type OllamaLlmOptions = OpenAILlmOptions;

const OLLAMA_FLAVOUR: Flavour = {
  prefix: 'ollama/',
  provider: 'Ollama',
  baseUrlVariable: 'OLLAMA_HOST',
  defaultBaseUrl: 'http://127.0.0.1:11434/v1',
  takesFiles: false,
  openAiModelNames: false,
};

/**
 * An ADK model served by Ollama, through its OpenAI-compatible endpoint (`{OLLAMA_HOST}/v1`,
 * default `http://127.0.0.1:11434/v1`), with the `openai` SDK. Registered for `ollama/<model>`
 * (`ollama/qwen2.5-coder:7b`). No key is needed; one given (`apiKey`) is sent as a bearer token,
 * for an Ollama behind a proxy. Ollama reads `max_tokens`, takes PNG, JPEG and WebP images, and
 * streams thinking models' reasoning as `reasoning`.
 */
export class OllamaLlm extends OpenAILlm {
  /** The names ADK's `LLMRegistry` resolves to this class. */
  static override readonly supportedModels: Array<string | RegExp> = [/ollama\/.+/];

  /**
   * @param options The model and its endpoint; `{model}` alone reads `OLLAMA_HOST`.
   * @throws When the `openai` package is missing or `OLLAMA_HOST` is not an address.
   */
  constructor(options: OllamaLlmOptions) {
    super(
      {
        maxTokensParameter: 'max_tokens',
        ...options,
        baseUrl: options.baseUrl ?? ollamaBaseUrl(process.env.OLLAMA_HOST),
      },
      OLLAMA_FLAVOUR,
    );
  }
}

/**
 * The OpenAI-compatible base URL of the Ollama at `host`, read as Ollama's own client reads
 * `OLLAMA_HOST`: scheme `http` by default, port 11434 without a scheme (80 or 443 with one), a
 * path kept, and an unspecified bind address (`0.0.0.0`, `::`) reached on loopback.
 */
export function ollamaBaseUrl(host: string | undefined): string {
  const value = (host ?? '').trim();
  if (value === '') return OLLAMA_FLAVOUR.defaultBaseUrl;
  const hasScheme = value.includes('://');
  const scheme = hasScheme ? value.slice(0, value.indexOf('://')) : 'http';
  if (scheme !== 'http' && scheme !== 'https') {
    throw new Error(`OLLAMA_HOST ${JSON.stringify(value)}: the scheme must be http or https`);
  }
  const defaultPort = !hasScheme ? '11434' : scheme === 'https' ? '443' : '80';
  let url: URL;
  try {
    url = new URL(hasScheme ? value : `http://${value}`);
  } catch {
    throw new Error(`OLLAMA_HOST ${JSON.stringify(value)} is not a host[:port] or URL`);
  }
  let hostname = url.hostname || '127.0.0.1';
  if (hostname === '0.0.0.0') hostname = '127.0.0.1';
  if (hostname === '[::]') hostname = '[::1]';
  const port = url.port || defaultPort;
  // A path is kept as a prefix (a proxy's); one that already ends in /v1 is not extended.
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${scheme}://${hostname}:${port}${path}/v1`;
}

LLMRegistry.register(OpenAILlm);
LLMRegistry.register(OllamaLlm);
