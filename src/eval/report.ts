/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The eval report: per agent the success rate with its 95 % Wilson interval, steps, model calls,
 * tool calls, tokens and wall time, every failure with its reason; per category; and task by task
 * where one agent did better or cost less than the other. Written as JSON and Markdown, with a
 * PNG chart of success against tokens drawn by matplotlib in the package's own sandbox.
 */

import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

import type {CodeExecutor} from '../code_executors/sandbox.js';
import type {AgentKind, EvalRun, RunResult, RunTokens} from './runner.js';
import type {EvalSuite} from './suite.js';

/** The format tag of `report.json`. */
export const REPORT_FORMAT = 'adk-coding-agent/eval-report@1';

/** Display names of the agents. */
export const AGENT_LABELS: Record<AgentKind, string> = {
  coding: 'CodingAgent',
  llm: 'LlmAgent (function calls)',
};

/**
 * The Wilson score interval of `successes` out of `n` trials (95 % for the default `z`): unlike
 * the normal approximation it stays inside [0, 1] and is sensible for small `n` and for rates
 * near 0 or 1.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** One agent's figures over every run. */
export interface AgentSummary {
  agent: AgentKind;
  runs: number;
  passed: number;
  successRate: number;
  /** 95 % Wilson interval of the success rate. */
  ci95: [number, number];
  /** Means per run. */
  mean: {steps: number; modelCalls: number; toolCalls: number; wallMs: number; tokens: RunTokens};
  /** Sums over all runs. */
  total: {tokens: RunTokens; wallMs: number};
  failures: Array<{task: string; repeat: number; reason: string}>;
}

/** One agent's figures in one category. */
export interface CategorySummary {
  category: string;
  agent: AgentKind;
  runs: number;
  passed: number;
  successRate: number;
  meanTokens: number;
}

/** One task, agent against agent. */
export interface TaskComparison {
  task: string;
  category: string;
  agents: Partial<Record<AgentKind, {runs: number; passed: number; meanTokens: number}>>;
  /** LlmAgent tokens ÷ CodingAgent tokens (above 1: code was cheaper), when both ran. */
  tokenRatio?: number;
}

/** Everything `report.json` holds. */
export interface EvalReport {
  format: typeof REPORT_FORMAT;
  suite: string;
  description: string;
  notice?: string;
  mode: EvalRun['mode'];
  model: string;
  modelLabel?: string;
  startedAt: string;
  durationMs: number;
  repeat: number;
  tasksRun: number;
  tasksInSuite: number;
  agents: AgentSummary[];
  categories: CategorySummary[];
  tasks: TaskComparison[];
  runs: RunResult[];
}

function zeroTokens(): RunTokens {
  return {prompt: 0, output: 0, thinking: 0, cached: 0, total: 0};
}

function sumTokens(runs: readonly RunResult[]): RunTokens {
  const sum = zeroTokens();
  for (const run of runs) {
    for (const key of Object.keys(sum) as Array<keyof RunTokens>) sum[key] += run.tokens[key];
  }
  return sum;
}

const mean = (values: readonly number[]) =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;

function agentSummary(agent: AgentKind, runs: readonly RunResult[]): AgentSummary {
  const passed = runs.filter((r) => r.pass).length;
  const total = sumTokens(runs);
  const perRun = Object.fromEntries(
    Object.entries(total).map(([k, v]) => [k, runs.length ? v / runs.length : 0]),
  ) as unknown as RunTokens;
  return {
    agent,
    runs: runs.length,
    passed,
    successRate: runs.length ? passed / runs.length : 0,
    ci95: wilsonInterval(passed, runs.length),
    mean: {
      steps: mean(runs.map((r) => r.steps)),
      modelCalls: mean(runs.map((r) => r.modelCalls)),
      toolCalls: mean(runs.map((r) => r.toolCalls)),
      wallMs: mean(runs.map((r) => r.wallMs)),
      tokens: perRun,
    },
    total: {tokens: total, wallMs: runs.reduce((a, r) => a + r.wallMs, 0)},
    failures: runs
      .filter((r) => !r.pass)
      .map((r) => ({task: r.task, repeat: r.repeat, reason: r.reason})),
  };
}

/** Builds the report of `run` (a run of `suite` with `repeat` runs per task). */
export function buildReport(suite: EvalSuite, run: EvalRun, repeat: number): EvalReport {
  const agents = [...new Set(run.results.map((r) => r.agent))];
  const categories = [...new Set(run.results.map((r) => r.category))];
  const tasks = [...new Set(run.results.map((r) => r.task))];
  return {
    format: REPORT_FORMAT,
    suite: suite.name,
    description: suite.description,
    notice: suite.notice,
    mode: run.mode,
    model: run.model,
    modelLabel: run.modelLabel,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    repeat,
    tasksRun: run.tasksRun,
    tasksInSuite: suite.tasks.length,
    agents: agents.map((a) =>
      agentSummary(
        a,
        run.results.filter((r) => r.agent === a),
      ),
    ),
    categories: categories.flatMap((category) =>
      agents.map((agent) => {
        const runs = run.results.filter((r) => r.agent === agent && r.category === category);
        const passed = runs.filter((r) => r.pass).length;
        return {
          category,
          agent,
          runs: runs.length,
          passed,
          successRate: runs.length ? passed / runs.length : 0,
          meanTokens: mean(runs.map((r) => r.tokens.total)),
        };
      }),
    ),
    tasks: tasks.map((task) => {
      const runs = run.results.filter((r) => r.task === task);
      const byAgent: TaskComparison['agents'] = {};
      for (const agent of agents) {
        const mine = runs.filter((r) => r.agent === agent);
        if (mine.length === 0) continue;
        byAgent[agent] = {
          runs: mine.length,
          passed: mine.filter((r) => r.pass).length,
          meanTokens: mean(mine.map((r) => r.tokens.total)),
        };
      }
      const {coding, llm} = byAgent;
      return {
        task,
        category: runs[0].category,
        agents: byAgent,
        tokenRatio:
          coding && llm && coding.meanTokens > 0 ? llm.meanTokens / coding.meanTokens : undefined,
      };
    }),
    runs: run.results,
  };
}

// --- Markdown ---------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ratio = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)}×`;
/** Table cells hold model text: keep them on one line and their pipes escaped. */
const cell = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** Where the replies came from, in one line. */
function provenance(report: EvalReport): string {
  const label = report.modelLabel ? ` (${report.modelLabel})` : '';
  switch (report.mode) {
    case 'replay':
      return `Replayed from cassettes, no model called: ${report.model}${label}.`;
    case 'record':
      return `Model ${report.model}${label}; every call recorded as a cassette.`;
    case 'live':
      return `Model ${report.model}${label}.`;
  }
}

/** The summary printed on the terminal: the agents' table, failures, and head to head. */
export function renderSummary(report: EvalReport): string {
  const lines = [
    `## ${report.suite}: ${report.tasksRun} of ${report.tasksInSuite} tasks × ${report.repeat} run${report.repeat === 1 ? '' : 's'}`,
    '',
    provenance(report),
    '',
    ...table(
      [
        'agent',
        'success',
        '95 % CI',
        'steps',
        'model calls',
        'tool calls',
        'prompt tokens',
        'output tokens',
        'thinking tokens',
        'wall time',
      ],
      report.agents.map((a) => [
        AGENT_LABELS[a.agent],
        `${a.passed}/${a.runs} (${pct(a.successRate)})`,
        `${pct(a.ci95[0])} – ${pct(a.ci95[1])}`,
        a.mean.steps.toFixed(1),
        a.mean.modelCalls.toFixed(1),
        a.mean.toolCalls.toFixed(1),
        int(a.mean.tokens.prompt),
        int(a.mean.tokens.output),
        int(a.mean.tokens.thinking),
        secs(a.mean.wallMs),
      ]),
    ),
    '',
    'Steps, calls, tokens and time are means per run. Steps: code steps for the CodingAgent, model calls for the LlmAgent.',
  ];
  lines.push('', ...headToHead(report));
  const failures = report.agents.flatMap((a) =>
    a.failures.map((f) => [
      AGENT_LABELS[a.agent],
      f.task + (report.repeat > 1 ? ` (run ${f.repeat + 1})` : ''),
      cell(f.reason),
    ]),
  );
  lines.push('', '### Failures', '');
  if (failures.length) lines.push(...table(['agent', 'task', 'reason'], failures));
  else lines.push('None.');
  if (report.notice) lines.push('', report.notice);
  return lines.join('\n');
}

/** Tasks one agent solved and the other did not, and where code cost more tokens. */
function headToHead(report: EvalReport): string[] {
  const both = report.tasks.filter((t) => t.agents.coding && t.agents.llm);
  if (both.length === 0) return [];
  const solved = (t: TaskComparison, a: AgentKind) => t.agents[a]!.passed === t.agents[a]!.runs;
  const onlyCode = both.filter((t) => solved(t, 'coding') && !solved(t, 'llm')).map((t) => t.task);
  const onlyLlm = both.filter((t) => solved(t, 'llm') && !solved(t, 'coding')).map((t) => t.task);
  const ratios = both.filter((t) => t.tokenRatio !== undefined).map((t) => t.tokenRatio!);
  const costlier = both.filter((t) => t.tokenRatio !== undefined && t.tokenRatio < 1);
  const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)];
  return [
    '### Head to head',
    '',
    `- Solved by the CodingAgent only: ${onlyCode.join(', ') || 'none'}.`,
    `- Solved by the LlmAgent only: ${onlyLlm.join(', ') || 'none'}.`,
    ratios.length
      ? `- Tokens, LlmAgent ÷ CodingAgent per task: median ${ratio(median)}, from ${ratio(Math.min(...ratios))} to ${ratio(Math.max(...ratios))}.`
      : '- No token counts to compare.',
    `- Tasks where the CodingAgent used more tokens: ${
      costlier.map((t) => `${t.task} (${ratio(1 / t.tokenRatio!)} the LlmAgent's)`).join(', ') ||
      'none'
    }.`,
  ];
}

/** The whole Markdown report: the summary, per category, and task by task. */
export function renderMarkdown(report: EvalReport): string {
  const lines = [
    `# Eval report: ${report.suite}`,
    '',
    `${report.description}. Started ${report.startedAt}, took ${secs(report.durationMs)}.`,
    '',
    renderSummary(report),
    '',
    '### By category',
    '',
    ...table(
      ['category', 'agent', 'success', 'mean tokens'],
      report.categories.map((c) => [
        c.category,
        AGENT_LABELS[c.agent],
        `${c.passed}/${c.runs} (${pct(c.successRate)})`,
        int(c.meanTokens),
      ]),
    ),
    '',
    '### By task',
    '',
    ...table(
      ['task', 'category', 'CodingAgent', 'LlmAgent', 'tokens LlmAgent ÷ CodingAgent'],
      report.tasks.map((t) => [
        t.task,
        t.category,
        ...(['coding', 'llm'] as const).map((a) => {
          const s = t.agents[a];
          return s ? `${s.passed}/${s.runs}, ${int(s.meanTokens)} tokens` : '—';
        }),
        t.tokenRatio === undefined ? '—' : ratio(t.tokenRatio),
      ]),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

// --- Chart ------------------------------------------------------------------------------

/** matplotlib code for the chart; the data arrives as a JSON literal. */
const CHART_CODE = `
import json
import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
data = json.loads(DATA)
fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
colors = {"coding": "#1f77b4", "llm": "#d62728"}
for cat in data["categories"]:
    if cat["runs"] and cat["meanTokens"] > 0:
        ax.scatter(cat["meanTokens"], cat["successRate"] * 100, s=25, alpha=0.35, color=colors[cat["agent"]])
for a in data["agents"]:
    x = max(a["meanTokens"], 1)
    y = a["successRate"] * 100
    err = [[max(0, y - a["ci95"][0] * 100)], [max(0, a["ci95"][1] * 100 - y)]]
    ax.errorbar(x, y, yerr=err, fmt="o", ms=9, capsize=5, color=colors[a["agent"]], label=a["label"])
ax.set_xscale("log")
plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}")
ax.xaxis.set_major_formatter(plain)
ax.xaxis.set_minor_formatter(plain)
ax.tick_params(axis="x", which="minor", labelsize=7)
ax.set_ylim(-5, 105)
ax.set_xlabel("mean tokens per run (prompt + output + thinking), log scale")
ax.set_ylabel("success rate, % (95 % Wilson interval)")
ax.set_title(data["title"], fontsize=10)
ax.grid(True, alpha=0.3)
ax.legend(loc="lower right", fontsize=8, title="small dots: categories", title_fontsize=7)
fig.tight_layout()
`;

/**
 * Draws success against tokens per agent (categories as small dots) with matplotlib in a session
 * of `executor`, and returns the PNG bytes.
 */
export async function renderChart(report: EvalReport, executor: CodeExecutor): Promise<Buffer> {
  const data = {
    title: `${report.suite} · ${report.model}${report.mode === 'replay' ? ' (replay)' : ''}`,
    agents: report.agents.map((a) => ({
      agent: a.agent,
      label: `${AGENT_LABELS[a.agent]}: ${a.passed}/${a.runs}`,
      successRate: a.successRate,
      ci95: a.ci95,
      meanTokens: a.mean.tokens.total,
    })),
    categories: report.categories,
  };
  const key = `eval-chart/${process.pid}/${Date.now()}`;
  const session = await executor.getSession(key, {authorizedImports: ['json', 'matplotlib']});
  try {
    const result = await session.execute({
      code: `DATA = ${JSON.stringify(JSON.stringify(data))}\n${CHART_CODE}`,
    });
    if (result.error) throw new Error(`${result.error.type}: ${result.error.message}`);
    const png = result.figures.find((f) => f.mimeType === 'image/png');
    if (!png) throw new Error('matplotlib returned no PNG figure');
    return Buffer.from(png.data, 'base64');
  } finally {
    await executor.closeSession(key);
  }
}

/** Paths of what {@link writeReport} wrote, and why the chart is missing if it is. */
export interface WrittenReport {
  json: string;
  markdown: string;
  chart?: string;
  chartError?: string;
}

/** Writes `report.json`, `report.md` and `chart.png` into `dir`. */
export async function writeReport(
  report: EvalReport,
  dir: string,
  executor: CodeExecutor,
): Promise<WrittenReport> {
  mkdirSync(dir, {recursive: true});
  const json = join(dir, 'report.json');
  const markdown = join(dir, 'report.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  try {
    const chart = join(dir, 'chart.png');
    writeFileSync(chart, await renderChart(report, executor));
    return {json, markdown, chart};
  } catch (error) {
    return {json, markdown, chartError: error instanceof Error ? error.message : String(error)};
  }
}
