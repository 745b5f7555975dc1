import { readSourceFileBatches } from '../src/store/files/read.js';
import { openSqlite } from '../src/engine/sqlite.js';
import { rmSync } from 'node:fs';
const cols = [{ name: 'date', type: 'TIMESTAMP', nullable: false }, { name: 'delay', type: 'INTEGER', nullable: true }, { name: 'distance', type: 'INTEGER', nullable: true }, { name: 'origin', type: 'TEXT', nullable: false }, { name: 'destination', type: 'TEXT', nullable: true }] as const;
const path = 'bench/.data/flights-3m.parquet';
let t = performance.now();
let r = await readSourceFileBatches(path, 'PARQUET', cols as any, 10_000, () => undefined);
console.log('read only', r, (performance.now() - t).toFixed(0), 'ms');
rmSync('/tmp/fsql-h14/x.db', { force: true });
const e = await openSqlite('/tmp/fsql-h14/x.db', {} as any);
await e.createTable('flights', cols as any);
t = performance.now();
let ins = 0;
await e.transaction(async () => {
  r = await readSourceFileBatches(path, 'PARQUET', cols as any, 10_000, async (rows) => { const t0 = performance.now(); await e.insertRows('flights', cols as any, rows); ins += performance.now() - t0; });
});
console.log('read+insert', r, (performance.now() - t).toFixed(0), 'ms; insert', ins.toFixed(0));
await e.close();
