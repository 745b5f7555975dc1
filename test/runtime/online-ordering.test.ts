/**
 * Ordering of derived online state (issue 10, finding 2). Vectors are
 * recomputed from the offline store by whichever process carries an update
 * out — with `serve --workers N`, several at once, and a survivor carrying
 * out what a killed worker owed. A recomputation that read the offline store
 * earlier must never overwrite one that read it later, and a key must be
 * computed as of the newest event ingested for its entity, whatever order
 * the events' times arrive in. Expected counts come from the offline store
 * by hand-written SQL, never from the code under test.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { ingest } from '../../src/runtime/ingest.js';
import { carryOut } from '../../src/runtime/online-updates.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { copyPayments, prepare, T } from '../server/support.js';

const HOUR = 3_600_000_000;
const at = (us: number) => new Date(us / 1000).toISOString().replace('T', ' ').replace('.000Z', '');
let n = 0;
const failedLogin = (account: string, time: number) => ({ event_id: `ord${++n}`, account_id: account, event_type: 'login_failed', ts: at(time) });

async function served(ws: Workspace, account: string): Promise<number> {
  const [v] = await ws.online().get('user', [[account]], [{ name: 'failed_logins_24h' }]);
  return v!.features[0]!.values['failed_logins_24h'] as number;
}

/** failed_logins_24h by hand: the account's login_failed events in (asOf − 24 h, asOf]. */
async function expected(ws: Workspace, account: string, asOf: number): Promise<number> {
  const rows = await ws.exclusive(async () =>
    (await ws.engine()).query(`SELECT COUNT(*) AS n FROM app_events WHERE account_id = '${account}' AND event_type = 'login_failed' AND ts > ${asOf - 24 * HOUR} AND ts <= ${asOf}`),
  );
  return Number(rows[0]!['n']);
}

/**
 * An engine whose first read, once answered, waits for `release`: the
 * recomputation using it has read the offline store and not written yet.
 */
function gated(engine: Engine): { engine: Engine; read: Promise<void>; release: () => void } {
  let read!: () => void;
  let release!: () => void;
  const hasRead = new Promise<void>((r) => (read = r));
  const released = new Promise<void>((r) => (release = r));
  let once = false;
  const proxy = new Proxy(engine, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if ((prop !== 'query' && prop !== 'queryValues') || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return async (...args: unknown[]) => {
        const result = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (!once) {
          once = true;
          read();
          await released;
        }
        return result;
      };
    },
  });
  return { engine: proxy, read: hasRead, release };
}

describe('ordering of recomputed online vectors', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = copyPayments();
    await (await prepare(dir)).close();
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a recomputation that read the offline store earlier never overwrites a newer vector (two processes)', async () => {
    // Two workspaces on one project: two server workers.
    const a = Workspace.open(dir);
    const b = Workspace.open(dir);
    try {
      // Worker B ingests e1; worker A then carries out an update of the same key (say, one a killed
      // worker owed) and has read the offline store when B ingests e2 and writes the key's vector.
      await ingest(b, 'app_events', [failedLogin('u0007', T - HOUR)]);
      const g = gated(await a.engine());
      const late = a.exclusive(async () => carryOut(a, g.engine, (await a.catalog()).catalog, { entity: 'user', keys: [['u0007']], newest: T - HOUR, reason: 'owed by a killed worker' }));
      await g.read;
      await ingest(b, 'app_events', [failedLogin('u0007', T - 2 * HOUR)]);
      const want = await expected(b, 'u0007', T);
      expect(await served(b, 'u0007')).toBe(want);
      // A writes what it computed from before e2.
      g.release();
      await late;
      expect(await served(a, 'u0007')).toBe(want);
      expect(await served(b, 'u0007')).toBe(want);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a key is computed as of the newest event ingested, whatever order the event times arrive in', async () => {
    const ws = Workspace.open(dir);
    try {
      // After the snapshot (T): an event 2 h later, then one 1 h later. Both count as of T + 2 h.
      await ingest(ws, 'app_events', [failedLogin('u0008', T + 2 * HOUR)]);
      expect(await served(ws, 'u0008')).toBe(await expected(ws, 'u0008', T + 2 * HOUR));
      await ingest(ws, 'app_events', [failedLogin('u0008', T + HOUR)]);
      expect(await served(ws, 'u0008')).toBe(await expected(ws, 'u0008', T + 2 * HOUR));
    } finally {
      await ws.close();
    }
  });
});
