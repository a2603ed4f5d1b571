/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Tokens spent by sub-agents that tools called from code run (ADK's `AgentTool`): the sub-agent
 * runs in its own session (app name = the tool's name, same user and session id), where its
 * events carry their usage. Reading that session's new events after the call gives them, so a
 * run's totals include what its sub-agents spent.
 */

import {isAgentTool, type BaseTool, type InvocationContext} from '@google/adk';
import type {GenerateContentResponseUsageMetadata} from '@google/genai';

/** Counts each sub-agent event once, even when calls to one sub-agent overlap. */
export class SubAgentUsage {
  private readonly counted = new Set<string>();
  private pending: GenerateContentResponseUsageMetadata[] = [];

  constructor(private readonly ctx: InvocationContext) {}

  /** Runs `call`; when `tool` is an `AgentTool`, records the usage its sub-agent's run added. */
  async around<T>(tool: BaseTool, call: () => Promise<T>): Promise<T> {
    if (!isAgentTool(tool) || !this.ctx.sessionService) return call();
    const before = new Set((await this.events(tool)).map((e) => e.id));
    try {
      return await call();
    } finally {
      for (const event of await this.events(tool)) {
        if (before.has(event.id) || this.counted.has(event.id) || !event.usageMetadata) continue;
        this.counted.add(event.id);
        this.pending.push(event.usageMetadata);
      }
    }
  }

  /** Usage records since the last take. */
  take(): GenerateContentResponseUsageMetadata[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  private async events(tool: BaseTool) {
    const session = await this.ctx
      .sessionService!.getSession({
        appName: tool.name,
        userId: this.ctx.userId,
        sessionId: this.ctx.session.id,
      })
      .catch(() => undefined);
    return (session?.events ?? []).filter((e) => !e.partial);
  }
}
