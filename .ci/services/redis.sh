#!/usr/bin/env bash
# Redis from Debian's packages on 127.0.0.1:${FSQL_REDIS_PORT:-56379}, no
# persistence. Usage: redis.sh start | stop. Tests read
#   FSQL_TEST_REDIS_URL=redis://127.0.0.1:56379
set -euo pipefail
. "$(dirname "$0")/lib.sh"
port="${FSQL_REDIS_PORT:-56379}"
dir="$FSQL_SERVICES_DIR/redis"
case "${1:-start}" in
start)
  apt_install redis-server
  if [ -f "$dir/pid" ]; then kill "$(cat "$dir/pid")" 2>/dev/null || true; fi
  rm -rf "$dir"; mkdir -p "$dir"
  nohup /usr/bin/redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  wait_for 30 "$(cat "$dir/pid")" /usr/bin/redis-cli -p "$port" ping
  echo "redis ready: redis://127.0.0.1:$port"
  ;;
stop)
  [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
  ;;
esac
