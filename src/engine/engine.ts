/**
 * An offline engine (embedded, or a server) that runs the SQL fsql
 * generates. Every value that crosses this interface is in the canonical representation of values.ts
 * (TIMESTAMP = epoch microseconds, DATE = epoch days, BOOLEAN = boolean …),
 * whatever the engine stores underneath.
 */
import type { ColumnInfo, ScalarType } from '../check/catalog.js';
import type { TargetName } from '../sql/dialect.js';
import type { QueryColumn, Row, Value } from './values.js';

export type { QueryColumn, Row, Value };
export { BadRowError, ValueConversionError } from './values.js';

/** A query's result: column names and rows of canonical values. */
export interface Table {
  readonly columns: string[];
  readonly rows: Value[][];
}

/** The targets that run as an offline engine: embedded (SQLite, DuckDB) or a server (PostgreSQL, MySQL, Spark through Spark Connect). */
export type EngineTarget = Extract<TargetName, 'sqlite' | 'duckdb' | 'postgres' | 'mysql' | 'spark'>;

/** The embedded engines: opened on a file or in memory, in this process (what `npm test` runs every engine test on). */
export const engineTargets: readonly EngineTarget[] = ['sqlite', 'duckdb'];

/** Every offline engine fsql.json may name (`offline.engine`) and `--engine` accepts: the embedded ones and the servers. */
export const offlineTargets: readonly EngineTarget[] = ['sqlite', 'duckdb', 'postgres', 'mysql', 'spark'];

export interface Engine {
  readonly target: EngineTarget;
  /** The engine's own version string (e.g. `3.53.2`, `v1.4.4`, `15.18`). */
  readonly version: string;
  /**
   * The schema holding fsql's own tables and views, which unqualified names
   * find first: `main` on SQLite and DuckDB, fsql.json's `offline.schema`
   * (default `fsql`) on PostgreSQL.
   */
  readonly schema: string;
  /**
   * Creates a table with the engine's storage type for each column; NOT NULL
   * for non-nullable columns. `temporary`: a table of this connection only,
   * gone when it closes (an ad-hoc spine's rows), which the unqualified name
   * finds before a table of the main database.
   */
  createTable(name: string, columns: readonly ColumnInfo[], options?: { readonly temporary?: boolean }): Promise<void>;
  /**
   * Appends rows, atomically: every value is checked against its column first
   * (a bad one throws BadRowError naming the 1-based row and the reason) and
   * either all rows are stored or none. A row's missing property reads as
   * NULL; `columns` may be a subset of the table's columns, in any order.
   */
  insertRows(name: string, columns: readonly ColumnInfo[], rows: readonly Row[]): Promise<void>;
  /** Adds a nullable column (the engine's storage type for its type) to a table of the main database. */
  addColumn(table: string, column: ColumnInfo): Promise<void>;
  /** Creates an index on the columns (if no such index exists yet). */
  createIndex(table: string, columns: readonly string[]): Promise<void>;
  /** Runs one or more statements, discarding any result. */
  execute(sql: string): Promise<void>;
  /**
   * Runs a query and returns its rows. With `columns`, each listed column is
   * converted to the canonical representation of its type (and must be in the
   * result); other columns are converted as far as their values say.
   */
  query(sql: string, columns?: readonly QueryColumn[]): Promise<Row[]>;
  /**
   * Runs a query and returns its rows as arrays of the canonical values of
   * `columns`, in that order (each must be in the result). For large results:
   * no object per row, and the engine's own row arrays are reused when it can.
   * `parameters`: values (canonical) for the query's `@name` parameters, on an
   * engine whose dialect has `namedParameters`; the prepared statement is kept
   * for the next call with the same text.
   */
  queryValues(sql: string, columns: readonly QueryColumn[], parameters?: Readonly<Record<string, Value>>): Promise<Value[][]>;
  /**
   * Runs a query and hands its rows on in batches (arrays of the canonical
   * values of `columns`, as `queryValues` gives them) of at most about
   * `batchRows` rows, awaiting `onBatch` before reading on: a result larger
   * than memory streams through. The connection is busy until it resolves:
   * the caller makes sure nothing else uses the engine meanwhile
   * (`Workspace.exclusive`). An error thrown by `onBatch` stops the query and
   * is rethrown. Resolves to the number of rows.
   */
  queryBatches(sql: string, columns: readonly QueryColumn[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows?: number): Promise<number>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when
   * it throws (the error is rethrown). Calls on this engine made meanwhile —
   * from `fn` or not — are part of the transaction. SQLite nests with
   * savepoints; DuckDB has none, so a nested call joins the outer transaction.
   */
  transaction<T>(fn: (engine: this) => Promise<T> | T): Promise<T>;
  /**
   * Optional: the columns of an existing table or view (`name` schema-qualified
   * or not) with the engine's type and the fsql type its values read as
   * (undefined when none: a `timestamptz`, a `json`), or undefined when there
   * is no such table. `apply` checks a TABLE source read in place against its
   * declared columns with it.
   */
  tableColumns?(name: readonly string[]): Promise<readonly TableColumn[] | undefined>;
  /**
   * The table expression that reads a Parquet file in place (DuckDB:
   * `read_parquet('/abs/path')`), for an engine whose capabilities say
   * `readsFilesInPlace`; the select list over it comes from
   * store/files/parquet.ts (`checkParquetInPlace`).
   */
  readParquetSql?(path: string): string;
  /**
   * insertRows given the values column by column (`values[j][r]`, `count` rows),
   * for a bulk load without a row object per row (SQLite); the same checks.
   */
  insertColumns?(name: string, columns: readonly ColumnInfo[], values: readonly (readonly Value[])[], count: number): Promise<void>;
  /** Releases the engine; later calls throw. Closing twice is harmless. */
  close(): Promise<void>;
}

/** A column of a table the engine already has (`Engine.tableColumns`). */
export interface TableColumn {
  readonly name: string;
  /** The engine's name of its type (`bigint`, `character varying`, `timestamp with time zone`). */
  readonly engineType: string;
  /** The fsql type its values read as exactly; undefined when none does. */
  readonly type: ScalarType | undefined;
}

/** How an engine is opened. */
export interface EngineOptions {
  /**
   * Longest wait, in ms, for another process's write transaction on the same
   * database file before a transaction gives up with EngineBusyError
   * (SQLite; a DuckDB file is opened by one process at a time). Default 60 000.
   */
  readonly busyTimeoutMs?: number;
  /** A server engine's schema for fsql's own tables and views (`Engine.schema`); created when missing. */
  readonly schema?: string;
}

/** Another process held the database's write lock for longer than the busy timeout. */
export class EngineBusyError extends Error {
  readonly code = 'busy';
  constructor(
    readonly path: string,
    readonly waitedMs: number,
  ) {
    super(`${path}: another process held the write lock for more than ${waitedMs} ms`);
    this.name = 'EngineBusyError';
  }
}

/** Double-quoted identifier with `""` escaping, as SQLite and DuckDB read it. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quoted string literal with `''` escaping, as SQLite and DuckDB read it (neither treats `\\` as an escape). */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The name fsql gives the index on `columns` of `table`. */
export function indexName(table: string, columns: readonly string[]): string {
  return `${table}__${columns.join('__')}__idx`;
}

/** A URL with its password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
