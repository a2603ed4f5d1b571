/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import type {Part} from '@google/genai';
import {describe, expect, it} from 'vitest';

import {OBSERVATION_PREFIX} from '../../src/agents/messages.js';
import {StepHistory, ageObservation} from '../../src/agents/step_history.js';

function observation(n: number, error = false): string {
  const lines = Array.from({length: 100}, (_, i) => `row ${n}.${i} ${'x'.repeat(40)}`);
  if (error) lines.push(`Error: KeyError: 'col${n}'`, '  line 3, in <module>');
  return `Output:\n${lines.join('\n')}`;
}

function add(history: StepHistory, n: number, error = false): Part {
  const text = observation(n, error);
  const part: Part = {text: OBSERVATION_PREFIX + text};
  history.add(part, text, error);
  return part;
}

describe('StepHistory', () => {
  it('leaves a run under its budget alone', () => {
    const history = new StepHistory(100_000);
    const parts = [1, 2, 3].map((n) => add(history, n));
    history.age();
    expect(parts.map((p) => p.text)).toEqual(
      [1, 2, 3].map((n) => OBSERVATION_PREFIX + observation(n)),
    );
  });

  it('shortens the oldest first, keeps the last two whole, and says the variables remain', () => {
    const history = new StepHistory(12_000);
    const parts = [1, 2, 3, 4, 5].map((n) => add(history, n));
    history.age();
    expect(parts[0].text!.length).toBeLessThan(400);
    expect(parts[0].text).toContain('its variables are still in the interpreter');
    expect(parts[0].text).toContain('row 1.0');
    expect(parts[0].text).toContain('row 1.99');
    expect(parts[3].text).toBe(OBSERVATION_PREFIX + observation(4));
    expect(parts[4].text).toBe(OBSERVATION_PREFIX + observation(5));
    const total = parts.reduce((n, p) => n + p.text!.length, 0);
    expect(total).toBeLessThanOrEqual(12_000);
  });

  it('keeps an error the model has not fixed yet whole, and shortens it once fixed', () => {
    const history = new StepHistory(5000);
    const failed = add(history, 1, true);
    add(history, 2, true);
    add(history, 3, true);
    history.age();
    expect(failed.text).toBe(OBSERVATION_PREFIX + observation(1, true));
    add(history, 4);
    add(history, 5);
    history.age();
    expect(failed.text!.length).toBeLessThan(500);
    // The error line survives the shortening.
    expect(failed.text).toContain("Error: KeyError: 'col1'");
  });

  it('shortens an observation once: a later pass leaves it as it is', () => {
    const history = new StepHistory(5000);
    const first = add(history, 1);
    add(history, 2);
    add(history, 3);
    history.age();
    const aged = first.text;
    add(history, 4);
    history.age();
    expect(first.text).toBe(aged);
    expect(ageObservation('short')).toBe('short');
  });
});
