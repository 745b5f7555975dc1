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
  if [ -f "$dir/pid" ]; then
    # An earlier server of this script: stop it and wait until it is gone (and its port free).
    old="$(cat "$dir/pid")"
    kill "$old" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  nohup /usr/bin/redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  wait_for 30 "$(cat "$dir/pid")" /usr/bin/redis-cli -p "$port" ping
  # A ping answered by another server on the port does not count: ours must still be alive.
  sleep 0.3
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "redis did not start (is port $port taken?):" >&2; tail -n 3 "$dir/server.log" >&2; exit 1
  fi
  echo "redis ready: redis://127.0.0.1:$port"
  ;;
stop)
  [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
  ;;
esac
