/**
 * Ad-hoc spines (`POST /v1/historical-features`, `fsql train --spine`): the
 * point-in-time rows of the given feature versions for rows of (entity keys,
 * time) the user supplies, in their order — what a training set over a label
 * with exactly those rows would hold (docs/semantics.md §4), from the same
 * lookups and transforms with the registry's fitted parameters.
 *
 * The rows are loaded into a temporary table of the offline engine (this
 * connection's only, dropped after the query), the spine plan runs over it
 * and its result is handed on in batches.
 *
 * Rows: a key may be NULL (the row then matches no row of that entity's
 * relations: its features are as for an unknown key, FILL applied); the time
 * may not (row number and reason). A DATE time is read as midnight; the
 * output's time column is a TIMESTAMP.
 */
import { keyOf, parseVersionRef, type Catalog, type ColumnInfo, type VersionRef } from '../check/catalog.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { Row, Value } from '../engine/engine.js';
import { streamSpine } from './run-plan.js';
import { PlanBuildError, planSpine, spineKeysFor } from '../plan/build.js';
import type { SpinePlan } from '../plan/ir.js';
import { RuntimeError } from './errors.js';
import { exclusionOf, type RegisteredCatalog } from './registered-catalog.js';
import { refuseWaiting } from './train.js';
import type { Workspace } from './workspace.js';

/** `a, b@2` → refs (a name alone: the newest registered version); a bad entry is a `bad_request` naming it. */
export function parseFeatureRefs(text: string): VersionRef[] {
  const refs: VersionRef[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const ref = parseVersionRef(item);
    if (!ref) throw new RuntimeError('bad_request', `\`${item.slice(0, 60)}\` is not a feature: write NAME or NAME@VERSION (e.g. avg_amount_7d@2)`);
    refs.push(ref);
  }
  if (refs.length === 0) throw new RuntimeError('bad_request', 'no features given: list them as NAME or NAME@VERSION, separated by commas');
  return refs;
}

/** A spine ready to read rows for: the columns the rows need, and the plan. */
export interface PreparedSpine {
  readonly plan: SpinePlan;
  /** The spine's columns as the user names them: each entity key (its type; NULL allowed), then the time (a TIMESTAMP, not NULL). */
  readonly columns: readonly ColumnInfo[];
  readonly timeColumn: string;
}

let tables = 0;
const ROW = '__fsql_row';
const TIME = '__fsql_time';
const keyColumn = (i: number) => `__fsql_k${i}`;

/** The names of the entity keys a spine for these features needs (for a default time column, and messages). */
export async function spineKeyNames(ws: Workspace, refs: readonly VersionRef[]): Promise<string[]> {
  const rc = await ws.catalog();
  return spineKeysFor(rc.catalog, refs.map((r) => resolveFeature(rc, r))).map((k) => k.name);
}

/**
 * The time column of a spine whose columns are `names` when none is named:
 * the one column that is not a key of the features' entities.
 */
export function defaultTimeColumn(names: readonly string[], keys: readonly string[]): string {
  const others = names.filter((n) => !keys.some((k) => keyOf(k) === keyOf(n)));
  if (others.length === 1) return others[0]!;
  throw new RuntimeError(
    'bad_request',
    others.length === 0
      ? `the spine has no time column: besides the keys (${keys.join(', ')}) it needs one column of times`
      : `say which column of the spine is its time (time_column / --time): besides the keys (${keys.join(', ')}) it has ${others.join(', ')}`,
  );
}

/** Plans a spine over `refs`: refuses unknown, retired and unfitted feature versions before any row is read. */
export async function prepareSpine(ws: Workspace, refs: readonly VersionRef[], timeColumn: string): Promise<PreparedSpine> {
  const rc = await ws.catalog();
  const { catalog } = rc;
  const features = refs.map((r) => resolveFeature(rc, r));
  refuseWaiting(ws, catalog, 'compute features for the spine', features);
  const keys = spineKeysFor(catalog, features);
  if (keys.some((k) => keyOf(k.name) === keyOf(timeColumn))) throw new RuntimeError('bad_request', `the spine's time column ${timeColumn} is also a key column of the features' entities`);
  const table = `__fsql_spine_${process.pid}_${++tables}`;
  let plan: SpinePlan;
  try {
    plan = planSpine(
      catalog,
      features.map((f) => ({ name: f.name, version: f.version })),
      ws.fitted,
      { table, rowColumn: ROW, keyColumn: (name) => keyColumn(keys.findIndex((k) => k.name === name)), time: { column: TIME, type: 'TIMESTAMP', output: timeColumn } },
    );
  } catch (e) {
    if (e instanceof PlanBuildError) throw new RuntimeError('bad_request', e.message);
    throw e;
  }
  const columns: ColumnInfo[] = [...keys.map((k) => ({ name: k.name, type: k.type, nullable: true })), { name: timeColumn, type: 'TIMESTAMP', nullable: false }];
  return { plan, columns, timeColumn };
}

/**
 * Runs a prepared spine over `rows` (canonical values keyed by the names of
 * `prepared.columns`, as the file and body readers give them): `onBatch`
 * gets the output rows (`prepared.plan.columns`) in the spine's order.
 */
export async function streamSpineRows(ws: Workspace, prepared: PreparedSpine, rows: readonly Row[], onBatch: (rows: Value[][]) => Promise<void> | void): Promise<number> {
  const keys = prepared.plan.spine.keys;
  const stored: Row[] = rows.map((r) => {
    const out: Row = { [TIME]: r[prepared.timeColumn] ?? null };
    keys.forEach((k, i) => (out[keyColumn(i)] = r[k.name] ?? null));
    return out;
  });
  return ws.exclusive(async () => streamSpine(await ws.engine(), prepared.plan, stored, onBatch));
}

function resolveFeature(rc: RegisteredCatalog, ref: VersionRef): { name: string; version: number } & Catalog['features'][string][number] {
  const { catalog } = rc;
  const versions = catalog.features[keyOf(ref.name)];
  if (!versions || versions.length === 0) {
    const gone = rc.excluded.find((x) => x.kind === 'feature' && keyOf(x.name) === keyOf(ref.name));
    if (gone) throw new RuntimeError('retired', `feature ${gone.name} VERSION ${gone.version} ${gone.retired ? 'is retired' : 'can no longer be computed'}: ${gone.reason.replace(/^retired: /, '')}`);
    const known = Object.values(catalog.features).map((v) => v[0]!.name);
    const hint = didYouMean(ref.name, known);
    throw new RuntimeError('unknown_feature', `no registered feature ${ref.name}${hint ? `; ${hint}` : known.length ? ` (features: ${known.join(', ')})` : ''}`);
  }
  if (ref.version === undefined) return versions[versions.length - 1]!;
  const f = versions.find((v) => v.version === ref.version);
  if (f) return f;
  const x = exclusionOf(rc, ref.name, ref.version);
  if (x) throw new RuntimeError('retired', `feature ${x.name} VERSION ${x.version} ${x.retired ? 'is retired' : 'can no longer be computed'}: ${x.reason.replace(/^retired: /, '')}`);
  throw new RuntimeError('unknown_feature', `feature ${versions[0]!.name} has no registered VERSION ${ref.version} (versions: ${versions.map((v) => v.version).join(', ')})`);
}
