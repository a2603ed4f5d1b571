/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * This run's observations, aging: the variables live in the interpreter, so the model need not
 * reread every earlier output. Once this run's observations pass a budget (`maxRunContextChars`),
 * the oldest are shortened — head, tail and the error line kept, with a note that the variables
 * are still there — until they fit. The last `keepRecent` stay whole, and so does an error the
 * model has not fixed yet (no clean step since). Code is never shortened: it is small and says
 * what exists. An observation is shortened once and then stays the same, so the request's prefix
 * stays stable for providers' prompt caching.
 */

import type {Part} from '@google/genai';

import {OBSERVATION_PREFIX, historyNotes} from './messages.js';

/** Characters an aged observation keeps (head and tail, besides the error line). */
const AGED_CHARS = 200;

interface Entry {
  /** The user-message part holding the observation (in this run's history). */
  part: Part;
  observation: string;
  failed: boolean;
  aged: boolean;
}

/** Shortens an observation to its head, its error line and its tail. */
export function ageObservation(observation: string): string {
  const errorLine = observation.split('\n').find((line) => line.startsWith('Error: '));
  const body = observation.length <= AGED_CHARS ? observation : undefined;
  if (body) return body;
  const head = observation.slice(0, AGED_CHARS * 0.6).trimEnd();
  const tail = observation.slice(-AGED_CHARS * 0.4).trimStart();
  const error = errorLine && !head.includes(errorLine) && !tail.includes(errorLine);
  return [
    head,
    historyNotes.observationAged(observation.length),
    ...(error ? [errorLine.slice(0, AGED_CHARS)] : []),
    tail,
  ].join('\n');
}

/** The observations of one run (see the module comment). */
export class StepHistory {
  private readonly entries: Entry[] = [];

  constructor(
    private readonly maxChars: number,
    private readonly keepRecent = 2,
  ) {}

  /** Records an observation just added to the history as `part`. */
  add(part: Part, observation: string, failed: boolean): void {
    this.entries.push({part, observation, failed, aged: false});
  }

  /** Shortens the oldest observations until this run's fit `maxChars` (see the module comment). */
  age(): void {
    let total = this.entries.reduce((sum, e) => sum + (e.part.text?.length ?? 0), 0);
    if (total <= this.maxChars) return;
    // An error after the last clean step is not fixed yet: the model still needs it whole.
    const lastClean = this.entries.findLastIndex((e) => !e.failed);
    const cutoff = this.entries.length - this.keepRecent;
    for (let i = 0; i < cutoff && total > this.maxChars; i++) {
      const entry = this.entries[i];
      if (entry.aged || (entry.failed && i > lastClean)) continue;
      const before = entry.part.text?.length ?? 0;
      entry.part.text = OBSERVATION_PREFIX + ageObservation(entry.observation);
      entry.aged = true;
      total -= before - entry.part.text.length;
    }
  }
}
