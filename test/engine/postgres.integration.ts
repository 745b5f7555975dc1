/**
 * The PostgreSQL engine (src/engine/postgres.ts) against a real server
 * (FSQL_TEST_POSTGRES_URL), in a database of this run's own: the Engine
 * contract as SQLite and DuckDB keep it (test/engine/engine.test.ts) —
 * canonical values both ways, atomic inserts, transactions in which a failed
 * statement does not abort the rest and DDL rolls back, streaming, busy locks;
 * and what the Kysely pool and the COPY bulk path add: session settings on
 * every pooled connection, escaping of COPY's text format, temporary tables
 * kept on their connection.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, ScalarType } from '../../src/check/catalog.js';
import { BadRowError, EngineBusyError, type Engine, type Row } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { postgresUrl } from '../support/services.js';

const col = (name: string, type: ScalarType, nullable = true): ColumnInfo => ({ name, type, nullable });
const allTypes: ColumnInfo[] = [col('id', 'INTEGER', false), col('i', 'INTEGER'), col('d', 'DOUBLE'), col('s', 'TEXT'), col('b', 'BOOLEAN'), col('day', 'DATE'), col('ts', 'TIMESTAMP')];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** The edge rows of engine.test.ts but the NUL character, which PostgreSQL text cannot hold. */
const edgeRows: Row[] = [
  { id: 1, i: 0, d: 0, s: '', b: false, day: 0, ts: 0 },
  { id: 2, i: MAX_SAFE, d: 1e-300, s: 'héllo wörld', b: true, day: -1, ts: -1 },
  { id: 3, i: -MAX_SAFE, d: -0, s: '日本語 👍🏽 𝄞', b: true, day: -719_162, ts: -1_000_001 },
  { id: 4, i: -1, d: 1.7976931348623157e308, s: `quote ' and " and \\ and\nnewline\ttab`, b: false, day: 2_932_896, ts: 1_700_000_000_123_456 },
  { id: 5, i: 42, d: 5e-324, s: 'x', b: null, day: 19_723, ts: -MAX_SAFE },
  { id: 6, i: null, d: null, s: null, b: null, day: null, ts: null },
  { id: 7, i: 1, d: -2.5, s: 'x', b: true, day: 1, ts: MAX_SAFE },
];

const database = `fsql_engine_${process.pid}_${Date.now().toString(36)}`;
let url = '';
let schemas = 0;
const open = (options: { busyTimeoutMs?: number; schema?: string } = {}): Promise<Engine> => openEngine('postgres', url, { schema: `t${++schemas}`, ...options });

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`).finally(() => admin.end());
  const u = new URL(postgresUrl());
  u.pathname = `/${database}`;
  url = u.toString();
});

afterAll(async () => {
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).finally(() => admin.end());
});

async function using<T>(fn: (e: Engine) => Promise<T>, options?: { busyTimeoutMs?: number; schema?: string }): Promise<T> {
  const e = await open(options);
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

describe('postgres engine', () => {
  it('round-trips every type, NULLs and edge values exactly, typed and untyped', () =>
    using(async (e) => {
      await e.createTable('t', allTypes);
      await e.insertRows('t', allTypes, edgeRows);
      const expected: Row[] = edgeRows.map((r) => ({ ...r, d: r.d === 0 ? 0 : (r.d ?? null) }));
      expect(await e.query('SELECT * FROM t ORDER BY id', allTypes)).toEqual(expected);
      // Without types: bigint, date and timestamp columns still read as numbers.
      expect(await e.query('SELECT * FROM t ORDER BY id')).toEqual(expected);
      expect(await e.queryValues('SELECT ts, id FROM t ORDER BY id', [{ name: 'id', type: 'INTEGER' }, { name: 'ts', type: 'TIMESTAMP' }])).toEqual(expected.map((r) => [r.id, r.ts]));
    }));

  it('refuses a bad row (NUL in text, a NULL in a NOT NULL column) and stores none of the batch', () =>
    using(async (e) => {
      await e.createTable('t', allTypes);
      await expect(e.insertRows('t', allTypes, [{ id: 1 }, { id: 2, s: 'a\u0000b' }])).rejects.toThrow(BadRowError);
      await expect(e.insertRows('t', allTypes, [{ id: 1 }, { id: null }])).rejects.toThrow(/row 2, column id: NULL in a NOT NULL column/);
      // 2,500 rows (three INSERT statements); the last one violates a constraint the server checks: none stay.
      await e.execute('ALTER TABLE t ADD CHECK (i <> 13)');
      const many = Array.from({ length: 2500 }, (_v, k) => ({ id: k, i: k === 2400 ? 13 : 0 }));
      await expect(e.insertRows('t', allTypes, many)).rejects.toThrow();
      expect(await e.query('SELECT count(*) AS n FROM t', [{ name: 'n', type: 'INTEGER' }])).toEqual([{ n: 0 }]);
      await e.insertRows('t', allTypes, many.slice(0, 2000));
      expect(await e.query('SELECT count(*) AS n FROM t', [{ name: 'n', type: 'INTEGER' }])).toEqual([{ n: 2000 }]);
    }));

  it('a transaction: DDL and rows roll back together; a failed statement inside does not abort it', () =>
    using(async (e) => {
      await expect(
        e.transaction(async () => {
          await e.createTable('gone', [col('x', 'INTEGER')]);
          await e.insertRows('gone', [col('x', 'INTEGER')], [{ x: 1 }]);
          throw new Error('stop');
        }),
      ).rejects.toThrow('stop');
      expect(await e.tableColumns!(['gone'])).toBeUndefined();
      await e.transaction(async () => {
        await e.createTable('kept', [col('x', 'INTEGER')]);
        await expect(e.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
        await e.insertRows('kept', [col('x', 'INTEGER')], [{ x: 1 }]);
        // Nested: a savepoint.
        await expect(e.transaction(async () => {
          await e.insertRows('kept', [col('x', 'INTEGER')], [{ x: 2 }]);
          throw new Error('inner');
        })).rejects.toThrow('inner');
      });
      expect(await e.query('SELECT x FROM kept', [{ name: 'x', type: 'INTEGER' }])).toEqual([{ x: 1 }]);
    }));

  it('streams a large result in batches through a cursor', () =>
    using(async (e) => {
      const seen: number[] = [];
      const n = await e.queryBatches('SELECT g AS v FROM generate_series(1, 20000) AS g ORDER BY g', [{ name: 'v', type: 'INTEGER' }], (rows) => {
        seen.push(rows.length);
      }, 8192);
      expect(n).toBe(20000);
      expect(seen).toEqual([8192, 8192, 3616]);
    }));

  it('says what an existing table holds, and creates indexes with names PostgreSQL keeps apart', () =>
    using(async (e) => {
      await e.execute('CREATE TABLE public_like (k text, t timestamptz, n numeric, v varchar(10), d date, b boolean)');
      expect(await e.tableColumns!(['public_like'])).toEqual([
        { name: 'k', engineType: 'text', type: 'TEXT' },
        { name: 't', engineType: 'timestamp with time zone', type: undefined },
        { name: 'n', engineType: 'numeric', type: 'DOUBLE' },
        { name: 'v', engineType: 'character varying(10)', type: 'TEXT' },
        { name: 'd', engineType: 'date', type: 'DATE' },
        { name: 'b', engineType: 'boolean', type: 'BOOLEAN' },
      ]);
      const long = 'a'.repeat(40);
      await e.createTable(long, [col(`${long}_key`, 'TEXT'), col(`${long}_time`, 'TIMESTAMP'), col(`${long}_other`, 'TEXT')]);
      await e.createIndex(long, [`${long}_key`, `${long}_time`]);
      await e.createIndex(long, [`${long}_key`, `${long}_other`]);
      const n = await e.query(`SELECT count(*) AS n FROM pg_indexes WHERE schemaname = '${e.schema}' AND tablename = '${long}'`, [{ name: 'n', type: 'INTEGER' }]);
      expect(n).toEqual([{ n: 2 }]);
    }));

  it('COPY and INSERT store any text, number and time exactly: escapes, \\N as text, empty text apart from NULL', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replaceAll('\u0000', '')),
      fc.constantFrom('', '\\N', '\\', '\\.', '\t', '\n', '\r\n', 'a\tb\\nc', ' ', 'NULL', '\\x41', '"', ','),
    );
    const row = fc.record({
      i: fc.option(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), { nil: null }),
      d: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
      s: fc.option(text, { nil: null }),
      b: fc.option(fc.boolean(), { nil: null }),
      day: fc.option(fc.integer({ min: -700_000, max: 2_900_000 }), { nil: null }),
      ts: fc.option(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), { nil: null }),
    });
    await using(async (e) => {
      let table = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), fc.boolean(), async (rows, bulk) => {
          const name = `c${++table}`;
          await e.createTable(name, allTypes);
          // Repeated past the COPY threshold (256 rows) or not: both paths.
          const all = (bulk ? Array.from({ length: Math.ceil(600 / rows.length) }, () => rows).flat() : rows).map((r, k) => ({ id: k, ...r }));
          await e.insertRows(name, allTypes, all);
          const expected = all.map((r) => ({ ...r, d: r.d === null ? null : r.d === 0 ? 0 : r.d }));
          expect(await e.query(`SELECT * FROM ${name} ORDER BY id`, allTypes)).toEqual(expected);
          await e.execute(`DROP TABLE ${name}`);
        }),
        { numRuns: 40 },
      );
    });
  });

  it('a bad value in a bulk (COPY) load is a BadRowError naming the row; nothing is stored', () =>
    using(async (e) => {
      await e.createTable('t', allTypes);
      const many: Row[] = Array.from({ length: 5000 }, (_v, k) => ({ id: k, d: k / 3, s: `s${k}` }));
      many[3999] = { id: 3999, d: Number.POSITIVE_INFINITY };
      await expect(e.insertRows('t', allTypes, many)).rejects.toThrow(/row 4000, column d: .*finite/);
      many[3999] = { id: 3999, s: 'a\u0000b' };
      await expect(e.insertRows('t', allTypes, many)).rejects.toThrow(/row 4000, column s: PostgreSQL text cannot hold the NUL character/);
      expect(await e.query('SELECT count(*) AS n FROM t', [{ name: 'n', type: 'INTEGER' }])).toEqual([{ n: 0 }]);
      many[3999] = { id: 3999 };
      await e.insertRows('t', allTypes, many);
      expect(await e.query('SELECT count(*) AS n, sum(id) AS s FROM t', [{ name: 'n', type: 'INTEGER' }, { name: 's', type: 'INTEGER' }])).toEqual([{ n: 5000, s: (4999 * 5000) / 2 }]);
    }));

  it('every pooled connection has the session settings; calls outside a transaction may run at once', () =>
    using(async (e) => {
      const q = "SELECT pg_backend_pid() AS pid, current_setting('jit') AS jit, current_setting('TimeZone') AS tz, current_setting('search_path') AS sp, current_setting('lock_timeout') AS lt, pg_sleep(0.3)::text AS z";
      const t0 = performance.now();
      const results = (await Promise.all([1, 2, 3, 4].map(() => e.query(q)))).map((r) => r[0]!);
      const ms = performance.now() - t0;
      expect(new Set(results.map((r) => r['pid'])).size).toBeGreaterThan(1);
      expect(ms).toBeLessThan(1100);
      for (const r of results) expect({ jit: r['jit'], tz: r['tz'], sp: r['sp'], lt: r['lt'] }).toEqual({ jit: 'off', tz: 'UTC', sp: `${e.schema}, public`, lt: '1min' });
    }));

  it('a temporary table stays visible to later calls and to a streamed query, until it is dropped', () =>
    using(async (e) => {
      await e.createTable('spine', [col('k', 'INTEGER', false)], { temporary: true });
      await e.insertRows('spine', [col('k', 'INTEGER', false)], Array.from({ length: 1000 }, (_v, k) => ({ k })));
      expect(await e.query('SELECT count(*) AS n FROM spine', [{ name: 'n', type: 'INTEGER' }])).toEqual([{ n: 1000 }]);
      let sum = 0;
      const n = await e.queryBatches('SELECT k FROM spine', [{ name: 'k', type: 'INTEGER' }], (rows) => {
        for (const [k] of rows) sum += k as number;
      }, 300);
      expect([n, sum]).toEqual([1000, (999 * 1000) / 2]);
      await e.execute('DROP TABLE spine');
      await expect(e.query('SELECT 1 FROM spine')).rejects.toThrow(/spine/);
    }));

  it('a lock held past the busy timeout is EngineBusyError', async () => {
    const holder = await open({ schema: 'busy' });
    const waiter = await open({ schema: 'busy', busyTimeoutMs: 200 });
    try {
      await holder.createTable('locked', [col('x', 'INTEGER')]);
      let release!: () => void;
      const held = holder.transaction(async () => {
        await holder.execute('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
        await new Promise<void>((r) => (release = r));
      });
      await new Promise((r) => setTimeout(r, 100));
      await expect(waiter.insertRows('locked', [col('x', 'INTEGER')], [{ x: 1 }])).rejects.toThrow(EngineBusyError);
      release();
      await held;
      await waiter.insertRows('locked', [col('x', 'INTEGER')], [{ x: 1 }]);
    } finally {
      await holder.close();
      await waiter.close();
    }
  });
});
