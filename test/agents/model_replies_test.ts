/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';

import {codeSoFar, extractCode, type ReplyPart} from '../../src/agents/code_extraction.js';
import {smolagentsCodeActions} from '../helpers/smolagents_parser.js';

/**
 * The corpus of real model replies (test/data/model_replies): each entry is a reply copied
 * verbatim from a public source it cites, with the code a careful reader says should run.
 * Entries under heldout/ were collected after the extractor was tuned on the others.
 */
interface Entry {
  id: string;
  source: {repo?: string; path?: string; commit?: string; url?: string; what: string};
  model: string | null;
  format: string;
  reply?: string;
  parts?: ReplyPart[];
  code: string | null;
  truncated?: boolean;
  note?: string;
  file: string;
  heldOut: boolean;
}

const DATA = join(import.meta.dirname, '..', 'data', 'model_replies');
const MAX_MISPARSED = 0.03;

function load(dir: string, heldOut: boolean): Entry[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {entries: Entry[]};
      return doc.entries.map((e) => ({...e, file: file.replace(/\.json$/, ''), heldOut}));
    });
}

const ENTRIES = [...load(DATA, false), ...load(join(DATA, 'heldout'), true)];

/** Trailing whitespace and blank lines at either end do not matter. */
function normalise(code: string | null | undefined): string | undefined {
  if (code === null || code === undefined) return undefined;
  const lines = code.split('\n').map((l) => l.trimEnd());
  while (lines.length && !lines[0]) lines.shift();
  while (lines.length && !lines[lines.length - 1]) lines.pop();
  return lines.join('\n');
}

function replyOf(e: Entry): string | ReplyPart[] {
  return e.parts ?? e.reply!;
}

function textOf(e: Entry): string {
  return e.reply ?? e.parts!.map((p) => p.text ?? '').join('');
}

interface Row {
  n: number;
  ours: number;
  smolagents: number;
}

function table(title: string, key: (e: Entry) => string, ours: Set<string>, smol: Set<string>) {
  const rows = new Map<string, Row>();
  for (const e of ENTRIES) {
    const row = rows.get(key(e)) ?? {n: 0, ours: 0, smolagents: 0};
    row.n++;
    if (ours.has(e.id)) row.ours++;
    if (smol.has(e.id)) row.smolagents++;
    rows.set(key(e), row);
  }
  const lines = [...rows].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(title.length, ...lines.map(([k]) => k.length));
  const out = [`${title.padEnd(width)}  entries  ours misparsed  smolagents misparsed`];
  for (const [k, r] of lines) {
    out.push(
      `${k.padEnd(width)}  ${String(r.n).padStart(7)}  ${String(r.ours).padStart(14)}  ${String(r.smolagents).padStart(20)}`,
    );
  }
  return out.join('\n');
}

function rate(ids: Set<string>, entries: Entry[]): string {
  const n = entries.filter((e) => ids.has(e.id)).length;
  return `${n}/${entries.length} (${((100 * n) / entries.length).toFixed(1)} %)`;
}

describe('extractCode on real model replies', () => {
  it('has at least 120 entries, each with a source and a verbatim reply', () => {
    expect(ENTRIES.length).toBeGreaterThanOrEqual(120);
    expect(new Set(ENTRIES.map((e) => e.id)).size).toBe(ENTRIES.length);
    for (const e of ENTRIES) {
      expect(e.source.what, e.id).toBeTruthy();
      expect(e.source.url ?? (e.source.repo && e.source.path), e.id).toBeTruthy();
      expect(textOf(e).length, e.id).toBeGreaterThan(0);
    }
  });

  it('misparses at most 3 % of them, far fewer than smolagents', () => {
    const ours = new Set<string>();
    const truncation = new Set<string>();
    for (const e of ENTRIES) {
      const got = extractCode(replyOf(e));
      if (normalise(got.code) !== normalise(e.code)) ours.add(e.id);
      if (e.truncated !== undefined && got.truncated !== e.truncated) truncation.add(e.id);
    }
    const smolCode = smolagentsCodeActions(ENTRIES.map(textOf));
    const smol = new Set(
      ENTRIES.filter((e, i) => normalise(smolCode[i]) !== normalise(e.code)).map((e) => e.id),
    );

    const heldOut = ENTRIES.filter((e) => e.heldOut);
    console.log(
      [
        table('format', (e) => e.format, ours, smol),
        '',
        table('source', (e) => (e.heldOut ? `heldout/${e.file}` : e.file), ours, smol),
        '',
        `ours misparsed:       ${rate(ours, ENTRIES)}; held-out ${rate(ours, heldOut)}`,
        `smolagents misparsed: ${rate(smol, ENTRIES)}; held-out ${rate(smol, heldOut)}`,
        `truncation flag wrong: ${rate(truncation, ENTRIES)}`,
        `ours misparsed: ${[...ours].join(', ') || 'none'}`,
      ].join('\n'),
    );
    expect(ours.size / ENTRIES.length).toBeLessThanOrEqual(MAX_MISPARSED);
    expect(truncation.size / ENTRIES.length).toBeLessThanOrEqual(MAX_MISPARSED);
    expect(ours.size * 3).toBeLessThan(smol.size);
  });

  it('gives the same result for a reply streamed in chunks as for the whole reply', () => {
    for (const e of ENTRIES) {
      const text = textOf(e);
      const whole = extractCode(text);
      // Cuts at and around every fence, tag and line end: a stream of tiny chunks that splits
      // fences and tags in every way (a closing fence in the last chunk included).
      const cuts = new Set<number>();
      for (const m of text.matchAll(/```|~~~|<\/?[a-z_]+>|\n/g)) {
        for (const d of [-1, 0, 1, 2, 3]) cuts.add(m.index + d);
      }
      const points = [...cuts].filter((c) => c > 0 && c < text.length).sort((a, b) => a - b);
      const chunks = [0, ...points].map((p, i, all) => ({text: text.slice(p, all[i + 1])}));
      expect(extractCode(chunks), e.id).toEqual(whole);
      // And two chunks, cut at 20 places: what is shown live never throws, the end is the same.
      for (let k = 1; k <= 20; k++) {
        const c = Math.floor((k * text.length) / 21);
        expect(() => codeSoFar(text.slice(0, c)), `${e.id} preview at ${c}`).not.toThrow();
        const parts = [{text: text.slice(0, c)}, {text: text.slice(c)}];
        expect(extractCode(parts), `${e.id} cut at ${c}`).toEqual(whole);
      }
      expect(codeSoFar(text).code, e.id).toBe(whole.code);
    }
  });
});
