/**
 * The checked catalog: every object of a project, resolved and typed. Plain,
 * JSON-serialisable data (records keyed by lower-case name) — the input of the
 * planner. Names keep their declared spelling; lookups are case-insensitive.
 */
import type { Span } from '../diagnostics/diagnostic.js';
import type { DatePart, DurationUnit, FillKind, ScalarType, ScaleKind, SourceFormat } from '../syntax/ast.js';

export type { DatePart, FillKind, ScalarType, ScaleKind, SourceFormat };

/** The type of an expression: a scalar type, or `NULL` for an untyped NULL literal. */
export type ExprType = ScalarType | 'NULL';

export interface ColumnInfo {
  readonly name: string;
  readonly type: ScalarType;
  readonly nullable: boolean;
}

export interface Metadata {
  readonly description?: string;
  readonly owner?: string;
  readonly tags: readonly string[];
}

// ---------------------------------------------------------------------------
// Typed expressions. Column references are resolved to (relation alias, declared column name).

interface TBase {
  readonly type: ExprType;
  readonly nullable: boolean;
  readonly span: Span;
}

export type LiteralValue = number | string | boolean | null;

export type TExpr =
  | (TBase & { readonly kind: 'literal'; readonly value: LiteralValue })
  | (TBase & { readonly kind: 'column'; readonly relation: string; readonly column: string })
  | (TBase & { readonly kind: 'unary'; readonly op: '-' | '+' | 'NOT'; readonly operand: TExpr })
  | (TBase & {
      readonly kind: 'binary';
      readonly op: '+' | '-' | '*' | '/' | '%' | '||' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR';
      readonly left: TExpr;
      readonly right: TExpr;
    })
  | (TBase & { readonly kind: 'is_null'; readonly operand: TExpr; readonly negated: boolean })
  | (TBase & { readonly kind: 'in'; readonly operand: TExpr; readonly list: readonly TExpr[]; readonly negated: boolean })
  | (TBase & { readonly kind: 'between'; readonly operand: TExpr; readonly low: TExpr; readonly high: TExpr; readonly negated: boolean })
  | (TBase & { readonly kind: 'like'; readonly operand: TExpr; readonly pattern: TExpr; readonly negated: boolean })
  | (TBase & {
      readonly kind: 'case';
      readonly operand?: TExpr;
      readonly whens: readonly { readonly when: TExpr; readonly then: TExpr }[];
      readonly else?: TExpr;
    })
  | (TBase & { readonly kind: 'cast'; readonly operand: TExpr; readonly to: ScalarType })
  | (TBase & { readonly kind: 'extract'; readonly part: DatePart; readonly operand: TExpr })
  /** A scalar function from the function table (COALESCE, ROUND, …), canonical upper-case name. */
  | (TBase & { readonly kind: 'call'; readonly fn: string; readonly args: readonly TExpr[] })
  /** COUNT(*) has no argument. */
  | (TBase & { readonly kind: 'aggregate'; readonly fn: AggregateFn; readonly distinct: boolean; readonly arg?: TExpr });

export type AggregateFn = 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';

// ---------------------------------------------------------------------------
// Relations

export type SourceOriginInfo =
  | { readonly kind: 'file'; readonly path: string; readonly format: SourceFormat }
  | { readonly kind: 'table'; readonly name: readonly string[] }
  /** A STREAM: events pushed (`fsql ingest`, `POST /ingest`), or consumed from a Kafka topic (`kafka`: FROM KAFKA TOPIC). */
  | { readonly kind: 'stream'; readonly kafka?: KafkaOriginInfo };

/** Where a Kafka STREAM's events come from: a topic, each message's value one JSON object. */
export interface KafkaOriginInfo {
  readonly topic: string;
  readonly format: 'JSON';
}

/**
 * When a relation's rows become available beyond their event time, as
 * declared: `AVAILABLE AFTER <duration>`, or `AVAILABLE AT END OF DAY` (a
 * DATE event time; 1 day). See `availableAfterSeconds` for what is in force.
 */
export type AvailabilityInfo =
  | { readonly kind: 'after'; readonly seconds: number; readonly amount: number; readonly unit: DurationUnit }
  | { readonly kind: 'end_of_day'; readonly seconds: 86400 };

interface RelationBase extends Metadata {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  /** The declared spelling of the event-time column; absent for dimension relations. */
  readonly eventTime?: string;
  /** As declared; absent: rows are available at their event time (a view may inherit a delay: `availableAfterSeconds`). */
  readonly available?: AvailabilityInfo;
  readonly file: string;
  readonly span: Span;
}

export interface SourceInfo extends RelationBase {
  readonly kind: 'source';
  readonly origin: SourceOriginInfo;
}

export interface TSelectItem {
  readonly name: string;
  readonly expr: TExpr;
}

export interface TTableRef {
  /** Declared name of the source or view. */
  readonly relation: string;
  /** The alias used in column references (the relation name when no alias is written). */
  readonly alias: string;
}

export interface TSelect {
  readonly distinct: boolean;
  readonly items: readonly TSelectItem[];
  readonly from: TTableRef;
  readonly joins: readonly { readonly type: 'INNER' | 'LEFT'; readonly table: TTableRef; readonly on: TExpr }[];
  readonly where?: TExpr;
  readonly groupBy: readonly TExpr[];
  readonly having?: TExpr;
  /** True when the query groups (GROUP BY, or an aggregate in SELECT/HAVING). */
  readonly aggregated: boolean;
}

export interface ViewInfo extends RelationBase {
  readonly kind: 'view';
  readonly query: TSelect;
  /** Declared names of the relations the view reads directly. */
  readonly dependsOn: readonly string[];
}

export type RelationInfo = SourceInfo | ViewInfo;

// ---------------------------------------------------------------------------
// Entities, features, labels, training sets

export interface EntityInfo extends Metadata {
  readonly name: string;
  readonly keys: readonly ColumnInfo[];
  readonly file: string;
  readonly span: Span;
}

export type FillInfo =
  | { readonly kind: 'stat'; readonly stat: FillKind }
  | { readonly kind: 'value'; readonly value: Exclude<LiteralValue, null>; readonly type: ScalarType };

export type EncodingInfo =
  | { readonly kind: 'scale'; readonly method: ScaleKind }
  | { readonly kind: 'one_hot_top'; readonly top: number }
  | {
      readonly kind: 'one_hot_values';
      readonly values: readonly Exclude<LiteralValue, null>[];
      /** Output column names, one per value, safe in every dialect. */
      readonly columns: readonly string[];
    };

export interface DurationInfo {
  readonly seconds: number;
  readonly amount: number;
  readonly unit: DurationUnit;
}

/** How a feature or label binds its entity: relation column per entity key, in key order. */
export interface KeyBinding {
  readonly entity: string;
  readonly columns: readonly string[];
}

export interface FeatureInfo extends Metadata {
  readonly name: string;
  readonly version: number;
  readonly key: KeyBinding;
  readonly relation: string;
  /** `latest`: value of the latest row at or before t; `aggregate`: one aggregate over the window. */
  readonly mode: 'latest' | 'aggregate';
  /** For `latest`: the scalar expression. For `aggregate`: the aggregate expression. */
  readonly value: TExpr;
  readonly where?: TExpr;
  readonly window?: DurationInfo;
  readonly ttl?: DurationInfo;
  /** `AS OF < t`: only rows available strictly before the time asked count (absent: at or before). */
  readonly strictlyBefore?: true;
  /** Type of the raw value, before FILL. */
  readonly rawType: ScalarType;
  readonly fill?: FillInfo;
  readonly encoding?: EncodingInfo;
  /** Type of the served value (DOUBLE after SCALE; INTEGER 0/1 per column after ONE_HOT). */
  readonly outputType: ScalarType;
  readonly file: string;
  readonly span: Span;
}

export interface LabelInfo extends Metadata {
  readonly name: string;
  readonly version: number;
  readonly key: KeyBinding;
  readonly relation: string;
  readonly value: TExpr;
  readonly where?: TExpr;
  readonly type: ScalarType;
  readonly file: string;
  readonly span: Span;
}

export interface TrainingFeatureRef {
  readonly name: string;
  readonly version: number;
  /** Label-relation columns that give this feature's entity keys, in key order. */
  readonly labelColumns: readonly string[];
}

export interface TrainingSetInfo extends Metadata {
  readonly name: string;
  readonly version: number;
  readonly label: { readonly name: string; readonly version: number };
  readonly features: readonly TrainingFeatureRef[];
  readonly sample?: { readonly percent: number; readonly seed: number };
  readonly file: string;
  readonly span: Span;
}

export interface Catalog {
  readonly entities: Readonly<Record<string, EntityInfo>>;
  /** Sources and views share one namespace. */
  readonly relations: Readonly<Record<string, RelationInfo>>;
  /** Every version, ascending. */
  readonly features: Readonly<Record<string, readonly FeatureInfo[]>>;
  readonly labels: Readonly<Record<string, readonly LabelInfo[]>>;
  readonly trainingSets: Readonly<Record<string, readonly TrainingSetInfo[]>>;
}

export function keyOf(name: string): string {
  return name.toLowerCase();
}

/** One version of a feature (or label, training set) as users name it: `name`, or `name@version`. */
export interface VersionRef {
  readonly name: string;
  /** The newest version when absent. */
  readonly version?: number;
}

/**
 * The key of one version of a feature, label or training set in maps and
 * sets: `name@version`, the name folded as `keyOf` folds it (`Spend@2` and
 * `spend@2` are one key). Without a version, `name@` (the newest).
 */
export function versionKey(name: string, version?: number): string {
  return `${keyOf(name)}@${version ?? ''}`;
}

/** One version as users write it, in messages and lists: `name@version`, the name as declared. */
export function versionRef(name: string, version: number): string {
  return `${name}@${version}`;
}

const VERSION_REF = /^\s*([^@\s]+)\s*(?:@\s*(\d+)\s*)?$/;

/**
 * `name` or `name@version` (spaces around `@` allowed; a version is a whole
 * number from 1) → the ref; undefined when the text is neither. The one
 * reading of feature lists: HTTP selections, spines, `--features`.
 */
export function parseVersionRef(text: string): VersionRef | undefined {
  const m = VERSION_REF.exec(text);
  if (!m) return undefined;
  if (m[2] === undefined) return { name: m[1]! };
  const version = Number(m[2]);
  return Number.isSafeInteger(version) && version >= 1 ? { name: m[1]!, version } : undefined;
}

/** The highest version of a versioned object, or a given one. */
export function findVersion<T extends { version: number }>(versions: readonly T[] | undefined, version?: number): T | undefined {
  if (!versions || versions.length === 0) return undefined;
  if (version === undefined) return versions[versions.length - 1];
  return versions.find((v) => v.version === version);
}

/**
 * How long after its event time a row of a relation becomes available, in
 * seconds (docs/semantics.md §3): its own AVAILABLE clause; for a view
 * without one, the longest delay among the timed relations it reads (a view
 * is never available before its inputs); 0 otherwise. Dimension relations
 * (no event time) have none.
 */
export function availableAfterSeconds(catalog: Catalog, name: string, seen: Set<string> = new Set()): number {
  const r = catalog.relations[keyOf(name)];
  if (!r || !r.eventTime || seen.has(keyOf(name))) return 0;
  if (r.available) return r.available.seconds;
  if (r.kind !== 'view') return 0;
  seen.add(keyOf(name));
  let delay = 0;
  for (const d of r.dependsOn) delay = Math.max(delay, availableAfterSeconds(catalog, d, seen));
  return delay;
}

