import {availableParallelism} from 'node:os';

import {defineConfig} from 'vitest/config';
import {BaseSequencer, type TestSpecification} from 'vitest/node';

/**
 * The longest files (seconds in CI: 450, 335, 145, 124, 111, 88), started first. Without a cache
 * (a fresh clone, as CI runs) vitest keeps the files' path order, which started the adversarial
 * suite near the end, where it ran on alone for minutes.
 */
const LONGEST_FIRST = [
  'test/security/adversarial_test.ts',
  'test/agents/leak_test.ts',
  'test/state/snapshot_restore_test.ts',
  'test/bench/bench_smoke_test.ts',
  'test/cli/cli_test.ts',
  'test/state/replicas_test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the rest keeps vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

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
    sequence: {sequencer: LongestFirst},
  },
});
