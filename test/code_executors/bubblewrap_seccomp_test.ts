/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The bubblewrap backend's second layer: a seccomp filter that refuses the syscalls escapes
 * start from (called here raw, through ctypes, so no library check gets in the way), a process
 * limit that contains fork bombs, and one host uid per session when the host is root. Ordinary
 * work in the same session must keep running.
 */

import {spawnSync} from 'node:child_process';
import {readdirSync, readFileSync, statSync} from 'node:fs';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {BubblewrapCodeExecutor} from '../../src/code_executors/bubblewrap/bubblewrap_code_executor.js';
import type {
  KernelCodeExecutor,
  KernelSandboxSession,
} from '../../src/code_executors/kernel_code_executor.js';
import {seccompArch, syscallNumber} from '../../src/security/seccomp_filter.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;
const hostIsRoot = process.getuid?.() === 0;
const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;
const EAGAIN = 11;

/** Runs code and returns its stdout, failing the test on an error. */
async function py(session: KernelSandboxSession, code: string): Promise<string> {
  const result = await session.execute({code});
  expect(result.error, result.error?.traceback || result.error?.message).toBeUndefined();
  return result.stdout;
}

/** Host processes whose real uid is `uid` (Linux /proc). */
function processesOf(uid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const line = status.split('\n').find((l) => l.startsWith('Uid:')) ?? '';
      if (Number(line.split(/\s+/)[1]) === uid) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/**
 * Calls each syscall raw and prints `{name: [return value, errno]}`. Should the filter ever let
 * a clone through, the child exits at once instead of running the rest of the snippet.
 */
function syscallProbe(): string {
  const names = [
    'ptrace',
    'process_vm_readv',
    'io_uring_setup',
    'bpf',
    'perf_event_open',
    'userfaultfd',
    'keyctl',
    'mount',
    'unshare',
    'setns',
    'clock_settime',
    'init_module',
    'clone',
    'clone3',
    'personality',
    'ioctl',
    'memfd_secret',
    'kcmp',
    'fanotify_init',
    'move_pages',
    'socket',
    ...(seccompArch() === 'x86_64' ? ['modify_ldt'] : []),
  ];
  const numbers = Object.fromEntries(names.map((name) => [name, syscallNumber(name)]));
  return `
import ctypes, json, os
N = json.loads(${JSON.stringify(JSON.stringify(numbers))})
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def sc(name, *args):
    # Every integer as a C long: a variadic call would pass a 32-bit int otherwise.
    conv = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(N[name]), *conv)
    e = ctypes.get_errno()
    if r == 0 and name in ('clone', 'clone3'):
        os._exit(0)
    return [r, e]

buf = ctypes.create_string_buffer(256)
timespec = ctypes.create_string_buffer(16)
out = {}
out['ptrace'] = sc('ptrace', 0, 0, 0, 0)  # PTRACE_TRACEME, which would otherwise succeed
out['process_vm_readv'] = sc('process_vm_readv', os.getppid(), buf, 1, buf, 1, 0)
out['io_uring_setup'] = sc('io_uring_setup', 1, buf)
out['bpf'] = sc('bpf', 0, buf, 72)  # BPF_MAP_CREATE
out['perf_event_open'] = sc('perf_event_open', buf, 0, -1, -1, 0)
out['userfaultfd'] = sc('userfaultfd', 1)  # UFFD_USER_MODE_ONLY
out['keyctl'] = sc('keyctl', 0, -3, 0)  # KEYCTL_GET_KEYRING_ID of the session keyring
out['mount'] = sc('mount', b'none', b'/tmp', b'tmpfs', 0, None)
out['unshare'] = sc('unshare', 0x10000000)  # CLONE_NEWUSER
fd = os.open('/proc/self/ns/uts', os.O_RDONLY)
out['setns'] = sc('setns', fd, 0)
os.close(fd)
out['clock_settime'] = sc('clock_settime', 0, timespec)
out['init_module'] = sc('init_module', buf, 0, b'')
out['clone_newuser'] = sc('clone', 0x10000000 | 17, 0, 0, 0, 0)  # CLONE_NEWUSER | SIGCHLD
out['clone3'] = sc('clone3', buf, 88)
out['personality_set'] = sc('personality', 8)  # PER_LINUX32
out['personality_query'] = sc('personality', 0xffffffff)
master, slave = os.openpty()
out['tiocsti'] = sc('ioctl', slave, 0x5412, b'x')
os.close(master)
os.close(slave)
out['memfd_secret'] = sc('memfd_secret', 0)
out['kcmp'] = sc('kcmp', os.getpid(), os.getpid(), 0, 0, 0)  # KCMP_FILE
out['fanotify_init'] = sc('fanotify_init', 0, 0)
out['move_pages'] = sc('move_pages', 0, 0, None, None, None, 0)
if 'modify_ldt' in N:
    out['modify_ldt'] = sc('modify_ldt', 0, buf, 16)  # read the LDT
out['socket_vsock'] = sc('socket', 40, 1, 0)  # AF_VSOCK, SOCK_STREAM
print(json.dumps(out))
`;
}

describe.skipIf(bwrap.skipReason !== undefined)(`bubblewrap seccomp: ${bwrap.title}`, () => {
  let executor: KernelCodeExecutor;
  let session: KernelSandboxSession;
  const supported = (() => {
    try {
      seccompArch();
      return true;
    } catch {
      return false;
    }
  })();

  beforeAll(async () => {
    executor = bwrap.create();
    session = await executor.getSession('seccomp', {authorizedImports: ['*']});
  });

  afterAll(async () => {
    await executor?.dispose();
  });

  it.skipIf(!supported)('loads a seccomp filter into the kernel process', async () => {
    const status = await py(session, 'print(open("/proc/self/status").read())');
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    expect(status).toMatch(/^Seccomp_filters:\s+[1-9]/m);
  });

  it.skipIf(!supported)(
    'refuses escape-prone syscalls with EPERM (clone3 with ENOSYS)',
    async () => {
      const out = JSON.parse(await py(session, syscallProbe())) as Record<string, [number, number]>;
      const {clone3, personality_query: query, socket_vsock: vsock, ...denied} = out;
      expect(Object.keys(denied)).toHaveLength(seccompArch() === 'x86_64' ? 20 : 19);
      for (const [name, [ret, errno]] of Object.entries(denied)) {
        expect({name, ret, errno}).toEqual({name, ret: -1, errno: EPERM});
      }
      expect(clone3).toEqual([-1, ENOSYS]);
      // VSOCK reaches the hypervisor past every network namespace: no such family here.
      expect(vsock).toEqual([-1, EAFNOSUPPORT]);
      // Asking for the current persona stays allowed (PER_LINUX).
      expect(query).toEqual([0, 0]);
    },
  );

  it('still runs ordinary work in the same session', async () => {
    const out = JSON.parse(
      await py(
        session,
        `
import concurrent.futures, json, os, subprocess, threading
import numpy as np
import pandas as pd

df = pd.DataFrame({'k': ['a', 'b', 'a', 'c', 'b'], 'v': [1, 2, 3, 4, 5]})
sums = df.groupby('k')['v'].sum().to_dict()
true_rc = subprocess.run(['true']).returncode
echoed = subprocess.run(['sh', '-c', 'echo hi'], capture_output=True, text=True).stdout
seen = []
threads = [threading.Thread(target=seen.append, args=(i,)) for i in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    squares = list(pool.map(lambda x: x * x, range(6)))
pid = os.fork()
if pid == 0:
    os._exit(7)
_, status = os.waitpid(pid, 0)
matrix = float((np.ones((300, 300)) @ np.ones((300, 300)))[0, 0])
import io, multiprocessing, socket
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([1, 2, 3], [3, 1, 2])
png = io.BytesIO()
fig.savefig(png, format='png')
plt.close(fig)
with multiprocessing.Pool(2) as mp:
    cubes = mp.map(abs, [-1, -8, -27])
server = socket.create_server(('127.0.0.1', 0))
client = socket.create_connection(server.getsockname())
peer, _ = server.accept()
client.sendall(b'ping')
loopback = peer.recv(4).decode()
for s in (client, peer, server):
    s.close()
a, b = socket.socketpair()
a.sendall(b'pair')
pair = b.recv(4).decode()
with open('/dev/shm/scratch', 'wb') as f:
    f.write(b'x' * 4096)
os.remove('/dev/shm/scratch')
print(json.dumps({'sums': sums, 'true': true_rc, 'echo': echoed, 'threads': sorted(seen),
                  'squares': squares, 'fork': os.waitstatus_to_exitcode(status),
                  'matrix': matrix, 'png': png.getvalue()[:4].hex(), 'cubes': cubes,
                  'loopback': loopback, 'pair': pair}))
`,
      ),
    ) as Record<string, unknown>;
    expect(out).toEqual({
      sums: {a: 4, b: 7, c: 4},
      true: 0,
      echo: 'hi\n',
      threads: Array.from({length: 16}, (_, i) => i),
      squares: [0, 1, 4, 9, 16, 25],
      fork: 7,
      matrix: 300,
      png: '89504e47',
      cubes: [1, 8, 27],
      loopback: 'ping',
      pair: 'pair',
    });
  });

  it('stops forking at the process limit', async () => {
    const out = await py(
      session,
      `
import os, time
pids, err = [], None
try:
    while len(pids) < 5000:
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        pids.append(pid)
except OSError as e:
    err = e.errno
for p in pids:
    os.kill(p, 9)
for p in pids:
    os.waitpid(p, 0)
print(len(pids), err)
`,
    );
    const [count, errno] = out.trim().split(' ').map(Number);
    expect(errno).toBe(EAGAIN);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(256);
  });

  it('contains a fork bomb: the timeout kills it, the host is unharmed, new sessions work', async () => {
    const bombed = await executor.getSession('fork-bomb', {authorizedImports: ['*']});
    const uid = Number(await py(bombed, 'import os\nprint(os.getuid())'));
    const result = await bombed.execute({
      code: `
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.05)
`,
      timeoutMs: 3000,
    });
    expect(result.error?.type).toBe('TimeoutError');
    expect(result.stateLost).toBe(true);
    if (hostIsRoot) {
      // Every process of the session's own uid is gone.
      expect(await until(() => processesOf(uid).length === 0, 10_000)).toBe(true);
    }
    expect(spawnSync('true').status).toBe(0);
    const fresh = await executor.getSession('after-fork-bomb', {authorizedImports: ['*']});
    expect(await py(fresh, 'print(6 * 7)')).toBe('42\n');
    // The bombed session restarts its kernel on the next execution.
    expect(await py(bombed, 'print("back")')).toBe('back\n');
    await executor.closeSession('fork-bomb');
    await executor.closeSession('after-fork-bomb');
  });

  it.skipIf(!hostIsRoot)('runs each session as its own unprivileged host uid', async () => {
    const a = await executor.getSession('uid-a', {authorizedImports: ['*']});
    const b = await executor.getSession('uid-b', {authorizedImports: ['*']});
    const ids = async (s: KernelSandboxSession) =>
      (await py(s, 'import os\nprint(os.getuid(), os.getgid())')).trim().split(' ').map(Number);
    const [uidA, gidA] = await ids(a);
    const [uidB, gidB] = await ids(b);
    expect(uidA).not.toBe(uidB);
    expect(gidA).not.toBe(gidB);
    for (const id of [uidA, uidB, gidA, gidB]) {
      expect(id).not.toBe(0);
      expect(id).not.toBe(65534);
    }
    // The session folder is handed to that uid, and the kernel really runs as it on the host.
    expect(statSync(a.sessionDir).uid).toBe(uidA);
    expect(processesOf(uidA)).toContain(a.pid);
    await executor.closeSession('uid-a');
    await executor.closeSession('uid-b');
  });

  it.skipIf(!hostIsRoot)('pins the uid with sandboxUid/sandboxGid', async () => {
    const pinned = new BubblewrapCodeExecutor({sandboxUid: 65534, sandboxGid: 65534});
    try {
      for (const key of ['one', 'two']) {
        const s = await pinned.getSession(key, {authorizedImports: ['os']});
        expect(await py(s, 'import os\nprint(os.getuid(), os.getgid())')).toBe('65534 65534\n');
      }
    } finally {
      await pinned.dispose();
    }
  });

  it('loads no filter with seccomp: false', async () => {
    const plain = new BubblewrapCodeExecutor({seccomp: false});
    try {
      const s = await plain.getSession('plain', {authorizedImports: []});
      expect(await py(s, 'print(open("/proc/self/status").read())')).toMatch(/^Seccomp:\s+0$/m);
    } finally {
      await plain.dispose();
    }
  });
});
