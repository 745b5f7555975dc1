/**
 * Fresh values (docs/online-stores.md): lookup latency with request-time
 * windows (`"online": {"windows": "tiles"}`) against plain vectors, in the
 * same run, on the same data — through `FeatureLookup` (the server's
 * lookup, bytes out), for 1 and 100 keys; and the cost of keeping vectors
 * fresh the other way: `materialize --incremental` against a full
 * materialize, 5 minutes later.
 *
 * Data: KEYS users × EVENTS events each over 7 days (a CSV source), features
 * COUNT 1 h, SUM 1 day, AVG 7 days, MIN 6 h, MAX 1 day (tiled) and a latest
 * value with a TTL (from the vectors in both cases).
 *
 *   npm run bench -- --only tiles        (Redis too when FSQL_TEST_REDIS_URL or FSQL_BENCH_REDIS_URL is set)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProjectFiles } from '../src/project/files.js';
import { applyProject } from '../src/runtime/apply.js';
import { materialize } from '../src/runtime/materialize.js';
import { materializeIncremental } from '../src/runtime/refresh.js';
import { Workspace } from '../src/runtime/workspace.js';
import { FeatureLookup } from '../src/server/lookup.js';
import { writeFileSync, mkdirSync } from 'node:fs';

type Runner = <T>(workload: string, args: Record<string, string>) => Promise<{ result: T }>;

const T = Date.UTC(2024, 4, 8) * 1000;
const HOUR = 3_600_000_000;

const PROJECT = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE clicks (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM FILE 'data/clicks.csv' EVENT TIME ts;
CREATE FEATURE clicks_1h ENTITY user FROM clicks AS COUNT(*) WINDOW 1 HOUR;
CREATE FEATURE spend_1d ENTITY user FROM clicks AS SUM(amount) WINDOW 1 DAY;
CREATE FEATURE avg_7d ENTITY user FROM clicks AS AVG(amount) WINDOW 7 DAYS;
CREATE FEATURE min_6h ENTITY user FROM clicks AS MIN(amount) WINDOW 6 HOURS;
CREATE FEATURE max_1d ENTITY user FROM clicks AS MAX(amount) WINDOW 1 DAY;
CREATE FEATURE last_amount ENTITY user FROM clicks AS amount TTL 1 DAY;
`;

export interface Latency {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface TilesResult {
  readonly store: string;
  readonly keys: number;
  readonly eventsPerKey: number;
  readonly vectors: { readonly get1: Latency; readonly get100: Latency };
  readonly tiles: { readonly get1: Latency; readonly get100: Latency };
  readonly materializeMs: { readonly vectors: number; readonly tiles: number };
  /** A full materialize and an incremental refresh, 5 minutes after the snapshot (vectors). */
  readonly refreshMs: { readonly full: number; readonly incremental: number; readonly keysRecomputed: number };
}

/** A deterministic generator (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
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
  return { p50Ms: percentile(ms, 0.5), p99Ms: percentile(ms, 0.99) };
}

const text = (t: number) =>
  new Date(t / 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');

async function project(dir: string, csv: string, online: Record<string, unknown>): Promise<Workspace> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'project.fsql'), PROJECT);
  writeFileSync(join(dir, 'data', 'clicks.csv'), csv);
  writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ online }));
  const ws = Workspace.open(dir, { create: true });
  await applyProject(ws, readProjectFiles(dir));
  return ws;
}

/** Child side: one store. */
export async function measureTiles(args: Record<string, string>): Promise<TilesResult> {
  const keys = Number(args['keys'] ?? 2000);
  const eventsPerKey = Number(args['events'] ?? 50);
  const samples = Number(args['samples'] ?? 2000);
  const store = args['store'] ?? 'sqlite';
  const random = prng(7);
  const lines = ['user_id,amount,ts'];
  for (let k = 0; k < keys; k++) for (let e = 0; e < eventsPerKey; e++) lines.push(`u${k},${Math.round(random() * 10000) / 100},${text(T - Math.floor(random() * 7 * 24 * HOUR))}`);
  const csv = `${lines.join('\n')}\n`;
  const base = mkdtempSync(join(tmpdir(), 'fsql-bench-tiles-'));
  const prefix = `fsqlbench-tiles:${process.pid}:`;
  const online = (name: string) => (store === 'redis' ? { store: 'redis', url: args['url']!, keyPrefix: `${prefix}${name}:` } : { store: 'sqlite' });
  try {
    const wsV = await project(join(base, 'vectors'), csv, { ...online('v'), windows: 'vectors' });
    const wsT = await project(join(base, 'tiles'), csv, { ...online('t'), windows: 'tiles' });
    let t0 = performance.now();
    await materialize(wsV, { at: T });
    const matV = performance.now() - t0;
    t0 = performance.now();
    await materialize(wsT, { at: T });
    const matT = performance.now() - t0;
    const now = T + 5 * 60_000_000;
    const lookV = new FeatureLookup(wsV, { maxKeys: 100, renderCacheBytes: 0 });
    const lookT = new FeatureLookup(wsT, { maxKeys: 100, renderCacheBytes: 0, now: () => now });
    const one = (i: number) => [[`u${(i * 7919) % keys}`]];
    const hundred = (i: number) => Array.from({ length: 100 }, (_v, j) => [`u${(i * 100 + j * 37) % keys}`]);
    // Alternating runs of the two, so that both see the same machine load.
    const vectors1 = await latency(samples, (i) => lookV.lookup('user', one(i), undefined));
    const tiles1 = await latency(samples, (i) => lookT.lookup('user', one(i), undefined));
    const vectors100 = await latency(Math.max(100, samples / 10), (i) => lookV.lookup('user', hundred(i), undefined));
    const tiles100 = await latency(Math.max(100, samples / 10), (i) => lookT.lookup('user', hundred(i), undefined));
    // Keeping vectors fresh by refreshing: incremental against full, 5 minutes on.
    t0 = performance.now();
    const [inc] = await materializeIncremental(wsV, { at: now });
    const incMs = performance.now() - t0;
    t0 = performance.now();
    await materialize(wsV, { at: now });
    const fullMs = performance.now() - t0;
    await wsV.close();
    await wsT.close();
    return {
      store,
      keys,
      eventsPerKey,
      vectors: { get1: vectors1, get100: vectors100 },
      tiles: { get1: tiles1, get100: tiles100 },
      materializeMs: { vectors: matV, tiles: matT },
      refreshMs: { full: fullMs, incremental: incMs, keysRecomputed: inc!.keys },
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
    if (store === 'redis') {
      const { Redis } = await import('ioredis');
      const admin = new Redis(args['url']!);
      let cursor = '0';
      do {
        const [next, found] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) await admin.unlink(...found);
      } while (cursor !== '0');
      await admin.quit();
    }
  }
}

const f = (n: number) => n.toFixed(3);
const lat = (l: Latency) => `${f(l.p50Ms)} / ${f(l.p99Ms)} ms`;
const ratio = (a: Latency, b: Latency) => `${(a.p50Ms / b.p50Ms).toFixed(2)}× / ${(a.p99Ms / b.p99Ms).toFixed(2)}×`;

/** Parent side: SQLite, and Redis when a server is given; prints latencies and the tiles/vectors ratios. */
export async function runTilesWorkload(options: { readonly quick?: boolean }, run: Runner): Promise<TilesResult[]> {
  const url = process.env['FSQL_BENCH_REDIS_URL'] ?? process.env['FSQL_TEST_REDIS_URL'];
  const stores = url ? ['sqlite', 'redis'] : ['sqlite'];
  const results: TilesResult[] = [];
  for (const store of stores) {
    results.push(
      (await run<TilesResult>('tiles', { store, keys: options.quick ? '1000' : '5000', events: '50', samples: options.quick ? '1000' : '3000', ...(url ? { url } : {}) })).result,
    );
  }
  console.log('store   keys × events  get 1 vectors p50/p99   get 1 tiles p50/p99   ratio p50/p99    get 100 vectors p50/p99  get 100 tiles p50/p99  ratio p50/p99');
  for (const r of results) {
    console.log(
      `${r.store.padEnd(7)} ${`${r.keys} × ${r.eventsPerKey}`.padEnd(14)} ${lat(r.vectors.get1).padEnd(22)} ${lat(r.tiles.get1).padEnd(21)} ${ratio(r.tiles.get1, r.vectors.get1).padEnd(16)} ${lat(r.vectors.get100).padEnd(24)} ${lat(r.tiles.get100).padEnd(22)} ${ratio(r.tiles.get100, r.vectors.get100)}`,
    );
  }
  console.log('store   materialize vectors / tiles     refresh 5 min later: full / incremental (keys recomputed)');
  for (const r of results) {
    console.log(
      `${r.store.padEnd(7)} ${f(r.materializeMs.vectors)} / ${f(r.materializeMs.tiles)} ms     ${f(r.refreshMs.full)} / ${f(r.refreshMs.incremental)} ms (${r.refreshMs.keysRecomputed} of ${r.keys})`,
    );
  }
  return results;
}
