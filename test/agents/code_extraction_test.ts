/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {describe, expect, it} from 'vitest';

import {codeSoFar, extractCode} from '../../src/agents/code_extraction.js';

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
  [
    'OpenHands <execute_ipython> cut by its stop sequence',
    'Opening it.\n\n<execute_ipython>\nopen_file("a.txt")',
    'open_file("a.txt")',
    true,
  ],
  ['closed <execute_ipython>', '<execute_ipython>\nx = 1\n</execute_ipython>\nDone?', 'x = 1'],
  ['<execute_bash> is shell, not run', '<execute_bash>\nls -la\n</execute_bash>', undefined],
  [
    'lone </think>: the draft before it is reasoning',
    `Let me draft:\n${F}python\ndraft()\n${F}\nok.\n</think>\n${F}python\nfinal()\n${F}`,
    'final()',
  ],
  ['lone </thinking> too', `plan ${F}python\nno()\n${F}</thinking>\n${F}py\nyes()\n${F}`, 'yes()'],
  ['bare fence with pip install', `${F}\npip install pandas\n${F}`, undefined],
  ['bare fence with a run command', `${F}\npython hello.py\n${F}`, undefined],
  ['bare fence with a command word that parses', `${F}\nsubmit\n${F}`, undefined],
  ['bare fence with a file listing', `${F}\nsrc/\n  main.py\n  util.py\n${F}`, undefined],
  [
    'bare fence with a JSON action',
    `${F}\n{"action": "think", "args": {"thought": "x"}}\n${F}`,
    undefined,
  ],
  ['bare fence with printed output', `${F}\n[4, 10, 32, 0]\n${F}`, undefined],
  ['bare fence with a table of dates', `${F}\n2024-02-28 | 776.2 | 789.3\n${F}`, undefined],
  ['bare fence with a shell session', `${F}\n$ ls\nmain.py\n${F}`, undefined],
  ['python fence holding the expected output', `${F}python\n{'a': 1, 'b.c': 2}\n${F}`, undefined],
  [
    'python fence holding only !pip',
    `${F}python\n!pip install yfinance\n${F}\n${F}python\nimport yfinance\n${F}`,
    'import yfinance',
  ],
  ['python fence holding a shell command', `${F}python\npip install pandas\n${F}`, undefined],
  [
    'IPython magic line dropped',
    `${F}python\n%matplotlib inline\nimport matplotlib\n${F}`,
    'import matplotlib',
  ],
  ['>>> session', `${F}python\n>>> x = 2\n>>> print(x)\n2\n${F}`, 'x = 2\nprint(x)'],
  ['fence opened at the end of a prose line', 'The plan is done.```python\nrun()\n```', 'run()'],
  ['closing fence glued to </code>', `${F}python\nfinal_answer(5)\n${F}</code>`, 'final_answer(5)'],
  ['closing fence glued to the last line of code', `${F}python\nprint(x)${F}\nDone.`, 'print(x)'],
  ['closing fence followed by other text', `${F}py\nstep()\n${F}[{'id': 'call_1'}]`, 'step()'],
  ['python:file info string', `${F}python:main.py\nmain()\n${F}`, 'main()'],
  ['{python} info string', `${F}{python}\nz = 3\n${F}`, 'z = 3'],
  [
    'indented fence, unindented body',
    ` ${F}python\ndef f():\n    return 1\n${F}`,
    'def f():\n    return 1',
  ],
  [
    'the same block twice runs once',
    `${F}python\nprint(1)\n${F}\nAgain:\n${F}python\nprint(1)\n${F}`,
    'print(1)',
  ],
  [
    'a program written again with a change: the later one',
    `${F}python\na = 1\nb = 2\nc = a + b\nd = c * 2\nprint(d)\n${F}\n${F}python\na = 1\nb = 2\nc = a + b\nd = c * 2\nd\n${F}`,
    'a = 1\nb = 2\nc = a + b\nd = c * 2\nd',
  ],
  [
    'structured output JSON',
    '{"thought": "add", "code": "x = 1 + 1\\nprint(x)"}',
    'x = 1 + 1\nprint(x)',
  ],
  [
    'JSON in a fence, code fenced inside',
    `${F}json\n{"code": "${F}py\\nrun()\\n${F}"}\n${F}`,
    'run()',
  ],
  [
    'JSON call of a Python tool',
    '{"name": "python_interpreter", "arguments": {"code": "print(2)"}}',
    'print(2)',
  ],
  [
    '<tool_call> with a Python tool',
    '<tool_call>\n{"name": "code_interpreter", "arguments": {"code": "f()"}}\n</tool_call>',
    'f()',
  ],
  ['JSON action of another tool', '{"action": "final_answer", "action_input": "42"}', undefined],
  ['inline <code> in a sentence is formatting', 'Use <code>requests</code> for this.', undefined],
  [
    'one-line <code> block on its own line',
    'Thought: done.\n<code>final_answer(7)</code>',
    'final_answer(7)',
  ],
  ['prose with a stray closing tag', 'I will search the web next.</code>', undefined],
  [
    'unfenced code after an introducing line',
    'Here is the code:\nimport math\nprint(math.pi)',
    'import math\nprint(math.pi)',
  ],
  [
    'unfenced code, then prose',
    'total = 2 + 3\nprint(total)\nThis prints 5.',
    'total = 2 + 3\nprint(total)',
  ],
  [
    'language word on the line after a bare fence',
    `${F}\npython\ndef f():\n    return 2\n${F}`,
    'def f():\n    return 2',
  ],
  ['python_code label', `${F}python_code\nprint(3)\n${F}`, 'print(3)'],
  ['a formula in prose is not code', `Recall:\nF(n) = F(n-1) + F(n-2)`, undefined],
  ['arithmetic in a bare fence is not code', `${F}\n(2 - 7) + 2 = -5 + 2 = -3\n${F}`, undefined],
  [
    'a comment-only python block still runs',
    `${F}python\n# nothing to do yet\n${F}`,
    '# nothing to do yet',
  ],
  ['a comment-only bare fence does not', `${F}\n# TODO\n${F}`, undefined],
  [
    'a program grown step by step: the last block holds the others',
    `1.\n${F}python\ndef f():\n${F}\n2.\n${F}python\ndef f():\n    x = 1\n    return x\n${F}`,
    'def f():\n    x = 1\n    return x',
  ],
  [
    'fences in comments of unfenced code',
    'def g():\n    # Start with ```\n    y = 1\n    # End with ```\n    return y',
    'def g():\n    # Start with ```\n    y = 1\n    # End with ```\n    return y',
  ],
  [
    'a placeholder example, then the real block',
    `Format:\n${F}python\n# Your python code here\n${F}\nNow:\n${F}python\nprint(4)\n${F}`,
    'print(4)',
  ],
  [
    'a snippet in the Thought, the real block after Code:',
    `Thought: I could use ${F}python\nx = f()\n${F} but better:\nCode:\n${F}py\nx = g()\n${F}<end_code>`,
    'x = g()',
  ],
  [
    'structured output with the appended </code>',
    '{"thought": "t", "code": "print(1)"}</code>',
    'print(1)',
  ],
  [
    'reply cut inside a bash block after Python',
    `${F}python\nx = 1\n${F}\n${F}sh\nls -`,
    'x = 1',
    true,
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

  it('reads thought parts as reasoning, whatever code they hold', () => {
    const result = extractCode([
      {text: `Maybe:\n${F}python\nguess()\n${F}`, thought: true},
      {text: `Running it.\n${F}py`},
      {text: `thon\nanswer()\n${F}`},
    ]);
    expect(result.code).toBe('answer()');
    expect(result.thoughts).toBe(`Maybe:\n${F}python\nguess()\n${F}`);
    expect(result.text).toBe('Running it.');
  });

  it('says which blocks it did not run, and why', () => {
    const result = extractCode(
      `${F}sh\npip install x\n${F}\n${F}\n[1, 2]\n${F}\n${F}python\nprint(1)\n${F}\n${F}python\nprint(1)\n${F}`,
    );
    expect(result.code).toBe('print(1)');
    expect(result.skipped.map((s) => [s.language, s.reason])).toEqual([
      ['sh', 'not Python'],
      ['', 'program output'],
      ['python', 'repeated'],
    ]);
  });

  it('shows the code of a block still being written', () => {
    expect(codeSoFar(`Step 1.\n${F}python\nfor i in range(3):\n    pri`)).toEqual({
      code: 'for i in range(3):\n    pri',
      writing: true,
    });
    expect(codeSoFar(`${F}python\nx = 1\n${F}\nNow`)).toEqual({code: 'x = 1', writing: false});
    expect(codeSoFar('Let me think')).toEqual({code: undefined, writing: false});
  });

  it('keeps non-python blocks in the text', () => {
    const result = extractCode(`Here:\n${F}json\n{"a": 1}\n${F}`);
    expect(result.text).toBe(`Here:\n${F}json\n{"a": 1}\n${F}`);
  });
});
