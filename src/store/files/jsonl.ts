/**
 * JSONL / NDJSON: one JSON object per line, split by node:readline and read
 * by JSON.parse. Blank lines are skipped; a missing key or `null` is NULL;
 * other keys are ignored. A key names a declared column when it is spelled
 * the same, or else when it is the same case-insensitively.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ColumnInfo } from '../../check/catalog.js';
import { isSystemError } from './csv.js';
import type { Sink } from './sink.js';
import { recordReader } from './records.js';
import { InvalidUtf8, Utf8Check } from './utf8.js';
import { JsonNumber } from './values.js';

const BLANK = /^\s*$/;

/** A number token that may not survive JSON.parse as written: 16+ digits, or an exponent. */
const IMPRECISE = /\d{16}|[eE]/;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * JSON.parse, except that a number a JavaScript number cannot hold as written
 * (an integer beyond 2^53, a value beyond the DOUBLE range) comes back as a
 * JsonNumber carrying its literal text. Node 20's JSON.parse gives a reviver
 * no source text, so the number tokens of the line are read here, in order,
 * only for a line that may hold such a number.
 */
export function parseJsonKeepingNumbers(text: string): unknown {
  if (!IMPRECISE.test(text)) return JSON.parse(text);
  let literals: string[] | undefined;
  const used = new Set<number>();
  const parsed: unknown = JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== 'number' || (Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v)))) return v;
    literals ??= numberTokens(text);
    const i = literals.findIndex((t, j) => !used.has(j) && Number(t) === v);
    if (i < 0) return v;
    used.add(i);
    return new JsonNumber(literals[i]!, v);
  });
  return parsed instanceof JsonNumber ? parsed.value : parsed;
}

/** The number tokens of a JSON text, outside strings, in order. */
function numberTokens(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string: up to the next quote that no backslash escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return out;
      out.push(m[0]);
      i += m[0].length;
    } else i++;
  }
  return out;
}

/**
 * JSON.parse's complaint without the piece of the line it quotes (V8 puts up
 * to ~30 characters of the text in its message: file content).
 */
function jsonProblem(e: Error): string {
  return e.message.replace(/,? *".*"(?:\.\.\.)? is not valid JSON$/s, '').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export async function readJsonl(path: string, columns: readonly ColumnInfo[], sink: Sink): Promise<void> {
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  let inputError: Error | undefined;
  // Bytes that are not UTF-8 stop the read (a decoder would read them as U+FFFD).
  const utf8 = new Utf8Check();
  const lines = createInterface({ input: input.pipe(utf8), crlfDelay: Infinity });
  sink.position = () => input.bytesRead;
  const fail = (e: Error) => {
    inputError = e;
    lines.close();
  };
  input.on('error', fail);
  utf8.on('error', fail);

  const read = recordReader(columns, 'the line');
  let line = 0;
  let row = 0;
  try {
    for await (let text of lines) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (BLANK.test(text)) continue;
      row++;
      let obj: unknown;
      try {
        obj = parseJsonKeepingNumbers(text);
      } catch (e) {
        sink.error({ row, line, reason: `not valid JSON: ${jsonProblem(e as Error)}` });
        if (sink.full) return;
        continue;
      }
      let full = false;
      const out = read(obj, (p) => {
        sink.error({ row, line, ...p });
        full ||= sink.full;
      });
      if (full) return;
      if (out !== undefined && !sink.failed && sink.push(out)) await sink.flush();
    }
    if (inputError) throw inputError;
  } catch (e) {
    if (e instanceof InvalidUtf8) sink.error({ line: e.line, reason: e.message });
    else if (isSystemError(e)) sink.error({ reason: `cannot read the file: ${e.message}` });
    else throw e;
  } finally {
    lines.close();
    utf8.destroy();
    input.destroy();
  }
}
