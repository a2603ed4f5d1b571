/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * What one run of a `CodingAgent` holds (the sandbox session, the tool bridge, the model's
 * message history, the time budget, the usage ledger) and how it is set up before the first
 * step: tools and their Python stubs, the system prompt, input files, the history, and the
 * notes about the interpreter the run finds.
 */

import {
  Context,
  ReadonlyContext,
  StreamingMode,
  isBaseTool,
  type BaseLlm,
  type BaseTool,
  type InvocationContext,
} from '@google/adk';
import type {Content} from '@google/genai';

import type {SandboxSession} from '../code_executors/sandbox.js';
import type {SandboxSessionManager} from '../code_executors/session_manager.js';
import {mcpResultConverter} from '../tools/mcp_results.js';
import {McpRunSessions} from '../tools/mcp_sessions.js';
import {ToolBridge} from '../tools/tool_bridge.js';
import {ToolCodeGenerator} from '../tools/tool_code_generator.js';
import type {CodingAgent} from './coding_agent.js';
import {buildConversation} from './conversation.js';
import {RunEvents, type RunEnd} from './events.js';
import {OUTPUT_FILES_HINT, renderInputFilesSection, stageInputFiles} from './input_files.js';
import {renderInstruction} from './instruction_template.js';
import {describeProblems} from '../state/snapshots.js';
import {restoreAfterKill, restoreTurnState, type RestoreOutcome} from './durable_state.js';
import {noteInterpreter} from './interpreter_state.js';
import {RunInteractions} from './pauses.js';
import {BLANK_USER_MESSAGE, interpreterNotes, stopTexts} from './messages.js';
import {buildSystemPrompt} from './prompt.js';
import {StepHistory} from './step_history.js';
import {UsageLedger} from './usage.js';
import {workspacePromptSection} from '../code_executors/workspace.js';

/** The run's wall-clock budget (`maxRunTimeMs`) and the caller's abort, as one signal. */
export interface RunBudget {
  /** Aborted when the budget is spent or the caller aborts the invocation. */
  signal: AbortSignal;
  /** True once the budget is spent. */
  timedOut(): boolean;
  /** Milliseconds left (Infinity without a budget). */
  remainingMs(): number;
  /** The per-call tool timeout for this run, resolved against the snippet timeout. */
  toolTimeoutMs: number;
}

/** One run of a CodingAgent (see the module comment). */
export interface Run {
  ctx: InvocationContext;
  agent: CodingAgent;
  llm: BaseLlm;
  sandbox: SandboxSession;
  bridge: ToolBridge;
  /** The run's MCP sessions, one per server, closed when the run ends. */
  mcpSessions: McpRunSessions;
  events: RunEvents;
  usage: UsageLedger;
  /** The model's message history: earlier turns, then this run's steps. */
  contents: Content[];
  /** This run's observations, shortened as they age (see step_history.ts). */
  history: StepHistory;
  systemInstruction: string;
  /** The run streams (`RunConfig.streamingMode` SSE): model text and code output go live. */
  stream: boolean;
  budget: RunBudget;
  /** Names this run's figure artifacts uniquely in the session. */
  figurePrefix: string;
  /**
   * Defines the tool stubs in the interpreter when it lacks them (a restarted kernel: the last
   * execution lost the state, or another kernel started since). False when the run was stopped
   * meanwhile.
   */
  ensureStubs(lastExecutionLostState: boolean): Promise<boolean>;
  /** True when the last execution ended with the kernel killed (its stubs are gone too). */
  lastExecutionLostState: boolean;
  /** Tool calls of this run that wait for the user (see pauses.ts). */
  interactions: RunInteractions;
  /** Code of the steps executed in this run, in order (replayed when the interpreter is lost). */
  executedCode: string[];
  /** A message the user sent instead of answering, for the model after the current step. */
  userMessage?: string;
  /**
   * After a kill within the turn (timeout, out of memory): restores the snapshot of the end of
   * the previous turn and returns the note for the model, or undefined when there is none.
   */
  restoreAfterKill(): Promise<string | undefined>;
}

/**
 * Sets up a run: resolves the tools, writes the input files into the sandbox, builds the system
 * prompt and the history, defines the stubs and tells the model about the interpreter it finds.
 *
 * @returns The run, or how it ends when its time budget ran out during setup.
 */
export async function prepareRun(
  agent: CodingAgent,
  ctx: InvocationContext,
  sandbox: SandboxSession,
  sessionKey: string,
  manager: SandboxSessionManager | undefined,
  budget: RunBudget,
): Promise<Run | RunEnd> {
  // MCP tools share one session per server for the whole run (ADK's open one per call).
  const mcpSessions = new McpRunSessions();
  const tools = mcpSessions.viewsOf(await resolveTools(agent, ctx));
  const stubs = new ToolCodeGenerator(tools);
  // A string instruction is a template of session state, as for LlmAgent; a provider's is not.
  const instruction =
    typeof agent.instruction === 'string'
      ? await renderInstruction(agent.instruction, ctx)
      : await agent.instruction(new ReadonlyContext(ctx));
  // Files first: the prompt lists them, and the bytes never pass through the model.
  const inputs = await stageInputFiles(ctx, sandbox, {
    inputArtifacts: agent.inputArtifacts,
    maxInputFileBytes: agent.maxInputFileBytes,
  });
  const systemInstruction = [
    buildSystemPrompt({
      instruction,
      toolsPromptText: stubs.promptText,
      authorizedImports: agent.authorizedImports,
      packages: sandbox.kernelInfo?.packages,
    }),
    OUTPUT_FILES_HINT,
    renderInputFilesSection(inputs),
    sandbox.workspace ? workspacePromptSection(sandbox.workspace) : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const contents = buildConversation(ctx.session.events, {
    agentName: agent.name,
    maxPastObservationChars: agent.maxPastObservationChars,
    recentTurns: agent.fullHistoryTurns,
    maxHistoryChars: agent.maxHistoryChars,
    currentInvocationId: ctx.invocationId,
    attachmentNotes: inputs.attachmentNotes,
  });
  if (contents[0]?.role !== 'user')
    contents.unshift({role: 'user', parts: [{text: BLANK_USER_MESSAGE}]});

  let installedGeneration = -1;
  /** True for a fresh kernel (its first run); undefined when the run was stopped meanwhile. */
  const installStubs = async (): Promise<boolean | undefined> => {
    // Defines the stubs and counts runs in this kernel. The baseline (names before any user
    // code) lets the variable listing show only the user's.
    const setup = await sandbox.execute({
      code:
        `${stubs.stubSource}\n` +
        `if '__adk_baseline__' not in globals():\n    __adk_baseline__ = set(globals()) | {'__adk_baseline__'}\n` +
        `__adk_runs__ = globals().get('__adk_runs__', 0) + 1\n__adk_runs__`,
      signal: budget.signal,
    });
    if (setup.error && budget.signal.aborted) return undefined;
    if (setup.error) {
      throw new Error(
        `CodingAgent "${agent.name}": could not define tool functions in the sandbox: ${setup.error.type}: ${setup.error.message}`,
      );
    }
    installedGeneration = sandbox.generation;
    return setup.value === '1';
  };
  const freshKernel = await installStubs();
  if (freshKernel === undefined) return timeLimitEnd(agent, 'code');
  // Before the model's first call: a fresh (or outdated) interpreter gets its snapshot back.
  const restore: RestoreOutcome | undefined = agent.snapshots
    ? await restoreTurnState(ctx, agent.name, sandbox, agent.snapshots, freshKernel)
    : undefined;
  noteInterpreter(
    {
      agentName: agent.name,
      stateful: agent.stateful,
      freshKernel,
      lossReason: manager?.takeLossReason(sessionKey),
      restore,
    },
    ctx,
    contents,
  );

  const usage = new UsageLedger();
  const interactions = new RunInteractions(agent.interactionTimeoutMs);
  return {
    ctx,
    agent,
    llm: agent.canonicalModel,
    sandbox,
    bridge: new ToolBridge({
      invocationContext: ctx,
      tools,
      beforeToolCallbacks: agent.canonicalBeforeToolCallbacks,
      afterToolCallbacks: agent.canonicalAfterToolCallbacks,
      timeoutMs: budget.toolTimeoutMs,
      maxConcurrentCalls: agent.maxConcurrentToolCalls,
      maxCalls: agent.maxToolCalls,
      maxArgsBytes: agent.maxToolArgsBytes,
      convertResult: mcpResultConverter({
        maxArtifactBytes: agent.maxArtifactBytes,
        allowedActiveArtifactTypes: agent.allowedActiveArtifactTypes,
      }),
      interactions,
      // Without a live interpreter to wait in, a paused step is replayed from these.
      recordOutcomes: !agent.stateful,
    }),
    interactions,
    executedCode: [],
    mcpSessions,
    events: new RunEvents(ctx, agent.name, usage),
    usage,
    contents,
    history: new StepHistory(agent.maxRunContextChars),
    systemInstruction,
    stream: ctx.runConfig?.streamingMode === StreamingMode.SSE,
    budget,
    lastExecutionLostState: false,
    figurePrefix: `figure_${ctx.invocationId.replace(/^e-/, '').slice(0, 8)}`,
    // A kill restarts the kernel lazily (at the next execution), so a lost state says it too.
    ensureStubs: async (lost) =>
      (!lost && sandbox.generation === installedGeneration) || (await installStubs()) !== undefined,
    restoreAfterKill: async () => {
      if (!agent.snapshots || budget.signal.aborted) return undefined;
      if ((await installStubs()) === undefined) return undefined;
      const outcome = await restoreAfterKill(ctx, agent.name, sandbox, agent.snapshots);
      if (outcome.kind !== 'restored') return undefined;
      return interpreterNotes.restoredAfterKill(describeProblems(outcome.missing));
    },
  };
}

/** How a run ends when its time budget is spent (`during`: what was running then). */
export function timeLimitEnd(agent: CodingAgent, during?: 'code' | 'model'): RunEnd {
  const text = stopTexts.timeLimit(agent.maxRunTimeMs, during);
  return {text, stopReason: 'time_limit', errorCode: 'RUN_TIME_LIMIT', errorMessage: text};
}

/**
 * The run's tools: toolsets expanded, then filtered by plugins' `beforeToolSelection` hooks as
 * for LlmAgent (a plugin that returns a subset narrows what the snippet can call).
 */
async function resolveTools(agent: CodingAgent, ctx: InvocationContext): Promise<BaseTool[]> {
  const tools: BaseTool[] = [];
  for (const entry of agent.tools) {
    if (isBaseTool(entry)) tools.push(entry);
    else tools.push(...(await entry.getTools(new ReadonlyContext(ctx))));
  }
  if (tools.length === 0) return tools;
  const selected = await ctx.pluginManager.runBeforeToolSelection({
    callbackContext: new Context({invocationContext: ctx}),
    tools: Object.fromEntries(tools.map((tool) => [tool.name, tool])),
  });
  return selected === undefined ? tools : tools.filter((tool) => tool.name in selected);
}
