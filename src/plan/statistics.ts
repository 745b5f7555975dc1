/**
 * Fitted parameters from a feature's population, given as (raw value, count)
 * pairs — what a fit plan returns. Computed here, in one place, rather than in
 * each engine's SQL, so every backend fits exactly the same numbers
 * (docs/semantics.md §5).
 */
import type { FeatureInfo, LiteralValue } from '../check/catalog.js';
import { oneHotColumnNames } from '../check/naming.js';
import type { FittedParameters } from './fitted.js';

export interface ValueCount {
  readonly value: LiteralValue;
  readonly count: number;
}

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

/** PERCENTILE_CONT over sorted (value, count) runs: the value at position p·(n−1), interpolated. */
function percentile(sorted: readonly { value: number; count: number }[], n: number, p: number): number {
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const at = (index: number): number => {
    let seen = 0;
    for (const r of sorted) {
      seen += r.count;
      if (index < seen) return r.value;
    }
    return sorted[sorted.length - 1]!.value;
  };
  const a = at(lo);
  if (frac === 0) return a;
  const b = at(lo + 1);
  return a + (b - a) * frac;
}

export function fitStatistics(feature: FeatureInfo, population: readonly ValueCount[], fitTime: number | null): FittedParameters {
  // Merge duplicates and drop NULLs.
  const merged = new Map<string, { value: Exclude<LiteralValue, null>; count: number }>();
  for (const { value, count } of population) {
    if (value === null || count <= 0) continue;
    const k = `${typeof value}:${String(value)}`;
    const m = merged.get(k);
    if (m) m.count += count;
    else merged.set(k, { value, count });
  }
  const runs = [...merged.values()].sort((a, b) => compareValues(a.value, b.value));
  const n = runs.reduce((s, r) => s + r.count, 0);
  const numeric = feature.rawType === 'INTEGER' || feature.rawType === 'DOUBLE';

  let mean: number | null = null;
  let stddev: number | null = null;
  let min: number | null = null;
  let max: number | null = null;
  let q1: number | null = null;
  let median: number | null = null;
  let q3: number | null = null;
  if (numeric && n > 0) {
    const nums = runs as { value: number; count: number }[];
    // Two-pass mean and variance (numerically stable enough for doubles; exact for the integer sums we see).
    let sum = 0;
    for (const r of nums) sum += r.value * r.count;
    mean = sum / n;
    let sq = 0;
    for (const r of nums) sq += (r.value - mean) * (r.value - mean) * r.count;
    stddev = Math.sqrt(sq / n);
    min = nums[0]!.value;
    max = nums[nums.length - 1]!.value;
    q1 = percentile(nums, n, 0.25);
    median = percentile(nums, n, 0.5);
    q3 = percentile(nums, n, 0.75);
  }

  // Mode: most frequent, ties to the smallest value (runs are sorted by value, so the first max wins).
  let mode: LiteralValue = null;
  let best = 0;
  for (const r of runs) {
    if (r.count > best) {
      best = r.count;
      mode = r.value;
    }
  }

  let vocabulary: Exclude<LiteralValue, null>[] = [];
  const enc = feature.encoding;
  if (enc?.kind === 'one_hot_values') vocabulary = [...enc.values];
  else if (enc?.kind === 'one_hot_top') {
    vocabulary = [...runs]
      .sort((a, b) => b.count - a.count || compareValues(a.value, b.value))
      .slice(0, enc.top)
      .map((r) => r.value);
  }
  const columns = enc?.kind === 'one_hot_values' ? [...enc.columns] : oneHotColumnNames(feature.name, vocabulary).columns;
  return { fitTime, count: n, mean, stddev, min, max, q1, median, q3, mode, vocabulary, columns };
}
