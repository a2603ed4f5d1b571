/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {describe, expect, it} from 'vitest';

import {
  DEFAULT_RESULT_LIMITS,
  encodeHostMessage,
  hasFigureMagic,
  maxMessageBytes,
  parseKernelMessage,
} from '../../src/kernel/protocol.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
const result = {type: 'result', id: 'exec-1', value: '42', error: null};

describe('parseKernelMessage', () => {
  it('accepts every kernel message', () => {
    const ready = parseKernelMessage(
      JSON.stringify({
        type: 'ready',
        python: '3.11.2',
        packages: {numpy: '1.24.2', PIL: null},
        outputDir: '/work/output',
      }),
    );
    expect(ready).toEqual({
      ok: true,
      message: {
        type: 'ready',
        python: '3.11.2',
        packages: {numpy: '1.24.2', PIL: null},
        outputDir: '/work/output',
      },
    });
    const call = parseKernelMessage(
      JSON.stringify({
        type: 'tool_call',
        id: 'exec-1',
        callId: 'call-1',
        name: 'fetch',
        args: {url: 'x'},
      }),
    );
    expect(call.ok && call.message.type === 'tool_call' && call.message.args).toEqual({url: 'x'});
    const messages = [
      {type: 'output', id: 'exec-1', stream: 'stderr', text: 'warning\n'},
      {type: 'figure', id: 'exec-1', mimeType: 'image/png', data: PNG},
      {type: 'file', id: 'exec-1', name: 'sub/report.csv', mimeType: 'text/csv', data: 'YSxiCg=='},
      {
        ...result,
        finalAnswer: {value: [1, 'two']},
        stoppedProcesses: {count: 3, processes: [{pid: 7, command: 'sleep 300'}]},
      },
    ];
    for (const message of messages) {
      expect(parseKernelMessage(JSON.stringify(message)), message.type).toEqual({
        ok: true,
        message,
      });
    }
  });

  it('drops __proto__, constructor and prototype keys', () => {
    const line =
      '{"type":"result","id":"e","value":null,"error":null,' +
      '"finalAnswer":{"value":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"ok":1}}}';
    const parsed = parseKernelMessage(line);
    expect(parsed.ok).toBe(true);
    if (parsed.ok && parsed.message.type === 'result') {
      const value = parsed.message.finalAnswer?.value as Record<string, unknown>;
      expect(Object.keys(value)).toEqual(['ok']);
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects malformed, unknown and over-long messages with a reason, never throwing', () => {
    const file = {type: 'file', id: 'e', mimeType: 'text/plain', data: ''};
    const bad = [
      '',
      'not json',
      '{"type":"result"',
      'null',
      '[]',
      '42',
      '{"type":"output","id":"e","text":"x"}',
      '{"type":"tool_call","id":"e","callId":"","name":"t","args":{}}',
      '{"type":"tool_call","id":"e","callId":"c","name":"t","args":{}}',
      '{"type":"tool_call","id":"e","callId":"call-1","name":"t","args":[]}',
      `{"type":"tool_call","id":"e","callId":"call-${'1'.repeat(1000)}","name":"t","args":{}}`,
      `{"type":"tool_call","id":"${'e'.repeat(1000)}","callId":"call-1","name":"t","args":{}}`,
      JSON.stringify({...result, stdout: 'an unknown key'}),
      JSON.stringify({...result, value: 5}),
      JSON.stringify({...result, stateLost: false}),
      JSON.stringify({...file, name: '../escape'}),
      JSON.stringify({...file, name: '/etc/passwd'}),
      JSON.stringify({...file, name: 'bell\u0007.txt'}),
      JSON.stringify({...file, name: 'c1\u009b.txt'}),
      JSON.stringify({type: 'figure', id: 'e', mimeType: 'text/html', data: PNG}),
      JSON.stringify({type: 'figure', id: 'e', mimeType: 'image/svg+xml', data: PNG}),
      JSON.stringify({type: 'figure', id: 'e', mimeType: 'image/png', data: 'not base64!'}),
      JSON.stringify({type: 'output', id: 'e', stream: 'stdout', text: 'x'.repeat(65 * 1024)}),
      JSON.stringify({
        ...result,
        stoppedProcesses: {
          count: 30,
          processes: Array.from({length: 21}, (_, i) => ({pid: i + 1, command: 'x'})),
        },
      }),
      '\u0000\u0001garbage',
    ];
    for (const line of bad) {
      const parsed = parseKernelMessage(line);
      expect(parsed.ok, line.slice(0, 200)).toBe(false);
      if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
    }
  });

  it('checks figures against the magic bytes of their type', () => {
    expect(hasFigureMagic('image/png', PNG)).toBe(true);
    expect(hasFigureMagic('image/jpeg', PNG)).toBe(false);
    const html = Buffer.from('<html><script>alert(1)</script>').toString('base64');
    for (const type of ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const) {
      expect(hasFigureMagic(type, html), type).toBe(false);
    }
    const webp = Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1').toString('base64');
    expect(hasFigureMagic('image/webp', webp)).toBe(true);
    expect(hasFigureMagic('image/gif', Buffer.from('GIF89a...').toString('base64'))).toBe(true);
  });

  it('derives the largest message from the result caps', () => {
    // A 10 MiB file in base64, or a result whose value and error are at a 1 MiB cap, plus 1 MiB.
    expect(maxMessageBytes(DEFAULT_RESULT_LIMITS)).toBe(
      4 * Math.ceil((10 * 2 ** 20) / 3) + 2 ** 20,
    );
    expect(maxMessageBytes({...DEFAULT_RESULT_LIMITS, maxFileBytes: 1024})).toBe(9 * 2 ** 20);
  });

  it('encodes host messages as one line', () => {
    const line = encodeHostMessage({
      type: 'execute',
      id: 'e',
      code: 'print(1)\nprint(2)',
      timeoutMs: 1000,
    });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      type: 'execute',
      id: 'e',
      code: 'print(1)\nprint(2)',
      timeoutMs: 1000,
    });
  });
});
