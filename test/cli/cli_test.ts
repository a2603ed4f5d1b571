/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawn, spawnSync} from 'node:child_process';
import {createServer} from 'node:net';
import {fileURLToPath} from 'node:url';

import {describe, expect, it} from 'vitest';

import {sandboxBackends} from '../helpers/sandboxes.js';
import {startChatCompletionsServer} from '../models/chat_completions_server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

const MODEL_VARIABLES = [
  'GOOGLE_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_GENAI_API_KEY',
  'GOOGLE_GENAI_USE_VERTEXAI',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OLLAMA_HOST',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
];

/** This environment without any model credentials or addresses, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = {...process.env};
  for (const key of MODEL_VARIABLES) delete env[key];
  return {...env, ...extra};
}

/** Runs the real CLI from source with no model credentials in its environment. */
function cli(...args: string[]) {
  return spawnSync(tsx, ['src/cli/main.ts', ...args], {
    cwd: root,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** The CLI run without blocking this process (which may be serving its model). */
function cliAsync(env: Record<string, string>, ...args: string[]) {
  return new Promise<{status: number | null; stdout: string; stderr: string}>((resolve) => {
    const child = spawn(tsx, ['src/cli/main.ts', ...args], {cwd: root, env: cleanEnv(env)});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({status, stdout, stderr}));
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe('coding-agent CLI', () => {
  it.skipIf(bwrap.skipReason !== undefined)(
    'runs the Titanic demo with the scripted model in bubblewrap, labelled as scripted',
    () => {
      const result = cli('demo');
      expect(result.stderr).not.toMatch(/coding-agent:/);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^No GOOGLE_API_KEY or GEMINI_API_KEY set: .*SCRIPTED model/m);
      expect(result.stdout).toContain('fetch_csv(url=');
      expect(result.stdout).toContain('(891, 12)');
      expect(result.stdout).toContain('38.38% of the 891 passengers survived (342 people).');
      expect(result.stdout).toContain('1st 62.96%, 2nd 47.28%, 3rd 24.24%');
    },
  );

  it('prints every event as JSON with --json', () => {
    const result = cli('demo', '--json', '--sandbox', 'local');
    expect(result.status).toBe(0);
    const events = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(
      events.some((e) =>
        e.content?.parts?.some((p: {executableCode?: unknown}) => p.executableCode),
      ),
    ).toBe(true);
    expect(events.at(-1).content.parts[0].text).toContain('38.38%');
  });

  it('refuses to run a live model without credentials, in one line', () => {
    const result = cli('run', 'What is 2+2?');
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('No Gemini credentials: set GOOGLE_API_KEY or GEMINI_API_KEY');
  });

  it('rejects a bad option with a clear message and a non-zero exit', () => {
    const result = cli('run', '--sandbox', 'nowhere', 'task');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("argument 'nowhere' is invalid");
    const iterations = cli('demo', '--max-iterations', 'zero');
    expect(iterations.status).not.toBe(0);
    expect(iterations.stderr).toContain('expected a positive integer');
  });

  it('runs --model ollama/qwen2.5-coder:7b against the Ollama at OLLAMA_HOST', async () => {
    const ollama = await startChatCompletionsServer({flavour: 'ollama'});
    try {
      ollama.reply(
        {content: '```python\nproduct = 25 * 17\nprint(product)\n```'},
        {content: '```python\nfinal_answer(product)\n```'},
      );
      const result = await cliAsync(
        {OLLAMA_HOST: ollama.url},
        'run',
        '--sandbox',
        'local',
        '--model',
        'ollama/qwen2.5-coder:7b',
        'What is 25 * 17?',
      );
      expect(result.stderr).not.toMatch(/^coding-agent:/m);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('product = 25 * 17');
      expect(result.stdout).toMatch(/answer[^\n]*\n425/);
      expect(ollama.violations).toEqual([]);
      expect(ollama.requests.map((r) => r.body.model)).toEqual([
        'qwen2.5-coder:7b',
        'qwen2.5-coder:7b',
      ]);
    } finally {
      await ollama.close();
    }
  });

  it('names the variable to set when a provider key is missing, in one line', async () => {
    for (const [model, variable] of [
      ['openai/gpt-4o', 'OPENAI_API_KEY'],
      ['anthropic/claude-sonnet-4-5', 'ANTHROPIC_API_KEY'],
    ]) {
      const result = await cliAsync({}, 'run', '--model', model, 'What is 2+2?');
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(variable);
    }
  });

  it('names the address and its variable when the model server does not answer, in one line', async () => {
    const port = await closedPort();
    for (const [env, model, variable] of [
      [{OLLAMA_HOST: `127.0.0.1:${port}`}, 'ollama/llama3.2', 'OLLAMA_HOST'],
      [{OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`}, 'openai/local-model', 'OPENAI_BASE_URL'],
      [
        {ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`, ANTHROPIC_API_KEY: 'k'},
        'anthropic/claude-sonnet-4-5',
        'ANTHROPIC_BASE_URL',
      ],
    ] as const) {
      const result = await cliAsync(env, 'run', '--sandbox', 'local', '--model', model, 'q');
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`127.0.0.1:${port}`);
      expect(result.stderr).toContain('ECONNREFUSED');
      expect(result.stderr).toContain(variable);
    }
  });
});
