/**
 * Ties among latest rows, as a property (docs/semantics.md §3): random data
 * with several rows of one key at one time on purpose (differing in every
 * column, NULLs included), one latest-value feature per column of each
 * relation, on SQLite and DuckDB:
 *
 * - one row: the values a training row, an online vector and a key-filtered
 *   online vector (the ingest path) hold for the latest features of one
 *   relation (and one WHERE) are the columns of ONE row of that relation —
 *   a row of the key at its latest visible time — never a mix of rows;
 * - that row is the reference evaluator's (test/reference), so both engines
 *   pick the same one.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import type { Catalog } from '../../src/check/catalog.js';
import { engineTargets, type Engine, type EngineTarget, type Row, type Value } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { createIndexes, loadProject, runMaterialize, runTraining, type Table } from '../../src/runtime/run-plan.js';
import { planMaterialize, planTraining } from '../../src/plan/build.js';
import { findFeature, fitAll, materialize, trainingSet } from '../reference/index.js';

const PROJECT = `
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT, amount DOUBLE, qty INTEGER, cat TEXT, flag BOOLEAN, day DATE, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;
CREATE SOURCE profile (user_id TEXT, country TEXT, age INTEGER) FROM TABLE crm.profile;
CREATE SOURCE labels (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y INTEGER) FROM STREAM EVENT TIME ts;
CREATE FEATURE l_amount ENTITY user FROM events AS amount;
CREATE FEATURE l_qty ENTITY user FROM events AS qty;
CREATE FEATURE l_cat ENTITY user FROM events AS cat;
CREATE FEATURE l_flag ENTITY user FROM events AS flag;
CREATE FEATURE l_day ENTITY user FROM events AS day;
CREATE FEATURE w_amount ENTITY user FROM events AS amount WHERE qty > 0;
CREATE FEATURE w_cat ENTITY user FROM events AS cat WHERE qty > 0;
CREATE FEATURE p_country ENTITY user FROM profile AS country;
CREATE FEATURE p_age ENTITY user FROM profile AS age;
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE TRAINING SET t LABEL y FEATURES (l_amount, l_qty, l_cat, l_flag, l_day, w_amount, w_cat, p_country, p_age);
`;

/** Feature groups that must read one row: (features, the relation, its columns they read, a WHERE on the row). */
const GROUPS: readonly { features: string[]; relation: string; columns: string[]; where: (r: Row) => boolean }[] = [
  { features: ['l_amount', 'l_qty', 'l_cat', 'l_flag', 'l_day'], relation: 'events', columns: ['amount', 'qty', 'cat', 'flag', 'day'], where: () => true },
  { features: ['w_amount', 'w_cat'], relation: 'events', columns: ['amount', 'cat'], where: (r) => typeof r['qty'] === 'number' && r['qty'] > 0 },
  { features: ['p_country', 'p_age'], relation: 'profile', columns: ['country', 'age'], where: () => true },
];

const BASE = Date.UTC(2024, 0, 1) * 1000;
const HOUR = 3_600_000_000;
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const users = ['u1', 'u2', 'U1'];
const time = fc.integer({ min: 0, max: 8 }).map((h) => BASE + h * 6 * HOUR);

const columns = fc.record({
  amount: pick([null, -2.5, 0, 1.25, 10]),
  qty: pick([null, -1, 0, 1, 2]),
  cat: pick([null, 'a', 'B', 'b', 'ä', 'a b']),
  flag: pick([null, true, false]),
  day: pick([null, 19_700, 19_723, 19_724]),
});
/** A row and 0–3 more of the same user at the same time, other columns drawn afresh. */
const tiedEvents = fc
  .tuple(pick(users), time, fc.array(columns, { minLength: 1, maxLength: 4 }))
  .map(([user_id, ts, rows]) => rows.map((c) => ({ user_id, ...c, ts }) as Row));

interface TieCase {
  readonly data: Record<string, Row[]>;
  readonly asOf: number;
}

const tieCase: fc.Arbitrary<TieCase> = fc
  .record({
    events: fc.array(tiedEvents, { minLength: 1, maxLength: 8 }).map((g) => g.flat()),
    profile: fc.array(fc.record({ user_id: pick([...users, null]), country: pick([null, 'DE', 'de', 'US']), age: pick([null, 18, 30, 45]) }), { maxLength: 8 }),
    labels: fc.uniqueArray(fc.record({ user_id: pick([...users, 'u9']), ts: time, y: fc.constant(1) }), { minLength: 1, maxLength: 10, selector: (l) => `${l.user_id}@${l.ts}` }),
    asOf: time,
  })
  .map(({ events, profile, labels, asOf }) => ({ data: { events, profile, labels: labels as Row[] }, asOf }));

function catalog(): Catalog {
  const r = checkText(PROJECT, 'ties.fsql');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return r.catalog;
}

const same = (a: Value, b: Value) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)));

/**
 * The values of one group in a row or vector come from one row of the key at
 * its latest visible time (all of the key's rows for a dimension), or are all
 * NULL when the key has no visible row. Returns a problem or undefined.
 */
function oneRow(data: TieCase['data'], user: Value, t: number, values: (feature: string) => Value): string | undefined {
  for (const g of GROUPS) {
    const got = g.features.map(values);
    const visible = (data[g.relation] ?? []).filter((r) => r['user_id'] === user && g.where(r) && (g.relation === 'profile' || (r['ts'] as number) <= t));
    if (visible.length === 0) {
      if (got.some((v) => v !== null)) return `${g.features.join(', ')} of ${String(user)} at ${t}: ${JSON.stringify(got)} with no visible row`;
      continue;
    }
    const latest = g.relation === 'profile' ? visible : visible.filter((r) => r['ts'] === Math.max(...visible.map((x) => x['ts'] as number)));
    if (!latest.some((r) => g.columns.every((c, i) => same(r[c] ?? null, got[i]!)))) {
      return `${g.features.join(', ')} of ${String(user)} at ${t}: ${JSON.stringify(got)} is no row of ${JSON.stringify(latest.map((r) => g.columns.map((c) => r[c])))}`;
    }
  }
  return undefined;
}

function sameTable(actual: Table, expected: { columns: string[]; rows: Value[][] }): string | undefined {
  if (JSON.stringify(actual.columns) !== JSON.stringify(expected.columns)) return `columns ${actual.columns.join(',')}, expected ${expected.columns.join(',')}`;
  if (actual.rows.length !== expected.rows.length) return `${actual.rows.length} rows, expected ${expected.rows.length}`;
  for (let i = 0; i < actual.rows.length; i++) {
    if (!actual.rows[i]!.every((v, j) => same(v, expected.rows[i]![j]!))) return `row ${i}: ${JSON.stringify(actual.rows[i])}, reference ${JSON.stringify(expected.rows[i])}`;
  }
  return undefined;
}

async function check(target: EngineTarget, c: TieCase): Promise<void> {
  const cat = catalog();
  const features = GROUPS.flatMap((g) => g.features).map((n) => findFeature(cat, n));
  const fitted = fitAll(cat, c.data, features);
  const fit = (name: string, version: number) => fitted.get(`${name}@${version}`);
  const engine: Engine = await openEngine(target);
  const problems: string[] = [];
  try {
    await loadProject(engine, cat, c.data);
    const training = planTraining(cat, 't', fit);
    const online = planMaterialize(cat, 'user', fit, { features: features.map((f) => ({ name: f.name, version: f.version })) });
    await createIndexes(engine, cat, [training, online]);

    // Training rows: one row per group, and the reference's.
    const table = await runTraining(engine, training);
    for (const r of table.rows) {
      const p = oneRow(c.data, r[0]!, r[1] as number, (f) => r[table.columns.indexOf(f)]!);
      if (p) problems.push(`training: ${p}`);
    }
    const tableProblem = sameTable(table, trainingSet(cat, c.data, 't', undefined, { fitted }));
    if (tableProblem) problems.push(`training vs reference: ${tableProblem}`);

    // Online vectors as of asOf, of every key and of a few keys: the same rows.
    const expected = materialize(cat, c.data, 'user', c.asOf, fitted, Object.fromEntries(features.map((f) => [f.name, f.version])));
    const all = await runMaterialize(engine, online, { as_of: c.asOf });
    const some = await runMaterialize(engine, online, { as_of: c.asOf }, { keys: [['u1'], ['U1']] });
    for (const [name, result] of [['online', all], ['key-filtered', some]] as const) {
      for (const r of result.rows) {
        const p = oneRow(c.data, r[0]!, c.asOf, (f) => r[result.columns.indexOf(f)]!);
        if (p) problems.push(`${name}: ${p}`);
        const want = expected.get(JSON.stringify([r[0]]));
        const got = features.map((f) => r[result.columns.indexOf(f.name)]!);
        if (!want) problems.push(`${name}: key ${String(r[0])} is not in the reference`);
        else if (!features.every((f, i) => same(got[i]!, want[f.name]![0]!))) problems.push(`${name} ${String(r[0])}: ${JSON.stringify(got)}, reference ${JSON.stringify(features.map((f) => want[f.name]![0]))}`);
      }
    }
    if (all.rows.length !== expected.size) problems.push(`online: ${all.rows.length} keys, reference ${expected.size}`);
  } finally {
    await engine.close();
  }
  if (problems.length > 0) throw new Error(`${target}:\n${problems.join('\n')}\n${JSON.stringify(c)}`);
}

describe.each(engineTargets)('%s: latest features of one relation read one row', (target) => {
  it('on random data with ties (training rows, online and key-filtered vectors), equal to the reference', async () => {
    await fc.assert(
      fc.asyncProperty(tieCase, (c) => check(target, c)),
      { numRuns: Number(process.env.FSQL_DIFF_RUNS ?? 40), endOnFailure: true },
    );
  }, 300_000);
});
