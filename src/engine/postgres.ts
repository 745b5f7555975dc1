/**
 * PostgreSQL (12+) as the offline engine, through Kysely's `PostgresDialect`
 * over a `pg` Pool (a server, reached by URL). The compiled SQL runs as
 * `sql.raw` (or `CompiledQuery.raw` with its parameters); transactions and
 * savepoints through Kysely's controlled transactions; a connection of its
 * own through `Kysely.connection()`.
 *
 * Connections: outside a transaction each call takes a connection of the pool
 * (calls may run at once, `serve --workers`' requests side by side). During a
 * transaction every call — from its callback or not — runs on the
 * transaction's connection, one at a time (what the Engine contract's
 * transactions need). A temporary table belongs to one connection: once one
 * is created, the engine keeps that connection (the session) for every call
 * until no temporary table is left. `queryBatches` reads through a cursor on
 * a connection of its own (or the transaction's, or the session's).
 *
 * Storage (the postgres dialect's type map): BIGINT, DOUBLE PRECISION, TEXT
 * (created `COLLATE "C"`, so comparisons, sorts and indexes follow code points
 * like the dialect's `binaryText`), BOOLEAN, DATE, TIMESTAMP without time zone.
 * Values cross in fsql's canonical representation (values.ts): dates and
 * timestamps are read as text (never through JavaScript's Date, which has
 * milliseconds and a local time zone) and bigints as numbers.
 *
 * Per connection (each new one of the pool): `jit = off` (the correlated
 * point-in-time plans are many small index probes; JIT compiling them made an
 * entity's vectors ~50× slower, issue 12), `TimeZone = UTC`, `DateStyle =
 * ISO, YMD`, `standard_conforming_strings = on` (what the dialect's literals
 * assume), `lock_timeout` = the busy timeout (a lock held longer is
 * EngineBusyError), and `search_path` = fsql's own schema first (`fsql`
 * unless fsql.json says otherwise), then `public`.
 *
 * A failed statement inside a transaction does not abort it (as on SQLite and
 * DuckDB): inside a transaction every call runs under a savepoint of its own.
 *
 * Bulk loads of more than a few rows go through `COPY … FROM STDIN` (text
 * format, pg-copy-streams) after every value was checked: a bad value is a
 * BadRowError (row, column, reason) and nothing is stored.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompiledQuery, Kysely, PostgresDialect, sql, type ControlledTransaction } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ColumnInfo, ScalarType } from '../check/catalog.js';
import { EngineBusyError, indexName, quoteIdentifier, quoteString, redactUrl, type Engine, type EngineOptions, type TableColumn } from './engine.js';
import {
  BadRowError,
  dateText,
  inferValue,
  inputChecker,
  outputValue,
  parseDateText,
  parseTimestampText,
  timestampText,
  type QueryColumn,
  type Row,
  type Value,
} from './values.js';

export const postgresTypes: Readonly<Record<ScalarType, string>> = {
  INTEGER: 'BIGINT',
  DOUBLE: 'DOUBLE PRECISION',
  TEXT: 'TEXT COLLATE "C"',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
};

/** The schema fsql keeps its tables and views in when fsql.json names none. */
export const DEFAULT_POSTGRES_SCHEMA = 'fsql';

/** Connections of one engine's pool at most. */
const POOL_SIZE = 4;
/** How often (ms) the server checks, while a query runs, that fsql is still connected (PostgreSQL 14+). */
const CONNECTION_CHECK_MS = 2000;

/** PostgreSQL's type OIDs that need more than pg's default parsing. */
const OID = { INT8: 20, DATE: 1082, TIMESTAMP: 1114, TIMESTAMPTZ: 1184, NUMERIC: 1700 } as const;

/**
 * A DATE or TIMESTAMP as PostgreSQL printed it. Kysely hands rows on as
 * objects without their column types; the type parsers wrap these values so
 * that a column read without an fsql type still converts by what it is.
 */
class TimeText {
  constructor(
    readonly text: string,
    readonly date: boolean,
  ) {}
}

/** Dates and timestamps stay text (wrapped, converted below), bigints and numerics become numbers. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case OID.INT8:
      case OID.NUMERIC:
        return (s: string) => Number(s);
      case OID.DATE:
        return (s: string) => new TimeText(s, true);
      case OID.TIMESTAMP:
        return (s: string) => new TimeText(s, false);
      case OID.TIMESTAMPTZ:
        return (s: string) => s;
      default:
        return pg.types.getTypeParser(oid, format ?? 'text');
    }
  },
};

/** Loads of fewer rows go through one INSERT (cheaper than a COPY's round trips); more through COPY. */
const COPY_FROM_ROWS = 256;
/** Characters of COPY text per chunk written to the stream. */
const COPY_CHUNK = 1 << 16;

/** PostgreSQL truncates longer names (NAMEDATALEN − 1). */
const MAX_NAME_BYTES = 63;

/** An index name within PostgreSQL's 63 bytes: the usual name, or its head and a hash when longer. */
function pgIndexName(table: string, columns: readonly string[]): string {
  const full = indexName(table, columns);
  if (Buffer.byteLength(full) <= MAX_NAME_BYTES) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 12);
  let head = full.slice(0, 40);
  while (Buffer.byteLength(head) > 40) head = head.slice(0, -1);
  return `${head}__${hash}`;
}

/** The fsql type a PostgreSQL column type reads as exactly (format_type's spelling); undefined when none does. */
export function fsqlTypeOf(pgType: string): ScalarType | undefined {
  const t = pgType.toLowerCase().replace(/\(.*\)/, '').trim();
  if (t === 'bigint' || t === 'integer' || t === 'smallint') return 'INTEGER';
  if (t === 'double precision' || t === 'real' || t === 'numeric') return 'DOUBLE';
  if (t === 'text' || t === 'character varying' || t === 'character' || t === 'name' || t === 'citext') return 'TEXT';
  if (t === 'boolean') return 'BOOLEAN';
  if (t === 'date') return 'DATE';
  if (t === 'timestamp without time zone') return 'TIMESTAMP';
  return undefined;
}

/** A value of a column read without an fsql type: dates to days, timestamps to microseconds, the rest as it is. */
function inferPg(v: unknown): Value {
  if (v instanceof TimeText) return (v.date ? parseDateText(v.text) : parseTimestampText(v.text)) ?? v.text;
  return inferValue(v);
}

/** The converter of a column: to its type's canonical value, or inferred. */
function converter(name: string, type: ScalarType | undefined): (v: unknown) => Value {
  if (type === undefined) return inferPg;
  switch (type) {
    case 'TEXT':
      return (v) => (typeof v === 'string' ? v : outputValue(v instanceof TimeText ? v.text : v, type, name));
    case 'DATE':
    case 'TIMESTAMP':
      return (v) => outputValue(v instanceof TimeText ? v.text : v, type, name);
    default:
      return (v) => (typeof v === 'number' ? (v === 0 ? 0 : v) : outputValue(v, type, name));
  }
}

/** Object rows (as Kysely returns them) to arrays of the canonical values of `columns`. */
function pick(rows: readonly Record<string, unknown>[], columns: readonly QueryColumn[]): Value[][] {
  if (rows.length > 0) {
    const first = rows[0]!;
    for (const c of columns) {
      if (!(c.name in first)) throw new Error(`the query result has no column ${c.name} (it has ${Object.keys(first).join(', ') || 'none'})`);
    }
  }
  const names = columns.map((c) => c.name);
  const convert = columns.map((c) => converter(c.name, c.type));
  const n = columns.length;
  const out: Value[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const values: Value[] = new Array(n);
    for (let j = 0; j < n; j++) values[j] = convert[j]!(row[names[j]!]);
    out[r] = values;
  }
  return out;
}

/** A canonical value as a query parameter of a column of `type`. */
function parameterOf(type: ScalarType): (v: Value) => unknown {
  switch (type) {
    case 'DATE':
      return (v) => (v === null ? null : dateText(v as number));
    case 'TIMESTAMP':
      return (v) => (v === null ? null : timestampText(v as number));
    case 'DOUBLE':
      // PostgreSQL reads '1e-300' and the other shortest round-trip forms exactly.
      return (v) => (v === null ? null : String(v));
    case 'INTEGER':
      // Exact digits (String(2 ** 62) would print 4611686018427388000).
      return (v) => (v === null ? null : BigInt(v as number).toString());
    default:
      return (v) => v;
  }
}

/**
 * A checked value as a field of COPY's text format: `\N` for NULL; in text,
 * backslash, tab, newline and carriage return escaped (`\\`, `\t`, `\n`,
 * `\r`), so an empty string stays an empty string and `\N` as text stays text.
 */
export function copyField(v: Value, type: ScalarType): string {
  if (v === null) return '\\N';
  switch (type) {
    case 'TEXT': {
      const s = v as string;
      return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
    }
    case 'BOOLEAN':
      return v ? 't' : 'f';
    case 'INTEGER':
      return BigInt(v as number).toString();
    case 'DOUBLE':
      return String(v);
    case 'DATE':
      return dateText(v as number);
    case 'TIMESTAMP':
      return timestampText(v as number);
  }
}

interface PgError {
  readonly code?: string;
  readonly message: string;
}

// Kysely's database type: fsql's SQL is text, not built with Kysely's typed builders.
// biome-ignore lint/suspicious/noExplicitAny: the schema is whatever the project's SQL makes.
type Db = Kysely<any>;
/** Kysely's controlled transaction, its savepoint names untyped (they are made up at run time). */
// biome-ignore lint/suspicious/noExplicitAny: as above.
type Trx = ControlledTransaction<any, any> & {
  savepoint(name: string): { execute(): Promise<unknown> };
  rollbackToSavepoint(name: string): { execute(): Promise<unknown> };
  releaseSavepoint(name: string): { execute(): Promise<unknown> };
};

/** A connection held by the engine (`Kysely.connection()`), until `release`. */
interface Held {
  readonly db: Db;
  release(): void;
  /** Resolves when the connection is back in the pool. */
  readonly done: Promise<void>;
}

/** The running transaction: Kysely's controlled transaction, its nesting, and the pg client under it (for COPY). */
interface Tx {
  readonly trx: Trx;
  depth: number;
  client?: pg.Client;
}

export class PostgresEngine implements Engine {
  readonly target = 'postgres' as const;
  /** Calls on a held connection (the transaction's or the session's) run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  private tx: Tx | undefined;
  /** The connection kept while temporary tables exist on it. */
  private session: Held | undefined;
  private savepoints = 0;
  private cursors = 0;
  private closed = false;
  /** Calls running on the pool, awaited by close. */
  private readonly running = new Set<Promise<unknown>>();

  private constructor(
    /** The URL with its password redacted (for messages). */
    readonly location: string,
    private readonly db: Db,
    private readonly clients: Map<number, pg.Client>,
    readonly version: string,
    readonly schema: string,
    private readonly busyTimeoutMs: number,
  ) {}

  static async open(url: string, options: EngineOptions = {}): Promise<PostgresEngine> {
    const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
    const busy = options.busyTimeoutMs ?? 60_000;
    const pool = new pg.Pool({ connectionString: url, types: typeParsers, application_name: 'fsql', max: POOL_SIZE });
    // A connection lost while idle is reported on the next call; without a listener it would crash the process.
    pool.on('error', () => undefined);
    // The pg client of each connection by its server process id: COPY needs the client under a Kysely connection.
    const clients = new Map<number, pg.Client>();
    pool.on('connect', (c) => {
      const pid = (c as pg.Client & { processID?: number }).processID;
      if (pid !== undefined) clients.set(pid, c);
    });
    pool.on('remove', (c) => {
      const pid = (c as pg.Client & { processID?: number }).processID;
      if (pid !== undefined) clients.delete(pid);
    });
    const settings =
      `SET jit = off; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; ` +
      `SET standard_conforming_strings = on; SET extra_float_digits = 3; SET lock_timeout = ${Math.max(0, Math.floor(busy))}; ` +
      `SET search_path TO ${quoteIdentifier(schema)}, public; ` +
      // A query whose client went away (fsql interrupted with Ctrl-C, killed) is cancelled within seconds instead of
      // running on to its end: PostgreSQL 14+ checks the connection while it runs (12 and 13 lack the setting, and
      // a server on a platform without the kernel support refuses it: then nothing changes).
      `DO $fsql$ BEGIN PERFORM set_config('client_connection_check_interval', '${CONNECTION_CHECK_MS}', false); ` +
      `EXCEPTION WHEN OTHERS THEN NULL; END $fsql$`;
    const db: Db = new Kysely({
      dialect: new PostgresDialect({
        pool,
        // Every new connection of the pool, before its first use (no parameters: one simple query of several statements).
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw(settings));
        },
      }),
    });
    try {
      const version = String((await sql.raw<{ v: string }>("SELECT current_setting('server_version') AS v").execute(db)).rows[0]?.v ?? '');
      try {
        await sql.raw(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`).execute(db);
      } catch (e) {
        // Two processes creating the schema at once: one of them loses the race on the catalog's unique index.
        if ((e as PgError).code !== '23505' && (e as PgError).code !== '42P06') throw e;
      }
      return new PostgresEngine(redactUrl(url), db, clients, version, schema, busy);
    } catch (e) {
      await db.destroy().catch(() => undefined);
      throw e;
    }
  }

  private get live(): Db {
    if (this.closed) throw new Error('the PostgreSQL engine is closed');
    return this.db;
  }

  /** A lock held longer than the busy timeout (lock_timeout) is EngineBusyError. */
  private failure(e: unknown): unknown {
    if ((e as PgError)?.code === '55P03') return new EngineBusyError(this.location, this.busyTimeoutMs);
    return e;
  }

  /** Runs `job` after every call queued before it (on the held connection). */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Keeps a connection of the pool (`Kysely.connection()`) until `release`. */
  private hold(): Promise<Held> {
    return new Promise<Held>((resolve, reject) => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      const held: { done?: Promise<void> } = {};
      held.done = this.live
        .connection()
        .execute(async (db) => {
          resolve({ db, release, done: held.done! });
          await released;
        })
        .catch((e: unknown) => reject(e));
    });
  }

  /** The pg client of the connection `db` runs on (COPY is not a Kysely query). */
  private async clientOf(db: Db): Promise<pg.Client> {
    const pid = Number((await sql.raw<{ pid: number }>('SELECT pg_backend_pid() AS pid').execute(db)).rows[0]?.pid);
    const client = this.clients.get(pid);
    if (client === undefined) throw new Error(`no pg client for the PostgreSQL backend ${pid}`);
    return client;
  }

  /**
   * Runs `job` where calls run now: in the transaction under a savepoint of
   * its own (a failure rolls back this call only and leaves the transaction
   * usable); on the session connection; else on a connection of the pool — in
   * a transaction of its own when `atomic`.
   */
  private async guarded<T>(job: (db: Db, tx: Tx | undefined) => Promise<T>, atomic = false): Promise<T> {
    try {
      if (this.tx !== undefined || this.session !== undefined) return await this.serial(() => this.onHeld(job, atomic));
      if (!atomic) return await this.tracked(job(this.live, undefined));
      return await this.tracked(this.transaction(() => this.serial(() => this.onHeld(job, false))));
    } catch (e) {
      throw this.failure(e);
    }
  }

  private async tracked<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    try {
      return await p;
    } finally {
      this.running.delete(p);
    }
  }

  /** `job` on the held connection: under a savepoint in a transaction, or in one of its own when `atomic`. */
  private async onHeld<T>(job: (db: Db, tx: Tx | undefined) => Promise<T>, atomic: boolean): Promise<T> {
    const tx = this.tx;
    if (tx === undefined) {
      const session = this.session;
      if (session === undefined) throw new Error('no connection held');
      if (!atomic) return job(session.db, undefined);
      const trx = (await session.db.startTransaction().execute()) as Trx;
      try {
        const result = await job(trx, { trx, depth: 1 });
        await trx.commit().execute();
        return result;
      } catch (e) {
        await trx.rollback().execute().catch(() => undefined);
        throw e;
      }
    }
    const sp = `fsql_call_${++this.savepoints}`;
    await tx.trx.savepoint(sp).execute();
    try {
      const result = await job(tx.trx, tx);
      await tx.trx.releaseSavepoint(sp).execute();
      return result;
    } catch (e) {
      await tx.trx
        .rollbackToSavepoint(sp)
        .execute()
        .then(() => tx.trx.releaseSavepoint(sp).execute())
        .catch(() => undefined);
      throw e;
    }
  }

  private static rows(result: { readonly rows: readonly unknown[] }): Record<string, unknown>[] {
    return result.rows as Record<string, unknown>[];
  }

  async createTable(name: string, columns: readonly ColumnInfo[], options: { readonly temporary?: boolean } = {}): Promise<void> {
    const defs = columns.map((c) => `${quoteIdentifier(c.name)} ${postgresTypes[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
    const text = `CREATE ${options.temporary ? 'TEMPORARY ' : ''}TABLE ${quoteIdentifier(name)} (${defs.join(', ')})`;
    // A temporary table is its connection's: keep that connection for the calls that read it.
    if (options.temporary && this.tx === undefined && this.session === undefined) this.session = await this.hold();
    await this.guarded((db) => sql.raw(text).execute(db));
  }

  async addColumn(table: string, column: ColumnInfo): Promise<void> {
    await this.guarded((db) => sql.raw(`ALTER TABLE ${quoteIdentifier(this.schema)}.${quoteIdentifier(table)} ADD COLUMN ${quoteIdentifier(column.name)} ${postgresTypes[column.type]}`).execute(db));
  }

  async insertRows(name: string, columns: readonly ColumnInfo[], rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    if (columns.length === 0) throw new Error('insertRows needs at least one column');
    // Every value is checked before any is sent: a bad row stores nothing.
    const values = columns.map((col) => {
      const check = inputChecker(col);
      const out: Value[] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const v = check(rows[r]![col.name], r + 1);
        if (typeof v === 'string' && v.includes('\u0000')) throw new BadRowError(r + 1, col.name, 'PostgreSQL text cannot hold the NUL character');
        out[r] = v;
      }
      return out;
    });
    const target = `${quoteIdentifier(name)} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')})`;
    if (rows.length < COPY_FROM_ROWS) {
      const n = columns.length;
      const params = columns.map((c) => parameterOf(c.type));
      const args: unknown[] = new Array(rows.length * n);
      const tuples: string[] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        for (let j = 0; j < n; j++) args[r * n + j] = params[j]!(values[j]![r]!);
        tuples[r] = `(${columns.map((_, j) => `$${r * n + j + 1}`).join(', ')})`;
      }
      const text = `INSERT INTO ${target} VALUES ${tuples.join(', ')}`;
      await this.guarded((db) => db.executeQuery(CompiledQuery.raw(text, args)), true);
      return;
    }
    const types = columns.map((c) => c.type);
    await this.guarded(async (db, tx) => {
      const client = tx?.client ?? (await this.clientOf(db));
      if (tx !== undefined) tx.client = client;
      await pipeline(Readable.from(copyText(values, types, rows.length)), client.query(copyFrom(`COPY ${target} FROM STDIN`)));
    }, true);
  }

  async createIndex(table: string, columns: readonly string[]): Promise<void> {
    const cols = columns.map(quoteIdentifier).join(', ');
    await this.guarded((db) => sql.raw(`CREATE INDEX IF NOT EXISTS ${quoteIdentifier(pgIndexName(table, columns))} ON ${quoteIdentifier(table)} (${cols})`).execute(db));
    // Fresh statistics, so the planner sees the probes the index makes cheap.
    await this.guarded((db) => sql.raw(`ANALYZE ${quoteIdentifier(table)}`).execute(db));
  }

  async execute(text: string): Promise<void> {
    await this.guarded((db) => sql.raw(text).execute(db));
    if (this.session !== undefined && this.tx === undefined) await this.releaseSession();
  }

  /** Gives the session connection back to the pool when no temporary table is left on it. */
  private async releaseSession(): Promise<void> {
    await this.serial(async () => {
      const session = this.session;
      if (session === undefined) return;
      const left = await sql.raw<{ n: number }>('SELECT count(*) AS n FROM pg_class WHERE relnamespace = pg_my_temp_schema()').execute(session.db);
      if (Number(left.rows[0]?.n ?? 0) > 0) return;
      this.session = undefined;
      session.release();
      await session.done;
    });
  }

  async query(text: string, columns?: readonly QueryColumn[]): Promise<Row[]> {
    const rows = PostgresEngine.rows(await this.guarded((db) => sql.raw(text).execute(db)));
    if (rows.length === 0) return [];
    const names = Object.keys(rows[0]!);
    for (const c of columns ?? []) {
      if (!names.includes(c.name)) throw new Error(`the query result has no column ${c.name} (it has ${names.join(', ') || 'none'})`);
    }
    const types = new Map<string, ScalarType>();
    for (const c of columns ?? []) types.set(c.name, c.type);
    const convert = names.map((n) => converter(n, types.get(n)));
    return rows.map((values) => {
      const row: Row = {};
      for (let j = 0; j < names.length; j++) row[names[j]!] = convert[j]!(values[names[j]!]);
      return row;
    });
  }

  async queryValues(text: string, columns: readonly QueryColumn[], parameters?: Readonly<Record<string, Value>>): Promise<Value[][]> {
    if (parameters !== undefined && Object.keys(parameters).length > 0) throw new Error('the postgres engine takes no named parameters (its dialect has no namedParameters)');
    return pick(PostgresEngine.rows(await this.guarded((db) => sql.raw(text).execute(db))), columns);
  }

  /**
   * Streams through a server-side cursor (`DECLARE … CURSOR`, `FETCH n`): on
   * a connection of its own in a transaction of its own, or in the running
   * transaction (or on the session connection) under a savepoint. Only one
   * batch is held at a time.
   */
  async queryBatches(text: string, columns: readonly QueryColumn[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows = 8192): Promise<number> {
    const cursor = `fsql_cursor_${++this.cursors}`;
    const size = Math.max(1, Math.floor(batchRows));
    const stream = async (db: Db): Promise<number> => {
      let total = 0;
      await sql.raw(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${text}`).execute(db);
      for (;;) {
        const rows = PostgresEngine.rows(await sql.raw(`FETCH FORWARD ${size} FROM ${cursor}`).execute(db));
        if (rows.length === 0) break;
        total += rows.length;
        await onBatch(pick(rows, columns));
        if (rows.length < size) break;
      }
      await sql.raw(`CLOSE ${cursor}`).execute(db);
      return total;
    };
    try {
      if (this.tx !== undefined || this.session !== undefined) {
        // The statements run one after the other on the held connection; onBatch may not call the engine meanwhile (the contract).
        return await this.onHeldStreaming(stream);
      }
      return await this.tracked(this.live.transaction().execute((trx) => stream(trx)));
    } catch (e) {
      throw this.failure(e);
    }
  }

  /** `stream` on the held connection, under a savepoint (in a transaction) or in a transaction of its own (session). */
  private async onHeldStreaming(stream: (db: Db) => Promise<number>): Promise<number> {
    // Not through `serial` as a whole: onBatch awaits other work; the queue still orders its statements against other calls.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const turn = this.queue;
    this.queue = turn.then(() => gate);
    await turn;
    try {
      return await this.onHeld((db) => stream(db), true);
    } finally {
      release();
    }
  }

  /** BEGIN … COMMIT through Kysely's controlled transaction; a nested call is a savepoint. DDL is transactional in PostgreSQL. */
  async transaction<T>(fn: (engine: this) => Promise<T> | T): Promise<T> {
    const outer = this.tx;
    if (outer !== undefined) {
      const sp = `fsql_tx_${++this.savepoints}`;
      await this.serial(() => outer.trx.savepoint(sp).execute());
      outer.depth++;
      try {
        const result = await fn(this);
        outer.depth--;
        await this.serial(() => outer.trx.releaseSavepoint(sp).execute());
        return result;
      } catch (e) {
        outer.depth--;
        await this.serial(() => outer.trx.rollbackToSavepoint(sp).execute().then(() => outer.trx.releaseSavepoint(sp).execute())).catch(() => undefined);
        throw e;
      }
    }
    const base = this.session?.db ?? this.live;
    const trx = (await this.serial(() => base.startTransaction().execute())) as Trx;
    const tx: Tx = { trx, depth: 1 };
    this.tx = tx;
    try {
      const result = await fn(this);
      this.tx = undefined;
      await this.serial(() => trx.commit().execute());
      return result;
    } catch (e) {
      this.tx = undefined;
      await this.serial(() => trx.rollback().execute()).catch(() => undefined);
      throw e;
    }
  }

  async tableColumns(name: readonly string[]): Promise<readonly TableColumn[] | undefined> {
    const table = name[name.length - 1]!;
    const schema = name.length > 1 ? name[name.length - 2]! : undefined;
    // An unqualified name is the table the search path finds (fsql's schema, then public).
    const regclass = quoteString(schema === undefined ? quoteIdentifier(table) : `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`);
    const exists = PostgresEngine.rows(await this.guarded((db) => sql.raw(`SELECT to_regclass(${regclass})::text AS n`).execute(db)))[0]?.['n'];
    if (exists === null || exists === undefined) return undefined;
    const rows = PostgresEngine.rows(
      await this.guarded((db) =>
        sql
          .raw(
            `SELECT a.attname AS "column", format_type(a.atttypid, a.atttypmod) AS "type" FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid ` +
              `WHERE c.oid = to_regclass(${regclass}) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
          )
          .execute(db),
      ),
    );
    return rows.map((r) => ({ name: String(r['column']), engineType: String(r['type']), type: fsqlTypeOf(String(r['type'])) }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    await Promise.allSettled([...this.running]);
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) {
      session.release();
      await session.done.catch(() => undefined);
    }
    await this.db.destroy().catch(() => undefined);
  }
}

/** The rows of `values` (one array per column) as COPY text, in chunks of about COPY_CHUNK characters. */
function* copyText(values: readonly Value[][], types: readonly ScalarType[], count: number): Generator<string> {
  const n = types.length;
  let chunk = '';
  for (let r = 0; r < count; r++) {
    let line = copyField(values[0]![r]!, types[0]!);
    for (let j = 1; j < n; j++) line += `\t${copyField(values[j]![r]!, types[j]!)}`;
    chunk += `${line}\n`;
    if (chunk.length >= COPY_CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

export async function openPostgres(url: string, options: EngineOptions = {}): Promise<PostgresEngine> {
  return PostgresEngine.open(url, options);
}
