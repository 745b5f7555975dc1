/**
 * A Kafka consumer running in the server's process (`fsql serve` with Kafka
 * sources, docs/kafka.md): its lag per partition in `GET /health` (`kafka`)
 * and in `/metrics` (prom-client gauges computed when scraped).
 */
import client from 'prom-client';
import type { KafkaStatusSource } from '../runtime/kafka.js';

/** The `kafka` member of `/health`. */
export function kafkaHealthJson(source: KafkaStatusSource): Record<string, unknown> {
  const s = source.status();
  return {
    state: s.state,
    group_id: s.groupId,
    events: s.events,
    dead_letters: s.deadLetters,
    partitions: s.partitions.map((p) => ({ source: p.source, topic: p.topic, partition: p.partition, next_offset: p.nextOffset, high_watermark: p.highWatermark, lag: p.lag })),
    ...(s.error !== undefined ? { error: s.error } : {}),
  };
}

/** Registers the consumer's gauges and counters on a server's metrics registry. */
export function registerKafkaMetrics(registry: client.Registry, source: KafkaStatusSource): void {
  const registers = [registry];
  const lag = new client.Gauge({
    name: 'fsql_kafka_consumer_lag',
    help: "Messages of a Kafka source's partition not stored yet: the high watermark minus the next offset to store",
    labelNames: ['source', 'topic', 'partition'],
    registers,
    aggregator: 'max',
    collect() {
      lag.reset();
      for (const p of source.status().partitions) if (p.lag !== null) lag.set({ source: p.source, topic: p.topic, partition: String(p.partition) }, p.lag);
    },
  });
  const next = new client.Gauge({
    name: 'fsql_kafka_next_offset',
    help: "The next offset of a Kafka source's partition to store (every message before it is stored or dead-lettered)",
    labelNames: ['source', 'topic', 'partition'],
    registers,
    aggregator: 'max',
    collect() {
      next.reset();
      for (const p of source.status().partitions) next.set({ source: p.source, topic: p.topic, partition: String(p.partition) }, p.nextOffset);
    },
  });
  const events = new client.Gauge({
    name: 'fsql_kafka_events_stored',
    help: 'Kafka events stored by this process since it started',
    registers,
    collect() {
      events.set(source.status().events);
    },
  });
  const dead = new client.Gauge({
    name: 'fsql_kafka_dead_letters',
    help: 'Kafka messages written to the dead-letter table by this process since it started',
    registers,
    collect() {
      dead.set(source.status().deadLetters);
    },
  });
}
