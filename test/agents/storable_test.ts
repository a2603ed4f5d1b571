/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * `storable` escapes exactly what PostgreSQL refuses: checked against a real server for every
 * UTF-16 code unit, as ADK's `DatabaseSessionService` sends values (`JSON.stringify` into
 * `jsonb`), and the shape of the escaping (keys, arrays, identity, symbol keys).
 */

import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {storable} from '../../src/agents/storable.js';
import {testPostgres, type TestDatabase} from '../helpers/postgres.js';

describe('storable', () => {
  it('escapes NUL and unpaired surrogates the way Python writes them, and nothing else', () => {
    expect(storable('a\u0000b')).toBe('a\\x00b');
    expect(storable('hi \ud800 lo \udfff')).toBe('hi \\ud800 lo \\udfff');
    expect(storable('\udc00\ud800')).toBe('\\udc00\\ud800'); // a pair in the wrong order
    expect(storable('\ud83d\ude00 \u0001\u001f\u007f\uffff\u2028')).toBe(
      '\ud83d\ude00 \u0001\u001f\u007f\uffff\u2028',
    );
    expect(storable('\\x00 already text')).toBe('\\x00 already text');
  });

  it('walks plain objects and arrays, keys included, and keeps what it does not change', () => {
    const brand = Symbol.for('test.brand');
    const untouched = {deep: ['fine', {ok: 1}]};
    const value = {
      [brand]: true,
      untouched,
      list: ['x', 'y\u0000'],
      'key\u0000': {'\ud800': null},
      when: new Date(0),
      count: 3,
    };
    const escaped = storable(value);
    expect(escaped).toEqual({
      [brand]: true,
      untouched,
      list: ['x', 'y\\x00'],
      'key\\x00': {'\\ud800': null},
      when: new Date(0),
      count: 3,
    });
    expect(escaped.untouched).toBe(untouched);
    expect(escaped.when).toBe(value.when);
    expect(value.list[1]).toBe('y\u0000'); // the input is not modified
    expect(storable(untouched)).toBe(untouched);
  });
});

const postgres = await testPostgres();

describe.skipIf(postgres.skipReason !== undefined)(`what ${postgres.title} rejects`, () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await postgres.createDatabase();
    client = new pg.Client({connectionString: database.url});
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  /** Whether `jsonb` takes `value` as ADK's session service sends it (its JSON text). */
  async function jsonbAccepts(value: unknown): Promise<boolean> {
    try {
      await client.query('SELECT $1::jsonb', [JSON.stringify(value)]);
      return true;
    } catch {
      return false;
    }
  }

  it('jsonb rejects exactly the code units storable escapes', async () => {
    const units = Array.from({length: 0x10000}, (_, u) => String.fromCharCode(u));
    const escaped = units.filter((s) => storable(s) !== s);
    expect(escaped).toHaveLength(1 + 0x800); // NUL and every surrogate, alone
    // Everything storable keeps is accepted (in one value), in strings and in keys.
    const kept = units.filter((s) => storable(s) === s);
    expect(await jsonbAccepts(kept)).toBe(true);
    expect(await jsonbAccepts(Object.fromEntries(kept.map((s) => [s, 1])))).toBe(true);
    // Surrogates in proper pairs are accepted: every high and every low one in a pair.
    const pairs = Array.from({length: 0x400}, (_, i) => [
      String.fromCharCode(0xd800 + i, 0xdc00),
      String.fromCharCode(0xd800, 0xdc00 + i),
    ]).flat();
    expect(pairs.every((s) => storable(s) === s)).toBe(true);
    expect(await jsonbAccepts(pairs)).toBe(true);
    // Each one storable escapes is refused on its own, as a value and as a key; escaped, taken.
    const refused: string[] = [];
    for (const s of escaped) {
      if (!(await jsonbAccepts(s)) && !(await jsonbAccepts({[s]: 1}))) refused.push(s);
    }
    expect(refused).toEqual(escaped);
    expect(await jsonbAccepts(storable(escaped))).toBe(true);
  });

  it('text rejects NUL and silently replaces unpaired surrogates (Node encodes them as U+FFFD)', async () => {
    await expect(client.query('SELECT $1::text', ['a\u0000b'])).rejects.toThrow(/0x00/);
    const {rows} = await client.query('SELECT $1::text AS t', ['a\ud800b']);
    expect(rows[0].t).toBe('a\ufffdb');
  });
});
