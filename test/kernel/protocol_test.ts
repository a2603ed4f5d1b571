/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {describe, expect, it} from 'vitest';

import {encodeHostMessage, parseKernelMessage} from '../../src/kernel/protocol.js';

const result = {
  type: 'result',
  id: 'exec-1',
  stdout: 'out',
  stderr: '',
  value: '42',
  error: null,
  figures: [{mimeType: 'image/png', data: 'iVBORw0KGgo='}],
  files: [{name: 'sub/report.csv', mimeType: 'text/csv', data: 'YSxiCg=='}],
};

describe('parseKernelMessage', () => {
  it('accepts the three kernel messages', () => {
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
    const parsed = parseKernelMessage(
      JSON.stringify({...result, finalAnswer: {value: [1, 'two']}}),
    );
    expect(parsed.ok).toBe(true);
    if (parsed.ok && parsed.message.type === 'result') {
      expect(parsed.message.finalAnswer).toEqual({value: [1, 'two']});
      expect(parsed.message.files[0].name).toBe('sub/report.csv');
    }
  });

  it('rejects lines over the byte cap before parsing them', () => {
    const line = JSON.stringify({...result, stdout: 'é'.repeat(600)});
    expect(parseKernelMessage(line, {maxBytes: 1000})).toEqual({
      ok: false,
      error: 'message larger than 1000 bytes',
    });
    expect(parseKernelMessage(line, {maxBytes: 10_000}).ok).toBe(true);
  });

  it('drops __proto__, constructor and prototype keys', () => {
    const line =
      '{"type":"result","id":"e","stdout":"","stderr":"","error":null,"figures":[],"files":[],' +
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

  it('rejects malformed and unknown messages with a reason, never throwing', () => {
    const bad = [
      '',
      'not json',
      '{"type":"result"',
      'null',
      '[]',
      '42',
      '{"type":"output","id":"e","text":"x"}',
      '{"type":"tool_call","id":"e","callId":"","name":"t","args":{}}',
      '{"type":"tool_call","id":"e","callId":"c","name":"t","args":[]}',
      JSON.stringify({...result, stdout: 5}),
      JSON.stringify({...result, files: [{name: '../escape', mimeType: 'text/plain', data: ''}]}),
      JSON.stringify({...result, files: [{name: '/etc/passwd', mimeType: 'text/plain', data: ''}]}),
      JSON.stringify({...result, figures: [{mimeType: 'image/png', data: 'not base64!'}]}),
      '\u0000\u0001garbage',
    ];
    for (const line of bad) {
      const parsed = parseKernelMessage(line);
      expect(parsed.ok, line).toBe(false);
      if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
    }
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
