/**
 * `fsql train`: a registered training set's rows, exactly as its compiled
 * plan defines them, with the fitted parameters of the registry.
 *
 * A training set whose label has no event time takes every feature as of
 * one time: `asOf`, by default the newest event time in the features'
 * relations (docs/semantics.md §4).
 */
import { keyOf, type Catalog, type TrainingSetInfo } from '../check/catalog.js';
import { newestAvailableTime, runTraining, streamTraining, type Table } from './run-plan.js';
import type { Value } from '../engine/engine.js';
import { featureVersion, planTraining } from '../plan/build.js';
import { needsFit } from '../plan/fitted.js';
import type { TrainingPlan } from '../plan/ir.js';
import { RuntimeError } from './errors.js';
import type { Workspace } from './workspace.js';

export interface TrainOptions {
  readonly version?: number;
  /** For a time-independent label: the time features are taken at, epoch µs. */
  readonly asOf?: number;
}

export interface TrainingResult {
  readonly plan: TrainingPlan;
  readonly table: Table;
  /** The time a time-independent label's features were taken at. */
  readonly asOf?: number;
}

export async function buildTrainingSet(ws: Workspace, name: string, options: TrainOptions = {}): Promise<TrainingResult> {
  const plan = await trainingPlan(ws, name, options);
  return ws.exclusive(async () => {
    const engine = await ws.engine();
    const asOf = await asOfFor(ws, plan, options);
    const table = await runTraining(engine, plan, asOf === undefined ? {} : { as_of: asOf });
    return { plan, table, ...(asOf !== undefined ? { asOf } : {}) };
  });
}

/**
 * A training set's rows in batches, for sets larger than memory (`POST
 * /v1/training-sets/:name`): `onStart` is called with the plan (its columns)
 * before the first batch, then `onBatch` with each batch, awaited (the
 * engine waits for a slow reader; nothing else uses it meanwhile). An error
 * thrown by either stops the query. Resolves to the row count.
 */
export async function streamTrainingSet(
  ws: Workspace,
  name: string,
  options: TrainOptions,
  onStart: (plan: TrainingPlan, asOf: number | undefined) => Promise<void> | void,
  onBatch: (rows: Value[][]) => Promise<void> | void,
): Promise<number> {
  const plan = await trainingPlan(ws, name, options);
  return ws.exclusive(async () => {
    const engine = await ws.engine();
    const asOf = await asOfFor(ws, plan, options);
    await onStart(plan, asOf);
    return streamTraining(engine, plan, asOf === undefined ? {} : { as_of: asOf }, onBatch);
  });
}

/** The time a time-independent label's features are taken at (undefined for a label with a time). */
async function asOfFor(ws: Workspace, plan: TrainingPlan, options: TrainOptions): Promise<number | undefined> {
  if (plan.spine.time.kind !== 'fixed') return undefined;
  return options.asOf ?? (await defaultAsOf(ws, (await ws.catalog()).catalog, plan)) ?? Date.now() * 1000;
}

/** The plan of a registered training set version (the newest by default); refused when unknown, retired or awaiting a fit. */
export async function trainingPlan(ws: Workspace, name: string, options: TrainOptions = {}): Promise<TrainingPlan> {
  const rc = await ws.catalog();
  const { catalog } = rc;
  const versions = catalog.trainingSets[keyOf(name)];
  // A retired version (or one that no longer computes) says so, with its reason.
  const gone = rc.excluded.filter((x) => x.kind === 'training_set' && keyOf(x.name) === keyOf(name) && (options.version === undefined || x.version === options.version));
  if (options.version !== undefined && gone.length > 0 && !versions?.some((v) => v.version === options.version)) {
    const x = gone[0]!;
    throw new RuntimeError('retired', `training set ${x.name} VERSION ${x.version} ${x.retired ? 'is retired' : 'can no longer be computed'}: ${x.reason.replace(/^retired: /, '')}${versions?.length ? ` (computable versions: ${versions.map((v) => v.version).join(', ')})` : ''}`);
  }
  if ((!versions || versions.length === 0) && gone.length > 0) {
    throw new RuntimeError('retired', `every registered version of training set ${gone[0]!.name} is retired or no longer computes: ${gone.map((x) => `VERSION ${x.version}: ${x.reason}`).join('; ')}`);
  }
  if (!versions || versions.length === 0) {
    const known = Object.values(catalog.trainingSets).map((v) => v[0]!.name);
    throw new RuntimeError('unknown_training_set', `no registered training set ${name}${known.length ? ` (training sets: ${known.join(', ')})` : ': run `fsql apply` first'}`);
  }
  const ts = options.version === undefined ? versions[versions.length - 1]! : versions.find((v) => v.version === options.version);
  if (!ts) throw new RuntimeError('unknown_training_set', `training set ${versions[0]!.name} has no registered VERSION ${options.version} (versions: ${versions.map((v) => v.version).join(', ')})`);
  refuseAwaitingFit(ws, catalog, ts);
  return planTraining(catalog, ts.name, ws.fitted, { version: ts.version });
}

async function defaultAsOf(ws: Workspace, catalog: Catalog, plan: TrainingPlan): Promise<number | null> {
  const engine = await ws.engine();
  let newest: number | null = null;
  for (const t of plan.transforms) {
    const f = featureVersion(catalog, t.feature.name, t.feature.version);
    const time = await newestAvailableTime(engine, catalog, f.relation);
    if (time !== null && (newest === null || time > newest)) newest = time;
  }
  return newest;
}

/**
 * A training set can only be computed once every feature version it uses
 * that needs a fit is fitted: a version awaiting its fit (its population was
 * empty so far) has no parameters to transform with, and NULLs in their place
 * would be training rows that serving can never match.
 */
function refuseAwaitingFit(ws: Workspace, catalog: Catalog, ts: TrainingSetInfo): void {
  refuseWaiting(ws, catalog, `train ${ts.name} VERSION ${ts.version}`, ts.features);
}

/** Refuses (`awaiting_fit`) when a feature version of `refs` needs a fit it has not had yet; `what` says what cannot be done. */
export function refuseWaiting(ws: Workspace, catalog: Catalog, what: string, refs: readonly { readonly name: string; readonly version: number }[]): void {
  const waiting = refs.map((ref) => featureVersion(catalog, ref.name, ref.version)).filter((f) => needsFit(f) && ws.fitted(f.name, f.version) === undefined);
  if (waiting.length === 0) return;
  const list = waiting.map((f) => `feature ${f.name} VERSION ${f.version} is awaiting its fit (no non-NULL value in ${f.relation} so far)`).join('; ');
  const relations = [...new Set(waiting.map((f) => f.relation))].join(', ');
  const fit = waiting.map((f) => `\`fsql fit ${f.name}${f.version !== catalog.features[keyOf(f.name)]?.at(-1)?.version ? ` --version ${f.version}` : ''}\``).join(', ');
  throw new RuntimeError(
    'awaiting_fit',
    `cannot ${what}: ${list}. Load data into ${relations} (\`fsql ingest\` for a stream, or fill its file), then run \`fsql apply\` (or ${fit}) to fit, and train again`,
  );
}
