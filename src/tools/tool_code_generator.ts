/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import type {BaseTool} from '@google/adk';
import type {FunctionDeclaration, Schema} from '@google/genai';

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

/** Names a tool may not take: the kernel's own functions. */
export const RESERVED_NAMES: readonly string[] = ['final_answer', '__adk_call_tool__', 'ToolError'];

const PYTHON_KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield match case'
  ).split(' '),
);

/** Builtins a tool must not shadow: models call these constantly. */
const PYTHON_BUILTINS = new Set(
  (
    'abs all any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex ' +
    'delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals ' +
    'hasattr hash help hex id input int isinstance issubclass iter len list locals map max memoryview ' +
    'min next object oct open ord pow print property quit range repr reversed round set setattr slice ' +
    'sorted staticmethod str sum super tuple type vars zip __import__'
  ).split(' '),
);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

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

/** Python name of a parameter: keywords get a trailing underscore (`from` → `from_`). */
export function pythonParamName(name: string): string {
  return PYTHON_KEYWORDS.has(name) ? `${name}_` : name;
}

function pythonType(schema: JsonSchema | undefined): string | undefined {
  const types = schema?.type === undefined ? [] : [schema.type].flat();
  const type = types.find((t) => t !== 'null');
  switch (type) {
    case 'string':
      return 'str';
    case 'integer':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'array': {
      const item = pythonType(schema?.items);
      return item ? `list[${item}]` : 'list';
    }
    case 'object':
      return 'dict';
    default:
      return undefined;
  }
}

function pyString(text: string): string {
  return JSON.stringify(text);
}

function docstring(text: string, indent: string): string {
  const body = text.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').trim();
  return `${indent}"""${body.split('\n').join(`\n${indent}`)}\n${indent}"""`;
}

interface ParamInfo {
  name: string;
  pyName: string;
  type?: string;
  required: boolean;
  description?: string;
  enumValues?: unknown[];
}

interface ToolInfo {
  name: string;
  description: string;
  params: ParamInfo[];
}

function describeTool(tool: BaseTool): ToolInfo {
  const schema = toolParametersSchema(tool._getDeclaration());
  const required = new Set(schema.required ?? []);
  const params: ParamInfo[] = Object.entries(schema.properties ?? {}).map(([name, prop]) => {
    if (!IDENTIFIER.test(name)) {
      throw new Error(
        `tool ${tool.name}: parameter ${JSON.stringify(name)} is not a Python identifier`,
      );
    }
    return {
      name,
      pyName: pythonParamName(name),
      type: pythonType(prop),
      required: required.has(name),
      description: prop.description,
      enumValues: prop.enum,
    };
  });
  // Required parameters first, as Python needs.
  params.sort((a, b) => Number(b.required) - Number(a.required));
  return {name: tool.name, description: tool.description ?? '', params};
}

function signature(info: ToolInfo): string {
  const params = info.params.map((p) => {
    const annotation = p.type ? `: ${p.type}` : '';
    return p.required ? `${p.pyName}${annotation}` : `${p.pyName}${annotation} = None`;
  });
  return `def ${info.name}(${params.join(', ')}):`;
}

function docText(info: ToolInfo): string {
  const lines = [info.description.trim() || info.name];
  const described = info.params.filter((p) => p.description || p.enumValues);
  if (described.length) {
    lines.push('', 'Args:');
    for (const p of described) {
      const choices = p.enumValues
        ? ` One of: ${p.enumValues.map((v) => JSON.stringify(v)).join(', ')}.`
        : '';
      lines.push(`    ${p.pyName}: ${(p.description ?? '').trim()}${choices}`.trimEnd());
    }
  }
  return lines.join('\n');
}

/**
 * Turns ADK tools into Python: the stub functions defined in the kernel (they forward each call
 * to the host through `__adk_call_tool__`) and the compact signatures shown to the model.
 *
 * @throws Error when a tool's name cannot be a Python function the model calls safely.
 */
export class ToolCodeGenerator {
  /** Python source defining one function per tool. Has no imports (the import policy applies). */
  readonly stubSource: string;
  /** Signatures and docstrings without bodies, for the system prompt. */
  readonly promptText: string;

  constructor(tools: readonly BaseTool[]) {
    const seen = new Set<string>();
    const infos = tools.map((tool) => {
      const name = tool.name;
      if (!IDENTIFIER.test(name))
        throw new Error(`tool ${JSON.stringify(name)}: not a valid Python identifier`);
      if (PYTHON_KEYWORDS.has(name)) throw new Error(`tool ${name}: is a Python keyword`);
      if (PYTHON_BUILTINS.has(name))
        throw new Error(`tool ${name}: would shadow the Python builtin ${name}()`);
      if (RESERVED_NAMES.includes(name))
        throw new Error(`tool ${name}: the name is reserved by the kernel`);
      if (seen.has(name)) throw new Error(`tool ${name}: two tools have this name`);
      seen.add(name);
      return describeTool(tool);
    });
    this.stubSource = infos.map(stub).join('\n\n');
    this.promptText = infos
      .map((info) => `${signature(info)}\n${docstring(docText(info), '    ')}`)
      .join('\n\n');
  }
}

function stub(info: ToolInfo): string {
  const lines = [signature(info), docstring(docText(info), '    '), '    __args = {}'];
  for (const p of info.params) {
    const assign = `__args[${pyString(p.name)}] = ${p.pyName}`;
    lines.push(p.required ? `    ${assign}` : `    if ${p.pyName} is not None: ${assign}`);
  }
  lines.push(`    return __adk_call_tool__(${pyString(info.name)}, __args)`);
  return lines.join('\n');
}
