/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A scripted stand-in for the model, so the sample runs without an API key (and the browser
 * check is exact): whatever the question, it reviews the mounted repository in two steps. The
 * sandbox, the checks and the tests are real; only the model's replies are written in advance.
 */

import type {LlmRequest} from '@google/adk';

import {ScriptedLlm} from '../../src/index.js';

const REVIEW = `I'll look at the repository, compile every module, check names and imports, and run the tests.
\`\`\`python
import ast, os, re, subprocess, sys

os.chdir("/work/workspace")
sources = sorted(
    os.path.join(folder, name)[2:]
    for folder, _, names in os.walk(".")
    if ".git" not in folder
    for name in names
    if name.endswith(".py")
)
print(len(sources), "Python files:", ", ".join(sources))

findings = []
for path in sources:
    source = open(path).read()
    try:
        tree = ast.parse(source, path)
    except SyntaxError as error:
        findings.append(f"{path}:{error.lineno}: syntax error: {error.msg}")
        continue
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                imported[(alias.asname or alias.name).split(".")[0]] = node.lineno
    bound = set(imported) | set(dir(__builtins__))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        if isinstance(node, ast.arg):
            bound.add(node.arg)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    for name, line in imported.items():
        if name not in used and not path.endswith("__init__.py"):
            findings.append(f"{path}:{line}: '{name}' is imported but never used")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            findings.append(f"{path}:{node.lineno}: undefined name '{node.id}'")

# The tests, without writing bytecode into the read-only folder.
tests = subprocess.run(
    [sys.executable, "-B", "-m", "unittest", "discover", "-s", "tests", "-t", "."],
    capture_output=True, text=True, timeout=60,
)
print(tests.stderr.strip().splitlines()[-1])
for block in tests.stderr.split("=" * 70)[1:]:
    head, trace = block.split("-" * 70)[:2]
    places = re.findall(r'File "/work/workspace/([^"]+)", line (\\d+)', trace)
    path, line = places[-1] if places else ("?", "?")
    findings.append(f"{path}:{line}: {head.strip().split(' (')[0]} -> {trace.strip().splitlines()[-1]}")

try:
    open("inventory/stock.py", "a").write("# reviewed\\n")
except OSError as error:
    print("The workspace is read-only, as expected:", type(error).__name__)

print("\\n".join(sorted(set(findings))))
\`\`\``;

const ANSWER = `The findings, with file and line.
\`\`\`python
final_answer(
    "(scripted model) Review of the repository: " + str(len(set(findings))) + " findings.\\n\\n"
    + "\\n".join(f"- {finding}" for finding in sorted(set(findings)))
)
\`\`\``;

/** True when the request's last message carries an observation (the review ran). */
function reviewed(request: LlmRequest): boolean {
  const last = request.contents[request.contents.length - 1];
  return (last?.parts ?? []).some((p) => p.text?.startsWith('Observation:'));
}

/** The sample's scripted model: the review, then the answer. */
export function createScriptedModel(): ScriptedLlm {
  return new ScriptedLlm({
    model: 'scripted-code-reviewer',
    responses: (request) => (reviewed(request) ? ANSWER : REVIEW),
  });
}
