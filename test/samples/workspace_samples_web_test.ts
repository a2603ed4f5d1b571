/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The browser check of the workspace samples: `code_reviewer` (a repository mounted read-only)
 * and `research_assistant` (a folder of PDFs), in the real `adk web` driven by their scripted
 * models, in headless Chromium. It asserts what a user sees: the code, its output from the
 * mounted folder, and the answer with file and line (or file and page).
 */

import type {Page} from 'playwright-core';
import {describe, expect, it} from 'vitest';

import {useAdkWebBrowser} from '../helpers/adk_web.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bubblewrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe.skipIf(bubblewrap.skipReason !== undefined)('workspace samples in adk web', () => {
  const ui = useAdkWebBrowser({
    CODE_REVIEWER_SCRIPTED: '1',
    RESEARCH_ASSISTANT_SCRIPTED: '1',
    DATA_ANALYST_SCRIPTED: '1',
  });

  /** Opens `app`, asks `question`, and waits for `answer` to appear. */
  async function ask(app: string, question: string, answer: string): Promise<Page> {
    const page = await ui.open(app, question);
    await page.getByText(answer).first().waitFor({timeout: 60_000});
    return page;
  }

  const visible = async (page: Page, text: string) =>
    page.getByText(text, {exact: false}).first().isVisible();

  it('code_reviewer: checks and tests the read-only repository, findings with file and line', async (context) => {
    if (ui.unavailable) context.skip(ui.unavailable);
    const page = await ask(
      'code_reviewer',
      'Review this repository.',
      '(scripted model) Review of the repository: 4 findings.',
    );
    // The code, and its output read from the mounted repository.
    expect(await visible(page, 'os.chdir("/work/workspace")')).toBe(true);
    expect(await visible(page, '4 Python files: inventory/__init__.py')).toBe(true);
    expect(await visible(page, 'The workspace is read-only, as expected: PermissionError')).toBe(
      true,
    );
    // The findings, with file and line.
    expect(await visible(page, "inventory/stock.py:4: 'os' is imported but never used")).toBe(true);
    expect(await visible(page, "inventory/stock.py:33: undefined name 'treshold'")).toBe(true);
    expect(
      await visible(
        page,
        'tests/test_stock.py:16: FAIL: test_remove_more_than_in_stock -> AssertionError: ValueError not raised',
      ),
    ).toBe(true);
  }, 120_000);

  it('research_assistant: extracts the PDFs in the sandbox and quotes the answer with file and page', async (context) => {
    if (ui.unavailable) context.skip(ui.unavailable);
    const page = await ask(
      'research_assistant',
      'How much did mite treatment reduce winter losses of bee colonies?',
      '(scripted model) Colonies treated against Varroa mites in late summer lost 11.2 percent',
    );
    expect(await visible(page, 'from pypdf import PdfReader')).toBe(true);
    expect(await visible(page, '6 pages in 3 papers')).toBe(true);
    expect(await visible(page, '[bee_colonies_2023.pdf, page 2]')).toBe(true);
  }, 120_000);
});
