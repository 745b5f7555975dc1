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
  | 'unknown_entity'
  | 'unknown_source'
  | 'unknown_feature'
  | 'unknown_training_set'
  | 'not_a_stream'
  | 'nothing_registered'
  | 'not_materialized'
  /** An idempotency key reused for a different ingest batch. */
  | 'idempotency_conflict'
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
