/**
 * SQLite (the embedded default). Storage: BOOLEAN as 0/1, DATE as epoch days,
 * TIMESTAMP as epoch microseconds, all INTEGER — so point-in-time comparisons
 * are integer comparisons an index on (key, time) answers directly.
 * Strategy: correlated subqueries, which SQLite runs as index probes.
 */
import type { AggregateCosts } from '../choose-aggregate.js';
import type { DatePart } from '../../check/catalog.js';
import { MICROS_PER_DAY } from '../../values/time.js';
import { ansi, calendarCheck, standardSubstr, type Dialect } from '../dialect.js';

/** Seconds since the epoch, as SQLite's date functions want them. */
function unixSeconds(e: string, from: 'DATE' | 'TIMESTAMP'): string {
  return from === 'DATE' ? `(${e} * 86400)` : `(${e} / 1000000)`;
}

const STRFTIME: Partial<Record<DatePart, string>> = {
  YEAR: '%Y',
  MONTH: '%m',
  DAY: '%d',
  HOUR: '%H',
  MINUTE: '%M',
  SECOND: '%S',
  DAYOFYEAR: '%j',
  WEEK: '%V',
};

const DIGIT = '[0-9]';
const DATE_GLOB = `${DIGIT.repeat(4)}-${DIGIT.repeat(2)}-${DIGIT.repeat(2)}`;
/** The shapes of timestamp text (docs/semantics.md §2) as GLOB patterns: SQLite has no regular expressions. */
const TIMESTAMP_GLOBS = [
  DATE_GLOB,
  `${DATE_GLOB}[ T]${DIGIT.repeat(2)}:${DIGIT.repeat(2)}`,
  `${DATE_GLOB}[ T]${DIGIT.repeat(2)}:${DIGIT.repeat(2)}:${DIGIT.repeat(2)}`,
  ...[1, 2, 3, 4, 5, 6].map((n) => `${DATE_GLOB}[ T]${DIGIT.repeat(2)}:${DIGIT.repeat(2)}:${DIGIT.repeat(2)}.${DIGIT.repeat(n)}`),
];

const calendar = (e: string) => calendarCheck(e, { substr: 'substr', int: (x) => `CAST(${x} AS INTEGER)`, mod: (a, b) => `(${a} % ${b})` });

/** Digits only, at least one (the text of an unsigned integer). */
const digits = (e: string) => `(${e} <> '' AND ${e} NOT GLOB '*[^0-9]*')`;

/**
 * `[+-]?[0-9]+` within the 64-bit range: SQLite's CAST would read ' 12',
 * '12abc' (as 12) and clamp '9223372036854775808'. The magnitude's digits
 * (leading zeros dropped) are compared as text of equal length with the limit.
 */
function integerText(e: string): string {
  const signed = `substr(${e}, 1, 1) IN ('+', '-')`;
  const body = `(CASE WHEN ${signed} THEN substr(${e}, 2) ELSE ${e} END)`;
  const magnitude = `ltrim(${body}, '0')`;
  const limit = `(CASE WHEN substr(${e}, 1, 1) = '-' THEN '9223372036854775808' ELSE '9223372036854775807' END)`;
  return `${digits(body)} AND (length(${magnitude}) < 19 OR (length(${magnitude}) = 19 AND ${magnitude} <= ${limit}))`;
}

/** `[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?`, spelled with GLOB, instr and substr. */
function doubleText(e: string): string {
  const at = `instr(lower(${e}), 'e')`;
  const mantissa = `(CASE WHEN ${at} > 0 THEN substr(${e}, 1, ${at} - 1) ELSE ${e} END)`;
  const unsigned = `(CASE WHEN substr(${mantissa}, 1, 1) IN ('+', '-') THEN substr(${mantissa}, 2) ELSE ${mantissa} END)`;
  const exponent = `substr(${e}, ${at} + 1)`;
  const expDigits = `(CASE WHEN substr(${exponent}, 1, 1) IN ('+', '-') THEN substr(${exponent}, 2) ELSE ${exponent} END)`;
  const oneDot = `length(${unsigned}) - length(replace(${unsigned}, '.', '')) <= 1`;
  return `(${unsigned} NOT GLOB '*[^0-9.]*' AND ${unsigned} GLOB '*[0-9]*' AND ${oneDot} AND (${at} = 0 OR ${digits(expDigits)}))`;
}

/**
 * Running totals or range join, from statistics (src/sql/choose-aggregate.ts):
 * cost constants fitted to measurements, docs/targets.md "Choosing from statistics".
 */
const SQLITE_COSTS: AggregateCosts = { row: 14_000, doubleRow: 45_000, rowProbe: 1500, labelProbe: 5000, pair: 1900, label: 5000, rangeScan: true };

export const sqlite: Dialect = {
  ...ansi,
  name: 'sqlite',
  types: { BOOLEAN: 'INTEGER', INTEGER: 'INTEGER', DOUBLE: 'REAL', TEXT: 'TEXT', DATE: 'INTEGER', TIMESTAMP: 'INTEGER' },
  booleanLiteral: (b) => (b ? '1' : '0'),
  timestampLiteral: (micros) => String(micros),
  dateLiteral: (days) => String(days),
  typedNull: () => 'NULL',
  functions: {
    ...ansi.functions,
    TRUNC: (a) => `CAST(${a[0]} AS INTEGER)`,
    // substr() counts a start below 1 from the end (-1: the last character); the standard does not.
    SUBSTR: (a) => standardSubstr('substr', a),
  },
  cast(e, from, to) {
    if (from === to || from === 'NULL') return from === 'NULL' ? 'NULL' : e;
    switch (to) {
      case 'INTEGER':
        if (from === 'TEXT') return `(CASE WHEN ${integerText(e)} THEN CAST(${e} AS INTEGER) END)`;
        if (from === 'BOOLEAN') return e;
        return `CAST(${e} AS INTEGER)`;
      case 'DOUBLE':
        if (from === 'TEXT') return `(CASE WHEN ${doubleText(e)} THEN CAST(${e} AS REAL) END)`;
        return `CAST(${e} AS REAL)`;
      case 'BOOLEAN':
        if (from === 'TEXT') return `(CASE ${e} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)`;
        return `(CASE WHEN ${e} IS NULL THEN NULL WHEN ${e} <> 0 THEN 1 ELSE 0 END)`;
      case 'TEXT':
        if (from === 'BOOLEAN') return `(CASE WHEN ${e} IS NULL THEN NULL WHEN ${e} THEN 'true' ELSE 'false' END)`;
        if (from === 'DATE') return `date(${e} * 86400, 'unixepoch')`;
        if (from === 'TIMESTAMP') {
          return `(strftime('%Y-%m-%d %H:%M:%S', ${e} / 1000000 - (${e} % 1000000 < 0), 'unixepoch') || CASE WHEN ${e} % 1000000 = 0 THEN '' ELSE '.' || substr('000000' || ((${e} % 1000000 + 1000000) % 1000000), -6) END)`;
        }
        return `CAST(${e} AS TEXT)`;
      case 'DATE':
        // Only exactly YYYY-MM-DD of a real day (semantics §2): date() would read ' 2024-01-01' and roll 02-30 over.
        if (from === 'TEXT') return `(CASE WHEN ${e} GLOB '${DATE_GLOB}' AND ${calendar(e)} THEN CAST(julianday(${e}) - 2440587.5 AS INTEGER) END)`;
        // TIMESTAMP → DATE: floor division of microseconds by a day.
        return `((${e} - (((${e} % ${MICROS_PER_DAY}) + ${MICROS_PER_DAY}) % ${MICROS_PER_DAY})) / ${MICROS_PER_DAY})`;
      case 'TIMESTAMP':
        if (from === 'DATE') return `(${e} * ${MICROS_PER_DAY})`;
        // TEXT → TIMESTAMP: exactly YYYY-MM-DD[( |T)HH:MM[:SS[.f{1,6}]]] of a real day and time; whole seconds from
        // strftime, plus the fraction if any.
        return `(CASE WHEN (${TIMESTAMP_GLOBS.map((g) => `${e} GLOB '${g}'`).join(' OR ')}) AND ${calendar(e)} THEN CAST(strftime('%s', ${e}) AS INTEGER) * 1000000 + CASE WHEN instr(${e}, '.') > 0 THEN CAST(substr(substr(${e}, instr(${e}, '.') + 1) || '000000', 1, 6) AS INTEGER) ELSE 0 END END)`;
    }
  },
  extract(part, e, from) {
    const s = unixSeconds(e, from);
    if (part === 'QUARTER') return `((CAST(strftime('%m', ${s}, 'unixepoch') AS INTEGER) + 2) / 3)`;
    if (part === 'DAYOFWEEK') return `(((CAST(strftime('%w', ${s}, 'unixepoch') AS INTEGER) + 6) % 7) + 1)`;
    return `CAST(strftime('${STRFTIME[part]}', ${s}, 'unixepoch') AS INTEGER)`;
  },
  timeMinus: (e, seconds) => `(${e} - ${seconds * 1_000_000})`,
  dateToTimestamp: (e) => `(${e} * ${MICROS_PER_DAY})`,
  binaryText: (e) => e,
  capabilities: { nullsOrdering: true, asofJoin: false, concatOperator: true, materializedCte: true, forcedJoinOrder: true, namedParameters: true },
  rangeOffset: (micros) => String(micros),
  strategies: { latest: 'correlated', aggregate: 'prefix', aggregateCosts: SQLITE_COSTS, frames: { minMax: true, countDistinct: 'correlated' } },
};
