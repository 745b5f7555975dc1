/**
 * The logical plan: what to compute, not how any engine spells it. A short,
 * closed list of operations (in the spirit of PRQL): a *spine* of
 * (entity keys, time) rows, point-in-time *lookups* of feature values for each
 * spine row, *transform* steps with their fitted parameters inlined, and an
 * output. Training sets, online materialization and fitting are all this one
 * shape, which is why served vectors and training rows cannot disagree.
 *
 * Nodes are frozen plain data with a `kind`; `explain.ts` prints them.
 */
import type { ColumnInfo, LiteralValue, ScalarType, TExpr, TSelect } from '../check/catalog.js';

/** A value supplied when the plan runs: the training `as of` time, the materialization time, the fit time. */
export interface TimeParam {
  readonly kind: 'time_param';
  readonly name: 'as_of' | 'fit_time';
}

/** A time fixed in the plan, as epoch microseconds (UTC). */
export interface TimeLiteral {
  readonly kind: 'time_literal';
  readonly micros: number;
}

export type TimeValue = TimeParam | TimeLiteral;

/** How the relation a lookup or spine reads is keyed and timed. */
export interface RelationAccess {
  readonly relation: string;
  /** Relation columns holding the entity keys, in entity-key order. */
  readonly keyColumns: readonly string[];
  /** The event-time column and its type; absent for dimension relations. */
  readonly eventTime?: { readonly column: string; readonly type: 'DATE' | 'TIMESTAMP' };
  /**
   * A timed relation's rows become available this many seconds after their
   * event time (AVAILABLE, docs/semantics.md §3): every time bound compares
   * the event time with the time asked minus this delay. Absent: 0.
   */
  readonly availableAfterSeconds?: number;
}

/** One output row per label row: keys, the label time and the label value. */
export interface LabelSpine {
  readonly kind: 'label_spine';
  readonly label: { readonly name: string; readonly version: number };
  readonly relation: string;
  /** Spine key columns: output name ← label-relation column. */
  readonly keys: readonly { readonly name: string; readonly column: string; readonly type: ScalarType }[];
  /** How many of `keys` (from the start) are the label entity's: label rows with a NULL there are dropped. */
  readonly labelKeyCount: number;
  /** The label row's time, or one time for a time-independent label. */
  readonly time: { readonly kind: 'column'; readonly column: string; readonly type: 'DATE' | 'TIMESTAMP'; readonly output: string } | { readonly kind: 'fixed'; readonly value: TimeValue };
  readonly value: TExpr;
  readonly valueType: ScalarType;
  readonly where?: TExpr;
  readonly sample?: { readonly percent: number; readonly seed: number };
}

/** One row per entity key found (at or before the time) in any of the given relations. */
export interface EntitySpine {
  readonly kind: 'entity_spine';
  readonly entity: string;
  readonly keys: readonly { readonly name: string; readonly type: ScalarType }[];
  readonly from: readonly RelationAccess[];
  readonly time: TimeValue;
}

/**
 * Rows given by the user (an ad-hoc spine: `get_historical_features`, `fsql
 * train --spine`), loaded into a table of the offline engine before the plan
 * runs: one output row per spine row, in the spine's order, each with the
 * point-in-time values of the features as of its time — the rows a training
 * set would have for a label with exactly these (keys, time) rows.
 */
export interface RowsSpine {
  readonly kind: 'rows_spine';
  /** The table holding the rows (a temporary table the caller creates and fills). */
  readonly table: string;
  /** The column of `table` holding each row's position (1-based): the output keeps this order. */
  readonly rowColumn: string;
  /** Spine key columns: output name (an entity key's name) ← table column. A NULL key matches no feature row. */
  readonly keys: readonly { readonly name: string; readonly column: string; readonly type: ScalarType }[];
  /** The time of each row (never NULL: the caller refuses such rows), output under `output`. */
  readonly time: { readonly column: string; readonly type: 'DATE' | 'TIMESTAMP'; readonly output: string };
}

export type Spine = LabelSpine | EntitySpine | RowsSpine;

/** The raw value of one feature for every spine row (docs/semantics.md §3). */
export interface Lookup {
  readonly kind: 'latest' | 'aggregate';
  /** Internal column names this lookup produces. */
  readonly id: string;
  readonly feature: { readonly name: string; readonly version: number };
  readonly access: RelationAccess;
  /** Spine key columns matched against `access.keyColumns`, in the same order. */
  readonly spineKeys: readonly string[];
  /** latest: a scalar expression; aggregate: one `aggregate` expression. Column refs use the relation's name as alias. */
  readonly value: TExpr;
  readonly where?: TExpr;
  readonly windowSeconds?: number;
  readonly ttlSeconds?: number;
  /** `AS OF < t`: rows available strictly before the spine time (absent: at or before). */
  readonly strictlyBefore?: true;
  readonly rawType: ScalarType;
  /**
   * latest: the tie order (docs/semantics.md §3) — the relation's columns in
   * declared order, its event time left out. Among the rows at the latest
   * time (all of a key's rows in a dimension relation) the greatest in this
   * order wins, NULL below every value, text by code points: one row, the
   * same for every latest lookup over the relation.
   */
  readonly tieOrder?: readonly { readonly column: string; readonly type: ScalarType }[];
}

/** Numbers a SCALE needs, already fitted: out = (x − center) / divisor, 0 when divisor is 0. */
export type ScaleStep =
  | { readonly kind: 'affine'; readonly method: 'STANDARD' | 'MINMAX' | 'ROBUST'; readonly center: number | null; readonly divisor: number | null }
  | { readonly kind: 'log' };

export interface TransformStep {
  readonly lookup: string;
  readonly feature: { readonly name: string; readonly version: number };
  /** The replacement for NULL raw values, fitted or literal; null when FILL leaves NULL (no FILL, or nothing fitted). */
  readonly fill: { readonly value: Exclude<LiteralValue, null>; readonly type: ScalarType } | null;
  readonly scale?: ScaleStep;
  readonly oneHot?: { readonly values: readonly Exclude<LiteralValue, null>[] };
  /** Output columns: one, or one per one-hot value. */
  readonly outputs: readonly { readonly name: string; readonly type: ScalarType }[];
  /** Set when the plan was built for preview before the feature version was fitted: SQL cannot be generated. */
  readonly unfitted?: true;
}

export interface OutputColumn {
  readonly name: string;
  readonly type: ScalarType;
}

/**
 * A view the plan reads whose rows are computed — it groups (GROUP BY, an
 * aggregate), is DISTINCT, or reads such a view — so that an engine inlining
 * it into a per-spine-row lookup would compute it again for every spine row.
 * Where the engine can (`EngineCapabilities.computesViewsOnce`), the runtime
 * copies its rows into a temporary table indexed on `indexes` once per run
 * and the plan reads that (docs/offline-engines.md, "Computed views").
 */
export interface ComputedView {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  /** Column lists to index the copy on: each lookup's (keys, event time). */
  readonly indexes: readonly (readonly string[])[];
}

export interface TrainingPlan {
  readonly kind: 'training';
  readonly name: string;
  readonly version: number;
  readonly spine: LabelSpine;
  readonly lookups: readonly Lookup[];
  readonly transforms: readonly TransformStep[];
  /** Every output column in order: keys, label time, features, label. */
  readonly columns: readonly OutputColumn[];
  /** Computed views its lookups read (absent: none). */
  readonly computedViews?: readonly ComputedView[];
}

/** Features for the rows of a RowsSpine: keys, time, then each feature's column(s), in the spine's order. */
export interface SpinePlan {
  readonly kind: 'spine';
  readonly spine: RowsSpine;
  readonly lookups: readonly Lookup[];
  readonly transforms: readonly TransformStep[];
  /** Every output column in order: keys, the time, features. */
  readonly columns: readonly OutputColumn[];
  /** Computed views its lookups read (absent: none). */
  readonly computedViews?: readonly ComputedView[];
}

export interface MaterializePlan {
  readonly kind: 'materialize';
  readonly entity: string;
  readonly spine: EntitySpine;
  readonly lookups: readonly Lookup[];
  readonly transforms: readonly TransformStep[];
  /** Keys, then per feature its value column(s), plus `<lookup id>__time` (event time of the rows used). */
  readonly columns: readonly OutputColumn[];
}

/** Raw values of one feature over its population, grouped: (value, count). Statistics are computed from these. */
export interface FitPlan {
  readonly kind: 'fit';
  readonly feature: { readonly name: string; readonly version: number };
  readonly spine: EntitySpine;
  readonly lookup: Lookup;
}

export interface ViewPlan {
  readonly kind: 'view';
  readonly name: string;
  readonly query: TSelect;
  readonly columns: readonly ColumnInfo[];
}

export type Plan = TrainingPlan | SpinePlan | MaterializePlan | FitPlan | ViewPlan;
