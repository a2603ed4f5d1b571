/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {inspect, styleText} from 'node:util';

import {LogLevel, type Event, type Logger} from '@google/adk';
import ora, {type Ora} from 'ora';

/**
 * Characters a terminal acts on instead of showing, beyond C0: DEL, the C1 controls (U+0080 to
 * U+009F, which some terminals read as escape sequences), and the Unicode bidi controls that
 * reorder what is shown (Trojan Source, CVE-2021-42574).
 */
const UNICODE_CONTROLS = '\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
/** Every control character a terminal acts on: C0 except tab and newline, and the above. */
const TERMINAL_CONTROLS = new RegExp(`\\r\\n|[\\x00-\\x08\\x0b-\\x1f${UNICODE_CONTROLS}]`, 'g');
/** The controls `JSON.stringify` leaves raw (it escapes C0 itself). */
const JSON_RAW_CONTROLS = new RegExp(`[${UNICODE_CONTROLS}]`, 'g');

/** `\xNN` for a character up to U+00FF, `\uNNNN` above. */
function escapeCode(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` made safe to print on a terminal: every control character a terminal would act on
 * (escape sequences such as OSC 52 clipboard writes, title changes and clear screen, BEL,
 * backspace, a lone `\r`, DEL, C1 and bidi controls) is written as a visible escape such as
 * `\x1b` or `\u202e`. Newlines and tabs stay; `\r\n` becomes a newline. Everything that came from
 * the sandbox or the model goes through this before the CLI prints it.
 */
export function printable(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (char) => (char === '\r\n' ? '\n' : escapeCode(char)));
}

/**
 * `value` as one JSON line that is safe on a terminal: `JSON.stringify` (which escapes C0), with
 * the C1 and bidi controls it leaves raw written as `\uNNNN`, so `JSON.parse` gives back exactly
 * `value`.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    JSON_RAW_CONTROLS,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * ADK's logger for the CLI: its lines go to stderr (ADK's default logger writes to stdout, which
 * would break `--json`), made {@link printable}, from `level` up.
 */
export class StderrLogger implements Logger {
  constructor(private level: LogLevel) {}

  setLogLevel(level: LogLevel): void {
    this.level = level;
  }

  log(level: LogLevel, ...args: unknown[]): void {
    if (level < this.level) return;
    const message = args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
    process.stderr.write(`${LogLevel[level]}: [ADK] ${printable(message)}\n`);
  }

  debug(...args: unknown[]): void {
    this.log(LogLevel.DEBUG, ...args);
  }

  info(...args: unknown[]): void {
    this.log(LogLevel.INFO, ...args);
  }

  warn(...args: unknown[]): void {
    this.log(LogLevel.WARN, ...args);
  }

  error(...args: unknown[]): void {
    this.log(LogLevel.ERROR, ...args);
  }
}

/** What the CLI prints for a run, step by step. */
export interface RunDisplay {
  /** Called before the run starts. */
  start(): void;
  /** Called for each event the agent yields. */
  event(event: Event): void;
  /** Called once the run is over (also after a failure). */
  stop(): void;
}

type Style = Parameters<typeof styleText>[0];

/** What the display reads from an event's `customMetadata.codingAgent`. */
interface CodingMetadata {
  stopReason?: string;
  artifacts?: {name: string; mimeType: string}[];
  retry?: {attempt: number; of: number; delayMs: number; error?: string; message: string};
  usage?: {total: {prompt: number; output: number; thinking: number; modelCalls: number}};
}

/** The sections of an observation that repeat the output already shown live. */
const OUTPUT_SECTIONS =
  /^(?:Output|Stderr):\n[\s\S]*?(?=^(?:Stderr:|Value|Figures|Files|Error:)|(?![\s\S]))/gm;

/**
 * Human display: the model's text as it streams, each step's code, its output while it runs and
 * its result, retries, the answer and the run's tokens, with a spinner while waiting. Every line
 * goes through {@link printable}: code, output, answers and artifact names come from the model or
 * the sandbox.
 */
export class ConsoleDisplay implements RunDisplay {
  private spinner?: Ora;
  private last = Date.now();
  private readonly color: boolean;
  /** The model's reply is being streamed (its header is printed). */
  private streamingReply = false;
  /** The running step's code was shown by a live event. */
  private codeShown = false;
  /** Live output printed so far for the running step. */
  private liveOutput = '';

  constructor(private readonly modelLabel: string) {
    this.color = Boolean(process.stdout.isTTY);
  }

  private paint(text: string, style?: Style): string {
    const safe = printable(text);
    return style && this.color ? styleText(style, safe) : safe;
  }

  private print(text: string, style?: Style): void {
    console.log(this.paint(text, style));
  }

  private wait(text: string): void {
    this.spinner = ora({text: printable(text), isSilent: !process.stderr.isTTY}).start();
  }

  private elapsed(): string {
    const now = Date.now();
    const seconds = ((now - this.last) / 1000).toFixed(2);
    this.last = now;
    return `${seconds}s`;
  }

  start(): void {
    this.last = Date.now();
    this.wait(`asking ${this.modelLabel}`);
  }

  event(event: Event): void {
    this.spinner?.stop();
    const meta = (event.customMetadata?.codingAgent ?? {}) as CodingMetadata;
    if (event.partial) this.live(event, meta);
    else if (meta.stopReason) this.answer(event, meta);
    else this.step(event, meta);
  }

  /** Live events: streamed text, the code about to run, output while it runs, retries. */
  private live(event: Event, meta: CodingMetadata): void {
    if (meta.retry) {
      const {attempt, of, delayMs, error, message} = meta.retry;
      this.print(
        `[model call failed (${error ?? 'error'}: ${message}); retry ${attempt + 1} of ${of} in ${(delayMs / 1000).toFixed(1)} s]`,
        'yellow',
      );
      this.wait(`asking ${this.modelLabel}`);
      return;
    }
    for (const part of event.content?.parts ?? []) {
      if (part.text !== undefined && !part.thought) {
        if (!this.streamingReply)
          this.print(`\n── model (${this.modelLabel}) · ${this.elapsed()}`, 'bold');
        this.streamingReply = true;
        process.stdout.write(this.paint(part.text, 'dim'));
      } else if (part.executableCode) {
        // A streamed reply showed its code already, as the model wrote it.
        if (this.streamingReply) process.stdout.write('\n');
        else {
          this.print(`\n── model (${this.modelLabel}) · ${this.elapsed()}`, 'bold');
          this.print(part.executableCode.code ?? '', 'cyan');
        }
        this.streamingReply = false;
        this.codeShown = true;
        this.liveOutput = '';
      } else if (part.codeExecutionResult) {
        const text = part.codeExecutionResult.output ?? '';
        // Cumulative output: print what is new (or all of it when a progress bar rewrote it).
        const fresh = text.startsWith(this.liveOutput)
          ? text.slice(this.liveOutput.length)
          : `\n${text}`;
        process.stdout.write(this.paint(fresh));
        this.liveOutput = text;
      }
    }
    this.wait(this.codeShown ? 'running in the sandbox' : `asking ${this.modelLabel}`);
  }

  /** A step's persisted event: its code (unless shown live), result and artifacts. */
  private step(event: Event, meta: CodingMetadata): void {
    const parts = event.content?.parts ?? [];
    if (!this.codeShown && parts.some((p) => p.executableCode)) {
      if (this.streamingReply) process.stdout.write('\n');
      this.print(`\n── model (${this.modelLabel}) · ${this.elapsed()}`, 'bold');
      for (const part of parts) {
        if (part.executableCode) this.print(part.executableCode.code ?? '', 'cyan');
      }
    }
    if (this.liveOutput && !this.liveOutput.endsWith('\n')) process.stdout.write('\n');
    for (const part of parts) {
      if (part.inlineData) this.print(`[${part.inlineData.mimeType} image]`, 'dim');
      if (!part.codeExecutionResult) continue;
      const failed = part.codeExecutionResult.outcome !== 'OUTCOME_OK';
      this.print(
        `── sandbox · ${this.elapsed()}${failed ? ' · failed' : ''}`,
        failed ? 'red' : 'green',
      );
      let output = part.codeExecutionResult.output ?? '';
      if (this.liveOutput) output = output.replace(OUTPUT_SECTIONS, '').trim();
      if (output) this.print(output);
    }
    for (const artifact of meta.artifacts ?? []) {
      this.print(`[artifact ${artifact.name} (${artifact.mimeType})]`, 'dim');
    }
    this.streamingReply = false;
    this.codeShown = false;
    this.liveOutput = '';
    this.wait(`asking ${this.modelLabel}`);
  }

  /** The final event: the answer and the run's tokens. */
  private answer(event: Event, meta: CodingMetadata): void {
    if (this.streamingReply) process.stdout.write('\n');
    this.streamingReply = false;
    this.print(`\n══ answer (${meta.stopReason}) · ${this.elapsed()}`, 'bold');
    for (const part of event.content?.parts ?? []) {
      if (part.text !== undefined && !part.thought) this.print(part.text);
    }
    const total = meta.usage?.total;
    if (total) {
      const thinking = total.thinking ? `, thinking ${total.thinking}` : '';
      this.print(
        `tokens: prompt ${total.prompt}, output ${total.output}${thinking} (${total.modelCalls} model calls)`,
        'dim',
      );
    }
    this.spinner = undefined;
  }

  stop(): void {
    this.spinner?.stop();
  }
}

/** Machine display: one JSON object per event on stdout (see {@link jsonLine}). */
export class JsonDisplay implements RunDisplay {
  start(): void {}
  event(event: Event): void {
    console.log(jsonLine(event));
  }
  stop(): void {}
}
