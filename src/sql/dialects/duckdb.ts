/**
 * DuckDB (the embedded analytical engine). Native DATE/TIMESTAMP types.
 * Strategy: ASOF LEFT JOIN for latest values (one de-duplicated row set and
 * one sort-merge join per relation, keys and WHERE) and one range join per
 * such group for windowed aggregates, each aggregate restricted to its own
 * window with CASE. Measured in bench/ (training workload): correlated
 * subqueries, which DuckDB unnests itself, ran 2.8× slower than the range join.
 */
import type { AggregateCosts } from '../choose-aggregate.js';
import type { DatePart } from '../../check/catalog.js';
import { ansi, standardSubstr, TEXT_SHAPES, type Dialect } from '../dialect.js';

const PARTS: Record<DatePart, string> = {
  YEAR: 'year',
  QUARTER: 'quarter',
  MONTH: 'month',
  WEEK: 'week',
  DAY: 'day',
  DAYOFWEEK: 'isodow',
  DAYOFYEAR: 'doy',
  HOUR: 'hour',
  MINUTE: 'minute',
  SECOND: 'second',
};

/**
 * Running totals or range join, from statistics (src/sql/choose-aggregate.ts):
 * cost constants fitted to measurements, docs/targets.md "Choosing from statistics".
 */
const DUCKDB_COSTS: AggregateCosts = { row: 6000, doubleRow: 0, rowProbe: 500, labelProbe: 2000, pair: 35, label: 2000, rangeScan: false };

export const duckdb: Dialect = {
  ...ansi,
  name: 'duckdb',
  types: { BOOLEAN: 'BOOLEAN', INTEGER: 'BIGINT', DOUBLE: 'DOUBLE', TEXT: 'VARCHAR', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP' },
  functions: {
    ...ansi.functions,
    TRUNC: (a) => `trunc(${a[0]})`,
    // substring() counts a start below 1 from the end; the standard does not.
    SUBSTR: (a) => standardSubstr('SUBSTR', a),
  },
  cast(e, from, to) {
    if (from === to) return e;
    if (from === 'TEXT' && to !== 'TEXT') {
      // TRY_CAST reads more than semantics §2 allows (' 12', 'TRUE', 't', '2024-1-5'): the shape is checked first.
      const shape = to === 'BOOLEAN' ? 'true|false' : TEXT_SHAPES[to];
      return `(CASE WHEN regexp_full_match(${e}, '${shape}') THEN TRY_CAST(${e} AS ${this.types[to]}) END)`;
    }
    // DuckDB prints a fraction without its trailing zeros (.25); semantics §2 wants six digits when there is one.
    if (from === 'TIMESTAMP' && to === 'TEXT') return `(CASE WHEN date_trunc('second', ${e}) = ${e} THEN strftime(${e}, '%Y-%m-%d %H:%M:%S') ELSE strftime(${e}, '%Y-%m-%d %H:%M:%S.%f') END)`;
    return ansi.cast.call(this, e, from, to);
  },
  extract: (part, e) => `CAST(EXTRACT(${PARTS[part]} FROM ${e}) AS BIGINT)`,
  timeMinus: (e, seconds) => `(${e} - INTERVAL ${seconds} SECOND)`,
  rangeOffset: (micros) => `(INTERVAL (${micros}) MICROSECOND)`,
  capabilities: { nullsOrdering: true, asofJoin: true, concatOperator: true },
  strategies: { latest: 'asof', aggregate: 'prefix', aggregateCosts: DUCKDB_COSTS, frames: { minMax: true, countDistinct: 'frames' } },
};
