import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
rmSync('/tmp/fsql-h14/y.db', { force: true });
const db = new Database('/tmp/fsql-h14/y.db');
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE t (date INTEGER NOT NULL, delay INTEGER, distance INTEGER, origin TEXT NOT NULL, destination TEXT)');
const N = 3_000_000, B = Number(process.argv[2] ?? 200);
const origins = Array.from({ length: 300 }, (_, i) => `A${i}`);
const stmt = db.prepare(`INSERT INTO t VALUES ${Array(B).fill('(?,?,?,?,?)').join(',')}`);
const args = new Array(B * 5);
const t = performance.now();
db.transaction(() => {
  for (let r = 0; r < N; r += B) {
    for (let k = 0; k < B; k++) { const i = r + k; args[k*5] = 978307260000000 + i * 60000000; args[k*5+1] = i % 100; args[k*5+2] = i % 2000; args[k*5+3] = origins[i % 300]; args[k*5+4] = origins[(i * 7) % 300]; }
    stmt.run(args);
  }
})();
console.log(B, (performance.now() - t).toFixed(0), 'ms', (N / (performance.now() - t) * 1000).toFixed(0), 'rows/s');
