/**
 * `fsql fit NAME`: fits one feature version awaiting its fit — one whose
 * fitted statistic found an empty population so far (a STREAM at its first
 * apply, an empty file; docs/semantics.md §5) — without a whole `apply`.
 *
 * The population is taken as `apply` takes it: every entity key of the
 * feature's relation as of the fit time (`at`, by default the newest event
 * time of the relation), from the registered definition. The parameters are
 * written once; a version already fitted, or one with nothing to fit, is
 * refused, and a population still empty fits nothing and says so.
 */
import { keyOf } from '../check/catalog.js';
import { timestampText } from '../engine/values.js';
import { runFitPopulation } from './run-plan.js';
import { planFit } from '../plan/build.js';
import type { FittedParameters } from '../plan/fitted.js';
import { featureStatistics, fittedParameters, summarize } from '../plan/statistics.js';
import { RegistryError } from '../store/registry/registry.js';
import { RuntimeError } from './errors.js';
import { refreshAfterFit } from './materialize.js';
import { exclusionOf } from './registered-catalog.js';
import type { Workspace } from './workspace.js';

export interface FitOptions {
  /** The version to fit (default: the newest registered one). */
  readonly version?: number;
  /** The fit time, epoch µs (default: the newest event time of the feature's relation). */
  readonly at?: number;
}

export interface FitResult {
  readonly feature: string;
  readonly version: number;
  readonly parameters: FittedParameters;
  readonly applyId: number;
}

export async function fitFeature(ws: Workspace, name: string, options: FitOptions = {}): Promise<FitResult> {
  const rc = await ws.catalog();
  const { catalog } = rc;
  const versions = catalog.features[keyOf(name)] ?? [];
  const registered = (await ws.registry.list({ kind: 'feature', name })).map((o) => o.version);
  const version = options.version ?? (registered.length > 0 ? Math.max(...registered) : undefined);
  if (version === undefined) {
    const known = Object.values(catalog.features).map((v) => v[0]!.name);
    throw new RuntimeError('unknown_feature', `no registered feature ${name}${known.length > 0 ? ` (features: ${known.join(', ')})` : ': run `fsql apply` first'}`);
  }
  const f = versions.find((v) => v.version === version);
  if (!f) {
    const excluded = exclusionOf(rc, name, version);
    if (excluded) throw new RuntimeError('unknown_feature', `feature ${excluded.name} VERSION ${version} cannot be fitted: ${excluded.reason}`);
    throw new RuntimeError('unknown_feature', `feature ${versions[0]?.name ?? name} has no registered VERSION ${version}${registered.length > 0 ? ` (versions: ${registered.join(', ')})` : ''}`);
  }
  const what = `feature ${f.name} VERSION ${f.version}`;
  const state = await ws.registry.fitState(f.name, f.version);
  if (state === 'not_needed') {
    throw new RuntimeError(
      'not_awaiting_fit',
      `${what} has nothing to fit: it reads no fitted parameter (only FILL MEAN / MEDIAN / MODE, SCALE STANDARD / MINMAX / ROBUST and ONE_HOT TOP n do)`,
    );
  }
  if (state === 'fitted') {
    const p = ws.fitted(f.name, f.version);
    const next = Math.max(...registered) + 1;
    throw new RuntimeError(
      'not_awaiting_fit',
      `${what} is already fitted${p ? ` (${p.fitTime !== null ? `as of ${timestampText(p.fitTime)} UTC, ` : ''}over ${p.count} value${p.count === 1 ? '' : 's'})` : ''}, ` +
        `and fitted parameters never change: to fit it again, declare the definition under VERSION ${next} and run \`fsql apply\``,
    );
  }
  const result = await ws.exclusive(async () => {
    const engine = await ws.engine();
    const population = await runFitPopulation(engine, catalog, f, planFit(catalog, f.name, f.version), options.at);
    const summary = summarize(population.values, f.rawType);
    const parameters = fittedParameters(f, summary, population.time);
    if (!(parameters.count > 0)) {
      const when = population.time !== null ? ` as of ${timestampText(population.time)} UTC` : options.at !== undefined ? ` as of ${timestampText(options.at)} UTC` : '';
      throw new RuntimeError(
        'empty_population',
        `${what}: the population is still empty (no non-NULL value in ${f.relation}${when}); nothing was fitted. ` +
          `Load data into ${f.relation} (\`fsql ingest\` for a stream; for a FILE source fill the file and run \`fsql apply\`), then run \`fsql fit ${f.name}\` again`,
      );
    }
    try {
      const { applyId } = await ws.registry.fit({ feature: f.name, version: f.version, parameters }, { feature: f.name, version: f.version, statistics: featureStatistics(summary) });
      return { feature: f.name, version: f.version, parameters, applyId };
    } catch (e) {
      // Another process fitted it meanwhile.
      if (e instanceof RegistryError) throw new RuntimeError('not_awaiting_fit', e.message);
      throw e;
    }
  });
  // What is served for it is recomputed at once (it was awaiting_fit).
  await refreshAfterFit(ws, [{ feature: result.feature, version: result.version }]);
  return result;
}
