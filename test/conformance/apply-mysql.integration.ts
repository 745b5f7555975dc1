/**
 * `fsql apply`, `train`, `materialize` and `get` on MariaDB / MySQL, through
 * the CLI: the example project applied to a server (FILE sources loaded,
 * views, (key, time) indexes, fits) gives the same training set and online
 * vectors as on SQLite; a TABLE source is read in place from another database,
 * its types checked against the declaration; a failed apply (MySQL's DDL is
 * not transactional) leaves the previous tables, views and results; training
 * rows stream through in batches. Each test in databases of its own
 * (`fsql_my_<run>_…`, dropped at the end).
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { openEngine } from '../../src/engine/open.js';
import { loadProject } from '../../src/runtime/run-plan.js';
import { mysqlUrl } from '../support/services.js';
import { copyExample, fsql, tempDir, writeFiles } from '../runtime/support.js';
import { close } from './conformance.js';

const prefix = `fsql_my_${randomBytes(4).toString('hex')}`;
let made = 0;

async function admin<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
  const u = new URL(mysqlUrl());
  const c = await createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    multipleStatements: true,
  });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A database name of this run (created by whoever uses it first: the engine creates its own). */
const dbName = () => `${prefix}_${++made}`;

/** The server URL with fsql's database `db`. */
function urlOf(db: string): string {
  const u = new URL(mysqlUrl());
  u.pathname = `/${db}`;
  return u.toString();
}

afterAll(async () => {
  await admin(async (c) => {
    const [rows] = await c.query(`SELECT schema_name AS s FROM information_schema.schemata WHERE schema_name LIKE '${prefix}\\_%'`);
    for (const r of rows as { s: string }[]) await c.query(`DROP DATABASE IF EXISTS \`${r.s}\``);
  });
});

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
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

async function tablesOf(db: string): Promise<{ name: string; type: string; rows: number }[]> {
  return admin(async (c) => {
    const [rows] = await c.query(`SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name`, [db]);
    const out: { name: string; type: string; rows: number }[] = [];
    for (const r of rows as { name: string; type: string }[]) {
      const [n] = r.type === 'BASE TABLE' ? await c.query(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${r.name}\``) : [[{ n: -1 }]];
      out.push({ name: r.name, type: r.type, rows: Number((n as { n: number }[])[0]!.n) });
    }
    return out;
  });
}

describe('apply and train on MariaDB', () => {
  it("the example project: training set and online vectors equal SQLite's; (key, time) indexes made", async () => {
    const db = dbName();
    const onMy = copyExample('payments', 'fsql-my-');
    const onSqlite = copyExample('payments', 'fsql-sqlite-');
    try {
      writeFileSync(join(onMy.dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'mysql', url: urlOf(db) } }));
      for (const dir of [onMy.dir, onSqlite.dir]) {
        const applied = await fsql('apply', dir);
        expect(applied.code, applied.stderr).toBe(0);
        const trained = await fsql('train', 'fraud_detection', dir, '--out', join(dir, 'train.csv'));
        expect(trained.code, trained.stderr).toBe(0);
        const m = await fsql('materialize', dir);
        expect(m.code, m.stderr).toBe(0);
      }
      expect(sameCsv(csvRows(join(onMy.dir, 'train.csv')), csvRows(join(onSqlite.dir, 'train.csv')))).toBeUndefined();
      const get = (dir: string) => fsql('get', 'user', 'u0001', 'u0002', 'u0150', '--project', dir, '--format', 'json');
      const a = await get(onMy.dir);
      const b = await get(onSqlite.dir);
      expect(a.code, a.stderr).toBe(0);
      // Equal but for `as_of` (when each `get` ran).
      const noTime = (text: string) => JSON.parse(text, (k, v: unknown) => (k === 'as_of' ? undefined : v)) as unknown;
      expect(noTime(a.stdout)).toEqual(noTime(b.stdout));
      expect(a.stdout).toContain('u0150');
      const indexes = await admin(
        async (c) => (await c.query(`SELECT DISTINCT index_name AS n FROM information_schema.statistics WHERE table_schema = ?`, [db]))[0] as { n: string }[],
      );
      expect(indexes.map((r) => r.n)).toContain('transactions__user_id__created_at__idx');
      // No stage table is left behind; a second apply with nothing changed loads nothing.
      expect((await tablesOf(db)).filter((t) => t.name.includes('__fsql_stage'))).toEqual([]);
      const again = await fsql('apply', onMy.dir);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/unchanged/);
    } finally {
      onMy.cleanup();
      onSqlite.cleanup();
    }
  });

  it('a failed apply leaves the previous tables, views and training set', async () => {
    const db = dbName();
    const p = copyExample('payments', 'fsql-my-fail-');
    try {
      writeFileSync(join(p.dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'mysql', url: urlOf(db) } }));
      const applied = await fsql('apply', p.dir);
      expect(applied.code, applied.stderr).toBe(0);
      const before = await tablesOf(db);
      expect(before.find((t) => t.name === 'transactions')?.rows).toBe(4965);
      expect(before.find((t) => t.name === 'enriched_transactions')?.type).toBe('VIEW');
      const first = join(p.dir, 'first.csv');
      expect((await fsql('train', 'fraud_detection', p.dir, '--out', first)).code).toBe(0);
      // A good new row in users.csv (loaded first), then a bad one in transactions.csv: the whole apply fails.
      appendFileSync(join(p.dir, 'data', 'users.csv'), 'u9999,FR,2024-01-01,40,true\n');
      appendFileSync(join(p.dir, 'data', 'transactions.csv'), 't999999,u0001,c0001,m001,not-a-number,EUR,atm,approved,2024-03-01 00:01:22\n');
      const failed = await fsql('apply', p.dir);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/transactions/);
      expect(failed.stderr).toMatch(/amount/);
      // Every table holds what it held (users.csv's new row was not swapped in), every view is there, no stage table is left.
      expect(await tablesOf(db)).toEqual(before);
      // transactions.csv fixed, but a TABLE source whose table is missing: refused before any table is replaced.
      writeFileSync(join(p.dir, 'data', 'transactions.csv'), readFileSync(join(p.dir, 'data', 'transactions.csv'), 'utf8').split('\n').filter((l) => !l.startsWith('t999999')).join('\n'));
      writeFileSync(join(p.dir, 'crm.fsql'), `CREATE SOURCE crm_orders (order_id TEXT NOT NULL) FROM TABLE ${db}_nosuch.orders;`);
      const missing = await fsql('apply', p.dir);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/crm_orders reads TABLE/);
      expect(await tablesOf(db)).toEqual(before);
      const second = join(p.dir, 'second.csv');
      const trained = await fsql('train', 'fraud_detection', p.dir, '--out', second);
      expect(trained.code, trained.stderr).toBe(0);
      expect(readFileSync(second, 'utf8')).toBe(readFileSync(first, 'utf8'));
    } finally {
      p.cleanup();
    }
  });

  it('a TABLE source is read in place from another database, its column types checked against the declaration', async () => {
    const db = dbName();
    const crm = dbName();
    const t = tempDir('fsql-my-table-');
    try {
      await admin((c) =>
        c.query(
          `CREATE DATABASE \`${crm}\`; CREATE TABLE \`${crm}\`.orders (order_id VARCHAR(20) COLLATE utf8mb4_bin NOT NULL, customer_id VARCHAR(20) COLLATE utf8mb4_bin NOT NULL, amount DECIMAL(10, 2), placed_at TIMESTAMP NOT NULL);
           SET time_zone = '+00:00';
           INSERT INTO \`${crm}\`.orders VALUES ('o1', 'c1', 10.5, '2024-01-01 10:00:00'), ('o2', 'c1', 4.5, '2024-01-02 10:00:00'), ('o3', 'c2', 7, '2024-01-03 10:00:00'), ('o4', 'C1', 100, '2024-01-03 11:00:00');`,
        ),
      );
      writeFiles(t.dir, {
        'fsql.json': JSON.stringify({ offline: { engine: 'mysql', url: urlOf(db) } }),
        'p.fsql': `CREATE ENTITY customer KEY (customer_id TEXT);
CREATE SOURCE orders (order_id TEXT NOT NULL, customer_id TEXT NOT NULL, amount DOUBLE, placed_at TIMESTAMP NOT NULL) FROM TABLE ${crm}.orders EVENT TIME placed_at;
CREATE FEATURE spend_7d ENTITY customer FROM orders AS SUM(amount) WINDOW 7 DAYS;
CREATE LABEL big ENTITY customer FROM orders AS amount > 5;
CREATE TRAINING SET s LABEL big FEATURES (spend_7d);`,
      });
      // TIMESTAMP converts through the session's time zone: not a TIMESTAMP of fsql's (a DATETIME is).
      const refused = await fsql('apply', t.dir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`column placed_at is declared TIMESTAMP, but TABLE ${crm}\\.orders holds timestamp`));
      await admin((c) => c.query(`ALTER TABLE \`${crm}\`.orders MODIFY placed_at DATETIME NOT NULL, MODIFY customer_id VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL`));
      // A case-insensitive collation would join 'C1' with 'c1': refused too, saying which collation.
      const ci = await fsql('apply', t.dir);
      expect(ci.code).toBe(1);
      expect(ci.stderr).toMatch(/column customer_id is declared TEXT, but TABLE .*holds varchar\(20\) COLLATE utf8mb4_general_ci/);
      await admin((c) => c.query(`ALTER TABLE \`${crm}\`.orders MODIFY customer_id VARCHAR(20) COLLATE utf8mb4_bin NOT NULL`));
      const applied = await fsql('apply', t.dir);
      expect(applied.code, applied.stderr).toBe(0);
      const out = join(t.dir, 's.csv');
      const trained = await fsql('train', 's', t.dir, '--out', out);
      expect(trained.code, trained.stderr).toBe(0);
      // Hand-worked: each order's customer's spend over the 7 days up to and including it, then the order's label.
      // 'C1' is another customer than 'c1'.
      const rows = csvRows(out)
        .slice(1)
        .map((r) => [r[0], ...r.slice(-2)]);
      expect(rows).toEqual([
        ['c1', '10.5', 'true'],
        ['c1', '15', 'false'],
        ['c2', '7', 'true'],
        ['C1', '100', 'true'],
      ]);
      // No data was copied: fsql's database has a view over the table, not a table.
      expect((await tablesOf(db)).find((x) => x.name === 'orders')?.type).toBe('VIEW');
    } finally {
      t.cleanup();
    }
  });

  it('stream ingest stores events in the engine, an idempotency key with a backslash and a quote once', async () => {
    const db = dbName();
    const p = copyExample('payments', 'fsql-my-ingest-');
    try {
      writeFileSync(join(p.dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'mysql', url: urlOf(db) } }));
      expect((await fsql('apply', p.dir)).code).toBe(0);
      const count = async () => admin(async (c) => Number(((await c.query(`SELECT COUNT(*) AS n FROM \`${db}\`.app_events`))[0] as { n: number }[])[0]!.n));
      const before = await count();
      const file = join(p.dir, 'batch.jsonl');
      writeFileSync(file, `${JSON.stringify({ event_id: 'k1', account_id: 'u0001', event_type: 'login_failed', ts: '2024-04-29 22:00:00' })}\n`);
      const key = "it's\\";
      const first = await fsql('ingest', 'app_events', file, p.dir, '--idempotency-key', key);
      expect(first.code, first.stderr).toBe(0);
      expect(await count()).toBe(before + 1);
      const retry = await fsql('ingest', 'app_events', file, p.dir, '--idempotency-key', key);
      expect(retry.code, retry.stderr).toBe(0);
      expect(retry.stdout).toContain('Already ingested');
      expect(await count()).toBe(before + 1);
      const keys = await admin(async (c) => (await c.query(`SELECT idempotency_key AS k FROM \`${db}\`.__fsql_ingested`))[0] as { k: string }[]);
      expect(keys.map((r) => r.k)).toEqual([key]);
    } finally {
      p.cleanup();
    }
  });

  it("a source named with a quote and a backslash: fsql's bookkeeping finds it again (the second apply loads nothing)", async () => {
    // MySQL reads `\\` in a literal as an escape: bookkeeping rows written with
    // the SQL-standard quoting alone would be stored under another name (or not parse).
    const db = dbName();
    const t = tempDir('fsql-my-names-');
    try {
      const name = 'o\'k\\src';
      writeFiles(t.dir, {
        'fsql.json': JSON.stringify({ offline: { engine: 'mysql', url: urlOf(db) } }),
        'data/o.csv': 'id,ts,amount\na,2024-01-01 00:00:00,1.5\nb,2024-01-02 00:00:00,2\n',
        'p.fsql': `CREATE SOURCE "${name.replaceAll('"', '""')}" (id TEXT NOT NULL, ts TIMESTAMP NOT NULL, amount DOUBLE) FROM FILE 'data/o.csv' EVENT TIME ts;\n`,
      });
      const first = await fsql('apply', t.dir);
      expect(first.code, first.stderr).toBe(0);
      const loads = await admin(async (c) => (await c.query(`SELECT source AS s, row_count AS n FROM \`${db}\`.__fsql_loads`))[0] as { s: string; n: number }[]);
      expect(loads.map((r) => [r.s, Number(r.n)])).toEqual([[name, 2]]);
      const second = await fsql('apply', t.dir);
      expect(second.code, second.stderr).toBe(0);
      expect(`${second.stdout}${second.stderr}`).not.toMatch(/load/i);
      const again = await admin(async (c) => (await c.query(`SELECT source AS s FROM \`${db}\`.__fsql_loads`))[0] as { s: string }[]);
      expect(again.map((r) => r.s)).toEqual([name]);
    } finally {
      t.cleanup();
    }
  });

  it('query results stream through in batches; a batch handler that throws stops the query and leaves the engine usable', async () => {
    const engine = await openEngine('mysql', mysqlUrl(), { schema: dbName() });
    try {
      const catalog = checkText('CREATE SOURCE n (i INTEGER NOT NULL, s TEXT) FROM TABLE n;', 'n.fsql').catalog;
      await loadProject(engine, catalog, { n: Array.from({ length: 25_000 }, (_v, i) => ({ i, s: `r${i}` })) });
      const sizes: number[] = [];
      let sum = 0;
      const total = await engine.queryBatches(
        'SELECT "i", "s" FROM "n" ORDER BY "i"',
        [
          { name: 'i', type: 'INTEGER' },
          { name: 's', type: 'TEXT' },
        ],
        (rows) => {
          sizes.push(rows.length);
          for (const r of rows) sum += r[0] as number;
        },
        4096,
      );
      expect(total).toBe(25_000);
      expect(sizes).toEqual([4096, 4096, 4096, 4096, 4096, 4096, 424]);
      expect(sum).toBe((25_000 * 24_999) / 2);
      // A cross join of 625M rows, stopped at its second batch.
      let calls = 0;
      await expect(
        engine.queryBatches(
          'SELECT a."i" AS "i" FROM "n" a CROSS JOIN "n" b',
          [{ name: 'i', type: 'INTEGER' }],
          () => {
            if (++calls === 2) throw new Error('disk full');
          },
          1000,
        ),
      ).rejects.toThrow('disk full');
      expect(calls).toBe(2);
      expect(await engine.query('SELECT COUNT(*) AS "c" FROM "n"', [{ name: 'c', type: 'INTEGER' }])).toEqual([{ c: 25_000 }]);
    } finally {
      await engine.close();
    }
  });
});
