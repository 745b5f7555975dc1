/**
 * `GET /metrics`: the server's metrics in the Prometheus text format, with
 * prom-client (docs/monitoring.md lists them). Each server has a registry
 * of its own (several servers in one process do not mix).
 *
 * The hot path pays for a Map lookup and a few additions per request: the
 * request counts, latency buckets and keys looked up are plain numbers,
 * formatted only when scraped (`plainMetric`; prom-client's own Histogram
 * validates and hashes the labels of every observation, ~7 µs a request). What costs queries (owed online updates, freshness
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

/** One (route, method, status): its count, latency sum and latency bucket counts (not cumulative; the last is above every bound). */
interface Series {
  readonly labels: { readonly route: string; readonly method: string; readonly status: string };
  count: number;
  sum: number;
  readonly buckets: number[];
}

type Labels = Record<string, string | number>;
interface MetricValue {
  readonly value: number;
  readonly labels: Labels;
  readonly metricName?: string;
}

/**
 * A metric computed from counts kept outside prom-client, registered as
 * prom-client registers its own (`get()` gives name, help, type, values and
 * aggregator): the hot path adds to plain numbers, and the values are
 * formatted only when scraped.
 */
function plainMetric(registry: client.Registry, name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    get: async () => ({ name, help, type, aggregator: 'sum' as const, values: values() }),
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as client.Metric);
}

export class ServerMetrics {
  readonly registry = new client.Registry();
  private readonly series = new Map<string, Series>();
  private readonly keys = new Map<string, number>();
  private readonly accepted: client.Counter<'source'>;
  private readonly refused: client.Counter<'source' | 'reason'>;
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
    plainMetric(this.registry, 'fsql_http_requests_total', 'HTTP requests answered, by route pattern, method and status', 'counter', () =>
      [...this.series.values()].map((x) => ({ value: x.count, labels: { ...x.labels } })),
    );
    plainMetric(this.registry, 'fsql_http_request_duration_seconds', 'Time from receiving a request to sending the reply, by route pattern, method and status', 'histogram', () => {
      const out: MetricValue[] = [];
      for (const x of this.series.values()) {
        let acc = 0;
        LATENCY_BUCKETS.forEach((le, i) => {
          acc += x.buckets[i]!;
          out.push({ value: acc, labels: { ...x.labels, le }, metricName: 'fsql_http_request_duration_seconds_bucket' });
        });
        out.push({ value: x.count, labels: { ...x.labels, le: '+Inf' }, metricName: 'fsql_http_request_duration_seconds_bucket' });
        out.push({ value: x.sum, labels: { ...x.labels }, metricName: 'fsql_http_request_duration_seconds_sum' });
        out.push({ value: x.count, labels: { ...x.labels }, metricName: 'fsql_http_request_duration_seconds_count' });
      }
      return out;
    });
    plainMetric(this.registry, 'fsql_lookup_keys_total', 'Keys looked up (POST /v1/features/:entity and GET /v1/features/:entity/:key), by entity', 'counter', () =>
      [...this.keys].map(([entity, value]) => ({ value, labels: { entity } })),
    );
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
    for (const entity of entitiesWithFeatures((await this.ws.catalog()).catalog)) {
      const info = await this.ws.online().describe(entity);
      if (info) this.vectorAge.set({ entity }, (now - info.updatedAt) / 1e6);
    }
  }

  /** A request answered: `route` is its pattern (`/v1/features/:entity`), '' when no route matched. */
  request(route: string, method: string, status: number, seconds: number): void {
    const k = `${route} ${method} ${status}`;
    let x = this.series.get(k);
    if (!x) {
      x = { labels: { route: route === '' ? 'unmatched' : route, method, status: String(status) }, count: 0, sum: 0, buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0) };
      this.series.set(k, x);
    }
    x.count++;
    x.sum += seconds;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    x.buckets[i]!++;
  }

  /** Keys looked up for a registered entity. */
  lookedUp(entity: string, keys: number): void {
    this.keys.set(entity, (this.keys.get(entity) ?? 0) + keys);
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
