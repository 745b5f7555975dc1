/**
 * Drift (docs/monitoring.md): for each served feature version, the
 * distribution of the values the online store holds now against the
 * distribution the version was profiled on at apply / fit (the statistics
 * recorded in the registry, src/plan/statistics.ts), as a population
 * stability index (PSI) over buckets, plus the share of NULLs now and then.
 *
 * Both sides are compared as served (after FILL and SCALE / ONE_HOT): the
 * profile, of raw values, is pushed through the version's own transform
 * (src/sql/transform.ts `transformValues`, the rules the SQL follows), so a
 * served value and a profiled one land in the same bucket when they are the
 * same value.
 *
 * - Numeric features (INTEGER, DOUBLE, DATE, TIMESTAMP; not ONE_HOT): the
 *   profile's 10 histogram bins, mapped through the transform (it is monotone:
 *   a bin [lower, upper) becomes [T(lower), T(upper)); bins that the
 *   transform collapses to a point are merged into their neighbour), plus a
 *   bucket below the profiled minimum and one above the maximum (empty then),
 *   plus NULL.
 * - Categories (TEXT, BOOLEAN): each of the profile's top values (up to 10),
 *   "other" (every other value), and NULL.
 * - ONE_HOT: each vocabulary value that is among the profile's top values,
 *   and "other" (the rest: other values, and NULL, which ONE_HOT serves as all
 *   zeros like any value outside the vocabulary; NULL shares are then unknown).
 *
 * PSI = Σ_b (a_b − e_b) · ln(a_b / e_b), with e_b the share of the profile in
 * bucket b and a_b the share now, each share at least ε = 0.0001 (an empty
 * bucket on either side counts as ε, so the sum is finite).
 *
 * Which keys count now: every key the online store holds, with its cell's
 * status `present` or `outside_ttl`; `missing` cells (no row was used) count
 * for aggregates (an empty window: the profile has those keys too, as NULL or
 * a COUNT of 0) and not for latest values (no row at or before the time: the
 * key was not in the profile's population either); `awaiting_fit` never.
 */
import { keyOf, type Catalog, type FeatureInfo, type LiteralValue, type ScalarType } from '../check/catalog.js';
import type { Engine } from '../engine/engine.js';
import { transformFor } from '../plan/build.js';
import type { TransformStep } from '../plan/ir.js';
import type { FeatureStatistics, HistogramBin } from '../plan/statistics.js';
import { printExpr } from '../sql/compile.js';
import type { SqlExpr } from '../sql/ast.js';
import { transformValues } from '../sql/transform.js';
import { encodeKey, featureKey, type FeatureCell, type SnapshotFeature, type Value } from '../store/online/store.js';
import { entitiesWithFeatures } from './vectors.js';
import type { Workspace } from './workspace.js';

/** Shares below this count as it, on both sides (an empty bucket would make the logarithm infinite). */
export const PSI_EPSILON = 0.0001;
/** The default threshold above which a version is `drifted` (PSI > 0.2: a significant shift, by the usual rule of thumb). */
export const DEFAULT_DRIFT_THRESHOLD = 0.2;

/** PSI of two count vectors over the same buckets (docs/monitoring.md): Σ (a − e) · ln(a / e), shares floored at `epsilon`. */
export function psi(expected: readonly number[], actual: readonly number[], epsilon = PSI_EPSILON): number {
  if (expected.length !== actual.length) throw new Error('psi: the two distributions have different buckets');
  const e = total(expected);
  const a = total(actual);
  if (e === 0 || a === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const pe = Math.max(expected[i]! / e, epsilon);
    const pa = Math.max(actual[i]! / a, epsilon);
    sum += (pa - pe) * Math.log(pa / pe);
  }
  return sum;
}

function total(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

export type DriftStatus = 'ok' | 'drifted' | 'unknown';

export interface DriftBucket {
  /** `[lower, upper)` (served values), `< lower`, `> upper`, a category's value as JSON, `other`, `NULL`. */
  readonly label: string;
  /** Values of the profile in the bucket (as served). */
  readonly then: number;
  /** Values in the online store now. */
  readonly now: number;
}

export interface FeatureDrift {
  readonly feature: string;
  readonly version: number;
  readonly entity: string;
  /** `numeric`: histogram bins; `categorical`: top values; `one_hot`: vocabulary values. */
  readonly kind: 'numeric' | 'categorical' | 'one_hot';
  /** Null when it cannot be computed (`status: unknown`, `reason` says why). */
  readonly psi: number | null;
  /** Share of NULL served values now / in the profile; null when not observable (ONE_HOT) or no values. */
  readonly nullShareNow: number | null;
  readonly nullShareThen: number | null;
  /** Values compared now (keys of the online store counted), and in the profile. */
  readonly rows: number;
  readonly rowsThen: number;
  readonly status: DriftStatus;
  readonly reason?: string;
  readonly buckets: readonly DriftBucket[];
}

export interface DriftReport {
  readonly threshold: number;
  readonly epsilon: number;
  readonly features: readonly FeatureDrift[];
  /** Versions whose PSI is above the threshold. */
  readonly drifted: number;
}

// ---------------------------------------------------------------------------
// Buckets: a profile pushed through the transform, and served cells sorted in.

type Raw = Exclude<LiteralValue, null>;

/** How served cells of one feature version are bucketed, and the profile's counts in those buckets. */
interface Bucketing {
  readonly kind: FeatureDrift['kind'];
  readonly labels: readonly string[];
  readonly then: readonly number[];
  /** The bucket of a served cell's values; -1: not counted. */
  bucket(values: readonly Value[]): number;
  /** The NULL bucket, when NULLs are observable. */
  readonly nullBucket: number | undefined;
}

const sameValue = (a: Value, b: Value): boolean => a === b || (typeof a === 'number' && typeof b === 'number' && a === b);

/** `|v − e|` within a few units in the last place: a served value computed by the engine's math library (SCALE LOG's ln) may differ from JavaScript's in the last bit. */
function near(v: number, e: number): boolean {
  return v === e || Math.abs(v - e) <= 4 * Number.EPSILON * Math.max(Math.abs(v), Math.abs(e));
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Numeric: histogram bins mapped through the transform, below / above, NULL. */
function numericBucketing(step: TransformStep, stats: FeatureStatistics): Bucketing {
  const served = (raw: number): number | null => {
    const v = transformValues(step, raw)[0] ?? null;
    return typeof v === 'number' ? v : null;
  };
  const bins = stats.histogram;
  // Served edges: lower of each bin, then the upper of the last.
  const raw: { lower: number; upper: number; count: number }[] = bins.map((b: HistogramBin) => ({ lower: b.lower, upper: b.upper, count: b.count }));
  const edges = raw.map((b) => served(b.lower) ?? Number.NaN);
  const top = served(raw[raw.length - 1]!.upper) ?? Number.NaN;
  // Merge bins of zero width as served (a degenerate scale maps them all to 0) into the next (the last into the previous).
  const merged: { lo: number; hi: number; count: number; rawLo: number; rawHi: number }[] = [];
  for (let i = 0; i < raw.length; i++) {
    const lo = edges[i]!;
    const hi = i + 1 < raw.length ? edges[i + 1]! : top;
    merged.push({ lo, hi, count: raw[i]!.count, rawLo: raw[i]!.lower, rawHi: raw[i]!.upper });
  }
  for (let i = merged.length - 2; i >= 0; i--) {
    if (merged[i]!.lo === merged[i]!.hi) {
      merged[i + 1] = { ...merged[i + 1]!, lo: merged[i]!.lo, count: merged[i + 1]!.count + merged[i]!.count, rawLo: merged[i]!.rawLo };
      merged.splice(i, 1);
    }
  }
  while (merged.length > 1 && merged[merged.length - 1]!.lo === merged[merged.length - 1]!.hi) {
    const last = merged.pop()!;
    const prev = merged[merged.length - 1]!;
    merged[merged.length - 1] = { ...prev, hi: last.hi, count: prev.count + last.count, rawHi: last.rawHi };
  }
  const n = merged.length;
  const lowest = merged[0]!.lo;
  const highest = merged[n - 1]!.hi;
  // Buckets: 0 below, 1..n the bins, n + 1 above, n + 2 NULL.
  const labels = [`< ${fmt(lowest)}`, ...merged.map((b, i) => (i === n - 1 ? `[${fmt(b.lo)}, ${fmt(b.hi)}]` : `[${fmt(b.lo)}, ${fmt(b.hi)})`)), `> ${fmt(highest)}`, 'NULL'];
  const bucketOf = (v: number): number => {
    if (v > highest && !near(v, highest)) return n + 1;
    if (v < lowest && !near(v, lowest)) return 0;
    // [lower, upper) but the last, closed; a value on an edge (within the last bits) is the next bin's.
    for (let i = 0; i < n - 1; i++) if (v < merged[i]!.hi && !near(v, merged[i]!.hi)) return i + 1;
    return n;
  };
  const then = labels.map(() => 0);
  merged.forEach((b, i) => (then[i + 1] = b.count));
  // The profile's NULLs as served: FILL's value (through SCALE), or NULL.
  if (stats.nulls > 0) {
    const v = transformValues(step, null)[0] ?? null;
    then[typeof v === 'number' ? bucketOf(v) : n + 2]! += stats.nulls;
  }
  return {
    kind: 'numeric',
    labels,
    then,
    nullBucket: n + 2,
    bucket: (values) => {
      const v = values[0] ?? null;
      if (v === null) return n + 2;
      return typeof v === 'number' ? bucketOf(v) : -1;
    },
  };
}

/** Categories: top values, other, NULL. */
function categoricalBucketing(step: TransformStep, stats: FeatureStatistics): Bucketing {
  const tops = stats.topValues.map((t) => t.value);
  const k = tops.length;
  const labels = [...tops.map((v) => JSON.stringify(v)), 'other', 'NULL'];
  const bucketOf = (v: Value): number => {
    if (v === null) return k + 1;
    const i = tops.findIndex((t) => sameValue(t, v));
    return i >= 0 ? i : k;
  };
  const then = labels.map(() => 0);
  let inTop = 0;
  stats.topValues.forEach((t, i) => {
    then[i] = t.count;
    inTop += t.count;
  });
  then[k] = stats.count - inTop;
  if (stats.nulls > 0) then[bucketOf(transformValues(step, null)[0] ?? null)]! += stats.nulls;
  return { kind: 'categorical', labels, then, nullBucket: k + 1, bucket: (values) => bucketOf(values[0] ?? null) };
}

/** ONE_HOT: the vocabulary values among the top values, and other (NULL included). */
function oneHotBucketing(step: TransformStep, stats: FeatureStatistics): Bucketing {
  const vocabulary = step.oneHot!.values;
  // Vocabulary positions bucketed on their own: those whose profiled count is known.
  const counted: { position: number; value: Raw; count: number }[] = [];
  vocabulary.forEach((v, position) => {
    const t = stats.topValues.find((x) => sameValue(x.value, v));
    if (t) counted.push({ position, value: v, count: t.count });
  });
  const k = counted.length;
  const byPosition = new Map(counted.map((c, i) => [c.position, i]));
  const labels = [...counted.map((c) => JSON.stringify(c.value)), 'other'];
  const bucketOf = (values: readonly Value[]): number => {
    if (values.some((x) => x === null)) return -1;
    const hot = values.indexOf(1);
    return hot >= 0 ? (byPosition.get(hot) ?? k) : k;
  };
  const then = labels.map(() => 0);
  counted.forEach((c, i) => (then[i] = c.count));
  then[k] = stats.count + stats.nulls - total(then);
  // A FILL value in the vocabulary takes the profile's NULLs from `other`.
  if (stats.nulls > 0) {
    const b = bucketOf(transformValues(step, null) as Value[]);
    if (b >= 0 && b !== k) {
      then[b]! += stats.nulls;
      then[k]! -= stats.nulls;
    }
  }
  return { kind: 'one_hot', labels, then, nullBucket: undefined, bucket: bucketOf };
}

const NUMERIC: ReadonlySet<ScalarType> = new Set<ScalarType>(['INTEGER', 'DOUBLE', 'DATE', 'TIMESTAMP']);

/** How a feature version's served values are bucketed against its profile; a reason when they cannot be. */
export function bucketingFor(feature: FeatureInfo, step: TransformStep, stats: FeatureStatistics): Bucketing | string {
  if (stats.count + stats.nulls === 0) return 'the profile holds no value (nothing was profiled yet: apply after data arrives)';
  if (step.oneHot) return oneHotBucketing(step, stats);
  if (NUMERIC.has(feature.rawType)) {
    if (stats.histogram.length === 0) return 'the profile holds only NULLs: no histogram to compare with';
    return numericBucketing(step, stats);
  }
  return categoricalBucketing(step, stats);
}

function kindOf(f: FeatureInfo): FeatureDrift['kind'] {
  if (f.encoding?.kind === 'one_hot_top' || f.encoding?.kind === 'one_hot_values') return 'one_hot';
  return NUMERIC.has(f.rawType) ? 'numeric' : 'categorical';
}

/** Whether a served cell counts now (module comment). */
function counts(cell: { readonly status: FeatureCell['status'] }, feature: SnapshotFeature): boolean {
  if (cell.status === 'present' || cell.status === 'outside_ttl') return true;
  return cell.status === 'missing' && feature.kind === 'aggregate';
}

/** The drift of one version from its bucketing and the served cells' bucket counts. */
export function driftOf(
  head: Pick<FeatureDrift, 'feature' | 'version' | 'entity'>,
  b: Bucketing,
  now: readonly number[],
  threshold: number,
): FeatureDrift {
  const rows = total(now);
  const rowsThen = total(b.then);
  const value = rows > 0 ? psi(b.then, now) : null;
  const share = (xs: readonly number[], n: number) => (b.nullBucket === undefined || n === 0 ? null : xs[b.nullBucket]! / n);
  return {
    ...head,
    kind: b.kind,
    psi: value,
    nullShareNow: share(now, rows),
    nullShareThen: share(b.then, rowsThen),
    rows,
    rowsThen,
    status: value === null ? 'unknown' : value > threshold ? 'drifted' : 'ok',
    ...(value === null ? { reason: 'the online store holds no value of it' } : {}),
    buckets: b.labels.map((label, i) => ({ label, then: b.then[i]!, now: now[i]! })),
  };
}

// ---------------------------------------------------------------------------
// Over a workspace

const name = (engine: Engine, n: string): string => printExpr(engine.target, { k: 'col', name: n } as SqlExpr);

/** Every distinct key of an entity in the relations its features read (a superset of the keys the online store holds). */
async function entityKeys(engine: Engine, catalog: Catalog, entity: string, features: readonly FeatureInfo[]): Promise<Value[][]> {
  const keyTypes = catalog.entities[keyOf(entity)]!.keys;
  const seen = new Map<string, Value[]>();
  const done = new Set<string>();
  for (const f of features) {
    const sig = `${keyOf(f.relation)}:${f.key.columns.map(keyOf).join(',')}`;
    if (done.has(sig)) continue;
    done.add(sig);
    const cols = f.key.columns.map((c, i) => ({ as: `k${i}`, c }));
    const sql = `SELECT DISTINCT ${cols.map(({ as, c }) => `${name(engine, c)} AS ${name(engine, as)}`).join(', ')} FROM ${name(engine, f.relation)}`;
    const rows = await engine.queryValues(
      sql,
      cols.map(({ as }, i) => ({ name: as, type: keyTypes[i]!.type })),
    );
    for (const r of rows) {
      if (r.some((v) => v === null)) continue;
      const k = encodeKey(r, r.length);
      if (!seen.has(k)) seen.set(k, r);
    }
  }
  return [...seen.values()];
}

export interface DriftOptions {
  readonly threshold?: number;
  /** Keys read from the online store per `get` (default 500). */
  readonly batchKeys?: number;
}

/** The drift of every feature version the online store serves, by entity, then feature name and version. */
export async function drift(ws: Workspace, options: DriftOptions = {}): Promise<DriftReport> {
  const threshold = options.threshold ?? DEFAULT_DRIFT_THRESHOLD;
  const batch = options.batchKeys ?? 500;
  const { catalog } = await ws.catalog();
  const out: FeatureDrift[] = [];
  for (const entity of entitiesWithFeatures(catalog)) {
    const info = await ws.online().describe(entity);
    if (!info) continue;
    const versions: { sf: SnapshotFeature; f: FeatureInfo; b: Bucketing; now: number[] }[] = [];
    for (const sf of info.features) {
      const f = catalog.features[keyOf(sf.name)]?.find((x) => x.version === sf.version);
      if (!f) continue; // retired or no longer registered: not served
      const head = { feature: f.name, version: f.version, entity };
      let b: Bucketing | string;
      if (sf.awaitingFit) b = 'the version awaits its fit: nothing is served yet';
      else {
        const stats = await ws.registry.statistics(f.name, f.version);
        const fitted = ws.fitted(f.name, f.version);
        b = stats === undefined ? 'no statistics recorded for it (apply profiles every version)' : bucketingFor(f, transformFor(f, 'f', fitted, { preview: true }), stats);
      }
      if (typeof b === 'string') {
        out.push({ ...head, kind: kindOf(f), psi: null, nullShareNow: null, nullShareThen: null, rows: 0, rowsThen: 0, status: 'unknown', reason: b, buckets: [] });
        continue;
      }
      versions.push({ sf, f, b, now: b.labels.map(() => 0) });
    }
    if (versions.length === 0) continue;
    const keys = await ws.exclusive(async () => entityKeys(await ws.engine(), catalog, entity, versions.map((v) => v.f)));
    const selectors = versions.map((v) => ({ name: v.sf.name, version: v.sf.version }));
    const position = new Map(versions.map((v, j) => [featureKey(v.sf.name, v.sf.version), j]));
    for (let i = 0; i < keys.length; i += batch) {
      const results = await ws.online().get(entity, keys.slice(i, i + batch), selectors);
      for (const r of results) {
        if (!r.found) continue;
        for (const cell of r.features) {
          const v = versions[position.get(featureKey(cell.name, cell.version)) ?? -1];
          if (!v) continue;
          if (!counts(cell, v.sf)) continue;
          const bucket = v.b.bucket(v.sf.columns.map((c) => cell.values[c] ?? null));
          if (bucket >= 0) v.now[bucket]!++;
        }
      }
      // Lookups keep flowing while a large entity is read.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (const v of versions) out.push(driftOf({ feature: v.f.name, version: v.f.version, entity }, v.b, v.now, threshold));
  }
  out.sort((a, b) => keyOf(a.entity).localeCompare(keyOf(b.entity)) || keyOf(a.feature).localeCompare(keyOf(b.feature)) || a.version - b.version);
  return { threshold, epsilon: PSI_EPSILON, features: out, drifted: out.filter((f) => f.status === 'drifted').length };
}

