/**
 * Parquet through DuckDB's `read_parquet`, in an in-memory DuckDB of its own
 * (the one fsql already ships). Declared columns are found among the file's
 * columns by name, case-insensitively; other columns are ignored. Each file
 * column's type must convert to the declared type without guessing (see
 * README.md); the values are then streamed chunk by chunk, in file order,
 * and range-checked.
 */
import { stat } from 'node:fs/promises';
import { type DuckDBDateValue, DuckDBDecimalType, DuckDBInstance, DuckDBTypeId, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { ColumnInfo } from '../../check/catalog.js';
import { quoteIdentifier } from '../../engine/engine.js';
import { MICROS_PER_DAY, type Row, type Value } from '../../engine/values.js';
import { Sink, type RowError } from './sink.js';
import { aType, BadValue, fromTypedDate, fromTypedDouble, fromTypedInteger, fromTypedTimestamp, MAX_DATE_DAYS, MAX_INTEGER, rowTemplate, type Parsed } from './values.js';

interface ColumnPlan {
  /** The SQL expression that selects the column in a form `convert` reads. */
  readonly sql: string;
  readonly convert: (v: DuckDBValue) => Parsed;
  /**
   * Read in place (`checkParquetInPlace`): a DuckDB condition true exactly for
   * the non-NULL values `convert` refuses (undefined: it refuses none), and the
   * expression giving the value as the declared type's DuckDB type — what a
   * load would store.
   */
  readonly bad?: string;
  readonly value: string;
}

const MAX = String(MAX_INTEGER);
/** Out of ±(2^53−1): what fromTypedInteger refuses for INTEGER. */
const beyond = (e: string) => `(${e} > ${MAX} OR ${e} < -${MAX})`;
/** Days from 1970-01-01 beyond what fromTypedDate takes (an infinite date always). */
const badDays = (col: string) => `CASE WHEN isfinite(${col}) THEN abs(${col} - DATE '1970-01-01') > ${MAX_DATE_DAYS} ELSE true END`;

const INTEGER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

const MICRO_TIMESTAMP_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_TZ,
]);

/** How to read a file column of type `type` as `column`'s declared type, or undefined when it cannot be. */
function planColumn(column: ColumnInfo, type: DuckDBType, name: string): ColumnPlan | undefined {
  const id = type.typeId;
  const col = quoteIdentifier(name);
  const decimalScale = type instanceof DuckDBDecimalType ? type.scale : undefined;
  // A small integer type (TINYINT … INTEGER, UINTEGER) always fits in ±(2^53−1).
  const wide = id === DuckDBTypeId.BIGINT || id === DuckDBTypeId.UBIGINT || id === DuckDBTypeId.HUGEINT || id === DuckDBTypeId.UHUGEINT;
  switch (column.type) {
    case 'INTEGER':
      if (INTEGER_TYPES.has(id)) return { sql: col, convert: (v) => fromTypedInteger(v as number | bigint, 'INTEGER'), ...(wide ? { bad: beyond(col) } : {}), value: `CAST(${col} AS BIGINT)` };
      if (decimalScale === 0) return { sql: `CAST(${col} AS HUGEINT)`, convert: (v) => fromTypedInteger(v as bigint, 'INTEGER'), bad: beyond(col), value: `CAST(${col} AS BIGINT)` };
      return undefined;
    case 'DOUBLE':
      if (INTEGER_TYPES.has(id)) return { sql: col, convert: (v) => fromTypedInteger(v as number | bigint, 'DOUBLE'), value: `CAST(${col} AS DOUBLE)` };
      if (id === DuckDBTypeId.FLOAT || id === DuckDBTypeId.DOUBLE || decimalScale !== undefined) {
        // `+ 0.0`: -0 reads as 0, as fromTypedDouble makes it.
        return { sql: `CAST(${col} AS DOUBLE)`, convert: (v) => fromTypedDouble(v as number), bad: `NOT isfinite(CAST(${col} AS DOUBLE))`, value: `(CAST(${col} AS DOUBLE) + 0.0)` };
      }
      return undefined;
    case 'TEXT':
      if (id === DuckDBTypeId.VARCHAR) return { sql: col, convert: (v) => v as string, value: col };
      if (id === DuckDBTypeId.ENUM) return { sql: `CAST(${col} AS VARCHAR)`, convert: (v) => v as string, value: `CAST(${col} AS VARCHAR)` };
      return undefined;
    case 'BOOLEAN':
      if (id === DuckDBTypeId.BOOLEAN) return { sql: col, convert: (v) => v as boolean, value: col };
      return undefined;
    case 'DATE':
      if (id === DuckDBTypeId.DATE) return { sql: col, convert: (v) => fromTypedDate((v as DuckDBDateValue).days), bad: badDays(col), value: col };
      return undefined;
    case 'TIMESTAMP':
      if (MICRO_TIMESTAMP_TYPES.has(id)) {
        // WITH TIME ZONE as UTC, whatever DuckDB's TimeZone setting: from its epoch microseconds.
        const value = id === DuckDBTypeId.TIMESTAMP ? col : id === DuckDBTypeId.TIMESTAMP_TZ ? `make_timestamp(epoch_us(${col}))` : `CAST(${col} AS TIMESTAMP)`;
        return { sql: `epoch_us(${col})`, convert: (v) => fromTypedTimestamp(v as bigint), bad: `CASE WHEN isfinite(${col}) THEN ${beyond(`epoch_us(${col})`)} ELSE true END`, value };
      }
      if (id === DuckDBTypeId.TIMESTAMP_NS) {
        return {
          sql: `epoch_ns(${col})`,
          convert: (v) => fromTypedTimestamp(v as bigint, 1000n),
          bad: `CASE WHEN isfinite(${col}) THEN epoch_ns(${col}) % 1000 <> 0 OR ${beyond(`(epoch_ns(${col}) // 1000)`)} ELSE true END`,
          value: `make_timestamp(epoch_ns(${col}) // 1000)`,
        };
      }
      if (id === DuckDBTypeId.DATE) {
        return {
          sql: col,
          convert: (v) => {
            const days = fromTypedDate((v as DuckDBDateValue).days);
            return days instanceof BadValue ? days : fromTypedTimestamp(BigInt(days as number) * BigInt(MICROS_PER_DAY));
          },
          bad: `CASE WHEN isfinite(${col}) THEN abs(${col} - DATE '1970-01-01') > ${MAX_DATE_DAYS} OR ${beyond(`(CAST(${col} - DATE '1970-01-01' AS HUGEINT) * ${MICROS_PER_DAY})`)} ELSE true END`,
          value: `CAST(${col} AS TIMESTAMP)`,
        };
      }
      return undefined;
  }
}

export async function readParquet(path: string, columns: readonly ColumnInfo[], sink: Sink): Promise<void> {
  try {
    // DuckDB's own message for a missing file is long; say it the way the other readers do.
    await stat(path);
  } catch (e) {
    sink.error({ reason: `cannot read the file: ${(e as Error).message}` });
    return;
  }
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      await read(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }

  async function read(connection: Connection): Promise<void> {
    const fail = (e: unknown) => sink.error({ reason: `cannot read the Parquet file: ${(e as Error).message}` });
    const plans = await planFile(connection, path, columns, sink);
    if (plans === undefined) return;
    try {
      // From the files' footers: no data is read.
      const counted = await connection.run('SELECT count(*) AS n FROM read_parquet($1)', [path]);
      sink.totalRows = Number((await counted.getRows())[0]![0]);
    } catch {
      // Progress without a total; reading says what is wrong, if anything.
    }

    const n = columns.length;
    const template = rowTemplate(columns);
    let row = 0;
    let result: Awaited<ReturnType<typeof connection.stream>>;
    try {
      result = await connection.stream(`SELECT ${plans.map((p) => p.sql).join(', ')} FROM read_parquet($1)`, [path]);
    } catch (e) {
      fail(e);
      return;
    }
    for (;;) {
      // Only DuckDB's own failures become errors about the file; the caller's (onBatch) propagate.
      let chunk: Awaited<ReturnType<typeof result.fetchChunk>>;
      try {
        chunk = await result.fetchChunk();
      } catch (e) {
        fail(e);
        return;
      }
      if (chunk === null || chunk.rowCount === 0) return;
      const data = plans.map((_, j) => chunk!.getColumnValues(j));
      const count = chunk.rowCount;
      for (let r = 0; r < count; r++) {
        row++;
        const keep = !sink.failed;
        const out: Row = { ...template };
        for (let j = 0; j < n; j++) {
          const column = columns[j]!;
          const raw = data[j]![r]!;
          let v: Value | BadValue;
          if (raw === null) v = column.nullable ? null : new BadValue('NULL in a NOT NULL column');
          else v = plans[j]!.convert(raw);
          if (v instanceof BadValue) {
            sink.error({ row, column: column.name, reason: v.reason });
            if (sink.full) return;
          } else if (keep) out[column.name] = v;
        }
        if (keep && !sink.failed && sink.push(out)) await sink.flush();
      }
    }
  }
}

type Connection = Awaited<ReturnType<DuckDBInstance['connect']>>;

/** Finds each declared column among the file's and plans its reading; undefined (the errors told to `sink`) when one cannot be read. */
async function planFile(connection: Connection, path: string, columns: readonly ColumnInfo[], sink: Sink): Promise<ColumnPlan[] | undefined> {
  let names: string[];
  let types: DuckDBType[];
  try {
    const described = await connection.run('SELECT * FROM read_parquet($1) LIMIT 0', [path]);
    names = described.columnNames();
    types = described.columnTypes();
  } catch (e) {
    sink.error({ reason: `cannot read the Parquet file: ${(e as Error).message}` });
    return undefined;
  }
  const index = new Map<string, number>();
  const duplicates = new Set<string>();
  names.forEach((name, i) => {
    const key = name.toLowerCase();
    if (index.has(key)) duplicates.add(key);
    else index.set(key, i);
  });
  const plans: ColumnPlan[] = [];
  for (const column of columns) {
    const key = column.name.toLowerCase();
    const i = index.get(key);
    if (i === undefined) {
      sink.error({ column: column.name, reason: `the file has no column ${column.name} (it has ${names.join(', ') || 'none'})` });
      continue;
    }
    if (duplicates.has(key)) {
      sink.error({ column: column.name, reason: `the file has more than one column named ${column.name}` });
      continue;
    }
    const plan = planColumn(column, types[i]!, names[i]!);
    if (plan === undefined) {
      sink.error({ column: column.name, reason: `the file's column ${names[i]} is ${types[i]!.toString()}, which cannot be read as ${aType(column.type)}` });
      continue;
    }
    plans.push(plan);
  }
  return sink.failed ? undefined : plans;
}

/** A Parquet file that reads in place: its row count and the select list giving the declared columns as a load would store them. */
export interface ParquetInPlace {
  readonly rowCount: number;
  /** DuckDB SQL: `<expression> AS "column", …` over the file's columns, to follow `SELECT` with `FROM read_parquet(…)`. */
  readonly select: string;
  /** The same columns as JavaScript reads canonical values fastest (numbers: DOUBLE; a DATE its epoch days, a TIMESTAMP its epoch µs), for `streamParquetColumns`. */
  readonly stream: string;
}

/** The declared column as a canonical value that DuckDB hands JavaScript without conversion: a DOUBLE, VARCHAR or BOOLEAN. */
function streamed(column: ColumnInfo, value: string): string {
  switch (column.type) {
    case 'INTEGER':
      return `CAST(${value} AS DOUBLE)`;
    case 'DATE':
      return `CAST(${value} - DATE '1970-01-01' AS DOUBLE)`;
    case 'TIMESTAMP':
      return `CAST(epoch_us(${value}) AS DOUBLE)`;
    default:
      return value;
  }
}

/**
 * Streams a Parquet file that `checkParquetInPlace` found good, column by column
 * (`onBatch(values, count)`: `values[j][r]` is declared column j of row r, a
 * canonical value), in file order, in batches of about `batchSize` rows: no
 * row objects and no per-value checks (the check was the query), so a load
 * runs at DuckDB's and the engine's speed.
 */
export async function streamParquetColumns(
  path: string,
  checked: ParquetInPlace,
  columns: readonly ColumnInfo[],
  batchSize: number,
  onBatch: (values: Value[][], count: number) => Promise<void> | void,
): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      const result = await connection.stream(`SELECT ${checked.stream} FROM read_parquet($1)`, [path]);
      let pending: Value[][] = columns.map(() => []);
      let count = 0;
      let total = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        const rows = chunk?.rowCount ?? 0;
        if (rows > 0) {
          for (let j = 0; j < columns.length; j++) {
            const into = pending[j]!;
            const got = chunk!.getColumnValues(j) as Value[];
            for (let r = 0; r < rows; r++) into.push(got[r]!);
          }
          count += rows;
        }
        if (count > 0 && (count >= batchSize || rows === 0)) {
          await onBatch(pending, count);
          total += count;
          pending = columns.map(() => []);
          count = 0;
        }
        if (rows === 0) return total;
      }
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Checks a Parquet file by the rules `readParquet` applies to each row, without
 * reading the rows into JavaScript: one DuckDB query looks for a row any rule
 * refuses (a NULL in a NOT NULL column, a value out of range), and only when
 * there is one, a second fetches the first `maxErrors` such rows in file order,
 * whose values are then judged by the same conversions as `readParquet`'s — so
 * the errors (row, column, reason) are the ones a load reports. A single file
 * only (no glob: its rows are numbered within the file).
 */
export async function checkParquetInPlace(path: string, columns: readonly ColumnInfo[], options: { readonly maxErrors?: number } = {}): Promise<{ readonly errors: RowError[] } | ParquetInPlace> {
  const maxErrors = options.maxErrors ?? 20;
  const sink = new Sink(path, maxErrors, 1, () => undefined);
  try {
    await stat(path);
  } catch (e) {
    sink.error({ reason: `cannot read the file: ${(e as Error).message}` });
    return { errors: sink.errors };
  }
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      const plans = await planFile(connection, path, columns, sink);
      if (plans === undefined) return { errors: sink.errors };
      const fail = (e: unknown): { errors: RowError[] } => {
        sink.error({ reason: `cannot read the Parquet file: ${(e as Error).message}` });
        return { errors: sink.errors };
      };
      const conditions = columns.flatMap((column, j) => {
        const plan = plans[j]!;
        return [...(column.nullable ? [] : [`(${plan.sql}) IS NULL`]), ...(plan.bad !== undefined ? [`((${plan.sql}) IS NOT NULL AND coalesce(${plan.bad}, false))`] : [])];
      });
      try {
        const counted = await connection.run(`SELECT count(*) FROM read_parquet($1)`, [path]);
        const rowCount = Number((await counted.getRows())[0]![0]);
        const select = columns.map((c, j) => `${plans[j]!.value} AS ${quoteIdentifier(c.name)}`).join(', ');
        const stream = columns.map((c, j) => `${streamed(c, plans[j]!.value)} AS ${quoteIdentifier(c.name)}`).join(', ');
        if (conditions.length === 0) return { rowCount, select, stream };
        const where = conditions.join(' OR ');
        const any = await connection.run(`SELECT 1 FROM read_parquet($1) WHERE ${where} LIMIT 1`, [path]);
        if ((await any.getRows()).length === 0) return { rowCount, select, stream };
        const found = await connection.runAndReadAll(
          `SELECT file_row_number, ${plans.map((p) => p.sql).join(', ')} FROM read_parquet($1, file_row_number = true) WHERE ${where} ORDER BY file_row_number LIMIT ${maxErrors}`,
          [path],
        );
        for (const raw of found.getRows()) {
          const row = Number(raw[0]) + 1;
          for (let j = 0; j < columns.length && !sink.full; j++) {
            const column = columns[j]!;
            const v = raw[j + 1]!;
            const checked = v === null ? (column.nullable ? null : new BadValue('NULL in a NOT NULL column')) : plans[j]!.convert(v);
            if (checked instanceof BadValue) sink.error({ row, column: column.name, reason: checked.reason });
          }
          if (sink.full) break;
        }
        // A row the query found that no conversion refuses would be a mismatch of the two rule sets: a bug.
        if (!sink.failed) throw new Error(`checkParquetInPlace: rows of ${path} match the refusal conditions but no conversion refuses them`);
        return { errors: sink.errors };
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('checkParquetInPlace:')) throw e;
        return fail(e);
      }
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** The column names of a Parquet file, from its footer (through DuckDB); throws when the file is not Parquet. */
export async function parquetColumnNames(path: string): Promise<string[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const c = await instance.connect();
    try {
      return (await c.run('SELECT * FROM read_parquet($1) LIMIT 0', [path])).columnNames();
    } finally {
      c.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
