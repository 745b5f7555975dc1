/**
 * The JSON Schemas of every route: requests (validated by fastify with ajv)
 * and responses (what the handlers produce; the tests check every response
 * they receive against them). `/openapi.json` is built from these same
 * objects (openapi.ts), so the document cannot drift from the routes.
 */
import { ERROR_CODES } from './errors.js';

type Schema = Record<string, unknown>;

const scalar: Schema = { type: ['string', 'number', 'boolean', 'null'] };
const timestamp: Schema = { type: ['string', 'null'], format: 'date-time', description: 'ISO-8601 UTC, e.g. `2024-03-01T14:05:00Z`; null when no row was used' };
const isoTime: Schema = { type: 'string', format: 'date-time', description: 'ISO-8601 UTC' };
/**
 * The longest name a request may give (an entity, a feature, a source, an
 * object): far beyond any real name, and short enough that nothing done with
 * a name (a did-you-mean, a message) costs anything. Names in responses are
 * whatever was registered.
 */
export const MAX_NAME_LENGTH = 256;
/** Most entries in a lookup's feature list. */
export const MAX_FEATURES = 10_000;
/** Most columns a key may give. */
export const MAX_KEY_COLUMNS = 64;

const name: Schema = { type: 'string', minLength: 1 };
const requestName: Schema = { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH };
const positiveInt: Schema = { type: 'integer', minimum: 1 };
const objectKinds = ['entity', 'source', 'view', 'feature', 'label', 'training_set'];

export const errorResponse: Schema = {
  description: 'An error',
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_CODES) },
        message: { type: 'string' },
        details: { type: 'object', description: 'Depends on the code: `row_errors` for bad_rows, `problems` for bad_request, `key` (1-based) for bad_key, …' },
      },
    },
  },
};

/** The error responses of a route, by status: those given, and those any request may get (431: headers over the limit; 500: a bug). */
export function errors(...statuses: number[]): Record<number, Schema> {
  const out: Record<number, Schema> = {};
  for (const s of [...statuses, 431, 500]) out[s] = errorResponse;
  return out;
}

// ---------------------------------------------------------------------------
// Lookups

const featureValue: Schema = {
  type: 'object',
  required: ['version', 'status', 'event_time'],
  additionalProperties: false,
  properties: {
    version: positiveInt,
    value: { ...scalar, description: 'The value of a one-column feature (TIMESTAMP as ISO text, DATE as YYYY-MM-DD)' },
    values: { type: 'object', additionalProperties: scalar, description: 'A ONE_HOT feature: column → 0/1 (no column for a ONE_HOT TOP n awaiting its fit)' },
    status: {
      type: 'string',
      enum: ['present', 'missing', 'outside_ttl', 'awaiting_fit'],
      description:
        'present: from a row of the relation; missing: no row (the value is NULL or its FILL); outside_ttl: the latest row is older than the TTL; ' +
        'awaiting_fit: the version needs fitted parameters and its population has been empty so far — no value (null) until `fsql apply` or `fsql fit` fits it and the vectors are recomputed',
    },
    event_time: timestamp,
    as_of: {
      type: 'string',
      format: 'date-time',
      description:
        'The time the value is computed as of (ISO): the request time for a windowed aggregate served from tiles (`"online": {"windows": "tiles"}`), ' +
        'else the time the vectors were materialized or last refreshed as of (`fsql materialize --incremental`, `fsql serve --refresh`)',
    },
  },
  oneOf: [{ required: ['value'] }, { required: ['values'] }],
};

export const lookupBody: Schema = {
  type: 'object',
  required: ['keys'],
  additionalProperties: false,
  properties: {
    keys: {
      type: 'array',
      description: 'Keys as objects (`{"user_id": "u1"}`) or arrays in key order (`["u1"]`)',
      items: { type: ['object', 'array'], maxItems: MAX_KEY_COLUMNS, maxProperties: MAX_KEY_COLUMNS, propertyNames: { maxLength: MAX_NAME_LENGTH } },
    },
    features: {
      type: 'array',
      description: `\`name\` (its highest materialized version) or \`name@version\`; all features when absent. At most ${MAX_FEATURES} entries, each at most ${MAX_NAME_LENGTH + 64} characters`,
      maxItems: MAX_FEATURES,
      items: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH + 64 },
    },
  },
};

export const lookupResponse: Schema = {
  description: 'One result per key, in the order asked, all read from one state of the online store',
  type: 'object',
  required: ['entity', 'results'],
  additionalProperties: false,
  properties: {
    entity: name,
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'found', 'features'],
        additionalProperties: false,
        properties: {
          key: { type: 'object', additionalProperties: scalar },
          found: { type: 'boolean', description: 'false when the store has no vector for the key: every feature is then missing, with null values' },
          features: { type: 'object', additionalProperties: featureValue },
        },
      },
    },
  },
};

export const entityParams: Schema = { type: 'object', required: ['entity'], properties: { entity: requestName } };
export const entityKeyParams: Schema = { type: 'object', required: ['entity', 'key'], properties: { entity: requestName, key: { type: 'string', description: 'The value of a one-column key' } } };
export const featuresQuery: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { features: { type: 'string', maxLength: 4096, description: 'Comma-separated `name` or `name@version`; all features when absent' } },
};

// ---------------------------------------------------------------------------
// Ingest

export const ingestParams: Schema = { type: 'object', required: ['source'], properties: { source: requestName } };

export const ingestBody: Schema = {
  type: 'array',
  description: 'The events: JSON objects, column → value (TIMESTAMP and DATE as text). As NDJSON: one object per line.',
  items: { description: 'An event: a JSON object, column → value' },
};

export const ingestResponse: Schema = {
  description: 'The events are stored and the online vectors updated',
  type: 'object',
  required: ['source', 'accepted', 'online'],
  additionalProperties: false,
  properties: {
    source: name,
    accepted: { type: 'integer', minimum: 0 },
    replayed: { type: 'boolean', description: 'A retry under an `Idempotency-Key` already used: the first result, nothing stored again' },
    online: {
      type: 'array',
      items: {
        type: 'object',
        required: ['entity', 'mode', 'keys'],
        additionalProperties: false,
        properties: {
          entity: name,
          mode: { type: 'string', enum: ['keys', 'entity', 'not_materialized'], description: '`keys`: the touched keys were recomputed; `entity`: the whole snapshot; `not_materialized`: nothing to update' },
          keys: { type: 'integer', minimum: 0 },
          as_of: isoTime,
        },
      },
    },
  },
};

// ---------------------------------------------------------------------------
// Registry

const objectRef: Schema = {
  type: 'object',
  required: ['kind', 'name', 'version'],
  additionalProperties: false,
  properties: { kind: { type: 'string', enum: objectKinds }, name, version: positiveInt },
};

const metadata: Schema = {
  type: 'object',
  required: ['tags'],
  additionalProperties: false,
  properties: { description: { type: 'string' }, owner: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
};

const objectSummary: Schema = {
  type: 'object',
  required: ['kind', 'name', 'version', 'hash', 'metadata', 'revision', 'registered_at', 'updated_at', 'fitted', 'has_statistics'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: objectKinds },
    name,
    version: positiveInt,
    hash: { type: 'string' },
    metadata,
    revision: positiveInt,
    registered_at: isoTime,
    updated_at: isoTime,
    fitted: { type: 'boolean', description: 'A feature version whose fitted parameters are registered (`fit` is `fitted`)' },
    fit: {
      type: 'string',
      enum: ['fitted', 'awaiting', 'not_needed'],
      description:
        'Features only. fitted: parameters registered, never changed; awaiting: it needs a fit and its population has been empty so far (not served — status awaiting_fit — nor trained until `fsql apply` or `fsql fit` finds data); not_needed: it reads no fitted parameter',
    },
    has_statistics: { type: 'boolean' },
    retired: {
      type: 'object',
      description: 'Set for a retired version: never computed again (lookups answer 410 `retired`, training sets are refused)',
      required: ['reason', 'at'],
      additionalProperties: false,
      properties: { reason: { type: 'string' }, at: isoTime },
    },
  },
};

export const objectsQuery: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: objectKinds },
    name: { type: 'string', maxLength: MAX_NAME_LENGTH, description: 'Only the versions of this name' },
    q: {
      type: 'string',
      maxLength: MAX_NAME_LENGTH,
      description: 'Words (separated by spaces), each found, ignoring case, in the name, description, owner or a tag of the version: every word must be found',
    },
    tag: { type: 'string', maxLength: MAX_NAME_LENGTH, description: 'Only versions with this tag (ignoring case)' },
    owner: { type: 'string', maxLength: MAX_NAME_LENGTH, description: 'Only versions of this owner (ignoring case)' },
  },
};

export const objectsResponse: Schema = {
  description: 'The registered object versions that pass the filters (every one without filters), upstream kinds first, then by name and version',
  type: 'object',
  required: ['objects'],
  additionalProperties: false,
  properties: { objects: { type: 'array', items: objectSummary } },
};

export const nameParams: Schema = { type: 'object', required: ['name'], properties: { name: requestName } };
/** A file of the web UI's build (ui-static.ts; not in /openapi.json). */
export const assetParams: Schema = { type: 'object', required: ['file'], properties: { file: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH } } };
export const versionQuery: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$', description: 'A version number; the newest version when absent' } },
};

const lineage: Schema = {
  type: 'object',
  required: ['root', 'upstream', 'downstream', 'edges'],
  additionalProperties: false,
  properties: {
    root: objectRef,
    upstream: { type: 'array', items: objectRef, description: 'Everything the root reads, transitively, nearest first' },
    downstream: { type: 'array', items: objectRef, description: 'Everything that reads the root, transitively, nearest first' },
    edges: {
      type: 'array',
      description: 'Data flow: `from` is read by `to` (source → view → feature → training set)',
      items: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: objectRef, to: objectRef } },
    },
  },
};

export const lineageResponse: Schema = { ...lineage, description: 'The object’s lineage' };

const numberOrText: Schema = { type: ['number', 'string', 'null'], description: 'A number; ISO text for DATE and TIMESTAMP features' };

const fittedParameters: Schema = {
  type: 'object',
  description: 'Fitted once when the version was first applied; numbers of DATE / TIMESTAMP features as ISO text',
  additionalProperties: false,
  required: ['fit_time', 'count', 'mean', 'stddev', 'min', 'max', 'q1', 'median', 'q3', 'mode', 'vocabulary', 'columns'],
  properties: {
    fit_time: { type: ['string', 'null'], format: 'date-time' },
    count: { type: 'integer' },
    mean: numberOrText,
    stddev: { type: ['number', 'null'], description: 'In days for DATE, microseconds for TIMESTAMP features' },
    min: numberOrText,
    max: numberOrText,
    q1: numberOrText,
    median: numberOrText,
    q3: numberOrText,
    mode: scalar,
    vocabulary: { type: 'array', items: scalar },
    columns: { type: 'array', items: { type: 'string' } },
  },
};

const statistics: Schema = {
  type: 'object',
  description: 'Statistics of the feature’s raw values when it was applied',
  additionalProperties: false,
  required: ['count', 'nulls', 'distinct', 'mean', 'stddev', 'min', 'max', 'q1', 'median', 'q3', 'histogram', 'top_values'],
  properties: {
    count: { type: 'integer' },
    nulls: { type: 'integer' },
    distinct: { type: 'integer' },
    mean: numberOrText,
    stddev: { type: ['number', 'null'] },
    min: numberOrText,
    max: numberOrText,
    q1: numberOrText,
    median: numberOrText,
    q3: numberOrText,
    histogram: {
      type: 'array',
      items: { type: 'object', required: ['lower', 'upper', 'count'], additionalProperties: false, properties: { lower: numberOrText, upper: numberOrText, count: { type: 'integer' } } },
    },
    top_values: {
      type: 'array',
      items: { type: 'object', required: ['value', 'count'], additionalProperties: false, properties: { value: scalar, count: { type: 'integer' } } },
    },
  },
};

export const objectResponse: Schema = {
  description: 'One object version with everything the registry knows about it',
  type: 'object',
  required: [...(objectSummary['required'] as string[]), 'text', 'definition', 'versions', 'revisions', 'dependencies', 'dependents', 'lineage'],
  additionalProperties: false,
  properties: {
    ...(objectSummary['properties'] as Record<string, Schema>),
    text: { type: 'string', description: 'The canonical definition, with DESCRIPTION / OWNER / TAGS' },
    pins: {
      type: 'array',
      description: 'A feature, label or training-set version: the revision of every source, view and entity it computes from, pinned when it was registered',
      items: {
        type: 'object',
        required: ['kind', 'name', 'revision', 'hash', 'current'],
        additionalProperties: false,
        properties: {
          kind: { type: 'string', enum: ['entity', 'source', 'view'] },
          name,
          revision: { type: 'integer', minimum: 0 },
          hash: { type: 'string' },
          current: { type: 'boolean', description: 'false: an older revision than the registered definition; the version keeps computing from it' },
        },
      },
    },
    definition: { type: 'string', description: 'The canonical definition without metadata (what the hash covers)' },
    versions: { type: 'array', items: positiveInt, description: 'Every registered version of the name, ascending' },
    revisions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['revision', 'change', 'hash', 'text', 'metadata', 'apply_id', 'applied_at'],
        additionalProperties: false,
        properties: {
          revision: positiveInt,
          change: { type: 'string', enum: ['added', 'updated', 'metadata'] },
          hash: { type: 'string' },
          text: { type: 'string' },
          metadata,
          apply_id: positiveInt,
          applied_at: isoTime,
        },
      },
    },
    dependencies: { type: 'array', items: objectRef, description: 'What it reads directly' },
    dependents: { type: 'array', items: objectRef, description: 'What reads it directly' },
    fitted_parameters: fittedParameters,
    statistics,
    statistics_history: {
      type: 'array',
      description: 'A feature version: the statistics recorded by every apply that recorded them, oldest first (the last is `statistics`)',
      items: {
        type: 'object',
        required: ['apply_id', 'applied_at', 'statistics'],
        additionalProperties: false,
        properties: { apply_id: positiveInt, applied_at: isoTime, statistics },
      },
    },
    lineage,
  },
};

// ---------------------------------------------------------------------------
// Entities and health

const onlineFeature: Schema = {
  type: 'object',
  required: ['name', 'version', 'columns', 'types', 'kind'],
  additionalProperties: false,
  properties: {
    name,
    version: positiveInt,
    columns: { type: 'array', items: { type: 'string' } },
    types: { type: 'array', items: { type: ['string', 'null'] } },
    kind: { type: 'string', enum: ['latest', 'aggregate'] },
    ttl_seconds: { type: 'number' },
  },
};

const onlineState: Schema = {
  type: ['object', 'null'],
  description: 'The entity’s current online snapshot; null when it was never materialized',
  required: ['generation', 'as_of', 'keys', 'features', 'written_at', 'updated_at'],
  additionalProperties: false,
  properties: {
    generation: { type: 'integer' },
    as_of: isoTime,
    keys: { type: 'integer', minimum: 0 },
    features: { type: 'array', items: onlineFeature },
    written_at: isoTime,
    updated_at: isoTime,
  },
};

export const entitiesResponse: Schema = {
  description: 'Every registered entity, its key, its registered features and its online state',
  type: 'object',
  required: ['entities'],
  additionalProperties: false,
  properties: {
    entities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'keys', 'metadata', 'features', 'online'],
        additionalProperties: false,
        properties: {
          name,
          keys: {
            type: 'array',
            items: { type: 'object', required: ['name', 'type'], additionalProperties: false, properties: { name, type: { type: 'string' } } },
          },
          metadata,
          features: {
            type: 'array',
            description: 'Registered feature versions of the entity',
            items: { type: 'object', required: ['name', 'version'], additionalProperties: false, properties: { name, version: positiveInt } },
          },
          online: onlineState,
        },
      },
    },
  },
};

const refreshRun: Schema = {
  type: ['object', 'null'],
  description: 'A refresh run (null: none yet)',
  required: ['started_at', 'seconds', 'as_of', 'entities'],
  additionalProperties: false,
  properties: {
    started_at: isoTime,
    seconds: { type: 'number', minimum: 0 },
    as_of: { ...isoTime, description: 'The time the vectors were brought to' },
    error: { type: 'string' },
    entities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['entity', 'mode', 'keys', 'total_keys', 'previous_as_of', 'as_of'],
        additionalProperties: false,
        properties: {
          entity: name,
          mode: { type: 'string', enum: ['incremental', 'full'], description: 'incremental: only the keys that can have changed were recomputed; full: a whole materialize (never materialized, or its features changed)' },
          keys: { type: 'integer', minimum: 0, description: 'Keys recomputed' },
          total_keys: { type: 'integer', minimum: 0 },
          previous_as_of: { type: ['string', 'null'], format: 'date-time' },
          as_of: isoTime,
        },
      },
    },
  },
};

export const healthResponse: Schema = {
  description: 'The server is up; what is registered and materialized',
  type: 'object',
  required: ['status', 'last_apply', 'materialized'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ok'] },
    last_apply: { type: 'integer', minimum: 0, description: 'The id of the last apply (0: nothing applied)' },
    excluded: {
      type: 'array',
      description: 'Registered object versions never computed: retired ones (`retired: true`), and any that no longer type-check, with the reason',
      items: {
        type: 'object',
        required: ['kind', 'name', 'version', 'reason', 'retired'],
        additionalProperties: false,
        properties: { kind: { type: 'string' }, name, version: positiveInt, reason: { type: 'string' }, retired: { type: 'boolean' } },
      },
    },
    awaiting_fit: {
      type: 'array',
      description: 'Feature versions awaiting their fit (their population has been empty so far): served with status awaiting_fit, not trainable, until `fsql apply` or `fsql fit` finds data',
      items: { type: 'object', required: ['name', 'version'], additionalProperties: false, properties: { name, version: positiveInt } },
    },
    materialized: {
      type: 'array',
      items: {
        type: 'object',
        required: ['entity', 'as_of', 'keys', 'features', 'generation', 'updated_at'],
        additionalProperties: false,
        properties: {
          entity: name,
          as_of: isoTime,
          keys: { type: 'integer', minimum: 0 },
          features: { type: 'integer', minimum: 0 },
          generation: { type: 'integer' },
          updated_at: isoTime,
          refreshed_as_of: { ...isoTime, description: 'The time an incremental refresh (`fsql materialize --incremental`, `fsql serve --refresh`) last brought every vector to (absent: none since the materialize at `as_of`)' },
        },
      },
    },
    refresh: {
      type: 'object',
      description: 'The scheduled refresh of this server (`fsql serve --refresh EVERY`; with --workers, one worker refreshes and its /health says so): its last run',
      required: ['every_seconds', 'running', 'runs', 'failures', 'next_at', 'last', 'last_ok'],
      additionalProperties: false,
      properties: {
        every_seconds: { type: 'number', exclusiveMinimum: 0 },
        running: { type: 'boolean' },
        runs: { type: 'integer', minimum: 0 },
        failures: { type: 'integer', minimum: 0 },
        next_at: { type: ['string', 'null'], format: 'date-time', description: 'When the next run is due (null while one runs)' },
        last: refreshRun,
        last_ok: refreshRun,
      },
    },
    kafka: {
      type: 'object',
      description: 'The Kafka consumer of this server (present when it consumes Kafka sources; docs/kafka.md): what it stored since it started, and the lag of each partition',
      required: ['state', 'group_id', 'events', 'dead_letters', 'partitions'],
      additionalProperties: false,
      properties: {
        state: { type: 'string', enum: ['starting', 'running', 'stopped', 'failed'] },
        group_id: { type: 'string' },
        events: { type: 'integer', minimum: 0, description: 'Events stored by this process' },
        dead_letters: { type: 'integer', minimum: 0, description: 'Messages written to the dead-letter table by this process' },
        error: { type: 'string', description: 'Why the consumer failed (state `failed`)' },
        partitions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['source', 'topic', 'partition', 'next_offset', 'high_watermark', 'lag'],
            additionalProperties: false,
            properties: {
              source: name,
              topic: { type: 'string' },
              partition: { type: 'integer', minimum: 0 },
              next_offset: { type: 'integer', minimum: 0, description: 'The next offset to store: every message before it is in the offline store or the dead-letter table' },
              high_watermark: { type: ['integer', 'null'], minimum: 0, description: 'The partition’s high watermark when last seen (null: not yet)' },
              lag: { type: ['integer', 'null'], minimum: 0, description: 'high_watermark − next_offset (null: not known yet)' },
            },
          },
        },
      },
    },
  },
};

export const openapiResponse: Schema = { description: 'This API as an OpenAPI 3.1 document', type: 'object', required: ['openapi', 'info', 'paths'] };

// ---------------------------------------------------------------------------
// Training sets, spines and uploads (data-routes.ts): bodies and responses in Arrow IPC, Parquet or CSV

const formatParam: Schema = {
  type: 'string',
  enum: ['arrow', 'parquet', 'csv'],
  description: 'The response format, instead of an `Accept` header: `arrow` (Arrow IPC stream, the default), `parquet` or `csv`',
};
const asOfParam: Schema = {
  type: 'string',
  maxLength: 64,
  description: 'For a training set whose label has no event time: the UTC time every feature is taken at (`2024-04-30`, `2024-04-30T12:00:00Z`); by default the newest event time in the features’ relations',
};

export const trainingSetQuery: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$', description: 'A version number; the newest version when absent' },
    as_of: asOfParam,
    format: formatParam,
  },
};

export const spineQuery: Schema = {
  type: 'object',
  required: ['features'],
  additionalProperties: false,
  properties: {
    features: { type: 'string', minLength: 1, maxLength: 4096, description: 'Comma-separated `name` or `name@version` (the newest version when no version)' },
    time_column: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH, description: 'The spine’s column of times; by default its one column that is not an entity key' },
    format: formatParam,
  },
};

export const sourceParams: Schema = { type: 'object', required: ['name'], properties: { name: requestName } };

/** A table in the body or the response: documented per content type (openapi.ts reads `content`). */
export const tableContent = (what: string): Record<string, Schema> => ({
  'application/vnd.apache.arrow.stream': { schema: { type: 'string', format: 'binary', description: `${what} as an Arrow IPC stream` } },
  'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary', description: `${what} as a Parquet file` } },
});

/** A table body: Arrow IPC or Parquet, also as `application/octet-stream` (told apart by their first bytes). */
export const tableBodyContent = (what: string): Record<string, Schema> => ({
  ...tableContent(what),
  'application/octet-stream': { schema: { type: 'string', format: 'binary', description: `${what} as an Arrow IPC stream or file, or a Parquet file, told apart by their first bytes` } },
});

export const tableResponse = (what: string): Schema => ({
  description: `${what}: an Arrow IPC stream (the default), Parquet or CSV, by the \`Accept\` header or \`format\``,
  content: {
    ...tableContent(what),
    'text/csv': { schema: { type: 'string', description: `${what} as CSV (header line; empty field for NULL)` } },
  },
});

// ---------------------------------------------------------------------------
// Monitoring (docs/monitoring.md)

export const metricsResponse: Schema = {
  description: 'The server’s metrics in the Prometheus text exposition format (version 0.0.4); with `fsql serve --workers`, summed over every worker',
  content: { 'text/plain': { schema: { type: 'string' } } },
};

export const driftQuery: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    threshold: { type: 'string', pattern: '^[0-9]{1,12}(\\.[0-9]{1,12})?$', description: 'PSI above which a version is `drifted` (default 0.2)' },
  },
};

const share: Schema = { type: ['number', 'null'], minimum: 0, maximum: 1 };

export const driftResponse: Schema = {
  description: 'For each feature version the online store serves: the PSI of its served values now against the distribution it was profiled on at apply / fit, and the share of NULLs now and then',
  type: 'object',
  required: ['threshold', 'epsilon', 'drifted', 'features'],
  additionalProperties: false,
  properties: {
    threshold: { type: 'number', minimum: 0 },
    epsilon: { type: 'number', description: 'The least share a bucket counts with (an empty bucket counts as this)' },
    drifted: { type: 'integer', minimum: 0, description: 'Versions whose PSI is above the threshold' },
    features: {
      type: 'array',
      items: {
        type: 'object',
        required: ['feature', 'version', 'entity', 'kind', 'psi', 'null_share_now', 'null_share_then', 'rows', 'rows_then', 'status', 'buckets'],
        additionalProperties: false,
        properties: {
          feature: name,
          version: positiveInt,
          entity: name,
          kind: { type: 'string', enum: ['numeric', 'categorical', 'one_hot'], description: '`numeric`: the profile’s histogram bins; `categorical`: its top values; `one_hot`: the vocabulary values among them' },
          psi: { type: ['number', 'null'], minimum: 0, description: 'Null when it cannot be computed (`status: unknown`)' },
          null_share_now: share,
          null_share_then: { ...share, description: 'Null when NULLs are not observable (ONE_HOT) or there are no values' },
          rows: { type: 'integer', minimum: 0, description: 'Served values compared (keys of the online store counted)' },
          rows_then: { type: 'integer', minimum: 0, description: 'Values in the profile' },
          status: { type: 'string', enum: ['ok', 'drifted', 'unknown'] },
          reason: { type: 'string', description: 'Why the PSI is unknown' },
          buckets: {
            type: 'array',
            items: {
              type: 'object',
              required: ['label', 'then', 'now'],
              additionalProperties: false,
              properties: {
                label: { type: 'string', description: '`[lower, upper)` of served values, `< x`, `> x`, a category as JSON, `other`, `NULL`' },
                then: { type: 'integer', minimum: 0 },
                now: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
    },
  },
};

const age: Schema = { type: ['number', 'null'], description: 'Seconds since; null when there is no time (negative when it lies in the future)' };
const maybeTime: Schema = { type: ['string', 'null'], format: 'date-time', description: 'ISO-8601 UTC; null when unknown' };

export const freshnessResponse: Schema = {
  description: 'Newest event times per source and per feature version (offline store), and when each entity’s online vectors were last materialized or updated by ingest',
  type: 'object',
  required: ['now', 'sources', 'features', 'entities'],
  additionalProperties: false,
  properties: {
    now: isoTime,
    sources: {
      type: 'array',
      items: {
        type: 'object',
        required: ['source', 'origin', 'newest_event_time', 'lag_seconds'],
        additionalProperties: false,
        properties: { source: name, origin: { type: 'string', enum: ['file', 'table', 'stream'] }, newest_event_time: maybeTime, lag_seconds: age },
      },
    },
    features: {
      type: 'array',
      items: {
        type: 'object',
        required: ['feature', 'version', 'entity', 'relation', 'newest_event_time', 'lag_seconds'],
        additionalProperties: false,
        properties: { feature: name, version: positiveInt, entity: name, relation: name, newest_event_time: maybeTime, lag_seconds: age },
      },
    },
    entities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['entity', 'materialized', 'keys', 'as_of', 'materialized_at', 'updated_at', 'seconds_since_update'],
        additionalProperties: false,
        properties: {
          entity: name,
          materialized: { type: 'boolean' },
          keys: { type: 'integer', minimum: 0 },
          as_of: maybeTime,
          materialized_at: maybeTime,
          updated_at: maybeTime,
          seconds_since_update: age,
        },
      },
    },
  },
};
