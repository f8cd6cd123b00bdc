#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 (the test suite talks
# to real servers). Starts them if installed, installs them from Debian's
# packages if not. Leaves servers that already answer alone.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do answers "$port" && return 0; sleep 0.5; done
  echo "error: $name does not answer on 127.0.0.1:$port" >&2
  exit 1
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ -n "${DATABASE_URL:-}" ] && [[ "$DATABASE_URL" != *127.0.0.1* && "$DATABASE_URL" != *localhost* ]]; then
  echo "using PostgreSQL at DATABASE_URL"
elif ! answers 5432; then
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "installing PostgreSQL…"
    apt_install postgresql
    fresh_pg=1
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  if [ -n "${fresh_pg:-}" ]; then
    # Tests connect over TCP as `postgres` without a password, as on CI machines.
    hba=/etc/postgresql/$version/main/pg_hba.conf
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for 5432 PostgreSQL
fi

if [ -n "${REDIS_URL:-}" ] && [[ "$REDIS_URL" != *127.0.0.1* && "$REDIS_URL" != *localhost* ]]; then
  echo "using Redis at REDIS_URL"
elif ! answers 6379; then
  command -v redis-server >/dev/null || { echo "installing Redis…"; apt_install redis-server; }
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  wait_for 6379 Redis
fi

# The WebRTC tests start their own TURN server (relay-only, loopback); they
# need Debian's coturn installed, not running.
command -v turnserver >/dev/null || { echo "installing coturn…"; apt_install coturn; }
