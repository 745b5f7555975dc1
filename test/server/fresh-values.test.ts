/**
 * Fresh values over HTTP (docs/online-stores.md, "Fresh values"):
 * - with `"online": {"windows": "tiles"}`, a lookup serves windowed
 *   aggregates as of the request time — values worked out by hand from the
 *   events — and says so in each feature's `as_of`; other features keep the
 *   snapshot's time;
 * - `fsql serve --refresh`: the scheduler's runs move the vectors and the
 *   as-of times, and show in /health and /metrics; `fsql materialize
 *   --incremental` on the command line.
 */
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readProjectFiles } from '../../src/project/files.js';
import { applyProject } from '../../src/runtime/apply.js';
import { ingest } from '../../src/runtime/ingest.js';
import { materialize } from '../../src/runtime/materialize.js';
import { parseEvery, RefreshScheduler } from '../../src/runtime/refresh-scheduler.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { FeatureLookup } from '../../src/server/lookup.js';
import { startServer } from '../../src/server/index.js';
import { fsql, HOUR, tempDir, us, writeFiles } from '../runtime/support.js';
import { Api, call } from './support.js';

const PROJECT = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE clicks (user_id TEXT NOT NULL, amount INTEGER, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE FEATURE clicks_1h ENTITY user FROM clicks AS COUNT(*) WINDOW 1 HOUR;
CREATE FEATURE spend_2h ENTITY user FROM clicks AS SUM(amount) WINDOW 2 HOURS;
CREATE FEATURE last_amount ENTITY user FROM clicks AS amount;
`;

const S = us('2024-05-01 10:00');
const iso = (t: number) => new Date(t / 1000).toISOString().replace('.000Z', 'Z');
const text = (t: number) => iso(t).replace('T', ' ').replace('Z', '');

let dir: string;
let cleanup: () => void;
let ws: Workspace;

async function open(windows: 'tiles' | 'vectors'): Promise<void> {
  writeFiles(dir, { 'project.fsql': PROJECT, 'fsql.json': JSON.stringify({ online: { windows } }) });
  ws = Workspace.open(dir, { create: true });
  await applyProject(ws, readProjectFiles(dir));
  // u1: clicks at 9:10 (5), 9:50 (7); u2: 8:30 (1).
  await ingest(ws, 'clicks', [
    { user_id: 'u1', amount: 5, ts: text(S - 50 * 60_000_000) },
    { user_id: 'u1', amount: 7, ts: text(S - 10 * 60_000_000) },
    { user_id: 'u2', amount: 1, ts: text(S - 90 * 60_000_000) },
  ]);
  await materialize(ws, { at: S });
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir('fsql-fresh-http-'));
});
afterEach(async () => {
  await ws?.close();
  cleanup();
});

describe('request-time windows over HTTP', () => {
  it('serve COUNT and SUM windows as of the request time, with each value’s as_of', async () => {
    await open('tiles');
    let now = S;
    const lookup = new FeatureLookup(ws, { maxKeys: 10, now: () => now });
    const get = async () => JSON.parse((await lookup.lookup('user', [['u1'], ['u2'], ['nobody']], undefined)).toString()).results;

    let r = await get();
    expect(r[0].features.clicks_1h).toEqual({ version: 1, value: 2, status: 'present', event_time: iso(S - 10 * 60_000_000), as_of: iso(S) });
    expect(r[0].features.spend_2h.value).toBe(12);
    expect(r[1].features.clicks_1h).toMatchObject({ value: 0, status: 'missing', as_of: iso(S) });
    expect(r[1].features.spend_2h.value).toBe(1);

    // 10:15: the 9:10 click left the hour; at 10:30 u2's 8:30 click leaves the two hours (a row exactly 2 h old no longer counts).
    now = S + 15 * 60_000_000;
    r = await get();
    expect(r[0].features.clicks_1h).toMatchObject({ value: 1, as_of: iso(now) });
    expect(r[0].features.last_amount).toMatchObject({ value: 7, as_of: iso(S) });
    now = S + 30 * 60_000_000 - 1;
    r = await get();
    expect(r[1].features.spend_2h).toMatchObject({ value: 1, status: 'present' });
    now = S + 30 * 60_000_000;
    r = await get();
    expect(r[1].features.spend_2h).toEqual({ version: 1, value: null, status: 'missing', event_time: null, as_of: iso(now) });

    // An ingest after the snapshot reaches the tiles: u2 clicks at 10:40.
    await ingest(ws, 'clicks', [{ user_id: 'u2', amount: 4, ts: text(S + 40 * 60_000_000) }]);
    now = S + 45 * 60_000_000;
    r = await get();
    expect(r[1].features.clicks_1h.value).toBe(1);
    expect(r[1].features.spend_2h.value).toBe(4);
    now = S + 100 * 60_000_000;
    r = await get();
    expect(r[1].features.clicks_1h.value).toBe(0);
    // A key the store does not hold.
    expect(r[2]).toMatchObject({ found: false, features: { clicks_1h: { value: 0, status: 'missing', as_of: iso(now) } } });
  });

  it('without tiles, serve the snapshot’s values and time', async () => {
    await open('vectors');
    const lookup = new FeatureLookup(ws, { maxKeys: 10, now: () => S + 5 * HOUR });
    const r = JSON.parse((await lookup.lookup('user', [['u1']], ['clicks_1h'])).toString()).results;
    expect(r[0].features.clicks_1h).toMatchObject({ value: 2, as_of: iso(S) });
  });
});

describe('scheduled refresh', () => {
  it('parses periods', () => {
    expect([parseEvery('5m'), parseEvery('1h'), parseEvery('30s'), parseEvery('2d'), parseEvery('1.5h')]).toEqual([300_000, 3_600_000, 30_000, 172_800_000, 5_400_000]);
    expect([parseEvery('5'), parseEvery('m'), parseEvery('-1m'), parseEvery('0s')]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('moves the vectors and their as-of time on each run, and shows its runs in /health and /metrics', async () => {
    await open('vectors');
    let now = S + 15 * 60_000_000;
    const logs: string[] = [];
    const refresher = new RefreshScheduler(ws, { everyMs: 3_600_000, log: (l) => logs.push(l), now: () => now });
    const server = await startServer(ws, { host: '127.0.0.1', port: 0, refresh: refresher });
    try {
      const api = await Api.open(server.url);
      let health = await api.get('/health');
      expect(health.body.refresh).toMatchObject({ every_seconds: 3600, runs: 0, last: null });
      await refresher.runNow();
      // 10:15: u1's 9:10 click left the hour: one key recomputed (u2's window edges are later).
      expect(logs.at(-1)).toMatch(/refreshed user 1 of 2 keys/);
      let r = await api.post('/v1/features/user', { keys: [['u1'], ['u2']] });
      expect(r.body.results[0].features.clicks_1h).toMatchObject({ value: 1, as_of: iso(now) });
      expect(r.body.results[1].features.spend_2h).toMatchObject({ value: 1, as_of: iso(now) });
      health = await api.get('/health');
      expect(health.body.refresh).toMatchObject({
        runs: 1,
        failures: 0,
        last: { as_of: iso(now), entities: [{ entity: 'user', mode: 'incremental', keys: 1, total_keys: 2, previous_as_of: iso(S) }] },
      });
      expect(health.body.materialized[0]).toMatchObject({ as_of: iso(S), refreshed_as_of: iso(now) });
      const metrics = (await call(`${server.url}/metrics`)).text;
      expect(metrics).toMatch(/fsql_refresh_runs 1/);
      expect(metrics).toContain(`fsql_refresh_last_as_of_timestamp_seconds ${now / 1e6}`);

      now = S + 3 * HOUR;
      await refresher.runNow();
      r = await api.post('/v1/features/user', { keys: [['u1'], ['u2']] });
      expect(r.body.results.map((x: any) => [x.features.clicks_1h.value, x.features.spend_2h.value])).toEqual([
        [0, null],
        [0, null],
      ]);
      // The refresh time is read again at most every second (until then the earlier time is shown: never a later one).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      r = await api.post('/v1/features/user', { keys: [['u1']] });
      expect(r.body.results[0].features.last_amount).toMatchObject({ value: 7, as_of: iso(now) });
    } finally {
      await refresher.stop();
      await server.close();
    }
  });

  it('fsql materialize --incremental says what it recomputed', async () => {
    await open('vectors');
    await ws.close();
    const r = await fsql('materialize', dir, '--incremental', '--at', text(S + 15 * 60_000_000), '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      asOf: iso(S + 15 * 60_000_000),
      entities: [{ entity: 'user', mode: 'incremental', keys: 1, totalKeys: 2, previousAsOf: iso(S) }],
    });
    const back = await fsql('materialize', dir, '--incremental', '--at', text(S), '-q');
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('materialized in full');
    ws = Workspace.open(dir);
    rmSync(dir + '/none', { force: true });
  });
});
