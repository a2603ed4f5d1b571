/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// What one agent step costs beyond the model and the snippet: a scripted model that answers at
// once, snippets that do nothing, a warm kernel. Measured per backend, next to the raw
// execute() round trip on the same kernel (the sandbox's own share of the step).

import {mkdirSync, writeFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';

import {InMemoryRunner} from '@google/adk';

import {
  BubblewrapCodeExecutor,
  CodingAgent,
  ScriptedLlm,
  UnsafeLocalCodeExecutor,
  type CodeExecutor,
} from '../src/index.js';

const quick = process.argv.includes('--quick');
const STEPS = quick ? 10 : 200;
const RAW = quick ? 20 : 500;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Row {
  backend: string;
  rawExecuteP50: number;
  rawExecuteP95: number;
  stepP50: number;
  stepP95: number;
  modelP50: number;
  overheadP50: number;
  overheadP95: number;
}

async function measure(backend: string, executor: CodeExecutor): Promise<Row> {
  // Raw round trip: execute() of an empty-ish snippet on a warm kernel.
  const sandbox = await executor.getSession('bench/raw', {authorizedImports: []});
  await sandbox.execute({code: 'x = 0'});
  const raw: number[] = [];
  for (let i = 0; i < RAW; i++) {
    const t = performance.now();
    await sandbox.execute({code: 'x = 1'});
    raw.push(performance.now() - t);
  }
  await executor.closeSession('bench/raw');

  // Agent steps: the model answers instantly; time between consecutive results is one step.
  const modelTimes: number[] = [];
  let calls = 0;
  const model = new ScriptedLlm({
    responses: () => {
      const t = performance.now();
      calls++;
      const reply = calls <= STEPS ? '```python\nx = 1\n```' : '```python\nfinal_answer(x)\n```';
      modelTimes.push(performance.now() - t);
      return reply;
    },
  });
  const agent = new CodingAgent({
    name: 'bench',
    model,
    codeExecutor: executor,
    maxIterations: STEPS + 1,
    stateful: true,
  });
  const runner = new InMemoryRunner({agent, appName: 'bench'});
  const session = await runner.sessionService.createSession({appName: 'bench', userId: 'u'});
  const stamps: number[] = [];
  for await (const event of runner.runAsync({
    userId: 'u',
    sessionId: session.id,
    newMessage: {role: 'user', parts: [{text: 'go'}]},
  })) {
    if (event.content?.parts?.some((p) => p.codeExecutionResult)) stamps.push(performance.now());
  }
  const steps = stamps.slice(1).map((t, i) => t - stamps[i]);
  const modelP50 = percentile(modelTimes, 50);
  // The snippet itself (`x = 1`) costs microseconds; the model's time is measured and removed.
  const overhead = steps.map((s, i) => s - (modelTimes[i + 1] ?? 0));
  await executor.dispose();
  return {
    backend,
    rawExecuteP50: percentile(raw, 50),
    rawExecuteP95: percentile(raw, 95),
    stepP50: percentile(steps, 50),
    stepP95: percentile(steps, 95),
    modelP50,
    overheadP50: percentile(overhead, 50),
    overheadP95: percentile(overhead, 95),
  };
}

const rows: Row[] = [];
rows.push(await measure('local', new UnsafeLocalCodeExecutor()));
rows.push(await measure('bubblewrap', new BubblewrapCodeExecutor()));

const fmt = (n: number) => n.toFixed(3);
const header =
  '| backend | raw execute p50 / p95 (ms) | agent step p50 / p95 (ms) | step overhead p50 / p95 (ms) | step ÷ raw execute (p50) |';
const lines = [
  `Step overhead: ${STEPS} steps of \`x = 1\` with a scripted model, warm kernel${quick ? ' (quick mode)' : ''}.`,
  '',
  header,
  '|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.backend} | ${fmt(r.rawExecuteP50)} / ${fmt(r.rawExecuteP95)} | ${fmt(r.stepP50)} / ${fmt(r.stepP95)} | ${fmt(r.overheadP50)} / ${fmt(r.overheadP95)} | ${(r.stepP50 / r.rawExecuteP50).toFixed(2)}× |`,
  ),
];
console.log(lines.join('\n'));
if (!quick) {
  mkdirSync(new URL('./results/', import.meta.url), {recursive: true});
  writeFileSync(
    new URL('./results/step_overhead.json', import.meta.url),
    JSON.stringify(rows, null, 2),
  );
  writeFileSync(new URL('./results/step_overhead.md', import.meta.url), lines.join('\n') + '\n');
}
