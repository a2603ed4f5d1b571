/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** Runs the host-process fixture (test/security/fixtures/crashed_host.ts) and reads its report. */

import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

/** What the fixture prints. */
export interface HostProcessReport {
  pid: number;
  sessionDir?: string;
  kernelPid?: number;
  value?: string;
  error?: string;
  warnings: string[];
}

const SCRIPT = fileURLToPath(new URL('../security/fixtures/crashed_host.ts', import.meta.url));

/**
 * Runs a host process with one session on `backend`: `crash` SIGKILLs itself holding it,
 * `start` disposes and exits. Runs as `uid` (and the same gid) when given.
 */
export function runHostProcess(
  backend: string,
  mode: 'crash' | 'start',
  options: object = {},
  uid?: number,
): Promise<HostProcessReport> {
  const args = ['--import', 'tsx', SCRIPT, backend, mode, JSON.stringify(options)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      ...(uid === undefined
        ? {}
        : {uid, gid: uid, env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp'}}),
      // tsx resolves from the current folder: the repository (readable by every user).
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as HostProcessReport);
      } catch {
        reject(new Error(`the host process printed no report: ${out}\n${err.slice(-2000)}`));
      }
    });
  });
}
