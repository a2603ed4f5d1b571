/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

import {spawnSync} from 'node:child_process';

/**
 * smolagents' CodeAgent code parsing, re-implemented to measure it on our corpus of real replies.
 *
 * Behaviour reproduced from huggingface/smolagents at commit e3a5b899 (version 1.27.0.dev0):
 * - `CodeAgent.__init__` (src/smolagents/agents.py): `code_block_tags` defaults to
 *   `("<code>", "</code>")`;
 * - `CodeAgent._step_stream`: when the model output does not end with the closing tag (its stop
 *   sequence removed it), the closing tag is appended before parsing;
 * - `parse_code_blobs` (src/smolagents/utils.py): `extract_code_from_text` with the tags, then
 *   with the markdown pattern `("```(?:python|py)", "\n```")`; failing both, the whole text if
 *   `ast.parse` accepts it; otherwise a parsing error (no code runs);
 * - `extract_code_from_text`: `re.findall(rf"{open}(.*?){close}", text, re.DOTALL)`, each match
 *   stripped, joined with a blank line;
 * - `fix_final_answer_code` (src/smolagents/local_python_executor.py): renames assignments to
 *   `final_answer` when the code also calls it.
 *
 * `ast.parse` is the real one: all candidates go to one `python3` process.
 */
export function smolagentsCodeActions(outputs: readonly string[]): Array<string | undefined> {
  const tags: [string, string] = ['<code>', '</code>'];
  const texts = outputs.map((o) => (o && !o.trim().endsWith(tags[1]) ? o + tags[1] : o));
  const fromTags = texts.map(
    (t) => extractCodeFromText(t, tags) ?? extractCodeFromText(t, ['```(?:python|py)', '\n```']),
  );
  const parses = pythonAstParses(texts);
  return texts.map((t, i) => {
    const code = fromTags[i] ?? (parses[i] ? t : undefined);
    return code === undefined ? undefined : fixFinalAnswerCode(code);
  });
}

function extractCodeFromText(text: string, [open, close]: [string, string]): string | undefined {
  const matches = [...text.matchAll(new RegExp(`${open}([\\s\\S]*?)${close}`, 'g'))];
  return matches.length ? matches.map((m) => pyStrip(m[1])).join('\n\n') : undefined;
}

/** Python's `str.strip()`: whitespace at both ends. */
function pyStrip(s: string): string {
  return s.replace(/^\s+|\s+$/g, '');
}

function fixFinalAnswerCode(code: string): string {
  const assignment = /(?<!\.)(?<!\w)\bfinal_answer\s*=/;
  if (!code.includes('final_answer(') || !assignment.test(code)) return code;
  return code
    .replace(/(?<!\.)(?<!\w)(\bfinal_answer)(\s*=)/g, 'final_answer_variable$2')
    .replace(/(?<!\.)(?<!\w)(\bfinal_answer\b)(?!\s*\()/g, 'final_answer_variable');
}

/** CPython's `ast.parse` verdict on each text, from one `python3` process. */
function pythonAstParses(texts: readonly string[]): boolean[] {
  const program =
    'import ast, json, sys\n' +
    'out = []\n' +
    'for t in json.load(sys.stdin):\n' +
    '    try:\n' +
    '        ast.parse(t); out.append(True)\n' +
    '    except Exception:\n' +
    '        out.append(False)\n' +
    'json.dump(out, sys.stdout)\n';
  const run = spawnSync('python3', ['-c', program], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout) as boolean[];
}
