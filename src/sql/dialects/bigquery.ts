/**
 * BigQuery (GoogleSQL), emitted only. TIMESTAMP is DATETIME: a civil
 * date-time with microseconds and no time zone (BigQuery's TIMESTAMP is an
 * absolute instant). Strings compare by code points, so text needs no
 * collation.
 *
 * Strategy: window functions over the union of event rows and spine rows for
 * latest values, and range joins grouped per spine row for windowed
 * aggregates: BigQuery rejects correlated subqueries with inequality
 * predicates.
 */
import type { DatePart } from '../../check/catalog.js';
import { ansi, paren, plainPattern, standardSubstr, TEXT_SHAPES, type Dialect } from '../dialect.js';

const PARTS: Record<DatePart, string> = {
  YEAR: 'YEAR',
  QUARTER: 'QUARTER',
  MONTH: 'MONTH',
  WEEK: 'ISOWEEK',
  DAY: 'DAY',
  DAYOFWEEK: 'DAYOFWEEK', // Sunday = 1 … Saturday = 7; shifted to ISO below
  DAYOFYEAR: 'DAYOFYEAR',
  HOUR: 'HOUR',
  MINUTE: 'MINUTE',
  SECOND: 'SECOND',
};

/** Backslash escapes, as GoogleSQL reads them in quoted strings and quoted names (which may not hold a raw newline). */
function escape(value: string, quote: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

const matches = (e: string, shape: string) => `REGEXP_CONTAINS(${e}, '^${shape}$')`;

export const bigquery: Dialect = {
  ...ansi,
  name: 'bigquery',
  quoteIdentifier: (name) => escape(name, '`'),
  quoteString: (value) => escape(value, "'"),
  types: { BOOLEAN: 'BOOL', INTEGER: 'INT64', DOUBLE: 'FLOAT64', TEXT: 'STRING', DATE: 'DATE', TIMESTAMP: 'DATETIME' },
  timestampLiteral(micros) {
    return ansi.timestampLiteral(micros).replace(/^TIMESTAMP /, 'DATETIME ');
  },
  functions: {
    ...ansi.functions,
    // ROUND(FLOAT64) rounds halves away from zero; ROUND(INT64) would give FLOAT64, so integers round as NUMERIC.
    ROUND: (a, types) => {
      if (types?.[0] !== 'INTEGER') return `ROUND(${a.join(', ')})`;
      return a.length < 2 ? a[0]! : `CAST(ROUND(CAST(${a[0]} AS NUMERIC), ${a[1]}) AS INT64)`;
    },
    SUBSTR: (a) => standardSubstr('SUBSTR', a),
    // No % operator in GoogleSQL.
    MOD: (a) => `MOD(${a[0]}, ${a[1]})`,
  },
  cast(e, from, to) {
    if (from === to) return e;
    if (from === 'NULL') return `CAST(NULL AS ${this.types[to]})`;
    switch (to) {
      case 'BOOLEAN':
        if (from === 'TEXT') return `(CASE ${e} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)`;
        return `(${paren(e)} <> 0)`;
      case 'INTEGER':
        // CAST(FLOAT64 AS INT64) rounds; TRUNC first.
        if (from === 'DOUBLE') return `CAST(TRUNC(${e}) AS INT64)`;
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.INTEGER)} THEN SAFE_CAST(${e} AS INT64) END)`;
        return `CAST(${e} AS INT64)`;
      case 'DOUBLE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DOUBLE)} THEN SAFE_CAST(${e} AS FLOAT64) END)`;
        return `CAST(${e} AS FLOAT64)`;
      case 'TEXT':
        if (from === 'TIMESTAMP') {
          return `(CASE WHEN DATETIME_TRUNC(${e}, SECOND) = ${e} THEN FORMAT_DATETIME('%Y-%m-%d %H:%M:%S', ${e}) ELSE FORMAT_DATETIME('%Y-%m-%d %H:%M:%E6S', ${e}) END)`;
        }
        return `CAST(${e} AS STRING)`;
      case 'DATE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DATE)} THEN SAFE_CAST(${e} AS DATE) END)`;
        return `CAST(${e} AS DATE)`;
      case 'TIMESTAMP':
        // The canonical DATETIME text needs seconds: 'YYYY-MM-DD HH:MM' gets ':00'.
        if (from === 'TEXT') {
          return `(CASE WHEN ${matches(e, TEXT_SHAPES.TIMESTAMP)} THEN SAFE_CAST(CASE WHEN LENGTH(${e}) = 16 THEN ${e} || ':00' ELSE ${e} END AS DATETIME) END)`;
        }
        return `CAST(${e} AS DATETIME)`;
    }
  },
  extract(part, e) {
    const x = `EXTRACT(${PARTS[part]} FROM ${e})`;
    return part === 'DAYOFWEEK' ? `(MOD(${x} + 5, 7) + 1)` : x;
  },
  timeMinus: (e, seconds) => `DATETIME_SUB(${e}, INTERVAL ${seconds} SECOND)`,
  dateToTimestamp: (e) => `CAST(${e} AS DATETIME)`,
  binaryText: (e) => e,
  // LIKE reads backslash escapes in the pattern: double the pattern's backslashes.
  like: (e, p, negated) => `${e} ${negated ? 'NOT ' : ''}LIKE ${plainPattern(p) ? p : `REPLACE(${p}, '\\\\', '\\\\\\\\')`}`,
  capabilities: { nullsOrdering: true, asofJoin: false, concatOperator: true, unionDistinct: true },
  strategies: { latest: 'window', aggregate: 'prefix' },
};
