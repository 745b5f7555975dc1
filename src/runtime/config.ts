/**
 * The project config, `fsql.json` beside the .fsql files. Every field is
 * optional; a missing file means all defaults. Paths are relative to the
 * project folder.
 *
 * ```json
 * {
 *   "offline": { "engine": "sqlite", "path": ".fsql/offline.db", "attach": { "crm": "crm.db" } },
 *   "online":  { "store": "sqlite", "path": ".fsql/online.db" },
 *   "files":   { "allow": ["/data/exports"] },
 *   "server":  { "host": "127.0.0.1", "port": 8080, "tokenEnv": "FSQL_TOKEN", "bodyLimitBytes": 10485760 },
 *   "busyTimeoutMs": 60000
 * }
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { engineBackend } from '../engine/backends.js';
import { onlineStoreBackend, onlineStoreKinds } from '../store/online/backends.js';
import { engineTargets, type EngineTarget } from '../engine/engine.js';
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
        engine: z.enum(engineTargets as unknown as [EngineTarget, ...EngineTarget[]]).optional(),
        path: z.string().min(1).optional(),
        attach: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a schema name is letters, digits and _'), z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    online: z
      .object({
        store: z.enum(onlineStoreKinds() as [string, ...string[]]).optional(),
        path: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    files: z
      .object({
        allow: z.array(z.string().min(1, 'a folder path cannot be empty')).optional(),
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
  };
  /** `store`: a registered online store kind (src/store/online/backends.ts). */
  readonly online: { readonly store: string; readonly path: string };
  /**
   * How long a write waits for another fsql process's write on the same
   * database (an apply, an ingest, a materialize) before it fails `busy`, in ms.
   */
  readonly busyTimeoutMs: number;
  /**
   * Folders outside the project that FILE sources may read (absolute): by
   * default none, so a FILE path names a file inside the project folder.
   */
  readonly files: { readonly allow: readonly string[] };
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
  return {
    dir: root,
    ...(exists ? { file } : {}),
    offline: {
      engine,
      path: at(c.offline?.path ?? join(STATE_DIR, engineBackend(engine).defaultFile)),
      attach: Object.fromEntries(Object.entries(c.offline?.attach ?? {}).map(([k, v]) => [k, at(v)])),
    },
    online: { store: c.online?.store ?? 'sqlite', path: at(c.online?.path ?? join(STATE_DIR, onlineStoreBackend(c.online?.store ?? 'sqlite').defaultFile)) },
    busyTimeoutMs: c.busyTimeoutMs ?? 60_000,
    files: { allow: (c.files?.allow ?? []).map((p) => resolve(at(p))) },
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
