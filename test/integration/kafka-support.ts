/**
 * Helpers of the Kafka integration tests: a small project whose STREAM source
 * reads a Kafka topic, unique topic names, a producer, and the reference
 * values (counted here, by hand, from the events the test produced).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { Kafka, Message } from 'kafkajs';
import { kafkaBrokers } from '../support/services.js';

/** 2024-04-30 00:00:00 UTC, in ms: the materialize time and the label time. */
export const T_MS = Date.UTC(2024, 3, 30);

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function kafka(): Kafka {
  return new kafkajs.Kafka({ clientId: 'fsql-test', brokers: kafkaBrokers().split(','), logLevel: kafkajs.logLevel.NOTHING });
}

export async function createTopic(k: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

export interface Click {
  readonly event_id: string;
  readonly user_id: string;
  readonly amount: number;
  /** ISO time, within the day before T. */
  readonly ts: string;
}

/**
 * A project in a new folder: users, a Kafka source `clicks` on `topic`, two
 * windowed features over it, a label file and a training set. `groupId` may
 * read the environment (`${NAME}`).
 */
export function kafkaProject(topic: string, groupId: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-kafka-'));
  writeFileSync(
    join(dir, 'project.fsql'),
    `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE clicks (
  event_id TEXT NOT NULL,
  user_id  TEXT NOT NULL,
  amount   DOUBLE,
  ts       TIMESTAMP NOT NULL
)
  FROM KAFKA TOPIC '${topic}' FORMAT JSON
  EVENT TIME ts;

CREATE SOURCE outcomes (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, bought BOOLEAN) FROM FILE 'outcomes.csv' EVENT TIME ts;

CREATE FEATURE clicks_1d ENTITY user FROM clicks AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE amount_1d ENTITY user FROM clicks AS SUM(amount) WINDOW 1 DAY;
CREATE LABEL bought ENTITY user FROM outcomes AS bought;
CREATE TRAINING SET buyers LABEL bought FEATURES (clicks_1d, amount_1d);
`,
  );
  // Labels at T for users u0..u9: every click (within the day before T) counts.
  writeFileSync(join(dir, 'outcomes.csv'), `user_id,ts,bought\n${Array.from({ length: 10 }, (_, i) => `u${i},2024-04-30 00:00:00,${i % 2 === 0}`).join('\n')}\n`);
  writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ kafka: { brokers: kafkaBrokers().split(','), groupId, clientId: 'fsql-test' } }, null, 2));
  return dir;
}

/** mulberry32 */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` clicks of users u0..u9 at whole seconds within (T − 23 h, T − 1 s), amounts multiples of 0.25 (sums are exact). */
export function makeClicks(random: () => number, n: number, prefix: string): Click[] {
  return Array.from({ length: n }, (_, i) => ({
    event_id: `${prefix}-${i}`,
    user_id: `u${Math.floor(random() * 10)}`,
    amount: Math.floor(random() * 400) / 4,
    ts: new Date(T_MS - 1000 * (1 + Math.floor(random() * 23 * 3600))).toISOString(),
  }));
}

export function messagesOf(clicks: readonly Click[]): Message[] {
  return clicks.map((c) => ({ key: c.user_id, value: JSON.stringify(c) }));
}

/** Per user: the count and the sum of amounts (the features' values at T: every click is within its day). */
export function reference(clicks: readonly Click[]): Map<string, { count: number; sum: number }> {
  const out = new Map<string, { count: number; sum: number }>();
  for (const c of clicks) {
    const r = out.get(c.user_id) ?? { count: 0, sum: 0 };
    r.count++;
    r.sum += c.amount;
    out.set(c.user_id, r);
  }
  return out;
}
