/**
 * Online stores by registration, like the offline engines
 * (src/engine/backends.ts): `"online": { "store": KIND }` in fsql.json picks a
 * backend, which says what it can do and how to open it. The runtime opens
 * stores only through here. A new store (Redis, issue 13) is one
 * `registerOnlineStore` call plus its module.
 */
import { SqliteOnlineStore } from './sqlite-store.js';
import type { OnlineStore } from './store.js';

export interface OnlineStoreCapabilities {
  /** Several processes may read and write the store at once (`serve --workers`, an ingest beside a server). */
  readonly multiProcess: boolean;
  /** The store lives in a file of the project (`"online": { "path": … }`), not on a server. */
  readonly file: boolean;
}

export interface OnlineStoreOpenOptions {
  /** How long a write waits for another process's write, in ms. */
  readonly writeTimeoutMs?: number;
}

export interface OnlineStoreBackend {
  /** The `"store"` of fsql.json. */
  readonly kind: string;
  /** For messages. */
  readonly label: string;
  /** The store's file name under `.fsql/` when fsql.json names none (file stores). */
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
