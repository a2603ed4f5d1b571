#!/usr/bin/env bash
# Starts a second Docker daemon that stands for a remote Docker host, for the tests of
# ContainerCodeExecutor against a daemon that shares no folder with this process: TLS on a TCP
# port on loopback (client certificates required), its own data root, exec root, pidfile and
# containerd, no bridge and no iptables rules. Certificates (a CA, the server's, a client's) are
# generated here with openssl. The default image is copied into it from the main daemon through
# the API (docker save | docker load over TLS), again whenever the main daemon's image changes.
#
#   bash scripts/remote_docker_setup.sh         start (or reuse) it, load the image
#   bash scripts/remote_docker_setup.sh stop    stop the daemon this script started
#
# Writes $CODING_AGENT_REMOTE_DOCKER_DIR/connection.json ({host, port, ca, cert, key}), which
# test/code_executors/remote_docker_test.ts reads. Run as root (dockerd). Safe to run again.
# scripts/install.sh runs it after docker_setup.sh; CODING_AGENT_SKIP_REMOTE_DOCKER=1 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."

state=${CODING_AGENT_REMOTE_DOCKER_DIR:-/var/lib/adk-coding-agent/remote-docker}
port=${CODING_AGENT_REMOTE_DOCKER_PORT:-23760}
image=${CODING_AGENT_IMAGE:-adk-coding-agent/python:3.11}
certs="$state/certs"
pidfile="$state/dockerd.pid"
log="$state/dockerd.log"

remote() {
  docker --host "tcp://127.0.0.1:$port" --tlsverify --tlscacert "$certs/ca.pem" \
    --tlscert "$certs/client-cert.pem" --tlskey "$certs/client-key.pem" "$@"
}

if [ "${1:-}" = stop ]; then
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    echo "remote_docker_setup.sh: stopped dockerd $pid"
  fi
  exit 0
fi

mkdir -p "$certs" "$state/data" "$state/exec"
chmod 700 "$state" "$certs"

# Certificates: a CA, the server's (for 127.0.0.1 and localhost), the client's. Kept between runs.
if [ ! -f "$certs/client-cert.pem" ]; then
  (
    cd "$certs"
    subject() { printf '/CN=%s' "$1"; }
    openssl genrsa -out ca-key.pem 2048 2>/dev/null
    openssl req -x509 -new -key ca-key.pem -sha256 -days 3650 -subj "$(subject adk-coding-agent-test-ca)" -out ca.pem
    openssl genrsa -out server-key.pem 2048 2>/dev/null
    openssl req -new -key server-key.pem -subj "$(subject localhost)" -out server.csr
    printf 'subjectAltName = IP:127.0.0.1,DNS:localhost\nextendedKeyUsage = serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 \
      -days 3650 -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl genrsa -out client-key.pem 2048 2>/dev/null
    openssl req -new -key client-key.pem -subj "$(subject adk-coding-agent-test-client)" -out client.csr
    printf 'extendedKeyUsage = clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 \
      -days 3650 -extfile client.ext -out client-cert.pem 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
    chmod 600 ./*-key.pem
  )
fi

if ! remote version >/dev/null 2>&1; then
  echo "Starting the remote-standing dockerd on tcp://127.0.0.1:$port (log: $log)"
  nohup dockerd \
    --host "tcp://127.0.0.1:$port" \
    --tlsverify --tlscacert "$certs/ca.pem" \
    --tlscert "$certs/server-cert.pem" --tlskey "$certs/server-key.pem" \
    --data-root "$state/data" --exec-root "$state/exec" --pidfile "$pidfile" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --cgroup-parent=adk-coding-agent-remote-docker \
    >"$log" 2>&1 &
  for _ in $(seq 1 60); do
    remote version >/dev/null 2>&1 && break
    sleep 1
  done
  if ! remote version >/dev/null 2>&1; then
    echo "remote_docker_setup.sh: dockerd did not start; last lines of $log:" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
fi

# The image, copied from the main daemon when missing there or different.
wanted=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [ -z "$wanted" ]; then
  echo "remote_docker_setup.sh: $image is missing on the main daemon (run scripts/docker_setup.sh)" >&2
  exit 1
fi
have=$(remote image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [ "$have" != "$wanted" ]; then
  echo "Copying $image into the remote-standing daemon"
  docker save "$image" | remote load >/dev/null
  remote image prune --force >/dev/null
fi

cat >"$state/connection.json.tmp" <<EOF
{"host": "127.0.0.1", "port": $port, "ca": "$certs/ca.pem", "cert": "$certs/client-cert.pem", "key": "$certs/client-key.pem"}
EOF
mv "$state/connection.json.tmp" "$state/connection.json"
echo "remote-standing dockerd ready: tcp://127.0.0.1:$port ($state/connection.json)"
