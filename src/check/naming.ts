/**
 * Output column names that are safe in every target dialect: letters, digits
 * and `_`, starting with a letter or `_`, at most 63 bytes of UTF-8
 * (PostgreSQL's limit, the smallest of the targets; a feature's own name may
 * hold any character, so a one-hot column is measured in bytes, not characters), unique ignoring case (MySQL, Spark,
 * BigQuery and Snowflake compare column names case-insensitively).
 */

export const MAX_COLUMN_NAME = 63;

/** A value as it appears in a one-hot column name: `US` → `US`, `-1.5` → `_1_5`, `true` → `true`. */
export function safeNamePart(value: string | number | boolean): string {
  return String(value).replace(/[^A-Za-z0-9_]+/g, '_');
}

/** The length of `s` in UTF-8 bytes. */
function utf8Bytes(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Shortens a name over the limit (in UTF-8 bytes), keeping it unique with a short hash of the full name; whole characters only. */
export function fitColumnName(name: string): string {
  if (utf8Bytes(name) <= MAX_COLUMN_NAME) return name;
  const hash = fnv1a(name).toString(36).padStart(7, '0').slice(0, 7);
  let head = '';
  for (const ch of name) {
    if (utf8Bytes(head + ch) > MAX_COLUMN_NAME - 8) break;
    head += ch;
  }
  return `${head}_${hash}`;
}

export interface OneHotNames {
  readonly columns: string[];
  /** Pairs of value indexes whose names collide (before de-duplication). */
  readonly collisions: [number, number][];
}

/**
 * `<feature>__<value>` per value. Colliding names (e.g. 'a-b' and 'a_b', or
 * 'US' and 'us') are reported and then made unique with `_2`, `_3`, … so the
 * planner can always use the result for fitted (TOP n) vocabularies.
 */
export function oneHotColumnNames(feature: string, values: readonly (string | number | boolean)[]): OneHotNames {
  const columns: string[] = [];
  const collisions: [number, number][] = [];
  const taken = new Map<string, number>();
  values.forEach((v, i) => {
    const base = fitColumnName(`${feature}__${safeNamePart(v)}`);
    let name = base;
    const clash = taken.get(name.toLowerCase());
    if (clash !== undefined) {
      collisions.push([clash, i]);
      for (let n = 2; taken.has(name.toLowerCase()); n++) name = fitColumnName(`${base}_${n}`);
    }
    taken.set(name.toLowerCase(), i);
    columns.push(name);
  });
  return { columns, collisions };
}

/** 32-bit FNV-1a: a small, stable hash for name suffixes. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
