/**
 * The SQLite online store: the conformance suite (conformance.ts), each test
 * on a file of its own; then what only SQLite has — its vector tables, the
 * write lock shared with other processes, in-memory stores.
 */
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import { rawStatus } from '../../../src/store/online/store.js';
import { describeOnlineStore, HOUR, rejects, ROWS, snapshot, T } from './conformance.js';
import { tempDir } from './support.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());
let n = 0;
let path = '';

function vectorTables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'fsql_vectors_%' ORDER BY name`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('the online store conformance suite on SQLite', () => {
  describeOnlineStore({
    fresh: () => {
      path = `${dirs.dir}/store-${++n}.db`;
    },
    open: (options) => new SqliteOnlineStore(path, options?.yieldMs !== undefined ? { yieldMs: options.yieldMs } : {}),
    // A generation is a table fsql_vectors_<g>.
    generations: async () => vectorTables(path).map((t) => Number(t.slice('fsql_vectors_'.length))).sort((a, b) => a - b),
    cleanup: () => undefined,
  });
});

describe('SQLite', () => {
  let store: SqliteOnlineStore;
  beforeEach(() => {
    path = `${dirs.dir}/store-${++n}.db`;
    store = new SqliteOnlineStore(path);
  });
  afterEach(async () => {
    await store.close();
  });

  it('holds a generation in a table of its own: a second snapshot drops the first one’s', async () => {
    await store.writeSnapshot('user', snapshot(ROWS));
    const g1 = (await store.describe('user'))!.generation;
    expect(vectorTables(path)).toEqual([`fsql_vectors_${g1}`]);
    await store.writeSnapshot('user', snapshot([ROWS[1]!], T + HOUR));
    const g2 = (await store.describe('user'))!.generation;
    expect(vectorTables(path)).toEqual([`fsql_vectors_${g2}`]);
  });

  it('waits for another writer without blocking the event loop, up to the write timeout', async () => {
    await store.writeSnapshot('user', snapshot(ROWS));
    const patient = new SqliteOnlineStore(path, { writeTimeoutMs: 5_000 });
    const impatient = new SqliteOnlineStore(path, { writeTimeoutMs: 50 });
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const vector = { key: ['alice'], features: [{ name: 'spend_7d', version: 1, values: [42], status: 'present' as const, eventTime: T }] };
      await rejects(impatient.upsert('user', [vector]), 'busy', /write lock/);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const waiting = patient.upsert('user', [vector]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Reads go on meanwhile (WAL).
      expect((await patient.get('user', [['alice']], [{ name: 'spend_7d' }]))[0]!.features[0]!.values).toEqual({ spend_7d: 120.5 });
      other.exec('COMMIT');
      await waiting;
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(5);
      expect((await store.get('user', [['alice']], [{ name: 'spend_7d' }]))[0]!.features[0]!.values).toEqual({ spend_7d: 42 });
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await patient.close();
      await impatient.close();
    }
  });

  it('works in memory', async () => {
    const mem = new SqliteOnlineStore(':memory:');
    await mem.writeSnapshot('user', snapshot(ROWS));
    expect((await mem.get('user', [['alice']]))[0]!.features[0]!.values).toEqual({ spend_7d: 120.5 });
    await mem.close();
  });
});

describe('rawStatus', () => {
  it('follows docs/semantics.md §3: a row exactly TTL old still counts', () => {
    expect(rawStatus(null, T, 60)).toBe('missing');
    expect(rawStatus(T - 60_000_000, T, 60)).toBe('present');
    expect(rawStatus(T - 60_000_001, T, 60)).toBe('outside_ttl');
    expect(rawStatus(T - 10 ** 12, T)).toBe('present');
  });
});
