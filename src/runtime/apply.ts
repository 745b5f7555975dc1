/**
 * `fsql apply`: type-check the project, plan against the registry, then in
 * one transaction of the offline engine
 *
 * 1. load each FILE source whose file (or definition) changed since it was
 *    last loaded — every row validated, nothing half-loaded;
 *    check each TABLE source's table and expose it under the source's name;
 *    create each STREAM source's table (kept across applies: it holds history);
 * 2. recreate the views and the indexes the plans probe;
 * 3. fit every feature version the plan adds that reads fitted parameters,
 *    and every registered one still awaiting its fit (at `fitAt`, default the
 *    newest event time of its relation) — an empty population fits nothing:
 *    the version awaits its fit (`ApplyOutcome.awaiting`) — and profile every
 *    feature version;
 * 4. write the registry (its own transaction, inside the engine's).
 *
 * Anything failing rolls everything back: the offline tables, the views and
 * the registry stay as they were. An engine without transactional DDL
 * (`capabilities.transactionalDdl` false: MySQL, Spark) cannot roll back:
 * there the changed FILE sources are first loaded into stage tables (a bad
 * file drops them and stops, leaving everything as it was), which then
 * replace the old tables (DROP, RENAME) before the views are recreated.
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync, type Stats } from 'node:fs';
import { resolve, sep } from 'node:path';
import { keyOf, versionKey, type Catalog, type ColumnInfo, type FeatureInfo, type SourceInfo } from '../check/catalog.js';
import { checkProject, type ProjectFile } from '../check/project.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { engineBackend, engineBackends } from '../engine/backends.js';
import { quoteIdentifier, type Engine, type Row } from '../engine/engine.js';
import { dialectFor } from '../sql/dialects/index.js';
import { createViews, runFitPopulation } from './run-plan.js';
import { indexesFor } from '../sql/indexes.js';
import { featureStatistics, fittedParameters, summarize } from '../plan/statistics.js';
import { planFit, planMaterialize, planTraining, viewsInOrder } from '../plan/build.js';
import type { Plan } from '../plan/ir.js';
import { notRegularFile, readSourceFileBatches, type BatchResult } from '../store/files/read.js';
import { checkParquetInPlace, streamParquetColumns } from '../store/files/parquet.js';
import { fileChange, filePins, fileStamp, FILES_TABLE, hashFile } from './files-in-place.js';
import { featuresToFit, RegistryError, type ApplyPlan, type ApplyResult, type FittedExtra, type StatisticsExtra } from '../store/registry/registry.js';
import { RuntimeError } from './errors.js';
import { refreshAfterFit } from './materialize.js';
import type { OnProgress } from './progress.js';
import type { Workspace } from './workspace.js';

export interface ApplyOptions {
  /** The fit time for new feature versions and those awaiting their fit, epoch µs (default: each feature relation's newest event time). */
  readonly fitAt?: number;
  /** Reload every FILE source even when its file did not change. */
  readonly reload?: boolean;
  /** Told the plan once it is made, before any work (the CLI prints it first). */
  readonly onPlan?: (plan: ApplyPlan) => void;
  /** Each step's counts as the work goes (rows loaded, feature versions fitted and profiled). */
  readonly onProgress?: OnProgress;
  /** Retire the registered versions the plan breaks, instead of refusing it. */
  readonly retireBroken?: boolean;
}

export interface SourceLoad {
  readonly source: string;
  readonly kind: 'file' | 'table' | 'stream';
  /**
   * `loaded`: rows read from the file; `in place`: the file's rows checked and the source made a view over the file
   * (DuckDB, Parquet); `unchanged`: the file was loaded (or checked) before and did not change; `created` / `kept`:
   * a stream's table; `checked`: a TABLE source.
   */
  readonly action: 'loaded' | 'in place' | 'unchanged' | 'created' | 'kept' | 'checked';
  readonly rows?: number;
  /** The source is a view over its file (read in place), not a copy. */
  readonly inPlace?: boolean;
}

/**
 * A feature version this apply left awaiting its fit: its fitted statistic
 * found no non-NULL value in its relation (a stream nothing was ingested into
 * yet, an empty file). The CLI warns; the next apply that finds a population
 * (or `fsql fit`) fits it.
 */
export interface AwaitingFit {
  readonly feature: string;
  readonly version: number;
  readonly relation: string;
  /** The fit time the population was taken at, epoch µs; null when the relation has no event time or no row. */
  readonly at: number | null;
}

export interface ApplyOutcome {
  readonly plan: ApplyPlan;
  readonly result: ApplyResult;
  readonly sources: readonly SourceLoad[];
  readonly fitted: readonly FittedExtra[];
  /** The feature versions that still await their fit after this apply. */
  readonly awaiting: readonly AwaitingFit[];
  readonly statistics: number;
  /** Entities whose online snapshot was recomputed because versions awaiting their fit were fitted. */
  readonly refreshed?: readonly string[];
}

/** Tables fsql keeps in the offline database for itself. */
const LOADS_TABLE = '__fsql_loads';
const VIEWS_TABLE = '__fsql_views';
const STREAMS_TABLE = '__fsql_streams';

const q = quoteIdentifier;
/**
 * A text literal as the engine reads it, quoted by its dialect: MySQL reads `\`
 * in a literal as an escape and Spark reads `''` as two adjacent literals, so
 * the SQL-standard doubling alone would break a name holding either.
 */
const s = (engine: Engine, text: string): string => dialectFor(engine.target).quoteString(text);
/**
 * A table or view fsql owns, in the engine's own schema (`main`; PostgreSQL:
 * fsql.json's `offline.schema`). Unqualified, SQLite would also find a table
 * of an attached database when main has none — and DROP it.
 */
const ownIn = (engine: Engine, name: string) => `${q(engine.schema)}.${q(name)}`;

/** How many times an apply plans again when applies of other checkouts keep registering first. */
const STALE_RETRIES = 5;

/** Checks and plans `files` against the registry; throws RuntimeError on check errors. */
export async function planProject(ws: Workspace, files: readonly ProjectFile[], options: { readonly retireBroken?: boolean } = {}): Promise<{ plan: ApplyPlan; catalog: Catalog }> {
  const checked = checkProject(files);
  if (hasErrors(checked.diagnostics)) {
    const n = checked.diagnostics.filter((d) => d.severity === 'error').length;
    throw new RuntimeError('check_failed', `the project has ${n} error${n === 1 ? '' : 's'}`, { diagnostics: checked.diagnostics });
  }
  return { plan: await ws.registry.plan(checked, { retireBroken: options.retireBroken ?? false }), catalog: checked.catalog };
}

export async function applyProject(ws: Workspace, files: readonly ProjectFile[], options: ApplyOptions = {}): Promise<ApplyOutcome> {
  const planned = async () => {
    const p = await planProject(ws, files, { retireBroken: options.retireBroken ?? false });
    if (p.plan.errors.length > 0) {
      throw new RuntimeError('plan_failed', `the plan has ${p.plan.errors.length} error${p.plan.errors.length === 1 ? '' : 's'}`, { planErrors: p.plan.errors });
    }
    return p;
  };
  let { plan, catalog } = await planned();
  options.onPlan?.(plan);
  const progress: OnProgress = options.onProgress ?? (() => undefined);
  // A shared registry (PostgreSQL) takes applies of other checkouts at any time: an apply that finds
  // the registry moved on since its plan (stale-plan) plans again and runs again, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyPlanned();
    } catch (e) {
      if (!(e instanceof RegistryError && e.code === 'stale-plan') || attempt >= STALE_RETRIES) throw e;
      progress({ step: `another apply registered first: planning again (attempt ${attempt + 1} of ${STALE_RETRIES})`, done: 1, total: 1, unit: 'plan', end: true });
    }
  }

  async function applyPlanned(): Promise<ApplyOutcome> {
    const outcome = await ws.exclusive(async () => {
      const engine = await ws.engine({ unchecked: true });
      return engine.transaction(async () => {
        // Another apply committed since this plan (while this one waited for the offline database's lock, or
        // in another checkout of a shared registry): plan again on what it registered.
        if ((await ws.registry.lastApply()) !== plan.basedOn) ({ plan, catalog } = await planned());
        await ensureBookkeeping(engine);
        const sources: SourceLoad[] = [];
        // In-place sources the project no longer declares become tables (registered versions may read them).
        await forgetRemovedPins(engine, catalog);
        // Without transactional DDL (MySQL, Spark) nothing rolls back: FILE sources load into stage tables first, so a
        // bad file leaves every table and view as it was; the stage tables replace the old ones after.
        const staged = engineBackend(engine.target).capabilities.transactionalDdl ? undefined : await stageFiles(ws, engine, catalog, options, progress);
        // Views read sources: drop them first, recreate after.
        await dropViews(engine);
        for (const r of Object.values(catalog.relations)) {
          if (r.kind !== 'source') continue;
          sources.push(await prepareSource(ws, engine, r, options, progress, staged));
        }
        const views = viewsInOrder(catalog).length;
        if (views > 0) progress({ step: 'creating views', done: 0, total: views, unit: 'view' });
        await createViews(engine, catalog);
        if (views > 0) progress({ step: 'creating views', done: views, total: views, unit: 'view', end: true });
        for (const v of viewsInOrder(catalog)) await engine.execute(`INSERT INTO ${q(VIEWS_TABLE)} (name) VALUES (${s(engine, v)})`);
        // The registry as this apply leaves it: registered versions compute from the view revisions they
        // pinned, each an instance view of its own (store/registry/pinned-catalog.ts).
        const after = await ws.registry.catalogAfter(plan);
        const work = after.catalog;
        // Views the files no longer declare stay registered, and so do the versions reading them: those views are
        // created too, when every table they read is there (a source's table outlives its statement).
        const projectViews = new Set(viewsInOrder(catalog).map(keyOf));
        const readable = new Map<string, boolean>();
        const canCreate = async (name: string): Promise<boolean> => {
          const k = keyOf(name);
          const known = readable.get(k);
          if (known !== undefined) return known;
          const r = work.relations[k];
          let ok = r !== undefined;
          if (r?.kind === 'source') ok = catalog.relations[k]?.kind === 'source' || (await tableExists(engine, [engine.schema, r.name]));
          else if (r?.kind === 'view') for (const d of r.dependsOn) ok = ok && (await canCreate(d));
          readable.set(k, ok);
          return ok;
        };
        for (const v of viewsInOrder(work)) if (!projectViews.has(keyOf(v))) await canCreate(v);
        for (const v of await createViews(engine, work, (name) => !projectViews.has(keyOf(name)) && readable.get(keyOf(name)) === true)) {
          await engine.execute(`INSERT INTO ${q(VIEWS_TABLE)} (name) VALUES (${s(engine, v)})`);
        }
        // A TABLE source read through a view (a table of another name, or in an attached database) cannot be indexed.
        const viewed = new Set(Object.values(catalog.relations).filter((r) => r.kind === 'source' && r.origin.kind === 'table' && !isOwnName(r, r.origin.name)).map((r) => keyOf(r.name)));
        // Nor can a FILE source read in place (a view over the file).
        for (const x of sources) if (x.action === 'in place' || x.inPlace) viewed.add(keyOf(x.source));
        const indexes = indexesFor(catalog, previewPlans(catalog)).filter((spec) => !viewed.has(keyOf(spec.table)));
        for (const [i, spec] of indexes.entries()) {
          progress({ step: 'creating indexes', done: i, total: indexes.length, unit: 'index' });
          await engine.createIndex(spec.table, spec.columns);
        }
        if (indexes.length > 0) progress({ step: 'creating indexes', done: indexes.length, total: indexes.length, unit: 'index', end: true });

        const toFit = new Set(featuresToFit(plan).map((f) => versionKey(f.name, f.version)));
        const fitted: FittedExtra[] = [];
        const statistics: StatisticsExtra[] = [];
        // Profiles are redone when data or definitions changed; otherwise the recorded ones still hold.
        const changed = sources.some((x) => x.action === 'loaded' || x.action === 'in place' || x.action === 'created') || plan.items.some((i) => i.status === 'added' || i.status === 'updated');
        // The project's feature versions as they compute (an unchanged registered one from what it pinned); retired ones not at all.
        const features = Object.values(catalog.features)
          .flat()
          .map((f) => work.features[keyOf(f.name)]?.find((x) => x.version === f.version))
          .filter((f): f is FeatureInfo => f !== undefined);
        // Registered versions awaiting their fit that the files no longer declare are fitted too.
        for (const ref of featuresToFit(plan)) {
          const f = work.features[keyOf(ref.name)]?.find((x) => x.version === ref.version);
          if (f && !features.includes(f)) features.push(f);
        }
        const added = new Set(plan.items.filter((i) => i.kind === 'feature' && i.status === 'added').map((i) => versionKey(i.name, i.version)));
        const awaiting: AwaitingFit[] = [];
        const step = { step: 'fitting and profiling features', unit: 'feature version', total: features.filter((f) => changed || options.reload || toFit.has(versionKey(f.name, f.version))).length };
        let profiled = 0;
        if (step.total > 0) progress({ ...step, done: 0 });
        for (const f of features) {
          const fit = toFit.has(versionKey(f.name, f.version));
          if (!fit && !changed && !options.reload) continue;
          const population = await runFitPopulation(engine, work, f, planFit(work, f.name, f.version), fit ? options.fitAt : undefined);
          // One summary of the population: the fitted parameters and the recorded statistics are the same numbers.
          const summary = summarize(population.values, f.rawType);
          let fittedNow = false;
          if (fit) {
            // An empty population fits nothing: the version waits for data (docs/semantics.md §5).
            const parameters = fittedParameters(f, summary, population.time);
            fittedNow = parameters.count > 0;
            if (fittedNow) fitted.push({ feature: f.name, version: f.version, parameters });
            else awaiting.push({ feature: f.name, version: f.version, relation: f.relation, at: population.time });
          }
          // A version still awaiting its fit, in an apply that changed nothing, keeps the statistics it has.
          if (changed || options.reload || fittedNow || added.has(versionKey(f.name, f.version))) statistics.push({ feature: f.name, version: f.version, statistics: featureStatistics(summary) });
          progress({ ...step, done: ++profiled, end: profiled === step.total });
        }
        const newlyAwaiting = awaiting.filter((a) => added.has(versionKey(a.feature, a.version))).map((a) => ({ feature: a.feature, version: a.version }));
        const result = await ws.registry.apply(plan, { fitted, awaiting: newlyAwaiting, statistics });
        return { plan, result, sources, fitted, awaiting, statistics: statistics.length };
      });
    });
    // Versions that awaited their fit and got it now: what is served for them is recomputed at once.
    const added = new Set(plan.items.filter((i) => i.status === 'added').map((i) => versionKey(i.name, i.version)));
    const late = outcome.fitted.filter((f) => !added.has(versionKey(f.feature, f.version)));
    const refreshed = await refreshAfterFit(ws, late);
    return { ...outcome, refreshed: refreshed.map((r) => r.entity) };
  }
}

/** Plans that say which indexes help (fitted parameters do not matter for that). */
function previewPlans(catalog: Catalog): Plan[] {
  const plans: Plan[] = [];
  const none = () => undefined;
  for (const e of Object.values(catalog.entities)) {
    const features = Object.values(catalog.features).flat().filter((f) => keyOf(f.key.entity) === keyOf(e.name));
    if (features.length > 0) plans.push(planMaterialize(catalog, e.name, none, { preview: true, features: features.map((f) => ({ name: f.name, version: f.version })).filter((f, i, a) => a.findIndex((x) => keyOf(x.name) === keyOf(f.name)) === i) }));
  }
  for (const versions of Object.values(catalog.trainingSets)) for (const t of versions) plans.push(planTraining(catalog, t.name, none, { version: t.version, preview: true }));
  return plans;
}

async function ensureBookkeeping(engine: Engine): Promise<void> {
  if (!engineBackend(engine.target).capabilities.transactionalDdl) {
    // Each engine's own types (Spark has no TEXT and no PRIMARY KEY); rows are deleted before they are written anyway.
    const text = (name: string, nullable = false): ColumnInfo => ({ name, type: 'TEXT', nullable });
    const tables: [string, ColumnInfo[]][] = [
      [LOADS_TABLE, [text('source'), text('fingerprint'), { name: 'row_count', type: 'INTEGER', nullable: false }]],
      [VIEWS_TABLE, [text('name')]],
      [STREAMS_TABLE, [text('source'), text('columns')]],
    ];
    for (const [name, columns] of tables) if (!(await tableExists(engine, [engine.schema, name]))) await engine.createTable(name, columns);
    return;
  }
  await engine.execute(
    `CREATE TABLE IF NOT EXISTS ${q(LOADS_TABLE)} (source TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, row_count INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS ${q(VIEWS_TABLE)} (name TEXT PRIMARY KEY);
     CREATE TABLE IF NOT EXISTS ${q(STREAMS_TABLE)} (source TEXT PRIMARY KEY, columns TEXT NOT NULL)`,
  );
  if (engineBackend(engine.target).capabilities.readsFilesInPlace) {
    await engine.execute(
      `CREATE TABLE IF NOT EXISTS ${q(FILES_TABLE)} (source TEXT PRIMARY KEY, path TEXT NOT NULL, size BIGINT NOT NULL, mtime TEXT NOT NULL, ctime TEXT NOT NULL, sha256 TEXT NOT NULL)`,
    );
  }
}

async function dropViews(engine: Engine): Promise<void> {
  const views = (await engine.query(`SELECT name FROM ${q(VIEWS_TABLE)}`)).map((r) => String(r['name']));
  // A view may read another: drop until none is left (each pass drops those nothing reads any more).
  let left = views;
  for (let pass = 0; left.length > 0 && pass <= views.length; pass++) {
    const failed: string[] = [];
    for (const v of [...left].reverse()) {
      try {
        await engine.execute(`DROP VIEW IF EXISTS ${ownIn(engine, v)}`);
      } catch {
        failed.push(v);
      }
    }
    left = failed;
  }
  await engine.execute(`DELETE FROM ${q(VIEWS_TABLE)}`);
}

async function tableExists(engine: Engine, name: readonly string[]): Promise<boolean> {
  try {
    await engine.query(`SELECT 1 FROM ${name.map(q).join('.')} WHERE 1 = 0`);
    return true;
  } catch {
    return false;
  }
}

function columnsKey(columns: readonly ColumnInfo[]): string {
  return JSON.stringify(columns.map((c) => [c.name, c.type, c.nullable]));
}

/** A FILE source loaded into its stage table (engines without transactional DDL), not yet in place. */
interface StagedLoad {
  readonly load: SourceLoad;
  readonly stage?: { readonly table: string; readonly fingerprint: string };
}

const stageName = (source: string) => `${source}__fsql_stage`;

/**
 * Loads every FILE source whose file changed into a stage table of its own;
 * on any failure drops the stage tables made so far and throws: the old
 * tables and views are untouched.
 */
async function stageFiles(ws: Workspace, engine: Engine, catalog: Catalog, options: ApplyOptions, progress: OnProgress): Promise<Map<string, StagedLoad>> {
  const staged = new Map<string, StagedLoad>();
  try {
    // TABLE sources are checked first: one that fails stops the apply before anything changed.
    for (const r of Object.values(catalog.relations)) if (r.kind === 'source' && r.origin.kind === 'table') await exposeTable(engine, r, r.origin.name, true);
    for (const r of Object.values(catalog.relations)) {
      if (r.kind !== 'source' || r.origin.kind !== 'file') continue;
      staged.set(keyOf(r.name), await loadFile(ws, engine, r, r.origin.path, r.origin.format, options, progress, stageName(r.name)));
    }
    return staged;
  } catch (e) {
    for (const r of Object.values(catalog.relations)) {
      if (r.kind === 'source' && r.origin.kind === 'file') await engine.execute(`DROP TABLE IF EXISTS ${ownIn(engine, stageName(r.name))}`).catch(() => undefined);
    }
    throw e;
  }
}

/** Puts a staged FILE source in place of its old table (DROP, then RENAME) and records the load. */
async function swapIn(engine: Engine, r: SourceInfo, staged: StagedLoad): Promise<SourceLoad> {
  if (!staged.stage) return staged.load;
  await engine.execute(`DROP TABLE IF EXISTS ${ownIn(engine, r.name)}`);
  await engine.execute(`ALTER TABLE ${ownIn(engine, staged.stage.table)} RENAME TO ${ownIn(engine, r.name)}`);
  await recordLoad(engine, r, staged.stage.fingerprint, staged.load.rows ?? 0);
  return staged.load;
}

async function recordLoad(engine: Engine, r: SourceInfo, fingerprint: string, rows: number): Promise<void> {
  await engine.execute(`DELETE FROM ${q(LOADS_TABLE)} WHERE source = ${s(engine, keyOf(r.name))}`);
  await engine.execute(`INSERT INTO ${q(LOADS_TABLE)} (source, fingerprint, row_count) VALUES (${s(engine, keyOf(r.name))}, ${s(engine, fingerprint)}, ${rows})`);
}

async function prepareSource(ws: Workspace, engine: Engine, r: SourceInfo, options: ApplyOptions, progress: OnProgress, staged?: ReadonlyMap<string, StagedLoad>): Promise<SourceLoad> {
  switch (r.origin.kind) {
    case 'file': {
      const done = staged?.get(keyOf(r.name));
      if (done) return swapIn(engine, r, done);
      if (readsInPlace(ws, engine, r.origin.path, r.origin.format)) return fileInPlace(ws, engine, r, r.origin.path, options, progress);
      return (await loadFile(ws, engine, r, r.origin.path, r.origin.format, options, progress)).load;
    }
    case 'table':
      await dropInPlace(engine, r.name);
      return exposeTable(engine, r, r.origin.name);
    case 'stream':
      await dropInPlace(engine, r.name);
      return prepareStream(engine, r);
  }
}

/**
 * Loads a FILE source into its table — or, given `stage`, into that table
 * instead, leaving the recording of the load to `swapIn`.
 */
async function loadFile(ws: Workspace, engine: Engine, r: SourceInfo, file: string, format: 'CSV' | 'JSONL' | 'PARQUET', options: ApplyOptions, progress: OnProgress, stage?: string): Promise<StagedLoad> {
  const { path, stat } = checkFilePath(ws, r, file);
  // A hash of what identifies the load: plain hex, the same text in every engine's string literal (JSON's
  // backslashes and quotes are escapes in Spark's and MySQL's literals).
  const fingerprint = createHash('sha256').update(JSON.stringify({ size: stat.size, mtime: stat.mtimeMs, format, columns: columnsKey(r.columns) })).digest('hex');
  const known = await engine.query(`SELECT fingerprint, row_count FROM ${q(LOADS_TABLE)} WHERE source = ${s(engine, keyOf(r.name))}`);
  if (!options.reload && known[0]?.['fingerprint'] === fingerprint && (await tableExists(engine, [engine.schema, r.name]))) {
    return { load: { source: r.name, kind: 'file', action: 'unchanged', rows: Number(known[0]?.['row_count']) } };
  }
  const into = stage ?? r.name;
  // Read in place before (a view over the file): the view goes, and so does its pin.
  if (stage === undefined) await dropInPlace(engine, r.name);
  // Rows of a total for Parquet (its footer has the count); rows and bytes of the file's size for CSV and JSONL.
  const step = `loading ${r.name}`;
  progress({ step, done: 0, unit: 'row', bytes: { done: 0, total: stat.size } });
  await engine.execute(`DROP TABLE IF EXISTS ${ownIn(engine, into)}`);
  await engine.createTable(into, r.columns);
  const result =
    format === 'PARQUET' && !/[*?[]/.test(file)
      ? await loadParquet(engine, r, path, into, (done, total) => progress({ step, done, total, unit: 'row' }))
      : await readSourceFileBatches(path, format, r.columns, 10_000, (rows) => engine.insertRows(into, r.columns, rows), {
          onProgress: (p) => progress({ step, done: p.rows, unit: 'row', ...(p.totalRows !== undefined ? { total: p.totalRows } : {}), ...(p.bytes !== undefined && p.totalBytes !== undefined ? { bytes: { done: p.bytes, total: p.totalBytes } } : {}) }),
        });
  if ('errors' in result) {
    throw new RuntimeError('bad_rows', `source ${r.name}: ${file} has invalid rows; nothing was loaded`, {
      rowErrors: result.errors.map((e) => ({ ...e, file })),
    });
  }
  if (stage === undefined) await recordLoad(engine, r, fingerprint, result.rowCount);
  progress({ step, done: result.rowCount, total: result.rowCount, unit: 'row', end: true });
  const load: SourceLoad = { source: r.name, kind: 'file', action: 'loaded', rows: result.rowCount };
  return stage === undefined ? { load } : { load, stage: { table: stage, fingerprint } };
}

/**
 * Loads a Parquet file (one file, not a glob) into `into`: checked first by one
 * DuckDB query with the rules of a row-by-row read (`checkParquetInPlace`: the
 * same errors), then streamed column by column straight into the engine
 * (`insertColumns` where the engine has it), without a row object or a
 * conversion per value: the load runs at DuckDB's and the engine's speed.
 */
async function loadParquet(engine: Engine, r: SourceInfo, path: string, into: string, onProgress: (done: number, total: number) => void): Promise<BatchResult> {
  const before = fileStamp(path);
  const checked = await checkParquetInPlace(path, r.columns);
  if ('errors' in checked) return checked;
  let done = 0;
  onProgress(0, checked.rowCount);
  const rowCount = await streamParquetColumns(path, checked, r.columns, 16_384, async (values, count) => {
    if (engine.insertColumns) await engine.insertColumns(into, r.columns, values, count);
    else {
      const rows: Row[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const row: Row = {};
        r.columns.forEach((c, j) => (row[c.name] = values[j]![i]!));
        rows[i] = row;
      }
      await engine.insertRows(into, r.columns, rows);
    }
    done += count;
    onProgress(done, checked.rowCount);
  });
  // Checked rows only: a file rewritten between the check and the copy is refused.
  const after = fileStamp(path);
  if (before === undefined || after === undefined || JSON.stringify(before) !== JSON.stringify(after) || rowCount !== checked.rowCount) {
    return { errors: [{ file: path, reason: 'the file changed while it was being loaded: apply again once it is written' }] };
  }
  return { rowCount };
}

/** A FILE path's absolute path and stat, after refusing one outside the allowed folders, missing, or not a regular file. */
function checkFilePath(ws: Workspace, r: SourceInfo, file: string): { path: string; stat: Stats } {
  const path = resolve(ws.dir, file);
  const outside = outsideAllowed(path, ws.dir, ws.config.files.allow);
  if (outside !== undefined) {
    const reason = `${outside} outside the project folder, and fsql.json allows no folder that holds it`;
    throw new RuntimeError('bad_rows', `source ${r.name}: FILE '${file}' is ${reason}: a FILE source reads a file inside the project (${ws.dir}); to read another folder, list it in fsql.json: "files": { "allow": ["/path/to/folder"] }`, {
      rowErrors: [{ file, reason: `${outside} outside the project folder` }],
    });
  }
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new RuntimeError('bad_rows', `source ${r.name}: cannot read ${file} (no such file under ${ws.dir})`, { rowErrors: [{ file, reason: 'no such file' }] });
  }
  const special = notRegularFile(path);
  if (special !== undefined) {
    throw new RuntimeError('bad_rows', `source ${r.name}: FILE '${file}' is ${special}, not a regular file`, { rowErrors: [{ file, reason: `${special}, not a regular file` }] });
  }
  return { path, stat };
}

/**
 * The FILE source is read in place: the engine can (`readsFilesInPlace`), fsql.json does not say
 * `"files": { "inPlace": false }`, the file is Parquet, and its path is one file (no glob: a
 * glob's files would have to be pinned one by one, and the set of them can change).
 */
function readsInPlace(ws: Workspace, engine: Engine, file: string, format: 'CSV' | 'JSONL' | 'PARQUET'): boolean {
  return engineBackend(engine.target).capabilities.readsFilesInPlace && engine.readParquetSql !== undefined && ws.config.files.inPlace && format === 'PARQUET' && !/[*?[]/.test(file);
}

/**
 * A Parquet FILE source read in place: the file's rows are checked by the rules
 * a load applies (one query; the first bad rows with their reasons), then the
 * source becomes a view over the file, and the file's size, times and SHA-256
 * are pinned (files-in-place.ts) so that nothing reads it once it changed.
 * An unchanged file (same size and times, or the same hash) is not checked again.
 */
async function fileInPlace(ws: Workspace, engine: Engine, r: SourceInfo, file: string, options: ApplyOptions, progress: OnProgress): Promise<SourceLoad> {
  const { path } = checkFilePath(ws, r, file);
  const key = keyOf(r.name);
  const fingerprint = createHash('sha256').update(JSON.stringify({ inPlace: path, format: 'PARQUET', columns: columnsKey(r.columns) })).digest('hex');
  const known = await engine.query(`SELECT fingerprint, row_count FROM ${q(LOADS_TABLE)} WHERE source = ${s(engine, key)}`);
  const pin = (await filePins(engine)).find((p) => p.source === key);
  if (!options.reload && known[0]?.['fingerprint'] === fingerprint && pin !== undefined && pin.path === path && (await fileChange(pin)) === undefined && (await relationKind(engine, r.name)) === 'VIEW') {
    // The same bytes under new times (a touch, a checkout): pinned with those times, so later commands need not hash again.
    const now = fileStamp(path);
    if (now !== undefined && (now.mtime !== pin.mtime || now.ctime !== pin.ctime)) {
      await engine.execute(`UPDATE ${q(FILES_TABLE)} SET mtime = ${s(engine, now.mtime)}, ctime = ${s(engine, now.ctime)} WHERE source = ${s(engine, key)}`);
    }
    return { source: r.name, kind: 'file', action: 'unchanged', rows: Number(known[0]?.['row_count']), inPlace: true };
  }
  const step = `checking ${r.name} in place`;
  const before = fileStamp(path);
  progress({ step, done: 0, unit: 'row' });
  const [sha256, checked] = await Promise.all([hashFile(path), checkParquetInPlace(path, r.columns)]);
  if ('errors' in checked) {
    throw new RuntimeError('bad_rows', `source ${r.name}: ${file} has invalid rows; nothing was loaded`, {
      rowErrors: checked.errors.map((e) => ({ ...e, file })),
    });
  }
  const after = fileStamp(path);
  if (before === undefined || after === undefined || JSON.stringify(before) !== JSON.stringify(after)) {
    throw new RuntimeError('bad_rows', `source ${r.name}: ${file} changed while apply was checking it; nothing was loaded: apply again once it is written`, {
      rowErrors: [{ file, reason: 'the file changed while it was being checked' }],
    });
  }
  const kind = await relationKind(engine, r.name);
  if (kind === 'VIEW') await engine.execute(`DROP VIEW ${ownIn(engine, r.name)}`);
  else if (kind !== undefined) await engine.execute(`DROP TABLE ${ownIn(engine, r.name)}`);
  await engine.execute(`CREATE VIEW ${ownIn(engine, r.name)} AS SELECT ${checked.select} FROM ${engine.readParquetSql!(path)}`);
  await recordLoad(engine, r, fingerprint, checked.rowCount);
  await engine.execute(`DELETE FROM ${q(FILES_TABLE)} WHERE source = ${s(engine, key)}`);
  await engine.execute(
    `INSERT INTO ${q(FILES_TABLE)} (source, path, size, mtime, ctime, sha256) VALUES (${s(engine, key)}, ${s(engine, path)}, ${after.size}, ${s(engine, after.mtime)}, ${s(engine, after.ctime)}, ${s(engine, sha256)})`,
  );
  progress({ step, done: checked.rowCount, total: checked.rowCount, unit: 'row', end: true });
  return { source: r.name, kind: 'file', action: 'in place', rows: checked.rowCount, inPlace: true };
}

/** `BASE TABLE`, `VIEW`, or undefined when the engine's schema has no relation of that name. */
async function relationKind(engine: Engine, name: string): Promise<string | undefined> {
  const rows = await engine.query(`SELECT table_type FROM information_schema.tables WHERE table_schema = ${s(engine, engine.schema)} AND lower(table_name) = lower(${s(engine, name)})`);
  return rows.length === 0 ? undefined : String(rows[0]!['table_type']);
}

/** A source that was a FILE read in place and no longer is (copied now, or a TABLE or STREAM source of that name): its view and its pin go. */
async function dropInPlace(engine: Engine, name: string): Promise<void> {
  if (!engineBackend(engine.target).capabilities.readsFilesInPlace) return;
  if (!(await filePins(engine)).some((p) => p.source === keyOf(name))) return;
  if ((await relationKind(engine, name)) === 'VIEW') await engine.execute(`DROP VIEW ${ownIn(engine, name)}`);
  await engine.execute(`DELETE FROM ${q(FILES_TABLE)} WHERE source = ${s(engine, keyOf(name))}`);
}

/**
 * Sources read in place that the project no longer declares: like a copied
 * source's table, their data outlives the statement (registered versions may
 * read it), but no file should stay pinned for them — so while the file still
 * holds what was checked, the view becomes a table of its rows (a copy made
 * once) and the pin goes. A file already changed or gone cannot be read any
 * more: its view and pin go, like a dropped table.
 */
async function forgetRemovedPins(engine: Engine, catalog: Catalog): Promise<void> {
  for (const pin of await filePins(engine)) {
    if (catalog.relations[pin.source]?.kind === 'source') continue;
    const view = (await relationKind(engine, pin.source)) === 'VIEW';
    if (view && (await fileChange(pin)) === undefined) {
      const copy = `${pin.source}__fsql_copy`;
      await engine.execute(`CREATE TABLE ${ownIn(engine, copy)} AS SELECT * FROM ${ownIn(engine, pin.source)}`);
      await engine.execute(`DROP VIEW ${ownIn(engine, pin.source)}`);
      await engine.execute(`ALTER TABLE ${ownIn(engine, copy)} RENAME TO ${q(pin.source)}`);
    } else {
      if (view) await engine.execute(`DROP VIEW ${ownIn(engine, pin.source)}`);
      await engine.execute(`DELETE FROM ${q(LOADS_TABLE)} WHERE source = ${s(engine, pin.source)}`);
    }
    await engine.execute(`DELETE FROM ${q(FILES_TABLE)} WHERE source = ${s(engine, pin.source)}`);
  }
}

/**
 * Why a FILE path is not allowed (`is`, `leads (through a symbolic link) to a
 * file`), or undefined when it is inside the project folder or a folder that
 * fsql.json's `files.allow` lists. Checked on the path as written first (so a
 * path outside says so whether or not a file is there), then on the real
 * path, so that a symbolic link inside the project cannot lead out of it.
 */
function outsideAllowed(path: string, dir: string, allow: readonly string[]): string | undefined {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const inside = (p: string, roots: readonly string[]) => roots.some((root) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep));
  const roots = [dir, ...allow];
  if (!inside(path, roots)) return 'a path';
  const realRoots = roots.map(real);
  if (!inside(real(path), realRoots)) return 'a symbolic link to a file';
  return undefined;
}

/** The TABLE source reads the table of its own name in the main schema (no view needed). */
function isOwnName(r: SourceInfo, name: readonly string[]): boolean {
  return name.length === 1 && name[0] === r.name;
}

/** Checks a TABLE source's table (it exists, with the declared columns and types), then exposes it under the source's name unless `checkOnly`. */
async function exposeTable(engine: Engine, r: SourceInfo, name: readonly string[], checkOnly = false): Promise<SourceLoad> {
  const same = isOwnName(r, name);
  const ref = name.map(q).join('.');
  if (!(await tableExists(engine, name))) {
    throw new RuntimeError('missing_table', `source ${r.name} reads TABLE ${name.join('.')}, which the offline database has not got${name.length > 1 ? ` (attach the database holding schema ${name[0]} in fsql.json: "offline": { "attach": { "${name[0]}": "path/to/file" } })` : ''}`);
  }
  const backend = engineBackend(engine.target);
  if (!backend.capabilities.viewsAcrossDatabases && name.length > 1 && name[0]!.toLowerCase() !== engine.schema.toLowerCase()) {
    // SQLite refuses a lasting view that reads another database, and fsql's views must be lasting.
    const able = engineBackends().filter((b) => b.capabilities.viewsAcrossDatabases && b.location === 'file').map((b) => `"${b.target}"`);
    throw new RuntimeError(
      'missing_table',
      `source ${r.name} reads TABLE ${name.join('.')} in the attached database ${name[0]}, which the ${backend.label} offline engine cannot do ` +
        `(a ${backend.label} view may not read another database): use "offline": { "engine": ${able.join(' or ')} } in fsql.json, or keep the table in the offline database itself (FROM TABLE ${name[name.length - 1]})`,
    );
  }
  for (const c of r.columns) {
    try {
      await engine.query(`SELECT ${q(c.name)} FROM ${ref} WHERE 1 = 0`);
    } catch {
      throw new RuntimeError('missing_table', `source ${r.name}: TABLE ${name.join('.')} has no column ${c.name}`);
    }
  }
  // Read in place (a server engine's table): each column's type must read as the declared one.
  const existing = engine.tableColumns ? await engine.tableColumns(name) : undefined;
  for (const c of r.columns) {
    const found = existing?.find((x) => x.name === c.name);
    if (found !== undefined && found.type !== c.type) {
      throw new RuntimeError(
        'missing_table',
        `source ${r.name}: column ${c.name} is declared ${c.type}, but TABLE ${name.join('.')} holds ${found.engineType}` +
          (found.type !== undefined ? ` (read as ${found.type}): declare ${c.name} ${found.type}` : `, which fsql cannot read as ${c.type}: expose it through a view of the database that casts it`) +
          ` (types: docs/offline-engines.md)`,
      );
    }
  }
  if (!same && !checkOnly) {
    await engine.execute(`DROP VIEW IF EXISTS ${ownIn(engine, r.name)}`);
    await engine.execute(`CREATE VIEW ${q(r.name)} AS SELECT ${r.columns.map((c) => q(c.name)).join(', ')} FROM ${ref}`);
    await engine.execute(`INSERT INTO ${q(VIEWS_TABLE)} (name) VALUES (${s(engine, r.name)})`);
  }
  return { source: r.name, kind: 'table', action: 'checked' };
}

async function prepareStream(engine: Engine, r: SourceInfo): Promise<SourceLoad> {
  const known = await engine.query(`SELECT columns FROM ${q(STREAMS_TABLE)} WHERE source = ${s(engine, keyOf(r.name))}`);
  const now = columnsKey(r.columns);
  if (known.length > 0 && (await tableExists(engine, [engine.schema, r.name]))) {
    const before = JSON.parse(String(known[0]!['columns'])) as [string, string, boolean][];
    if (JSON.stringify(before) === now) return { source: r.name, kind: 'stream', action: 'kept' };
    // New nullable columns can be added; anything else would lose or invalidate stored events.
    const added = r.columns.filter((c) => !before.some(([n]) => n === c.name));
    const kept = before.every(([n, t, nullable]) => r.columns.some((c) => c.name === n && c.type === t && c.nullable === nullable));
    if (!kept || added.some((c) => !c.nullable)) {
      throw new RuntimeError(
        'stream_changed',
        `stream source ${r.name} already holds events with columns (${before.map(([n, t, nn]) => `${n} ${t}${nn ? '' : ' NOT NULL'}`).join(', ')}); ` +
          'only new nullable columns can be added to a stream — declare a new stream source for other changes',
      );
    }
    for (const c of added) await engine.addColumn(r.name, c);
    await engine.execute(`UPDATE ${q(STREAMS_TABLE)} SET columns = ${s(engine, now)} WHERE source = ${s(engine, keyOf(r.name))}`);
    return { source: r.name, kind: 'stream', action: 'kept' };
  }
  if (!(await tableExists(engine, [engine.schema, r.name]))) await engine.createTable(r.name, r.columns);
  await engine.execute(`DELETE FROM ${q(STREAMS_TABLE)} WHERE source = ${s(engine, keyOf(r.name))}`);
  await engine.execute(`INSERT INTO ${q(STREAMS_TABLE)} (source, columns) VALUES (${s(engine, keyOf(r.name))}, ${s(engine, now)})`);
  return { source: r.name, kind: 'stream', action: 'created' };
}
