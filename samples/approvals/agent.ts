/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Human in the loop from code: a CodingAgent whose `send_invoice` tool needs the user's
 * confirmation (`requireConfirmation`). The snippet calls it like any function; `adk web` shows
 * its confirmation dialog, and once the user ticks "Confirmed" and submits, the waiting snippet
 * gets the tool's result and goes on. With `GOOGLE_API_KEY` or `GEMINI_API_KEY` set (and
 * `APPROVALS_SCRIPTED` not `1`) Gemini writes the code; otherwise a scripted model does.
 */

import {fileURLToPath} from 'node:url';

import {FunctionTool, type LlmRequest} from '@google/adk';
import {z} from 'zod';

import {BubblewrapCodeExecutor, CodingAgent, ScriptedLlm} from '../../src/index.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** Sends an invoice (here: makes up an invoice number); runs only once the user confirms. */
const sendInvoice = new FunctionTool({
  name: 'send_invoice',
  description: 'Sends an invoice to a customer and returns its number.',
  parameters: z.object({
    customer: z.string().describe('Who pays'),
    amount: z.number().describe('Amount in EUR'),
  }),
  requireConfirmation: true,
  execute: ({customer, amount}) => ({
    invoice: `INV-${customer.slice(0, 3).toUpperCase()}-${Math.round(amount)}`,
    status: 'sent',
  }),
});

/** Writes the one snippet this sample shows, then the answer from its output. */
function scriptedModel(): ScriptedLlm {
  const sawObservation = (request: LlmRequest) =>
    request.contents.some((c) => (c.parts ?? []).some((p) => p.text?.includes('Observation:')));
  return new ScriptedLlm({
    responses: (request) =>
      sawObservation(request)
        ? "```python\nfinal_answer(f\"(scripted model) Invoice {receipt['invoice']} was {receipt['status']}; {count} invoice(s) this session.\")\n```"
        : 'I will send the invoice; it needs your confirmation.\n```python\ncount = 0\n' +
          'receipt = send_invoice(customer="Acme", amount=120.0)\ncount += 1\nprint(receipt)\n```',
  });
}

const scripted =
  process.env.APPROVALS_SCRIPTED === '1' ||
  !(process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY);

/** The agent `adk web` and `adk run` load. */
export const rootAgent = new CodingAgent({
  name: 'approvals',
  description: 'Sends invoices, each one only after the user confirms it.',
  model: scripted ? scriptedModel() : 'gemini-2.5-flash',
  instruction: 'You send invoices with send_invoice(); report the invoice number.',
  tools: [sendInvoice],
  codeExecutor: new BubblewrapCodeExecutor({
    // The bundler moves this code away from the package's files; point at the kernel directly.
    kernelPath: here('../../src/kernel/python/kernel.py'),
  }),
  // The snippet waits in its interpreter while the dialog is open.
  stateful: true,
});
