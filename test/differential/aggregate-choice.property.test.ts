/**
 * Choosing running totals or the range join from statistics of the data
 * (src/sql/choose-aggregate.ts) never changes a value: a training set
 * compiled with random statistics and random cost constants — so that every
 * lookup group goes either way, and the groups of one relation differently —
 * equals the reference evaluator, on SQLite and DuckDB. And the runtime's own
 * path (statistics gathered by `runTraining`) gives the reference's rows too.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { openEngine } from '../../src/engine/open.js';
import type { EngineTarget, Row } from '../../src/engine/engine.js';
import { loadProject, runTraining } from '../../src/runtime/run-plan.js';
import { planTraining } from '../../src/plan/build.js';
import type { AggregateCosts, RelationStatistics } from '../../src/sql/choose-aggregate.js';
import type { Dialect } from '../../src/sql/dialect.js';
import { dialectFor } from '../../src/sql/dialects/index.js';
import { aggregateChoices, lowerTraining } from '../../src/sql/lower-plan.js';
import { SqlPrinter } from '../../src/sql/print.js';
import { findFeature, fitAll, trainingSet } from '../reference/index.js';
import { rowsProblem } from '../support/compare-rows.js';

const BASE = Date.UTC(2024, 0, 1) * 1000;
const HOUR = 3_600_000_000;
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const time = fc.integer({ min: 0, max: 72 }).map((h) => BASE + h * HOUR);

const eventRow = fc.record({
  user_id: pick(['u1', 'u2', 'u3', null]),
  x: pick([null, 0.1, 0.2, -2.5, 7, 1e16, 0.3]),
  n: pick([null, 0, 1, -3, 5, 2 ** 40]),
  flag: pick([null, true, false]),
  ts: time,
});

/** Prefixable aggregates and the ones that always take another path (MIN / MAX, COUNT(DISTINCT)), to mix the groups. */
const AGGREGATES = ['COUNT(*)', 'COUNT(x)', 'SUM(x)', 'AVG(x)', 'SUM(n)', 'AVG(n)', 'MAX(x)', 'MIN(n)', 'COUNT(DISTINCT n)'] as const;
const WINDOWS = [undefined, '1 SECOND', '1 HOUR', '5 HOURS', '1 DAY', '30 DAYS'] as const;

const feature = fc.record({
  as: pick(AGGREGATES),
  window: pick(WINDOWS),
  where: fc.option(pick(['flag', 'n > 0']), { freq: 2, nil: undefined }),
  strict: fc.boolean(),
});

/** Magnitudes from 0 to 10¹² (log-uniform-ish): either side of any comparison. */
const magnitude = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 12 }).map((e) => 10 ** e),
);
const costs: fc.Arbitrary<AggregateCosts> = fc.record({
  row: magnitude,
  doubleRow: magnitude,
  rowProbe: magnitude,
  labelProbe: magnitude,
  pair: magnitude,
  label: magnitude,
  rangeScan: fc.boolean(),
});
const statistics = fc.record({ rows: magnitude, spineRows: magnitude, pairs: magnitude, spanSeconds: magnitude });

interface ChoiceCase {
  readonly features: readonly { readonly as: string; readonly window: string | undefined; readonly where: string | undefined; readonly strict: boolean }[];
  readonly events: Row[];
  readonly labels: Row[];
  readonly available: string;
  readonly costs: AggregateCosts;
  readonly statistics: { rows: number; spineRows: number; pairs: number; spanSeconds: number };
}

const choiceCase: fc.Arbitrary<ChoiceCase> = fc.record({
  features: fc.array(feature, { minLength: 1, maxLength: 6 }),
  events: fc.array(eventRow, { maxLength: 30 }),
  labels: fc.array(fc.record({ user_id: pick(['u1', 'u2', 'u3', 'u4']), ts: time, y: pick([null, 1, 2]) }), { minLength: 1, maxLength: 10 }),
  available: pick(['', ' AVAILABLE AFTER 1 HOUR']),
  costs,
  statistics,
});

function project(c: Pick<ChoiceCase, 'features' | 'available'>): string {
  return [
    'CREATE ENTITY user KEY (user_id TEXT);',
    `CREATE SOURCE events (user_id TEXT, x DOUBLE, n INTEGER, flag BOOLEAN, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts${c.available};`,
    'CREATE SOURCE labels (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y INTEGER) FROM STREAM EVENT TIME ts;',
    'CREATE LABEL y ENTITY user FROM labels AS y;',
    ...c.features.map(
      (f, i) =>
        `CREATE FEATURE w${i + 1} ENTITY user FROM events AS ${f.as}${f.window ? ` WINDOW ${f.window}` : ''}${f.where ? ` WHERE ${f.where}` : ''}${f.strict ? ' AS OF < t' : ''};`,
    ),
    `CREATE TRAINING SET ts LABEL y FEATURES (${c.features.map((_f, i) => `w${i + 1}`).join(', ')});`,
  ].join('\n');
}

function setUp(c: Pick<ChoiceCase, 'features' | 'available' | 'events' | 'labels'>) {
  const text = project(c);
  const checked = checkText(text, 'choice.fsql');
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${errors.map((d) => d.message).join('\n')}\n${text}`);
  const catalog = checked.catalog;
  const data: Record<string, Row[]> = { events: c.events, labels: c.labels };
  const fitted = fitAll(
    catalog,
    data,
    c.features.map((_f, i) => findFeature(catalog, `w${i + 1}`)),
  );
  const expected = trainingSet(catalog, data, 'ts', undefined, { fitted });
  return { text, catalog, data, expected, plan: planTraining(catalog, 'ts', () => undefined) };
}

/** Which lookups the choices read from running totals, over every case run: both ways must have been taken. */
const seen = { prefix: 0, join: 0 };

async function check(target: EngineTarget, c: ChoiceCase): Promise<void> {
  const { text, catalog, data, expected, plan } = setUp(c);
  const base = dialectFor(target);
  const dialect: Dialect = { ...base, strategies: { ...base.strategies, aggregateCosts: c.costs } };
  const stats: RelationStatistics[] = [{ relation: 'events', keyColumns: ['user_id'], spineKeys: ['user_id'], ...c.statistics }];
  for (const choice of aggregateChoices(plan, dialect, stats)) {
    seen.prefix += choice.prefix.length;
    seen.join += choice.prefix.length === 0 ? 1 : 0;
  }
  const sql = new SqlPrinter(dialect).statement(lowerTraining(plan, dialect, {}, stats));
  const engine = await openEngine(target);
  try {
    await loadProject(engine, catalog, data);
    const rows = await engine.queryValues(sql, plan.columns);
    expect(rowsProblem(rows, expected.rows), `${target} ${JSON.stringify(c.costs)} ${JSON.stringify(c.statistics)}\n${text}\n${JSON.stringify(data)}`).toBeUndefined();
  } finally {
    await engine.close();
  }
}

const RUNS = Number(process.env.FSQL_DIFF_RUNS ?? 40);

describe('the windowed-aggregate strategy chosen from statistics never changes a value', () => {
  it.each(['sqlite', 'duckdb'] as const)(
    '%s: random statistics and costs equal the reference evaluator',
    async (target) => {
      await fc.assert(
        fc.asyncProperty(choiceCase, (c) => check(target, c)),
        { numRuns: RUNS, endOnFailure: true },
      );
      expect(seen.prefix, 'some lookups were read from running totals').toBeGreaterThan(0);
      expect(seen.join, 'some relations took the range join').toBeGreaterThan(0);
    },
    240_000,
  );

  it.each(['sqlite', 'duckdb'] as const)(
    '%s: runTraining gathers the statistics and its rows equal the reference',
    async (target) => {
      await fc.assert(
        fc.asyncProperty(choiceCase, async (c) => {
          const { text, catalog, data, expected, plan } = setUp(c);
          const engine = await openEngine(target);
          try {
            await loadProject(engine, catalog, data);
            const table = await runTraining(engine, plan);
            expect(rowsProblem(table.rows, expected.rows), `${target}\n${text}\n${JSON.stringify(data)}`).toBeUndefined();
          } finally {
            await engine.close();
          }
        }),
        { numRuns: Math.ceil(RUNS / 2), endOnFailure: true },
      );
    },
    240_000,
  );
});
