/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Runs a suite's tasks with the CodingAgent and with ADK's `LlmAgent` (the same instruction, the
 * same tools as function declarations, the same model), each through a real ADK `Runner`, and
 * checks every answer. Models are resolved by name through ADK's `LLMRegistry` (so every prefix
 * the package registers works), wrapped to record or replay cassettes.
 */

import {performance} from 'node:perf_hooks';

import {
  InMemoryRunner,
  LLMRegistry,
  LlmAgent,
  type BaseAgent,
  type BaseLlm,
  type BaseTool,
  type Event,
  type SingleBeforeToolCallback,
} from '@google/adk';

import {CodingAgent, type CodingAgentConfig} from '../agents/coding_agent.js';
import type {CodeExecutor} from '../code_executors/sandbox.js';
import {SandboxSessionManager} from '../code_executors/session_manager.js';
import {DEFAULT_SAFE_IMPORTS} from '../security/import_policy.js';
import {
  CASSETTE_FORMAT,
  CassetteMismatchError,
  RecordingLlm,
  ReplayLlm,
  readCassette,
  writeCassette,
  type Cassette,
  type RecordedCall,
} from './cassette.js';
import type {ArtifactRecord, EvalSuite, EvalTask, ToolCallRecord} from './suite.js';
import {withoutReservedArtifacts} from '../state/snapshots.js';

/** The two agents a suite runs with. */
export const AGENT_KINDS = ['coding', 'llm'] as const;
/** `coding`: the CodingAgent; `llm`: ADK's `LlmAgent` with function calling. */
export type AgentKind = (typeof AGENT_KINDS)[number];

/** ADK names of the two agents (they appear in their prompts, so cassettes depend on them). */
const AGENT_NAMES: Record<AgentKind, string> = {coding: 'coding_agent', llm: 'llm_agent'};
const APP_NAME = 'eval';
const USER_ID = 'eval';

/** Token counts of a run, summed from its events' `usageMetadata`. */
export interface RunTokens {
  prompt: number;
  output: number;
  thinking: number;
  cached: number;
  total: number;
}

/** The outcome of one run of one task by one agent. */
export interface RunResult {
  task: string;
  category: string;
  agent: AgentKind;
  /** 0-based repeat index. */
  repeat: number;
  pass: boolean;
  /** Why the run passed or failed (the checker's words, or the error). */
  reason: string;
  /** The final text of the last turn. */
  answer: string;
  /** The CodingAgent's stop reason of the last turn (see `StopReason`). */
  stopReason?: string;
  /** An error that ended the run (the model failed, the call limit, ...). */
  error?: string;
  /** CodingAgent: code steps; LlmAgent: model calls (each is one step of its loop). */
  steps: number;
  modelCalls: number;
  toolCalls: number;
  tokens: RunTokens;
  wallMs: number;
}

/** How the model is obtained. */
export type ModelSource =
  /** A model name resolved through `LLMRegistry`; with `recordDir`, every call is recorded. */
  | {kind: 'live'; model: string; recordDir?: string; label?: string}
  /** Answers from the cassettes in `dir`; no model is called. */
  | {kind: 'replay'; dir: string}
  /** A model object made per run (tests and the cassette recorder use scripted models). */
  | {
      kind: 'custom';
      model: string;
      make(task: EvalTask, agent: AgentKind, repeat: number): BaseLlm;
      recordDir?: string;
      label?: string;
    };

/** What {@link runEval} needs. */
export interface EvalRunOptions {
  suite: EvalSuite;
  source: ModelSource;
  /** The sandbox of the CodingAgent's code. */
  executor: CodeExecutor;
  agents?: readonly AgentKind[];
  /** Runs of each task per agent. Default 1. */
  repeat?: number;
  /** Runs at once. Default 1. */
  concurrency?: number;
  /** Only these task ids (default: all; with a replay, those with cassettes). */
  taskIds?: readonly string[];
  /** The CodingAgent's `maxIterations`. Default 10. */
  maxIterations?: number;
  /** More CodingAgent options (e.g. `maxRunContextChars`), to compare settings on one suite. */
  codingOptions?: Partial<Omit<CodingAgentConfig, 'name' | 'model' | 'tools' | 'codeExecutor'>>;
  /** Model calls per turn for either agent (`RunConfig.maxLlmCalls`). Default 40. */
  maxModelCalls?: number;
  /** Called once the runs are known, with their number (progress display). */
  onPlanned?(runs: number): void;
  /** Called when a run starts and ends (progress display). */
  onRunStart?(task: EvalTask, agent: AgentKind, repeat: number): void;
  onRunEnd?(result: RunResult): void;
}

/** All runs of an eval, and what answered them. */
export interface EvalRun {
  results: RunResult[];
  /** The model's name (from the cassettes when replaying). */
  model: string;
  /** What produced the model's replies, when a cassette or the caller says (scripted, ...). */
  modelLabel?: string;
  mode: 'live' | 'record' | 'replay';
  /** Tasks of the suite that ran (a replay runs those with cassettes). */
  tasksRun: number;
  startedAt: string;
  durationMs: number;
}

/** One unit of work: a task, an agent, a repeat. */
interface Job {
  task: EvalTask;
  agent: AgentKind;
  repeat: number;
  cassette?: Cassette;
}

/**
 * Runs every task of `options.suite` with each agent, `repeat` times, `concurrency` at once.
 *
 * @throws CassetteMismatchError when a replayed run does not match its cassette (after the runs
 *   in flight finish; no new run starts once one mismatched).
 */
export async function runEval(options: EvalRunOptions): Promise<EvalRun> {
  const {suite, source} = options;
  const agents = options.agents ?? AGENT_KINDS;
  const repeat = options.repeat ?? 1;
  const selected = selectTasks(suite, options.taskIds);
  const jobs: Job[] = [];
  let model: string;
  let modelLabel: string | undefined;
  if (source.kind === 'replay') {
    const labels = new Set<string>();
    const models = new Set<string>();
    for (const task of selected) {
      for (const agent of agents) {
        const cassette = readCassette(source.dir, task.id, agent);
        if (!cassette) continue;
        if (cassette.runs.length < repeat) {
          throw new Error(
            `cassette ${task.id}.${agent} holds ${cassette.runs.length} runs; --repeat ${repeat} needs ${repeat}`,
          );
        }
        labels.add(cassette.label);
        models.add(cassette.model);
        for (let r = 0; r < repeat; r++) jobs.push({task, agent, repeat: r, cassette});
      }
    }
    if (jobs.length === 0) {
      throw new Error(
        `no cassettes for suite ${suite.name} (agents ${agents.join(', ')}) in ${source.dir}`,
      );
    }
    model = [...models].join(', ');
    modelLabel = [...labels].join('; ');
  } else {
    model = source.model;
    modelLabel = source.label;
    for (const task of selected) {
      for (const agent of agents) {
        for (let r = 0; r < repeat; r++) jobs.push({task, agent, repeat: r});
      }
    }
  }

  // Conversations keep their interpreter between turns; each is closed when its task ends.
  const manager = new SandboxSessionManager({
    executor: options.executor,
    maxLiveSessions: Math.max(8, options.concurrency ?? 1),
  });
  options.onPlanned?.(jobs.length);
  const recordings = new Map<string, RecordedCall[][]>();
  const startedAt = new Date();
  const started = performance.now();
  const results: RunResult[] = [];
  let mismatch: CassetteMismatchError | undefined;
  await pool(jobs, options.concurrency ?? 1, async (job) => {
    if (mismatch) return;
    options.onRunStart?.(job.task, job.agent, job.repeat);
    const {result, calls, replay} = await runJob(job, options, manager);
    try {
      replay?.assertFinished();
    } catch (error) {
      mismatch ??= error as CassetteMismatchError;
    }
    results.push(result);
    options.onRunEnd?.(result);
    const recordDir = source.kind === 'replay' ? undefined : source.recordDir;
    if (recordDir && calls) {
      const key = `${job.task.id}.${job.agent}`;
      const runs = recordings.get(key) ?? [];
      runs[job.repeat] = calls;
      recordings.set(key, runs);
      if (runs.filter(Boolean).length === repeat) {
        writeCassette(recordDir, {
          format: CASSETTE_FORMAT,
          suite: suite.name,
          task: job.task.id,
          agent: job.agent,
          model,
          label: modelLabel ?? `recorded from ${model}`,
          recordedAt: new Date().toISOString(),
          runs,
        });
      }
    }
  });
  if (mismatch) throw mismatch;
  results.sort(
    (a, b) =>
      selected.findIndex((t) => t.id === a.task) - selected.findIndex((t) => t.id === b.task) ||
      agents.indexOf(a.agent) - agents.indexOf(b.agent) ||
      a.repeat - b.repeat,
  );
  return {
    results,
    model,
    modelLabel,
    mode: source.kind === 'replay' ? 'replay' : source.recordDir ? 'record' : 'live',
    tasksRun: new Set(jobs.map((j) => j.task.id)).size,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - started,
  };
}

function selectTasks(suite: EvalSuite, ids: readonly string[] | undefined): EvalTask[] {
  if (!ids?.length) return [...suite.tasks];
  const unknown = ids.filter((id) => !suite.tasks.some((t) => t.id === id));
  if (unknown.length) {
    throw new Error(`suite ${suite.name} has no task ${unknown.join(', ')}`);
  }
  return suite.tasks.filter((t) => ids.includes(t.id));
}

/** The model of one run, wrapped to record (live) or answering from the cassette (replay). */
function modelFor(
  job: Job,
  source: ModelSource,
): {llm: BaseLlm; recorder?: RecordingLlm; replay?: ReplayLlm} {
  if (source.kind === 'replay') {
    const cassette = job.cassette!;
    const replay = new ReplayLlm(
      cassette.model,
      cassette.runs[job.repeat],
      `cassette ${job.task.id}.${job.agent}.json, run ${job.repeat + 1}`,
    );
    return {llm: replay, replay};
  }
  const inner =
    source.kind === 'live'
      ? LLMRegistry.newLlm(source.model)
      : source.make(job.task, job.agent, job.repeat);
  const recorder = new RecordingLlm(inner);
  return {llm: recorder, recorder};
}

/** The agent of `kind`; `recordCall` sees every tool call (a tool callback, for both agents). */
function makeAgent(
  kind: AgentKind,
  suite: EvalSuite,
  model: BaseLlm,
  tools: BaseTool[],
  executor: CodeExecutor,
  maxIterations: number,
  recordCall: SingleBeforeToolCallback,
  codingOptions: EvalRunOptions['codingOptions'] = {},
): BaseAgent {
  if (kind === 'llm') {
    return new LlmAgent({
      name: AGENT_NAMES.llm,
      model,
      instruction: suite.instruction,
      tools,
      beforeToolCallback: recordCall,
    });
  }
  return new CodingAgent({
    name: AGENT_NAMES.coding,
    model,
    instruction: suite.instruction,
    tools,
    codeExecutor: executor,
    authorizedImports: [...DEFAULT_SAFE_IMPORTS, ...(suite.extraImports ?? [])],
    maxIterations,
    stateful: true,
    beforeToolCallback: recordCall,
    ...codingOptions,
  });
}

async function runJob(
  job: Job,
  options: EvalRunOptions,
  manager: SandboxSessionManager,
): Promise<{result: RunResult; calls?: RecordedCall[]; replay?: ReplayLlm}> {
  const {task, agent: kind} = job;
  const {llm, recorder, replay} = modelFor(job, options.source);
  const toolCalls: ToolCallRecord[] = [];
  const recordCall: SingleBeforeToolCallback = ({tool, args}) => {
    toolCalls.push({name: tool.name, args});
    return undefined;
  };
  const tools = await options.suite.tools(task);
  const agent = makeAgent(
    kind,
    options.suite,
    llm,
    tools,
    manager,
    options.maxIterations ?? 10,
    recordCall,
    options.codingOptions,
  );
  const runner = new InMemoryRunner({agent, appName: APP_NAME});
  const session = await runner.sessionService.createSession({appName: APP_NAME, userId: USER_ID});
  const events: Event[] = [];
  let answer = '';
  let stopReason: string | undefined;
  let error: string | undefined;
  const started = performance.now();
  try {
    for (const text of task.turns) {
      answer = '';
      for await (const event of runner.runAsync({
        userId: USER_ID,
        sessionId: session.id,
        newMessage: {role: 'user', parts: [{text}]},
        runConfig: {maxLlmCalls: options.maxModelCalls ?? 40},
      })) {
        if (event.partial) continue;
        events.push(event);
        const meta = event.customMetadata?.codingAgent as {stopReason?: string} | undefined;
        if (meta?.stopReason) stopReason = meta.stopReason;
        const text = finalText(event);
        if (text !== undefined) answer = text;
        if (event.errorCode && !error) error = `${event.errorCode}: ${event.errorMessage ?? ''}`;
      }
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    await manager.closeSession([APP_NAME, USER_ID, session.id, AGENT_NAMES.coding].join('/'));
  }
  const wallMs = performance.now() - started;
  const artifacts = await artifactsOf(runner, session.id);
  const verdict = error
    ? {pass: false, reason: `error: ${error}`}
    : task.check({answer, toolCalls: toolCalls, artifacts});
  const stoppedEarly = stopReason && stopReason !== 'final_answer' && stopReason !== 'text_answer';
  const result: RunResult = {
    task: task.id,
    category: task.category,
    agent: kind,
    repeat: job.repeat,
    pass: verdict.pass,
    reason:
      !verdict.pass && stoppedEarly ? `stopped (${stopReason}); ${verdict.reason}` : verdict.reason,
    answer,
    stopReason,
    error,
    steps:
      kind === 'coding'
        ? events.filter((e) => (e.customMetadata?.codingAgent as {step?: number})?.step).length
        : events.filter((e) => e.content?.role === 'model').length,
    modelCalls: recorder?.calls.length ?? replay?.callsMade ?? 0,
    toolCalls: toolCalls.length,
    tokens: tokensOf(events),
    wallMs,
  };
  return {result, calls: recorder?.calls, replay};
}

/** The plain text of an event that answers (no function calls, no code), if it is one. */
function finalText(event: Event): string | undefined {
  const parts = event.content?.parts ?? [];
  if (event.content?.role !== 'model' || parts.length === 0) return undefined;
  if (parts.some((p) => p.functionCall || p.executableCode || p.codeExecutionResult))
    return undefined;
  const text = parts
    .filter((p) => p.text !== undefined && !p.thought)
    .map((p) => p.text)
    .join('');
  return text || undefined;
}

/** Sums `usageMetadata` over a run's persisted events. */
export function tokensOf(events: readonly Event[]): RunTokens {
  const tokens: RunTokens = {prompt: 0, output: 0, thinking: 0, cached: 0, total: 0};
  for (const {usageMetadata: u} of events) {
    if (!u) continue;
    tokens.prompt += u.promptTokenCount ?? 0;
    tokens.output += u.candidatesTokenCount ?? 0;
    tokens.thinking += u.thoughtsTokenCount ?? 0;
    tokens.cached += u.cachedContentTokenCount ?? 0;
    tokens.total +=
      u.totalTokenCount ??
      (u.promptTokenCount ?? 0) + (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
  }
  return tokens;
}

async function artifactsOf(runner: InMemoryRunner, sessionId: string): Promise<ArtifactRecord[]> {
  const service = runner.artifactService;
  if (!service) return [];
  const where = {appName: APP_NAME, userId: USER_ID, sessionId};
  // Snapshots are the agent's own: users (and checkers) never see them.
  const names = withoutReservedArtifacts(await service.listArtifactKeys(where));
  return Promise.all(
    names.map(async (name) => {
      const part = await service.loadArtifact({...where, filename: name});
      return {name, mimeType: part?.inlineData?.mimeType ?? part?.fileData?.mimeType ?? ''};
    }),
  );
}

/** Runs `work` over `items`, at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({length: Math.max(1, Math.min(limit, items.length))}, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
