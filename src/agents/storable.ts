/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Text every ADK session service can store. PostgreSQL (ADK's `DatabaseSessionService` keeps
 * events and state in `jsonb` columns) rejects two things a JavaScript string can hold, and
 * fails the whole `appendEvent`, mid-turn:
 *
 * - U+0000 (NUL): `\u0000 cannot be converted to text` — a snippet's `print("a\x00b")`, a
 *   `final_answer` value, a tool's result;
 * - UTF-16 surrogates that are not part of a pair (a high one not followed by a low one, or a
 *   low one alone): `Unicode low surrogate must follow a high surrogate` — a `final_answer`
 *   value such as `"\ud800"` arrives as such through the kernel's JSON.
 *
 * Every other character is accepted (other control characters, noncharacters such as U+FFFF,
 * astral characters as proper pairs). Both are escaped visibly, the way Python's `repr` writes
 * them (`\x00`, `\ud800`), so the user and the model still see that they were there.
 */

/** NUL, or a surrogate code unit without its partner (the regex works on UTF-16 code units). */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeText(text: string): string {
  return text.replace(UNSTORABLE, (unit) =>
    unit === '\u0000' ? '\\x00' : `\\u${unit.charCodeAt(0).toString(16)}`,
  );
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `value` with NUL and unpaired surrogates escaped in every string it holds, object keys
 * included, through plain objects and arrays (other objects are left as they are). Parts
 * that need no change are returned as they are (same objects, symbol keys kept), so applying
 * it to an event costs little when there is nothing to escape. Two keys that differ only by an
 * escaped character become one (the later value wins).
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return escapeText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, i) => {
      const escaped = storable(item);
      if (escaped !== item) (copy ??= [...value])[i] = escaped;
    });
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const escapedKey = escapeText(key);
    const escaped = storable(item);
    if (escapedKey === key && escaped === item) continue;
    copy ??= {...value};
    if (escapedKey !== key) delete copy[key];
    copy[escapedKey] = escaped;
  }
  return (copy ?? value) as T;
}
