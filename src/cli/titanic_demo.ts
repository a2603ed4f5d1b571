/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {createReadStream, existsSync, statSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {fileURLToPath} from 'node:url';

/** The demo's question; `{url}` is replaced by the loopback address of the data. */
export const TITANIC_TASK =
  'What share of the Titanic passengers survived, overall and by ticket class? The passenger list is a CSV at {url}.';

/**
 * Replies written for the demo, replayed by a `ScriptedLlm` when no API key is set. They are what
 * a good model answers; the sandbox, the tool call and the numbers are computed live.
 */
export const TITANIC_SCRIPT: readonly string[] = [
  `I'll download the CSV with the \`fetch_csv\` tool and load it into a DataFrame.

\`\`\`python
import io
import pandas as pd

text = fetch_csv(url="{url}")
df = pd.read_csv(io.StringIO(text))
print(df.shape)
df[["Survived", "Pclass", "Sex", "Age"]].head()
\`\`\``,
  `891 passengers, with a 0/1 \`Survived\` column. Now the overall rate and the rate per class.

\`\`\`python
overall = df["Survived"].mean() * 100
by_class = (df.groupby("Pclass")["Survived"].mean() * 100).round(2)
print(f"overall: {overall:.2f}% of {len(df)} ({int(df['Survived'].sum())} survived)")
print(by_class.to_string())
\`\`\``,
  `I have the numbers I need.

\`\`\`python
final_answer(
    f"{overall:.2f}% of the {len(df)} passengers survived ({int(df['Survived'].sum())} people).\\n"
    f"By class: 1st {by_class[1]:.2f}%, 2nd {by_class[2]:.2f}%, 3rd {by_class[3]:.2f}%."
)
\`\`\``,
];

/** Path of the Titanic CSV shipped with the package (Kaggle's training split, 891 rows). */
export function titanicCsvPath(): string {
  const path = fileURLToPath(new URL('../../samples/data/titanic.csv', import.meta.url));
  if (!existsSync(path)) throw new Error(`demo data not found at ${path}`);
  return path;
}

/** Serves one file on 127.0.0.1 at `/<name>`; returns the server and the file's URL. */
export async function serveFile(
  path: string,
  name: string,
): Promise<{server: Server; url: string}> {
  const size = statSync(path).size;
  const server = createServer((req, res) => {
    if (req.url !== `/${name}`) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {'content-type': 'text/csv', 'content-length': size});
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {server, url: `http://127.0.0.1:${port}/${name}`};
}
