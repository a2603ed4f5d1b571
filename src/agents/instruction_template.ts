/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * `{key}` templating of a string instruction, as ADK's `LlmAgent` does it (ADK 2.0.0 does not
 * export its implementation): `{key}` is the session state value, `{key?}` the same or nothing
 * when it is missing, `{app:key}`, `{user:key}` and `{temp:key}` the scoped state, and
 * `{artifact.name}` the text of an artifact. A missing required key fails the run with ADK's
 * message; braces around anything else (code samples, JSON) are left alone.
 */

import {Context, type InvocationContext} from '@google/adk';

const PLACEHOLDER = /\{+[^{}]*\}+/g;
const ARTIFACT_PREFIX = 'artifact.';
const STATE_PREFIXES = ['app:', 'user:', 'temp:'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for `key` and for `app:key`, `user:key`, `temp:key` (ADK's valid state names). */
function isStateName(name: string): boolean {
  const prefix = STATE_PREFIXES.find((p) => name.startsWith(p));
  return IDENTIFIER.test(prefix ? name.slice(prefix.length) : name);
}

/** A state or artifact value as instruction text: strings as they are, the rest as JSON. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value) ?? String(value);
  return String(value);
}

/**
 * Fills the placeholders of `template` from the run's session state and artifacts.
 *
 * @throws Error `Context variable not found: \`key\`.` for a missing required state key, and
 *     `Artifact name not found.` for a missing required artifact (ADK's messages).
 */
export async function renderInstruction(template: string, ctx: InvocationContext): Promise<string> {
  const matches = [...template.matchAll(PLACEHOLDER)];
  if (matches.length === 0) return template;
  let out = '';
  let at = 0;
  for (const match of matches) {
    out += template.slice(at, match.index);
    at = match.index + match[0].length;
    out += await resolve(match[0], ctx);
  }
  return out + template.slice(at);
}

async function resolve(raw: string, ctx: InvocationContext): Promise<string> {
  let key = raw.replace(/^\{+/, '').replace(/\}+$/, '').trim();
  const optional = key.endsWith('?');
  if (optional) key = key.slice(0, -1);
  if (key.startsWith(ARTIFACT_PREFIX)) {
    const name = key.slice(ARTIFACT_PREFIX.length);
    const artifact = await new Context({invocationContext: ctx}).loadArtifact(name);
    if (!artifact) {
      if (optional) return '';
      throw new Error(`Artifact ${name} not found.`);
    }
    return typeof artifact.text === 'string' ? artifact.text : asText(artifact);
  }
  if (!isStateName(key)) return raw;
  const state = ctx.session.state;
  if (key in state) return asText(state[key]);
  if (optional) return '';
  throw new Error(`Context variable not found: \`${key}\`.`);
}
