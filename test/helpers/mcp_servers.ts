/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** The reference MCP servers from npm (dev dependencies), started over stdio. */

import {createRequire} from 'node:module';

import type {MCPConnectionParams} from '@google/adk';

import {commandLine, processTree} from './processes.js';

const require = createRequire(import.meta.url);

/** `@modelcontextprotocol/server-everything`'s entry script (run with the argument `stdio`). */
export const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
/** `@modelcontextprotocol/server-filesystem`'s entry script (arguments: the allowed folders). */
export const FILESYSTEM = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');

/** Connection parameters that start `script` with this Node over stdio (its stderr dropped). */
export function stdioParams(script: string, ...args: string[]): MCPConnectionParams {
  return {
    type: 'StdioConnectionParams',
    serverParams: {command: process.execPath, args: [script, ...args], stderr: 'ignore'},
  };
}

/** Processes of this process's tree running `script` (servers started over stdio). */
export function serversRunning(script: string): number[] {
  return processTree(process.pid).filter((pid) => commandLine(pid).includes(script));
}
