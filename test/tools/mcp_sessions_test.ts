/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {
  Context,
  FunctionTool,
  MCPSessionManager,
  MCPTool,
  MCPToolset,
  isBaseTool,
} from '@google/adk';
import {describe, expect, it} from 'vitest';

import {McpRunSessions, isMcpTool} from '../../src/tools/mcp_sessions.js';
import {EVERYTHING, serversRunning, stdioParams} from '../helpers/mcp_servers.js';
import {waitGone} from '../helpers/processes.js';

const PARAMS = stdioParams(EVERYTHING, 'stdio');

/** MCP calls read only the abort signal of their tool context. */
const context = {abortSignal: undefined} as unknown as Context;

const inputSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object' as const,
  properties: {a: {type: 'number', default: 1}, tags: {type: 'object'}},
};

describe('MCP tool views', () => {
  it('recognise the installed ADK MCPTool by its fields (pinned: a new ADK must keep them)', () => {
    const tool = new MCPTool(
      {name: 'pre_get-sum', inputSchema, outputSchema: {type: 'object'}},
      new MCPSessionManager(PARAMS),
      'get-sum',
    );
    expect(isMcpTool(tool)).toBe(true);
    const plain = new FunctionTool({name: 'f', description: 'f', execute: () => 1});
    expect(isMcpTool(plain)).toBe(false);

    const [view, same] = new McpRunSessions().viewsOf([tool, plain]);
    expect(same).toBe(plain);
    // Every reader sees the tool: its name, its brand, its class.
    expect(view).not.toBe(tool);
    expect(view.name).toBe('pre_get-sum');
    expect(isBaseTool(view)).toBe(true);
    expect(view instanceof MCPTool).toBe(true);
    // The server's schemas, without the dialect URI Ajv would refuse; ADK's conversion loses the
    // default and makes the free-form object a closed one.
    expect(view._getDeclaration()).toEqual({
      name: 'pre_get-sum',
      description: undefined,
      parametersJsonSchema: {type: 'object', properties: inputSchema.properties},
      responseJsonSchema: {type: 'object'},
    });
    expect(JSON.stringify(tool._getDeclaration())).not.toContain('default');
  });

  it('share one server process across calls, reopen a broken session, and end it on close', async () => {
    const toolset = new MCPToolset(PARAMS, ['get-sum']);
    const sessions = new McpRunSessions();
    const [sum] = sessions.viewsOf(await toolset.getTools());
    const call = async (a: number) => sum.runAsync({args: {a, b: 1}, toolContext: context});

    expect(await call(1)).toEqual({content: [{type: 'text', text: 'The sum of 1 and 1 is 2.'}]});
    const [first] = serversRunning(EVERYTHING);
    await call(2);
    await Promise.all([call(3), call(4), call(5)]);
    expect(serversRunning(EVERYTHING)).toEqual([first]);

    // The server dies: the next call starts a new one.
    process.kill(first, 'SIGKILL');
    expect(await waitGone([first])).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await call(6)).toEqual({content: [{type: 'text', text: 'The sum of 6 and 1 is 7.'}]});
    const [second] = serversRunning(EVERYTHING);
    expect(second).not.toBe(first);

    await sessions.close();
    expect(await waitGone([second])).toEqual([]);
    await expect(call(7)).rejects.toThrow('the run has ended');
    await toolset.close();
  });
});
