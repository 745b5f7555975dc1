/**
 * Descriptive statistics of one feature version's values, recorded in the
 * registry when the version is applied (what `describe` shows). A pure
 * function of the values: the caller computes the population (the same one the
 * fit uses, or served values) with an engine.
 *
 * - `count` is the number of non-NULL values, `nulls` the number of NULLs
 *   (a non-finite number — NaN, ±Infinity — counts as NULL, as SQL engines
 *   store NULL for them), so `count + nulls` is the number of values given.
 * - Numeric statistics (mean, stddev, min, max, quartiles, histogram) are for
 *   INTEGER, DOUBLE, DATE (epoch days) and TIMESTAMP (epoch microseconds),
 *   the canonical value representation of src/engine/values.ts; null (and an
 *   empty histogram) for TEXT and BOOLEAN, or when there are no values.
 * - stddev is the population standard deviation (as SCALE STANDARD uses).
 * - Quartiles are interpolated like PERCENTILE_CONT: the value at position
 *   p·(n−1) of the sorted values (the same rule as FILL MEDIAN and SCALE ROBUST).
 * - The histogram has 10 equal-width bins from min to max, each [lower, upper)
 *   but the last, which includes max; one bin when min = max.
 * - topValues: the 10 most frequent values, ties by value order (numbers
 *   numerically, text by code points, false < true), for every type.
 */
import type { ScalarType } from '../../check/catalog.js';
import { compareValues } from '../../plan/statistics.js';

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

export const HISTOGRAM_BINS = 10;
export const TOP_VALUES = 10;

const NUMERIC_TYPES: ReadonlySet<ScalarType> = new Set<ScalarType>(['INTEGER', 'DOUBLE', 'DATE', 'TIMESTAMP']);

/** PERCENTILE_CONT of ascending values: position p·(n−1), linearly interpolated (kept within its two neighbours). */
export function percentileCont(sorted: readonly number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = sorted[lo]!;
  if (frac === 0 || lo + 1 >= sorted.length) return a;
  const b = sorted[lo + 1]!;
  let v = a + (b - a) * frac;
  // b − a overflows only when a < 0 < b: then both terms below grow with frac, so the result stays monotone.
  if (!Number.isFinite(v)) v = a * (1 - frac) + b * frac;
  return Math.min(Math.max(v, a), b);
}

export function computeStatistics(values: readonly StatisticsValue[], type: ScalarType): FeatureStatistics {
  const present: Exclude<StatisticsValue, null>[] = [];
  let nulls = 0;
  for (const v of values) {
    if (v === null || (typeof v === 'number' && !Number.isFinite(v))) nulls++;
    else present.push(v);
  }

  // Frequencies, keyed by type and value so that 1 and '1' stay apart.
  const counts = new Map<string, { value: Exclude<StatisticsValue, null>; count: number }>();
  for (const v of present) {
    const k = `${typeof v}:${String(v)}`;
    const c = counts.get(k);
    if (c) c.count++;
    else counts.set(k, { value: v, count: 1 });
  }
  const topValues = [...counts.values()]
    .sort((a, b) => b.count - a.count || compareMixed(a.value, b.value))
    .slice(0, TOP_VALUES)
    .map(({ value, count }) => ({ value, count }));

  const base = { count: present.length, nulls, distinct: counts.size, topValues };
  const numbers = NUMERIC_TYPES.has(type) ? present.filter((v): v is number => typeof v === 'number') : [];
  if (numbers.length === 0) {
    return { ...base, mean: null, stddev: null, min: null, max: null, q1: null, median: null, q3: null, histogram: [] };
  }

  const sorted = [...numbers].sort((a, b) => a - b);
  const n = sorted.length;
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  const mean = meanOf(sorted);
  let sq = 0;
  for (const x of sorted) sq += (x - mean) * (x - mean);
  const stddev = Math.sqrt(sq / n);
  return {
    ...base,
    mean,
    stddev: Number.isFinite(stddev) ? stddev : null,
    min,
    max,
    q1: percentileCont(sorted, 0.25),
    median: percentileCont(sorted, 0.5),
    q3: percentileCont(sorted, 0.75),
    histogram: histogram(sorted, min, max),
  };
}

/** The mean, without overflowing on huge doubles; kept within [min, max]. */
function meanOf(sorted: readonly number[]): number {
  const n = sorted.length;
  let sum = 0;
  for (const x of sorted) sum += x;
  let mean = sum / n;
  if (!Number.isFinite(mean)) {
    mean = 0;
    for (const x of sorted) mean += x / n;
  }
  return Math.min(Math.max(mean, sorted[0]!), sorted[n - 1]!);
}

function histogram(sorted: readonly number[], min: number, max: number): HistogramBin[] {
  if (min === max) return [{ lower: min, upper: max, count: sorted.length }];
  // max/bins − min/bins rather than (max − min)/bins: no overflow for huge doubles.
  const width = max / HISTOGRAM_BINS - min / HISTOGRAM_BINS;
  const bins = Array.from({ length: HISTOGRAM_BINS }, (_, i) => ({
    lower: i === 0 ? min : Math.min(min + i * width, max),
    upper: i === HISTOGRAM_BINS - 1 ? max : Math.min(min + (i + 1) * width, max),
    count: 0,
  }));
  for (const x of sorted) {
    // Half-open bins [lower, upper), the last one closed; decided by the printed edges.
    let i = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((x - min) / width)));
    if (!Number.isFinite(i)) i = HISTOGRAM_BINS - 1;
    while (i > 0 && x < bins[i]!.lower) i--;
    while (i < HISTOGRAM_BINS - 1 && x >= bins[i]!.upper) i++;
    bins[i]!.count++;
  }
  return bins;
}

/** compareValues, extended to values of different JS types (numbers < text < booleans). */
function compareMixed(a: Exclude<StatisticsValue, null>, b: Exclude<StatisticsValue, null>): number {
  const rank = (v: Exclude<StatisticsValue, null>) => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);
  return rank(a) - rank(b) || compareValues(a, b);
}
