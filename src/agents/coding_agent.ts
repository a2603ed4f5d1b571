/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {
  BaseAgent,
  LLMRegistry,
  isBaseLlm,
  isBaseTool,
  isBaseToolset,
  type BaseAgentConfig,
  type BaseLlm,
  type BaseTool,
  type BaseToolset,
  type Event,
  type InstructionProvider,
  type InvocationContext,
  type SingleAfterModelCallback,
  type SingleAfterToolCallback,
  type SingleBeforeModelCallback,
  type SingleBeforeToolCallback,
  StreamingMode,
} from '@google/adk';
import type {Content, GenerateContentConfig} from '@google/genai';
import {z} from 'zod';

import {defaultCodeExecutor} from '../code_executors/default_code_executor.js';
import {isCodeExecutor, type CodeExecutor} from '../code_executors/sandbox.js';
import {DEFAULT_SAFE_IMPORTS, normalizeAuthorizedImports} from '../security/import_policy.js';
import {
  DEFAULT_MAX_CONCURRENT_TOOL_CALLS,
  DEFAULT_MAX_TOOL_ARGS_BYTES,
  DEFAULT_MAX_TOOL_CALLS,
} from '../tools/tool_bridge.js';
import {ToolCodeGenerator} from '../tools/tool_code_generator.js';
import {MAX_TIMER_MS} from '../utils/time.js';
import {isActiveMimeType} from '../utils/mime.js';
import {RunEvents, stopReasonOf} from './events.js';
import {
  resolveSnapshotOptions,
  type ResolvedSnapshotOptions,
  type SnapshotOptions,
} from '../state/snapshots.js';
import {recordSnapshot, saveTurnSnapshot} from './durable_state.js';
import {recordVariables} from './interpreter_state.js';
import {
  modelRetrySchema,
  resolveModelRetry,
  type ModelRetryOptions,
  type ModelRetryPolicy,
} from './model_retry.js';
import {
  DEFAULT_INTERACTION_TIMEOUT_MS,
  dropPaused,
  keepPaused,
  pausedRunKey,
  takePaused,
  type PausedRun,
} from './pauses.js';
import {prepareRun, type Run} from './run.js';
import {holdRunResources, startRunBudget, type RunResources} from './run_resources.js';
import type {Resumption, RunningCode} from './step.js';
import {
  answersFrom,
  type InteractionAnswer,
  type PendingInteraction,
} from '../tools/interactions.js';
import type {RecordedOutcomes} from '../tools/tool_bridge.js';
import {BLANK_USER_MESSAGE, interactionTexts} from './messages.js';
import {runLoop} from './run_loop.js';
import {UsageLedger} from './usage.js';
import {recordWorkspaceChanges} from './workspace_changes.js';

export {lastRecordedVariables, type RecordedVariables} from './interpreter_state.js';
export {renderAnswer} from './step.js';
export type {StopReason} from './events.js';

/** Model used when the config names none. */
export const DEFAULT_MODEL = 'gemini-2.5-flash';

/** Default of {@link CodingAgentConfig.maxRunTimeMs}: 10 minutes. */
export const DEFAULT_MAX_RUN_TIME_MS = 10 * 60_000;

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
  /**
   * Snapshots of a stateful agent's interpreter (see the README's "Snapshots"): after each turn
   * the kernel saves the namespace (dill, inside the sandbox) and the bytes are stored through
   * the run's artifact service under a reserved name, so a fresh interpreter (evicted, idle,
   * crashed, restarted, another replica) gets the variables back. `false` turns them off.
   * Default `true` (with the defaults of {@link SnapshotOptions}); ignored unless `stateful`.
   */
  snapshots?: boolean | SnapshotOptions;
  /** Session state key that receives the final answer's value. */
  outputKey?: string;
  /**
   * Wall-clock limit of one snippet, in ms, time spent waiting for tools included. On expiry the
   * interpreter is killed and restarted (variables lost). Default: the executor's own (30 s).
   */
  executionTimeoutMs?: number;
  /**
   * Longest wait, in ms, for the user's answer to a tool call from code that asked for one (a
   * confirmation, a credential, a long-running tool's result). The snippet's own timeout is held
   * meanwhile. When it passes, the call raises a `ToolError` saying no answer came. Default
   * 30 minutes.
   */
  interactionTimeoutMs?: number;
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
  /**
   * Character budget of this run's observations in one request. Past it, the oldest are
   * shortened to their head, error line and tail (the model is told their variables are still
   * there) until the rest fits; the last two and an error not yet fixed stay whole, code is never
   * shortened. Keeps a long run's requests from growing with every step. Default 16 000.
   */
  maxRunContextChars?: number;
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
  /**
   * Active MIME types (HTML, SVG and other XML, JavaScript, ...: see `isActiveMimeType`) that
   * output files and figures keep when saved as artifacts; every other active type is saved as
   * `text/plain` and the model is told. Allow one only if whoever opens the artifacts (a web UI on
   * your origin) may run what the model wrote. Default `[]`.
   */
  allowedActiveArtifactTypes?: readonly string[];
  /** Extra generation settings for the model (temperature, max tokens, ...). */
  generateContentConfig?: GenerateContentConfig;
  /**
   * Retries of model calls that fail transiently (HTTP 429, 5xx, network resets, timeouts):
   * `attempts` in all (1 = no retry), exponential backoff with jitter from `initialDelayMs`
   * up to `maxDelayMs`, honouring the API's `Retry-After` / retry delay, and never past
   * `maxRunTimeMs`. Errors such as 400, 401, 403 and 404 are not retried. Default
   * `{attempts: 4, initialDelayMs: 1000, maxDelayMs: 30000}`.
   */
  modelRetry?: ModelRetryOptions;
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
  snapshots: z.union([z.boolean(), z.object({}).passthrough()]).optional(),
  outputKey: z.string().min(1).optional(),
  executionTimeoutMs: positiveInt.optional(),
  interactionTimeoutMs: timerMs.optional(),
  toolTimeoutMs: timerMs.optional(),
  maxConcurrentToolCalls: positiveInt.optional(),
  maxToolCalls: positiveInt.optional(),
  maxToolArgsBytes: positiveInt.optional(),
  maxRunTimeMs: z
    .union([timerMs, z.custom<number>((v) => v === Infinity, 'expected ms or Infinity')])
    .optional(),
  maxObservationChars: z.number().int().min(200).optional(),
  maxRunContextChars: z
    .union([z.number().int().min(1000), z.custom<number>((v) => v === Infinity, 'or Infinity')])
    .optional(),
  maxPastObservationChars: z.number().int().min(100).optional(),
  fullHistoryTurns: z.number().int().nonnegative().optional(),
  maxHistoryChars: z.number().int().min(1000).optional(),
  inputArtifacts: z.array(z.string().min(1)).optional(),
  maxInputFileBytes: z.number().int().nonnegative().optional(),
  maxArtifactBytes: z.number().int().nonnegative().optional(),
  modelRetry: modelRetrySchema.optional(),
  allowedActiveArtifactTypes: z
    .array(
      z.string().refine(isActiveMimeType, {
        message: 'not an active MIME type (see isActiveMimeType); other types are kept as they are',
      }),
    )
    .optional(),
});

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
  /** Snapshot settings of a stateful agent; undefined when snapshots are off or not stateful. */
  readonly snapshots?: ResolvedSnapshotOptions;
  readonly outputKey?: string;
  readonly executionTimeoutMs?: number;
  readonly interactionTimeoutMs: number;
  /** As configured; the timeout a run uses is resolved against the snippet timeout. */
  readonly toolTimeoutMs?: number;
  readonly maxConcurrentToolCalls: number;
  readonly maxToolCalls: number;
  readonly maxToolArgsBytes: number;
  readonly maxRunTimeMs: number;
  readonly maxObservationChars: number;
  readonly maxRunContextChars: number;
  readonly maxPastObservationChars: number;
  readonly fullHistoryTurns: number;
  readonly maxHistoryChars: number;
  readonly inputArtifacts: readonly string[];
  readonly maxInputFileBytes: number;
  readonly maxArtifactBytes: number;
  readonly modelRetry: ModelRetryPolicy;
  readonly allowedActiveArtifactTypes: readonly string[];
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
    try {
      this.snapshots = this.stateful ? resolveSnapshotOptions(config.snapshots) : undefined;
    } catch (e) {
      throw new Error(`CodingAgent "${config.name}": invalid option ${(e as Error).message}`);
    }
    this.outputKey = config.outputKey;
    this.executionTimeoutMs = config.executionTimeoutMs;
    this.interactionTimeoutMs = config.interactionTimeoutMs ?? DEFAULT_INTERACTION_TIMEOUT_MS;
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
    this.maxRunContextChars = config.maxRunContextChars ?? 16_000;
    this.maxPastObservationChars = config.maxPastObservationChars ?? 1500;
    this.fullHistoryTurns = config.fullHistoryTurns ?? 2;
    this.maxHistoryChars = config.maxHistoryChars ?? 24_000;
    this.inputArtifacts = config.inputArtifacts ?? [];
    this.maxInputFileBytes = config.maxInputFileBytes ?? 256 * 1024 * 1024;
    this.maxArtifactBytes = config.maxArtifactBytes ?? 10 * 1024 * 1024;
    this.modelRetry = resolveModelRetry(config.modelRetry);
    this.allowedActiveArtifactTypes = config.allowedActiveArtifactTypes ?? [];
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

  /** Extra generation settings for every model call. */
  get generateContentConfig(): GenerateContentConfig | undefined {
    return this.config.generateContentConfig;
  }

  /** The agent's before-model callbacks, as a list. */
  get canonicalBeforeModelCallbacks(): SingleBeforeModelCallback[] {
    return asList(this.config.beforeModelCallback);
  }

  /** The agent's after-model callbacks, as a list. */
  get canonicalAfterModelCallbacks(): SingleAfterModelCallback[] {
    return asList(this.config.afterModelCallback);
  }

  /** The agent's before-tool callbacks (for tools called from code), as a list. */
  get canonicalBeforeToolCallbacks(): SingleBeforeToolCallback[] {
    return asList(this.config.beforeToolCallback);
  }

  /** The agent's after-tool callbacks (for tools called from code), as a list. */
  get canonicalAfterToolCallbacks(): SingleAfterToolCallback[] {
    return asList(this.config.afterToolCallback);
  }

  /**
   * Closes this agent's toolsets now. Each run also closes them when it ends (ADK's runner
   * closes toolsets only for `LlmAgent`s), unless another run still uses them.
   */
  async close(): Promise<void> {
    await Promise.all(this.tools.filter((t) => isBaseToolset(t)).map((t) => t.close()));
  }

  protected override async *runLiveImpl(): AsyncGenerator<Event, void, void> {
    // A generator that throws on first use: ADK awaits events from it.
    yield* [];
    throw new Error('CodingAgent does not support live (bidirectional streaming) runs');
  }

  /**
   * One run: take the session's sandbox (a fresh one per run unless `stateful`), set the run up,
   * loop over steps until the final event, then record the interpreter's variables. A run paused
   * at a tool call that waits for the user picks up here when the next invocation comes.
   */
  protected override async *runAsyncImpl(
    ctx: InvocationContext,
  ): AsyncGenerator<Event, void, void> {
    const pausedKey = pausedRunKey(ctx.appName, ctx.userId, ctx.session.id, this.name);
    const paused = takePaused<Paused>(pausedKey);
    if (paused?.kind === 'live') {
      yield* this.resumeLive(ctx, paused, pausedKey);
      return;
    }
    let replay: Replay | undefined;
    if (paused) {
      // No interpreter waited: the step runs again from its records, if this answers it.
      const answers = answersFrom(ctx.userContent, paused.pending);
      if (answers.size > 0) replay = {...paused, answers};
      await paused.release();
    }
    const held = await holdRunResources(
      this,
      ctx,
      this.stateful ? pausedKey : `${pausedKey}/${ctx.invocationId}`,
    );
    let run: Run | undefined;
    try {
      const prepared = await prepareRun(
        this,
        ctx,
        held.lease.session,
        held.sessionKey,
        held.manager,
        held.budget,
      );
      if (!('ctx' in prepared)) {
        yield new RunEvents(ctx, this.name, new UsageLedger()).final(prepared, this.outputKey);
        return;
      }
      run = prepared;
      if (replay) {
        run.contents = replay.contents;
        run.bridge.replay(replay.outcomes);
        run.interactions.answerReplayed(replay.pending, replay.answers);
      }
    } finally {
      if (!run) await held.release();
    }
    yield* this.drive(run, held, pausedKey, replay?.resumption);
  }

  /** Picks up a run whose interpreter waits at a tool call, in the invocation `ctx`. */
  private async *resumeLive(
    ctx: InvocationContext,
    paused: Extract<Paused, {kind: 'live'}>,
    pausedKey: string,
  ): AsyncGenerator<Event, void, void> {
    const {run, held, running} = paused;
    held.budget = startRunBudget(this, ctx);
    Object.assign(run, {
      ctx,
      budget: held.budget,
      events: new RunEvents(ctx, this.name, run.usage),
      stream: ctx.runConfig?.streamingMode === StreamingMode.SSE,
    });
    run.bridge.attach(ctx);
    if (run.interactions.answerFrom(ctx.userContent) === 0) {
      // Not an answer: the waiting calls are declined, the snippet goes on, then the model
      // reads the new message.
      run.interactions.declineAll(interactionTexts.newMessage);
      const text = (ctx.userContent?.parts ?? []).map((p) => p.text ?? '').join('');
      run.userMessage = interactionTexts.userSaid(text.trim() || BLANK_USER_MESSAGE);
    }
    yield* this.drive(run, held, pausedKey, {kind: 'live', running});
  }

  /**
   * Runs the loop and yields its events. When a tool call waits for the user, the last event
   * asks them and the run is kept paused (its interpreter waiting, or records to replay from);
   * otherwise what the run holds is released at the end.
   */
  private async *drive(
    run: Run,
    held: RunResources,
    pausedKey: string,
    resumption?: Resumption,
  ): AsyncGenerator<Event, void, void> {
    let kept = false;
    try {
      const loop = runLoop(run, resumption);
      for (;;) {
        const next = await loop.next();
        if (next.done) {
          if (next.value) {
            const event = run.events.interaction(run.interactions.pending(), next.value.step);
            kept = this.pause(run, held, pausedKey, next.value);
            yield event;
          }
          return;
        }
        const event = next.value;
        const stopReason = stopReasonOf(event);
        // After a time limit the interpreter was killed: listing would only start a new one.
        if (stopReason && stopReason !== 'time_limit' && this.stateful) {
          await recordVariables(run.sandbox, event);
          if (this.snapshots?.when === 'turn') {
            // Stored before the final event is yielded: whichever process takes the next turn
            // finds it.
            const saved = await saveTurnSnapshot(run.ctx, this.name, run.sandbox, this.snapshots);
            recordSnapshot(event, saved.record);
          }
        }
        // A copy-on-write workspace's changes come back with the run, as a diff artifact.
        if (stopReason) await recordWorkspaceChanges(run.ctx, event, run.sandbox);
        yield event;
      }
    } finally {
      if (!kept) await held.release(run);
    }
  }

  /**
   * Keeps a run that waits for the user. With a stateful interpreter the snippet stays blocked
   * at the call (the run keeps its sandbox); otherwise the interpreter goes away with the
   * invocation and the records to replay the step are kept. True when the run holds on to
   * its resources.
   */
  private pause(run: Run, held: RunResources, pausedKey: string, running: RunningCode): boolean {
    held.budget.stop();
    if (this.stateful) {
      const entry: Paused = {kind: 'live', run, held, running, release: () => held.release(run)};
      // Nobody answered in time: the snippet got a ToolError and finishes on its own.
      run.interactions.onExpired = () => {
        if (!run.interactions.isWaiting && dropPaused(pausedKey, entry)) {
          void running.result.finally(() => held.release(run));
        }
      };
      keepPaused(pausedKey, entry);
      return true;
    }
    const pending = run.interactions.pending();
    run.interactions.drop();
    const contents = run.contents;
    const resumption: Resumption = {
      kind: 'replay',
      step: running.step,
      eventId: running.eventId,
      reply: running.reply,
      extracted: running.extracted,
      earlierCode: run.executedCode.slice(0, -1),
    };
    const entry: Paused = {
      kind: 'replay',
      pending,
      contents,
      outcomes: run.bridge.recordedOutcomes,
      resumption,
      release: async () => clearTimeout(expiry),
    };
    const expiry = setTimeout(() => dropPaused(pausedKey, entry), this.interactionTimeoutMs);
    expiry.unref();
    keepPaused(pausedKey, entry);
    return false;
  }
}

/** A paused run: waiting in its interpreter, or the records to replay its step from. */
type Paused =
  | (PausedRun & {kind: 'live'; run: Run; held: RunResources; running: RunningCode})
  | (PausedRun & {
      kind: 'replay';
      pending: PendingInteraction[];
      contents: Content[];
      outcomes: RecordedOutcomes;
      resumption: Resumption;
    });

/** A paused step to replay, with the answers the user gave. */
type Replay = Extract<Paused, {kind: 'replay'}> & {answers: Map<string, InteractionAnswer>};

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
