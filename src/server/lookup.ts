/**
 * Feature lookups, the server's hot path: keys read with the entity's key
 * types, one `OnlineStore.get` (one read transaction, so one consistent
 * state), and the response written straight to JSON text by pieces computed
 * once per feature version (a feature version's columns and types never
 * change), without building an object tree for `JSON.stringify`.
 *
 * Response shape (see schemas.ts, `lookupResponse`):
 *
 *   { "entity": "user", "results": [ { "key": {"user_id": "u1"}, "found": true,
 *     "features": { "spend_30d": { "version": 1, "value": 4.2, "status": "present",
 *                                  "event_time": "2024-03-01T14:05:00Z" } } } ] }
 *
 * Without a feature list, every feature of the entity's snapshot is served in
 * its highest materialized version, keyed by name. With a list, each entry is
 * `name` (the highest version) or `name@N`, and the response is keyed by the
 * declared name, plus `@N` when a version was asked for.
 */
import { keyOf, type Catalog, type EntityInfo } from '../check/catalog.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { Value } from '../engine/values.js';
import type { RegisteredCatalog } from '../runtime/registered-catalog.js';
import type { Workspace } from '../runtime/workspace.js';
import { featureKey, type FeatureResult, type FeatureSelector, type SnapshotFeature, type VectorResult } from '../store/online/store.js';
import { ApiError } from './errors.js';
import { keyJson, keyShape, parseKey, parseKeyText, timestampJson, valueWriter, type KeyShape, type ValueWriter } from './render.js';

/** How one feature version is written. */
interface FeatureWriter {
  /** `{"version":1,"value":` or `{"version":1,"values":` */
  readonly head: string;
  readonly single: boolean;
  readonly columns: readonly string[];
  /** `{"col":` / `,"col":` for ONE_HOT features. */
  readonly columnPrefixes: readonly string[];
  readonly writers: readonly ValueWriter[];
  /** `"name":` */
  readonly nameJson: string;
}

interface EntityState {
  readonly info: EntityInfo;
  readonly shape: KeyShape;
  /** `{"entity":"user","results":[` */
  readonly head: string;
  readonly writers: Map<string, FeatureWriter>;
  /** Render plans by feature-list signature (`''`: all features). */
  readonly plans: Map<string, RenderPlan>;
}

interface Selection {
  readonly selectors: FeatureSelector[];
  /** The list as one string, for caching. */
  readonly signature: string;
}

/** `,"status":"…","event_time":` by status. */
const STATUS_PART: Readonly<Record<string, string>> = {
  present: ',"status":"present","event_time":',
  missing: ',"status":"missing","event_time":',
  outside_ttl: ',"status":"outside_ttl","event_time":',
};

const SELECTOR = /^\s*([^@\s]+)\s*(?:@\s*(\d+)\s*)?$/;

/** `["spend_30d", "avg_amount_7d@1"]` → selectors; 400 on a malformed or repeated entry. */
export function parseSelection(features: readonly string[] | undefined): Selection | undefined {
  if (features === undefined) return undefined;
  const selectors: FeatureSelector[] = [];
  const seen = new Set<string>();
  for (const text of features) {
    const m = SELECTOR.exec(text);
    const version = m?.[2] !== undefined ? Number(m[2]) : undefined;
    if (!m || (version !== undefined && (!Number.isSafeInteger(version) || version < 1))) {
      throw new ApiError('bad_request', `features: ${JSON.stringify(text)} is not a feature (write \`name\` or \`name@version\`)`);
    }
    const k = `${keyOf(m[1]!)}@${version ?? ''}`;
    if (seen.has(k)) throw new ApiError('bad_request', `features: ${JSON.stringify(text)} is listed twice`);
    seen.add(k);
    selectors.push(version === undefined ? { name: m[1]! } : { name: m[1]!, version });
  }
  return { selectors, signature: features.join('\u0000') };
}

export interface LookupOptions {
  readonly maxKeys: number;
}

export class FeatureLookup {
  private catalogCache: RegisteredCatalog | undefined;
  private catalogCheckedAt = 0;
  private readonly entities = new Map<string, EntityState>();
  private entitiesFor: RegisteredCatalog | undefined;

  constructor(
    private readonly ws: Workspace,
    private readonly options: LookupOptions,
  ) {}

  /** The registered catalog, re-read at most every 250 ms (or when forced): an apply by another process shows up within that. */
  catalog(force = false): RegisteredCatalog {
    const now = Date.now();
    if (force || this.catalogCache === undefined || now - this.catalogCheckedAt > 250) {
      this.catalogCache = this.ws.catalog();
      this.catalogCheckedAt = now;
    }
    return this.catalogCache;
  }

  private entity(name: string): EntityState {
    let rc = this.catalog();
    if (this.entitiesFor !== rc) {
      this.entities.clear();
      this.entitiesFor = rc;
    }
    const k = keyOf(name);
    const cached = this.entities.get(k);
    if (cached) return cached;
    let info = rc.catalog.entities[k];
    if (!info) {
      rc = this.catalog(true);
      info = rc.catalog.entities[k];
      if (this.entitiesFor !== rc) {
        this.entities.clear();
        this.entitiesFor = rc;
      }
    }
    if (!info) {
      const names = Object.values(rc.catalog.entities).map((e) => e.name);
      const hint = didYouMean(name, names);
      throw new ApiError('unknown_entity', `no registered entity \`${name}\`${hint ? `; ${hint}` : names.length ? ` (entities: ${names.join(', ')})` : ''}`);
    }
    const state: EntityState = {
      info,
      shape: keyShape(info.name, info.keys),
      head: `{"entity":${JSON.stringify(info.name)},"results":[`,
      writers: new Map(),
      plans: new Map(),
    };
    this.entities.set(k, state);
    return state;
  }

  /** `POST /v1/features/:entity`: the JSON text of the response. */
  async lookup(entityName: string, keys: readonly unknown[], features: readonly string[] | undefined): Promise<string> {
    const e = this.entity(entityName);
    if (keys.length > this.options.maxKeys) {
      throw new ApiError('too_many_keys', `${keys.length} keys in one request; this server reads at most ${this.options.maxKeys}`, { max_keys: this.options.maxKeys });
    }
    const parsed: Value[][] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) parsed[i] = parseKey(e.shape, keys[i], i);
    return this.run(e, parsed, parseSelection(features));
  }

  /** `GET /v1/features/:entity/:key`. */
  async lookupOne(entityName: string, keyText: string, features: readonly string[] | undefined): Promise<string> {
    const e = this.entity(entityName);
    return this.run(e, [parseKeyText(e.shape, keyText)], parseSelection(features));
  }

  private async run(e: EntityState, keys: Value[][], selection: Selection | undefined): Promise<string> {
    const store = this.ws.online();
    let results: VectorResult[];
    try {
      results = await store.get(e.info.name, keys, selection?.selectors);
    } catch (err) {
      throw await this.explain(err, e, selection);
    }
    return this.write(e, results, selection);
  }

  /** A better message for a feature the snapshot does not hold. */
  private async explain(err: unknown, e: EntityState, selection: Selection | undefined): Promise<unknown> {
    if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'unknown_feature' || !selection) return err;
    const info = await this.ws.online().describe(e.info.name);
    const held = info?.features ?? [];
    const catalog = this.catalog(true).catalog;
    for (const sel of selection.selectors) {
      const same = held.filter((f) => keyOf(f.name) === keyOf(sel.name));
      if (same.length > 0 && (sel.version === undefined || same.some((f) => f.version === sel.version))) continue;
      return unknownFeature(catalog, e.info, sel, held);
    }
    return err;
  }

  private writerFor(e: EntityState, name: string, version: number): FeatureWriter | undefined {
    return e.writers.get(featureKey(name, version));
  }

  /** Fills the writers of the entity's materialized features (from the store's snapshot description, then the catalog). */
  private async loadWriters(e: EntityState): Promise<void> {
    const info = await this.ws.online().describe(e.info.name);
    const catalog = this.catalog().catalog;
    for (const f of info?.features ?? []) e.writers.set(featureKey(f.name, f.version), makeWriter(f, catalog));
  }

  /**
   * How to write the features of a result: built once per (entity, feature
   * list) and reused while the store returns the same feature versions in the
   * same order (checked per request: names are compared by identity first).
   */
  private async renderPlan(e: EntityState, feats: readonly FeatureResult[], selection: Selection | undefined): Promise<RenderPlan> {
    const signature = selection === undefined ? '' : selection.signature;
    const cached = e.plans.get(signature);
    if (cached !== undefined && sameFeatures(cached, feats)) return cached;
    const nf = feats.length;
    const writers: FeatureWriter[] = new Array(nf);
    const labels: string[] = new Array(nf);
    let loaded = false;
    for (let j = 0; j < nf; j++) {
      const f = feats[j]!;
      let w = this.writerFor(e, f.name, f.version);
      if (w === undefined && !loaded) {
        await this.loadWriters(e);
        loaded = true;
        w = this.writerFor(e, f.name, f.version);
      }
      if (w === undefined) {
        // Not described (cannot happen with one store): plain values, by the value's own type.
        w = makeWriter({ name: f.name, version: f.version, columns: Object.keys(f.values), kind: 'aggregate' }, this.catalog().catalog);
        e.writers.set(featureKey(f.name, f.version), w);
      }
      writers[j] = w;
      const sel = selection?.selectors[j];
      labels[j] = sel?.version !== undefined ? `${JSON.stringify(`${f.name}@${sel.version}`)}:` : w.nameJson;
    }
    // Without a feature list: only the highest version of each name.
    let skip: boolean[] | undefined;
    if (selection === undefined) {
      const top = new Map<string, number>();
      for (const f of feats) {
        const k = keyOf(f.name);
        const v = top.get(k);
        if (v === undefined || f.version > v) top.set(k, f.version);
      }
      if (top.size < nf) skip = feats.map((f) => top.get(keyOf(f.name)) !== f.version);
    }
    const emit: number[] = [];
    for (let j = 0; j < nf; j++) if (skip === undefined || !skip[j]) emit.push(j);
    const plan: RenderPlan = {
      names: feats.map((f) => f.name),
      versions: feats.map((f) => f.version),
      emit,
      prefixes: emit.map((j, x) => `${x === 0 ? '' : ','}${labels[j]!}${writers[j]!.head}`),
      writers: emit.map((j) => writers[j]!),
      single: emit.map((j) => (writers[j]!.single ? writers[j]!.writers[0]! : undefined)),
      column: emit.map((j) => writers[j]!.columns[0]!),
    };
    if (e.plans.size >= 256) e.plans.clear();
    e.plans.set(signature, plan);
    return plan;
  }

  private async write(e: EntityState, results: readonly VectorResult[], selection: Selection | undefined): Promise<string> {
    let out = e.head;
    const first = results[0];
    if (first === undefined) return `${out}]}`;
    const { emit, prefixes, writers, single, column } = await this.renderPlan(e, first.features, selection);
    const ne = emit.length;
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      out += `${i === 0 ? '' : ','}{"key":${keyJson(e.shape, r.key)},"found":${r.found ? 'true' : 'false'},"features":{`;
      const cells = r.features;
      for (let x = 0; x < ne; x++) {
        const c = cells[emit[x]!]!;
        const values = c.values;
        const one = single[x];
        let v: string;
        if (one !== undefined) v = one(values[column[x]!] ?? null);
        else {
          const w = writers[x]!;
          v = '';
          for (let k = 0; k < w.columns.length; k++) v += w.columnPrefixes[k]! + w.writers[k]!(values[w.columns[k]!] ?? null);
          v += '}';
        }
        out += prefixes[x]! + v + STATUS_PART[c.status] + timestampJson(c.eventTime) + '}';
      }
      out += '}}';
    }
    return `${out}]}`;
  }
}

/** How the features of one feature list are written (see `renderPlan`). */
interface RenderPlan {
  /** The feature versions the store returned, in order. */
  readonly names: readonly string[];
  readonly versions: readonly number[];
  /** Positions of the features written (without a list: the highest version of each name). */
  readonly emit: readonly number[];
  /** Per written feature: `,"name":{"version":1,"value":` (no comma for the first). */
  readonly prefixes: readonly string[];
  readonly writers: readonly FeatureWriter[];
  /** The value writer of a one-column feature. */
  readonly single: readonly (ValueWriter | undefined)[];
  readonly column: readonly string[];
}

function sameFeatures(plan: RenderPlan, feats: readonly FeatureResult[]): boolean {
  if (plan.names.length !== feats.length) return false;
  for (let j = 0; j < feats.length; j++) {
    const f = feats[j]!;
    if (plan.versions[j] !== f.version || plan.names[j] !== f.name) return false;
  }
  return true;
}

function makeWriter(f: SnapshotFeature, catalog: Catalog): FeatureWriter {
  const info = catalog.features[keyOf(f.name)]?.find((x) => x.version === f.version);
  const oneHot = info ? info.encoding?.kind === 'one_hot_top' || info.encoding?.kind === 'one_hot_values' : f.columns.length !== 1 || keyOf(f.columns[0]!) !== keyOf(f.name);
  const single = !oneHot && f.columns.length === 1;
  const types = f.columns.map((_c, i) => f.types?.[i] ?? (oneHot ? 'INTEGER' : info?.outputType));
  return {
    head: `{"version":${f.version},"${single ? 'value' : 'values'}":`,
    single,
    columns: f.columns,
    columnPrefixes: f.columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`),
    writers: types.map((t) => valueWriter(t)),
    nameJson: `${JSON.stringify(f.name)}:`,
  };
}

function unknownFeature(catalog: Catalog, entity: EntityInfo, sel: FeatureSelector, held: readonly SnapshotFeature[]): ApiError {
  const what = sel.version === undefined ? `feature \`${sel.name}\`` : `feature \`${sel.name}\` VERSION ${sel.version}`;
  const registered = catalog.features[keyOf(sel.name)];
  if (registered && registered.length > 0) {
    const owner = registered[0]!.key.entity;
    if (keyOf(owner) !== keyOf(entity.name)) return new ApiError('unknown_feature', `${what} is a feature of entity ${owner}, not ${entity.name}`);
    const versions = registered.map((f) => f.version);
    if (sel.version !== undefined && !versions.includes(sel.version)) {
      return new ApiError('unknown_feature', `${what} is not registered (versions: ${versions.join(', ')})`, { versions });
    }
    return new ApiError('unknown_feature', `${what} is registered but not materialized for entity ${entity.name}: run \`fsql materialize\``);
  }
  const names = [...new Set(held.map((f) => f.name))];
  const hint = didYouMean(sel.name, names);
  return new ApiError('unknown_feature', `entity ${entity.name} has no ${what}${hint ? `; ${hint}` : names.length > 0 ? ` (materialized: ${names.join(', ')})` : ''}`);
}
