/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// What the OpenAI and Anthropic adapters read from an ADK request in the same way: the system
// instruction's text, the function declarations as JSON Schema, and the parts neither API has
// (code and its result) as text.

import type {LlmRequest} from '@google/adk';
import type {
  Content,
  ContentUnion,
  FunctionDeclaration,
  GenerateContentConfig,
  Part,
  Schema,
} from '@google/genai';

/** A JSON Schema object, as both APIs take it for tool parameters. */
export type JsonSchema = Record<string, unknown>;

/** One function the model may call, in the shape both APIs share. */
export interface FunctionSpec {
  name: string;
  description: string;
  parameters: JsonSchema;
}

/** Generation settings an adapter's constructor may set for every request. */
export type GenerationDefaults = Pick<
  GenerateContentConfig,
  | 'temperature'
  | 'topP'
  | 'topK'
  | 'maxOutputTokens'
  | 'stopSequences'
  | 'presencePenalty'
  | 'frequencyPenalty'
  | 'seed'
  | 'thinkingConfig'
>;

/** The model id the API knows: `openai/gpt-4o` → `gpt-4o` (only the adapter's own prefix goes). */
export function apiModelName(model: string, prefix: string): string {
  return model.startsWith(prefix) ? model.slice(prefix.length) : model;
}

/** The request's settings over the adapter's defaults. */
export function effectiveConfig(
  request: LlmRequest,
  defaults: GenerationDefaults | undefined,
): GenerateContentConfig {
  const config: GenerateContentConfig = {...defaults};
  for (const [key, value] of Object.entries(request.config ?? {})) {
    if (value !== undefined) (config as Record<string, unknown>)[key] = value;
  }
  return config;
}

/** The system instruction as text (ADK passes a string; a Content or parts are joined). */
export function systemInstructionText(instruction: ContentUnion | undefined): string {
  if (instruction === undefined || instruction === null) return '';
  if (typeof instruction === 'string') return instruction;
  const parts: unknown[] = Array.isArray(instruction)
    ? instruction
    : 'parts' in instruction
      ? ((instruction as Content).parts ?? [])
      : [instruction];
  return parts
    .map((p) => (typeof p === 'string' ? p : ((p as Part).text ?? '')))
    .filter((t) => t !== '')
    .join('\n\n');
}

/**
 * The function declarations of the request's tools. Tools the Gemini API runs itself (Google
 * Search, code execution, URL context, ...) have no equivalent here: they fail clearly rather
 * than vanish.
 */
export function functionSpecs(config: GenerateContentConfig, modelLabel: string): FunctionSpec[] {
  const specs: FunctionSpec[] = [];
  for (const tool of config.tools ?? []) {
    const {functionDeclarations, ...others} = tool as {
      functionDeclarations?: FunctionDeclaration[];
    };
    const unsupported = Object.entries(others)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    if (unsupported.length > 0) {
      throw new Error(
        `${modelLabel}: the tool ${unsupported.join(', ')} is built into Gemini and has no equivalent on this API; use function tools`,
      );
    }
    for (const declaration of functionDeclarations ?? []) {
      if (!declaration.name) throw new Error(`${modelLabel}: a function declaration has no name`);
      specs.push({
        name: declaration.name,
        description: declaration.description ?? '',
        parameters: parametersSchema(declaration),
      });
    }
  }
  return specs;
}

function parametersSchema(declaration: FunctionDeclaration): JsonSchema {
  if (declaration.parametersJsonSchema && typeof declaration.parametersJsonSchema === 'object') {
    return declaration.parametersJsonSchema as JsonSchema;
  }
  if (declaration.parameters) return toJsonSchema(declaration.parameters);
  return {type: 'object', properties: {}};
}

/** The Gemini `Schema` dialect (upper-case types, `nullable`, counts as strings) as JSON Schema. */
export function toJsonSchema(schema: Schema): JsonSchema {
  const out: JsonSchema = {};
  const type = schema.type && schema.type !== 'TYPE_UNSPECIFIED' ? schema.type.toLowerCase() : '';
  if (type) out.type = schema.nullable ? [type, 'null'] : type;
  if (schema.description) out.description = schema.description;
  if (schema.title) out.title = schema.title;
  if (schema.enum) out.enum = schema.enum;
  if (schema.format) out.format = schema.format;
  if (schema.pattern) out.pattern = schema.pattern;
  if (schema.default !== undefined) out.default = schema.default;
  for (const key of ['minimum', 'maximum'] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  for (const key of [
    'minItems',
    'maxItems',
    'minLength',
    'maxLength',
    'minProperties',
    'maxProperties',
  ] as const) {
    if (schema[key] !== undefined) out[key] = Number(schema[key]);
  }
  if (schema.items) out.items = toJsonSchema(schema.items);
  if (schema.anyOf) out.anyOf = schema.anyOf.map(toJsonSchema);
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, toJsonSchema(v)]),
    );
    if (!out.type) out.type = 'object';
  }
  if (schema.required?.length) out.required = schema.required;
  if (out.type === 'object' && !out.properties) out.properties = {};
  return out;
}

/**
 * A part neither API has a block for, as the text a model reads: code the CodingAgent ran and
 * its result (in the history a parent agent sends), or `undefined` for other parts.
 */
export function codePartText(part: Part): string | undefined {
  if (part.executableCode) {
    const language = (part.executableCode.language ?? 'python').toLowerCase();
    return `\`\`\`${language === 'language_unspecified' ? '' : language}\n${part.executableCode.code ?? ''}\n\`\`\``;
  }
  if (part.codeExecutionResult) {
    return `Code execution result (${part.codeExecutionResult.outcome ?? 'OUTCOME_UNSPECIFIED'}):\n${part.codeExecutionResult.output ?? ''}`;
  }
  return undefined;
}

/** A function response's payload as the text a tool message carries. */
export function functionResponseText(response: Record<string, unknown> | undefined): string {
  return JSON.stringify(response ?? {});
}

/** Names the MIME type and where it came from, for attachments an API cannot take. */
export function unsupportedAttachment(
  modelLabel: string,
  mimeType: string | undefined,
  takes: string,
): Error {
  return new Error(
    `${modelLabel}: a user message has an attachment of type ${mimeType ?? 'unknown'}, which this API cannot take (it takes ${takes})`,
  );
}
