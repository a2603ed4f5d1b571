/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {ALLOW_ALL_IMPORTS} from '../security/import_policy.js';

/** What the system prompt is built from. */
export interface SystemPromptParts {
  /** The user's instruction for the agent (its role and task rules). */
  instruction: string;
  /** Tool signatures and docstrings, as `ToolCodeGenerator` renders them for the prompt. */
  toolsPromptText: string;
  /** Modules the snippet may import; `'*'` means any. */
  authorizedImports: readonly string[];
}

/**
 * The rules that make models act well in code. Each one is here because models break it
 * otherwise; `prompt_test.ts` checks every rule stays in the prompt.
 */
export const CODING_RULES: readonly string[] = [
  'Work in steps. In each reply, think briefly, then write exactly one ```python code block. It runs at once and you see its output in the next message.',
  'Variables, imports and functions persist between steps: reuse them, do not recompute.',
  'Use print() for what you need to see; the value of the last expression is shown too. Output is truncated when long, so print summaries, not whole tables.',
  'Call tools as the Python functions listed below, with keyword arguments. Their results are Python values; a failing tool raises an exception.',
  'When you have the answer, call final_answer(answer) in a code block. Only do it once you have seen the output you rely on.',
  'If a step fails, read the error and fix the cause; do not repeat the same code.',
  'Never invent data or tool results. If something cannot be done, say so in final_answer.',
  'If no code is needed, reply with the answer in plain text without a code block.',
];

/** Builds the system prompt: instruction, rules, tool stubs and the import policy. */
export function buildSystemPrompt(parts: SystemPromptParts): string {
  const sections: string[] = [];
  if (parts.instruction.trim()) sections.push(parts.instruction.trim());
  sections.push(
    'You solve tasks by writing Python code that runs in a sandboxed Python 3 interpreter.\n' +
      CODING_RULES.map((rule) => `- ${rule}`).join('\n'),
  );
  sections.push(
    parts.toolsPromptText.trim()
      ? `Tools available as Python functions:\n\`\`\`python\n${parts.toolsPromptText.trim()}\n\`\`\``
      : 'No tools are available; use Python only.',
  );
  sections.push(
    parts.authorizedImports.includes(ALLOW_ALL_IMPORTS)
      ? 'You may import any installed module.'
      : `You may import only: ${parts.authorizedImports.join(', ')}.`,
  );
  return sections.join('\n\n');
}
