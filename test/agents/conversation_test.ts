/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {createEvent, type Event} from '@google/adk';
import {describe, expect, it} from 'vitest';

import {buildConversation} from '../../src/agents/conversation.js';

/** One turn: a question, a code step with a long observation, and an answer. */
function turn(n: number): Event[] {
  const invocationId = `inv-${n}`;
  return [
    createEvent({
      invocationId,
      author: 'user',
      content: {role: 'user', parts: [{text: `Question ${n}`}]},
    }),
    createEvent({
      invocationId,
      author: 'agent',
      content: {role: 'model', parts: [{executableCode: {code: `x${n} = ${n}\nprint(x${n})`}}]},
    }),
    createEvent({
      invocationId,
      author: 'agent',
      content: {
        role: 'model',
        parts: [{codeExecutionResult: {outcome: 'OUTCOME_OK' as never, output: 'o'.repeat(3000)}}],
      },
    }),
    createEvent({
      invocationId,
      author: 'agent',
      content: {role: 'model', parts: [{text: `Answer ${n}`}]},
    }),
  ];
}

function text(contents: ReturnType<typeof buildConversation>): string {
  return contents.flatMap((c) => (c.parts ?? []).map((p) => p.text ?? '')).join('\n');
}

describe('buildConversation', () => {
  const events = [1, 2, 3, 4, 5].flatMap(turn);
  const base = {agentName: 'agent', maxPastObservationChars: 1500};

  it('keeps recent turns in full and compacts older ones to question and answer', () => {
    const contents = buildConversation(events, {...base, recentTurns: 2});
    const all = text(contents);
    expect(all).toContain('Question 1\n');
    expect(all).toContain('[1 code step; code and output omitted]\nAnswer 1');
    expect(all).not.toContain('x1 = 1');
    expect(all).toContain('x4 = 4');
    expect(all).toContain('x5 = 5');
    expect(contents[0].role).toBe('user');
  });

  it('drops the oldest turns beyond the budget, with a note, and never the current one', () => {
    const contents = buildConversation(events, {
      ...base,
      recentTurns: 10,
      maxHistoryChars: 4000,
      currentInvocationId: 'inv-5',
    });
    const all = text(contents);
    // Each earlier turn costs ~1 560 characters (observation cut to 1 500): two fit in 4 000.
    expect(all).toMatch(/^\[2 earlier turns of this conversation omitted to save space\]/);
    expect(all).not.toContain('Question 2');
    expect(all).toContain('Question 3');
    expect(all).toContain('Question 4');
    expect(all).toContain('x5 = 5');
  });

  it('describes attachments by their place in the sandbox', () => {
    const user = createEvent({
      invocationId: 'inv-9',
      author: 'user',
      content: {
        role: 'user',
        parts: [{text: 'Look'}, {inlineData: {mimeType: 'text/csv', data: 'YSxi'}}],
      },
    });
    const contents = buildConversation([user], {
      ...base,
      attachmentNotes: new Map([
        [`${user.id}:1`, '[attached file /work/input/a.csv (3 B, text/csv)]'],
      ]),
    });
    expect(text(contents)).toBe('Look\n[attached file /work/input/a.csv (3 B, text/csv)]');
  });
});
