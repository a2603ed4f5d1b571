/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {FunctionTool, type LlmResponse} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {TokenCountingLlm} from '../../bench/request_tokens.js';
import type {KernelCodeExecutor} from '../../src/code_executors/kernel_code_executor.js';
import {
  CassetteMismatchError,
  cassettePath,
  readCassette,
  recordedRequest,
  firstDifference,
  type Cassette,
} from '../../src/eval/cassette.js';
import {integerCheck} from '../../src/eval/checkers.js';
import {buildReport, renderSummary} from '../../src/eval/report.js';
import {runEval, type AgentKind} from '../../src/eval/runner.js';
import type {EvalSuite} from '../../src/eval/suite.js';
import {ScriptedLlm, type ScriptedReply} from '../../src/models/scripted_llm.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

/** A one-task suite whose tool returns `state.value`: change it and a replay must notice. */
function tinySuite(state: {value: number}, expected: number): EvalSuite {
  return {
    name: 'tiny',
    description: 'one task',
    instruction: 'Answer with a number.',
    tasks: [
      {
        id: 'double',
        category: 'chain',
        turns: ['What is twice the number get_number returns?'],
        check: integerCheck(expected),
      },
    ],
    tools: () => [
      new FunctionTool({
        name: 'get_number',
        description: 'The number.',
        execute: () => ({value: state.value}),
      }),
    ],
  };
}

const call = (name: string): LlmResponse => ({
  content: {role: 'model', parts: [{functionCall: {name, args: {}}}]},
});

/** Scripted replies: the CodingAgent's in order, the LlmAgent's as a function of the request. */
function scripted(agent: AgentKind, coding: ScriptedReply[], answer?: (n: number) => string) {
  if (agent === 'coding') return new TokenCountingLlm(new ScriptedLlm({responses: coding}));
  return new TokenCountingLlm(
    new ScriptedLlm({
      responses: (request) => {
        const response = request.contents
          .flatMap((c) => c.parts ?? [])
          .find((p) => p.functionResponse)?.functionResponse?.response as {value?: number};
        return response ? answer!(response.value!) : call('get_number');
      },
    }),
  );
}

const DOUBLE = [
  '```python\nn = get_number()["value"] * 2\nprint(n)\n```',
  '```python\nfinal_answer(n)\n```',
];

describe.skipIf(bwrap.skipReason !== undefined)(`eval harness (${bwrap.title})`, () => {
  let executor: KernelCodeExecutor;
  let dir: string;

  beforeAll(() => {
    executor = bwrap.create();
    dir = mkdtempSync(join(tmpdir(), 'eval-cassettes-'));
  });
  afterAll(async () => {
    await executor.dispose();
    rmSync(dir, {recursive: true, force: true});
  });

  it('records both agents, replays the cassettes with no model, and notices a changed tool', async () => {
    const state = {value: 7};
    const recorded = await runEval({
      suite: tinySuite(state, 14),
      executor,
      repeat: 2,
      source: {
        kind: 'custom',
        model: 'scripted',
        label: 'scripted in a test',
        recordDir: dir,
        make: (_task, agent) => scripted(agent, DOUBLE, (n) => `${n * 2}`),
      },
    });
    expect(recorded.mode).toBe('record');
    expect(recorded.results.map((r) => [r.agent, r.repeat, r.pass])).toEqual([
      ['coding', 0, true],
      ['coding', 1, true],
      ['llm', 0, true],
      ['llm', 1, true],
    ]);
    const coding = readCassette(dir, 'double', 'coding')!;
    expect(coding.runs).toHaveLength(2);
    expect(coding.label).toBe('scripted in a test');
    // The run's tokens are the sum of what the model reported for each call.
    const reported = coding.runs[0].reduce(
      (sum, c) => sum + (c.responses.at(-1)?.usageMetadata?.promptTokenCount ?? 0),
      0,
    );
    expect(recorded.results[0].tokens.prompt).toBe(reported);
    expect(recorded.results[0].tokens.prompt).toBeGreaterThan(0);
    expect(recorded.results.find((r) => r.agent === 'llm')!.toolCalls).toBe(1);

    const replayed = await runEval({
      suite: tinySuite(state, 14),
      executor,
      repeat: 2,
      source: {kind: 'replay', dir},
    });
    expect(replayed.mode).toBe('replay');
    expect(replayed.model).toBe('scripted');
    expect(replayed.modelLabel).toBe('scripted in a test');
    const strip = (r: (typeof replayed.results)[number]) => ({...r, wallMs: 0});
    expect(replayed.results.map(strip)).toEqual(recorded.results.map(strip));

    state.value = 8;
    const changed = runEval({
      suite: tinySuite(state, 16),
      executor,
      agents: ['coding'],
      source: {kind: 'replay', dir},
    });
    await expect(changed).rejects.toBeInstanceOf(CassetteMismatchError);
    await expect(changed).rejects.toThrow(
      /double\.coding\.json, run 1: model call 2 differs from the recording at \.contents\[2\]\.parts\[0\]\.text: recorded .*14.*, now .*16/,
    );
  });

  it('fails a replay that stops before the cassette does, and one asking for more runs than recorded', async () => {
    const state = {value: 7};
    const path = cassettePath(dir, 'double', 'llm');
    const cassette = JSON.parse(readFileSync(path, 'utf8')) as Cassette;
    cassette.runs = [[...cassette.runs[0], cassette.runs[0].at(-1)!]];
    const extra = mkdtempSync(join(tmpdir(), 'eval-cassettes-'));
    try {
      writeFileSync(cassettePath(extra, 'double', 'llm'), JSON.stringify(cassette));
      const short = runEval({
        suite: tinySuite(state, 14),
        executor,
        agents: ['llm'],
        source: {kind: 'replay', dir: extra},
      });
      await expect(short).rejects.toThrow(/ended after 2 model calls, but the cassette has 3/);
      await expect(
        runEval({
          suite: tinySuite(state, 14),
          executor,
          agents: ['llm'],
          repeat: 2,
          source: {kind: 'replay', dir: extra},
        }),
      ).rejects.toThrow(/holds 1 runs; --repeat 2 needs 2/);
    } finally {
      rmSync(extra, {recursive: true, force: true});
    }
  });

  it('replays a recorded model failure with its status, so the agent retries as it did', async () => {
    const failing = mkdtempSync(join(tmpdir(), 'eval-cassettes-'));
    try {
      const overloaded = Object.assign(new Error('model overloaded'), {status: 503});
      const source = {
        kind: 'custom' as const,
        model: 'scripted',
        recordDir: failing,
        make: () => new TokenCountingLlm(new ScriptedLlm({responses: [overloaded, ...DOUBLE]})),
      };
      const options = {suite: tinySuite({value: 7}, 14), executor, agents: ['coding'] as const};
      const recorded = await runEval({...options, source});
      expect(recorded.results[0]).toMatchObject({pass: true, modelCalls: 3});
      const cassette = readCassette(failing, 'double', 'coding')!;
      expect(cassette.runs[0][0].error).toEqual({message: 'model overloaded', status: 503});
      const replayed = await runEval({...options, source: {kind: 'replay', dir: failing}});
      expect(replayed.results[0]).toMatchObject({pass: true, modelCalls: 3});
    } finally {
      rmSync(failing, {recursive: true, force: true});
    }
  });

  it('reports a wrong answer as a failure with the reason, and where code cost more', async () => {
    const run = await runEval({
      suite: tinySuite({value: 7}, 14),
      executor,
      source: {
        kind: 'custom',
        model: 'scripted',
        make: (_task, agent) => scripted(agent, DOUBLE, () => 'It is about 15.'),
      },
    });
    expect(run.mode).toBe('live');
    const llm = run.results.find((r) => r.agent === 'llm')!;
    expect(llm).toMatchObject({pass: false, answer: 'It is about 15.', steps: 2, modelCalls: 2});
    expect(llm.reason).toBe('expected 14; its numbers: 15');
    const report = buildReport(tinySuite({value: 7}, 14), run, 1);
    expect(report.agents.map((a) => [a.agent, a.passed, a.runs])).toEqual([
      ['coding', 1, 1],
      ['llm', 0, 1],
    ]);
    const summary = renderSummary(report);
    expect(summary).toContain(
      '| LlmAgent (function calls) | double | expected 14; its numbers: 15 |',
    );
    expect(summary).toContain('Solved by the CodingAgent only: double.');
    // Two steps of code with the coding rules cost more here than one function call.
    expect(summary).toMatch(
      /Tasks where the CodingAgent used more tokens: double \(\d\.\d\d× the LlmAgent's\)/,
    );
  });
});

describe('cassette requests', () => {
  it('leave out transport fields and per-run ids, and name the first difference', () => {
    const request = {
      model: 'm',
      contents: [
        {role: 'model', parts: [{functionCall: {id: 'adk-1', name: 'f', args: {}}}]},
        {role: 'user', parts: [{text: 'saved figure_0a1b2c3d_s1_1.png'}]},
      ],
      config: {abortSignal: new AbortController().signal, labels: {a: 'b'}, temperature: 0},
      liveConnectConfig: {},
      toolsDict: {},
    };
    const recorded = recordedRequest(request);
    expect(recorded).toEqual({
      model: 'm',
      config: {temperature: 0},
      contents: [
        {role: 'model', parts: [{functionCall: {name: 'f', args: {}}}]},
        {role: 'user', parts: [{text: 'saved figure_*_s1_1.png'}]},
      ],
    });
    const other = recordedRequest({...request, config: {temperature: 1}});
    expect(firstDifference(recorded, other)).toEqual({
      path: '.config.temperature',
      recorded: 0,
      actual: 1,
    });
    expect(firstDifference([1, 2], [1, 2, 3])).toEqual({path: '.length', recorded: 2, actual: 3});
  });
});
