/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {parser} from '@lezer/python';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Fence info words (lowercased) that name Python, besides `python…` (`python3`, `python_code`). */
const PYTHON_WORDS: ReadonlySet<string> = new Set([
  'py',
  'py3',
  'ipython',
  'ipython3',
  'pycon',
  'tool_code', // Gemini
  'tool-code',
]);

/** True when a fence's language word (lowercased) names Python. */
export function isPythonLanguage(word: string): boolean {
  return word.startsWith('python') || PYTHON_WORDS.has(word);
}

/**
 * What a piece of text is, read as Python:
 * - `program`: it parses and does something (an assignment, a definition, a call, a loop, ...);
 * - `values`: it parses but only names values (`submit`, `df`, `{'a': 1}`, `2024-02-28 | 776.2`):
 *   a command word, a variable to show or printed output;
 * - `literals`: the `values` case with no name at all, only literals and operators (output);
 * - `shell`: every line is an IPython shell escape or magic (`!pip install x`, `%pip install x`);
 * - `invalid`: it does not parse;
 * - `comments`: only comments (and blank lines);
 * - `empty`: only blank lines.
 */
export type PythonShape =
  'program' | 'values' | 'literals' | 'shell' | 'invalid' | 'comments' | 'empty';

/** Statements that do nothing visible unless they hold a call (or an await, yield, ...). */
const EFFECT_NODES = new Set([
  'CallExpression',
  'AwaitExpression',
  'YieldExpression',
  'LambdaExpression',
  'NamedExpression',
]);

/** Node names that make an expression more than literals and operators. */
const NAME_NODES = new Set(['VariableName', 'PropertyName']);

/**
 * Reads `code` as Python with the Lezer grammar (the one CodeMirror uses) and says what it is.
 * A parse with any error node counts as `invalid`; so does a first line that is indented, which
 * CPython rejects but Lezer tolerates.
 */
export function pythonShape(code: string): PythonShape {
  if (!code.trim()) return 'empty';
  const lines = code.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (lines.length === 0) return 'comments';
  if (lines.every((l) => /^\s*[!%]/.test(l))) return 'shell';
  if (/^[ \t]/.test(lines[0])) return 'invalid';
  const tree = parser.parse(code);
  let invalid = false;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) invalid = true;
      return !invalid;
    },
  });
  if (invalid || hasLeadingZeroNumber(tree.topNode, code) || assignsToNonTarget(tree.topNode)) {
    return 'invalid';
  }
  let shape: PythonShape = 'literals';
  for (let stmt = tree.topNode.firstChild; stmt; stmt = stmt.nextSibling) {
    if (stmt.name === 'Comment') continue;
    if (!isInert(stmt)) return 'program';
    if (contains(stmt, NAME_NODES)) shape = 'values';
  }
  return shape;
}

/**
 * An expression statement without a call, or an annotation without a value (`Answer: 42` parses
 * as one): statements that change nothing.
 */
function isInert(stmt: SyntaxNode): boolean {
  if (stmt.name === 'AssignStatement') return !stmt.getChild('AssignOp');
  return stmt.name === 'ExpressionStatement' && !contains(stmt, EFFECT_NODES);
}

/** True when `node` or a node under it has one of `names`. */
function contains(node: SyntaxNode, names: ReadonlySet<string>): boolean {
  const cursor = node.cursor();
  const end = node.to;
  do {
    if (names.has(cursor.name)) return true;
  } while (cursor.next() && cursor.from < end);
  return false;
}

/** Nodes that can be assigned to (`a`, `a.b`, `a[0]`, `a, b`, `(a, b)`, `[a, b]`, `*a`). */
const TARGET_NODES = new Set([
  'VariableName',
  'MemberExpression',
  'TupleExpression',
  'ArrayExpression',
  'ParenthesizedExpression',
  ',',
  '*',
  'TypeDef',
]);

/**
 * Lezer parses an assignment to any expression; CPython only accepts names, attributes,
 * subscripts and unpacking. Formulas in prose (`F(n) = F(n-1) + F(n-2)`,
 * `(2 - 7) + 2 = -5 + 2 = -3`) are where this shows.
 */
function assignsToNonTarget(top: SyntaxNode): boolean {
  for (let stmt = top.firstChild; stmt; stmt = stmt.nextSibling) {
    if (stmt.name !== 'AssignStatement') continue;
    let lastOp: SyntaxNode | null = stmt.lastChild;
    while (lastOp && lastOp.name !== 'AssignOp') lastOp = lastOp.prevSibling;
    for (
      let node = stmt.firstChild;
      node && lastOp && node.from < lastOp.from;
      node = node.nextSibling
    ) {
      if (node.name !== 'AssignOp' && !TARGET_NODES.has(node.name)) return true;
    }
  }
  return false;
}

/** `02` is not a Python 3 integer, but Lezer reads it as one (dates in tables: `2024-02-28`). */
function hasLeadingZeroNumber(top: SyntaxNode, code: string): boolean {
  const cursor = top.cursor();
  do {
    if (cursor.name === 'Number' && /^0+[1-9]\d*$/.test(code.slice(cursor.from, cursor.to)))
      return true;
  } while (cursor.next());
  return false;
}
