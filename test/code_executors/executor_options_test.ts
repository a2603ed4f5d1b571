/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {describe, expect, it, vi} from 'vitest';

import {BubblewrapCodeExecutor} from '../../src/code_executors/bubblewrap/bubblewrap_code_executor.js';
import {UnsandboxedCodeExecutor} from '../../src/code_executors/unsandboxed_code_executor.js';
import {makeSandboxBackend, sandboxBackends} from '../helpers/sandboxes.js';

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe('code executor options', () => {
  it('warns once per process that the local executor does not isolate', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // First test of the file, and vitest runs each file in its own process.
      new UnsandboxedCodeExecutor();
      new UnsandboxedCodeExecutor();
      new UnsandboxedCodeExecutor();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toContain('NO isolation');
    } finally {
      warn.mockRestore();
    }
  });

  it('rejects invalid options with a message naming the option', () => {
    const cases: [object, RegExp][] = [
      [{executionTimeoutMs: -1}, /^executionTimeoutMs must be a positive number/],
      [
        {executionTimeoutMs: 3e9},
        /^executionTimeoutMs must be a positive number of milliseconds up to 2147483647/,
      ],
      [{idleTimeoutMs: 'soon'}, /^idleTimeoutMs must be/],
      [{startTimeoutMs: Infinity}, /^startTimeoutMs must be/],
      [{maxOutputBytes: 10}, /^maxOutputBytes must be an integer of at least 1024 bytes/],
      [{maxFileBytes: 1.5}, /^maxFileBytes must be an integer/],
      [{python: 'python3'}, /^python must be an absolute path/],
      [{kernelPath: 'kernel.py'}, /^kernelPath must be an absolute path/],
    ];
    for (const [options, message] of cases) {
      expect(() => new UnsandboxedCodeExecutor(options), JSON.stringify(options)).toThrow(message);
    }
    expect(() => new UnsandboxedCodeExecutor({idleTimeoutMs: Infinity})).not.toThrow();
    expect(() => new BubblewrapCodeExecutor({sandboxUid: -5})).toThrow(
      /^sandboxUid must be a non-negative integer/,
    );
    expect(() => new BubblewrapCodeExecutor({rootfs: 'relative'})).toThrow(
      /^rootfs must be an absolute path/,
    );
    expect(() => new BubblewrapCodeExecutor({rootfs: '/proc/self/fd'})).toThrow(
      /has no usr\/ folder/,
    );
    expect(() => new BubblewrapCodeExecutor({bwrapPath: 'bwrap'})).toThrow(
      /^bwrapPath must be an absolute path/,
    );
    expect(() => new BubblewrapCodeExecutor({tmpSize: 'lots'})).toThrow(
      /^tmpSize must be bytes or a size like "512m"/,
    );
    expect(() => new BubblewrapCodeExecutor({tmpSize: 4096})).toThrow(
      /^tmpSize must be at least 1 MiB, got 4096/,
    );
    expect(() => new BubblewrapCodeExecutor({tmpSize: '1.5g'})).not.toThrow();
    expect(
      () => new BubblewrapCodeExecutor({requireResourceLimits: 'yes' as unknown as boolean}),
    ).toThrow(/^requireResourceLimits must be true or false, got "yes"/);
    expect(() => new BubblewrapCodeExecutor({shmSize: '0.5m'})).toThrow(
      /^shmSize must be at least 1 MiB/,
    );
  });

  it('rejects bad authorized imports when a session starts', async () => {
    const executor = new UnsandboxedCodeExecutor();
    await expect(executor.getSession('k', {authorizedImports: ['os; rm -rf /']})).rejects.toThrow(
      /authorizedImports: "os; rm -rf \/" is not a module name/,
    );
    await executor.dispose();
  });

  it('explains in one line that bwrap is missing', async () => {
    const missing = {bwrapPath: '/nonexistent/bwrap'};
    const availability = await BubblewrapCodeExecutor.isAvailable(missing);
    expect(availability.available).toBe(false);
    expect(BubblewrapCodeExecutor.isAvailableSync(missing)).toEqual(availability);
    const executor = new BubblewrapCodeExecutor(missing);
    const error = await executor.getSession('k', {authorizedImports: []}).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(
      "bubblewrap (bwrap) not found at /nonexistent/bwrap: run 'apt-get install bubblewrap' or fix bwrapPath",
    );
    expect(error?.message.split('\n')).toHaveLength(1);
  });

  it.skipIf(bwrap.skipReason !== undefined)(
    'explains in one line that Python is missing in the sandbox',
    async () => {
      const availability = await BubblewrapCodeExecutor.isAvailable({
        python: '/usr/bin/python2.7-missing',
      });
      expect(availability).toEqual({
        available: false,
        reason: expect.stringMatching(
          /^bubblewrap cannot start a sandbox with \/usr\/bin\/python2\.7-missing: .+$/,
        ),
      });
    },
  );

  it.skipIf(bwrap.skipReason !== undefined)('runs on a given root filesystem', async () => {
    // The host root is a valid root filesystem; this exercises the rootfs code path.
    const executor = new BubblewrapCodeExecutor({rootfs: '/'});
    try {
      const session = await executor.getSession('rootfs', {authorizedImports: ['*']});
      const result = await session.execute({code: 'import os\nsorted(os.listdir("/"))'});
      expect(result.error).toBeUndefined();
      expect(result.value).toContain("'usr'");
      expect(result.value).not.toContain("'root'");
    } finally {
      await executor.dispose();
    }
  });
});

describe('sandbox backends helper', () => {
  const make = () => new UnsandboxedCodeExecutor();

  it('skips an unavailable backend with its reason in the title', () => {
    const backend = makeSandboxBackend('bubblewrap', 'bwrap is not installed', make, false);
    expect(backend.skipReason).toBe('bwrap is not installed');
    expect(backend.title).toBe('bubblewrap (skipped: bwrap is not installed)');
  });

  it('fails instead of skipping when sandboxes are required', () => {
    const backend = makeSandboxBackend('bubblewrap', 'bwrap is not installed', make, true);
    expect(backend.skipReason).toBeUndefined();
    expect(() => backend.create()).toThrow(
      'sandbox backend bubblewrap is required (CODING_AGENT_REQUIRE_SANDBOXES=1) but unavailable: bwrap is not installed',
    );
  });
});
