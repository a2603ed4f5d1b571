/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A fixed number of things started ahead of time (kernels with pandas already imported), handed
 * out one at a time and refilled in the background.
 */

/** Options of a warm pool of kernels (see `KernelCodeExecutorOptions.pool`). */
export interface WarmPoolOptions {
  /** How many kernels to keep started and waiting. 0 disables the pool. */
  size: number;
  /**
   * Modules each pooled kernel imports before it is handed out, so a session's first
   * `import pandas` costs nothing. Default `['pandas', 'numpy', 'matplotlib.pyplot']`; modules
   * that are not installed are skipped. Snippets still need the import to be authorized.
   */
  preload?: readonly string[];
}

/** Default modules a pooled kernel imports ahead of time. */
export const DEFAULT_PRELOAD: readonly string[] = ['pandas', 'numpy', 'matplotlib.pyplot'];

/** Largest pool accepted (each entry is a live kernel holding memory). */
const MAX_POOL_SIZE = 64;

/** Validates pool options and fills in defaults. */
export function resolvePoolOptions(
  options: WarmPoolOptions | undefined,
): Required<WarmPoolOptions> {
  const size = options?.size ?? 0;
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_POOL_SIZE) {
    throw new Error(`pool.size must be an integer from 0 to ${MAX_POOL_SIZE}, got ${String(size)}`);
  }
  const preload = options?.preload ?? DEFAULT_PRELOAD;
  for (const name of preload) {
    if (typeof name !== 'string' || !/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(name)) {
      throw new Error(`pool.preload entries must be module names, got ${JSON.stringify(name)}`);
    }
  }
  return {size, preload: [...preload]};
}

/**
 * Keeps `size` items started. {@link take} never hands one item out twice: it removes the item
 * synchronously before returning it.
 */
export class WarmPool<T> {
  private readonly ready: T[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private disposed = false;
  private lastErrorValue?: Error;
  private waiters: Array<() => void> = [];

  /**
   * @param size Items to keep ready.
   * @param create Starts one item.
   * @param destroy Releases an item that will not be handed out.
   */
  constructor(
    private readonly size: number,
    private readonly create: () => Promise<T>,
    private readonly destroy: (item: T) => Promise<void>,
  ) {}

  /** Items ready now. */
  get readyCount(): number {
    return this.ready.length;
  }

  /** Why the last start failed, if it did (the pool stops refilling until the next take). */
  get lastError(): Error | undefined {
    return this.lastErrorValue;
  }

  /** Starts items until `size` are ready or starting. */
  fill(): void {
    // After a failed start (image missing, daemon down) wait for the next take or warmUp
    // instead of retrying in a tight loop.
    if (this.disposed || this.lastErrorValue) return;
    while (this.ready.length + this.inFlight.size < this.size) {
      const started: Promise<void> = this.create().then(
        (item) => {
          this.inFlight.delete(started);
          if (this.disposed) {
            return this.destroy(item).catch(() => undefined);
          } else {
            this.lastErrorValue = undefined;
            this.ready.push(item);
          }
          this.notify();
        },
        (error: unknown) => {
          this.inFlight.delete(started);
          this.lastErrorValue = error instanceof Error ? error : new Error(String(error));
          this.notify();
        },
      );
      this.inFlight.add(started);
    }
  }

  /** Fills the pool and resolves when it is full, or rejects with the error of a failed start. */
  async warmUp(): Promise<void> {
    this.lastErrorValue = undefined;
    this.fill();
    while (!this.disposed && this.ready.length < this.size) {
      if (this.lastErrorValue) throw this.lastErrorValue;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.lastErrorValue && this.ready.length < this.size) throw this.lastErrorValue;
  }

  /** Removes and returns a ready item (or undefined), then refills in the background. */
  take(): T | undefined {
    const item = this.ready.shift();
    this.lastErrorValue = undefined;
    this.fill();
    return item;
  }

  /** Destroys every ready item, and waits for items still starting to be destroyed too. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const items = this.ready.splice(0);
    this.notify();
    await Promise.all([
      ...items.map((item) => this.destroy(item).catch(() => undefined)),
      ...this.inFlight,
    ]);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
