/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {createRequire} from 'node:module';

import type Docker from 'dockerode';

/**
 * A Docker client from connection options, or the client given.
 *
 * dockerode is loaded here, at run time, rather than imported: bundlers that inline
 * `node_modules` (the esbuild run by `adk web` and `adk run` on agent files) follow static
 * imports into ssh2, whose compiled addon they cannot bundle, and the whole agent would fail to
 * load even when it never uses Docker.
 */
export function dockerClient(options?: Docker.DockerOptions | Docker): Docker {
  const DockerClass = createRequire(import.meta.url)('dockerode') as typeof Docker;
  return options instanceof DockerClass ? options : new DockerClass(options);
}
