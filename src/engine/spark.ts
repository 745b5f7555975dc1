/**
 * Apache Spark (4.x; 3.5 should do) as the offline engine, through Spark
 * Connect (`offline.url` = `sc://host:port`) and fsql's own small client
 * (spark/client.ts). One Spark session per engine; calls queued so one
 * statement runs at a time.
 *
 * Storage (the spark dialect's type map): BIGINT, DOUBLE, STRING, BOOLEAN,
 * DATE, TIMESTAMP_NTZ — tables `USING parquet` in a database of fsql's own
 * (`offline.schema`, default `fsql`, created when missing) that the session
 * `USE`s. NOT NULL is checked by fsql on the way in (insertRows), not
 * declared: Spark's file tables do not keep constraints.
 *
 * Per session: `spark.sql.session.timeZone = UTC`, ANSI mode on with
 * `spark.sql.ansi.doubleQuotedIdentifiers` (so `"name"` is a name, as in the
 * runtime's own SQL; the dialect quotes with backticks).
 *
 * What Spark lacks, and how the engine answers (docs/offline-engines.md):
 * - transactions: `transaction(fn)` only runs `fn` — nothing is rolled back
 *   (the backend says `transactionalDdl: false`, and `apply` stages instead);
 * - indexes: `createIndex` does nothing (plans are sort-merge joins and
 *   window sorts);
 * - temporary tables: `createTable(…, { temporary: true })` makes an
 *   ordinary table, dropped when the engine closes if nobody did before;
 * - `insertRows` checks every value first, then appends the rows as one Arrow
 *   `local_relation` per ≤ 64k rows (`write_operation`, INSERT INTO by
 *   position): one Spark job per chunk, atomic per chunk.
 */
import { bigNumToNumber } from 'apache-arrow/util/bn';
import {
  Bool,
  DateDay,
  Float64,
  Int64,
  makeData,
  makeVector,
  Table as ArrowTable,
  tableToIPC,
  TimestampMicrosecond,
  Type,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
  type RecordBatch,
  type Vector,
} from 'apache-arrow';
import type { ColumnInfo, ScalarType } from '../check/catalog.js';
import type { Engine, EngineOptions, TableColumn } from './engine.js';
import { SparkConnectClient, SparkError } from './spark/client.js';
import { inferValue, inputChecker, MICROS_PER_DAY, outputValue, type QueryColumn, type Row, type Value } from './values.js';

export { SparkError };

export const sparkTypes: Readonly<Record<ScalarType, string>> = {
  INTEGER: 'BIGINT',
  DOUBLE: 'DOUBLE',
  TEXT: 'STRING',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP_NTZ',
};

/** The database fsql keeps its tables and views in when fsql.json names none. */
export const DEFAULT_SPARK_SCHEMA = 'fsql';

/** Rows per Arrow upload (one Spark job each). */
const UPLOAD_ROWS = 65_536;

const bq = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** The fsql type a Spark column type reads as exactly (DESCRIBE's spelling); undefined when none does. */
export function fsqlTypeOfSpark(sparkType: string): ScalarType | undefined {
  const t = sparkType.toLowerCase().replace(/\(.*\)/, '').trim();
  if (t === 'bigint' || t === 'int' || t === 'smallint' || t === 'tinyint') return 'INTEGER';
  if (t === 'double' || t === 'float' || t === 'decimal') return 'DOUBLE';
  if (t === 'string' || t === 'varchar' || t === 'char') return 'TEXT';
  if (t === 'boolean') return 'BOOLEAN';
  if (t === 'date') return 'DATE';
  if (t === 'timestamp_ntz') return 'TIMESTAMP';
  return undefined;
}

/**
 * Splits a script into statements at `;` outside quotes and comments (Spark
 * Connect runs one statement per command).
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      i++;
      while (i < n && sql[i] !== ch) i += sql[i] === '\\' && ch !== '`' ? 2 : 1;
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (ch === ';') {
      out.push(sql.slice(start, i));
      start = ++i;
    } else i++;
  }
  out.push(sql.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '' && !/^(--[^\n]*\n?\s*)*$/.test(s));
}

/** A DELETE or UPDATE statement, taken apart (`rowRewrite`). */
export type RowRewrite =
  | { readonly kind: 'delete'; readonly table: string[]; readonly where: string | undefined }
  | { readonly kind: 'update'; readonly table: string[]; readonly set: { column: string; value: string }[]; readonly where: string | undefined };

const NAME = '(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|[A-Za-z_][A-Za-z0-9_]*)';
const TABLE = `(${NAME}(?:\\s*\\.\\s*${NAME})?)`;

/** A quoted or bare name's text. */
function unquote(name: string): string {
  const n = name.trim();
  if (n.startsWith('"')) return n.slice(1, -1).replace(/""/g, '"');
  if (n.startsWith('`')) return n.slice(1, -1).replace(/``/g, '`');
  return n;
}

/** Splits at top-level commas (outside quotes and parentheses). */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      i++;
      while (i < text.length && text[i] !== ch) i += text[i] === '\\' && ch !== '`' ? 2 : 1;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** A `DELETE FROM t [WHERE …]` or `UPDATE t SET a = …[, …] [WHERE …]` statement taken apart; undefined for any other statement. */
export function rowRewrite(statement: string): RowRewrite | undefined {
  const names = (t: string) => (t.match(new RegExp(NAME, 'g')) ?? []).map(unquote);
  const del = new RegExp(`^DELETE\\s+FROM\\s+${TABLE}(?:\\s+WHERE\\s+([\\s\\S]+))?$`, 'i').exec(statement.trim());
  if (del) return { kind: 'delete', table: names(del[1]!), where: del[2] };
  const upd = new RegExp(`^UPDATE\\s+${TABLE}\\s+SET\\s+([\\s\\S]+?)(?:\\s+WHERE\\s+([\\s\\S]+))?$`, 'i').exec(statement.trim());
  if (!upd) return undefined;
  const set: { column: string; value: string }[] = [];
  for (const part of splitTopLevel(upd[2]!)) {
    const m = new RegExp(`^\\s*(${NAME})\\s*=\\s*([\\s\\S]+)$`).exec(part);
    if (!m) return undefined;
    set.push({ column: unquote(m[1]!), value: m[2]!.trim() });
  }
  return { kind: 'update', table: names(upd[1]!), set, where: upd[3] };
}

/** Reads the values of one Arrow column chunk as canonical-ish values (numbers, strings, booleans; days; microseconds). */
function chunkReader(data: Data<DataType>, vector: Vector): (i: number) => unknown {
  const type = data.type;
  const valid = (i: number) => data.nullCount === 0 || data.getValid(i);
  switch (type.typeId) {
    case Type.Int: {
      const values = data.values as ArrayLike<number | bigint>;
      return (i) => (valid(i) ? Number(values[i]!) : null);
    }
    case Type.Float: {
      const values = data.values as Float64Array;
      return (i) => (valid(i) ? values[i]! : null);
    }
    case Type.Date: {
      // DateDay: Int32 days. (DateMillisecond is not what Spark sends.)
      const values = data.values as Int32Array;
      const perDay = (type as unknown as { unit: number }).unit === 0 ? 1 : 86_400_000;
      return (i) => (valid(i) ? Math.floor(Number(values[i]!) / perDay) : null);
    }
    case Type.Timestamp: {
      const values = data.values as BigInt64Array;
      const unit = (type as unknown as { unit: number }).unit; // 0 s, 1 ms, 2 µs, 3 ns
      const scale = [1_000_000n, 1_000n, 1n, 1n][unit]!;
      return (i) => {
        if (!valid(i)) return null;
        const v = values[i]!;
        return Number(unit === 3 ? v / 1000n : v * scale);
      };
    }
    case Type.Decimal: {
      const scale = (type as unknown as { scale: number }).scale;
      return (i) => {
        if (!valid(i)) return null;
        const bn = vector.get(i) as unknown as Parameters<typeof bigNumToNumber>[0];
        return bigNumToNumber(bn, scale);
      };
    }
    default:
      return (i) => {
        const v: unknown = vector.get(i);
        return v === undefined ? null : v;
      };
  }
}

/** The kind of Arrow type a result column has, for DATE ↔ TIMESTAMP conversions. */
function timeKind(type: DataType): 'date' | 'timestamp' | undefined {
  if (type.typeId === Type.Date) return 'date';
  if (type.typeId === Type.Timestamp) return 'timestamp';
  return undefined;
}

/** Converts a record batch's rows to arrays of the canonical values of `columns` (all of the batch's columns when none). */
function batchRows(batch: RecordBatch, columns: readonly QueryColumn[] | undefined, all: boolean): { names: string[]; rows: Value[][] } {
  const names = batch.schema.fields.map((f) => f.name);
  for (const c of columns ?? []) {
    if (!names.includes(c.name)) throw new Error(`the query result has no column ${c.name} (it has ${names.join(', ') || 'none'})`);
  }
  const typed = new Map((columns ?? []).map((c) => [c.name, c.type]));
  const wanted: { name: string; type: ScalarType | undefined }[] = all || columns === undefined ? names.map((name) => ({ name, type: typed.get(name) })) : [...columns];
  const readers = wanted.map((c) => {
    const at = names.lastIndexOf(c.name);
    const vector = batch.getChildAt(at)!;
    const chunk = vector.data[0]!;
    const read = chunkReader(chunk, vector);
    const kind = timeKind(chunk.type);
    const type = c.type;
    if (type === undefined) return (i: number) => inferValue(read(i));
    if (type === 'TIMESTAMP' && kind === 'date') return (i: number) => {
      const v = read(i);
      return v === null ? null : (v as number) * MICROS_PER_DAY;
    };
    if (type === 'DATE' && kind === 'timestamp') return (i: number) => {
      const v = read(i);
      return v === null ? null : Math.floor((v as number) / MICROS_PER_DAY);
    };
    return (i: number) => outputValue(read(i), type, c.name);
  });
  const rows: Value[][] = new Array(batch.numRows);
  const n = readers.length;
  for (let r = 0; r < batch.numRows; r++) {
    const row: Value[] = new Array(n);
    for (let j = 0; j < n; j++) row[j] = readers[j]!(r);
    rows[r] = row;
  }
  return { names: wanted.map((c) => c.name), rows };
}

/** A null bitmap (Arrow's, LSB first) for values; undefined when none is null. */
function nullBitmap(values: readonly Value[]): { bitmap: Uint8Array | undefined; nulls: number } {
  let nulls = 0;
  for (const v of values) if (v === null) nulls++;
  if (nulls === 0) return { bitmap: undefined, nulls };
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  for (let i = 0; i < values.length; i++) if (values[i] !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nulls };
}

/** One column of canonical values as an Arrow vector of the Spark storage type of `type`. */
function arrowColumn(type: ScalarType, values: readonly Value[]): Vector {
  const length = values.length;
  switch (type) {
    case 'INTEGER':
    case 'TIMESTAMP': {
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) if (values[i] !== null) data[i] = BigInt(values[i] as number);
      const { bitmap, nulls } = nullBitmap(values);
      const arrowType = type === 'INTEGER' ? new Int64() : new TimestampMicrosecond();
      return makeVector(makeData({ type: arrowType as Int64, length, nullCount: nulls, nullBitmap: bitmap, data: data as unknown as Int32Array }));
    }
    case 'DOUBLE': {
      const data = new Float64Array(length);
      for (let i = 0; i < length; i++) if (values[i] !== null) data[i] = values[i] as number;
      const { bitmap, nulls } = nullBitmap(values);
      return makeVector(makeData({ type: new Float64(), length, nullCount: nulls, nullBitmap: bitmap, data }));
    }
    case 'DATE': {
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++) if (values[i] !== null) data[i] = values[i] as number;
      const { bitmap, nulls } = nullBitmap(values);
      return makeVector(makeData({ type: new DateDay(), length, nullCount: nulls, nullBitmap: bitmap, data }));
    }
    case 'TEXT':
      return vectorFromArray(values as (string | null)[], new Utf8());
    case 'BOOLEAN':
      return vectorFromArray(values as (boolean | null)[], new Bool());
  }
}

export class SparkEngine implements Engine {
  readonly target = 'spark' as const;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Column lists of the tables this engine created (INSERT INTO by position needs the table's order). */
  private readonly layouts = new Map<string, readonly ColumnInfo[]>();
  private readonly temporary = new Set<string>();

  private constructor(
    readonly location: string,
    private readonly client: SparkConnectClient,
    readonly version: string,
    readonly schema: string,
  ) {}

  static async open(url: string, options: EngineOptions = {}): Promise<SparkEngine> {
    const schema = options.schema ?? DEFAULT_SPARK_SCHEMA;
    const client = new SparkConnectClient(url);
    try {
      await client.connect();
      for (const setting of ['spark.sql.session.timeZone=UTC', 'spark.sql.ansi.enabled=true', 'spark.sql.ansi.doubleQuotedIdentifiers=true']) await client.sql(`SET ${setting}`);
      let version = '';
      await client.query('SELECT version() AS v', (b) => {
        version = String(b.getChildAt(0)?.get(0) ?? '').split(' ')[0]!;
      });
      await client.sql(`CREATE DATABASE IF NOT EXISTS ${bq(schema)}`);
      await client.sql(`USE ${bq(schema)}`);
      return new SparkEngine(url, client, version, schema);
    } catch (e) {
      await client.close().catch(() => undefined);
      throw e;
    }
  }

  private serial<T>(job: (c: SparkConnectClient) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new Error('the Spark engine is closed');
      return job(this.client);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private own(name: string): string {
    return `${bq(this.schema)}.${bq(name)}`;
  }

  async createTable(name: string, columns: readonly ColumnInfo[], options: { readonly temporary?: boolean } = {}): Promise<void> {
    const defs = columns.map((c) => `${bq(c.name)} ${sparkTypes[c.type]}`);
    await this.serial((c) => c.sql(`CREATE TABLE ${this.own(name)} (${defs.join(', ')}) USING parquet`));
    this.layouts.set(name.toLowerCase(), columns);
    if (options.temporary) this.temporary.add(name);
  }

  async addColumn(table: string, column: ColumnInfo): Promise<void> {
    await this.serial((c) => c.sql(`ALTER TABLE ${this.own(table)} ADD COLUMNS (${bq(column.name)} ${sparkTypes[column.type]})`));
    const layout = this.layouts.get(table.toLowerCase());
    if (layout) this.layouts.set(table.toLowerCase(), [...layout, { ...column, nullable: true }]);
  }

  /** The table's columns in order: as created here, else as the server describes them. */
  private async layout(name: string): Promise<readonly ColumnInfo[]> {
    const known = this.layouts.get(name.toLowerCase());
    if (known) return known;
    const found = await this.tableColumns([this.schema, name]);
    if (!found) throw new SparkError(`[TABLE_OR_VIEW_NOT_FOUND] The table ${this.schema}.${name} cannot be found.`);
    const layout = found.map((c) => ({ name: c.name, type: c.type ?? 'TEXT', nullable: true }));
    this.layouts.set(name.toLowerCase(), layout);
    return layout;
  }

  async insertRows(name: string, columns: readonly ColumnInfo[], rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    if (columns.length === 0) throw new Error('insertRows needs at least one column');
    // Every value is checked before any is sent: a bad row stores nothing.
    const checked = new Map<string, Value[]>();
    for (const col of columns) {
      const check = inputChecker(col);
      const out: Value[] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) out[r] = check(rows[r]![col.name], r + 1);
      checked.set(col.name, out);
    }
    const layout = await this.layout(name);
    const missing = columns.filter((c) => !layout.some((l) => l.name === c.name));
    if (missing.length > 0) throw new Error(`table ${name} has no column ${missing[0]!.name}`);
    for (let start = 0; start < rows.length; start += UPLOAD_ROWS) {
      const end = Math.min(rows.length, start + UPLOAD_ROWS);
      const vectors: Record<string, Vector> = {};
      for (const l of layout) {
        const values = checked.get(l.name)?.slice(start, end) ?? new Array<Value>(end - start).fill(null);
        vectors[l.name] = arrowColumn(l.type, values);
      }
      const ipc = tableToIPC(new ArrowTable(vectors), 'stream');
      await this.serial((c) => c.appendArrow(this.own(name), ipc));
    }
  }

  /** Spark has no indexes: plans are sort-merge joins and window sorts. */
  async createIndex(): Promise<void> {}

  async execute(sql: string): Promise<void> {
    for (const statement of splitStatements(sql)) {
      const rewrite = rowRewrite(statement);
      if (rewrite) await this.rewriteRows(rewrite);
      else await this.serial((c) => c.sql(statement));
    }
  }

  /**
   * `DELETE FROM t [WHERE c]` and `UPDATE t SET a = x, … WHERE c` on a table
   * that has no row-level changes (Spark's file tables: fsql's bookkeeping
   * tables, a stream's idempotency keys): the table is rewritten — its rows
   * with the change applied written to a new table (`CREATE TABLE … AS
   * SELECT`), which replaces it. Meant for small tables; not atomic.
   */
  private async rewriteRows(r: RowRewrite): Promise<void> {
    const columns = await this.tableColumns(r.table);
    if (!columns) throw new SparkError(`[TABLE_OR_VIEW_NOT_FOUND] The table or view ${r.table.join('.')} cannot be found.`, 'TABLE_OR_VIEW_NOT_FOUND');
    const ref = r.table.map(bq).join('.');
    const last = r.table[r.table.length - 1]!;
    const scratch = [...r.table.slice(0, -1), `${last}__fsql_rewrite`].map(bq).join('.');
    const hit = r.where === undefined ? 'TRUE' : `COALESCE((${r.where}), FALSE)`;
    if (r.kind === 'delete' && r.where === undefined) {
      await this.serial((c) => c.sql(`TRUNCATE TABLE ${ref}`));
      return;
    }
    const select =
      r.kind === 'delete'
        ? `SELECT * FROM ${ref} WHERE NOT ${hit}`
        : `SELECT ${columns
            .map((col) => {
              const set = r.set.find((a) => a.column.toLowerCase() === col.name.toLowerCase());
              return set === undefined ? bq(col.name) : `CAST(CASE WHEN ${hit} THEN (${set.value}) ELSE ${bq(col.name)} END AS ${col.engineType}) AS ${bq(col.name)}`;
            })
            .join(', ')} FROM ${ref}`;
    await this.serial(async (c) => {
      await c.sql(`DROP TABLE IF EXISTS ${scratch}`);
      await c.sql(`CREATE TABLE ${scratch} USING parquet AS ${select}`);
      await c.sql(`DROP TABLE ${ref}`);
      await c.sql(`ALTER TABLE ${scratch} RENAME TO ${ref}`);
    });
  }

  private async collect(sql: string, columns: readonly QueryColumn[] | undefined, all: boolean, onRows: (names: string[], rows: Value[][]) => Promise<void> | void): Promise<void> {
    await this.serial((c) =>
      c.query(sql, async (batch) => {
        const { names, rows } = batchRows(batch, columns, all);
        await onRows(names, rows);
      }),
    );
  }

  async query(sql: string, columns?: readonly QueryColumn[]): Promise<Row[]> {
    const out: Row[] = [];
    await this.collect(sql, columns, true, (names, rows) => {
      for (const values of rows) {
        const row: Row = {};
        for (let j = 0; j < names.length; j++) row[names[j]!] = values[j]!;
        out.push(row);
      }
    });
    return out;
  }

  async queryValues(sql: string, columns: readonly QueryColumn[], parameters?: Readonly<Record<string, Value>>): Promise<Value[][]> {
    if (parameters !== undefined && Object.keys(parameters).length > 0) throw new Error('the spark engine takes no named parameters (its dialect has no namedParameters)');
    const out: Value[][] = [];
    await this.collect(sql, columns, false, (_names, rows) => {
      for (const r of rows) out.push(r);
    });
    return out;
  }

  async queryBatches(sql: string, columns: readonly QueryColumn[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows = 8192): Promise<number> {
    let total = 0;
    let held: Value[][] = [];
    await this.collect(sql, columns, false, async (_names, rows) => {
      for (const r of rows) held.push(r);
      total += rows.length;
      if (held.length >= batchRows) {
        const out = held;
        held = [];
        await onBatch(out);
      }
    });
    if (held.length > 0) await onBatch(held);
    return total;
  }

  /** Spark has no transactions: `fn` runs, and what it did stays done when it throws. */
  async transaction<T>(fn: (engine: this) => Promise<T> | T): Promise<T> {
    return fn(this);
  }

  async tableColumns(name: readonly string[]): Promise<readonly TableColumn[] | undefined> {
    const ref = name.map(bq).join('.');
    const rows: { name: string; type: string }[] = [];
    try {
      await this.serial((c) =>
        c.query(`DESCRIBE TABLE ${ref}`, (b) => {
          const cn = b.getChild('col_name')!;
          const ct = b.getChild('data_type')!;
          for (let i = 0; i < b.numRows; i++) rows.push({ name: String(cn.get(i)), type: String(ct.get(i)) });
        }),
      );
    } catch (e) {
      if (e instanceof SparkError && e.errorClass === 'TABLE_OR_VIEW_NOT_FOUND') return undefined;
      throw e;
    }
    // DESCRIBE lists partition columns again after a `# …` line.
    const end = rows.findIndex((r) => r.name.startsWith('#') || r.name === '');
    return (end < 0 ? rows : rows.slice(0, end)).map((r) => ({ name: r.name, engineType: r.type, type: fsqlTypeOfSpark(r.type) }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    for (const t of this.temporary) await this.client.sql(`DROP TABLE IF EXISTS ${this.own(t)}`).catch(() => undefined);
    this.closed = true;
    await this.client.close().catch(() => undefined);
  }
}

export async function openSpark(url: string, options: EngineOptions = {}): Promise<SparkEngine> {
  return SparkEngine.open(url, options);
}
