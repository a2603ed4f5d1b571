/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * `coding-agent eval`: runs a suite with the CodingAgent and with ADK's `LlmAgent`, shows each
 * run as it ends, prints the summary and writes the report (JSON, Markdown, PNG chart).
 */

import {join} from 'node:path';

import {LLMRegistry} from '@google/adk';
import {Command, InvalidArgumentError, Option} from 'commander';
import ora, {type Ora} from 'ora';

import type {CodeExecutor} from '../code_executors/sandbox.js';
import {buildReport, renderSummary, writeReport, AGENT_LABELS} from '../eval/report.js';
import {
  AGENT_KINDS,
  runEval,
  type AgentKind,
  type ModelSource,
  type RunResult,
} from '../eval/runner.js';
import {SUITE_NAMES, loadSuite} from '../eval/suites/index.js';
import type {EvalTask} from '../eval/suite.js';
import {jsonLine, printable} from './display.js';

/** Options of `coding-agent eval` as commander parses them. */
export interface EvalCliOptions {
  suite: string;
  data?: string;
  model: string;
  agents: AgentKind[];
  repeat: number;
  concurrency: number;
  record?: string;
  replay?: string | true;
  tasks?: string[];
  out: string;
  maxIterations: number;
  json?: boolean;
  sandbox: string;
  image?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** What the eval command takes from the CLI's main module (shared options and helpers). */
export interface EvalCommandContext {
  defaultModel: string;
  sandboxOption(): Option;
  imageOption(): Option;
  logLevelOption(): Option;
  positiveInt(value: string): number;
  makeExecutor(options: EvalCliOptions): Promise<CodeExecutor>;
  setLogLevel(level: EvalCliOptions['logLevel']): void;
  /** Rejects with a one-line usage error when `model` lacks its credentials or its server. */
  checkCredentials(model: string): Promise<void>;
  /** Makes the error the CLI prints as one line with exit code 2. */
  usageError(message: string): Error;
}

function agentList(value: string): AgentKind[] {
  const agents = value.split(',').map((a) => a.trim());
  const unknown = agents.filter((a) => !(AGENT_KINDS as readonly string[]).includes(a));
  if (unknown.length || agents.length === 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${AGENT_KINDS.join(', ')}`);
  }
  return [...new Set(agents)] as AgentKind[];
}

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** Live progress on stderr (a spinner on a terminal) and one line per finished run. */
class EvalProgress {
  private spinner?: Ora;
  private done = 0;
  private passed: Record<string, number> = {};
  private running = new Map<string, string>();

  constructor(
    private readonly total: () => number,
    private readonly json: boolean,
  ) {}

  start(): void {
    if (!this.json) this.spinner = ora({text: 'starting', isSilent: !process.stderr.isTTY}).start();
  }

  runStart(task: EvalTask, agent: AgentKind, repeat: number): void {
    this.running.set(`${task.id}/${agent}/${repeat}`, `${task.id} (${agent})`);
    this.update();
  }

  runEnd(result: RunResult): void {
    this.done++;
    if (result.pass) this.passed[result.agent] = (this.passed[result.agent] ?? 0) + 1;
    this.running.delete(`${result.task}/${result.agent}/${result.repeat}`);
    if (this.json) {
      console.log(jsonLine({type: 'run', ...result}));
      return;
    }
    const mark = result.pass ? '✓' : '✗';
    const figures = `${result.steps} steps · ${result.modelCalls} model calls · ${result.tokens.total.toLocaleString('en-US')} tokens · ${(result.wallMs / 1000).toFixed(1)} s`;
    const line = `${mark} ${AGENT_LABELS[result.agent].padEnd(25)} ${result.task}  ${figures}${result.pass ? '' : `\n    ${result.reason}`}`;
    this.spinner?.clear();
    console.error(printable(line));
    this.update();
  }

  private update(): void {
    if (!this.spinner) return;
    const score = Object.entries(this.passed)
      .map(([agent, n]) => `${agent} ${n}✓`)
      .join(' · ');
    const now = [...this.running.values()].slice(0, 3).join(', ');
    this.spinner.text = printable(
      `${this.done}/${this.total()} runs${score ? ` · ${score}` : ''}${now ? ` · running ${now}` : ''}`,
    );
    this.spinner.render();
  }

  stop(): void {
    this.spinner?.stop();
  }
}

/** Adds `eval` to `program`. */
export function registerEvalCommand(program: Command, context: EvalCommandContext): void {
  program
    .command('eval')
    .description(
      'Run a suite of tasks with the CodingAgent and with an LlmAgent (same tools, same instruction) and report success, steps, tokens and time.',
    )
    .addOption(new Option('--suite <name>', 'the suite').choices(SUITE_NAMES).makeOptionMandatory())
    .option(
      '--data <path|url>',
      'where a public suite (m3tooleval, infiagent-dabench) was fetched to',
    )
    .option('--model <name>', 'model name (ADK registry)', context.defaultModel)
    .option('--agents <list>', `agents to run: ${AGENT_KINDS.join(',')}`, agentList, [
      ...AGENT_KINDS,
    ])
    .option('--repeat <n>', 'runs of each task per agent', context.positiveInt, 1)
    .option('--concurrency <n>', 'runs at once', context.positiveInt, 1)
    .addOption(
      new Option('--record <dir>', 'write every model request and response as cassettes').conflicts(
        'replay',
      ),
    )
    .option(
      '--replay [dir]',
      'answer from cassettes, calling no model (default: the cassettes shipped with the suite)',
    )
    .option('--tasks <ids>', 'only these task ids (comma-separated)', list)
    .option('--out <dir>', 'folder for the report (a subfolder per run)', 'eval-results')
    .option(
      '--max-iterations <n>',
      "the CodingAgent's code steps per turn",
      context.positiveInt,
      10,
    )
    .option('--json', 'print JSON lines (one per run, then the report) on stdout')
    .addOption(context.sandboxOption())
    .addOption(context.imageOption())
    .addOption(context.logLevelOption())
    .action(async (options: EvalCliOptions, command: Command) => {
      context.setLogLevel(options.logLevel);
      if (options.replay && command.getOptionValueSource('model') === 'cli') {
        throw context.usageError(
          "--model and --replay exclude each other: a replay answers with the cassettes' model",
        );
      }
      if (!options.replay) {
        try {
          LLMRegistry.resolve(options.model);
        } catch (error) {
          throw context.usageError(`--model ${options.model}: ${(error as Error).message}`);
        }
        await context.checkCredentials(options.model);
      }
      const executor = await context.makeExecutor(options);
      let suite;
      try {
        suite = await loadSuite(options.suite, {data: options.data, executor});
      } catch (error) {
        await executor.dispose();
        throw context.usageError((error as Error).message);
      }
      let total = 0;
      const progress = new EvalProgress(() => total, Boolean(options.json));
      try {
        const source: ModelSource = options.replay
          ? {
              kind: 'replay',
              dir: options.replay === true ? (suite.bundledCassettes ?? '') : options.replay,
            }
          : {kind: 'live', model: options.model, recordDir: options.record};
        if (source.kind === 'replay' && !source.dir) {
          throw context.usageError(`suite ${suite.name} ships no cassettes: pass --replay <dir>`);
        }
        progress.start();
        const run = await runEval({
          suite,
          source,
          executor,
          agents: options.agents,
          repeat: options.repeat,
          concurrency: options.concurrency,
          taskIds: options.tasks,
          maxIterations: options.maxIterations,
          onPlanned: (count) => (total = count),
          onRunStart: (task, agent, repeat) => progress.runStart(task, agent, repeat),
          onRunEnd: (result) => progress.runEnd(result),
        });
        progress.stop();
        const report = buildReport(suite, run, options.repeat);
        const stamp = run.startedAt.replace(/[:.]/g, '-');
        const written = await writeReport(
          report,
          join(options.out, `${suite.name}-${stamp}`),
          executor,
        );
        if (options.json) {
          console.log(jsonLine({type: 'report', files: written, ...report}));
          return;
        }
        console.log(printable(renderSummary(report)));
        console.log(`\nReport: ${written.markdown} (and ${written.json})`);
        console.log(
          written.chart
            ? `Chart: ${written.chart}`
            : `Chart not written: ${printable(written.chartError ?? '')}`,
        );
      } finally {
        progress.stop();
        await suite.close?.();
        await executor.dispose();
      }
    });
}
