/**
 * Reading one value of a declared type from a data file: text (a CSV field,
 * or a JSON string) and JSON values. Strict: a value is either read exactly
 * as its declared type or refused with a reason; nothing is guessed at.
 * The rules are listed in README.md beside this file.
 *
 * Results are canonical values (src/engine/values.ts): INTEGER and DOUBLE
 * numbers, TEXT strings, BOOLEAN booleans, DATE epoch days, TIMESTAMP epoch
 * microseconds (UTC). A refusal is a `BadValue` rather than an exception, so
 * that a file with many bad values costs no more to read than a good one.
 */
import type { ColumnInfo, ScalarType } from '../../check/catalog.js';
import type { Row, Value } from '../../engine/values.js';
import { civilDays, MICROS_PER_DAY } from '../../values/time.js';

/** A value that cannot be read as its column's type; `reason` reads like `'abc' is not a DOUBLE`. */
export class BadValue {
  constructor(readonly reason: string) {}
}

export type Parsed = Value | BadValue;

/**
 * A JSON number that a JavaScript number does not hold as written (an
 * integer beyond 2^53, or beyond the DOUBLE range), with its literal text,
 * so that a reason shows the digits the file has rather than the rounded
 * value (JSONL reader).
 */
export class JsonNumber {
  constructor(
    readonly text: string,
    readonly value: number,
  ) {}
}

/**
 * A row with every column NULL, for readers to copy (`{ ...template }`) and
 * fill: all rows then share one shape, and a column named `__proto__` is an
 * own property like any other.
 */
export function rowTemplate(columns: readonly ColumnInfo[]): Row {
  return Object.fromEntries(columns.map((c) => [c.name, null]));
}

/** The type with its article, as reasons use it: `an INTEGER`, `a DOUBLE`. */
export function aType(type: ScalarType): string {
  return type === 'INTEGER' ? 'an INTEGER' : `a ${type}`;
}

/** A text value as reasons show it: single-quoted, `'` doubled, control characters escaped, at most 60 characters. */
export function showText(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  // Lone surrogates too (the u flag matches only unpaired ones), so that a reason is always printable text.
  // eslint-disable-next-line no-control-regex
  const escaped = cut.replace(/'/g, "''").replace(/[\u0000-\u001f\u007f\uD800-\uDFFF]/gu, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${escaped}'`;
}

/** A JSON value as reasons show it: strings as showText, numbers and booleans as written, objects and arrays by kind. */
export function showJson(v: unknown): string {
  if (typeof v === 'string') return showText(v);
  if (Array.isArray(v)) return 'a JSON array';
  if (typeof v === 'object' && v !== null) return 'a JSON object';
  return String(v);
}

/** The largest INTEGER magnitude a file may hold: 2^53 − 1, the largest integer a number holds exactly. */
export const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

/** The DATE range the engines hold (see src/engine/values.ts): ±2·10^9 days. */
export const MAX_DATE_DAYS = 2_000_000_000;

// ---------------------------------------------------------------------------
// Text

/** Surrounding spaces and tabs are ignored for every type but TEXT. */
function trimBlank(s: string): string {
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  if (first !== 32 && first !== 9 && last !== 32 && last !== 9) return s;
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_A_NUMBER = /^[+-]?(?:nan|inf|infinity)$/i;

export function parseInteger(text: string): number | BadValue {
  const s = trimBlank(text);
  if (!INTEGER_TEXT.test(s)) return new BadValue(`${showText(text)} is not an INTEGER`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) return outOfRange(showText(text), 'INTEGER');
  return n === 0 ? 0 : n;
}

export function parseDouble(text: string): number | BadValue {
  const s = trimBlank(text);
  if (!DOUBLE_TEXT.test(s)) {
    const why = NOT_A_NUMBER.test(s) ? ' (NaN and infinities are not allowed)' : '';
    return new BadValue(`${showText(text)} is not a DOUBLE${why}`);
  }
  const n = Number(s);
  if (!Number.isFinite(n)) return outOfRange(showText(text), 'DOUBLE');
  return n === 0 ? 0 : n;
}

const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['t', true],
  ['yes', true],
  ['1', true],
  ['false', false],
  ['f', false],
  ['no', false],
  ['0', false],
]);

export function parseBoolean(text: string): boolean | BadValue {
  const b = BOOLEAN_WORDS.get(trimBlank(text).toLowerCase());
  if (b === undefined) return new BadValue(`${showText(text)} is not a BOOLEAN (expected true/false, t/f, yes/no or 1/0)`);
  return b;
}

/** The number written by the ASCII digits s[from, to), or -1 (also when the text ends before `to`). */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // NaN past the end fails too
    n = n * 10 + d;
  }
  return n;
}

/** Epoch days of `YYYY-MM-DD` at the start of `s`: -Infinity when the shape is wrong, NaN when there is no such day. */
function scanDate(s: string): number {
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 7);
  const day = digits(s, 8, 10);
  if (year < 0 || month < 0 || day < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return -Infinity;
  return civilDays(year, month, day) ?? NaN;
}

/** `YYYY-MM-DD`, exactly: four-digit year, two-digit month and day. */
export function parseDate(text: string): number | BadValue {
  const s = trimBlank(text);
  const days = s.length === 10 ? scanDate(s) : -Infinity;
  if (days === -Infinity) return new BadValue(`${showText(text)} is not a DATE (expected YYYY-MM-DD)`);
  if (Number.isNaN(days)) return new BadValue(`${showText(text)} is not a DATE (no such day)`);
  return days === 0 ? 0 : days;
}

const TIMESTAMP_EXPECTED = 'expected YYYY-MM-DD HH:MM[:SS[.ffffff]], optionally with T, and Z or a ±HH:MM offset';

/** Why scanTimestamp found a text is not a TIMESTAMP (an index into badTimestamp; 0: it is one). */
const Bad = { Shape: 1, Date: 2, Time: 3, Precision: 4, Offset: 5 } as const;
type Bad = (typeof Bad)[keyof typeof Bad];

const badTimestamp: readonly string[] = ['', TIMESTAMP_EXPECTED, 'no such day', 'no such time of day', 'more precise than microseconds', 'no such offset'];

/** Set by scanTimestamp when it returns NaN (a module variable rather than a tuple per value). */
let scanned: 0 | Bad = 0;

const isDigit = (c: number) => c >= 48 && c <= 57;

function fail(bad: Bad): number {
  scanned = bad;
  return NaN;
}

/**
 * Scans `YYYY-MM-DD`, then optionally `[ T]HH:MM[:SS[.f…]]` and, after a
 * time, an offset `Z`, `±HH`, `±HHMM` or `±HH:MM`, into microseconds since
 * 1970-01-01 00:00 UTC (before the range check) — or NaN, with the
 * reason in `scanned`. A fraction of up to 9 digits is scanned, so that a
 * nanosecond value is refused with its own reason.
 */
function scanTimestamp(s: string): number {
  const len = s.length;
  const days = len >= 10 ? scanDate(s) : -Infinity;
  if (days === -Infinity) return fail(Bad.Shape);
  let hour = 0;
  let minute = 0;
  let second = 0;
  let fraction = 0;
  let offset = 0;
  let invalid: 0 | Bad = Number.isNaN(days) ? Bad.Date : 0;
  if (len > 10) {
    const sep = s.charCodeAt(10);
    if (sep !== 32 && sep !== 84) return fail(Bad.Shape);
    hour = digits(s, 11, 13);
    minute = digits(s, 14, 16);
    if (hour < 0 || minute < 0 || s.charCodeAt(13) !== 58) return fail(Bad.Shape);
    let i = 16;
    if (s.charCodeAt(i) === 58) {
      second = digits(s, i + 1, i + 3);
      if (second < 0) return fail(Bad.Shape);
      i += 3;
      if (s.charCodeAt(i) === 46) {
        let j = i + 1;
        while (j < len && isDigit(s.charCodeAt(j))) j++;
        const count = j - i - 1;
        if (count === 0 || count > 9) return fail(Bad.Shape);
        if (count > 6) invalid ||= Bad.Precision;
        else fraction = digits(s, i + 1, j) * 10 ** (6 - count);
        i = j;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) invalid ||= Bad.Time;
    if (i < len) {
      const c = s.charCodeAt(i);
      if (c === 90 || c === 122) {
        if (i + 1 !== len) return fail(Bad.Shape);
      } else if (c === 43 || c === 45) {
        const oh = digits(s, i + 1, i + 3);
        let om = 0;
        let k = i + 3;
        if (oh < 0) return fail(Bad.Shape);
        if (k < len) {
          if (s.charCodeAt(k) === 58) k++;
          om = digits(s, k, k + 2);
          k += 2;
          if (om < 0 || k !== len) return fail(Bad.Shape);
        }
        if (oh > 23 || om > 59) invalid ||= Bad.Offset;
        offset = (c === 45 ? -1 : 1) * (oh * 60 + om);
      } else return fail(Bad.Shape);
    }
  }
  if (invalid !== 0) return fail(invalid);
  scanned = 0;
  // The time of day first: days * MICROS_PER_DAY is exact, and adding a small exact number to it gives the
  // exact sum whenever that sum is a safe integer (adding the fraction last could round twice).
  return days * MICROS_PER_DAY + (((hour * 60 + minute - offset) * 60 + second) * 1_000_000 + fraction);
}

/**
 * `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (or with `T`), optionally followed by `Z`
 * or an offset (`+HH:MM`, `+HHMM`, `+HH`, or with `-`), converted to UTC; a
 * date alone is its midnight. At most microsecond precision.
 */
export function parseTimestamp(text: string): number | BadValue {
  const micros = scanTimestamp(trimBlank(text));
  if (Number.isNaN(micros)) return new BadValue(`${showText(text)} is not a TIMESTAMP (${badTimestamp[scanned]})`);
  if (!Number.isSafeInteger(micros)) return outOfRange(showText(text), 'TIMESTAMP');
  return micros === 0 ? 0 : micros;
}

function outOfRange(shown: string, type: ScalarType): BadValue {
  const range =
    type === 'INTEGER'
      ? `at most ${MAX_INTEGER} in magnitude`
      : type === 'TIMESTAMP'
        ? 'microseconds since 1970 must stay within ±2^53: about the years 1685 to 2255'
        : type === 'DATE'
          ? `at most ${MAX_DATE_DAYS} days from 1970-01-01`
          : 'beyond the largest DOUBLE';
  return new BadValue(`${shown} is out of range for ${type} (${range})`);
}

const textParsers: Readonly<Record<ScalarType, (text: string) => Parsed>> = {
  INTEGER: parseInteger,
  DOUBLE: parseDouble,
  BOOLEAN: parseBoolean,
  TEXT: (text) => text,
  DATE: parseDate,
  TIMESTAMP: parseTimestamp,
};

/**
 * The reader of a non-empty text for a type (the caller decides what an empty
 * field means: in CSV it is NULL). TEXT is taken as is; every other type
 * ignores surrounding spaces and tabs.
 */
export function textParser(type: ScalarType): (text: string) => Parsed {
  return textParsers[type];
}

/** Reads a non-empty text as `type` (see textParser). */
export function parseText(type: ScalarType, text: string): Parsed {
  return textParsers[type](text);
}

// ---------------------------------------------------------------------------
// JSON

/**
 * Reads a JSON value (not null or undefined: those are NULL, the caller's
 * business) as `type`:
 *
 * - a JSON string is read by the text rules (`"42"` is an INTEGER 42,
 *   `"2024-03-01T10:00:00Z"` a TIMESTAMP), except that TEXT takes it as is;
 * - a number is an INTEGER when it is whole, a DOUBLE always, a BOOLEAN when
 *   it is 1 or 0, never TEXT (JSON.parse has already turned
 *   `12345678901234567891` into a rounded double, so its text is lost: TEXT
 *   is given as a string), never a DATE or TIMESTAMP
 *   (its unit would be a guess);
 * - `true`/`false` are BOOLEAN only;
 * - arrays and objects are refused for every type;
 * - a string holding a lone UTF-16 surrogate (`"\ud800"`: valid JSON, but no
 *   Unicode text) is refused for every type: stored as UTF-8 it would become
 *   U+FFFD, a different value from the one given.
 */
/** An unpaired UTF-16 surrogate (with the u flag, a pair is one code point and does not match). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function parseJson(type: ScalarType, v: unknown): Parsed {
  if (v instanceof JsonNumber) {
    const r = parseJson(type, v.value);
    return r instanceof BadValue ? new BadValue(r.reason.replace(String(v.value), v.text)) : r;
  }
  if (typeof v === 'string') {
    if (LONE_SURROGATE.test(v)) return new BadValue(`${showText(v)} holds a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF escape): not Unicode text`);
    return type === 'TEXT' ? v : textParsers[type](v);
  }
  if (typeof v === 'number') {
    switch (type) {
      case 'INTEGER':
        if (!Number.isInteger(v)) return new BadValue(`${v} is not an INTEGER`);
        if (!Number.isSafeInteger(v)) return outOfRange(String(v), 'INTEGER');
        return v === 0 ? 0 : v;
      case 'DOUBLE':
        if (!Number.isFinite(v)) return outOfRange(String(v), 'DOUBLE');
        return v === 0 ? 0 : v;
      case 'BOOLEAN':
        if (v === 1 || v === 0) return v === 1;
        return new BadValue(`${v} is not a BOOLEAN (expected true/false, or 1/0)`);
      case 'TEXT':
        // Not the number's digits: JSON.parse may already have rounded them (12345678901234567891 → …000).
        return new BadValue('a JSON number is not TEXT (give TEXT values as JSON strings, in quotes)');
      case 'DATE':
        return new BadValue(`the number ${v} is not a DATE (write dates as text: 'YYYY-MM-DD')`);
      case 'TIMESTAMP':
        return new BadValue(`the number ${v} is not a TIMESTAMP (write timestamps as text: the unit of a number would be a guess)`);
    }
  }
  if (typeof v === 'boolean') {
    if (type === 'BOOLEAN') return v;
    if (type === 'TEXT') return new BadValue(`${v} is not TEXT (give TEXT values as JSON strings, in quotes)`);
    return new BadValue(`${v} is not ${aType(type)}`);
  }
  return new BadValue(`${showJson(v)} is not ${aType(type)}`);
}

// ---------------------------------------------------------------------------
// Typed values (Parquet through DuckDB): range checks only

/** An integer from a typed reader (number or bigint) as an INTEGER or DOUBLE. */
export function fromTypedInteger(v: number | bigint, type: 'INTEGER' | 'DOUBLE'): Parsed {
  if (typeof v === 'number') return v === 0 ? 0 : v;
  if (type === 'DOUBLE') return Number(v);
  if (v > BigInt(MAX_INTEGER) || v < -BigInt(MAX_INTEGER)) return outOfRange(String(v), 'INTEGER');
  return Number(v);
}

/** A DOUBLE from a typed reader: finite only. */
export function fromTypedDouble(v: number): Parsed {
  if (Number.isNaN(v)) return new BadValue('NaN is not a DOUBLE (NaN and infinities are not allowed)');
  if (!Number.isFinite(v)) return new BadValue(`${v} is not a DOUBLE (NaN and infinities are not allowed)`);
  return v === 0 ? 0 : v;
}

/** Epoch days from a typed reader, within the engines' DATE range. */
export function fromTypedDate(days: number): Parsed {
  if (!Number.isInteger(days) || Math.abs(days) > MAX_DATE_DAYS) return outOfRange(`${days} days`, 'DATE');
  return days === 0 ? 0 : days;
}

/** Epoch microseconds (or nanoseconds, `perMicro` 1000) from a typed reader. */
export function fromTypedTimestamp(v: bigint, perMicro: 1n | 1000n = 1n): Parsed {
  if (perMicro !== 1n && v % perMicro !== 0n) return new BadValue(`${v} nanoseconds since 1970 is more precise than microseconds`);
  const micros = v / perMicro;
  if (micros > BigInt(MAX_INTEGER) || micros < -BigInt(MAX_INTEGER)) return outOfRange(`${micros} microseconds since 1970`, 'TIMESTAMP');
  const n = Number(micros);
  return n === 0 ? 0 : n;
}
