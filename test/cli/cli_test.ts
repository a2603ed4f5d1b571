/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawn, spawnSync} from 'node:child_process';
import {createServer as createHttpServer, type Server} from 'node:http';
import {createServer, type AddressInfo} from 'node:net';
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
  'GOOGLE_GEMINI_BASE_URL',
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

/**
 * Runs the real CLI against `gemini`, a loopback server speaking the Gemini API: ADK's real
 * `Gemini` class and `@google/genai` send their requests there (`GOOGLE_GEMINI_BASE_URL`). Not
 * `spawnSync`: the server lives in this process. stdout stays bytes, to be checked as bytes.
 */
function cliWithGemini(gemini: LoopbackGemini, ...args: string[]) {
  const child = spawn(tsx, ['src/cli/main.ts', ...args], {
    cwd: root,
    env: cleanEnv({GOOGLE_API_KEY: 'test-key', GOOGLE_GEMINI_BASE_URL: gemini.url}),
  });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{status: number | null; stdout: Buffer; stderr: string}>((resolve) => {
    child.on('close', (status) => resolve({status, stdout: Buffer.concat(stdout), stderr}));
  });
}

/** A loopback server answering Gemini v1beta `generateContent` calls with scripted texts. */
interface LoopbackGemini {
  url: string;
  /** Paths of the requests received. */
  paths: string[];
  close(): Promise<void>;
}

async function loopbackGemini(model: string, replies: string[]): Promise<LoopbackGemini> {
  const paths: string[] = [];
  const server: Server = createHttpServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      const reply = replies[paths.length - 1];
      const streaming = req.url === `/v1beta/models/${model}:streamGenerateContent?alt=sse`;
      if (
        req.method !== 'POST' ||
        (!streaming && req.url !== `/v1beta/models/${model}:generateContent`)
      ) {
        res.writeHead(404).end();
        return;
      }
      // A GenerateContentResponse as https://ai.google.dev/api/generate-content documents it.
      const body = {
        candidates: [
          {content: {role: 'model', parts: [{text: reply}]}, finishReason: 'STOP', index: 0},
        ],
        usageMetadata: {promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120},
        modelVersion: model,
      };
      if (streaming) {
        // One server-sent event holding the whole response (the stream's framing, one chunk).
        res
          .writeHead(200, {'content-type': 'text/event-stream'})
          .end(`data: ${JSON.stringify(body)}\r\n\r\n`);
        return;
      }
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Replies of a model that tries to take over the user's terminal: raw control characters in its
 * prose and code, and code that prints them, names a file with them and raises with them, then
 * answers with them. (In these strings `\x1b` is the character; `\\x1b` is Python's escape.)
 */
const HOSTILE_REPLIES = [
  [
    'Setting the title \x1b]0;prose-title\x07 first.',
    '```python',
    '# \x1b[2J\x1b]0;code-title\x07\u202e comment',
    "print('\\x1b]0;pwned\\x07')",
    "print('\\x1b]52;c;cHduZWQ=\\x07')",
    "print('\\x1b[2J\\x1b[H')",
    "print('bar\\rfoo\\x08\\x7f\\x9b31m\\u202eexe.pdf')",
    "open('output/name\\x9b\\x1b]0;file\\x07.txt', 'w').write('x')",
    "raise ValueError('\\x1b]0;error\\x07')",
    '```',
  ].join('\n'),
  "```python\nfinal_answer('done \\x1b]0;answer\\x07 \\x9b2J \\u202e')\n```",
];

/** Characters a terminal would act on (C0 except tab and newline, DEL, C1, bidi controls). */
const TERMINAL_CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Asserts `stdout` holds no byte or character a terminal would act on. */
function expectNoTerminalControls(stdout: Buffer): void {
  for (const byte of [0x1b, 0x07, 0x08, 0x0d, 0x7f]) expect(stdout.includes(byte)).toBe(false);
  const text = stdout.toString('utf8');
  // A lone C1 byte would decode as U+FFFD; decoded C1 characters are caught below.
  expect(text).not.toContain('\ufffd');
  expect(text.match(TERMINAL_CONTROL)).toBeNull();
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

  it('prints every event as JSON with --json, and nothing else on stdout', () => {
    const result = cli('demo', '--json', '--sandbox', 'unsandboxed');
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('SCRIPTED model');
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      events.some((e) =>
        e.content?.parts?.some((p: {executableCode?: unknown}) => p.executableCode),
      ),
    ).toBe(true);
    expect(events.at(-1).content.parts[0].text).toContain('38.38%');
  });

  it("never prints the model's or the sandbox's control characters", async () => {
    const gemini = await loopbackGemini('gemini-2.5-flash', HOSTILE_REPLIES);
    try {
      const result = await cliWithGemini(gemini, 'run', '--sandbox', 'unsandboxed', 'Say hello.');
      expect(result.stderr).not.toMatch(/^coding-agent:/m);
      expect(result.status).toBe(0);
      expect(gemini.paths).toHaveLength(2);
      expectNoTerminalControls(result.stdout);
      // Each one is shown, as a visible escape: prose, code, output, file name, error, answer.
      const text = result.stdout.toString('utf8');
      for (const shown of [
        'Setting the title \\x1b]0;prose-title\\x07 first.',
        '# \\x1b[2J\\x1b]0;code-title\\x07\\u202e comment',
        '\\x1b]0;pwned\\x07',
        '\\x1b]52;c;cHduZWQ=\\x07',
        '\\x1b[2J\\x1b[H',
        // A carriage return rewrites its line, as on a terminal: only what came after it stays.
        'foo\\x08\\x7f\\x9b31m\\u202eexe.pdf',
        'ValueError: \\x1b]0;error\\x07',
        'done \\x1b]0;answer\\x07 \\x9b2J \\u202e',
      ]) {
        expect(text).toContain(shown);
      }
      // The sandbox refuses a file name with control characters, and says so (escaped here).
      expect(text).toContain('was not returned: its name has control characters');
    } finally {
      await gemini.close();
    }
  });

  it('run --json prints only JSON lines on stdout, ADK logs on stderr, values intact', async () => {
    const gemini = await loopbackGemini('gemini-2.5-flash', HOSTILE_REPLIES);
    try {
      const result = await cliWithGemini(
        gemini,
        'run',
        '--json',
        '--log-level',
        'info',
        '--sandbox',
        'unsandboxed',
        'Say hello.',
      );
      expect(result.status).toBe(0);
      expectNoTerminalControls(result.stdout);
      const lines = result.stdout.toString('utf8').trimEnd().split('\n');
      const events = lines.map((line) => JSON.parse(line));
      expect(events.length).toBeGreaterThanOrEqual(3);
      // The escapes are JSON's: parsed back, the model's and the sandbox's text is exact.
      const output = events
        .flatMap((e) => e.content?.parts ?? [])
        .map((p: {codeExecutionResult?: {output?: string}}) => p.codeExecutionResult?.output ?? '')
        .join('\n');
      expect(output).toContain('\x1b]52;c;cHduZWQ=\x07');
      expect(events.at(-1).content.parts[0].text).toBe('done \x1b]0;answer\x07 \x9b2J \u202e');
      // ADK's own log lines (its Gemini class logs each request at INFO) are on stderr.
      expect(result.stderr).toMatch(/^INFO: \[ADK\] Sending out request, model: gemini-2.5-flash/m);
    } finally {
      await gemini.close();
    }
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
    // image build --package takes Debian package names only (checked before anything runs).
    const image = cli(
      'image',
      'build',
      '--tag',
      'coding-agent-test/never:1',
      '--package',
      'Bad_Name',
    );
    expect(image.status).not.toBe(0);
    expect(image.stderr).toContain('not Debian package names: Bad_Name');
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
        'unsandboxed',
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
      const result = await cliAsync(env, 'run', '--sandbox', 'unsandboxed', '--model', model, 'q');
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`127.0.0.1:${port}`);
      expect(result.stderr).toContain('ECONNREFUSED');
      expect(result.stderr).toContain(variable);
    }
  });
});
