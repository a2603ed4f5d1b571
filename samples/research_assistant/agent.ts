/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The research assistant: a CodingAgent that answers questions over a folder of PDFs mounted
 * read-only at `/work/workspace` of a bubblewrap sandbox. The model's Python extracts the text
 * with pypdf, searches it and quotes its sources (file and page); the papers never pass through
 * the model's context whole.
 *
 * `adk web samples` loads this file (bundled into a temporary folder: paths are computed here,
 * in the entry file, whose `import.meta.url` the loader keeps pointing at this folder).
 */

import {fileURLToPath} from 'node:url';

import {BubblewrapCodeExecutor, CodingAgent, DEFAULT_SAFE_IMPORTS} from '../../src/index.js';
import {createScriptedModel} from './scripted_model.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The papers: `RESEARCH_ASSISTANT_PAPERS`, or the three sample papers beside this file. */
const papers = process.env.RESEARCH_ASSISTANT_PAPERS || here('papers');

/**
 * The scripted model when asked for (`RESEARCH_ASSISTANT_SCRIPTED=1`) or when there is no Gemini
 * key; otherwise `RESEARCH_ASSISTANT_MODEL` (default `gemini-2.5-flash`).
 */
function chooseModel() {
  const hasKey = Boolean(process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY);
  if (process.env.RESEARCH_ASSISTANT_SCRIPTED === '1' || !hasKey) {
    if (process.env.RESEARCH_ASSISTANT_SCRIPTED !== '1') {
      console.warn(
        'research_assistant: no GOOGLE_API_KEY or GEMINI_API_KEY set, so a scripted model ' +
          'answers (a keyword search over the papers). Set a key for real answers.',
      );
    }
    return createScriptedModel();
  }
  return process.env.RESEARCH_ASSISTANT_MODEL || 'gemini-2.5-flash';
}

/** The agent `adk web` and `adk run` load. */
export const rootAgent = new CodingAgent({
  name: 'research_assistant',
  description: 'Answers questions over a folder of PDF papers, citing file and page.',
  model: chooseModel(),
  instruction: [
    'You are a research assistant. The papers are PDFs in the workspace (read-only).',
    'Extract their text with pypdf (PdfReader), keep it in variables, and search it with code:',
    'print only the passages you need, never whole papers. Answer from what the papers say,',
    'quote numbers exactly, and cite each claim as [file, page] in final_answer().',
  ].join(' '),
  codeExecutor: new BubblewrapCodeExecutor({
    // The bundler moves this code away from the package's files; point at the kernel directly.
    kernelPath: here('../../src/kernel/python/kernel.py'),
    executionTimeoutMs: 120_000,
    workspace: papers,
  }),
  authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'os', 'pathlib', 'pypdf'],
  maxIterations: 8,
  stateful: true,
});
