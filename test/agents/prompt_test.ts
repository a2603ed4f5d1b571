/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {FunctionTool} from '@google/adk';
import {encode} from 'gpt-tokenizer/encoding/o200k_base';
import {describe, expect, it} from 'vitest';
import {z} from 'zod';

import {DATA_SCIENCE_IMPORTS, DEFAULT_SAFE_IMPORTS} from '../../src/security/import_policy.js';
import {fetchCsvTool} from '../../src/tools/fetch_csv_tool.js';
import {ToolCodeGenerator} from '../../src/tools/tool_code_generator.js';

import {CODING_RULES, buildSystemPrompt, majorVersion} from '../../src/agents/prompt.js';
import {formatObservation, truncateMiddle} from '../../src/agents/observation.js';

describe('buildSystemPrompt', () => {
  const prompt = buildSystemPrompt({
    instruction: 'You are a data analyst.',
    toolsPromptText: 'def fetch_csv(url: str) -> str:\n    """Download a CSV."""',
    authorizedImports: ['math', 'pandas'],
  });

  it.each(CODING_RULES.map((rule) => [rule]))('keeps the rule: %s', (rule) => {
    expect(prompt).toContain(rule);
  });

  it('names the tools, the imports and the instruction', () => {
    expect(prompt.startsWith('You are a data analyst.')).toBe(true);
    expect(prompt).toContain('def fetch_csv(url: str) -> str:');
    expect(prompt).toContain('You may import only: math, pandas.');
  });

  it("says any import is allowed for '*' and that there are no tools when there are none", () => {
    const open = buildSystemPrompt({
      instruction: '',
      toolsPromptText: '',
      authorizedImports: ['*'],
    });
    expect(open).toContain('You may import any installed module.');
    expect(open).toContain('No tools are available');
  });

  it('names the installed packages the policy allows, with major versions', () => {
    const packages = {pandas: '1.5.3', seaborn: '0.12.2', statsmodels: '0.13.5+dfsg', PIL: null};
    const data = buildSystemPrompt({
      instruction: '',
      toolsPromptText: '',
      authorizedImports: DATA_SCIENCE_IMPORTS,
      packages,
    });
    expect(data).toContain('pandas 1, ');
    expect(data).toContain('seaborn 0.12, ');
    expect(data).toContain('statsmodels 0.13, ');
    // Allowed but not reported: named without a version; installed but not allowed: not named.
    expect(data).toContain(', sklearn, ');
    expect(data).not.toContain('PIL');
    const open = buildSystemPrompt({
      instruction: '',
      toolsPromptText: '',
      authorizedImports: ['*'],
      packages,
    });
    expect(open).toContain(
      'You may import any installed module. Installed packages include: PIL, pandas 1, seaborn 0.12, statsmodels 0.13.',
    );
    expect(majorVersion('20221105')).toBe('20221105');
    expect(majorVersion(null)).toBeUndefined();
  });
});

describe('observations', () => {
  const base = {stdout: '', stderr: '', figures: [], files: [], stateLost: false, durationMs: 1};

  it('keeps head and tail of long text', () => {
    const text = 'A'.repeat(5000) + 'TAIL';
    const cut = truncateMiddle(text, 1000);
    expect(cut.length).toBeLessThanOrEqual(1000);
    expect(cut.startsWith('AAA')).toBe(true);
    expect(cut.endsWith('TAIL')).toBe(true);
    expect(cut).toMatch(/\[\.\.\. \d+ characters truncated \.\.\.\]/);
  });

  it('shows output, value, error and traceback, and never image bytes', () => {
    const text = formatObservation(
      {
        ...base,
        stdout: 'hello\n',
        value: '42',
        figures: [{mimeType: 'image/png', data: 'iVBORw0KGgoAAAA'}],
        error: {type: 'KeyError', message: "'x'", traceback: '  line 2, in <module>\n    d["x"]'},
      },
      {maxChars: 4000},
    );
    expect(text).toContain('Output:\nhello');
    expect(text).toContain('Value: 42');
    expect(text).toContain("Error: KeyError: 'x'\n  line 2, in <module>");
    expect(text).toContain('Figures produced: 1');
    expect(text).not.toContain('iVBOR');
  });

  it('says when nothing was printed and when the kernel was lost', () => {
    expect(formatObservation(base, {maxChars: 500})).toBe('(no output)');
    expect(
      formatObservation(
        {
          ...base,
          stateLost: true,
          error: {type: 'KernelDied', message: 'killed by SIGKILL', traceback: ''},
        },
        {maxChars: 500},
      ),
    ).toContain('every variable and import from earlier steps is gone');
  });
});

describe('prompt size', () => {
  it('stays at or under 900 o200k tokens for the three-tool data-analysis case', () => {
    const tools = [
      fetchCsvTool,
      new FunctionTool({
        name: 'list_datasets',
        description: 'List the data sets.',
        execute: () => [],
      }),
      new FunctionTool({
        name: 'save_report',
        description: 'Save a Markdown report as an artifact.',
        parameters: z.object({title: z.string(), markdown: z.string()}),
        execute: () => 'ok',
      }),
    ];
    const prompt = buildSystemPrompt({
      instruction: 'You are a data analyst.',
      toolsPromptText: new ToolCodeGenerator(tools).promptText,
      authorizedImports: [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy', 'matplotlib'],
    });
    expect(encode(prompt).length).toBeLessThanOrEqual(900);
  });
});
