/**
 * The online store conformance suite: every behaviour of the OnlineStore
 * contract (src/store/online/store.ts), written once and run against each
 * backend — SQLite in sqlite-store.test.ts, Redis in
 * redis-store.integration.ts (a real server, a key prefix of its own per
 * test). Expected values are worked out by hand from the snapshots written,
 * or come from another read of the same store (never from the code under
 * test's internals).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OnlineStoreError, type EntitySnapshot, type OnlineStore, type SnapshotFeature, type SnapshotRow, type Vector } from '../../../src/store/online/store.js';
import { marked } from './support.js';
import { encodeKey } from '../../../src/store/online/store.js';
import { cellsAt, encodeTiles, readTileBlob, readTiles, tileEntity, type TileSpec } from '../../../src/store/online/tiles.js';
import type { VectorStore } from '../../../src/store/online/vector-store.js';

/** How the suite reaches one backend. */
export interface StoreHarness {
  /** A fresh, empty place for the next test (a new file, a new key prefix). */
  fresh(): Promise<void> | void;
  /** A new instance (its own connections) on the current place. */
  open(options?: { readonly yieldMs?: number }): OnlineStore;
  /** The generations holding vectors in the current place, ascending (every entity's). */
  generations(): Promise<number[]>;
  /** Removes the current place. */
  cleanup(): Promise<void> | void;
}

export const T = Date.UTC(2024, 2, 1) * 1000;
export const HOUR = 3_600_000_000;

export const FEATURES: SnapshotFeature[] = [
  { name: 'spend_7d', version: 1, columns: ['spend_7d'], types: ['DOUBLE'], kind: 'aggregate' },
  { name: 'last_amount', version: 1, columns: ['last_amount'], types: ['DOUBLE'], ttlSeconds: 86_400, kind: 'latest' },
  { name: 'last_category', version: 1, columns: ['last_category__food', 'last_category__travel', 'last_category__other'], types: ['INTEGER', 'INTEGER', 'INTEGER'], kind: 'latest' },
];

export function snapshot(rows: SnapshotRow[], asOf = T, features = FEATURES): EntitySnapshot {
  return { asOf, keyColumns: ['user_id'], features, rows };
}

export const ROWS: SnapshotRow[] = [
  {
    key: ['alice'],
    features: [
      { values: [120.5], status: 'present', eventTime: T - HOUR },
      { values: [30], status: 'present', eventTime: T - 2 * HOUR },
      { values: [0, 1, 0], status: 'present', eventTime: T - 2 * HOUR },
    ],
  },
  {
    key: ['bob'],
    features: [
      // Empty window: FILL ZERO gave 0.
      { values: [0], status: 'missing', eventTime: null },
      // Last row 3 days old, TTL 1 day: NULL.
      { values: [null], status: 'outside_ttl', eventTime: T - 72 * HOUR },
      { values: [0, 0, 0], status: 'missing', eventTime: null },
    ],
  },
];

const F1 = [{ name: 'f', version: 1, columns: ['f'], kind: 'aggregate' as const }];
const ticketSnapshot = (asOf: number, keys: readonly string[], value: number, seq?: number): EntitySnapshot => ({
  asOf,
  keyColumns: ['id'],
  features: F1,
  ...(seq !== undefined ? { seq } : {}),
  rows: keys.map((k) => ({ key: [k], features: [{ values: [value], status: 'present' as const, eventTime: asOf }] })),
});
const vector = (key: string, value: number): Vector => ({ key: [key], features: [{ name: 'f', version: 1, values: [value], status: 'present', eventTime: 1 }] });
const valueOf = async (store: OnlineStore, key: string) => (await store.get('e', [[key]]))[0]!.features[0]!.values['f'];

export async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected an OnlineStoreError ${code}`).toBeInstanceOf(OnlineStoreError);
  expect((e as OnlineStoreError).code).toBe(code);
  if (message) expect((e as OnlineStoreError).message).toMatch(message);
}

export function describeOnlineStore(h: StoreHarness): void {
  let store: OnlineStore;
  beforeEach(async () => {
    await h.fresh();
    store = h.open();
  });
  afterEach(async () => {
    await store.close();
    await h.cleanup();
  });

  describe('snapshot write and get', () => {
    it('serves found and not-found keys, one-hot columns, statuses and event times', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      const got = await store.get('user', [['bob'], ['carol'], ['alice']]);
      expect(got).toEqual([
        {
          key: ['bob'],
          found: true,
          features: [
            { name: 'spend_7d', version: 1, values: { spend_7d: 0 }, status: 'missing', eventTime: null },
            { name: 'last_amount', version: 1, values: { last_amount: null }, status: 'outside_ttl', eventTime: T - 72 * HOUR },
            { name: 'last_category', version: 1, values: { last_category__food: 0, last_category__travel: 0, last_category__other: 0 }, status: 'missing', eventTime: null },
          ],
        },
        {
          key: ['carol'],
          found: false,
          features: [
            { name: 'spend_7d', version: 1, values: { spend_7d: null }, status: 'missing', eventTime: null },
            { name: 'last_amount', version: 1, values: { last_amount: null }, status: 'missing', eventTime: null },
            { name: 'last_category', version: 1, values: { last_category__food: null, last_category__travel: null, last_category__other: null }, status: 'missing', eventTime: null },
          ],
        },
        {
          key: ['alice'],
          found: true,
          features: [
            { name: 'spend_7d', version: 1, values: { spend_7d: 120.5 }, status: 'present', eventTime: T - HOUR },
            { name: 'last_amount', version: 1, values: { last_amount: 30 }, status: 'present', eventTime: T - 2 * HOUR },
            { name: 'last_category', version: 1, values: { last_category__food: 0, last_category__travel: 1, last_category__other: 0 }, status: 'present', eventTime: T - 2 * HOUR },
          ],
        },
      ]);
      expect(await store.get('user', [])).toEqual([]);
    });

    it('selects features, in the order asked; names are case-insensitive', async () => {
      await store.writeSnapshot('User', snapshot(ROWS));
      const [r] = await store.get('USER', [['alice']], [{ name: 'LAST_CATEGORY', version: 1 }, { name: 'spend_7d' }]);
      expect(r!.features.map((f) => [f.name, f.values])).toEqual([
        ['last_category', { last_category__food: 0, last_category__travel: 1, last_category__other: 0 }],
        ['spend_7d', { spend_7d: 120.5 }],
      ]);
      await rejects(store.get('user', [['alice']], [{ name: 'spend_7d', version: 2 }]), 'unknown_feature', /spend_7d VERSION 2 is not materialized for entity User/);
      await rejects(store.get('user', [['alice']], [{ name: 'nope' }]), 'unknown_feature');
    });

    it('describes the current generation', async () => {
      expect(await store.describe('user')).toBeNull();
      await store.writeSnapshot('user', snapshot(ROWS));
      const info = await store.describe('user');
      expect(info).toMatchObject({ entity: 'user', asOf: T, keyColumns: ['user_id'], features: FEATURES, keys: 2 });
      expect(info!.generation).toBeGreaterThan(0);
    });

    it('keeps every kind of value exactly', async () => {
      const values = [null, true, false, 0, -0, 1, -1, 127, 128, -129, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53), 0.1, -1e-300, 1.7976931348623157e308, '', 'é漢字🙂', 'x'.repeat(10_000), "quote ' \" \\"];
      const features: SnapshotFeature[] = values.map((_v, i) => ({ name: `v${i}`, version: 1, columns: [`v${i}`], kind: 'latest' }));
      const rows: SnapshotRow[] = [{ key: ['k'], features: values.map((v) => ({ values: [v], status: 'present', eventTime: T })) }];
      await store.writeSnapshot('e', { asOf: T, keyColumns: ['id'], features, rows });
      const [r] = await store.get('e', [['k']]);
      expect(r!.features.map((f) => Object.values(f.values)[0])).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
      expect(Object.is(r!.features[4]!.values['v4'], -0)).toBe(false);
    });

    it('composite keys of several types', async () => {
      const features: SnapshotFeature[] = [{ name: 'n', version: 1, columns: ['n'], kind: 'aggregate' }];
      const cell = (v: number) => [{ values: [v], status: 'present' as const, eventTime: T }];
      await store.writeSnapshot('pair', {
        asOf: T,
        keyColumns: ['a', 'b'],
        features,
        rows: [
          { key: ['x', 1], features: cell(1) },
          { key: ['x', 2], features: cell(2) },
          { key: ['1', 1], features: cell(3) },
          { key: [true, 1.5], features: cell(4) },
        ],
      });
      const got = await store.get('pair', [['x', 2], ['x', 1], [1, 1], ['1', 1], [true, 1.5], ['x', 3]]);
      expect(got.map((r) => (r.found ? r.features[0]!.values['n'] : null))).toEqual([2, 1, null, 3, 4, null]);
      await rejects(store.get('pair', [['x']]), 'bad_key', /1 value/);
      await rejects(store.get('pair', [['x', null]]), 'bad_key', /NULL/);
    });

    it('reads entity by entity; an entity never materialized is an error', async () => {
      await rejects(store.get('user', [['alice']]), 'not_materialized');
      await store.writeSnapshot('user', snapshot(ROWS));
      await store.writeSnapshot('merchant', { asOf: T, keyColumns: ['merchant_id'], features: [FEATURES[0]!], rows: [{ key: ['m1'], features: [ROWS[0]!.features[0]!] }] });
      expect((await store.get('merchant', [['m1'], ['alice']])).map((r) => r.found)).toEqual([true, false]);
      expect((await store.get('user', [['alice']]))[0]!.found).toBe(true);
      expect(await h.generations()).toHaveLength(2);
    });

    it('takes rows from an async iterable', async () => {
      async function* rows() {
        for (const r of ROWS) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          yield r;
        }
      }
      await store.writeSnapshot('user', { ...snapshot([]), rows: rows() });
      expect((await store.get('user', [['alice'], ['bob']])).map((r) => r.found)).toEqual([true, true]);
    });

    // ROWS as the table a materialize query returns: spend_7d, its time, the key, last_amount, its time, the three one-hot columns.
    const TABLE_ROWS = [
      [120.5, T - HOUR, 'alice', 30, T - 2 * HOUR, 0, 1, 0],
      [0, null, 'bob', null, T - 72 * HOUR, 0, 0, 0],
    ];
    const ttl = (t: unknown) => (t === null ? 'missing' : (t as number) < T - 24 * HOUR ? 'outside_ttl' : 'present');
    const tableOf = (rows: unknown[][]): EntitySnapshot => ({
      ...snapshot([]),
      table: {
        rows: rows as never,
        keys: [2],
        features: [
          { values: [0], time: 1, status: (r) => (r[1] === null ? 'missing' : 'present') },
          { values: [3], time: 4, status: (r) => ttl(r[4]) },
          // No time of its own: the one of last_amount's row.
          { values: [5, 6, 7], time: 4, status: (r) => (r[4] === null || r[6] === 0 ? 'missing' : 'present') },
        ],
      },
    });

    it('takes rows as a table: the same vectors as from the rows (which it then does not read)', async () => {
      await store.writeSnapshot('user', tableOf(TABLE_ROWS));
      expect(await store.get('user', [['alice'], ['bob'], ['carol']])).toEqual([
        {
          key: ['alice'],
          found: true,
          features: [
            { name: 'spend_7d', version: 1, values: { spend_7d: 120.5 }, status: 'present', eventTime: T - HOUR },
            { name: 'last_amount', version: 1, values: { last_amount: 30 }, status: 'present', eventTime: T - 2 * HOUR },
            { name: 'last_category', version: 1, values: { last_category__food: 0, last_category__travel: 1, last_category__other: 0 }, status: 'present', eventTime: T - 2 * HOUR },
          ],
        },
        {
          key: ['bob'],
          found: true,
          features: [
            { name: 'spend_7d', version: 1, values: { spend_7d: 0 }, status: 'missing', eventTime: null },
            { name: 'last_amount', version: 1, values: { last_amount: null }, status: 'outside_ttl', eventTime: T - 72 * HOUR },
            { name: 'last_category', version: 1, values: { last_category__food: 0, last_category__travel: 0, last_category__other: 0 }, status: 'missing', eventTime: T - 72 * HOUR },
          ],
        },
        {
          key: ['carol'],
          found: false,
          features: [
            { name: 'spend_7d', version: 1, values: { spend_7d: null }, status: 'missing', eventTime: null },
            { name: 'last_amount', version: 1, values: { last_amount: null }, status: 'missing', eventTime: null },
            { name: 'last_category', version: 1, values: { last_category__food: null, last_category__travel: null, last_category__other: null }, status: 'missing', eventTime: null },
          ],
        },
      ]);
      // Keys of other types: a number (0 and -0 are one key), a boolean; a key of two values.
      const one = (key: number[], keys: unknown[][]): EntitySnapshot => ({
        asOf: T,
        keyColumns: key.map((i) => `k${i}`),
        features: F1,
        rows: [],
        table: { rows: keys as never, keys: key, features: [{ values: [0], time: -1, status: () => 'present' }] },
      });
      await store.writeSnapshot('n', one([1], [[10, 7], [11, 0], [12, 2.5], [13, true]]));
      expect((await store.get('n', [[7], [-0], [2.5], [true], ['7']])).map((r) => (r.found ? r.features[0]!.values['f'] : 'not found'))).toEqual([10, 11, 12, 13, 'not found']);
      await rejects(store.writeSnapshot('n', one([1], [[1, 0], [2, -0]])), 'duplicate_key');
      await store.writeSnapshot('two', one([1, 2], [[1, 'a', 1], [2, 'a', 2], [3, 'b', 1]]));
      expect((await store.get('two', [['a', 2], ['b', 1], ['b', 2]])).map((r) => (r.found ? r.features[0]!.values['f'] : 'not found'))).toEqual([2, 3, 'not found']);
    });

    it('refuses a table row that holds no value, naming the row and the column; the previous snapshot stays', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      const withBad = (i: number, v: unknown) => tableOf([TABLE_ROWS[0]!, TABLE_ROWS[1]!.map((x, j) => (j === i ? v : x))]);
      await rejects(store.writeSnapshot('user', withBad(3, Number.NaN)), 'bad_input', /snapshot row 2, column last_amount: NaN is not a value/);
      await rejects(store.writeSnapshot('user', withBad(6, {})), 'bad_input', /snapshot row 2, column last_category__travel: an object is not a value/);
      await rejects(store.writeSnapshot('user', withBad(4, 1.5)), 'bad_input', /snapshot row 2: 1.5 is not an event time/);
      await rejects(store.writeSnapshot('user', withBad(2, null)), 'bad_key', /snapshot row 2: key \[null\] has a NULL/);
      await rejects(store.writeSnapshot('user', { ...tableOf(TABLE_ROWS), table: { ...tableOf(TABLE_ROWS).table!, keys: [2, 3] } }), 'bad_input', /snapshot table: keys must be 1 position/);
      await rejects(store.writeSnapshot('user', { ...tableOf(TABLE_ROWS), table: { ...tableOf(TABLE_ROWS).table!, features: [] } }), 'bad_input', /one entry per feature \(3\)/);
      expect((await store.get('user', [['bob']]))[0]!.features[0]!.status).toBe('missing');
      expect((await store.get('user', [['alice']]))[0]!.features[2]!.values).toEqual({ last_category__food: 0, last_category__travel: 1, last_category__other: 0 });
    });

    it('writes many keys and large vectors, as rows and as a table', async () => {
      // More keys than a write batch, not a multiple of it; one vector far larger than the others.
      const keys = 1_000 + 37;
      const big = 'x'.repeat(200_000);
      const text = (i: number) => (i === 500 ? big : `v${i}`);
      const features = [{ name: 'f', version: 1, columns: ['f', 'g'], kind: 'aggregate' as const }];
      const rows: SnapshotRow[] = Array.from({ length: keys }, (_v, i) => ({ key: [`k${i}`], features: [{ values: [i, text(i)], status: 'present', eventTime: i }] }));
      const table = Array.from({ length: keys }, (_v, i) => [`k${i}`, i, text(i)]);
      const check = async () => {
        const got = await store.get('e', Array.from({ length: keys }, (_v, i) => [`k${i}`]));
        expect(got.every((r, i) => r.found && r.features[0]!.values['f'] === i && r.features[0]!.values['g'] === text(i) && r.features[0]!.eventTime === i)).toBe(true);
        expect((await store.describe('e'))!.keys).toBe(keys);
      };
      await store.writeSnapshot('e', { asOf: T, keyColumns: ['id'], features, rows });
      await check();
      await store.writeSnapshot('e', { asOf: T, keyColumns: ['id'], features, rows: [], table: { rows: table, keys: [0], features: [{ values: [1, 2], time: 1, status: () => 'present' }] } });
      await check();
    });
  });

  describe('a feature awaiting its fit', () => {
    const AWAITING: SnapshotFeature[] = [
      FEATURES[0]!,
      { name: 'avg_click', version: 1, columns: ['avg_click'], types: ['DOUBLE'], kind: 'aggregate', awaitingFit: true },
      // A ONE_HOT TOP n awaiting its fit: no column until its vocabulary is fitted.
      { name: 'top_page', version: 1, columns: [], types: [], kind: 'latest', awaitingFit: true },
    ];

    it('is held with no value and status awaiting_fit, for stored and not stored keys; upserts keep it so', async () => {
      const rows: SnapshotRow[] = [
        {
          key: ['alice'],
          features: [
            { values: [120.5], status: 'present', eventTime: T - HOUR },
            { values: [null], status: 'awaiting_fit', eventTime: null },
            { values: [], status: 'awaiting_fit', eventTime: null },
          ],
        },
      ];
      await store.writeSnapshot('user', snapshot(rows, T, AWAITING));
      expect((await store.describe('user'))!.features.map((f) => [f.name, f.columns, f.awaitingFit])).toEqual([
        ['spend_7d', ['spend_7d'], undefined],
        ['avg_click', ['avg_click'], true],
        ['top_page', [], true],
      ]);
      const [alice, nobody] = await store.get('user', [['alice'], ['nobody']]);
      expect(alice!.features.map((f) => [f.name, f.values, f.status])).toEqual([
        ['spend_7d', { spend_7d: 120.5 }, 'present'],
        ['avg_click', { avg_click: null }, 'awaiting_fit'],
        ['top_page', {}, 'awaiting_fit'],
      ]);
      expect(nobody!.found).toBe(false);
      expect(nobody!.features.map((f) => [f.name, f.values, f.status])).toEqual([
        ['spend_7d', { spend_7d: null }, 'missing'],
        ['avg_click', { avg_click: null }, 'awaiting_fit'],
        ['top_page', {}, 'awaiting_fit'],
      ]);
      // A new key upserted with only its spend: the others are awaiting_fit, not missing.
      await store.upsert('user', [{ key: ['carol'], features: [{ name: 'spend_7d', version: 1, values: [3], status: 'present', eventTime: T }] }]);
      const [carol] = await store.get('user', [['carol']], [{ name: 'avg_click' }, { name: 'top_page' }]);
      expect(carol!.features.map((f) => f.status)).toEqual(['awaiting_fit', 'awaiting_fit']);
    });

    it('only an awaiting feature may have no column', async () => {
      const bad: SnapshotFeature[] = [{ name: 'top_page', version: 1, columns: [], kind: 'latest' }];
      await expect(store.writeSnapshot('user', snapshot([], T, bad))).rejects.toThrow(/columns must be a non-empty list of names/);
    });
  });

  describe('feature versions', () => {
    it('holds several versions of a feature side by side', async () => {
      const features: SnapshotFeature[] = [
        { name: 'avg_amount_7d', version: 1, columns: ['avg_amount_7d'], kind: 'aggregate' },
        { name: 'avg_amount_7d', version: 2, columns: ['avg_amount_7d'], kind: 'aggregate' },
        { name: 'avg_amount_7d', version: 3, columns: ['avg_amount_7d__low', 'avg_amount_7d__high'], kind: 'aggregate' },
      ];
      await store.writeSnapshot('user', {
        asOf: T,
        keyColumns: ['user_id'],
        features,
        rows: [
          {
            key: ['alice'],
            features: [
              { values: [10], status: 'present', eventTime: T },
              { values: [0.25], status: 'present', eventTime: T },
              { values: [1, 0], status: 'present', eventTime: T },
            ],
          },
        ],
      });
      const get = async (sel: { name: string; version?: number }[]) => (await store.get('user', [['alice']], sel))[0]!.features.map((f) => [f.version, f.values]);
      expect(await get([{ name: 'avg_amount_7d', version: 1 }])).toEqual([[1, { avg_amount_7d: 10 }]]);
      expect(await get([{ name: 'avg_amount_7d', version: 2 }, { name: 'avg_amount_7d', version: 1 }])).toEqual([
        [2, { avg_amount_7d: 0.25 }],
        [1, { avg_amount_7d: 10 }],
      ]);
      // Without a version: the highest one.
      expect(await get([{ name: 'avg_amount_7d' }])).toEqual([[3, { avg_amount_7d__low: 1, avg_amount_7d__high: 0 }]]);
      expect((await store.get('user', [['alice']]))[0]!.features.map((f) => f.version)).toEqual([1, 2, 3]);
    });

    it('refuses the same version twice', async () => {
      await rejects(store.writeSnapshot('user', snapshot([], T, [FEATURES[0]!, { ...FEATURES[0]!, name: 'SPEND_7D' }])), 'bad_input', /listed twice/);
    });
  });

  describe('a second snapshot', () => {
    it('replaces the first: keys, values, features, as-of time', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      const g1 = (await store.describe('user'))!.generation;
      const features: SnapshotFeature[] = [{ name: 'spend_7d', version: 2, columns: ['spend_7d'], kind: 'aggregate' }];
      await store.writeSnapshot('user', {
        asOf: T + HOUR,
        keyColumns: ['user_id'],
        features,
        rows: [
          { key: ['carol'], features: [{ values: [5], status: 'present', eventTime: T }] },
          { key: ['alice'], features: [{ values: [6], status: 'present', eventTime: T }] },
        ],
      });
      const info = (await store.describe('user'))!;
      expect(info.generation).toBeGreaterThan(g1);
      expect(info).toMatchObject({ asOf: T + HOUR, features, keys: 2 });
      const got = await store.get('user', [['alice'], ['bob'], ['carol']]);
      expect(got.map((r) => [r.found, r.features.map((f) => [f.name, f.version, f.values])])).toEqual([
        [true, [['spend_7d', 2, { spend_7d: 6 }]]],
        [false, [['spend_7d', 2, { spend_7d: null }]]],
        [true, [['spend_7d', 2, { spend_7d: 5 }]]],
      ]);
      await rejects(store.get('user', [['alice']], [{ name: 'spend_7d', version: 1 }]), 'unknown_feature');
      // The old generation is gone.
      expect(await h.generations()).toEqual([info.generation]);
    });

    it('that fails leaves the first one served, and nothing of it behind', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      const before = await store.get('user', [['alice'], ['bob']]);
      const generations = await h.generations();
      const bad: SnapshotRow[] = [ROWS[0]!, { key: ['zed'], features: [ROWS[0]!.features[0]!] }];
      await rejects(store.writeSnapshot('user', snapshot(bad)), 'bad_input', /snapshot row 2: 1 feature cell/);
      await rejects(store.writeSnapshot('user', snapshot([ROWS[0]!, ROWS[1]!, ROWS[0]!])), 'duplicate_key', /\["alice"\]/);
      await rejects(
        store.writeSnapshot('user', snapshot([{ key: ['x'], features: [{ values: [1], status: 'gone' as never, eventTime: null }, ROWS[0]!.features[1]!, ROWS[0]!.features[2]!] }])),
        'bad_input',
        /status/,
      );
      await rejects(store.writeSnapshot('user', snapshot([{ key: ['x'], features: [{ values: [NaN], status: 'present', eventTime: null }, ROWS[0]!.features[1]!, ROWS[0]!.features[2]!] }])), 'bad_input');
      await rejects(store.writeSnapshot('user', snapshot([{ key: [null], features: ROWS[0]!.features }])), 'bad_key');
      function* throwing(): Generator<SnapshotRow> {
        yield ROWS[0]!;
        throw new Error('the engine went away');
      }
      await expect(store.writeSnapshot('user', { ...snapshot([]), rows: { [Symbol.iterator]: throwing } })).rejects.toThrow('the engine went away');
      expect(await store.get('user', [['alice'], ['bob']])).toEqual(before);
      expect(await h.generations()).toEqual(generations);
      // And the store still writes.
      await store.writeSnapshot('user', snapshot([ROWS[1]!]));
      expect((await store.get('user', [['alice'], ['bob']])).map((r) => r.found)).toEqual([false, true]);
    });

    it('is invisible to readers, in this process and another instance, until it is switched to whole', async () => {
      const F = 20;
      await store.writeSnapshot('e', marked.snapshot(1, 30_000, F));
      const other = h.open();
      const slow = h.open({ yieldMs: 1 });
      try {
        const seen: number[] = [];
        let done = false;
        const keys = [['k0'], ['k29999'], ['k30050']];
        const reader = (async () => {
          while (!done) {
            for (const s of [store, other]) {
              const got = await s.get('e', keys);
              const marks = new Set(got.filter((r) => r.found).flatMap((r) => r.features.map((f) => marked.markOf(f.values[f.name] as number))));
              expect(marks.size).toBe(1);
              seen.push([...marks][0]!);
            }
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        await slow.writeSnapshot('e', marked.snapshot(2, 30_000, F));
        const afterWrite = seen.length;
        await new Promise((resolve) => setTimeout(resolve, 5));
        done = true;
        await reader;
        // The readers ran while the snapshot was written and saw the old one until the switch, then only
        // the new one (a backend may return from the write after the switch: Redis deletes the old keys first).
        expect(afterWrite).toBeGreaterThan(4);
        const switched = seen.indexOf(2);
        expect(seen.slice(0, switched === -1 ? seen.length : switched).filter((m) => m === 1).length).toBeGreaterThan(4);
        expect(seen.slice(0, switched).every((m) => m === 1)).toBe(true);
        expect(seen.slice(switched).every((m) => m === 2)).toBe(true);
        expect(seen.at(-1)).toBe(2);
      } finally {
        await other.close();
        await slow.close();
      }
    }, 60_000);
  });

  describe('atomic switch', () => {
    it('readers on another instance never see a mix of two generations while snapshots are written', async () => {
      const F = 4;
      const BASE = 3000;
      const writer = h.open({ yieldMs: 1 });
      const reader = h.open();
      try {
        await writer.writeSnapshot('e', marked.snapshot(1, BASE, F));
        // Keys spread over the snapshots, and every key around their ends (extent: BASE … BASE + 100).
        const ids = [...Array.from({ length: 30 }, (_v, i) => i * 100), ...Array.from({ length: 102 }, (_v, i) => BASE - 1 + i)];
        const keys = ids.map((i) => [`k${i}`]);
        const seen = new Set<number>();
        let reads = 0;
        let done = false;
        const loop = (async () => {
          while (!done) {
            const got = await reader.get('e', keys);
            const marks = new Set(got.filter((r) => r.found).flatMap((r) => r.features.map((f) => marked.markOf(f.values[f.name] as number))));
            expect(marks.size).toBe(1);
            const mark = [...marks][0]!;
            // The keys found are exactly the keys of that snapshot.
            expect(got.map((r) => r.found)).toEqual(ids.map((i) => i < marked.extent(mark, BASE)));
            seen.add(mark);
            reads++;
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        for (let mark = 2; mark <= 8; mark++) await writer.writeSnapshot('e', marked.snapshot(mark, BASE, F));
        done = true;
        await loop;
        expect(reads).toBeGreaterThan(10);
        expect(seen.size).toBeGreaterThan(1);
        expect((await reader.get('e', [['k0']]))[0]!.features[0]!.values).toEqual({ f0: marked.value(8, 0) });
        // Only the last generation is left.
        expect(await h.generations()).toEqual([(await reader.describe('e'))!.generation]);
      } finally {
        await writer.close();
        await reader.close();
      }
    }, 120_000);
  });

  describe('upsert', () => {
    it('updates some features of some keys, adds new keys', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      await store.upsert('user', [
        { key: ['alice'], features: [{ name: 'last_amount', version: 1, values: [99], status: 'present', eventTime: T + HOUR }] },
        {
          key: ['dave'],
          features: [{ name: 'last_category', version: 1, values: { last_category__other: 1, last_category__food: 0, last_category__travel: 0 }, status: 'present', eventTime: T + 2 * HOUR }],
        },
      ]);
      const [alice, dave, bob] = await store.get('user', [['alice'], ['dave'], ['bob']]);
      expect(alice!.features.map((f) => [f.values, f.status, f.eventTime])).toEqual([
        [{ spend_7d: 120.5 }, 'present', T - HOUR],
        [{ last_amount: 99 }, 'present', T + HOUR],
        [{ last_category__food: 0, last_category__travel: 1, last_category__other: 0 }, 'present', T - 2 * HOUR],
      ]);
      expect(dave!.found).toBe(true);
      expect(dave!.features.map((f) => [f.values, f.status, f.eventTime])).toEqual([
        [{ spend_7d: null }, 'missing', null],
        [{ last_amount: null }, 'missing', null],
        [{ last_category__food: 0, last_category__travel: 0, last_category__other: 1 }, 'present', T + 2 * HOUR],
      ]);
      expect(bob).toEqual((await store.get('user', [['bob']]))[0]);
      expect((await store.describe('user'))!.keys).toBe(3);
      // The same key twice in one call: the later wins, on top of the earlier.
      await store.upsert('user', [
        { key: ['alice'], features: [{ name: 'spend_7d', version: 1, values: [1], status: 'present', eventTime: T }] },
        { key: ['alice'], features: [{ name: 'last_amount', version: 1, values: [2], status: 'present', eventTime: T }] },
      ]);
      const [a2] = await store.get('user', [['alice']], [{ name: 'spend_7d' }, { name: 'last_amount' }]);
      expect(a2!.features.map((f) => f.values)).toEqual([{ spend_7d: 1 }, { last_amount: 2 }]);

      // Every feature given (what an ingest writes): the vector is replaced as given.
      const cat = (food: number, travel: number, other: number) => ({ last_category__food: food, last_category__travel: travel, last_category__other: other });
      await store.upsert('user', [
        {
          key: ['alice'],
          features: [
            { name: 'last_category', version: 1, values: cat(1, 0, 0), status: 'outside_ttl', eventTime: T - 9 * HOUR },
            { name: 'spend_7d', version: 1, values: [5], status: 'present', eventTime: T - HOUR },
            { name: 'last_amount', version: 1, values: [6], status: 'present', eventTime: T - 2 * HOUR },
          ],
        },
      ]);
      const [a3] = await store.get('user', [['alice']]);
      expect(a3!.features.map((f) => [f.values, f.status, f.eventTime])).toEqual([
        [{ spend_7d: 5 }, 'present', T - HOUR],
        [{ last_amount: 6 }, 'present', T - 2 * HOUR],
        [cat(1, 0, 0), 'outside_ttl', T - 9 * HOUR],
      ]);
      // As many entries as features, but one given twice and one left out: the one left out keeps its stored cell.
      await store.upsert('user', [
        {
          key: ['alice'],
          features: [
            { name: 'spend_7d', version: 1, values: [7], status: 'present', eventTime: T },
            { name: 'spend_7d', version: 1, values: [8], status: 'present', eventTime: T },
            { name: 'last_amount', version: 1, values: [9], status: 'present', eventTime: T },
          ],
        },
      ]);
      const [a4] = await store.get('user', [['alice']]);
      expect(a4!.features.map((f) => [f.values, f.status, f.eventTime])).toEqual([
        [{ spend_7d: 8 }, 'present', T],
        [{ last_amount: 9 }, 'present', T],
        [cat(1, 0, 0), 'outside_ttl', T - 9 * HOUR],
      ]);
    });

    it('is all or nothing', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      const before = await store.get('user', [['alice'], ['bob'], ['eve']]);
      const ok = { key: ['alice'], features: [{ name: 'spend_7d', version: 1, values: [1], status: 'present' as const, eventTime: T }] };
      const newKey = { key: ['eve'], features: [{ name: 'spend_7d', version: 1, values: [1], status: 'present' as const, eventTime: T }] };
      await rejects(store.upsert('user', [ok, newKey, { key: ['bob'], features: [{ name: 'spend_7d', version: 1, values: [1, 2], status: 'present', eventTime: T }] }]), 'bad_input', /vector 3/);
      await rejects(store.upsert('user', [ok, { key: ['bob'], features: [{ name: 'spend_7d', version: 9, values: [1], status: 'present', eventTime: T }] }]), 'unknown_feature');
      await rejects(store.upsert('user', [ok, { key: ['bob'], features: [{ name: 'spend_7d', version: 1, values: { nope: 1 }, status: 'present', eventTime: T }] }]), 'bad_input', /no column nope/);
      await rejects(store.upsert('user', [ok, { key: ['bob'], features: [{ name: 'spend_7d', version: 1, values: [1], status: 'present', eventTime: 1.5 }] }]), 'bad_input', /event time/);
      // The message names the vector and the feature at fault, not the last ones checked.
      await rejects(store.upsert('user', [ok, { key: ['bob'], features: [{ name: 'spend_7d', version: 1, values: [1], status: 'nope' as never, eventTime: T }] }, ok]), 'bad_input', /^vector 2, spend_7d v1: /);
      await rejects(store.upsert('user', [ok, ok, { key: 'bob' as never, features: [] }]), 'bad_key', /^vector 3: /);
      await rejects(store.upsert('user', [ok, { key: ['bob', 'x'], features: [] }]), 'bad_key');
      expect(await store.get('user', [['alice'], ['bob'], ['eve']])).toEqual(before);
      expect((await store.describe('user'))!.keys).toBe(2);
      await rejects(store.upsert('nobody', [ok]), 'not_materialized');
    });

    it('is replaced by the next snapshot; upserts queued behind a snapshot apply to it', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      const write = store.writeSnapshot('user', snapshot([ROWS[1]!]));
      const up = store.upsert('user', [{ key: ['bob'], features: [{ name: 'spend_7d', version: 1, values: [7], status: 'present', eventTime: T }] }]);
      await Promise.all([write, up]);
      const [alice, bob] = await store.get('user', [['alice'], ['bob']], [{ name: 'spend_7d' }]);
      expect(alice!.found).toBe(false);
      expect(bob!.features[0]!.values).toEqual({ spend_7d: 7 });
    });
  });

  describe('lifecycle', () => {
    it('reopens with the data; refuses work once closed', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      await store.close();
      await rejects(store.get('user', [['alice']]), 'closed');
      await rejects(store.writeSnapshot('user', snapshot(ROWS)), 'closed');
      store = h.open();
      expect((await store.get('user', [['alice']]))[0]!.found).toBe(true);
    });

  });

  describe('tickets', () => {
    it('increase, and carry the newest event time since the snapshot; a snapshot starts the time again', async () => {
      const store = h.open();
      try {
        expect(await store.ticket('e', 5)).toBeNull();
        await store.writeSnapshot('e', ticketSnapshot(100, ['a'], 1));
        expect(await store.ticket('e', null)).toEqual({ seq: 1, asOf: 100 });
        expect(await store.ticket('e', 300)).toEqual({ seq: 2, asOf: 300 });
        // An older event does not take the time back: a recomputation that wins holds the newer event too.
        expect(await store.ticket('e', 200)).toEqual({ seq: 3, asOf: 300 });
        await store.writeSnapshot('e', ticketSnapshot(150, ['a'], 1, 4));
        expect(await store.ticket('e', 120)).toEqual({ seq: 5, asOf: 150 });
        // A snapshot under an older ticket does not take the tickets back.
        await store.writeSnapshot('E', ticketSnapshot(150, ['a'], 1, 2));
        expect((await store.ticket('e', null))!.seq).toBe(6);
      } finally {
        await store.close();
      }
    });

    it('property: whatever order the writes land in, from two stores, a key holds the latest ticket’s vector', async () => {
      const one = h.open();
      const two = h.open();
      try {
        await one.writeSnapshot('e', ticketSnapshot(1, ['a', 'b'], 0));
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
      const store = h.open();
      try {
        await store.writeSnapshot('e', ticketSnapshot(1, ['a'], 0));
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
      const store = h.open();
      try {
        await store.writeSnapshot('e', ticketSnapshot(1, ['a', 'b'], 0));
        const snap = (await store.ticket('e', null))!.seq;
        const later = (await store.ticket('e', null))!.seq;
        await store.upsert('e', [vector('a', 7), vector('z', 7)], later);
        await store.writeSnapshot('e', ticketSnapshot(2, ['a', 'b', 'c'], 5, snap));
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

  });

  // Fresh values (docs/online-stores.md): request-time tiles through the byte-level contract, and the refresh time.
  describe('fresh values', () => {
    const MIN = 60_000_000;
    const specs: TileSpec[] = [
      { name: 'clicks_1h', version: 1, fn: 'COUNT', star: true, windowUs: HOUR, tileUs: 5 * MIN, strict: false },
      { name: 'spend_2h', version: 1, fn: 'SUM', star: false, windowUs: 2 * HOUR, tileUs: 5 * MIN, strict: false },
    ];
    const ev = (a: number, v: number | null) => ({ a, e: a, v });
    const backend = (s: OnlineStore) => (s as unknown as { vectors: VectorStore }).vectors;

    it('tiles: a generation of per-key records, read back and combined at any request time; per-key updates', async () => {
      const alice = [ev(T - 90 * MIN, 5), ev(T - 30 * MIN, 7), ev(T - 10 * MIN, null)];
      await backend(store).bulkPut({ entity: tileEntity('user'), asOf: T, keyColumns: '["user_id"]', features: JSON.stringify(specs) }, async (put) => {
        await put(encodeKey(['alice'], 1), encodeTiles(specs, [alice, alice]));
      });
      const other = h.open();
      try {
        const at = async (t: number) => {
          const r = (await readTiles(backend(other), 'user', [encodeKey(['alice'], 1), encodeKey(['bob'], 1)]))!;
          expect(r.specs).toEqual(specs);
          return r.blobs.map((b) => cellsAt(r.specs, b && readTileBlob(b), t).map((c) => c.values[0]));
        };
        // At T: 2 rows in (T − 1 h, T]; 5 + 7 in (T − 2 h, T] (the NULL counts as a row, not in the sum). bob has no record: empty windows.
        expect(await at(T)).toEqual([
          [2, 12],
          [0, null],
        ]);
        // At T + 35 min: only T − 10 min is in the hour; T − 90 min left the two hours.
        expect(await at(T + 35 * MIN)).toEqual([
          [1, 7],
          [0, null],
        ]);
        // At T + 30 min, T − 30 min is exactly 1 h old and T − 90 min exactly 2 h: neither counts any more; 1 µs before, both do.
        expect((await at(T + 30 * MIN))[0]).toEqual([1, 7]);
        expect((await at(T + 30 * MIN - 1))[0]).toEqual([2, 12]);
        // An ingest rewrites bob's record.
        await backend(store).update(tileEntity('user'), [encodeKey(['bob'], 1)], () => [{ blob: encodeTiles(specs, [[ev(T + MIN, 3)], [ev(T + MIN, 3)]]), seq: 1 }]);
        expect(await at(T + 2 * MIN)).toEqual([
          [2, 12],
          [1, 3],
        ]);
        // The vectors of the entity are untouched by its tiles.
        await expect(store.get('user', [['alice']])).rejects.toMatchObject({ code: 'not_materialized' });
      } finally {
        await other.close();
      }
    });

    it('the refresh time: raised by markRefreshed (never back), seen by another instance, reset by the next snapshot', async () => {
      await store.writeSnapshot('user', snapshot(ROWS));
      expect((await store.describe('user'))!.refreshedAsOf).toBeNull();
      expect((await store.getEncoded('user', [['alice']])).asOf).toBe(T);
      expect((await store.markRefreshed('user', T + HOUR))!.refreshedAsOf).toBe(T + HOUR);
      expect((await store.markRefreshed('user', T + 30 * MIN))!.refreshedAsOf).toBe(T + HOUR);
      const other = h.open();
      try {
        expect((await other.describe('user'))!.refreshedAsOf).toBe(T + HOUR);
        // Tickets leave it alone.
        await other.ticket('user', T + 2 * HOUR);
        expect((await store.describe('user'))!.refreshedAsOf).toBe(T + HOUR);
      } finally {
        await other.close();
      }
      await store.writeSnapshot('user', snapshot(ROWS, T + 3 * HOUR));
      expect((await store.describe('user'))!.refreshedAsOf).toBeNull();
      expect(await store.markRefreshed('nobody', T)).toBeNull();
    });
  });
}
