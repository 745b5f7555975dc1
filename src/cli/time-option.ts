/** Times given on the command line: `2024-04-30`, `2024-04-30 12:00:00`, `2024-04-30T12:00:00Z`, or `now`. */
import { MICROS_PER_DAY, parseDateText, parseTimestampText, timestampText } from '../engine/values.js';

export class TimeOptionError extends Error {}

/**
 * Epoch microseconds (UTC) of a time option. Times are held as microseconds
 * in a JavaScript number, so only those within ±(2^53 − 1) µs of 1970 (about
 * 1685 to 2255) can be used; others are refused here rather than deep in a store.
 */
export function parseTimeOption(option: string, text: string): number {
  const t = text.trim();
  if (t.toLowerCase() === 'now') return Date.now() * 1000;
  const bare = t.replace(/(?:Z|[+-]00:?00)$/i, '');
  const ts = parseTimestampText(bare);
  const d = ts === undefined ? parseDateText(bare) : undefined;
  const us = ts ?? (d !== undefined ? d * MICROS_PER_DAY : undefined);
  if (us === undefined) throw new TimeOptionError(`${option} must be a UTC time like '2024-04-30', '2024-04-30 12:00:00' or 'now', not '${text}'`);
  if (!Number.isSafeInteger(us)) {
    throw new TimeOptionError(`${option} ${text} is outside the times fsql can hold: give a time from ${timestampText(EARLIEST)} to ${timestampText(LATEST)} UTC`);
  }
  return us;
}

/** The first and last whole seconds whose microseconds are safe integers. */
const LATEST = Math.floor(Number.MAX_SAFE_INTEGER / 1_000_000) * 1_000_000;
const EARLIEST = -LATEST;
