/**
 * Every refusal of the HTTP API as one JSON shape,
 * `{ "error": { "code", "message", "details"? } }`, with a stable code and
 * a 4xx status; a 500 (`internal`) only for what is a bug.
 *
 * Runtime and online-store errors carry codes of their own; `toApiError`
 * maps them here, so that handlers can simply let them through.
 */
import { RuntimeError } from '../runtime/errors.js';
import { OnlineStoreError } from '../store/online/store.js';

export const ERROR_CODES = {
  /** The body is not valid JSON (or an NDJSON line is not). */
  malformed_json: 400,
  /** The request does not match the endpoint's schema (a missing field, a wrong type, an unknown field, a name over 256 characters), or its URL is malformed. */
  bad_request: 400,
  /** The body is not valid UTF-8 (`details.byte`, and `details.line` for NDJSON). */
  bad_encoding: 400,
  /** A key is of the wrong shape, names a column the entity's key has not got, or has a value that is not of the key column's type. */
  bad_key: 400,
  /** More keys in one lookup than the server allows (`maxKeys`). */
  too_many_keys: 400,
  /** Some ingested events are invalid; nothing was stored (`details.row_errors`). */
  bad_rows: 400,
  /** A write without the bearer token, or with a wrong one. */
  unauthorized: 401,
  /** No such route. */
  not_found: 404,
  /** The path exists, but not with this method: the `Allow` header lists those it has. */
  method_not_allowed: 405,
  /** The client sent the request too slowly. */
  request_timeout: 408,
  unknown_entity: 404,
  unknown_feature: 404,
  unknown_source: 404,
  /** No registered training set of that name (or not in that version). */
  unknown_training_set: 404,
  /** An `Accept` header naming no format the endpoint writes (training sets and spines: Arrow IPC, Parquet, CSV). */
  not_acceptable: 406,
  /** A feature version the request needs awaits its fit (its population was empty so far). */
  awaiting_fit: 409,
  /** No registered object of that name (registry endpoints). */
  unknown_object: 404,
  /** The object exists, but not in that version. */
  unknown_version: 404,
  /** The version is retired (or can no longer be computed): never served or trained again; the message says why. */
  retired: 410,
  /** Ingest into a FILE or TABLE source, or a view. */
  not_a_stream: 409,
  /** The entity has no online snapshot yet (run `fsql materialize`). */
  not_materialized: 409,
  /** An `Idempotency-Key` already used for a different batch of events. */
  idempotency_conflict: 409,
  /** A FILE source read in place (DuckDB) changed on disk since `fsql apply` pinned it: re-apply. */
  file_changed: 409,
  /** The body is larger than the server's limit. */
  body_too_large: 413,
  /** A path segment longer than the server reads (8192 characters). */
  uri_too_long: 414,
  /** A Content-Type the endpoint does not read, or a charset other than UTF-8. */
  unsupported_media_type: 415,
  /** The request line and headers are larger than the server reads (64 KiB). */
  headers_too_large: 431,
  /** Another process held the online store's write lock for too long, or the online store's server cannot be reached. */
  busy: 503,
  /** A bug: the message says what went wrong. */
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code];
  }

  body(): { error: { code: ApiErrorCode; message: string; details?: Readonly<Record<string, unknown>> } } {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined ? { details: this.details } : {}) } };
  }
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  validation?: readonly { instancePath?: string; message?: string; params?: Record<string, unknown>; keyword?: string }[];
  validationContext?: string;
  message?: string;
}

/** Any error thrown while handling a request → an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof RuntimeError) return fromRuntime(e);
  if (e instanceof OnlineStoreError) return fromStore(e);
  const f = (e ?? {}) as FastifyLikeError;
  if (f.validation) {
    const where = f.validationContext ?? 'request';
    const problems = f.validation.map((v) => {
      // A path names the user's fields: only its start.
      const at = `${where}${v.instancePath ?? ''}`;
      const path = at.length > 120 ? `${at.slice(0, 120)}…` : at;
      // The field's name is the user's: quoted, and only its start.
      const extra = v.keyword === 'additionalProperties' && v.params?.['additionalProperty'] !== undefined ? ` (${clipped(String(v.params['additionalProperty']))})` : '';
      return { path, message: `${v.message ?? 'is invalid'}${extra}` };
    });
    return new ApiError('bad_request', problems.map((p) => `${p.path} ${p.message}`).join('; '), { problems });
  }
  switch (f.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('malformed_json', `the body is not valid JSON: ${f.message ?? ''}`.trim());
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body_too_large', 'the body is larger than the server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', `${f.message ?? 'unsupported Content-Type'} (send application/json; ingest also reads application/x-ndjson)`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('bad_request', 'the Content-Length does not match the body');
    case 'FST_ERR_BAD_URL':
      return new ApiError('bad_request', 'the URL is malformed: a percent-encoded part is not UTF-8 (or a `%` is not followed by two hex digits)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('uri_too_long', 'a part of the URL path is longer than 8192 characters');
  }
  if (e instanceof SyntaxError && f.statusCode === 400) return new ApiError('malformed_json', `the body is not valid JSON: ${e.message}`);
  if (typeof f.statusCode === 'number' && f.statusCode === 413) return new ApiError('body_too_large', 'the body is larger than the server accepts');
  if (typeof f.statusCode === 'number' && f.statusCode === 415) return new ApiError('unsupported_media_type', f.message ?? 'unsupported Content-Type');
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) return new ApiError('bad_request', f.message === undefined ? 'bad request' : f.message.slice(0, 200));
  return new ApiError('internal', `internal error: ${e instanceof Error ? e.message : String(e)}`);
}

/** A name from a request as a message quotes it: back-quoted, at most 60 characters. */
function clipped(text: string): string {
  return `\`${text.length > 60 ? `${text.slice(0, 60)}…` : text}\``;
}

function fromRuntime(e: RuntimeError): ApiError {
  switch (e.code) {
    case 'bad_rows':
      return new ApiError('bad_rows', e.message, {
        row_errors: (e.details.rowErrors ?? []).map((r) => ({
          ...(r.row !== undefined ? { row: r.row } : {}),
          ...(r.line !== undefined ? { line: r.line } : {}),
          ...(r.column !== undefined ? { column: r.column } : {}),
          reason: r.reason,
        })),
      });
    case 'unknown_entity':
    case 'unknown_source':
    case 'unknown_feature':
    case 'not_a_stream':
    case 'not_materialized':
    case 'unknown_training_set':
    case 'awaiting_fit':
    case 'idempotency_conflict':
    case 'file_changed':
    case 'bad_request':
      return new ApiError(e.code, e.message);
    case 'nothing_registered':
      return new ApiError('not_materialized', e.message);
    case 'retired':
      return new ApiError('retired', e.message);
    case 'busy':
      return new ApiError('busy', e.message);
    default:
      return new ApiError('internal', `${e.code}: ${e.message}`);
  }
}

function fromStore(e: OnlineStoreError): ApiError {
  switch (e.code) {
    case 'not_materialized':
      return new ApiError('not_materialized', `${e.message}: run \`fsql materialize\``);
    case 'unknown_feature':
      return new ApiError('unknown_feature', e.message);
    case 'bad_key':
      return new ApiError('bad_key', e.message);
    case 'busy':
      return new ApiError('busy', e.message);
    case 'unavailable':
      // The store's server (Redis) is away: retry later, like a busy store.
      return new ApiError('busy', e.message);
    default:
      return new ApiError('internal', `online store: ${e.message}`);
  }
}
