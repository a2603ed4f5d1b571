#!/usr/bin/env node
/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {connect} from 'node:net';

import {
  InMemoryRunner,
  LLMRegistry,
  LogLevel,
  StreamingMode,
  setLogger,
  type BaseLlm,
} from '@google/adk';
import {Command, InvalidArgumentError, Option} from 'commander';
import ora from 'ora';

import {CodingAgent, DEFAULT_MODEL} from '../agents/coding_agent.js';
import {BubblewrapCodeExecutor} from '../code_executors/bubblewrap/bubblewrap_code_executor.js';
import {
  ContainerCodeExecutor,
  DEFAULT_CONTAINER_IMAGE,
} from '../code_executors/docker/container_code_executor.js';
import {buildDefaultImage} from '../code_executors/docker/container_image.js';
import type {CodeExecutor} from '../code_executors/sandbox.js';
import {UnsandboxedCodeExecutor} from '../code_executors/unsandboxed_code_executor.js';
import {AnthropicLlm} from '../models/anthropic_llm.js';
import {OpenAILlm} from '../models/openai_llm.js';
import {ScriptedLlm} from '../models/scripted_llm.js';
import {DATA_SCIENCE_IMPORTS} from '../security/import_policy.js';
import {fetchCsvTool} from '../tools/fetch_csv_tool.js';
import {ConsoleDisplay, JsonDisplay, StderrLogger, printable, type RunDisplay} from './display.js';
import {registerEvalCommand} from './eval_command.js';
import {TITANIC_SCRIPT, TITANIC_TASK, serveFile, titanicCsvPath} from './titanic_demo.js';

/** The CLI's agent may import the safe standard library and the sandbox's data toolbox. */
const CLI_IMPORTS = DATA_SCIENCE_IMPORTS;

/** An error whose message is the whole story: printed as one line, exit code 2. */
class UsageError extends Error {}

/** `--log-level` choices: ADK's log levels by name. */
const LOG_LEVELS = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

// ADK's default logger writes to stdout (it would break --json) at INFO; the CLI's goes to stderr.
const adkLogger = new StderrLogger(LogLevel.WARN);
setLogger(adkLogger);

function hasGeminiKey(): boolean {
  return Boolean(
    process.env.GOOGLE_GENAI_API_KEY ||
    process.env.GOOGLE_API_KEY ||
    process.env.GEMINI_API_KEY ||
    process.env.GOOGLE_GENAI_USE_VERTEXAI,
  );
}

async function makeExecutor(options: RunOptions): Promise<CodeExecutor> {
  if (options.sandbox === 'unsandboxed') return new UnsandboxedCodeExecutor();
  if (options.sandbox === 'docker') {
    const executor = new ContainerCodeExecutor({image: options.image});
    const check = await executor.isAvailable();
    if (!check.available) throw new UsageError(check.reason);
    return executor;
  }
  if (options.image) throw new UsageError('--image applies only to --sandbox docker');
  return new BubblewrapCodeExecutor();
}

/**
 * The model named on the command line, built now so that a missing key, an unknown name or an
 * address that does not answer is one line before anything runs.
 */
async function liveModel(name: string): Promise<BaseLlm> {
  let model: BaseLlm;
  try {
    model = LLMRegistry.newLlm(name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (model instanceof OpenAILlm || model instanceof AnthropicLlm) {
    const problem = await unreachable(model.baseUrl);
    if (problem) {
      const variable =
        model instanceof AnthropicLlm
          ? 'ANTHROPIC_BASE_URL'
          : name.startsWith('ollama/')
            ? 'OLLAMA_HOST'
            : 'OPENAI_BASE_URL';
      throw new UsageError(
        `Cannot reach ${model.baseUrl} for ${name} (${problem}); is the server running? (set ${variable})`,
      );
    }
  }
  return model;
}

/**
 * The model named on the command line once its credentials (Gemini) or its server (the other
 * prefixes) were checked: a missing key or an address that does not answer is one line.
 */
async function checkedModel(name: string): Promise<string | BaseLlm> {
  if (!name.startsWith('gemini')) return liveModel(name);
  if (!hasGeminiKey()) {
    throw new UsageError(
      'No Gemini credentials: set GOOGLE_API_KEY or GEMINI_API_KEY (or GOOGLE_GENAI_USE_VERTEXAI with a project).',
    );
  }
  return name;
}

/** Why a TCP connection to the URL's host and port fails within 5 s, or undefined when it opens. */
function unreachable(url: string): Promise<string | undefined> {
  const {hostname, port, protocol} = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port) || (protocol === 'https:' ? 443 : 80),
    });
    const done = (problem?: string) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(5000, () => done('no answer within 5 s'));
    socket.once('connect', () => done());
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

interface RunOptions {
  sandbox: string;
  image?: string;
  maxIterations: number;
  json?: boolean;
  logLevel: keyof typeof LOG_LEVELS;
}

async function runAgent(
  model: string | BaseLlm,
  modelLabel: string,
  task: string,
  options: RunOptions,
): Promise<void> {
  adkLogger.setLogLevel(LOG_LEVELS[options.logLevel]);
  const executor = await makeExecutor(options);
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
      // Live model text and snippet output (partial events), as adk web's streaming shows them.
      runConfig: {streamingMode: StreamingMode.SSE},
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
  new Option('--sandbox <backend>', 'where code runs')
    .choices(['bubblewrap', 'docker', 'unsandboxed'])
    .default('bubblewrap');
const imageOption = () =>
  new Option('--image <name>', `image for --sandbox docker (default ${DEFAULT_CONTAINER_IMAGE})`);
const logLevelOption = () =>
  new Option('--log-level <level>', "ADK's log lines shown on stderr, from this level up")
    .choices(Object.keys(LOG_LEVELS))
    .default('warn');

program
  .command('run')
  .description('Run one task with a live model.')
  .argument('<task...>', 'what to do, in words')
  .option(
    '--model <name>',
    'gemini-…, openai/<model>, ollama/<model> or anthropic/<model> (ADK registry)',
    DEFAULT_MODEL,
  )
  .addOption(sandboxOption())
  .addOption(imageOption())
  .option('--max-iterations <n>', 'code steps before asking for an answer', positiveInt, 10)
  .option('--json', 'print only JSON lines on stdout, one per ADK event')
  .addOption(logLevelOption())
  .action(async (words: string[], options: RunOptions & {model: string}) => {
    await runAgent(await checkedModel(options.model), options.model, words.join(' '), options);
  });

program
  .command('demo')
  .description(
    'Titanic survival analysis: Gemini when an API key is set, otherwise a scripted model.',
  )
  .addOption(sandboxOption())
  .addOption(imageOption())
  .option('--max-iterations <n>', 'code steps before asking for an answer', positiveInt, 10)
  .option('--json', 'print only JSON lines on stdout, one per ADK event')
  .addOption(logLevelOption())
  .action(async (options: RunOptions) => {
    const {server, url} = await serveFile(titanicCsvPath(), 'titanic.csv');
    try {
      const task = TITANIC_TASK.replace('{url}', url);
      if (hasGeminiKey()) {
        await runAgent(DEFAULT_MODEL, DEFAULT_MODEL, task, options);
        return;
      }
      // With --json, stdout carries only events.
      (options.json ? console.error : console.log)(
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

const image = program.command('image').description('The Docker image of --sandbox docker.');
image
  .command('build')
  .description(
    'Build the default image offline from Debian packages (mmdebstrap, then docker import).',
  )
  .option('--tag <name>', 'image name', DEFAULT_CONTAINER_IMAGE)
  .option('--mirror <url>', 'Debian mirror', 'http://deb.debian.org/debian')
  .option('--force', 'rebuild even when the image exists')
  .option(
    '--package <name...>',
    'Debian packages to add to the default list (e.g. python3-polars); give a --tag of your own',
  )
  .action(async (options: {tag: string; mirror: string; force?: boolean; package?: string[]}) => {
    const spinner = ora({text: `Building ${options.tag}`, isEnabled: process.stderr.isTTY}).start();
    try {
      const result = await buildDefaultImage({
        tag: options.tag,
        mirror: options.mirror,
        force: options.force,
        extraPackages: options.package,
        onProgress: (line) => {
          if (line.startsWith('I:') || line.startsWith('importing')) spinner.text = printable(line);
        },
      });
      const size = `${Math.round(result.sizeBytes / 1024 ** 2)} MB`;
      spinner.succeed(
        result.built
          ? `Built ${result.image} (${size}) in ${Math.round(result.durationMs / 1000)} s`
          : `${result.image} already exists (${size}); --force rebuilds it`,
      );
    } catch (error) {
      spinner.fail('Image build failed');
      throw error;
    }
  });

registerEvalCommand(program, {
  defaultModel: DEFAULT_MODEL,
  sandboxOption,
  imageOption,
  logLevelOption,
  positiveInt,
  makeExecutor,
  setLogLevel: (level) => adkLogger.setLogLevel(LOG_LEVELS[level]),
  checkCredentials: async (model) => {
    await checkedModel(model);
  },
  usageError: (message) => new UsageError(message),
});

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`coding-agent: ${printable(message)}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
