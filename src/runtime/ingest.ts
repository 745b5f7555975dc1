/**
 * Stream ingest (`POST /ingest/:source`, `fsql ingest SOURCE FILE`): events
 * for a STREAM source are validated against its columns — a batch with any
 * bad row is refused whole, naming each bad row — then appended to the
 * source's table in the offline store (the history backfills and training
 * sets read) in one transaction, and then the online vectors of the keys the
 * events touch are recomputed, before the call returns.
 *
 * Which vectors: for every entity whose online snapshot holds a feature that
 * reads the stream (directly or through views), the keys are the events'
 * values of that feature's key columns when every such feature reads the
 * stream itself; a feature that reads it through a view can move any key,
 * so then the entity's whole snapshot is recomputed. Vectors are recomputed
 * as of the later of the snapshot's time and the newest event of the batch,
 * so an event is always visible in the next read.
 */
import { keyOf, type Catalog, type LiteralValue, type SourceInfo } from '../check/catalog.js';
import type { Row } from '../engine/engine.js';
import { recordReader } from '../store/files/records.js';
import type { RowError } from '../store/files/sink.js';
import { encodeKey, type Vector } from '../store/online/store.js';
import { RuntimeError } from './errors.js';
import { computeSnapshot } from './vectors.js';
import type { Workspace } from './workspace.js';

export interface IngestOptions {
  /** How the rows are named in errors (a file path; `request` by default). */
  readonly origin?: string;
  /** Lines of the rows in that file (1-based), for error messages. */
  readonly lines?: readonly number[];
  /** Most row errors reported (default 20). */
  readonly maxErrors?: number;
}

export interface OnlineUpdate {
  readonly entity: string;
  /** `keys`: the touched keys were recomputed; `entity`: the whole snapshot; `not_materialized`: no snapshot yet (run materialize). */
  readonly mode: 'keys' | 'entity' | 'not_materialized';
  readonly keys: number;
  readonly asOf?: number;
}

export interface IngestResult {
  readonly source: string;
  readonly accepted: number;
  readonly online: readonly OnlineUpdate[];
}

export function streamSource(catalog: Catalog, name: string): SourceInfo {
  const r = catalog.relations[keyOf(name)];
  if (!r) {
    const streams = Object.values(catalog.relations).filter((x) => x.kind === 'source' && x.origin.kind === 'stream').map((x) => x.name);
    throw new RuntimeError('unknown_source', `no registered source ${name}${streams.length ? ` (streams: ${streams.join(', ')})` : ''}`);
  }
  if (r.kind !== 'source' || r.origin.kind !== 'stream') {
    throw new RuntimeError('not_a_stream', `${r.name} is ${r.kind === 'view' ? 'a view' : `a ${r.origin.kind.toUpperCase()} source`}, not a STREAM source: only streams take ingested events`);
  }
  return r;
}

/** Validates every record; the rows, or RuntimeError('bad_rows') naming up to `maxErrors` bad rows. */
export function validateEvents(source: SourceInfo, records: readonly unknown[], options: IngestOptions = {}): Row[] {
  const read = recordReader(source.columns, 'the event');
  const errors: RowError[] = [];
  const max = options.maxErrors ?? 20;
  const file = options.origin ?? 'request';
  let bad = 0;
  const rows: Row[] = [];
  records.forEach((record, i) => {
    const line = options.lines?.[i];
    let rowBad = false;
    const row = read(record, (p) => {
      rowBad = true;
      if (errors.length < max) errors.push({ file, row: i + 1, ...(line !== undefined ? { line } : {}), ...p });
    });
    if (rowBad || !row) bad++;
    else rows.push(row);
  });
  if (bad > 0) {
    throw new RuntimeError('bad_rows', `${bad} of ${records.length} event${records.length === 1 ? '' : 's'} ${bad === 1 ? 'is' : 'are'} invalid; nothing was stored`, { rowErrors: errors });
  }
  return rows;
}

/** The relations that read `source`, itself included. */
function readersOf(catalog: Catalog, source: string): Set<string> {
  const out = new Set([keyOf(source)]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of Object.values(catalog.relations)) {
      if (r.kind !== 'view' || out.has(keyOf(r.name))) continue;
      if (r.dependsOn.some((d) => out.has(keyOf(d)))) {
        out.add(keyOf(r.name));
        grew = true;
      }
    }
  }
  return out;
}

export async function ingest(ws: Workspace, sourceName: string, records: readonly unknown[], options: IngestOptions = {}): Promise<IngestResult> {
  const { catalog } = ws.catalog();
  const source = streamSource(catalog, sourceName);
  const rows = validateEvents(source, records, options);
  if (rows.length === 0) return { source: source.name, accepted: 0, online: [] };
  const timeColumn = source.eventTime;
  const timeType = source.columns.find((c) => c.name === timeColumn)?.type;
  let newest: number | null = null;
  if (timeColumn) {
    for (const r of rows) {
      const v = r[timeColumn];
      if (typeof v !== 'number') continue;
      const micros = timeType === 'DATE' ? v * 86_400_000_000 : v;
      if (newest === null || micros > newest) newest = micros;
    }
  }
  const readers = readersOf(catalog, source.name);
  return ws.exclusive(async () => {
    const engine = await ws.engine();
    // 1. Durable: the events are committed before anything else happens.
    await engine.transaction(async (e) => e.insertRows(source.name, source.columns, rows));
    // 2. Online: the touched vectors of every materialized entity that reads the stream.
    const online: OnlineUpdate[] = [];
    const store = ws.online();
    const affectedEntities = new Set<string>();
    for (const versions of Object.values(catalog.features)) {
      for (const f of versions) if (readers.has(keyOf(f.relation))) affectedEntities.add(catalog.entities[keyOf(f.key.entity)]!.name);
    }
    for (const entity of [...affectedEntities].sort()) {
      const info = await store.describe(entity);
      if (!info) {
        online.push({ entity, mode: 'not_materialized', keys: 0 });
        continue;
      }
      const features = info.features
        .map((f) => ({ ref: { name: f.name, version: f.version }, info: catalog.features[keyOf(f.name)]?.find((x) => x.version === f.version) }))
        .filter((x) => x.info !== undefined);
      const reading = features.filter((x) => readers.has(keyOf(x.info!.relation)));
      if (reading.length === 0) continue;
      const asOf = Math.max(info.asOf, newest ?? info.asOf);
      const refs = features.map((x) => x.ref);
      if (reading.every((x) => keyOf(x.info!.relation) === keyOf(source.name))) {
        // Keys straight from the events (every such feature maps its key columns the same way or not: collect all).
        const keys = new Map<string, LiteralValue[]>();
        for (const x of reading) {
          for (const r of rows) {
            const key = x.info!.key.columns.map((c) => r[c] ?? null);
            if (key.some((v) => v === null)) continue;
            keys.set(encodeKey(key, key.length), key as LiteralValue[]);
          }
        }
        if (keys.size === 0) continue;
        const snapshot = await computeSnapshot(engine, catalog, ws.fitted, entity, refs, asOf, { keys: [...keys.values()] });
        const vectors: Vector[] = [...(snapshot.rows as Iterable<{ key: readonly LiteralValue[]; features: readonly { values: readonly LiteralValue[]; status: never; eventTime: number | null }[] }>)].map((r) => ({
          key: r.key,
          features: r.features.map((cell, i) => ({ ...snapshot.features[i]!, values: cell.values, status: cell.status, eventTime: cell.eventTime })),
        }));
        await store.upsert(entity, vectors);
        online.push({ entity, mode: 'keys', keys: vectors.length, asOf });
      } else {
        const snapshot = await computeSnapshot(engine, catalog, ws.fitted, entity, refs, asOf);
        await store.writeSnapshot(entity, snapshot);
        online.push({ entity, mode: 'entity', keys: (snapshot.rows as readonly unknown[]).length, asOf });
      }
    }
    return { source: source.name, accepted: rows.length, online };
  });
}
