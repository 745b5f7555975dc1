import type { Dialect, TargetName } from '../dialect.js';
import { duckdb } from './duckdb.js';
import { sqlite } from './sqlite.js';

/** The dialects that exist so far; the others are added one file each. */
export const dialects: Partial<Record<TargetName, Dialect>> = { sqlite, duckdb };

export function dialectFor(target: TargetName): Dialect {
  const d = dialects[target];
  if (!d) throw new Error(`no dialect for ${target} yet`);
  return d;
}
