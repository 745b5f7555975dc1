/**
 * The journal of online updates owed (spec §7, docs/runtime.md
 * "Durability"): an ingest records the vectors its events will change before
 * it commits them, and settles the record once the vectors are updated.
 * Whoever opens the project next finds what a killed process left owed.
 *
 * It is fsql's own bookkeeping, like the registry, not part of any online
 * store backend: it lives in a SQLite file of the project — the SQLite
 * online store's own file (table `fsql_online_pending`, as before the
 * split), or `.fsql/online-journal.db` beside a server store (Redis).
 *
 * Durability: a record is committed with `synchronous = FULL` (it must
 * outlive a power loss that the events it announces outlive); settling
 * commits with NORMAL.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { beginImmediate } from '../../engine/sqlite.js';
import type { Value } from '../../engine/values.js';

/**
 * Vectors owed an update: recompute `keys` of `entity` (the whole entity
 * when null) as of at least `newest` (epoch µs; null: the snapshot's time).
 */
export interface PendingUpdate {
  /** Set by the journal. */
  readonly id?: number;
  /** Set by the journal: who recorded it, `<pid>:<store instance>`. */
  readonly owner?: string;
  readonly entity: string;
  readonly keys: readonly (readonly Value[])[] | null;
  readonly newest: number | null;
  /** Why (e.g. `ingest events`), for messages. */
  readonly reason: string;
}

/** Thrown when another process held the journal's write lock longer than the write timeout. */
export class JournalBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalBusyError';
  }
}

/** How long settled updates are kept for snapshots computed meanwhile: an hour. */
const SETTLED_KEPT_MICROS = 3_600_000_000;
const nowMicros = () => Date.now() * 1000;


export interface UpdateJournalOptions {
  /** Who records (`PendingUpdate.owner`). */
  readonly owner: string;
  /** Longest wait for another process's write, in ms (default 60 000). */
  readonly writeTimeoutMs?: number;
}

export class UpdateJournal {
  private readonly db: Database.Database;
  private readonly owner: string;
  private readonly writeTimeoutMs: number;
  private readonly busyTimeoutMs = 5_000;
  /** Writes of this journal run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Opens (creating when needed) the journal in the SQLite file at `path` (':memory:' for a private one). */
  constructor(
    readonly path: string,
    options: UpdateJournalOptions,
  ) {
    this.owner = options.owner;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 60_000;
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: this.busyTimeoutMs });
    this.db = db;
    try {
      if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const have = db.prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'fsql_online_pending'`).pluck().get() as number;
      if (have === 0) {
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
        // Added after the table shipped; an older file gains it on open.
        db.exec('ALTER TABLE fsql_online_pending ADD COLUMN settled_at INTEGER');
      }
    } catch (e) {
      db.close();
      throw e;
    }
  }

  private check(): void {
    if (this.closed) throw new Error(`the update journal ${this.path} is closed`);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** BEGIN IMMEDIATE, waiting for another process's write without blocking the event loop. */
  private begin(): Promise<void> {
    return beginImmediate(this.db, {
      waitMs: this.writeTimeoutMs,
      busyTimeoutMs: this.busyTimeoutMs,
      timedOut: () => new JournalBusyError(`${this.path}: another process held the write lock for more than ${this.writeTimeoutMs} ms`),
    });
  }

  private async write<T>(fn: () => T): Promise<T> {
    await this.begin();
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Records updates owed, in one durable (FULL) transaction; returns their ids. */
  record(updates: readonly PendingUpdate[]): Promise<number[]> {
    try {
      this.check();
      if (updates.length === 0) return Promise.resolve([]);
      return this.exclusive(async () => {
        this.check();
        // The level cannot change inside a transaction; writes of this journal are one at a time.
        this.db.pragma('synchronous = FULL');
        try {
          return await this.write(() => {
            const insert = this.db.prepare<[string, string | null, number | null, string, string, number]>(
              'INSERT INTO fsql_online_pending (entity, keys, newest, reason, owner, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
            );
            return updates.map((u) => Number(insert.run(u.entity, u.keys === null ? null : JSON.stringify(u.keys), u.newest, u.reason, this.owner, nowMicros()).lastInsertRowid));
          });
        } finally {
          this.db.pragma('synchronous = NORMAL');
        }
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The updates recorded and not settled yet, oldest first. */
  async pending(): Promise<PendingUpdate[]> {
    this.check();
    return this.rows('settled_at IS NULL', []);
  }

  /** Updates settled at or after `micros` (epoch µs, this machine's clock). */
  async settledSince(micros: number): Promise<PendingUpdate[]> {
    this.check();
    return this.rows('settled_at >= ?', [micros]);
  }

  private rows(where: string, args: readonly number[]): PendingUpdate[] {
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

  /** Marks updates carried out; they are kept an hour for `settledSince`. */
  settle(ids: readonly number[]): Promise<void> {
    try {
      this.check();
      if (ids.length === 0) return Promise.resolve();
      return this.exclusive(async () => {
        this.check();
        await this.write(() => {
          const now = nowMicros();
          const settle = this.db.prepare<[number, number]>('UPDATE fsql_online_pending SET settled_at = ? WHERE id = ? AND settled_at IS NULL');
          for (const id of ids) settle.run(now, id);
          this.db.prepare<[number]>('DELETE FROM fsql_online_pending WHERE settled_at < ?').run(now - SETTLED_KEPT_MICROS);
        });
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Waits for the writes in progress, then closes. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      this.db.close();
    });
  }
}
