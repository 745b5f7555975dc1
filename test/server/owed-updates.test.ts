/**
 * An ingest killed after committing its events and before updating the
 * online store leaves the update recorded as owed; `fsql serve` (on start),
 * the next ingest and `materialize` carry it out, so no read after them
 * misses those events. And retries are safe with an idempotency key: a
 * batch already stored is not stored again.
 */
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/runtime/ingest.js';
import { materialize } from '../../src/runtime/materialize.js';
import { afterSnapshot } from '../../src/runtime/online-updates.js';
import { computeSnapshot, entityFeatures } from '../../src/runtime/vectors.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { Api, copyPayments, post, prepare, ROOT, serve, T } from './support.js';

const HOUR = 3_600_000_000;
const at = (us: number) => new Date(us / 1000).toISOString().replace('T', ' ').replace('.000Z', '');
let n = 0;
const failedLogin = (account: string, time: number) => ({ event_id: `owed${++n}`, account_id: account, event_type: 'login_failed', ts: at(time) });

/** Runs the child that commits `events` and dies before the online update. */
async function killedIngest(dir: string, events: readonly object[]): Promise<void> {
  const child = fork(join(ROOT, 'test', 'server', 'fixtures', 'killed-ingest.ts'), [dir, 'app_events', JSON.stringify(events)], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
}

async function failedLogins(ws: Workspace, account: string): Promise<number> {
  const [v] = await ws.online().get('user', [[account]], [{ name: 'failed_logins_24h' }]);
  return v!.features[0]!.values['failed_logins_24h'] as number;
}

async function storedEvents(ws: Workspace): Promise<number> {
  const rows = await ws.exclusive(async () => (await ws.engine()).query('SELECT COUNT(*) AS n FROM app_events'));
  return Number(rows[0]!['n']);
}

describe('online updates owed by a killed ingest', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = copyPayments();
    await (await prepare(dir)).close();
  }, 120_000);
  afterAll(() => undefined);

  it('are carried out when `fsql serve` starts: the first lookup sees the events', async () => {
    let ws = Workspace.open(dir);
    const before = await failedLogins(ws, 'u0007');
    await ws.close();
    await killedIngest(dir, [failedLogin('u0007', T - HOUR), failedLogin('u0007', T - 2 * HOUR), failedLogin('u0007', T - 3 * HOUR)]);

    ws = Workspace.open(dir);
    // The events are stored; the vector is not updated yet, and the update is owed.
    expect(await failedLogins(ws, 'u0007')).toBe(before);
    const owed = await ws.online().pendingUpdates();
    expect(owed.map((u) => ({ entity: u.entity, keys: u.keys, newest: u.newest }))).toEqual([{ entity: 'user', keys: [['u0007']], newest: T - HOUR }]);

    const served = await serve(dir, ws);
    try {
      const r = await (await Api.open(served.url)).post('/v1/features/user', { keys: [['u0007']], features: ['failed_logins_24h'] });
      expect(r.body.results[0].features.failed_logins_24h.value).toBe(before + 3);
      expect(await ws.online().pendingUpdates()).toEqual([]);
    } finally {
      await served.server.close();
      await ws.close();
    }
  });

  it('are carried out by the next ingest, before its own events', async () => {
    let ws = Workspace.open(dir);
    const before = { a: await failedLogins(ws, 'u0008'), b: await failedLogins(ws, 'u0009') };
    await ws.close();
    await killedIngest(dir, [failedLogin('u0008', T - HOUR)]);
    ws = Workspace.open(dir);
    try {
      const result = await ingest(ws, 'app_events', [failedLogin('u0009', T - HOUR)]);
      expect(result.online).toEqual([{ entity: 'user', mode: 'keys', keys: 1, asOf: T }]);
      expect(await failedLogins(ws, 'u0008')).toBe(before.a + 1);
      expect(await failedLogins(ws, 'u0009')).toBe(before.b + 1);
      expect(await ws.online().pendingUpdates()).toEqual([]);
    } finally {
      await ws.close();
    }
  });

  it('are carried out on top of the next materialize, even one at an earlier time', async () => {
    let ws = Workspace.open(dir);
    await ws.close();
    // Events two days after T: a materialize at T does not see them, the owed update (as of their time) does.
    await killedIngest(dir, [failedLogin('u0010', T + 48 * HOUR), failedLogin('u0010', T + 47 * HOUR)]);
    ws = Workspace.open(dir);
    try {
      await materialize(ws, { at: T });
      expect(await ws.online().pendingUpdates()).toEqual([]);
      const [v] = await ws.online().get('user', [['u0010']], [{ name: 'failed_logins_24h' }]);
      // Recomputed as of the newest event (T + 48 h): only these two are in its 24 hours.
      expect(v!.features[0]!.values['failed_logins_24h']).toBe(2);
      expect(v!.features[0]!.eventTime).toBe(T + 48 * HOUR);
    } finally {
      await ws.close();
    }
  });
});

describe('a materialize racing an ingest', { timeout: 120_000 }, () => {
  it('re-applies the ingests settled while its snapshot was computed, so none is lost by the switch', async () => {
    const dir = copyPayments();
    const ws = await prepare(dir);
    try {
      const before = await failedLogins(ws, 'u0012');
      // Another process's materialize, step by step: it starts computing (without the events below)…
      const computeStarted = Date.now() * 1000;
      const { catalog } = await ws.catalog();
      const snapshot = await computeSnapshot(await ws.engine(), catalog, ws.fitted, 'user', entityFeatures(catalog, 'user'), T);
      // …an ingest commits and updates the current snapshot meanwhile…
      await ingest(ws, 'app_events', [failedLogin('u0012', T - HOUR), failedLogin('u0012', T - 2 * HOUR)]);
      expect(await failedLogins(ws, 'u0012')).toBe(before + 2);
      // …the materialize writes its snapshot, which does not have them…
      await ws.online().writeSnapshot('user', snapshot);
      expect(await failedLogins(ws, 'u0012')).toBe(before);
      // …and re-applies what was settled since it started.
      await ws.exclusive(async () => afterSnapshot(ws, await ws.engine(), 'user', computeStarted));
      expect(await failedLogins(ws, 'u0012')).toBe(before + 2);
    } finally {
      await ws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ingest with an idempotency key', { timeout: 120_000 }, () => {
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const dir = copyPayments();
    s = await serve(dir, await prepare(dir));
  }, 120_000);
  afterAll(async () => s?.close());

  it('stores a batch once however often it is sent; the same key with other events is refused with 409', async () => {
    const url = `${s.url}/v1/ingest/app_events`;
    const batch = [failedLogin('u0011', T - HOUR), failedLogin('u0011', T - 2 * HOUR)];
    const before = await storedEvents(s.ws);
    const first = await post(url, batch, { 'idempotency-key': 'batch-42' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 2 });
    expect(first.body.replayed).toBeUndefined();
    const again = await post(url, batch, { 'idempotency-key': 'batch-42' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ source: 'app_events', accepted: 2, replayed: true, online: [] });
    expect(await storedEvents(s.ws)).toBe(before + 2);

    const other = await post(url, [failedLogin('u0011', T - HOUR)], { 'idempotency-key': 'batch-42' });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_conflict');
    expect(await storedEvents(s.ws)).toBe(before + 2);

    // Without a key, or under a new one, the same events are new events.
    expect((await post(url, batch, { 'idempotency-key': 'batch-43' })).status).toBe(200);
    expect(await storedEvents(s.ws)).toBe(before + 4);
    // The key is per source: a bad key is a 400.
    expect((await post(url, batch, { 'idempotency-key': 'x'.repeat(300) })).status).toBe(400);
  });
});
