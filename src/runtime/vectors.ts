/**
 * Online vectors computed from the offline data: the materialize plans of an
 * entity's feature versions, run as of one time, as one snapshot for the
 * online store. Versions of one feature cannot share a plan (their output
 * columns share names), so the i-th newest version of every feature goes in
 * plan i and the parts are combined.
 */
import { keyOf, versionKey, type Catalog, type FeatureInfo, type LiteralValue } from '../check/catalog.js';
import type { Engine } from '../engine/engine.js';
import { runMaterializeNarrow } from './run-plan.js';
import { featureVersion, planMaterialize, transformFor, type FittedLookup } from '../plan/build.js';
import { needsFit } from '../plan/fitted.js';
import type { MaterializePlan } from '../plan/ir.js';
import { combineSnapshots, snapshotFromMaterialize } from '../store/online/snapshot.js';
import type { EntitySnapshot, FeatureRef, SnapshotFeature, SnapshotRow } from '../store/online/store.js';

/** Every feature version of the entity in the catalog, by name then version. */
export function entityFeatures(catalog: Catalog, entity: string): FeatureRef[] {
  return Object.values(catalog.features)
    .flat()
    .filter((f) => keyOf(f.key.entity) === keyOf(entity))
    .sort((a, b) => keyOf(a.name).localeCompare(keyOf(b.name)) || a.version - b.version)
    .map((f) => ({ name: f.name, version: f.version }));
}

/** The entities that have at least one feature. */
export function entitiesWithFeatures(catalog: Catalog): string[] {
  return Object.values(catalog.entities)
    .map((e) => e.name)
    .filter((e) => entityFeatures(catalog, e).length > 0)
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

function versionGroups(features: readonly FeatureInfo[]): FeatureInfo[][] {
  const byName = new Map<string, FeatureInfo[]>();
  for (const f of features) {
    const list = byName.get(keyOf(f.name)) ?? [];
    list.push(f);
    byName.set(keyOf(f.name), list);
  }
  const groups: FeatureInfo[][] = [];
  for (const list of byName.values()) {
    list.sort((a, b) => b.version - a.version);
    list.forEach((f, i) => (groups[i] ??= []).push(f));
  }
  return groups;
}

/**
 * In-memory rows, without the features that have no output column: a ONE_HOT
 * TOP n feature whose fitted vocabulary is empty (no non-NULL value at its
 * fit) has no column in a training set, and the online store holds no
 * feature without columns, so it is left out of the vectors too.
 */
function withoutEmptyFeatures(s: EntitySnapshot, lazy = false): EntitySnapshot {
  const keep = s.features.flatMap((f, i) => (f.columns.length > 0 || f.awaitingFit ? [i] : []));
  const source = s.rows as Iterable<SnapshotRow>;
  if (keep.length === s.features.length) return lazy ? s : { ...s, rows: [...source] };
  const features = keep.map((i) => s.features[i]!);
  const pick = (r: SnapshotRow): SnapshotRow => ({ key: r.key, features: keep.map((i) => r.features[i]!) });
  const table = s.table ? { table: { ...s.table, features: keep.map((i) => s.table!.features[i]!) } } : {};
  if (!lazy) return { ...s, ...table, features, rows: [...source].map(pick) };
  return {
    ...s,
    ...table,
    features,
    rows: {
      *[Symbol.iterator]() {
        for (const r of source) yield pick(r);
      },
    },
  };
}

/**
 * Materialize plans by catalog, fitted lookup and feature list: a plan
 * depends on nothing else (the time and the keys are bound when it is
 * lowered), and an ingest recomputes the same entity's vectors again and again.
 */
const plans = new WeakMap<Catalog, WeakMap<FittedLookup, Map<string, MaterializePlan>>>();

function cachedPlan(catalog: Catalog, fitted: FittedLookup, entity: string, group: readonly FeatureInfo[]): MaterializePlan {
  let byFitted = plans.get(catalog);
  if (!byFitted) plans.set(catalog, (byFitted = new WeakMap()));
  let byList = byFitted.get(fitted);
  if (!byList) byFitted.set(fitted, (byList = new Map()));
  const signature = `${keyOf(entity)}:${group.map((f) => versionKey(f.name, f.version)).join(',')}`;
  let plan = byList.get(signature);
  if (!plan) {
    plan = planMaterialize(catalog, entity, fitted, { features: group.map((f) => ({ name: f.name, version: f.version })) });
    if (byList.size >= 64) byList.clear();
    byList.set(signature, plan);
  }
  return plan;
}

export interface ComputeOptions {
  /** Only these keys (canonical values in the entity's key order). */
  readonly keys?: readonly (readonly LiteralValue[])[];
  /**
   * Build each key's cells only as the snapshot's rows are read (once), not
   * all up front: a snapshot written straight to the store then holds the
   * query's result table and one row at a time, not every key's cells (at
   * 200k keys × 20 features that halves the garbage collector's work). Only
   * when every feature version fits one plan; otherwise rows are in memory.
   */
  readonly lazy?: boolean;
}

/**
 * The features awaiting their fit, as a snapshot part with no rows: combined
 * with the others, every key gets their `missingCell` — status
 * `awaiting_fit`, NULL values — and so does a key the store does not hold.
 * Their columns are those the fitted version will have, except a ONE_HOT TOP
 * n's, unknown until its vocabulary is fitted (none).
 */
function awaitingPart(catalog: Catalog, entity: string, waiting: readonly FeatureInfo[], asOf: number): EntitySnapshot {
  const keyColumns = catalog.entities[keyOf(entity)]!.keys.map((k) => k.name);
  const features: SnapshotFeature[] = waiting.map((f) => {
    const step = transformFor(f, 'f', undefined, { preview: true });
    const outputs = f.encoding?.kind === 'one_hot_top' ? [] : step.outputs;
    return {
      name: f.name,
      version: f.version,
      columns: outputs.map((o) => o.name),
      types: outputs.map((o) => o.type),
      ...(f.ttl !== undefined && catalog.relations[keyOf(f.relation)]?.eventTime !== undefined ? { ttlSeconds: f.ttl.seconds } : {}),
      kind: f.mode === 'aggregate' ? 'aggregate' : 'latest',
      awaitingFit: true,
    };
  });
  return { asOf, keyColumns, features, rows: [] };
}

/** A computed snapshot and its number of keys. */
export type ComputedSnapshot = EntitySnapshot & { readonly keys: number };

/** The snapshot of `features` of `entity` as of `asOf` (epoch µs). Rows are in memory unless `options.lazy`. */
export async function computeSnapshot(
  engine: Engine,
  catalog: Catalog,
  fitted: FittedLookup,
  entity: string,
  features: readonly FeatureRef[],
  asOf: number,
  options: ComputeOptions = {},
): Promise<ComputedSnapshot> {
  const all = features.map((f) => featureVersion(catalog, f.name, f.version));
  // A version awaiting its fit has no parameters to compute with: it is held as such, every key `awaiting_fit`.
  const waiting = all.filter((f) => needsFit(f) && fitted(f.name, f.version) === undefined);
  const infos = all.filter((f) => !waiting.includes(f));
  const groups = versionGroups(infos);
  const lazy = options.lazy === true && groups.length === 1 && waiting.length === 0;
  const parts: EntitySnapshot[] = [];
  let keys = 0;
  if (waiting.length > 0) parts.push(awaitingPart(catalog, entity, waiting, asOf));
  for (const group of groups) {
    const plan = cachedPlan(catalog, fitted, entity, group);
    const table = await runMaterializeNarrow(engine, plan, { as_of: asOf }, options.keys ? { keys: options.keys } : {});
    keys = table.rows.length;
    parts.push(withoutEmptyFeatures(snapshotFromMaterialize(plan, table, asOf), lazy));
  }
  const filled = parts.filter((p) => p.features.length > 0);
  if (filled.length <= 1) {
    const one = filled[0] ?? parts[0]!;
    return { ...one, keys: lazy ? keys : (one.rows as readonly unknown[]).length };
  }
  const combined = combineSnapshots(filled);
  // Keep the features in the asked order (those left out have no column).
  const order = features.map((f) => combined.features.findIndex((x) => keyOf(x.name) === keyOf(f.name) && x.version === f.version)).filter((i) => i >= 0);
  const rows = [...(combined.rows as Iterable<{ key: readonly LiteralValue[]; features: readonly unknown[] }>)].map((r) => ({
    key: r.key,
    features: order.map((i) => r.features[i]),
  }));
  return { ...combined, features: order.map((i) => combined.features[i]!), rows: rows as unknown as EntitySnapshot['rows'], keys: rows.length };
}
