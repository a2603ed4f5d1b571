/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The sandbox backends tests run against. A backend whose tool is missing here is skipped with
 * its reason in the suite title, unless `CODING_AGENT_REQUIRE_SANDBOXES=1`: then it is not
 * skipped, and creating it throws the reason, so the suite fails instead of passing vacuously.
 */

import {existsSync} from 'node:fs';

import type Docker from 'dockerode';

import {BubblewrapCodeExecutor} from '../../src/code_executors/bubblewrap/bubblewrap_code_executor.js';
import {
  CONTAINER_LABEL,
  CONTAINER_OWNER_LABEL,
  ContainerCodeExecutor,
} from '../../src/code_executors/docker/container_code_executor.js';
import type {
  KernelCodeExecutor,
  SandboxCodeExecutorOptions,
} from '../../src/code_executors/kernel_code_executor.js';
import {UnsandboxedCodeExecutor} from '../../src/code_executors/unsandboxed_code_executor.js';

/** One backend as tests see it. */
export interface SandboxBackend {
  /** `local`, `bubblewrap` or `docker`. */
  name: 'local' | 'bubblewrap' | 'docker';
  /** Why the backend cannot run here; undefined when it can (or when backends are required). */
  skipReason?: string;
  /** Suite title: the name, plus the skip reason when skipped. */
  title: string;
  /** Creates an executor (throws the reason when the backend is required but unavailable). */
  create(options?: SandboxCodeExecutorOptions): KernelCodeExecutor;
}

/** True when `CODING_AGENT_REQUIRE_SANDBOXES=1`: missing backends fail instead of skipping. */
export const sandboxesRequired = process.env.CODING_AGENT_REQUIRE_SANDBOXES === '1';

const PYTHON = '/usr/bin/python3';

/**
 * Describes one backend: skipped with `unavailable` as the reason, unless `required`, in which
 * case it is not skipped and `create()` throws the reason.
 */
export function makeSandboxBackend(
  name: SandboxBackend['name'],
  unavailable: string | undefined,
  make: (options?: SandboxCodeExecutorOptions) => KernelCodeExecutor,
  required = sandboxesRequired,
): SandboxBackend {
  const skipReason = required ? undefined : unavailable;
  return {
    name,
    skipReason,
    title: skipReason ? `${name} (skipped: ${skipReason})` : name,
    create(options) {
      if (unavailable) {
        throw new Error(
          `sandbox backend ${name} is required (CODING_AGENT_REQUIRE_SANDBOXES=1) but unavailable: ${unavailable}`,
        );
      }
      return make(options);
    },
  };
}

let cached: SandboxBackend[] | undefined;

/** The backends to test, in a fixed order: `local`, `bubblewrap`, `docker`. */
export function sandboxBackends(): SandboxBackend[] {
  if (cached) return cached;
  const python = existsSync(PYTHON)
    ? undefined
    : `${PYTHON} is missing: run 'apt-get install python3'`;
  const bwrap = BubblewrapCodeExecutor.isAvailableSync();
  const docker = ContainerCodeExecutor.isAvailableSync();
  cached = [
    makeSandboxBackend('local', python, (options) => new UnsandboxedCodeExecutor(options)),
    makeSandboxBackend(
      'bubblewrap',
      bwrap.available ? python : bwrap.reason,
      (options) => new BubblewrapCodeExecutor(options),
    ),
    makeSandboxBackend(
      'docker',
      docker.available ? undefined : docker.reason,
      (options) => new ContainerCodeExecutor(options),
    ),
  ];
  return cached;
}

/** Ids of this package's containers (any state) owned by process `pid` of this host. */
export async function containersOf(docker: Docker, pid: number): Promise<string[]> {
  const list = await docker.listContainers({
    all: true,
    filters: {label: [`${CONTAINER_LABEL}=true`]},
  });
  return list.filter((c) => c.Labels[CONTAINER_OWNER_LABEL]?.endsWith(`/${pid}`)).map((c) => c.Id);
}

/** Names of this package's session volumes owned by process `pid` of this host. */
export async function volumesOf(docker: Docker, pid: number): Promise<string[]> {
  const {Volumes: volumes} = await docker.listVolumes({
    filters: {label: [`${CONTAINER_LABEL}=true`]},
  });
  return (volumes ?? [])
    .filter((v) => v.Labels?.[CONTAINER_OWNER_LABEL]?.endsWith(`/${pid}`))
    .map((v) => v.Name);
}
