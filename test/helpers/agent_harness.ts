/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';

import {InMemoryRunner, type BaseAgent, type BasePlugin, type Event} from '@google/adk';

/** A runner and one session on it, for driving an agent turn by turn. */
export interface AgentSession {
  runner: InMemoryRunner;
  sessionId: string;
  userId: string;
  /** Sends one user message and collects every event of the run. */
  turn(text: string): Promise<Event[]>;
}

/** Starts a real `InMemoryRunner` session for `agent`. */
export async function startSession(
  agent: BaseAgent,
  plugins: BasePlugin[] = [],
): Promise<AgentSession> {
  const runner = new InMemoryRunner({agent, appName: 'test_app', plugins});
  const userId = 'tester';
  const session = await runner.sessionService.createSession({appName: 'test_app', userId});
  return {
    runner,
    sessionId: session.id,
    userId,
    async turn(text: string) {
      const events: Event[] = [];
      for await (const event of runner.runAsync({
        userId,
        sessionId: session.id,
        newMessage: {role: 'user', parts: [{text}]},
      })) {
        events.push(event);
      }
      return events;
    },
  };
}

/** Text of the run's last event (the final answer). */
export function finalText(events: Event[]): string {
  const last = events[events.length - 1];
  return (last?.content?.parts ?? []).map((p) => p.text ?? '').join('');
}

/** Outputs of the run's `codeExecutionResult` parts, in order. */
export function observations(events: Event[]): string[] {
  return events.flatMap((e) =>
    (e.content?.parts ?? [])
      .filter((p) => p.codeExecutionResult)
      .map((p) => p.codeExecutionResult?.output ?? ''),
  );
}

/** Code of the run's `executableCode` parts, in order. */
export function executedCode(events: Event[]): string[] {
  return events.flatMap((e) =>
    (e.content?.parts ?? [])
      .filter((p) => p.executableCode)
      .map((p) => p.executableCode?.code ?? ''),
  );
}

/** A loopback HTTP server serving files from `../shared/data/` and counting requests. */
export interface DataServer {
  url(name: string): string;
  requests: string[];
  close(): Promise<void>;
}

/** Serves the shared public data sets on 127.0.0.1 (a random port). */
export async function serveSharedData(): Promise<DataServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const name = (req.url ?? '').replace(/^\//, '');
    if (!/^[a-z_]+\.csv$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(new URL(`../../../shared/data/${name}`, import.meta.url));
      res.writeHead(200, {'content-type': 'text/csv'}).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
