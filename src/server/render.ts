/**
 * Values on the wire. Canonical values (src/engine/values.ts) are rendered
 * by their column's type: TIMESTAMP (epoch µs) as ISO-8601 UTC text
 * (`2024-03-01T14:05:00Z`, a fraction only when it is not zero), DATE (epoch
 * days) as `YYYY-MM-DD`, everything else as the JSON value it is. Keys given
 * in requests are read with the entity's key types by `parseJson` (the rules
 * of data files: a TIMESTAMP or DATE key is given as text).
 */
import type { ColumnInfo, ScalarType } from '../check/catalog.js';
import { isoDate, isoTimestamp, type Value } from '../engine/values.js';
import { BadValue, parseJson } from '../store/files/values.js';
import { ApiError } from './errors.js';

export { isoDate, isoTimestamp };

/** A canonical value as the JSON value the API shows for a column of `type`. */
export function renderValue(v: Value, type: ScalarType | undefined): string | number | boolean | null {
  if (v === null) return null;
  if (typeof v === 'number') {
    if (type === 'TIMESTAMP') return isoTimestamp(v);
    if (type === 'DATE') return isoDate(v);
    return Number.isFinite(v) ? v : null;
  }
  return v;
}

/** A function writing the JSON text of a canonical value of one column type (request keys in responses, and the values of keys not stored; stored vectors are written by store/online/wire.ts). */
export type ValueWriter = (v: Value) => string;

const plainWriter: ValueWriter = (v) => {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return JSON.stringify(v);
  }
};

/**
 * Texts of timestamps recently written: the features of one key, and the keys
 * of one response, share few distinct event times. Cleared when it grows past
 * a few thousand entries.
 */
const isoCache = new Map<number, string>();
let lastMicros = Number.NaN;
let lastIso = '';
/** `"2024-03-01T14:05:00Z"` (quoted), or null. */
function timestampJson(micros: number | null): string {
  if (micros === null) return 'null';
  if (micros === lastMicros) return lastIso;
  let text = isoCache.get(micros);
  if (text === undefined) {
    if (isoCache.size >= 4096) isoCache.clear();
    text = `"${isoTimestamp(micros)}"`;
    isoCache.set(micros, text);
  }
  lastMicros = micros;
  lastIso = text;
  return text;
}

const timestampWriter: ValueWriter = (v) => (typeof v === 'number' ? timestampJson(v) : plainWriter(v));
const dateWriter: ValueWriter = (v) => (typeof v === 'number' ? `"${isoDate(v)}"` : plainWriter(v));

export function valueWriter(type: ScalarType | undefined): ValueWriter {
  if (type === 'TIMESTAMP') return timestampWriter;
  if (type === 'DATE') return dateWriter;
  return plainWriter;
}

// ---------------------------------------------------------------------------
// Keys

/** An entity's key as the API reads and writes it. */
export interface KeyShape {
  readonly entity: string;
  readonly columns: readonly ColumnInfo[];
  /** Lower-case column name → position. */
  readonly positions: ReadonlyMap<string, number>;
  /** `{"user_id":` … per column: the prefixes of the rendered key object. */
  readonly prefixes: readonly string[];
  readonly writers: readonly ValueWriter[];
}

export function keyShape(entity: string, columns: readonly ColumnInfo[]): KeyShape {
  return {
    entity,
    columns,
    positions: new Map(columns.map((c, i) => [c.name.toLowerCase(), i])),
    prefixes: columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`),
    writers: columns.map((c) => valueWriter(c.type)),
  };
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function keyNames(shape: KeyShape): string {
  return shape.columns.map((c) => c.name).join(', ');
}

/**
 * One key of a request — `{"user_id": "u1"}` or `["u1"]` — as canonical
 * values in the entity's key order. `index` is 0-based (messages say 1-based).
 */
export function parseKey(shape: KeyShape, raw: unknown, index: number): Value[] {
  const cols = shape.columns;
  const n = cols.length;
  const where = () => `key ${index + 1}`;
  const bad = (message: string) => new ApiError('bad_key', `${where()}: ${message}`, { key: index + 1 });
  const out: Value[] = new Array(n);
  if (Array.isArray(raw)) {
    if (raw.length !== n) throw bad(`${raw.length} value(s) given; the ${shape.entity} key has ${n} (${keyNames(shape)})`);
    for (let i = 0; i < n; i++) out[i] = readKeyValue(cols[i]!, raw[i], bad);
    return out;
  }
  if (typeof raw === 'object' && raw !== null) {
    const rec = raw as Record<string, unknown>;
    let given = 0;
    for (const name in rec) {
      if (!Object.hasOwn(rec, name)) continue;
      given++;
      const i = shape.positions.get(name.toLowerCase());
      if (i === undefined) throw bad(`the ${shape.entity} key has no column \`${name.length > 40 ? `${name.slice(0, 40)}…` : name}\` (its key is ${keyNames(shape)})`);
      if (out[i] !== undefined) throw bad(`column ${cols[i]!.name} is given twice`);
      out[i] = readKeyValue(cols[i]!, rec[name], bad);
    }
    if (given < n) {
      const missing = cols.filter((_c, i) => out[i] === undefined).map((c) => c.name);
      throw bad(`no value for ${missing.join(', ')} (the ${shape.entity} key is ${keyNames(shape)})`);
    }
    return out;
  }
  throw bad(`${describeJson(raw)} is not a key: give {${cols.map((c) => `"${c.name}": …`).join(', ')}} or [${cols.map(() => '…').join(', ')}]`);
}

function readKeyValue(column: ColumnInfo, v: unknown, bad: (m: string) => ApiError): Value {
  if (v === null || v === undefined) throw bad(`${column.name} is null: a NULL key matches nothing`);
  const parsed = parseJson(column.type, v);
  if (parsed instanceof BadValue) throw bad(`${column.name}: ${parsed.reason}`);
  return parsed;
}

/** A key given as text in a URL path, for a one-column key. */
export function parseKeyText(shape: KeyShape, text: string): Value[] {
  if (shape.columns.length !== 1) {
    throw new ApiError('bad_key', `the ${shape.entity} key has ${shape.columns.length} columns (${keyNames(shape)}): look it up with POST /v1/features/${shape.entity}`);
  }
  return parseKey(shape, [text], 0);
}

/** The JSON text of a key object, `{"user_id":"u1"}`. */
export function keyJson(shape: KeyShape, key: readonly Value[]): string {
  let s = '';
  for (let i = 0; i < shape.prefixes.length; i++) s += shape.prefixes[i]! + shape.writers[i]!(key[i] ?? null);
  return `${s}}`;
}
