/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The ADK events a run yields, shaped so that ADK's own `isFinalResponse` is true for the run's
 * last event only:
 *
 * - live (`partial: true`, never persisted): streamed model text, the code about to run, its
 *   output while it runs, retry notices;
 * - one persisted event per code step: the model's text, the `executableCode` part, figures as
 *   image parts, and the `codeExecutionResult` part *last* (ADK reads a trailing result as "not
 *   final");
 * - the final event: plain text (what `AgentTool` and `adk run` read), the run's usage totals.
 *
 * The usage of the model calls made since the previous persisted event goes on the next one.
 *
 * Every event of a run is built here, so two guarantees hold for all of them:
 *
 * - its text and values are {@link storable} (no NUL, no unpaired surrogate: PostgreSQL's
 *   `jsonb` refuses them and ADK's `DatabaseSessionService` would fail mid-turn);
 * - the agent's own data (step, durations, usage, stop reason, retry notices) goes in
 *   `customMetadata.codingAgent`, except when the run is served to an A2A peer by ADK's
 *   `A2AAgentExecutor` (`toA2a`; it marks such runs `runConfig.remoteDelivered`). ADK's A2A
 *   client (`RemoteA2AAgent`) stores the A2A message it received inside the event's
 *   `customMetadata`, which that very message holds: any `customMetadata` sent over A2A makes
 *   the client's events circular (`Converting circular structure to JSON` in every session
 *   service, SSE stream or log that serializes them). Those runs carry none; the content,
 *   usage and errors still go over the wire. {@link stopReasonOf} works either way.
 */

import {createEvent, type Event, type EventActions, type InvocationContext} from '@google/adk';
import {Language, Outcome, type Content, type Part} from '@google/genai';

import type {ExecutionResult} from '../code_executors/sandbox.js';
import {interactionParts, type PendingInteraction} from '../tools/interactions.js';
import type {SavedArtifacts} from './artifacts.js';
import {storable} from './storable.js';
import type {UsageLedger} from './usage.js';

/**
 * Why a run ended; recorded on the final event's `customMetadata.codingAgent.stopReason` (and
 * kept for {@link stopReasonOf}).
 */
export type StopReason =
  | 'final_answer'
  | 'text_answer'
  | 'max_iterations'
  | 'errors'
  | 'model_error'
  | 'blocked'
  | 'time_limit'
  /** A tool called from code set `skipSummarization`: its result is the answer. */
  | 'tool_result';

/** How a run ends: the final event's text and what goes with it. */
export interface RunEnd {
  text: string;
  stopReason: StopReason;
  /** The value stored under `outputKey` (a final answer's JSON value, or the text). */
  value?: unknown;
  /** Error fields of the final event (model errors, the time limit). */
  errorCode?: string;
  errorMessage?: string;
  /** The id the final event takes (reserved for the model call whose reply it is). */
  eventId?: string;
}

/** What one code step produced, for its persisted event. */
export interface StepRecord {
  step: number;
  /** The id reserved for the step's event when its model call started. */
  eventId: string;
  /** The model's prose (and thought parts) of the step. */
  modelParts: Part[];
  code: string;
  result: ExecutionResult;
  observation: string;
  actions: Partial<EventActions>;
  saved: SavedArtifacts;
}

/** Stop reasons of the final events made here, whether or not their metadata is on them. */
const stopReasons = new WeakMap<Event, StopReason>();

/** Why the run ended, when `event` is a run's final event made by {@link RunEvents}. */
export function stopReasonOf(event: Event): StopReason | undefined {
  return stopReasons.get(event);
}

/** Makes the events of one run (author, invocation, branch, usage bookkeeping). */
export class RunEvents {
  /** False when the run's events go to an A2A peer (see the module comment). */
  private readonly withMetadata: boolean;

  constructor(
    private readonly ctx: InvocationContext,
    private readonly author: string,
    private readonly usage: UsageLedger,
  ) {
    this.withMetadata = !ctx.runConfig?.remoteDelivered;
  }

  /** A new event of this agent (also used for callback contexts' actions). */
  create(actions?: Partial<EventActions>, id?: string): Event {
    return createEvent({
      id,
      invocationId: this.ctx.invocationId,
      author: this.author,
      branch: this.ctx.branch,
      actions,
    });
  }

  /** A fresh event id, reserved for the event a model call's reply will end up in. */
  reserveId(): string {
    return this.create().id;
  }

  /** A live event, shown by streaming clients and never persisted. */
  partial(content: Content | undefined, metadata?: Record<string, unknown>): Event {
    return storable({
      ...this.create(),
      content,
      partial: true,
      customMetadata: this.metadata(metadata),
    });
  }

  /** The code about to run, shown while it runs. */
  code(code: string): Event {
    return this.partial({
      role: 'model',
      parts: [{executableCode: {code, language: Language.PYTHON}}],
    });
  }

  /** Output of the running code so far. */
  output(text: string): Event {
    return this.partial({
      role: 'model',
      parts: [{codeExecutionResult: {outcome: Outcome.OUTCOME_UNSPECIFIED, output: text}}],
    });
  }

  /** The persisted event of one code step (its result part last). */
  step(record: StepRecord): Event {
    const {result} = record;
    const outcome = result.error
      ? result.error.type === 'TimeoutError'
        ? Outcome.OUTCOME_DEADLINE_EXCEEDED
        : Outcome.OUTCOME_FAILED
      : Outcome.OUTCOME_OK;
    const parts: Part[] = [
      ...record.modelParts,
      {executableCode: {code: record.code, language: Language.PYTHON}},
      // A figure saved as an artifact is shown by adk web from the event's artifactDelta; its
      // bytes stay out of the event, which other agents read into their requests. Only a figure
      // that could not be saved goes inline, so the user still sees it.
      ...result.figures
        .filter((_, i) => !record.saved.artifacts.some((a) => a.figureIndex === i))
        .map((f) => ({inlineData: {mimeType: f.mimeType, data: f.data}})),
      {codeExecutionResult: {outcome, output: record.observation}},
    ];
    const {usageMetadata, calls} = this.usage.take();
    return storable({
      ...this.create(record.actions, record.eventId),
      content: {role: 'model', parts},
      usageMetadata,
      customMetadata: this.metadata({
        step: record.step,
        durationMs: result.durationMs,
        stateLost: result.stateLost,
        artifacts: record.saved.artifacts.map(({name, version, mimeType, bytes}) => ({
          name,
          version,
          mimeType,
          bytes,
        })),
        modelCalls: calls,
      }),
    });
  }

  /**
   * The last event of an invocation that waits for the user: the function calls that ask
   * (`adk_request_confirmation`, `adk_request_credential`, a long-running tool's own call), as
   * `LlmAgent` emits them, with their ids in `longRunningToolIds` (so ADK and `adk web` treat it
   * as the final response and show their dialogs). It carries the calls' first-pass state changes
   * and the usage so far.
   */
  interaction(pending: readonly PendingInteraction[], step: number): Event {
    const stateDelta = Object.assign({}, ...pending.map((p) => p.stateDelta ?? {})) as Record<
      string,
      unknown
    >;
    const {usageMetadata, calls} = this.usage.take();
    return storable({
      ...this.create({stateDelta}),
      content: {role: 'model', parts: interactionParts(pending)},
      longRunningToolIds: pending.map((p) => p.requestId),
      usageMetadata,
      customMetadata: this.metadata({
        step,
        waitingFor: pending.map((p) => ({kind: p.kind, tool: p.toolName})),
        modelCalls: calls,
      }),
    });
  }

  /** The run's last event: the answer (or why it stopped) as plain text, and the usage. */
  final(end: RunEnd, outputKey?: string): Event {
    const stateDelta: Record<string, unknown> = {};
    if (outputKey && end.value !== undefined) stateDelta[outputKey] = end.value;
    const {usageMetadata, calls} = this.usage.take();
    const event = storable({
      ...this.create({stateDelta}, end.eventId),
      content: {role: 'model', parts: [{text: end.text}]},
      errorCode: end.errorCode,
      errorMessage: end.errorMessage,
      usageMetadata,
      customMetadata: this.metadata({
        stopReason: end.stopReason,
        modelCalls: calls,
        usage: this.usage.summary(),
      }),
    });
    stopReasons.set(event, end.stopReason);
    return event;
  }

  /** The event's `customMetadata`: the agent's data, unless the run is served over A2A. */
  private metadata(data: Record<string, unknown> | undefined): Event['customMetadata'] {
    return data && this.withMetadata ? {codingAgent: data} : undefined;
  }
}
