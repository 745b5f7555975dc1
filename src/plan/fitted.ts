/**
 * The fitted parameters of one feature version (docs/semantics.md §5): fitted
 * once when the version is first applied, stored in the registry, and inlined
 * into every plan. Plain JSON.
 */
import type { FillKind, LiteralValue, ScaleKind } from '../check/catalog.js';

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

/**
 * Whether a feature version reads fitted parameters: a FILL of a fitted
 * statistic (MEAN, MEDIAN, MODE), SCALE STANDARD / MINMAX / ROBUST or
 * ONE_HOT TOP n. FILL ZERO or a literal, SCALE LOG and ONE_HOT (values…) use
 * none, and neither does a feature without transforms: such a version has
 * nothing to fit (docs/semantics.md §5).
 */
export function needsFit(feature: FitRelevant): boolean {
  const fill = feature.fill;
  if (fill?.kind === 'stat' && fill.stat !== 'ZERO') return true;
  const enc = feature.encoding;
  return enc?.kind === 'one_hot_top' || (enc?.kind === 'scale' && enc.method !== 'LOG');
}

/** What `needsFit` looks at: a FeatureInfo's FILL and encoding (the registry builds the same from a registered text). */
export interface FitRelevant {
  readonly fill?: { readonly kind: 'stat' | 'value'; readonly stat?: FillKind } | undefined;
  readonly encoding?: { readonly kind: 'scale' | 'one_hot_top' | 'one_hot_values'; readonly method?: ScaleKind } | undefined;
}

/**
 * Where a feature version stands with its fit: `fitted` (its parameters are
 * registered and never change), `awaiting` (it needs a fit and its population
 * has been empty so far: nothing served or trained from it until the first
 * apply, or `fsql fit`, that finds a population) or `not_needed` (it reads no
 * fitted parameter).
 */
export type FitState = 'fitted' | 'awaiting' | 'not_needed';
