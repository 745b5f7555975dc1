/**
 * Progress on stderr, rendered from the runtime's ProgressEvents
 * (src/runtime/progress.ts). Two ways, by where stderr goes:
 *
 * - a terminal (`live`): one line redrawn in place (at most every 100 ms),
 *   left behind as the step's final line when the step ends;
 * - anything else (a pipe, a CI log): a plain line at most once a second
 *   while a step runs (none for a step shorter than that), and one final line
 *   per step.
 *
 *     loading transactions: 400,000 rows, 41% of 120.0 MB (210k rows/s)
 *     loading transactions: 1,000,000 rows in 4.76 s (210k rows/s)
 *
 * A step ends with its `end` event; a step that never sends one (it failed)
 * gets no final line.
 */
import type { ProgressEvent } from '../runtime/progress.js';

export interface ProgressOptions {
  /** Redraw one line in place (stderr is a terminal). */
  readonly live: boolean;
  /** The clock, in milliseconds (tests pass their own). */
  readonly now?: () => number;
}

const LIVE_EVERY_MS = 100;
const PIPED_EVERY_MS = 1000;

export class ProgressReporter {
  private current: { step: string; started: number; shown: number; last: ProgressEvent } | undefined;
  /** A live line is on the screen (to be cleared before anything else is written). */
  private drawn = false;
  private readonly now: () => number;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  report(e: ProgressEvent): void {
    const now = this.now();
    if (this.current?.step !== e.step) this.current = { step: e.step, started: now, shown: this.options.live ? -Infinity : now, last: e };
    const c = this.current;
    c.last = e;
    const elapsed = now - c.started;
    if (e.end) {
      this.put(`${e.step}: ${amount(e, true)} in ${seconds(elapsed)}${rate(e, elapsed)}`, true);
      this.current = undefined;
      return;
    }
    if (now - c.shown < (this.options.live ? LIVE_EVERY_MS : PIPED_EVERY_MS)) return;
    c.shown = now;
    // A step still waiting for its first unit (a training query the engine is running) says how long it has run.
    const waiting = e.done === 0 && e.total === undefined && e.bytes === undefined && elapsed >= 1000;
    this.put(`${e.step}: ${waiting ? `running for ${Math.floor(elapsed / 1000)} s` : `${amount(e, false)}${rate(e, elapsed)}`}`, false);
  }

  /** Clears a live line (call before writing anything else to stderr, and at the end). */
  clear(): void {
    if (this.drawn) this.write('\r\x1b[K');
    this.drawn = false;
  }

  private put(line: string, final: boolean): void {
    if (this.options.live) {
      this.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
      this.drawn = !final;
    } else this.write(`${line}\n`);
  }
}

const count = (n: number) => n.toLocaleString('en-US');

function units(e: ProgressEvent, n: number): string {
  return n === 1 ? e.unit : /(?:x|s|ch|sh)$/.test(e.unit) ? `${e.unit}es` : `${e.unit}s`;
}

/** `400,000 / 1,000,000 rows (40%)`, `400,000 rows, 41% of 120.0 MB`, `3 / 16 feature versions`. */
function amount(e: ProgressEvent, final: boolean): string {
  if (e.total !== undefined) {
    if (final && e.done === e.total) return `${count(e.done)} ${units(e, e.done)}`;
    const percent = e.unit === 'row' && e.total > 0 ? ` (${Math.floor((e.done / e.total) * 100)}%)` : '';
    return `${count(e.done)} / ${count(e.total)} ${units(e, e.total)}${percent}`;
  }
  const bytes = e.bytes && !final && e.bytes.total > 0 ? `, ${Math.floor((e.bytes.done / e.bytes.total) * 100)}% of ${size(e.bytes.total)}` : '';
  return `${count(e.done)} ${units(e, e.done)}${bytes}`;
}

function rate(e: ProgressEvent, elapsedMs: number): string {
  if (e.unit !== 'row' || elapsedMs < 50 || e.done === 0) return '';
  const perSecond = e.done / (elapsedMs / 1000);
  return ` (${short(perSecond)} rows/s)`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** 950, 12.5k, 210k, 1.2M */
function short(n: number): string {
  if (n < 1000) return n.toFixed(0);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}

function size(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}
