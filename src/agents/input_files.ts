/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Files in: attachments the user sent (inline data parts of user messages) and artifacts named
 * in the agent's config are written into the sandbox's input folder before the model's first
 * call, and the prompt lists their paths, sizes and types. The bytes go host → sandbox folder
 * directly; the model only reads the listing.
 */

import {Context, type Event, type InvocationContext} from '@google/adk';
import type {Part} from '@google/genai';

import type {SandboxSession} from '../code_executors/sandbox.js';
import {formatFileSize} from '../utils/byte_size.js';
import {base64Bytes, safeMimeType} from '../utils/mime.js';

/** A file placed in the sandbox's input folder. */
export interface InputFileInfo {
  /** Name in the input folder. */
  name: string;
  /** Path as code in the sandbox sees it, e.g. `/work/input/sales.csv`. */
  path: string;
  bytes: number;
  mimeType: string;
  /** Where it came from. */
  source: 'attachment' | 'artifact';
}

/** One inline-data attachment found in the session's user messages. */
export interface Attachment {
  /** `<event id>:<part index>`: identifies the part in the history. */
  id: string;
  /** File name in the input folder (unique within the session). */
  name: string;
  mimeType: string;
  /** Base64 bytes, as ADK stores them. */
  data: string;
  bytes: number;
}

/** Extensions for attachments that arrive without a display name. */
const EXTENSIONS: Record<string, string> = {
  'text/csv': 'csv',
  'text/plain': 'txt',
  'text/tab-separated-values': 'tsv',
  'application/json': 'json',
  'application/pdf': 'pdf',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.apache.parquet': 'parquet',
  'image/png': 'png',
  'image/jpeg': 'jpg',
};

/** Makes a user- or artifact-given name safe as one file name in the input folder. */
export function safeFileName(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 200);
  return cleaned || fallback;
}

/**
 * The inline-data attachments of every user message in `events`, in order, with names unique
 * within the session (a repeated name gets `_2`, `_3`, ... unless it is the same file again).
 */
export function collectAttachments(events: readonly Event[]): Attachment[] {
  const attachments: Attachment[] = [];
  const used = new Map<string, string>();
  let counter = 0;
  for (const event of events) {
    if (event.author !== 'user') continue;
    for (const [index, part] of (event.content?.parts ?? []).entries()) {
      const blob = part.inlineData;
      if (!blob?.data) continue;
      counter++;
      const mimeType = safeMimeType(blob.mimeType);
      const fallback = `attachment_${counter}.${EXTENSIONS[mimeType] ?? 'bin'}`;
      let name = safeFileName(blob.displayName, fallback);
      const data = typeof blob.data === 'string' ? blob.data : String(blob.data);
      const bytes = base64Bytes(data);
      // A re-sent file with the same name and size replaces the earlier copy; others get a suffix.
      const fingerprint = `${bytes}`;
      for (let n = 2; used.has(name) && used.get(name) !== fingerprint; n++) {
        const dot = name.lastIndexOf('.');
        const stem = dot > 0 ? name.slice(0, dot) : name;
        const ext = dot > 0 ? name.slice(dot) : '';
        name = `${stem.replace(/_\d+$/, '')}_${n}${ext}`;
      }
      used.set(name, fingerprint);
      attachments.push({id: `${event.id}:${index}`, name, mimeType, data, bytes});
    }
  }
  return attachments;
}

/** What the sandbox already holds, per session object (the folder lives as long as it does). */
const written = new WeakMap<SandboxSession, Map<string, string>>();

/** Options of {@link stageInputFiles}. */
export interface StageInputOptions {
  /** Artifact names to copy into the input folder. */
  inputArtifacts: readonly string[];
  /** Attachments or artifacts larger than this are refused (the model is told). */
  maxInputFileBytes: number;
}

/** What {@link stageInputFiles} produced. */
export interface StagedInputs {
  files: InputFileInfo[];
  /** Attachment id → its line in the history, e.g. `[attached file /work/input/a.csv ...]`. */
  attachmentNotes: Map<string, string>;
  /** Problems the model should know about (missing artifacts, oversized files). */
  problems: string[];
}

/**
 * Writes the session's attachments and the configured input artifacts into the sandbox's input
 * folder (only the ones it does not hold yet), and returns the listing for the prompt.
 */
export async function stageInputFiles(
  invocationContext: InvocationContext,
  sandbox: SandboxSession,
  options: StageInputOptions,
): Promise<StagedInputs> {
  const staged: StagedInputs = {files: [], attachmentNotes: new Map(), problems: []};
  let held = written.get(sandbox);
  if (!held) {
    held = new Map();
    written.set(sandbox, held);
  }
  const place = async (
    name: string,
    data: string,
    fingerprint: string,
    mimeType: string,
    source: InputFileInfo['source'],
  ): Promise<InputFileInfo | undefined> => {
    const bytes = base64Bytes(data);
    if (bytes > options.maxInputFileBytes) {
      staged.problems.push(
        `${name} (${formatFileSize(bytes)}) was not placed in the sandbox: larger than the limit of ${formatFileSize(options.maxInputFileBytes)}.`,
      );
      return undefined;
    }
    const path = `${sandbox.inputDir}/${name}`;
    if (held.get(name) !== fingerprint) {
      await sandbox.writeFiles([{name, data: Buffer.from(data, 'base64')}]);
      held.set(name, fingerprint);
    }
    const info: InputFileInfo = {name, path, bytes, mimeType, source};
    staged.files.push(info);
    return info;
  };

  for (const attachment of collectAttachments(invocationContext.session.events)) {
    const info = await place(
      attachment.name,
      attachment.data,
      attachment.id,
      attachment.mimeType,
      'attachment',
    );
    staged.attachmentNotes.set(
      attachment.id,
      info
        ? `[attached file ${info.path} (${formatFileSize(info.bytes)}, ${info.mimeType})]`
        : `[attached file ${attachment.name}: too large, not available in the sandbox]`,
    );
  }

  if (options.inputArtifacts.length > 0) {
    const context = new Context({invocationContext});
    for (const artifactName of options.inputArtifacts) {
      let part: Part | undefined;
      try {
        part = invocationContext.artifactService
          ? await context.loadArtifact(artifactName)
          : undefined;
      } catch (error) {
        staged.problems.push(
          `Input artifact ${artifactName} could not be loaded: ${(error as Error).message}`,
        );
        continue;
      }
      const blob = part?.inlineData;
      const data =
        blob?.data ??
        (part?.text !== undefined ? Buffer.from(part.text, 'utf8').toString('base64') : undefined);
      if (data === undefined) {
        staged.problems.push(`Input artifact ${artifactName} was not found.`);
        continue;
      }
      const name = safeFileName(artifactName, 'artifact.bin');
      // The latest version's bytes are the fingerprint's cheap proxy: name, size and a sample.
      const fingerprint = `artifact:${data.length}:${data.slice(0, 64)}:${data.slice(-64)}`;
      await place(
        name,
        data,
        fingerprint,
        safeMimeType(blob?.mimeType ?? 'text/plain'),
        'artifact',
      );
    }
  }
  return staged;
}

/** The system prompt section listing the input files (empty when there are none). */
export function renderInputFilesSection(staged: StagedInputs): string {
  const lines: string[] = [];
  if (staged.files.length > 0) {
    lines.push(
      'Files available in the sandbox (read them from these paths with Python; never print a whole file):',
      ...staged.files.map((f) => `- ${f.path} (${formatFileSize(f.bytes)}, ${f.mimeType})`),
    );
  }
  lines.push(...staged.problems);
  return lines.join('\n');
}

/** The system prompt line telling the model where results for the user go. */
export const OUTPUT_FILES_HINT =
  'Open matplotlib figures are shown to the user; files you save under output/ become downloadable artifacts.';
