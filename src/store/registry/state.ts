/**
 * The registry as data: every table but the statistics, read at once into a
 * `RegistryState` (a registry holds hundreds of object versions, not
 * millions). Plan, pins, lineage and the getters are pure functions of it, so
 * they are the same over every storage backend; `loadState` is the only read.
 *
 * Each write records an apply, so the id of the last apply names the state:
 * the registry keeps the last state it loaded until that id moves.
 */
import { keyOf } from '../../check/catalog.js';
import type { FittedParameters } from '../../plan/fitted.js';
import type { RegistryDb } from './database.js';
import type { ObjectKind, ObjectMetadata } from './definitions.js';
import type { PinRef } from './types.js';

export interface ObjectRow {
  id: number;
  kind: ObjectKind;
  name: string;
  name_key: string;
  version: number;
  hash: string;
  definition: string;
  text: string;
  description: string | null;
  owner: string | null;
  tags: string;
  revision: number;
  created_apply: number;
  updated_apply: number;
  pinned: number;
  retired_apply: number | null;
  retired_reason: string | null;
}

export interface DependencyRow {
  object_id: number;
  position: number;
  dep_kind: ObjectKind;
  dep_name: string;
  dep_key: string;
  dep_version: number;
}

export interface RevisionRow {
  object_id: number;
  revision: number;
  change: 'added' | 'updated' | 'metadata';
  kind: ObjectKind;
  hash: string;
  text: string;
  metadata: string;
  apply_id: number;
}

export interface RegistryState {
  readonly id: string;
  /** The id of the last apply (0 before the first). */
  readonly lastApply: number;
  /** Apply id → when it ran. */
  readonly appliedAt: ReadonlyMap<number, string>;
  /** Every object version, by id. */
  readonly objects: readonly ObjectRow[];
  /** name key → its versions, ascending. */
  readonly byKey: ReadonlyMap<string, readonly ObjectRow[]>;
  readonly byId: ReadonlyMap<number, ObjectRow>;
  /** object id → its revisions, ascending. */
  readonly revisions: ReadonlyMap<number, readonly RevisionRow[]>;
  /** object id → what it reads, by position. */
  readonly dependencies: ReadonlyMap<number, readonly DependencyRow[]>;
  /** `key@version` → the ids of the objects that read it. */
  readonly readers: ReadonlyMap<string, readonly number[]>;
  /** object id → its pins, by upstream key. */
  readonly pins: ReadonlyMap<number, readonly PinRef[]>;
  /** object id → the fitted parameters stored for it (count 0: an older fsql's non-fit). */
  readonly fitted: ReadonlyMap<number, FittedParameters>;
  /** Ids of the objects with statistics recorded. */
  readonly withStatistics: ReadonlySet<number>;
}

/** Binary (code unit) order, the same on every database (SQL ORDER BY text follows the database's collation). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function group<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

export function refKey(name: string, version: number): string {
  return `${keyOf(name)}@${version}`;
}

/** The id of the last apply (0 before the first). */
export async function lastApplyId(db: RegistryDb): Promise<number> {
  const row = await db.selectFrom('applies').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

export async function registryId(db: RegistryDb): Promise<string> {
  const row = await db.selectFrom('registry_info').select('value').where('key', '=', 'id').executeTakeFirstOrThrow();
  return row.value;
}

/** Reads the whole registry but its statistics (one transaction where the backend has them, so the tables agree). */
export async function loadState(db: RegistryDb, id: string): Promise<RegistryState> {
  const [applies, objects, revisions, dependencies, pins, fitted, withStatistics] = await Promise.all([
    db.selectFrom('applies').select(['id', 'applied_at']).orderBy('id').execute(),
    db.selectFrom('objects').selectAll().orderBy('id').execute(),
    db.selectFrom('revisions').selectAll().orderBy('object_id').orderBy('revision').execute(),
    db.selectFrom('dependencies').selectAll().orderBy('object_id').orderBy('position').execute(),
    db.selectFrom('pins').select(['object_id', 'dep_kind', 'dep_name', 'dep_key', 'dep_hash']).execute(),
    db.selectFrom('fitted_parameters').select(['object_id', 'parameters']).execute(),
    db.selectFrom('statistics').select('object_id').distinct().execute(),
  ]);
  const rows = objects.map((o) => ({ ...o, pinned: Number(o.pinned) }) as ObjectRow);
  const lastApply = applies.length > 0 ? applies[applies.length - 1]!.id : 0;
  const byKey = group(rows, (r) => r.name_key);
  for (const list of byKey.values()) list.sort((a, b) => a.version - b.version);
  const readers = new Map<string, number[]>();
  for (const d of dependencies) {
    const k = `${d.dep_key}@${d.dep_version}`;
    const list = readers.get(k);
    if (list) list.push(d.object_id);
    else readers.set(k, [d.object_id]);
  }
  const pinsOf = group(
    [...pins].sort((a, b) => a.object_id - b.object_id || compareText(a.dep_key, b.dep_key)),
    (p) => p.object_id,
  );
  return {
    id,
    lastApply: Number(lastApply),
    appliedAt: new Map(applies.map((a) => [Number(a.id), a.applied_at])),
    objects: rows,
    byKey,
    byId: new Map(rows.map((r) => [r.id, r])),
    revisions: group(revisions as RevisionRow[], (r) => r.object_id),
    dependencies: group(dependencies as DependencyRow[], (d) => d.object_id),
    readers,
    pins: new Map([...pinsOf].map(([k, list]) => [k, list.map((p): PinRef => ({ kind: p.dep_kind, name: p.dep_name, hash: p.dep_hash }))])),
    fitted: new Map(fitted.map((f) => [f.object_id, JSON.parse(f.parameters) as FittedParameters])),
    withStatistics: new Set(withStatistics.map((s) => s.object_id)),
  };
}

/** One object version (the newest when no version is given). */
export function objectRow(state: RegistryState, name: string, version?: number): ObjectRow | undefined {
  const rows = state.byKey.get(keyOf(name));
  if (!rows || rows.length === 0) return undefined;
  return version === undefined ? rows[rows.length - 1] : rows.find((r) => r.version === version);
}

export function metadataOfRow(row: Pick<ObjectRow, 'description' | 'owner' | 'tags'>): ObjectMetadata {
  return {
    ...(row.description !== null ? { description: row.description } : {}),
    ...(row.owner !== null ? { owner: row.owner } : {}),
    tags: JSON.parse(row.tags) as string[],
  };
}

/** The newest revision of an entity, source or view with a definition hash. */
export function revisionOf(state: RegistryState, key: string, hash: string): { kind: ObjectKind; text: string; revision: number } | undefined {
  const row = state.byKey.get(key)?.find((r) => r.version === 1);
  if (!row) return undefined;
  const revs = state.revisions.get(row.id) ?? [];
  for (let i = revs.length - 1; i >= 0; i--) {
    const r = revs[i]!;
    if (r.hash === hash) return { kind: r.kind, text: r.text, revision: r.revision };
  }
  return undefined;
}
