/**
 * Where a file reader puts what it reads: valid rows, in batches, while no
 * row has been bad; and errors, up to a limit. Once one row is bad no more
 * batches are handed on (the caller will roll back what it stored), but
 * reading goes on to collect up to `maxErrors` errors, so that a user sees
 * several at once.
 */
import type { Row } from '../../engine/values.js';

export interface RowError {
  /** The file as it was named to the reader. */
  readonly file: string;
  /**
   * The 1-based data row: a CSV file's header does not count, nor do blank
   * lines (so row 1 is the first record after the header). Absent for an
   * error about the whole file (a missing header column, an unreadable file).
   */
  readonly row?: number;
  /**
   * The 1-based physical line the record starts on (CSV and JSONL; a CSV
   * header is line 1). A CSV record with quoted newlines spans several lines:
   * this is its first.
   */
  readonly line?: number;
  /** The declared column the error is about, when there is one. */
  readonly column?: string;
  /** What is wrong, e.g. `'abc' is not a DOUBLE`. */
  readonly reason: string;
}

/** `data/payments.csv: row 17 (line 18), column amount: 'abc' is not a DOUBLE`. */
export function formatRowError(e: RowError): string {
  const where: string[] = [];
  if (e.row !== undefined) where.push(e.line !== undefined ? `row ${e.row} (line ${e.line})` : `row ${e.row}`);
  else if (e.line !== undefined) where.push(`line ${e.line}`);
  if (e.column !== undefined) where.push(`column ${e.column}`);
  return `${e.file}: ${where.length > 0 ? `${where.join(', ')}: ` : ''}${e.reason}`;
}

export type OnBatch = (rows: Row[]) => Promise<void> | void;

export class Sink {
  readonly errors: RowError[] = [];
  /** Valid rows handed on (or waiting in the current batch). */
  rowCount = 0;
  /** Set by a reader that knows it: bytes of the file read so far (CSV, JSONL). */
  position: (() => number) | undefined;
  /** Set by a reader that knows it up front: the file's row count (Parquet, from its footer). */
  totalRows: number | undefined;
  private batch: Row[] = [];

  constructor(
    readonly file: string,
    private readonly maxErrors: number,
    private readonly batchSize: number,
    private readonly onBatch: OnBatch,
  ) {}

  /** True once a row was bad: rows are then validated but no longer kept. */
  get failed(): boolean {
    return this.errors.length > 0;
  }

  /** True once `maxErrors` errors are collected: the reader stops. */
  get full(): boolean {
    return this.errors.length >= this.maxErrors;
  }

  error(e: Omit<RowError, 'file'>): void {
    if (this.errors.length < this.maxErrors) this.errors.push({ file: this.file, ...e });
    this.batch = [];
  }

  /** Adds a valid row; true when the batch is full and `flush` must be awaited. */
  push(row: Row): boolean {
    if (this.errors.length > 0) return false;
    this.batch.push(row);
    this.rowCount++;
    return this.batch.length >= this.batchSize;
  }

  /** Hands the rows waiting on, in batches of at most `batchSize` (while no row was bad). */
  async flush(): Promise<void> {
    while (this.errors.length === 0 && this.batch.length > 0) {
      const rows = this.batch.length <= this.batchSize ? this.batch : this.batch.slice(0, this.batchSize);
      this.batch = rows === this.batch ? [] : this.batch.slice(this.batchSize);
      await this.onBatch(rows);
    }
  }
}
