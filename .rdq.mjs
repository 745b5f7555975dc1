import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const P = '/work/main/bench/.data/flights-3m.parquet';
for (const q of process.argv.slice(2)) {
  const r = await c.runAndReadAll(q.replaceAll('$P', `'${P}'`));
  console.log(JSON.stringify(r.getRowObjectsJson()).slice(0, 3000));
}
