/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {DATASETS, fetchUrl} from '../../samples/data_analyst/tools.js';

describe('data_analyst sample tools', () => {
  let base = '';
  const server = createServer((req, res) => {
    // An endless body: fetch_url must stop reading at its limit.
    if (req.url === '/endless') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    res.writeHead(req.url === '/ok' ? 200 : 404).end('a,b\n1,2\n');
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fetch_url returns text, refuses other schemes and errors, and stops at its size limit', async () => {
    expect(await fetchUrl(`${base}/ok`)).toBe('a,b\n1,2\n');
    await expect(fetchUrl('file:///etc/passwd')).rejects.toThrow('only http and https');
    await expect(fetchUrl(`${base}/missing`)).rejects.toThrow('answered 404');
    await expect(fetchUrl(`${base}/endless`, 1_000_000)).rejects.toThrow(
      'larger than the 1000000-byte limit',
    );
  });

  it('ships every catalogued data set', async () => {
    const {existsSync} = await import('node:fs');
    for (const dataset of DATASETS) {
      expect(existsSync(new URL(`../../samples/data/${dataset.file}`, import.meta.url))).toBe(true);
    }
  });
});
