/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * One package list: `docker/packages.txt` is what the offline image installs, what
 * `scripts/install.sh` installs for bubblewrap and what `docker/Dockerfile` installs with pip.
 */

import {readFileSync} from 'node:fs';

import {describe, expect, it} from 'vitest';

import {
  DEFAULT_IMAGE_PACKAGES,
  SANDBOX_PACKAGES,
} from '../../src/code_executors/docker/container_image.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the sandbox package list', () => {
  it('is docker/packages.txt, with the toolbox, and the image installs it', () => {
    const debian = read('docker/packages.txt')
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim().split(/\s+/)[0])
      .filter(Boolean);
    expect(DEFAULT_IMAGE_PACKAGES).toEqual(debian);
    for (const name of [
      'python3-seaborn',
      'python3-sklearn',
      'python3-pypdf',
      'python3-dill',
      'git',
    ]) {
      expect(DEFAULT_IMAGE_PACKAGES).toContain(name);
    }
    expect(SANDBOX_PACKAGES.find((p) => p.debian === 'python3-sklearn')?.dockerfile).toBe(
      'scikit-learn',
    );
  });

  it('is what the install script and the Dockerfile read', () => {
    expect(read('scripts/install.sh')).toMatch(/awk .* docker\/packages\.txt/);
    const dockerfile = read('docker/Dockerfile');
    expect(dockerfile).toContain('COPY packages.txt /tmp/packages.txt');
    expect(dockerfile).toMatch(/pip install[^\n]*\\\n\s*\$\(awk [^\n]*\/tmp\/packages\.txt\)/);
  });
});
