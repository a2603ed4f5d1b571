/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {ALLOW_ALL_IMPORTS, DEFAULT_SAFE_IMPORTS} from '../security/import_policy.js';

/** What the system prompt is built from. */
export interface SystemPromptParts {
  /** The user's instruction for the agent (its role and task rules). */
  instruction: string;
  /** Tool signatures and docstrings, as `ToolCodeGenerator` renders them for the prompt. */
  toolsPromptText: string;
  /** Modules the snippet may import; `'*'` means any. */
  authorizedImports: readonly string[];
  /**
   * Packages the sandbox's kernel found installed (module → version or null), as its `ready`
   * message reports them. The prompt names those the policy allows, with major versions.
   * Undefined when the sandbox does not say.
   */
  packages?: Readonly<Record<string, string | null>>;
}

/** `1.5.3` → `1`, `0.13.5+dfsg` → `0.13` (a 0 major says little), null → undefined. */
export function majorVersion(version: string | null | undefined): string | undefined {
  const parts = version?.match(/^\d+(\.\d+)?/)?.[0].split('.');
  if (!parts) return undefined;
  return parts[0] === '0' && parts[1] !== undefined ? `${parts[0]}.${parts[1]}` : parts[0];
}

function withVersion(name: string, packages: SystemPromptParts['packages']): string {
  const major = packages && name in packages ? majorVersion(packages[name]) : undefined;
  return major ? `${name} ${major}` : name;
}

/**
 * The rules that make models act well in code. Each one is here because models break it
 * otherwise; `prompt_test.ts` checks every rule stays in the prompt. They are sent with every
 * model call, so each is as short as it can be without losing what it asks (bench section 9
 * counts their tokens).
 */
export const CODING_RULES: readonly string[] = [
  'Each reply: think briefly, then write one ```python block. It runs at once; you see its output next. Variables, imports and functions persist: reuse them.',
  'print() what you need to see (the last expression is shown too). Long output is cut: print summaries, not whole tables.',
  'Tools are the Python functions below: call them with keyword arguments; they return Python values and raise on failure.',
  'Finish with final_answer(answer). Compute and answer in one block when you do not need to see the output first; never answer from data you have not seen.',
  'On an error, fix its cause; do not repeat the same code. Never invent data or tool results: if something cannot be done, say so in final_answer.',
  'If no code is needed, answer in plain text.',
];

/**
 * The import policy in one short line. The default safe set is long (36 modules, about 90
 * tokens per call) and the kernel names the allowed modules when it blocks one, so it is
 * summarised; other lists are given whole. Modules the sandbox reported installed (`packages`)
 * carry their major version (`pandas 1`), so the model writes code for the versions it has.
 */
export function importsLine(
  authorizedImports: readonly string[],
  packages?: SystemPromptParts['packages'],
): string {
  if (authorizedImports.includes(ALLOW_ALL_IMPORTS)) {
    const installed = Object.keys(packages ?? {}).sort();
    return installed.length
      ? `You may import any installed module. Installed packages include: ${installed.map((name) => withVersion(name, packages)).join(', ')}.`
      : 'You may import any installed module.';
  }
  const safe = new Set(DEFAULT_SAFE_IMPORTS);
  if (!DEFAULT_SAFE_IMPORTS.every((name) => authorizedImports.includes(name))) {
    return `You may import only: ${authorizedImports.map((name) => withVersion(name, packages)).join(', ')}.`;
  }
  const extra = authorizedImports
    .filter((name) => !safe.has(name))
    .map((name) => withVersion(name, packages));
  return (
    "Imports: the standard library's safe modules (math, statistics, datetime, json, re, " +
    'collections, itertools, ...; not os, sys, subprocess, socket, pathlib)' +
    (extra.length ? `, and ${extra.join(', ')}.` : '.')
  );
}

/** Builds the system prompt: instruction, rules, tool stubs and the import policy. */
export function buildSystemPrompt(parts: SystemPromptParts): string {
  const sections: string[] = [];
  if (parts.instruction.trim()) sections.push(parts.instruction.trim());
  sections.push(
    'You solve tasks by writing Python that runs in a sandboxed Python 3 interpreter.\n' +
      CODING_RULES.map((rule) => `- ${rule}`).join('\n'),
  );
  sections.push(
    parts.toolsPromptText.trim()
      ? `Tools available as Python functions:\n\`\`\`python\n${parts.toolsPromptText.trim()}\n\`\`\``
      : 'No tools are available; use Python only.',
  );
  sections.push(importsLine(parts.authorizedImports, parts.packages));
  return sections.join('\n\n');
}
