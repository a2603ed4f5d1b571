/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** A model reply split into the code to run, the prose and the reasoning. */
export interface ExtractedReply {
  /** Python to run: the executable blocks joined in order with a blank line, or undefined when the reply holds no code. */
  code?: string;
  /** Text outside code and think blocks (the model's explanation), trimmed, blocks removed. */
  text: string;
  /** Content of <think>…</think> (and <thinking>…</thinking>) blocks; never executed. */
  thoughts: string;
  /** True when the last code block had no closing delimiter (reply cut off). */
  truncated: boolean;
}

/** Fence info strings whose body is Python (an empty info string counts too). */
const PYTHON_LANGS = new Set(['', 'python', 'py', 'python3', 'py3', 'tool_code', 'ipython']);

const THINK = /<(think|thinking)>([\s\S]*?)(?:<\/\1>|$)/gi;
const XML_BLOCK = /<(code|execute)>([\s\S]*?)(<\/\1>|$)/gi;

/**
 * Finds the Python a model meant to run in `reply`.
 *
 * Rules, in order: `<think>`/`<thinking>` sections are reasoning and never run (an unclosed one
 * runs to the end of the reply). `<code>` and `<execute>` blocks win over fences when present
 * (their body may itself be fenced). Otherwise fenced blocks (```` ``` ```` or `~~~`, three or more)
 * whose info string is Python or empty are run, in order; other languages (json, bash, output,
 * ...) are not. A closing fence counts only on a line of its own, outside a Python triple-quoted
 * string. A block left open at the end is taken and marked `truncated`. A reply without any
 * block is text: the agent treats it as the final answer.
 */
export function extractCode(reply: string): ExtractedReply {
  // smolagents' `<end_code>` marker may follow the closing fence on its line.
  let body = reply.replace(/\r\n?/g, '\n').replace(/<end_code>/g, '');
  const thoughts: string[] = [];
  body = body.replace(THINK, (_m, _tag, inner: string) => {
    thoughts.push(inner.trim());
    return '';
  });

  const xml = extractXmlBlocks(body);
  const found = xml ?? extractFencedBlocks(body);
  const code = found.blocks.length ? found.blocks.join('\n\n').trimEnd() : undefined;
  const text = found.rest
    .replace(/^\s*Code:\s*$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return {
    code: code === '' ? undefined : code,
    text,
    thoughts: thoughts.filter(Boolean).join('\n\n'),
    truncated: found.truncated,
  };
}

interface Found {
  blocks: string[];
  rest: string;
  truncated: boolean;
}

function extractXmlBlocks(body: string): Found | undefined {
  const blocks: string[] = [];
  let truncated = false;
  const rest = body.replace(XML_BLOCK, (_m, _tag, inner: string, close: string) => {
    if (!close) truncated = true;
    const fenced = extractFencedBlocks(inner);
    blocks.push(...(fenced.blocks.length ? fenced.blocks : [dedent(inner).trim()]));
    truncated ||= fenced.truncated;
    return '';
  });
  return blocks.length ? {blocks: blocks.filter(Boolean), rest, truncated} : undefined;
}

const OPEN_FENCE = /^([ \t]*)(`{3,}|~{3,})[ \t]*([\w+.-]*)[^\n`]*$/;

function extractFencedBlocks(body: string): Found {
  const lines = body.split('\n');
  const blocks: string[] = [];
  const rest: string[] = [];
  let truncated = false;
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN_FENCE.exec(lines[i]);
    if (!open) {
      rest.push(lines[i]);
      continue;
    }
    const [, indent, fence, lang] = open;
    const isPython = PYTHON_LANGS.has(lang.toLowerCase());
    const inner: string[] = [];
    let closed = false;
    let quote: string | undefined; // open triple quote, when inside a Python string
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j];
      const trimmed = line.trim();
      const closes =
        trimmed.startsWith(fence[0]) &&
        trimmed.length >= fence.length &&
        /^(`+|~+)$/.test(trimmed) &&
        trimmed[0] === fence[0];
      if (closes && (quote === undefined || !isPython)) {
        closed = true;
        break;
      }
      inner.push(line);
      if (isPython) quote = scanTripleQuotes(line, quote);
    }
    if (isPython) {
      blocks.push(stripIndent(inner, indent).join('\n').trimEnd());
      if (!closed) truncated = true;
    } else {
      rest.push(lines[i], ...inner, ...(closed ? [lines[j]] : []));
    }
    i = j;
  }
  return {blocks: blocks.filter((b) => b.trim() !== ''), rest: rest.join('\n'), truncated};
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

function stripIndent(lines: string[], indent: string): string[] {
  if (!indent) return dedent(lines.join('\n')).split('\n');
  return lines.map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const widths = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}
