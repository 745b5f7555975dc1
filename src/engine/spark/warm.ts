/**
 * Warms a Spark Connect server (JIT, the first job) with one query through
 * fsql's client: `tsx src/engine/spark/warm.ts sc://127.0.0.1:55002`. Used by
 * .ci/services/spark.sh after the server's port opens.
 */
import { SparkConnectClient } from './client.js';

const url = process.argv[2] ?? process.env['FSQL_TEST_SPARK_URL'] ?? 'sc://127.0.0.1:55002';
const client = new SparkConnectClient(url, { connectTimeoutMs: 60_000 });
const started = Date.now();
try {
  await client.connect();
  let rows = 0;
  await client.query('SELECT id % 7 AS k, COUNT(*) AS n, SUM(id) AS s FROM range(100000) GROUP BY id % 7 ORDER BY k', (b) => {
    rows += b.numRows;
  });
  if (rows !== 7) throw new Error(`the warm-up query gave ${rows} rows, expected 7`);
  console.error(`spark connect warmed in ${Date.now() - started} ms`);
} finally {
  await client.close();
}
