/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The browser check: the sample agent in the real `adk web`, driven by its scripted model, in
 * headless Chromium. It asserts what a user sees — the code, its output, the chart — and saves
 * the screenshot the README shows (docs/adk_web.png).
 */

import {fileURLToPath} from 'node:url';

import {describe, expect, it} from 'vitest';

import {useAdkWebBrowser} from '../helpers/adk_web.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bubblewrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;
const SCREENSHOT = fileURLToPath(new URL('../../docs/adk_web.png', import.meta.url));

describe.skipIf(bubblewrap.skipReason !== undefined)('sample data_analyst in adk web', () => {
  const ui = useAdkWebBrowser({DATA_ANALYST_SCRIPTED: '1'});

  it('shows the code, its output and the chart, and saves the screenshot', async (context) => {
    if (ui.unavailable) context.skip(ui.unavailable);
    const page = await ui.open('data_analyst', 'Which passengers survived the Titanic?');

    // The answer arrives last; then everything before it is on the page.
    await page.getByText('(scripted model) First-class passengers').waitFor({timeout: 45_000});
    expect(await page.getByText('df.groupby("Pclass")', {exact: false}).first().isVisible()).toBe(
      true,
    );
    expect(await page.getByText('891 passengers, 38.38% survived').first().isVisible()).toBe(true);
    const chart = page.locator('img.generated-image').first();
    expect(await chart.isVisible()).toBe(true);
    // The page's image element (no DOM types here: this project compiles for Node).
    const size = await chart.evaluate((element) => {
      const img = element as unknown as {naturalWidth: number; naturalHeight: number; src: string};
      return [img.naturalWidth, img.naturalHeight, img.src.slice(0, 22)];
    });
    expect(size).toEqual([640, 480, 'data:image/png;base64,']);
    expect(
      await page
        .getByText(/Artifact: figure_.*\.png/)
        .first()
        .isVisible(),
    ).toBe(true);

    // The icon font comes from the internet, which this check does not use: hide the
    // icons' fallback text so the screenshot shows the page as users with the font see it.
    await page.addStyleTag({content: 'mat-icon { visibility: hidden !important; }'});
    await page
      .locator('app-event-row')
      .nth(1)
      .evaluate((row) => row.scrollIntoView({block: 'start'}));
    await page.screenshot({path: SCREENSHOT});
  }, 120_000);

  it("streams a long snippet's output while it runs (adk web's streaming on)", async (context) => {
    if (ui.unavailable) context.skip(ui.unavailable);
    const page = await ui.open(
      'data_analyst',
      'Process the batches and show progress.',
      // adk web's streaming switch: "Streaming" in the events pane's "More options" menu.
      async (setup) => {
        await setup.getByLabel('More options').click();
        await setup.getByText('Streaming', {exact: true}).click();
        await setup.keyboard.press('Escape');
      },
    );

    // Two different views of the output before the snippet ends: it grows as it is printed.
    const printed = () =>
      page.evaluate(() => {
        const text = (globalThis as unknown as {document: {body: {innerText: string}}}).document
          .body.innerText;
        return (text.match(/processed batch \d of 8/g) ?? []).length;
      });
    const seen: number[] = [];
    const deadline = Date.now() + 30_000;
    for (let count = 0; Date.now() < deadline && count < 8; await page.waitForTimeout(100)) {
      count = await printed();
      if (count > 0 && count < 8 && !seen.includes(count)) seen.push(count);
    }
    expect(seen.length, `partial outputs seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(2);
    await page.getByText('all 8 batches processed').first().waitFor({timeout: 30_000});
  }, 120_000);
});
