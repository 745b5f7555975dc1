/**
 * The compiled plans, run on SQLite and on DuckDB, equal the reference
 * evaluator (test/reference) on random projects and data: training sets row
 * for row, fitted parameters, and online vectors.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { keyOf, type Catalog } from '../../src/check/catalog.js';
import { openEngine } from '../../src/engine/open.js';
import type { Engine, EngineTarget } from '../../src/engine/engine.js';
import { createIndexes, loadProject, runFit, runMaterialize, runTraining } from '../../src/runtime/run-plan.js';
import { planFit, planMaterialize, planTraining } from '../../src/plan/build.js';
import type { FittedParameters } from '../../src/plan/fitted.js';
import { fitAll, materialize, trainingSet, findFeature } from '../reference/index.js';
import type { Dialect } from '../../src/sql/dialect.js';
import { dialectFor } from '../../src/sql/dialects/index.js';
import { lowerTraining } from '../../src/sql/lower-plan.js';
import { SqlPrinter } from '../../src/sql/print.js';
import { storeCase, type StoreCase } from '../support/arbitrary-store.js';

const TARGETS: EngineTarget[] = ['sqlite', 'duckdb'];

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

function sameRows(actual: unknown[][], expected: unknown[][]): string | undefined {
  if (actual.length !== expected.length) return `row count ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    for (let j = 0; j < e.length; j++) {
      if (!close(a[j], e[j])) return `row ${i}, column ${j}: ${JSON.stringify(a[j])}, expected ${JSON.stringify(e[j])}\nactual:   ${JSON.stringify(a)}\nexpected: ${JSON.stringify(e)}`;
    }
  }
  return undefined;
}

function sameParams(a: FittedParameters, e: FittedParameters): string | undefined {
  for (const k of ['count', 'mean', 'stddev', 'min', 'max', 'q1', 'median', 'q3', 'mode', 'fitTime'] as const) {
    const x = a[k];
    const y = e[k];
    if (!(x === y || (x !== null && y !== null && close(x, y)))) return `${k}: ${JSON.stringify(x)}, expected ${JSON.stringify(y)}`;
  }
  if (JSON.stringify(a.vocabulary) !== JSON.stringify(e.vocabulary)) return `vocabulary ${JSON.stringify(a.vocabulary)}, expected ${JSON.stringify(e.vocabulary)}`;
  if (JSON.stringify(a.columns) !== JSON.stringify(e.columns)) return `columns ${JSON.stringify(a.columns)}, expected ${JSON.stringify(e.columns)}`;
  return undefined;
}

function catalogOf(c: StoreCase): Catalog {
  const r = checkText(c.text, 'case.fsql');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`generated project does not check:\n${errors.map((d) => `${d.code} ${d.message}`).join('\n')}\n${c.text}`);
  return r.catalog;
}

async function withEngine<T>(target: EngineTarget, fn: (e: Engine) => Promise<T>): Promise<T> {
  const engine = await openEngine(target);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

async function checkCase(target: EngineTarget, c: StoreCase): Promise<void> {
  const catalog = catalogOf(c);
  const features = c.featureNames.map((n) => findFeature(catalog, n));
  const expectedParams = fitAll(catalog, c.data, features);
  const fitted = (name: string, version: number) => expectedParams.get(`${name}@${version}`) ?? expectedParams.get(`${keyOf(name)}@${version}`);
  await withEngine(target, async (engine) => {
    await loadProject(engine, catalog, c.data);
    const plans = [planTraining(catalog, 'ts', fitted), ...features.map((f) => planFit(catalog, f.name, f.version))];
    await createIndexes(engine, catalog, plans);

    // Fitting on the engine gives the reference's parameters.
    for (const f of features) {
      const actual = await runFit(engine, catalog, f, planFit(catalog, f.name, f.version));
      const problem = sameParams(actual, expectedParams.get(`${f.name}@${f.version}`)!);
      expect(problem, `${target}: fit of ${f.name}\n${c.text}`).toBeUndefined();
    }

    // Training sets, row for row.
    for (const name of ['ts', 'ts_static']) {
      if (!catalog.trainingSets[name]) continue;
      const expected = trainingSet(catalog, c.data, name, undefined, { fitted: expectedParams, asOf: c.asOf });
      const actual = await runTraining(engine, planTraining(catalog, name, fitted), { as_of: c.asOf });
      expect(actual.columns, `${target}: columns of ${name}`).toEqual(expected.columns);
      const problem = sameRows(actual.rows, expected.rows);
      expect(problem, `${target}: training set ${name}\n${c.text}\n${JSON.stringify(c.data)}`).toBeUndefined();
    }

    // Every lookup strategy, in this engine's spellings, gives the reference's rows: the window and join
    // strategies are what Spark, BigQuery, Snowflake and Trino run, the correlated ones PostgreSQL's and MySQL's.
    {
      const expected = trainingSet(catalog, c.data, 'ts', undefined, { fitted: expectedParams, asOf: c.asOf });
      const plan = planTraining(catalog, 'ts', fitted);
      const base = dialectFor(target);
      // The prefix strategy probes running totals with an ASOF JOIN where the engine has one, else with a running
      // maximum over totals ∪ spine (what SQLite and the emitted targets run): on DuckDB both are checked.
      const asof = target === 'duckdb' ? [true, false] : [false];
      for (const latest of ['correlated', 'window', ...(target === 'duckdb' ? ['asof' as const] : [])] as const) {
        for (const aggregate of ['correlated', 'join', 'prefix'] as const) {
          for (const asofJoin of aggregate === 'prefix' && latest !== 'asof' ? asof : [base.capabilities.asofJoin]) {
            // `join` also with every WHERE of a relation folded into one range join (Spark's `foldWhere`).
            for (const foldWhere of aggregate === 'join' ? [false, true] : [false]) {
              const dialect: Dialect = { ...base, capabilities: { ...base.capabilities, asofJoin: asofJoin || latest === 'asof' }, strategies: { latest, aggregate, foldWhere } };
              const rows = await engine.queryValues(new SqlPrinter(dialect).statement(lowerTraining(plan, dialect, { as_of: c.asOf })), plan.columns);
              const problem = sameRows(rows, expected.rows);
              expect(problem, `${target} (${latest}, ${aggregate}${asofJoin ? ', asof' : ''}${foldWhere ? ', foldWhere' : ''}): training set ts\n${c.text}\n${JSON.stringify(c.data)}`).toBeUndefined();
            }
          }
        }
      }
    }

    // Online vectors as of asOf equal the reference's.
    for (const entity of ['user', 'merchant']) {
      const own = features.filter((f) => keyOf(f.key.entity) === entity);
      if (own.length === 0) continue;
      const plan = planMaterialize(catalog, entity, fitted, { features: own.map((f) => ({ name: f.name, version: f.version })) });
      const actual = await runMaterialize(engine, plan, { as_of: c.asOf });
      const expected = materialize(catalog, c.data, entity, c.asOf, expectedParams, Object.fromEntries(own.map((f) => [f.name, f.version])));
      const keyCount = plan.spine.keys.length;
      const actualMap = new Map(actual.rows.map((r) => [JSON.stringify(r.slice(0, keyCount)), r]));
      expect([...actualMap.keys()].sort(), `${target}: materialized keys of ${entity}`).toEqual([...expected.keys()].sort());
      for (const [k, vector] of expected) {
        const row = actualMap.get(k)!;
        const values = plan.transforms.flatMap((t) => t.outputs.map((o) => row[actual.columns.indexOf(o.name)]));
        const want = own.flatMap((f) => vector[f.name] ?? []);
        const problem = sameRows([values], [want]);
        expect(problem, `${target}: online vector of ${entity} ${k}\n${c.text}`).toBeUndefined();
      }
    }
  });
}

/**
 * Serving and training agree: the vector materialized for key k as of T equals
 * the training row of a label (k, T), on the same engine.
 */
async function checkConsistency(target: EngineTarget, c: StoreCase): Promise<void> {
  const catalog = catalogOf(c);
  if (!catalog.trainingSets['ts_user']) return;
  const features = c.featureNames.map((n) => findFeature(catalog, n)).filter((f) => keyOf(f.key.entity) === 'user');
  const params = fitAll(catalog, c.data, features);
  const fitted = (name: string, version: number) => params.get(`${name}@${version}`);
  const plan = planMaterialize(catalog, 'user', fitted, { features: features.map((f) => ({ name: f.name, version: f.version })) });
  const vectors = await withEngine(target, async (engine) => {
    await loadProject(engine, catalog, c.data);
    return runMaterialize(engine, plan, { as_of: c.asOf });
  });
  // One label per materialized key, at T.
  const labels = vectors.rows.map((r) => ({ user_id: r[0] ?? null, merchant_id: null, ts: c.asOf, y: null }));
  if (labels.length === 0) return;
  const rows = await withEngine(target, async (engine) => {
    await loadProject(engine, catalog, { ...c.data, labels });
    return runTraining(engine, planTraining(catalog, 'ts_user', fitted));
  });
  const outputs = plan.transforms.flatMap((t) => t.outputs.map((o) => o.name));
  const served = new Map(vectors.rows.map((r) => [JSON.stringify(r[0]), outputs.map((o) => r[vectors.columns.indexOf(o)])]));
  for (const row of rows.rows) {
    const k = JSON.stringify(row[0]);
    const trained = outputs.map((o) => row[rows.columns.indexOf(o)]);
    expect(sameRows([trained], [served.get(k)!]), `${target}: key ${k}: training row vs served vector\n${c.text}`).toBeUndefined();
  }
  expect(rows.rows.length).toBe(labels.length);
}

describe.each(TARGETS)('%s: serving equals training', (target) => {
  it('the vector materialized for (k, T) equals the training row of a label (k, T)', async () => {
    await fc.assert(
      fc.asyncProperty(storeCase, (c) => checkConsistency(target, c)),
      { numRuns: Number(process.env.FSQL_DIFF_RUNS ?? 40), endOnFailure: true },
    );
  });
});

describe.each(TARGETS)('%s equals the reference evaluator', (target) => {
  it('on random projects and data (training sets, fits, online vectors)', async () => {
    await fc.assert(
      fc.asyncProperty(storeCase, (c) => checkCase(target, c)),
      { numRuns: Number(process.env.FSQL_DIFF_RUNS ?? 60), endOnFailure: true },
    );
    // Each case runs the training set in every lookup strategy (and DuckDB's prefix probes both ways): minutes on a busy machine.
  }, 300_000);
});
