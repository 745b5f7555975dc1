/**
 * The training-set workload: a deterministic synthetic store (10k users, up to
 * 1M events over 60 days, 100k labels) and six features — latest value, latest
 * value with TTL, COUNT over 1 day, SUM and AVG over 7 days, and a ONE_HOT —
 * built by fsql's plan on SQLite and DuckDB, and by two baselines on the same
 * engine in the same process:
 *
 * - naive: the correlated subqueries a person writes first, with no index
 *   (run on a slice of the labels when it would take too long, and reported as
 *   label rows per second);
 * - hand-written: the best query we could write for the engine (DuckDB: ASOF
 *   JOIN and a range join; SQLite: index-probing subqueries on (user, time)).
 */
import { checkText } from '../src/check/project.js';
import type { Catalog } from '../src/check/catalog.js';
import { openEngine } from '../src/engine/open.js';
import type { Engine, EngineTarget, Row } from '../src/engine/engine.js';
import { createIndexes, loadProject, runTraining } from '../src/runtime/run-plan.js';
import { planTraining } from '../src/plan/build.js';
import type { FittedParameters } from '../src/plan/fitted.js';
import { rng } from './rng.js';

export const DAY = 86_400_000_000;
const START = Date.UTC(2024, 0, 1) * 1000;
const CATEGORIES = Array.from({ length: 20 }, (_v, i) => `c${i}`);

export const PROJECT = `
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, category TEXT, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE labels (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE FEATURE last_amount ENTITY user FROM events AS amount;
CREATE FEATURE last_amount_1d ENTITY user FROM events AS amount TTL 1 DAY;
CREATE FEATURE count_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE sum_7d ENTITY user FROM events AS SUM(amount) WINDOW 7 DAYS;
CREATE FEATURE avg_7d ENTITY user FROM events AS AVG(amount) WINDOW 7 DAYS;
CREATE FEATURE last_category ENTITY user FROM events AS category ONE_HOT ('c0', 'c1', 'c2', 'c3', 'c4');
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE TRAINING SET bench LABEL y FEATURES (last_amount, last_amount_1d, count_1d, sum_7d, avg_7d, last_category);
`;


export interface Dataset {
  readonly events: Row[];
  readonly labels: Row[];
}

export function generate(users: number, events: number, labels: number): Dataset {
  const r = rng(7);
  const user = () => `u${String(Math.floor(r() * r() * users)).padStart(5, '0')}`; // skewed: some users are busy
  const time = () => START + Math.floor(r() * 60 * DAY / 1_000_000) * 1_000_000; // whole seconds: ties happen
  const ev: Row[] = new Array(events);
  for (let i = 0; i < events; i++) {
    ev[i] = {
      user_id: user(),
      amount: r() < 0.05 ? null : Math.round(r() * 50_000) / 100,
      category: CATEGORIES[Math.floor(r() * r() * CATEGORIES.length)]!,
      ts: time(),
    };
  }
  const lb: Row[] = new Array(labels);
  for (let i = 0; i < labels; i++) lb[i] = { user_id: user(), ts: time(), y: r() < 0.1 };
  return { events: ev, labels: lb };
}

export function catalog(): Catalog {
  const r = checkText(PROJECT, 'bench.fsql');
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.catalog;
}

/** No fitted transforms in this project need data: the ONE_HOT lists its values. */
const NO_PARAMS = (): FittedParameters | undefined => undefined;

const NAIVE = (labels: string) => `
SELECT l.user_id, l.ts,
  (SELECT e.amount FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts ORDER BY e.ts DESC LIMIT 1) AS last_amount,
  (SELECT e.amount FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts AND e.ts >= l.ts - %DAY% ORDER BY e.ts DESC LIMIT 1) AS last_amount_1d,
  (SELECT COUNT(*) FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > l.ts - %DAY%) AS count_1d,
  (SELECT SUM(e.amount) FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > l.ts - %WEEK%) AS sum_7d,
  (SELECT AVG(e.amount) FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > l.ts - %WEEK%) AS avg_7d,
  (SELECT e.category FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts ORDER BY e.ts DESC LIMIT 1) AS last_category,
  l.y
FROM ${labels} l`;

function naiveSql(target: EngineTarget, labels: string): string {
  const day = target === 'sqlite' ? String(DAY) : "INTERVAL 1 DAY";
  const week = target === 'sqlite' ? String(7 * DAY) : "INTERVAL 7 DAY";
  return NAIVE(labels).replaceAll('%DAY%', day).replaceAll('%WEEK%', week);
}

const ONE_HOT = CATEGORIES.slice(0, 5)
  .map((c) => `CASE WHEN last_category = '${c}' THEN 1 ELSE 0 END AS last_category__${c}`)
  .join(', ');

/** The best query we could write by hand for each engine (ties in time are not handled: it is a speed baseline). */
function handWrittenSql(target: EngineTarget): string {
  if (target === 'duckdb') {
    return `
WITH l AS (SELECT row_number() OVER () AS rid, * FROM labels),
last AS (
  SELECT l.rid, e.amount, e.category, e.ts AS ets
  FROM l ASOF LEFT JOIN events e ON l.user_id = e.user_id AND l.ts >= e.ts
),
agg AS (
  SELECT l.rid,
    count(*) FILTER (WHERE e.ts > l.ts - INTERVAL 1 DAY) AS count_1d,
    sum(e.amount) AS sum_7d, avg(e.amount) AS avg_7d
  FROM l JOIN events e ON e.user_id = l.user_id AND e.ts > l.ts - INTERVAL 7 DAY AND e.ts <= l.ts
  GROUP BY l.rid
)
SELECT l.user_id, l.ts, last.amount AS last_amount,
  CASE WHEN last.ets >= l.ts - INTERVAL 1 DAY THEN last.amount END AS last_amount_1d,
  coalesce(agg.count_1d, 0) AS count_1d, agg.sum_7d, agg.avg_7d,
  ${ONE_HOT.replaceAll('last_category', 'last.category').replaceAll('AS last.category__', 'AS last_category__')}, l.y
FROM l LEFT JOIN last USING (rid) LEFT JOIN agg USING (rid)`;
  }
  return `
SELECT user_id, ts, last_amount,
  CASE WHEN last_ts >= ts - ${DAY} THEN last_amount END AS last_amount_1d,
  count_1d, sum_7d, avg_7d, ${ONE_HOT}, y
FROM (
  SELECT l.user_id, l.ts, l.y,
    (SELECT e.ts FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts ORDER BY e.ts DESC LIMIT 1) AS last_ts,
    (SELECT e.amount FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts ORDER BY e.ts DESC LIMIT 1) AS last_amount,
    (SELECT e.category FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts ORDER BY e.ts DESC LIMIT 1) AS last_category,
    (SELECT COUNT(*) FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > l.ts - ${DAY}) AS count_1d,
    (SELECT SUM(e.amount) FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > l.ts - ${7 * DAY}) AS sum_7d,
    (SELECT AVG(e.amount) FROM events e WHERE e.user_id = l.user_id AND e.ts <= l.ts AND e.ts > l.ts - ${7 * DAY}) AS avg_7d
  FROM labels l
) AS x`;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export interface TrainingCase {
  readonly target: EngineTarget;
  readonly events: number;
  readonly labels: number;
  readonly users: number;
  readonly repeat: number;
  /** Labels given to the naive query (it is quadratic without an index). */
  readonly naiveLabels: number;
}

export interface TrainingResult {
  readonly target: EngineTarget;
  readonly events: number;
  readonly labels: number;
  readonly loadMs: number;
  readonly planMs: number;
  readonly handMs: number;
  readonly naiveMs: number;
  readonly naiveLabels: number;
  readonly rows: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function measureTraining(c: TrainingCase): Promise<TrainingResult> {
  const data = generate(c.users, c.events, c.labels);
  const cat = catalog();
  const engine: Engine = await openEngine(c.target);
  try {
    const load = await timed(() => loadProject(engine, cat, { events: data.events, labels: data.labels }));
    // The naive baseline runs first, before any index exists, on a slice of the labels.
    await engine.execute(`CREATE TABLE labels_slice AS SELECT * FROM labels LIMIT ${c.naiveLabels}`);
    const naive = await timed(() => engine.query(naiveSql(c.target, 'labels_slice')));
    const plan = planTraining(cat, 'bench', NO_PARAMS);
    const idx = await timed(() => createIndexes(engine, cat, [plan]));
    const planRuns: number[] = [];
    const handRuns: number[] = [];
    let rows = 0;
    for (let i = 0; i < c.repeat; i++) {
      const p = await timed(() => runTraining(engine, plan));
      planRuns.push(p.ms);
      rows = p.value.rows.length;
      const h = await timed(() => engine.query(handWrittenSql(c.target)));
      handRuns.push(h.ms);
      if (h.value.length !== rows) throw new Error(`hand-written query gave ${h.value.length} rows, the plan ${rows}`);
    }
    return {
      target: c.target,
      events: c.events,
      labels: c.labels,
      loadMs: load.ms + idx.ms,
      planMs: median(planRuns),
      handMs: median(handRuns),
      naiveMs: naive.ms,
      naiveLabels: c.naiveLabels,
      rows,
    };
  } finally {
    await engine.close();
  }
}

// ---------------------------------------------------------------------------
// The `training` workload of bench/run.ts.

type Runner = <T>(workload: string, args: Record<string, string>) => Promise<{ readonly result: T }>;

const ratio = (a: number, b: number) => (b === 0 ? Infinity : a / b);
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Child side: one (engine, events) case; arguments as strings. */
export function measureTrainingArgs(args: Record<string, string>): Promise<TrainingResult> {
  return measureTraining({
    target: args['target'] as EngineTarget,
    events: Number(args['events']),
    labels: Number(args['labels']),
    users: Number(args['users']),
    repeat: Number(args['repeat']),
    naiveLabels: Number(args['naiveLabels']),
  });
}

/** Parent side: every engine at 100k and 1M events; prints a table and returns the rows for results/training.json. */
export async function runTrainingWorkload(options: { readonly repeat: number | undefined; readonly quick?: boolean }, run: Runner): Promise<unknown> {
  const eventSizes = options.quick ? [100_000, 300_000] : [100_000, 1_000_000];
  const rows: (TrainingResult & { planRowsPerSec: number; vsHand: number; vsNaive: number })[] = [];
  for (const target of ['sqlite', 'duckdb'] as const) {
    for (const events of eventSizes) {
      const { result } = await run<TrainingResult>('training', {
        target,
        events: String(events),
        labels: '100000',
        users: '10000',
        repeat: String(options.repeat ?? 3),
        naiveLabels: target === 'sqlite' ? '100' : '2000',
      });
      const planRowsPerSec = (result.labels / result.planMs) * 1000;
      const naiveRowsPerSec = (result.naiveLabels / result.naiveMs) * 1000;
      rows.push({ ...result, planRowsPerSec, vsHand: ratio(result.planMs, result.handMs), vsNaive: ratio(planRowsPerSec, naiveRowsPerSec) });
    }
  }
  console.log('engine  events     labels   load+index  plan      hand-written  plan/hand  label rows/s  × naive');
  for (const r of rows) {
    console.log(
      `${r.target.padEnd(7)} ${fmt(r.events).padStart(9)}  ${fmt(r.labels).padStart(7)}  ${`${fmt(r.loadMs)} ms`.padStart(10)}  ${`${fmt(r.planMs)} ms`.padStart(8)}  ${`${fmt(r.handMs)} ms`.padStart(12)}  ${fmt(r.vsHand, 2).padStart(9)}  ${fmt(r.planRowsPerSec).padStart(12)}  ${fmt(r.vsNaive, 0).padStart(7)}`,
    );
  }
  for (const target of ['sqlite', 'duckdb'] as const) {
    const [small, large] = rows.filter((r) => r.target === target);
    if (small && large) {
      console.log(`${target}: ${fmt(large.events / small.events)}× the events cost ${fmt(ratio(large.planMs, small.planMs), 2)}× the time (near-linear is ≤ ${fmt(large.events / small.events)}×)`);
    }
  }
  console.log('targets: DuckDB plan within 1.5× of the hand-written ASOF query; SQLite plan ≥ 10× the naive correlated SQL; cost near-linear in events');
  return rows;
}
