/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Renders the attack × backend table of SECURITY.md from the adversarial suite's results
 * (`test/security/results/<backend>.json`) and rewrites it between the table markers.
 *
 *     npx tsx scripts/security_report.ts          # rewrite SECURITY.md
 *     npx tsx scripts/security_report.ts --check  # exit 1 when SECURITY.md is out of date
 *
 * The adversarial test calls {@link updateSecurityMd} after a run, and a test compares the
 * committed table with the committed results, so the document cannot drift from what was seen.
 */

import {existsSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

/** The repository's root folder. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the adversarial suite writes one JSON file per backend. */
export const RESULTS_DIR = join(REPO_ROOT, 'test', 'security', 'results');
/** The document holding the generated table. */
export const SECURITY_MD = join(REPO_ROOT, 'SECURITY.md');
/** Markers around the generated table. */
export const TABLE_START = '<!-- attack-table:start -->';
export const TABLE_END = '<!-- attack-table:end -->';

/** Backends shown as columns even without results (then every cell is n/a), in this order. */
const KNOWN_BACKENDS = ['local', 'bubblewrap', 'docker'];

/** One attack's outcome on one backend, as the adversarial test records it. */
export interface AttackResult {
  id: string;
  title: string;
  category: string;
  outcome: 'denied' | 'contained' | 'not-denied' | 'inconclusive';
  /** A few words on how the outcome came about. */
  how: string;
  /** False when the attack was not run there (its outcome is stated, not observed). */
  observed: boolean;
  details?: Record<string, unknown>;
}

/** The results file of one backend. */
export interface BackendResults {
  backend: string;
  attacks: AttackResult[];
}

/** Reads every `<backend>.json` in `dir` (none when the folder is missing). */
export function loadResults(dir = RESULTS_DIR): BackendResults[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as BackendResults);
}

/** Writes one backend's results, keeping the entries (and row order) of attacks this run did not run. */
export function writeResults(results: BackendResults, dir = RESULTS_DIR): void {
  const path = join(dir, `${results.backend}.json`);
  const previous = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as BackendResults).attacks
    : [];
  const fresh = new Map(results.attacks.map((attack) => [attack.id, attack]));
  const known = new Set(previous.map((attack) => attack.id));
  // A run of every attack sets the order; a partial run (vitest -t) updates rows in place.
  const merged = previous.every((attack) => fresh.has(attack.id))
    ? results.attacks
    : [
        ...previous.map((attack) => fresh.get(attack.id) ?? attack),
        ...results.attacks.filter((attack) => !known.has(attack.id)),
      ];
  writeAtomically(path, `${JSON.stringify({...results, attacks: merged}, null, 2)}\n`);
}

/** Replaces a file in one step, so a concurrent reader sees the old or the new text. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

const CELL: Record<AttackResult['outcome'], string> = {
  denied: 'denied',
  contained: 'contained',
  'not-denied': '**NOT denied**',
  inconclusive: 'n/a',
};

/** Markdown-safe table cell text. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** The markdown table (attack × backend, plus how each backend answered). */
export function renderAttackTable(results: readonly BackendResults[]): string {
  const byBackend = new Map(results.map((r) => [r.backend, r]));
  const backends = [
    ...KNOWN_BACKENDS,
    ...results.map((r) => r.backend).filter((name) => !KNOWN_BACKENDS.includes(name)),
  ];
  // Rows in the suite's order, as the backends recorded them.
  const rows = new Map<string, AttackResult>();
  for (const name of backends) {
    for (const attack of byBackend.get(name)?.attacks ?? []) {
      if (!rows.has(attack.id)) rows.set(attack.id, attack);
    }
  }
  const lines = [
    `| attack | category | ${backends.join(' | ')} | how |`,
    `|---|---|${backends.map(() => '---|').join('')}---|`,
  ];
  for (const [id, row] of rows) {
    const cells: string[] = [];
    const how: string[] = [];
    for (const name of backends) {
      const found = byBackend.get(name)?.attacks.find((attack) => attack.id === id);
      if (!found) {
        cells.push('n/a');
        continue;
      }
      cells.push(CELL[found.outcome] + (found.observed ? '' : ' (not run)'));
      how.push(`${name}: ${found.how}`);
    }
    lines.push(
      `| ${cell(row.title)} \`${id}\` | ${cell(row.category)} | ${cells.join(' | ')} | ${cell(how.join('; '))} |`,
    );
  }
  if (rows.size === 0) lines.push(`| (no results yet) | | ${backends.map(() => ' |').join('')} |`);
  return lines.join('\n');
}

/** The text between the markers of `markdown`. @throws Error when a marker is missing. */
export function tableInMarkdown(markdown: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`SECURITY.md lacks the markers ${TABLE_START} ... ${TABLE_END}`);
  }
  return markdown.slice(start + TABLE_START.length, end).trim();
}

/** `markdown` with the text between the markers replaced by `table`. */
export function replaceTable(markdown: string, table: string): string {
  tableInMarkdown(markdown); // checks the markers
  const start = markdown.indexOf(TABLE_START) + TABLE_START.length;
  const end = markdown.indexOf(TABLE_END);
  return `${markdown.slice(0, start)}\n${table}\n${markdown.slice(end)}`;
}

/** Rewrites the table in SECURITY.md from the results; returns whether the file changed. */
export function updateSecurityMd(path = SECURITY_MD, dir = RESULTS_DIR): boolean {
  const markdown = readFileSync(path, 'utf8');
  const updated = replaceTable(markdown, renderAttackTable(loadResults(dir)));
  if (updated === markdown) return false;
  writeAtomically(path, updated);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes('--check')) {
    const current = tableInMarkdown(readFileSync(SECURITY_MD, 'utf8'));
    if (current !== renderAttackTable(loadResults())) {
      console.error(
        'SECURITY.md: the attack table differs from test/security/results: run npx tsx scripts/security_report.ts',
      );
      process.exit(1);
    }
    console.log('SECURITY.md: the attack table matches the results');
  } else {
    const changed = updateSecurityMd();
    console.log(changed ? 'SECURITY.md: table updated' : 'SECURITY.md: table already up to date');
  }
}
