/**
 * The engine benchmark (issue 12): one training set of windowed aggregates —
 * COUNT(*) over 1 day, AVG and MAX over 7 days, SUM … WHERE and
 * COUNT(DISTINCT) over 30 days — on every offline engine available, against
 * the best query written by hand for that engine, run in the same process on
 * the same data, and how it grows with the events.
 *
 * The engines come from the backend registry (src/engine/backends.ts): the
 * file engines always run; a server engine runs when
 * `FSQL_BENCH_<TARGET>_URL` or `FSQL_TEST_<TARGET>_URL` is set (e.g.
 * FSQL_TEST_POSTGRES_URL), in a schema of this run's own, dropped after. An
 * engine with no URL is skipped with the reason printed.
 *
 * Per engine and size, in one child process (`--child`): the data generated
 * (deterministic, like bench/training.ts: skewed users, 5 % NULL amounts,
 * whole-second times over 90 days, labels in the last 60), loaded through
 * `Engine.insertRows` (timed: rows/s of the engine's bulk path), the `(key,
 * time)` indexes `apply` creates, then, each timed `repeat` times (median):
 *
 * - `fsql`: the SQL `fsql train` runs (compilePlan for the target);
 * - `fsql aggregate=…`: the same plan lowered with the dialect's other
 *   windowed-aggregate strategies (`correlated`, `join`, `prefix`), to see
 *   whether another one would win on this engine;
 * - `hand …`: the hand-written queries for the engine (HAND below), the
 *   fastest of which is "the best hand-written query".
 *
 * Every query's result is summed per feature column; the sums must agree with
 * fsql's (a query that disagrees is reported, not timed as a baseline).
 *
 *   npm run bench -- --only engines
 *   FSQL_BENCH_ENGINES_EVENTS=1000000,3000000,10000000 FSQL_BENCH_ENGINES_LABELS=20000 npx tsx bench/engines.ts
 *
 * Other variables: FSQL_BENCH_ENGINES_USERS (5000), FSQL_BENCH_ENGINES_REPEAT
 * (3), FSQL_BENCH_ENGINES_ONLY (comma-separated targets),
 * FSQL_BENCH_ENGINES_TIMEOUT (seconds per engine and size, 1800),
 * FSQL_BENCH_ENGINES_ALTERNATIVES=0 (time fsql's plan and the hand-written
 * queries only: for the large sizes), FSQL_BENCH_ENGINES_STRATEGIES (only
 * these alternatives, e.g. `join,foldWhere`), FSQL_BENCH_ENGINES_HAND (only the
 * hand-written queries whose names contain one of these),
 * FSQL_BENCH_ENGINES_WARMUP=0 (no untimed warm-up join).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../src/check/catalog.js';
import { checkText } from '../src/check/project.js';
import { engineBackends, type EngineBackend } from '../src/engine/backends.js';
import type { Engine, EngineTarget, QueryColumn, Row, Value } from '../src/engine/engine.js';
import { planTraining } from '../src/plan/build.js';
import { createIndexes, createViews } from '../src/runtime/run-plan.js';
import { compilePlan } from '../src/sql/compile.js';
import type { Dialect } from '../src/sql/dialect.js';
import { dialectFor } from '../src/sql/dialects/index.js';
import { aggregateChoices, lowerTraining } from '../src/sql/lower-plan.js';
import { relationStatistics } from '../src/runtime/relation-statistics.js';
import { SqlPrinter } from '../src/sql/print.js';
import { rng } from './rng.js';

const DAY = 86_400_000_000;
const START = Date.UTC(2024, 0, 1) * 1000;
const CATEGORIES = Array.from({ length: 50 }, (_v, i) => `c${i}`);

const PROJECT = `
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, category TEXT, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE labels (label_id INTEGER NOT NULL, user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE FEATURE count_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE avg_7d ENTITY user FROM events AS AVG(amount) WINDOW 7 DAYS;
CREATE FEATURE max_7d ENTITY user FROM events AS MAX(amount) WINDOW 7 DAYS;
CREATE FEATURE sum_big_30d ENTITY user FROM events AS SUM(amount) WHERE amount > 100 WINDOW 30 DAYS;
CREATE FEATURE categories_30d ENTITY user FROM events AS COUNT(DISTINCT category) WINDOW 30 DAYS;
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE TRAINING SET engines LABEL y FEATURES (count_1d, avg_7d, max_7d, sum_big_30d, categories_30d);
`;

const FEATURES = ['count_1d', 'avg_7d', 'max_7d', 'sum_big_30d', 'categories_30d'] as const;


/** The events in chunks (a 10M-event set is never held whole), then the labels. Deterministic per (users, events, labels). */
export function* generate(users: number, events: number, labels: number, chunk: number): Generator<{ table: 'events' | 'labels'; rows: Row[] }> {
  const r = rng(12);
  const user = () => `u${String(Math.floor(r() * r() * users)).padStart(6, '0')}`; // skewed: some users are busy
  const time = (from: number) => START + from * DAY + Math.floor((r() * (90 - from) * DAY) / 1_000_000) * 1_000_000;
  for (let start = 0; start < events; start += chunk) {
    const n = Math.min(chunk, events - start);
    const rows: Row[] = new Array(n);
    for (let i = 0; i < n; i++) {
      rows[i] = { user_id: user(), amount: r() < 0.05 ? null : Math.round(r() * r() * 100_000) / 100, category: CATEGORIES[Math.floor(r() * r() * CATEGORIES.length)]!, ts: time(0) };
    }
    yield { table: 'events', rows };
  }
  const lb: Row[] = new Array(labels);
  for (let i = 0; i < labels; i++) lb[i] = { label_id: i + 1, user_id: user(), ts: time(30), y: r() < 0.1 };
  yield { table: 'labels', rows: lb };
}

export function catalog(): Catalog {
  const r = checkText(PROJECT, 'engines.fsql');
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.catalog;
}

// ---------------------------------------------------------------------------
// Hand-written queries, per engine. Each gives one row per label with the
// label's id, key, time, the five features and y. `d(n)` is n days in the
// engine's time arithmetic.

interface Spelling {
  /** `ts - n days` in the engine's SQL. */
  readonly minus: (e: string, days: number) => string;
}

const interval: Spelling = { minus: (e, n) => `${e} - INTERVAL '${n} days'` };
const intervalBare: Spelling = { minus: (e, n) => `${e} - INTERVAL ${n} DAY` };
const micros: Spelling = { minus: (e, n) => `${e} - ${n * DAY}` };

/** One range join over the widest window, grouped per label; each aggregate limited to its own window. */
function rangeJoin(s: Spelling): string {
  return `
SELECT l.label_id, l.user_id, l.ts,
  COUNT(CASE WHEN e.ts > ${s.minus('l.ts', 1)} THEN 1 END) AS count_1d,
  AVG(CASE WHEN e.ts > ${s.minus('l.ts', 7)} THEN e.amount END) AS avg_7d,
  MAX(CASE WHEN e.ts > ${s.minus('l.ts', 7)} THEN e.amount END) AS max_7d,
  SUM(CASE WHEN e.amount > 100 THEN e.amount END) AS sum_big_30d,
  COUNT(DISTINCT e.category) AS categories_30d,
  l.y
FROM labels l LEFT JOIN events e ON e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > ${s.minus('l.ts', 30)}
GROUP BY l.label_id, l.user_id, l.ts, l.y`;
}

/** A correlated scalar subquery per feature: an index range probe each. */
function correlated(s: Spelling): string {
  const w = (n: number) => `e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > ${s.minus('l.ts', n)}`;
  return `
SELECT l.label_id, l.user_id, l.ts,
  (SELECT COUNT(*) FROM events e WHERE ${w(1)}) AS count_1d,
  (SELECT AVG(e.amount) FROM events e WHERE ${w(7)}) AS avg_7d,
  (SELECT MAX(e.amount) FROM events e WHERE ${w(7)}) AS max_7d,
  (SELECT SUM(e.amount) FROM events e WHERE ${w(30)} AND e.amount > 100) AS sum_big_30d,
  (SELECT COUNT(DISTINCT e.category) FROM events e WHERE ${w(30)}) AS categories_30d,
  l.y
FROM labels l`;
}

/** PostgreSQL: one LATERAL subquery per label over its 30 days (one index range scan), FILTER per window. */
const PG_LATERAL = `
SELECT l.label_id, l.user_id, l.ts, x.count_1d, x.avg_7d, x.max_7d, x.sum_big_30d, x.categories_30d, l.y
FROM labels l CROSS JOIN LATERAL (
  SELECT COUNT(*) FILTER (WHERE e.ts > l.ts - INTERVAL '1 day') AS count_1d,
    AVG(e.amount) FILTER (WHERE e.ts > l.ts - INTERVAL '7 days') AS avg_7d,
    MAX(e.amount) FILTER (WHERE e.ts > l.ts - INTERVAL '7 days') AS max_7d,
    SUM(e.amount) FILTER (WHERE e.amount > 100) AS sum_big_30d,
    COUNT(DISTINCT e.category) AS categories_30d
  FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > l.ts - INTERVAL '30 days'
) x`;

/** DuckDB: running totals probed by ASOF for COUNT/AVG/SUM (as bench/windows.ts), a range join for MAX and COUNT(DISTINCT). */
const DUCKDB_PREFIX = `
WITH c AS (
  SELECT user_id, ts,
    sum(count(*)) OVER w AS n_all, sum(count(amount)) OVER w AS n_amt, sum(sum(amount)) OVER w AS s_amt,
    sum(count(amount) FILTER (WHERE amount > 100)) OVER w AS n_big,
    sum(coalesce(sum(amount) FILTER (WHERE amount > 100), 0)) OVER w AS s_big
  FROM events GROUP BY user_id, ts
  WINDOW w AS (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING)
),
r AS (
  SELECT l.label_id, max(e.amount) FILTER (WHERE e.ts > l.ts - INTERVAL 7 DAY) AS max_7d, count(DISTINCT e.category) AS categories_30d
  FROM labels l LEFT JOIN events e ON e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > l.ts - INTERVAL 30 DAY
  GROUP BY l.label_id
)
SELECT l.label_id, l.user_id, l.ts,
  coalesce(e.n_all, 0) - coalesce(d1.n_all, 0) AS count_1d,
  (e.s_amt - coalesce(d7.s_amt, 0)) / nullif(e.n_amt - coalesce(d7.n_amt, 0), 0) AS avg_7d,
  r.max_7d,
  CASE WHEN e.n_big - coalesce(d30.n_big, 0) > 0 THEN e.s_big - coalesce(d30.s_big, 0) END AS sum_big_30d,
  r.categories_30d, l.y
FROM labels l
JOIN r ON r.label_id = l.label_id
ASOF LEFT JOIN c e ON l.user_id = e.user_id AND l.ts >= e.ts
ASOF LEFT JOIN c d1 ON l.user_id = d1.user_id AND l.ts - INTERVAL 1 DAY >= d1.ts
ASOF LEFT JOIN c d7 ON l.user_id = d7.user_id AND l.ts - INTERVAL 7 DAY >= d7.ts
ASOF LEFT JOIN c d30 ON l.user_id = d30.user_id AND l.ts - INTERVAL 30 DAY >= d30.ts`;

/**
 * MariaDB / MySQL 8: window frames over events ∪ labels, partitioned by key and ordered by the time in microseconds
 * (MariaDB's RANGE frames take numbers, not INTERVALs): `RANGE BETWEEN w − 1 µs PRECEDING AND CURRENT ROW` is
 * `t − w < e.ts ≤ t` with the label's peers included. One sort per key, no index probe. COUNT(DISTINCT) has no window
 * form: a correlated subquery per label.
 */
function mysqlFrames(): string {
  const f = (days: number) => `(PARTITION BY user_id ORDER BY tn RANGE BETWEEN ${days * DAY - 1} PRECEDING AND CURRENT ROW)`;
  return `
SELECT w.label_id, w.user_id, w.ts, w.count_1d, w.avg_7d, w.max_7d, w.sum_big_30d,
  (SELECT COUNT(DISTINCT e.category) FROM events e WHERE e.user_id = w.user_id AND e.ts <= w.ts AND e.ts > w.ts - INTERVAL 30 DAY) AS categories_30d,
  w.y
FROM (
  SELECT u.label_id, u.user_id, u.ts, u.y,
    COUNT(u.ev) OVER ${f(1)} AS count_1d,
    AVG(u.amount) OVER ${f(7)} AS avg_7d,
    MAX(u.amount) OVER ${f(7)} AS max_7d,
    SUM(CASE WHEN u.amount > 100 THEN u.amount END) OVER ${f(30)} AS sum_big_30d
  FROM (
    SELECT NULL AS label_id, user_id, ts, TO_SECONDS(ts) * 1000000 + MICROSECOND(ts) AS tn, 1 AS ev, amount, NULL AS y FROM events
    UNION ALL
    SELECT label_id, user_id, ts, TO_SECONDS(ts) * 1000000 + MICROSECOND(ts), NULL, NULL, y FROM labels
  ) u
) w
WHERE w.label_id IS NOT NULL`;
}

/** Spark: window frames over events ∪ labels (RANGE with INTERVALs over the timestamp), COUNT(DISTINCT) as size(collect_set). One shuffle by key and one sort. */
function sparkFrames(): string {
  const f = (days: number) => `(PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL '${days * 86400 - 1}.999999' SECOND PRECEDING AND CURRENT ROW)`;
  return `
SELECT label_id, user_id, ts, count_1d, avg_7d, max_7d, sum_big_30d, categories_30d, y FROM (
  SELECT u.label_id, u.user_id, u.ts, u.y,
    COUNT(u.ev) OVER ${f(1)} AS count_1d,
    AVG(u.amount) OVER ${f(7)} AS avg_7d,
    MAX(u.amount) OVER ${f(7)} AS max_7d,
    SUM(CASE WHEN u.amount > 100 THEN u.amount END) OVER ${f(30)} AS sum_big_30d,
    CAST(SIZE(COLLECT_SET(u.category) OVER ${f(30)}) AS BIGINT) AS categories_30d
  FROM (
    SELECT CAST(NULL AS BIGINT) AS label_id, user_id, ts, 1 AS ev, amount, category, CAST(NULL AS BOOLEAN) AS y FROM events
    UNION ALL
    SELECT label_id, user_id, ts, NULL, NULL, NULL, y FROM labels
  ) u
) w
WHERE label_id IS NOT NULL`;
}

/** Spark: the range join, with a hint to broadcast the labels (no shuffle of the events). */
const sparkBroadcast = rangeJoin(intervalBare).replace('SELECT l.label_id', 'SELECT /*+ BROADCAST(l) */ l.label_id');

/**
 * The hand-written queries by target. A target of the registry missing here
 * (an engine added later) is measured without a baseline, and says so.
 */
export const HAND: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  sqlite: { 'range join': rangeJoin(micros), correlated: correlated(micros) },
  duckdb: { 'range join': rangeJoin(intervalBare), 'prefix + ASOF': DUCKDB_PREFIX },
  postgres: { 'LATERAL + index': PG_LATERAL, correlated: correlated(interval), 'range join': rangeJoin(interval) },
  mysql: { correlated: correlated(intervalBare), 'range join': rangeJoin(intervalBare), 'window frames': mysqlFrames() },
  spark: { 'range join': rangeJoin(intervalBare), 'range join, broadcast labels': sparkBroadcast, 'window frames': sparkFrames() },
};

// ---------------------------------------------------------------------------
// Child: one engine and size

export interface EngineCase {
  readonly target: EngineTarget;
  /** The server's URL, or undefined for a file engine (in memory). */
  readonly url?: string;
  readonly events: number;
  readonly labels: number;
  readonly users: number;
  readonly repeat: number;
  /** Also time fsql's plan lowered with the dialect's other aggregate strategies (default true). */
  readonly alternatives?: boolean;
  /** Only these other strategies (FSQL_BENCH_ENGINES_STRATEGIES=join,correlated); all when undefined. */
  readonly strategies?: readonly string[];
  /** Only the hand-written queries whose names contain one of these (FSQL_BENCH_ENGINES_HAND); all when undefined. */
  readonly hand?: readonly string[];
}

export interface QueryResult {
  readonly name: string;
  readonly kind: 'fsql' | 'alternative' | 'hand';
  readonly ms?: number;
  readonly runs?: number[];
  readonly rows?: number;
  /** Per feature: [sum of the values, count of non-NULL values]. */
  readonly sums?: [number, number][];
  readonly agrees?: boolean;
  readonly error?: string;
}

export interface EngineResult extends EngineCase {
  readonly version: string;
  readonly loadMs: number;
  readonly loadRowsPerSec: number;
  readonly indexMs: number;
  readonly aggregateStrategy: string;
  readonly queries: QueryResult[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function sums(rows: readonly Value[][], at: readonly number[]): [number, number][] {
  return at.map((j) => {
    let s = 0;
    let n = 0;
    for (const r of rows) {
      const v = r[j];
      if (typeof v === 'number') {
        s += v;
        n++;
      }
    }
    return [s, n];
  });
}

const closeTo = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

function agree(a: readonly [number, number][], b: readonly [number, number][]): boolean {
  return a.length === b.length && a.every(([s, n], i) => n === b[i]![1] && closeTo(s, b[i]![0]));
}

const say = (s: string) => process.stderr.write(s);

export async function measureEngine(c: EngineCase): Promise<EngineResult> {
  const backend = engineBackends().find((b) => b.target === c.target);
  if (!backend) throw new Error(`no engine backend ${c.target}`);
  const schema = `fsql_bench_${process.pid}_${Date.now().toString(36)}`;
  const engine: Engine = await backend.open(c.url ?? ':memory:', c.url === undefined ? {} : { schema });
  const cat = catalog();
  try {
    // Load, as `apply` does: tables of the sources, rows through the engine's bulk path, views, then the (key, time) indexes.
    const tables = new Set<string>();
    let loadMs = 0;
    let loaded = 0;
    for (const part of generate(c.users, c.events, c.labels, 500_000)) {
      const rel = cat.relations[part.table];
      if (!rel || rel.kind !== 'source') throw new Error(`no source ${part.table}`);
      if (!tables.has(part.table)) {
        await engine.createTable(rel.name, rel.columns);
        tables.add(part.table);
      }
      const t0 = performance.now();
      await engine.insertRows(rel.name, rel.columns, part.rows);
      loadMs += performance.now() - t0;
      loaded += part.rows.length;
      say(`  ${c.target}: loaded ${loaded.toLocaleString('en-US')} rows\r`);
    }
    say('\n');
    await createViews(engine, cat);
    const plan = planTraining(cat, 'engines', () => undefined);
    const i0 = performance.now();
    await createIndexes(engine, cat, [plan]);
    const indexMs = performance.now() - i0;

    const columns: readonly QueryColumn[] = plan.columns;
    const at = FEATURES.map((f) => columns.findIndex((col) => col.name === f));
    if (at.some((j) => j < 0)) throw new Error(`the plan lacks a feature column (it has ${columns.map((col) => col.name).join(', ')})`);
    const handColumns: QueryColumn[] = FEATURES.map((f) => columns[at[FEATURES.indexOf(f)]!]!);

    const base = dialectFor(c.target);
    // As `fsql train` runs it: statistics of the data first where the engine chooses its strategy from them.
    const s0 = performance.now();
    const relationStats = await relationStatistics(engine, plan);
    const statisticsMs = performance.now() - s0;
    const chosen = relationStats ? aggregateChoices(plan, base, relationStats) : [];
    if (relationStats) say(`  ${c.target}: statistics ${fmt(statisticsMs)} ms: ${chosen.map((x) => `${x.relation} → ${x.prefix.length > 0 ? `running totals for ${x.prefix.join(', ')}` : 'range join'} (estimated: prefix ${fmt(x.costs.prefix / 1e9, 1)}, join ${fmt(x.costs.join / 1e9, 1)})`).join('; ')}\n`);
    const queries: { name: string; kind: QueryResult['kind']; sql: string; columns: readonly QueryColumn[]; at: readonly number[] }[] = [
      { name: 'fsql', kind: 'fsql', sql: compilePlan(plan, c.target, {}, relationStats ? { relationStatistics: relationStats } : {}).sql, columns, at },
    ];
    for (const aggregate of ['correlated', 'join', 'prefix', 'lateral'] as const) {
      if ((aggregate === base.strategies.aggregate && relationStats === undefined) || c.alternatives === false) continue;
      if (c.strategies !== undefined && !c.strategies.includes(aggregate)) continue;
      const dialect: Dialect = { ...base, strategies: { ...base.strategies, aggregate } };
      try {
        queries.push({ name: `fsql aggregate=${aggregate}`, kind: 'alternative', sql: new SqlPrinter(dialect).statement(lowerTraining(plan, dialect)), columns, at });
      } catch (e) {
        queries.push({ name: `fsql aggregate=${aggregate}`, kind: 'alternative', sql: '', columns, at });
        say(`  ${c.target}: aggregate=${aggregate} does not lower: ${(e as Error).message}\n`);
      }
    }
    if (base.strategies.foldWhere !== undefined && c.alternatives !== false && (c.strategies === undefined || c.strategies.includes('foldWhere'))) {
      // The same strategy with the other foldWhere setting (one range join per WHERE, or one for every WHERE).
      const foldWhere = !base.strategies.foldWhere;
      const dialect: Dialect = { ...base, strategies: { ...base.strategies, foldWhere } };
      queries.push({ name: `fsql foldWhere=${foldWhere}`, kind: 'alternative', sql: new SqlPrinter(dialect).statement(lowerTraining(plan, dialect)), columns, at });
    }
    for (const [name, sql] of Object.entries(HAND[c.target] ?? {})) if (c.hand === undefined || c.hand.some((h) => name.includes(h))) queries.push({ name: `hand ${name}`, kind: 'hand', sql, columns: handColumns, at: FEATURES.map((_f, j) => j) });

    // Warm-up, untimed: the range join written by hand over 1,000 labels (Spark's first join of a session is several
    // seconds slower: JIT, code generation), so that the first timed query is not charged for it.
    const warm = HAND[c.target]?.['range join'];
    if (warm !== undefined && process.env['FSQL_BENCH_ENGINES_WARMUP'] !== '0') {
      await engine.queryValues(warm.replace('FROM labels l ', 'FROM (SELECT * FROM labels WHERE label_id <= 1000) l '), handColumns).catch(() => undefined);
    }
    // Rounds: each query once per round, in turn, so that a change in the machine's load is spread over all of them.
    const runs = new Map<string, number[]>();
    const last = new Map<string, Value[][]>();
    const failed = new Map<string, string>();
    for (let round = 0; round < c.repeat; round++) {
      for (const q of queries) {
        if (q.sql === '' || failed.has(q.name)) continue;
        say(`  ${c.target} round ${round + 1}: ${q.name} …`);
        try {
          const t0 = performance.now();
          const rows = await engine.queryValues(q.sql, q.columns);
          const ms = performance.now() - t0;
          runs.set(q.name, [...(runs.get(q.name) ?? []), ms]);
          last.set(q.name, rows);
          say(` ${Math.round(ms).toLocaleString('en-US')} ms\n`);
        } catch (e) {
          failed.set(q.name, (e as Error).message.split('\n')[0]!);
          say(` failed: ${failed.get(q.name)}\n`);
        }
      }
    }
    const results: QueryResult[] = [];
    let reference: [number, number][] | undefined;
    for (const q of queries) {
      const rows = last.get(q.name);
      const times = runs.get(q.name);
      if (q.sql === '' || rows === undefined || times === undefined) {
        results.push({ name: q.name, kind: q.kind, error: q.sql === '' ? 'does not lower for this target' : failed.get(q.name) });
        continue;
      }
      const s = sums(rows, q.at);
      reference ??= s;
      const agrees = agree(s, reference) && rows.length === c.labels;
      results.push({ name: q.name, kind: q.kind, ms: median(times), runs: times, rows: rows.length, sums: s, agrees });
      if (!agrees) say(`  ${c.target}: ${q.name} DISAGREES with fsql\n`);
    }
    if (c.url !== undefined) {
      // This run's schema and everything in it.
      await engine.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => engine.execute(`DROP SCHEMA IF EXISTS ${schema}`).catch(() => undefined));
    }
    return {
      ...c,
      url: undefined,
      version: engine.version,
      loadMs,
      loadRowsPerSec: (loaded / loadMs) * 1000,
      indexMs,
      aggregateStrategy: relationStats ? `${base.strategies.aggregate} or join from statistics (${fmt(statisticsMs)} ms): ${chosen.map((x) => (x.prefix.length > 0 ? `prefix for ${x.prefix.join(', ')}` : 'join')).join('; ')}` : base.strategies.aggregate,
      queries: results,
    };
  } finally {
    await engine.close();
  }
}

// ---------------------------------------------------------------------------
// Parent: every engine and size, each in a child process

/** The URL a server engine is benchmarked on, from the environment; undefined when none is set. */
function serverUrl(b: EngineBackend): string | undefined {
  const t = b.target.toUpperCase();
  return process.env[`FSQL_BENCH_${t}_URL`] || process.env[`FSQL_TEST_${t}_URL`] || undefined;
}

function inChild(c: EngineCase, timeoutMs: number): Promise<EngineResult | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', JSON.stringify(c)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(undefined);
      else if (code !== 0) reject(new Error(`${c.target} at ${c.events} events failed (exit ${code})`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as EngineResult);
    });
  });
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export interface EnginesOptions {
  readonly events: readonly number[];
  readonly labels: number;
  readonly users: number;
  readonly repeat: number;
  readonly only?: readonly string[];
  readonly timeoutSeconds: number;
  readonly alternatives: boolean;
  readonly strategies?: readonly string[];
  readonly hand?: readonly string[];
}

export function enginesOptionsFromEnv(quick = false): EnginesOptions {
  const env = process.env;
  const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    events: list(env['FSQL_BENCH_ENGINES_EVENTS'])?.map(Number) ?? (quick ? [100_000, 300_000] : [100_000, 1_000_000]),
    labels: Number(env['FSQL_BENCH_ENGINES_LABELS'] ?? 20_000),
    users: Number(env['FSQL_BENCH_ENGINES_USERS'] ?? 5_000),
    repeat: Number(env['FSQL_BENCH_ENGINES_REPEAT'] ?? 3),
    only: list(env['FSQL_BENCH_ENGINES_ONLY']),
    timeoutSeconds: Number(env['FSQL_BENCH_ENGINES_TIMEOUT'] ?? 1800),
    alternatives: env['FSQL_BENCH_ENGINES_ALTERNATIVES'] !== '0',
    strategies: list(env['FSQL_BENCH_ENGINES_STRATEGIES']),
    hand: list(env['FSQL_BENCH_ENGINES_HAND']),
  };
}

/** Parent side: prints a table per engine, the ratios and the growth; returns the results (bench/results/engines.json). */
export async function runEnginesWorkload(o: EnginesOptions): Promise<unknown> {
  const results: EngineResult[] = [];
  const skipped: { target: string; reason: string }[] = [];
  for (const b of engineBackends()) {
    if (o.only && !o.only.includes(b.target)) continue;
    const url = b.location === 'url' ? serverUrl(b) : undefined;
    if (b.location === 'url' && url === undefined) {
      const reason = `no server: set FSQL_BENCH_${b.target.toUpperCase()}_URL or FSQL_TEST_${b.target.toUpperCase()}_URL`;
      skipped.push({ target: b.target, reason });
      console.error(`${b.label}: skipped (${reason})`);
      continue;
    }
    for (const events of o.events) {
      console.error(`${b.label}: ${fmt(events)} events, ${fmt(o.labels)} labels, ${fmt(o.users)} users`);
      try {
        const r = await inChild({ target: b.target, url, events, labels: o.labels, users: o.users, repeat: o.repeat, alternatives: o.alternatives, strategies: o.strategies, hand: o.hand }, o.timeoutSeconds * 1000);
        if (r) results.push(r);
        else skipped.push({ target: b.target, reason: `${fmt(events)} events: stopped after ${o.timeoutSeconds} s` });
      } catch (e) {
        skipped.push({ target: b.target, reason: (e as Error).message });
        console.error(`${b.label}: ${(e as Error).message}`);
      }
    }
  }

  console.log(`\nengines: training set of ${fmt(o.labels)} labels × COUNT 1d, AVG 7d, MAX 7d, SUM WHERE 30d, COUNT DISTINCT 30d (${fmt(o.users)} users, 90 days); median of ${o.repeat}`);
  for (const r of results) {
    const fsql = r.queries.find((q) => q.kind === 'fsql');
    const hands = r.queries.filter((q) => q.kind === 'hand' && q.ms !== undefined && q.agrees);
    const best = hands.reduce<QueryResult | undefined>((a, q) => (a === undefined || q.ms! < a.ms! ? q : a), undefined);
    console.log(`\n${r.target} ${r.version} — ${fmt(r.events)} events: load ${fmt(r.loadRowsPerSec)} rows/s (${fmt(r.loadMs)} ms), indexes ${fmt(r.indexMs)} ms; fsql's aggregate strategy: ${r.aggregateStrategy}`);
    for (const q of r.queries) {
      const time = q.ms !== undefined ? `${fmt(q.ms)} ms` : `failed: ${q.error ?? ''}`.slice(0, 100);
      const vs = q.ms !== undefined && fsql?.ms !== undefined && q !== fsql ? `fsql ÷ this = ${fmt(fsql.ms / q.ms, 2)}` : '';
      console.log(`  ${q.name.padEnd(26)} ${time.padStart(12)}  ${vs}${q.agrees === false ? '  (result DISAGREES with fsql)' : ''}`);
    }
    if (fsql?.ms !== undefined && best) console.log(`  ratio: fsql ÷ best hand-written (${best.name.slice(5)}) = ${fmt(fsql.ms / best.ms!, 2)} (goal ≤ 1.5)`);
    else if (fsql?.ms !== undefined) console.log(`  ratio: no hand-written query for ${r.target} that agrees with fsql`);
  }
  const targets = [...new Set(results.map((r) => r.target))];
  for (const target of targets) {
    const rows = results.filter((r) => r.target === target).sort((a, b) => a.events - b.events);
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!;
      const b = rows[i]!;
      const fa = a.queries.find((q) => q.kind === 'fsql')?.ms;
      const fb = b.queries.find((q) => q.kind === 'fsql')?.ms;
      if (fa !== undefined && fb !== undefined) console.log(`growth ${target}: ${fmt(a.events)} → ${fmt(b.events)} events (${fmt(b.events / a.events, 1)}×) cost fsql ${fmt(fb / fa, 2)}× the time`);
    }
  }
  for (const s of skipped) console.log(`skipped ${s.target}: ${s.reason}`);
  return { options: o, results, skipped };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    const result = await measureEngine(JSON.parse(process.argv[child + 1]!) as EngineCase);
    console.log(JSON.stringify(result));
  } else {
    const { writeFileSync, mkdirSync } = await import('node:fs');
    const { join, dirname } = await import('node:path');
    const results = await runEnginesWorkload(enginesOptionsFromEnv(process.argv.includes('--quick')));
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'engines.json'), `${JSON.stringify({ workload: 'engines', date: new Date().toISOString(), results }, null, 2)}\n`);
  }
}
