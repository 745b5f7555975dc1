/**
 * Request-time windows (docs/online-stores.md, "Fresh values"): per key, the
 * events of a windowed COUNT / SUM / AVG / MIN / MAX feature that a window
 * ending at or after the snapshot can still see — the raw events, sorted by
 * availability time — and their partial aggregates per fixed-width tile (as
 * Chronon's tiled architecture and Tecton's aggregation engine keep them).
 * A lookup at time T combines the tiles wholly inside the window `(T − w, T]`
 * with the raw events of the (at most two) tiles it cuts, so the value is
 * exactly the training row's for a label at T, for any T at or after the
 * snapshot, without a rematerialize.
 *
 * Tiles live in the byte-level `VectorStore` (vector-store.ts) as an entity of
 * their own, `<entity>~tiles`: one generation per materialize (bulkPut, the
 * same atomic switch), per-key read-modify-write on ingest (update), one
 * consistent multiGet per lookup — so they work on every backend (SQLite,
 * Redis) with no change to it. The generation's `features` is the JSON of
 * the `TileSpec`s; each key's blob is float64s:
 *
 *   [features] then per feature: [events, tiles]
 *     events × [a (availability µs), e (event time µs), v (argument; NaN: NULL)]
 *     tiles  × [index, first event, events, rows, non-null, sum, min, max, max e]
 *
 * Tile i holds availability times in (i·W, (i+1)·W]: open at the start and
 * closed at the end, like a window.
 */
import type { FeatureCell, FeatureStatus } from './store.js';
import type { GenerationMeta, VectorStore } from './vector-store.js';

/** What a tiled feature is (the tile generation's `features`, JSON). */
export interface TileSpec {
  readonly name: string;
  readonly version: number;
  readonly fn: 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';
  /** COUNT(*) counts rows; COUNT(x) non-NULL values. */
  readonly star: boolean;
  readonly windowUs: number;
  /** Tile width, µs. */
  readonly tileUs: number;
  /** `AS OF < t`: rows available strictly before T. */
  readonly strict: boolean;
}

/** One event of a key as tiles keep it. */
export interface TileEvent {
  /** Availability time (event time plus the relation's delay), µs. */
  readonly a: number;
  /** Event time, µs (reported as the value's event time). */
  readonly e: number;
  /** The aggregate's argument; null: NULL (counts as a row, not as a value). */
  readonly v: number | null;
}

/** The entity tiles are stored under. */
export const tileEntity = (entity: string): string => `${entity}~tiles`;

/** A tile width for a window: hourly tiles for windows of 12 hours and more, 5 minutes from 1 hour, else 1 minute. */
export function tileWidthUs(windowUs: number): number {
  const minute = 60_000_000;
  if (windowUs >= 12 * 60 * minute) return 60 * minute;
  if (windowUs >= 60 * minute) return 5 * minute;
  return minute;
}

const EVENT = 3;
const TILE = 9;

/** The blob of one key: per spec, its events (any order; NaN-free times). */
export function encodeTiles(specs: readonly TileSpec[], events: readonly (readonly TileEvent[])[]): Uint8Array {
  let size = 1;
  const sorted = events.map((list) => [...list].sort((x, y) => x.a - y.a || x.e - y.e));
  const tileLists = sorted.map((list, f) => buildTiles(list, specs[f]!.tileUs));
  for (let f = 0; f < specs.length; f++) size += 2 + sorted[f]!.length * EVENT + tileLists[f]!.length * TILE;
  const out = new Float64Array(size);
  let p = 0;
  out[p++] = specs.length;
  for (let f = 0; f < specs.length; f++) {
    const list = sorted[f]!;
    const tiles = tileLists[f]!;
    out[p++] = list.length;
    out[p++] = tiles.length;
    for (const ev of list) {
      out[p++] = ev.a;
      out[p++] = ev.e;
      out[p++] = ev.v === null ? Number.NaN : ev.v;
    }
    for (const t of tiles) for (const x of t) out[p++] = x;
  }
  return new Uint8Array(out.buffer);
}

function buildTiles(list: readonly TileEvent[], width: number): number[][] {
  const tiles: number[][] = [];
  let current: number[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const ev = list[i]!;
    const index = Math.ceil(ev.a / width) - 1; // (i·W, (i+1)·W]
    if (current === undefined || current[0] !== index) {
      current = [index, i, 0, 0, 0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
      tiles.push(current);
    }
    current[2]!++;
    current[3]!++;
    if (ev.v !== null) {
      current[4]!++;
      current[5]! += ev.v;
      if (ev.v < current[6]!) current[6] = ev.v;
      if (ev.v > current[7]!) current[7] = ev.v;
    }
    if (ev.e > current[8]!) current[8] = ev.e;
  }
  return tiles;
}

/** A stored blob as float64s (a view, or a copy when the bytes are not 8-byte aligned); little-endian machines only, as Node runs on. */
export function readTileBlob(blob: Uint8Array): Float64Array {
  if (blob.byteLength % 8 !== 0) throw new Error(`a tile record of ${blob.byteLength} bytes is not float64s`);
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, blob.byteLength / 8);
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float64Array(copy.buffer);
}

/** The events a blob holds, per spec (tests, and an ingest's merge). */
export function tileEvents(data: Float64Array): TileEvent[][] {
  const out: TileEvent[][] = [];
  let p = 1;
  for (let f = 0; f < data[0]!; f++) {
    const n = data[p++]!;
    const tiles = data[p++]!;
    const list: TileEvent[] = [];
    for (let i = 0; i < n; i++, p += EVENT) list.push({ a: data[p]!, e: data[p + 1]!, v: Number.isNaN(data[p + 2]!) ? null : data[p + 2]! });
    p += tiles * TILE;
    out.push(list);
  }
  return out;
}

/** The cell of every spec at request time T (µs) from a key's blob (undefined: no blob — an empty window). */
export function cellsAt(specs: readonly TileSpec[], data: Float64Array | undefined, T: number): FeatureCell[] {
  const cells: FeatureCell[] = new Array(specs.length);
  let p = 1;
  for (let f = 0; f < specs.length; f++) {
    const s = specs[f]!;
    const lo = T - s.windowUs; // exclusive
    let rows = 0;
    let nn = 0;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let maxE = Number.NEGATIVE_INFINITY;
    if (data !== undefined && f < data[0]!) {
      const n = data[p++]!;
      const tiles = data[p++]!;
      const ev0 = p;
      const tile0 = p + n * EVENT;
      const W = s.tileUs;
      for (let t = 0; t < tiles; t++) {
        const at = tile0 + t * TILE;
        const index = data[at]!;
        const start = index * W; // exclusive
        const end = (index + 1) * W; // inclusive
        if (end <= lo || (s.strict ? start >= T : start >= T)) continue; // wholly outside
        const inside = start >= lo && (s.strict ? end < T : end <= T);
        if (inside) {
          rows += data[at + 3]!;
          nn += data[at + 4]!;
          sum += data[at + 5]!;
          if (data[at + 6]! < min) min = data[at + 6]!;
          if (data[at + 7]! > max) max = data[at + 7]!;
          if (data[at + 8]! > maxE) maxE = data[at + 8]!;
          continue;
        }
        // A tile the window cuts: its raw events.
        const first = data[at + 1]!;
        const count = data[at + 2]!;
        for (let i = 0; i < count; i++) {
          const q = ev0 + (first + i) * EVENT;
          const a = data[q]!;
          if (!(a > lo) || (s.strict ? !(a < T) : !(a <= T))) continue;
          rows++;
          const e = data[q + 1]!;
          if (e > maxE) maxE = e;
          const v = data[q + 2]!;
          if (Number.isNaN(v)) continue;
          nn++;
          sum += v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
      p = tile0 + tiles * TILE;
    }
    let value: number | null;
    switch (s.fn) {
      case 'COUNT':
        value = s.star ? rows : nn;
        break;
      case 'SUM':
        value = nn > 0 ? sum : null;
        break;
      case 'AVG':
        value = nn > 0 ? sum / nn : null;
        break;
      case 'MIN':
        value = nn > 0 ? min : null;
        break;
      default:
        value = nn > 0 ? max : null;
    }
    const status: FeatureStatus = rows > 0 ? 'present' : 'missing';
    cells[f] = { values: [value], status, eventTime: rows > 0 ? maxE : null };
  }
  return cells;
}

/** The tile generation of an entity and the blobs of some keys, one consistent read; null when none is stored. */
export interface TileRead {
  readonly meta: GenerationMeta;
  readonly specs: readonly TileSpec[];
  readonly blobs: readonly (Uint8Array | undefined)[];
}

const specCache = new WeakMap<GenerationMeta, TileSpec[]>();

/** Reads the tiles of `keys` (key texts, store.ts `encodeKey`). */
export async function readTiles(vectors: VectorStore, entity: string, keys: readonly string[]): Promise<TileRead | null> {
  const read = await vectors.multiGet(tileEntity(entity), keys);
  if (read === null) return null;
  let specs = specCache.get(read.meta);
  if (specs === undefined) {
    specs = JSON.parse(read.meta.features) as TileSpec[];
    specCache.set(read.meta, specs);
  }
  return { meta: read.meta, specs, blobs: read.blobs };
}
