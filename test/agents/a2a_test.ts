/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A CodingAgent served over A2A with ADK's `toA2a` on a loopback port, called by ADK's own
 * A2A client, `RemoteA2AAgent`, through a real `Runner` whose session service
 * (`DatabaseSessionService` on SQLite) serializes every event it stores. ADK's client stores
 * the A2A message it received inside the event's `customMetadata`, which that message holds,
 * so any `customMetadata` on the wire makes the client's events circular; the CodingAgent
 * sends none to A2A peers (see src/agents/events.ts), and the client gets the steps and the
 * answer, over two turns of one stateful conversation.
 */

import {mkdtempSync, rmSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {Runner, type Event} from '@google/adk';
import {RemoteA2AAgent, toA2a} from '@google/adk/a2a';
import {DatabaseSessionService} from '@google/adk/sessions/database';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import type {KernelCodeExecutor} from '../../src/code_executors/kernel_code_executor.js';
import {CodingAgent, ScriptedLlm} from '../../src/index.js';
import {executedCode, finalText, observations} from '../helpers/agent_harness.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe.skipIf(bwrap.skipReason !== undefined)(
  `CodingAgent behind toA2a, called by RemoteA2AAgent (${bwrap.title})`,
  () => {
    let executor: KernelCodeExecutor;
    let server: Server;
    let dir: string;
    let runner: Runner;
    let sessionService: DatabaseSessionService;

    beforeAll(async () => {
      executor = bwrap.create();
      const agent = new CodingAgent({
        name: 'calculator',
        description: 'Computes with Python.',
        model: new ScriptedLlm({
          responses: [
            'Multiply first.\n```python\nx = 6 * 7\nprint("x is", x)\n```',
            '```python\nfinal_answer(x)\n```',
            '```python\nfinal_answer(x * 2)\n```',
          ],
        }),
        codeExecutor: executor,
        stateful: true,
      });
      // The agent card names the server's URL: bind the port first, then build the app.
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const {port} = server.address() as AddressInfo;
      const app = await toA2a(agent, {host: '127.0.0.1', port, allowUnauthenticated: true});
      server.on('request', app);

      dir = mkdtempSync(join(tmpdir(), 'coding-agent-a2a-'));
      sessionService = new DatabaseSessionService(`sqlite://${join(dir, 'client.db')}`);
      const remote = new RemoteA2AAgent({
        name: 'remote_calculator',
        agentCard: `http://127.0.0.1:${port}`,
      });
      runner = new Runner({agent: remote, appName: 'a2a_client', sessionService});
    });
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      await executor?.dispose();
      if (dir) rmSync(dir, {recursive: true, force: true});
    });

    it('gets the steps and the answer of a stateful conversation, and stores them', async () => {
      const session = await sessionService.createSession({appName: 'a2a_client', userId: 'u'});
      const turn = async (text: string): Promise<Event[]> => {
        const events: Event[] = [];
        for await (const event of runner.runAsync({
          userId: 'u',
          sessionId: session.id,
          newMessage: {role: 'user', parts: [{text}]},
        })) {
          events.push(event);
        }
        return events;
      };

      const first = await turn('What is 6 * 7?');
      // A failed run (ADK's client catches its own crash) comes back as an error event.
      expect(first.map((e) => e.errorMessage).filter(Boolean)).toEqual([]);
      for (const event of first) expect(() => JSON.stringify(event)).not.toThrow();
      expect(executedCode(first)).toEqual(['x = 6 * 7\nprint("x is", x)', 'final_answer(x)']);
      expect(observations(first)[0]).toContain('x is 42');
      expect(finalText(first)).toBe('42');

      // The server kept the interpreter of this conversation (one A2A context).
      const second = await turn('And twice that?');
      expect(second.map((e) => e.errorMessage).filter(Boolean)).toEqual([]);
      expect(finalText(second)).toBe('84');

      const stored = await sessionService.getSession({
        appName: 'a2a_client',
        userId: 'u',
        sessionId: session.id,
      });
      const texts = stored!.events.flatMap((e) =>
        (e.content?.parts ?? []).map(
          (p) => p.text ?? p.executableCode?.code ?? p.codeExecutionResult?.output,
        ),
      );
      expect(texts).toContain('x = 6 * 7\nprint("x is", x)');
      expect(texts).toContain('42');
      expect(texts).toContain('84');
    });
  },
);
