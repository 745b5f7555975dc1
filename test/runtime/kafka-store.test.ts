/**
 * Kafka sources without a broker (the broker tests are
 * test/integration/kafka-consume.integration.ts): a partition's batches stored
 * exactly once however they are redelivered, dead letters with offset and
 * reason, the online update of the touched keys, and fsql.json's `kafka`
 * (`${NAME}` read only when consuming, never printed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { SourceInfo } from '../../src/check/catalog.js';
import { readProjectFiles } from '../../src/project/files.js';
import { applyProject } from '../../src/runtime/apply.js';
import { ConfigError, expandKafkaConfig, loadConfig } from '../../src/runtime/config.js';
import { kafkaSettings } from '../../src/runtime/kafka.js';
import { carryOutMerged, KAFKA_DEAD_LETTERS_TABLE, kafkaSources, storedOffsets, storeKafkaBatch, type KafkaMessage } from '../../src/runtime/kafka-store.js';
import { materialize } from '../../src/runtime/materialize.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { RuntimeError } from '../../src/runtime/errors.js';

const T_MS = Date.UTC(2024, 3, 30);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PROJECT = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE clicks (event_id TEXT NOT NULL, user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
  FROM KAFKA TOPIC 'clicks' FORMAT JSON EVENT TIME ts;
CREATE FEATURE clicks_1d ENTITY user FROM clicks AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE amount_1d ENTITY user FROM clicks AS SUM(amount) WINDOW 1 DAY;
`;

async function project(): Promise<{ ws: Workspace; source: SourceInfo }> {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-kafka-store-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'p.fsql'), PROJECT);
  // The brokers read a variable that is unset here: only consuming needs it.
  writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ kafka: { brokers: '${FSQL_TEST_UNSET_BROKERS}' } }));
  const ws = Workspace.open(dir, { create: true });
  await applyProject(ws, readProjectFiles(dir, dir));
  await materialize(ws, { at: T_MS * 1000 });
  const { catalog } = await ws.catalog();
  return { ws, source: kafkaSources(catalog)[0]! };
}

/** Message `i` of the log: a click of user u(i mod 3) with amount i, at T − (i + 1) s; every 7th is poison. */
function message(i: number): KafkaMessage {
  const ts = new Date(T_MS - 1000 * (i + 1)).toISOString();
  const value = i % 7 === 6 ? `{"event_id": "e${i}", "amount": ` : JSON.stringify({ event_id: `e${i}`, user_id: `u${i % 3}`, amount: i, ts });
  return { offset: String(i), key: Buffer.from(`u${i % 3}`), value: Buffer.from(value) };
}
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, j) => message(from + j));

async function storedIds(ws: Workspace): Promise<string[]> {
  const engine = await ws.engine();
  return (await engine.query('SELECT event_id FROM clicks ORDER BY event_id', [{ name: 'event_id', type: 'TEXT' }])).map((r) => String(r['event_id']));
}
async function deadOffsets(ws: Workspace): Promise<number[]> {
  const engine = await ws.engine();
  return (await engine.query(`SELECT kafka_offset FROM "${KAFKA_DEAD_LETTERS_TABLE}" ORDER BY kafka_offset`, [{ name: 'kafka_offset', type: 'INTEGER' }])).map((r) => Number(r['kafka_offset']));
}
const expectedIds = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 !== 6).map((i) => `e${i}`).sort();
const expectedDead = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 === 6);

describe('storeKafkaBatch', () => {
  it('stores a batch once, its poison messages as dead letters, and drops a redelivery', async () => {
    const { ws, source } = await project();
    try {
      const { catalog } = await ws.catalog();
      const first = await storeKafkaBatch(ws, catalog, source, 'clicks', 0, range(0, 10));
      expect({ stored: first.stored, dead: first.deadLetters.map((d) => d.offset), next: first.nextOffset, duplicates: first.duplicates }).toEqual({ stored: 9, dead: [6], next: 10, duplicates: 0 });
      expect(first.deadLetters[0]!.reason).toMatch(/^not JSON/);
      // The same batch again (a crash after the commit, before Kafka heard of it): nothing stored twice.
      const again = await storeKafkaBatch(ws, catalog, source, 'clicks', 0, range(0, 10));
      expect({ stored: again.stored, dead: again.deadLetters.length, duplicates: again.duplicates, next: again.nextOffset }).toEqual({ stored: 0, dead: 0, duplicates: 10, next: 10 });
      // Overlapping: only the new part.
      const overlap = await storeKafkaBatch(ws, catalog, source, 'clicks', 0, range(8, 15));
      expect({ stored: overlap.stored, dead: overlap.deadLetters.map((d) => d.offset), duplicates: overlap.duplicates, next: overlap.nextOffset }).toEqual({ stored: 4, dead: [13], duplicates: 2, next: 15 });
      expect(await storedIds(ws)).toEqual(expectedIds(15));
      expect(await deadOffsets(ws)).toEqual([6, 13]);
      expect(await storedOffsets(await ws.engine(), 'clicks', 'clicks')).toEqual(new Map([[0, 15]]));
      // Online, as of T (every click is within its day): counted by hand from the log.
      const vectors = await ws.online().get('user', [['u0'], ['u1'], ['u2']]);
      const byUser = new Map<string, { n: number; sum: number }>();
      for (let i = 0; i < 15; i++) {
        if (i % 7 === 6) continue;
        const r = byUser.get(`u${i % 3}`) ?? { n: 0, sum: 0 };
        byUser.set(`u${i % 3}`, { n: r.n + 1, sum: r.sum + i });
      }
      const values = vectors.map((v) => Object.fromEntries((v?.features ?? []).map((f) => [f.name, f.values[f.name]])));
      expect(values).toEqual(['u0', 'u1', 'u2'].map((u) => ({ clicks_1d: byUser.get(u)!.n, amount_1d: byUser.get(u)!.sum })));
    } finally {
      await ws.close();
    }
  });

  it('partitions and sources keep their own offsets', async () => {
    const { ws, source } = await project();
    try {
      const { catalog } = await ws.catalog();
      await storeKafkaBatch(ws, catalog, source, 'clicks', 0, range(0, 3));
      const other = await storeKafkaBatch(ws, catalog, source, 'clicks', 1, [{ ...message(21), offset: '0' }]);
      expect(other.stored).toBe(1);
      expect(await storedOffsets(await ws.engine(), 'clicks', 'clicks')).toEqual(
        new Map([
          [0, 3],
          [1, 1],
        ]),
      );
    } finally {
      await ws.close();
    }
  });

  it('deferred online updates of several batches are carried out merged, equal to updating each', async () => {
    const { ws, source } = await project();
    try {
      const { catalog } = await ws.catalog();
      const a = await storeKafkaBatch(ws, catalog, source, 'clicks', 0, range(0, 5), { online: 'defer' });
      const b = await storeKafkaBatch(ws, catalog, source, 'clicks', 0, range(5, 12), { online: 'defer' });
      expect((await ws.online().pendingUpdates()).length).toBe(2);
      const done = await ws.exclusive(() => carryOutMerged(ws, [...a.owed, ...b.owed]));
      expect(done).toEqual([expect.objectContaining({ entity: 'user', mode: 'keys', keys: 3 })]);
      expect(await ws.online().pendingUpdates()).toEqual([]);
      const vectors = await ws.online().get('user', [['u0']]);
      // u0: offsets 0, 3, 9 (6 is poison) → 3 clicks, amount 12.
      expect(Object.fromEntries(vectors[0]!.features.map((f) => [f.name, f.values[f.name]]))).toEqual({ clicks_1d: 3, amount_1d: 12 });
    } finally {
      await ws.close();
    }
  });

  it('property: however batches are redelivered from earlier offsets, every message is stored exactly once', async () => {
    const { ws, source } = await project();
    let base = 0;
    try {
      const { catalog } = await ws.catalog();
      await fc.assert(
        fc.asyncProperty(
          // Each delivery starts at most 5 before the stored position (a redelivery) and is 1 to 8 long.
          fc.array(fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 12 }),
          async (deliveries) => {
            // A partition of its own per run (offsets start at 0).
            const partition = base++;
            let next = 0;
            for (const [back, length] of deliveries) {
              const from = Math.max(0, next - back);
              await storeKafkaBatch(ws, catalog, source, 'clicks', partition, range(from, from + length).map((m) => ({ ...m, value: rename(m.value, partition) })), { online: 'defer' });
              next = Math.max(next, from + length);
            }
            const engine = await ws.engine();
            const ids = (await engine.query(`SELECT event_id FROM clicks WHERE event_id LIKE 'p${partition}-%'`, [{ name: 'event_id', type: 'TEXT' }])).map((r) => String(r['event_id']));
            expect(ids.sort()).toEqual(expectedIds(next).map((id) => `p${partition}-${id}`).sort());
            const dead = (await engine.query(`SELECT kafka_offset FROM "${KAFKA_DEAD_LETTERS_TABLE}" WHERE kafka_partition = ${partition} ORDER BY kafka_offset`, [{ name: 'kafka_offset', type: 'INTEGER' }])).map((r) => Number(r['kafka_offset']));
            expect(dead).toEqual(expectedDead(next));
            expect((await storedOffsets(engine, 'clicks', 'clicks')).get(partition)).toBe(next);
          },
        ),
        { numRuns: 25, seed: 20240501 },
      );
    } finally {
      await ws.close();
    }
  });
});

/** Event ids of partition `p`'s copy of the log, so runs share no ids. */
function rename(value: Buffer | null, p: number): Buffer | null {
  return value && Buffer.from(value.toString('utf8').replace('"event_id":"e', `"event_id":"p${p}-e`));
}

describe("fsql.json's kafka", () => {
  it('reads ${NAME} only when consuming, and names an unset variable without any value', async () => {
    const { ws } = await project();
    try {
      expect(ws.config.kafka?.brokers).toEqual(['${FSQL_TEST_UNSET_BROKERS}']);
      expect(() => kafkaSettings(ws.config.kafka, 'fsql.json')).toThrow(RuntimeError);
      expect(() => kafkaSettings(ws.config.kafka, 'fsql.json')).toThrow(/FSQL_TEST_UNSET_BROKERS, which is not set/);
    } finally {
      await ws.close();
    }
  });

  it('expands brokers and credentials, and never prints a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsql-kafka-config-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'fsql.json'),
      JSON.stringify({ kafka: { brokers: ['${FSQL_TEST_KB}', 'k3:9094'], groupId: 'g-${FSQL_TEST_KG}', sasl: { mechanism: 'scram-sha-512', username: 'svc', password: '${FSQL_TEST_KP}' } } }),
    );
    process.env['FSQL_TEST_KB'] = 'k1:9092,k2:9093';
    process.env['FSQL_TEST_KG'] = 'blue';
    process.env['FSQL_TEST_KP'] = 's3cr3t-value';
    try {
      const config = loadConfig(dir);
      const k = expandKafkaConfig(config.kafka!, 'fsql.json');
      expect(k).toEqual({ brokers: ['k1:9092', 'k2:9093', 'k3:9094'], clientId: 'fsql', groupId: 'g-blue', ssl: false, sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 's3cr3t-value' } });
      // A malformed broker from the environment: the message shows what the file says, not the value.
      process.env['FSQL_TEST_KB'] = 'user:s3cr3t-value@host';
      let message = '';
      try {
        expandKafkaConfig(config.kafka!, 'fsql.json');
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        message = (e as Error).message;
      }
      expect(message).toMatch(/kafka\.brokers: "\$\{FSQL_TEST_KB\}" \(as expanded from the environment\) is not host:port/);
      expect(message).not.toContain('s3cr3t');
    } finally {
      delete process.env['FSQL_TEST_KB'];
      delete process.env['FSQL_TEST_KG'];
      delete process.env['FSQL_TEST_KP'];
    }
  });

  it('refuses a literal broker that is not host:port when the config is read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsql-kafka-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ kafka: { brokers: ['kafka-1'] } }));
    expect(() => loadConfig(dir)).toThrow(/kafka\.brokers: "kafka-1" is not host:port/);
  });
});

