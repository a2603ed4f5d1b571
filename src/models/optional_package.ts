/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {createRequire} from 'node:module';

/**
 * Loads an optional peer dependency (a provider's SDK) at run time.
 *
 * Loaded here rather than imported, for two reasons: a user of one provider does not install the
 * others' SDKs, and bundlers that inline `node_modules` (the esbuild run by `adk web` and
 * `adk run` on agent files) do not follow a run-time `require`, so an agent file bundles whether
 * or not the SDK is installed. `adk web` links the project's `node_modules` beside the bundle,
 * so the require still finds the package there.
 *
 * @param name The npm package, e.g. `openai`.
 * @param neededBy Who needs it, for the error message, e.g. `openai/gpt-4o`.
 * @throws An error naming the package and the install command when it is missing.
 */
export function requireOptionalPackage<T>(name: string, neededBy: string): T {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`)) {
      throw new Error(
        `${neededBy} needs the npm package "${name}", an optional peer dependency of adk-coding-agent: run npm install ${name}`,
        {cause: error},
      );
    }
    throw error;
  }
}
