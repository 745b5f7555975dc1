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
import { InvalidUtf8, Utf8Check } from './utf8.js';
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
  // Bytes that are not UTF-8 stop the read (csv-parse would read them as U+FFFD).
  const utf8 = new Utf8Check();
  input.on('error', (e) => parser.destroy(e));
  utf8.on('error', (e) => parser.destroy(e));
  input.pipe(utf8).pipe(parser);
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
      const problem = await describeCsvError(e, path, line);
      sink.error({ ...(problem.line !== undefined ? { line: problem.line } : {}), reason: `malformed CSV: ${problem.reason}` });
    } else if (e instanceof InvalidUtf8) {
      sink.error({ line: e.line, reason: e.message });
    } else if (isSystemError(e)) {
      sink.error({ reason: `cannot read the file: ${e.message}` });
    } else throw e;
  } finally {
    parser.destroy();
    utf8.destroy();
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
        // Described, not quoted: the first line of a file that is no CSV file (say, a
        // FILE path pointing at /etc/passwd) must not end up in a message.
        sink.error({ line: headerLine, column: c.name, reason: `the header has no column ${c.name} (expected columns ${names.join(', ')}; ${describeHeader(header)})` });
        ok = false;
      } else if (duplicates.has(key)) {
        sink.error({ line: headerLine, column: c.name, reason: `the header names column ${c.name} more than once` });
        ok = false;
      } else at[j] = i;
    });
    return ok;
  }
}

/** `the header has 3 fields, starting 'root:x:0:0:root:/root:…'`: a short, escaped prefix of the header line. */
function describeHeader(header: readonly string[]): string {
  const line = header.join(',');
  const cut = line.length > 24 ? `${line.slice(0, 24)}…` : line;
  return `the header has ${header.length} field${header.length === 1 ? '' : 's'}, starting ${JSON.stringify(cut)}`;
}

/**
 * csv-parse's error as a reason of our own: its messages quote the field
 * being read (file content), and it reports an unclosed quote where the file
 * ends, not where the quote opened. `next` is the line the next record would
 * start on (the records before the error were all read).
 */
async function describeCsvError(e: CsvError, path: string, next: number): Promise<{ line?: number; reason: string }> {
  const at = (e as CsvError & { lines?: number }).lines;
  const line = typeof at === 'number' ? at : undefined;
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
    case 'CSV_MAX_RECORD_SIZE': {
      const opened = await unclosedQuote(path);
      if (opened !== undefined) return { line: opened, reason: `the quote that opens a field on line ${opened} is never closed (a quote inside a quoted field is written twice: "say ""hi""")` };
      if (e.code === 'CSV_MAX_RECORD_SIZE') return { line: next, reason: `the record that starts on line ${next} is longer than ${MAX_RECORD_CHARS} characters` };
      return { ...(line !== undefined ? { line } : {}), reason: 'a quote is never closed' };
    }
    case 'INVALID_OPENING_QUOTE':
      return { ...(line !== undefined ? { line } : {}), reason: 'a quote inside a field that does not start with one: quote the whole field and write the quote twice ("say ""hi""")' };
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return { ...(line !== undefined ? { line } : {}), reason: 'a quoted field is followed by something other than a comma or the end of the line: write a quote inside a quoted field twice ("say ""hi""")' };
    default:
      return { ...(line !== undefined ? { line } : {}), reason: e.code };
  }
}

/**
 * The line on which the quoted field that is never closed opens, found by
 * reading the file again with csv-parse's quoting rules (a field that starts
 * with `"` is quoted; `""` inside it is a quote; the next lone `"` closes it).
 * Undefined when every quote closes (the error had another cause).
 */
async function unclosedQuote(path: string): Promise<number | undefined> {
  let line = 1;
  let quoted = false;
  /** A `"` inside a quoted field was the last character seen: it closes the field unless another `"` follows. */
  let pending = false;
  let fieldStart = true;
  let opened = 0;
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        if (pending) {
          pending = false;
          if (c === 0x22) continue; // `""`: a quote inside the field
          quoted = false; // the field closed; this character follows it
        }
        if (quoted) {
          if (c === 0x22) pending = true;
          else if (c === 0x0a) line++;
          continue;
        }
        if (c === 0x22 && fieldStart) {
          quoted = true;
          opened = line;
        } else if (c === 0x0a) line++;
        fieldStart = c === 0x2c || c === 0x0a || c === 0x0d || c === 0xfeff;
      }
    }
  } catch {
    return undefined;
  } finally {
    input.destroy();
  }
  return quoted && !pending ? opened : undefined;
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
