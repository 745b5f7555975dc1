/**
 * The `kafka` workload: `fsql consume`'s ingest rate from a real broker
 * (FSQL_TEST_KAFKA_BROKERS, e.g. `bash .ci/services/kafka.sh start`; the
 * workload says so and skips when it is unset). A topic of 3 partitions is
 * filled first with N click events of 10,000 users (JSON, as a producer
 * would write them), then consumed from the start, batches as Kafka gives
 * them: every batch validated, stored with its offsets in one offline
 * transaction, and the touched keys' online vectors (4 windowed features)
 * recomputed and written. events/s = N ÷ the time from the consumer's start
 * to every partition caught up.
 *
 * The baseline, in the same run: kafkajs alone consuming the same topic
 * under another group (eachBatch, JSON.parse of every message, nothing
 * stored). fsql ÷ baseline is what storing exactly once and the online
 * update cost, with the broker's and the machine's speed divided out.
 * The goal: ≥ 50,000 events/s with online updates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, note, prng, type Runner } from './http.js';

const GOAL = 50_000;
/** 2024-04-30 00:00 UTC (ms): the snapshot time; clicks fall in the day before. */
const T_MS = Date.UTC(2024, 3, 30);

export interface KafkaBenchResult {
  readonly skipped?: string;
  readonly events?: number;
  readonly users?: number;
  readonly features?: number;
  readonly partitions?: number;
  readonly produceSeconds?: number;
  readonly fsql?: { readonly seconds: number; readonly eventsPerSec: number; readonly batches: number; readonly meanBatch: number };
  readonly baseline?: { readonly seconds: number; readonly eventsPerSec: number };
}

const PROJECT = (topic: string) => `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE clicks (event_id TEXT NOT NULL, user_id TEXT NOT NULL, page TEXT, amount DOUBLE, ts TIMESTAMP NOT NULL)
  FROM KAFKA TOPIC '${topic}' FORMAT JSON EVENT TIME ts;
CREATE FEATURE clicks_1h ENTITY user FROM clicks AS COUNT(*) WINDOW 1 HOUR;
CREATE FEATURE clicks_1d ENTITY user FROM clicks AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE amount_1d ENTITY user FROM clicks AS SUM(amount) WINDOW 1 DAY;
CREATE FEATURE avg_amount_7d ENTITY user FROM clicks AS AVG(amount) WINDOW 7 DAYS;
`;

export async function measureKafka(args: Record<string, string>): Promise<KafkaBenchResult> {
  const brokers = process.env['FSQL_TEST_KAFKA_BROKERS'];
  if (!brokers) return { skipped: 'FSQL_TEST_KAFKA_BROKERS is not set: start a broker with `bash .ci/services/kafka.sh start` and export FSQL_TEST_KAFKA_BROKERS=127.0.0.1:59092' };
  const events = Number(args['events'] ?? 200_000);
  const users = 10_000;
  const partitions = 3;
  const { default: kafkajs } = await import('kafkajs');
  const { Workspace } = await import('../src/runtime/workspace.js');
  const { applyProject } = await import('../src/runtime/apply.js');
  const { materialize } = await import('../src/runtime/materialize.js');
  const { KafkaIngestor } = await import('../src/runtime/kafka.js');
  const kafka = new kafkajs.Kafka({ clientId: 'fsql-bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING });
  const topic = `fsql-bench-${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });

  // The topic, filled before anything consumes it.
  const t0 = performance.now();
  const producer = kafka.producer();
  await producer.connect();
  const random = prng(3);
  const pages = ['home', 'search', 'item', 'cart', 'checkout'];
  for (let sent = 0; sent < events; sent += 5000) {
    const n = Math.min(5000, events - sent);
    const messages = Array.from({ length: n }, (_, i) => {
      const user = `u${Math.floor(random() * users)}`;
      return {
        key: user,
        value: JSON.stringify({
          event_id: `e${sent + i}`,
          user_id: user,
          page: pages[Math.floor(random() * pages.length)],
          amount: Math.round(random() * 10000) / 100,
          ts: new Date(T_MS - 1000 * Math.floor(1 + random() * 86_000)).toISOString(),
        }),
      };
    });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
  const produceSeconds = (performance.now() - t0) / 1000;

  // Baseline: kafkajs alone, every message parsed, nothing stored.
  const baseline = await (async () => {
    const consumer = kafka.consumer({ groupId: `${topic}-baseline`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let seen = 0;
    const start = performance.now();
    await new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if (m.value) JSON.parse(m.value.toString('utf8'));
          seen += batch.messages.length;
          if (seen >= events) resolve();
        },
      });
    });
    const seconds = (performance.now() - start) / 1000;
    await consumer.disconnect();
    return { seconds, eventsPerSec: events / seconds };
  })();

  // fsql: a project consuming the topic, materialized (empty) first so every batch updates online vectors.
  const dir = mkdtempSync(join(tmpdir(), 'fsql-bench-kafka-'));
  try {
    writeFileSync(join(dir, 'project.fsql'), PROJECT(topic));
    writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ kafka: { brokers: brokers.split(','), groupId: `${topic}-fsql` } }));
    const setup = Workspace.open(dir, { create: true });
    await applyProject(setup, [{ path: 'project.fsql', text: PROJECT(topic) }]);
    await materialize(setup, { at: T_MS * 1000 });
    await setup.close();
    const ws = Workspace.open(dir);
    let batches = 0;
    let stored = 0;
    const ingestor = new KafkaIngestor(ws, {
      onBatch: (r) => {
        batches++;
        stored += r.stored;
      },
    });
    const start = performance.now();
    await ingestor.start();
    // Until every event is stored and online (caughtUp carries out what is owed).
    while (stored < events || !(await ingestor.caughtUp())) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - start) / 1000;
    await ingestor.stop();
    await ws.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    return { events, users, features: 4, partitions, produceSeconds, fsql: { seconds, eventsPerSec: events / seconds, batches, meanBatch: events / batches }, baseline };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runKafkaWorkload(options: { readonly quick?: boolean }, run: Runner): Promise<KafkaBenchResult> {
  const { result } = await run<KafkaBenchResult>('kafka', { events: options.quick ? '100000' : '300000' });
  if (result.skipped) {
    console.log(`kafka: skipped — ${result.skipped}`);
    return result;
  }
  const f = result.fsql!;
  const b = result.baseline!;
  console.log(
    `${fmt(result.events!)} click events of ${fmt(result.users!)} users on ${result.partitions} partitions (produced in ${fmt(result.produceSeconds!, 1)} s); ${result.features} windowed features online`,
  );
  console.log(`fsql consume (validate, store with offsets in one transaction, online update): ${fmt(f.eventsPerSec)} events/s in ${fmt(f.seconds, 2)} s, ${fmt(f.batches)} batches of ${fmt(f.meanBatch)} on average`);
  console.log(`kafkajs alone (JSON.parse, nothing stored): ${fmt(b.eventsPerSec)} events/s — fsql ÷ kafkajs alone: ${fmt(f.eventsPerSec / b.eventsPerSec, 2)}×`);
  console.log(`  ${f.eventsPerSec >= GOAL ? '✓' : '✗'} goal ≥ ${fmt(GOAL)} events/s with online updates`);
  note();
  return result;
}
