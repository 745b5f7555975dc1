/**
 * Windowed MIN / MAX and COUNT(DISTINCT) read from window frames over events
 * ∪ spine (`strategies.frames`, src/sql/lower-frames.ts) equal the reference
 * evaluator at the edges of windows: events exactly at a window's start
 * (excluded) and end (included), ties in event time, NULL values (skipped;
 * MIN / MAX of only NULLs is NULL, COUNT(DISTINCT) 0), empty windows, windows
 * shorter than the time grid and longer than the history, no window at all,
 * AVAILABLE delays, `AS OF < t`, WHERE filters, text compared by code points,
 * several windows over one relation, mixed with running-total aggregates.
 * SQLite frames MIN / MAX (its COUNT(DISTINCT) is a correlated subquery per
 * label); DuckDB frames all three.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { openEngine } from '../../src/engine/open.js';
import type { EngineTarget, Row } from '../../src/engine/engine.js';
import { loadProject } from '../../src/runtime/run-plan.js';
import { planTraining } from '../../src/plan/build.js';
import { dialectFor } from '../../src/sql/dialects/index.js';
import { lowerTraining } from '../../src/sql/lower-plan.js';
import { SqlPrinter } from '../../src/sql/print.js';
import { findFeature, fitAll, trainingSet } from '../reference/index.js';
import { rowsProblem } from '../support/compare-rows.js';

const BASE = Date.UTC(2024, 0, 1) * 1000;
const HOUR = 3_600_000_000;

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
/** Whole hours over three days: windows of whole hours start and end exactly on events and labels. */
const time = fc.integer({ min: 0, max: 72 }).map((h) => BASE + h * HOUR);

const eventRow = fc.record({
  user_id: pick(['u1', 'u2', 'u3', null]),
  x: pick([null, 0.1, -2.5, 7, 1e16, 0.3]),
  n: pick([null, 0, 1, -3, 5, 2 ** 40]),
  s: pick([null, 'a', 'B', 'b', 'é', 'Z', '']),
  flag: pick([null, true, false]),
  ts: time,
});
/** A row and up to two more at the same user and time (ties), values drawn afresh. */
const eventRows = eventRow.chain((first) =>
  fc
    .array(fc.record({ x: eventRow.map((r) => r.x), n: eventRow.map((r) => r.n), s: eventRow.map((r) => r.s), flag: eventRow.map((r) => r.flag) }), { maxLength: 2 })
    .map((more) => [first, ...more.map((m) => ({ ...first, ...m }))]),
);

const AGGREGATES = ['MIN(x)', 'MAX(x)', 'MIN(n)', 'MAX(n)', 'MAX(s)', 'MIN(s)', 'COUNT(DISTINCT n)', 'COUNT(DISTINCT s)', 'COUNT(DISTINCT flag)', 'COUNT(*)', 'SUM(n)'] as const;
const WINDOWS = [undefined, '1 SECOND', '1 HOUR', '2 HOURS', '5 HOURS', '1 DAY', '30 DAYS'] as const;

const feature = fc.record({
  as: pick(AGGREGATES),
  window: pick(WINDOWS),
  where: fc.option(pick(['flag', 'NOT flag', 'n > 0', 'x IS NOT NULL']), { freq: 3, nil: undefined }),
  strict: fc.boolean(),
});

interface FrameCase {
  readonly features: readonly { readonly as: string; readonly window: string | undefined; readonly where: string | undefined; readonly strict: boolean }[];
  readonly events: Row[];
  readonly labels: Row[];
  readonly available: string;
}

const frameCase: fc.Arbitrary<FrameCase> = fc.record({
  features: fc.array(feature, { minLength: 1, maxLength: 5 }),
  events: fc.array(eventRows, { maxLength: 25 }).map((g) => g.flat()),
  labels: fc.array(fc.record({ user_id: pick(['u1', 'u2', 'u3', 'u4']), ts: time, y: pick([null, 1, 2]) }), { minLength: 1, maxLength: 12 }),
  available: pick(['', ' AVAILABLE AFTER 1 HOUR', ' AVAILABLE AFTER 30 MINUTES']),
});

function project(c: FrameCase): string {
  const features = c.features.map((f, i) => `CREATE FEATURE w${i + 1} ENTITY user FROM events AS ${f.as}${f.window ? ` WINDOW ${f.window}` : ''}${f.where ? ` WHERE ${f.where}` : ''}${f.strict ? ' AS OF < t' : ''};`);
  return [
    'CREATE ENTITY user KEY (user_id TEXT);',
    `CREATE SOURCE events (user_id TEXT, x DOUBLE, n INTEGER, s TEXT, flag BOOLEAN, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts${c.available};`,
    'CREATE SOURCE labels (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y INTEGER) FROM STREAM EVENT TIME ts;',
    'CREATE LABEL y ENTITY user FROM labels AS y;',
    ...features,
    `CREATE TRAINING SET ts LABEL y FEATURES (${c.features.map((_f, i) => `w${i + 1}`).join(', ')});`,
  ].join('\n');
}

async function check(target: EngineTarget, c: FrameCase): Promise<void> {
  const text = project(c);
  const checked = checkText(text, 'frames.fsql');
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${errors.map((d) => d.message).join('\n')}\n${text}`);
  const catalog = checked.catalog;
  const data: Record<string, Row[]> = { events: c.events, labels: c.labels };
  const fitted = fitAll(catalog, data, c.features.map((_f, i) => findFeature(catalog, `w${i + 1}`)));
  const expected = trainingSet(catalog, data, 'ts', undefined, { fitted });
  const plan = planTraining(catalog, 'ts', () => undefined);
  const dialect = dialectFor(target);
  const sql = new SqlPrinter(dialect).statement(lowerTraining(plan, dialect));
  const engine = await openEngine(target);
  try {
    await loadProject(engine, catalog, data);
    const rows = await engine.queryValues(sql, plan.columns);
    expect(rowsProblem(rows, expected.rows), `${target}\n${text}\n${JSON.stringify(data)}`).toBeUndefined();
  } finally {
    await engine.close();
  }
}

const RUNS = Number(process.env.FSQL_DIFF_RUNS ?? 60);

describe('windowed MIN / MAX / COUNT(DISTINCT) from window frames equal the reference evaluator at window edges', () => {
  it.each(['sqlite', 'duckdb'] as const)('%s', async (target) => {
    await fc.assert(
      fc.asyncProperty(frameCase, (c) => check(target, c)),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 240_000);

  it('takes the frames path: MIN / MAX on SQLite and DuckDB, COUNT(DISTINCT) on DuckDB (a correlated probe on SQLite)', () => {
    const c: FrameCase = {
      features: [
        { as: 'MAX(x)', window: '1 DAY', where: undefined, strict: false },
        { as: 'COUNT(DISTINCT s)', window: '1 DAY', where: undefined, strict: false },
      ],
      events: [],
      labels: [],
      available: '',
    };
    const catalog = checkText(project(c), 'f.fsql').catalog;
    const plan = planTraining(catalog, 'ts', () => undefined);
    const sql = (target: 'sqlite' | 'duckdb') => new SqlPrinter(dialectFor(target)).statement(lowerTraining(plan, dialectFor(target)));
    expect(sql('sqlite')).toMatch(/MAX\([^)]*\) OVER \(PARTITION BY [^)]* RANGE BETWEEN 86399999999 PRECEDING AND CURRENT ROW\)/);
    expect(sql('sqlite')).not.toMatch(/COUNT\(DISTINCT [^)]*\) OVER/);
    // SQLite's COUNT(DISTINCT) is a correlated subquery per label (no GROUP BY over every (label, event) pair).
    expect(sql('sqlite')).toMatch(/\(\s*SELECT COUNT\(DISTINCT "events"\."s"\)\s+FROM "events"\s+WHERE/);
    expect(sql('duckdb')).toMatch(/COUNT\(DISTINCT [^)]*\) OVER \(PARTITION BY [^)]* RANGE BETWEEN \(INTERVAL \(86399999999\) MICROSECOND\) PRECEDING AND CURRENT ROW\)/);
  });

  it('hand-worked: the window (t − 1 h, t] and AS OF < t at ties (SQLite and DuckDB)', async () => {
    // Events of u1 at 10:00 (x 5, s 'b'), 11:00 (x 1, s 'a'), 12:00 (x 3 and x 9, s 'a' and 'B': a tie); a label at 12:00.
    // MAX(x) over (11:00, 12:00] = 9; AS OF < t, over (11:00, 12:00) = NULL; MIN over 2 hours (10:00, 12:00] = 1;
    // COUNT(DISTINCT s) over 2 hours = {a, B} = 2, AS OF < t = {a} = 1; MAX(s) by code points over 1 hour: 'a' > 'B'.
    const at = (h: number) => BASE + h * HOUR;
    const c: FrameCase = {
      features: [
        { as: 'MAX(x)', window: '1 HOUR', where: undefined, strict: false },
        { as: 'MAX(x)', window: '1 HOUR', where: undefined, strict: true },
        { as: 'MIN(x)', window: '2 HOURS', where: undefined, strict: false },
        { as: 'COUNT(DISTINCT s)', window: '2 HOURS', where: undefined, strict: false },
        { as: 'COUNT(DISTINCT s)', window: '2 HOURS', where: undefined, strict: true },
        { as: 'MAX(s)', window: '1 HOUR', where: undefined, strict: false },
      ],
      events: [
        { user_id: 'u1', x: 5, n: null, s: 'b', flag: null, ts: at(10) },
        { user_id: 'u1', x: 1, n: null, s: 'a', flag: null, ts: at(11) },
        { user_id: 'u1', x: 3, n: null, s: 'a', flag: null, ts: at(12) },
        { user_id: 'u1', x: 9, n: null, s: 'B', flag: null, ts: at(12) },
      ],
      labels: [{ user_id: 'u1', ts: at(12), y: 1 }],
      available: '',
    };
    const catalog = checkText(project(c), 'f.fsql').catalog;
    const plan = planTraining(catalog, 'ts', () => undefined);
    for (const target of ['sqlite', 'duckdb'] as const) {
      const engine = await openEngine(target);
      try {
        await loadProject(engine, catalog, { events: c.events, labels: c.labels });
        const rows = await engine.queryValues(new SqlPrinter(dialectFor(target)).statement(lowerTraining(plan, dialectFor(target))), plan.columns);
        expect(rows[0]!.slice(2, 8), target).toEqual([9, null, 1, 2, 1, 'a']);
      } finally {
        await engine.close();
      }
    }
  }, 60_000);
});
