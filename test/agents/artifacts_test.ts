/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {describe, expect, it} from 'vitest';

import {artifactNameForFile} from '../../src/agents/artifacts.js';

describe('artifactNameForFile', () => {
  it('keeps plain relative paths', () => {
    expect(artifactNameForFile('reports/summary.md')).toBe('reports/summary.md');
  });

  it('drops bidi controls and zero-width characters, so a name reads as what it is', () => {
    expect(artifactNameForFile('invoice\u202efdp.exe')).toBe('invoicefdp.exe');
    expect(artifactNameForFile('re\u200bport\u2066.pdf\u2069\ufeff')).toBe('report.pdf');
  });

  it('replaces control characters and keeps files out of user-scoped names', () => {
    expect(artifactNameForFile('a\u001b[2J\u009bb.txt')).toBe('a_[2J_b.txt');
    expect(artifactNameForFile('user:secrets.txt')).toBe('user_secrets.txt');
    expect(artifactNameForFile('../../x')).toBe('x');
  });
});
