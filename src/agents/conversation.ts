/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import type {Event} from '@google/adk';
import type {Content, Part} from '@google/genai';

import {truncateMiddle} from './observation.js';

/** Prefix of the user message that carries an execution's observation to the model. */
export const OBSERVATION_PREFIX = 'Observation:\n';

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
}

/**
 * Turns a session's events into the model's message history: user messages, this agent's code
 * steps (prose + fenced code), their observations (as user messages) and final answers.
 */
export function buildConversation(
  events: readonly Event[],
  options: ConversationOptions,
): Content[] {
  const contents: Content[] = [];
  for (const event of events) {
    if (event.partial || !event.content?.parts?.length) continue;
    const parts = event.content.parts;
    if (event.author === 'user') {
      const text = userText(parts);
      if (text) pushMessage(contents, 'user', text);
      continue;
    }
    if (event.author !== options.agentName) continue;
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

/** The text a user sent, with a note for attachments the model cannot read directly. */
function userText(parts: Part[]): string {
  return parts
    .map((p) => {
      if (p.text !== undefined) return p.text;
      if (p.inlineData) return `[attached ${p.inlineData.mimeType ?? 'file'}]`;
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
