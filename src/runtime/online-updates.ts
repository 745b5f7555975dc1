/**
 * Online updates owed by an ingest, and how they are carried out.
 *
 * An ingest first records, in the online store, which vectors its events
 * will move (`PendingUpdate`: an entity, its touched keys or the whole
 * entity, the newest event time); then commits its events to the offline
 * store; then recomputes those vectors; then settles the record. A process
 * killed anywhere in between leaves the record, and the next ingest,
 * `materialize` or `fsql serve` carries it out (`settleOwedUpdates`) before
 * anything else: recomputing vectors from the offline data is idempotent, so
 * it does not matter whether the events of a killed ingest were committed —
 * the online store ends equal to the offline data either way.
 *
 * Several processes (`serve --workers`) carry updates out at once, a
 * survivor also what a killed worker owed: each recomputation takes a ticket
 * from the online store (`OnlineStore.ticket`) before it reads the offline
 * store, and the store never lets a vector of an earlier ticket overwrite one
 * of a later ticket — which read a later offline state, as of a time no
 * earlier. So whichever write lands last, a key ends up holding every event
 * committed before the latest ticket.
 */
import { keyOf, type Catalog, type LiteralValue, type SourceInfo } from '../check/catalog.js';
import type { Engine, Row } from '../engine/engine.js';
import { encodeKey, type PendingUpdate, type Vector } from '../store/online/store.js';
import { computeSnapshot } from './vectors.js';
import { updateTiles, writeTiles } from './tiles.js';
import type { Workspace } from './workspace.js';

export interface OnlineUpdate {
  readonly entity: string;
  /** `keys`: the touched keys were recomputed; `entity`: the whole snapshot; `not_materialized`: no snapshot yet (run materialize). */
  readonly mode: 'keys' | 'entity' | 'not_materialized';
  readonly keys: number;
  readonly asOf?: number;
}

/** The relations that read `source`, itself included. */
function readersOf(catalog: Catalog, source: string): Set<string> {
  const out = new Set([keyOf(source)]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of Object.values(catalog.relations)) {
      if (r.kind !== 'view' || out.has(keyOf(r.name))) continue;
      if (r.dependsOn.some((d) => out.has(keyOf(d)))) {
        out.add(keyOf(r.name));
        grew = true;
      }
    }
  }
  return out;
}

/**
 * The updates events of `source` make: for every materialized entity with a
 * feature reading the stream, the keys the events carry when every such
 * feature reads the stream itself; the whole entity when one reads it
 * through a view (a view can move any key). Entities never materialized are
 * returned apart (nothing to update).
 */
export async function updatesForEvents(
  ws: Workspace,
  catalog: Catalog,
  source: SourceInfo,
  rows: readonly Row[],
  newest: number | null,
): Promise<{ updates: PendingUpdate[]; notMaterialized: string[] }> {
  const readers = readersOf(catalog, source.name);
  const entities = new Set<string>();
  for (const versions of Object.values(catalog.features)) {
    for (const f of versions) if (readers.has(keyOf(f.relation))) entities.add(catalog.entities[keyOf(f.key.entity)]!.name);
  }
  const updates: PendingUpdate[] = [];
  const notMaterialized: string[] = [];
  const reason = `ingest into ${source.name}`;
  for (const entity of [...entities].sort()) {
    const info = await ws.online().describe(entity);
    if (!info) {
      notMaterialized.push(entity);
      continue;
    }
    const reading = info.features.flatMap((f) => {
      const x = catalog.features[keyOf(f.name)]?.find((v) => v.version === f.version);
      return x !== undefined && readers.has(keyOf(x.relation)) ? [x] : [];
    });
    if (reading.length === 0) continue;
    if (!reading.every((x) => keyOf(x.relation) === keyOf(source.name))) {
      updates.push({ entity, keys: null, newest, reason });
      continue;
    }
    // Keys straight from the events (features may map their key columns differently: collect all).
    const keys = new Map<string, LiteralValue[]>();
    // Features on the same key columns give the same keys: each set of columns is read once.
    const seen = new Set<string>();
    for (const x of reading) {
      const columns = JSON.stringify(x.key.columns);
      if (seen.has(columns)) continue;
      seen.add(columns);
      for (const r of rows) {
        const key = x.key.columns.map((c) => r[c] ?? null);
        if (key.some((v) => v === null)) continue;
        keys.set(encodeKey(key, key.length), key as LiteralValue[]);
      }
    }
    if (keys.size > 0) updates.push({ entity, keys: [...keys.values()], newest, reason });
  }
  return { updates, notMaterialized };
}

/**
 * Carries out one update: a ticket taken (after the events were committed,
 * before they are read), then the vectors recomputed as of the ticket's time
 * — the latest of the entity's snapshot time, `newest` and the newest event
 * of every update since the snapshot — and written under the ticket
 * (upserted, or a new snapshot for the whole entity). Run inside
 * `ws.exclusive`.
 */
export async function carryOut(ws: Workspace, engine: Engine, catalog: Catalog, update: PendingUpdate): Promise<OnlineUpdate> {
  const store = ws.online();
  const ticket = await store.ticket(update.entity, update.newest);
  const info = ticket && (await store.describe(update.entity));
  if (!ticket || !info) return { entity: update.entity, mode: 'not_materialized', keys: 0 };
  const refs = info.features.filter((f) => catalog.features[keyOf(f.name)]?.some((x) => x.version === f.version)).map((f) => ({ name: f.name, version: f.version }));
  const asOf = ticket.asOf;
  // A feature the snapshot holds as awaiting its fit that is fitted now changes shape (its columns,
  // every key's status): the whole entity is recomputed, not only the touched keys.
  const fittedSince = info.features.some((f) => f.awaitingFit && ws.fitted(f.name, f.version) !== undefined);
  if (update.keys === null || fittedSince) {
    const snapshot = await computeSnapshot(engine, catalog, ws.fitted, update.entity, refs, asOf);
    await store.writeSnapshot(update.entity, { ...snapshot, seq: ticket.seq });
    await writeTiles(store, engine, ws.config, catalog, update.entity, asOf, ticket.seq);
    return { entity: update.entity, mode: 'entity', keys: snapshot.keys, asOf };
  }
  const snapshot = await computeSnapshot(engine, catalog, ws.fitted, update.entity, refs, asOf, { keys: update.keys as LiteralValue[][] });
  const vectors: Vector[] = [...(snapshot.rows as Iterable<{ key: readonly LiteralValue[]; features: readonly { values: readonly LiteralValue[]; status: never; eventTime: number | null }[] }>)].map((r) => ({
    key: r.key,
    features: r.features.map((cell, i) => ({ name: snapshot.features[i]!.name, version: snapshot.features[i]!.version, values: cell.values, status: cell.status, eventTime: cell.eventTime })),
  }));
  await store.upsert(update.entity, vectors, ticket.seq);
  await updateTiles(store, engine, ws.config, catalog, update.entity, update.keys as LiteralValue[][], ticket.seq);
  return { entity: update.entity, mode: 'keys', keys: vectors.length, asOf };
}

/** Whether a process with this id is running (a pid can be reused: then an update waits for it to end, which is safe). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * Whether an owed update is ours to carry out: recorded through this very
 * store (an earlier attempt of ours failed; `exclusive` means none is in
 * flight), or by a process that is gone. An update of another live process
 * is left to it: it may not have committed its events yet.
 */
function orphaned(update: PendingUpdate, owner: string): boolean {
  if (update.owner === owner) return true;
  const pid = Number(update.owner?.split(':')[0]);
  return !Number.isSafeInteger(pid) || pid <= 0 || (pid !== process.pid && !running(pid));
}

/** The owed updates this process may carry out (all entities, or one). */
async function ours(ws: Workspace, entity?: string): Promise<PendingUpdate[]> {
  const store = ws.online();
  return (await store.pendingUpdates()).filter((u) => (entity === undefined || keyOf(u.entity) === keyOf(entity)) && orphaned(u, store.owner));
}

/**
 * Carries out the updates a killed process left owed (all, or those of
 * `entity`), then settles them. An update for an entity that is no longer
 * registered or materialized is settled without work. Run inside
 * `ws.exclusive`; returns how many were carried out.
 */
export async function settleOwedUpdates(ws: Workspace, engine: Engine, entity?: string): Promise<number> {
  const store = ws.online();
  const owed = await ours(ws, entity);
  if (owed.length === 0) return 0;
  const { catalog } = await ws.catalog();
  for (const u of owed) {
    if (catalog.entities[keyOf(u.entity)] !== undefined) await carryOut(ws, engine, catalog, u);
    await store.settlePending([u.id!]);
  }
  return owed.length;
}

/**
 * After a snapshot of `entity` is written whose computation started at
 * `computeStarted` (epoch µs): the ingests it may have missed are carried out
 * on top of it — those settled since then (their events may have been
 * committed after the snapshot read the offline data, and their vectors were
 * written into the snapshot this one replaced) and those still owed (a killed
 * process's, settled here; a running one's, which it settles itself). Run
 * inside `ws.exclusive`.
 */
export async function afterSnapshot(ws: Workspace, engine: Engine, entity: string, computeStarted: number): Promise<void> {
  const store = ws.online();
  const same = (u: PendingUpdate) => keyOf(u.entity) === keyOf(entity);
  const recent = (await store.settledSince(computeStarted)).filter(same);
  const owed = (await store.pendingUpdates()).filter(same);
  if (recent.length === 0 && owed.length === 0) return;
  const { catalog } = await ws.catalog();
  if (catalog.entities[keyOf(entity)] !== undefined) for (const u of [...recent, ...owed]) await carryOut(ws, engine, catalog, u);
  await store.settlePending(owed.filter((u) => orphaned(u, store.owner)).map((u) => u.id!));
}
