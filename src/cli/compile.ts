/** `fsql compile`: the SQL (or, with --explain, the logical plan) fsql runs for a target. */
import { readFileSync } from 'node:fs';
import type { Catalog } from '../check/catalog.js';
import { keyOf } from '../check/catalog.js';
import type { FittedParameters } from '../plan/fitted.js';
import { planFit, planMaterialize, planTraining, planView, viewsInOrder, featureVersion, type FittedLookup } from '../plan/build.js';
import { explainPlan } from '../plan/explain.js';
import type { Plan } from '../plan/ir.js';
import { targetNames, type TargetName } from '../sql/dialect.js';
import { dialects } from '../sql/dialects/index.js';
import { lowerFit, lowerMaterialize, lowerTraining, lowerView, type TimeBindings } from '../sql/lower-plan.js';
import { SqlPrinter } from '../sql/print.js';
import { timestampMicros } from '../sql/lower-expr.js';
import { parseTimestampLiteral } from '../syntax/time-literals.js';

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
  return (name, version) => byKey.get(`${name.toLowerCase()}@${version}`);
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
    if (!catalog.trainingSets[keyOf(o.trainingSet)]) throw new CompileError(`unknown training set ${o.trainingSet}`);
    plans.push(planTraining(catalog, o.trainingSet, fitted, { ...(o.version ? { version: o.version } : {}), preview }));
  }
  if (o.feature) {
    if (!catalog.features[keyOf(o.feature)]) throw new CompileError(`unknown feature ${o.feature}`);
    const f = featureVersion(catalog, o.feature, o.version);
    plans.push(planFit(catalog, f.name, f.version));
    plans.push(planMaterialize(catalog, f.key.entity, fitted, { features: [{ name: f.name, version: f.version }], preview }));
  }
  if (o.entity) {
    if (!catalog.entities[keyOf(o.entity)]) throw new CompileError(`unknown entity ${o.entity}`);
    plans.push(planMaterialize(catalog, o.entity, fitted, { preview }));
  }
  if (plans.length === 0) throw new CompileError('say what to compile: --training-set NAME, --feature NAME, --entity NAME or --all');
  return plans;
}

function title(p: Plan): string {
  switch (p.kind) {
    case 'training':
      return `training set ${p.name} v${p.version}`;
    case 'materialize':
      return `online vectors of entity ${p.entity}`;
    case 'fit':
      return `fit ${p.feature.name} v${p.feature.version}`;
    case 'view':
      return `view ${p.name}`;
  }
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
  const printer = new SqlPrinter(dialect!);
  const out: string[] = [];
  for (const p of plans) {
    const needsTime = p.kind === 'materialize' || p.kind === 'fit' || (p.kind === 'training' && p.spine.time.kind === 'fixed');
    if (needsTime && asOf === undefined) throw new CompileError(`${title(p)} is computed as of a time: pass --as-of 'YYYY-MM-DD HH:MM:SS'`);
    const stmt = p.kind === 'training' ? lowerTraining(p, dialect!, times) : p.kind === 'materialize' ? lowerMaterialize(p, dialect!, times) : p.kind === 'fit' ? lowerFit(p, dialect!, times) : lowerView(p);
    out.push(`-- ${title(p)} (${o.target})\n${printer.statement(stmt)};`);
  }
  return out.join('\n\n') + '\n';
}
