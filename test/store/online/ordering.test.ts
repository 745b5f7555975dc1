/**
 * Tickets: the ordering guard on recomputed vectors (issue 10, finding 2).
 * Whatever order the writes of several recomputations land in, a key ends up
 * holding the vector of the latest ticket that wrote it; a snapshot keeps
 * keys upserted under later tickets while it was computed; the time to
 * compute as of never goes back between snapshots. A store made before
 * tickets existed opens and gains them.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
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

describe('tickets', () => {
  it('increase, and carry the newest event time since the snapshot; a snapshot starts the time again', async () => {
    const { open } = fresh();
    const store = open();
    try {
      expect(await store.ticket('e', 5)).toBeNull();
      await store.writeSnapshot('e', snapshot(100, ['a'], 1));
      expect(await store.ticket('e', null)).toEqual({ seq: 1, asOf: 100 });
      expect(await store.ticket('e', 300)).toEqual({ seq: 2, asOf: 300 });
      // An older event does not take the time back: a recomputation that wins holds the newer event too.
      expect(await store.ticket('e', 200)).toEqual({ seq: 3, asOf: 300 });
      await store.writeSnapshot('e', snapshot(150, ['a'], 1, 4));
      expect(await store.ticket('e', 120)).toEqual({ seq: 5, asOf: 150 });
      // A snapshot under an older ticket does not take the tickets back.
      await store.writeSnapshot('E', snapshot(150, ['a'], 1, 2));
      expect((await store.ticket('e', null))!.seq).toBe(6);
    } finally {
      await store.close();
    }
  });

  it('property: whatever order the writes land in, from two stores, a key holds the latest ticket’s vector', async () => {
    const { open } = fresh();
    const one = open();
    const two = open();
    try {
      await one.writeSnapshot('e', snapshot(1, ['a', 'b'], 0));
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n }))),
          fc.constantFrom('a', 'b', 'c'),
          async ([n, order, through], key) => {
            // n recomputations take their tickets in turn (value i under the i-th ticket), then write in any order.
            const tickets: number[] = [];
            for (let i = 0; i < n; i++) tickets.push((await (through[i] ? one : two).ticket('e', null))!.seq);
            for (const i of order) await (through[i] ? two : one).upsert('e', [vector(key, 1000 + i)], tickets[i]);
            expect(await valueOf(one, key)).toBe(1000 + n - 1);
            expect(await valueOf(two, key)).toBe(1000 + n - 1);
          },
        ),
        { seed: 10_2, numRuns: 60 },
      );
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('an upsert under an older ticket writes nothing for that key and says so; one without a ticket always writes', async () => {
    const { open } = fresh();
    const store = open();
    try {
      await store.writeSnapshot('e', snapshot(1, ['a'], 0));
      const older = (await store.ticket('e', null))!.seq;
      const newer = (await store.ticket('e', null))!.seq;
      expect(await store.upsert('e', [vector('a', 2), vector('n', 2)], newer)).toBe(2);
      expect(await store.upsert('e', [vector('a', 1), vector('n', 1), vector('m', 1)], older)).toBe(1);
      expect(await valueOf(store, 'a')).toBe(2);
      expect(await valueOf(store, 'n')).toBe(2);
      expect(await valueOf(store, 'm')).toBe(1);
      expect((await store.describe('e'))!.keys).toBe(3);
      expect(await store.upsert('e', [vector('a', 9)])).toBe(1);
      expect(await valueOf(store, 'a')).toBe(9);
      // The key keeps its later ticket: an older one still cannot overwrite it.
      expect(await store.upsert('e', [vector('a', 1)], older)).toBe(0);
      expect(await valueOf(store, 'a')).toBe(9);
    } finally {
      await store.close();
    }
  });

  it('a snapshot keeps the keys upserted under a later ticket while it was computed (same features)', async () => {
    const { open } = fresh();
    const store = open();
    try {
      await store.writeSnapshot('e', snapshot(1, ['a', 'b'], 0));
      const snap = (await store.ticket('e', null))!.seq;
      const later = (await store.ticket('e', null))!.seq;
      await store.upsert('e', [vector('a', 7), vector('z', 7)], later);
      await store.writeSnapshot('e', snapshot(2, ['a', 'b', 'c'], 5, snap));
      expect(await valueOf(store, 'a')).toBe(7);
      expect(await valueOf(store, 'z')).toBe(7);
      expect(await valueOf(store, 'b')).toBe(5);
      expect(await valueOf(store, 'c')).toBe(5);
      expect((await store.describe('e'))!.keys).toBe(4);
      // An upsert under a ticket older than the snapshot's is older than the snapshot.
      expect(await store.upsert('e', [vector('b', 1)], snap - 1)).toBe(0);
      expect(await valueOf(store, 'b')).toBe(5);
    } finally {
      await store.close();
    }
  });

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
