/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The data analyst: a CodingAgent with five data tools, pandas and matplotlib in a bubblewrap
 * sandbox, charts and files as artifacts, and a conversation that keeps its variables.
 *
 * `adk web samples` / `adk run samples/data_analyst/agent.ts` (from @google/adk-devtools) load
 * this file: they bundle it with esbuild into a temporary folder, so paths are computed here, in
 * the entry file, whose `import.meta.url` the loader keeps pointing at this folder.
 */

import {fileURLToPath} from 'node:url';

import {
  BubblewrapCodeExecutor,
  CodingAgent,
  DEFAULT_SAFE_IMPORTS,
  SandboxSessionManager,
} from '../../src/index.js';
import {createScriptedModel} from './scripted_model.js';
import {createDataTools} from './tools.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/**
 * The scripted model when asked for (`DATA_ANALYST_SCRIPTED=1`) or when there is no Gemini key;
 * otherwise `DATA_ANALYST_MODEL` (default `gemini-2.5-flash`).
 */
function chooseModel() {
  const hasKey = Boolean(process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY);
  if (process.env.DATA_ANALYST_SCRIPTED === '1' || !hasKey) {
    if (process.env.DATA_ANALYST_SCRIPTED !== '1') {
      console.warn(
        'data_analyst: no GOOGLE_API_KEY or GEMINI_API_KEY set, so a scripted model answers ' +
          '(every question gets the same Titanic analysis). Set a key for real answers.',
      );
    }
    return createScriptedModel();
  }
  return process.env.DATA_ANALYST_MODEL || 'gemini-2.5-flash';
}

/** Sessions of this agent: at most 4 live interpreters, closed after 20 idle minutes. */
const sandboxes = new SandboxSessionManager({
  executor: new BubblewrapCodeExecutor({
    // The bundler moves this code away from the package's files; point at the kernel directly.
    kernelPath: here('../../src/kernel/python/kernel.py'),
    executionTimeoutMs: 60_000,
  }),
  maxLiveSessions: 4,
  idleTimeoutMs: 20 * 60_000,
});

/** The agent `adk web` and `adk run` load. */
export const rootAgent = new CodingAgent({
  name: 'data_analyst',
  description: 'Analyses data sets with pandas and draws charts.',
  model: chooseModel(),
  instruction: [
    'You are a careful data analyst. Answer with numbers you computed, never guessed.',
    'Start with list_datasets() or describe_dataset() when unsure what data there is; files the',
    'user attaches are in the input folder listed below. Draw a chart when it helps (leave the',
    'matplotlib figure open), keep printed output short, and save a report with save_report()',
    'when the user asks for one. Explain results in plain words in final_answer().',
  ].join(' '),
  tools: createDataTools(here('../data')),
  codeExecutor: sandboxes,
  authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy', 'matplotlib'],
  maxIterations: 8,
  stateful: true,
});
