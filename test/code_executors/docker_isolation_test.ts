/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Tries to break out of the Docker sandbox (no network, read-only root, not root, no
 * capabilities, no host environment, fork and memory bombs), and checks the container
 * lifecycle: labels, the warm pool, cleanup on dispose, on a normal exit and after a crash.
 */

import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {rmSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {fileURLToPath} from 'node:url';

import Docker from 'dockerode';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {ContainerCodeExecutor} from '../../src/code_executors/docker/container_code_executor.js';
import type {KernelSandboxSession} from '../../src/code_executors/kernel_code_executor.js';
import {isRunning} from '../helpers/processes.js';
import {containersOf, sandboxBackends, volumesOf} from '../helpers/sandboxes.js';
import {
  DESCRIPTORS_SNIPPET,
  hostDescriptors,
  type DescriptorsReport,
} from '../helpers/descriptors.js';

const backend = sandboxBackends().find((b) => b.name === 'docker')!;
const MARKER_VAR = `CODING_AGENT_DOCKER_SECRET_${randomBytes(4).toString('hex')}`;
const docker = new Docker();

describe.skipIf(backend.skipReason !== undefined)(`docker isolation: ${backend.title}`, () => {
  let executor: ContainerCodeExecutor;
  let session: KernelSandboxSession;
  let server: Server;
  let port: number;
  let connections = 0;

  async function py(code: string): Promise<string> {
    const result = await session.execute({code});
    expect(result.error, result.error?.traceback).toBeUndefined();
    return result.stdout;
  }

  beforeAll(async () => {
    process.env[MARKER_VAR] = 'leaked-if-you-can-read-this';
    server = createServer((socket) => {
      connections++;
      socket.end('hello from the host\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    port = (server.address() as {port: number}).port;
    executor = backend.create() as ContainerCodeExecutor;
    session = await executor.getSession('isolation', {authorizedImports: ['*']});
  });

  afterAll(async () => {
    delete process.env[MARKER_VAR];
    await executor?.dispose();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('labels its container with the owner, and the kernel is a host process', async () => {
    const mine = await containersOf(docker, process.pid);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(isRunning(session.pid!)).toBe(true);
  });

  it('has no network: neither the host (loopback, bridge gateway) nor the outside', async () => {
    const out = await py(
      [
        'import socket',
        'def attempt(host, port):',
        '    s = socket.socket()',
        '    s.settimeout(2)',
        '    try:',
        '        s.connect((host, port))',
        '        return "CONNECTED"',
        '    except OSError as e:',
        '        return type(e).__name__',
        '    finally:',
        '        s.close()',
        `for host in ["127.0.0.1", "172.17.0.1", "1.1.1.1", "169.254.169.254"]:`,
        `    print(host, attempt(host, ${port}))`,
        'print("interfaces", sorted(name for _, name in socket.if_nameindex()))',
      ].join('\n'),
    );
    expect(out).not.toContain('CONNECTED');
    expect(out).toContain("interfaces ['lo']");
    expect(connections).toBe(0);
  });

  it('cannot write the root filesystem, runs as a non-root user with no capabilities', async () => {
    const out = await py(
      [
        'import os',
        'for path in ["/usr/evil", "/etc/evil", "/evil"]:',
        '    try:',
        '        open(path, "w").write("x"); print(path, "WRITTEN")',
        '    except OSError as e:',
        '        print(path, e.errno)',
        'print("uid", os.getuid(), os.getgid())',
        'status = open("/proc/self/status").read().splitlines()',
        'print([line for line in status if line.startswith(("CapEff", "CapBnd", "NoNewPrivs"))])',
        'open("/tmp/ok", "w").write("tmp is writable"); open("/work/ok", "w").write("work too")',
        'for path in ["/tmp", "/work"]:',
        '    s = os.statvfs(path); print(path, "bytes", s.f_blocks * s.f_frsize)',
      ].join('\n'),
    );
    // Both writable places are tmpfs capped at tmpSize and workSize: a disk fill stops there.
    expect(out).toContain(`/tmp bytes ${256 * 2 ** 20}`);
    expect(out).toContain(`/work bytes ${2 ** 30}`);
    expect(out).not.toContain('WRITTEN');
    expect(out).toMatch(/\/usr\/evil 30/); // EROFS
    expect(out).not.toMatch(/uid 0 /);
    expect(out).toContain("'CapEff:\\t0000000000000000'");
    expect(out).toContain("'CapBnd:\\t0000000000000000'");
    expect(out).toContain("'NoNewPrivs:\\t1'");
  });

  it("holds no descriptor to the host and cannot open the supervisor's (PID 1, not dumpable)", async () => {
    const report = JSON.parse(await py(DESCRIPTORS_SNIPPET)) as DescriptorsReport;
    expect(report.ppid).toBe(1);
    expect(hostDescriptors(report)).toEqual([]);
    // EACCES: the supervisor is not dumpable, so its /proc entries belong to root.
    expect(report.tries).toEqual({list: 13, fd0: 13, fd1: 13, mem: 13});
  });

  it('does not see the host environment', async () => {
    const out = await py(
      `import os\nprint(sorted(os.environ))\nprint(${JSON.stringify(MARKER_VAR)} in open("/proc/self/environ").read())`,
    );
    expect(out).not.toContain(MARKER_VAR);
    expect(out).toContain('False');
    expect(out).toContain("'PATH'");
  });

  it('contains a fork bomb with the pids limit; the host and the session survive', async () => {
    const bomb = await session.execute({
      code: [
        'import os, time',
        'children = 0',
        'try:',
        '    while True:',
        '        if os.fork() == 0:',
        '            time.sleep(30); os._exit(0)',
        '        children += 1',
        'except OSError as e:',
        '    print("stopped after", children, "forks:", e.strerror)',
      ].join('\n'),
      timeoutMs: 20_000,
    });
    expect(bomb.stdout).toMatch(/stopped after \d+ forks/);
    const forks = Number(/after (\d+)/.exec(bomb.stdout)![1]);
    expect(forks).toBeLessThan(256);
    // The host can still start processes.
    const host = spawn('true');
    expect(await new Promise((resolve) => host.on('exit', resolve))).toBe(0);
  });

  it('turns a memory bomb into a MemoryError, and an out-of-memory kill into a clear notice', async () => {
    const small = new ContainerCodeExecutor({memoryLimit: '512m'});
    try {
      const s = await small.getSession('memory', {authorizedImports: ['*']});
      const soft = await s.execute({
        code: 'blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))',
      });
      expect(soft.error?.type).toBe('MemoryError');
      expect((await s.execute({code: '1 + 1'})).value).toBe('2');

      // Past the kernel's own limit (here lifted), the container's cgroup kills it.
      const hard = new ContainerCodeExecutor({memoryLimit: '256m', limits: {memoryBytes: 0}});
      try {
        const h = await hard.getSession('memory-hard', {authorizedImports: ['*']});
        const killed = await h.execute({
          code: 'blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))',
        });
        expect(killed.stateLost).toBe(true);
        expect(killed.error?.message).toMatch(/out of memory: the session's 256 MiB memory limit/);
        expect((await h.execute({code: '1 + 1'})).value).toBe('2');
      } finally {
        await hard.dispose();
      }
    } finally {
      await small.dispose();
    }
  });

  it('hands each session its own pooled kernel with the modules already imported', async () => {
    const pooled = new ContainerCodeExecutor({pool: {size: 2}});
    try {
      await pooled.warmUp();
      expect(pooled.warmKernels).toBe(2);
      const [a, b] = await Promise.all([
        pooled.getSession('a', {authorizedImports: ['sys', 'socket', 'glob']}),
        pooled.getSession('b', {authorizedImports: ['sys', 'socket', 'glob']}),
      ]);
      // Each session marks its own /tmp: a mark from the other session means a shared container.
      const code = (mark: string) =>
        `import sys, glob\nopen('/tmp/${mark}', 'w').close()\n(sorted(glob.glob('/tmp/mark-*')), "pandas" in sys.modules)`;
      const [ra, rb] = await Promise.all([
        a.execute({code: code('mark-a')}),
        b.execute({code: code('mark-b')}),
      ]);
      expect(ra.value).toBe("(['/tmp/mark-a'], True)");
      expect(rb.value).toBe("(['/tmp/mark-b'], True)"); // different containers
      // The session's import policy applies to the pooled kernel.
      const denied = await a.execute({code: 'import os'});
      expect(denied.error?.type).toBe('ImportError');
      // The pool refills in the background.
      await expect.poll(() => pooled.warmKernels, {timeout: 30_000}).toBe(2);
    } finally {
      await pooled.dispose();
    }
  });

  it('removes its containers on dispose, on a normal exit, and after a crash at the next start', async () => {
    const script = fileURLToPath(new URL('./fixtures/docker_owner.ts', import.meta.url));
    const run = (mode: string) =>
      new Promise<{pid: number; code: number | null; signal: string | null}>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, mode], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('exit', (code, signal) => resolve({pid: Number(out.trim()), code, signal}));
      });

    const exited = await run('exit');
    expect(exited.code).toBe(0);
    expect(await containersOf(docker, exited.pid)).toEqual([]);
    expect(await volumesOf(docker, exited.pid)).toEqual([]); // its session volumes went too

    const crashed = await run('crash');
    expect(crashed.signal).toBe('SIGKILL');
    expect((await containersOf(docker, crashed.pid)).length).toBe(1); // left behind by the crash
    const next = new ContainerCodeExecutor();
    expect(await next.reapOrphans()).toBeGreaterThanOrEqual(1);
    expect(await containersOf(docker, crashed.pid)).toEqual([]);
    expect(await volumesOf(docker, crashed.pid)).toEqual([]);

    const s = await executor.getSession('short-lived', {authorizedImports: []});
    await s.dispose();
    expect(await containersOf(docker, process.pid)).toHaveLength(1); // only the suite's main session
    expect(await volumesOf(docker, process.pid)).toHaveLength(3); // its kernel, /etc and input
  });

  it('ends its container within seconds of a host SIGKILLed while the snippet tampers and busy-loops', async () => {
    const script = fileURLToPath(new URL('./fixtures/tampering_host.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, 'docker'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const signal = await new Promise<string | null>((resolve) =>
      child.on('exit', (_code, how) => resolve(how)),
    );
    expect(signal).toBe('SIGKILL');
    const {pid, sessionDir} = JSON.parse(out) as {pid: number; sessionDir: string};
    const [id] = await containersOf(docker, pid);
    expect(id).toBeDefined();
    // The supervisor is PID 1: the attach stream's end makes it exit, and the container with it.
    const running = async () => (await docker.getContainer(id).inspect()).State.Running;
    await expect.poll(running, {timeout: 10_000, interval: 200}).toBe(false);
    await docker.getContainer(id).remove({force: true});
    rmSync(sessionDir, {recursive: true, force: true});
    // Its session volumes, whose owner is gone now, go with the next reaping.
    expect(await new ContainerCodeExecutor().reapOrphans()).toBeGreaterThanOrEqual(3);
  });
});
