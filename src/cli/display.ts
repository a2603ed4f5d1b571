/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {styleText} from 'node:util';

import type {Event} from '@google/adk';
import ora, {type Ora} from 'ora';

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

/** Human display: each step's code, output and time, with a spinner while waiting. */
export class ConsoleDisplay implements RunDisplay {
  private spinner?: Ora;
  private last = Date.now();
  private readonly color: boolean;

  constructor(private readonly modelLabel: string) {
    this.color = Boolean(process.stdout.isTTY);
  }

  private paint(style: Style, text: string): string {
    return this.color ? styleText(style, text) : text;
  }

  private wait(text: string): void {
    this.spinner = ora({text, isSilent: !process.stderr.isTTY}).start();
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
    const parts = event.content?.parts ?? [];
    const meta = (event.customMetadata?.codingAgent ?? {}) as {stopReason?: string};
    if (parts.some((p) => p.executableCode)) {
      console.log(this.paint('bold', `\n── model (${this.modelLabel}) · ${this.elapsed()}`));
    }
    for (const part of parts) {
      if (part.thought) continue;
      if (part.executableCode) {
        console.log(this.paint('cyan', part.executableCode.code ?? ''));
        this.wait('running in the sandbox');
      } else if (part.codeExecutionResult) {
        const failed = part.codeExecutionResult.outcome !== 'OUTCOME_OK';
        console.log(
          this.paint(
            failed ? 'red' : 'green',
            `── sandbox · ${this.elapsed()}${failed ? ' · failed' : ''}`,
          ),
        );
        console.log(part.codeExecutionResult.output ?? '');
        this.wait(`asking ${this.modelLabel}`);
      } else if (part.inlineData) {
        console.log(this.paint('dim', `[${part.inlineData.mimeType} image]`));
      } else if (part.text !== undefined && meta.stopReason) {
        console.log(this.paint('bold', `\n══ answer (${meta.stopReason}) · ${this.elapsed()}`));
        console.log(part.text);
        this.spinner = undefined;
      } else if (part.text) {
        console.log(this.paint('dim', part.text));
      }
    }
  }

  stop(): void {
    this.spinner?.stop();
  }
}

/** Machine display: one JSON object per event on stdout. */
export class JsonDisplay implements RunDisplay {
  start(): void {}
  event(event: Event): void {
    console.log(JSON.stringify(event));
  }
  stop(): void {}
}
