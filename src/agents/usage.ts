/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Token accounting of a run. Every model call is recorded, including failed, empty and cut-off
 * ones; the calls made since the last persisted event are summed into the next one's
 * `usageMetadata` (so summing `usageMetadata` over a run's events gives its totals, with nothing
 * counted twice), and the final event carries the totals and per-step figures.
 */

import type {GenerateContentResponseUsageMetadata} from '@google/genai';

/** Token counts of one or more model calls. */
export interface TokenCounts {
  prompt: number;
  output: number;
  thinking: number;
  cached: number;
  total: number;
}

/** One model call as the ledger keeps it. */
export interface ModelCallRecord {
  /** Step the call belongs to (0: before the first step; the last-step call: maxIterations + 1). */
  step: number;
  /** How the call ended: `ok`, `empty`, `cut_off`, `blocked`, `retried`, `failed`. */
  outcome: string;
  /** HTTP status or error code of a failed attempt. */
  error?: string;
  tokens: TokenCounts;
}

/** The run's usage as the final event's `customMetadata.codingAgent.usage` holds it. */
export interface RunUsage {
  total: TokenCounts & {modelCalls: number};
  steps: Array<TokenCounts & {step: number; modelCalls: number}>;
  /** Tokens of sub-agents run by tools called from code (ADK `AgentTool`), included in `total`. */
  subAgents?: TokenCounts;
}

function zero(): TokenCounts {
  return {prompt: 0, output: 0, thinking: 0, cached: 0, total: 0};
}

/** Counts of an ADK/genai usage record (missing fields are 0). */
export function tokenCounts(usage: GenerateContentResponseUsageMetadata | undefined): TokenCounts {
  const prompt = usage?.promptTokenCount ?? 0;
  const output = usage?.candidatesTokenCount ?? 0;
  const thinking = usage?.thoughtsTokenCount ?? 0;
  return {
    prompt,
    output,
    thinking,
    cached: usage?.cachedContentTokenCount ?? 0,
    total: usage?.totalTokenCount ?? prompt + output + thinking,
  };
}

function add(into: TokenCounts, counts: TokenCounts): void {
  into.prompt += counts.prompt;
  into.output += counts.output;
  into.thinking += counts.thinking;
  into.cached += counts.cached;
  into.total += counts.total;
}

function asUsageMetadata(counts: TokenCounts): GenerateContentResponseUsageMetadata {
  return {
    promptTokenCount: counts.prompt,
    candidatesTokenCount: counts.output,
    thoughtsTokenCount: counts.thinking || undefined,
    cachedContentTokenCount: counts.cached || undefined,
    totalTokenCount: counts.total,
  };
}

/** The usage of one run's model calls (see the module comment). */
export class UsageLedger {
  private readonly calls: ModelCallRecord[] = [];
  private readonly subAgents = zero();
  private pending: ModelCallRecord[] = [];

  /** Records one model call (or one failed attempt of it). */
  record(call: ModelCallRecord): void {
    this.calls.push(call);
    this.pending.push(call);
  }

  /** Adds tokens spent by sub-agents (they carry their own usage in their own session). */
  addSubAgentTokens(counts: TokenCounts): void {
    add(this.subAgents, counts);
  }

  /**
   * The calls since the last take, for the next persisted event: their summed `usageMetadata`
   * (undefined when there were none) and the calls themselves (for `customMetadata`).
   */
  take(): {usageMetadata?: GenerateContentResponseUsageMetadata; calls: ModelCallRecord[]} {
    const calls = this.pending;
    this.pending = [];
    if (calls.length === 0) return {calls};
    const sum = zero();
    for (const call of calls) add(sum, call.tokens);
    return {usageMetadata: asUsageMetadata(sum), calls};
  }

  /** Totals and per-step figures of the run so far. */
  summary(): RunUsage {
    const total = {...zero(), modelCalls: this.calls.length};
    const steps = new Map<number, TokenCounts & {step: number; modelCalls: number}>();
    for (const call of this.calls) {
      add(total, call.tokens);
      let step = steps.get(call.step);
      if (!step) {
        step = {...zero(), step: call.step, modelCalls: 0};
        steps.set(call.step, step);
      }
      add(step, call.tokens);
      step.modelCalls++;
    }
    const usage: RunUsage = {total, steps: [...steps.values()]};
    if (this.subAgents.total > 0) {
      add(total, this.subAgents);
      usage.subAgents = {...this.subAgents};
    }
    return usage;
  }
}
