/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Starts `adk web` (from @google/adk-devtools), finds or installs Debian's Chromium, and gives a
 * describe block both.
 */

import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {chromium, type BrowserContext, type Page} from 'playwright-core';
import {afterAll, beforeAll} from 'vitest';

import {sandboxesRequired} from './sandboxes.js';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium that talks to nothing but the page under test (no GPU, QUIC,
 * first-run, sync, component updates or background requests). Playwright adds the fresh
 * profile folder itself (`launchPersistentContext`).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Returns why Chromium is unavailable, or undefined once it is there: when it is missing and
 * this process is root it runs `apt-get install -y chromium` (CI machines start fresh).
 */
export function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.getuid?.() !== 0) {
    return `${CHROMIUM} is missing: run 'sudo apt-get install -y chromium'`;
  }
  const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      env,
      encoding: 'utf8',
    });
  let result = install();
  if (result.status !== 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['update', '-qq'], {env, encoding: 'utf8'});
    result = install();
  }
  if (result.status !== 0 || !existsSync(CHROMIUM)) {
    return `apt-get install chromium failed: ${(result.stderr || result.stdout || '').trim().split('\n').pop()}`;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A running `adk web`. */
export interface AdkWeb {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** What the server printed so far (for failure messages). */
  output(): string;
  /** Stops the server (its whole process group) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `adk web <agentsDir>` (or `adk api_server`, the same server without the UI) on
 * 127.0.0.1 (a free port) with `env` added to this process's environment, and waits until it
 * lists its apps.
 */
export async function startAdkWeb(
  agentsDir: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
  command: 'web' | 'api_server' = 'web',
): Promise<AdkWeb> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // A temporary folder of its own: the agent loader bundles the agents there (and loads parts
  // of the bundle later), so removing it at stop cannot touch a server another test started.
  const tmp = mkdtempSync(join(tmpdir(), 'adk-web-'));
  // Searchable, as /tmp is, by the sandbox's user (its session folders are made inside).
  chmodSync(tmp, 0o711);
  const port = await freePort();
  const child = spawn(
    `${root}node_modules/.bin/adk`,
    [command, agentsDir, '--host', '127.0.0.1', '--port', String(port)],
    // Own process group, so stop() reaches the server and everything it started.
    {
      cwd: root,
      env: {...process.env, TMPDIR: tmp, ...env},
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    // The loader's bundle folders outlive a stopped server.
    rmSync(tmp, {recursive: true, force: true});
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/list-apps`);
      if (response.ok) return {url, output: () => output, stop};
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`adk ${command} did not start on ${url}:\n${output.slice(-2000)}`);
}

/** `adk web` with a headless Chromium, for one describe block (see {@link useAdkWebBrowser}). */
export interface AdkWebBrowser {
  /** Why Chromium is unavailable (each test skips with it), once the block has started. */
  readonly unavailable: string | undefined;
  /** The server (after the block has started, when Chromium is there). */
  readonly web: AdkWeb;
  /**
   * Opens a new page of the dev UI on `app`; with `message`, sends it (after `beforeSend`, which
   * may set the page up, e.g. switch streaming on).
   */
  open(app: string, message?: string, beforeSend?: (page: Page) => Promise<void>): Promise<Page>;
}

/**
 * Starts `adk web samples` with `env` and a headless Chromium before the describe block's tests,
 * and stops both after them. Without Chromium the tests skip, except when the sandboxes are
 * required (CI), where the block fails.
 */
export function useAdkWebBrowser(env: Record<string, string>): AdkWebBrowser {
  let web: AdkWeb | undefined;
  let browser: BrowserContext | undefined;
  let profile: string | undefined;
  let unavailable: string | undefined;

  beforeAll(async () => {
    unavailable = ensureChromium();
    if (unavailable) {
      if (sandboxesRequired) throw new Error(unavailable);
      return;
    }
    web = await startAdkWeb('samples', env);
    profile = mkdtempSync(join(tmpdir(), 'adk-web-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: {width: 1400, height: 1150},
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    if (profile) rmSync(profile, {recursive: true, force: true});
  });

  return {
    get unavailable() {
      return unavailable;
    },
    get web() {
      return web!;
    },
    async open(app, message, beforeSend) {
      const page = await browser!.newPage();
      await page.goto(`${web!.url}/dev-ui/?app=${app}`);
      const input = page.locator('textarea').first();
      await input.waitFor({timeout: 30_000});
      await beforeSend?.(page);
      if (message !== undefined) {
        await input.fill(message);
        await input.press('Enter');
      }
      return page;
    },
  };
}
