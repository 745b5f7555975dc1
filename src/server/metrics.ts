/**
 * `GET /metrics`: the server's metrics in the Prometheus text format, with
 * prom-client (docs/monitoring.md lists them). Each server has a registry
 * of its own (several servers in one process do not mix).
 *
 * The hot path pays for a Map lookup and a few additions per request: the
 * per-(route, method, status) children of the counter and histogram are
 * made once and kept. What costs queries (owed online updates, freshness
 * lag per source, vector ages) is computed when scraped, once per scrape
 * (a MAX over each source's event time, and a read of the store's entity
 * rows).
 *
 * With `fsql serve --workers N` each worker keeps its own counts; the worker
 * that answers a scrape asks the primary, which gathers every worker's
 * metrics with prom-client's AggregatorRegistry (`clusterText`): counters and
 * histograms are summed, the gauges that every worker computes alike (lag,
 * owed updates) are taken from one.
 */
import client from 'prom-client';
import { freshness } from '../runtime/freshness.js';
import { entitiesWithFeatures } from '../runtime/vectors.js';
import type { Workspace } from '../runtime/workspace.js';

/** Latency buckets (seconds): a lookup is ~0.2 ms, a large training set seconds. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RequestChildren {
  readonly count: client.Counter.Internal;
  readonly latency: client.Histogram.Internal<'route' | 'method' | 'status'>;
}

export class ServerMetrics {
  readonly registry = new client.Registry();
  private readonly requests: client.Counter<'route' | 'method' | 'status'>;
  private readonly latency: client.Histogram<'route' | 'method' | 'status'>;
  private readonly keys: client.Counter<'entity'>;
  private readonly accepted: client.Counter<'source'>;
  private readonly refused: client.Counter<'source' | 'reason'>;
  private readonly children = new Map<string, RequestChildren>();
  private readonly keyChildren = new Map<string, client.Counter.Internal>();
  private readonly owed: client.Gauge;
  private readonly newest: client.Gauge<'source'>;
  private readonly sourceLag: client.Gauge<'source'>;
  private readonly vectorAge: client.Gauge<'entity'>;
  /** The refresh in progress: the gauges of one scrape share it. */
  private gauges: Promise<void> | undefined;
  /** The whole cluster's metrics (a worker of `fsql serve --workers`). */
  private clusterText: (() => Promise<string>) | undefined;

  constructor(private readonly ws: Workspace) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry });
    this.requests = new client.Counter({ name: 'fsql_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.latency = new client.Histogram({
      name: 'fsql_http_request_duration_seconds',
      help: 'Time from receiving a request to sending the reply, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.keys = new client.Counter({ name: 'fsql_lookup_keys_total', help: 'Keys looked up (POST /v1/features/:entity and GET /v1/features/:entity/:key), by entity', labelNames: ['entity'], registers });
    this.accepted = new client.Counter({ name: 'fsql_ingest_events_accepted_total', help: 'Stream events stored (HTTP ingest and source uploads), by source', labelNames: ['source'], registers });
    this.refused = new client.Counter({
      name: 'fsql_ingest_events_refused_total',
      help: 'Stream events refused (the whole batch is refused when one event is bad), by source and error code',
      labelNames: ['source', 'reason'],
      registers,
    });
    // One refresh serves every gauge of a scrape (each gauge's collect awaits the same promise).
    const collect = async (): Promise<void> => {
      this.gauges ??= this.refresh()
        .catch(() => undefined)
        .finally(() => (this.gauges = undefined));
      await this.gauges;
    };
    this.owed = new client.Gauge({ name: 'fsql_online_updates_owed', help: 'Online updates recorded and not carried out yet (a killed ingest leaves some)', registers, aggregator: 'max', collect });
    this.newest = new client.Gauge({
      name: 'fsql_source_newest_event_time_seconds',
      help: 'Newest event time in the offline store, per source with an event time (Unix seconds)',
      labelNames: ['source'],
      registers,
      aggregator: 'max',
      collect,
    });
    this.sourceLag = new client.Gauge({
      name: 'fsql_source_freshness_lag_seconds',
      help: 'Seconds since the newest event time in the offline store, per source with an event time',
      labelNames: ['source'],
      registers,
      aggregator: 'min',
      collect,
    });
    this.vectorAge = new client.Gauge({
      name: 'fsql_online_vectors_age_seconds',
      help: 'Seconds since the online vectors of an entity were last written by materialize or updated by ingest',
      labelNames: ['entity'],
      registers,
      aggregator: 'min',
      collect,
    });
  }

  private async refresh(): Promise<void> {
    this.owed.set((await this.ws.online().pendingUpdates()).length);
    const report = await freshness(this.ws, { sourcesOnly: true });
    this.newest.reset();
    this.sourceLag.reset();
    for (const s of report.sources) {
      if (s.newestEventTime === null) continue;
      this.newest.set({ source: s.source }, s.newestEventTime / 1e6);
      this.sourceLag.set({ source: s.source }, s.lagSeconds!);
    }
    this.vectorAge.reset();
    const now = Date.now() * 1000;
    for (const entity of entitiesWithFeatures(this.ws.catalog().catalog)) {
      const info = await this.ws.online().describe(entity);
      if (info) this.vectorAge.set({ entity }, (now - info.updatedAt) / 1e6);
    }
  }

  /** A request answered: `route` is its pattern (`/v1/features/:entity`), '' when no route matched. */
  request(route: string, method: string, status: number, seconds: number): void {
    const k = `${method} ${status} ${route}`;
    let c = this.children.get(k);
    if (!c) {
      const labels = { route: route === '' ? 'unmatched' : route, method, status: String(status) };
      c = { count: this.requests.labels(labels), latency: this.latency.labels(labels) };
      this.children.set(k, c);
    }
    c.count.inc();
    c.latency.observe(seconds);
  }

  /** Keys looked up for a registered entity. */
  lookedUp(entity: string, keys: number): void {
    let c = this.keyChildren.get(entity);
    if (!c) this.keyChildren.set(entity, (c = this.keys.labels({ entity })));
    c.inc(keys);
  }

  ingested(source: string, events: number): void {
    if (events > 0) this.accepted.inc({ source }, events);
  }

  refusedEvents(source: string, events: number, reason: string): void {
    if (events > 0) this.refused.inc({ source, reason }, events);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text of a scrape: this server's metrics, or the whole cluster's. */
  text(): Promise<string> {
    return this.clusterText ? this.clusterText() : this.registry.metrics();
  }

  /** Scrapes answer with what `clusterText` gathers (`workerMetrics`). */
  useCluster(clusterText: () => Promise<string>): void {
    this.clusterText = clusterText;
  }
}

// ---------------------------------------------------------------------------
// fsql serve --workers: a worker answers a scrape with every worker's metrics, gathered by the primary.

const ASK = 'fsql:metrics-ask';
const ANSWER = 'fsql:metrics-answer';

/**
 * In a worker: makes `registry` the one the primary's AggregatorRegistry
 * reads, and returns how to ask the primary for the cluster's text.
 */
export function workerMetrics(registry: client.Registry): () => Promise<string> {
  client.AggregatorRegistry.setRegistries([registry]);
  // Its constructor installs the worker's answer to the primary's requests.
  new client.AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (m: { type?: string; id?: number; text?: string; error?: string }) => {
    if (m?.type !== ANSWER || typeof m.id !== 'number') return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    clearTimeout(w.timer);
    if (typeof m.text === 'string') w.resolve(m.text);
    else w.reject(new Error(`the metrics of the other workers could not be gathered: ${m.error ?? 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the metrics of the other workers could not be gathered in 10 s'));
      }, 10_000);
      waiting.set(id, { resolve, reject, timer });
      process.send?.({ type: ASK, id });
    });
}

/** In the primary: answers the workers' requests for the cluster's metrics. */
export function primaryMetrics(): (worker: { send(message: unknown): unknown }, message: unknown) => void {
  const aggregator = new client.AggregatorRegistry();
  return (worker, message) => {
    const m = message as { type?: string; id?: number } | null;
    if (m?.type !== ASK || typeof m.id !== 'number') return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: m.id, text }),
      (e: Error) => worker.send({ type: ANSWER, id: m.id, error: e.message }),
    );
  };
}
