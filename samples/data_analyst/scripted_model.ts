/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A scripted stand-in for the model, so the sample runs without an API key (and the browser
 * check is exact): whatever the question, it analyses Titanic survival by class in two steps.
 * The sandbox, the tools, pandas and the chart are real; only the model's replies are written in
 * advance.
 */

import type {LlmRequest} from '@google/adk';

import {ScriptedLlm} from '../../src/index.js';

const ANALYSIS = `I'll load the Titanic data and compare survival by ticket class.
\`\`\`python
import io
import pandas as pd
import matplotlib.pyplot as plt

print(describe_dataset(name="titanic")["columns"]["Pclass"])
df = pd.read_csv(io.StringIO(load_dataset(name="titanic")))
rates = (df.groupby("Pclass")["Survived"].mean() * 100).round(2)
print(f"{len(df)} passengers, {df['Survived'].mean():.2%} survived")
print(rates.to_string())

ax = rates.plot.bar(color=["#1a73e8", "#5e97f6", "#a1c2fa"], rot=0)
ax.set_xlabel("Ticket class")
ax.set_ylabel("Survived (%)")
ax.set_title("Titanic survival by class")
for i, value in enumerate(rates):
    ax.annotate(f"{value}%", (i, value), ha="center", va="bottom")
plt.show()
\`\`\``;

const ANSWER = `Written insights and a saved report.
\`\`\`python
insights = (
    f"First-class passengers survived most often ({rates[1]}%), then second class "
    f"({rates[2]}%), then third class ({rates[3]}%): class mattered a lot."
)
save_report(title="Titanic survival by class", markdown=insights + "\\n\\n" + rates.to_string())
final_answer("(scripted model) " + insights)
\`\`\``;

/** A long-running step that prints its progress (what streaming shows while it runs). */
const PROGRESS = `I'll process the batches and report progress as I go.
\`\`\`python
import time
for batch in range(1, 9):
    print(f"processed batch {batch} of 8", flush=True)
    time.sleep(0.5)
final_answer("(scripted model) all 8 batches processed")
\`\`\``;

/** The text of the request's first user message. */
function question(request: LlmRequest): string {
  const first = request.contents.find((c) => c.role === 'user');
  return (first?.parts ?? []).map((p) => p.text ?? '').join(' ');
}

/** True when the request's last message carries an observation (the analysis ran). */
function analysed(request: LlmRequest): boolean {
  const last = request.contents[request.contents.length - 1];
  return (last?.parts ?? []).some((p) => p.text?.startsWith('Observation:'));
}

/**
 * The sample's scripted model: the Titanic analysis in two steps, then the answer; a question
 * about progress gets one long step that prints as it goes.
 */
export function createScriptedModel(): ScriptedLlm {
  return new ScriptedLlm({
    model: 'scripted-data-analyst',
    responses: (request) =>
      /progress/i.test(question(request)) ? PROGRESS : analysed(request) ? ANSWER : ANALYSIS,
  });
}
