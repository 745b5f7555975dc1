/**
 * Features at a point in time (docs/semantics.md §3), fitting (§5) and
 * transforms (§6), straight from the text, over arrays.
 */
import { findVersion, keyOf, type Catalog, type FeatureInfo, type RelationInfo } from '../../src/check/catalog.js';
import { oneHotColumnNames } from '../../src/check/naming.js';
import type { FittedParameters } from '../../src/plan/fitted.js';
import { evaluate, makeEnv, columnValue, type Env } from './expressions.js';
import { findRelation, relationRows, type Data, type RowCache } from './views.js';
import {
  compareNonNull,
  compareNullsFirst,
  eventTimeMicros,
  isTrue,
  literalValue,
  MICROS_PER_SECOND,
  normZero,
  sameValue,
  signedLog,
  type Row,
  type Value,
} from './values.js';

export type Status = 'present' | 'missing' | 'outside_ttl';

export interface RawValue {
  /** The raw value, before FILL. */
  readonly value: Value;
  /**
   * AMBIGUITY: §3 names the statuses but only says "no row → missing" and
   * "too old → outside TTL". The reference says:
   * `outside_ttl`: the latest row is older than the TTL (value NULL);
   * `missing`: the value is NULL for any other reason (no row, an empty window, a NULL value);
   * `present`: a non-NULL value (COUNT of nothing is a present 0).
   */
  readonly status: Status;
  /** For a latest-value feature over an event relation: the event time (µs) of the row the value comes from; otherwise null. */
  readonly eventTime: number | null;
}

export function findFeature(catalog: Catalog, name: string, version?: number): FeatureInfo {
  const f = findVersion(catalog.features[keyOf(name)], version);
  if (!f) throw new Error(`reference: unknown feature ${name}${version === undefined ? '' : ` VERSION ${version}`}`);
  return f;
}

/** The event time of a relation's row in microseconds (DATE → midnight); null when NULL. Throws for dimension relations. */
export function rowTime(relation: RelationInfo, row: Row): number | null {
  const col = relation.columns.find((c) => c.name === relation.eventTime);
  if (!col) throw new Error(`reference: ${relation.name} has no event time`);
  return eventTimeMicros(columnValue(row, col.name), col.type);
}

/** The newest event time (µs) among a relation's rows, or null (dimension relation, or no timed row). */
export function newestEventTime(catalog: Catalog, data: Data, relationName: string, cache: RowCache = new Map()): number | null {
  const relation = findRelation(catalog, relationName);
  if (!relation.eventTime) return null;
  let newest: number | null = null;
  for (const row of relationRows(catalog, data, relation.name, cache)) {
    const e = rowTime(relation, row);
    if (e !== null && (newest === null || e > newest)) newest = e;
  }
  return newest;
}

/**
 * How long after its event time a row of `relationName` becomes available,
 * in µs (docs/semantics.md §3, "Availability"): the relation's own
 * `AVAILABLE AFTER d` (d), `AVAILABLE AT END OF DAY` (one day); a view
 * without one is available as late as the latest of the timed relations it
 * reads (recursively); otherwise 0. A relation without an event time has none.
 */
export function availabilityDelay(catalog: Catalog, relationName: string): number {
  const relation = findRelation(catalog, relationName);
  if (!relation.eventTime) return 0;
  if (relation.available?.kind === 'end_of_day') return 86_400 * MICROS_PER_SECOND;
  if (relation.available?.kind === 'after') return relation.available.amount * unitSeconds(relation.available.unit) * MICROS_PER_SECOND;
  if (relation.kind !== 'view') return 0;
  let delay = 0;
  for (const input of relation.dependsOn) delay = Math.max(delay, availabilityDelay(catalog, input));
  return delay;
}

/** Seconds in a duration unit (docs/semantics.md §1: exact, no calendar). */
function unitSeconds(unit: string): number {
  return ({ SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86_400, WEEK: 604_800 } as Record<string, number>)[unit]!;
}

/** When a row becomes available (µs): its event time plus the relation's delay; null when its event time is NULL. */
export function rowAvailable(catalog: Catalog, relation: RelationInfo, row: Row): number | null {
  const e = rowTime(relation, row);
  return e === null ? null : e + availabilityDelay(catalog, relation.name);
}

/** The newest time (µs) a row of the relation becomes available, or null: the default fit time (§5). */
export function newestAvailableTime(catalog: Catalog, data: Data, relationName: string, cache: RowCache = new Map()): number | null {
  const newest = newestEventTime(catalog, data, relationName, cache);
  return newest === null ? null : newest + availabilityDelay(catalog, relationName);
}

/** The key of a row as read through the feature's entity binding; null when any part is NULL (a NULL key matches nothing). */
export function rowKey(feature: FeatureInfo, row: Row): Value[] | null {
  const key = feature.key.columns.map((c) => columnValue(row, c));
  return key.some((v) => v === null) ? null : key;
}

export function sameKey(a: readonly Value[], b: readonly Value[]): boolean {
  return a.length === b.length && a.every((v, i) => v !== null && b[i] !== null && sameValue(v, b[i]!));
}

/** Per rows array (one per relation and top-level call): key columns → JSON of a key → its rows, in order. Only a speed-up. */
const keyIndexes = new WeakMap<readonly Row[], Map<string, Map<string, Row[]>>>();

function rowsOfKey(rows: readonly Row[], columns: readonly string[], key: readonly Value[]): readonly Row[] {
  let byColumns = keyIndexes.get(rows);
  if (!byColumns) keyIndexes.set(rows, (byColumns = new Map()));
  const columnsKey = JSON.stringify(columns);
  let index = byColumns.get(columnsKey);
  if (!index) {
    index = new Map();
    for (const row of rows) {
      const k = JSON.stringify(columns.map((c) => columnValue(row, c)));
      const list = index.get(k);
      if (list) list.push(row);
      else index.set(k, [row]);
    }
    byColumns.set(columnsKey, index);
  }
  return index.get(JSON.stringify(key)) ?? [];
}

/** Per rows array of one key: its timed rows sorted by event time, and their times. Only a speed-up. */
const timeIndexes = new WeakMap<readonly Row[], { rows: Row[]; times: number[] }>();

/** The rows of `rows` whose event time e has from ≤ e ≤ to (from null: no lower bound), in event-time order. */
function inTimeRange(relation: RelationInfo, rows: readonly Row[], to: number, from: number | null): readonly Row[] {
  let index = timeIndexes.get(rows);
  if (!index) {
    const timed = rows.map((row) => ({ row, e: rowTime(relation, row) })).filter((x): x is { row: Row; e: number } => x.e !== null);
    timed.sort((a, b) => a.e - b.e);
    index = { rows: timed.map((x) => x.row), times: timed.map((x) => x.e) };
    timeIndexes.set(rows, index);
  }
  const firstAbove = (x: number, inclusive: boolean): number => {
    let lo = 0;
    let hi = index!.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (inclusive ? index!.times[mid]! < x : index!.times[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return index.rows.slice(from === null ? 0 : firstAbove(from, true), firstAbove(to, false));
}

/**
 * The tie order of a relation's rows (§3): the relation's columns in declared
 * order, the event time left out, each compared NULL below every value (text
 * by code points, FALSE < TRUE); the first column that differs decides.
 */
export function compareTieOrder(relation: RelationInfo, a: Row, b: Row): number {
  for (const c of relation.columns) {
    if (c.name === relation.eventTime) continue;
    const d = compareNullsFirst(columnValue(a, c.name), columnValue(b, c.name));
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The raw (pre-FILL) value of `feature` for entity key `key` (in entity key
 * order) as of time `t` (µs), per docs/semantics.md §3.
 *
 * `t` is ignored for dimension relations. For an event relation, `t === null`
 * (no time known: only possible when no feature relation has a timed row) sees
 * no row.
 */
export function rawValue(
  catalog: Catalog,
  data: Data,
  feature: FeatureInfo,
  key: readonly Value[],
  t: number | null,
  cache: RowCache = new Map(),
): RawValue {
  const relation = findRelation(catalog, feature.relation);
  const timed = relation.eventTime !== undefined;
  const alias = relation.name; // features and labels name their relation's columns through its own name

  // The key's rows that pass WHERE and, for event relations, are available at t: a ≤ t (a < t with
  // AS OF < t), a = e + the relation's delay (and, with WINDOW, t − w < a).
  const delay = timed ? availabilityDelay(catalog, relation.name) : 0;
  const seen: { row: Row; env: Env; e: number | null }[] = [];
  const keyRows = key.some((v) => v === null) ? [] : rowsOfKey(relationRows(catalog, data, relation.name, cache), feature.key.columns, key);
  // Only a speed-up: of the key's rows (sorted by event time), those that can pass the time tests below
  // (a ≤ t; with WINDOW, t − w ≤ a); the loop still applies every test.
  const candidates = timed && t !== null ? inTimeRange(relation, keyRows, t - delay, feature.mode === 'aggregate' && feature.window ? t - delay - feature.window.seconds * MICROS_PER_SECOND : null) : keyRows;
  for (const row of candidates) {
    const k = rowKey(feature, row);
    if (k === null || !sameKey(k, key)) continue; // (the index already ensures it; kept as the definition)
    const env = makeEnv([[alias, row]]);
    if (feature.where && !isTrue(evaluate(feature.where, env))) continue;
    let e: number | null = null;
    if (timed) {
      const time = rowTime(relation, row);
      if (time === null || t === null) continue;
      const a = time + delay;
      if (feature.strictlyBefore ? !(a < t) : !(a <= t)) continue;
      if (feature.mode === 'aggregate' && feature.window && !(t - feature.window.seconds * MICROS_PER_SECOND < a)) continue;
      e = time;
    }
    seen.push({ row, env, e });
  }

  if (feature.mode === 'aggregate') {
    const value = evaluate(feature.value, new Map(), seen.map((s) => s.env));
    return { value, status: value === null ? 'missing' : 'present', eventTime: null };
  }

  if (seen.length === 0) return { value: null, status: 'missing', eventTime: null };
  // The latest rows: those at the greatest e (for a dimension relation, all rows, as if they shared one time).
  let latest: number | null = null;
  if (timed) for (const s of seen) if (latest === null || s.e! > latest) latest = s.e;
  const tied = timed ? seen.filter((s) => s.e === latest) : seen;
  // Tie rule: one row wins, the greatest in the tie order; the value is that row's.
  let winner = tied[0]!;
  for (const s of tied) if (compareTieOrder(relation, s.row, winner.row) > 0) winner = s;
  const value = evaluate(feature.value, winner.env);
  // TTL: NULL when the row became available before t − ttl; a row available exactly ttl ago still counts.
  if (timed && feature.ttl && latest! + delay < t! - feature.ttl.seconds * MICROS_PER_SECOND) {
    return { value: null, status: 'outside_ttl', eventTime: latest };
  }
  return { value, status: value === null ? 'missing' : 'present', eventTime: timed ? latest : null };
}

// ---------------------------------------------------------------------------
// Fitting (§5)

/** PERCENTILE_CONT: the value at position p × (n − 1) of the sorted values, linearly interpolated; null for none. */
export function percentileCont(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return normZero(a + (b - a) * (pos - lo));
}

/** Distinct values with their frequencies, most frequent first, ties by value order (ascending). */
export function frequencies(values: readonly Exclude<Value, null>[]): { value: Exclude<Value, null>; count: number }[] {
  const out: { value: Exclude<Value, null>; count: number }[] = [];
  for (const v of values) {
    const f = out.find((x) => sameValue(x.value, v));
    if (f) f.count++;
    else out.push({ value: v, count: 1 });
  }
  return out.sort((a, b) => b.count - a.count || compareNonNull(a.value, b.value));
}

/** The distinct non-NULL keys found (through the feature's binding) in its relation's rows available at or before `t` (every row for dimension relations). */
export function keysFound(catalog: Catalog, data: Data, feature: FeatureInfo, t: number | null, cache: RowCache = new Map()): Value[][] {
  const relation = findRelation(catalog, feature.relation);
  const keys: Value[][] = [];
  const seen = new Set<string>(); // only a speed-up: the keys already in `keys`, as JSON (sameKey is equality of non-NULL values)
  for (const row of relationRows(catalog, data, relation.name, cache)) {
    if (relation.eventTime) {
      const a = rowAvailable(catalog, relation, row);
      if (a === null || t === null || a > t) continue;
    }
    const k = rowKey(feature, row);
    if (k === null || seen.has(JSON.stringify(k))) continue;
    seen.add(JSON.stringify(k));
    keys.push(k);
  }
  return keys;
}

/**
 * Fits a feature version's parameters (§5). `fitTime` defaults to the newest
 * event time in the feature's relation; dimension relations have none (null).
 *
 * AMBIGUITY (§5 does not say which statistics are stored): every statistic is
 * computed whether or not the feature's transforms use it — the numeric ones
 * only for INTEGER/DOUBLE features (null otherwise), the mode for every type
 * (a DATE/TIMESTAMP mode is a number of days/µs, as every Value here);
 * `vocabulary`/`columns` only for ONE_HOT features (empty otherwise). A
 * `fitTime` given for a dimension relation is ignored (fitTime null). A
 * composite key with a NULL part is a NULL key and is not in the population.
 */
export function fit(catalog: Catalog, data: Data, feature: FeatureInfo, fitTime?: number | null, cache: RowCache = new Map()): FittedParameters {
  const relation = findRelation(catalog, feature.relation);
  const T = !relation.eventTime ? null : fitTime !== undefined && fitTime !== null ? fitTime : newestAvailableTime(catalog, data, relation.name, cache);

  // Population: every distinct non-NULL key in rows at or before T, regardless of WHERE; NULL raw values dropped.
  const values: Exclude<Value, null>[] = [];
  for (const key of keysFound(catalog, data, feature, T, cache)) {
    const v = rawValue(catalog, data, feature, key, T, cache).value;
    if (v !== null) values.push(v);
  }

  const numeric = (feature.rawType === 'INTEGER' || feature.rawType === 'DOUBLE') && values.length > 0;
  const nums = numeric ? [...(values as number[])].sort((a, b) => a - b) : [];
  const mean = numeric ? normZero(nums.reduce((s, v) => s + v, 0) / nums.length) : null;
  const stddev = numeric ? Math.sqrt(nums.reduce((s, v) => s + (v - mean!) * (v - mean!), 0) / nums.length) : null;
  const freq = frequencies(values);

  let vocabulary: Exclude<Value, null>[] = [];
  let columns: string[] = [];
  const enc = feature.encoding;
  if (enc?.kind === 'one_hot_top') {
    vocabulary = freq.slice(0, enc.top).map((f) => f.value);
    columns = oneHotColumnNames(feature.name, vocabulary).columns;
  } else if (enc?.kind === 'one_hot_values') {
    vocabulary = [...enc.values];
    columns = oneHotColumnNames(feature.name, vocabulary).columns;
  }

  return {
    fitTime: T,
    count: values.length,
    mean,
    stddev,
    min: numeric ? nums[0]! : null,
    max: numeric ? nums[nums.length - 1]! : null,
    q1: numeric ? percentileCont(nums, 0.25) : null,
    median: numeric ? percentileCont(nums, 0.5) : null,
    q3: numeric ? percentileCont(nums, 0.75) : null,
    mode: freq.length > 0 ? freq[0]!.value : null,
    vocabulary,
    columns,
  };
}

// ---------------------------------------------------------------------------
// Transforms (§6)

/** FILL: only when the raw value is NULL. */
export function fillValue(feature: FeatureInfo, params: FittedParameters, raw: Value): Value {
  if (raw !== null || !feature.fill) return raw;
  const fill = feature.fill;
  if (fill.kind === 'value') return literalValue(fill.value, fill.type);
  switch (fill.stat) {
    case 'MEAN':
      return params.mean;
    case 'MEDIAN':
      return params.median;
    case 'MODE':
      // A DATE/TIMESTAMP mode is a number in this representation; accept literal text too.
      return params.mode === null ? null : literalValue(params.mode, feature.rawType);
    case 'ZERO':
      return 0;
  }
}

/** The ONE_HOT vocabulary: the listed values, or the fitted TOP n. */
export function vocabularyOf(feature: FeatureInfo, params: FittedParameters): readonly Exclude<Value, null>[] {
  if (feature.encoding?.kind === 'one_hot_values') return feature.encoding.values;
  return params.vocabulary;
}

/** The output column names of a feature: its name, or one per vocabulary value for ONE_HOT. */
export function outputColumns(feature: FeatureInfo, params: FittedParameters): string[] {
  if (feature.encoding?.kind === 'one_hot_values') return [...feature.encoding.columns];
  if (feature.encoding?.kind === 'one_hot_top') return oneHotColumnNames(feature.name, params.vocabulary).columns;
  return [feature.name];
}

/** raw → FILL → SCALE or ONE_HOT: one value, or one 0/1 per one-hot column. */
export function transform(feature: FeatureInfo, params: FittedParameters, raw: Value): Value[] {
  const x = fillValue(feature, params, raw);
  const enc = feature.encoding;
  if (!enc) return [x];
  if (enc.kind === 'scale') {
    if (x === null) return [null];
    const v = x as number;
    switch (enc.method) {
      case 'STANDARD':
        if (params.mean === null || params.stddev === null) return [null];
        return [params.stddev === 0 ? 0 : normZero((v - params.mean) / params.stddev)];
      case 'MINMAX':
        if (params.min === null || params.max === null) return [null];
        return [params.max === params.min ? 0 : normZero((v - params.min) / (params.max - params.min))];
      case 'ROBUST':
        if (params.median === null || params.q1 === null || params.q3 === null) return [null];
        return [params.q3 === params.q1 ? 0 : normZero((v - params.median) / (params.q3 - params.q1))];
      case 'LOG':
        return [signedLog(v)];
    }
  }
  // ONE_HOT: 1 for the category equal to x; NULL and values outside the vocabulary give all zeros.
  return vocabularyOf(feature, params).map((c) => (x !== null && sameValue(x, c) ? 1 : 0));
}
