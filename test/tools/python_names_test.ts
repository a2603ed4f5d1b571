/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawnSync} from 'node:child_process';

import {describe, expect, it} from 'vitest';

import {assignPythonNames, pythonParamName, pythonToolName} from '../../src/tools/python_names.js';

/** Tool names as real MCP servers and OpenAPI specs spell them. */
const TOOL_NAMES: Array<[string, string]> = [
  ['get-sum', 'get_sum'],
  ['get_sum', 'get_sum'],
  ['getSum', 'getSum'],
  ['files.read', 'files_read'],
  ['github/create issue', 'github_create_issue'],
  ['search--docs', 'search_docs'],
  ['-leading-and-trailing-', 'leading_and_trailing'],
  ['_private', '_private'],
  ['3d-render', '_3d_render'],
  ['123', '_123'],
  ['café', 'cafe'],
  ['ｇｅｔ－ｓｕｍ', 'get_sum'],
  ['naïve résumé', 'naive_resume'],
  ['検索', 'tool'],
  ['天气.get', 'get'],
  ['---', 'tool'],
  ['class', 'class_'],
  ['import', 'import_'],
  ['match', 'match_'],
  ['print', 'print_'],
  ['sum', 'sum_'],
  ['open', 'open_'],
  ['type', 'type_'],
  ['final_answer', 'final_answer_'],
  ['ToolError', 'ToolError_'],
  ['__adk_call_tool__', '__adk_call_tool___'],
  ['__name__', '__name___'],
];

describe('Python names', () => {
  it.each(TOOL_NAMES)('tool %j is %j', (name, python) => {
    expect(pythonToolName(name)).toBe(python);
  });

  it.each([
    ['from', 'from_'],
    ['max-results', 'max_results'],
    ['$filter', 'filter'],
    ['@odata.type', 'odata_type'],
    ['1st', '_1st'],
    ['id', 'id'],
    ['type', 'type'],
    ['__adk_args__', '__adk_args___'],
    ['größe', 'gro_e'],
    ['', 'arg'],
  ])('parameter %j is %j', (name, python) => {
    expect(pythonParamName(name)).toBe(python);
  });

  it('every name is a Python identifier that is no keyword (checked by Python itself)', () => {
    const names = [...TOOL_NAMES.map(([, python]) => python), pythonParamName('from')];
    const check = spawnSync(
      '/usr/bin/python3',
      [
        '-I',
        '-c',
        'import json, keyword, sys\n' +
          'names = json.load(sys.stdin)\n' +
          'print(json.dumps([n for n in names if not n.isidentifier() or keyword.iskeyword(n) or keyword.issoftkeyword(n)]))',
      ],
      {input: JSON.stringify(names), encoding: 'utf8'},
    );
    expect(JSON.parse(check.stdout)).toEqual([]);
  });

  it('names that meet get numbered suffixes; a name that needed no change keeps it', () => {
    expect(assignPythonNames(['get-sum', 'get_sum', 'get.sum'], pythonToolName)).toEqual([
      'get_sum_2',
      'get_sum',
      'get_sum_3',
    ]);
    // A suffix never takes a name another tool has as its own.
    expect(assignPythonNames(['a-b', 'a_b', 'a_b_2'], pythonToolName)).toEqual([
      'a_b_3',
      'a_b',
      'a_b_2',
    ]);
    expect(assignPythonNames(['検索', '翻訳'], pythonToolName)).toEqual(['tool', 'tool_2']);
    // The same input gives the same names.
    expect(assignPythonNames(['x-y', 'x.y', 'x y'], pythonToolName)).toEqual(
      assignPythonNames(['x-y', 'x.y', 'x y'], pythonToolName),
    );
  });
});
