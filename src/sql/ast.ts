/**
 * A small SQL AST: the shapes fsql's plans lower to, printed per dialect by
 * print.ts. Identifiers and literals are data here; only the printer turns
 * them into quoted, escaped text, so no input text is ever pasted into SQL.
 */
import type { DatePart, LiteralValue, ScalarType } from '../check/catalog.js';

export type SqlType = ScalarType;

export type SqlExpr =
  | { readonly k: 'col'; readonly table?: string; readonly name: string }
  /** A literal of a given type. TIMESTAMP literals are epoch microseconds, DATE literals epoch days. */
  | { readonly k: 'lit'; readonly value: LiteralValue; readonly type: SqlType | 'NULL' }
  | { readonly k: 'unary'; readonly op: '-' | 'NOT'; readonly e: SqlExpr }
  | {
      readonly k: 'bin';
      readonly op: '+' | '-' | '*' | '/' | '%' | '||' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR';
      readonly l: SqlExpr;
      readonly r: SqlExpr;
    }
  | { readonly k: 'is_null'; readonly e: SqlExpr; readonly negated: boolean }
  | { readonly k: 'in'; readonly e: SqlExpr; readonly list: readonly SqlExpr[]; readonly negated: boolean }
  | { readonly k: 'between'; readonly e: SqlExpr; readonly low: SqlExpr; readonly high: SqlExpr; readonly negated: boolean }
  | { readonly k: 'like'; readonly e: SqlExpr; readonly pattern: SqlExpr; readonly negated: boolean }
  | { readonly k: 'case'; readonly operand?: SqlExpr; readonly whens: readonly { readonly when: SqlExpr; readonly then: SqlExpr }[]; readonly else?: SqlExpr }
  /** A portable operation the dialect spells (its function table): COALESCE, LN, ROUND, EXTRACT_YEAR, … */
  | {
      readonly k: 'fn';
      readonly name: string;
      readonly args: readonly SqlExpr[];
      /** The arguments' types, where lowering knows them (the language's own functions): e.g. ROUND keeps an INTEGER an INTEGER. */
      readonly argTypes?: readonly (SqlType | 'NULL')[];
    }
  | { readonly k: 'cast'; readonly e: SqlExpr; readonly from: SqlType | 'NULL'; readonly to: SqlType }
  | { readonly k: 'extract'; readonly part: DatePart; readonly e: SqlExpr; readonly from: 'DATE' | 'TIMESTAMP' }
  | { readonly k: 'agg'; readonly fn: 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX'; readonly distinct: boolean; readonly arg?: SqlExpr; readonly type: SqlType }
  | { readonly k: 'row_number'; readonly partitionBy: readonly SqlExpr[]; readonly orderBy: readonly SqlOrder[] }
  /** MAX(e) OVER (PARTITION BY … ORDER BY … ROWS UNBOUNDED PRECEDING): a running maximum. */
  | { readonly k: 'running_max'; readonly e: SqlExpr; readonly partitionBy: readonly SqlExpr[]; readonly orderBy: readonly SqlOrder[] }
  /** SUM(e) OVER (PARTITION BY … ORDER BY … ROWS UNBOUNDED PRECEDING): a running total (prefix sums of windowed aggregates). */
  | { readonly k: 'running_sum'; readonly e: SqlExpr; readonly partitionBy: readonly SqlExpr[]; readonly orderBy: readonly SqlOrder[] }
  /**
   * `agg OVER (PARTITION BY … ORDER BY order RANGE BETWEEN … AND …)`: an aggregate over the rows whose
   * order value (a TIMESTAMP) lies in a frame ending at the row's own (windowed MIN / MAX / COUNT(DISTINCT)
   * over events ∪ spine, src/sql/lower-frames.ts). The frame starts `precedingMicros` before the row's value
   * (unbounded when absent) and ends at it, peers included — or 1 µs before it with `excludeCurrent`.
   */
  | { readonly k: 'framed'; readonly agg: SqlExpr; readonly partitionBy: readonly SqlExpr[]; readonly order: SqlExpr; readonly precedingMicros?: number; readonly excludeCurrent: boolean }
  /** LAG(e) OVER (PARTITION BY … ORDER BY …): the previous row's value, NULL on a partition's first row. */
  | { readonly k: 'lag'; readonly e: SqlExpr; readonly partitionBy: readonly SqlExpr[]; readonly orderBy: readonly SqlOrder[] }
  /** `CAST(e AS <the target's type>)` of a value already of that fsql type (a DuckDB HUGEINT running total back to BIGINT). */
  | { readonly k: 'as_type'; readonly e: SqlExpr; readonly type: SqlType }
  | { readonly k: 'subquery'; readonly q: SqlSelect }
  /** A time shifted back by a number of seconds: `t - INTERVAL …`. */
  | { readonly k: 'time_minus'; readonly e: SqlExpr; readonly seconds: number }
  /** A DATE value as a TIMESTAMP at midnight. */
  | { readonly k: 'date_to_timestamp'; readonly e: SqlExpr }
  /** A comparison that must use binary (code point) order for text. */
  | { readonly k: 'binary_text'; readonly e: SqlExpr }
  | { readonly k: 'star'; readonly table?: string }
  /**
   * A value bound when the statement runs (`@name` on SQLite), where the
   * dialect has `capabilities.namedParameters`: one prepared statement serves
   * many times and keys. Names are identifiers.
   */
  | { readonly k: 'param'; readonly name: string; readonly type: SqlType };

export interface SqlOrder {
  readonly e: SqlExpr;
  readonly desc: boolean;
  /** Explicit NULL placement; the printer emulates it where the dialect lacks NULLS FIRST/LAST. */
  readonly nulls: 'first' | 'last';
}

export type SqlFrom =
  | { readonly k: 'table'; readonly name: string; readonly alias?: string }
  | { readonly k: 'derived'; readonly q: SqlQuery; readonly alias: string };

export interface SqlJoin {
  readonly type: 'INNER' | 'LEFT' | 'ASOF LEFT';
  readonly from: SqlFrom;
  readonly on: SqlExpr;
  /**
   * The left side is known to be small (a few spine rows: a key-filtered
   * materialize) and should drive the join, probing the right side's index,
   * where the dialect can say so (`capabilities.forcedJoinOrder`).
   */
  readonly leftDrives?: boolean;
  /** `JOIN LATERAL (subquery)`: the subquery reads the columns of the tables before it (a per-row probe). */
  readonly lateral?: boolean;
}

export interface SqlSelectItem {
  readonly e: SqlExpr;
  readonly alias?: string;
}

export interface SqlSelect {
  readonly k: 'select';
  /**
   * Common table expressions. `materialized`: computed once, where the dialect
   * can say so (`AS MATERIALIZED`): SQLite otherwise inlines a CTE read once
   * into the outer query, and a column holding a correlated subquery is then
   * evaluated again at every reference.
   */
  readonly with?: readonly { readonly name: string; readonly q: SqlQuery; readonly materialized?: boolean }[];
  readonly distinct?: boolean;
  /** Ask for a sort-merge (shuffle) join of these tables or aliases, where the dialect has a hint for it (`Dialect.mergeJoinHint`). */
  readonly mergeJoin?: readonly string[];
  readonly items: readonly SqlSelectItem[];
  readonly from?: SqlFrom;
  readonly joins?: readonly SqlJoin[];
  readonly where?: SqlExpr;
  readonly groupBy?: readonly SqlExpr[];
  readonly having?: SqlExpr;
  readonly orderBy?: readonly SqlOrder[];
  /** `LIMIT n`: with `orderBy`, the first n rows of that order (a latest lookup's winning row). */
  readonly limit?: number;
}

export interface SqlUnion {
  readonly k: 'union';
  readonly all: boolean;
  readonly parts: readonly SqlSelect[];
}

export type SqlQuery = SqlSelect | SqlUnion;

export type SqlStatement =
  | { readonly k: 'query'; readonly q: SqlQuery }
  | { readonly k: 'create_view'; readonly name: string; readonly q: SqlQuery }
  | { readonly k: 'create_table_as'; readonly name: string; readonly q: SqlQuery }
  | { readonly k: 'create_index'; readonly name: string; readonly table: string; readonly columns: readonly string[] };

// ---- small constructors (keep lowering code readable) -------------------------

export const col = (name: string, table?: string): SqlExpr => (table === undefined ? { k: 'col', name } : { k: 'col', table, name });
export const lit = (value: LiteralValue, type: SqlType | 'NULL'): SqlExpr => ({ k: 'lit', value, type });
export const int = (n: number): SqlExpr => ({ k: 'lit', value: n, type: 'INTEGER' });
export const bin = (op: Extract<SqlExpr, { k: 'bin' }>['op'], l: SqlExpr, r: SqlExpr): SqlExpr => ({ k: 'bin', op, l, r });
export const and = (...es: (SqlExpr | undefined)[]): SqlExpr | undefined =>
  es.filter((e): e is SqlExpr => e !== undefined).reduce<SqlExpr | undefined>((acc, e) => (acc ? bin('AND', acc, e) : e), undefined);
export const fn = (name: string, ...args: SqlExpr[]): SqlExpr => ({ k: 'fn', name, args });
export const isNull = (e: SqlExpr, negated = false): SqlExpr => ({ k: 'is_null', e, negated });
export const caseWhen = (whens: { when: SqlExpr; then: SqlExpr }[], otherwise?: SqlExpr): SqlExpr =>
  otherwise === undefined ? { k: 'case', whens } : { k: 'case', whens, else: otherwise };
