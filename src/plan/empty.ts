/**
 * What a feature gives a key that has no row at all in its relation (as of
 * the time asked): the raw value of an empty lookup — 0 for COUNT, NULL for
 * everything else (docs/semantics.md §3) — through FILL, then SCALE or
 * ONE_HOT with the fitted parameters, exactly as the SQL of transformItems
 * (src/sql/lower-plan.ts) computes it. The online store serves these values
 * for a key it has never seen, so that serving a brand-new key still equals
 * the training row of a label for it.
 */
import type { LiteralValue } from '../check/catalog.js';
import type { Lookup, TransformStep } from './ir.js';

export function emptyOutputs(t: TransformStep, l: Lookup): LiteralValue[] {
  let x: LiteralValue = l.kind === 'aggregate' && l.value.kind === 'aggregate' && l.value.fn === 'COUNT' ? 0 : null;
  if (x === null && t.fill) x = t.fill.value;
  if (t.oneHot) return t.oneHot.values.map((v) => (x !== null && x === v ? 1 : 0));
  if (t.scale?.kind === 'log') {
    if (x === null) return [null];
    const n = Number(x);
    return [Math.sign(n) * Math.log1p(Math.abs(n))];
  }
  if (t.scale) {
    const { center, divisor } = t.scale;
    if (center === null || divisor === null || x === null) return [null];
    if (divisor === 0) return [0];
    return [(Number(x) - center) / divisor];
  }
  return [x];
}
