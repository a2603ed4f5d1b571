/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The code reviewer: a CodingAgent that reviews a repository mounted read-only at
 * `/work/workspace` of a bubblewrap sandbox. It compiles and checks the code and runs the tests
 * in the sandbox, reads history with `git` when the folder is a repository, and reports findings
 * with file and line. It cannot change the repository.
 *
 * `adk web samples` loads this file (bundled into a temporary folder: paths are computed here,
 * in the entry file, whose `import.meta.url` the loader keeps pointing at this folder).
 */

import {fileURLToPath} from 'node:url';

import {BubblewrapCodeExecutor, CodingAgent} from '../../src/index.js';
import {createScriptedModel} from './scripted_model.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The repository to review: `CODE_REVIEWER_REPO`, or the demo repository beside this file. */
const repository = process.env.CODE_REVIEWER_REPO || here('demo_repo');

/**
 * The scripted model when asked for (`CODE_REVIEWER_SCRIPTED=1`) or when there is no Gemini key;
 * otherwise `CODE_REVIEWER_MODEL` (default `gemini-2.5-flash`).
 */
function chooseModel() {
  const hasKey = Boolean(process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY);
  if (process.env.CODE_REVIEWER_SCRIPTED === '1' || !hasKey) {
    if (process.env.CODE_REVIEWER_SCRIPTED !== '1') {
      console.warn(
        'code_reviewer: no GOOGLE_API_KEY or GEMINI_API_KEY set, so a scripted model answers ' +
          '(every question gets the same review). Set a key for real answers.',
      );
    }
    return createScriptedModel();
  }
  return process.env.CODE_REVIEWER_MODEL || 'gemini-2.5-flash';
}

/** The agent `adk web` and `adk run` load. */
export const rootAgent = new CodingAgent({
  name: 'code_reviewer',
  description: 'Reviews a repository: checks, tests and findings with file and line.',
  model: chooseModel(),
  instruction: [
    'You are a careful code reviewer. The repository is mounted read-only in the workspace.',
    'Look before you judge: list the files, read the ones that matter, use `git log` for',
    'history, compile the code, check it (unused imports, undefined names) and run its tests',
    '(python -B -m unittest, so no bytecode is written). Report each finding as',
    'path:line: what is wrong and why, most serious first, in final_answer().',
  ].join(' '),
  codeExecutor: new BubblewrapCodeExecutor({
    // The bundler moves this code away from the package's files; point at the kernel directly.
    kernelPath: here('../../src/kernel/python/kernel.py'),
    executionTimeoutMs: 120_000,
    workspace: {path: repository, mode: 'read-only'},
  }),
  authorizedImports: ['*'],
  maxIterations: 8,
});
