/**
 * The byte-level contract every online store backend implements — about the
 * size of Chronon's `KVStore`. A backend stores, per entity, *generations*:
 * a map from key text to an encoded vector (bytes, codec.ts) with the ticket
 * it was computed under, plus a small metadata record. It knows nothing of
 * features, values, statuses or the codec: all of that is the shared layer
 * above it (vectors.ts, `VectorOnlineStore`), so SQLite and Redis serve the
 * same answers from the same bytes.
 *
 * What a backend promises:
 * - `multiGet` reads the current generation's record and the asked keys'
 *   bytes from ONE consistent state: never a generation's record with
 *   another's vectors, never a mix of two generations.
 * - `bulkPut` writes a whole new generation and publishes it atomically:
 *   readers see the previous generation or the new one, never a part of it;
 *   a writer that fails (or is killed) leaves the previous one served.
 *   The previous generation is dropped after the switch (`dropOld`).
 * - `update` is one atomic read-modify-write of some keys of the current
 *   generation (stream ingest); `updateMeta` one of the entity's record
 *   (tickets).
 *
 * Key texts are the layer's (store.ts `encodeKey`: JSON of the canonical key
 * values); `meta.features` and `meta.keyColumns` are JSON texts the backend
 * stores and compares as opaque strings.
 */

/** What a generation is, fixed when it is written. */
export interface GenerationMeta {
  /** The entity's name as first written (names compare case-insensitively: `nameKey`). */
  readonly entity: string;
  /** Increases with every generation written to the store (any entity). */
  readonly generation: number;
  /** The materialization time, epoch µs. */
  readonly asOf: number;
  /** JSON text of the key column names. */
  readonly keyColumns: string;
  /** JSON text of the features (store.ts `SnapshotFeature[]`), in the order of the encoding. */
  readonly features: string;
  /** When it was written, epoch µs (wall clock). */
  readonly writtenAt: number;
}

/** The entity's record: its current generation and what changes with upserts and tickets. */
export interface EntityMeta extends GenerationMeta {
  /** Keys stored (snapshot keys plus keys added by upserts). */
  readonly keys: number;
  readonly updatedAt: number;
  /** The last ticket taken (never goes back). */
  readonly seq: number;
  /** The time to compute as of, raised by tickets since the snapshot; null right after a snapshot. */
  readonly highAsOf: number | null;
  /**
   * The time an incremental refresh (`fsql materialize --incremental`) last
   * brought every vector of the generation to; null/absent: none since the
   * generation was written (its `asOf` holds).
   */
  readonly refreshedAsOf?: number | null;
}

/** A stored vector: its encoding and the ticket it was computed under. */
export interface StoredVector {
  readonly blob: Uint8Array;
  readonly seq: number;
}

/** What `multiGet` read: the generation and the bytes of each asked key (undefined: not stored). */
export interface GenerationRead {
  /**
   * The generation's fixed record. A backend returns the same object while
   * the generation is current, so the layer can cache what it derives from it.
   */
  readonly meta: GenerationMeta;
  readonly blobs: readonly (Uint8Array | undefined)[];
}

/** A new generation being written by `bulkPut`. */
export interface NewGeneration {
  readonly entity: string;
  readonly asOf: number;
  readonly keyColumns: string;
  readonly features: string;
  /**
   * The snapshot's ticket. Given: the keys of the previous generation stored
   * under a later ticket are kept (copied over) when the previous generation
   * has the same `features`. Not given: the vectors rank with the latest
   * ticket taken.
   */
  readonly seq?: number;
}

/**
 * Fills a new generation: `put` once per key, in any order. `put` may return
 * a promise (a network backend flushing a batch): await it before the next
 * `put`. The blob may be a view into a reused buffer: the backend copies it
 * if it keeps it past the call.
 */
export type GenerationFiller = (put: (key: string, blob: Uint8Array) => void | Promise<void>) => Promise<void>;

/**
 * The layer's merge of an `update`: given the generation and what is stored
 * for each key (undefined: not stored), the vectors to write (undefined:
 * leave the key as it is). Pure: a backend may call it again when its
 * optimistic transaction has to retry.
 */
export type VectorMerge = (meta: GenerationMeta, stored: readonly (StoredVector | undefined)[]) => readonly (StoredVector | undefined)[];

/** The entity's record change made by `updateMeta` (pure: may be called again on a retry). */
export type MetaChange = (meta: EntityMeta) => Pick<EntityMeta, 'seq' | 'highAsOf'> & { readonly refreshedAsOf?: number };

export interface VectorStore {
  /** For messages: the file, or the server with its password redacted. */
  readonly where: string;
  /**
   * The current generation of `entity` and the bytes of `keys` in it, one
   * consistent read; null when never written. A backend that reads
   * synchronously (SQLite) returns the read itself, not a promise: the
   * serving hot path then allocates none.
   */
  multiGet(entity: string, keys: readonly string[]): GenerationRead | null | Promise<GenerationRead | null>;
  /**
   * Writes a new generation through `fill` and publishes it atomically (a
   * duplicate key is `duplicate_key`; a throw from `fill` leaves the
   * previous generation served and nothing of the new one behind), then
   * drops the generation it replaced. Returns the new record.
   */
  bulkPut(generation: NewGeneration, fill: GenerationFiller): Promise<EntityMeta>;
  /**
   * One atomic read-modify-write of `keys` of the current generation
   * (`not_materialized` when there is none); keys written that were not
   * stored count as added keys. Returns how many vectors were written.
   */
  update(entity: string, keys: readonly string[], merge: VectorMerge): Promise<number>;
  /** The entity's record (fresh, not cached), or null. */
  meta(entity: string): Promise<EntityMeta | null>;
  /** One atomic change of the entity's ticket fields; null when the entity has no generation. */
  updateMeta(entity: string, change: MetaChange): Promise<EntityMeta | null>;
  /** Closes connections; the store is unusable after. */
  close(): Promise<void>;
}
