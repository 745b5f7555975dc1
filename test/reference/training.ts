/**
 * Training sets (docs/semantics.md §4) and online vectors (§7).
 */
import { findVersion, keyOf, type Catalog, type FeatureInfo, type LabelInfo, type TrainingSetInfo } from '../../src/check/catalog.js';
import type { FittedParameters } from '../../src/plan/fitted.js';
import { columnValue, evaluate, makeEnv } from './expressions.js';
import { findFeature, fit, keysFound, newestAvailableTime, outputColumns, rawValue, rowTime, sameKey, transform } from './features.js';
import { findRelation, relationRows, type Data, type RowCache } from './views.js';
import { compareNullsFirst, isTrue, type Value } from './values.js';

/** Fitted parameters by `${feature name}@${version}`. */
export type FittedMap = ReadonlyMap<string, FittedParameters>;

export interface TrainingOptions {
  readonly fitted: FittedMap;
  /** The time (µs) a time-independent label's features are taken at; default: the newest event time in the features' relations. */
  readonly asOf?: number;
  /** Rows of views, shared with other calls over the same data (only a speed-up; default: a cache of this call's own). */
  readonly cache?: RowCache;
}

export interface Table {
  readonly columns: string[];
  readonly rows: Value[][];
}

export function fittedFor(fitted: FittedMap, feature: FeatureInfo): FittedParameters {
  const p = fitted.get(`${feature.name}@${feature.version}`) ?? fitted.get(`${keyOf(feature.name)}@${feature.version}`);
  if (!p) throw new Error(`reference: no fitted parameters for ${feature.name}@${feature.version}`);
  return p;
}

/** Fits every given feature, each at its own default fit time unless `fitTime` is given: the FittedMap `trainingSet` and `materialize` take. */
export function fitAll(catalog: Catalog, data: Data, features: readonly FeatureInfo[], fitTime?: number | null, cache: RowCache = new Map()): Map<string, FittedParameters> {
  return new Map(features.map((f) => [`${f.name}@${f.version}`, fit(catalog, data, f, fitTime, cache)]));
}

export function findTrainingSet(catalog: Catalog, name: string, version?: number): TrainingSetInfo {
  const t = findVersion(catalog.trainingSets[keyOf(name)], version);
  if (!t) throw new Error(`reference: unknown training set ${name}${version === undefined ? '' : ` VERSION ${version}`}`);
  return t;
}

export function findLabel(catalog: Catalog, name: string, version?: number): LabelInfo {
  const l = findVersion(catalog.labels[keyOf(name)], version);
  if (!l) throw new Error(`reference: unknown label ${name}`);
  return l;
}

/**
 * The rows of a training set (§4): one per label row, ordered by label time,
 * then the key columns, then the label value (NULLs first), then sampled.
 */
export function trainingSet(catalog: Catalog, data: Data, name: string, version: number | undefined, opts: TrainingOptions): Table {
  const cache: RowCache = opts.cache ?? new Map();
  const ts = findTrainingSet(catalog, name, version);
  const label = findLabel(catalog, ts.label.name, ts.label.version);
  const labelRelation = findRelation(catalog, label.relation);
  const labelEntity = catalog.entities[keyOf(label.key.entity)]!;
  const features = ts.features.map((ref) => ({ ref, feature: findFeature(catalog, ref.name, ref.version) }));
  const timed = labelRelation.eventTime !== undefined;

  // Other entities, in the order the features first use them.
  // AMBIGUITY: §4 does not order several other entities; first use in FEATURES (…) it is.
  const others: { entity: string; keyNames: string[]; labelColumns: readonly string[] }[] = [];
  for (const { ref, feature } of features) {
    if (keyOf(feature.key.entity) === keyOf(label.key.entity)) continue;
    if (others.some((o) => keyOf(o.entity) === keyOf(feature.key.entity))) continue;
    const entity = catalog.entities[keyOf(feature.key.entity)]!;
    // A key column named like one already in the row (the label entity's, or an earlier entity's) is not repeated (§4).
    const taken = (n: string) => labelEntity.keys.some((k) => keyOf(k.name) === keyOf(n)) || others.some((o) => o.keyNames.some((x) => keyOf(x) === keyOf(n)));
    const own = entity.keys.map((k, i) => ({ name: k.name, column: ref.labelColumns[i]! })).filter((k) => !taken(k.name));
    others.push({ entity: entity.name, keyNames: own.map((k) => k.name), labelColumns: own.map((k) => k.column) });
  }

  // Time-independent labels: one time T for every row.
  let asOf: number | null = null;
  if (!timed) {
    if (opts.asOf !== undefined) asOf = opts.asOf;
    else
      for (const { feature } of features) {
        const n = newestAvailableTime(catalog, data, feature.relation, cache);
        if (n !== null && (asOf === null || n > asOf)) asOf = n;
      }
  }

  const params = features.map(({ feature }) => fittedFor(opts.fitted, feature));
  const columns = [
    ...labelEntity.keys.map((k) => k.name),
    ...others.flatMap((o) => o.keyNames),
    ...(timed ? [labelRelation.eventTime!] : []),
    ...features.flatMap(({ feature }, i) => outputColumns(feature, params[i]!)),
    label.name,
  ];

  // Label rows: pass the label's WHERE; rows with a NULL label-entity key or a NULL event time are dropped.
  // AMBIGUITY: §4 does not say; language.md §5.1 ("rows whose key is NULL belong to no entity and are
  // ignored by features and labels") and §5.2 ("a row whose event time is NULL is never visible").
  interface LabelRow {
    keys: Value[];
    otherKeys: Value[];
    time: Value; // in the event-time column's own type
    t: number | null; // µs: the time features are taken at
    label: Value;
    row: Record<string, Value>;
  }
  const labelRows: LabelRow[] = [];
  for (const row of relationRows(catalog, data, labelRelation.name, cache)) {
    const env = makeEnv([[labelRelation.name, row]]);
    if (label.where && !isTrue(evaluate(label.where, env))) continue;
    const keys = label.key.columns.map((c) => columnValue(row, c));
    if (keys.some((v) => v === null)) continue;
    let t = asOf;
    let time: Value = null;
    if (timed) {
      t = rowTime(labelRelation, row);
      if (t === null) continue;
      time = columnValue(row, labelRelation.eventTime!);
    }
    labelRows.push({
      keys,
      otherKeys: others.flatMap((o) => o.labelColumns.map((c) => columnValue(row, c))),
      time,
      t,
      label: evaluate(label.value, env),
      row,
    });
  }

  // Order: label time, then the key columns (label entity's, then the others'), then the label value; NULLs first.
  const sortKey = (r: LabelRow): Value[] => [...(timed ? [r.time] : []), ...r.keys, ...r.otherKeys, r.label];
  labelRows.sort((a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    for (let i = 0; i < ka.length; i++) {
      const c = compareNullsFirst(ka[i]!, kb[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });

  // SAMPLE: row r (1-based, in that order) is kept by the MINSTD formula.
  const kept = ts.sample ? labelRows.filter((_, i) => sampleKeeps(i + 1, ts.sample!.percent, ts.sample!.seed)) : labelRows;

  const rows = kept.map((r) => {
    const out: Value[] = [...r.keys, ...r.otherKeys, ...(timed ? [r.time] : [])];
    features.forEach(({ ref, feature }, i) => {
      const key = ref.labelColumns.map((c) => columnValue(r.row, c));
      out.push(...transform(feature, params[i]!, rawValue(catalog, data, feature, key, r.t, cache).value));
    });
    out.push(r.label);
    return out;
  });
  return { columns, rows };
}

/**
 * SAMPLE p PERCENT SEED s keeps row r when
 *   x1 = ((r + s) × 48271) mod 2147483647
 *   x2 = (x1 × 48271) mod 2147483647
 *   x2 mod 1000000 < round(p × 10000)
 * (exact integer arithmetic; a negative r + s is taken modulo 2147483647 into [0, 2147483647)).
 */
export function sampleKeeps(r: number, percent: number, seed: number): boolean {
  const M = 2147483647n;
  const mod = (a: bigint): bigint => ((a % M) + M) % M;
  const x1 = mod((BigInt(r) + BigInt(seed)) * 48271n);
  const x2 = mod(x1 * 48271n);
  return Number(x2 % 1000000n) < Math.round(percent * 10000);
}

/**
 * Online vectors at time T (§7): for every key found (in rows at or before T)
 * in the relation of any of the entity's features, the transformed value(s) of
 * each feature — the highest version of each feature of the entity.
 * Keyed by JSON.stringify(key values in entity key order).
 *
 * AMBIGUITY: §7 does not say which versions are materialized; the reference
 * takes the highest version of each feature (what a reference without VERSION
 * means), or the versions listed in `versions` (feature name → version).
 */
export function materialize(
  catalog: Catalog,
  data: Data,
  entity: string,
  T: number | null,
  fitted: FittedMap,
  versions?: Readonly<Record<string, number>>,
  cache: RowCache = new Map(),
): Map<string, Record<string, Value[]>> {
  const features: FeatureInfo[] = [];
  for (const list of Object.values(catalog.features)) {
    const first = list[0];
    if (!first || keyOf(first.key.entity) !== keyOf(entity)) continue;
    const wanted = versions?.[first.name] ?? versions?.[keyOf(first.name)];
    const f = findVersion(list, wanted);
    if (f && keyOf(f.key.entity) === keyOf(entity)) features.push(f);
  }

  const keys: Value[][] = [];
  for (const f of features) for (const k of keysFound(catalog, data, f, T, cache)) if (!keys.some((x) => sameKey(x, k))) keys.push(k);

  const out = new Map<string, Record<string, Value[]>>();
  for (const key of keys) {
    const vector: Record<string, Value[]> = {};
    for (const f of features) vector[f.name] = transform(f, fittedFor(fitted, f), rawValue(catalog, data, f, key, T, cache).value);
    out.set(JSON.stringify(key), vector);
  }
  return out;
}
