/**
 * Trino, emitted only. TIMESTAMP is TIMESTAMP(6) (Trino's plain TIMESTAMP has
 * millisecond precision), without time zone. VARCHAR compares by code points,
 * so text needs no collation. `ansi` is written for Trino: most defaults hold.
 *
 * Strategy: window functions over the union of event rows and spine rows for
 * latest values, and range joins grouped per spine row for windowed
 * aggregates: Trino rejects correlated subqueries it cannot decorrelate,
 * which inequality predicates on time make likely.
 */
import { ansi, exponentDouble, paren, standardSubstr, TEXT_SHAPES, type Dialect } from '../dialect.js';

/** Trino's regular expressions are Java's: `\z` because `$` also matches before a final newline. */
const matches = (e: string, shape: string) => `REGEXP_LIKE(${e}, '^${shape}\\z')`;

export const trino: Dialect = {
  ...ansi,
  name: 'trino',
  types: { BOOLEAN: 'BOOLEAN', INTEGER: 'BIGINT', DOUBLE: 'DOUBLE', TEXT: 'VARCHAR', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP(6)' },
  // A bare 1.5 is DECIMAL in Trino; with an exponent it is DOUBLE.
  doubleLiteral: exponentDouble,
  functions: {
    ...ansi.functions,
    // round() rounds halves away from zero and keeps BIGINT a BIGINT.
    SUBSTR: (a) => standardSubstr('SUBSTR', a),
    TRUNC: (a) => `TRUNCATE(${a[0]})`,
  },
  cast(e, from, to) {
    if (from === to) return e;
    if (from === 'NULL') return `CAST(NULL AS ${this.types[to]})`;
    switch (to) {
      case 'BOOLEAN':
        if (from === 'TEXT') return `(CASE ${e} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)`;
        return `(${paren(e)} <> 0)`;
      case 'INTEGER':
        // CAST(DOUBLE AS BIGINT) rounds; truncate first.
        if (from === 'DOUBLE') return `CAST(TRUNCATE(${e}) AS BIGINT)`;
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.INTEGER)} THEN TRY_CAST(${e} AS BIGINT) END)`;
        return `CAST(${e} AS BIGINT)`;
      case 'DOUBLE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DOUBLE)} THEN TRY_CAST(${e} AS DOUBLE) END)`;
        return `CAST(${e} AS DOUBLE)`;
      case 'TEXT':
        // TIMESTAMP(6) prints all six fraction digits; whole seconds keep only the first 19 characters.
        if (from === 'TIMESTAMP') return `(CASE WHEN DATE_TRUNC('second', ${e}) = ${e} THEN SUBSTR(CAST(${e} AS VARCHAR), 1, 19) ELSE CAST(${e} AS VARCHAR) END)`;
        return `CAST(${e} AS VARCHAR)`;
      case 'DATE':
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.DATE)} THEN TRY_CAST(${e} AS DATE) END)`;
        return `CAST(${e} AS DATE)`;
      case 'TIMESTAMP':
        // Trino's timestamp text has a space, not 'T', between date and time.
        if (from === 'TEXT') return `(CASE WHEN ${matches(e, TEXT_SHAPES.TIMESTAMP)} THEN TRY_CAST(REPLACE(${e}, 'T', ' ') AS TIMESTAMP(6)) END)`;
        return `CAST(${e} AS TIMESTAMP(6))`;
    }
  },
  // ansi's EXTRACT parts are Trino's: WEEK is the ISO week, DAY_OF_WEEK ISO (Monday = 1); all BIGINT.
  binaryText: (e) => e,
  capabilities: { nullsOrdering: true, asofJoin: false, concatOperator: true },
  strategies: { latest: 'window', aggregate: 'prefix' },
};
