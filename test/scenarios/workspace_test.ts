/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Workspaces end to end, on bubblewrap and Docker: a scripted model (exact, no key), ADK's real
 * runner and artifact service, a real sandbox and a real host folder (a small git repository
 * with a bug, a binary file, and symlinks to `/etc/passwd` and to a host secret). Judged from the
 * host side: a code review over a read-only workspace (its write attempt fails, the symlinks give
 * nothing of the host, the model is told the size and never the contents), and an automation
 * run in a copy-on-write workspace whose changes come back as a `workspace.diff` artifact that
 * `git apply` takes, while every byte of the host folder stays as it was.
 */

import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {
  chmodSync,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import type {Event} from '@google/adk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {
  CodingAgent,
  ScriptedLlm,
  WORKSPACE_DIFF_ARTIFACT,
  type CodeExecutor,
  type WorkspaceSessionInfo,
} from '../../src/index.js';
import {finalText, observations, requestText, startSession} from '../helpers/agent_harness.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const SECRET = 'HOST-SECRET-7f3a9c';
/** A line inside a workspace file: the model must not read it unless a snippet prints it. */
const CONTENT_MARKER = 'CONTENT-MARKER-41d2';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000', 'hex');

/** Every path of `root` (not following symlinks) with a hash of its content or target. */
function hashTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const full = join(root, path);
      const info = lstatSync(full);
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isSymbolicLink()) out[path] = `link ${readlinkSync(full)}`;
      else if (info.isDirectory()) {
        out[path] = `dir ${mode}`;
        walk(path);
      } else {
        const hash = createHash('sha256').update(readFileSync(full)).digest('hex');
        out[path] = `file ${mode} ${hash} ${info.mtimeMs}`;
      }
    }
  };
  walk('');
  return out;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/** A small repository: a bug pyflakes-style checks find, tests, history, a binary, symlinks. */
function makeRepository(base: string): string {
  const repo = join(base, 'repo');
  mkdirSync(join(repo, 'shop'), {recursive: true});
  writeFileSync(
    join(repo, 'shop', 'prices.py'),
    [
      'import os',
      '',
      '',
      'def total(prices, discount=0):',
      `    """Sum of prices minus a discount. ${CONTENT_MARKER}"""`,
      '    return sum(prices) - discont',
      '',
    ].join('\n'),
  );
  writeFileSync(join(repo, 'shop', '__init__.py'), '');
  writeFileSync(join(repo, 'README.md'), '# shop\n\nPrices.\n');
  writeFileSync(join(repo, 'NOTES.txt'), 'old notes\n');
  writeFileSync(join(repo, 'logo.png'), PNG);
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'Add the price module');
  writeFileSync(join(repo, 'README.md'), '# shop\n\nPrices and discounts.\n');
  git(repo, 'commit', '-qam', 'Describe discounts');
  // Symlinks that point out of the folder: the host's passwd, a host secret (absolute and relative).
  symlinkSync('/etc/passwd', join(repo, 'passwd_link'));
  symlinkSync(join(base, 'secret.txt'), join(repo, 'secret_link'));
  symlinkSync('../secret.txt', join(repo, 'secret_rel'));
  return repo;
}

function py(lines: string[]): string {
  return '```python\n' + lines.join('\n') + '\n```';
}

/** Everything the run produced and the model read, as one string (for leak checks). */
function everything(events: Event[], model: ScriptedLlm): string {
  return JSON.stringify(events) + model.requests.map((r) => requestText(r)).join('\n');
}

/** The snippet lines that try each symlink and print what they got. */
const TRY_LINKS = [
  'for name in ["passwd_link", "secret_link", "secret_rel"]:',
  '    try:',
  '        print(name, "->", open(name).read()[:60].replace("\\n", " | "))',
  '    except OSError as e:',
  '        print(name, "->", type(e).__name__)',
];

const backends = sandboxBackends().filter((b) => b.name !== 'local');

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== undefined)(`workspaces on ${backend.title}`, () => {
    let base: string;
    let repo: string;
    const executors: CodeExecutor[] = [];

    beforeAll(() => {
      base = mkdtempSync(join(tmpdir(), 'workspace-scenario-'));
      // The sandbox's own user (one per session under a root host) must reach a read-only folder.
      chmodSync(base, 0o755);
      writeFileSync(join(base, 'secret.txt'), `${SECRET}\n`, {mode: 0o644});
      repo = makeRepository(base);
    });
    afterAll(async () => {
      await Promise.all(executors.map((e) => e.dispose()));
      rmSync(base, {recursive: true, force: true});
    });

    it('code review over a read-only workspace: findings with file and line, the write fails, symlinks give nothing of the host', async () => {
      const before = hashTree(repo);
      const asked: WorkspaceSessionInfo[] = [];
      // Per session: a function of the ADK session picks the folder.
      const executor = backend.create({
        workspace: (session) => {
          asked.push(session);
          return session.userId === 'tester' ? repo : undefined;
        },
      });
      executors.push(executor);
      const model = new ScriptedLlm({
        responses: [
          'I will look at the repository, its history, and check the code.\n' +
            py([
              'import ast, os, subprocess',
              'os.chdir("/work/workspace")',
              'print(subprocess.run(["git", "log", "--format=%s"], capture_output=True, text=True).stdout)',
              'findings = []',
              'for folder, _, files in os.walk("."):',
              '    for name in files:',
              '        if not name.endswith(".py"):',
              '            continue',
              '        path = os.path.join(folder, name)[2:]',
              '        tree = ast.parse(open(path).read(), path)',
              '        defined = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}',
              '        defined |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for a in n.args.args}',
              '        defined |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}',
              '        imported = {}',
              '        for n in ast.walk(tree):',
              '            if isinstance(n, ast.Import):',
              '                for a in n.names: imported[a.asname or a.name] = n.lineno',
              '        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}',
              '        for name, line in imported.items():',
              '            if name not in used: findings.append(f"{path}:{line}: {name!r} imported but unused")',
              '        for n in ast.walk(tree):',
              '            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in defined | set(imported) | set(dir(__builtins__)):',
              '                findings.append(f"{path}:{n.lineno}: undefined name {n.id!r}")',
              'print("\\n".join(sorted(findings)))',
              ...TRY_LINKS,
              'try:',
              '    open("shop/prices.py", "a").write("# reviewed\\n")',
              '    print("write: ok")',
              'except OSError as e:',
              '    print("write:", type(e).__name__, e.errno)',
            ]),
          py(['final_answer("Findings:\\n" + "\\n".join(sorted(findings)))']),
        ],
      });
      const agent = new CodingAgent({
        name: 'reviewer',
        model,
        codeExecutor: executor,
        authorizedImports: ['*'],
      });
      const events = await (await startSession(agent)).turn('Review this repository.');

      expect(asked.map((s) => [s.appName, s.userId])).toEqual([['test_app', 'tester']]);
      const [observation] = observations(events);
      // History through git, in the sandbox.
      expect(observation).toContain('Describe discounts\nAdd the price module');
      // The write attempt fails (EACCES 13 or EROFS 30: the mount is read-only either way).
      expect(observation).toMatch(/write: (PermissionError 13|OSError 30)/);
      // /etc/passwd in the sandbox is the session's own; the host secret is not there at all.
      expect(observation).toMatch(/passwd_link -> sandbox:x:\d+/);
      expect(observation).toContain('secret_link -> FileNotFoundError');
      expect(observation).toContain('secret_rel -> FileNotFoundError');
      expect(finalText(events)).toBe(
        [
          'Findings:',
          "shop/prices.py:1: 'os' imported but unused",
          "shop/prices.py:6: undefined name 'discont'",
        ].join('\n'),
      );
      // The model was told where the workspace is and its size, never its contents.
      const system = String(model.requests[0].config?.systemInstruction ?? '');
      expect(system).toMatch(
        /The user's folder is at \/work\/workspace \(\d+ files in \d+ folders and 3 symlinks, [\d.]+ [KM]?i?B\)/,
      );
      expect(system).toContain('read-only');
      expect(requestText(model.requests[0])).not.toContain(CONTENT_MARKER);
      expect(requestText(model.requests[0])).not.toContain('Describe discounts');
      // Nothing of the host secret or the host's passwd anywhere.
      const all = everything(events, model);
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain('root:x:0:0');
      expect(hashTree(repo)).toEqual(before);
    }, 120_000);

    it('automation in a copy-on-write workspace: the changes come back as a diff git applies, the host folder stays byte-identical', async () => {
      const before = hashTree(repo);
      const executor = backend.create({workspace: {path: repo, mode: 'copy-on-write'}});
      executors.push(executor);
      const model = new ScriptedLlm({
        responses: [
          'I will fix the bug, drop the unused import, add a test, and tidy up.\n' +
            py([
              'import os, pathlib',
              'os.chdir("/work/workspace")',
              'p = pathlib.Path("shop/prices.py")',
              'p.write_text(p.read_text().replace("import os\\n\\n\\n", "").replace("discont", "discount"))',
              'pathlib.Path("tests").mkdir()',
              'pathlib.Path("tests/test_prices.py").write_text("from shop.prices import total\\n\\nassert total([1, 2], 1) == 2\\n")',
              'os.remove("NOTES.txt")',
              'pathlib.Path("logo.png").write_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(range(16)))',
              'os.symlink("/etc/shadow", "shadow_link")',
              ...TRY_LINKS,
              'import subprocess, sys',
              'print(subprocess.run([sys.executable, "-B", "tests/test_prices.py"], capture_output=True, text=True, env={"PYTHONPATH": "."}).returncode)',
            ]),
          py(['final_answer("Fixed the discount bug and added a test.")']),
        ],
      });
      const agent = new CodingAgent({
        name: 'automator',
        model,
        codeExecutor: executor,
        authorizedImports: ['*'],
      });
      const session = await startSession(agent);
      const events = await session.turn('Fix the bug in the price module.');

      expect(finalText(events)).toBe('Fixed the discount bug and added a test.');
      const observation = observations(events)[0];
      expect(observation).toContain('secret_link -> FileNotFoundError');
      expect(observation.trim().endsWith('0')).toBe(true);
      const system = String(model.requests[0].config?.systemInstruction ?? '');
      expect(system).toContain('your private copy');

      // The final event announces the diff artifact, with a summary in its metadata.
      const final = events[events.length - 1];
      expect(Object.keys(final.actions.artifactDelta)).toEqual([WORKSPACE_DIFF_ARTIFACT]);
      const summary = (final.customMetadata?.codingAgent as Record<string, unknown>)
        .workspaceChanges as Record<string, unknown>;
      expect(summary).toMatchObject({
        added: ['shadow_link', 'tests/test_prices.py'],
        removed: ['NOTES.txt'],
        changed: ['logo.png', 'shop/prices.py'],
        binary: ['logo.png'],
        truncated: false,
      });
      const artifact = await session.artifact(WORKSPACE_DIFF_ARTIFACT);
      expect(artifact?.inlineData?.mimeType).toBe('text/x-diff');
      const diff = Buffer.from(artifact!.inlineData!.data!, 'base64').toString('utf8');
      expect(diff).toContain(
        '-    return sum(prices) - discont\n+    return sum(prices) - discount',
      );
      expect(diff).toContain('Binary files a/logo.png and b/logo.png differ');
      expect(diff).toContain('+/etc/shadow');
      expect(diff).not.toContain(SECRET);

      // git applies the diff to a copy of the original: the text changes land.
      const applied = join(base, `applied-${backend.name}`);
      cpSync(repo, applied, {recursive: true, verbatimSymlinks: true});
      writeFileSync(join(applied, 'workspace.diff'), diff);
      // Binary files carry no content in the diff: git cannot apply those hunks.
      git(applied, 'apply', '--exclude=logo.png', 'workspace.diff');
      expect(readFileSync(join(applied, 'shop/prices.py'), 'utf8')).not.toContain('import os');
      expect(readFileSync(join(applied, 'shop/prices.py'), 'utf8')).toContain('- discount');
      expect(readFileSync(join(applied, 'tests/test_prices.py'), 'utf8')).toContain('assert total');
      expect(readlinkSync(join(applied, 'shadow_link'))).toBe('/etc/shadow');

      // Every file, folder, symlink, mode and mtime of the host folder as before.
      expect(hashTree(repo)).toEqual(before);
      expect(everything(events, model)).not.toContain(SECRET);
    }, 120_000);
  });
}
