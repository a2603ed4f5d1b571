/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The CodingAgent among other ADK agents, with real Runners, scripted models and a real local
 * kernel: actions set by tools called from code (`transferToAgent`, `skipSummarization`,
 * `escalate`) act as they do for `LlmAgent`; a parent `LlmAgent`'s requests carry no chart bytes;
 * other agents' replies are context; instruction templates, and plugins' tool selection.
 */

import {
  BasePlugin,
  Context,
  EXIT_LOOP,
  FunctionTool,
  InMemoryRunner,
  LlmAgent,
  LoopAgent,
  type BaseAgent,
  type BaseTool,
  type Event,
  type LlmRequest,
  type LlmResponse,
} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';

import {
  CodingAgent,
  DEFAULT_SAFE_IMPORTS,
  ScriptedLlm,
  type CodeExecutor,
} from '../../src/index.js';
import {
  assertOnlyLastIsFinal,
  finalText,
  requestText,
  startSession,
} from '../helpers/agent_harness.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const local = sandboxBackends().find((b) => b.name === 'local')!;

const py = (lines: string[]) => '```python\n' + lines.join('\n') + '\n```';

/** A scripted reply that calls ADK's transfer tool, as a routing LlmAgent's model would. */
function transferReply(agentName: string): LlmResponse {
  return {
    content: {
      role: 'model',
      parts: [{functionCall: {id: 'tr-1', name: 'transfer_to_agent', args: {agentName}}}],
    },
  };
}

/** Characters of a request's conversation (what grows when events carry bytes). */
function contentChars(request: LlmRequest): number {
  return JSON.stringify(request.contents).length;
}

/** Runs one turn of `runner`'s session and checks that only its last event is final. */
async function turn(runner: InMemoryRunner, sessionId: string, text: string): Promise<Event[]> {
  const events: Event[] = [];
  for await (const event of runner.runAsync({
    userId: 'tester',
    sessionId,
    newMessage: {role: 'user', parts: [{text}]},
  })) {
    events.push(event);
  }
  assertOnlyLastIsFinal(events);
  return events;
}

async function session(agent: BaseAgent, state?: Record<string, unknown>, plugins?: BasePlugin[]) {
  const runner = new InMemoryRunner({agent, appName: 'multi', plugins});
  const created = await runner.sessionService.createSession({
    appName: 'multi',
    userId: 'tester',
    state,
  });
  return {runner, turn: (text: string) => turn(runner, created.id, text)};
}

describe('CodingAgent among ADK agents (local kernel)', () => {
  let executor: CodeExecutor;
  beforeAll(() => {
    executor = local.create();
  });
  afterAll(async () => {
    await executor?.dispose();
  });

  it('runs the agent a tool called from code transferred to, as LlmAgent does', async () => {
    const handOver = new FunctionTool({
      name: 'hand_over',
      description: 'Hand the conversation to the billing agent.',
      parameters: z.object({reason: z.string()}),
      execute: (_args, context?: Context) => {
        context!.actions.transferToAgent = 'billing';
        return 'handed over';
      },
    });
    const coderModel = new ScriptedLlm({
      responses: [py(['print(hand_over(reason="refund"))', 'x = 1'])],
    });
    const billingModel = new ScriptedLlm({responses: ['Billing here: your refund is on its way.']});
    const coder = new CodingAgent({
      name: 'coder',
      model: coderModel,
      tools: [handOver],
      codeExecutor: executor,
    });
    const billing = new LlmAgent({name: 'billing', model: billingModel});
    const root = new LlmAgent({
      name: 'router',
      model: new ScriptedLlm({responses: [transferReply('coder')]}),
      subAgents: [coder, billing],
    });
    const {turn} = await session(root);
    const events = await turn('I want a refund.');

    const step = events.find((e) => e.author === 'coder' && e.actions.transferToAgent);
    expect(step?.actions.transferToAgent).toBe('billing');
    expect(events.at(-1)!.author).toBe('billing');
    expect(finalText(events)).toBe('Billing here: your refund is on its way.');
    // The coder was not asked for another step after the transfer.
    expect(coderModel.requests).toHaveLength(1);
    expect(billingModel.requests).toHaveLength(1);
  });

  it('ends with the result of a tool that skips summarization, without asking the model again', async () => {
    const lookUp = new FunctionTool({
      name: 'look_up_order',
      description: 'The status of an order, shown to the user as is.',
      parameters: z.object({order: z.string()}),
      execute: ({order}, context?: Context) => {
        context!.actions.skipSummarization = true;
        return {order, status: 'shipped'};
      },
    });
    const model = new ScriptedLlm({responses: [py(['status = look_up_order(order="A-7")'])]});
    const agent = new CodingAgent({
      name: 'orders',
      model,
      tools: [lookUp],
      codeExecutor: executor,
      outputKey: 'order_status',
    });
    const s = await startSession(agent);
    const events = await s.turn('Where is order A-7?');

    expect(model.requests).toHaveLength(1);
    expect(JSON.parse(finalText(events))).toEqual({order: 'A-7', status: 'shipped'});
    expect(events.at(-1)!.customMetadata?.codingAgent).toMatchObject({stopReason: 'tool_result'});
    expect((await s.state()).order_status).toEqual({order: 'A-7', status: 'shipped'});
  });

  it('stops its LoopAgent when code calls exit_loop (escalate)', async () => {
    const model = new ScriptedLlm({
      responses: [py(['n = 3', 'print("done")', 'exit_loop()'])],
    });
    const worker = new CodingAgent({
      name: 'worker',
      model,
      tools: [EXIT_LOOP],
      codeExecutor: executor,
    });
    const loop = new LoopAgent({name: 'loop', subAgents: [worker], maxIterations: 5});
    const {turn} = await session(loop);
    const events = await turn('Work until done.');

    expect(events.some((e) => e.author === 'worker' && e.actions.escalate)).toBe(true);
    // Without the escalation the loop would run the worker five times.
    expect(model.requests).toHaveLength(1);
  });

  it('leaves no chart bytes in the parent LlmAgent’s next request, and reads the parent’s replies', async () => {
    const coderModel = new ScriptedLlm({
      responses: [
        py([
          'import matplotlib.pyplot as plt',
          'plt.bar(["a", "b"], [3, 5])',
          'plt.title("sales")',
          'final_answer("Chart drawn: b sold most.")',
        ]),
      ],
    });
    const rootModel = new ScriptedLlm({
      responses: ['Paris is the capital of France.', transferReply('coder'), 'Anything else?'],
    });
    const coder = new CodingAgent({
      name: 'coder',
      model: coderModel,
      codeExecutor: executor,
      authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'matplotlib'],
    });
    const root = new LlmAgent({name: 'router', model: rootModel, subAgents: [coder]});
    const {turn} = await session(root);

    await turn('What is the capital of France?');
    const second = await turn('Chart the sales.');
    const charted = second.find((e) => Object.keys(e.actions.artifactDelta ?? {}).length > 0);
    expect(charted, 'the chart is saved as an artifact').toBeDefined();
    // The CodingAgent's history had the router's earlier reply as context.
    expect(requestText(coderModel.requests[0])).toContain(
      '[router] said: Paris is the capital of France.',
    );

    await turn('Thanks.');
    const after = rootModel.requests[2];
    const chars = contentChars(after);
    console.log(`parent LlmAgent request after a chart: ${chars} characters of contents`);
    expect(JSON.stringify(after.contents)).not.toContain('iVBORw0KGgo'); // a PNG in base64
    expect(chars).toBeLessThan(4000);
  });

  it('renders {key} templates of its instruction from session state', async () => {
    const model = new ScriptedLlm({responses: ['Done.']});
    const agent = new CodingAgent({
      name: 'grouper',
      model,
      instruction: 'Group by the column {column}; note: {missing?}.',
      codeExecutor: executor,
    });
    const {turn} = await session(agent, {column: 'Sex'});
    await turn('Group the passengers.');
    const system = JSON.stringify(model.requests[0].config?.systemInstruction);
    expect(system).toContain('Group by the column Sex; note: .');
    expect(system).not.toContain('{column}');
  });

  it('lets a plugin’s beforeToolSelection narrow the tools code can call', async () => {
    const tool = (name: string) =>
      new FunctionTool({
        name,
        description: `The ${name} tool.`,
        parameters: z.object({}),
        execute: () => `${name} ran`,
      });
    class OnlySafe extends BasePlugin {
      constructor() {
        super('only_safe');
      }
      override async beforeToolSelection(params: {
        tools: Readonly<Record<string, BaseTool>>;
      }): Promise<Readonly<Record<string, BaseTool>> | undefined> {
        return Object.fromEntries(Object.entries(params.tools).filter(([name]) => name !== 'wipe'));
      }
    }
    const model = new ScriptedLlm({
      responses: [
        py([
          'print(read_notes())',
          'try:',
          '    wipe()',
          'except NameError as e:',
          '    print("NameError:", e)',
        ]),
        'Done.',
      ],
    });
    const agent = new CodingAgent({
      name: 'careful',
      model,
      tools: [tool('read_notes'), tool('wipe')],
      codeExecutor: executor,
    });
    const {turn} = await session(agent, undefined, [new OnlySafe()]);
    await turn('Read the notes.');
    const system = JSON.stringify(model.requests[0].config?.systemInstruction);
    expect(system).toContain('read_notes');
    expect(system).not.toContain('wipe');
    const observation = requestText(model.requests[1]);
    expect(observation).toContain('read_notes ran');
    expect(observation).toContain("NameError: name 'wipe' is not defined");
  });
});
