/**
 * The project config, `fsql.json` beside the .fsql files. Every field is
 * optional; a missing file means all defaults. Paths are relative to the
 * project folder.
 *
 * ```json
 * {
 *   "offline": { "engine": "sqlite", "path": ".fsql/offline.db", "attach": { "crm": "crm.db" } },
 *   "online":  { "store": "sqlite", "path": ".fsql/online.db" },   (or { "store": "redis", "url": "redis://…", "keyPrefix": "fsql:" })
 *   "files":   { "allow": ["/data/exports"], "inPlace": true },
 *   "server":  { "host": "127.0.0.1", "port": 8080, "tokenEnv": "FSQL_TOKEN", "bodyLimitBytes": 10485760 },
 *   "registry": { "url": "postgres://fsql@db.internal/features" },   (a shared registry; default: .fsql/registry.db)
 *   "busyTimeoutMs": 60000
 * }
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { engineBackend } from '../engine/backends.js';
import { onlineStoreBackend, onlineStoreKinds } from '../store/online/backends.js';
import { offlineTargets, redactUrl, type EngineTarget } from '../engine/engine.js';
import { didYouMean } from '../diagnostics/suggest.js';

export const CONFIG_FILE = 'fsql.json';
/** Where fsql keeps the project's state. */
export const STATE_DIR = '.fsql';

const schema = z
  .object({
    $schema: z.string().optional(),
    busyTimeoutMs: z.number().int().min(0).max(3_600_000).optional(),
    offline: z
      .object({
        engine: z.enum(offlineTargets as unknown as [EngineTarget, ...EngineTarget[]]).optional(),
        path: z.string().min(1).optional(),
        // A server engine (PostgreSQL): its URL, `${NAME}` read from the environment (docs/offline-engines.md).
        url: z.string().min(1).optional(),
        schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a schema name is letters, digits and _').max(63).optional(),
        attach: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a schema name is letters, digits and _'), z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    online: z
      .object({
        store: z.enum(onlineStoreKinds() as [string, ...string[]]).optional(),
        path: z.string().min(1).optional(),
        url: z.string().min(1).optional(),
        keyPrefix: z.string().min(1).max(256).optional(),
        // Windowed COUNT/SUM/AVG/MIN/MAX features computed at request time from per-key tiles (docs/online-stores.md).
        windows: z.enum(['vectors', 'tiles']).optional(),
      })
      .strict()
      .optional(),
    // Kafka sources' brokers and credentials, `${NAME}` read from the environment (docs/kafka.md).
    kafka: z
      .object({
        brokers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        clientId: z.string().min(1).max(255).optional(),
        groupId: z.string().min(1).max(255).optional(),
        ssl: z.boolean().optional(),
        sasl: z
          .object({
            mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
            username: z.string().min(1),
            password: z.string(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    // A shared registry (PostgreSQL): its URL, `${NAME}` read from the environment (docs/registry.md).
    registry: z
      .object({
        url: z.string().regex(/^(postgres(ql)?:\/\/|\$\{)/i, 'a registry URL is postgres://… (leave "registry" out for the project\'s own .fsql/registry.db)').optional(),
      })
      .strict()
      .optional(),
    files: z
      .object({
        allow: z.array(z.string().min(1, 'a folder path cannot be empty')).optional(),
        inPlace: z.boolean().optional(),
      })
      .strict()
      .optional(),
    server: z
      .object({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).optional(),
        tokenEnv: z.string().min(1).optional(),
        bodyLimitBytes: z.number().int().min(1024).optional(),
        maxKeys: z.number().int().min(1).optional(),
        renderCacheBytes: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The fields the config allows at `path` (an object of the schema), for did-you-mean. */
function fieldsAt(path: readonly PropertyKey[]): string[] {
  let at: z.ZodType = schema;
  for (const key of path) {
    const shape: Record<string, z.ZodType> | undefined = (at as unknown as { shape?: Record<string, z.ZodType> }).shape;
    const next = shape?.[String(key)];
    if (next === undefined) return [];
    at = next instanceof z.ZodOptional ? (next.unwrap() as z.ZodType) : next;
  }
  const shape = (at as unknown as { shape?: Record<string, z.ZodType> }).shape;
  return shape ? Object.keys(shape) : [];
}

export interface ProjectConfig {
  /** The project folder (absolute). */
  readonly dir: string;
  /** The config file, when there is one. */
  readonly file?: string;
  readonly offline: {
    readonly engine: EngineTarget;
    /** The offline database file (absolute). */
    readonly path: string;
    /** Other databases the offline engine attaches under a schema name (for TABLE sources such as `crm.users`). */
    readonly attach: Readonly<Record<string, string>>;
    /**
     * A server engine's (backend `location: 'url'`) connection URL with `${NAME}` taken from the environment:
     * a secret, never printed (`path` holds it with the password redacted, for messages).
     */
    readonly url?: string;
    /** A server engine's schema for fsql's own tables and views (default `fsql`). */
    readonly schema?: string;
  };
  /** `store`: a registered online store kind (src/store/online/backends.ts). */
  readonly online: {
    readonly store: string;
    /** A file store's file; a server store's (backend `capabilities.file` false) journal of owed updates. */
    readonly path: string;
    /** A server store's URL with `${NAME}` taken from the environment: a secret, never printed. */
    readonly url?: string;
    /** A server store's key prefix (default `fsql:`): projects sharing one server use different ones. */
    readonly keyPrefix?: string;
    /** `tiles`: windowed aggregates are computed at request time from per-key tiles (src/store/online/tiles.ts); absent: `vectors`. */
    readonly windows?: 'vectors' | 'tiles';
  };
  /** Kafka sources' connection (`"kafka"` in fsql.json; docs/kafka.md): absent when the file has none. */
  readonly kafka?: KafkaConfig;
  /**
   * The registry: `.fsql/registry.db` by default, or a shared one on
   * PostgreSQL (`"registry": { "url" }`, docs/registry.md).
   */
  readonly registry: {
    /** The file, or the URL with `${NAME}` taken from the environment: a secret, never printed. */
    readonly location: string;
    /** What messages show: the file, or the URL with its password redacted. */
    readonly label: string;
    /** Shared by every checkout that names it (a server), not a file of this project. */
    readonly shared: boolean;
  };
  /**
   * How long a write waits for another fsql process's write on the same
   * database (an apply, an ingest, a materialize) before it fails `busy`, in ms.
   */
  readonly busyTimeoutMs: number;
  /**
   * Folders outside the project that FILE sources may read (absolute): by
   * default none, so a FILE path names a file inside the project folder.
   */
  readonly files: {
    readonly allow: readonly string[];
    /** Read Parquet FILE sources in place on an engine that can (DuckDB) instead of copying them (default true; docs/runtime.md). */
    readonly inPlace: boolean;
  };
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** The environment variable holding the bearer token that writes need (no auth when unset or empty). */
    readonly tokenEnv: string;
    readonly bodyLimitBytes: number;
    readonly maxKeys: number;
    /** Memory the server keeps the bytes of recently served vectors in (0: none). */
    readonly renderCacheBytes: number;
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}


/** Reads and validates `fsql.json` in `dir` (all defaults when there is none). */
export function loadConfig(dir: string): ProjectConfig {
  const root = resolve(dir);
  const file = join(root, CONFIG_FILE);
  let raw: unknown = {};
  const exists = existsSync(file);
  if (exists) {
    const text = readFileSync(file, 'utf8');
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`${file}: not valid JSON: ${(e as Error).message}; fix the file (every field is optional: {} is a valid config)`);
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const where = i.path.length > 0 ? i.path.join('.') : '(top level)';
      if (i.code === 'unrecognized_keys') {
        const fields = fieldsAt(i.path);
        return i.keys.map((k) => {
          const hint = didYouMean(k, fields);
          return `${where}: unknown field "${k}"${hint ? `; ${hint}` : ''} (fields: ${fields.join(', ')})`;
        }).join('; ');
      }
      return `${where}: ${i.message}`;
    });
    throw new ConfigError(`${file}: ${problems.join('; ')} — fix the file (its fields are described in docs/cli.md, "The config file")`);
  }
  const c = parsed.data;
  const at = (p: string) => (isAbsolute(p) ? p : join(root, p));
  const engine = c.offline?.engine ?? 'sqlite';
  const server = serverOffline(file, engine, c.offline);
  return {
    dir: root,
    ...(exists ? { file } : {}),
    offline: server ?? {
      engine,
      path: at(c.offline?.path ?? join(STATE_DIR, engineBackend(engine).defaultFile)),
      attach: Object.fromEntries(Object.entries(c.offline?.attach ?? {}).map(([k, v]) => [k, at(v)])),
    },
    online: { ...onlineConfig(file, c.online, at), ...(c.online?.windows === 'tiles' ? { windows: 'tiles' as const } : {}) },
    ...(c.kafka !== undefined ? { kafka: kafkaConfig(file, c.kafka) } : {}),
    registry: registryConfig(file, root, c.registry?.url),
    busyTimeoutMs: c.busyTimeoutMs ?? 60_000,
    files: { allow: (c.files?.allow ?? []).map((p) => resolve(at(p))), inPlace: c.files?.inPlace ?? true },
    server: {
      host: c.server?.host ?? '127.0.0.1',
      port: c.server?.port ?? 8080,
      tokenEnv: c.server?.tokenEnv ?? 'FSQL_TOKEN',
      bodyLimitBytes: c.server?.bodyLimitBytes ?? 10 * 1024 * 1024,
      maxKeys: c.server?.maxKeys ?? 1000,
      renderCacheBytes: c.server?.renderCacheBytes ?? 64 * 1024 * 1024,
    },
  };
}

/** The registry: the project's file, or a shared PostgreSQL registry whose URL takes `${NAME}` from the environment. */
function registryConfig(file: string, root: string, url: string | undefined): ProjectConfig['registry'] {
  if (url === undefined) {
    const path = join(root, STATE_DIR, 'registry.db');
    return { location: path, label: path, shared: false };
  }
  const unset = (name: string) => new ConfigError(`${file}: registry.url reads the environment variable ${name}, which is not set — export it (it holds a secret, so it stays out of fsql.json)`);
  // The whole URL from one variable, as it is; a variable inside the URL (a password) is escaped for it.
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(url)?.[1];
  if (whole !== undefined && process.env[whole] === undefined) throw unset(whole);
  const expanded =
    whole !== undefined
      ? process.env[whole]!
      : url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
          const value = process.env[name];
          if (value === undefined) throw unset(name);
          return encodeURIComponent(value);
        });
  if (!/^postgres(ql)?:\/\//i.test(expanded)) throw new ConfigError(`${file}: registry.url: a shared registry is a PostgreSQL URL, postgres://user@host:5432/database (leave "registry" out for the project's own .fsql/registry.db) — fix the file (docs/registry.md)`);
  return { location: expanded, label: redactUrl(expanded), shared: true };
}

/**
 * The offline settings of a server engine (PostgreSQL): `url` required, with
 * `${NAME}` replaced by that environment variable (secrets stay out of
 * fsql.json); `path` and `attach` refused (file engines only). Undefined for
 * a file engine, whose `url` and `schema` are refused instead.
 */
/** The online store's config: a file store takes `path`; a server store (Redis) needs `url`, its secrets from the environment. */
function onlineConfig(
  file: string,
  online: { readonly store?: string | undefined; readonly path?: string | undefined; readonly url?: string | undefined; readonly keyPrefix?: string | undefined } | undefined,
  at: (p: string) => string,
): ProjectConfig['online'] {
  const store = online?.store ?? 'sqlite';
  const backend = onlineStoreBackend(store);
  const path = at(online?.path ?? join(STATE_DIR, backend.defaultFile));
  const fix = '— fix the file (docs/online-stores.md)';
  if (backend.capabilities.file) {
    const extra = (['url', 'keyPrefix'] as const).find((k) => online?.[k] !== undefined);
    if (extra !== undefined) throw new ConfigError(`${file}: online.${extra}: the ${backend.label} online store is a file, not a server: it takes "path", not "${extra}" ${fix}`);
    return { store, path };
  }
  if (online?.url === undefined) {
    throw new ConfigError(`${file}: online.url: the ${backend.label} online store needs the server's URL, e.g. "url": "redis://host:6379/0" (a password from the environment: "redis://:\${REDIS_PASSWORD}@host:6379") ${fix}`);
  }
  const unset = (name: string) => new ConfigError(`${file}: online.url reads the environment variable ${name}, which is not set — export it (it holds a secret, so it stays out of fsql.json)`);
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(online.url)?.[1];
  if (whole !== undefined && process.env[whole] === undefined) throw unset(whole);
  const url = whole !== undefined ? process.env[whole]! : online.url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const value = process.env[name];
    if (value === undefined) throw unset(name);
    return encodeURIComponent(value);
  });
  return { store, path, url, ...(online.keyPrefix !== undefined ? { keyPrefix: online.keyPrefix } : {}) };
}

function serverOffline(
  file: string,
  engine: EngineTarget,
  offline: { readonly path?: string | undefined; readonly url?: string | undefined; readonly schema?: string | undefined; readonly attach?: Readonly<Record<string, string>> | undefined } | undefined,
): ProjectConfig['offline'] | undefined {
  const backend = engineBackend(engine);
  const fix = '— fix the file (docs/offline-engines.md)';
  if (backend.location === 'file') {
    const extra = (['url', 'schema'] as const).filter((k) => offline?.[k] !== undefined);
    if (extra.length > 0) throw new ConfigError(`${file}: offline.${extra[0]}: the ${backend.label} offline engine is a database file, not a server: it takes "path", not "${extra[0]}" ${fix}`);
    return undefined;
  }
  const misplaced = (['path', 'attach'] as const).find((k) => offline?.[k] !== undefined);
  if (misplaced !== undefined) throw new ConfigError(`${file}: offline.${misplaced}: the ${backend.label} offline engine is a server: it takes "url" (and "schema"), not "${misplaced}" ${fix}`);
  if (offline?.url === undefined) {
    throw new ConfigError(`${file}: offline.url: the ${backend.label} offline engine needs the server's URL, e.g. "url": "postgres://user@host:5432/db" (a password from the environment: "postgres://user:\${PGPASSWORD}@host/db", or PGPASSWORD itself) ${fix}`);
  }
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(offline.url)?.[1];
  if (whole !== undefined && process.env[whole] === undefined) throw new ConfigError(`${file}: offline.url reads the environment variable ${whole}, which is not set — export it (it holds a secret, so it stays out of fsql.json)`);
  const url = whole !== undefined ? process.env[whole]! : offline.url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const value = process.env[name];
    if (value === undefined) throw new ConfigError(`${file}: offline.url reads the environment variable ${name}, which is not set — export it (it holds a secret, so it stays out of fsql.json)`);
    return encodeURIComponent(value);
  });
  // No schema: the engine's default (`fsql`; MySQL: the URL's database, else `fsql`).
  return { engine, path: redactUrl(url), attach: {}, url, ...(offline.schema !== undefined ? { schema: offline.schema } : {}) };
}

/**
 * Kafka's connection: brokers, client and group ids, TLS and SASL. As
 * written in fsql.json (`${NAME}` not yet taken from the environment: only
 * `fsql consume` and `fsql serve` need Kafka, and `expandKafkaConfig` reads
 * the variables then; secrets are never printed).
 */
export interface KafkaConfig {
  /** `host:port` of each bootstrap broker (an entry may hold several, comma-separated). */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The consumer group (partitions are shared among its members); offsets are fsql's own, not the group's. */
  readonly groupId: string;
  readonly ssl: boolean;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
}

function kafkaConfig(
  file: string,
  k: { brokers?: string | string[] | undefined; clientId?: string | undefined; groupId?: string | undefined; ssl?: boolean | undefined; sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined },
): KafkaConfig {
  const brokers = k.brokers === undefined ? [] : Array.isArray(k.brokers) ? k.brokers : [k.brokers];
  // Literal entries are checked now; those reading the environment when expanded.
  for (const b of brokers) if (!b.includes('${')) checkBrokers(file, b);
  return {
    brokers,
    clientId: k.clientId ?? 'fsql',
    groupId: k.groupId ?? 'fsql',
    ssl: k.ssl ?? false,
    ...(k.sasl !== undefined ? { sasl: { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password } } : {}),
  };
}

/** An entry's brokers; `written` is the entry as in fsql.json (shown instead of a value read from the environment). */
function checkBrokers(file: string, entry: string, written = entry): string[] {
  const out = entry.split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const b of out) {
    if (!/^[^\s:/@]+:\d{1,5}$/.test(b)) {
      const what = written === entry ? `"${b}"` : `"${written}" (as expanded from the environment)`;
      throw new ConfigError(`${file}: kafka.brokers: ${what} is not host:port — e.g. "brokers": ["kafka-1:9092", "kafka-2:9092"] (docs/kafka.md)`);
    }
  }
  return out;
}

/** The Kafka config with `${NAME}` taken from the environment (a ConfigError names an unset variable, never a value). */
export function expandKafkaConfig(k: KafkaConfig, file: string): KafkaConfig {
  const expand = (field: string, value: string): string =>
    value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = process.env[name];
      if (v === undefined) throw new ConfigError(`${file}: kafka.${field} reads the environment variable ${name}, which is not set — export it (secrets stay out of fsql.json; docs/kafka.md)`);
      return v;
    });
  return {
    brokers: k.brokers.flatMap((b) => checkBrokers(file, expand('brokers', b), b)),
    clientId: expand('clientId', k.clientId),
    groupId: expand('groupId', k.groupId),
    ssl: k.ssl,
    ...(k.sasl !== undefined ? { sasl: { mechanism: k.sasl.mechanism, username: expand('sasl.username', k.sasl.username), password: expand('sasl.password', k.sasl.password) } } : {}),
  };
}
