/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * MCP tool results (`CallToolResult`) as Python values for the snippet that called the tool:
 *
 * - `isError: true` raises `ToolError` in the snippet with the server's message (its text
 *   content).
 * - `structuredContent`, when present, is the value (a dict matching the tool's output schema).
 * - Otherwise text content is the value: a `str`, the text blocks joined with newlines (`''` for
 *   no content).
 * - Content with other blocks is a `list`, one item per block: `str` for text, and for the rest
 *   the block as MCP sent it, with base64 payloads (images, audio, blob resources) replaced by an
 *   artifact: the bytes are saved through the call's `Context.saveArtifact` (so the step's event
 *   lists them and `adk web` shows them to the user) and the block carries `artifact` (the name)
 *   and `size` (bytes) instead of `data` / `blob`. A payload that cannot be saved (no artifact
 *   service, over the size limit) stays in the block as base64, with `note` saying why.
 *   Payloads alongside `structuredContent` are saved the same way.
 *
 * Results of tools that are not MCP tools, and results a callback replaced with something other
 * than a `CallToolResult`, reach the snippet unchanged.
 */

import type {BaseTool, Context} from '@google/adk';

import {formatFileSize} from '../utils/byte_size.js';
import {base64Bytes, isActiveMimeType, safeMimeType} from '../utils/mime.js';
import {isMcpTool} from './mcp_sessions.js';
import {pythonToolName} from './python_names.js';
import type {ConvertedToolResult, ToolResultConverter} from './tool_bridge.js';

/** Options of {@link mcpResultConverter}. */
export interface McpResultOptions {
  /** Payloads larger than this stay in the value as base64 instead of becoming artifacts. */
  maxArtifactBytes: number;
  /** Active MIME types (see `isActiveMimeType`) saved as they are; others are saved as `text/plain`. */
  allowedActiveArtifactTypes?: readonly string[];
}

type Block = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `result` has the shape of an MCP `CallToolResult`. */
function isCallToolResult(result: unknown): result is {
  content?: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
} {
  return (
    isObject(result) &&
    (Array.isArray(result.content) || isObject(result.structuredContent)) &&
    (result.content === undefined || Array.isArray(result.content))
  );
}

function textOf(blocks: readonly Block[]): string {
  return blocks
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n');
}

/**
 * The converter a ToolBridge applies to every result (see the module comment for the mapping).
 */
export function mcpResultConverter(options: McpResultOptions): ToolResultConverter {
  const allowedActive = new Set(options.allowedActiveArtifactTypes?.map((t) => t.toLowerCase()));
  return async (tool, result, context): Promise<ConvertedToolResult> => {
    if (!isMcpTool(tool) || !isCallToolResult(result)) return {value: result};
    const blocks = (result.content ?? []).filter(isObject);
    if (result.isError === true) {
      return {error: textOf(blocks) || 'the MCP server reported an error without a message'};
    }
    const payloads = new PayloadSaver(tool, context, options.maxArtifactBytes, allowedActive);
    const values: unknown[] = [];
    for (const block of blocks) values.push(await payloads.blockValue(block));
    if (isObject(result.structuredContent)) return {value: result.structuredContent};
    if (blocks.every((b) => b.type === 'text')) return {value: textOf(blocks)};
    return {value: values};
  };
}

/** Saves the base64 payloads of one result's blocks as artifacts. */
class PayloadSaver {
  private count = 0;

  constructor(
    private readonly tool: BaseTool,
    private readonly context: Context,
    private readonly maxBytes: number,
    private readonly allowedActive: ReadonlySet<string>,
  ) {}

  /** A block's value for the snippet. */
  async blockValue(block: Block): Promise<unknown> {
    if (block.type === 'text') return block.text;
    if ((block.type === 'image' || block.type === 'audio') && typeof block.data === 'string') {
      const {data, ...rest} = block;
      return {...rest, ...(await this.save(data, rest.mimeType))};
    }
    if (block.type === 'resource' && isObject(block.resource)) {
      const {blob, ...rest} = block.resource;
      if (typeof blob !== 'string') return block;
      return {...block, resource: {...rest, ...(await this.save(blob, rest.mimeType, 'blob'))}};
    }
    return block;
  }

  /** `{artifact, size}` once saved; else the payload back under `key`, with a `note`. */
  private async save(
    data: string,
    declaredMimeType: unknown,
    key = 'data',
  ): Promise<Record<string, unknown>> {
    const size = base64Bytes(data);
    const kept = (note: string) => ({[key]: data, note});
    if (!this.context.invocationContext.artifactService) {
      return kept('not saved as an artifact: the runner has no artifact service');
    }
    if (size > this.maxBytes) {
      return kept(
        `not saved as an artifact: ${formatFileSize(size)} is over the limit of ${formatFileSize(this.maxBytes)}`,
      );
    }
    const declared = safeMimeType(typeof declaredMimeType === 'string' ? declaredMimeType : '');
    // A viewer would run an active type with the web UI's origin; as text it stays downloadable.
    const downgraded = isActiveMimeType(declared) && !this.allowedActive.has(declared);
    const subtype = declared.split('/')[1]?.split('+')[0] ?? '';
    const extension = /^[a-z0-9]{1,10}$/.test(subtype) ? subtype : 'bin';
    const call = (this.context.functionCallId ?? '').replace(/^adk-/, '').slice(0, 8);
    const name = `mcp_${pythonToolName(this.tool.name)}_${call}_${++this.count}.${extension}`;
    const mimeType = downgraded ? 'text/plain' : declared;
    try {
      await this.context.saveArtifact(name, {inlineData: {mimeType, data}});
    } catch (error) {
      return kept(`not saved as an artifact: ${(error as Error).message}`);
    }
    return downgraded
      ? {artifact: name, size, note: `saved as text/plain, not ${declared}: viewers run that type`}
      : {artifact: name, size};
  }
}
