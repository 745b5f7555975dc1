/**
 * The conformance suite of the offline engines (issue 12): one set of cases,
 * run on every engine — SQLite and DuckDB in `npm test`
 * (embedded.test.ts), PostgreSQL against a real server
 * (postgres.integration.ts) — each case in a fresh database (or schema).
 *
 * A case is a small project, its data, and what it must give: training rows,
 * fitted parameters and online vectors equal to the reference evaluator
 * (test/reference), plus hand-worked values where a case pins a rule of
 * docs/semantics.md (casts from TEXT, SUBSTR positions). The example project
 * (examples/payments) gives identical training sets and online vectors on
 * every engine (`exampleResults`).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { checkProject, checkText } from '../../src/check/project.js';
import { keyOf, type Catalog } from '../../src/check/catalog.js';
import type { Engine, Row, Value } from '../../src/engine/engine.js';
import { createIndexes, loadProject, runFit, runMaterialize, runTraining } from '../../src/runtime/run-plan.js';
import { planFit, planMaterialize, planTraining, planView } from '../../src/plan/build.js';
import type { FittedParameters } from '../../src/plan/fitted.js';
import { readProjectFiles } from '../../src/project/files.js';
import { readSourceFile } from '../../src/store/files/read.js';
import { compilePlan } from '../../src/sql/compile.js';
import { fitAll, findFeature, materialize, relationRows, trainingSet } from '../reference/index.js';
import type { StoreCase } from '../support/arbitrary-store.js';

/** Opens a fresh, empty engine for one case; closing it removes what the case made. */
export type OpenEngine = () => Promise<Engine>;

export async function withEngine<T>(open: OpenEngine, fn: (e: Engine) => Promise<T>): Promise<T> {
  const engine = await open();
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** Equal values; doubles within 1e-9 relative (issue 12). */
export function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

export function sameRows(actual: readonly (readonly unknown[])[], expected: readonly (readonly unknown[])[]): string | undefined {
  if (actual.length !== expected.length) return `row count ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a.length !== e.length) return `row ${i}: ${a.length} values, expected ${e.length}`;
    for (let j = 0; j < e.length; j++) {
      if (!close(a[j], e[j])) return `row ${i}, column ${j}: ${JSON.stringify(a[j])}, expected ${JSON.stringify(e[j])}\nactual:   ${JSON.stringify(a)}\nexpected: ${JSON.stringify(e)}`;
    }
  }
  return undefined;
}

export function sameParams(a: FittedParameters, e: FittedParameters): string | undefined {
  for (const k of ['count', 'mean', 'stddev', 'min', 'max', 'q1', 'median', 'q3', 'mode', 'fitTime'] as const) {
    const x = a[k];
    const y = e[k];
    if (!(x === y || (x !== null && y !== null && close(x, y)))) return `${k}: ${JSON.stringify(x)}, expected ${JSON.stringify(y)}`;
  }
  if (JSON.stringify(a.vocabulary) !== JSON.stringify(e.vocabulary)) return `vocabulary ${JSON.stringify(a.vocabulary)}, expected ${JSON.stringify(e.vocabulary)}`;
  if (JSON.stringify(a.columns) !== JSON.stringify(e.columns)) return `columns ${JSON.stringify(a.columns)}, expected ${JSON.stringify(e.columns)}`;
  return undefined;
}

function catalogOf(text: string): Catalog {
  const r = checkText(text, 'case.fsql');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`the case's project does not check:\n${errors.map((d) => `${d.code} ${d.message}`).join('\n')}\n${text}`);
  return r.catalog;
}

/**
 * A random case of test/support/arbitrary-store.ts on one engine: fits,
 * training sets (row for row) and online vectors equal the reference
 * evaluator's.
 */
export async function checkStoreCase(label: string, open: OpenEngine, c: StoreCase): Promise<void> {
  const catalog = catalogOf(c.text);
  const features = c.featureNames.map((n) => findFeature(catalog, n));
  const expectedParams = fitAll(catalog, c.data, features);
  const fitted = (name: string, version: number) => expectedParams.get(`${name}@${version}`) ?? expectedParams.get(`${keyOf(name)}@${version}`);
  await withEngine(open, async (engine) => {
    await loadProject(engine, catalog, c.data);
    await createIndexes(engine, catalog, [planTraining(catalog, 'ts', fitted), ...features.map((f) => planFit(catalog, f.name, f.version))]);
    for (const f of features) {
      const actual = await runFit(engine, catalog, f, planFit(catalog, f.name, f.version));
      expect(sameParams(actual, expectedParams.get(`${f.name}@${f.version}`)!), `${label}: fit of ${f.name}\n${c.text}`).toBeUndefined();
    }
    for (const name of ['ts', 'ts_static', 'ts_user']) {
      if (!catalog.trainingSets[name]) continue;
      const expected = trainingSet(catalog, c.data, name, undefined, { fitted: expectedParams, asOf: c.asOf });
      const actual = await runTraining(engine, planTraining(catalog, name, fitted), { as_of: c.asOf });
      expect(actual.columns, `${label}: columns of ${name}`).toEqual(expected.columns);
      expect(sameRows(actual.rows, expected.rows), `${label}: training set ${name}\n${c.text}\n${JSON.stringify(c.data)}`).toBeUndefined();
    }
    for (const entity of ['user', 'merchant']) {
      const own = features.filter((f) => keyOf(f.key.entity) === entity);
      if (own.length === 0) continue;
      const plan = planMaterialize(catalog, entity, fitted, { features: own.map((f) => ({ name: f.name, version: f.version })) });
      const actual = await runMaterialize(engine, plan, { as_of: c.asOf });
      const expected = materialize(catalog, c.data, entity, c.asOf, expectedParams, Object.fromEntries(own.map((f) => [f.name, f.version])));
      const keyCount = plan.spine.keys.length;
      const actualMap = new Map(actual.rows.map((r) => [JSON.stringify(r.slice(0, keyCount)), r]));
      expect([...actualMap.keys()].sort(), `${label}: materialized keys of ${entity}`).toEqual([...expected.keys()].sort());
      for (const [k, vector] of expected) {
        const row = actualMap.get(k)!;
        const values = plan.transforms.flatMap((t) => t.outputs.map((o) => row[actual.columns.indexOf(o.name)]));
        const want = own.flatMap((f) => vector[f.name] ?? []);
        expect(sameRows([values], [want]), `${label}: online vector of ${entity} ${k}\n${c.text}`).toBeUndefined();
      }
    }
  });
}

// ---------------------------------------------------------------------------
// Focused cases: each pins a rule, or a bug found on a real engine (issue 12).

export interface ViewCase {
  readonly name: string;
  /** Why the case exists (the rule or the issue item). */
  readonly why: string;
  readonly text: string;
  readonly data: Record<string, Row[]>;
  /** The view whose rows are compared, and its columns in order. */
  readonly view: string;
  readonly order: string;
  /** Hand-worked rows of the view, ordered by `order`; they must also be the reference evaluator's. */
  readonly expected: readonly (readonly Value[])[];
}

const T0 = Date.UTC(2024, 0, 1) * 1000;

export const viewCases: readonly ViewCase[] = [
  {
    name: 'casts from TEXT follow semantics §2',
    why: "docs/semantics.md §2: text that is not exactly a literal of the type casts to NULL (' 12', 'TRUE', '2024-02-30'); issue 12 item 5",
    text: `
      CREATE SOURCE texts (id INTEGER NOT NULL, s TEXT) FROM TABLE texts;
      CREATE VIEW casts AS SELECT id, CAST(s AS INTEGER) AS i, CAST(s AS DOUBLE) AS d, CAST(s AS BOOLEAN) AS b,
        CAST(s AS DATE) AS day, CAST(s AS TIMESTAMP) AS ts FROM texts;`,
    data: {
      texts: [
        { id: 1, s: '12' },
        { id: 2, s: ' 12' },
        { id: 3, s: '12 ' },
        { id: 4, s: 'TRUE' },
        { id: 5, s: 'true' },
        { id: 6, s: '2024-02-30' },
        { id: 7, s: '2024-02-29' },
        { id: 8, s: '2024-02-29 13:05:00.25' },
        { id: 9, s: '1.5' },
        { id: 10, s: '-7' },
        { id: 11, s: '' },
        { id: 12, s: null },
        { id: 13, s: '2023-02-29' },
        { id: 14, s: '2024-1-5' },
        { id: 15, s: '1e3' },
        { id: 16, s: 'false' },
        { id: 17, s: '2024-04-31 00:00' },
        { id: 18, s: '9223372036854775808' },
      ],
    },
    view: 'casts',
    order: 'id',
    expected: [
      [1, 12, 12, null, null, null],
      [2, null, null, null, null, null],
      [3, null, null, null, null, null],
      [4, null, null, null, null, null],
      [5, null, null, true, null, null],
      [6, null, null, null, null, null],
      [7, null, null, null, 19782, 19782 * 86_400_000_000],
      [8, null, null, null, null, 19782 * 86_400_000_000 + 13 * 3_600_000_000 + 5 * 60_000_000 + 250_000],
      [9, null, 1.5, null, null, null],
      [10, -7, -7, null, null, null],
      [11, null, null, null, null, null],
      [12, null, null, null, null, null],
      [13, null, null, null, null, null],
      [14, null, null, null, null, null],
      [15, null, 1000, null, null, null],
      [16, null, null, false, null, null],
      [17, null, null, null, null, null],
      [18, null, 9223372036854775808, null, null, null],
    ],
  },
  {
    name: 'SUBSTR with INTEGER columns as position and length',
    why: 'issue 12 item 2: PostgreSQL has no substr(text, bigint); positions below 1 count as the SQL standard says',
    text: `
      CREATE SOURCE words (id INTEGER NOT NULL, w TEXT, p INTEGER, n INTEGER) FROM TABLE words;
      CREATE VIEW parts AS SELECT id, SUBSTR(w, p) AS tail, SUBSTR(w, p, n) AS part, SUBSTR(w, id) AS by_id FROM words;`,
    data: {
      words: [
        { id: 1, w: 'abcdef', p: 2, n: 3 },
        { id: 2, w: 'abcdef', p: 0, n: 2 },
        { id: 3, w: 'abcdef', p: -1, n: 3 },
        { id: 4, w: 'héllo', p: 2, n: 1 },
        { id: 5, w: 'abc', p: 5, n: 1 },
        { id: 6, w: 'abc', p: null, n: 1 },
      ],
    },
    view: 'parts',
    order: 'id',
    expected: [
      [1, 'bcdef', 'bcd', 'abcdef'],
      [2, 'abcdef', 'a', 'bcdef'],
      [3, 'abcdef', 'a', 'cdef'],
      [4, 'éllo', 'é', 'lo'],
      [5, '', '', ''],
      [6, null, null, ''],
    ],
  },
  {
    name: 'TIMESTAMP and DATE to TEXT',
    why: "docs/semantics.md §2: 'YYYY-MM-DD HH:MM:SS' plus .ffffff (six digits) when there are microseconds; issue 12 item 5 (DuckDB printed '.25')",
    text: `
      CREATE SOURCE times (id INTEGER NOT NULL, ts TIMESTAMP, d DATE) FROM TABLE times;
      CREATE VIEW shown AS SELECT id, CAST(ts AS TEXT) AS t, CAST(d AS TEXT) AS dt FROM times;`,
    data: {
      times: [
        { id: 1, ts: T0 + 250_000, d: 19782 },
        { id: 2, ts: T0, d: 0 },
        { id: 3, ts: T0 + 1, d: -1 },
        { id: 4, ts: null, d: null },
      ],
    },
    view: 'shown',
    order: 'id',
    expected: [
      [1, '2024-01-01 00:00:00.250000', '2024-02-29'],
      [2, '2024-01-01 00:00:00', '1970-01-01'],
      [3, '2024-01-01 00:00:00.000001', '1969-12-31'],
      [4, null, null],
    ],
  },
  {
    name: 'text keys join and compare by code points, without padding or case folding',
    why: "docs/semantics.md: text compares by code point; 'x ' and 'X' are other keys than 'x' (MySQL's PAD SPACE and case-insensitive collations would join them); issue 12 item 4 (view joins on MySQL without CAST AS BINARY)",
    text: `
      CREATE SOURCE a (id INTEGER NOT NULL, k TEXT) FROM TABLE a;
      CREATE SOURCE b (k TEXT, v INTEGER) FROM TABLE b;
      CREATE VIEW joined AS SELECT a.id, b.v, a.k = 'x' AS eq, a.k < 'x' AS lt FROM a LEFT JOIN b ON a.k = b.k;`,
    data: {
      a: [
        { id: 1, k: 'x' },
        { id: 2, k: 'x ' },
        { id: 3, k: 'X' },
        { id: 4, k: 'é' },
        { id: 5, k: null },
        { id: 6, k: 'x\n' },
      ],
      b: [
        { k: 'x', v: 10 },
        { k: 'x ', v: 20 },
        { k: 'X', v: 30 },
      ],
    },
    view: 'joined',
    order: 'id',
    expected: [
      [1, 10, true, false],
      [2, 20, false, false],
      [3, 30, false, true],
      [4, null, false, false],
      [5, null, null, null],
      [6, null, false, false],
    ],
  },
  {
    name: 'more casts from TEXT: signs, a final newline, out of range, the T separator',
    why: "docs/semantics.md §2 on engines whose own casts are lenient (MySQL reads '12\\n' as 12, clamps out-of-range integers); issue 12 item 5",
    text: `
      CREATE SOURCE texts (id INTEGER NOT NULL, s TEXT) FROM TABLE texts;
      CREATE VIEW casts AS SELECT id, CAST(s AS INTEGER) AS i, CAST(s AS DOUBLE) AS d, CAST(s AS TIMESTAMP) AS ts FROM texts;`,
    data: {
      texts: [
        { id: 1, s: '12\n' },
        { id: 2, s: '+5' },
        { id: 3, s: '-9223372036854775809' },
        { id: 4, s: '.5' },
        { id: 5, s: '2024-02-29T10:00:00' },
        { id: 6, s: '2024-13-01' },
      ],
    },
    view: 'casts',
    order: 'id',
    expected: [
      [1, null, null, null],
      [2, 5, 5, null],
      [3, null, -9223372036854775809, null],
      [4, null, 0.5, null],
      [5, null, null, 19782 * 86_400_000_000 + 10 * 3_600_000_000],
      [6, null, null, null],
    ],
  },
];

/** A view case on one engine: the view's rows equal the hand-worked rows and the reference evaluator's. */
export async function checkViewCase(label: string, open: OpenEngine, c: ViewCase): Promise<void> {
  const catalog = catalogOf(c.text);
  const relation = catalog.relations[keyOf(c.view)]!;
  const names = relation.columns.map((col) => col.name);
  const at = names.indexOf(c.order);
  const reference = relationRows(catalog, c.data, c.view)
    .map((r) => names.map((n) => r[n] ?? null))
    .sort((a, b) => (a[at] as number) - (b[at] as number));
  expect(sameRows(reference, c.expected), `the reference evaluator agrees with the hand-worked rows of "${c.name}"`).toBeUndefined();
  await withEngine(open, async (engine) => {
    await loadProject(engine, catalog, c.data);
    const view = compilePlan(planView(catalog, c.view), engine.target).sql;
    expect(view).toContain('VIEW');
    const quoted = (n: string) => `"${n.replaceAll('"', '""')}"`;
    const rows = await engine.queryValues(`SELECT * FROM ${quoted(c.view)} ORDER BY ${quoted(c.order)}`, relation.columns.map((col) => ({ name: col.name, type: col.type })));
    expect(sameRows(rows, c.expected), `${label}: ${c.name} (${c.why})`).toBeUndefined();
  });
}

// ---------------------------------------------------------------------------
// The example project, run the same way on every engine.

export interface ExampleResults {
  /** Training set name → rows (in the plan's order). */
  readonly training: Record<string, { columns: string[]; rows: Value[][] }>;
  /** Entity → rows of its materialized vectors, sorted by key. */
  readonly vectors: Record<string, { columns: string[]; rows: Value[][] }>;
  /** `feature@version` → fitted parameters. */
  readonly fitted: Record<string, FittedParameters>;
}

/**
 * Loads examples/<name> (its FILE sources read as `fsql apply` reads them),
 * fits every feature on the engine, and computes every training set and
 * every entity's vectors as of the newest event time.
 */
export async function exampleResults(open: OpenEngine, dir: string): Promise<ExampleResults> {
  const checked = checkProject(readProjectFiles(dir, dir));
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${dir} does not check: ${errors.map((d) => d.message).join('; ')}`);
  const catalog = checked.catalog;
  const data: Record<string, Row[]> = {};
  for (const r of Object.values(catalog.relations)) {
    if (r.kind !== 'source' || r.origin.kind !== 'file') continue;
    const read = await readSourceFile(join(dir, r.origin.path), r.origin.format, r.columns);
    if ('errors' in read) throw new Error(`${r.name}: ${JSON.stringify(read.errors[0])}`);
    data[r.name] = read.rows;
  }
  return withEngine(open, async (engine) => {
    await loadProject(engine, catalog, data);
    const features = Object.values(catalog.features).flat();
    const params = new Map<string, FittedParameters>();
    for (const f of features) params.set(`${keyOf(f.name)}@${f.version}`, await runFit(engine, catalog, f, planFit(catalog, f.name, f.version)));
    const fittedLookup = (name: string, version: number) => params.get(`${keyOf(name)}@${version}`);
    const trainingPlans = Object.values(catalog.trainingSets)
      .flat()
      .map((t) => planTraining(catalog, t.name, fittedLookup, { version: t.version }));
    await createIndexes(engine, catalog, trainingPlans);
    const newest = Math.max(...Object.values(data).flatMap((rows) => rows.flatMap((r) => Object.values(r).filter((v): v is number => typeof v === 'number' && v > 1e15))));
    const training: ExampleResults['training'] = {};
    for (const plan of trainingPlans) {
      // A time-independent label's features are taken as of the newest event time (given, as `train` does by default).
      const t = await runTraining(engine, plan, { as_of: newest });
      training[`${plan.name}@${plan.version}`] = { columns: t.columns, rows: t.rows };
    }
    const vectors: ExampleResults['vectors'] = {};
    for (const e of Object.values(catalog.entities)) {
      const own = features.filter((f) => keyOf(f.key.entity) === keyOf(e.name));
      if (own.length === 0) continue;
      const latest = own.filter((f, i) => own.findIndex((x) => keyOf(x.name) === keyOf(f.name)) === i);
      const plan = planMaterialize(catalog, e.name, fittedLookup, { features: latest.map((f) => ({ name: f.name, version: f.version })) });
      const m = await runMaterialize(engine, plan, { as_of: newest });
      const rows = [...m.rows].sort((a, b) => (JSON.stringify(a.slice(0, plan.spine.keys.length)) < JSON.stringify(b.slice(0, plan.spine.keys.length)) ? -1 : 1));
      vectors[e.name] = { columns: m.columns, rows };
    }
    return { training, vectors, fitted: Object.fromEntries(params) };
  });
}

/** The example projects the suite runs (folders of examples/ with .fsql files and data). */
export function exampleDirs(root: string): string[] {
  return ['payments', 'starter'].map((n) => join(root, 'examples', n)).filter((d) => readdirSync(d).some((f) => f.endsWith('.fsql')));
}

/** Two engines' results of one example are equal (doubles within 1e-9 relative). */
export function expectSameResults(label: string, actual: ExampleResults, expected: ExampleResults): void {
  expect(Object.keys(actual.training).sort(), `${label}: training sets`).toEqual(Object.keys(expected.training).sort());
  for (const [name, t] of Object.entries(expected.training)) {
    const a = actual.training[name]!;
    expect(a.columns, `${label}: columns of ${name}`).toEqual(t.columns);
    expect(a.rows.length, `${label}: rows of ${name}`).toBeGreaterThan(0);
    expect(sameRows(a.rows, t.rows), `${label}: training set ${name}`).toBeUndefined();
  }
  expect(Object.keys(actual.vectors).sort(), `${label}: entities`).toEqual(Object.keys(expected.vectors).sort());
  for (const [entity, v] of Object.entries(expected.vectors)) {
    const a = actual.vectors[entity]!;
    // The same columns; their order may differ by strategy (a time column two lookups share is put last).
    expect([...a.columns].sort(), `${label}: vector columns of ${entity}`).toEqual([...v.columns].sort());
    const at = v.columns.map((c) => a.columns.indexOf(c));
    expect(sameRows(a.rows.map((r) => at.map((i) => r[i]!)), v.rows), `${label}: online vectors of ${entity}`).toBeUndefined();
  }
  for (const [k, p] of Object.entries(expected.fitted)) expect(sameParams(actual.fitted[k]!, p), `${label}: fit of ${k}`).toBeUndefined();
}

// ---------------------------------------------------------------------------
// SAMPLE on many label rows (issue 12 item 1): Spark's ROW_NUMBER() is a 32-bit int, and the hash
// ((r + seed) × 48271) overflowed it — another, larger sample (an error in ANSI mode).

/** The sampling rule of docs/semantics.md §4, computed here with exact integers (row numbers 1-based). */
export function sampledRows(count: number, percent: number, seed: number): number[] {
  const p = 2147483647n;
  const kept: number[] = [];
  for (let r = 1; r <= count; r++) {
    const x1 = ((BigInt(r) + BigInt(seed)) * 48271n) % p;
    const x2 = (x1 * 48271n) % p;
    if (x2 % 1000000n < BigInt(Math.round(percent * 10_000))) kept.push(r);
  }
  return kept;
}

export const sampleCase = {
  rows: 600,
  percent: 40,
  seed: 1_000_000,
  text: `
    CREATE ENTITY user KEY (user_id INTEGER);
    CREATE SOURCE outcomes (user_id INTEGER NOT NULL, at TIMESTAMP NOT NULL, y INTEGER) FROM TABLE outcomes EVENT TIME at;
    CREATE LABEL y ENTITY user FROM outcomes AS y;
    CREATE FEATURE last_y ENTITY user FROM outcomes AS y;
    CREATE TRAINING SET sampled LABEL y FEATURES (last_y) SAMPLE 40 PERCENT SEED 1000000;`,
};

/**
 * A sampled training set of 600 label rows, each of its own time: the rows
 * kept are the ones the rule picks (computed independently, with exact
 * integers: (r + 1,000,000) × 48271 is beyond 2^31), and equal the reference
 * evaluator's.
 */
export async function checkSampleCase(label: string, open: OpenEngine): Promise<void> {
  const c = sampleCase;
  const catalog = catalogOf(c.text);
  // Row r (1-based, in label-time order) has time T0 + r seconds, key r % 17 and label r.
  const outcomes: Row[] = Array.from({ length: c.rows }, (_v, i) => ({ user_id: (i + 1) % 17, at: T0 + (i + 1) * 1_000_000, y: i + 1 }));
  const data = { outcomes };
  const kept = sampledRows(c.rows, c.percent, c.seed);
  const params = fitAll(catalog, data, [findFeature(catalog, 'last_y')]);
  const fitted = (name: string, version: number) => params.get(`${name}@${version}`) ?? params.get(`${keyOf(name)}@${version}`);
  const expected = trainingSet(catalog, data, 'sampled', undefined, { fitted: params });
  expect(expected.rows.map((r) => r[expected.columns.indexOf('y')]), 'the reference evaluator samples by the rule').toEqual(kept);
  await withEngine(open, async (engine) => {
    await loadProject(engine, catalog, data);
    const actual = await runTraining(engine, planTraining(catalog, 'sampled', fitted));
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.rows.length, `${label}: sampled rows`).toBe(kept.length);
    expect(sameRows(actual.rows, expected.rows), `${label}: the sampled training set`).toBeUndefined();
  });
}
