import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ColumnInfo, ScalarType } from '../../src/check/catalog.js';
import { BadRowError, engineTargets, quoteString, ValueConversionError, type Engine, type EngineTarget, type Row, type Value } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import Database from 'better-sqlite3';
import { registerMathFunctions, type SqliteEngine } from '../../src/engine/sqlite.js';
import { parseDateText, parseTimestampText } from '../../src/engine/values.js';

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

const edgeRows: Row[] = [
  { id: 1, i: 0, d: 0, s: '', b: false, day: 0, ts: 0 },
  { id: 2, i: MAX_SAFE, d: 1e-300, s: 'héllo wörld', b: true, day: -1, ts: -1 },
  { id: 3, i: -MAX_SAFE, d: -0, s: '日本語 👍🏽 𝄞', b: true, day: -719_162, ts: -1_000_001 },
  { id: 4, i: -1, d: 1.7976931348623157e308, s: `quote ' and " and \\ and\nnewline\ttab`, b: false, day: 2_932_896, ts: 1_700_000_000_123_456 },
  { id: 5, i: 42, d: 5e-324, s: 'nul \u0000 inside', b: null, day: 19_723, ts: -MAX_SAFE },
  { id: 6, i: null, d: null, s: null, b: null, day: null, ts: null },
  { id: 7, i: 1, d: -2.5, s: 'x', b: true, day: 1, ts: MAX_SAFE },
];

/** What reading edgeRows back must give: -0 normalised to 0, everything else exact. */
const expectedEdgeRows = edgeRows.map((r) => ({ ...r, d: r.d === 0 ? 0 : r.d }));

const orderById = (rows: Row[]) => [...rows].sort((a, b) => (a.id as number) - (b.id as number));

describe.each(engineTargets)('%s engine', (target: EngineTarget) => {
  let engine: Engine;
  beforeEach(async () => {
    engine = await openEngine(target);
  });
  afterEach(async () => {
    await engine.close();
  });

  it('reports its target and version', () => {
    expect(engine.target).toBe(target);
    expect(engine.version).toMatch(/\d+\.\d+/);
  });

  it('round-trips every type, NULLs and edge values exactly', async () => {
    await engine.createTable('t', allTypes);
    await engine.insertRows('t', allTypes, edgeRows);
    const back = await engine.query('SELECT * FROM t ORDER BY id', allTypes);
    expect(back).toEqual(expectedEdgeRows);
    for (const row of back) expect(Object.is(row.d, -0)).toBe(false);
  });

  it('stores times so that the engine reads them as the same instants', async () => {
    await engine.createTable('t', allTypes);
    await engine.insertRows('t', allTypes, edgeRows);
    if (target === 'duckdb') {
      const rows = await engine.query(`SELECT CAST(ts AS VARCHAR) AS ts, CAST("day" AS VARCHAR) AS "day" FROM t WHERE id IN (2, 3, 4) ORDER BY id`);
      expect(rows).toEqual([
        { ts: '1969-12-31 23:59:59.999999', day: '1969-12-31' },
        { ts: '1969-12-31 23:59:58.999999', day: '0001-01-01' },
        { ts: '2023-11-14 22:13:20.123456', day: '9999-12-31' },
      ]);
    } else {
      const rows = await engine.query(`SELECT typeof(ts) AS ts, typeof("day") AS "day", typeof(b) AS b, typeof(d) AS d, typeof(i) AS i FROM t WHERE id = 4`);
      expect(rows).toEqual([{ ts: 'integer', day: 'integer', b: 'integer', d: 'real', i: 'integer' }]);
      const ordered = await engine.query('SELECT id FROM t WHERE ts IS NOT NULL ORDER BY ts');
      expect(ordered.map((r) => r.id)).toEqual([5, 3, 2, 1, 4, 7]);
    }
  });

  it('converts query results to the canonical representation when given the types', async () => {
    const sql =
      target === 'sqlite'
        ? `SELECT 1 AS b, 0 AS f, ROUND(5) AS r, 3 AS ts, '2024-01-02' AS dt, '1969-12-31 23:59:59.5' AS tt, CAST(2.0 AS REAL) AS dbl`
        : `SELECT TRUE AS b, FALSE AS f, SUM(x) AS r, CAST(3 AS BIGINT) AS ts, DATE '2024-01-02' AS dt, TIMESTAMP '1969-12-31 23:59:59.5' AS tt, CAST(2 AS DECIMAL(4, 1)) AS dbl FROM (VALUES (2), (3)) v(x)`;
    const rows = await engine.query(sql, [
      { name: 'b', type: 'BOOLEAN' },
      { name: 'f', type: 'BOOLEAN' },
      { name: 'r', type: 'INTEGER' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'dt', type: 'DATE' },
      { name: 'tt', type: 'TIMESTAMP' },
      { name: 'dbl', type: 'DOUBLE' },
    ]);
    expect(rows).toEqual([{ b: true, f: false, r: 5, ts: 3, dt: 19_724, tt: -500_000, dbl: 2 }]);
    for (const v of Object.values(rows[0]!)) expect(['number', 'boolean']).toContain(typeof v);
  });

  it('converts what it can infer without types', async () => {
    const sql =
      target === 'sqlite'
        ? `SELECT COUNT(*) AS c, 'x' AS s, NULL AS n, 2.5 AS d`
        : `SELECT COUNT(*) AS c, 'x' AS s, NULL AS n, 2.5 AS d, DATE '1970-01-03' AS dt, TIMESTAMP '1970-01-01 00:00:01' AS t, CAST(9007199254740993 AS BIGINT) AS big`;
    const rows = await engine.query(sql);
    const expected: Row = { c: 1, s: 'x', n: null, d: 2.5 };
    if (target === 'duckdb') Object.assign(expected, { dt: 2, t: 1_000_000, big: 9007199254740992 });
    expect(rows).toEqual([expected]);
  });

  it('DATE and TIMESTAMP convert into each other when asked', async () => {
    const sql = target === 'sqlite' ? `SELECT '2024-01-02' AS d` : `SELECT DATE '2024-01-02' AS d, TIMESTAMP '1969-12-31 12:00:00' AS t`;
    const cols: { name: string; type: ScalarType }[] = [{ name: 'd', type: 'TIMESTAMP' }];
    if (target === 'duckdb') cols.push({ name: 't', type: 'DATE' });
    const rows = await engine.query(sql, cols);
    expect(rows[0]!.d).toBe(19_724 * 86_400_000_000);
    if (target === 'duckdb') expect(rows[0]!.t).toBe(-1);
  });

  it('refuses values that cannot be of the expected type', async () => {
    await expect(engine.query(`SELECT 'abc' AS x`, [{ name: 'x', type: 'INTEGER' }])).rejects.toBeInstanceOf(ValueConversionError);
    await expect(engine.query(`SELECT 1 AS x`, [{ name: 'y', type: 'INTEGER' }])).rejects.toThrow(/no column y/);
  });

  it('creates an index (idempotently)', async () => {
    await engine.createTable('events', [col('user_id', 'TEXT', false), col('at', 'TIMESTAMP', false), col('v', 'DOUBLE')]);
    await engine.insertRows('events', [col('user_id', 'TEXT', false), col('at', 'TIMESTAMP', false), col('v', 'DOUBLE')], [{ user_id: 'a', at: 1, v: 1 }]);
    await engine.createIndex('events', ['user_id', 'at']);
    await engine.createIndex('events', ['user_id', 'at']);
    const sql = target === 'sqlite' ? `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'` : `SELECT index_name AS name FROM duckdb_indexes() WHERE table_name = 'events'`;
    const rows = await engine.query(sql);
    expect(rows).toHaveLength(1);
    expect(await engine.query(`SELECT v FROM events WHERE user_id = 'a' `)).toEqual([{ v: 1 }]);
  });

  it('quotes awkward table and column names', async () => {
    const cols = [col('we"ird col', 'INTEGER'), col('select', 'TEXT')];
    await engine.createTable('my "table" name', cols);
    await engine.insertRows('my "table" name', cols, [{ 'we"ird col': 1, select: 'a' }]);
    await engine.createIndex('my "table" name', ['select']);
    expect(await engine.query(`SELECT * FROM "my ""table"" name"`, [{ name: 'we"ird col', type: 'INTEGER' }])).toEqual([{ 'we"ird col': 1, select: 'a' }]);
  });

  it('quoteString writes literals the engine reads back as the same text', async () => {
    // Written out by hand: each quote doubled, nothing else touched (a backslash is no escape in either engine).
    expect(quoteString("it's")).toBe("'it''s'");
    expect(quoteString("''")).toBe("''''''");
    expect(quoteString('a\\b')).toBe("'a\\b'");
    expect(quoteString('')).toBe("''");
    const texts = ["it's", "''", "'; DROP TABLE x; --", 'a\\b \\\'', 'new\nline', '日本 👍🏽', ''];
    const rows = await engine.query(`SELECT ${texts.map((t, i) => `${quoteString(t)} AS "t${i}"`).join(', ')}`);
    expect(rows).toEqual([Object.fromEntries(texts.map((t, i) => [`t${i}`, t]))]);
  });

  it('inserts a subset of the columns, in any order, with missing values as NULL', async () => {
    await engine.createTable('t', allTypes);
    await engine.insertRows('t', [col('s', 'TEXT'), col('id', 'INTEGER', false)], [{ id: 1, s: 'a' }, { id: 2 }]);
    expect(await engine.query('SELECT id, s, ts FROM t ORDER BY id', [col('id', 'INTEGER'), col('s', 'TEXT'), col('ts', 'TIMESTAMP')])).toEqual([
      { id: 1, s: 'a', ts: null },
      { id: 2, s: null, ts: null },
    ]);
  });

  it('rejects a bad row with its number and reason, storing nothing', async () => {
    await engine.createTable('t', allTypes);
    await engine.insertRows('t', allTypes, [edgeRows[0]!]);
    const bad: Row[] = [edgeRows[1]!, edgeRows[2]!, { ...edgeRows[3]!, ts: 1.5 }];
    const err = await engine.insertRows('t', allTypes, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRowError);
    expect((err as BadRowError).row).toBe(3);
    expect((err as BadRowError).column).toBe('ts');
    expect((err as Error).message).toMatch(/row 3, column ts: 1\.5 is not a whole number of microseconds/);
    const notNull = await engine.insertRows('t', allTypes, [{ ...edgeRows[1]!, id: null }]).catch((e: unknown) => e);
    expect((notNull as Error).message).toMatch(/row 1, column id: NULL in a NOT NULL column/);
    for (const [type, value] of [
      ['INTEGER', 1.5],
      ['INTEGER', '1'],
      ['DOUBLE', Number.NaN],
      ['DOUBLE', Number.POSITIVE_INFINITY],
      ['TEXT', 1],
      ['BOOLEAN', 1],
      ['DATE', 0.5],
      ['TIMESTAMP', 2 ** 60],
    ] as const) {
      const c = allTypes.find((x) => x.type === type && x.nullable)!;
      await expect(engine.insertRows('t', allTypes, [{ ...edgeRows[1]!, [c.name]: value as unknown as Value }])).rejects.toBeInstanceOf(BadRowError);
    }
    expect(await engine.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 1 }]);
  });

  it('a transaction that throws leaves the table unchanged', async () => {
    await engine.createTable('t', allTypes);
    await engine.insertRows('t', allTypes, edgeRows.slice(0, 2));
    const before = await engine.query('SELECT * FROM t ORDER BY id', allTypes);
    await expect(
      engine.transaction(async (e) => {
        await e.insertRows('t', allTypes, edgeRows.slice(2));
        await e.execute('DELETE FROM t WHERE id = 1');
        expect(await e.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 6 }]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await engine.query('SELECT * FROM t ORDER BY id', allTypes)).toEqual(before);
  });

  it('a transaction that resolves commits and returns its value', async () => {
    await engine.createTable('t', allTypes);
    const n = await engine.transaction(async (e) => {
      await e.insertRows('t', allTypes, edgeRows);
      return (await e.query('SELECT COUNT(*) AS n FROM t'))[0]!.n;
    });
    expect(n).toBe(edgeRows.length);
    expect(orderById(await engine.query('SELECT * FROM t', allTypes))).toEqual(expectedEdgeRows);
  });

  it('a failing statement inside a transaction rolls back what came before it', async () => {
    await engine.createTable('t', [col('x', 'INTEGER', false)]);
    await expect(
      engine.transaction(async (e) => {
        await e.execute('INSERT INTO t VALUES (1)');
        await e.execute('INSERT INTO no_such_table VALUES (1)');
      }),
    ).rejects.toThrow();
    expect(await engine.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 0 }]);
    // the engine is usable afterwards
    await engine.transaction((e) => e.execute('INSERT INTO t VALUES (2)'));
    expect(await engine.query('SELECT x FROM t', [{ name: 'x', type: 'INTEGER' }])).toEqual([{ x: 2 }]);
  });

  it('runs several statements in one execute', async () => {
    await engine.execute('CREATE TABLE u (x BIGINT); INSERT INTO u VALUES (1); INSERT INTO u VALUES (2);');
    expect(await engine.query('SELECT SUM(x) AS s FROM u', [{ name: 's', type: 'INTEGER' }])).toEqual([{ s: 3 }]);
  });

  it('bulk-inserts 100k rows', async () => {
    // "at" is a keyword in DuckDB (time travel): generated SQL quotes every name, and so does this test.
    const cols = [col('id', 'INTEGER', false), col('user_id', 'TEXT', false), col('amount', 'DOUBLE'), col('flag', 'BOOLEAN'), col('at', 'TIMESTAMP', false)];
    await engine.createTable('big', cols);
    const N = 100_000;
    const rows: Row[] = new Array(N);
    for (let i = 0; i < N; i++) rows[i] = { id: i, user_id: `u${i % 997}`, amount: i % 10 === 0 ? null : i / 4, flag: i % 3 === 0, at: 1_700_000_000_000_000 + i * 1_000 };
    const t0 = performance.now();
    await engine.insertRows('big', cols, rows);
    const ms = performance.now() - t0;
    console.log(`${target}: inserted ${N} rows × 5 columns in ${ms.toFixed(0)} ms (${Math.round((N / ms) * 1000).toLocaleString('en')} rows/s)`);
    const [stats] = await engine.query('SELECT COUNT(*) AS n, COUNT(amount) AS a, SUM(CASE WHEN flag THEN 1 ELSE 0 END) AS f, MAX("at") AS m FROM big', [
      { name: 'n', type: 'INTEGER' },
      { name: 'a', type: 'INTEGER' },
      { name: 'f', type: 'INTEGER' },
      { name: 'm', type: 'TIMESTAMP' },
    ]);
    expect(stats).toEqual({ n: N, a: N - N / 10, f: Math.ceil(N / 3), m: 1_700_000_000_000_000 + (N - 1) * 1_000 });
  }, 60_000);

  it('serves concurrent calls', async () => {
    const cols = [col('k', 'INTEGER', false), col('v', 'TEXT')];
    await engine.createTable('c', cols);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => engine.insertRows('c', cols, Array.from({ length: 500 }, (_, j) => ({ k: i * 1000 + j, v: `v${j}` })))),
    );
    const counts = await Promise.all(Array.from({ length: 4 }, () => engine.query('SELECT COUNT(*) AS n FROM c', [{ name: 'n', type: 'INTEGER' }])));
    expect(counts).toEqual(Array(4).fill([{ n: 4000 }]));
  });

  it('closes once, then refuses calls', async () => {
    const e = await openEngine(target);
    await e.close();
    await e.close();
    await expect(e.query('SELECT 1 AS x')).rejects.toThrow(/closed/);
  });
});

describe.each(engineTargets)('%s engine on a file', (target: EngineTarget) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `fsql-engine-${target}-`));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps data across reopening', async () => {
    const path = join(dir, `db.${target}`);
    const first = await openEngine(target, path);
    await first.createTable('t', allTypes);
    await first.insertRows('t', allTypes, edgeRows);
    await first.close();
    const second = await openEngine(target, path);
    expect(await second.query('SELECT * FROM t ORDER BY id', allTypes)).toEqual(expectedEdgeRows);
    if (target === 'sqlite') expect(await second.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    await second.close();
  });
});

describe('duckdb specifics', () => {
  it('refuses to append to a column of another native type', async () => {
    const e = await openEngine('duckdb');
    await e.execute('CREATE TABLE t (x INTEGER, y VARCHAR)');
    await expect(e.insertRows('t', [col('x', 'INTEGER'), col('y', 'TEXT')], [{ x: 1, y: 'a' }])).rejects.toThrow(/column x of table t is INTEGER, but fsql stores INTEGER as BIGINT/);
    await e.insertRows('t', [col('y', 'TEXT')], [{ y: 'a' }]);
    expect(await e.query('SELECT x, y FROM t')).toEqual([{ x: null, y: 'a' }]);
    await e.close();
  });
});

describe('sqlite specifics', () => {
  it('has ln, sign and trunc, built in or registered', async () => {
    const e = (await openEngine('sqlite')) as SqliteEngine;
    expect(['builtin', 'registered']).toContain(e.mathFunctions);
    const rows = await e.query('SELECT ln(2) AS l, sign(-3) AS s, sign(0) AS z, trunc(-2.7) AS t, trunc(2.7) AS u, ln(NULL) AS n', [
      { name: 'l', type: 'DOUBLE' },
      { name: 's', type: 'INTEGER' },
      { name: 'z', type: 'INTEGER' },
      { name: 't', type: 'INTEGER' },
      { name: 'u', type: 'INTEGER' },
    ]);
    expect(rows).toEqual([{ l: Math.LN2, s: -1, z: 0, t: -2, u: 2, n: null }]);
    await e.close();
  });

  it('the JS fallbacks for ln, sign and trunc agree with SQLite\'s built-in ones', () => {
    const builtin = new Database(':memory:');
    const fallback = new Database(':memory:');
    registerMathFunctions(fallback);
    const args = ['0', '-0.0', '1', '-1', '2', '2.5', '-2.5', '-2.7', '1e-300', '9007199254740991', '-9007199254740991', "'2'", "'-3.5'", "' 4 '", "'x'", "''", 'NULL', "x'01'"];
    const sql = args.map((a, i) => `ln(${a}) AS l${i}, sign(${a}) AS s${i}, trunc(${a}) AS t${i}, typeof(sign(${a})) AS ts${i}, typeof(trunc(${a})) AS tt${i}`).join(', ');
    const a = builtin.prepare(`SELECT ${sql}`).get();
    const b = fallback.prepare(`SELECT ${sql}`).get();
    expect(b).toEqual(a);
    builtin.close();
    fallback.close();
  });

  it('nested transactions roll back to their savepoint', async () => {
    const e = await openEngine('sqlite');
    await e.createTable('t', [col('x', 'INTEGER')]);
    await e.transaction(async () => {
      await e.execute('INSERT INTO t VALUES (1)');
      await e.transaction(async () => {
        await e.execute('INSERT INTO t VALUES (2)');
        throw new Error('inner');
      }).catch(() => undefined);
      await e.execute('INSERT INTO t VALUES (3)');
    });
    expect(await e.query('SELECT x FROM t ORDER BY x')).toEqual([{ x: 1 }, { x: 3 }]);
    await e.close();
  });
});

describe('value text parsing', () => {
  it('reads date and timestamp text as days and microseconds', () => {
    expect(parseDateText('1970-01-01')).toBe(0);
    expect(parseDateText('1969-12-31')).toBe(-1);
    expect(parseDateText('2000-03-01')).toBe(11_017);
    expect(parseDateText('0001-01-01')).toBe(-719_162);
    expect(parseDateText('2024-13-01')).toBeUndefined();
    expect(parseTimestampText('1969-12-31 23:59:59.999999')).toBe(-1);
    expect(parseTimestampText('2023-11-14T22:13:20.123456')).toBe(1_700_000_000_123_456);
    expect(parseTimestampText('2023-11-14 22:13:20.5')).toBe(1_700_000_000_500_000);
    expect(parseTimestampText('2023-11-14 24:00:00')).toBeUndefined();
    expect(parseTimestampText('yesterday')).toBeUndefined();
  });

  it('agrees with Date for every day in a wide range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -719_162, max: 2_932_896 }), (days) => {
        const text = new Date(days * 86_400_000).toISOString().slice(0, 10);
        const y = new Date(days * 86_400_000).getUTCFullYear();
        if (y < 1) return;
        expect(parseDateText(text)).toBe(days);
      }),
    );
  });
});

// ---------------------------------------------------------------------------
// Property: random rows of random schemas round-trip exactly.

const valueArb: Record<ScalarType, fc.Arbitrary<Value>> = {
  INTEGER: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 60, -(2 ** 62), 4_294_967_296, -4_294_967_296, 4_294_967_295)),
  DOUBLE: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e-300, -1e300, 0.1, 5e-324)),
  TEXT: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ maxLength: 10 }), fc.constantFrom('', "'", '"', '\u0000', '𝄞')),
  BOOLEAN: fc.boolean(),
  DATE: fc.integer({ min: -719_162, max: 2_932_896 }),
  TIMESTAMP: fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -2_208_988_800_000_000, max: 4_102_444_800_000_000 }), fc.constantFrom(0, -1, 1)),
};

const scalarTypes: ScalarType[] = ['INTEGER', 'DOUBLE', 'TEXT', 'BOOLEAN', 'DATE', 'TIMESTAMP'];

const schemaArb: fc.Arbitrary<ColumnInfo[]> = fc
  .array(fc.record({ type: fc.constantFrom(...scalarTypes), nullable: fc.boolean() }), { minLength: 1, maxLength: 7 })
  .map((cols) => cols.map((c, i) => ({ name: `c${i}_${c.type.toLowerCase()}`, ...c })));

const caseArb = schemaArb.chain((columns) =>
  fc.record({
    columns: fc.constant(columns),
    rows: fc.array(fc.tuple(...columns.map((c) => (c.nullable ? fc.option(valueArb[c.type], { nil: null, freq: 4 }) : valueArb[c.type]))), { maxLength: 25 }),
  }),
);

describe.each(engineTargets)('%s round-trip property', (target: EngineTarget) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine(target);
  });
  afterAll(async () => {
    await engine.close();
  });

  it('random rows of random schemas come back exactly', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ columns, rows }) => {
        const table = `prop_${n++}`;
        const withId = [col('__row', 'INTEGER', false), ...columns];
        const data: Row[] = rows.map((values, r) => Object.fromEntries([['__row', r], ...columns.map((c, j) => [c.name, values[j]!])]));
        await engine.createTable(table, withId);
        await engine.insertRows(table, withId, data);
        const back = await engine.query(`SELECT * FROM "${table}" ORDER BY "__row"`, withId);
        const expected = data.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === 0 ? 0 : v])));
        expect(back).toEqual(expected);
        await engine.execute(`DROP TABLE "${table}"`);
      }),
      { numRuns: Number(process.env.FSQL_ENGINE_RUNS ?? 60) },
    );
  }, 600_000);
});
