/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The "AI data scientist" scenarios, end to end: a scripted model (so the test is exact and
 * needs no key), a real sandbox (every backend but the unsandboxed one), real tools, real
 * pandas and matplotlib, ADK's real runner and artifact service. They check what a user would:
 * the numbers, the chart artifact, the files, the follow-ups, and that big data never reaches
 * the model's context.
 */

import {FunctionTool, type Event, type LlmRequest} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';

import {
  CodingAgent,
  DEFAULT_SAFE_IMPORTS,
  SandboxSessionManager,
  ScriptedLlm,
  lastRecordedVariables,
  fetchCsvTool,
  type CodeExecutor,
} from '../../src/index.js';
import {
  executedCode,
  finalText,
  observations,
  serveSharedData,
  startSession,
  type DataServer,
} from '../helpers/agent_harness.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const IMPORTS = [...DEFAULT_SAFE_IMPORTS, 'pandas', 'numpy', 'matplotlib'];

/** Everything the model reads in one request, as text. */
function requestText(request: LlmRequest): string {
  const history = request.contents
    .flatMap((c) => c.parts ?? [])
    .map((p) => p.text ?? '')
    .join('\n');
  return `${String(request.config?.systemInstruction ?? '')}\n${history}`;
}

/** Size of a request as sent (system prompt + messages, JSON), in characters. */
function requestChars(request: LlmRequest): number {
  return (
    JSON.stringify(request.contents).length + String(request.config?.systemInstruction ?? '').length
  );
}

/** Text of the current (last) user turn of a request. */
function lastUserText(request: LlmRequest): string {
  const users = request.contents.filter((c) => c.role === 'user');
  return (users[users.length - 1]?.parts ?? []).map((p) => p.text ?? '').join('\n');
}

function py(lines: string[]): string {
  return '```python\n' + lines.join('\n') + '\n```';
}

function resultEvents(events: Event[]): Event[] {
  return events.filter((e) => !e.partial && e.content?.parts?.some((p) => p.codeExecutionResult));
}

const scenarioBackends = sandboxBackends().filter((b) => b.name !== 'local');

for (const backend of scenarioBackends) {
  describe.skipIf(backend.skipReason !== undefined)(`data scientist on ${backend.title}`, () => {
    let executor: CodeExecutor;
    let data: DataServer;

    beforeAll(async () => {
      executor = backend.create();
      data = await serveSharedData();
    });
    afterAll(async () => {
      await executor?.dispose();
      await data?.close();
    });

    const analyst = (
      model: ScriptedLlm,
      extra: Partial<ConstructorParameters<typeof CodingAgent>[0]> = {},
    ) =>
      new CodingAgent({
        name: 'analyst',
        model,
        tools: [fetchCsvTool],
        codeExecutor: executor,
        authorizedImports: IMPORTS,
        ...extra,
      });

    it('basic math: 25 * 17 is 425', async () => {
      const model = new ScriptedLlm({responses: [py(['final_answer(25 * 17)'])]});
      const events = await (await startSession(analyst(model))).turn('What is 25 * 17?');
      expect(finalText(events)).toBe('425');
    });

    it('Titanic survival rate from a URL is 38.38%', async () => {
      const url = data.url('titanic.csv');
      const model = new ScriptedLlm({
        responses: [
          py([
            'import io',
            'import pandas as pd',
            `df = pd.read_csv(io.StringIO(fetch_csv(url="${url}")))`,
            'print(len(df), df["Survived"].sum())',
          ]),
          py(['final_answer(f"{df[\'Survived\'].mean():.2%}")']),
        ],
      });
      const events = await (
        await startSession(analyst(model))
      ).turn(`What share of the passengers in ${url} survived?`);
      expect(observations(events)[0]).toContain('891 342');
      expect(finalText(events)).toBe('38.38%');
    });

    it('a bar chart of survival by class becomes a PNG artifact, and the model reads only its name', async () => {
      const url = data.url('titanic.csv');
      const model = new ScriptedLlm({
        responses: [
          py([
            'import io',
            'import pandas as pd',
            'import matplotlib.pyplot as plt',
            `df = pd.read_csv(io.StringIO(fetch_csv(url="${url}")))`,
            'rates = (df.groupby("Pclass")["Survived"].mean() * 100).round(2)',
            'print(rates.to_dict())',
            'ax = rates.plot.bar(color="steelblue")',
            'ax.set_ylabel("Survived (%)")',
            'ax.set_title("Titanic survival by class")',
            'plt.show()',
          ]),
          py(['final_answer("1st: 62.96%, 2nd: 47.28%, 3rd: 24.24%")']),
        ],
      });
      const session = await startSession(analyst(model));
      const events = await session.turn('Draw a bar chart of survival by class.');

      // The numbers the snippet computed (the bars' heights).
      expect(observations(events)[0]).toContain('{1: 62.96, 2: 47.28, 3: 24.24}');
      const [result] = resultEvents(events);
      const delta = result.actions.artifactDelta;
      const names = Object.keys(delta);
      expect(names).toHaveLength(1);
      expect(names[0]).toMatch(/^figure_[0-9a-f-]{8}_s1_1\.png$/);
      // Saved in the artifact service as a real PNG ...
      const artifact = await session.artifact(names[0]);
      expect(artifact?.inlineData?.mimeType).toBe('image/png');
      const png = Buffer.from(artifact!.inlineData!.data!, 'base64');
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.length).toBeGreaterThan(5000);
      // ... and not inline in the step's event: adk web shows it from the artifactDelta, and
      // other agents that read this event get no image bytes.
      expect(result.content!.parts!.some((p) => p.inlineData)).toBe(false);
      // The model reads the artifact's name, never the bytes.
      const second = requestText(model.requests[1]);
      expect(second).toContain(`saved as artifacts: ${names[0]}`);
      expect(second).not.toContain(artifact!.inlineData!.data!.slice(0, 200));
      expect(requestChars(model.requests[1])).toBeLessThan(12_000);
      expect(finalText(events)).toContain('62.96%');
    });

    it('multi-step analysis in one query: statistics, then a chart and a report file, then written insights', async () => {
      const url = data.url('titanic.csv');
      const model = new ScriptedLlm({
        responses: [
          'First the statistics.\n' +
            py([
              'import io',
              'import pandas as pd',
              `df = pd.read_csv(io.StringIO(fetch_csv(url="${url}")))`,
              'by_sex = (df.groupby("Sex")["Survived"].mean() * 100).round(2)',
              'by_class = (df.groupby("Pclass")["Survived"].mean() * 100).round(2)',
              'print(by_sex.to_dict(), by_class.to_dict(), round(df["Age"].median(), 1))',
            ]),
          'Now the chart and a report for the user.\n' +
            py([
              'import matplotlib.pyplot as plt',
              'fig, axes = plt.subplots(1, 2, figsize=(8, 3))',
              'by_sex.plot.bar(ax=axes[0], title="by sex")',
              'by_class.plot.bar(ax=axes[1], title="by class")',
              'report = "\\n".join([',
              '    "# Titanic survival",',
              "    f\"- women: {by_sex['female']}%, men: {by_sex['male']}%\",",
              '    f"- first class: {by_class[1]}%, third class: {by_class[3]}%",',
              '])',
              'with open("output/insights.md", "w") as f:',
              '    f.write(report)',
            ]),
          py([
            "final_answer(f\"Women survived far more often ({by_sex['female']}% vs {by_sex['male']}%), " +
              'and class mattered: {by_class[1]}% in first class vs {by_class[3]}% in third.")',
          ]),
        ],
      });
      const session = await startSession(analyst(model));
      const events = await session.turn(
        'Analyse survival on the Titanic and tell me what matters.',
      );

      expect(observations(events)[0]).toContain("{'female': 74.2, 'male': 18.89}");
      const [, chartStep] = resultEvents(events);
      const delta = chartStep.actions.artifactDelta;
      expect(Object.keys(delta).sort()).toEqual([
        expect.stringMatching(/^figure_.*_s2_1\.png$/),
        'insights.md',
      ]);
      const report = await session.artifact('insights.md');
      expect(report?.inlineData?.mimeType).toBe('text/markdown');
      expect(Buffer.from(report!.inlineData!.data!, 'base64').toString()).toContain(
        'women: 74.2%, men: 18.89%',
      );
      expect(requestText(model.requests[2])).toMatch(
        /Files saved as artifacts: insights\.md \(text\/markdown, \d+ B\)/,
      );
      expect(finalText(events)).toBe(
        'Women survived far more often (74.2% vs 18.89%), and class mattered: 62.96% in first class vs 24.24% in third.',
      );
    });

    it('calls tools from code, in a loop, on the host', async () => {
      const seen: string[] = [];
      const rate = new FunctionTool({
        name: 'exchange_rate',
        description: 'Returns how many euros one unit of the currency is worth.',
        parameters: z.object({currency: z.string()}),
        execute: ({currency}) => {
          seen.push(currency);
          return {USD: 0.92, GBP: 1.17, JPY: 0.0061}[currency] ?? 0;
        },
      });
      const model = new ScriptedLlm({
        responses: [
          py([
            'amounts = {"USD": 100, "GBP": 50, "JPY": 10000}',
            'total = sum(v * exchange_rate(currency=k) for k, v in amounts.items())',
            'final_answer(round(total, 2))',
          ]),
        ],
      });
      const events = await (
        await startSession(analyst(model, {tools: [rate]}))
      ).turn('How much is 100 USD + 50 GBP + 10000 JPY in euros?');
      expect(seen).toEqual(['USD', 'GBP', 'JPY']);
      expect(finalText(events)).toBe('211.5');
    });

    it('treats pip-style warnings on stderr as output, not as errors', async () => {
      const model = new ScriptedLlm({
        responses: [
          py([
            'import sys',
            'import warnings',
            'sys.stderr.write("WARNING: Running pip as the \'root\' user can result in broken permissions\\n")',
            'warnings.warn("this API is deprecated", DeprecationWarning)',
            'value = 6 * 7',
          ]),
          py(['final_answer(value)']),
        ],
      });
      const events = await (
        await startSession(analyst(model, {authorizedImports: [...IMPORTS, 'sys', 'warnings']}))
      ).turn('Compute 6 * 7.');
      const [first] = resultEvents(events);
      const result = first.content!.parts!.find((p) => p.codeExecutionResult)!.codeExecutionResult!;
      expect(result.outcome).toBe('OUTCOME_OK');
      expect(result.output).toContain("WARNING: Running pip as the 'root' user");
      expect(result.output).not.toContain('Error:');
      expect(finalText(events)).toBe('42');
    });

    it('summarises a 50 MB CSV the user attached, and the model’s requests stay small', async () => {
      // A deterministic sales table; the expected sums are computed here too.
      const regions = ['north', 'south', 'east', 'west'];
      const chunks: string[] = ['order_id,region,units,unit_price,day\n'];
      let size = chunks[0].length;
      let rows = 0;
      let totalUnits = 0;
      let seed = 7;
      while (size < 50 * 1024 * 1024) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const units = 1 + (seed % 20);
        const price = (100 + (seed % 9900)) / 100;
        const line = `${rows + 1},${regions[seed % 4]},${units},${price.toFixed(2)},2026-01-${String(1 + (seed % 28)).padStart(2, '0')}\n`;
        chunks.push(line);
        size += line.length;
        totalUnits += units;
        rows++;
      }
      const csv = Buffer.from(chunks.join(''));
      expect(csv.length).toBeGreaterThanOrEqual(50 * 1024 * 1024);

      let firstCallAt = 0;
      const script = [
        py([
          'import time',
          'import pandas as pd',
          't0 = time.perf_counter()',
          'sales = pd.read_csv("/work/input/sales.csv")',
          't1 = time.perf_counter()',
          'summary = sales.groupby("region").agg(units=("units", "sum"), mean_price=("unit_price", "mean")).round(2)',
          't2 = time.perf_counter()',
          'print(len(sales), int(sales["units"].sum()))',
          'print(summary)',
          'print(f"read_csv {t1 - t0:.3f} s, groupby {t2 - t1:.3f} s")',
        ]),
        py(['final_answer(f"{len(sales)} orders, {int(sales[\'units\'].sum())} units")']),
      ];
      const model = new ScriptedLlm({
        responses: (_request, index) => {
          if (index === 0) firstCallAt = performance.now();
          return script[index];
        },
      });
      const session = await startSession(analyst(model));
      const started = performance.now();
      const events = await session.send([
        {text: 'Summarise the sales in the attached file by region.'},
        {
          inlineData: {
            mimeType: 'text/csv',
            displayName: 'sales.csv',
            data: csv.toString('base64'),
          },
        },
      ]);
      const total = performance.now() - started;

      const system = String(model.requests[0].config?.systemInstruction);
      expect(system).toContain('/work/input/sales.csv (52.4 MB, text/csv)');
      expect(requestText(model.requests[0])).toContain(
        '[attached file /work/input/sales.csv (52.4 MB, text/csv)]',
      );
      expect(observations(events)[0]).toContain(`${rows} ${totalUnits}`);
      expect(finalText(events)).toBe(`${rows} orders, ${totalUnits} units`);
      // 50 MB went to the sandbox; the model read a few kilobytes.
      for (const request of model.requests) expect(requestChars(request)).toBeLessThan(8_000);

      const durations = events
        .map(
          (e) => (e.customMetadata?.codingAgent as {durationMs?: number} | undefined)?.durationMs,
        )
        .filter((d): d is number => typeof d === 'number');
      const executing = durations.reduce((a, b) => a + b, 0);
      const pandas = /read_csv ([\d.]+) s, groupby ([\d.]+) s/.exec(observations(events)[0])!;
      const staging = firstCallAt - started;
      console.log(
        `[50 MB scenario, ${backend.name}] total ${total.toFixed(0)} ms: ` +
          `staging the attachment into the sandbox + setup ${staging.toFixed(0)} ms; ` +
          `snippet executions ${executing} ms (pandas read_csv ${(Number(pandas[1]) * 1000).toFixed(0)} ms, ` +
          `groupby ${(Number(pandas[2]) * 1000).toFixed(0)} ms); ` +
          `agent overhead ${(total - staging - executing).toFixed(0)} ms; ` +
          `largest model request ${Math.max(...model.requests.map(requestChars))} chars`,
      );
    }, 60_000);

    it('copies artifacts named in inputArtifacts into the input folder', async () => {
      const model = new ScriptedLlm({
        responses: [
          py([
            'import pandas as pd',
            'tips = pd.read_csv("/work/input/tips.csv")',
            'final_answer(round(tips["tip"].mean(), 3))',
          ]),
        ],
      });
      const session = await startSession(
        analyst(model, {inputArtifacts: ['tips.csv', 'missing.csv']}),
      );
      const csv = await (await fetch(data.url('tips.csv'))).arrayBuffer();
      await session.runner.artifactService!.saveArtifact({
        appName: 'test_app',
        userId: session.userId,
        sessionId: session.sessionId,
        filename: 'tips.csv',
        artifact: {inlineData: {mimeType: 'text/csv', data: Buffer.from(csv).toString('base64')}},
      });
      const events = await session.turn('What is the mean tip?');
      const system = String(model.requests[0].config?.systemInstruction);
      expect(system).toMatch(/\/work\/input\/tips\.csv \(\d+\.\d KB, text\/csv\)/);
      expect(system).toContain('Input artifact missing.csv was not found.');
      expect(finalText(events)).toBe('2.998');
    });

    it('saves files under output/ with their MIME type and refuses ones over the size limit clearly', async () => {
      const model = new ScriptedLlm({
        responses: [
          py([
            'import json',
            'with open("output/result.json", "w") as f:',
            '    json.dump({"answer": 42}, f)',
            'with open("output/table.csv", "w") as f:',
            '    f.write("a,b\\n" + "1,2\\n" * 5000)',
          ]),
          py(['final_answer("saved")']),
        ],
      });
      const session = await startSession(analyst(model, {maxArtifactBytes: 10_000}));
      const events = await session.turn('Save the results.');
      const [step] = resultEvents(events);
      expect(Object.keys(step.actions.artifactDelta)).toEqual(['result.json']);
      expect((await session.artifact('result.json'))?.inlineData?.mimeType).toBe(
        'application/json',
      );
      expect(observations(events)[0]).toContain(
        'table.csv (20.0 KB) was not saved as an artifact: larger than the limit of 10.0 KB.',
      );
    });

    it('a three-turn conversation reuses the DataFrame without loading it again', async () => {
      const url = data.url('titanic.csv');
      const model = new ScriptedLlm({
        responses: (request) => {
          const question = lastUserText(request);
          const done =
            request.contents[request.contents.length - 1]?.role === 'user' &&
            (request.contents[request.contents.length - 1].parts ?? []).some((p) =>
              p.text?.startsWith('Observation:'),
            );
          if (done) return py(['final_answer(f"{rate}%")']);
          if (question.includes('women in first class')) {
            return py([
              'rate = round(women[women["Pclass"] == 1]["Survived"].mean() * 100, 2)',
              'print(rate)',
            ]);
          }
          if (question.includes('only women')) {
            return py([
              'women = df[df["Sex"] == "female"]',
              'rate = round(women["Survived"].mean() * 100, 2)',
              'print(rate)',
            ]);
          }
          return py([
            'import io',
            'import pandas as pd',
            `df = pd.read_csv(io.StringIO(fetch_csv(url="${url}")))`,
            'rate = round(df["Survived"].mean() * 100, 2)',
            'print(rate)',
          ]);
        },
      });
      const session = await startSession(analyst(model, {stateful: true}));
      const before = data.requests.length;
      expect(finalText(await session.turn('Survival rate?'))).toBe('38.38%');
      expect(finalText(await session.turn('Now only women.'))).toBe('74.2%');
      expect(finalText(await session.turn('And women in first class?'))).toBe('96.81%');
      // Loaded once: the later turns reused df.
      expect(data.requests.length - before).toBe(1);
      // The model was told what is still defined.
      const third = model.requests.find((r) => lastUserText(r).includes('women in first class'))!;
      expect(requestText(third)).toMatch(/still defined in the interpreter: .*df \(DataFrame\)/);
      // Recorded on the turn's final event, not in session state (a parent would inherit it).
      const stored = await session.runner.sessionService.getSession({
        appName: 'test_app',
        userId: session.userId,
        sessionId: session.sessionId,
      });
      expect(Object.keys(stored!.state).filter((k) => k.includes('variables'))).toEqual([]);
      const variables = lastRecordedVariables(stored!.events, 'analyst')!;
      expect(variables.variables).toEqual(
        expect.arrayContaining([
          {name: 'df', type: 'DataFrame'},
          {name: 'women', type: 'DataFrame'},
          {name: 'pd', type: 'module'},
        ]),
      );
      expect(variables.variables.map((v) => v.name)).not.toContain('fetch_csv');
    });

    it('without snapshots, a follow-up after the kernel was evicted tells the model which variables are gone', async () => {
      const inner = backend.create();
      const manager = new SandboxSessionManager({executor: inner, maxLiveSessions: 1});
      const model = new ScriptedLlm({
        responses: (request) => {
          const question = lastUserText(request);
          const text = requestText(request);
          if (question.includes('Load')) {
            return py([
              'import pandas as pd',
              'df = pd.DataFrame({"x": [1, 2, 3]})',
              'n = 3',
              'final_answer("loaded")',
            ]);
          }
          if (text.includes('Observation:') && question.includes('Observation:')) {
            return py(['final_answer(int(df["x"].sum()))']);
          }
          if (text.includes('df (DataFrame)') && text.includes('are gone')) {
            return py([
              'import pandas as pd',
              'df = pd.DataFrame({"x": [1, 2, 3]})',
              'print("rebuilt")',
            ]);
          }
          return py(['final_answer(int(df["x"].sum()))']);
        },
      });
      const agent = analyst(model, {stateful: true, snapshots: false, codeExecutor: manager});
      try {
        const a = await startSession(agent);
        const b = await startSession(agent);
        expect(finalText(await a.turn('Load the data.'))).toBe('loaded');
        // Another conversation needs an interpreter: a's is the least recently used, so it goes.
        expect(finalText(await b.turn('Load the data.'))).toBe('loaded');
        expect(manager.liveKeys).toHaveLength(1);
        const events = await a.turn('What is the sum of x?');
        const followUp = requestText(model.requests[model.requests.length - 2]);
        expect(followUp).toContain('the Python interpreter was restarted since the last turn');
        expect(followUp).toContain('evicted to make room for other conversations');
        expect(followUp).toContain(
          'These variables from earlier turns are gone: df (DataFrame), n (int), pd (module)',
        );
        expect(executedCode(events)[0]).toContain('rebuilt');
        expect(finalText(events)).toBe('6');
      } finally {
        await manager.dispose();
      }
    });

    it('a 20-turn conversation stays within the history budget', async () => {
      const model = new ScriptedLlm({
        responses: (request) => {
          const last = request.contents[request.contents.length - 1];
          const observed = (last.parts ?? []).some((p) => p.text?.startsWith('Observation:'));
          if (observed) {
            return py([
              'final_answer(f"Turn {turn}: the column means are " + ", ".join(f"{k}={v:.3f}" for k, v in table.mean().items()) + ". " + "This is a long written answer. " * 20)',
            ]);
          }
          return (
            'I will compute a table for this turn.\n' +
            py([
              'import numpy as np',
              'import pandas as pd',
              'turn = globals().get("turn", 0) + 1',
              'rng = np.random.default_rng(turn)',
              'table = pd.DataFrame(rng.normal(size=(40, 6)), columns=list("abcdef"))',
              'print(table.round(3).to_string())',
            ])
          );
        },
      });
      const session = await startSession(analyst(model, {stateful: true}));
      for (let turn = 1; turn <= 20; turn++) {
        const events = await session.turn(`Turn ${turn}: compute the table and describe it.`);
        expect(finalText(events)).toMatch(new RegExp(`^Turn ${turn}: `));
      }
      const sizes = model.requests.map(requestChars);
      const largest = Math.max(...sizes);
      const {encode} = await import('gpt-tokenizer');
      const largestRequest = model.requests[sizes.indexOf(largest)];
      const tokens = encode(
        String(largestRequest.config?.systemInstruction) +
          largestRequest.contents
            .flatMap((c) => c.parts ?? [])
            .map((p) => p.text ?? '')
            .join('\n'),
      ).length;
      console.log(
        `[20-turn conversation, ${backend.name}] ${model.requests.length} model requests; ` +
          `largest ${largest} chars (~${tokens} tokens, o200k tokenizer); first turn's largest ${Math.max(sizes[0], sizes[1])} chars`,
      );
      // Budget: system prompt + at most 24 000 chars of earlier turns + this turn's steps.
      expect(largest).toBeLessThan(32_000);
      // Older turns cost ~700 characters each once compacted (question + answer), full ones
      // about 3 000 (code, shortened observations): without compaction each turn would add that.
      expect(sizes[sizes.length - 1] - sizes[sizes.length - 3]).toBeLessThan(1_000);
    }, 60_000);
  });
}
