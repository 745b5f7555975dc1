/**
 * Computed views (GROUP BY, DISTINCT, or over such a view) read by a training
 * set or ad-hoc spine are listed on the plan (`computedViews`), with the
 * (keys, event time) column lists its lookups probe, so that the runtime can
 * copy each once per run (src/runtime/run-plan.ts `withComputedViews`); the
 * compiled SQL then reads the copy under the view's name.
 * test/runtime/computed-views.integration.ts runs it on PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { checkProject } from '../../src/check/project.js';
import { planSpine, planTraining } from '../../src/plan/build.js';
import { compilePlan } from '../../src/sql/compile.js';
import { readProjectFiles } from '../../src/project/files.js';
import { FLIGHTS } from '../conformance/real-data.js';

const TEXT = `
CREATE ENTITY airport KEY (origin TEXT);
CREATE SOURCE flights (date TIMESTAMP NOT NULL, delay INTEGER, origin TEXT NOT NULL) FROM STREAM EVENT TIME date;
CREATE VIEW late EVENT TIME date AS SELECT date, origin, delay FROM flights WHERE delay > 15;
CREATE VIEW daily EVENT TIME last AS
  SELECT origin, CAST(date AS DATE) AS day, COUNT(*) AS n, MAX(date) AS last FROM flights GROUP BY origin, CAST(date AS DATE);
CREATE VIEW busy_days EVENT TIME last AS SELECT origin, last, n FROM daily WHERE n > 1;
CREATE VIEW pairs EVENT TIME date AS SELECT DISTINCT date, origin FROM flights;
CREATE FEATURE prev_n ENTITY airport FROM daily AS n;
CREATE FEATURE days_2d ENTITY airport FROM daily AS COUNT(*) WINDOW 2 DAYS;
CREATE FEATURE busy_2d ENTITY airport FROM busy_days AS COUNT(*) WINDOW 2 DAYS;
CREATE FEATURE pairs_1d ENTITY airport FROM pairs AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE late_1d ENTITY airport FROM late AS COUNT(*) WINDOW 1 DAY;
CREATE LABEL delay ENTITY airport FROM flights AS delay;
CREATE TRAINING SET t LABEL delay FEATURES (prev_n, days_2d, busy_2d, pairs_1d, late_1d);
CREATE TRAINING SET plain LABEL delay FEATURES (late_1d);
`;

function catalog(text: string) {
  const r = checkProject([{ path: 'p.fsql', text }]);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.catalog;
}

describe('computed views', () => {
  it('a training plan lists the grouped, DISTINCT and derived-from-grouped views it reads, with their lookups\' (keys, time)', () => {
    const plan = planTraining(catalog(TEXT), 't', () => undefined);
    expect(plan.computedViews?.map((v) => [v.name, v.indexes])).toEqual([
      ['daily', [['origin', 'last']]],
      ['busy_days', [['origin', 'last']]],
      ['pairs', [['origin', 'date']]],
    ]);
    expect(plan.computedViews?.[0]?.columns.map((c) => c.name)).toEqual(['origin', 'day', 'n', 'last']);
    // A filter over a source is inlined cheaply: not listed; nor is anything for a set reading only such views.
    expect(planTraining(catalog(TEXT), 'plain', () => undefined).computedViews).toBeUndefined();
  });

  it('an ad-hoc spine lists them too', () => {
    const plan = planSpine(catalog(TEXT), [{ name: 'busy_2d' }, { name: 'late_1d' }], () => undefined, {
      table: 'spine_rows',
      rowColumn: 'row',
      time: { column: 't', type: 'TIMESTAMP', output: 't' },
    });
    expect(plan.computedViews?.map((v) => v.name)).toEqual(['busy_days']);
  });

  it('the flights project: route_daily and airport_daily, not the filtered and joined views', () => {
    const c = catalog(readProjectFiles(FLIGHTS).map((f) => f.text).join('\n'));
    const delays = planTraining(c, 'delays', () => undefined, { preview: true });
    expect(delays.computedViews?.map((v) => [v.name, v.indexes])).toEqual([
      ['route_daily', [['origin', 'destination', 'last_departure']]],
      ['airport_daily', [['origin', 'day']]],
    ]);
    expect(planTraining(c, 'interstate_minutes', () => undefined, { preview: true }).computedViews).toBeUndefined();
  });

  it('compiled with `tables`, every read of the view reads the copy under the view\'s name', () => {
    const plan = planTraining(catalog(TEXT), 't', () => undefined);
    for (const target of ['postgres', 'sqlite', 'duckdb'] as const) {
      const before = compilePlan(plan, target).sql;
      const after = compilePlan(plan, target, {}, { tables: { daily: 'copy_daily', busy_days: 'copy_busy', pairs: 'copy_pairs' } }).sql;
      expect(before).toMatch(/FROM "daily"/);
      expect(after).not.toMatch(/(FROM|JOIN) "(daily|busy_days|pairs)"/);
      expect(after).toMatch(/"copy_daily" AS "daily"/);
      expect(after).toMatch(/"copy_busy" AS "busy_days"/);
      // Everything else is printed as before.
      expect(after.replace(/"copy_daily" AS "daily"/g, '"daily"').replace(/"copy_busy" AS "busy_days"/g, '"busy_days"').replace(/"copy_pairs" AS "pairs"/g, '"pairs"')).toBe(before);
    }
  });
});
