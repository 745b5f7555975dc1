/**
 * Crash safety of ingest: a server in a child process takes batches of events
 * (several requests in flight at once) and is killed with SIGKILL in the
 * middle. Every batch it acknowledged must be in app_events; every batch is
 * there whole or not at all; the online store reads consistently: every key
 * readable, every value decodable, statuses valid, and for keys that only
 * acknowledged batches touched, failed_logins_24h equals the stored events.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Workspace } from '../../src/runtime/workspace.js';
import { FEATURE_STATUSES } from '../../src/store/online/store.js';
import { Api, copyPayments, post, prepare, ROOT, serve, T } from './support.js';

const HOUR = 3_600_000_000;
const at = (us: number) => new Date(us / 1000).toISOString().replace('T', ' ').replace('.000Z', '');

/** mulberry32 */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Batch {
  readonly id: number;
  readonly events: { event_id: string; account_id: string; event_type: string; ts: string }[];
}

describe('ingest under SIGKILL', () => {
  it('keeps every acknowledged event and a consistent online store', { timeout: 120_000 }, async () => {
    const dir = copyPayments();
    (await prepare(dir)).close();

    const child = fork(join(ROOT, 'test', 'server', 'serve-child.ts'), [dir], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { url: string }).url));
      child.once('exit', (code) => reject(new Error(`the server child exited with ${code} before listening`)));
    });

    const random = prng(7);
    const batches: Batch[] = [];
    const acked = new Set<number>();
    const makeBatch = (): Batch => {
      const id = batches.length;
      const events = Array.from({ length: 1 + Math.floor(random() * 30) }, (_v, i) => ({
        event_id: `b${id}_${i}`,
        account_id: `u${String(1 + Math.floor(random() * 60)).padStart(4, '0')}`,
        event_type: random() < 0.6 ? 'login_failed' : 'login',
        ts: at(T - Math.floor(random() * 20 * HOUR)),
      }));
      const b = { id, events };
      batches.push(b);
      return b;
    };

    // Three clients send batches until the child is killed; the kill comes while requests are in flight.
    let killed = false;
    let failure: unknown;
    const client = async () => {
      while (!killed && failure === undefined) {
        const b = makeBatch();
        try {
          const r = await post(`${url}/v1/ingest/app_events`, b.events);
          if (r.status === 200 && r.body.accepted === b.events.length) acked.add(b.id);
          else if (!killed) failure = new Error(`batch ${b.id}: ${r.status} ${r.text}`);
        } catch (e) {
          if (!killed) failure = e;
        }
      }
    };
    const clients = [client(), client(), client()];
    while (acked.size < 40 && failure === undefined && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5));
    if (failure !== undefined) throw failure;
    killed = true;
    child.kill('SIGKILL');
    await Promise.all(clients);
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(batches.length - acked.size).toBeGreaterThan(0);

    // Reopen.
    let storedCounts = new Map<string, number>();
    const ws = Workspace.open(dir);
    try {
      const stored = await ws.exclusive(async () => (await ws.engine()).query('SELECT event_id, account_id, event_type, ts FROM app_events'));
      const ids = new Set(stored.map((r) => String(r['event_id'])));
      for (const b of batches) {
        const present = b.events.filter((e) => ids.has(e.event_id)).length;
        if (acked.has(b.id)) expect(present, `acknowledged batch ${b.id}`).toBe(b.events.length);
        else expect([0, b.events.length], `batch ${b.id} is whole or absent`).toContain(present);
      }
      expect(ids.size).toBe(batches.filter((b) => b.events.some((e) => ids.has(e.event_id))).reduce((n, b) => n + b.events.length, 0));

      // Every key readable and decodable, statuses valid.
      const store = ws.online();
      const info = (await store.describe('user'))!;
      const keys = Array.from({ length: 200 }, (_v, i) => [`u${String(i + 1).padStart(4, '0')}`]);
      const vectors = await store.get('user', keys);
      expect(vectors.every((v) => v.found)).toBe(true);
      for (const v of vectors) {
        expect(v.features.map((f) => `${f.name}@${f.version}`)).toEqual(info.features.map((f) => `${f.name}@${f.version}`));
        for (const f of v.features) {
          expect(FEATURE_STATUSES).toContain(f.status);
          for (const x of Object.values(f.values)) expect(x === null || ['number', 'string', 'boolean'].includes(typeof x)).toBe(true);
          expect(f.eventTime === null || Number.isSafeInteger(f.eventTime)).toBe(true);
        }
      }
      // Keys no unacknowledged batch touched: the served count is the stored one.
      const unsure = new Set(batches.filter((b) => !acked.has(b.id)).flatMap((b) => b.events.map((e) => e.account_id)));
      const counts = new Map<string, number>();
      for (const r of stored) if (r['event_type'] === 'login_failed' && Number(r['ts']) > T - 24 * HOUR) counts.set(String(r['account_id']), (counts.get(String(r['account_id'])) ?? 0) + 1);
      storedCounts = counts;
      let checked = 0;
      for (const v of vectors) {
        const k = String(v.key[0]);
        if (unsure.has(k)) continue;
        const f = v.features.find((x) => x.name === 'failed_logins_24h')!;
        expect(f.values['failed_logins_24h'], k).toBe(counts.get(k) ?? 0);
        checked++;
      }
      expect(checked).toBeGreaterThan(100);

      // The files are sound, and a new server serves them.
      for (const file of ['online.db', 'offline.db']) {
        const db = new Database(join(dir, '.fsql', file), { readonly: true });
        expect(db.pragma('integrity_check', { simple: true }), file).toBe('ok');
        db.close();
      }
    } finally {
      await ws.close();
    }
    // A new server first carries out the online updates the killed one owed: then every key — those of
    // unacknowledged batches too — serves the count of the events stored.
    const again = await serve(dir, Workspace.open(dir));
    try {
      const keys = Array.from({ length: 200 }, (_v, i) => [`u${String(i + 1).padStart(4, '0')}`]);
      const r = await (await Api.open(again.url)).post('/v1/features/user', { keys, features: ['failed_logins_24h'] });
      expect(r.status).toBe(200);
      expect(r.body.results.map((x: { found: boolean }) => x.found)).toEqual(keys.map(() => true));
      const served = r.body.results.map((x: { key: { account_id?: string; user_id?: string }; features: { failed_logins_24h: { value: number } } }) => x.features.failed_logins_24h.value);
      expect(served).toEqual(keys.map(([k]) => storedCounts.get(k!) ?? 0));
      const check = Workspace.open(dir);
      try {
        expect(await check.online().pendingUpdates()).toEqual([]);
      } finally {
        await check.close();
      }
    } finally {
      await again.close();
    }
  });
});
