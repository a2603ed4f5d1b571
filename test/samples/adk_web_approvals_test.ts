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

import {describe, it} from 'vitest';

import {useAdkWebBrowser} from '../helpers/adk_web.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const bubblewrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe.skipIf(bubblewrap.skipReason !== undefined)('sample approvals in adk web', () => {
  const ui = useAdkWebBrowser({APPROVALS_SCRIPTED: '1', DATA_ANALYST_SCRIPTED: '1'});

  it('shows the confirmation dialog; Confirmed + Submit runs the tool and the answer appears', async (context) => {
    if (ui.unavailable) context.skip(ui.unavailable);
    const page = await ui.open('approvals', 'Invoice Acme for 120 EUR.');

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
