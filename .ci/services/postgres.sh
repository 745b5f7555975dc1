#!/usr/bin/env bash
# PostgreSQL 15 from Debian's packages on 127.0.0.1:${FSQL_PG_PORT:-55432}, a
# throwaway cluster (trust auth on loopback) with database `fsql` and user
# `fsql`. Usage: postgres.sh start | stop. Tests read
#   FSQL_TEST_POSTGRES_URL=postgres://fsql@127.0.0.1:55432/fsql
set -euo pipefail
. "$(dirname "$0")/lib.sh"
port="${FSQL_PG_PORT:-55432}"
dir="$FSQL_SERVICES_DIR/postgres"
case "${1:-start}" in
start)
  apt_install postgresql
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  run_as=()
  if [ "$(id -u)" -eq 0 ]; then run_as=(runuser -u postgres --); fi
  if [ -f "$dir/data/postmaster.pid" ]; then "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  "${run_as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null
  wait_for 30 "" "$bin/pg_isready" -h 127.0.0.1 -p "$port"
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE USER fsql SUPERUSER" -c "CREATE DATABASE fsql OWNER fsql" >/dev/null
  echo "postgres ready: postgres://fsql@127.0.0.1:$port/fsql"
  ;;
stop)
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  run_as=()
  if [ "$(id -u)" -eq 0 ]; then run_as=(runuser -u postgres --); fi
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  ;;
esac
