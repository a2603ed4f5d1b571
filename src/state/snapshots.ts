/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Durable interpreter state: snapshots of a stateful conversation's Python namespace, made by
 * the kernel inside the sandbox (dill; see `src/kernel/python/snapshot.py`) and stored by the
 * host through the run's ADK artifact service, so that a fresh kernel — after an eviction, an
 * idle close, a crash, a restart, or on another replica — gets the variables back.
 *
 * The host never unpickles anything. It wraps the kernel's bytes in an envelope that binds them
 * to one conversation (app, user, session, agent) with an HMAC, stores them under a reserved
 * artifact name ({@link SNAPSHOT_ARTIFACT_PREFIX}), and on restore checks the envelope (size,
 * binding, MAC) before the bytes go back into a sandbox, which unpickles them. A corrupted or
 * foreign snapshot is refused with a reason.
 */

import {createHash, createHmac, timingSafeEqual} from 'node:crypto';

import type {SessionArtifactService} from '@google/adk';

import type {SandboxSession} from '../code_executors/sandbox.js';

/** When snapshots are made. */
export type SnapshotWhen = 'turn' | 'close';

/** Compression of the variables' pickles inside a snapshot. */
export type SnapshotCompression = 'zlib' | 'lzma' | 'none';

/** Options of a stateful `CodingAgent`'s snapshots (`snapshots` in its config). */
export interface SnapshotOptions {
  /**
   * `turn` (default): after each turn, so any process can take the next one. `close`: only when
   * this process's session manager closes the interpreter (eviction, idle timeout) — for a
   * single agent-server process; a crash or restart then loses the state since the last close.
   */
  when?: SnapshotWhen;
  /**
   * Largest snapshot, bytes (compressed). Variables that do not fit (largest first) are left
   * out and named to the model at the restore. Default 256 MiB; the executor's
   * `maxSnapshotBytes` caps it too.
   */
  maxBytes?: number;
  /** Default `zlib` (level 1: fast). `lzma` is smaller and slower. */
  compression?: SnapshotCompression;
  /** Compression level (zlib 0–9, lzma 0–9); default 1 for zlib, 0 for lzma. */
  compressionLevel?: number;
  /**
   * Key of the HMAC that binds a snapshot to its conversation. Give every replica the same
   * secret (default: the environment variable `CODING_AGENT_SNAPSHOT_SECRET`, else a fixed key,
   * which still detects corruption and snapshots of other conversations, but not snapshots
   * forged by someone who can write to the artifact store).
   */
  secret?: string;
}

/** {@link SnapshotOptions} with defaults applied. */
export interface ResolvedSnapshotOptions {
  when: SnapshotWhen;
  maxBytes: number;
  compression: SnapshotCompression;
  compressionLevel?: number;
  secret: string;
}

/** Default of {@link SnapshotOptions.maxBytes}: 256 MiB. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

const DEFAULT_SECRET = 'adk-coding-agent snapshot key v1 (set CODING_AGENT_SNAPSHOT_SECRET)';

/**
 * Resolves the `snapshots` option of a stateful agent: `false` turns snapshots off, `true` or
 * undefined uses the defaults.
 *
 * @throws Error naming an invalid field.
 */
export function resolveSnapshotOptions(
  value: boolean | SnapshotOptions | undefined,
): ResolvedSnapshotOptions | undefined {
  if (value === false) return undefined;
  const options = value === true || value === undefined ? {} : value;
  const when = options.when ?? 'turn';
  if (when !== 'turn' && when !== 'close') {
    throw new Error(`snapshots.when must be 'turn' or 'close', got ${JSON.stringify(when)}`);
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1024) {
    throw new Error(`snapshots.maxBytes must be an integer of at least 1024, got ${maxBytes}`);
  }
  const compression = options.compression ?? 'zlib';
  if (!['zlib', 'lzma', 'none'].includes(compression)) {
    throw new Error(`snapshots.compression must be zlib, lzma or none, got ${compression}`);
  }
  const level = options.compressionLevel;
  if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9)) {
    throw new Error(`snapshots.compressionLevel must be an integer from 0 to 9, got ${level}`);
  }
  return {
    when,
    maxBytes,
    compression,
    compressionLevel: level,
    secret: options.secret ?? process.env.CODING_AGENT_SNAPSHOT_SECRET ?? DEFAULT_SECRET,
  };
}

/**
 * Prefix of the artifact names this package reserves for itself (snapshots). Artifact listings
 * should leave them out: see {@link isReservedArtifactName} and {@link withoutReservedArtifacts}.
 */
export const SNAPSHOT_ARTIFACT_PREFIX = '_coding_agent/';

/** The artifact name of an agent's snapshots in a session (one version per saved turn). */
export function snapshotArtifactName(agentName: string): string {
  return `${SNAPSHOT_ARTIFACT_PREFIX}snapshot/${agentName}`;
}

/** True for artifact names reserved by this package (snapshots), which users never see. */
export function isReservedArtifactName(name: string): boolean {
  return name.startsWith(SNAPSHOT_ARTIFACT_PREFIX);
}

/** `names` without the reserved ones (for listings shown to users or models). */
export function withoutReservedArtifacts(names: readonly string[]): string[] {
  return names.filter((name) => !isReservedArtifactName(name));
}

/** The conversation a snapshot belongs to. */
export interface SnapshotBinding {
  appName: string;
  userId: string;
  sessionId: string;
  agentName: string;
}

/** The envelope's header (JSON, before the payload). */
export interface SnapshotHeader {
  v: 1;
  appName: string;
  userId: string;
  sessionId: string;
  agentName: string;
  /** The invocation (turn) that made it. */
  invocationId: string;
  createdAt: number;
  /** Bytes and SHA-256 of the payload (the kernel's snapshot). */
  bytes: number;
  sha256: string;
  /** HMAC-SHA256 of the header's other fields and the payload's digest. */
  mac: string;
}

const ENVELOPE_MAGIC = Buffer.from('ADKENV1\n', 'latin1');

function macOf(secret: string, header: Omit<SnapshotHeader, 'mac'>): string {
  const fields = [
    header.v,
    header.appName,
    header.userId,
    header.sessionId,
    header.agentName,
    header.invocationId,
    header.createdAt,
    header.bytes,
    header.sha256,
  ];
  return createHmac('sha256', secret).update(JSON.stringify(fields)).digest('hex');
}

/** Wraps the kernel's snapshot bytes in an envelope bound to `binding` (see the module comment). */
export function sealSnapshot(
  payload: Uint8Array,
  binding: SnapshotBinding,
  invocationId: string,
  secret: string,
): Buffer {
  const base: Omit<SnapshotHeader, 'mac'> = {
    v: 1,
    ...pickBinding(binding),
    invocationId,
    createdAt: Date.now(),
    bytes: payload.byteLength,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  const header: SnapshotHeader = {...base, mac: macOf(secret, base)};
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([ENVELOPE_MAGIC, length, json, payload]);
}

function pickBinding(binding: SnapshotBinding): SnapshotBinding {
  return {
    appName: binding.appName,
    userId: binding.userId,
    sessionId: binding.sessionId,
    agentName: binding.agentName,
  };
}

/** Outcome of {@link openSnapshot}. */
export type OpenedSnapshot =
  {ok: true; payload: Buffer; header: SnapshotHeader} | {ok: false; reason: string};

/**
 * Checks an envelope read from the artifact store (untrusted: it may be corrupted, foreign or
 * forged) and returns the kernel's bytes. Never throws.
 */
export function openSnapshot(
  sealed: Uint8Array,
  binding: SnapshotBinding,
  secret: string,
  maxBytes: number,
): OpenedSnapshot {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length > maxBytes + 64 * 1024) {
    return {ok: false, reason: `it is ${bytes.length} bytes, over the ${maxBytes}-byte limit`};
  }
  if (bytes.length < ENVELOPE_MAGIC.length + 4 || !bytes.subarray(0, 8).equals(ENVELOPE_MAGIC)) {
    return {ok: false, reason: 'it is not a snapshot envelope (corrupted?)'};
  }
  const length = bytes.readUInt32BE(ENVELOPE_MAGIC.length);
  const start = ENVELOPE_MAGIC.length + 4;
  if (length > 64 * 1024 || start + length > bytes.length) {
    return {ok: false, reason: 'its header is damaged (corrupted?)'};
  }
  let header: SnapshotHeader;
  try {
    header = JSON.parse(bytes.subarray(start, start + length).toString('utf8')) as SnapshotHeader;
  } catch {
    return {ok: false, reason: 'its header is not JSON (corrupted?)'};
  }
  if (typeof header !== 'object' || header === null || header.v !== 1) {
    return {ok: false, reason: 'its header has an unknown version'};
  }
  const expected = pickBinding(binding);
  for (const key of Object.keys(expected) as Array<keyof SnapshotBinding>) {
    if (header[key] !== expected[key]) {
      return {
        ok: false,
        reason: `it belongs to another conversation (${key} ${JSON.stringify(header[key])}, not ${JSON.stringify(expected[key])})`,
      };
    }
  }
  const {mac, ...rest} = header;
  const wanted = Buffer.from(macOf(secret, rest), 'hex');
  const given = Buffer.from(typeof mac === 'string' ? mac : '', 'hex');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return {ok: false, reason: 'its signature does not match (forged, or another secret)'};
  }
  const payload = bytes.subarray(start + length);
  if (
    payload.length !== header.bytes ||
    createHash('sha256').update(payload).digest('hex') !== header.sha256
  ) {
    return {ok: false, reason: 'its bytes do not match their digest (corrupted)'};
  }
  return {ok: true, payload, header};
}

/** A variable the kernel left out of a snapshot, or could not restore. */
export interface SnapshotProblem {
  name: string;
  type?: string;
  /** `unpicklable`, `too_big`, `alias` (of a left-out variable) at save time. */
  reason?: string;
  /** The Python error, for unpicklable values and failed restores. */
  error?: string;
  bytes?: number;
}

/** What {@link takeSnapshot} got from the kernel. */
export interface TakenSnapshot {
  /** The kernel's bytes; absent when nothing changed since its last snapshot. */
  payload?: Uint8Array;
  unchanged: boolean;
  /** Variables left out (cannot be pickled, too big). */
  skipped: SnapshotProblem[];
  variables: number;
  /** Set when the kernel could not make one. */
  error?: string;
}

/** Wall-clock limit of the kernel's own snapshot and restore work (large namespaces take long). */
const SNAPSHOT_TIMEOUT_MS = 300_000;

function pyString(text: string): string {
  return JSON.stringify(text);
}

/**
 * Asks the kernel for a snapshot of its namespace (host-written code; never the model's).
 * `force` sends the bytes even when the kernel saw no change since its last snapshot.
 */
export async function takeSnapshot(
  sandbox: SandboxSession,
  options: ResolvedSnapshotOptions,
  force: boolean,
): Promise<TakenSnapshot> {
  const level = options.compressionLevel === undefined ? 'None' : String(options.compressionLevel);
  const result = await sandbox.execute({
    code:
      `print(__adk_snapshot__.report(__adk_snapshot__.save(${options.maxBytes}, ` +
      `${pyString(options.compression)}, ${level}, ${force ? 'True' : 'False'})))`,
    timeoutMs: SNAPSHOT_TIMEOUT_MS,
  });
  if (result.error) {
    return {
      unchanged: false,
      skipped: [],
      variables: 0,
      error: `${result.error.type}: ${result.error.message}`,
    };
  }
  let summary: {
    unchanged?: boolean;
    skipped?: SnapshotProblem[];
    variables?: number;
    error?: string;
    bytes?: number;
  };
  try {
    summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as typeof summary;
  } catch {
    return {unchanged: false, skipped: [], variables: 0, error: 'the kernel said nothing readable'};
  }
  const skipped = sanitizeProblems(summary.skipped);
  if (summary.error) {
    return {unchanged: false, skipped, variables: 0, error: String(summary.error).slice(0, 300)};
  }
  if (summary.unchanged) {
    return {unchanged: true, skipped, variables: Number(summary.variables) || 0};
  }
  if (!result.snapshot || result.snapshot.byteLength !== summary.bytes) {
    return {unchanged: false, skipped, variables: 0, error: 'the kernel sent no complete snapshot'};
  }
  return {
    payload: result.snapshot,
    unchanged: false,
    skipped,
    variables: Number(summary.variables) || 0,
  };
}

/** What {@link restoreSnapshot} did. */
export interface RestoredSnapshot {
  /** Names back in the namespace (variables and modules). */
  restored: string[];
  /** Names whose restore failed, with the Python error. */
  failed: SnapshotProblem[];
  /** Names left out when the snapshot was made. */
  skipped: SnapshotProblem[];
  /** Set when nothing could be restored (the kernel refused the bytes). */
  error?: string;
}

/** Raw bytes per restore chunk when the session does not say how long a line may be. */
const RESTORE_CHUNK_BYTES = 512 * 1024;
/** Raw bytes per restore chunk at most. */
const MAX_RESTORE_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Hands a snapshot's bytes back to the kernel (in chunks) and has it restore them into its
 * namespace. The kernel unpickles; the host only forwards bytes it checked.
 */
export async function restoreSnapshot(
  sandbox: SandboxSession,
  payload: Uint8Array,
  maxBytes: number,
): Promise<RestoredSnapshot> {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  // Each chunk's base64 and the code around it fit in one line to the kernel.
  const line = sandbox.maxMessageBytes;
  const size = line
    ? Math.max(
        4096,
        Math.min(MAX_RESTORE_CHUNK_BYTES, Math.floor(((line - 64 * 1024) * 3) / 4 / 3) * 3),
      )
    : RESTORE_CHUNK_BYTES;
  for (let start = 0; start < bytes.length; start += size) {
    const chunk = bytes.subarray(start, start + size).toString('base64');
    const added = await sandbox.execute({
      code: `__adk_snapshot__.add('${chunk}', ${maxBytes})`,
      timeoutMs: SNAPSHOT_TIMEOUT_MS,
    });
    if (added.error) {
      return {restored: [], failed: [], skipped: [], error: added.error.message.slice(0, 300)};
    }
  }
  const result = await sandbox.execute({
    code: 'print(__adk_snapshot__.report(__adk_snapshot__.restore()))',
    timeoutMs: SNAPSHOT_TIMEOUT_MS,
  });
  if (result.error) {
    return {
      restored: [],
      failed: [],
      skipped: [],
      error: `${result.error.type}: ${result.error.message}`.slice(0, 300),
    };
  }
  try {
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      restored?: unknown;
      failed?: unknown;
      skipped?: unknown;
      error?: unknown;
    };
    if (summary.error) {
      return {restored: [], failed: [], skipped: [], error: String(summary.error).slice(0, 300)};
    }
    return {
      restored: Array.isArray(summary.restored)
        ? summary.restored.filter((n): n is string => typeof n === 'string').slice(0, 10_000)
        : [],
      failed: sanitizeProblems(summary.failed),
      skipped: sanitizeProblems(summary.skipped),
    };
  } catch {
    return {restored: [], failed: [], skipped: [], error: 'the kernel said nothing readable'};
  }
}

/** Problems reported by the kernel, reduced to short strings (the kernel is untrusted). */
function sanitizeProblems(value: unknown): SnapshotProblem[] {
  if (!Array.isArray(value)) return [];
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : undefined);
  return value
    .filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null)
    .slice(0, 200)
    .map((p) => ({
      name: text(p.name, 100) ?? '?',
      type: text(p.type, 60),
      reason: text(p.reason, 30),
      error: text(p.error, 300),
      bytes: typeof p.bytes === 'number' ? p.bytes : undefined,
    }));
}

/** Removes every user variable from the namespace (before a newer snapshot is restored). */
export async function clearNamespace(sandbox: SandboxSession): Promise<void> {
  await sandbox.execute({code: '__adk_snapshot__.clear()'});
}

/** Where a snapshot is stored: the run's artifact service and the session. */
export interface SnapshotStore {
  /** The run's artifact service (scoped to the session). */
  service: SessionArtifactService;
  binding: SnapshotBinding;
}

/** Stores a sealed snapshot as a new version of the agent's snapshot artifact. */
export async function storeSnapshot(store: SnapshotStore, sealed: Buffer): Promise<number> {
  const {service, binding} = store;
  return await service.saveArtifact({
    filename: snapshotArtifactName(binding.agentName),
    artifact: {
      inlineData: {mimeType: 'application/octet-stream', data: sealed.toString('base64')},
    },
  });
}

/** Loads a stored snapshot's envelope (the latest version without `version`), if any. */
export async function loadSnapshot(
  store: SnapshotStore,
  version?: number,
): Promise<Buffer | undefined> {
  const {service, binding} = store;
  const part = await service.loadArtifact({
    filename: snapshotArtifactName(binding.agentName),
    version,
  });
  const data = part?.inlineData?.data;
  return data ? Buffer.from(data, 'base64') : undefined;
}

/** Names and reasons, as the model reads them: `gen (generator): cannot be pickled`. */
export function describeProblems(problems: readonly SnapshotProblem[]): string {
  return problems
    .map((p) => {
      const type = p.type ? ` (${p.type})` : '';
      let why: string;
      if (p.reason === 'unpicklable') why = `cannot be saved${p.error ? `: ${p.error}` : ''}`;
      else if (p.reason === 'too_big')
        why = `too big for the snapshot size limit${p.bytes ? ` (${p.bytes} bytes)` : ''}`;
      else if (p.reason === 'alias') why = 'it named a value that was not saved';
      else why = `could not be restored${p.error ? `: ${p.error}` : ''}`;
      return `${p.name}${type}: ${why}`;
    })
    .join('; ');
}
