/**
 * Kafka STREAM sources on the offline side (docs/kafka.md): a batch of one
 * topic partition's messages stored exactly once.
 *
 * Each message's value is read as one JSON object and validated against the
 * source's columns. A message that is not JSON, not an object, of the wrong
 * types, or without its event time goes to the dead-letter table
 * (`__fsql_kafka_dead_letters`: topic, partition, offset, key, raw value,
 * reason) — it never blocks the partition. Then, in ONE offline transaction:
 * the good events are appended to the source's table, the dead letters to
 * theirs, and the partition's next offset is written to the offsets table
 * (`__fsql_kafka_offsets`, fsql's own bookkeeping — Kafka's committed
 * offsets are only a hint). Inside that transaction the stored offset is
 * read again (the row locked first) and messages below it are dropped, so a
 * batch delivered twice (a restart, a rebalance between two consumers) is
 * stored once. A process killed before the commit stored nothing of the
 * batch and restarts from the stored offset; after it, from the next one.
 *
 * The online side is ingest's (online-updates.ts): the update is recorded
 * as owed before the commit and carried out after it, so a crash leaves the
 * owed update for the next ingest, consume or serve to carry out.
 */
import { keyOf, type Catalog, type ColumnInfo, type LiteralValue, type SourceInfo } from '../check/catalog.js';
import { BadRowError, quoteIdentifier, quoteString, type Engine, type Row } from '../engine/engine.js';
import { recordReader } from '../store/files/records.js';
import { encodeKey, type PendingUpdate } from '../store/online/store.js';
import { RuntimeError } from './errors.js';
import { carryOut, settleOwedUpdates, updatesForEvents, type OnlineUpdate } from './online-updates.js';
import type { Workspace } from './workspace.js';

/** fsql's record of each (source, topic, partition)'s next offset to store. */
export const KAFKA_OFFSETS_TABLE = '__fsql_kafka_offsets';
/** Messages that could not be read as events of their source. */
export const KAFKA_DEAD_LETTERS_TABLE = '__fsql_kafka_dead_letters';

export const DEAD_LETTER_COLUMNS: readonly ColumnInfo[] = [
  { name: 'source', type: 'TEXT', nullable: false },
  { name: 'topic', type: 'TEXT', nullable: false },
  { name: 'kafka_partition', type: 'INTEGER', nullable: false },
  { name: 'kafka_offset', type: 'INTEGER', nullable: false },
  { name: 'message_key', type: 'TEXT', nullable: true },
  { name: 'raw', type: 'TEXT', nullable: true },
  { name: 'raw_encoding', type: 'TEXT', nullable: false },
  { name: 'reason', type: 'TEXT', nullable: false },
  { name: 'received_at', type: 'TIMESTAMP', nullable: false },
];

/** One Kafka message as kafkajs gives it (offsets are decimal strings). */
export interface KafkaMessage {
  readonly offset: string;
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
}

export interface DeadLetter {
  readonly offset: number;
  readonly reason: string;
}

export interface KafkaBatchResult {
  readonly source: string;
  readonly topic: string;
  readonly partition: number;
  /** Events stored by this call (messages already stored before are not counted). */
  readonly stored: number;
  readonly deadLetters: readonly DeadLetter[];
  /** Messages of the batch that an earlier commit had stored already (a redelivery): dropped. */
  readonly duplicates: number;
  /** The partition's next offset to store, after this batch. */
  readonly nextOffset: number;
  readonly online: readonly OnlineUpdate[];
  /** With `online: 'defer'`: the updates owed, to carry out with `carryOutMerged`. */
  readonly owed: readonly OwedUpdate[];
}

/** The STREAM sources consuming a Kafka topic (`FROM KAFKA TOPIC`). */
export function kafkaSources(catalog: Catalog): SourceInfo[] {
  return Object.values(catalog.relations)
    .filter((r): r is SourceInfo => r.kind === 'source' && r.origin.kind === 'stream' && r.origin.kafka !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function topicOf(source: SourceInfo): string {
  if (source.origin.kind !== 'stream' || !source.origin.kafka) throw new RuntimeError('not_a_stream', `${source.name} is not a Kafka source (FROM KAFKA TOPIC '…')`);
  return source.origin.kafka.topic;
}

const ready = new WeakSet<Engine>();

async function exists(engine: Engine, table: string): Promise<boolean> {
  try {
    await engine.query(`SELECT 1 FROM ${quoteIdentifier(table)} WHERE 1 = 0`);
    return true;
  } catch {
    return false;
  }
}

/** Creates the offsets and dead-letter tables when missing (once per engine). */
export async function ensureKafkaTables(engine: Engine): Promise<void> {
  if (ready.has(engine)) return;
  await engine.transaction(async (e) => {
    if (!(await exists(e, KAFKA_OFFSETS_TABLE))) {
      await e.execute(
        `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(KAFKA_OFFSETS_TABLE)} (source VARCHAR(255) NOT NULL, topic VARCHAR(255) NOT NULL, kafka_partition BIGINT NOT NULL, next_offset BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (source, topic, kafka_partition))`,
      );
    }
    if (!(await exists(e, KAFKA_DEAD_LETTERS_TABLE))) await e.createTable(KAFKA_DEAD_LETTERS_TABLE, DEAD_LETTER_COLUMNS);
  });
  ready.add(engine);
}

/** The stored next offset of every partition of `topic` for `source` (partition → offset). */
export async function storedOffsets(engine: Engine, source: string, topic: string): Promise<Map<number, number>> {
  await ensureKafkaTables(engine);
  const rows = await engine.query(
    `SELECT kafka_partition, next_offset FROM ${quoteIdentifier(KAFKA_OFFSETS_TABLE)} WHERE source = ${quoteString(keyOf(source))} AND topic = ${quoteString(topic)}`,
    [
      { name: 'kafka_partition', type: 'INTEGER' },
      { name: 'next_offset', type: 'INTEGER' },
    ],
  );
  return new Map(rows.map((r) => [Number(r['kafka_partition']), Number(r['next_offset'])]));
}

/** The stored next offset of one partition, read inside a transaction with its row locked (undefined: none stored yet). */
async function lockedOffset(e: Engine, source: string, topic: string, partition: number): Promise<number | undefined> {
  const where = `source = ${quoteString(keyOf(source))} AND topic = ${quoteString(topic)} AND kafka_partition = ${partition}`;
  // An UPDATE takes the row's write lock on a server engine (a second consumer of the partition waits here).
  await e.execute(`UPDATE ${quoteIdentifier(KAFKA_OFFSETS_TABLE)} SET updated_at = updated_at WHERE ${where}`);
  const rows = await e.query(`SELECT next_offset FROM ${quoteIdentifier(KAFKA_OFFSETS_TABLE)} WHERE ${where}`, [{ name: 'next_offset', type: 'INTEGER' }]);
  return rows.length > 0 ? Number(rows[0]!['next_offset']) : undefined;
}

/** A message's value as text when it is valid UTF-8, else base64. */
function rawText(value: Buffer | null | undefined): { raw: string | null; encoding: string } {
  if (value === null || value === undefined) return { raw: null, encoding: 'none' };
  const text = value.toString('utf8');
  return Buffer.byteLength(text, 'utf8') === value.length && !text.includes('\uFFFD') ? { raw: text, encoding: 'utf8' } : { raw: value.toString('base64'), encoding: 'base64' };
}

interface Validated {
  readonly events: Row[];
  /** The offset of each event (parallel to `events`). */
  readonly offsets: number[];
  readonly dead: { offset: number; message: KafkaMessage; reason: string }[];
}

/** Reads each message's value as an event of `source`; the rest are dead letters with their reason. */
export function validateMessages(source: SourceInfo, messages: readonly KafkaMessage[]): Validated {
  const read = recordReader(source.columns, 'the message');
  const timeColumn = source.eventTime;
  const events: Row[] = [];
  const offsets: number[] = [];
  const dead: Validated['dead'] = [];
  // One report for the batch (no closure per message): the problems of the message being read.
  const problems: string[] = [];
  const report = (p: { column?: string; reason: string }) => {
    problems.push(p.column === undefined ? p.reason : p.column === timeColumn ? `no event time: column ${p.column}: ${p.reason}` : `column ${p.column}: ${p.reason}`);
  };
  for (const m of messages) {
    const offset = Number(m.offset);
    if (m.value === null || m.value.length === 0) {
      dead.push({ offset, message: m, reason: 'empty message (no value: a tombstone?)' });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(m.value.toString('utf8'));
    } catch (e) {
      dead.push({ offset, message: m, reason: `not JSON: ${(e as Error).message}` });
      continue;
    }
    problems.length = 0;
    const row = read(json, report);
    if (problems.length > 0 || !row) {
      dead.push({ offset, message: m, reason: problems.join('; ') || 'not an event of the source' });
      continue;
    }
    if (timeColumn !== undefined && (row[timeColumn] === null || row[timeColumn] === undefined)) {
      dead.push({ offset, message: m, reason: `no event time: column ${timeColumn} is missing or null` });
      continue;
    }
    events.push(row);
    offsets.push(offset);
  }
  return { events, offsets, dead };
}

function newestMicros(source: SourceInfo, rows: readonly Row[]): number | null {
  const timeColumn = source.eventTime;
  if (!timeColumn) return null;
  const date = source.columns.find((c) => c.name === timeColumn)?.type === 'DATE';
  let newest: number | null = null;
  for (const r of rows) {
    const v = r[timeColumn];
    if (typeof v !== 'number') continue;
    const micros = date ? v * 86_400_000_000 : v;
    if (newest === null || micros > newest) newest = micros;
  }
  return newest;
}

/** One row per distinct key of the features reading `source` (a batch repeats keys; only the keys matter for the online update). */
function distinctKeys(catalog: Catalog, source: SourceInfo, rows: readonly Row[]): readonly Row[] {
  const columns = new Set<string>();
  for (const versions of Object.values(catalog.features)) for (const f of versions) if (keyOf(f.relation) === keyOf(source.name)) for (const c of f.key.columns) columns.add(c);
  if (columns.size === 0) return rows;
  const names = [...columns];
  const seen = new Set<string>();
  const out: Row[] = [];
  for (const r of rows) {
    const k = names.length === 1 ? String(r[names[0]!]) + typeof r[names[0]!] : JSON.stringify(names.map((n) => r[n] ?? null));
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

export interface StoreBatchOptions {
  /**
   * `now` (default): the touched vectors are recomputed before this returns.
   * `defer`: the update is recorded as owed (before the commit, as always) and
   * returned in `owed` for the caller to carry out later, merged with other
   * batches' (`carryOutMerged`): one recomputation per key for many batches.
   */
  readonly online?: 'now' | 'defer';
}

/** An online update recorded as owed and not carried out yet (`online: 'defer'`). */
export interface OwedUpdate {
  readonly update: PendingUpdate;
  readonly id: number;
}

/**
 * Stores one batch of a partition's messages (in offset order) for `source`:
 * events and dead letters appended and the next offset recorded in one
 * offline transaction, messages at offsets stored before dropped; then the
 * online vectors of the touched keys updated (ingest's owed-update protocol).
 * Runs inside `ws.exclusive`.
 */
export async function storeKafkaBatch(
  ws: Workspace,
  catalog: Catalog,
  source: SourceInfo,
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  options: StoreBatchOptions = {},
): Promise<KafkaBatchResult> {
  return ws.exclusive(async () => {
    const engine = await ws.engine();
    await ensureKafkaTables(engine);
    const store = ws.online();
    const defer = options.online === 'defer';
    // What a killed process left owed, first (a deferring caller settled them when it started, and owns the rest).
    if (!defer) await settleOwedUpdates(ws, engine);
    const v = validateMessages(source, messages);
    let events = v.events;
    let offsets = v.offsets;
    const dead = [...v.dead];
    const last = messages.length > 0 ? Number(messages[messages.length - 1]!.offset) : -1;
    const { updates, notMaterialized } = events.length > 0 ? await updatesForEvents(ws, catalog, source, distinctKeys(catalog, source, events), newestMicros(source, events)) : { updates: [], notMaterialized: [] };
    const ids = updates.length > 0 ? await store.recordPending(updates) : [];
    let stored = 0;
    let duplicates = 0;
    let nextOffset = last + 1;
    let deadStored: DeadLetter[] = [];
    /** Indexes into `events` of the rows the last attempt inserted (BadRowError counts rows of those). */
    let inserted: number[] = [];
    for (;;) {
      try {
        await engine.transaction(async (e) => {
          const before = await lockedOffset(e, source.name, topic, partition);
          const from = before ?? -1;
          const keep = (o: number) => o >= from;
          inserted = offsets.flatMap((o, i) => (keep(o) ? [i] : []));
          const fresh = inserted.map((i) => events[i]!);
          const freshDead = dead.filter((d) => keep(d.offset));
          duplicates = messages.filter((m) => !keep(Number(m.offset))).length;
          await e.insertRows(source.name, source.columns, fresh);
          if (freshDead.length > 0) {
            const now = Date.now() * 1000;
            await e.insertRows(
              KAFKA_DEAD_LETTERS_TABLE,
              DEAD_LETTER_COLUMNS,
              freshDead.map((d) => {
                const { raw, encoding } = rawText(d.message.value);
                const key = d.message.key ? rawText(d.message.key).raw : null;
                return { source: keyOf(source.name), topic, kafka_partition: partition, kafka_offset: d.offset, message_key: key, raw, raw_encoding: encoding, reason: d.reason, received_at: now };
              }),
            );
          }
          nextOffset = Math.max(from, last + 1);
          const where = `source = ${quoteString(keyOf(source.name))} AND topic = ${quoteString(topic)} AND kafka_partition = ${partition}`;
          if (before === undefined) {
            await e.execute(
              `INSERT INTO ${quoteIdentifier(KAFKA_OFFSETS_TABLE)} (source, topic, kafka_partition, next_offset, updated_at) VALUES (${quoteString(keyOf(source.name))}, ${quoteString(topic)}, ${partition}, ${nextOffset}, ${Date.now() * 1000})`,
            );
          } else {
            await e.execute(`UPDATE ${quoteIdentifier(KAFKA_OFFSETS_TABLE)} SET next_offset = ${nextOffset}, updated_at = ${Date.now() * 1000} WHERE ${where}`);
          }
          stored = fresh.length;
          deadStored = freshDead.map((d) => ({ offset: d.offset, reason: d.reason }));
        });
        break;
      } catch (err) {
        // A valid event the engine cannot store (a key longer than DuckDB's index holds): a dead letter, and the batch again.
        if (err instanceof BadRowError && err.row >= 1 && err.row <= inserted.length) {
          const i = inserted[err.row - 1]!;
          const message = messages.find((m) => Number(m.offset) === offsets[i])!;
          dead.push({ offset: offsets[i]!, message, reason: `column ${err.column}: ${err.reason}` });
          dead.sort((a, b) => a.offset - b.offset);
          events = events.filter((_, j) => j !== i);
          offsets = offsets.filter((_, j) => j !== i);
          continue;
        }
        if (ids.length > 0) await store.settlePending(ids).catch(() => undefined);
        throw err;
      }
    }
    const out: OnlineUpdate[] = notMaterialized.map((entity) => ({ entity, mode: 'not_materialized' as const, keys: 0 }));
    const result = { source: source.name, topic, partition, stored, deadLetters: deadStored, duplicates, nextOffset };
    if (defer) {
      // Nothing new stored (a redelivery): nothing is owed.
      if (stored === 0) {
        if (ids.length > 0) await store.settlePending(ids);
        return { ...result, online: out, owed: [] };
      }
      return { ...result, online: out, owed: updates.map((update, i) => ({ update, id: ids[i]! })) };
    }
    if (stored > 0) for (const u of updates) out.push(await carryOut(ws, engine, catalog, u));
    if (ids.length > 0) await store.settlePending(ids);
    return { ...result, online: out, owed: [] };
  });
}

/**
 * Carries out owed updates of several batches at once: per entity, one
 * recomputation of the union of their keys (the whole entity when one of
 * them needs it) as of the newest of their event times, then every record
 * settled. Runs inside `ws.exclusive`. A process killed before this leaves
 * the records owed for the next start (`settleOwedUpdates`).
 */
export async function carryOutMerged(ws: Workspace, owed: readonly OwedUpdate[]): Promise<OnlineUpdate[]> {
  if (owed.length === 0) return [];
  const engine = await ws.engine();
  const { catalog } = await ws.catalog();
  const merged = new Map<string, PendingUpdate>();
  const keys = new Map<string, Map<string, LiteralValue[]>>();
  for (const { update: u } of owed) {
    const k = keyOf(u.entity);
    const m = merged.get(k);
    const newest = m === undefined ? u.newest : m.newest === null ? u.newest : u.newest === null ? m.newest : Math.max(m.newest, u.newest);
    const whole = u.keys === null || (m !== undefined && m.keys === null);
    if (!whole) {
      let set = keys.get(k);
      if (!set) keys.set(k, (set = new Map()));
      for (const key of u.keys!) set.set(encodeKey(key, key.length), key as LiteralValue[]);
    }
    merged.set(k, { entity: u.entity, keys: whole ? null : [], newest, reason: u.reason });
  }
  const out: OnlineUpdate[] = [];
  for (const [k, u] of merged) {
    if (catalog.entities[k] === undefined) continue;
    out.push(await carryOut(ws, engine, catalog, u.keys === null ? u : { ...u, keys: [...keys.get(k)!.values()] }));
  }
  await ws.online().settlePending(owed.map((o) => o.id));
  return out;
}
