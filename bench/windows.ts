/**
 * The windowed-aggregate training workload (issue 14, first row): a
 * deterministic synthetic store of realistic shape — skewed users (a few are
 * very busy), amounts with 5 % NULLs and cents, whole-second times over 90
 * days (ties happen) — and a training set of windowed aggregates over 1, 7
 * and 30 days: COUNT(*), AVG(amount), SUM(amount) WHERE amount > 100,
 * COUNT(amount). Each case runs in its own child process, so its peak
 * resident memory is its own:
 *
 * - fsql's plan as compiled today (running totals + two probes per label:
 *   ASOF JOIN on DuckDB, running maxima over totals ∪ labels on SQLite);
 * - the same plan with the previous lowering (`aggregate: 'join'`: a range
 *   join visiting every event of every window), for before/after in one run;
 * - on DuckDB, the hand-written baseline: prefix sums + ASOF JOIN;
 * - MAX(amount) over 7 days and COUNT(DISTINCT category) over 30 days, which
 *   keep the range join, timed on their own (the strategy note in docs/targets.md).
 *
 *   npx tsx bench/windows.ts [--events 1000000] [--labels 20000] [--users 5000] [--before-timeout 600]
 *   npm run bench -- --only windows
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkText } from '../src/check/project.js';
import type { Catalog } from '../src/check/catalog.js';
import { openEngine } from '../src/engine/open.js';
import type { EngineTarget, Row } from '../src/engine/engine.js';
import { createIndexes, loadProject } from '../src/runtime/run-plan.js';
import { planTraining } from '../src/plan/build.js';
import type { Dialect } from '../src/sql/dialect.js';
import { dialectFor } from '../src/sql/dialects/index.js';
import { lowerTraining } from '../src/sql/lower-plan.js';
import { SqlPrinter } from '../src/sql/print.js';
import { rng } from './rng.js';

const DAY = 86_400_000_000;
const START = Date.UTC(2024, 0, 1) * 1000;
const CATEGORIES = Array.from({ length: 50 }, (_v, i) => `c${i}`);

const PROJECT = `
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, category TEXT, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE labels (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE FEATURE count_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE avg_7d ENTITY user FROM events AS AVG(amount) WINDOW 7 DAYS;
CREATE FEATURE sum_big_30d ENTITY user FROM events AS SUM(amount) WHERE amount > 100 WINDOW 30 DAYS;
CREATE FEATURE count_amount_30d ENTITY user FROM events AS COUNT(amount) WINDOW 30 DAYS;
CREATE FEATURE max_7d ENTITY user FROM events AS MAX(amount) WINDOW 7 DAYS;
CREATE FEATURE categories_30d ENTITY user FROM events AS COUNT(DISTINCT category) WINDOW 30 DAYS;
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE TRAINING SET windows LABEL y FEATURES (count_1d, avg_7d, sum_big_30d, count_amount_30d);
CREATE TRAINING SET windows_max LABEL y FEATURES (max_7d);
CREATE TRAINING SET windows_distinct LABEL y FEATURES (categories_30d);
`;


function generate(users: number, events: number, labels: number): { events: Row[]; labels: Row[] } {
  const r = rng(14);
  const user = () => `u${String(Math.floor(r() * r() * users)).padStart(6, '0')}`; // skewed: some users are busy
  const time = (from: number) => START + from * DAY + Math.floor((r() * (90 - from) * DAY) / 1_000_000) * 1_000_000;
  const ev: Row[] = new Array(events);
  for (let i = 0; i < events; i++) {
    ev[i] = { user_id: user(), amount: r() < 0.05 ? null : Math.round(r() * r() * 100_000) / 100, category: CATEGORIES[Math.floor(r() * r() * CATEGORIES.length)]!, ts: time(0) };
  }
  // Labels in the last 60 days, so that 30-day windows are full.
  const lb: Row[] = new Array(labels);
  for (let i = 0; i < labels; i++) lb[i] = { user_id: user(), ts: time(30), y: r() < 0.1 };
  return { events: ev, labels: lb };
}

function catalog(): Catalog {
  const r = checkText(PROJECT, 'windows.fsql');
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.catalog;
}

/** The hand-written DuckDB baseline: prefix sums per (user, time) and one ASOF JOIN per window end and start. */
const HAND_DUCKDB = `
WITH l AS (SELECT row_number() OVER (ORDER BY ts, user_id, y) AS rid, user_id, ts, y FROM labels),
c AS (
  SELECT user_id, ts,
    sum(count(*)) OVER w AS n_all,
    sum(count(amount)) OVER w AS n_amt,
    sum(sum(amount)) OVER w AS s_amt,
    sum(count(amount) FILTER (WHERE amount > 100)) OVER w AS n_big,
    sum(coalesce(sum(amount) FILTER (WHERE amount > 100), 0)) OVER w AS s_big
  FROM events GROUP BY user_id, ts
  WINDOW w AS (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING)
)
SELECT l.user_id, l.ts,
  coalesce(e.n_all, 0) - coalesce(d1.n_all, 0) AS count_1d,
  (e.s_amt - coalesce(d7.s_amt, 0)) / nullif(e.n_amt - coalesce(d7.n_amt, 0), 0) AS avg_7d,
  CASE WHEN e.n_big - coalesce(d30.n_big, 0) > 0 THEN e.s_big - coalesce(d30.s_big, 0) END AS sum_big_30d,
  coalesce(e.n_amt, 0) - coalesce(d30.n_amt, 0) AS count_amount_30d,
  l.y
FROM l
ASOF LEFT JOIN c e ON l.user_id = e.user_id AND l.ts >= e.ts
ASOF LEFT JOIN c d1 ON l.user_id = d1.user_id AND l.ts - INTERVAL 1 DAY >= d1.ts
ASOF LEFT JOIN c d7 ON l.user_id = d7.user_id AND l.ts - INTERVAL 7 DAY >= d7.ts
ASOF LEFT JOIN c d30 ON l.user_id = d30.user_id AND l.ts - INTERVAL 30 DAY >= d30.ts
ORDER BY l.rid`;

export interface WindowsCase {
  readonly target: EngineTarget;
  /** `plan`: fsql today; `join`: the previous lowering; `hand`: the hand-written query (DuckDB); `max` / `distinct`: the range-join aggregates. */
  readonly what: 'plan' | 'union' | 'join' | 'hand' | 'max' | 'distinct';
  readonly events: number;
  readonly labels: number;
  readonly users: number;
  readonly repeat: number;
}

export interface WindowsResult extends WindowsCase {
  readonly ms: number;
  readonly rows: number;
  /** Peak resident memory of the process (MB): after loading the data, and at the end (the query's peak). */
  readonly rssLoadedMb: number;
  readonly rssPeakMb: number;
  /** A checksum of the first feature column, to see that fsql and the baseline agree. */
  readonly checksum: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Child side: one case. */
export async function measureWindows(c: WindowsCase): Promise<WindowsResult> {
  const data = generate(c.users, c.events, c.labels);
  const cat = catalog();
  const engine = await openEngine(c.target);
  try {
    await loadProject(engine, cat, data);
    // The (key, time) indexes `apply` creates.
    await createIndexes(engine, cat, ['windows', 'windows_max', 'windows_distinct'].map((n) => planTraining(cat, n, () => undefined)));
    const rssLoadedMb = maxRssMb();
    let sql: string;
    let columns: Parameters<typeof engine.queryValues>[1];
    if (c.what === 'hand') {
      if (c.target !== 'duckdb') throw new Error('the hand-written baseline is DuckDB SQL');
      sql = HAND_DUCKDB;
      columns = planTraining(cat, 'windows', () => undefined).columns;
    } else {
      const plan = planTraining(cat, c.what === 'max' ? 'windows_max' : c.what === 'distinct' ? 'windows_distinct' : 'windows', () => undefined);
      const base = dialectFor(c.target);
      const dialect: Dialect =
        c.what === 'join'
          ? { ...base, strategies: { ...base.strategies, aggregate: 'join' } }
          : c.what === 'union'
            ? { ...base, capabilities: { ...base.capabilities, asofJoin: false } }
            : base;
      sql = new SqlPrinter(dialect).statement(lowerTraining(plan, dialect));
      columns = plan.columns;
    }
    const runs: number[] = [];
    let rows: unknown[][] = [];
    for (let i = 0; i < c.repeat; i++) {
      const t0 = performance.now();
      rows = await engine.queryValues(sql, columns);
      runs.push(performance.now() - t0);
    }
    const checksum = rows.reduce((s: number, r) => s + (typeof r[2] === 'number' ? r[2] : 0), 0);
    return { ...c, ms: median(runs), rows: rows.length, rssLoadedMb, rssPeakMb: maxRssMb(), checksum };
  } finally {
    await engine.close();
  }
}

/** Runs one case in a child process (its own heap and resident memory); undefined when it took longer than `timeoutMs`. */
function inChild(c: WindowsCase, timeoutMs: number): Promise<WindowsResult | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(c)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(undefined);
      else if (code !== 0) reject(new Error(`${c.target} ${c.what} failed (exit ${code})`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as WindowsResult);
    });
  });
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export interface WindowsOptions {
  readonly events: number;
  readonly labels: number;
  readonly users: number;
  readonly repeat: number;
  /** The previous lowering (range join) may take very long on SQLite: stopped after this many seconds. */
  readonly beforeTimeoutSeconds: number;
}

/** Parent side: every case; prints a table and the goals' ratios; returns the results. */
export async function runWindowsWorkload(o: WindowsOptions): Promise<unknown> {
  const cases: WindowsCase['what'][][] = [['plan', 'hand', 'join', 'max', 'distinct'], ['plan', 'join', 'max', 'distinct']];
  const results: { target: EngineTarget; what: string; result: WindowsResult | undefined; timeoutS?: number }[] = [];
  (['duckdb', 'sqlite'] as const).forEach((target, i) => {
    for (const what of cases[i]!) results.push({ target, what, result: undefined });
  });
  console.error(`windows: ${fmt(o.events)} events, ${fmt(o.labels)} labels, ${fmt(o.users)} users; ${results.length} cases, each in its own process`);
  for (const r of results) {
    const timeoutS = r.what === 'join' || r.what === 'max' || r.what === 'distinct' ? o.beforeTimeoutSeconds : 3600;
    process.stderr.write(`  ${r.target} ${r.what} … `);
    r.result = await inChild({ target: r.target, what: r.what as WindowsCase['what'], events: o.events, labels: o.labels, users: o.users, repeat: r.what === 'join' ? 1 : o.repeat }, timeoutS * 1000);
    if (!r.result) r.timeoutS = timeoutS;
    process.stderr.write(r.result ? `${fmt(r.result.ms)} ms\n` : `stopped after ${timeoutS} s\n`);
  }
  const label: Record<string, string> = {
    plan: 'fsql (running totals + 2 probes)',
    hand: 'hand-written prefix sums + ASOF',
    join: 'fsql, previous lowering (range join)',
    max: 'MAX 7d alone (range join)',
    distinct: 'COUNT DISTINCT 30d alone (range join)',
  };
  console.log(`\nwindowed aggregates: ${fmt(o.events)} events × ${fmt(o.labels)} labels (${fmt(o.users)} users, 90 days); COUNT 1d, AVG 7d, SUM WHERE 30d, COUNT(x) 30d`);
  console.log('engine  case                                     time        peak RSS (after load → peak)  checksum');
  for (const r of results) {
    const x = r.result;
    console.log(
      `${r.target.padEnd(7)} ${label[r.what]!.padEnd(40)} ${(x ? `${fmt(x.ms)} ms` : `> ${r.timeoutS} s`).padStart(10)}  ${(x ? `${fmt(x.rssLoadedMb)} → ${fmt(x.rssPeakMb)} MB` : '').padStart(28)}  ${x ? fmt(x.checksum, 2) : ''}`,
    );
  }
  const get = (target: EngineTarget, what: string) => results.find((r) => r.target === target && r.what === what)?.result;
  const duckPlan = get('duckdb', 'plan');
  const hand = get('duckdb', 'hand');
  const litePlan = get('sqlite', 'plan');
  if (duckPlan && hand) console.log(`goal: DuckDB fsql ÷ hand-written prefix + ASOF = ${fmt(duckPlan.ms / hand.ms, 2)} (≤ 1.2)`);
  if (duckPlan && litePlan) console.log(`goal: SQLite ÷ DuckDB = ${fmt(litePlan.ms / duckPlan.ms, 2)} (≤ 3); SQLite peak RSS ${fmt(litePlan.rssPeakMb)} MB (< 1024)`);
  for (const target of ['duckdb', 'sqlite'] as const) {
    const before = get(target, 'join');
    const after = get(target, 'plan');
    if (after) console.log(`${target}: previous lowering ${before ? `${fmt(before.ms)} ms` : 'stopped'} → ${fmt(after.ms)} ms${before ? ` (before ÷ after = ${fmt(before.ms / after.ms, 2)})` : ''}`);
  }
  return results.map((r) => (r.result ? r.result : { target: r.target, what: r.what, timeoutS: r.timeoutS }));
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    const result = await measureWindows(JSON.parse(process.argv[child + 1]!) as WindowsCase);
    console.log(JSON.stringify(result));
  } else {
    await runWindowsWorkload({
      events: arg('events', 1_000_000),
      labels: arg('labels', 20_000),
      users: arg('users', 5_000),
      repeat: arg('repeat', 3),
      beforeTimeoutSeconds: arg('before-timeout', 600),
    });
  }
}
