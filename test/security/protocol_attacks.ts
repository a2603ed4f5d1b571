/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Attacks on the host through the kernel protocol and on what outlives an execution: the
 * host's heap (in a child host process with a 192 MiB heap), its queues, forged results and
 * caps, the supervisor's descriptors and signals, an earlier turn hijacking a later one,
 * processes left running and their CPU, and a container outliving its host. Part of
 * {@link ATTACKS} in `attacks.ts`, which says how rows are run and judged.
 */

import {spawn} from 'node:child_process';
import {readFileSync, rmSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

import Docker from 'dockerode';

import type {ExecutionResult} from '../../src/code_executors/sandbox.js';
import {isRunning, processTree, waitGone} from '../helpers/processes.js';
import {containersOf} from '../helpers/sandboxes.js';
import type {Attack, AttackContext, Verdict} from './attacks.js';

const MiB = 2 ** 20;
const CLOCK_TICKS = 100;
/** The largest host heap growth any heap attack reached in this run, per backend (MiB). */
export const heapGrowth = new Map<string, number>();

/** Finds the interpreter's channel to the supervisor (`_fd`) and the live execution id. */
const CHANNEL = `
import gc as _gc, json as _json, os as _os
_g = final_answer.__globals__
_fd = next(c.cell_contents for c in _g['SEND'].__closure__ if isinstance(c.cell_contents, int))
_live = _g['STATE'].current_id
def _raw(message):
    data = (_json.dumps(message) + '\\n').encode()
    view = memoryview(data)
    while view:
        view = view[_os.write(_fd, view):]
`;

/** Runs a node script as a child and returns its exit and its stdout's last line. */
function runChild(
  args: string[],
  timeoutMs: number,
): Promise<{code: number | null; signal: string | null; line: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({code, signal, line: out.trim().split('\n').pop() ?? '', stderr});
    });
  });
}

/** CPU time (user + system, clock ticks) of `pids` now; a process gone counts 0. */
function cpuTicks(pids: number[]): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // Gone.
    }
  }
  return ticks;
}

/** Share of one CPU the session's processes used over `ms` while no code ran (percent). */
export async function idleCpuPercent(context: AttackContext, ms = 2000): Promise<number> {
  const pid = context.session.pid;
  if (pid === undefined) return 0;
  const pids = processTree(pid);
  const start = cpuTicks(pids);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const end = cpuTicks(pids);
  let used = 0;
  for (const [process, ticks] of end) used += ticks - (start.get(process) ?? ticks);
  return Math.round((used / CLOCK_TICKS / (ms / 1000)) * 100);
}

/** A row running one of `fixtures/heap_attack.ts`'s attacks in a child host process. */
function heapAttack(
  name: 'rejected-calls' | 'missing-tool' | 'forged-calls',
  title: string,
): Attack {
  return {
    id: `host-heap-${name}`,
    title: `${title} (a real runner and CodingAgent in a host process with a 192 MiB heap)`,
    category: 'protocol',
    session: 'shared',
    timeoutMs: 5000,
    classifyTimeoutMs: 300_000,
    code: () => 'None',
    classify: async (_result, {backend}) => {
      const script = fileURLToPath(new URL('./fixtures/heap_attack.ts', import.meta.url));
      const run = await runChild(
        ['--max-old-space-size=192', '--expose-gc', '--import', 'tsx', script, backend, name],
        300_000,
      );
      if (run.code !== 0) {
        const oom = /heap out of memory/i.test(run.stderr);
        return {
          outcome: 'not-denied',
          how: oom ? 'the host ran out of heap' : `the host died (${run.signal ?? run.code})`,
        };
      }
      const report = JSON.parse(run.line) as {
        answer?: string;
        peakMiB: number;
        beforeMiB: number;
        afterMiB: number;
      };
      const growth = Math.round(report.peakMiB - report.beforeMiB);
      heapGrowth.set(backend, Math.max(heapGrowth.get(backend) ?? 0, growth));
      const kept = Math.round(report.afterMiB - report.beforeMiB);
      if (report.answer !== 'survived') {
        return {outcome: 'not-denied', how: `the run did not answer (${report.answer})`};
      }
      // Heap figures vary from run to run: the results file gets them in tens of MiB.
      const details = {
        peakGrowthMiB: Math.ceil(growth / 10) * 10,
        keptMiB: Math.round(kept / 10) * 10,
      };
      return {outcome: 'denied', how: 'the host survived and answered', details};
    },
  };
}

/** A snippet that writes `message` (Python source of a dict) onto the interpreter's channel. */
function forged(message: string): string {
  return `${CHANNEL}\nprint('before', flush=True)\n_raw(${message})\nimport time\ntime.sleep(5)\n'real'`;
}

/** Verdict for a forgery the supervisor must refuse: the kernel stopped, nothing forged kept. */
function refusedForgery(result: ExecutionResult, forgedValue?: string): Verdict {
  const forgedKept =
    (forgedValue !== undefined && result.value === forgedValue) ||
    result.figures.length > 0 ||
    result.files.length > 0 ||
    result.stdout.length > 1.1 * MiB;
  if (forgedKept) return {outcome: 'not-denied', how: 'the host took the forged result'};
  if (result.error?.type === 'ProtocolError' && result.stateLost) {
    return {outcome: 'denied', how: 'the supervisor refused it: ProtocolError, kernel restarted'};
  }
  return {outcome: 'denied', how: `not taken (${result.error?.type ?? result.value})`};
}

/** The protocol and lifetime attacks, in table order. */
export const PROTOCOL_ATTACKS: readonly Attack[] = [
  heapAttack(
    'rejected-calls',
    'Loop of rejected 6-60 MiB tool calls, then raw ones just under the cap',
  ),
  heapAttack(
    'missing-tool',
    'An agent with no tools calling a missing tool with 6-60 MiB arguments',
  ),
  heapAttack('forged-calls', '200 000 forged tool_call lines (1 KB call ids, then valid ones)'),
  {
    id: 'stop-reading-tool-results',
    title: "Stop the interpreter's reader (hold its lock) while issuing calls with 2 MiB results",
    category: 'protocol',
    session: 'own',
    timeoutMs: 60_000,
    code: () => `${CHANNEL}
import threading
_g['STATE'].pending_lock.acquire()
for i in range(400):
    _raw({'type': 'tool_call', 'id': _live, 'callId': 'call-%d' % (10**9 + i), 'name': 'big_result', 'args': {}})
import time
time.sleep(50)`,
    classify: (result) => {
      if (
        result.error?.type === 'ProtocolError' &&
        result.error.message.includes('stopped reading')
      ) {
        return {
          outcome: 'denied',
          how: 'the supervisor stopped the kernel at its 64 MiB queue bound',
        };
      }
      return {outcome: 'not-denied', how: `ended with ${result.error?.type ?? 'no error'}`};
    },
  },
  {
    id: 'forged-result-live-id',
    title:
      "Forge the running execution's result (live id, 3 MB stdout, a text/html figure, 50 001 files)",
    category: 'protocol',
    session: 'own',
    timeoutMs: 20_000,
    code: () =>
      forged(`{'type': 'done', 'id': _live, 'value': "'forged'", 'error': None,
    'stdout': 'x' * 3_000_000,
    'figures': [{'mimeType': 'text/html', 'data': 'PHNjcmlwdD4='}],
    'files': [{'name': 'f%d.txt' % i, 'mimeType': 'text/plain', 'data': ''} for i in range(50001)]}`),
    classify: (result) => refusedForgery(result, "'forged'"),
  },
  {
    id: 'forged-figure-html',
    title: 'Send a figure of type text/html, and one whose bytes are HTML, with the live id',
    category: 'protocol',
    session: 'own',
    timeoutMs: 20_000,
    code: () =>
      forged(
        "{'type': 'figure', 'id': _live, 'mimeType': 'image/png', 'data': 'PGh0bWw+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0PjwvaHRtbD4='}",
      ),
    classify: (result) => refusedForgery(result),
  },
  {
    id: 'output-files-flood',
    title: 'Write 50 001 files to the output folder in one step',
    category: 'resources',
    session: 'own',
    timeoutMs: 60_000,
    code: () =>
      "import os\nos.makedirs('output', exist_ok=True)\nfor i in range(50001):\n    open('output/f%05d.txt' % i, 'w').close()\n'written'",
    classify: (result) => {
      const details = {files: result.files.length};
      if (result.files.length <= 1000 && result.stderr.includes('more than 1000 new files')) {
        return {
          outcome: 'denied',
          how: `${result.files.length} returned (the cap), the rest noted`,
          details,
        };
      }
      return {outcome: 'not-denied', how: `${result.files.length} files returned`, details};
    },
  },
  {
    id: 'figure-loop',
    title: 'plt.figure() in a loop for 5 s (thousands of open figures)',
    category: 'resources',
    session: 'own',
    timeoutMs: 60_000,
    code: () =>
      'import time\nimport matplotlib.pyplot as plt\nend = time.time() + 5\nn = 0\nwhile time.time() < end:\n    plt.figure()\n    n += 1\nn',
    classify: (result) => {
      const details = {figures: result.figures.length, made: Number(result.value) > 20};
      if (result.figures.length <= 20 && /more figures were not returned/.test(result.stderr)) {
        return {
          outcome: 'denied',
          how: `${result.figures.length} returned (the cap), the rest closed`,
          details,
        };
      }
      return {outcome: 'not-denied', how: `${result.figures.length} figures returned`, details};
    },
  },
  {
    id: 'stateful-hijack',
    title:
      "Turn 1 wraps the kernel's send functions, print and final_answer; turn 2 prints and calls final_answer(6 * 7)",
    category: 'protocol',
    session: 'own',
    timeoutMs: 20_000,
    code: () => `
import builtins, gc, json, os, sys, types
def _hijack(message):
    if isinstance(message, dict) and 'finalAnswer' in message:
        message['finalAnswer'] = {'value': 'HIJACKED'}
    return message
wrapped = 0
# Every send-like function or method of the kernel, by name, wrapped to rewrite what it sends.
for obj in gc.get_objects():
    if isinstance(obj, types.FunctionType) and obj.__name__ in ('send', 'send_line', 'encode', 'write_all', 'to_jsonable', 'final_answer', 'execute', 'run_snippet'):
        original = obj.__code__
        glb = obj.__globals__
        for name, value in list(glb.items()):
            if value is obj:
                glb[name] = (lambda f: (lambda *a, **k: f(*[_hijack(x) for x in a], **k)))(obj)
                wrapped += 1
for name in ('SEND', 'ENCODE'):
    g = final_answer.__globals__
    if name in g:
        inner = g[name]
        g[name] = (lambda f: lambda text: f(text.replace('42', '"HIJACKED"') if isinstance(text, str) else text))(inner)
        wrapped += 1
final_answer.__globals__['to_jsonable'] = lambda value, depth=0: 'HIJACKED'
builtins.print = lambda *a, **k: sys.__stdout__.write('HIJACKED\\n')
builtins.final_answer = lambda value=None: final_answer('HIJACKED')
sys.stdout = types.SimpleNamespace(write=lambda text: len(text), flush=lambda: None)
wrapped`,
    classify: async (first, context) => {
      const second = await context.run('print("turn two")\nfinal_answer(6 * 7)');
      const details = {wrapped: Number(first.value) > 0};
      if (first.error) {
        return {outcome: 'inconclusive', how: `turn 1 failed: ${first.error.type}`, details};
      }
      if (second.finalAnswer?.value === 42 && second.stdout === 'turn two\n') {
        return {outcome: 'denied', how: "turn 2's answer and output are its own", details};
      }
      return {
        outcome: 'not-denied',
        how: `turn 2 answered ${JSON.stringify(second.finalAnswer?.value)} and printed ${JSON.stringify(second.stdout.slice(0, 40))}`,
        details,
      };
    },
  },
  {
    id: 'capture-reopen',
    title:
      "Turn 1 leaves a thread reading fds 1/2 (and /proc/self/fd/1) to rewrite turn 2's output",
    category: 'protocol',
    session: 'own',
    timeoutMs: 20_000,
    code: () => `
import json, os, threading
tried = {}
def _steal():
    for name, opener in (('reopen', lambda: open('/proc/self/fd/1', 'rb')), ('read', lambda: os.fdopen(os.dup(1), 'rb'))):
        try:
            tried[name] = len(opener().read(100))
        except OSError as e:
            tried[name] = type(e).__name__
t = threading.Thread(target=_steal, daemon=True)
t.start()
t.join(2)
print(json.dumps(tried))`,
    classify: async (first, context) => {
      const second = await context.run('print("mine")');
      const tried = JSON.parse(first.stdout.trim() || '{}') as Record<string, number | string>;
      const stolen = Object.values(tried).some((how) => typeof how === 'number' && how > 0);
      const how = Object.entries(tried)
        .map(([name, got]) => `${name}: ${typeof got === 'number' ? `${got} bytes` : got}`)
        .join(', ');
      if (second.stdout === 'mine\n' && !stolen) {
        return {outcome: 'denied', how: `write-only sockets (${how})`};
      }
      return {
        outcome: 'not-denied',
        how: `turn 2 printed ${JSON.stringify(second.stdout)}; ${how}`,
      };
    },
  },
  {
    id: 'supervisor-fds',
    title: "Open the supervisor's descriptors and memory through /proc/<ppid>",
    category: 'protocol',
    session: 'own',
    timeoutMs: 10_000,
    code: () => `
import json, os
ppid = os.getppid()
tries = {}
line = json.dumps({'type': 'result', 'id': 'exec-1', 'value': "'forged'", 'error': None}) + '\\n'
def attempt(name, f):
    try:
        f()
        tries[name] = 'ok'
    except OSError as e:
        tries[name] = type(e).__name__
attempt('list fd', lambda: os.listdir('/proc/%d/fd' % ppid))
for fd in (0, 1):
    attempt('open fd %d' % fd, lambda: open('/proc/%d/fd/%d' % (ppid, fd), 'wb').write(line.encode()))
attempt('mem', lambda: open('/proc/%d/mem' % ppid, 'rb').read(1))
attempt('environ', lambda: open('/proc/%d/environ' % ppid, 'rb').read())
print(json.dumps(tries))
'real'`,
    classify: (result) => {
      const tries = JSON.parse(result.stdout.trim() || '{}') as Record<string, string>;
      const opened = Object.entries(tries).filter(([, how]) => how === 'ok');
      if (result.value !== "'real'" || opened.length > 0) {
        return {outcome: 'not-denied', how: `opened ${opened.map(([name]) => name).join(', ')}`};
      }
      return {
        outcome: 'denied',
        how: `not dumpable: ${[...new Set(Object.values(tries))].join(', ')}`,
      };
    },
  },
  {
    id: 'signal-supervisor',
    title: 'Send SIGSTOP, SIGTERM, SIGINT, SIGUSR1 and SIGKILL to the supervisor',
    category: 'processes',
    session: 'own',
    timeoutMs: 10_000,
    code: () => `
import os, signal, time
ppid = os.getppid()
for number in (signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGKILL):
    try:
        os.kill(ppid, number)
    except OSError as e:
        print(type(e).__name__)
time.sleep(0.5)
'still here'`,
    classify: async (result, context) => {
      const after = await context.run('6 * 7', 10_000);
      if (result.value === "'still here'" && !result.stateLost && after.value === '42') {
        return {outcome: 'denied', how: 'PID 1 of the sandbox: the signals were not delivered'};
      }
      return {
        outcome: after.value === '42' ? 'contained' : 'not-denied',
        how: `the execution ended with ${result.error?.type ?? 'no error'}; the session ${after.value === '42' ? 'recovered' : 'did not recover'}`,
      };
    },
  },
  {
    id: 'background-cpu',
    title: 'Busy-looping processes (plain, setsid, double fork) left running after the execution',
    category: 'processes',
    session: 'own',
    timeoutMs: 10_000,
    code: () => `
import os, subprocess, sys
busy = [sys.executable, '-c', 'while True: pass']
subprocess.Popen(busy)
subprocess.Popen(['setsid'] + busy)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(busy[0], busy)
    os._exit(0)
os.wait()
'started'`,
    classify: async (result, context) => {
      const cpu = await idleCpuPercent(context);
      const stopped = result.stoppedProcesses?.count ?? 0;
      const details = {stopped, idleCpuPercent: Math.round(cpu / 10) * 10};
      if (stopped >= 3 && cpu < 10) {
        return {
          outcome: 'denied',
          how: `stopped at return (${stopped} named); ${cpu}% CPU idle`,
          details,
        };
      }
      return {outcome: 'not-denied', how: `${cpu}% CPU while no code ran`, details};
    },
  },
  {
    id: 'host-killed',
    title:
      'The host is SIGKILLed while the snippet ignores signals, replaces os._exit, forks and busy-loops',
    category: 'processes',
    session: 'shared',
    timeoutMs: 5000,
    classifyTimeoutMs: 150_000,
    code: () => 'None',
    classify: async (_result, {backend}) => {
      const script = fileURLToPath(
        new URL('../code_executors/fixtures/tampering_host.ts', import.meta.url),
      );
      const run = await runChild(['--import', 'tsx', script, backend], 120_000);
      const {pid, tree, sessionDir} = JSON.parse(run.line) as {
        pid: number;
        tree: number[];
        sessionDir: string;
      };
      const started = Date.now();
      let leftover: string;
      if (backend === 'docker') {
        const docker = new Docker();
        const [id] = await containersOf(docker, pid);
        const running = async () =>
          id !== undefined && (await docker.getContainer(id).inspect()).State.Running;
        while ((await running()) && Date.now() - started < 15_000) {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        leftover = (await running()) ? 'the container still runs' : '';
        if (id) await docker.getContainer(id).remove({force: true});
      } else {
        const left = await waitGone(tree, 15_000);
        leftover = left.length > 0 ? `${left.length} processes still run` : '';
        for (const process of left.filter(isRunning)) {
          try {
            globalThis.process.kill(process, 'SIGKILL');
          } catch {
            // Gone.
          }
        }
      }
      const seconds = Math.ceil((Date.now() - started) / 1000);
      // The dead host could not remove its session folder.
      rmSync(sessionDir, {recursive: true, force: true});
      if (leftover) return {outcome: 'not-denied', how: `${leftover} 15 s after the host died`};
      return {
        outcome: 'contained',
        how: `everything ended within ${seconds} s of the host's death`,
      };
    },
  },
];
