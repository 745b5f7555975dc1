import type { Dialect, TargetName } from '../dialect.js';
import { bigquery } from './bigquery.js';
import { duckdb } from './duckdb.js';
import { mysql } from './mysql.js';
import { postgres } from './postgres.js';
import { snowflake } from './snowflake.js';
import { spark } from './spark.js';
import { sqlite } from './sqlite.js';
import { trino } from './trino.js';

/** Every target's dialect (docs/targets.md). */
export const dialects: Readonly<Record<TargetName, Dialect>> = { sqlite, duckdb, postgres, mysql, spark, bigquery, snowflake, trino };

export function dialectFor(target: TargetName): Dialect {
  const d = dialects[target];
  if (!d) throw new Error(`no dialect for ${target}`);
  return d;
}
