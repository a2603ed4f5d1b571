/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {
  BasePlugin,
  FunctionTool,
  InMemorySessionService,
  InvocationContext,
  PluginManager,
  type BaseTool,
  type Context,
} from '@google/adk';
import v8 from 'node:v8';
import {runInNewContext} from 'node:vm';

import {describe, expect, it} from 'vitest';
import {z} from 'zod';

import {ToolBridge, type ToolBridgeOptions} from '../../src/tools/tool_bridge.js';

const add = new FunctionTool({
  name: 'add',
  description: 'Add two integers.',
  parameters: z.object({a: z.number().int(), b: z.number().int()}),
  execute: async ({a, b}) => {
    await new Promise((resolve) => setTimeout(resolve, 5 * ((a * 7) % 5)));
    return a + b;
  },
});

const remember = new FunctionTool({
  name: 'remember',
  description: 'Store a note in session state.',
  parameters: z.object({note: z.string()}),
  execute: ({note}, context?: Context) => {
    context!.state.set('note', note);
    return {stored: true};
  },
});

const explode = new FunctionTool({
  name: 'explode',
  description: 'Always fails.',
  execute: () => {
    throw new Error('disk on fire');
  },
});

const huge = new FunctionTool({name: 'huge', description: 'Big.', execute: () => 'x'.repeat(2000)});
const bigint = new FunctionTool({
  name: 'bigint',
  description: 'Not JSON.',
  execute: () => ({n: 10n}),
});

async function bridge(
  tools: BaseTool[],
  plugins: BasePlugin[] = [],
  extra: Partial<ToolBridgeOptions> = {},
): Promise<ToolBridge> {
  const sessionService = new InMemorySessionService();
  const session = await sessionService.createSession({appName: 'app', userId: 'u'});
  const invocationContext = new InvocationContext({
    invocationId: 'inv-1',
    session,
    sessionService,
    pluginManager: new PluginManager(plugins),
  });
  return new ToolBridge({invocationContext, tools, ...extra});
}

describe('ToolBridge', () => {
  it('runs a tool and returns its raw value', async () => {
    const b = await bridge([add]);
    expect(await b.handle({callId: 'c1', name: 'add', args: {a: 2, b: 3}})).toEqual({
      ok: true,
      value: 5,
    });
    const [record] = b.takeCalls();
    expect(record).toMatchObject({name: 'add', ok: true, argsPreview: 'a=2, b=3'});
    expect(record.functionCallId).toMatch(/^adk-/);
  });

  it('keeps a bounded summary of calls that ran and only a count of refused ones', async () => {
    const b = await bridge([remember, add], [], {maxArgsBytes: 1000, maxCalls: 4});
    await b.handle({callId: 'c1', name: 'remember', args: {note: 'n'.repeat(900)}});
    await b.handle({callId: 'c2', name: 'remember', args: {note: 'n'.repeat(5000)}});
    await b.handle({callId: 'c3', name: 'missing', args: {x: 1}});
    await b.handle({callId: 'c4', name: 'add', args: {a: 'one', b: 2}});
    await b.handle({callId: 'c5', name: 'add', args: {a: 1, b: 2}});
    await b.handle({callId: 'c6', name: 'add', args: {a: 1, b: 2}});
    const records = b.takeCalls();
    expect(records.map((r) => r.name)).toEqual(['remember', 'add']);
    expect(records[0].argsPreview).toBe(`note=${JSON.stringify('n'.repeat(60))}`);
    // Too big, unknown tool, invalid arguments, past maxCalls (the unknown tool is not counted).
    expect(b.rejectedCalls).toBe(4);
  });

  it('retains no arguments of refused calls, nor of calls that ran', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const b = await bridge([remember], [], {maxArgsBytes: 1024 * 1024});
    const refs: Array<WeakRef<object>> = [];
    const call = async (name: string, size: number) => {
      const args = {note: 'a'.repeat(size) + String(refs.length)};
      refs.push(new WeakRef(args));
      await b.handle({callId: `c${refs.length}`, name, args});
    };
    await call('remember', 2 * 1024 * 1024); // over maxArgsBytes
    await call('nope', 2 * 1024 * 1024); // unknown tool
    await call('remember', 1000); // runs: the record keeps a preview
    for (let i = 0; i < 3 && refs.some((ref) => ref.deref()); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(refs.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
    expect(b.takeCalls()).toHaveLength(1);
  });

  it('merges state changes made through the tool Context', async () => {
    const b = await bridge([remember]);
    await b.handle({callId: 'c1', name: 'remember', args: {note: 'hello'}});
    expect(b.takeActions().stateDelta).toEqual({note: 'hello'});
    expect(b.takeActions().stateDelta).toEqual({});
  });

  it.each([
    [{a: 1}, "add() missing required argument 'b'"],
    [{a: 1, b: 2, c: 3}, "add() got an unexpected keyword argument 'c'"],
    [{a: 'one', b: 2}, "add() argument 'a' must be integer"],
    [{a: 1.5, b: 2}, "add() argument 'a' must be integer"],
  ])('rejects bad arguments %j with a TypeError', async (args, message) => {
    const b = await bridge([add]);
    expect(await b.handle({callId: 'c', name: 'add', args})).toEqual({
      ok: false,
      errorType: 'TypeError',
      message,
    });
  });

  it('turns a thrown error into a ToolError with the message', async () => {
    const b = await bridge([explode]);
    const outcome = await b.handle({callId: 'c', name: 'explode', args: {}});
    expect(outcome).toMatchObject({ok: false, errorType: 'ToolError'});
    expect(outcome.ok === false && outcome.message).toContain('disk on fire');
  });

  it('names the available tools for an unknown one', async () => {
    const b = await bridge([add, remember]);
    expect(await b.handle({callId: 'c', name: 'nope', args: {}})).toEqual({
      ok: false,
      errorType: 'ToolError',
      message: 'no tool named nope (tools: add, remember)',
    });
  });

  it('honours plugin before-tool short-circuits and after-tool replacements', async () => {
    const seen: string[] = [];
    class Gate extends BasePlugin {
      constructor() {
        super('gate');
      }
      override async beforeToolCallback({
        toolArgs,
      }: {
        tool: BaseTool;
        toolArgs: Record<string, unknown>;
        toolContext: Context;
      }) {
        seen.push(`before:${JSON.stringify(toolArgs)}`);
        return toolArgs.a === 0 ? {blocked: true} : undefined;
      }
      override async afterToolCallback({
        result,
      }: {
        tool: BaseTool;
        toolArgs: Record<string, unknown>;
        toolContext: Context;
        result: Record<string, unknown>;
      }) {
        seen.push(`after:${JSON.stringify(result)}`);
        return result.result === 4 ? {result: 'four'} : undefined;
      }
    }
    const b = await bridge([add], [new Gate()]);
    expect(await b.handle({callId: 'c', name: 'add', args: {a: 0, b: 1}})).toEqual({
      ok: true,
      value: {blocked: true},
    });
    expect(await b.handle({callId: 'c', name: 'add', args: {a: 2, b: 2}})).toEqual({
      ok: true,
      value: {result: 'four'},
    });
    expect(await b.handle({callId: 'c', name: 'add', args: {a: 2, b: 3}})).toEqual({
      ok: true,
      value: 5,
    });
    expect(seen[0]).toBe('before:{"a":0,"b":1}');
    expect(seen).toContain('after:{"result":4}');
  });

  it('runs agent callbacks after plugin ones', async () => {
    const b = await bridge([add], [], {
      beforeToolCallbacks: [({args}) => (args.a === 9 ? {result: 'nine'} : undefined)],
      afterToolCallbacks: [({response}) => ({wrapped: response})],
    });
    expect(await b.handle({callId: 'c', name: 'add', args: {a: 9, b: 0}})).toEqual({
      ok: true,
      value: {wrapped: {result: 'nine'}},
    });
  });

  it('refuses results that are not JSON or too large', async () => {
    const b = await bridge([huge, bigint], [], {maxResultBytes: 1000});
    const big = await b.handle({callId: 'c', name: 'huge', args: {}});
    expect(big.ok === false && big.message).toMatch(
      /huge returned 2002 bytes of JSON, over the 1000-byte limit/,
    );
    const notJson = await b.handle({callId: 'c', name: 'bigint', args: {}});
    expect(notJson.ok === false && notJson.message).toMatch(
      /bigint returned a value that is not JSON/,
    );
  });

  it('answers 8 concurrent calls each with its own value', async () => {
    const b = await bridge([add]);
    const outcomes = await Promise.all(
      Array.from({length: 8}, (_, i) =>
        b.handle({callId: `c${i}`, name: 'add', args: {a: i, b: 100}}),
      ),
    );
    expect(outcomes.map((o) => (o.ok ? o.value : o.message))).toEqual([
      100, 101, 102, 103, 104, 105, 106, 107,
    ]);
    expect(new Set(b.takeCalls().map((c) => c.functionCallId)).size).toBe(8);
  });

  it('enforces the per-run call limit', async () => {
    const b = await bridge([add], [], {maxCalls: 2});
    await b.handle({callId: 'c1', name: 'add', args: {a: 1, b: 1}});
    await b.handle({callId: 'c2', name: 'add', args: {a: 1, b: 1}});
    const third = await b.handle({callId: 'c3', name: 'add', args: {a: 1, b: 1}});
    expect(third.ok === false && third.message).toBe('tool call limit reached (2 per run)');
  });

  it('answers a call whose tool does not settle in timeoutMs with a ToolError, and drops its late effects', async () => {
    let finish!: () => void;
    const stuck = new FunctionTool({
      name: 'stuck',
      description: 'Answers when told to.',
      parameters: z.object({n: z.number()}),
      execute: async (_args, context?: Context) => {
        await new Promise<void>((resolve) => (finish = resolve));
        context!.state.set('late', true);
        throw new Error('too late');
      },
    });
    const b = await bridge([stuck, remember], [], {timeoutMs: 100});
    const started = Date.now();
    const outcome = await b.handle({callId: 'c1', name: 'stuck', args: {n: 1}});
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(outcome).toEqual({
      ok: false,
      errorType: 'ToolError',
      message:
        'stuck(n=1) did not answer within 0.1 s and was abandoned (the time limit of one tool call); the snippet goes on',
    });
    expect(b.callsInFlight).toBe(0);
    finish();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The late state change and error went nowhere; the bridge still works.
    expect(b.takeActions().stateDelta).toEqual({});
    expect(await b.handle({callId: 'c2', name: 'remember', args: {note: 'n'}})).toEqual({
      ok: true,
      value: {stored: true},
    });
    expect(b.takeCalls().map((c) => [c.name, c.ok])).toEqual([
      ['stuck', false],
      ['remember', true],
    ]);
  });

  it('refuses calls beyond maxConcurrentCalls at once instead of queueing them', async () => {
    const b = await bridge([add], [], {maxConcurrentCalls: 2});
    // Started in one tick, each add sleeping 5-15 ms: the first two are running when the third comes.
    const calls = [1, 3, 4].map((a, i) =>
      b.handle({callId: `c${i}`, name: 'add', args: {a, b: 0}}),
    );
    const outcomes = await Promise.all(calls);
    expect(outcomes.slice(0, 2)).toEqual([
      {ok: true, value: 1},
      {ok: true, value: 3},
    ]);
    expect(outcomes[2]).toEqual({
      ok: false,
      errorType: 'ToolError',
      message:
        'add: too many tool calls at once (2 already running, the limit per run); wait for some to finish, e.g. use fewer threads',
    });
    // Once they finished, calls are accepted again.
    expect(await b.handle({callId: 'c9', name: 'add', args: {a: 4, b: 0}})).toEqual({
      ok: true,
      value: 4,
    });
  });

  it('refuses arguments over maxArgsBytes before running the tool', async () => {
    const b = await bridge([remember], [], {maxArgsBytes: 100});
    const outcome = await b.handle({callId: 'c', name: 'remember', args: {note: 'x'.repeat(200)}});
    expect(outcome).toEqual({
      ok: false,
      errorType: 'ToolError',
      message:
        'remember() arguments are 211 bytes of JSON, over the 100-byte limit of one tool call; pass less data per call',
    });
    expect(b.takeActions().stateDelta).toEqual({});
  });

  it('close() answers waiting calls at once and refuses later ones', async () => {
    const never = new FunctionTool({
      name: 'never',
      description: 'Never answers.',
      execute: () => new Promise<never>(() => {}),
    });
    const b = await bridge([never], [], {timeoutMs: Infinity});
    const waiting = b.handle({callId: 'c1', name: 'never', args: {}});
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(b.callsInFlight).toBe(1);
    b.close();
    expect(await waiting).toEqual({
      ok: false,
      errorType: 'ToolError',
      message: 'never: the run ended before the tool answered',
    });
    expect(await b.handle({callId: 'c2', name: 'never', args: {}})).toMatchObject({
      ok: false,
      message: 'never: the run has ended; tools cannot be called',
    });
  });

  it('rejects a timeout setTimeout cannot honour', async () => {
    await expect(bridge([add], [], {timeoutMs: 2 ** 31})).rejects.toThrow(/timeoutMs must be/);
    await expect(bridge([add], [], {timeoutMs: 0})).rejects.toThrow(/timeoutMs must be/);
  });
});
