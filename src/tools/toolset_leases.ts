/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import type {BaseToolset} from '@google/adk';

/** Runs using each toolset now. Toolsets are shared by every session an agent serves. */
const runsUsing = new WeakMap<BaseToolset, number>();

/**
 * Marks `toolsets` as used by one run, and returns the function that ends that use: it closes
 * each toolset no other run is still using (ADK's Runner closes toolsets at the end of a run,
 * but only an `LlmAgent`'s). Closing a toolset in use would cut the other run's calls: an
 * `MCPToolset`'s `close()` ends every session it has open. Errors of `close()` are dropped, as
 * the Runner drops them. The returned function is idempotent.
 */
export function leaseToolsets(toolsets: readonly BaseToolset[]): () => Promise<void> {
  for (const toolset of toolsets) runsUsing.set(toolset, (runsUsing.get(toolset) ?? 0) + 1);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const idle = toolsets.filter((toolset) => {
      const left = (runsUsing.get(toolset) ?? 1) - 1;
      runsUsing.set(toolset, left);
      return left === 0;
    });
    await Promise.allSettled(idle.map((toolset) => toolset.close()));
  };
}
