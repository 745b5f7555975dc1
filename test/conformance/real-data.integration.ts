/**
 * The flights project (real-data.ts: two days of US flights, views over
 * views, a stream, every transform) through the CLI on the server engines —
 * PostgreSQL, MariaDB and Spark, each in a database of this run's own
 * (dropped at the end): training sets, fitted parameters and online vectors
 * equal the reference evaluator's. SQLite and DuckDB run the same in
 * real-data.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import { mysqlUrl, postgresUrl, sparkUrl } from '../support/services.js';
import { cliResults, expectSame, referenceResults } from './real-data.js';

const prefix = `fsql_flights_${randomBytes(4).toString('hex')}`;
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const c of cleanups) await c();
});

const log = process.env.FSQL_REAL_DATA_LOG ? (engine: string) => (line: string) => process.stderr.write(`${engine}: ${line}\n`) : undefined;

async function postgresOffline(): Promise<Record<string, unknown>> {
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: postgresUrl() });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${prefix}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${prefix} WITH (FORCE)`));
  const u = new URL(postgresUrl());
  u.pathname = `/${prefix}`;
  return { engine: 'postgres', url: u.toString() };
}

function mysqlOffline(): Record<string, unknown> {
  const u = new URL(mysqlUrl());
  cleanups.push(async () => {
    const c = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    try {
      await c.query(`DROP DATABASE IF EXISTS \`${prefix}\``);
    } finally {
      await c.end();
    }
  });
  u.pathname = `/${prefix}`;
  return { engine: 'mysql', url: u.toString() };
}

function sparkOffline(): Record<string, unknown> {
  cleanups.push(async () => {
    const e = await openEngine('spark', sparkUrl(), { schema: `${prefix}_cleanup` });
    try {
      for (const d of [prefix, `${prefix}_cleanup`]) await e.execute(`DROP DATABASE IF EXISTS \`${d}\` CASCADE`);
    } finally {
      await e.close();
    }
  });
  return { engine: 'spark', url: sparkUrl(), schema: prefix };
}

describe('real data (two days of US flights) through the CLI on the server engines', () => {
  const cases: [string, () => Promise<Record<string, unknown>> | Record<string, unknown>][] = [
    ['postgres', postgresOffline],
    ['mysql', mysqlOffline],
    ['spark', sparkOffline],
  ];
  for (const [engine, offline] of cases) {
    it(`${engine}: training sets, fits and online vectors equal the reference evaluator`, async () => {
      const expected = await referenceResults();
      const l = log?.(engine);
      expectSame(engine, await cliResults({ offline: await offline(), ...(l ? { log: l } : {}) }), expected);
    }, 900_000);
  }
});
