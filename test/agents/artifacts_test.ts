/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {
  BaseAgent,
  createEvent,
  createEventActions,
  type Event,
  type InvocationContext,
} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {MAX_ARTIFACT_NAME_CHARS} from '../../src/agents/artifacts.js';
import {
  CodingAgent,
  DEFAULT_SAFE_IMPORTS,
  ScriptedLlm,
  artifactNameForFile,
  isActiveMimeType,
  saveExecutionArtifacts,
  type CodeExecutor,
  type ExecutionResult,
  type SaveArtifactsOptions,
  type SavedArtifacts,
} from '../../src/index.js';
import {requestText, startSession} from '../helpers/agent_harness.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

/** Characters that hide or reorder text, or that a terminal acts on. */
const INVISIBLE_OR_CONTROL = /[\p{Cf}\p{Cc}]/u;

/** The snippet: files a hostile or careless model writes under output/. */
const WRITE_FILES = String.raw`import os
files = {
    'invoice\u202efdp.exe': 'MZ',
    'page.html': '<script>alert(document.cookie)</script>',
    'x.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    'page.xhtml': '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    'feed.xml': '<a:script xmlns:a="http://www.w3.org/1999/xhtml">alert(1)</a:script>',
    'app.js': 'alert(1)',
    'report.csv': 'a,b\n1,2\n',
    'zero\u200bwidth\u2060\ufeff.txt': 'z',
    'a\u2066b\u2069 c.pdf': '%PDF-1.4',
    '/'.join(['d' * 50] * 5) + '/' + 'r' * 40 + '.csv': 'long',
}
for name, text in files.items():
    path = os.path.join('output', name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
`;

for (const backend of sandboxBackends()) {
  describe.skipIf(backend.skipReason !== undefined)(`artifacts on ${backend.title}`, () => {
    let executor: CodeExecutor;
    beforeAll(() => {
      executor = backend.create();
    });
    afterAll(async () => {
      await executor?.dispose();
    });

    it('stores output files under visible names, active types as text/plain, and says so', async () => {
      const model = new ScriptedLlm({
        responses: ['```python\n' + WRITE_FILES + '```', '```python\nfinal_answer("written")\n```'],
      });
      const agent = new CodingAgent({
        name: 'writer',
        model,
        codeExecutor: executor,
        authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'os'],
      });
      const session = await startSession(agent);
      await session.turn('Write the files.');

      const names = await session.runner.artifactService!.listArtifactKeys({
        appName: 'test_app',
        userId: session.userId,
        sessionId: session.sessionId,
      });
      const long = names.find((n) => n.startsWith('d'.repeat(50)));
      expect(names.filter((n) => n !== long).sort()).toEqual([
        'ab c.pdf',
        'app.js',
        'feed.xml',
        'invoicefdp.exe',
        'page.html',
        'page.xhtml',
        'report.csv',
        'x.svg',
        'zerowidth.txt',
      ]);
      for (const name of names) expect(name).not.toMatch(INVISIBLE_OR_CONTROL);
      expect(Array.from(long!).length).toBeLessThanOrEqual(MAX_ARTIFACT_NAME_CHARS);
      expect(long).toMatch(/~[0-9a-f]{8}\.csv$/);

      const stored = async (name: string) => (await session.artifact(name))?.inlineData?.mimeType;
      for (const name of ['page.html', 'x.svg', 'page.xhtml', 'feed.xml', 'app.js']) {
        expect(await stored(name), name).toBe('text/plain');
      }
      expect(await stored('report.csv')).toBe('text/csv');
      expect(await stored('ab c.pdf')).toBe('application/pdf');
      const page = await session.artifact('page.html');
      expect(Buffer.from(page!.inlineData!.data!, 'base64').toString()).toContain('<script>');

      const observation = requestText(model.requests[1]);
      expect(observation).toContain(
        'page.html was saved as text/plain, not text/html: viewers run that type',
      );
      expect(observation).toContain('x.svg was saved as text/plain, not image/svg+xml');
      expect(observation).toContain('invoicefdp.exe');
    });
  });
}

/** An agent that saves one given execution result, as the CodingAgent does after a step. */
class SaveResultAgent extends BaseAgent {
  saved?: SavedArtifacts;

  constructor(
    private readonly result: ExecutionResult,
    private readonly options: SaveArtifactsOptions,
  ) {
    super({name: 'save_result'});
  }

  protected async *runAsyncImpl(ctx: InvocationContext): AsyncGenerator<Event, void, void> {
    const actions = createEventActions();
    this.saved = await saveExecutionArtifacts(ctx, actions, this.result, this.options);
    yield createEvent({invocationId: ctx.invocationId, author: this.name, actions});
  }

  protected async *runLiveImpl(): AsyncGenerator<Event, void, void> {}
}

describe('saveExecutionArtifacts', () => {
  const file = (name: string, mimeType: string) => ({
    name,
    mimeType,
    data: Buffer.from('<b>hi</b>').toString('base64'),
  });

  it('keeps the active types the agent allows, and only those', async () => {
    const result: ExecutionResult = {
      stdout: '',
      stderr: '',
      figures: [{mimeType: 'image/svg+xml', data: Buffer.from('<svg/>').toString('base64')}],
      files: [file('page.html', 'text/html'), file('chart.svg', 'image/svg+xml')],
      stateLost: false,
      durationMs: 1,
    };
    const agent = new SaveResultAgent(result, {
      figurePrefix: 'figure_t',
      maxArtifactBytes: 1024,
      allowedActiveArtifactTypes: ['IMAGE/SVG+XML'],
    });
    const session = await startSession(agent);
    const events = await session.turn('save');
    expect(Object.keys(events.at(-1)!.actions.artifactDelta).sort()).toEqual([
      'chart.svg',
      'figure_t_1.svg',
      'page.html',
    ]);
    const types = Object.fromEntries(agent.saved!.artifacts.map((a) => [a.name, a.mimeType]));
    expect(types).toEqual({
      'figure_t_1.svg': 'image/svg+xml',
      'page.html': 'text/plain',
      'chart.svg': 'image/svg+xml',
    });
    expect(agent.saved!.problems).toEqual([
      'page.html was saved as text/plain, not text/html: viewers run that type, and this agent does not allow it.',
    ]);
    const stored = await session.artifact('chart.svg');
    expect(stored?.inlineData?.mimeType).toBe('image/svg+xml');
  });
});

describe('artifactNameForFile', () => {
  it.each([
    ['invoice\u202efdp.exe', 'invoicefdp.exe'],
    ['\u2067evil\u2069\u200e\u200f\u061c.txt', 'evil.txt'],
    ['zero\u200b\u200c\u200dwidth\u2060\ufeff\u00ad.csv', 'zerowidth.csv'],
    ['tag\u{e0041}\u{e0042}.md', 'tag.md'],
    ['\u3164\u2800.png', '_png'],
    ['bell\x07esc\x1b[2Jc1\x9b.txt', 'bell_esc_[2Jc1_.txt'],
    ['line\u2028break.txt', 'line_break.txt'],
    ['back\\slash.txt', 'back_slash.txt'],
    ['.env', '_env'],
    ['..hidden/..secret', '_hidden/_secret'],
    ['../../etc/passwd', 'etc/passwd'],
    ['a/./b//c', 'a/b/c'],
    ['report.pdf.', 'report.pdf'],
    ['report.pdf . .', 'report.pdf'],
    ['invoice.pdf\u00a0\u3000\u2003\u2003\u2003.exe', 'invoice.pdf .exe'],
    ['user:shared.txt', 'user_shared.txt'],
    ['..', 'output'],
    ['\u202e', 'output'],
    ['results/summary.json', 'results/summary.json'],
    ['données/café.csv', 'données/café.csv'],
  ])('%j → %j', (input, expected) => {
    expect(artifactNameForFile(input)).toBe(expected);
  });

  it('cuts long names, keeping the extension and distinct names distinct', () => {
    const a = artifactNameForFile(`${'x'.repeat(300)}a.parquet`);
    const b = artifactNameForFile(`${'x'.repeat(300)}b.parquet`);
    expect(Array.from(a)).toHaveLength(MAX_ARTIFACT_NAME_CHARS);
    expect(a).toMatch(/^x+~[0-9a-f]{8}\.parquet$/);
    expect(a).not.toBe(b);
    const emoji = artifactNameForFile('😀'.repeat(250) + '.txt');
    expect(Array.from(emoji)).toHaveLength(MAX_ARTIFACT_NAME_CHARS);
    expect(emoji.endsWith('.txt')).toBe(true);
  });
});

describe('isActiveMimeType', () => {
  it.each([
    'text/html',
    'application/xhtml+xml',
    'image/svg+xml',
    'text/xml',
    'application/xml',
    'application/rss+xml',
    'application/xslt+xml',
    'text/javascript',
    'application/javascript',
    'application/x-javascript',
    'text/ecmascript',
    'application/wasm',
    'text/vbscript',
    'application/x-shockwave-flash',
    'application/hta',
    'multipart/related',
    'multipart/x-mixed-replace',
    'message/rfc822',
    'TEXT/HTML',
  ])('%s is active', (type) => {
    expect(isActiveMimeType(type)).toBe(true);
  });

  it.each([
    'text/plain',
    'text/csv',
    'text/markdown',
    'text/css',
    'application/json',
    'application/pdf',
    'image/png',
    'image/jpeg',
    'application/octet-stream',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ])('%s is not active', (type) => {
    expect(isActiveMimeType(type)).toBe(false);
  });
});
