/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The wire protocol between the host and a kernel (newline-delimited JSON). Messages from the
 * kernel are untrusted: the kernel runs model-written code, which can write anything to the
 * kernel's protocol descriptor. {@link parseKernelMessage} never throws and returns only
 * schema-checked data.
 */

import {z} from 'zod';

/** Default cap on one kernel→host line, in bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A path relative to the output folder that cannot climb out of it. */
const relativeFileName = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (name) =>
      !name.startsWith('/') &&
      !name.includes('\\') &&
      !name.includes('\0') &&
      name.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
    {message: 'file name must be a plain relative path'},
  );

/** `ready`: the kernel started and is waiting for `execute` messages. */
export const readyMessageSchema = z.object({
  type: z.literal('ready'),
  /** Python version, e.g. `3.11.2`. */
  python: z.string().max(100),
  /** Known packages found installed (module name → version, or null when unknown). */
  packages: z.record(z.string().max(200), z.string().max(200).nullable()),
  /** Output folder as the kernel sees it (files written there come back in results). */
  outputDir: z.string().max(4096).optional(),
});

/** `tool_call`: a snippet calls a host-side tool and blocks until the `tool_result`. */
export const toolCallMessageSchema = z.object({
  type: z.literal('tool_call'),
  /** Execution id the call belongs to. */
  id: z.string().max(1000),
  callId: z.string().min(1).max(1000),
  name: z.string().min(1).max(1000),
  args: z.record(z.string(), z.unknown()),
});

/** An exception raised by a snippet. */
export const kernelErrorSchema = z.object({
  type: z.string().max(1000),
  message: z.string(),
  traceback: z.string(),
});

/** `result`: the end of one execution. */
export const resultMessageSchema = z.object({
  type: z.literal('result'),
  id: z.string().max(1000),
  stdout: z.string(),
  stderr: z.string(),
  value: z.string().nullable().optional(),
  error: kernelErrorSchema.nullable().optional(),
  finalAnswer: z.object({value: z.unknown()}).optional(),
  figures: z
    .array(z.object({mimeType: z.string().max(200), data: z.string().regex(BASE64)}))
    .default([]),
  files: z
    .array(
      z.object({
        name: relativeFileName,
        mimeType: z.string().max(200),
        data: z.string().regex(BASE64),
      }),
    )
    .default([]),
});

/** Any message a kernel may send. */
export const kernelMessageSchema = z.discriminatedUnion('type', [
  readyMessageSchema,
  toolCallMessageSchema,
  resultMessageSchema,
]);

/** See {@link readyMessageSchema}. */
export type ReadyMessage = z.infer<typeof readyMessageSchema>;
/** See {@link toolCallMessageSchema}. */
export type ToolCallMessage = z.infer<typeof toolCallMessageSchema>;
/** See {@link resultMessageSchema}. */
export type ResultMessage = z.infer<typeof resultMessageSchema>;
/** See {@link kernelMessageSchema}. */
export type KernelMessage = z.infer<typeof kernelMessageSchema>;

/** Host → kernel: run a snippet. */
export interface ExecuteMessage {
  type: 'execute';
  id: string;
  code: string;
  timeoutMs?: number;
}

/** Host → kernel: the answer to a `tool_call`. */
export type ToolResultMessage =
  | {type: 'tool_result'; callId: string; ok: true; value: unknown}
  | {
      type: 'tool_result';
      callId: string;
      ok: false;
      error: {type: 'TypeError' | 'ToolError'; message: string};
    };

/** Host → kernel: exit now. */
export interface ShutdownMessage {
  type: 'shutdown';
}

/** Host → kernel: settings of the session that took a warm (pooled) kernel. */
export interface ConfigureMessage {
  type: 'configure';
  /** Modules snippets may import (`*` for all). */
  authorizedImports: string[];
}

/** Any message the host sends. */
export type HostMessage = ExecuteMessage | ToolResultMessage | ShutdownMessage | ConfigureMessage;

/** Outcome of {@link parseKernelMessage}. */
export type ParseResult = {ok: true; message: KernelMessage} | {ok: false; error: string};

/** Options of {@link parseKernelMessage}. */
export interface ParseOptions {
  /** Lines longer than this many bytes (UTF-8) are rejected. Default 64 MiB. */
  maxBytes?: number;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Drops keys that could reach object prototypes if the data were later merged somewhere. */
function safeReviver(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

/**
 * Parses one line from a kernel. Treats it as hostile: size-capped, JSON only, prototype keys
 * dropped, schema-checked. Never throws.
 */
export function parseKernelMessage(line: string, options: ParseOptions = {}): ParseResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  // Characters are at most 3 UTF-8 bytes each (surrogate pairs: 4 bytes for 2 characters).
  if (
    line.length > maxBytes ||
    (line.length * 3 > maxBytes && Buffer.byteLength(line) > maxBytes)
  ) {
    return {ok: false, error: `message larger than ${maxBytes} bytes`};
  }
  let data: unknown;
  try {
    data = JSON.parse(line, safeReviver);
  } catch (error) {
    return {ok: false, error: `not JSON: ${(error as Error).message}`};
  }
  const parsed = kernelMessageSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return {ok: false, error: `invalid kernel message${where}: ${issue?.message ?? 'unknown'}`};
  }
  return {ok: true, message: parsed.data};
}

/** Serializes a host message as one protocol line (with the trailing newline). */
export function encodeHostMessage(message: HostMessage): string {
  return JSON.stringify(message) + '\n';
}
