/**
 * SQLite (the embedded default). Storage: BOOLEAN as 0/1, DATE as epoch days,
 * TIMESTAMP as epoch microseconds, all INTEGER — so point-in-time comparisons
 * are integer comparisons an index on (key, time) answers directly.
 * Strategy: correlated subqueries, which SQLite runs as index probes.
 */
import type { DatePart } from '../../check/catalog.js';
import { MICROS_PER_DAY } from '../../values/time.js';
import { ansi, type Dialect } from '../dialect.js';

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
  },
  cast(e, from, to) {
    if (from === to || from === 'NULL') return from === 'NULL' ? 'NULL' : e;
    switch (to) {
      case 'INTEGER':
        if (from === 'TEXT') return `(CASE WHEN trim(${e}) GLOB '[0-9]*' OR trim(${e}) GLOB '[+-][0-9]*' THEN CASE WHEN trim(${e}) GLOB '*[^0-9]*' AND NOT (substr(trim(${e}), 1, 1) IN ('+', '-') AND NOT substr(trim(${e}), 2) GLOB '*[^0-9]*') THEN NULL ELSE CAST(trim(${e}) AS INTEGER) END END)`;
        if (from === 'BOOLEAN') return e;
        return `CAST(${e} AS INTEGER)`;
      case 'DOUBLE':
        if (from === 'TEXT') return `(CASE WHEN trim(${e}) <> '' AND CAST(trim(${e}) AS REAL) || '' <> '' AND trim(${e}) NOT GLOB '*[^0-9eE.+-]*' THEN CAST(trim(${e}) AS REAL) END)`;
        return `CAST(${e} AS REAL)`;
      case 'BOOLEAN':
        if (from === 'TEXT') return `(CASE lower(trim(${e})) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)`;
        return `(CASE WHEN ${e} IS NULL THEN NULL WHEN ${e} <> 0 THEN 1 ELSE 0 END)`;
      case 'TEXT':
        if (from === 'BOOLEAN') return `(CASE WHEN ${e} IS NULL THEN NULL WHEN ${e} THEN 'true' ELSE 'false' END)`;
        if (from === 'DATE') return `date(${e} * 86400, 'unixepoch')`;
        if (from === 'TIMESTAMP') {
          return `(strftime('%Y-%m-%d %H:%M:%S', ${e} / 1000000 - (${e} % 1000000 < 0), 'unixepoch') || CASE WHEN ${e} % 1000000 = 0 THEN '' ELSE '.' || substr('000000' || ((${e} % 1000000 + 1000000) % 1000000), -6) END)`;
        }
        return `CAST(${e} AS TEXT)`;
      case 'DATE':
        if (from === 'TEXT') return `(CAST(julianday(date(trim(${e}))) - 2440587.5 AS INTEGER))`;
        // TIMESTAMP → DATE: floor division of microseconds by a day.
        return `((${e} - (((${e} % ${MICROS_PER_DAY}) + ${MICROS_PER_DAY}) % ${MICROS_PER_DAY})) / ${MICROS_PER_DAY})`;
      case 'TIMESTAMP':
        if (from === 'DATE') return `(${e} * ${MICROS_PER_DAY})`;
        // TEXT → TIMESTAMP: whole seconds from strftime, plus the fraction if any.
        return `(CASE WHEN strftime('%s', trim(${e})) IS NULL THEN NULL ELSE CAST(strftime('%s', trim(${e})) AS INTEGER) * 1000000 + CASE WHEN instr(trim(${e}), '.') > 0 THEN CAST(substr(substr(trim(${e}), instr(trim(${e}), '.') + 1) || '000000', 1, 6) AS INTEGER) ELSE 0 END END)`;
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
  strategies: { latest: 'correlated', aggregate: 'join' },
};
