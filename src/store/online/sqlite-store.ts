/**
 * The online store on SQLite (better-sqlite3), the default.
 *
 * Layout (README.md has the measurements behind it):
 *
 *   fsql_online_meta(name, value)            schema version, last generation number
 *   fsql_online_entities(entity_key, …)      per entity: its current generation, the
 *                                            table holding it, as-of time, key columns,
 *                                            features (JSON), key count, times
 *   fsql_vectors_<generation>(k, v, s)       one row per entity key: k = the key as JSON
 *                                            text (unique index), v = the whole vector,
 *                                            binary (codec.ts), s = the ticket it was
 *                                            computed under
 *
 * Atomicity: a snapshot is written into a new `fsql_vectors_<g>` table inside
 * one write transaction, which ends by pointing the entity's row at `<g>`,
 * dropping the previous table, and committing. Readers run each `get` in one
 * read transaction (entity row, then the vectors), so in WAL mode they see the
 * old generation or the new one and are never blocked. A process killed in the
 * middle leaves an uncommitted transaction, which SQLite discards on the next
 * open: the previous generation is intact and no half-built table remains.
 *
 * Ordering: vectors are recomputed from the offline store by whichever
 * process carries an update out, several at once with `serve --workers`.
 * Each recomputation first takes a ticket (`ticket`: the entity's `seq` + 1,
 * in a write transaction every process shares) and then reads the offline
 * store, so a later ticket read a later state. `upsert` under a ticket keeps
 * a stored vector of a later ticket (compare-and-set on `s`), and a snapshot
 * keeps the keys upserted under later tickets while it was computed. The
 * ticket also carries the time to compute as of (`high_as_of`: the newest
 * event time of every ticket since the snapshot), so a recomputation that
 * wins never leaves out another's events by computing as of an earlier time.
 *
 * The write transaction gives the event loop a turn every few milliseconds
 * (`yieldMs`), so reads in the same process go on while a large snapshot is
 * written; writes in the same process (`upsert`, another snapshot) queue
 * behind it. A write waits for another process's write without blocking the
 * event loop (`writeTimeoutMs`).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Value } from '../../engine/values.js';
import { decodeSome, decodeVector, VectorEncoder } from './codec.js';
import {
  type UpdateTicket,
  checkCell,
  checkSnapshotFeatures,
  checkStatus,
  checkTime,
  encodeKey,
  FeatureIndex,
  missingCell,
  nameKey,
  OnlineStoreError,
  valuesInColumnOrder,
  type EncodedVectors,
  type EntityInfo,
  type PendingUpdate,
  type EntitySnapshot,
  type FeatureCell,
  type FeatureResult,
  type FeatureSelector,
  type OnlineStore,
  type SnapshotFeature,
  type SnapshotRow,
  type Vector,
  type VectorResult,
} from './store.js';

const SCHEMA_VERSION = 1;
/** How long settled updates are kept for snapshots computed meanwhile: an hour. */
const SETTLED_KEPT_MICROS = 3_600_000_000;
const VECTOR_TABLE_PREFIX = 'fsql_vectors_';

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
}

/** What the store caches about an entity's current generation. */
interface Generation {
  readonly generation: number;
  readonly entity: string;
  readonly table: string;
  readonly keyLength: number;
  readonly features: readonly SnapshotFeature[];
  readonly index: FeatureIndex;
  readonly counts: readonly number[];
  readonly lookup: Database.Statement<[string], Buffer>;
  /** The stored vector and the ticket it was computed under. */
  readonly stored: Database.Statement<[string], { v: Buffer; s: number }>;
  /** Writes a vector; the key's ticket becomes the later of the stored one and the given one. */
  readonly upsert: Database.Statement<[string, Buffer, number], unknown>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const nowMicros = () => Date.now() * 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function isAsyncIterable<T>(x: Iterable<T> | AsyncIterable<T>): x is AsyncIterable<T> {
  return typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

export class SqliteOnlineStore implements OnlineStore {
  private readonly db: Database.Database;
  private readonly writeTimeoutMs: number;
  private readonly yieldMs: number;
  private readonly busyTimeoutMs: number;
  readonly owner = `${process.pid}:${randomUUID()}`;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Writes of this instance run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cache = new Map<string, Generation>();
  private readonly encoder = new VectorEncoder();

  private readonly sGeneration: Database.Statement<[string], number>;
  private readonly sEntity: Database.Statement<[string], EntityRow>;
  private readonly readTx: (entity: string, keys: readonly (readonly Value[])[]) => { g: Generation; blobs: (Buffer | undefined)[] };

  /** Opens (creating when needed) the store in the SQLite file at `path` (':memory:' for a private in-memory one). */
  constructor(
    readonly path: string,
    options: SqliteOnlineStoreOptions = {},
  ) {
    this.writeTimeoutMs = options.writeTimeoutMs ?? 60_000;
    this.yieldMs = options.yieldMs ?? 10;
    this.busyTimeoutMs = 5_000;
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: this.busyTimeoutMs });
    this.db = db;
    try {
      if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit survives a process crash; a power loss may lose the last commits, never
      // consistency — the online store is derived data, recomputed from the offline store. Except the
      // record of an update owed (`recordPending`), synced (FULL) before the ingest commits its events:
      // after a power loss the events it acknowledged are either carried out or still owed.
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
    this.sEntity = db.prepare<[string], EntityRow>(
      'SELECT entity, generation, vectors, as_of, key_columns, features, keys, written_at, updated_at FROM fsql_online_entities WHERE entity_key = ?',
    );
    this.readTx = db.transaction((entity: string, keys: readonly (readonly Value[])[]) => {
      const g = this.current(entity);
      const blobs = keys.map((k) => g.lookup.get(encodeKey(k, g.keyLength)));
      return { g, blobs };
    });
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
            high_as_of INTEGER
          );
          INSERT OR IGNORE INTO fsql_online_meta (name, value) VALUES ('schema', ${SCHEMA_VERSION}), ('last_generation', 0);
        `);
      }).immediate();
    }
    const version = db.prepare(`SELECT value FROM fsql_online_meta WHERE name = 'schema'`).pluck().get() as number | undefined;
    if (version !== SCHEMA_VERSION) throw new Error(`${this.path}: online store schema version ${version ?? 'unknown'}; this fsql reads version ${SCHEMA_VERSION}`);
    // Added after version 1 shipped; an older store gains it on open.
    const pending = db.prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'fsql_online_pending'`).pluck().get() as number;
    if (pending === 0) {
      db.exec(`CREATE TABLE IF NOT EXISTS fsql_online_pending (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL,
        keys TEXT,
        newest INTEGER,
        reason TEXT NOT NULL,
        owner TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        settled_at INTEGER
      )`);
    } else if (!(db.prepare(`SELECT name FROM pragma_table_info('fsql_online_pending')`).pluck().all() as string[]).includes('settled_at')) {
      db.exec('ALTER TABLE fsql_online_pending ADD COLUMN settled_at INTEGER');
    }
    // Tickets (the ordering of recomputed vectors) came later too: an older store gains their columns,
    // its vectors ticket 0. Checked again inside the write lock: another process may be opening it too.
    const columns = (table: string) => db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
    const vectorTables = () => db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB '${VECTOR_TABLE_PREFIX}[0-9]*'`).pluck().all() as string[];
    const stale = () => !columns('fsql_online_entities').includes('seq') || vectorTables().some((t) => !columns(t).includes('s'));
    if (stale()) {
      db.transaction(() => {
        if (!columns('fsql_online_entities').includes('seq')) {
          db.exec('ALTER TABLE fsql_online_entities ADD COLUMN seq INTEGER NOT NULL DEFAULT 0');
          db.exec('ALTER TABLE fsql_online_entities ADD COLUMN high_as_of INTEGER');
        }
        for (const t of vectorTables()) if (!columns(t).includes('s')) db.exec(`ALTER TABLE ${quote(t)} ADD COLUMN s INTEGER NOT NULL DEFAULT 0`);
      }).immediate();
    }
  }

  private check(): void {
    if (this.closed) throw new OnlineStoreError('closed', `the online store ${this.path} is closed`);
  }

  /** Runs a write after the writes already queued. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** BEGIN IMMEDIATE, waiting for another process's write without blocking the event loop. */
  private async begin(): Promise<void> {
    const deadline = Date.now() + this.writeTimeoutMs;
    let wait = 1;
    for (;;) {
      this.db.pragma('busy_timeout = 0');
      try {
        this.db.exec('BEGIN IMMEDIATE');
        return;
      } catch (e) {
        if (!isBusy(e)) throw e;
      } finally {
        this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      }
      if (Date.now() >= deadline) {
        throw new OnlineStoreError('busy', `${this.path}: another process held the write lock for more than ${this.writeTimeoutMs} ms`);
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 50);
    }
  }

  private rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  /** The entity's current generation, from the cache when it has not changed. Call inside a transaction. */
  private current(entity: string): Generation {
    const entityKey = nameKey(entity);
    const generation = this.sGeneration.get(entityKey);
    if (generation === undefined) throw new OnlineStoreError('not_materialized', `entity ${entity} has not been materialized into ${this.path}`);
    const cached = this.cache.get(entityKey);
    if (cached?.generation === generation) return cached;
    const row = this.sEntity.get(entityKey)!;
    const features = JSON.parse(row.features) as SnapshotFeature[];
    const table = quote(row.vectors);
    const g: Generation = {
      generation,
      entity: row.entity,
      table: row.vectors,
      keyLength: (JSON.parse(row.key_columns) as string[]).length,
      features,
      index: new FeatureIndex(features),
      counts: features.map((f) => f.columns.length),
      lookup: this.db.prepare<[string], Buffer>(`SELECT v FROM ${table} WHERE k = ?`).pluck(),
      stored: this.db.prepare<[string], { v: Buffer; s: number }>(`SELECT v, s FROM ${table} WHERE k = ?`),
      upsert: this.db.prepare<[string, Buffer, number], unknown>(`INSERT INTO ${table} (k, v, s) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v, s = max(s, excluded.s)`),
    };
    this.cache.set(entityKey, g);
    return g;
  }

  async get(entity: string, keys: readonly (readonly Value[])[], features?: readonly FeatureSelector[]): Promise<VectorResult[]> {
    this.check();
    if (!Array.isArray(keys)) throw new OnlineStoreError('bad_input', 'keys must be a list of keys');
    const { g, blobs } = this.readTx(entity, keys);
    const picked = features === undefined ? g.features.map((_f, i) => i) : features.map((sel) => g.index.resolve(g.entity, sel));
    // A few features of many: decode only those.
    const wanted = features === undefined || picked.length * 2 > g.features.length ? undefined : g.features.map((_f, i) => picked.includes(i));
    const results: VectorResult[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const blob = blobs[i];
      const cells = blob === undefined ? undefined : wanted ? decodeSome(blob, g.counts, wanted) : decodeVector(blob, g.counts);
      const out: FeatureResult[] = new Array(picked.length);
      for (let j = 0; j < picked.length; j++) {
        const f = g.features[picked[j]!]!;
        const cell = cells?.[picked[j]!];
        const values: Record<string, Value> = {};
        const cols = f.columns;
        // A key not stored: the feature's empty values, `missing` — or NULLs, `awaiting_fit` (missingCell).
        const empty = cell === undefined && f.awaitingFit ? missingCell(f) : undefined;
        for (let c = 0; c < cols.length; c++) values[cols[c]!] = cell ? cell.values[c]! : empty ? null : (f.emptyValues?.[c] ?? null);
        out[j] = { name: f.name, version: f.version, values, status: cell?.status ?? empty?.status ?? 'missing', eventTime: cell ? cell.eventTime : null };
      }
      results[i] = { key: keys[i]!, found: cells !== undefined, features: out };
    }
    return results;
  }

  async getEncoded(entity: string, keys: readonly (readonly Value[])[]): Promise<EncodedVectors> {
    this.check();
    if (!Array.isArray(keys)) throw new OnlineStoreError('bad_input', 'keys must be a list of keys');
    const { g, blobs } = this.readTx(entity, keys);
    return { generation: g.generation, features: g.features, index: g.index, counts: g.counts, blobs };
  }

  recordPending(updates: readonly PendingUpdate[]): Promise<number[]> {
    try {
      this.check();
      if (updates.length === 0) return Promise.resolve([]);
      return this.exclusive(async () => {
        this.check();
        // This commit is synced: it must outlive a power loss that the events it announces outlive.
        // (The level cannot change inside a transaction; writes of this store are one at a time.)
        this.db.pragma('synchronous = FULL');
        try {
          await this.begin();
          try {
            const insert = this.db.prepare<[string, string | null, number | null, string, string, number]>('INSERT INTO fsql_online_pending (entity, keys, newest, reason, owner, recorded_at) VALUES (?, ?, ?, ?, ?, ?)');
            const ids = updates.map((u) => Number(insert.run(u.entity, u.keys === null ? null : JSON.stringify(u.keys), u.newest, u.reason, this.owner, nowMicros()).lastInsertRowid));
            this.db.exec('COMMIT');
            return ids;
          } catch (e) {
            this.rollback();
            throw e;
          }
        } finally {
          this.db.pragma('synchronous = NORMAL');
        }
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async pendingUpdates(): Promise<PendingUpdate[]> {
    this.check();
    return this.pendingRows('settled_at IS NULL', []);
  }

  async settledSince(micros: number): Promise<PendingUpdate[]> {
    this.check();
    return this.pendingRows('settled_at >= ?', [micros]);
  }

  private pendingRows(where: string, args: readonly number[]): PendingUpdate[] {
    const rows = this.db.prepare(`SELECT id, entity, keys, newest, reason, owner FROM fsql_online_pending WHERE ${where} ORDER BY id`).all(...args) as {
      id: number;
      entity: string;
      keys: string | null;
      newest: number | null;
      reason: string;
      owner: string;
    }[];
    return rows.map((r) => ({ id: r.id, owner: r.owner, entity: r.entity, keys: r.keys === null ? null : (JSON.parse(r.keys) as Value[][]), newest: r.newest, reason: r.reason }));
  }

  settlePending(ids: readonly number[]): Promise<void> {
    try {
      this.check();
      if (ids.length === 0) return Promise.resolve();
      return this.exclusive(async () => {
        this.check();
        await this.begin();
        try {
          // Kept an hour once settled: a snapshot computed meanwhile re-applies them (`settledSince`).
          const now = nowMicros();
          const settle = this.db.prepare<[number, number]>('UPDATE fsql_online_pending SET settled_at = ? WHERE id = ? AND settled_at IS NULL');
          for (const id of ids) settle.run(now, id);
          this.db.prepare<[number]>('DELETE FROM fsql_online_pending WHERE settled_at < ?').run(now - SETTLED_KEPT_MICROS);
          this.db.exec('COMMIT');
        } catch (e) {
          this.rollback();
          throw e;
        }
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async describe(entity: string): Promise<EntityInfo | null> {
    this.check();
    const row = this.sEntity.get(nameKey(entity));
    if (!row) return null;
    return {
      entity: row.entity,
      generation: row.generation,
      asOf: row.as_of,
      keyColumns: JSON.parse(row.key_columns) as string[],
      features: JSON.parse(row.features) as SnapshotFeature[],
      keys: row.keys,
      writtenAt: row.written_at,
      updatedAt: row.updated_at,
    };
  }

  writeSnapshot(entity: string, snapshot: EntitySnapshot): Promise<void> {
    try {
      this.check();
      if (typeof entity !== 'string' || entity === '') throw new OnlineStoreError('bad_input', 'an entity name is required');
      if (typeof snapshot !== 'object' || snapshot === null) throw new OnlineStoreError('bad_input', 'a snapshot is required');
      const asOf = checkTime(snapshot.asOf, () => 'snapshot asOf');
      if (asOf === null) throw new OnlineStoreError('bad_input', 'snapshot asOf: a time is required');
      const keyColumns = snapshot.keyColumns;
      if (!Array.isArray(keyColumns) || keyColumns.length === 0 || !keyColumns.every((c) => typeof c === 'string' && c !== '')) {
        throw new OnlineStoreError('bad_input', 'snapshot keyColumns: a non-empty list of names is required');
      }
      const features = checkSnapshotFeatures(snapshot.features);
      const seq = snapshot.seq;
      if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 0)) throw new OnlineStoreError('bad_input', `snapshot seq: ${String(seq)} is not a ticket`);
      const rows = snapshot.rows;
      if (rows === null || typeof rows !== 'object' || !(Symbol.iterator in rows || Symbol.asyncIterator in rows)) {
        throw new OnlineStoreError('bad_input', 'snapshot rows: an iterable of rows is required');
      }
      return this.exclusive(() => this.write(entity, asOf, [...keyColumns], features, rows, seq));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async write(
    entity: string,
    asOf: number,
    keyColumns: string[],
    features: SnapshotFeature[],
    rows: Iterable<SnapshotRow> | AsyncIterable<SnapshotRow>,
    seq: number | undefined,
  ): Promise<void> {
    this.check();
    const db = this.db;
    await this.begin();
    let committed = false;
    try {
      const entityKey = nameKey(entity);
      const previous = db.prepare('SELECT vectors, features, seq FROM fsql_online_entities WHERE entity_key = ?').get(entityKey) as { vectors: string; features: string; seq: number } | undefined;
      // Without a ticket, the snapshot ranks with the latest one taken.
      const ticket = seq ?? previous?.seq ?? 0;
      const generation = db.prepare(`UPDATE fsql_online_meta SET value = value + 1 WHERE name = 'last_generation' RETURNING value`).pluck().get() as number;
      const table = `${VECTOR_TABLE_PREFIX}${generation}`;
      db.exec(`CREATE TABLE ${quote(table)} (k TEXT NOT NULL, v BLOB NOT NULL, s INTEGER NOT NULL DEFAULT 0)`);
      const insert = db.prepare<[string, Buffer, number], unknown>(`INSERT INTO ${quote(table)} (k, v, s) VALUES (?, ?, ?)`);
      const keyLength = keyColumns.length;
      const encoder = this.encoder;
      let count = 0;
      const put = (row: SnapshotRow) => {
        const n = ++count;
        const where = () => `snapshot row ${n}`;
        if (typeof row !== 'object' || row === null) throw new OnlineStoreError('bad_input', `${where()}: not a row`);
        let key: string;
        try {
          key = encodeKey(row.key, keyLength);
        } catch (e) {
          if (e instanceof OnlineStoreError) throw new OnlineStoreError(e.code, `${where()}: ${e.message}`);
          throw e;
        }
        const given = row.features;
        if (!Array.isArray(given) || given.length !== features.length) {
          throw new OnlineStoreError('bad_input', `${where()}: ${Array.isArray(given) ? given.length : 'no'} feature cell(s); the snapshot has ${features.length} feature(s)`);
        }
        const cells: FeatureCell[] = new Array(features.length);
        for (let i = 0; i < features.length; i++) cells[i] = checkCell(given[i], features[i]!, where);
        insert.run(key, encoder.encode(cells), ticket);
      };
      let last = performance.now();
      const breathe = async () => {
        if ((count & 63) === 0 && performance.now() - last >= this.yieldMs) {
          await turn();
          last = performance.now();
        }
      };
      if (isAsyncIterable(rows)) {
        for await (const row of rows) {
          put(row);
          await breathe();
        }
      } else {
        for (const row of rows) {
          put(row);
          if ((count & 63) === 0) await breathe();
        }
      }
      // The index is built once, after the rows (faster than maintaining it); it also finds a duplicate key.
      try {
        db.exec(`CREATE UNIQUE INDEX ${quote(`${table}_k`)} ON ${quote(table)} (k)`);
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
        const dup = db.prepare(`SELECT k FROM ${quote(table)} GROUP BY k HAVING count(*) > 1 LIMIT 1`).pluck().get() as string;
        throw new OnlineStoreError('duplicate_key', `snapshot of ${entity}: key ${dup} appears more than once`);
      }
      // Keys upserted under a later ticket while this snapshot was computed hold newer vectors: kept
      // (when the features are the same; otherwise the caller re-applies them, runtime/online-updates.ts).
      const featuresJson = JSON.stringify(features);
      if (seq !== undefined && previous !== undefined && previous.features === featuresJson) {
        const kept = db
          .prepare(`INSERT INTO ${quote(table)} (k, v, s) SELECT k, v, s FROM ${quote(previous.vectors)} WHERE s > ? ON CONFLICT (k) DO UPDATE SET v = excluded.v, s = excluded.s`)
          .run(seq).changes;
        if (kept > 0) count = db.prepare(`SELECT count(*) FROM ${quote(table)}`).pluck().get() as number;
      }
      // The flip: point the entity at the new generation, drop the old one, commit. Tickets go on from
      // the latest taken; the time to compute upserts as of starts again from the snapshot's.
      const now = nowMicros();
      db.prepare(
        `INSERT INTO fsql_online_entities (entity_key, entity, generation, vectors, as_of, key_columns, features, keys, written_at, updated_at, seq, high_as_of)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (entity_key) DO UPDATE SET entity = excluded.entity, generation = excluded.generation, vectors = excluded.vectors,
           as_of = excluded.as_of, key_columns = excluded.key_columns, features = excluded.features, keys = excluded.keys,
           written_at = excluded.written_at, updated_at = excluded.updated_at, seq = max(fsql_online_entities.seq, excluded.seq), high_as_of = NULL`,
      ).run(entityKey, entity, generation, table, asOf, JSON.stringify(keyColumns), featuresJson, count, now, now, ticket);
      this.dropUnused();
      db.exec('COMMIT');
      committed = true;
    } finally {
      if (!committed) this.rollback();
    }
    // Copy the WAL back into the database when no reader holds it; never waits.
    db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** Drops every vector table no entity points at (the generation just replaced, and any left over). */
  private dropUnused(): void {
    const db = this.db;
    const used = new Set(db.prepare('SELECT vectors FROM fsql_online_entities').pluck().all() as string[]);
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB '${VECTOR_TABLE_PREFIX}[0-9]*'`).pluck().all() as string[];
    for (const t of tables) if (!used.has(t)) db.exec(`DROP TABLE ${quote(t)}`);
  }

  upsert(entity: string, vectors: readonly Vector[], seq?: number): Promise<number> {
    try {
      this.check();
      if (!Array.isArray(vectors)) throw new OnlineStoreError('bad_input', 'vectors must be a list');
      if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 0)) throw new OnlineStoreError('bad_input', `seq: ${String(seq)} is not a ticket`);
      if (vectors.length === 0) return Promise.resolve(0);
      return this.exclusive(() => this.upsertLocked(entity, vectors, seq));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async upsertLocked(entity: string, vectors: readonly Vector[], seq: number | undefined): Promise<number> {
    this.check();
    await this.begin();
    let committed = false;
    try {
      const entityKey = nameKey(entity);
      const g = this.current(entity);
      let added = 0;
      let written = 0;
      vectors.forEach((vec, i) => {
        const where = () => `vector ${i + 1}`;
        if (typeof vec !== 'object' || vec === null) throw new OnlineStoreError('bad_input', `${where()}: not a vector`);
        let key: string;
        try {
          key = encodeKey(vec.key, g.keyLength);
        } catch (e) {
          if (e instanceof OnlineStoreError) throw new OnlineStoreError(e.code, `${where()}: ${e.message}`);
          throw e;
        }
        if (!Array.isArray(vec.features)) throw new OnlineStoreError('bad_input', `${where()}: features must be a list`);
        const stored = g.stored.get(key);
        // Computed under a later ticket: newer than this one, kept.
        if (seq !== undefined && stored !== undefined && stored.s > seq) return;
        const blob = stored?.v;
        // A vector with every feature (what an ingest writes) replaces the stored one: no need to decode it.
        const whole = vec.features.length === g.features.length;
        const cells: (FeatureCell | undefined)[] = whole ? new Array(g.features.length) : blob === undefined ? g.features.map(missingCell) : decodeVector(blob, g.counts);
        for (const f of vec.features) {
          if (typeof f !== 'object' || f === null || typeof f.name !== 'string' || typeof f.version !== 'number') {
            throw new OnlineStoreError('bad_input', `${where()}: each feature needs a name and a version`);
          }
          const at = g.index.resolve(g.entity, { name: f.name, version: f.version });
          const feature = g.features[at]!;
          const w = () => `${where()}, ${feature.name} v${feature.version}`;
          cells[at] = { values: valuesInColumnOrder(f.values, feature, w), status: checkStatus(f.status, w), eventTime: checkTime(f.eventTime, w) };
        }
        if (whole && cells.includes(undefined)) {
          // A feature given twice, another left out: the stored cells fill the gaps.
          const stored = blob === undefined ? g.features.map(missingCell) : decodeVector(blob, g.counts);
          for (let j = 0; j < cells.length; j++) cells[j] ??= stored[j];
        }
        g.upsert.run(key, this.encoder.encode(cells as FeatureCell[]), seq ?? 0);
        written++;
        if (blob === undefined) added++;
      });
      this.db.prepare('UPDATE fsql_online_entities SET keys = keys + ?, updated_at = ? WHERE entity_key = ?').run(added, nowMicros(), entityKey);
      this.db.exec('COMMIT');
      committed = true;
      return written;
    } finally {
      if (!committed) this.rollback();
    }
  }

  ticket(entity: string, newest: number | null): Promise<UpdateTicket | null> {
    try {
      this.check();
      const time = checkTime(newest, () => 'newest');
      return this.exclusive(async () => {
        this.check();
        await this.begin();
        try {
          const row = this.db
            .prepare<[number | null, string], { seq: number; high_as_of: number }>(
              `UPDATE fsql_online_entities SET seq = seq + 1, high_as_of = max(coalesce(high_as_of, as_of), coalesce(?, as_of)) WHERE entity_key = ? RETURNING seq, high_as_of`,
            )
            .get(time, nameKey(entity));
          this.db.exec('COMMIT');
          return row === undefined ? null : { seq: row.seq, asOf: row.high_as_of };
        } catch (e) {
          this.rollback();
          throw e;
        }
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.exclusive(async () => {
      this.closed = true;
      this.cache.clear();
      this.db.close();
    });
    return this.closing;
  }
}
