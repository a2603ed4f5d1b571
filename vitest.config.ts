import {availableParallelism} from 'node:os';

import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*_test.ts', 'test/**/*_test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one on a two-core CI machine. Most of
    // the suite waits on sandboxes, child processes and loopback servers, so two files at once
    // (at most four) nearly halve its wall time; every test scopes what it counts to itself.
    maxWorkers: Math.min(4, Math.max(2, availableParallelism())),
  },
});
