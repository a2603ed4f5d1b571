/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Standard-library modules a snippet may import by default: computation, text, data formats and
 * dates. Left out on purpose: anything that reaches the operating system, the network or other
 * processes (`os`, `sys`, `subprocess`, `socket`, `shutil`, `ctypes`, `importlib`, ...).
 *
 * This is policy that keeps a model on task and makes its errors clear; the sandbox, not this
 * list, is the security boundary.
 */
export const DEFAULT_SAFE_IMPORTS: readonly string[] = Object.freeze([
  'base64',
  'bisect',
  'calendar',
  'collections',
  'copy',
  'csv',
  'dataclasses',
  'datetime',
  'decimal',
  'difflib',
  'enum',
  'fractions',
  'functools',
  'hashlib',
  'heapq',
  'html',
  'io',
  'itertools',
  'json',
  'math',
  'numbers',
  'operator',
  'pprint',
  'queue',
  'random',
  're',
  'statistics',
  'string',
  'textwrap',
  'threading',
  'time',
  'typing',
  'unicodedata',
  'uuid',
  'zoneinfo',
]);

/** The entry of `authorizedImports` that allows every import. */
export const ALLOW_ALL_IMPORTS = '*';

const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Checks an `authorizedImports` list and returns it sorted and without duplicates.
 *
 * @throws Error naming the first entry that is neither a dotted module name nor `'*'`.
 */
export function normalizeAuthorizedImports(imports: readonly string[]): string[] {
  for (const name of imports) {
    if (name !== ALLOW_ALL_IMPORTS && !MODULE_NAME.test(name)) {
      throw new Error(
        `authorizedImports: ${JSON.stringify(name)} is not a module name (use names like 'pandas' or 'os.path', or '*' to allow every import)`,
      );
    }
  }
  return [...new Set(imports)].sort();
}

/**
 * The data-work preset: {@link DEFAULT_SAFE_IMPORTS} plus the toolbox both sandboxes ship —
 * numpy, pandas, matplotlib, scipy, scikit-learn (`sklearn`), seaborn, statsmodels, sympy,
 * networkx, openpyxl and xlrd (Excel), pypdf and pdfminer (PDF), beautifulsoup4 (`bs4`) and lxml
 * (HTML/XML), tabulate. Not `dill`: unpickling runs arbitrary code, and snapshots use it for you.
 *
 * ```ts
 * new CodingAgent({..., authorizedImports: DATA_SCIENCE_IMPORTS});
 * ```
 */
export const DATA_SCIENCE_IMPORTS: readonly string[] = Object.freeze([
  ...DEFAULT_SAFE_IMPORTS,
  'numpy',
  'pandas',
  'matplotlib',
  'scipy',
  'sklearn',
  'seaborn',
  'statsmodels',
  'sympy',
  'networkx',
  'openpyxl',
  'xlrd',
  'pypdf',
  'pdfminer',
  'bs4',
  'lxml',
  'tabulate',
]);
