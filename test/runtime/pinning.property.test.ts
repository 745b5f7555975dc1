/**
 * Versions never change meaning, as a property (spec §5): for random projects
 * and random sequences of edits a team makes — edit a view's expression (also
 * one that other views read), add a column to a source, bump a feature's
 * VERSION, add a feature, drop old versions from the files, bump the training
 * set — applied one after another, every registered version's training rows
 * and served vectors stay exactly what they were when it was registered, on
 * SQLite and DuckDB.
 *
 * The expected values are the version's own first results (training rows the
 * first time it is trained, vectors the first time it is served, both at fixed
 * times over data that never changes): what is asserted is that no later
 * apply changes them. That those first results are right is proven elsewhere
 * against the reference evaluator (test/differential, test/runtime/consistency).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fsql, tempDir, writeFiles } from './support.js';

const KEYS = ['k1', 'k2', 'k3'];
/** DOUBLE-valued expressions over the row (`a` DOUBLE, `b` INTEGER) a view may compute. */
const VIEW_EXPRS = ['a', 'a * 2', 'a + 1', 'CAST(b AS DOUBLE)', 'COALESCE(a, 0)', 'a - CAST(b AS DOUBLE)', '-a'];
/** A feature's AS and clauses over a relation with `x` DOUBLE. */
const FEATURE_BODIES = [
  'AS x',
  'AS x FILL MEDIAN',
  'AS x FILL MEAN SCALE STANDARD',
  'AS AVG(x) WINDOW 3 DAYS FILL MEDIAN',
  'AS SUM(x) WINDOW 5 DAYS',
  'AS COUNT(*) WINDOW 2 DAYS SCALE MINMAX',
  'AS MAX(x) WINDOW 4 DAYS FILL ZERO',
];

interface Feature {
  readonly name: string;
  readonly version: number;
  /** `events` or a view `v0`, `v1`. */
  readonly from: string;
  readonly body: string;
}

interface Model {
  /** View i reads `events` (i = 0) or view i−1, and computes `x` with this expression. */
  viewExprs: string[];
  extraColumns: number;
  features: Feature[];
  /** name@version of features the files still declare. */
  inFiles: Set<string>;
  trainingSets: { version: number; features: string[] }[];
}

type Edit =
  | { readonly kind: 'edit_view'; readonly view: number; readonly expr: number }
  | { readonly kind: 'add_column' }
  | { readonly kind: 'bump_feature'; readonly feature: number; readonly body: number; readonly dropOld: boolean }
  | { readonly kind: 'add_feature'; readonly from: number; readonly body: number }
  | { readonly kind: 'bump_training_set' };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit_view' as const), view: fc.nat(1), expr: fc.nat(VIEW_EXPRS.length - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'add_column' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bump_feature' as const), feature: fc.nat(5), body: fc.nat(FEATURE_BODIES.length - 1), dropOld: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add_feature' as const), from: fc.nat(2), body: fc.nat(FEATURE_BODIES.length - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'bump_training_set' as const }) },
);

const eventArb = fc.record({
  key: fc.constantFrom(...KEYS),
  day: fc.integer({ min: 1, max: 9 }),
  hour: fc.constantFrom(0, 6, 12),
  a: fc.option(fc.integer({ min: -20, max: 20 }), { nil: null }),
  b: fc.integer({ min: 0, max: 5 }),
});

const RELATIONS = ['events', 'v0', 'v1'];

function projectText(m: Model): string {
  const extra = Array.from({ length: m.extraColumns }, (_, i) => `, c${i} DOUBLE`).join('');
  const lines = [
    'CREATE ENTITY thing KEY (k TEXT);',
    `CREATE SOURCE events (k TEXT NOT NULL, a DOUBLE, b INTEGER${extra}, ts TIMESTAMP NOT NULL) FROM FILE 'data/events.csv' EVENT TIME ts;`,
    `CREATE SOURCE outcomes (k TEXT NOT NULL, y BOOLEAN, ts TIMESTAMP NOT NULL) FROM FILE 'data/outcomes.csv' EVENT TIME ts;`,
    'CREATE LABEL y ENTITY thing FROM outcomes AS y;',
    `CREATE VIEW v0 EVENT TIME ts AS SELECT k, ${m.viewExprs[0]} AS x, ts FROM events;`,
    // v1 reads v0 (so editing v0 changes what v1 computes); a and b are not in v0: x is the only value.
    `CREATE VIEW v1 EVENT TIME ts AS SELECT k, ${m.viewExprs[1]!.replace(/\ba\b/g, 'x').replace(/CAST\(b AS DOUBLE\)/g, '1.5')} AS x, ts FROM v0;`,
  ];
  for (const f of m.features) {
    if (!m.inFiles.has(`${f.name}@${f.version}`)) continue;
    // `events` has no `x`: a feature over it reads `a`.
    const body = f.from === 'events' ? f.body.replace(/\bx\b/g, 'a') : f.body;
    lines.push(`CREATE FEATURE ${f.name} VERSION ${f.version} ENTITY thing FROM ${f.from} ${body};`);
  }
  for (const t of m.trainingSets) lines.push(`CREATE TRAINING SET ts VERSION ${t.version} LABEL y FEATURES (${t.features.join(', ')});`);
  return `${lines.join('\n')}\n`;
}

function latestFeatures(m: Model): string[] {
  const latest = new Map<string, number>();
  for (const f of m.features) latest.set(f.name, Math.max(latest.get(f.name) ?? 0, f.version));
  return [...latest].map(([n, v]) => `${n} VERSION ${v}`);
}

function applyEdit(m: Model, e: Edit): void {
  switch (e.kind) {
    case 'edit_view':
      m.viewExprs[e.view] = VIEW_EXPRS[e.expr]!;
      return;
    case 'add_column':
      m.extraColumns++;
      return;
    case 'bump_feature': {
      const names = [...new Set(m.features.map((f) => f.name))];
      const name = names[e.feature % names.length]!;
      const old = m.features.filter((f) => f.name === name).sort((a, b) => b.version - a.version)[0]!;
      const next: Feature = { name, version: old.version + 1, from: old.from, body: FEATURE_BODIES[e.body]! };
      m.features.push(next);
      m.inFiles.add(`${name}@${next.version}`);
      // Dropping an old version from the files keeps it registered (and pinned); a training set still declared in
      // the files must keep resolving it, so only versions no declared training set names are dropped.
      if (e.dropOld && !m.trainingSets.some((t) => t.features.includes(`${name} VERSION ${old.version}`))) m.inFiles.delete(`${name}@${old.version}`);
      return;
    }
    case 'add_feature': {
      const name = `f${m.features.length}`;
      m.features.push({ name, version: 1, from: RELATIONS[e.from]!, body: FEATURE_BODIES[e.body]! });
      m.inFiles.add(`${name}@1`);
      return;
    }
    case 'bump_training_set': {
      const last = m.trainingSets[m.trainingSets.length - 1]!;
      m.trainingSets.push({ version: last.version + 1, features: latestFeatures(m) });
      return;
    }
  }
}

interface Event {
  readonly key: string;
  readonly day: number;
  readonly hour: number;
  readonly a: number | null;
  readonly b: number;
}

function eventsCsv(events: readonly Event[], extraColumns: number): string {
  const header = ['k', 'a', 'b', ...Array.from({ length: extraColumns }, (_, i) => `c${i}`), 'ts'];
  const rows = events.map((e, i) => {
    const extra = Array.from({ length: extraColumns }, (_, c) => String((i * 7 + c * 3) % 11));
    return [e.key, e.a === null ? '' : String(e.a), String(e.b), ...extra, `2024-01-${String(e.day).padStart(2, '0')} ${String(e.hour).padStart(2, '0')}:00:00`].join(',');
  });
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}

const OUTCOMES = `k,y,ts
k1,true,2024-01-03 00:00:00
k2,false,2024-01-04 12:00:00
k3,true,2024-01-06 00:00:00
k1,false,2024-01-08 06:00:00
k2,true,2024-01-10 00:00:00
`;

const SERVE_AT = '2024-01-07 00:00:00';

for (const engine of ['sqlite', 'duckdb'] as const) {
  describe(`registered versions never change meaning (${engine})`, () => {
    it('for random projects and edit sequences, every registered version trains and serves as it did when registered', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(eventArb, { minLength: 6, maxLength: 18 }),
          fc.tuple(fc.nat(VIEW_EXPRS.length - 1), fc.nat(VIEW_EXPRS.length - 1)),
          fc.array(fc.tuple(fc.nat(2), fc.nat(FEATURE_BODIES.length - 1)), { minLength: 2, maxLength: 3 }),
          fc.array(editArb, { minLength: 2, maxLength: 4 }),
          async (events, [e0, e1], initial, edits) => {
            const { dir, cleanup } = tempDir(`fsql-pin-prop-${engine}-`);
            try {
              const m: Model = {
                viewExprs: [VIEW_EXPRS[e0]!, VIEW_EXPRS[e1]!],
                extraColumns: 0,
                features: initial.map(([from, body], i) => ({ name: `f${i}`, version: 1, from: RELATIONS[from]!, body: FEATURE_BODIES[body]! })),
                inFiles: new Set(initial.map((_, i) => `f${i}@1`)),
                trainingSets: [],
              };
              m.trainingSets.push({ version: 1, features: latestFeatures(m) });
              writeFiles(dir, { 'fsql.json': JSON.stringify({ offline: { engine } }), 'data/events.csv': eventsCsv(events, 0), 'data/outcomes.csv': OUTCOMES });
              /** First results of each version: training rows by TS version, served values by feature@version. */
              const trained = new Map<number, string>();
              const served = new Map<string, string>();
              const step = async (label: string) => {
                writeFileSync(join(dir, 'project.fsql'), projectText(m));
                writeFileSync(join(dir, 'data/events.csv'), eventsCsv(events, m.extraColumns));
                const a = await fsql('apply', dir, '--quiet');
                expect(a.code, `${label}: apply\n${projectText(m)}\n${a.stdout}\n${a.stderr}`).toBe(0);
                for (const t of m.trainingSets) {
                  const out = join(dir, `t${t.version}.csv`);
                  const r = await fsql('train', 'ts', dir, '--version', String(t.version), '--out', out);
                  expect(r.code, `${label}: train ${t.version}: ${r.stderr}`).toBe(0);
                  const rows = readFileSync(out, 'utf8');
                  if (!trained.has(t.version)) trained.set(t.version, rows);
                  else expect(rows, `${label}: training set VERSION ${t.version} changed\n${projectText(m)}`).toBe(trained.get(t.version));
                }
                const mat = await fsql('materialize', dir, '--at', SERVE_AT);
                expect(mat.code, `${label}: materialize: ${mat.stderr}`).toBe(0);
                const versions = m.features.map((f) => `${f.name}@${f.version}`);
                const g = await fsql('get', 'thing', ...KEYS, '--project', dir, '--features', versions.join(','), '--format', 'json');
                expect(g.code, `${label}: get: ${g.stdout}${g.stderr}`).toBe(0);
                const body = JSON.parse(g.stdout) as { results: { features: Record<string, { value: unknown; status: string; event_time: unknown }> }[] };
                for (const v of versions) {
                  const values = JSON.stringify(body.results.map((r) => r.features[v]));
                  if (!served.has(v)) served.set(v, values);
                  else expect(values, `${label}: served ${v} changed\n${projectText(m)}`).toBe(served.get(v));
                }
              };
              await step('initial');
              for (const [i, e] of edits.entries()) {
                applyEdit(m, e);
                await step(`edit ${i + 1} (${JSON.stringify(e)})`);
              }
            } finally {
              cleanup();
            }
          },
        ),
        { numRuns: engine === 'sqlite' ? 12 : 6, seed: 20261207, endOnFailure: true },
      );
    }, 600_000);
  });
}
