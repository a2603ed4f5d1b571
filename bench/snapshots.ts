/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// Section 12 of the benchmarks (also runnable alone: `tsx bench/snapshots.ts [--quick]`):
// snapshot and restore of an interpreter's namespace against recomputing the same state from the
// raw data in a fresh kernel; the save cost of a turn that changed nothing; and many
// conversations over few live kernels (eviction + restore), with restore latency and memory.

import {readFileSync, readdirSync} from 'node:fs';
import {performance} from 'node:perf_hooks';

import {InMemoryRunner} from '@google/adk';

import {
  BubblewrapCodeExecutor,
  CodingAgent,
  SandboxSessionManager,
  ScriptedLlm,
  resolveSnapshotOptions,
  restoreSnapshot,
  takeSnapshot,
  type SandboxSession,
} from '../src/index.js';

const TITANIC = readFileSync(new URL('../samples/data/titanic.csv', import.meta.url));

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

/** Used memory of the whole machine (MemTotal − MemAvailable), MiB. */
function machineUsedMiB(): number {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(info)?.[1] ?? 0);
  return (field('MemTotal') - field('MemAvailable')) / 1024;
}

/** Summed RSS of every kernel process (supervisors and interpreters), MiB. */
function kernelRssMiB(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const kernelFile = (a: string) => a.endsWith('/kernel.py') || a.endsWith('/interpreter.py');
      if (!/python3?$/.test(argv[0]) || !argv.some(kernelFile)) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) total += Number(rss[1]) / 1024;
    } catch {
      // ended while we looked
    }
  }
  return total;
}

/** One state to snapshot: how to build it from raw data in a fresh kernel. */
interface Workload {
  name: string;
  /** Files for the input folder (the raw data). */
  files: Array<{name: string; data: Buffer}>;
  /** Code that builds the state from the raw data (imports included). */
  build: string;
  /** Code whose value checks the state, the same before and after a restore. */
  check: string;
}

function titanicWorkload(): Workload {
  return {
    name: 'Titanic DataFrame (891 rows) and two derived tables',
    files: [{name: 'titanic.csv', data: TITANIC}],
    build: [
      'import pandas as pd',
      "df = pd.read_csv('INPUT/titanic.csv')",
      "by_class = df.groupby(['Pclass', 'Sex'])['Survived'].mean().unstack()",
      "ages = df.assign(band=pd.cut(df.Age, [0, 12, 18, 40, 60, 100])).groupby('band', observed=True)['Survived'].mean()",
    ].join('\n'),
    check: 'round(float(df.Fare.sum()) + float(by_class.values.sum()) + float(ages.sum()), 6)',
  };
}

function largeWorkload(rows: number): Workload {
  // Raw data: a CSV of `rows` rows; the state: its DataFrame (8 numeric columns, 64 bytes a row).
  const lines = ['a,b,c,d,e,f,g,h'];
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  for (let i = 0; i < rows; i++) {
    lines.push(
      [
        i,
        next() % 1000,
        next() % 97,
        (next() / 2147483648).toFixed(6),
        i % 7,
        next() % 50000,
        (next() / 65536).toFixed(3),
        i * 3,
      ].join(','),
    );
  }
  return {
    name: `${((rows * 64) / 1e6).toFixed(0)} MB DataFrame (${rows.toLocaleString('en-US')} rows × 8 numeric columns)`,
    files: [{name: 'large.csv', data: Buffer.from(lines.join('\n') + '\n')}],
    build: "import pandas as pd\nbig = pd.read_csv('INPUT/large.csv')",
    check: 'int(big.a.sum() + big.f.sum())',
  };
}

/** Snapshot, unchanged re-save, restore and recompute figures of one workload. */
async function measureWorkload(executor: BubblewrapCodeExecutor, w: Workload, tag: string) {
  const options = resolveSnapshotOptions(true)!;
  const imports = {authorizedImports: ['pandas']};
  const source = await executor.getSession(`bench-snap/${tag}/source`, imports);
  await source.writeFiles(w.files);
  const build = w.build.replaceAll('INPUT/', `${source.inputDir}/`);
  const built = await source.execute({code: build, timeoutMs: 300_000});
  if (built.error) throw new Error(`${w.name}: ${built.error.message}`);
  const expected = (await source.execute({code: w.check})).value;
  const [taken, snapshotMs] = await timed(() => takeSnapshot(source, options, true));
  if (!taken.payload) throw new Error(`${w.name}: no snapshot (${taken.error})`);
  const [unchanged, unchangedMs] = await timed(() => takeSnapshot(source, options, false));
  // Recompute: a fresh kernel builds the same state from the raw data.
  const recompute = await executor.getSession(`bench-snap/${tag}/recompute`, imports);
  await recompute.writeFiles(w.files);
  // Both fresh kernels have pandas imported already, as a warm-pool kernel has.
  await recompute.execute({code: 'import pandas'});
  const [rebuilt, recomputeMs] = await timed(() =>
    recompute.execute({
      code: w.build.replaceAll('INPUT/', `${recompute.inputDir}/`),
      timeoutMs: 300_000,
    }),
  );
  if (rebuilt.error) throw new Error(`${w.name}: ${rebuilt.error.message}`);
  // Restore: a fresh kernel gets the snapshot's bytes.
  const target: SandboxSession = await executor.getSession(`bench-snap/${tag}/target`, imports);
  await target.execute({code: 'import pandas'});
  const [restored, restoreMs] = await timed(() =>
    restoreSnapshot(target, taken.payload!, options.maxBytes),
  );
  const same = (await target.execute({code: w.check})).value === expected;
  await Promise.all(
    ['source', 'recompute', 'target'].map((s) => executor.closeSession(`bench-snap/${tag}/${s}`)),
  );
  return {
    workload: w.name,
    snapshotBytes: taken.payload.byteLength,
    snapshotMs,
    unchangedSaveMs: unchangedMs,
    unchangedSent: !unchanged.unchanged,
    restoreMs,
    recomputeMs,
    restoredSame: same && !restored.error && restored.failed.length === 0,
  };
}

/**
 * Many conversations over few live kernels: each builds a DataFrame in turn 1; after all have
 * run (so nearly every kernel was evicted), each one's turn 2 must find it again.
 */
async function manyConversations(conversations: number, maxLiveSessions: number) {
  const executor = new BubblewrapCodeExecutor({pool: {size: 2}});
  const manager = new SandboxSessionManager({executor, maxLiveSessions});
  const firstCall = new Map<string, number>();
  const model = new ScriptedLlm({
    responses: (request) => {
      const users = (request.contents ?? []).filter((c) => c.role === 'user');
      const text = (users.at(-1)?.parts ?? []).map((p) => p.text ?? '').join('');
      const all = JSON.stringify(request.contents);
      const id = /conv-(\d+)/.exec(all)?.[1] ?? '?';
      const turn2 = all.includes('turn two');
      const key = `${id}/${turn2 ? 2 : 1}`;
      if (!firstCall.has(key)) firstCall.set(key, performance.now());
      if (text.startsWith('Observation')) return 'Done.';
      return turn2
        ? '```python\nfinal_answer(int(df.v.sum()))\n```'
        : `\`\`\`python\nimport pandas as pd\ndf = pd.DataFrame({'v': range(${id}, ${id} + 1000)})\nfinal_answer(len(df))\n\`\`\``;
    },
  });
  const agent = new CodingAgent({
    name: 'many',
    model,
    codeExecutor: manager,
    stateful: true,
    authorizedImports: ['pandas'],
  });
  const runner = new InMemoryRunner({agent, appName: 'bench_many'});
  const sessions: string[] = [];
  for (let i = 0; i < conversations; i++) {
    sessions.push(
      (await runner.sessionService.createSession({appName: 'bench_many', userId: 'u'})).id,
    );
  }
  let peakMachine = machineUsedMiB();
  let peakKernels = kernelRssMiB();
  const sampler = setInterval(() => {
    peakMachine = Math.max(peakMachine, machineUsedMiB());
    peakKernels = Math.max(peakKernels, kernelRssMiB());
  }, 250);
  const baselineMachine = machineUsedMiB();
  const startedAt = new Map<string, number>();
  const runTurn = async (i: number, turn: 1 | 2): Promise<string> => {
    startedAt.set(`${i}/${turn}`, performance.now());
    let final = '';
    for await (const event of runner.runAsync({
      userId: 'u',
      sessionId: sessions[i],
      newMessage: {
        role: 'user',
        parts: [{text: `conv-${i} ${turn === 2 ? 'turn two' : 'turn one'}`}],
      },
    })) {
      final = (event.content?.parts ?? []).map((p) => p.text ?? '').join('') || final;
    }
    return final;
  };
  // As many at once as there are live kernels.
  const pool = async (turn: 1 | 2) => {
    const answers: string[] = new Array<string>(conversations);
    let next = 0;
    await Promise.all(
      Array.from({length: maxLiveSessions}, async () => {
        while (next < conversations) {
          const i = next++;
          answers[i] = await runTurn(i, turn);
        }
      }),
    );
    return answers;
  };
  const t0 = performance.now();
  await pool(1);
  const turn1Ms = performance.now() - t0;
  const t1 = performance.now();
  const answers = await pool(2);
  const turn2Ms = performance.now() - t1;
  clearInterval(sampler);
  const correct = answers.filter((a, i) => a === String(1000 * i + 499500)).length;
  const latency = (turn: number) =>
    [...Array(conversations).keys()].map(
      (i) => firstCall.get(`${i}/${turn}`)! - startedAt.get(`${i}/${turn}`)!,
    );
  // Per-kernel RSS with a DataFrame (a live one now), to estimate 200 live kernels.
  const perKernel = kernelRssMiB() / Math.max(1, manager.liveKeys.length + executor.warmKernels);
  await manager.dispose();
  return {
    conversations,
    maxLiveSessions,
    correct,
    turn1Ms,
    turn2Ms,
    // Turn 2 finds its kernel evicted (almost always): kernel start + stubs + restore.
    restoreLatencyP50: pct(latency(2), 50),
    restoreLatencyP95: pct(latency(2), 95),
    // Baseline: turn 1's time to the first model call (a fresh kernel, nothing to restore).
    freshLatencyP50: pct(latency(1), 50),
    freshLatencyP95: pct(latency(1), 95),
    peakMachineMiB: peakMachine,
    machineBeforeMiB: baselineMachine,
    peakKernelRssMiB: peakKernels,
    perKernelRssMiB: perKernel,
    estimatedAllLiveMiB: perKernel * conversations,
  };
}

/** The section's figures. */
export async function snapshotFigures(quick: boolean) {
  const executor = new BubblewrapCodeExecutor({executionTimeoutMs: 600_000});
  try {
    const titanic = await measureWorkload(executor, titanicWorkload(), 'titanic');
    const large = await measureWorkload(executor, largeWorkload(quick ? 20_000 : 800_000), 'large');
    const many = await manyConversations(quick ? 6 : 200, quick ? 2 : 8);
    return {workloads: [titanic, large], many};
  } finally {
    await executor.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await snapshotFigures(process.argv.includes('--quick'));
  console.log(JSON.stringify(figures, null, 2));
}
