/**
 * Ties among latest rows (docs/semantics.md §3): when several rows of a key
 * share the latest event time, ONE row wins — the greatest in the relation's
 * tie order (its columns in declared order, the event time left out, NULL
 * below every value, text by code points) — and every latest-value feature
 * over that relation reads that row. Hand-worked examples, on SQLite and
 * DuckDB, through every plan family: training sets, online materialization
 * (all keys and key-filtered, as ingest runs it) and fitting — and through
 * every point-in-time strategy (correlated, ASOF, window), so the SQL shapes
 * emitted for PostgreSQL, MySQL, Spark, BigQuery, Snowflake and Trino run too.
 */
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import type { Catalog } from '../../src/check/catalog.js';
import { engineTargets, type Engine, type EngineTarget, type Row } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { createIndexes, loadProject, runFit, runMaterialize, runTraining } from '../../src/runtime/run-plan.js';
import { featureVersion, planFit, planMaterialize, planTraining } from '../../src/plan/build.js';
import type { Dialect } from '../../src/sql/dialect.js';
import { dialectFor } from '../../src/sql/dialects/index.js';
import { lowerTraining } from '../../src/sql/lower-plan.js';
import { SqlPrinter } from '../../src/sql/print.js';

const PROJECT = `
CREATE ENTITY plane KEY (tail TEXT);
CREATE SOURCE flights (tail TEXT NOT NULL, delay INTEGER, distance INTEGER, origin TEXT, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;
CREATE SOURCE fleet (tail TEXT NOT NULL, model TEXT, seats INTEGER) FROM TABLE ops.fleet;
CREATE SOURCE labels (tail TEXT NOT NULL, ts TIMESTAMP NOT NULL, y INTEGER) FROM STREAM EVENT TIME ts;
CREATE FEATURE last_delay ENTITY plane FROM flights AS delay;
CREATE FEATURE last_distance ENTITY plane FROM flights AS distance;
CREATE FEATURE last_origin ENTITY plane FROM flights AS origin;
CREATE FEATURE origin_mode ENTITY plane FROM flights AS origin FILL MODE;
CREATE FEATURE model ENTITY plane FROM fleet AS model;
CREATE FEATURE seats ENTITY plane FROM fleet AS seats;
CREATE LABEL y ENTITY plane FROM labels AS y;
CREATE TRAINING SET t LABEL y FEATURES (last_delay, last_distance, last_origin, model, seats);
`;

const T0 = Date.UTC(2024, 0, 1) * 1000;
const H = 3_600_000_000;
const at = (hours: number) => T0 + hours * H;
const flight = (tail: string, delay: number | null, distance: number | null, origin: string | null, hours: number): Row => ({ tail, delay, distance, origin, ts: at(hours) });

const DATA: Record<string, Row[]> = {
  flights: [
    // p1: two rows at 10:00. delay decides (30 > 5): the row (30, 200, LAX). MAX per column would give (30, 900, SFO).
    flight('p1', 5, 900, 'SFO', 10),
    flight('p1', 30, 200, 'LAX', 10),
    flight('p1', 99, 9999, 'ZZZ', 9), // older: never read at 10:00
    // p2: NULL is below every value: (10, 100, AAA) beats (NULL, 1000, ZZZ).
    flight('p2', null, 1000, 'ZZZ', 10),
    flight('p2', 10, 100, 'AAA', 10),
    // p3: delay ties, distance decides (300 > 100): (7, 300, a).
    flight('p3', 7, 100, 'b', 10),
    flight('p3', 7, 300, 'a', 10),
    // p4: delay and distance NULL in both: origin decides by code points ('a' = 97 > 'B' = 66; 'ä' = 228 > 'a').
    flight('p4', null, null, 'B', 10),
    flight('p4', null, null, 'a', 10),
    // p5: every column but origin equal; origin decides by code points: 'ä' > 'z'.
    flight('p5', 1, 1, 'z', 10),
    flight('p5', 1, 1, 'ä', 10),
    flight('p5', 1, 1, null, 10),
    // p6: only NULLs but one row: the row with a value wins; the others are NULL in it.
    flight('p6', null, 5, null, 10),
    flight('p6', null, null, 'Q', 10),
  ],
  // A dimension relation: all of a key's rows tie. m1: (A320, 150) beats (A319, 180) by model; m2: NULL model loses.
  fleet: [
    { tail: 'p1', model: 'A319', seats: 180 },
    { tail: 'p1', model: 'A320', seats: 150 },
    { tail: 'p2', model: null, seats: 300 },
    { tail: 'p2', model: 'B737', seats: 120 },
  ],
  labels: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((tail) => ({ tail, ts: at(12), y: 1 })),
};

/** Worked by hand from the rule: (last_delay, last_distance, last_origin, model, seats) per tail at 12:00. */
const EXPECTED: Record<string, unknown[]> = {
  p1: [30, 200, 'LAX', 'A320', 150],
  p2: [10, 100, 'AAA', 'B737', 120],
  p3: [7, 300, 'a', null, null],
  p4: [null, null, 'a', null, null],
  p5: [1, 1, 'ä', null, null],
  p6: [null, 5, null, null, null],
};

function catalog(): Catalog {
  const r = checkText(PROJECT, 'ties.fsql');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return r.catalog;
}

async function withEngine(target: EngineTarget, fn: (engine: Engine, c: Catalog) => Promise<void>): Promise<void> {
  const c = catalog();
  const engine = await openEngine(target);
  try {
    await loadProject(engine, c, DATA);
    await fn(engine, c);
  } finally {
    await engine.close();
  }
}

const NO_FIT = () => undefined;
const FEATURES = ['last_delay', 'last_distance', 'last_origin', 'model', 'seats'];

describe.each(engineTargets)('%s: one row wins a tie of latest rows', (target) => {
  it('training rows read every feature of a relation from one row', async () => {
    await withEngine(target, async (engine, c) => {
      const plan = planTraining(c, 't', NO_FIT);
      await createIndexes(engine, c, [plan]);
      const table = await runTraining(engine, plan);
      const got = Object.fromEntries(table.rows.map((r) => [r[0], FEATURES.map((f) => r[table.columns.indexOf(f)])]));
      expect(got).toEqual(EXPECTED);
    });
  });

  it('online vectors, of every key and of a few keys (the ingest path), read the same row', async () => {
    await withEngine(target, async (engine, c) => {
      const plan = planMaterialize(c, 'plane', NO_FIT, { features: FEATURES.map((name) => ({ name, version: 1 })) });
      await createIndexes(engine, c, [plan]);
      const all = await runMaterialize(engine, plan, { as_of: at(12) });
      const vectors = (rows: unknown[][]) => Object.fromEntries(rows.map((r) => [r[0], FEATURES.map((f) => r[all.columns.indexOf(f)])]));
      expect(vectors(all.rows)).toEqual(EXPECTED);
      for (const keys of [[['p1']], [['p2'], ['p5']], [['p6'], ['p3'], ['p4']]]) {
        const some = await runMaterialize(engine, plan, { as_of: at(12) }, { keys });
        expect(vectors(some.rows)).toEqual(Object.fromEntries(keys.map(([k]) => [k, EXPECTED[k as string]])));
      }
    });
  });

  // The window strategy is what Spark, BigQuery, Snowflake and Trino get, the correlated one PostgreSQL's
  // and MySQL's: run here with this engine's spellings, each must pick the same rows.
  const strategies: Dialect['strategies']['latest'][] = ['correlated', 'window', ...(target === 'duckdb' ? (['asof'] as const) : [])];
  it.each(strategies)('the %s strategy picks the same rows', async (latest) => {
    await withEngine(target, async (engine, c) => {
      const plan = planTraining(c, 't', NO_FIT);
      await createIndexes(engine, c, [plan]);
      const base = dialectFor(target);
      const dialect: Dialect = { ...base, strategies: { ...base.strategies, latest } };
      const rows = await engine.queryValues(new SqlPrinter(dialect).statement(lowerTraining(plan, dialect)), plan.columns);
      const columns = plan.columns.map((col) => col.name);
      expect(Object.fromEntries(rows.map((r) => [r[0], FEATURES.map((f) => r[columns.indexOf(f)])]))).toEqual(EXPECTED);
    });
  });

  it('a fit reads the winning rows too', async () => {
    await withEngine(target, async (engine, c) => {
      const f = featureVersion(c, 'origin_mode');
      const plan = planFit(c, f.name, f.version);
      await createIndexes(engine, c, [plan]);
      // Fitted at the newest event (10:00): origins LAX, AAA, a, a, ä, NULL → the mode is 'a'.
      const params = await runFit(engine, c, f, plan);
      expect(params.count).toBe(5);
      expect(params.mode).toBe('a');
    });
  });
});
