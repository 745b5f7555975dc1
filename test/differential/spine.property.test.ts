/**
 * Ad-hoc spines (get_historical_features, `fsql train --spine`): for random
 * projects, data and spines of (keys, time) rows, the spine plan run on SQLite
 * and DuckDB gives, row for row and in the spine's order, what a training set
 * built from a label over exactly those rows gives — on the same engine, and
 * in the reference evaluator (test/reference).
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { keyOf, type Catalog } from '../../src/check/catalog.js';
import { openEngine } from '../../src/engine/open.js';
import type { Engine, EngineTarget, Row, Value } from '../../src/engine/engine.js';
import { loadProject, runTraining, streamSpine } from '../../src/runtime/run-plan.js';
import { planSpine, planTraining, PlanBuildError } from '../../src/plan/build.js';
import { fitAll, trainingSet, findFeature } from '../reference/index.js';
import { storeCase, BASE, HALF_HOUR, type StoreCase } from '../support/arbitrary-store.js';

const TARGETS: EngineTarget[] = ['sqlite', 'duckdb'];

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/** Rows as objects of the named columns, sorted by their JSON (numbers rounded), for a multiset comparison. */
function canonical(columns: readonly string[], rows: readonly (readonly Value[])[], keep: readonly string[]): Record<string, Value>[] {
  const at = keep.map((k) => columns.indexOf(k));
  const objects = rows.map((r) => Object.fromEntries(keep.map((k, j) => [k, r[at[j]!] ?? null])));
  const key = (o: Record<string, Value>) => JSON.stringify(keep.map((k) => (typeof o[k] === 'number' && !Number.isInteger(o[k]) ? Number((o[k] as number).toPrecision(10)) : o[k])));
  return objects.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function sameObjects(actual: Record<string, Value>[], expected: Record<string, Value>[]): string | undefined {
  if (actual.length !== expected.length) return `row count ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    for (const k of Object.keys(expected[i]!)) {
      if (!close(actual[i]![k], expected[i]![k])) return `row ${i}, column ${k}: ${JSON.stringify(actual[i])}, expected ${JSON.stringify(expected[i])}`;
    }
  }
  return undefined;
}

function catalogOf(text: string): Catalog {
  const r = checkText(text, 'case.fsql');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`generated project does not check:\n${errors.map((d) => `${d.code} ${d.message}`).join('\n')}\n${text}`);
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

const spineRow = fc.record({
  user_id: fc.constantFrom<Value>('u1', 'u2', 'u3', 'U1', 'nobody'),
  merchant_id: fc.constantFrom<Value>(1, 2, 3, 9, null),
  // On the data's half-hour grid (exact window and TTL boundaries), and off it.
  ts: fc.oneof(fc.integer({ min: -2, max: 100 }).map((h) => BASE + h * HALF_HOUR), fc.integer({ min: 0, max: 50 * HALF_HOUR }).map((d) => BASE + d)),
});

async function checkSpine(target: EngineTarget, c: StoreCase, spine: Row[]): Promise<void> {
  // The training set to compare with: label y over exactly the spine's rows, unsampled.
  const text = c.text.replace(/ SAMPLE [\d.]+ PERCENT SEED \d+/, '');
  const catalog = catalogOf(text);
  const features = c.featureNames.map((n) => findFeature(catalog, n));
  const params = fitAll(catalog, c.data, features);
  const fitted = (name: string, version: number) => params.get(`${name}@${version}`) ?? params.get(`${keyOf(name)}@${version}`);
  const labels = spine.map((r) => ({ ...r, y: null }));
  const data = { ...c.data, labels };
  const spinePlan = planSpine(catalog, features.map((f) => ({ name: f.name, version: f.version })), fitted, {
    table: '__spine_rows',
    rowColumn: '__pos',
    time: { column: 'ts', type: 'TIMESTAMP', output: 'ts' },
  });
  const columns = spinePlan.columns.map((x) => x.name);
  const { actual, trained } = await withEngine(target, async (engine) => {
    await loadProject(engine, catalog, data);
    const rows: Value[][] = [];
    const count = await streamSpine(engine, spinePlan, spine, (batch) => void rows.push(...batch), 3);
    expect(count).toBe(spine.length);
    const trained = await runTraining(engine, planTraining(catalog, 'ts', fitted));
    return { actual: rows, trained };
  });
  // Exactly the spine's rows, in its order.
  const keyColumns = spinePlan.spine.keys.map((k) => k.name);
  expect(
    actual.map((r) => [...keyColumns, 'ts'].map((k) => r[columns.indexOf(k)])),
    `${target}: the spine's keys and times, in order`,
  ).toEqual(spine.map((r) => [...keyColumns, 'ts'].map((k) => r[k] ?? null)));
  // The training set drops label rows without the label entity's key; a spine row keeps them.
  const kept = actual.filter((r) => r[columns.indexOf('user_id')] !== null);
  const expectedRef = trainingSet(catalog, data, 'ts', undefined, { fitted: params, asOf: c.asOf });
  const problem = sameObjects(canonical(columns, kept, columns), canonical(expectedRef.columns, expectedRef.rows, columns));
  expect(problem, `${target}: spine vs reference training set\n${text}\n${JSON.stringify(data)}`).toBeUndefined();
  const problem2 = sameObjects(canonical(columns, kept, columns), canonical(trained.columns, trained.rows, columns));
  expect(problem2, `${target}: spine vs the engine's training set\n${text}`).toBeUndefined();
}

describe.each(TARGETS)('%s: a spine of rows equals a training set over a label with those rows', (target) => {
  it('for random projects, data and spines (and keeps the spine order)', async () => {
    await fc.assert(
      fc.asyncProperty(storeCase, fc.array(spineRow, { minLength: 1, maxLength: 12 }), (c, spine) => checkSpine(target, c, spine as Row[])),
      { numRuns: Number(process.env.FSQL_DIFF_RUNS ?? 40), endOnFailure: true },
    );
  });
});

describe('planSpine', () => {
  const catalog = catalogOf(`
    CREATE ENTITY user KEY (user_id TEXT);
    CREATE SOURCE events (user_id TEXT, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
    CREATE FEATURE spend ENTITY user FROM events AS SUM(amount) WINDOW 1 DAY;
    CREATE FEATURE spend VERSION 2 ENTITY user FROM events AS SUM(amount) WINDOW 2 DAYS;
  `);
  const options = { table: 't', rowColumn: 'pos', time: { column: 'at', type: 'TIMESTAMP' as const, output: 'at' } };
  it('names two versions of one feature apart, and refuses one listed twice or a clashing time name', () => {
    const plan = planSpine(catalog, [{ name: 'spend', version: 1 }, { name: 'spend', version: 2 }], () => undefined, options);
    expect(plan.columns.map((c) => c.name)).toEqual(['user_id', 'at', 'spend__v1', 'spend__v2']);
    expect(planSpine(catalog, [{ name: 'spend' }], () => undefined, options).columns.map((c) => c.name)).toEqual(['user_id', 'at', 'spend']);
    expect(() => planSpine(catalog, [{ name: 'spend', version: 2 }, { name: 'SPEND', version: 2 }], () => undefined, options)).toThrow(/listed twice/);
    expect(() => planSpine(catalog, [{ name: 'spend' }], () => undefined, { ...options, time: { ...options.time, output: 'spend' } })).toThrow(PlanBuildError);
    expect(() => planSpine(catalog, [{ name: 'nope' }], () => undefined, options)).toThrow(/unknown feature nope/);
  });
});
