/**
 * Catalog → logical plans. Every plan family (training, materialize, fit)
 * is built from the same lookups and transform steps, so a served vector and
 * a training row for the same (key, time) are computed by the same plan parts.
 */
import type { Catalog, EntityInfo, FeatureInfo, LabelInfo, RelationInfo, ScalarType } from '../check/catalog.js';
import { availableAfterSeconds, findVersion, keyOf, versionKey } from '../check/catalog.js';
import { oneHotColumnNames } from '../check/naming.js';
import type { FittedParameters } from './fitted.js';
import type {
  ComputedView,
  EntitySpine,
  FitPlan,
  LabelSpine,
  Lookup,
  MaterializePlan,
  OutputColumn,
  RelationAccess,
  RowsSpine,
  ScaleStep,
  SpinePlan,
  TimeValue,
  TrainingPlan,
  TransformStep,
  ViewPlan,
} from './ir.js';

/** Fitted parameters of a feature version, from the registry (undefined when not fitted yet). */
export type FittedLookup = (feature: string, version: number) => FittedParameters | undefined;

/**
 * A logical plan that cannot be built from the catalog: an unknown object, a
 * feature version not fitted yet, a spine that lists a feature twice. (Not the
 * registry's `PlanError`, a reason an *apply* plan is refused.)
 */
export class PlanBuildError extends Error {}

function freeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) freeze(v);
  }
  return value;
}

function relationOf(catalog: Catalog, name: string): RelationInfo {
  const r = catalog.relations[keyOf(name)];
  if (!r) throw new PlanBuildError(`unknown relation ${name}`);
  return r;
}

function access(catalog: Catalog, relationName: string, keyColumns: readonly string[]): RelationAccess {
  const relation = relationOf(catalog, relationName);
  const eventTime = relation.eventTime ? relation.columns.find((c) => c.name === relation.eventTime) : undefined;
  const delay = eventTime ? availableAfterSeconds(catalog, relation.name) : 0;
  return {
    relation: relation.name,
    keyColumns: [...keyColumns],
    ...(eventTime ? { eventTime: { column: eventTime.name, type: eventTime.type as 'DATE' | 'TIMESTAMP' } } : {}),
    ...(delay > 0 ? { availableAfterSeconds: delay } : {}),
  };
}

export function featureVersion(catalog: Catalog, name: string, version?: number): FeatureInfo {
  const f = findVersion(catalog.features[keyOf(name)], version);
  if (!f) throw new PlanBuildError(`unknown feature ${name}${version ? ` VERSION ${version}` : ''}`);
  return f;
}

/** The tie order of a relation's latest rows: every column but the event time, in declared order (docs/semantics.md §3). */
function tieOrder(relation: RelationInfo): NonNullable<Lookup['tieOrder']> {
  return relation.columns.filter((c) => c.name !== relation.eventTime).map((c) => ({ column: c.name, type: c.type }));
}

function lookupFor(catalog: Catalog, feature: FeatureInfo, id: string, spineKeys: readonly string[]): Lookup {
  return {
    kind: feature.mode === 'aggregate' ? 'aggregate' : 'latest',
    id,
    feature: { name: feature.name, version: feature.version },
    access: access(catalog, feature.relation, feature.key.columns),
    spineKeys: [...spineKeys],
    value: feature.value,
    ...(feature.where ? { where: feature.where } : {}),
    ...(feature.window ? { windowSeconds: feature.window.seconds } : {}),
    ...(feature.ttl ? { ttlSeconds: feature.ttl.seconds } : {}),
    ...(feature.strictlyBefore ? { strictlyBefore: true as const } : {}),
    rawType: feature.rawType,
    ...(feature.mode === 'aggregate' ? {} : { tieOrder: tieOrder(relationOf(catalog, feature.relation)) }),
  };
}

/** The transform of one feature with its fitted parameters inlined (docs/semantics.md §6). */
export function transformFor(
  feature: FeatureInfo,
  lookupId: string,
  fitted: FittedParameters | undefined,
  options: { outputName?: string; preview?: boolean } = {},
): TransformStep {
  const outputName = options.outputName ?? feature.name;
  let unfitted = false;
  const need = (): FittedParameters => {
    if (fitted) return fitted;
    if (!options.preview) throw new PlanBuildError(`feature ${feature.name} VERSION ${feature.version} has not been fitted yet: run \`fsql apply\``);
    unfitted = true;
    return PREVIEW;
  };
  let fill: TransformStep['fill'] = null;
  if (feature.fill?.kind === 'value') fill = { value: feature.fill.value, type: feature.fill.type };
  else if (feature.fill?.kind === 'stat') {
    const p = feature.fill.stat === 'ZERO' ? undefined : need();
    const value = feature.fill.stat === 'ZERO' ? 0 : feature.fill.stat === 'MEAN' ? p!.mean : feature.fill.stat === 'MEDIAN' ? p!.median : p!.mode;
    const type: ScalarType = feature.fill.stat === 'MEAN' || feature.fill.stat === 'MEDIAN' ? 'DOUBLE' : feature.rawType;
    fill = value === null || value === undefined ? null : { value, type };
  }
  const enc = feature.encoding;
  const base = { lookup: lookupId, feature: { name: feature.name, version: feature.version }, fill };
  // Resolve every parameter first, so `unfitted` is known before the step is built.
  if (enc && enc.kind !== 'one_hot_values' && !(enc.kind === 'scale' && enc.method === 'LOG')) need();
  const mark = () => (unfitted ? { unfitted: true as const } : {});
  if (!enc) return { ...base, ...mark(), outputs: [{ name: outputName, type: feature.outputType }] };
  if (enc.kind === 'scale') {
    let scale: ScaleStep;
    if (enc.method === 'LOG') scale = { kind: 'log' };
    else {
      const p = need();
      const pair =
        enc.method === 'STANDARD'
          ? [p.mean, p.stddev]
          : enc.method === 'MINMAX'
            ? [p.min, p.max === null || p.min === null ? null : p.max - p.min]
            : [p.median, p.q3 === null || p.q1 === null ? null : p.q3 - p.q1];
      scale = { kind: 'affine', method: enc.method, center: pair[0]!, divisor: pair[1]! };
    }
    return { ...base, ...mark(), scale, outputs: [{ name: outputName, type: 'DOUBLE' }] };
  }
  const values = enc.kind === 'one_hot_values' ? enc.values : need().vocabulary;
  const columns = enc.kind === 'one_hot_values' ? enc.columns : oneHotColumnNames(outputName, values).columns;
  // Before fitting, a TOP n vocabulary is unknown: the preview shows one placeholder column.
  const outputs = unfitted ? [{ name: `${outputName}__*`, type: 'INTEGER' as const }] : columns.map((name) => ({ name, type: 'INTEGER' as const }));
  return { ...base, ...mark(), oneHot: { values: [...values] }, outputs };
}

/** Stand-in statistics for previewing a plan before `apply` has fitted it. */
const PREVIEW: FittedParameters = {
  fitTime: null,
  count: 0,
  mean: null,
  stddev: null,
  min: null,
  max: null,
  q1: null,
  median: null,
  q3: null,
  mode: null,
  vocabulary: [],
  columns: [],
};

// ---------------------------------------------------------------------------

export interface TrainingOptions {
  readonly version?: number;
  /** Build even when features are not fitted yet (for `--explain`); such plans cannot be lowered to SQL. */
  readonly preview?: boolean;
  /** For a time-independent label: the one time all features are taken at (default: the `as_of` parameter). */
  readonly asOf?: TimeValue;
}

export function planTraining(catalog: Catalog, name: string, fitted: FittedLookup, options: TrainingOptions = {}): TrainingPlan {
  const ts = findVersion(catalog.trainingSets[keyOf(name)], options.version);
  if (!ts) throw new PlanBuildError(`unknown training set ${name}${options.version ? ` VERSION ${options.version}` : ''}`);
  const label = findVersion(catalog.labels[keyOf(ts.label.name)], ts.label.version)!;
  const labelRelation = relationOf(catalog, label.relation);
  const labelEntity = catalog.entities[keyOf(label.key.entity)]!;

  // Spine keys: the label entity's keys, then other entities' keys (named after the entity keys).
  const keys: { name: string; column: string; type: ScalarType }[] = [];
  const addKeys = (entity: EntityInfo, columns: readonly string[]) => {
    entity.keys.forEach((k, i) => {
      if (!keys.some((x) => keyOf(x.name) === keyOf(k.name))) keys.push({ name: k.name, column: columns[i]!, type: k.type });
    });
  };
  addKeys(labelEntity, label.key.columns);
  const labelKeyCount = keys.length;
  const features = ts.features.map((ref) => ({ ref, feature: featureVersion(catalog, ref.name, ref.version) }));
  for (const { ref, feature } of features) addKeys(catalog.entities[keyOf(feature.key.entity)]!, ref.labelColumns);

  const spine = labelSpine(label, labelRelation, keys, labelKeyCount, ts.sample, options.asOf);
  const lookups: Lookup[] = [];
  const transforms: TransformStep[] = [];
  features.forEach(({ feature }, i) => {
    const entity = catalog.entities[keyOf(feature.key.entity)]!;
    const spineKeys = entity.keys.map((k) => keys.find((x) => keyOf(x.name) === keyOf(k.name))!.name);
    const id = `f${i + 1}`;
    lookups.push(lookupFor(catalog, feature, id, spineKeys));
    transforms.push(transformFor(feature, id, fitted(feature.name, feature.version), { preview: options.preview ?? false }));
  });

  const columns: OutputColumn[] = [
    ...keys.map((k) => ({ name: k.name, type: k.type })),
    ...(spine.time.kind === 'column' ? [{ name: spine.time.output, type: spine.time.type }] : []),
    ...transforms.flatMap((t) => t.outputs),
    { name: label.name, type: label.type },
  ];
  const computedViews = computedViewsOf(catalog, lookups);
  return freeze({ kind: 'training', name: ts.name, version: ts.version, spine, lookups, transforms, columns, ...(computedViews.length > 0 ? { computedViews } : {}) });
}

function labelSpine(
  label: LabelInfo,
  relation: RelationInfo,
  keys: { name: string; column: string; type: ScalarType }[],
  labelKeyCount: number,
  sample: { percent: number; seed: number } | undefined,
  asOf: TimeValue | undefined,
): LabelSpine {
  const timeColumn = relation.eventTime ? relation.columns.find((c) => c.name === relation.eventTime)! : undefined;
  return {
    kind: 'label_spine',
    label: { name: label.name, version: label.version },
    relation: relation.name,
    keys,
    labelKeyCount,
    time: timeColumn
      ? { kind: 'column', column: timeColumn.name, type: timeColumn.type as 'DATE' | 'TIMESTAMP', output: timeColumn.name }
      : { kind: 'fixed', value: asOf ?? { kind: 'time_param', name: 'as_of' } },
    value: label.value,
    valueType: label.type,
    ...(label.where ? { where: label.where } : {}),
    ...(sample ? { sample } : {}),
  };
}

// ---------------------------------------------------------------------------

/** The key columns a spine for these features needs: every key of their entities, in order of first use. */
export function spineKeysFor(catalog: Catalog, features: readonly FeatureInfo[]): { name: string; type: ScalarType; entity: string }[] {
  const keys: { name: string; type: ScalarType; entity: string }[] = [];
  for (const f of features) {
    const entity = catalog.entities[keyOf(f.key.entity)]!;
    for (const k of entity.keys) if (!keys.some((x) => keyOf(x.name) === keyOf(k.name))) keys.push({ name: k.name, type: k.type, entity: entity.name });
  }
  return keys;
}

export interface SpineOptions {
  /** The table the spine rows are in, and its column holding each row's position. */
  readonly table: string;
  readonly rowColumn: string;
  /** The table column holding the key named `name` (default: the key's own name). */
  readonly keyColumn?: (name: string) => string;
  /** The table column holding each row's time, and the name the output gives it. */
  readonly time: { readonly column: string; readonly type: 'DATE' | 'TIMESTAMP'; readonly output: string };
  readonly preview?: boolean;
}

/**
 * An ad-hoc spine: the given feature versions (the highest when no version)
 * for rows the user supplies, with exactly a training set's lookups and
 * transforms — a spine row (k, t) gets what a label row (k, t) would.
 * Two versions of one feature side by side get their version in the column
 * name (`name__v2`), as in materialize.
 */
export function planSpine(catalog: Catalog, refs: readonly { readonly name: string; readonly version?: number }[], fitted: FittedLookup, options: SpineOptions): SpinePlan {
  if (refs.length === 0) throw new PlanBuildError('a spine needs at least one feature');
  const features = refs.map((r) => featureVersion(catalog, r.name, r.version));
  const seen = new Set<string>();
  for (const f of features) {
    const k = versionKey(f.name, f.version);
    if (seen.has(k)) throw new PlanBuildError(`feature ${f.name} VERSION ${f.version} is listed twice`);
    seen.add(k);
  }
  const keyColumn = options.keyColumn ?? ((name: string) => name);
  const keys = spineKeysFor(catalog, features).map((k) => ({ name: k.name, column: keyColumn(k.name), type: k.type }));
  const spine: RowsSpine = { kind: 'rows_spine', table: options.table, rowColumn: options.rowColumn, keys, time: { ...options.time } };
  const versionCount = new Map<string, number>();
  for (const f of features) versionCount.set(keyOf(f.name), (versionCount.get(keyOf(f.name)) ?? 0) + 1);
  const lookups: Lookup[] = [];
  const transforms: TransformStep[] = [];
  features.forEach((feature, i) => {
    const entity = catalog.entities[keyOf(feature.key.entity)]!;
    const spineKeys = entity.keys.map((k) => keys.find((x) => keyOf(x.name) === keyOf(k.name))!.name);
    const id = `f${i + 1}`;
    lookups.push(lookupFor(catalog, feature, id, spineKeys));
    transforms.push(
      transformFor(feature, id, fitted(feature.name, feature.version), {
        preview: options.preview ?? false,
        ...((versionCount.get(keyOf(feature.name)) ?? 0) > 1 ? { outputName: `${feature.name}__v${feature.version}` } : {}),
      }),
    );
  });
  const columns: OutputColumn[] = [...keys.map((k) => ({ name: k.name, type: k.type })), { name: options.time.output, type: options.time.type }, ...transforms.flatMap((t) => t.outputs)];
  const names = new Map<string, string>();
  for (const c of columns) {
    const other = names.get(keyOf(c.name));
    if (other !== undefined) throw new PlanBuildError(`two output columns would be named ${c.name}${other !== c.name ? ` (and ${other})` : ''}: rename the spine's time column`);
    names.set(keyOf(c.name), c.name);
  }
  const computedViews = computedViewsOf(catalog, lookups);
  return freeze({ kind: 'spine', spine, lookups, transforms, columns, ...(computedViews.length > 0 ? { computedViews } : {}) });
}

// ---------------------------------------------------------------------------

/** Every feature (highest version unless `versions` says otherwise) of one entity, as of one time. */
export function planMaterialize(
  catalog: Catalog,
  entityName: string,
  fitted: FittedLookup,
  options: { time?: TimeValue; features?: readonly { name: string; version: number }[]; preview?: boolean } = {},
): MaterializePlan {
  const entity = catalog.entities[keyOf(entityName)];
  if (!entity) throw new PlanBuildError(`unknown entity ${entityName}`);
  const features =
    options.features?.map((f) => featureVersion(catalog, f.name, f.version)) ??
    Object.values(catalog.features)
      .map((versions) => versions[versions.length - 1]!)
      .filter((f) => keyOf(f.key.entity) === keyOf(entity.name));
  const keys = entity.keys.map((k) => ({ name: k.name, type: k.type }));
  const spineKeys = keys.map((k) => k.name);
  // Linear in the features (issue 10, finding 9: a scan of every feature per
  // feature made an entity of 10k features take minutes): sets and counts by key.
  const from: RelationAccess[] = [];
  const seen = new Set<string>();
  for (const f of features) {
    const a = access(catalog, f.relation, f.key.columns);
    const k = [a.relation, ...a.keyColumns].join('\u0000');
    if (!seen.has(k)) {
      seen.add(k);
      from.push(a);
    }
  }
  const spine: EntitySpine = { kind: 'entity_spine', entity: entity.name, keys, from, time: options.time ?? { kind: 'time_param', name: 'as_of' } };
  const lookups = features.map((f, i) => lookupFor(catalog, f, `f${i + 1}`, spineKeys));
  // Two versions of one feature side by side get their version in the column name.
  const versionCount = new Map<string, number>();
  for (const f of features) versionCount.set(keyOf(f.name), (versionCount.get(keyOf(f.name)) ?? 0) + 1);
  const versionsOf = (name: string) => versionCount.get(keyOf(name)) ?? 0;
  const transforms = features.map((f, i) =>
    transformFor(f, `f${i + 1}`, fitted(f.name, f.version), {
      preview: options.preview ?? false,
      ...(versionsOf(f.name) > 1 ? { outputName: `${f.name}__v${f.version}` } : {}),
    }),
  );
  const columns: OutputColumn[] = [
    ...keys,
    ...transforms.flatMap((t) => [...t.outputs, { name: `${t.lookup}__time`, type: 'TIMESTAMP' as const }]),
  ];
  return freeze({ kind: 'materialize', entity: entity.name, spine, lookups, transforms, columns });
}

/** The raw values of one feature version over its population at the fit time (docs/semantics.md §5). */
export function planFit(catalog: Catalog, name: string, version?: number, time?: TimeValue): FitPlan {
  const feature = featureVersion(catalog, name, version);
  const entity = catalog.entities[keyOf(feature.key.entity)]!;
  const keys = entity.keys.map((k) => ({ name: k.name, type: k.type }));
  const a = access(catalog, feature.relation, feature.key.columns);
  const spine: EntitySpine = { kind: 'entity_spine', entity: entity.name, keys, from: [a], time: time ?? { kind: 'time_param', name: 'fit_time' } };
  return freeze({
    kind: 'fit',
    feature: { name: feature.name, version: feature.version },
    spine,
    lookup: lookupFor(catalog, feature, 'f1', keys.map((k) => k.name)),
  });
}

/** Whether a view's rows are computed (it groups or is DISTINCT), or it reads such a view. */
export function isComputedView(catalog: Catalog, name: string, seen: Set<string> = new Set()): boolean {
  const r = catalog.relations[keyOf(name)];
  if (!r || r.kind !== 'view' || seen.has(keyOf(r.name))) return false;
  seen.add(keyOf(r.name));
  if (r.query.aggregated || r.query.distinct || r.query.groupBy.length > 0) return true;
  return r.dependsOn.some((d) => isComputedView(catalog, d, seen));
}

/** The computed views the lookups read, each with the (keys, event time) column lists its lookups probe. */
function computedViewsOf(catalog: Catalog, lookups: readonly Lookup[]): ComputedView[] {
  const out = new Map<string, { name: string; columns: RelationInfo['columns']; indexes: string[][] }>();
  for (const l of lookups) {
    const a = l.access;
    if (!isComputedView(catalog, a.relation)) continue;
    const r = relationOf(catalog, a.relation);
    let v = out.get(keyOf(r.name));
    if (!v) out.set(keyOf(r.name), (v = { name: r.name, columns: r.columns, indexes: [] }));
    const index = [...a.keyColumns, ...(a.eventTime ? [a.eventTime.column] : [])];
    if (!v.indexes.some((x) => x.join('\0') === index.join('\0'))) v.indexes.push(index);
  }
  return [...out.values()];
}

export function planView(catalog: Catalog, name: string): ViewPlan {
  const r = relationOf(catalog, name);
  if (r.kind !== 'view') throw new PlanBuildError(`${name} is a source, not a view`);
  return freeze({ kind: 'view', name: r.name, query: r.query, columns: r.columns });
}

/** Views in dependency order (a view after the views it reads). */
export function viewsInOrder(catalog: Catalog): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    const r = catalog.relations[keyOf(name)];
    if (!r || r.kind !== 'view' || seen.has(r.name)) return;
    seen.add(r.name);
    for (const d of r.dependsOn) visit(d);
    out.push(r.name);
  };
  for (const r of Object.values(catalog.relations)) visit(r.name);
  return out;
}
