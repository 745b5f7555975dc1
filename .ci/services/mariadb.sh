#!/usr/bin/env bash
# MariaDB from Debian's packages on 127.0.0.1:${FSQL_MYSQL_PORT:-53306}: a
# throwaway data directory (not the system service), its own socket and PID
# file, local_infile on, user `fsql` (no password, loopback only, may create
# databases) and database `fsql`. Usage: mariadb.sh start | stop. Tests read
#   FSQL_TEST_MYSQL_URL=mysql://fsql@127.0.0.1:53306/fsql
set -euo pipefail
. "$(dirname "$0")/lib.sh"
port="${FSQL_MYSQL_PORT:-53306}"
dir="$FSQL_SERVICES_DIR/mariadb"
stop_ours() {
  if [ -f "$dir/pid" ]; then
    # An earlier server of this script: stop it and wait until it is gone (and its port free).
    local old
    old="$(cat "$dir/pid")"
    kill "$old" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$old" 2>/dev/null || true
  fi
}
case "${1:-start}" in
start)
  apt_install mariadb-server mariadb-client
  stop_ours
  rm -rf "$dir"; mkdir -p "$dir/data"
  user="$(id -un)"
  if [ "$(id -u)" -eq 0 ]; then user=mysql; chown -R mysql "$dir"; fi
  mariadb-install-db --no-defaults --user="$user" --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1
  # --no-defaults: none of the system's my.cnf (its port, socket, bind address) applies to this server.
  nohup /usr/sbin/mariadbd --no-defaults --user="$user" --datadir="$dir/data" --bind-address=127.0.0.1 --port="$port" \
    --socket="$dir/mariadb.sock" --pid-file="$dir/mariadbd.pid" --log-error="$dir/server.log" \
    --local-infile=1 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin --default-time-zone=+00:00 \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 --skip-log-bin \
    --max-connections=300 --max-allowed-packet=256M >/dev/null 2>&1 &
  echo $! >"$dir/pid"
  pid="$(cat "$dir/pid")"
  # Ready when our own socket answers (a server of someone else on the port cannot fool it), and ours is alive.
  if ! wait_for 60 "$pid" mariadb-admin --no-defaults --socket="$dir/mariadb.sock" -uroot ping; then
    echo "mariadb did not start (is port $port taken?):" >&2; tail -n 5 "$dir/server.log" >&2; exit 1
  fi
  mariadb --no-defaults --socket="$dir/mariadb.sock" -uroot -e "
    CREATE USER 'fsql'@'127.0.0.1'; CREATE USER 'fsql'@'localhost';
    GRANT ALL PRIVILEGES ON *.* TO 'fsql'@'127.0.0.1'; GRANT ALL PRIVILEGES ON *.* TO 'fsql'@'localhost';
    CREATE DATABASE fsql CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
  wait_for 30 "$pid" mariadb-admin --no-defaults -h127.0.0.1 -P"$port" -ufsql ping
  sleep 0.3
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "mariadb exited after starting:" >&2; tail -n 5 "$dir/server.log" >&2; exit 1
  fi
  echo "mariadb ready: mysql://fsql@127.0.0.1:$port/fsql"
  ;;
stop)
  stop_ours
  ;;
esac
