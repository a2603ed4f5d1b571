/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// The benchmark suite (`npm run bench`; `npm run bench:quick` for a smoke run). Every figure
// is printed next to a baseline measured in the same run, so ratios hold on a noisy machine.
// Results go to bench/results/benchmarks.{json,md} (full mode only).

import {spawnSync} from 'node:child_process';
import {readFileSync, readdirSync, mkdirSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {performance} from 'node:perf_hooks';

import {FunctionTool, InMemoryRunner} from '@google/adk';
import {encode} from 'gpt-tokenizer/encoding/o200k_base';
import {z} from 'zod';

import Docker from 'dockerode';

import {
  BubblewrapCodeExecutor,
  CONTAINER_OWNER_LABEL,
  CodingAgent,
  ContainerCodeExecutor,
  DEFAULT_SAFE_IMPORTS,
  ScriptedLlm,
  ToolCodeGenerator,
  UnsandboxedCodeExecutor,
  buildSystemPrompt,
  fetchCsvTool,
  type CodeExecutor,
  type SandboxSession,
} from '../src/index.js';
import {contextGrowth, tokensAgainstLlmAgent} from './token_economy.js';
import {mcpCallCost} from './mcp_calls.js';
import {snapshotFigures} from './snapshots.js';

const quick = process.argv.includes('--quick');
const N = quick
  ? {steps: 10, raw: 20, calls: 20, cold: 2, reexec: 1, levels: [1, 4], mcpCalls: 3, prints: 5}
  : {
      steps: 200,
      raw: 500,
      calls: 2000,
      cold: 10,
      reexec: 3,
      levels: [1, 8, 32],
      mcpCalls: 30,
      prints: 40,
    };
const PYTHON = '/usr/bin/python3';
const TITANIC = readFileSync(new URL('../samples/data/titanic.csv', import.meta.url));

type Backend = {
  name: string;
  make: (options?: {pool?: {size: number}}) => CodeExecutor & {warmUp(): Promise<void>};
};
const dockerCheck = ContainerCodeExecutor.isAvailableSync();
const BACKENDS: Backend[] = [
  {name: 'local', make: (o) => new UnsandboxedCodeExecutor(o)},
  {name: 'bubblewrap', make: (o) => new BubblewrapCodeExecutor(o)},
  ...(dockerCheck.available
    ? [{name: 'docker', make: (o?: {pool?: {size: number}}) => new ContainerCodeExecutor(o)}]
    : []),
];
if (!dockerCheck.available) console.error(`Docker rows left out: ${dockerCheck.reason}`);

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 0.01 ? 5 : n < 10 ? 3 : 1) : 'n/a');
const ratio = (a: number, b: number) => `${(a / b).toFixed(a / b < 10 ? 2 : 0)}×`;

interface Section {
  title: string;
  header: string[];
  rows: string[][];
  data: unknown;
}
const sections: Section[] = [];

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

/** Resident memory of every kernel process (python running kernel.py or interpreter.py), in MiB. */
function kernelRssMiB(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      // Python itself (the supervisor and the interpreter), not the bwrap process whose
      // arguments also name kernel.py.
      const kernelFile = (a: string) => a.endsWith('/kernel.py') || a.endsWith('/interpreter.py');
      if (!/python3?$/.test(argv[0]) || !argv.some(kernelFile)) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) out.push(Number(rss[1]) / 1024);
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

// 1. Step overhead: scripted model that answers at once, snippets that do nothing.
async function stepOverhead(b: Backend) {
  const executor = b.make();
  const sandbox = await executor.getSession('bench/raw', {authorizedImports: []});
  const raw: number[] = [];
  for (let i = 0; i < N.raw; i++)
    raw.push((await timed(() => sandbox.execute({code: 'x = 1'})))[1]);
  const modelTimes: number[] = [];
  let calls = 0;
  const model = new ScriptedLlm({
    responses: () => {
      const t = performance.now();
      const reply =
        ++calls <= N.steps ? '```python\nx = 1\n```' : '```python\nfinal_answer(x)\n```';
      modelTimes.push(performance.now() - t);
      return reply;
    },
  });
  const agent = new CodingAgent({
    name: 'bench',
    model,
    codeExecutor: executor,
    maxIterations: N.steps + 1,
  });
  const runner = new InMemoryRunner({agent, appName: 'bench'});
  const session = await runner.sessionService.createSession({appName: 'bench', userId: 'u'});
  const stamps: number[] = [];
  for await (const e of runner.runAsync({
    userId: 'u',
    sessionId: session.id,
    newMessage: {role: 'user', parts: [{text: 'go'}]},
  })) {
    if (e.content?.parts?.some((p) => p.codeExecutionResult)) stamps.push(performance.now());
  }
  // Step = time between consecutive results; the model's (measured) time is removed.
  const overhead = stamps.slice(1).map((t, i) => t - stamps[i] - (modelTimes[i + 1] ?? 0));
  await executor.dispose();
  return {
    backend: b.name,
    rawP50: pct(raw, 50),
    rawP95: pct(raw, 95),
    stepP50: pct(overhead, 50),
    stepP95: pct(overhead, 95),
  };
}

// 2. Tool-call round trip from code, timed inside the snippet; 1 and 8 threads.
async function toolRoundTrip(b: Backend) {
  const executor = b.make();
  const sandbox = await executor.getSession('bench/tools', {authorizedImports: ['*']});
  const onToolCall = async (call: {args: Record<string, unknown>}) => ({
    ok: true as const,
    value: call.args.i,
  });
  const code = (threads: number) => `
import time, threading, json
def worker(n, out):
    for i in range(n):
        t = time.perf_counter(); __adk_call_tool__("echo", {"i": i}); out.append((time.perf_counter() - t) * 1000)
outs = [[] for _ in range(${threads})]
ts = [threading.Thread(target=worker, args=(${Math.ceil(N.calls / threads)}, outs[k])) for k in range(${threads})]
t0 = time.perf_counter()
[t.start() for t in ts]; [t.join() for t in ts]
wall = (time.perf_counter() - t0) * 1000
lat = sorted(x for o in outs for x in o)
json.dumps([lat[len(lat)//2], lat[int(len(lat)*0.95)], len(lat) / wall * 1000])`;
  const parse = (r: Awaited<ReturnType<SandboxSession['execute']>>) =>
    JSON.parse(JSON.parse(r.value!.replace(/^'|'$/g, '"'))) as number[];
  // Baseline: the same loop calling a plain Python function (no host hop).
  const base = await sandbox.execute({
    code: 'import time\ndef f(i): return i\nt=time.perf_counter()\nfor i in range(100000): f(i)\n(time.perf_counter()-t)*1000/100000',
  });
  const single = parse(await sandbox.execute({code: code(1), onToolCall}));
  const eight = parse(await sandbox.execute({code: code(8), onToolCall}));
  await executor.dispose();
  return {backend: b.name, pyCallMs: Number(base.value), single, eight};
}

// 8. Streamed output: from a `print` in the snippet to the host's onOutput call (the clocks are
// the same machine's); baseline: the round trip of an empty execution.
async function outputLatency(b: Backend) {
  const executor = b.make();
  const sandbox = await executor.getSession('bench/stream', {authorizedImports: ['time']});
  const raw: number[] = [];
  for (let i = 0; i < N.steps; i++) {
    raw.push((await timed(() => sandbox.execute({code: 'x = 1'})))[1]);
  }
  const latencies: number[] = [];
  // Prints 150 ms apart, so each one waits for no earlier chunk (at most one every 100 ms).
  await sandbox.execute({
    code: `import time\nfor _ in range(${N.prints}):\n    print(repr(time.time()), flush=True)\n    time.sleep(0.15)`,
    timeoutMs: 120_000,
    onOutput: (chunk) => {
      const now = (performance.timeOrigin + performance.now()) / 1000;
      for (const line of chunk.text.split('\n').filter(Boolean)) {
        latencies.push((now - Number(line)) * 1000);
      }
    },
  });
  await executor.dispose();
  return {backend: b.name, rawP50: pct(raw, 50), p50: pct(latencies, 50), p95: pct(latencies, 95)};
}

// 3. Cold start and time to first result; baseline: a bare `python3 -c pass` on the host.
async function coldStart(b: Backend) {
  const firsts: number[] = [];
  const pandas: number[] = [];
  for (let i = 0; i < N.cold; i++) {
    const executor = b.make();
    firsts.push(
      (
        await timed(async () =>
          (await executor.getSession('c', {authorizedImports: []})).execute({code: 'x = 1'}),
        )
      )[1],
    );
    pandas.push(
      (
        await timed(async () =>
          (await executor.getSession('p', {authorizedImports: ['pandas']})).execute({
            code: 'import pandas',
          }),
        )
      )[1],
    );
    await executor.dispose();
  }
  return {backend: b.name, firstP50: pct(firsts, 50), pandasP50: pct(pandas, 50)};
}
function barePython(): number {
  const times: number[] = [];
  for (let i = 0; i < N.cold; i++) {
    const t = performance.now();
    spawnSync(PYTHON, ['-I', '-c', 'pass']);
    times.push(performance.now() - t);
  }
  return pct(times, 50);
}

// 4. Five pandas steps with the persistent kernel vs a fresh process per step.
const LOAD = 'import pandas as pd\ndf = pd.read_csv(PATH)';
const STEPS = [
  'print(df.shape)',
  'print(round(df["Survived"].mean() * 100, 2))',
  'print((df.groupby("Pclass")["Survived"].mean() * 100).round(2).to_dict())',
  'print(round(df[df.Sex == "female"]["Survived"].mean() * 100, 1))',
  'print(pd.crosstab(df.Pclass, df.Sex, values=df.Survived, aggfunc="mean").round(3).to_dict())',
];
/** Puts the CSV in `sandbox`, runs the five steps in it and returns each step's time. */
async function analyse(sandbox: SandboxSession): Promise<number[]> {
  const [file] = await sandbox.writeFiles([{name: 'titanic.csv', data: TITANIC}]);
  const load = LOAD.replace('PATH', JSON.stringify(file.path));
  const times: number[] = [];
  for (const [i, step] of STEPS.entries()) {
    const [result, took] = await timed(() =>
      sandbox.execute({code: i === 0 ? `${load}\n${step}` : step}),
    );
    if (result.error) throw new Error(result.error.message);
    times.push(took);
  }
  return times;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function stateVsReexecution(b: Backend) {
  const executor = b.make();
  const imports = [...DEFAULT_SAFE_IMPORTS, 'pandas'];
  let persistent = 0;
  let persistentLater = 0;
  for (let r = 0; r < N.reexec; r++) {
    const sandbox = await executor.getSession(`state${r}`, {authorizedImports: imports});
    const times = await analyse(sandbox);
    persistent += sum(times);
    persistentLater += sum(times.slice(1));
    await executor.closeSession(`state${r}`);
  }
  // The same analysis in a session taken from a warm pool (pandas imported ahead of time),
  // timed from the session request, so the start is included.
  const pooledExecutor = b.make({pool: {size: 1}});
  let pooled = 0;
  for (let r = 0; r < N.reexec; r++) {
    await pooledExecutor.warmUp();
    pooled += (
      await timed(async () =>
        analyse(await pooledExecutor.getSession(`pool${r}`, {authorizedImports: imports})),
      )
    )[1];
    await pooledExecutor.closeSession(`pool${r}`);
  }
  await pooledExecutor.dispose();
  let fresh = 0;
  let freshLater = 0;
  for (let r = 0; r < N.reexec; r++) {
    for (const [i, step] of STEPS.entries()) {
      const took = (
        await timed(async () => {
          const sandbox = await executor.getSession(`fresh${r}-${i}`, {authorizedImports: imports});
          const [file] = await sandbox.writeFiles([{name: 'titanic.csv', data: TITANIC}]);
          const r1 = await sandbox.execute({
            code: `${LOAD.replace('PATH', JSON.stringify(file.path))}\n${step}`,
          });
          if (r1.error) throw new Error(r1.error.message);
          await executor.closeSession(`fresh${r}-${i}`);
        })
      )[1];
      fresh += took;
      if (i > 0) freshLater += took;
    }
  }
  await executor.dispose();
  return {
    backend: b.name,
    persistentMs: persistent / N.reexec,
    pooledMs: pooled / N.reexec,
    freshMs: fresh / N.reexec,
    persistentLaterMs: persistentLater / N.reexec,
    freshLaterMs: freshLater / N.reexec,
  };
}

// 5. Concurrent sessions, five steps each with one tool call per step.
async function concurrency(b: Backend, sessions: number) {
  const executor = b.make();
  const echo = new FunctionTool({
    name: 'echo',
    description: 'Echo.',
    parameters: z.object({i: z.number()}),
    execute: ({i}) => i,
  });
  const model = new ScriptedLlm({
    responses: (req) => {
      const steps = req.contents.filter((c) => c.role === 'user').length - 1;
      return steps < 5
        ? `\`\`\`python\nv = echo(i=${steps})\n\`\`\``
        : '```python\nfinal_answer(v)\n```';
    },
  });
  const agent = new CodingAgent({
    name: 'conc',
    model,
    tools: [echo],
    codeExecutor: executor,
    maxIterations: 6,
  });
  const runner = new InMemoryRunner({agent, appName: 'bench'});
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(
      peak,
      kernelRssMiB().reduce((a, x) => a + x, 0),
    );
  }, 50);
  const gaps: number[] = [];
  let errors = 0;
  const [, wall] = await timed(() =>
    Promise.all(
      Array.from({length: sessions}, async () => {
        const s = await runner.sessionService.createSession({appName: 'bench', userId: 'u'});
        let last = 0;
        for await (const e of runner.runAsync({
          userId: 'u',
          sessionId: s.id,
          newMessage: {role: 'user', parts: [{text: 'go'}]},
        })) {
          if (e.errorCode) errors++;
          if (e.content?.parts?.some((p) => p.codeExecutionResult)) {
            const now = performance.now();
            if (last) gaps.push(now - last);
            last = now;
          }
        }
      }),
    ),
  );
  clearInterval(sampler);
  await executor.dispose();
  return {
    backend: b.name,
    sessions,
    stepsPerSecond: (sessions * 6) / (wall / 1000),
    stepP95: pct(gaps, 95),
    peakMiB: peak,
    errors,
  };
}
async function idleKernelMiB(b: Backend): Promise<number> {
  const executor = b.make();
  const before = new Set(kernelRssMiB());
  const count = 4;
  for (let i = 0; i < count; i++)
    await (await executor.getSession(`idle${i}`, {authorizedImports: []})).execute({code: 'x = 1'});
  const all = kernelRssMiB().filter((x) => !before.has(x));
  await executor.dispose();
  // A kernel is two processes (supervisor and interpreter): the memory of one kernel.
  return sum(all) / count;
}

// 6. Prompt tokens for the three-tool data-analysis case.
function promptTokens() {
  const listDatasets = new FunctionTool({
    name: 'list_datasets',
    description: 'List the data sets available, with their sizes.',
    execute: () => [],
  });
  const saveReport = new FunctionTool({
    name: 'save_report',
    description: 'Save a Markdown report for the user as an artifact.',
    parameters: z.object({
      title: z.string().describe('report title'),
      markdown: z.string().describe('report body'),
    }),
    execute: () => 'ok',
  });
  const instruction = 'You are a data analyst. Answer with numbers you computed.';
  const imports = [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy', 'matplotlib'];
  const none = encode(
    buildSystemPrompt({instruction, toolsPromptText: '', authorizedImports: imports}),
  ).length;
  const gen = new ToolCodeGenerator([fetchCsvTool, listDatasets, saveReport]);
  const three = encode(
    buildSystemPrompt({instruction, toolsPromptText: gen.promptText, authorizedImports: imports}),
  ).length;
  return {none, three, smolagentsNone: 1955, smolagentsThree: 2060};
}

// 7. Docker: warm pool vs cold container to the first result; a five-step pandas analysis in
// one persistent kernel vs one `docker exec python3 -c` per step (same image, same steps).
async function dockerStarts() {
  const cold: number[] = [];
  const coldPandas: number[] = [];
  const warm: number[] = [];
  const warmPandas: number[] = [];
  const imports = ['pandas'];
  const first = async (executor: CodeExecutor, key: string, code: string) =>
    (
      await timed(async () =>
        (await executor.getSession(key, {authorizedImports: imports})).execute({code}),
      )
    )[1];
  for (let i = 0; i < N.cold; i++) {
    const plain = new ContainerCodeExecutor();
    cold.push(await first(plain, 'c', 'x = 1'));
    coldPandas.push(await first(plain, 'p', 'import pandas'));
    await plain.dispose();
    const pooled = new ContainerCodeExecutor({pool: {size: 2}});
    await pooled.warmUp();
    warm.push(await first(pooled, 'c', 'x = 1'));
    warmPandas.push(await first(pooled, 'p', 'import pandas'));
    await pooled.dispose();
  }
  return {
    coldP50: pct(cold, 50),
    coldPandasP50: pct(coldPandas, 50),
    warmP50: pct(warm, 50),
    warmPandasP50: pct(warmPandas, 50),
  };
}

/** Five steps, each a new `python3 -c` through `docker exec` in a session's container. */
async function dockerExecBaseline() {
  const plain = new ContainerCodeExecutor();
  const docker = new Docker();
  const owner = `${hostname()}/${process.pid}`;
  let exec = 0;
  for (let r = 0; r < N.reexec; r++) {
    const sandbox = await plain.getSession(`exec${r}`, {authorizedImports: ['*']});
    const [file] = await sandbox.writeFiles([{name: 'titanic.csv', data: TITANIC}]);
    const [info] = await docker.listContainers({
      filters: {label: [`${CONTAINER_OWNER_LABEL}=${owner}`]},
    });
    const container = docker.getContainer(info.Id);
    const {Config} = await container.inspect();
    const load = LOAD.replace('PATH', JSON.stringify(file.path));
    exec += (
      await timed(async () => {
        for (const step of STEPS) {
          const run = await container.exec({
            Cmd: ['/usr/bin/python3', '-c', `${load}\n${step}`],
            AttachStdout: true,
            AttachStderr: true,
            User: Config.User,
            WorkingDir: '/work',
          });
          const stream = await run.start({hijack: true, stdin: false});
          await new Promise<void>((resolve) => {
            stream.on('end', resolve);
            stream.resume();
          });
          const {ExitCode} = await run.inspect();
          if (ExitCode !== 0) throw new Error(`docker exec step failed (${ExitCode})`);
        }
      })
    )[1];
    await plain.closeSession(`exec${r}`);
  }
  await plain.dispose();
  return {execMs: exec / N.reexec};
}

// --- run and report ---
const step = [];
const tools = [];
const cold = [];
const state = [];
const conc = [];
const idle: Record<string, number> = {};
const streaming = [];
for (const b of BACKENDS) {
  step.push(await stepOverhead(b));
  tools.push(await toolRoundTrip(b));
  streaming.push(await outputLatency(b));
  cold.push(await coldStart(b));
  state.push(await stateVsReexecution(b));
  for (const level of N.levels) conc.push(await concurrency(b, level));
  idle[b.name] = await idleKernelMiB(b);
}
const python = barePython();
const tokens = promptTokens();
// Sections 8 and 9 run on the default backend.
const tokenExecutor = new BubblewrapCodeExecutor();
const versusLlmAgent = await tokensAgainstLlmAgent(tokenExecutor);
const growth = await contextGrowth(tokenExecutor);
// The same run without observation aging: the baseline the budget is measured against.
const unaged = await contextGrowth(tokenExecutor, undefined, {maxRunContextChars: Infinity});
await tokenExecutor.dispose();
const dockerFigures = dockerCheck.available
  ? {
      starts: await dockerStarts(),
      // Ours from section 4's docker row, the baseline measured here on the same image.
      analysis: {...state.find((r) => r.backend === 'docker')!, ...(await dockerExecBaseline())},
    }
  : undefined;

sections.push({
  title: `1. Step overhead (scripted model, \`x = 1\` snippets, warm kernel; ${N.steps} steps; target p50 ≤ 2 ms on bubblewrap)`,
  header: [
    'backend',
    'raw execute p50 / p95 ms (baseline)',
    'step overhead p50 / p95 ms',
    'overhead ÷ raw execute',
  ],
  rows: step.map((r) => [
    r.backend,
    `${ms(r.rawP50)} / ${ms(r.rawP95)}`,
    `${ms(r.stepP50)} / ${ms(r.stepP95)}`,
    ratio(r.stepP50, r.rawP50),
  ]),
  data: step,
});
sections.push({
  title: `2. Tool-call round trip from code (${N.calls} calls; target p50 ≤ 0.5 ms)`,
  header: [
    'backend',
    'plain Python call ms (baseline)',
    '1 thread p50 / p95 ms',
    '8 threads p50 / p95 ms',
    'calls/s 1 → 8 threads',
  ],
  rows: tools.map((r) => [
    r.backend,
    ms(r.pyCallMs),
    `${ms(r.single[0])} / ${ms(r.single[1])}`,
    `${ms(r.eight[0])} / ${ms(r.eight[1])}`,
    `${r.single[2].toFixed(0)} → ${r.eight[2].toFixed(0)}`,
  ]),
  data: tools,
});
sections.push({
  title:
    '3. Cold start: new session to first result, no warm pool (target ≤ 100 ms on bubblewrap; warm pool: sections 4 and 7)',
  header: [
    'backend',
    'bare `python3 -c pass` ms (baseline)',
    'first result ms (p50)',
    'first `import pandas` ms (p50)',
    'first result ÷ bare python',
  ],
  rows: cold.map((r) => [
    r.backend,
    ms(python),
    ms(r.firstP50),
    ms(r.pandasP50),
    ratio(r.firstP50, python),
  ]),
  data: {python, cold},
});
sections.push({
  title:
    '4. Five-step pandas analysis of titanic.csv: persistent kernel vs a fresh process per step (target ≥ 20×)',
  header: [
    'backend',
    'fresh process per step ms (baseline)',
    'persistent kernel ms',
    'cheaper by',
    'warm-pool session ms (start included)',
    'cheaper by',
    'steps 2–5 only: fresh / persistent ms',
    'steps 2–5 cheaper by',
  ],
  rows: state.map((r) => [
    r.backend,
    ms(r.freshMs),
    ms(r.persistentMs),
    ratio(r.freshMs, r.persistentMs),
    ms(r.pooledMs),
    ratio(r.freshMs, r.pooledMs),
    `${ms(r.freshLaterMs)} / ${ms(r.persistentLaterMs)}`,
    ratio(r.freshLaterMs, r.persistentLaterMs),
  ]),
  data: state,
});
sections.push({
  title:
    '5. Concurrent sessions, 5 steps each with one tool call per step (2 cores; idle kernel target ≤ 30 MB)',
  header: [
    'backend',
    'sessions',
    'steps/s',
    'p95 step ms',
    'peak kernel RSS MiB',
    'errors',
    'idle kernel RSS MiB',
  ],
  rows: conc.map((r) => [
    r.backend,
    String(r.sessions),
    r.stepsPerSecond.toFixed(0),
    ms(r.stepP95),
    r.peakMiB.toFixed(0),
    String(r.errors),
    idle[r.backend].toFixed(1),
  ]),
  data: {conc, idle},
});
/** One "baseline vs ours" row: both figures and how much cheaper ours is. */
function versus(label: string, baseline: number, ours: number, format = ms): string[] {
  return [label, format(baseline), format(ours), ratio(baseline, ours)];
}

sections.push({
  title: '6. System prompt tokens (o200k, gpt-tokenizer; target ≤ 900 for three tools)',
  header: ['case', 'smolagents CodeAgent (baseline)', 'CodingAgent', 'smaller by'],
  rows: [
    versus('no tools', tokens.smolagentsNone, tokens.none, String),
    versus('three tools', tokens.smolagentsThree, tokens.three, String),
  ],
  data: tokens,
});

if (dockerFigures) {
  const {starts, analysis} = dockerFigures;
  sections.push({
    title:
      '7. Docker: warm pool vs cold container (time to first result), and a five-step pandas analysis vs one `docker exec` per step (same image, same steps)',
    header: ['measure', 'baseline ms', 'ours ms', 'cheaper by'],
    rows: [
      versus(
        'first result: cold container (baseline) vs warm pool',
        starts.coldP50,
        starts.warmP50,
      ),
      versus(
        'first `import pandas`: cold vs warm pool (preloaded)',
        starts.coldPandasP50,
        starts.warmPandasP50,
      ),
      versus(
        'five steps: `docker exec` per step vs persistent kernel',
        analysis.execMs,
        analysis.persistentMs,
      ),
      versus(
        'five steps incl. session start: `docker exec` per step vs warm-pool session',
        analysis.execMs,
        analysis.pooledMs,
      ),
    ],
    data: dockerFigures,
  });
}

const int = (n: number) => n.toLocaleString('en-US');
sections.push({
  title:
    '8. Tokens against LlmAgent (same tool, scripted replies solving each task the way each agent must, LlmAgent calls in parallel where possible; every request and reply counted with o200k)',
  header: [
    'task',
    'LlmAgent model calls',
    'LlmAgent tokens (baseline)',
    'CodingAgent model calls',
    'CodingAgent tokens',
    'LlmAgent ÷ CodingAgent',
    'same answer',
  ],
  rows: versusLlmAgent.map((r) => [
    r.task,
    String(r.llm.modelCalls),
    int(r.llm.totalTokens),
    String(r.coding.modelCalls),
    int(r.coding.totalTokens),
    ratio(r.llm.totalTokens, r.coding.totalTokens),
    r.sameAnswer ? 'yes' : `NO (${r.llm.answer} vs ${r.coding.answer})`,
  ]),
  data: versusLlmAgent,
});
sections.push({
  title: `9. One run's requests over ${growth.steps} code steps that each print ${(growth.printedBytes / 1000).toFixed(1)} KB (CodingAgent; o200k): without observation aging (baseline) and with the default maxRunContextChars`,
  header: [
    'request',
    'unaged characters (baseline)',
    'unaged tokens',
    'aged characters',
    'aged tokens',
    'aged ÷ unaged (tokens)',
  ],
  rows: [
    ...Object.keys(growth.atStep).map((step) => {
      const [a, u] = [growth.atStep[Number(step)], unaged.atStep[Number(step)]];
      return [
        `step ${step}`,
        int(u.chars),
        int(u.tokens),
        int(a.chars),
        int(a.tokens),
        ratio(a.tokens, u.tokens),
      ];
    }),
    [
      `all ${growth.total.modelCalls} requests of the run`,
      int(unaged.total.chars),
      int(unaged.total.tokens),
      int(growth.total.chars),
      int(growth.total.tokens),
      ratio(growth.total.tokens, unaged.total.tokens),
    ],
    [
      `step ${growth.steps} ÷ step 5`,
      ratio(unaged.atStep[growth.steps].chars, unaged.atStep[5].chars),
      ratio(unaged.atStep[growth.steps].tokens, unaged.atStep[5].tokens),
      ratio(growth.atStep[growth.steps].chars, growth.atStep[5].chars),
      ratio(growth.atStep[growth.steps].tokens, growth.atStep[5].tokens),
      '',
    ],
  ],
  data: {aged: growth, unaged},
});
{
  const executor = new BubblewrapCodeExecutor();
  const mcp = await mcpCallCost(executor, N.mcpCalls);
  await executor.dispose();
  sections.push({
    title: `10. MCP tool call from a snippet's loop (server-everything \`get-sum\` over stdio, ${N.mcpCalls} calls, bubblewrap)`,
    header: [
      'measure',
      'ADK MCPTool, session per call ms (baseline)',
      'CodingAgent, session per run ms',
      'cheaper by',
    ],
    rows: [
      versus('per call, median', mcp.perCallSession.p50, mcp.perRunSession.p50),
      versus(
        'per call, mean (first call included)',
        mcp.perCallSession.mean,
        mcp.perRunSession.mean,
      ),
      versus('first call', mcp.perCallSession.first, mcp.perRunSession.first),
    ],
    data: mcp,
  });
}
sections.push({
  title: `11. Streamed output: a \`print\` in the snippet to the host's \`onOutput\` (${N.prints} prints, 150 ms apart)`,
  header: [
    'backend',
    'empty execution round trip p50 ms (baseline)',
    'print → onOutput p50 / p95 ms',
    'latency ÷ round trip',
  ],
  rows: streaming.map((r) => [
    r.backend,
    ms(r.rawP50),
    `${ms(r.p50)} / ${ms(r.p95)}`,
    ratio(r.p50, r.rawP50),
  ]),
  data: streaming,
});

{
  const snap = await snapshotFigures(quick);
  const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
  const {many} = snap;
  sections.push({
    title: `12. Snapshots (bubblewrap): restore a session from its snapshot vs recompute it from the raw data in a fresh kernel; ${many.conversations} conversations over ${many.maxLiveSessions} live kernels`,
    header: ['measure', 'baseline', 'ours', 'ratio'],
    rows: [
      ...snap.workloads.flatMap((w) => [
        [`${w.workload}: snapshot size`, '', mb(w.snapshotBytes), ''],
        [`${w.workload}: snapshot ms`, '', ms(w.snapshotMs), ''],
        versus(`${w.workload}: recompute (baseline) vs restore, ms`, w.recomputeMs, w.restoreMs),
        [
          `${w.workload}: save of a turn that changed nothing, ms (bytes sent: ${w.unchangedSent ? 'yes' : 'none'})`,
          ms(w.snapshotMs),
          ms(w.unchangedSaveMs),
          ratio(w.snapshotMs, w.unchangedSaveMs),
        ],
        [`${w.workload}: restored state equal`, '', w.restoredSame ? 'yes' : 'NO', ''],
      ]),
      [
        `turn 2 got its DataFrame back (after eviction)`,
        '',
        `${many.correct} / ${many.conversations}`,
        '',
      ],
      [
        'time to first model call p50 / p95 ms: fresh kernel, turn 1 (baseline) vs restored, turn 2',
        `${ms(many.freshLatencyP50)} / ${ms(many.freshLatencyP95)}`,
        `${ms(many.restoreLatencyP50)} / ${ms(many.restoreLatencyP95)}`,
        ratio(many.restoreLatencyP50, many.freshLatencyP50),
      ],
      [
        `kernel memory MiB: ${many.conversations} live kernels (estimate: ${ms(many.perKernelRssMiB)} each) vs peak with at most ${many.maxLiveSessions} live`,
        ms(many.estimatedAllLiveMiB),
        ms(many.peakKernelRssMiB),
        ratio(many.estimatedAllLiveMiB, many.peakKernelRssMiB),
      ],
      [
        'machine memory used MiB: before the run vs peak during it (whole machine)',
        ms(many.machineBeforeMiB),
        ms(many.peakMachineMiB),
        '',
      ],
    ],
    data: snap,
  });
}

const md = [
  `# Benchmarks${quick ? ' (quick smoke run)' : ''}`,
  '',
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
  '',
];
for (const s of sections) {
  md.push(
    `## ${s.title}`,
    '',
    `| ${s.header.join(' | ')} |`,
    `|${s.header.map(() => '---').join('|')}|`,
    ...s.rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  );
}
console.log(md.join('\n'));
const dir = new URL(quick ? './results/quick/' : './results/', import.meta.url);
mkdirSync(dir, {recursive: true});
writeFileSync(
  new URL('benchmarks.json', dir),
  JSON.stringify(Object.fromEntries(sections.map((s) => [s.title, s.data])), null, 2),
);
writeFileSync(new URL('benchmarks.md', dir), md.join('\n'));
