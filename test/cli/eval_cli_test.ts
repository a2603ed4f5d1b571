/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {afterAll, describe, expect, it} from 'vitest';

import {sandboxBackends} from '../helpers/sandboxes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;
const out = mkdtempSync(join(tmpdir(), 'eval-cli-'));

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
  return spawnSync(tsx, ['src/cli/main.ts', 'eval', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
}

/** The report folder a run wrote under `dir`. */
function reportDir(dir: string, suite: string): string {
  const [name] = readdirSync(dir).filter((d) => d.startsWith(`${suite}-`));
  return join(dir, name);
}

afterAll(() => rmSync(out, {recursive: true, force: true}));

describe.skipIf(bwrap.skipReason !== undefined)(
  `coding-agent eval --replay (${bwrap.title})`,
  () => {
    it('replays the shipped data-analysis cassettes and prints the table for both agents', () => {
      const dir = join(out, 'data');
      const run = cli('--suite', 'data-analysis', '--replay', '--out', dir);
      expect(run.stderr).not.toMatch(/Error|mismatch/);
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('## data-analysis: 5 of 46 tasks × 1 run');
      expect(run.stdout).toContain(
        'Replayed from cassettes, no model called: scripted (SCRIPTED model',
      );
      expect(run.stdout).toMatch(/\| CodingAgent \| 5\/5 \(100\.0 %\) \| 56\.6 % – 100\.0 % \|/);
      expect(run.stdout).toMatch(/\| LlmAgent \(function calls\) \| 5\/5 \(100\.0 %\) \|/);
      // One line per run on stderr, as the runs end.
      expect(run.stderr.match(/^✓ /gm)).toHaveLength(10);
      const folder = reportDir(dir, 'data-analysis');
      const report = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as {
        mode: string;
        runs: Array<{tokens: {prompt: number}}>;
      };
      expect(report.mode).toBe('replay');
      expect(report.runs).toHaveLength(10);
      expect(report.runs.every((r) => r.tokens.prompt > 0)).toBe(true);
      expect(readFileSync(join(folder, 'report.md'), 'utf8')).toContain('### By task');
      expect(readFileSync(join(folder, 'chart.png')).subarray(1, 4).toString()).toBe('PNG');
    });

    it('replays the shipped tool-composition cassettes as JSON lines', () => {
      const run = cli(
        '--suite',
        'tool-composition',
        '--replay',
        '--json',
        '--out',
        join(out, 'tools'),
      );
      expect(run.status).toBe(0);
      const lines = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const runs = lines.filter((l) => l.type === 'run');
      expect(runs).toHaveLength(12);
      expect(new Set(runs.map((r) => r.agent))).toEqual(new Set(['coding', 'llm']));
      const report = lines.at(-1) as {
        type: string;
        agents: Array<{agent: string; passed: number; runs: number}>;
      };
      expect(report.type).toBe('report');
      expect(report.agents.map((a) => [a.agent, a.passed, a.runs])).toEqual([
        ['coding', 6, 6],
        ['llm', 6, 6],
      ]);
    });
  },
);

describe('coding-agent eval: bad input', () => {
  it('says a public suite must be fetched, and that --model and --replay exclude each other', () => {
    const missing = cli('--suite', 'm3tooleval', '--replay', '--sandbox', 'unsandboxed');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/suite m3tooleval is not shipped: fetch it yourself .* --data/);
    const both = cli('--suite', 'data-analysis', '--replay', '--model', 'gemini-2.5-pro');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--model and --replay exclude each other');
    const unknown = cli('--suite', 'data-analysis', '--model', 'no-such-model');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--model no-such-model: /);
  });
});
