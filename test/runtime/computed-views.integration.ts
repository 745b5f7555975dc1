/**
 * PostgreSQL inlines a view into the per-spine-row lookups that read it: a
 * GROUP BY view would be aggregated again for every spine row. A training
 * set (and an ad-hoc spine) copies each computed view it reads once into an
 * indexed temporary table (`EngineCapabilities.computesViewsOnce`,
 * `withComputedViews` in src/runtime/run-plan.ts): the training query reads
 * the source only for its label spine, and the values are the hand-worked ones.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProject } from '../../src/check/project.js';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { planTraining } from '../../src/plan/build.js';
import { compilePlan } from '../../src/sql/compile.js';
import { loadProject, runTraining, withComputedViews } from '../../src/runtime/run-plan.js';
import { postgresUrl } from '../support/services.js';

const TEXT = `
CREATE ENTITY airport KEY (origin TEXT);
CREATE SOURCE flights (date TIMESTAMP NOT NULL, delay INTEGER, origin TEXT NOT NULL) FROM STREAM EVENT TIME date;
CREATE VIEW daily EVENT TIME last AS
  SELECT origin, CAST(date AS DATE) AS day, COUNT(*) AS n, MAX(date) AS last FROM flights GROUP BY origin, CAST(date AS DATE);
CREATE FEATURE prev_n ENTITY airport FROM daily AS n;
CREATE FEATURE days_2d ENTITY airport FROM daily AS COUNT(*) WINDOW 2 DAYS;
CREATE LABEL delay ENTITY airport FROM flights AS delay;
CREATE TRAINING SET t LABEL delay FEATURES (prev_n, days_2d);
`;

const H = 3_600_000_000;
const DAY = 24 * H;
const JAN1 = Date.UTC(2001, 0, 1) * 1000;
const FLIGHTS = [
  { date: JAN1 + 10 * H, delay: 5, origin: 'ORD' },
  { date: JAN1 + 12 * H, delay: 7, origin: 'ORD' },
  { date: JAN1 + DAY + 9 * H, delay: 1, origin: 'ORD' },
  { date: JAN1 + 11 * H, delay: 3, origin: 'SFO' },
];

const database = `fsql_cviews_${process.pid}_${Date.now().toString(36)}`;
let url = '';

const admin = async (text: string) => {
  const c = new pg.Client({ connectionString: postgresUrl() });
  await c.connect();
  await c.query(text).finally(() => c.end());
};

beforeAll(async () => {
  await admin(`CREATE DATABASE ${database}`);
  const u = new URL(postgresUrl());
  u.pathname = `/${database}`;
  url = u.toString();
});

afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

describe('postgres: computed views once per run', () => {
  it('the training query reads a copy of the GROUP BY view, not the source per spine row, with the hand-worked values', async () => {
    const r = checkProject([{ path: 'p.fsql', text: TEXT }]);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const engine: Engine = await openEngine('postgres', url, { schema: 'cv' });
    try {
      await loadProject(engine, r.catalog, { flights: FLIGHTS });
      const plan = planTraining(r.catalog, 't', () => undefined);
      const scans = (text: string) => text.split('\n').filter((l) => /Scan.* on flights\b/.test(l)).length;
      // As the view: the lookups read flights through it (the inlined aggregate), besides the label spine.
      const inlined = (await engine.query(`EXPLAIN (COSTS OFF) ${compilePlan(plan, 'postgres').sql}`)).map((x) => String(Object.values(x)[0])).join('\n');
      expect(scans(inlined)).toBeGreaterThan(1);
      // With the copy: flights is read once, by the label spine.
      const copied = await withComputedViews(engine, plan, async (tables) => {
        expect(Object.keys(tables ?? {})).toEqual(['daily']);
        return (await engine.query(`EXPLAIN (COSTS OFF) ${compilePlan(plan, 'postgres', {}, { tables: tables! }).sql}`)).map((x) => String(Object.values(x)[0])).join('\n');
      });
      expect(scans(copied)).toBe(1);
      // The copies are gone afterwards.
      expect(await engine.query('SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = pg_my_temp_schema()')).toEqual([{ n: 0 }]);

      const table = await runTraining(engine, plan);
      const rows = table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]])));
      rows.sort((a, b) => String(a['origin']).localeCompare(String(b['origin'])) || Number(a['date']) - Number(b['date']));
      // prev_n: the newest daily row whose last departure is at or before t; days_2d: daily rows with last in (t − 2 days, t].
      expect(rows).toEqual([
        { origin: 'ORD', date: JAN1 + 10 * H, prev_n: null, days_2d: 0, delay: 5 },
        { origin: 'ORD', date: JAN1 + 12 * H, prev_n: 2, days_2d: 1, delay: 7 },
        { origin: 'ORD', date: JAN1 + DAY + 9 * H, prev_n: 1, days_2d: 2, delay: 1 },
        { origin: 'SFO', date: JAN1 + 11 * H, prev_n: 1, days_2d: 1, delay: 3 },
      ]);
    } finally {
      await engine.close();
    }
  });
});
