/**
 * Compiling one entity's online plan is linear in its features (issue 10,
 * finding 9: `compile --entity` took 0.33 s for 1,000 features, 5 s for
 * 4,000 and 204 s for 11,522 — planMaterialize scanned every feature for
 * every feature).
 *
 * The measure is a count, not a time: every read of a property of a feature
 * (while planning) and of a lookup or transform step (while lowering to SQL)
 * is counted through a proxy. Eight times the features must cost about eight
 * times the reads; a scan per feature makes it sixty-four. The SQL is printed
 * too, and must grow linearly in characters.
 */
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/check/catalog.js';
import { checkProject } from '../../src/check/project.js';
import { planMaterialize } from '../../src/plan/build.js';
import type { MaterializePlan } from '../../src/plan/ir.js';
import { dialects } from '../../src/sql/dialects/index.js';
import { lowerMaterialize } from '../../src/sql/lower-plan.js';
import { SqlPrinter } from '../../src/sql/print.js';
import { fixedFits, TIMES } from '../sql/support.js';

/** One entity with `n` features of every kind: windowed aggregates, latest values with TTL, FILL, SCALE, ONE_HOT, over two sources and a view, some with a second VERSION. */
function project(n: number): string {
  const out = [
    'CREATE ENTITY user KEY (user_id TEXT);',
    'CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, category TEXT, ts TIMESTAMP NOT NULL) FROM TABLE events EVENT TIME ts;',
    'CREATE SOURCE profiles (user_id TEXT NOT NULL, country TEXT, age INTEGER) FROM TABLE profiles;',
    'CREATE VIEW big_events EVENT TIME ts AS SELECT user_id, amount, category, ts FROM events WHERE amount > 100;',
  ];
  const aggregates = ['SUM(amount)', 'COUNT(*)', 'AVG(amount)', 'MAX(amount)', 'COUNT(DISTINCT category)'];
  for (let i = 0; i < n; i++) {
    const version = i % 10 === 9 ? ' VERSION 2' : '';
    const name = i % 10 === 9 ? `f${i - 1}` : `f${i}`;
    switch (i % 5) {
      case 0:
        out.push(`CREATE FEATURE ${name}${version} ENTITY user FROM events AS ${aggregates[i % 5]} WHERE amount > ${i} WINDOW ${1 + (i % 30)} DAYS FILL ZERO;`);
        break;
      case 1:
        out.push(`CREATE FEATURE ${name}${version} ENTITY user FROM big_events AS ${aggregates[(i >> 1) % 5]} WINDOW ${1 + (i % 90)} DAYS;`);
        break;
      case 2:
        out.push(`CREATE FEATURE ${name}${version} ENTITY user FROM events AS amount * ${i} TTL ${1 + (i % 10)} DAYS FILL MEAN SCALE STANDARD;`);
        break;
      case 3:
        out.push(`CREATE FEATURE ${name}${version} ENTITY user FROM events AS category TTL 3 DAYS ONE_HOT TOP 3;`);
        break;
      default:
        out.push(`CREATE FEATURE ${name}${version} ENTITY user FROM profiles AS ${i % 2 ? 'country' : 'age'};`);
    }
  }
  return out.join('\n');
}

const counting = <T extends object>(target: T, counter: { reads: number }): T =>
  new Proxy(target, {
    get(t, key, receiver) {
      counter.reads++;
      return Reflect.get(t, key, receiver) as unknown;
    },
  });

/** Reads of features while planning, and of plan steps while lowering; and the SQL's length. */
function work(n: number): { planReads: number; lowerReads: number; chars: number; features: number } {
  const { catalog, diagnostics } = checkProject([{ path: 'p.fsql', text: project(n) }]);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const fitted = fixedFits(catalog);
  const planning = { reads: 0 };
  const counted: Catalog = { ...catalog, features: Object.fromEntries(Object.entries(catalog.features).map(([k, vs]) => [k, vs.map((f) => counting(f, planning))])) };
  const plan = planMaterialize(counted, 'user', fitted);
  const lowering = { reads: 0 };
  const countedPlan: MaterializePlan = { ...plan, lookups: plan.lookups.map((l) => counting(l, lowering)), transforms: plan.transforms.map((t) => counting(t, lowering)) };
  const dialect = dialects.postgres!;
  const sql = new SqlPrinter(dialect).statement(lowerMaterialize(countedPlan, dialect, TIMES));
  return { planReads: planning.reads, lowerReads: lowering.reads, chars: sql.length, features: plan.lookups.length };
}

describe('compiling an entity is linear in its features', () => {
  it('8× the features costs about 8× the reads, not 64×', () => {
    const small = work(500);
    const big = work(4000);
    const ratio = big.features / small.features;
    expect(ratio).toBeGreaterThan(7);
    // Within 1.25× of linear (the plan's fixed parts make the small case a little dearer per feature).
    expect(big.planReads / small.planReads, `plan reads: ${small.planReads} → ${big.planReads}`).toBeLessThan(ratio * 1.25);
    expect(big.lowerReads / small.lowerReads, `lowering reads: ${small.lowerReads} → ${big.lowerReads}`).toBeLessThan(ratio * 1.25);
    expect(big.chars / small.chars).toBeLessThan(ratio * 1.25);
  }, 120_000);
});
