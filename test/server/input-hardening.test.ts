/**
 * Hostile input over real HTTP (issue 10, findings 1, 6, 7 and 10): every
 * refusal is a 4xx in the documented error shape, quotes at most a short
 * prefix of what was sent, and costs bounded work — huge names and deep JSON
 * are refused before any did-you-mean or parse runs; bytes that are not UTF-8,
 * charsets other than UTF-8, lone surrogates, and JSON numbers for TEXT are
 * refused rather than silently changed; the router's own errors, `__proto__`
 * and undeclared methods get the API's codes.
 */
import { request } from 'node:http';
import AjvModule from 'ajv';
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SUGGEST_CELLS, suggestionCells } from '../../src/diagnostics/suggest.js';
import { MAX_JSON_DEPTH, tooDeep } from '../../src/server/body.js';
import { ERROR_CODES } from '../../src/server/errors.js';
import { errorResponse } from '../../src/server/schemas.js';
import { Api, call, copyPayments, post, prepare, serve, T, type Served } from './support.js';

type AjvClass = new (options: Record<string, unknown>) => { compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown } };
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as unknown as AjvClass;
const isErrorBody = new Ajv({ strict: false, allowUnionTypes: true }).compile(errorResponse);

interface RawReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly body: any;
}

/** One request with exactly these bytes and this method (fetch refuses TRACE and rewrites some bodies). */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawReply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A refusal in the documented shape, with a code of errors.ts whose status is the reply's, and a short message. */
function expectError(r: { status: number; body: any; text: string }, status: number, code: string): void {
  expect([r.status, r.body?.error?.code], r.text.slice(0, 300)).toEqual([status, code]);
  expect(isErrorBody(r.body), r.text.slice(0, 300)).toBe(true);
  expect(ERROR_CODES[code as keyof typeof ERROR_CODES]).toBe(status);
  expect(r.body.error.message.length).toBeLessThan(400);
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Nesting depth of a parsed JSON value: the independent measure tooDeep must agree with. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (typeof v === 'object' && v !== null) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('the nesting check', () => {
  it('finds a bracket nested deeper than the limit exactly when the parsed value is deeper', () => {
    // Strings full of brackets, quotes and backslashes, so that skipping strings is what is tested.
    const text = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', '\\"'), maxLength: 8 });
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'large', withCrossShrink: true }, text, fc.integer(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(text, tie('v'), { maxKeys: 3 })),
    })).v;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 8 }), (v, max) => {
        const json = JSON.stringify(v);
        expect(tooDeep(json, max) >= 0).toBe(depthOf(v) > max);
        if (tooDeep(json, max) >= 0) expect('[{').toContain(json[tooDeep(json, max)]);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hostile input', { timeout: 120_000 }, () => {
  let s: Served;
  let api: Api;

  beforeAll(async () => {
    const dir = copyPayments();
    s = await serve(dir, await prepare(dir, T));
    api = await Api.open(s.url);
  }, 180_000);
  afterAll(async () => s?.close());

  async function storedEvents(): Promise<number> {
    const rows = await s.ws.exclusive(async () => (await s.ws.engine()).query('SELECT COUNT(*) AS n FROM app_events'));
    return Number(rows[0]!['n']);
  }

  describe('finding 1: names and nesting are bounded before any work', () => {
    it('a 5 MB feature name is refused by the schema: no did-you-mean runs, nothing of it is echoed', async () => {
      const before = suggestionCells();
      const huge = 'a'.repeat(5_000_000);
      const r = await api.post('/v1/features/user', { keys: [{ user_id: 'u0001' }], features: [huge] });
      expectError(r, 400, 'bad_request');
      expect(r.body.error.message).toBe('body/features/0 must NOT have more than 320 characters');
      expect(suggestionCells() - before).toBe(0);
      // The same for an entity, a source and an object name in the path (256 characters at most).
      const long = 'e'.repeat(257);
      expectError(await api.post(`/v1/features/${long}`, { keys: [] }), 400, 'bad_request');
      expectError(await api.get(`/v1/features/${long}/u1`), 400, 'bad_request');
      expectError(await api.post(`/v1/ingest/${long}`, []), 400, 'bad_request');
      expectError(await api.get(`/v1/registry/objects/${long}`), 400, 'bad_request');
      expectError(await api.get(`/v1/registry/lineage/${long}`), 400, 'bad_request');
      expectError(await api.get(`/v1/registry/objects?name=${long}`), 400, 'bad_request');
      expect(suggestionCells() - before).toBe(0);
    });

    it('an unknown name of the longest allowed length gets bounded did-you-mean work and a short message', async () => {
      const name = `spend_30d${'x'.repeat(247)}`;
      const before = suggestionCells();
      const r = await api.post('/v1/features/user', { keys: [{ user_id: 'u0001' }], features: [name] });
      expectError(r, 404, 'unknown_feature');
      expect(suggestionCells() - before).toBeLessThanOrEqual(MAX_SUGGEST_CELLS);
      // Comma-separated in a query string: each entry may be long; only its start is quoted back.
      const q = await api.get(`/v1/features/user/u0001?features=${'q'.repeat(4000)}`);
      expectError(q, 404, 'unknown_feature');
      expect(q.body.error.message).toContain(`\`${'q'.repeat(80)}…\``);
    });

    it('JSON nested deeper than the limit is refused before it is parsed, in bodies and NDJSON lines', async () => {
      const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
      const r = await raw(s.url, 'POST', '/v1/ingest/app_events', JSON_HEADERS, deep);
      expectError(r, 400, 'malformed_json');
      expect(r.body.error.message).toBe(`the body nests arrays and objects more than ${MAX_JSON_DEPTH} deep (at character ${MAX_JSON_DEPTH + 1})`);
      const obj = `{"keys":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}`;
      expectError(await raw(s.url, 'POST', '/v1/features/user', JSON_HEADERS, obj), 400, 'malformed_json');
      const nd = await raw(s.url, 'POST', '/v1/ingest/app_events', { 'content-type': 'application/x-ndjson' }, `{"event_id":"x"}\n${'['.repeat(100_000)}\n`);
      expectError(nd, 400, 'malformed_json');
      expect(nd.body.error.details).toEqual({ line: 2 });
      // Brackets inside strings do not count; the limit itself is fine.
      expect(tooDeep(`["${'['.repeat(1000)}"]`)).toBe(-1);
      expect(tooDeep(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBe(-1);
      expect(tooDeep(`["\\"", ${'['.repeat(MAX_JSON_DEPTH)}]`)).toBe(7 + MAX_JSON_DEPTH - 1);
      // The server still answers.
      expect((await api.get('/health')).status).toBe(200);
    });

    it('never quotes back more than a short prefix of a name', async () => {
      const name = 'k'.repeat(300_000);
      // An unknown field of the body.
      const field = await raw(s.url, 'POST', '/v1/features/user', JSON_HEADERS, JSON.stringify({ keys: [], [name]: 1 }));
      expectError(field, 400, 'bad_request');
      expect(field.body.error.message).toContain(`\`${'k'.repeat(60)}…\``);
      // A key column (over 256 characters: the schema).
      expectError(await api.post('/v1/features/user', { keys: [{ [name]: 'u1' }] }), 400, 'bad_request');
      // A key column the entity has not got.
      const col = await api.post('/v1/features/user', { keys: [{ [`x${'k'.repeat(200)}`]: 'u1' }] });
      expectError(col, 400, 'bad_key');
      // A long unknown path.
      const path = await raw(s.url, 'GET', `/v2/${'p'.repeat(5000)}`);
      expectError(path, 404, 'not_found');
    });
  });

  describe('finding 6: only UTF-8 and Unicode text', () => {
    it('a body that is not UTF-8 is a 400 bad_encoding naming the byte (and the NDJSON line), not read as U+FFFD', async () => {
      const before = await storedEvents();
      const body = Buffer.concat([Buffer.from('{"keys":[{"user_id":"u'), Buffer.from([0xff]), Buffer.from('1"}]}')]);
      const r = await raw(s.url, 'POST', '/v1/features/user', JSON_HEADERS, body);
      expectError(r, 400, 'bad_encoding');
      expect(r.body.error.details).toEqual({ byte: 23 });
      const event = (id: string) => `{"event_id":"${id}","account_id":"u0001","event_type":"login","ts":"2024-04-29 10:00:00"}`;
      const nd = Buffer.concat([Buffer.from(`${event('a')}\n${event('b').slice(0, 20)}`), Buffer.from([0xc3, 0x28]), Buffer.from(`${event('b').slice(20)}\n`)]);
      const n = await raw(s.url, 'POST', '/v1/ingest/app_events', { 'content-type': 'application/x-ndjson' }, nd);
      expectError(n, 400, 'bad_encoding');
      expect(n.body.error.details).toEqual({ byte: event('a').length + 1 + 20 + 1, line: 2 });
      // An overlong encoding and an encoded surrogate are not UTF-8 either.
      for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
        const b = Buffer.concat([Buffer.from('[{"event_id":"'), Buffer.from(bad), Buffer.from('"}]')]);
        expectError(await raw(s.url, 'POST', '/v1/ingest/app_events', JSON_HEADERS, b), 400, 'bad_encoding');
      }
      expect(await storedEvents()).toBe(before);
    });

    it('a charset other than UTF-8 is a 415; UTF-8 spelled any way is read', async () => {
      const body = JSON.stringify({ keys: [{ user_id: 'u0001' }], features: ['spend_30d'] });
      for (const charset of ['latin1', 'ISO-8859-1', 'utf-16', '"windows-1252"']) {
        const r = await raw(s.url, 'POST', '/v1/features/user', { 'content-type': `application/json; charset=${charset}` }, body);
        expectError(r, 415, 'unsupported_media_type');
        expect(r.body.error.message).toContain('send the body as UTF-8');
      }
      const nd = await raw(s.url, 'POST', '/v1/ingest/app_events', { 'content-type': 'application/x-ndjson; charset=latin1' }, '{}\n');
      expectError(nd, 415, 'unsupported_media_type');
      for (const charset of ['utf-8', 'UTF-8', 'utf8', '"utf-8"']) {
        const r = await raw(s.url, 'POST', '/v1/features/user', { 'content-type': `application/json; charset=${charset}` }, body);
        expect(r.status, charset).toBe(200);
      }
    });

    it('a lone UTF-16 surrogate is refused in a key and in an event, never acknowledged', async () => {
      const before = await storedEvents();
      const key = await raw(s.url, 'POST', '/v1/features/user', JSON_HEADERS, '{"keys":[{"user_id":"u\\ud800"}]}');
      expectError(key, 400, 'bad_key');
      expect(key.body.error.message).toBe("key 1: user_id: 'u\\ud800' holds a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF escape): not Unicode text");
      const batch = '[{"event_id":"s1","account_id":"u0001","event_type":"login","ts":"2024-04-29 10:00:00"},{"event_id":"s2","account_id":"u\\udc00","event_type":"login","ts":"2024-04-29 10:00:00"}]';
      const ev = await raw(s.url, 'POST', '/v1/ingest/app_events', JSON_HEADERS, batch);
      expectError(ev, 400, 'bad_rows');
      expect(ev.body.error.details.row_errors).toEqual([{ row: 2, column: 'account_id', reason: expect.stringContaining('lone UTF-16 surrogate') }]);
      expect(await storedEvents()).toBe(before);
      // A surrogate pair is one character, and fine.
      const pair = await raw(s.url, 'POST', '/v1/features/user', JSON_HEADERS, '{"keys":[{"user_id":"u\\ud83d\\ude00"}]}');
      expect(pair.status).toBe(200);
      expect(pair.body.results[0].key).toEqual({ user_id: 'u😀' });
    });

    it('a key that is not valid UTF-8 in a URL path is a 400 in the API shape', async () => {
      for (const path of ['/v1/features/user/%ED%A0%80', '/v1/features/user/%FF', '/v1/features/%zz', '/v1/registry/objects/%E2%82']) {
        expectError(await raw(s.url, 'GET', path), 400, 'bad_request');
      }
    });
  });

  describe('finding 7: JSON numbers are not TEXT', () => {
    it('a number for a TEXT key is refused (12345678901234567891 and …92 would be one key); digits as a string are read', async () => {
      for (const v of ['12345678901234567891', '12345678901234567892', '1e400', 'true', '12']) {
        const r = await raw(s.url, 'POST', '/v1/features/user', JSON_HEADERS, `{"keys":[{"user_id":${v}}]}`);
        expectError(r, 400, 'bad_key');
        expect(r.body.error.message).toMatch(/^key 1: user_id: (a JSON number|true) is not TEXT \(give TEXT values as JSON strings, in quotes\)$/);
      }
      const r = await api.post('/v1/features/user', { keys: [{ user_id: '12345678901234567891' }, ['12345678901234567892']] });
      expect(r.status).toBe(200);
      expect(r.body.results.map((x: { key: unknown }) => x.key)).toEqual([{ user_id: '12345678901234567891' }, { user_id: '12345678901234567892' }]);
    });

    it('an event with a number or a boolean in a TEXT column is refused whole, naming row and column', async () => {
      const before = await storedEvents();
      const batch = '[{"event_id":"n1","account_id":"u0001","event_type":"login","ts":"2024-04-29 10:00:00"},{"event_id":12345678901234567891,"account_id":"u0001","event_type":true,"ts":"2024-04-29 10:00:00"}]';
      const r = await raw(s.url, 'POST', '/v1/ingest/app_events', JSON_HEADERS, batch);
      expectError(r, 400, 'bad_rows');
      expect(r.body.error.details.row_errors).toEqual([
        { row: 2, column: 'event_id', reason: 'a JSON number is not TEXT (give TEXT values as JSON strings, in quotes)' },
        { row: 2, column: 'event_type', reason: 'true is not TEXT (give TEXT values as JSON strings, in quotes)' },
      ]);
      expect(await storedEvents()).toBe(before);
    });
  });

  describe('finding 10: every error in the documented shape', () => {
    it("the router's refusals: a malformed percent-encoding, an overlong path segment, oversized headers", async () => {
      expectError(await raw(s.url, 'GET', '/v1/features/%zz/u1'), 400, 'bad_request');
      expectError(await raw(s.url, 'GET', `/v1/features/user/${'a'.repeat(9000)}`), 414, 'uri_too_long');
      const big = await raw(s.url, 'GET', `/v1/features/user/u1?features=${'a'.repeat(70_000)}`);
      expectError(big, 431, 'headers_too_large');
      // The longest query string the schema admits, percent-encoded 3-byte characters (36 KiB), is read: a 400 from the schema, not a 431.
      expectError(await raw(s.url, 'GET', `/v1/features/user/u1?features=${encodeURIComponent('€'.repeat(4097))}`), 400, 'bad_request');
    });

    it('`__proto__` is an ordinary key: refused as an unknown field, a key column the entity has not got, ignored in an event', async () => {
      const top = await raw(s.url, 'POST', '/v1/features/user', JSON_HEADERS, '{"keys":[],"__proto__":{"x":1}}');
      expectError(top, 400, 'bad_request');
      expect(top.body.error.message).toBe('body must NOT have additional properties (`__proto__`)');
      const key = await raw(s.url, 'POST', '/v1/features/user', JSON_HEADERS, '{"keys":[{"__proto__":"u1"}]}');
      expectError(key, 400, 'bad_key');
      expect(key.body.error.message).toBe('key 1: the user key has no column `__proto__` (its key is user_id)');
      const before = await storedEvents();
      const ev = await raw(s.url, 'POST', '/v1/ingest/app_events', JSON_HEADERS, '[{"event_id":"p1","account_id":"u0002","event_type":"login","ts":"2024-04-29 10:00:00","__proto__":{"polluted":true}}]');
      expect([ev.status, ev.body.accepted]).toEqual([200, 1]);
      expect(await storedEvents()).toBe(before + 1);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('a known path with a method it has not: 405 method_not_allowed with Allow, before the body is read', async () => {
      const cases: [string, string, string][] = [
        ['DELETE', '/v1/features/user', 'POST'],
        ['PUT', '/health', 'GET, HEAD'],
        ['TRACE', '/v1/entities', 'GET, HEAD'],
        ['PATCH', '/v1/registry/objects/spend_30d', 'GET, HEAD'],
        ['GET', '/v1/ingest/app_events', 'POST'],
        ['OPTIONS', '/v1/features/user/u0001', 'GET, HEAD'],
        ['QUERY', '/v1/registry/objects/card?version=1', 'GET, HEAD'],
      ];
      for (const [method, path, allow] of cases) {
        const r = await raw(s.url, method, path, { 'content-type': 'text/plain' }, 'x');
        expectError(r, 405, 'method_not_allowed');
        expect(r.headers['allow'], `${method} ${path}`).toBe(allow);
        expect(r.body.error.details).toEqual({ allow: allow.split(', ') });
      }
      // HEAD of a GET route is served; an unknown path is still a 404.
      expect((await raw(s.url, 'HEAD', '/health')).status).toBe(200);
      expectError(await raw(s.url, 'DELETE', '/v1/nothing'), 404, 'not_found');
    });

    it('the error codes are listed in docs/http-api.md', async () => {
      const { readFileSync } = await import('node:fs');
      const docs = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');
      const missing = Object.entries(ERROR_CODES).filter(([code, status]) => !new RegExp(`\\| ${status} \\| [^\\n]*\`${code}\``).test(docs));
      expect(missing).toEqual([]);
    });
  });

  it('answers a good lookup as before', async () => {
    const r = await post(`${s.url}/v1/features/user`, { keys: [{ user_id: 'u0001' }], features: ['spend_30d'] });
    expect(r.status).toBe(200);
    expect(r.body.results[0].found).toBe(true);
    expect((await call(`${s.url}/health`)).status).toBe(200);
  });
});
