/**
 * Snowflake, emitted only. TIMESTAMP is TIMESTAMP_NTZ (wall clock, no time
 * zone; microseconds fit its nanosecond precision). Strings compare by their
 * UTF-8 bytes (code points) unless a collation is set, so text needs none.
 *
 * Strategy: window functions over the union of event rows and spine rows for
 * latest values, and range joins grouped per spine row for windowed
 * aggregates: Snowflake runs correlated subqueries only when it can rewrite
 * them, which inequality predicates prevent.
 *
 * TEXT → TIMESTAMP relies on TIMESTAMP_INPUT_FORMAT = AUTO (the default).
 */
import type { DatePart } from '../../check/catalog.js';
import { ansi, formatDouble, paren, plainPattern, standardSubstr, TEXT_SHAPES, type Dialect } from '../dialect.js';

const PARTS: Record<DatePart, (e: string) => string> = {
  YEAR: (e) => `EXTRACT(YEAR FROM ${e})`,
  QUARTER: (e) => `EXTRACT(QUARTER FROM ${e})`,
  MONTH: (e) => `EXTRACT(MONTH FROM ${e})`,
  WEEK: (e) => `WEEKISO(${e})`,
  DAY: (e) => `EXTRACT(DAY FROM ${e})`,
  DAYOFWEEK: (e) => `DAYOFWEEKISO(${e})`,
  DAYOFYEAR: (e) => `DAYOFYEAR(${e})`,
  HOUR: (e) => `EXTRACT(HOUR FROM ${e})`,
  MINUTE: (e) => `EXTRACT(MINUTE FROM ${e})`,
  SECOND: (e) => `EXTRACT(SECOND FROM ${e})`,
};

/** Single-quoted strings read backslash escapes in Snowflake. */
function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\u0000/g, '\\0')}'`;
}

/** REGEXP_LIKE matches the whole string. */
const matches = (e: string, shape: string) => `REGEXP_LIKE(${e}, '${shape}')`;

export const snowflake: Dialect = {
  ...ansi,
  name: 'snowflake',
  quoteString,
  types: { BOOLEAN: 'BOOLEAN', INTEGER: 'BIGINT', DOUBLE: 'DOUBLE', TEXT: 'VARCHAR', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP_NTZ' },
  // A bare 1.5 is a fixed-point NUMBER in Snowflake.
  doubleLiteral: (v) => `CAST(${formatDouble(v)} AS DOUBLE)`,
  timestampLiteral(micros) {
    return ansi.timestampLiteral(micros).replace(/^TIMESTAMP /, 'TIMESTAMP_NTZ ');
  },
  functions: {
    ...ansi.functions,
    // ROUND rounds halves away from zero (HALF_AWAY_FROM_ZERO is the default mode).
    SUBSTR: (a) => standardSubstr('SUBSTR', a),
  },
  cast(e, from, to) {
    if (from === to) return e;
    if (from === 'NULL') return `CAST(NULL AS ${this.types[to]})`;
    switch (to) {
      case 'BOOLEAN':
        if (from === 'TEXT') return `(CASE ${e} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)`;
        return `(${paren(e)} <> 0)`;
      case 'INTEGER':
        if (from === 'BOOLEAN') return `(CASE WHEN ${paren(e)} THEN 1 WHEN NOT ${paren(e)} THEN 0 END)`;
        // CAST(FLOAT AS NUMBER) rounds; TRUNC first.
        if (from === 'DOUBLE') return `CAST(TRUNC(${e}) AS BIGINT)`;
        if (from === 'TEXT') {
          // BIGINT is NUMBER(38, 0) here: keep fsql's 64-bit range.
          return `(CASE WHEN ${matches(e, TEXT_SHAPES.INTEGER)} THEN CASE WHEN TRY_CAST(${e} AS NUMBER(38, 0)) BETWEEN -9223372036854775808 AND 9223372036854775807 THEN TRY_CAST(${e} AS BIGINT) END END)`;
        }
        return `CAST(${e} AS BIGINT)`;
      case 'DOUBLE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DOUBLE)} THEN TRY_CAST(${e} AS DOUBLE) END)`;
        return `CAST(${e} AS DOUBLE)`;
      case 'TEXT':
        if (from === 'DATE') return `TO_CHAR(${e}, 'YYYY-MM-DD')`;
        if (from === 'TIMESTAMP') {
          return `(CASE WHEN DATE_TRUNC('SECOND', ${e}) = ${e} THEN TO_CHAR(${e}, 'YYYY-MM-DD HH24:MI:SS') ELSE TO_CHAR(${e}, 'YYYY-MM-DD HH24:MI:SS.FF6') END)`;
        }
        return `CAST(${e} AS VARCHAR)`;
      case 'DATE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DATE)} THEN TRY_TO_DATE(${e}, 'YYYY-MM-DD') END)`;
        return `CAST(${e} AS DATE)`;
      case 'TIMESTAMP':
        if (from === 'TEXT') {
          return `(CASE WHEN ${matches(e, TEXT_SHAPES.TIMESTAMP)} THEN TRY_CAST(REPLACE(CASE WHEN LENGTH(${e}) = 16 THEN ${e} || ':00' ELSE ${e} END, 'T', ' ') AS TIMESTAMP_NTZ) END)`;
        }
        return `CAST(${e} AS TIMESTAMP_NTZ)`;
    }
  },
  extract: (part, e) => PARTS[part](e),
  timeMinus: (e, seconds) => `DATEADD(SECOND, ${-seconds}, ${e})`,
  dateToTimestamp: (e) => `CAST(${e} AS TIMESTAMP_NTZ)`,
  binaryText: (e) => e,
  // Whatever LIKE's default escape, an explicit ESCAPE makes backslashes ordinary characters.
  like: (e, p, negated) => `${e} ${negated ? 'NOT ' : ''}LIKE ${plainPattern(p) ? p : `REPLACE(${p}, '^', '^^') ESCAPE '^'`}`,
  aggregate(fn, arg, distinct, _type) {
    // AVG of a fixed-point NUMBER is a NUMBER with a limited scale; fsql's AVG is a DOUBLE.
    if (fn === 'AVG' && !distinct && arg !== undefined) return `AVG(CAST(${arg} AS DOUBLE))`;
    return `${fn}(${distinct ? 'DISTINCT ' : ''}${arg ?? '*'})`;
  },
  capabilities: { nullsOrdering: true, asofJoin: false, concatOperator: true },
  strategies: { latest: 'window', aggregate: 'prefix' },
};
