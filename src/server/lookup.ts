/**
 * Feature lookups, the server's hot path: keys read with the entity's key
 * types, one `OnlineStore.getEncoded` (one read transaction, so one
 * consistent state), and the response written as UTF-8 bytes straight from
 * the stored encoding (src/store/online/wire.ts) by a plan made once per
 * feature list and store generation — no value, cell or object tree is built
 * per key.
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
import { keyOf, parseVersionRef, versionKey, versionRef, type Catalog, type EntityInfo, type ScalarType } from '../check/catalog.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { Value } from '../engine/values.js';
import type { RegisteredCatalog } from '../runtime/registered-catalog.js';
import type { Workspace } from '../runtime/workspace.js';
import { encodeKey, missingCell, type EncodedVectors, type FeatureSelector, type SnapshotFeature } from '../store/online/store.js';
import { decodeVector, VectorEncoder } from '../store/online/codec.js';
import { isoTimestamp } from '../engine/values.js';
import { requestTimeCells } from '../runtime/tiles.js';
import { bytesOf, WireKind, WireWriter, type WireFeature } from '../store/online/wire.js';
import { clip } from './body.js';
import { ApiError } from './errors.js';
import { keyJson, keyShape, parseKey, parseKeyText, valueWriter, type KeyShape } from './render.js';

interface EntityState {
  readonly info: EntityInfo;
  readonly shape: KeyShape;
  /** `{"entity":"user","results":[` */
  readonly head: string;
  /** Render plans by feature-list signature (`''`: all features), for one generation of the store. */
  readonly plans: Map<string, RenderPlan>;
  /** The generation the plans are for. */
  generation: number;
  /** The entity's record as last read (ms): its generation and the time a refresh brought that generation's vectors to. */
  refreshed?: { readonly generation: number; readonly micros: number | null; readonly readAt: number };
  /** The as-of text of the last response. */
  asOf?: { readonly micros: number; readonly tail: Uint8Array };
}

interface Selection {
  readonly selectors: FeatureSelector[];
  /** The list as one string, for caching. */
  readonly signature: string;
}

/** `["spend_30d", "avg_amount_7d@1"]` → selectors; 400 on a malformed or repeated entry. */
export function parseSelection(features: readonly string[] | undefined): Selection | undefined {
  if (features === undefined) return undefined;
  const selectors: FeatureSelector[] = [];
  const seen = new Set<string>();
  for (const text of features) {
    const ref = parseVersionRef(text);
    if (!ref) throw new ApiError('bad_request', `features: ${clip(text)} is not a feature (write \`name\` or \`name@version\`)`);
    const k = versionKey(ref.name, ref.version);
    if (seen.has(k)) throw new ApiError('bad_request', `features: ${clip(text)} is listed twice`);
    seen.add(k);
    selectors.push(ref);
  }
  return { selectors, signature: features.join('\u0000') };
}

export interface LookupOptions {
  readonly maxKeys: number;
  /** Memory for the bytes of vectors written lately (default 64 MiB; 0: none). */
  readonly renderCacheBytes?: number;
  /** The request time, epoch µs (default: the clock): windowed aggregates served from tiles are computed as of it. */
  readonly now?: () => number;
}

/** How long the entity's as-of time is taken as read (a refresh raises it without a new generation). */
const AS_OF_TTL_MS = 1000;
const asOfTail = (micros: number): Uint8Array => bytesOf(`,"as_of":"${isoTimestamp(micros)}"`);

const DEFAULT_RENDER_CACHE_BYTES = 64 * 1024 * 1024;

/** The memory a cached rendering is counted as: its bytes, the stored vector it was written from, its id and some overhead. */
const entrySize = (id: string, entry: { readonly blob: Uint8Array; readonly bytes: Uint8Array }) => entry.blob.byteLength + entry.bytes.byteLength + id.length + 64;

export class FeatureLookup {
  private catalogCache: RegisteredCatalog | undefined;
  private catalogCheckedAt = 0;
  private readonly entities = new Map<string, EntityState>();
  private entitiesFor: RegisteredCatalog | undefined;
  /** Responses are written here, then copied out (one request at a time: the writing is synchronous). */
  private readonly writer = new WireWriter();
  /**
   * The bytes of vectors written lately, by render plan and key, with the
   * stored vector they were written from: reused while the store returns the
   * same bytes for the key (a hot key costs a comparison, not a rendering).
   * Oldest first; at most `renderCacheBytes` in all.
   */
  private readonly rendered = new Map<string, { readonly blob: Uint8Array; readonly bytes: Uint8Array }>();
  private renderedBytes = 0;
  private nextPlanId = 0;
  private readonly encoder = new VectorEncoder();

  constructor(
    private readonly ws: Workspace,
    private readonly options: LookupOptions,
  ) {}

  /** The registered catalog, re-read at most every 250 ms (or when forced): an apply by another process shows up within that. */
  async catalog(force = false): Promise<RegisteredCatalog> {
    const now = Date.now();
    if (force || this.catalogCache === undefined || now - this.catalogCheckedAt > 250) {
      this.catalogCache = await this.ws.catalog();
      this.catalogCheckedAt = now;
    }
    return this.catalogCache;
  }

  private async entity(name: string): Promise<EntityState> {
    let rc = await this.catalog();
    if (this.entitiesFor !== rc) {
      this.entities.clear();
      this.entitiesFor = rc;
    }
    const k = keyOf(name);
    const cached = this.entities.get(k);
    if (cached) return cached;
    let info = rc.catalog.entities[k];
    if (!info) {
      rc = await this.catalog(true);
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
      plans: new Map(),
      generation: -1,
    };
    this.entities.set(k, state);
    return state;
  }

  /** `POST /v1/features/:entity`: the JSON text of the response. */
  async lookup(entityName: string, keys: readonly unknown[], features: readonly string[] | undefined): Promise<Buffer> {
    const e = await this.entity(entityName);
    if (keys.length > this.options.maxKeys) {
      throw new ApiError('too_many_keys', `${keys.length} keys in one request; this server reads at most ${this.options.maxKeys}`, { max_keys: this.options.maxKeys });
    }
    const parsed: Value[][] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) parsed[i] = parseKey(e.shape, keys[i], i);
    return this.run(e, parsed, parseSelection(features));
  }

  /** `GET /v1/features/:entity/:key`. */
  async lookupOne(entityName: string, keyText: string, features: readonly string[] | undefined): Promise<Buffer> {
    const e = await this.entity(entityName);
    return this.run(e, [parseKeyText(e.shape, keyText)], parseSelection(features));
  }

  private async run(e: EntityState, keys: Value[][], selection: Selection | undefined): Promise<Buffer> {
    const store = this.ws.online();
    let encoded: EncodedVectors;
    let plan: RenderPlan;
    const rc = await this.catalog();
    // The refresh time is read before the vectors: vectors read after it hold as of that time or later.
    const cached = e.refreshed;
    const refreshed = cached !== undefined && Date.now() - cached.readAt < AS_OF_TTL_MS ? cached : await this.refreshed(e);
    try {
      encoded = await store.getEncoded(e.info.name, keys);
      plan = this.renderPlan(e, encoded, selection, rc);
    } catch (err) {
      throw await this.explain(err, e, selection);
    }
    const asOf = this.asOfText(e, encoded, refreshed);
    // Windowed aggregates served from tiles (online.windows = tiles): computed as of the request time.
    let blobs = encoded.blobs;
    let tails: Uint8Array[] | undefined;
    if (this.ws.config.online.windows === 'tiles') {
      const T = this.options.now?.() ?? Date.now() * 1000;
      const texts = keys.map((k) => encodeKey(k, k.length));
      const fresh = await requestTimeCells(store, e.info.name, texts, T);
      if (fresh !== null) {
        const at = fresh.specs.map((s) => encoded.features.findIndex((f) => keyOf(f.name) === keyOf(s.name) && f.version === s.version));
        const tiled = new Set(at.filter((x) => x >= 0));
        const requestTail = asOfTail(T);
        tails = plan.features.map((f) => (tiled.has(f.index) ? requestTail : asOf.tail));
        blobs = blobs.map((b, i) => {
          if (b === undefined) return b;
          const cells = decodeVector(b, encoded.counts);
          at.forEach((x, j) => {
            if (x >= 0) cells[x] = fresh.cells[i]![j]!;
          });
          return Buffer.from(this.encoder.encode(cells));
        });
      }
    }
    tails ??= plan.features.map(() => asOf.tail);
    const tiles = blobs !== encoded.blobs;
    const w = this.writer;
    w.reset();
    w.text(e.head);
    const { counts } = encoded;
    const rendered = this.rendered;
    for (let i = 0; i < keys.length; i++) {
      const blob = blobs[i];
      const key = keyJson(e.shape, keys[i]!);
      w.text(`${i === 0 ? '' : ','}{"key":${key},"found":${blob === undefined ? 'false' : 'true'},"features":{`);
      if (blob === undefined) {
        for (let x = 0; x < plan.missing.length; x++) {
          w.bytes(plan.missing[x]!);
          w.bytes(tails[x]!);
          w.ascii('}');
        }
      } else if (tiles) w.vector(blob, counts, plan.features, tails);
      else {
        // The bytes of a vector already written with this plan and as-of time, while the stored vector is byte for byte the same.
        const id = `${plan.id}\u0000${asOf.micros}\u0000${key}`;
        const hit = rendered.get(id);
        if (hit !== undefined && Buffer.compare(hit.blob, blob) === 0) w.bytes(hit.bytes);
        else {
          const start = w.length;
          w.vector(blob, counts, plan.features, tails);
          if (hit !== undefined) this.forget(id, hit);
          this.remember(id, { blob, bytes: w.copy(start) });
        }
      }
      w.ascii('}}');
    }
    w.ascii(']}');
    return w.take();
  }

  /** The entity's refresh time, read at most every AS_OF_TTL_MS (a refresh raises it without a new generation). */
  private async refreshed(e: EntityState): Promise<EntityState['refreshed']> {
    const now = Date.now();
    if (e.refreshed !== undefined && now - e.refreshed.readAt < AS_OF_TTL_MS) return e.refreshed;
    const info = await this.ws.online().describe(e.info.name);
    e.refreshed = info === null ? undefined : { generation: info.generation, micros: info.refreshedAsOf, readAt: now };
    return e.refreshed;
  }

  /**
   * The time the vectors read hold as of: their generation's, or the refresh time read before them when it is of
   * that generation (a later refresh only moves values forward: the time shown is never later than the values').
   */
  private asOfText(e: EntityState, encoded: EncodedVectors, refreshed: EntityState['refreshed']): NonNullable<EntityState['asOf']> {
    let micros = encoded.asOf;
    if (refreshed !== undefined && refreshed.generation === encoded.generation && refreshed.micros !== null) micros = Math.max(micros, refreshed.micros);
    else if (refreshed !== undefined && refreshed.generation !== encoded.generation) e.refreshed = undefined; // read again next time
    if (e.asOf?.micros !== micros) e.asOf = { micros, tail: asOfTail(micros) };
    return e.asOf;
  }

  private remember(id: string, entry: { readonly blob: Uint8Array; readonly bytes: Uint8Array }): void {
    const budget = this.options.renderCacheBytes ?? DEFAULT_RENDER_CACHE_BYTES;
    const size = entrySize(id, entry);
    if (size > budget) return;
    this.rendered.set(id, entry);
    this.renderedBytes += size;
    while (this.renderedBytes > budget) {
      const [oldest, e] = this.rendered.entries().next().value as [string, { blob: Uint8Array; bytes: Uint8Array }];
      this.forget(oldest, e);
    }
  }

  private forget(id: string, entry: { readonly blob: Uint8Array; readonly bytes: Uint8Array }): void {
    this.rendered.delete(id);
    this.renderedBytes -= entrySize(id, entry);
  }

  /** A better message for a feature the snapshot does not hold. */
  private async explain(err: unknown, e: EntityState, selection: Selection | undefined): Promise<unknown> {
    if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'unknown_feature' || !selection) return err;
    const info = await this.ws.online().describe(e.info.name);
    const held = info?.features ?? [];
    const rc = await this.catalog(true);
    const catalog = rc.catalog;
    for (const sel of selection.selectors) {
      const same = held.filter((f) => keyOf(f.name) === keyOf(sel.name));
      if (same.length > 0 && (sel.version === undefined || same.some((f) => f.version === sel.version))) continue;
      const x = sel.version === undefined ? undefined : rc.excluded.find((o) => o.kind === 'feature' && keyOf(o.name) === keyOf(sel.name) && o.version === sel.version);
      if (x) return new ApiError('retired', `feature \`${x.name}\` VERSION ${x.version} ${x.retired ? 'is retired' : 'can no longer be computed'}: ${x.reason.replace(/^retired: /, '')}`);
      return unknownFeature(catalog, e.info, sel, held);
    }
    return err;
  }

  /**
   * How to write the features of a feature list (all features when
   * `selection` is undefined) for the store's current generation: built once
   * and reused until the generation changes. Throws the store's
   * `unknown_feature` for a feature the generation does not hold.
   */
  private renderPlan(e: EntityState, encoded: EncodedVectors, selection: Selection | undefined, rc: RegisteredCatalog): RenderPlan {
    if (e.generation !== encoded.generation) {
      e.plans.clear();
      e.generation = encoded.generation;
    }
    const signature = selection === undefined ? '' : selection.signature;
    const cached = e.plans.get(signature);
    if (cached !== undefined) return cached;
    const features = encoded.features;
    // A retired version (or one no longer computable) may still be in the snapshot: never served.
    const gone = (name: string, version: number) => rc.excluded.find((x) => x.kind === 'feature' && keyOf(x.name) === keyOf(name) && x.version === version);
    let picked: number[];
    const labels: string[] = [];
    // A name without a version: its highest version that is not retired.
    const best = new Map<string, number>();
    features.forEach((f, i) => {
      if (gone(f.name, f.version)) return;
      const b = best.get(keyOf(f.name));
      if (b === undefined || features[b]!.version < f.version) best.set(keyOf(f.name), i);
    });
    if (selection === undefined) {
      // Without a feature list: each name, in the generation's order.
      picked = [];
      features.forEach((f, i) => {
        if (best.get(keyOf(f.name)) === i) {
          picked.push(i);
          labels.push(f.name);
        }
      });
    } else {
      picked = selection.selectors.map((sel) => (sel.version === undefined ? best.get(keyOf(sel.name)) : undefined) ?? encoded.index.resolve(e.info.name, sel));
      for (const index of picked) {
        const f = features[index]!;
        const x = gone(f.name, f.version);
        if (x) throw new ApiError('retired', `feature \`${f.name}\` VERSION ${f.version} ${x.retired ? 'is retired' : 'can no longer be computed'}: ${x.reason.replace(/^retired: /, '')}`);
      }
      selection.selectors.forEach((sel, x) => labels.push(sel.version !== undefined ? versionRef(features[picked[x]!]!.name, sel.version) : features[picked[x]!]!.name));
    }
    const catalog = rc.catalog;
    const wire: WireFeature[] = [];
    const missing: Uint8Array[] = [];
    picked.forEach((index, x) => {
      const f = features[index]!;
      const shape = featureShape(f, catalog);
      const head = `${x === 0 ? '' : ','}${JSON.stringify(labels[x])}:{"version":${f.version},"${shape.single ? 'value' : 'values'}":`;
      wire.push({
        index,
        head: bytesOf(head),
        ...(shape.single ? {} : { columnHeads: f.columns.map((c, k) => bytesOf(`${k === 0 ? '{' : ','}${JSON.stringify(c)}:`)) }),
        kinds: shape.types.map((t) => (t === 'TIMESTAMP' ? WireKind.Timestamp : t === 'DATE' ? WireKind.Date : WireKind.Plain)),
      });
      // A key the store does not hold: the feature's empty values, status missing, no event time (missingCell).
      const cell = missingCell(f);
      const empty = f.columns.map((_c, k) => valueWriter(shape.types[k])(cell.values[k] ?? null));
      missing.push(bytesOf(`${head}${shape.single ? empty[0] : `{${f.columns.map((c, k) => `${JSON.stringify(c)}:${empty[k]}`).join(',')}}`},"status":"${cell.status}","event_time":null`));
    });
    const plan: RenderPlan = { id: this.nextPlanId++, features: wire, missing };
    if (e.plans.size >= 256) e.plans.clear();
    e.plans.set(signature, plan);
    return plan;
  }
}

/** How the features of one feature list are written (see `renderPlan`). */
interface RenderPlan {
  /** Names the plan in the cache of written vectors (a new plan, e.g. after a new snapshot, starts afresh). */
  readonly id: number;
  readonly features: readonly WireFeature[];
  /** Per feature, its text for a key the store does not hold, without the as-of time and the closing brace. */
  readonly missing: readonly Uint8Array[];
}

/** Whether a feature is written as one value or as an object of columns (ONE_HOT), and its columns' types. */
function featureShape(f: SnapshotFeature, catalog: Catalog): { readonly single: boolean; readonly types: readonly (ScalarType | undefined)[] } {
  const info = catalog.features[keyOf(f.name)]?.find((x) => x.version === f.version);
  const oneHot = info ? info.encoding?.kind === 'one_hot_top' || info.encoding?.kind === 'one_hot_values' : f.columns.length !== 1 || keyOf(f.columns[0]!) !== keyOf(f.name);
  const single = !oneHot && f.columns.length === 1;
  const types = f.columns.map((_c, i) => f.types?.[i] ?? (oneHot ? 'INTEGER' : info?.outputType));
  return { single, types };
}

function unknownFeature(catalog: Catalog, entity: EntityInfo, sel: FeatureSelector, held: readonly SnapshotFeature[]): ApiError {
  // A name from a query string may be long: only its start is quoted back.
  const shown = sel.name.length > 80 ? `${sel.name.slice(0, 80)}…` : sel.name;
  const what = sel.version === undefined ? `feature \`${shown}\`` : `feature \`${shown}\` VERSION ${sel.version}`;
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
