/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Stateful conversations on ADK's `DatabaseSessionService`, with SQLite (a temporary file) and
 * a real PostgreSQL (`scripts/postgres_setup.sh`): a CodingAgent with a real bubblewrap sandbox
 * over several turns through a real `Runner`, whose snippets, tools and model print and answer
 * NULs and unpaired surrogates (PostgreSQL's `jsonb` rejects both), then a restart — a new
 * Runner, session service, artifact service and executor on the same database and folder —
 * that continues the conversation: the new interpreter gets the variables back from the
 * snapshot in the artifact folder (the model is told they are still defined), and the session's
 * events, state and figure read back intact.
 */

import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {FileArtifactService, FunctionTool, Runner, type Context, type Event} from '@google/adk';
import {DatabaseSessionService} from '@google/adk/sessions/database';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';

import type {KernelCodeExecutor} from '../../src/code_executors/kernel_code_executor.js';
import {CodingAgent, DEFAULT_SAFE_IMPORTS, ScriptedLlm} from '../../src/index.js';
import {
  assertOnlyLastIsFinal,
  finalText,
  observations,
  persisted,
  requestText,
} from '../helpers/agent_harness.js';
import {sessionStores} from '../helpers/postgres.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const APP = 'sessions_app';
const USER = 'ada';

const stores = await sessionStores();
const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

/** A tool that stores its argument (plus an unpaired surrogate) in session state. */
const remember = new FunctionTool({
  name: 'remember',
  description: 'Stores a note in the session state.',
  parameters: z.object({text: z.string()}),
  execute: ({text}: {text: string}, context?: Context) => {
    context!.state.set('note', `${text}\ud800`);
    return `noted ${text}`;
  },
});

/** One "server lifetime": an executor, a session service and a runner on the shared stores. */
function start(url: string, artifactsDir: string, responses: string[]) {
  const executor = bwrap.create();
  const model = new ScriptedLlm({responses});
  const agent = new CodingAgent({
    name: 'analyst',
    model,
    codeExecutor: executor,
    tools: [remember],
    authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'pandas', 'matplotlib'],
    stateful: true,
    outputKey: 'answer',
  });
  const sessionService = new DatabaseSessionService(url);
  const runner = new Runner({
    agent,
    appName: APP,
    sessionService,
    artifactService: new FileArtifactService(artifactsDir),
  });
  const turn = async (sessionId: string, text: string): Promise<Event[]> => {
    const events: Event[] = [];
    for await (const event of runner.runAsync({
      userId: USER,
      sessionId,
      newMessage: {role: 'user', parts: [{text}]},
    })) {
      events.push(event);
    }
    assertOnlyLastIsFinal(events);
    return events;
  };
  return {executor: executor as KernelCodeExecutor, model, sessionService, runner, turn};
}

/** What of an event must survive the database (the rest is bookkeeping). */
function stored(event: Event) {
  return {
    id: event.id,
    author: event.author,
    invocationId: event.invocationId,
    content: event.content,
    stateDelta: event.actions.stateDelta,
    artifactDelta: event.actions.artifactDelta,
    customMetadata: event.customMetadata,
    usageMetadata: event.usageMetadata,
  };
}

for (const store of stores) {
  const skipReason = bwrap.skipReason ?? store.skipReason;
  describe.skipIf(skipReason !== undefined)(
    `stateful conversation on DatabaseSessionService (${store.title}), ${bwrap.title}`,
    () => {
      let database: {url: string; remove(): Promise<void>};
      let artifactsDir: string;
      const executors: KernelCodeExecutor[] = [];

      beforeAll(async () => {
        database = await store.open();
        artifactsDir = mkdtempSync(join(tmpdir(), 'coding-agent-artifacts-'));
      });
      afterAll(async () => {
        await Promise.all(executors.map((e) => e.dispose()));
        await database?.remove();
        if (artifactsDir) rmSync(artifactsDir, {recursive: true, force: true});
      });

      it('keeps a conversation with NULs and lone surrogates, across a restart', async () => {
        const first = start(database.url, artifactsDir, [
          // Model prose with a NUL and a lone low surrogate; the snippet prints both kinds and
          // calls a tool whose state delta holds both.
          'Building the frame.\u0000 (mind the \udc00 bytes)\n```python\n' +
            'import pandas as pd\n' +
            'df = pd.DataFrame({"x": [1, 2, 3]})\n' +
            'def double(v):\n    return v * 2\n' +
            'print("nul:a\\x00b", "lone:\\ud800")\n' +
            'print(remember(text="tool\\x00note"))\n```',
          '```python\nfinal_answer({"total\\x00": int(df.x.sum()), "text": "end\\x00\\udc00"})\n```',
          // Turn 2 reuses turn 1's variables and draws a figure (an artifact).
          '```python\nimport matplotlib.pyplot as plt\nplt.plot(df.x.map(double))\n' +
            'final_answer(f"doubled\\x00 {double(int(df.x.sum()))}")\n```',
        ]);
        executors.push(first.executor);
        const session = await first.sessionService.createSession({appName: APP, userId: USER});
        const turn1 = await first.turn(session.id, 'Load the numbers.');
        const turn2 = await first.turn(session.id, 'Double them, with a chart.');

        // Everything PostgreSQL would reject arrives escaped, visibly.
        const [step1] = persisted(turn1);
        expect(step1.content?.parts?.[0].text).toBe(
          'Building the frame.\\x00 (mind the \\udc00 bytes)',
        );
        expect(observations(turn1)[0]).toContain('nul:a\\x00b lone:\\ud800');
        expect(observations(turn1)[0]).toContain('noted tool\\x00note');
        expect(step1.actions.stateDelta.note).toBe('tool\\x00note\\ud800');
        expect(JSON.parse(finalText(turn1))).toEqual({'total\u0000': 6, text: 'end\u0000\udc00'});
        expect(turn1.at(-1)!.actions.stateDelta.answer).toEqual({
          'total\\x00': 6,
          text: 'end\\x00\\udc00',
        });
        expect(finalText(turn2)).toBe('doubled\\x00 12');
        const figure = Object.keys(persisted(turn2)[0].actions.artifactDelta);
        expect(figure).toHaveLength(1);

        // The restart: nothing of the first lifetime is left but the database and the folder.
        await first.executor.dispose();
        const second = start(database.url, artifactsDir, [
          '```python\nfinal_answer([int(df.x.sum()), double(2)])\n```',
        ]);
        executors.push(second.executor);
        const turn3 = await second.turn(session.id, 'Is the frame still there?');
        // The snapshot in the artifact folder brought the variables back.
        expect(JSON.parse(finalText(turn3))).toEqual([6, 4]);
        const told = requestText(second.model.requests[0]);
        expect(told).not.toContain('restarted');
        expect(told).toMatch(/still defined in the interpreter: .*df \(DataFrame\)/);
        expect(told).toContain('double (function)');
        // Earlier turns are in the new lifetime's history, read from the database.
        expect(told).toContain('df = pd.DataFrame');
        expect(told).toContain('nul:a\\x00b');

        // Read back by a third service: every event the runners yielded, in order and intact.
        const reader = new DatabaseSessionService(database.url);
        const back = await reader.getSession({appName: APP, userId: USER, sessionId: session.id});
        const yielded = persisted([...turn1, ...turn2, ...turn3]);
        const agentEvents = back!.events.filter((e) => e.author !== 'user');
        expect(agentEvents.map(stored)).toEqual(yielded.map(stored));
        expect(back!.events.filter((e) => e.author === 'user').map((e) => e.content)).toEqual(
          ['Load the numbers.', 'Double them, with a chart.', 'Is the frame still there?'].map(
            (text) => ({role: 'user', parts: [{text}]}),
          ),
        );
        expect(back!.state.note).toBe('tool\\x00note\\ud800');
        expect(back!.state.answer).toEqual([6, 4]);
        const png = await second.runner.artifactService!.loadArtifact({
          appName: APP,
          userId: USER,
          sessionId: session.id,
          filename: figure[0],
        });
        expect(png?.inlineData?.mimeType).toBe('image/png');
        expect(Buffer.from(png!.inlineData!.data!, 'base64').subarray(1, 4).toString()).toBe('PNG');
      });
    },
  );
}
