/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The adversarial suite: every attack in `attacks.ts` against every backend that
 * `sandboxBackends()` lists. Sandboxing backends must deny or contain each one; the unsafe local
 * backend is run too, so the table shows honestly what it does not stop. Outcomes are written to
 * `test/security/results/<backend>.json`, and the last test regenerates SECURITY.md's table.
 */

import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {lookup} from 'node:dns/promises';
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {connect, createServer, type Server} from 'node:net';
import {homedir} from 'node:os';
import {join} from 'node:path';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import type {
  KernelCodeExecutor,
  KernelSandboxSession,
} from '../../src/code_executors/kernel_code_executor.js';
import type {ToolCallHandler, ToolCallRequest} from '../../src/code_executors/sandbox.js';
import {DEFAULT_SAFE_IMPORTS} from '../../src/security/import_policy.js';
import {
  RESULTS_DIR,
  SECURITY_MD,
  loadResults,
  renderAttackTable,
  tableInMarkdown,
  updateSecurityMd,
  writeResults,
  type AttackResult,
} from '../../scripts/security_report.js';
import {sandboxBackends} from '../helpers/sandboxes.js';
import {ATTACKS, type Attack, type HostFixtures, type Outcome, type Verdict} from './attacks.js';
import {heapGrowth} from './protocol_attacks.js';

/**
 * What the unsandboxed backend is known not to stop, whoever runs the tests (root or not):
 * asserted so the table cannot claim isolation it does not have. Other attacks on local are
 * recorded as observed (some depend on running as root).
 */
const LOCAL_NOT_DENIED = new Set([
  'read-host-home',
  'read-host-env',
  'write-host-tmp',
  'symlink-escape',
  'tcp-host-loopback',
  'read-other-session',
  'signal-other-session',
  'tmp-fill',
  'proc-host-facts',
  'dev-shm-fill',
  'memfd-over-rlimit',
  'children-over-limit',
]);

/**
 * What the local backend does stop, whoever runs the tests: the kernel's own guarantees
 * (timeouts, output cap, recursion, protocol checks, the supervisor's sweep of processes, the
 * host's caps, the import policy itself). The rest is recorded as observed, because it depends
 * on the user (root), on the machine's network, or on a pid namespace the local backend lacks.
 */
const LOCAL_HOLDS = new Set([
  'infinite-loop',
  'busy-thread',
  'deep-recursion',
  'deep-recursion-unlimited',
  'gigabyte-output',
  'background-process',
  'forged-protocol',
  'forged-protocol-live-id',
  'host-heap-rejected-calls',
  'host-heap-missing-tool',
  'host-heap-forged-calls',
  'stop-reading-tool-results',
  'forged-result-live-id',
  'forged-figure-html',
  'output-files-flood',
  'figure-loop',
  'stateful-hijack',
  'capture-reopen',
  'background-cpu',
  'policy-dunder-import',
]);

/**
 * Attacks a sandboxing backend does not stop yet, with the reason. The test pins them as
 * `not-denied`, so fixing one fails the test until its entry is removed here.
 */
const MOUNTINFO_GAP =
  "Linux shows every bind mount's source path in /proc/self/mountinfo: the input folder's " +
  'random name under the host temp folder (nothing the sandbox can reach)';
const KNOWN_GAPS: Record<string, Record<string, string>> = {
  bubblewrap: {'session-path-mountinfo': MOUNTINFO_GAP},
  // Docker mounts named volumes (filled through the API), never the session folder.
  docker: {},
};

/** Outcomes of this run, by backend, in attack order. */
const observed = new Map<string, AttackResult[]>();

const tag = randomBytes(6).toString('hex');
const secretEnvName = `ADK_SECRET_${tag.toUpperCase()}`;
const secretEnvValue = `adk-secret-value-${tag}`;
const secretFile = join(homedir(), `.adk-security-secret-${tag}`);
let server: Server;
let connections = 0;
let victim: ChildProcess;
let fixtures: Omit<HostFixtures, 'other'>;

/** Whether a host TCP connection to `host:port` succeeds within `timeoutMs`. */
function hostConnects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host, port, timeout: timeoutMs});
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** Measures the host event loop's largest delay between `start` and `stop`. */
function lagMonitor(): {stop(): number} {
  let max = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - 50);
    last = now;
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, performance.now() - last - 50);
    },
  };
}

beforeAll(async () => {
  // Set before any executor exists: no backend may pass it into a sandbox.
  process.env[secretEnvName] = secretEnvValue;
  writeFileSync(secretFile, `secret ${tag}\n`, {mode: 0o600});
  server = createServer((socket) => {
    connections++;
    socket.end('hello from the host\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A host process whose environment holds the secret (a process's /proc/<pid>/environ shows
  // the environment it was started with, so the test process's own would not).
  victim = spawn('sleep', ['600'], {env: {...process.env}, stdio: 'ignore'});
  const [tcpOutside, metadata, dns] = await Promise.all([
    hostConnects('1.1.1.1', 80, 2000),
    hostConnects('169.254.169.254', 80, 1000),
    lookup('example.com').then(
      () => true,
      () => false,
    ),
  ]);
  fixtures = {
    tag,
    secretEnvName,
    secretEnvValue,
    secretFile,
    loopbackPort: (server.address() as {port: number}).port,
    loopbackConnections: () => connections,
    victimPid: victim.pid!,
    hostReach: {tcpOutside, metadata, dns, dockerSock: existsSync('/var/run/docker.sock')},
  };
});

afterAll(async () => {
  // The figure the issue asks for: the largest host heap growth any heap attack reached.
  console.log(
    `largest host heap growth (MiB) by backend: ${JSON.stringify(Object.fromEntries(heapGrowth))}`,
  );
  delete process.env[secretEnvName];
  rmSync(secretFile, {force: true});
  victim?.kill('SIGKILL');
  await new Promise((resolve) => server?.close(resolve));
});

for (const backend of sandboxBackends()) {
  describe.skipIf(backend.skipReason !== undefined)(`adversarial: ${backend.title}`, () => {
    let executor: KernelCodeExecutor;
    let shared: KernelSandboxSession;
    let policy: KernelSandboxSession;
    let f: HostFixtures;
    // Names only: floods send hundreds of thousands of calls, and the test keeps no arguments.
    const toolCalls: ToolCallRequest[] = [];
    const onToolCall: ToolCallHandler = async (call) => {
      toolCalls.push({callId: '', name: call.name.slice(0, 100), args: {}});
      if (toolCalls.length > 10_000) toolCalls.splice(0, 5000);
      // Two megabytes a call, for attacks that stop reading tool results: even the 64 calls the
      // host lets be in flight at once then queue twice the kernel's 64 MiB bound.
      if (call.name === 'big_result') return {ok: true, value: 'r'.repeat(2 ** 21)};
      return {ok: false, errorType: 'ToolError', message: 'no such tool'};
    };
    // Indexed by attack, so the results keep the suite's order whatever order tests finish in.
    const results: AttackResult[] = [];
    observed.set(backend.name, results);

    beforeAll(async () => {
      executor = backend.create();
      let other: KernelSandboxSession;
      [shared, policy, other] = await Promise.all([
        executor.getSession('shared', {authorizedImports: ['*']}),
        executor.getSession('policy', {authorizedImports: DEFAULT_SAFE_IMPORTS}),
        executor.getSession('other', {authorizedImports: ['*']}),
      ]);
      // The other session's secret, written by the host where that session's code works.
      const otherSecret = join(other.workDir, 'secret.txt');
      writeFileSync(otherSecret, `other session ${tag}\n`);
      f = {...fixtures, other: {workDir: other.workDir, pid: other.pid, secretFile: otherSecret}};
    });

    afterAll(async () => {
      await executor?.dispose();
    });

    /** Runs one attack and classifies it; own-session attacks get (and lose) a fresh session. */
    async function attempt(attack: Attack): Promise<Verdict> {
      const key = `own-${attack.id}`;
      // An attack with options of its own gets an executor of its own (disposed after).
      const own = attack.executorOptions ? backend.create(attack.executorOptions) : undefined;
      const runner = own ?? executor;
      try {
        const session =
          own || attack.session === 'own'
            ? await runner.getSession(key, {authorizedImports: ['*']})
            : attack.session === 'shared'
              ? shared
              : policy;
        const loopbackBefore = connections;
        const lag = lagMonitor();
        const watcher = attack.watch?.(session);
        const result = await session.execute({
          code: attack.code(f),
          timeoutMs: attack.timeoutMs,
          onToolCall,
        });
        const watched = (await watcher?.stop()) ?? {};
        const maxLoopLagMs = lag.stop();
        try {
          return await attack.classify(result, {
            backend: backend.name,
            fixtures: f,
            session,
            run: (code, timeoutMs = 10_000) => session.execute({code, timeoutMs, onToolCall}),
            dispose: () => runner.closeSession(key),
            maxLoopLagMs,
            loopbackBefore,
            toolCalls,
            executor: runner,
            watched,
          });
        } finally {
          if (own || attack.session === 'own') await runner.closeSession(key);
        }
      } finally {
        await own?.dispose();
      }
    }

    for (const [index, attack] of ATTACKS.entries()) {
      const stated = attack.notRunOn?.[backend.name];
      if (stated) {
        // Not run here (it would harm the machine): the table says so, and no test pretends.
        results[index] = toResult(attack, stated);
        continue;
      }
      it(
        `${attack.id}: ${attack.title}`,
        async () => {
          let verdict: Verdict;
          try {
            verdict = await attempt(attack);
          } catch (error) {
            verdict = {outcome: 'inconclusive', how: `suite error: ${(error as Error).message}`};
            results[index] = toResult(attack, verdict);
            throw error;
          }
          results[index] = toResult(attack, verdict);
          const expected = expectation(backend.name, attack.id);
          const why = `${backend.name} ${attack.id}: ${verdict.how}`;
          if (expected === 'sandboxed') expect(verdict.outcome, why).not.toBe('not-denied');
          else if (expected) expect(verdict.outcome, why).toBe(expected);
        },
        attack.timeoutMs + 45_000 + (attack.classifyTimeoutMs ?? 0),
      );
    }
  });
}

describe('SECURITY.md attack table', () => {
  it('is regenerated from this run and matches the results files', () => {
    mkdirSync(RESULTS_DIR, {recursive: true});
    // Only backends that ran: a skipped backend keeps its results from a machine that has it.
    for (const [backend, indexed] of observed) {
      // Only backends whose attacks ran (a stated verdict alone does not count).
      const attacks = indexed.filter(Boolean);
      if (attacks.some((attack) => attack.observed)) writeResults({backend, attacks});
    }
    updateSecurityMd();
    const table = tableInMarkdown(readFileSync(SECURITY_MD, 'utf8'));
    expect(table).toBe(renderAttackTable(loadResults()));
  });
});

/** What to assert for `attack` on `backend`: an exact outcome, "not not-denied", or nothing. */
function expectation(backend: string, attack: string): Outcome | 'sandboxed' | undefined {
  if (backend === 'local') {
    if (LOCAL_NOT_DENIED.has(attack)) return 'not-denied';
    return LOCAL_HOLDS.has(attack) ? 'sandboxed' : undefined;
  }
  if (KNOWN_GAPS[backend]?.[attack]) return 'not-denied';
  return 'sandboxed';
}

function toResult(attack: Attack, verdict: Verdict): AttackResult {
  return {
    id: attack.id,
    title: attack.title,
    category: attack.category,
    outcome: verdict.outcome,
    how: verdict.how,
    observed: verdict.observed ?? true,
    ...(verdict.details ? {details: verdict.details} : {}),
  };
}
