/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// TEMPORARY: replaced by the retry policy module being written on the `gemini` branch.

import {z} from 'zod';

export const modelRetrySchema = z
  .object({
    attempts: z.number().int().positive().max(100).optional(),
    initialDelayMs: z.number().nonnegative().optional(),
    maxDelayMs: z.number().nonnegative().optional(),
  })
  .strict();

/** Retry settings of model calls. */
export interface ModelRetryOptions {
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export type ResolvedModelRetry = Required<ModelRetryOptions>;

export const DEFAULT_MODEL_RETRY: ResolvedModelRetry = {
  attempts: 4,
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
};

export interface ModelFailure {
  transient: boolean;
  status?: string;
  message: string;
  retryAfterMs?: number;
}

const TRANSIENT = new Set([
  '429',
  '500',
  '502',
  '503',
  '504',
  '529',
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'INTERNAL',
  'DEADLINE_EXCEEDED',
]);

export function classifyModelError(error: unknown): ModelFailure {
  const e = error as {status?: unknown; code?: unknown; message?: unknown};
  const status = e?.status !== undefined ? String(e.status) : undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = e instanceof Error ? e.message : String(error);
  const network = /ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|fetch failed/i.test(
    `${code ?? ''} ${message}`,
  );
  return {
    transient: network || (status !== undefined && TRANSIENT.has(status)),
    status: status ?? code,
    message,
  };
}

export function classifyErrorResponse(errorCode: string, errorMessage?: string): ModelFailure {
  return {
    transient: TRANSIENT.has(errorCode),
    status: errorCode,
    message: errorMessage ?? errorCode,
  };
}

export function retryDelayMs(
  attempt: number,
  policy: ResolvedModelRetry,
  failure: ModelFailure,
  remainingMs: number,
): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  const delay = failure.retryAfterMs ?? Math.random() * backoff;
  return delay < remainingMs ? Math.min(delay, policy.maxDelayMs) : undefined;
}
