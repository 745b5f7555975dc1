/**
 * MySQL 8 and MariaDB 10.6+. BOOLEAN is TINYINT(1) (TRUE = 1), TIMESTAMP is
 * DATETIME(6): a wall-clock value with microseconds and no time-zone
 * conversion (MySQL's TIMESTAMP type would convert through the session time
 * zone). Text is utf8mb4; the type map gives text columns a binary collation
 * so key joins and GROUP BY are case- and accent-sensitive, and expressions
 * compare text as `CAST(e AS BINARY)` — UTF-8 bytes, i.e. code points, with no
 * trailing-space padding — whatever the column's collation.
 *
 * Strategy: correlated subqueries, which InnoDB answers with index probes on
 * (key, event time) indexes.
 *
 * Assumes the default sql_mode (no NO_BACKSLASH_ESCAPES): backslashes in
 * string literals are escapes, and are escaped here.
 */
import type { DatePart, ScalarType } from '../../check/catalog.js';
import { ansi, calendarCheck, exponentDouble, paren, plainPattern, standardSubstr, TEXT_SHAPES, UnsupportedError, type Dialect } from '../dialect.js';

/** The type names CAST accepts, which are not the column types. */
const CAST_TYPES: Record<ScalarType, string> = {
  BOOLEAN: 'SIGNED',
  INTEGER: 'SIGNED',
  DOUBLE: 'DOUBLE',
  TEXT: 'CHAR',
  DATE: 'DATE',
  TIMESTAMP: 'DATETIME(6)',
};

const PART_FUNCTIONS: Record<DatePart, (e: string) => string> = {
  YEAR: (e) => `YEAR(${e})`,
  QUARTER: (e) => `QUARTER(${e})`,
  MONTH: (e) => `MONTH(${e})`,
  // Mode 3: weeks start on Monday, week 1 has 4+ days of the year — ISO 8601.
  WEEK: (e) => `WEEK(${e}, 3)`,
  DAY: (e) => `DAYOFMONTH(${e})`,
  // WEEKDAY: Monday = 0 … Sunday = 6.
  DAYOFWEEK: (e) => `(WEEKDAY(${e}) + 1)`,
  DAYOFYEAR: (e) => `DAYOFYEAR(${e})`,
  HOUR: (e) => `HOUR(${e})`,
  MINUTE: (e) => `MINUTE(${e})`,
  SECOND: (e) => `SECOND(${e})`,
};

/** MySQL's limit for table and column names. */
const MAX_NAME_CHARS = 64;

/** A string literal: backslash and NUL escaped, quotes doubled. */
function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\u0000/g, '\\0')}'`;
}

/** A case-sensitive regular-expression match (REGEXP follows the operand's collation otherwise). `\z`: `$` would also match before a final newline. */
const matches = (e: string, shape: string) => `CONVERT(${e} USING utf8mb4) COLLATE utf8mb4_bin REGEXP ${quoteString(`^${shape}\\z`)}`;

const check = (e: string) => calendarCheck(e, { substr: 'SUBSTRING', int: (s) => `CAST(${s} AS SIGNED)`, mod: (a, b) => `MOD(${a}, ${b})` });

export const mysql: Dialect = {
  ...ansi,
  name: 'mysql',
  quoteIdentifier(name) {
    // MySQL names are BMP characters other than NUL, and may not end with a space.
    if (/[\u0000\uD800-\uDFFF]/.test(name)) throw new UnsupportedError('mysql', `a name with NUL or a character outside the Basic Multilingual Plane (${JSON.stringify(name)})`);
    if (name.endsWith(' ')) throw new UnsupportedError('mysql', `a name ending with a space (${JSON.stringify(name)})`);
    if ([...name].length > MAX_NAME_CHARS) throw new UnsupportedError('mysql', `a name longer than ${MAX_NAME_CHARS} characters (${JSON.stringify(name)})`);
    return `\`${name.replace(/`/g, '``')}\``;
  },
  quoteString,
  types: {
    BOOLEAN: 'BOOLEAN',
    INTEGER: 'BIGINT',
    DOUBLE: 'DOUBLE',
    // VARCHAR, not TEXT: (key, time) indexes need a bounded length (3072-byte index keys).
    TEXT: 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
    DATE: 'DATE',
    TIMESTAMP: 'DATETIME(6)',
  },
  // A bare 1.5 is DECIMAL in MySQL; with an exponent it is DOUBLE.
  doubleLiteral: exponentDouble,
  typedNull: (type) => `CAST(NULL AS ${CAST_TYPES[type]})`,
  functions: {
    ...ansi.functions,
    ROUND: (a, types) => {
      const digits = a.length > 1 ? a[1]! : '0';
      // Exact values round halves away from zero; doubles follow the C library (ties to even), so go through DECIMAL.
      if (types?.[0] === 'INTEGER') return `ROUND(${a[0]}, ${digits})`;
      const x = paren(a[0]!);
      return `(CASE WHEN ABS(${x}) < 1E30 THEN CAST(ROUND(CAST(${x} AS DECIMAL(65, 30)), ${digits}) AS DOUBLE) ELSE ${x} END)`;
    },
    LENGTH: (a) => `CHAR_LENGTH(${a[0]})`,
    SUBSTR: (a) => standardSubstr('SUBSTRING', a),
    TRUNC: (a) => `TRUNCATE(${a[0]}, 0)`,
    MOD: (a) => `MOD(${a[0]}, ${a[1]})`,
    // `||` is OR in MySQL's default mode.
    CONCAT: (a) => `CONCAT(${a.join(', ')})`,
  },
  cast(e, from, to) {
    if (from === to) return e;
    if (from === 'NULL') return `CAST(NULL AS ${CAST_TYPES[to]})`;
    switch (to) {
      case 'BOOLEAN':
        if (from === 'TEXT') return `(CASE CAST(${e} AS BINARY) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)`;
        return `(${paren(e)} <> 0)`;
      case 'INTEGER':
        if (from === 'DOUBLE') return `CAST(TRUNCATE(${e}, 0) AS SIGNED)`;
        if (from === 'TEXT') {
          // CAST(… AS SIGNED) clamps out-of-range text to the limits; DECIMAL(65, 0) sees the real value.
          return `(CASE WHEN ${matches(e, TEXT_SHAPES.INTEGER)} THEN CASE WHEN CHAR_LENGTH(${e}) <= 64 AND CAST(${e} AS DECIMAL(65, 0)) BETWEEN -9223372036854775808 AND 9223372036854775807 THEN CAST(${e} AS SIGNED) END END)`;
        }
        return `CAST(${e} AS SIGNED)`;
      case 'DOUBLE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DOUBLE)} THEN CAST(${e} AS DOUBLE) END)`;
        return `CAST(${e} AS DOUBLE)`;
      case 'TEXT':
        if (from === 'BOOLEAN') return `(CASE WHEN ${paren(e)} THEN 'true' WHEN NOT ${paren(e)} THEN 'false' END)`;
        if (from === 'DATE') return `DATE_FORMAT(${e}, '%Y-%m-%d')`;
        if (from === 'TIMESTAMP') {
          return `(CASE WHEN MICROSECOND(${e}) = 0 THEN DATE_FORMAT(${e}, '%Y-%m-%d %H:%i:%s') ELSE DATE_FORMAT(${e}, '%Y-%m-%d %H:%i:%s.%f') END)`;
        }
        return `CAST(${e} AS CHAR)`;
      case 'DATE':
        // Impossible dates would be NULL with a warning, and an error when the result is stored in strict mode: check first.
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DATE)} THEN CASE WHEN ${check(e)} THEN CAST(${e} AS DATE) END END)`;
        return `CAST(${e} AS DATE)`;
      case 'TIMESTAMP':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.TIMESTAMP)} THEN CASE WHEN ${check(e)} THEN CAST(${e} AS DATETIME(6)) END END)`;
        return `CAST(${e} AS DATETIME(6))`;
    }
  },
  extract: (part, e) => PART_FUNCTIONS[part](e),
  timeMinus: (e, seconds) => `(${e} - INTERVAL ${seconds} SECOND)`,
  dateToTimestamp: (e) => `CAST(${e} AS DATETIME(6))`,
  binaryText: (e) => `CAST(${e} AS BINARY)`,
  // A binary collation keeps LIKE case-sensitive while `_` still matches one character (not one byte);
  // the default escape character is the backslash, so backslashes in the pattern are doubled.
  like: (e, p, negated) =>
    `CONVERT(${e} USING utf8mb4) COLLATE utf8mb4_bin ${negated ? 'NOT ' : ''}LIKE ${plainPattern(p) ? p : `REPLACE(${p}, '\\\\', '\\\\\\\\')`}`,
  aggregate(fn, arg, distinct, type) {
    const inner = `${distinct ? 'DISTINCT ' : ''}${arg ?? '*'}`;
    // SUM of integers is DECIMAL, AVG of integers a DECIMAL with 4 decimals; MIN/MAX of binary text are bytes.
    if (fn === 'SUM' && type === 'INTEGER') return `CAST(SUM(${inner}) AS SIGNED)`;
    if (fn === 'AVG' && !distinct && arg !== undefined) return `AVG(CAST(${arg} AS DOUBLE))`;
    if ((fn === 'MIN' || fn === 'MAX') && type === 'TEXT') return `CONVERT(${fn}(${inner}) USING utf8mb4)`;
    return `${fn}(${inner})`;
  },
  node(e, print) {
    switch (e.k) {
      // A text column, or a text literal, compared or ordered: bare. Text columns have a binary no-pad collation (what
      // the mysql engine creates, docs/offline-engines.md), so the column's own collation already compares code points
      // — and its index still serves the comparison, which `CAST(… AS BINARY)` would disable (issue 12 item 4). A
      // literal takes the other operand's collation. Other expressions keep the CAST.
      case 'binary_text':
        if (e.e.k === 'col' || (e.e.k === 'lit' && e.e.type === 'TEXT')) return print(e.e);
        return undefined;
      // CAST takes SIGNED, not BIGINT.
      case 'as_type':
        return `CAST(${print(e.e)} AS ${CAST_TYPES[e.type]})`;
      default:
        return undefined;
    }
  },
  capabilities: { nullsOrdering: false, asofJoin: false, concatOperator: false },
  strategies: { latest: 'correlated', aggregate: 'correlated' },
};
