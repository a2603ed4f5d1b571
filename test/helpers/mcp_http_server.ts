/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A real MCP server over Streamable HTTP on 127.0.0.1, built with the MCP SDK's `McpServer` and
 * `StreamableHTTPServerTransport` (stateful: one MCP session per `initialize`). Its tools have
 * the names real servers use and Python cannot (`weather.current`, `get-sum` beside `get_sum`,
 * `class`, `résumé`, `3d-render`, parameters `max-days` and `from`), return each kind of result
 * (text, `structuredContent` with an `outputSchema`, an image, `isError`), and it counts the
 * sessions clients open.
 */

import {randomUUID} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

import {McpServer} from '@modelcontextprotocol/sdk/server/mcp.js';
import {StreamableHTTPServerTransport} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {z} from 'zod';

/** A 1×1 PNG. */
export const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** The running server. */
export interface McpHttpServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** MCP sessions opened so far (one per `initialize`). */
  sessionsOpened(): number;
  /** MCP sessions clients ended (an HTTP `DELETE`). */
  sessionsEnded(): number;
  /** Tool calls received so far, by tool name, in order. */
  calls: string[];
  /** Resolves once the `slow` tool has started `count` calls. */
  slowStarted(count: number): Promise<void>;
  close(): Promise<void>;
}

function text(value: string) {
  return {content: [{type: 'text' as const, text: value}]};
}

function buildServer(record: (tool: string) => void, onSlow: () => void): McpServer {
  const server = new McpServer({name: 'loopback-test-server', version: '1.0.0'});
  server.registerTool(
    'get-sum',
    {description: 'Adds two numbers.', inputSchema: {a: z.number(), b: z.number()}},
    async ({a, b}) => (record('get-sum'), text(`${a + b}`)),
  );
  server.registerTool(
    'get_sum',
    {description: 'Adds two numbers, times ten.', inputSchema: {a: z.number(), b: z.number()}},
    async ({a, b}) => (record('get_sum'), text(`${(a + b) * 10}`)),
  );
  server.registerTool(
    'weather.current',
    {
      description: 'Forecast for a city.',
      inputSchema: {
        city: z.enum(['Paris', 'Oslo']).describe('The city'),
        'max-days': z.number().int().min(1).max(7).default(3).describe('Days to forecast'),
        from: z.string().optional().describe('First day, ISO date'),
      },
      outputSchema: {
        city: z.string(),
        days: z.array(z.object({day: z.number().int(), high: z.number()})),
      },
    },
    async (args) => {
      record('weather.current');
      const days = Array.from({length: args['max-days']}, (_, i) => ({day: i + 1, high: 20 + i}));
      const structuredContent = {city: args.city, days};
      return {...text(JSON.stringify(structuredContent)), structuredContent};
    },
  );
  server.registerTool(
    'class',
    {description: 'Says which class.', inputSchema: {name: z.string()}},
    async ({name}) => (record('class'), text(`class ${name}`)),
  );
  server.registerTool(
    'résumé',
    {description: 'Summarises.', inputSchema: {}},
    async () => (record('résumé'), text('summary')),
  );
  server.registerTool('3d-render', {description: 'Renders a scene.', inputSchema: {}}, async () => {
    record('3d-render');
    return {
      content: [
        {type: 'text' as const, text: 'rendered'},
        {type: 'image' as const, data: TINY_PNG_BASE64, mimeType: 'image/png'},
      ],
    };
  });
  server.registerTool(
    'fail',
    {description: 'Always fails.', inputSchema: {}},
    async () => (record('fail'), {...text('quota exceeded for key 42'), isError: true}),
  );
  server.registerTool(
    'slow',
    {description: 'Answers after ms milliseconds.', inputSchema: {ms: z.number()}},
    async ({ms}) => {
      record('slow');
      onSlow();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return text('done');
    },
  );
  return server;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  return body ? JSON.parse(body) : undefined;
}

/** Starts the server on an ephemeral loopback port. */
export async function startMcpHttpServer(): Promise<McpHttpServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const servers: McpServer[] = [];
  const calls: string[] = [];
  let opened = 0;
  let ended = 0;
  let slowCalls = 0;
  const slowWaiters: Array<{count: number; resolve: () => void}> = [];
  const onSlow = () => {
    slowCalls++;
    for (const waiter of slowWaiters.filter((w) => w.count <= slowCalls)) waiter.resolve();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) {
        res.writeHead(404).end();
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          opened++;
          transports.set(id, created);
        },
        onsessionclosed: (id) => {
          ended++;
          transports.delete(id);
        },
      });
      const server = buildServer((tool) => calls.push(tool), onSlow);
      servers.push(server);
      await server.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, body);
  };
  const http = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(error.message);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const {port} = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    sessionsOpened: () => opened,
    sessionsEnded: () => ended,
    calls,
    slowStarted: (count) =>
      count <= slowCalls
        ? Promise.resolve()
        : new Promise((resolve) => slowWaiters.push({count, resolve})),
    close: async () => {
      await Promise.allSettled(servers.map((s) => s.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
