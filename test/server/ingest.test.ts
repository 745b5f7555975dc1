/**
 * Stream ingest over real HTTP: events for app_events (the payments example's
 * STREAM source, keyed by account_id, read by failed_logins_24h: COUNT(*) of
 * login_failed events over 24 hours) are stored and show in the next read;
 * a bad batch stores nothing; NDJSON; bearer-token auth; size limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestQueue } from '../../src/server/ingest-queue.js';
import { Api, call, copyPayments, prepare, serve, T, type Served } from './support.js';

const HOUR = 3_600_000_000;
/** `2024-04-29 22:00:00` for T − 2 h. */
const at = (us: number) => new Date(us / 1000).toISOString().replace('T', ' ').replace('.000Z', '');
const iso = (us: number) => new Date(us / 1000).toISOString().replace('.000Z', 'Z');

let n = 0;
const event = (account: string, type: string, time: number, extra: Record<string, unknown> = {}) => ({ event_id: `t${++n}`, account_id: account, event_type: type, ts: at(time), ...extra });

describe('ingest', { timeout: 60_000 }, () => {
  let s: Served;
  let api: Api;
  let open: Served;
  let openApi: Api;
  const auth = { authorization: 'Bearer s3cret-token' };

  beforeAll(async () => {
    const dir = copyPayments();
    s = await serve(dir, await prepare(dir), { token: 's3cret-token' });
    api = await Api.open(s.url);
    // A second server on the same workspace, without a token.
    open = await serve(dir, s.ws);
    openApi = await Api.open(open.url);
  }, 120_000);
  afterAll(async () => {
    await open?.server.close();
    await s?.close();
  });

  async function storedEvents(): Promise<number> {
    const rows = await s.ws.exclusive(async () => (await s.ws.engine()).query('SELECT COUNT(*) AS n FROM app_events'));
    return Number(rows[0]!['n']);
  }

  async function failedLogins(user: string) {
    const r = await api.get(`/v1/features/user/${user}?features=failed_logins_24h`);
    expect(r.status).toBe(200);
    return r.body.results[0].features.failed_logins_24h;
  }

  it('stores a good batch and updates the online vector before it answers', async () => {
    expect(await failedLogins('u0001')).toEqual({ version: 1, value: 0, status: 'missing', event_time: null, as_of: new Date(T / 1000).toISOString().replace('.000Z', 'Z') });
    const before = await storedEvents();
    const batch = [
      event('u0001', 'login_failed', T - 2 * HOUR),
      event('u0001', 'login_failed', T - HOUR, { device_id: 'd1', ip_country: 'US' }),
      event('u0001', 'login_failed', T - 30 * HOUR), // outside the 24 h window
      event('u0001', 'login', T - HOUR / 2),
    ];
    const r = await api.post('/v1/ingest/app_events', batch, auth);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ source: 'app_events', accepted: 4, online: [{ entity: 'user', mode: 'keys', keys: 1, as_of: iso(T) }] });
    expect(await storedEvents()).toBe(before + 4);
    // Two login_failed in (T − 24 h, T]; the newest row used is the one at T − 1 h.
    expect(await failedLogins('u0001')).toMatchObject({ version: 1, value: 2, status: 'present', event_time: iso(T - HOUR) });
    // Read again: the bytes written for the key are reused while its stored vector is unchanged…
    expect(await failedLogins('u0001')).toMatchObject({ version: 1, value: 2, status: 'present', event_time: iso(T - HOUR) });
    const whole = (await api.get('/v1/features/user/u0001')).body;
    expect((await api.get('/v1/features/user/u0001')).body).toEqual(whole);
    expect(whole.results[0].features.failed_logins_24h.value).toBe(2);

    // An event after the snapshot time: the key is recomputed as of that event, (T − 23 h, T + 1 h].
    const later = await api.post('/v1/ingest/app_events', [event('u0001', 'login_failed', T + HOUR)], auth);
    expect(later.body.online).toEqual([{ entity: 'user', mode: 'keys', keys: 1, as_of: iso(T + HOUR) }]);
    // …and not once it changed.
    expect(await failedLogins('u0001')).toMatchObject({ version: 1, value: 3, status: 'present', event_time: iso(T + HOUR) });
    expect((await api.get('/v1/features/user/u0001')).body.results[0].features.failed_logins_24h.value).toBe(3);
    // The user's other features are still served (the whole vector of the key was recomputed).
    const all = await api.get('/v1/features/user/u0001');
    expect(all.body.results[0].features.spend_30d.status).toBe('present');
  });

  it('ingests batches sent at once together, refusing a bad one alone', async () => {
    const before = await storedEvents();
    const accounts = Array.from({ length: 20 }, (_v, i) => `u${String(100 + i).padStart(4, '0')}`);
    const sends = accounts.map((a, i) =>
      api.post('/v1/ingest/app_events', i === 7 ? [event(a, 'login_failed', T - HOUR), event(a, 'login_failed', T - HOUR, { ts: 'soon' })] : [event(a, 'login_failed', T - HOUR), event(a, 'login_failed', T - 2 * HOUR)], auth),
    );
    const replies = await Promise.all(sends);
    expect(replies.map((r) => r.status)).toEqual(accounts.map((_a, i) => (i === 7 ? 400 : 200)));
    expect(replies[7]!.body.error.details.row_errors).toEqual([{ row: 2, column: 'ts', reason: expect.stringContaining("'soon' is not a TIMESTAMP") }]);
    for (const r of replies) if (r.status === 200) expect(r.body.accepted).toBe(2);
    expect(await storedEvents()).toBe(before + 38);
    const read = await api.post('/v1/features/user', { keys: accounts.map((a) => [a]), features: ['failed_logins_24h'] });
    expect(read.body.results.map((r: any) => r.features.failed_logins_24h.value)).toEqual(accounts.map((_a, i) => (i === 7 ? 0 : 2)));
  });

  it('groups batches submitted together: one ingest, one online update, each batch answered with its own count', async () => {
    const queue = new IngestQueue(s.ws);
    const before = await storedEvents();
    const accounts = Array.from({ length: 10 }, (_v, i) => `u${String(130 + i).padStart(4, '0')}`);
    const bad = (() => {
      try {
        void queue.submit('app_events', [{ event_id: 'x' }]);
        return undefined;
      } catch (e) {
        return e as { code: string };
      }
    })();
    expect(bad?.code).toBe('bad_rows');
    const results = await Promise.all(accounts.map((a, i) => queue.submit('app_events', Array.from({ length: i + 1 }, () => event(a, 'login_failed', T - HOUR)))));
    expect(results.map((r) => r.accepted)).toEqual(accounts.map((_a, i) => i + 1));
    // One group: every batch reports the same online update, covering the ten keys, as of the newest event
    // ingested since the snapshot (T + 1 h, by the test above), not only of this group's.
    for (const r of results) expect(r.online).toEqual([{ entity: 'user', mode: 'keys', keys: 10, asOf: T + HOUR }]);
    expect(await storedEvents()).toBe(before + 55);
    const read = await api.post('/v1/features/user', { keys: accounts.map((a) => [a]), features: ['failed_logins_24h'] });
    expect(read.body.results.map((r: any) => r.features.failed_logins_24h.value)).toEqual(accounts.map((_a, i) => i + 1));
  });

  it('refuses a batch with a bad row whole, naming every bad row, and stores nothing', async () => {
    const before = await storedEvents();
    const vector = (await api.get('/v1/features/user/u0003')).body;
    const r = await api.post(
      '/v1/ingest/app_events',
      [event('u0003', 'login_failed', T - HOUR), event('u0003', 'login_failed', T - HOUR, { ts: 'yesterday' }), { event_id: 'x', event_type: 'login', ts: at(T) }, event('u0003', 'login', T)],
      auth,
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('bad_rows');
    expect(r.body.error.message).toContain('2 of 4 events are invalid; nothing was stored');
    expect(r.body.error.details.row_errors).toEqual([
      { row: 2, column: 'ts', reason: expect.stringContaining("'yesterday' is not a TIMESTAMP") },
      { row: 3, column: 'account_id', reason: 'missing (NULL) in a NOT NULL column' },
    ]);
    expect(await storedEvents()).toBe(before);
    expect((await api.get('/v1/features/user/u0003')).body).toEqual(vector);

    // Not objects at all.
    const junk = await api.post('/v1/ingest/app_events', [1, 'x'], auth);
    expect(junk.body.error.details.row_errors.map((e: { row: number }) => e.row)).toEqual([1, 2]);
  });

  it('reads NDJSON, naming lines in errors', async () => {
    const before = await storedEvents();
    const lines = [event('u0002', 'login_failed', T - 3 * HOUR), event('u0002', 'login', T - 2 * HOUR)].map((e) => JSON.stringify(e));
    const ok = await api.send('POST', '/v1/ingest/app_events', { headers: { 'content-type': 'application/x-ndjson', ...auth }, body: `${lines[0]}\n\n${lines[1]}\r\n` });
    expect(ok.status).toBe(200);
    expect(ok.body.accepted).toBe(2);
    expect(await storedEvents()).toBe(before + 2);
    expect(await failedLogins('u0002')).toMatchObject({ version: 1, value: 1, status: 'present', event_time: iso(T - 3 * HOUR) });

    const badRow = await api.send('POST', '/v1/ingest/app_events', {
      headers: { 'content-type': 'application/x-ndjson', ...auth },
      body: `${lines[0]}\n\n${JSON.stringify({ ...event('u0002', 'login', T), ts: 12 })}\n`,
    });
    expect(badRow.status).toBe(400);
    expect(badRow.body.error.details.row_errors).toEqual([{ row: 2, line: 3, column: 'ts', reason: expect.stringContaining('is not a TIMESTAMP') }]);

    const badJson = await api.send('POST', '/v1/ingest/app_events', { headers: { 'content-type': 'application/x-ndjson', ...auth }, body: `${lines[0]}\n{"event_id": \n` });
    expect([badJson.status, badJson.body.error.code, badJson.body.error.details]).toEqual([400, 'malformed_json', { line: 2 }]);
    expect(await storedEvents()).toBe(before + 2);
  });

  it('needs the bearer token for writes when one is set; reads stay open', async () => {
    const batch = [event('u0004', 'login', T)];
    const none = await api.post('/v1/ingest/app_events', batch);
    expect([none.status, none.body.error.code]).toEqual([401, 'unauthorized']);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await api.post('/v1/ingest/app_events', batch, { authorization: 'Bearer s3cret-tokem' });
    expect([wrong.status, wrong.body.error.message]).toEqual([401, 'the bearer token is wrong']);
    const short = await api.post('/v1/ingest/app_events', batch, { authorization: 'Bearer s' });
    expect(short.status).toBe(401);
    const basic = await api.post('/v1/ingest/app_events', batch, { authorization: 'Basic czNjcmV0LXRva2Vu' });
    expect(basic.status).toBe(401);
    // Refused before the body is read: a malformed body still gets 401.
    expect((await api.post('/v1/ingest/app_events', '{"oops')).status).toBe(401);
    expect((await api.post('/v1/ingest/app_events', batch, auth)).status).toBe(200);
    expect((await api.get('/v1/features/user/u0004')).status).toBe(200);
    // Without a token, no auth.
    expect((await openApi.post('/v1/ingest/app_events', [event('u0004', 'login', T)])).status).toBe(200);
    // The document says which.
    expect(api.doc.paths['/v1/ingest/{source}'].post.security).toEqual([{ bearer: [] }]);
    expect(openApi.doc.paths['/v1/ingest/{source}'].post.security).toBeUndefined();
  });

  it('refuses bodies over the limit with 413, and other bad requests with JSON', async () => {
    const small = await serve(s.dir, s.ws, { bodyLimitBytes: 2048 });
    try {
      const smallApi = await Api.open(small.url);
      const big = Array.from({ length: 40 }, (_v, i) => event('u0005', 'login', T - i * HOUR));
      expect(JSON.stringify(big).length).toBeGreaterThan(2048);
      const before = await storedEvents();
      const r = await smallApi.post('/v1/ingest/app_events', big);
      expect([r.status, r.body.error.code]).toEqual([413, 'body_too_large']);
      const nd = await smallApi.send('POST', '/v1/ingest/app_events', { headers: { 'content-type': 'application/x-ndjson' }, body: big.map((e) => JSON.stringify(e)).join('\n') });
      expect([nd.status, nd.body.error.code]).toEqual([413, 'body_too_large']);
      const lookup = await smallApi.post('/v1/features/user', { keys: Array.from({ length: 300 }, (_v, i) => [`u${i}`]) });
      expect([lookup.status, lookup.body.error.code]).toEqual([413, 'body_too_large']);
      expect(await storedEvents()).toBe(before);
      expect((await smallApi.post('/v1/ingest/app_events', big.slice(0, 5))).status).toBe(200);
    } finally {
      await small.server.close();
    }

    const cases: [string, unknown, number, string, string?][] = [
      ['/v1/ingest/app_event', [], 404, 'unknown_source', 'did you mean `app_events`?'],
      ['/v1/ingest/transactions', [event('u1', 'login', T)], 409, 'not_a_stream', 'not a STREAM source'],
      ['/v1/ingest/enriched_transactions', [], 409, 'not_a_stream', 'a view'],
      ['/v1/ingest/app_events', { events: [] }, 400, 'bad_request', 'body must be array'],
      ['/v1/ingest/app_events', '[{"event_id": "a",', 400, 'malformed_json'],
      ['/v1/ingest/app_events', '', 400, 'malformed_json'],
    ];
    for (const [path, body, status, code, message] of cases) {
      const r = await api.post(path, body, auth);
      expect([r.status, r.body.error.code], `${path} ${JSON.stringify(body)}`).toEqual([status, code]);
      if (message) expect(r.body.error.message).toContain(message);
    }
    const form = await api.send('POST', '/v1/ingest/app_events', { headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth }, body: 'a=1' });
    expect([form.status, form.body.error.code]).toEqual([415, 'unsupported_media_type']);
    const empty = await api.post('/v1/ingest/app_events', [], auth);
    expect(empty.body).toEqual({ source: 'app_events', accepted: 0, online: [] });
    // The raw reply of an error is JSON with the stable shape.
    const raw = await call(`${s.url}/v1/ingest/nope`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '[]' });
    expect(Object.keys(raw.body)).toEqual(['error']);
    expect(Object.keys(raw.body.error).sort()).toEqual(['code', 'message']);
  });
});
