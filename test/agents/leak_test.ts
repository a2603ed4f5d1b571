/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * 200 runs in a row of a small scenario, on every backend, through a real ADK Runner: each run
 * is a new ADK session, so the (stateless) agent creates a sandbox session and closes it again.
 * Afterwards no process, session folder or container may be left, and the host process's open
 * descriptors and memory may not have grown. The figures are measured after a warm-up, so
 * one-time allocations (module loading, JIT, the seccomp program, Docker's HTTP agent) are not
 * counted as growth.
 */

import {mkdtempSync, readdirSync, readFileSync, rmSync, chmodSync} from 'node:fs';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

import {FunctionTool, InMemorySessionService, Runner, type Event} from '@google/adk';
import Docker from 'dockerode';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';

import {
  CONTAINER_LABEL,
  CONTAINER_OWNER_LABEL,
} from '../../src/code_executors/docker/container_code_executor.js';
import type {KernelCodeExecutor} from '../../src/code_executors/kernel_code_executor.js';
import {CodingAgent, ScriptedLlm} from '../../src/index.js';
import {finalText} from '../helpers/agent_harness.js';
import {commandLine, processTree} from '../helpers/processes.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const RUNS = 200;
/** Runs before the first measurement: lazy one-time allocations happen here. */
const WARMUP_RUNS = 10;
const APP = 'leak_app';
const USER = 'leak_user';
const OWNER = `${hostname()}/${process.pid}`;

/**
 * Descriptors the host may hold open after the runs beyond before: an HTTP keep-alive socket
 * to the Docker daemon or a pipe still closing. A per-run leak shows as +200.
 */
const FD_SLACK = 5;
/**
 * Growth allowed of the JS heap after garbage collection. Measured on this 2-core machine, after
 * the warm-up: +1.3 to +1.8 MB over 200 runs on every backend, and a heap-snapshot diff over 1300
 * more runs found only V8 code and feedback objects growing (the JIT settling), no objects of
 * ours or ADK's. A leak of 40 KB per run (e.g. the ADK sessions or the runs' events kept alive)
 * adds 8 MB and fails.
 */
const HEAP_GROWTH_BYTES = 8 * 1024 * 1024;
/**
 * Growth allowed of the resident set, which also holds memory V8 and malloc freed but kept, so
 * it is noisier than the heap: measured -0.2 to +6 MB over 200 runs. A native leak of 80 KB a
 * run (buffers, streams or sockets of dead kernels) adds 16 MB and fails.
 */
const RSS_GROWTH_BYTES = 16 * 1024 * 1024;

/** A real collector: `--expose-gc` when given, else switched on now (V8 supports it at runtime). */
const collectGarbage: () => void =
  (globalThis as {gc?: () => void}).gc ??
  (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

const docker = new Docker();
const dockerBackend = sandboxBackends().find((b) => b.name === 'docker')!;
/** Containers are counted whenever Docker is usable here, on every backend. */
const dockerUsable = dockerBackend.skipReason === undefined && safeDockerCheck();

function safeDockerCheck(): boolean {
  try {
    dockerBackend.create();
    return true;
  } catch {
    return false;
  }
}

/** What the host holds at one moment. */
interface Snapshot {
  /** Processes below this one (kernels, bwrap), as `pid command`. */
  processes: string[];
  /** Host processes of the containers this test created (kernel, init, shim), as `pid command`. */
  containerProcesses: string[];
  /** Entries in the executors' base folder (session folders). */
  folders: string[];
  /** Containers labelled as ours, any state. */
  containers: string[];
  fds: number;
  rss: number;
  heapUsed: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Host processes whose cgroup or command line names one of `containerIds`. */
function processesOfContainers(containerIds: ReadonlySet<string>): string[] {
  if (containerIds.size === 0) return [];
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/cgroup`, 'utf8') + commandLine(Number(name));
    } catch {
      continue; // exited meanwhile
    }
    for (const id of containerIds) {
      if (text.includes(id)) {
        found.push(`${name} ${commandLine(Number(name))}`);
        break;
      }
    }
  }
  return found;
}

async function ourContainers(): Promise<string[]> {
  if (!dockerUsable) return [];
  const list = await docker.listContainers({
    all: true,
    filters: {label: [`${CONTAINER_LABEL}=true`, `${CONTAINER_OWNER_LABEL}=${OWNER}`]},
  });
  return list.map((c) => `${c.Id.slice(0, 12)} ${c.State}`);
}

async function snapshot(base: string, containerIds: ReadonlySet<string>): Promise<Snapshot> {
  // Let closed sockets and pipes finish closing, then collect garbage until the heap is stable.
  await sleep(200);
  for (let i = 0; i < 4; i++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const memory = process.memoryUsage();
  return {
    processes: processTree(process.pid)
      .slice(1)
      .map((pid) => `${pid} ${commandLine(pid)}`),
    containerProcesses: processesOfContainers(containerIds),
    folders: readdirSync(base),
    containers: await ourContainers(),
    fds: readdirSync('/proc/self/fd').length,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
  };
}

/**
 * A snapshot once no more processes, folders or containers are held than `expected` (or after
 * 5 s): a shim or kernel seen in its last milliseconds is not a leak, one that stays is.
 */
async function settledSnapshot(
  base: string,
  containerIds: ReadonlySet<string>,
  expected: {processes: number; containerProcesses: number; folders: number; containers: number},
): Promise<Snapshot> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const s = await snapshot(base, containerIds);
    const settled =
      s.processes.length <= expected.processes &&
      s.containerProcesses.length <= expected.containerProcesses &&
      s.folders.length <= expected.folders &&
      s.containers.length <= expected.containers;
    if (settled || Date.now() > deadline) return s;
    await sleep(250);
  }
}

function counts(s: Snapshot) {
  return {
    processes: s.processes.length,
    containerProcesses: s.containerProcesses.length,
    folders: s.folders.length,
    containers: s.containers.length,
  };
}

function summary(s: Snapshot): string {
  const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return (
    `processes=${s.processes.length} containerProcesses=${s.containerProcesses.length} ` +
    `folders=${s.folders.length} containers=${s.containers.length} fds=${s.fds} ` +
    `rss=${mb(s.rss)} heapUsed=${mb(s.heapUsed)}`
  );
}

/** What the tool returns for `item-<n>`, and the answer the run must end with. */
function stock(n: number) {
  return {item: `item-${n}`, price: (n % 7) + 1, quantity: (n % 5) + 2};
}

function expectedAnswer(n: number) {
  const {item, price, quantity} = stock(n);
  let total = price * quantity;
  for (let k = 0; k < quantity; k++) total += k * k;
  // One run per kernel: the snippet's list of runs would grow if a kernel were reused.
  return {item, total, runs_in_this_kernel: 1};
}

for (const backend of sandboxBackends()) {
  describe.skipIf(backend.skipReason !== undefined)(`leaks: ${backend.title}`, () => {
    let base: string;
    let previousTmpdir: string | undefined;
    /**
     * Docker runs take kernels from a warm pool of 2 (started ahead, without preloads), which
     * halves the wall time of 200 containers; every run still gets a new container and closes
     * it, and the pool's refills and its disposal are covered too. The other backends use the
     * default path: start at the run's first step.
     */
    const poolSize = backend.name === 'docker' ? 2 : 0;

    beforeAll(() => {
      // Session folders go under os.tmpdir(): a private one, so other test processes on this
      // machine cannot change the count. Traversable, since bubblewrap sandboxes run as their
      // own host user when this process is root.
      base = mkdtempSync(join(tmpdir(), `leak-test-${backend.name}-`));
      chmodSync(base, 0o711);
      previousTmpdir = process.env.TMPDIR;
      process.env.TMPDIR = base;
      expect(tmpdir()).toBe(base);
    });

    afterAll(() => {
      if (previousTmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmpdir;
      if (base) rmSync(base, {recursive: true, force: true});
    });

    it(
      `${RUNS} runs leave no process, folder or container; descriptors and memory do not grow`,
      async () => {
        const started = Date.now();
        // Seen from the host while a run's tool call is in flight (its kernel is alive then).
        const foldersDuringRuns = new Set<string>();
        const kernelPidsDuringRuns = new Set<number>();
        let mostFoldersAtOnce = 0;

        const lookupStock = new FunctionTool({
          name: 'lookup_stock',
          description: 'Price and quantity in stock of an item.',
          parameters: z.object({item: z.string()}),
          execute: ({item}) => {
            const folders = readdirSync(base);
            for (const folder of folders) foldersDuringRuns.add(folder);
            mostFoldersAtOnce = Math.max(mostFoldersAtOnce, folders.length);
            for (const pid of processTree(process.pid).slice(1)) kernelPidsDuringRuns.add(pid);
            return stock(Number(item.replace('item-', '')));
          },
        });
        const model = new ScriptedLlm({
          responses: (request) => {
            const text = request.contents
              .flatMap((c) => c.parts ?? [])
              .map((p) => p.text ?? '')
              .join('\n');
            const n = Number(/Order (\d+)/.exec(text)?.[1]);
            // Step 1 computes; step 2 answers from the variables step 1 left in the kernel.
            if (!request.contents.some((c) => c.role === 'model')) {
              return [
                'Look the item up and compute the total.',
                '```python',
                `info = lookup_stock(item="item-${n}")`,
                'total = info["price"] * info["quantity"] + sum(k * k for k in range(info["quantity"]))',
                'runs = globals().get("runs", []) + [info["item"]]',
                'print(total)',
                '```',
              ].join('\n');
            }
            return [
              '```python',
              'final_answer({"item": info["item"], "total": total, "runs_in_this_kernel": len(runs)})',
              '```',
            ].join('\n');
          },
        });
        const executor: KernelCodeExecutor = backend.create(
          poolSize > 0 ? {pool: {size: poolSize, preload: []}} : {},
        );
        const agent = new CodingAgent({
          name: 'stock_clerk',
          model,
          tools: [lookupStock],
          codeExecutor: executor,
        });
        const sessionService = new InMemorySessionService();
        const runner = new Runner({appName: APP, agent, sessionService});

        // Every container this test creates, from the daemon's own event stream.
        const createdContainers = new Set<string>();
        const events = dockerUsable
          ? await docker.getEvents({
              filters: {
                type: ['container'],
                event: ['create'],
                label: [`${CONTAINER_OWNER_LABEL}=${OWNER}`],
              },
            })
          : undefined;
        let pendingEventText = '';
        events?.on('data', (chunk: Buffer) => {
          pendingEventText += chunk.toString('utf8');
          const lines = pendingEventText.split('\n');
          pendingEventText = lines.pop()!;
          for (const line of lines) {
            if (line.trim()) createdContainers.add((JSON.parse(line) as {id: string}).id);
          }
        });

        const runOnce = async (n: number) => {
          // A new ADK session per run; deleted after, as an application would.
          const session = await sessionService.createSession({appName: APP, userId: USER});
          const collected: Event[] = [];
          for await (const event of runner.runAsync({
            userId: USER,
            sessionId: session.id,
            newMessage: {role: 'user', parts: [{text: `Order ${n}: what is the total?`}]},
          })) {
            collected.push(event);
          }
          await sessionService.deleteSession({appName: APP, userId: USER, sessionId: session.id});
          // ScriptedLlm keeps every request it was sent (for assertions elsewhere): test
          // machinery, ~10 KB a run, that would otherwise be counted as the agent's growth.
          model.requests.splice(0);
          const text = finalText(collected);
          let answer: unknown;
          try {
            answer = JSON.parse(text);
          } catch {
            answer = text;
          }
          expect(answer, `run ${n}`).toEqual(expectedAnswer(n));
        };

        let before!: Snapshot;
        let after!: Snapshot;
        let disposed!: Snapshot;
        let runsMs = 0;
        try {
          for (let n = 0; n < WARMUP_RUNS; n++) await runOnce(n);
          // A pool refills in the background: measure it full, both times.
          await expect.poll(() => executor.warmKernels, {timeout: 30_000}).toBe(poolSize);
          before = await settledSnapshot(base, createdContainers, {
            processes: 0,
            containerProcesses: Infinity,
            folders: poolSize,
            containers: backend.name === 'docker' ? poolSize : 0,
          });
          const runsStarted = Date.now();
          for (let n = WARMUP_RUNS; n < WARMUP_RUNS + RUNS; n++) await runOnce(n);
          runsMs = Date.now() - runsStarted;
          await expect.poll(() => executor.warmKernels, {timeout: 30_000}).toBe(poolSize);
          after = await settledSnapshot(base, createdContainers, counts(before));
        } finally {
          await executor.dispose();
          disposed = await settledSnapshot(base, createdContainers, {
            processes: 0,
            containerProcesses: 0,
            folders: 0,
            containers: 0,
          });
          (events as {destroy?: () => void} | undefined)?.destroy?.();
        }

        console.info(
          `[leak ${backend.name}] ${RUNS} runs in ${(runsMs / 1000).toFixed(1)} s ` +
            `(${(runsMs / RUNS).toFixed(0)} ms/run), test ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
            `  before:  ${summary(before)}\n  after:   ${summary(after)}\n  disposed: ${summary(disposed)}`,
        );

        // Each run really had its own sandbox: a new folder (and kernel) every run, and never
        // more than one besides the pool's at a time, so the previous run's was gone before the
        // next one started.
        const totalRuns = WARMUP_RUNS + RUNS;
        if (poolSize === 0) {
          expect(foldersDuringRuns.size).toBe(totalRuns);
          expect(mostFoldersAtOnce).toBe(1);
        } else {
          expect(foldersDuringRuns.size).toBeGreaterThanOrEqual(totalRuns);
          expect(mostFoldersAtOnce).toBeLessThanOrEqual(1 + poolSize);
        }
        if (backend.name === 'docker') {
          // A container per run (plus the pool's refills); none of them has a process left.
          expect(createdContainers.size).toBeGreaterThanOrEqual(totalRuns);
        } else {
          // Each run's kernel (and bwrap's processes) are new: at least one new pid per run.
          expect(kernelPidsDuringRuns.size).toBeGreaterThanOrEqual(totalRuns);
        }

        // After the runs, only the pool's kernels (none without a pool); after dispose, nothing.
        expect(before.folders).toHaveLength(poolSize);
        expect(before.containers).toHaveLength(backend.name === 'docker' ? poolSize : 0);
        expect(after.processes.length).toBeLessThanOrEqual(before.processes.length);
        expect(after.containerProcesses.length).toBeLessThanOrEqual(
          before.containerProcesses.length,
        );
        expect(after.folders).toHaveLength(poolSize);
        expect(after.containers).toHaveLength(before.containers.length);
        expect(disposed.processes).toEqual([]);
        expect(disposed.containerProcesses).toEqual([]);
        expect(disposed.folders).toEqual([]);
        expect(disposed.containers).toEqual([]);
        if (poolSize === 0) {
          expect(before.processes).toEqual([]);
          expect(after.processes).toEqual([]);
          expect(after.folders).toEqual([]);
        }

        expect(after.fds).toBeLessThanOrEqual(before.fds + FD_SLACK);
        expect(disposed.fds).toBeLessThanOrEqual(before.fds + FD_SLACK);
        expect(after.heapUsed - before.heapUsed).toBeLessThan(HEAP_GROWTH_BYTES);
        expect(after.rss - before.rss).toBeLessThan(RSS_GROWTH_BYTES);
      },
      // Measured on two busy cores: 35-60 s per backend (Docker with its pool included).
      300_000,
    );
  });
}
