import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const P = '/work/main/bench/.data/flights-3m.parquet';
const D = '/work/main/test/fixtures/flights/data';
const run = async (q) => { const r = await c.runAndReadAll(q); return r.getRowObjectsJson(); };
// The slice: every flight of 30 and 31 January 2001, in the file's order.
await run(`CREATE TABLE slice AS SELECT date, delay, distance, origin, destination FROM read_parquet('${P}') WHERE date >= TIMESTAMP '2001-01-30' AND date < TIMESTAMP '2001-02-01' ORDER BY date, origin, destination, delay, distance`);
await run(`CREATE TABLE live AS SELECT date, delay, distance, origin, destination FROM read_parquet('${P}') WHERE date >= TIMESTAMP '2001-02-01' AND date < TIMESTAMP '2001-02-01 08:00' ORDER BY date, origin, destination, delay, distance`);
await run(`COPY slice TO '${D}/flights.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)`);
await run(`COPY slice TO '${D}/flights.csv' (FORMAT CSV, HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')`);
await run(`COPY (SELECT strftime(date, '%Y-%m-%d %H:%M:%S') AS date, delay, distance, origin, destination FROM live) TO '${D}/live-departures.jsonl' (FORMAT JSON)`);
await run(`CREATE TABLE ap AS SELECT * FROM read_csv('/tmp/rd/package/data/airports.csv', all_varchar=true)`);
await run(`COPY (SELECT * FROM ap WHERE iata IN (SELECT origin FROM slice UNION SELECT destination FROM slice UNION SELECT origin FROM live UNION SELECT destination FROM live) ORDER BY iata) TO '${D}/airports.csv' (FORMAT CSV, HEADER)`);
console.log(await run(`SELECT (SELECT count(*) FROM slice) s, (SELECT count(*) FROM live) l, (SELECT count(*) FROM read_csv('${D}/airports.csv')) a`));
console.log(await run(`SELECT * FROM read_csv('${D}/airports.csv') WHERE state IS NULL OR name LIKE '%"%' OR name LIKE '%,%' LIMIT 5`));
console.log(await run(`SELECT count(*) FROM (SELECT DISTINCT origin FROM slice) o WHERE origin NOT IN (SELECT iata FROM ap)`));
