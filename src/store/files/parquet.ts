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
import type { Sink } from './sink.js';
import { aType, BadValue, fromTypedDate, fromTypedDouble, fromTypedInteger, fromTypedTimestamp, rowTemplate, type Parsed } from './values.js';

interface ColumnPlan {
  /** The SQL expression that selects the column in a form `convert` reads. */
  readonly sql: string;
  readonly convert: (v: DuckDBValue) => Parsed;
}

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
  switch (column.type) {
    case 'INTEGER':
      if (INTEGER_TYPES.has(id)) return { sql: col, convert: (v) => fromTypedInteger(v as number | bigint, 'INTEGER') };
      if (decimalScale === 0) return { sql: `CAST(${col} AS HUGEINT)`, convert: (v) => fromTypedInteger(v as bigint, 'INTEGER') };
      return undefined;
    case 'DOUBLE':
      if (INTEGER_TYPES.has(id)) return { sql: col, convert: (v) => fromTypedInteger(v as number | bigint, 'DOUBLE') };
      if (id === DuckDBTypeId.FLOAT || id === DuckDBTypeId.DOUBLE || decimalScale !== undefined) {
        return { sql: `CAST(${col} AS DOUBLE)`, convert: (v) => fromTypedDouble(v as number) };
      }
      return undefined;
    case 'TEXT':
      if (id === DuckDBTypeId.VARCHAR) return { sql: col, convert: (v) => v as string };
      if (id === DuckDBTypeId.ENUM) return { sql: `CAST(${col} AS VARCHAR)`, convert: (v) => v as string };
      return undefined;
    case 'BOOLEAN':
      if (id === DuckDBTypeId.BOOLEAN) return { sql: col, convert: (v) => v as boolean };
      return undefined;
    case 'DATE':
      if (id === DuckDBTypeId.DATE) return { sql: col, convert: (v) => fromTypedDate((v as DuckDBDateValue).days) };
      return undefined;
    case 'TIMESTAMP':
      if (MICRO_TIMESTAMP_TYPES.has(id)) return { sql: `epoch_us(${col})`, convert: (v) => fromTypedTimestamp(v as bigint) };
      if (id === DuckDBTypeId.TIMESTAMP_NS) return { sql: `epoch_ns(${col})`, convert: (v) => fromTypedTimestamp(v as bigint, 1000n) };
      if (id === DuckDBTypeId.DATE) {
        return {
          sql: col,
          convert: (v) => {
            const days = fromTypedDate((v as DuckDBDateValue).days);
            return days instanceof BadValue ? days : fromTypedTimestamp(BigInt(days as number) * BigInt(MICROS_PER_DAY));
          },
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

  async function read(connection: Awaited<ReturnType<DuckDBInstance['connect']>>): Promise<void> {
    const fail = (e: unknown) => sink.error({ reason: `cannot read the Parquet file: ${(e as Error).message}` });
    let names: string[];
    let types: DuckDBType[];
    try {
      const described = await connection.run('SELECT * FROM read_parquet($1) LIMIT 0', [path]);
      names = described.columnNames();
      types = described.columnTypes();
    } catch (e) {
      fail(e);
      return;
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
    if (sink.failed) return;
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
