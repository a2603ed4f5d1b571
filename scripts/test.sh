#!/usr/bin/env bash
# Runs the whole test suite: lint, type check, then vitest (real kernels, real bubblewrap).
# With CODING_AGENT_REQUIRE_SANDBOXES=1 (as in CI) a missing sandbox backend fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
npm run --silent lint
npm run --silent typecheck
report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" || true
rm -f "$report"
# Every test disposes what it started: no container of the project's label may be left.
if docker info >/dev/null 2>&1; then
  left=$(docker ps -aq --filter label=dev.adk-coding-agent.managed=true | wc -l)
  volumes=$(docker volume ls -q --filter label=dev.adk-coding-agent.managed=true | wc -l)
  echo "containers left with label dev.adk-coding-agent.managed: $left, volumes: $volumes"
  if [ "$left" != 0 ] || [ "$volumes" != 0 ]; then
    docker ps -a --filter label=dev.adk-coding-agent.managed=true >&2
    docker volume ls --filter label=dev.adk-coding-agent.managed=true >&2
    status=1
  fi
fi
exit "$status"
