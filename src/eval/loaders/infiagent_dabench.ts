/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A loader for InfiAgent-DABench (Hu et al., "InfiAgent-DABench: Evaluating Agents on Data
 * Analysis Tasks", ICML 2024) in its published layout: `da-dev-questions.jsonl` (one question a
 * line: `id`, `question`, `concepts`, `constraints`, `format`, `file_name`, `level`),
 * `da-dev-labels.jsonl` (`id`, `common_answers`: `[name, value]` pairs) and the CSV files in
 * `da-dev-tables/`. The data is CC BY-NC 4.0 and is never shipped: the user passes the folder
 * (or a URL of it) of a copy they fetched.
 *
 * Answers are judged as the benchmark's closed-form evaluation does: the answer gives each
 * sub-answer as `@name[value]`, and a question passes when every labelled value is equal as text
 * or as a number within 1e-6.
 */

import {readFile} from 'node:fs/promises';
import {join} from 'node:path';

import {FunctionTool, type BaseTool} from '@google/adk';
import {z} from 'zod';

import type {CheckResult, EvalSuite, TaskOutcome} from '../suite.js';

/** Largest table the `read_table` tool returns. */
export const DABENCH_MAX_TABLE_BYTES = 32 * 1024 * 1024;

/** One question of `da-dev-questions.jsonl`. */
export interface DaBenchQuestion {
  id: number;
  question: string;
  concepts?: string[];
  constraints?: string;
  format: string;
  file_name: string;
  level?: string;
}

/** One label of `da-dev-labels.jsonl`. */
export interface DaBenchLabel {
  id: number;
  common_answers: Array<[string, string]>;
}

const INSTRUCTION =
  'You are a data analyst. Read the data file named in the question with the read_table tool (it returns CSV text) and compute the answer. Follow the constraints, and give the answer in exactly the requested format, each value as @answer_name[value].';

/** A source of files: a local folder or a base URL. */
function reader(source: string): (name: string) => Promise<Buffer> {
  if (/^https?:\/\//i.test(source)) {
    const base = source.endsWith('/') ? source : `${source}/`;
    return async (name) => {
      const url = new URL(name.split('/').map(encodeURIComponent).join('/'), base);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      const body = Buffer.from(await response.arrayBuffer());
      if (body.length > DABENCH_MAX_TABLE_BYTES)
        throw new Error(`${url} is over ${DABENCH_MAX_TABLE_BYTES} bytes`);
      return body;
    };
  }
  return (name) => readFile(join(source, ...name.split('/')));
}

/** Parses a JSON Lines file, naming the line of the first bad one. */
export function parseJsonLines<T>(text: string, file: string): T[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line)
    .map(([line, number]) => {
      try {
        return JSON.parse(line) as T;
      } catch (error) {
        throw new Error(`${file} line ${number}: ${(error as Error).message}`);
      }
    });
}

/** The `@name[value]` pairs of an answer (the benchmark's answer format). */
export function formattedAnswers(answer: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [, name, value] of answer.matchAll(/@(\w+)\[(.*?)\]/g)) {
    if (!found.has(name)) found.set(name, value);
  }
  return found;
}

/** Equal as text, or as numbers within 1e-6 (the benchmark's rule). */
export function daBenchEqual(given: string | undefined, label: string): boolean {
  if (given === undefined) return false;
  if (given.trim() === label.trim()) return true;
  const a = Number(given);
  const b = Number(label);
  return given.trim() !== '' && Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) < 1e-6;
}

function checkLabel(label: DaBenchLabel): (outcome: TaskOutcome) => CheckResult {
  return ({answer}) => {
    const given = formattedAnswers(answer);
    const wrong = label.common_answers.filter(
      ([name, value]) => !daBenchEqual(given.get(name), value),
    );
    if (wrong.length === 0) {
      return {pass: true, reason: `all ${label.common_answers.length} sub-answers match`};
    }
    return {
      pass: false,
      reason: wrong
        .map(
          ([name, value]) =>
            `@${name}: expected [${value}], got ${given.has(name) ? `[${given.get(name)}]` : 'nothing'}`,
        )
        .join('; '),
    };
  };
}

/** The question as the user message: the question, its constraints and the answer format. */
function prompt(q: DaBenchQuestion): string {
  return [
    q.question,
    q.constraints ? `Constraints: ${q.constraints}` : '',
    `Answer format: ${q.format}`,
    `Data file: ${q.file_name}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Loads InfiAgent-DABench from `source`, a folder or an http(s) URL holding
 * `da-dev-questions.jsonl`, `da-dev-labels.jsonl` and `da-dev-tables/`.
 */
export async function loadInfiAgentDaBench(source: string): Promise<EvalSuite> {
  const read = reader(source);
  const load = async (name: string) => {
    try {
      return (await read(name)).toString('utf8');
    } catch (error) {
      throw new Error(
        `InfiAgent-DABench: cannot read ${name} from ${source} (${(error as Error).message}); --data must be the folder (or URL) holding da-dev-questions.jsonl, da-dev-labels.jsonl and da-dev-tables/`,
      );
    }
  };
  const questions = parseJsonLines<DaBenchQuestion>(
    await load('da-dev-questions.jsonl'),
    'da-dev-questions.jsonl',
  );
  const labels = new Map(
    parseJsonLines<DaBenchLabel>(await load('da-dev-labels.jsonl'), 'da-dev-labels.jsonl').map(
      (l) => [l.id, l],
    ),
  );
  const tables = new Set(questions.map((q) => q.file_name));
  const readTable = async (file_name: string) => {
    // Only the tables the questions name: the tool cannot be walked out of the folder.
    if (!tables.has(file_name) || /[/\\]|^\.\.?$/.test(file_name)) {
      throw new Error(
        `no table "${file_name}"; the questions use: ${[...tables].slice(0, 20).join(', ')}…`,
      );
    }
    const data = await read(`da-dev-tables/${file_name}`);
    if (data.length > DABENCH_MAX_TABLE_BYTES)
      throw new Error(`${file_name} is over ${DABENCH_MAX_TABLE_BYTES} bytes`);
    return data.toString('utf8');
  };
  const tools = (): BaseTool[] => [
    new FunctionTool({
      name: 'read_table',
      description:
        'Return a data file of the benchmark as CSV text. In Python: pd.read_csv(io.StringIO(read_table(file_name="x.csv"))).',
      parameters: z.object({file_name: z.string().describe('the file named in the question')}),
      execute: ({file_name}) => readTable(file_name),
    }),
  ];
  return {
    name: 'infiagent-dabench',
    description: `InfiAgent-DABench closed-form questions (${questions.length}) from ${source}`,
    instruction: INSTRUCTION,
    tasks: questions.map((q) => {
      const label = labels.get(q.id);
      if (!label)
        throw new Error(`InfiAgent-DABench: question ${q.id} has no label in da-dev-labels.jsonl`);
      return {
        id: `dabench-${q.id}`,
        category: q.level ?? 'unknown',
        turns: [prompt(q)],
        check: checkLabel(label),
      };
    }),
    tools,
    extraImports: ['pandas', 'numpy', 'matplotlib', 'scipy', 'sklearn'],
    notice:
      "InfiAgent-DABench (Hu et al., ICML 2024; data CC BY-NC 4.0) was read from the copy given with --data; this package ships none of it. Scored with the benchmark's closed-form rule (all @name[value] sub-answers equal).",
  };
}
