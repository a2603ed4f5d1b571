/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {FunctionTool} from '@google/adk';
import {z} from 'zod';

/** Largest download {@link fetchCsvTool} accepts, in bytes. */
export const FETCH_CSV_MAX_BYTES = 64 * 1024 * 1024;

const parameters = z.object({
  url: z.string().describe('http(s) address of the CSV file'),
});

/**
 * Downloads a text file (CSV, JSON, plain text) over HTTP(S) on the host and returns its text.
 * The sandbox has no network; this tool is how code gets data from a URL. Refuses other schemes,
 * non-2xx answers and bodies over {@link FETCH_CSV_MAX_BYTES}.
 */
export async function fetchCsv({url}: {url: string}): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`only http and https URLs are supported, not ${parsed.protocol}`);
  }
  const response = await fetch(parsed, {redirect: 'follow'});
  if (!response.ok) {
    throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > FETCH_CSV_MAX_BYTES) {
    throw new Error(`GET ${url}: ${declared} bytes is over the ${FETCH_CSV_MAX_BYTES}-byte limit`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > FETCH_CSV_MAX_BYTES) {
    throw new Error(`GET ${url}: body is over the ${FETCH_CSV_MAX_BYTES}-byte limit`);
  }
  return body.toString('utf8');
}

/** `fetch_csv(url)`: the ADK tool form of {@link fetchCsv}. */
export const fetchCsvTool = new FunctionTool({
  name: 'fetch_csv',
  description:
    'Download a CSV (or other text) file from an http(s) URL and return its content as a string. Parse it with pandas: pd.read_csv(io.StringIO(text)).',
  parameters,
  execute: fetchCsv,
});
