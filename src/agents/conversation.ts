/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import type {Event} from '@google/adk';
import type {Content, Part} from '@google/genai';

import {OBSERVATION_PREFIX, historyNotes} from './messages.js';
import {truncateMiddle} from './observation.js';

/** Renders a step's prose and code the way the model wrote it, for the request history. */
export function renderModelStep(text: string, code: string | undefined): string {
  const fenced = code === undefined ? '' : `\`\`\`python\n${code}\n\`\`\``;
  return [text.trim(), fenced].filter(Boolean).join('\n\n');
}

/** Appends a message, merging it into the previous one when both have the same role. */
export function pushMessage(contents: Content[], role: 'user' | 'model', text: string): void {
  const last = contents[contents.length - 1];
  if (last?.role === role) {
    last.parts = [...(last.parts ?? []), {text}];
  } else {
    contents.push({role, parts: [{text}]});
  }
}

/** Options of {@link buildConversation}. */
export interface ConversationOptions {
  /** This agent's name: its own events become model turns; other agents' are left out. */
  agentName: string;
  /** Observations of earlier turns are cut to this many characters (older steps matter less). */
  maxPastObservationChars: number;
  /**
   * Earlier turns kept in full (code and shortened observations); older ones are compacted to
   * the user's message and the answer. Default: all.
   */
  recentTurns?: number;
  /**
   * Budget in characters for the earlier turns together; the oldest are dropped (with a note)
   * until the rest fits. Default: no limit.
   */
  maxHistoryChars?: number;
  /** The invocation being run: its events are never compacted or dropped. */
  currentInvocationId?: string;
  /** Attachment id (`<event id>:<part index>`) → the line that stands for it in the history. */
  attachmentNotes?: ReadonlyMap<string, string>;
}

/** Characters kept of a user message and of an answer in a compacted turn. */
const COMPACT_TEXT_CHARS = 600;

/** Approximate size of messages in characters (what the budget counts). */
function contentChars(contents: readonly Content[]): number {
  return contents.reduce(
    (sum, c) => sum + (c.parts ?? []).reduce((n, p) => n + (p.text?.length ?? 0), 0),
    0,
  );
}

/**
 * Turns a session's events into the model's message history: user messages, this agent's code
 * steps (prose + fenced code), their observations (as user messages) and final answers. Turns
 * older than `recentTurns` are compacted to the question and the answer, and the oldest turns
 * are dropped when the history exceeds `maxHistoryChars`, so a long conversation's requests stay
 * within a fixed budget (the variables that survive are listed separately by the agent).
 */
export function buildConversation(
  events: readonly Event[],
  options: ConversationOptions,
): Content[] {
  // Group by invocation: one user turn and everything the agent did for it.
  const turns: Event[][] = [];
  const byInvocation = new Map<string, Event[]>();
  for (const event of events) {
    if (event.partial || !event.content?.parts?.length) continue;
    let turn = byInvocation.get(event.invocationId);
    if (!turn) {
      turn = [];
      byInvocation.set(event.invocationId, turn);
      turns.push(turn);
    }
    turn.push(event);
  }
  const current =
    options.currentInvocationId !== undefined &&
    turns[turns.length - 1]?.[0]?.invocationId === options.currentInvocationId
      ? turns.pop()
      : undefined;
  const recent = options.recentTurns ?? Infinity;
  const rendered = turns.map((turn, index) =>
    turns.length - index <= recent ? renderTurn(turn, options) : compactTurn(turn, options),
  );
  const budget = options.maxHistoryChars ?? Infinity;
  let dropped = 0;
  let total = rendered.reduce((sum, r) => sum + contentChars(r), 0);
  while (rendered.length > 0 && total > budget) {
    total -= contentChars(rendered.shift()!);
    dropped++;
  }
  const contents: Content[] = [];
  if (dropped > 0) {
    pushMessage(contents, 'user', historyNotes.turnsOmitted(dropped));
  }
  for (const messages of rendered) appendAll(contents, messages);
  if (current) appendAll(contents, renderTurn(current, options));
  return contents;
}

function appendAll(contents: Content[], messages: readonly Content[]): void {
  for (const message of messages) {
    for (const part of message.parts ?? []) {
      pushMessage(contents, message.role as 'user' | 'model', part.text ?? '');
    }
  }
}

/** One turn in full: user messages, code steps, observations (shortened), answers. */
function renderTurn(turn: readonly Event[], options: ConversationOptions): Content[] {
  const contents: Content[] = [];
  for (const event of turn) {
    const parts = event.content!.parts!;
    if (event.author === 'user') {
      const text = userText(event, parts, options.attachmentNotes);
      if (text) pushMessage(contents, 'user', text);
      continue;
    }
    if (event.author !== options.agentName) {
      const said = otherAgentContext(event.author, parts, options.maxPastObservationChars);
      if (said) pushMessage(contents, 'user', said);
      continue;
    }
    const prose = parts
      .filter((p) => p.text !== undefined && !p.thought && !p.codeExecutionResult)
      .map((p) => p.text)
      .join('\n');
    const code = parts.find((p) => p.executableCode)?.executableCode?.code;
    if (prose.trim() || code !== undefined) {
      pushMessage(contents, 'model', renderModelStep(prose, code));
    }
    for (const part of parts) {
      if (part.codeExecutionResult) {
        const output = truncateMiddle(
          part.codeExecutionResult.output ?? '',
          options.maxPastObservationChars,
        );
        pushMessage(contents, 'user', OBSERVATION_PREFIX + output);
      }
    }
  }
  return contents;
}

/** One older turn reduced to the question and the answer (code and outputs left out). */
function compactTurn(turn: readonly Event[], options: ConversationOptions): Content[] {
  const contents: Content[] = [];
  const question = turn
    .filter((e) => e.author === 'user')
    .map((e) => userText(e, e.content!.parts!, options.attachmentNotes))
    .filter(Boolean)
    .join('\n');
  if (question) pushMessage(contents, 'user', truncateMiddle(question, COMPACT_TEXT_CHARS));
  for (const event of turn) {
    if (event.author === 'user' || event.author === options.agentName) continue;
    const textOnly = event.content!.parts!.filter((p) => p.text !== undefined);
    const said = otherAgentContext(event.author, textOnly, COMPACT_TEXT_CHARS);
    if (said) pushMessage(contents, 'user', said);
  }
  const own = turn.filter((e) => e.author === options.agentName);
  const steps = own.filter((e) => e.content!.parts!.some((p) => p.executableCode)).length;
  const last = own[own.length - 1];
  const answer = (last?.content?.parts ?? [])
    .filter((p) => p.text !== undefined && !p.thought && !p.executableCode)
    .map((p) => p.text)
    .join('\n')
    .trim();
  if (steps > 0 || answer) {
    const summary = steps > 0 ? historyNotes.stepsOmitted(steps) : '';
    pushMessage(
      contents,
      'model',
      [summary, answer ? truncateMiddle(answer, COMPACT_TEXT_CHARS) : '']
        .filter(Boolean)
        .join('\n'),
    );
  }
  return contents;
}

/**
 * Another agent's event as context for this one (its text, tool calls and results, code and
 * output), as ADK's LlmAgent shows other agents' turns; each part cut to `maxChars`.
 */
function otherAgentContext(
  author: string | undefined,
  parts: readonly Part[],
  maxChars: number,
): string {
  const who = author ?? 'another agent';
  const lines = parts.flatMap((part) => {
    if (part.thought) return [];
    if (part.text?.trim())
      return [historyNotes.otherSaid(who, truncateMiddle(part.text, maxChars))];
    if (part.functionCall) {
      const args = truncateMiddle(JSON.stringify(part.functionCall.args ?? {}), maxChars);
      return [historyNotes.otherCalled(who, part.functionCall.name ?? '', args)];
    }
    if (part.functionResponse) {
      const result = truncateMiddle(JSON.stringify(part.functionResponse.response ?? {}), maxChars);
      return [historyNotes.otherToolReturned(who, part.functionResponse.name ?? '', result)];
    }
    if (part.executableCode?.code) {
      return [historyNotes.otherRanCode(who, truncateMiddle(part.executableCode.code, maxChars))];
    }
    if (part.codeExecutionResult?.output) {
      return [
        historyNotes.otherCodeOutput(
          who,
          truncateMiddle(part.codeExecutionResult.output, maxChars),
        ),
      ];
    }
    return [];
  });
  return lines.length ? historyNotes.forContext(lines) : '';
}

/** The text a user sent, with a line for each attachment (where it is in the sandbox). */
function userText(
  event: Event,
  parts: Part[],
  attachmentNotes: ReadonlyMap<string, string> | undefined,
): string {
  return parts
    .map((p, index) => {
      if (p.text !== undefined) return p.text;
      if (p.inlineData) {
        return (
          attachmentNotes?.get(`${event.id}:${index}`) ??
          `[attached ${p.inlineData.mimeType ?? 'file'}]`
        );
      }
      if (p.fileData) return `[attached file ${p.fileData.fileUri ?? ''}]`;
      return '';
    })
    .filter(Boolean)
    .join('\n');
}

/** True when the events hold a code execution by `agentName` from an earlier invocation. */
export function hasEarlierExecutions(
  events: readonly Event[],
  agentName: string,
  invocationId: string,
): boolean {
  return events.some(
    (e) =>
      e.author === agentName &&
      e.invocationId !== invocationId &&
      e.content?.parts?.some((p) => p.codeExecutionResult),
  );
}
