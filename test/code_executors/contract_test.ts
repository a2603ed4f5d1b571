/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The sandbox contract, run against every backend with real Python: what the agent relies on
 * whatever the sandbox is.
 */

import {existsSync} from 'node:fs';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import type {
  KernelCodeExecutor,
  KernelSandboxSession,
} from '../../src/code_executors/kernel_code_executor.js';
import {isCodeExecutor, type ToolCallHandler} from '../../src/code_executors/sandbox.js';
import {DEFAULT_SAFE_IMPORTS} from '../../src/security/import_policy.js';
import {processTree, waitGone} from '../helpers/processes.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const DATA_IMPORTS = [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy', 'matplotlib'];
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

for (const backend of sandboxBackends()) {
  describe.skipIf(backend.skipReason !== undefined)(`sandbox contract: ${backend.title}`, () => {
    let executor: KernelCodeExecutor;
    /** Session with the default policy plus data libraries. */
    let session: KernelSandboxSession;
    /** Session that allows every import. */
    let open: KernelSandboxSession;

    beforeAll(async () => {
      executor = backend.create();
      [session, open] = await Promise.all([
        executor.getSession('policy', {authorizedImports: DATA_IMPORTS}),
        executor.getSession('open', {authorizedImports: ['*']}),
      ]);
    });
    afterAll(async () => {
      await executor?.dispose();
    });

    it('is branded as a CodeExecutor and starts generation 1', () => {
      expect(isCodeExecutor(executor)).toBe(true);
      expect(session.generation).toBe(1);
      expect(session.kernelInfo?.python).toMatch(/^3\.\d+\.\d+$/);
      expect(session.kernelInfo?.packages).toHaveProperty('pandas');
    });

    it('keeps variables across executions and shows the last expression like a notebook', async () => {
      const first = await session.execute({code: 'x = 21\ndef double(v):\n    return v * 2'});
      expect(first.error).toBeUndefined();
      expect(first.value).toBeUndefined();
      const second = await session.execute({code: 'double(x)'});
      expect(second.value).toBe('42');
      expect(second.stateLost).toBe(false);
      expect(second.durationMs).toBeGreaterThanOrEqual(0);
      const none = await session.execute({code: 'print("p")\nNone'});
      expect(none.value).toBeUndefined();
      expect(none.stdout).toBe('p\n');
      const text = await session.execute({code: '"a\\nb"'});
      expect(text.value).toBe("'a\\nb'");
    });

    it('captures stdout and stderr per execution, from Python, fd writes and subprocesses', async () => {
      const result = await open.execute({
        code: [
          'import os, subprocess, sys',
          'print("py-out")',
          'print("py-err", file=sys.stderr)',
          'os.write(1, b"fd-out\\n")',
          'os.write(2, b"fd-err\\n")',
          'subprocess.run(["echo", "sub-out"])',
          'subprocess.run(["sh", "-c", "echo sub-err >&2"])',
        ].join('\n'),
      });
      expect(result.error).toBeUndefined();
      for (const text of ['py-out', 'fd-out', 'sub-out']) expect(result.stdout).toContain(text);
      for (const text of ['py-err', 'fd-err', 'sub-err']) expect(result.stderr).toContain(text);
      const next = await open.execute({code: 'print("second")'});
      expect(next.stdout).toBe('second\n');
      expect(next.stderr).toBe('');
    });

    it('treats warnings on stderr as output, not as an error', async () => {
      const result = await open.execute({code: 'import warnings\nwarnings.warn("careful now")\n1'});
      expect(result.error).toBeUndefined();
      expect(result.stderr).toContain('careful now');
      expect(result.value).toBe('1');
    });

    it('caps huge output, keeping head and tail', async () => {
      const result = await session.execute({
        code: 'print("HEAD")\nfor _ in range(50):\n    print("x" * 100_000)\nprint("TAIL")',
      });
      expect(result.error).toBeUndefined();
      expect(result.stdout.length).toBeLessThan(1.1 * 1024 * 1024);
      expect(result.stdout.startsWith('HEAD\n')).toBe(true);
      expect(result.stdout.endsWith('TAIL\n')).toBe(true);
      expect(result.stdout).toMatch(/\[\.\.\. \d+ bytes of output dropped \.\.\.\]/);
    });

    it('ends with final_answer even inside try/except Exception', async () => {
      const result = await session.execute({
        code: 'try:\n    final_answer(42)\nexcept Exception:\n    print("swallowed")\nprint("after")',
      });
      expect(result.error).toBeUndefined();
      expect(result.finalAnswer).toEqual({value: 42});
      expect(result.stdout).not.toContain('swallowed');
      expect(result.stdout).not.toContain('after');
    });

    it('keeps a multi-line final answer whole', async () => {
      const answer = 'Line one\nLine two\n\n  indented line four\n';
      const result = await session.execute({code: `final_answer(${JSON.stringify(answer)})`});
      expect(result.finalAnswer).toEqual({value: answer});
    });

    it('converts numpy values in final answers to JSON', async () => {
      const scalar = await session.execute({
        code: 'import numpy as np\nfinal_answer(np.float64(2.5))',
      });
      expect(scalar.finalAnswer).toEqual({value: 2.5});
      const nested = await session.execute({
        code: 'final_answer({"n": np.int64(3), "arr": np.arange(3), "ok": np.bool_(True)})',
      });
      expect(nested.finalAnswer).toEqual({value: {n: 3, arr: [0, 1, 2], ok: true}});
    });

    it('reports an exception with type, message and a traceback of snippet lines only', async () => {
      const result = await session.execute({
        code: 'def check(v):\n    raise ValueError(f"bad value {v}")\n\ncheck(7)',
      });
      expect(result.error?.type).toBe('ValueError');
      expect(result.error?.message).toBe('bad value 7');
      expect(result.error?.traceback).toContain('line 4, in <module>');
      expect(result.error?.traceback).toContain('raise ValueError(f"bad value {v}")');
      expect(result.error?.traceback).not.toContain('kernel.py');
      expect(result.stateLost).toBe(false);
    });

    it('reports a SyntaxError with line and caret', async () => {
      const result = await session.execute({code: 'a = 1\nb = (a +\n'});
      expect(result.error?.type).toBe('SyntaxError');
      expect(result.error?.message).toMatch(/line 2/);
      expect(result.error?.traceback).toContain('^');
      expect(result.error?.traceback).toContain('b = (a +');
    });

    it('blocks a disallowed import before anything runs, naming the modules', async () => {
      const result = await session.execute({
        code: 'print("before")\nmarker = 1\nimport os\nimport subprocess, json',
      });
      expect(result.error?.type).toBe('ImportError');
      expect(result.error?.message).toContain("'os'");
      expect(result.error?.message).toContain("'subprocess'");
      expect(result.error?.message).not.toContain("'json'");
      expect(result.error?.message).toContain('pandas');
      expect(result.stdout).toBe('');
      const check = await session.execute({code: '"marker" in globals()'});
      expect(check.value).toBe('False');
    });

    it('blocks __import__ of a disallowed module at run time', async () => {
      const result = await session.execute({code: 'print("ran")\nm = __import__("os")'});
      expect(result.error?.type).toBe('ImportError');
      expect(result.error?.message).toContain("'os'");
      expect(result.stdout).toBe('ran\n');
    });

    it('lets allowed libraries import what they need (pandas imports os)', async () => {
      const result = await session.execute({
        code: 'import pandas as pd\ndf = pd.DataFrame({"a": [1, 2, 3]})\nint(df["a"].sum())',
      });
      expect(result.error).toBeUndefined();
      expect(result.value).toBe('6');
    });

    it("allows every import with '*'", async () => {
      const result = await open.execute({code: 'import os, socket, ctypes\nos.getpid() > 0'});
      expect(result.error).toBeUndefined();
      expect(result.value).toBe('True');
    });

    it('calls host tools from code: values, TypeError and ToolError', async () => {
      const seen: string[] = [];
      const onToolCall: ToolCallHandler = async (call) => {
        seen.push(call.name);
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (call.name === 'add')
          return {ok: true, value: {sum: Number(call.args.a) + Number(call.args.b)}};
        if (call.name === 'strict')
          return {ok: false, errorType: 'TypeError', message: 'b is required'};
        if (call.name === 'explode') throw new Error('handler blew up');
        return {ok: false, errorType: 'ToolError', message: 'service unavailable'};
      };
      const result = await session.execute({
        onToolCall,
        code: [
          'total = __adk_call_tool__("add", {"a": 2, "b": 3})["sum"]',
          'try:',
          '    __adk_call_tool__("strict", {"a": 1})',
          'except TypeError as e:',
          '    print("TypeError:", e)',
          'try:',
          '    __adk_call_tool__("flaky", {})',
          'except ToolError as e:',
          '    print("ToolError:", e)',
          'try:',
          '    __adk_call_tool__("explode", {})',
          'except ToolError as e:',
          '    print("handler:", e)',
          'total',
        ].join('\n'),
      });
      expect(result.error).toBeUndefined();
      expect(result.value).toBe('5');
      expect(result.stdout).toContain('TypeError: b is required');
      expect(result.stdout).toContain('ToolError: service unavailable');
      expect(result.stdout).toContain('handler: handler blew up');
      expect(seen).toEqual(['add', 'strict', 'flaky', 'explode']);

      const uncaught = await session.execute({onToolCall, code: '__adk_call_tool__("flaky", {})'});
      expect(uncaught.error?.type).toBe('ToolError');
      expect(uncaught.error?.message).toBe('service unavailable');

      const noHandler = await session.execute({code: '__adk_call_tool__("add", {"a": 1, "b": 1})'});
      expect(noHandler.error?.type).toBe('ToolError');
    });

    it('runs 8 concurrent tool calls from threads, each with its own callId', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const callIds = new Set<string>();
      const onToolCall: ToolCallHandler = async (call) => {
        callIds.add(call.callId);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 300));
        inFlight--;
        return {ok: true, value: Number(call.args.i) * 10};
      };
      const result = await session.execute({
        onToolCall,
        code: [
          'import threading',
          'results = {}',
          'def work(i):',
          '    results[i] = __adk_call_tool__("slow", {"i": i})',
          'threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]',
          'for t in threads: t.start()',
          'for t in threads: t.join()',
          'sorted(results.values())',
        ].join('\n'),
      });
      expect(result.error).toBeUndefined();
      expect(result.value).toBe('[0, 10, 20, 30, 40, 50, 60, 70]');
      expect(callIds.size).toBe(8);
      expect(maxInFlight).toBe(8);
      expect(result.durationMs).toBeLessThan(8 * 300);
    });

    it('returns open matplotlib figures as PNG and closes them', async () => {
      const result = await session.execute({
        code: 'import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 3, 2])\nax.set_title("t")',
      });
      expect(result.error).toBeUndefined();
      expect(result.figures).toHaveLength(1);
      expect(result.figures[0].mimeType).toBe('image/png');
      expect(Buffer.from(result.figures[0].data, 'base64').subarray(0, 8)).toEqual(PNG_MAGIC);
      const after = await session.execute({code: 'plt.get_fignums()'});
      expect(after.value).toBe('[]');
      expect(after.figures).toEqual([]);
    });

    it('returns files written to the output folder', async () => {
      expect(session.outputDir).toBe(
        backend.name === 'local' ? session.hostOutputDir : '/work/output',
      );
      const result = await open.execute({
        code: [
          'import os',
          'os.makedirs("output/sub", exist_ok=True)',
          'open("output/report.csv", "w").write("a,b\\n1,2\\n")',
          `open(${JSON.stringify(`${open.outputDir}/sub/note.txt`)}, "w").write("hello")`,
          'open("not-output.txt", "w").write("ignored")',
        ].join('\n'),
      });
      expect(result.error).toBeUndefined();
      expect(result.files.map((f) => [f.name, f.mimeType])).toEqual([
        ['report.csv', 'text/csv'],
        ['sub/note.txt', 'text/plain'],
      ]);
      expect(Buffer.from(result.files[0].data, 'base64').toString()).toBe('a,b\n1,2\n');
      const unchanged = await open.execute({code: 'print("nothing new")'});
      expect(unchanged.files).toEqual([]);
      const modified = await open.execute({code: 'open("output/report.csv", "a").write("3,4\\n")'});
      expect(modified.files.map((f) => f.name)).toEqual(['report.csv']);
    });

    it('writes input files from the host into a folder the snippet can read but not change', async () => {
      const written = await open.writeFiles([
        {name: 'data.csv', data: Buffer.from('x,y\n1,2\n3,4\n')},
        {name: 'blob.bin', data: new Uint8Array([0, 255, 10, 13])},
      ]);
      expect(written).toEqual([
        {name: 'data.csv', path: `${open.inputDir}/data.csv`, bytes: 12},
        {name: 'blob.bin', path: `${open.inputDir}/blob.bin`, bytes: 4},
      ]);
      if (backend.name !== 'local') expect(open.inputDir).toBe('/work/input');
      const result = await open.execute({
        code: [
          'import pandas as pd',
          `print(pd.read_csv(${JSON.stringify(`${open.inputDir}/data.csv`)})["y"].sum())`,
          `print(list(open(${JSON.stringify(`${open.inputDir}/blob.bin`)}, "rb").read()))`,
          'try:',
          `    open(${JSON.stringify(`${open.inputDir}/data.csv`)}, "w").write("changed")`,
          'except OSError as e:',
          '    print("refused", type(e).__name__)',
        ].join('\n'),
      });
      expect(result.error).toBeUndefined();
      expect(result.stdout).toContain('6\n[0, 255, 10, 13]\n');
      // Local has no isolation: only sandboxes must refuse the write.
      if (backend.name !== 'local') expect(result.stdout).toContain('refused');
      // Input files are not output: they never come back as files.
      expect(result.files).toEqual([]);
      for (const name of ['', '.', '..', 'a/b', 'a\\b', 'nul\u0000']) {
        await expect(open.writeFiles([{name, data: new Uint8Array()}])).rejects.toThrow(
          'invalid input file name',
        );
      }
    });

    it('cannot forge protocol messages by writing to fd 1', async () => {
      const forged = (id: number) =>
        JSON.stringify({
          type: 'result',
          id: `exec-${id}`,
          stdout: 'FORGED',
          stderr: '',
          value: "'forged'",
          error: null,
          figures: [],
          files: [],
        });
      const lines = Array.from({length: 100}, (_, i) => forged(i)).join('\n');
      const result = await open.execute({
        code: `import os\nos.write(1, ${JSON.stringify(lines + '\n{"type": "tool_call", broken\n')}.encode())\n"real"`,
      });
      expect(result.value).toBe("'real'");
      expect(result.error).toBeUndefined();
      expect(result.stdout).toContain('"stdout":"FORGED"');
      expect(result.stdout).toContain('broken');
    });

    it('reports a kernel that dies mid-execution as KernelDied and restarts it', async () => {
      const died = await executor.getSession('dies', {authorizedImports: ['*']});
      await died.execute({code: 'kept = 1'});
      const result = await died.execute({code: 'import os\nos._exit(3)'});
      expect(result.error?.type).toBe('KernelDied');
      expect(result.error?.message).toContain('exit code 3');
      expect(result.stateLost).toBe(true);
      const next = await died.execute({code: '"kept" in globals()'});
      expect(next.value).toBe('False');
      expect(died.generation).toBe(2);
      await executor.closeSession('dies');
    });

    it('gives one session to concurrent getSession calls for one key', async () => {
      const sessions = await Promise.all(
        Array.from({length: 5}, () => executor.getSession('same', {authorizedImports: []})),
      );
      expect(new Set(sessions).size).toBe(1);
      expect(sessions[0].generation).toBe(1);
      const again = await executor.getSession('same', {authorizedImports: []});
      expect(again).toBe(sessions[0]);
      await executor.closeSession('same');
      const fresh = await executor.getSession('same', {authorizedImports: []});
      expect(fresh).not.toBe(sessions[0]);
      await executor.closeSession('same');
    });
  });

  describe.skipIf(backend.skipReason !== undefined)(
    `sandbox kills and cleanup: ${backend.title}`,
    () => {
      let executor: KernelCodeExecutor;

      beforeAll(() => {
        executor = backend.create();
      });
      afterAll(async () => {
        await executor?.dispose();
      });

      it('kills a sleeping snippet at the timeout, loses state, and restarts on the next execution', async () => {
        const session = await executor.getSession('timeout', {authorizedImports: ['time']});
        await session.execute({code: 'before = "set"'});
        const pid = session.pid!;
        const tree = processTree(pid);
        const result = await session.execute({
          code: 'import time\ntime.sleep(60)',
          timeoutMs: 1500,
        });
        expect(result.error?.type).toBe('TimeoutError');
        expect(result.error?.message).toContain('Execution exceeded 1.5 s');
        expect(result.error?.message).toContain('every variable');
        expect(result.stateLost).toBe(true);
        expect(result.durationMs).toBeLessThan(5000);
        expect(await waitGone(tree)).toEqual([]);

        const next = await session.execute({code: '"before" in globals()'});
        expect(next.error).toBeUndefined();
        expect(next.value).toBe('False');
        expect(session.generation).toBe(2);

        const busy = await session.execute({code: 'while True:\n    pass', timeoutMs: 1000});
        expect(busy.error?.type).toBe('TimeoutError');
        expect(busy.stateLost).toBe(true);
        const after = await session.execute({code: '1 + 1'});
        expect(after.value).toBe('2');
        expect(session.generation).toBe(3);
      });

      it('stops an execution when its AbortSignal fires', async () => {
        const session = await executor.getSession('abort', {authorizedImports: ['time']});
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        const result = await session.execute({
          code: 'import time\ntime.sleep(60)',
          signal: controller.signal,
        });
        expect(result.error?.type).toBe('AbortError');
        expect(result.stateLost).toBe(true);
        const early = await session.execute({code: '1', signal: AbortSignal.abort()});
        expect(early.error?.type).toBe('AbortError');
        expect(early.stateLost).toBe(false);
        expect((await session.execute({code: '2'})).value).toBe('2');
      });

      it('leaves no process and no folder after dispose, even with a background subprocess', async () => {
        const session = await executor.getSession('dispose', {authorizedImports: ['*']});
        const started = await session.execute({
          code: 'import subprocess\nchild = subprocess.Popen(["sleep", "300"])\nchild.pid > 0',
        });
        expect(started.value).toBe('True');
        const tree = processTree(session.pid!);
        // bwrap, (its pid 1), python and sleep; or python and sleep.
        expect(tree.length).toBeGreaterThanOrEqual(2);
        expect(existsSync(session.sessionDir)).toBe(true);
        await session.dispose();
        expect(await waitGone(tree)).toEqual([]);
        expect(existsSync(session.sessionDir)).toBe(false);
        expect(session.pid).toBeUndefined();
        await expect(session.execute({code: '1'})).rejects.toThrow(/disposed/);
        await session.dispose(); // idempotent
        const replacement = await executor.getSession('dispose', {authorizedImports: []});
        expect(replacement).not.toBe(session);
      });

      it('stops a server a snippet started when it returns, unless keepBackgroundProcesses', async () => {
        const serve = [
          'import socket, subprocess, sys, time',
          'server = subprocess.Popen([sys.executable, "-m", "http.server", "8765", "--bind", "127.0.0.1"],',
          '                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)',
          'for _ in range(100):',
          '    try:',
          '        socket.create_connection(("127.0.0.1", 8765), timeout=1).close()',
          '        break',
          '    except OSError:',
          '        time.sleep(0.05)',
        ].join('\n');
        const fetch =
          'import urllib.request\nurllib.request.urlopen("http://127.0.0.1:8765/").status';

        const stopping = await executor.getSession('server', {authorizedImports: ['*']});
        const started = await stopping.execute({code: serve});
        expect(started.error, started.error?.traceback).toBeUndefined();
        expect(started.stoppedProcesses?.count).toBe(1);
        expect(started.stoppedProcesses?.processes[0].command).toContain('-m http.server 8765');
        const refused = await stopping.execute({code: fetch});
        expect(refused.error?.message).toContain('Connection refused');
        expect((await stopping.execute({code: 'server.poll()'})).value).toBe('-9');
        await stopping.dispose();

        const keeping = backend.create({keepBackgroundProcesses: true});
        try {
          const kept = await keeping.getSession('server', {authorizedImports: ['*']});
          const again = await kept.execute({code: serve});
          expect(again.error, again.error?.traceback).toBeUndefined();
          expect(again.stoppedProcesses).toBeUndefined();
          expect((await kept.execute({code: fetch})).value).toBe('200');
          const tree = processTree(kept.pid!);
          await kept.dispose();
          expect(await waitGone(tree)).toEqual([]);
        } finally {
          await keeping.dispose();
        }
      });

      it('disposes sessions left idle', async () => {
        const idle = backend.create({idleTimeoutMs: 300});
        try {
          const session = await idle.getSession('idle', {authorizedImports: []});
          const tree = processTree(session.pid!);
          const deadline = Date.now() + 10_000;
          while (!session.disposed && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          expect(session.disposed).toBe(true);
          // dispose() is under way: wait for it before looking at the folder.
          await session.dispose();
          expect(existsSync(session.sessionDir)).toBe(false);
          expect(await waitGone(tree)).toEqual([]);
          const next = await idle.getSession('idle', {authorizedImports: []});
          expect(next).not.toBe(session);
          expect((await next.execute({code: '3'})).value).toBe('3');
        } finally {
          await idle.dispose();
        }
      });
    },
  );
}
