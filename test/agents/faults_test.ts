/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Faults a run must survive, on every sandbox backend, with a scripted model and real kernels:
 * the kernel SIGKILLed (by itself or by the host), out of memory, a tool that throws or never
 * answers, a failing model, an empty reply, a reply cut off mid-code, a reply of prose only;
 * and the run limits (run time, concurrent tool calls, argument size). Each fault must give the
 * model or the user a clear message, the ADK session must answer its next turn correctly, and
 * after the executor is disposed no process, session folder or container may be left (checked
 * after every test: each test gets its own executor and its own temporary folder).
 */

import {mkdtempSync, readdirSync, rmSync, chmodSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';

import {FunctionTool, type Context, type Event} from '@google/adk';
import {FinishReason} from '@google/genai';
import Docker from 'dockerode';
import {afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {z} from 'zod';

import type {
  KernelCodeExecutor,
  KernelSandboxSession,
  SandboxCodeExecutorOptions,
} from '../../src/code_executors/kernel_code_executor.js';
import {
  CodingAgent,
  DEFAULT_SAFE_IMPORTS,
  ScriptedLlm,
  type CodingAgentConfig,
} from '../../src/index.js';
import {
  executedCode,
  finalText,
  observations,
  requestText,
  startSession,
  type AgentSession,
} from '../helpers/agent_harness.js';
import {processTree, waitGone} from '../helpers/processes.js';
import {containersOf, sandboxBackends} from '../helpers/sandboxes.js';

const MiB = 1024 * 1024;
const ANSWER_42 = '```python\nfinal_answer(6 * 7)\n```';

/** `customMetadata.codingAgent` of the run's code-result events, in order. */
function stepMetadata(events: Event[]): Array<{stateLost?: boolean; durationMs?: number}> {
  return events
    .filter((e) => !e.partial && e.content?.parts?.some((p) => p.codeExecutionResult))
    .map((e) => (e.customMetadata?.codingAgent ?? {}) as {stateLost?: boolean});
}

function stopReason(events: Event[]): string | undefined {
  const last = events[events.length - 1];
  return (last?.customMetadata?.codingAgent as {stopReason?: string} | undefined)?.stopReason;
}

/** A tool whose promise never settles. */
const hang = new FunctionTool({
  name: 'hang',
  description: 'Never answers.',
  execute: () => new Promise<never>(() => {}),
});

for (const backend of sandboxBackends()) {
  describe.skipIf(backend.skipReason !== undefined)(`faults on ${backend.title}`, () => {
    const docker = backend.name === 'docker' ? new Docker() : undefined;
    const executors: KernelCodeExecutor[] = [];
    let baseline: Set<number>;
    let folder: string;
    let savedTmpdir: string | undefined;

    /** A fresh executor of this backend, disposed and checked after the test. */
    function newExecutor(options?: SandboxCodeExecutorOptions): KernelCodeExecutor {
      const executor = backend.create(options);
      executors.push(executor);
      return executor;
    }

    /** A stateful agent (its interpreter must survive between turns) on a fresh executor. */
    function agent(
      config: Omit<CodingAgentConfig, 'name'> & {name?: string},
      executor = newExecutor(),
    ): CodingAgent {
      return new CodingAgent({name: 'faulty', codeExecutor: executor, stateful: true, ...config});
    }

    /** The session's sandbox, as the agent of `name` on `session` keys it (stateful). */
    async function sandboxOf(
      executor: KernelCodeExecutor,
      session: AgentSession,
      name: string,
    ): Promise<KernelSandboxSession> {
      const key = ['test_app', session.userId, session.sessionId, name].join('/');
      return (await executor.getSession(key, {authorizedImports: []})) as KernelSandboxSession;
    }

    beforeAll(() => {
      baseline = new Set(processTree(process.pid));
    });

    beforeEach(() => {
      // Session folders land under os.tmpdir(): a private one shows exactly what a test left.
      folder = mkdtempSync(join(tmpdir(), 'coding-agent-faults-'));
      chmodSync(folder, 0o755); // sandbox users (bubblewrap as root) must reach their folder
      savedTmpdir = process.env.TMPDIR;
      process.env.TMPDIR = folder;
    });

    afterEach(async () => {
      try {
        await Promise.all(executors.splice(0).map((e) => e.dispose()));
        const stray = processTree(process.pid).filter((pid) => !baseline.has(pid));
        expect(await waitGone(stray), 'processes left after dispose').toEqual([]);
        expect(readdirSync(folder), 'session folders left after dispose').toEqual([]);
        if (docker) {
          expect(await containersOf(docker, process.pid), 'containers left').toEqual([]);
        }
      } finally {
        if (savedTmpdir === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = savedTmpdir;
        rmSync(folder, {recursive: true, force: true});
      }
    });

    it('survives a snippet that SIGKILLs its own kernel: the model is told, the next step and turn work', async () => {
      const model = new ScriptedLlm({
        responses: [
          '```python\nkeep = 41\nprint("set")\n```',
          '```python\nimport os\nos.kill(os.getpid(), 9)\nprint("never printed")\n```',
          '```python\nfinal_answer(globals().get("keep", "gone"))\n```',
          ANSWER_42,
        ],
      });
      const session = await startSession(
        agent({model, authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'os']}),
      );
      const events = await session.turn('Crash.');

      const killed = observations(events)[1];
      expect(killed).toContain('Error: KernelDied: The Python kernel died during the execution');
      expect(killed).toMatch(/SIGKILL|exit code 137/);
      expect(killed).toContain('every variable, import and definition from earlier steps is gone');
      expect(killed).not.toContain('never printed');
      expect(stepMetadata(events).map((m) => m.stateLost)).toEqual([false, true, false]);
      // The model read the notice before its next step, which ran in a fresh kernel.
      expect(requestText(model.requests[2])).toContain('KernelDied');
      expect(finalText(events)).toBe('gone');

      expect(finalText(await session.turn('Again.'))).toBe('42');
    });

    it('survives the host SIGKILLing the kernel while a tool call is pending', async () => {
      const executor = newExecutor();
      const killedPids: number[] = [];
      const current: {session?: AgentSession} = {};
      const killHost = new FunctionTool({
        name: 'kill_kernel',
        description: 'The host kills the kernel that called it.',
        execute: async () => {
          const sandbox = await sandboxOf(executor, current.session!, 'faulty');
          killedPids.push(sandbox.pid!);
          process.kill(sandbox.pid!, 'SIGKILL');
          await sleep(300);
          return 'answered too late';
        },
      });
      const model = new ScriptedLlm({
        responses: [
          '```python\nkeep = 41\nprint(kill_kernel())\n```',
          '```python\nfinal_answer(globals().get("keep", "gone"))\n```',
          ANSWER_42,
        ],
      });
      const session = await startSession(agent({model, tools: [killHost]}, executor));
      current.session = session;
      const events = await session.turn('Crash.');

      const [killed] = observations(events);
      expect(killed).toContain('Error: KernelDied: The Python kernel died during the execution');
      expect(killed).not.toContain('answered too late');
      expect(stepMetadata(events)[0].stateLost).toBe(true);
      expect(finalText(events)).toBe('gone');
      expect(killedPids).toHaveLength(1);
      expect(await waitGone(killedPids)).toEqual([]);

      expect(finalText(await session.turn('Again.'))).toBe('42');
      // The kernel of the second turn is a new process.
      expect((await sandboxOf(executor, session, 'faulty')).pid).not.toBe(killedPids[0]);
    });

    it('reports MemoryError when a snippet exceeds the memory limit, and keeps its variables', async () => {
      const executor = newExecutor({limits: {memoryBytes: 512 * MiB}});
      const model = new ScriptedLlm({
        responses: [
          '```python\nkeep = "still here"\ndef hog():\n    chunks = []\n    while True:\n' +
            '        chunks.append(bytearray(16 * 1024 * 1024))\nhog()\n```',
          '```python\nfinal_answer(keep)\n```',
          ANSWER_42,
        ],
      });
      const session = await startSession(agent({model}, executor));
      const events = await session.turn('Use all the memory.');

      const [oom] = observations(events);
      expect(oom).toContain('Error: MemoryError');
      expect(oom).toContain("The code ran out of memory (the sandbox's memory limit)");
      expect(stepMetadata(events)[0].stateLost).toBe(false);
      expect(finalText(events)).toBe('still here');

      expect(finalText(await session.turn('Again.'))).toBe('42');
    });

    if (backend.name !== 'local') {
      it('reports a kernel killed at the session memory limit as out of memory', async () => {
        // No per-process limit: the cgroup's OOM killer ends the kernel instead of a MemoryError.
        const executor = newExecutor({memoryLimit: '128m', limits: {memoryBytes: 0}});
        const model = new ScriptedLlm({
          responses: [
            '```python\nchunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024 * 1024))\n```',
            '```python\nfinal_answer("recovered")\n```',
            ANSWER_42,
          ],
        });
        const session = await startSession(agent({model}, executor));
        const events = await session.turn('Use all the memory.');

        const [oom] = observations(events);
        expect(oom).toContain(
          "KernelDied: The Python kernel died during the execution (out of memory: the session's 128 MiB memory limit was reached",
        );
        expect(stepMetadata(events)[0].stateLost).toBe(true);
        expect(finalText(events)).toBe('recovered');
        expect(finalText(await session.turn('Again.'))).toBe('42');
      });
    }

    it('turns a tool that throws into a ToolError the model reads and the snippet can catch', async () => {
      const flaky = new FunctionTool({
        name: 'flaky',
        description: 'Always fails.',
        parameters: z.object({x: z.number().int()}),
        execute: () => {
          throw new Error('backend down (503)');
        },
      });
      const model = new ScriptedLlm({
        responses: [
          '```python\nn = 3\nresult = flaky(x=n)\n```',
          '```python\ntry:\n    flaky(x=n)\nexcept ToolError as e:\n    print("caught:", e)\nfinal_answer(n * 2)\n```',
          ANSWER_42,
        ],
      });
      const session = await startSession(agent({model, tools: [flaky]}));
      const events = await session.turn('Call the flaky tool.');

      const [uncaught, caught] = observations(events);
      expect(uncaught).toContain('Error: ToolError: flaky(x=3) failed: backend down (503)');
      expect(requestText(model.requests[1])).toContain('flaky(x=3) failed: backend down (503)');
      expect(caught).toContain('caught: flaky(x=3) failed: backend down (503)');
      expect(stepMetadata(events).map((m) => m.stateLost)).toEqual([false, false]);
      expect(finalText(events)).toBe('6');

      expect(finalText(await session.turn('Again.'))).toBe('42');
    });

    it('gives up on a tool that never answers after toolTimeoutMs; the snippet keeps its variables', async () => {
      const late = new FunctionTool({
        name: 'late',
        description: 'Answers, with an error and a state change, after the timeout.',
        execute: async (_args: unknown, context?: Context) => {
          await sleep(1200);
          context!.state.set('late', true);
          throw new Error('late failure');
        },
      });
      const model = new ScriptedLlm({
        responses: [
          '```python\nimport time\nkeep = 5\nt0 = time.time()\ntry:\n    hang()\n' +
            'except ToolError as e:\n    print("caught:", e)\n' +
            'print("waited", round(time.time() - t0, 1))\n' +
            'try:\n    late()\nexcept ToolError as e:\n    print("caught:", e)\n```',
          '```python\nfinal_answer(keep * 2)\n```',
          ANSWER_42,
        ],
      });
      const session = await startSession(
        agent({model, tools: [hang, late], toolTimeoutMs: 800, executionTimeoutMs: 10_000}),
      );
      const started = Date.now();
      const events = await session.turn('Call the hanging tool.');

      const [first] = observations(events);
      expect(first).toContain(
        'caught: hang() did not answer within 0.8 s and was abandoned (the time limit of one tool call)',
      );
      expect(first).toContain('caught: late() did not answer within 0.8 s');
      const waited = Number(/waited ([\d.]+)/.exec(first)?.[1]);
      expect(waited).toBeGreaterThanOrEqual(0.7);
      expect(waited).toBeLessThan(5);
      expect(stepMetadata(events)[0].stateLost).toBe(false);
      expect(finalText(events)).toBe('10');
      expect(Date.now() - started).toBeLessThan(10_000);

      // Let the abandoned tool finish: its late error and state change must go nowhere.
      await sleep(1000);
      expect(finalText(await session.turn('Again.'))).toBe('42');
      expect((await session.state()).late).toBeUndefined();
    });

    it('with only executionTimeoutMs set, a hung tool fails at two thirds of it and the kernel lives', async () => {
      const model = new ScriptedLlm({
        responses: [
          '```python\nkeep = 7\ntry:\n    hang()\nexcept ToolError as e:\n    print("caught:", e)\n```',
          '```python\nfinal_answer(keep)\n```',
          ANSWER_42,
        ],
      });
      const session = await startSession(agent({model, tools: [hang], executionTimeoutMs: 1500}));
      const events = await session.turn('Call the hanging tool.');

      const [first] = observations(events);
      expect(first).toContain('caught: hang() did not answer within 1 s');
      expect(first).not.toContain('TimeoutError');
      expect(stepMetadata(events)[0].stateLost).toBe(false);
      expect(finalText(events)).toBe('7');
      expect(finalText(await session.turn('Again.'))).toBe('42');
    });

    it('ends the turn with a clear error event when the model fails for good, mid-run or at once; the next turn works', async () => {
      const model = new ScriptedLlm({
        responses: [
          '```python\nkeep = 1\n```',
          new Error('quota exceeded'),
          {errorCode: 'PERMISSION_DENIED', errorMessage: 'the key may not call this model'},
          '```python\nfinal_answer(keep + 41)\n```',
        ],
      });
      const session = await startSession(agent({model}));

      const failed = await session.turn('Go.');
      expect(failed[failed.length - 1].errorCode).toBe('MODEL_ERROR');
      expect(finalText(failed)).toBe('The model call failed: quota exceeded');
      expect(stopReason(failed)).toBe('model_error');

      // Not a transient error: not retried (one call).
      const refused = await session.turn('Go on.');
      expect(model.requests).toHaveLength(3);
      expect(refused[refused.length - 1].errorCode).toBe('PERMISSION_DENIED');
      expect(finalText(refused)).toBe(
        'The model call failed: PERMISSION_DENIED: the key may not call this model',
      );

      // The interpreter kept `keep` from the first turn's step.
      expect(finalText(await session.turn('Once more.'))).toBe('42');
    });

    it('asks again after an empty reply, stops with a clear message after too many, and ends at once on a blocked reply', async () => {
      const model = new ScriptedLlm({
        responses: [
          '',
          '```python\nfinal_answer("after an empty reply")\n```',
          {content: {role: 'model', parts: []}, finishReason: FinishReason.STOP},
          {errorCode: 'STOP', finishReason: FinishReason.STOP},
          {
            content: {role: 'model', parts: [{text: 'Half a sent'}]},
            finishReason: FinishReason.SAFETY,
          },
          ANSWER_42,
        ],
      });
      const session = await startSession(agent({model, errorRetryAttempts: 1}));

      const retried = await session.turn('Go.');
      expect(requestText(model.requests[1])).toContain('Your reply was empty.');
      expect(finalText(retried)).toBe('after an empty reply');

      const stopped = await session.turn('Go.');
      expect(finalText(stopped)).toBe('Stopped: the model returned 2 empty replies in a row.');
      expect(stopReason(stopped)).toBe('errors');

      // A half-sentence cut by SAFETY is not the answer.
      const blocked = await session.turn('Go.');
      expect(finalText(blocked)).toBe(
        "The model's reply was blocked, because it was flagged by the provider's safety filters (finish reason SAFETY).",
      );
      expect(stopReason(blocked)).toBe('blocked');

      expect(finalText(await session.turn('Go.'))).toBe('42');
    });

    it('does not run code cut off at the token limit, and says so; a merely unclosed fence runs', async () => {
      const model = new ScriptedLlm({
        responses: [
          {
            content: {
              role: 'model',
              parts: [{text: 'Step one.\n```python\nmarker = "ran"\nrows = [1, 2]\n'}],
            },
            finishReason: FinishReason.MAX_TOKENS,
          },
          '```python\nfinal_answer(globals().get("marker", "not run"))\n```',
          // No closing fence, but not cut off: it runs, and the SyntaxError says why.
          'Here:\n```python\nprint((1, 2\n',
          ANSWER_42,
          {
            content: {role: 'model', parts: [{text: 'The answer is forty'}]},
            finishReason: FinishReason.MAX_TOKENS,
          },
        ],
      });
      const session = await startSession(agent({model}));

      const first = await session.turn('Go.');
      expect(requestText(model.requests[1])).toContain(
        'Your reply was cut off at the output token limit (finish reason MAX_TOKENS) inside its code block, so none of its code was run.',
      );
      expect(executedCode(first)).toEqual(['final_answer(globals().get("marker", "not run"))']);
      expect(finalText(first)).toBe('not run');

      const second = await session.turn('Go.');
      expect(observations(second)[0]).toContain('SyntaxError');
      expect(observations(second)[0]).toContain('your code block had no closing ``` fence');
      expect(finalText(second)).toBe('42');

      const third = await session.turn('Go.');
      expect(finalText(third)).toBe(
        "The answer is forty\n\n[The answer was cut off at the model's output token limit.]",
      );
    });

    it('takes a reply of prose only as the answer; the next turn runs code', async () => {
      const model = new ScriptedLlm({responses: ['The answer is 42.', ANSWER_42]});
      const session = await startSession(agent({model}));
      const events = await session.turn('What is 6 * 7?');
      expect(finalText(events)).toBe('The answer is 42.');
      expect(stopReason(events)).toBe('text_answer');
      expect(executedCode(events)).toEqual([]);
      expect(finalText(await session.turn('Compute it.'))).toBe('42');
    });

    it('maxRunTimeMs aborts a running snippet and ends the run with a clear message; the session stays usable', async () => {
      const model = new ScriptedLlm({
        responses: ['```python\nimport time\nkeep = 1\ntime.sleep(60)\n```', ANSWER_42],
      });
      const session = await startSession(agent({model, maxRunTimeMs: 3000}));
      const started = Date.now();
      const events = await session.turn('Sleep.');

      expect(Date.now() - started).toBeLessThan(10_000);
      expect(observations(events)[0]).toContain('AbortError');
      const last = events[events.length - 1];
      expect(finalText(events)).toBe(
        'Stopped: this run reached its time limit of 3 s (maxRunTimeMs) while code was running; the code was stopped and the Python interpreter restarted, so its variables are gone.',
      );
      expect(last.errorCode).toBe('RUN_TIME_LIMIT');
      expect(stopReason(events)).toBe('time_limit');

      // A new run gets a new budget, and is told the interpreter was restarted.
      expect(finalText(await session.turn('Again.'))).toBe('42');
      expect(requestText(model.requests[1])).toContain('the Python interpreter was restarted');
    });

    it('maxConcurrentToolCalls refuses calls beyond the cap at once with a ToolError', async () => {
      const slow = new FunctionTool({
        name: 'slow',
        description: 'Answers after a second.',
        parameters: z.object({i: z.number().int()}),
        execute: async ({i}) => {
          await sleep(1000);
          return i;
        },
      });
      const model = new ScriptedLlm({
        responses: [
          [
            '```python',
            'import threading',
            'barrier = threading.Barrier(12)',
            'results = {}',
            'def work(i):',
            '    barrier.wait()',
            '    try:',
            '        results[i] = slow(i=i)',
            '    except ToolError as e:',
            '        results[i] = str(e)',
            'threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]',
            'for t in threads: t.start()',
            'for t in threads: t.join()',
            'ok = sorted(v for v in results.values() if isinstance(v, int))',
            'refused = [v for v in results.values() if isinstance(v, str)]',
            'print(len(ok), len(refused))',
            'print(refused[0])',
            'final_answer(len(ok))',
            '```',
          ].join('\n'),
          ANSWER_42,
        ],
      });
      const session = await startSession(agent({model, tools: [slow], maxConcurrentToolCalls: 4}));
      const events = await session.turn('Fan out.');

      const [output] = observations(events);
      expect(output).toContain('4 8');
      expect(output).toContain(
        'slow: too many tool calls at once (4 already running, the limit per run)',
      );
      expect(finalText(events)).toBe('4');
      expect(finalText(await session.turn('Again.'))).toBe('42');
    });

    it('refuses tool arguments over maxToolArgsBytes, and over the protocol cap, with a ToolError', async () => {
      let received = 0;
      const echo = new FunctionTool({
        name: 'echo',
        description: 'Returns the length of its text.',
        parameters: z.object({text: z.string()}),
        execute: ({text}) => {
          received++;
          return text.length;
        },
      });
      const model = new ScriptedLlm({
        responses: [
          [
            '```python',
            'print(echo(text="x" * 100))',
            'try:',
            '    echo(text="x" * 5000)',
            'except ToolError as e:',
            '    print("caught:", e)',
            // Over the kernel protocol's line cap (15 MB by default): refused in the sandbox.
            'try:',
            '    echo(text="y" * (65 * 1024 * 1024))',
            'except ToolError as e:',
            '    print("caught:", e)',
            'final_answer(echo(text="still fine"))',
            '```',
          ].join('\n'),
          ANSWER_42,
        ],
      });
      const session = await startSession(
        agent({model, tools: [echo], maxToolArgsBytes: 4096, executionTimeoutMs: 25_000}),
      );
      const started = Date.now();
      const events = await session.turn('Send big arguments.');

      const [output] = observations(events);
      expect(output).toContain('100');
      expect(output).toContain(
        'caught: echo() arguments are 5011 bytes of JSON, over the 4096-byte limit of one tool call',
      );
      expect(output).toMatch(
        /caught: echo\(\) call is \d+ bytes of JSON, over the 15029592-byte limit of one message from the sandbox; it was not run/,
      );
      expect(finalText(events)).toBe('10');
      expect(received).toBe(2);
      // Answered at once, not at the end of the snippet's 25 s timeout.
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(stepMetadata(events)[0].stateLost).toBe(false);
      expect(finalText(await session.turn('Again.'))).toBe('42');
    });
  });
}

describe('run limits on the model (local kernel)', () => {
  const local = sandboxBackends().find((b) => b.name === 'local')!;
  let executor: KernelCodeExecutor;
  beforeAll(() => {
    executor = local.create();
    return () => executor.dispose();
  });

  it('maxRunTimeMs ends a run whose model never answers; the next turn works', async () => {
    const model = new ScriptedLlm({
      responses: (_request, index) => (index === 0 ? new Promise<never>(() => {}) : ANSWER_42),
    });
    const agent = new CodingAgent({
      name: 'waiter',
      model,
      codeExecutor: executor,
      maxRunTimeMs: 1500,
    });
    const session = await startSession(agent);
    const started = Date.now();
    const events = await session.turn('Go.');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(finalText(events)).toBe(
      'Stopped: this run reached its time limit of 1.5 s (maxRunTimeMs) while waiting for the model.',
    );
    expect(events[events.length - 1].errorCode).toBe('RUN_TIME_LIMIT');
    expect(finalText(await session.turn('Again.'))).toBe('42');
  });

  it('a final answer over the output cap ends the step with MessageTooLarge, variables intact', async () => {
    const model = new ScriptedLlm({
      responses: [
        '```python\nkeep = 3\nfinal_answer("z" * (65 * 1024 * 1024))\n```',
        '```python\nfinal_answer(keep)\n```',
      ],
    });
    const agent = new CodingAgent({name: 'big', model, codeExecutor: executor});
    const started = Date.now();
    const events = await (await startSession(agent)).turn('Answer hugely.');
    expect(Date.now() - started).toBeLessThan(20_000);
    const [first] = observations(events);
    expect(first).toMatch(
      /MessageTooLarge: The final_answer\(\) value is \d+ bytes of JSON, over the 1048576-byte limit of an answer/,
    );
    expect(stepMetadata(events)[0].stateLost).toBe(false);
    expect(finalText(events)).toBe('3');
  });
});
