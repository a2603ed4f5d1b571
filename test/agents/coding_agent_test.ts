/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {BasePlugin, BaseToolset, FunctionTool, type Context, type LlmRequest} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';

import {
  CodingAgent,
  DEFAULT_SAFE_IMPORTS,
  ScriptedLlm,
  fetchCsvTool,
  type CodeExecutor,
} from '../../src/index.js';
import {
  executedCode,
  finalText,
  observations,
  requestText,
  serveSharedData,
  startSession,
  type DataServer,
} from '../helpers/agent_harness.js';
import {processTree, waitGone} from '../helpers/processes.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const DATA_IMPORTS = [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy'];

for (const backend of sandboxBackends()) {
  describe.skipIf(backend.skipReason !== undefined)(`CodingAgent on ${backend.title}`, () => {
    let executor: CodeExecutor;
    let data: DataServer;

    beforeAll(async () => {
      executor = backend.create();
      data = await serveSharedData();
    });
    afterAll(async () => {
      await executor?.dispose();
      await data?.close();
    });

    it('answers 25 * 17 over two steps, step 2 reading a variable set in step 1', async () => {
      const model = new ScriptedLlm({
        responses: [
          'Compute it.\n```python\nproduct = 25 * 17\nprint(product)\n```',
          '```python\nfinal_answer(product)\n```',
        ],
      });
      const agent = new CodingAgent({name: 'calc', model, codeExecutor: executor});
      const events = await (await startSession(agent)).turn('What is 25 * 17?');

      expect(executedCode(events)).toEqual([
        'product = 25 * 17\nprint(product)',
        'final_answer(product)',
      ]);
      expect(observations(events)[0]).toContain('425');
      expect(finalText(events)).toBe('425');
      // The model's second request carried the first observation.
      expect(requestText(model.requests[1])).toContain('Observation:\nOutput:\n425');
      // Events adk web renders: executableCode, then codeExecutionResult with output.
      const resultPart = events
        .flatMap((e) => e.content?.parts ?? [])
        .find((p) => p.codeExecutionResult);
      expect(resultPart?.codeExecutionResult?.outcome).toBe('OUTCOME_OK');
    });

    it('computes the Titanic survival rate with a tool called from code and pandas in the sandbox', async () => {
      const url = data.url('titanic.csv');
      const model = new ScriptedLlm({
        responses: [
          '```python\nimport io\nimport pandas as pd\ndf = pd.read_csv(io.StringIO(fetch_csv(url="' +
            url +
            '")))\nrate = round(df["Survived"].mean() * 100, 2)\nprint(len(df), rate)\n```',
          '```python\nfinal_answer(f"{rate:.2f}% of {len(df)} passengers survived")\n```',
        ],
      });
      const agent = new CodingAgent({
        name: 'analyst',
        model,
        tools: [fetchCsvTool],
        codeExecutor: executor,
        authorizedImports: DATA_IMPORTS,
      });
      const before = data.requests.length;
      const events = await (await startSession(agent)).turn('What share of passengers survived?');

      expect(data.requests.slice(before)).toEqual(['/titanic.csv']);
      expect(observations(events)[0]).toContain('891 38.38');
      expect(finalText(events)).toBe('38.38% of 891 passengers survived');
      // The tool's signature reached the model in the system prompt.
      expect(String(model.requests[0].config?.systemInstruction)).toContain(
        'def fetch_csv(url: str)',
      );
    });

    it('sends a failing snippet’s error back and recovers with corrected code', async () => {
      const model = new ScriptedLlm({
        responses: [
          '```python\ntotal = 10\nratio = total / 0\n```',
          'Division by zero; fix it.\n```python\nratio = total / 4\nfinal_answer(ratio)\n```',
        ],
      });
      const agent = new CodingAgent({name: 'recover', model, codeExecutor: executor});
      const events = await (await startSession(agent)).turn('Divide.');

      const second = requestText(model.requests[1]);
      expect(second).toContain('ZeroDivisionError: division by zero');
      expect(second).toContain('ratio = total / 0');
      expect(observations(events)[0]).toContain('ZeroDivisionError');
      expect(finalText(events)).toBe('2.5');
    });

    it('kills a snippet that runs past the timeout and goes on in a fresh kernel', async () => {
      const echo = new FunctionTool({
        name: 'echo',
        description: 'Returns its text.',
        parameters: z.object({text: z.string()}),
        execute: ({text}) => text,
      });
      const model = new ScriptedLlm({
        responses: [
          '```python\nimport time\nmarker = "set before sleep"\ntime.sleep(60)\n```',
          '```python\nprint("marker" in globals(), echo(text="tools still work"))\n```',
          '```python\nfinal_answer("recovered")\n```',
        ],
      });
      const agent = new CodingAgent({
        name: 'sleeper',
        model,
        tools: [echo],
        codeExecutor: executor,
        executionTimeoutMs: 1500,
      });
      const started = Date.now();
      const events = await (await startSession(agent)).turn('Sleep.');

      expect(Date.now() - started).toBeLessThan(30_000);
      const [killed, after] = observations(events);
      expect(killed).toContain('TimeoutError');
      expect(killed).toMatch(/restarted/);
      const outcome = events
        .flatMap((e) => e.content?.parts ?? [])
        .find((p) => p.codeExecutionResult)?.codeExecutionResult?.outcome;
      expect(outcome).toBe('OUTCOME_DEADLINE_EXCEEDED');
      expect(after).toContain('False tools still work');
      expect(finalText(events)).toBe('recovered');
    });
  });
}

describe('CodingAgent loop (local kernel)', () => {
  const local = sandboxBackends().find((b) => b.name === 'local');
  let executor: CodeExecutor;
  beforeAll(() => {
    executor = local!.create();
  });
  afterAll(async () => {
    await executor?.dispose();
  });

  it('stops after errorRetryAttempts + 1 failures in a row with a clear message', async () => {
    const model = new ScriptedLlm({
      responses: [
        '```python\nraise ValueError("one")\n```',
        '```python\nraise ValueError("two")\n```',
      ],
    });
    const agent = new CodingAgent({
      name: 'failing',
      model,
      codeExecutor: executor,
      errorRetryAttempts: 1,
    });
    const events = await (await startSession(agent)).turn('Fail.');

    expect(model.requests).toHaveLength(2);
    expect(finalText(events)).toBe(
      'Stopped after 2 failed code steps in a row. Last error: ValueError: two',
    );
  });

  it('asks for a best answer without code when maxIterations is reached', async () => {
    const model = new ScriptedLlm({
      responses: [
        '```python\nx = 1\n```',
        '```python\nx += 1\n```',
        'My best answer: x is 2.\n```python\nprint("ignored")\n```',
      ],
    });
    const agent = new CodingAgent({
      name: 'limited',
      model,
      codeExecutor: executor,
      maxIterations: 2,
    });
    const events = await (await startSession(agent)).turn('Count.');

    expect(model.requests).toHaveLength(3);
    expect(requestText(model.requests[2])).toContain('You have used all your steps');
    expect(finalText(events)).toBe('My best answer: x is 2.');
    expect(executedCode(events)).toHaveLength(2);
  });

  it('takes a reply without code as the final answer, and saves it under outputKey', async () => {
    const model = new ScriptedLlm({responses: ['Paris is the capital of France.']});
    const agent = new CodingAgent({
      name: 'talker',
      model,
      codeExecutor: executor,
      outputKey: 'answer',
    });
    const session = await startSession(agent);
    const events = await session.turn('Capital of France?');

    expect(finalText(events)).toBe('Paris is the capital of France.');
    expect(executedCode(events)).toEqual([]);
    const state = await session.state();
    expect(state.answer).toBe('Paris is the capital of France.');
  });

  it('keeps a multi-line final answer whole and stores structured values under outputKey', async () => {
    const model = new ScriptedLlm({
      responses: [
        '```python\nreport = "line one\\nline two\\n\\nline four"\nfinal_answer({"report": report, "n": 3})\n```',
      ],
    });
    const agent = new CodingAgent({
      name: 'reporter',
      model,
      codeExecutor: executor,
      outputKey: 'result',
    });
    const session = await startSession(agent);
    const events = await session.turn('Report.');

    expect(JSON.parse(finalText(events))).toEqual({
      report: 'line one\nline two\n\nline four',
      n: 3,
    });
    const state = await session.state();
    expect(state.result).toEqual({report: 'line one\nline two\n\nline four', n: 3});
  });

  it('keeps variables across turns when stateful, and starts fresh (and says so) when not', async () => {
    const script = [
      '```python\nseen = 41\nfinal_answer("stored")\n```',
      '```python\nfinal_answer(globals().get("seen", "gone"))\n```',
    ];
    const stateful = new CodingAgent({
      name: 'keeper',
      model: new ScriptedLlm({responses: script}),
      codeExecutor: executor,
      stateful: true,
    });
    const s1 = await startSession(stateful);
    await s1.turn('Store.');
    expect(finalText(await s1.turn('Recall.'))).toBe('41');

    const freshModel = new ScriptedLlm({responses: script});
    const fresh = new CodingAgent({name: 'forgetter', model: freshModel, codeExecutor: executor});
    const s2 = await startSession(fresh);
    await s2.turn('Store.');
    expect(finalText(await s2.turn('Recall.'))).toBe('gone');
    expect(requestText(freshModel.requests[1])).toContain(
      'each turn starts a fresh Python interpreter',
    );
    // The second turn's request holds the first turn's code and observation.
    expect(requestText(freshModel.requests[1])).toContain('seen = 41');
  });

  it('isolates sessions that share one agent object', async () => {
    const model = new ScriptedLlm({
      responses: (request) => {
        const text = requestText(request);
        if (text.includes('Observation')) return '```python\nfinal_answer(secret)\n```';
        const value = text.includes('alpha') ? 'alpha' : 'beta';
        return `\`\`\`python\nsecret = "${value}"\nprint(secret)\n\`\`\``;
      },
    });
    const agent = new CodingAgent({name: 'shared', model, codeExecutor: executor, stateful: true});
    const [a, b] = await Promise.all([startSession(agent), startSession(agent)]);
    const [ea, eb] = await Promise.all([a.turn('alpha'), b.turn('beta')]);
    expect(finalText(ea)).toBe('alpha');
    expect(finalText(eb)).toBe('beta');
  });

  it('runs plugin model callbacks and counts model calls', async () => {
    const seen: string[] = [];
    class Recorder extends BasePlugin {
      constructor() {
        super('recorder');
      }
      override async beforeModelCallback({
        llmRequest,
      }: {
        callbackContext: Context;
        llmRequest: LlmRequest;
      }) {
        seen.push(`before:${llmRequest.contents.length}`);
        return undefined;
      }
      override async afterModelCallback() {
        seen.push('after');
        return undefined;
      }
    }
    const model = new ScriptedLlm({responses: ['```python\nx = 2\n```', 'Done: 2']});
    const agent = new CodingAgent({name: 'observed', model, codeExecutor: executor});
    const events = await (await startSession(agent, [new Recorder()])).turn('Go.');
    expect(seen).toEqual(['before:1', 'after', 'before:3', 'after']);
    expect(finalText(events)).toBe('Done: 2');
  });

  it('ends with a clear error event when the model call fails; the session answers its next turn', async () => {
    const model = new ScriptedLlm({
      responses: [
        '```python\nx = 1\n```',
        new Error('quota exceeded'),
        '```python\nfinal_answer(6 * 7)\n```',
      ],
    });
    const agent = new CodingAgent({name: 'broken', model, codeExecutor: executor});
    const session = await startSession(agent);
    const before = new Set(processTree(process.pid));
    const events = await session.turn('Go.');
    const last = events[events.length - 1];
    expect(last.errorCode).toBe('MODEL_ERROR');
    expect(finalText(events)).toBe('The model call failed: quota exceeded');
    // The failed run's interpreter is gone with it.
    const started = processTree(process.pid).filter((pid) => !before.has(pid));
    expect(await waitGone(started)).toEqual([]);

    expect(finalText(await session.turn('Again.'))).toBe('42');
    expect(requestText(model.requests[2])).toContain('The model call failed: quota exceeded');
  });

  it('raises TypeError and ToolError in Python for bad tool calls, and records state changes', async () => {
    const remember = new FunctionTool({
      name: 'remember',
      description: 'Store a note in session state.',
      parameters: z.object({note: z.string()}),
      execute: ({note}, context?: Context) => {
        if (note === 'boom') throw new Error('storage is full');
        context!.state.set('note', note);
        return 'stored';
      },
    });
    const model = new ScriptedLlm({
      responses: [
        '```python\ntry:\n    remember(note=5)\nexcept TypeError as e:\n    print("TypeError:", e)\n' +
          'try:\n    remember(note="boom")\nexcept ToolError as e:\n    print("ToolError:", e)\n' +
          'print(remember(note="keep me"))\n```',
        'Done.',
      ],
    });
    const agent = new CodingAgent({
      name: 'noter',
      model,
      tools: [remember],
      codeExecutor: executor,
    });
    const session = await startSession(agent);
    const events = await session.turn('Take a note.');

    const [output] = observations(events);
    expect(output).toContain("TypeError: remember() argument 'note' must be string");
    expect(output).toMatch(/ToolError: .*storage is full/);
    expect(output).toContain('stored');
    const state = await session.state();
    expect(state.note).toBe('keep me');
  });

  it('expands toolsets into callable functions and closes them when the run ends', async () => {
    const closed: string[] = [];
    class MathToolset extends BaseToolset {
      constructor() {
        super([]);
      }
      override async getTools() {
        return [
          new FunctionTool({
            name: 'square',
            description: 'Square a number.',
            parameters: z.object({x: z.number()}),
            execute: ({x}) => x * x,
          }),
        ];
      }
      override async close() {
        closed.push('math');
      }
    }
    const model = new ScriptedLlm({responses: ['```python\nfinal_answer(square(x=12))\n```']});
    const agent = new CodingAgent({
      name: 'toolsets',
      model,
      tools: [new MathToolset()],
      codeExecutor: executor,
    });
    const events = await (await startSession(agent)).turn('Square 12.');
    expect(finalText(events)).toBe('144');
    expect(String(model.requests[0].config?.systemInstruction)).toContain('def square(x: float)');
    // ADK's Runner closes only an LlmAgent's toolsets: the run closed this one.
    expect(closed).toEqual(['math']);
    await agent.close();
    expect(closed).toEqual(['math', 'math']);
  });

  it('puts imports, tool stubs and the instruction in the system prompt', async () => {
    const model = new ScriptedLlm({responses: ['No code needed.']});
    const agent = new CodingAgent({
      name: 'prompted',
      model,
      instruction: 'You are a data analyst.',
      tools: [fetchCsvTool],
      codeExecutor: executor,
      authorizedImports: ['pandas', 'math'],
    });
    await (await startSession(agent)).turn('Hi.');
    const system = String(model.requests[0].config?.systemInstruction);
    expect(system.startsWith('You are a data analyst.')).toBe(true);
    // pandas with the major version the sandbox's kernel reported.
    expect(system).toMatch(/You may import only: math, pandas \d+\./);
    expect(system).toContain('def fetch_csv(url: str)');
    expect(system).toContain('final_answer(');
  });
});

describe('CodingAgent configuration', () => {
  const model = new ScriptedLlm({responses: []});
  it.each([
    [{maxIterations: 0}, 'invalid option maxIterations'],
    [{maxIterations: 2.5}, 'invalid option maxIterations'],
    [{errorRetryAttempts: -1}, 'invalid option errorRetryAttempts'],
    [{authorizedImports: ['pandas', 'os; rm']}, 'authorizedImports'],
    [{codeExecutor: {}}, 'invalid option codeExecutor'],
    [{tools: ['fetch_csv']}, 'invalid option tools.0'],
    [{model: 'no-such-model-xyz'}, 'invalid option model'],
    [{stateful: 'yes'}, 'invalid option stateful'],
    [{toolTimeoutMs: 0}, 'invalid option toolTimeoutMs'],
    [
      {toolTimeoutMs: 5000, executionTimeoutMs: 5000},
      'toolTimeoutMs: must be below executionTimeoutMs',
    ],
    [{maxConcurrentToolCalls: 0}, 'invalid option maxConcurrentToolCalls'],
    [{maxToolCalls: 1.5}, 'invalid option maxToolCalls'],
    [{maxToolArgsBytes: -1}, 'invalid option maxToolArgsBytes'],
    [{maxRunTimeMs: 0}, 'invalid option maxRunTimeMs'],
    [{maxRunTimeMs: 2 ** 31}, 'invalid option maxRunTimeMs'],
  ])('rejects %j', (options, message) => {
    expect(() => new CodingAgent({name: 'bad', model, ...(options as object)})).toThrow(message);
  });

  it('rejects two tools with one name (calls could not tell them apart)', () => {
    const tool = () => new FunctionTool({name: 'twin', description: 'twin', execute: () => 'x'});
    expect(() => new CodingAgent({name: 'bad', model, tools: [tool(), tool()]})).toThrow(
      /invalid option tools: tool "twin": two tools have this name/,
    );
  });

  it('has documented defaults for the run limits', () => {
    const agent = new CodingAgent({name: 'defaults', model});
    expect(agent.toolTimeoutMs).toBeUndefined(); // two thirds of the snippet timeout at run time
    expect(agent.maxConcurrentToolCalls).toBe(16);
    expect(agent.maxToolCalls).toBe(1000);
    expect(agent.maxToolArgsBytes).toBe(1024 * 1024);
    expect(agent.maxRunTimeMs).toBe(10 * 60_000);
    expect(new CodingAgent({name: 'forever', model, maxRunTimeMs: Infinity}).maxRunTimeMs).toBe(
      Infinity,
    );
  });

  it('survives ADK cloning with its options', () => {
    const agent = new CodingAgent({name: 'orig', model, maxIterations: 3, stateful: true});
    const copy = agent.clone({name: 'copy'});
    expect(copy).toBeInstanceOf(CodingAgent);
    expect(copy.maxIterations).toBe(3);
    expect(copy.stateful).toBe(true);
    expect(copy.name).toBe('copy');
  });
});
