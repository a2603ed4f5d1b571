/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {performance} from 'node:perf_hooks';

import {
  Context,
  ToolConfirmation,
  createEventActions,
  generateClientFunctionCallId,
  type BaseTool,
  type EventActions,
  type InvocationContext,
  type SingleAfterToolCallback,
  type SingleBeforeToolCallback,
} from '@google/adk';
import {Ajv, type ErrorObject, type ValidateFunction} from 'ajv';

import type {
  ToolCallControl,
  ToolCallHandler,
  ToolCallOutcome,
  ToolCallRequest,
} from '../code_executors/sandbox.js';
import type {Context as OtelContext} from '@opentelemetry/api';

import {toolCallSpan} from '../telemetry/tracing.js';
import {
  interactionOf,
  storeCredential,
  type InteractionAnswer,
  type PendingInteraction,
} from './interactions.js';
import {SubAgentUsage} from './sub_agent_usage.js';
import {pythonParamName, toolParametersSchema} from './tool_code_generator.js';
import {MAX_TIMER_MS, seconds} from '../utils/time.js';

/** Options of {@link ToolBridge}. */
export interface ToolBridgeOptions {
  /** The run's context: tools get a `Context` built from it, plugins come from it. */
  invocationContext: InvocationContext;
  /** The tools code may call (toolsets already expanded). */
  tools: readonly BaseTool[];
  /** Agent-level callbacks run before each tool, after the plugins' (first result wins). */
  beforeToolCallbacks?: readonly SingleBeforeToolCallback[];
  /** Agent-level callbacks run after each tool, after the plugins' (first result wins). */
  afterToolCallbacks?: readonly SingleAfterToolCallback[];
  /** Largest tool result, as JSON, sent back to the sandbox. Default 10 MiB. */
  maxResultBytes?: number;
  /** Tool calls allowed per bridge (one run). Default 1000. */
  maxCalls?: number;
  /**
   * Tool calls running at once; one more fails at once with a `ToolError` instead of queueing
   * (threads in a snippet could otherwise pile up calls without bound). Default 16.
   */
  maxConcurrentCalls?: number;
  /** Largest arguments of one call, as JSON bytes; a larger call fails with a `ToolError`. Default 1 MiB. */
  maxArgsBytes?: number;
  /**
   * Longest wait for one call (callbacks included), in ms. When it passes, the snippet gets a
   * `ToolError` naming the tool and the limit, and keeps running; the tool's promise is abandoned
   * (a JavaScript promise cannot be cancelled): its late result, error and state changes are
   * dropped. Default {@link DEFAULT_TOOL_TIMEOUT_MS}; `Infinity` waits forever.
   */
  timeoutMs?: number;
  /**
   * Turns each result (after the after-tool callbacks) into the value the snippet gets, or into
   * an error the snippet raises as `ToolError` (e.g. `mcpResultConverter` for MCP results).
   * Default: the result as it is.
   */
  convertResult?: ToolResultConverter;
  /**
   * Asks the user when a call needs them (a confirmation, a credential, a long-running tool's
   * result). Without it such calls return what the tool returned on its first pass.
   */
  interactions?: InteractionGate;
  /**
   * Keeps every call's outcome, so that a replay of the same code ({@link replay}) is served
   * the same results instead of running tools again. Default false.
   */
  recordOutcomes?: boolean;
}

/** How the bridge asks the user (see {@link ToolBridgeOptions.interactions}). */
export interface InteractionGate {
  /**
   * Waits for the user's answer to `pending`; resolves to it, or to why none came (the
   * message of the `ToolError` the snippet raises). Never rejects.
   */
  ask(pending: PendingInteraction): Promise<InteractionAnswer | {refused: string}>;
  /**
   * The answer already given to an earlier call with this tool and these arguments, when code
   * that was paused is being replayed (consumed once); undefined otherwise.
   */
  answered(
    name: string,
    args: Record<string, unknown>,
  ): {pending: PendingInteraction; answer: InteractionAnswer} | undefined;
}

/** Outcomes of calls by tool name and arguments, in call order (see {@link ToolBridge.replay}). */
export type RecordedOutcomes = Map<string, ToolCallOutcome[]>;

/** The key of a call in {@link RecordedOutcomes}. */
export function callKey(name: string, args: Record<string, unknown>): string {
  return JSON.stringify([name, args]);
}

/** What a {@link ToolResultConverter} makes of a result: a value, or an error message. */
export type ConvertedToolResult = {value: unknown} | {error: string};

/** See {@link ToolBridgeOptions.convertResult}. */
export type ToolResultConverter = (
  tool: BaseTool,
  result: unknown,
  context: Context,
) => Promise<ConvertedToolResult>;

/** Default of {@link ToolBridgeOptions.timeoutMs}: below the sandboxes' 30 s snippet timeout. */
export const DEFAULT_TOOL_TIMEOUT_MS = 20_000;
/** Default of {@link ToolBridgeOptions.maxConcurrentCalls}. */
export const DEFAULT_MAX_CONCURRENT_TOOL_CALLS = 16;
/** Default of {@link ToolBridgeOptions.maxArgsBytes}. */
export const DEFAULT_MAX_TOOL_ARGS_BYTES = 1024 * 1024;
/** Default of {@link ToolBridgeOptions.maxCalls}. */
export const DEFAULT_MAX_TOOL_CALLS = 1000;

/**
 * What happened in one call that ran its tool, for events and logs. It holds a bounded summary,
 * never the arguments or the result themselves (a run may make a thousand calls of megabytes).
 */
export interface ToolCallRecord {
  name: string;
  /** The arguments as Python keyword arguments, each value shortened (a few hundred characters). */
  argsPreview: string;
  functionCallId: string;
  ok: boolean;
  /** The error message when `ok` is false (shortened). */
  error?: string;
  durationMs: number;
}

/** Characters of one value, and of all arguments, in {@link pythonArgs}. */
const PREVIEW_VALUE_CHARS = 60;
const PREVIEW_CHARS = 300;
const PREVIEW_KEYS = 8;

/**
 * A fresh copy of a short string. `slice` may return a view that keeps the whole original alive
 * (a megabyte argument behind a 60-character preview); JSON.parse builds a new string.
 */
function detached(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** `a=1, text="abc…"`: the arguments as the call's Python reads, bounded whatever their size. */
function pythonArgs(args: Record<string, unknown>): string {
  const shown = (value: unknown): string => {
    if (typeof value === 'string') return JSON.stringify(value.slice(0, PREVIEW_VALUE_CHARS));
    if (Array.isArray(value)) return `[${value.length} items]`;
    if (value !== null && typeof value === 'object') return `{${Object.keys(value).length} keys}`;
    return String(value).slice(0, PREVIEW_VALUE_CHARS);
  };
  const keys = Object.keys(args);
  const parts = keys
    .slice(0, PREVIEW_KEYS)
    .map((k) => `${pythonParamName(k.slice(0, PREVIEW_VALUE_CHARS))}=${shown(args[k])}`);
  if (keys.length > PREVIEW_KEYS) parts.push(`... ${keys.length - PREVIEW_KEYS} more`);
  return detached(parts.join(', ').slice(0, PREVIEW_CHARS));
}

/** An argument name as an error message shows it (a key can be megabytes long). */
function shownName(name: string): string {
  return pythonParamName(
    name.length > PREVIEW_VALUE_CHARS ? `${name.slice(0, PREVIEW_VALUE_CHARS)}…` : name,
  );
}

function describeError(tool: string, error: ErrorObject): string {
  const where = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const param = where.split('.')[0];
  switch (error.keyword) {
    case 'required':
      return `${tool}() missing required argument '${shownName(String(error.params.missingProperty))}'`;
    case 'additionalProperties':
      return `${tool}() got an unexpected keyword argument '${shownName(String(error.params.additionalProperty))}'`;
    default:
      return `${tool}() argument '${shownName(param) + where.slice(param.length, 200)}' ${error.message ?? 'is invalid'}`;
  }
}

/** ADK's FunctionTool wraps errors as `Error in tool 'name': ...`; the call text names it already. */
function stripToolPrefix(name: string, message: string): string {
  const prefix = `Error in tool '${name}': `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function toolError(message: string): ToolCallOutcome {
  return {ok: false, errorType: 'ToolError', message};
}

/** A call in flight, as {@link ToolBridge.close} sees it. */
interface InFlightCall {
  name: string;
  /** Answers the snippet now, abandoning the tool. */
  abandon: (outcome: ToolCallOutcome) => void;
}

function normalizeResponse(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') return {result: value};
  if (Array.isArray(value)) return {results: value};
  return value as Record<string, unknown>;
}

/**
 * Runs ADK tools for calls that come from code in the sandbox, the way ADK's `LlmAgent` runs
 * them for function calls: a `Context` with a fresh function-call id; plugin, then agent,
 * before-tool callbacks; the tool; plugin on-error callbacks; plugin, then agent, after-tool
 * callbacks. Arguments are validated against the tool's declared schema first, so a bad call
 * raises a clear `TypeError` in Python. Calls may arrive concurrently.
 *
 * Limits per bridge (one run): calls in total, calls at once, argument and result size, and the
 * time one call may take. A call over a limit fails with a `ToolError` saying which limit. What
 * the bridge keeps is bounded whatever the calls carry: a rejected call (unknown tool, a limit,
 * invalid arguments) leaves only a count ({@link rejectedCalls}); a call that ran leaves a
 * {@link ToolCallRecord} summary; neither keeps arguments or results.
 */
export class ToolBridge {
  /** Handler to pass as `onToolCall`; never throws. */
  readonly handle: ToolCallHandler;
  private readonly tools = new Map<string, {tool: BaseTool; validate: ValidateFunction}>();
  private calls: ToolCallRecord[] = [];
  private actions: EventActions[] = [];
  private unsummarized?: {name: string; value: unknown};
  private callCount = 0;
  private rejectedCount = 0;
  private readonly inFlight = new Set<InFlightCall>();
  private closed = false;
  private invocationContext: InvocationContext;
  private recorded: RecordedOutcomes = new Map();
  private replaying: RecordedOutcomes = new Map();
  /** The trace context tool calls' spans are children of (the running snippet's span). */
  traceContext?: OtelContext;
  /** Usage of sub-agents run by tools (`AgentTool`), for the run's totals. */
  readonly subAgents: SubAgentUsage;

  constructor(private readonly options: ToolBridgeOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    if (!(timeoutMs > 0) || (Number.isFinite(timeoutMs) && timeoutMs > MAX_TIMER_MS)) {
      throw new Error(
        `timeoutMs must be a positive number of ms up to ${MAX_TIMER_MS} (or Infinity), got ${String(timeoutMs)}`,
      );
    }
    const ajv = new Ajv({allErrors: false, strict: false});
    for (const tool of options.tools) {
      this.tools.set(tool.name, {
        tool,
        validate: ajv.compile(toolParametersSchema(tool._getDeclaration())),
      });
    }
    this.invocationContext = options.invocationContext;
    this.handle = (call, control) => this.run(call, control);
    this.subAgents = new SubAgentUsage(options.invocationContext);
  }

  /** Calls refused without running their tool (unknown tool, a limit, invalid arguments). */
  get rejectedCalls(): number {
    return this.rejectedCount;
  }

  /** Records of the calls that ran their tool since the last `takeCalls()`. */
  takeCalls(): ToolCallRecord[] {
    const calls = this.calls;
    this.calls = [];
    return calls;
  }

  /** The calls' merged `stateDelta`, `artifactDelta` and flags since the last `takeActions()`. */
  takeActions(): Partial<EventActions> {
    const merged: Partial<EventActions> = {stateDelta: {}, artifactDelta: {}};
    for (const a of this.actions) {
      Object.assign(merged.stateDelta!, a.stateDelta);
      Object.assign(merged.artifactDelta!, a.artifactDelta);
      if (a.skipSummarization) merged.skipSummarization = true;
      if (a.escalate) merged.escalate = true;
      if (a.transferToAgent) merged.transferToAgent = a.transferToAgent;
    }
    this.actions = [];
    return merged;
  }

  /**
   * The result of the last call since the last `takeUnsummarized()` whose tool set
   * `skipSummarization` (an `LlmAgent` ends its turn with such a result instead of asking the
   * model again; so does the CodingAgent after the step).
   */
  takeUnsummarized(): {name: string; value: unknown} | undefined {
    const result = this.unsummarized;
    this.unsummarized = undefined;
    return result;
  }

  /**
   * Moves the bridge to the invocation a paused run resumes in: tools called from now on get
   * contexts of `ctx` (its session state, its abort signal).
   */
  attach(ctx: InvocationContext): void {
    this.invocationContext = ctx;
  }

  /** The outcomes recorded so far (with {@link ToolBridgeOptions.recordOutcomes}). */
  get recordedOutcomes(): RecordedOutcomes {
    return this.recorded;
  }

  /**
   * Serves later calls with these tool names and arguments from `outcomes` (each once, in
   * order) instead of running their tools: code run again after its interpreter was lost gets
   * the results it had, and no tool runs twice.
   */
  replay(outcomes: RecordedOutcomes): void {
    this.replaying = new Map([...outcomes].map(([key, list]) => [key, [...list]]));
  }

  /** Calls waiting for their tool now. */
  get callsInFlight(): number {
    return this.inFlight.size;
  }

  /**
   * Ends the bridge (the run is over): calls still waiting are answered with a `ToolError` and
   * their tools abandoned, timers are cleared, and later calls fail at once. Idempotent.
   */
  close(): void {
    this.closed = true;
    for (const call of [...this.inFlight]) {
      call.abandon(toolError(`${call.name}: the run ended before the tool answered`));
    }
  }

  private async run(call: ToolCallRequest, control?: ToolCallControl): Promise<ToolCallOutcome> {
    const started = performance.now();
    const checked = this.check(call);
    if ('refused' in checked) {
      this.rejectedCount++;
      return checked.refused;
    }
    const key = callKey(call.name, call.args);
    const replayed = this.replaying.get(key)?.shift();
    if (replayed) return this.remember(key, replayed);
    const gate = this.options.interactions;
    const earlier = gate?.answered(call.name, call.args);
    let functionCallId = earlier?.pending.functionCallId ?? generateClientFunctionCallId();
    let outcome: ToolCallOutcome;
    if (earlier) {
      outcome = await this.resume(checked.tool, earlier.pending, earlier.answer);
    } else {
      const context = this.contextFor(functionCallId);
      const first = await this.runWithin(checked.tool, call.name, call.args, context);
      const pending =
        gate && first.answered
          ? interactionOf(
              checked.tool,
              call.args,
              context,
              first.outcome.ok ? first.outcome.value : undefined,
            )
          : undefined;
      if (pending && gate) {
        pending.stateDelta = {...context.actions.stateDelta};
        functionCallId = pending.functionCallId;
        // Nobody's clock runs while a person decides: the snippet's timeout is held.
        const release = control?.holdTimeout();
        let answer: InteractionAnswer | {refused: string};
        try {
          answer = await gate.ask(pending);
        } finally {
          release?.();
        }
        outcome =
          'refused' in answer
            ? toolError(answer.refused)
            : await this.resume(checked.tool, pending, answer);
      } else {
        if (first.answered) this.keepActions(call.name, context.actions, first.outcome);
        outcome = first.outcome;
      }
    }
    this.calls.push({
      name: call.name,
      argsPreview: pythonArgs(call.args),
      functionCallId,
      ok: outcome.ok,
      error: outcome.ok ? undefined : detached(outcome.message.slice(0, 2 * PREVIEW_CHARS)),
      durationMs: performance.now() - started,
    });
    return this.remember(key, outcome);
  }

  /** Keeps `outcome` for replays (with `recordOutcomes`) and returns it. */
  private remember(key: string, outcome: ToolCallOutcome): ToolCallOutcome {
    if (this.options.recordOutcomes) {
      const list = this.recorded.get(key) ?? [];
      list.push(outcome);
      this.recorded.set(key, list);
    }
    return outcome;
  }

  /** A tool context for a call, with the first pass's state changes when it resumes one. */
  private contextFor(
    functionCallId: string,
    resumed?: {pending: PendingInteraction; toolConfirmation?: ToolConfirmation},
  ): Context {
    return new Context({
      invocationContext: this.invocationContext,
      functionCallId,
      toolConfirmation: resumed?.toolConfirmation,
      eventActions: resumed
        ? createEventActions({stateDelta: {...resumed.pending.stateDelta}})
        : undefined,
    });
  }

  /** Finishes a call the user answered: runs its tool once more, or returns the answer. */
  private async resume(
    tool: BaseTool,
    pending: PendingInteraction,
    answer: InteractionAnswer,
  ): Promise<ToolCallOutcome> {
    const {toolName: name, args} = pending;
    const shown = `${name}(${pythonArgs(args)})`;
    if (answer.kind === 'long-running') {
      // The tool ran once already; the user (or the system behind the client) sent its result.
      this.actions.push(createEventActions({stateDelta: {...pending.stateDelta}}));
      return this.checkResult(name, answer.response);
    }
    let toolConfirmation: ToolConfirmation | undefined;
    if (answer.kind === 'confirmation') {
      if (!answer.confirmed) return toolError(`${shown} was declined by the user; it did not run`);
      toolConfirmation = new ToolConfirmation({
        hint: pending.hint,
        confirmed: true,
        payload: answer.payload,
      });
    } else if (!(await storeCredential(pending, answer, this.invocationContext.session.state))) {
      return toolError(`${shown}: the user's answer carried no credential; the tool did not run`);
    }
    const context = this.contextFor(pending.functionCallId, {pending, toolConfirmation});
    const second = await this.runWithin(tool, name, args, context);
    if (second.answered) this.keepActions(name, context.actions, second.outcome);
    return second.outcome;
  }

  /** Keeps an answered call's actions (and its result, when its tool skips summarization). */
  private keepActions(name: string, actions: EventActions, outcome: ToolCallOutcome): void {
    this.actions.push(actions);
    if (actions.skipSummarization && outcome.ok) this.unsummarized = {name, value: outcome.value};
  }

  /** The tool to run for `call`, or why it is refused (every limit and the schema). */
  private check(call: ToolCallRequest): {tool: BaseTool} | {refused: ToolCallOutcome} {
    const refuse = (outcome: ToolCallOutcome) => ({refused: outcome});
    if (this.closed) {
      return refuse(toolError(`${call.name}: the run has ended; tools cannot be called`));
    }
    const entry = this.tools.get(call.name);
    if (!entry) {
      const known = [...this.tools.keys()].join(', ') || 'none';
      return refuse(toolError(`no tool named ${call.name} (tools: ${known})`));
    }
    const maxCalls = this.options.maxCalls ?? DEFAULT_MAX_TOOL_CALLS;
    if (++this.callCount > maxCalls) {
      return refuse(toolError(`tool call limit reached (${maxCalls} per run)`));
    }
    const maxConcurrent = this.options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_TOOL_CALLS;
    if (this.inFlight.size >= maxConcurrent) {
      // Refused rather than queued: a queue would let one snippet's threads grow it without bound.
      return refuse(
        toolError(
          `${call.name}: too many tool calls at once (${maxConcurrent} already running, the limit ` +
            'per run); wait for some to finish, e.g. use fewer threads',
        ),
      );
    }
    const args = call.args;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return refuse({
        ok: false,
        errorType: 'TypeError',
        message: `${call.name}() arguments must be keyword arguments`,
      });
    }
    const maxArgsBytes = this.options.maxArgsBytes ?? DEFAULT_MAX_TOOL_ARGS_BYTES;
    const argsBytes = Buffer.byteLength(JSON.stringify(args));
    if (argsBytes > maxArgsBytes) {
      return refuse(
        toolError(
          `${call.name}() arguments are ${argsBytes} bytes of JSON, over the ${maxArgsBytes}-byte ` +
            'limit of one tool call; pass less data per call',
        ),
      );
    }
    if (!entry.validate(args)) {
      const message = describeError(call.name, entry.validate.errors![0]);
      // Ajv keeps the last errors on the function, and they name keys of these arguments.
      entry.validate.errors = null;
      return refuse({ok: false, errorType: 'TypeError', message});
    }
    return {tool: entry.tool};
  }

  /**
   * Runs the tool (with callbacks), answering with a `ToolError` if it takes too long.
   * `answered` is false when the tool was abandoned (its state changes must be dropped).
   */
  private async runWithin(
    tool: BaseTool,
    name: string,
    args: Record<string, unknown>,
    context: Context,
  ): Promise<{outcome: ToolCallOutcome; answered: boolean}> {
    const functionCallId = context.functionCallId!;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    const abandoned = {value: false};
    let timer: NodeJS.Timeout | undefined;
    let answerNow!: (outcome: ToolCallOutcome) => void;
    const early = new Promise<ToolCallOutcome>((resolve) => (answerNow = resolve));
    const entry: InFlightCall = {
      name,
      abandon: (outcome) => {
        abandoned.value = true;
        answerNow(outcome);
      },
    };
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(
        () =>
          entry.abandon(
            toolError(
              `${name}(${pythonArgs(args)}) did not answer within ${seconds(timeoutMs)} s and was ` +
                'abandoned (the time limit of one tool call); the snippet goes on',
            ),
          ),
        timeoutMs,
      );
    }
    this.inFlight.add(entry);
    const span = toolCallSpan(tool, args, functionCallId, this.traceContext);
    // `invoke` never rejects, so an abandoned call cannot become an unhandled rejection.
    // Only an answered call's state changes count; a late one's are dropped.
    const work = this.invoke(tool, name, args, context, abandoned).then((outcome) => {
      span.end(outcome.ok ? outcome.value : undefined, outcome.ok ? undefined : outcome.message);
      return {outcome, answered: !abandoned.value};
    });
    try {
      return await Promise.race([work, early.then((outcome) => ({outcome, answered: false}))]);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(entry);
    }
  }

  /**
   * Plugin and agent before-tool callbacks, the tool, on-error and after-tool callbacks. Never
   * rejects. Once `abandoned`, callbacks after the tool are skipped: nobody waits for them.
   */
  private async invoke(
    tool: BaseTool,
    name: string,
    args: Record<string, unknown>,
    context: Context,
    abandoned: {value: boolean},
  ): Promise<ToolCallOutcome> {
    const ctx = this.invocationContext;
    try {
      let response: unknown = await ctx.pluginManager.runBeforeToolCallback({
        tool,
        toolArgs: args,
        toolContext: context,
      });
      if (response == null) {
        for (const callback of this.options.beforeToolCallbacks ?? []) {
          response = await callback({tool, args, context});
          if (response != null) break;
        }
      }
      let result: unknown;
      let failure: string | undefined;
      if (response != null) {
        result = response;
      } else {
        try {
          result = await this.subAgents.around(tool, () =>
            tool.runAsync({args, toolContext: context}),
          );
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          if (abandoned.value) return toolError(`${name}: abandoned`);
          const handled = await ctx.pluginManager.runOnToolErrorCallback({
            tool,
            toolArgs: args,
            toolContext: context,
            error,
          });
          if (handled != null) result = handled;
          else failure = stripToolPrefix(name, error.message);
        }
      }
      if (abandoned.value) return toolError(`${name}: abandoned`);
      if (failure === undefined) {
        let altered: unknown = await ctx.pluginManager.runAfterToolCallback({
          tool,
          toolArgs: args,
          toolContext: context,
          result: normalizeResponse(result) ?? {result: null},
        });
        if (altered == null) {
          for (const callback of this.options.afterToolCallbacks ?? []) {
            altered = await callback({
              tool,
              args,
              context,
              response: normalizeResponse(result) ?? {result: null},
            });
            if (altered != null) break;
          }
        }
        if (altered != null) result = altered;
      }
      if (failure === undefined && this.options.convertResult) {
        const converted = await this.options.convertResult(tool, result, context);
        if ('error' in converted) failure = converted.error;
        else result = converted.value;
      }
      if (failure !== undefined) {
        return toolError(`${name}(${pythonArgs(args)}) failed: ${failure}`);
      }
      return this.checkResult(name, result);
    } catch (e) {
      // A callback threw: report it to the code like a tool error.
      return toolError(`${name}: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  private checkResult(name: string, value: unknown): ToolCallOutcome {
    let json: string | undefined;
    try {
      json = JSON.stringify(value === undefined ? null : value);
    } catch (e) {
      return {
        ok: false,
        errorType: 'ToolError',
        message: `${name} returned a value that is not JSON: ${(e as Error).message}`,
      };
    }
    const limit = this.options.maxResultBytes ?? 10 * 1024 * 1024;
    const size = Buffer.byteLength(json ?? 'null');
    if (size > limit) {
      return {
        ok: false,
        errorType: 'ToolError',
        message: `${name} returned ${size} bytes of JSON, over the ${limit}-byte limit`,
      };
    }
    return {ok: true, value: JSON.parse(json ?? 'null')};
  }
}
