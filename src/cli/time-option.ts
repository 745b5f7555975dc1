/** Times given on the command line: `2024-04-30`, `2024-04-30 12:00:00`, `2024-04-30T12:00:00Z`, or `now`. */
import { MICROS_PER_DAY, parseDateText, parseTimestampText } from '../engine/values.js';

export class TimeOptionError extends Error {}

/** Epoch microseconds (UTC) of a time option. */
export function parseTimeOption(option: string, text: string): number {
  const t = text.trim();
  if (t.toLowerCase() === 'now') return Date.now() * 1000;
  const bare = t.replace(/(?:Z|[+-]00:?00)$/i, '');
  const ts = parseTimestampText(bare);
  if (ts !== undefined) return ts;
  const d = parseDateText(bare);
  if (d !== undefined) return d * MICROS_PER_DAY;
  throw new TimeOptionError(`${option} must be a UTC time like '2024-04-30', '2024-04-30 12:00:00' or 'now', not '${text}'`);
}
