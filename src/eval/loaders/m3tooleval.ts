/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A loader for M3ToolEval (Wang et al. 2024, "Executable Code Actions Elicit Better LLM
 * Agents": 82 tasks over web browsing, travel planning, DNA sequencing, message decoding and
 * trade calculation) in its published form: a Python package `tasks/` whose modules define
 * tools (`ToolType(name, description, function, fn_signature)`) and register `Task(name, tools,
 * instruction, expected_output, ...)` lists with `register_task_iterator`. The user passes the
 * folder of a copy they fetched (e.g. `code-act/scripts/eval/m3tooleval`); nothing of it ships.
 *
 * The package runs inside one of this package's sandbox sessions (its tools are Python). Both
 * agents get each task's tools as ADK tools executing on the host, and each call goes to the
 * sandbox, which calls the benchmark's function positionally, as the benchmark's own JSON and
 * text actions do. Every run gets fresh tool state (a task's tool factory is called again).
 */

import {readFileSync, readdirSync, statSync} from 'node:fs';
import {join, relative} from 'node:path';

import {FunctionTool, type BaseTool} from '@google/adk';
import {Type, type Schema} from '@google/genai';

import type {CodeExecutor, SandboxSession} from '../../code_executors/sandbox.js';
import type {CheckResult, EvalSuite, EvalTask} from '../suite.js';

/** Largest package the loader copies into the sandbox. */
const MAX_PACKAGE_BYTES = 32 * 1024 * 1024;

/** One task as the bridge lists it. */
interface BridgeTask {
  name: string;
  instruction: string;
  expected: unknown;
  tools: Array<{name: string; description: string; signature: string}>;
}

/** A parameter of a published `fn_signature` such as `caesar_decode(message: str, shift: int)`. */
export interface SignatureParameter {
  name: string;
  type?: string;
  /** `*args`: the call takes a list, spread into the call. */
  variadic: boolean;
  optional: boolean;
}

/** Splits `text` at commas outside brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if ('([{'.includes(char)) depth++;
    if (')]}'.includes(char)) depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** The parameters of a published signature (`**kwargs` is left out: calls are positional). */
export function parseSignature(signature: string): SignatureParameter[] {
  const open = signature.indexOf('(');
  const close = signature.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`M3ToolEval: cannot read signature "${signature}"`);
  return splitTopLevel(signature.slice(open + 1, close))
    .filter((p) => !p.startsWith('**') && p !== '*' && p !== '/')
    .map((p) => {
      const variadic = p.startsWith('*');
      const [head, ...rest] = p.replace(/^\*/, '').split('=');
      const [name, type] = head.split(':').map((s) => s.trim());
      return {name, type: type || undefined, variadic, optional: rest.length > 0};
    });
}

/** The Gemini schema of a Python annotation (`str`, `int`, `List[str]`, `int/float`, …). */
export function schemaOfAnnotation(type: string | undefined): Schema {
  const t = (type ?? '').replace(/\s/g, '').toLowerCase();
  const list = /^(?:list|typing\.list)(?:\[(.*)\])?$/.exec(t);
  if (list) return {type: Type.ARRAY, items: schemaOfAnnotation(list[1])};
  if (t === 'str') return {type: Type.STRING};
  if (t === 'int') return {type: Type.INTEGER};
  if (t === 'float' || t === 'int/float' || t === 'float/int') return {type: Type.NUMBER};
  if (t === 'bool') return {type: Type.BOOLEAN};
  if (t.startsWith('dict')) return {type: Type.OBJECT};
  // Unannotated or unknown: a number or a string.
  return {anyOf: [{type: Type.NUMBER}, {type: Type.STRING}]};
}

function parametersSchema(parameters: readonly SignatureParameter[]): Schema {
  return {
    type: Type.OBJECT,
    properties: Object.fromEntries(
      parameters.map((p) => [
        p.name,
        p.variadic
          ? {type: Type.ARRAY, items: schemaOfAnnotation(p.type)}
          : schemaOfAnnotation(p.type),
      ]),
    ),
    required: parameters.filter((p) => !p.optional).map((p) => p.name),
  };
}

/** An answer's text as a value: quotes and an `Answer:` prefix dropped, a literal parsed. */
function answerValue(answer: string): {text: string; literal?: unknown} {
  const text = answer
    .trim()
    .replace(/^answer:\s*/i, '')
    .replace(/^(['"`])([\s\S]*)\1$/, '$2')
    .trim();
  for (const candidate of [text, text.replace(/'/g, '"')]) {
    try {
      return {text, literal: JSON.parse(candidate)};
    } catch {
      // Not a JSON (or Python-quoted) literal.
    }
  }
  return {text};
}

function sameValue(given: unknown, expected: unknown): boolean {
  if (typeof expected === 'number') {
    const n = typeof given === 'number' ? given : Number(String(given).trim());
    return Number.isFinite(n) && Math.abs(n - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(given) &&
      given.length === expected.length &&
      expected.every((e, i) => sameValue(given[i], e))
    );
  }
  return String(given).trim() === String(expected).trim();
}

/**
 * The benchmark's notion of a correct answer: the same text, or the same number (within 1e-6,
 * where the published check compares floats exactly), or the same list element by element.
 */
export function m3AnswerMatches(answer: string, expected: unknown): boolean {
  const {text, literal} = answerValue(answer);
  return sameValue(text, expected) || (literal !== undefined && sameValue(literal, expected));
}

/** Files of the `tasks` package under `root`, as relative path → text. */
function packageFiles(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  let bytes = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry === '__pycache__' || entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(py|json|jsonl|txt|csv)$/.test(entry)) {
        const text = readFileSync(path, 'utf8');
        bytes += text.length;
        if (bytes > MAX_PACKAGE_BYTES)
          throw new Error(`M3ToolEval: ${root} holds over ${MAX_PACKAGE_BYTES} bytes`);
        files[relative(join(root, '..'), path)] = text;
      }
    }
  };
  walk(root);
  return files;
}

/** The `tasks` folder of a copy: `<source>/tasks` or `<source>/scripts/eval/m3tooleval/tasks`. */
function tasksFolder(source: string): string {
  for (const candidate of [
    join(source, 'tasks'),
    join(source, 'scripts', 'eval', 'm3tooleval', 'tasks'),
  ]) {
    try {
      if (
        statSync(join(candidate, '__init__.py')).isFile() &&
        statSync(join(candidate, 'base.py')).isFile()
      ) {
        return candidate;
      }
    } catch {
      // Not this one.
    }
  }
  throw new Error(
    `M3ToolEval: no tasks/__init__.py and tasks/base.py under ${source}; --data must be the m3tooleval folder of a copy of the code-act repository (scripts/eval/m3tooleval) or the repository itself`,
  );
}

/** Runs `code` in the bridge's session and returns its last output line as JSON. */
async function bridgeCall<T>(session: SandboxSession, code: string): Promise<T> {
  const result = await session.execute({code});
  if (result.error)
    throw new Error(`M3ToolEval bridge: ${result.error.type}: ${result.error.message}`);
  const line = result.stdout.trimEnd().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(
      `M3ToolEval bridge: expected a JSON line, got ${JSON.stringify(line.slice(0, 200))}`,
    );
  }
}

const INSTRUCTION =
  'Solve the task with the tools provided. When you are done, reply with the answer only (for example a single number), without any other text.';

/** Loads M3ToolEval from the folder `source` and hosts its tools in a session of `executor`. */
export async function loadM3ToolEval(source: string, executor: CodeExecutor): Promise<EvalSuite> {
  if (/^[a-z]+:\/\//i.test(source)) {
    throw new Error(
      'M3ToolEval is a Python package: pass the folder of a local copy with --data, not a URL',
    );
  }
  const files = packageFiles(tasksFolder(source));
  const key = `m3tooleval/${process.pid}/${Date.now()}`;
  const session = await executor.getSession(key, {authorizedImports: ['*']});
  try {
    const [written] = await session.writeFiles([
      {name: 'm3tooleval_files.json', data: Buffer.from(JSON.stringify(files))},
    ]);
    const bridge = readFileSync(new URL('./m3tooleval_bridge.py', import.meta.url), 'utf8');
    const setup = await session.execute({
      code: `FILES = ${JSON.stringify(written.path)}\n${bridge}`,
    });
    if (setup.error) {
      throw new Error(
        `M3ToolEval: importing the tasks package failed: ${setup.error.type}: ${setup.error.message}`,
      );
    }
    const listed = await bridgeCall<BridgeTask[]>(session, '__m3_tasks()');
    let runs = 0;
    const byId = new Map<string, BridgeTask>();
    const tasks: EvalTask[] = listed.map((t) => {
      const id = t.name.replace(/\//g, '.').replace(/[^A-Za-z0-9_.-]/g, '_');
      byId.set(id, t);
      return {
        id,
        category: t.name.split('/')[0],
        turns: [t.instruction.trim()],
        check: ({answer}): CheckResult =>
          m3AnswerMatches(answer, t.expected)
            ? {pass: true, reason: `answer equals ${JSON.stringify(t.expected)}`}
            : {
                pass: false,
                reason: `expected ${JSON.stringify(t.expected)}; got ${JSON.stringify(answer.trim().slice(0, 160))}`,
              },
      };
    });
    const tools = async (task: EvalTask): Promise<BaseTool[]> => {
      const entry = byId.get(task.id)!;
      const run = `run${++runs}`;
      await bridgeCall(
        session,
        `__m3_begin(${JSON.stringify(run)}, ${JSON.stringify(entry.name)})`,
      );
      return entry.tools.map((tool) => {
        const parameters = parseSignature(tool.signature);
        return new FunctionTool({
          name: tool.name,
          description: `${tool.description.trim()}\nSignature: ${tool.signature}`,
          parameters: parametersSchema(parameters),
          execute: async (args) => {
            const given = (args ?? {}) as Record<string, unknown>;
            const positional = parameters.flatMap((p) => {
              const value = given[p.name];
              if (p.variadic)
                return Array.isArray(value) ? value : value === undefined ? [] : [value];
              return value === undefined && p.optional ? [] : [value];
            });
            const reply = await bridgeCall<{ok: boolean; value?: unknown; error?: string}>(
              session,
              `__m3_call(${JSON.stringify(run)}, ${JSON.stringify(tool.name)}, ${JSON.stringify(JSON.stringify(positional))})`,
            );
            if (!reply.ok) throw new Error(reply.error);
            return reply.value;
          },
        });
      });
    };
    return {
      name: 'm3tooleval',
      description: `M3ToolEval (${tasks.length} tasks) from ${source}`,
      instruction: INSTRUCTION,
      tasks,
      tools,
      notice:
        'M3ToolEval (Wang et al. 2024, code-act repository) was read from the copy given with --data; this package ships none of it. Its tools ran in a sandbox session; answers were compared as its own check does (same text, number or list; numbers within 1e-6).',
      close: () => executor.closeSession(key),
    };
  } catch (error) {
    await executor.closeSession(key);
    throw error;
  }
}
