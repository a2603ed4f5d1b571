/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {
  FunctionTool,
  LongRunningFunctionTool,
  PolicyOutcome,
  REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
  REQUEST_CREDENTIAL_FUNCTION_CALL_NAME,
  SecurityPlugin,
  type AuthConfig,
  type BasePlugin,
  type BaseTool,
  type Event,
} from '@google/adk';
import type {FunctionCall, Part} from '@google/genai';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {z} from 'zod';

import {
  CodingAgent,
  ScriptedLlm,
  type CodeExecutor,
  type CodingAgentConfig,
} from '../../src/index.js';
import {
  finalText,
  observations,
  persisted,
  requestText,
  startSession,
} from '../helpers/agent_harness.js';
import {PausableTimer} from '../../src/code_executors/kernel_process.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const code = (source: string) => '```python\n' + source + '\n```';

/** The function calls of the invocation's last event (the one that asks the user). */
function askedCalls(events: Event[]): FunctionCall[] {
  const last = events.at(-1)!;
  return (last.content?.parts ?? []).flatMap((p) => (p.functionCall ? [p.functionCall] : []));
}

/** The reply adk web's confirmation dialog sends. */
function confirmation(call: FunctionCall, confirmed: boolean): Part[] {
  return [
    {
      functionResponse: {
        id: call.id,
        name: REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
        response: {confirmed},
      },
    },
  ];
}

/** A tool that needs confirmation, counting the times it really ran. */
function deleteTool() {
  const ran: string[] = [];
  const tool = new FunctionTool({
    name: 'delete_file',
    description: 'Deletes a file.',
    parameters: z.object({path: z.string()}),
    requireConfirmation: true,
    execute: ({path}) => {
      ran.push(path);
      return {deleted: path};
    },
  });
  return {tool, ran};
}

/**
 * A session with a CodingAgent named `hitl` on `executor` (stateful unless `options` says
 * otherwise), its model scripted with `replies`.
 */
async function hitlSession(
  executor: CodeExecutor,
  replies: string[],
  tools: BaseTool[],
  options: Partial<CodingAgentConfig> = {},
  plugins: BasePlugin[] = [],
) {
  const model = new ScriptedLlm({responses: replies});
  const agent = new CodingAgent({
    name: 'hitl',
    model,
    tools,
    codeExecutor: executor,
    stateful: true,
    ...options,
  });
  return {model, session: await startSession(agent, plugins)};
}

for (const backend of sandboxBackends().filter((b) => b.name !== 'docker')) {
  describe.skipIf(backend.skipReason !== undefined)(`human in the loop on ${backend.title}`, () => {
    let executor: CodeExecutor;
    beforeAll(() => {
      executor = backend.create();
    });
    afterAll(async () => {
      await executor?.dispose();
    });

    it('asks for confirmation; approved, the tool runs once and the snippet goes on with its variables', async () => {
      const {tool, ran} = deleteTool();
      const {model, session} = await hitlSession(
        executor,
        [
          code(
            'counter = 41\nr = delete_file(path="a.txt")\ncounter += 1\nprint(counter, r["deleted"])',
          ),
          code('final_answer(f"{counter} {r[\'deleted\']}")'),
        ],
        [tool],
      );

      const first = await session.turn('Delete a.txt');
      const [asked] = askedCalls(first);
      expect(asked.name).toBe(REQUEST_CONFIRMATION_FUNCTION_CALL_NAME);
      expect(first.at(-1)!.longRunningToolIds).toEqual([asked.id]);
      const args = asked.args as {originalFunctionCall: FunctionCall; toolConfirmation: object};
      expect(args.originalFunctionCall).toMatchObject({
        name: 'delete_file',
        args: {path: 'a.txt'},
      });
      expect(args.toolConfirmation).toMatchObject({confirmed: false});
      expect(ran).toEqual([]);
      expect(model.requests).toHaveLength(1);

      const second = await session.send(confirmation(asked, true));
      expect(ran).toEqual(['a.txt']);
      expect(observations(second)[0]).toContain('42 a.txt');
      expect(finalText(second)).toBe('42 a.txt');
    });

    it('declined, the snippet sees a ToolError and the tool never runs', async () => {
      const {tool, ran} = deleteTool();
      const {session} = await hitlSession(
        executor,
        [
          code(
            'try:\n    delete_file(path="b.txt")\nexcept ToolError as e:\n    print("refused:", e)',
          ),
          code('final_answer("kept")'),
        ],
        [tool],
      );
      const [asked] = askedCalls(await session.turn('Delete b.txt'));
      const second = await session.send(confirmation(asked, false));
      expect(observations(second)[0]).toMatch(/refused: .*declined by the user/);
      expect(ran).toEqual([]);
      expect(finalText(second)).toBe('kept');
    });

    it("asks through SecurityPlugin's CONFIRM policy and runs the tool once approved", async () => {
      const ran: number[] = [];
      const tool = new FunctionTool({
        name: 'transfer',
        description: 'Moves money.',
        parameters: z.object({amount: z.number()}),
        execute: ({amount}) => {
          ran.push(amount);
          return {ok: true};
        },
      });
      const plugin = new SecurityPlugin({
        policyEngine: {
          evaluate: async () => ({outcome: PolicyOutcome.CONFIRM, reason: 'money moves'}),
        },
      });
      const {session} = await hitlSession(
        executor,
        [code('t = transfer(amount=5)\nprint(t)'), code('final_answer(t["ok"])')],
        [tool],
        {},
        [plugin],
      );
      const [asked] = askedCalls(await session.turn('Send 5'));
      expect(asked.name).toBe(REQUEST_CONFIRMATION_FUNCTION_CALL_NAME);
      expect(JSON.stringify(asked.args)).toContain('money moves');
      const second = await session.send(confirmation(asked, true));
      expect(ran).toEqual([5]);
      expect(finalText(second)).toBe('true');
    });

    it('a LongRunningFunctionTool waits for the functionResponse that brings its result', async () => {
      const started: string[] = [];
      const tool = new LongRunningFunctionTool({
        name: 'approve_budget',
        description: 'Asks finance to approve a budget.',
        parameters: z.object({amount: z.number()}),
        execute: ({amount}) => {
          started.push(String(amount));
          return {status: 'pending', ticket: 'T-1'};
        },
      });
      const {session} = await hitlSession(
        executor,
        [
          code('n = 7\nanswer = approve_budget(amount=100)\nprint(n, answer)'),
          code('final_answer(answer["status"])'),
        ],
        [tool],
      );
      const first = await session.turn('Get 100 approved');
      const [call] = askedCalls(first);
      expect(call.name).toBe('approve_budget');
      expect(first.at(-1)!.longRunningToolIds).toEqual([call.id]);
      const second = await session.send([
        {functionResponse: {id: call.id, name: 'approve_budget', response: {status: 'approved'}}},
      ]);
      expect(started).toEqual(['100']);
      expect(observations(second)[0]).toContain("7 {'status': 'approved'}");
      expect(finalText(second)).toBe('approved');
    });

    it('toolContext.requestCredential asks with adk_request_credential; the credential answers it', async () => {
      const authConfig: AuthConfig = {
        credentialKey: 'weather_key',
        authScheme: {type: 'apiKey', in: 'header', name: 'X-Key'} as AuthConfig['authScheme'],
      };
      const seen: string[] = [];
      const tool = new FunctionTool({
        name: 'weather',
        description: 'Weather for a city (needs an API key).',
        parameters: z.object({city: z.string()}),
        execute: ({city}, context) => {
          const credential = context!.getAuthResponse(authConfig);
          if (!credential) {
            context!.requestCredential(authConfig);
            return {pending: 'credential'};
          }
          seen.push(credential.apiKey ?? '');
          return {city, temp: 21};
        },
      });
      const {session} = await hitlSession(
        executor,
        [code('w = weather(city="Oslo")'), code('final_answer(w["temp"])')],
        [tool],
      );
      const [asked] = askedCalls(await session.turn('Weather in Oslo?'));
      expect(asked.name).toBe(REQUEST_CREDENTIAL_FUNCTION_CALL_NAME);
      expect((asked.args as {auth_config: AuthConfig}).auth_config.credentialKey).toBe(
        'weather_key',
      );
      const second = await session.send([
        {
          functionResponse: {
            id: asked.id,
            name: REQUEST_CREDENTIAL_FUNCTION_CALL_NAME,
            response: {...authConfig, exchangedAuthCredential: {authType: 'apiKey', apiKey: 'k-1'}},
          },
        },
      ]);
      expect(seen).toEqual(['k-1']);
      expect(finalText(second)).toBe('21');
    });
  });
}

describe('human in the loop, how waits end (local)', () => {
  const local = sandboxBackends().find((b) => b.name === 'local')!;
  let executor: CodeExecutor;
  beforeAll(() => {
    executor = local.create();
  });
  afterAll(async () => {
    await executor?.dispose();
  });

  it('no answer within interactionTimeoutMs: the call raises a ToolError saying so', async () => {
    const {tool, ran} = deleteTool();
    const notes: string[] = [];
    const note = new FunctionTool({
      name: 'note',
      description: 'Notes a line.',
      parameters: z.object({text: z.string()}),
      execute: ({text}) => {
        notes.push(text);
        return null;
      },
    });
    const {session} = await hitlSession(
      executor,
      [
        code('try:\n    delete_file(path="c.txt")\nexcept ToolError as e:\n    note(text=str(e))'),
        'Nothing was deleted.',
      ],
      [tool, note],
      {interactionTimeoutMs: 300},
    );
    expect(askedCalls(await session.turn('Delete c.txt'))[0].name).toBe(
      REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
    );
    await vi.waitFor(() => expect(notes).toHaveLength(1), {timeout: 10_000});
    expect(notes[0]).toMatch(/delete_file: no answer came from the user within 0\.3 s/);
    expect(ran).toEqual([]);
    // The next message starts a run of its own.
    expect(finalText(await session.turn('So?'))).toBe('Nothing was deleted.');
  });

  it('a plain message instead of an answer declines the call and the run goes on with it', async () => {
    const {tool, ran} = deleteTool();
    const {model, session} = await hitlSession(
      executor,
      [
        code('try:\n    delete_file(path="d.txt")\nexcept ToolError as e:\n    print("no:", e)'),
        'Fine, I will not delete it.',
      ],
      [tool],
    );
    await session.turn('Delete d.txt');
    const second = await session.turn('Actually, keep it.');
    expect(observations(second)[0]).toMatch(
      /no: delete_file: .*not answered \(the user sent a new message instead of answering\)/,
    );
    expect(requestText(model.requests[1])).toContain('Actually, keep it.');
    expect(finalText(second)).toBe('Fine, I will not delete it.');
    expect(ran).toEqual([]);
  });

  it('calls waiting at once from threads are each asked and each run once when approved', async () => {
    const {tool, ran} = deleteTool();
    const {session} = await hitlSession(
      executor,
      [
        code(
          'import threading\nresults = []\n' +
            'threads = [threading.Thread(target=lambda p=p: results.append(delete_file(path=p)["deleted"])) for p in ("g1", "g2")]\n' +
            'for t in threads: t.start()\nfor t in threads: t.join()\ndone = sorted(results)\nprint(done)',
        ),
        code('final_answer(" ".join(done))'),
      ],
      [tool],
    );
    let events = await session.turn('Delete g1 and g2');
    const asked: string[] = [];
    for (let round = 0; round < 3 && askedCalls(events).length > 0; round++) {
      const calls = askedCalls(events);
      for (const call of calls) {
        const original = (call.args as {originalFunctionCall: FunctionCall}).originalFunctionCall;
        asked.push(String(original.args?.path));
      }
      events = await session.send(calls.flatMap((call) => confirmation(call, true)));
    }
    expect(asked.sort()).toEqual(['g1', 'g2']);
    expect(ran.sort()).toEqual(['g1', 'g2']);
    expect(finalText(events)).toBe('g1 g2');
  });

  it("the snippet's timeout is held while it waits for the answer", async () => {
    const {tool, ran} = deleteTool();
    const {session} = await hitlSession(
      executor,
      [code('r = delete_file(path="f.txt")'), code('final_answer(r["deleted"])')],
      [tool],
      {executionTimeoutMs: 800, toolTimeoutMs: 500},
    );
    const [asked] = askedCalls(await session.turn('Delete f.txt'));
    // Longer than the snippet's timeout: a clock that ran on would have killed the kernel.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = await session.send(confirmation(asked, true));
    expect(observations(second)[0]).not.toContain('TimeoutError');
    expect(finalText(second)).toBe('f.txt');
    expect(ran).toEqual(['f.txt']);
  });

  it('a stateless agent replays the paused step: every tool runs exactly once', async () => {
    const {tool, ran} = deleteTool();
    let lookups = 0;
    const lookup = new FunctionTool({
      name: 'lookup',
      description: 'Finds the file to delete.',
      parameters: z.object({}),
      execute: () => {
        lookups++;
        return {path: 'e.txt'};
      },
    });
    const {model, session} = await hitlSession(
      executor,
      [
        code('base = lookup()\nprint(base)'),
        code('again = lookup()\nr = delete_file(path=base["path"])\nprint(r)'),
        code('final_answer(r["deleted"] + " " + again["path"])'),
      ],
      [tool, lookup],
      {stateful: false},
    );
    const first = await session.turn('Delete the file');
    const [asked] = askedCalls(first);
    expect(persisted(first).at(-1)!.longRunningToolIds).toEqual([asked.id]);
    const second = await session.send(confirmation(asked, true));
    expect(finalText(second)).toBe('e.txt e.txt');
    expect(lookups).toBe(2);
    expect(ran).toEqual(['e.txt']);
    expect(model.requests).toHaveLength(3);
  });
});

describe('PausableTimer (the execution timeout tool calls can hold)', () => {
  it('stops while held and runs on with the time it had left', () => {
    vi.useFakeTimers();
    try {
      let fired = 0;
      const timer = new PausableTimer(() => fired++, 1000);
      vi.advanceTimersByTime(600);
      const release = timer.hold();
      const second = timer.hold();
      vi.advanceTimersByTime(10_000);
      release();
      release();
      vi.advanceTimersByTime(10_000);
      expect(fired).toBe(0);
      second();
      vi.advanceTimersByTime(399);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(1);
      expect(fired).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
