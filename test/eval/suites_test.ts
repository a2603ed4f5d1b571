/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

import {describe, expect, it} from 'vitest';

import type {ReferenceCheck, ReferenceTask} from '../../src/eval/suites/data_analysis.js';
import {dataAnalysisSuite, referenceTask} from '../../src/eval/suites/data_analysis.js';
import {toolCompositionSuite} from '../../src/eval/suites/tool_composition.js';
import {sandboxesRequired} from '../helpers/sandboxes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';
const committed = JSON.parse(
  readFileSync(`${root}/src/eval/suites/data_analysis_tasks.json`, 'utf8'),
) as {pandas: string; tasks: ReferenceTask[]};
const pandas = spawnSync(PYTHON, ['-c', 'import pandas']).status === 0;
const noPandas = pandas || sandboxesRequired ? undefined : `${PYTHON} has no pandas`;

/** An answer stating the expected values the way an analyst would write them. */
function answerFor(check: ReferenceCheck, scale = 1): string {
  switch (check.type) {
    case 'share':
      return `${(check.value * 100 * scale).toFixed(2)} %`;
    case 'number':
      return (check.value * scale).toFixed(4);
    case 'integer':
      return String(Math.round(check.value * scale) + (scale === 1 ? 0 : 1));
    case 'numbers':
      return check.values
        .map((v) => (check.share ? `${(v * 100 * scale).toFixed(2)} %` : (v * scale).toFixed(3)))
        .join(', ');
    case 'text':
      return scale === 1 ? `It is ${check.values[0]}.` : 'I could not tell.';
  }
}

describe('data-analysis suite', () => {
  it.skipIf(noPandas !== undefined)(
    `the committed answers are what the reference script computes${noPandas ? ` (skipped: ${noPandas})` : ''}`,
    () => {
      const run = spawnSync(
        PYTHON,
        ['src/eval/suites/data_analysis_reference.py', 'samples/data'],
        {cwd: root, encoding: 'utf8'},
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(committed);
    },
  );

  it('has at least 40 questions over the four data sets, of every kind the issue asks for', () => {
    const suite = dataAnalysisSuite();
    expect(suite.tasks.length).toBeGreaterThanOrEqual(40);
    const categories = new Set(suite.tasks.map((t) => t.category));
    for (const kind of ['aggregation', 'filter', 'join', 'chart', 'multi-turn']) {
      expect(categories).toContain(kind);
    }
    const datasets = new Set(committed.tasks.flatMap((t) => t.datasets));
    for (const name of ['titanic', 'tips', 'iris', 'penguins']) expect(datasets).toContain(name);
    expect(
      committed.tasks.filter((t) => t.datasets.length > 1 && t.category === 'join').length,
    ).toBeGreaterThanOrEqual(6);
    expect(suite.tasks.filter((t) => t.turns.length > 1).length).toBeGreaterThanOrEqual(4);
  });

  it('every checker passes the right answer and fails a wrong one', () => {
    const chart = [{name: 'figure_s1_1.png', mimeType: 'image/png'}];
    for (const entry of committed.tasks) {
      const task = referenceTask(entry);
      const artifacts = entry.chart ? chart : [];
      const right = entry.expect.map((c) => answerFor(c)).join('; ');
      expect(
        task.check({answer: right, toolCalls: [], artifacts}),
        `${entry.id}: ${right}`,
      ).toMatchObject({pass: true});
      const wrong = entry.expect.map((c) => answerFor(c, 1.1)).join('; ');
      expect(
        task.check({answer: wrong, toolCalls: [], artifacts}).pass,
        `${entry.id}: ${wrong}`,
      ).toBe(false);
      if (entry.chart) {
        expect(task.check({answer: right, toolCalls: [], artifacts: []}).reason).toContain(
          'no chart',
        );
      }
    }
  });
});

describe('tool-composition suite', () => {
  it('has at least 30 tasks: single calls, chains, loops, pagination and the unreliable tool', () => {
    const suite = toolCompositionSuite();
    expect(suite.tasks.length).toBeGreaterThanOrEqual(30);
    const categories = new Set(suite.tasks.map((t) => t.category));
    for (const kind of ['single call', 'chain', 'loop', 'pagination', 'flaky tool']) {
      expect(categories).toContain(kind);
    }
    expect(new Set(suite.tasks.map((t) => t.id)).size).toBe(suite.tasks.length);
  });

  it('no checker passes an empty answer or one listing every candidate', () => {
    const suite = toolCompositionSuite();
    for (const task of suite.tasks) {
      expect(task.check({answer: '', toolCalls: [], artifacts: []}).pass, task.id).toBe(false);
    }
    const rainy = suite.tasks.find((t) => t.id === 'rainy_cities')!;
    const everyCity = 'Paris, Berlin, Madrid, Rome, Vienna, Lisbon, Oslo, Warsaw';
    expect(rainy.check({answer: everyCity, toolCalls: [], artifacts: []}).reason).toContain(
      'wrongly names',
    );
  });

  it('gives every run fresh tools: the unreliable service fails the first call of a run again', async () => {
    const suite = toolCompositionSuite();
    const task = suite.tasks.find((t) => t.id === 'stock_single')!;
    const sku = /units of (P\d\d)/.exec(task.turns[0])![1];
    const call = async (tools: Awaited<ReturnType<typeof suite.tools>>) => {
      const stock = tools.find((t) => t.name === 'get_stock')!;
      // These tools read no context; the harness's runs pass ADK's real one.
      return stock
        .runAsync({args: {sku, warehouse: 'north'}, toolContext: undefined as never})
        .then(
          (value) => ({value}),
          (error: Error) => ({error: error.message}),
        );
    };
    const first = await suite.tools(task);
    expect(await call(first)).toEqual({error: expect.stringContaining('temporarily unavailable')});
    expect(await call(first)).toEqual({value: expect.objectContaining({sku, warehouse: 'north'})});
    expect(await call(await suite.tools(task))).toEqual({
      error: expect.stringContaining('temporarily unavailable'),
    });
  });
});
