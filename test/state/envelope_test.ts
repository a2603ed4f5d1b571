/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// The envelope that binds a snapshot's bytes to one conversation (host side, no sandbox).

import {describe, expect, it} from 'vitest';

import {
  isReservedArtifactName,
  openSnapshot,
  resolveSnapshotOptions,
  sealSnapshot,
  snapshotArtifactName,
  withoutReservedArtifacts,
} from '../../src/state/snapshots.js';

const binding = {appName: 'app', userId: 'ada', sessionId: 's1', agentName: 'analyst'};
const payload = Buffer.from('ADKSNAP1 pretend pickles');

describe('snapshot envelope', () => {
  it('opens what it sealed, for the same conversation and secret', () => {
    const sealed = sealSnapshot(payload, binding, 'e-1', 'k');
    const opened = openSnapshot(sealed, binding, 'k', 1 << 20);
    expect(opened.ok && opened.payload.equals(payload)).toBe(true);
    expect(opened.ok && opened.header.invocationId).toBe('e-1');
  });

  it('refuses another conversation, another secret, changed bytes, and a size over the limit', () => {
    const sealed = sealSnapshot(payload, binding, 'e-1', 'k');
    const reason = (bytes: Buffer, b = binding, secret = 'k', max = 1 << 20) => {
      const opened = openSnapshot(bytes, b, secret, max);
      return opened.ok ? 'opened' : opened.reason;
    };
    expect(reason(sealed, {...binding, sessionId: 's2'})).toMatch(
      /belongs to another conversation \(sessionId "s1", not "s2"\)/,
    );
    expect(reason(sealed, {...binding, userId: 'bob'})).toMatch(/another conversation \(userId/);
    expect(reason(sealed, binding, 'other')).toMatch(/signature does not match/);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] ^= 1;
    expect(reason(flipped)).toMatch(/do not match their digest \(corrupted\)/);
    expect(reason(Buffer.from('garbage'))).toMatch(/not a snapshot envelope/);
    expect(reason(Buffer.concat([sealed, Buffer.alloc(100_000)]), binding, 'k', 1024)).toMatch(
      /over the 1024-byte limit/,
    );
    // A header rewritten to claim another session fails the signature.
    const forged = Buffer.from(sealed.toString('latin1').replace('"s1"', '"s2"'), 'latin1');
    expect(reason(forged, {...binding, sessionId: 's2'})).toMatch(/signature does not match/);
  });

  it('names snapshots under a reserved prefix that listings can leave out', () => {
    const name = snapshotArtifactName('analyst');
    expect(isReservedArtifactName(name)).toBe(true);
    expect(withoutReservedArtifacts(['chart.png', name])).toEqual(['chart.png']);
  });

  it('validates the options', () => {
    expect(resolveSnapshotOptions(false)).toBeUndefined();
    expect(resolveSnapshotOptions(undefined)?.maxBytes).toBe(256 * 1024 * 1024);
    expect(() => resolveSnapshotOptions({maxBytes: 10})).toThrow(/maxBytes/);
    expect(() => resolveSnapshotOptions({when: 'never' as 'turn'})).toThrow(/when/);
  });
});
