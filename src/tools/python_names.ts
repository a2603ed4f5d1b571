/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Python names for tools and parameters whose names are not Python identifiers. MCP servers name
 * tools `get-sum` or `files.read`; schemas have parameters such as `$filter`, `from` or
 * `max-results`. Each gets a deterministic Python name (a pure function of the name, plus a
 * numbered suffix when two names would meet); the stubs send the original name to the host.
 *
 * The rules, in order:
 * 1. Compatibility-decompose the name (NFKD) and drop combining marks: `café` → `cafe`,
 *    fullwidth `ｇｅｔ` → `get`.
 * 2. Every run of characters outside `[A-Za-z0-9_]` (hyphens, dots, spaces, `$`, `@`, other
 *    scripts) becomes one `_`, trimmed at both ends: `get-sum` → `get_sum`, `$filter` → `filter`.
 * 3. Nothing left (`検索`, `---`): the fallback (`tool`, `arg`).
 * 4. A leading digit gets a leading `_`: `3d-render` → `_3d_render`.
 * 5. A name Python or the kernel gives a meaning gets a trailing `_`: keywords (`class` →
 *    `class_`), and for tools also the builtins a stub would shadow (`print` → `print_`), the
 *    kernel's names (`final_answer`, `ToolError`), and dunder names.
 * 6. Names that now meet: a name that needed no change keeps it, the others take `_2`, `_3`, …
 *    in declaration order (`get_sum` stays, `get-sum` becomes `get_sum_2`).
 */

/** Python 3.11's keywords and soft keywords (a soft keyword is legal but confusing as a name). */
export const PYTHON_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield match case _'
  ).split(' '),
);

/** Builtins a tool stub must not shadow: models call these constantly. */
export const PYTHON_BUILTINS: ReadonlySet<string> = new Set(
  (
    'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod ' +
    'compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter ' +
    'float format frozenset getattr globals hasattr hash help hex id input int isinstance ' +
    'issubclass iter len license list locals map max memoryview min next object oct open ord pow ' +
    'print property quit range repr reversed round set setattr slice sorted staticmethod str sum ' +
    'super tuple type vars zip Exception BaseException ValueError TypeError KeyError ' +
    'RuntimeError NotImplemented Ellipsis'
  ).split(' '),
);

/** Names the kernel defines in the snippet's namespace; a tool may not take them. */
export const KERNEL_NAMES: readonly string[] = ['final_answer', '__adk_call_tool__', 'ToolError'];

/** Local variable of every generated stub; no parameter may take it. */
export const STUB_ARGS_VARIABLE = '__adk_args__';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `name` is an ASCII Python identifier (not checking keywords). */
export function isPythonIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** Rules 1–4: the name as an ASCII identifier, `fallback` when nothing of it is left. */
function identifierOf(name: string, fallback: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^A-Za-z0-9_]+/g, '_');
  // Only the underscores a replacement added are trimmed: `_private` keeps its own.
  const trimmed = isPythonIdentifier(name) ? ascii : ascii.replace(/^_+|_+$/g, '');
  const base = /[A-Za-z0-9]/.test(trimmed) ? trimmed : fallback;
  return /^[0-9]/.test(base) ? `_${base}` : base;
}

/** Whether a tool named `name` in the snippet's namespace would hide something it needs. */
function takenForTools(name: string): boolean {
  return (
    PYTHON_KEYWORDS.has(name) ||
    PYTHON_BUILTINS.has(name) ||
    KERNEL_NAMES.includes(name) ||
    name.startsWith('__adk') ||
    /^__.*__$/.test(name)
  );
}

/** Whether a parameter named `name` would break its stub. */
function takenForParams(name: string): boolean {
  return PYTHON_KEYWORDS.has(name) || name === STUB_ARGS_VARIABLE || name.startsWith('__adk');
}

/**
 * Python name of one tool, by rules 1–5 (no collision handling): `get-sum` → `get_sum`,
 * `print` → `print_`, `class` → `class_`.
 */
export function pythonToolName(name: string): string {
  const base = identifierOf(name, 'tool');
  return takenForTools(base) ? `${base}_` : base;
}

/**
 * Python name of one parameter, by rules 1–5 (no collision handling): `from` → `from_`,
 * `max-results` → `max_results`, `$filter` → `filter`. Builtins are fine as parameters.
 */
export function pythonParamName(name: string): string {
  const base = identifierOf(name, 'arg');
  return takenForParams(base) ? `${base}_` : base;
}

/**
 * Python names for a list of names (rule 6): the same order, each name unique. A name that is
 * its own Python name keeps it; the others that meet a taken name get `_2`, `_3`, ….
 *
 * @param names The original names, unique.
 * @param toPython {@link pythonToolName} or {@link pythonParamName}.
 */
export function assignPythonNames(
  names: readonly string[],
  toPython: (name: string) => string,
): string[] {
  const wanted = names.map(toPython);
  const taken = new Set(names.filter((name, i) => wanted[i] === name));
  return names.map((name, i) => {
    if (wanted[i] === name) return name;
    let candidate = wanted[i];
    for (let n = 2; taken.has(candidate); n++) candidate = `${wanted[i]}_${n}`;
    taken.add(candidate);
    return candidate;
  });
}
