/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * OpenTelemetry spans like `LlmAgent`'s, on ADK's tracer and with ADK's attribute names (ADK
 * 2.0.0 does not export its tracing helpers): `call_llm` per model call, `execute_tool <name>`
 * per tool call made from code, and `execute_code` per snippet. `call_llm` carries the id of the
 * step event the reply ends up in (`gcp.vertex.agent.event_id`), which is how `adk api_server`'s
 * `/debug/trace/<eventId>` and `adk web`'s event inspector find a trace.
 */

import {context, trace, SpanStatusCode, type Context, type Span} from '@opentelemetry/api';
import type {BaseTool, InvocationContext, LlmRequest, LlmResponse} from '@google/adk';

/** ADK's tracer name: spans land next to the invocation's own. */
const tracer = trace.getTracer('gcp.vertex.agent');

/**
 * ADK adds prompts and replies to spans unless this is `false` (its own switch). Nothing is
 * serialized for a span nobody records (no tracer provider registered): a run's request grows
 * with its steps, and turning it into JSON at every step for nothing made steps cost O(steps).
 */
function withContent(span: Span): boolean {
  if (!span.isRecording()) return false;
  const value = process.env.ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS;
  return value === undefined || !['false', '0'].includes(value.toLowerCase());
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '{}';
  } catch {
    return '{}';
  }
}

/** Starts a child of the active span (the agent's `invoke_agent`). */
function start(name: string): Span {
  return tracer.startSpan(name, undefined, context.active());
}

/** A `call_llm` span; {@link finish} records the response (or the failure) and ends it. */
export class ModelCallSpan {
  private readonly span = start('call_llm');

  constructor(ctx: InvocationContext, request: LlmRequest, eventId: string) {
    this.span.setAttributes({
      'gen_ai.system': 'gcp.vertex.agent',
      'gen_ai.operation.name': 'call_llm',
      'gen_ai.request.model': request.model ?? '',
      'gen_ai.agent.name': ctx.agent?.name ?? '',
      'gcp.vertex.agent.invocation_id': ctx.invocationId,
      'gcp.vertex.agent.session_id': ctx.session.id,
      'gcp.vertex.agent.event_id': eventId,
      'gcp.vertex.agent.llm_request': withContent(this.span)
        ? json({model: request.model, config: request.config, contents: request.contents})
        : '{}',
    });
    if (request.config?.maxOutputTokens !== undefined) {
      this.span.setAttribute('gen_ai.request.max_tokens', request.config.maxOutputTokens);
    }
    if (request.config?.topP !== undefined) {
      this.span.setAttribute('gen_ai.request.top_p', request.config.topP);
    }
  }

  /** A failed attempt that will be retried. */
  retried(attempt: number, error: string, delayMs: number): void {
    this.span.addEvent('retry', {attempt, error, delay_ms: delayMs});
  }

  /** Records the final response (or failure) and ends the span. */
  finish(response: LlmResponse | undefined, failure?: string): void {
    if (response) {
      this.span.setAttribute(
        'gcp.vertex.agent.llm_response',
        withContent(this.span) ? json(response) : '{}',
      );
      const usage = response.usageMetadata;
      if (usage) {
        this.span.setAttribute('gen_ai.usage.input_tokens', usage.promptTokenCount ?? 0);
        if (usage.candidatesTokenCount) {
          this.span.setAttribute('gen_ai.usage.output_tokens', usage.candidatesTokenCount);
        }
      }
      if (response.finishReason) {
        this.span.setAttribute('gen_ai.response.finish_reasons', [
          String(response.finishReason).toLowerCase(),
        ]);
      }
    }
    if (failure) this.span.setStatus({code: SpanStatusCode.ERROR, message: failure});
    this.span.end();
  }
}

/**
 * An `execute_tool <name>` span for one call made from code, a child of `parent` (the snippet's
 * `execute_code` span: kernel messages arrive outside the execution's async context).
 */
export function toolCallSpan(
  tool: BaseTool,
  args: unknown,
  functionCallId: string,
  parent: Context = context.active(),
) {
  const span = tracer.startSpan(`execute_tool ${tool.name}`, undefined, parent);
  span.setAttributes({
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': tool.name,
    'gen_ai.tool.description': tool.description ?? '',
    'gen_ai.tool.type': tool.constructor.name,
    'gen_ai.tool.call.id': functionCallId,
    'gcp.vertex.agent.llm_request': '{}',
    'gcp.vertex.agent.llm_response': '{}',
    'gcp.vertex.agent.tool_call_args': withContent(span) ? json(args) : '{}',
  });
  return {
    /** Records the outcome and ends the span. */
    end(result: unknown, error?: string) {
      span.setAttribute('gcp.vertex.agent.tool_response', withContent(span) ? json(result) : '{}');
      if (error) span.setStatus({code: SpanStatusCode.ERROR, message: error});
      span.end();
    },
  };
}

/** An `execute_code` span for one snippet: its step, duration and outcome. */
export function codeExecutionSpan(ctx: InvocationContext, step: number, eventId: string) {
  const span = start('execute_code');
  span.setAttributes({
    'gen_ai.operation.name': 'execute_code',
    'gen_ai.agent.name': ctx.agent?.name ?? '',
    'gcp.vertex.agent.invocation_id': ctx.invocationId,
    'gcp.vertex.agent.session_id': ctx.session.id,
    'adk_coding_agent.step': step,
    'adk_coding_agent.step_event_id': eventId,
  });
  return {
    /** The span as the active context, so tool calls made by the snippet are its children. */
    context: trace.setSpan(context.active(), span),
    end(outcome: string, durationMs: number, stateLost: boolean, error?: string) {
      span.setAttributes({
        'adk_coding_agent.outcome': outcome,
        'adk_coding_agent.duration_ms': durationMs,
        'adk_coding_agent.state_lost': stateLost,
      });
      if (error) span.setStatus({code: SpanStatusCode.ERROR, message: error});
      span.end();
    },
  };
}
