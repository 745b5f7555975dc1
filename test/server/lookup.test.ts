/**
 * Feature lookups over real HTTP on a copy of examples/payments, materialized
 * at T = 2024-04-30 00:00 UTC. Served values are compared with the rows of a
 * training set whose labels are (k, T) — the same features computed by the
 * training plan family — and statuses and event times with what the data
 * files say, worked out here from transactions.csv.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingSet } from '../../src/runtime/train.js';
import { Api, copyPayments, ISO_TIME, PAYMENTS, prepare, serve, T, type Served } from './support.js';

/** Users of the example (u0012 and u0150 have no transaction), and a key no relation holds. */
const PROBE_USERS = ['u0001', 'u0006', 'u0012', 'u0050', 'u0101', 'u0150', 'u0200', 'nobody'];

/** Extra objects for the test: TIMESTAMP and DATE features, a DATE-keyed entity, and training sets with labels at (k, T). */
const EXTRA = {
  'probe.fsql': `
CREATE FEATURE last_txn_at ENTITY user FROM transactions AS created_at;
CREATE FEATURE signup ENTITY user FROM users AS signup_date;
CREATE ENTITY spend_day KEY (txn_day DATE);
CREATE ENTITY device KEY (device_id TEXT);
CREATE FEATURE day_users ENTITY spend_day FROM user_daily_spend AS COUNT(*) WINDOW 2 DAYS;
CREATE SOURCE probes (user_id TEXT NOT NULL, at TIMESTAMP NOT NULL, y INTEGER) FROM FILE 'data/probes.csv' FORMAT CSV EVENT TIME at;
CREATE LABEL probe ENTITY user FROM probes AS y;
CREATE TRAINING SET probe_latest LABEL probe FEATURES (txn_count_7d, spend_30d, avg_amount_7d, max_amount_24h, last_channel, home_country,
  user_age, cross_border_spend_30d, active_days_30d, failed_logins_24h, last_txn_at, signup);
CREATE TRAINING SET probe_v1 LABEL probe FEATURES (avg_amount_7d VERSION 1);
`,
  'data/probes.csv': `user_id,at,y\n${PROBE_USERS.map((u) => `${u},2024-04-30 00:00:00,1`).join('\n')}\n`,
};

const micros = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`) * 1000;

/** Every user's newest transaction time at or before T, from the data file. */
function lastTransactions(): Map<string, number> {
  const lines = readFileSync(join(PAYMENTS, 'data', 'transactions.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const [u, at] = [header.indexOf('user_id'), header.indexOf('created_at')];
  const last = new Map<string, number>();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const t = micros(f[at]!);
    if (t <= T && t > (last.get(f[u]!) ?? -Infinity)) last.set(f[u]!, t);
  }
  return last;
}

function iso(us: number): string {
  return new Date(us / 1000).toISOString().replace('.000Z', 'Z');
}

function expectSame(served: unknown, expected: unknown, where: string) {
  if (typeof expected === 'number' && typeof served === 'number') {
    expect(Math.abs(served - expected), `${where}: ${served} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else expect(served, where).toEqual(expected);
}

describe('feature lookups', { timeout: 60_000 }, () => {
  let s: Served;
  let api: Api;

  beforeAll(async () => {
    const dir = copyPayments(EXTRA);
    s = await serve(dir, await prepare(dir));
    api = await Api.open(s.url);
  }, 120_000);
  afterAll(async () => s?.close());

  it('serve, for one key and many, the values of a training row of a label (k, T)', async () => {
    const latest = await buildTrainingSet(s.ws, 'probe_latest');
    const v1 = await buildTrainingSet(s.ws, 'probe_v1');
    const rows = new Map<string, Record<string, unknown>>();
    for (const t of [latest, v1]) {
      for (const r of t.table.rows) {
        const rec = Object.fromEntries(t.table.columns.map((c, i) => [c, r[i]]));
        const k = String(rec['user_id']);
        rows.set(k, { ...rows.get(k), ...(t === v1 ? { avg_amount_7d__v1: rec['avg_amount_7d'] } : rec) });
      }
    }
    expect([...rows.keys()].sort()).toEqual([...PROBE_USERS].sort());

    const many = await api.post('/v1/features/user', { keys: PROBE_USERS.map((u) => ({ user_id: u })), features: [...latest.plan.transforms.map((t) => t.feature.name), 'avg_amount_7d@1'] });
    expect(many.status).toBe(200);
    expect(many.body.entity).toBe('user');
    expect(many.body.results.map((r: any) => r.key.user_id)).toEqual(PROBE_USERS);
    let compared = 0;
    for (const r of many.body.results) {
      const row = rows.get(r.key.user_id)!;
      // A key the store has not got: every feature missing, with the values of a training row for a key with no data.
      expect(r.found).toBe(r.key.user_id !== 'nobody');
      if (!r.found) for (const cell of Object.values(r.features) as { status: string; event_time: unknown }[]) expect([cell.status, cell.event_time]).toEqual(['missing', null]);
      for (const t of latest.plan.transforms) {
        const cell = r.features[t.feature.name];
        expect(cell.version, t.feature.name).toBe(t.feature.version);
        if (t.outputs.length === 1 && t.outputs[0]!.name === t.feature.name) {
          const type = t.outputs[0]!.type;
          const expected = row[t.feature.name] as number | null;
          // The training table holds canonical values: render TIMESTAMP and DATE as the API does.
          const want = expected === null ? null : type === 'TIMESTAMP' ? iso(expected) : type === 'DATE' ? iso(expected * 86_400_000_000).slice(0, 10) : expected;
          expectSame(cell.value, want, `${r.key.user_id} ${t.feature.name}`);
        } else {
          expect(Object.keys(cell.values)).toEqual(t.outputs.map((o) => o.name));
          for (const o of t.outputs) expectSame(cell.values[o.name], row[o.name], `${r.key.user_id} ${o.name}`);
        }
        compared++;
      }
      expect(r.features['avg_amount_7d@1'].version).toBe(1);
      // An older version for a key with no row in its relation (no transaction) is its FILL, as in training.
      expectSame(r.features['avg_amount_7d@1'].value, row['avg_amount_7d__v1'], `${r.key.user_id} avg_amount_7d@1`);
    }
    expect(compared).toBe(PROBE_USERS.length * 12);

    // One key (all features, GET and POST) agrees with the many-key answer.
    const one = await api.get('/v1/features/user/u0050');
    const onePost = await api.post('/v1/features/user', { keys: [['u0050']] });
    expect(one.body).toEqual(onePost.body);
    const fromMany = many.body.results.find((r: any) => r.key.user_id === 'u0050');
    for (const [name, cell] of Object.entries(fromMany.features)) {
      if (name.includes('@')) continue;
      expect(one.body.results[0].features[name], name).toEqual(cell);
    }
  });

  it('give statuses and event times as the data says, TIMESTAMP and DATE values as text', async () => {
    const last = lastTransactions();
    const users = readFileSync(join(PAYMENTS, 'data', 'users.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const r = await api.post('/v1/features/user', { keys: users.map((u) => [u[0]]), features: ['last_channel', 'last_txn_at', 'signup', 'home_country', 'failed_logins_24h'] });
    expect(r.status).toBe(200);
    const seen = new Set<string>();
    r.body.results.forEach((res: any, i: number) => {
      const [id, , signup] = users[i]!;
      expect(res.key).toEqual({ user_id: id });
      const t = last.get(id!);
      const lc = res.features.last_channel;
      const status = t === undefined ? 'missing' : t < T - 14 * 86_400_000_000 ? 'outside_ttl' : 'present';
      seen.add(status);
      expect(lc.status, id).toBe(status);
      expect(lc.event_time, id).toBe(t === undefined ? null : iso(t));
      expect(Object.keys(lc.values)).toEqual(['last_channel__online', 'last_channel__pos', 'last_channel__atm']);
      const at = res.features.last_txn_at;
      expect(at.value).toBe(t === undefined ? null : iso(t));
      if (at.value !== null) expect(at.value).toMatch(ISO_TIME);
      expect(res.features.signup.value).toBe(signup === '' ? null : signup);
      // A dimension feature has no event time.
      expect(res.features.home_country.event_time).toBeNull();
      // The stream is empty: COUNT is 0, from no row.
      // Every value says the time it holds as of: the materialize time (docs/online-stores.md, "Fresh values").
      expect(res.features.failed_logins_24h).toEqual({ version: 1, value: 0, status: 'missing', event_time: null, as_of: iso(T) });
    });
    expect([...seen].sort()).toEqual(['missing', 'outside_ttl', 'present']);
  });

  it('answer in the order asked, repeated keys included; a key not stored is found: false', async () => {
    const r = await api.post('/v1/features/user', { keys: [['u0003'], { user_id: 'nobody' }, ['u0001'], ['u0003']], features: ['spend_30d', 'home_country'] });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => [x.key.user_id, x.found])).toEqual([
      ['u0003', true],
      ['nobody', false],
      ['u0001', true],
      ['u0003', true],
    ]);
    expect(r.body.results[3]).toEqual(r.body.results[0]);
    // Values of a key with no data (FILL ZERO, then SCALE LOG; FILL 'unknown' is none of the top five countries).
    expect(r.body.results[1].features).toEqual({
      spend_30d: { version: 1, value: 0, status: 'missing', event_time: null, as_of: iso(T) },
      home_country: { version: 1, values: { home_country__US: 0, home_country__GB: 0, home_country__FR: 0, home_country__DE: 0, home_country__ES: 0 }, status: 'missing', event_time: null, as_of: iso(T) },
    });
    // No keys: no results.
    expect((await api.post('/v1/features/user', { keys: [] })).body).toEqual({ entity: 'user', results: [] });
  });

  it('serve the highest version by default, an older one by name@version', async () => {
    const all = await api.get('/v1/features/user/u0001');
    expect(all.body.results[0].features.avg_amount_7d.version).toBe(2);
    expect(Object.keys(all.body.results[0].features)).not.toContain('avg_amount_7d@1');
    const both = await api.get('/v1/features/user/u0001?features=avg_amount_7d@1,avg_amount_7d@2,AVG_AMOUNT_7D');
    expect(Object.keys(both.body.results[0].features)).toEqual(['avg_amount_7d@1', 'avg_amount_7d@2', 'avg_amount_7d']);
    expect(both.body.results[0].features['avg_amount_7d@2']).toEqual(both.body.results[0].features['avg_amount_7d']);
    expect(both.body.results[0].features['avg_amount_7d@1'].version).toBe(1);
  });

  it('read keys with the entity key types: a DATE key given as text', async () => {
    const r = await api.get('/v1/features/spend_day/2024-04-29');
    expect(r.status).toBe(200);
    expect(r.body.results[0].key).toEqual({ txn_day: '2024-04-29' });
    expect(r.body.results[0].found).toBe(true);
    expect(r.body.results[0].features.day_users.value).toBeGreaterThan(0);
    const bad = await api.get('/v1/features/spend_day/yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_key');
    expect(bad.body.error.message).toContain('is not a DATE');
  });

  it('refuse bad requests with JSON errors', async () => {
    const cases: [unknown, number, string, string?][] = [
      [{ keys: [['u0001']], features: ['spend30d'] }, 404, 'unknown_feature', 'did you mean `spend_30d`?'],
      [{ keys: [['u0001']], features: ['card_min_amount_24h'] }, 404, 'unknown_feature', 'a feature of entity card'],
      [{ keys: [['u0001']], features: ['spend_30d@7'] }, 404, 'unknown_feature', 'not registered (versions: 1)'],
      [{ keys: [['u0001']], features: ['spend_30d', 'SPEND_30D'] }, 400, 'bad_request', 'listed twice'],
      [{ keys: [['u0001']], features: ['spend_30d@x'] }, 400, 'bad_request', 'name@version'],
      [{ keys: [['u0001', 'u0002']] }, 400, 'bad_key', 'key 1: 2 value(s) given'],
      [{ keys: [['u0001'], { userid: 'u1' }] }, 400, 'bad_key', 'key 2: the user key has no column `userid`'],
      [{ keys: [{ user_id: null }] }, 400, 'bad_key', 'a NULL key matches nothing'],
      [{ keys: [{}] }, 400, 'bad_key', 'no value for user_id'],
      [{ keys: 'u0001' }, 400, 'bad_request'],
      [{ keys: [['u0001']], extra: 1 }, 400, 'bad_request', '`extra`'],
      [{}, 400, 'bad_request', "required property 'keys'"],
      [[1, 2], 400, 'bad_request'],
      ['{"keys": [', 400, 'malformed_json'],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await api.post('/v1/features/user', body);
      expect([r.status, r.body.error.code], JSON.stringify(body)).toEqual([status, code]);
      if (message) expect(r.body.error.message).toContain(message);
    }
    const unknown = await api.post('/v1/features/usr', { keys: [] });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_entity']);
    expect(unknown.body.error.message).toContain('did you mean `user`?');
    const wrongType = await api.send('POST', '/v1/features/user', { headers: { 'content-type': 'text/plain' }, body: 'u0001' });
    expect([wrongType.status, wrongType.body.error.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('refuse more keys than the limit', async () => {
    const limited = await serve(s.dir, s.ws, { maxKeys: 3 });
    try {
      const r = await (await Api.open(limited.url)).post('/v1/features/user', { keys: [['a'], ['b'], ['c'], ['d']] });
      expect([r.status, r.body.error.code, r.body.error.details]).toEqual([400, 'too_many_keys', { max_keys: 3 }]);
      expect((await (await Api.open(limited.url)).post('/v1/features/user', { keys: [['a'], ['b'], ['c']] })).status).toBe(200);
    } finally {
      await limited.server.close();
    }
  });

  it('say when an entity has no online snapshot', async () => {
    const r = await api.post('/v1/features/device', { keys: [['d1']] });
    expect([r.status, r.body.error.code]).toEqual([409, 'not_materialized']);
    expect(r.body.error.message).toContain('fsql materialize');
  });
});
