/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * An image that cannot run the kernel is named as such at the first start, with what it lacks:
 * tried on real images made here — one with no Python at all (`docker import` of a tar holding
 * one text file) and one whose Python lacks `json` (the default image with that package
 * deleted, committed as a new image).
 */

import {execFileSync} from 'node:child_process';
import {createReadStream} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import type Docker from 'dockerode';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {
  ContainerCodeExecutor,
  DEFAULT_CONTAINER_IMAGE,
} from '../../src/code_executors/docker/container_code_executor.js';
import {dockerClient} from '../../src/code_executors/docker/docker_client.js';
import {kernelModules} from '../../src/code_executors/docker/image_check.js';
import {defaultKernelPath} from '../../src/code_executors/kernel_code_executor.js';
import {sandboxBackends} from '../helpers/sandboxes.js';

const docker = sandboxBackends().find((b) => b.name === 'docker')!;
const tag = `coding-agent-test/image-check:${process.pid}`;
const NO_PYTHON = `${tag}-no-python`;
const NO_JSON = `${tag}-no-json`;

async function follow(client: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    client.modem.followProgress(stream, (error: Error | null) =>
      error ? reject(error) : resolve(),
    ),
  );
}

it('lists the modules the kernel imports, from its files', () => {
  const modules = kernelModules(defaultKernelPath());
  for (const name of ['json', 'selectors', 'importlib.util', 'importlib.metadata', 'ast']) {
    expect(modules).toContain(name);
  }
});

describe.skipIf(docker.skipReason !== undefined)(`image check on ${docker.title}`, () => {
  let client: Docker;

  beforeAll(async () => {
    client = dockerClient();
    // An image with no Python: a root filesystem of one file.
    const folder = await mkdtemp(join(tmpdir(), 'image-check-'));
    try {
      await writeFile(join(folder, 'README'), 'no python here\n');
      execFileSync('tar', ['-cf', join(folder, 'root.tar'), '-C', folder, 'README']);
      const {repo, tag: version} = splitTag(NO_PYTHON);
      await follow(
        client,
        await client.importImage(createReadStream(join(folder, 'root.tar')), {repo, tag: version}),
      );
    } finally {
      await rm(folder, {recursive: true, force: true});
    }
    // The default image without the json package.
    const container = await client.createContainer({
      Image: DEFAULT_CONTAINER_IMAGE,
      Cmd: ['rm', '-rf', '/usr/lib/python3.11/json'],
      NetworkDisabled: true,
    });
    try {
      await container.start();
      await container.wait();
      const {repo, tag: version} = splitTag(NO_JSON);
      await container.commit({repo, tag: version});
    } finally {
      await container.remove({force: true});
    }
  }, 120_000);

  afterAll(async () => {
    for (const image of [NO_PYTHON, NO_JSON]) {
      await client
        ?.getImage(image)
        .remove({force: true})
        .catch(() => undefined);
    }
  });

  it('an image without Python: the start says there is no interpreter and how to get one', async () => {
    const executor = new ContainerCodeExecutor({image: NO_PYTHON});
    try {
      await expect(executor.getSession('s', {authorizedImports: ['*']})).rejects.toThrow(
        new RegExp(
          `Docker image ${NO_PYTHON.replace(/[/.]/g, '\\$&')} cannot run the kernel: it has no Python at /usr/bin/python3 .*` +
            'Python 3\\.11 or newer .*coding-agent image build',
        ),
      );
    } finally {
      await executor.dispose();
    }
  }, 60_000);

  it('an image whose Python lacks a module the kernel imports: the start names it', async () => {
    const executor = new ContainerCodeExecutor({image: NO_JSON});
    try {
      await expect(executor.getSession('s', {authorizedImports: ['*']})).rejects.toThrow(
        /cannot run the kernel: its Python lacks modules the kernel imports: json\b/,
      );
    } finally {
      await executor.dispose();
    }
  }, 60_000);
});

function splitTag(image: string): {repo: string; tag: string} {
  const colon = image.lastIndexOf(':');
  return {repo: image.slice(0, colon), tag: image.slice(colon + 1)};
}
