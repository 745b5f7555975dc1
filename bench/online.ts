/**
 * The online-store workload: a synthetic entity of N keys × 50 features
 * (40 one-column numeric features, 10 ONE_HOT features of 5 columns, i.e. 90
 * value columns; 10% of the values missing), written as one snapshot into a
 * SqliteOnlineStore on disk, then read back:
 *
 * - write throughput: feature values (keys × features) per second, and the
 *   bytes stored per key;
 * - `get` latency for 1 key and for 100 keys × 50 features (p50 / p99; one
 *   key in ten unknown), and 100 keys × 5 features;
 * - `upsert` latency for 1 and 100 keys (one transaction each).
 *
 * `measureLayouts` compares the storage layouts the store could use, on raw
 * better-sqlite3 (README of src/store/online explains the choice).
 *
 * Targets (for the HTTP layer on top): p99 < 2 ms for one key, < 10 ms for
 * 100 keys × 50 features. Printed, never asserted.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeVector, VectorEncoder } from '../src/store/online/codec.js';
import { Redis } from 'ioredis';
import { RedisOnlineStore } from '../src/store/online/redis-store.js';
import { SqliteOnlineStore } from '../src/store/online/sqlite-store.js';
import type { FeatureCell, FeatureSelector, OnlineStore, SnapshotFeature, SnapshotRow, Vector } from '../src/store/online/store.js';

/** The Redis server to measure the Redis store on, besides SQLite (none: SQLite only). */
const redisBenchUrl = (): string | undefined => process.env['FSQL_BENCH_REDIS_URL'] ?? process.env['FSQL_TEST_REDIS_URL'];

const T = Date.UTC(2024, 2, 1) * 1000;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function benchFeatures(count = 50): SnapshotFeature[] {
  return Array.from({ length: count }, (_v, i): SnapshotFeature => {
    if (i % 5 === 4) return { name: `cat_${i}`, version: 1, columns: Array.from({ length: 5 }, (_c, j) => `cat_${i}__v${j}`), kind: 'latest' };
    return i % 2 === 0 ? { name: `sum_${i}`, version: 1, columns: [`sum_${i}`], kind: 'aggregate' } : { name: `last_${i}`, version: 1, columns: [`last_${i}`], kind: 'latest', ttlSeconds: 86_400 };
  });
}

function cellsFor(features: readonly SnapshotFeature[], random: () => number): FeatureCell[] {
  return features.map((f): FeatureCell => {
    if (random() < 0.1) return { values: f.columns.map(() => (f.columns.length > 1 ? 0 : null)), status: 'missing', eventTime: null };
    const eventTime = T - Math.floor(random() * 7 * 86_400_000_000);
    if (f.columns.length > 1) {
      const hot = Math.floor(random() * (f.columns.length + 1));
      return { values: f.columns.map((_c, j) => (j === hot ? 1 : 0)), status: 'present', eventTime };
    }
    const value = f.kind === 'aggregate' ? Math.round(random() * 1e6) / 100 : Math.floor(random() * 1000);
    return { values: [value], status: 'present', eventTime };
  });
}

const keyOf = (i: number) => [`user_${i}`];

function* benchRows(keys: number, features: readonly SnapshotFeature[]): Generator<SnapshotRow> {
  const random = prng(1);
  for (let i = 0; i < keys; i++) yield { key: keyOf(i), features: cellsFor(features, random) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export interface Latency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

async function latency(samples: number, fn: (i: number) => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < Math.min(200, samples); i++) await fn(i);
  (globalThis as { gc?: () => void }).gc?.();
  const ms: number[] = new Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn(i);
    ms[i] = performance.now() - t0;
  }
  ms.sort((a, b) => a - b);
  return { p50Ms: percentile(ms, 0.5), p99Ms: percentile(ms, 0.99), samples };
}

export interface OnlineCase {
  /** `sqlite` (default) or `redis` (on FSQL_BENCH_REDIS_URL / FSQL_TEST_REDIS_URL, under a prefix of its own). */
  readonly store?: 'sqlite' | 'redis';
  readonly keys: number;
  readonly features: number;
  /** Timed calls per latency measurement. */
  readonly samples: number;
}

export interface OnlineResult {
  readonly store: string;
  readonly keys: number;
  readonly features: number;
  readonly columns: number;
  readonly writeMs: number;
  /** keys × features / s. */
  readonly featureValuesPerSec: number;
  /** keys × value columns / s. */
  readonly columnValuesPerSec: number;
  readonly bytesPerKey: number;
  readonly get1: Latency;
  readonly get100: Latency;
  readonly get100x5: Latency;
  readonly upsert1: Latency;
  readonly upsert100: Latency;
}

/** Writes one snapshot of `keys` keys and measures reads and upserts on it. */
export async function measureOnline(c: OnlineCase): Promise<OnlineResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-bench-online-'));
  const path = join(dir, 'online.db');
  const features = benchFeatures(c.features);
  const columns = features.reduce((n, f) => n + f.columns.length, 0);
  const redisUrl = c.store === 'redis' ? redisBenchUrl() : undefined;
  if (c.store === 'redis' && redisUrl === undefined) throw new Error('set FSQL_BENCH_REDIS_URL (or FSQL_TEST_REDIS_URL) to measure the Redis store');
  const prefix = `fsqlbench:${process.pid}:`;
  const admin = redisUrl !== undefined ? new Redis(redisUrl) : undefined;
  const store: OnlineStore = redisUrl !== undefined ? new RedisOnlineStore({ url: redisUrl, keyPrefix: prefix, journalPath: join(dir, 'journal.db') }) : new SqliteOnlineStore(path);
  try {
    (globalThis as { gc?: () => void }).gc?.();
    const memoryBefore = admin ? await usedMemory(admin) : 0;
    const t0 = performance.now();
    await store.writeSnapshot('user', { asOf: T, keyColumns: ['user_id'], features, rows: { [Symbol.iterator]: () => benchRows(c.keys, features) } });
    const writeMs = performance.now() - t0;
    let bytes: number;
    if (admin) bytes = (await usedMemory(admin)) - memoryBefore;
    else {
      const db = new Database(path, { readonly: true });
      const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
      bytes = pages * (db.pragma('page_size', { simple: true }) as number);
      db.close();
    }

    const random = prng(2);
    // One key in ten is not in the store.
    const someKey = () => keyOf(Math.floor(random() * c.keys * 1.1));
    const keys100 = () => Array.from({ length: 100 }, someKey);
    const five: FeatureSelector[] = features.filter((_f, i) => i % 10 === 0).map((f) => ({ name: f.name, version: f.version }));
    const get1 = await latency(c.samples, () => store.get('user', [someKey()]));
    const get100 = await latency(Math.max(50, Math.floor(c.samples / 10)), () => store.get('user', keys100()));
    const get100x5 = await latency(Math.max(50, Math.floor(c.samples / 10)), () => store.get('user', keys100(), five));
    const updates = prng(3);
    const vector = (): Vector => {
      const f = features[Math.floor(updates() * features.length)]!;
      const [cell] = cellsFor([f], updates);
      return { key: keyOf(Math.floor(updates() * c.keys)), features: [{ name: f.name, version: f.version, ...cell! }] };
    };
    const upsert1 = await latency(Math.max(50, Math.floor(c.samples / 10)), () => store.upsert('user', [vector()]));
    const upsert100 = await latency(Math.max(20, Math.floor(c.samples / 50)), () => store.upsert('user', Array.from({ length: 100 }, vector)));
    return {
      store: c.store ?? 'sqlite',
      keys: c.keys,
      features: features.length,
      columns,
      writeMs,
      featureValuesPerSec: (c.keys * features.length * 1000) / writeMs,
      columnValuesPerSec: (c.keys * columns * 1000) / writeMs,
      bytesPerKey: bytes / c.keys,
      get1,
      get100,
      get100x5,
      upsert1,
      upsert100,
    };
  } finally {
    await store.close();
    if (admin) {
      let cursor = '0';
      do {
        const [next, found] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) await admin.unlink(...found);
      } while (cursor !== '0');
      await admin.quit();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Redis server's memory in use (bytes), after its lazy frees are done. */
async function usedMemory(admin: Redis): Promise<number> {
  const info = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

// ---------------------------------------------------------------------------
// Layouts: one row per key (binary or JSON vector), or one row per (key, feature).

export interface LayoutResult {
  readonly layout: string;
  readonly keyValuesPerSec: number;
  readonly bytesPerKey: number;
  readonly get1: Latency;
  readonly get100: Latency;
}

/** Writes the same vectors in each candidate layout (raw SQLite, one transaction) and times reads of all 50 features. */
export async function measureLayouts(c: OnlineCase): Promise<LayoutResult[]> {
  const features = benchFeatures(c.features);
  const counts = features.map((f) => f.columns.length);
  const out: LayoutResult[] = [];
  const flat = (cells: readonly FeatureCell[]) => cells.flatMap((x) => [x.status, x.eventTime, ...x.values]);
  const unflat = (a: unknown[]) => {
    let o = 0;
    return counts.map((n) => {
      const cell = { status: a[o], eventTime: a[o + 1], values: a.slice(o + 2, o + 2 + n) };
      o += 2 + n;
      return cell;
    });
  };
  interface Layout {
    readonly create: string;
    readonly index: string | undefined;
    write(db: Database.Database): (key: string, cells: FeatureCell[]) => unknown;
    read(db: Database.Database): (key: string) => unknown;
  }
  const layouts: Record<string, Layout> = {
    'key → binary vector': {
      create: 'CREATE TABLE t (k TEXT NOT NULL, v BLOB NOT NULL)',
      index: 'CREATE UNIQUE INDEX t_k ON t (k)',
      write: (db: Database.Database) => {
        const s = db.prepare('INSERT INTO t VALUES (?, ?)');
        const enc = new VectorEncoder();
        return (key: string, cells: FeatureCell[]) => s.run(key, enc.encode(cells));
      },
      read: (db: Database.Database) => {
        const s = db.prepare('SELECT v FROM t WHERE k = ?').pluck();
        return (k: string) => {
          const b = s.get(k) as Buffer | undefined;
          return b && decodeVector(b, counts);
        };
      },
    },
    'key → JSON vector': {
      create: 'CREATE TABLE t (k TEXT NOT NULL, v TEXT NOT NULL)',
      index: 'CREATE UNIQUE INDEX t_k ON t (k)',
      write: (db: Database.Database) => {
        const s = db.prepare('INSERT INTO t VALUES (?, ?)');
        return (key: string, cells: FeatureCell[]) => s.run(key, JSON.stringify(flat(cells)));
      },
      read: (db: Database.Database) => {
        const s = db.prepare('SELECT v FROM t WHERE k = ?').pluck();
        return (k: string) => {
          const v = s.get(k) as string | undefined;
          return v && unflat(JSON.parse(v) as unknown[]);
        };
      },
    },
    'key → JSON vector, WITHOUT ROWID': {
      create: 'CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID',
      index: undefined,
      write: (db: Database.Database) => {
        const s = db.prepare('INSERT INTO t VALUES (?, ?)');
        return (key: string, cells: FeatureCell[]) => s.run(key, JSON.stringify(flat(cells)));
      },
      read: (db: Database.Database) => {
        const s = db.prepare('SELECT v FROM t WHERE k = ?').pluck();
        return (k: string) => {
          const v = s.get(k) as string | undefined;
          return v && unflat(JSON.parse(v) as unknown[]);
        };
      },
    },
    '(key, feature) → JSON cell': {
      create: 'CREATE TABLE t (k TEXT NOT NULL, f INTEGER NOT NULL, v TEXT NOT NULL, PRIMARY KEY (k, f)) WITHOUT ROWID',
      index: undefined,
      write: (db: Database.Database) => {
        const s = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
        return (key: string, cells: FeatureCell[]) => cells.forEach((x, f) => s.run(key, f, JSON.stringify([x.status, x.eventTime, ...x.values])));
      },
      read: (db: Database.Database) => {
        const s = db.prepare('SELECT f, v FROM t WHERE k = ?').raw();
        return (k: string) => (s.all(k) as [number, string][]).map(([, v]) => JSON.parse(v) as unknown);
      },
    },
  };
  for (const [layout, l] of Object.entries(layouts)) {
    const dir = mkdtempSync(join(tmpdir(), 'fsql-bench-layout-'));
    const path = join(dir, 'layout.db');
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -32768');
      db.exec(l.create);
      const write = l.write(db);
      const t0 = performance.now();
      db.transaction(() => {
        for (const row of benchRows(c.keys, features)) write(JSON.stringify(row.key), row.features as FeatureCell[]);
        if (l.index) db.exec(l.index);
      })();
      const ms = performance.now() - t0;
      db.pragma('wal_checkpoint(TRUNCATE)');
      const bytes = statSync(path).size;
      const read = l.read(db);
      const random = prng(2);
      const someKey = () => JSON.stringify(keyOf(Math.floor(random() * c.keys * 1.1)));
      const tx = db.transaction((keys: string[]) => keys.map(read));
      const get1 = await latency(c.samples, async () => tx([someKey()]));
      const get100 = await latency(Math.max(50, Math.floor(c.samples / 10)), async () => tx(Array.from({ length: 100 }, someKey)));
      out.push({ layout, keyValuesPerSec: (c.keys * features.length * 1000) / ms, bytesPerKey: bytes / c.keys, get1, get100 });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The `online` workload of bench/run.ts.

type Runner = <T>(workload: string, args: Record<string, string>) => Promise<{ readonly result: T }>;

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const lat = (l: Latency) => `${fmt(l.p50Ms, 3)} / ${fmt(l.p99Ms, 3)} ms`;

/** Child side: one case; arguments as strings (`layouts=1` compares the layouts instead). */
export async function measureOnlineArgs(args: Record<string, string>): Promise<OnlineResult | LayoutResult[]> {
  const c: OnlineCase = {
    ...(args['store'] === 'redis' ? { store: 'redis' as const } : {}),
    keys: Number(args['keys'] ?? 100_000),
    features: Number(args['features'] ?? 50),
    samples: Number(args['samples'] ?? 5000),
  };
  return args['layouts'] === '1' ? measureLayouts(c) : measureOnline(c);
}

/** Parent side: the store at 100k (quick: 20k) and 1M keys, and the layouts at 100k; prints tables, returns the results. */
export async function runOnlineWorkload(options: { readonly quick?: boolean }, run: Runner): Promise<unknown> {
  const sizes = options.quick ? [20_000] : [100_000, 1_000_000];
  const samples = options.quick ? '2000' : '10000';
  const results: OnlineResult[] = [];
  // SQLite, and Redis in the same run when a server is given (FSQL_BENCH_REDIS_URL or FSQL_TEST_REDIS_URL).
  const stores = redisBenchUrl() !== undefined ? ['sqlite', 'redis'] : ['sqlite'];
  for (const keys of sizes) for (const store of stores) results.push((await run<OnlineResult>('online', { store, keys: String(keys), features: '50', samples })).result);
  console.log('store   keys       write       feature values/s  bytes/key  get 1 key p50/p99  get 100×50 p50/p99  get 100×5 p50/p99  upsert 1 p50/p99  upsert 100 p50/p99');
  for (const r of results) {
    console.log(
      `${(r.store ?? 'sqlite').padEnd(7)} ${fmt(r.keys).padEnd(10)} ${`${fmt(r.writeMs)} ms`.padStart(10)}  ${fmt(r.featureValuesPerSec).padStart(16)}  ${fmt(r.bytesPerKey).padStart(9)}  ${lat(r.get1).padStart(17)}  ${lat(r.get100).padStart(18)}  ${lat(r.get100x5).padStart(17)}  ${lat(r.upsert1).padStart(16)}  ${lat(r.upsert100).padStart(18)}`,
    );
  }
  const layouts = (await run<LayoutResult[]>('online', { keys: options.quick ? '20000' : '100000', features: '50', samples, layouts: '1' })).result;
  console.log('layout                             feature values/s  bytes/key  get 1 key p50/p99  get 100×50 p50/p99');
  for (const l of layouts) {
    console.log(`${l.layout.padEnd(34)} ${fmt(l.keyValuesPerSec).padStart(16)}  ${fmt(l.bytesPerKey).padStart(9)}  ${lat(l.get1).padStart(17)}  ${lat(l.get100).padStart(18)}`);
  }
  console.log('targets (HTTP layer): get p99 < 2 ms for 1 key, < 10 ms for 100 keys × 50 features');
  return { store: results, layouts };
}
