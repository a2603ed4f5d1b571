/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The data analyst's five tools. They run on the host (the sandbox has no network and no access
 * to host files); the model calls them as Python functions from its code.
 */

import {readFile} from 'node:fs/promises';
import {join} from 'node:path';

import {FunctionTool, type BaseTool, type Context} from '@google/adk';
import {z} from 'zod';

/** Largest body {@link fetchUrl} reads, in bytes. */
export const FETCH_URL_MAX_BYTES = 20 * 1024 * 1024;

/** One data set shipped with the sample. */
export interface DatasetInfo {
  name: string;
  file: string;
  description: string;
  rows: number;
  /** Column name → meaning (the data dictionary the model reads). */
  columns: Record<string, string>;
  source: string;
}

/** The data sets in `samples/data/`: public, small, well known. */
export const DATASETS: readonly DatasetInfo[] = [
  {
    name: 'titanic',
    file: 'titanic.csv',
    description: 'Passengers of the Titanic (Kaggle training split) and whether they survived.',
    rows: 891,
    columns: {
      PassengerId: 'row id',
      Survived: '1 if the passenger survived, else 0',
      Pclass: 'ticket class: 1 = first, 2 = second, 3 = third',
      Name: 'passenger name',
      Sex: 'male or female',
      Age: 'age in years (missing for 177 passengers)',
      SibSp: 'siblings and spouses aboard',
      Parch: 'parents and children aboard',
      Ticket: 'ticket number',
      Fare: 'fare paid, in pounds',
      Cabin: 'cabin number (mostly missing)',
      Embarked: 'port: C = Cherbourg, Q = Queenstown, S = Southampton',
    },
    source: 'https://www.kaggle.com/c/titanic',
  },
  {
    name: 'tips',
    file: 'tips.csv',
    description: 'Restaurant bills and tips recorded by one waiter.',
    rows: 244,
    columns: {
      total_bill: 'bill in dollars',
      tip: 'tip in dollars',
      sex: "payer's sex",
      smoker: 'smoking party: Yes or No',
      day: 'Thur, Fri, Sat or Sun',
      time: 'Lunch or Dinner',
      size: 'party size',
    },
    source: 'Bryant & Smith (1995), via seaborn-data',
  },
  {
    name: 'iris',
    file: 'iris.csv',
    description: "Fisher's iris flowers: four measurements of 150 flowers of three species.",
    rows: 150,
    columns: {
      sepal_length: 'cm',
      sepal_width: 'cm',
      petal_length: 'cm',
      petal_width: 'cm',
      species: 'setosa, versicolor or virginica',
    },
    source: 'Fisher (1936), via seaborn-data',
  },
  {
    name: 'penguins',
    file: 'penguins.csv',
    description: 'Palmer Archipelago penguins: species, island and body measurements.',
    rows: 344,
    columns: {
      species: 'Adelie, Chinstrap or Gentoo',
      island: 'Biscoe, Dream or Torgersen',
      bill_length_mm: 'mm',
      bill_depth_mm: 'mm',
      flipper_length_mm: 'mm',
      body_mass_g: 'grams',
      sex: 'MALE or FEMALE (some missing)',
    },
    source: 'Gorman et al. (2014), palmerpenguins, via seaborn-data',
  },
];

function findDataset(name: string): DatasetInfo {
  const dataset = DATASETS.find((d) => d.name === name.trim().toLowerCase());
  if (!dataset) {
    throw new Error(
      `no data set named ${JSON.stringify(name)}; available: ${DATASETS.map((d) => d.name).join(', ')}`,
    );
  }
  return dataset;
}

/**
 * GET an http(s) URL and return its text, reading at most `maxBytes` (the download stops there,
 * so a huge file cannot exhaust the host's memory).
 */
export async function fetchUrl(url: string, maxBytes = FETCH_URL_MAX_BYTES): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`only http and https URLs are supported, not ${parsed.protocol}`);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  try {
    const response = await fetch(parsed, {redirect: 'follow', signal: controller.signal});
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        controller.abort();
        throw new Error(`GET ${url}: the body is larger than the ${maxBytes}-byte limit`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    clearTimeout(timer);
  }
}

/** Creates the sample's tools; `dataDir` holds the CSV files of {@link DATASETS}. */
export function createDataTools(dataDir: string): BaseTool[] {
  const fetchUrlTool = new FunctionTool({
    name: 'fetch_url',
    description: `Download a text file (CSV, JSON, ...) from an http(s) URL and return its content as a string (at most ${FETCH_URL_MAX_BYTES / 1024 / 1024} MB). Parse CSV with pd.read_csv(io.StringIO(text)).`,
    parameters: z.object({url: z.string().describe('http(s) address')}),
    execute: ({url}) => fetchUrl(url),
  });

  const listDatasets = new FunctionTool({
    name: 'list_datasets',
    description: 'List the data sets available to load_dataset, with a description and row count.',
    execute: () => DATASETS.map(({name, description, rows}) => ({name, description, rows})),
  });

  const describeDataset = new FunctionTool({
    name: 'describe_dataset',
    description:
      'Return the data dictionary of a data set: what each column means, its row count and source.',
    parameters: z.object({name: z.string().describe('a name from list_datasets()')}),
    execute: ({name}) => {
      const {description, rows, columns, source} = findDataset(name);
      return {name, description, rows, columns, source};
    },
  });

  const loadDataset = new FunctionTool({
    name: 'load_dataset',
    description:
      'Return a data set as CSV text. Parse it with pd.read_csv(io.StringIO(load_dataset(name="titanic"))).',
    parameters: z.object({name: z.string().describe('a name from list_datasets()')}),
    execute: async ({name}) => readFile(join(dataDir, findDataset(name).file), 'utf8'),
  });

  const saveReport = new FunctionTool({
    name: 'save_report',
    description:
      'Save a Markdown report for the user as a downloadable artifact; returns its artifact name.',
    parameters: z.object({
      title: z.string().describe('short title, used for the file name'),
      markdown: z.string().describe('the report in Markdown'),
    }),
    execute: async ({title, markdown}, context?: Context) => {
      const slug =
        title
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .replace(/^_|_$/g, '')
          .slice(0, 60) || 'report';
      const name = `report_${slug}.md`;
      if (!context) throw new Error('save_report needs an ADK context');
      const version = await context.saveArtifact(name, {
        inlineData: {
          mimeType: 'text/markdown',
          data: Buffer.from(`# ${title}\n\n${markdown}\n`).toString('base64'),
        },
      });
      return {artifact: name, version};
    },
  });

  return [fetchUrlTool, listDatasets, describeDataset, loadDataset, saveReport];
}
