/**
 * Where the integration tier's real servers are (started by .ci/run through
 * .ci/services/*.sh; locally: `bash .ci/services/postgres.sh start` etc.).
 * Each getter throws with the command to run when its variable is unset, so a
 * missing server fails the test instead of skipping it.
 */
function required(variable: string, start: string): string {
  const value = process.env[variable];
  if (value === undefined || value === '') {
    throw new Error(`${variable} is not set: start the server with \`${start}\` and export ${variable} (see .ci/run)`);
  }
  return value;
}

/** A PostgreSQL superuser URL, e.g. postgres://fsql@127.0.0.1:55432/fsql. */
export function postgresUrl(): string {
  return required('FSQL_TEST_POSTGRES_URL', 'bash .ci/services/postgres.sh start');
}

/** A Redis URL, e.g. redis://127.0.0.1:56379. */
export function redisUrl(): string {
  return required('FSQL_TEST_REDIS_URL', 'bash .ci/services/redis.sh start');
}

/** The Chromium binary playwright-core drives (Debian's /usr/bin/chromium). */
export function chromiumPath(): string {
  return required('FSQL_TEST_CHROMIUM', 'bash .ci/services/chromium.sh');
}

/** A MariaDB (MySQL protocol) URL of a user that may create databases, e.g. mysql://fsql@127.0.0.1:53306/fsql. */
export function mysqlUrl(): string {
  return required('FSQL_TEST_MYSQL_URL', 'bash .ci/services/mariadb.sh start');
}

/** Kafka bootstrap brokers, comma-separated, e.g. 127.0.0.1:59092. */
export function kafkaBrokers(): string {
  return required('FSQL_TEST_KAFKA_BROKERS', 'bash .ci/services/kafka.sh start');
}

/** A Spark Connect URL, e.g. sc://127.0.0.1:55002. */
export function sparkUrl(): string {
  return required('FSQL_TEST_SPARK_URL', 'bash .ci/services/spark.sh start');
}
