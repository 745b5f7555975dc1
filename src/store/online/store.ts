/**
 * The online store: the materialized feature vectors of every entity key,
 * served by key (spec §7, docs/semantics.md §7).
 *
 * A *snapshot* is what one materialization produces: for one entity, the
 * vector of every key as of a time T for a set of feature versions. Writing a
 * snapshot replaces the entity's vectors atomically — readers see the previous
 * snapshot or the new one, never a mix. `upsert` (stream ingest) then updates
 * some keys of the current snapshot in place.
 *
 * The interface holds no SQL. One implementation, `VectorOnlineStore`
 * (vectors.ts), serves it over any byte-level `VectorStore` backend
 * (vector-store.ts): SQLite (sqlite-store.ts, the default) and Redis
 * (redis-store.ts).
 *
 * Statuses are decided by the caller when it materializes (see
 * `snapshotFromMaterialize` in snapshot.ts, which derives them from the event
 * time and TTL) and stored as given: the store never recomputes them, so a
 * served status is the one of the materialization time.
 */
import type { ScalarType } from '../../check/catalog.js';
import type { Value } from '../../engine/values.js';
import type { PendingUpdate } from '../journal/journal.js';

export type { Value } from '../../engine/values.js';

/**
 * - `present`: the value comes from a row of the feature's relation.
 * - `missing`: there was no row (no latest row, an empty window, no dimension row): the value is NULL, or its FILL.
 * - `outside_ttl`: the latest row was older than the feature's TTL: the value is NULL, or its FILL.
 * - `awaiting_fit`: the feature version needs fitted parameters and has none yet (its population was
 *   empty so far, docs/semantics.md §5): no value can be computed; the values are NULL (no column for
 *   a ONE_HOT TOP n, whose vocabulary is not known yet).
 */
export type FeatureStatus = 'present' | 'missing' | 'outside_ttl' | 'awaiting_fit';

export const FEATURE_STATUSES: readonly FeatureStatus[] = ['present', 'missing', 'outside_ttl', 'awaiting_fit'];

export interface FeatureRef {
  readonly name: string;
  readonly version: number;
}

/** A feature version as a snapshot holds it. */
export interface SnapshotFeature extends FeatureRef {
  /** Output columns: one, or one per one-hot value (`<feature>__<value>`). */
  readonly columns: readonly string[];
  /** The columns' types, when known (for rendering: a TIMESTAMP is epoch microseconds). */
  readonly types?: readonly ScalarType[];
  readonly ttlSeconds?: number;
  /** A latest value or an aggregate (the plan's lookup kind). */
  readonly kind: 'latest' | 'aggregate';
  /**
   * The values of a key the snapshot does not hold (no row at all): an empty
   * lookup through the transforms (src/sql/transform.ts, `emptyOutputs`), e.g. 0 for a COUNT,
   * the FILL value. NULLs when not given.
   */
  readonly emptyValues?: readonly Value[];
  /**
   * The version awaits its fit: every key (stored or not) has status
   * `awaiting_fit` and NULL values. Its columns may be empty (a ONE_HOT TOP n
   * before its vocabulary is fitted). A later snapshot replaces it once fitted.
   */
  readonly awaitingFit?: true;
}

/** One feature of one key: its value(s), status and the event time of the row(s) used. */
export interface FeatureCell {
  /** In the order of the feature's `columns`. */
  readonly values: readonly Value[];
  readonly status: FeatureStatus;
  /** Epoch microseconds of the newest row used; null when no row was used (or the relation has no event time). */
  readonly eventTime: number | null;
}

/** One key of a snapshot. */
export interface SnapshotRow {
  /** The entity key values, in the entity's key order. Canonical values (engine/values.ts); no NULL. */
  readonly key: readonly Value[];
  /** One cell per snapshot feature, in the order of `EntitySnapshot.features`. */
  readonly features: readonly FeatureCell[];
}

/** Every key's vector of one entity as of `asOf`, for a set of feature versions. */
export interface EntitySnapshot {
  /** The materialization time, epoch microseconds. */
  readonly asOf: number;
  /**
   * The ticket (`OnlineStore.ticket`) taken before the snapshot read the
   * offline data. A key upserted meanwhile under a later ticket keeps its
   * newer vector when the snapshot has the same features.
   */
  readonly seq?: number;
  /** The entity's key column names (their count is the key length). */
  readonly keyColumns: readonly string[];
  readonly features: readonly SnapshotFeature[];
  /** Streamed: the store does not need them all in memory. Each key at most once. */
  readonly rows: Iterable<SnapshotRow> | AsyncIterable<SnapshotRow>;
  /**
   * The same rows as a table (what a materialize query returns), when the
   * snapshot was made from one: the store then encodes each table row
   * straight into its stored bytes, with no cell objects (`snapshotFromMaterialize`
   * gives it). Same content as `rows`, which the store then does not read.
   */
  readonly table?: SnapshotTable;
}

/**
 * A snapshot's rows as a table: key `i`'s vector is `rows[i]` read through
 * `keys` and `features`. A value `undefined` reads as NULL, as in `rows`.
 */
export interface SnapshotTable {
  readonly rows: readonly (readonly Value[])[];
  /** Positions of the key values in a row, in the entity's key order. */
  readonly keys: readonly number[];
  /** One per snapshot feature, in the order of `EntitySnapshot.features`. */
  readonly features: readonly SnapshotTableFeature[];
}

/** Where one feature's cell is in a table row. */
export interface SnapshotTableFeature {
  /** Positions of its values, in the order of the feature's `columns`. */
  readonly values: readonly number[];
  /** Position of its event time (a number, else no time: null); -1 when it has none. */
  readonly time: number;
  /** Its status in a row (decided by the caller, as for `rows`). */
  readonly status: (row: readonly Value[]) => FeatureStatus;
}

/** A feature of one key given to `upsert`. */
export interface VectorFeature extends FeatureRef {
  /** In column order, or by column name (every column named). */
  readonly values: readonly Value[] | Readonly<Record<string, Value>>;
  readonly status: FeatureStatus;
  readonly eventTime: number | null;
}

/**
 * New values for some features of one key. Features not listed keep their
 * stored values; a key not stored yet gets the others as `missing` with NULL
 * values, so stream ingest should give every feature of a new key.
 */
export interface Vector {
  readonly key: readonly Value[];
  readonly features: readonly VectorFeature[];
}

/** A feature asked for by `get`: without a version, the highest version in the current snapshot. */
export interface FeatureSelector {
  readonly name: string;
  readonly version?: number;
}

export interface FeatureResult extends FeatureRef {
  readonly values: Readonly<Record<string, Value>>;
  readonly status: FeatureStatus;
  readonly eventTime: number | null;
}

/**
 * The vector of one asked key. A key not in the store has `found: false` and
 * every asked feature `missing`, with NULL values and no event time.
 */
export interface VectorResult {
  readonly key: readonly Value[];
  readonly found: boolean;
  readonly features: readonly FeatureResult[];
}

/** What the store holds for an entity: its current generation. */
export interface OnlineEntityInfo {
  readonly entity: string;
  /** Increases with every snapshot written (to any entity of the store). */
  readonly generation: number;
  readonly asOf: number;
  readonly keyColumns: readonly string[];
  readonly features: readonly SnapshotFeature[];
  /** Number of keys stored (snapshot keys plus keys added by upserts). */
  readonly keys: number;
  /** When the snapshot was written / last upserted to, epoch microseconds (wall clock). */
  readonly writtenAt: number;
  readonly updatedAt: number;
  /** The time an incremental refresh last brought every vector to (`markRefreshed`); null: none since the snapshot (`asOf` holds). */
  readonly refreshedAsOf: number | null;
}

export type { PendingUpdate } from '../journal/journal.js';

/**
 * The order of recomputations of one entity's vectors (`OnlineStore.ticket`).
 * Taken before a recomputation reads the offline store: a later ticket read
 * a later (or the same) offline state, so its vectors hold every event an
 * earlier ticket's do.
 */
export interface UpdateTicket {
  /** Increases with every ticket of the entity (and never goes back, whatever snapshot is written). */
  readonly seq: number;
  /**
   * The time to compute as of: the latest of the snapshot's time and the
   * newest event time of every ticket taken since the snapshot, this one's
   * included — so no recomputation leaves out an event of another's.
   */
  readonly asOf: number;
}

/** Stored vectors as encoded, and what is needed to read them. */
export interface EncodedVectors {
  readonly generation: number;
  /** The generation's materialization time (an incremental refresh since may have moved its vectors on: `describe().refreshedAsOf`). */
  readonly asOf: number;
  /** The generation's features, in the order of the encoding. */
  readonly features: readonly SnapshotFeature[];
  readonly index: FeatureIndex;
  /** Columns per feature. */
  readonly counts: readonly number[];
  /** One per key asked; undefined when the key is not stored. */
  readonly blobs: readonly (Uint8Array | undefined)[];
}

export interface OnlineStore {
  /** This open store's name for the updates it records: `<pid>:<random>`. */
  readonly owner: string;
  /** Replaces the entity's vectors by the snapshot's, atomically: readers see the old vectors or the new, never a mix. */
  writeSnapshot(entity: string, snapshot: EntitySnapshot): Promise<void>;
  /**
   * Updates the vectors of some keys of the current snapshot, all in one
   * transaction. With `seq` (a ticket's), a key whose stored vector was
   * written under a later ticket keeps it: an older recomputation never
   * overwrites a newer one. Returns how many vectors were written.
   */
  upsert(entity: string, vectors: readonly Vector[], seq?: number): Promise<number>;
  /**
   * A ticket for recomputing vectors of `entity` from the offline store,
   * taken (durably, in one write transaction, shared by every process) after
   * the events it carries were committed and before they are read; `newest`
   * is their newest event time. Null when the entity has no snapshot.
   */
  ticket(entity: string, newest: number | null): Promise<UpdateTicket | null>;
  /** The vectors of the keys, in the order asked, read from one consistent state; all features when `features` is not given. */
  get(entity: string, keys: readonly (readonly Value[])[], features?: readonly FeatureSelector[]): Promise<VectorResult[]>;
  /**
   * The stored vectors of the keys as encoded (codec.ts), in the order asked,
   * with the generation they belong to — one read of one consistent state,
   * for a server that writes them to the wire without decoding them into
   * values (wire.ts).
   */
  getEncoded(entity: string, keys: readonly (readonly Value[])[]): Promise<EncodedVectors>;
  /**
   * Records updates owed to the store (an ingest writes them before it
   * commits its events and settles them once the vectors are updated), in
   * one durable transaction; returns their ids. Whoever opens the store next
   * finds what a killed process left owed in `pendingUpdates`.
   */
  recordPending(updates: readonly PendingUpdate[]): Promise<number[]>;
  /** The updates recorded and not settled yet, oldest first. */
  pendingUpdates(): Promise<PendingUpdate[]>;
  /** Marks updates carried out; they are kept a while for `settledSince`. */
  settlePending(ids: readonly number[]): Promise<void>;
  /**
   * Updates settled at or after `micros` (epoch µs, this machine's clock): a
   * snapshot computed from `micros` on may have missed their events, and
   * re-applies them after it is written.
   */
  settledSince(micros: number): Promise<PendingUpdate[]>;
  /** The current generation of the entity, or null when it has never been materialized. */
  describe(entity: string): Promise<OnlineEntityInfo | null>;
  /** After an incremental refresh wrote the keys that changed: every vector now holds as of `asOf` (never moves back); null when not materialized. */
  markRefreshed(entity: string, asOf: number): Promise<OnlineEntityInfo | null>;
  /** Waits for the writes in progress, then closes. */
  close(): Promise<void>;
}

export type OnlineStoreErrorCode =
  /** get/upsert on an entity with no snapshot. */
  | 'not_materialized'
  /** A feature (version) the entity's snapshot does not hold. */
  | 'unknown_feature'
  /** A key of the wrong length, with a NULL or a non-canonical value. */
  | 'bad_key'
  /** The same key twice in one snapshot. */
  | 'duplicate_key'
  /** A malformed snapshot, row or vector (lengths, statuses, values, times). */
  | 'bad_input'
  /** Another process held the write lock for longer than the write timeout. */
  | 'busy'
  /** The store's server (Redis) cannot be reached or refused the connection. */
  | 'unavailable'
  | 'closed';

export class OnlineStoreError extends Error {
  constructor(
    readonly code: OnlineStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OnlineStoreError';
  }
}

/** The status of a raw lookup value at `asOf` (docs/semantics.md §3): no row → missing; a row older than the TTL → outside_ttl. */
export function rawStatus(eventTime: number | null, asOf: number, ttlSeconds?: number): FeatureStatus {
  if (eventTime === null) return 'missing';
  if (ttlSeconds !== undefined && eventTime < asOf - ttlSeconds * 1_000_000) return 'outside_ttl';
  return 'present';
}

/** Names compare case-insensitively, as fsql identifiers do. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

export function featureKey(name: string, version: number): string {
  return `${nameKey(name)}@${version}`;
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === undefined) return 'undefined';
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

/** A canonical value (engine/values.ts): a finite number, string, boolean or null. */
export function isValue(v: unknown): v is Value {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Checks a value; throws bad_input naming where it is. */
export function checkValue(v: unknown, where: () => string): Value {
  if (!isValue(v)) throw new OnlineStoreError('bad_input', `${where()}: ${describeValue(v)} is not a value (a finite number, string, boolean or null)`);
  return v;
}

/** Checks an event time: null or a whole number of microseconds. */
export function checkTime(v: unknown, where: () => string): number | null {
  if (v === null) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v === 0 ? 0 : v;
  throw new OnlineStoreError('bad_input', `${where()}: ${describeValue(v)} is not an event time (epoch microseconds or null)`);
}

export function checkStatus(v: unknown, where: () => string): FeatureStatus {
  if (typeof v === 'string' && (FEATURE_STATUSES as readonly string[]).includes(v)) return v as FeatureStatus;
  throw new OnlineStoreError('bad_input', `${where()}: ${describeValue(v)} is not a status (${FEATURE_STATUSES.join(', ')})`);
}

/** Checks a key and encodes it as the text the store indexes (JSON of the canonical values). */
export function encodeKey(key: unknown, length: number): string {
  if (!Array.isArray(key)) throw new OnlineStoreError('bad_key', `a key is a list of ${length} value(s), not ${describeValue(key)}`);
  if (key.length !== length) throw new OnlineStoreError('bad_key', `key ${safeJson(key)} has ${key.length} value(s); the entity's key has ${length}`);
  for (const v of key) {
    if (v === null || v === undefined) throw new OnlineStoreError('bad_key', `key ${safeJson(key)} has a NULL: a NULL key matches nothing`);
    if (!isValue(v)) throw new OnlineStoreError('bad_key', `key ${safeJson(key)}: ${describeValue(v)} is not a value`);
  }
  // -0 and 0 are one key.
  return JSON.stringify(key.map((v) => (v === 0 ? 0 : v)));
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Checks a snapshot's feature list (not its rows); returns a normalized copy. */
export function checkSnapshotFeatures(features: unknown): SnapshotFeature[] {
  if (!Array.isArray(features) || features.length === 0) throw new OnlineStoreError('bad_input', 'a snapshot needs at least one feature');
  const seen = new Set<string>();
  return features.map((f: SnapshotFeature, i): SnapshotFeature => {
    const where = `feature ${i + 1}${typeof f?.name === 'string' ? ` (${f.name})` : ''}`;
    if (typeof f?.name !== 'string' || f.name === '') throw new OnlineStoreError('bad_input', `${where}: no name`);
    if (!Number.isSafeInteger(f.version) || f.version < 1) throw new OnlineStoreError('bad_input', `${where}: version ${describeValue(f.version)} is not a positive integer`);
    const k = featureKey(f.name, f.version);
    if (seen.has(k)) throw new OnlineStoreError('bad_input', `${where}: ${f.name} VERSION ${f.version} is listed twice`);
    seen.add(k);
    if (f.awaitingFit !== undefined && f.awaitingFit !== true) throw new OnlineStoreError('bad_input', `${where}: awaitingFit ${describeValue(f.awaitingFit)} is not true`);
    // A feature awaiting its fit may have no column yet (a ONE_HOT TOP n); every other has one at least.
    if (!Array.isArray(f.columns) || (f.columns.length === 0 && !f.awaitingFit) || !f.columns.every((c) => typeof c === 'string' && c !== '')) {
      throw new OnlineStoreError('bad_input', `${where}: columns must be a non-empty list of names`);
    }
    if (new Set(f.columns).size !== f.columns.length) throw new OnlineStoreError('bad_input', `${where}: a column is listed twice`);
    if (f.types !== undefined && (!Array.isArray(f.types) || f.types.length !== f.columns.length)) {
      throw new OnlineStoreError('bad_input', `${where}: types must give one type per column`);
    }
    if (f.ttlSeconds !== undefined && !(typeof f.ttlSeconds === 'number' && f.ttlSeconds >= 0 && Number.isFinite(f.ttlSeconds))) {
      throw new OnlineStoreError('bad_input', `${where}: ttlSeconds ${describeValue(f.ttlSeconds)} is not a duration`);
    }
    if (f.kind !== 'latest' && f.kind !== 'aggregate') throw new OnlineStoreError('bad_input', `${where}: kind ${describeValue(f.kind)} is not latest or aggregate`);
    if (f.emptyValues !== undefined && (!Array.isArray(f.emptyValues) || f.emptyValues.length !== f.columns.length)) {
      throw new OnlineStoreError('bad_input', `${where}: emptyValues must give one value per column`);
    }
    return {
      name: f.name,
      version: f.version,
      columns: [...f.columns],
      ...(f.types ? { types: [...f.types] } : {}),
      ...(f.ttlSeconds !== undefined ? { ttlSeconds: f.ttlSeconds } : {}),
      kind: f.kind,
      ...(f.emptyValues !== undefined ? { emptyValues: [...f.emptyValues] } : {}),
      ...(f.awaitingFit ? { awaitingFit: true as const } : {}),
    };
  });
}

/** Checks one feature cell against its feature: the number of values, each value, the status and time. */
export function checkCell(cell: unknown, feature: SnapshotFeature, where: () => string): FeatureCell {
  const c = cell as FeatureCell | undefined;
  if (typeof c !== 'object' || c === null) throw new OnlineStoreError('bad_input', `${where()}: no cell for ${feature.name}`);
  const values = valuesInColumnOrder(c.values, feature, where);
  return { values, status: checkStatus(c.status, where), eventTime: checkTime(c.eventTime, where) };
}

/** Values given as a list (column order) or a record (by column name) → a checked list in column order. */
export function valuesInColumnOrder(values: unknown, feature: SnapshotFeature, where: () => string): Value[] {
  const cols = feature.columns;
  if (Array.isArray(values)) {
    if (values.length !== cols.length) {
      throw new OnlineStoreError('bad_input', `${where()}: ${feature.name} has ${cols.length} column(s) (${cols.join(', ')}), ${values.length} value(s) given`);
    }
    // The hot path of a snapshot write: no copy, no closure per value.
    for (let i = 0; i < values.length; i++) {
      const v: unknown = values[i];
      if (!isValue(v)) checkValue(v, () => `${where()}, column ${cols[i]}`);
    }
    return values as Value[];
  }
  if (typeof values === 'object' && values !== null) {
    const rec = values as Record<string, unknown>;
    const extra = Object.keys(rec).find((k) => !cols.includes(k));
    if (extra !== undefined) throw new OnlineStoreError('bad_input', `${where()}: ${feature.name} has no column ${extra} (it has ${cols.join(', ')})`);
    return cols.map((col) => {
      if (!Object.hasOwn(rec, col)) throw new OnlineStoreError('bad_input', `${where()}: no value for column ${col} of ${feature.name}`);
      return checkValue(rec[col], () => `${where()}, column ${col}`);
    });
  }
  throw new OnlineStoreError('bad_input', `${where()}: the values of ${feature.name} must be a list or a record by column`);
}

/** The cell of a key that has no value for a feature: its empty values, `missing` (`awaiting_fit` and NULLs for a feature awaiting its fit). */
export function missingCell(feature: SnapshotFeature): FeatureCell {
  if (feature.awaitingFit) return { values: feature.columns.map(() => null), status: 'awaiting_fit', eventTime: null };
  return { values: feature.emptyValues ? [...feature.emptyValues] : feature.columns.map(() => null), status: 'missing', eventTime: null };
}

/** Index of the snapshot features by `featureKey`, and the highest version by name. */
export class FeatureIndex {
  private readonly exact = new Map<string, number>();
  private readonly latest = new Map<string, number>();

  constructor(readonly features: readonly SnapshotFeature[]) {
    features.forEach((f, i) => {
      this.exact.set(featureKey(f.name, f.version), i);
      const l = this.latest.get(nameKey(f.name));
      if (l === undefined || features[l]!.version < f.version) this.latest.set(nameKey(f.name), i);
    });
  }

  /** The position of a feature; without a version the highest one held. Throws unknown_feature. */
  resolve(entity: string, sel: FeatureSelector): number {
    const i = sel.version === undefined ? this.latest.get(nameKey(sel.name)) : this.exact.get(featureKey(sel.name, sel.version));
    if (i !== undefined) return i;
    const held = this.features.map((f) => `${f.name} v${f.version}`).join(', ');
    const what = sel.version === undefined ? `feature ${sel.name}` : `feature ${sel.name} VERSION ${sel.version}`;
    throw new OnlineStoreError('unknown_feature', `${what} is not materialized for entity ${entity} (materialized: ${held})`);
  }
}
