/**
 * `fsql serve --refresh EVERY`: the incremental refresh (refresh.ts) run on
 * a schedule inside the server, one run at a time (a run that outlasts the
 * period delays the next; runs never overlap). Each run brings every
 * entity's vectors to the time it starts, logs what it did on stderr, and
 * leaves its outcome for `/health` and `/metrics` (src/server/refresh-status.ts).
 *
 * With `serve --workers N` one worker refreshes (the primary starts one with
 * FSQL_SERVE_REFRESHER=1, and its replacement when it dies); the others serve
 * what it writes — the online store is shared.
 */
import { materializeIncremental, type RefreshedEntity } from './refresh.js';
import type { Workspace } from './workspace.js';

export interface RefreshRun {
  /** When it started and ended, epoch µs. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The time it brought the vectors to. */
  readonly asOf: number;
  readonly entities: readonly RefreshedEntity[];
  readonly error?: string;
}

export interface RefreshStatus {
  readonly everySeconds: number;
  readonly running: boolean;
  readonly runs: number;
  readonly failures: number;
  readonly last: RefreshRun | null;
  /** The last run that succeeded. */
  readonly lastOk: RefreshRun | null;
  /** When the next run is due, epoch µs (null while one runs, or once stopped). */
  readonly nextAt: number | null;
}

/** What /health and /metrics read. */
export interface RefreshStatusSource {
  status(): RefreshStatus;
}

/** `5m`, `1h`, `30s`, `2d`, `500ms` → ms; undefined when not a duration. */
export function parseEvery(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n > 0 && Number.isFinite(n) ? n : undefined;
}

export interface SchedulerOptions {
  readonly everyMs: number;
  /** A line per run (default: nothing). */
  readonly log?: (line: string) => void;
  /** The clock, epoch µs (tests). */
  readonly now?: () => number;
}

export class RefreshScheduler implements RefreshStatusSource {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;
  private runs = 0;
  private failures = 0;
  private last: RefreshRun | null = null;
  private lastOk: RefreshRun | null = null;
  private nextAt: number | null = null;

  constructor(
    private readonly ws: Workspace,
    private readonly options: SchedulerOptions,
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now() * 1000;
  }

  /** Schedules the first run one period from now. */
  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.nextAt = this.now() + this.options.everyMs * 1000;
    this.timer = setTimeout(() => void this.runNow(), this.options.everyMs);
    this.timer.unref?.();
  }

  /** Runs a refresh now (after the one in flight, if any); resolves when it is done. Never throws: a failure is logged and counted. */
  runNow(): Promise<void> {
    if (this.current) return this.current.then(() => this.runNow());
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = null;
    const run = (async () => {
      const startedAt = this.now();
      let entities: RefreshedEntity[] = [];
      let error: string | undefined;
      try {
        entities = await materializeIncremental(this.ws, { at: startedAt });
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const endedAt = this.now();
      const r: RefreshRun = { startedAt, endedAt, asOf: entities[0]?.asOf ?? startedAt, entities, ...(error !== undefined ? { error } : {}) };
      this.runs++;
      this.last = r;
      if (error === undefined) this.lastOk = r;
      else this.failures++;
      const seconds = ((endedAt - startedAt) / 1e6).toFixed(2);
      this.options.log?.(
        error !== undefined
          ? `fsql serve: refresh failed after ${seconds} s: ${error}\n`
          : `fsql serve: refreshed ${entities.map((x) => `${x.entity} ${x.keys} of ${x.totalKeys} keys${x.mode === 'full' ? ' (full)' : ''}`).join(', ')} in ${seconds} s\n`,
      );
    })();
    this.current = run.finally(() => {
      this.current = undefined;
      this.schedule();
    });
    return this.current;
  }

  /** Stops scheduling and waits for a run in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = null;
    await this.current;
  }

  status(): RefreshStatus {
    return {
      everySeconds: this.options.everyMs / 1000,
      running: this.current !== undefined,
      runs: this.runs,
      failures: this.failures,
      last: this.last,
      lastOk: this.lastOk,
      nextAt: this.nextAt,
    };
  }
}
