/**
 * The conformance suite (conformance.ts) on Spark, through Spark Connect: the
 * same cases as SQLite and DuckDB (embedded.test.ts) and PostgreSQL, against
 * the server of FSQL_TEST_SPARK_URL (.ci/services/spark.sh), each case in a
 * database of its own (dropped at the end); and the example projects give the
 * same training sets, fitted parameters and online vectors as on SQLite.
 * Spark runs each statement as jobs (~0.1–1 s each), so the random
 * properties run fewer cases than on the other engines
 * (FSQL_SPARK_CONFORMANCE_RUNS, default 6).
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { sparkUrl } from '../support/services.js';
import { storeCase } from '../support/arbitrary-store.js';
import { checkSampleCase, checkStoreCase, checkViewCase, exampleDirs, exampleResults, expectSameResults, viewCases, type OpenEngine } from './conformance.js';

const ROOT = join(import.meta.dirname, '..', '..');
const prefix = `fsql_conf_${process.pid}_${Date.now().toString(36)}`;
const databases: string[] = [];

/** A fresh database per case: what the case creates, nothing else is there. */
const open: OpenEngine = () => {
  const schema = `${prefix}_${databases.length + 1}`;
  databases.push(schema);
  return openEngine('spark', sparkUrl(), { schema });
};

afterAll(async () => {
  const engine = await openEngine('spark', sparkUrl(), { schema: `${prefix}_cleanup` });
  try {
    for (const d of [...databases, `${prefix}_cleanup`]) await engine.execute(`DROP DATABASE IF EXISTS \`${d}\` CASCADE`);
  } finally {
    await engine.close();
  }
});

describe('spark: conformance', () => {
  it('the engine says what it is, and sets what its plans need per session', async () => {
    const engine: Engine = await open();
    try {
      expect(engine.target).toBe('spark');
      expect(engine.version).toMatch(/^[34]\.\d+/);
      const settings = await engine.query('SELECT current_timezone() AS tz, current_database() AS db');
      expect(settings[0]).toEqual({ tz: 'UTC', db: engine.schema });
    } finally {
      await engine.close();
    }
  });

  for (const c of viewCases) it(c.name, () => checkViewCase('spark', open, c));

  it('SAMPLE n PERCENT SEED s beyond 2^31 in the hash picks the rows the rule picks (issue 12 item 1)', () => checkSampleCase('spark', open));

  it('random projects and data equal the reference evaluator', async () => {
    await fc.assert(fc.asyncProperty(storeCase, (c) => checkStoreCase('spark', open, c)), { numRuns: Number(process.env.FSQL_SPARK_CONFORMANCE_RUNS ?? 6), endOnFailure: true });
  }, 600_000);
});

describe('the example projects are identical on Spark and SQLite', () => {
  for (const dir of exampleDirs(ROOT)) {
    it(dir.slice(ROOT.length + 1), async () => {
      const expected = await exampleResults(() => openEngine('sqlite'), dir);
      expectSameResults('spark vs sqlite', await exampleResults(open, dir), expected);
    }, 600_000);
  }
});
