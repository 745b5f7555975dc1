/**
 * Where a registered feature version stands with its fit (docs/semantics.md
 * §5), without a column of its own: whether the version needs a fit is a
 * property of its registered definition (its FILL and encoding, read back
 * from the canonical text), and whether it is fitted is whether its
 * `fitted_parameters` row holds a population.
 *
 * - needs no fit → `not_needed` (a row an older fsql wrote anyway is ignored);
 * - needs a fit, a row with count > 0 → `fitted`;
 * - needs a fit, no row → `awaiting` (its population has been empty so far).
 *   A row with count 0 — an older fsql "fitted" an empty population — is no
 *   fit either: `awaiting`, and the first fit that finds a population
 *   replaces it.
 */
import { needsFit, type FitRelevant, type FitState, type FittedParameters } from '../../plan/fitted.js';
import type { FeatureStatement } from '../../syntax/ast.js';
import { parseFile } from '../../syntax/parse.js';

/** By definition hash: a definition never changes under its hash. */
const cache = new Map<string, boolean>();

/** Whether a feature's canonical definition (text without metadata) reads fitted parameters. */
export function definitionNeedsFit(definition: string, hash?: string): boolean {
  const known = hash !== undefined ? cache.get(hash) : undefined;
  if (known !== undefined) return known;
  const statement = parseFile(definition, 'registry').file.statements[0];
  if (statement?.kind !== 'feature') throw new Error(`not a registered feature definition: ${definition.slice(0, 80)}`);
  const needs = needsFit(fitRelevant(statement));
  if (hash !== undefined) {
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, needs);
  }
  return needs;
}

function fitRelevant(s: FeatureStatement): FitRelevant {
  const enc = s.scale ?? s.oneHot;
  return {
    ...(s.fill ? { fill: s.fill.kind === 'fill_stat' ? { kind: 'stat' as const, stat: s.fill.stat } : { kind: 'value' as const } } : {}),
    ...(enc ? { encoding: enc.kind === 'scale' ? { kind: 'scale' as const, method: enc.method } : { kind: enc.kind } } : {}),
  };
}

/** The fit state of a feature version that needs (or not) a fit and has (or not) a stored row. */
export function fitStateOf(needs: boolean, stored: FittedParameters | undefined): FitState {
  if (!needs) return 'not_needed';
  return stored !== undefined && stored.count > 0 ? 'fitted' : 'awaiting';
}
