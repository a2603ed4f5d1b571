/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

import {describe, expect, it} from 'vitest';

import {sandboxBackends} from '../helpers/sandboxes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/** Runs the real CLI from source with no model credentials in its environment. */
function cli(...args: string[]) {
  const env = {...process.env};
  for (const key of [
    'GOOGLE_API_KEY',
    'GEMINI_API_KEY',
    'GOOGLE_GENAI_API_KEY',
    'GOOGLE_GENAI_USE_VERTEXAI',
  ]) {
    delete env[key];
  }
  return spawnSync(tsx, ['src/cli/main.ts', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
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
});
