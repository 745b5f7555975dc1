import { DuckDBInstance } from '@duckdb/node-api';
const i = await DuckDBInstance.create(':memory:'); const c = await i.connect();
const p = 'bench/.data/flights-3m.parquet';
for (const sql of [
  `SELECT epoch_us(date)::DOUBLE, delay::DOUBLE, distance::DOUBLE, origin, destination FROM read_parquet('${p}')`,
  `SELECT epoch_us(date)::DOUBLE, delay::DOUBLE, distance::DOUBLE FROM read_parquet('${p}')`,
]) {
  const t = performance.now();
  const res = await c.stream(sql);
  let n = 0;
  for (;;) { const ch = await res.fetchChunk(); if (!ch || ch.rowCount === 0) break; for (let j = 0; j < ch.columnCount; j++) ch.getColumnValues(j); n += ch.rowCount; }
  console.log(n, (performance.now() - t).toFixed(0), 'ms', sql.slice(0, 60));
}
