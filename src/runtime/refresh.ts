/**
 * `fsql materialize --incremental` and `fsql serve --refresh EVERY`: the
 * online vectors of an entity brought from the time they hold (the last
 * materialize or refresh, A) to a new time B by recomputing only the keys
 * whose values can differ between A and B (docs/online-stores.md, "Fresh
 * values").
 *
 * A key's value at t depends only on its rows available at or before t
 * (docs/semantics.md §3). Between A and B a value changes only when a row
 * becomes available in (A, B] (a new latest row, a row entering a window or
 * a lifetime aggregate), leaves a window (available in (A − w, B − w]) or
 * crosses a TTL (available in [A − ttl, B − ttl)). So the keys recomputed are
 * those with a row available (event time plus the relation's AVAILABLE
 * delay d) in [A, B], in [A − w, B − w] for a window w, or in
 * [A − ttl, B − ttl] for a TTL — a superset of the keys that change (closed
 * intervals); every other key's
 * vector is already its value at B. Dimension relations do not move with
 * time. Rows committed later with old event times are the ingest's to apply
 * (they update the keys they touch); history rewritten by other means needs
 * a full `fsql materialize`.
 *
 * The recomputed keys are written in one upsert (readers see all of them old
 * or all new) under a ticket (src/runtime/online-updates.ts), then the
 * entity's record says every vector holds as of B (`markRefreshed`) — in
 * that order, so a reader never sees the later time with the earlier values.
 */
import { availableAfterSeconds, keyOf, type Catalog, type ColumnInfo, type LiteralValue } from '../check/catalog.js';
import type { Engine } from '../engine/engine.js';
import { and, bin, col, isNull, lit, type SqlExpr } from '../sql/ast.js';
import { dialectFor } from '../sql/dialects/index.js';
import { SqlPrinter } from '../sql/print.js';
import { encodeKey, type SnapshotFeature, type SnapshotRow, type Vector } from '../store/online/store.js';
import { RuntimeError } from './errors.js';
import { materialize, type MaterializeOptions } from './materialize.js';
import { backendOf, specOf, tiledFeatures, writeTiles } from './tiles.js';
import { tileEntity } from '../store/online/tiles.js';
import { computeSnapshot, entitiesWithFeatures, entityFeatures } from './vectors.js';
import type { Workspace } from './workspace.js';

const MICROS = 1_000_000;
/** Keys recomputed per materialize query. */
const BATCH = 2000;

export interface RefreshedEntity {
  readonly entity: string;
  /** `incremental`: only the keys that can have changed were recomputed; `full`: a whole materialize (never materialized, features changed, or the time went back). */
  readonly mode: 'incremental' | 'full';
  /** The time the vectors held before (null: never materialized). */
  readonly previousAsOf: number | null;
  readonly asOf: number;
  /** Keys recomputed (incremental) or written (full). */
  readonly keys: number;
  /** Keys the entity holds after. */
  readonly totalKeys: number;
  readonly seconds: number;
  /** Why a full materialize ran instead. */
  readonly reason?: string;
}

/** The keys of `entity` whose values can differ between `previous` and `to` (µs): see the file's comment. */
async function movedKeys(engine: Engine, catalog: Catalog, entity: string, previous: number, to: number): Promise<LiteralValue[][]> {
  const keys = new Map<string, LiteralValue[]>();
  const printer = new SqlPrinter(dialectFor(engine.target));
  // Per relation and key binding: the event times at which a row moves a value between A and B (closed intervals:
  // a bound itself may matter, by `AS OF < t` or by a window's open start).
  const ranges = new Map<string, { relation: string; columns: readonly string[]; spans: [number, number][] }>();
  for (const ref of entityFeatures(catalog, entity)) {
    const f = catalog.features[keyOf(ref.name)]!.find((x) => x.version === ref.version)!;
    const r = catalog.relations[keyOf(f.relation)];
    if (!r?.eventTime) continue;
    const d = availableAfterSeconds(catalog, r.name) * MICROS;
    const id = `${keyOf(r.name)}:${f.key.columns.join(',')}`;
    const slot = ranges.get(id) ?? { relation: r.name, columns: f.key.columns, spans: [] };
    ranges.set(id, slot);
    // A row becoming available: a new latest row, a row entering a window or a lifetime aggregate.
    slot.spans.push([previous - d, to - d]);
    // A row leaving a window, or its latest row crossing the TTL.
    if (f.mode === 'aggregate' && f.window) slot.spans.push([previous - f.window.seconds * MICROS - d, to - f.window.seconds * MICROS - d]);
    if (f.ttl) slot.spans.push([previous - f.ttl.seconds * MICROS - d, to - f.ttl.seconds * MICROS - d]);
  }
  for (const { relation, columns, spans } of ranges.values()) {
    // Overlapping intervals merged: one pair of bounds each.
    spans.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const sp of spans) {
      const lastSpan = merged[merged.length - 1];
      if (lastSpan && sp[0] <= lastSpan[1]) lastSpan[1] = Math.max(lastSpan[1], sp[1]);
      else merged.push([sp[0], sp[1]]);
    }
    const r = catalog.relations[keyOf(relation)]!;
    const et = r.columns.find((c) => c.name === r.eventTime)!;
    const e: SqlExpr = et.type === 'DATE' ? { k: 'date_to_timestamp', e: col(et.name, r.name) } : col(et.name, r.name);
    const types = columns.map((c) => r.columns.find((x) => x.name === c)!.type);
    const sql = printer.statement({
      k: 'query',
      q: {
        k: 'select',
        distinct: true,
        items: columns.map((c, i) => ({ e: col(c, r.name), alias: `__k${i}` })),
        from: { k: 'table', name: r.name },
        where: and(
          ...columns.map((c) => isNull(col(c, r.name), true)),
          merged.map(([lo, hi]) => and(bin('>=', e, lit(lo, 'TIMESTAMP')), bin('<=', e, lit(hi, 'TIMESTAMP')))!).reduce((x, y) => bin('OR', x, y)),
        )!,
      },
    });
    const cols: ColumnInfo[] = columns.map((_c, i) => ({ name: `__k${i}`, type: types[i]!, nullable: false }));
    for (const row of await engine.queryValues(sql, cols)) {
      const key = row as LiteralValue[];
      keys.set(encodeKey(key, key.length), key);
    }
  }
  return [...keys.values()];
}

/** What identifies a snapshot's features for the comparison: the stored ones and the computed ones must agree for an upsert. */
const shape = (features: readonly SnapshotFeature[]) => JSON.stringify(features.map((f) => [keyOf(f.name), f.version, f.columns, f.awaitingFit === true]));

export interface RefreshOptions extends Pick<MaterializeOptions, 'entities'> {
  /** The time to bring the vectors to, epoch µs (default: now). */
  readonly at?: number;
  readonly onProgress?: (event: { readonly entity: string; readonly phase: 'finding' | 'computing' | 'writing' | 'done'; readonly keys?: number }) => void;
}

/** Brings every entity's vectors (or those of `entities`) to `at`, recomputing only the keys that can have changed. */
export async function materializeIncremental(ws: Workspace, options: RefreshOptions = {}): Promise<RefreshedEntity[]> {
  const { catalog } = await ws.catalog();
  const all = entitiesWithFeatures(catalog);
  const entities = options.entities
    ? options.entities.map((e) => {
        const found = all.find((x) => keyOf(x) === keyOf(e));
        if (!found)
          throw new RuntimeError(
            'unknown_entity',
            catalog.entities[keyOf(e)] ? `entity ${e} has no registered features` : `no registered entity ${e}${all.length ? ` (entities: ${all.join(', ')})` : ''}`,
          );
        return found;
      })
    : all;
  if (entities.length === 0) throw new RuntimeError('nothing_registered', 'no registered features to materialize: run `fsql apply` first');
  const at = options.at ?? Date.now() * 1000;
  const store = ws.online();
  const out: RefreshedEntity[] = [];
  for (const entity of entities) {
    const started = performance.now();
    const info = await store.describe(entity);
    const refs = entityFeatures(catalog, entity);
    const previous = info === null ? null : Math.max(info.asOf, info.refreshedAsOf ?? info.asOf);
    const registered = JSON.stringify(refs.map((f) => [keyOf(f.name), f.version]));
    const held = info === null ? '' : JSON.stringify(info.features.map((f) => [keyOf(f.name), f.version]));
    const fittedSince = info !== null && info.features.some((f) => f.awaitingFit && ws.fitted(f.name, f.version) !== undefined);
    let reason: string | undefined =
      info === null
        ? 'never materialized'
        : previous! > at
          ? 'the time asked is before the time the vectors hold'
          : registered !== held
            ? 'its feature versions changed'
            : fittedSince
              ? 'a feature awaiting its fit was fitted'
              : undefined;
    if (reason === undefined) {
      options.onProgress?.({ entity, phase: 'finding' });
      const ticket = (await store.ticket(entity, at))!;
      const asOf = ticket.asOf;
      const done = await ws.exclusive(async (): Promise<RefreshedEntity | string> => {
        const engine = await ws.engine();
        const keys = await movedKeys(engine, catalog, entity, previous!, asOf);
        options.onProgress?.({ entity, phase: 'computing', keys: keys.length });
        const vectors: Vector[] = [];
        for (let i = 0; i < keys.length; i += BATCH) {
          const s = await computeSnapshot(engine, catalog, ws.fitted, entity, refs, asOf, { keys: keys.slice(i, i + BATCH) });
          if (shape(s.features) !== shape(info!.features)) return 'the features computed differ from those stored';
          for (const r of s.rows as Iterable<SnapshotRow>) {
            vectors.push({
              key: r.key,
              features: r.features.map((cell, j) => ({
                name: s.features[j]!.name,
                version: s.features[j]!.version,
                values: cell.values,
                status: cell.status,
                eventTime: cell.eventTime,
              })),
            });
          }
        }
        options.onProgress?.({ entity, phase: 'writing', keys: vectors.length });
        if (vectors.length > 0) await store.upsert(entity, vectors, ticket.seq);
        // Tiles serve any time after theirs and need no refresh; they are rewritten (dropping the events no window can see any
        // more) once the shortest tiled window has passed since they were written, or when the tiled features changed.
        const tiled = tiledFeatures(ws.config, catalog, entity);
        const backend = backendOf(store);
        if (tiled.length > 0 && backend !== undefined) {
          const held = await backend.meta(tileEntity(entity));
          const shortest = Math.min(...tiled.map((f) => f.window!.seconds * MICROS));
          if (held === null || held.features !== JSON.stringify(tiled.map(specOf)) || asOf - held.asOf >= shortest)
            await writeTiles(store, engine, ws.config, catalog, entity, asOf, ticket.seq);
        }
        const after = await store.markRefreshed(entity, asOf);
        return { entity, mode: 'incremental', previousAsOf: previous, asOf, keys: vectors.length, totalKeys: after?.keys ?? 0, seconds: (performance.now() - started) / 1000 };
      });
      if (typeof done !== 'string') {
        out.push(done);
        options.onProgress?.({ entity, phase: 'done', keys: done.keys });
        continue;
      }
      reason = done;
    }
    const [full] = await materialize(ws, { at, entities: [entity] });
    out.push({ entity, mode: 'full', previousAsOf: previous, asOf: full!.asOf, keys: full!.keys, totalKeys: full!.keys, seconds: (performance.now() - started) / 1000, reason });
    options.onProgress?.({ entity, phase: 'done', keys: full!.keys });
  }
  return out;
}
