/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The browser check of human in the loop: the `approvals` sample in the real `adk web`, in
 * headless Chromium. The snippet's `send_invoice` call needs confirmation; adk web shows its
 * dialog, the user ticks "Confirmed" and submits, and the answer built from the tool's result
 * appears.
 */

import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {chromium, type BrowserContext} from 'playwright-core';
import {afterAll, beforeAll, describe, it} from 'vitest';

import {
  CHROMIUM,
  CHROMIUM_ARGS,
  ensureChromium,
  startAdkWeb,
  type AdkWeb,
} from '../helpers/adk_web.js';
import {sandboxBackends, sandboxesRequired} from '../helpers/sandboxes.js';

const bubblewrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe.skipIf(bubblewrap.skipReason !== undefined)('sample approvals in adk web', () => {
  let web: AdkWeb | undefined;
  let browser: BrowserContext | undefined;
  let profile: string | undefined;
  let unavailable: string | undefined;

  beforeAll(async () => {
    unavailable = ensureChromium();
    if (unavailable) {
      if (sandboxesRequired) throw new Error(unavailable);
      return;
    }
    web = await startAdkWeb('samples', {APPROVALS_SCRIPTED: '1', DATA_ANALYST_SCRIPTED: '1'});
    profile = await mkdtemp(join(tmpdir(), 'adk-web-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: {width: 1400, height: 1150},
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    if (profile) await rm(profile, {recursive: true, force: true});
  });

  it('shows the confirmation dialog; Confirmed + Submit runs the tool and the answer appears', async (context) => {
    if (unavailable) context.skip(unavailable);
    const page = await browser!.newPage();
    await page.goto(`${web!.url}/dev-ui/?app=approvals`);
    const input = page.locator('textarea').first();
    await input.waitFor({timeout: 30_000});
    await input.fill('Invoice Acme for 120 EUR.');
    await input.press('Enter');

    // adk web's dialog for adk_request_confirmation: the hint, a "Confirmed" box, "Submit".
    const confirmed = page.getByText('Confirmed', {exact: true}).first();
    await confirmed.waitFor({timeout: 45_000});
    await page.getByText('send_invoice', {exact: false}).first().waitFor();
    await confirmed.click();
    await page.getByRole('button', {name: 'Submit'}).first().click();

    await page
      .getByText('(scripted model) Invoice INV-ACM-120 was sent; 1 invoice(s) this session.')
      .first()
      .waitFor({timeout: 45_000});
  }, 150_000);
});
