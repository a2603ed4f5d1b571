/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// Section 8 of the benchmarks: the cost of one MCP tool call from a snippet's loop, with
// `@modelcontextprotocol/server-everything` over stdio. Baseline: ADK 2.0.0's own `MCPTool.runAsync`
// (a new session, so a new server process, per call), called through a FunctionTool so the
// snippet path is the same; ours: the `MCPToolset` given to the agent (one session per run).

import {FunctionTool, InMemoryRunner, MCPToolset, type BaseTool} from '@google/adk';
import {z} from 'zod';

import {CodingAgent, ScriptedLlm, type CodeExecutor} from '../src/index.js';
import {EVERYTHING, stdioParams} from '../test/helpers/mcp_servers.js';

const PARAMS = stdioParams(EVERYTHING, 'stdio');

/** Per-call latencies of one run, in ms: median, mean (first call included), first call. */
export interface McpCallFigures {
  p50: number;
  mean: number;
  first: number;
}

/** Runs `calls` calls of `get_sum` from one snippet and returns the latencies timed in Python. */
async function timeCalls(
  executor: CodeExecutor,
  tools: Array<BaseTool | MCPToolset>,
  calls: number,
): Promise<McpCallFigures> {
  const code = [
    'import time',
    'lat = []',
    `for i in range(${calls}):`,
    '    t = time.perf_counter(); get_sum(a=i, b=1); lat.append((time.perf_counter() - t) * 1000)',
    'final_answer([sorted(lat)[len(lat) // 2], sum(lat) / len(lat), lat[0]])',
  ].join('\n');
  const agent = new CodingAgent({
    name: 'mcp_bench',
    model: new ScriptedLlm({responses: [`\`\`\`python\n${code}\n\`\`\``]}),
    tools,
    codeExecutor: executor,
    executionTimeoutMs: 600_000,
    maxRunTimeMs: 900_000,
  });
  const runner = new InMemoryRunner({agent, appName: 'bench'});
  const session = await runner.sessionService.createSession({appName: 'bench', userId: 'u'});
  let answer = '';
  for await (const event of runner.runAsync({
    userId: 'u',
    sessionId: session.id,
    newMessage: {role: 'user', parts: [{text: 'go'}]},
  })) {
    answer = event.content?.parts?.map((p) => p.text ?? '').join('') ?? answer;
  }
  const [p50, mean, first] = JSON.parse(answer) as number[];
  return {p50, mean, first};
}

/** The baseline (ADK's session per call) and ours (a session per run), on `executor`. */
export async function mcpCallCost(
  executor: CodeExecutor,
  calls: number,
): Promise<{perCallSession: McpCallFigures; perRunSession: McpCallFigures}> {
  const listing = new MCPToolset(PARAMS, ['get-sum']);
  const [adkTool] = await listing.getTools();
  // A FunctionTool is no MCP tool to the agent: each call goes through ADK's MCPTool.runAsync.
  const perCall = new FunctionTool({
    name: 'get_sum',
    description: 'Returns the sum of two numbers',
    parameters: z.object({a: z.number(), b: z.number()}),
    execute: (args, context) => adkTool.runAsync({args, toolContext: context!}),
  });
  const perCallSession = await timeCalls(executor, [perCall], calls);
  await listing.close();
  const perRunSession = await timeCalls(executor, [new MCPToolset(PARAMS, ['get-sum'])], calls);
  return {perCallSession, perRunSession};
}
