/**
 * `fsql apply`, `train`, `materialize` and `get` on PostgreSQL, through the
 * CLI: the example project applied to a server (FILE sources loaded, views,
 * indexes, fits) gives the same training set and online vectors as the same
 * project on SQLite; a TABLE source is read in place from `public`, its types
 * checked against the declaration. Each test in a database of its own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/services.js';
import { copyExample, fsql, tempDir, writeFiles } from '../runtime/support.js';
import { close } from './conformance.js';

const made: string[] = [];

async function admin<T>(fn: (c: pg.Client) => Promise<T>, db?: string): Promise<T> {
  const u = new URL(postgresUrl());
  if (db !== undefined) u.pathname = `/${db}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new database; its URL. */
async function database(): Promise<{ name: string; url: string }> {
  const name = `fsql_apply_${process.pid}_${made.length}_${Date.now().toString(36)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  made.push(name);
  const u = new URL(postgresUrl());
  u.pathname = `/${name}`;
  return { name, url: u.toString() };
}

afterAll(async () => {
  for (const name of made) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
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

describe('apply and train on PostgreSQL', () => {
  it('the example project: training set and online vectors equal SQLite\'s', async () => {
    const db = await database();
    const onPg = copyExample('payments', 'fsql-pg-');
    const onSqlite = copyExample('payments', 'fsql-sqlite-');
    try {
      writeFileSync(join(onPg.dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'postgres', url: db.url } }));
      for (const dir of [onPg.dir, onSqlite.dir]) {
        const applied = await fsql('apply', dir);
        expect(applied.code, applied.stderr).toBe(0);
        const trained = await fsql('train', 'fraud_detection', dir, '--out', join(dir, 'train.csv'));
        expect(trained.code, trained.stderr).toBe(0);
        const m = await fsql('materialize', dir);
        expect(m.code, m.stderr).toBe(0);
      }
      expect(sameCsv(csvRows(join(onPg.dir, 'train.csv')), csvRows(join(onSqlite.dir, 'train.csv')))).toBeUndefined();
      const get = (dir: string) => fsql('get', 'user', 'u0001', 'u0002', 'u0150', '--project', dir, '--format', 'json');
      const a = await get(onPg.dir);
      const b = await get(onSqlite.dir);
      expect(a.code, a.stderr).toBe(0);
      // `as_of` is each materialize's own time; everything else is equal.
      const values = (out: string) => JSON.parse(out, (k, v) => (k === 'as_of' ? undefined : v));
      expect(values(a.stdout)).toEqual(values(b.stdout));
      expect(a.stdout).toContain('u0150');
      // What apply made on the server: fsql's schema holds the loaded tables, the bookkeeping and the (key, time) indexes.
      const indexes = await admin((c) => c.query<{ n: string }>("SELECT indexname AS n FROM pg_indexes WHERE schemaname = 'fsql' ORDER BY 1"), db.name);
      expect(indexes.rows.map((r) => r.n)).toContain('transactions__user_id__created_at__idx');
      // A second apply with nothing changed loads nothing.
      const again = await fsql('apply', onPg.dir);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/unchanged/);
    } finally {
      onPg.cleanup();
      onSqlite.cleanup();
    }
  });

  it('a TABLE source is read in place from public, its column types checked against the declaration', async () => {
    const db = await database();
    const t = tempDir('fsql-pg-table-');
    try {
      await admin(async (c) => {
        await c.query('CREATE TABLE public.orders (order_id text NOT NULL, customer_id text NOT NULL, amount numeric(10, 2), placed_at timestamptz NOT NULL)');
        await c.query(`INSERT INTO public.orders VALUES ('o1', 'c1', 10.5, '2024-01-01 10:00+00'), ('o2', 'c1', 4.5, '2024-01-02 10:00+00'), ('o3', 'c2', 7, '2024-01-03 10:00+00')`);
      }, db.name);
      writeFiles(t.dir, {
        'fsql.json': JSON.stringify({ offline: { engine: 'postgres', url: db.url } }),
        'p.fsql': `CREATE ENTITY customer KEY (customer_id TEXT);
CREATE SOURCE orders (order_id TEXT NOT NULL, customer_id TEXT NOT NULL, amount DOUBLE, placed_at TIMESTAMP NOT NULL) FROM TABLE public.orders EVENT TIME placed_at;
CREATE FEATURE spend_7d ENTITY customer FROM orders AS SUM(amount) WINDOW 7 DAYS;
CREATE LABEL big ENTITY customer FROM orders AS amount > 5;
CREATE TRAINING SET s LABEL big FEATURES (spend_7d);`,
      });
      const refused = await fsql('apply', t.dir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/column placed_at is declared TIMESTAMP, but TABLE public\.orders holds timestamp with time zone/);
      await admin((c) => c.query("ALTER TABLE public.orders ALTER COLUMN placed_at TYPE timestamp USING placed_at AT TIME ZONE 'UTC'"), db.name);
      const applied = await fsql('apply', t.dir);
      expect(applied.code, applied.stderr).toBe(0);
      const out = join(t.dir, 's.csv');
      const trained = await fsql('train', 's', t.dir, '--out', out);
      expect(trained.code, trained.stderr).toBe(0);
      // Hand-worked: the customer's spend over the 7 days up to and including each order, then the order's label over the 7 days up to and including it.
      const rows = csvRows(out).slice(1).map((r) => r.slice(-2));
      expect(rows).toEqual([
        ['10.5', 'true'],
        ['15', 'false'],
        ['7', 'true'],
      ]);
      // No data was copied: fsql's schema has a view over the table, not a table.
      const kinds = await admin((c) => c.query<{ k: string }>("SELECT relkind AS k FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace WHERE n.nspname = 'fsql' AND relname = 'orders'"), db.name);
      expect(kinds.rows).toEqual([{ k: 'v' }]);
    } finally {
      t.cleanup();
    }
  });
});
