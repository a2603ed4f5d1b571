/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Scripted solutions of a few tasks of each bundled suite, for both agents, written by hand the
 * way each agent must work: the CodingAgent with Python steps (run for real in the sandbox), the
 * LlmAgent with function calls (parallel where the calls do not depend on each other) whose
 * results its replies read. They drive the shipped cassettes (`record_cassettes.ts`) and the
 * harness's tests. They say nothing about how any real model behaves.
 */

import type {LlmRequest, LlmResponse} from '@google/adk';
import type {Content} from '@google/genai';

import {ScriptedLlm, type ScriptedReply} from '../../src/models/scripted_llm.js';
import type {AgentKind} from '../../src/eval/runner.js';

/** One reply of a scripted LlmAgent, computed from the request so far. */
type LlmStep = (request: LlmRequest) => ScriptedReply;

/** A scripted solution: the CodingAgent's replies in order, the LlmAgent's steps per turn. */
export interface ScriptedSolution {
  coding: string[];
  llm: LlmStep[][];
}

const py = (code: string) => `\`\`\`python\n${code.trim()}\n\`\`\``;

/** A reply calling these functions at once (parallel function calls). */
function calls(...list: Array<[string, Record<string, unknown>]>): LlmResponse {
  return {
    content: {role: 'model', parts: list.map(([name, args]) => ({functionCall: {name, args}}))},
  };
}

/** Every function response in the request, oldest first. */
function results(request: LlmRequest): Array<{name: string; response: Record<string, unknown>}> {
  return request.contents.flatMap((c) =>
    (c.parts ?? []).flatMap((p) =>
      p.functionResponse
        ? [
            {
              name: p.functionResponse.name ?? '',
              response: (p.functionResponse.response ?? {}) as Record<string, unknown>,
            },
          ]
        : [],
    ),
  );
}

/** The latest successful result of `name`. */
function last(request: LlmRequest, name: string): Record<string, unknown> {
  const found = results(request)
    .filter((r) => r.name === name && !('error' in r.response))
    .pop();
  if (!found) throw new Error(`scripted LlmAgent: no result of ${name} yet`);
  return found.response;
}

const isUserText = (c: Content) => c.role === 'user' && (c.parts ?? []).some((p) => p.text);

/** The user's latest message. */
function question(request: LlmRequest): string {
  const user = request.contents.filter(isUserText).pop();
  return (user?.parts ?? []).map((p) => p.text ?? '').join('');
}

/**
 * The LlmAgent's scripted model: turn = user messages so far, step = model replies since the
 * latest one. A step may return `undefined`-free replies only; running out is an error.
 */
function llmModel(turns: LlmStep[][]): ScriptedLlm {
  return new ScriptedLlm({
    responses: (request) => {
      const userIndexes = request.contents.flatMap((c, i) => (isUserText(c) ? [i] : []));
      const turn = userIndexes.length - 1;
      const step = request.contents
        .slice(userIndexes[turn] + 1)
        .filter((c) => c.role === 'model').length;
      const script = turns[turn]?.[step];
      if (!script) throw new Error(`scripted LlmAgent: no step ${step + 1} for turn ${turn + 1}`);
      return script(request);
    },
  });
}

const LOAD = (name: string, variable = name) =>
  `${variable} = pd.read_csv(io.StringIO(load_dataset(name="${name}")))`;

const DATA_ANALYSIS: Record<string, ScriptedSolution> = {
  titanic_survival_rate: {
    coding: [
      py(`
import io
import pandas as pd
${LOAD('titanic')}
rate = titanic["Survived"].mean()
print(f"{rate:.4f} ({titanic['Survived'].sum()} of {len(titanic)})")`),
      py(`final_answer(f"{rate:.2%} of the passengers survived.")`),
    ],
    llm: [
      [
        () => calls(['load_dataset', {name: 'titanic'}]),
        () => '38.38 % of the 891 passengers survived (342 of them).',
      ],
    ],
  },
  tips_weekend_share: {
    coding: [
      py(`
import io
import pandas as pd
${LOAD('tips')}
${LOAD('days')}
merged = tips.merge(days, on="day")
share = (merged["weekend"] == "yes").mean()
print(round(share, 4), len(merged))`),
      py(`final_answer(f"{share:.2%} of the bills were on a weekend.")`),
    ],
    llm: [
      [
        () => calls(['load_dataset', {name: 'tips'}], ['load_dataset', {name: 'days'}]),
        () => '66.80 % of the bills were on a weekend (Saturday or Sunday: 163 of 244).',
      ],
    ],
  },
  penguins_female_share: {
    coding: [
      py(`
import io
import pandas as pd
${LOAD('penguins')}
sexed = penguins.dropna(subset=["sex"])
share = (sexed["sex"] == "FEMALE").mean()
print(round(share, 4), len(sexed))`),
      py(`final_answer(f"{share:.2%} of the penguins with a recorded sex are female.")`),
    ],
    llm: [
      [
        () => calls(['load_dataset', {name: 'penguins'}]),
        () => '49.55 % of the 333 penguins whose sex is recorded are female (165).',
      ],
    ],
  },
  titanic_class_chart: {
    coding: [
      py(`
import io
import pandas as pd
import matplotlib.pyplot as plt
${LOAD('titanic')}
rates = titanic.groupby("Pclass")["Survived"].mean()
ax = (rates * 100).plot.bar(title="Titanic survival rate by class")
ax.set_ylabel("survived, %")
print(rates.round(4).to_dict())`),
      py(
        `final_answer("Survival rate by class: " + ", ".join(f"class {c}: {r:.2%}" for c, r in rates.items()) + ". The bar chart is saved.")`,
      ),
    ],
    llm: [
      [
        () => calls(['load_dataset', {name: 'titanic'}]),
        () =>
          calls([
            'save_chart',
            {
              title: 'Titanic survival rate by class',
              kind: 'bar',
              labels: ['1st', '2nd', '3rd'],
              values: [62.96, 47.28, 24.24],
            },
          ]),
        (request) =>
          `Survival rate by class: 1st 62.96 %, 2nd 47.28 %, 3rd 24.24 %. The chart is saved as ${String(last(request, 'save_chart').artifact)}.`,
      ],
    ],
  },
  iris_setosa_followup: {
    coding: [
      py(`
import io
import pandas as pd
${LOAD('iris')}
setosa = iris[iris["species"] == "setosa"]
print(len(setosa))`),
      py(`final_answer(f"There are {len(setosa)} setosa flowers.")`),
      py(`print(round(setosa["sepal_length"].mean(), 3))`),
      py(`final_answer(f"Their mean sepal length is {setosa['sepal_length'].mean():.3f} cm.")`),
    ],
    llm: [
      [() => calls(['load_dataset', {name: 'iris'}]), () => 'There are 50 setosa flowers.'],
      // The follow-up is answered from the CSV already in the conversation.
      [() => 'Their mean sepal length is 5.006 cm.'],
    ],
  },
};

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const STOCK_CALLS = ['north', 'south', 'east'].map(
  (warehouse) => ['get_stock', {sku: 'P10', warehouse}] as [string, Record<string, unknown>],
);

/** Calls again the stock calls that failed (same arguments), or adds up the units. */
const retryFailedOrAdd: LlmStep = (request) => {
  const asked = (request.contents.at(-2)?.parts ?? []).filter((p) => p.functionCall);
  const answered = (request.contents.at(-1)?.parts ?? []).filter((p) => p.functionResponse);
  const failed = asked.filter((_, i) => answered[i]?.functionResponse?.response?.error);
  if (failed.length) {
    return calls(
      ...failed.map(
        (p) => ['get_stock', p.functionCall!.args ?? {}] as [string, Record<string, unknown>],
      ),
    );
  }
  const units = results(request).filter((r) => r.name === 'get_stock' && !r.response.error);
  return String(sum(units.map((r) => r.response.units as number)));
};

const TOOL_COMPOSITION: Record<string, ScriptedSolution> = {
  rate_eur_usd: {
    coding: [
      py(`
rate = get_exchange_rate(base="EUR", quote="USD")
print(rate)`),
      py(`final_answer(rate["rate"])`),
    ],
    llm: [
      [
        () => calls(['get_exchange_rate', {base: 'EUR', quote: 'USD'}]),
        (request) => String(last(request, 'get_exchange_rate').rate),
      ],
    ],
  },
  order_value_eur: {
    coding: [
      py(`
order = get_order(order_id=17)
product = get_product(sku=order["sku"])
fx = get_exchange_rate(base=product["currency"], quote="EUR")["rate"]
value = order["quantity"] * product["unit_price"] * fx
print(order, product, fx, round(value, 2))`),
      py(`final_answer(round(value, 2))`),
    ],
    llm: [
      [
        () => calls(['get_order', {order_id: 17}]),
        (request) => calls(['get_product', {sku: last(request, 'get_order').sku as string}]),
        (request) =>
          calls([
            'get_exchange_rate',
            {base: last(request, 'get_product').currency as string, quote: 'EUR'},
          ]),
        (request) => {
          const quantity = last(request, 'get_order').quantity as number;
          const price = last(request, 'get_product').unit_price as number;
          const rate = last(request, 'get_exchange_rate').rate as number;
          return (quantity * price * rate).toFixed(2);
        },
      ],
    ],
  },
  warmest_city: {
    coding: [
      py(`
cities = ["Paris", "Berlin", "Rome", "Vienna"]
temps = {c: get_weather(city=c, date="2024-05-02")["temperature_c"] for c in cities}
print(temps)`),
      py(`final_answer(max(temps, key=temps.get))`),
    ],
    llm: [
      [
        () =>
          calls(
            ...['Paris', 'Berlin', 'Rome', 'Vienna'].map(
              (city) =>
                ['get_weather', {city, date: '2024-05-02'}] as [string, Record<string, unknown>],
            ),
          ),
        (request) => {
          const temps = results(request).filter((r) => r.name === 'get_weather');
          const best = temps.reduce((a, b) =>
            (b.response.temperature_c as number) > (a.response.temperature_c as number) ? b : a,
          );
          return String(best.response.city);
        },
      ],
    ],
  },
  sku_quantity: {
    coding: [
      py(`
first = list_orders(page=1)
orders = list(first["orders"])
for page in range(2, first["pages"] + 1):
    orders += list_orders(page=page)["orders"]
total = sum(o["quantity"] for o in orders if o["sku"] == "P05")
print(len(orders), total)`),
      py(`final_answer(total)`),
    ],
    llm: [
      [
        () => calls(['list_orders', {page: 1}]),
        (request) => {
          const pages = last(request, 'list_orders').pages as number;
          return calls(
            ...Array.from(
              {length: pages - 1},
              (_, i) => ['list_orders', {page: i + 2}] as [string, Record<string, unknown>],
            ),
          );
        },
        (request) => {
          const orders = results(request)
            .filter((r) => r.name === 'list_orders')
            .flatMap((r) => r.response.orders as Array<{sku: string; quantity: number}>);
          return String(sum(orders.filter((o) => o.sku === 'P05').map((o) => o.quantity)));
        },
      ],
    ],
  },
  stock_all_warehouses: {
    coding: [
      py(`
def units(sku, warehouse):
    for attempt in range(3):
        try:
            return get_stock(sku=sku, warehouse=warehouse)["units"]
        except Exception as error:
            print(f"{warehouse}: {error}; retrying")
    raise RuntimeError(f"no stock figure for {sku} in {warehouse}")

stock = {w: units("P10", w) for w in ["north", "south", "east"]}
print(stock)`),
      py(`final_answer(sum(stock.values()))`),
    ],
    llm: [[() => calls(...STOCK_CALLS), retryFailedOrAdd, retryFailedOrAdd]],
  },
  multi_step_decode: {
    coding: [
      py(`
text = hex_to_text(hex=HEX)
text = reverse_text(text=text)
text = caesar_shift(text=text, shift=-3)
print(text)`),
      py(`final_answer(text)`),
    ],
    llm: [
      [
        (request) =>
          calls(['hex_to_text', {hex: /giving ([0-9a-f]+)/.exec(question(request))![1]}]),
        (request) => calls(['reverse_text', {text: last(request, 'hex_to_text').result as string}]),
        (request) =>
          calls([
            'caesar_shift',
            {text: last(request, 'reverse_text').result as string, shift: -3},
          ]),
        (request) => String(last(request, 'caesar_shift').result),
      ],
    ],
  },
};

/** Scripted solutions by suite and task id. */
export const SCRIPTED_SOLUTIONS: Record<string, Record<string, ScriptedSolution>> = {
  'data-analysis': DATA_ANALYSIS,
  'tool-composition': TOOL_COMPOSITION,
};

/** The label cassettes written from these solutions carry. */
export const SCRIPTED_LABEL =
  'SCRIPTED model: replies written by hand to exercise the harness (test/eval/scripted_solutions.ts); tokens counted with o200k; not a measurement of any model';

/**
 * The scripted model of `task` for `agent`. The multi-step decoding task's code reads the hex
 * string from the question, so it is filled in here.
 */
export function scriptedModel(
  suite: string,
  task: {id: string; turns: readonly string[]},
  agent: AgentKind,
): ScriptedLlm {
  const solution = SCRIPTED_SOLUTIONS[suite]?.[task.id];
  if (!solution) throw new Error(`no scripted solution for ${suite}/${task.id}`);
  if (agent === 'llm') return llmModel(solution.llm);
  const hex = /giving ([0-9a-f]+)/.exec(task.turns[0])?.[1];
  return new ScriptedLlm({
    responses: solution.coding.map((r) => (hex ? r.replace('HEX', JSON.stringify(hex)) : r)),
  });
}
