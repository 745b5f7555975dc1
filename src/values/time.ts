/**
 * Dates and times as text and as numbers — the one place fsql converts
 * between them (the language's literals, the SQL it prints, the values
 * engines hand back, data files, the HTTP API, the CLI).
 *
 * - DATE: a whole number of days since 1970-01-01 (proleptic Gregorian).
 * - TIMESTAMP: a whole number of microseconds since 1970-01-01 00:00:00, UTC
 *   wall-clock (fsql has no time zones).
 *
 * Calendar arithmetic is exact integer arithmetic (Howard Hinnant's
 * `days_from_civil` / `civil_from_days`), never JavaScript's `Date`, whose
 * `Date.UTC` maps the years 0–99 to 1900–1999 (`DATE '0050-01-01'` would
 * become 1950) and which stops at ±275,760 years.
 *
 * Text is `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS[.ffffff]`: four-digit years,
 * with more digits (and a `-` sign) for years outside 0000–9999.
 */

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days in a month (1–12) of a year. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a valid date, or undefined (month 13, February 30, …). */
export function civilDays(year: number, month: number, day: number): number | undefined {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // H. Hinnant's days_from_civil: years counted from March, so the leap day ends the year.
  const y = year - (month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146_097 + doe - 719_468;
  return days === 0 ? 0 : days;
}

/** The (year, month, day) of a number of days since 1970-01-01 (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const TWO_DIGITS = Array.from({ length: 100 }, (_v, i) => (i < 10 ? `0${i}` : String(i)));

function year4(y: number): string {
  const a = String(Math.abs(y)).padStart(4, '0');
  return y < 0 ? `-${a}` : a;
}

/** Epoch days → `YYYY-MM-DD`. */
export function dateText(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${year4(y)}-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}`;
}

/**
 * Epoch microseconds → `YYYY-MM-DD HH:MM:SS[.ffffff]`. `sep` goes between the
 * date and the time (`T` for ISO-8601). The fraction is written only when it
 * is not zero: with its trailing zeros removed (`'trimmed'`, the normal form
 * of the language's literals), or always six digits (`'six'`, SQL literals).
 */
export function timestampText(micros: number, sep = ' ', fraction: 'trimmed' | 'six' = 'trimmed'): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  let rest = micros - days * MICROS_PER_DAY;
  const h = Math.floor(rest / 3_600_000_000);
  rest -= h * 3_600_000_000;
  const mi = Math.floor(rest / 60_000_000);
  rest -= mi * 60_000_000;
  const s = Math.floor(rest / 1_000_000);
  const frac = rest - s * 1_000_000;
  const base = `${dateText(days)}${sep}${TWO_DIGITS[h]}:${TWO_DIGITS[mi]}:${TWO_DIGITS[s]}`;
  if (frac === 0) return base;
  const f = String(frac).padStart(6, '0');
  return `${base}.${fraction === 'six' ? f : f.replace(/0+$/, '')}`;
}

// ISO-8601, as the HTTP API writes times.

/** `YYYY-MM-DDT` by epoch day: a response holds few distinct days. */
const dayPrefixes = new Map<number, string>();

/** Epoch microseconds → `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (trailing zeros of the fraction dropped). */
export function isoTimestamp(micros: number): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  let day = dayPrefixes.get(days);
  if (day === undefined) {
    if (dayPrefixes.size >= 4096) dayPrefixes.clear();
    day = `${dateText(days)}T`;
    dayPrefixes.set(days, day);
  }
  let rest = micros - days * MICROS_PER_DAY;
  const h = Math.floor(rest / 3_600_000_000);
  rest -= h * 3_600_000_000;
  const m = Math.floor(rest / 60_000_000);
  rest -= m * 60_000_000;
  const s = Math.floor(rest / 1_000_000);
  const frac = rest - s * 1_000_000;
  const hms = `${day}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s]}`;
  if (frac === 0) return `${hms}Z`;
  let f = String(frac).padStart(6, '0');
  let end = f.length;
  while (f.charCodeAt(end - 1) === 48) end--;
  f = f.slice(0, end);
  return `${hms}.${f}Z`;
}

/** Epoch days → `YYYY-MM-DD`. */
export function isoDate(days: number): string {
  return dateText(days);
}

const DATE_TEXT = /^(-?\d{4,})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(-?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

/** `YYYY-MM-DD` → epoch days, or undefined when it is not a real day. */
export function parseDateText(text: string): number | undefined {
  const m = DATE_TEXT.exec(text);
  if (!m) return undefined;
  return civilDays(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (or with `T`) → epoch microseconds, or
 * undefined when malformed or not a real time. No time zone: the text is UTC.
 */
export function parseTimestampText(text: string): number | undefined {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return undefined;
  const days = civilDays(Number(m[1]), Number(m[2]), Number(m[3]));
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const s = Number(m[6] ?? 0);
  if (days === undefined || h > 23 || mi > 59 || s > 59) return undefined;
  const frac = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  // The time of day first: days * MICROS_PER_DAY is exact, and adding one small exact number keeps it exact.
  const micros = days * MICROS_PER_DAY + ((h * 60 + mi) * 60 + s) * MICROS_PER_SECOND + frac;
  return micros === 0 ? 0 : micros;
}

/** A TIMESTAMP's text, or a DATE's text read as its midnight → epoch microseconds; undefined when neither. */
export function parseTimeText(text: string): number | undefined {
  const ts = parseTimestampText(text);
  if (ts !== undefined) return ts;
  const days = parseDateText(text);
  return days === undefined ? undefined : days * MICROS_PER_DAY;
}
