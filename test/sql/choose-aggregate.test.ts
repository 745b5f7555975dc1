/**
 * The choice between running totals and the range join (src/sql/choose-aggregate.ts)
 * on hand-worked statistics, and the statistics query (`lowerStatistics`) against
 * counts worked out by hand on a small data set, on SQLite and DuckDB.
 */
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { openEngine } from '../../src/engine/open.js';
import { loadProject } from '../../src/runtime/run-plan.js';
import { relationStatistics } from '../../src/runtime/relation-statistics.js';
import { planTraining } from '../../src/plan/build.js';
import { choosePrefix, estimateCost, type AggregateCosts, type CandidateLookup, type RelationStatistics } from '../../src/sql/choose-aggregate.js';
import { compilePlan, compileStatistics } from '../../src/sql/compile.js';
import { dialectFor } from '../../src/sql/dialects/index.js';
import { aggregateChoices } from '../../src/sql/lower-plan.js';

const DAY = 86_400;
/** Unit costs: running totals cost rows + labels × probes, a join its pairs. */
const unit: AggregateCosts = { row: 1, doubleRow: 0, rowProbe: 0, labelProbe: 1, pair: 1, label: 0, rangeScan: false };
const stats = (pairs: number, spanSeconds = 1e6): RelationStatistics => ({
  relation: 'events',
  keyColumns: ['user_id'],
  spineKeys: ['user_id'],
  rows: 1000,
  spineRows: 100,
  pairs,
  spanSeconds,
});
/** COUNT(*) over 1 day (group g1) and SUM … WHERE over 30 days (group g2): probes at t, t − 1 day, t − 30 days. */
const count1d: CandidateLookup = { id: 'a', group: 'g1', prefixable: true, windowSeconds: DAY, probes: ['0:false', `${DAY}:false`] };
const sum30d: CandidateLookup = { id: 'b', group: 'g2', prefixable: true, windowSeconds: 30 * DAY, probes: ['0:false', `${30 * DAY}:false`] };
/** MAX over 7 days in g1: always the range join. */
const max7d: CandidateLookup = { id: 'm', group: 'g1', prefixable: false, windowSeconds: 7 * DAY, probes: [] };

describe('choosePrefix on hand-worked statistics', () => {
  it('estimates: totals = rows + labels × distinct probes; a join per group = its pairs', () => {
    // Both from totals: 3 distinct probes (t, t − 1 d, t − 30 d): 1000 + 100 × 3.
    expect(estimateCost([count1d, sum30d], new Set(['a', 'b']), stats(500), unit)).toBe(1300);
    // Both joined: two groups of 500 pairs.
    expect(estimateCost([count1d, sum30d], new Set(), stats(500), unit)).toBe(1000);
    // One each: 1000 + 100 × 2, plus one join of 500.
    expect(estimateCost([count1d, sum30d], new Set(['a']), stats(500), unit)).toBe(1700);
  });

  it('light keys (few pairs): the range join; busy keys: running totals', () => {
    expect([...choosePrefix([count1d, sum30d], stats(500), unit)]).toEqual([]);
    // 5,000 pairs per join: both joined 10,000, both from totals 1,300, one each 6,200.
    expect([...choosePrefix([count1d, sum30d], stats(5000), unit)].sort()).toEqual(['a', 'b']);
  });

  it('a group that joins anyway (MAX) keeps its COUNT in the join, where it costs nothing more; the other group reads totals', () => {
    // 5,000 pairs: all totals 1,300 + the MAX join 5,000 = 6,300; all joined 10,000;
    // COUNT joined with MAX, SUM from totals (2 probes): 1,000 + 200 + 5,000 = 6,200.
    expect([...choosePrefix([count1d, sum30d, max7d], stats(5000), unit)]).toEqual(['b']);
    expect(estimateCost([count1d, sum30d, max7d], new Set(['b']), stats(5000), unit)).toBe(6200);
  });

  it('an index range scan reads only the window: pairs × window / span', () => {
    const scan: AggregateCosts = { ...unit, rangeScan: true };
    // 30,000 pairs over 30 days, a 1-day window: 1,000 pairs scanned, against 1,000 + 100 × 2 for totals.
    expect(estimateCost([count1d], new Set(), stats(30_000, 30 * DAY), scan)).toBe(1000);
    expect([...choosePrefix([count1d], stats(30_000, 30 * DAY), scan)]).toEqual([]);
    // Without the range scan every pair of the key is visited: 30,000, so totals.
    expect([...choosePrefix([count1d], stats(30_000, 30 * DAY), unit)]).toEqual(['a']);
    // A window longer than the span reads all the key's rows (share capped at 1).
    const all: CandidateLookup = { ...count1d, windowSeconds: 100 * DAY };
    expect(estimateCost([all], new Set(), stats(30_000, 30 * DAY), scan)).toBe(30_000);
  });

  it('a DOUBLE sum costs the totals its rounding errors: rows × doubleRow more', () => {
    const doubleSum: CandidateLookup = { ...sum30d, double: true };
    const costs: AggregateCosts = { ...unit, doubleRow: 2 };
    // 1000 × (1 + 2) + 100 × 2 probes.
    expect(estimateCost([doubleSum], new Set(['b']), stats(0), costs)).toBe(3200);
    // 2,500 pairs: the totals of an INTEGER sum (1,200) win, those of a DOUBLE sum (3,200) lose.
    expect([...choosePrefix([sum30d], stats(2500), costs)]).toEqual(['b']);
    expect([...choosePrefix([doubleSum], stats(2500), costs)]).toEqual([]);
  });

  it('ties go to running totals (the choice without statistics)', () => {
    // 1,200 = 1,000 + 100 × 2 both ways.
    expect([...choosePrefix([count1d], stats(1200), unit)]).toEqual(['a']);
  });
});

const PROJECT = `
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE labels (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y INTEGER) FROM STREAM EVENT TIME ts;
CREATE FEATURE n_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE s_7d ENTITY user FROM events AS SUM(amount) WINDOW 7 DAYS;
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE TRAINING SET t LABEL y FEATURES (n_1d, s_7d);
`;
const H = 3_600_000_000;
const T0 = Date.UTC(2024, 0, 1) * 1000;

describe('the statistics query', () => {
  const catalog = checkText(PROJECT, 's.fsql').catalog;
  const plan = planTraining(catalog, 't', () => undefined);
  // u1: 3 rows at 0, 1 and 10 h; u2: 2 rows; a row without a user (not counted, its time not either).
  const events = [
    { user_id: 'u1', amount: 1, ts: T0 },
    { user_id: 'u1', amount: 2, ts: T0 + H },
    { user_id: 'u1', amount: 3, ts: T0 + 10 * H },
    { user_id: 'u2', amount: 4, ts: T0 + 2 * H },
    { user_id: 'u2', amount: 5, ts: T0 + 3 * H },
    { user_id: null, amount: 6, ts: T0 + 20 * H },
  ];
  // Two labels of u1, one of u3 (no events).
  const labels = [
    { user_id: 'u1', ts: T0 + 5 * H, y: 1 },
    { user_id: 'u1', ts: T0 + 11 * H, y: 0 },
    { user_id: 'u3', ts: T0 + 11 * H, y: 1 },
  ];

  it.each(['sqlite', 'duckdb'] as const)('%s: rows, labels, Σ labels × rows per key, span', async (target) => {
    const engine = await openEngine(target);
    try {
      await loadProject(engine, catalog, { events, labels });
      const s = await relationStatistics(engine, plan);
      // 5 rows with a user; 3 labels; pairs 2 × 3 (u1) + 0 (u2 has no label, u3 no rows); 10 hours.
      expect(s).toEqual([{ relation: 'events', keyColumns: ['user_id'], spineKeys: ['user_id'], rows: 5, spineRows: 3, pairs: 6, spanSeconds: 36_000 }]);
    } finally {
      await engine.close();
    }
  });

  it('targets without cost constants run no statistics query and compile as before', () => {
    expect(compileStatistics(plan, 'postgres')).toBeUndefined();
    expect(compileStatistics(plan, 'spark')).toBeUndefined();
    const s = [{ relation: 'events', keyColumns: ['user_id'], spineKeys: ['user_id'], rows: 1, spineRows: 1, pairs: 1e12, spanSeconds: 1 }];
    expect(compilePlan(plan, 'postgres', {}, { relationStatistics: s }).sql).toBe(compilePlan(plan, 'postgres').sql);
  });

  it('the statistics change the plan, not its shape without them', () => {
    const d = dialectFor('duckdb');
    const busy = [{ relation: 'events', keyColumns: ['user_id'], spineKeys: ['user_id'], rows: 1e6, spineRows: 2e4, pairs: 1e12, spanSeconds: 90 * DAY }];
    const light = [{ ...busy[0]!, pairs: 1e6 }];
    expect(aggregateChoices(plan, d, busy)[0]!.prefix).toEqual(plan.lookups.map((l) => l.id));
    expect(aggregateChoices(plan, d, light)[0]!.prefix).toEqual([]);
    expect(compilePlan(plan, 'duckdb', {}, { relationStatistics: busy }).sql).toBe(compilePlan(plan, 'duckdb').sql);
    expect(compilePlan(plan, 'duckdb', {}, { relationStatistics: light }).sql).not.toContain('ASOF');
  });
});

describe('the dialects\' cost constants choose what was measured faster (docs/targets.md, "Choosing from statistics")', () => {
  // The statistics the runtime gathered on the two benchmark data sets (recorded), and which strategy ran faster there.
  const flights = checkText(
    `CREATE ENTITY airport KEY (origin TEXT);
CREATE SOURCE flights (ts TIMESTAMP NOT NULL, delay INTEGER, distance INTEGER, origin TEXT NOT NULL, dest TEXT) FROM STREAM EVENT TIME ts;
CREATE SOURCE labels (origin TEXT NOT NULL, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE FEATURE count_1d ENTITY airport FROM flights AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE avg_delay_7d ENTITY airport FROM flights AS AVG(delay) WINDOW 7 DAYS;
CREATE FEATURE sum_dist_late_30d ENTITY airport FROM flights AS SUM(distance) WHERE delay > 15 WINDOW 30 DAYS;
CREATE FEATURE count_delay_30d ENTITY airport FROM flights AS COUNT(delay) WINDOW 30 DAYS;
CREATE LABEL y ENTITY airport FROM labels AS y;
CREATE TRAINING SET cal LABEL y FEATURES (count_1d, avg_delay_7d, sum_dist_late_30d, count_delay_30d);`,
    'flights.fsql',
  ).catalog;
  const engines = checkText(
    `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, category TEXT, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE labels (label_id INTEGER NOT NULL, user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE FEATURE count_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE avg_7d ENTITY user FROM events AS AVG(amount) WINDOW 7 DAYS;
CREATE FEATURE max_7d ENTITY user FROM events AS MAX(amount) WINDOW 7 DAYS;
CREATE FEATURE sum_big_30d ENTITY user FROM events AS SUM(amount) WHERE amount > 100 WINDOW 30 DAYS;
CREATE FEATURE categories_30d ENTITY user FROM events AS COUNT(DISTINCT category) WINDOW 30 DAYS;
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE TRAINING SET engines LABEL y FEATURES (count_1d, avg_7d, max_7d, sum_big_30d, categories_30d);`,
    'engines.fsql',
  ).catalog;
  const flightsPlan = planTraining(flights, 'cal', () => undefined);
  const enginesPlan = planTraining(engines, 'engines', () => undefined);
  // bench/public-data.ts flights3m(), one label per 150 flights (20,000) or per 1,500 (2,000).
  const flightsStats = (spineRows: number, pairs: number) => [
    { relation: 'flights', keyColumns: ['origin'], spineKeys: ['origin'], rows: 3_000_000, spineRows, pairs, spanSeconds: 15_638_340 },
  ];
  // bench/engines.ts at 1M events, 20,000 labels, 5,000 users.
  const enginesStats = [{ relation: 'events', keyColumns: ['user_id'], spineKeys: ['user_id'], rows: 1_000_000, spineRows: 20_000, pairs: 8_068_390, spanSeconds: 7_775_991 }];

  it.each(['sqlite', 'duckdb'] as const)('%s: busy airports (3M flights, 229 origins) read running totals', (target) => {
    const c = aggregateChoices(flightsPlan, dialectFor(target), flightsStats(20_000, 1_200_114_879));
    expect(c[0]!.prefix).toEqual(flightsPlan.lookups.map((l) => l.id));
  });

  it('sqlite: with 2,000 labels the busy airports still read running totals (measured 62 s against 77 s for the range join)', () => {
    const c = aggregateChoices(flightsPlan, dialectFor('sqlite'), flightsStats(2000, 119_810_340));
    expect(c[0]!.prefix).toEqual(flightsPlan.lookups.map((l) => l.id));
  });

  it.each(['sqlite', 'duckdb'] as const)('%s: light users (bench/engines.ts) take the range join', (target) => {
    const c = aggregateChoices(enginesPlan, dialectFor(target), enginesStats);
    expect(c[0]!.prefix).toEqual([]);
  });
});
