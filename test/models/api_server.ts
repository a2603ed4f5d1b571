/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// The HTTP side shared by the loopback stand-ins of the model APIs: listen on 127.0.0.1, record
// each request, check it, answer from a script.

import {createServer, type IncomingHttpHeaders, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A stand-in API: the requests it got, what was wrong with them, and its address. */
export interface ApiServer<Reply> {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  /** Every way a request broke the API's documented shape, `"#<n>: <problem>"`. */
  violations: string[];
  /** Queues replies, answered in order. */
  reply(...replies: Reply[]): void;
  /** Replies not used yet. */
  pending(): number;
  close(): Promise<void>;
}

/**
 * Starts a server. `check` returns the request's problems (the server then answers 400 as the
 * API would, and records them); `answer` writes the response for a reply.
 */
export async function startApiServer<Reply>(
  check: (request: RecordedRequest) => string[],
  answer: (reply: Reply, request: RecordedRequest, res: ServerResponse) => void,
  badRequest: (problems: string[], res: ServerResponse) => void,
): Promise<ApiServer<Reply>> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const queue: Reply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      const problems: string[] = [];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        problems.push('the body is not JSON');
      }
      const request = {method: req.method ?? '', path: req.url ?? '', headers: req.headers, body};
      requests.push(request);
      problems.push(...check(request));
      if (problems.length > 0) {
        violations.push(...problems.map((p) => `#${requests.length}: ${p}`));
        badRequest(problems, res);
        return;
      }
      const reply = queue.shift();
      if (reply === undefined) {
        violations.push(`#${requests.length}: no reply was scripted for this request`);
        badRequest(['no reply scripted'], res);
        return;
      }
      answer(reply, request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    reply: (...replies) => queue.push(...replies),
    pending: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes one server-sent event (`event:` line only when named). */
export function sse(res: ServerResponse, data: unknown, event?: string): void {
  res.write(
    `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
  );
}

/** Splits text into pieces of `size` characters (how servers stream it, roughly). */
export function pieces(text: string, size = 7): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** A zod error as short lines: `messages.1.content: Invalid input`. */
export function issues(error: {issues: Array<{path: PropertyKey[]; message: string}>}): string[] {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
}
