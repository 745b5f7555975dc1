/**
 * Arrow IPC (the streaming format, `application/vnd.apache.arrow.stream`;
 * the file format is read too) through the `apache-arrow` package: rows a
 * client uploads (an ad-hoc spine, rows for a stream), and result tables
 * written as record batches (`ArrowBatchEncoder`).
 *
 * Reading follows the Parquet reader's rules (parquet.ts, README.md): a
 * declared column is found by name, case-insensitively; each Arrow type must
 * convert to the declared type without guessing — integers of any width to
 * INTEGER (within ±2^53) or DOUBLE, floats to DOUBLE, utf8 (also large and
 * dictionary-encoded, as pandas categoricals are) to TEXT, bool to BOOLEAN,
 * date32/date64 to DATE or TIMESTAMP (midnight), timestamps of any unit
 * (with or without a time zone: the instant, in UTC) to TIMESTAMP.
 *
 * Writing: INTEGER int64, DOUBLE float64, TEXT utf8, BOOLEAN bool, DATE
 * date32, TIMESTAMP timestamp[us] without time zone — the types DuckDB's
 * Parquet writer gives `fsql train --out x.parquet`, so a client reading
 * either sees the same types.
 */
import * as A from 'apache-arrow';
import type { ColumnInfo, ScalarType } from '../../check/catalog.js';
import type { Row, Value } from '../../engine/values.js';
import { MICROS_PER_DAY } from '../../values/time.js';
import type { Sink } from './sink.js';
import { aType, BadValue, fromTypedDate, fromTypedDouble, fromTypedInteger, fromTypedTimestamp, rowTemplate, type Parsed } from './values.js';

const MS_PER_DAY = 86_400_000;

/** The table in Arrow IPC bytes, or the reason it cannot be read. */
function decode(bytes: Uint8Array): A.Table | string {
  try {
    return A.tableFromIPC(bytes);
  } catch (e) {
    return `cannot read the Arrow IPC stream: ${(e as Error).message}`;
  }
}

/** Column names of Arrow IPC bytes (undefined when they are not Arrow IPC). */
export function arrowColumnNames(bytes: Uint8Array): string[] | undefined {
  const t = decode(bytes);
  return typeof t === 'string' ? undefined : t.schema.fields.map((f) => f.name);
}

type Reader = (v: A.Vector, data: A.Data, i: number) => Parsed;

const timestampPerMicro = (unit: A.TimeUnit): { mul: bigint; div: bigint } =>
  unit === A.TimeUnit.SECOND ? { mul: 1_000_000n, div: 1n } : unit === A.TimeUnit.MILLISECOND ? { mul: 1000n, div: 1n } : unit === A.TimeUnit.MICROSECOND ? { mul: 1n, div: 1n } : { mul: 1n, div: 1000n };

/** How to read a value of Arrow type `type` as `declared`, or undefined when it cannot be. */
function readerFor(declared: ScalarType, type: A.DataType): Reader | undefined {
  const isInt = A.DataType.isInt(type);
  const isFloat = A.DataType.isFloat(type);
  const isDate = A.DataType.isDate(type);
  switch (declared) {
    case 'INTEGER':
      if (isInt) return (v, _d, i) => fromTypedInteger(v.get(i) as number | bigint, 'INTEGER');
      return undefined;
    case 'DOUBLE':
      if (isInt) return (v, _d, i) => fromTypedInteger(v.get(i) as number | bigint, 'DOUBLE');
      if (isFloat) return (v, _d, i) => fromTypedDouble(Number(v.get(i)));
      return undefined;
    case 'TEXT':
      if (A.DataType.isUtf8(type) || A.DataType.isLargeUtf8(type)) return (v, _d, i) => v.get(i) as string;
      if (A.DataType.isDictionary(type) && (A.DataType.isUtf8(type.dictionary) || A.DataType.isLargeUtf8(type.dictionary))) return (v, _d, i) => v.get(i) as string;
      return undefined;
    case 'BOOLEAN':
      if (A.DataType.isBool(type)) return (v, _d, i) => v.get(i) as boolean;
      return undefined;
    case 'DATE':
      if (isDate) return (v, _d, i) => fromTypedDate((v.get(i) as number) / MS_PER_DAY);
      return undefined;
    case 'TIMESTAMP': {
      if (isDate) {
        return (v, _d, i) => {
          const days = fromTypedDate((v.get(i) as number) / MS_PER_DAY);
          return days instanceof BadValue ? days : fromTypedTimestamp(BigInt(days as number) * BigInt(MICROS_PER_DAY));
        };
      }
      if (A.DataType.isTimestamp(type)) {
        const { mul, div } = timestampPerMicro(type.unit);
        // The raw int64 values (get() gives milliseconds as a double, which loses microseconds).
        return (_v, d, i) => {
          const raw = (d.values as BigInt64Array)[i]!;
          return mul === 1n ? fromTypedTimestamp(raw, div === 1n ? 1n : 1000n) : fromTypedTimestamp(raw * mul);
        };
      }
      return undefined;
    }
  }
}

/**
 * Reads Arrow IPC bytes as rows of `columns` into `sink` (rows numbered from
 * 1 in stream order), with the same all-or-nothing rules as the file readers.
 */
export async function readArrow(bytes: Uint8Array, columns: readonly ColumnInfo[], sink: Sink): Promise<void> {
  const table = decode(bytes);
  if (typeof table === 'string') {
    sink.error({ reason: table });
    return;
  }
  const fields = table.schema.fields;
  const index = new Map<string, number>();
  const duplicates = new Set<string>();
  fields.forEach((f, i) => {
    const key = f.name.toLowerCase();
    if (index.has(key)) duplicates.add(key);
    else index.set(key, i);
  });
  const readers: Reader[] = [];
  const sources: number[] = [];
  for (const column of columns) {
    const key = column.name.toLowerCase();
    const i = index.get(key);
    if (i === undefined) {
      sink.error({ column: column.name, reason: `the data has no column ${column.name} (it has ${fields.map((f) => f.name).join(', ') || 'none'})` });
      continue;
    }
    if (duplicates.has(key)) {
      sink.error({ column: column.name, reason: `the data has more than one column named ${column.name}` });
      continue;
    }
    const reader = readerFor(column.type, fields[i]!.type);
    if (reader === undefined) {
      sink.error({ column: column.name, reason: `the data's column ${fields[i]!.name} is ${String(fields[i]!.type)}, which cannot be read as ${aType(column.type)}` });
      continue;
    }
    readers.push(reader);
    sources.push(i);
  }
  if (sink.failed) return;
  sink.totalRows = table.numRows;
  const template = rowTemplate(columns);
  const n = columns.length;
  let row = 0;
  for (const batch of table.batches) {
    const data = sources.map((i) => batch.data.children[i]!);
    const vectors = data.map((d) => A.makeVector(d));
    for (let r = 0; r < batch.numRows; r++) {
      row++;
      const keep = !sink.failed;
      const out: Row = { ...template };
      for (let j = 0; j < n; j++) {
        const column = columns[j]!;
        let v: Value | BadValue;
        if (!vectors[j]!.isValid(r)) v = column.nullable ? null : new BadValue('NULL in a NOT NULL column');
        else v = readers[j]!(vectors[j]!, data[j]!, r);
        if (v instanceof BadValue) {
          sink.error({ row, column: column.name, reason: v.reason });
          if (sink.full) return;
        } else if (keep) out[column.name] = v;
      }
      if (keep && !sink.failed && sink.push(out)) await sink.flush();
    }
  }
}

// ---------------------------------------------------------------------------

function arrowType(type: ScalarType): A.DataType {
  switch (type) {
    case 'INTEGER':
      return new A.Int64();
    case 'DOUBLE':
      return new A.Float64();
    case 'TEXT':
      return new A.Utf8();
    case 'BOOLEAN':
      return new A.Bool();
    case 'DATE':
      return new A.DateDay();
    case 'TIMESTAMP':
      return new A.TimestampMicrosecond();
  }
}

/** The validity bitmap of column `j` (LSB first), or undefined when it has no NULL. */
function validity(rows: readonly (readonly Value[])[], j: number): { bitmap: Uint8Array; nulls: number } | undefined {
  let nulls = 0;
  for (const r of rows) if (r[j] === null || r[j] === undefined) nulls++;
  if (nulls === 0) return undefined;
  const bitmap = new Uint8Array(Math.ceil(rows.length / 8));
  for (let i = 0; i < rows.length; i++) if (rows[i]![j] !== null && rows[i]![j] !== undefined) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nulls };
}

function columnData(type: ScalarType, rows: readonly (readonly Value[])[], j: number): A.Data {
  const length = rows.length;
  const v = validity(rows, j);
  const base = { length, nullCount: v?.nulls ?? 0, ...(v ? { nullBitmap: v.bitmap } : {}) };
  switch (type) {
    case 'INTEGER':
    case 'TIMESTAMP': {
      const values = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        const x = rows[i]![j];
        if (typeof x === 'number') values[i] = BigInt(x);
      }
      return type === 'INTEGER' ? A.makeData({ type: new A.Int64(), data: values, ...base }) : A.makeData({ type: new A.TimestampMicrosecond(), data: values, ...base });
    }
    case 'DOUBLE': {
      const values = new Float64Array(length);
      for (let i = 0; i < length; i++) values[i] = (rows[i]![j] as number | null) ?? 0;
      return A.makeData({ type: new A.Float64(), data: values, ...base });
    }
    case 'DATE': {
      const values = new Int32Array(length);
      for (let i = 0; i < length; i++) values[i] = (rows[i]![j] as number | null) ?? 0;
      return A.makeData({ type: new A.DateDay(), data: values, ...base });
    }
    case 'TEXT':
      return A.vectorFromArray(rows.map((r) => (r[j] ?? null) as string | null), new A.Utf8()).data[0]!;
    case 'BOOLEAN':
      return A.vectorFromArray(rows.map((r) => (r[j] ?? null) as boolean | null), new A.Bool()).data[0]!;
  }
}

/** The 8 bytes that end an Arrow IPC stream. */
const END_OF_STREAM = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * Encodes a result table as an Arrow IPC stream piece by piece, so that a
 * caller can write each piece as its rows arrive: `start()` (the schema),
 * `batch(rows)` per batch of rows (one record batch each), `end()`.
 */
export class ArrowBatchEncoder {
  private readonly schema: A.Schema;
  private readonly schemaBytes: number;

  constructor(private readonly columns: readonly { readonly name: string; readonly type: ScalarType }[]) {
    this.schema = new A.Schema(columns.map((c) => new A.Field(c.name, arrowType(c.type), true)));
    this.schemaBytes = A.tableToIPC(new A.Table(this.schema), 'stream').length - END_OF_STREAM.length;
  }

  /** The stream's schema message. */
  start(): Uint8Array {
    return A.tableToIPC(new A.Table(this.schema), 'stream').subarray(0, this.schemaBytes);
  }

  /** One record batch of the rows (values in the order of the columns). */
  batch(rows: readonly (readonly Value[])[]): Uint8Array {
    const children = this.columns.map((c, j) => columnData(c.type, rows, j));
    const data = A.makeData({ type: new A.Struct(this.schema.fields), length: rows.length, nullCount: 0, children });
    const bytes = A.tableToIPC(new A.Table([new A.RecordBatch(this.schema, data)]), 'stream');
    // The same schema message, then the batch, then the end marker: keep the batch.
    return bytes.subarray(this.schemaBytes, bytes.length - END_OF_STREAM.length);
  }

  end(): Uint8Array {
    return END_OF_STREAM;
  }
}
