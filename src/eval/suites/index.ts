/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** The suites `coding-agent eval --suite` knows, by name. */

import type {CodeExecutor} from '../../code_executors/sandbox.js';
import {loadInfiAgentDaBench} from '../loaders/infiagent_dabench.js';
import {loadM3ToolEval} from '../loaders/m3tooleval.js';
import {validateSuite, type EvalSuite} from '../suite.js';
import {dataAnalysisSuite} from './data_analysis.js';
import {toolCompositionSuite} from './tool_composition.js';

/** Suites written in this project (shipped, with cassettes for some of their tasks). */
export const BUNDLED_SUITES = ['data-analysis', 'tool-composition'] as const;
/** Public suites read from a copy the user fetched (`--data`), never shipped. */
export const PUBLIC_SUITES = ['m3tooleval', 'infiagent-dabench'] as const;
/** Every suite name. */
export const SUITE_NAMES: readonly string[] = [...BUNDLED_SUITES, ...PUBLIC_SUITES];

/** What loading a suite may need. */
export interface LoadSuiteOptions {
  /** Path or URL of a public suite's files (`--data`). */
  data?: string;
  /** Runs a public suite's Python tools (M3ToolEval). */
  executor: CodeExecutor;
}

/** Loads the suite called `name`; throws a message naming what is missing. */
export async function loadSuite(name: string, options: LoadSuiteOptions): Promise<EvalSuite> {
  const isPublic = (PUBLIC_SUITES as readonly string[]).includes(name);
  if (isPublic && !options.data) {
    throw new Error(
      `suite ${name} is not shipped: fetch it yourself and pass its folder${name === 'infiagent-dabench' ? ' or URL' : ''} with --data (see README, "Measure it yourself")`,
    );
  }
  if (!isPublic && options.data)
    throw new Error(`--data applies only to ${PUBLIC_SUITES.join(' and ')}`);
  let suite: EvalSuite;
  switch (name) {
    case 'data-analysis':
      suite = dataAnalysisSuite();
      break;
    case 'tool-composition':
      suite = toolCompositionSuite();
      break;
    case 'm3tooleval':
      suite = await loadM3ToolEval(options.data!, options.executor);
      break;
    case 'infiagent-dabench':
      suite = await loadInfiAgentDaBench(options.data!);
      break;
    default:
      throw new Error(`unknown suite "${name}"; suites: ${SUITE_NAMES.join(', ')}`);
  }
  validateSuite(suite);
  return suite;
}
