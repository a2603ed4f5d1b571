/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** A scripted model for snapshot tests: each user message names the code steps it gets. */

import {ScriptedLlm} from '../../src/models/scripted_llm.js';

/**
 * A model that answers a user message naming `<key>` with the steps `codes[key]`, one per call
 * (the next step after each observation), then `Done.`.
 */
export function scriptedByKey(codes: Record<string, string | string[]>): ScriptedLlm {
  return new ScriptedLlm({
    responses: (request) => {
      const texts = (request.contents ?? [])
        .filter((c) => c.role === 'user')
        .map((c) => (c.parts ?? []).map((p) => p.text ?? '').join(''));
      let step = 0;
      let asked = '';
      for (let i = texts.length - 1; i >= 0; i--) {
        if (texts[i].startsWith('Observation')) step++;
        else if (Object.keys(codes).some((k) => texts[i].includes(`<${k}>`))) {
          asked = texts[i];
          break;
        }
      }
      const key = Object.keys(codes).find((k) => asked.includes(`<${k}>`));
      const steps = key === undefined ? [] : ([] as string[]).concat(codes[key]);
      return step < steps.length ? `\`\`\`python\n${steps[step]}\n\`\`\`` : 'Done.';
    },
  });
}
