/**
 * A dialect is data plus a few overrides: how names and literals are written,
 * a type map, a function table, capability flags and the point-in-time
 * strategies that suit the engine. `ansi` holds the defaults; each target in
 * dialects/ spreads it and says only how it differs.
 */
import type { DatePart, ScalarType } from '../check/catalog.js';
import type { SqlExpr } from './ast.js';
import type { AggregateCosts } from './choose-aggregate.js';
import { dateText, timestampText } from '../values/time.js';

export type TargetName = 'sqlite' | 'duckdb' | 'postgres' | 'mysql' | 'spark' | 'bigquery' | 'snowflake' | 'trino';

export const targetNames: readonly TargetName[] = ['sqlite', 'duckdb', 'postgres', 'mysql', 'spark', 'bigquery', 'snowflake', 'trino'];

/** Thrown when a plan needs something a target really lacks; golden files record it as "unsupported". */
export class UnsupportedError extends Error {
  constructor(
    readonly target: TargetName,
    readonly what: string,
  ) {
    super(`${what} is not supported on ${target}`);
  }
}

/**
 * Spells a portable function over already-printed arguments. `types` are the
 * arguments' types when lowering knows them (calls written by the user).
 */
export type FunctionSpelling = (args: readonly string[], types?: readonly (ScalarType | 'NULL')[]) => string;

export interface Dialect {
  readonly name: TargetName;
  quoteIdentifier(name: string): string;
  quoteString(value: string): string;
  readonly types: Readonly<Record<ScalarType, string>>;
  booleanLiteral(value: boolean): string;
  doubleLiteral(value: number): string;
  /** Epoch microseconds as a TIMESTAMP literal. */
  timestampLiteral(micros: number): string;
  /** Epoch days as a DATE literal. */
  dateLiteral(days: number): string;
  /** `CAST(NULL AS type)` or the dialect's spelling of a typed NULL. */
  typedNull(type: ScalarType): string;
  /** The portable functions: COALESCE, NULLIF, ABS, ROUND, LOWER, UPPER, LENGTH, SUBSTR, LN, SIGN, CONCAT, MOD. */
  readonly functions: Readonly<Record<string, FunctionSpelling>>;
  /** CAST with fsql's semantics (docs/semantics.md §2): truncation, invalid text → NULL. */
  cast(e: string, from: ScalarType | 'NULL', to: ScalarType): string;
  extract(part: DatePart, e: string, from: 'DATE' | 'TIMESTAMP'): string;
  /** A time moved back by whole seconds. */
  timeMinus(e: string, seconds: number): string;
  /** A DATE as the TIMESTAMP of its midnight. */
  dateToTimestamp(e: string): string;
  /** Wraps a TEXT operand so comparisons and ordering use code-point order. */
  binaryText(e: string): string;
  /**
   * Optional: `e [NOT] LIKE pattern` where the engine's LIKE needs help (a
   * default escape character, a case-insensitive collation). `e` comes without
   * its binaryText wrapper; the spelling must match case-sensitively, `_` one
   * character, with no escape character. Without it: `binaryText(e) LIKE p`.
   */
  like?(e: string, pattern: string, negated: boolean): string;
  /**
   * Optional: an aggregate call, for engines whose SUM/AVG of integers or
   * MIN/MAX of binary text have other result types. `type` is the fsql result
   * type. Without it: `FN([DISTINCT] arg)`.
   */
  aggregate?(fn: 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX', arg: string | undefined, distinct: boolean, type: ScalarType): string;
  /**
   * Optional: prints an expression node the dialect's own way, seeing the
   * node (not printed text) — e.g. MySQL leaves a text column bare where
   * others wrap it in binaryText, so its index still serves the comparison.
   * `print` prints a sub-expression; undefined means the printer's default.
   */
  node?(e: SqlExpr, print: (e: SqlExpr) => string): string | undefined;
  /**
   * Optional: `ROW_NUMBER() OVER (window)` for engines whose ROW_NUMBER is
   * narrower than fsql's INTEGER (Spark: a 32-bit `int`, which overflows in
   * the SAMPLE hash, issue 12). `window` is the printed window specification.
   * Without it: `ROW_NUMBER() OVER (window)`.
   */
  rowNumber?(window: string): string;
  /**
   * Optional: the offset of a `RANGE BETWEEN <offset> PRECEDING` window frame
   * over a TIMESTAMP order key, `micros` microseconds (SQLite: the integer;
   * DuckDB: an INTERVAL). Needed by `strategies.frames`.
   */
  rangeOffset?(micros: number): string;
  readonly capabilities: {
    /** `ORDER BY x NULLS FIRST`; otherwise emulated with an `x IS NULL` key. */
    readonly nullsOrdering: boolean;
    /** DuckDB's `ASOF LEFT JOIN`. */
    readonly asofJoin: boolean;
    /** `a || b` concatenates (MySQL reads it as OR). */
    readonly concatOperator: boolean;
    /** A duplicate-removing union must be written `UNION DISTINCT` (BigQuery has no bare UNION). */
    readonly unionDistinct?: boolean;
    /** `WITH x AS MATERIALIZED (…)` keeps a CTE from being inlined (SQLite 3.35+). */
    readonly materializedCte?: boolean;
    /**
     * `a CROSS JOIN b ON …` is an inner join that keeps `a` as the outer loop
     * (SQLite). Used for joins marked `leftDrives`: SQLite cannot estimate a
     * materialized CTE's size, and otherwise may scan a whole event table to
     * probe a spine of one key.
     */
    readonly forcedJoinOrder?: boolean;
    /** `@name` parameters bound by the engine (`param` nodes); without it a plan is printed with literals only. */
    readonly namedParameters?: boolean;
    /** `JOIN LATERAL (subquery)` (PostgreSQL; not SQLite or MariaDB): needed by the `lateral` aggregate strategy. */
    readonly lateralJoin?: boolean;
  };
  /**
   * Optional: the hint asking for a sort-merge join of the given (quoted) tables, e.g. Spark's `/*+ MERGE(a, b) *\/`.
   * With it, a `join`-strategy range join is shuffled by key and grouped by key and spine row, so the grouping needs
   * no second shuffle of the joined pairs (measured on Spark, docs/targets.md); without it, grouped by spine row.
   */
  readonly mergeJoinHint?: (tables: readonly string[]) => string;
  /** How point-in-time lookups are written for this engine (docs/targets.md says why). */
  readonly strategies: {
    readonly latest: 'correlated' | 'asof' | 'window';
    /**
     * `prefix`: windowed COUNT / SUM / AVG of a label or ad-hoc spine from
     * running totals per key over the time-sorted rows, two as-of probes per
     * spine row (ASOF JOIN where the engine has it, else a running maximum
     * over rows ∪ spine); the other aggregates, and every aggregate of an
     * entity spine (one time), take the `join` path.
     * `lateral` (PostgreSQL): per spine row and lookup group, one `LEFT JOIN
     * LATERAL` subquery over the widest window — an index range scan of the
     * key's rows computing every aggregate of the group — instead of a range
     * join grouped by spine row; entity spines take the `join` path.
     */
    readonly aggregate: 'correlated' | 'join' | 'prefix' | 'lateral';
    /**
     * Windowed aggregates of a label or ad-hoc spine (many times) read from
     * window frames over the relation's rows ∪ the spine's probe times,
     * `agg OVER (PARTITION BY key ORDER BY time RANGE BETWEEN w − 1 µs
     * PRECEDING AND CURRENT ROW)` (src/sql/lower-frames.ts), instead of a
     * range join: `minMax` for MIN / MAX (a segment tree on DuckDB, a sliding
     * index on SQLite); COUNT(DISTINCT) as a frame (`'frames'`: engines with
     * DISTINCT window aggregates), as a correlated subquery per spine row
     * (`'correlated'`: an index range probe, where the range join's GROUP BY
     * would sort every (spine row, event) pair: SQLite), or by the range join
     * (`'join'`). Needs `rangeOffset`.
     */
    readonly frames?: { readonly minMax: boolean; readonly countDistinct: 'frames' | 'correlated' | 'join' };
    /**
     * With `aggregate: 'prefix'`: the engine's cost constants, by which a plan
     * compiled with relation statistics (`CompileOptions.relationStatistics`)
     * chooses running totals or the range join per lookup group
     * (src/sql/choose-aggregate.ts). Without statistics, `prefix` as above.
     */
    readonly aggregateCosts?: AggregateCosts;
    /**
     * `join`: windowed aggregates of one relation and keys that differ only in
     * their WHERE share one range join over the widest window, each WHERE
     * folded into its aggregate as `CASE WHEN` (as `lateral` always does),
     * instead of one range join per WHERE. For engines where each join is a
     * shuffle and sort of the relation (Spark), not an index range scan.
     */
    readonly foldWhere?: boolean;
  };
}

const quoteDouble = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteSingle = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function formatDouble(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a SQL number`);
  const s = String(value);
  return /[.eE]/.test(s) ? s.replace('e+', 'E').replace('e-', 'E-') : `${s}.0`;
}

/** The defaults: standard SQL as most engines read it. */
export const ansi: Dialect = {
  name: 'trino',
  quoteIdentifier: quoteDouble,
  quoteString: quoteSingle,
  types: { BOOLEAN: 'BOOLEAN', INTEGER: 'BIGINT', DOUBLE: 'DOUBLE', TEXT: 'VARCHAR', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP' },
  booleanLiteral: (b) => (b ? 'TRUE' : 'FALSE'),
  doubleLiteral: formatDouble,
  timestampLiteral: (micros) => `TIMESTAMP '${timestampText(micros, ' ', 'six')}'`,
  dateLiteral: (days) => `DATE '${dateText(days)}'`,
  typedNull(type) {
    return `CAST(NULL AS ${this.types[type]})`;
  },
  functions: {
    COALESCE: (a) => `COALESCE(${a.join(', ')})`,
    NULLIF: (a) => `NULLIF(${a.join(', ')})`,
    ABS: (a) => `ABS(${a[0]})`,
    ROUND: (a) => `ROUND(${a.join(', ')})`,
    LOWER: (a) => `LOWER(${a[0]})`,
    UPPER: (a) => `UPPER(${a[0]})`,
    LENGTH: (a) => `LENGTH(${a[0]})`,
    SUBSTR: (a) => `SUBSTR(${a.join(', ')})`,
    LN: (a) => `LN(${a[0]})`,
    SIGN: (a) => `SIGN(${a[0]})`,
    MOD: (a) => `((${a[0]}) % (${a[1]}))`,
    CONCAT: (a) => `(${a.map((x) => `(${x})`).join(' || ')})`,
    TRUNC: (a) => `TRUNC(${a[0]})`,
  },
  cast(e, from, to) {
    if (from === to) return e;
    if (from === 'DOUBLE' && to === 'INTEGER') return `CAST(TRUNC(${e}) AS ${this.types.INTEGER})`;
    if (from === 'TEXT' && to !== 'TEXT') return `TRY_CAST(${e} AS ${this.types[to]})`;
    return `CAST(${e} AS ${this.types[to]})`;
  },
  extract(part, e) {
    const name: Record<DatePart, string> = {
      YEAR: 'YEAR',
      QUARTER: 'QUARTER',
      MONTH: 'MONTH',
      WEEK: 'WEEK',
      DAY: 'DAY',
      DAYOFWEEK: 'DAY_OF_WEEK',
      DAYOFYEAR: 'DAY_OF_YEAR',
      HOUR: 'HOUR',
      MINUTE: 'MINUTE',
      SECOND: 'SECOND',
    };
    return `EXTRACT(${name[part]} FROM ${e})`;
  },
  timeMinus: (e, seconds) => `(${e} - INTERVAL '${seconds}' SECOND)`,
  dateToTimestamp(e) {
    return `CAST(${e} AS ${this.types.TIMESTAMP})`;
  },
  binaryText: (e) => e,
  capabilities: { nullsOrdering: true, asofJoin: false, concatOperator: true },
  strategies: { latest: 'window', aggregate: 'join' },
};

// ---- helpers shared by the dialect files --------------------------------------

/**
 * The text each CAST(TEXT AS …) accepts (docs/semantics.md §2), as regular
 * expressions without anchors and without backslashes (so they need no
 * escaping in any engine's string literals).
 */
export const TEXT_SHAPES = {
  INTEGER: '[+-]?[0-9]+',
  DOUBLE: '[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?',
  DATE: '[0-9]{4}-[0-9]{2}-[0-9]{2}',
  TIMESTAMP: '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?',
} as const;

/** A printed expression in parentheses unless it is a (qualified) name or a number. */
export function paren(e: string): string {
  const part = '(?:[\\w.]+|"(?:[^"]|"")*"|`(?:[^`]|``)*`)';
  return new RegExp(`^${part}(?:[.]${part})*$`).test(e) ? e : `(${e})`;
}

/**
 * SUBSTR with the SQL standard's meaning (the characters at positions
 * [start, start + len) that exist; a start of 0 or below is not counted from
 * the end), for engines whose SUBSTR reads such starts otherwise.
 */
export function standardSubstr(fn: string, a: readonly string[]): string {
  const start = paren(a[1]!);
  const from = `CASE WHEN ${start} < 1 THEN 1 ELSE ${start} END`;
  if (a.length < 3) return `${fn}(${a[0]}, ${from})`;
  const end = `${start} + ${paren(a[2]!)}`;
  const len = paren(a[2]!);
  return `${fn}(${a[0]}, ${from}, CASE WHEN ${len} < 0 OR ${end} < 1 THEN 0 WHEN ${start} < 1 THEN ${end} - 1 ELSE ${len} END)`;
}

/**
 * For text already shaped `YYYY-MM-DD…`: the month is 1–12, the day exists in
 * that month, and any time of day is in range. For engines whose date parsing
 * fails the query on impossible dates instead of giving NULL.
 */
export function calendarCheck(e: string, spell: { substr: string; int: (s: string) => string; mod: (a: string, b: string) => string; minYear?: number }): string {
  const part = (from: number, len: number) => `${spell.substr}(${e}, ${from}, ${len})`;
  const y = spell.int(part(1, 4));
  const m = spell.int(part(6, 2));
  const d = spell.int(part(9, 2));
  const leap = `${spell.mod(y, '4')} = 0 AND (${spell.mod(y, '100')} <> 0 OR ${spell.mod(y, '400')} = 0)`;
  const days = `CASE WHEN ${m} = 2 THEN CASE WHEN ${leap} THEN 29 ELSE 28 END WHEN ${m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END`;
  const time = `${part(12, 2)} <= '23' AND ${part(15, 2)} <= '59' AND ${part(18, 2)} <= '59'`;
  return `${spell.minYear !== undefined ? `${y} >= ${spell.minYear} AND ` : ''}${m} BETWEEN 1 AND 12 AND ${d} BETWEEN 1 AND ${days} AND ${time}`;
}

/** A printed LIKE pattern that is one plain literal without backslashes, so an engine's default escape character cannot matter. */
export function plainPattern(p: string): boolean {
  return /^'(?:[^'\\]|'')*'$/.test(p);
}

/** A DOUBLE literal with an exponent, which MySQL, Spark and Trino read as a double rather than a decimal. */
export function exponentDouble(value: number): string {
  const s = formatDouble(value);
  return s.includes('E') ? s : `${s}E0`;
}
