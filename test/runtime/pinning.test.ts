/**
 * Versions never change meaning (spec §5): a registered feature, label or
 * training-set version pins the revisions of the views and sources it reads.
 * Editing a view keeps registered versions computing from the revision they
 * pinned; a source change that makes a pinned version impossible to compute
 * (or changes what it computes) is refused by plan and apply, unless the
 * broken versions are retired; a retired version says so wherever it is asked
 * for. Every expected value is worked out by hand from the rows below.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/runtime/workspace.js';
import { Api, serve } from '../server/support.js';
import { close, fsql, tempDir, writeFiles } from './support.js';

const HEAD = `CREATE ENTITY item KEY (item_id TEXT);

CREATE SOURCE prices (item_id TEXT NOT NULL, price DOUBLE, list_price DOUBLE, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/prices.csv' EVENT TIME ts;

CREATE SOURCE sales (item_id TEXT NOT NULL, sold BOOLEAN, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/sales.csv' EVENT TIME ts;

CREATE LABEL sold ENTITY item FROM sales AS sold;
`;

const VIEW_R1 = `CREATE VIEW priced EVENT TIME ts AS SELECT item_id, price / list_price AS ratio, ts FROM prices;\n`;
const VIEW_R2 = `CREATE VIEW priced EVENT TIME ts AS SELECT item_id, price * 100 / list_price AS ratio, ts FROM prices;\n`;
const F1 = `CREATE FEATURE discount VERSION 1 ENTITY item FROM priced AS ratio FILL MEDIAN;\n`;
const F2 = `CREATE FEATURE discount VERSION 2 ENTITY item FROM priced AS ratio FILL MEDIAN;\n`;
const T1 = `CREATE TRAINING SET sales_model VERSION 1 LABEL sold FEATURES (discount VERSION 1);\n`;
const T2 = `CREATE TRAINING SET sales_model VERSION 2 LABEL sold FEATURES (discount VERSION 2);\n`;

const PRICES = `item_id,price,list_price,ts
a,8,10,2024-01-01 00:00:00
b,5,10,2024-01-02 00:00:00
a,,10,2024-01-03 00:00:00
c,9,10,2024-01-04 00:00:00
`;
const SALES = `item_id,sold,ts
a,true,2024-01-02 00:00:00
a,false,2024-01-05 00:00:00
b,true,2024-01-05 00:00:00
`;

// Fit time: the newest event of priced, 01-04. Latest ratio per item then: a NULL (01-03), b 0.5, c 0.9;
// the median of the non-NULL values [0.5, 0.9] is 0.7.
// Training rows (item, ts, discount, sold), sorted by item then time:
//   a at 01-02 reads the 01-01 row: 0.8; a at 01-05 reads the 01-03 row: NULL → 0.7; b at 01-05: 0.5.
const V1_ROWS = [
  ['a', '2024-01-02 00:00:00', 0.8, true],
  ['a', '2024-01-05 00:00:00', 0.7, false],
  ['b', '2024-01-05 00:00:00', 0.5, true],
];
// The edited view multiplies by 100: the same rows, ×100, median 70.
const V2_ROWS = [
  ['a', '2024-01-02 00:00:00', 80, true],
  ['a', '2024-01-05 00:00:00', 70, false],
  ['b', '2024-01-05 00:00:00', 50, true],
];

function readRows(path: string): unknown[][] {
  const [header, ...rows] = parse(readFileSync(path, 'utf8')) as string[][];
  expect(header).toEqual(['item_id', 'ts', 'discount', 'sold']);
  return rows
    .map(([i, ts, d, y]) => [i, ts, d === '' ? null : Number(d), y === 'true'])
    .sort((x, y) => String(x[0]).localeCompare(String(y[0])) || String(x[1]).localeCompare(String(y[1])));
}

function expectRows(actual: unknown[][], expected: unknown[][]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) => {
    const ok = row.length === expected[i]!.length && row.every((v, j) => close(v, expected[i]![j]));
    expect(ok, `row ${i + 1}: ${JSON.stringify(row)}, expected ${JSON.stringify(expected[i])}`).toBe(true);
  });
}

for (const engine of ['sqlite', 'duckdb'] as const) {
  describe(`pinned versions (${engine})`, () => {
    let dir = '';
    let cleanup = () => undefined as void;
    const project = (text: string) => writeFileSync(join(dir, 'project.fsql'), text);
    const train = async (version: number) => {
      const out = join(dir, `train-${version}-${Math.random().toString(36).slice(2)}.csv`);
      const r = await fsql('train', 'sales_model', dir, '--version', String(version), '--out', out);
      expect(r.code, r.stderr).toBe(0);
      return readRows(out);
    };
    beforeAll(() => {
      ({ dir, cleanup } = tempDir(`fsql-pinning-${engine}-`));
      writeFiles(dir, { 'fsql.json': JSON.stringify({ offline: { engine } }), 'data/prices.csv': PRICES, 'data/sales.csv': SALES });
    });
    afterAll(() => cleanup());

    it('VERSION 1 trains from the view as registered', async () => {
      project(HEAD + VIEW_R1 + F1 + T1);
      const r = await fsql('apply', dir);
      expect(r.code, r.stderr).toBe(0);
      expectRows(await train(1), V1_ROWS);
    });

    it('editing the view keeps VERSION 1 pinned to revision 1; plan says so; a new VERSION reads revision 2', async () => {
      project(HEAD + VIEW_R2 + F1 + T1 + F2 + T2);
      const p = await fsql('plan', dir);
      expect(p.code, p.stderr).toBe(0);
      expect(p.stdout).toContain('~ view priced (updated, revision 2)');
      expect(p.stdout).toContain('keep revision 1 (pinned): feature discount VERSION 1, training set sales_model VERSION 1');
      expect(p.stdout).toContain('new versions read revision 2');
      expect(p.stdout).not.toContain('warning');
      const r = await fsql('apply', dir);
      expect(r.code, r.stderr).toBe(0);
      expectRows(await train(1), V1_ROWS);
      expectRows(await train(2), V2_ROWS);
      // describe shows what VERSION 1 computes from.
      const d = await fsql('describe', 'discount', dir, '--version', '1');
      expect(d.stdout).toContain('view priced, revision 1 (an older revision: this version keeps its meaning)');
      const d2 = await fsql('describe', 'discount', dir, '--version', '2');
      expect(d2.stdout).toContain('view priced, revision 2 (current)');
    });

    it('serves each version from its own revision', async () => {
      const m = await fsql('materialize', dir, '--at', '2024-01-05 00:00:00');
      expect(m.code, m.stderr).toBe(0);
      const r = await fsql('get', 'item', 'a', '--project', dir, '--features', 'discount@1,discount@2', '--format', 'json');
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const text = r.stdout;
      // a at 01-05: the latest row (01-03) has a NULL ratio → FILL MEDIAN: 0.7 for VERSION 1, 70 for VERSION 2.
      const body = JSON.parse(text) as { results: { features: Record<string, { value: unknown; status: string }> }[] };
      const features = body.results[0]!.features;
      expect(features['discount@1']!.status).toBe('present');
      expect(close(features['discount@1']!.value, 0.7), text).toBe(true);
      expect(close(features['discount@2']!.value, 70), text).toBe(true);
    });

    it('a source column that pinned versions read is renamed: plan names every affected version, apply refuses', async () => {
      const renamed = HEAD.replace('list_price DOUBLE', 'list DOUBLE');
      writeFiles(dir, { 'data/prices.csv': PRICES.replace('list_price', 'list') });
      project(renamed + VIEW_R2.replace('list_price', 'list'));
      const p = await fsql('plan', dir);
      expect(p.code).toBe(1);
      for (const v of ['feature `discount` VERSION 1', 'feature `discount` VERSION 2', 'training set `sales_model` VERSION 1', 'training set `sales_model` VERSION 2']) {
        expect(p.stdout, p.stdout).toContain(`this change breaks registered ${v}`);
      }
      expect(p.stdout).toContain('list_price');
      expect(p.stdout).toContain('--retire-broken');
      const before = await train(1);
      const a = await fsql('apply', dir);
      expect(a.code).toBe(1);
      expect(a.stderr + a.stdout).toContain('this change breaks registered feature `discount` VERSION 1');
      // Nothing changed: VERSION 1 still trains.
      expectRows(before, V1_ROWS);
    });

    it('apply --retire-broken retires them; list, describe, train and get say so with the reason', async () => {
      const renamed = HEAD.replace('list_price DOUBLE', 'list DOUBLE');
      project(renamed + VIEW_R2.replace('list_price', 'list') + F2.replace('VERSION 2', 'VERSION 3') + T2.replace(/VERSION 2/g, 'VERSION 3'));
      const a = await fsql('apply', dir, '--retire-broken');
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout).toContain('- feature discount VERSION 1 (retire:');
      const l = await fsql('list', dir);
      expect(l.stdout).toMatch(/discount\s+1 \(retired\), 2 \(retired\), 3/);
      expect(l.stdout).toContain('list_price');
      const d = await fsql('describe', 'discount', dir, '--version', '1');
      expect(d.stdout).toMatch(/RETIRED .*list_price/);
      const t = await fsql('train', 'sales_model', dir, '--version', '1', '--out', join(dir, 'x.csv'));
      expect(t.code).toBe(1);
      expect(t.stderr).toContain('training set sales_model VERSION 1 is retired');
      expect(t.stderr).toContain('list_price');
      expectRows(await train(3), V2_ROWS);
    });

    it('over HTTP: a retired version is 410 `retired` with its reason; /health and the registry say so', async () => {
      const m = await fsql('materialize', dir, '--at', '2024-01-05 00:00:00');
      expect(m.code, m.stderr).toBe(0);
      const ws = Workspace.open(dir);
      const served = await serve(dir, ws);
      try {
        const api = await Api.open(served.url);
        const gone = await api.post('/v1/features/item', { keys: [['a']], features: ['discount@1'] });
        expect(gone.status).toBe(410);
        expect(gone.body.error.code).toBe('retired');
        expect(gone.body.error.message).toContain('list_price');
        // Without a version: the newest version that is not retired (3 reads the renamed column: 70 for a).
        const ok = await api.post('/v1/features/item', { keys: [['a']], features: ['discount'] });
        expect(ok.status).toBe(200);
        expect(close(ok.body.results[0].features.discount.value, 70)).toBe(true);
        const all = await api.post('/v1/features/item', { keys: [['a']] });
        expect(Object.keys(all.body.results[0].features)).toEqual(['discount']);
        const health = await api.get('/health');
        expect(health.body.excluded).toContainEqual(expect.objectContaining({ kind: 'feature', name: 'discount', version: 1, retired: true }));
        const obj = await api.get('/v1/registry/objects/discount?version=1');
        expect(obj.body.retired.reason).toContain('list_price');
        const v3 = await api.get('/v1/registry/objects/discount?version=3');
        expect(v3.body.pins).toContainEqual({ kind: 'view', name: 'priced', revision: 3, hash: expect.any(String), current: true });
      } finally {
        await served.server.close();
        await ws.close();
      }
    });
  });
}

describe('a registry written before pins existed', () => {
  it('pins its versions to the revisions registered when it is next applied, so a view edit in that apply keeps their meaning', async () => {
    const { dir, cleanup } = tempDir('fsql-pinning-legacy-');
    try {
      writeFiles(dir, { 'fsql.json': '{}', 'data/prices.csv': PRICES, 'data/sales.csv': SALES, 'project.fsql': HEAD + VIEW_R1 + F1 + T1 });
      expect((await fsql('apply', dir)).code).toBe(0);
      // What fsql before pins wrote: no pins, nothing marked pinned.
      const db = new Database(join(dir, '.fsql', 'registry.db'));
      db.exec('DELETE FROM pins; UPDATE objects SET pinned = 0;');
      db.close();
      writeFileSync(join(dir, 'project.fsql'), HEAD + VIEW_R2 + F1 + T1);
      const a = await fsql('apply', dir);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout).toContain('keep revision 1 (pinned): feature discount VERSION 1, training set sales_model VERSION 1');
      const out = join(dir, 't.csv');
      expect((await fsql('train', 'sales_model', dir, '--out', out)).code).toBe(0);
      expectRows(readRows(out), V1_ROWS);
    } finally {
      cleanup();
    }
  });
});

describe('a view deleted from the files', () => {
  it('stays registered, and the versions that read it keep training and serving', async () => {
    const { dir, cleanup } = tempDir('fsql-pinning-deleted-view-');
    try {
      writeFiles(dir, { 'fsql.json': '{}', 'data/prices.csv': PRICES, 'data/sales.csv': SALES, 'project.fsql': HEAD, 'view.fsql': VIEW_R1 + F1 + T1 });
      expect((await fsql('apply', dir)).code).toBe(0);
      rmSync(join(dir, 'view.fsql'));
      const p = await fsql('plan', dir);
      expect(p.stdout).toContain("Registered, no longer in the project's files");
      expect(p.stdout).toMatch(/view priced\n/);
      expect((await fsql('apply', dir)).code).toBe(0);
      const out = join(dir, 't.csv');
      const t = await fsql('train', 'sales_model', dir, '--out', out);
      expect(t.code, t.stderr).toBe(0);
      expectRows(readRows(out), V1_ROWS);
      expect((await fsql('materialize', dir, '--at', '2024-01-05 00:00:00')).code).toBe(0);
      const g = await fsql('get', 'item', 'a', '--project', dir, '--features', 'discount@1', '--format', 'json');
      expect(g.code, g.stdout + g.stderr).toBe(0);
      expect(close((JSON.parse(g.stdout) as { results: { features: Record<string, { value: unknown }> }[] }).results[0]!.features['discount@1']!.value, 0.7)).toBe(true);
    } finally {
      cleanup();
    }
  });
});
