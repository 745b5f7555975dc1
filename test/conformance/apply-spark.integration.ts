/**
 * `fsql apply`, `train`, `materialize` and `get` on Spark (Spark Connect),
 * through the CLI: the starter example applied to the server (FILE sources
 * loaded, views, fits) gives the same training set and online vectors as on
 * SQLite; a TABLE source is read in place from another Spark database, its
 * types checked against the declaration; and, Spark having no transactions,
 * an apply that fails on a bad file leaves the previous tables, views and
 * training set as they were. Each test in Spark databases of its own
 * (dropped at the end).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { sparkUrl } from '../support/services.js';
import { copyExample, fsql, tempDir, writeFiles } from '../runtime/support.js';
import { close } from './conformance.js';

const prefix = `fsql_apply_${process.pid}_${Date.now().toString(36)}`;
const made: string[] = [];

function database(): string {
  const name = `${prefix}_${made.length + 1}`;
  made.push(name);
  return name;
}

async function withSpark<T>(schema: string, fn: (e: Engine) => Promise<T>): Promise<T> {
  const engine = await openEngine('spark', sparkUrl(), { schema });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

afterAll(async () => {
  await withSpark(`${prefix}_cleanup`, async (e) => {
    for (const d of [...made, `${prefix}_cleanup`]) await e.execute(`DROP DATABASE IF EXISTS \`${d}\` CASCADE`);
  });
});

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
}

function sameCsv(a: string[][], b: string[][]): string | undefined {
  if (a.length !== b.length) return `${a.length} lines, expected ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b[i]!.length; j++) {
      const x = a[i]![j]!;
      const y = b[i]![j]!;
      if (x === y) continue;
      const nx = Number(x);
      const ny = Number(y);
      if (x !== '' && y !== '' && Number.isFinite(nx) && Number.isFinite(ny) && close(nx, ny)) continue;
      return `line ${i + 1}, column ${j + 1}: ${x}, expected ${y}`;
    }
  }
  return undefined;
}

/** Equal JSON values, doubles within 1e-9 relative (Spark sums in another order); the first difference, or undefined. */
function sameValues(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a === 'number' && typeof b === 'number') return close(a, b) ? undefined : `${path}: ${a}, expected ${b}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} items, expected ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = sameValues(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (JSON.stringify(ka) !== JSON.stringify(kb)) return `${path}: keys ${ka.join(', ')}, expected ${kb.join(', ')}`;
    for (const k of ka) {
      const d = sameValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${path}: ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`;
}

const sparkConfig = (schema: string) => JSON.stringify({ offline: { engine: 'spark', url: sparkUrl(), schema } });

describe('apply and train on Spark', () => {
  // The starter example (FILE sources, a STREAM source, fits): each Spark statement is a job of ~0.1–1 s, and
  // the payments example's apply takes minutes there; the conformance suite runs both examples through the engine.
  it("the starter example: training set and online vectors equal SQLite's", async () => {
    const onSpark = copyExample('starter', 'fsql-spark-');
    const onSqlite = copyExample('starter', 'fsql-sqlite-');
    try {
      writeFileSync(join(onSpark.dir, 'fsql.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(onSpark.dir, 'fsql.json'), 'utf8')), offline: { engine: 'spark', url: sparkUrl(), schema: database() } }));
      for (const dir of [onSpark.dir, onSqlite.dir]) {
        const applied = await fsql('apply', dir);
        expect(applied.code, applied.stderr).toBe(0);
        const trained = await fsql('train', 'churn_model', dir, '--out', join(dir, 'train.csv'));
        expect(trained.code, trained.stderr).toBe(0);
        const m = await fsql('materialize', dir);
        expect(m.code, m.stderr).toBe(0);
      }
      expect(sameCsv(csvRows(join(onSpark.dir, 'train.csv')), csvRows(join(onSqlite.dir, 'train.csv')))).toBeUndefined();
      const get = (dir: string) => fsql('get', 'customer', 'c001', 'c002', 'c040', '--project', dir, '--format', 'json');
      const a = await get(onSpark.dir);
      const b = await get(onSqlite.dir);
      expect(a.code, a.stderr).toBe(0);
      // `as_of` is when each materialize ran (Spark's took longer): everything else is equal.
      const withoutAsOf = (text: string) => JSON.parse(text, (k, v: unknown) => (k === 'as_of' ? undefined : v)) as unknown;
      expect(sameValues(withoutAsOf(a.stdout), withoutAsOf(b.stdout))).toBeUndefined();
      expect(a.stdout).toContain('c040');
      // A second apply with nothing changed loads nothing.
      const again = await fsql('apply', onSpark.dir);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/unchanged/);
    } finally {
      onSpark.cleanup();
      onSqlite.cleanup();
    }
  }, 600_000);

  it('a TABLE source is read in place from another database, its column types checked against the declaration', async () => {
    const own = database();
    const src = database();
    const t = tempDir('fsql-spark-table-');
    try {
      await withSpark(src, async (e) => {
        await e.execute('CREATE TABLE orders (order_id STRING, customer_id STRING, amount DECIMAL(10, 2), placed_at TIMESTAMP) USING parquet');
        await e.execute(`INSERT INTO orders VALUES ('o1', 'c1', 10.5, TIMESTAMP '2024-01-01 10:00:00'), ('o2', 'c1', 4.5, TIMESTAMP '2024-01-02 10:00:00'), ('o3', 'c2', 7, TIMESTAMP '2024-01-03 10:00:00')`);
      });
      writeFiles(t.dir, {
        'fsql.json': sparkConfig(own),
        'p.fsql': `CREATE ENTITY customer KEY (customer_id TEXT);
CREATE SOURCE orders (order_id TEXT NOT NULL, customer_id TEXT NOT NULL, amount DOUBLE, placed_at TIMESTAMP NOT NULL) FROM TABLE ${src}.orders EVENT TIME placed_at;
CREATE FEATURE spend_7d ENTITY customer FROM orders AS SUM(amount) WINDOW 7 DAYS;
CREATE LABEL big ENTITY customer FROM orders AS amount > 5;
CREATE TRAINING SET s LABEL big FEATURES (spend_7d);`,
      });
      // Spark's TIMESTAMP has a time zone (the session's); fsql's is a wall-clock TIMESTAMP_NTZ.
      const refused = await fsql('apply', t.dir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`column placed_at is declared TIMESTAMP, but TABLE ${src}\\.orders holds timestamp`));
      await withSpark(src, async (e) => {
        await e.execute('CREATE TABLE orders_ntz USING parquet AS SELECT order_id, customer_id, amount, CAST(placed_at AS TIMESTAMP_NTZ) AS placed_at FROM orders');
        await e.execute('DROP TABLE orders');
        await e.execute('ALTER TABLE orders_ntz RENAME TO orders');
      });
      const applied = await fsql('apply', t.dir);
      expect(applied.code, applied.stderr).toBe(0);
      const out = join(t.dir, 's.csv');
      const trained = await fsql('train', 's', t.dir, '--out', out);
      expect(trained.code, trained.stderr).toBe(0);
      // Hand-worked: the customer's spend over the 7 days up to and including each order, then the order's label.
      const rows = csvRows(out).slice(1).map((r) => r.slice(-2));
      expect(rows).toEqual([
        ['10.5', 'true'],
        ['15', 'false'],
        ['7', 'true'],
      ]);
      // No data was copied: fsql's database has a view over the table, not a table.
      const kinds = await withSpark(own, (e) => e.query(`SHOW TABLES IN \`${own}\``));
      expect(kinds.filter((r) => r['tableName'] === 'orders').map((r) => r['isTemporary'])).toEqual([false]);
      const views = await withSpark(own, (e) => e.query(`SHOW VIEWS IN \`${own}\``));
      expect(views.map((r) => r['viewName'])).toContain('orders');
    } finally {
      t.cleanup();
    }
  }, 600_000);

  it('an apply that fails on a bad file leaves the previous tables, views and training set (no transactions: staged, then swapped)', async () => {
    const own = database();
    const t = tempDir('fsql-spark-failed-');
    try {
      writeFiles(t.dir, {
        'fsql.json': sparkConfig(own),
        'p.fsql': `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, at TIMESTAMP NOT NULL) FROM FILE 'events.csv' EVENT TIME at;
CREATE VIEW big AS SELECT user_id, amount, at FROM events WHERE amount > 1;
CREATE FEATURE total ENTITY user FROM big AS SUM(amount);
CREATE LABEL y ENTITY user FROM events AS amount;
CREATE TRAINING SET s LABEL y FEATURES (total);`,
        'events.csv': 'user_id,amount,at\nu1,2,2024-01-01 00:00:00\nu1,3,2024-01-02 00:00:00\nu2,5,2024-01-03 00:00:00\n',
      });
      const first = await fsql('apply', t.dir);
      expect(first.code, first.stderr).toBe(0);
      const before = join(t.dir, 'before.csv');
      expect((await fsql('train', 's', t.dir, '--out', before)).code).toBe(0);
      // Hand-worked: the view has no event time, so SUM(amount) is over all of a user's big rows: u1 2 + 3, u2 5.
      expect(csvRows(before).slice(1).map((r) => [r[0], r[2], r[3]])).toEqual([
        ['u1', '5', '2'],
        ['u1', '5', '3'],
        ['u2', '5', '5'],
      ]);
      // A new file with a row that is not a number: the apply fails, nothing of the old state is lost.
      writeFileSync(join(t.dir, 'events.csv'), 'user_id,amount,at\nu1,7,2024-01-01 00:00:00\nu1,seven,2024-01-02 00:00:00\n');
      const failed = await fsql('apply', t.dir);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/events\.csv/);
      const after = join(t.dir, 'after.csv');
      const trained = await fsql('train', 's', t.dir, '--out', after);
      expect(trained.code, trained.stderr).toBe(0);
      expect(readFileSync(after, 'utf8')).toBe(readFileSync(before, 'utf8'));
      // No stage table is left behind; the view and the table are there.
      const tables = await withSpark(own, (e) => e.query(`SHOW TABLES IN \`${own}\``));
      const names = tables.map((r) => String(r['tableName']));
      expect(names).toContain('events');
      expect(names).toContain('big');
      expect(names.filter((n) => n.includes('__fsql_stage'))).toEqual([]);
      // A good file then replaces the old rows.
      writeFileSync(join(t.dir, 'events.csv'), 'user_id,amount,at\nu1,7,2024-01-01 00:00:00\n');
      const fixed = await fsql('apply', t.dir);
      expect(fixed.code, fixed.stderr).toBe(0);
      const last = join(t.dir, 'last.csv');
      expect((await fsql('train', 's', t.dir, '--out', last)).code).toBe(0);
      expect(csvRows(last).slice(1).map((r) => [r[0], r[2], r[3]])).toEqual([['u1', '7', '7']]);
    } finally {
      t.cleanup();
    }
  }, 600_000);
});
