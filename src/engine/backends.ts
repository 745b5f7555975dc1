/**
 * The offline engines, by registration: each backend says what it is (a
 * label, its default database file) and what it can do, and how to open it.
 * The runtime reads these capabilities instead of testing engine names (in
 * the manner of Kysely's `DialectAdapter.supportsTransactionalDdl` and
 * Malloy's connection registry). Opening loads the backend's native module
 * only then, so using one engine never requires another.
 */
import type { Engine, EngineOptions, EngineTarget } from './engine.js';

export interface EngineCapabilities {
  /** Several processes may open the database at once (`serve --workers`, an ingest while a server runs). */
  readonly multiProcess: boolean;
  /** A lasting view may read a table of an attached database (a TABLE source in another database). */
  readonly viewsAcrossDatabases: boolean;
  /** DDL (CREATE TABLE, CREATE VIEW) may run inside a transaction and is rolled back with it. */
  readonly transactionalDdl: boolean;
  /**
   * A Parquet FILE source can be a view over the file itself (`Engine.readParquetSql`)
   * instead of a copy: apply checks the rows with one query and pins the
   * file's size, times and hash (docs/runtime.md). CSV and JSONL are always
   * copied (fsql's readers and the engine's disagree on what some text means).
   */
  readonly readsFilesInPlace: boolean;
  /**
   * A training set or ad-hoc spine copies each computed view it reads (GROUP
   * BY, DISTINCT, or over such a view) once into an indexed temporary table
   * (`withComputedViews`, src/runtime/run-plan.ts): the engine would otherwise
   * inline the view into each per-spine-row lookup and aggregate it again per
   * row (PostgreSQL, SQLite; DuckDB decorrelates the lookups and reads each
   * view once a lookup group anyway: docs/offline-engines.md, "Computed views").
   */
  readonly computesViewsOnce: boolean;
}

export interface EngineBackend {
  readonly target: EngineTarget;
  /** For messages: `SQLite`, `DuckDB`, `PostgreSQL`. */
  readonly label: string;
  /**
   * Where the database is: `file` — a database file (`offline.path`, default
   * `.fsql/<defaultFile>`), or in memory for `:memory:`; `url` — a server
   * (`offline.url` in fsql.json, required), whose tables fsql keeps in a
   * schema of its own (`offline.schema`).
   */
  readonly location: 'file' | 'url';
  /** The offline database's file name under `.fsql/` when fsql.json names none (file engines). */
  readonly defaultFile: string;
  readonly capabilities: EngineCapabilities;
  /** Opens the engine on a database file (in memory for `:memory:`), or a server's URL. */
  open(where: string, options: EngineOptions): Promise<Engine>;
}

const BACKENDS = new Map<EngineTarget, EngineBackend>();

/** Adds a backend (one per target). */
export function registerEngine(backend: EngineBackend): void {
  if (BACKENDS.has(backend.target)) throw new Error(`an engine backend for ${backend.target} is already registered`);
  BACKENDS.set(backend.target, backend);
}

/** The backend of a target; throws for a target no backend serves. */
export function engineBackend(target: EngineTarget): EngineBackend {
  const b = BACKENDS.get(target);
  if (!b) throw new Error(`no offline engine for target ${String(target)}`);
  return b;
}

/** Every registered backend, in registration order. */
export function engineBackends(): readonly EngineBackend[] {
  return [...BACKENDS.values()];
}

registerEngine({
  target: 'sqlite',
  label: 'SQLite',
  location: 'file',
  defaultFile: 'offline.db',
  capabilities: { multiProcess: true, viewsAcrossDatabases: false, transactionalDdl: true, readsFilesInPlace: false, computesViewsOnce: true },
  open: async (path, options) => (await import('./sqlite.js')).openSqlite(path, options),
});

registerEngine({
  target: 'duckdb',
  label: 'DuckDB',
  location: 'file',
  defaultFile: 'offline.duckdb',
  capabilities: { multiProcess: false, viewsAcrossDatabases: true, transactionalDdl: true, readsFilesInPlace: true, computesViewsOnce: false },
  open: async (path) => (await import('./duckdb.js')).openDuckdb(path),
});

registerEngine({
  target: 'postgres',
  label: 'PostgreSQL',
  location: 'url',
  defaultFile: '',
  // Many connections at once (serve --workers, an ingest beside a server); views read tables of any schema
  // (TABLE sources in place); CREATE TABLE / VIEW / INDEX roll back with the transaction.
  capabilities: { multiProcess: true, viewsAcrossDatabases: true, transactionalDdl: true, readsFilesInPlace: false, computesViewsOnce: true },
  open: async (url, options) => (await import('./postgres.js')).openPostgres(url, options),
});

registerEngine({
  target: 'mysql',
  label: 'MySQL',
  location: 'url',
  defaultFile: '',
  // Many connections at once; views read tables of any database (TABLE sources in place); but every CREATE / DROP
  // commits on its own: apply stages new tables and swaps them in (RENAME TABLE) instead of rolling back.
  capabilities: { multiProcess: true, viewsAcrossDatabases: true, transactionalDdl: false, readsFilesInPlace: false, computesViewsOnce: false },
  open: async (url, options) => (await import('./mysql.js')).openMysql(url, options),
});

registerEngine({
  target: 'spark',
  label: 'Spark',
  location: 'url',
  defaultFile: '',
  // A Spark Connect server (`offline.url` = sc://host:port) takes many sessions at once; views read tables of any
  // database (TABLE sources in place); but Spark has no transactions at all: apply stages new tables and swaps them in.
  capabilities: { multiProcess: true, viewsAcrossDatabases: true, transactionalDdl: false, readsFilesInPlace: false, computesViewsOnce: false },
  open: async (url, options) => (await import('./spark.js')).openSpark(url, options),
});
