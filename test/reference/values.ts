/**
 * The reference evaluator's values (docs/semantics.md §1–§2), written to be
 * obviously right rather than fast.
 *
 * Representation (every engine's results are converted to it):
 * - INTEGER, DOUBLE → number
 * - TEXT → string
 * - BOOLEAN → boolean
 * - TIMESTAMP → integer number of MICROSECONDS since 1970-01-01 00:00:00 UTC
 * - DATE → integer number of DAYS since 1970-01-01 (as a time: midnight)
 * - NULL → null
 *
 * The type of a value is never read from the value itself: callers pass the
 * static type (a DATE and a TIMESTAMP are both numbers).
 */
import type { ExprType, ScalarType } from '../../src/check/catalog.js';

export type Value = number | string | boolean | null;
export type Row = Record<string, Value>;

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND;

// ---------------------------------------------------------------------------
// Three-valued logic

export function not3(a: Value): Value {
  return a === null ? null : !a;
}

export function and3(a: Value, b: Value): Value {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}

export function or3(a: Value, b: Value): Value {
  if (a === true || b === true) return true;
  if (a === null || b === null) return null;
  return false;
}

/** WHERE / HAVING / ON keep a row only when the condition is TRUE. */
export function isTrue(v: Value): boolean {
  return v === true;
}

// ---------------------------------------------------------------------------
// Comparison

/** Compares two strings by Unicode code point (not by UTF-16 code unit, which differs above U+FFFF). */
export function compareText(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  const restA = a.length - i;
  const restB = b.length - j;
  return restA === restB ? 0 : restA < restB ? -1 : 1;
}

/** Orders two non-NULL values of one type: numbers numerically, text by code points, FALSE < TRUE. */
export function compareNonNull(a: Exclude<Value, null>, b: Exclude<Value, null>): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  throw new Error(`reference: cannot compare ${JSON.stringify(a)} with ${JSON.stringify(b)}`);
}

/** A total order for sorting: NULL first (below every value), then compareNonNull. */
export function compareNullsFirst(a: Value, b: Value): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return compareNonNull(a, b);
}

/** SQL `=`: NULL when either side is NULL. */
export function sqlEquals(a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  return compareNonNull(a, b) === 0;
}

/** Identity used for grouping, DISTINCT and key matching of non-NULL values (NULLs equal each other here). */
export function sameValue(a: Value, b: Value): boolean {
  return compareNullsFirst(a, b) === 0;
}

/** `-0` → `0`, so that results compare equal with `toEqual`. */
export function normZero<T extends Value>(v: T): T {
  return (typeof v === 'number' && Object.is(v, -0) ? 0 : v) as T;
}

// ---------------------------------------------------------------------------
// Type coercion where types unify (checker's `unify`): INTEGER widens to DOUBLE
// (nothing to do with JS numbers), DATE widens to TIMESTAMP (midnight).

export function coerce(v: Value, from: ExprType, to: ExprType): Value {
  if (v === null) return null;
  if (from === 'DATE' && to === 'TIMESTAMP') return dateToTimestamp(v as number);
  return v;
}

/** The common type of two types, as the checker's `unify` (NULL goes with anything). */
export function unifyTypes(a: ExprType, b: ExprType): ExprType {
  if (a === b) return a;
  if (a === 'NULL') return b;
  if (b === 'NULL') return a;
  if ((a === 'INTEGER' || a === 'DOUBLE') && (b === 'INTEGER' || b === 'DOUBLE')) return 'DOUBLE';
  if ((a === 'DATE' || a === 'TIMESTAMP') && (b === 'DATE' || b === 'TIMESTAMP')) return 'TIMESTAMP';
  throw new Error(`reference: types ${a} and ${b} do not unify`);
}

// ---------------------------------------------------------------------------
// Calendar (proleptic Gregorian, UTC), from H. Hinnant's days_from_civil / civil_from_days.

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** ISO day of week of a day number: Monday = 1 … Sunday = 7 (1970-01-01 was a Thursday). */
export function isoDayOfWeek(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** Number of ISO weeks (52 or 53) in ISO year y: 53 when Jan 1 is a Thursday, or a Wednesday in a leap year. */
function isoWeeksInYear(y: number): number {
  const jan1 = isoDayOfWeek(daysFromCivil(y, 1, 1));
  return jan1 === 4 || (jan1 === 3 && isLeapYear(y)) ? 53 : 52;
}

/** ISO 8601 week number (1–53) of a day number. */
export function isoWeek(days: number): number {
  const { y } = civilFromDays(days);
  const dayOfYear = days - daysFromCivil(y, 1, 1) + 1;
  const week = Math.floor((dayOfYear - isoDayOfWeek(days) + 10) / 7);
  if (week < 1) return isoWeeksInYear(y - 1);
  if (week > isoWeeksInYear(y)) return 1;
  return week;
}

export function dateToTimestamp(days: number): number {
  return days * MICROS_PER_DAY;
}

/** The calendar day of a timestamp (floor, so times before 1970 go to the right day). */
export function timestampToDate(us: number): number {
  return Math.floor(us / MICROS_PER_DAY);
}

/** An event time of either temporal type, in microseconds (a DATE means midnight). */
export function eventTimeMicros(v: Value, type: ScalarType): number | null {
  if (v === null) return null;
  if (type === 'DATE') return dateToTimestamp(v as number);
  if (type === 'TIMESTAMP') return v as number;
  throw new Error(`reference: event time of type ${type}`);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

/** `'2024-03-01'` → days, or null when not a real calendar date. No surrounding whitespace. */
export function parseDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return daysFromCivil(y, mo, d);
}

/**
 * `'2024-03-01 14:05:00.25'` → microseconds, or null. Accepts what the language
 * accepts in a TIMESTAMP literal (language.md §3): `T` or space, seconds
 * optional, a fraction of up to 6 digits, or a bare date (midnight).
 */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = ''] = m;
  const days = parseDate(`${y}-${mo}-${d}`);
  if (days === null) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const micros = Number(frac.padEnd(6, '0'));
  return days * MICROS_PER_DAY + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * MICROS_PER_SECOND + micros;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function formatDate(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** `'YYYY-MM-DD HH:MM:SS'`, plus `.ffffff` (all six digits) when there are microseconds. */
export function formatTimestamp(us: number): string {
  const days = timestampToDate(us);
  let rest = us - days * MICROS_PER_DAY;
  const micros = rest % MICROS_PER_SECOND;
  rest = (rest - micros) / MICROS_PER_SECOND;
  const s = rest % 60;
  const mi = Math.floor(rest / 60) % 60;
  const h = Math.floor(rest / 3600);
  return `${formatDate(days)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${micros !== 0 ? `.${pad(micros, 6)}` : ''}`;
}

/** Handy for tests: `ts('2024-03-01 12:00:00')` in microseconds; throws on bad text. */
export function ts(text: string): number {
  const v = parseTimestamp(text);
  if (v === null) throw new Error(`bad timestamp ${text}`);
  return v;
}

/** Handy for tests: `day('2024-03-01')` in days; throws on bad text. */
export function day(text: string): number {
  const v = parseDate(text);
  if (v === null) throw new Error(`bad date ${text}`);
  return v;
}

// ---------------------------------------------------------------------------
// Date parts (EXTRACT). `x` is in the representation of `type`.

export type DatePartName = 'YEAR' | 'QUARTER' | 'MONTH' | 'WEEK' | 'DAY' | 'DAYOFWEEK' | 'DAYOFYEAR' | 'HOUR' | 'MINUTE' | 'SECOND';

export function extractPart(part: DatePartName, x: number, type: ExprType): number {
  const us = type === 'DATE' ? dateToTimestamp(x) : x;
  const days = timestampToDate(us);
  const secondsOfDay = Math.floor((us - days * MICROS_PER_DAY) / MICROS_PER_SECOND);
  const { y, m, d } = civilFromDays(days);
  switch (part) {
    case 'YEAR':
      return y;
    case 'QUARTER':
      return Math.floor((m - 1) / 3) + 1;
    case 'MONTH':
      return m;
    case 'WEEK':
      return isoWeek(days);
    case 'DAY':
      return d;
    case 'DAYOFWEEK':
      return isoDayOfWeek(days);
    case 'DAYOFYEAR':
      return days - daysFromCivil(y, 1, 1) + 1;
    case 'HOUR':
      return Math.floor(secondsOfDay / 3600);
    case 'MINUTE':
      return Math.floor(secondsOfDay / 60) % 60;
    case 'SECOND':
      return secondsOfDay % 60;
  }
}

// ---------------------------------------------------------------------------
// Casts (docs/semantics.md §2, language.md §6.3)

const INTEGER_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * AMBIGUITY (semantics §2 "NULL when the text is not a valid literal of the
 * type"): the text must be exactly a literal, with no surrounding whitespace.
 * INTEGER: an optional sign and digits (and within ±(2^63−1)); DOUBLE: an
 * optional sign and a decimal number with optional exponent (no `NaN`,
 * `Infinity`); BOOLEAN: exactly `'true'` or `'false'` (lower case);
 * DATE: `YYYY-MM-DD`; TIMESTAMP: what a TIMESTAMP literal accepts.
 */
export function castValue(v: Value, from: ExprType, to: ScalarType): Value {
  if (v === null || from === 'NULL') return null;
  if (from === to) return v;
  switch (from) {
    case 'BOOLEAN':
      if (to === 'INTEGER') return v ? 1 : 0;
      if (to === 'TEXT') return v ? 'true' : 'false';
      break;
    case 'INTEGER':
      if (to === 'DOUBLE') return v as number;
      if (to === 'BOOLEAN') return (v as number) !== 0;
      if (to === 'TEXT') return String(v);
      break;
    case 'DOUBLE':
      // Truncation toward zero.
      if (to === 'INTEGER') return normZero(Math.trunc(v as number));
      // AMBIGUITY: semantics §2 says the digits are engine-specific; the reference uses JavaScript's shortest round-trip form.
      if (to === 'TEXT') return String(v);
      break;
    case 'TEXT': {
      const s = v as string;
      switch (to) {
        case 'INTEGER': {
          if (!INTEGER_TEXT.test(s)) return null;
          const n = BigInt(s);
          if (n > 9223372036854775807n || n < -9223372036854775808n) return null;
          return normZero(Number(n));
        }
        case 'DOUBLE':
          return DOUBLE_TEXT.test(s) ? normZero(Number(s)) : null;
        case 'BOOLEAN':
          return s === 'true' ? true : s === 'false' ? false : null;
        case 'DATE':
          return parseDate(s);
        case 'TIMESTAMP':
          return parseTimestamp(s);
      }
      break;
    }
    case 'DATE':
      if (to === 'TIMESTAMP') return dateToTimestamp(v as number);
      if (to === 'TEXT') return formatDate(v as number);
      break;
    case 'TIMESTAMP':
      if (to === 'DATE') return timestampToDate(v as number);
      if (to === 'TEXT') return formatTimestamp(v as number);
      break;
  }
  throw new Error(`reference: CAST ${from} AS ${to} is not allowed`);
}

/** A literal as the checker stores it (DATE/TIMESTAMP literals are normalised text) → a Value. */
export function literalValue(value: Value, type: ExprType): Value {
  if (value === null) return null;
  if (type === 'DATE') {
    if (typeof value === 'number') return value;
    const d = parseDate(value as string);
    if (d === null) throw new Error(`reference: bad DATE literal ${String(value)}`);
    return d;
  }
  if (type === 'TIMESTAMP') {
    if (typeof value === 'number') return value;
    const t = parseTimestamp(value as string);
    if (t === null) throw new Error(`reference: bad TIMESTAMP literal ${String(value)}`);
    return t;
  }
  return value;
}

// ---------------------------------------------------------------------------
// Numbers

/**
 * ROUND(x, n), halves away from zero.
 * - INTEGER x stays INTEGER: only a negative n changes it (ROUND(15, -1) = 20).
 * - DOUBLE x: AMBIGUITY — a binary double such as 2.675 is really
 *   2.67499999…; the reference rounds the shortest decimal form that reads
 *   back as x (what the user wrote and sees), so ROUND(2.675, 2) = 2.68, as
 *   decimal/numeric rounding in PostgreSQL, MySQL and DuckDB does.
 */
export function roundHalfAway(x: number, n: number, integer: boolean): number {
  if (!Number.isFinite(x)) return x;
  if (integer) {
    if (n >= 0) return x;
    const factor = 10n ** BigInt(-n);
    const big = BigInt(x);
    const neg = big < 0n;
    const abs = neg ? -big : big;
    let q = abs / factor;
    const r = abs - q * factor;
    if (2n * r >= factor) q += 1n;
    return normZero(Number((neg ? -q : q) * factor));
  }
  if (x === 0) return 0;
  const neg = x < 0;
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText); // value = d.ddd × 10^exp
  const keep = exp + 1 + n; // how many leading digits remain after rounding to n decimals
  if (keep >= digits.length) return x;
  if (keep < 0) return 0;
  let kept = keep === 0 ? 0n : BigInt(digits.slice(0, keep));
  if (Number(digits[keep]) >= 5) kept += 1n;
  const result = Number(`${kept}e${-n}`);
  return normZero(neg ? -result : result);
}

/** LOG scaling: sign(x) · ln(1 + |x|). */
export function signedLog(x: number): number {
  return normZero(Math.sign(x) * Math.log(1 + Math.abs(x)));
}

// ---------------------------------------------------------------------------
// Text

/** LIKE: `%` any run, `_` one character (code point); case-sensitive; no escape character. */
export function like(s: string, pattern: string): boolean {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);
  }
  re += '$';
  return new RegExp(re, 'su').test(s);
}

/** LENGTH: code points. */
export function textLength(s: string): number {
  return [...s].length;
}

/**
 * SUBSTR(s, start [, len]), `start` counting from 1, in code points.
 * AMBIGUITY: semantics §2 only says `start` counts from 1. The reference
 * follows the SQL standard: the result is the characters at positions
 * [start, start + len) that exist, so SUBSTR('abc', 0, 2) = 'a' and a start
 * of 0 or below is not counted from the end; a negative len gives ''.
 */
export function substr(s: string, start: number, len?: number): string {
  const chars = [...s];
  const from = start;
  const to = len === undefined ? Infinity : start + len; // exclusive
  if (len !== undefined && len < 0) return '';
  let out = '';
  for (let pos = 1; pos <= chars.length; pos++) if (pos >= from && pos < to) out += chars[pos - 1];
  return out;
}
