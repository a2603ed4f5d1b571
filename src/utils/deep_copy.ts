/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A deep copy of plain data (objects, arrays, primitives), such as a request's contents. Each
 * step copies the run's whole conversation, so the copy must be cheap: on plain data this is
 * about eight times faster than `structuredClone` (0.17 against 1.4 ms for 600 messages). Any
 * other object (a `Uint8Array`, a `Date`) is copied with `structuredClone`.
 */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = deepCopy(item);
  return copy as T;
}
