/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {describe, expect, it} from 'vitest';

import {extractCode} from '../../src/agents/code_extraction.js';

const F = '```';

/** [description, reply, expected code (undefined = no code), expected truncated]. */
const TABLE: Array<[string, string, string | undefined, boolean?]> = [
  ['python fence', `${F}python\nx = 1\n${F}`, 'x = 1'],
  ['py fence', `${F}py\nprint(2)\n${F}`, 'print(2)'],
  ['python3 fence', `${F}python3\ny = 3\n${F}`, 'y = 3'],
  ['Gemini tool_code fence', `${F}tool_code\nprint(fetch(url="a"))\n${F}`, 'print(fetch(url="a"))'],
  ['bare fence holds Python', `${F}\nimport math\nmath.pi\n${F}`, 'import math\nmath.pi'],
  [
    'prose before and after',
    `Let me compute.\n\n${F}python\na = 2\n${F}\n\nThen I check.`,
    'a = 2',
  ],
  [
    'two blocks joined in order',
    `${F}python\na = 1\n${F}\ntext\n${F}python\nb = a + 1\n${F}`,
    'a = 1\n\nb = a + 1',
  ],
  ['json block not executed', `${F}json\n{"a": 1}\n${F}`, undefined],
  [
    'bash block not executed, python one is',
    `${F}bash\nls -la\n${F}\n${F}python\nx = 0\n${F}`,
    'x = 0',
  ],
  [
    'output block not executed',
    `${F}python\nprint(1)\n${F}\nExpected:\n${F}output\n1\n${F}`,
    'print(1)',
  ],
  [
    'smolagents <code> block',
    '<code>\nresult = 5 * 5\nprint(result)\n</code>',
    'result = 5 * 5\nprint(result)',
  ],
  ['<code> wrapping a fence', `<code>\n${F}python\nz = 9\n${F}\n</code>`, 'z = 9'],
  ['CodeAct <execute>', 'I will run:\n<execute>\nprint("hi")\n</execute>', 'print("hi")'],
  [
    '<execute> wins over a fence in prose',
    `${F}python\nnot_this()\n${F}\n<execute>\nthis()\n</execute>`,
    'this()',
  ],
  [
    'think block never executed',
    `<think>\nMaybe ${F}python\nbad()\n${F}\n</think>\n${F}python\ngood()\n${F}`,
    'good()',
  ],
  ['thinking tag variant', `<thinking>plan</thinking>\n${F}python\nok()\n${F}`, 'ok()'],
  ['unclosed think swallows the rest', `<think>\nI could write ${F}python\nx()\n${F}`, undefined],
  [
    'closing fence inside a string on one line',
    `${F}python\nprint("${F}")\nx = 1\n${F}`,
    `print("${F}")\nx = 1`,
  ],
  [
    'fence line inside a triple-quoted string',
    `${F}python\ndoc = """\n${F}\nnot the end\n"""\nprint(doc)\n${F}`,
    `doc = """\n${F}\nnot the end\n"""\nprint(doc)`,
  ],
  [
    'unterminated block at end of a cut reply',
    `Step:\n${F}python\nfor i in range(3):\n    print(i`,
    'for i in range(3):\n    print(i',
    true,
  ],
  ['unterminated <code>', '<code>\nx = 1\n', 'x = 1', true],
  ['CRLF line endings', `${F}python\r\nx = 1\r\ny = 2\r\n${F}\r\n`, 'x = 1\ny = 2'],
  ['tilde fence', '~~~python\nt = 1\n~~~', 't = 1'],
  ['four-backtick fence around a triple backtick', '````python\ns = "```"\n````', 's = "```"'],
  [
    'indented fence in a list item',
    `1. Run:\n   ${F}python\n   x = 1\n   if x:\n       print(x)\n   ${F}`,
    'x = 1\nif x:\n    print(x)',
  ],
  ['leading and trailing whitespace', `\n\n   \n${F}python\n\nv = 1\n\n${F}\n\n`, '\nv = 1'],
  ['plain text answer', 'The answer is 42.', undefined],
  ['a reply that is all Python runs, fenced or not', 'x = 1\nprint(x)', 'x = 1\nprint(x)'],
  ['a one-word answer is text, though it parses', 'Paris', undefined],
  ['a number is text', '42', undefined],
  ['an "Answer: 42" line is text, though it parses as an annotation', 'Answer: 42', undefined],
  [
    'smolagents Code: + <end_code>',
    `Thought: sum\nCode:\n${F}py\ntotal = sum([1, 2])\n${F}<end_code>`,
    'total = sum([1, 2])',
  ],
  ['<end_code> inside the fence', `${F}py\nfinal_answer(3)\n<end_code>\n${F}`, 'final_answer(3)'],
  ['empty python block is no code', `${F}python\n\n${F}\nDone: 7`, undefined],
  ['info string with extra words', `${F}python title="step"\nw = 2\n${F}`, 'w = 2'],
  ['uppercase language tag', `${F}Python\nu = 1\n${F}`, 'u = 1'],
  ['sql block not executed', `${F}sql\nSELECT 1;\n${F}`, undefined],
  [
    'nested quotes and comments with triple quotes',
    `${F}python\n# a """ in a comment\nx = 1\n${F}`,
    '# a """ in a comment\nx = 1',
  ],
  [
    'final answer with multi-line string',
    `${F}python\nfinal_answer("""line 1\nline 2""")\n${F}`,
    'final_answer("""line 1\nline 2""")',
  ],
];

describe('extractCode', () => {
  it('has at least 30 rows', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(30);
  });

  it.each(TABLE)('%s', (_name, reply, code, truncated = false) => {
    const result = extractCode(reply);
    expect(result.code).toBe(code);
    expect(result.truncated).toBe(truncated);
  });

  it('keeps prose as text and reasoning as thoughts', () => {
    const result = extractCode(
      `<think>plan it</think>Loading data.\n${F}python\nx = 1\n${F}\nThen plot.`,
    );
    expect(result.thoughts).toBe('plan it');
    expect(result.text).toBe('Loading data.\nThen plot.');
  });

  it('keeps non-python blocks in the text', () => {
    const result = extractCode(`Here:\n${F}json\n{"a": 1}\n${F}`);
    expect(result.text).toBe(`Here:\n${F}json\n{"a": 1}\n${F}`);
  });
});
