/**
 * Where a registry keeps its tables: a storage backend, chosen by the
 * registry's location (a file path, `:memory:`, or a URL whose scheme a
 * backend claims). A backend hands the registry a typed Kysely instance and
 * the one thing that differs between databases beyond SQL: how a writer
 * excludes every other writer. Everything else — the queries, the
 * migrations, plan, diff, pins, lineage — is shared.
 *
 * A new backend is one file that calls `registerRegistryBackend` (postgres.ts),
 * imported once by registry.ts.
 */
import type { RegistryDb } from './database.js';
import type { SchemaFlavor } from './schema.js';

export interface RegistryStorage {
  readonly db: RegistryDb;
  /** Where the registry is, for messages: a path, or a URL without its password. */
  readonly location: string;
  /** Opened read-only: never migrated or written. */
  readonly readonly: boolean;
  readonly flavor: SchemaFlavor;
  /**
   * Runs `fn` in one transaction that no other writer of this registry (in
   * any process) runs beside, so that checking the plan is current and
   * writing it are one step. SQLite: `BEGIN IMMEDIATE` (waiting the busy
   * timeout, then SQLITE_BUSY). PostgreSQL: a transaction-level advisory lock.
   */
  write<T>(fn: (trx: RegistryDb) => Promise<T>): Promise<T>;
  /** Runs the migrations alone among the processes opening this registry. */
  migrating<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface RegistryOpenOptions {
  /** An existing registry only: never created, migrated or written. */
  readonly readonly?: boolean;
  /** How long a write waits for another process's write, in ms (SQLite's busy timeout). */
  readonly busyTimeoutMs?: number;
}

export interface RegistryBackend {
  /** For messages and docs. */
  readonly label: string;
  /** Whether this backend opens the location (a URL scheme it claims). */
  claims(location: string): boolean;
  /** The location as it may be shown (no password). */
  redact(location: string): string;
  open(location: string, options: RegistryOpenOptions): Promise<RegistryStorage>;
}

/** A registry on a server that cannot be reached (or refuses the credentials): the message names it, password hidden. Not a bug. */
export class RegistryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryUnavailableError';
  }
}

const BACKENDS: RegistryBackend[] = [];

/** Registers a backend; the first that claims a location opens it, the file backend (SQLite) last. */
export function registerRegistryBackend(backend: RegistryBackend, options: { readonly fallback?: boolean } = {}): void {
  if (options.fallback) BACKENDS.push(backend);
  else BACKENDS.unshift(backend);
}

export function registryBackendOf(location: string): RegistryBackend {
  const b = BACKENDS.find((x) => x.claims(location));
  if (!b) throw new Error(`no registry backend opens ${location}`);
  return b;
}

/** A location as it may be written to a message or a log: a URL's password replaced by `***`. */
export function redactLocation(location: string): string {
  return BACKENDS.find((x) => x.claims(location))?.redact(location) ?? location;
}
