/**
 * The Kafka consumer of `fsql consume` and `fsql serve` (docs/kafka.md):
 * every registered STREAM source `FROM KAFKA TOPIC` is consumed with kafkajs
 * (`eachBatch`, auto-commit off) and each partition's batch stored exactly
 * once by `storeKafkaBatch` (kafka-store.ts: events, dead letters and the
 * next offset in one offline transaction, then the online update).
 *
 * Positions are fsql's, not Kafka's: when the group assigns a partition,
 * the consumer seeks it to the offset stored in the offline store (the
 * partition's low watermark when none is stored yet); Kafka's committed
 * offsets are written after each commit only as a hint for Kafka's own
 * tools. A batch delivered again anyway is dropped message by message
 * inside the transaction, so no crash or rebalance stores an event twice.
 *
 * Lag per (source, topic, partition): the partition's high watermark (from
 * each batch, and polled every few seconds) minus the stored next offset.
 */
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, Kafka as KafkaClient, SASLOptions } from 'kafkajs';
import { keyOf, type SourceInfo } from '../check/catalog.js';
import { ConfigError, expandKafkaConfig, type KafkaConfig } from './config.js';
import { RuntimeError } from './errors.js';
import { carryOutMerged, kafkaSources, storedOffsets, storeKafkaBatch, topicOf, type KafkaBatchResult, type OwedUpdate } from './kafka-store.js';
import { settleOwedUpdates } from './online-updates.js';
import type { Workspace } from './workspace.js';

const { Kafka, logLevel } = kafkajs;

/** Online updates of stored batches are merged and carried out at most this often while batches keep coming (ms). */
const FLUSH_MS = 1000;
/** …and once no batch came for this long. */
const IDLE_MS = 100;

export interface PartitionLag {
  readonly source: string;
  readonly topic: string;
  readonly partition: number;
  /** The next offset to store (everything before it is in the offline store or its dead letters). */
  readonly nextOffset: number;
  /** The partition's high watermark when last seen (null: not yet). */
  readonly highWatermark: number | null;
  /** high watermark − next offset (null: not known yet). */
  readonly lag: number | null;
}

export interface KafkaStatus {
  readonly state: 'starting' | 'running' | 'stopped' | 'failed';
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly events: number;
  readonly deadLetters: number;
  readonly partitions: readonly PartitionLag[];
  readonly error?: string;
}

/** What `/health` and `/metrics` read from a running consumer. */
export interface KafkaStatusSource {
  status(): KafkaStatus;
}

export interface ConsumeOptions {
  /** Only these sources (default: every Kafka source of the project). */
  readonly sources?: readonly string[];
  /** Called after each stored batch. */
  readonly onBatch?: (result: KafkaBatchResult) => void;
  /** A line of kafkajs's own logging (warnings and errors) or of the consumer. */
  readonly onLog?: (line: string) => void;
}

/** fsql.json's `kafka` with its `${NAME}` read from the environment; refused when it names no broker. */
export function kafkaSettings(config: KafkaConfig | undefined, file: string): KafkaConfig {
  let expanded: KafkaConfig | undefined;
  try {
    expanded = config && expandKafkaConfig(config, file);
  } catch (e) {
    if (e instanceof ConfigError) throw new RuntimeError('cannot_open', e.message);
    throw e;
  }
  if (!expanded || expanded.brokers.length === 0) {
    throw new RuntimeError('cannot_open', `the project has Kafka sources but ${file} names no brokers: add "kafka": { "brokers": ["host:9092"] } (docs/kafka.md), or serve without consuming: fsql serve --no-consume`);
  }
  return expanded;
}

/** A kafkajs client for these settings (kafkajs's own logging off: the consumer reports what matters). */
export function kafkaClient(config: KafkaConfig): KafkaClient {
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ...(config.ssl ? { ssl: true } : {}),
    ...(config.sasl ? { sasl: { mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions } : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 10_000,
    retry: { retries: 4, initialRetryTime: 300, maxRetryTime: 3_000 },
  });
}

export class KafkaIngestor implements KafkaStatusSource {
  private readonly kafka: KafkaClient;
  /** fsql.json's `kafka`, its variables expanded. */
  readonly settings: KafkaConfig;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private state: KafkaStatus['state'] = 'starting';
  private error: string | undefined;
  private events = 0;
  private dead = 0;
  /** `source\0topic\0partition` → next offset and high watermark. */
  private readonly positions = new Map<string, { source: string; topic: string; partition: number; next: number; high: number | null }>();
  private sources: SourceInfo[] = [];
  private poll: NodeJS.Timeout | undefined;
  /** Online updates of stored batches not carried out yet: merged, at most every FLUSH_MS (and when idle, caught up or stopping). */
  private owed: OwedUpdate[] = [];
  private flushedAt = performance.now();
  private lastBatchAt = 0;
  private flushing: Promise<void> | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: Workspace,
    private readonly options: ConsumeOptions = {},
  ) {
    this.settings = kafkaSettings(ws.config.kafka, ws.config.file ?? 'fsql.json');
    this.kafka = kafkaClient(this.settings);
  }

  /** The Kafka sources this consumer reads (after `start`). */
  get consumed(): readonly SourceInfo[] {
    return this.sources;
  }

  /** Connects, subscribes to every source's topic and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { catalog } = await this.ws.catalog();
    let sources = kafkaSources(catalog);
    if (this.options.sources !== undefined) {
      const wanted = new Set(this.options.sources.map(keyOf));
      for (const name of this.options.sources) {
        if (!sources.some((s) => keyOf(s.name) === keyOf(name))) {
          throw new RuntimeError('unknown_source', `no registered Kafka source ${name}${sources.length ? ` (Kafka sources: ${sources.map((s) => s.name).join(', ')})` : ''}`);
        }
      }
      sources = sources.filter((s) => wanted.has(keyOf(s.name)));
    }
    if (sources.length === 0) throw new RuntimeError('unknown_source', "the project has no registered Kafka source: declare one with FROM KAFKA TOPIC 'name' and run fsql apply (docs/kafka.md)");
    this.sources = sources;
    const engine = await this.ws.engine();
    // What a killed consumer (or ingest) left owed, first: its events are stored, their vectors not yet updated.
    await this.ws.exclusive(() => settleOwedUpdates(this.ws, engine));
    for (const s of sources) {
      for (const [partition, next] of await storedOffsets(engine, s.name, topicOf(s))) this.position(s.name, topicOf(s), partition).next = next;
    }
    const topics = [...new Set(sources.map(topicOf))];
    try {
      const config = this.settings;
      this.admin = this.kafka.admin();
      await this.admin.connect();
      await this.refreshWatermarks();
      const consumer = this.kafka.consumer({ groupId: config.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
      this.consumer = consumer;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        // Seek every assigned partition to fsql's stored position (Kafka's committed offsets are only a hint).
        void this.seekAssigned(consumer, e.payload.memberAssignment).catch((err: unknown) => this.options.onLog?.(`kafka: could not seek: ${(err as Error).message}`));
      });
      consumer.on(consumer.events.CRASH, (e) => {
        const err = e.payload.error;
        this.options.onLog?.(`kafka: the consumer stopped on an error${e.payload.restart ? ' (restarting)' : ''}: ${err.message}`);
        if (!e.payload.restart) {
          this.state = 'failed';
          this.error = err.message;
        }
      });
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: (p) => this.onBatch(p) });
    } catch (e) {
      await this.stop();
      this.state = 'failed';
      if (e instanceof RuntimeError) throw e;
      const missing = /does not host this topic-partition|UNKNOWN_TOPIC/i.test(String((e as Error).message) + String((e as { type?: string }).type ?? ''));
      throw new RuntimeError(
        'cannot_open',
        missing
          ? `Kafka topic ${topics.map((t) => `'${t}'`).join(', ')}: not found on ${this.settings.brokers.join(',')} — create it (fsql does not create topics), or fix FROM KAFKA TOPIC (docs/kafka.md)`
          : `cannot consume from Kafka at ${this.settings.brokers.join(',')}: ${(e as Error).message} — check "kafka" in fsql.json (brokers, ssl, sasl; docs/kafka.md)`,
      );
    }
    this.state = 'running';
    this.poll = setInterval(() => void this.refreshWatermarks().catch(() => undefined), 5_000);
    this.poll.unref();
    // Between bursts: what is owed goes online once no batch came for IDLE_MS.
    this.idle = setInterval(() => {
      if (this.owed.length > 0 && performance.now() - this.lastBatchAt >= IDLE_MS) void this.flush().catch((e: unknown) => this.options.onLog?.(`kafka: online update failed: ${(e as Error).message}`));
    }, IDLE_MS);
    this.idle.unref();
  }

  /** Carries out the owed online updates, merged (one recomputation per touched key). */
  flush(): Promise<void> {
    const run = async (): Promise<void> => {
      const take = this.owed;
      this.owed = [];
      this.flushedAt = performance.now();
      if (take.length === 0) return;
      try {
        await this.ws.exclusive(() => carryOutMerged(this.ws, take));
      } catch (e) {
        // Still owed in the online store: the next flush of this process (or the next start) carries them out.
        this.owed = [...take, ...this.owed];
        throw e;
      }
    };
    // One flush at a time, in order.
    const next = (this.flushing ?? Promise.resolve()).then(run);
    this.flushing = next.catch(() => undefined);
    return next;
  }

  private position(source: string, topic: string, partition: number) {
    const k = `${keyOf(source)}\0${topic}\0${partition}`;
    let p = this.positions.get(k);
    if (!p) {
      p = { source, topic, partition, next: 0, high: null };
      this.positions.set(k, p);
    }
    return p;
  }

  private async seekAssigned(consumer: Consumer, assignment: Record<string, number[]>): Promise<void> {
    const engine = await this.ws.engine();
    for (const [topic, partitions] of Object.entries(assignment)) {
      const readers = this.sources.filter((s) => topicOf(s) === topic);
      if (readers.length === 0) continue;
      const stored = await Promise.all(readers.map((s) => storedOffsets(engine, s.name, topic)));
      const lows = new Map((await this.admin!.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.low)]));
      for (const partition of partitions) {
        // The earliest position any reader of the topic still needs.
        const at = Math.min(...stored.map((m) => m.get(partition) ?? lows.get(partition) ?? 0));
        consumer.seek({ topic, partition, offset: String(at) });
      }
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const { catalog } = await this.ws.catalog();
    const readers = this.sources.filter((s) => topicOf(s) === batch.topic);
    let next = Number.POSITIVE_INFINITY;
    for (const s of readers) {
      const current = catalog.relations[keyOf(s.name)];
      if (!current || current.kind !== 'source' || current.origin.kind !== 'stream' || current.origin.kafka?.topic !== batch.topic) continue;
      const result = await storeKafkaBatch(this.ws, catalog, current, batch.topic, batch.partition, batch.messages, { online: 'defer' });
      this.owed.push(...result.owed);
      this.events += result.stored;
      this.dead += result.deadLetters.length;
      const p = this.position(s.name, batch.topic, batch.partition);
      p.next = result.nextOffset;
      p.high = Number(batch.highWatermark);
      next = Math.min(next, result.nextOffset);
      this.options.onBatch?.(result);
      await heartbeat();
    }
    resolveOffset(batch.lastOffset());
    this.lastBatchAt = performance.now();
    if (this.owed.length > 0 && this.lastBatchAt - this.flushedAt >= FLUSH_MS) await this.flush();
    if (Number.isFinite(next)) {
      // A hint for Kafka's tools (consumer-group lag); fsql's stored offsets are what a restart reads.
      await this.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }]).catch(() => undefined);
    }
  }

  /** Reads every topic's high watermarks (for the lag). */
  async refreshWatermarks(): Promise<void> {
    if (!this.admin) return;
    for (const topic of new Set(this.sources.map(topicOf))) {
      const offsets = await this.admin.fetchTopicOffsets(topic);
      for (const s of this.sources.filter((x) => topicOf(x) === topic)) {
        for (const o of offsets) {
          const p = this.position(s.name, topic, o.partition);
          p.high = Number(o.high);
          // Nothing stored yet: the partition starts at its low watermark.
          if (p.next < Number(o.low)) p.next = Number(o.low);
        }
      }
    }
  }

  /** Whether every partition of every consumed topic is stored up to its high watermark (reads the brokers). */
  async caughtUp(): Promise<boolean> {
    await this.refreshWatermarks();
    const lags = this.status().partitions;
    const done = lags.length > 0 && lags.every((l) => l.lag !== null && l.lag <= 0);
    // Caught up means online too: what is owed is carried out first.
    if (done) await this.flush();
    return done && this.owed.length === 0;
  }

  status(): KafkaStatus {
    const partitions = [...this.positions.values()]
      .map((p) => ({ source: p.source, topic: p.topic, partition: p.partition, nextOffset: p.next, highWatermark: p.high, lag: p.high === null ? null : Math.max(0, p.high - p.next) }))
      .sort((a, b) => (a.source !== b.source ? (a.source < b.source ? -1 : 1) : a.topic !== b.topic ? (a.topic < b.topic ? -1 : 1) : a.partition - b.partition));
    return {
      state: this.state,
      brokers: this.settings.brokers,
      groupId: this.settings.groupId,
      events: this.events,
      deadLetters: this.dead,
      partitions,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  /** Stops consuming (the batch in progress finishes) and disconnects. */
  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    if (this.idle) clearInterval(this.idle);
    this.poll = undefined;
    this.idle = undefined;
    await this.consumer?.disconnect().catch(() => undefined);
    // The last batches' online updates (a failure leaves them owed for the next start).
    await this.flush().catch((e: unknown) => this.options.onLog?.(`kafka: online update failed: ${(e as Error).message}`));
    await this.admin?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    this.admin = undefined;
    if (this.state !== 'failed') this.state = 'stopped';
  }
}
