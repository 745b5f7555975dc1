/**
 * The materialize workload: a generated project on disk — one entity `user`
 * of K keys, an event source of E events over 60 days (CSV), a user
 * dimension (CSV), a label source, 20 features of mixed kinds (latest values
 * with and without TTL, windowed COUNT / SUM / AVG / MIN / MAX / COUNT
 * DISTINCT with WHERE, dimension lookups; FILL, SCALE, ONE_HOT TOP n and
 * ONE_HOT (values)) and a training set — applied with `applyProject` into a
 * temporary folder, then:
 *
 * - `materialize(ws, { at })` into the SQLite online store, timed end to end
 *   and split into compute (the plan's SQL on the offline engine, rows read
 *   back, the snapshot built) and write (the online store's writeSnapshot);
 *   compute is split again into the query alone (`runMaterialize`) and the rest;
 * - baselines on the same data in the same process:
 *   · the store's own `writeSnapshot` of the very same snapshot, held in memory
 *     (the store's floor: no SQL, no conversion);
 *   · raw better-sqlite3 inserting the same vectors, pre-encoded as blobs
 *     (one row per key + unique index: what the store does, with nothing else);
 *   · raw better-sqlite3 inserting the same values as a wide table
 *     (one column per output value: the obvious hand-written layout);
 *   · the engine alone: the materialize SQL run inside the offline engine as
 *     `CREATE TEMP TABLE … AS …`, so no row crosses into JavaScript;
 * - `buildTrainingSet` for K labels and `writeTableFile` to CSV and Parquet.
 *
 * "Values" are keys × output columns (a ONE_HOT of 5 values is 5 columns),
 * what `fsql materialize` reports. Target: ≥ 250k values/s end to end on the
 * SQLite engine. Printed, never asserted.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EngineTarget } from '../src/engine/engine.js';
import { runMaterialize } from '../src/runtime/run-plan.js';
import { planMaterialize } from '../src/plan/build.js';
import { readProjectFiles } from '../src/project/files.js';
import { applyProject } from '../src/runtime/apply.js';
import { materialize } from '../src/runtime/materialize.js';
import { buildTrainingSet } from '../src/runtime/train.js';
import { computeSnapshot, entityFeatures } from '../src/runtime/vectors.js';
import { Workspace } from '../src/runtime/workspace.js';
import { dialectFor } from '../src/sql/dialects/index.js';
import { lowerMaterialize } from '../src/sql/lower-plan.js';
import { SqlPrinter } from '../src/sql/print.js';
import { writeTableFile } from '../src/store/files/write.js';
import { VectorEncoder } from '../src/store/online/codec.js';
import { SqliteOnlineStore } from '../src/store/online/sqlite-store.js';
import type { EntitySnapshot, FeatureCell, SnapshotRow } from '../src/store/online/store.js';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2024, 0, 1);
/** The materialization time: the end of the 60 days of events. */
export const AT = (START_MS + 60 * DAY_MS) * 1000;
const CATEGORIES = ['grocery', 'travel', 'fuel', 'online', 'dining', 'pharmacy', 'electronics', 'apparel', 'books', 'games'];
const CHANNELS = ['web', 'app', 'pos', 'phone'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'ES', 'IT', 'NL'];
const TIERS = ['free', 'plus', 'pro', 'business'];

export const PROJECT = `
CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE events (
  event_id TEXT NOT NULL, user_id TEXT NOT NULL, amount DOUBLE, category TEXT, channel TEXT, ts TIMESTAMP NOT NULL
) FROM FILE 'data/events.csv' EVENT TIME ts;

CREATE SOURCE users (user_id TEXT NOT NULL, country TEXT, age INTEGER, tier TEXT) FROM FILE 'data/users.csv';

CREATE SOURCE outcomes (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, churned BOOLEAN) FROM FILE 'data/outcomes.csv' EVENT TIME ts;

CREATE FEATURE last_amount ENTITY user FROM events AS amount TTL 7 DAYS FILL MEAN SCALE STANDARD;
CREATE FEATURE last_amount_raw ENTITY user FROM events AS amount;
CREATE FEATURE last_category ENTITY user FROM events AS category TTL 30 DAYS ONE_HOT TOP 5;
CREATE FEATURE last_channel ENTITY user FROM events AS channel ONE_HOT ('web', 'app', 'pos');
CREATE FEATURE last_amount_rounded ENTITY user FROM events AS ROUND(amount, 0) TTL 1 DAY FILL ZERO;
CREATE FEATURE count_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE count_7d ENTITY user FROM events AS COUNT(*) WINDOW 7 DAYS SCALE LOG;
CREATE FEATURE count_30d ENTITY user FROM events AS COUNT(*) WINDOW 30 DAYS;
CREATE FEATURE sum_7d ENTITY user FROM events AS SUM(amount) WINDOW 7 DAYS FILL ZERO SCALE LOG;
CREATE FEATURE sum_30d ENTITY user FROM events AS SUM(amount) WINDOW 30 DAYS FILL ZERO;
CREATE FEATURE avg_7d ENTITY user FROM events AS AVG(amount) WINDOW 7 DAYS FILL MEDIAN SCALE ROBUST;
CREATE FEATURE avg_30d ENTITY user FROM events AS AVG(amount) WINDOW 30 DAYS FILL MEAN SCALE STANDARD;
CREATE FEATURE max_1d ENTITY user FROM events AS MAX(amount) WINDOW 1 DAY FILL 0.0 SCALE MINMAX;
CREATE FEATURE min_7d ENTITY user FROM events AS MIN(amount) WINDOW 7 DAYS;
CREATE FEATURE categories_30d ENTITY user FROM events AS COUNT(DISTINCT category) WINDOW 30 DAYS;
CREATE FEATURE web_count_7d ENTITY user FROM events AS COUNT(*) WHERE channel = 'web' WINDOW 7 DAYS;
CREATE FEATURE big_spend_30d ENTITY user FROM events AS SUM(amount) WHERE amount > 100 WINDOW 30 DAYS FILL ZERO;
CREATE FEATURE country ENTITY user FROM users AS country ONE_HOT ('US', 'DE', 'FR', 'GB');
CREATE FEATURE age ENTITY user FROM users AS age FILL MEDIAN SCALE STANDARD;
CREATE FEATURE tier ENTITY user FROM users AS tier ONE_HOT TOP 3;

CREATE LABEL churned ENTITY user FROM outcomes AS churned;

CREATE TRAINING SET churn
  LABEL churned
  FEATURES (last_amount, last_category, last_channel, count_7d, sum_30d, avg_7d, max_1d, categories_30d, country, age, tier);
`;

/** mulberry32: a small deterministic PRNG. */
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

const pad = (n: number) => String(n).padStart(2, '0');
/** `YYYY-MM-DD HH:MM:SS` of epoch milliseconds. */
function timeText(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Writes the project and its data (deterministic) into `dir`. */
export function writeProject(dir: string, keys: number, events: number): void {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'project.fsql'), PROJECT);
  writeFileSync(join(dir, 'fsql.json'), '{}\n');
  const r = prng(11);
  const user = (i: number) => `u${String(i).padStart(7, '0')}`;
  // Every key has at least one event; the rest are skewed towards busy users.
  const lines: string[] = ['event_id,user_id,amount,category,channel,ts'];
  for (let i = 0; i < events; i++) {
    const u = i < keys ? i : Math.floor(r() * r() * keys);
    const amount = r() < 0.05 ? '' : (Math.round(r() * r() * 50_000) / 100).toFixed(2);
    const category = CATEGORIES[Math.floor(r() * r() * CATEGORIES.length)]!;
    const channel = r() < 0.03 ? '' : CHANNELS[Math.floor(r() * CHANNELS.length)]!;
    const ts = START_MS + Math.floor(r() * 60 * 86_400) * 1000;
    lines.push(`e${i},${user(u)},${amount},${category},${channel},${timeText(ts)}`);
  }
  writeFileSync(join(dir, 'data', 'events.csv'), `${lines.join('\n')}\n`);
  const users: string[] = ['user_id,country,age,tier'];
  // One key in twenty has no dimension row.
  for (let i = 0; i < keys; i++) {
    if (r() < 0.05) continue;
    const country = r() < 0.05 ? '' : COUNTRIES[Math.floor(r() * r() * COUNTRIES.length)]!;
    const age = r() < 0.1 ? '' : String(18 + Math.floor(r() * 60));
    users.push(`${user(i)},${country},${age},${TIERS[Math.floor(r() * r() * TIERS.length)]!}`);
  }
  writeFileSync(join(dir, 'data', 'users.csv'), `${users.join('\n')}\n`);
  const outcomes: string[] = ['user_id,ts,churned'];
  for (let i = 0; i < keys; i++) {
    outcomes.push(`${user(Math.floor(r() * keys))},${timeText(START_MS + Math.floor((30 + r() * 30) * 86_400) * 1000)},${r() < 0.2}`);
  }
  writeFileSync(join(dir, 'data', 'outcomes.csv'), `${outcomes.join('\n')}\n`);
}

export interface MaterializeCase {
  readonly target: EngineTarget;
  readonly keys: number;
  readonly events: number;
  readonly repeat: number;
  /** Skip the training-set part. */
  readonly noTraining?: boolean;
}

export interface MaterializeResult {
  readonly target: EngineTarget;
  readonly keys: number;
  readonly events: number;
  readonly features: number;
  readonly columns: number;
  /** keys × output columns per materialize. */
  readonly values: number;
  readonly generateMs: number;
  readonly applyMs: number;
  /** Medians over `repeat` materializations. */
  readonly totalMs: number;
  readonly computeMs: number;
  readonly writeMs: number;
  /** The plan's query alone (runMaterialize: SQL + rows read back), part of compute. */
  readonly queryMs: number;
  /** The same SQL into a temporary table inside the engine: no row crosses into JavaScript. */
  readonly engineOnlyMs: number;
  /** writeSnapshot of the same snapshot, already in memory. */
  readonly storeWriteMs: number;
  /** better-sqlite3: one row per key, pre-encoded blob, unique index, one transaction. */
  readonly rawBlobMs: number;
  /** better-sqlite3: one column per output value, unique index on the key, one transaction. */
  readonly rawWideMs: number;
  readonly onlineBytes: number;
  /** CPU time of this process (every thread) per materialize, median; on a busy machine a steadier measure than wall time. */
  readonly cpuMs: number;
  readonly samples: { total: number[]; compute: number[]; write: number[]; cpu: number[] };
  readonly training?: {
    readonly rows: number;
    readonly columns: number;
    readonly buildMs: number;
    readonly csvMs: number;
    readonly csvBytes: number;
    readonly parquetMs: number;
    readonly parquetBytes: number;
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  gc();
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Inserts the snapshot's vectors into a fresh SQLite file the way `layout` says; returns ms. */
function rawInsert(dir: string, layout: 'blob' | 'wide', snapshot: EntitySnapshot): number {
  const rows = snapshot.rows as readonly SnapshotRow[];
  const path = join(dir, `raw-${layout}.db`);
  rmSync(path, { force: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -32768');
    if (layout === 'blob') {
      // Encoded beforehand: the baseline is SQLite's insert alone.
      const encoder = new VectorEncoder();
      const items = rows.map((r) => [JSON.stringify(r.key), Buffer.from(encoder.encode(r.features as FeatureCell[]))] as const);
      db.exec('CREATE TABLE t (k TEXT NOT NULL, v BLOB NOT NULL)');
      const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
      gc();
      const t0 = performance.now();
      db.transaction(() => {
        for (const [k, v] of items) insert.run(k, v);
        db.exec('CREATE UNIQUE INDEX t_k ON t (k)');
      })();
      return performance.now() - t0;
    }
    const columns = snapshot.features.flatMap((f) => f.columns);
    const items = rows.map((r) => [JSON.stringify(r.key), ...r.features.flatMap((c) => c.values.map((v) => (typeof v === 'boolean' ? Number(v) : v)))]);
    db.exec(`CREATE TABLE t (k TEXT NOT NULL, ${columns.map((_c, i) => `c${i}`).join(', ')})`);
    const insert = db.prepare(`INSERT INTO t VALUES (${['?', ...columns.map(() => '?')].join(', ')})`);
    gc();
    const t0 = performance.now();
    db.transaction(() => {
      for (const item of items) insert.run(item);
      db.exec('CREATE UNIQUE INDEX t_k ON t (k)');
    })();
    return performance.now() - t0;
  } finally {
    db.close();
  }
}

export async function measureMaterialize(c: MaterializeCase): Promise<MaterializeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-bench-materialize-'));
  try {
    const g0 = performance.now();
    writeProject(dir, c.keys, c.events);
    const generateMs = performance.now() - g0;
    const ws = Workspace.open(dir, { engine: c.target, create: true });
    try {
      const apply = await timed(() => applyProject(ws, readProjectFiles(dir, dir)));
      if (apply.value.fitted.length === 0) throw new Error('nothing was fitted');

      // End to end, split by the progress events.
      const total: number[] = [];
      const compute: number[] = [];
      const write: number[] = [];
      const cpu: number[] = [];
      let values = 0;
      let features = 0;
      for (let i = 0; i < c.repeat + 1; i++) {
        let t0 = 0;
        let tWrite = 0;
        gc();
        const cpu0 = process.cpuUsage();
        const started = performance.now();
        const result = await materialize(ws, {
          at: AT,
          onProgress: (p) => {
            if (p.phase === 'computing') t0 = performance.now();
            else if (p.phase === 'writing') tWrite = performance.now();
          },
        });
        const ended = performance.now();
        const used = process.cpuUsage(cpu0);
        values = result[0]!.values;
        features = result[0]!.features;
        if (result[0]!.keys !== c.keys) throw new Error(`materialized ${result[0]!.keys} keys, expected ${c.keys}`);
        if (i === 0) continue; // warm-up
        total.push(ended - started);
        compute.push(tWrite - t0);
        write.push(ended - tWrite);
        cpu.push((used.user + used.system) / 1000);
      }

      // The pieces, on the same data.
      const { catalog } = await ws.catalog();
      const refs = entityFeatures(catalog, 'user');
      const engine = await ws.engine();
      const plan = planMaterialize(catalog, 'user', ws.fitted, { features: refs });
      const query = await timed(() => runMaterialize(engine, plan, { as_of: AT }));
      const sql = new SqlPrinter(dialectFor(engine.target)).statement(lowerMaterialize(plan, dialectFor(engine.target), { as_of: AT }));
      // Into a temporary table, so that every column is computed (a count(*) over the query lets SQLite skip them).
      const engineOnly = await timed(() => engine.execute(`CREATE TEMP TABLE "__bench_only" AS ${sql}`));
      const counted = await engine.query('SELECT count(*) AS n FROM "__bench_only"');
      await engine.execute('DROP TABLE "__bench_only"');
      if (Number(counted[0]!['n']) !== c.keys) throw new Error(`engine-only count ${String(counted[0]!['n'])}, expected ${c.keys}`);

      const snapshot = await computeSnapshot(engine, catalog, ws.fitted, 'user', refs, AT);
      const columns = snapshot.features.reduce((n, f) => n + f.columns.length, 0);
      const store = new SqliteOnlineStore(join(dir, 'store-only.db'));
      let storeWriteMs: number;
      try {
        await store.writeSnapshot('user', snapshot); // warm-up
        storeWriteMs = (await timed(() => store.writeSnapshot('user', snapshot))).ms;
      } finally {
        await store.close();
      }
      const rawBlobMs = median([rawInsert(dir, 'blob', snapshot), rawInsert(dir, 'blob', snapshot), rawInsert(dir, 'blob', snapshot)]);
      const rawWideMs = median([rawInsert(dir, 'wide', snapshot), rawInsert(dir, 'wide', snapshot), rawInsert(dir, 'wide', snapshot)]);
      const onlineDb = new Database(ws.config.online.path, { readonly: true });
      const onlineBytes =
        ((onlineDb.pragma('page_count', { simple: true }) as number) - (onlineDb.pragma('freelist_count', { simple: true }) as number)) * (onlineDb.pragma('page_size', { simple: true }) as number);
      onlineDb.close();

      let training: MaterializeResult['training'];
      if (!c.noTraining) {
        const build = await timed(() => buildTrainingSet(ws, 'churn'));
        const { plan: tplan, table } = build.value;
        const csvPath = join(dir, 'churn.csv');
        const parquetPath = join(dir, 'churn.parquet');
        const csv = await timed(() => writeTableFile(csvPath, 'csv', tplan.columns, table.rows));
        const parquet = await timed(() => writeTableFile(parquetPath, 'parquet', tplan.columns, table.rows));
        training = {
          rows: table.rows.length,
          columns: tplan.columns.length,
          buildMs: build.ms,
          csvMs: csv.ms,
          csvBytes: statSync(csvPath).size,
          parquetMs: parquet.ms,
          parquetBytes: statSync(parquetPath).size,
        };
      }
      return {
        target: c.target,
        keys: c.keys,
        events: c.events,
        features,
        columns,
        values,
        generateMs,
        applyMs: apply.ms,
        totalMs: median(total),
        computeMs: median(compute),
        writeMs: median(write),
        queryMs: query.ms,
        engineOnlyMs: engineOnly.ms,
        storeWriteMs,
        rawBlobMs,
        rawWideMs,
        onlineBytes,
        cpuMs: median(cpu),
        samples: { total, compute, write, cpu },
        ...(training ? { training } : {}),
      };
    } finally {
      await ws.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// The `materialize` workload of bench/run.ts.

type Runner = <T>(workload: string, args: Record<string, string>) => Promise<{ readonly result: T }>;

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const perSec = (n: number, ms: number) => (n * 1000) / ms;

/** Child side: one (engine, size) case; arguments as strings. */
export function measureMaterializeArgs(args: Record<string, string>): Promise<MaterializeResult> {
  return measureMaterialize({
    target: args['target'] as EngineTarget,
    keys: Number(args['keys']),
    events: Number(args['events']),
    repeat: Number(args['repeat'] ?? 3),
    ...(args['noTraining'] === '1' ? { noTraining: true } : {}),
  });
}

export const MATERIALIZE_TARGET = 250_000;
/** Issue 14's goal for materialize into SQLite. */
export const MATERIALIZE_GOAL = 1_000_000;

/** Parent side: SQLite and DuckDB at 20k keys / 100k events and 200k keys / 1M events; prints tables, returns the results. */
export async function runMaterializeWorkload(options: { readonly repeat: number | undefined; readonly quick?: boolean }, run: Runner): Promise<MaterializeResult[]> {
  const sizes = options.quick ? [{ keys: 20_000, events: 100_000 }] : [{ keys: 20_000, events: 100_000 }, { keys: 200_000, events: 1_000_000 }];
  const results: MaterializeResult[] = [];
  for (const target of ['sqlite', 'duckdb'] as const) {
    for (const s of sizes) {
      process.stdout.write(`  materialize: ${target}, ${fmt(s.keys)} keys, ${fmt(s.events)} events … `);
      const t0 = performance.now();
      const { result } = await run<MaterializeResult>('materialize', { target, keys: String(s.keys), events: String(s.events), repeat: String(options.repeat ?? 3) });
      console.log(`${fmt((performance.now() - t0) / 1000, 1)} s: ${fmt(perSec(result.values, result.totalMs))} values/s (compute ${fmt(result.computeMs)} ms, write ${fmt(result.writeMs)} ms; ${fmt(perSec(result.values, result.cpuMs))} values per CPU second)`);
      results.push(result);
    }
  }
  console.log();
  console.log(`Materialize (median of the timed runs; values = keys × output columns; ${results[0]?.features ?? 20} features, ${results[0]?.columns ?? '?'} columns)`);
  console.log('  engine  keys      events     values      apply ms  total ms  values/s   compute ms (query)   write ms  compute %  CPU ms   values/CPU-s');
  for (const r of results) {
    console.log(
      `  ${r.target.padEnd(6)}  ${fmt(r.keys).padStart(7)}  ${fmt(r.events).padStart(9)}  ${fmt(r.values).padStart(9)}  ${fmt(r.applyMs).padStart(8)}  ${fmt(r.totalMs).padStart(8)}  ${fmt(perSec(r.values, r.totalMs)).padStart(9)}  ${fmt(r.computeMs).padStart(10)} (${fmt(r.queryMs).padStart(6)})  ${fmt(r.writeMs).padStart(8)}  ${fmt((r.computeMs / r.totalMs) * 100).padStart(8)}%  ${fmt(r.cpuMs).padStart(6)}  ${fmt(perSec(r.values, r.cpuMs)).padStart(12)}`,
    );
  }
  console.log('  (CPU = user + system time of the process, every thread: DuckDB runs a query on several threads, so its CPU time can exceed its wall time)');
  console.log();
  console.log('Baselines (same values, same process; ratio = baseline time ÷ fsql time, 1× = as fast as the baseline)');
  console.log('  engine  keys      engine-only SQL       store write (in-memory snapshot)  raw SQLite blobs        raw SQLite wide table');
  for (const r of results) {
    const cell = (ms: number, fsqlMs: number) => `${fmt(ms).padStart(6)} ms ${`${fmt(ms / fsqlMs, 2)}×`.padStart(6)}`;
    console.log(
      `  ${r.target.padEnd(6)}  ${fmt(r.keys).padStart(7)}  ${cell(r.engineOnlyMs, r.computeMs)} of compute   ${cell(r.storeWriteMs, r.writeMs)} of write           ${cell(r.rawBlobMs, r.writeMs)} of write   ${cell(r.rawWideMs, r.writeMs)} of write`,
    );
  }
  console.log();
  console.log('Training sets (buildTrainingSet, then writeTableFile)');
  console.log('  engine  labels    columns  build ms  rows/s     CSV ms  CSV rows/s  CSV MB  Parquet ms  Parquet rows/s  Parquet MB');
  for (const r of results) {
    const t = r.training;
    if (!t) continue;
    console.log(
      `  ${r.target.padEnd(6)}  ${fmt(t.rows).padStart(7)}  ${String(t.columns).padStart(7)}  ${fmt(t.buildMs).padStart(8)}  ${fmt(perSec(t.rows, t.buildMs)).padStart(9)}  ${fmt(t.csvMs).padStart(6)}  ${fmt(perSec(t.rows, t.csvMs)).padStart(10)}  ${fmt(t.csvBytes / 1e6, 1).padStart(6)}  ${fmt(t.parquetMs).padStart(10)}  ${fmt(perSec(t.rows, t.parquetMs)).padStart(14)}  ${fmt(t.parquetBytes / 1e6, 1).padStart(10)}`,
    );
  }
  console.log();
  console.log('Targets (reported, not asserted)');
  for (const r of results) {
    const v = perSec(r.values, r.totalMs);
    console.log(`  ${v >= MATERIALIZE_TARGET ? '✓' : '✗'} materialize ≥ ${fmt(MATERIALIZE_TARGET)} values/s (${r.target}, ${fmt(r.keys)} keys): ${fmt(v)} values/s`);
  }
  // Issue 14: into SQLite at ≥ 1M values/s, beside raw better-sqlite3 inserts of the same values in the same run.
  for (const r of results) {
    const v = perSec(r.values, r.totalMs);
    const raw = perSec(r.values, r.rawWideMs);
    console.log(
      `  ${v >= MATERIALIZE_GOAL ? '✓' : '✗'} materialize ≥ ${fmt(MATERIALIZE_GOAL)} values/s (issue 14; ${r.target} engine, ${fmt(r.keys)} keys): ${fmt(v)} values/s (${fmt(perSec(r.values, r.cpuMs))} per CPU-s) = ${fmt(r.rawWideMs / r.totalMs, 2)}× raw better-sqlite3 inserts of the same values (${fmt(raw)} values/s, one column per value, same run)`,
    );
  }
  return results;
}
