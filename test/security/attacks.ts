/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The adversarial suite's attacks, as data: each is a Python snippet that model-written code
 * could send, and a classifier that decides from the result *and from the host side* whether
 * the sandbox denied it, contained it, or let it through. `adversarial_test.ts` runs every
 * attack against every backend; `scripts/security_report.ts` turns the outcomes into the table
 * in SECURITY.md.
 *
 * Snippets report what they saw as one `@@REPORT {json}` line on stdout, built only from
 * builtins, `json` and `hashlib` (both in DEFAULT_SAFE_IMPORTS), so the same helpers work in a
 * session under the default import policy. File contents never travel back: snippets send a
 * SHA-256 and the host compares it with the real host file.
 */

import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import {constants} from 'node:os';
import {basename, join} from 'node:path';

import Docker from 'dockerode';

import type {
  KernelCodeExecutor,
  KernelSandboxSession,
  SandboxCodeExecutorOptions,
} from '../../src/code_executors/kernel_code_executor.js';
import {
  hostView,
  parseMountinfo,
  planCgroups,
} from '../../src/code_executors/bubblewrap/cgroups.js';
import {
  CONTAINER_LABEL,
  CONTAINER_OWNER_LABEL,
  type ContainerCodeExecutor,
} from '../../src/code_executors/docker/container_code_executor.js';
import type {ExecutionResult, ToolCallRequest} from '../../src/code_executors/sandbox.js';
import {isRunning, processTree, uids, waitGone} from '../helpers/processes.js';
import {runHostProcess, type HostProcessReport} from '../helpers/host_process.js';
import {containersOf} from '../helpers/sandboxes.js';
import {PROTOCOL_ATTACKS, idleCpuPercent} from './protocol_attacks.js';

/**
 * What an attack achieved. `denied`: the action failed. `contained`: it ran, but only inside
 * the sandbox (the host and other sessions saw nothing, or the sandbox recovered). `not-denied`:
 * it reached the host. `inconclusive`: the host itself cannot do it here (e.g. no route to the
 * target), so the attempt proves nothing either way.
 */
export type Outcome = 'denied' | 'contained' | 'not-denied' | 'inconclusive';

/** An attack's outcome with a short, stable explanation (it lands in SECURITY.md's table). */
export interface Verdict {
  outcome: Outcome;
  /** A few words on how the outcome came about, e.g. `FileNotFoundError (ENOENT)`. */
  how: string;
  /** Extra observations for the results file (must be stable across runs: no timings). */
  details?: Record<string, unknown>;
  /** False when the attack was not run on this backend (see {@link Attack.notRunOn}). */
  observed?: boolean;
}

/** Groups of attacks, as in the threat model. */
export type AttackCategory =
  | 'host files'
  | 'host environment'
  | 'network'
  | 'privileges'
  | 'syscalls'
  | 'resources'
  | 'processes'
  | 'other sessions'
  | 'protocol'
  | 'lifecycle'
  | 'import policy';

/** Host-side things attacks aim at, set up once by the test before any executor exists. */
export interface HostFixtures {
  /** Random hex, unique per run: makes every path and marker unique. */
  tag: string;
  /** An environment variable set in the test process (and in {@link victimPid}'s environment). */
  secretEnvName: string;
  secretEnvValue: string;
  /** A secret file in the host user's home folder. */
  secretFile: string;
  /** A TCP server on host 127.0.0.1; it counts connections. */
  loopbackPort: number;
  loopbackConnections(): number;
  /** A host process (sleep) started with the secret variable in its environment. */
  victimPid: number;
  /** Another live session of the same executor, holding a secret file in its work folder. */
  other: {workDir: string; pid?: number; secretFile: string};
  /** Whether the host itself can reach outside targets (otherwise failures prove nothing). */
  hostReach: {tcpOutside: boolean; metadata: boolean; dns: boolean; dockerSock: boolean};
}

/** What a classifier may use besides the result. */
export interface AttackContext {
  backend: string;
  fixtures: HostFixtures;
  /** The session the attack ran in. */
  session: KernelSandboxSession;
  /** Runs a follow-up snippet in the same session (is it still usable?). */
  run(code: string, timeoutMs?: number): Promise<ExecutionResult>;
  /** Disposes the attack's own session (only for attacks with `session: 'own'`). */
  dispose(): Promise<void>;
  /** Largest delay of the host's event loop while the attack ran, in milliseconds. */
  maxLoopLagMs: number;
  /** Connections the host loopback server had counted before the attack ran. */
  loopbackBefore: number;
  /** Tool calls this backend's sessions sent to the host (the test's onToolCall records them). */
  toolCalls: ToolCallRequest[];
  /** The executor the attack's session belongs to. */
  executor: KernelCodeExecutor;
  /** What the attack's {@link Attack.watch} measured while it ran. */
  watched: Record<string, number>;
}

/** Host-side measurement taken while an attack's snippet runs. */
export interface Watcher {
  /** Ends the measurement (after the execution returned) and gives its figures. */
  stop(): Promise<Record<string, number>>;
}

/** One attack. */
export interface Attack {
  /** Stable id (results key and table row). */
  id: string;
  title: string;
  category: AttackCategory;
  /**
   * Where it runs: `shared` (a session allowing every import, shared by attacks that leave it
   * usable), `policy` (a shared session under DEFAULT_SAFE_IMPORTS), or `own` (a fresh session,
   * for attacks that kill the kernel or must check what dispose leaves behind).
   */
  session: 'shared' | 'policy' | 'own';
  /** Wall-clock limit of the execution. */
  timeoutMs: number;
  /** Time the classifier may take beyond the usual 45 s (it runs a child host, say). */
  classifyTimeoutMs?: number;
  /**
   * Options of a dedicated executor for this attack (e.g. a small `memoryLimit`), created for it
   * and disposed after; the session is then always the attack's own.
   */
  executorOptions?: SandboxCodeExecutorOptions;
  /** Starts a host-side measurement just before the snippet runs (memory, CPU). */
  watch?(session: KernelSandboxSession): Watcher;
  /**
   * Backends on which running it would harm the test machine (the unsandboxed backend has no
   * limit to stop it); the verdict is then stated, not observed.
   */
  notRunOn?: Record<string, Verdict>;
  /** The Python snippet. */
  code(fixtures: HostFixtures): string;
  /** Decides the outcome; may check the host and clean up what the attack left there. */
  classify(result: ExecutionResult, context: AttackContext): Promise<Verdict> | Verdict;
}

/** Helpers every snippet starts with: `_try`, `_sha` and `_report` (builtins, json, hashlib). */
export const PRELUDE = `
import json as _json, hashlib as _hashlib
def _err(e):
    n = getattr(e, 'errno', None)
    return {'type': type(e).__name__, 'errno': n if isinstance(n, int) else None, 'msg': str(e)[:160]}
def _try(f):
    try:
        return {'ok': True, 'v': f()}
    except BaseException as e:
        return {'ok': False, 'e': _err(e)}
def _sha(data):
    return _hashlib.sha256(data).hexdigest()
def _report(**kw):
    print('@@REPORT ' + _json.dumps(kw, default=repr), flush=True)
`;

/** A `_try` result as it arrives in a report. */
export interface Try {
  ok: boolean;
  v?: unknown;
  e?: {type: string; errno: number | null; msg: string};
}

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** `FileNotFoundError (ENOENT)`-style text for a failed `_try`. */
export function failure(t: Try | undefined): string {
  if (!t?.e) return 'no error reported';
  const {type, errno} = t.e;
  if (errno === null) return type;
  return `${type} (${ERRNO_NAMES.get(errno) ?? `errno ${errno}`})`;
}

/** The snippet's `@@REPORT` object (the last one printed). */
export function report(result: ExecutionResult): Record<string, Try & Record<string, unknown>> {
  const lines = result.stdout.split('\n').filter((line) => line.startsWith('@@REPORT '));
  if (lines.length === 0) {
    throw new Error(
      `the snippet printed no report: ${result.error?.type ?? ''} ${result.error?.message ?? ''}\n${result.stdout.slice(-500)}`,
    );
  }
  return JSON.parse(lines[lines.length - 1].slice('@@REPORT '.length)) as Record<
    string,
    Try & Record<string, unknown>
  >;
}

/** The report, or undefined when the snippet printed none (e.g. it was killed first). */
export function maybeReport(
  result: ExecutionResult,
): Record<string, (Try & Record<string, unknown>) | undefined> | undefined {
  try {
    return report(result);
  } catch {
    return undefined;
  }
}

/** A `sleep` argument unique to this run (`300.<digits>`), to find its processes on the host. */
export function sleepMark(tag: string): string {
  return `300.${parseInt(tag.slice(0, 6), 16) % 1_000_000}`;
}

/** SHA-256 of a host file, or undefined when this process cannot read it. */
export function hostSha(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Host pids whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(marker) && isRunning(Number(name))) found.push(Number(name));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Kills (SIGKILL) every host process whose command line contains `marker`; returns them. */
function killAll(marker: string): number[] {
  const pids = processesWith(marker);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return pids;
}

/** Verdict for reading a host file whose SHA-256 the snippet reported. */
function readVerdict(t: Try | undefined, hostPath: string, what: string): Verdict {
  if (!t?.ok) return {outcome: 'denied', how: failure(t)};
  const sha = hostSha(hostPath);
  if (sha !== undefined && t.v === sha) {
    return {outcome: 'not-denied', how: `read the host's ${what}`};
  }
  return {outcome: 'contained', how: `read the sandbox's own ${what}, not the host's`};
}

/** Verdict for writing a file outside the work folder: does it exist on the host now? */
function writeVerdict(t: Try | undefined, hostPath: string): Verdict {
  if (existsSync(hostPath)) {
    rmSync(hostPath, {force: true});
    return {outcome: 'not-denied', how: 'the file appeared on the host'};
  }
  if (!t?.ok) return {outcome: 'denied', how: failure(t)};
  return {outcome: 'contained', how: "written to the sandbox's private copy; host unchanged"};
}

/** Verdict for a network attempt: success is an escape; a failure proves something only if the host could. */
function netVerdict(t: Try | undefined, hostCan: boolean, success: string): Verdict {
  if (t?.ok) return {outcome: 'not-denied', how: success};
  const errno = t?.e?.errno;
  // No route or no usable network at all: the sandbox has no interface towards the target.
  const noNetwork =
    errno === constants.errno.ENETUNREACH ||
    errno === constants.errno.EHOSTUNREACH ||
    errno === constants.errno.EACCES ||
    errno === constants.errno.EPERM;
  if (noNetwork || hostCan) return {outcome: 'denied', how: failure(t)};
  return {outcome: 'inconclusive', how: `${failure(t)}; the host cannot reach it either`};
}

/** Runs a ctypes syscall in a child Python (so the kernel's own state stays intact). */
function syscallChild(body: string): string {
  return `${PRELUDE}
import subprocess, sys, platform
_CHILD = r'''
import ctypes, errno, os, platform, sys
arm = platform.machine() in ('aarch64', 'arm64')
NR = {'ptrace': 117 if arm else 101, 'unshare': 97 if arm else 272, 'mount': 40 if arm else 165,
      'umount2': 39 if arm else 166, 'io_uring_setup': 425, 'bpf': 280 if arm else 321,
      'socket': 198 if arm else 41, 'memfd_secret': 447, 'kcmp': 272 if arm else 312}
if not arm:
    NR['modify_ldt'] = 154
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(name, *args):
    if name not in NR:
        return 'err:%d' % errno.ENOSYS  # no such syscall on this architecture
    rc = libc.syscall(NR[name], *args)
    e = ctypes.get_errno()
    return 'ok' if rc >= 0 else 'err:' + str(e)
${body}
'''
def _child():
    p = subprocess.run([sys.executable, '-I', '-c', _CHILD], capture_output=True, text=True, timeout=10)
    out = p.stdout.strip().splitlines()
    if not out:
        raise OSError(None, 'child failed: exit %d %s' % (p.returncode, p.stderr.strip()[-200:]))
    line = out[-1]
    if line.startswith('err:'):
        n = int(line[4:])
        raise OSError(n, 'syscall failed')
    return line
_report(call=_try(_child))
`;
}

/** Verdict for a syscall probe: allowed at all is exposure of that kernel surface. */
function syscallVerdict(result: ExecutionResult, allowed: string): Verdict {
  const call = report(result).call;
  if (call.ok) return {outcome: 'not-denied', how: allowed};
  return {outcome: 'denied', how: failure(call)};
}

/** Checks that the session still runs code after an attack. */
async function stillUsable(context: AttackContext): Promise<boolean> {
  const after = await context.run('6 * 7', 15_000);
  return after.value === '42';
}

/** A host process can still be started (no pid or memory exhaustion left behind). */
function hostCanSpawn(): boolean {
  return spawnSync('/bin/true', {timeout: 5000}).status === 0;
}

const py = (value: string) => JSON.stringify(value);

/** The attacks, in table order. */
export const ATTACKS: readonly Attack[] = [
  // --- host files ---------------------------------------------------------------------------
  {
    id: 'read-etc-shadow',
    title: 'Read /etc/shadow',
    category: 'host files',
    session: 'shared',
    timeoutMs: 5000,
    code: () => `${PRELUDE}\n_report(read=_try(lambda: _sha(open('/etc/shadow', 'rb').read())))`,
    classify: (result) => readVerdict(report(result).read, '/etc/shadow', '/etc/shadow'),
  },
  {
    id: 'read-host-home',
    title: "Read a secret file in the host user's home",
    category: 'host files',
    session: 'shared',
    timeoutMs: 5000,
    code: (f) => `${PRELUDE}
import os
_report(read=_try(lambda: _sha(open(${py(f.secretFile)}, 'rb').read())),
        listing=_try(lambda: len(os.listdir(os.path.dirname(${py(f.secretFile)})))))`,
    classify: (result, {fixtures}) => readVerdict(report(result).read, fixtures.secretFile, 'file'),
  },
  {
    id: 'read-proc1-environ',
    title: 'Read /proc/1/environ',
    category: 'host environment',
    session: 'shared',
    timeoutMs: 5000,
    code: () =>
      `${PRELUDE}\n_report(read=_try(lambda: _sha(open('/proc/1/environ', 'rb').read())))`,
    classify: (result) => readVerdict(report(result).read, '/proc/1/environ', 'pid 1 environment'),
  },
  {
    id: 'read-host-env',
    title: "See the host's environment variables (os.environ, /proc/*/environ)",
    category: 'host environment',
    session: 'shared',
    timeoutMs: 10_000,
    code: (f) => `${PRELUDE}
import os
secret = ${py(f.secretEnvValue)}
in_environ = ${py(f.secretEnvName)} in os.environ or any(secret in v for v in os.environ.values())
own = _try(lambda: secret.encode() in open('/proc/self/environ', 'rb').read())
found = []
for p in os.listdir('/proc'):
    if p.isdigit():
        try:
            if secret.encode() in open('/proc/%s/environ' % p, 'rb').read():
                found.append(int(p))
        except OSError:
            pass
_report(in_environ={'ok': True, 'v': in_environ}, own=own, found={'ok': True, 'v': found})`,
    classify: (result) => {
      const r = report(result);
      const found = r.found.v as number[];
      if (r.in_environ.v === true) return {outcome: 'not-denied', how: 'secret in os.environ'};
      if (r.own.v === true) return {outcome: 'not-denied', how: 'secret in /proc/self/environ'};
      if (found.length > 0) {
        return {outcome: 'not-denied', how: "read a host process's /proc/<pid>/environ"};
      }
      return {outcome: 'denied', how: 'not in its environment; no host process visible'};
    },
  },
  ...hostFactAttacks(),
  ...(['usr', 'etc', 'tmp'] as const).map((dir): Attack => ({
    id: `write-host-${dir}`,
    title: `Write a file in host /${dir}`,
    category: 'host files',
    session: 'shared',
    timeoutMs: 5000,
    code: (f) =>
      `${PRELUDE}\n_report(write=_try(lambda: open(${py(`/${dir}/adk-security-${f.tag}`)}, 'w').write('x')))`,
    classify: (result, {fixtures}) =>
      writeVerdict(report(result).write, `/${dir}/adk-security-${fixtures.tag}`),
  })),
  ...deviceAttacks(),
  {
    id: 'symlink-escape',
    title: 'Symlink in the work folder to a host file: read, write through, return as output',
    category: 'host files',
    session: 'own',
    timeoutMs: 10_000,
    code: (f) => `${PRELUDE}
import os
os.makedirs('output', exist_ok=True)
os.symlink(${py(f.secretFile)}, 'link-read')
os.symlink(${py(`/tmp/adk-security-${f.tag}-symlink-target`)}, 'link-write')
os.symlink(${py(f.secretFile)}, 'output/leak.txt')
os.symlink('/', 'link-root')
_report(read=_try(lambda: _sha(open('link-read', 'rb').read())),
        write=_try(lambda: open('link-write', 'w').write('pwned')))`,
    classify: async (result, context) => {
      const {fixtures} = context;
      const r = report(result);
      const secretSha = hostSha(fixtures.secretFile);
      const target = `/tmp/adk-security-${fixtures.tag}-symlink-target`;
      const leaked = result.files.some(
        (file) =>
          createHash('sha256').update(Buffer.from(file.data, 'base64')).digest('hex') === secretSha,
      );
      // Disposing removes the work folder: it must delete the links, never what they point to.
      await context.dispose();
      const survived = hostSha(fixtures.secretFile) === secretSha && secretSha !== undefined;
      const escapes: string[] = [];
      if (r.read.ok && r.read.v === secretSha) escapes.push('read the host file');
      if (existsSync(target)) escapes.push('wrote through the link');
      if (leaked) escapes.push('host returned the target as an output file');
      if (!survived) escapes.push('dispose removed the target');
      rmSync(target, {force: true});
      if (escapes.length > 0) return {outcome: 'not-denied', how: escapes.join('; ')};
      return {
        outcome: 'denied',
        how: `links resolve inside the sandbox: read ${failure(r.read)}, write ${failure(r.write)}`,
      };
    },
  },
  {
    id: 'hardlink-escape',
    title: 'Hard link to /etc/passwd from the work folder',
    category: 'host files',
    session: 'shared',
    timeoutMs: 5000,
    code: (f) =>
      `${PRELUDE}\nimport os\n_report(link=_try(lambda: os.link('/etc/passwd', ${py(`hardlink-${f.tag}`)})))`,
    classify: (result, {session, fixtures}) => {
      const link = join(session.workDir, `hardlink-${fixtures.tag}`);
      const r = report(result);
      let same = false;
      try {
        const made = lstatSync(link);
        const host = statSync('/etc/passwd');
        same = made.ino === host.ino && made.dev === host.dev;
        rmSync(link, {force: true}); // removes the link only
      } catch {
        // No link on the host side.
      }
      if (same) return {outcome: 'not-denied', how: "linked the host's /etc/passwd"};
      if (r.link.ok) return {outcome: 'contained', how: "linked the sandbox's own /etc/passwd"};
      return {outcome: 'denied', how: failure(r.link)};
    },
  },
  // --- network ------------------------------------------------------------------------------
  ...(
    [
      ['tcp-outside', 'TCP connect to 1.1.1.1:80', '1.1.1.1', 'tcpOutside'],
      [
        'tcp-metadata',
        'TCP connect to the cloud metadata address 169.254.169.254:80',
        '169.254.169.254',
        'metadata',
      ],
    ] as const
  ).map(([id, title, address, reach]): Attack => ({
    id,
    title,
    category: 'network',
    session: 'shared',
    timeoutMs: 10_000,
    code: () =>
      `${PRELUDE}\nimport socket\n_report(c=_try(lambda: socket.create_connection((${py(address)}, 80), timeout=2).close()))`,
    classify: (result, {fixtures}) =>
      netVerdict(report(result).c, fixtures.hostReach[reach], 'connected'),
  })),
  {
    id: 'tcp-host-loopback',
    title: "TCP connect to a server on the host's 127.0.0.1",
    category: 'network',
    session: 'shared',
    timeoutMs: 10_000,
    code: (f) => `${PRELUDE}
import socket
def _get():
    s = socket.create_connection(('127.0.0.1', ${f.loopbackPort}), timeout=2)
    try:
        return s.recv(100).decode()
    finally:
        s.close()
_report(c=_try(_get))`,
    classify: (result, {fixtures, loopbackBefore}) => {
      const r = report(result);
      if (
        fixtures.loopbackConnections() > loopbackBefore ||
        String(r.c.v ?? '').includes('hello')
      ) {
        return {outcome: 'not-denied', how: 'reached the host server'};
      }
      return {outcome: 'denied', how: `${failure(r.c)}: a private loopback`};
    },
  },
  {
    id: 'udp-outside',
    title: 'UDP DNS query to 1.1.1.1:53',
    category: 'network',
    session: 'shared',
    timeoutMs: 10_000,
    code: () => `${PRELUDE}
import socket
def _query():
    q = b'\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07example\\x03com\\x00\\x00\\x01\\x00\\x01'
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(q, ('1.1.1.1', 53))
        return len(s.recvfrom(512)[0])
    finally:
        s.close()
_report(q=_try(_query))`,
    classify: (result, {fixtures}) =>
      netVerdict(report(result).q, fixtures.hostReach.tcpOutside, 'got a DNS answer'),
  },
  {
    id: 'dns-lookup',
    title: "DNS lookup (socket.getaddrinfo('example.com'))",
    category: 'network',
    session: 'shared',
    timeoutMs: 10_000,
    code: () => `${PRELUDE}
import socket
_report(q=_try(lambda: len(socket.getaddrinfo('example.com', 80))),
        ifaces={'ok': True, 'v': [n for _, n in socket.if_nameindex()]})`,
    classify: (result, {fixtures}) => {
      const r = report(result);
      const ifaces = r.ifaces.v as string[];
      // With a private loopback as its only interface, no query can leave the sandbox, whether
      // or not the host itself has a resolver.
      if (!r.q.ok && ifaces.length === 1 && ifaces[0] === 'lo') {
        return {outcome: 'denied', how: `${failure(r.q)}; no interface but a private lo`};
      }
      return netVerdict(r.q, fixtures.hostReach.dns, 'resolved the name');
    },
  },
  {
    id: 'raw-socket',
    title: 'Open a raw socket (SOCK_RAW, ICMP)',
    category: 'network',
    session: 'shared',
    timeoutMs: 5000,
    code: () => `${PRELUDE}
import socket
_report(s=_try(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()),
        ifaces={'ok': True, 'v': [n for _, n in socket.if_nameindex()]})`,
    classify: (result) => {
      const r = report(result);
      if (!r.s.ok) return {outcome: 'denied', how: failure(r.s)};
      const ifaces = r.ifaces.v as string[];
      if (ifaces.length === 1 && ifaces[0] === 'lo') {
        return {outcome: 'contained', how: 'opened, but the only interface is a private lo'};
      }
      return {outcome: 'not-denied', how: 'opened with host interfaces present'};
    },
  },
  {
    id: 'docker-socket',
    title: 'Talk to /var/run/docker.sock',
    category: 'network',
    session: 'shared',
    timeoutMs: 10_000,
    code: () => `${PRELUDE}
import socket
def _ask():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect('/var/run/docker.sock')
        s.sendall(b'GET /version HTTP/1.0\\r\\n\\r\\n')
        return s.recv(100).decode(errors='replace')[:12]
    finally:
        s.close()
_report(c=_try(_ask))`,
    classify: (result, {fixtures}) => {
      const c = report(result).c;
      if (c.ok) return {outcome: 'not-denied', how: 'the Docker API answered'};
      if (fixtures.hostReach.dockerSock) return {outcome: 'denied', how: failure(c)};
      return {outcome: 'inconclusive', how: `${failure(c)}; no docker.sock on this host`};
    },
  },
  // --- privileges and syscalls --------------------------------------------------------------
  {
    id: 'setuid-root',
    title: 'Become root: os.setuid(0)',
    category: 'privileges',
    session: 'shared',
    timeoutMs: 5000,
    code: () => `${PRELUDE}
import os
r = _try(lambda: os.setuid(0))
_report(setuid=r, uid={'ok': True, 'v': os.getuid()})`,
    classify: (result, {session}) => {
      const r = report(result);
      const hostUids = session.pid === undefined ? [] : processTree(session.pid).flatMap(uids);
      if (hostUids.includes(0)) {
        return {outcome: 'not-denied', how: 'runs as root on the host'};
      }
      if (r.setuid.ok) return {outcome: 'contained', how: 'uid 0 only inside its user namespace'};
      return {outcome: 'denied', how: failure(r.setuid)};
    },
  },
  {
    id: 'ptrace-host-process',
    title: 'ptrace(PTRACE_SEIZE) a host process',
    category: 'syscalls',
    session: 'shared',
    timeoutMs: 15_000,
    code: (f) =>
      // The child exits at once, which detaches it: the victim keeps running.
      syscallChild(`r = call('ptrace', 0x4206, ${f.victimPid}, 0, 0)
if r != 'ok':
    print(r); sys.exit(0)
print('ok')`),
    classify: (result) =>
      syscallVerdict(result, 'attached to the host process (its TracerPid was set)'),
  },
  {
    id: 'unshare-userns',
    title: 'unshare(CLONE_NEWUSER | CLONE_NEWNS)',
    category: 'syscalls',
    session: 'shared',
    timeoutMs: 15_000,
    code: () => syscallChild(`print(call('unshare', 0x10000000 | 0x00020000))`),
    classify: (result) => syscallVerdict(result, 'created new namespaces (kernel attack surface)'),
  },
  {
    id: 'mount-tmpfs',
    title: 'mount a tmpfs',
    category: 'syscalls',
    session: 'shared',
    timeoutMs: 15_000,
    code: (f) =>
      syscallChild(`d = os.path.abspath('mnt-${f.tag}')
os.makedirs(d, exist_ok=True)
r = call('mount', b'none', d.encode(), b'tmpfs', 0, None)
if r == 'ok':
    call('umount2', d.encode(), 2)
print(r)`),
    classify: (result) => syscallVerdict(result, 'mounted (then unmounted) a tmpfs'),
  },
  {
    id: 'io-uring-setup',
    title: 'io_uring_setup',
    category: 'syscalls',
    session: 'shared',
    timeoutMs: 15_000,
    code: () =>
      syscallChild(`params = ctypes.create_string_buffer(120)
print(call('io_uring_setup', 4, params))`),
    classify: (result) => syscallVerdict(result, 'got an io_uring (kernel attack surface)'),
  },
  {
    id: 'bpf-map-create',
    title: 'bpf(BPF_MAP_CREATE)',
    category: 'syscalls',
    session: 'shared',
    timeoutMs: 15_000,
    code: () =>
      syscallChild(`import struct
attr = ctypes.create_string_buffer(struct.pack('IIII', 2, 4, 4, 1) + bytes(56))
print(call('bpf', 0, attr, 72))`),
    classify: (result) => syscallVerdict(result, 'created a BPF map (kernel attack surface)'),
  },
  ...syscallDenyAttacks(),
  // --- other sessions -----------------------------------------------------------------------
  {
    id: 'read-other-session',
    title: "Read another session's work folder",
    category: 'other sessions',
    session: 'shared',
    timeoutMs: 5000,
    code: (f) =>
      `${PRELUDE}\n_report(read=_try(lambda: _sha(open(${py(f.other.secretFile)}, 'rb').read())))`,
    classify: (result, {fixtures}) =>
      readVerdict(report(result).read, fixtures.other.secretFile, "other session's file"),
  },
  {
    id: 'signal-other-session',
    title: "Signal another session's kernel (kill(pid, 0))",
    category: 'other sessions',
    session: 'shared',
    timeoutMs: 5000,
    code: (f) =>
      `${PRELUDE}\nimport os\n_report(kill=_try(lambda: os.kill(${f.other.pid ?? 0x7fffffff}, 0)))`,
    classify: (result) => {
      const r = report(result);
      if (r.kill.ok) return {outcome: 'not-denied', how: 'may signal it'};
      return {outcome: 'denied', how: failure(r.kill)};
    },
  },
  ...otherUserAttacks(),
  // --- resources ----------------------------------------------------------------------------
  {
    id: 'fork-bomb',
    title: 'Fork bomb (5 s timeout)',
    category: 'resources',
    session: 'own',
    timeoutMs: 5000,
    notRunOn: {
      local: {
        outcome: 'not-denied',
        how: 'not run: no process limit for a local root process',
        observed: false,
      },
    },
    code: (f) => `${PRELUDE}
import resource, subprocess, sys, time
_report(raise_nproc=_try(lambda: resource.setrlimit(resource.RLIMIT_NPROC, (resource.RLIM_INFINITY,) * 2)))
bomb = 'import os\\nwhile True:\\n    try:\\n        os.fork()\\n    except OSError:\\n        pass\\n'
subprocess.Popen([sys.executable, '-c', bomb, ${py(`adk-bomb-${f.tag}`)}])
while True:
    time.sleep(1)`,
    classify: async (result, context) => {
      const marker = `adk-bomb-${context.fixtures.tag}`;
      // The report was printed before the bomb; a killed execution may not return it.
      const raised = maybeReport(result)?.raise_nproc?.ok === true;
      const left = await waitGone(processesWith(marker), 5000);
      killAll(marker);
      const spawns = hostCanSpawn();
      const usable = await stillUsable(context);
      const details = {raisedLimit: raised, leftRunning: left.length, usable};
      if (left.length > 0 || !spawns || raised) {
        return {outcome: 'not-denied', how: 'processes outlived the timeout', details};
      }
      if (result.error?.type !== 'TimeoutError' || !usable) {
        return {outcome: 'not-denied', how: `ended with ${result.error?.type}`, details};
      }
      return {
        outcome: 'contained',
        how: 'process limit, then the timeout killed every process',
        details,
      };
    },
  },
  {
    id: 'memory-bomb',
    title: 'Allocate memory until failure',
    category: 'resources',
    session: 'own',
    timeoutMs: 30_000,
    code: () => `${PRELUDE}
import resource
raised = _try(lambda: resource.setrlimit(resource.RLIMIT_DATA, (resource.RLIM_INFINITY,) * 2))
if raised['ok']:
    # The limit is gone: stop before harming the machine that runs the tests.
    _report(raised=raised, alloc={'ok': True, 'v': 0})
else:
    chunks = []
    def _bomb():
        while True:
            chunks.append(b'\\x01' * (64 << 20))
    r = _try(_bomb)
    got = len(chunks) * 64
    chunks.clear()
    _report(raised=raised, alloc=r, mib={'ok': True, 'v': got})`,
    classify: async (result, context) => {
      const spawns = hostCanSpawn();
      const usable = await stillUsable(context);
      if (result.stateLost) {
        return usable && spawns
          ? {outcome: 'contained', how: 'killed (out of memory); kernel restarted'}
          : {outcome: 'not-denied', how: 'the sandbox did not recover'};
      }
      const r = report(result);
      if (r.raised.ok) {
        return {outcome: 'not-denied', how: 'lifted RLIMIT_DATA (root); not run further'};
      }
      if (!r.alloc.ok && r.alloc.e?.type === 'MemoryError' && usable) {
        const gib = Math.round(Number(r.mib.v) / 1024);
        return {outcome: 'denied', how: `MemoryError near ${gib} GiB (RLIMIT_DATA)`};
      }
      return {outcome: 'not-denied', how: failure(r.alloc)};
    },
  },
  {
    id: 'disk-fill',
    title: 'Write files until failure (bound: 1.25 GiB)',
    category: 'resources',
    session: 'own',
    timeoutMs: 60_000,
    code: () => `${PRELUDE}
import os, resource
raised = _try(lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2))
BOUND = 1280 << 20
block = b'\\0' * (16 << 20)
total = 0
errors = []
index = 0
while total < BOUND and len(errors) < 4:
    index += 1
    try:
        with open('fill-%d' % index, 'wb') as f:
            while total < BOUND:
                f.write(block)
                f.flush()
                total += len(block)
    except OSError as e:
        errors.append(_err(e))
        if e.errno != 27:  # EFBIG: this file is full; try another one
            break
_report(raised=raised, total={'ok': True, 'v': total >> 20}, errors={'ok': True, 'v': errors})`,
    classify: async (result, context) => {
      const r = report(result);
      const errors = r.errors.v as Array<{type: string; errno: number | null}>;
      const totalMiB = Number(r.total.v);
      const sessionDir = context.session.sessionDir;
      await context.dispose();
      const left = existsSync(sessionDir);
      const first = errors[0] ? failure({ok: false, e: {...errors[0], msg: ''}}) : 'none';
      const details = {totalMiB, errors: errors.map((e) => e.errno), removedOnDispose: !left};
      if (left) return {outcome: 'not-denied', how: 'files left after dispose', details};
      if (totalMiB >= 1280) {
        return {
          outcome: 'not-denied',
          how: `no total quota: ${first} per file, more files filled the bound`,
          details,
        };
      }
      // Each distinct error in order, e.g. EFBIG (the file limit) then ENOSPC (the quota).
      const seen = [...new Set(errors.map((e) => failure({ok: false, e: {...e, msg: ''}})))];
      return {
        outcome: 'denied',
        how: `${seen.join(', then ') || first} after ${totalMiB} MiB`,
        details,
      };
    },
  },
  {
    id: 'tmp-fill',
    title: 'Fill /tmp until failure (bound: 512 MiB)',
    category: 'resources',
    session: 'own',
    timeoutMs: 60_000,
    code: (f) => `${PRELUDE}
import os
folder = ${py(`/tmp/adk-fill-${f.tag}`)}
BOUND = 512 << 20
block = b'\\0' * (16 << 20)
total = 0
def _fill():
    global total
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'fill'), 'wb') as f:
        while total < BOUND:
            f.write(block)
            f.flush()
            total += len(block)
r = _try(_fill)
_report(fill=r, total={'ok': True, 'v': total >> 20})`,
    classify: async (result, context) => {
      const r = report(result);
      const totalMiB = Number(r.total.v);
      const hostFolder = `/tmp/adk-fill-${context.fixtures.tag}`;
      const onHost = existsSync(hostFolder);
      rmSync(hostFolder, {recursive: true, force: true});
      await context.dispose();
      const details = {totalMiB, onHost};
      if (onHost || totalMiB >= 512) {
        return {outcome: 'not-denied', how: `wrote ${totalMiB} MiB`, details};
      }
      return {outcome: 'denied', how: `${failure(r.fill)} after ${totalMiB} MiB`, details};
    },
  },
  ...sessionLimitAttacks(),
  {
    id: 'infinite-loop',
    title: 'Infinite loop (2 s timeout)',
    category: 'resources',
    session: 'own',
    timeoutMs: 2000,
    code: () => 'while True:\n    pass',
    classify: async (result, context) => {
      const usable = await stillUsable(context);
      if (result.error?.type === 'TimeoutError' && result.stateLost && usable) {
        return {outcome: 'contained', how: 'timeout killed the kernel; next execution works'};
      }
      return {outcome: 'not-denied', how: `ended with ${result.error?.type ?? 'no error'}`};
    },
  },
  {
    id: 'busy-thread',
    title: 'Busy loop in a background thread',
    category: 'resources',
    session: 'own',
    timeoutMs: 5000,
    code: () =>
      "import threading\ndef _spin():\n    while True:\n        pass\nthreading.Thread(target=_spin, daemon=True).start()\n'started'",
    classify: async (result, context) => {
      let answered = 0;
      for (let i = 0; i < 3; i++) if ((await context.run('6 * 7', 5000)).value === '42') answered++;
      // A thread is the interpreter itself: it keeps running (within the sandbox's CPU limit).
      const cpu = Math.round((await idleCpuPercent(context)) / 10) * 10;
      const tree = context.session.pid === undefined ? [] : processTree(context.session.pid);
      await context.dispose();
      const left = await waitGone(tree, 5000);
      const details = {idleCpuPercent: cpu};
      if (result.value === "'started'" && answered === 3 && left.length === 0) {
        return {outcome: 'contained', how: 'later executions answer; dispose kills it', details};
      }
      return {
        outcome: 'not-denied',
        how: `answered ${answered}/3, ${left.length} left running`,
        details,
      };
    },
  },
  {
    id: 'deep-recursion',
    title: 'Unbounded recursion',
    category: 'resources',
    session: 'shared',
    timeoutMs: 10_000,
    code: () => 'def _f(n):\n    return _f(n + 1)\n_f(0)',
    classify: async (result, context) => {
      const usable = await stillUsable(context);
      if (result.error?.type === 'RecursionError' && usable) {
        return {outcome: 'denied', how: 'RecursionError; session usable'};
      }
      return {outcome: 'not-denied', how: `ended with ${result.error?.type ?? 'no error'}`};
    },
  },
  {
    id: 'deep-recursion-unlimited',
    title: 'Recursion through C calls after sys.setrecursionlimit(10**7) (C stack overflow)',
    category: 'resources',
    session: 'own',
    timeoutMs: 20_000,
    // Each level passes through C (list, map), so the C stack overflows within a moment.
    code: () =>
      'import sys\nsys.setrecursionlimit(10**7)\ndef _f(n):\n    return list(map(_f, [n + 1]))\n_f(0)',
    classify: async (result, context) => {
      const usable = await stillUsable(context);
      if (!usable) return {outcome: 'not-denied', how: 'the session did not recover'};
      if (result.stateLost) return {outcome: 'contained', how: 'the kernel crashed and restarted'};
      return {outcome: 'denied', how: `${result.error?.type ?? 'no error'}; session usable`};
    },
  },
  {
    id: 'gigabyte-output',
    title: 'Print 1 GiB of output',
    category: 'resources',
    session: 'own',
    timeoutMs: 60_000,
    code: () =>
      "import os\nblock = (b'x' * 1023 + b'\\n') * 1024\nfor _ in range(1024):\n    os.write(1, block)",
    classify: async (result, context) => {
      const bytes = Buffer.byteLength(JSON.stringify(result));
      const usable = await stillUsable(context);
      // Stable detail: the size in whole MiB (the cap is 1 MiB per stream).
      const details = {resultMiB: Math.round(bytes / 2 ** 20), usable};
      if (bytes <= 4 * 2 ** 20 && usable && context.maxLoopLagMs < 2000) {
        return {outcome: 'contained', how: 'output capped (head and tail kept)', details};
      }
      return {outcome: 'not-denied', how: `result of ${bytes} bytes`, details};
    },
  },
  {
    id: 'background-process',
    title: 'Processes left running after the snippet (plain, setsid, double fork)',
    category: 'processes',
    session: 'own',
    timeoutMs: 10_000,
    code: (f) => `${PRELUDE}
import os, subprocess
mark = ${py(sleepMark(f.tag))}
plain = _try(lambda: subprocess.Popen(['sleep', mark]).pid)
setsid = _try(lambda: subprocess.Popen(['setsid', 'sleep', mark]).pid)
if os.fork() == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            os.execvp('sleep', ['sleep', mark])
    finally:
        os._exit(0)
_report(started={'ok': True, 'v': mark}, plain=plain, setsid=setsid)`,
    classify: async (result, context) => {
      const mark = String(report(result).started.v);
      const marker = `sleep ${mark}`;
      // Right after the execution returned: are any of the three still running?
      const running = processesWith(marker).length;
      const named = result.stoppedProcesses?.count ?? 0;
      await context.dispose();
      const left = await waitGone(processesWith(marker), 5000);
      killAll(marker);
      const details = {
        stoppedAtReturn: named,
        runningAfterReturn: running,
        leftAfterDispose: left.length,
      };
      if (running > 0 || left.length > 0) {
        return {
          outcome: 'not-denied',
          how: `${running} still ran after the execution returned`,
          details,
        };
      }
      if (named < 3) return {outcome: 'denied', how: 'could not start them', details};
      return {
        outcome: 'denied',
        how: 'all stopped when the execution returned, and named',
        details,
      };
    },
  },
  ...lifecycleAttacks(),
  // --- protocol -----------------------------------------------------------------------------
  {
    id: 'forged-protocol',
    title: 'Forge result/tool_call lines on fds 1-2, /proc/self/fd/* and fds 3-20',
    category: 'protocol',
    session: 'own',
    timeoutMs: 10_000,
    code: (f) => `${PRELUDE}
import os
fake = (_json.dumps({'type': 'tool_call', 'id': 'forged', 'callId': 'forged-1', 'name': 'forged_tool', 'args': {}}) + '\\n'
        + _json.dumps({'type': 'result', 'id': 'forged', 'stdout': 'FORGED', 'stderr': '', 'value': "'forged'",
                       'error': None, 'figures': [], 'files': []}) + '\\n').encode()
wrote = []
os.write(1, fake)
os.write(2, fake)
import stat
def _writable_kind(st):
    # Never regular files or folders: reopening one for writing would truncate or fail.
    return not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))
for name in os.listdir('/proc/self/fd'):
    try:
        if not _writable_kind(os.stat('/proc/self/fd/' + name)):
            continue
        with open('/proc/self/fd/' + name, 'wb', buffering=0) as f:
            f.write(fake)
        wrote.append('proc:' + name)
    except OSError:
        pass
for fd in range(3, 21):
    try:
        if not _writable_kind(os.fstat(fd)):
            continue
        os.fdopen(fd, 'wb', buffering=0, closefd=False).write(fake)
        wrote.append(fd)
    except OSError:
        pass
_report(wrote={'ok': True, 'v': len(wrote)})
${py(`real-${f.tag}`)}`,
    classify: (result, {fixtures, toolCalls}) => {
      const forged = toolCalls.filter((call) => call.name === 'forged_tool');
      if (forged.length > 0)
        return {outcome: 'not-denied', how: 'a forged tool call reached the host'};
      if (result.error?.type === 'ProtocolError' && result.stateLost) {
        // The lines reached the interpreter's own channel: the supervisor refused them.
        return {outcome: 'denied', how: 'captured as output; on its channel a ProtocolError'};
      }
      if (result.value !== `'real-${fixtures.tag}'`) {
        return {outcome: 'not-denied', how: `the real result was replaced (${result.value})`};
      }
      return {outcome: 'denied', how: 'captured as output or dropped (unknown id)'};
    },
  },
  {
    id: 'forged-protocol-live-id',
    title: "Forge a tool_call with the live execution id on the interpreter's channel",
    category: 'protocol',
    session: 'own',
    timeoutMs: 10_000,
    code: (f) => `${PRELUDE}
import os
g = final_answer.__globals__
fd = next(c.cell_contents for c in g['SEND'].__closure__ if isinstance(c.cell_contents, int))
line = _json.dumps({'type': 'tool_call', 'id': g['STATE'].current_id, 'callId': 'call-999999999', 'name': 'forged_live_tool', 'args': {}}) + '\\n'
os.write(fd, line.encode())
import time
time.sleep(1)
${py(`real-${f.tag}`)}`,
    classify: (result, {fixtures, toolCalls}) => {
      const forged = toolCalls.filter((call) => call.name === 'forged_live_tool');
      if (result.value !== `'real-${fixtures.tag}'`) {
        return {outcome: 'not-denied', how: `the real result was replaced (${result.value})`};
      }
      // The interpreter's channel is the snippet's own: a forged call is just a tool call it
      // could make with its stubs, relayed by the supervisor and validated by the host.
      if (forged.length > 0) {
        return {
          outcome: 'contained',
          how: 'arrives as an ordinary tool call, validated by the host',
        };
      }
      return {outcome: 'denied', how: 'dropped by the host'};
    },
  },
  ...PROTOCOL_ATTACKS,
  // --- import policy (session under DEFAULT_SAFE_IMPORTS) -----------------------------------
  ...policyAttacks(),
];

/**
 * Tricks against the import policy. Each records whether it got a forbidden module, and then
 * uses it to read /etc/shadow: the policy is not the boundary, the sandbox must still hold.
 */
function policyAttacks(): Attack[] {
  // `get` is an expression for the forbidden module (or, for the subclass walk, os's globals);
  // `read` defines `_read()` with it in `_m`. Only `typing` is imported, and it is allowed.
  const osRead = `def _read():
    f = (lambda n: _m[n]) if isinstance(_m, dict) else (lambda n: getattr(_m, n))
    fd = f('open')('/etc/shadow', f('O_RDONLY'))
    try:
        return _sha(f('read')(fd, 1 << 20))
    finally:
        f('close')(fd)`;
  const tricks: Array<{id: string; title: string; get: string; read: string}> = [
    {id: 'policy-dunder-import', title: "__import__('os')", get: "__import__('os')", read: osRead},
    {
      id: 'policy-importlib',
      title: "importlib.import_module('subprocess') (importlib via typing.sys.modules)",
      get: "typing.sys.modules['importlib'].import_module('subprocess')",
      read: `def _read():
    p = _m.run(['cat', '/etc/shadow'], capture_output=True)
    if p.returncode != 0:
        raise PermissionError(None, p.stderr.decode(errors='replace').strip()[-120:])
    return _sha(p.stdout)`,
    },
    {
      id: 'policy-subclasses',
      title: '().__class__.__base__.__subclasses__() walk to os',
      get: "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0].__init__.__globals__",
      read: osRead,
    },
    {
      id: 'policy-sys-modules',
      title: "sys.modules['os'] (sys via typing.sys)",
      get: "typing.sys.modules['os']",
      read: osRead,
    },
  ];
  return tricks.map((trick): Attack => ({
    id: trick.id,
    title: `Import policy bypass: ${trick.title}, then read /etc/shadow`,
    category: 'import policy',
    session: 'policy',
    timeoutMs: 5000,
    code: () => `${PRELUDE}
import typing
def _name(m):
    return m['__name__'] if isinstance(m, dict) else m.__name__
got = _try(lambda: _name(${trick.get}))
read = None
if got['ok']:
    _m = ${trick.get}
${trick.read.replace(/^/gm, '    ')}
    read = _try(_read)
_report(got=got, read=read)`,
    classify: (result) => {
      const r = report(result);
      if (!r.got.ok) {
        return {
          outcome: 'denied',
          how: `the policy blocked it (${failure(r.got)})`,
          details: {policyBypassed: false},
        };
      }
      const verdict = readVerdict(r.read, '/etc/shadow', '/etc/shadow');
      return {
        ...verdict,
        how: `policy bypassed; then ${verdict.how}`,
        details: {policyBypassed: true, module: r.got.v},
      };
    },
  }));
}

// --- host-side measurements -----------------------------------------------------------------

/**
 * Slack over a memory limit before what the session holds counts as escaping it (the
 * interpreter's shared libraries, sampling).
 */
const MEMORY_SLACK_MIB = 256;
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;
const MIB = 1 << 20;

/** Anonymous and shared memory resident in `pid` (`RssAnon` + `RssShmem` of its status), MiB. */
function residentMiB(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return (kib('RssAnon') + kib('RssShmem')) / 1024;
  } catch {
    return 0; // exited meanwhile
  }
}

/** The mount namespace `pid` lives in, or undefined when it is gone. */
function mountNamespace(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/**
 * What the tmpfs file systems of the session's own mount namespaces hold (its /dev/shm, /tmp,
 * /work), in MiB: memory no process maps, reached from the host through a member's root. A
 * sandbox's first process (bwrap) lives in the host's namespace, whose tmpfs belong to
 * everybody: they count only for a session with no namespace of its own (the local backend).
 */
function tmpfsUsedMiB(tree: readonly number[]): number {
  const host = mountNamespace('self');
  const byNamespace = new Map<string, number>();
  for (const member of tree) {
    const ns = mountNamespace(member);
    if (ns !== undefined && !byNamespace.has(ns)) byNamespace.set(ns, member);
  }
  const own = [...byNamespace].filter(([ns]) => ns !== host).map(([, member]) => member);
  const members = own.length > 0 ? own : [...byNamespace.values()];
  const seen = new Set<string>();
  let used = 0;
  for (const member of members) {
    let mounts: ReturnType<typeof parseMountinfo>;
    try {
      mounts = parseMountinfo(readFileSync(`/proc/${member}/mountinfo`, 'utf8'));
    } catch {
      continue;
    }
    for (const {device, mountPoint, fsType} of mounts) {
      if (fsType !== 'tmpfs' || seen.has(device)) continue;
      seen.add(device);
      try {
        const fs = statfsSync(`/proc/${member}/root${mountPoint}`);
        used += ((fs.blocks - fs.bfree) * fs.bsize) / MIB;
      } catch {
        // unmounted or gone meanwhile
      }
    }
  }
  return used;
}

/**
 * Samples, from the host, the memory a session holds while an attack runs: what its processes
 * have resident plus what its tmpfs file systems hold, and the host's `Shmem` rise (a memfd no
 * process maps any more); the largest of each, in MiB. Measured on the session rather than as
 * the host's `MemAvailable`, which the other test files running beside this one move too.
 */
function watchSessionMemory(session: KernelSandboxSession): Watcher {
  const pid = session.pid;
  const shmemBefore = hostShmemMiB();
  let sessionPeak = 0;
  let shmemRise = 0;
  const sample = () => {
    if (pid === undefined) return;
    const tree = processTree(pid);
    const held = tree.reduce((sum, member) => sum + residentMiB(member), 0) + tmpfsUsedMiB(tree);
    sessionPeak = Math.max(sessionPeak, held);
    shmemRise = Math.max(shmemRise, hostShmemMiB() - shmemBefore);
  };
  const timer = setInterval(sample, 50);
  return {
    stop: async (): Promise<Record<string, number>> => {
      clearInterval(timer);
      sample();
      if (pid === undefined) return {};
      return {sessionPeakMiB: Math.round(sessionPeak), shmemRiseMiB: Math.round(shmemRise)};
    },
  };
}

/** `Shmem` of /proc/meminfo, in MiB. */
function hostShmemMiB(): number {
  const text = readFileSync('/proc/meminfo', 'utf8');
  return Number(/^Shmem:\s+(\d+)/m.exec(text)?.[1]) / 1024;
}

/** CPU time (user + system, clock ticks) of `pid` and every process below it. */
function treeCpuTicks(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${member}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks;
}

/**
 * The `cpu.stat` file of the cgroup `pid` belongs to (v1 cpu hierarchy or v2), or undefined when
 * it is the root cgroup (no quota there) or not found.
 */
function cpuStatFile(pid: number): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  } catch {
    return undefined;
  }
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined || path === '/') continue;
    const candidates = controllers.split(',').includes('cpu')
      ? [`/sys/fs/cgroup/cpu${path}`, `/sys/fs/cgroup/cpu,cpuacct${path}`]
      : controllers === ''
        ? [`/sys/fs/cgroup${path}`]
        : [];
    const found = candidates.map((dir) => join(dir, 'cpu.stat')).find((file) => existsSync(file));
    if (found) return found;
  }
  return undefined;
}

/** Times the cgroup was throttled by its CPU quota (`nr_throttled` of cpu.stat). */
function throttledPeriods(file: string | undefined): number {
  if (!file) return 0;
  try {
    return Number(/^nr_throttled (\d+)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Measures, seen from the host, the CPUs a session's processes use over a window (from
 * `startMs` to `endMs` after the snippet started) and how often their cgroup's quota throttled
 * them; and, over the same window, the CPUs of a control: four busy host processes in a session
 * of their own, as the sandbox's are (the scheduler shares CPU between sessions and cgroups, not
 * processes). The control tells a quota apart from a host too busy to give the sandbox more.
 */
function watchSessionCpu(session: KernelSandboxSession, startMs: number, endMs: number): Watcher {
  const pid = session.pid;
  const seconds = (endMs - startMs) / 1000;
  const measured = new Promise<Record<string, number>>((resolve) => {
    if (pid === undefined) {
      resolve({});
      return;
    }
    setTimeout(() => {
      const spin = 'for i in 1 2 3 4; do (while :; do :; done) & done; wait';
      const control = spawn('/bin/sh', ['-c', spin], {stdio: 'ignore', detached: true});
      const tree = processTree(pid);
      const stat = cpuStatFile(tree[tree.length - 1]);
      const first = treeCpuTicks(pid);
      const throttledBefore = throttledPeriods(stat);
      setTimeout(() => {
        const cpus = (treeCpuTicks(pid) - first) / CLOCK_TICKS / seconds;
        const throttled = throttledPeriods(stat) - throttledBefore;
        const controlCpus = treeCpuTicks(control.pid!) / CLOCK_TICKS / seconds;
        process.kill(-control.pid!, 'SIGKILL');
        resolve({cpus, controlCpus, throttled});
      }, endMs - startMs);
    }, startMs);
  });
  return {stop: () => measured};
}

/** Verdict of a memory attack against a session limited to `limitMiB`. */
function memoryVerdict(
  result: ExecutionResult,
  context: AttackContext,
  limitMiB: number,
  escaped: (r: Record<string, (Try & Record<string, unknown>) | undefined> | undefined) => boolean,
  what: string,
): Verdict {
  const {sessionPeakMiB, shmemRiseMiB = 0} = context.watched;
  if (sessionPeakMiB === undefined) {
    return {outcome: 'inconclusive', how: 'the session has no host process to measure'};
  }
  const r = maybeReport(result);
  const withinLimit = Math.max(sessionPeakMiB, shmemRiseMiB) <= limitMiB + MEMORY_SLACK_MIB;
  const details = {withinLimit};
  if (escaped(r) || !withinLimit) {
    return {
      outcome: 'not-denied',
      how: `${what}: the host gave more than the session's limit`,
      details,
    };
  }
  if (result.stateLost && /out of memory/.test(result.error?.message ?? '')) {
    return {
      outcome: 'contained',
      how: `killed at the session's ${limitMiB} MiB limit (out of memory)`,
      details,
    };
  }
  return {
    outcome: 'denied',
    how: `stopped below the limit: ${result.error?.type ?? 'see report'}`,
    details,
  };
}

// --- attacks added for session-wide limits, host facts and leftovers ------------------------

/** Host facts in /proc a snippet never needs, and the session folder's host path. */
function hostFactAttacks(): Attack[] {
  const facts = [
    '/proc/cmdline',
    '/proc/config.gz',
    '/proc/sys/kernel/random/boot_id',
    '/proc/version',
    '/proc/kallsyms',
    '/proc/modules',
    '/proc/swaps',
    '/proc/keys',
    '/proc/timer_list',
  ];
  return [
    {
      id: 'proc-host-facts',
      title:
        "Read host facts (/proc/cmdline, config.gz, boot_id, version, kallsyms, ...) and find the session folder's host path in /proc/*/cmdline, environ, cwd",
      category: 'host environment',
      session: 'own',
      timeoutMs: 15_000,
      code: () => `${PRELUDE}
import os
facts = {}
for path in _json.loads(${py(JSON.stringify(facts))}):
    facts[path] = _try(lambda: _sha(open(path, 'rb').read()))
seen = []
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    for name in ('cmdline', 'environ'):
        try:
            seen.append(open('/proc/%s/%s' % (p, name), 'rb').read().decode(errors='replace'))
        except OSError:
            pass
    for name in ('cwd', 'root', 'exe'):
        try:
            seen.append(os.readlink('/proc/%s/%s' % (p, name)))
        except OSError:
            pass
seen.append(os.getcwd())
seen.extend('%s=%s' % kv for kv in os.environ.items())
_report(facts={'ok': True, 'v': facts}, seen={'ok': True, 'v': seen})`,
      classify: (result, {session}) => {
        const r = report(result);
        const reads = r.facts.v as Record<string, Try>;
        const exposed = facts.filter((path) => {
          const sha = hostSha(path);
          return (
            reads[path]?.ok && sha !== undefined && reads[path].v === sha && hostHasContent(path)
          );
        });
        const seen = (r.seen.v as string[]).join('\n');
        const pathSeen = seen.includes(session.sessionDir);
        const details = {exposed, sessionPathSeen: pathSeen};
        if (exposed.length > 0 || pathSeen) {
          const what = [...exposed, ...(pathSeen ? ['the session folder path'] : [])];
          return {outcome: 'not-denied', how: `read ${what.join(', ')}`, details};
        }
        return {
          outcome: 'denied',
          how: 'every fact reads empty or is missing; no host path in /proc',
          details,
        };
      },
    },
    {
      id: 'session-path-mountinfo',
      title: "Find the session folder's host path in /proc/self/mountinfo (bind-mount sources)",
      category: 'host environment',
      session: 'own',
      timeoutMs: 5000,
      code: () => `${PRELUDE}\n_report(m={'ok': True, 'v': open('/proc/self/mountinfo').read()})`,
      classify: (result, {session}) => {
        const shown = String(report(result).m.v).includes(basename(session.sessionDir));
        return shown
          ? {outcome: 'not-denied', how: "a bind mount's source path shows the session folder"}
          : {outcome: 'denied', how: 'no session folder path in mountinfo'};
      },
    },
  ];
}

/** True when the host's own copy of a /proc file has content (an empty one proves nothing). */
function hostHasContent(path: string): boolean {
  try {
    return readFileSync(path).length > 0;
  } catch {
    return false;
  }
}

/** Writing device files. */
function deviceAttacks(): Attack[] {
  return [
    {
      id: 'dev-write',
      title: 'Create a file in /dev (and a 1 MiB file in /dev/shm)',
      category: 'host files',
      session: 'shared',
      timeoutMs: 5000,
      code: (f) => `${PRELUDE}
import os
_report(dev=_try(lambda: open(${py(`/dev/adk-security-${f.tag}`)}, 'w').write('x')),
        shm=_try(lambda: open(${py(`/dev/shm/adk-security-${f.tag}`)}, 'wb').write(b'x' * (1 << 20))))
# The host looks for the /dev file (and removes it); the /dev/shm one goes now.
_try(lambda: os.remove(${py(`/dev/shm/adk-security-${f.tag}`)}))`,
      classify: (result, {fixtures}) => {
        const r = report(result);
        const onHost = `/dev/adk-security-${fixtures.tag}`;
        if (existsSync(onHost)) {
          rmSync(onHost, {force: true});
          return {outcome: 'not-denied', how: "created a file in the host's /dev"};
        }
        if (r.dev.ok) return {outcome: 'contained', how: "created it in the sandbox's own /dev"};
        return {outcome: 'denied', how: `${failure(r.dev)}; /dev/shm writable: ${r.shm.ok}`};
      },
    },
  ];
}

/** The syscalls the filter denies since the review (argument rules included). */
function syscallDenyAttacks(): Attack[] {
  const probes: Array<[string, string, string, string]> = [
    [
      'vsock-socket',
      'socket(AF_VSOCK): a channel to the hypervisor that network namespaces do not isolate',
      "print(call('socket', 40, 1, 0))",
      'opened a VSOCK socket',
    ],
    [
      'modify-ldt',
      'modify_ldt (x86 segment tables)',
      "print(call('modify_ldt', 0, ctypes.create_string_buffer(16), 16))",
      'read its LDT',
    ],
    [
      'memfd-secret',
      'memfd_secret (memory hidden from the kernel)',
      "print(call('memfd_secret', 0))",
      'got a secret memory fd',
    ],
    [
      'kcmp',
      'kcmp (compare kernel objects of processes)',
      "print(call('kcmp', os.getpid(), os.getpid(), 0, 0, 0))",
      'compared kernel objects',
    ],
  ];
  return probes.map(([id, title, body, allowed]): Attack => ({
    id,
    title,
    category: 'syscalls',
    session: 'shared',
    timeoutMs: 15_000,
    code: () => syscallChild(body),
    classify: (result) => syscallVerdict(result, allowed),
  }));
}

/** Other local users and the session's files on the host. */
function otherUserAttacks(): Attack[] {
  return [
    {
      id: 'other-user-reads-attachments',
      title: "Another local user (a host process as an unused uid) reads a session's input file",
      category: 'other sessions',
      session: 'own',
      timeoutMs: 5000,
      code: () => 'pass',
      classify: async (_result, {session, fixtures}) => {
        const [written] = await session.writeFiles([
          {name: 'attachment.csv', data: Buffer.from(`secret,${fixtures.tag}\n`)},
        ]);
        if (process.getuid?.() !== 0) {
          return {outcome: 'inconclusive', how: 'needs a root host to act as another user'};
        }
        const stranger = {
          uid: 0x6ffe4321,
          gid: 0x6ffe4321,
          encoding: 'utf8' as const,
          timeout: 5000,
        };
        // Docker keeps input files in a session volume on the daemon's disk, not in the folder.
        const hostFile = join(session.hostInputDir, written.name);
        const folder = existsSync(hostFile)
          ? {file: hostFile, list: session.sessionDir, what: 'the session folder'}
          : await inputVolumeOf(written.name, fixtures.tag);
        if (!folder) return {outcome: 'inconclusive', how: 'the attachment was not found on disk'};
        const read = spawnSync('/bin/cat', [folder.file], stranger);
        const list = spawnSync('/bin/ls', [folder.list], stranger);
        if (read.stdout.includes(fixtures.tag)) {
          return {outcome: 'not-denied', how: 'read the attachment'};
        }
        const how = `cat: ${/Permission denied/.test(read.stderr) ? 'EACCES' : `exit ${read.status}`}; ls of ${folder.what}: ${list.status === 0 ? 'allowed' : 'EACCES'}`;
        return {outcome: list.status === 0 ? 'not-denied' : 'denied', how};
      },
    },
  ];
}

/** The local daemon's input volume of this process holding `name` with `tag` in it, if any. */
async function inputVolumeOf(
  name: string,
  tag: string,
): Promise<{file: string; list: string; what: string} | undefined> {
  const docker = new Docker();
  const {Volumes: volumes} = await docker
    .listVolumes({filters: {label: ['dev.adk-coding-agent.volume=input']}})
    .catch(() => ({Volumes: []}));
  for (const volume of volumes ?? []) {
    const file = join(volume.Mountpoint, name);
    if (existsSync(file) && readFileSync(file, 'utf8').includes(tag)) {
      return {file, list: volume.Mountpoint, what: "the session's input volume"};
    }
  }
  return undefined;
}

/** Memory and CPU a whole session may take: held to its cgroup on the sandboxing backends. */
function sessionLimitAttacks(): Attack[] {
  const limitMiB = 512;
  return [
    {
      id: 'dev-shm-fill',
      title: 'Fill /dev/shm (memoryLimit 512m, shmSize 2g; bound 1 GiB)',
      category: 'resources',
      session: 'own',
      timeoutMs: 60_000,
      executorOptions: {memoryLimit: `${limitMiB}m`, shmSize: '2g'},
      watch: (session) => watchSessionMemory(session),
      code: (f) => `${PRELUDE}
BOUND = 1024 << 20
block = b'\\x01' * (16 << 20)
total = 0
def _fill():
    global total
    with open(${py(`/dev/shm/adk-fill-${f.tag}`)}, 'wb') as f:
        while total < BOUND:
            f.write(block)
            f.flush()
            total += len(block)
r = _try(_fill)
_report(fill=r, total={'ok': True, 'v': total >> 20})`,
      classify: async (result, context) => {
        const verdict = memoryVerdict(
          result,
          context,
          limitMiB,
          (r) => Number(r?.total?.v ?? 0) >= 1024,
          'wrote 1 GiB to /dev/shm',
        );
        // The local backend writes the host's own /dev/shm.
        rmSync(`/dev/shm/adk-fill-${context.fixtures.tag}`, {force: true});
        return verdict;
      },
    },
    {
      id: 'memfd-over-rlimit',
      title: 'A shared memfd mapping past RLIMIT_DATA (memoryLimit 512m; bound 1 GiB)',
      category: 'resources',
      session: 'own',
      timeoutMs: 60_000,
      executorOptions: {memoryLimit: `${limitMiB}m`},
      watch: (session) => watchSessionMemory(session),
      code: () => `${PRELUDE}
import mmap, os
BOUND = 1024 << 20
STEP = 16 << 20
fd = os.memfd_create('adk-fill')
os.ftruncate(fd, BOUND)
m = mmap.mmap(fd, BOUND, mmap.MAP_SHARED)
touched = 0
def _touch():
    global touched
    block = b'\\x01' * STEP
    while touched < BOUND:
        m[touched:touched + STEP] = block
        touched += STEP
r = _try(_touch)
_report(touch=r, total={'ok': True, 'v': touched >> 20})`,
      classify: (result, context) =>
        memoryVerdict(
          result,
          context,
          limitMiB,
          (r) => Number(r?.total?.v ?? 0) >= 1024,
          'mapped 1 GiB of memfd',
        ),
    },
    {
      id: 'children-over-limit',
      title: 'Three child processes of 400 MiB each, each under RLIMIT_DATA (memoryLimit 512m)',
      category: 'resources',
      session: 'own',
      timeoutMs: 60_000,
      executorOptions: {memoryLimit: `${limitMiB}m`},
      watch: (session) => watchSessionMemory(session),
      code: () => `${PRELUDE}
import subprocess, sys
child = "import time\\nx = b'\\\\x01' * (400 << 20)\\nprint('held', flush=True)\\ntime.sleep(3)"
procs = [subprocess.Popen([sys.executable, '-c', child], stdout=subprocess.PIPE, text=True) for _ in range(3)]
outs = [p.communicate()[0].strip() for p in procs]
_report(codes={'ok': True, 'v': [p.returncode for p in procs]}, held={'ok': True, 'v': outs.count('held')})`,
      classify: (result, context) => {
        const codes = (maybeReport(result)?.codes?.v as number[] | undefined) ?? [];
        const verdict = memoryVerdict(
          result,
          context,
          limitMiB,
          () => codes.length === 3 && codes.every((code) => code === 0),
          'all three held 400 MiB at once',
        );
        if (verdict.outcome === 'denied' && codes.some((code) => code === -9)) {
          return {
            ...verdict,
            outcome: 'contained',
            how: "a child was killed at the session's 512 MiB limit (out of memory)",
          };
        }
        return verdict;
      },
    },
    {
      id: 'cpu-quota',
      title: 'Four busy processes against cpus 0.25 (CPU time measured from the host over 3 s)',
      category: 'resources',
      session: 'own',
      timeoutMs: 30_000,
      // A small quota, so that even a busy host gives the session more than it (and it shows).
      executorOptions: {cpus: 0.25},
      watch: (session) => watchSessionCpu(session, 1500, 4500),
      code: () => `${PRELUDE}
import subprocess, sys, time
procs = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(4)]
time.sleep(5.5)
for p in procs:
    p.kill()
for p in procs:
    p.wait()
_report(started={'ok': True, 'v': len(procs)})`,
      classify: (result, {watched}) => {
        const started = Number(report(result).started.v);
        const {cpus, controlCpus} = watched;
        if (cpus === undefined || controlCpus === undefined || started !== 4) {
          return {outcome: 'inconclusive', how: 'the busy processes did not run'};
        }
        // Twice the quota: it did not hold (the slack covers sampling).
        if (cpus > 0.5) {
          return {
            outcome: 'not-denied',
            how: 'used more than its 0.25-CPU quota',
            details: {withinQuota: false},
          };
        }
        // Under it: a quota is shown by its cgroup throttling the session, or by the same four
        // busy processes outside any quota getting more than the quota allows.
        if (watched.throttled > 0 || controlCpus > 0.5) {
          return {
            outcome: 'contained',
            how: 'held to its 0.25-CPU quota',
            details: {withinQuota: true},
          };
        }
        return {
          outcome: 'inconclusive',
          how: 'the host was too busy to tell a quota from its load',
        };
      },
    },
  ];
}

/** What a host that died (SIGKILL) leaves behind, and who removes it. */
function lifecycleAttacks(): Attack[] {
  return [
    {
      id: 'crashed-host-leftovers',
      title:
        'A host SIGKILLed with a live session (attachment in its folder): the next start removes the folder, cgroup and container',
      category: 'lifecycle',
      session: 'shared',
      timeoutMs: 5000,
      code: () => 'pass',
      classify: async (_result, {backend}) => {
        const crashed = await runHostProcess(backend, 'crash');
        const left = await leftovers(backend, crashed);
        const kernelGone =
          (await waitGone(crashed.kernelPid ? [crashed.kernelPid] : [], 5000)).length === 0;
        const next = await runHostProcess(backend, 'start');
        const after = await leftovers(backend, crashed);
        const details = {
          leftByCrash: left.map((l) => l.kind),
          leftAfterNextStart: after.map((l) => l.kind),
          kernelGone,
        };
        if (after.length > 0 || !kernelGone || next.value !== '42') {
          return {
            outcome: 'not-denied',
            how: `still there after the next start: ${after.map((l) => l.kind).join(', ') || 'the kernel'}`,
            details,
          };
        }
        if (left.length === 0) return {outcome: 'denied', how: 'nothing was left behind', details};
        return {
          outcome: 'contained',
          how: `the next start removed the ${left.map((l) => l.kind).join(', ')}`,
          details,
        };
      },
    },
    {
      id: 'docker-reap-by-age',
      title:
        'Containers of another host on a shared daemon: exited ones are reaped after a grace period, running ones are kept',
      category: 'lifecycle',
      session: 'shared',
      timeoutMs: 5000,
      notRunOn: {
        local: {outcome: 'inconclusive', how: 'no containers on this backend', observed: false},
        bubblewrap: {
          outcome: 'inconclusive',
          how: 'no containers on this backend',
          observed: false,
        },
      },
      code: () => 'pass',
      classify: async (_result, {executor, fixtures}) => reapByAge(executor, fixtures.tag),
    },
  ];
}

/** What a crashed fixture left: its session folder, its cgroups, its containers. */
async function leftovers(
  backend: string,
  crashed: HostProcessReport,
): Promise<Array<{kind: string; path: string}>> {
  const found: Array<{kind: string; path: string}> = [];
  if (crashed.sessionDir && existsSync(crashed.sessionDir)) {
    found.push({kind: 'session folder', path: crashed.sessionDir});
  }
  if (backend === 'bubblewrap') {
    const plan = planCgroups(hostView()).plan;
    const parents =
      plan.version === 2 ? [plan.parent] : plan.version === 1 ? Object.values(plan.parents) : [];
    for (const parent of parents) {
      for (const name of readdirSync(parent)) {
        if (name.startsWith(`adk-coding-agent-${crashed.pid}.`))
          found.push({kind: 'cgroup', path: join(parent, name)});
      }
    }
  }
  if (backend === 'docker') {
    for (const id of await containersOf(new Docker(), crashed.pid)) {
      found.push({kind: 'container', path: id});
    }
  }
  // Each kind once, in a stable order.
  return found.filter((item, i) => found.findIndex((other) => other.kind === item.kind) === i);
}

/** Plants containers of another host on the daemon and checks which the reaper removes. */
async function reapByAge(executor: KernelCodeExecutor, tag: string): Promise<Verdict> {
  const docker = (executor as ContainerCodeExecutor).docker;
  const image = (executor as ContainerCodeExecutor).image;
  const labels = (name: string) => ({
    [CONTAINER_LABEL]: 'true',
    [CONTAINER_OWNER_LABEL]: `elsewhere.invalid/${name}`,
    'dev.adk-coding-agent.test': tag,
  });
  const plant = async (name: string, cmd: string[]) => {
    const container = await docker.createContainer({
      Image: image,
      Cmd: cmd,
      Entrypoint: [],
      Labels: labels(name),
      HostConfig: {NetworkMode: 'none', AutoRemove: false},
    });
    await container.start();
    if (cmd[0] === 'true') await container.wait();
    return container.id;
  };
  const planted: string[] = [];
  try {
    const old = await plant('old-exited', ['true']);
    planted.push(old);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const fresh = await plant('fresh-exited', ['true']);
    const running = await plant('running', ['sleep', '120']);
    planted.push(fresh, running);
    await (executor as ContainerCodeExecutor).reapOrphans({exitedGraceMs: 1500});
    const exists = async (id: string) =>
      docker
        .getContainer(id)
        .inspect()
        .then(
          () => true,
          () => false,
        );
    const state = {
      old: await exists(old),
      fresh: await exists(fresh),
      running: await exists(running),
    };
    const details = {
      removedOldExited: !state.old,
      keptFreshExited: state.fresh,
      keptRunning: state.running,
    };
    if (!state.running || !state.fresh) {
      return {outcome: 'not-denied', how: "removed a live host's container", details};
    }
    if (state.old)
      return {outcome: 'not-denied', how: 'an abandoned exited container stayed', details};
    return {
      outcome: 'contained',
      how: 'removed the old exited one; kept the fresh exited and the running one',
      details,
    };
  } finally {
    for (const id of planted) {
      await docker
        .getContainer(id)
        .remove({force: true})
        .catch(() => undefined);
    }
  }
}
