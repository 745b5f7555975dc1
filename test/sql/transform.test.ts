/**
 * The transforms have two implementations side by side in src/sql/transform.ts:
 * the SQL every plan runs, and the JavaScript the online store uses for a key
 * it has never seen (`emptyOutputs`: the raw value of an empty lookup — 0 for
 * COUNT, NULL otherwise — through FILL, then SCALE or ONE_HOT). For random
 * features and random fitted parameters, the JavaScript values equal what
 * SQLite computes for a key with no row in the feature's relation.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import type { FeatureInfo, LiteralValue, ScalarType } from '../../src/check/catalog.js';
import { oneHotColumnNames } from '../../src/check/naming.js';
import { checkText } from '../../src/check/project.js';
import { openEngine } from '../../src/engine/open.js';
import { loadProject, runMaterialize } from '../../src/runtime/run-plan.js';
import { planMaterialize } from '../../src/plan/build.js';
import type { FittedParameters } from '../../src/plan/fitted.js';
import { emptyOutputs } from '../../src/sql/transform.js';

const HEADER = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE anchor (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM TABLE anchor EVENT TIME ts;
CREATE SOURCE events (user_id TEXT NOT NULL, i INTEGER, d DOUBLE, t TEXT, b BOOLEAN, day DATE, at TIMESTAMP, ts TIMESTAMP NOT NULL)
  FROM TABLE events EVENT TIME ts;
CREATE FEATURE seen ENTITY user FROM anchor AS COUNT(*);
`;

type Kind = 'integer' | 'double' | 'text' | 'boolean' | 'date' | 'timestamp';

/** Raw expressions over `events`, by the kind of value they give. */
const RAW: Record<Kind, readonly string[]> = {
  integer: ['i', 'COUNT(*) WINDOW 1 DAY', 'MAX(i) WINDOW 1 DAY', 'COUNT(DISTINCT t) WINDOW 1 DAY'],
  double: ['d', 'SUM(d) WINDOW 1 DAY', 'AVG(i) WINDOW 2 DAYS'],
  text: ['t', 'MIN(t) WINDOW 1 DAY'],
  boolean: ['b'],
  date: ['day', 'MAX(day) WINDOW 1 DAY'],
  timestamp: ['at'],
};

const doubleLiteral = fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => (Number.isInteger(x) ? `${x}.0` : String(x)).replace(/^-0\.0$/, '0.0'));
const textValue = fc.constantFrom('a', 'b', 'US', 'x y', 'é', "it's");
const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
const numericFill = fc.oneof(fc.constant(''), fc.constantFrom('FILL MEAN', 'FILL MEDIAN', 'FILL MODE', 'FILL ZERO'), fc.integer({ min: -50, max: 50 }).map((n) => `FILL ${n}`));
const scale = fc.constantFrom('', 'SCALE STANDARD', 'SCALE MINMAX', 'SCALE ROBUST', 'SCALE LOG');

/** FILL and encoding clauses valid for a kind of value. */
const clauses: Record<Kind, fc.Arbitrary<string>> = {
  integer: fc
    .tuple(
      numericFill,
      fc.oneof(scale, fc.constant('ONE_HOT TOP 3'), fc.uniqueArray(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 3 }).map((vs) => `ONE_HOT (${vs.join(', ')})`)),
    )
    .map(([f, e]) => (/MEAN|MEDIAN/.test(f) && e.startsWith('ONE_HOT') ? f : `${f} ${e}`)),
  double: fc.tuple(fc.oneof(numericFill, doubleLiteral.map((x) => `FILL ${x}`)), scale).map(([f, e]) => `${f} ${e}`),
  text: fc
    .tuple(
      fc.oneof(fc.constant(''), fc.constant('FILL MODE'), textValue.map((s) => `FILL ${sqlText(s)}`)),
      fc.oneof(fc.constant(''), fc.constant('ONE_HOT TOP 2'), fc.uniqueArray(textValue, { minLength: 1, maxLength: 3 }).map((vs) => `ONE_HOT (${vs.map(sqlText).join(', ')})`)),
    )
    .map(([f, e]) => `${f} ${e}`),
  boolean: fc.tuple(fc.constantFrom('', 'FILL MODE', 'FILL TRUE', 'FILL FALSE'), fc.constantFrom('', 'ONE_HOT TOP 2')).map(([f, e]) => `${f} ${e}`),
  date: fc.constantFrom('', 'FILL MODE', "FILL DATE '2024-02-29'", "FILL DATE '0050-01-01'"),
  timestamp: fc.constantFrom('', 'FILL MODE', "FILL TIMESTAMP '2024-03-01 14:05:00.25'", "FILL TIMESTAMP '0099-12-31 23:59:59'", "FILL DATE '2024-03-01'"),
};

const featureSpec = fc.constantFrom<Kind>('integer', 'double', 'text', 'boolean', 'date', 'timestamp').chain((kind) => fc.tuple(fc.constant(kind), fc.constantFrom(...RAW[kind]), clauses[kind]));

/** Random fitted parameters that a real population could give (stddev ≥ 0, min ≤ max, q1 ≤ median ≤ q3). */
function fittedFor(f: FeatureInfo, g: fc.Arbitrary<number>): fc.Arbitrary<FittedParameters> {
  const numeric = f.rawType === 'INTEGER' || f.rawType === 'DOUBLE';
  const modeOf: Record<ScalarType, fc.Arbitrary<LiteralValue>> = {
    INTEGER: fc.integer({ min: -5, max: 5 }),
    DOUBLE: fc.double({ min: -1e3, max: 1e3, noNaN: true }).map((x) => (x === 0 ? 0 : x)),
    TEXT: textValue,
    BOOLEAN: fc.boolean(),
    DATE: fc.integer({ min: -700_000, max: 100_000 }),
    TIMESTAMP: fc.integer({ min: -1e15, max: 1e15 }),
  };
  const vocabulary: fc.Arbitrary<Exclude<LiteralValue, null>[]> =
    f.rawType === 'TEXT' ? fc.uniqueArray(textValue, { maxLength: 2 }) : f.rawType === 'BOOLEAN' ? fc.uniqueArray(fc.boolean(), { maxLength: 2 }) : fc.uniqueArray(fc.integer({ min: -3, max: 3 }), { maxLength: 3 });
  const sorted = (n: number) => fc.array(g, { minLength: n, maxLength: n }).map((xs) => xs.sort((a, b) => a - b));
  return fc
    .record({
      empty: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      five: sorted(5),
      spread: fc.oneof(fc.constant(0), g.map(Math.abs)),
      mean: g,
      mode: fc.option(modeOf[f.rawType], { nil: null, freq: 8 }),
      vocabulary,
    })
    .map(({ empty, five, spread, mean, mode, vocabulary: v }) => {
      const vocab = f.encoding?.kind === 'one_hot_values' ? [...f.encoding.values] : f.encoding?.kind === 'one_hot_top' ? v : [];
      const none = empty || !numeric;
      return {
        fitTime: 0,
        count: empty ? 0 : 10,
        mean: none ? null : mean,
        stddev: none ? null : spread,
        min: none ? null : five[0]!,
        q1: none ? null : five[1]!,
        median: none ? null : five[2]!,
        q3: none ? null : five[3]!,
        max: none ? null : five[4]!,
        mode: empty ? null : mode,
        vocabulary: vocab,
        columns: f.encoding?.kind === 'one_hot_values' ? [...f.encoding.columns] : oneHotColumnNames(f.name, vocab).columns,
      };
    });
}

/** Exactly equal (the canonical representation reads -0 as 0). */
const same = (a: unknown, b: unknown) => a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));

/**
 * SCALE LOG needs `ln`, which no two math libraries round alike in the last
 * bit (V8's Math.log gives ln 3 = 1.0986122886681096, SQLite's libm …098):
 * within 2 units in the last place. Every other transform is exact arithmetic
 * and must be bit-equal.
 */
const withinUlps = (a: unknown, b: unknown) =>
  same(a, b) || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 2 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b)));

describe('the JavaScript transforms of a never-seen key equal the SQL ones', () => {
  it('for random features and fitted parameters, on SQLite', async () => {
    const engine = await openEngine('sqlite');
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(featureSpec, { minLength: 1, maxLength: 6 }).chain((specs) => {
            const text = HEADER + specs.map(([, raw, c], i) => `CREATE FEATURE f${i} ENTITY user FROM events AS ${raw} ${c};\n`).join('');
            const r = checkText(text, 'transforms.fsql');
            const errors = r.diagnostics.filter((d) => d.severity === 'error');
            if (errors.length > 0) throw new Error(`${errors.map((d) => d.message).join('\n')}\n${text}`);
            const features = specs.map((_s, i) => r.catalog.features[`f${i}`]![0]!);
            const numbers = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -100, max: 100 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }));
            return fc.tuple(fc.constant(text), fc.tuple(...features.map((f) => fittedFor(f, numbers))));
          }),
          async ([text, fits]) => {
            const catalog = checkText(text, 'transforms.fsql').catalog;
            const fitted = (name: string) => (name === 'seen' ? undefined : fits[Number(name.slice(1))]);
            for (const t of ['anchor', 'events']) await engine.execute(`DROP TABLE IF EXISTS "${t}"`);
            // 'k' has a row in anchor only: every events feature is an empty lookup for it.
            await loadProject(engine, catalog, { anchor: [{ user_id: 'k', ts: 0 }], events: [{ user_id: 'z', i: 1, d: 1, t: 'a', b: true, day: 0, at: 0, ts: 0 }] });
            const plan = planMaterialize(catalog, 'user', fitted);
            const table = await runMaterialize(engine, plan, { as_of: 86_400_000_000 });
            const row = table.rows.find((r) => r[0] === 'k')!;
            for (const t of plan.transforms) {
              if (t.feature.name === 'seen') continue;
              const l = plan.lookups.find((x) => x.id === t.lookup)!;
              const sql = t.outputs.map((o) => row[table.columns.indexOf(o.name)]);
              const js = emptyOutputs(t, l);
              const equal = t.scale?.kind === 'log' ? withinUlps : same;
              const ok = sql.length === js.length && sql.every((v, j) => equal(v, js[j]));
              expect(ok, `${t.feature.name}: SQLite ${JSON.stringify(sql)}, JavaScript ${JSON.stringify(js)}\n${text}\n${JSON.stringify(fitted(t.feature.name))}`).toBe(true);
            }
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      await engine.close();
    }
  });
});
