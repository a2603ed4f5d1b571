/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {isPythonLanguage, pythonShape} from '../languages/python.js';

/** One part of a model reply, as ADK's `Part`: only `text` and `thought` are read. */
export interface ReplyPart {
  /** The part's text, if it has any. */
  text?: string;
  /** True for a thought part (Gemini's thinking): reasoning, never run. */
  thought?: boolean;
}

/** Why a block found in the reply is not run. */
export type SkipReason =
  | 'not Python' // labelled with another language (bash, json, sql, ...) or an <execute_bash> tag
  | 'shell command' // IPython escapes or magics only (!pip install, %pip install), or pip/git/... lines
  | 'program output' // literals only: printed output, a JSON value
  | 'not a program' // a bare fence with names or comments only: a command word (submit, ls), a value
  | 'not Python syntax' // a bare fence that does not parse: shell, file contents, a table
  | 'empty' // blank
  | 'example' // beside the real code: a placeholder (`# your code here`), or before a `Code:` block
  | 'repeated'; // the same program written again later in the reply

/** A code block of the reply that is not run, and why. */
export interface SkippedBlock {
  /** The block's language label (fence info string or tag name), `''` for a bare fence. */
  language: string;
  /** Why it is not run. */
  reason: SkipReason;
  /** The block's content. */
  code: string;
}

/** A model reply split into the code to run, the prose and the reasoning. */
export interface ExtractedReply {
  /** Python to run: the runnable blocks joined in order with a blank line, or undefined when there are none. */
  code?: string;
  /** The reply without its reasoning and without the blocks that run, trimmed. */
  text: string;
  /** Reasoning: thought parts and `<think>` / `<thinking>` sections; never run. */
  thoughts: string;
  /** True when the reply ends inside a block that was never closed (cut off, or closed by a stop sequence). */
  truncated: boolean;
  /** Blocks found but not run (a bash block, printed output...) in reply order, then examples and repeats. */
  skipped: SkippedBlock[];
}

/**
 * Finds the Python a model meant to run in its reply.
 *
 * `reply` is the reply's text, or its parts: thought parts are reasoning and the other parts'
 * texts are joined as they stand, so the parts of a streamed reply give the same result as its
 * whole text.
 *
 * Rules, in order:
 * 1. Reasoning never runs: thought parts, `<think>…</think>` and `<thinking>…</thinking>`
 *    sections (an unclosed one runs to the end), and everything before a closing `</think>` that
 *    has no opening tag (servers that put `<think>` in the prompt send only the closing tag).
 * 2. Execution tags win over fences when the reply has any: `<execute_ipython>`, `<execute>`,
 *    `<code>` (smolagents) and `<execute_python>` hold Python (possibly fenced again inside);
 *    `<execute_bash>` holds shell and is skipped.
 * 3. Otherwise fenced blocks (```` ``` ```` or `~~~`) are read. An opening fence may end a line
 *    of prose (`… list.```python`). A closing fence is a fence run at the start of a line not
 *    followed by a language word (`` ```</code> `` closes); inside Python, not within a
 *    triple-quoted string.
 * 4. A block labelled Python (`python`, `py`, `tool_code`, ...) or in a Python tag runs unless it
 *    is only shell (IPython escapes, `pip install ...`) or only literals (printed output). IPython
 *    magic lines (`%matplotlib inline`) and `>>>` prompts are dropped when that makes it parse.
 *    A bare fence runs only when it parses as Python and does something; commands, file
 *    contents, tables and output stay text. JSON holding code (`{"code": "..."}`, a tool call to
 *    a Python tool, in a fence, a `<tool_call>` tag or as the whole reply) is unwrapped. Other
 *    languages never run.
 * 5. Runnable blocks are joined in order (numbered steps form one program), except examples:
 *    when some blocks follow a `Code:` label only those run, and a placeholder block of comments
 *    runs only when nothing else does. An earlier block that a later one writes again (the same
 *    program, or a program grown step by step) is dropped.
 * 6. A reply without runnable blocks runs unfenced code: the lines at its start, or in a reply
 *    without any fence those after a line ending with `:` (`Code:`, `Here is the code:`), when
 *    they form a Python program. A lone word or value (`Paris`, `42`) is not a program.
 */
export function extractCode(reply: string | readonly ReplyPart[]): ExtractedReply {
  const {answer, thoughts} = separateReasoning(reply);
  const blocks = findBlocks(answer);
  const skipped: SkippedBlock[] = [];
  let runnable: Block[] = [];
  for (const block of blocks) {
    const read = readBlock(block);
    if (typeof read === 'string') runnable.push({...block, code: read});
    else skipped.push({language: block.language, reason: read.skip, code: block.code});
  }
  runnable = dropRepeats(chooseAmong(runnable, answer, skipped), skipped);

  let code = runnable.length ? runnable.map((b) => b.code.trimEnd()).join('\n\n') : undefined;
  let text = removeSpans(answer, runnable);
  if (code === undefined) {
    const prose = stripStrayMarkers(text);
    const wrapped = blocks.length ? undefined : codeInJson(prose.trim());
    const unfenced = wrapped ? {code: wrapped, text: ''} : unfencedProgram(prose, !blocks.length);
    if (unfenced) ({code, text} = unfenced);
  }
  return {
    code,
    text: tidyText(text),
    thoughts: thoughts.filter(Boolean).join('\n\n'),
    truncated: blocks.length > 0 && !blocks[blocks.length - 1].closed,
    skipped,
  };
}

/**
 * The code of a reply that is still streaming in, for showing it live: `code` is what would run
 * if the reply ended here, `writing` is true while the last block is still open.
 */
export function codeSoFar(partialReply: string | readonly ReplyPart[]): {
  code?: string;
  writing: boolean;
} {
  const {code, truncated} = extractCode(partialReply);
  return {code, writing: truncated};
}

// ---------------------------------------------------------------------------------------------
// Reasoning

const THINK_PAIR = /<(think|thinking)>([\s\S]*?)(?:<\/\1>|$)/gi;
const THINK_CLOSE = /<\/(think|thinking)>/i;
const THINK_OPEN = /<(think|thinking)>/i;

function separateReasoning(reply: string | readonly ReplyPart[]): {
  answer: string;
  thoughts: string[];
} {
  const thoughts: string[] = [];
  let answer = '';
  if (typeof reply === 'string') {
    answer = reply;
  } else {
    for (const part of reply) {
      if (part.text === undefined) continue;
      if (part.thought) thoughts.push(part.text.trim());
      else answer += part.text;
    }
  }
  // smolagents' end marker may sit on a fence line or inside the block: it is never code.
  answer = answer.replace(/\r\n?/g, '\n').replace(/<end_code>/g, '');
  // A closing tag before any opening one: the server sent the reasoning without its <think>.
  const close = THINK_CLOSE.exec(answer);
  const open = THINK_OPEN.exec(answer);
  if (close && (!open || close.index < open.index)) {
    thoughts.push(answer.slice(0, close.index).trim());
    answer = answer.slice(close.index + close[0].length);
  }
  answer = answer.replace(THINK_PAIR, (_m, _tag, inner: string) => {
    thoughts.push(inner.trim());
    return '';
  });
  return {answer, thoughts};
}

// ---------------------------------------------------------------------------------------------
// Finding blocks

interface Block {
  /** Lowercased fence info word or tag name; '' for a bare fence. */
  language: string;
  /** True for Python tags and Python fence labels. */
  python: boolean;
  /** The content, dedented. */
  code: string;
  closed: boolean;
  /** Where the block, delimiters included, starts and ends in the answer. */
  start: number;
  end: number;
}

/** Tags whose content is Python (smolagents, CodeAct / OpenHands). */
const PYTHON_TAGS = new Set(['execute_ipython', 'execute_python', 'execute', 'code']);
/** Those, the shell one, and Hermes / Qwen `<tool_call>` (JSON, which may hold code). */
const TAG_BLOCK =
  /<(execute_ipython|execute_python|execute_bash|execute|code|tool_call)>([\s\S]*?)(<\/\1>|$)/g;
/** The language a tag's content is in. */
const TAG_LANGUAGE: Record<string, string> = {execute_bash: 'bash', tool_call: 'json'};

function findBlocks(answer: string): Block[] {
  const tagged = findTagBlocks(answer);
  return tagged.length ? tagged : findFencedBlocks(answer, 0);
}

function findTagBlocks(answer: string): Block[] {
  const blocks: Block[] = [];
  for (const m of answer.matchAll(TAG_BLOCK)) {
    const [whole, tag, inner, close] = m;
    const start = m.index;
    // Inline <code>word</code> within a sentence is formatting, not a block.
    if (tag === 'code' && !inner.includes('\n') && !/(^|\n)[ \t]*$/.test(answer.slice(0, start))) {
      continue;
    }
    const end = start + whole.length;
    const python = PYTHON_TAGS.has(tag);
    const fenced = findFencedBlocks(inner, start + tag.length + 2);
    if (fenced.length) {
      // The tag is the block's delimiter: its span covers the fences inside.
      const language = TAG_LANGUAGE[tag];
      const inside = fenced.map((f) => (python ? f : {...f, language, python: false}));
      inside[0].start = start;
      inside[inside.length - 1].end = end;
      inside[inside.length - 1].closed &&= close !== '';
      blocks.push(...inside);
      continue;
    }
    const language = TAG_LANGUAGE[tag] ?? tag;
    blocks.push({language, python, code: dedent(inner).trim(), closed: close !== '', start, end});
  }
  return blocks;
}

const OPEN_FENCE = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^\s`]*)[^`\n]*$/;
/** An opening fence at the end of a line of prose: `… the bytes list.```python` (not a comment). */
const TRAILING_OPEN_FENCE = /^([^\s#`][^`\n]*)[ \t]*(`{3,})([\w+.-]*)[ \t]*$/;

function findFencedBlocks(text: string, offset: number): Block[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  let pos = offset;
  for (const line of lines) {
    starts.push(pos);
    pos += line.length + 1;
  }
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = openingFence(lines[i]);
    if (!open) continue;
    const start = starts[i];
    let language = fenceLanguage(open.info);
    const body: string[] = [];
    // A bare fence whose first line is only the language word (```\npython\n...).
    if (!language && isPythonLanguage(lines[i + 1]?.trim().toLowerCase() ?? '-')) {
      language = lines[++i].trim().toLowerCase();
    }
    const python = isPythonLanguage(language);
    let quote: string | undefined; // the open triple quote, inside a Python string
    let j = i + 1;
    let closed = false;
    for (; j < lines.length; j++) {
      const close = quote === undefined ? closingFence(lines[j], open.fence) : undefined;
      if (close === 'end') body.push(lines[j].trimEnd().slice(0, -open.fence.length));
      if (close) {
        closed = true;
        break;
      }
      body.push(lines[j]);
      if (python) quote = scanTripleQuotes(lines[j], quote);
    }
    const end = closed ? starts[j] + lines[j].length : offset + text.length;
    blocks.push({
      language,
      python,
      code: stripIndent(body, open.indent),
      closed,
      start,
      end,
    });
    i = j;
  }
  return blocks;
}

interface OpeningFence {
  indent: string;
  /** The fence's run of backticks or tildes. */
  fence: string;
  info: string;
}

function openingFence(line: string): OpeningFence | undefined {
  const m = OPEN_FENCE.exec(line);
  if (m) return {indent: m[1], fence: m[2], info: m[3]};
  const glued = TRAILING_OPEN_FENCE.exec(line);
  return glued ? {indent: '', fence: glued[2], info: glued[3]} : undefined;
}

/** The language word of an info string: `Python`, `python:main.py`, `{python}`, `py title="x"`. */
function fenceLanguage(info: string): string {
  return (/^[{.]?([\w+-]+)/.exec(info)?.[1] ?? '').toLowerCase();
}

/**
 * Whether `line` closes a block opened with `fence`: `line` when it starts with a run of the
 * fence's character at least as long that no language word follows (`` ``` ``, `` ```</code> ``,
 * `` ```[...] ``); `end` when code ends with the fence glued to it (`` print(x)``` ``).
 */
function closingFence(line: string, fence: string): 'line' | 'end' | undefined {
  const trimmed = line.trimStart();
  let run = 0;
  while (trimmed[run] === fence[0]) run++;
  if (run >= fence.length) return /^[\w+-]/.test(trimmed.slice(run)) ? undefined : 'line';
  const code = line.trimEnd().slice(0, -fence.length);
  return line.trimEnd().endsWith(fence) &&
    !code.includes(fence[0].repeat(3)) &&
    !code.endsWith(fence[0])
    ? 'end'
    : undefined;
}

/** Tracks whether a line leaves us inside a `"""` or `'''` string (ignores other quoting). */
function scanTripleQuotes(line: string, open: string | undefined): string | undefined {
  let state = open;
  for (let k = 0; k < line.length; k++) {
    if (state === undefined && line[k] === '#') break;
    if (line[k] === '\\') {
      k++;
      continue;
    }
    const three = line.slice(k, k + 3);
    if (three === '"""' || three === "'''") {
      if (state === undefined) state = three;
      else if (state === three) state = undefined;
      k += 2;
    }
  }
  return state;
}

/** Removes the fence's own indentation when the whole body has it, else the common indentation. */
function stripIndent(lines: string[], indent: string): string {
  const nonBlank = lines.filter((l) => l.trim());
  if (indent && nonBlank.every((l) => l.startsWith(indent))) {
    return lines.map((l) => l.slice(indent.length)).join('\n');
  }
  return indent ? lines.join('\n') : dedent(lines.join('\n'));
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const widths = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Choosing what runs

/** The code to run from `block`, or why it is skipped. */
function readBlock(block: Block): string | {skip: SkipReason} {
  if (block.language === 'json' || block.language === '') {
    const wrapped = codeInJson(block.code);
    if (wrapped !== undefined) return wrapped;
  }
  if (!block.python && block.language !== '') return {skip: 'not Python'};
  const code = block.python ? withoutIpythonSyntax(block.code) : block.code;
  const shape = pythonShape(code);
  if (shape === 'empty') return {skip: 'empty'};
  if (shape === 'shell' || (shape === 'invalid' && looksLikeShell(code))) {
    return {skip: 'shell command'};
  }
  if (shape === 'literals') return {skip: 'program output'};
  // Labelled Python runs even with a syntax error (the model learns of it), or only comments.
  if (block.python) return code;
  if (shape === 'invalid') return {skip: 'not Python syntax'};
  if (shape === 'values' || shape === 'comments') return {skip: 'not a program'};
  return code;
}

/**
 * Code held in JSON: `{"code": "..."}` (smolagents' structured outputs, with or without a
 * `thought`), or a tool call whose tool runs Python (`{"name": "python_interpreter",
 * "arguments": {"code": "..."}}`). The code may itself be fenced. Other JSON holds no code.
 */
function codeInJson(text: string): string | undefined {
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const code = jsonCode(value);
  if (code === undefined || !code.trim()) return undefined;
  const inner = findBlocks(code).filter((b) => b.python);
  return inner.length ? inner.map((b) => b.code.trimEnd()).join('\n\n') : code.trim();
}

const CODE_TOOL = /python|code|interpreter|ipython|repl|execute/i;

function jsonCode(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.code === 'string') return value.code;
  const tool = value.name ?? value.tool ?? value.tool_name ?? value.action ?? value.function;
  if (typeof tool !== 'string' || !CODE_TOOL.test(tool)) return undefined;
  const args =
    value.arguments ?? value.args ?? value.parameters ?? value.action_input ?? value.input;
  if (typeof args === 'string') return codeInJson(args.trim()) ?? args;
  return isRecord(args) && typeof args.code === 'string' ? args.code : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Python written for IPython: without its magic and shell-escape lines (`%matplotlib inline`,
 * `!pip install x`), or the code of a `>>>` session, when that is what makes it parse.
 */
function withoutIpythonSyntax(code: string): string {
  if (pythonShape(code) !== 'invalid') return code;
  const lines = code.split('\n');
  const prompts = lines.filter((l) => /^(>>>|\.\.\.)( |$)/.test(l));
  if (prompts.length && /^>>>/.test(prompts[0])) {
    const session = prompts.map((l) => l.slice(4)).join('\n');
    if (pythonShape(session) !== 'invalid') return session;
  }
  const plain = lines.filter((l) => !/^\s*[%!]\S/.test(l)).join('\n');
  return plain !== code && pythonShape(plain) === 'program' ? plain : code;
}

const SHELL_COMMAND =
  /^\s*(?:\$ |(?:pip3?|python3?|conda|apt(?:-get)?|brew|npm|npx|yarn|uv|git|cd|ls|cat|echo|mkdir|rm|cp|mv|curl|wget|export|source|sudo|chmod|bash|sh|docker|make)(?:\s|$))/;

/** Every line is a shell command (`pip install x`, `python app.py`, `$ ls`). */
function looksLikeShell(code: string): boolean {
  const lines = code.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  return lines.length > 0 && lines.every((l) => SHELL_COMMAND.test(l));
}

/**
 * The blocks that are the reply's code when some are only illustration: with blocks introduced
 * by a `Code:` label (smolagents' format), only those; beside blocks that do something, not the
 * ones that hold only comments (a placeholder such as `# Your python code here`).
 */
function chooseAmong(blocks: Block[], answer: string, skipped: SkippedBlock[]): Block[] {
  const labelled = blocks.filter((b) => CODE_LABEL.test(lineBefore(answer, b.start)));
  const doing = blocks.filter((b) => pythonShape(b.code) !== 'comments');
  const chosen = labelled.length ? labelled : doing.length ? doing : blocks;
  for (const b of blocks) {
    if (!chosen.includes(b)) skipped.push({language: b.language, reason: 'example', code: b.code});
  }
  return chosen;
}

/** The last non-blank line before `pos`. */
function lineBefore(text: string, pos: number): string {
  const lines = text.slice(0, pos).split('\n');
  lines.pop(); // the text on the block's own line, before its fence or tag
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  return lines[lines.length - 1] ?? '';
}

/**
 * Drops an earlier block when a later one writes it again: the same program (with small
 * changes), or one that holds all of its lines (a program grown step by step, each step shown).
 */
function dropRepeats(blocks: Block[], skipped: SkippedBlock[]): Block[] {
  const lineSets = blocks.map((b) => significantLines(b.code));
  return blocks.filter((block, i) => {
    const repeated = lineSets.slice(i + 1).some((later) => writtenAgain(lineSets[i], later));
    if (repeated) skipped.push({language: block.language, reason: 'repeated', code: block.code});
    return !repeated;
  });
}

function significantLines(code: string): Set<string> {
  return new Set(
    code
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

/** All of `earlier`'s lines are in `later`, or at least 80 % of each one's lines in the other. */
function writtenAgain(earlier: Set<string>, later: Set<string>): boolean {
  if (!earlier.size || !later.size) return false;
  let shared = 0;
  for (const line of earlier) if (later.has(line)) shared++;
  return shared === earlier.size || (shared >= 0.8 * earlier.size && shared >= 0.8 * later.size);
}

/**
 * Code written without any fence: the lines at the start of the reply, or (`afterIntro`, for
 * replies without any fence) after the first line that ends with a colon (`Code:`, `Here is the
 * code:`), up to the first line that is not Python, when they form a program. Prose almost never parses as Python, and a lone word or
 * value (`Guava`, `42`) is not a program.
 */
function unfencedProgram(
  text: string,
  afterIntro: boolean,
): {code: string; text: string} | undefined {
  const lines = text.split('\n');
  const intro = afterIntro ? lines.findIndex((l) => /:[ \t]*(?:\*\*)?[ \t]*$/.test(l)) : -1;
  for (const first of intro < 0 ? [0] : [0, intro + 1]) {
    const end = programEnd(lines, first);
    if (end === undefined) continue;
    return {
      code: lines.slice(first, end).join('\n').trim(),
      text: [...lines.slice(0, first), ...lines.slice(end)].join('\n'),
    };
  }
  return undefined;
}

/**
 * The end (exclusive) of the longest run of lines from `first` that forms a Python program and
 * stops before a line starting at column 0 (a new statement or prose), or undefined. A closing
 * bracket at column 0 makes one or two boundaries that do not parse; three in a row end the search
 * (prose ends it at once), which keeps it linear in practice.
 */
function programEnd(lines: string[], first: number): number | undefined {
  while (first < lines.length && !lines[first].trim()) first++;
  if (first >= lines.length || /^\s/.test(lines[first])) return undefined;
  let best: number | undefined;
  let misses = 0; // boundaries in a row where the lines so far do not parse
  for (let end = first + 1; end <= lines.length && misses < 3; end++) {
    const next = lines[end];
    if (next !== undefined && (next.trim() === '' || /^\s/.test(next))) continue;
    const shape = pythonShape(lines.slice(first, end).join('\n'));
    if (shape === 'program') [best, misses] = [end, 0];
    else if (shape === 'invalid') misses++;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// The prose that remains

/** smolagents' end marker and the closing tags a framework appends after a stop sequence. */
const STRAY_MARKERS = /<end_code>|<\/(?:code|execute_ipython|execute_python|execute)>/g;

function stripStrayMarkers(text: string): string {
  return text.replace(STRAY_MARKERS, '');
}

function removeSpans(answer: string, blocks: Block[]): string {
  let out = '';
  let pos = 0;
  for (const b of blocks) {
    out += answer.slice(pos, b.start);
    // A block on lines of its own leaves no blank line behind.
    const ownLines = b.start === 0 || answer[b.start - 1] === '\n';
    pos = ownLines && answer[b.end] === '\n' ? b.end + 1 : b.end;
  }
  return out + answer.slice(pos);
}

/** smolagents' `Code:` line (also `**Code:**`) that introduces the code. */
const CODE_LABEL = /^[ \t]*(?:\*\*)?Code:?(?:\*\*)?[ \t]*$/;

function tidyText(text: string): string {
  return stripStrayMarkers(text)
    .replace(new RegExp(CODE_LABEL.source, 'gm'), '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
