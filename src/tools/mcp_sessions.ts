/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * MCP tools as a run of a CodingAgent uses them: one MCP session per server for the whole run,
 * shared by every call the snippets make, and the tools' own JSON Schemas for stubs and argument
 * checks.
 *
 * ADK 2.0.0's `MCPTool.runAsync` opens a new session for every call and closes it after (on
 * stdio a new server process, about 170 ms a call), and its declaration carries the input schema
 * converted to Gemini's dialect, which drops defaults, bounds and free-form objects and turns
 * numeric enums into strings. `MCPTool` has no public accessor for its server, so this module
 * reads three of its private fields (`mcpTool`, `mcpSessionManager`, `originalName`): a test
 * pins their shape against the installed ADK. A tool without them is left as it is.
 */

import type {BaseTool, MCPSessionManager, RunAsyncToolRequest} from '@google/adk';
import type {FunctionDeclaration} from '@google/genai';
import type {Client} from '@modelcontextprotocol/sdk/client/index.js';

import type {JsonSchema} from './tool_code_generator.js';

/** The private fields of ADK's `MCPTool` this package reads. */
interface McpToolFields {
  /** The tool as the server listed it. */
  mcpTool: {
    name: string;
    description?: string;
    inputSchema: JsonSchema;
    outputSchema?: JsonSchema;
  };
  /** Opens sessions to the tool's server (shared by every tool of one toolset). */
  mcpSessionManager: MCPSessionManager;
  /** The server's name for the tool (the ADK name may carry the toolset's prefix). */
  originalName: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** An ADK `MCPTool`'s server-side fields, or undefined for any other tool. */
function mcpToolFields(tool: BaseTool): McpToolFields | undefined {
  const fields = tool as unknown as Partial<McpToolFields>;
  const manager = fields.mcpSessionManager as Partial<MCPSessionManager> | undefined;
  return typeof fields.originalName === 'string' &&
    isObject(fields.mcpTool) &&
    isObject(fields.mcpTool.inputSchema) &&
    typeof manager?.createSession === 'function' &&
    typeof manager.closeSession === 'function'
    ? (fields as McpToolFields)
    : undefined;
}

/** Whether `tool` is an ADK `MCPTool` (or a view of one made by {@link McpRunSessions}). */
export function isMcpTool(tool: BaseTool): boolean {
  return mcpToolFields(tool) !== undefined;
}

/** A schema as Ajv's default (draft-07) dialect reads it: the `$schema` URI goes. */
function withoutDialect(schema: JsonSchema): JsonSchema {
  // Servers declare draft 2020-12 (MCP's default dialect); Ajv would refuse the unknown URI.
  const {$schema: _dialect, ...rest} = schema;
  return rest;
}

/** Longest wait for a Streamable HTTP server to acknowledge the end of a session. */
const TERMINATE_WAIT_MS = 1000;

/** Ends one session: on Streamable HTTP the server is told first (an HTTP `DELETE`). */
async function end(manager: MCPSessionManager, client: Client): Promise<void> {
  const transport = client.transport as {terminateSession?: () => Promise<void>} | undefined;
  if (typeof transport?.terminateSession === 'function') {
    // The MCP spec asks a client done with a session to say so; ADK's close() does not. A slow
    // server does not hold the run: closing aborts the request.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      transport.terminateSession().catch(() => {}),
      new Promise((resolve) => (timer = setTimeout(resolve, TERMINATE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }
  await manager.closeSession(client);
}

/**
 * The MCP sessions of one run: a session per server, opened at the run's first call to one of
 * its tools, shared by every later call (concurrent calls included), and closed by
 * {@link close} when the run ends. A session that breaks (the server exits, the connection
 * drops) is replaced at the next call.
 */
export class McpRunSessions {
  private readonly sessions = new Map<MCPSessionManager, Promise<Client>>();
  private closed = false;

  /**
   * The run's tools, each ADK `MCPTool` replaced by a view of it: the same object for every
   * reader (its prototype is the tool: name, description, brand, `instanceof`), whose calls use
   * this run's session and whose declaration carries the server's own JSON Schemas
   * (`parametersJsonSchema`, `responseJsonSchema`).
   */
  viewsOf(tools: readonly BaseTool[]): BaseTool[] {
    return tools.map((tool) => {
      const fields = mcpToolFields(tool);
      return fields ? this.view(tool, fields) : tool;
    });
  }

  /** Closes the run's sessions (on stdio, ends the servers' processes). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.sessions];
    this.sessions.clear();
    await Promise.allSettled(open.map(async ([manager, session]) => end(manager, await session)));
  }

  private view(tool: BaseTool, fields: McpToolFields): BaseTool {
    const declaration: FunctionDeclaration = {
      name: tool.name,
      description: fields.mcpTool.description,
      parametersJsonSchema: withoutDialect(fields.mcpTool.inputSchema),
      ...(isObject(fields.mcpTool.outputSchema)
        ? {responseJsonSchema: withoutDialect(fields.mcpTool.outputSchema)}
        : {}),
    };
    const view = Object.create(tool) as BaseTool;
    Object.defineProperties(view, {
      _getDeclaration: {value: () => declaration},
      runAsync: {
        value: async (request: RunAsyncToolRequest) => {
          const session = await this.session(fields.mcpSessionManager);
          return session.callTool({name: fields.originalName, arguments: request.args}, undefined, {
            signal: request.toolContext.abortSignal,
          });
        },
      },
    });
    return view;
  }

  private session(manager: MCPSessionManager): Promise<Client> {
    if (this.closed) return Promise.reject(new Error('the run has ended'));
    let session = this.sessions.get(manager);
    if (!session) {
      const opening = manager.createSession().then((client) => {
        const onclose = client.onclose;
        client.onclose = () => {
          // A broken session is replaced at the next call.
          if (this.sessions.get(manager) === opening) this.sessions.delete(manager);
          onclose?.();
        };
        return client;
      });
      // A failed start is retried at the next call (this call reports the failure).
      opening.catch(() => {
        if (this.sessions.get(manager) === opening) this.sessions.delete(manager);
      });
      this.sessions.set(manager, opening);
      session = opening;
    }
    return session;
  }
}
