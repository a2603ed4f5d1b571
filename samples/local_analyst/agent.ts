/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The data analyst on a local model: the same tools and sandbox as `data_analyst`, with the
 * model served by Ollama on this machine (`ollama/…`, OpenAI-compatible endpoint at
 * `OLLAMA_HOST`, default `http://127.0.0.1:11434`). A code agent needs only text in and text out,
 * so small local models without function calling work. `LOCAL_ANALYST_MODEL` picks another
 * model string (`ollama/llama3.1:8b`, `openai/…` for vLLM or LM Studio, `anthropic/…`).
 *
 * `adk web samples` and `adk run samples/local_analyst/agent.ts` load it (see the data_analyst
 * README for how the bundling loader treats paths).
 */

import {fileURLToPath} from 'node:url';

import {
  BubblewrapCodeExecutor,
  CodingAgent,
  DEFAULT_SAFE_IMPORTS,
  SandboxSessionManager,
} from '../../src/index.js';
import {createDataTools} from '../data_analyst/tools.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The agent `adk web` and `adk run` load. */
export const rootAgent = new CodingAgent({
  name: 'local_analyst',
  description: 'Analyses data sets with pandas, on a model served by Ollama.',
  model: process.env.LOCAL_ANALYST_MODEL || 'ollama/qwen2.5-coder:7b',
  instruction:
    'You are a careful data analyst. Answer with numbers you computed, never guessed. ' +
    'Use list_datasets() to see the data, load_dataset(name) to load one, and explain the ' +
    'result in plain words in final_answer().',
  tools: createDataTools(here('../data')),
  codeExecutor: new SandboxSessionManager({
    executor: new BubblewrapCodeExecutor({
      // The bundler moves this code away from the package's files; point at the kernel directly.
      kernelPath: here('../../src/kernel/python/kernel.py'),
      executionTimeoutMs: 60_000,
    }),
    maxLiveSessions: 4,
    idleTimeoutMs: 20 * 60_000,
  }),
  authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy', 'matplotlib'],
  maxIterations: 8,
  stateful: true,
});
