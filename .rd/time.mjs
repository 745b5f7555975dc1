import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
const lines = readFileSync('/tmp/rd/delays.duckdb.sql', 'utf8').split('\n');
const range = (a, b) => lines.slice(a - 1, b).join('\n');
const db = await DuckDBInstance.create('/tmp/rd/big/.fsql/offline.duckdb', { access_mode: 'READ_ONLY' });
const c = await db.connect();
const spine = range(2, 18) + ')';
for (const [name, a, b] of [['spine', 0, 0], ['g7 max/min frames', 135, 161], ['g8 count distinct frames', 163, 182], ['g2 run', 29, 41]]) {
  const cte = a === 0 ? '' : ',\n' + range(a, b) + ')';
  const target = a === 0 ? '"__spine"' : lines[a - 1].split(' ')[0];
  const t = performance.now();
  const r = await c.runAndReadAll(`${spine}${cte}\nSELECT count(*) AS n FROM ${target}`);
  console.log(name, JSON.stringify(r.getRowObjectsJson()), ((performance.now() - t) / 1000).toFixed(1), 's');
}
