/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Tries to break out of the bubblewrap sandbox: read host secrets, reach host services, see
 * host environment variables, write outside the session folder, act as root. Each attempt must
 * fail, and where it matters the test first proves the target is really there on the host.
 */

import {randomBytes} from 'node:crypto';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, connect, type Server} from 'node:net';
import {homedir, tmpdir} from 'node:os';
import {join} from 'node:path';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import type {
  KernelCodeExecutor,
  KernelSandboxSession,
} from '../../src/code_executors/kernel_code_executor.js';
import {DEFAULT_SANDBOX_ENV} from '../../src/security/hardening_profile.js';
import {commandLine, processTree, uids} from '../helpers/processes.js';
import {sandboxBackends} from '../helpers/sandboxes.js';
import {
  DESCRIPTORS_SNIPPET,
  hostDescriptors,
  type DescriptorsReport,
} from '../helpers/descriptors.js';

const bwrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;
const MARKER_VAR = 'CODING_AGENT_TEST_HOST_SECRET';
const hostIsRoot = process.getuid?.() === 0;

describe.skipIf(bwrap.skipReason !== undefined)(`bubblewrap isolation: ${bwrap.title}`, () => {
  let executor: KernelCodeExecutor;
  let session: KernelSandboxSession;
  let server: Server;
  let port: number;
  let connections = 0;
  const secretPath = join(homedir(), `.coding-agent-test-secret-${randomBytes(4).toString('hex')}`);
  const hostTmpMarker = `/tmp/coding-agent-host-marker-${randomBytes(4).toString('hex')}`;

  /** Runs code in the sandbox and returns its stdout (failing the test on an error). */
  async function py(code: string): Promise<string> {
    const result = await session.execute({code});
    expect(result.error, result.error?.traceback).toBeUndefined();
    return result.stdout;
  }

  beforeAll(async () => {
    process.env[MARKER_VAR] = 'leaked-if-you-can-read-this';
    writeFileSync(secretPath, 'top secret\n', {mode: 0o600});
    writeFileSync(hostTmpMarker, 'host tmp\n');
    server = createServer((socket) => {
      connections++;
      socket.end('hello from the host\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as {port: number}).port;
    executor = bwrap.create();
    session = await executor.getSession('isolation', {authorizedImports: ['*']});
  });

  afterAll(async () => {
    delete process.env[MARKER_VAR];
    rmSync(secretPath, {force: true});
    rmSync(hostTmpMarker, {force: true});
    await executor?.dispose();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('cannot read /etc/shadow', async () => {
    expect(existsSync('/etc/shadow')).toBe(true);
    const result = await session.execute({code: 'open("/etc/shadow").read()'});
    expect(result.error?.type).toMatch(/FileNotFoundError|PermissionError/);
  });

  it("cannot read a file in the host user's home", async () => {
    expect(existsSync(secretPath)).toBe(true);
    const result = await session.execute({code: `open(${JSON.stringify(secretPath)}).read()`});
    expect(result.error?.type).toMatch(/FileNotFoundError|PermissionError/);
    expect(result.stdout + (result.value ?? '')).not.toContain('top secret');
    expect(await py(`import os\nprint(os.path.exists(${JSON.stringify(homedir())}))`)).toBe(
      'False\n',
    );
  });

  it('cannot connect to a TCP server on the host loopback, nor anywhere else', async () => {
    // The server is really there for host processes.
    const greeting = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(greeting).toBe('hello from the host\n');
    const before = connections;

    const local = await session.execute({
      code: `import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=3)`,
    });
    expect(local.error?.type).toBe('ConnectionRefusedError');
    const remote = await session.execute({
      code: 'import socket\nsocket.create_connection(("1.1.1.1", 53), timeout=3)',
    });
    expect(remote.error?.type).toMatch(/OSError|TimeoutError|ConnectionRefusedError/);
    expect(connections).toBe(before);
    // Only a private loopback interface exists.
    expect(await py('import socket\nprint([name for _, name in socket.if_nameindex()])')).toBe(
      "['lo']\n",
    );
  });

  it("sees none of the host's environment variables", async () => {
    expect(process.env[MARKER_VAR]).toBeDefined();
    const env = JSON.parse(
      await py('import os, json\nprint(json.dumps(dict(os.environ)))'),
    ) as Record<string, string>;
    expect(env).not.toHaveProperty(MARKER_VAR);
    expect(JSON.stringify(env)).not.toContain('leaked-if-you-can-read-this');
    const allowed = [...Object.keys(DEFAULT_SANDBOX_ENV), 'PWD', 'LC_CTYPE'];
    expect(Object.keys(env).filter((key) => !allowed.includes(key))).toEqual([]);
    expect(env.HOME).toBe('/work');
  });

  it('cannot write to /usr, / or the kernel, and its /tmp is not the host /tmp', async () => {
    for (const path of ['/usr/evil', '/evil', '/opt/coding-agent/kernel.py']) {
      const result = await session.execute({code: `open(${JSON.stringify(path)}, "w").write("x")`});
      expect(result.error?.type, path).toMatch(/OSError|PermissionError|FileNotFoundError/);
    }
    expect(existsSync('/usr/evil')).toBe(false);

    expect(existsSync(hostTmpMarker)).toBe(true);
    expect(await py(`import os\nprint(os.path.exists(${JSON.stringify(hostTmpMarker)}))`)).toBe(
      'False\n',
    );
    const inside = `/tmp/coding-agent-sandbox-${randomBytes(4).toString('hex')}`;
    expect(await py(`open(${JSON.stringify(inside)}, "w").write("x")\nprint("written")`)).toBe(
      'written\n',
    );
    expect(existsSync(inside)).toBe(false);
  });

  it('/work is a private tmpfs capped at workSize (1 GiB): nothing reaches the host folder', async () => {
    expect(
      await py('open("/work/kept.txt", "w").write("kept")\nprint(open("/work/kept.txt").read())'),
    ).toBe('kept\n');
    expect(existsSync(join(session.workDir, 'kept.txt'))).toBe(false);
    const statvfs = await py('import os\ns = os.statvfs("/work")\nprint(s.f_blocks * s.f_frsize)');
    expect(Number(statvfs)).toBe(1024 ** 3);
  });

  it('runs as a non-root host user without capabilities and sees only its own processes', async () => {
    expect(await py('import os\nprint(os.getuid() != 0, os.geteuid() != 0)')).toBe('True True\n');
    const status = await py('print(open("/proc/self/status").read())');
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapPrm:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    // Host-side view: every process of the sandbox runs as a non-root host uid.
    const tree = processTree(session.pid!);
    const kernel = tree.find((pid) => commandLine(pid).includes('kernel.py'));
    expect(kernel).toBeDefined();
    for (const pid of tree) {
      const ids = uids(pid);
      expect(ids.every((id) => id !== 0)).toBe(true);
      // As root, every process runs as the session's own unprivileged uid (not nobody).
      if (hostIsRoot) expect(ids).toEqual([ids[0], ids[0], ids[0], ids[0]]);
      if (hostIsRoot) expect(ids[0]).not.toBe(65534);
    }
    // A private pid namespace: no host process is visible.
    const pids = JSON.parse(
      await py(
        'import os, json\nprint(json.dumps([int(p) for p in os.listdir("/proc") if p.isdigit()]))',
      ),
    ) as number[];
    expect(pids.length).toBeLessThan(10);
    expect(pids).not.toContain(process.pid);
  });

  it("holds no descriptor to the host and cannot open the supervisor's (PID 1, not dumpable)", async () => {
    const report = JSON.parse(await py(DESCRIPTORS_SNIPPET)) as DescriptorsReport;
    expect(report.ppid).toBe(1);
    expect(hostDescriptors(report)).toEqual([]);
    // EACCES: the supervisor is not dumpable, so its /proc entries belong to root.
    expect(report.tries).toEqual({list: 13, fd0: 13, fd1: 13, mem: 13});
  });

  it('cannot create nested user namespaces or see the host name', async () => {
    expect(await py('import socket\nprint(socket.gethostname())')).toBe('sandbox\n');
    const nested = await session.execute({
      code: 'import subprocess\nr = subprocess.run(["unshare", "--user", "true"], capture_output=True)\nr.returncode',
    });
    expect(nested.error).toBeUndefined();
    expect(nested.value).not.toBe('0');
  });
});

describe.skipIf(bwrap.skipReason !== undefined || !hostIsRoot)(
  'bubblewrap session folders under a private TMPDIR (root host)',
  () => {
    it("names the folder the sandbox's user cannot enter, and how to fix it", async () => {
      const privateTmp = mkdtempSync(join(tmpdir(), 'private-tmp-'));
      const before = process.env.TMPDIR;
      process.env.TMPDIR = privateTmp;
      const executor = bwrap.create();
      try {
        await expect(executor.getSession('private-tmp', {authorizedImports: []})).rejects.toThrow(
          new RegExp(
            `${privateTmp} \\(mode 0700, owner uid 0\\) cannot be entered by the sandbox's user .*TMPDIR`,
          ),
        );
      } finally {
        if (before === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = before;
        await executor.dispose();
        rmSync(privateTmp, {recursive: true, force: true});
      }
    });
  },
);
