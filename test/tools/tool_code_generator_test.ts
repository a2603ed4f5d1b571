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
    expect(generator.promptText).toContain('from_ ("from"): source currency.');
    expect(generator.promptText).not.toContain('__adk_call_tool__');
  });

  it('docstrings in stubs are real Python docstrings', () => {
    const out = runPython(`${generator.stubSource}\nprint(search_rows.__doc__.splitlines()[0])\n`);
    expect(out.trim()).toBe('Find rows matching a query.');
  });

  it('renames tools Python cannot call, and each stub calls the tool by its own name', () => {
    const named = (name: string) =>
      new FunctionTool({name, description: `Tool ${name}.`, execute: () => 1});
    const names = ['print', 'class', 'final_answer', 'my-tool', 'my_tool', 'files.read', '2fa'];
    const renamed = new ToolCodeGenerator(names.map(named));
    expect([...renamed.pythonNames.values()]).toEqual([
      'print_',
      'class_',
      'final_answer_',
      'my_tool_2',
      'my_tool',
      'files_read',
      '_2fa',
    ]);
    expect(renamed.promptText).toContain(
      'def my_tool_2():\n    """Tool my-tool.\n    \n    (The tool "my-tool".)',
    );
    // The kernel's final_answer and the builtin print still work beside the stubs.
    const out = runPython(
      `${renamed.stubSource}\n` +
        'print_(); class_(); final_answer_(); my_tool_2(); my_tool(); files_read(); _2fa()\n' +
        'print(json.dumps(calls))\n',
    );
    expect(JSON.parse(out).map((c: unknown[]) => c[0])).toEqual(names);
  });

  it('renames parameters Python cannot take and sends them under their own names', () => {
    const tool = new FunctionTool({
      name: 'query',
      description: 'Query.',
      parameters: {
        type: Type.OBJECT,
        properties: {
          'max-results': {type: Type.INTEGER},
          max_results: {type: Type.INTEGER},
          $filter: {type: Type.STRING},
          import: {type: Type.STRING},
          __adk_args__: {type: Type.STRING},
        },
        required: ['$filter'],
      },
      execute: () => 0,
    });
    const generator = new ToolCodeGenerator([tool]);
    expect(generator.stubSource).toContain(
      'def query(filter: str, max_results_2: int = None, max_results: int = None, import_: str = None, __adk_args___: str = None):',
    );
    expect(generator.promptText).toContain('max_results_2 ("max-results"):');
    const out = runPython(
      `${generator.stubSource}\n` +
        'query("x", max_results_2=1, max_results=2, import_="m", __adk_args___="a")\n' +
        'print(json.dumps(calls))\n',
    );
    expect(JSON.parse(out)).toEqual([
      ['query', {$filter: 'x', 'max-results': 1, max_results: 2, import: 'm', __adk_args__: 'a'}],
    ]);
  });

  it('shows JSON Schema defaults, enums and the result shape; sends the defaults it shows', () => {
    const tool = new FunctionTool({name: 'forecast', description: 'Forecast.', execute: () => 0});
    tool._getDeclaration = () => ({
      name: 'forecast',
      description: 'Forecast.',
      parametersJsonSchema: {
        type: 'object',
        properties: {
          city: {type: 'string', enum: ['Paris', 'Oslo']},
          days: {type: 'integer', default: 3},
          units: {type: ['string', 'null'], default: null},
          detailed: {type: 'boolean', default: true},
          tags: {type: 'array', items: {type: 'string'}, default: ['a', 'b']},
          level: {enum: [1, 2, 3], default: 2},
          note: {type: 'string', default: 'x'.repeat(60)},
        },
        required: ['city'],
      },
      responseJsonSchema: {
        type: 'object',
        description: 'The forecast.',
        properties: {
          days: {
            type: 'array',
            items: {type: 'object', properties: {high: {type: 'number'}}},
            description: 'One entry per day',
          },
        },
      },
    });
    const generator = new ToolCodeGenerator([tool]);
    expect(generator.promptText).toContain(
      'def forecast(city: str, days: int = 3, units: str = None, detailed: bool = True, tags: list[str] = ["a", "b"], level: float = 2, note: str = None) -> dict:',
    );
    expect(generator.promptText).toContain('city: One of: "Paris", "Oslo".');
    expect(generator.promptText).toContain('level: One of: 1, 2, 3.');
    expect(generator.promptText).toContain(`note: Default: "${'x'.repeat(60)}".`);
    expect(generator.promptText).toContain(
      'Returns:\n        {"days": list[{"high": float}]}\n        The forecast.\n        days: One entry per day',
    );
    const out = runPython(`${generator.stubSource}\nforecast("Oslo")\nprint(json.dumps(calls))\n`);
    expect(JSON.parse(out)).toEqual([
      ['forecast', {city: 'Oslo', days: 3, detailed: true, tags: ['a', 'b'], level: 2}],
    ]);
  });

  it('rejects two tools with one name', () => {
    expect(() => new ToolCodeGenerator([noArgs, noArgs])).toThrow(/two tools have this name/);
  });
});
