/**
 * A Parquet file read in place (DuckDB): `checkParquetInPlace` must refuse
 * exactly the files the copying reader (`readSourceFile`, whose values and
 * errors read.test.ts checks by hand) refuses, with the same errors — file,
 * row, column, reason, up to `maxErrors` — and for a good file, the view's
 * select list over `read_parquet` must give the rows that reader gives.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import '../../support/fast-check-seed.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, ScalarType } from '../../../src/check/catalog.js';
import { openDuckdb, type DuckdbEngine } from '../../../src/engine/duckdb.js';
import type { Row } from '../../../src/engine/values.js';
import { checkParquetInPlace } from '../../../src/store/files/parquet.js';
import { readSourceFile } from '../../../src/store/files/read.js';

const col = (name: string, type: ScalarType, nullable = true): ColumnInfo => ({ name, type, nullable });
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

let dir = '';
let n = 0;
let duck: DuckdbEngine;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fsql-in-place-'));
  duck = await openDuckdb();
});
afterAll(async () => {
  await duck.close();
  rmSync(dir, { recursive: true, force: true });
});

async function parquet(select: string): Promise<string> {
  const path = join(dir, `f${++n}.parquet`);
  await duck.execute(`COPY (${select}) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
  return path;
}

/** The copying reader's verdict and the in-place check's, side by side; for a good file, the rows each gives. */
async function both(path: string, columns: readonly ColumnInfo[], maxErrors?: number) {
  const options = maxErrors === undefined ? {} : { maxErrors };
  const copied = await readSourceFile(path, 'PARQUET', columns, options);
  const checked = await checkParquetInPlace(path, columns, options);
  if ('errors' in checked || 'errors' in copied) return { copied, inPlace: checked };
  const rows = await duck.query(
    `SELECT ${checked.select} FROM read_parquet('${path.replace(/'/g, "''")}')`,
    columns.map((c) => ({ name: c.name, type: c.type })),
  );
  return { copied: { rows: copied.rows, rowCount: copied.rows.length }, inPlace: { rows, rowCount: checked.rowCount } };
}

describe('a Parquet file read in place', () => {
  it('gives the rows a load gives, every type converted the same way', async () => {
    const path = await parquet(`
      SELECT * FROM (VALUES
        (1::TINYINT, 'alice', 12.5::DECIMAL(10, 2), true, DATE '2024-03-01', TIMESTAMP '2024-03-01 10:00:00',
         ${MAX_SAFE}::UBIGINT, 1.5::FLOAT, TIMESTAMPTZ '2024-03-01 12:00:00+02', TIMESTAMP_NS '2024-03-01 10:00:00.123456',
         12345678901234::DECIMAL(18, 0), DATE '2024-03-02', 'ignored', 7::INTEGER, TIMESTAMP_MS '2024-03-01 10:00:00.123', -0.0::DOUBLE),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, '', -0.25, false, DATE '1969-12-31', TIMESTAMP '1969-12-31 23:59:59.999999',
         0, -2, TIMESTAMPTZ '1970-01-01 00:00:00+00', TIMESTAMP_NS '1970-01-01 00:00:00', -5::DECIMAL(18, 0), DATE '1970-01-01', 'x', -7, NULL, 2.5)
      ) t(ID, name, amount, flag, day, ts, big, f, tz, tns, d0, dts, other, small, tms, z)`);
    const columns = [
      col('id', 'INTEGER', false),
      col('name', 'TEXT'),
      col('amount', 'DOUBLE'),
      col('flag', 'BOOLEAN'),
      col('day', 'DATE'),
      col('ts', 'TIMESTAMP'),
      col('big', 'INTEGER'),
      col('f', 'DOUBLE'),
      col('tz', 'TIMESTAMP'),
      col('tns', 'TIMESTAMP'),
      col('d0', 'INTEGER'),
      col('dts', 'TIMESTAMP'),
      col('small', 'DOUBLE'),
      col('tms', 'TIMESTAMP'),
      col('z', 'DOUBLE'),
    ];
    const { copied, inPlace } = await both(path, columns);
    expect(inPlace).toEqual(copied);
    // Hand-checked: TIMESTAMPTZ is read as UTC, -0 as 0.
    const first = (inPlace as { rows: Row[] }).rows[0]!;
    expect(first['tz']).toBe(Date.parse('2024-03-01T10:00:00Z') * 1000);
    expect(Object.is(first['z'], -0)).toBe(false);
  });

  it('refuses the rows a load refuses, with the same row, column and reason', async () => {
    const path = await parquet(`
      SELECT * FROM (VALUES
        (1, 1::UBIGINT, 1.0::DOUBLE, TIMESTAMP_NS '2024-01-01 00:00:00'),
        (NULL, 9007199254740992::UBIGINT, 'NaN'::DOUBLE, TIMESTAMP_NS '2024-01-01 00:00:00.000000789'),
        (3, 1, 'inf'::DOUBLE, NULL)
      ) t(id, big, d, ts)`);
    const columns = [col('id', 'INTEGER', false), col('big', 'INTEGER'), col('d', 'DOUBLE'), col('ts', 'TIMESTAMP')];
    const { copied, inPlace } = await both(path, columns);
    expect(inPlace).toEqual(copied);
    // As read.test.ts has it by hand.
    expect((inPlace as { errors: unknown[] }).errors[0]).toEqual({ file: path, row: 2, column: 'id', reason: 'NULL in a NOT NULL column' });
    for (const max of [1, 2, 4]) {
      const r = await both(path, columns, max);
      expect(r.inPlace).toEqual(r.copied);
    }
  });

  it('names a missing column, a type that cannot convert, and a file that is not Parquet or not there', async () => {
    const path = await parquet(`SELECT 1.5::DOUBLE AS amount, 'x' AS name, 1 AS n`);
    const columns = [col('amount', 'INTEGER'), col('when', 'DATE'), col('name', 'TEXT'), col('n', 'BOOLEAN')];
    const { copied, inPlace } = await both(path, columns);
    expect(inPlace).toEqual(copied);
    const notParquet = join(dir, 'not.parquet');
    writeFileSync(notParquet, 'a,b\n1,2\n');
    const a = await both(notParquet, [col('a', 'INTEGER')]);
    expect((a.inPlace as { errors: { reason: string }[] }).errors[0]!.reason).toMatch(/^cannot read the Parquet file: /);
    expect(a.inPlace).toEqual(a.copied);
    const b = await both(join(dir, 'nope.parquet'), [col('a', 'INTEGER')]);
    expect(b.inPlace).toEqual(b.copied);
  });

  it('finds the first bad row deep in a large file (beyond DuckDB chunks and row groups)', async () => {
    const path = await parquet(`SELECT range AS id, CASE WHEN range IN (70001, 90000) THEN NULL ELSE range * 0.5 END AS half FROM range(100000)`);
    const columns = [col('id', 'INTEGER'), col('half', 'DOUBLE', false)];
    const { copied, inPlace } = await both(path, columns);
    expect(inPlace).toEqual(copied);
    expect((inPlace as { errors: { row: number }[] }).errors.map((e) => e.row)).toEqual([70002, 90001]);
  });
});

// ---------------------------------------------------------------------------
// Property: random columns of random Parquet types holding random (also bad) values.

interface Kind {
  /** The declared type. */
  readonly declared: ScalarType;
  /** The Parquet (DuckDB) type written. */
  readonly sql: string;
  /** A literal of that type (DuckDB SQL), or NULL. */
  readonly value: fc.Arbitrary<string>;
}

const bigints = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.constantFrom(9007199254740991n, -9007199254740991n, 9007199254740992n, -9007199254740992n, 2n ** 62n, -(2n ** 62n)),
);
const doubles = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? "'-0.0'" : `'${d}'`)),
  fc.constantFrom("'nan'", "'inf'", "'-inf'", "'-0.0'"),
);
const micros = fc.oneof(fc.bigInt({ min: -(2n ** 50n), max: 2n ** 50n }), fc.constantFrom(9007199254740991n, 9007199254740992n, -9007199254740992n, 10_000_000_000_000_000n));

const kinds: Kind[] = [
  { declared: 'INTEGER', sql: 'BIGINT', value: bigints.map(String) },
  { declared: 'INTEGER', sql: 'INTEGER', value: fc.integer().map(String) },
  { declared: 'INTEGER', sql: 'DECIMAL(18, 0)', value: bigints.filter((b) => b < 10n ** 18n && b > -(10n ** 18n)).map(String) },
  { declared: 'DOUBLE', sql: 'DOUBLE', value: doubles },
  { declared: 'DOUBLE', sql: 'FLOAT', value: fc.constantFrom("'nan'", "'1.5'", "'-0.0'", "'inf'", "'3e38'") },
  { declared: 'DOUBLE', sql: 'BIGINT', value: bigints.map(String) },
  { declared: 'TEXT', sql: 'VARCHAR', value: fc.string({ maxLength: 8 }).map((s) => `'${s.replace(/'/g, "''").replace(/\0/g, '')}'`) },
  { declared: 'BOOLEAN', sql: 'BOOLEAN', value: fc.boolean().map(String) },
  { declared: 'DATE', sql: 'DATE', value: fc.integer({ min: -700_000, max: 2_900_000 }).map((d) => `(DATE '1970-01-01' + ${d})`) },
  { declared: 'TIMESTAMP', sql: 'TIMESTAMP', value: micros.map((m) => `make_timestamp(${m})`) },
  { declared: 'TIMESTAMP', sql: 'TIMESTAMP_NS', value: fc.bigInt({ min: -(2n ** 60n), max: 2n ** 62n }).map((ns) => `make_timestamp_ns(${ns})`) },
  { declared: 'TIMESTAMP', sql: 'TIMESTAMPTZ', value: micros.map((m) => `make_timestamp(${m})::TIMESTAMPTZ`) },
  { declared: 'TIMESTAMP', sql: 'DATE', value: fc.integer({ min: -150_000, max: 150_000 }).map((d) => `(DATE '1970-01-01' + ${d})`) },
];

describe('property: in place refuses what a load refuses, and reads what it reads', () => {
  it('random files of random column types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.constantFrom(...kinds), nullable: fc.boolean() }), { minLength: 1, maxLength: 4 }).chain((cols) =>
          fc.record({
            cols: fc.constant(cols),
            rows: fc.array(fc.tuple(...cols.map((c) => fc.option(c.kind.value, { freq: 6, nil: 'NULL' }))), { minLength: 1, maxLength: 12 }),
            maxErrors: fc.integer({ min: 1, max: 6 }),
          }),
        ),
        async ({ cols, rows, maxErrors }) => {
          const names = cols.map((_, i) => `c${i}`);
          const values = rows.map((r) => `(${r.map((v, i) => `CAST(${v} AS ${cols[i]!.kind.sql})`).join(', ')})`).join(', ');
          const path = await parquet(`SELECT * FROM (VALUES ${values}) t(${names.join(', ')})`);
          const columns = cols.map((c, i) => col(names[i]!, c.kind.declared, c.nullable));
          const { copied, inPlace } = await both(path, columns, maxErrors);
          expect(inPlace).toEqual(copied);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
