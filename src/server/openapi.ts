/**
 * The OpenAPI 3.1 document of the server, built from the routes as fastify
 * registered them (their `schema`: summary, params, querystring, body,
 * response by status) — the same schemas the routes validate requests with.
 */
import { errorResponse } from './schemas.js';

type Schema = Record<string, unknown>;

export interface RouteDoc {
  readonly method: string;
  readonly url: string;
  readonly schema: {
    readonly summary?: string;
    readonly description?: string;
    readonly tags?: readonly string[];
    readonly params?: Schema;
    readonly querystring?: Schema;
    readonly body?: Schema;
    readonly response?: Readonly<Record<string | number, Schema>>;
  };
  /** The route needs the bearer token (the server has one). */
  readonly auth: boolean;
  /** Not part of the API (the web UI's files): left out of the document. */
  readonly hidden?: boolean;
  /** Body content types other than application/json. */
  readonly bodyTypes?: readonly string[];
  /** Bodies documented per content type (tables in Arrow IPC or Parquet), besides `schema.body` as JSON if any. */
  readonly bodyContent?: Readonly<Record<string, Schema>>;
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  '200': 'OK',
  '400': 'Bad request (malformed JSON, a request not matching the schema, a bad key, bad events)',
  '401': 'Missing or wrong bearer token',
  '404': 'Unknown entity, feature, source or object',
  '409': 'Not a stream, not materialized, awaiting its fit, an idempotency conflict, or a FILE source changed on disk since apply',
  '413': 'Body too large',
  '406': 'No format the endpoint writes is acceptable',
  '415': 'Unsupported Content-Type',
  '500': 'Internal error',
  '503': 'The online store is busy, or its server (Redis) cannot be reached: retry',
};

function parameters(schema: Schema | undefined, where: 'path' | 'query'): Schema[] {
  if (!schema) return [];
  const props = (schema['properties'] ?? {}) as Record<string, Schema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' ? true : required.has(name),
      ...(description !== undefined ? { description } : {}),
      schema: rest,
    };
  });
}

/** `/v1/features/:entity` → `/v1/features/{entity}`. */
function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function operationId(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((p) => p !== '' && p !== 'v1')
    .map((p) => (p.startsWith(':') ? `by_${p.slice(1)}` : p.replace(/[^A-Za-z0-9]+/g, '_')));
  return [method.toLowerCase(), ...words].join('_');
}

export function openapiDocument(routes: readonly RouteDoc[], info: { readonly version: string; readonly tokenRequired: boolean }): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const r of routes) {
    if (r.hidden) continue;
    const path = openapiPath(r.url);
    const s = r.schema;
    const responses: Record<string, Schema> = {};
    for (const [status, schema] of Object.entries(s.response ?? {})) {
      const description = typeof schema['description'] === 'string' ? (status === '200' ? (schema['description'] as string) : (STATUS_TEXT[status] ?? (schema['description'] as string))) : (STATUS_TEXT[status] ?? 'Response');
      // A response of another content type (a table) documents its own `content`.
      responses[status] = { description, content: schema['content'] !== undefined ? (schema['content'] as Schema) : { 'application/json': { schema } } };
    }
    if (r.auth && !responses['401']) responses['401'] = { description: STATUS_TEXT['401']!, content: { 'application/json': { schema: errorResponse } } };
    const op: Schema = {
      operationId: operationId(r.method, r.url),
      ...(s.summary !== undefined ? { summary: s.summary } : {}),
      ...(s.description !== undefined ? { description: s.description } : {}),
      ...(s.tags !== undefined ? { tags: [...s.tags] } : {}),
      parameters: [...parameters(s.params, 'path'), ...parameters(s.querystring, 'query')],
      ...(r.bodyContent
        ? { requestBody: { required: true, content: { ...(s.body ? { 'application/json': { schema: s.body } } : {}), ...r.bodyContent } } }
        : s.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: s.body },
                ...Object.fromEntries((r.bodyTypes ?? []).map((t) => [t, { schema: { type: 'string', description: 'One JSON object per line (blank lines are skipped)' } }])),
              },
            },
          }
        : {}),
      responses,
      ...(r.auth ? { security: [{ bearer: [] }] } : {}),
    };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'fsql feature server',
      version: info.version,
      description:
        'Online feature vectors, stream ingest and the registry of an fsql project. Errors are `{ "error": { "code", "message", "details"? } }`. ' +
        'TIMESTAMP values are ISO-8601 UTC text, DATE values `YYYY-MM-DD`.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: `Writes (ingest) need it when the server has a token (the environment variable named by server.tokenEnv, FSQL_TOKEN by default). This server ${info.tokenRequired ? 'has' : 'has no'} token.`,
        },
      },
      schemas: { Error: errorResponse },
    },
  };
}
