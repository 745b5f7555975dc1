/**
 * The conformance suite (conformance.ts) on MariaDB / MySQL: the same cases as
 * SQLite and DuckDB (embedded.test.ts) and PostgreSQL, against the server of
 * FSQL_TEST_MYSQL_URL, each case in a fresh database of this run's own
 * (`fsql_my_<run>_<n>`, all dropped at the end); and the example projects give
 * the same training sets, fitted parameters and online vectors as on SQLite.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { mysqlUrl } from '../support/services.js';
import { storeCase } from '../support/arbitrary-store.js';
import { checkStoreCase, checkViewCase, exampleDirs, exampleResults, expectSameResults, viewCases, type OpenEngine } from './conformance.js';

const ROOT = join(import.meta.dirname, '..', '..');
const prefix = `fsql_my_${randomBytes(4).toString('hex')}`;
let databases = 0;

/** A fresh database per case: what the case creates, nothing else is there. */
const open: OpenEngine = () => openEngine('mysql', mysqlUrl(), { schema: `${prefix}_${++databases}` });

afterAll(async () => {
  const u = new URL(mysqlUrl());
  const admin = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  try {
    const [rows] = await admin.query(`SELECT schema_name AS s FROM information_schema.schemata WHERE schema_name LIKE '${prefix}\\_%'`);
    for (const r of rows as { s: string }[]) await admin.query(`DROP DATABASE IF EXISTS \`${r.s}\``);
  } finally {
    await admin.end();
  }
});

describe('mysql: conformance', () => {
  it('the engine says what it is, and sets what its plans need per session', async () => {
    const engine: Engine = await open();
    try {
      expect(engine.target).toBe('mysql');
      expect(engine.version).toMatch(/^\d+\.\d+/);
      const settings = await engine.query('SELECT @@session.time_zone AS tz, @@session.sql_mode AS mode, @@session.collation_connection AS co, DATABASE() AS db');
      expect(settings[0]!['tz']).toBe('+00:00');
      expect(String(settings[0]!['mode'])).toMatch(/ANSI_QUOTES/);
      expect(String(settings[0]!['mode'])).not.toMatch(/NO_BACKSLASH_ESCAPES|PIPES_AS_CONCAT/);
      expect(String(settings[0]!['co'])).toMatch(/^utf8mb4_(nopad_bin|0900_bin)$/);
      expect(settings[0]!['db']).toBe(engine.schema);
      // Text compares as code points, without trailing-space padding and case-sensitively, as on the other engines.
      await engine.createTable('t', [{ name: 's', type: 'TEXT', nullable: true }]);
      await engine.insertRows('t', [{ name: 's', type: 'TEXT', nullable: true }], [{ s: 'a' }, { s: 'a ' }, { s: 'A' }, { s: 'é' }, { s: 'z' }, { s: '😀' }]);
      const same = await engine.query(`SELECT COUNT(*) AS n FROM "t" WHERE "s" = 'a'`, [{ name: 'n', type: 'INTEGER' }]);
      expect(same[0]!['n']).toBe(1);
      const ordered = await engine.queryValues('SELECT "s" FROM "t" ORDER BY "s"', [{ name: 's', type: 'TEXT' }]);
      expect(ordered.map((r) => r[0])).toEqual(['A', 'a', 'a ', 'z', 'é', '😀']);
    } finally {
      await engine.close();
    }
  });

  for (const c of viewCases) it(c.name, () => checkViewCase('mysql', open, c));

  it('random projects and data equal the reference evaluator', async () => {
    await fc.assert(
      fc.asyncProperty(storeCase, (c) => checkStoreCase('mysql', open, c)),
      { numRuns: Number(process.env.FSQL_CONFORMANCE_RUNS ?? 25), endOnFailure: true },
    );
  });
});

describe('the example projects are identical on MariaDB and SQLite', () => {
  for (const dir of exampleDirs(ROOT)) {
    it(dir.slice(ROOT.length + 1), async () => {
      const expected = await exampleResults(() => openEngine('sqlite'), dir);
      expectSameResults('mysql vs sqlite', await exampleResults(open, dir), expected);
    });
  }
});
