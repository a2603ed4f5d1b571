/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import type {Content} from '@google/genai';
import {describe, expect, it} from 'vitest';

import {deepCopy} from '../../src/utils/deep_copy.js';

describe('deepCopy', () => {
  it('copies contents so that editing any level of the copy leaves the original as it was', () => {
    const original: Content[] = [
      {
        role: 'user',
        parts: [
          {text: 'look', inlineData: {mimeType: 'image/png', data: 'iVBOR'}},
          {functionCall: {name: 'f', args: {rows: [1, 2], where: {city: 'Oslo'}}}},
        ],
      },
    ];
    const before = JSON.stringify(original);
    const copy = deepCopy(original);
    expect(copy).toEqual(original);
    const parts = copy[0].parts!;
    parts[0].text = 'changed';
    parts[0].inlineData!.data = 'x';
    const args = parts[1].functionCall!.args as {rows: number[]; where: {city: string}};
    args.rows.push(3);
    args.where.city = 'Bergen';
    parts.push({text: 'appended'});
    copy.push({role: 'model', parts: []});
    expect(JSON.stringify(original)).toBe(before);
  });

  it('keeps undefined fields and copies objects that are not plain data (bytes, dates)', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const when = new Date(0);
    const copy = deepCopy({bytes, when, missing: undefined, n: 1, flag: false, none: null});
    expect(copy).toEqual({bytes, when, missing: undefined, n: 1, flag: false, none: null});
    expect('missing' in copy).toBe(true);
    expect(copy.bytes).not.toBe(bytes);
    copy.bytes[0] = 9;
    expect(bytes[0]).toBe(1);
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(when);
  });
});
