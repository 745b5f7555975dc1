/** `fsql compile`: the SQL (or, with --explain, the logical plan) fsql runs for a target. */
import { existsSync, readFileSync } from 'node:fs';
import type { Catalog } from '../check/catalog.js';
import { keyOf, versionKey } from '../check/catalog.js';
import type { FittedParameters } from '../plan/fitted.js';
import { planFit, planMaterialize, planTraining, planView, viewsInOrder, featureVersion, type FittedLookup } from '../plan/build.js';
import { explainPlan } from '../plan/explain.js';
import type { Plan } from '../plan/ir.js';
import { targetNames, type TargetName } from '../sql/dialect.js';
import { dialects } from '../sql/dialects/index.js';
import { compilePlan } from '../sql/compile.js';
import type { TimeBindings } from '../sql/lower-plan.js';
import { timestampMicros } from '../sql/lower-expr.js';
import { parseTimestampLiteral } from '../syntax/time-literals.js';
import { projectDefinitions, type CheckedProject } from '../store/registry/definitions.js';
import { openRegistry } from '../store/registry/registry.js';
import { loadConfig } from '../runtime/config.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { isBareName } from '../syntax/format.js';

export class CompileError extends Error {}

export interface CompileOptions {
  readonly target: string;
  readonly trainingSet?: string;
  readonly feature?: string;
  readonly entity?: string;
  readonly version?: number;
  readonly all?: boolean;
  readonly explain?: boolean;
  readonly params?: string;
  readonly asOf?: string;
}

/** Fitted parameters from a JSON file: `{ "feature@version": FittedParameters }`. */
export function readParams(path: string | undefined): FittedLookup {
  if (!path) return () => undefined;
  let json: Record<string, FittedParameters>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, FittedParameters>;
  } catch (e) {
    throw new CompileError(`cannot read fitted parameters from ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const byKey = new Map(Object.entries(json).map(([k, v]) => [k.toLowerCase(), v]));
  return (name, version) => byKey.get(versionKey(name, version));
}

/**
 * The fitted parameters the project's registry holds for the project's
 * feature versions, by `name@version` (lower case): only for a version
 * registered with the same definition (hash) as the project declares — a
 * definition edited under a registered VERSION is not what was fitted. Empty
 * when the folder has no registry (never applied); nothing is created.
 */
export async function registeredFitted(project: CheckedProject, dir: string): Promise<Map<string, FittedParameters>> {
  const out = new Map<string, FittedParameters>();
  const { location, shared } = loadConfig(dir).registry;
  if (!shared && !existsSync(location)) return out;
  const registry = await openRegistry(location);
  try {
    const hashes = new Map((await registry.list({ kind: 'feature' })).map((o) => [versionKey(o.name, o.version), o.hash]));
    for (const d of projectDefinitions(project)) {
      if (d.kind !== 'feature') continue;
      const k = versionKey(d.name, d.version);
      if (hashes.get(k) !== d.hash) continue;
      const p = await registry.fittedParameters(d.name, d.version);
      if (p) out.set(k, p);
    }
  } finally {
    await registry.close();
  }
  return out;
}

/**
 * What `fsql compile` fits transforms with: the `--params` file's entry for a
 * feature version when it has one, else the registry's (`registeredFitted`).
 */
export async function compileFitted(project: CheckedProject, dir: string, params: string | undefined): Promise<FittedLookup> {
  const fromFile = readParams(params);
  const fromRegistry = await registeredFitted(project, dir);
  return (name, version) => fromFile(name, version) ?? fromRegistry.get(versionKey(name, version));
}

export function parseTime(text: string): number {
  const normal = parseTimestampLiteral(text);
  if (!normal) throw new CompileError(`invalid time '${text}': write 'YYYY-MM-DD HH:MM:SS'`);
  return timestampMicros(normal);
}

/** The plans a compile command asks for, in a stable order. */
function selectPlans(catalog: Catalog, o: CompileOptions, fitted: FittedLookup): Plan[] {
  const preview = o.explain ?? false;
  const plans: Plan[] = [];
  if (o.all) {
    for (const v of viewsInOrder(catalog)) plans.push(planView(catalog, v));
    for (const versions of Object.values(catalog.trainingSets)) {
      for (const ts of versions) plans.push(planTraining(catalog, ts.name, fitted, { version: ts.version, preview }));
    }
    for (const e of Object.values(catalog.entities)) {
      if (Object.values(catalog.features).some((v) => keyOf(v[v.length - 1]!.key.entity) === keyOf(e.name))) plans.push(planMaterialize(catalog, e.name, fitted, { preview }));
    }
    return plans;
  }
  if (o.trainingSet) {
    if (!catalog.trainingSets[keyOf(o.trainingSet)]) throw new CompileError(unknownName('training set', o.trainingSet, Object.values(catalog.trainingSets).map(nameOf)));
    plans.push(planTraining(catalog, o.trainingSet, fitted, { ...(o.version ? { version: o.version } : {}), preview }));
  }
  if (o.feature) {
    if (!catalog.features[keyOf(o.feature)]) throw new CompileError(unknownName('feature', o.feature, Object.values(catalog.features).map(nameOf)));
    const f = featureVersion(catalog, o.feature, o.version);
    plans.push(planFit(catalog, f.name, f.version));
    plans.push(planMaterialize(catalog, f.key.entity, fitted, { features: [{ name: f.name, version: f.version }], preview }));
  }
  if (o.entity) {
    if (!catalog.entities[keyOf(o.entity)]) throw new CompileError(unknownName('entity', o.entity, Object.values(catalog.entities).map(nameOf)));
    plans.push(planMaterialize(catalog, o.entity, fitted, { preview }));
  }
  if (plans.length === 0) throw new CompileError('say what to compile: --training-set NAME, --feature NAME, --entity NAME or --all');
  return plans;
}

/** `unknown feature x; did you mean \`y\`? (features: …)`. */
function unknownName(kind: string, name: string, names: readonly string[]): string {
  const hint = didYouMean(name, names);
  const all = names.length > 0 ? ` (${kind === 'entity' ? 'entities' : `${kind}s`}: ${[...names].sort().join(', ')})` : ` (the project has no ${kind === 'entity' ? 'entities' : `${kind}s`})`;
  return `unknown ${kind} ${name}${hint ? `; ${hint}` : ''}${all}`;
}

const nameOf = (x: { name: string } | readonly { name: string }[]): string => ('name' in x ? x.name : x[0]!.name);

function title(p: Plan): string {
  switch (p.kind) {
    case 'training':
      return `training set ${commentName(p.name)} v${p.version}`;
    case 'spine':
      return `features of spine rows in ${commentName(p.spine.table)}`;
    case 'materialize':
      return `online vectors of entity ${commentName(p.entity)}`;
    case 'fit':
      return `fit ${commentName(p.feature.name)} v${p.feature.version}`;
    case 'view':
      return `view ${commentName(p.name)}`;
  }
}

/**
 * A name as it goes in a `--` comment: as fsql source writes it (bare, or in
 * double quotes with `""`), with every character that could end the comment
 * or rewrite a terminal (control characters, line and paragraph separators —
 * the checker refuses them in names, but the comment must be safe on its own:
 * pg_dump's CVE-2012-0868) written as `\u{…}`.
 */
export function commentName(name: string): string {
  const quoted = isBareName(name) ? name : `"${name.replace(/"/g, '""')}"`;
  return quoted.replace(/[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** Compiles what the options ask for; fitted parameters come from `fitted`, or else from `--params`. */
export function compile(catalog: Catalog, o: CompileOptions, fitted: FittedLookup = readParams(o.params)): string {
  if (!(targetNames as readonly string[]).includes(o.target)) throw new CompileError(`unknown target ${o.target}: choose one of ${targetNames.join(', ')}`);
  const dialect = dialects[o.target as TargetName];
  if (!dialect && !o.explain) throw new CompileError(`the ${o.target} dialect is not available yet`);
  const plans = selectPlans(catalog, o, fitted);
  if (o.explain) return plans.map(explainPlan).join('\n\n') + '\n';
  const asOf = o.asOf ? parseTime(o.asOf) : undefined;
  const times: TimeBindings = { ...(asOf !== undefined ? { as_of: asOf, fit_time: asOf } : {}) };
  const out: string[] = [];
  for (const p of plans) {
    const needsTime = p.kind === 'materialize' || p.kind === 'fit' || (p.kind === 'training' && p.spine.time.kind === 'fixed');
    if (needsTime && asOf === undefined) throw new CompileError(`${title(p)} is computed as of a time: pass --as-of 'YYYY-MM-DD HH:MM:SS'`);
    out.push(`-- ${title(p)} (${o.target})\n${compilePlan(p, o.target as TargetName, times).sql};`);
  }
  return out.join('\n\n') + '\n';
}
