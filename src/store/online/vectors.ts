/**
 * The shared layer of every online store: `VectorOnlineStore` implements
 * `OnlineStore` (store.ts) over any `VectorStore` backend (vector-store.ts)
 * and the update journal (src/store/journal). Everything that is not bytes
 * lives here, once: checking snapshots and vectors, the codec (codec.ts),
 * merging upserted features into stored vectors, feature selection, the
 * empty values and statuses of keys not stored, tickets, the order of this
 * process's writes, and giving the event loop turns during a large write.
 *
 * A backend is a small class: SQLite (sqlite-store.ts) and Redis
 * (redis-store.ts) serve the same answers from the same bytes.
 */
import { randomUUID } from 'node:crypto';
import type { Value } from '../../engine/values.js';
import { JournalBusyError, type UpdateJournal } from '../journal/journal.js';
import { decodeSome, decodeVector, VectorEncoder } from './codec.js';
import {
  checkCell,
  checkSnapshotFeatures,
  checkStatus,
  checkTime,
  encodeKey,
  FeatureIndex,
  missingCell,
  OnlineStoreError,
  valuesInColumnOrder,
  type EncodedVectors,
  type OnlineEntityInfo,
  type EntitySnapshot,
  type FeatureCell,
  type FeatureResult,
  type FeatureSelector,
  type OnlineStore,
  type PendingUpdate,
  type SnapshotFeature,
  type SnapshotRow,
  type SnapshotTable,
  type SnapshotTableFeature,
  type UpdateTicket,
  type Vector,
  type VectorResult,
} from './store.js';
import type { EntityMeta, GenerationMeta, GenerationRead, StoredVector, VectorStore } from './vector-store.js';

export interface VectorOnlineStoreOptions {
  /** A snapshot write gives the event loop a turn after this many ms of work (default 10). */
  readonly yieldMs?: number;
}

/** What the layer derives once from a generation's record. */
interface Generation {
  readonly meta: GenerationMeta;
  readonly entity: string;
  readonly generation: number;
  readonly keyLength: number;
  readonly features: readonly SnapshotFeature[];
  readonly index: FeatureIndex;
  readonly counts: readonly number[];
}

interface Read {
  readonly g: Generation;
  readonly blobs: readonly (Uint8Array | undefined)[];
}

const encoded = ({ g, blobs }: Read): EncodedVectors => ({ generation: g.generation, asOf: g.meta.asOf, features: g.features, index: g.index, counts: g.counts, blobs });

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function isAsyncIterable<T>(x: Iterable<T> | AsyncIterable<T>): x is AsyncIterable<T> {
  return typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/** A key's text (store.ts `encodeKey`) checked against its own length; the entity's length is checked once the generation is read. */
function keyText(key: unknown, where?: () => string): string {
  try {
    if (!Array.isArray(key)) throw new OnlineStoreError('bad_key', `a key is a list of values, not ${key === null ? 'null' : typeof key}`);
    return encodeKey(key, key.length);
  } catch (e) {
    if (where && e instanceof OnlineStoreError) throw new OnlineStoreError(e.code, `${where()}: ${e.message}`);
    throw e;
  }
}

function checkLength(key: readonly unknown[], length: number, where?: () => string): void {
  if (key.length === length) return;
  // The message encodeKey gives for a key of the wrong length.
  try {
    encodeKey(key, length);
  } catch (e) {
    if (where && e instanceof OnlineStoreError) throw new OnlineStoreError(e.code, `${where()}: ${e.message}`);
    throw e;
  }
}

/** A snapshot's table (store.ts `SnapshotTable`) once checked. */
class CheckedTable implements SnapshotTable {
  constructor(
    readonly rows: readonly (readonly Value[])[],
    readonly keys: readonly number[],
    readonly features: readonly SnapshotTableFeature[],
  ) {}
}

const isPosition = (i: unknown): i is number => Number.isSafeInteger(i) && (i as number) >= 0;

/** Checks the shape of a snapshot's table against its features (its values are checked as rows are written). */
function checkTable(table: SnapshotTable, keyLength: number, features: readonly SnapshotFeature[]): CheckedTable {
  const bad = (what: string): never => {
    throw new OnlineStoreError('bad_input', `snapshot table: ${what}`);
  };
  if (typeof table !== 'object' || table === null) bad('not a table');
  if (!Array.isArray(table.rows)) bad('rows must be a list');
  if (!Array.isArray(table.keys) || table.keys.length !== keyLength || !table.keys.every(isPosition)) bad(`keys must be ${keyLength} position(s)`);
  if (!Array.isArray(table.features) || table.features.length !== features.length) bad(`one entry per feature (${features.length}) is required`);
  const at = table.features.map((f, i): SnapshotTableFeature => {
    const feature = features[i]!;
    if (typeof f !== 'object' || f === null || typeof f.status !== 'function') bad(`${feature.name}: a status function is required`);
    if (!Array.isArray(f.values) || f.values.length !== feature.columns.length || !f.values.every(isPosition)) bad(`${feature.name}: ${feature.columns.length} value position(s) are required`);
    if (!(f.time === -1 || isPosition(f.time))) bad(`${feature.name}: the time position ${String(f.time)} is not one`);
    return { values: [...f.values], time: f.time, status: f.status };
  });
  return new CheckedTable(table.rows, [...table.keys], at);
}

/** A table row's key text (`encodeKey`), without building the key for the usual one-value key. */
function tableKey(row: readonly Value[], keyAt: readonly number[], keyLength: number, where: () => string): string {
  if (keyAt.length === 1) {
    const v = row[keyAt[0]!];
    if (typeof v === 'string') return `[${JSON.stringify(v)}]`;
    if (typeof v === 'number' && Number.isFinite(v)) return v === 0 ? '[0]' : `[${JSON.stringify(v)}]`;
  }
  try {
    return encodeKey(
      keyAt.map((i) => row[i] ?? null),
      keyLength,
    );
  } catch (e) {
    if (e instanceof OnlineStoreError) throw new OnlineStoreError(e.code, `${where()}: ${e.message}`);
    throw e;
  }
}

/** A table row's cell of one feature, as `rows` gives it (for the messages of the checks). */
function tableCell(row: readonly Value[], f: SnapshotTableFeature): FeatureCell {
  const t = f.time < 0 ? null : row[f.time];
  return { values: f.values.map((i) => row[i] ?? null), status: f.status(row), eventTime: typeof t === 'number' ? t : null };
}

export class VectorOnlineStore implements OnlineStore {
  /** This open store's name for the updates it records: `<pid>:<random>`. */
  readonly owner = `${process.pid}:${randomUUID()}`;
  private readonly yieldMs: number;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Writes of this instance run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Derived from each entity's current generation record (by object: a backend returns the same one while it is current). */
  private readonly derived = new WeakMap<GenerationMeta, Generation>();
  private readonly encoder = new VectorEncoder();
  private journalOpened: UpdateJournal | undefined;

  /**
   * @param vectors the backend
   * @param journal opens the journal of owed updates (on first use)
   */
  constructor(
    readonly vectors: VectorStore,
    private readonly openJournal: (owner: string) => UpdateJournal,
    options: VectorOnlineStoreOptions = {},
  ) {
    this.yieldMs = options.yieldMs ?? 10;
  }

  /** Where the store is, for messages (the file, or the server with its password redacted). */
  get where(): string {
    return this.vectors.where;
  }

  private get journal(): UpdateJournal {
    this.journalOpened ??= this.openJournal(this.owner);
    return this.journalOpened;
  }

  private check(): void {
    if (this.closed) throw new OnlineStoreError('closed', `the online store ${this.where} is closed`);
  }

  /** Runs a write after the writes already queued. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private generation(meta: GenerationMeta): Generation {
    let g = this.derived.get(meta);
    if (g === undefined) {
      const features = JSON.parse(meta.features) as SnapshotFeature[];
      g = {
        meta,
        entity: meta.entity,
        generation: meta.generation,
        keyLength: (JSON.parse(meta.keyColumns) as string[]).length,
        features,
        index: new FeatureIndex(features),
        counts: features.map((f) => f.columns.length),
      };
      this.derived.set(meta, g);
    }
    return g;
  }

  private notMaterialized(entity: string): OnlineStoreError {
    return new OnlineStoreError('not_materialized', `entity ${entity} has not been materialized into ${this.where}`);
  }

  /**
   * The generation and the stored bytes of the keys, one consistent read.
   * A backend that reads synchronously (SQLite) returns its read itself, and
   * so does this: the hot path makes no promise of its own.
   */
  private read(entity: string, keys: readonly (readonly Value[])[]): Read | Promise<Read> {
    this.check();
    if (!Array.isArray(keys)) throw new OnlineStoreError('bad_input', 'keys must be a list of keys');
    const texts: string[] = new Array(keys.length);
    try {
      for (let i = 0; i < keys.length; i++) texts[i] = keyText(keys[i]);
    } catch (e) {
      // An entity never materialized says so first, whatever the keys.
      return Promise.resolve(this.vectors.meta(entity)).then((m) => {
        throw m === null ? this.notMaterialized(entity) : e;
      });
    }
    const read = this.vectors.multiGet(entity, texts);
    return read instanceof Promise ? read.then((r) => this.checkRead(entity, keys, r)) : this.checkRead(entity, keys, read);
  }

  private checkRead(entity: string, keys: readonly (readonly Value[])[], read: GenerationRead | null): Read {
    if (read === null) throw this.notMaterialized(entity);
    const g = this.generation(read.meta);
    for (let i = 0; i < keys.length; i++) if (keys[i]!.length !== g.keyLength) checkLength(keys[i]!, g.keyLength);
    return { g, blobs: read.blobs };
  }

  async get(entity: string, keys: readonly (readonly Value[])[], features?: readonly FeatureSelector[]): Promise<VectorResult[]> {
    const { g, blobs } = await this.read(entity, keys);
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

  getEncoded(entity: string, keys: readonly (readonly Value[])[]): Promise<EncodedVectors> {
    // The server's hot path: one promise (none of the layer's own when the backend reads synchronously).
    try {
      const r = this.read(entity, keys);
      return r instanceof Promise ? r.then(encoded) : Promise.resolve(encoded(r));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async describe(entity: string): Promise<OnlineEntityInfo | null> {
    this.check();
    const m = await this.vectors.meta(entity);
    if (m === null) return null;
    return {
      entity: m.entity,
      generation: m.generation,
      asOf: m.asOf,
      keyColumns: JSON.parse(m.keyColumns) as string[],
      features: JSON.parse(m.features) as SnapshotFeature[],
      keys: m.keys,
      writtenAt: m.writtenAt,
      updatedAt: m.updatedAt,
      refreshedAsOf: m.refreshedAsOf ?? null,
    };
  }

  /**
   * Records that every vector of the entity's current generation now holds
   * as of `asOf` (an incremental refresh wrote the keys that changed): never
   * moves back. Call after the vectors are written, so a reader never sees
   * the later time with the earlier values.
   */
  markRefreshed(entity: string, asOf: number): Promise<OnlineEntityInfo | null> {
    try {
      this.check();
      const time = checkTime(asOf, () => 'asOf');
      return this.exclusive(async () => {
        this.check();
        const m = await this.vectors.updateMeta(entity, (m: EntityMeta) => ({ seq: m.seq, highAsOf: m.highAsOf, refreshedAsOf: Math.max(m.refreshedAsOf ?? m.asOf, time ?? m.asOf) }));
        return m === null ? null : this.describe(entity);
      });
    } catch (e) {
      return Promise.reject(e);
    }
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
      const table = snapshot.table === undefined ? undefined : checkTable(snapshot.table, keyColumns.length, features);
      return this.exclusive(() => this.write(entity, asOf, [...keyColumns], features, table ?? rows, seq));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async write(
    entity: string,
    asOf: number,
    keyColumns: string[],
    features: SnapshotFeature[],
    rows: Iterable<SnapshotRow> | AsyncIterable<SnapshotRow> | CheckedTable,
    seq: number | undefined,
  ): Promise<void> {
    this.check();
    const keyLength = keyColumns.length;
    const encoder = this.encoder;
    const yieldMs = this.yieldMs;
    await this.vectors.bulkPut(
      { entity, asOf, keyColumns: JSON.stringify(keyColumns), features: JSON.stringify(features), ...(seq !== undefined ? { seq } : {}) },
      async (put) => {
        let count = 0;
        const one = (row: SnapshotRow): void | Promise<void> => {
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
          return put(key, encoder.encode(cells));
        };
        // Give the event loop a turn every `yieldMs` of work: gets of this process go on during a large write.
        let last = performance.now();
        const breathe = async () => {
          if (performance.now() - last >= yieldMs) {
            await turn();
            last = performance.now();
          }
        };
        if (rows instanceof CheckedTable) {
          // A table: each row encoded straight into its bytes (no cell objects); the same checks.
          const { rows: table, keys: keyAt, features: at } = rows;
          // One closure, called only to build a message (synchronously, for the row being written).
          const where = () => `snapshot row ${count}`;
          for (let r = 0; r < table.length; r++) {
            const row = table[r]!;
            ++count;
            if (!Array.isArray(row)) throw new OnlineStoreError('bad_input', `${where()}: not a row`);
            const key = tableKey(row, keyAt, keyLength, where);
            let blob = encoder.encodeRow(row, at);
            // A value that is not one: the checks of a row's cells say which.
            if (blob === undefined) blob = encoder.encode(at.map((f, i) => checkCell(tableCell(row, f), features[i]!, where)));
            const p = put(key, blob);
            if (p) await p;
            if ((count & 63) === 0) await breathe();
          }
        } else if (isAsyncIterable(rows)) {
          for await (const row of rows) {
            const p = one(row);
            if (p) await p;
            if ((count & 63) === 0) await breathe();
          }
        } else {
          for (const row of rows) {
            const p = one(row);
            if (p) await p;
            if ((count & 63) === 0) await breathe();
          }
        }
      },
    );
  }

  upsert(entity: string, vectors: readonly Vector[], seq?: number): Promise<number> {
    try {
      this.check();
      if (!Array.isArray(vectors)) throw new OnlineStoreError('bad_input', 'vectors must be a list');
      if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 0)) throw new OnlineStoreError('bad_input', `seq: ${String(seq)} is not a ticket`);
      if (vectors.length === 0) return Promise.resolve(0);
      return this.exclusive(() => this.upsertQueued(entity, vectors, seq));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async upsertQueued(entity: string, vectors: readonly Vector[], seq: number | undefined): Promise<number> {
    this.check();
    const texts: string[] = new Array(vectors.length);
    // One closure for the whole call, reading the vector (and feature) being checked: none per vector, as a
    // message is only built when a check fails (synchronously, in the loop that set them).
    let at = 0;
    let atFeature: SnapshotFeature | undefined;
    const where = () => `vector ${at + 1}`;
    const whereFeature = () => `vector ${at + 1}, ${atFeature!.name} v${atFeature!.version}`;
    for (let i = 0; i < vectors.length; i++) {
      const vec = vectors[i];
      at = i;
      if (typeof vec !== 'object' || vec === null) throw new OnlineStoreError('bad_input', `${where()}: not a vector`);
      texts[i] = keyText(vec.key, where);
    }
    const merge = (meta: GenerationMeta, stored: readonly (StoredVector | undefined)[]): (StoredVector | undefined)[] => {
      const g = this.generation(meta);
      // A key given twice in one call: the second merges into the first's vector.
      const written = new Map<string, StoredVector>();
      return vectors.map((vec, i) => {
        at = i;
        checkLength(vec.key, g.keyLength, where);
        if (!Array.isArray(vec.features)) throw new OnlineStoreError('bad_input', `${where()}: features must be a list`);
        const before = written.get(texts[i]!) ?? stored[i];
        // Computed under a later ticket: newer than this one, kept.
        if (seq !== undefined && before !== undefined && before.seq > seq) return undefined;
        const blob = before?.blob;
        // A vector with every feature (what an ingest writes) replaces the stored one: no need to decode it.
        const whole = vec.features.length === g.features.length;
        const cells: (FeatureCell | undefined)[] = whole ? new Array(g.features.length) : blob === undefined ? g.features.map(missingCell) : decodeVector(blob, g.counts);
        for (const f of vec.features) {
          if (typeof f !== 'object' || f === null || typeof f.name !== 'string' || typeof f.version !== 'number') {
            throw new OnlineStoreError('bad_input', `${where()}: each feature needs a name and a version`);
          }
          const slot = g.index.resolve(g.entity, f);
          const feature = g.features[slot]!;
          atFeature = feature;
          cells[slot] = { values: valuesInColumnOrder(f.values, feature, whereFeature), status: checkStatus(f.status, whereFeature), eventTime: checkTime(f.eventTime, whereFeature) };
        }
        if (whole && cells.includes(undefined)) {
          // A feature given twice, another left out: the stored cells fill the gaps.
          const old = blob === undefined ? g.features.map(missingCell) : decodeVector(blob, g.counts);
          for (let j = 0; j < cells.length; j++) cells[j] ??= old[j];
        }
        // The encoder's buffer is reused: each vector keeps a copy.
        const out: StoredVector = { blob: Buffer.from(this.encoder.encode(cells as FeatureCell[])), seq: Math.max(before?.seq ?? 0, seq ?? 0) };
        written.set(texts[i]!, out);
        return out;
      });
    };
    try {
      return await this.vectors.update(entity, texts, merge);
    } catch (e) {
      if (e instanceof OnlineStoreError && e.code === 'not_materialized') throw this.notMaterialized(entity);
      throw e;
    }
  }

  ticket(entity: string, newest: number | null): Promise<UpdateTicket | null> {
    try {
      this.check();
      const time = checkTime(newest, () => 'newest');
      return this.exclusive(async () => {
        this.check();
        const m = await this.vectors.updateMeta(entity, (m: EntityMeta) => ({
          seq: m.seq + 1,
          highAsOf: Math.max(m.highAsOf ?? m.asOf, time ?? m.asOf),
        }));
        return m === null ? null : { seq: m.seq, asOf: m.highAsOf ?? m.asOf };
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private journalCall<T>(fn: (j: UpdateJournal) => Promise<T>): Promise<T> {
    try {
      this.check();
      return fn(this.journal).catch((e: unknown) => {
        throw e instanceof JournalBusyError ? new OnlineStoreError('busy', e.message) : e;
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  recordPending(updates: readonly PendingUpdate[]): Promise<number[]> {
    return this.journalCall((j) => j.record(updates));
  }

  pendingUpdates(): Promise<PendingUpdate[]> {
    return this.journalCall((j) => j.pending());
  }

  settlePending(ids: readonly number[]): Promise<void> {
    return this.journalCall((j) => j.settle(ids));
  }

  settledSince(micros: number): Promise<PendingUpdate[]> {
    return this.journalCall((j) => j.settledSince(micros));
  }

  close(): Promise<void> {
    this.closing ??= this.exclusive(async () => {
      this.closed = true;
      try {
        await this.journalOpened?.close();
      } finally {
        await this.vectors.close();
      }
    });
    return this.closing;
  }
}
