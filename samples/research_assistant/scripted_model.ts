/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A scripted stand-in for the model, so the sample runs without an API key (and the browser
 * check is exact): it extracts the text of every PDF in the workspace, ranks the pages by the
 * question's words, and answers with the best sentence and where it is (file and page). The
 * sandbox, pypdf and the search are real; only the model's replies are written in advance.
 */

import type {LlmRequest} from '@google/adk';

import {ScriptedLlm} from '../../src/index.js';

/** The first step: read the papers and rank the pages for `question`. */
function search(question: string): string {
  return `I'll extract the text of each paper and find the pages about the question.
\`\`\`python
import os, re
from pypdf import PdfReader

question = ${JSON.stringify(question)}
stop = {"what", "which", "when", "where", "does", "with", "from", "that", "this", "have", "were",
        "about", "much", "many", "they", "their", "there", "into", "than", "after", "over"}
words = {w for w in re.findall(r"[a-z]+", question.lower()) if len(w) > 3 and w not in stop}
pages = []
for name in sorted(os.listdir("/work/workspace")):
    if name.endswith(".pdf"):
        reader = PdfReader(os.path.join("/work/workspace", name))
        for number, page in enumerate(reader.pages, 1):
            pages.append((name, number, " ".join(page.extract_text().split())))
print(len(pages), "pages in", len({p[0] for p in pages}), "papers")

def score(text):
    return sum(text.lower().count(w[:5]) for w in words)

ranked = sorted(pages, key=lambda p: -score(p[2]))
for name, number, text in ranked[:3]:
    print(f"{name} p.{number} (score {score(text)}): {text[:90]}...")
\`\`\``;
}

const ANSWER = `I'll quote the most relevant sentence of the best pages, with its source.
\`\`\`python
candidates = [
    (sentence, name, number)
    for name, number, text in ranked[:3]
    for sentence in re.split(r"(?<=[.!?]) ", text)
]
best, name, number = max(candidates, key=lambda c: score(c[0]))
final_answer(f"(scripted model) {best} [{name}, page {number}]")
\`\`\``;

/** The text of the request's first user message. */
function question(request: LlmRequest): string {
  const first = request.contents.find((c) => c.role === 'user');
  return (first?.parts ?? []).map((p) => p.text ?? '').join(' ');
}

/** True when the request's last message carries an observation (the search ran). */
function searched(request: LlmRequest): boolean {
  const last = request.contents[request.contents.length - 1];
  return (last?.parts ?? []).some((p) => p.text?.startsWith('Observation:'));
}

/** The sample's scripted model: the search, then the answer with its source. */
export function createScriptedModel(): ScriptedLlm {
  return new ScriptedLlm({
    model: 'scripted-research-assistant',
    responses: (request) => (searched(request) ? ANSWER : search(question(request))),
  });
}
