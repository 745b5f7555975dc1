/**
 * The conformance suite (conformance.ts) on PostgreSQL: the same cases as
 * SQLite and DuckDB (embedded.test.ts), against the server of
 * FSQL_TEST_POSTGRES_URL, in a database of this run's own (dropped at the
 * end), each case in a fresh schema; and the example projects give the same
 * training sets, fitted parameters and online vectors as on SQLite.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { postgresUrl } from '../support/services.js';
import { storeCase } from '../support/arbitrary-store.js';
import { checkSampleCase, checkStoreCase, checkViewCase, exampleDirs, exampleResults, expectSameResults, viewCases, type OpenEngine } from './conformance.js';

const ROOT = join(import.meta.dirname, '..', '..');
const database = `fsql_conformance_${process.pid}_${Date.now().toString(36)}`;
let url = '';
let schemas = 0;

/** A fresh schema of this run's database per case: what the case creates, nothing else is there. */
const open: OpenEngine = () => openEngine('postgres', url, { schema: `case_${++schemas}` });

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const u = new URL(postgresUrl());
  u.pathname = `/${database}`;
  url = u.toString();
});

afterAll(async () => {
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describe('postgres: conformance', () => {
  it('the engine says what it is, and sets what its plans need per session', async () => {
    const engine: Engine = await open();
    try {
      expect(engine.target).toBe('postgres');
      expect(engine.version).toMatch(/^\d+(\.\d+)?/);
      const settings = await engine.query("SELECT current_setting('jit') AS jit, current_setting('TimeZone') AS tz, current_schema() AS s");
      expect(settings[0]).toEqual({ jit: 'off', tz: 'UTC', s: engine.schema });
    } finally {
      await engine.close();
    }
  });

  for (const c of viewCases) it(c.name, () => checkViewCase('postgres', open, c));
  it('SAMPLE n PERCENT SEED s beyond 2^31 in the hash picks the rows the rule picks', () => checkSampleCase('postgres', open));

  it('random projects and data equal the reference evaluator', async () => {
    await fc.assert(fc.asyncProperty(storeCase, (c) => checkStoreCase('postgres', open, c)), { numRuns: Number(process.env.FSQL_CONFORMANCE_RUNS ?? 25), endOnFailure: true });
  });
});

describe('the example projects are identical on PostgreSQL and SQLite', () => {
  for (const dir of exampleDirs(ROOT)) {
    it(dir.slice(ROOT.length + 1), async () => {
      const expected = await exampleResults(() => openEngine('sqlite'), dir);
      expectSameResults('postgres vs sqlite', await exampleResults(open, dir), expected);
    });
  }
});
