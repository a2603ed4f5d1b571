/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Session folders on the host: private (0700, files 0600, owned by the sandbox's user), marked
 * with their owner process, and swept when that owner is gone. A host that crashed (SIGKILL, power loss) leaves its sessions'
 * folders, input files included, in the temporary folder; the next executor of this package on
 * the machine removes them before it creates its first session.
 */

import {lstatSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {hostname, tmpdir} from 'node:os';
import {dirname, join} from 'node:path';

import {isRoot} from '../security/hardening_profile.js';
import {isTagGone, ownTag} from '../utils/process_identity.js';

/** Folder names: `coding-agent-` and six random characters (mkdtemp). */
const PREFIX = 'coding-agent-';
/** The marker inside each folder, written by the host (the sandbox cannot reach it). */
const OWNER_FILE = 'owner';

const swept = new Set<string>();

/**
 * Creates a session folder (mode 0700) under `parent` and marks it with this process. The first
 * call per parent folder first sweeps what dead processes left there.
 */
export async function createSessionFolder(parent: string = tmpdir()): Promise<string> {
  if (!swept.has(parent)) {
    swept.add(parent);
    await sweepSessionFolders(parent);
  }
  const folder = await mkdtemp(join(parent, PREFIX));
  await writeFile(join(folder, OWNER_FILE), `${JSON.stringify(ownerRecord())}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  return folder;
}

function ownerRecord(): {host: string; owner: string} {
  return {host: hostname(), owner: ownTag()};
}

/**
 * Removes the session folders under `parent` whose owner process is gone. Only folders marked
 * by this host, with a marker written by this user (so nobody can make us delete their tree),
 * are considered.
 *
 * @returns How many folders were removed.
 */
export async function sweepSessionFolders(parent: string = tmpdir()): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return 0;
  }
  const uid = process.getuid?.();
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const folder = join(parent, name);
    try {
      if (!lstatSync(folder).isDirectory()) continue;
      const marker = join(folder, OWNER_FILE);
      const stat = lstatSync(marker);
      if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) continue;
      const record = JSON.parse(readFileSync(marker, 'utf8')) as {host?: unknown; owner?: unknown};
      if (record.host !== hostname() || typeof record.owner !== 'string') continue;
      if (!isTagGone(record.owner)) continue;
    } catch {
      continue; // no marker (not ours, or still being created), unreadable, or gone meanwhile
    }
    await rm(folder, {recursive: true, force: true, maxRetries: 3});
    removed++;
  }
  return removed;
}

/** The kernel's folder in a session folder, mounted read-only by the sandboxes. */
export const KERNEL_FOLDER = 'kernel';

/** The files of the kernel (beside `kernelPath`): the supervisor, the interpreter and its helpers. */
export const KERNEL_FILES = ['kernel.py', 'interpreter.py', 'packages.py', 'snapshot.py'] as const;

/**
 * Writes a sandbox's own files into its session folder (each 0600) with a private copy of the
 * kernel's folder (`kernel/`: {@link KERNEL_FILES}), and, when this process is root, gives the
 * folder and everything the sandbox reads or writes to the session's ids. Returns the kernel
 * folder's path.
 *
 * @param files Paths inside the session folder and their contents (e.g. `etc/passwd`,
 *     `kernel/seccomp.bpf`).
 */
export async function writeSandboxFiles(
  context: {
    sessionDir: string;
    workDir: string;
    outputDir: string;
    inputDir: string;
    kernelPath: string;
  },
  ids: {uid: number; gid: number},
  files: ReadonlyArray<readonly [string, string | Buffer]>,
): Promise<string> {
  const written: string[] = [];
  for (const [name, data] of files) {
    const path = join(context.sessionDir, name);
    await mkdir(dirname(path), {recursive: true, mode: 0o700});
    await writeFile(path, data, {mode: 0o600});
    written.push(path);
  }
  // A private copy of the kernel's folder: the sandbox user may not reach the package's own.
  const kernel = join(context.sessionDir, KERNEL_FOLDER);
  await mkdir(kernel, {recursive: true, mode: 0o700});
  const kernelFiles = KERNEL_FILES.map((name) => join(kernel, name));
  for (const [index, name] of KERNEL_FILES.entries()) {
    await copyFile(join(dirname(context.kernelPath), name), kernelFiles[index]);
    await chmod(kernelFiles[index], 0o600);
  }
  if (isRoot()) {
    assertEnterable(dirname(context.sessionDir), ids);
    const folders = new Set(written.map((path) => dirname(path)));
    const owned = [
      context.sessionDir,
      ...folders,
      ...written,
      kernel,
      ...kernelFiles,
      context.workDir,
      context.outputDir,
      context.inputDir,
    ];
    for (const path of new Set(owned)) await chown(path, ids.uid, ids.gid);
  }
  return kernel;
}

/**
 * Throws when the sandbox's user cannot reach a folder inside `parent` (a parent without search
 * permission for it, such as a private TMPDIR of mode 0700): the sandbox would otherwise fail
 * to start with bubblewrap's bare "Can't find source path ... Permission denied".
 */
function assertEnterable(parent: string, ids: {uid: number; gid: number}): void {
  if (ids.uid === 0) return;
  for (let dir = parent; ; dir = dirname(dir)) {
    const stat = statSync(dir);
    const bit = stat.uid === ids.uid ? 0o100 : stat.gid === ids.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) {
      const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
      throw new Error(
        `session folders are made in ${parent}, but ${dir} (mode ${mode}, owner uid ${stat.uid}) ` +
          `cannot be entered by the sandbox's user (uid ${ids.uid}): point TMPDIR at a folder ` +
          `every user can enter, such as /tmp (mode 1777), or give ${dir} mode 0711`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}
