/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The `data-analysis` suite: questions over the public data sets in `samples/data` (Titanic,
 * tips, iris, penguins, and small lookup tables to join them with). The questions and their
 * exact answers come from `data_analysis_reference.py` (pandas), committed as
 * `data_analysis_tasks.json`; both agents get the same three tools.
 */

import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

import {FunctionTool, type BaseTool} from '@google/adk';
import {z} from 'zod';

import {
  VEGA_LITE_MIME_TYPE,
  allOf,
  chartSavedCheck,
  integerCheck,
  numberCheck,
  numbersCheck,
  shareCheck,
  textCheck,
  type Checker,
} from '../checkers.js';
import type {EvalSuite, EvalTask} from '../suite.js';
import reference from './data_analysis_tasks.json' with {type: 'json'};

/** One check of the reference file (see the reference script's docstring). */
export type ReferenceCheck =
  | {type: 'number' | 'share' | 'integer'; value: number}
  | {type: 'numbers'; values: number[]; share: boolean}
  | {type: 'text'; values: string[]};

/** One task as the reference script writes it. */
export interface ReferenceTask {
  id: string;
  category: string;
  datasets: string[];
  turns: string[];
  expect: ReferenceCheck[];
  chart?: boolean;
}

/** The data sets the tools serve: file name stem → what it holds. */
export const DATA_ANALYSIS_DATASETS: Readonly<Record<string, string>> = {
  titanic: 'Titanic passengers (Kaggle training split): survival, class, sex, age, fare, port',
  tips: 'restaurant bills and tips recorded by one waiter (Bryant & Smith 1995)',
  iris: "Fisher's iris flowers: four measurements of 150 flowers of three species",
  penguins: 'Palmer Archipelago penguins: species, island, bill, flipper, body mass, sex',
  ports: 'Titanic embarkation codes (C, Q, S) with port name and country',
  days: 'the day abbreviations of the tips data with the day name and whether it is a weekend',
  iris_species: 'iris species with scientific and common names',
  penguin_species: 'penguin species with scientific and common names',
};

/** Folder of the data sets (the package's `samples/data`, from `src/` and `dist/` alike). */
export const SAMPLES_DATA_DIR = fileURLToPath(new URL('../../../samples/data/', import.meta.url));

const INSTRUCTION = [
  'You are a data analyst. The data sets are available through the tools: list_datasets()',
  'describes them and load_dataset(name) returns one as CSV text. Answer with the figures you',
  'computed from the data, not from memory; give proportions as percentages with two decimals.',
  'When a question asks for a chart, save one: a figure you draw, or the save_chart tool.',
].join(' ');

function readDataset(name: string): string {
  if (!Object.hasOwn(DATA_ANALYSIS_DATASETS, name)) {
    throw new Error(
      `no data set named "${name}"; the data sets are: ${Object.keys(DATA_ANALYSIS_DATASETS).join(', ')}`,
    );
  }
  return readFileSync(`${SAMPLES_DATA_DIR}${name}.csv`, 'utf8');
}

/** The three tools: list the data sets, load one as CSV text, save a chart (Vega-Lite spec). */
export function dataAnalysisTools(): BaseTool[] {
  const listDatasets = new FunctionTool({
    name: 'list_datasets',
    description: 'List the data sets: name, description, number of rows and column names.',
    execute: () =>
      Object.entries(DATA_ANALYSIS_DATASETS).map(([name, description]) => {
        const lines = readDataset(name).trimEnd().split('\n');
        return {name, description, rows: lines.length - 1, columns: lines[0].split(',')};
      }),
  });
  const loadDataset = new FunctionTool({
    name: 'load_dataset',
    description:
      'Return one data set as CSV text (a header line, then one line per row). In Python: pd.read_csv(io.StringIO(load_dataset(name="titanic"))).',
    parameters: z.object({name: z.string().describe('data set name, e.g. "titanic"')}),
    execute: ({name}) => readDataset(name),
  });
  const saveChart = new FunctionTool({
    name: 'save_chart',
    description:
      'Save a chart for the user as an artifact (a Vega-Lite spec): one value per label. Returns the artifact name.',
    parameters: z.object({
      title: z.string().describe('chart title'),
      kind: z.enum(['bar', 'line', 'point']).describe('mark type'),
      labels: z.array(z.string()).describe('category of each value (x axis)'),
      values: z.array(z.number()).describe('one value per label (y axis)'),
    }),
    execute: async ({title, kind, labels, values}, context) => {
      if (labels.length !== values.length || labels.length === 0) {
        throw new Error(
          `labels and values must be non-empty and of the same length (${labels.length} labels, ${values.length} values)`,
        );
      }
      if (!context) throw new Error('save_chart needs a tool context to save its artifact');
      const spec = {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        title,
        mark: kind,
        data: {values: labels.map((label, i) => ({label, value: values[i]}))},
        encoding: {
          x: {field: 'label', type: 'nominal', sort: null},
          y: {field: 'value', type: 'quantitative'},
        },
      };
      const slug =
        title
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .slice(0, 60) || 'chart';
      const name = `chart_${slug}.vl.json`;
      await context.saveArtifact(name, {
        inlineData: {
          mimeType: VEGA_LITE_MIME_TYPE,
          data: Buffer.from(JSON.stringify(spec)).toString('base64'),
        },
      });
      return {artifact: name};
    },
  });
  return [listDatasets, loadDataset, saveChart];
}

/** The checker of one reference check. */
export function referenceChecker(check: ReferenceCheck): Checker {
  switch (check.type) {
    case 'number':
      return numberCheck(check.value);
    case 'share':
      return shareCheck(check.value);
    case 'integer':
      return integerCheck(check.value);
    case 'numbers':
      return numbersCheck(check.values, check.share);
    case 'text':
      return textCheck(check.values);
  }
}

/** A task of the reference file as an {@link EvalTask}. */
export function referenceTask(entry: ReferenceTask): EvalTask {
  const checkers = entry.expect.map(referenceChecker);
  if (entry.chart) checkers.push(chartSavedCheck());
  return {
    id: entry.id,
    category: entry.category,
    turns: entry.turns,
    check: allOf(checkers),
  };
}

/** The `data-analysis` suite. */
export function dataAnalysisSuite(): EvalSuite {
  return {
    name: 'data-analysis',
    description: `${reference.tasks.length} questions over Titanic, tips, iris and penguins (aggregations, filters, joins, charts, follow-ups)`,
    instruction: INSTRUCTION,
    tasks: (reference.tasks as ReferenceTask[]).map(referenceTask),
    tools: () => dataAnalysisTools(),
    extraImports: ['pandas', 'numpy', 'matplotlib'],
    bundledCassettes: fileURLToPath(new URL('../cassettes/data-analysis/', import.meta.url)),
  };
}
