/**
 * Online stores by registration, like the offline engines
 * (src/engine/backends.ts): `"online": { "store": KIND }` in fsql.json picks a
 * backend, which says what it can do and how to open it. The runtime opens
 * stores only through here. A new store is one `registerOnlineStore` call
 * plus its module: a `VectorStore` (vector-store.ts) under the shared layer
 * (vectors.ts). Registered: SQLite (the default) and Redis.
 */
import { RedisOnlineStore } from './redis-store.js';
import { SqliteOnlineStore } from './sqlite-store.js';
import type { OnlineStore } from './store.js';

export interface OnlineStoreCapabilities {
  /** Several processes may read and write the store at once (`serve --workers`, an ingest beside a server). */
  readonly multiProcess: boolean;
  /**
   * The store lives in a file of the project (`"online": { "path": … }`).
   * False: on a server named by `"online": { "url": … }` (required), the
   * `path` being the file of its journal of owed updates.
   */
  readonly file: boolean;
}

export interface OnlineStoreOpenOptions {
  /** How long a write waits for another process's write, in ms. */
  readonly writeTimeoutMs?: number;
  /** A server store's URL as fsql.json gives it (`${NAME}`: from the environment). */
  readonly url?: string;
  /** A server store's key prefix (several projects share one server under different prefixes). */
  readonly keyPrefix?: string;
}

export interface OnlineStoreBackend {
  /** The `"store"` of fsql.json. */
  readonly kind: string;
  /** For messages. */
  readonly label: string;
  /** The store's file name under `.fsql/` when fsql.json names none (a server store: its journal's). */
  readonly defaultFile: string;
  readonly capabilities: OnlineStoreCapabilities;
  open(path: string, options: OnlineStoreOpenOptions): OnlineStore;
}

const BACKENDS = new Map<string, OnlineStoreBackend>();

export function registerOnlineStore(backend: OnlineStoreBackend): void {
  if (BACKENDS.has(backend.kind)) throw new Error(`an online store backend ${backend.kind} is already registered`);
  BACKENDS.set(backend.kind, backend);
}

/** The backend of a store kind; throws for a kind no backend serves. */
export function onlineStoreBackend(kind: string): OnlineStoreBackend {
  const b = BACKENDS.get(kind);
  if (!b) throw new Error(`no online store ${kind}`);
  return b;
}

/** The registered kinds, in registration order. */
export function onlineStoreKinds(): string[] {
  return [...BACKENDS.keys()];
}

registerOnlineStore({
  kind: 'sqlite',
  label: 'SQLite',
  defaultFile: 'online.db',
  capabilities: { multiProcess: true, file: true },
  open: (path, options) => new SqliteOnlineStore(path, options.writeTimeoutMs !== undefined ? { writeTimeoutMs: options.writeTimeoutMs } : {}),
});

registerOnlineStore({
  kind: 'redis',
  label: 'Redis',
  defaultFile: 'online-journal.db',
  capabilities: { multiProcess: true, file: false },
  open: (path, options) => {
    if (options.url === undefined) throw new Error('the Redis online store needs "online": { "url": "redis://…" } in fsql.json');
    return new RedisOnlineStore({
      url: options.url,
      journalPath: path,
      ...(options.keyPrefix !== undefined ? { keyPrefix: options.keyPrefix } : {}),
      ...(options.writeTimeoutMs !== undefined ? { writeTimeoutMs: options.writeTimeoutMs } : {}),
    });
  },
});
