/**
 * DuckDB through @duckdb/node-api. Native types: BOOLEAN, BIGINT, DOUBLE,
 * VARCHAR, DATE, TIMESTAMP. Bulk inserts fill DuckDB data chunks column by
 * column (typed arrays on the JS side) and hand them to an appender.
 *
 * One connection per engine. Calls are queued so that no two statements run
 * on the connection at once.
 */
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBVector,
  TIMESTAMP,
  VARCHAR,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import { endianness } from 'node:os';
import type { ColumnInfo, ScalarType } from '../check/catalog.js';
import { indexName, quoteIdentifier, quoteString, type Engine } from './engine.js';
import { BadRowError, inputChecker, MICROS_PER_DAY, rowConverter, type QueryColumn, type Row, type Value } from './values.js';

/**
 * The largest key DuckDB's ART index holds, in bytes ("key size … exceeds the
 * maximum size of 122880 bytes for this ART", at commit). A VARCHAR's key is
 * its UTF-8 bytes and a terminator; other types take a few bytes (9 counted).
 */
const ART_MAX_KEY_BYTES = 122_880;
const keyBytes = (v: Value | undefined): number => (typeof v === 'string' ? Buffer.byteLength(v) + 1 : 9);

export const duckdbTypes: Readonly<Record<ScalarType, string>> = {
  INTEGER: 'BIGINT',
  DOUBLE: 'DOUBLE',
  TEXT: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
};

const nativeTypes: Readonly<Record<ScalarType, DuckDBType>> = {
  INTEGER: BIGINT,
  DOUBLE: DOUBLE,
  TEXT: VARCHAR,
  BOOLEAN: BOOLEAN,
  DATE: DATE,
  TIMESTAMP: TIMESTAMP,
};

export class DuckdbEngine implements Engine {
  readonly target = 'duckdb' as const;
  readonly schema = 'main';
  private queue: Promise<unknown> = Promise.resolve();
  private inTransaction = false;
  private closed = false;
  /** The columns of each index on a table, by table (cleared by any statement that may change the schema). */
  private readonly indexed = new Map<string, string[][]>();

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly version: string,
  ) {}

  static async open(path = ':memory:'): Promise<DuckdbEngine> {
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    // An ASOF join whose left side looks small is run as a nested loop, and
    // inside a transaction that has just (re)loaded a table the estimates are
    // small whatever the data: fitting a latest-value feature in `apply` then
    // took ~40× longer (10 s instead of 0.25 s at 100k events). Always sort-merge.
    await connection.run('SET asof_loop_join_threshold = 0');
    const reader = await connection.runAndReadAll('SELECT version() AS v');
    return new DuckdbEngine(path, instance, connection, String(reader.getColumns()[0]?.[0]));
  }

  /** The underlying connection (for diagnostics; prefer the Engine methods). */
  get handle(): DuckDBConnection {
    if (this.closed) throw new Error('the DuckDB engine is closed');
    return this.connection;
  }

  /** Runs `job` after every call queued before it. */
  private serial<T>(job: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => job(this.handle));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async createTable(name: string, columns: readonly ColumnInfo[], options: { readonly temporary?: boolean } = {}): Promise<void> {
    this.indexed.delete(name.toLowerCase());
    const defs = columns.map((c) => `${quoteIdentifier(c.name)} ${duckdbTypes[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
    await this.serial((c) => c.run(`CREATE ${options.temporary ? 'TEMP ' : ''}TABLE ${quoteIdentifier(name)} (${defs.join(', ')})`));
  }

  async addColumn(table: string, column: ColumnInfo): Promise<void> {
    await this.serial((c) => c.run(`ALTER TABLE main.${quoteIdentifier(table)} ADD COLUMN ${quoteIdentifier(column.name)} ${duckdbTypes[column.type]}`));
  }

  async insertRows(name: string, columns: readonly ColumnInfo[], rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    if (columns.length === 0) throw new Error('insertRows needs at least one column');
    // Check every value before anything is appended, so a bad row stores nothing.
    const values: Value[][] = columns.map(() => new Array<Value>(rows.length));
    for (let j = 0; j < columns.length; j++) {
      const name = columns[j]!.name;
      const check = inputChecker(columns[j]!);
      const out = values[j]!;
      for (let r = 0; r < rows.length; r++) out[r] = check(rows[r]![name], r + 1);
    }
    await this.checkIndexKeys(name, columns, values);
    await this.serial(async (c) => {
      const table = await tableColumns(c, name);
      // For each table column, the index of the given column that feeds it (-1: NULL).
      const given = new Map(columns.map((col, j) => [col.name.toLowerCase(), j]));
      for (const col of columns) {
        if (!table.some((t) => t.name.toLowerCase() === col.name.toLowerCase())) throw new Error(`table ${name} has no column ${col.name}`);
      }
      const source = table.map((t) => given.get(t.name.toLowerCase()) ?? -1);
      // Chunks must match the table's types exactly (the appender does not cast them).
      table.forEach((t, k) => {
        const type = columns[source[k]!]?.type;
        if (type !== undefined && t.type.typeId !== nativeTypes[type].typeId) {
          throw new Error(`column ${t.name} of table ${name} is ${t.type.toString()}, but fsql stores ${type} as ${duckdbTypes[type]}`);
        }
      });
      const own = !this.inTransaction;
      if (own) await c.run('BEGIN TRANSACTION');
      let appender: DuckDBAppender | undefined;
      try {
        appender = await c.createAppender(name);
        const size = DuckDBVector.standardSize();
        const writers = table.map((_, k) => (source[k]! < 0 ? undefined : columnWriter(columns[source[k]!]!.type, size)));
        const types = table.map((t) => t.type);
        for (let start = 0; start < rows.length; start += size) {
          const count = Math.min(size, rows.length - start);
          const chunk = DuckDBDataChunk.create(types, count);
          for (let t = 0; t < table.length; t++) {
            const vector = bindings.data_chunk_get_vector(chunk.chunk, t);
            const j = source[t]!;
            const write = writers[t];
            if (write) write(vector, values[j]!, start, count);
            else writeAllNull(vector, count);
          }
          appender.appendDataChunk(chunk);
        }
        appender.closeSync();
        appender = undefined;
        if (own) await c.run('COMMIT');
      } catch (e) {
        try {
          appender?.closeSync();
        } catch {
          // the appender's own error is the one to report
        }
        if (own) await c.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * Creates the index — unless a row's key is longer than the ART index
   * holds (a 20 MB key value): then the table is left without it (queries
   * scan; every value stays readable, as on SQLite), rather than failing the
   * transaction at commit.
   */
  async createIndex(table: string, columns: readonly string[]): Promise<void> {
    const cols = columns.map(quoteIdentifier).join(', ');
    this.indexed.delete(table.toLowerCase());
    await this.serial(async (c) => {
      const types = await tableColumns(c, table);
      const text = columns.filter((col) => types.find((t) => t.name.toLowerCase() === col.toLowerCase())?.type.typeId === DuckDBTypeId.VARCHAR);
      if (text.length > 0) {
        const longest = await c.runAndReadAll(`SELECT coalesce(max(${text.map((col) => `coalesce(strlen(${quoteIdentifier(col)}), 0) + 1`).join(' + ')}), 0) FROM ${quoteIdentifier(table)}`);
        if (Number(longest.getRows()[0]![0]) + 9 * (columns.length - text.length) > ART_MAX_KEY_BYTES) return;
      }
      await c.run(`CREATE INDEX IF NOT EXISTS ${quoteIdentifier(indexName(table, columns))} ON ${quoteIdentifier(table)} (${cols})`);
    });
  }

  /** The columns of every index on a main-schema table (DuckDB lists them as `[a, b]`). */
  private async indexesOf(table: string): Promise<string[][]> {
    const cached = this.indexed.get(table.toLowerCase());
    if (cached) return cached;
    const reader = await this.serial((c) => c.runAndReadAll(`SELECT expressions FROM duckdb_indexes() WHERE schema_name = 'main' AND lower(table_name) = lower(${quoteString(table)})`));
    const out = reader.getRows().map(([e]) =>
      String(e)
        .replace(/^\[|\]$/g, '')
        .split(', ')
        .map((x) => x.replace(/^"|"$/g, '').replaceAll('""', '"')),
    );
    this.indexed.set(table.toLowerCase(), out);
    return out;
  }

  /** A row whose key in an index of the table is longer than the index holds: BadRowError, before anything is stored. */
  private async checkIndexKeys(table: string, columns: readonly ColumnInfo[], values: readonly Value[][]): Promise<void> {
    // Only a long string can make a long key: most batches have none (a UTF-16 unit is at most 3 UTF-8 bytes).
    const long = values.some((col) => col.some((v) => typeof v === 'string' && v.length * 3 + 1 > ART_MAX_KEY_BYTES / columns.length));
    if (!long) return;
    const at = new Map(columns.map((col, j) => [col.name.toLowerCase(), j]));
    for (const index of await this.indexesOf(table)) {
      const js = index.map((name) => at.get(name.toLowerCase()));
      for (let r = 0; r < (values[0]?.length ?? 0); r++) {
        const size = js.reduce<number>((n, j) => n + (j === undefined ? 1 : keyBytes(values[j]![r])), 0);
        if (size > ART_MAX_KEY_BYTES) {
          const widest = js.filter((j): j is number => j !== undefined).sort((a, b) => keyBytes(values[b]![r]) - keyBytes(values[a]![r]))[0]!;
          throw new BadRowError(
            r + 1,
            columns[widest]!.name,
            `a key of ${size.toLocaleString('en-US')} bytes: DuckDB's index on ${table} (${index.join(', ')}) holds keys of at most ${ART_MAX_KEY_BYTES.toLocaleString('en-US')} bytes`,
          );
        }
      }
    }
  }

  readParquetSql(path: string): string {
    return `read_parquet(${quoteString(path)})`;
  }

  async execute(sql: string): Promise<void> {
    this.indexed.clear();
    await this.serial((c) => c.run(sql));
  }

  async query(sql: string, columns?: readonly QueryColumn[]): Promise<Row[]> {
    const reader = await this.serial((c) => c.runAndReadAll(sql));
    const names = reader.columnNames();
    const expected = new Map((columns ?? []).map((c) => [c.name, c.type]));
    const convert = rowConverter(names, columns);
    const data = reader.getColumns();
    const n = reader.currentRowCount;
    const out: Row[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = {};
    for (let j = 0; j < names.length; j++) {
      const name = names[j]!;
      const type = expected.get(name);
      const column = data[j]!;
      const f = convert[j]!;
      for (let i = 0; i < n; i++) out[i]![name] = f(plain(column[i]!, type));
    }
    return out;
  }

  async queryValues(sql: string, columns: readonly QueryColumn[], parameters?: Readonly<Record<string, Value>>): Promise<Value[][]> {
    if (parameters !== undefined) throw new Error('the DuckDB engine binds no parameters: print the plan with literals');
    return this.serial(async (c) => {
      const result = await c.run(sql);
      const names = result.columnNames();
      const convert = rowConverter(names, columns);
      // Like a row object: the last column of a name wins.
      const at = columns.map((col) => names.lastIndexOf(col.name));
      const typeIds = at.map((k) => result.columnTypeId(k));
      const n = columns.length;
      const out: Value[][] = [];
      const chunks = result.chunkCount;
      for (let ci = 0; ci < chunks; ci++) {
        const chunk = result.getChunk(ci);
        const count = chunk.rowCount;
        const base = out.length;
        for (let r = 0; r < count; r++) out.push(new Array<Value>(n));
        for (let j = 0; j < n; j++) {
          const k = at[j]!;
          readColumn(bindings.data_chunk_get_vector(chunk.chunk, k), typeIds[j]!, count, columns[j]!.type, convert[k]!, out, base, j);
        }
      }
      return out;
    });
  }

  async queryBatches(sql: string, columns: readonly QueryColumn[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows = 8192): Promise<number> {
    return this.serial(async (c) => {
      // A streaming result: DuckDB computes chunks as they are fetched.
      const result = await c.stream(sql);
      const names = result.columnNames();
      const convert = rowConverter(names, columns);
      const at = columns.map((col) => names.lastIndexOf(col.name));
      const typeIds = at.map((k) => result.columnTypeId(k));
      const n = columns.length;
      let out: Value[][] = [];
      let total = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        const count = chunk.rowCount;
        const base = out.length;
        for (let r = 0; r < count; r++) out.push(new Array<Value>(n));
        for (let j = 0; j < n; j++) {
          const k = at[j]!;
          readColumn(bindings.data_chunk_get_vector(chunk.chunk, k), typeIds[j]!, count, columns[j]!.type, convert[k]!, out, base, j);
        }
        if (out.length >= batchRows) {
          total += out.length;
          const full = out;
          out = [];
          await onBatch(full);
        }
      }
      if (out.length > 0) {
        total += out.length;
        await onBatch(out);
      }
      return total;
    });
  }

  async transaction<T>(fn: (engine: this) => Promise<T> | T): Promise<T> {
    if (this.inTransaction) return fn(this); // DuckDB has no savepoints: join the outer transaction
    await this.serial((c) => c.run('BEGIN TRANSACTION'));
    this.inTransaction = true;
    try {
      const result = await fn(this);
      this.inTransaction = false;
      await this.serial((c) => c.run('COMMIT'));
      return result;
    } catch (e) {
      if (this.inTransaction) {
        this.inTransaction = false;
        await this.serial((c) => c.run('ROLLBACK')).catch(() => undefined);
      }
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Writes `count` canonical values from `values[start…]` into a chunk vector of the column's native type. */
type ColumnWriter = (vector: bindings.Vector, values: readonly Value[], start: number, count: number) => void;

if (endianness() !== 'LE') throw new Error('the DuckDB engine writes vectors little-endian');

/**
 * Fills chunk vectors straight from typed arrays: one copy per column per
 * chunk, one call per string, no per-value objects or bigints (the generic
 * DuckDBVector.setItem allocates several bigints per value for validity alone).
 */
function columnWriter(type: ScalarType, size: number): ColumnWriter {
  const validity = new Uint32Array(Math.ceil(size / 64) * 2);
  /** Marks the NULLs of the chunk; true when there were any. */
  const nulls = (values: readonly Value[], start: number, count: number): boolean => {
    let any = false;
    for (let i = 0; i < count; i++) {
      if (values[start + i] === null) {
        if (!any) {
          validity.fill(0xffffffff);
          any = true;
        }
        validity[i >>> 5]! &= ~(1 << (i & 31));
      }
    }
    return any;
  };
  const flushValidity = (vector: bindings.Vector, count: number) => {
    bindings.vector_ensure_validity_writable(vector);
    bindings.copy_data_to_vector_validity(vector, 0, validity.buffer, 0, Math.ceil(count / 64) * 8);
  };
  const fixed = (width: number, write: (values: readonly Value[], start: number, count: number) => void, buffer: ArrayBufferLike): ColumnWriter => {
    return (vector, values, start, count) => {
      write(values, start, count);
      bindings.copy_data_to_vector(vector, 0, buffer as ArrayBuffer, 0, count * width);
      if (nulls(values, start, count)) flushValidity(vector, count);
    };
  };
  switch (type) {
    case 'INTEGER':
    case 'TIMESTAMP': {
      // int64 as two 32-bit halves, so that no bigint is made per value.
      const words = new Int32Array(size * 2);
      return fixed(
        8,
        (values, start, count) => {
          for (let i = 0; i < count; i++) {
            const v = values[start + i];
            if (v === null) continue;
            const hi = Math.floor((v as number) / 4_294_967_296);
            words[2 * i] = (v as number) - hi * 4_294_967_296; // low word, stored as its two's-complement bits
            words[2 * i + 1] = hi;
          }
        },
        words.buffer,
      );
    }
    case 'DOUBLE': {
      const doubles = new Float64Array(size);
      return fixed(
        8,
        (values, start, count) => {
          for (let i = 0; i < count; i++) doubles[i] = (values[start + i] as number | null) ?? 0;
        },
        doubles.buffer,
      );
    }
    case 'DATE': {
      const days = new Int32Array(size);
      return fixed(
        4,
        (values, start, count) => {
          for (let i = 0; i < count; i++) days[i] = (values[start + i] as number | null) ?? 0;
        },
        days.buffer,
      );
    }
    case 'BOOLEAN': {
      if (bindings.sizeof_bool !== 1) throw new Error('the DuckDB engine expects one-byte booleans');
      const bytes = new Uint8Array(size);
      return fixed(
        1,
        (values, start, count) => {
          for (let i = 0; i < count; i++) bytes[i] = values[start + i] ? 1 : 0;
        },
        bytes.buffer,
      );
    }
    case 'TEXT':
      return (vector, values, start, count) => {
        for (let i = 0; i < count; i++) {
          const v = values[start + i];
          if (v !== null) bindings.vector_assign_string_element(vector, i, v as string);
        }
        if (nulls(values, start, count)) flushValidity(vector, count);
      };
  }
}

function writeAllNull(vector: bindings.Vector, count: number): void {
  const validity = new Uint8Array(Math.ceil(count / 64) * 8); // all bits 0: all NULL
  bindings.vector_ensure_validity_writable(vector);
  bindings.copy_data_to_vector_validity(vector, 0, validity.buffer, 0, validity.byteLength);
}

/** A table's columns, in order, with their native types. */
async function tableColumns(c: DuckDBConnection, table: string): Promise<{ name: string; type: DuckDBType }[]> {
  const reader = await c.runAndReadAll(`SELECT * FROM ${quoteIdentifier(table)} LIMIT 0`);
  return reader.columnNames().map((name, i) => ({ name, type: reader.columnType(i) }));
}

/**
 * Reduces a DuckDB value to a number, bigint, string, boolean or null. Dates
 * become epoch days and timestamps epoch microseconds — or the other one when
 * the caller expects it.
 */
function plain(v: DuckDBValue, expected: ScalarType | undefined): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof DuckDBDateValue) return expected === 'TIMESTAMP' ? v.days * MICROS_PER_DAY : v.days;
  let micros: bigint | undefined;
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) micros = v.micros;
  else if (v instanceof DuckDBTimestampSecondsValue) micros = v.seconds * 1_000_000n;
  else if (v instanceof DuckDBTimestampMillisecondsValue) micros = v.millis * 1_000n;
  else if (v instanceof DuckDBTimestampNanosecondsValue) micros = v.nanos / 1_000n - (v.nanos % 1_000n < 0n ? 1n : 0n);
  if (micros !== undefined) {
    if (expected === 'DATE') {
      const day = BigInt(MICROS_PER_DAY);
      return micros / day - (micros % day < 0n ? 1n : 0n);
    }
    return micros;
  }
  if (v instanceof DuckDBDecimalValue) {
    if (expected === 'INTEGER' && v.scale === 0) return v.value;
    return v.toDouble();
  }
  return v.toString();
}

const utf8 = new TextDecoder();

/**
 * Reads `count` values of a result vector into `rows[base + i][j]`. The
 * common (type, expected type) pairs are read straight from the vector's
 * memory — no DuckDBValue objects, no bigints, no per-value validity check
 * with bigint arithmetic; anything else goes the general way (plain → convert).
 */
function readColumn(vector: bindings.Vector, typeId: DuckDBTypeId, count: number, expected: ScalarType, convert: (v: unknown) => Value, rows: Value[][], base: number, j: number): void {
  const validity = bindings.vector_get_validity(vector, Math.ceil(count / 64) * 8) as Uint8Array | null;
  const valid = (i: number) => !validity || ((validity[i >> 3]! >> (i & 7)) & 1) === 1;
  const numbers = (bytes: number) => bindings.vector_get_data(vector, count * bytes);
  if ((typeId === DuckDBTypeId.BIGINT && expected === 'INTEGER') || (typeId === DuckDBTypeId.TIMESTAMP && expected === 'TIMESTAMP')) {
    const data = numbers(8);
    const words = new Int32Array(data.buffer, data.byteOffset, count * 2);
    for (let i = 0; i < count; i++) {
      if (!valid(i)) {
        rows[base + i]![j] = null;
        continue;
      }
      const hi = words[2 * i + 1]!;
      const lo = words[2 * i]! >>> 0;
      // Exact as a number below 2^53; beyond, the general conversion decides.
      rows[base + i]![j] = hi >= -0x200000 && hi < 0x200000 ? convert(hi * 4294967296 + lo) : convert(new BigInt64Array(data.buffer, data.byteOffset + i * 8, 1)[0]!);
    }
    return;
  }
  if (typeId === DuckDBTypeId.DOUBLE && expected === 'DOUBLE') {
    const data = numbers(8);
    const values = new Float64Array(data.buffer, data.byteOffset, count);
    for (let i = 0; i < count; i++) rows[base + i]![j] = valid(i) ? convert(values[i]!) : null;
    return;
  }
  if ((typeId === DuckDBTypeId.INTEGER && expected === 'INTEGER') || (typeId === DuckDBTypeId.DATE && expected === 'DATE')) {
    const data = numbers(4);
    const values = new Int32Array(data.buffer, data.byteOffset, count);
    for (let i = 0; i < count; i++) rows[base + i]![j] = valid(i) ? convert(values[i]!) : null;
    return;
  }
  if (typeId === DuckDBTypeId.BOOLEAN && expected === 'BOOLEAN') {
    const data = numbers(1);
    for (let i = 0; i < count; i++) rows[base + i]![j] = valid(i) ? data[i] !== 0 : null;
    return;
  }
  if (typeId === DuckDBTypeId.VARCHAR && expected === 'TEXT') {
    // duckdb_string_t: uint32 length, then the bytes inline (≤ 12) or a 4-byte prefix and a pointer.
    const data = numbers(16);
    const view = new DataView(data.buffer, data.byteOffset, count * 16);
    for (let i = 0; i < count; i++) {
      if (!valid(i)) {
        rows[base + i]![j] = null;
        continue;
      }
      const at = i * 16;
      const length = view.getUint32(at, true);
      const bytes = length <= 12 ? data.subarray(at + 4, at + 4 + length) : bindings.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + at + 8, length);
      rows[base + i]![j] = utf8.decode(bytes);
    }
    return;
  }
  const v = DuckDBVector.create(vector, count);
  for (let i = 0; i < count; i++) rows[base + i]![j] = convert(plain(v.getItem(i), expected));
}

export async function openDuckdb(path = ':memory:'): Promise<DuckdbEngine> {
  return DuckdbEngine.open(path);
}
