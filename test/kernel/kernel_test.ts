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
import type {ExecutionResult, ToolCallHandler} from '../../src/code_executors/sandbox.js';
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

  it('hands output printed after an execution ended to the next one', async () => {
    const first = await run(
      'import threading, time\nprinted = threading.Event()\nthreading.Thread(target=lambda: (time.sleep(0.3), print("late"), printed.set())).start()\nprint("now")',
    );
    expect(first.stdout).toBe('now\n');
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The event only guards against a slow machine; normally "late" was printed between runs.
    expect((await run('printed.wait(10)\nprint("next")')).stdout).toBe('late\nnext\n');
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

  it('drops hostile messages: oversized, malformed, unknown ids, repeated call ids', async () => {
    // A fake kernel that misbehaves before sending the real result.
    const fake = String.raw`
import json, sys
def send(obj): sys.stdout.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n"); sys.stdout.flush()
send({"type": "ready", "python": "3.11.2", "packages": {}})
request = json.loads(sys.stdin.readline())
rid = request["id"]
send("x" * 5000)
send("{not json")
send({"type": "result", "id": rid, "stdout": "y" * 5000, "stderr": "", "error": None, "figures": [], "files": []})
send({"type": "result", "id": "someone-else", "stdout": "forged", "stderr": "", "error": None, "figures": [], "files": []})
send({"type": "tool_call", "id": "someone-else", "callId": "c0", "name": "t", "args": {}})
send({"type": "tool_call", "id": rid, "callId": "c1", "name": "t", "args": {"n": 1}})
send({"type": "tool_call", "id": rid, "callId": "c1", "name": "t", "args": {"n": 2}})
reply = json.loads(sys.stdin.readline())
send({"type": "result", "id": rid, "stdout": json.dumps(reply), "stderr": "", "value": None, "error": None, "figures": [], "files": []})
sys.stdin.readline()
`;
    const kernel = await KernelProcess.start(spec([], [PYTHON, '-c', fake]), {
      maxMessageBytes: 2000,
    });
    const calls: unknown[] = [];
    const result: ExecutionResult = await kernel.execute({
      code: 'ignored',
      timeoutMs: 10_000,
      onToolCall: async (call) => {
        calls.push(call);
        return {ok: true, value: 'v'};
      },
    });
    expect(calls).toEqual([{callId: 'c1', name: 't', args: {n: 1}}]);
    expect(JSON.parse(result.stdout)).toEqual({
      type: 'tool_result',
      callId: 'c1',
      ok: true,
      value: 'v',
    });
    expect(result.stateLost).toBe(false);
    await kernel.dispose();
  });
  it('survives a flood of hostile lines, a 256 MB line and prototype keys while another kernel works', async () => {
    // 100 000 junk lines, unknown message types, a reply to a call the host never made,
    // __proto__/constructor keys in a tool call, and a 256 MB line without a newline in sight
    // until its end: the host drops each, keeps its memory bounded, and still takes the result.
    const flood = String.raw`
import json, sys
out = sys.stdout
def send(obj): out.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n"); out.flush()
send({"type": "ready", "python": "3.11.2", "packages": {}})
rid = json.loads(sys.stdin.readline())["id"]
junk = "".join('{"type": "nonsense", "n": %d}\n' % i for i in range(100000))
out.write(junk); out.flush()
send({"type": "tool_result", "callId": "never-made", "ok": True, "value": 1})
send('{"type": "tool_call", "id": "%s", "callId": "p1", "name": "t", "args": {"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "n": 1}}' % rid)
for _ in range(256):
    out.write("z" * (1 << 20))
out.write("\n"); out.flush()
reply = json.loads(sys.stdin.readline())
send({"type": "result", "id": rid, "stdout": json.dumps(reply), "stderr": "", "value": "'survived'", "error": None, "figures": [], "files": []})
sys.stdin.readline()
`;
    const [hostile, honest] = await Promise.all([
      KernelProcess.start(spec([], [PYTHON, '-c', flood]), {maxMessageBytes: 1 << 20}),
      startKernel(['--authorized-imports', '*']),
    ]);
    const calls: unknown[] = [];
    const rssBefore = process.memoryUsage().rss;
    const [flooded, ...honestResults] = await Promise.all([
      hostile.execute({
        code: 'ignored',
        timeoutMs: 60_000,
        onToolCall: async (call) => {
          calls.push(call);
          return {ok: true, value: 'v'};
        },
      }),
      ...Array.from({length: 20}, (_, i) => honest.execute({code: `${i} * 2`, timeoutMs: 60_000})),
    ]);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    expect(flooded.value).toBe("'survived'");
    expect(flooded.stateLost).toBe(false);
    // The tool call arrived without its prototype keys, and nothing was polluted.
    expect(calls).toEqual([{callId: 'p1', name: 't', args: {n: 1}}]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(honestResults.map((r) => r.value)).toEqual(
      Array.from({length: 20}, (_, i) => String(i * 2)),
    );
    // The 256 MB line was never held whole (the cap is 1 MiB per line): the host's memory grows
    // by stream buffers and allocator slack (about 65 MB here, the same with a 64 MB line).
    expect(rssGrowth).toBeLessThan(128 * 2 ** 20);
    await Promise.all([hostile.dispose(), honest.dispose()]);
  });
});
