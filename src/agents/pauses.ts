/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Runs that wait for a person. {@link RunInteractions} holds a run's tool calls that wait for the
 * user (a confirmation, a credential, a long-running tool's result), gives them the user's
 * answers or refuses them; the paused-run registry keeps a run between the invocation that asked
 * and the one that answers, keyed by app, user, session and agent.
 */

import type {Content} from '@google/genai';

import {
  answersFrom,
  type InteractionAnswer,
  type PendingInteraction,
} from '../tools/interactions.js';
import {callKey, type InteractionGate} from '../tools/tool_bridge.js';
import {MAX_TIMER_MS, seconds} from '../utils/time.js';
import {interactionTexts} from './messages.js';

/** Default of `CodingAgentConfig.interactionTimeoutMs`: 30 minutes. */
export const DEFAULT_INTERACTION_TIMEOUT_MS = 30 * 60_000;

interface Waiting {
  pending: PendingInteraction;
  resolve(answer: InteractionAnswer | {refused: string}): void;
  timer?: NodeJS.Timeout;
}

/**
 * The interactions of one run: the bridge's {@link InteractionGate}. A call that asks waits
 * until {@link answerFrom} brings its answer, {@link declineAll} refuses it, or
 * `timeoutMs` passes (then the snippet gets a `ToolError` saying no answer came).
 */
export class RunInteractions implements InteractionGate {
  private waiting: Waiting[] = [];
  private earlier: Array<{pending: PendingInteraction; answer: InteractionAnswer}> = [];
  private onAsk?: () => void;
  /** Called when a wait ended because nobody answered in time. */
  onExpired?: () => void;

  /** @param timeoutMs Longest wait for one answer (`interactionTimeoutMs`). */
  constructor(private readonly timeoutMs: number = DEFAULT_INTERACTION_TIMEOUT_MS) {}

  /** Calls `listener` each time a call starts waiting (the running step pauses on it). */
  listen(listener: () => void): void {
    this.onAsk = listener;
  }

  /** {@inheritDoc InteractionGate.ask} */
  ask(pending: PendingInteraction): Promise<InteractionAnswer | {refused: string}> {
    return new Promise((resolve) => {
      const entry: Waiting = {pending, resolve};
      if (this.timeoutMs <= MAX_TIMER_MS) {
        entry.timer = setTimeout(() => {
          this.settle(entry, {
            refused: interactionTexts.noAnswer(pending, seconds(this.timeoutMs)),
          });
          this.onExpired?.();
        }, this.timeoutMs);
        entry.timer.unref();
      }
      this.waiting.push(entry);
      this.onAsk?.();
    });
  }

  /** {@inheritDoc InteractionGate.answered} */
  answered(
    name: string,
    args: Record<string, unknown>,
  ): {pending: PendingInteraction; answer: InteractionAnswer} | undefined {
    const key = callKey(name, args);
    const index = this.earlier.findIndex(
      (e) => callKey(e.pending.toolName, e.pending.args) === key,
    );
    return index < 0 ? undefined : this.earlier.splice(index, 1)[0];
  }

  /** True while some call waits for the user. */
  get isWaiting(): boolean {
    return this.waiting.length > 0;
  }

  /** The calls waiting now, oldest first. */
  pending(): PendingInteraction[] {
    return this.waiting.map((w) => w.pending);
  }

  /**
   * Gives the waiting calls the answers `userContent` brings (its `functionResponse` parts).
   * Returns how many calls it answered; the others go on waiting.
   */
  answerFrom(userContent: Content | undefined): number {
    const answers = answersFrom(userContent, this.pending());
    for (const entry of [...this.waiting]) {
      const answer = answers.get(entry.pending.requestId);
      if (answer) this.settle(entry, answer);
    }
    return answers.size;
  }

  /** Refuses every waiting call: each snippet call raises a `ToolError` with `reason`. */
  declineAll(reason: string): void {
    for (const entry of [...this.waiting]) {
      this.settle(entry, {refused: interactionTexts.declined(entry.pending, reason)});
    }
  }

  /**
   * For code run again after its interpreter was lost: calls with these tools and arguments
   * get these answers at once (each once) instead of asking again.
   */
  answerReplayed(pending: readonly PendingInteraction[], answers: Map<string, InteractionAnswer>) {
    for (const p of pending) {
      const answer = answers.get(p.requestId);
      if (answer) this.earlier.push({pending: p, answer});
    }
  }

  /** Ends every wait without answering (the run is gone); their calls never resolve. */
  drop(): void {
    for (const entry of this.waiting) clearTimeout(entry.timer);
    this.waiting = [];
  }

  private settle(entry: Waiting, answer: InteractionAnswer | {refused: string}): void {
    const index = this.waiting.indexOf(entry);
    if (index < 0) return;
    this.waiting.splice(index, 1);
    clearTimeout(entry.timer);
    entry.resolve(answer);
  }
}

/** A run kept between the invocation that asked the user and the one that answers. */
export interface PausedRun {
  /** Frees what the run holds (sandbox lease, toolsets, MCP sessions). Idempotent. */
  release(): Promise<void>;
}

const paused = new Map<string, PausedRun>();

/** The key of a paused run: app, user, session and agent. */
export function pausedRunKey(
  appName: string,
  userId: string,
  sessionId: string,
  agentName: string,
): string {
  return [appName, userId, sessionId, agentName].join('/');
}

/** Keeps `run` under `key` until {@link takePaused} (a run already there is released). */
export function keepPaused(key: string, run: PausedRun): void {
  const previous = paused.get(key);
  paused.set(key, run);
  if (previous && previous !== run) void previous.release();
}

/** Takes the run paused under `key`, if any (it is no longer kept). */
export function takePaused<T extends PausedRun>(key: string): T | undefined {
  const run = paused.get(key) as T | undefined;
  paused.delete(key);
  return run;
}

/** Forgets `run` if it is still the one kept under `key`; true when it was. */
export function dropPaused(key: string, run: PausedRun): boolean {
  if (paused.get(key) !== run) return false;
  paused.delete(key);
  return true;
}
