/**
 * The fitted parameters of one feature version (docs/semantics.md §5): fitted
 * once when the version is first applied, stored in the registry, and inlined
 * into every plan. Plain JSON.
 */
import type { LiteralValue } from '../check/catalog.js';

export interface FittedParameters {
  /** The time the population was taken at, as epoch microseconds (UTC); null for dimension relations. */
  readonly fitTime: number | null;
  /** Number of non-NULL raw values in the population. */
  readonly count: number;
  /** Numeric statistics; null when the feature is not numeric or there are no values. */
  readonly mean: number | null;
  readonly stddev: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly q1: number | null;
  readonly median: number | null;
  readonly q3: number | null;
  /** Most frequent value (ties: smallest); null when there are no values. */
  readonly mode: LiteralValue;
  /** ONE_HOT vocabulary in column order (TOP n: by frequency, then value), with its column names. */
  readonly vocabulary: readonly Exclude<LiteralValue, null>[];
  readonly columns: readonly string[];
}
