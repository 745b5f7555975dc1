/**
 * `fsql train`: a registered training set's rows, exactly as its compiled
 * plan defines them, with the fitted parameters of the registry.
 *
 * A training set whose label has no event time takes every feature as of
 * one time: `asOf`, by default the newest event time in the features'
 * relations (docs/semantics.md §4).
 */
import { keyOf, type Catalog } from '../check/catalog.js';
import { newestEventTime, runTraining, type Table } from '../engine/run-plan.js';
import { featureVersion, planTraining } from '../plan/build.js';
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
  const { catalog } = ws.catalog();
  const versions = catalog.trainingSets[keyOf(name)];
  if (!versions || versions.length === 0) {
    const known = Object.values(catalog.trainingSets).map((v) => v[0]!.name);
    throw new RuntimeError('unknown_training_set', `no registered training set ${name}${known.length ? ` (training sets: ${known.join(', ')})` : ': run `fsql apply` first'}`);
  }
  const ts = options.version === undefined ? versions[versions.length - 1]! : versions.find((v) => v.version === options.version);
  if (!ts) throw new RuntimeError('unknown_training_set', `training set ${versions[0]!.name} has no registered VERSION ${options.version} (versions: ${versions.map((v) => v.version).join(', ')})`);
  const plan = planTraining(catalog, ts.name, ws.fitted, { version: ts.version });
  return ws.exclusive(async () => {
    const engine = await ws.engine();
    let asOf: number | undefined;
    if (plan.spine.time.kind === 'fixed') asOf = options.asOf ?? (await defaultAsOf(ws, catalog, plan)) ?? Date.now() * 1000;
    const table = await runTraining(engine, plan, asOf === undefined ? {} : { as_of: asOf });
    return { plan, table, ...(asOf !== undefined ? { asOf } : {}) };
  });
}

async function defaultAsOf(ws: Workspace, catalog: Catalog, plan: TrainingPlan): Promise<number | null> {
  const engine = await ws.engine();
  let newest: number | null = null;
  for (const t of plan.transforms) {
    const f = featureVersion(catalog, t.feature.name, t.feature.version);
    const time = await newestEventTime(engine, catalog, f.relation);
    if (time !== null && (newest === null || time > newest)) newest = time;
  }
  return newest;
}
