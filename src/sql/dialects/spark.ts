/**
 * Spark SQL 3.5. TIMESTAMP is TIMESTAMP_NTZ (3.4+): a wall-clock value with
 * microseconds that no session time zone shifts. Strings compare as UTF-8
 * bytes (code points), so text needs no collation.
 *
 * Strategy: window functions over the union of event rows and spine rows for
 * latest values, and range joins grouped per spine row for windowed
 * aggregates (measured faster than running totals here, docs/targets.md),
 * one per relation and keys whatever the aggregates' WHEREs (`foldWhere`):
 * Spark supports correlated subqueries with the inequality predicates
 * point-in-time lookups need only in limited forms, as non-equi joins.
 *
 * Works with `spark.sql.ansi.enabled` on or off: text casts use TRY_CAST.
 */
import type { DatePart } from '../../check/catalog.js';
import { ansi, exponentDouble, paren, plainPattern, standardSubstr, TEXT_SHAPES, type Dialect } from '../dialect.js';

const PART_FUNCTIONS: Record<DatePart, string> = {
  YEAR: 'YEAR',
  QUARTER: 'QUARTER',
  MONTH: 'MONTH',
  WEEK: 'WEEKOFYEAR', // ISO 8601 week
  DAY: 'DAYOFMONTH',
  DAYOFWEEK: 'WEEKDAY', // Monday = 0, so + 1 below
  DAYOFYEAR: 'DAYOFYEAR',
  HOUR: 'HOUR',
  MINUTE: 'MINUTE',
  SECOND: 'SECOND', // the function drops the fraction; EXTRACT(SECOND …) would keep it
};

/**
 * Spark string literals read backslash escapes, and `'a''b'` is two adjacent
 * literals ('a' 'b' → 'ab'), so quotes are escaped with a backslash.
 */
function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\u0000/g, '\\u0000')}'`;
}

/** Java regular expressions: `\z` because `$` also matches before a final newline. */
const matches = (e: string, shape: string) => `${e} RLIKE ${quoteString(`^${shape}\\z`)}`;

export const spark: Dialect = {
  ...ansi,
  name: 'spark',
  quoteIdentifier: (name) => `\`${name.replace(/`/g, '``')}\``,
  quoteString,
  types: { BOOLEAN: 'BOOLEAN', INTEGER: 'BIGINT', DOUBLE: 'DOUBLE', TEXT: 'STRING', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP_NTZ' },
  // A bare 1.5 is DECIMAL in Spark; with an exponent it is DOUBLE.
  doubleLiteral: exponentDouble,
  timestampLiteral(micros) {
    return ansi.timestampLiteral(micros).replace(/^TIMESTAMP /, 'TIMESTAMP_NTZ ');
  },
  functions: {
    ...ansi.functions,
    // ROUND is HALF_UP (away from zero) on the decimal form of a double, and keeps BIGINT a BIGINT.
    LENGTH: (a) => `CHAR_LENGTH(${a[0]})`,
    SUBSTR: (a) => standardSubstr('SUBSTRING', a),
    // trunc() is for dates in Spark; a cast to BIGINT truncates toward zero.
    TRUNC: (a) => `CAST(CAST(${a[0]} AS BIGINT) AS DOUBLE)`,
  },
  cast(e, from, to) {
    if (from === to) return e;
    if (from === 'NULL') return `CAST(NULL AS ${this.types[to]})`;
    switch (to) {
      case 'BOOLEAN':
        if (from === 'TEXT') return `(CASE ${e} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)`;
        return `(${paren(e)} <> 0)`;
      case 'INTEGER':
        // A DOUBLE → BIGINT cast truncates toward zero.
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.INTEGER)} THEN TRY_CAST(${e} AS BIGINT) END)`;
        return `CAST(${e} AS BIGINT)`;
      case 'DOUBLE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DOUBLE)} THEN TRY_CAST(${e} AS DOUBLE) END)`;
        return `CAST(${e} AS DOUBLE)`;
      case 'TEXT':
        if (from === 'TIMESTAMP') {
          // CAST(… AS STRING) drops trailing zeros of the fraction; fsql wants all six digits or none.
          return `(CASE WHEN DATE_FORMAT(${e}, 'SSSSSS') = '000000' THEN DATE_FORMAT(${e}, 'yyyy-MM-dd HH:mm:ss') ELSE DATE_FORMAT(${e}, 'yyyy-MM-dd HH:mm:ss.SSSSSS') END)`;
        }
        return `CAST(${e} AS STRING)`;
      case 'DATE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DATE)} THEN TRY_CAST(${e} AS DATE) END)`;
        return `CAST(${e} AS DATE)`;
      case 'TIMESTAMP':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.TIMESTAMP)} THEN TRY_CAST(${e} AS TIMESTAMP_NTZ) END)`;
        return `CAST(${e} AS TIMESTAMP_NTZ)`;
    }
  },
  extract(part, e) {
    const call = `${PART_FUNCTIONS[part]}(${e})`;
    return part === 'DAYOFWEEK' ? `(${call} + 1)` : call;
  },
  timeMinus: (e, seconds) => `(${e} - INTERVAL '${seconds}' SECOND)`,
  dateToTimestamp: (e) => `CAST(${e} AS TIMESTAMP_NTZ)`,
  binaryText: (e) => e,
  // The default LIKE escape character is the backslash: double the pattern's backslashes.
  like: (e, p, negated) => `${e} ${negated ? 'NOT ' : ''}LIKE ${plainPattern(p) ? p : `REPLACE(${p}, '\\\\', '\\\\\\\\')`}`,
  // ROW_NUMBER() is a 32-bit int in Spark: the SAMPLE hash ((row + seed) * 48271) overflowed it (a larger, other
  // sample; an error in ANSI mode), issue 12 item 1. As BIGINT every product of the hash fits.
  rowNumber: (window) => `CAST(ROW_NUMBER() OVER (${window}) AS BIGINT)`,
  capabilities: { nullsOrdering: true, asofJoin: false, concatOperator: true },
  // Range joins shuffled by key and grouped by (key, row): no second shuffle of the pairs (1M events: 17 s → 11–14 s).
  // A hint on one side names the join; a name that could end the comment (`*/`) is never put in it.
  mergeJoinHint: (tables) => {
    const safe = tables.filter((t) => !/\*\/|[\r\n]/.test(t));
    return safe.length > 0 ? `/*+ MERGE(${safe.join(', ')}) */` : '';
  },
  // Measured on Spark 4.0.1 (local[2], docs/targets.md): windowed aggregates as one range join per lookup group
  // (sort-merge on the key) took 11 s where running totals + two window probes (`prefix`) took 88 s (100k events,
  // 5k labels): every probe is another window sort of events ∪ spine. Latest values: the window over events ∪ spine.
  // Aggregates differing only in their WHERE share one range join (foldWhere): each join is a shuffle and sort of the events.
  strategies: { latest: 'window', aggregate: 'join', foldWhere: true },
};
