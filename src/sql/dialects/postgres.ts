/**
 * PostgreSQL (12+). Native BOOLEAN, BIGINT, DOUBLE PRECISION, TEXT, DATE and
 * TIMESTAMP (without time zone, microseconds): times are stored and compared
 * as UTC wall-clock values. Text comparisons and MIN/MAX use `COLLATE "C"`
 * (byte order of UTF-8 = code points) because the database's default
 * collation is usually linguistic.
 *
 * Strategy: correlated subqueries for latest values, which PostgreSQL runs as
 * index probes on (key, event time) indexes — one probe per spine row and
 * lookup — and one `LEFT JOIN LATERAL` per spine row and relation for windowed
 * aggregates (an index range scan of the widest window; `lateral`).
 *
 * Assumes `standard_conforming_strings = on` (the default since 9.1): a
 * backslash in a string literal is an ordinary character.
 */
import type { DatePart, ScalarType } from '../../check/catalog.js';
import { ansi, calendarCheck, formatDouble, paren, TEXT_SHAPES, UnsupportedError, type Dialect } from '../dialect.js';

const PARTS: Record<DatePart, string> = {
  YEAR: 'YEAR',
  QUARTER: 'QUARTER',
  MONTH: 'MONTH',
  WEEK: 'WEEK', // ISO 8601 week in PostgreSQL
  DAY: 'DAY',
  DAYOFWEEK: 'ISODOW',
  DAYOFYEAR: 'DOY',
  HOUR: 'HOUR',
  MINUTE: 'MINUTE',
  SECOND: 'SECOND',
};

const TYPES: Record<ScalarType, string> = {
  BOOLEAN: 'BOOLEAN',
  INTEGER: 'BIGINT',
  DOUBLE: 'DOUBLE PRECISION',
  TEXT: 'TEXT',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
};

/** PostgreSQL truncates names longer than 63 bytes (NAMEDATALEN − 1), which could make two names one. */
const MAX_NAME_BYTES = 63;

function noNul(what: string, value: string): void {
  if (value.includes('\u0000')) throw new UnsupportedError('postgres', `${what} containing the NUL character`);
}

/**
 * A string literal the planner cannot fold into a typed constant: PostgreSQL
 * types a bare `'…'` cast at parse time and would fail on invalid text even in
 * a CASE branch that is never taken.
 */
const asText = (e: string) => (e.startsWith("'") ? `CAST(${e} AS TEXT)` : e);

const matches = (e: string, shape: string) => `${e} ~ '^${shape}$'`;

const check = (e: string) =>
  calendarCheck(e, { substr: 'SUBSTR', int: (s) => `CAST(${s} AS INTEGER)`, mod: (a, b) => `${a} % ${b}`, minYear: 1 });

export const postgres: Dialect = {
  ...ansi,
  name: 'postgres',
  quoteIdentifier(name) {
    noNul('a name', name);
    if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) throw new UnsupportedError('postgres', `a name longer than ${MAX_NAME_BYTES} bytes (${JSON.stringify(name)})`);
    return `"${name.replace(/"/g, '""')}"`;
  },
  quoteString(value) {
    noNul('text', value);
    return `'${value.replace(/'/g, "''")}'`;
  },
  types: TYPES,
  // A bare 1.5 is NUMERIC in PostgreSQL; fsql's DOUBLE is binary floating point.
  doubleLiteral: (v) => `CAST(${formatDouble(v)} AS DOUBLE PRECISION)`,
  functions: {
    ...ansi.functions,
    // round(double) breaks ties to even and has no digits argument; NUMERIC rounds halves away from zero.
    ROUND: (a, types) => {
      const digits = a.length > 1 ? `, ${a[1]}` : '';
      const back = types?.[0] === 'INTEGER' ? 'BIGINT' : 'DOUBLE PRECISION';
      return `CAST(ROUND(CAST(${a[0]} AS NUMERIC)${digits}) AS ${back})`;
    },
    LENGTH: (a) => `CHAR_LENGTH(${a[0]})`,
    // substr() takes INTEGER (int4) positions: a BIGINT column has no substr(text, bigint) (issue 12). The
    // arithmetic stays BIGINT and the final arguments are capped at int4's maximum, which no text reaches (1 GB).
    // substr() is standard for starts below 1 but fails on a negative length.
    SUBSTR: (a) => {
      // Not LEAST / GREATEST, which ignore a NULL.
      const int4 = (x: string) => (/^\d+$/.test(x) ? x : `CAST(CASE WHEN ${x} > 2147483647 THEN 2147483647 ELSE ${x} END AS INTEGER)`);
      const start = paren(a[1]!);
      const from = /^[1-9]\d{0,8}$/.test(a[1]!) ? a[1]! : int4(`CASE WHEN ${start} < 1 THEN 1 ELSE ${start} END`);
      if (a.length < 3) return `SUBSTR(${a[0]}, ${from})`;
      const len = paren(a[2]!);
      const end = `${start} + ${len}`;
      return `SUBSTR(${a[0]}, ${from}, ${int4(`CASE WHEN ${len} < 0 OR ${end} < 1 THEN 0 WHEN ${start} < 1 THEN ${end} - 1 ELSE ${len} END`)})`;
    },
    TRUNC: (a) => `TRUNC(${a[0]})`,
  },
  cast(e, from, to) {
    if (from === to) return e;
    if (from === 'NULL') return `CAST(NULL AS ${TYPES[to]})`;
    switch (to) {
      case 'BOOLEAN':
        if (from === 'TEXT') return `(CASE ${e} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)`;
        return `(${paren(e)} <> 0)`;
      case 'INTEGER':
        // boolean → bigint has no direct cast; boolean → integer does.
        if (from === 'BOOLEAN') return `CAST(CAST(${e} AS INTEGER) AS BIGINT)`;
        if (from === 'DOUBLE') return `CAST(TRUNC(${e}) AS BIGINT)`;
        if (from === 'TEXT') {
          const t = asText(e);
          return `(CASE WHEN ${matches(e, TEXT_SHAPES.INTEGER)} THEN CASE WHEN CAST(${t} AS NUMERIC) BETWEEN -9223372036854775808 AND 9223372036854775807 THEN CAST(${t} AS BIGINT) END END)`;
        }
        return `CAST(${e} AS BIGINT)`;
      case 'DOUBLE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DOUBLE)} THEN CAST(${asText(e)} AS DOUBLE PRECISION) END)`;
        return `CAST(${e} AS DOUBLE PRECISION)`;
      case 'TEXT':
        if (from === 'DATE') return `TO_CHAR(${e}, 'YYYY-MM-DD')`;
        if (from === 'TIMESTAMP') {
          return `(CASE WHEN DATE_TRUNC('second', ${e}) = ${e} THEN TO_CHAR(${e}, 'YYYY-MM-DD HH24:MI:SS') ELSE TO_CHAR(${e}, 'YYYY-MM-DD HH24:MI:SS.US') END)`;
        }
        return `CAST(${e} AS TEXT)`;
      case 'DATE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DATE)} THEN CASE WHEN ${check(e)} THEN CAST(${asText(e)} AS DATE) END END)`;
        return `CAST(${e} AS DATE)`;
      case 'TIMESTAMP':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.TIMESTAMP)} THEN CASE WHEN ${check(e)} THEN CAST(${asText(e)} AS TIMESTAMP) END END)`;
        return `CAST(${e} AS TIMESTAMP)`;
    }
  },
  extract(part, e) {
    // EXTRACT gives NUMERIC (fractional seconds included); a NUMERIC → BIGINT cast rounds, so SECOND is floored first.
    if (part === 'SECOND') return `CAST(FLOOR(EXTRACT(SECOND FROM ${e})) AS BIGINT)`;
    return `CAST(EXTRACT(${PARTS[part]} FROM ${e}) AS BIGINT)`;
  },
  timeMinus: (e, seconds) => `(${e} - INTERVAL '${seconds} seconds')`,
  dateToTimestamp: (e) => `CAST(${e} AS TIMESTAMP)`,
  binaryText: (e) => `(${e} COLLATE "C")`,
  // LIKE's default escape character is the backslash; ESCAPE '' turns it off.
  like: (e, p, negated) => `${e} ${negated ? 'NOT ' : ''}LIKE ${p} ESCAPE ''`,
  aggregate(fn, arg, distinct, type) {
    const inner = `${distinct ? 'DISTINCT ' : ''}${arg ?? '*'}`;
    // SUM(bigint) is NUMERIC and AVG(bigint) NUMERIC in PostgreSQL.
    if (fn === 'SUM' && type === 'INTEGER') return `CAST(SUM(${inner}) AS BIGINT)`;
    if (fn === 'AVG' && !distinct && arg !== undefined) return `AVG(CAST(${arg} AS DOUBLE PRECISION))`;
    return `${fn}(${inner})`;
  },
  capabilities: { nullsOrdering: true, asofJoin: false, concatOperator: true, lateralJoin: true },
  // Windowed aggregates of a label or ad-hoc spine: one LEFT JOIN LATERAL per spine row and lookup group (the WHEREs
  // folded into the aggregates), an index range scan of the key's widest window computing all of them. Measured by
  // bench/engines.ts (docs/targets.md): 1M events, 20k labels, five windowed aggregates: range join grouped by spine
  // row 18–22 s, correlated 16–17 s, running totals 42 s, LATERAL 11–12 s. Entity spines keep one grouped scan.
  strategies: { latest: 'correlated', aggregate: 'lateral' },
};
