/**
 * Group commit for ingest. Every request's events are validated on arrival
 * (a bad batch is refused alone, with its own row numbers); valid batches
 * for one source wait while an ingest of that source runs, and the batches
 * that arrived meanwhile are then ingested together: one transaction, one
 * recomputation of the touched online vectors. Each request is answered once
 * the group it joined is committed and its vectors are updated, so the
 * guarantee of a 200 is the same as for a batch ingested alone — its events
 * are durable and visible to the next lookup — and a group is stored whole or
 * not at all. One client sending batches one at a time sees no difference;
 * many concurrent clients cost one recomputation per group instead of one
 * per request.
 */
import { keyOf } from '../check/catalog.js';
import { RuntimeError } from '../runtime/errors.js';
import { ingest, streamSource, validateEvents, type IngestOptions, type IngestResult } from '../runtime/ingest.js';
import type { Workspace } from '../runtime/workspace.js';

interface Waiting {
  readonly records: readonly unknown[];
  readonly options: IngestOptions;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

export interface IngestQueueOptions {
  /** Most events ingested in one group (default 100 000); a larger batch goes alone. */
  readonly maxGroupEvents?: number;
  /** Told how each batch of a known stream ended (the server's metrics): events stored, or refused with the error's code. */
  readonly observer?: IngestObserver;
}

export interface IngestObserver {
  accepted(source: string, events: number): void;
  refused(source: string, events: number, reason: string): void;
}

const reasonOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : 'error';
};

export class IngestQueue {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly running = new Set<string>();
  private readonly maxGroupEvents: number;
  private readonly observer: IngestObserver | undefined;

  constructor(
    private readonly ws: Workspace,
    options: IngestQueueOptions = {},
  ) {
    this.maxGroupEvents = options.maxGroupEvents ?? 100_000;
    this.observer = options.observer;
  }

  /** Validates the batch now; resolves once it is stored and the online vectors are updated. */
  submit(sourceName: string, records: readonly unknown[], options: IngestOptions = {}): Promise<IngestResult> {
    // Validated and queued in this tick (batches submitted together form one group), against the catalog
    // last read (the route reads it first); before any was read, once it is.
    const rc = this.ws.loadedCatalog();
    if (rc === undefined) return this.ws.catalog().then(() => this.submit(sourceName, records, options));
    const source = streamSource(rc.catalog, sourceName);
    const observer = this.observer;
    try {
      validateEvents(source, records, options);
    } catch (e) {
      observer?.refused(source.name, records.length, reasonOf(e));
      throw e;
    }
    if (records.length === 0) return Promise.resolve({ source: source.name, accepted: 0, online: [] });
    const key = keyOf(source.name);
    const stored = this.queued(key, source.name, records, options);
    if (!observer) return stored;
    return stored.then(
      (r) => {
        if (!r.replayed) observer.accepted(source.name, r.accepted);
        return r;
      },
      (e: unknown) => {
        observer.refused(source.name, records.length, reasonOf(e));
        throw e;
      },
    );
  }

  private queued(key: string, name: string, records: readonly unknown[], options: IngestOptions): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      let list = this.waiting.get(key);
      if (!list) this.waiting.set(key, (list = []));
      list.push({ records, options, resolve, reject });
      if (!this.running.has(key)) void this.drain(key, name);
    });
  }

  private async drain(key: string, name: string): Promise<void> {
    this.running.add(key);
    try {
      for (;;) {
        // The engine and the online store are synchronous (better-sqlite3): an ingest holds the event loop, and requests
        // that arrived meanwhile are only read after it. One turn of the loop lets them join the next group.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const list = this.waiting.get(key);
        if (!list || list.length === 0) break;
        // The batches that arrived while the previous group ran, up to the size limit (at least one).
        // A batch with an idempotency key goes alone (its key and result are its own).
        let events = 0;
        let n = 0;
        const alone = (w: Waiting) => w.options.idempotencyKey !== undefined;
        while (n < list.length && (n === 0 || (!alone(list[n]!) && !alone(list[0]!) && events + list[n]!.records.length <= this.maxGroupEvents))) events += list[n++]!.records.length;
        const group = list.splice(0, n);
        await this.run(name, group);
      }
    } finally {
      this.running.delete(key);
      this.waiting.delete(key);
    }
  }

  private async run(name: string, group: readonly Waiting[]): Promise<void> {
    if (group.length === 1) {
      const only = group[0]!;
      await ingest(this.ws, name, only.records, only.options).then(only.resolve, only.reject);
      return;
    }
    const records = group.flatMap((w) => w.records);
    try {
      const result = await ingest(this.ws, name, records);
      for (const w of group) w.resolve({ source: result.source, accepted: w.records.length, online: result.online });
    } catch (e) {
      // Refused as a group (say, an apply changed the source since the batches were checked): each batch alone, with its own row numbers.
      if (e instanceof RuntimeError && e.code === 'bad_rows') {
        for (const w of group) await ingest(this.ws, name, w.records, w.options).then(w.resolve, w.reject);
      } else for (const w of group) w.reject(e);
    }
  }
}
