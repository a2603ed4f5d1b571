/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {describe, expect, it} from 'vitest';

import {buildReport, renderChart, renderMarkdown, wilsonInterval} from '../../src/eval/report.js';
import type {EvalRun, RunResult} from '../../src/eval/runner.js';
import type {EvalSuite} from '../../src/eval/suite.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

function result(partial: Partial<RunResult> & Pick<RunResult, 'task' | 'agent'>): RunResult {
  return {
    category: 'c',
    repeat: 0,
    pass: true,
    reason: 'ok',
    answer: '',
    steps: 2,
    modelCalls: 2,
    toolCalls: 1,
    tokens: {prompt: 900, output: 100, thinking: 0, cached: 0, total: 1000},
    wallMs: 1000,
    ...partial,
  };
}

const suite = {name: 's', description: 'a suite', tasks: [{}, {}, {}]} as unknown as EvalSuite;

function run(results: RunResult[]): EvalRun {
  return {
    results,
    model: 'm',
    mode: 'live',
    tasksRun: 2,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5000,
  };
}

describe('wilsonInterval', () => {
  it('matches published values and stays inside [0, 1]', () => {
    const [lo, hi] = wilsonInterval(50, 100);
    expect(lo).toBeCloseTo(0.4038, 3);
    expect(hi).toBeCloseTo(0.5962, 3);
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 3);
    expect(wilsonInterval(5, 5)[1]).toBeLessThanOrEqual(1);
    expect(wilsonInterval(5, 5)[0]).toBeCloseTo(0.5655, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});

describe('buildReport', () => {
  const results = [
    result({task: 'a', agent: 'coding'}),
    result({
      task: 'a',
      agent: 'llm',
      pass: false,
      reason: 'expected 3 | got 4',
      tokens: {prompt: 2900, output: 100, thinking: 0, cached: 0, total: 3000},
    }),
    result({
      task: 'b',
      agent: 'coding',
      category: 'd',
      tokens: {prompt: 1800, output: 200, thinking: 50, cached: 0, total: 2050},
    }),
    result({
      task: 'b',
      agent: 'llm',
      category: 'd',
      tokens: {prompt: 400, output: 100, thinking: 0, cached: 0, total: 500},
    }),
  ];
  const report = buildReport(suite, run(results), 1);

  it('sums per agent, per category and per task', () => {
    const coding = report.agents.find((a) => a.agent === 'coding')!;
    expect(coding).toMatchObject({runs: 2, passed: 2, successRate: 1});
    expect(coding.total.tokens).toEqual({
      prompt: 2700,
      output: 300,
      thinking: 50,
      cached: 0,
      total: 3050,
    });
    expect(coding.mean.tokens.total).toBe(1525);
    const llm = report.agents.find((a) => a.agent === 'llm')!;
    expect(llm.failures).toEqual([{task: 'a', repeat: 0, reason: 'expected 3 | got 4'}]);
    expect(report.categories).toContainEqual({
      category: 'd',
      agent: 'llm',
      runs: 1,
      passed: 1,
      successRate: 1,
      meanTokens: 500,
    });
    expect(report.tasks.map((t) => [t.task, t.tokenRatio])).toEqual([
      ['a', 3],
      ['b', 500 / 2050],
    ]);
  });

  it('renders the failures (pipes escaped) and where code cost more', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('| LlmAgent (function calls) | a | expected 3 \\| got 4 |');
    expect(md).toContain('Solved by the CodingAgent only: a.');
    expect(md).toContain("Tasks where the CodingAgent used more tokens: b (4.10× the LlmAgent's).");
    expect(md).toContain('| CodingAgent | 2/2 (100.0 %) |');
    expect(md).toContain('| b | d | 1/1, 2,050 tokens | 1/1, 500 tokens | 0.24× |');
  });

  it.skipIf(bwrap.skipReason !== undefined)(
    `draws the chart with matplotlib in the sandbox (${bwrap.title})`,
    async () => {
      const executor = bwrap.create();
      try {
        const png = await renderChart(report, executor);
        expect(png.subarray(0, 8)).toEqual(
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        );
        expect(png.length).toBeGreaterThan(10_000);
      } finally {
        await executor.dispose();
      }
    },
  );
});
