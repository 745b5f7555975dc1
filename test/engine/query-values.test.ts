// Engine.queryValues (rows as arrays, the path plans read their results by)
// gives exactly what Engine.query gives, on every engine: every type, NULLs,
// edge values, strings inline and out of line in DuckDB's string format,
// several DuckDB chunks, columns asked in another order, repeated names, and
// values read as another type than the column's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, ScalarType } from '../../src/check/catalog.js';
import { engineTargets, type Engine, type Row, type Value } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';

const col = (name: string, type: ScalarType, nullable = true): ColumnInfo => ({ name, type, nullable });
const columns: ColumnInfo[] = [col('id', 'INTEGER', false), col('i', 'INTEGER'), col('d', 'DOUBLE'), col('s', 'TEXT'), col('b', 'BOOLEAN'), col('day', 'DATE'), col('ts', 'TIMESTAMP')];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const edge: Row[] = [
  { id: 1, i: 0, d: 0, s: '', b: false, day: 0, ts: 0 },
  { id: 2, i: MAX_SAFE, d: 1e-300, s: 'twelve bytes', b: true, day: -1, ts: -1 },
  { id: 3, i: -MAX_SAFE, d: -0, s: '日本語 👍🏽 𝄞 — thirteen bytes and more', b: true, day: -719_162, ts: -1_000_001 },
  { id: 4, i: -1, d: 1.7976931348623157e308, s: 'thirteen byte', b: false, day: 2_932_896, ts: 1_700_000_000_123_456 },
  { id: 5, i: 2 ** 32, d: 5e-324, s: 'nul \u0000 inside', b: null, day: 19_723, ts: -MAX_SAFE },
  { id: 6, i: null, d: null, s: null, b: null, day: null, ts: null },
  { id: 7, i: -(2 ** 32) - 1, d: -2.5, s: 'x', b: true, day: 1, ts: MAX_SAFE },
];

/** Enough rows for several DuckDB chunks (2048 rows each), NULLs scattered. */
const many: Row[] = Array.from({ length: 5000 }, (_v, k) => ({
  id: 100 + k,
  i: k % 7 === 0 ? null : k * 1_000_003 - 2_500_000_000,
  d: k % 5 === 0 ? null : k / 3,
  s: k % 11 === 0 ? null : k % 2 ? `short${k}` : `a longer text value number ${k}`,
  b: k % 13 === 0 ? null : k % 3 === 0,
  day: k % 17 === 0 ? null : k - 2500,
  ts: k % 19 === 0 ? null : (k - 2500) * 86_400_000_123,
}));

describe.each(engineTargets)('%s: queryValues', (target) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine(target);
    await engine.createTable('t', columns);
    await engine.insertRows('t', columns, [...edge, ...many]);
  });
  afterAll(async () => engine.close());

  const arrays = (rows: Row[], cols: readonly { name: string }[]): Value[][] => rows.map((r) => cols.map((c) => r[c.name] ?? null));

  it('equals query, row for row, in the columns order', async () => {
    const sql = 'SELECT * FROM t ORDER BY id';
    const expected = arrays(await engine.query(sql, columns), columns);
    const got = await engine.queryValues(sql, columns);
    expect(got).toEqual(expected);
    expect(got.length).toBe(edge.length + many.length);
    expect(got.slice(0, edge.length)).toEqual(arrays(edge.map((r): Row => ({ ...r, d: r['d'] === 0 ? 0 : (r['d'] ?? null) })), columns));
    expect(Object.is(got[2]![2], -0)).toBe(false);
  });

  it('reads a subset of the columns in another order', async () => {
    const sql = 'SELECT * FROM t ORDER BY id';
    const some = [columns[6]!, columns[3]!, columns[0]!];
    expect(await engine.queryValues(sql, some)).toEqual(arrays(await engine.query(sql, columns), some));
  });

  it('reads values as the asked type, like query', async () => {
    // A TIMESTAMP read as DATE, an INTEGER as DOUBLE, a BOOLEAN expression, a computed TEXT.
    const sql = 'SELECT id, ts AS t_as_date, i AS i_as_double, (i > 0) AS positive, s || \'!\' AS bang FROM t ORDER BY id';
    const asked = [
      { name: 'id', type: 'INTEGER' as const },
      { name: 't_as_date', type: (target === 'duckdb' ? 'DATE' : 'TIMESTAMP') as ScalarType },
      { name: 'i_as_double', type: 'DOUBLE' as const },
      { name: 'positive', type: 'BOOLEAN' as const },
      { name: 'bang', type: 'TEXT' as const },
    ];
    expect(await engine.queryValues(sql, asked)).toEqual(arrays(await engine.query(sql, asked), asked));
  });

  it('takes the last of two columns of one name, as query does', async () => {
    const sql = "SELECT s AS x, s || 'y' AS x FROM t ORDER BY id LIMIT 3";
    const asked = [{ name: 'x', type: 'TEXT' as const }];
    expect(await engine.queryValues(sql, asked)).toEqual(arrays(await engine.query(sql, asked), asked));
  });

  it('names a column the result has not got', async () => {
    await expect(engine.queryValues('SELECT id FROM t', [{ name: 'nope', type: 'INTEGER' }])).rejects.toThrow(/no column nope/);
  });
});
