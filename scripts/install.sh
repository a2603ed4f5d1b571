#!/usr/bin/env bash
# Installs what adk-coding-agent needs on Debian 12 (run as root): the system packages the
# sandboxes use, the npm dependencies, the build, and the Docker sandbox (docker.io, dockerd,
# the default image built offline). Safe to run again: it skips what is there.
# Set CODING_AGENT_SKIP_DOCKER=1 to leave Docker out (the Docker sandbox is then unavailable),
# CODING_AGENT_SKIP_POSTGRES=1 to leave out the PostgreSQL the tests use (those tests then skip),
# CODING_AGENT_SKIP_REMOTE_DOCKER=1 to leave out the second, TLS-only Docker daemon that stands for
# a remote Docker host in the tests (scripts/remote_docker_setup.sh; those tests then skip).
set -euo pipefail
cd "$(dirname "$0")/.."

# The sandbox's packages (docker/packages.txt, the list the Docker image has too): bubblewrap
# runs the host's Python. chromium: the browser check (test/samples/adk_web_test.ts) drives
# adk web in headless Chromium.
source scripts/debian_packages.sh
mapfile -t sandbox_packages < <(awk '!/^#/ && NF {print $1}' docker/packages.txt)
ensure_debian_packages install.sh bubblewrap chromium "${sandbox_packages[@]}"

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.install-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
npm run --silent build

if [ "${CODING_AGENT_SKIP_DOCKER:-0}" != 1 ]; then
  bash scripts/docker_setup.sh
  if [ "${CODING_AGENT_SKIP_REMOTE_DOCKER:-0}" != 1 ]; then
    bash scripts/remote_docker_setup.sh
  fi
fi

if [ "${CODING_AGENT_SKIP_POSTGRES:-0}" != 1 ]; then
  bash scripts/postgres_setup.sh
fi
