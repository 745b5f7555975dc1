/**
 * Kafka sources against a real broker (.ci/services/kafka.sh,
 * FSQL_TEST_KAFKA_BROKERS): events produced to a topic reach training sets
 * and online lookups; a poison message goes to the dead-letter table and the
 * rest flow; `fsql consume` SIGKILLed at random points while a producer
 * writes stores every event exactly once. Expected values are counted here
 * from the produced events (kafka-support.ts `reference`), never read back
 * from the code under test.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../../src/engine/engine.js';
import { readProjectFiles } from '../../src/project/files.js';
import { applyProject } from '../../src/runtime/apply.js';
import { KafkaIngestor } from '../../src/runtime/kafka.js';
import { KAFKA_DEAD_LETTERS_TABLE } from '../../src/runtime/kafka-store.js';
import { materialize } from '../../src/runtime/materialize.js';
import { buildTrainingSet } from '../../src/runtime/train.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { FeatureLookup } from '../../src/server/lookup.js';
import { startServer } from '../../src/server/server.js';
import { Api, call } from '../server/support.js';
import { createTopic, kafka, kafkaProject, makeClicks, messagesOf, prng, reference, T_MS, uniqueName, type Click } from './kafka-support.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Applies the project and materializes it at T (no clicks yet: an empty snapshot the consumer updates key by key). */
async function prepared(topic: string, groupId: string): Promise<string> {
  const dir = kafkaProject(topic, groupId);
  dirs.push(dir);
  const ws = Workspace.open(dir, { create: true });
  try {
    await applyProject(ws, readProjectFiles(dir, dir));
    await materialize(ws, { at: T_MS * 1000 });
  } finally {
    await ws.close();
  }
  return dir;
}

/** Consumes in this process until every partition is stored up to its high watermark. */
async function consumeAll(dir: string): Promise<void> {
  const ws = Workspace.open(dir);
  const ingestor = new KafkaIngestor(ws);
  try {
    await ingestor.start();
    const deadline = Date.now() + 90_000;
    while (!(await ingestor.caughtUp())) {
      if (Date.now() > deadline) throw new Error(`not caught up after 90 s: ${JSON.stringify(ingestor.status())}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await ingestor.stop();
    await ws.close();
  }
}

interface Stored {
  readonly event_id: string;
  readonly user_id: string;
  readonly amount: number | null;
  readonly ts: number;
}

async function storedClicks(dir: string): Promise<Stored[]> {
  const ws = Workspace.open(dir);
  try {
    const engine = await ws.engine();
    const rows = await engine.query(`SELECT event_id, user_id, amount, ts FROM clicks ORDER BY event_id`, [
      { name: 'event_id', type: 'TEXT' },
      { name: 'user_id', type: 'TEXT' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'ts', type: 'TIMESTAMP' },
    ]);
    return rows as unknown as Stored[];
  } finally {
    await ws.close();
  }
}

/** The online values of users u0..u9 as `POST /v1/features/user` serves them. */
async function online(dir: string): Promise<Map<string, { count: number; sum: number | null; found: boolean }>> {
  const ws = Workspace.open(dir);
  try {
    const lookup = new FeatureLookup(ws, { maxKeys: 100 });
    const body = JSON.parse(
      (
        await lookup.lookup(
          'user',
          Array.from({ length: 10 }, (_, i) => ({ user_id: `u${i}` })),
          undefined,
        )
      ).toString('utf8'),
    ) as { results: { key: { user_id: string }; found: boolean; features: Record<string, { value: number | null }> }[] };
    return new Map(body.results.map((r) => [r.key.user_id, { count: r.features['clicks_1d']!.value ?? 0, sum: r.features['amount_1d']!.value, found: r.found }]));
  } finally {
    await ws.close();
  }
}

function expectOnlineEqualsReference(actual: Map<string, { count: number; sum: number | null; found: boolean }>, clicks: readonly Click[]): void {
  const ref = reference(clicks);
  for (let i = 0; i < 10; i++) {
    const user = `u${i}`;
    const want = ref.get(user);
    const got = actual.get(user)!;
    expect({ user, count: got.count, sum: got.sum }).toEqual({ user, count: want?.count ?? 0, sum: want ? want.sum : null });
  }
}

function expectStoredExactlyOnce(stored: readonly Stored[], clicks: readonly Click[]): void {
  expect(stored.length).toBe(clicks.length);
  const byId = new Map(stored.map((s) => [s.event_id, s]));
  expect(byId.size).toBe(clicks.length);
  for (const c of clicks) {
    const s = byId.get(c.event_id);
    expect(s, `event ${c.event_id}`).toBeDefined();
    expect({ id: c.event_id, user: s!.user_id, amount: s!.amount, ts: s!.ts }).toEqual({ id: c.event_id, user: c.user_id, amount: c.amount, ts: Date.parse(c.ts) * 1000 });
  }
}

describe('Kafka sources', () => {
  it('events produced to a topic appear in the training set and in online lookups', { timeout: 180_000 }, async () => {
    const topic = uniqueName('fsql-train');
    const k = kafka();
    await createTopic(k, topic, 3);
    const dir = await prepared(topic, uniqueName('g-train'));
    const clicks = makeClicks(prng(11), 600, 'e');
    const producer = k.producer();
    await producer.connect();
    await producer.send({ topic, messages: messagesOf(clicks) });
    await producer.disconnect();

    await consumeAll(dir);

    expectStoredExactlyOnce(await storedClicks(dir), clicks);
    // The training set at T: each user's clicks of the day before T, counted by hand.
    const ws = Workspace.open(dir);
    try {
      const { table } = await buildTrainingSet(ws, 'buyers');
      const col = (n: string) => table.columns.indexOf(n);
      const ref = reference(clicks);
      expect(table.rows.length).toBe(10);
      for (const row of table.rows) {
        const want = ref.get(String(row[col('user_id')]));
        expect({ user: row[col('user_id')], count: row[col('clicks_1d')], sum: row[col('amount_1d')] }).toEqual({
          user: row[col('user_id')],
          count: want?.count ?? 0,
          sum: want ? want.sum : null,
        });
      }
    } finally {
      await ws.close();
    }
    // Online: the keys the events touched were updated (as of T: every click is inside its window).
    expectOnlineEqualsReference(await online(dir), clicks);

    // More events later: only they are consumed (the stored offsets, not the beginning).
    const more = makeClicks(prng(12), 150, 'f');
    const p2 = k.producer();
    await p2.connect();
    await p2.send({ topic, messages: messagesOf(more) });
    await p2.disconnect();
    await consumeAll(dir);
    expectStoredExactlyOnce(await storedClicks(dir), [...clicks, ...more]);
    expectOnlineEqualsReference(await online(dir), [...clicks, ...more]);
  });

  it('a poison message goes to the dead-letter table with its offset and reason; the rest flow', { timeout: 120_000 }, async () => {
    const topic = uniqueName('fsql-poison');
    const k = kafka();
    await createTopic(k, topic, 1);
    const dir = await prepared(topic, uniqueName('g-poison'));
    const good = makeClicks(prng(5), 6, 'p');
    const messages = [
      ...messagesOf(good.slice(0, 2)), // offsets 0, 1
      { key: 'u1', value: '{"event_id": "x1", "user_id": ' }, // 2: not JSON
      { key: 'u1', value: JSON.stringify({ event_id: 'x2', user_id: 'u1', amount: 'lots', ts: good[0]!.ts }) }, // 3: a wrong type
      { key: 'u1', value: JSON.stringify({ event_id: 'x3', user_id: 'u1', amount: 1 }) }, // 4: no event time
      { key: 'u1', value: '[1, 2]' }, // 5: not an object
      ...messagesOf(good.slice(2)), // 6..9
    ];
    const producer = k.producer();
    await producer.connect();
    await producer.send({ topic, messages });
    await producer.disconnect();

    await consumeAll(dir);

    expectStoredExactlyOnce(await storedClicks(dir), good);
    const ws = Workspace.open(dir);
    try {
      const engine = await ws.engine();
      const dead = await engine.query(`SELECT topic, kafka_partition, kafka_offset, message_key, raw, reason FROM ${quoteIdentifier(KAFKA_DEAD_LETTERS_TABLE)} ORDER BY kafka_offset`, [
        { name: 'topic', type: 'TEXT' },
        { name: 'kafka_partition', type: 'INTEGER' },
        { name: 'kafka_offset', type: 'INTEGER' },
        { name: 'message_key', type: 'TEXT' },
        { name: 'raw', type: 'TEXT' },
        { name: 'reason', type: 'TEXT' },
      ]);
      expect(dead.map((d) => [d['topic'], d['kafka_partition'], d['kafka_offset'], d['message_key'], d['raw']])).toEqual([
        [topic, 0, 2, 'u1', messages[2]!.value],
        [topic, 0, 3, 'u1', messages[3]!.value],
        [topic, 0, 4, 'u1', messages[4]!.value],
        [topic, 0, 5, 'u1', messages[5]!.value],
      ]);
      const reasons = dead.map((d) => String(d['reason']));
      expect(reasons[0]).toMatch(/^not JSON/);
      expect(reasons[1]).toMatch(/column amount: .*DOUBLE/);
      expect(reasons[2]).toMatch(/^no event time: column ts/);
      expect(reasons[3]).toMatch(/not a JSON object/);
    } finally {
      await ws.close();
    }
    expectOnlineEqualsReference(await online(dir), good);
  });

  it('fsql serve consumes too: lookups see the events; /health and /metrics show the lag per partition', { timeout: 180_000 }, async () => {
    const topic = uniqueName('fsql-serve');
    const k = kafka();
    await createTopic(k, topic, 2);
    const dir = await prepared(topic, uniqueName('g-serve'));
    const ws = Workspace.open(dir);
    const ingestor = new KafkaIngestor(ws);
    const server = await startServer(ws, { host: '127.0.0.1', port: 0, kafka: ingestor });
    const clicks = makeClicks(prng(31), 300, 's');
    try {
      await ingestor.start();
      const api = await Api.open(server.url);
      const producer = k.producer();
      await producer.connect();
      await producer.send({ topic, messages: messagesOf(clicks) });
      await producer.disconnect();
      // Wait for the lag to reach 0 as /health reports it (validated against the OpenAPI document each time).
      let health: { kafka?: { state: string; events: number; partitions: { partition: number; lag: number | null; next_offset: number; high_watermark: number | null }[] } } = {};
      const deadline = Date.now() + 90_000;
      for (;;) {
        health = (await api.get('/health')).body as typeof health;
        const parts = health.kafka?.partitions ?? [];
        if (parts.length === 2 && parts.every((p) => p.lag === 0) && health.kafka!.events === clicks.length) break;
        if (Date.now() > deadline) throw new Error(`no lag 0 after 90 s: ${JSON.stringify(health)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(health.kafka!.state).toBe('running');
      expect(health.kafka!.partitions.reduce((n, p) => n + p.next_offset, 0)).toBe(clicks.length);
      const metrics = (await call(`${server.url}/metrics`)).text;
      for (const partition of [0, 1]) expect(metrics).toContain(`fsql_kafka_consumer_lag{source="clicks",topic="${topic}",partition="${partition}"} 0`);
      expect(metrics).toContain(`fsql_kafka_events_stored ${clicks.length}`);
      // Online within the flush interval of the last batch (at most a second; the topic is quiet now).
      const ref = reference(clicks);
      const lookupDeadline = Date.now() + 30_000;
      for (;;) {
        const r = await api.post('/v1/features/user', { keys: [{ user_id: 'u3' }], features: ['clicks_1d'] });
        const got = (r.body as { results: { features: { clicks_1d: { value: number } } }[] }).results[0]!.features.clicks_1d.value;
        if (got === ref.get('u3')!.count) break;
        if (Date.now() > lookupDeadline) throw new Error(`u3: ${got} clicks online, ${ref.get('u3')!.count} produced`);
        await new Promise((r2) => setTimeout(r2, 100));
      }
    } finally {
      await ingestor.stop();
      await server.close();
      await ws.close();
    }
    expectStoredExactlyOnce(await storedClicks(dir), clicks);
    expectOnlineEqualsReference(await online(dir), clicks);
  });

  it('fsql consume SIGKILLed at random points, at least 20 times, while a producer writes: every event stored exactly once', { timeout: 420_000 }, async () => {
    const topic = uniqueName('fsql-kill');
    const k = kafka();
    await createTopic(k, topic, 3);
    // A new consumer group per child: a killed member would hold its partitions until its session expires.
    const dir = await prepared(topic, 'g-kill-${FSQL_TEST_KAFKA_GROUP}');
    const random = prng(20240501);
    const produced: Click[] = [];
    let producing = true;
    const producer = k.producer();
    await producer.connect();
    const writer = (async () => {
      let batch = 0;
      while (producing) {
        const clicks = makeClicks(random, 20 + Math.floor(random() * 200), `k${batch++}`);
        await producer.send({ topic, messages: messagesOf(clicks) });
        produced.push(...clicks);
        await new Promise((r) => setTimeout(r, 20 + Math.floor(random() * 80)));
      }
    })();

    let kills = 0;
    /** Kills after which more events were stored than before the child started: it died in the middle of consuming. */
    let midway = 0;
    const countStored = () => {
      const db = new Database(join(dir, '.fsql', 'offline.db'), { readonly: true, fileMustExist: true });
      try {
        return Number((db.prepare('SELECT COUNT(*) AS n FROM clicks').get() as { n: number }).n);
      } finally {
        db.close();
      }
    };
    const kill = prng(99);
    for (let i = 0; i < 22; i++) {
      const before = countStored();
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), 'consume', dir], {
        cwd: ROOT,
        env: { ...process.env, FSQL_TEST_KAFKA_GROUP: `${topic}-${i}` },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      let consuming: () => void = () => undefined;
      const started = new Promise<void>((resolve) => (consuming = resolve));
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('consume: clicks')) consuming();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));
      // A random point: one kill in four during start-up (connecting, joining the group, seeking), the others
      // while it consumes (storing batches, updating the online store, between the two).
      if (i % 4 === 0) await Promise.race([exited, sleep(200 + Math.floor(kill() * 1500))]);
      else {
        await Promise.race([started, exited, sleep(30_000)]);
        // Once it has stored its first batch (the producer keeps writing: there is always more to store).
        const until = Date.now() + 30_000;
        while (child.exitCode === null && countStored() === before && Date.now() < until) await sleep(25);
        await Promise.race([exited, sleep(Math.floor(kill() * 1500))]);
      }
      if (child.exitCode !== null) throw new Error(`fsql consume exited by itself (${child.exitCode}): ${err}`);
      child.kill('SIGKILL');
      const end = await exited;
      expect(end.signal).toBe('SIGKILL');
      kills++;
      if (countStored() > before) midway++;
    }
    producing = false;
    await writer;
    await producer.disconnect();
    expect(kills).toBeGreaterThanOrEqual(20);

    // The final consume, in this process, under a group of its own.
    process.env['FSQL_TEST_KAFKA_GROUP'] = `${topic}-final`;
    try {
      await consumeAll(dir);
    } finally {
      delete process.env['FSQL_TEST_KAFKA_GROUP'];
    }

    expectStoredExactlyOnce(await storedClicks(dir), produced);
    expectOnlineEqualsReference(await online(dir), produced);
    // Most kills landed while the consumer was storing, not only during start-up.
    expect(midway).toBeGreaterThanOrEqual(16);
  });
});
