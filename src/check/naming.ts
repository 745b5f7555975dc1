/**
 * Output column names that are safe in every target dialect: letters, digits
 * and `_`, starting with a letter or `_`, at most 63 characters (PostgreSQL's
 * limit, the smallest of the targets), unique ignoring case (MySQL, Spark,
 * BigQuery and Snowflake compare column names case-insensitively).
 */

export const MAX_COLUMN_NAME = 63;

/** A value as it appears in a one-hot column name: `US` → `US`, `-1.5` → `_1_5`, `true` → `true`. */
export function safeNamePart(value: string | number | boolean): string {
  return String(value).replace(/[^A-Za-z0-9_]+/g, '_');
}

/** Shortens a name over the limit, keeping it unique with a short hash of the full name. */
export function fitColumnName(name: string): string {
  if (name.length <= MAX_COLUMN_NAME) return name;
  const hash = fnv1a(name).toString(36).padStart(7, '0').slice(0, 7);
  return `${name.slice(0, MAX_COLUMN_NAME - 8)}_${hash}`;
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
