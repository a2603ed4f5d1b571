/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Rewrites the cassettes shipped with the bundled suites (`npm run eval:cassettes`), from the
 * scripted solutions, through the real harness: a real sandbox runs the CodingAgent's code, the
 * tools run, and each reply's tokens are counted with o200k. Run it after a change to the agent's
 * prompt or messages makes `coding-agent eval --replay` report a cassette mismatch.
 */

import {readdirSync, rmSync} from 'node:fs';
import {join} from 'node:path';

import {LogLevel, setLogLevel} from '@google/adk';

import {TokenCountingLlm} from '../../bench/request_tokens.js';
import {BubblewrapCodeExecutor} from '../../src/code_executors/bubblewrap/bubblewrap_code_executor.js';
import {runEval} from '../../src/eval/runner.js';
import {BUNDLED_SUITES, loadSuite} from '../../src/eval/suites/index.js';
import {SCRIPTED_LABEL, SCRIPTED_SOLUTIONS, scriptedModel} from './scripted_solutions.js';

// ADK's default logger prints INFO lines to stdout.
setLogLevel(LogLevel.WARN);
const executor = new BubblewrapCodeExecutor();
try {
  for (const name of BUNDLED_SUITES) {
    const suite = await loadSuite(name, {executor});
    const dir = suite.bundledCassettes!;
    for (const file of readdirSync(dir, {withFileTypes: true})) {
      if (file.isFile() && file.name.endsWith('.json')) rmSync(join(dir, file.name));
    }
    const run = await runEval({
      suite,
      executor,
      taskIds: Object.keys(SCRIPTED_SOLUTIONS[name]),
      source: {
        kind: 'custom',
        model: 'scripted',
        label: SCRIPTED_LABEL,
        recordDir: dir,
        make: (task, agent) => new TokenCountingLlm(scriptedModel(name, task, agent)),
      },
    });
    const failed = run.results.filter((r) => !r.pass);
    for (const r of run.results) {
      console.log(`${r.pass ? 'ok  ' : 'FAIL'} ${name} ${r.task} ${r.agent}: ${r.reason}`);
    }
    if (failed.length) throw new Error(`${failed.length} scripted runs of ${name} failed`);
  }
} finally {
  await executor.dispose();
}
