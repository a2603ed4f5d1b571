/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {describe, expect, it} from 'vitest';

import {
  allOf,
  approximateCheck,
  chartSavedCheck,
  integerCheck,
  numberCheck,
  numbersCheck,
  shareCheck,
  statedNumbers,
  textCheck,
  textSetCheck,
} from '../../src/eval/checkers.js';
import type {TaskOutcome} from '../../src/eval/suite.js';

const said = (answer: string, artifacts: TaskOutcome['artifacts'] = []): TaskOutcome => ({
  answer,
  toolCalls: [],
  artifacts,
});

describe('statedNumbers', () => {
  it('reads signs, thousands separators, decimals, exponents and percentages', () => {
    const numbers = statedNumbers('−3 and 5,076.02 g, 38.38 % or 0.3838; 1.5e3 and 12 percent.');
    expect(numbers.map((n) => [n.value, n.percent])).toEqual([
      [-3, false],
      [5076.02, false],
      [38.38, true],
      [0.3838, false],
      [1500, false],
      [12, true],
    ]);
    expect(numbers[1].halfUnit).toBeCloseTo(0.005);
    expect(numbers[3].significantDigits).toBe(4);
  });

  it('does not read a hyphen inside a date or a range as a minus sign', () => {
    expect(statedNumbers('2024-05-03').map((n) => n.value)).toEqual([2024, 5, 3]);
  });
});

describe('number and share checks', () => {
  const share = shareCheck(342 / 891);

  it('accept every usual form of the same share', () => {
    for (const answer of ['38.38 %', '38.38%', '0.3838', '38.4%', 'about 38 percent', '0.384']) {
      expect(share(said(answer)).pass, answer).toBe(true);
    }
  });

  it('reject a wrong share, one digit of precision, and a misplaced fraction', () => {
    for (const answer of ['40%', '0.4', '3.838 %', '0.3838 %', 'none survived']) {
      expect(share(said(answer)).pass, answer).toBe(false);
    }
    expect(share(said('40%')).reason).toMatch(/expected 38\.3838 % .*40%/);
  });

  it('numbers match at the precision the answer gives', () => {
    const mean = numberCheck(29.69911764705882);
    expect(mean(said('The mean age is 29.70 years.')).pass).toBe(true);
    expect(mean(said('29.7')).pass).toBe(true);
    expect(mean(said('30')).pass).toBe(true);
    expect(mean(said('29.6')).pass).toBe(false);
    expect(mean(said('29.7 %')).pass).toBe(false);
    expect(numberCheck(5076.016)(said('5,076.02 g')).pass).toBe(true);
    expect(numberCheck(5076.016)(said('5000')).pass).toBe(false);
  });

  it('integers are exact', () => {
    expect(integerCheck(177)(said('177 passengers')).pass).toBe(true);
    expect(integerCheck(177)(said('about 180')).pass).toBe(false);
  });

  it('several values must all be stated', () => {
    const rates = numbersCheck([0.6296, 0.4728, 0.2424], true);
    expect(rates(said('1st: 62.96 %, 2nd: 47.28 %, 3rd: 24.24 %')).pass).toBe(true);
    const partial = rates(said('1st: 62.96 %, 2nd: 47.28 %'));
    expect(partial.pass).toBe(false);
    expect(partial.reason).toContain('missing 24.24 %');
  });

  it('approximate checks take a relative tolerance', () => {
    expect(approximateCheck(10547.2, 0.001)(said('$10,550.10')).pass).toBe(true);
    expect(approximateCheck(10547.2, 0.001)(said('$10,600')).pass).toBe(false);
  });
});

describe('text checks', () => {
  it('match whole words, ignoring case, accents and punctuation', () => {
    const day = textCheck(['Sun', 'Sunday']);
    expect(day({answer: 'It is SUNDAY.', toolCalls: [], artifacts: []}).pass).toBe(true);
    expect(textCheck(['Adelie'])(said('the Adélie penguin')).pass).toBe(true);
    expect(textCheck(['Sun'])(said('Sunny weather')).pass).toBe(false);
  });

  it('a set check fails on a missing or an extra member', () => {
    const rainy = textSetCheck(['Paris', 'Oslo'], ['Paris', 'Oslo', 'Rome', 'Berlin']);
    expect(rainy(said('Paris and Oslo')).pass).toBe(true);
    expect(rainy(said('Paris')).reason).toContain('missing Oslo');
    expect(rainy(said('Paris, Oslo, Rome')).reason).toContain('wrongly names Rome');
  });
});

describe('chart and combined checks', () => {
  it('a chart is an image artifact or a Vega-Lite spec', () => {
    const chart = chartSavedCheck();
    expect(chart(said('', [{name: 'figure.png', mimeType: 'image/png'}])).pass).toBe(true);
    expect(
      chart(said('', [{name: 'c.vl.json', mimeType: 'application/vnd.vegalite.v5+json'}])).pass,
    ).toBe(true);
    expect(chart(said('', [{name: 'notes.txt', mimeType: 'text/plain'}])).pass).toBe(false);
  });

  it('allOf needs every check and reports each failure', () => {
    const check = allOf([integerCheck(3), chartSavedCheck()]);
    const result = check(said('4'));
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/expected 3.*; no chart was saved/);
  });
});
