/**
 * DATE and TIMESTAMP literal text. Timestamps have no time zone in fsql (they
 * are wall-clock UTC everywhere); the normal form is `YYYY-MM-DD HH:MM:SS` with
 * an optional fraction of up to 6 digits, trailing zeros removed. Whether a
 * day exists is decided by src/values/time.ts (exact calendar arithmetic).
 */
import { civilDays } from '../values/time.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

function validDate(y: number, m: number, d: number): boolean {
  return civilDays(y, m, d) !== undefined;
}

/** `2024-03-01` → `2024-03-01`, or undefined when not a real calendar date. */
export function parseDateLiteral(text: string): string | undefined {
  const m = DATE.exec(text.trim());
  if (!m) return undefined;
  return validDate(Number(m[1]), Number(m[2]), Number(m[3])) ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** `2024-03-01T14:05` → `2024-03-01 14:05:00`, or undefined when malformed. */
export function parseTimestampLiteral(text: string): string | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac] = m;
  if (!validDate(Number(y), Number(mo), Number(d))) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const fraction = frac ? frac.replace(/0+$/, '') : '';
  return `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction ? `.${fraction}` : ''}`;
}
