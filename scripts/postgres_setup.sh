#!/usr/bin/env bash
# Starts the PostgreSQL server the tests use (run as root on Debian 12): installs Debian's
# `postgresql`, creates a cluster of its own (`coding_agent_test`, listening on 127.0.0.1 only,
# port 55432, apart from any cluster of the machine's), starts it when it is not running (with
# pg_ctlcluster: no systemd needed), and creates the test role (allowed to create databases:
# each test file makes its own) and database. Safe to run again.
#
# Tests find the server through CODING_AGENT_TEST_POSTGRES_URL, by default the URL printed at
# the end (test/helpers/postgres.ts holds the same default).
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER=coding_agent_test
PORT=55432
ROLE=coding_agent_test
PASSWORD=coding_agent_test
DATABASE=coding_agent_test

source scripts/debian_packages.sh
ensure_debian_packages postgres_setup.sh postgresql

# The newest server version installed (Debian 12: 15).
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if [ -z "$version" ]; then
  echo "postgres_setup.sh: no PostgreSQL server under /usr/lib/postgresql" >&2
  exit 1
fi

if [ ! -d "/etc/postgresql/$version/$CLUSTER" ]; then
  echo "Creating PostgreSQL $version cluster $CLUSTER on 127.0.0.1:$PORT"
  pg_createcluster "$version" "$CLUSTER" --port "$PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  # Loopback only; fsync off: a test cluster trades durability across a machine crash for speed.
  cat >"/etc/postgresql/$version/$CLUSTER/conf.d/coding_agent_test.conf" <<'CONF'
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
CONF
fi

status=$(pg_lsclusters --no-header | awk -v v="$version" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}')
if [ "$status" != online ]; then
  echo "Starting PostgreSQL cluster $version/$CLUSTER"
  if ! pg_ctlcluster "$version" "$CLUSTER" start; then
    echo "postgres_setup.sh: the cluster did not start; last lines of its log:" >&2
    tail -n 20 "/var/log/postgresql/postgresql-$version-$CLUSTER.log" >&2 || true
    exit 1
  fi
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 1
done
if ! pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  echo "postgres_setup.sh: PostgreSQL does not answer on 127.0.0.1:$PORT" >&2
  exit 1
fi

# Role and database, through the local socket as the cluster's superuser.
psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }
psql_admin -v role="$ROLE" -v password="$PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN CREATEDB PASSWORD :'password';
SQL
psql_admin -v role="$ROLE" -v database="$DATABASE" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SQL

echo "PostgreSQL for tests: postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
