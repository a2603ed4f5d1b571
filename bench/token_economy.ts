/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The benchmark's token sections, run through the eval harness with scripted replies:
 *
 * - tokens against ADK's `LlmAgent`: tasks where the difference matters, each solved the way
 *   each agent must (the CodingAgent with Python steps, the LlmAgent with function calls,
 *   parallel where the calls do not depend on each other, and once one call per turn as a model
 *   without parallel calls must), every request counted with o200k;
 * - the growth of one run's requests over 20 steps that each print about 6 KB (the figures the
 *   token-economy work compares against).
 */

import {FunctionTool, type LlmRequest, type LlmResponse} from '@google/adk';
import {z} from 'zod';

import type {CodeExecutor} from '../src/code_executors/sandbox.js';
import {runEval, type AgentKind} from '../src/eval/runner.js';
import type {EvalSuite, EvalTask} from '../src/eval/suite.js';
import {ScriptedLlm, type ScriptedReply} from '../src/models/scripted_llm.js';
import {TokenCountingLlm, type MeteredCall} from './request_tokens.js';

const PAGES = 40;
const PER_PAGE = 25;
const REGIONS = ['north', 'south', 'east', 'west'];
const SKUS = Array.from({length: 20}, (_, i) => `S${String(i + 1).padStart(2, '0')}`);

/** Page `page` of the ledger: 25 records a page, deterministic. */
function ledgerPage(page: number) {
  return {
    page,
    pages: PAGES,
    records: Array.from({length: PER_PAGE}, (_, i) => {
      const id = (page - 1) * PER_PAGE + i + 1;
      return {id, region: REGIONS[(id * 7) % 4], amount: ((id * 7919) % 1000) / 10};
    }),
  };
}
const unitsOf = (sku: string) => (Number(sku.slice(1)) * 37) % 23;

const readPage = new FunctionTool({
  name: 'read_page',
  description: `One page of the ledger (${PER_PAGE} records: id, region, amount) and the number of pages.`,
  parameters: z.object({page: z.number().int().describe('from 1')}),
  execute: ({page}) => ledgerPage(page),
});
/** A product record as an inventory API returns it: the filter needs one field of it. */
const getStock = new FunctionTool({
  name: 'get_stock',
  description: 'The stock record of one SKU: product details, units in stock, warehouse split.',
  parameters: z.object({sku: z.string()}),
  execute: ({sku}) => {
    const units = unitsOf(sku);
    return {
      sku,
      name: `Product ${sku}`,
      category: ['tools', 'home', 'outdoor'][Number(sku.slice(1)) % 3],
      units,
      warehouses: {north: Math.floor(units / 2), south: units - Math.floor(units / 2)},
      supplier: `Supplier ${(Number(sku.slice(1)) % 4) + 1}`,
      last_restock: `2024-05-${String((Number(sku.slice(1)) % 28) + 1).padStart(2, '0')}`,
      reorder_level: 10,
    };
  },
});
const getRate = new FunctionTool({
  name: 'get_exchange_rate',
  description: 'How many units of quote one unit of base buys.',
  parameters: z.object({base: z.string(), quote: z.string()}),
  execute: ({base, quote}) => ({base, quote, rate: base === 'EUR' && quote === 'USD' ? 1.08 : 1}),
});

const py = (code: string) => `\`\`\`python\n${code.trim()}\n\`\`\``;
const calls = (list: Array<[string, Record<string, unknown>]>): LlmResponse => ({
  content: {role: 'model', parts: list.map(([name, args]) => ({functionCall: {name, args}}))},
});
const results = (request: LlmRequest) =>
  request.contents.flatMap((c) =>
    (c.parts ?? []).flatMap((p) =>
      p.functionResponse ? [p.functionResponse.response as Record<string, unknown>] : [],
    ),
  );
const modelTurns = (request: LlmRequest) =>
  request.contents.filter((c) => c.role === 'model').length;

interface TokenTask {
  id: string;
  question: string;
  /** The task's one tool: both agents get only it. */
  tool: FunctionTool;
  /** The CodingAgent's replies. */
  coding: string[];
  /** The LlmAgent's reply to a request. */
  llm(request: LlmRequest): ScriptedReply;
  /** The answer, normalised for comparison. */
  answer(text: string): string;
}

const north = (records: Array<{region: string; amount: number}>) =>
  Math.round(records.filter((r) => r.region === 'north').reduce((a, r) => a + r.amount, 0) * 10) /
  10;

const TASKS: TokenTask[] = [
  {
    id: 'paginated_40_pages',
    tool: readPage,
    question: "What is the total amount of the ledger's records of region north, over all pages?",
    coding: [
      py(`
first = read_page(page=1)
records = list(first["records"])
for page in range(2, first["pages"] + 1):
    records += read_page(page=page)["records"]
total = round(sum(r["amount"] for r in records if r["region"] == "north"), 1)
print(len(records), total)`),
      py('final_answer(total)'),
    ],
    llm: (request) => {
      if (modelTurns(request) === 0) return calls([['read_page', {page: 1}]]);
      if (modelTurns(request) === 1) {
        return calls(Array.from({length: PAGES - 1}, (_, i) => ['read_page', {page: i + 2}]));
      }
      const records = results(request).flatMap(
        (r) => r.records as Array<{region: string; amount: number}>,
      );
      return String(north(records));
    },
    answer: (text) => String(Number(text.trim())),
  },
  {
    id: 'twenty_calls_filtered',
    tool: getStock,
    question: `Which of the SKUs ${SKUS.join(', ')} have fewer than 10 units in stock?`,
    coding: [
      py(`
skus = [f"S{i:02d}" for i in range(1, 21)]
final_answer([s for s in skus if get_stock(sku=s)["units"] < 10])`),
    ],
    llm: (request) =>
      modelTurns(request) === 0
        ? calls(SKUS.map((sku) => ['get_stock', {sku}]))
        : JSON.stringify(
            results(request)
              .filter((r) => (r.units as number) < 10)
              .map((r) => r.sku),
          ),
    answer: (text) => JSON.stringify(JSON.parse(text)),
  },
  {
    id: 'twenty_calls_one_per_turn',
    tool: getStock,
    question: `Which of the SKUs ${SKUS.join(', ')} have fewer than 10 units in stock?`,
    coding: [
      py(`
skus = [f"S{i:02d}" for i in range(1, 21)]
low = [s for s in skus if get_stock(sku=s)["units"] < 10]
print(low)`),
      py('final_answer(low)'),
    ],
    // A model without parallel calls: one call per turn, every record resent with each request.
    llm: (request) =>
      modelTurns(request) < SKUS.length
        ? calls([['get_stock', {sku: SKUS[modelTurns(request)]}]])
        : JSON.stringify(
            results(request)
              .filter((r) => (r.units as number) < 10)
              .map((r) => r.sku),
          ),
    answer: (text) => JSON.stringify(JSON.parse(text)),
  },
  {
    id: 'single_call',
    tool: getRate,
    question: 'What is the exchange rate from EUR to USD?',
    // The prompt lets the model answer in the step that computes the answer when it need not
    // see the output first, as here.
    coding: [py('final_answer(get_exchange_rate(base="EUR", quote="USD")["rate"])')],
    llm: (request) =>
      modelTurns(request) === 0
        ? calls([['get_exchange_rate', {base: 'EUR', quote: 'USD'}]])
        : String(results(request)[0].rate),
    answer: (text) => String(Number(text.trim())),
  },
];

/** One agent's figures on one task. */
export interface AgentTokens {
  modelCalls: number;
  promptTokens: number;
  outputTokens: number;
  totalTokens: number;
  answer: string;
}

/** One task of the comparison. */
export interface TokenComparison {
  task: string;
  llm: AgentTokens;
  coding: AgentTokens;
  /** LlmAgent total tokens ÷ CodingAgent total tokens (above 1: code was cheaper). */
  ratio: number;
  sameAnswer: boolean;
}

function figures(calls: readonly MeteredCall[], answer: string): AgentTokens {
  const prompt = calls.reduce((a, c) => a + c.promptTokens, 0);
  const output = calls.reduce((a, c) => a + c.outputTokens, 0);
  return {
    modelCalls: calls.length,
    promptTokens: prompt,
    outputTokens: output,
    totalTokens: prompt + output,
    answer,
  };
}

function tokenSuite(tasks: readonly TokenTask[]): EvalSuite {
  return {
    name: 'bench-tokens',
    description: 'token comparison',
    instruction: 'Answer from the tools. Reply with the answer only.',
    tasks: tasks.map((t) => ({
      id: t.id,
      category: 'bench',
      turns: [t.question],
      check: () => ({pass: true, reason: 'compared separately'}),
    })),
    tools: (task) => [tasks.find((t) => t.id === task.id)!.tool],
  };
}

/** Runs the tasks with both agents and compares their tokens and answers. */
export async function tokensAgainstLlmAgent(executor: CodeExecutor): Promise<TokenComparison[]> {
  const models = new Map<string, TokenCountingLlm>();
  const make = (task: EvalTask, agent: AgentKind) => {
    const spec = TASKS.find((t) => t.id === task.id)!;
    const inner = new ScriptedLlm({responses: agent === 'coding' ? spec.coding : spec.llm});
    const model = new TokenCountingLlm(inner);
    models.set(`${task.id}/${agent}`, model);
    return model;
  };
  const run = await runEval({
    suite: tokenSuite(TASKS),
    executor,
    source: {kind: 'custom', model: 'scripted', make},
  });
  return TASKS.map((task) => {
    const of = (agent: AgentKind) => {
      const result = run.results.find((r) => r.task === task.id && r.agent === agent)!;
      if (result.error) throw new Error(`${task.id} (${agent}): ${result.error}`);
      return figures(models.get(`${task.id}/${agent}`)!.calls, result.answer);
    };
    const llm = of('llm');
    const coding = of('coding');
    return {
      task: task.id,
      llm,
      coding,
      ratio: llm.totalTokens / coding.totalTokens,
      sameAnswer: task.answer(llm.answer) === task.answer(coding.answer),
    };
  });
}

/** Request sizes of one CodingAgent run of `steps` steps that each print about 6 KB. */
export interface ContextGrowth {
  steps: number;
  /** Characters and o200k tokens of the request of each step named (5, 10, 20). */
  atStep: Record<number, {chars: number; tokens: number}>;
  total: {chars: number; tokens: number; modelCalls: number};
  /** Bytes each step printed. */
  printedBytes: number;
}

/** A step's output: a 160-line table of about 6 KB. */
const PRINT_TABLE = (step: number) =>
  py(`
rows = [f"row {${step}:02d}-{i:03d} | {(i * 7919) % 10007:6d} | {((i * 104729) % 1000) / 7:9.3f} | {'abcdefghij'[i % 10] * 3}" for i in range(160)]
text = "\\n".join(rows)
print(text)`);

/**
 * Measures the requests of one run of 20 printing steps and a final answer (`codingOptions`
 * `{maxRunContextChars: Infinity}` measures it without observation aging).
 */
export async function contextGrowth(
  executor: CodeExecutor,
  steps = 20,
  codingOptions: {maxRunContextChars?: number} = {},
): Promise<ContextGrowth> {
  let model: TokenCountingLlm | undefined;
  const replies = [
    ...Array.from({length: steps}, (_, i) => PRINT_TABLE(i + 1)),
    py('final_answer(len(text))'),
  ];
  const run = await runEval({
    suite: {
      ...tokenSuite([]),
      tools: () => [],
      tasks: [
        {
          id: 'growth',
          category: 'bench',
          turns: [`Print the table ${steps} times, then answer with its length.`],
          check: () => ({pass: true, reason: ''}),
        },
      ],
    },
    executor,
    agents: ['coding'],
    maxIterations: steps + 1,
    codingOptions,
    source: {
      kind: 'custom',
      model: 'scripted',
      make: () => (model = new TokenCountingLlm(new ScriptedLlm({responses: replies}))),
    },
  });
  const [result] = run.results;
  if (result.stopReason !== 'final_answer') {
    throw new Error(`growth run stopped with ${result.stopReason}: ${result.reason}`);
  }
  const calls = model!.calls;
  const at = (step: number) => ({
    chars: calls[step - 1].requestChars,
    tokens: calls[step - 1].promptTokens,
  });
  return {
    steps,
    atStep: {5: at(5), 10: at(10), [steps]: at(steps)},
    total: {
      chars: calls.reduce((a, c) => a + c.requestChars, 0),
      tokens: calls.reduce((a, c) => a + c.promptTokens, 0),
      modelCalls: calls.length,
    },
    printedBytes: Number(result.answer),
  };
}
