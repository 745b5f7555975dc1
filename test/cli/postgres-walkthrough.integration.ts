/**
 * docs/postgres-walkthrough.md, run as a newcomer would: the page's own SQL
 * creates `public.orders` in a database of this run (owned by a role with a
 * password), its `fsql.json` (URL pointed at the test server, password from
 * `${PGPASSWORD}`) and `shop.fsql` go into an empty folder, and `fsql apply`
 * and `fsql train` run as child processes of the real command line
 * (src/cli/bin.ts under tsx). The training set must hold the hand-worked
 * values below — and equal the output the page shows — and the database must
 * hold a view over the table, not a copy of it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/services.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'postgres-walkthrough.md'), 'utf8');
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const database = `fsql_walk_${suffix}`;
const role = `fsql_walk_${suffix}`;
const PASSWORD = `pw-${suffix}`;

/** The fenced code blocks of the page with the given info string, in order. */
function blocks(info: string): string[] {
  return [...PAGE.matchAll(/```([a-z]*)\n([\s\S]*?)```/g)].filter((m) => m[1] === info).map((m) => m[2]!);
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = postgresUrl()): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The test server's URL for this run's role and database, password included (for the test's own client). */
function roleUrl(password: string): string {
  const u = new URL(postgresUrl());
  u.username = role;
  u.password = password;
  u.pathname = `/${database}`;
  return u.toString();
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `fsql …` in `cwd`, a child process of the command line from the sources. */
function fsql(cwd: string, env: Record<string, string | undefined>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    execFile(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'cli', 'bin.ts'), ...args], { cwd, env: childEnv, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir = '';

beforeAll(async () => {
  await admin(async (c) => {
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await c.query(`CREATE DATABASE ${database} OWNER ${role}`);
  });
  dir = mkdtempSync(join(tmpdir(), 'fsql-pg-walkthrough-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

describe('docs/postgres-walkthrough.md, step by step through the fsql command line', () => {
  it('from public.orders to a training set, read in place, the password from the environment', async () => {
    // 1. The table, with the page's SQL, as the database's owner.
    const [tableSql, shopFsql] = blocks('sql');
    expect(tableSql).toContain('CREATE TABLE public.orders');
    await admin((c) => c.query(tableSql!), roleUrl(PASSWORD));

    // 2. fsql.json as the page writes it, pointed at the test server.
    const [config] = blocks('json');
    const server = new URL(postgresUrl());
    const json = config!.replace('analyst', role).replace('db.internal:5432/shop', `${server.host}/${database}`);
    expect(json).toContain('${PGPASSWORD}');
    writeFileSync(join(dir, 'fsql.json'), json);

    // 3. The definitions.
    expect(shopFsql).toContain('FROM TABLE public.orders');
    writeFileSync(join(dir, 'shop.fsql'), shopFsql!);

    // Without the variable: a clear error naming it, exit 2, nothing applied.
    const missing = await fsql(dir, { PGPASSWORD: undefined }, 'apply');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('offline.url reads the environment variable PGPASSWORD, which is not set');

    // 4. fsql apply.
    const env = { PGPASSWORD: PASSWORD };
    const applied = await fsql(dir, env, 'apply');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('source orders: table checked');
    expect(applied.stdout).toMatch(/Applied \(apply #1\)/);

    // No copy: fsql's schema holds a view over public.orders and its bookkeeping, no table of orders.
    const relations = await admin(
      (c) => c.query<{ relname: string; relkind: string }>("SELECT relname, relkind FROM pg_class WHERE relnamespace = 'fsql'::regnamespace AND relkind IN ('r', 'v', 'm') ORDER BY 1"),
      roleUrl(PASSWORD),
    );
    expect(relations.rows).toEqual([
      { relname: '__fsql_loads', relkind: 'r' },
      { relname: '__fsql_streams', relkind: 'r' },
      { relname: '__fsql_views', relkind: 'r' },
      { relname: 'orders', relkind: 'v' },
    ]);

    // 5. fsql train.
    const trained = await fsql(dir, env, 'train', 'big_orders', '--out', 'big_orders.csv');
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toContain('Wrote 6 rows × 6 columns of big_orders VERSION 1 to big_orders.csv');
    const csv = readFileSync(join(dir, 'big_orders.csv'), 'utf8');

    // Hand-worked (the page explains each row): per order, what was known strictly before it —
    // orders of the customer in the previous 30 days, their spend in the previous 7 days (NULL for none),
    // the amount of the customer's previous order — and whether the order itself was over 50.
    const rows = csv.trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['customer_id', 'placed_at', 'orders_30d', 'spend_7d', 'last_amount', 'big_order']);
    const values = rows.slice(1).map(([customer, at, n, spend, last, big]) => [customer, at, Number(n), spend === '' ? null : Number(spend), last === '' ? null : Number(last), big]);
    expect(values).toEqual([
      ['c1', '2024-03-01 09:00:00', 0, null, null, 'false'],
      ['c1', '2024-03-03 12:00:00', 1, 20, 20, 'true'],
      ['c2', '2024-03-04 08:30:00', 0, null, null, 'false'],
      ['c1', '2024-03-09 18:00:00', 2, 75.5, 75.5, 'false'],
      ['c2', '2024-03-20 10:00:00', 1, null, 12, 'true'],
      ['c1', '2024-04-05 09:00:00', 1, null, 30, 'false'],
    ]);
    // What the page shows is what fsql wrote.
    const shown = PAGE.slice(PAGE.indexOf('$ cat big_orders.csv\n') + '$ cat big_orders.csv\n'.length);
    expect(shown.slice(0, shown.indexOf('```')).trim()).toBe(csv.trim());

    // The password never reached any output.
    for (const r of [missing, applied, trained]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});
