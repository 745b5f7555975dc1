/**
 * JSONL / NDJSON: one JSON object per line, split by node:readline and read
 * by JSON.parse. Blank lines are skipped; a missing key or `null` is NULL;
 * other keys are ignored. A key names a declared column when it is spelled
 * the same, or else when it is the same case-insensitively.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ColumnInfo } from '../../check/catalog.js';
import type { Row, Value } from '../../engine/values.js';
import { isSystemError } from './csv.js';
import type { Sink } from './sink.js';
import { BadValue, parseJson, rowTemplate } from './values.js';

const BLANK = /^\s*$/;

export async function readJsonl(path: string, columns: readonly ColumnInfo[], sink: Sink): Promise<void> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let inputError: Error | undefined;
  const lines = createInterface({ input, crlfDelay: Infinity });
  input.on('error', (e) => {
    inputError = e;
    lines.close();
  });

  const names = columns.map((c) => c.name);
  const lower = new Map(columns.map((c, j) => [c.name.toLowerCase(), j]));
  const n = columns.length;
  const template = rowTemplate(columns);
  const values: unknown[] = new Array(n);
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
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        sink.error({ row, line, reason: `the line is ${Array.isArray(obj) ? 'a JSON array' : obj === null ? 'null' : `a JSON ${typeof obj}`}, not a JSON object` });
        if (sink.full) return;
        continue;
      }
      const record = obj as Record<string, unknown>;
      // Exact spellings first; keys that differ in case only when some column was not found.
      let missing = false;
      for (let j = 0; j < n; j++) {
        const name = names[j]!;
        if (Object.hasOwn(record, name)) values[j] = record[name];
        else {
          values[j] = undefined;
          missing = true;
        }
      }
      if (missing) {
        const found = new Map<number, string>();
        for (const key of Object.keys(record)) {
          const j = lower.get(key.toLowerCase());
          if (j === undefined || Object.hasOwn(record, names[j]!)) continue;
          const other = found.get(j);
          if (other !== undefined) {
            sink.error({ row, line, column: names[j]!, reason: `the keys ${JSON.stringify(other)} and ${JSON.stringify(key)} both name column ${names[j]}` });
            if (sink.full) return;
          }
          found.set(j, key);
          values[j] = record[key];
        }
      }
      const keep = !sink.failed;
      const out: Row = { ...template };
      for (let j = 0; j < n; j++) {
        const raw = values[j];
        const column = columns[j]!;
        let v: Value | BadValue;
        if (raw === null || raw === undefined) {
          v = column.nullable ? null : new BadValue(`${raw === null ? 'null' : 'missing'} (NULL) in a NOT NULL column`);
        } else v = parseJson(column.type, raw);
        if (v instanceof BadValue) {
          sink.error({ row, line, column: column.name, reason: v.reason });
          if (sink.full) return;
        } else if (keep) out[column.name] = v;
      }
      if (keep && !sink.failed && sink.push(out)) await sink.flush();
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
