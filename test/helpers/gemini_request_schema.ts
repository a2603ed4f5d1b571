/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The request body of the Gemini Developer API's `models.generateContent` and
 * `models.streamGenerateContent` (v1beta), as a strict zod schema, so the loopback server in
 * `gemini_server.ts` rejects what the real API rejects.
 *
 * Written from the API's own definition, googleapis/googleapis
 * `google/ai/generativelanguage/v1beta/generative_service.proto` (`GenerateContentRequest`,
 * `GenerationConfig`, `ThinkingConfig`), `content.proto` (`Content`, `Part` with its `data`
 * oneof, `Tool`, `ToolConfig`, `FunctionDeclaration`) and `safety.proto` (`SafetySetting`),
 * plus the fields `@google/genai` 2.32 sends to this API that are newer than that proto
 * (`thinkingLevel`, `labels`, `serviceTier`, `Part.mediaResolution`).
 *
 * The API parses JSON into protobuf messages, so an unknown field is a 400 ("Invalid JSON payload
 * received. Unknown name ..."); a `Part` sets exactly one member of its `data` oneof ("required
 * oneof field 'data' must have one initialized field"); `contents[].parts` must not be empty
 * ("contents.parts must not be empty"). Turn order (first and last turn from the user) is checked
 * too: the API answers "Please ensure that multiturn requests ends with a user role or a function
 * response" and rejects roles other than user and model ("Please use a valid role: user, model").
 * One rule is stricter than the published messages: a part whose only data is an empty text (and
 * no `thoughtSignature`) is rejected, as Vertex AI rejects it ("Unable to submit request because
 * it has an empty text parameter") and the Developer API reports it as an uninitialized oneof.
 */

import {z} from 'zod';

/** The members of `Part`'s `data` oneof: a part sets exactly one. */
export const PART_DATA_KINDS = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
] as const;

/** Proto `bytes` in JSON: standard or URL-safe base64, padding optional. */
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64 (proto bytes)');
/** Proto `google.protobuf.Duration` in JSON: `"3.5s"`. */
const duration = z.string().regex(/^-?\d+(\.\d+)?s$/, 'must be a duration such as "1.5s"');
/** `google.protobuf.Struct`: a JSON object. */
const struct = z.record(z.string(), z.unknown());

const blob = z.strictObject({mimeType: z.string().min(1), data: base64});

const part = z
  .strictObject({
    text: z.string().optional(),
    inlineData: blob.optional(),
    fileData: z
      .strictObject({mimeType: z.string().optional(), fileUri: z.string().min(1)})
      .optional(),
    functionCall: z
      .strictObject({id: z.string().optional(), name: z.string().min(1), args: struct.optional()})
      .optional(),
    functionResponse: z
      .strictObject({
        id: z.string().optional(),
        name: z.string().min(1),
        response: struct,
        parts: z.array(z.strictObject({inlineData: blob})).optional(),
        willContinue: z.boolean().optional(),
        scheduling: z
          .enum(['SCHEDULING_UNSPECIFIED', 'SILENT', 'WHEN_IDLE', 'INTERRUPT'])
          .optional(),
      })
      .optional(),
    executableCode: z
      .strictObject({language: z.enum(['LANGUAGE_UNSPECIFIED', 'PYTHON']), code: z.string()})
      .optional(),
    codeExecutionResult: z
      .strictObject({
        outcome: z.enum([
          'OUTCOME_UNSPECIFIED',
          'OUTCOME_OK',
          'OUTCOME_FAILED',
          'OUTCOME_DEADLINE_EXCEEDED',
        ]),
        output: z.string().optional(),
      })
      .optional(),
    thought: z.boolean().optional(),
    thoughtSignature: base64.optional(),
    videoMetadata: z
      .strictObject({
        startOffset: duration.optional(),
        endOffset: duration.optional(),
        fps: z.number().positive().optional(),
      })
      .optional(),
    partMetadata: struct.optional(),
    mediaResolution: z.strictObject({level: z.string()}).optional(),
  })
  .superRefine((value, ctx) => {
    const kinds = PART_DATA_KINDS.filter((kind) => value[kind] !== undefined);
    if (kinds.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `oneof field 'data' is already set. Cannot set '${kinds[1]}' (also set: '${kinds[0]}')`,
      });
    } else if (kinds.length === 0 || (value.text === '' && value.thoughtSignature === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: "required oneof field 'data' must have one initialized field",
      });
    }
  });

const content = z.strictObject({
  role: z.enum(['user', 'model'], 'Please use a valid role: user, model.').optional(),
  parts: z.array(part).min(1, 'contents.parts must not be empty.'),
});

/** System instructions are text only (proto: "Currently, text only"). */
const systemInstruction = z.strictObject({
  role: z.string().optional(),
  parts: z
    .array(part)
    .min(1, 'system_instruction.parts must not be empty.')
    .refine(
      (parts) => parts.every((p) => typeof p.text === 'string'),
      'only text parts are allowed',
    ),
});

const harmCategory = z.enum([
  'HARM_CATEGORY_UNSPECIFIED',
  'HARM_CATEGORY_DEROGATORY',
  'HARM_CATEGORY_TOXICITY',
  'HARM_CATEGORY_VIOLENCE',
  'HARM_CATEGORY_SEXUAL',
  'HARM_CATEGORY_MEDICAL',
  'HARM_CATEGORY_DANGEROUS',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
]);

const safetySetting = z.strictObject({
  category: harmCategory,
  threshold: z.enum([
    'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
    'BLOCK_LOW_AND_ABOVE',
    'BLOCK_MEDIUM_AND_ABOVE',
    'BLOCK_ONLY_HIGH',
    'BLOCK_NONE',
    'OFF',
  ]),
});

const thinkingConfig = z.strictObject({
  includeThoughts: z.boolean().optional(),
  /** 0 turns thinking off, -1 lets the model decide; otherwise a token budget. */
  thinkingBudget: z.number().int().min(-1).optional(),
  thinkingLevel: z
    .enum(['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH'])
    .optional(),
});

const voiceConfig = z.strictObject({
  prebuiltVoiceConfig: z.strictObject({voiceName: z.string().optional()}).optional(),
});

const generationConfig = z.strictObject({
  candidateCount: z.number().int().min(1).optional(),
  stopSequences: z.array(z.string()).max(5).optional(),
  maxOutputTokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().min(1).optional(),
  seed: z.number().int().optional(),
  responseMimeType: z.string().optional(),
  responseSchema: struct.optional(),
  responseJsonSchema: z.unknown().optional(),
  presencePenalty: z.number().optional(),
  frequencyPenalty: z.number().optional(),
  responseLogprobs: z.boolean().optional(),
  logprobs: z.number().int().min(0).max(20).optional(),
  enableEnhancedCivicAnswers: z.boolean().optional(),
  responseModalities: z
    .array(z.enum(['MODALITY_UNSPECIFIED', 'TEXT', 'IMAGE', 'AUDIO']))
    .optional(),
  speechConfig: z
    .strictObject({
      voiceConfig: voiceConfig.optional(),
      multiSpeakerVoiceConfig: struct.optional(),
      languageCode: z.string().optional(),
    })
    .optional(),
  thinkingConfig: thinkingConfig.optional(),
  imageConfig: struct.optional(),
  mediaResolution: z
    .enum([
      'MEDIA_RESOLUTION_UNSPECIFIED',
      'MEDIA_RESOLUTION_LOW',
      'MEDIA_RESOLUTION_MEDIUM',
      'MEDIA_RESOLUTION_HIGH',
    ])
    .optional(),
});

/** Function names: a letter or underscore first, then letters, digits, `_ . : -`; at most 64. */
const functionName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/, 'invalid function name');

const functionDeclaration = z.strictObject({
  name: functionName,
  description: z.string().optional(),
  parameters: struct.optional(),
  parametersJsonSchema: z.unknown().optional(),
  response: struct.optional(),
  responseJsonSchema: z.unknown().optional(),
  behavior: z.enum(['UNSPECIFIED', 'BLOCKING', 'NON_BLOCKING']).optional(),
});

const tool = z.strictObject({
  functionDeclarations: z.array(functionDeclaration).optional(),
  googleSearchRetrieval: struct.optional(),
  codeExecution: z.strictObject({}).optional(),
  googleSearch: struct.optional(),
  computerUse: struct.optional(),
  urlContext: z.strictObject({}).optional(),
  fileSearch: struct.optional(),
  googleMaps: struct.optional(),
});

const toolConfig = z.strictObject({
  functionCallingConfig: z
    .strictObject({
      mode: z.enum(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']).optional(),
      allowedFunctionNames: z.array(z.string()).optional(),
    })
    .optional(),
  retrievalConfig: struct.optional(),
});

/** A `GenerateContentRequest` body (the model is in the URL). */
export const generateContentRequestSchema = z
  .strictObject({
    contents: z.array(content).min(1, 'contents is not specified'),
    systemInstruction: systemInstruction.optional(),
    tools: z.array(tool).optional(),
    toolConfig: toolConfig.optional(),
    safetySettings: z.array(safetySetting).optional(),
    generationConfig: generationConfig.optional(),
    cachedContent: z
      .string()
      .regex(/^cachedContents\/.+/, 'must name cachedContents/{id}')
      .optional(),
    labels: z.record(z.string(), z.string()).optional(),
    serviceTier: z.string().optional(),
  })
  .superRefine((request, ctx) => {
    const roles = request.contents.map((c) => c.role ?? 'user');
    if (roles[0] !== 'user') {
      ctx.addIssue({
        code: 'custom',
        path: ['contents', 0, 'role'],
        message: 'Please ensure that multiturn requests start with a user turn.',
      });
    }
    if (roles[roles.length - 1] !== 'user') {
      ctx.addIssue({
        code: 'custom',
        path: ['contents', roles.length - 1, 'role'],
        message:
          'Please ensure that multiturn requests ends with a user role or a function response.',
      });
    }
  });

/** A request body the schema accepted. */
export type GenerateContentRequestBody = z.infer<typeof generateContentRequestSchema>;

/** One reason the API would reject a request: the field, and the API-style description. */
export interface FieldViolation {
  /** Path in the API's style: `contents[1].parts[0].inline_data`. */
  field: string;
  description: string;
}

/** Validates a request body; returns the violations (none when the API would accept it). */
export function requestViolations(body: unknown): FieldViolation[] {
  const parsed = generateContentRequestSchema.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const at = apiPath(issue.path);
      return issue.keys.map((key) => ({
        field: at ? `${at}.${snakeCase(key)}` : snakeCase(key),
        description: `Invalid JSON payload received. Unknown name "${key}" at '${at || 'request'}': Cannot find field.`,
      }));
    }
    const field = apiPath(issue.path);
    return [{field, description: `* GenerateContentRequest.${field}: ${issue.message}`}];
  });
}

/** `['contents', 1, 'parts']` → `contents[1].parts` (snake_case, as the API names fields). */
function apiPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${snakeCase(String(key))}`))
    .join('')
    .replace(/^\./, '');
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
