/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The local_analyst sample in the real `adk web` (its esbuild bundling, the `openai` SDK loaded
 * at run time from the bundle), on `ollama/qwen2.5-coder:7b` pointed through `OLLAMA_HOST` at a
 * loopback server that speaks Ollama's OpenAI-compatible API. Driven through adk web's HTTP API.
 */

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {startAdkWeb, type AdkWeb} from '../helpers/adk_web.js';
import {sandboxBackends} from '../helpers/sandboxes.js';
import {startChatCompletionsServer, type ChatServer} from '../models/chat_completions_server.js';

const bubblewrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe.skipIf(bubblewrap.skipReason !== undefined)('sample local_analyst in adk web', () => {
  let web: AdkWeb | undefined;
  let ollama: ChatServer;

  beforeAll(async () => {
    ollama = await startChatCompletionsServer({flavour: 'ollama'});
    web = await startAdkWeb('samples', {OLLAMA_HOST: ollama.url, LOCAL_ANALYST_MODEL: ''});
  }, 120_000);

  afterAll(async () => {
    await web?.stop();
    await ollama?.close();
  });

  it('answers through the Ollama endpoint, with a tool called from code', async () => {
    // Split mid-fence for when the agent streams the model (it may call it either way).
    const chunks = [
      'Loading the data.\n```py',
      'thon\nimport io\nimport pandas as pd\ndf = pd.read_csv(io.StringIO(load_dataset(name="titanic")))\n',
      'rate = round(df["Survived"].mean() * 100, 2)\nprint(len(df), rate)\n``',
      '`',
    ];
    ollama.reply(
      {content: chunks.join(''), chunks},
      {content: '```python\nfinal_answer(f"{rate}% of {len(df)} passengers survived")\n```'},
    );
    const base = `${web!.url}/apps/local_analyst/users/u/sessions`;
    const session = (await (
      await fetch(base, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'})
    ).json()) as {id: string};
    const response = await fetch(`${web!.url}/run_sse`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({
        appName: 'local_analyst',
        userId: 'u',
        sessionId: session.id,
        newMessage: {
          role: 'user',
          parts: [{text: 'What share of the Titanic passengers survived?'}],
        },
        streaming: true,
      }),
    });
    const events = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map(
        (line) =>
          JSON.parse(line.slice(6)) as {
            content?: {parts?: Array<{text?: string}>};
            errorMessage?: string;
            error?: string;
          },
      );
    const last = events.at(-1);
    // adk web ends the stream with {error} when the run throws: show it with the server's log.
    const why = `${JSON.stringify(last)}\n${web!.output().slice(-3000)}`;
    expect(last?.errorMessage ?? last?.error, why).toBeUndefined();
    expect(last?.content?.parts?.[0]?.text, why).toBe('38.38% of 891 passengers survived');
    expect(ollama.violations).toEqual([]);
    expect(ollama.requests.map((r) => [r.path, r.body.model])).toEqual([
      ['/v1/chat/completions', 'qwen2.5-coder:7b'],
      ['/v1/chat/completions', 'qwen2.5-coder:7b'],
    ]);
    expect(JSON.stringify(ollama.requests[1].body.messages)).toContain('891 38.38');
  }, 120_000);
});
