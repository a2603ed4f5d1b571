/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The wire protocol between the host and a kernel's supervisor (newline-delimited JSON), as
 * specified in `src/kernel/PROTOCOL.md`. Messages from the kernel are untrusted: the sandbox runs
 * model-written code, and the host checks every message and every cap itself.
 * {@link parseKernelMessage} never throws and returns only schema-checked data.
 */

import {z} from 'zod';

/** What one execution may return; the kernel applies the same caps, the host checks them. */
export interface ResultLimits {
  /** stdout and stderr kept per execution (head and tail), the largest value and final answer. */
  maxOutputBytes: number;
  /** Largest output file or figure. */
  maxFileBytes: number;
  /** Bytes of output files and figures together per execution. */
  maxTotalFileBytes: number;
  /** Output files per execution. */
  maxFiles: number;
  /** Figures per execution. */
  maxFigures: number;
  /** Bytes of one namespace snapshot (its `snapshot` chunks together, decoded). */
  maxSnapshotBytes: number;
}

/** The defaults of {@link ResultLimits} (and of the executor options of the same names). */
export const DEFAULT_RESULT_LIMITS: Readonly<ResultLimits> = {
  maxOutputBytes: 1024 * 1024,
  maxFileBytes: 10 * 1024 * 1024,
  maxTotalFileBytes: 24 * 1024 * 1024,
  maxFiles: 1000,
  maxFigures: 20,
  maxSnapshotBytes: 256 * 1024 * 1024,
};

/**
 * Characters the supervisor may add to a stream beyond `maxOutputBytes`: the dropped-bytes
 * marker and its notes (skipped files, output dropped between executions).
 */
export const OUTPUT_NOTES_CHARS = 16 * 1024;

/** Tool calls of one execution that may wait for the host at once. */
export const MAX_TOOL_CALLS_IN_FLIGHT = 64;

/** Default bound on the bytes the host queues towards one kernel. */
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/** Background processes a result names (it counts all of them). */
export const MAX_STOPPED_PROCESSES_SHOWN = 20;

/**
 * The largest line either side may send, given the caps: a file or figure message (base64), or
 * a result whose value, error and final answer are at their caps (JSON escaping included).
 */
export function maxMessageBytes(limits: ResultLimits): number {
  const base64 = 4 * Math.ceil(limits.maxFileBytes / 3);
  return Math.max(base64, 8 * limits.maxOutputBytes) + 1024 * 1024;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const EXECUTION_ID = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
/** Call ids are `call-<n>`, `n` increasing over the kernel's life (so seen ids need no set). */
const CALL_ID = z.string().regex(/^call-[1-9][0-9]{0,17}$/);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A path relative to the output folder that cannot climb out of it, in printable characters. */
const relativeFileName = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (name) =>
      !name.startsWith('/') &&
      !name.includes('\\') &&
      !CONTROL.test(name) &&
      name.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
    {message: 'file name must be a plain relative path without control characters'},
  );

/** Figure types the host accepts (each checked against its magic bytes too). */
export const FIGURE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

/** `ready`: the kernel started and is waiting for `execute` messages. */
export const readyMessageSchema = z
  .object({
    type: z.literal('ready'),
    /** Python version, e.g. `3.11.2`. */
    python: z.string().max(100),
    /** Known packages found installed (module name → version, or null when unknown). */
    packages: z.record(z.string().max(200), z.string().max(200).nullable()),
    /** Output folder as the kernel sees it (files written there come back in results). */
    outputDir: z.string().max(4096),
  })
  .strict();

/** `tool_call`: a snippet calls a host-side tool and blocks until the `tool_result`. */
export const toolCallMessageSchema = z
  .object({
    type: z.literal('tool_call'),
    /** Execution id the call belongs to. */
    id: EXECUTION_ID,
    callId: CALL_ID,
    name: z.string().min(1).max(256),
    args: z.record(z.string(), z.unknown()),
  })
  .strict();

/** `output`: a chunk of what the running execution printed. */
export const outputMessageSchema = z
  .object({
    type: z.literal('output'),
    id: EXECUTION_ID,
    stream: z.enum(['stdout', 'stderr']),
    text: z.string().max(64 * 1024),
  })
  .strict();

/** `figure`: an image the running execution left open (a matplotlib figure). */
export const figureMessageSchema = z
  .object({
    type: z.literal('figure'),
    id: EXECUTION_ID,
    mimeType: z.enum(FIGURE_MIME_TYPES),
    data: z.string().regex(BASE64),
  })
  .strict();

/** `file`: a file the running execution created or changed in the output folder. */
export const fileMessageSchema = z
  .object({
    type: z.literal('file'),
    id: EXECUTION_ID,
    name: relativeFileName,
    mimeType: z
      .string()
      .max(200)
      .regex(/^[\w.+-]+\/[\w.+-]+$/),
    data: z.string().regex(BASE64),
  })
  .strict();

/**
 * `snapshot`: a chunk of the namespace snapshot the running execution makes (host-written code
 * calling `__adk_snapshot__.save`). The host keeps the bytes without ever unpickling them.
 */
export const snapshotMessageSchema = z
  .object({
    type: z.literal('snapshot'),
    id: EXECUTION_ID,
    data: z.string().regex(BASE64),
  })
  .strict();

/** An exception raised by a snippet. */
export const kernelErrorSchema = z
  .object({
    type: z.string().max(1000),
    message: z.string(),
    traceback: z.string(),
  })
  .strict();

/** `result`: the end of one execution (its output, figures and files came before it). */
export const resultMessageSchema = z
  .object({
    type: z.literal('result'),
    id: EXECUTION_ID,
    value: z.string().nullable(),
    error: kernelErrorSchema.nullable(),
    finalAnswer: z.object({value: z.unknown()}).strict().optional(),
    /** Processes the snippet left running, stopped when it returned. */
    stoppedProcesses: z
      .object({
        count: z.number().int().min(1),
        processes: z
          .array(z.object({pid: z.number().int().min(1), command: z.string().max(200)}).strict())
          .max(MAX_STOPPED_PROCESSES_SHOWN),
      })
      .strict()
      .optional(),
    /** Set when the supervisor stopped the kernel (a `ProtocolError` from the interpreter). */
    stateLost: z.literal(true).optional(),
  })
  .strict();

/** Any message a kernel may send. */
export const kernelMessageSchema = z.discriminatedUnion('type', [
  readyMessageSchema,
  toolCallMessageSchema,
  outputMessageSchema,
  figureMessageSchema,
  fileMessageSchema,
  snapshotMessageSchema,
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

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Drops keys that could reach object prototypes if the data were later merged somewhere. */
function safeReviver(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

/**
 * Parses one line from a kernel (its size already checked by the reader). Treats it as
 * hostile: JSON only, prototype keys dropped, schema-checked, unknown keys refused. Never throws.
 */
export function parseKernelMessage(line: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(line, safeReviver);
  } catch (error) {
    return {ok: false, error: `a line that is not JSON (${(error as Error).message})`};
  }
  const parsed = kernelMessageSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return {
      ok: false,
      error: `an invalid message${where} (${issue?.message ?? 'unknown'})`,
    };
  }
  return {ok: true, message: parsed.data};
}

/** Serializes a host message as one protocol line (with the trailing newline). */
export function encodeHostMessage(message: HostMessage): string {
  return JSON.stringify(message) + '\n';
}

/** The first bytes of each figure type (WebP: `RIFF`, then `WEBP` at offset 8). */
const FIGURE_MAGIC: Record<(typeof FIGURE_MIME_TYPES)[number], (bytes: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')),
  'image/webp': (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' &&
    b.subarray(8, 12).toString('latin1') === 'WEBP',
};

/** Whether base64 `data` starts with the magic bytes of `mimeType` (decodes 16 characters only). */
export function hasFigureMagic(
  mimeType: (typeof FIGURE_MIME_TYPES)[number],
  data: string,
): boolean {
  return FIGURE_MAGIC[mimeType](Buffer.from(data.slice(0, 16), 'base64'));
}
