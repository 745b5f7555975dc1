/**
 * Statistics of a feature's population, computed in one place from the
 * (raw value, count) runs a fit plan returns (docs/semantics.md §5): the
 * fitted parameters the transforms inline, and the statistics the registry
 * records for `describe`, come from the same `Summary`, so a fitted mean and
 * the recorded mean of one population are the same number. Computed here,
 * rather than in each engine's SQL, so every backend fits exactly the same
 * numbers.
 *
 * - Counts are weights: a run of a billion equal values costs what one does.
 * - `count` is the number of non-NULL values, `nulls` the NULLs (a non-finite
 *   number — NaN, ±Infinity — counts as NULL, as SQL engines store NULL for
 *   them), so `count + nulls` is the number of values given.
 * - Numeric statistics (mean, stddev, min, max, quartiles, histogram) are for
 *   INTEGER, DOUBLE, DATE (epoch days) and TIMESTAMP (epoch microseconds),
 *   the canonical value representation of src/engine/values.ts; null (and an
 *   empty histogram) for TEXT and BOOLEAN, or when there are no values. The
 *   fitted parameters carry them for INTEGER and DOUBLE features only (the
 *   transforms that use them need a number).
 * - mean and stddev (population) are two passes over the runs: Σ c·v / n,
 *   then √(Σ c·(v − mean)² / n). When a sum overflows (values near the
 *   largest double), both are computed again on the values scaled by a power
 *   of two (exact), then scaled back: the mean and stddev of any finite
 *   values are finite. The mean is kept within [min, max].
 * - Quartiles are interpolated like PERCENTILE_CONT: the value at position
 *   p·(n−1) of the sorted values (FILL MEDIAN, SCALE ROBUST).
 * - The mode is the most frequent value, ties to the smallest; top values and
 *   a TOP n vocabulary are the most frequent values, ties by value order
 *   (numbers numerically, text by code points, false < true).
 * - The histogram has 10 equal-width bins from min to max, each [lower, upper)
 *   but the last, which includes max; one bin when min = max.
 */
import type { FeatureInfo, LiteralValue, ScalarType } from '../check/catalog.js';
import { oneHotColumnNames } from '../check/naming.js';
import type { FittedParameters } from './fitted.js';

/** One run of a population: a raw value and how many keys have it. */
export interface ValueCount {
  readonly value: LiteralValue;
  readonly count: number;
}

export type StatisticsValue = number | string | boolean | null;

export interface HistogramBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
}

export interface TopValue {
  readonly value: Exclude<StatisticsValue, null>;
  readonly count: number;
}

/** The statistics recorded in the registry for a feature version (what `describe` shows). */
export interface FeatureStatistics {
  /** Non-NULL values. */
  readonly count: number;
  readonly nulls: number;
  /** Distinct non-NULL values. */
  readonly distinct: number;
  readonly mean: number | null;
  readonly stddev: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly q1: number | null;
  readonly median: number | null;
  readonly q3: number | null;
  readonly histogram: readonly HistogramBin[];
  readonly topValues: readonly TopValue[];
}

/** Everything known about a population: the recorded statistics, plus every distinct value by frequency. */
export interface Summary extends FeatureStatistics {
  readonly type: ScalarType;
  /** Every distinct non-NULL value, most frequent first, ties by value order: the mode, top values and vocabularies are its prefixes. */
  readonly ranked: readonly TopValue[];
}

export const HISTOGRAM_BINS = 10;
export const TOP_VALUES = 10;

const NUMERIC_TYPES: ReadonlySet<ScalarType> = new Set<ScalarType>(['INTEGER', 'DOUBLE', 'DATE', 'TIMESTAMP']);

/** Total order used for ties: numbers numerically, text by code points, false < true. */
export function compareValues(a: Exclude<LiteralValue, null>, b: Exclude<LiteralValue, null>): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  // Code point order (not UTF-16 unit order) for text.
  const ca = [...x];
  const cb = [...y];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

/** compareValues, extended to values of different JS types (numbers < text < booleans). */
function compareMixed(a: Exclude<StatisticsValue, null>, b: Exclude<StatisticsValue, null>): number {
  const rank = (v: Exclude<StatisticsValue, null>) => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);
  return rank(a) - rank(b) || compareValues(a, b);
}

/** The runs of a list of values, one per distinct value (for callers holding plain values). */
export function countRuns(values: readonly StatisticsValue[]): ValueCount[] {
  const runs = new Map<string, { value: StatisticsValue; count: number }>();
  for (const v of values) {
    const k = v === null ? 'null' : `${typeof v}:${String(v)}`;
    const r = runs.get(k);
    if (r) r.count++;
    else runs.set(k, { value: v, count: 1 });
  }
  return [...runs.values()];
}

/** Summarizes a population given as (value, count) runs, in any order, a value possibly in several runs. */
export function summarize(population: readonly ValueCount[], type: ScalarType): Summary {
  // Merge runs of one value (keyed by type and value, so that 1 and '1' stay apart); drop NULLs.
  let nulls = 0;
  const merged = new Map<string, { value: Exclude<StatisticsValue, null>; count: number }>();
  for (const { value, count } of population) {
    if (!(count > 0)) continue;
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      nulls += count;
      continue;
    }
    const k = `${typeof value}:${String(value)}`;
    const m = merged.get(k);
    if (m) m.count += count;
    else merged.set(k, { value, count });
  }
  const runs = [...merged.values()];
  let count = 0;
  for (const r of runs) count += r.count;
  const ranked = [...runs].sort((a, b) => b.count - a.count || compareMixed(a.value, b.value)).map(({ value, count: c }) => ({ value, count: c }));
  const base = { type, count, nulls, distinct: runs.length, ranked, topValues: ranked.slice(0, TOP_VALUES) };

  const numbers = NUMERIC_TYPES.has(type) ? runs.filter((r): r is { value: number; count: number } => typeof r.value === 'number').sort((a, b) => a.value - b.value) : [];
  if (numbers.length === 0) {
    return { ...base, mean: null, stddev: null, min: null, max: null, q1: null, median: null, q3: null, histogram: [] };
  }
  let n = 0;
  for (const r of numbers) n += r.count;
  const min = numbers[0]!.value;
  const max = numbers[numbers.length - 1]!.value;
  const { mean, stddev } = moments(numbers, n, min, max);
  return {
    ...base,
    mean,
    stddev,
    min,
    max,
    q1: percentileRuns(numbers, n, 0.25),
    median: percentileRuns(numbers, n, 0.5),
    q3: percentileRuns(numbers, n, 0.75),
    histogram: histogram(numbers, n, min, max),
  };
}

/** The statistics recorded for `describe`. */
export function featureStatistics(s: Summary): FeatureStatistics {
  const { count, nulls, distinct, mean, stddev, min, max, q1, median, q3, histogram: bins, topValues } = s;
  return { count, nulls, distinct, mean, stddev, min, max, q1, median, q3, histogram: bins, topValues };
}

/** The fitted parameters of a feature version, from the summary of its population. */
export function fittedParameters(feature: FeatureInfo, s: Summary, fitTime: number | null): FittedParameters {
  const numeric = feature.rawType === 'INTEGER' || feature.rawType === 'DOUBLE';
  const enc = feature.encoding;
  let vocabulary: Exclude<LiteralValue, null>[] = [];
  if (enc?.kind === 'one_hot_values') vocabulary = [...enc.values];
  else if (enc?.kind === 'one_hot_top') vocabulary = s.ranked.slice(0, enc.top).map((r) => r.value);
  const columns = enc?.kind === 'one_hot_values' ? [...enc.columns] : oneHotColumnNames(feature.name, vocabulary).columns;
  return {
    fitTime,
    count: s.count,
    mean: numeric ? s.mean : null,
    stddev: numeric ? s.stddev : null,
    min: numeric ? s.min : null,
    max: numeric ? s.max : null,
    q1: numeric ? s.q1 : null,
    median: numeric ? s.median : null,
    q3: numeric ? s.q3 : null,
    mode: s.ranked[0]?.value ?? null,
    vocabulary,
    columns,
  };
}

/** Fitted parameters straight from a population (a fit plan's rows). */
export function fitStatistics(feature: FeatureInfo, population: readonly ValueCount[], fitTime: number | null): FittedParameters {
  return fittedParameters(feature, summarize(population, feature.rawType), fitTime);
}

/** Recorded statistics of a list of values (counted into runs first). */
export function computeStatistics(values: readonly StatisticsValue[], type: ScalarType): FeatureStatistics {
  return featureStatistics(summarize(countRuns(values), type));
}

// ---------------------------------------------------------------------------
// Numeric statistics over sorted (value, count) runs.

type Run = { readonly value: number; readonly count: number };

/** x · 2^e without overflowing in the power (2^1024 is Infinity, x · 2^1024 need not be). */
function scaleBy(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

/** Mean and population standard deviation: two passes, rescaled by a power of two when a sum overflows. */
function moments(runs: readonly Run[], n: number, min: number, max: number): { mean: number; stddev: number | null } {
  let sum = 0;
  for (const r of runs) sum += r.value * r.count;
  let mean = sum / n;
  let sq = 0;
  if (Number.isFinite(mean)) for (const r of runs) sq += (r.value - mean) * (r.value - mean) * r.count;
  let stddev = Math.sqrt(sq / n);
  if (!Number.isFinite(mean) || !Number.isFinite(stddev)) {
    // Scale so the largest magnitude is below 1: sums of n terms stay below 4n.
    const e = Math.ceil(Math.log2(Math.max(Math.abs(min), Math.abs(max))));
    let s = 0;
    for (const r of runs) s += scaleBy(r.value, -e) * r.count;
    const m = s / n;
    let q = 0;
    for (const r of runs) {
      const d = scaleBy(r.value, -e) - m;
      q += d * d * r.count;
    }
    mean = scaleBy(m, e);
    stddev = scaleBy(Math.sqrt(q / n), e);
  }
  mean = Math.min(Math.max(mean, min), max);
  return { mean: mean === 0 ? 0 : mean, stddev: Number.isFinite(stddev) ? stddev : null };
}

/** The value at 0-based position `index` of the sorted values the runs stand for. */
function valueAt(runs: readonly Run[], index: number): number {
  let seen = 0;
  for (const r of runs) {
    seen += r.count;
    if (index < seen) return r.value;
  }
  return runs[runs.length - 1]!.value;
}

/** PERCENTILE_CONT over sorted runs: the value at position p·(n−1), interpolated (kept within its two neighbours). */
function percentileRuns(runs: readonly Run[], n: number, p: number): number {
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = valueAt(runs, lo);
  if (frac === 0 || lo + 1 >= n) return a;
  const b = valueAt(runs, lo + 1);
  let v = a + (b - a) * frac;
  // b − a overflows only when a < 0 < b: then both terms below grow with frac, so the result stays monotone.
  if (!Number.isFinite(v)) v = a * (1 - frac) + b * frac;
  return Math.min(Math.max(v, a), b);
}

/** PERCENTILE_CONT of ascending values (each value one run of 1). */
export function percentileCont(sorted: readonly number[], p: number): number {
  return percentileRuns(
    sorted.map((value) => ({ value, count: 1 })),
    sorted.length,
    p,
  );
}

function histogram(runs: readonly Run[], n: number, min: number, max: number): HistogramBin[] {
  if (min === max) return [{ lower: min, upper: max, count: n }];
  // max/bins − min/bins rather than (max − min)/bins: no overflow for huge doubles.
  const width = max / HISTOGRAM_BINS - min / HISTOGRAM_BINS;
  const bins = Array.from({ length: HISTOGRAM_BINS }, (_, i) => ({
    lower: i === 0 ? min : Math.min(min + i * width, max),
    upper: i === HISTOGRAM_BINS - 1 ? max : Math.min(min + (i + 1) * width, max),
    count: 0,
  }));
  for (const { value: x, count } of runs) {
    // Half-open bins [lower, upper), the last one closed; decided by the printed edges.
    let i = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((x - min) / width)));
    if (!Number.isFinite(i)) i = HISTOGRAM_BINS - 1;
    while (i > 0 && x < bins[i]!.lower) i--;
    while (i < HISTOGRAM_BINS - 1 && x >= bins[i]!.upper) i++;
    bins[i]!.count += count;
  }
  return bins;
}
