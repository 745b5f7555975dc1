/**
 * The Redis online store against the real server of FSQL_TEST_REDIS_URL
 * (test/support/services.ts): the conformance suite (conformance.ts) — the
 * same test bodies as on SQLite — each test under a key prefix of its own,
 * removed after; then what only a server store has: several projects side by
 * side under different prefixes, a clear error when the server is away,
 * secrets kept out of messages; and end to end, `fsql apply` and
 * `fsql materialize` on a project whose fsql.json says redis, answering the
 * HTTP lookups byte for byte as the same project on SQLite does.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/runtime/config.js';
import { Workspace } from '../../../src/runtime/workspace.js';
import { startServer } from '../../../src/server/index.js';
import { onlineStoreBackend } from '../../../src/store/online/backends.js';
import { RedisOnlineStore } from '../../../src/store/online/redis-store.js';
import { OnlineStoreError } from '../../../src/store/online/store.js';
import { fsql } from '../../runtime/support.js';
import { copyPayments, post } from '../../server/support.js';
import { redisUrl } from '../../support/services.js';
import { describeOnlineStore, ROWS, snapshot } from './conformance.js';
import { tempDir } from './support.js';

const RUN = `fsqltest:${process.pid}:${Date.now().toString(36)}`;
const dirs = tempDir('fsql-redis-');
let admin: Redis;
let n = 0;
let prefix = '';

/** Every key under a prefix. */
async function keysUnder(p: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await admin.scan(cursor, 'MATCH', `${p.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`, 'COUNT', 1000);
    cursor = next;
    out.push(...found);
  } while (cursor !== '0');
  return out;
}

async function removeUnder(p: string): Promise<void> {
  const keys = await keysUnder(p);
  for (let i = 0; i < keys.length; i += 500) await admin.unlink(...keys.slice(i, i + 500));
}

const open = (options: { yieldMs?: number; keyPrefix?: string; url?: string } = {}) =>
  new RedisOnlineStore({
    url: options.url ?? redisUrl(),
    keyPrefix: options.keyPrefix ?? prefix,
    journalPath: join(dirs.dir, `journal-${n}.db`),
    ...(options.yieldMs !== undefined ? { yieldMs: options.yieldMs } : {}),
  });

beforeAll(() => {
  admin = new Redis(redisUrl());
});
afterAll(async () => {
  await removeUnder(RUN);
  await admin.quit();
  dirs.cleanup();
});

describe('the online store conformance suite on Redis', () => {
  describeOnlineStore({
    fresh: () => {
      prefix = `${RUN}:${++n}:`;
    },
    open: (options) => open(options?.yieldMs !== undefined ? { yieldMs: options.yieldMs } : {}),
    // A generation G holds the vectors <prefix>v:<entity>:G:<key>.
    generations: async () => {
      const gens = new Set<number>();
      for (const k of await keysUnder(`${prefix}v:`)) gens.add(Number(k.slice(prefix.length).split(':')[2]));
      return [...gens].sort((a, b) => a - b);
    },
    cleanup: () => removeUnder(prefix),
  });
});

describe('Redis', () => {
  it('keeps projects apart by key prefix, and leaves nothing of an old generation', async () => {
    const a = open({ keyPrefix: `${RUN}:a:` });
    const b = open({ keyPrefix: `${RUN}:b:` });
    try {
      await a.writeSnapshot('user', snapshot(ROWS));
      await b.writeSnapshot('user', snapshot([ROWS[1]!]));
      expect((await a.get('user', [['alice'], ['bob']])).map((r) => r.found)).toEqual([true, true]);
      expect((await b.get('user', [['alice'], ['bob']])).map((r) => r.found)).toEqual([false, true]);
      await a.writeSnapshot('user', snapshot([ROWS[0]!]));
      const g = (await a.describe('user'))!.generation;
      // The record, the generation counter and the one vector of the current generation.
      expect((await keysUnder(`${RUN}:a:`)).sort()).toEqual([`${RUN}:a:e:user`, `${RUN}:a:n`, `${RUN}:a:v:user:${g}:["alice"]`]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('deletes a generation left by a writer that died before publishing it', async () => {
    prefix = `${RUN}:stale:`;
    const store = new RedisOnlineStore({ url: redisUrl(), keyPrefix: prefix, journalPath: join(dirs.dir, 'journal-stale.db'), staleWriterMs: 50 });
    try {
      await store.writeSnapshot('user', snapshot(ROWS));
      // What a killed writer leaves: its vectors, and its entry among the generations being written.
      await admin.set(`${prefix}v:user:999:["zed"]`, 'x');
      await admin.zadd(`${prefix}w:user`, Date.now() - 1000, '999');
      expect((await store.get('user', [['zed']]))[0]!.found).toBe(false);
      await store.writeSnapshot('user', snapshot(ROWS));
      expect(await keysUnder(`${prefix}v:user:999:`)).toEqual([]);
      expect(await admin.zcard(`${prefix}w:user`)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('an unreachable server is a clear `unavailable` error naming it, without its password', async () => {
    const store = new RedisOnlineStore({ url: 'redis://:s3cret-pass@127.0.0.1:1/0', keyPrefix: 'x:', journalPath: join(dirs.dir, 'journal-away.db'), connectTimeoutMs: 500 });
    try {
      const started = Date.now();
      const e = await store.get('user', [['alice']]).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(OnlineStoreError);
      expect((e as OnlineStoreError).code).toBe('unavailable');
      expect((e as Error).message).toMatch(/cannot reach the Redis online store at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0/);
      expect((e as Error).message).not.toContain('s3cret-pass');
      expect(Date.now() - started).toBeLessThan(15_000);
      await expect(store.writeSnapshot('user', snapshot(ROWS))).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await store.close();
    }
  });

  it('fsql.json: a redis store needs a url; its secrets come from the environment', () => {
    const { dir, cleanup } = tempDir('fsql-redis-config-');
    try {
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "redis" } }');
      expect(() => loadConfig(dir)).toThrow(/online\.url: the Redis online store needs the server's URL/);
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "redis", "url": "redis://:${FSQL_TEST_UNSET_SECRET}@127.0.0.1:6379" } }');
      expect(() => loadConfig(dir)).toThrow(/environment variable FSQL_TEST_UNSET_SECRET, which is not set/);
      process.env.FSQL_TEST_REDIS_SECRET = 'p@ss word';
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "redis", "url": "redis://:${FSQL_TEST_REDIS_SECRET}@127.0.0.1:6379", "keyPrefix": "proj:" } }');
      expect(loadConfig(dir).online).toEqual({ store: 'redis', path: join(dir, '.fsql', 'online-journal.db'), url: 'redis://:p%40ss%20word@127.0.0.1:6379', keyPrefix: 'proj:' });
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "sqlite", "url": "redis://127.0.0.1" } }');
      expect(() => loadConfig(dir)).toThrow(/online\.url: the SQLite online store is a file/);
      expect(onlineStoreBackend('redis').capabilities).toEqual({ multiProcess: true, file: false });
    } finally {
      delete process.env.FSQL_TEST_REDIS_SECRET;
      cleanup();
    }
  });

  it('fsql materialize on an unreachable Redis fails with a message (not an internal error), password hidden', async () => {
    const dir = copyPayments();
    try {
      process.env.FSQL_TEST_REDIS_SECRET = 'hunter2';
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "redis", "url": "redis://:${FSQL_TEST_REDIS_SECRET}@127.0.0.1:1" } }');
      expect((await fsql('apply', dir, '-q')).code).toBe(0);
      const r = await fsql('materialize', dir, '--at', '2024-04-30 00:00:00', '-q');
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBe(70);
      expect(r.stderr).toMatch(/cannot reach the Redis online store at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
      expect(r.stderr).not.toContain('hunter2');
    } finally {
      delete process.env.FSQL_TEST_REDIS_SECRET;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('end to end: a project whose fsql.json says redis', () => {
  const users = [...Array.from({ length: 220 }, (_v, i) => `u${String(i).padStart(4, '0')}`), 'nobody'];
  const projects: { dir: string; ws?: Workspace }[] = [];
  const projectPrefix = `${RUN}:e2e:`;

  afterAll(async () => {
    for (const p of projects) {
      await p.ws?.close();
      rmSync(p.dir, { recursive: true, force: true });
    }
  });

  it('apply, materialize, then HTTP lookups answer byte for byte as the same project on SQLite', async () => {
    const onSqlite = copyPayments();
    const onRedis = copyPayments();
    projects.push({ dir: onSqlite }, { dir: onRedis });
    writeFileSync(join(onRedis, 'fsql.json'), JSON.stringify({ offline: { engine: 'sqlite' }, online: { store: 'redis', url: '${FSQL_TEST_REDIS_URL}', keyPrefix: projectPrefix } }));
    for (const dir of [onSqlite, onRedis]) {
      const applied = await fsql('apply', dir, '-q');
      expect(applied.code, applied.stderr).toBe(0);
      const m = await fsql('materialize', dir, '--at', '2024-04-30 00:00:00', '-q');
      expect(m.code, m.stderr).toBe(0);
    }
    // The vectors are in Redis, under the project's prefix.
    expect((await keysUnder(`${projectPrefix}v:user:`)).length).toBeGreaterThan(100);
    const bodies: string[][] = [];
    for (const dir of [onSqlite, onRedis]) {
      const ws = Workspace.open(dir);
      projects.push({ dir: '', ws });
      const server = await startServer(ws, { host: '127.0.0.1', port: 0 });
      try {
        const out: string[] = [];
        const many = await post(`${server.url}/v1/features/user`, { keys: users.map((u) => [u]) });
        expect(many.status, many.text).toBe(200);
        out.push(many.text);
        const some = await post(`${server.url}/v1/features/user`, { keys: [['u0001'], ['nobody']], features: ['avg_amount_7d', 'last_channel'] });
        expect(some.status, some.text).toBe(200);
        out.push(some.text);
        const one = await fetch(`${server.url}/v1/features/user/u0006`);
        expect(one.status).toBe(200);
        out.push(await one.text());
        const entities = await fetch(`${server.url}/v1/entities`);
        out.push(JSON.stringify(((await entities.json()) as { entities: { name: string; online: { keys: number; features: unknown } | null }[] }).entities.map((e) => [e.name, e.online?.keys, e.online?.features])));
        bodies.push(out);
      } finally {
        await server.close();
      }
    }
    expect(bodies[1]).toEqual(bodies[0]);
    // The statuses are all there: present, missing (a key without rows) and outside a TTL.
    const parsed = JSON.parse(bodies[1]![0]!) as { results: { found: boolean; features: Record<string, { status: string }> }[] };
    const statuses = new Set(parsed.results.flatMap((r) => Object.values(r.features).map((f) => f.status)));
    expect([...statuses]).toEqual(expect.arrayContaining(['present', 'missing']));
    expect(parsed.results.at(-1)!.found).toBe(false);
    // fsql get reads the same store.
    const got = await fsql('get', 'user', 'u0001', '--project', onRedis, '--format', 'json');
    expect(got.code, got.stderr).toBe(0);
    await removeUnder(projectPrefix);
  }, 300_000);
});
