/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Answer checkers that accept the forms an answer takes in words: `38.38 %`, `0.3838` and
 * `38.4%` are all the share 0.38383…; `5,076.02 g` is 5076.016…; `Sunday` is `Sun` when the task
 * says so. A stated number matches an exact value when it is that value correctly rounded to the
 * digits the answer gives, with at least two significant digits (so `38 %` passes and `40 %`
 * does not).
 */

import type {CheckResult, TaskOutcome} from './suite.js';

/** A number as an answer states it. */
export interface StatedNumber {
  value: number;
  /** Half a unit of the last digit given: `38.4` → 0.05, `168` → 0.5. */
  halfUnit: number;
  significantDigits: number;
  /** Followed by `%` or the word percent. */
  percent: boolean;
}

// A sign, digits with optional thousands separators, decimals, an exponent, then maybe a percent.
const NUMBER =
  /(?<![\w.])([-+−]?)(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?(?:[eE]([-+]?\d+))?(\s*(?:%|percent\b|per cent\b))?/g;

/** Every number stated in `text`, in order. */
export function statedNumbers(text: string): StatedNumber[] {
  const found: StatedNumber[] = [];
  for (const m of text.matchAll(NUMBER)) {
    const [, sign, whole, fraction, exponent, percent] = m;
    if (whole === undefined && fraction === undefined) continue;
    const digits = `${(whole ?? '0').replaceAll(',', '')}${fraction ? `.${fraction}` : ''}`;
    const scale = exponent ? 10 ** Number(exponent) : 1;
    const magnitude = Number(digits) * scale;
    const mantissa = digits.replace('.', '').replace(/^0+/, '');
    found.push({
      value: sign === '-' || sign === '−' ? -magnitude : magnitude,
      halfUnit: 0.5 * 10 ** -(fraction?.length ?? 0) * scale,
      significantDigits: Math.max(mantissa.length, 1),
      percent: Boolean(percent),
    });
  }
  return found;
}

/** True when `stated` is `exact` correctly rounded, with at least two significant digits. */
export function roundsTo(stated: StatedNumber, exact: number): boolean {
  const difference = Math.abs(stated.value - exact);
  if (difference <= 1e-9 * Math.max(1, Math.abs(exact))) return true;
  return stated.significantDigits >= 2 && difference <= stated.halfUnit * (1 + 1e-9) + 1e-12;
}

/** True when `stated` gives the proportion `share` as a fraction or as a percentage. */
export function givesShare(stated: StatedNumber, share: number): boolean {
  return roundsTo(stated, share * 100) || (!stated.percent && roundsTo(stated, share));
}

function formatExact(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

function shown(numbers: readonly StatedNumber[]): string {
  if (numbers.length === 0) return 'it states no number';
  const list = numbers.slice(0, 10).map((n) => `${n.value}${n.percent ? '%' : ''}`);
  return `its numbers: ${list.join(', ')}${numbers.length > 10 ? ', …' : ''}`;
}

/** A checker of a task outcome. */
export type Checker = (outcome: TaskOutcome) => CheckResult;

/** The answer states `value` (see {@link roundsTo}). */
export function numberCheck(value: number): Checker {
  return ({answer}) => {
    const numbers = statedNumbers(answer);
    const hit = numbers.find((n) => !n.percent && roundsTo(n, value));
    return hit
      ? {pass: true, reason: `states ${hit.value}`}
      : {pass: false, reason: `expected ${formatExact(value)}; ${shown(numbers)}`};
  };
}

/**
 * The answer states a number within `relativeTolerance` of `value` (money summed over many
 * conversions, where rounding each step differently moves the cents).
 */
export function approximateCheck(value: number, relativeTolerance: number): Checker {
  return ({answer}) => {
    const numbers = statedNumbers(answer);
    const limit = relativeTolerance * Math.abs(value);
    const hit = numbers.find((n) => !n.percent && Math.abs(n.value - value) <= limit);
    return hit
      ? {pass: true, reason: `states ${hit.value}`}
      : {
          pass: false,
          reason: `expected ${formatExact(value)} (±${relativeTolerance * 100} %); ${shown(numbers)}`,
        };
  };
}

/** The answer states this exact whole number. */
export function integerCheck(value: number): Checker {
  return ({answer}) => {
    const numbers = statedNumbers(answer);
    return numbers.some((n) => n.value === value)
      ? {pass: true, reason: `states ${value}`}
      : {pass: false, reason: `expected ${value}; ${shown(numbers)}`};
  };
}

/** The answer states the proportion `value`, as a fraction or a percentage. */
export function shareCheck(value: number): Checker {
  return ({answer}) => {
    const numbers = statedNumbers(answer);
    const hit = numbers.find((n) => givesShare(n, value));
    return hit
      ? {pass: true, reason: `states ${hit.value}${hit.percent ? '%' : ''}`}
      : {
          pass: false,
          reason: `expected ${formatExact(value * 100)} % (${formatExact(value)}); ${shown(numbers)}`,
        };
  };
}

/** The answer states every one of `values` (proportions when `share`). */
export function numbersCheck(values: readonly number[], share = false): Checker {
  return ({answer}) => {
    const numbers = statedNumbers(answer);
    const matches = share
      ? givesShare
      : (n: StatedNumber, v: number) => !n.percent && roundsTo(n, v);
    const missing = values.filter((v) => !numbers.some((n) => matches(n, v)));
    if (missing.length === 0) return {pass: true, reason: `states all ${values.length} values`};
    const expected = missing.map((v) => (share ? `${formatExact(v * 100)} %` : formatExact(v)));
    return {pass: false, reason: `missing ${expected.join(', ')}; ${shown(numbers)}`};
  };
}

/** Lower case, accents and punctuation runs folded, for matching names in prose. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** True when `phrase` appears in `text` as whole words (see {@link foldText}). */
export function mentions(text: string, phrase: string): boolean {
  const folded = foldText(phrase);
  return folded.length > 0 && ` ${foldText(text)} `.includes(` ${folded} `);
}

/** The answer names one of `values` (any spelling listed counts). */
export function textCheck(values: readonly string[]): Checker {
  return ({answer}) => {
    const hit = values.find((v) => mentions(answer, v));
    return hit
      ? {pass: true, reason: `names ${hit}`}
      : {pass: false, reason: `expected ${values.join(' or ')}; got "${clip(answer)}"`};
  };
}

/**
 * The answer names every one of `expected` and none of the other members of `universe` (so
 * listing every candidate does not pass).
 */
export function textSetCheck(expected: readonly string[], universe: readonly string[]): Checker {
  return ({answer}) => {
    const missing = expected.filter((v) => !mentions(answer, v));
    const wrong = universe.filter((v) => !expected.includes(v) && mentions(answer, v));
    if (missing.length === 0 && wrong.length === 0) {
      return {pass: true, reason: `names exactly ${expected.join(', ') || 'none'}`};
    }
    const parts = [];
    if (missing.length) parts.push(`missing ${missing.join(', ')}`);
    if (wrong.length) parts.push(`wrongly names ${wrong.join(', ')}`);
    return {pass: false, reason: `${parts.join('; ')}; got "${clip(answer)}"`};
  };
}

/** A chart was saved as an artifact: an image, or a chart spec from a charting tool. */
export function chartSavedCheck(): Checker {
  return ({artifacts}) => {
    const chart = artifacts.find(
      (a) => a.mimeType.startsWith('image/') || a.mimeType === VEGA_LITE_MIME_TYPE,
    );
    return chart
      ? {pass: true, reason: `saved ${chart.name}`}
      : {pass: false, reason: 'no chart was saved as an artifact'};
  };
}

/** MIME type of the Vega-Lite chart specs the data tools save. */
export const VEGA_LITE_MIME_TYPE = 'application/vnd.vegalite.v5+json';

/** Passes when every checker passes; the reason lists each failure (or each pass). */
export function allOf(checkers: readonly Checker[]): Checker {
  return (outcome) => {
    const results = checkers.map((check) => check(outcome));
    const failed = results.filter((r) => !r.pass);
    return failed.length
      ? {pass: false, reason: failed.map((r) => r.reason).join('; ')}
      : {pass: true, reason: results.map((r) => r.reason).join('; ')};
  };
}

function clip(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
