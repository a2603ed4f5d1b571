/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {performance} from 'node:perf_hooks';

import {
  Context,
  generateClientFunctionCallId,
  type BaseTool,
  type EventActions,
  type InvocationContext,
  type SingleAfterToolCallback,
  type SingleBeforeToolCallback,
} from '@google/adk';
import {Ajv, type ErrorObject, type ValidateFunction} from 'ajv';

import type {ToolCallHandler, ToolCallOutcome, ToolCallRequest} from '../code_executors/sandbox.js';
import {pythonParamName, toolParametersSchema} from './tool_code_generator.js';

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
}

/** What happened in one tool call, for events and logs. */
export interface ToolCallRecord {
  name: string;
  args: Record<string, unknown>;
  functionCallId: string;
  ok: boolean;
  /** The error message when `ok` is false. */
  error?: string;
  durationMs: number;
}

function pythonArgs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([k, v]) => `${pythonParamName(k)}=${JSON.stringify(v)?.slice(0, 60)}`)
    .join(', ');
}

function describeError(tool: string, error: ErrorObject): string {
  const where = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const param = where.split('.')[0];
  switch (error.keyword) {
    case 'required':
      return `${tool}() missing required argument '${pythonParamName(String(error.params.missingProperty))}'`;
    case 'additionalProperties':
      return `${tool}() got an unexpected keyword argument '${pythonParamName(String(error.params.additionalProperty))}'`;
    default:
      return `${tool}() argument '${pythonParamName(param) + where.slice(param.length)}' ${error.message ?? 'is invalid'}`;
  }
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
 */
export class ToolBridge {
  /** Handler to pass as `onToolCall`; never throws. */
  readonly handle: ToolCallHandler;
  private readonly tools = new Map<string, {tool: BaseTool; validate: ValidateFunction}>();
  private calls: ToolCallRecord[] = [];
  private actions: EventActions[] = [];
  private callCount = 0;

  constructor(private readonly options: ToolBridgeOptions) {
    const ajv = new Ajv({allErrors: false, strict: false});
    for (const tool of options.tools) {
      this.tools.set(tool.name, {
        tool,
        validate: ajv.compile(toolParametersSchema(tool._getDeclaration())),
      });
    }
    this.handle = (call) => this.run(call);
  }

  /** Records of the calls since the last `takeCalls()`. */
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

  private async run(call: ToolCallRequest): Promise<ToolCallOutcome> {
    const started = performance.now();
    const functionCallId = generateClientFunctionCallId();
    const outcome = await this.runUnrecorded(call, functionCallId);
    this.calls.push({
      name: call.name,
      args: call.args,
      functionCallId,
      ok: outcome.ok,
      error: outcome.ok ? undefined : outcome.message,
      durationMs: performance.now() - started,
    });
    return outcome;
  }

  private async runUnrecorded(
    call: ToolCallRequest,
    functionCallId: string,
  ): Promise<ToolCallOutcome> {
    const entry = this.tools.get(call.name);
    if (!entry) {
      const known = [...this.tools.keys()].join(', ') || 'none';
      return {
        ok: false,
        errorType: 'ToolError',
        message: `no tool named ${call.name} (tools: ${known})`,
      };
    }
    if (++this.callCount > (this.options.maxCalls ?? 1000)) {
      return {
        ok: false,
        errorType: 'ToolError',
        message: `tool call limit reached (${this.options.maxCalls ?? 1000} per run)`,
      };
    }
    const args = call.args;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return {
        ok: false,
        errorType: 'TypeError',
        message: `${call.name}() arguments must be keyword arguments`,
      };
    }
    if (!entry.validate(args)) {
      return {
        ok: false,
        errorType: 'TypeError',
        message: describeError(call.name, entry.validate.errors![0]),
      };
    }

    const {tool} = entry;
    const ctx = this.options.invocationContext;
    const context = new Context({invocationContext: ctx, functionCallId});
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
          result = await tool.runAsync({args, toolContext: context});
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          const handled = await ctx.pluginManager.runOnToolErrorCallback({
            tool,
            toolArgs: args,
            toolContext: context,
            error,
          });
          if (handled != null) result = handled;
          else failure = error.message;
        }
      }
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
      this.actions.push(context.actions);
      if (failure !== undefined) {
        return {
          ok: false,
          errorType: 'ToolError',
          message: `${call.name}(${pythonArgs(args)}) failed: ${failure}`,
        };
      }
      return this.checkResult(call.name, result);
    } catch (e) {
      // A callback threw: report it to the code like a tool error.
      this.actions.push(context.actions);
      return {
        ok: false,
        errorType: 'ToolError',
        message: `${call.name}: ${(e as Error).message ?? String(e)}`,
      };
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
