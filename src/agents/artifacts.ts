/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Turns what a snippet produced (open matplotlib figures, files under the output folder) into
 * ADK artifacts, so `adk web` lists them and other agents and tools can load them by name. The
 * model only ever reads the artifact names, never the bytes.
 */

import {Context, type EventActions, type InvocationContext} from '@google/adk';

import type {ExecutionResult} from '../code_executors/sandbox.js';
import {base64Bytes} from '../utils/base64.js';

/** One artifact saved from an execution. */
export interface SavedArtifact {
  /** Artifact file name, e.g. `figure_3f9a1c2e_s2_1.png` or `report.md`. */
  name: string;
  /** Version returned by the artifact service. */
  version: number;
  mimeType: string;
  /** Size of the decoded bytes. */
  bytes: number;
  /** Where it came from: a figure left open, or a file under the output folder. */
  source: 'figure' | 'file';
  /** For files: the path relative to the output folder. */
  path?: string;
}

/** What {@link saveExecutionArtifacts} did. */
export interface SavedArtifacts {
  artifacts: SavedArtifact[];
  /** One line per figure or file that could not be saved (no artifact service, ...). */
  problems: string[];
}

/** Options of {@link saveExecutionArtifacts}. */
export interface SaveArtifactsOptions {
  /** Names figure artifacts uniquely within the session (invocation and step). */
  figurePrefix: string;
  /** Figures and files larger than this are not saved (a line in `problems` says so). */
  maxArtifactBytes: number;
}

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

/** The kernel's MIME type when well formed (it is untrusted input), else a generic one. */
export function safeMimeType(mimeType: string | undefined): string {
  return mimeType && MIME_TYPE.test(mimeType) && mimeType.length <= 127
    ? mimeType.toLowerCase()
    : 'application/octet-stream';
}

export {base64Bytes};

/** Human-readable size: `812 B`, `14.2 KB`, `52.4 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`;
  if (bytes < 1_000_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${(bytes / 1_000_000_000).toFixed(2)} GB`;
}

/**
 * Saves an execution's figures and output files as artifacts of the session, recording each in
 * `eventActions.artifactDelta` (so the step's event announces them). Never throws: a figure or
 * file that cannot be saved is reported in `problems`, which the model reads.
 */
export async function saveExecutionArtifacts(
  invocationContext: InvocationContext,
  eventActions: EventActions,
  result: ExecutionResult,
  options: SaveArtifactsOptions,
): Promise<SavedArtifacts> {
  const saved: SavedArtifacts = {artifacts: [], problems: []};
  if (result.figures.length === 0 && result.files.length === 0) return saved;
  if (!invocationContext.artifactService) {
    saved.problems.push(
      'Figures and files were not saved as artifacts: the runner has no artifact service.',
    );
    return saved;
  }
  const context = new Context({invocationContext, eventActions});
  const save = async (
    name: string,
    mimeType: string,
    data: string,
    source: SavedArtifact['source'],
    path?: string,
  ) => {
    const bytes = base64Bytes(data);
    if (bytes > options.maxArtifactBytes) {
      saved.problems.push(
        `${path ?? name} (${formatBytes(bytes)}) was not saved as an artifact: larger than the limit of ${formatBytes(options.maxArtifactBytes)}.`,
      );
      return;
    }
    try {
      const version = await context.saveArtifact(name, {inlineData: {mimeType, data}});
      saved.artifacts.push({name, version, mimeType, bytes, source, path});
    } catch (error) {
      saved.problems.push(
        `${path ?? name} could not be saved as an artifact: ${(error as Error).message}`,
      );
    }
  };
  for (const [index, figure] of result.figures.entries()) {
    const mimeType = safeMimeType(figure.mimeType);
    const extension = mimeType === 'image/png' ? 'png' : (mimeType.split('/')[1] ?? 'bin');
    await save(
      `${options.figurePrefix}_${index + 1}.${extension}`,
      mimeType,
      figure.data,
      'figure',
    );
  }
  for (const file of result.files) {
    // Files keep their path under output/, so rewriting report.md makes a new version of it.
    await save(
      artifactNameForFile(file.name),
      safeMimeType(file.mimeType),
      file.data,
      'file',
      file.name,
    );
  }
  return saved;
}

/** Artifact name of a file under the output folder: its relative path, made safe. */
export function artifactNameForFile(relativePath: string): string {
  const cleaned = relativePath
    .split('/')
    .filter((segment) => segment && segment !== '.' && segment !== '..')
    .join('/')
    // `user:` names are shared across a user's sessions in ADK; a file must not reach there.
    .replace(/^user:/i, 'user_')
    // Bidi controls and zero-width characters make a name read as another
    // (`invoice\u202efdp.exe` shows as `invoiceexe.pdf`): dropped.
    .replace(/[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f-\x9f\\]/g, '_');
  return cleaned || 'output';
}
