// The registry's tests (registry-suite.ts) on SQLite, the default storage: each
// test on a registry file of its own; the database beneath it through
// better-sqlite3 for what fsql itself never writes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openRegistry } from '../../../src/store/registry/registry.js';
import { registryTests } from './registry-suite.js';

let dirs: string[] = [];
let last = '';

function fresh(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-registry-'));
  dirs.push(dir);
  return join(dir, 'registry.db');
}

function withDb<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(last);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

registryTests({
  async open() {
    last = fresh();
    return openRegistry(last);
  },
  reopen: async () => openRegistry(last),
  another: async () => openRegistry(fresh()),
  exec: async (sqlText) => withDb((db) => void db.exec(sqlText)),
  count: async (table) => withDb((db) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n),
  refuseStatistics: async (feature, message) =>
    withDb((db) =>
      void db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON statistics
        WHEN (SELECT name FROM objects WHERE id = NEW.object_id) = '${feature}'
        BEGIN SELECT RAISE(ABORT, '${message}'); END`),
    ),
  allowStatistics: async () => withDb((db) => void db.exec('DROP TRIGGER refuse')),
  async cleanup() {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs = [];
  },
});
