/**
 * The online store on SQLite (better-sqlite3), the default: a small
 * `VectorStore` (vector-store.ts) under the shared layer (vectors.ts).
 *
 * Layout (README.md has the measurements behind it):
 *
 *   fsql_online_meta(name, value)            schema version, last generation number
 *   fsql_online_entities(entity_key, …)      per entity: its current generation, the
 *                                            table holding it, as-of time, key columns,
 *                                            features (JSON), key count, times, the
 *                                            last ticket (seq) and high_as_of
 *   fsql_vectors_<generation>(k, v, s)       one row per entity key: k = the key as JSON
 *                                            text (unique index), v = the whole vector,
 *                                            binary (codec.ts), s = the ticket it was
 *                                            computed under
 *
 * The journal of owed updates (src/store/journal) keeps its table
 * `fsql_online_pending` in the same file, on its own connection.
 *
 * Atomicity: a generation is written into a new `fsql_vectors_<g>` table
 * inside one write transaction, which ends by pointing the entity's row at
 * `<g>`, dropping the previous table, and committing. Readers run each
 * `multiGet` in one read transaction (entity row, then the vectors), so in
 * WAL mode they see the old generation or the new one and are never blocked.
 * A process killed in the middle leaves an uncommitted transaction, which
 * SQLite discards on the next open: the previous generation is intact and no
 * half-built table remains.
 *
 * The hot path (`multiGet`) is raw better-sqlite3: prepared statements per
 * generation, cached while it is current. A write waits for another
 * process's write without blocking the event loop (`writeTimeoutMs`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { beginImmediate } from '../../engine/sqlite.js';
import { UpdateJournal } from '../journal/journal.js';
import { nameKey, OnlineStoreError } from './store.js';
import type { EntityMeta, GenerationFiller, GenerationMeta, GenerationRead, MetaChange, NewGeneration, StoredVector, VectorMerge, VectorStore } from './vector-store.js';
import { VectorOnlineStore } from './vectors.js';

const SCHEMA_VERSION = 1;
const VECTOR_TABLE_PREFIX = 'fsql_vectors_';
/** Rows per INSERT statement of a snapshot write (3 parameters each). */
const INSERT_BATCH = 64;

export interface SqliteOnlineStoreOptions {
  /** Longest time a write waits for another process's write transaction, in ms (default 60 000). */
  readonly writeTimeoutMs?: number;
  /** A snapshot write gives the event loop a turn after this many ms of work (default 10). */
  readonly yieldMs?: number;
  /** SQLite page cache per connection, in KiB (default 32 768). */
  readonly cacheSizeKiB?: number;
  /** Bytes of the file to memory-map for reads (default 0: no mmap). */
  readonly mmapBytes?: number;
}

interface EntityRow {
  entity: string;
  generation: number;
  vectors: string;
  as_of: number;
  key_columns: string;
  features: string;
  keys: number;
  written_at: number;
  updated_at: number;
  seq: number;
  high_as_of: number | null;
  refreshed_as_of: number | null;
}

/** What the store caches about an entity's current generation. */
interface Generation {
  readonly meta: GenerationMeta;
  readonly table: string;
  readonly lookup: Database.Statement<[string], Buffer>;
  /** The stored vector and the ticket it was computed under. */
  readonly stored: Database.Statement<[string], { v: Buffer; s: number }>;
  /** Writes a vector with its ticket. */
  readonly put: Database.Statement<[string, Uint8Array, number], unknown>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const nowMicros = () => Date.now() * 1000;


const ENTITY_COLUMNS = 'entity, generation, vectors, as_of, key_columns, features, keys, written_at, updated_at, seq, high_as_of, refreshed_as_of';

function entityMeta(row: EntityRow): EntityMeta {
  return {
    entity: row.entity,
    generation: row.generation,
    asOf: row.as_of,
    keyColumns: row.key_columns,
    features: row.features,
    writtenAt: row.written_at,
    keys: row.keys,
    updatedAt: row.updated_at,
    seq: row.seq,
    highAsOf: row.high_as_of,
    refreshedAsOf: row.refreshed_as_of,
  };
}

export class SqliteVectorStore implements VectorStore {
  private readonly db: Database.Database;
  private readonly writeTimeoutMs: number;
  private readonly busyTimeoutMs = 5_000;
  private closed = false;
  private readonly cache = new Map<string, Generation>();

  private readonly sGeneration: Database.Statement<[string], number>;
  private readonly sEntity: Database.Statement<[string], EntityRow>;
  private readonly readTx: (entity: string, keys: readonly string[]) => GenerationRead | null;

  /** Opens (creating when needed) the store in the SQLite file at `path` (':memory:' for a private in-memory one). */
  constructor(
    readonly path: string,
    options: SqliteOnlineStoreOptions = {},
  ) {
    this.writeTimeoutMs = options.writeTimeoutMs ?? 60_000;
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: this.busyTimeoutMs });
    this.db = db;
    try {
      if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit survives a process crash; a power loss may lose the last commits, never
      // consistency — the online store is derived data, recomputed from the offline store. (The journal's
      // record of an update owed is synced, FULL: src/store/journal.)
      db.pragma('synchronous = NORMAL');
      db.pragma(`cache_size = -${Math.max(1, Math.floor(options.cacheSizeKiB ?? 32_768))}`);
      db.pragma('journal_size_limit = 67108864');
      if (options.mmapBytes) db.pragma(`mmap_size = ${Math.floor(options.mmapBytes)}`);
      this.initSchema();
    } catch (e) {
      db.close();
      throw e;
    }
    this.sGeneration = db.prepare<[string], number>('SELECT generation FROM fsql_online_entities WHERE entity_key = ?').pluck();
    this.sEntity = db.prepare<[string], EntityRow>(`SELECT ${ENTITY_COLUMNS} FROM fsql_online_entities WHERE entity_key = ?`);
    this.readTx = db.transaction((entity: string, keys: readonly string[]) => {
      const g = this.current(entity);
      if (g === undefined) return null;
      const blobs: (Buffer | undefined)[] = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) blobs[i] = g.lookup.get(keys[i]!);
      return { meta: g.meta, blobs };
    });
  }

  get where(): string {
    return this.path;
  }

  private initSchema(): void {
    const db = this.db;
    const have = db.prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('fsql_online_meta', 'fsql_online_entities')`).pluck().get() as number;
    if (have < 2) {
      db.transaction(() => {
        db.exec(`
          CREATE TABLE IF NOT EXISTS fsql_online_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
          CREATE TABLE IF NOT EXISTS fsql_online_entities (
            entity_key TEXT PRIMARY KEY,
            entity TEXT NOT NULL,
            generation INTEGER NOT NULL,
            vectors TEXT NOT NULL,
            as_of INTEGER NOT NULL,
            key_columns TEXT NOT NULL,
            features TEXT NOT NULL,
            keys INTEGER NOT NULL,
            written_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            seq INTEGER NOT NULL DEFAULT 0,
            high_as_of INTEGER,
            refreshed_as_of INTEGER
          );
          INSERT OR IGNORE INTO fsql_online_meta (name, value) VALUES ('schema', ${SCHEMA_VERSION}), ('last_generation', 0);
        `);
      }).immediate();
    }
    const version = db.prepare(`SELECT value FROM fsql_online_meta WHERE name = 'schema'`).pluck().get() as number | undefined;
    if (version !== SCHEMA_VERSION) throw new Error(`${this.path}: online store schema version ${version ?? 'unknown'}; this fsql reads version ${SCHEMA_VERSION}`);
    // The journal's table (src/store/journal) lives in this file: made when the store is opened, as
    // before the split, so the journal's lazy open finds it and takes no lock a long write may hold.
    if ((db.prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'fsql_online_pending'`).pluck().get() as number) === 0) {
      db.exec(`CREATE TABLE IF NOT EXISTS fsql_online_pending (
        id INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, keys TEXT, newest INTEGER, reason TEXT NOT NULL,
        owner TEXT NOT NULL, recorded_at INTEGER NOT NULL, settled_at INTEGER)`);
    }
    // Tickets (the ordering of recomputed vectors) came later: an older store gains their columns,
    // its vectors ticket 0. Checked again inside the write lock: another process may be opening it too.
    const columns = (table: string) => db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
    const vectorTables = () => db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB '${VECTOR_TABLE_PREFIX}[0-9]*'`).pluck().all() as string[];
    const stale = () => !columns('fsql_online_entities').includes('seq') || !columns('fsql_online_entities').includes('refreshed_as_of') || vectorTables().some((t) => !columns(t).includes('s'));
    if (stale()) {
      db.transaction(() => {
        if (!columns('fsql_online_entities').includes('seq')) {
          db.exec('ALTER TABLE fsql_online_entities ADD COLUMN seq INTEGER NOT NULL DEFAULT 0');
          db.exec('ALTER TABLE fsql_online_entities ADD COLUMN high_as_of INTEGER');
        }
        // The time of the last incremental refresh came later still.
        if (!columns('fsql_online_entities').includes('refreshed_as_of')) db.exec('ALTER TABLE fsql_online_entities ADD COLUMN refreshed_as_of INTEGER');
        for (const t of vectorTables()) if (!columns(t).includes('s')) db.exec(`ALTER TABLE ${quote(t)} ADD COLUMN s INTEGER NOT NULL DEFAULT 0`);
      }).immediate();
    }
  }

  private check(): void {
    if (this.closed) throw new OnlineStoreError('closed', `the online store ${this.path} is closed`);
  }

  /** BEGIN IMMEDIATE, waiting for another process's write without blocking the event loop. */
  private begin(): Promise<void> {
    return beginImmediate(this.db, {
      waitMs: this.writeTimeoutMs,
      busyTimeoutMs: this.busyTimeoutMs,
      timedOut: () => new OnlineStoreError('busy', `${this.path}: another process held the write lock for more than ${this.writeTimeoutMs} ms`),
    });
  }


  private rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  /** The entity's current generation, from the cache when it has not changed. Call inside a transaction. */
  private current(entity: string): Generation | undefined {
    const entityKey = nameKey(entity);
    const generation = this.sGeneration.get(entityKey);
    if (generation === undefined) return undefined;
    const cached = this.cache.get(entityKey);
    if (cached?.meta.generation === generation) return cached;
    const row = this.sEntity.get(entityKey)!;
    const table = quote(row.vectors);
    const m = entityMeta(row);
    const g: Generation = {
      meta: { entity: m.entity, generation: m.generation, asOf: m.asOf, keyColumns: m.keyColumns, features: m.features, writtenAt: m.writtenAt },
      table: row.vectors,
      lookup: this.db.prepare<[string], Buffer>(`SELECT v FROM ${table} WHERE k = ?`).pluck(),
      stored: this.db.prepare<[string], { v: Buffer; s: number }>(`SELECT v, s FROM ${table} WHERE k = ?`),
      put: this.db.prepare<[string, Uint8Array, number], unknown>(`INSERT INTO ${table} (k, v, s) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v, s = excluded.s`),
    };
    this.cache.set(entityKey, g);
    return g;
  }

  /** Synchronous (better-sqlite3): the read itself, no promise on the hot path. */
  multiGet(entity: string, keys: readonly string[]): GenerationRead | null {
    this.check();
    return this.readTx(entity, keys);
  }

  async meta(entity: string): Promise<EntityMeta | null> {
    this.check();
    const row = this.sEntity.get(nameKey(entity));
    return row ? entityMeta(row) : null;
  }

  async bulkPut(generation: NewGeneration, fill: GenerationFiller): Promise<EntityMeta> {
    this.check();
    const db = this.db;
    const { entity, seq } = generation;
    await this.begin();
    let committed = false;
    let meta: EntityMeta;
    try {
      const entityKey = nameKey(entity);
      const previous = db.prepare('SELECT vectors, features, seq FROM fsql_online_entities WHERE entity_key = ?').get(entityKey) as { vectors: string; features: string; seq: number } | undefined;
      // Without a ticket, the vectors rank with the latest one taken.
      const ticket = seq ?? previous?.seq ?? 0;
      const number = db.prepare(`UPDATE fsql_online_meta SET value = value + 1 WHERE name = 'last_generation' RETURNING value`).pluck().get() as number;
      const table = `${VECTOR_TABLE_PREFIX}${number}`;
      db.exec(`CREATE TABLE ${quote(table)} (k TEXT NOT NULL, v BLOB NOT NULL, s INTEGER NOT NULL DEFAULT 0)`);
      // Rows go in INSERT statements of INSERT_BATCH rows (one call into SQLite per batch, not per row: ~2.5×
      // faster), their blobs copied into one buffer meanwhile (`fill` reuses its own).
      const insert = db.prepare<[string, Uint8Array, number], unknown>(`INSERT INTO ${quote(table)} (k, v, s) VALUES (?, ?, ?)`);
      const insertMany = db.prepare<unknown[], unknown>(`INSERT INTO ${quote(table)} (k, v, s) VALUES ${Array.from({ length: INSERT_BATCH }, () => '(?, ?, ?)').join(', ')}`);
      const args: unknown[] = new Array(INSERT_BATCH * 3);
      let arena = Buffer.allocUnsafe(64 * 1024);
      let used = 0;
      let pending = 0;
      const flush = () => {
        if (pending === INSERT_BATCH) insertMany.run(args);
        else for (let i = 0; i < pending; i++) insert.run(args[3 * i] as string, args[3 * i + 1] as Uint8Array, ticket);
        pending = 0;
        used = 0;
      };
      let count = 0;
      await fill((key, blob) => {
        if (used + blob.length > arena.length) {
          flush();
          if (blob.length > arena.length) arena = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(blob.length)));
        }
        arena.set(blob, used);
        const i = 3 * pending;
        args[i] = key;
        args[i + 1] = arena.subarray(used, used + blob.length);
        args[i + 2] = ticket;
        used += blob.length;
        if (++pending === INSERT_BATCH) flush();
        count++;
      });
      flush();
      // The index is built once, after the rows (faster than maintaining it); it also finds a duplicate key.
      try {
        db.exec(`CREATE UNIQUE INDEX ${quote(`${table}_k`)} ON ${quote(table)} (k)`);
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
        const dup = db.prepare(`SELECT k FROM ${quote(table)} GROUP BY k HAVING count(*) > 1 LIMIT 1`).pluck().get() as string;
        throw new OnlineStoreError('duplicate_key', `snapshot of ${entity}: key ${dup} appears more than once`);
      }
      // Keys upserted under a later ticket while this generation was computed hold newer vectors: kept
      // (when the features are the same; otherwise the caller re-applies them, runtime/online-updates.ts).
      if (seq !== undefined && previous !== undefined && previous.features === generation.features) {
        const kept = db
          .prepare(`INSERT INTO ${quote(table)} (k, v, s) SELECT k, v, s FROM ${quote(previous.vectors)} WHERE s > ? ON CONFLICT (k) DO UPDATE SET v = excluded.v, s = excluded.s`)
          .run(seq).changes;
        if (kept > 0) count = db.prepare(`SELECT count(*) FROM ${quote(table)}`).pluck().get() as number;
      }
      // The flip: point the entity at the new generation, drop the old one, commit. Tickets go on from
      // the latest taken; the time to compute upserts as of starts again from the generation's.
      const now = nowMicros();
      const row = db
        .prepare(
          `INSERT INTO fsql_online_entities (entity_key, entity, generation, vectors, as_of, key_columns, features, keys, written_at, updated_at, seq, high_as_of)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT (entity_key) DO UPDATE SET entity = excluded.entity, generation = excluded.generation, vectors = excluded.vectors,
             as_of = excluded.as_of, key_columns = excluded.key_columns, features = excluded.features, keys = excluded.keys,
             written_at = excluded.written_at, updated_at = excluded.updated_at, seq = max(fsql_online_entities.seq, excluded.seq), high_as_of = NULL, refreshed_as_of = NULL
           RETURNING ${ENTITY_COLUMNS}`,
        )
        .get(entityKey, entity, number, table, generation.asOf, generation.keyColumns, generation.features, count, now, now, ticket) as EntityRow;
      meta = entityMeta(row);
      this.dropUnused();
      db.exec('COMMIT');
      committed = true;
    } finally {
      if (!committed) this.rollback();
    }
    // Copy the WAL back into the database when no reader holds it; never waits.
    db.pragma('wal_checkpoint(PASSIVE)');
    return meta;
  }

  /** Drops every vector table no entity points at (the generation just replaced, and any left over). */
  private dropUnused(): void {
    const db = this.db;
    const used = new Set(db.prepare('SELECT vectors FROM fsql_online_entities').pluck().all() as string[]);
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB '${VECTOR_TABLE_PREFIX}[0-9]*'`).pluck().all() as string[];
    for (const t of tables) if (!used.has(t)) db.exec(`DROP TABLE ${quote(t)}`);
  }

  async update(entity: string, keys: readonly string[], merge: VectorMerge): Promise<number> {
    this.check();
    await this.begin();
    let committed = false;
    try {
      const g = this.current(entity);
      if (g === undefined) throw new OnlineStoreError('not_materialized', `entity ${entity} has not been materialized into ${this.path}`);
      const stored: (StoredVector | undefined)[] = keys.map((k) => {
        const r = g.stored.get(k);
        return r === undefined ? undefined : { blob: r.v, seq: r.s };
      });
      const writes = merge(g.meta, stored);
      let written = 0;
      const added = new Set<string>();
      for (let i = 0; i < keys.length; i++) {
        const w = writes[i];
        if (w === undefined) continue;
        g.put.run(keys[i]!, w.blob, w.seq);
        written++;
        if (stored[i] === undefined) added.add(keys[i]!);
      }
      this.db.prepare('UPDATE fsql_online_entities SET keys = keys + ?, updated_at = ? WHERE entity_key = ?').run(added.size, nowMicros(), nameKey(entity));
      this.db.exec('COMMIT');
      committed = true;
      return written;
    } finally {
      if (!committed) this.rollback();
    }
  }

  async updateMeta(entity: string, change: MetaChange): Promise<EntityMeta | null> {
    this.check();
    await this.begin();
    try {
      const row = this.sEntity.get(nameKey(entity));
      if (row === undefined) {
        this.db.exec('COMMIT');
        return null;
      }
      const m = entityMeta(row);
      const c = change(m);
      const refreshed = c.refreshedAsOf ?? m.refreshedAsOf ?? null;
      this.db.prepare('UPDATE fsql_online_entities SET seq = ?, high_as_of = ?, refreshed_as_of = ? WHERE entity_key = ?').run(c.seq, c.highAsOf, refreshed, nameKey(entity));
      this.db.exec('COMMIT');
      return { ...m, seq: c.seq, highAsOf: c.highAsOf, refreshedAsOf: refreshed };
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    this.db.close();
  }
}

/** The SQLite online store: the shared layer over `SqliteVectorStore`, its journal in the same file. */
export class SqliteOnlineStore extends VectorOnlineStore {
  constructor(
    readonly path: string,
    options: SqliteOnlineStoreOptions = {},
  ) {
    super(
      new SqliteVectorStore(path, options),
      (owner) => new UpdateJournal(path, { owner, ...(options.writeTimeoutMs !== undefined ? { writeTimeoutMs: options.writeTimeoutMs } : {}) }),
      options.yieldMs !== undefined ? { yieldMs: options.yieldMs } : {},
    );
  }
}
