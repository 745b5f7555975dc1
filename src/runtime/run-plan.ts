/**
 * Runs plans on an engine: loads source rows and creates views and indexes,
 * then executes training, materialize, fit and spine plans — compiled through
 * the one front door, `compilePlan` (src/sql/compile.ts) — and reads their rows
 * back in the canonical value representation. The engine only runs SQL.
 */
import type { Catalog, ColumnInfo, LiteralValue } from '../check/catalog.js';
import { availableAfterSeconds, keyOf } from '../check/catalog.js';
import { viewsInOrder, planView } from '../plan/build.js';
import type { FeatureInfo } from '../check/catalog.js';
import type { FittedParameters } from '../plan/fitted.js';
import type { FitPlan, MaterializePlan, Plan, SpinePlan, TrainingPlan } from '../plan/ir.js';
import { fitStatistics } from '../plan/statistics.js';
import { compilePlan, printExpr } from '../sql/compile.js';
import { dialectFor } from '../sql/dialects/index.js';
import { indexesFor } from '../sql/indexes.js';
import { keyParameter, timeParameter, type MaterializeOptions, type TimeBindings } from '../sql/lower-plan.js';
import type { SqlExpr } from '../sql/ast.js';
import { MICROS_PER_DAY } from '../values/time.js';
import { relationStatistics as gatherStatistics } from './relation-statistics.js';
import type { Engine, Row, Table, Value } from '../engine/engine.js';
import { engineBackend } from '../engine/backends.js';

export type { Table };

/** A name (or other expression) printed for the engine's dialect. */
const name = (engine: Engine, n: string): string => printExpr(engine.target, { k: 'col', name: n } as SqlExpr);

/** Creates and fills a table per source given in `data`, then every view. */
export async function loadProject(engine: Engine, catalog: Catalog, data: Readonly<Record<string, readonly Row[]>>): Promise<void> {
  for (const r of Object.values(catalog.relations)) {
    if (r.kind !== 'source') continue;
    await engine.createTable(r.name, r.columns);
    const rows = data[r.name] ?? data[keyOf(r.name)] ?? [];
    if (rows.length > 0) await engine.insertRows(r.name, r.columns, rows);
  }
  await createViews(engine, catalog);
}

/** Creates the catalog's views in dependency order (those `only` accepts, when given); returns their names. */
export async function createViews(engine: Engine, catalog: Catalog, only?: (name: string) => boolean): Promise<string[]> {
  const created: string[] = [];
  for (const view of viewsInOrder(catalog)) {
    if (only && !only(view)) continue;
    await engine.execute(compilePlan(planView(catalog, view), engine.target).sql);
    created.push(view);
  }
  return created;
}

export async function createIndexes(engine: Engine, catalog: Catalog, plans: readonly Plan[]): Promise<void> {
  for (const spec of indexesFor(catalog, plans)) await engine.createIndex(spec.table, spec.columns);
}

/**
 * Training sets and ad-hoc spines are compiled with statistics of the data
 * where the engine's dialect chooses its windowed-aggregate strategy from
 * them (src/runtime/relation-statistics.ts): one small query first.
 */
export async function runTraining(engine: Engine, plan: TrainingPlan, times: TimeBindings = {}): Promise<Table> {
  return withComputedViews(engine, plan, async (tables) => {
    const sql = await compileForData(engine, plan, times, tables);
    return { columns: plan.columns.map((c) => c.name), rows: await engine.queryValues(sql, plan.columns) };
  });
}

/** The SQL of a training or spine plan for the data in `engine`: its relations' statistics read first, its computed views' copies (`tables`) read instead of the views. */
async function compileForData(engine: Engine, plan: TrainingPlan | SpinePlan, times: TimeBindings, tables: Record<string, string> | undefined): Promise<string> {
  const relationStatistics = await gatherStatistics(engine, plan, times);
  return compilePlan(plan, engine.target, times, { ...(relationStatistics ? { relationStatistics } : {}), ...(tables ? { tables } : {}) }).sql;
}

let computedCopies = 0;

/**
 * Runs `run` with the plan's computed views (`ComputedView`: GROUP BY,
 * DISTINCT, or over such a view) copied once into temporary tables indexed on
 * their lookups' (keys, event time), where the engine benefits
 * (`EngineCapabilities.computesViewsOnce`): an engine that inlines a view into
 * a per-spine-row lookup would otherwise aggregate it again for every spine
 * row. `tables` maps each view to its copy (`CompileOptions.tables`); the
 * copies are dropped afterwards. Values are the view's own: the copy has its
 * declared column types, which the view already casts to.
 */
export async function withComputedViews<T>(engine: Engine, plan: TrainingPlan | SpinePlan, run: (tables: Record<string, string> | undefined) => Promise<T>): Promise<T> {
  const views = plan.computedViews ?? [];
  if (views.length === 0 || !engineBackend(engine.target).capabilities.computesViewsOnce) return run(undefined);
  const tables: Record<string, string> = {};
  const run_ = ++computedCopies;
  try {
    for (const v of views) {
      const table = `__fsql_view${run_}_${v.name}`;
      await engine.createTable(table, v.columns.map((c) => ({ ...c, nullable: true })), { temporary: true });
      tables[v.name] = table;
      const cols = v.columns.map((c) => name(engine, c.name)).join(', ');
      await engine.execute(`INSERT INTO ${name(engine, table)} (${cols}) SELECT ${cols} FROM ${name(engine, v.name)}`);
      for (const index of v.indexes) await engine.createIndex(table, index);
    }
    return await run(tables);
  } finally {
    for (const table of Object.values(tables)) await engine.execute(`DROP TABLE IF EXISTS ${name(engine, table)}`);
  }
}

/** A training set's rows in batches (`Engine.queryBatches`): for sets larger than memory. Resolves to the row count. */
export async function streamTraining(engine: Engine, plan: TrainingPlan, times: TimeBindings, onBatch: (rows: Value[][]) => Promise<void> | void, batchRows?: number): Promise<number> {
  return withComputedViews(engine, plan, async (tables) => {
    const sql = await compileForData(engine, plan, times, tables);
    return engine.queryBatches(sql, plan.columns, onBatch, batchRows);
  });
}

/**
 * An ad-hoc spine's rows with their features, in batches: `rows` (canonical
 * values keyed by the spine table's column names: the keys and the time; the
 * position column is filled here) are loaded into a temporary table named
 * `plan.spine.table`, the plan runs over it, and the table is dropped.
 */
export async function streamSpine(engine: Engine, plan: SpinePlan, rows: readonly Row[], onBatch: (rows: Value[][]) => Promise<void> | void, batchRows?: number): Promise<number> {
  const s = plan.spine;
  const columns: ColumnInfo[] = [
    { name: s.rowColumn, type: 'INTEGER', nullable: false },
    ...s.keys.map((k) => ({ name: k.column, type: k.type, nullable: true })),
    { name: s.time.column, type: s.time.type, nullable: false },
  ];
  await engine.createTable(s.table, columns, { temporary: true });
  try {
    const numbered = rows.map((r, i) => ({ ...r, [s.rowColumn]: i + 1 }));
    await engine.insertRows(s.table, columns, numbered);
    return await withComputedViews(engine, plan, async (tables) => {
      const sql = await compileForData(engine, plan, {}, tables);
      return engine.queryBatches(sql, plan.columns, onBatch, batchRows);
    });
  } finally {
    await engine.execute(`DROP TABLE IF EXISTS ${name(engine, s.table)}`);
  }
}

export async function runMaterialize(engine: Engine, plan: MaterializePlan, times: TimeBindings, options: MaterializeOptions = {}): Promise<Table> {
  return materializeQuery(engine, plan, times, options, false);
}

/**
 * A materialize's table as its query returned it: the columns the text
 * leaves out (`sameAs`: a time several lookups share) are not copied into
 * every row but named in `sameAs`, each with the column it equals. For
 * readers by column position (`snapshotFromMaterialize`): at 50k rows the
 * copies cost ~5% of a whole materialize (every row's array grown, then
 * collected).
 */
export interface NarrowTable extends Table {
  readonly sameAs: Readonly<Record<string, string>>;
}

export function runMaterializeNarrow(engine: Engine, plan: MaterializePlan, times: TimeBindings, options: MaterializeOptions = {}): Promise<NarrowTable> {
  return materializeQuery(engine, plan, times, options, true);
}

function materializeQuery(engine: Engine, plan: MaterializePlan, times: TimeBindings, options: MaterializeOptions, narrow: true): Promise<NarrowTable>;
function materializeQuery(engine: Engine, plan: MaterializePlan, times: TimeBindings, options: MaterializeOptions, narrow: boolean): Promise<Table>;
function materializeQuery(engine: Engine, plan: MaterializePlan, times: TimeBindings, options: MaterializeOptions, narrow: boolean): Promise<Table> {
  const dialect = dialectFor(engine.target);
  const keys = options.keys;
  if (keys !== undefined && keys.length > 0 && keys.length <= MAX_BOUND_KEYS && dialect.capabilities.namedParameters) return runForKeys(engine, plan, times, keys, narrow);
  const { sql, sameAs } = compilePlan(plan, engine.target, times, { materialize: options });
  return materializeTable(plan, sameAs, (columns) => engine.queryValues(sql, columns), narrow);
}

/**
 * The plan's table from its query: the columns the text leaves out (`sameAs`,
 * a time several lookups share) are put back at the end of each row, copied
 * from the column they equal. `columns` of the result lists them in that order.
 * `narrow`: not copied, listed in the result's `sameAs` instead (`NarrowTable`).
 */
async function materializeTable(
  plan: MaterializePlan,
  sameAs: Readonly<Record<string, string>> | undefined,
  query: (columns: MaterializePlan['columns']) => Promise<Value[][]>,
  narrow: boolean,
): Promise<Table | NarrowTable> {
  const left = sameAs ? plan.columns.filter((c) => sameAs[c.name] !== undefined) : [];
  if (left.length === 0) return { columns: plan.columns.map((c) => c.name), rows: await query(plan.columns), ...(narrow ? { sameAs: {} } : {}) };
  const kept = plan.columns.filter((c) => sameAs![c.name] === undefined);
  const rows = await query(kept);
  if (narrow) return { columns: kept.map((c) => c.name), rows, sameAs: Object.fromEntries(left.map((c) => [c.name, sameAs![c.name]!])) };
  const from = left.map((c) => kept.findIndex((k) => k.name === sameAs![c.name]));
  for (const row of rows) for (const i of from) row.push(row[i]!);
  return { columns: [...kept, ...left].map((c) => c.name), rows };
}

/**
 * The SQL of a key-filtered materialize with its times and keys as
 * parameters, by plan and number of keys: an ingest recomputes a few keys of
 * the same plan again and again, and lowering, printing and preparing the
 * statement cost more than running it.
 */
/** More keys than this are written as literals: a statement has at most 32,766 parameters on SQLite, and one so large is rarely run twice. */
const MAX_BOUND_KEYS = 512;

const keyedSql = new WeakMap<MaterializePlan, Map<string, { readonly sql: string; readonly parameters: readonly string[]; readonly sameAs?: Readonly<Record<string, string>> }>>();

/** `runMaterialize` for a few keys, through a statement kept per plan and power-of-two number of keys. */
async function runForKeys(engine: Engine, plan: MaterializePlan, times: TimeBindings, keys: readonly (readonly LiteralValue[])[], narrow: boolean): Promise<Table> {
  // Padded to a power of two with the last key (a key listed twice is still one key): few statements serve every count.
  let size = 1;
  while (size < keys.length) size *= 2;
  const cacheKey = `${engine.target}:${size}:${Object.keys(times).sort().join(',')}`;
  let byCount = keyedSql.get(plan);
  if (!byCount) keyedSql.set(plan, (byCount = new Map()));
  const padded = Array.from({ length: size }, (_v, i) => keys[Math.min(i, keys.length - 1)]!);
  let statement = byCount.get(cacheKey);
  if (statement === undefined) {
    statement = compilePlan(plan, engine.target, times, { materialize: { keys: padded, parameters: true } });
    byCount.set(cacheKey, statement);
  }
  const parameters: Record<string, Value> = {};
  for (const [t, v] of Object.entries(times)) if (v !== undefined) parameters[timeParameter(t)] = v;
  padded.forEach((k, r) => k.forEach((v, c) => (parameters[keyParameter(r, c)] = v)));
  // Exactly the parameters the text uses (a plan need not read every time).
  const used: Record<string, Value> = {};
  for (const p of statement.parameters) used[p] = parameters[p] ?? null;
  return materializeTable(plan, statement.sameAs, (columns) => engine.queryValues(statement!.sql, columns, used), narrow);
}

/** The newest event time in a relation (µs), or null when it has no timed rows or no event time. */
export async function newestEventTime(engine: Engine, catalog: Catalog, relation: string): Promise<number | null> {
  const r = catalog.relations[keyOf(relation)];
  if (!r?.eventTime) return null;
  const t = r.columns.find((c) => c.name === r.eventTime)!;
  const sql = `SELECT MAX(${name(engine, t.name)}) AS ${name(engine, 't')} FROM ${name(engine, r.name)}`;
  const rows = await engine.query(sql, [{ name: 't', type: t.type }]);
  const v = rows[0]?.['t'] ?? null;
  if (v === null) return null;
  return t.type === 'DATE' ? (v as number) * MICROS_PER_DAY : (v as number);
}

/**
 * When the newest row of a relation becomes available (µs): its newest event
 * time plus its AVAILABLE delay (docs/semantics.md §3); null as for
 * newestEventTime. The default fit time and the default time of a
 * time-independent label's features: the newest rows are visible then.
 */
export async function newestAvailableTime(engine: Engine, catalog: Catalog, relation: string): Promise<number | null> {
  const newest = await newestEventTime(engine, catalog, relation);
  return newest === null ? null : newest + availableAfterSeconds(catalog, relation) * 1_000_000;
}

/** A feature version's raw values over its population (docs/semantics.md §5): each distinct value with its count. */
export interface FitPopulation {
  readonly values: readonly { readonly value: Value; readonly count: number }[];
  /** The fit time used (µs); null for a relation without event time, or with no timed rows. */
  readonly time: number | null;
}

/** Fits a feature version: runs its fit plan at `fitTime` (default: the newest event time in its relation). */
export async function runFit(engine: Engine, catalog: Catalog, feature: FeatureInfo, plan: FitPlan, fitTime?: number | null): Promise<FittedParameters> {
  const p = await runFitPopulation(engine, catalog, feature, plan, fitTime);
  return fitStatistics(feature, p.values, p.time);
}

/** The population a fit sees: runs the fit plan at `fitTime` (default: the newest event time in the feature's relation). */
export async function runFitPopulation(engine: Engine, catalog: Catalog, feature: FeatureInfo, plan: FitPlan, fitTime?: number | null): Promise<FitPopulation> {
  const time = fitTime === undefined ? await newestAvailableTime(engine, catalog, feature.relation) : fitTime;
  const columns: ColumnInfo[] = [
    { name: 'value', type: feature.rawType, nullable: true },
    { name: 'count', type: 'INTEGER', nullable: false },
  ];
  const timed = plan.lookup.access.eventTime !== undefined;
  // A relation with no timed rows has an empty population.
  if (timed && time === null) return { values: [], time: null };
  const bound = time ?? 0;
  const { sql } = compilePlan(plan, engine.target, { fit_time: bound, as_of: bound });
  const rows = await engine.query(sql, columns);
  return { values: rows.map((r) => ({ value: r['value'] ?? null, count: Number(r['count']) })), time: timed ? time : null };
}
