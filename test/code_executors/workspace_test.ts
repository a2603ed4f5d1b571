/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The host side of workspaces, without a sandbox: the walk never follows a symlink, reading a
 * sandbox's copy refuses paths that leave it, the diff is what `git apply` takes, the Docker
 * tar round trip keeps symlinks as symlinks, and bad options fail at construction.
 */

import {execFileSync} from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {BubblewrapCodeExecutor} from '../../src/code_executors/bubblewrap/bubblewrap_code_executor.js';
import {ContainerCodeExecutor} from '../../src/code_executors/docker/container_code_executor.js';
import {
  escapesFolder,
  readWorkspaceArchive,
  workspaceArchive,
} from '../../src/code_executors/docker/workspace_archive.js';
import {UnsandboxedCodeExecutor} from '../../src/code_executors/unsandboxed_code_executor.js';
import {isRoot} from '../../src/security/hardening_profile.js';
import {sandboxBackends} from '../helpers/sandboxes.js';
import {
  copyTree,
  diffTrees,
  OriginalTree,
  readChangedFolder,
  readNoFollow,
  resolveWorkspace,
  walkTree,
  workspaceInfo,
  workspacePromptSection,
} from '../../src/code_executors/workspace.js';

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'workspace-unit-'));
  root = join(base, 'repo');
  mkdirSync(join(root, 'src'), {recursive: true});
  writeFileSync(join(base, 'secret.txt'), 'HOST-SECRET\n');
  writeFileSync(join(root, 'src', 'a.py'), 'x = 1\ny = 2\nz = 3\n');
  writeFileSync(join(root, 'gone.txt'), 'bye\n');
  writeFileSync(join(root, 'data.bin'), Buffer.from([0, 1, 2, 3]));
  writeFileSync(join(root, 'run.sh'), 'echo hi\n');
  symlinkSync(join(base, 'secret.txt'), join(root, 'secret_link'));
  symlinkSync('../secret.txt', join(root, 'secret_rel'));
  symlinkSync(base, join(root, 'parent_link'));
});
afterAll(() => rmSync(base, {recursive: true, force: true}));

describe('workspace walk and copy', () => {
  it('lists symlinks as symlinks and never walks into them; the prompt has sizes only', async () => {
    const tree = await walkTree(root);
    expect([...tree.entries.keys()].sort()).toEqual([
      'data.bin',
      'gone.txt',
      'parent_link',
      'run.sh',
      'secret_link',
      'secret_rel',
      'src',
      'src/a.py',
    ]);
    expect(tree.entries.get('parent_link')).toMatchObject({type: 'symlink', target: base});
    const info = workspaceInfo(tree, 'read-only');
    expect(info).toEqual({
      path: '/work/workspace',
      mode: 'read-only',
      files: 4,
      folders: 1,
      symlinks: 3,
      bytes: 18 + 4 + 4 + 8,
      special: 0,
    });
    const prompt = workspacePromptSection(info);
    expect(prompt).toContain('/work/workspace (4 files in 2 folders and 3 symlinks, 34 B)');
    expect(prompt).not.toContain('x = 1');
  });

  it('reads a copy without following a symlink, even one swapped in for a folder', async () => {
    const tree = await walkTree(root);
    const copy = join(base, 'copy-swap');
    await copyTree(root, copy, tree);
    expect(() => readNoFollow(copy, 'secret_link')).toThrow();
    rmSync(join(copy, 'src'), {recursive: true});
    // The sandbox replaced a folder by a symlink to the host: reading through it is refused.
    symlinkSync(base, join(copy, 'src'));
    writeFileSync(join(base, 'a.py'), 'HOST FILE\n');
    expect(() => readNoFollow(copy, 'src/a.py')).toThrow(/outside the workspace/);
    const changed = await readChangedFolder(copy, new OriginalTree(root, tree));
    expect(changed.get('src')).toMatchObject({type: 'symlink', target: base});
    expect(JSON.stringify([...changed])).not.toContain('HOST FILE');
  });

  it('diffs a changed copy in a form git applies', async () => {
    const tree = await walkTree(root);
    const copy = join(base, 'copy-diff');
    await copyTree(root, copy, tree);
    writeFileSync(join(copy, 'src', 'a.py'), 'x = 1\ny = 20\nz = 3\n');
    rmSync(join(copy, 'gone.txt'));
    writeFileSync(join(copy, 'new.md'), '# new\n');
    writeFileSync(join(copy, 'data.bin'), Buffer.from([0, 1, 2, 4]));
    chmodSync(join(copy, 'run.sh'), 0o755);
    symlinkSync('/etc/shadow', join(copy, 'shadow_link'));
    const original = new OriginalTree(root, tree);
    const changes = diffTrees(original, await readChangedFolder(copy, original));
    expect(changes).toMatchObject({
      added: ['new.md', 'shadow_link'],
      removed: ['gone.txt'],
      changed: ['data.bin', 'run.sh', 'src/a.py'],
      binary: ['data.bin'],
      truncated: false,
    });
    expect(changes.diff).toContain(
      'diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n',
    );
    expect(changes.diff).toContain('@@ -1,3 +1,3 @@\n x = 1\n-y = 2\n+y = 20\n z = 3\n');
    expect(changes.diff).not.toContain('HOST-SECRET');
    // git applies it (binary entries are listed without content, so they are left out).
    const target = join(base, 'apply');
    mkdirSync(target);
    await copyTree(root, target, tree);
    writeFileSync(join(target, 'changes.diff'), changes.diff);
    execFileSync('git', ['apply', '--exclude=data.bin', 'changes.diff'], {cwd: target});
    expect(readFileSync(join(target, 'src', 'a.py'), 'utf8')).toBe('x = 1\ny = 20\nz = 3\n');
    expect(readFileSync(join(target, 'new.md'), 'utf8')).toBe('# new\n');
  });

  it('round-trips through a Docker-style tar: symlinks kept, escaping relative ones left out', async () => {
    const tree = await walkTree(root);
    const archive = workspaceArchive(root, tree, {uid: 0x70000001, gid: 0x70000001});
    // getArchive names entries under the folder's own name.
    const tarStream = (await import('tar-stream')).default;
    const extract = tarStream.extract();
    const repack = tarStream.pack();
    const names: string[] = [];
    const uids: string[] = [];
    extract.on('entry', (header, stream, next) => {
      names.push(header.name);
      // Ids past ustar's 7 octal digits travel in PAX records (Docker reads them).
      uids.push((header as {pax?: Record<string, string>}).pax?.uid ?? '');
      const renamed = {...header, name: `workspace/${header.name}`, pax: undefined};
      stream.pipe(repack.entry(renamed, () => next()));
    });
    extract.on('finish', () => repack.finalize());
    archive.pipe(extract);
    const piped = new PassThrough();
    repack.pipe(piped);
    const original = new OriginalTree(root, tree);
    const entries = await readWorkspaceArchive(piped, original, 1 << 20);
    expect(names).not.toContain('secret_rel');
    expect(new Set(uids)).toEqual(new Set([String(0x70000001)]));
    expect(entries.get('secret_link')).toMatchObject({
      type: 'symlink',
      target: join(base, 'secret.txt'),
    });
    expect(entries.get('src/a.py')).toMatchObject({type: 'file', size: 18});
    expect(escapesFolder('secret_rel', '../secret.txt')).toBe(true);
    expect(escapesFolder('src/link', '../gone.txt')).toBe(false);
    expect(escapesFolder('leak', '/etc/passwd')).toBe(false);
  });
});

describe('workspace options', () => {
  it('fail at construction for a relative path or an unknown mode, and on the local backend', async () => {
    for (const make of [
      (o: object) => new BubblewrapCodeExecutor(o),
      (o: object) => new ContainerCodeExecutor(o),
    ]) {
      expect(() => make({workspace: 'repo'})).toThrow(/workspace must be an absolute folder path/);
      expect(() => make({workspace: {path: root, mode: 'rw'}})).toThrow(/workspace mode must be/);
      expect(() => make({workspace: () => root})).not.toThrow();
    }
    expect(() => new UnsandboxedCodeExecutor({workspace: root} as unknown as object)).toThrow(
      /sandboxing backend/,
    );
    await expect(resolveWorkspace(join(root, 'gone.txt'))).rejects.toThrow(/is not a folder/);
    await expect(resolveWorkspace(join(root, 'missing'))).rejects.toThrow(/cannot be opened/);
  });
});

const bubblewrap = sandboxBackends().find((b) => b.name === 'bubblewrap')!;

describe.skipIf(bubblewrap.skipReason !== undefined || !isRoot())(
  'a read-only workspace the sandbox user cannot reach (root host)',
  () => {
    it('fails the session start naming the folder, before any sandbox starts', async () => {
      const hidden = mkdtempSync(join(tmpdir(), 'workspace-hidden-'));
      mkdirSync(join(hidden, 'repo'));
      chmodSync(hidden, 0o700);
      const executor = bubblewrap.create({workspace: join(hidden, 'repo')});
      try {
        await expect(executor.getSession('hidden', {authorizedImports: []})).rejects.toThrow(
          `${hidden} is not searchable by others (mode 700)`,
        );
      } finally {
        await executor.dispose();
        rmSync(hidden, {recursive: true, force: true});
      }
    });
  },
);
