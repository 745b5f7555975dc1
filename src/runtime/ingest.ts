/**
 * Stream ingest (`POST /ingest/:source`, `fsql ingest SOURCE FILE`): events
 * for a STREAM source are validated against its columns — a batch with any
 * bad row is refused whole, naming each bad row — and then, one ingest at a
 * time (`ws.exclusive`):
 *
 *   0. online updates a killed ingest left owed are carried out first;
 *   1. the online update this batch makes is recorded as owed (in the online
 *      store: which entities, which keys, the newest event time);
 *   2. the events are appended to the source's table in the offline store (the
 *      history backfills and training sets read), in one transaction — with
 *      the batch's idempotency key, when it has one;
 *   3. the touched vectors are recomputed and written, and the record settled.
 *
 * A process killed anywhere leaves either nothing stored or the events stored
 * and the update owed, which the next ingest, `materialize` or `fsql serve`
 * carries out (online-updates.ts). Which vectors: for every entity whose
 * online snapshot holds a feature that reads the stream (directly or through
 * views), the events' keys when every such feature reads the stream itself,
 * else the entity's whole snapshot; recomputed as of the latest of the
 * snapshot's time and the newest event ingested for the entity since (this
 * batch's or an earlier one's: the ticket's time, online-updates.ts), so an
 * event is always visible in the next read.
 */
import { createHash } from 'node:crypto';
import { keyOf, type Catalog, type SourceInfo } from '../check/catalog.js';
import { BadRowError, quoteIdentifier, type Engine, type Row } from '../engine/engine.js';
import { dialectFor } from '../sql/dialects/index.js';
import { recordReader } from '../store/files/records.js';
import type { RowError } from '../store/files/sink.js';
import { RuntimeError } from './errors.js';
import { carryOut, settleOwedUpdates, updatesForEvents, type OnlineUpdate } from './online-updates.js';
import type { Workspace } from './workspace.js';

export type { OnlineUpdate };

export interface IngestOptions {
  /** How the rows are named in errors (a file path; `request` by default). */
  readonly origin?: string;
  /** Lines of the rows in that file (1-based), for error messages. */
  readonly lines?: readonly number[];
  /** Most row errors reported (default 20). */
  readonly maxErrors?: number;
  /**
   * Makes a retry safe: a batch stored under this key is not stored again —
   * the retry gets the first result (`replayed: true`); the same key with
   * different events is refused (`idempotency_conflict`).
   */
  readonly idempotencyKey?: string;
}

export interface IngestResult {
  readonly source: string;
  readonly accepted: number;
  readonly online: readonly OnlineUpdate[];
  /** A retry under an idempotency key already used: nothing was stored this time. */
  readonly replayed?: boolean;
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

const INGESTED_TABLE = '__fsql_ingested';
/** How long an idempotency key is remembered: 7 days. */
const IDEMPOTENCY_RETENTION_MICROS = 7 * 86_400_000_000;

/** The digest of a batch, to tell a retry from a different batch under the same idempotency key. */
function digestOf(records: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(records)).digest('hex');
}

/** Engines whose database has the idempotency keys' table. */
const ready = new WeakSet<Engine>();

/** Whether the idempotency keys' table exists (a read: it is created by the first ingest with a key, in its transaction). */
async function ingestedTableExists(engine: Engine): Promise<boolean> {
  if (ready.has(engine)) return true;
  try {
    await engine.query(`SELECT 1 FROM ${quoteIdentifier(INGESTED_TABLE)} WHERE 1 = 0`);
  } catch {
    return false;
  }
  ready.add(engine);
  return true;
}

/**
 * A text literal as the engine reads it: the engine's dialect quotes it (an
 * idempotency key comes from a client; MySQL reads `\` in a literal as an
 * escape, so a key ending in one would otherwise end the literal early).
 */
const quoteText = (engine: Engine, text: string): string => dialectFor(engine.target).quoteString(text);

/** The batch stored under `key` for `source`, if any. */
async function priorBatch(engine: Engine, source: string, key: string): Promise<{ digest: string; accepted: number } | undefined> {
  const rows = await engine.query(`SELECT digest, accepted FROM ${quoteIdentifier(INGESTED_TABLE)} WHERE source = ${quoteText(engine, keyOf(source))} AND idempotency_key = ${quoteText(engine, key)}`, [
    { name: 'digest', type: 'TEXT' },
    { name: 'accepted', type: 'INTEGER' },
  ]);
  const p = rows[0];
  return p ? { digest: String(p['digest']), accepted: Number(p['accepted']) } : undefined;
}

export async function ingest(ws: Workspace, sourceName: string, records: readonly unknown[], options: IngestOptions = {}): Promise<IngestResult> {
  const { catalog } = await ws.catalog();
  const source = streamSource(catalog, sourceName);
  const rows = validateEvents(source, records, options);
  const key = options.idempotencyKey;
  if (key !== undefined && (key === '' || key.length > 255)) throw new RuntimeError('bad_request', 'an idempotency key is 1 to 255 characters');
  if (rows.length === 0 && key === undefined) return { source: source.name, accepted: 0, online: [] };
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
  return ws.exclusive(async () => {
    const engine = await ws.engine();
    const store = ws.online();
    // 0. What a killed ingest left owed, first: reads after this one must not miss its events.
    await settleOwedUpdates(ws, engine);
    // A retry of a batch already stored under this key: its first result, nothing stored again.
    const digest = key !== undefined ? digestOf(records) : undefined;
    const replay = (p: { digest: string; accepted: number }): IngestResult => {
      if (p.digest !== digest) throw new RuntimeError('idempotency_conflict', `idempotency key ${JSON.stringify(key)} was used for a different batch of ${source.name}; use a new key for new events`);
      return { source: source.name, accepted: p.accepted, online: [], replayed: true };
    };
    if (key !== undefined && (await ingestedTableExists(engine))) {
      const p = await priorBatch(engine, source.name, key);
      if (p) return replay(p);
    }
    // 1. Owed before the events commit: a process killed from here on leaves the update for the next one to carry out.
    const { updates, notMaterialized } = await updatesForEvents(ws, catalog, source, rows, newest);
    const ids = await store.recordPending(updates);
    // 2. Durable: the events (and the key) in one transaction.
    let replayed: IngestResult | undefined;
    try {
      await engine.transaction(async (e) => {
        if (key !== undefined) {
          // Inside the write lock (another process's apply or ingest may hold it a while): the table on first
          // use, and the key looked up again — another process may have stored it since the look above.
          if (!ready.has(engine)) {
            await e.execute(
              // The key columns in the engine's text type (MySQL: a VARCHAR, as a primary key needs).
              `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(INGESTED_TABLE)} (source ${dialectFor(engine.target).types.TEXT} NOT NULL, idempotency_key ${dialectFor(engine.target).types.TEXT} NOT NULL, digest TEXT NOT NULL, accepted BIGINT NOT NULL, ingested_at BIGINT NOT NULL, PRIMARY KEY (source, idempotency_key))`,
            );
          }
          const p = await priorBatch(e, source.name, key);
          if (p) {
            replayed = replay(p);
            return;
          }
        }
        await e.insertRows(source.name, source.columns, rows);
        if (key !== undefined) {
          // Keys are kept for a week: a retry comes within minutes, and the table stays small.
          await e.execute(`DELETE FROM ${quoteIdentifier(INGESTED_TABLE)} WHERE ingested_at < ${Date.now() * 1000 - IDEMPOTENCY_RETENTION_MICROS}`);
          await e.execute(
            `INSERT INTO ${quoteIdentifier(INGESTED_TABLE)} (source, idempotency_key, digest, accepted, ingested_at) VALUES (${quoteText(e, keyOf(source.name))}, ${quoteText(e, key)}, ${quoteText(e, digest!)}, ${rows.length}, ${Date.now() * 1000})`,
          );
        }
      });
    } catch (err) {
      // Nothing was committed: nothing is owed.
      await store.settlePending(ids).catch(() => undefined);
      if (err instanceof BadRowError) {
        // A row the engine cannot store although it is valid (a key longer than DuckDB's index holds).
        const line = options.lines?.[err.row - 1];
        throw new RuntimeError('bad_rows', `1 of ${records.length} event${records.length === 1 ? '' : 's'} cannot be stored; nothing was stored`, {
          rowErrors: [{ file: options.origin ?? 'request', row: err.row, ...(line !== undefined ? { line } : {}), column: err.column, reason: err.reason }],
        });
      }
      throw err;
    }
    if (key !== undefined) ready.add(engine);
    if (replayed) {
      await store.settlePending(ids);
      return replayed;
    }
    // 3. Online: the touched vectors, then the record settled.
    const online: OnlineUpdate[] = notMaterialized.map((entity) => ({ entity, mode: 'not_materialized' as const, keys: 0 }));
    for (const u of updates) online.push(await carryOut(ws, engine, catalog, u));
    await store.settlePending(ids);
    online.sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));
    return { source: source.name, accepted: rows.length, online };
  });
}
