/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

const UNITS: Record<string, number> = {'': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3};

/**
 * Parses a size option: a number of bytes, or a string such as `1048576`, `512m`, `2g`, `64KiB`.
 *
 * @param option The option's name, for the error message.
 * @param minBytes The smallest size that makes sense for this option.
 * @throws Error naming the option for anything else, or a size below `minBytes`.
 */
export function parseByteSize(value: number | string, option: string, minBytes: number): number {
  let bytes: number;
  if (typeof value === 'number') {
    bytes = value;
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)i?b?\s*$/i.exec(String(value));
    if (!match) {
      throw new Error(`${option} must be bytes or a size like "512m" or "2g", got "${value}"`);
    }
    bytes = Math.floor(Number(match[1]) * UNITS[match[2].toLowerCase()]);
  }
  if (!Number.isSafeInteger(bytes) || bytes < minBytes) {
    throw new Error(
      `${option} must be at least ${formatBytes(minBytes)}, got ${JSON.stringify(value)}`,
    );
  }
  return bytes;
}

/** `2 GiB`, `1.5 GiB`, `256 MiB` or `64 KiB`, for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Number((bytes / 1024 ** 3).toFixed(2))} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** A file's size for people: `812 B`, `14.2 KB`, `52.4 MB` (decimal units, as file managers show). */
export function formatFileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`;
  if (bytes < 1_000_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${(bytes / 1_000_000_000).toFixed(2)} GB`;
}
