/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** The longest delay `setTimeout` honours; it fires at once for larger ones. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds as seconds for messages: `1.5`, `30`, `0.8`. */
export function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(2)));
}
