/**
 * Versions through `fsql apply`: a changed definition under a registered
 * version is refused with its diff and changes nothing; a bumped version is
 * added, and the old one stays servable and trainable from the registry even
 * when the files no longer declare it. Every expected value is worked out by
 * hand in the comments from the ten rows of txns.csv.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { close, fsql, sqliteRows, tempDir, writeFiles } from './support.js';

const HEADER = `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE txns (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/txns.csv' EVENT TIME ts;

CREATE SOURCE outcomes (user_id TEXT NOT NULL, churned BOOLEAN, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/outcomes.csv' EVENT TIME ts;

CREATE LABEL churned ENTITY user FROM outcomes AS churned;

CREATE FEATURE last_amount ENTITY user FROM txns AS amount FILL MEDIAN;
`;

const SPEND_V1 = `CREATE FEATURE spend VERSION 1
  ENTITY user FROM txns
  AS SUM(amount) WINDOW 3 DAYS
  FILL MEAN;
`;

const SPEND_V2 = `CREATE FEATURE spend VERSION 2
  ENTITY user FROM txns
  AS SUM(amount) WINDOW 5 DAYS
  SCALE MINMAX;
`;

const TRAIN_V1 = `CREATE TRAINING SET churn VERSION 1 LABEL churned FEATURES (spend VERSION 1, last_amount);\n`;
const TRAIN_V2 = `CREATE TRAINING SET churn VERSION 2 LABEL churned FEATURES (spend VERSION 2, last_amount);\n`;

const TXNS = `user_id,amount,ts
a,10,2024-01-01 00:00:00
a,20,2024-01-02 12:00:00
b,5,2024-01-03 00:00:00
a,,2024-01-04 00:00:00
c,100,2024-01-04 06:00:00
b,15,2024-01-05 00:00:00
a,30,2024-01-06 00:00:00
c,50,2024-01-07 00:00:00
b,25,2024-01-08 00:00:00
a,40,2024-01-09 00:00:00
`;

const OUTCOMES = `user_id,churned,ts
a,true,2024-01-04 12:00:00
c,false,2024-01-06 00:00:00
b,false,2024-01-09 00:00:00
c,true,2024-01-12 00:00:00
`;

// Fit time: the newest event of txns, 2024-01-09 00:00; population a, b, c.
// spend v1 at the fit time, window (01-06 00:00, 01-09 00:00] (a row exactly 3 days old is out):
//   a 40, b 25, c 50 → mean 115 / 3.
const SPEND1_MEAN = 115 / 3;
// spend v2, window (01-04 00:00, 01-09 00:00]: a 30 + 40 = 70, b 15 + 25 = 40, c 100 + 50 = 150 → min 40, max 150.
const minmax = (x: number) => (x - 40) / (150 - 40);
// last_amount at the fit time: a 40, b 25, c 50 → median 40.
const LAST_MEDIAN = 40;

/** The training rows by hand (user_id, ts, spend, last_amount, churned). */
const CHURN_V1 = [
  // a at 01-04 12:00: window (01-01 12:00, 01-04 12:00] holds 20 and a NULL → 20; the latest amount (01-04 00:00) is NULL → median 40.
  ['a', '2024-01-04 12:00:00', 20, LAST_MEDIAN, true],
  // c at 01-06: window (01-03, 01-06] holds 100; latest 100.
  ['c', '2024-01-06 00:00:00', 100, 100, false],
  // b at 01-09: window (01-06, 01-09] holds 25; latest 25.
  ['b', '2024-01-09 00:00:00', 25, 25, false],
  // c at 01-12: window (01-09, 01-12] is empty → NULL → FILL MEAN; latest 50 (01-07).
  ['c', '2024-01-12 00:00:00', SPEND1_MEAN, 50, true],
];
const CHURN_V2 = [
  // a: window (2023-12-30 12:00, 01-04 12:00] → 10 + 20 = 30.
  ['a', '2024-01-04 12:00:00', minmax(30), LAST_MEDIAN, true],
  // c: window (01-01, 01-06] → 100.
  ['c', '2024-01-06 00:00:00', minmax(100), 100, false],
  // b: window (01-04, 01-09] → 15 + 25 = 40.
  ['b', '2024-01-09 00:00:00', minmax(40), 25, false],
  // c: window (01-07, 01-12] → the 01-07 row is exactly 5 days old: empty → NULL (no FILL; SCALE keeps NULL).
  ['c', '2024-01-12 00:00:00', null, 50, true],
];

function readTraining(path: string): unknown[][] {
  const [header, ...rows] = parse(readFileSync(path, 'utf8')) as string[][];
  expect(header).toEqual(['user_id', 'ts', 'spend', 'last_amount', 'churned']);
  return rows.map(([u, ts, spend, last, y]) => [u, ts, spend === '' ? null : Number(spend), last === '' ? null : Number(last), y === 'true']);
}

function expectRows(actual: unknown[][], expected: unknown[][]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) => {
    const ok = row.length === expected[i]!.length && row.every((v, j) => close(v, expected[i]![j]));
    expect(ok, `row ${i + 1}: ${JSON.stringify(row)}, expected ${JSON.stringify(expected[i])}`).toBe(true);
  });
}

describe('feature versions through apply, materialize and train', () => {
  let dir = '';
  let cleanup = () => undefined as void;
  const project = (text: string) => writeFileSync(join(dir, 'project.fsql'), text);
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('fsql-versions-'));
    writeFiles(dir, { 'fsql.json': '{}\n', 'data/txns.csv': TXNS, 'data/outcomes.csv': OUTCOMES });
  });
  afterAll(() => cleanup());

  it('applies VERSION 1 and trains it', async () => {
    project(HEADER + SPEND_V1 + TRAIN_V1);
    const r = await fsql('apply', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ feature spend VERSION 1');
    expect(r.stdout).toContain('source txns: loaded 10 rows');
    const out = join(dir, 'v1.csv');
    expect((await fsql('train', 'churn', dir, '--out', out)).code).toBe(0);
    expectRows(readTraining(out), CHURN_V1);
  });

  it('a changed expression under the same VERSION is refused with the diff, and nothing changes', async () => {
    const registry = join(dir, '.fsql', 'registry.db');
    const offline = join(dir, '.fsql', 'offline.db');
    const registryBefore = readFileSync(registry);
    const loadsBefore = sqliteRows(offline, 'SELECT * FROM __fsql_loads ORDER BY source');
    // The data changes too: the refused apply must not load it.
    writeFileSync(join(dir, 'data/txns.csv'), `${TXNS}a,1000,2024-01-09 12:00:00\n`);
    onTestFinished(() => writeFileSync(join(dir, 'data/txns.csv'), TXNS));
    project(HEADER + SPEND_V1.replace('WINDOW 3 DAYS', 'WINDOW 5 DAYS') + TRAIN_V1);

    const r = await fsql('apply', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('feature `spend` VERSION 1 is already registered with a different definition');
    expect(r.stderr).toMatch(/^-.*WINDOW 3 DAYS/m);
    expect(r.stderr).toMatch(/^\+.*WINDOW 5 DAYS/m);
    expect(r.stderr).toMatch(/^fsql: the plan has 1 error$/m);
    expect(r.stdout).toBe('');

    expect(readFileSync(registry).equals(registryBefore)).toBe(true);
    expect(sqliteRows(offline, 'SELECT * FROM __fsql_loads ORDER BY source')).toEqual(loadsBefore);
    // 10 + 20 + 5 + 100 + 15 + 30 + 50 + 25 + 40 (and a NULL).
    expect(sqliteRows(offline, 'SELECT count(*) AS n, sum(amount) AS total FROM txns')).toEqual([{ n: 10, total: 295 }]);
    // The registered version still trains as before.
    const out = join(dir, 'v1-again.csv');
    expect((await fsql('train', 'churn', dir, '--out', out)).code).toBe(0);
    expectRows(readTraining(out), CHURN_V1);
  });

  it('VERSION 2 (VERSION 1 gone from the files) applies; both versions are served and train', async () => {
    project(HEADER + SPEND_V2 + TRAIN_V2);
    const r = await fsql('apply', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ feature spend VERSION 2');
    expect(r.stdout).toContain('+ training set churn VERSION 2');
    expect(r.stdout).toMatch(/fitted spend@2$/m);

    const list = await fsql('list', dir, '--kind', 'feature');
    expect(list.stdout).toMatch(/^feature +spend +1, 2/m);

    // Materialized at 01-10 00:00:
    //   spend v1, window (01-07, 01-10]: a 40, b 25, c: the 01-07 row is out → NULL → mean 115/3 (missing);
    //   spend v2, window (01-05, 01-10]: a 30 + 40 = 70, b 25 (01-05 is out), c 50;
    //   last_amount: a 40, b 25, c 50.
    const m = await fsql('materialize', dir, '--at', '2024-01-10');
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('user: 3 keys × 3 feature versions');
    const g = await fsql('get', 'user', 'a', 'b', 'c', '--project', dir, '--format', 'json', '--features', 'spend@1,spend@2,last_amount');
    expect(g.code).toBe(0);
    // The API's body: a feature asked for with @N is keyed `name@N`.
    const { results: vectors } = JSON.parse(g.stdout) as { results: { key: { user_id: string }; features: Record<string, { version: number; value: number | null; status: string }> }[] };
    const expected: Record<string, [number, string, number, number]> = {
      a: [40, 'present', minmax(70), 40],
      b: [25, 'present', minmax(25), 25],
      c: [SPEND1_MEAN, 'missing', minmax(50), 50],
    };
    for (const v of vectors) {
      const [s1, status1, s2, last] = expected[v.key.user_id]!;
      const f = v.features;
      expect(Object.entries(f).map(([label, x]) => [label, x.version])).toEqual([
        ['spend@1', 1],
        ['spend@2', 2],
        ['last_amount', 1],
      ]);
      expect(close(f['spend@1']!.value, s1), `${v.key.user_id} spend@1 ${f['spend@1']!.value}`).toBe(true);
      expect(f['spend@1']!.status).toBe(status1);
      expect(close(f['spend@2']!.value, s2), `${v.key.user_id} spend@2 ${f['spend@2']!.value}`).toBe(true);
      expect(f['spend@2']!.status).toBe('present');
      expect(f['last_amount']!.value).toBe(last);
    }

    // Pinned to v1 (from the registry: the files no longer declare it) and to v2.
    const out1 = join(dir, 'churn1.csv');
    const t1 = await fsql('train', 'churn', dir, '--out', out1, '--version', '1');
    expect(t1.code).toBe(0);
    expect(t1.stdout).toContain('of churn VERSION 1');
    expectRows(readTraining(out1), CHURN_V1);
    const out2 = join(dir, 'churn2.csv');
    const t2 = await fsql('train', 'churn', dir, '--out', out2);
    expect(t2.code).toBe(0);
    expect(t2.stdout).toContain('of churn VERSION 2');
    expectRows(readTraining(out2), CHURN_V2);
  });

  it('re-applying VERSION 2 changes nothing and refits nothing', async () => {
    const r = await fsql('apply', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('fitted');
    expect(r.stdout).toMatch(/^Nothing to apply: the registry is up to date\.$/m);
    const out2 = join(dir, 'churn2b.csv');
    expect((await fsql('train', 'churn', dir, '--out', out2, '--version', '2')).code).toBe(0);
    expectRows(readTraining(out2), CHURN_V2);
  });
});
