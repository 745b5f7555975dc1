import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import { OnlineStoreError, rawStatus, type EntitySnapshot, type SnapshotFeature, type SnapshotRow } from '../../../src/store/online/store.js';
import { marked, tempDir } from './support.js';

const T = Date.UTC(2024, 2, 1) * 1000;
const HOUR = 3_600_000_000;

const FEATURES: SnapshotFeature[] = [
  { name: 'spend_7d', version: 1, columns: ['spend_7d'], types: ['DOUBLE'], kind: 'aggregate' },
  { name: 'last_amount', version: 1, columns: ['last_amount'], types: ['DOUBLE'], ttlSeconds: 86_400, kind: 'latest' },
  { name: 'last_category', version: 1, columns: ['last_category__food', 'last_category__travel', 'last_category__other'], types: ['INTEGER', 'INTEGER', 'INTEGER'], kind: 'latest' },
];

function snapshot(rows: SnapshotRow[], asOf = T, features = FEATURES): EntitySnapshot {
  return { asOf, keyColumns: ['user_id'], features, rows };
}

const ROWS: SnapshotRow[] = [
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

const dirs = tempDir();
afterAll(() => dirs.cleanup());
let n = 0;
let store: SqliteOnlineStore;
let path: string;

beforeEach(() => {
  path = `${dirs.dir}/store-${++n}.db`;
  store = new SqliteOnlineStore(path);
});
afterEach(async () => {
  await store.close();
});

function vectorTables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'fsql_vectors_%' ORDER BY name`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected an OnlineStoreError ${code}`).toBeInstanceOf(OnlineStoreError);
  expect((e as OnlineStoreError).code).toBe(code);
  if (message) expect((e as OnlineStoreError).message).toMatch(message);
}

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
    expect(vectorTables(path)).toHaveLength(2);
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
    // The old generation's table is gone.
    expect(vectorTables(path)).toEqual([`fsql_vectors_${info.generation}`]);
  });

  it('that fails leaves the first one served, and no table behind', async () => {
    await store.writeSnapshot('user', snapshot(ROWS));
    const before = await store.get('user', [['alice'], ['bob']]);
    const tables = vectorTables(path);
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
    expect(vectorTables(path)).toEqual(tables);
    // And the store still writes.
    await store.writeSnapshot('user', snapshot([ROWS[1]!]));
    expect((await store.get('user', [['alice'], ['bob']])).map((r) => r.found)).toEqual([false, true]);
  });

  it('is invisible to readers, in this process and another connection, until it is complete', async () => {
    const F = 20;
    await store.writeSnapshot('e', marked.snapshot(1, 30_000, F));
    const other = new SqliteOnlineStore(path);
    const slow = new SqliteOnlineStore(path, { yieldMs: 1 });
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
      // The readers ran while the snapshot was written, and saw only the old one then.
      expect(afterWrite).toBeGreaterThan(4);
      expect(seen.slice(0, afterWrite).every((m) => m === 1)).toBe(true);
      expect(seen.at(-1)).toBe(2);
    } finally {
      await other.close();
      await slow.close();
    }
  }, 60_000);
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

describe('another writer', () => {
  it('is waited for without blocking the event loop, up to the write timeout', async () => {
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
});

describe('lifecycle', () => {
  it('reopens with the data; refuses work once closed', async () => {
    await store.writeSnapshot('user', snapshot(ROWS));
    await store.close();
    await rejects(store.get('user', [['alice']]), 'closed');
    await rejects(store.writeSnapshot('user', snapshot(ROWS)), 'closed');
    store = new SqliteOnlineStore(path);
    expect((await store.get('user', [['alice']]))[0]!.found).toBe(true);
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
