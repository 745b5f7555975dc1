/**
 * Fresh PostgreSQL databases for registry tests: each created through the
 * superuser URL (FSQL_TEST_POSTGRES_URL), named with a prefix unique to this
 * run, dropped (WITH FORCE) when done.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresUrl } from '../../support/services.js';

const RUN = `fsql_reg_${process.pid}_${randomBytes(3).toString('hex')}`;
let n = 0;

export interface TestDatabase {
  readonly name: string;
  /** The database's URL (the superuser's credentials). */
  readonly url: string;
  query(sqlText: string): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(): Promise<TestDatabase> {
  const name = `${RUN}_${++n}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(postgresUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async query(sqlText) {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return await client.query(sqlText);
      } finally {
        await client.end();
      }
    },
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
