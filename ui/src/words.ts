/** Fitted parameters and times in words (times as ISO timestamps, durations in units people read). */
import type { Fitted, Scalar } from './api';
import { fmtNumber, fmtValue } from './plots';

export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  const unit = s < 120 ? [1, 'second'] : s < 7200 ? [60, 'minute'] : s < 172800 ? [3600, 'hour'] : [86400, 'day'];
  const n = Math.round((s / (unit[0] as number)) * 10) / 10;
  return `${n} ${unit[1]}${n === 1 ? '' : 's'}`;
}

/** An ISO timestamp as the API gives it, shortened when it is midnight or has no fraction. */
export const when = (iso: string | null | undefined) => (iso ? iso.replace(/\.\d+Z$/, 'Z') : 'never');

/** The spread of a DATE (days) or TIMESTAMP (µs) feature in words; a number otherwise. */
function spread(stddev: number, mean: Scalar): string {
  if (typeof mean === 'string') return duration(mean.length === 10 ? stddev * 86400 : stddev / 1e6);
  return fmtNumber(stddev);
}

export function fittedInWords(f: Fitted): string[] {
  const out: string[] = [];
  out.push(
    f.fit_time
      ? `Fitted once, as of ${when(f.fit_time)}, on ${f.count.toLocaleString('en-US')} non-NULL values (one per key); the parameters never change.`
      : `Fitted once on ${f.count.toLocaleString('en-US')} non-NULL values (one per key) of a relation without event time; the parameters never change.`,
  );
  if (f.mean !== null) out.push(`Mean ${fmtValue(f.mean)}${f.stddev !== null ? `, standard deviation ${spread(f.stddev, f.mean)}` : ''}.`);
  if (f.median !== null) out.push(`Median ${fmtValue(f.median)}; the middle half lies between ${fmtValue(f.q1)} and ${fmtValue(f.q3)}.`);
  if (f.min !== null) out.push(`Values range from ${fmtValue(f.min)} to ${fmtValue(f.max)}.`);
  if (f.mode !== null) out.push(`The most frequent value is ${fmtValue(f.mode)}.`);
  if (f.vocabulary.length > 0) out.push(`Vocabulary (most frequent first): ${f.vocabulary.map(fmtValue).join(', ')}.`);
  if (f.columns.length > 1) out.push(`Output columns: ${f.columns.join(', ')}.`);
  return out;
}
