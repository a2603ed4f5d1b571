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
import {createReadStream} from 'node:fs';
import {mkdtemp, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import type Docker from 'dockerode';

import {DEFAULT_CONTAINER_IMAGE} from './container_code_executor.js';
import {dockerClient} from './docker_client.js';

/**
 * Debian packages of the default image. `python3-munkres` satisfies an either-or dependency of
 * matplotlib's fonttools that would otherwise pull in scipy and a C++ compiler (600 MB).
 */
export const DEFAULT_IMAGE_PACKAGES: readonly string[] = [
  'python3',
  'python3-pandas',
  'python3-numpy',
  'python3-matplotlib',
  'python3-munkres',
  'fonts-dejavu-core',
];

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

function runMmdebstrap(program: string, args: string[], onLine: (line: string) => void) {
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
            ? `${program} is not installed: run 'apt-get install mmdebstrap' (or 'bash scripts/docker_setup.sh')`
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
 * Builds (or finds) the default image: Debian with python3, pandas, numpy and matplotlib.
 * Needs `mmdebstrap` and root (or unprivileged user namespaces) and a reachable Debian mirror;
 * no container registry.
 *
 * @throws Error when Docker is unreachable, mmdebstrap is missing or fails, or the import
 *     fails — each with what to do.
 */
export async function buildDefaultImage(
  options: BuildImageOptions = {},
): Promise<BuildImageResult> {
  const startedAt = Date.now();
  const image = options.tag ?? DEFAULT_CONTAINER_IMAGE;
  const docker = dockerClient(options.docker);
  const progress = options.onProgress ?? (() => {});
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
    const packages = options.packages ?? DEFAULT_IMAGE_PACKAGES;
    await runMmdebstrap(
      options.mmdebstrap ?? 'mmdebstrap',
      [
        '--variant=apt',
        '--format=tar',
        `--include=${packages.join(',')}`,
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
