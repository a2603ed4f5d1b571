/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Whether an image can run the kernel: a Python at the configured path, of at least
 * {@link MIN_KERNEL_PYTHON}, with every standard-library module the kernel imports. The check
 * runs in a throwaway container (no network, read-only, no capabilities) only when a kernel
 * failed to start, so a working image pays nothing for it.
 */

import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';

import type Docker from 'dockerode';

import {KERNEL_FILES} from '../session_folders.js';

/** The oldest Python the kernel runs on (Debian 12's). */
export const MIN_KERNEL_PYTHON: readonly [number, number] = [3, 11];

/**
 * The modules the kernel's files import at their top level (`import a.b`, `from c import d`),
 * read from the files themselves so the list follows the kernel.
 */
export function kernelModules(kernelPath: string): string[] {
  const modules = new Set<string>();
  for (const file of KERNEL_FILES) {
    const text = readFileSync(join(dirname(kernelPath), file), 'utf8');
    for (const line of text.split('\n')) {
      const plain = /^import ([\w., ]+)$/.exec(line);
      const from = /^from ([\w.]+) import /.exec(line);
      for (const name of plain ? plain[1].split(',') : from ? [from[1]] : []) {
        modules.add(name.trim().split(' ')[0]);
      }
    }
  }
  return [...modules].filter(Boolean).sort();
}

// Runs on any Python 3 and imports only sys (json may be what is missing): prints
// `version 3 11 2` and `missing a b`.
const CHECK_SCRIPT = `
import sys
try:
    from importlib.util import find_spec
except ImportError:
    find_spec = None
missing = []
for name in sys.argv[1:]:
    try:
        if find_spec is None or find_spec(name) is None:
            missing.append(name)
    except Exception:
        missing.append(name)
print("version", *sys.version_info[:3])
print("missing", *missing)
`;

/** Options of {@link checkImagePython}. */
export interface ImageCheckOptions {
  /** The interpreter's absolute path in the image. */
  python: string;
  /** Host path of `kernel.py` (its folder holds the other kernel files). */
  kernelPath: string;
  /** Labels for the check container (so the reaper can find it). */
  labels?: Record<string, string>;
  /** How long the check may take. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Runs the check in a throwaway container of `image`.
 *
 * @returns What is missing, as one sentence, or undefined when the image can run the kernel.
 */
export async function checkImagePython(
  docker: Docker,
  image: string,
  options: ImageCheckOptions,
): Promise<string | undefined> {
  const modules = kernelModules(options.kernelPath);
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: [options.python],
    Cmd: ['-I', '-c', CHECK_SCRIPT, ...modules],
    User: '65534:65534',
    Labels: options.labels ?? {},
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: 256 * 1024 * 1024,
      PidsLimit: 16,
    },
  });
  try {
    try {
      await container.start();
    } catch (error) {
      // The runtime could not exec the interpreter: the image has none at that path.
      return `it has no Python at ${options.python} (${(error as Error).message.split('\n')[0].slice(0, 300)})`;
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      container.wait() as Promise<{StatusCode: number}>,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), options.timeoutMs ?? 30_000);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!waited) {
      return `${options.python} did not answer a version check within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s`;
    }
    const logs = (await container.logs({stdout: true, stderr: true})) as Buffer;
    const text = demux(logs);
    const lines = text.stdout.split('\n');
    const field = (name: string) =>
      lines
        .find((line) => line.startsWith(`${name} `) || line === name)
        ?.split(' ')
        .slice(1)
        .filter(Boolean);
    const version = field('version')?.map(Number);
    const report = {version, missing: field('missing')};
    if (!version || version.length < 2 || version.some((n) => !Number.isInteger(n))) {
      const said = (text.stderr || text.stdout).trim().split('\n').slice(-3).join(' ');
      return `${options.python} is not a working Python 3 (exit code ${waited.StatusCode}: ${said.slice(0, 300) || 'no output'})`;
    }
    const [major = 0, minor = 0] = version;
    const problems: string[] = [];
    const [needMajor, needMinor] = MIN_KERNEL_PYTHON;
    if (major < needMajor || (major === needMajor && minor < needMinor)) {
      problems.push(
        `its Python is ${version.join('.')}, the kernel needs ${needMajor}.${needMinor} or newer`,
      );
    }
    if (report.missing?.length) {
      problems.push(`its Python lacks modules the kernel imports: ${report.missing.join(', ')}`);
    }
    return problems.length ? problems.join('; ') : undefined;
  } finally {
    await container.remove({force: true}).catch(() => undefined);
  }
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into stdout and stderr. */
function demux(buffer: Buffer): {stdout: string; stderr: string} {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const frame = buffer.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? err : out).push(frame);
    offset += 8 + size;
  }
  return {stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8')};
}
