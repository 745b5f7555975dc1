/**
 * `fsql materialize`: every registered feature version of every entity,
 * computed as of one time and written to the online store, one atomic
 * snapshot per entity (readers see an entity's old vectors or its new ones).
 */
import { keyOf } from '../check/catalog.js';
import type { Workspace } from './workspace.js';
import { computeSnapshot, entitiesWithFeatures, entityFeatures } from './vectors.js';
import { RuntimeError } from './errors.js';
import { afterSnapshot } from './online-updates.js';
import { writeTiles } from './tiles.js';

export interface MaterializeOptions {
  /** The time vectors are computed as of, epoch µs (default: now). */
  readonly at?: number;
  /** Only these entities (default: every entity with features). */
  readonly entities?: readonly string[];
  readonly onProgress?: (event: MaterializeProgress) => void;
}

export interface MaterializeProgress {
  readonly entity: string;
  readonly phase: 'computing' | 'writing' | 'done';
  readonly keys?: number;
}

export interface MaterializedEntity {
  readonly entity: string;
  readonly asOf: number;
  readonly keys: number;
  /** Feature versions written. */
  readonly features: number;
  /** Output values written (keys × output columns). */
  readonly values: number;
  readonly seconds: number;
}

export async function materialize(ws: Workspace, options: MaterializeOptions = {}): Promise<MaterializedEntity[]> {
  const { catalog } = await ws.catalog();
  const all = entitiesWithFeatures(catalog);
  let entities = all;
  if (options.entities) {
    entities = options.entities.map((e) => {
      const found = all.find((x) => keyOf(x) === keyOf(e));
      if (!found) {
        const known = catalog.entities[keyOf(e)];
        throw new RuntimeError('unknown_entity', known ? `entity ${known.name} has no registered features` : `no registered entity ${e}${all.length ? ` (entities: ${all.join(', ')})` : ''}`);
      }
      return found;
    });
  }
  if (entities.length === 0) throw new RuntimeError('nothing_registered', 'no registered features to materialize: run `fsql apply` first');
  const asOf = options.at ?? Date.now() * 1000;
  const out: MaterializedEntity[] = [];
  for (const entity of entities) {
    const started = performance.now();
    options.onProgress?.({ entity, phase: 'computing' });
    const features = entityFeatures(catalog, entity);
    const computeStarted = Date.now() * 1000;
    // A ticket before the offline data is read: keys upserted under a later one meanwhile keep their newer vectors.
    const ticket = await ws.online().ticket(entity, null);
    const computed = await ws.exclusive(async () => computeSnapshot(await ws.engine(), catalog, ws.fitted, entity, features, asOf, { lazy: true }));
    const snapshot = ticket ? { ...computed, seq: ticket.seq } : computed;
    if (snapshot.features.length === 0) {
      // Every feature of the entity is a ONE_HOT TOP n fitted on no value: no column, nothing to store.
      out.push({ entity, asOf, keys: 0, features: 0, values: 0, seconds: (performance.now() - started) / 1000 });
      options.onProgress?.({ entity, phase: 'done', keys: 0 });
      continue;
    }
    const keys = snapshot.keys;
    options.onProgress?.({ entity, phase: 'writing', keys });
    await ws.online().writeSnapshot(entity, snapshot);
    // Request-time windows (online.windows = tiles): the entity's tiles as of the same time, before the missed ingests go on top.
    await ws.exclusive(async () => writeTiles(ws.online(), await ws.engine(), ws.config, catalog, entity, asOf, ticket?.seq));
    // Ingests the snapshot may have missed (committed while it was computed, or left owed by a killed process)
    // go on top: recomputing is idempotent, at worst it redoes what the snapshot holds.
    await ws.exclusive(async () => afterSnapshot(ws, await ws.engine(), entity, computeStarted));
    const columns = snapshot.features.reduce((n, f) => n + f.columns.length, 0);
    out.push({ entity, asOf, keys, features: snapshot.features.length, values: keys * columns, seconds: (performance.now() - started) / 1000 });
    options.onProgress?.({ entity, phase: 'done', keys });
  }
  return out;
}

/**
 * After feature versions were fitted late (they awaited their fit): every
 * entity they belong to that has an online snapshot is recomputed as of that
 * snapshot's time, so lookups serve their values at once instead of
 * `awaiting_fit` until the next materialize. Returns the entities refreshed.
 */
export async function refreshAfterFit(ws: Workspace, fitted: readonly { readonly feature: string; readonly version: number }[]): Promise<MaterializedEntity[]> {
  if (fitted.length === 0) return [];
  const { catalog } = await ws.catalog();
  const entities = new Set<string>();
  for (const f of fitted) {
    const info = catalog.features[keyOf(f.feature)]?.find((x) => x.version === f.version);
    if (info) entities.add(info.key.entity);
  }
  const out: MaterializedEntity[] = [];
  for (const entity of [...entities].sort()) {
    const snapshot = await ws.online().describe(entity);
    if (!snapshot) continue;
    out.push(...(await materialize(ws, { at: snapshot.asOf, entities: [entity] })));
  }
  return out;
}
