/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import type {BaseTool} from '@google/adk';
import type {FunctionDeclaration, Schema} from '@google/genai';

import {
  STUB_ARGS_VARIABLE,
  assignPythonNames,
  pythonParamName,
  pythonToolName,
} from './python_names.js';

export {pythonParamName} from './python_names.js';

/** JSON Schema (draft-07 style) as this package uses it for tool parameters. */
export type JsonSchema = {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
  [key: string]: unknown;
};

/** Converts a Gemini `Schema` (uppercase types, `nullable`) to JSON Schema. */
export function geminiSchemaToJsonSchema(schema: Schema): JsonSchema {
  const out: JsonSchema = {};
  if (schema.type) {
    const type = String(schema.type).toLowerCase();
    out.type = schema.nullable ? [type, 'null'] : type;
  }
  if (schema.description) out.description = schema.description;
  if (schema.enum) out.enum = schema.nullable ? [...schema.enum, null] : [...schema.enum];
  if (schema.items) out.items = geminiSchemaToJsonSchema(schema.items);
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, geminiSchemaToJsonSchema(v)]),
    );
    out.additionalProperties = false;
  }
  if (schema.required) out.required = [...schema.required];
  if (schema.default !== undefined) out.default = schema.default;
  for (const key of [
    'minimum',
    'maximum',
    'minLength',
    'maxLength',
    'minItems',
    'maxItems',
    'pattern',
  ] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  if (schema.anyOf) out.anyOf = schema.anyOf.map(geminiSchemaToJsonSchema);
  return out;
}

/** The JSON Schema of a tool's parameters (an empty object schema when it takes none). */
export function toolParametersSchema(declaration: FunctionDeclaration | undefined): JsonSchema {
  if (declaration?.parametersJsonSchema) return declaration.parametersJsonSchema as JsonSchema;
  if (declaration?.parameters) return geminiSchemaToJsonSchema(declaration.parameters);
  return {type: 'object', properties: {}};
}

/** The JSON Schema of a tool's result, when its declaration has one (an MCP tool's `outputSchema`). */
export function toolResponseSchema(
  declaration: FunctionDeclaration | undefined,
): JsonSchema | undefined {
  if (declaration?.responseJsonSchema) return declaration.responseJsonSchema as JsonSchema;
  if (declaration?.response) return geminiSchemaToJsonSchema(declaration.response);
  return undefined;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const JSON_TO_PYTHON_TYPES: Record<string, string> = {
  string: 'str',
  integer: 'int',
  number: 'float',
  boolean: 'bool',
  object: 'dict',
  null: 'None',
};

/** The Python annotation of a schema (`str`, `list[int]`, `int | str`), when it has a clear one. */
function pythonType(schema: unknown): string | undefined {
  if (!isSchema(schema)) return undefined;
  const variants = schema.anyOf ?? schema.oneOf;
  let types: string[];
  if (Array.isArray(variants)) {
    const mapped = variants.filter((v) => !(isSchema(v) && v.type === 'null')).map(pythonType);
    if (mapped.some((t) => t === undefined)) return undefined;
    types = mapped as string[];
  } else {
    const declared = [schema.type].flat().filter((t): t is string => typeof t === 'string');
    const named = declared.length
      ? declared
      : Array.isArray(schema.enum)
        ? schema.enum.map((v) => (v === null ? 'null' : typeof v))
        : [];
    types = named
      .filter((t) => t !== 'null')
      .map((t) => {
        if (t !== 'array') return JSON_TO_PYTHON_TYPES[t];
        const item = pythonType(schema.items);
        return item ? `list[${item}]` : 'list';
      })
      .filter((t): t is string => t !== undefined);
  }
  const unique = [...new Set(types)];
  return unique.length ? unique.join(' | ') : undefined;
}

/** Longest default shown in a signature; a longer one is named in the docstring. */
const MAX_DEFAULT_CHARS = 40;
/** Longest return shape shown in a docstring. */
const MAX_SHAPE_CHARS = 600;

/** A JSON value as a Python literal (`null` → `None`, `true` → `True`). */
function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
}

/** The shape of a result, Python-like: `{"result": float, "items": list[{"name": str}]}`. */
function shapeOf(schema: unknown, depth = 0): string {
  if (!isSchema(schema)) return 'Any';
  if (isSchema(schema.properties) && depth < 4) {
    const keys = Object.entries(schema.properties).map(
      ([key, value]) => `${JSON.stringify(key)}: ${shapeOf(value, depth + 1)}`,
    );
    return `{${keys.join(', ')}}`;
  }
  if (schema.type === 'array' && isSchema(schema.items)) {
    return `list[${shapeOf(schema.items, depth + 1)}]`;
  }
  return pythonType(schema) ?? 'Any';
}

function pyString(text: string): string {
  return JSON.stringify(text);
}

function docstring(text: string, indent: string): string {
  const body = text.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').trim();
  return `${indent}"""${body.split('\n').join(`\n${indent}`)}\n${indent}"""`;
}

function oneLine(text: unknown): string {
  return typeof text === 'string' ? text.trim().replace(/\s*\n\s*/g, ' ') : '';
}

interface ParamInfo {
  name: string;
  pyName: string;
  type?: string;
  required: boolean;
  description: string;
  enumValues?: unknown[];
  /** The schema's default as a Python literal, when there is one. */
  defaultLiteral?: string;
}

interface ToolInfo {
  name: string;
  pyName: string;
  description: string;
  params: ParamInfo[];
  /** The result's schema, when the tool declares one. */
  response?: JsonSchema;
}

function describeTool(tool: BaseTool, pyName: string): ToolInfo {
  const declaration = tool._getDeclaration();
  const schema = toolParametersSchema(declaration);
  const properties = isSchema(schema.properties) ? Object.entries(schema.properties) : [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const pyNames = assignPythonNames(
    properties.map(([name]) => name),
    pythonParamName,
  );
  const params: ParamInfo[] = properties.map(([name, prop], i) => {
    const property = isSchema(prop) ? prop : {};
    return {
      name,
      pyName: pyNames[i],
      type: pythonType(property),
      required: required.has(name),
      description: oneLine(property.description),
      enumValues: Array.isArray(property.enum) ? property.enum : undefined,
      defaultLiteral: property.default === undefined ? undefined : pythonLiteral(property.default),
    };
  });
  // Required parameters first, as Python needs.
  params.sort((a, b) => Number(b.required) - Number(a.required));
  return {
    name: tool.name,
    pyName,
    description: tool.description ?? '',
    params,
    response: toolResponseSchema(declaration),
  };
}

/** The default a signature shows: the schema's when short, else `None` (the tool's applies). */
function signatureDefault(p: ParamInfo): string {
  return p.defaultLiteral !== undefined && p.defaultLiteral.length <= MAX_DEFAULT_CHARS
    ? p.defaultLiteral
    : 'None';
}

function signature(info: ToolInfo): string {
  const params = info.params.map((p) => {
    const annotation = p.type ? `: ${p.type}` : '';
    return p.required
      ? `${p.pyName}${annotation}`
      : `${p.pyName}${annotation} = ${signatureDefault(p)}`;
  });
  const returns = info.response ? pythonType(info.response) : undefined;
  return `def ${info.pyName}(${params.join(', ')})${returns ? ` -> ${returns}` : ''}:`;
}

function docText(info: ToolInfo): string {
  const lines = [info.description.trim() || info.pyName];
  if (info.pyName !== info.name) lines.push('', `(The tool ${JSON.stringify(info.name)}.)`);
  const described = info.params.filter(
    (p) =>
      p.description ||
      p.enumValues ||
      p.pyName !== p.name ||
      (p.defaultLiteral !== undefined && signatureDefault(p) !== p.defaultLiteral),
  );
  if (described.length) {
    lines.push('', 'Args:');
    for (const p of described) {
      const original = p.pyName !== p.name ? ` (${JSON.stringify(p.name)})` : '';
      const parts = [p.description.replace(/([^.!?:])$/, '$1.')];
      if (p.enumValues) parts.push(`One of: ${p.enumValues.map(pythonLiteral).join(', ')}.`);
      if (p.defaultLiteral !== undefined && signatureDefault(p) !== p.defaultLiteral) {
        const shown =
          p.defaultLiteral.length > 200 ? `${p.defaultLiteral.slice(0, 200)}…` : p.defaultLiteral;
        parts.push(`Default: ${shown}.`);
      }
      lines.push(`    ${p.pyName}${original}: ${parts.filter(Boolean).join(' ')}`.trimEnd());
    }
  }
  if (info.response) {
    const shape = shapeOf(info.response);
    lines.push(
      '',
      'Returns:',
      `    ${shape.length > MAX_SHAPE_CHARS ? `${shape.slice(0, MAX_SHAPE_CHARS)}…` : shape}`,
    );
    const description = oneLine(info.response.description);
    if (description) lines.push(`    ${description}`);
    const properties = isSchema(info.response.properties) ? info.response.properties : {};
    for (const [key, value] of Object.entries(properties)) {
      const text = isSchema(value) ? oneLine(value.description) : '';
      if (text) lines.push(`    ${key}: ${text}`);
    }
  }
  return lines.join('\n');
}

/**
 * Turns ADK tools into Python: the stub functions defined in the kernel (they forward each call
 * to the host through `__adk_call_tool__`, under the tool's own name) and the compact signatures
 * shown to the model. Tool and parameter names that are not Python identifiers, or that Python
 * or the kernel already use, get Python names (see `python_names.ts`); the docstring names the
 * original.
 *
 * @throws Error when two tools have the same name (calls could not tell them apart).
 */
export class ToolCodeGenerator {
  /** Python source defining one function per tool. Has no imports (the import policy applies). */
  readonly stubSource: string;
  /** Signatures and docstrings without bodies, for the system prompt. */
  readonly promptText: string;
  /** Each tool's Python name, by the tool's name. */
  readonly pythonNames: ReadonlyMap<string, string>;

  constructor(tools: readonly BaseTool[]) {
    const names = tools.map((tool) => tool.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) {
      throw new Error(`tool ${JSON.stringify(duplicate)}: two tools have this name`);
    }
    const pyNames = assignPythonNames(names, pythonToolName);
    const infos = tools.map((tool, i) => describeTool(tool, pyNames[i]));
    this.pythonNames = new Map(infos.map((info) => [info.name, info.pyName]));
    this.stubSource = infos.map(stub).join('\n\n');
    this.promptText = infos
      .map((info) => `${signature(info)}\n${docstring(docText(info), '    ')}`)
      .join('\n\n');
  }
}

function stub(info: ToolInfo): string {
  const args = STUB_ARGS_VARIABLE;
  const lines = [signature(info), docstring(docText(info), '    '), `    ${args} = {}`];
  for (const p of info.params) {
    const assign = `${args}[${pyString(p.name)}] = ${p.pyName}`;
    lines.push(p.required ? `    ${assign}` : `    if ${p.pyName} is not None: ${assign}`);
  }
  lines.push(`    return __adk_call_tool__(${pyString(info.name)}, ${args})`);
  return lines.join('\n');
}
