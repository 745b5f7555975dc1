/**
 * The online store on Redis (ioredis): a `VectorStore` (vector-store.ts)
 * under the shared layer (vectors.ts), so it serves the same bytes, the same
 * answers and the same wire format as the SQLite store.
 *
 * Keys, under a configurable prefix P (default `fsql:`; projects sharing a
 * Redis use different prefixes), with E the entity's name (lower case,
 * URI-encoded) and G a generation number:
 *
 *   P n                 the last generation number (INCR)
 *   P e:E               hash: the entity's record — current generation, as-of,
 *                       key columns, features (JSON), key count, times, the
 *                       last ticket (seq), highAsOf, and `base`, the ticket
 *                       the generation's vectors were written under
 *   P v:E:G:<key>       string: one key's vector (codec.ts bytes)
 *   P s:E:G             sorted set: keys of generation G upserted under a
 *                       ticket later than `base` (score: the ticket)
 *   P w:E               sorted set: generations being written (score: the
 *                       writer's last sign of life, ms)
 *
 * Atomicity: a snapshot is written under fresh keys `P v:E:G:…` (SET NX: a
 * duplicate key is found as it is written), then published by one MULTI/EXEC
 * that points `P e:E` at G — WATCHed, so an upsert or ticket landing between
 * is never lost (the transaction is retried). Readers read the entity's
 * generation and MGET the vectors in ONE MULTI/EXEC (pipelined, one round
 * trip), so a read is of one state: the old generation or the new, never a
 * mix, even while the old generation's keys are being deleted (its keys are
 * unlinked right after the switch). A reader caches the record per
 * generation; when the generation it finds is not the one it assumed, it
 * reads the record and tries again.
 *
 * A writer killed mid-snapshot leaves its unpublished keys; the next snapshot
 * of the entity deletes generations whose writer has shown no sign of life for
 * `staleWriterMs` (5 minutes).
 *
 * Upserts and tickets are optimistic transactions (WATCH the record and the
 * keys, read, merge in the layer, MULTI/EXEC; retried on a conflict until
 * `writeTimeoutMs`, then `busy`). Writes of one process run one at a time
 * (the layer's queue) on a connection of their own; reads use another.
 */
import { Redis } from 'ioredis';
import { UpdateJournal } from '../journal/journal.js';
import { redactUrl } from '../url.js';
import { nameKey, OnlineStoreError } from './store.js';
import type { EntityMeta, GenerationFiller, GenerationMeta, GenerationRead, MetaChange, NewGeneration, StoredVector, VectorMerge, VectorStore } from './vector-store.js';
import { VectorOnlineStore } from './vectors.js';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (a secret: messages show it redacted). */
  readonly url: string;
  /** Prefix of every key (default `fsql:`). */
  readonly keyPrefix?: string;
  /** Longest time a write retries its transaction against other writers, in ms (default 60 000). */
  readonly writeTimeoutMs?: number;
  /** Connecting gives up after this many ms (default 5 000). */
  readonly connectTimeoutMs?: number;
  /** Keys written per round trip during a snapshot (default 1 000). */
  readonly batchKeys?: number;
  /** An unpublished generation whose writer was silent this long is deleted by the next snapshot (default 5 min). */
  readonly staleWriterMs?: number;
  /** A snapshot write gives the event loop a turn after this many ms of work (default 10). */
  readonly yieldMs?: number;
}

export interface RedisOnlineStoreOptions extends RedisStoreOptions {
  /** The SQLite file of the journal of owed updates (src/store/journal). */
  readonly journalPath: string;
}

/** The cached record of a generation, and the ticket its vectors were written under. */
interface Cached {
  readonly meta: GenerationMeta;
  readonly base: number;
}

const nowMicros = () => Date.now() * 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Glob-escapes a text for SCAN MATCH. */
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

function metaOf(h: Record<string, string>): EntityMeta & { base: number } {
  return {
    entity: h.entity!,
    generation: Number(h.generation),
    asOf: Number(h.asOf),
    keyColumns: h.keyColumns!,
    features: h.features!,
    writtenAt: Number(h.writtenAt),
    keys: Number(h.keys),
    updatedAt: Number(h.updatedAt),
    seq: Number(h.seq),
    highAsOf: h.highAsOf === undefined || h.highAsOf === '' ? null : Number(h.highAsOf),
    refreshedAsOf: h.refreshedAsOf === undefined || h.refreshedAsOf === '' ? null : Number(h.refreshedAsOf),
    base: Number(h.base ?? 0),
  };
}

/** Not a reply of Redis to a command (a ReplyError): the connection failed. */
function isConnectionError(e: unknown): boolean {
  return e instanceof Error && e.name !== 'ReplyError' && !(e instanceof OnlineStoreError);
}

export class RedisVectorStore implements VectorStore {
  readonly where: string;
  private readonly reader: Redis;
  private readonly writer: Redis;
  private readonly prefix: string;
  private readonly writeTimeoutMs: number;
  private readonly batchKeys: number;
  private readonly staleWriterMs: number;
  private readonly cache = new Map<string, Cached>();
  private lastConnectionError: string | undefined;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    this.prefix = options.keyPrefix ?? 'fsql:';
    this.writeTimeoutMs = options.writeTimeoutMs ?? 60_000;
    this.batchKeys = options.batchKeys ?? 1000;
    this.staleWriterMs = options.staleWriterMs ?? 300_000;
    const url = options.url;
    this.where = `${redactUrl(url)} (key prefix ${JSON.stringify(this.prefix)})`;
    const connect = () => {
      const r = new Redis(url, {
        lazyConnect: true,
        connectTimeout: options.connectTimeoutMs ?? 5_000,
        // Fail a command fast while the server is away (a clear `unavailable`), and keep reconnecting.
        maxRetriesPerRequest: 1,
        retryStrategy: (times) => Math.min(times * 200, 2_000),
        // Never print the URL or crash on an 'error' event: remember it for the message.
      });
      r.on('error', (e: Error) => {
        this.lastConnectionError = e.message;
      });
      return r;
    };
    this.reader = connect();
    this.writer = connect();
  }

  private key(kind: 'e' | 's' | 'w', entityKey: string, generation?: number): string {
    const e = encodeURIComponent(entityKey);
    return generation === undefined ? `${this.prefix}${kind}:${e}` : `${this.prefix}${kind}:${e}:${generation}`;
  }

  private vectorKey(entityKey: string, generation: number, key: string): string {
    return `${this.prefix}v:${encodeURIComponent(entityKey)}:${generation}:${key}`;
  }

  private vectorPattern(entityKey: string, generation: number): string {
    return `${globEscape(`${this.prefix}v:${encodeURIComponent(entityKey)}:${generation}:`)}*`;
  }

  private check(): void {
    if (this.closed) throw new OnlineStoreError('closed', `the online store ${this.where} is closed`);
  }

  /** Runs Redis work; a failed connection becomes `unavailable`, naming the server (password hidden). */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    this.check();
    try {
      return await fn();
    } catch (e) {
      if (!isConnectionError(e)) throw e;
      const why = this.lastConnectionError ?? (e as Error).message;
      throw new OnlineStoreError('unavailable', `cannot reach the Redis online store at ${this.where}: ${why}`);
    }
  }

  /** The record of the entity's current generation as cached, refreshed from `h`. */
  private remember(entityKey: string, h: Record<string, string>): Cached & { entity: EntityMeta } {
    const m = metaOf(h);
    let c = this.cache.get(entityKey);
    if (c === undefined || c.meta.generation !== m.generation) {
      c = { meta: { entity: m.entity, generation: m.generation, asOf: m.asOf, keyColumns: m.keyColumns, features: m.features, writtenAt: m.writtenAt }, base: m.base };
      this.cache.set(entityKey, c);
    }
    return { ...c, entity: m };
  }

  multiGet(entity: string, keys: readonly string[]): Promise<GenerationRead | null> {
    return this.call(async () => {
      const ek = nameKey(entity);
      const record = this.key('e', ek);
      for (let attempt = 0; ; attempt++) {
        const c = this.cache.get(ek);
        if (c !== undefined) {
          const g = c.meta.generation;
          // The generation and the vectors in one transaction: one state, one round trip.
          const m = this.reader.multi().hget(record, 'generation');
          if (keys.length > 0) m.mgetBuffer(keys.map((k) => this.vectorKey(ek, g, k)));
          const res = await m.exec();
          if (res === null) throw new Error('the transaction was discarded');
          const [e0, current] = res[0]!;
          if (e0) throw e0;
          if (current === null) return null;
          if (Number(current) === g) {
            if (keys.length === 0) return { meta: c.meta, blobs: [] };
            const [e1, blobs] = res[1]!;
            if (e1) throw e1;
            return { meta: c.meta, blobs: (blobs as (Buffer | null)[]).map((b) => b ?? undefined) };
          }
        }
        if (attempt > 100) throw new OnlineStoreError('busy', `${this.where}: the generation of ${entity} kept changing while it was read`);
        const h = await this.reader.hgetall(record);
        if (h.generation === undefined) return null;
        this.remember(ek, h);
      }
    });
  }

  meta(entity: string): Promise<EntityMeta | null> {
    return this.call(async () => {
      const ek = nameKey(entity);
      const h = await this.reader.hgetall(this.key('e', ek));
      return h.generation === undefined ? null : this.remember(ek, h).entity;
    });
  }

  /** Deletes a generation's vectors and its ticket set. */
  private async dropGeneration(ek: string, generation: number): Promise<void> {
    const w = this.writer;
    let cursor = '0';
    do {
      const [next, found] = await w.scan(cursor, 'MATCH', this.vectorPattern(ek, generation), 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await w.unlink(...found);
    } while (cursor !== '0');
    await w.unlink(this.key('s', ek, generation));
  }

  /** The keys of a generation stored under a ticket later than `seq`, with their tickets. */
  private async laterThan(ek: string, generation: number, base: number, seq: number): Promise<{ key: string; seq: number }[]> {
    const w = this.writer;
    const scored = await w.zrange(this.key('s', ek, generation), 0, -1, 'WITHSCORES');
    const tickets = new Map<string, number>();
    for (let i = 0; i < scored.length; i += 2) tickets.set(scored[i]!, Number(scored[i + 1]));
    if (base <= seq) return [...tickets].filter(([, s]) => s > seq).map(([key, s]) => ({ key, seq: s }));
    // The generation was written under a later ticket than `seq`: every key of it is later.
    const out: { key: string; seq: number }[] = [];
    const head = `${this.prefix}v:${encodeURIComponent(ek)}:${generation}:`;
    let cursor = '0';
    do {
      const [next, found] = await w.scan(cursor, 'MATCH', this.vectorPattern(ek, generation), 'COUNT', 1000);
      cursor = next;
      for (const f of found) {
        const key = f.slice(head.length);
        out.push({ key, seq: tickets.get(key) ?? base });
      }
    } while (cursor !== '0');
    return out;
  }

  bulkPut(generation: NewGeneration, fill: GenerationFiller): Promise<EntityMeta> {
    return this.call(async () => {
      const w = this.writer;
      const { entity, seq } = generation;
      const ek = nameKey(entity);
      const record = this.key('e', ek);
      const writing = this.key('w', ek);
      const g = await w.incr(`${this.prefix}n`);
      await w.zadd(writing, Date.now(), String(g));
      // Generations whose writer died: never published, silent for long.
      const stale = await w.zrangebyscore(writing, '-inf', Date.now() - this.staleWriterMs);
      for (const s of stale) {
        await this.dropGeneration(ek, Number(s));
        await w.zrem(writing, s);
      }
      let published = false;
      try {
        let count = 0;
        let batch = w.pipeline();
        let batchKeys: string[] = [];
        const flush = async () => {
          if (batchKeys.length === 0) return;
          batch.zadd(writing, Date.now(), String(g));
          const res = await batch.exec();
          const keys = batchKeys;
          batch = w.pipeline();
          batchKeys = [];
          for (let i = 0; i < keys.length; i++) {
            const [err, ok] = res![i]!;
            if (err) throw err;
            if (ok === null) throw new OnlineStoreError('duplicate_key', `snapshot of ${entity}: key ${keys[i]} appears more than once`);
          }
          // A key given twice in one batch: the second SET NX saw the first.
        };
        await fill((key, blob) => {
          // The blob is a view into a reused buffer: the pipeline keeps a copy.
          batch.set(this.vectorKey(ek, g, key), Buffer.from(blob), 'NX');
          batchKeys.push(key);
          count++;
          if (batchKeys.length >= this.batchKeys) return flush();
          return undefined;
        });
        await flush();
        // The switch, retried while an upsert or a ticket lands in between.
        const deadline = Date.now() + this.writeTimeoutMs;
        for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
          await w.watch(record);
          const h = await w.hgetall(record);
          const previous = h.generation === undefined ? undefined : metaOf(h);
          const ticket = seq ?? previous?.seq ?? 0;
          let keys = count;
          const kept: { key: string; blob: Buffer; seq: number }[] = [];
          // Keys upserted under a later ticket while this generation was computed hold newer vectors: kept
          // (when the features are the same; otherwise the caller re-applies them, runtime/online-updates.ts).
          if (seq !== undefined && previous !== undefined && previous.features === generation.features) {
            const later = await this.laterThan(ek, previous.generation, previous.base, seq);
            if (later.length > 0) {
              const p = w.pipeline().mgetBuffer(later.map((k) => this.vectorKey(ek, previous.generation, k.key)));
              for (const k of later) p.exists(this.vectorKey(ek, g, k.key));
              const res = (await p.exec())!;
              const blobs = res[0]![1] as (Buffer | null)[];
              later.forEach((k, i) => {
                const blob = blobs[i];
                if (!blob) return;
                kept.push({ key: k.key, blob, seq: k.seq });
                if (res[i + 1]![1] === 0) keys++;
              });
            }
          }
          const m = w.multi();
          for (const k of kept) {
            m.set(this.vectorKey(ek, g, k.key), k.blob);
            if (k.seq > ticket) m.zadd(this.key('s', ek, g), k.seq, k.key);
          }
          const now = nowMicros();
          const next: EntityMeta & { base: number } = {
            entity,
            generation: g,
            asOf: generation.asOf,
            keyColumns: generation.keyColumns,
            features: generation.features,
            writtenAt: now,
            keys,
            updatedAt: now,
            seq: Math.max(previous?.seq ?? 0, ticket),
            highAsOf: null,
            base: ticket,
          };
          m.hset(record, { ...next, highAsOf: '', refreshedAsOf: '' });
          m.zrem(writing, String(g));
          const res = await m.exec();
          if (res !== null) {
            for (const [err] of res) if (err) throw err;
            published = true;
            if (previous !== undefined) await this.dropGeneration(ek, previous.generation);
            const { base: _base, ...meta } = next;
            return meta;
          }
          if (Date.now() >= deadline) throw new OnlineStoreError('busy', `${this.where}: other writers kept changing ${entity} for more than ${this.writeTimeoutMs} ms`);
          await sleep(wait);
        }
      } finally {
        if (!published) {
          await w.unwatch().catch(() => undefined);
          // Nothing of an unpublished generation stays behind.
          await this.dropGeneration(ek, g).catch(() => undefined);
          await w.zrem(writing, String(g)).catch(() => undefined);
        }
      }
    });
  }

  update(entity: string, keys: readonly string[], merge: VectorMerge): Promise<number> {
    return this.call(async () => {
      const w = this.writer;
      const ek = nameKey(entity);
      const record = this.key('e', ek);
      const deadline = Date.now() + this.writeTimeoutMs;
      for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
        await w.watch(record);
        let done = false;
        try {
          const h = await w.hgetall(record);
          if (h.generation === undefined) throw new OnlineStoreError('not_materialized', `entity ${entity} has not been materialized into ${this.where}`);
          const c = this.remember(ek, h);
          const g = c.meta.generation;
          const vkeys = keys.map((k) => this.vectorKey(ek, g, k));
          const tickets = this.key('s', ek, g);
          await w.watch(...vkeys, tickets);
          const [[e0, blobs], [e1, scores]] = (await w.pipeline().mgetBuffer(vkeys).zmscore(tickets, ...keys).exec())! as [[Error | null, (Buffer | null)[]], [Error | null, (string | null)[]]];
          if (e0) throw e0;
          if (e1) throw e1;
          const stored: (StoredVector | undefined)[] = blobs.map((b, i) => (b === null ? undefined : { blob: b, seq: scores[i] === null ? c.base : Number(scores[i]) }));
          const writes = merge(c.meta, stored);
          const m = w.multi();
          let written = 0;
          const added = new Set<string>();
          for (let i = 0; i < keys.length; i++) {
            const v = writes[i];
            if (v === undefined) continue;
            m.set(vkeys[i]!, Buffer.from(v.blob));
            if (v.seq > c.base) m.zadd(tickets, v.seq, keys[i]!);
            written++;
            if (stored[i] === undefined) added.add(keys[i]!);
          }
          m.hincrby(record, 'keys', added.size);
          m.hset(record, 'updatedAt', nowMicros());
          const res = await m.exec();
          done = true;
          if (res !== null) {
            for (const [err] of res) if (err) throw err;
            return written;
          }
        } finally {
          if (!done) await w.unwatch().catch(() => undefined);
        }
        if (Date.now() >= deadline) throw new OnlineStoreError('busy', `${this.where}: other writers kept changing ${entity} for more than ${this.writeTimeoutMs} ms`);
        await sleep(wait);
      }
    });
  }

  updateMeta(entity: string, change: MetaChange): Promise<EntityMeta | null> {
    return this.call(async () => {
      const w = this.writer;
      const ek = nameKey(entity);
      const record = this.key('e', ek);
      const deadline = Date.now() + this.writeTimeoutMs;
      for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
        await w.watch(record);
        const h = await w.hgetall(record);
        if (h.generation === undefined) {
          await w.unwatch();
          return null;
        }
        const { base: _base, ...m } = metaOf(h);
        let c: ReturnType<MetaChange>;
        try {
          c = change(m);
        } catch (e) {
          await w.unwatch();
          throw e;
        }
        const refreshed = c.refreshedAsOf ?? m.refreshedAsOf ?? null;
        const res = await w.multi().hset(record, { seq: c.seq, highAsOf: c.highAsOf === null ? '' : c.highAsOf, refreshedAsOf: refreshed === null ? '' : refreshed }).exec();
        if (res !== null) return { ...m, seq: c.seq, highAsOf: c.highAsOf, refreshedAsOf: refreshed };
        if (Date.now() >= deadline) throw new OnlineStoreError('busy', `${this.where}: other writers kept changing ${entity} for more than ${this.writeTimeoutMs} ms`);
        await sleep(wait);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    for (const r of [this.reader, this.writer]) {
      if (r.status === 'ready') await r.quit().catch(() => r.disconnect());
      else r.disconnect();
    }
  }
}

/** The Redis online store: the shared layer over `RedisVectorStore`, its journal in a SQLite file of the project. */
export class RedisOnlineStore extends VectorOnlineStore {
  constructor(options: RedisOnlineStoreOptions) {
    super(
      new RedisVectorStore(options),
      (owner) => new UpdateJournal(options.journalPath, { owner, ...(options.writeTimeoutMs !== undefined ? { writeTimeoutMs: options.writeTimeoutMs } : {}) }),
      options.yieldMs !== undefined ? { yieldMs: options.yieldMs } : {},
    );
  }
}
