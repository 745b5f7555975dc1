/**
 * Freshness (docs/monitoring.md): how recent the data is.
 *
 * - Per source with an event time: the newest event time in the offline
 *   store (`MAX` of its event-time column) and the time since.
 * - Per served feature version: the same for the relation it reads (a view:
 *   the newest event time of its rows).
 * - Per entity: when the online store's vectors were computed as of, when the
 *   snapshot was written (materialize) and last updated (ingest), and the
 *   time since.
 *
 * Times are epoch microseconds; ages are seconds (negative when an event
 * time lies in the future).
 */
import { keyOf } from '../check/catalog.js';
import { newestEventTime } from './run-plan.js';
import { entitiesWithFeatures } from './vectors.js';
import type { Workspace } from './workspace.js';

export interface SourceFreshness {
  readonly source: string;
  /** `file`, `table` or `stream`. */
  readonly origin: string;
  /** Null when the source has no event time or no rows. */
  readonly newestEventTime: number | null;
  readonly lagSeconds: number | null;
}

export interface FeatureFreshness {
  readonly feature: string;
  readonly version: number;
  readonly entity: string;
  readonly relation: string;
  readonly newestEventTime: number | null;
  readonly lagSeconds: number | null;
}

export interface EntityFreshness {
  readonly entity: string;
  /** False when the online store holds no vectors of it (never materialized). */
  readonly materialized: boolean;
  readonly keys: number;
  /** The time the vectors hold as of (the snapshot's, or the last incremental refresh's); when the snapshot was written (materialize); when a key was last upserted (ingest) or written. */
  readonly asOf: number | null;
  readonly materializedAt: number | null;
  readonly updatedAt: number | null;
  /** Seconds since `updatedAt`. */
  readonly secondsSinceUpdate: number | null;
}

export interface FreshnessReport {
  /** When it was computed, epoch µs. */
  readonly now: number;
  readonly sources: readonly SourceFreshness[];
  readonly features: readonly FeatureFreshness[];
  readonly entities: readonly EntityFreshness[];
}

const lag = (now: number, t: number | null): number | null => (t === null ? null : (now - t) / 1_000_000);

export interface FreshnessOptions {
  /** The time to measure from, epoch µs (default: now). */
  readonly now?: number;
  /** Only the sources (no features, no entities): what `/metrics` needs. */
  readonly sourcesOnly?: boolean;
}

/** The freshness of every source with an event time, every registered feature version, and every entity with features. */
export async function freshness(ws: Workspace, options: FreshnessOptions = {}): Promise<FreshnessReport> {
  const { catalog } = await ws.catalog();
  const now = options.now ?? Date.now() * 1000;
  const newest = new Map<string, number | null>();
  const features = Object.values(catalog.features)
    .flat()
    .sort((a, b) => keyOf(a.name).localeCompare(keyOf(b.name)) || a.version - b.version);
  const sources = Object.values(catalog.relations)
    .filter((r) => r.kind === 'source' && r.eventTime !== undefined)
    .sort((a, b) => keyOf(a.name).localeCompare(keyOf(b.name)));
  const relations = [...sources.map((s) => s.name), ...(options.sourcesOnly ? [] : features.map((f) => f.relation))];
  await ws.exclusive(async () => {
    const engine = await ws.engine();
    for (const r of relations) if (!newest.has(keyOf(r))) newest.set(keyOf(r), await newestEventTime(engine, catalog, r));
  });
  const entities = [];
  if (!options.sourcesOnly) {
    for (const entity of entitiesWithFeatures(catalog)) {
      const info = await ws.online().describe(entity);
      entities.push({
        entity,
        materialized: info !== null,
        keys: info?.keys ?? 0,
        // The time the vectors hold: the snapshot's, or a later incremental refresh's.
        asOf: info ? Math.max(info.asOf, info.refreshedAsOf ?? info.asOf) : null,
        materializedAt: info?.writtenAt ?? null,
        updatedAt: info?.updatedAt ?? null,
        secondsSinceUpdate: lag(now, info?.updatedAt ?? null),
      });
    }
  }
  return {
    now,
    sources: sources.map((s) => {
      const t = newest.get(keyOf(s.name)) ?? null;
      return { source: s.name, origin: s.kind === 'source' ? s.origin.kind : 'view', newestEventTime: t, lagSeconds: lag(now, t) };
    }),
    features: options.sourcesOnly
      ? []
      : features.map((f) => {
          const t = newest.get(keyOf(f.relation)) ?? null;
          return { feature: f.name, version: f.version, entity: catalog.entities[keyOf(f.key.entity)]?.name ?? f.key.entity, relation: f.relation, newestEventTime: t, lagSeconds: lag(now, t) };
        }),
    entities,
  };
}
