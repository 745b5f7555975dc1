/**
 * MySQL 8 / MariaDB 10.6+ as the offline engine, through Kysely's
 * `MysqlDialect` over a `mysql2` callback pool of one connection (a server,
 * reached by URL): calls are queued so one statement runs at a time, which is
 * what the Engine contract's transactions need (every call made during one is
 * part of it), and the session settings below hold for every call.
 *
 * fsql's own tables and views live in a database of their own (MySQL's
 * "schema"): fsql.json's `offline.schema`, else the URL's database, else
 * `fsql`; created when missing. TABLE sources are read in place from any
 * database (`FROM TABLE crm.orders`).
 *
 * Storage: BIGINT, DOUBLE, TEXT with a binary no-pad collation
 * (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on MySQL 8: code-point
 * order, `'a' <> 'a '`, as on the other engines; the mysql dialect prints text
 * columns bare in comparisons and ORDER BY, relying on it), BOOLEAN
 * (TINYINT(1)), DATE, DATETIME(6). A TEXT column an index needs becomes
 * VARCHAR(255) when the index is made (InnoDB keys are at most 3,072 bytes); a
 * column holding longer text stays unindexed. Values cross in fsql's canonical
 * representation (values.ts): dates and times are read as text (never
 * through JavaScript's Date), BIGINT and DECIMAL as numbers.
 *
 * Per session: `sql_mode` = ANSI_QUOTES (fsql's hand-written SQL quotes names
 * with `"`), strict, no zero dates, and backslash escapes on (the mysql
 * dialect's literals assume them); `time_zone = '+00:00'`; utf8mb4 with the
 * no-pad binary collation for the connection; `innodb_lock_wait_timeout` =
 * the busy timeout in seconds (a lock held longer is EngineBusyError).
 *
 * DDL is not transactional in MySQL (each CREATE / DROP commits): the backend
 * says so (`transactionalDdl: false`) and `apply` stages new tables and swaps
 * them in with one atomic RENAME TABLE (src/runtime/apply.ts). `transaction`
 * still gives what the server can: `autocommit = 0` until it ends, so the rows
 * written after the last DDL statement commit or roll back together; inside
 * it every call runs under a savepoint of its own when it can.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CompiledQuery, Kysely, MysqlDialect, sql } from 'kysely';
import { createConnection, createPool, type TypeCastField, type TypeCastNext } from 'mysql2';
import type { ColumnInfo, ScalarType } from '../check/catalog.js';
import { EngineBusyError, redactUrl, type Engine, type EngineOptions, type TableColumn } from './engine.js';
import { BadRowError, dateText, inferValue, inputChecker, outputValue, timestampText, type QueryColumn, type Row, type Value } from './values.js';

/** The database fsql keeps its tables and views in when neither fsql.json nor the URL names one. */
export const DEFAULT_MYSQL_SCHEMA = 'fsql';

/** Rows per INSERT statement. */
const INSERT_ROWS = 2000;
/** MySQL's limit for table, column and index names. */
const MAX_NAME_CHARS = 64;
/** A VARCHAR an index can hold with a time column beside it (4 bytes per character in utf8mb4, 3,072-byte keys). */
const KEY_CHARS = 255;

/** A UTF-16 surrogate without its pair: not a character, so not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A text value in LOAD DATA's tab-separated form (escape character `\\`). */
function tsvText(v: string): string {
  return /[\\\t\n\r\u0000]/.test(v) ? v.replace(/[\\\t\n\r\u0000]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\0')) : v;
}

const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;
/** A string literal (backslash escapes on, as the session has them). */
const quoteText = (value: string) =>
  `'${value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "''")
    .replace(/\u0000/g, '\\0')}'`;

interface MysqlError {
  readonly errno?: number;
  readonly code?: string;
  readonly message: string;
}

/** The fsql type a MySQL column reads as exactly (information_schema's data_type, column_type, collation); undefined when none does. */
export function fsqlTypeOf(dataType: string, columnType: string, collation: string | null): ScalarType | undefined {
  const t = dataType.toLowerCase();
  if (t === 'tinyint' && /^tinyint\(1\)/i.test(columnType)) return 'BOOLEAN';
  if (['bigint', 'int', 'integer', 'mediumint', 'smallint', 'tinyint'].includes(t)) return /unsigned/i.test(columnType) && t === 'bigint' ? undefined : 'INTEGER';
  if (['double', 'float', 'real', 'decimal', 'numeric'].includes(t)) return 'DOUBLE';
  // Text compares as code points only under a binary collation; a case-insensitive one would join 'A' with 'a'.
  if (['varchar', 'char', 'text', 'tinytext', 'mediumtext', 'longtext'].includes(t)) return collation !== null && /_bin$/i.test(collation) ? 'TEXT' : undefined;
  if (t === 'date') return 'DATE';
  // DATETIME is a wall-clock value; TIMESTAMP converts through the session's time zone.
  if (t === 'datetime') return 'TIMESTAMP';
  return undefined;
}

/** Result values as the engine wants them: BIGINT and DECIMAL as numbers, dates and times as text, binary strings as UTF-8 text. */
function typeCast(field: TypeCastField, next: TypeCastNext): unknown {
  switch (field.type) {
    case 'LONGLONG':
    case 'NEWDECIMAL':
    case 'DECIMAL': {
      const s = field.string();
      return s === null ? null : Number(s);
    }
    case 'DATE':
    case 'DATETIME':
    case 'DATETIME2':
    case 'TIMESTAMP':
    case 'TIMESTAMP2':
      return field.string();
    case 'VAR_STRING':
    case 'STRING':
    case 'VARCHAR':
    case 'BLOB':
    case 'TINY_BLOB':
    case 'MEDIUM_BLOB':
    case 'LONG_BLOB': {
      // A binary string (charset 63) arrives as a Buffer.
      const v = next();
      return Buffer.isBuffer(v) ? v.toString('utf8') : v;
    }
    default:
      return next();
  }
}

/** A canonical value as an INSERT parameter of a column of `type`. */
function parameterOf(type: ScalarType): (v: Value) => unknown {
  switch (type) {
    case 'DATE':
      return (v) => (v === null ? null : dateText(v as number));
    case 'TIMESTAMP':
      return (v) => (v === null ? null : timestampText(v as number));
    case 'BOOLEAN':
      return (v) => (v === null ? null : v ? 1 : 0);
    default:
      return (v) => v;
  }
}

/** An index name within MySQL's 64 characters: the usual name, or its head and a hash when longer. */
function indexNameOf(table: string, columns: readonly string[]): string {
  const full = `${table}__${columns.join('__')}__idx`;
  if ([...full].length <= MAX_NAME_CHARS) return full;
  return `${[...full].slice(0, 40).join('')}__${createHash('sha256').update(full).digest('hex').slice(0, 12)}`;
}

/** The database and table of a name (`[table]` is in fsql's database). */
function split(name: readonly string[], schema: string): { db: string; table: string } {
  return { db: name.length > 1 ? name[name.length - 2]! : schema, table: name[name.length - 1]! };
}

type Db = Kysely<Record<string, never>>;

export class MysqlEngine implements Engine {
  readonly target = 'mysql' as const;
  private queue: Promise<unknown> = Promise.resolve();
  private depth = 0;
  private savepoints = 0;
  private closed = false;
  /** Whether the server takes LOAD DATA LOCAL INFILE (found out on the first load). */
  private localInfile = true;
  private loads = 0;

  private constructor(
    /** The URL with its password redacted (for messages). */
    readonly location: string,
    private readonly url: string,
    private readonly db: Db,
    readonly version: string,
    readonly schema: string,
    /** The collation of text columns: binary, without trailing-space padding. */
    readonly textCollation: string,
    private readonly busyTimeoutMs: number,
    private readonly connectionId: number,
    /** The rows of each LOAD DATA LOCAL INFILE in flight, by the file name the statement gives. */
    private readonly infiles: Map<string, () => Readable>,
  ) {}

  static async open(url: string, options: EngineOptions = {}): Promise<MysqlEngine> {
    const u = new URL(url);
    const fromUrl = decodeURIComponent(u.pathname.replace(/^\//, ''));
    const schema = options.schema ?? (fromUrl !== '' ? fromUrl : DEFAULT_MYSQL_SCHEMA);
    const busy = options.busyTimeoutMs ?? 60_000;
    const infiles = new Map<string, () => Readable>();
    const pool = createPool({
      host: u.hostname,
      port: u.port === '' ? 3306 : Number(u.port),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      // One connection: the session settings, temporary tables and transactions are the engine's.
      connectionLimit: 1,
      maxIdle: 1,
      multipleStatements: true,
      charset: 'UTF8MB4_BIN',
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      typeCast,
      // LOAD DATA LOCAL INFILE reads only the rows insertRows hands it, never a file.
      infileStreamFactory: (file: string) => {
        const rows = infiles.get(file);
        if (!rows) throw new Error(`no rows to load as ${file}`);
        return rows();
      },
    });
    let collation = 'utf8mb4_nopad_bin';
    let mariadb = true;
    const settings = async (run: (text: string) => Promise<unknown>) => {
      await run(
        "SET SESSION sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', " +
          `time_zone = '+00:00', NAMES utf8mb4 COLLATE ${collation}, innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(busy / 1000))}` +
          // The plans' stages (CTEs) hold correlated subqueries read several times: materialized, each runs once per
          // spine row instead of once per reference (MariaDB 10.11, 200k events / 5k labels: 4.0 s → 2.3 s).
          (mariadb ? ", optimizer_switch = 'derived_merge=off'" : ''),
      );
    };
    const db: Db = new Kysely({
      dialect: new MysqlDialect({
        pool,
        onCreateConnection: async (c) => {
          await settings((text) => c.executeQuery(CompiledQuery.raw(text)));
        },
      }),
    });
    try {
      const version = String((await sql<{ v: string }>`SELECT VERSION() AS v`.execute(db)).rows[0]?.v ?? '');
      if (!/mariadb/i.test(version)) {
        // MySQL 8: the no-pad binary collation is utf8mb4_0900_bin (the first connection used MariaDB's name: set it again).
        collation = 'utf8mb4_0900_bin';
        mariadb = false;
        await settings((text) => sql.raw(text).execute(db));
      }
      await sql.raw(`CREATE DATABASE IF NOT EXISTS ${quoteName(schema)} CHARACTER SET utf8mb4 COLLATE ${collation}`).execute(db);
      await sql.raw(`USE ${quoteName(schema)}`).execute(db);
      const id = Number((await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(db)).rows[0]?.id);
      return new MysqlEngine(redactUrl(url), url, db, version, schema, collation, busy, id, infiles);
    } catch (e) {
      await db.destroy().catch(() => undefined);
      throw e;
    }
  }

  private get live(): Db {
    if (this.closed) throw new Error('the MySQL engine is closed');
    return this.db;
  }

  /** A lock wait longer than the busy timeout is EngineBusyError. */
  private failure(e: unknown): unknown {
    if ((e as MysqlError)?.errno === 1205) return new EngineBusyError(this.location, this.busyTimeoutMs);
    return e;
  }

  private async run(text: string): Promise<Record<string, unknown>[]> {
    return (await sql.raw<Record<string, unknown>>(text).execute(this.live)).rows;
  }

  /** Runs `job` after every call queued before it. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job).catch((e: unknown) => {
      throw this.failure(e);
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Runs `job` atomically where MySQL can: inside a transaction under a
   * savepoint (DDL commits and ends savepoints: then there is none to release
   * or roll back to), outside one in a transaction of its own when `atomic`.
   */
  private guarded<T>(job: () => Promise<T>, atomic = false): Promise<T> {
    return this.serial(async () => {
      if (this.depth === 0 && !atomic) return job();
      const inner = this.depth > 0;
      const sp = `fsql_call_${++this.savepoints}`;
      await this.run(inner ? `SAVEPOINT ${sp}` : 'START TRANSACTION');
      try {
        const result = await job();
        await this.run(inner ? `RELEASE SAVEPOINT ${sp}` : 'COMMIT').catch((e: unknown) => {
          if ((e as MysqlError).errno !== 1305) throw e;
        });
        return result;
      } catch (e) {
        await this.run(inner ? `ROLLBACK TO SAVEPOINT ${sp}` : 'ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /** The storage type of a column of `type`. */
  columnType(type: ScalarType): string {
    switch (type) {
      case 'INTEGER':
        return 'BIGINT';
      case 'DOUBLE':
        return 'DOUBLE';
      case 'TEXT':
        return `TEXT CHARACTER SET utf8mb4 COLLATE ${this.textCollation}`;
      case 'BOOLEAN':
        return 'BOOLEAN';
      case 'DATE':
        return 'DATE';
      case 'TIMESTAMP':
        return 'DATETIME(6)';
    }
  }

  async createTable(name: string, columns: readonly ColumnInfo[], options: { readonly temporary?: boolean } = {}): Promise<void> {
    const defs = columns.map((c) => `${quoteName(c.name)} ${this.columnType(c.type)}${c.nullable ? ' NULL' : ' NOT NULL'}`);
    await this.guarded(() => this.run(`CREATE ${options.temporary ? 'TEMPORARY ' : ''}TABLE ${quoteName(name)} (${defs.join(', ')}) ENGINE = InnoDB`));
  }

  async addColumn(table: string, column: ColumnInfo): Promise<void> {
    await this.guarded(() => this.run(`ALTER TABLE ${quoteName(this.schema)}.${quoteName(table)} ADD COLUMN ${quoteName(column.name)} ${this.columnType(column.type)} NULL`));
  }

  async insertRows(name: string, columns: readonly ColumnInfo[], rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    if (columns.length === 0) throw new Error('insertRows needs at least one column');
    // Every value is checked before any is sent: a bad row stores nothing.
    const values = columns.map((col) => {
      const check = inputChecker(col);
      const param = parameterOf(col.type);
      const out: unknown[] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const v = check(rows[r]![col.name], r + 1);
        if (typeof v === 'string' && LONE_SURROGATE.test(v)) throw new BadRowError(r + 1, col.name, 'text with an unpaired surrogate (not UTF-8)');
        out[r] = param(v);
      }
      return out;
    });
    // A text column's limit: TEXT holds 65,535 bytes; a key column made VARCHAR(255) for its index, 255 characters.
    const limits = await this.textLimits(name);
    columns.forEach((col, j) => {
      if (col.type !== 'TEXT') return;
      const chars = limits.get(col.name);
      values[j]!.forEach((v, r) => {
        if (typeof v !== 'string') return;
        if (chars !== undefined ? [...v].length > chars : Buffer.byteLength(v) > 65_535) {
          throw new BadRowError(
            r + 1,
            col.name,
            chars !== undefined ? `text longer than ${chars} characters (the column is indexed)` : 'text longer than 65,535 bytes (MySQL TEXT)',
          );
        }
      });
    });
    await this.guarded(async () => {
      if (this.localInfile) {
        try {
          await this.loadData(name, columns, values, rows.length);
          return;
        } catch (e) {
          // The server refuses LOAD DATA LOCAL (local_infile=OFF, MySQL 8's default): batched INSERTs from now on.
          if (![1148, 3948, 4166].includes((e as MysqlError).errno ?? 0)) throw e;
          this.localInfile = false;
        }
      }
      await this.insertBatches(name, columns, values, rows.length);
    }, true);
  }

  /** Rows by `LOAD DATA LOCAL INFILE`, streamed from memory as tab-separated text (every value already checked). */
  private async loadData(name: string, columns: readonly ColumnInfo[], values: readonly unknown[][], count: number): Promise<void> {
    const id = `fsql-rows-${++this.loads}`;
    const n = columns.length;
    const CHUNK = 4096;
    this.infiles.set(id, () =>
      Readable.from(
        (function* () {
          for (let start = 0; start < count; start += CHUNK) {
            let text = '';
            const end = Math.min(count, start + CHUNK);
            for (let r = start; r < end; r++) {
              for (let j = 0; j < n; j++) {
                const v = values[j]![r];
                text += (j === 0 ? '' : '\t') + (v === null || v === undefined ? '\\N' : typeof v === 'string' ? tsvText(v) : String(v));
              }
              text += '\n';
            }
            yield Buffer.from(text, 'utf8');
          }
        })(),
      ),
    );
    try {
      const result = await this.live.executeQuery(
        CompiledQuery.raw(
          `LOAD DATA LOCAL INFILE '${id}' INTO TABLE ${quoteName(name)} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' ` +
            `LINES TERMINATED BY '\\n' (${columns.map((c) => quoteName(c.name)).join(', ')})`,
        ),
      );
      // LOCAL turns data errors into warnings (the rows would be changed, not refused): none may be left.
      const warnings = await this.run('SHOW WARNINGS LIMIT 1');
      if (warnings.length > 0 || Number(result.numAffectedRows ?? count) !== count) {
        throw new Error(`loading ${name}: ${warnings.length > 0 ? String(warnings[0]!['Message']) : `${String(result.numAffectedRows)} of ${count} rows stored`}`);
      }
    } finally {
      this.infiles.delete(id);
    }
  }

  private async insertBatches(name: string, columns: readonly ColumnInfo[], values: readonly unknown[][], count: number): Promise<void> {
    const n = columns.length;
    const head = `INSERT INTO ${quoteName(name)} (${columns.map((c) => quoteName(c.name)).join(', ')}) VALUES `;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const text = (k: number) => head + Array.from({ length: k }, () => tuple).join(', ');
    const full = text(INSERT_ROWS);
    for (let start = 0; start < count; start += INSERT_ROWS) {
      const k = Math.min(INSERT_ROWS, count - start);
      const args: unknown[] = new Array(k * n);
      for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) args[i * n + j] = values[j]![start + i];
      await this.live.executeQuery(CompiledQuery.raw(k === INSERT_ROWS ? full : text(k), args));
    }
  }

  /** The character limits of a table's VARCHAR columns (by name); a temporary table is not listed (its text is TEXT). */
  private async textLimits(table: string): Promise<Map<string, number>> {
    const rows = await this.serial(() =>
      this.run(
        `SELECT column_name AS c, character_maximum_length AS n FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ${quoteText(table)} AND data_type IN ('varchar', 'char')`,
      ),
    );
    return new Map(rows.map((r) => [String(r['c']), Number(r['n'])]));
  }

  /**
   * An index on the columns, unless one of that name exists. TEXT columns
   * become VARCHAR(255) with it (in one table rebuild); when a value is longer
   * the table stays as it is, unindexed (queries scan).
   */
  async createIndex(table: string, columns: readonly string[]): Promise<void> {
    const index = indexNameOf(table, columns);
    await this.guarded(async () => {
      const found = await this.run(
        `SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ${quoteText(table)} AND index_name = ${quoteText(index)}`,
      );
      if (found.length > 0) return;
      const info = await this.run(
        `SELECT column_name AS c, data_type AS t, is_nullable AS n FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ${quoteText(table)}`,
      );
      const changes: string[] = [];
      for (const c of columns) {
        const col = info.find((r) => r['c'] === c);
        if (col && /text$/i.test(String(col['t']))) {
          changes.push(`MODIFY ${quoteName(c)} VARCHAR(${KEY_CHARS}) CHARACTER SET utf8mb4 COLLATE ${this.textCollation}${col['n'] === 'YES' ? ' NULL' : ' NOT NULL'}`);
        }
      }
      changes.push(`ADD INDEX ${quoteName(index)} (${columns.map(quoteName).join(', ')})`);
      try {
        await this.run(`ALTER TABLE ${quoteName(table)} ${changes.join(', ')}`);
      } catch (e) {
        // 1406: a value longer than the key's VARCHAR — the table keeps its TEXT columns, without the index.
        if ((e as MysqlError).errno !== 1406 && (e as MysqlError).errno !== 1265) throw e;
        return;
      }
      // Fresh statistics, so the optimizer sees the probes the index makes cheap.
      await this.run(`ANALYZE TABLE ${quoteName(table)}`);
    });
  }

  async execute(text: string): Promise<void> {
    await this.guarded(() => this.run(text));
  }

  async query(text: string, columns?: readonly QueryColumn[]): Promise<Row[]> {
    const rows = await this.guarded(() => this.run(text));
    if (rows.length === 0) return [];
    const typed = new Map<string, ScalarType>();
    for (const c of columns ?? []) {
      if (!(c.name in rows[0]!)) throw new Error(`the query result has no column ${c.name} (it has ${Object.keys(rows[0]!).join(', ') || 'none'})`);
      typed.set(c.name, c.type);
    }
    return rows.map((r) => {
      const row: Row = {};
      for (const [k, v] of Object.entries(r)) {
        const type = typed.get(k);
        row[k] = type === undefined ? inferred(v) : outputValue(v, type, k);
      }
      return row;
    });
  }

  async queryValues(text: string, columns: readonly QueryColumn[], parameters?: Readonly<Record<string, Value>>): Promise<Value[][]> {
    if (parameters !== undefined && Object.keys(parameters).length > 0) throw new Error('the mysql engine takes no named parameters (its dialect has no namedParameters)');
    const rows = await this.guarded(() => this.run(text));
    if (rows.length > 0)
      for (const c of columns) if (!(c.name in rows[0]!)) throw new Error(`the query result has no column ${c.name} (it has ${Object.keys(rows[0]!).join(', ')})`);
    return rows.map(picker(columns));
  }

  /**
   * Streams the result (mysql2's query stream, paused while `onBatch` runs):
   * only one batch is held at a time. When `onBatch` throws, the query is
   * killed from a second connection and the rest of the result discarded.
   */
  async queryBatches(text: string, columns: readonly QueryColumn[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows = 8192): Promise<number> {
    return this.serial(async () => {
      const size = Math.max(1, Math.floor(batchRows));
      const pick = picker(columns);
      let batch: Value[][] = [];
      let total = 0;
      let failed: unknown;
      let killed = false;
      try {
        for await (const chunk of this.live.getExecutor().stream(CompiledQuery.raw(text), size)) {
          if (failed !== undefined) continue;
          for (const r of chunk.rows as Record<string, unknown>[]) {
            if (total === 0 && batch.length === 0)
              for (const c of columns) if (!(c.name in r)) throw new Error(`the query result has no column ${c.name} (it has ${Object.keys(r).join(', ')})`);
            batch.push(pick(r));
          }
          if (batch.length >= size) {
            const full = batch;
            batch = [];
            total += full.length;
            try {
              await onBatch(full);
            } catch (e) {
              failed = e;
              killed = true;
              await this.killQuery();
            }
          }
        }
      } catch (e) {
        if (failed === undefined || !killed) throw e;
      }
      if (failed !== undefined) throw failed;
      if (batch.length > 0) {
        total += batch.length;
        await onBatch(batch);
      }
      return total;
    });
  }

  /** Stops the statement running on the engine's connection (KILL QUERY from another connection). */
  private async killQuery(): Promise<void> {
    const u = new URL(this.url);
    const c = createConnection({ host: u.hostname, port: u.port === '' ? 3306 : Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    try {
      await new Promise<void>((resolve) => c.query(`KILL QUERY ${this.connectionId}`, () => resolve()));
    } finally {
      c.destroy();
    }
  }

  /**
   * `autocommit = 0` until `fn` ends, then COMMIT or ROLLBACK; a nested call
   * is a savepoint. DDL run meanwhile commits what came before it (MySQL has
   * no transactional DDL: `apply` stages and swaps instead).
   */
  async transaction<T>(fn: (engine: this) => Promise<T> | T): Promise<T> {
    const nested = this.depth > 0;
    const sp = `fsql_tx_${++this.savepoints}`;
    await this.serial(() => this.run(nested ? `SAVEPOINT ${sp}` : 'SET autocommit = 0'));
    this.depth++;
    try {
      const result = await fn(this);
      this.depth--;
      await this.serial(() =>
        this.run(nested ? `RELEASE SAVEPOINT ${sp}` : 'COMMIT').catch((e: unknown) => {
          if ((e as MysqlError).errno !== 1305) throw e;
          return [];
        }),
      );
      return result;
    } catch (e) {
      this.depth--;
      await this.serial(() => this.run(nested ? `ROLLBACK TO SAVEPOINT ${sp}` : 'ROLLBACK')).catch(() => undefined);
      throw e;
    } finally {
      if (!nested) await this.serial(() => this.run('SET autocommit = 1')).catch(() => undefined);
    }
  }

  async tableColumns(name: readonly string[]): Promise<readonly TableColumn[] | undefined> {
    const { db, table } = split(name, this.schema);
    const rows = await this.guarded(() =>
      this.run(
        `SELECT column_name AS c, data_type AS t, column_type AS ct, collation_name AS co FROM information_schema.columns ` +
          `WHERE table_schema = ${quoteText(db)} AND table_name = ${quoteText(table)} ORDER BY ordinal_position`,
      ),
    );
    if (rows.length === 0) return undefined;
    return rows.map((r) => {
      const collation = r['co'] === null || r['co'] === undefined ? null : String(r['co']);
      const columnType = String(r['ct']);
      return { name: String(r['c']), engineType: collation !== null ? `${columnType} COLLATE ${collation}` : columnType, type: fsqlTypeOf(String(r['t']), columnType, collation) };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    await this.db.destroy().catch(() => undefined);
  }
}

/** A value of a column no fsql type was asked for: as far as it says (date and time text stays text unless it parses). */
function inferred(v: unknown): Value {
  if (typeof v === 'string') return v;
  return inferValue(v);
}

/** Rows (objects) → arrays of the canonical values of `columns`. */
function picker(columns: readonly QueryColumn[]): (r: Record<string, unknown>) => Value[] {
  const names = columns.map((c) => c.name);
  const types = columns.map((c) => c.type);
  return (r) => {
    const out: Value[] = new Array(names.length);
    for (let j = 0; j < names.length; j++) out[j] = outputValue(r[names[j]!], types[j]!, names[j]!);
    return out;
  };
}

export async function openMysql(url: string, options: EngineOptions = {}): Promise<MysqlEngine> {
  return MysqlEngine.open(url, options);
}
