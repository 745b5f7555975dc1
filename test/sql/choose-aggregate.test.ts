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
const stats = (pairs: number, spanSeconds = 1e6): RelationStatistics => ({ relation: 'events', keyColumns: ['user_id'], spineKeys: ['user_id'], rows: 1000, spineRows: 100, pairs, spanSeconds });
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
