/** Drift and freshness reports (src/runtime/drift.ts, freshness.ts) as the API's snake_case JSON; `fsql monitor … --json` prints the same. */
import type { DriftReport } from '../runtime/drift.js';
import type { FreshnessReport } from '../runtime/freshness.js';
import { isoTimestamp } from './render.js';

const time = (t: number | null): string | null => (t === null ? null : isoTimestamp(t));

export function driftJson(r: DriftReport): Record<string, unknown> {
  return {
    threshold: r.threshold,
    epsilon: r.epsilon,
    drifted: r.drifted,
    features: r.features.map((f) => ({
      feature: f.feature,
      version: f.version,
      entity: f.entity,
      kind: f.kind,
      psi: f.psi,
      null_share_now: f.nullShareNow,
      null_share_then: f.nullShareThen,
      rows: f.rows,
      rows_then: f.rowsThen,
      status: f.status,
      ...(f.reason !== undefined ? { reason: f.reason } : {}),
      buckets: f.buckets.map((b) => ({ label: b.label, then: b.then, now: b.now })),
    })),
  };
}

export function freshnessJson(r: FreshnessReport): Record<string, unknown> {
  return {
    now: isoTimestamp(r.now),
    sources: r.sources.map((s) => ({ source: s.source, origin: s.origin, newest_event_time: time(s.newestEventTime), lag_seconds: s.lagSeconds })),
    features: r.features.map((f) => ({ feature: f.feature, version: f.version, entity: f.entity, relation: f.relation, newest_event_time: time(f.newestEventTime), lag_seconds: f.lagSeconds })),
    entities: r.entities.map((e) => ({
      entity: e.entity,
      materialized: e.materialized,
      keys: e.keys,
      as_of: time(e.asOf),
      materialized_at: time(e.materializedAt),
      updated_at: time(e.updatedAt),
      seconds_since_update: e.secondsSinceUpdate,
    })),
  };
}
