#!/usr/bin/env bash
# Apache Kafka (KRaft, one node that is both broker and controller) from Maven
# Central on 127.0.0.1:${FSQL_KAFKA_PORT:-59092}, controller on
# ${FSQL_KAFKA_CONTROLLER_PORT:-59093}. Usage: kafka.sh start | stop. Tests read
#   FSQL_TEST_KAFKA_BROKERS=127.0.0.1:59092
# The broker's jars come from a throwaway pom (`mvn dependency:copy-dependencies`)
# and are cached in $FSQL_SERVICES_DIR/kafka-lib-$version (outside the work tree).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
port="${FSQL_KAFKA_PORT:-59092}"
cport="${FSQL_KAFKA_CONTROLLER_PORT:-59093}"
version="${FSQL_KAFKA_VERSION:-4.1.1}"
log4j_version="2.24.3"
lib="$FSQL_SERVICES_DIR/kafka-lib-$version"
dir="$FSQL_SERVICES_DIR/kafka"

fetch_jars() {
  [ -f "$lib/.complete" ] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  local pom="$FSQL_SERVICES_DIR/kafka-pom-$version"
  rm -rf "$pom" "$lib"; mkdir -p "$pom"
  cat >"$pom/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>fsql.ci</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$log4j_version</version></dependency>
  </dependencies>
</project>
EOF
  echo "kafka: fetching the broker's jars ($version) from Maven Central" >&2
  (cd "$pom" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$lib" -DincludeScope=runtime) >&2
  touch "$lib/.complete"
}

stop_ours() {
  [ -f "$dir/pid" ] || return 0
  local old
  old="$(cat "$dir/pid")"
  kill "$old" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$old" 2>/dev/null || true
  rm -f "$dir/pid"
}

case "${1:-start}" in
start)
  fetch_jars
  stop_ours
  rm -rf "$dir"; mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  cat >"$dir/log4j2.properties" <<EOF
status=warn
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=INFO
rootLogger.appenderRef.out.ref=out
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.apache.name=org.apache.kafka
logger.apache.level=WARN
EOF
  cp="$lib/*"
  jopts=(-Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true "-Dlog4j2.configurationFile=$dir/log4j2.properties")
  java "${jopts[@]}" -cp "$cp" kafka.tools.StorageTool format -t "fsql-ci-kafka-cluster1" -c "$dir/server.properties" --standalone >"$dir/format.log" 2>&1 ||
    java "${jopts[@]}" -cp "$cp" kafka.tools.StorageTool format -t "fsql-ci-kafka-cluster1" -c "$dir/server.properties" >"$dir/format.log" 2>&1 ||
    { echo "kafka: storage format failed:" >&2; tail -n 20 "$dir/format.log" >&2; exit 1; }
  nohup java "${jopts[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties" >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  if ! wait_for 180 "$(cat "$dir/pid")" grep -q "Kafka Server started" "$dir/server.log"; then
    echo "kafka did not start (is port $port taken?):" >&2; tail -n 20 "$dir/server.log" >&2; exit 1
  fi
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "kafka exited after starting:" >&2; tail -n 20 "$dir/server.log" >&2; exit 1
  fi
  echo "kafka ready: 127.0.0.1:$port"
  ;;
stop)
  stop_ours
  ;;
esac
