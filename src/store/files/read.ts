/**
 * Reads a FILE source's data (CSV, Parquet, JSONL) into canonical rows,
 * validating every row against the declared columns. All or nothing: one bad
 * row and no rows are returned — instead up to `maxErrors` errors, each with
 * the file, the row, the column and the reason. See README.md for the rules.
 */
import { statSync } from 'node:fs';
import type { ColumnInfo, SourceFormat } from '../../check/catalog.js';
import type { Row } from '../../engine/values.js';
import { readCsv } from './csv.js';
import { readJsonl } from './jsonl.js';
import { readParquet } from './parquet.js';
import { Sink, type OnBatch, type RowError } from './sink.js';

export { formatRowError, type OnBatch, type RowError } from './sink.js';

export interface ReadOptions {
  /** How many errors to collect before reading stops (default 20). */
  readonly maxErrors?: number;
  /** Called after each batch is handed on (and awaited): how far reading got. */
  readonly onProgress?: (progress: ReadProgress) => void;
}

/**
 * How far a read got. `rows` counts valid rows handed on. CSV and JSONL
 * cannot know their row count without reading the file twice, so they say
 * `bytes` read of `totalBytes` instead (read ahead by up to 1 MiB of the
 * rows handed on); Parquet knows `totalRows` from its footer.
 */
export interface ReadProgress {
  readonly rows: number;
  readonly totalRows?: number;
  readonly bytes?: number;
  readonly totalBytes?: number;
}

export const DEFAULT_MAX_ERRORS = 20;

export type ReadResult = { readonly rows: Row[] } | { readonly errors: RowError[] };
export type BatchResult = { readonly rowCount: number } | { readonly errors: RowError[] };

/**
 * What a path names when it is not a regular file (`a directory`, `a FIFO`,
 * …), checked before opening: opening a FIFO blocks until someone writes to
 * it, and a device such as /dev/zero never ends. Undefined for a regular
 * file, and for a path that is not there (the reader says so) or holds a
 * glob (Parquet: DuckDB expands it).
 */
export function notRegularFile(path: string): string | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return undefined;
  }
  if (stat.isFile()) return undefined;
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'something other than a file';
}

const readers: Readonly<Record<SourceFormat, (path: string, columns: readonly ColumnInfo[], sink: Sink) => Promise<void>>> = {
  CSV: readCsv,
  JSONL: readJsonl,
  PARQUET: readParquet,
};

/**
 * Reads the whole file into memory: `{ rows }` (each row keyed by the
 * declared column names, every declared column present) when every row is
 * valid, otherwise `{ errors }`. For big files prefer readSourceFileBatches.
 */
export async function readSourceFile(
  path: string,
  format: SourceFormat,
  columns: readonly ColumnInfo[],
  options: ReadOptions = {},
): Promise<ReadResult> {
  const rows: Row[] = [];
  const result = await readSourceFileBatches(
    path,
    format,
    columns,
    65_536,
    (batch) => {
      for (const row of batch) rows.push(row);
    },
    options,
  );
  return 'errors' in result ? result : { rows };
}

/**
 * Streams the file in batches of at most `batchSize` valid rows, calling
 * (and awaiting) `onBatch` for each, so memory stays bounded by the batch
 * size. Validation runs ahead of the batches: as soon as one row is bad,
 * `onBatch` is no longer called, reading goes on only to collect up to
 * `maxErrors` errors, and the result is `{ errors }`.
 *
 * So batches already handed on may belong to a file that turns out bad: the
 * caller stores them inside one transaction and commits only when the
 * result is `{ rowCount }` (rolling back on `{ errors }`). An error thrown by
 * `onBatch` stops reading and is rethrown.
 */
export async function readSourceFileBatches(
  path: string,
  format: SourceFormat,
  columns: readonly ColumnInfo[],
  batchSize: number,
  onBatch: OnBatch,
  options: ReadOptions = {},
): Promise<BatchResult> {
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  if (!Number.isInteger(maxErrors) || maxErrors < 1) throw new RangeError(`maxErrors must be a positive integer, not ${maxErrors}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, not ${batchSize}`);
  if (columns.length === 0) throw new RangeError('a source needs at least one column');
  const reader = readers[format];
  if (reader === undefined) throw new RangeError(`unknown file format ${String(format)}`);
  const special = notRegularFile(path);
  if (special !== undefined) return { errors: [{ file: path, reason: `${special}, not a regular file: a FILE source reads a regular file` }] };
  const report = options.onProgress;
  let handed = 0;
  let totalBytes: number | undefined;
  if (report) {
    try {
      totalBytes = statSync(path).size;
    } catch {
      // A glob (Parquet) or a file that is not there: the reader says so.
    }
  }
  const sink: Sink = new Sink(
    path,
    maxErrors,
    batchSize,
    report
      ? async (rows) => {
          await onBatch(rows);
          handed += rows.length;
          const bytes = sink.position?.();
          report({
            rows: handed,
            ...(sink.totalRows !== undefined ? { totalRows: sink.totalRows } : {}),
            ...(bytes !== undefined && totalBytes !== undefined ? { bytes: Math.min(bytes, totalBytes), totalBytes } : {}),
          });
        }
      : onBatch,
  );
  await reader(path, columns, sink);
  if (sink.failed) return { errors: sink.errors };
  await sink.flush();
  return { rowCount: sink.rowCount };
}
