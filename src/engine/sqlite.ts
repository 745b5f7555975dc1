/**
 * SQLite through better-sqlite3 (synchronous underneath; wrapped in promises).
 *
 * Storage, which the SQLite dialect's SQL relies on: INTEGER → INTEGER,
 * DOUBLE → REAL, TEXT → TEXT, BOOLEAN → INTEGER 0/1, DATE → INTEGER epoch
 * days, TIMESTAMP → INTEGER epoch microseconds.
 */
import Database from 'better-sqlite3';
import type { ColumnInfo, ScalarType } from '../check/catalog.js';
import { EngineBusyError, indexName, quoteIdentifier, type Engine, type EngineOptions } from './engine.js';
import { inputChecker, rowConverter, type QueryColumn, type Row, type Value } from './values.js';

export const sqliteTypes: Readonly<Record<ScalarType, string>> = {
  INTEGER: 'INTEGER',
  DOUBLE: 'REAL',
  TEXT: 'TEXT',
  BOOLEAN: 'INTEGER',
  DATE: 'INTEGER',
  TIMESTAMP: 'INTEGER',
};

type SqlArg = number | bigint | string | Buffer | null;

/** A math function's argument as SQLite's own math functions read it: numbers, numeric text; else NULL. */
function numeric(x: SqlArg): number | bigint | null {
  if (typeof x === 'number' || typeof x === 'bigint') return x;
  if (typeof x === 'string') {
    const t = x.trim();
    if (t !== '' && Number.isFinite(Number(t))) return /^[+-]?\d+$/.test(t) ? BigInt(t) : Number(t);
  }
  return null;
}

/**
 * JS versions of the SQL math functions fsql's SQLite dialect uses, matching
 * SQLite's built-in ones (SQLITE_ENABLE_MATH_FUNCTIONS) value for value and
 * storage class: ln of a non-positive number is NULL, sign is an INTEGER,
 * trunc keeps INTEGER as INTEGER and REAL as REAL. Registered with
 * safeIntegers so that INTEGER arguments arrive as bigints.
 */
export const mathFunctions: Readonly<Record<'ln' | 'sign' | 'trunc', (x: SqlArg) => number | bigint | null>> = {
  ln(x) {
    const n = numeric(x);
    return n === null || Number(n) <= 0 ? null : Math.log(Number(n));
  },
  sign(x) {
    const n = numeric(x);
    if (n === null) return null;
    return typeof n === 'bigint' ? (n > 0n ? 1n : n < 0n ? -1n : 0n) : BigInt(n > 0 ? 1 : n < 0 ? -1 : 0);
  },
  trunc(x) {
    const n = numeric(x);
    return n === null || typeof n === 'bigint' ? n : Math.trunc(n);
  },
};

/** Registers the JS math functions on a database (overriding any built-in ones). */
export function registerMathFunctions(db: Database.Database): void {
  for (const [name, f] of Object.entries(mathFunctions)) db.function(name, { deterministic: true, safeIntegers: true }, f as (...args: unknown[]) => unknown);
}

/** Rows per multi-row INSERT statement in insertRows (fewer native calls). */
const INSERT_BATCH = 64;
/** SQLite's default limit on bound parameters (SQLITE_MAX_VARIABLE_NUMBER) is 32766. */
const MAX_PARAMETERS = 32_766;
/** A statement outside a transaction waits this long (at most) for a lock, blocking: they are short. */
const STATEMENT_BUSY_MS = 5_000;

/** Whether better-sqlite3 threw because another connection holds a lock (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, …). */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * BEGIN IMMEDIATE: the write lock from the start, so a transaction that
 * reads first never fails to upgrade when another process wrote meanwhile.
 * Another process's write transaction is waited for without blocking the
 * event loop (polling with a doubling sleep up to 50 ms) for at most
 * `waitMs`; then the error `timedOut()` returns is thrown. The connection's
 * busy timeout is set to `busyTimeoutMs` afterwards. Shared by the SQLite
 * engine, the online store and the update journal.
 */
export async function beginImmediate(
  db: Database.Database,
  options: { readonly waitMs: number; readonly busyTimeoutMs: number; readonly timedOut: () => Error },
): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  let wait = 1;
  for (;;) {
    db.pragma('busy_timeout = 0');
    try {
      db.exec('BEGIN IMMEDIATE');
      return;
    } catch (e) {
      if (!isBusy(e)) throw e;
    } finally {
      db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    }
    if (Date.now() >= deadline) throw options.timedOut();
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 50);
  }
}

export class SqliteEngine implements Engine {
  readonly target = 'sqlite' as const;
  readonly schema = 'main';
  readonly version: string;
  /** `builtin` when SQLite was compiled with its math functions; `registered` when fsql added JS ones. */
  readonly mathFunctions: 'builtin' | 'registered';
  private db: Database.Database | undefined;
  private savepoints = 0;
  private readonly busyTimeoutMs: number;

  constructor(
    readonly path: string = ':memory:',
    options: EngineOptions = {},
  ) {
    this.busyTimeoutMs = options.busyTimeoutMs ?? 60_000;
    const db = new Database(path, { timeout: Math.min(this.busyTimeoutMs, STATEMENT_BUSY_MS) });
    this.db = db;
    if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
    // WAL + FULL: every commit (an ingest's events, an apply) is synced to disk before it returns, so what
    // fsql acknowledged survives a power loss, not only a crash of the process (NORMAL: the last commits
    // before a power loss may be lost). One fsync per ingest; bench/README.md has the cost.
    db.pragma('synchronous = FULL');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536'); // 64 MiB
    this.version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    this.mathFunctions = hasMathFunctions(db) ? 'builtin' : 'registered';
    if (this.mathFunctions === 'registered') registerMathFunctions(db);
  }

  /** The underlying better-sqlite3 handle. */
  get handle(): Database.Database {
    if (!this.db) throw new Error('the SQLite engine is closed');
    return this.db;
  }

  async createTable(name: string, columns: readonly ColumnInfo[], options: { readonly temporary?: boolean } = {}): Promise<void> {
    const defs = columns.map((c) => `${quoteIdentifier(c.name)} ${sqliteTypes[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
    this.handle.exec(`CREATE ${options.temporary ? 'TEMP ' : ''}TABLE ${quoteIdentifier(name)} (${defs.join(', ')})`);
  }

  async addColumn(table: string, column: ColumnInfo): Promise<void> {
    this.handle.exec(`ALTER TABLE main.${quoteIdentifier(table)} ADD COLUMN ${quoteIdentifier(column.name)} ${sqliteTypes[column.type]}`);
  }

  async insertRows(name: string, columns: readonly ColumnInfo[], rows: readonly Row[]): Promise<void> {
    const db = this.handle;
    if (rows.length === 0) return;
    if (columns.length === 0) throw new Error('insertRows needs at least one column');
    // Check and convert column by column first (monomorphic loops), then bind row-major.
    const values = columns.map((c) => {
      const store = storageOf(c);
      const out: (number | string | null)[] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) out[r] = store(rows[r]![c.name], r + 1);
      return out;
    });
    this.insertStored(db, name, columns, values, rows.length);
  }

  /** Like insertRows, given the values column by column (`values[j][r]`: column j of row r; no Row objects). */
  async insertColumns(name: string, columns: readonly ColumnInfo[], values: readonly (readonly Value[])[], count: number): Promise<void> {
    const db = this.handle;
    if (count === 0) return;
    if (columns.length === 0) throw new Error('insertColumns needs at least one column');
    const stored = columns.map((c, j) => {
      const store = storageOf(c);
      const column = values[j]!;
      const out: (number | string | null)[] = new Array(count);
      for (let r = 0; r < count; r++) out[r] = store(column[r], r + 1);
      return out;
    });
    this.insertStored(db, name, columns, stored, count);
  }

  private insertStored(db: Database.Database, name: string, columns: readonly ColumnInfo[], values: readonly (number | string | null)[][], count: number): void {
    const n = columns.length;
    const batch = Math.max(1, Math.min(INSERT_BATCH, Math.floor(MAX_PARAMETERS / n)));
    const head = `INSERT INTO ${quoteIdentifier(name)} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) VALUES `;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const many = db.prepare(head + Array(batch).fill(tuple).join(', '));
    const one = db.prepare(head + tuple);
    const rows = { length: count };
    const args: (number | string | null)[] = new Array(batch * n);
    const single: (number | string | null)[] = new Array(n);
    db.transaction(() => {
      let r = 0;
      for (; r + batch <= rows.length; r += batch) {
        for (let j = 0; j < n; j++) {
          const column = values[j]!;
          for (let k = 0; k < batch; k++) args[k * n + j] = column[r + k]!;
        }
        many.run(args);
      }
      for (; r < rows.length; r++) {
        for (let j = 0; j < n; j++) single[j] = values[j]![r]!;
        one.run(single);
      }
    })();
  }

  async createIndex(table: string, columns: readonly string[]): Promise<void> {
    const cols = columns.map(quoteIdentifier).join(', ');
    this.handle.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdentifier(indexName(table, columns))} ON ${quoteIdentifier(table)} (${cols})`);
  }

  async execute(sql: string): Promise<void> {
    this.handle.exec(sql);
  }

  async query(sql: string, columns?: readonly QueryColumn[]): Promise<Row[]> {
    const stmt = this.handle.prepare(sql);
    if (!stmt.reader) {
      stmt.run();
      return [];
    }
    const names = stmt.columns().map((c) => c.name);
    const convert = rowConverter(names, columns);
    const raw = stmt.raw(true).all() as unknown[][];
    const out: Row[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const values = raw[i]!;
      const row: Row = {};
      for (let j = 0; j < names.length; j++) row[names[j]!] = convert[j]!(values[j]);
      out[i] = row;
    }
    return out;
  }

  /** Statements prepared for queries with parameters, by text (most recent last). */
  private readonly prepared = new Map<string, Database.Statement>();

  async queryValues(sql: string, columns: readonly QueryColumn[], parameters?: Readonly<Record<string, Value>>): Promise<Value[][]> {
    let stmt: Database.Statement;
    let bound: Record<string, number | string | null> | undefined;
    if (parameters === undefined) stmt = this.handle.prepare(sql);
    else {
      const kept = this.prepared.get(sql);
      if (kept !== undefined) {
        this.prepared.delete(sql);
        stmt = kept;
      } else {
        stmt = this.handle.prepare(sql);
        if (this.prepared.size >= 32) this.prepared.delete(this.prepared.keys().next().value!);
      }
      this.prepared.set(sql, stmt);
      bound = {};
      for (const name in parameters) {
        const v = parameters[name]!;
        bound[name] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      }
    }
    if (!stmt.reader) throw new Error('queryValues needs a query that returns rows');
    const names = stmt.columns().map((c) => c.name);
    const all = rowConverter(names, columns);
    const at = columns.map((c) => names.lastIndexOf(c.name)); // like a row object: the last column of a name wins
    const convert = at.map((i) => all[i]!);
    const rows = (bound === undefined ? stmt.raw(true).all() : stmt.raw(true).all(bound)) as unknown[][];
    const n = columns.length;
    if (names.length === n && at.every((i, j) => i === j)) {
      // The result's columns are the ones asked, in order: convert each row in place. A NULL, and a
      // nonzero number of a numeric column, are canonical as SQLite gives them: left as they are
      // (half the conversion's time on a wide materialize).
      const numeric = columns.map((c) => c.type !== 'TEXT' && c.type !== 'BOOLEAN');
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        for (let j = 0; j < n; j++) {
          const v = row[j];
          if (v === null || (typeof v === 'number' && v !== 0 && numeric[j])) continue;
          row[j] = convert[j]!(v);
        }
      }
      return rows as Value[][];
    }
    const out: Value[][] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const values: Value[] = new Array(n);
      for (let j = 0; j < n; j++) values[j] = convert[j]!(row[at[j]!]);
      out[r] = values;
    }
    return out;
  }

  async queryBatches(sql: string, columns: readonly QueryColumn[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows = 8192): Promise<number> {
    // The plans' materialized CTEs and sorts are as large as the result: with temp_store = MEMORY they would
    // hold it all in memory. Temporary files for this query, unless the connection has temporary tables
    // (changing temp_store deletes them: an ad-hoc spine's rows, which a request's body limit bounds anyway).
    const db = this.handle;
    const spill = (db.prepare("SELECT count(*) AS n FROM temp.sqlite_master WHERE type = 'table'").get() as { n: number }).n === 0;
    if (spill) db.pragma('temp_store = FILE');
    try {
      return await this.streamRows(sql, columns, onBatch, batchRows);
    } finally {
      if (spill) db.pragma('temp_store = MEMORY');
    }
  }

  private async streamRows(sql: string, columns: readonly QueryColumn[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows: number): Promise<number> {
    const stmt = this.handle.prepare(sql);
    if (!stmt.reader) throw new Error('queryBatches needs a query that returns rows');
    const names = stmt.columns().map((c) => c.name);
    const all = rowConverter(names, columns);
    const at = columns.map((c) => names.lastIndexOf(c.name));
    const convert = at.map((i) => all[i]!);
    const n = columns.length;
    let batch: Value[][] = [];
    let total = 0;
    // SQLite steps the statement row by row: only the current batch is held.
    const rows = stmt.raw(true).iterate() as IterableIterator<unknown[]>;
    try {
      for (const row of rows) {
        const values: Value[] = new Array(n);
        for (let j = 0; j < n; j++) values[j] = convert[j]!(row[at[j]!]);
        batch.push(values);
        if (batch.length >= batchRows) {
          total += batch.length;
          const full = batch;
          batch = [];
          await onBatch(full);
        }
      }
    } finally {
      rows.return?.();
    }
    if (batch.length > 0) {
      total += batch.length;
      await onBatch(batch);
    }
    return total;
  }

  /**
   * BEGIN IMMEDIATE: the write lock from the start, so a transaction that
   * reads first never fails to upgrade when another process wrote meanwhile
   * (SQLITE_BUSY without waiting). Another process's write transaction (an
   * apply, an ingest) is waited for without blocking the event loop, up to
   * the busy timeout; then EngineBusyError.
   */
  private beginImmediate(db: Database.Database): Promise<void> {
    return beginImmediate(db, {
      waitMs: this.busyTimeoutMs,
      busyTimeoutMs: Math.min(this.busyTimeoutMs, STATEMENT_BUSY_MS),
      timedOut: () => new EngineBusyError(this.path, this.busyTimeoutMs),
    });
  }

  async transaction<T>(fn: (engine: this) => Promise<T> | T): Promise<T> {
    const db = this.handle;
    const nested = db.inTransaction;
    const savepoint = `fsql_sp_${++this.savepoints}`;
    if (nested) db.exec(`SAVEPOINT ${savepoint}`);
    else await this.beginImmediate(db);
    try {
      const result = await fn(this);
      db.exec(nested ? `RELEASE ${savepoint}` : 'COMMIT');
      return result;
    } catch (e) {
      if (db.inTransaction) db.exec(nested ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
      throw e;
    }
  }

  async close(): Promise<void> {
    if (!this.db) return;
    const db = this.db;
    this.db = undefined;
    db.close();
  }
}

function hasMathFunctions(db: Database.Database): boolean {
  try {
    db.prepare('SELECT ln(2), sign(-1), trunc(1.5)').get();
    return true;
  } catch {
    return false;
  }
}

/** Checks a value for a column and gives its SQLite storage value. */
function storageOf(c: ColumnInfo): (v: Value | undefined, row: number) => number | string | null {
  const check = inputChecker(c);
  if (c.type === 'BOOLEAN') {
    return (v, row) => {
      const x = check(v, row);
      return x === null ? null : x ? 1 : 0;
    };
  }
  return check as (v: Value | undefined, row: number) => number | string | null;
}

export async function openSqlite(path = ':memory:', options: EngineOptions = {}): Promise<SqliteEngine> {
  return new SqliteEngine(path, options);
}
