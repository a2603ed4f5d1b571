/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawnSync} from 'node:child_process';

import {FunctionTool} from '@google/adk';
import {Type} from '@google/genai';
import {describe, expect, it} from 'vitest';
import {z} from 'zod';

import {ToolCodeGenerator} from '../../src/tools/tool_code_generator.js';

const search = new FunctionTool({
  name: 'search_rows',
  description: 'Find rows matching a query.',
  parameters: z.object({
    query: z.string().describe('text to look for'),
    limit: z.number().int().optional().describe('most rows to return'),
    columns: z.array(z.string()),
    mode: z.enum(['exact', 'fuzzy']).optional(),
  }),
  execute: () => [],
});

const geminiSchemaTool = new FunctionTool({
  name: 'convert',
  description: 'Convert an amount.',
  parameters: {
    type: Type.OBJECT,
    properties: {
      amount: {type: Type.NUMBER},
      from: {type: Type.STRING, description: 'source currency'},
      flag: {type: Type.BOOLEAN, nullable: true},
    },
    required: ['amount', 'from'],
  },
  execute: () => 0,
});

const noArgs = new FunctionTool({name: 'now', description: 'Current time.', execute: () => 'now'});

/** Runs `code` in real Python with a recording `__adk_call_tool__`, returns its stdout. */
function runPython(code: string): string {
  const prelude =
    'import json\ncalls = []\ndef __adk_call_tool__(name, args):\n    calls.append([name, args])\n    return "ok"\n';
  const result = spawnSync('/usr/bin/python3', ['-I', '-c', prelude + code], {encoding: 'utf8'});
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

describe('ToolCodeGenerator', () => {
  const generator = new ToolCodeGenerator([search, geminiSchemaTool, noArgs]);

  it('writes stubs with real signatures, required parameters first, and no imports', () => {
    expect(generator.stubSource).toContain(
      'def search_rows(query: str, columns: list[str], limit: int = None, mode: str = None):',
    );
    expect(generator.stubSource).toContain(
      'def convert(amount: float, from_: str, flag: bool = None):',
    );
    expect(generator.stubSource).toContain('def now():');
    expect(generator.stubSource).not.toMatch(/^\s*(import|from)\s/m);
  });

  it('stubs pass the right argument dict to the kernel, omitting unset optionals', () => {
    const out = runPython(
      `${generator.stubSource}\n` +
        'search_rows("q", ["a"])\n' +
        'search_rows(query="q", columns=[], limit=3, mode="exact")\n' +
        'convert(1.5, from_="EUR")\n' +
        'now()\n' +
        'print(json.dumps(calls))\n',
    );
    expect(JSON.parse(out)).toEqual([
      ['search_rows', {query: 'q', columns: ['a']}],
      ['search_rows', {query: 'q', columns: [], limit: 3, mode: 'exact'}],
      ['convert', {amount: 1.5, from: 'EUR'}],
      ['now', {}],
    ]);
  });

  it('prompt text holds signatures and docs but no bodies', () => {
    expect(generator.promptText).toContain('def search_rows(query: str, columns: list[str]');
    expect(generator.promptText).toContain('query: text to look for');
    expect(generator.promptText).toContain('One of: "exact", "fuzzy"');
    expect(generator.promptText).toContain('from_: source currency');
    expect(generator.promptText).not.toContain('__adk_call_tool__');
  });

  it('docstrings in stubs are real Python docstrings', () => {
    const out = runPython(`${generator.stubSource}\nprint(search_rows.__doc__.splitlines()[0])\n`);
    expect(out.trim()).toBe('Find rows matching a query.');
  });

  it.each([
    ['print', /shadow the Python builtin print/],
    ['class', /Python keyword/],
    ['final_answer', /reserved/],
    ['my-tool', /not a valid Python identifier/],
  ])('rejects a tool named %s', (name, message) => {
    const tool = new FunctionTool({name, description: 'x', execute: () => 1});
    expect(() => new ToolCodeGenerator([tool])).toThrow(message);
  });

  it('rejects two tools with one name', () => {
    expect(() => new ToolCodeGenerator([noArgs, noArgs])).toThrow(/two tools have this name/);
  });
});
