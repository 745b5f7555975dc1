/**
 * The registry in a SQLite file (the default: `.fsql/registry.db`), through
 * Kysely's SqliteDialect on better-sqlite3. Writers exclude each other with
 * `BEGIN IMMEDIATE` and the busy timeout, as before Kysely: every Kysely
 * transaction on this dialect begins IMMEDIATE, and the adapter declares
 * SQLite's transactional DDL so the Migrator runs all migrations in one
 * transaction.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDialectConfig } from 'kysely';
import type { Database as Tables } from './database.js';
import { registerRegistryBackend, type RegistryStorage } from './storage.js';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class RegistrySqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.settings);
  }
  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Writers of one file in this process, one at a time. better-sqlite3 waits for
 * SQLite's lock synchronously: a second registry of the same file (two
 * workspaces of one project in one process) beginning a transaction while the
 * first one's is open between two awaits would block the thread the first
 * needs to finish. Other processes are excluded by SQLite's lock as before.
 */
const writers = new Map<string, Promise<unknown>>();

function oneWriterAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = writers.get(key) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const settled = run.catch(() => undefined);
  writers.set(key, settled);
  void settled.then(() => {
    if (writers.get(key) === settled) writers.delete(key);
  });
  return run;
}

registerRegistryBackend(
  {
    label: 'SQLite',
    claims: () => true,
    redact: (location) => location,
    async open(path, options): Promise<RegistryStorage> {
      const readonly = options.readonly === true;
      const file = path !== ':memory:' && path !== '';
      if (!readonly && file) mkdirSync(dirname(path), { recursive: true });
      const sqlite = readonly ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(path);
      try {
        if (!readonly && file) sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('foreign_keys = ON');
        sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      } catch (e) {
        sqlite.close();
        throw e;
      }
      const db = new Kysely<Tables>({ dialect: new RegistrySqliteDialect({ database: sqlite }) });
      return {
        db,
        location: path,
        readonly,
        flavor: { autoIdType: 'integer' },
        write: (fn) => (file ? oneWriterAtATime(resolve(path), () => db.transaction().execute(fn)) : db.transaction().execute(fn)),
        // The Migrator's transaction begins IMMEDIATE: other processes wait for it.
        migrating: (fn) => (file ? oneWriterAtATime(resolve(path), fn) : fn()),
        close: () => db.destroy(),
      };
    },
  },
  { fallback: true },
);
