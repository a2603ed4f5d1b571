/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';

import {
  InMemoryRunner,
  isFinalResponse,
  type BaseAgent,
  type BasePlugin,
  type Event,
  type LlmRequest,
  type RunConfig,
} from '@google/adk';
import type {Part} from '@google/genai';

/** A runner and one session on it, for driving an agent turn by turn. */
export interface AgentSession {
  runner: InMemoryRunner;
  sessionId: string;
  userId: string;
  /** Sends one user message and collects every event of the run. */
  turn(text: string): Promise<Event[]>;
  /** Sends one user message made of `parts` (text, attachments) and collects the run's events. */
  send(parts: Part[]): Promise<Event[]>;
  /** Loads an artifact of this session (latest version). */
  artifact(name: string): Promise<Part | undefined>;
  /** The session's state as stored by the session service now. */
  state(): Promise<Record<string, unknown>>;
}

/** Starts a real `InMemoryRunner` session for `agent` (each run with `runConfig`, if given). */
export async function startSession(
  agent: BaseAgent,
  plugins: BasePlugin[] = [],
  runConfig?: RunConfig,
): Promise<AgentSession> {
  const runner = new InMemoryRunner({agent, appName: 'test_app', plugins});
  const userId = 'tester';
  const session = await runner.sessionService.createSession({appName: 'test_app', userId});
  const send = async (parts: Part[]) => {
    const events: Event[] = [];
    for await (const event of runner.runAsync({
      userId,
      sessionId: session.id,
      newMessage: {role: 'user', parts},
      runConfig,
    })) {
      events.push(event);
    }
    assertOnlyLastIsFinal(events);
    return events;
  };
  return {
    runner,
    sessionId: session.id,
    userId,
    send,
    turn: (text: string) => send([{text}]),
    artifact: (filename: string) =>
      runner.artifactService!.loadArtifact({
        appName: 'test_app',
        userId,
        sessionId: session.id,
        filename,
      }),
    state: async () => {
      const stored = await runner.sessionService.getSession({
        appName: 'test_app',
        userId,
        sessionId: session.id,
      });
      return stored?.state ?? {};
    },
  };
}

/**
 * Throws unless ADK's own `isFinalResponse` is true for the run's last event and for no other:
 * clients and parents that stop at the first final response must get the answer.
 */
export function assertOnlyLastIsFinal(events: readonly Event[]): void {
  const finals = events.flatMap((e, i) => (isFinalResponse(e) ? [i] : []));
  if (events.length && (finals.length !== 1 || finals[0] !== events.length - 1)) {
    const shown = finals.map(
      (i) => `#${i} ${JSON.stringify(events[i].content?.parts?.map((p) => Object.keys(p)))}`,
    );
    throw new Error(
      `isFinalResponse must hold for the last of ${events.length} events only; it holds for: ${shown.join(', ') || 'none'}`,
    );
  }
}

/** Text of the run's last event (the final answer). */
export function finalText(events: Event[]): string {
  const last = events[events.length - 1];
  return (last?.content?.parts ?? []).map((p) => p.text ?? '').join('');
}

/** Outputs of the run's `codeExecutionResult` parts, in order. */
/** The conversation of one model request (without the system instruction), as text. */
export function requestText(request: LlmRequest): string {
  return request.contents
    .flatMap((c) => c.parts ?? [])
    .map((p) => p.text ?? '')
    .join('\n');
}

export function observations(events: Event[]): string[] {
  return persisted(events).flatMap((e) =>
    (e.content?.parts ?? [])
      .filter((p) => p.codeExecutionResult)
      .map((p) => p.codeExecutionResult?.output ?? ''),
  );
}

/** Code of the run's `executableCode` parts, in order. */
export function executedCode(events: Event[]): string[] {
  return persisted(events).flatMap((e) =>
    (e.content?.parts ?? [])
      .filter((p) => p.executableCode)
      .map((p) => p.executableCode?.code ?? ''),
  );
}

/** The events a session stores (partial events are live only). */
export function persisted(events: readonly Event[]): Event[] {
  return events.filter((e) => !e.partial);
}

/** A loopback HTTP server serving the data sets of `samples/data/` and counting requests. */
export interface DataServer {
  url(name: string): string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves the public data sets of `samples/data/` (the repository's own copies, so a clone
 * anywhere has them) on 127.0.0.1 (a random port).
 */
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
      const body = readFileSync(new URL(`../../samples/data/${name}`, import.meta.url));
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
