/**
 * What an acknowledged ingest survives (issue 10, finding 12; docs/runtime.md
 * "Durability"). A power loss cannot be simulated here; what decides it can
 * be checked: the synchronous level SQLite commits with. FULL syncs the WAL
 * at every commit (survives a power loss); NORMAL only at checkpoints
 * (survives a crash of the process, may lose the last commits on a power
 * loss). The offline database — an ingest's events, an apply — commits with
 * FULL; the online store with NORMAL, except the record of an owed update,
 * which an ingest commits before its events and must outlive them.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteEngine } from '../../../src/engine/sqlite.js';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import { tempDir } from './support.js';

const FULL = 2;
const NORMAL = 1;

let cleanup: (() => void) | undefined;
afterEach(() => {
  vi.restoreAllMocks();
  cleanup?.();
  cleanup = undefined;
});

/** The synchronous level of the connection at each COMMIT, with the statement before it. */
function commits(): { level: number; after: string }[] {
  const seen: { level: number; after: string }[] = [];
  let last = '';
  const exec = Database.prototype.exec;
  const prepare = Database.prototype.prepare;
  vi.spyOn(Database.prototype, 'prepare').mockImplementation(function (this: Database.Database, sql: string) {
    last = sql;
    return prepare.call(this, sql);
  } as typeof prepare);
  vi.spyOn(Database.prototype, 'exec').mockImplementation(function (this: Database.Database, sql: string) {
    if (sql === 'COMMIT') seen.push({ level: this.pragma('synchronous', { simple: true }) as number, after: last });
    else last = sql;
    return exec.call(this, sql);
  } as typeof exec);
  return seen;
}

describe('durability of commits', () => {
  it('the offline database commits with synchronous FULL: an ingest transaction survives a power loss', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const engine = new SqliteEngine(join(t.dir, 'offline.db'));
    try {
      expect(engine.handle.pragma('journal_mode', { simple: true })).toBe('wal');
      const seen = commits();
      await engine.execute('CREATE TABLE events (k TEXT)');
      await engine.transaction(async (e) => e.insertRows('events', [{ name: 'k', type: 'TEXT', nullable: true }], [{ k: 'a' }]));
      expect(seen.length).toBe(1);
      expect(seen[0]!.level).toBe(FULL);
    } finally {
      await engine.close();
    }
  });

  it('the online store syncs the record of an owed update (FULL), and its other writes only at checkpoints (NORMAL)', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const store = new SqliteOnlineStore(join(t.dir, 'online.db'));
    try {
      await store.writeSnapshot('e', { asOf: 1, keyColumns: ['id'], features: [{ name: 'f', version: 1, columns: ['f'], kind: 'aggregate' }], rows: [] });
      const seen = commits();
      const [id] = await store.recordPending([{ entity: 'e', keys: [['a']], newest: 5, reason: 'test' }]);
      await store.upsert('e', [{ key: ['a'], features: [{ name: 'f', version: 1, values: [1], status: 'present', eventTime: 5 }] }]);
      await store.settlePending([id!]);
      expect(seen.map((c) => [c.level, /fsql_online_pending \(entity/.test(c.after) ? 'record' : 'other'])).toEqual([
        [FULL, 'record'],
        [NORMAL, 'other'],
        [NORMAL, 'other'],
      ]);
    } finally {
      await store.close();
    }
  });
});
