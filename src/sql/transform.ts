/**
 * The transforms of one feature (docs/semantics.md §6) — TTL → FILL → SCALE
 * or ONE_HOT with the fitted parameters inlined — written twice, side by side
 * so that they are visibly the same rules:
 *
 * - `transformItems`: the SQL every training, materialize and online plan
 *   selects (src/sql/lower-plan.ts);
 * - `transformValues`: the same steps in JavaScript, for a raw value already
 *   known. The online store uses it, through `emptyOutputs`, for a key it has
 *   never seen (no row at all in the feature's relation), so that serving a
 *   brand-new key still equals the training row of a label for it.
 *
 * test/sql/transform.test.ts holds them equal: for random features and fitted
 * parameters, `emptyOutputs` equals what SQLite computes for such a key —
 * bit for bit, except SCALE LOG, whose `ln` is the engine's math library's in
 * SQL and V8's here (they may round the last bit differently). Change one,
 * change the other.
 */
import type { LiteralValue, ScalarType } from '../check/catalog.js';
import { PlanBuildError } from '../plan/build.js';
import type { Lookup, TransformStep } from '../plan/ir.js';
import { bin, caseWhen, col, fn, int, isNull, lit, type SqlExpr, type SqlSelectItem } from './ast.js';
import { dateDays, timestampMicros } from './lower-expr.js';

/** The FILL value as SQL literals and canonical values hold it: DATE / TIMESTAMP text → epoch days / microseconds. */
export function fillValue(t: TransformStep): Exclude<LiteralValue, null> | null {
  if (!t.fill) return null;
  const { value, type } = t.fill;
  if (typeof value !== 'string') return value;
  if (type === 'TIMESTAMP') return timestampMicros(value);
  if (type === 'DATE') return dateDays(value);
  return value;
}

/** The type of the value after FILL (a FILL MEAN / MEDIAN makes an INTEGER a DOUBLE). */
const filledType = (t: TransformStep, l: Lookup): ScalarType => t.fill?.type ?? l.rawType;

// ---------------------------------------------------------------------------
// SQL

/** TTL → FILL → SCALE / ONE_HOT for one feature: the select items of its output columns. */
export function transformItems(t: TransformStep, l: Lookup, from: string, time: SqlExpr): SqlSelectItem[] {
  if (t.unfitted) throw new PlanBuildError(`feature ${t.feature.name} VERSION ${t.feature.version} has not been fitted yet: run \`fsql apply\``);
  let x: SqlExpr = col(l.id, from);
  if (l.ttlSeconds !== undefined && l.access.eventTime) {
    // TTL counts from when the row became available (its event time + the relation's AVAILABLE delay).
    x = caseWhen([{ when: bin('>=', time, { k: 'time_minus', e: col('__t', from), seconds: l.ttlSeconds + (l.access.availableAfterSeconds ?? 0) }), then: x }], lit(null, l.rawType));
  }
  const fill = fillValue(t);
  if (t.fill && fill !== null) {
    x = fn('COALESCE', t.fill.type === 'DOUBLE' && l.rawType === 'INTEGER' ? { k: 'cast', e: x, from: 'INTEGER', to: 'DOUBLE' } : x, lit(fill, t.fill.type));
  }
  const outputs = t.outputs;
  const type = filledType(t, l);
  if (t.oneHot) {
    return t.oneHot.values.map((v, i) => ({
      e: caseWhen([{ when: bin('=', type === 'TEXT' ? { k: 'binary_text', e: x } : x, lit(v, type === 'DOUBLE' ? 'DOUBLE' : type)), then: int(1) }], int(0)),
      alias: outputs[i]!.name,
    }));
  }
  if (t.scale?.kind === 'log') {
    const xd: SqlExpr = { k: 'cast', e: x, from: type, to: 'DOUBLE' };
    return [{ e: bin('*', fn('SIGN', xd), fn('LN', bin('+', lit(1, 'DOUBLE'), fn('ABS', xd)))), alias: outputs[0]!.name }];
  }
  if (t.scale) {
    const { center, divisor } = t.scale;
    if (center === null || divisor === null) return [{ e: lit(null, 'DOUBLE'), alias: outputs[0]!.name }];
    const xd: SqlExpr = { k: 'cast', e: x, from: type, to: 'DOUBLE' };
    const scaled = divisor === 0 ? caseWhen([{ when: isNull(x), then: lit(null, 'DOUBLE') }], lit(0, 'DOUBLE')) : bin('/', bin('-', xd, lit(center, 'DOUBLE')), lit(divisor, 'DOUBLE'));
    return [{ e: scaled, alias: outputs[0]!.name }];
  }
  return [{ e: x, alias: outputs[0]!.name }];
}

// ---------------------------------------------------------------------------
// JavaScript: the same steps, in the same order, on a raw value (after TTL).

/** FILL → SCALE / ONE_HOT of a raw value (already NULL when outside its TTL): the feature's output values. */
export function transformValues(t: TransformStep, raw: LiteralValue): LiteralValue[] {
  // COALESCE(x, fill)
  const x: LiteralValue = raw ?? fillValue(t);
  // CASE WHEN x = v THEN 1 ELSE 0 END, per category (NULL = v is not true)
  if (t.oneHot) return t.oneHot.values.map((v) => (x !== null && x === v ? 1 : 0));
  // SIGN(x) * LN(1 + ABS(x)), as written (not Math.log1p, which SQL does not compute)
  if (t.scale?.kind === 'log') {
    if (x === null) return [null];
    const n = Number(x);
    return [normalZero(Math.sign(n) * Math.log(1 + Math.abs(n)))];
  }
  if (t.scale) {
    const { center, divisor } = t.scale;
    if (center === null || divisor === null || x === null) return [null];
    // divisor 0: CASE WHEN x IS NULL THEN NULL ELSE 0 END; else (x − center) / divisor
    if (divisor === 0) return [0];
    return [normalZero((Number(x) - center) / divisor)];
  }
  return [x];
}

/** The raw value of a lookup that found no row: 0 for COUNT, NULL for everything else (docs/semantics.md §3). */
export function emptyRawValue(l: Lookup): LiteralValue {
  return l.kind === 'aggregate' && l.value.kind === 'aggregate' && l.value.fn === 'COUNT' ? 0 : null;
}

/** What a feature gives a key with no row at all in its relation (as of the time asked). */
export function emptyOutputs(t: TransformStep, l: Lookup): LiteralValue[] {
  return transformValues(t, emptyRawValue(l));
}

/** The canonical value representation has no -0 (engines read it back as 0). */
const normalZero = (n: number) => (n === 0 ? 0 : n);
