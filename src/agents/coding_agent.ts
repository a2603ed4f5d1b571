/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {
  BaseAgent,
  Context,
  createEvent,
  createEventActions,
  isBaseLlm,
  isBaseTool,
  isBaseToolset,
  LLMRegistry,
  ReadonlyContext,
  type BaseAgentConfig,
  type BaseLlm,
  type BaseTool,
  type BaseToolset,
  type Event,
  type EventActions,
  type InstructionProvider,
  type InvocationContext,
  type LlmRequest,
  type LlmResponse,
  type SingleAfterModelCallback,
  type SingleAfterToolCallback,
  type SingleBeforeModelCallback,
  type SingleBeforeToolCallback,
} from '@google/adk';
import {
  FinishReason,
  Language,
  Outcome,
  type Content,
  type GenerateContentConfig,
  type Part,
} from '@google/genai';
import {z} from 'zod';

import {defaultCodeExecutor} from '../code_executors/default_code_executor.js';
import {
  isCodeExecutor,
  type CodeExecutor,
  type ExecutionResult,
  type SandboxSession,
} from '../code_executors/sandbox.js';
import {sessionManagerFor, type SandboxSessionManager} from '../code_executors/session_manager.js';
import {DEFAULT_SAFE_IMPORTS, normalizeAuthorizedImports} from '../security/import_policy.js';
import {
  DEFAULT_MAX_CONCURRENT_TOOL_CALLS,
  DEFAULT_MAX_TOOL_ARGS_BYTES,
  DEFAULT_MAX_TOOL_CALLS,
  ToolBridge,
} from '../tools/tool_bridge.js';
import {ToolCodeGenerator} from '../tools/tool_code_generator.js';
import {saveExecutionArtifacts, type SavedArtifacts} from './artifacts.js';
import {extractCode} from './code_extraction.js';
import {
  OBSERVATION_PREFIX,
  buildConversation,
  hasEarlierExecutions,
  pushMessage,
  renderModelStep,
} from './conversation.js';
import {OUTPUT_FILES_HINT, renderInputFilesSection, stageInputFiles} from './input_files.js';
import {formatObservation} from './observation.js';
import {LAST_STEP_REQUEST, buildSystemPrompt} from './prompt.js';
import {MAX_TIMER_MS, seconds} from '../utils/time.js';

/** Session state key prefix under which a stateful agent records its interpreter's variables. */
export const VARIABLES_STATE_PREFIX = '_coding_agent:variables:';

/** The variables a stateful agent's interpreter held at the end of a turn (in session state). */
export interface RecordedVariables {
  /** Name and Python type name of each user-defined global, sorted by name. */
  variables: Array<{name: string; type: string}>;
}

/** Variables recorded at most (the rest are counted, not named). */
const MAX_RECORDED_VARIABLES = 200;

/** Model used when the config names none. */
export const DEFAULT_MODEL = 'gemini-2.5-flash';

/** Default of {@link CodingAgentConfig.maxRunTimeMs}: 10 minutes. */
export const DEFAULT_MAX_RUN_TIME_MS = 10 * 60_000;

/** Snippet timeout assumed when neither the agent nor the executor names one. */
const FALLBACK_SNIPPET_TIMEOUT_MS = 30_000;

/** Configuration of a {@link CodingAgent}. Every option but `name` has a default. */
export interface CodingAgentConfig extends BaseAgentConfig {
  /** A model name resolved through ADK's `LLMRegistry`, or a `BaseLlm`. Default `gemini-2.5-flash`. */
  model?: string | BaseLlm;
  /** The agent's role and rules, or a function of the context that returns them. */
  instruction?: string | InstructionProvider;
  /** ADK tools and toolsets; each becomes a Python function the snippets can call. */
  tools?: Array<BaseTool | BaseToolset>;
  /** The sandbox backend. Default: a shared `BubblewrapCodeExecutor` (Linux only). */
  codeExecutor?: CodeExecutor;
  /** Top-level modules snippets may import; `'*'` allows all. Default {@link DEFAULT_SAFE_IMPORTS}. */
  authorizedImports?: readonly string[];
  /** Code steps per run before the model is asked for its best answer. Default 10. */
  maxIterations?: number;
  /** Failed snippets retried in a row before the run stops (so `n + 1` failures end it). Default 2. */
  errorRetryAttempts?: number;
  /**
   * Keep the session's Python interpreter between user turns (`true`), or start a fresh one for
   * each run (`false`, the default). Within one run, variables always persist.
   */
  stateful?: boolean;
  /** Session state key that receives the final answer's value. */
  outputKey?: string;
  /**
   * Wall-clock limit of one snippet, in ms, time spent waiting for tools included. On expiry the
   * interpreter is killed and restarted (variables lost). Default: the executor's own (30 s).
   */
  executionTimeoutMs?: number;
  /**
   * Longest wait for one tool call made from code, in ms. When it passes, the snippet gets a
   * `ToolError` naming the tool and the limit and goes on with its variables intact; the tool's
   * promise is abandoned (its late result and state changes are dropped). The snippet's timeout
   * keeps running while a tool works, so this must be shorter than it: default two thirds of the
   * snippet timeout (20 s for 30 s), which leaves the snippet time to handle the error. A value
   * not below the snippet timeout (e.g. a shorter executor default) falls back to that default.
   */
  toolTimeoutMs?: number;
  /**
   * Tool calls from code running at once in one run (threads); one more fails at once with a
   * `ToolError` instead of waiting in an unbounded queue. Default 16.
   */
  maxConcurrentToolCalls?: number;
  /** Tool calls from code per run; later calls fail with a `ToolError`. Default 1000. */
  maxToolCalls?: number;
  /**
   * Largest arguments of one tool call, as JSON bytes; a larger call fails with a `ToolError`
   * before the tool runs. Default 1 MiB.
   */
  maxToolArgsBytes?: number;
  /**
   * Wall-clock budget of one run (model calls, code and tools), in ms. When it is spent the
   * running snippet is aborted (its interpreter restarted) or the model call abandoned, and the
   * run ends with a final event saying so (stop reason `time_limit`, error code
   * `RUN_TIME_LIMIT`); the session stays usable for its next turn. Default 10 min; `Infinity`
   * disables it.
   */
  maxRunTimeMs?: number;
  /** Characters of one observation the model reads (head and tail kept). Default 8000. */
  maxObservationChars?: number;
  /** Characters kept of each observation from earlier turns in the history. Default 1500. */
  maxPastObservationChars?: number;
  /**
   * Earlier turns kept in full in the model's request (code and shortened observations); older
   * turns are compacted to the question and the answer. Default 2.
   */
  fullHistoryTurns?: number;
  /**
   * Character budget of the earlier turns in one request; the oldest are dropped beyond it.
   * Default 24 000 (about 6 000 tokens).
   */
  maxHistoryChars?: number;
  /** Artifact names copied into the sandbox's input folder before each run. */
  inputArtifacts?: readonly string[];
  /** Largest attachment or input artifact placed in the sandbox. Default 256 MiB. */
  maxInputFileBytes?: number;
  /** Largest figure or output file saved as an artifact. Default 10 MiB. */
  maxArtifactBytes?: number;
  /** Extra generation settings for the model (temperature, max tokens, ...). */
  generateContentConfig?: GenerateContentConfig;
  /** Called before each model call; a returned response replaces the call. */
  beforeModelCallback?: SingleBeforeModelCallback | SingleBeforeModelCallback[];
  /** Called after each model call; a returned response replaces the model's. */
  afterModelCallback?: SingleAfterModelCallback | SingleAfterModelCallback[];
  /** Called before each tool call made from code; a returned object replaces the tool's result. */
  beforeToolCallback?: SingleBeforeToolCallback | SingleBeforeToolCallback[];
  /** Called after each tool call made from code; a returned object replaces the result. */
  afterToolCallback?: SingleAfterToolCallback | SingleAfterToolCallback[];
}

const positiveInt = z.number().int().positive();
const timerMs = positiveInt.max(MAX_TIMER_MS);
const optionsSchema = z.object({
  model: z
    .union([
      z.string().min(1),
      z.custom<BaseLlm>((v) => isBaseLlm(v), 'expected a model name or a BaseLlm'),
    ])
    .optional(),
  instruction: z
    .union([z.string(), z.custom<InstructionProvider>((v) => typeof v === 'function')])
    .optional(),
  tools: z
    .array(
      z.custom<BaseTool | BaseToolset>(
        (v) => isBaseTool(v) || isBaseToolset(v),
        'expected ADK BaseTool or BaseToolset instances',
      ),
    )
    .optional(),
  codeExecutor: z
    .custom<CodeExecutor>(
      (v) => isCodeExecutor(v),
      'expected a code executor such as BubblewrapCodeExecutor',
    )
    .optional(),
  authorizedImports: z.array(z.string()).optional(),
  maxIterations: positiveInt.optional(),
  errorRetryAttempts: z.number().int().nonnegative().optional(),
  stateful: z.boolean().optional(),
  outputKey: z.string().min(1).optional(),
  executionTimeoutMs: positiveInt.optional(),
  toolTimeoutMs: timerMs.optional(),
  maxConcurrentToolCalls: positiveInt.optional(),
  maxToolCalls: positiveInt.optional(),
  maxToolArgsBytes: positiveInt.optional(),
  maxRunTimeMs: z
    .union([timerMs, z.custom<number>((v) => v === Infinity, 'expected ms or Infinity')])
    .optional(),
  maxObservationChars: z.number().int().min(200).optional(),
  maxPastObservationChars: z.number().int().min(100).optional(),
  fullHistoryTurns: z.number().int().nonnegative().optional(),
  maxHistoryChars: z.number().int().min(1000).optional(),
  inputArtifacts: z.array(z.string().min(1)).optional(),
  maxInputFileBytes: z.number().int().nonnegative().optional(),
  maxArtifactBytes: z.number().int().nonnegative().optional(),
});

/** Why a run ended; recorded on the final event's `customMetadata.codingAgent.stopReason`. */
export type StopReason =
  'final_answer' | 'text_answer' | 'max_iterations' | 'errors' | 'model_error' | 'time_limit';

/** What the steps of one run share with the code that started them. */
interface RunControl {
  /** Aborted when the run's time budget is spent or the caller aborts the invocation. */
  signal: AbortSignal;
  /** True once the run's time budget is spent. */
  timedOut(): boolean;
  /** The per-call tool timeout for this run, resolved against the snippet timeout. */
  toolTimeoutMs: number;
  /** Run when the run ends, however it ends. */
  cleanups: Array<() => void>;
}

/**
 * Settles like `promise`, or resolves `undefined` once `signal` aborts (the promise is then
 * abandoned, its rejection swallowed).
 */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, {once: true});
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Renders a `final_answer` value as the text of the final event. */
export function renderAnswer(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

/**
 * An ADK agent that acts by writing Python. Each step the model replies with a code block; the
 * code runs in a sandboxed, persistent Python kernel where the agent's ADK tools are plain
 * functions (executed on the host); the observation goes back to the model, until the code calls
 * `final_answer(...)`.
 *
 * Per-session state lives in the sandbox session (keyed by app, user and session) and in the
 * session's events, never on this object, which ADK may clone and share.
 */
export class CodingAgent extends BaseAgent<CodingAgentConfig> {
  /** Config fields, validated and with defaults applied. */
  readonly model: string | BaseLlm;
  readonly instruction: string | InstructionProvider;
  readonly tools: ReadonlyArray<BaseTool | BaseToolset>;
  readonly authorizedImports: readonly string[];
  readonly maxIterations: number;
  readonly errorRetryAttempts: number;
  readonly stateful: boolean;
  readonly outputKey?: string;
  readonly executionTimeoutMs?: number;
  /** As configured; the timeout a run uses is resolved against the snippet timeout. */
  readonly toolTimeoutMs?: number;
  readonly maxConcurrentToolCalls: number;
  readonly maxToolCalls: number;
  readonly maxToolArgsBytes: number;
  readonly maxRunTimeMs: number;
  readonly maxObservationChars: number;
  readonly maxPastObservationChars: number;
  readonly fullHistoryTurns: number;
  readonly maxHistoryChars: number;
  readonly inputArtifacts: readonly string[];
  readonly maxInputFileBytes: number;
  readonly maxArtifactBytes: number;
  private readonly explicitExecutor?: CodeExecutor;

  constructor(config: CodingAgentConfig) {
    super(config);
    const parsed = optionsSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `CodingAgent "${config.name}": invalid option ${issue.path.join('.') || '(config)'}: ${issue.message}`,
      );
    }
    this.model = config.model ?? DEFAULT_MODEL;
    if (typeof this.model === 'string') {
      try {
        LLMRegistry.resolve(this.model);
      } catch (e) {
        throw new Error(
          `CodingAgent "${config.name}": invalid option model: ${(e as Error).message}`,
        );
      }
    }
    this.instruction = config.instruction ?? '';
    this.tools = config.tools ?? [];
    try {
      this.authorizedImports = normalizeAuthorizedImports(
        config.authorizedImports ?? DEFAULT_SAFE_IMPORTS,
      );
    } catch (e) {
      throw new Error(`CodingAgent "${config.name}": invalid option ${(e as Error).message}`);
    }
    this.maxIterations = config.maxIterations ?? 10;
    this.errorRetryAttempts = config.errorRetryAttempts ?? 2;
    this.stateful = config.stateful ?? false;
    this.outputKey = config.outputKey;
    this.executionTimeoutMs = config.executionTimeoutMs;
    if (
      config.toolTimeoutMs !== undefined &&
      config.executionTimeoutMs !== undefined &&
      config.toolTimeoutMs >= config.executionTimeoutMs
    ) {
      // The snippet's clock runs while it waits for a tool: the tool limit must fire first.
      throw new Error(
        `CodingAgent "${config.name}": invalid option toolTimeoutMs: must be below executionTimeoutMs (${config.executionTimeoutMs} ms), got ${config.toolTimeoutMs}`,
      );
    }
    this.toolTimeoutMs = config.toolTimeoutMs;
    this.maxConcurrentToolCalls =
      config.maxConcurrentToolCalls ?? DEFAULT_MAX_CONCURRENT_TOOL_CALLS;
    this.maxToolCalls = config.maxToolCalls ?? DEFAULT_MAX_TOOL_CALLS;
    this.maxToolArgsBytes = config.maxToolArgsBytes ?? DEFAULT_MAX_TOOL_ARGS_BYTES;
    this.maxRunTimeMs = config.maxRunTimeMs ?? DEFAULT_MAX_RUN_TIME_MS;
    this.maxObservationChars = config.maxObservationChars ?? 8000;
    this.maxPastObservationChars = config.maxPastObservationChars ?? 1500;
    this.fullHistoryTurns = config.fullHistoryTurns ?? 2;
    this.maxHistoryChars = config.maxHistoryChars ?? 24_000;
    this.inputArtifacts = config.inputArtifacts ?? [];
    this.maxInputFileBytes = config.maxInputFileBytes ?? 256 * 1024 * 1024;
    this.maxArtifactBytes = config.maxArtifactBytes ?? 10 * 1024 * 1024;
    this.explicitExecutor = config.codeExecutor;
    // Tool names are checked now (not at the first run) so a bad tool fails at construction.
    const plainTools = this.tools.filter((t): t is BaseTool => isBaseTool(t));
    try {
      new ToolCodeGenerator(plainTools);
    } catch (e) {
      throw new Error(
        `CodingAgent "${config.name}": invalid option tools: ${(e as Error).message}`,
      );
    }
  }

  /** The sandbox backend this agent runs code in. */
  get codeExecutor(): CodeExecutor {
    return this.explicitExecutor ?? defaultCodeExecutor();
  }

  /** The model as a `BaseLlm`, resolved through ADK's registry when given by name. */
  get canonicalModel(): BaseLlm {
    return typeof this.model === 'string' ? LLMRegistry.newLlm(this.model) : this.model;
  }

  /** Closes this agent's toolsets (ADK's runner closes toolsets only for `LlmAgent`s). */
  async close(): Promise<void> {
    await Promise.all(this.tools.filter((t) => isBaseToolset(t)).map((t) => t.close()));
  }

  protected override async *runLiveImpl(): AsyncGenerator<Event, void, void> {
    // A generator that throws on first use: ADK awaits events from it.
    yield* [];
    throw new Error('CodingAgent does not support live (bidirectional streaming) runs');
  }

  protected override async *runAsyncImpl(
    ctx: InvocationContext,
  ): AsyncGenerator<Event, void, void> {
    const baseKey = [ctx.appName, ctx.userId, ctx.session.id, this.name].join('/');
    const sessionKey = this.stateful ? baseKey : `${baseKey}/${ctx.invocationId}`;
    const executor = this.codeExecutor;
    // The budget starts now: a slow sandbox start counts too.
    const budget = new AbortController();
    const budgetTimer = Number.isFinite(this.maxRunTimeMs)
      ? setTimeout(() => budget.abort(), this.maxRunTimeMs)
      : undefined;
    const snippetTimeoutMs =
      this.executionTimeoutMs ?? executor.timeoutMs ?? FALLBACK_SNIPPET_TIMEOUT_MS;
    const run: RunControl = {
      signal: ctx.abortSignal ? AbortSignal.any([ctx.abortSignal, budget.signal]) : budget.signal,
      timedOut: () => budget.signal.aborted,
      toolTimeoutMs:
        this.toolTimeoutMs !== undefined && this.toolTimeoutMs < snippetTimeoutMs
          ? this.toolTimeoutMs
          : Math.max(1, Math.floor((snippetTimeoutMs * 2) / 3)),
      cleanups: [() => clearTimeout(budgetTimer)],
    };
    // Stateful interpreters outlive the run: a manager bounds how many live and for how long.
    const manager = this.stateful ? sessionManagerFor(executor) : undefined;
    const options = {authorizedImports: this.authorizedImports};
    let lease;
    try {
      lease = manager
        ? await manager.acquire(sessionKey, options)
        : {session: await executor.getSession(sessionKey, options), release: () => {}};
    } catch (error) {
      clearTimeout(budgetTimer);
      throw error;
    }
    const sandbox = lease.session;
    try {
      for await (const event of this.runSteps(ctx, sandbox, sessionKey, manager, run)) {
        const stopReason = (
          event.customMetadata?.codingAgent as {stopReason?: StopReason} | undefined
        )?.stopReason;
        // After a time limit the interpreter was killed: listing would only start a new one.
        if (stopReason && stopReason !== 'time_limit' && this.stateful) {
          await this.recordVariables(sandbox, event);
        }
        yield event;
      }
    } finally {
      for (const cleanup of run.cleanups) cleanup();
      lease.release();
      if (!this.stateful) await executor.closeSession(sessionKey);
    }
  }

  /** The ReAct loop of one run, in a sandbox session the caller holds. */
  private async *runSteps(
    ctx: InvocationContext,
    sandbox: SandboxSession,
    sessionKey: string,
    manager: SandboxSessionManager | undefined,
    run: RunControl,
  ): AsyncGenerator<Event, void, void> {
    const llm = this.canonicalModel;
    const tools = await this.resolveTools(ctx);
    const stubs = new ToolCodeGenerator(tools);
    const instruction =
      typeof this.instruction === 'string'
        ? this.instruction
        : await this.instruction(new ReadonlyContext(ctx));
    // Files first: the prompt lists them, and the bytes never pass through the model.
    const inputs = await stageInputFiles(ctx, sandbox, {
      inputArtifacts: this.inputArtifacts,
      maxInputFileBytes: this.maxInputFileBytes,
    });
    const systemInstruction = [
      buildSystemPrompt({
        instruction,
        toolsPromptText: stubs.promptText,
        authorizedImports: this.authorizedImports,
      }),
      OUTPUT_FILES_HINT,
      renderInputFilesSection(inputs),
    ]
      .filter(Boolean)
      .join('\n\n');

    const contents = buildConversation(ctx.session.events, {
      agentName: this.name,
      maxPastObservationChars: this.maxPastObservationChars,
      recentTurns: this.fullHistoryTurns,
      maxHistoryChars: this.maxHistoryChars,
      currentInvocationId: ctx.invocationId,
      attachmentNotes: inputs.attachmentNotes,
    });
    let installedGeneration = -1;
    let stubsLost = false;
    /** True for a fresh kernel; undefined when the run was stopped meanwhile. */
    const installStubs = async (): Promise<boolean | undefined> => {
      // Defines the tool stubs and counts runs in this kernel; 1 means a fresh kernel. The
      // baseline (names before any user code) lets recordVariables list only the user's.
      const setup = await sandbox.execute({
        code:
          `${stubs.stubSource}\n` +
          `if '__adk_baseline__' not in globals():\n    __adk_baseline__ = set(globals()) | {'__adk_baseline__'}\n` +
          `__adk_runs__ = globals().get('__adk_runs__', 0) + 1\n__adk_runs__`,
        signal: run.signal,
      });
      if (setup.error && run.signal.aborted) return undefined;
      if (setup.error) {
        throw new Error(
          `CodingAgent "${this.name}": could not define tool functions in the sandbox: ${setup.error.type}: ${setup.error.message}`,
        );
      }
      installedGeneration = sandbox.generation;
      stubsLost = false;
      return setup.value === '1';
    };
    const freshKernel = await installStubs();
    if (freshKernel === undefined) {
      if (run.timedOut()) yield this.timeLimitEvent(ctx, 'code');
      return;
    }
    const recorded = ctx.session.state[VARIABLES_STATE_PREFIX + this.name] as
      RecordedVariables | undefined;
    const earlierVariables = recorded?.variables ?? [];
    const hadEarlierState =
      hasEarlierExecutions(ctx.session.events, this.name, ctx.invocationId) ||
      earlierVariables.length > 0;
    if (freshKernel && hadEarlierState) {
      if (this.stateful) {
        const reason =
          manager?.takeLossReason(sessionKey) ?? 'it was stopped, crashed, or the server restarted';
        const gone = earlierVariables.length
          ? ` These variables from earlier turns are gone: ${describeVariables(earlierVariables)}.`
          : ' Variables from earlier turns are gone.';
        pushMessage(
          contents,
          'user',
          `Note: the Python interpreter was restarted since the last turn (${reason}).${gone} Recompute what you need; files in the input folder are still there.`,
        );
      } else {
        pushMessage(
          contents,
          'user',
          'Note: each turn starts a fresh Python interpreter; variables from earlier turns are gone.',
        );
      }
    } else if (this.stateful && earlierVariables.length > 0) {
      // Older turns' code is compacted away; this list says what can be reused.
      pushMessage(
        contents,
        'user',
        `Note: variables from earlier turns still defined in the interpreter: ${describeVariables(earlierVariables)}.`,
      );
    }

    const bridge = new ToolBridge({
      invocationContext: ctx,
      tools,
      beforeToolCallbacks: asList(this.config.beforeToolCallback),
      afterToolCallbacks: asList(this.config.afterToolCallback),
      timeoutMs: run.toolTimeoutMs,
      maxConcurrentCalls: this.maxConcurrentToolCalls,
      maxCalls: this.maxToolCalls,
      maxArgsBytes: this.maxToolArgsBytes,
    });
    // Tools still working when the run ends are abandoned, and their timers cleared.
    run.cleanups.push(() => bridge.close());
    const figurePrefix = `figure_${ctx.invocationId.replace(/^e-/, '').slice(0, 8)}`;

    let consecutiveFailures = 0;
    for (let step = 1; step <= this.maxIterations; step++) {
      if (run.timedOut()) {
        yield this.timeLimitEvent(ctx);
        return;
      }
      if (ctx.abortSignal?.aborted) return;
      const modelEvent = this.newEvent(ctx);
      const response = await this.callModel(
        ctx,
        llm,
        this.newRequest(llm, contents, systemInstruction),
        modelEvent.actions,
        run.signal,
      );
      if (!response) {
        if (run.timedOut()) yield this.timeLimitEvent(ctx, 'model');
        return;
      }
      if (response.errorCode) {
        yield this.modelErrorEvent(ctx, response);
        return;
      }
      const reply = responseText(response);
      const extracted = extractCode(reply);
      const cutOff = response.finishReason === FinishReason.MAX_TOKENS;

      if (extracted.code === undefined) {
        if (!extracted.text.trim()) {
          // An empty reply is no answer: ask again, and count it as a failed step.
          consecutiveFailures++;
          const why = finishNote(response);
          if (consecutiveFailures > this.errorRetryAttempts) {
            yield this.finalEvent(
              ctx,
              `Stopped: the model returned ${consecutiveFailures} empty replies in a row${why}.`,
              undefined,
              'errors',
            );
            return;
          }
          pushMessage(
            contents,
            'user',
            `Your reply was empty${why}. Write one \`\`\`python code block, or answer in plain text.`,
          );
          continue;
        }
        // Prose is the answer; one cut off at the token limit says so rather than end mid-word.
        const answer = cutOff
          ? `${extracted.text}\n\n[The answer was cut off at the model's output token limit.]`
          : extracted.text;
        yield this.finalEvent(ctx, answer, answer, 'text_answer', undefined, response);
        return;
      }

      if (cutOff) {
        // Code cut off at the token limit is not run: half a program can do half a job.
        consecutiveFailures++;
        if (consecutiveFailures > this.errorRetryAttempts) {
          yield this.finalEvent(
            ctx,
            `Stopped: the model's reply was cut off at its output token limit ${consecutiveFailures} times in a row, so its code was never run.`,
            undefined,
            'errors',
          );
          return;
        }
        pushMessage(contents, 'model', renderModelStep(extracted.text, extracted.code));
        pushMessage(
          contents,
          'user',
          'Your reply was cut off at the output token limit (finish reason MAX_TOKENS) ' +
            `${extracted.truncated ? 'inside its code block' : 'after its code block'}, so none ` +
            'of its code was run. Write a shorter step: less code per block, and split the work ' +
            'over several steps.',
        );
        continue;
      }

      const modelParts: Part[] = [];
      if (extracted.thoughts) modelParts.push({text: extracted.thoughts, thought: true});
      if (extracted.text) modelParts.push({text: extracted.text});
      modelParts.push({executableCode: {code: extracted.code, language: Language.PYTHON}});
      yield {
        ...modelEvent,
        content: {role: 'model', parts: modelParts},
        usageMetadata: response.usageMetadata,
      };
      pushMessage(contents, 'model', renderModelStep(extracted.text, extracted.code));

      // A kill restarts the kernel lazily, so a lost state also means the stubs are gone.
      if (stubsLost || sandbox.generation !== installedGeneration) {
        if ((await installStubs()) === undefined) {
          if (run.timedOut()) yield this.timeLimitEvent(ctx, 'code');
          return;
        }
      }
      const result = await sandbox.execute({
        code: extracted.code,
        timeoutMs: this.executionTimeoutMs,
        onToolCall: bridge.handle,
        signal: run.signal,
      });
      stubsLost = result.stateLost;
      const actions = createEventActions(bridge.takeActions());
      const saved = await saveExecutionArtifacts(ctx, actions, result, {
        figurePrefix: `${figurePrefix}_s${step}`,
        maxArtifactBytes: this.maxArtifactBytes,
      });
      let observation = formatObservation(result, {maxChars: this.maxObservationChars}, saved);
      if (extracted.truncated && result.error?.type === 'SyntaxError') {
        observation +=
          '\nNote: your code block had no closing ``` fence; the reply may have been cut off.';
      }
      yield this.resultEvent(ctx, result, observation, actions, step, saved);
      pushMessage(contents, 'user', OBSERVATION_PREFIX + observation);

      if (result.finalAnswer) {
        const value = result.finalAnswer.value;
        yield this.finalEvent(ctx, renderAnswer(value), value, 'final_answer');
        return;
      }
      if (run.timedOut()) {
        yield this.timeLimitEvent(ctx, 'code');
        return;
      }
      if (result.error) {
        consecutiveFailures++;
        if (consecutiveFailures > this.errorRetryAttempts) {
          const {type, message} = result.error;
          yield this.finalEvent(
            ctx,
            `Stopped after ${consecutiveFailures} failed code steps in a row. Last error: ${type}: ${message}`,
            undefined,
            'errors',
          );
          return;
        }
      } else {
        consecutiveFailures = 0;
      }
    }

    // Out of steps: one last call for the best answer, in words.
    pushMessage(contents, 'user', LAST_STEP_REQUEST);
    const lastEvent = this.newEvent(ctx);
    const last = await this.callModel(
      ctx,
      llm,
      this.newRequest(llm, contents, systemInstruction),
      lastEvent.actions,
      run.signal,
    );
    if (!last) {
      if (run.timedOut()) yield this.timeLimitEvent(ctx, 'model');
      return;
    }
    if (last.errorCode) {
      yield this.modelErrorEvent(ctx, last);
      return;
    }
    const lastReply = extractCode(responseText(last));
    const answer =
      lastReply.text.trim() || `Stopped after ${this.maxIterations} steps without a final answer.`;
    yield this.finalEvent(ctx, answer, answer, 'max_iterations', undefined, last);
  }

  /**
   * Records the interpreter's user-defined variables (names and types) in the final event's
   * `stateDelta`, so a later turn can tell the model which ones a lost kernel took with it.
   */
  private async recordVariables(sandbox: SandboxSession, event: Event): Promise<void> {
    const result = await sandbox
      .execute({
        code:
          "print('\\n'.join(f'{n}\\t{type(v).__name__}' for n, v in list(globals().items())" +
          " if not n.startswith('_') and n not in globals().get('__adk_baseline__', ())))",
      })
      .catch(() => undefined);
    if (!result || result.error) return;
    const variables = result.stdout
      .split('\n')
      .map((line) => line.split('\t'))
      .filter((fields) => fields.length === 2 && /^[A-Za-z_]\w*$/.test(fields[0]))
      .map(([name, type]) => ({name, type: type.slice(0, 60)}))
      .sort((a, b) => a.name.localeCompare(b.name))
      .slice(0, MAX_RECORDED_VARIABLES);
    const recorded: RecordedVariables = {variables};
    event.actions.stateDelta[VARIABLES_STATE_PREFIX + this.name] = recorded;
  }

  private async resolveTools(ctx: InvocationContext): Promise<BaseTool[]> {
    const tools: BaseTool[] = [];
    for (const entry of this.tools) {
      if (isBaseTool(entry)) tools.push(entry);
      else tools.push(...(await entry.getTools(new ReadonlyContext(ctx))));
    }
    return tools;
  }

  private newRequest(llm: BaseLlm, contents: Content[], systemInstruction: string): LlmRequest {
    return {
      model: llm.model,
      // A copy, so callbacks that edit the request cannot rewrite this run's history.
      contents: structuredClone(contents),
      config: {
        ...this.config.generateContentConfig,
        systemInstruction,
        labels: {...this.config.generateContentConfig?.labels, adk_agent_name: this.name},
      },
      liveConnectConfig: {},
      toolsDict: {},
    };
  }

  /**
   * Calls the model with plugin and agent model callbacks, as ADK's LlmAgent does. Resolves
   * `undefined` when `signal` aborts first (the model call is then abandoned).
   */
  private async callModel(
    ctx: InvocationContext,
    llm: BaseLlm,
    request: LlmRequest,
    eventActions: EventActions,
    signal: AbortSignal,
  ): Promise<LlmResponse | undefined> {
    const callbackContext = new Context({invocationContext: ctx, eventActions});
    const replaced = await ctx.pluginManager.runBeforeModelCallback({
      callbackContext,
      llmRequest: request,
    });
    if (replaced) return replaced;
    for (const callback of asList(this.config.beforeModelCallback)) {
      const response = await callback({context: callbackContext, request});
      if (response) return response;
    }
    ctx.incrementLlmCallCount();
    let response: LlmResponse;
    try {
      // Raced with the signal too: a model that ignores its abort signal cannot hold the run.
      const collected = await unlessAborted(
        collectResponse(llm.generateContentAsync(request, false, signal)),
        signal,
      );
      if (!collected) return undefined;
      response = collected;
    } catch (e) {
      if (signal.aborted) return undefined;
      const error = e instanceof Error ? e : new Error(String(e));
      const handled = await ctx.pluginManager.runOnModelErrorCallback({
        callbackContext,
        llmRequest: request,
        error,
      });
      response = handled ?? {errorCode: 'MODEL_ERROR', errorMessage: error.message};
    }
    const altered = await ctx.pluginManager.runAfterModelCallback({
      callbackContext,
      llmResponse: response,
    });
    if (altered) return altered;
    for (const callback of asList(this.config.afterModelCallback)) {
      const result = await callback({context: callbackContext, response});
      if (result) return result;
    }
    return response;
  }

  private newEvent(ctx: InvocationContext, actions?: Partial<EventActions>): Event {
    return createEvent({
      invocationId: ctx.invocationId,
      author: this.name,
      branch: ctx.branch,
      actions,
    });
  }

  private resultEvent(
    ctx: InvocationContext,
    result: ExecutionResult,
    observation: string,
    actions: Partial<EventActions>,
    step: number,
    saved: SavedArtifacts,
  ): Event {
    const outcome = result.error
      ? result.error.type === 'TimeoutError'
        ? Outcome.OUTCOME_DEADLINE_EXCEEDED
        : Outcome.OUTCOME_FAILED
      : Outcome.OUTCOME_OK;
    const parts: Part[] = [{codeExecutionResult: {outcome, output: observation}}];
    // Figures stay inline too, so adk web shows them in the conversation at this step. (No
    // displayName: the Gemini API rejects it should another agent send this history to a model.)
    for (const figure of result.figures) {
      parts.push({inlineData: {mimeType: figure.mimeType, data: figure.data}});
    }
    return {
      ...this.newEvent(ctx, actions),
      content: {role: 'model', parts},
      customMetadata: {
        codingAgent: {
          step,
          durationMs: result.durationMs,
          stateLost: result.stateLost,
          artifacts: saved.artifacts.map(({name, version, mimeType, bytes}) => ({
            name,
            version,
            mimeType,
            bytes,
          })),
        },
      },
    };
  }

  /** The final event of a run whose model call failed: the error, also as text for readers of text. */
  private modelErrorEvent(ctx: InvocationContext, response: LlmResponse): Event {
    const {errorCode, errorMessage} = response;
    return this.finalEvent(
      ctx,
      `The model call failed: ${errorMessage ?? errorCode}`,
      undefined,
      'model_error',
      {errorCode, errorMessage},
    );
  }

  /** The final event of a run that spent its time budget, saying where the time ran out. */
  private timeLimitEvent(ctx: InvocationContext, during?: 'code' | 'model'): Event {
    const where =
      during === 'code'
        ? ' while code was running; the code was stopped and the Python interpreter restarted, so its variables are gone'
        : during === 'model'
          ? ' while waiting for the model'
          : '';
    const text = `Stopped: this run reached its time limit of ${seconds(this.maxRunTimeMs)} s (maxRunTimeMs)${where}.`;
    return this.finalEvent(ctx, text, undefined, 'time_limit', {
      errorCode: 'RUN_TIME_LIMIT',
      errorMessage: text,
    });
  }

  private finalEvent(
    ctx: InvocationContext,
    text: string,
    value: unknown,
    stopReason: StopReason,
    error?: {errorCode?: string; errorMessage?: string},
    response?: LlmResponse,
  ): Event {
    const stateDelta: Record<string, unknown> = {};
    if (this.outputKey && value !== undefined) stateDelta[this.outputKey] = value;
    return {
      ...this.newEvent(ctx, {stateDelta}),
      content: {role: 'model', parts: [{text}]},
      ...error,
      usageMetadata: response?.usageMetadata,
      customMetadata: {codingAgent: {stopReason}},
    };
  }
}

/** `df (DataFrame), rate (float)`: the variables as the model reads them. */
function describeVariables(variables: RecordedVariables['variables']): string {
  return variables.map((v) => `${v.name} (${v.type})`).join(', ');
}

/** Joins a (possibly chunked) model response into one; thought parts are dropped. */
async function collectResponse(stream: AsyncGenerator<LlmResponse, void>): Promise<LlmResponse> {
  const responses: LlmResponse[] = [];
  for await (const response of stream) responses.push(response);
  const complete = responses.filter((r) => !r.partial);
  const chosen = complete.length > 0 ? complete : responses;
  const failed = chosen.find((r) => r.errorCode);
  if (failed) return failed;
  const text = chosen.map(responseText).join('');
  return {
    content: {role: 'model', parts: [{text}]},
    usageMetadata: chosen[chosen.length - 1]?.usageMetadata,
    // The last chunk's reason is the reply's (MAX_TOKENS tells a cut-off reply).
    finishReason: chosen.findLast((r) => r.finishReason)?.finishReason,
  };
}

/** ` (finish reason SAFETY)` for a reply that ended for a reason other than a normal stop. */
function finishNote(response: LlmResponse): string {
  const reason = response.finishReason;
  return reason && reason !== FinishReason.STOP && reason !== FinishReason.FINISH_REASON_UNSPECIFIED
    ? ` (finish reason ${reason})`
    : '';
}

function responseText(response: LlmResponse): string {
  return (response.content?.parts ?? [])
    .filter((p) => p.text !== undefined && !p.thought)
    .map((p) => p.text)
    .join('');
}
