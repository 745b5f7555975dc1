/**
 * `POST /v1/features/:entity` on node:http directly, ahead of fastify: a
 * lookup is the request served most and does little work of its own (its
 * response is bytes the store already holds), so fastify's per-request
 * machinery — routing, hooks, the body's parse and validation, the reply's
 * lifecycle — was about half of its CPU time (bench/README.md, `http`).
 *
 * The fast path takes only requests it can answer exactly as the fastify
 * route would, and hands every other to fastify unchanged:
 *
 * - before reading the body: POST, a path `/v1/features/NAME` (a plain name:
 *   no percent-encoding, no query string), `content-type: application/json`
 *   (with or without `charset=utf-8`), a `content-length` within the body
 *   limit, no `content-encoding`; and the server has no token to check and
 *   no request log (`createFastLookup` is not installed then);
 * - after reading it: the body decodes and parses as body.ts reads every JSON
 *   body, and has a shape the route's schema (schemas.ts `lookupBody`)
 *   admits — checked here more strictly than the schema, never less;
 * - the lookup answers: an error (an unknown entity, a bad key, …) goes to
 *   fastify, which looks up again and answers it in the API's error shape.
 *
 * A request handed over after its body was read has the body replayed: the
 * `preParsing` hook (`replayBody`) gives fastify the bytes read. The response
 * is the route's: status 200, the same `content-type` and `content-length`
 * headers, the same bytes (test/server/fast-lookup.test.ts compares them).
 */
import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { readJsonBody } from './body.js';
import { MAX_FEATURES, MAX_KEY_COLUMNS, MAX_NAME_LENGTH } from './schemas.js';

const PREFIX = '/v1/features/';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);
const JSON_TYPE = 'application/json; charset=utf-8';
/** The body read by the fast path, on a request it handed to fastify. */
const REPLAY = Symbol('fsql.replayBody');

type Raw = IncomingMessage & { [REPLAY]?: Buffer };

/** Requests answered here and handed to fastify after their body was read, in this process (tests read them). */
export const fastLookupCounts = { answered: 0, handedOver: 0 };

export interface FastLookupOptions {
  readonly bodyLimit: number;
  /** The route's work: the response's bytes (throws as the route would). */
  readonly lookup: (entity: string, keys: unknown[], features: string[] | undefined) => Promise<Buffer>;
  /** After a response was sent (the route's metrics): the entity, the number of keys, seconds from the request's start. */
  readonly served?: (entity: string, keys: number, seconds: number) => void;
}

/** The `preParsing` hook that gives fastify the body of a request the fast path read and handed over. Add it before the routes. */
export function replayBody(app: FastifyInstance): void {
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const body = (req.raw as Raw)[REPLAY];
    if (body === undefined) return done(null, payload);
    (req.raw as Raw)[REPLAY] = undefined;
    done(null, Readable.from([body], { objectMode: false }));
  });
}

/**
 * Puts the fast path in front of fastify's handler on `app.server` (after
 * `app.ready()` or before `listen`: the server exists from `Fastify()` on).
 * `app.inject` does not pass through it: it calls fastify's handler itself.
 */
export function installFastLookup(app: FastifyInstance, options: FastLookupOptions): void {
  const server = app.server;
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (handlers.length !== 1) return; // not the server fastify made: leave it alone
  const fastify = handlers[0]!;
  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!take(req, options.bodyLimit)) return fastify(req, res);
    const started = performance.now();
    const length = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      received += c.length;
    });
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      const handOver = () => {
        fastLookupCounts.handedOver++;
        (req as Raw)[REPLAY] = body;
        fastify(req, res);
      };
      if (received !== length) return handOver();
      let parsed: unknown;
      try {
        parsed = readJsonBody(body, req.headers['content-type']);
      } catch {
        return handOver();
      }
      if (!lookupBody(parsed)) return handOver();
      const entity = req.url!.slice(PREFIX.length);
      options.lookup(entity, parsed.keys, parsed.features).then(
        (bytes) => {
          res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': bytes.byteLength });
          res.end(bytes);
          fastLookupCounts.answered++;
          options.served?.(entity, parsed.keys.length, (performance.now() - started) / 1000);
        },
        handOver,
      );
    });
  });
}

/** Whether the fast path takes a request, from its line and headers. */
function take(req: IncomingMessage, bodyLimit: number): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url;
  if (url === undefined || !url.startsWith(PREFIX)) return false;
  const name = url.slice(PREFIX.length);
  if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) return false;
  const h = req.headers;
  const type = h['content-type'];
  if (type === undefined || !JSON_TYPES.has(type)) return false;
  if (h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined) return false;
  const length = h['content-length'];
  if (length === undefined || !/^\d{1,10}$/.test(length)) return false;
  return Number(length) <= bodyLimit;
}

/**
 * A body schemas.ts `lookupBody` admits, checked more strictly (what this
 * admits, the schema does): string lengths in UTF-16 units, which are never
 * fewer than the schema's code points.
 */
function lookupBody(b: unknown): b is { keys: unknown[]; features?: string[] } {
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return false;
  for (const k of Object.keys(b)) if (k !== 'keys' && k !== 'features') return false;
  const { keys, features } = b as { keys?: unknown; features?: unknown };
  if (!Array.isArray(keys)) return false;
  for (const key of keys) {
    if (Array.isArray(key)) {
      if (key.length > MAX_KEY_COLUMNS) return false;
    } else if (key !== null && typeof key === 'object') {
      const names = Object.keys(key);
      if (names.length > MAX_KEY_COLUMNS) return false;
      for (const n of names) if (n.length > MAX_NAME_LENGTH) return false;
    } else return false;
  }
  if (features === undefined) return !Object.hasOwn(b, 'features');
  if (!Array.isArray(features) || features.length > MAX_FEATURES) return false;
  for (const f of features) if (typeof f !== 'string' || f.length === 0 || f.length > MAX_NAME_LENGTH + 64) return false;
  return true;
}
