/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

import {describe, expect, it} from 'vitest';

import {sandboxBackends} from '../helpers/sandboxes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;
const docker = sandboxBackends().find((b) => b.name === 'docker')!;

// Benchmarks are not tests: this only checks the quick mode still runs and writes its report.
// No timing is asserted.
describe('benchmarks (smoke)', () => {
  it.skipIf(bwrap.skipReason !== undefined)(
    'bench:quick completes and writes every section as JSON and Markdown',
    () => {
      const run = spawnSync(tsx, ['bench/run.ts', '--quick'], {
        cwd: root,
        encoding: 'utf8',
        // Two minutes on a loaded two-core machine; the limit only catches a hang.
        timeout: 300_000,
      });
      expect(run.stderr).not.toMatch(/Error/);
      expect(run.status).toBe(0);
      const json = JSON.parse(
        readFileSync(`${root}/bench/results/quick/benchmarks.json`, 'utf8'),
      ) as Record<string, unknown>;
      // Docker rows and section 7 appear exactly when the Docker backend is there.
      const withDocker = docker.skipReason === undefined;
      const sections = [
        '1. Step overhead',
        '2. Tool-call',
        '3. Cold start',
        '4. Five-step',
        '5. Concurrent',
        '6. System prompt',
        ...(withDocker ? ['7. Docker'] : []),
        '8. Tokens against LlmAgent',
        '9. One run',
        '10. MCP tool call',
        '11. Streamed output',
        '12. Snapshots',
      ];
      expect(Object.keys(json)).toHaveLength(sections.length);
      const md = readFileSync(`${root}/bench/results/quick/benchmarks.md`, 'utf8');
      for (const section of sections) expect(md).toContain(section);
      expect(md.includes('| docker |')).toBe(withDocker);
      expect(md).not.toContain('NaN');
      // Both agents gave the same answer on every token task.
      expect(md).not.toMatch(/\| NO \(/);
    },
    300_000,
  );
});
