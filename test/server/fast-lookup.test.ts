/**
 * `POST /v1/features/:entity` answered on node:http ahead of fastify
 * (src/server/fast-lookup.ts) must be the fastify route's answer: the same
 * status, `content-type`, `content-length` and bytes. Each request goes over a
 * real socket (the fast path, or fastify when the fast path hands it over) and,
 * the same, through `app.inject` (fastify's handler alone, never the fast path).
 * Requests the fast path must hand over (an unknown entity, bodies the schema
 * refuses, other content types, chunked bodies) get fastify's answer too.
 */
import http from 'node:http';
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastLookupCounts } from '../../src/server/fast-lookup.js';
import { copyPayments, prepare, serve, type Served } from './support.js';

interface Raw {
  readonly status: number;
  readonly type: string | undefined;
  readonly length: string | undefined;
  readonly body: string;
  /** Every header but those of the connection (`date`, `connection`, `keep-alive`, `transfer-encoding`), with its value. */
  readonly headers: Record<string, string>;
}

const CONNECTION_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
const own = (h: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter(([k]) => !CONNECTION_HEADERS.has(k.toLowerCase())).map(([k, v]) => [k.toLowerCase(), String(v)]));

/** One request over a socket, with exactly these headers (and `chunked`: the body in two chunks, no content-length). */
function raw(url: string, path: string, body: string, headers: Record<string, string>, chunked = false): Promise<Raw> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path, method: 'POST', headers: chunked ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], length: res.headers['content-length'], body: Buffer.concat(chunks).toString('utf8'), headers: own(res.headers) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (chunked) {
      const half = Math.floor(body.length / 2);
      req.write(body.slice(0, half));
      req.end(body.slice(half));
    } else req.end(body);
  });
}

let s: Served;
beforeAll(async () => {
  const dir = copyPayments();
  s = await serve(dir, await prepare(dir));
}, 120_000);
afterAll(async () => s?.close());

/** The fastify route's own answer (inject never passes through the fast path). */
async function injected(path: string, body: string, headers: Record<string, string>): Promise<Raw> {
  const r = await s.server.app.inject({ method: 'POST', url: path, payload: body, headers });
  const type = r.headers['content-type'];
  const length = r.headers['content-length'];
  return { status: r.statusCode, type: type === undefined ? undefined : String(type), length: length === undefined ? undefined : String(length), body: r.body, headers: own(r.headers) };
}

async function same(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, chunked = false): Promise<Raw> {
  const [a, b] = [await raw(s.url, path, body, headers, chunked), await injected(path, body, headers)];
  expect(a.status).toBe(b.status);
  expect(a.type).toBe(b.type);
  expect(a.body).toBe(b.body);
  if (!chunked) expect(a.length).toBe(String(Buffer.byteLength(a.body)));
  expect(a.headers).toEqual(b.headers);
  return a;
}

describe('fast lookups answer as the fastify route does', () => {
  it('for keys as arrays and as objects, some unknown, with and without a feature list', async () => {
    const before = fastLookupCounts.answered;
    const ok = await same('/v1/features/user', JSON.stringify({ keys: [['u0001'], ['u0006'], ['nobody']] }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).results).toHaveLength(3);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [{ user_id: 'u0050' }], features: ['txn_count_7d', 'spend_30d'] }))).status).toBe(200);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [] }))).status).toBe(200);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [['u0001']] }), { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    expect(fastLookupCounts.answered - before).toBe(4);
  });

  it('for requests it hands over: errors in the API shape, other types, chunked bodies', async () => {
    const before = fastLookupCounts.handedOver;
    expect((await same('/v1/features/nosuch', JSON.stringify({ keys: [['u1']] }))).status).toBe(404);
    expect((await same('/v1/features/user', JSON.stringify({ keys: 'u0001' }))).status).toBe(400);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [['u0001']], extra: 1 }))).status).toBe(400);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [['u0001']], features: ['no_such_feature'] }))).status).toBe(404);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [['u0001']], features: [''] }))).status).toBe(400);
    expect((await same('/v1/features/user', '{"keys": [["u0001"]')).status).toBe(400);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [['u0001', 'x']] }))).status).toBe(400);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [['u0001']] }), { 'content-type': 'application/json; charset=latin1' })).status).toBe(415);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [['u0001']] }), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await same('/v1/features/user?x=1', JSON.stringify({ keys: [['u0001']] }))).status).toBe(200);
    expect((await same('/v1/features/us%65r', JSON.stringify({ keys: [['u0001']] }))).status).toBe(200);
    expect((await same('/v1/features/user', JSON.stringify({ keys: [['u0001'], ['u0006']] }), { 'content-type': 'application/json' }, true)).status).toBe(200);
    // Read, then handed over: the unknown entity and feature, the bodies the schema refuses, the JSON that does not parse.
    expect(fastLookupCounts.handedOver - before).toBe(7);
  });

  it('for any body made of keys, features and stray fields', async () => {
    const key = fc.oneof(fc.constantFrom('u0001', 'u0101', 'nobody', ''), fc.integer(), fc.constant(null));
    const body = fc.record(
      {
        keys: fc.oneof(fc.array(fc.oneof(fc.array(key, { maxLength: 2 }), fc.record({ user_id: key }), key), { maxLength: 4 }), key),
        features: fc.array(fc.constantFrom('txn_count_7d', 'spend_30d', 'spend_30d@1', 'nope', ''), { maxLength: 3 }),
        other: fc.string(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        await same('/v1/features/user', JSON.stringify(b));
      }),
      { numRuns: 60 },
    );
  });
});
