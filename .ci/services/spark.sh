#!/usr/bin/env bash
# Apache Spark 4 (local mode) as a Spark Connect server on
# 127.0.0.1:${FSQL_SPARK_PORT:-55002}, from PyPI's `pyspark` (its sdist bundles
# Spark's jars and bin/ scripts; Java 17 must be on the machine).
# Usage: spark.sh start | stop | install. Tests read
#   FSQL_TEST_SPARK_URL=sc://127.0.0.1:55002
# The venv lives in ${FSQL_SPARK_VENV:-$FSQL_SERVICES_DIR/spark-venv} and is
# reused when it already holds the pinned version (the first install builds a
# ~460 MB sdist: ~4 minutes).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"
version="${FSQL_PYSPARK_VERSION:-4.0.1}"
port="${FSQL_SPARK_PORT:-55002}"
venv="${FSQL_SPARK_VENV:-$FSQL_SERVICES_DIR/spark-venv}"
dir="$FSQL_SERVICES_DIR/spark"

real_python() {
  # The python3 on PATH may be a pyenv shim that forks: ask it for the real interpreter.
  local p
  for p in python3 python; do
    if command -v "$p" >/dev/null 2>&1; then
      "$p" -c 'import sys; print(sys.executable)' && return 0
    fi
  done
  return 1
}

install() {
  if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null)" = "$version" ]; then
    return 0
  fi
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  local py
  py="$(real_python)" || { apt_install python3 python3-venv; py=/usr/bin/python3; }
  "$py" -m venv --help >/dev/null 2>&1 || apt_install python3-venv
  rm -rf "$venv"
  "$py" -m venv "$venv"
  echo "installing pyspark==$version into $venv (the first time builds a ~460 MB sdist: ~4 minutes)" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pyspark==$version"
}

spark_home() {
  "$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

case "${1:-start}" in
install)
  install
  ;;
start)
  install
  home="$(spark_home)"
  if [ -f "$dir/pid" ]; then
    # An earlier server of this script: stop it and wait until it is gone (and its port free).
    old="$(cat "$dir/pid")"
    kill "$old" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -rf "$dir"; mkdir -p "$dir/warehouse" "$dir/tmp" "$dir/conf"
  # Warnings and errors only: at INFO the server logs every request (hundreds of MB over a test run).
  cat >"$dir/conf/log4j2.properties" <<'LOG'
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.connect.name = org.apache.spark.sql.connect.service.SparkConnectServer
logger.connect.level = info
LOG
  # spark-submit execs spark-class, which execs java: $! is the JVM itself.
  export SPARK_HOME="$home" PYSPARK_PYTHON="$venv/bin/python" SPARK_LOCAL_IP=127.0.0.1
  export SPARK_LOG_DIR="$dir" SPARK_PID_DIR="$dir" SPARK_CONF_DIR="$dir/conf"
  nohup "$home/bin/spark-submit" \
    --class org.apache.spark.sql.connect.service.SparkConnectServer \
    --name fsql-spark-connect \
    --master 'local[2]' \
    --driver-memory "${FSQL_SPARK_MEMORY:-1g}" \
    --conf spark.connect.grpc.binding.address=127.0.0.1 \
    --conf "spark.connect.grpc.binding.port=$port" \
    --conf spark.ui.enabled=false \
    --conf spark.sql.shuffle.partitions=4 \
    --conf spark.default.parallelism=2 \
    --conf "spark.sql.warehouse.dir=$dir/warehouse" \
    --conf "spark.local.dir=$dir/tmp" \
    --conf "spark.driver.extraJavaOptions=-Djava.io.tmpdir=$dir/tmp -Dderby.system.home=$dir" \
    spark-internal >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  if ! wait_for 240 "$(cat "$dir/pid")" port_open; then
    echo "spark connect did not start (is port $port taken?):" >&2; tail -n 20 "$dir/server.log" >&2; exit 1
  fi
  # A port answered by another server does not count: ours must still be alive.
  sleep 0.5
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "spark connect did not start (is port $port taken?):" >&2; tail -n 20 "$dir/server.log" >&2; exit 1
  fi
  # Warm it (JIT, first job) with one query through fsql's own client. A failure is reported, not fatal: the
  # Spark tests then fail with the server's own error, and the other servers' tests still run.
  if [ -x "$here/../../node_modules/.bin/tsx" ]; then
    (cd "$here/../.." && node_modules/.bin/tsx src/engine/spark/warm.ts "sc://127.0.0.1:$port") || {
      echo "spark connect is up but the warm-up query failed:" >&2; tail -n 20 "$dir/server.log" >&2
    }
  fi
  echo "spark connect ready: sc://127.0.0.1:$port"
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid="$(cat "$dir/pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
  fi
  ;;
esac
