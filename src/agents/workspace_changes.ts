/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A copy-on-write workspace's changes, returned with the run: at the run's final event the
 * sandbox's copy is compared with the host folder (host side), and the unified diff is saved as
 * the `workspace.diff` artifact, announced in the final event's `artifactDelta` with a summary
 * in its `customMetadata.codingAgent.workspaceChanges`. The host folder itself is never written.
 */

import {Context, type Event, type InvocationContext} from '@google/adk';

import type {SandboxSession} from '../code_executors/sandbox.js';
import {summaryLine} from '../code_executors/workspace.js';

/** The artifact name of a run's workspace changes (each run's diff is a new version). */
export const WORKSPACE_DIFF_ARTIFACT = 'workspace.diff';

/** What the final event's metadata says about the workspace's changes. */
export interface WorkspaceChangesRecord {
  /** The artifact and its version, when there were changes and it was saved. */
  artifact?: {name: string; version: number};
  added: string[];
  removed: string[];
  changed: string[];
  binary: string[];
  truncated: boolean;
  /** One line, e.g. `Workspace changes: 1 added, 2 changed, 0 removed`. */
  summary: string;
  /** Why the changes could not be read or saved. */
  error?: string;
}

/**
 * Saves the sandbox's copy-on-write workspace changes on `event` (the run's final event): the
 * diff as an artifact (in the event's `artifactDelta`), the summary in its metadata. Does
 * nothing for sessions without a copy-on-write workspace. Never throws.
 */
export async function recordWorkspaceChanges(
  ctx: InvocationContext,
  event: Event,
  sandbox: SandboxSession,
): Promise<WorkspaceChangesRecord | undefined> {
  if (sandbox.workspace?.mode !== 'copy-on-write' || !sandbox.workspaceChanges) return undefined;
  let record: WorkspaceChangesRecord;
  try {
    const changes = await sandbox.workspaceChanges();
    if (!changes) return undefined;
    record = {
      added: changes.added,
      removed: changes.removed,
      changed: changes.changed,
      binary: changes.binary,
      truncated: changes.truncated,
      summary: summaryLine(changes),
    };
    if (changes.diff) {
      if (!ctx.artifactService) {
        record.error = 'the runner has no artifact service: the diff was not saved';
      } else {
        const context = new Context({invocationContext: ctx, eventActions: event.actions});
        const data = Buffer.from(changes.diff, 'utf8').toString('base64');
        const version = await context.saveArtifact(WORKSPACE_DIFF_ARTIFACT, {
          inlineData: {mimeType: 'text/x-diff', data},
        });
        record.artifact = {name: WORKSPACE_DIFF_ARTIFACT, version};
      }
    }
  } catch (error) {
    record = {
      added: [],
      removed: [],
      changed: [],
      binary: [],
      truncated: false,
      summary: 'Workspace changes could not be read',
      error: (error as Error).message,
    };
  }
  const metadata = event.customMetadata?.codingAgent as Record<string, unknown> | undefined;
  if (metadata) metadata.workspaceChanges = record;
  return record;
}
