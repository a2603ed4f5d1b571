/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// Snapshots and restores inside one process, on a real sandbox: after an eviction, an idle
// close, a timeout kill and an out-of-memory kill; what the model is told; the size limit; a
// corrupted or foreign snapshot refused.

import {afterAll, describe, expect, it} from 'vitest';

import {CodingAgent} from '../../src/agents/coding_agent.js';
import {SandboxSessionManager} from '../../src/code_executors/session_manager.js';
import type {KernelCodeExecutor} from '../../src/code_executors/kernel_code_executor.js';
import {ScriptedLlm} from '../../src/models/scripted_llm.js';
import {snapshotArtifactName} from '../../src/state/snapshots.js';
import {finalText, requestText, startSession} from '../helpers/agent_harness.js';
import {scriptedByKey as scripted} from '../helpers/snapshot_script.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const BUILD = [
  'import pandas as pd',
  "df = pd.DataFrame({'x': range(100), 'y': [i * 2 for i in range(100)]})",
  'def total(frame):',
  "    return int(frame['y'].sum())",
  'class Box:',
  '    def __init__(self, value):',
  '        self.value = value',
  'box = Box(7)',
  'gen = (i for i in range(3))',
  'final_answer(len(df))',
].join('\n');
const RECALL = 'final_answer([len(df), total(df), box.value, isinstance(box, Box)])';

/** The text of the user messages of a request (notes and observations). */
function userText(model: ScriptedLlm, index = -1): string {
  return requestText(model.requests.at(index)!);
}

/** Waits until `check` holds (polling; the test's own timeout bounds it). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 50));
}

const backends = sandboxBackends().filter((b) => b.name !== 'local');

for (const backend of backends) {
  describe.skipIf(backend.skipReason)(`snapshots on ${backend.title}`, () => {
    const executors: KernelCodeExecutor[] = [];
    const make = (options = {}) => {
      const executor = backend.create({pool: {size: 1}, ...options});
      executors.push(executor);
      return executor;
    };
    afterAll(async () => {
      await Promise.all(executors.map((e) => e.dispose()));
    });

    it('restores the DataFrame, a function and an instance after an eviction, naming what could not be saved', async () => {
      const manager = new SandboxSessionManager({executor: make(), maxLiveSessions: 1});
      const model = scripted({build: BUILD, recall: RECALL, other: 'final_answer(1)'});
      const agent = new CodingAgent({
        name: 'keeper',
        model,
        codeExecutor: manager,
        stateful: true,
        authorizedImports: ['pandas'],
      });
      const first = await startSession(agent);
      const built = await first.turn('<build>');
      expect(finalText(built), JSON.stringify(built.map((e) => e.content))).toBe('100');
      // Another conversation takes the only live interpreter.
      const other = await startSession(agent);
      await other.turn('<other>');
      expect(manager.liveKeys.some((k) => k.includes(first.sessionId))).toBe(false);
      const events = await first.turn('<recall>');
      expect(JSON.parse(finalText(events))).toEqual([100, 9900, 7, true]);
      const note = userText(model);
      expect(note).toMatch(/gen \(generator\): cannot be saved/);
      expect(note).not.toMatch(/df \(DataFrame\)[^.]*gone/);
      // The snapshot artifact is stored under the reserved name.
      expect(await first.artifact(snapshotArtifactName('keeper'))).toBeDefined();
    });

    it('gives each of 12 conversations over 2 live interpreters its DataFrame back', async () => {
      const manager = new SandboxSessionManager({
        executor: make({pool: {size: 2}}),
        maxLiveSessions: 2,
      });
      const codes: Record<string, string> = {};
      for (let i = 0; i < 12; i++) {
        codes[`make${i}`] =
          `import pandas as pd\ndf = pd.DataFrame({'v': range(${i}, ${i} + 10)})\nfinal_answer(len(df))`;
      }
      codes.sum = 'final_answer(int(df.v.sum()))';
      const agent = new CodingAgent({
        name: 'many',
        model: scripted(codes),
        codeExecutor: manager,
        stateful: true,
        authorizedImports: ['pandas'],
      });
      const sessions = [];
      for (let i = 0; i < 12; i++) {
        const session = await startSession(agent);
        await session.turn(`<make${i}>`);
        sessions.push(session);
      }
      expect(manager.liveKeys.length).toBeLessThanOrEqual(2);
      const sums = [];
      for (const session of sessions) sums.push(finalText(await session.turn('<sum>')));
      expect(sums).toEqual([...Array(12).keys()].map((i) => String(10 * i + 45)));
    }, 240_000);

    it("snapshots only when the manager closes the interpreter with when: 'close'", async () => {
      const manager = new SandboxSessionManager({executor: make(), maxLiveSessions: 1});
      const model = scripted({build: BUILD, recall: RECALL, other: 'final_answer(1)'});
      const agent = new CodingAgent({
        name: 'closer',
        model,
        codeExecutor: manager,
        stateful: true,
        snapshots: {when: 'close'},
        authorizedImports: ['pandas'],
      });
      const session = await startSession(agent);
      await session.turn('<build>');
      // Nothing is stored while the interpreter lives.
      expect(await session.artifact(snapshotArtifactName('closer'))).toBeUndefined();
      await (await startSession(agent)).turn('<other>');
      await until(() => !manager.liveKeys.some((k) => k.includes(session.sessionId)));
      expect(JSON.parse(finalText(await session.turn('<recall>')))).toEqual([100, 9900, 7, true]);
    });

    it('restores after an idle close', async () => {
      const manager = new SandboxSessionManager({executor: make(), idleTimeoutMs: 300});
      const model = scripted({build: BUILD, recall: RECALL});
      const agent = new CodingAgent({
        name: 'idler',
        model,
        codeExecutor: manager,
        stateful: true,
        authorizedImports: ['pandas'],
      });
      const session = await startSession(agent);
      await session.turn('<build>');
      await until(() => manager.liveKeys.length === 0);
      expect(JSON.parse(finalText(await session.turn('<recall>')))).toEqual([100, 9900, 7, true]);
    });

    it('goes back to the end of the previous turn after a timeout kill within a turn', async () => {
      const model = scripted({
        build: BUILD,
        spin: [
          'box.value = 99\nlater = 1\nwhile True:\n    pass',
          "final_answer([box.value, 'later' in globals(), len(df)])",
        ],
      });
      const agent = new CodingAgent({
        name: 'spinner',
        model,
        codeExecutor: make(),
        stateful: true,
        executionTimeoutMs: 3000,
        authorizedImports: ['pandas'],
      });
      const session = await startSession(agent);
      await session.turn('<build>');
      const events = await session.turn('<spin>');
      expect(JSON.parse(finalText(events))).toEqual([7, false, 100]);
      expect(userText(model)).toContain(
        'restored from the snapshot taken at the end of the previous turn',
      );
    });

    it('goes back to the end of the previous turn after an out-of-memory kill', async () => {
      const model = scripted({
        build: BUILD,
        hog: [
          'box.value = 99\nchunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024 * 1024))',
          "final_answer([box.value, 'chunks' in globals(), total(df)])",
        ],
      });
      const agent = new CodingAgent({
        name: 'hog',
        model,
        codeExecutor: make({memoryLimit: '320m', limits: {memoryBytes: 0}}),
        stateful: true,
        authorizedImports: ['pandas'],
      });
      const session = await startSession(agent);
      await session.turn('<build>');
      const events = await session.turn('<hog>');
      expect(JSON.parse(finalText(events))).toEqual([7, false, 9900]);
      expect(userText(model)).toMatch(/out of memory[\s\S]*restored from the snapshot/);
    });

    it('refuses a corrupted snapshot and a snapshot of another conversation, and says why', async () => {
      const manager = new SandboxSessionManager({executor: make(), maxLiveSessions: 1});
      const model = scripted({build: BUILD, recall: RECALL, other: 'final_answer(1)'});
      const agent = new CodingAgent({
        name: 'guard',
        model,
        codeExecutor: manager,
        stateful: true,
        authorizedImports: ['pandas'],
      });
      const first = await startSession(agent);
      await first.turn('<build>');
      // A second conversation on the same runner, with its own snapshot.
      const runner = first.runner;
      const userId = first.userId;
      const second = await runner.sessionService.createSession({appName: 'test_app', userId});
      const run = async (sessionId: string, text: string) => {
        const events = [];
        for await (const event of runner.runAsync({
          userId,
          sessionId,
          newMessage: {role: 'user', parts: [{text}]},
        })) {
          events.push(event);
        }
        return events;
      };
      await run(second.id, '<build>');
      const stored = async (sessionId: string) =>
        (await runner.artifactService!.loadArtifact({
          appName: 'test_app',
          userId,
          sessionId,
          filename: snapshotArtifactName('guard'),
        }))!.inlineData!;
      // The stored parts are the service's own objects: change them in place. The second
      // conversation's snapshot becomes a copy of the first's (intact); the first's is corrupted.
      const mine = await stored(first.sessionId);
      const theirs = await stored(second.id);
      theirs.data = mine.data;
      const bytes = Buffer.from(mine.data!, 'base64');
      bytes[bytes.length - 10] ^= 0xff;
      mine.data = bytes.toString('base64');
      await (await startSession(agent)).turn('<other>');
      await first.turn('<recall>');
      expect(userText(model)).toContain(
        'the saved snapshot was refused: its bytes do not match their digest (corrupted)',
      );
      expect(userText(model)).toMatch(
        /These variables from earlier turns are gone: .*df \(DataFrame\)/,
      );
      await run(second.id, '<recall>');
      expect(userText(model)).toContain(
        'the saved snapshot was refused: it belongs to another conversation (sessionId',
      );
    });

    it("stops a kernel whose snapshot is over the executor's maxSnapshotBytes (checked inside the sandbox)", async () => {
      const executor = make({maxSnapshotBytes: 4096});
      const session = await executor.getSession('cap', {authorizedImports: []});
      const result = await session.execute({code: "__adk_snapshot__._send_chunk(b'x' * 5000)"});
      expect(result.error?.type).toBe('ProtocolError');
      expect(result.error?.message).toContain('sent a snapshot over 4096 bytes');
      expect(result.stateLost).toBe(true);
    });

    it('leaves out a variable over the size limit and names it', async () => {
      const manager = new SandboxSessionManager({executor: make(), maxLiveSessions: 1});
      const model = scripted({
        build:
          'import random\nsmall = [1, 2, 3]\nbig = bytes(random.getrandbits(8) for _ in range(300_000))\nfinal_answer(len(big))',
        recall: "final_answer([small, 'big' in globals()])",
        other: 'final_answer(1)',
      });
      const agent = new CodingAgent({
        name: 'sizer',
        model,
        codeExecutor: manager,
        stateful: true,
        snapshots: {maxBytes: 128 * 1024},
        authorizedImports: ['random'],
      });
      const session = await startSession(agent);
      await session.turn('<build>');
      await (await startSession(agent)).turn('<other>');
      expect(JSON.parse(finalText(await session.turn('<recall>')))).toEqual([[1, 2, 3], false]);
      expect(userText(model)).toMatch(/big \(bytes\): too big for the snapshot size limit/);
    });
  });
}
