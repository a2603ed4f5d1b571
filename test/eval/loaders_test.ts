/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';

import type {LlmRequest, LlmResponse} from '@google/adk';
import {Type} from '@google/genai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {
  daBenchEqual,
  formattedAnswers,
  loadInfiAgentDaBench,
} from '../../src/eval/loaders/infiagent_dabench.js';
import {
  loadM3ToolEval,
  m3AnswerMatches,
  parseSignature,
  schemaOfAnnotation,
} from '../../src/eval/loaders/m3tooleval.js';
import {runEval} from '../../src/eval/runner.js';
import type {EvalSuite} from '../../src/eval/suite.js';
import {ScriptedLlm} from '../../src/models/scripted_llm.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

/** Writes `files` (relative path → text) under a new temporary folder. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'eval-loader-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), {recursive: true});
    writeFileSync(join(root, path), text);
  }
  return root;
}

const lines = (...rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** A sample in InfiAgent-DABench's layout, with questions and data written for this test. */
const DABENCH_SAMPLE = {
  'da-dev-questions.jsonl': lines(
    {
      id: 3,
      question: 'What is the mean number of units sold per order?',
      concepts: ['Summary Statistics'],
      constraints: 'Use all rows. Round to two decimal places.',
      format: '@mean_units[value] where "value" is a number rounded to two decimals.',
      file_name: 'shop_orders.csv',
      level: 'easy',
    },
    {
      id: 8,
      question: 'Which region sold the most units, and how many?',
      concepts: ['Summary Statistics', 'Comprehensive Data Preprocessing'],
      constraints: 'Sum the units per region.',
      format: '@top_region[name] @top_units[count]',
      file_name: 'shop_orders.csv',
      level: 'medium',
    },
  ),
  'da-dev-labels.jsonl': lines(
    {id: 3, common_answers: [['mean_units', '4.60']]},
    {
      id: 8,
      common_answers: [
        ['top_region', 'north'],
        ['top_units', '13'],
      ],
    },
  ),
  'da-dev-tables/shop_orders.csv':
    'order,region,units\n1,north,5\n2,south,2\n3,north,8\n4,east,4\n5,south,4\n',
};

/**
 * A sample in M3ToolEval's published layout (a `tasks` package: base module with `Task`,
 * `ToolType` and `register_task_iterator`, a REPL module importing IPython, task modules under
 * `impl/`), with tools and tasks written for this test.
 */
const M3_SAMPLE = {
  'tasks/__init__.py':
    'from .base import Task, ToolType, get_task_iterator\nfrom .impl import counters\n',
  'tasks/repl.py':
    'from IPython.core.interactiveshell import InteractiveShell\nfrom IPython.utils import io\n\nclass PythonREPL:\n    pass\n',
  'tasks/base.py': `from collections import namedtuple
from tqdm import tqdm
from .repl import PythonREPL

ToolType = namedtuple("ToolType", ["name", "description", "function", "fn_signature"])

class Task:
    def __init__(self, name, tools, instruction, expected_output, is_single_tool_task=True):
        self.name = name
        self.tools = tools
        self.instruction = instruction
        self.expected_output = expected_output
        self.is_single_tool_task = is_single_tool_task
        print("registering", name)
        self.reset()

    def reset(self):
        if callable(self.tools):
            self.tools = self.tools()

task_iterators = []

def register_task_iterator(task_iter, length):
    task_iterators.append((task_iter, length))

def get_task_iterator():
    for tasks, _ in task_iterators:
        yield from tasks
`,
  'tasks/impl/__init__.py': '',
  'tasks/impl/counters.py': `from ..base import Task, ToolType, register_task_iterator

def make_tools():
    state = {"next": 0}
    def next_ticket():
        state["next"] += 1
        print("ticket", state["next"])
        return state["next"]
    def biggest(*args):
        return max(args)
    def shout(s):
        return s.upper() + "!"
    return {
        "next_ticket": ToolType("next_ticket", "Takes the next ticket.", next_ticket, "next_ticket() -> int"),
        "maximum_value": ToolType("maximum_value", "The largest of its arguments.", biggest, "maximum_value(*args) -> int/float"),
        "shout": ToolType("shout", "Shouts a text.", shout, "shout(text: str) -> str"),
    }

TASKS = [
    Task("counters/second_ticket", make_tools, "Take two tickets. What is the number of the second?", 2, False),
    Task("counters/largest", make_tools, "What is the largest of 3, 9 and 4?", 9, False),
    Task("counters/shout", make_tools, "Shout the word hello.", "HELLO!", False),
]
register_task_iterator(TASKS, len(TASKS))
`,
};

const calls = (...list: Array<[string, Record<string, unknown>]>): LlmResponse => ({
  content: {role: 'model', parts: list.map(([name, args]) => ({functionCall: {name, args}}))},
});
const responses = (request: LlmRequest) =>
  request.contents.flatMap((c) =>
    (c.parts ?? []).flatMap((p) => (p.functionResponse ? [p.functionResponse] : [])),
  );

describe('InfiAgent-DABench loader', () => {
  let folder: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    folder = tree(DABENCH_SAMPLE);
    server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(folder, decodeURIComponent(req.url!.slice('/data/'.length)))));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data`;
  });
  afterAll(async () => {
    rmSync(folder, {recursive: true, force: true});
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads the published layout from a folder and from a URL', async () => {
    for (const source of [folder, url]) {
      const suite = await loadInfiAgentDaBench(source);
      expect(suite.tasks.map((t) => [t.id, t.category])).toEqual([
        ['dabench-3', 'easy'],
        ['dabench-8', 'medium'],
      ]);
      expect(suite.tasks[0].turns[0]).toContain('Answer format: @mean_units[value]');
      expect(suite.tasks[0].turns[0]).toContain('Data file: shop_orders.csv');
      const [readTable] = suite.tools(suite.tasks[0]) as Awaited<ReturnType<EvalSuite['tools']>>;
      // read_table reads no context; the harness passes ADK's real one.
      const run = (file_name: string) =>
        readTable.runAsync({args: {file_name}, toolContext: undefined as never});
      expect(await run('shop_orders.csv')).toContain('1,north,5');
      await expect(run('../da-dev-labels.jsonl')).rejects.toThrow(/no table/);
      expect(suite.notice).toContain('CC BY-NC');
    }
  });

  it('scores as the benchmark does: every @name[value] equal as text or within 1e-6', async () => {
    const suite = await loadInfiAgentDaBench(folder);
    const check = (i: number, answer: string) =>
      suite.tasks[i].check({answer, toolCalls: [], artifacts: []});
    expect(check(0, 'The mean is @mean_units[4.6].').pass).toBe(true);
    expect(check(0, '@mean_units[4.61]').reason).toBe('@mean_units: expected [4.60], got [4.61]');
    expect(check(1, '@top_region[north] @top_units[13]').pass).toBe(true);
    expect(check(1, '@top_region[north]').reason).toBe('@top_units: expected [13], got nothing');
    expect(formattedAnswers('@a[1] @b[x y] @a[2]')).toEqual(
      new Map([
        ['a', '1'],
        ['b', 'x y'],
      ]),
    );
    expect(daBenchEqual('0.1000001', '0.1')).toBe(true);
    expect(daBenchEqual('', '0')).toBe(false);
  });

  it('names what is missing when the folder is not a copy of the benchmark', async () => {
    const empty = tree({'README.md': 'nothing here'});
    try {
      await expect(loadInfiAgentDaBench(empty)).rejects.toThrow(
        /cannot read da-dev-questions\.jsonl/,
      );
    } finally {
      rmSync(empty, {recursive: true, force: true});
    }
  });

  it.skipIf(bwrap.skipReason !== undefined)(
    `runs end to end with both agents (${bwrap.title})`,
    async () => {
      const executor = bwrap.create();
      try {
        const suite = await loadInfiAgentDaBench(folder);
        const run = await runEval({
          suite,
          executor,
          taskIds: ['dabench-3'],
          source: {
            kind: 'custom',
            model: 'scripted',
            make: (_task, agent) =>
              agent === 'coding'
                ? new ScriptedLlm({
                    responses: [
                      '```python\nimport io\nimport pandas as pd\ndf = pd.read_csv(io.StringIO(read_table(file_name="shop_orders.csv")))\nm = df["units"].mean()\nprint(m)\n```',
                      '```python\nfinal_answer(f"@mean_units[{m:.2f}]")\n```',
                    ],
                  })
                : new ScriptedLlm({
                    responses: (request) =>
                      responses(request).length
                        ? '@mean_units[4.60]'
                        : calls(['read_table', {file_name: 'shop_orders.csv'}]),
                  }),
          },
        });
        expect(run.results.map((r) => [r.agent, r.pass, r.answer])).toEqual([
          ['coding', true, '@mean_units[4.60]'],
          ['llm', true, '@mean_units[4.60]'],
        ]);
      } finally {
        await executor.dispose();
      }
    },
  );
});

describe('M3ToolEval loader', () => {
  it('reads published tool signatures', () => {
    expect(parseSignature('caesar_decode(message: str, shift: int) -> str')).toEqual([
      {name: 'message', type: 'str', variadic: false, optional: false},
      {name: 'shift', type: 'int', variadic: false, optional: false},
    ]);
    expect(parseSignature('minimum_value(*args) -> int/float')).toEqual([
      {name: 'args', type: undefined, variadic: true, optional: false},
    ]);
    expect(parseSignature('f(items: List[Tuple[str, int]], n: int = 3, **kw)')).toEqual([
      {name: 'items', type: 'List[Tuple[str, int]]', variadic: false, optional: false},
      {name: 'n', type: 'int', variadic: false, optional: true},
    ]);
    expect(schemaOfAnnotation('List[str]')).toEqual({type: Type.ARRAY, items: {type: Type.STRING}});
    expect(schemaOfAnnotation('int/float')).toEqual({type: Type.NUMBER});
  });

  it('compares answers as the benchmark does (text, number, list)', () => {
    expect(m3AnswerMatches('9', 9)).toBe(true);
    expect(m3AnswerMatches('Answer: 52.97', 52.969999999999)).toBe(true);
    expect(m3AnswerMatches("['a', 'b']", ['a', 'b'])).toBe(true);
    expect(m3AnswerMatches('"HELLO!"', 'HELLO!')).toBe(true);
    expect(m3AnswerMatches('10', 9)).toBe(false);
    expect(m3AnswerMatches('The answer is 9', 9)).toBe(false);
  });

  it('refuses a URL and a folder that is not the package', async () => {
    const executor = {} as never;
    await expect(loadM3ToolEval('https://example.org/m3', executor)).rejects.toThrow(/not a URL/);
    await expect(loadM3ToolEval(tmpdir(), executor)).rejects.toThrow(/no tasks\/__init__\.py/);
  });

  it.skipIf(bwrap.skipReason !== undefined)(
    `hosts the tasks' Python tools in a sandbox, fresh for every run (${bwrap.title})`,
    async () => {
      const folder = tree(M3_SAMPLE);
      const executor = bwrap.create();
      try {
        const suite = await loadM3ToolEval(folder, executor);
        expect(suite.tasks.map((t) => [t.id, t.category])).toEqual([
          ['counters.second_ticket', 'counters'],
          ['counters.largest', 'counters'],
          ['counters.shout', 'counters'],
        ]);
        const solutions: Record<
          string,
          {coding: string[]; llm: (r: LlmRequest) => string | LlmResponse}
        > = {
          'counters.second_ticket': {
            coding: [
              '```python\nfirst = next_ticket()\nsecond = next_ticket()\nprint(first, second)\n```',
              '```python\nfinal_answer(second)\n```',
            ],
            llm: (r) =>
              responses(r).length < 2
                ? calls(['next_ticket', {}])
                : String((responses(r).at(-1)!.response as {result: number}).result),
          },
          'counters.largest': {
            coding: [
              '```python\nm = maximum_value(args=[3, 9, 4])\nprint(m)\n```',
              '```python\nfinal_answer(m)\n```',
            ],
            llm: (r) =>
              responses(r).length
                ? String((responses(r)[0].response as {result: number}).result)
                : calls(['maximum_value', {args: [3, 9, 4]}]),
          },
          'counters.shout': {
            coding: [
              '```python\nw = shout(text="hello")\nprint(w)\n```',
              '```python\nfinal_answer(w)\n```',
            ],
            llm: (r) =>
              responses(r).length
                ? String((responses(r)[0].response as {result: string}).result)
                : calls(['shout', {text: 'hello'}]),
          },
        };
        const run = await runEval({
          suite,
          executor,
          repeat: 2,
          source: {
            kind: 'custom',
            model: 'scripted',
            make: (task, agent) =>
              agent === 'coding'
                ? new ScriptedLlm({responses: solutions[task.id].coding})
                : new ScriptedLlm({responses: solutions[task.id].llm}),
          },
        });
        // A second run of a task starts with fresh tools: its second ticket is 2 again.
        expect(run.results.map((r) => [r.task, r.agent, r.repeat, r.pass, r.answer])).toEqual(
          ['counters.second_ticket', 'counters.largest', 'counters.shout'].flatMap((task, i) =>
            ['coding', 'llm'].flatMap((agent) =>
              [0, 1].map((repeat) => [task, agent, repeat, true, ['2', '9', 'HELLO!'][i]]),
            ),
          ),
        );
      } finally {
        await executor.dispose();
        rmSync(folder, {recursive: true, force: true});
      }
    },
  );
});
