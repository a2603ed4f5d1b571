/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The PostgreSQL server tests run against: `CODING_AGENT_TEST_POSTGRES_URL`, by default the
 * loopback cluster `scripts/postgres_setup.sh` starts. Each test file gets a database of its
 * own (so test files and several checkouts can share one server) and drops it at the end.
 * When no server answers, suites skip with the reason in their title, unless
 * `CODING_AGENT_REQUIRE_SANDBOXES=1` (CI): then they run and fail with the reason.
 */

import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import pg from 'pg';

import {sandboxesRequired} from './sandboxes.js';

/** The server `scripts/postgres_setup.sh` sets up (its role may create databases). */
export const DEFAULT_TEST_POSTGRES_URL =
  'postgres://coding_agent_test:coding_agent_test@127.0.0.1:55432/coding_agent_test';

/** A database of one test file. */
export interface TestDatabase {
  /** Connection URL, as ADK's `DatabaseSessionService` takes it (`postgres://…`). */
  url: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

/** The test server as suites see it. */
export interface TestPostgres {
  /** Why PostgreSQL cannot be used here; undefined when it can (or when it is required). */
  skipReason?: string;
  /** Suite title: `PostgreSQL`, plus the skip reason when skipped. */
  title: string;
  /** Creates a fresh, empty database (throws the reason when required but unavailable). */
  createDatabase(): Promise<TestDatabase>;
}

/** The server's URL: `CODING_AGENT_TEST_POSTGRES_URL`, else {@link DEFAULT_TEST_POSTGRES_URL}. */
export function testPostgresUrl(): string {
  return process.env.CODING_AGENT_TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
}

let probed: Promise<string | undefined> | undefined;

/** Finds the test server (probed once per process): `await` it at the top of a test file. */
export async function testPostgres(): Promise<TestPostgres> {
  const url = testPostgresUrl();
  probed ??= probe(url);
  const unavailable = await probed;
  const skipReason = sandboxesRequired ? undefined : unavailable;
  return {
    skipReason,
    title: skipReason ? `PostgreSQL (skipped: ${skipReason})` : 'PostgreSQL',
    async createDatabase() {
      if (unavailable) {
        throw new Error(
          `PostgreSQL is required (CODING_AGENT_REQUIRE_SANDBOXES=1) but unavailable: ${unavailable}`,
        );
      }
      return createDatabase(url);
    },
  };
}

/** Undefined when the server answers; else why not, and how to get one. */
async function probe(url: string): Promise<string | undefined> {
  const client = new pg.Client({connectionString: url, connectionTimeoutMillis: 3000});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (
      `no PostgreSQL at ${redact(url)} (${(error as Error).message}): run ` +
      "'bash scripts/postgres_setup.sh' as root, or set CODING_AGENT_TEST_POSTGRES_URL"
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `coding_agent_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE: ADK's DatabaseSessionService has no close(), so its pools stay connected.
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** Runs one statement on the server's own database. */
async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({connectionString: serverUrl});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** A database for session services (ADK's `DatabaseSessionService` URL), and how to remove it. */
export interface SessionStore {
  title: string;
  /** Why the store cannot be used here (its tests skip with it). */
  skipReason?: string;
  open(): Promise<{url: string; remove(): Promise<void>}>;
}

/** The databases a session test runs on: a fresh SQLite file, and the test PostgreSQL. */
export async function sessionStores(): Promise<SessionStore[]> {
  const postgres = await testPostgres();
  return [
    {
      title: 'SQLite',
      open: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'coding-agent-sqlite-'));
        return {
          url: `sqlite://${join(dir, 'sessions.db')}`,
          remove: async () => rmSync(dir, {recursive: true, force: true}),
        };
      },
    },
    {
      title: postgres.title,
      skipReason: postgres.skipReason,
      open: async () => {
        const db = await postgres.createDatabase();
        return {url: db.url, remove: db.drop};
      },
    },
  ];
}
