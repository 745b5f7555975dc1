/**
 * The registry API as the UI reads it (the same JSON as /openapi.json
 * documents; the monitoring endpoints are optional: a server without them
 * answers 404 and the UI says so).
 */
export type Kind = 'entity' | 'source' | 'view' | 'feature' | 'label' | 'training_set';
export const KINDS: readonly Kind[] = ['entity', 'source', 'view', 'feature', 'label', 'training_set'];
export const KIND_LABEL: Record<Kind, string> = { entity: 'entity', source: 'source', view: 'view', feature: 'feature', label: 'label', training_set: 'training set' };

export interface Ref {
  kind: Kind;
  name: string;
  version: number;
}
export interface Metadata {
  description?: string;
  owner?: string;
  tags: string[];
}
export interface Summary extends Ref {
  hash: string;
  metadata: Metadata;
  revision: number;
  registered_at: string;
  updated_at: string;
  fitted: boolean;
  fit?: 'fitted' | 'awaiting' | 'not_needed';
  has_statistics: boolean;
  retired?: { reason: string; at: string };
}
export type Scalar = string | number | boolean | null;
export interface Statistics {
  count: number;
  nulls: number;
  distinct: number;
  mean: number | string | null;
  stddev: number | null;
  min: number | string | null;
  max: number | string | null;
  q1: number | string | null;
  median: number | string | null;
  q3: number | string | null;
  histogram: { lower: number | string | null; upper: number | string | null; count: number }[];
  top_values: { value: Scalar; count: number }[];
}
export interface Fitted {
  fit_time: string | null;
  count: number;
  mean: number | string | null;
  stddev: number | null;
  min: number | string | null;
  max: number | string | null;
  q1: number | string | null;
  median: number | string | null;
  q3: number | string | null;
  mode: Scalar;
  vocabulary: Scalar[];
  columns: string[];
}
export interface Lineage {
  root: Ref;
  upstream: Ref[];
  downstream: Ref[];
  edges: { from: Ref; to: Ref }[];
}
export interface ObjectDetail extends Summary {
  text: string;
  definition: string;
  pins?: { kind: Kind; name: string; revision: number; hash: string; current: boolean }[];
  versions: number[];
  revisions: { revision: number; change: 'added' | 'updated' | 'metadata'; hash: string; text: string; metadata: Metadata; apply_id: number; applied_at: string }[];
  dependencies: Ref[];
  dependents: Ref[];
  fitted_parameters?: Fitted;
  statistics?: Statistics;
  statistics_history?: { apply_id: number; applied_at: string; statistics: Statistics }[];
  lineage: Lineage;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(res.status, `${path}: ${res.status} ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const message = (body as { error?: { message?: string } }).error?.message ?? `${res.status}`;
    throw new HttpError(res.status, message);
  }
  return body as T;
}

export const objectsUrl = (filters: Record<string, string | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== '') p.set(k, v);
  const qs = p.toString();
  return `/v1/registry/objects${qs ? `?${qs}` : ''}`;
};
export const objectUrl = (name: string, version?: number) => `/v1/registry/objects/${encodeURIComponent(name)}${version !== undefined ? `?version=${version}` : ''}`;

/** The newest version of each name, in the API's order. */
export function newestByName(objects: readonly Summary[]): { newest: Summary; versions: Summary[] }[] {
  const byName = new Map<string, Summary[]>();
  for (const o of objects) {
    const k = `${o.kind}:${o.name.toLowerCase()}`;
    const list = byName.get(k) ?? [];
    list.push(o);
    byName.set(k, list);
  }
  return [...byName.values()].map((versions) => ({ newest: versions.reduce((a, b) => (b.version > a.version ? b : a)), versions }));
}
