#!/usr/bin/env node
/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {InMemoryRunner, type BaseLlm} from '@google/adk';
import {Command, InvalidArgumentError, Option} from 'commander';

import {CodingAgent, DEFAULT_MODEL} from '../agents/coding_agent.js';
import {BubblewrapCodeExecutor} from '../code_executors/bubblewrap_code_executor.js';
import type {CodeExecutor} from '../code_executors/sandbox.js';
import {UnsafeLocalCodeExecutor} from '../code_executors/unsafe_local_code_executor.js';
import {ScriptedLlm} from '../models/scripted_llm.js';
import {DEFAULT_SAFE_IMPORTS} from '../security/import_policy.js';
import {fetchCsvTool} from '../tools/fetch_csv_tool.js';
import {ConsoleDisplay, JsonDisplay, type RunDisplay} from './display.js';
import {TITANIC_SCRIPT, TITANIC_TASK, serveFile, titanicCsvPath} from './titanic_demo.js';

/** Data-science modules the CLI allows on top of the safe standard library. */
const CLI_IMPORTS = [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy', 'matplotlib'];

/** An error whose message is the whole story: printed as one line, exit code 2. */
class UsageError extends Error {}

function hasGeminiKey(): boolean {
  return Boolean(
    process.env.GOOGLE_GENAI_API_KEY ||
    process.env.GOOGLE_API_KEY ||
    process.env.GEMINI_API_KEY ||
    process.env.GOOGLE_GENAI_USE_VERTEXAI,
  );
}

function makeExecutor(sandbox: string): CodeExecutor {
  return sandbox === 'local' ? new UnsafeLocalCodeExecutor() : new BubblewrapCodeExecutor();
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

interface RunOptions {
  sandbox: string;
  maxIterations: number;
  json?: boolean;
}

async function runAgent(
  model: string | BaseLlm,
  modelLabel: string,
  task: string,
  options: RunOptions,
): Promise<void> {
  const executor = makeExecutor(options.sandbox);
  const agent = new CodingAgent({
    name: 'coding_agent',
    model,
    instruction: 'You are a careful data analyst. Answer with numbers you computed.',
    tools: [fetchCsvTool],
    codeExecutor: executor,
    authorizedImports: CLI_IMPORTS,
    maxIterations: options.maxIterations,
  });
  const runner = new InMemoryRunner({agent, appName: 'coding-agent-cli'});
  const session = await runner.sessionService.createSession({
    appName: 'coding-agent-cli',
    userId: 'cli',
  });
  const display: RunDisplay = options.json ? new JsonDisplay() : new ConsoleDisplay(modelLabel);
  display.start();
  try {
    for await (const event of runner.runAsync({
      userId: 'cli',
      sessionId: session.id,
      newMessage: {role: 'user', parts: [{text: task}]},
    })) {
      display.event(event);
      if (event.errorCode) process.exitCode = 1;
    }
  } finally {
    display.stop();
    await executor.dispose();
  }
}

const program = new Command()
  .name('coding-agent')
  .description('An ADK agent that answers by writing and running Python in a sandbox.')
  .showHelpAfterError();

const sandboxOption = () =>
  new Option('--sandbox <backend>', 'where code runs').choices(['bwrap', 'local']).default('bwrap');

program
  .command('run')
  .description('Run one task with a live model.')
  .argument('<task...>', 'what to do, in words')
  .option('--model <name>', 'model name (ADK registry)', DEFAULT_MODEL)
  .addOption(sandboxOption())
  .option('--max-iterations <n>', 'code steps before asking for an answer', positiveInt, 10)
  .option('--json', 'print each ADK event as a JSON line')
  .action(async (words: string[], options: RunOptions & {model: string}) => {
    if (options.model.startsWith('gemini') && !hasGeminiKey()) {
      throw new UsageError(
        'No Gemini credentials: set GOOGLE_API_KEY or GEMINI_API_KEY (or GOOGLE_GENAI_USE_VERTEXAI with a project).',
      );
    }
    await runAgent(options.model, options.model, words.join(' '), options);
  });

program
  .command('demo')
  .description(
    'Titanic survival analysis: Gemini when an API key is set, otherwise a scripted model.',
  )
  .addOption(sandboxOption())
  .option('--max-iterations <n>', 'code steps before asking for an answer', positiveInt, 10)
  .option('--json', 'print each ADK event as a JSON line')
  .action(async (options: RunOptions) => {
    const {server, url} = await serveFile(titanicCsvPath(), 'titanic.csv');
    try {
      const task = TITANIC_TASK.replace('{url}', url);
      if (hasGeminiKey()) {
        await runAgent(DEFAULT_MODEL, DEFAULT_MODEL, task, options);
        return;
      }
      console.log(
        'No GOOGLE_API_KEY or GEMINI_API_KEY set: running the demo with a SCRIPTED model (recorded replies, not a live model); the sandbox, the tool call and the numbers are real.',
      );
      if (!options.json) console.log(`\nTask: ${task}`);
      const model = new ScriptedLlm({
        responses: TITANIC_SCRIPT.map((r) => r.replace('{url}', url)),
      });
      await runAgent(model, 'scripted model', task, options);
    } finally {
      server.close();
    }
  });

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`coding-agent: ${message.split('\n')[0]}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
