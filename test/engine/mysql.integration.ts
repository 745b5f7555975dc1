/**
 * The MySQL engine (src/engine/mysql.ts) against a real MariaDB server
 * (FSQL_TEST_MYSQL_URL), each test in a database of this run's own (dropped
 * at the end): the Engine contract as SQLite and DuckDB keep it
 * (test/engine/engine.test.ts) — canonical values both ways, atomic inserts,
 * transactions (rows roll back; DDL does not, as the backend says), streaming
 * — and what LOAD DATA LOCAL INFILE adds: escaping of its text format, a load
 * the server would change (a warning) refused, nothing stored.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, ScalarType } from '../../src/check/catalog.js';
import { engineBackend } from '../../src/engine/backends.js';
import type { Engine, Row } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { mysqlUrl } from '../support/services.js';

const col = (name: string, type: ScalarType, nullable = true): ColumnInfo => ({ name, type, nullable });
const allTypes: ColumnInfo[] = [
  col('id', 'INTEGER', false),
  col('i', 'INTEGER'),
  col('d', 'DOUBLE'),
  col('s', 'TEXT'),
  col('b', 'BOOLEAN'),
  col('day', 'DATE'),
  col('ts', 'TIMESTAMP'),
];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** The edge rows of engine.test.ts (MySQL text holds NUL), within MariaDB's years 1–9999. */
const edgeRows: Row[] = [
  { id: 1, i: 0, d: 0, s: '', b: false, day: 0, ts: 0 },
  { id: 2, i: MAX_SAFE, d: 1e-300, s: 'héllo wörld', b: true, day: -1, ts: -1 },
  { id: 3, i: -MAX_SAFE, d: -0, s: '日本語 👍🏽 𝄞', b: true, day: -719_162, ts: -1_000_001 },
  { id: 4, i: -1, d: 1.7976931348623157e308, s: `quote ' and " and \\ and\nnewline\ttab and \u0000 NUL`, b: false, day: 2_932_896, ts: 1_700_000_000_123_456 },
  { id: 5, i: 42, d: 2.2250738585072014e-308, s: '\\N', b: null, day: 19_723, ts: -MAX_SAFE },
  { id: 6, i: null, d: null, s: null, b: null, day: null, ts: null },
  { id: 7, i: 1, d: -2.5, s: 'x', b: true, day: 1, ts: MAX_SAFE },
];

const prefix = `fsql_my_${randomBytes(4).toString('hex')}`;
let databases = 0;

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

async function using<T>(fn: (e: Engine) => Promise<T>): Promise<T> {
  const e = await openEngine('mysql', mysqlUrl(), { schema: `${prefix}_${++databases}` });
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

const count = async (e: Engine, table: string) => (await e.query(`SELECT COUNT(*) AS "n" FROM "${table}"`, [{ name: 'n', type: 'INTEGER' }]))[0]!['n'];

describe('mysql engine', () => {
  it('says it has no transactional DDL', () => {
    expect(engineBackend('mysql').capabilities).toEqual({ multiProcess: true, viewsAcrossDatabases: true, transactionalDdl: false, readsFilesInPlace: false, computesViewsOnce: false });
  });

  it('round-trips every type, NULLs and edge values exactly, typed and untyped', () =>
    using(async (e) => {
      await e.createTable('t', allTypes);
      await e.insertRows('t', allTypes, edgeRows);
      const expected: Row[] = edgeRows.map((r) => ({ ...r, d: r.d === 0 ? 0 : (r.d ?? null) }));
      expect(await e.query('SELECT * FROM "t" ORDER BY "id"', allTypes)).toEqual(expected);
      expect(
        await e.queryValues('SELECT "ts", "id" FROM "t" ORDER BY "id"', [
          { name: 'id', type: 'INTEGER' },
          { name: 'ts', type: 'TIMESTAMP' },
        ]),
      ).toEqual(expected.map((r) => [r.id, r.ts]));
    }));

  it('refuses a bad row and stores none of the batch; a load the server would change (a warning) is refused too', () =>
    using(async (e) => {
      await e.createTable('t', allTypes);
      await expect(e.insertRows('t', allTypes, [{ id: 1 }, { id: 2, s: 'a\uD800b' }])).rejects.toThrow(/row 2, column s: .*surrogate/);
      await expect(e.insertRows('t', allTypes, [{ id: 1 }, { id: null }])).rejects.toThrow(/row 2, column id: NULL in a NOT NULL column/);
      await expect(e.insertRows('t', allTypes, [{ id: 1 }, { id: 2, s: 'é'.repeat(40_000) }])).rejects.toThrow(/row 2, column s: text longer than 65,535 bytes/);
      // 2,500 rows; one violates a constraint the server checks (LOAD DATA LOCAL would skip it with a warning): none stay.
      await e.execute('ALTER TABLE "t" ADD CONSTRAINT "no13" CHECK ("i" <> 13)');
      const many = Array.from({ length: 2500 }, (_v, k) => ({ id: k, i: k === 2400 ? 13 : 0 }));
      await expect(e.insertRows('t', allTypes, many)).rejects.toThrow();
      expect(await count(e, 't')).toBe(0);
      await e.insertRows('t', allTypes, many.slice(0, 2000));
      expect(await count(e, 't')).toBe(2000);
      // An indexed text column is a VARCHAR(255): longer text is a bad row, not a truncated one.
      await e.createIndex('t', ['s', 'ts']);
      await expect(e.insertRows('t', allTypes, [{ id: 9999, s: 'x'.repeat(256) }])).rejects.toThrow(/row 1, column s: text longer than 255 characters/);
      await e.insertRows('t', allTypes, [{ id: 9999, s: '😀'.repeat(255) }]);
      expect(await e.query('SELECT "s" FROM "t" WHERE "id" = 9999', [{ name: 's', type: 'TEXT' }])).toEqual([{ s: '😀'.repeat(255) }]);
    }));

  it('a transaction: its rows roll back together (its DDL commits: the backend says so)', () =>
    using(async (e) => {
      await e.createTable('kept', [col('x', 'INTEGER')]);
      await expect(
        e.transaction(async () => {
          await e.insertRows('kept', [col('x', 'INTEGER')], [{ x: 1 }]);
          await e.execute('INSERT INTO "kept" VALUES (2)');
          throw new Error('stop');
        }),
      ).rejects.toThrow('stop');
      expect(await count(e, 'kept')).toBe(0);
      await e.transaction(async () => {
        await e.insertRows('kept', [col('x', 'INTEGER')], [{ x: 1 }]);
        await expect(e.query('SELECT * FROM "no_such_table"')).rejects.toThrow(/no_such_table/);
        await expect(
          e.transaction(async () => {
            await e.insertRows('kept', [col('x', 'INTEGER')], [{ x: 2 }]);
            throw new Error('inner');
          }),
        ).rejects.toThrow('inner');
      });
      expect(await e.query('SELECT "x" FROM "kept"', [{ name: 'x', type: 'INTEGER' }])).toEqual([{ x: 1 }]);
    }));

  it('says what an existing table holds, by database', () =>
    using(async (e) => {
      await e.execute(
        'CREATE TABLE "other_like" ("k" VARCHAR(10) COLLATE utf8mb4_bin, "c" VARCHAR(10) COLLATE utf8mb4_general_ci, "t" TIMESTAMP NULL, "dt" DATETIME(6), "n" DECIMAL(10, 2), "b" BOOLEAN, "u" BIGINT UNSIGNED, "d" DATE, "f" FLOAT)',
      );
      expect(await e.tableColumns!([e.schema, 'other_like'])).toEqual([
        { name: 'k', engineType: 'varchar(10) COLLATE utf8mb4_bin', type: 'TEXT' },
        { name: 'c', engineType: 'varchar(10) COLLATE utf8mb4_general_ci', type: undefined },
        { name: 't', engineType: 'timestamp', type: undefined },
        { name: 'dt', engineType: 'datetime(6)', type: 'TIMESTAMP' },
        { name: 'n', engineType: 'decimal(10,2)', type: 'DOUBLE' },
        { name: 'b', engineType: 'tinyint(1)', type: 'BOOLEAN' },
        { name: 'u', engineType: 'bigint(20) unsigned', type: undefined },
        { name: 'd', engineType: 'date', type: 'DATE' },
        { name: 'f', engineType: 'float', type: 'DOUBLE' },
      ]);
      expect(await e.tableColumns!(['no_such_table'])).toBeUndefined();
    }));

  it('LOAD DATA stores any text, number and time exactly: escapes, \\N as text, empty text apart from NULL', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('', '\\N', '\\', '\\.', '\t', '\n', '\r\n', 'a\tb\\nc', ' ', 'a ', 'NULL', '\\x41', '"', "'", '\u0000', '\\0'),
    );
    const row = fc.record({
      i: fc.option(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), { nil: null }),
      d: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), { nil: null }),
      s: fc.option(text, { nil: null }),
      b: fc.option(fc.boolean(), { nil: null }),
      day: fc.option(fc.integer({ min: -700_000, max: 2_900_000 }), { nil: null }),
      ts: fc.option(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), { nil: null }),
    });
    await using(async (e) => {
      let table = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), async (rows) => {
          const name = `c${++table}`;
          await e.createTable(name, allTypes);
          const all = rows.map((r, k) => ({ id: k, ...r }));
          await e.insertRows(name, allTypes, all);
          const expected = all.map((r) => ({ ...r, d: r.d === null ? null : r.d === 0 ? 0 : r.d }));
          expect(await e.query(`SELECT * FROM "${name}" ORDER BY "id"`, allTypes)).toEqual(expected);
          await e.execute(`DROP TABLE "${name}"`);
        }),
        { numRuns: 30 },
      );
    });
  });

  it('a temporary table stays visible to later calls and to a streamed query, until it is dropped', () =>
    using(async (e) => {
      await e.createTable('spine', [col('k', 'INTEGER', false)], { temporary: true });
      await e.insertRows(
        'spine',
        [col('k', 'INTEGER', false)],
        Array.from({ length: 1000 }, (_v, k) => ({ k })),
      );
      expect(await count(e, 'spine')).toBe(1000);
      let sum = 0;
      const n = await e.queryBatches(
        'SELECT "k" FROM "spine"',
        [{ name: 'k', type: 'INTEGER' }],
        (rows) => {
          for (const [k] of rows) sum += k as number;
        },
        300,
      );
      expect([n, sum]).toEqual([1000, (999 * 1000) / 2]);
      await e.execute('DROP TABLE "spine"');
      await expect(e.query('SELECT 1 FROM "spine"')).rejects.toThrow(/spine/);
    }));
});
