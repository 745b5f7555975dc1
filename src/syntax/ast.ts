/**
 * The typed AST of an .fsql file. Plain, serialisable data: every node has a
 * `kind` (except small leaf records) and a `span`. Made by build.ts as the
 * parser (src/syntax/parser.ts) recognises the text; consumed by the formatter
 * and the checker.
 */
import type { Span } from '../diagnostics/diagnostic.js';

export type { Span };

/** The six types of the language. */
export type ScalarType = 'BOOLEAN' | 'INTEGER' | 'DOUBLE' | 'TEXT' | 'DATE' | 'TIMESTAMP';

export interface Identifier {
  readonly kind: 'identifier';
  /** The name as written (without the double quotes of a quoted identifier). */
  readonly text: string;
  /** Written as "quoted"; kept so the formatter round-trips spelling. */
  readonly quoted: boolean;
  readonly span: Span;
}

export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
  readonly span: Span;
}

export interface IntegerLiteral {
  readonly kind: 'integer';
  readonly value: number;
  readonly span: Span;
}

/** A type as written: `VARCHAR` is `{ type: 'TEXT', written: 'VARCHAR' }`. */
export interface TypeName {
  readonly kind: 'type';
  readonly type: ScalarType;
  readonly written: string;
  readonly span: Span;
}

export type DurationUnit = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY' | 'WEEK';

export interface Duration {
  readonly kind: 'duration';
  readonly amount: number;
  readonly unit: DurationUnit;
  /** As written (`DAYS`, `day`), for the formatter. */
  readonly writtenUnit: string;
  readonly seconds: number;
  readonly span: Span;
}

export interface ColumnDef {
  readonly kind: 'column_def';
  readonly name: Identifier;
  readonly type: TypeName;
  readonly notNull: boolean;
  readonly span: Span;
}

/** DESCRIPTION / OWNER / TAGS, allowed on every CREATE statement. */
export interface Metadata {
  readonly description?: StringLiteral;
  readonly owner?: StringLiteral;
  readonly tags?: readonly StringLiteral[];
}

/** A reference to a versioned object: `avg_amount_7d VERSION 2`. */
export interface VersionedRef {
  readonly kind: 'ref';
  readonly name: Identifier;
  readonly version?: IntegerLiteral;
  readonly span: Span;
}

// ---------------------------------------------------------------------------
// Statements

export interface EntityStatement extends Metadata {
  readonly kind: 'entity';
  readonly name: Identifier;
  readonly keys: readonly ColumnDef[];
  readonly span: Span;
}

export type SourceFormat = 'CSV' | 'PARQUET' | 'JSONL';

export type SourceOrigin =
  | { readonly kind: 'file'; readonly path: StringLiteral; readonly format?: { readonly value: SourceFormat; readonly span: Span }; readonly span: Span }
  | { readonly kind: 'table'; readonly name: readonly Identifier[]; readonly span: Span }
  | { readonly kind: 'stream'; readonly span: Span }
  /** `FROM KAFKA TOPIC 'name' [FORMAT JSON]`: a STREAM whose events are consumed from a Kafka topic. */
  | { readonly kind: 'kafka'; readonly topic: StringLiteral; readonly format?: { readonly value: KafkaFormat; readonly span: Span }; readonly span: Span };

/** How a Kafka message's value is read: one JSON object per message. */
export type KafkaFormat = 'JSON';

/**
 * When a relation's rows become available, beyond their event time:
 * `AVAILABLE AFTER 6 HOURS`, or `AVAILABLE AT END OF DAY` (a DATE event time).
 */
export type Availability =
  | { readonly kind: 'available_after'; readonly duration: Duration; readonly span: Span }
  | { readonly kind: 'available_end_of_day'; readonly span: Span };

export interface SourceStatement extends Metadata {
  readonly kind: 'source';
  readonly name: Identifier;
  readonly columns: readonly ColumnDef[];
  readonly origin: SourceOrigin;
  readonly eventTime?: Identifier;
  readonly available?: Availability;
  readonly span: Span;
}

export interface ViewStatement extends Metadata {
  readonly kind: 'view';
  readonly name: Identifier;
  readonly eventTime?: Identifier;
  readonly available?: Availability;
  readonly query: Select;
  readonly span: Span;
}

export type FillKind = 'MEAN' | 'MEDIAN' | 'MODE' | 'ZERO';

export type Fill =
  | { readonly kind: 'fill_stat'; readonly stat: FillKind; readonly span: Span }
  | { readonly kind: 'fill_value'; readonly value: Literal; readonly span: Span };

export type ScaleKind = 'STANDARD' | 'MINMAX' | 'ROBUST' | 'LOG';

export type Encoding =
  | { readonly kind: 'scale'; readonly method: ScaleKind; readonly span: Span }
  | { readonly kind: 'one_hot_top'; readonly top: IntegerLiteral; readonly span: Span }
  | { readonly kind: 'one_hot_values'; readonly values: readonly Literal[]; readonly span: Span };

export interface AsOf {
  readonly kind: 'as_of';
  readonly strict: boolean;
  readonly span: Span;
}

/** `ENTITY user [ON (buyer_id)]` */
export interface EntityBinding {
  readonly kind: 'entity_binding';
  readonly entity: Identifier;
  readonly on?: readonly Identifier[];
  readonly span: Span;
}

export interface FeatureStatement extends Metadata {
  readonly kind: 'feature';
  readonly name: Identifier;
  readonly version?: IntegerLiteral;
  readonly entity: EntityBinding;
  readonly from: Identifier;
  readonly value: Expr;
  readonly where?: Expr;
  readonly window?: Duration;
  readonly ttl?: Duration;
  /** `AS OF < t` (strict: a label at t does not see a row available at t) or `AS OF <= t` (the default, written out). */
  readonly asOf?: AsOf;
  readonly fill?: Fill;
  /** SCALE …, ONE_HOT … ; the grammar allows one clause of each, the checker rejects both together. */
  readonly scale?: Encoding & { readonly kind: 'scale' };
  readonly oneHot?: Encoding & { readonly kind: 'one_hot_top' | 'one_hot_values' };
  readonly span: Span;
}

export interface LabelStatement extends Metadata {
  readonly kind: 'label';
  readonly name: Identifier;
  readonly version?: IntegerLiteral;
  readonly entity: EntityBinding;
  readonly from: Identifier;
  readonly value: Expr;
  readonly where?: Expr;
  readonly span: Span;
}

export interface Sample {
  readonly kind: 'sample';
  /** 0 < percent <= 100, as written (may be a decimal). */
  readonly percent: number;
  readonly percentText: string;
  readonly seed?: IntegerLiteral;
  readonly span: Span;
}

export interface TrainingSetStatement extends Metadata {
  readonly kind: 'training_set';
  readonly name: Identifier;
  readonly version?: IntegerLiteral;
  readonly label: VersionedRef;
  readonly features: readonly VersionedRef[];
  readonly sample?: Sample;
  readonly span: Span;
}

export type Statement =
  | EntityStatement
  | SourceStatement
  | ViewStatement
  | FeatureStatement
  | LabelStatement
  | TrainingSetStatement;

/** A `-- line` or `/* block *\/` comment, kept so the formatter can put it back. */
export interface Comment {
  readonly kind: 'comment';
  readonly text: string;
  readonly span: Span;
}

export interface SourceFile {
  readonly kind: 'file';
  readonly path: string;
  /** The statements that parsed; a statement with a syntax error is left out (and diagnosed). */
  readonly statements: readonly Statement[];
  readonly comments: readonly Comment[];
  readonly span: Span;
}

// ---------------------------------------------------------------------------
// Queries (the portable SQL subset used by views)

export interface Select {
  readonly kind: 'select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: TableRef;
  readonly joins: readonly Join[];
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  readonly having?: Expr;
  readonly span: Span;
}

export type SelectItem =
  | { readonly kind: 'star'; readonly table?: Identifier; readonly span: Span }
  | { readonly kind: 'item'; readonly expr: Expr; readonly alias?: Identifier; readonly span: Span };

export interface TableRef {
  readonly kind: 'table_ref';
  readonly name: Identifier;
  readonly alias?: Identifier;
  readonly span: Span;
}

export interface Join {
  readonly kind: 'join';
  readonly type: 'INNER' | 'LEFT';
  readonly table: TableRef;
  readonly on: Expr;
  readonly span: Span;
}

// ---------------------------------------------------------------------------
// Expressions

export type Literal =
  | { readonly kind: 'literal'; readonly type: 'INTEGER'; readonly value: number; readonly text: string; readonly span: Span }
  | { readonly kind: 'literal'; readonly type: 'DOUBLE'; readonly value: number; readonly text: string; readonly span: Span }
  | { readonly kind: 'literal'; readonly type: 'TEXT'; readonly value: string; readonly text: string; readonly span: Span }
  | { readonly kind: 'literal'; readonly type: 'BOOLEAN'; readonly value: boolean; readonly text: string; readonly span: Span }
  | { readonly kind: 'literal'; readonly type: 'NULL'; readonly value: null; readonly text: string; readonly span: Span }
  /** DATE 'yyyy-mm-dd': value is the ISO date string. */
  | { readonly kind: 'literal'; readonly type: 'DATE'; readonly value: string; readonly text: string; readonly span: Span }
  /** TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.fff]': value is the normalised ISO string (UTC, no zone). */
  | { readonly kind: 'literal'; readonly type: 'TIMESTAMP'; readonly value: string; readonly text: string; readonly span: Span };

export interface ColumnRef {
  readonly kind: 'column';
  readonly table?: Identifier;
  readonly name: Identifier;
  readonly span: Span;
}

export type UnaryOp = '-' | '+' | 'NOT';
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';
export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type BinaryOp = ArithmeticOp | ComparisonOp | '||' | 'AND' | 'OR';

export interface Unary {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly span: Span;
}

export interface Binary {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

export interface IsNull {
  readonly kind: 'is_null';
  readonly operand: Expr;
  readonly negated: boolean;
  readonly span: Span;
}

export interface InList {
  readonly kind: 'in';
  readonly operand: Expr;
  readonly list: readonly Expr[];
  readonly negated: boolean;
  readonly span: Span;
}

export interface Between {
  readonly kind: 'between';
  readonly operand: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
  readonly span: Span;
}

export interface Like {
  readonly kind: 'like';
  readonly operand: Expr;
  readonly pattern: Expr;
  readonly negated: boolean;
  readonly span: Span;
}

export interface Case {
  readonly kind: 'case';
  readonly operand?: Expr;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else?: Expr;
  readonly span: Span;
}

export interface Cast {
  readonly kind: 'cast';
  readonly operand: Expr;
  readonly type: TypeName;
  readonly span: Span;
}

export type DatePart = 'YEAR' | 'QUARTER' | 'MONTH' | 'WEEK' | 'DAY' | 'DAYOFWEEK' | 'DAYOFYEAR' | 'HOUR' | 'MINUTE' | 'SECOND';

export interface Extract {
  readonly kind: 'extract';
  readonly part: DatePart;
  readonly partSpan: Span;
  /** As written (`dow` for DAYOFWEEK), for the formatter. */
  readonly writtenPart: string;
  readonly operand: Expr;
  readonly span: Span;
}

/** A function or aggregate call: `ROUND(x, 2)`, `COUNT(*)`, `COUNT(DISTINCT merchant)`. */
export interface Call {
  readonly kind: 'call';
  readonly name: Identifier;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  /** `COUNT(*)` */
  readonly star: boolean;
  readonly span: Span;
}

export interface Paren {
  readonly kind: 'paren';
  readonly inner: Expr;
  readonly span: Span;
}

export type Expr = Literal | ColumnRef | Unary | Binary | IsNull | InList | Between | Like | Case | Cast | Extract | Call | Paren;

export type Node = Statement | Expr | Select | SelectItem | TableRef | Join | SourceFile;
