import { DuckDBInstance } from '@duckdb/node-api';
const i = await DuckDBInstance.create(':memory:'); const c = await i.connect();
const p = 'bench/.data/flights-3m.parquet';
let r = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${p}')`); console.log(r.getRows());
let t = performance.now(); r = await c.runAndReadAll(`SELECT count(*), count(delay), min(date), max(date), count(origin) FROM read_parquet('${p}')`); console.log(r.getRows(), performance.now()-t);
t = performance.now(); r = await c.runAndReadAll(`SELECT file_row_number FROM read_parquet('${p}', file_row_number=true) WHERE date IS NULL OR origin IS NULL OR abs(CAST(delay AS HUGEINT)) > 9007199254740991 ORDER BY file_row_number LIMIT 20`); console.log(r.getRows(), performance.now()-t);
