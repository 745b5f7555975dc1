/**
 * What the runtime refuses, as data: a stable code (the HTTP layer maps codes
 * to statuses), a message for people, and details (row errors, diffs).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RowError } from '../store/files/sink.js';
import type { PlanError } from '../store/registry/registry.js';

export type RuntimeErrorCode =
  /** The project does not type-check. */
  | 'check_failed'
  /** The apply plan has errors (a changed definition under an existing version). */
  | 'plan_failed'
  /** A data file or an ingest batch has bad rows. */
  | 'bad_rows'
  /** A TABLE source's table is missing or lacks a column. */
  | 'missing_table'
  /** A STREAM source's columns changed in a way that would lose stored events. */
  | 'stream_changed'
  /** A file a FILE source reads in place (DuckDB) changed or went since apply checked it: apply again. */
  | 'file_changed'
  | 'unknown_entity'
  | 'unknown_source'
  | 'unknown_feature'
  | 'unknown_training_set'
  /** A retired version (or one that can no longer be computed) was asked for; the message says why. */
  | 'retired'
  | 'not_a_stream'
  | 'nothing_registered'
  | 'not_materialized'
  /** An idempotency key reused for a different ingest batch. */
  | 'idempotency_conflict'
  /** The offline database of the engine asked for was never loaded by `fsql apply` (e.g. `--engine duckdb` on a project applied with SQLite). */
  | 'engine_not_applied'
  /** A database file of the project (registry, offline database) cannot be opened: not a database, or locked by another process. */
  | 'cannot_open'
  /** A feature version awaits its fit (its population has been empty so far): it cannot be trained yet. */
  | 'awaiting_fit'
  /** `fsql fit` of a version whose population is still empty. */
  | 'empty_population'
  /** `fsql fit` of a version that is already fitted, or that reads no fitted parameter. */
  | 'not_awaiting_fit'
  /** Another fsql process held a database's write lock (an apply, an ingest) for longer than `busyTimeoutMs`: retry. */
  | 'busy'
  | 'bad_request';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly details: {
      readonly diagnostics?: readonly Diagnostic[];
      readonly planErrors?: readonly PlanError[];
      readonly rowErrors?: readonly RowError[];
    } = {},
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}
