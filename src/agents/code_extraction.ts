/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {PYTHON_FENCE_LANGUAGES, pythonShape} from '../languages/python.js';

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
  | 'shell command' // IPython escapes or magics only (!pip install, %pip install)
  | 'program output' // literals only: printed output, a JSON value
  | 'not a program' // a bare fence with names only: a command word (submit, ls) or a value
  | 'not Python syntax' // a bare fence that does not parse: shell, file contents, a table
  | 'empty'
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
  /** Blocks found but not run (a bash block, printed output, a repeat...), in reply order. */
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
 *    is only shell escapes or only literals (output). A bare fence runs only when it parses as
 *    Python and does something; commands, file contents, tables, JSON and output stay text.
 *    Other languages never run.
 * 5. Runnable blocks are joined in order (numbered steps form one program); an earlier block
 *    that a later one repeats (the same program written again) is dropped.
 * 6. A reply with no block at all runs only when the whole of it is a Python program.
 */
export function extractCode(reply: string | readonly ReplyPart[]): ExtractedReply {
  const {answer, thoughts} = separateReasoning(reply);
  const blocks = findBlocks(answer);
  const skipped: SkippedBlock[] = [];
  let runnable: Block[] = [];
  for (const block of blocks) {
    const reason = skipReason(block);
    if (reason) skipped.push({language: block.language, reason, code: block.code});
    else runnable.push(block);
  }
  runnable = dropRepeats(runnable, skipped);

  let code = runnable.length ? runnable.map((b) => b.code.trimEnd()).join('\n\n') : undefined;
  let text = removeSpans(answer, runnable);
  if (code === undefined) {
    const unfenced = unfencedProgram(stripStrayMarkers(text));
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

/** Tags whose content is Python (smolagents, CodeAct / OpenHands), and the shell one. */
const PYTHON_TAGS = new Set(['execute_ipython', 'execute_python', 'execute', 'code']);
const TAG_BLOCK = /<(execute_ipython|execute_python|execute_bash|execute|code)>([\s\S]*?)(<\/\1>|$)/g;

function findBlocks(answer: string): Block[] {
  const tagged = findTagBlocks(answer);
  return tagged.length ? tagged : findFencedBlocks(answer, 0);
}

function findTagBlocks(answer: string): Block[] {
  const blocks: Block[] = [];
  for (const m of answer.matchAll(TAG_BLOCK)) {
    const [whole, tag, inner, close] = m;
    // Inline <code>word</code> in a sentence is Markdown-ish formatting, not a block.
    if (tag === 'code' && !inner.includes('\n')) continue;
    const start = m.index;
    const end = start + whole.length;
    const python = PYTHON_TAGS.has(tag);
    const fenced = findFencedBlocks(inner, start + tag.length + 2);
    if (fenced.length) {
      // The tag is the block's delimiter: its span covers the fences inside.
      const inside = fenced.map((f) => (python ? f : {...f, language: 'bash', python: false}));
      inside[0].start = start;
      inside[inside.length - 1].end = end;
      inside[inside.length - 1].closed &&= close !== '';
      blocks.push(...inside);
      continue;
    }
    const language = tag === 'execute_bash' ? 'bash' : tag;
    blocks.push({language, python, code: dedent(inner).trim(), closed: close !== '', start, end});
  }
  return blocks;
}

const OPEN_FENCE = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^\s`]*)[^`\n]*$/;
/** An opening fence at the end of a line of prose: `… the bytes list.```python`. */
const TRAILING_OPEN_FENCE = /^([^`\n]*\S)[ \t]*(`{3,})([\w+.-]*)[ \t]*$/;

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
    const open = OPEN_FENCE.exec(lines[i]) ?? trailingOpenFence(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const language = info.toLowerCase();
    const python = PYTHON_FENCE_LANGUAGES.has(language);
    const body: string[] = [];
    let quote: string | undefined; // the open triple quote, inside a Python string
    let j = i + 1;
    let closed = false;
    for (; j < lines.length; j++) {
      if (quote === undefined && closesFence(lines[j], fence)) {
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
      code: stripIndent(body, indent),
      closed,
      start: starts[i],
      end,
    });
    i = j;
  }
  return blocks;
}

function trailingOpenFence(line: string): RegExpExecArray | null {
  const m = TRAILING_OPEN_FENCE.exec(line);
  // Shaped like OPEN_FENCE's match: [whole, indent, fence, info].
  return m ? (Object.assign([m[0], '', m[2], m[3]], {index: 0, input: line}) as RegExpExecArray) : null;
}

/** A run of the fence's character, at least as long, not followed by a language word. */
function closesFence(line: string, fence: string): boolean {
  const trimmed = line.trimStart();
  let run = 0;
  while (trimmed[run] === fence[0]) run++;
  return run >= fence.length && !/^[\w+-]/.test(trimmed.slice(run));
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

function skipReason(block: Block): SkipReason | undefined {
  if (!block.python && block.language !== '') return 'not Python';
  const shape = pythonShape(block.code);
  if (shape === 'empty') return 'empty';
  if (shape === 'shell') return 'shell command';
  if (shape === 'literals') return 'program output';
  if (block.python) return undefined; // labelled Python runs, even with a syntax error
  if (shape === 'invalid') return 'not Python syntax';
  if (shape === 'values') return 'not a program';
  return undefined;
}

/** Drops an earlier block when a later one is the same program written again. */
function dropRepeats(blocks: Block[], skipped: SkippedBlock[]): Block[] {
  const lineSets = blocks.map((b) => significantLines(b.code));
  return blocks.filter((block, i) => {
    const repeated = lineSets.slice(i + 1).some((later) => nearlySame(lineSets[i], later));
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

/** At least 80 % of each block's lines appear in the other. */
function nearlySame(a: Set<string>, b: Set<string>): boolean {
  if (!a.size || !b.size) return false;
  let shared = 0;
  for (const line of a) if (b.has(line)) shared++;
  return shared >= 0.8 * a.size && shared >= 0.8 * b.size;
}

/**
 * Code written without any fence: the lines at the start of the reply, or right after a `Code:`
 * label, up to the first line that is not Python, when they form a program. Prose almost never
 * parses as Python, and a lone word or value (`Guava`, `42`) is not a program.
 */
function unfencedProgram(text: string): {code: string; text: string} | undefined {
  const lines = text.split('\n');
  const label = lines.findIndex((l) => CODE_LABEL.test(l));
  for (const first of label < 0 ? [0] : [0, label + 1]) {
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
 * bracket at column 0 makes one or two boundaries that do not parse; three in a row end the code.
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
    else if (shape === 'invalid' && best !== undefined) misses++;
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
