/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The Python kernel and its host-side process wrapper, without a sandbox around them: import
 * policy details, JSON conversion of final answers, output capture edge cases, hostile kernels.
 */

import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {defaultKernelPath} from '../../src/code_executors/kernel_code_executor.js';
import {KernelProcess, type KernelLaunchSpec} from '../../src/code_executors/kernel_process.js';
import type {OutputChunk, ToolCallHandler} from '../../src/code_executors/sandbox.js';
import {isRunning, processTree, waitGone} from '../helpers/processes.js';

const PYTHON = '/usr/bin/python3';
const folders: string[] = [];

function spec(
  kernelArgs: string[],
  command: string[] = [PYTHON, '-I', defaultKernelPath()],
): KernelLaunchSpec {
  const dir = mkdtempSync(join(tmpdir(), 'kernel-test-'));
  folders.push(dir);
  mkdirSync(join(dir, 'output'));
  return {
    command: command[0],
    args: [...command.slice(1), ...kernelArgs, '--output-dir', join(dir, 'output')],
    env: {HOME: dir, PATH: '/usr/bin:/bin', MPLBACKEND: 'Agg', LANG: 'C.UTF-8'},
    cwd: dir,
  };
}

function startKernel(kernelArgs: string[]): Promise<KernelProcess> {
  return KernelProcess.start(spec(kernelArgs));
}

afterAll(() => {
  for (const dir of folders) rmSync(dir, {recursive: true, force: true});
});

describe('kernel import policy', () => {
  let kernel: KernelProcess;
  const run = (code: string) => kernel.execute({code, timeoutMs: 20_000});

  beforeAll(async () => {
    kernel = await startKernel(['--authorized-imports', 'os.path,matplotlib,json,time']);
  });
  afterAll(() => kernel?.dispose());

  it('allowing os.path allows `import os.path` and `from os import path`, not `import os`', async () => {
    expect((await run('import os.path\nos.path.join("a", "b")')).value).toBe("'a/b'");
    expect((await run('from os import path\npath.basename("/x/y")')).value).toBe("'y'");
    const plain = await run('import os');
    expect(plain.error?.type).toBe('ImportError');
    expect(plain.error?.message).toContain("'os'");
    expect((await run('from os import getcwd')).error?.type).toBe('ImportError');
    expect((await run('from os import *')).error?.type).toBe('ImportError');
  });

  it('allowing a package allows its submodules, but not modules that merely share a prefix', async () => {
    expect((await run('import json.decoder\nfrom json import tool\n1')).value).toBe('1');
    expect((await run('import matplotlib.pyplot as plt\nplt.close("all")\n2')).value).toBe('2');
    const prefix = await run('import jsonschema');
    expect(prefix.error?.type).toBe('ImportError');
    expect(prefix.error?.message).toContain("'jsonschema'");
  });

  it('rejects relative imports and names the authorized modules', async () => {
    const result = await run('from . import sibling');
    expect(result.error?.type).toBe('ImportError');
    expect(result.error?.message).toContain("'.'");
    expect(result.error?.message).toContain('Authorized imports: json, matplotlib, os.path, time');
    expect(result.error?.traceback).toContain('from . import sibling');
  });

  it('checks imports made at run time by functions defined in earlier snippets', async () => {
    await run('def sneaky():\n    return __import__("subprocess")');
    const result = await run('sneaky()');
    expect(result.error?.type).toBe('ImportError');
    expect(result.error?.traceback).toContain('in sneaky');
  });

  it('says so when nothing is authorized', async () => {
    const strict = await startKernel(['--authorized-imports', '']);
    try {
      const result = await strict.execute({code: 'import math', timeoutMs: 10_000});
      expect(result.error?.message).toContain('Authorized imports: (none)');
    } finally {
      await strict.dispose();
    }
  });
});

describe('kernel semantics', () => {
  let kernel: KernelProcess;
  const run = (code: string, onToolCall?: ToolCallHandler) =>
    kernel.execute({code, timeoutMs: 20_000, onToolCall});
  const answer = async (code: string) => {
    const result = await run(code);
    expect(result.error, result.error?.traceback).toBeUndefined();
    return result.finalAnswer?.value;
  };

  beforeAll(async () => {
    kernel = await startKernel([
      '--authorized-imports',
      '*',
      '--max-output-bytes',
      '2000',
      '--max-file-bytes',
      '50',
    ]);
  });
  afterAll(() => kernel?.dispose());

  it('announces Python, packages and the output folder', () => {
    expect(kernel.info.python).toMatch(/^3\.11\./);
    expect(Object.keys(kernel.info.packages)).toEqual(
      expect.arrayContaining(['numpy', 'pandas', 'matplotlib']),
    );
    expect(kernel.info.outputDir).toMatch(/output$/);
  });

  it('converts final answers to JSON: pandas, NaN, sets, keys, dates, other objects', async () => {
    await run(
      'import pandas as pd, numpy as np, datetime\ndf = pd.DataFrame({"k": ["a", "a", "b"], "v": [1, 2, 4]})',
    );
    expect(await answer('final_answer(df)')).toEqual([
      {k: 'a', v: 1},
      {k: 'a', v: 2},
      {k: 'b', v: 4},
    ]);
    // A meaningful index is kept as a column.
    expect(await answer('final_answer(df.groupby("k").sum())')).toEqual([
      {k: 'a', v: 3},
      {k: 'b', v: 4},
    ]);
    expect(await answer('final_answer(df.groupby("k")["v"].sum())')).toEqual({a: 3, b: 4});
    expect(await answer('final_answer(df["v"])')).toEqual([1, 2, 4]);
    expect(await answer('final_answer([float("nan"), float("inf"), np.nan, 1.5])')).toEqual([
      null,
      null,
      null,
      1.5,
    ]);
    expect(await answer('final_answer({(1, 2): "tuple key", 3: {4}})')).toEqual({
      '[1, 2]': 'tuple key',
      '3': [4],
    });
    expect(await answer('final_answer(datetime.date(2024, 2, 29))')).toBe('2024-02-29');
    expect(await answer('final_answer(pd.Timestamp("2024-01-01 12:00"))')).toBe(
      '2024-01-01T12:00:00',
    );
    expect(
      await answer(
        'class Thing:\n    def __str__(self):\n        return "a thing"\nfinal_answer(Thing())',
      ),
    ).toBe('a thing');
    const empty = await run('final_answer()');
    expect(empty.finalAnswer).toEqual({value: null});
  });

  it('keeps a final answer even when a bare except swallows it', async () => {
    const result = await run(
      'try:\n    final_answer("kept")\nexcept:\n    pass\nprint("continued")',
    );
    expect(result.finalAnswer).toEqual({value: 'kept'});
    expect(result.stdout).toBe('continued\n');
  });

  it('shows only snippet frames, with the exception chain', async () => {
    const result = await run(
      'import json\ndef parse(text):\n    try:\n        return json.loads(text)\n    except ValueError as e:\n        raise RuntimeError("cannot parse") from e\nparse("{bad")',
    );
    expect(result.error?.type).toBe('RuntimeError');
    const traceback = result.error?.traceback ?? '';
    expect(traceback).toContain('JSONDecodeError');
    expect(traceback).toContain('The above exception was the direct cause');
    expect(traceback).toContain('<snippet-');
    expect(traceback).not.toMatch(/File "\//);
  });

  it('caps the value repr and reports SystemExit as an error without dying', async () => {
    const big = await run('"y" * 100_000');
    expect(big.value!.length).toBeLessThan(2200);
    expect(big.value).toContain('characters dropped');
    const exit = await run('import sys\nsys.exit(2)');
    expect(exit.error?.type).toBe('SystemExit');
    expect(exit.stateLost).toBe(false);
    expect((await run('40 + 2')).value).toBe('42');
  });

  it('captures C-level stdio, survives a closed fd 1 and undecodable bytes', async () => {
    const c = await run('import ctypes\nctypes.CDLL(None).printf(b"from C\\n")\nNone');
    expect(c.stdout).toContain('from C');
    const bytes = await run('import os\nos.write(1, b"\\xff\\xfe ok\\n")\nNone');
    expect(bytes.stdout).toContain('\ufffd\ufffd ok');
    const closed = await run('import os\nos.close(1)\nNone');
    expect(closed.error).toBeUndefined();
    expect((await run('print("back")')).stdout).toBe('back\n');
  });

  it('reads stdin from /dev/null', async () => {
    expect((await run('input()')).error?.type).toBe('EOFError');
  });

  it('drops output printed between executions, and says so in the next one', async () => {
    const first = await run(
      'import threading, time\nprinted = threading.Event()\nthreading.Thread(target=lambda: (time.sleep(0.3), print("late"), printed.set())).start()\nprint("now")',
    );
    expect(first.stdout).toBe('now\n');
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The event only guards against a slow machine; normally "late" was printed between runs.
    const next = await run('printed.wait(10)\nprint("next")');
    expect(next.stdout).toBe('next\n');
    expect(next.stderr).toContain(
      '[5 bytes written to stdout between executions (by threads or processes still running) were dropped]',
    );
  });

  it('streams output while the snippet runs; the chunks joined are its stdout', async () => {
    const chunks: OutputChunk[] = [];
    let seen!: () => void;
    const printed = new Promise<void>((resolve) => (seen = resolve));
    // The tool answers only once "first" has reached the host, so it was streamed, not batched.
    const result = await kernel.execute({
      code: 'print("first")\n__adk_call_tool__("wait", {})\nprint("second")',
      timeoutMs: 20_000,
      onOutput: (chunk) => {
        chunks.push(chunk);
        if (chunk.text.includes('first')) seen();
      },
      onToolCall: async () => {
        await printed;
        return {ok: true, value: null};
      },
    });
    expect(result.stdout).toBe('first\nsecond\n');
    expect(chunks.filter((c) => c.stream === 'stdout').map((c) => c.text)).toEqual([
      'first\n',
      'second\n',
    ]);
  });

  it('keeps what was printed before a timeout in the lost result', async () => {
    const own = await startKernel(['--authorized-imports', '*']);
    try {
      const result = await own.execute({
        code: 'import time\nprint("before", flush=True)\ntime.sleep(60)',
        timeoutMs: 1500,
      });
      expect(result.error?.type).toBe('TimeoutError');
      expect(result.stateLost).toBe(true);
      expect(result.stdout).toBe('before\n');
    } finally {
      await own.dispose();
    }
  });

  it('stops the processes a snippet left running when it returns, and names them', async () => {
    const result = await run(
      [
        'import os, subprocess',
        'plain = subprocess.Popen(["sleep", "301"]).pid',
        'if os.fork() == 0:',
        '    os.setsid()',
        '    if os.fork() == 0:',
        '        os.execvp("sleep", ["sleep", "302"])',
        '    os._exit(0)',
        'os.wait()',
        // Until the grandchild has become sleep 302 (its fork of this interpreter is not yet).
        'import time',
        'def running(name):',
        '    for pid in filter(str.isdigit, os.listdir("/proc")):',
        '        try:',
        '            if open(f"/proc/{pid}/cmdline", "rb").read() == name:',
        '                return True',
        '        except OSError:',
        '            pass',
        'while not running(b"sleep\\x00302\\x00"):',
        '    time.sleep(0.01)',
        'plain',
      ].join('\n'),
    );
    expect(result.error, result.error?.traceback).toBeUndefined();
    const commands = result.stoppedProcesses?.processes.map((p) => p.command).sort();
    expect(commands).toEqual(['sleep 301', 'sleep 302']);
    expect(result.stoppedProcesses?.count).toBe(2);
    const pid = Number(result.value);
    expect(result.stoppedProcesses?.processes.map((p) => p.pid)).toContain(pid);
    expect(await waitGone([pid])).toEqual([]);
    // Threads are not processes: the interpreter itself goes on.
    expect((await run('1 + 1')).value).toBe('2');
  });
  it('rejects unserializable tool arguments in Python and converts numpy ones', async () => {
    const seen: unknown[] = [];
    const onToolCall: ToolCallHandler = async (call) => {
      seen.push(call.args);
      return {ok: true, value: 'ok'};
    };
    const bad = await run('__adk_call_tool__("t", {"f": object()})', onToolCall);
    expect(bad.error?.type).toBe('TypeError');
    expect(bad.error?.message).toContain('JSON-serializable');
    const nan = await run('__adk_call_tool__("t", {"x": float("nan")})', onToolCall);
    expect(nan.error?.type).toBe('TypeError');
    const numpy = await run(
      'import numpy as np\n__adk_call_tool__("t", {"n": np.int64(3), "a": np.arange(2)})',
      onToolCall,
    );
    expect(numpy.value).toBe("'ok'");
    expect(seen).toEqual([{n: 3, a: [0, 1]}]);
  });

  it('turns an unserializable tool result into a ToolError', async () => {
    const result = await run('__adk_call_tool__("t", {})', async () => ({
      ok: true,
      value: {big: BigInt(1)},
    }));
    expect(result.error?.type).toBe('ToolError');
    expect(result.error?.message).toContain('not JSON-serializable');
  });

  it('refuses tool calls made when no execution is running', async () => {
    await run(
      [
        'import threading, time',
        'outcome = []',
        'def later():',
        '    time.sleep(0.3)',
        '    try:',
        '        __adk_call_tool__("t", {})',
        '    except Exception as e:',
        '        outcome.append(type(e).__name__)',
        '    finished.set()',
        'finished = threading.Event()',
        'threading.Thread(target=later).start()',
      ].join('\n'),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await run('finished.wait(10)\noutcome')).value).toBe("['ToolError']");
  });

  it('skips output files over the size limit with a note on stderr', async () => {
    const result = await run(
      'open("output/small.txt", "w").write("s")\nopen("output/big.bin", "wb").write(b"x" * 100)\nNone',
    );
    expect(result.files.map((f) => f.name)).toEqual(['small.txt']);
    expect(result.stderr).toContain('big.bin (100 bytes) was not returned');
    expect(result.error).toBeUndefined();
  });

  it('returns at most --max-figures figures and tells how many were left out', async () => {
    const own = await startKernel(['--authorized-imports', '*', '--max-figures', '3']);
    try {
      const result = await own.execute({
        code: 'import matplotlib.pyplot as plt\nfor i in range(25):\n    plt.figure()\nNone',
        timeoutMs: 20_000,
      });
      expect(result.figures).toHaveLength(3);
      expect(result.stderr).toContain(
        '[22 more figures were not returned: the limit is 3 figures per step]',
      );
      const left = await own.execute({code: 'len(plt.get_fignums())', timeoutMs: 20_000});
      expect(left.value).toBe('0');
    } finally {
      await own.dispose();
    }
  });

  it('refuses a final answer over the output cap, keeping the variables', async () => {
    const result = await run('kept = 7\nfinal_answer("z" * 5000)');
    expect(result.finalAnswer).toBeUndefined();
    expect(result.error?.type).toBe('MessageTooLarge');
    expect(result.error?.message).toContain('over the 2000-byte limit of an answer');
    expect(result.stateLost).toBe(false);
    expect((await run('kept')).value).toBe('7');
  });

  it('ends the execution with a ProtocolError when the snippet writes to its own channel', async () => {
    const own = await startKernel(['--authorized-imports', '*']);
    try {
      await own.execute({code: 'kept = 1', timeoutMs: 10_000});
      const result = await own.execute({
        code: [
          'import os, socket, stat',
          'print("before the forgery", flush=True)',
          'for fd in range(3, 64):',
          '    try:',
          '        if stat.S_ISSOCK(os.fstat(fd).st_mode) and fd not in (1, 2):',
          '            os.write(fd, b"{\\"type\\": \\"done\\", \\"id\\": \\"forged\\"}\\n")',
          '    except OSError:',
          '        pass',
          'import time',
          'time.sleep(5)',
        ].join('\n'),
        timeoutMs: 20_000,
      });
      expect(result.error?.type).toBe('ProtocolError');
      expect(result.error?.message).toMatch(
        /^Protocol error: the interpreter sent .*; the Python kernel was restarted/,
      );
      expect(result.stateLost).toBe(true);
      expect(result.stdout.startsWith('before the forgery\n')).toBe(true);
      await expect.poll(() => own.alive).toBe(false);
    } finally {
      await own.dispose();
    }
  });
});

describe('KernelProcess', () => {
  it('fails to start with a clear message: missing interpreter', async () => {
    await expect(
      KernelProcess.start({...spec([]), command: '/nonexistent/python3'}),
    ).rejects.toThrow(/cannot start the Python kernel \(\/nonexistent\/python3\).*ENOENT/);
  });

  it("fails to start with the kernel's stderr when it exits early", async () => {
    await expect(startKernel(['--max-output-bytes', 'lots'])).rejects.toThrow(
      /exited during start \(exit code 2\)[\s\S]*invalid int value: 'lots'/,
    );
  });

  it('gives up on a kernel that never becomes ready, and kills it', async () => {
    const hang = spec(
      [],
      [
        PYTHON,
        '-c',
        'import sys, time; print("starting", file=sys.stderr, flush=True); time.sleep(60)',
      ],
    );
    const before = new Set(processTree(process.pid));
    await expect(KernelProcess.start(hang, {startTimeoutMs: 500})).rejects.toThrow(
      /did not become ready within 0\.5 s[\s\S]*starting/,
    );
    const leftovers = processTree(process.pid).filter(
      (pid) => !before.has(pid) && pid !== process.pid,
    );
    expect(await waitGone(leftovers)).toEqual([]);
  });

  it('uses one process exit listener for any number of kernels', async () => {
    const first = await startKernel([]);
    const count = process.listenerCount('exit');
    const more = await Promise.all([startKernel([]), startKernel([])]);
    expect(process.listenerCount('exit')).toBe(count);
    await Promise.all([first, ...more].map((k) => k.dispose()));
    expect([first, ...more].some((k) => isRunning(k.pid!))).toBe(false);
  });

  /**
   * A fake kernel speaking the host protocol: it sends `ready`, waits for an execution, prints
   * one line, sends `lines` (RID replaced by the execution's id), then waits.
   */
  const fakeKernel = (lines: string[]) =>
    KernelProcess.start(
      spec(
        [],
        [
          PYTHON,
          '-c',
          String.raw`
import json, sys
out = sys.stdout
def send(text): out.write(text + "\n"); out.flush()
send(json.dumps({"type": "ready", "python": "3.11.2", "packages": {}, "outputDir": "/o"}))
rid = json.loads(sys.stdin.readline())["id"]
send(json.dumps({"type": "output", "id": rid, "stream": "stdout", "text": "printed before\n"}))
for line in json.loads(sys.argv[1]):
    if line == "READ":
        sys.stdin.readline()
    elif line.startswith("BIG:"):
        send("x" * int(line[4:]))
    else:
        send(line.replace("RID", rid))
sys.stdin.readline()
`,
          JSON.stringify(lines),
        ],
      ),
      {limits: {maxOutputBytes: 1024, maxFigures: 2, maxFileBytes: 100, maxSnapshotBytes: 100}},
    );
  const message = (fields: Record<string, unknown>) => JSON.stringify({id: 'RID', ...fields});
  const png = Buffer.from('89504e470d0a1a0a0000', 'hex').toString('base64');
  const result = message({type: 'result', value: null, error: null});
  const call = (n: number) =>
    message({type: 'tool_call', callId: `call-${n}`, name: 't', args: {n}});

  it.each([
    ['a line over the message cap', [`BIG:${2 * 2 ** 20}`], 'over the 1056768-byte limit'],
    ['a line that is not JSON', ['{not json'], 'a line that is not JSON'],
    ['an unknown message type', [message({type: 'nonsense'})], 'an invalid message'],
    [
      'an unknown key',
      [message({type: 'result', value: null, error: null, stdout: 'x'})],
      'an invalid message',
    ],
    [
      'a message for another execution',
      [result.replace('RID', 'exec-99')],
      'exec-99, which is not the running execution',
    ],
    [
      'a second ready',
      [JSON.stringify({type: 'ready', python: '3', packages: {}, outputDir: '/'})],
      'a second ready message',
    ],
    ['a call id used twice', [call(1), 'READ', call(1)], 'a tool call id used before (call-1)'],
    [
      'a call id going backwards',
      [call(5), 'READ', call(4)],
      'a tool call id used before (call-4)',
    ],
    [
      'a figure of type text/html',
      [message({type: 'figure', mimeType: 'text/html', data: png})],
      'an invalid message',
    ],
    [
      'a figure whose bytes are not its type',
      [message({type: 'figure', mimeType: 'image/jpeg', data: png})],
      'a figure whose bytes are not image/jpeg',
    ],
    [
      'more figures than the cap',
      Array.from({length: 3}, () => message({type: 'figure', mimeType: 'image/png', data: png})),
      'more than 2 figures',
    ],
    [
      'a file over the size cap',
      [
        message({
          type: 'file',
          name: 'a.bin',
          mimeType: 'application/octet-stream',
          data: 'A'.repeat(200),
        }),
      ],
      'a file of 150 bytes, over the 100-byte limit',
    ],
    [
      'a file named with control characters',
      [message({type: 'file', name: 'a\u001b[2J.txt', mimeType: 'text/plain', data: ''})],
      'an invalid message',
    ],
    [
      'snapshot chunks over the snapshot cap',
      Array.from({length: 2}, () => message({type: 'snapshot', data: 'A'.repeat(80)})),
      'a snapshot over the 100-byte limit',
    ],
    [
      'a snapshot chunk that is not base64',
      [message({type: 'snapshot', data: 'not base64!'})],
      'an invalid message',
    ],
    [
      'output past the cap',
      Array.from({length: 2}, () =>
        message({type: 'output', stream: 'stdout', text: 'y'.repeat(60_000)}),
      ),
      'more than 1024 bytes of stdout',
    ],
  ])(
    'stops a kernel that sends %s, with a ProtocolError keeping the output',
    async (_what, lines, reason) => {
      const kernel = await fakeKernel(lines);
      const calls: unknown[] = [];
      const result = await kernel.execute({
        code: 'ignored',
        timeoutMs: 20_000,
        onToolCall: async (request) => {
          calls.push(request);
          return {ok: true, value: 'v'};
        },
      });
      expect(result.error?.type).toBe('ProtocolError');
      expect(result.error?.message).toContain(reason);
      expect(result.error?.message).toContain('the Python kernel was restarted');
      expect(result.stateLost).toBe(true);
      expect(result.stdout).toBe('printed before\n');
      await kernel.dispose();
      expect(kernel.alive).toBe(false);
      expect(calls.length).toBeLessThanOrEqual(1);
    },
  );

  it('stops a kernel that sends a second result, and says why at the next execution', async () => {
    const kernel = await fakeKernel([result, result]);
    const first = await kernel.execute({code: 'ignored', timeoutMs: 20_000});
    expect(first.error).toBeUndefined();
    expect(first.stdout).toBe('printed before\n');
    await expect.poll(() => kernel.alive).toBe(false);
    expect(kernel.endedHow).toBe(
      'protocol error: the kernel sent a result message for exec-1, which is not the running execution',
    );
    await kernel.dispose();
  });

  it('takes tool calls without prototype keys and a supervisor-stopped kernel as a ProtocolError', async () => {
    const kernel = await fakeKernel([
      '{"type":"tool_call","id":"RID","callId":"call-1","name":"t","args":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"n":1}}',
      'READ',
      message({
        type: 'result',
        value: null,
        error: {
          type: 'ProtocolError',
          message: 'the interpreter sent a malformed figure',
          traceback: '',
        },
        stateLost: true,
      }),
    ]);
    const calls: unknown[] = [];
    const result = await kernel.execute({
      code: 'ignored',
      timeoutMs: 20_000,
      onToolCall: async (request) => {
        calls.push(request);
        return {ok: true, value: 'v'};
      },
    });
    expect(calls).toEqual([{callId: 'call-1', name: 't', args: {n: 1}}]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result.error?.message).toBe(
      'Protocol error: the interpreter sent a malformed figure; the Python kernel was restarted, so every variable, import and definition from earlier steps is gone.',
    );
    expect(result.stateLost).toBe(true);
    expect(result.stdout).toBe('printed before\n');
    await kernel.dispose();
  });

  it('refuses a 256 MB line as soon as it passes the cap, while another kernel works', async () => {
    // The flood has no newline in sight until its end: the host stops the kernel once the cap
    // is passed, never holding the line, and the honest kernel beside it is not disturbed.
    const flood = String.raw`
import json, sys
out = sys.stdout
out.write(json.dumps({"type": "ready", "python": "3.11.2", "packages": {}, "outputDir": "/o"}) + "\n"); out.flush()
rid = json.loads(sys.stdin.readline())["id"]
for _ in range(256):
    out.write("z" * (1 << 20))
out.write("\n"); out.flush()
sys.stdin.readline()
`;
    const [hostile, honest] = await Promise.all([
      KernelProcess.start(spec([], [PYTHON, '-c', flood])),
      startKernel(['--authorized-imports', '*']),
    ]);
    const rssBefore = process.memoryUsage().rss;
    const [flooded, ...honestResults] = await Promise.all([
      hostile.execute({code: 'ignored', timeoutMs: 60_000}),
      ...Array.from({length: 20}, (_, i) => honest.execute({code: `${i} * 2`, timeoutMs: 60_000})),
    ]);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    expect(flooded.error?.type).toBe('ProtocolError');
    expect(flooded.error?.message).toMatch(
      /a message of more than \d+ bytes, over the \d+-byte limit/,
    );
    expect(honestResults.map((r) => r.value)).toEqual(
      Array.from({length: 20}, (_, i) => String(i * 2)),
    );
    // Stream buffers and allocator slack only: the line cap is 15 MB, the line 256 MB.
    expect(rssGrowth).toBeLessThan(128 * 2 ** 20);
    await Promise.all([hostile.dispose(), honest.dispose()]);
  });

  it('stops a kernel that stops reading its input once 4 MiB are queued towards it', async () => {
    // The fake asks for tool calls and never reads the answers (1 MiB each).
    const stalled = String.raw`
import json, sys, time
out = sys.stdout
out.write(json.dumps({"type": "ready", "python": "3.11.2", "packages": {}, "outputDir": "/o"}) + "\n"); out.flush()
rid = json.loads(sys.stdin.readline())["id"]
for n in range(1, 11):
    out.write('{"type":"tool_call","id":"%s","callId":"call-%d","name":"t","args":{}}\n' % (rid, n)); out.flush()
time.sleep(60)
`;
    const kernel = await KernelProcess.start(spec([], [PYTHON, '-c', stalled]), {
      maxQueuedBytes: 4 * 2 ** 20,
    });
    const result = await kernel.execute({
      code: 'ignored',
      timeoutMs: 60_000,
      onToolCall: async () => ({ok: true, value: 'v'.repeat(2 ** 20)}),
    });
    expect(result.error?.type).toBe('ProtocolError');
    expect(result.error?.message).toMatch(
      /the kernel stopped reading its input \(\d+ bytes queued towards it, over the 4194304-byte limit\)/,
    );
    expect(result.stateLost).toBe(true);
    await kernel.dispose();
  });

  it('stops a kernel flooding tool calls once more than 64 wait at once, in bounded memory', async () => {
    // 200 000 valid calls with increasing ids, none waiting for its answer.
    const flood = String.raw`
import json, sys
out = sys.stdout
out.write(json.dumps({"type": "ready", "python": "3.11.2", "packages": {}, "outputDir": "/o"}) + "\n"); out.flush()
rid = json.loads(sys.stdin.readline())["id"]
out.write("".join('{"type":"tool_call","id":"%s","callId":"call-%d","name":"t","args":{}}\n' % (rid, n) for n in range(1, 200001)))
out.flush()
sys.stdin.readline()
`;
    const hostile = await KernelProcess.start(spec([], [PYTHON, '-c', flood]));
    let calls = 0;
    const result = await hostile.execute({
      code: 'ignored',
      timeoutMs: 60_000,
      onToolCall: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return {ok: true, value: null};
      },
    });
    expect(result.error?.message).toContain('more than 64 tool calls waiting at once');
    expect(calls).toBe(64);
    await hostile.dispose();
  });
});
