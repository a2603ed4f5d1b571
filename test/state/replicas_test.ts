/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Two agent-server processes (real Runners in child processes) that share only ADK's
 * `DatabaseSessionService` (SQLite file, then PostgreSQL) and a `FileArtifactService` folder: a
 * six-turn conversation alternating between them keeps its DataFrame, helper function and class
 * instance; one process is killed mid-conversation and the other goes on.
 */

import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';

import {afterAll, describe, expect, it} from 'vitest';

import {sessionStores} from '../helpers/postgres.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const SERVER = fileURLToPath(new URL('./fixtures/agent_server.ts', import.meta.url));

/** One agent-server process. */
class AgentServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly replies: Array<(line: string) => void> = [];
  private stderr = '';

  constructor(backend: string, url: string, artifactsDir: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', SERVER, backend, url, artifactsDir], {
      cwd: process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    createInterface({input: this.child.stdout}).on('line', (line) => {
      if (line.startsWith('@@')) this.replies.shift()?.(line.slice(2));
    });
  }

  /** Sends one request and waits for its answer. */
  ask<T>(request: object): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`the server exited: ${this.stderr}`));
      this.child.once('exit', onExit);
      this.replies.push((line) => {
        this.child.off('exit', onExit);
        const data = JSON.parse(line) as T & {error?: string};
        if (data.error) reject(new Error(data.error));
        else resolve(data);
      });
      this.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** One turn: the final text (JSON-decoded) and what the model was told first. */
  async turn(sessionId: string, text: string): Promise<{answer: unknown; told: string}> {
    const {final, told} = await this.ask<{final: string; told: string}>({sessionId, text});
    return {answer: JSON.parse(final), told};
  }

  /** SIGKILLs the process (no cleanup of its own runs). */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }

  /** Ends the process the normal way (stdin closed: it disposes its executor). */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

const stores = await sessionStores();
const backends = sandboxBackends().filter((b) => b.name !== 'local');

for (const backend of backends) {
  for (const store of stores) {
    const skip = backend.skipReason ?? store.skipReason;
    describe.skipIf(skip !== undefined)(
      `two agent servers on ${store.title}, ${backend.title}`,
      () => {
        const cleanups: Array<() => Promise<void>> = [];
        afterAll(async () => {
          for (const cleanup of cleanups.reverse()) await cleanup();
        });

        it('alternates a six-turn conversation between them, and survives one being killed', async () => {
          backend.create(); // throws the reason when the backend is required but missing
          const database = await store.open();
          const artifactsDir = mkdtempSync(join(tmpdir(), 'coding-agent-replica-artifacts-'));
          cleanups.push(database.remove, async () =>
            rmSync(artifactsDir, {recursive: true, force: true}),
          );
          const a = new AgentServer(backend.name, database.url, artifactsDir);
          const b = new AgentServer(backend.name, database.url, artifactsDir);
          cleanups.push(
            () => a.stop(),
            () => b.stop(),
          );
          const {sessionId} = await a.ask<{sessionId: string}>({create: true});

          expect((await a.turn(sessionId, '<build>')).answer).toEqual([100, 1]);
          // Each turn lands on the other process; each finds the state of the turn before.
          const servers = [b, a, b, a];
          for (const [index, server] of servers.entries()) {
            const value = index + 2;
            const {answer, told} = await server.turn(sessionId, '<bump>');
            expect(answer).toEqual([100, 9900, value, true, value]);
            expect(told).not.toContain('restarted');
          }
          // Mid-conversation, the process that took the last turn dies; the other goes on.
          await a.kill();
          const last = await b.turn(sessionId, '<bump>');
          expect(last.answer).toEqual([100, 9900, 6, true, 6]);
          expect(last.told).toMatch(/still defined in the interpreter: .*df \(DataFrame\)/);
          expect(last.told).toContain('total (function)');
          expect(last.told).toContain('box (Box)');
        });
      },
    );
  }
}
