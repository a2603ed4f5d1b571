/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {BubblewrapCodeExecutor} from './bubblewrap/bubblewrap_code_executor.js';
import type {CodeExecutor} from './sandbox.js';

let shared: CodeExecutor | undefined;

/**
 * The executor used by agents that name none: one `BubblewrapCodeExecutor` per process, created
 * on first use. Sessions inside it are keyed, so sharing it between agents is safe.
 *
 * @throws Error on platforms without bubblewrap, saying which executor to pass instead.
 */
export function defaultCodeExecutor(): CodeExecutor {
  if (process.platform !== 'linux') {
    throw new Error(
      `CodingAgent needs a codeExecutor on ${process.platform}: the default, BubblewrapCodeExecutor, runs on Linux only. Pass a codeExecutor that runs here, e.g. new UnsandboxedCodeExecutor() for development only (it does not isolate anything).`,
    );
  }
  shared ??= new BubblewrapCodeExecutor();
  return shared;
}
