/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Builds the default container image offline: a Debian root filesystem made by `mmdebstrap`
 * from Debian's own packages (no container registry, no PyPI), loaded with `docker import`
 * through the Engine API.
 */

import {spawn} from 'node:child_process';
import {createReadStream, readFileSync} from 'node:fs';
import {mkdir, mkdtemp, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import type Docker from 'dockerode';

import {DEFAULT_CONTAINER_IMAGE} from './container_code_executor.js';
import {dockerClient} from './docker_client.js';

/** One line of `docker/packages.txt`, the sandbox's package list. */
export interface SandboxPackage {
  /** The Debian 12 package (what the install script and the offline image install). */
  debian: string;
  /** How `docker/Dockerfile` gets it: a PyPI name, `apt` (the Debian package) or `-` (not needed). */
  dockerfile: string;
}

/**
 * Reads `docker/packages.txt`: the one list behind `scripts/install.sh`, the offline image and
 * `docker/Dockerfile`. The file sits at the package's root, the same distance from `src/` and
 * `dist/`. An empty list when it cannot be found (an agent bundled elsewhere by `adk web`):
 * {@link buildDefaultImage} then refuses to build rather than build a bare image.
 */
function readSandboxPackages(): SandboxPackage[] {
  let text: string;
  try {
    text = readFileSync(new URL('../../../docker/packages.txt', import.meta.url), 'utf8');
  } catch {
    return [];
  }
  const packages: SandboxPackage[] = [];
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields[0]) packages.push({debian: fields[0], dockerfile: fields[1] ?? '-'});
  }
  return packages;
}

/**
 * The sandbox's packages as `docker/packages.txt` lists them: python3, the data stack (numpy,
 * pandas, matplotlib, scipy, seaborn, scikit-learn, statsmodels, sympy, networkx), documents
 * (openpyxl, xlrd, pypdf, pdfminer, beautifulsoup4, lxml, tabulate), dill and git.
 */
export const SANDBOX_PACKAGES: readonly SandboxPackage[] = Object.freeze(readSandboxPackages());

/** Debian packages of the default image: the Debian column of {@link SANDBOX_PACKAGES}. */
export const DEFAULT_IMAGE_PACKAGES: readonly string[] = Object.freeze(
  SANDBOX_PACKAGES.map((entry) => entry.debian),
);

/**
 * Debian 12's python3-scipy depends on python3-pythran, which drags in g++, Boost and the
 * Python headers (several hundred MB) although scipy never imports it at run time. The image
 * gets an empty stand-in of that name, installed before the packages.
 */
const STAND_IN_PACKAGES = ['python3-pythran'];

async function buildStandIn(folder: string, name: string): Promise<string> {
  const root = join(folder, name);
  await mkdir(join(root, 'DEBIAN'), {recursive: true});
  await writeFile(
    join(root, 'DEBIAN', 'control'),
    [
      `Package: ${name}`,
      'Version: 999:0+coding-agent',
      'Architecture: all',
      'Maintainer: adk-coding-agent <noreply@localhost>',
      `Description: empty stand-in for ${name} (build-time only; not needed in the sandbox)`,
      '',
    ].join('\n'),
  );
  const deb = join(folder, `${name}.deb`);
  await runProgram('dpkg-deb', ['--build', '--root-owner-group', root, deb], () => {});
  return deb;
}

/** Options of {@link buildDefaultImage}. */
export interface BuildImageOptions {
  /** Image name. Default {@link DEFAULT_CONTAINER_IMAGE}. */
  tag?: string;
  /** Debian suite. Default `bookworm`. */
  suite?: string;
  /** Debian mirror. Default `http://deb.debian.org/debian`. */
  mirror?: string;
  /** Packages to install. Default {@link DEFAULT_IMAGE_PACKAGES}. */
  packages?: readonly string[];
  /** Debian packages added to `packages` (e.g. `python3-xyz`). Default none. */
  extraPackages?: readonly string[];
  /** Rebuild even when the image exists. Default false. */
  force?: boolean;
  /** Docker connection (as for `ContainerCodeExecutor`). */
  docker?: Docker.DockerOptions | Docker;
  /** The `mmdebstrap` program. Default `mmdebstrap` on PATH. */
  mmdebstrap?: string;
  /** Receives progress lines (mmdebstrap's `I:` lines, then the import). */
  onProgress?: (line: string) => void;
}

/** What {@link buildDefaultImage} did. */
export interface BuildImageResult {
  /** The image name. */
  image: string;
  /** False when the image already existed and `force` was not set. */
  built: boolean;
  /** Image size in bytes, as Docker reports it. */
  sizeBytes: number;
  /** Wall time in milliseconds. */
  durationMs: number;
}

function splitTag(image: string): {repo: string; tag: string} {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash
    ? {repo: image.slice(0, colon), tag: image.slice(colon + 1)}
    : {repo: image, tag: 'latest'};
}

function runProgram(program: string, args: string[], onLine: (line: string) => void) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(program, args, {stdio: ['ignore', 'pipe', 'pipe']});
    let tail = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) onLine(line.trim());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `${program} is not installed: run 'apt-get install ${program === 'dpkg-deb' ? 'dpkg' : 'mmdebstrap'}' (or 'bash scripts/docker_setup.sh')`
            : `cannot run ${program}: ${error.message}`,
        ),
      ),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new Error(`${program} failed (${signal ?? `exit code ${code}`}):\n${tail.trim()}`));
    });
  });
}

/**
 * Builds (or finds) the default image: Debian with python3 and {@link DEFAULT_IMAGE_PACKAGES}
 * (plus `extraPackages`).
 * Needs `mmdebstrap` and root (or unprivileged user namespaces) and a reachable Debian mirror;
 * no container registry.
 *
 * @throws Error when a package name is not a Debian one, Docker is unreachable, mmdebstrap is missing or fails, or the import
 *     fails — each with what to do.
 */
export async function buildDefaultImage(
  options: BuildImageOptions = {},
): Promise<BuildImageResult> {
  const startedAt = Date.now();
  const image = options.tag ?? DEFAULT_CONTAINER_IMAGE;
  const docker = dockerClient(options.docker);
  const progress = options.onProgress ?? (() => {});
  const packages = [
    ...(options.packages ?? DEFAULT_IMAGE_PACKAGES),
    ...(options.extraPackages ?? []),
  ];
  if (packages.length === 0) {
    throw new Error(
      'no package list: docker/packages.txt was not found beside the build (run the CLI from the installed package)',
    );
  }
  const invalid = packages.filter((name) => !/^[a-z0-9][a-z0-9+.-]+$/.test(name));
  if (invalid.length) throw new Error(`not Debian package names: ${invalid.join(', ')}`);
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `Docker is not reachable (${(error as Error).message}): start the daemon, e.g. 'bash scripts/docker_setup.sh'`,
    );
  }
  if (!options.force) {
    const existing = await docker
      .getImage(image)
      .inspect()
      .catch(() => undefined);
    if (existing) {
      return {image, built: false, sizeBytes: existing.Size, durationMs: Date.now() - startedAt};
    }
  }
  const folder = await mkdtemp(join(tmpdir(), 'coding-agent-image-'));
  const tarball = join(folder, 'rootfs.tar');
  try {
    const standIns = await Promise.all(
      STAND_IN_PACKAGES.filter((name) => !packages.includes(name)).map((name) =>
        buildStandIn(folder, name),
      ),
    );
    await runProgram(
      options.mmdebstrap ?? 'mmdebstrap',
      [
        '--variant=apt',
        '--format=tar',
        `--include=${packages.join(',')}`,
        // Installed before the packages, so apt finds the dependency satisfied. (mmdebstrap
        // 1.3.5 cannot --include a .deb file from outside the chroot.)
        ...standIns.map(
          (deb) =>
            `--essential-hook=cp '${deb}' "$1/tmp/stand-in.deb" && chroot "$1" dpkg -i /tmp/stand-in.deb && rm "$1/tmp/stand-in.deb"`,
        ),
        // Only what the packages need: recommends would add compilers and scipy.
        '--aptopt=APT::Install-Recommends "false"',
        '--aptopt=Acquire::Check-Valid-Until "false"',
        '--dpkgopt=path-exclude=/usr/share/doc/*',
        '--dpkgopt=path-exclude=/usr/share/man/*',
        '--dpkgopt=path-exclude=/usr/share/locale/*',
        '--customize-hook=chroot "$1" apt-get clean',
        options.suite ?? 'bookworm',
        tarball,
        options.mirror ?? 'http://deb.debian.org/debian',
      ],
      progress,
    );
    progress(`importing ${(await stat(tarball)).size} bytes as ${image}`);
    const {repo, tag} = splitTag(image);
    const output = await docker.importImage(createReadStream(tarball), {
      repo,
      tag,
      changes: ['ENV LANG=C.UTF-8', 'CMD ["/usr/bin/python3"]'],
    });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        output,
        (error: Error | null, events: Array<{error?: string}>) => {
          const failed = error?.message ?? events.find((event) => event.error)?.error;
          if (failed) reject(new Error(`docker import failed: ${failed}`));
          else resolve();
        },
      ),
    );
    const info = await docker.getImage(image).inspect();
    return {image, built: true, sizeBytes: info.Size, durationMs: Date.now() - startedAt};
  } finally {
    await rm(folder, {recursive: true, force: true});
  }
}
