/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A CodingAgent with ADK's `MCPToolset` against real MCP servers: the reference servers from
 * npm over stdio (`@modelcontextprotocol/server-everything`, `server-filesystem`) and an SDK
 * server over Streamable HTTP on loopback. The model is scripted; the sandbox, the servers, the
 * MCP client and ADK's Runner are real.
 */

import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {
  InMemorySessionService,
  MCPToolset,
  Runner,
  type Event,
  type MCPConnectionParams,
} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {CodingAgent, ScriptedLlm, type CodeExecutor} from '../../src/index.js';
import {finalText, observations, persisted, startSession} from '../helpers/agent_harness.js';
import {
  startMcpHttpServer,
  TINY_PNG_BASE64,
  type McpHttpServer,
} from '../helpers/mcp_http_server.js';
import {EVERYTHING, FILESYSTEM, serversRunning, stdioParams} from '../helpers/mcp_servers.js';
import {waitGone} from '../helpers/processes.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

/** Asserts that `text` contains each of `parts`. */
function expectAll(text: string, parts: string[]): void {
  for (const part of parts) expect(text).toContain(part);
}

function systemPrompt(model: ScriptedLlm): string {
  return String(model.requests[0].config?.systemInstruction);
}

function artifactDelta(events: Event[]): Record<string, number> {
  return Object.assign({}, ...persisted(events).map((e) => e.actions.artifactDelta));
}

/** One scripted step: the code, then `final_answer(answer)` in a second step. */
function script(code: string, answer = 'out'): ScriptedLlm {
  return new ScriptedLlm({
    responses: [`\`\`\`python\n${code}\n\`\`\``, `\`\`\`python\nfinal_answer(${answer})\n\`\`\``],
  });
}

const backend = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe.skipIf(backend.skipReason !== undefined)(`MCP tools from code (${backend.title})`, () => {
  let executor: CodeExecutor;
  let http: McpHttpServer;

  beforeAll(async () => {
    executor = backend.create();
    http = await startMcpHttpServer();
  });
  afterAll(async () => {
    await executor?.dispose();
    await http?.close();
  });

  it('server-everything: hyphenated tools run from a loop, with Python values and one server process per run', async () => {
    const toolset = new MCPToolset(stdioParams(EVERYTHING, 'stdio'));
    const serverPids: number[][] = [];
    const model = script(
      [
        'sums = [get_sum(a=i, b=10) for i in range(5)]',
        'weather = get_structured_content(location="Chicago")',
        'image = get_tiny_image()',
        'print(type(sums[0]).__name__, sums[-1])',
        'print(type(weather).__name__, sorted(weather))',
        'print([type(x).__name__ for x in image], image[1]["type"], image[1]["mimeType"], "data" in image[1])',
        'ref = get_resource_reference(resourceType="Blob", resourceId=2)',
        'print(sorted(ref[1]["resource"]), ref[1]["resource"]["size"])',
        'links = get_resource_links(count=2)',
        'print([x["type"] if isinstance(x, dict) else "str" for x in links])',
        'out = image[1]["artifact"]',
      ].join('\n'),
      'out',
    );
    const agent = new CodingAgent({
      name: 'everything',
      model,
      tools: [toolset],
      codeExecutor: executor,
      afterToolCallback: () => {
        serverPids.push(serversRunning(EVERYTHING));
        return undefined;
      },
    });
    const session = await startSession(agent);
    const events = await session.turn('Add, check the weather, get the image.');

    expectAll(systemPrompt(model), [
      'def get_sum(a: float, b: float):',
      '(The tool "get-sum".)',
      'def get_annotated_message(messageType: str, includeImage: bool = False):',
      'def get_structured_content(location: str) -> dict:',
      '{"temperature": float, "conditions": str, "humidity": float}',
    ]);
    expectAll(observations(events)[0], [
      'str The sum of 4 and 10 is 14.',
      "dict ['conditions', 'humidity', 'temperature']",
      "['str', 'dict', 'str'] image image/png False",
      "['str', 'resource_link', 'resource_link']",
    ]);
    // The blob's size is the server's (it changes between server versions): any size is fine.
    expect(observations(events)[0]).toMatch(/\['artifact', 'mimeType', 'size', 'uri'\] \d+/);
    // The image is an artifact of the session, announced by the step's event.
    const name = finalText(events);
    expect(name).toMatch(/^mcp_get_tiny_image_[0-9a-f]{8}_1\.png$/);
    expect(artifactDelta(events)[name]).toBe(0);
    expect((await session.artifact(name))?.inlineData?.mimeType).toBe('image/png');
    // Nine calls, one server process, the same one for every call.
    expect(serverPids).toHaveLength(9);
    expect(new Set(serverPids.flat()).size).toBe(1);
    // The run closed its session and the toolset: no server process is left.
    expect(await waitGone(serversRunning(EVERYTHING))).toEqual([]);
  });

  it("toolFilter: ['get-sum'] and a toolset prefix work, the call reaching the server's name", async () => {
    const model = script('out = get_sum(a=2, b=3)', 'out');
    const agent = new CodingAgent({
      name: 'filtered',
      model,
      tools: [new MCPToolset(stdioParams(EVERYTHING, 'stdio'), ['get-sum'])],
      codeExecutor: executor,
    });
    const events = await (await startSession(agent)).turn('2 + 3?');
    expect(finalText(events)).toBe('The sum of 2 and 3 is 5.');
    expect(systemPrompt(model).match(/^def /gm)).toHaveLength(1);

    const prefixed = script('out = everything_get_sum(a=1, b=1)', 'out');
    const withPrefix = new CodingAgent({
      name: 'prefixed',
      model: prefixed,
      tools: [
        new MCPToolset(stdioParams(EVERYTHING, 'stdio'), ['everything_get-sum'], 'everything'),
      ],
      codeExecutor: executor,
    });
    const answer = await (await startSession(withPrefix)).turn('1 + 1?');
    expect(finalText(answer)).toBe('The sum of 1 and 1 is 2.');
    expect(systemPrompt(prefixed)).toContain('(The tool "everything_get-sum".)');
  });

  it('server-filesystem: results are dicts (structuredContent) and an error result raises ToolError with the server message', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mcp-fs-'));
    try {
      writeFileSync(join(root, 'prices.csv'), 'item,price\napple,3\npear,5\n');
      const model = script(
        [
          `text = read_text_file(path=${JSON.stringify(join(root, 'prices.csv'))})`,
          'print(type(text).__name__, sorted(text))',
          'rows = text["content"].splitlines()[1:]',
          'total = sum(int(r.split(",")[1]) for r in rows)',
          'try:',
          '    read_text_file(path="/etc/hostname")',
          'except ToolError as e:',
          '    print("ToolError:", e)',
        ].join('\n'),
        'total',
      );
      const agent = new CodingAgent({
        name: 'files',
        model,
        tools: [new MCPToolset(stdioParams(FILESYSTEM, root))],
        codeExecutor: executor,
      });
      const events = await (await startSession(agent)).turn('Sum the prices.');

      expect(systemPrompt(model)).toContain(
        'def read_text_file(path: str, tail: float = None, head: float = None) -> dict:',
      );
      const [output] = observations(events);
      expect(output).toContain("dict ['content']");
      expect(output).toMatch(
        /ToolError: read_text_file\(path="\/etc\/hostname"\) failed: .*Access denied/,
      );
      expect(finalText(events)).toBe('8');
    } finally {
      rmSync(root, {recursive: true, force: true});
    }
  });

  it('Streamable HTTP: names Python cannot take, defaults, structured results, images, isError, one session per run', async () => {
    const params: MCPConnectionParams = {type: 'StreamableHTTPConnectionParams', url: http.url};
    const model = script(
      [
        'print(get_sum(a=1, b=2), get_sum_2(a=1, b=2))',
        'w = weather_current(city="Oslo")',
        'print(w["city"], len(w["days"]), w["days"][0])',
        'print(len(weather_current(city="Paris", max_days=5, from_="2026-01-01")["days"]))',
        'print(class_(name="x"), resume(), _3d_render()[0])',
        'img = _3d_render()[1]',
        'try:',
        '    fail()',
        'except ToolError as e:',
        '    print("ToolError:", e)',
        'for i in range(20):',
        '    get_sum(a=i, b=i)',
      ].join('\n'),
      'img',
    );
    const agent = new CodingAgent({
      name: 'remote',
      model,
      tools: [new MCPToolset(params)],
      codeExecutor: executor,
    });
    const session = await startSession(agent);
    const sessionsBefore = http.sessionsOpened();
    const endedBefore = http.sessionsEnded();
    const callsBefore = http.calls.length;
    const events = await session.turn('Go.');

    expectAll(systemPrompt(model), [
      'def get_sum_2(a: float, b: float):\n    """Adds two numbers.\n    \n    (The tool "get-sum".)',
      'def get_sum(a: float, b: float):\n    """Adds two numbers, times ten.',
      'def weather_current(city: str, max_days: int = 3, from_: str = None) -> dict:',
      'max_days ("max-days"): Days to forecast.',
      'city: The city. One of: "Paris", "Oslo".',
      '{"city": str, "days": list[{"day": int, "high": float}]}',
      'def class_(name: str):',
      'def resume():',
      'def _3d_render():',
    ]);

    expectAll(observations(events)[0], [
      '30 3',
      "Oslo 3 {'day': 1, 'high': 20}",
      '\n5\n',
      'class x summary rendered',
      'ToolError: fail() failed: quota exceeded for key 42',
    ]);
    const image = JSON.parse(finalText(events).replace(/'/g, '"')) as Record<string, unknown>;
    expect(image).toMatchObject({type: 'image', mimeType: 'image/png', size: 70});
    const saved = await session.artifact(String(image.artifact));
    expect(saved?.inlineData?.data).toBe(TINY_PNG_BASE64);
    expect(http.calls.slice(callsBefore, callsBefore + 8)).toEqual([
      'get_sum',
      'get-sum',
      'weather.current',
      'weather.current',
      'class',
      'résumé',
      '3d-render',
      '3d-render',
    ]);
    expect(http.calls.length - callsBefore).toBe(29);
    // One session lists the tools (ADK's getTools), one carries all 29 calls.
    expect(http.sessionsOpened() - sessionsBefore).toBe(2);
    // The run told the server its session is over (ADK's listing session is just dropped).
    expect(http.sessionsEnded() - endedBefore).toBe(1);
  });

  it('without an artifact service an image stays in the value as base64, with a note', async () => {
    const agent = new CodingAgent({
      name: 'no_artifacts',
      model: script('out = _3d_render()[1]', 'out'),
      tools: [
        new MCPToolset({type: 'StreamableHTTPConnectionParams', url: http.url}, ['3d-render']),
      ],
      codeExecutor: executor,
    });
    const runner = new Runner({
      appName: 'app',
      agent,
      sessionService: new InMemorySessionService(),
    });
    const session = await runner.sessionService.createSession({appName: 'app', userId: 'u'});
    const events: Event[] = [];
    for await (const event of runner.runAsync({
      userId: 'u',
      sessionId: session.id,
      newMessage: {role: 'user', parts: [{text: 'Render.'}]},
    })) {
      events.push(event);
    }
    expect(JSON.parse(finalText(events).replace(/'/g, '"'))).toEqual({
      type: 'image',
      mimeType: 'image/png',
      data: TINY_PNG_BASE64,
      note: 'not saved as an artifact: the runner has no artifact service',
    });
  });

  it('a run ending does not cut the MCP calls of another run of the same agent', async () => {
    const params: MCPConnectionParams = {type: 'StreamableHTTPConnectionParams', url: http.url};
    const model = new ScriptedLlm({
      responses: (request) => {
        const asked = JSON.stringify(request.contents);
        const answered = asked.includes('Observation');
        if (asked.includes('slow run'))
          return answered ? '```python\nfinal_answer(r)\n```' : '```python\nr = slow(ms=1500)\n```';
        return answered
          ? '```python\nfinal_answer(s)\n```'
          : '```python\ns = get_sum(a=1, b=1)\n```';
      },
    });
    const agent = new CodingAgent({
      name: 'shared',
      model,
      tools: [new MCPToolset(params)],
      codeExecutor: executor,
    });
    const slowSession = await startSession(agent);
    const quickSession = await startSession(agent);
    const slowStartedBefore = http.calls.filter((c) => c === 'slow').length;
    const slowRun = slowSession.turn('slow run');
    await http.slowStarted(slowStartedBefore + 1);
    // The quick run ends (and releases the toolset) while the slow call is in flight.
    expect(finalText(await quickSession.turn('quick run'))).toBe('20');
    expect(finalText(await slowRun)).toBe('done');
  });
});
