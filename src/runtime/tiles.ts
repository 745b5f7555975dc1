/**
 * Request-time windows (`"online": {"windows": "tiles"}` in fsql.json;
 * docs/online-stores.md, "Fresh values"): which features are served from
 * per-key tiles (src/store/online/tiles.ts), and how the tiles are written
 * from the offline data — a whole generation by `materialize`, the keys an
 * ingest touched by `carryOut` — and read at a request time.
 *
 * A feature is tiled when it is a windowed COUNT, SUM, AVG, MIN or MAX
 * (not DISTINCT) over a relation with an event time, of a numeric argument
 * (any for COUNT), with no FILL, SCALE or ONE_HOT: its value at T is then
 * exactly an aggregate of the key's events available in `(T − w, T]`
 * (docs/semantics.md §3), which the tiles hold for every T at or after the
 * time they were written as of.
 */
import { availableAfterSeconds, keyOf, type Catalog, type ColumnInfo, type FeatureInfo, type LiteralValue, type TExpr } from '../check/catalog.js';
import type { Engine } from '../engine/engine.js';
import { and, bin, col, isNull, lit, type SqlExpr, type SqlSelect } from '../sql/ast.js';
import { dialectFor } from '../sql/dialects/index.js';
import { lowerExpr } from '../sql/lower-expr.js';
import { SqlPrinter } from '../sql/print.js';
import { encodeKey, type FeatureCell, type OnlineStore } from '../store/online/store.js';
import { cellsAt, encodeTiles, readTileBlob, readTiles, tileEntity, tileWidthUs, type TileEvent, type TileSpec } from '../store/online/tiles.js';
import type { StoredVector, VectorStore } from '../store/online/vector-store.js';
import { entityFeatures } from './vectors.js';
import type { ProjectConfig } from './config.js';

const MICROS = 1_000_000;

/** The byte-level backend of an online store (every store fsql opens is the shared layer over one). */
export function backendOf(store: OnlineStore): VectorStore | undefined {
  const v = (store as { vectors?: VectorStore }).vectors;
  return v !== undefined && typeof v.multiGet === 'function' ? v : undefined;
}

/** Whether a feature version can be served from tiles (see the file's comment). */
export function tileable(catalog: Catalog, f: FeatureInfo): boolean {
  if (f.mode !== 'aggregate' || f.window === undefined || f.value.kind !== 'aggregate' || f.value.distinct) return false;
  if (f.fill !== undefined || f.encoding !== undefined || (f as { scale?: unknown }).scale !== undefined) return false;
  if (f.outputType !== f.rawType) return false;
  const r = catalog.relations[keyOf(f.relation)];
  if (!r?.eventTime) return false;
  const arg = f.value.arg;
  if (f.value.fn === 'COUNT') return true;
  return arg !== undefined && (arg.type === 'INTEGER' || arg.type === 'DOUBLE');
}

/** The tiled feature versions of an entity under a config (none unless `online.windows` is `tiles`). */
export function tiledFeatures(config: Pick<ProjectConfig, 'online'>, catalog: Catalog, entity: string): FeatureInfo[] {
  if (config.online.windows !== 'tiles') return [];
  return entityFeatures(catalog, entity)
    .map((ref) => catalog.features[keyOf(ref.name)]!.find((x) => x.version === ref.version)!)
    .filter((f) => tileable(catalog, f));
}

export function specOf(f: FeatureInfo): TileSpec {
  const v = f.value as Extract<TExpr, { kind: 'aggregate' }>;
  const windowUs = f.window!.seconds * MICROS;
  return { name: f.name, version: f.version, fn: v.fn, star: v.arg === undefined, windowUs, tileUs: tileWidthUs(windowUs), strict: f.strictlyBefore === true };
}

/**
 * The events of `f` with availability after `after` (µs), per key text:
 * one query on the offline engine (only `keys`, when given).
 */
async function eventsOf(
  engine: Engine,
  catalog: Catalog,
  f: FeatureInfo,
  after: number,
  keys?: readonly (readonly LiteralValue[])[],
): Promise<Map<string, { key: LiteralValue[]; events: TileEvent[] }>> {
  const r = catalog.relations[keyOf(f.relation)]!;
  const delay = availableAfterSeconds(catalog, r.name) * MICROS;
  const et = r.columns.find((c) => c.name === r.eventTime)!;
  const e: SqlExpr = et.type === 'DATE' ? { k: 'date_to_timestamp', e: col(et.name, r.name) } : col(et.name, r.name);
  const agg = f.value as Extract<TExpr, { kind: 'aggregate' }>;
  const keyCols = f.key.columns;
  const keyTypes = keyCols.map((c) => r.columns.find((x) => x.name === c)!.type);
  const filter = (list: readonly (readonly LiteralValue[])[]): SqlExpr | undefined =>
    list.length === 0 ? undefined : list.map((k) => and(...keyCols.map((c, i) => bin('=', col(c, r.name), lit(k[i]!, keyTypes[i]!))))!).reduce((x, y) => bin('OR', x, y));
  const select = (list?: readonly (readonly LiteralValue[])[]): SqlSelect => ({
    k: 'select',
    items: [
      ...keyCols.map((c, i) => ({ e: col(c, r.name), alias: `__k${i}` })),
      { e, alias: '__e' },
      {
        e:
          agg.arg === undefined
            ? lit(1, 'INTEGER')
            : agg.fn === 'COUNT'
              ? { k: 'case', whens: [{ when: isNull(lowerExpr(agg.arg), true), then: lit(1, 'INTEGER') }] }
              : lowerExpr(agg.arg),
        alias: '__v',
      },
    ],
    from: { k: 'table', name: r.name },
    where: and(
      ...keyCols.map((c) => isNull(col(c, r.name), true)),
      f.where ? lowerExpr(f.where) : undefined,
      bin('>', e, lit(after - delay, 'TIMESTAMP')),
      list ? filter(list) : undefined,
    )!,
  });
  const columns: ColumnInfo[] = [
    ...keyCols.map((_c, i) => ({ name: `__k${i}`, type: keyTypes[i]!, nullable: false })),
    { name: '__e', type: 'TIMESTAMP', nullable: false },
    { name: '__v', type: agg.arg === undefined || agg.fn === 'COUNT' ? 'INTEGER' : agg.arg.type === 'DOUBLE' ? 'DOUBLE' : 'INTEGER', nullable: true },
  ];
  const printer = new SqlPrinter(dialectFor(engine.target));
  const out = new Map<string, { key: LiteralValue[]; events: TileEvent[] }>();
  const single = keyCols.length === 1;
  const bySingle = new Map<LiteralValue, { key: LiteralValue[]; events: TileEvent[] }>();
  const run = async (list?: readonly (readonly LiteralValue[])[]) => {
    const rows = await engine.queryValues(printer.statement({ k: 'query', q: select(list) }), columns);
    for (const row of rows) {
      // One key column (the usual case): its value finds the slot, so each key's text is made once.
      let slot = single ? bySingle.get(row[0] as LiteralValue) : undefined;
      if (!slot) {
        const key = row.slice(0, keyCols.length) as LiteralValue[];
        const text = encodeKey(key, key.length);
        slot = out.get(text);
        if (!slot) out.set(text, (slot = { key, events: [] }));
        if (single) bySingle.set(row[0] as LiteralValue, slot);
      }
      const t = row[keyCols.length] as number;
      const v = row[keyCols.length + 1];
      slot.events.push({ a: t + delay, e: t, v: v === null || v === undefined ? null : Number(v) });
    }
  };
  if (keys === undefined) await run();
  else for (let i = 0; i < keys.length; i += 200) await run(keys.slice(i, i + 200));
  return out;
}

/** Every key's tile blob for `features`, from the offline data: events available after `asOf − window`. */
async function tileBlobs(
  engine: Engine,
  catalog: Catalog,
  features: readonly FeatureInfo[],
  asOf: number,
  keys?: readonly (readonly LiteralValue[])[],
): Promise<Map<string, Uint8Array>> {
  const specs = features.map(specOf);
  const perFeature = [];
  for (let i = 0; i < features.length; i++) perFeature.push(await eventsOf(engine, catalog, features[i]!, asOf - specs[i]!.windowUs, keys));
  const texts = new Set<string>();
  for (const m of perFeature) for (const k of m.keys()) texts.add(k);
  if (keys) for (const k of keys) texts.add(encodeKey(k, k.length));
  const out = new Map<string, Uint8Array>();
  for (const t of texts)
    out.set(
      t,
      encodeTiles(
        specs,
        perFeature.map((m) => m.get(t)?.events ?? []),
      ),
    );
  return out;
}

/**
 * Writes the tiles of `entity` as of `asOf` (a new generation of `<entity>~tiles`, switched atomically),
 * or removes nothing and returns 0 when the entity has no tiled feature. Returns the keys written.
 */
export async function writeTiles(
  store: OnlineStore,
  engine: Engine,
  config: Pick<ProjectConfig, 'online'>,
  catalog: Catalog,
  entity: string,
  asOf: number,
  seq?: number,
): Promise<number> {
  const features = tiledFeatures(config, catalog, entity);
  const backend = backendOf(store);
  if (features.length === 0 || backend === undefined) return 0;
  const blobs = await tileBlobs(engine, catalog, features, asOf);
  const keyColumns = catalog.entities[keyOf(entity)]!.keys.map((k) => k.name);
  await backend.bulkPut(
    { entity: tileEntity(entity), asOf, keyColumns: JSON.stringify(keyColumns), features: JSON.stringify(features.map(specOf)), ...(seq !== undefined ? { seq } : {}) },
    async (put) => {
      for (const [k, b] of blobs) await put(k, b);
    },
  );
  return blobs.size;
}

/**
 * Recomputes the tiles of some keys (an ingest touched them) in the current
 * tile generation, under the ticket `seq` (a later ticket's tiles are kept).
 * Nothing when the entity has no tile generation, or its tiled features
 * changed since (the next materialize writes them).
 */
export async function updateTiles(
  store: OnlineStore,
  engine: Engine,
  config: Pick<ProjectConfig, 'online'>,
  catalog: Catalog,
  entity: string,
  keys: readonly (readonly LiteralValue[])[],
  seq?: number,
): Promise<number> {
  const features = tiledFeatures(config, catalog, entity);
  const backend = backendOf(store);
  if (features.length === 0 || backend === undefined || keys.length === 0) return 0;
  const current = await backend.meta(tileEntity(entity));
  if (current === null || current.features !== JSON.stringify(features.map(specOf))) return 0;
  const blobs = await tileBlobs(engine, catalog, features, current.asOf, keys);
  const texts = [...blobs.keys()];
  return backend.update(tileEntity(entity), texts, (meta, stored) =>
    texts.map((t, i): StoredVector | undefined => {
      if (meta.features !== current.features) return undefined;
      const before = stored[i];
      if (seq !== undefined && before !== undefined && before.seq > seq) return undefined;
      return { blob: blobs.get(t)!, seq: Math.max(before?.seq ?? 0, seq ?? 0) };
    }),
  );
}

/** The request-time cells of an entity's tiled features for some keys (key texts), as of `T`; null when no tiles serve them. */
export interface RequestTimeCells {
  readonly specs: readonly TileSpec[];
  /** The time the tiles were written as of: values are exact for T at or after it. */
  readonly asOf: number;
  /** Per key: the cells of `specs` (a key without a record: empty windows). */
  readonly cells: readonly FeatureCell[][];
}

export async function requestTimeCells(store: OnlineStore, entity: string, keyTexts: readonly string[], T: number): Promise<RequestTimeCells | null> {
  const backend = backendOf(store);
  if (backend === undefined) return null;
  const read = await readTiles(backend, entity, keyTexts);
  if (read === null || T < read.meta.asOf) return null;
  return { specs: read.specs, asOf: read.meta.asOf, cells: read.blobs.map((b) => cellsAt(read.specs, b === undefined ? undefined : readTileBlob(b), T)) };
}
