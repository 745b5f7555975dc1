/**
 * The canonical value representation shared by every engine and the test
 * suite's reference evaluator (test/reference/values.ts):
 *
 * - INTEGER, DOUBLE → number
 * - TEXT → string
 * - BOOLEAN → boolean
 * - TIMESTAMP → integer number of MICROSECONDS since 1970-01-01 00:00:00 UTC
 * - DATE → integer number of DAYS since 1970-01-01
 * - NULL → null
 *
 * This module checks values on their way in (`inputValue`) and converts what
 * an engine hands back on the way out (`outputValue`, `inferValue`). Engine
 * specific objects (DuckDB's date and timestamp classes, …) are reduced to
 * plain numbers, bigints, strings or booleans by the engine first.
 */
import type { ColumnInfo, ScalarType } from '../check/catalog.js';
import { dateText, isoDate, isoTimestamp, MICROS_PER_DAY, parseDateText, parseTimestampText, timestampText } from '../values/time.js';

// Dates and times as text are converted in one place, src/values/time.ts; re-exported for the callers of this module.
export { dateText, isoDate, isoTimestamp, MICROS_PER_DAY, parseDateText, parseTimestampText, timestampText };

export type Value = number | string | boolean | null;
export type Row = Record<string, Value>;

/** A result column whose values `Engine.query` converts to the canonical representation. */
export interface QueryColumn {
  readonly name: string;
  readonly type: ScalarType;
}


/** The largest magnitude a 64-bit INTEGER holds, as a number (2^63). */
const INT64_LIMIT = 2 ** 63;

/** A row that `insertRows` refuses: names the (1-based) row, the column and the reason. */
export class BadRowError extends Error {
  constructor(
    readonly row: number,
    readonly column: string,
    readonly reason: string,
  ) {
    super(`row ${row}, column ${column}: ${reason}`);
    this.name = 'BadRowError';
  }
}

/** A value an engine returned that cannot be read as the type the caller expected. */
export class ValueConversionError extends Error {
  constructor(
    readonly column: string,
    readonly type: ScalarType,
    readonly value: unknown,
  ) {
    super(`column ${column}: cannot read ${describe(value)} as ${type}`);
    this.name = 'ValueConversionError';
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object' && v !== null) return `${v.constructor?.name ?? 'object'} ${String(v)}`;
  return String(v);
}

// ---------------------------------------------------------------------------
// In: values given to insertRows

type Check = (v: unknown) => boolean;

const checks: Readonly<Record<ScalarType, readonly [Check, string]>> = {
  INTEGER: [(v) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < INT64_LIMIT, 'a 64-bit integer'],
  DOUBLE: [(v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'],
  TEXT: [(v) => typeof v === 'string', 'a string'],
  BOOLEAN: [(v) => typeof v === 'boolean', 'a boolean'],
  // DuckDB's DATE holds ±2^31 days; keep well inside it (years ±5 million).
  DATE: [(v) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2_000_000_000, 'a whole number of days since 1970-01-01'],
  TIMESTAMP: [(v) => typeof v === 'number' && Number.isSafeInteger(v), 'a whole number of microseconds since 1970-01-01'],
};

/**
 * A checker for values of one column: returns the value (undefined reads as
 * NULL, -0 as 0) or throws BadRowError naming the 1-based row and the reason.
 */
export function inputChecker(column: ColumnInfo): (v: unknown, row: number) => Value {
  const [ok, what] = checks[column.type];
  const nullable = column.nullable;
  const numeric = column.type !== 'TEXT' && column.type !== 'BOOLEAN';
  return (v, row) => {
    if (v === null || v === undefined) {
      if (nullable) return null;
      throw new BadRowError(row, column.name, 'NULL in a NOT NULL column');
    }
    if (!ok(v)) throw new BadRowError(row, column.name, `${describe(v)} is not ${what}`);
    return numeric && v === 0 ? 0 : (v as Value);
  };
}

/** Checks one value for a column (see inputChecker). */
export function inputValue(v: unknown, column: ColumnInfo, row: number): Value {
  return inputChecker(column)(v, row);
}

// ---------------------------------------------------------------------------
// Out: values read back from an engine

const normalZero = (n: number) => (n === 0 ? 0 : n);

/**
 * Converts a plain value an engine returned (number, bigint, string, boolean,
 * null) to the canonical representation of `type`. Representation differences
 * are converted (0/1 → boolean, bigint → number, REAL 3.0 → 3, date text →
 * days); a value that cannot be of the type (text for a number, …) throws
 * ValueConversionError rather than being guessed at.
 *
 * bigints beyond 2^53 become the nearest number: the canonical representation
 * has no exact form for them.
 */
export function outputValue(v: unknown, type: ScalarType, column: string): Value {
  if (v === null || v === undefined) return null;
  const fail = (): never => {
    throw new ValueConversionError(column, type, v);
  };
  switch (type) {
    case 'INTEGER':
    case 'DOUBLE':
      if (typeof v === 'number') return normalZero(v);
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'boolean') return v ? 1 : 0;
      return fail();
    case 'TEXT':
      if (typeof v === 'string') return v;
      return fail();
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      if (typeof v === 'bigint') return v !== 0n;
      if (v === 'true' || v === 'false') return v === 'true';
      return fail();
    case 'DATE':
      if (typeof v === 'number') return normalZero(v);
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string') {
        const micros = parseTimestampText(v);
        return parseDateText(v) ?? (micros === undefined ? fail() : Math.floor(micros / MICROS_PER_DAY));
      }
      return fail();
    case 'TIMESTAMP':
      if (typeof v === 'number') return normalZero(v);
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string') {
        const days = parseDateText(v);
        return parseTimestampText(v) ?? (days === undefined ? fail() : days * MICROS_PER_DAY);
      }
      return fail();
  }
}

/**
 * Converts a plain value without a known type: bigints become numbers (the
 * nearest one beyond 2^53, as SQLite's own integer reads do); byte arrays
 * become hex text; other objects their text.
 */
export function inferValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v === 0 ? 0 : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return String(v);
}

/**
 * Builds a row converter for a result with the given column names: typed
 * columns through `outputValue`, the others through `inferValue`. Every
 * expected column must be in the result.
 */
export function rowConverter(names: readonly string[], columns: readonly QueryColumn[] | undefined): ((v: unknown) => Value)[] {
  const types = new Map<string, ScalarType>();
  for (const c of columns ?? []) types.set(c.name, c.type);
  for (const c of columns ?? []) {
    if (!names.includes(c.name)) throw new Error(`the query result has no column ${c.name} (it has ${names.join(', ') || 'none'})`);
  }
  return names.map((name) => {
    const type = types.get(name);
    if (type === undefined) return inferValue;
    const slow = (v: unknown) => outputValue(v, type, name);
    // Fast paths for the values engines usually return; everything else goes through outputValue.
    switch (type) {
      case 'TEXT':
        return (v) => (typeof v === 'string' ? v : slow(v));
      case 'BOOLEAN':
        return (v) => (typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : slow(v));
      default:
        return (v) => (typeof v === 'number' ? (v === 0 ? 0 : v) : slow(v));
    }
  });
}

/** A canonical value as the text of a data file: dates and timestamps as text, NULL as null. */
export function valueText(v: Value, type: ScalarType): string | number | boolean | null {
  if (v === null) return null;
  if (type === 'TIMESTAMP' && typeof v === 'number') return timestampText(v);
  if (type === 'DATE' && typeof v === 'number') return dateText(v);
  return v;
}
