/**
 * CSV through csv-parse (streaming; records as arrays of strings). The first
 * record is the header: declared columns are found in it by name, case-
 * insensitively; other columns are ignored. An empty field is NULL.
 *
 * csv-parse is used without its per-field `cast` and per-record `info`
 * hooks: each builds an object per field or record and made parsing 2 to 15
 * times slower. Line numbers are counted here instead: a record starts on the
 * line after the previous one ends, and spans one line more for each newline
 * inside its (quoted) fields.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { ColumnInfo } from '../../check/catalog.js';
import type { Row, Value } from '../../engine/values.js';
import type { Sink } from './sink.js';
import { BadValue, rowTemplate, textParser } from './values.js';

/** The longest record read (in characters): beyond it, as after an unclosed quote, reading stops with an error. */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

function newlines(record: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < record.length; i++) {
    const f = record[i]!;
    for (let at = f.indexOf('\n'); at !== -1; at = f.indexOf('\n', at + 1)) n++;
  }
  return n;
}

export async function readCsv(path: string, columns: readonly ColumnInfo[], sink: Sink): Promise<void> {
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  const parser = parse({ bom: true, relax_column_count: true, max_record_size: MAX_RECORD_CHARS });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  sink.position = () => input.bytesRead;

  const names = columns.map((c) => c.name);
  const nullable = columns.map((c) => c.nullable);
  const parsers = columns.map((c) => textParser(c.type));
  const n = columns.length;
  const template = rowTemplate(columns);
  /** Field index of each declared column; set from the header. */
  const at = new Int32Array(n);
  let width = -1;
  let line = 1;
  let row = 0;
  try {
    await consume(parser, onRecord, () => sink.flush());
    if (width < 0) sink.error({ reason: 'the file is empty: a CSV file needs a header row naming its columns' });
  } catch (e) {
    if (e instanceof CsvError) {
      const lineNo = (e as CsvError & { lines?: number }).lines;
      sink.error({ ...(typeof lineNo === 'number' ? { line: lineNo } : {}), reason: `malformed CSV: ${e.message}` });
    } else if (isSystemError(e)) {
      sink.error({ reason: `cannot read the file: ${e.message}` });
    } else throw e;
  } finally {
    parser.destroy();
    input.destroy();
  }

  function onRecord(record: string[]): Next {
    const start = line;
    line += 1 + newlines(record);
    const blank = record.length === 1 && record[0] === '';
    if (width < 0) {
      if (blank) return Next.Go; // blank lines before the header
      width = record.length;
      return readHeader(record, start) ? Next.Go : Next.Stop;
    }
    // A blank line is skipped, except in a one-column file, where it is that column's empty field: NULL.
    if (blank && width !== 1) return Next.Go;
    row++;
    if (record.length !== width) {
      sink.error({ row, line: start, reason: `the record has ${record.length} field${record.length === 1 ? '' : 's'}, the header ${width}` });
      return sink.full ? Next.Stop : Next.Go;
    }
    const out = validate(record, start);
    if (out !== undefined) return sink.push(out) ? Next.Flush : Next.Go;
    return sink.full ? Next.Stop : Next.Go;
  }

  /** The row of a record with the header's width, or undefined when it is bad (or rows are no longer kept). */
  function validate(record: readonly string[], start: number): Row | undefined {
    const keep = !sink.failed;
    const out: Row = { ...template };
    for (let j = 0; j < n; j++) {
      const text = record[at[j]!]!;
      let v: Value | BadValue;
      if (text === '') v = nullable[j] ? null : new BadValue('empty (NULL) in a NOT NULL column');
      else v = parsers[j]!(text);
      if (v instanceof BadValue) {
        sink.error({ row, line: start, column: names[j], reason: v.reason });
        if (sink.full) return undefined;
      } else if (keep) out[names[j]!] = v;
    }
    return keep && !sink.failed ? out : undefined;
  }

  function readHeader(header: readonly string[], headerLine: number): boolean {
    const index = new Map<string, number>();
    const duplicates = new Set<string>();
    header.forEach((h, i) => {
      const key = h.trim().toLowerCase();
      if (index.has(key)) duplicates.add(key);
      else index.set(key, i);
    });
    let ok = true;
    columns.forEach((c, j) => {
      const key = c.name.toLowerCase();
      const i = index.get(key);
      if (i === undefined) {
        const has = header.map((h) => h.trim()).join(', ');
        sink.error({ line: headerLine, column: c.name, reason: `the header has no column ${c.name} (it has ${has || 'none'})` });
        ok = false;
      } else if (duplicates.has(key)) {
        sink.error({ line: headerLine, column: c.name, reason: `the header names column ${c.name} more than once` });
        ok = false;
      } else at[j] = i;
    });
    return ok;
  }
}

const Next = { Go: 0, Flush: 1, Stop: 2 } as const;
type Next = (typeof Next)[keyof typeof Next];

/**
 * Feeds a record stream's records to `onRecord` synchronously ('data'
 * events: an async iterator costs a promise per record), pausing the stream
 * while `flush` runs when `onRecord` asks for it. Resolves at the end of the
 * stream or when `onRecord` says stop; rejects with the stream's error or
 * `flush`'s.
 */
function consume(stream: Readable, onRecord: (record: string[]) => Next, flush: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let flushing: Promise<void> | undefined;
    const stop = (e?: unknown) => {
      if (done) return;
      done = true;
      stream.pause();
      if (e === undefined) resolve();
      else reject(e);
    };
    stream.on('data', (record: string[]) => {
      if (done) return;
      const next = onRecord(record);
      if (next === Next.Stop) stop();
      else if (next === Next.Flush && flushing === undefined) {
        // Records already on their way arrive meanwhile; they join the next batch.
        stream.pause();
        flushing = flush().then(
          () => {
            flushing = undefined;
            if (!done) stream.resume();
          },
          (e: unknown) => stop(e),
        );
      }
    });
    stream.on('end', () => {
      if (flushing === undefined) stop();
      else void flushing.then(() => stop());
    });
    stream.on('error', (e) => stop(e));
  });
}

export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}
