/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A copy-on-write workspace in a container goes in and comes back through the Docker archive
 * API: the host packs the folder as a tar (symlinks as symlinks, never followed; owned by the
 * session) for `putArchive`, and reads `getArchive`'s tar of the changed copy as hostile data
 * (names checked, sizes capped) for the diff. Kept apart from the container code so the file
 * transfer can change without touching it.
 */

import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {join, posix} from 'node:path';
import type {Readable} from 'node:stream';

import tar from 'tar-stream';

import {
  MAX_DIFFED_FILE_BYTES,
  MAX_WORKSPACE_ENTRIES,
  type ChangedEntry,
  type OriginalTree,
  type Tree,
} from '../workspace.js';

/**
 * A tar of `root` as walked in `tree` (folders, regular files, symlinks with their targets), its
 * entries owned by `ids`, for `putArchive` into the workspace mount point.
 */
export function workspaceArchive(
  root: string,
  tree: Tree,
  ids: {uid: number; gid: number},
): Readable {
  const pack = tar.pack();
  const entries = [...tree.entries];
  // Ids past ustar's 7 octal digits (per-session ids are 0x70000000 and up) go in PAX records.
  const owner = {
    uid: ids.uid,
    gid: ids.gid,
    pax: {uid: String(ids.uid), gid: String(ids.gid)},
  } as {uid: number; gid: number};
  void (async () => {
    try {
      for (const [path, entry] of entries) {
        if (entry.type === 'dir') {
          await addEntry(pack, {name: path, type: 'directory', mode: entry.mode | 0o700, ...owner});
        } else if (entry.type === 'symlink') {
          if (escapesFolder(path, entry.target ?? '')) continue;
          await addEntry(pack, {
            name: path,
            type: 'symlink',
            linkname: entry.target ?? '',
            mode: 0o777,
            ...owner,
          });
        } else {
          await addFile(pack, join(root, path), {
            name: path,
            type: 'file',
            size: entry.size,
            mode: entry.mode | 0o600,
            ...owner,
          });
        }
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  // tar-stream 3's pack is a streamx stream: a readable stream for dockerode and pipe().
  return pack as unknown as Readable;
}

/**
 * True for a relative symlink whose target leaves the folder (`../secret.txt` at the top):
 * Docker's extraction refuses those, so the copy leaves them out (in the sandbox such a link
 * would resolve under `/work`, never to the host file anyway).
 */
export function escapesFolder(path: string, target: string): boolean {
  if (target.startsWith('/')) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === '..' || resolved.startsWith('../');
}

/** An entry's header: tar-stream fills in what is not given. */
type EntryHeader = Partial<tar.Header> & {name: string};

function addEntry(pack: tar.Pack, header: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) =>
    pack.entry(header as tar.Header, (error) => (error ? reject(error) : resolve())),
  );
}

/** Streams one file into the pack; a file that changed size since the walk fails the pack. */
function addFile(pack: tar.Pack, path: string, header: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header as tar.Header, (error) => (error ? reject(error) : resolve()));
    const source = createReadStream(path);
    source.on('error', reject);
    source.pipe(sink);
  });
}

/**
 * Reads `getArchive`'s tar of the workspace (entries under `workspace/`) into entries for the
 * diff: files hashed, their bytes kept only when they differ from `original` and are small
 * enough to diff. Hardlinks become files' copies of nothing (listed with no content), special
 * files are dropped.
 *
 * @throws Error for an entry name that leaves the folder, too many entries, or more than
 *     `maxBytes` of file content.
 */
export function readWorkspaceArchive(
  archive: NodeJS.ReadableStream,
  original: OriginalTree,
  maxBytes: number,
): Promise<Map<string, ChangedEntry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, ChangedEntry>();
    const extract = tar.extract();
    let total = 0;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      extract.destroy();
      reject(error);
    };
    extract.on('entry', (header, stream, next) => {
      const name = entryName(header.name);
      if (name === null) {
        stream.resume();
        fail(new Error(`the workspace archive has an entry outside it: ${header.name}`));
        return;
      }
      if (entries.size >= MAX_WORKSPACE_ENTRIES) {
        stream.resume();
        fail(new Error(`the workspace holds more than ${MAX_WORKSPACE_ENTRIES} entries`));
        return;
      }
      const mode = (header.mode ?? 0) & 0o7777;
      if (name === '' || header.type === 'directory') {
        if (name) entries.set(name, {type: 'dir', mode, size: 0});
        stream.on('end', () => next()).resume();
        return;
      }
      if (header.type === 'symlink') {
        const target = header.linkname ?? '';
        entries.set(name, {type: 'symlink', mode, size: target.length, target});
        stream.on('end', () => next()).resume();
        return;
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        stream.on('end', () => next()).resume();
        return;
      }
      const size = header.size ?? 0;
      const hash = createHash('sha256');
      const kept: Buffer[] = [];
      const keep = size <= MAX_DIFFED_FILE_BYTES;
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        total += chunk.length;
        if (total > maxBytes) {
          fail(new Error(`the workspace archive holds more than ${maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        if (keep) kept.push(chunk);
      });
      stream.on('end', () => {
        const digest = hash.digest('hex');
        const differs = original.differs(name, size, () => digest);
        entries.set(name, {
          type: 'file',
          mode,
          size,
          hash: digest,
          data: differs && keep ? Buffer.concat(kept) : undefined,
        });
        next();
      });
      stream.on('error', fail);
    });
    extract.on('finish', () => {
      if (!failed) resolve(entries);
    });
    extract.on('error', fail);
    archive.on('error', (error: Error) => fail(error));
    archive.pipe(extract);
  });
}

/**
 * The path of an archive entry relative to the workspace (`workspace/a/b` -> `a/b`, the folder
 * itself -> ''), or null when it is not inside it.
 */
function entryName(raw: string): string | null {
  const normalized = posix.normalize(raw.replace(/\/+$/, ''));
  const parts = normalized.split('/');
  if (parts[0] !== 'workspace' || parts.includes('..') || normalized.startsWith('/')) return null;
  return parts.slice(1).join('/');
}
