/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Workspaces: a host folder the sandbox sees at `/work/workspace`, read-only (a repository to
 * review, a folder of papers) or copy-on-write (the snippet changes a private copy; the changes
 * come back as a unified diff and the host folder is never written). This module holds what both
 * sandboxing backends share: the options, the host-side walk (which never follows a symlink),
 * the private copy, and the diff of a changed tree against the host folder. How the folder
 * reaches the sandbox is each backend's translation (`bwrap_args.ts`, `container_config.ts`).
 */

import {createHash} from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
} from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  lstat,
  mkdir,
  readdir,
  readlink,
  realpath,
  stat,
  symlink,
} from 'node:fs/promises';
import {isAbsolute, join, sep} from 'node:path';

import {structuredPatch} from 'diff';

import {formatFileSize} from '../utils/byte_size.js';

/** How the sandbox sees a workspace. */
export type WorkspaceMode = 'read-only' | 'copy-on-write';

/** A workspace: a host folder and how the sandbox sees it. */
export interface WorkspaceConfig {
  /** Absolute host path of the folder (resolved once, symlinks included, when a session starts). */
  path: string;
  /**
   * `read-only` (default): the folder itself, mounted read-only; a write fails with `EROFS`
   * (bubblewrap) or `EROFS`/`EACCES` (Docker). `copy-on-write`: a private copy the snippet may
   * change; each run's changes come back as a `workspace.diff` artifact, and the host folder is
   * never written.
   */
  mode?: WorkspaceMode;
}

/** A workspace as an absolute path (read-only) or a {@link WorkspaceConfig}. */
export type WorkspaceSpec = string | WorkspaceConfig;

/** The ADK session a sandbox session serves (what a per-session workspace function reads). */
export interface WorkspaceSessionInfo {
  appName: string;
  userId: string;
  /** The ADK session id. */
  id: string;
  /** The session's state, when known. */
  state?: Readonly<Record<string, unknown>>;
}

/**
 * The executors' `workspace` option: one folder for every session, or a function of the ADK
 * session (so each user gets their own folder); `undefined` from the function means none.
 */
export type WorkspaceOption =
  | WorkspaceSpec
  | ((
      session: WorkspaceSessionInfo,
    ) => WorkspaceSpec | undefined | Promise<WorkspaceSpec | undefined>);

/** A workspace checked and resolved for one session. */
export interface ResolvedWorkspace {
  /** The folder's real host path (symlinks resolved). */
  hostPath: string;
  mode: WorkspaceMode;
}

/** What the model is told about a session's workspace: where it is and its size, no content. */
export interface WorkspaceInfo {
  /** Where the sandbox sees it (`/work/workspace`). */
  path: string;
  mode: WorkspaceMode;
  /** Regular files. */
  files: number;
  folders: number;
  symlinks: number;
  /** Bytes of the regular files. */
  bytes: number;
  /** Sockets, devices and pipes, which the sandbox does not get (copy-on-write) or cannot use. */
  special: number;
}

/** One run's changes of a copy-on-write workspace, against the host folder. */
export interface WorkspaceChanges {
  /**
   * A git-style unified diff (`diff --git a/… b/…`; `git apply` takes it): text files and
   * symlinks with their lines, binary files as `Binary files … differ`, mode changes.
   */
  diff: string;
  /** Paths (relative to the workspace) of files and symlinks that are new. */
  added: string[];
  /** Paths that are gone. */
  removed: string[];
  /** Paths whose content, target or mode changed. */
  changed: string[];
  /** The paths above that are binary (no line diff). */
  binary: string[];
  /** True when the diff was cut at {@link MAX_DIFF_BYTES} or a file was too large to diff. */
  truncated: boolean;
}

/** Where every sandbox sees its workspace. */
export const WORKSPACE_PATH = '/work/workspace';
/** Entries a workspace may hold (files, folders, symlinks). */
export const MAX_WORKSPACE_ENTRIES = 200_000;
/** Largest file whose lines are diffed; larger changed files are listed only. */
export const MAX_DIFFED_FILE_BYTES = 1024 * 1024;
/** Largest diff returned; the rest is cut with a note. */
export const MAX_DIFF_BYTES = 4 * 1024 * 1024;

/**
 * Checks a workspace spec and resolves its folder.
 *
 * @throws Error for a relative path, a missing folder, or an unknown mode.
 */
export async function resolveWorkspace(spec: WorkspaceSpec): Promise<ResolvedWorkspace> {
  const config = typeof spec === 'string' ? {path: spec} : spec;
  if (!config || typeof config.path !== 'string' || !isAbsolute(config.path)) {
    throw new Error(
      `workspace must be an absolute folder path or {path, mode}, got ${JSON.stringify(spec)}`,
    );
  }
  const mode = config.mode ?? 'read-only';
  if (mode !== 'read-only' && mode !== 'copy-on-write') {
    throw new Error(
      `workspace mode must be 'read-only' or 'copy-on-write', got ${JSON.stringify(mode)}`,
    );
  }
  let hostPath: string;
  try {
    hostPath = await realpath(config.path);
  } catch (error) {
    throw new Error(
      `workspace folder ${config.path} cannot be opened: ${(error as Error).message}`,
    );
  }
  if (!(await stat(hostPath)).isDirectory()) {
    throw new Error(`workspace ${config.path} is not a folder`);
  }
  return {hostPath, mode};
}

/** Checks the option's shape at construction (a function is called per session). */
export function checkWorkspaceOption(option: WorkspaceOption | undefined): void {
  if (option === undefined || typeof option === 'function') return;
  const path = typeof option === 'string' ? option : option?.path;
  if (typeof path !== 'string' || !isAbsolute(path)) {
    throw new Error(
      `workspace must be an absolute folder path, {path, mode} or a function of the session, got ${JSON.stringify(option)}`,
    );
  }
  const mode = typeof option === 'string' ? undefined : option.mode;
  if (mode !== undefined && mode !== 'read-only' && mode !== 'copy-on-write') {
    throw new Error(
      `workspace mode must be 'read-only' or 'copy-on-write', got ${JSON.stringify(mode)}`,
    );
  }
}

/** One entry of a tree, keyed by its `/`-separated path relative to the root. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (e.g. 0o644). */
  mode: number;
  size: number;
  /** A symlink's target, as written (never followed). */
  target?: string;
}

/** A walked tree: entries by relative path, and how many special files were left out. */
export interface Tree {
  entries: Map<string, TreeEntry>;
  special: number;
}

/**
 * Walks a host folder without following any symlink (each one is an entry with its target).
 * Sockets, devices and pipes are counted in `special` and left out.
 *
 * @throws Error past {@link MAX_WORKSPACE_ENTRIES} entries.
 */
export async function walkTree(root: string): Promise<Tree> {
  const entries = new Map<string, TreeEntry>();
  let special = 0;
  const pending: string[] = [''];
  while (pending.length > 0) {
    const relative = pending.pop()!;
    const names = await readdir(join(root, relative));
    for (const name of names.sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const info = await lstat(join(root, path)).catch(() => undefined);
      if (!info) continue;
      const mode = info.mode & 0o7777;
      if (info.isSymbolicLink()) {
        const target = await readlink(join(root, path)).catch(() => '');
        entries.set(path, {type: 'symlink', mode, size: target.length, target});
      } else if (info.isDirectory()) {
        entries.set(path, {type: 'dir', mode, size: 0});
        pending.push(path);
      } else if (info.isFile()) {
        entries.set(path, {type: 'file', mode, size: info.size});
      } else {
        special++;
      }
      if (entries.size > MAX_WORKSPACE_ENTRIES) {
        throw new Error(
          `workspace ${root} has more than ${MAX_WORKSPACE_ENTRIES} entries; mount a smaller folder`,
        );
      }
    }
  }
  return {entries, special};
}

/** What the model is told about `tree` at `mode`. */
export function workspaceInfo(tree: Tree, mode: WorkspaceMode): WorkspaceInfo {
  let files = 0;
  let folders = 0;
  let symlinks = 0;
  let bytes = 0;
  for (const entry of tree.entries.values()) {
    if (entry.type === 'file') {
      files++;
      bytes += entry.size;
    } else if (entry.type === 'dir') folders++;
    else symlinks++;
  }
  return {path: WORKSPACE_PATH, mode, files, folders, symlinks, bytes, special: tree.special};
}

/** The system prompt's lines about a workspace: where, how, how big; never what is in it. */
export function workspacePromptSection(info: WorkspaceInfo): string {
  const size = `${info.files} files in ${info.folders + 1} folders${
    info.symlinks ? ` and ${info.symlinks} symlinks` : ''
  }, ${formatFileSize(info.bytes)}`;
  const how =
    info.mode === 'read-only'
      ? 'It is read-only: writing to it fails; write your own files under /work or output/.'
      : 'It is your private copy: you may change, add and remove files; when the run ends the changes are returned to the user as a unified diff (the original folder is never changed).';
  return [
    `## Workspace\n\nThe user's folder is at ${info.path} (${size}). ${how}`,
    'Explore it with code (os.walk, pathlib, reading files; `git log` and `git show` work when it is a git repository) before answering questions about it.',
  ].join(' ');
}

/**
 * Copies `source` (a host folder) into `dest` for a copy-on-write sandbox: folders, regular
 * files and symlinks (recreated with the same target, never followed); special files are left
 * out. Everything is made writable by its owner and, when `ids` is given, owned by the session.
 */
export async function copyTree(
  source: string,
  dest: string,
  tree: Tree,
  ids?: {uid: number; gid: number},
): Promise<void> {
  await mkdir(dest, {recursive: true, mode: 0o700});
  if (ids) await lchown(dest, ids.uid, ids.gid);
  for (const [path, entry] of tree.entries) {
    const from = join(source, path);
    const to = join(dest, path);
    if (entry.type === 'dir') {
      await mkdir(to, {mode: 0o700});
      await chmod(to, (entry.mode & 0o777) | 0o700);
    } else if (entry.type === 'file') {
      // The walk saw a regular file; a file that changed kind since is skipped.
      try {
        await copyFile(from, to, constants.COPYFILE_EXCL);
      } catch {
        continue;
      }
      await chmod(to, (entry.mode & 0o777) | 0o600);
    } else {
      await symlink(entry.target ?? '', to);
    }
    if (ids) await lchown(to, ids.uid, ids.gid);
  }
}

/** A changed tree's entry, with the bytes of a file or the target of a symlink. */
export interface ChangedEntry extends TreeEntry {
  /** SHA-256 of a file's bytes. */
  hash?: string;
  /** A file's bytes, kept when it differs from the original and is small enough to diff. */
  data?: Buffer;
}

/** The original host folder's files, hashed lazily. */
export class OriginalTree {
  private readonly hashes = new Map<string, string>();

  constructor(
    /** The host folder. */
    readonly root: string,
    /** Its walk. */
    readonly tree: Tree,
  ) {}

  /** SHA-256 of the original file at `path`. */
  hash(path: string): string {
    let hash = this.hashes.get(path);
    if (hash === undefined) {
      hash = createHash('sha256').update(this.read(path)).digest('hex');
      this.hashes.set(path, hash);
    }
    return hash;
  }

  /** The original file's bytes (never through a symlink). */
  read(path: string): Buffer {
    return readNoFollow(this.root, path);
  }

  /** True when `entry` (a file) differs from the original file at `path`. */
  differs(path: string, size: number, hash: () => string): boolean {
    const original = this.tree.entries.get(path);
    if (original?.type !== 'file' || original.size !== size) return true;
    return this.hash(path) !== hash();
  }
}

/**
 * Reads a file under `root` without following a symlink anywhere on the way: the file is opened
 * with `O_NOFOLLOW`, and the descriptor's real path must still be under `root` (a folder on the
 * way swapped for a symlink by a process of the sandbox fails here).
 *
 * @throws Error for anything but a regular file under `root`.
 */
export function readNoFollow(root: string, path: string, maxBytes = Infinity): Buffer {
  const fd = openSync(join(root, path), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    const base = realpathSync(root);
    if (!real.startsWith(base + sep)) {
      throw new Error(`${path} resolves outside the workspace`);
    }
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error(`${path} is not a regular file`);
    const size = Math.min(info.size, maxBytes);
    const data = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const read = readSync(fd, data, offset, size - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return data.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a changed tree that is a host folder written by a sandbox (bubblewrap's private copy):
 * hostile data, walked without following symlinks and read through {@link readNoFollow}.
 */
export async function readChangedFolder(
  root: string,
  original: OriginalTree,
): Promise<Map<string, ChangedEntry>> {
  const tree = await walkTree(root);
  const changed = new Map<string, ChangedEntry>();
  for (const [path, entry] of tree.entries) {
    if (entry.type !== 'file') {
      changed.set(path, entry);
      continue;
    }
    const known = original.tree.entries.get(path);
    if (known?.type === 'file' && known.size === entry.size && known.mode === entry.mode) {
      // Same size and mode: compare the content.
      let data: Buffer;
      try {
        data = readNoFollow(root, path);
      } catch {
        continue;
      }
      const hash = createHash('sha256').update(data).digest('hex');
      changed.set(path, {
        ...entry,
        hash,
        data: hash !== original.hash(path) ? data : undefined,
      });
      continue;
    }
    let data: Buffer | undefined;
    try {
      data = entry.size <= MAX_DIFFED_FILE_BYTES ? readNoFollow(root, path) : undefined;
    } catch {
      continue;
    }
    changed.set(path, {
      ...entry,
      hash: data ? createHash('sha256').update(data).digest('hex') : undefined,
      data,
    });
  }
  return changed;
}

/** True for bytes that look like text: valid UTF-8 with no NUL byte. */
function isText(data: Buffer): boolean {
  if (data.includes(0)) return false;
  try {
    new TextDecoder('utf-8', {fatal: true}).decode(data);
    return true;
  } catch {
    return false;
  }
}

/** Git's blob id of `data` (abbreviated), or zeros when the bytes are not at hand. */
function blobId(data: Buffer | undefined): string {
  if (!data) return '0000000';
  const header = Buffer.from(`blob ${data.length}\0`);
  return createHash('sha1').update(header).update(data).digest('hex').slice(0, 7);
}

/** Git's file mode: 100644, 100755 or 120000 (symlink). */
function gitMode(entry: TreeEntry): string {
  if (entry.type === 'symlink') return '120000';
  return entry.mode & 0o111 ? '100755' : '100644';
}

/** Lines of a unified diff between `before` and `after` (text) for `path`. */
function textHunks(path: string, before: string | undefined, after: string | undefined): string {
  const patch = structuredPatch(
    before === undefined ? '/dev/null' : `a/${path}`,
    after === undefined ? '/dev/null' : `b/${path}`,
    before ?? '',
    after ?? '',
    undefined,
    undefined,
    {context: 3},
  );
  const lines = [`--- ${patch.oldFileName}`, `+++ ${patch.newFileName}`];
  for (const hunk of patch.hunks) {
    const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
    lines.push(
      `@@ -${Math.max(0, oldStart)},${hunk.oldLines} +${Math.max(0, newStart)},${hunk.newLines} @@`,
    );
    lines.push(...hunk.lines);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The changes of `changed` (a sandbox's copy) against `original` (the host folder), as a
 * git-style unified diff plus lists of paths. Folders themselves are not reported (an empty new
 * folder does not show); files, symlinks and mode changes are.
 */
export function diffTrees(
  original: OriginalTree,
  changed: ReadonlyMap<string, ChangedEntry>,
): WorkspaceChanges {
  const result: WorkspaceChanges = {
    diff: '',
    added: [],
    removed: [],
    changed: [],
    binary: [],
    truncated: false,
  };
  const parts: string[] = [];
  let bytes = 0;
  const add = (text: string) => {
    if (result.truncated && bytes >= MAX_DIFF_BYTES) return;
    if (bytes + text.length > MAX_DIFF_BYTES) {
      parts.push(`# (diff cut at ${formatFileSize(MAX_DIFF_BYTES)})\n`);
      result.truncated = true;
      bytes = MAX_DIFF_BYTES;
      return;
    }
    parts.push(text);
    bytes += text.length;
  };
  const paths = new Set<string>();
  for (const [path, entry] of original.tree.entries) if (entry.type !== 'dir') paths.add(path);
  for (const [path, entry] of changed) if (entry.type !== 'dir') paths.add(path);
  for (const path of [...paths].sort()) {
    const before = original.tree.entries.get(path);
    const after = changed.get(path);
    const was = before && before.type !== 'dir' ? before : undefined;
    const now = after && after.type !== 'dir' ? after : undefined;
    if (was && now && was.type === now.type) {
      const sameContent =
        now.type === 'symlink'
          ? now.target === was.target
          : original.differs(path, now.size, () => now.hash ?? '') === false;
      const sameMode = gitMode(was) === gitMode(now);
      if (sameContent && sameMode) continue;
      result.changed.push(path);
      let header = `diff --git a/${path} b/${path}\n`;
      if (!sameMode) header += `old mode ${gitMode(was)}\nnew mode ${gitMode(now)}\n`;
      if (sameContent) {
        add(header);
        continue;
      }
      add(header + contentDiff(original, path, was, now, result));
      continue;
    }
    if (was && now) {
      // A file became a symlink or the reverse: git shows a deletion and an addition.
      result.changed.push(path);
      add(deletion(original, path, was, result) + addition(path, now, result));
      continue;
    }
    if (was) {
      result.removed.push(path);
      add(deletion(original, path, was, result));
    } else if (now) {
      result.added.push(path);
      add(addition(path, now, result));
    }
  }
  const summary = summaryLine(result);
  result.diff = parts.length ? `# ${summary}\n${parts.join('')}` : '';
  return result;
}

/** `2 added, 1 changed, 1 removed (binary: logo.png)`. */
export function summaryLine(changes: WorkspaceChanges): string {
  const counts = [
    `${changes.added.length} added`,
    `${changes.changed.length} changed`,
    `${changes.removed.length} removed`,
  ].join(', ');
  const binary = changes.binary.length ? ` (binary: ${changes.binary.join(', ')})` : '';
  return `Workspace changes: ${counts}${binary}`;
}

/** A file's content as text, or undefined when it is binary or too large to diff. */
function textOf(entry: ChangedEntry | TreeEntry, data: Buffer | undefined): string | undefined {
  if (entry.type !== 'file' || !data || !isText(data)) return undefined;
  return data.toString('utf8');
}

function originalData(original: OriginalTree, path: string, entry: TreeEntry): Buffer | undefined {
  if (entry.type !== 'file' || entry.size > MAX_DIFFED_FILE_BYTES) return undefined;
  try {
    return original.read(path);
  } catch {
    return undefined;
  }
}

function symlinkHunk(prefix: '-' | '+', target: string): string {
  return `@@ -${prefix === '-' ? '1' : '0,0'} +${prefix === '+' ? '1' : '0,0'} @@\n${prefix}${target}\n\\ No newline at end of file\n`;
}

function contentDiff(
  original: OriginalTree,
  path: string,
  was: TreeEntry,
  now: ChangedEntry,
  result: WorkspaceChanges,
): string {
  if (was.type === 'symlink' && now.type === 'symlink') {
    return `--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${was.target}\n\\ No newline at end of file\n+${now.target}\n\\ No newline at end of file\n`;
  }
  const before = textOf(was, originalData(original, path, was));
  const after = textOf(now, now.data);
  if (before === undefined || after === undefined) {
    if (was.size > MAX_DIFFED_FILE_BYTES || now.size > MAX_DIFFED_FILE_BYTES) {
      result.truncated = result.truncated || isLarge(was, now);
    }
    result.binary.push(path);
    // git apply reads a binary entry only after an index line (it skips the entry itself).
    const index = `index ${blobId(originalData(original, path, was))}..${blobId(now.data)}`;
    return `${index}\nBinary files a/${path} and b/${path} differ\n`;
  }
  return textHunks(path, before, after);
}

function isLarge(was: TreeEntry, now: TreeEntry): boolean {
  return was.size > MAX_DIFFED_FILE_BYTES || now.size > MAX_DIFFED_FILE_BYTES;
}

function deletion(
  original: OriginalTree,
  path: string,
  was: TreeEntry,
  result: WorkspaceChanges,
): string {
  const header = `diff --git a/${path} b/${path}\ndeleted file mode ${gitMode(was)}\n`;
  if (was.type === 'symlink') {
    return `${header}--- a/${path}\n+++ /dev/null\n${symlinkHunk('-', was.target ?? '')}`;
  }
  const data = originalData(original, path, was);
  const before = textOf(was, data);
  if (before === undefined) {
    result.binary.push(path);
    return `${header}index ${blobId(data)}..0000000\nBinary files a/${path} and /dev/null differ\n`;
  }
  if (before === '') return header;
  return header + textHunks(path, before, undefined);
}

function addition(path: string, now: ChangedEntry, result: WorkspaceChanges): string {
  const header = `diff --git a/${path} b/${path}\nnew file mode ${gitMode(now)}\n`;
  if (now.type === 'symlink') {
    return `${header}--- /dev/null\n+++ b/${path}\n${symlinkHunk('+', now.target ?? '')}`;
  }
  const after = textOf(now, now.data);
  if (after === undefined) {
    if (now.size > MAX_DIFFED_FILE_BYTES) result.truncated = true;
    result.binary.push(path);
    return `${header}index 0000000..${blobId(now.data)}\nBinary files /dev/null and b/${path} differ\n`;
  }
  if (after === '') return header;
  return header + textHunks(path, undefined, after);
}
