/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The seed's use cases on the sandbox's toolbox, end to end on bubblewrap and Docker: a scripted
 * model, ADK's real runner, a real sandbox. A seaborn chart and a scikit-learn model on the
 * Titanic data; an Excel workbook attached and read with pandas; a 300-page PDF attached, its
 * text extracted with pypdf, searched and summarised in chunks across steps while the model's
 * requests stay small. Also what the model is told: the installed packages in its prompt, and
 * what a missing import says.
 */

import {readFileSync} from 'node:fs';

import type {LlmRequest} from '@google/adk';
import type {Part} from '@google/genai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {
  CodingAgent,
  DATA_SCIENCE_IMPORTS,
  DEFAULT_SAFE_IMPORTS,
  ScriptedLlm,
  type CodeExecutor,
} from '../../src/index.js';
import {finalText, observations, persisted, startSession} from '../helpers/agent_harness.js';
import {textPdf} from '../helpers/pdf.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

function py(lines: string[]): string {
  return '```python\n' + lines.join('\n') + '\n```';
}

/** Size of a request as sent (system prompt + messages, JSON), in characters. */
function requestChars(request: LlmRequest): number {
  return (
    JSON.stringify(request.contents).length + String(request.config?.systemInstruction ?? '').length
  );
}

/** Everything the model reads in one request, as text. */
function requestText(request: LlmRequest): string {
  return `${String(request.config?.systemInstruction ?? '')}\n${JSON.stringify(request.contents)}`;
}

function attachment(name: string, mimeType: string, data: Buffer): Part {
  return {inlineData: {mimeType, displayName: name, data: data.toString('base64')}};
}

const TITANIC = readFileSync(new URL('../../samples/data/titanic.csv', import.meta.url));
const ORDERS = readFileSync(new URL('../fixtures/toolbox/orders.xlsx', import.meta.url));
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Pages where the field report mentions valve V-17; a sentence printed nowhere else. */
const VALVE_PAGES = [37, 158, 263];
const UNSEEN = 'The ledger kept at the Varnholm pumping station lists every shift since 1911.';

/** A 300-page field report: 15 chapters of 20 pages, 60 lines a page, three notes on V-17. */
function fieldReport(): string[][] {
  const words = [
    'pressure',
    'turbine',
    'channel',
    'reservoir',
    'sediment',
    'culvert',
    'spillway',
    'gauge',
    'inspection',
    'maintenance',
    'discharge',
    'embankment',
    'drainage',
    'concrete',
    'seasonal',
  ];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const pages: string[][] = [];
  for (let page = 1; page <= 300; page++) {
    const lines: string[] = [];
    if (page % 20 === 1) lines.push(`Chapter ${(page - 1) / 20 + 1}: Section ${page}-${page + 19}`);
    while (lines.length < 60) {
      const sentence = Array.from({length: 12}, () => words[next() % words.length]).join(' ');
      lines.push(`${sentence[0].toUpperCase()}${sentence.slice(1)} readings ${next() % 1000}.`);
    }
    if (VALVE_PAGES.includes(page))
      lines[30] = `Inspection note: valve V-17 found cracked, page ${page}.`;
    if (page === 120) lines[10] = UNSEEN;
    pages.push(lines);
  }
  return pages;
}

for (const backend of sandboxBackends().filter((b) => b.name !== 'local')) {
  describe.skipIf(backend.skipReason !== undefined)(`the toolbox on ${backend.title}`, () => {
    let executor: CodeExecutor;

    beforeAll(() => {
      executor = backend.create();
    });
    afterAll(async () => {
      await executor?.dispose();
    });

    const agent = (model: ScriptedLlm) =>
      new CodingAgent({
        name: 'scientist',
        model,
        codeExecutor: executor,
        authorizedImports: [...DATA_SCIENCE_IMPORTS, 'xgboost'],
      });

    it('a seaborn chart and a scikit-learn model on the Titanic data; the prompt lists the packages', async () => {
      const model = new ScriptedLlm({
        responses: [
          py([
            'import pandas as pd',
            'import seaborn as sns',
            'import matplotlib.pyplot as plt',
            'df = pd.read_csv("/work/input/titanic.csv")',
            'ax = sns.barplot(data=df, x="Pclass", y="Survived", hue="Sex", errorbar=None)',
            'ax.set_title("Titanic survival by class and sex")',
            'plt.show()',
            'print(df.groupby(["Pclass", "Sex"])["Survived"].mean().round(3).to_dict())',
          ]),
          py([
            'from sklearn.linear_model import LogisticRegression',
            'from sklearn.model_selection import train_test_split',
            'X = pd.get_dummies(df[["Pclass", "Sex", "Age", "Fare"]], columns=["Sex"], drop_first=True)',
            'X["Age"] = X["Age"].fillna(df["Age"].median())',
            'X_train, X_test, y_train, y_test = train_test_split(X, df["Survived"], test_size=0.25, random_state=0, stratify=df["Survived"])',
            'clf = LogisticRegression(max_iter=1000).fit(X_train, y_train)',
            'accuracy = clf.score(X_test, y_test)',
            'print(f"accuracy {accuracy:.3f} on {len(X_test)} passengers")',
          ]),
          py(['import xgboost']),
          py([
            'final_answer(f"Logistic regression: {accuracy:.1%} accuracy on held-out passengers")',
          ]),
        ],
      });
      const session = await startSession(agent(model));
      const events = await session.send([
        {text: 'Chart survival by class and sex, then predict survival.'},
        attachment('titanic.csv', 'text/csv', TITANIC),
      ]);
      const seen = observations(events);
      expect(seen[0]).toContain("(1, 'female'): 0.968");
      // The chart became a PNG artifact.
      const names = persisted(events).flatMap((e) => Object.keys(e.actions?.artifactDelta ?? {}));
      expect(names.length).toBeGreaterThan(0);
      const chart = await session.artifact(names[0]);
      expect(chart?.inlineData?.mimeType).toBe('image/png');
      const accuracy = Number(/accuracy ([\d.]+) on 223 passengers/.exec(seen[1])?.[1]);
      expect(accuracy).toBeGreaterThan(0.7);
      expect(accuracy).toBeLessThan(0.95);
      // A module the sandbox lacks: the snippet hears what it has and how packages get added.
      expect(seen[2]).toContain("No module named 'xgboost': it is not installed in this sandbox");
      expect(seen[2]).toMatch(/Installed: .*sklearn 1\.\d/);
      expect(seen[2]).toContain('coding-agent image build --package');
      expect(finalText(events)).toMatch(/^Logistic regression: \d\d\.\d% accuracy/);
      // The prompt names the allowed packages the kernel found, with major versions: every
      // package of the preset is there on this backend.
      const system = String(model.requests[0].config?.systemInstruction);
      const toolbox = DATA_SCIENCE_IMPORTS.filter((name) => !DEFAULT_SAFE_IMPORTS.includes(name));
      expect(toolbox).toHaveLength(16);
      for (const name of toolbox) {
        expect(system).toMatch(new RegExp(`\\b${name} \\d+(\\.\\d+)?[,.]`));
      }
      expect(system).not.toMatch(/\bdill\b/);
    }, 120_000);

    it('an attached Excel workbook is read with pandas, both sheets', async () => {
      const model = new ScriptedLlm({
        responses: [
          py([
            'import pandas as pd',
            'sheets = pd.read_excel("/work/input/orders.xlsx", sheet_name=None)',
            'orders, targets = sheets["Orders"], sheets["Targets"]',
            'units = orders.groupby("region")["units"].sum()',
            'attainment = (units / targets.set_index("region")["target_units"] * 100).round(1)',
            'print(list(sheets), len(orders), int(orders["units"].sum()))',
            'print(attainment.to_dict())',
          ]),
          py(['final_answer(f"{attainment.idxmax()} leads with {attainment.max()}% of target")']),
        ],
      });
      const events = await (
        await startSession(agent(model))
      ).send([
        {text: 'Which region is closest to its target?'},
        attachment('orders.xlsx', XLSX, ORDERS),
      ]);
      expect(observations(events)[0]).toContain("['Orders', 'Targets'] 120 1444");
      expect(finalText(events)).toBe('West leads with 97.5% of target');
    }, 60_000);

    it('a 300-page PDF is extracted, searched and summarised in chunks; the model reads kilobytes', async () => {
      const pdf = textPdf(fieldReport());
      const summarise = (range: string) =>
        py([
          `summaries += [summarise(start, start + 49) for start in ${range}]`,
          `print("\\n".join(summaries[-3:]))`,
        ]);
      const model = new ScriptedLlm({
        responses: [
          py([
            'from pypdf import PdfReader',
            'pages = [page.extract_text() for page in PdfReader("/work/input/field_report.pdf").pages]',
            'print(len(pages), "pages,", sum(len(text) for text in pages), "characters")',
          ]),
          py([
            'hits = [(n + 1, line.strip()) for n, text in enumerate(pages) for line in text.splitlines() if "V-17" in line]',
            'for page, line in hits:',
            '    print(page, line)',
          ]),
          py([
            'import collections, re',
            'def summarise(first, last):',
            '    text = "\\n".join(pages[first - 1:last])',
            '    chapters = re.findall(r"^Chapter (\\d+):", text, re.M)',
            '    top = collections.Counter(re.findall(r"[a-z]{6,}", text.lower())).most_common(2)',
            '    notes = text.count("V-17")',
            '    return f"pages {first}-{last}: chapters {\', \'.join(chapters)}; V-17 notes {notes}; most frequent {top[0][0]}, {top[1][0]}"',
            'summaries = []',
          ]),
          summarise('range(1, 151, 50)'),
          summarise('range(151, 301, 50)'),
          py([
            'final_answer(f"{len(pages)} pages; valve V-17 cracked on pages {\', \'.join(str(p) for p, _ in hits)}.\\n" + "\\n".join(summaries))',
          ]),
        ],
      });
      const events = await (
        await startSession(agent(model))
      ).send([
        {text: 'Find every note on valve V-17 in the attached report and summarise it.'},
        attachment('field_report.pdf', 'application/pdf', pdf),
      ]);
      const seen = observations(events);
      const characters = Number(/300 pages, (\d+) characters/.exec(seen[0])?.[1]);
      expect(characters).toBeGreaterThan(1_000_000);
      for (const page of VALVE_PAGES) {
        expect(seen[1]).toContain(
          `${page} Inspection note: valve V-17 found cracked, page ${page}.`,
        );
      }
      expect(seen[3]).toContain('pages 1-50: chapters 1, 2, 3; V-17 notes 1;');
      expect(seen[4]).toContain('pages 251-300: chapters 14, 15; V-17 notes 1;');
      const answer = finalText(events);
      expect(answer).toMatch(/^300 pages; valve V-17 cracked on pages 37, 158, 263\./);
      expect(answer.split('\n')).toHaveLength(7);
      // The document stayed in the sandbox: no request holds a line the code did not print,
      // and the largest request is a small fraction of the text.
      const sizes = model.requests.map(requestChars);
      const largest = Math.max(...sizes);
      for (const request of model.requests) expect(requestText(request)).not.toContain(UNSEEN);
      expect(largest).toBeLessThan(12_000);
      console.log(
        `[300-page PDF, ${backend.name}] ${pdf.length} bytes, ${characters} characters extracted; ` +
          `${sizes.length} model requests, largest ${largest} chars`,
      );
    }, 120_000);
  });
}
