#!/usr/bin/env bash
# Makes the Docker sandbox usable on Debian 12 (run as root): installs docker.io and mmdebstrap,
# starts dockerd when no daemon answers, and builds the default image offline from Debian's
# packages (skipped when the image exists). Needs the npm build (scripts/install.sh runs this
# after it). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/debian_packages.sh
ensure_debian_packages docker_setup.sh docker.io mmdebstrap

# The daemon: systemd where there is one, else dockerd in the background (containers, CI).
if ! docker info >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    echo "Starting dockerd (log: /var/log/dockerd.log)"
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    echo "docker_setup.sh: dockerd did not start; last lines of /var/log/dockerd.log:" >&2
    tail -n 20 /var/log/dockerd.log >&2 || true
    exit 1
  fi
fi

node dist/cli/main.js image build
