/**
 * Registry objects, entities and the online state as the API shows them:
 * snake_case fields, times as ISO-8601 text, statistics of DATE and
 * TIMESTAMP features as dates and times (schemas.ts has the shapes).
 */
import { keyOf, type Catalog, type ScalarType } from '../check/catalog.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { Value } from '../engine/values.js';
import type { FittedParameters } from '../plan/fitted.js';
import type { Workspace } from '../runtime/workspace.js';
import type { ObjectKind, ObjectMetadata, ObjectRef } from '../store/registry/definitions.js';
import type { Lineage, ObjectDescription, RegisteredObject } from '../store/registry/registry.js';
import type { FeatureStatistics } from '../plan/statistics.js';
import type { OnlineEntityInfo } from '../store/online/store.js';
import { ApiError } from './errors.js';
import { isoTimestamp, renderValue } from './render.js';

const ref = (r: ObjectRef) => ({ kind: r.kind, name: r.name, version: r.version });

const meta = (m: ObjectMetadata) => ({
  ...(m.description !== undefined ? { description: m.description } : {}),
  ...(m.owner !== undefined ? { owner: m.owner } : {}),
  tags: [...m.tags],
});

/** Registry times are ISO text already; normalized to the API's form (no fraction when zero). */
function time(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : isoTimestamp(ms * 1000);
}

export function objectSummaryJson(o: RegisteredObject) {
  return {
    kind: o.kind,
    name: o.name,
    version: o.version,
    hash: o.hash,
    metadata: meta(o.metadata),
    revision: o.revision,
    registered_at: time(o.registeredAt),
    updated_at: time(o.updatedAt),
    fitted: o.fitted,
    ...(o.fit !== undefined ? { fit: o.fit } : {}),
    has_statistics: o.hasStatistics,
    ...(o.retired ? { retired: { reason: o.retired.reason, at: time(o.retired.at) } } : {}),
  };
}

export function lineageJson(l: Lineage) {
  return {
    root: ref(l.root),
    upstream: l.upstream.map(ref),
    downstream: l.downstream.map(ref),
    edges: [...l.upstreamEdges, ...l.downstreamEdges].map((e) => ({ from: ref(e.from), to: ref(e.to) })),
  };
}

/** A number of a DATE / TIMESTAMP feature's statistics as text; other types unchanged. */
function statValue(v: number | string | boolean | null, type: ScalarType | undefined): string | number | boolean | null {
  return type === 'DATE' || type === 'TIMESTAMP' ? renderValue(v as Value, type) : v;
}

function fittedJson(p: FittedParameters, type: ScalarType | undefined) {
  const n = (v: number | null) => statValue(v, type) as number | string | null;
  return {
    fit_time: p.fitTime === null ? null : isoTimestamp(p.fitTime),
    count: p.count,
    mean: n(p.mean),
    stddev: p.stddev,
    min: n(p.min),
    max: n(p.max),
    q1: n(p.q1),
    median: n(p.median),
    q3: n(p.q3),
    mode: statValue(p.mode, type),
    vocabulary: p.vocabulary.map((v) => statValue(v, type)),
    columns: [...p.columns],
  };
}

function statisticsJson(s: FeatureStatistics, type: ScalarType | undefined) {
  const n = (v: number | null) => statValue(v, type) as number | string | null;
  return {
    count: s.count,
    nulls: s.nulls,
    distinct: s.distinct,
    mean: n(s.mean),
    stddev: s.stddev,
    min: n(s.min),
    max: n(s.max),
    q1: n(s.q1),
    median: n(s.median),
    q3: n(s.q3),
    histogram: s.histogram.map((b) => ({ lower: n(b.lower), upper: n(b.upper), count: b.count })),
    top_values: s.topValues.map((t) => ({ value: statValue(t.value, type), count: t.count })),
  };
}

export function objectJson(d: ObjectDescription, catalog: Catalog) {
  const rawType = d.kind === 'feature' ? catalog.features[keyOf(d.name)]?.find((f) => f.version === d.version)?.rawType : undefined;
  return {
    ...objectSummaryJson(d),
    text: d.text,
    definition: d.definition,
    ...(d.pins ? { pins: d.pins.map((p) => ({ kind: p.kind, name: p.name, revision: p.revision, hash: p.hash, current: p.current })) } : {}),
    versions: [...d.versions],
    revisions: d.revisions.map((r) => ({
      revision: r.revision,
      change: r.change,
      hash: r.hash,
      text: r.text,
      metadata: meta(r.metadata),
      apply_id: r.applyId,
      applied_at: time(r.appliedAt),
    })),
    dependencies: d.dependencies.map(ref),
    dependents: d.dependents.map(ref),
    ...(d.fittedParameters ? { fitted_parameters: fittedJson(d.fittedParameters, rawType) } : {}),
    ...(d.statistics ? { statistics: statisticsJson(d.statistics, rawType) } : {}),
    ...(d.statisticsHistory
      ? { statistics_history: d.statisticsHistory.map((h) => ({ apply_id: h.apply, applied_at: time(h.appliedAt), statistics: statisticsJson(h.statistics, rawType) })) }
      : {}),
    lineage: lineageJson(d.lineage),
  };
}

/** The versions of a registered name, or 404 (with a did-you-mean) / 404 for a version not registered. */
export async function checkObject(ws: Workspace, name: string, version: number | undefined): Promise<void> {
  const versions = await ws.registry.versions(name);
  if (versions.length === 0) {
    const names = [...new Set((await ws.registry.list()).map((o) => o.name))];
    const hint = didYouMean(name, names);
    throw new ApiError('unknown_object', `nothing named \`${name}\` is registered${hint ? `; ${hint}` : ''}`);
  }
  if (version !== undefined && !versions.includes(version)) {
    throw new ApiError('unknown_version', `\`${name}\` has no VERSION ${version}; registered versions: ${versions.join(', ')}`, { versions });
  }
}

export function onlineJson(info: OnlineEntityInfo | null) {
  if (!info) return null;
  return {
    generation: info.generation,
    as_of: isoTimestamp(info.asOf),
    keys: info.keys,
    features: info.features.map((f) => ({
      name: f.name,
      version: f.version,
      columns: [...f.columns],
      types: f.columns.map((_c, i) => f.types?.[i] ?? null),
      kind: f.kind,
      ...(f.ttlSeconds !== undefined ? { ttl_seconds: f.ttlSeconds } : {}),
    })),
    written_at: isoTimestamp(info.writtenAt),
    updated_at: isoTimestamp(info.updatedAt),
  };
}

export async function entitiesJson(ws: Workspace, catalog: Catalog) {
  const store = ws.online();
  const out = [];
  const entities = Object.values(catalog.entities).sort((a, b) => keyOf(a.name).localeCompare(keyOf(b.name)));
  for (const e of entities) {
    const features = Object.values(catalog.features)
      .flat()
      .filter((f) => keyOf(f.key.entity) === keyOf(e.name))
      .sort((a, b) => keyOf(a.name).localeCompare(keyOf(b.name)) || a.version - b.version)
      .map((f) => ({ name: f.name, version: f.version }));
    out.push({
      name: e.name,
      keys: e.keys.map((k) => ({ name: k.name, type: k.type })),
      metadata: meta(e),
      features,
      online: onlineJson(await store.describe(e.name)),
    });
  }
  return { entities: out };
}

export async function healthJson(ws: Workspace, catalog: Catalog, excluded: readonly { kind: string; name: string; version: number; reason: string; retired?: boolean }[], lastApply: number) {
  const store = ws.online();
  const awaiting = await ws.registry.awaitingFit();
  const materialized = [];
  for (const e of Object.values(catalog.entities).sort((a, b) => keyOf(a.name).localeCompare(keyOf(b.name)))) {
    const info = await store.describe(e.name);
    if (!info) continue;
    materialized.push({
      entity: info.entity,
      as_of: isoTimestamp(info.asOf),
      keys: info.keys,
      features: info.features.length,
      generation: info.generation,
      updated_at: isoTimestamp(info.updatedAt),
      ...(info.refreshedAsOf !== null && info.refreshedAsOf !== undefined ? { refreshed_as_of: isoTimestamp(info.refreshedAsOf) } : {}),
    });
  }
  return {
    status: 'ok' as const,
    last_apply: lastApply,
    ...(excluded.length > 0 ? { excluded: excluded.map((x) => ({ kind: x.kind, name: x.name, version: x.version, reason: x.reason, retired: x.retired === true })) } : {}),
    ...(awaiting.length > 0 ? { awaiting_fit: awaiting.map((a) => ({ name: a.name, version: a.version })) } : {}),
    materialized,
  };
}

export const OBJECT_KINDS: readonly ObjectKind[] = ['entity', 'source', 'view', 'feature', 'label', 'training_set'];
