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

const BLANK = /^\s*$/;

export async function readJsonl(path: string, columns: readonly ColumnInfo[], sink: Sink): Promise<void> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let inputError: Error | undefined;
  const lines = createInterface({ input, crlfDelay: Infinity });
  sink.position = () => input.bytesRead;
  input.on('error', (e) => {
    inputError = e;
    lines.close();
  });

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
        obj = JSON.parse(text);
      } catch (e) {
        sink.error({ row, line, reason: `not valid JSON: ${(e as Error).message}` });
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
    if (isSystemError(e)) sink.error({ reason: `cannot read the file: ${e.message}` });
    else throw e;
  } finally {
    lines.close();
    input.destroy();
  }
}
