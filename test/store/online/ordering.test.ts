/**
 * Tickets on SQLite: a store made before tickets existed opens and gains
 * them. (What tickets guarantee — the latest ticket's vector wins, whatever
 * order the writes land in — is in the conformance suite, conformance.ts,
 * run on every backend.)
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import type { EntitySnapshot, Vector } from '../../../src/store/online/store.js';
import { tempDir } from './support.js';

const features = [{ name: 'f', version: 1, columns: ['f'], kind: 'aggregate' as const }];
const snapshot = (asOf: number, keys: readonly string[], value: number, seq?: number): EntitySnapshot => ({
  asOf,
  keyColumns: ['id'],
  features,
  ...(seq !== undefined ? { seq } : {}),
  rows: keys.map((k) => ({ key: [k], features: [{ values: [value], status: 'present' as const, eventTime: asOf }] })),
});
const vector = (key: string, value: number): Vector => ({ key: [key], features: [{ name: 'f', version: 1, values: [value], status: 'present', eventTime: 1 }] });
const valueOf = async (store: SqliteOnlineStore, key: string) => (await store.get('e', [[key]]))[0]!.features[0]!.values['f'];

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
function fresh(): { path: string; open: () => SqliteOnlineStore } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const path = join(t.dir, 'online.db');
  return { path, open: () => new SqliteOnlineStore(path) };
}

describe('tickets on SQLite', () => {
  it('a store written before tickets existed opens, reads, and gains them', async () => {
    const { path, open } = fresh();
    let store = open();
    await store.writeSnapshot('e', snapshot(100, ['a'], 3));
    await store.close();
    const db = new Database(path);
    const table = db.prepare('SELECT vectors FROM fsql_online_entities').pluck().get() as string;
    db.exec(`ALTER TABLE fsql_online_entities DROP COLUMN seq; ALTER TABLE fsql_online_entities DROP COLUMN high_as_of; ALTER TABLE "${table}" DROP COLUMN s`);
    db.close();
    store = open();
    try {
      expect(await valueOf(store, 'a')).toBe(3);
      const t = (await store.ticket('e', 150))!;
      expect(t).toEqual({ seq: 1, asOf: 150 });
      expect(await store.upsert('e', [vector('a', 4)], t.seq)).toBe(1);
      expect(await valueOf(store, 'a')).toBe(4);
    } finally {
      await store.close();
    }
  });
});
