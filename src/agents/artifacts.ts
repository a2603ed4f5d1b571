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

import {createHash} from 'node:crypto';

import {Context, type EventActions, type InvocationContext} from '@google/adk';

import type {ExecutionResult} from '../code_executors/sandbox.js';
import {formatFileSize} from '../utils/byte_size.js';
import {base64Bytes, isActiveMimeType, safeMimeType} from '../utils/mime.js';

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
  /** For figures: its index in the execution's `figures`. */
  figureIndex?: number;
}

/** What {@link saveExecutionArtifacts} did. */
export interface SavedArtifacts {
  artifacts: SavedArtifact[];
  /**
   * Lines the model reads: one per figure or file that could not be saved (no artifact service,
   * too large, ...) or was saved as `text/plain` instead of an active type.
   */
  problems: string[];
}

/** Options of {@link saveExecutionArtifacts}. */
export interface SaveArtifactsOptions {
  /** Names figure artifacts uniquely within the session (invocation and step). */
  figurePrefix: string;
  /** Figures and files larger than this are not saved (a line in `problems` says so). */
  maxArtifactBytes: number;
  /**
   * Active MIME types (see {@link isActiveMimeType}) stored as they are; every other active type
   * is stored as `text/plain` (a line in `problems` says so). Default none.
   */
  allowedActiveArtifactTypes?: readonly string[];
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
  const allowedActive = new Set(options.allowedActiveArtifactTypes?.map((t) => t.toLowerCase()));
  const save = async (
    name: string,
    declaredMimeType: string,
    data: string,
    source: SavedArtifact['source'],
    path?: string,
    figureIndex?: number,
  ) => {
    const bytes = base64Bytes(data);
    if (bytes > options.maxArtifactBytes) {
      saved.problems.push(
        `${path ?? name} (${formatFileSize(bytes)}) was not saved as an artifact: larger than the limit of ${formatFileSize(options.maxArtifactBytes)}.`,
      );
      return;
    }
    let mimeType = declaredMimeType;
    if (isActiveMimeType(mimeType) && !allowedActive.has(mimeType)) {
      // A viewer would run it (with the web UI's origin); as text it is still downloadable.
      mimeType = 'text/plain';
      saved.problems.push(
        `${name} was saved as text/plain, not ${declaredMimeType}: viewers run that type, and this agent does not allow it.`,
      );
    }
    try {
      const version = await context.saveArtifact(name, {inlineData: {mimeType, data}});
      saved.artifacts.push({name, version, mimeType, bytes, source, path, figureIndex});
    } catch (error) {
      saved.problems.push(
        `${path ?? name} could not be saved as an artifact: ${(error as Error).message}`,
      );
    }
  };
  for (const [index, figure] of result.figures.entries()) {
    const mimeType = safeMimeType(figure.mimeType);
    // `image/svg+xml` → `svg`; anything odd → `bin`.
    const subtype = mimeType.split('/')[1]?.split('+')[0] ?? '';
    const extension = /^[a-z0-9]{1,10}$/.test(subtype) ? subtype : 'bin';
    await save(
      `${options.figurePrefix}_${index + 1}.${extension}`,
      mimeType,
      figure.data,
      'figure',
      undefined,
      index,
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

/** Longest artifact name of an output file, in characters (code points). */
export const MAX_ARTIFACT_NAME_CHARS = 200;

/**
 * Characters that change how a name reads without being seen: every Unicode format character
 * (`Cf`: the bidi controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, the zero-width
 * U+200B–U+200D, U+2060, U+FEFF, the soft hyphen, tag characters, ...) and the blank letters
 * (Hangul fillers, the braille blank).
 */
const INVISIBLE = /[\p{Cf}\u115f\u1160\u3164\uffa0\u2800]/gu;
/** Control characters (C0, DEL, C1), line and paragraph separators and backslashes. */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\\]/gu;

/**
 * Artifact name of a file under the output folder: its relative path, made safe to show and to
 * store. Invisible characters (every Unicode format character, such as the bidi controls and
 * zero-width characters, and the blank letters) are dropped, so `invoice\u202efdp.exe` is `invoicefdp.exe` and reads as what it is; control
 * characters and backslashes become `_`, and a run of spaces of any kind one plain space; `.`, `..` and empty
 * segments go; a segment's leading dots become `_` and its trailing dots and spaces go (no hidden
 * files, no `report.pdf.`); `user:` (ADK's prefix for names shared across a user's sessions)
 * becomes `user_`. A name longer than {@link MAX_ARTIFACT_NAME_CHARS} is cut, keeping a hash of
 * the whole name (so long names stay distinct) and the extension.
 */
export function artifactNameForFile(relativePath: string): string {
  const cleaned = relativePath
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(CONTROL, '_')
    .replace(/\p{Zs}+/gu, ' ')
    .split('/')
    .map((segment) =>
      segment
        .trim()
        .replace(/[. ]+$/, '')
        .replace(/^\.+/, '_'),
    )
    .filter(Boolean)
    .join('/')
    .replace(/^user:/i, 'user_');
  return capLength(cleaned || 'output');
}

/** `name` cut to {@link MAX_ARTIFACT_NAME_CHARS} characters, keeping its extension visible. */
function capLength(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= MAX_ARTIFACT_NAME_CHARS) return name;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 && base.length - dot <= 16 ? base.slice(dot) : '';
  const tag = `~${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  const keep = MAX_ARTIFACT_NAME_CHARS - tag.length - Array.from(extension).length;
  return chars.slice(0, keep).join('') + tag + extension;
}
