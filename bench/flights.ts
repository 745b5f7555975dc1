/**
 * The issue-14 training set on real data: the 3M US flights of
 * `flights3m()` (bench/public-data.ts; 229 origin airports, ORD with 166k
 * flights), entity the origin airport, five windowed features — COUNT(*)
 * over 1 day, AVG(delay) 7 days, MAX(delay) 7 days, SUM(distance) WHERE
 * delay > 15 over 30 days, COUNT(DISTINCT destination) 30 days — and 20k
 * labels: origins drawn like the flights (busy airports get more labels) at
 * whole-second times in the last three months of the data. Deterministic.
 *
 * Loaded into SQLite and DuckDB through the engine (`Engine.insertRows`, the
 * `(key, time)` indexes `apply` creates), then timed, each query in its own
 * child process (its peak RSS is its own; a query over its time limit is
 * stopped and reported, not waited for), median of `repeat` runs:
 *
 * - `fsql`: the SQL `fsql train` runs (compilePlan for the target, given the
 *   relations' statistics `fsql train` reads first; that query's time is added);
 * - `fsql, no frames`: the same plan without window frames for MIN / MAX /
 *   COUNT(DISTINCT) (`strategies.frames` off: the range join, as before);
 * - `fsql, COUNT(DISTINCT) by range join` (SQLite): frames for MAX, but
 *   COUNT(DISTINCT) by the range join instead of a correlated probe per label;
 * - `fsql aggregate=join`: COUNT / AVG / SUM through the range join instead
 *   of running totals (frames as in `fsql`);
 * - hand-written queries for the engine (HAND below): the range join, window
 *   frames over flights ∪ labels, and on DuckDB prefix sums + ASOF.
 *
 * Every result's per-feature sums (and counts of non-NULL values) must equal
 * fsql's, doubles to 1e-9 relative; a disagreement is printed and recorded.
 *
 *   npm run bench -- --only flights
 *   FSQL_BENCH_FLIGHTS_EVENTS=300000 FSQL_BENCH_FLIGHTS_LABELS=5000 npx tsx bench/flights.ts   (a quick run)
 *
 * Variables: FSQL_BENCH_FLIGHTS_EVENTS (3000000: the first N rows of the
 * file), FSQL_BENCH_FLIGHTS_LABELS (20000), FSQL_BENCH_FLIGHTS_REPEAT (3),
 * FSQL_BENCH_FLIGHTS_TIMEOUT (seconds per query case, 900),
 * FSQL_BENCH_FLIGHTS_ONLY (sqlite,duckdb), FSQL_BENCH_FLIGHTS_QUERIES (only
 * the cases whose names contain one of these, comma-separated).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Catalog } from '../src/check/catalog.js';
import { checkText } from '../src/check/project.js';
import type { EngineTarget, QueryColumn, Row, Value } from '../src/engine/engine.js';
import { openEngine } from '../src/engine/open.js';
import { planTraining } from '../src/plan/build.js';
import { createIndexes } from '../src/runtime/run-plan.js';
import { compilePlan } from '../src/sql/compile.js';
import { relationStatistics } from '../src/runtime/relation-statistics.js';
import type { RelationStatistics } from '../src/sql/choose-aggregate.js';
import type { Dialect } from '../src/sql/dialect.js';
import { dialectFor } from '../src/sql/dialects/index.js';
import { lowerTraining } from '../src/sql/lower-plan.js';
import { SqlPrinter } from '../src/sql/print.js';
import { flights3m } from './public-data.js';
import { rng } from './rng.js';

const DAY = 86_400_000_000;

const PROJECT = `
CREATE ENTITY airport KEY (origin TEXT);
CREATE SOURCE flights (ts TIMESTAMP NOT NULL, delay INTEGER, distance INTEGER, origin TEXT NOT NULL, destination TEXT) FROM STREAM EVENT TIME ts;
CREATE SOURCE labels (label_id INTEGER NOT NULL, origin TEXT NOT NULL, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE FEATURE flights_1d ENTITY airport FROM flights AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE avg_delay_7d ENTITY airport FROM flights AS AVG(delay) WINDOW 7 DAYS;
CREATE FEATURE max_delay_7d ENTITY airport FROM flights AS MAX(delay) WINDOW 7 DAYS;
CREATE FEATURE late_distance_30d ENTITY airport FROM flights AS SUM(distance) WHERE delay > 15 WINDOW 30 DAYS;
CREATE FEATURE destinations_30d ENTITY airport FROM flights AS COUNT(DISTINCT destination) WINDOW 30 DAYS;
CREATE LABEL y ENTITY airport FROM labels AS y;
CREATE TRAINING SET delays LABEL y FEATURES (flights_1d, avg_delay_7d, max_delay_7d, late_distance_30d, destinations_30d);
`;

const FEATURES = ['flights_1d', 'avg_delay_7d', 'max_delay_7d', 'late_distance_30d', 'destinations_30d'] as const;

function catalog(): Catalog {
  const r = checkText(PROJECT, 'flights.fsql');
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.catalog;
}


/** The first `events` flights of the file (read with DuckDB), and `labels` labels drawn from them. */
async function data(events: number, labels: number): Promise<{ flights: Row[]; labels: Row[] }> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const path = flights3m().replace(/'/g, "''");
  const reader = await c.runAndReadAll(
    `SELECT CAST(epoch_us(date) AS DOUBLE), CAST(delay AS DOUBLE), CAST(distance AS DOUBLE), origin, destination FROM read_parquet('${path}') LIMIT ${Math.floor(events)}`,
  );
  const flights: Row[] = reader.getRows().map((r) => ({ ts: r[0] as number, delay: r[1] as number | null, distance: r[2] as number | null, origin: r[3] as string, destination: r[4] as string | null }));
  c.closeSync();
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const f of flights) {
    lo = Math.min(lo, f.ts as number);
    hi = Math.max(hi, f.ts as number);
  }
  // The last three months (after 30 days of history), or the later half of a short prefix.
  const from = hi - lo > 120 * DAY ? hi - 90 * DAY : lo + (hi - lo) / 2;
  const r = rng(14);
  const lb: Row[] = new Array(labels);
  for (let i = 0; i < labels; i++) {
    const origin = flights[Math.floor(r() * flights.length)]!.origin as string;
    lb[i] = { label_id: i + 1, origin, ts: from + Math.floor((r() * (hi - from)) / 1_000_000) * 1_000_000, y: r() < 0.2 };
  }
  return { flights, labels: lb };
}

// ---------------------------------------------------------------------------
// Hand-written queries. Each gives one row per label: label_id, origin, ts, the five features, y.

const minus = (target: EngineTarget, e: string, days: number) => (target === 'sqlite' ? `${e} - ${days * DAY}` : `${e} - INTERVAL ${days} DAY`);

/** One range join over the widest window, grouped per label; each aggregate limited to its own window. */
function rangeJoin(target: EngineTarget): string {
  const m = (e: string, n: number) => minus(target, e, n);
  return `
SELECT l.label_id, l.origin, l.ts,
  COUNT(CASE WHEN f.ts > ${m('l.ts', 1)} THEN 1 END) AS flights_1d,
  AVG(CASE WHEN f.ts > ${m('l.ts', 7)} THEN f.delay END) AS avg_delay_7d,
  MAX(CASE WHEN f.ts > ${m('l.ts', 7)} THEN f.delay END) AS max_delay_7d,
  SUM(CASE WHEN f.delay > 15 THEN f.distance END) AS late_distance_30d,
  COUNT(DISTINCT f.destination) AS destinations_30d,
  l.y
FROM labels l LEFT JOIN flights f ON f.origin = l.origin AND f.ts <= l.ts AND f.ts > ${m('l.ts', 30)}
GROUP BY l.label_id, l.origin, l.ts, l.y
ORDER BY l.label_id`;
}

/**
 * Window frames over flights ∪ labels: `RANGE BETWEEN w − 1 µs PRECEDING AND CURRENT ROW` is t − w < f.ts ≤ t, the
 * label's peers (flights at its time) included. SQLite has no DISTINCT window aggregate: a correlated subquery per label.
 */
function frames(target: EngineTarget): string {
  const off = (days: number) => (target === 'sqlite' ? `${days * DAY - 1}` : `(INTERVAL (${days * DAY - 1}) MICROSECOND)`);
  const f = (days: number) => `(PARTITION BY origin ORDER BY ts RANGE BETWEEN ${off(days)} PRECEDING AND CURRENT ROW)`;
  const distinct =
    target === 'sqlite'
      ? `(SELECT COUNT(DISTINCT x.destination) FROM flights x WHERE x.origin = w.origin AND x.ts <= w.ts AND x.ts > ${minus(target, 'w.ts', 30)})`
      : 'w.destinations_30d';
  return `
SELECT w.label_id, w.origin, w.ts, w.flights_1d, w.avg_delay_7d, w.max_delay_7d, w.late_distance_30d, ${distinct} AS destinations_30d, w.y
FROM (
  SELECT u.label_id, u.origin, u.ts, u.y,
    COUNT(u.ev) OVER ${f(1)} AS flights_1d,
    AVG(u.delay) OVER ${f(7)} AS avg_delay_7d,
    MAX(u.delay) OVER ${f(7)} AS max_delay_7d,
    SUM(CASE WHEN u.delay > 15 THEN u.distance END) OVER ${f(30)} AS late_distance_30d${target === 'sqlite' ? '' : `,\n    COUNT(DISTINCT u.destination) OVER ${f(30)} AS destinations_30d`}
  FROM (
    SELECT NULL AS label_id, origin, ts, 1 AS ev, delay, distance, destination, NULL AS y FROM flights
    UNION ALL
    SELECT label_id, origin, ts, NULL, NULL, NULL, NULL, y FROM labels
  ) u
) w
WHERE w.label_id IS NOT NULL
ORDER BY w.label_id`;
}

/** DuckDB: running totals probed by ASOF for COUNT / AVG / SUM; MAX and COUNT(DISTINCT) by `rest` (frames or the range join). */
function prefixAsof(rest: 'frames' | 'range join'): string {
  const r =
    rest === 'frames'
      ? `SELECT label_id, max_delay_7d, destinations_30d FROM (
    SELECT u.label_id,
      MAX(u.delay) OVER (PARTITION BY origin ORDER BY ts RANGE BETWEEN (INTERVAL (${7 * DAY - 1}) MICROSECOND) PRECEDING AND CURRENT ROW) AS max_delay_7d,
      COUNT(DISTINCT u.destination) OVER (PARTITION BY origin ORDER BY ts RANGE BETWEEN (INTERVAL (${30 * DAY - 1}) MICROSECOND) PRECEDING AND CURRENT ROW) AS destinations_30d
    FROM (SELECT NULL AS label_id, origin, ts, delay, destination FROM flights UNION ALL SELECT label_id, origin, ts, NULL, NULL FROM labels) u
  ) WHERE label_id IS NOT NULL`
      : `SELECT l.label_id, max(f.delay) FILTER (WHERE f.ts > l.ts - INTERVAL 7 DAY) AS max_delay_7d, count(DISTINCT f.destination) AS destinations_30d
  FROM labels l LEFT JOIN flights f ON f.origin = l.origin AND f.ts <= l.ts AND f.ts > l.ts - INTERVAL 30 DAY
  GROUP BY l.label_id`;
  return `
WITH c AS (
  SELECT origin, ts,
    sum(count(*)) OVER w AS n_all, sum(count(delay)) OVER w AS n_delay, sum(sum(delay)) OVER w AS s_delay,
    sum(count(distance) FILTER (WHERE delay > 15)) OVER w AS n_late,
    sum(coalesce(sum(distance) FILTER (WHERE delay > 15), 0)) OVER w AS s_late
  FROM flights GROUP BY origin, ts
  WINDOW w AS (PARTITION BY origin ORDER BY ts ROWS UNBOUNDED PRECEDING)
),
r AS (${r})
SELECT l.label_id, l.origin, l.ts,
  coalesce(e.n_all, 0) - coalesce(d1.n_all, 0) AS flights_1d,
  (e.s_delay - coalesce(d7.s_delay, 0)) / nullif(e.n_delay - coalesce(d7.n_delay, 0), 0) AS avg_delay_7d,
  r.max_delay_7d,
  CASE WHEN e.n_late - coalesce(d30.n_late, 0) > 0 THEN e.s_late - coalesce(d30.s_late, 0) END AS late_distance_30d,
  coalesce(r.destinations_30d, 0) AS destinations_30d, l.y
FROM labels l
LEFT JOIN r ON r.label_id = l.label_id
ASOF LEFT JOIN c e ON l.origin = e.origin AND l.ts >= e.ts
ASOF LEFT JOIN c d1 ON l.origin = d1.origin AND l.ts - INTERVAL 1 DAY >= d1.ts
ASOF LEFT JOIN c d7 ON l.origin = d7.origin AND l.ts - INTERVAL 7 DAY >= d7.ts
ASOF LEFT JOIN c d30 ON l.origin = d30.origin AND l.ts - INTERVAL 30 DAY >= d30.ts
ORDER BY l.label_id`;
}

/** The cases per engine: fsql's plan, its alternatives, the hand-written queries. */
function cases(target: EngineTarget): string[] {
  const hand = target === 'duckdb' ? ['hand range join', 'hand window frames', 'hand prefix + ASOF + frames', 'hand prefix + ASOF + range join'] : ['hand range join', 'hand window frames'];
  const distinctJoin = dialectFor(target).strategies.frames?.countDistinct === 'correlated' ? ['fsql, COUNT(DISTINCT) by range join'] : [];
  return ['fsql', 'fsql, no frames', ...distinctJoin, 'fsql aggregate=join', ...hand];
}

function sqlOf(target: EngineTarget, name: string, cat: Catalog, stats?: readonly RelationStatistics[]): { sql: string; fsql: boolean } {
  const plan = planTraining(cat, 'delays', () => undefined);
  const base = dialectFor(target);
  const lower = (d: Dialect) => new SqlPrinter(d).statement(lowerTraining(plan, d));
  switch (name) {
    case 'fsql':
      return { sql: compilePlan(plan, target, {}, stats ? { relationStatistics: stats } : {}).sql, fsql: true };
    case 'fsql, no frames': {
      const { frames: _off, ...strategies } = base.strategies;
      return { sql: lower({ ...base, strategies }), fsql: true };
    }
    case 'fsql, COUNT(DISTINCT) by range join':
      return { sql: lower({ ...base, strategies: { ...base.strategies, frames: { minMax: true, countDistinct: 'join' } } }), fsql: true };
    case 'fsql aggregate=join':
      return { sql: lower({ ...base, strategies: { ...base.strategies, aggregate: 'join' } }), fsql: true };
    case 'hand range join':
      return { sql: rangeJoin(target), fsql: false };
    case 'hand window frames':
      return { sql: frames(target), fsql: false };
    case 'hand prefix + ASOF + frames':
      return { sql: prefixAsof('frames'), fsql: false };
    case 'hand prefix + ASOF + range join':
      return { sql: prefixAsof('range join'), fsql: false };
  }
  throw new Error(`no case ${name}`);
}

// ---------------------------------------------------------------------------
// Child: one engine and query

export interface FlightsCase {
  readonly target: EngineTarget;
  readonly query: string;
  readonly events: number;
  readonly labels: number;
  readonly repeat: number;
}

export interface FlightsResult extends FlightsCase {
  readonly version: string;
  readonly loadMs: number;
  readonly ms: number;
  readonly runs: number[];
  readonly rows: number;
  /** Per feature: [sum of the values, count of non-NULL values]. */
  readonly sums: [number, number][];
  /** Peak resident memory of the child (MB): after loading, and at the end (the query's peak). */
  readonly rssLoadedMb: number;
  readonly rssPeakMb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;
const say = (s: string) => process.stderr.write(s);

export async function measureFlights(c: FlightsCase): Promise<FlightsResult> {
  const cat = catalog();
  const d = await data(c.events, c.labels);
  const engine = await openEngine(c.target);
  try {
    const l0 = performance.now();
    for (const [name, rows] of [['flights', d.flights], ['labels', d.labels]] as const) {
      const rel = cat.relations[name];
      if (!rel || rel.kind !== 'source') throw new Error(`no source ${name}`);
      await engine.createTable(rel.name, rel.columns);
      for (let i = 0; i < rows.length; i += 500_000) await engine.insertRows(rel.name, rel.columns, rows.slice(i, i + 500_000));
    }
    const plan = planTraining(cat, 'delays', () => undefined);
    await createIndexes(engine, cat, [plan]);
    const loadMs = performance.now() - l0;
    d.flights.length = 0;
    const rssLoadedMb = maxRssMb();
    // `fsql train` first reads the relations' statistics (the strategy chooser's input): timed with the query.
    const s0 = performance.now();
    const stats = c.query === 'fsql' ? await relationStatistics(engine, plan) : undefined;
    const statisticsMs = performance.now() - s0;
    const { sql, fsql } = sqlOf(c.target, c.query, cat, stats);
    const at = FEATURES.map((f) => plan.columns.findIndex((col) => col.name === f));
    const columns: readonly QueryColumn[] = fsql ? plan.columns : [{ name: 'label_id', type: 'INTEGER' }, plan.columns[0]!, plan.columns[1]!, ...at.map((j) => plan.columns[j]!), plan.columns[plan.columns.length - 1]!];
    const pick = fsql ? at : FEATURES.map((_f, j) => j + 3);
    const runs: number[] = [];
    let rows: Value[][] = [];
    for (let i = 0; i < c.repeat; i++) {
      const t0 = performance.now();
      rows = await engine.queryValues(sql, columns);
      runs.push(performance.now() - t0 + statisticsMs);
    }
    const sums = pick.map((j): [number, number] => {
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
    return { ...c, version: engine.version, loadMs, ms: median(runs), runs, rows: rows.length, sums, rssLoadedMb, rssPeakMb: maxRssMb() };
  } finally {
    await engine.close();
  }
}

function inChild(c: FlightsCase, timeoutMs: number): Promise<FlightsResult | { error: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, '--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', JSON.stringify(c)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ error: `stopped after ${Math.round(timeoutMs / 1000)} s` });
      else if (code !== 0) resolve({ error: `failed (exit ${code})` });
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as FlightsResult);
    });
  });
}

// ---------------------------------------------------------------------------
// Parent

export interface FlightsOptions {
  readonly events: number;
  readonly labels: number;
  readonly repeat: number;
  readonly timeoutSeconds: number;
  readonly only: readonly EngineTarget[];
  readonly queries?: readonly string[];
}

export function flightsOptionsFromEnv(): FlightsOptions {
  const env = process.env;
  const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    events: Number(env['FSQL_BENCH_FLIGHTS_EVENTS'] ?? 3_000_000),
    labels: Number(env['FSQL_BENCH_FLIGHTS_LABELS'] ?? 20_000),
    repeat: Number(env['FSQL_BENCH_FLIGHTS_REPEAT'] ?? 3),
    timeoutSeconds: Number(env['FSQL_BENCH_FLIGHTS_TIMEOUT'] ?? 900),
    only: (list(env['FSQL_BENCH_FLIGHTS_ONLY']) ?? ['sqlite', 'duckdb']) as EngineTarget[],
    ...(env['FSQL_BENCH_FLIGHTS_QUERIES'] ? { queries: list(env['FSQL_BENCH_FLIGHTS_QUERIES'])! } : {}),
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const closeTo = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Prints a table per engine, the agreement of every result with fsql's, and the goals' ratios; returns the results (bench/results/flights.json). */
export async function runFlightsWorkload(o: FlightsOptions): Promise<unknown> {
  flights3m(); // fetched once, before the children start
  const results: { target: EngineTarget; query: string; result: FlightsResult | { error: string }; agrees?: boolean }[] = [];
  say(`flights: the first ${fmt(o.events)} flights × ${fmt(o.labels)} labels, ${o.repeat} runs each, every query in its own process\n`);
  for (const target of o.only) {
    let reference: [number, number][] | undefined;
    for (const query of cases(target)) {
      if (o.queries !== undefined && query !== 'fsql' && !o.queries.some((q) => query.includes(q))) continue;
      say(`  ${target} ${query} … `);
      const result = await inChild({ target, query, events: o.events, labels: o.labels, repeat: o.repeat }, o.timeoutSeconds * 1000);
      let agrees: boolean | undefined;
      if ('sums' in result) {
        reference ??= result.sums;
        agrees = result.rows === o.labels && result.sums.every(([s, n], i) => n === reference![i]![1] && closeTo(s, reference![i]![0]));
        say(`${fmt(result.ms)} ms (load ${fmt(result.loadMs)} ms, peak RSS ${fmt(result.rssPeakMb)} MB)${agrees ? '' : ' — DISAGREES with fsql'}\n`);
      } else say(`${result.error}\n`);
      results.push({ target, query, result, ...(agrees !== undefined ? { agrees } : {}) });
    }
  }
  console.log(`\nflights (issue 14): the first ${fmt(o.events)} rows of flights-3m × ${fmt(o.labels)} labels; COUNT 1d, AVG 7d, MAX 7d, SUM WHERE 30d, COUNT(DISTINCT) 30d`);
  console.log('engine  query                               median time   peak RSS (loaded → peak)  agrees');
  for (const r of results) {
    const x = r.result;
    const ok = 'ms' in x;
    console.log(`${r.target.padEnd(7)} ${r.query.padEnd(35)} ${(ok ? `${fmt(x.ms)} ms` : x.error).padStart(12)}  ${(ok ? `${fmt(x.rssLoadedMb)} → ${fmt(x.rssPeakMb)} MB` : '').padStart(24)}  ${r.agrees === undefined ? '' : r.agrees ? 'yes' : 'NO'}`);
  }
  const ms = (target: EngineTarget, query: string) => {
    const x = results.find((r) => r.target === target && r.query === query)?.result;
    return x && 'ms' in x ? x : undefined;
  };
  const duck = ms('duckdb', 'fsql');
  const hand = ms('duckdb', 'hand prefix + ASOF + frames');
  const lite = ms('sqlite', 'fsql');
  if (duck && hand) console.log(`goal: DuckDB fsql ÷ hand prefix + ASOF (+ frames for MAX / COUNT DISTINCT) = ${fmt(duck.ms / hand.ms, 2)} (≤ 1.2)`);
  const bestHand = results.filter((r) => r.target === 'duckdb' && r.query.startsWith('hand') && 'ms' in r.result && r.agrees).map((r) => (r.result as FlightsResult).ms);
  if (duck && bestHand.length > 0) console.log(`      DuckDB fsql ÷ best hand-written = ${fmt(duck.ms / Math.min(...bestHand), 2)}`);
  if (duck && lite) console.log(`goal: SQLite ÷ DuckDB (fsql) = ${fmt(lite.ms / duck.ms, 2)} (≤ 3)`);
  if (lite) console.log(`goal: SQLite fsql peak RSS = ${fmt(lite.rssPeakMb)} MB (< 1024; ${fmt(lite.rssLoadedMb)} MB after loading)`);
  for (const target of o.only) {
    const before = ms(target, 'fsql, no frames');
    const after = ms(target, 'fsql');
    if (before && after) console.log(`${target}: frames for MIN / MAX${target === 'duckdb' ? ' / COUNT(DISTINCT)' : ''}: ${fmt(before.ms)} ms → ${fmt(after.ms)} ms (${fmt(before.ms / after.ms, 2)}×)`);
  }
  if (results.some((r) => r.agrees === false)) console.log('SOME RESULTS DISAGREE with fsql (see "agrees")');
  return results.map((r) => ({ target: r.target, query: r.query, ...r.result, ...(r.agrees !== undefined ? { agrees: r.agrees } : {}) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    const result = await measureFlights(JSON.parse(process.argv[child + 1]!) as FlightsCase);
    console.log(JSON.stringify(result));
  } else {
    await runFlightsWorkload(flightsOptionsFromEnv());
  }
}
