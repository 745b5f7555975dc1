/**
 * PostgreSQL (12+) as the offline engine, through `pg`: one connection per
 * engine (a server, reached by URL), calls queued so one statement runs at a
 * time — which is what the Engine contract's transactions need (every call
 * made during one is part of it).
 *
 * Storage (the postgres dialect's type map): BIGINT, DOUBLE PRECISION, TEXT
 * (created `COLLATE "C"`, so comparisons, sorts and indexes follow code points
 * like the dialect's `binaryText`), BOOLEAN, DATE, TIMESTAMP without time zone.
 * Values cross in fsql's canonical representation (values.ts): dates and
 * timestamps are read as text (never through JavaScript's Date, which has
 * milliseconds and a local time zone) and bigints as numbers.
 *
 * Per session: `jit = off` (the correlated point-in-time plans are many small
 * index probes; JIT compiling them made an entity's vectors ~50× slower, issue
 * 12), `TimeZone = UTC`, `DateStyle = ISO, YMD`, `standard_conforming_strings
 * = on` (what the dialect's literals assume), `lock_timeout` = the busy timeout
 * (a lock held longer is EngineBusyError), and `search_path` = fsql's own
 * schema first (`fsql` unless fsql.json says otherwise), then `public`.
 *
 * A failed statement inside a transaction does not abort it (as on SQLite and
 * DuckDB): inside a transaction every call runs under a savepoint of its own.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
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

/** PostgreSQL's type OIDs that need more than pg's default parsing. */
const OID = { BOOL: 16, INT8: 20, INT2: 21, INT4: 23, TEXT: 25, FLOAT4: 700, FLOAT8: 701, VARCHAR: 1043, BPCHAR: 1042, DATE: 1082, TIMESTAMP: 1114, TIMESTAMPTZ: 1184, NUMERIC: 1700 } as const;

const raw = (s: string) => s;
/** Dates and times stay text (converted below), bigints and numerics become numbers. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case OID.INT8:
      case OID.NUMERIC:
        return (s: string) => Number(s);
      case OID.DATE:
      case OID.TIMESTAMP:
      case OID.TIMESTAMPTZ:
        return raw;
      default:
        return pg.types.getTypeParser(oid, format ?? 'text');
    }
  },
};

/** Rows per INSERT statement (and at most 65,535 parameters per statement, PostgreSQL's limit). */
const INSERT_ROWS = 1000;
const MAX_PARAMETERS = 65_535;

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

/** How the value of a result column of a PostgreSQL type is read when no fsql type is asked for. */
function inferByOid(oid: number): (v: unknown) => Value {
  switch (oid) {
    case OID.DATE:
      return (v) => (typeof v === 'string' ? (parseDateText(v) ?? v) : inferValue(v));
    case OID.TIMESTAMP:
      return (v) => (typeof v === 'string' ? (parseTimestampText(v) ?? v) : inferValue(v));
    default:
      return inferValue;
  }
}

/** Converters for the fields of a result: typed columns to their canonical value, others by their PostgreSQL type. */
function converters(fields: readonly pg.FieldDef[], columns: readonly QueryColumn[] | undefined): ((v: unknown) => Value)[] {
  const names = fields.map((f) => f.name);
  for (const c of columns ?? []) {
    if (!names.includes(c.name)) throw new Error(`the query result has no column ${c.name} (it has ${names.join(', ') || 'none'})`);
  }
  const types = new Map<string, ScalarType>();
  for (const c of columns ?? []) types.set(c.name, c.type);
  return fields.map((f) => {
    const type = types.get(f.name);
    if (type === undefined) return inferByOid(f.dataTypeID);
    return (v: unknown) => outputValue(v, type, f.name);
  });
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
    default:
      return (v) => v;
  }
}

interface PgError {
  readonly code?: string;
  readonly message: string;
}

export class PostgresEngine implements Engine {
  readonly target = 'postgres' as const;
  private queue: Promise<unknown> = Promise.resolve();
  private depth = 0;
  private savepoints = 0;
  private cursors = 0;
  private closed = false;

  private constructor(
    /** The URL with its password redacted (for messages). */
    readonly location: string,
    private readonly client: pg.Client,
    readonly version: string,
    readonly schema: string,
    private readonly busyTimeoutMs: number,
  ) {}

  static async open(url: string, options: EngineOptions = {}): Promise<PostgresEngine> {
    const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
    const busy = options.busyTimeoutMs ?? 60_000;
    const client = new pg.Client({ connectionString: url, types: typeParsers, application_name: 'fsql' });
    // A connection lost while idle is reported on the next call; without a listener it would crash the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(
        `SET jit = off; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; ` +
          `SET standard_conforming_strings = on; SET extra_float_digits = 3; SET lock_timeout = ${Math.max(0, Math.floor(busy))}`,
      );
      const version = String((await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '');
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
      } catch (e) {
        // Two processes creating the schema at once: one of them loses the race on the catalog's unique index.
        if ((e as PgError).code !== '23505' && (e as PgError).code !== '42P06') throw e;
      }
      await client.query(`SET search_path TO ${quoteIdentifier(schema)}, public`);
      return new PostgresEngine(redactUrl(url), client, version, schema, busy);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  private get live(): pg.Client {
    if (this.closed) throw new Error('the PostgreSQL engine is closed');
    return this.client;
  }

  /** A lock held longer than the busy timeout (lock_timeout) is EngineBusyError. */
  private failure(e: unknown): unknown {
    if ((e as PgError)?.code === '55P03') return new EngineBusyError(this.location, this.busyTimeoutMs);
    return e;
  }

  /** Runs `job` after every call queued before it. */
  private serial<T>(job: (c: pg.Client) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => job(this.live)).catch((e: unknown) => {
      throw this.failure(e);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs `job` atomically: inside a transaction under a savepoint (a failure
   * rolls back this call only and leaves the transaction usable), outside one
   * in a transaction of its own when `atomic`.
   */
  private guarded<T>(job: (c: pg.Client) => Promise<T>, atomic = false): Promise<T> {
    return this.serial(async (c) => {
      if (this.depth === 0 && !atomic) return job(c);
      const inner = this.depth > 0;
      const sp = `fsql_call_${++this.savepoints}`;
      await c.query(inner ? `SAVEPOINT ${sp}` : 'BEGIN');
      try {
        const result = await job(c);
        await c.query(inner ? `RELEASE SAVEPOINT ${sp}` : 'COMMIT');
        return result;
      } catch (e) {
        await c.query(inner ? `ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}` : 'ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  async createTable(name: string, columns: readonly ColumnInfo[], options: { readonly temporary?: boolean } = {}): Promise<void> {
    const defs = columns.map((c) => `${quoteIdentifier(c.name)} ${postgresTypes[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
    await this.guarded((c) => c.query(`CREATE ${options.temporary ? 'TEMPORARY ' : ''}TABLE ${quoteIdentifier(name)} (${defs.join(', ')})`));
  }

  async addColumn(table: string, column: ColumnInfo): Promise<void> {
    await this.guarded((c) => c.query(`ALTER TABLE ${quoteIdentifier(this.schema)}.${quoteIdentifier(table)} ADD COLUMN ${quoteIdentifier(column.name)} ${postgresTypes[column.type]}`));
  }

  async insertRows(name: string, columns: readonly ColumnInfo[], rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    if (columns.length === 0) throw new Error('insertRows needs at least one column');
    const n = columns.length;
    // Every value is checked before any is sent: a bad row stores nothing.
    const values = columns.map((col) => {
      const check = inputChecker(col);
      const param = parameterOf(col.type);
      const out: unknown[] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const v = check(rows[r]![col.name], r + 1);
        if (typeof v === 'string' && v.includes('\u0000')) throw new BadRowError(r + 1, col.name, 'PostgreSQL text cannot hold the NUL character');
        out[r] = param(v);
      }
      return out;
    });
    const batch = Math.max(1, Math.min(INSERT_ROWS, Math.floor(MAX_PARAMETERS / n)));
    const head = `INSERT INTO ${quoteIdentifier(name)} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) VALUES `;
    const text = (count: number) => {
      const tuples: string[] = new Array(count);
      for (let k = 0; k < count; k++) tuples[k] = `(${columns.map((_, j) => `$${k * n + j + 1}`).join(', ')})`;
      return head + tuples.join(', ');
    };
    const full = text(batch);
    await this.guarded(async (c) => {
      for (let start = 0; start < rows.length; start += batch) {
        const count = Math.min(batch, rows.length - start);
        const args: unknown[] = new Array(count * n);
        for (let k = 0; k < count; k++) for (let j = 0; j < n; j++) args[k * n + j] = values[j]![start + k];
        await c.query({ text: count === batch ? full : text(count), values: args });
      }
    }, true);
  }

  async createIndex(table: string, columns: readonly string[]): Promise<void> {
    const cols = columns.map(quoteIdentifier).join(', ');
    await this.guarded((c) => c.query(`CREATE INDEX IF NOT EXISTS ${quoteIdentifier(pgIndexName(table, columns))} ON ${quoteIdentifier(table)} (${cols})`));
    // Fresh statistics, so the planner sees the probes the index makes cheap.
    await this.guarded((c) => c.query(`ANALYZE ${quoteIdentifier(table)}`));
  }

  async execute(sql: string): Promise<void> {
    await this.guarded((c) => c.query(sql));
  }

  async query(sql: string, columns?: readonly QueryColumn[]): Promise<Row[]> {
    const result = await this.guarded((c) => c.query({ text: sql, rowMode: 'array' }));
    const last = (Array.isArray(result) ? result[result.length - 1] : result) as pg.QueryArrayResult | undefined;
    if (!last?.fields || last.fields.length === 0) return [];
    const convert = converters(last.fields, columns);
    const names = last.fields.map((f) => f.name);
    return last.rows.map((values) => {
      const row: Row = {};
      for (let j = 0; j < names.length; j++) row[names[j]!] = convert[j]!(values[j]);
      return row;
    });
  }

  async queryValues(sql: string, columns: readonly QueryColumn[], parameters?: Readonly<Record<string, Value>>): Promise<Value[][]> {
    if (parameters !== undefined && Object.keys(parameters).length > 0) throw new Error('the postgres engine takes no named parameters (its dialect has no namedParameters)');
    const result = (await this.guarded((c) => c.query({ text: sql, rowMode: 'array' }))) as pg.QueryArrayResult;
    return this.pick(result.fields, result.rows, columns);
  }

  private pick(fields: readonly pg.FieldDef[], rows: readonly unknown[][], columns: readonly QueryColumn[]): Value[][] {
    const all = converters(fields, columns);
    const names = fields.map((f) => f.name);
    const at = columns.map((c) => names.lastIndexOf(c.name));
    const convert = at.map((i) => all[i]!);
    const n = columns.length;
    const out: Value[][] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const values: Value[] = new Array(n);
      for (let j = 0; j < n; j++) values[j] = convert[j]!(row[at[j]!]);
      out[r] = values;
    }
    return out;
  }

  /**
   * Streams through a server-side cursor (`DECLARE … CURSOR`, `FETCH n`), in
   * a transaction of its own or a savepoint of the caller's: only one batch is
   * held at a time.
   */
  async queryBatches(sql: string, columns: readonly QueryColumn[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows = 8192): Promise<number> {
    const cursor = `fsql_cursor_${++this.cursors}`;
    const inner = this.depth > 0;
    const sp = `fsql_call_${++this.savepoints}`;
    await this.serial((c) => c.query(inner ? `SAVEPOINT ${sp}` : 'BEGIN'));
    let total = 0;
    try {
      await this.serial((c) => c.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`));
      for (;;) {
        const result = (await this.serial((c) => c.query({ text: `FETCH FORWARD ${Math.max(1, Math.floor(batchRows))} FROM ${cursor}`, rowMode: 'array' }))) as pg.QueryArrayResult;
        if (result.rows.length === 0) break;
        total += result.rows.length;
        await onBatch(this.pick(result.fields, result.rows, columns));
        if (result.rows.length < batchRows) break;
      }
      await this.serial((c) => c.query(`CLOSE ${cursor}`));
      await this.serial((c) => c.query(inner ? `RELEASE SAVEPOINT ${sp}` : 'COMMIT'));
      return total;
    } catch (e) {
      await this.serial((c) => c.query(inner ? `ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}` : 'ROLLBACK')).catch(() => undefined);
      throw e;
    }
  }

  /** BEGIN … COMMIT; a nested call is a savepoint. DDL is transactional in PostgreSQL. */
  async transaction<T>(fn: (engine: this) => Promise<T> | T): Promise<T> {
    const nested = this.depth > 0;
    const sp = `fsql_tx_${++this.savepoints}`;
    await this.serial((c) => c.query(nested ? `SAVEPOINT ${sp}` : 'BEGIN'));
    this.depth++;
    try {
      const result = await fn(this);
      this.depth--;
      await this.serial((c) => c.query(nested ? `RELEASE SAVEPOINT ${sp}` : 'COMMIT'));
      return result;
    } catch (e) {
      this.depth--;
      await this.serial((c) => c.query(nested ? `ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}` : 'ROLLBACK')).catch(() => undefined);
      throw e;
    }
  }

  async tableColumns(name: readonly string[]): Promise<readonly TableColumn[] | undefined> {
    const table = name[name.length - 1]!;
    const schema = name.length > 1 ? name[name.length - 2]! : undefined;
    // An unqualified name is the table the search path finds (fsql's schema, then public).
    const where = schema === undefined ? `c.oid = to_regclass(${quoteString(quoteIdentifier(table))})` : `c.oid = to_regclass(${quoteString(`${quoteIdentifier(schema)}.${quoteIdentifier(table)}`)})`;
    const rows = (await this.guarded((c) =>
      c.query<{ column: string; type: string }>(
        `SELECT a.attname AS "column", format_type(a.atttypid, a.atttypmod) AS "type" FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid ` +
          `WHERE ${where} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      ),
    )).rows;
    const exists = (await this.guarded((c) => c.query<{ n: string | null }>(`SELECT to_regclass(${quoteString(schema === undefined ? quoteIdentifier(table) : `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`)})::text AS n`))).rows[0]?.n;
    if (exists === null || exists === undefined) return undefined;
    return rows.map((r) => ({ name: r.column, engineType: r.type, type: fsqlTypeOf(r.type) }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    await this.client.end().catch(() => undefined);
  }
}

export async function openPostgres(url: string, options: EngineOptions = {}): Promise<PostgresEngine> {
  return PostgresEngine.open(url, options);
}
