/**
 * `fsql serve`: the HTTP API of a workspace on fastify.
 *
 *   POST /v1/features/:entity          feature vectors of many keys (lookup.ts)
 *   GET  /v1/features/:entity/:key     … of one key of a one-column key
 *   POST /v1/ingest/:source            events for a STREAM source (JSON array or NDJSON; ingest-queue.ts)
 *   POST /v1/training-sets/:name, /v1/historical-features, /v1/sources/:name/rows   tables (data-routes.ts)
 *   GET  /v1/registry/objects[/:name]  registered objects; one with everything known
 *   GET  /v1/registry/lineage/:name    source → view → feature → training set edges
 *   GET  /v1/entities                  entities, keys and online state
 *   GET  /v1/monitoring/drift, /v1/monitoring/freshness   drift and freshness (src/runtime/drift.ts, freshness.ts)
 *   GET  /health, GET /openapi.json, GET /metrics (Prometheus text: metrics.ts)
 *   GET  /, /assets/:file              the web UI's static files (ui-static.ts; not in /openapi.json)
 *
 * `serving: false` (`fsql ui`) leaves out lookups, ingest and tables.
 *
 * Every error is JSON (errors.ts). Request bodies are validated with the
 * schemas of schemas.ts, which also document the responses and make up
 * /openapi.json. Responses are written with JSON.stringify, except lookups,
 * which write their JSON text directly (the hot path).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { keyOf } from '../check/catalog.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { Workspace } from '../runtime/workspace.js';
import { checkCharset, decodeBody, parseJsonText, readJsonBody } from './body.js';
import { ApiError, toApiError } from './errors.js';
import { IngestQueue } from './ingest-queue.js';
import { settleOwedUpdates } from '../runtime/online-updates.js';
import { FeatureLookup } from './lookup.js';
import { installFastLookup, replayBody } from './fast-lookup.js';
import { ServerMetrics, workerMetrics } from './metrics.js';
import { kafkaHealthJson, registerKafkaMetrics } from './kafka-status.js';
import { refreshHealthJson, registerRefreshMetrics } from './refresh-status.js';
import type { RefreshStatusSource } from '../runtime/refresh-scheduler.js';
import type { KafkaStatusSource } from '../runtime/kafka.js';
import { driftJson, freshnessJson } from './monitoring-json.js';
import { drift } from '../runtime/drift.js';
import { freshness } from '../runtime/freshness.js';
import { dataRoutes } from './data-routes.js';
import { openapiDocument, type RouteDoc } from './openapi.js';
import { isoTimestamp } from './render.js';
import { checkObject, entitiesJson, healthJson, lineageJson, objectJson, objectSummaryJson } from './registry-json.js';
import * as S from './schemas.js';
import { objectFilter } from './registry-search.js';
import { defaultUiDir, uiRoutes } from './ui-static.js';

export interface ServerOptions {
  /** Bearer token that writes (ingest) need; no auth when undefined or empty. */
  readonly token?: string;
  /** Largest request body in bytes (default: the config's server.bodyLimitBytes, 10 MiB). */
  readonly bodyLimitBytes?: number;
  /** Most keys in one lookup (default: the config's server.maxKeys, 1000). */
  readonly maxKeys?: number;
  /** Memory for the bytes of recently served vectors (default: the config's server.renderCacheBytes, 64 MiB; 0: none). */
  readonly renderCacheBytes?: number;
  /** The web UI's built files (ui-static.ts): a folder, `false` for none; default: dist/ui of the package when built. */
  readonly ui?: string | false;
  /** Serve lookups, ingest and tables (default true); false: the registry, entities, health and the UI only (`fsql ui`). */
  readonly serving?: boolean;
  /** fastify's request log (default off). */
  readonly logger?: boolean;
  /**
   * Answer `POST /v1/features/:entity` on node:http ahead of fastify, with the same bytes, when no token or
   * request log needs fastify (fast-lookup.ts; default true). false: every request through fastify (bench/http.ts compares the two).
   */
  readonly fastLookup?: boolean;
  /** A worker of `fsql serve --workers`: `/metrics` answers with every worker's metrics, gathered by the primary (metrics.ts). */
  readonly clusterMetrics?: boolean;
  /** A Kafka consumer running in this process: its lag in `/health` and `/metrics` (kafka-status.ts). */
  readonly kafka?: KafkaStatusSource;
  /** The scheduled refresh of `fsql serve --refresh` (refresh-status.ts): its last run in `/health` and `/metrics`. */
  readonly refresh?: RefreshStatusSource;
  /** Called with what caused a 500 (default: a line and the stack on stderr, or fastify's log when `logger` is on). */
  readonly onInternalError?: (error: unknown, request: { readonly method: string; readonly url: string }) => void;
}

export interface StartOptions extends ServerOptions {
  /** Default: the config's server.host (127.0.0.1). */
  readonly host?: string;
  /** Default: the config's server.port (8080); 0 for any free port. */
  readonly port?: number;
}

export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  /** Stops accepting requests and waits for those in flight (the workspace stays open: its owner closes it). */
  close(): Promise<void>;
}

/** Body content types read besides application/json: one JSON value per line. */
export const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl'] as const;

const JSON_TYPE = 'application/json; charset=utf-8';
/** The line of each NDJSON record, kept on the parsed array for error messages. */
const LINES = Symbol('lines');

function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'fsql' && pkg.version) return pkg.version;
    } catch {
      // try the next
    }
  }
  return '0.0.0';
}

/** NDJSON (decoded) → an array of values (blank lines skipped); a bad line is a 400 naming it. */
export function parseNdjson(text: string): unknown[] {
  const records: unknown[] = [];
  const lines: number[] = [];
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const raw = text.slice(start, end);
    start = end + 1;
    if (raw.trim() === '') continue;
    try {
      records.push(parseJsonText(raw, `line ${line}`));
    } catch (e) {
      throw e instanceof ApiError ? new ApiError(e.code, e.message, { line }) : e;
    }
    lines.push(line);
  }
  Object.defineProperty(records, LINES, { value: lines, enumerable: false });
  return records;
}

function tokenCheck(token: string | undefined): ((req: FastifyRequest) => void) | undefined {
  if (token === undefined || token === '') return undefined;
  const expected = createHash('sha256').update(token, 'utf8').digest();
  return (req) => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer[ \t]+(.+)$/i.exec(header) : null;
    // Compare digests: equal lengths, and the time does not depend on where they differ.
    const given = createHash('sha256').update(m ? m[1]!.trim() : '', 'utf8').digest();
    if (!m || !timingSafeEqual(given, expected)) {
      throw new ApiError('unauthorized', header === undefined ? 'this server needs `Authorization: Bearer <token>` for writes' : 'the bearer token is wrong');
    }
  };
}

/** `?version=N` (validated as digits by the schema). */
function versionOf(query: unknown): number | undefined {
  const v = (query as { version?: string }).version;
  return v === undefined ? undefined : Number(v);
}

function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  if (e.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
  return reply.code(e.status).type(JSON_TYPE).send(JSON.stringify(e.body()));
}

/** The longest path parameter (an entity, a key, a name) the router reads; longer is a 414. Names are also limited to 256 characters by the schemas. */
const MAX_PARAM_LENGTH = 8192;
/** The most bytes of request line and headers Node reads; more is a 431. */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Errors Node's HTTP parser finds before fastify sees a request (headers over
 * 16 KiB, a malformed request line, a slow client), in the API's error shape;
 * the connection is then closed, as Node does.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError('headers_too_large', `the request line and headers are larger than the server reads (${MAX_HEADER_BYTES / 1024} KiB)`)
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ApiError('request_timeout', 'the request was not received in time')
        : new ApiError('bad_request', 'the request is not valid HTTP');
  const body = JSON.stringify(e.body());
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${e.status} ${STATUS_TEXT[e.status] ?? 'Error'}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** A route's URL pattern (`/v1/features/:entity`) as a regular expression over request paths. */
function pathPattern(url: string): RegExp {
  return new RegExp(`^${url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
}

/** The server of a workspace, ready for `listen` or `inject`. */
export async function buildServer(ws: Workspace, options: ServerOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimitBytes ?? ws.config.server.bodyLimitBytes;
  const maxKeys = options.maxKeys ?? ws.config.server.maxKeys;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    // Node's default (16 KiB) is below what the schemas admit for a query string percent-encoded (4096 characters of 3-byte UTF-8: 36 KiB).
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router's own refusals (a malformed percent-encoding, an overlong path segment) in the API's error shape.
    frameworkErrors: (error, _req, reply) => {
      void sendError(reply, toApiError(error));
    },
    clientErrorHandler,
    // While closing, requests on open connections are still answered (by the routes, in the API's error shape if at all), rather than with fastify's own 503 body.
    return503OnClosing: false,
    // Unknown body fields are refused, not silently dropped; nothing is coerced (`"keys": "u1"` is not a list of keys).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allowUnionTypes: true } },
  });
  // Response schemas document the routes (and the tests check responses against them); JSON.stringify writes them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const routes: RouteDoc[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const config = (r.config ?? {}) as { auth?: boolean; bodyTypes?: readonly string[]; bodyContent?: RouteDoc['bodyContent']; hidden?: boolean };
    for (const m of methods) {
      if (m === 'HEAD') continue;
      routes.push({
        method: m,
        url: r.url,
        schema: (r.schema ?? {}) as RouteDoc['schema'],
        auth: config.auth === true,
        ...(config.hidden ? { hidden: true } : {}),
        ...(config.bodyTypes ? { bodyTypes: config.bodyTypes } : {}),
        ...(config.bodyContent ? { bodyContent: config.bodyContent } : {}),
      });
    }
  });

  // JSON and NDJSON only: a text/plain body is a 415, not a string. Both are read from bytes by body.ts:
  // UTF-8 only (a charset other than UTF-8 is a 415, invalid bytes a 400), nesting bounded before parsing.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, readJsonBody(body as Buffer, req.headers['content-type']));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addContentTypeParser([...NDJSON_TYPES], { parseAs: 'buffer' }, (req, body, done) => {
    try {
      checkCharset(req.headers['content-type']);
      done(null, parseNdjson(decodeBody(body as Buffer, true)));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  const onInternalError =
    options.onInternalError ??
    ((error: unknown, request: { method: string; url: string }) => {
      if (options.logger) return;
      process.stderr.write(`fsql serve: internal error on ${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    });
  app.setErrorHandler((err, req, reply) => {
    const e = toApiError(err);
    if (e.status >= 500) {
      req.log.error(err);
      onInternalError(err, { method: req.method, url: req.url });
    }
    return sendError(reply, e);
  });
  // A known path asked with a method it has not: 405 with `Allow`, before the body is read (an onRequest hook
  // runs before content-type parsing, which would otherwise answer for an unknown method with a body).
  const patterns = new Map<string, RegExp>();
  const allowed = (path: string): string[] => {
    const methods = new Set<string>();
    for (const r of routes) {
      let re = patterns.get(r.url);
      if (!re) patterns.set(r.url, (re = pathPattern(r.url)));
      if (re.test(path)) {
        methods.add(r.method);
        if (r.method === 'GET') methods.add('HEAD');
      }
    }
    return [...methods];
  };
  const notFound = (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    // Only the start of a long path is quoted back (Node's parser admits only known methods).
    const shown = path.length > 80 ? `${path.slice(0, 80)}…` : path;
    const methods = allowed(path);
    if (methods.length > 0 && !methods.includes(req.method)) {
      reply.header('allow', methods.join(', '));
      return sendError(reply, new ApiError('method_not_allowed', `${req.method} ${shown}: this path takes ${methods.join(', ')}`, { allow: methods }));
    }
    return sendError(reply, new ApiError('not_found', `no route ${req.method} ${shown}`));
  };
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) return notFound(req, reply);
    return undefined;
  });
  app.setNotFoundHandler((req, reply) => notFound(req, reply));

  const lookup = new FeatureLookup(ws, { maxKeys, renderCacheBytes: options.renderCacheBytes ?? ws.config.server.renderCacheBytes });
  const metrics = new ServerMetrics(ws);
  if (options.clusterMetrics) metrics.useCluster(workerMetrics(metrics.registry));
  if (options.kafka) registerKafkaMetrics(metrics.registry, options.kafka);
  if (options.refresh) registerRefreshMetrics(metrics.registry, options.refresh);
  app.addHook('onResponse', (req, reply, done) => {
    metrics.request(req.routeOptions.url ?? '', req.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  const ingestQueue = new IngestQueue(ws, {
    observer: { accepted: (source, n) => metrics.ingested(source, n), refused: (source, n, reason) => metrics.refusedEvents(source, n, reason) },
  });
  const auth = tokenCheck(options.token);
  const authHook = auth ? [async (req: FastifyRequest) => auth(req)] : [];
  const version = packageVersion();

  // ---- features --------------------------------------------------------------------------------

  // `fsql ui` (serving: false) has the registry and the UI only: no lookups, ingest or tables.
  const serving = options.serving !== false;
  // Lookups on node:http ahead of fastify when nothing per request needs fastify (no token, no request log): fast-lookup.ts.
  const fastLookup = serving && !auth && !options.logger && options.fastLookup !== false;
  if (fastLookup) replayBody(app);
  if (serving)
  app.post(
    '/v1/features/:entity',
    {
      schema: {
        summary: 'Feature vectors of one or many keys',
        description: `Up to ${maxKeys} keys per request, answered in the order asked, all read from one state of the online store.`,
        tags: ['features'],
        params: S.entityParams,
        body: S.lookupBody,
        response: { 200: S.lookupResponse, ...S.errors(400, 404, 409, 410, 413, 414, 415, 503) },
      },
    },
    async (req, reply) => {
      const { entity } = req.params as { entity: string };
      const body = req.body as { keys: unknown[]; features?: string[] };
      const text = await lookup.lookup(entity, body.keys, body.features);
      metrics.lookedUp(keyOf(entity), body.keys.length);
      return reply.type(JSON_TYPE).send(text);
    },
  );

  if (fastLookup)
    installFastLookup(app, {
      bodyLimit,
      lookup: (entity, keys, features) => lookup.lookup(entity, keys, features),
      served: (entity, keys, seconds) => {
        metrics.lookedUp(keyOf(entity), keys);
        metrics.request('/v1/features/:entity', 'POST', 200, seconds);
      },
    });

  if (serving)
  app.get(
    '/v1/features/:entity/:key',
    {
      schema: {
        summary: 'The feature vector of one key (entities with a one-column key)',
        tags: ['features'],
        params: S.entityKeyParams,
        querystring: S.featuresQuery,
        response: { 200: S.lookupResponse, ...S.errors(400, 404, 409, 410, 414, 503) },
      },
    },
    async (req, reply) => {
      const { entity, key } = req.params as { entity: string; key: string };
      const q = req.query as { features?: string };
      const features = q.features === undefined ? undefined : q.features.split(',').map((f) => f.trim()).filter((f) => f !== '');
      const text = await lookup.lookupOne(entity, key, features);
      metrics.lookedUp(keyOf(entity), 1);
      return reply.type(JSON_TYPE).send(text);
    },
  );

  // ---- ingest ----------------------------------------------------------------------------------

  if (serving)
  app.post(
    '/v1/ingest/:source',
    {
      schema: {
        summary: 'Push events to a STREAM source',
        description:
          'The batch is validated whole (one bad event refuses it, naming every bad row); the events are committed to the offline store and the online vectors they touch are recomputed before the reply. Batches arriving while another is ingested are ingested together (one transaction, one online update). With an `Idempotency-Key` header, a retry of a batch already stored is answered with the first result (`replayed: true`) and stores nothing; the same key with other events is refused (409 `idempotency_conflict`).',
        tags: ['ingest'],
        params: S.ingestParams,
        body: S.ingestBody,
        response: { 200: S.ingestResponse, ...S.errors(400, ...(auth ? [401] : []), 404, 409, 413, 414, 415) },
      },
      config: { auth: auth !== undefined, bodyTypes: [...NDJSON_TYPES] },
      onRequest: authHook,
    },
    async (req) => {
      const { source } = req.params as { source: string };
      const records = req.body as unknown[];
      const { catalog } = await lookup.catalog(true);
      if (!catalog.relations[keyOf(source)]) {
        const streams = Object.values(catalog.relations).filter((r) => r.kind === 'source' && r.origin.kind === 'stream').map((r) => r.name);
        const hint = didYouMean(source, streams) ?? didYouMean(source, Object.values(catalog.relations).map((r) => r.name));
        throw new ApiError('unknown_source', `no registered source \`${source}\`${hint ? `; ${hint}` : streams.length ? ` (streams: ${streams.join(', ')})` : ''}`);
      }
      const lines = (records as unknown as { [LINES]?: number[] })[LINES];
      const header = req.headers['idempotency-key'];
      const idempotencyKey = Array.isArray(header) ? header[0] : header;
      const result = await ingestQueue.submit(source, records, {
        origin: 'request',
        maxErrors: Math.max(20, records.length),
        ...(lines ? { lines } : {}),
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      });
      return {
        source: result.source,
        accepted: result.accepted,
        ...(result.replayed ? { replayed: true } : {}),
        online: result.online.map((o) => ({ entity: o.entity, mode: o.mode, keys: o.keys, ...(o.asOf !== undefined ? { as_of: isoTimestamp(o.asOf) } : {}) })),
      };
    },
  );

  // ---- training sets, spines, uploads (tables in Arrow IPC / Parquet / CSV: data-routes.ts) -----

  if (serving) await app.register(async (child) => dataRoutes(child, ws, { authHook, ingestQueue }));

  // ---- registry --------------------------------------------------------------------------------

  app.get(
    '/v1/registry/objects',
    { schema: { summary: 'Registered object versions', tags: ['registry'], querystring: S.objectsQuery, response: { 200: S.objectsResponse, ...S.errors(400) } } },
    async (req) => {
      const q = req.query as { kind?: 'entity'; name?: string; q?: string; tag?: string; owner?: string };
      const listed = await ws.registry.list({ ...(q.kind ? { kind: q.kind } : {}), ...(q.name ? { name: q.name } : {}) });
      return { objects: listed.filter(objectFilter(q)).map(objectSummaryJson) };
    },
  );

  app.get(
    '/v1/registry/objects/:name',
    {
      schema: {
        summary: 'One object version: definition, metadata, versions, fitted parameters, statistics, dependencies and dependents',
        tags: ['registry'],
        params: S.nameParams,
        querystring: S.versionQuery,
        response: { 200: S.objectResponse, ...S.errors(400, 404, 414) },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const version = versionOf(req.query);
      await checkObject(ws, name, version);
      const d = (await ws.registry.describe(name, version))!;
      return objectJson(d, (await lookup.catalog()).catalog);
    },
  );

  app.get(
    '/v1/registry/lineage/:name',
    {
      schema: {
        summary: 'Lineage of an object version: what it reads and what reads it, transitively',
        tags: ['registry'],
        params: S.nameParams,
        querystring: S.versionQuery,
        response: { 200: S.lineageResponse, ...S.errors(400, 404, 414) },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const version = versionOf(req.query);
      await checkObject(ws, name, version);
      return lineageJson((await ws.registry.lineage(name, version))!);
    },
  );

  app.get('/v1/entities', { schema: { summary: 'Entities, their keys, features and online state', tags: ['registry'], response: { 200: S.entitiesResponse, ...S.errors() } } }, async () =>
    entitiesJson(ws, (await lookup.catalog(true)).catalog),
  );

  // ---- monitoring (docs/monitoring.md) -----------------------------------------------------------

  app.get(
    '/v1/monitoring/drift',
    {
      schema: {
        summary: 'Drift of every served feature version: PSI of its online values against its profile, and NULL shares',
        description:
          'Reads every key of every materialized entity from the online store (a few seconds for a million keys, lookups keep being answered meanwhile). PSI = Σ (now − then) · ln(now / then) over the buckets’ shares, each at least `epsilon`; docs/monitoring.md defines the buckets.',
        tags: ['monitoring'],
        querystring: S.driftQuery,
        response: { 200: S.driftResponse, ...S.errors(400) },
      },
    },
    async (req) => {
      const q = req.query as { threshold?: string };
      return driftJson(await drift(ws, q.threshold !== undefined ? { threshold: Number(q.threshold) } : {}));
    },
  );

  app.get(
    '/v1/monitoring/freshness',
    {
      schema: {
        summary: 'Newest event time per source and feature version, and when each entity’s online vectors were last materialized or updated',
        tags: ['monitoring'],
        response: { 200: S.freshnessResponse, ...S.errors() },
      },
    },
    async () => freshnessJson(await freshness(ws)),
  );

  app.get('/metrics', { schema: { summary: 'Metrics in the Prometheus text format', tags: ['service'], response: { 200: S.metricsResponse, ...S.errors() } } }, async (_req, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType).send(text);
  });

  // ---- service ---------------------------------------------------------------------------------

  app.get('/health', { schema: { summary: 'Liveness, and what is materialized', tags: ['service'], response: { 200: S.healthResponse, ...S.errors() } } }, async () => {
    const rc = await lookup.catalog(true);
    const health = await healthJson(ws, rc.catalog, rc.excluded, rc.applyId);
    return { ...health, ...(options.kafka ? { kafka: kafkaHealthJson(options.kafka) } : {}), ...(options.refresh ? { refresh: refreshHealthJson(options.refresh) } : {}) };
  });

  // ---- the web UI (ui/, built into dist/ui): `/` and its assets ----------------------------------

  if (options.ui !== false) uiRoutes(app, options.ui ?? defaultUiDir());

  let document: string | undefined;
  app.get('/openapi.json', { schema: { summary: 'This document', tags: ['service'], response: { 200: S.openapiResponse, ...S.errors() } } }, async (_req, reply) => {
    document ??= JSON.stringify(openapiDocument(routes, { version, tokenRequired: auth !== undefined }));
    return reply.type(JSON_TYPE).send(document);
  });

  return app;
}

/**
 * The server cannot listen where it was told to: the port is taken, needs
 * privileges, or the host is not an address of this machine. `reason` says
 * which, for people; `code` is the system's (EADDRINUSE, …).
 */
export class ListenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`cannot listen on ${host}:${port}: ${reason}`);
    this.name = 'ListenError';
  }
}

const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is already in use (another fsql serve, or another program)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EPERM: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the host is not an address of this machine',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  EAI_NONAME: 'no such host',
};

/** Builds the server and listens; `url` is where it listens. A place it cannot listen at is a ListenError. */
export async function startServer(ws: Workspace, options: StartOptions = {}): Promise<RunningServer> {
  // Online updates a killed ingest left owed are carried out before the first lookup is answered.
  if (options.serving !== false && (await ws.online().pendingUpdates()).length > 0) await ws.exclusive(async () => settleOwedUpdates(ws, await ws.engine()));
  const app = await buildServer(ws, options);
  const host = options.host ?? ws.config.server.host;
  const port = options.port ?? ws.config.server.port;
  try {
    await app.listen({ host, port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    await app.close();
    if (typeof code === 'string' && code in LISTEN_REASONS) throw new ListenError(host, port, code, LISTEN_REASONS[code]!);
    throw e;
  }
  const address = app.server.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${actual}`, port: actual, app, close: () => app.close() };
}
