/**
 * A whole materialize (every key, one time) reads each relation once,
 * grouped by key (docs/targets.md, "One time for every key"), while a
 * key-filtered one (the ingest path) probes or range-joins per key. As a
 * property, on SQLite and DuckDB, for random data and random features —
 * windowed COUNT / COUNT(x) / SUM / AVG / MIN / MAX / COUNT(DISTINCT) with
 * and without WHERE, windows from shorter than the time grid to longer than
 * the history or none, `AS OF < t`, latest values with WHERE and TTL, a
 * dimension, a DATE event time and an AVAILABLE delay:
 *
 * - every value equals the reference evaluator's (test/reference);
 * - every column, the event times behind each value included (they decide a
 *   served value's status), equals the key-filtered plan's for the same keys.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import type { Catalog } from '../../src/check/catalog.js';
import { engineTargets, type Engine, type EngineTarget, type Row, type Value } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { createIndexes, loadProject, runMaterialize } from '../../src/runtime/run-plan.js';
import { planMaterialize } from '../../src/plan/build.js';
import { findFeature, fitAll, materialize } from '../reference/index.js';

const BASE = Date.UTC(2024, 0, 1) * 1000;
const HOUR = 3_600_000_000;
const DAY_US = 24 * HOUR;
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const users = ['u1', 'u2', 'U1', 'u3'];
/** Whole hours over three days: windows of whole hours start and end exactly on events. */
const time = fc.integer({ min: 0, max: 72 }).map((h) => BASE + h * HOUR);

const AGGREGATES = ['COUNT(*)', 'COUNT(amount)', 'SUM(amount)', 'AVG(qty)', 'MIN(amount)', 'MAX(qty)', 'COUNT(DISTINCT cat)', 'SUM(qty)', 'MAX(cat)'] as const;
const WINDOWS = [undefined, '1 SECOND', '1 HOUR', '6 HOURS', '1 DAY', '30 DAYS'] as const;
const WHERES = [undefined, undefined, 'qty > 0', 'cat IS NOT NULL', 'amount < 5'] as const;
const LATEST = ['amount', 'cat', 'qty', 'amount * 2'] as const;

const featureText = fc.oneof(
  fc.record({ relation: pick(['events', 'visits']), as: pick(AGGREGATES), window: pick(WINDOWS), where: pick(WHERES), strict: fc.boolean() }).map((f) => {
    // visits has n (INTEGER) and tag (TEXT) instead of the events' columns.
    const as = f.relation === 'visits' ? f.as.replace(/amount|qty/g, 'n').replace(/cat/g, 'tag') : f.as;
    const where = f.relation === 'visits' ? (f.where === undefined ? undefined : 'n > 1') : f.where;
    return `AS ${as}${where ? ` WHERE ${where}` : ''}${f.window ? ` WINDOW ${f.window}` : ''}${f.strict ? ' AS OF < t' : ''} FROM ${f.relation}`;
  }),
  fc.record({ as: pick(LATEST), where: pick(WHERES), strict: fc.boolean(), ttl: pick([undefined, '2 HOURS', '1 DAY']) }).map(
    (f) => `AS ${f.as}${f.where ? ` WHERE ${f.where}` : ''}${f.ttl ? ` TTL ${f.ttl}` : ''}${f.strict ? ' AS OF < t' : ''} FROM events`,
  ),
  pick(['AS country FROM profile', 'AS age FROM profile', 'AS tag FROM visits']),
);

interface Case {
  readonly features: readonly string[];
  readonly delayMinutes: number;
  readonly data: Record<string, Row[]>;
  readonly asOf: number;
}

const arbitraryCase: fc.Arbitrary<Case> = fc.record({
  features: fc.array(featureText, { minLength: 1, maxLength: 8 }),
  delayMinutes: pick([0, 0, 30]),
  events: fc.array(
    fc.record({ user_id: pick([...users, null]), amount: pick([null, -2.5, 0, 1.25, 10, 1e15]), qty: pick([null, -1, 0, 1, 2]), cat: pick([null, 'a', 'B', 'b', 'ä']), ts: time }),
    { maxLength: 25 },
  ),
  visits: fc.array(fc.record({ user_id: pick(users), day: fc.integer({ min: 0, max: 3 }).map((d) => BASE / DAY_US + d), n: pick([null, 1, 2, 5]), tag: pick([null, 'x', 'y']) }), { maxLength: 10 }),
  profile: fc.array(fc.record({ user_id: pick([...users, null]), country: pick([null, 'DE', 'US']), age: pick([null, 18, 45]) }), { maxLength: 6 }),
  asOf: time,
}).map(({ features, delayMinutes, events, visits, profile, asOf }) => ({ features, delayMinutes, data: { events, visits, profile } as Record<string, Row[]>, asOf }));

function catalog(c: Case): Catalog {
  const text = `
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT, amount DOUBLE, qty INTEGER, cat TEXT, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts${c.delayMinutes ? ` AVAILABLE AFTER ${c.delayMinutes} MINUTES` : ''};
CREATE SOURCE visits (user_id TEXT NOT NULL, day DATE NOT NULL, n INTEGER, tag TEXT) FROM STREAM EVENT TIME day;
CREATE SOURCE profile (user_id TEXT, country TEXT, age INTEGER) FROM TABLE crm.profile;
${c.features.map((f, i) => `CREATE FEATURE f${i} ENTITY user ${f.replace(/^(AS .*) FROM (\w+)$/, 'FROM $2 $1')};`).join('\n')}
`;
  const r = checkText(text, 'materialize.fsql');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${text}\n${errors.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  return r.catalog;
}

const same = (a: Value, b: Value) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)));

async function check(target: EngineTarget, c: Case): Promise<void> {
  const cat = catalog(c);
  const features = c.features.map((_f, i) => findFeature(cat, `f${i}`));
  const fitted = fitAll(cat, c.data, features);
  const fit = (name: string, version: number) => fitted.get(`${name}@${version}`);
  const engine: Engine = await openEngine(target);
  const problems: string[] = [];
  try {
    await loadProject(engine, cat, c.data);
    const plan = planMaterialize(cat, 'user', fit, { features: features.map((f) => ({ name: f.name, version: f.version })) });
    await createIndexes(engine, cat, [plan]);
    const all = await runMaterialize(engine, plan, { as_of: c.asOf });
    const keys = all.rows.map((r) => [r[0]!] as string[]);
    const some = keys.length > 0 ? await runMaterialize(engine, plan, { as_of: c.asOf }, { keys }) : { columns: all.columns, rows: [] };

    // Values: the reference's.
    const expected = materialize(cat, c.data, 'user', c.asOf, fitted, Object.fromEntries(features.map((f) => [f.name, f.version])));
    if (all.rows.length !== expected.size) problems.push(`${all.rows.length} keys, reference ${expected.size}`);
    for (const r of all.rows) {
      const want = expected.get(JSON.stringify([r[0]]));
      const got = features.map((f) => r[all.columns.indexOf(f.name)]!);
      if (!want) problems.push(`key ${String(r[0])} is not in the reference`);
      else if (!features.every((f, i) => same(got[i]!, want[f.name]![0]!))) problems.push(`${String(r[0])}: ${JSON.stringify(got)}, reference ${JSON.stringify(features.map((f) => want[f.name]![0]))}`);
    }

    // Every column, times included: the key-filtered plan's.
    if ([...all.columns].sort().join() !== [...some.columns].sort().join()) problems.push(`columns ${all.columns.join()} vs key-filtered ${some.columns.join()}`);
    const byKey = new Map(some.rows.map((r) => [r[0], r]));
    if (some.rows.length !== all.rows.length) problems.push(`${all.rows.length} keys, key-filtered ${some.rows.length}`);
    for (const r of all.rows) {
      const k = byKey.get(r[0]!);
      if (!k) continue;
      all.columns.forEach((name, i) => {
        const other = k[some.columns.indexOf(name)]!;
        if (!same(r[i]!, other)) problems.push(`${String(r[0])} ${name}: ${JSON.stringify(r[i])}, key-filtered ${JSON.stringify(other)}`);
      });
    }
  } finally {
    await engine.close();
  }
  if (problems.length > 0) throw new Error(`${target}:\n${problems.slice(0, 20).join('\n')}\n${JSON.stringify(c)}`);
}

describe.each(engineTargets)('%s: a whole materialize, relations read once grouped by key', (target) => {
  it('equals the reference and the key-filtered plan, times included, on random features and data', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryCase, (c) => check(target, c)),
      { numRuns: Number(process.env.FSQL_DIFF_RUNS ?? 40), endOnFailure: true },
    );
  }, 300_000);
});
