/**
 * A dialect is data plus a few overrides: how names and literals are written,
 * a type map, a function table, capability flags and the point-in-time
 * strategies that suit the engine. `ansi` holds the defaults; each target in
 * dialects/ spreads it and says only how it differs.
 */
import type { DatePart, ScalarType } from '../check/catalog.js';

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

/** Spells a portable function over already-printed arguments. */
export type FunctionSpelling = (args: readonly string[]) => string;

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
  readonly capabilities: {
    /** `ORDER BY x NULLS FIRST`; otherwise emulated with an `x IS NULL` key. */
    readonly nullsOrdering: boolean;
    /** DuckDB's `ASOF LEFT JOIN`. */
    readonly asofJoin: boolean;
    /** `a || b` concatenates (MySQL reads it as OR). */
    readonly concatOperator: boolean;
  };
  /** How point-in-time lookups are written for this engine (docs/targets.md says why). */
  readonly strategies: {
    readonly latest: 'correlated' | 'asof' | 'window';
    readonly aggregate: 'correlated' | 'join';
  };
}

const quoteDouble = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteSingle = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function formatDouble(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a SQL number`);
  const s = String(value);
  return /[.eE]/.test(s) ? s.replace('e+', 'E').replace('e-', 'E-') : `${s}.0`;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` for epoch microseconds (UTC). */
export function timestampText(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const rest = micros - ms * 1000;
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const frac = d.getUTCMilliseconds() * 1000 + rest;
  return frac === 0 ? base : `${base}.${pad(frac, 6)}`;
}

/** `YYYY-MM-DD` for epoch days. */
export function dateText(days: number): string {
  return timestampText(days * 86_400_000_000).slice(0, 10);
}

/** The defaults: standard SQL as most engines read it. */
export const ansi: Dialect = {
  name: 'trino',
  quoteIdentifier: quoteDouble,
  quoteString: quoteSingle,
  types: { BOOLEAN: 'BOOLEAN', INTEGER: 'BIGINT', DOUBLE: 'DOUBLE', TEXT: 'VARCHAR', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP' },
  booleanLiteral: (b) => (b ? 'TRUE' : 'FALSE'),
  doubleLiteral: formatDouble,
  timestampLiteral: (micros) => `TIMESTAMP '${timestampText(micros)}'`,
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
