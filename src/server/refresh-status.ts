/**
 * The scheduled refresh of `fsql serve --refresh EVERY` (src/runtime/refresh-scheduler.ts):
 * its last run in `GET /health` (`refresh`) and in `/metrics` (gauges computed when scraped).
 */
import client from 'prom-client';
import { isoTimestamp } from '../engine/values.js';
import type { RefreshRun, RefreshStatusSource } from '../runtime/refresh-scheduler.js';

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : isoTimestamp(t));

function runJson(r: RefreshRun | null): Record<string, unknown> | null {
  if (r === null) return null;
  return {
    started_at: iso(r.startedAt),
    seconds: (r.endedAt - r.startedAt) / 1e6,
    as_of: iso(r.asOf),
    entities: r.entities.map((e) => ({ entity: e.entity, mode: e.mode, keys: e.keys, total_keys: e.totalKeys, previous_as_of: iso(e.previousAsOf), as_of: iso(e.asOf) })),
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}

/** The `refresh` member of `/health`. */
export function refreshHealthJson(source: RefreshStatusSource): Record<string, unknown> {
  const s = source.status();
  return { every_seconds: s.everySeconds, running: s.running, runs: s.runs, failures: s.failures, next_at: iso(s.nextAt), last: runJson(s.last), last_ok: runJson(s.lastOk) };
}

/** Registers the refresh's gauges on a server's metrics registry (the refreshing worker's values win: max). */
export function registerRefreshMetrics(registry: client.Registry, source: RefreshStatusSource): void {
  const registers = [registry];
  const gauge = (name: string, help: string, value: () => number | null) => {
    const g: client.Gauge = new client.Gauge({
      name,
      help,
      registers,
      aggregator: 'max',
      collect() {
        const v = value();
        if (v === null) g.reset();
        else g.set(v);
      },
    });
  };
  gauge('fsql_refresh_runs', 'Scheduled refreshes (serve --refresh) run by this process', () => source.status().runs);
  gauge('fsql_refresh_failures', 'Scheduled refreshes that failed', () => source.status().failures);
  gauge('fsql_refresh_last_success_timestamp_seconds', 'When the last successful refresh started (Unix seconds)', () =>
    source.status().lastOk ? source.status().lastOk!.startedAt / 1e6 : null,
  );
  gauge('fsql_refresh_last_as_of_timestamp_seconds', 'The time the last successful refresh brought the vectors to (Unix seconds)', () =>
    source.status().lastOk ? source.status().lastOk!.asOf / 1e6 : null,
  );
  gauge('fsql_refresh_last_duration_seconds', 'How long the last refresh took', () =>
    source.status().last ? (source.status().last!.endedAt - source.status().last!.startedAt) / 1e6 : null,
  );
  gauge('fsql_refresh_last_keys', 'Keys the last refresh recomputed (all entities)', () =>
    source.status().last ? source.status().last!.entities.reduce((n, e) => n + e.keys, 0) : null,
  );
}
