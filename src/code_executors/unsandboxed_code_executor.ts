/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A backend that runs the kernel as a plain child process: no isolation at all. For development
 * and tests on machines without a sandbox; never for untrusted input.
 */

import {
  KernelCodeExecutor,
  type KernelCodeExecutorOptions,
  type KernelSessionContext,
} from './kernel_code_executor.js';
import type {KernelLaunchSpec} from './kernel_process.js';

/** Options of {@link UnsandboxedCodeExecutor}. */
export type UnsandboxedCodeExecutorOptions = KernelCodeExecutorOptions;

const WARNED = Symbol.for('adk-coding-agent.unsandboxedWarned');

/**
 * Runs snippets in a local Python process with the host user's rights: the code can read and
 * write anything that user can, and use the network. Only the environment is cleared (so host
 * secrets in environment variables do not leak) and the working folder is per session.
 */
export class UnsandboxedCodeExecutor extends KernelCodeExecutor {
  /** @inheritDoc */
  readonly backend = 'unsandboxed';

  /** @throws Error naming the first invalid option. */
  constructor(options: UnsandboxedCodeExecutorOptions = {}) {
    super(options);
    const flags = globalThis as unknown as Record<symbol, boolean | undefined>;
    if (!flags[WARNED]) {
      flags[WARNED] = true;
      console.warn(
        "adk-coding-agent: UnsandboxedCodeExecutor runs model-written code with your user's " +
          'rights and provides NO isolation. Use it for development only; use ' +
          'BubblewrapCodeExecutor (or a container) for anything else.',
      );
    }
  }

  /** Runs `python -I kernel.py` in the session's work folder with a minimal environment. */
  protected override launchSpec(context: KernelSessionContext): KernelLaunchSpec {
    return {
      command: context.python,
      args: ['-I', context.kernelPath, ...context.kernelArgs, '--output-dir', context.outputDir],
      env: {
        HOME: context.workDir,
        PATH: '/usr/local/bin:/usr/bin:/bin',
        LANG: 'C.UTF-8',
        MPLBACKEND: 'Agg',
      },
      cwd: context.workDir,
    };
  }
}
