/**
 * One JSON value (a JSONL line, or an element of an ingest request) as a row
 * of declared columns. A missing key or `null` is NULL; other keys are
 * ignored. A key names a declared column when it is spelled the same, or else
 * when it is the same case-insensitively. Values are read by `parseJson`.
 */
import type { ColumnInfo } from '../../check/catalog.js';
import type { Row, Value } from '../../engine/values.js';
import { BadValue, parseJson, rowTemplate } from './values.js';

export interface RecordProblem {
  readonly column?: string;
  readonly reason: string;
}

/**
 * Returns a function reading one JSON value: the row, or undefined after
 * reporting every problem of the value (at least one) to `report`.
 */
export function recordReader(columns: readonly ColumnInfo[], subject = 'the value'): (value: unknown, report: (p: RecordProblem) => void) => Row | undefined {
  const names = columns.map((c) => c.name);
  const lower = new Map(columns.map((c, j) => [c.name.toLowerCase(), j]));
  const n = columns.length;
  const template = rowTemplate(columns);
  const values: unknown[] = new Array(n);
  return (obj, report) => {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      report({ reason: `${subject} is ${Array.isArray(obj) ? 'a JSON array' : obj === null ? 'null' : `a JSON ${typeof obj}`}, not a JSON object` });
      return undefined;
    }
    const record = obj as Record<string, unknown>;
    let ok = true;
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
          report({ column: names[j]!, reason: `the keys ${JSON.stringify(other)} and ${JSON.stringify(key)} both name column ${names[j]}` });
          ok = false;
        }
        found.set(j, key);
        values[j] = record[key];
      }
    }
    const out: Row = { ...template };
    for (let j = 0; j < n; j++) {
      const raw = values[j];
      const column = columns[j]!;
      let v: Value | BadValue;
      if (raw === null || raw === undefined) {
        v = column.nullable ? null : new BadValue(`${raw === null ? 'null' : 'missing'} (NULL) in a NOT NULL column`);
      } else v = parseJson(column.type, raw);
      if (v instanceof BadValue) {
        report({ column: column.name, reason: v.reason });
        ok = false;
      } else out[column.name] = v;
    }
    return ok ? out : undefined;
  };
}
