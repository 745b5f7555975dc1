/**
 * `fsql train` interrupted with Ctrl-C (SIGINT) on PostgreSQL: the training
 * query stops on the server within seconds, instead of running on to its end
 * for nobody (found with a 3M-row training set whose query ran for half an
 * hour after the command had exited). A TABLE source read in place is a view
 * of `public` that sleeps 60 s per query once a gate is opened, so the query
 * is certainly still running when the signal comes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/services.js';
import { ROOT, tempDir, writeFiles } from '../runtime/support.js';

const database = `fsql_interrupt_${process.pid}_${Date.now().toString(36)}`;

async function query<T extends pg.QueryResultRow>(text: string, db?: string): Promise<T[]> {
  const u = new URL(postgresUrl());
  if (db !== undefined) u.pathname = `/${db}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** fsql's queries still running in the test's database (not this test's own). */
const running = () => query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = '${database}' AND application_name = 'fsql' AND state = 'active'`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  await query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

describe('fsql train interrupted on PostgreSQL', () => {
  it('Ctrl-C stops the training query on the server within seconds', async () => {
    await query(`CREATE DATABASE ${database}`);
    await query(
      `CREATE TABLE public.gate (slow boolean NOT NULL); INSERT INTO public.gate VALUES (false);
       CREATE TABLE public.orders_data (customer_id text NOT NULL, amount double precision, placed_at timestamp NOT NULL);
       INSERT INTO public.orders_data VALUES ('c1', 10, '2024-01-01 10:00'), ('c1', 60, '2024-01-02 10:00'), ('c2', 5, '2024-01-03 10:00');
       CREATE VIEW public.orders AS SELECT * FROM public.orders_data WHERE NOT (SELECT slow FROM public.gate) OR pg_sleep(60) IS NOT NULL;`,
      database,
    );
    const u = new URL(postgresUrl());
    u.pathname = `/${database}`;
    const t = tempDir('fsql-pg-interrupt-');
    try {
      writeFiles(t.dir, {
        'fsql.json': JSON.stringify({ offline: { engine: 'postgres', url: u.toString() } }),
        'p.fsql': `CREATE ENTITY customer KEY (customer_id TEXT);
CREATE SOURCE orders (customer_id TEXT NOT NULL, amount DOUBLE, placed_at TIMESTAMP NOT NULL) FROM TABLE public.orders EVENT TIME placed_at;
CREATE FEATURE spend_7d ENTITY customer FROM orders AS SUM(amount) WINDOW 7 DAYS AS OF < t;
CREATE LABEL big ENTITY customer FROM orders AS amount > 50;
CREATE TRAINING SET s LABEL big FEATURES (spend_7d);`,
      });
      const cli = (...args: string[]) => spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = (child: ReturnType<typeof cli>) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const apply = cli('apply', t.dir, '-q');
      let applyErr = '';
      apply.stderr.on('data', (d: Buffer) => (applyErr += d.toString()));
      expect(await exited(apply), applyErr).toBe(0);

      await query('UPDATE public.gate SET slow = true', database);
      const train = cli('train', 's', t.dir, '--out', join(t.dir, 's.csv'));
      const done = exited(train);
      // Wait for the training query to be running on the server.
      const deadline = Date.now() + 60_000;
      while ((await running()).length === 0) {
        if (Date.now() > deadline) throw new Error('the training query never started');
        await sleep(200);
      }
      train.kill('SIGINT');
      await done;
      const interrupted = Date.now();
      while ((await running()).length > 0) {
        // Without a connection check the query would sleep on for a minute.
        expect(Date.now() - interrupted, 'the query was still running on the server 15 s after fsql exited').toBeLessThan(15_000);
        await sleep(250);
      }
    } finally {
      t.cleanup();
    }
  }, 120_000);
});
