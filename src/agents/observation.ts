/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import type {ExecutionResult, OutputChunk} from '../code_executors/sandbox.js';
import {formatFileSize} from '../utils/byte_size.js';
import type {SavedArtifacts} from './artifacts.js';

/**
 * Shortens `text` to at most about `maxChars` characters, keeping its head and tail: errors and
 * final totals tend to be at the end, headers at the start.
 */
export function truncateMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const keep = Math.max(0, maxChars - 60);
  const head = Math.ceil(keep * 0.6);
  const tail = keep - head;
  const dropped = text.length - head - tail;
  return `${text.slice(0, head)}\n[... ${dropped} characters truncated ...]\n${tail > 0 ? text.slice(-tail) : ''}`;
}

/**
 * Renders carriage returns as a terminal would: a line rewritten with `\r` (a progress bar)
 * keeps only its last version, so a long progress bar costs one line.
 */
export function renderCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      const last = trimmed.lastIndexOf('\r');
      return last < 0 ? trimmed : trimmed.slice(last + 1);
    })
    .join('\n');
}

/** Characters of live output shown while a snippet runs (the tail is kept). */
const LIVE_OUTPUT_CHARS = 16_000;

/** The output of a running snippet as streaming clients show it: both streams, tail kept. */
export class LiveOutput {
  private text_ = '';

  /** Adds a chunk (stderr lines are interleaved as they came). */
  add(chunk: OutputChunk): void {
    this.text_ += chunk.text;
    if (this.text_.length > 2 * LIVE_OUTPUT_CHARS)
      this.text_ = this.text_.slice(-LIVE_OUTPUT_CHARS);
  }

  /** What to show now. */
  text(): string {
    const rendered = renderCarriageReturns(this.text_);
    return rendered.length > LIVE_OUTPUT_CHARS
      ? `[... earlier output not shown ...]\n${rendered.slice(-LIVE_OUTPUT_CHARS)}`
      : rendered;
  }
}

/** Limits on what the model reads of one execution. */
export interface ObservationLimits {
  /** Maximum characters of the whole observation. */
  maxChars: number;
}

/**
 * Renders an execution as the text the model reads next: output, the last expression's value,
 * the error with the snippet's traceback, and notices (figures and files with their artifact
 * names, kernel restarts). Never includes binary data.
 *
 * @param saved What was saved as artifacts; without it, figures and files are only counted.
 */
export function formatObservation(
  result: ExecutionResult,
  limits: ObservationLimits,
  saved?: SavedArtifacts,
): string {
  const sections: string[] = [];
  const stdout = renderCarriageReturns(result.stdout).trimEnd();
  const stderr = renderCarriageReturns(result.stderr).trimEnd();
  if (stdout) sections.push(`Output:\n${stdout}`);
  if (stderr) sections.push(`Stderr:\n${stderr}`);
  if (result.value !== undefined) {
    // A multi-line repr (a DataFrame) reads better starting on its own line.
    sections.push(
      result.value.includes('\n') ? `Value:\n${result.value}` : `Value: ${result.value}`,
    );
  }
  const figures = saved?.artifacts.filter((a) => a.source === 'figure') ?? [];
  const files = saved?.artifacts.filter((a) => a.source === 'file') ?? [];
  if (figures.length > 0) {
    // Names only: the model cannot see the image, and its bytes would flood the context.
    sections.push(
      `Figures shown to the user and saved as artifacts: ${figures.map((f) => f.name).join(', ')}`,
    );
  } else if (result.figures.length > 0) {
    sections.push(`Figures produced: ${result.figures.length}`);
  }
  if (files.length > 0) {
    sections.push(
      `Files saved as artifacts: ${files.map((f) => `${f.name} (${f.mimeType}, ${formatFileSize(f.bytes)})`).join(', ')}`,
    );
  } else if (result.files.length > 0 && !saved) {
    sections.push(`Files written: ${result.files.map((f) => f.name).join(', ')}`);
  }
  if (saved?.problems.length) sections.push(saved.problems.join('\n'));
  if (result.stoppedProcesses) {
    const {count, processes} = result.stoppedProcesses;
    const named = processes.map((p) => `${p.pid} ${p.command}`).join(', ');
    const more = count > processes.length ? ` and ${count - processes.length} more` : '';
    sections.push(
      `Stopped background processes (still running when the code returned; nothing a step starts outlives it): ${named}${more}`,
    );
  }
  if (result.error) {
    const {type, message, traceback} = result.error;
    const trace = traceback.trim() ? `\n${traceback.trimEnd()}` : '';
    sections.push(`Error: ${type}: ${message}${trace}`);
    if (type === 'MemoryError' && !result.stateLost) {
      // Python's MemoryError has no message; say what it means and that nothing was lost.
      sections.push(
        "The code ran out of memory (the sandbox's memory limit). The interpreter and its " +
          'variables are intact: work on smaller pieces (chunks, fewer columns) and `del` what ' +
          'you no longer need.',
      );
    }
  }
  if (result.stateLost && !(result.error?.message ?? '').includes('restarted')) {
    sections.push(
      'The Python kernel was restarted: every variable and import from earlier steps is gone.',
    );
  }
  if (sections.length === 0) sections.push('(no output)');
  return truncateMiddle(sections.join('\n'), limits.maxChars);
}
