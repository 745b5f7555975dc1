/** CREATE FEATURE: the value (one aggregate or a scalar), WHERE, WINDOW, TTL, AS OF, FILL, SCALE and ONE_HOT. */
import type * as A from '../syntax/ast.js';
import type { EncodingInfo, FeatureInfo, FillInfo, ScalarType, TExpr } from './catalog.js';
import { keyOf } from './catalog.js';
import { duration, type Mutable, type ProjectChecker } from './checker.js';
import { canonicalFunctionName, containsAggregate, ExpressionTyper, hasFailed } from './expressions.js';
import { isAggregateName } from './functions.js';
import { bindKeys } from './keys.js';
import { oneHotColumnNames } from './naming.js';
import { requireBoolean } from './select.js';
import { assignable, isCategorical, isNumeric } from './types.js';

export function checkFeature(cx: ProjectChecker, s: A.FeatureStatement, version: number): void {
  const found = cx.findRelation(s.from);
  const key = found ? bindKeys(cx, s.entity, found.relation, found.poisoned) : (cx.findEntity(s.entity.entity), undefined);
  if (!found) return;
  const { relation, poisoned } = found;
  const scope = cx.scopeOf(relation, poisoned);
  const before = cx.reported;

  // AS: a scalar expression, or exactly one aggregate.
  const inner = unparen(s.value);
  const isAggregate = inner.kind === 'call' && isAggregateName(canonicalFunctionName(inner.name.text)) && !inner.args.some(containsAggregate);
  if (!isAggregate && containsAggregate(s.value)) {
    cx.report(
      'E0405',
      s.value.span,
      'a feature is either one aggregate (COUNT, SUM, AVG, MIN, MAX) or a scalar expression, not a mix',
      'make it one aggregate of a scalar expression, e.g. AVG(amount) or SUM(amount * 2), or declare each aggregate as a feature of its own',
    );
    return;
  }
  const { unknownColumn } = cx.lookup;
  const value = new ExpressionTyper({ scope, aggregates: 'allowed', clause: 'a feature', diagnostics: cx.diagnostics, unknownColumn }).type(s.value);
  let where: TExpr | undefined;
  if (s.where) {
    where = new ExpressionTyper({ scope, aggregates: 'forbidden', clause: "a feature's WHERE", diagnostics: cx.diagnostics, unknownColumn }).type(s.where);
    requireBoolean(where, 'WHERE', cx.diagnostics);
  }

  if (s.window) {
    if (!isAggregate) {
      cx.report('E0506', s.window.span, 'WINDOW applies to aggregate features', 'a scalar feature takes the latest value; limit its age with TTL instead');
    } else if (!relation.eventTime && !poisoned) {
      cx.report('E0305', s.window.span, `WINDOW needs a relation with an EVENT TIME, and \`${relation.name}\` has none`, `declare one: EVENT TIME <column> on \`${relation.name}\``);
    }
  }
  if (s.ttl) {
    if (isAggregate) {
      cx.report('E0506', s.ttl.span, 'TTL applies to latest-value features, not aggregates', 'limit an aggregate to recent rows with WINDOW');
    } else if (!relation.eventTime && !poisoned) {
      cx.report('E0305', s.ttl.span, `TTL needs a relation with an EVENT TIME, and \`${relation.name}\` has none`, `declare one: EVENT TIME <column> on \`${relation.name}\``);
    }
  }

  if (s.asOf?.strict && !relation.eventTime && !poisoned) {
    cx.report('E0305', s.asOf.span, `AS OF < t needs a relation with an EVENT TIME, and \`${relation.name}\` has none`, `declare one: EVENT TIME <column> on \`${relation.name}\`, or drop AS OF (a relation without one has no time to compare)`);
  }

  if (hasFailed(value)) return;
  if (value.type === 'NULL') {
    cx.report('E0401', s.value.span, 'a feature cannot be a bare NULL', 'give it a type: CAST(NULL AS DOUBLE)');
    return;
  }
  const rawType: ScalarType = value.type;
  const fill = s.fill ? checkFill(cx, s.fill, rawType) : undefined;
  const encoding = checkEncoding(cx, s, rawType);
  if (cx.reported > before || !key) return;

  // Built field by field (in this order) rather than with conditional spreads: 10k features make this hot.
  const info = { name: s.name.text, version, key, relation: relation.name, mode: isAggregate ? 'aggregate' : 'latest', value } as Mutable<FeatureInfo>;
  if (where) info.where = where;
  if (s.window) info.window = duration(s.window);
  if (s.ttl) info.ttl = duration(s.ttl);
  if (s.asOf?.strict) info.strictlyBefore = true;
  info.rawType = rawType;
  if (fill) info.fill = fill;
  if (encoding) info.encoding = encoding;
  info.outputType = outputTypeOf(rawType, fill, encoding);
  if (s.description) info.description = s.description.value;
  if (s.owner) info.owner = s.owner.value;
  info.tags = s.tags ? s.tags.map((t) => t.value) : [];
  info.file = s.span.file;
  info.span = s.span;
  (cx.features[keyOf(s.name.text)] ??= []).push(info);
}

export function checkFill(cx: ProjectChecker, f: A.Fill, rawType: ScalarType): FillInfo | undefined {
  if (f.kind === 'fill_stat') {
    if ((f.stat === 'MEAN' || f.stat === 'MEDIAN' || f.stat === 'ZERO') && !isNumeric(rawType)) {
      cx.report('E0501', f.span, `FILL ${f.stat} needs a numeric feature, and this one is ${rawType}`, 'use FILL MODE or a literal, e.g. FILL \'unknown\'');
      return undefined;
    }
    return { kind: 'stat', stat: f.stat };
  }
  const lit = f.value;
  if (lit.type === 'NULL') {
    cx.report('E0505', f.span, 'FILL NULL leaves missing values missing', 'remove the FILL clause, or fill with a value');
    return undefined;
  }
  if (!assignable(lit.type, rawType)) {
    cx.report('E0505', lit.span, `FILL value ${lit.text} is ${lit.type}, but the feature is ${rawType}`, rawType === 'INTEGER' && lit.type === 'DOUBLE' ? 'use a whole number' : undefined);
    return undefined;
  }
  return { kind: 'value', value: lit.value, type: rawType };
}

export function checkEncoding(cx: ProjectChecker, s: A.FeatureStatement, rawType: ScalarType): EncodingInfo | undefined {
  if (s.scale && s.oneHot) {
    const second = s.scale.span.start > s.oneHot.span.start ? s.scale : s.oneHot;
    cx.report('E0504', second.span, 'a feature can have SCALE or ONE_HOT, not both', 'SCALE is for numbers, ONE_HOT for categories: keep one');
    return undefined;
  }
  if (s.scale) {
    if (!isNumeric(rawType)) {
      cx.report('E0502', s.scale.span, `SCALE ${s.scale.method} needs a numeric feature, and this one is ${rawType}`, isCategorical(rawType) ? 'encode categories with ONE_HOT' : undefined);
      return undefined;
    }
    return { kind: 'scale', method: s.scale.method };
  }
  if (!s.oneHot) return undefined;
  if (!isCategorical(rawType)) {
    cx.report('E0503', s.oneHot.span, `ONE_HOT needs a categorical feature (TEXT, INTEGER or BOOLEAN), and this one is ${rawType}`, isNumeric(rawType) ? 'scale numbers with SCALE' : undefined);
    return undefined;
  }
  if (s.oneHot.kind === 'one_hot_top') return { kind: 'one_hot_top', top: s.oneHot.top.value };
  const values: (string | number | boolean)[] = [];
  const seen = new Map<string, A.Literal>();
  for (const v of s.oneHot.values) {
    if (v.type === 'NULL' || !assignable(v.type, rawType) || (rawType === 'INTEGER' && v.type !== 'INTEGER')) {
      cx.report('E0507', v.span, `ONE_HOT value ${v.text} is ${v.type}, but the feature is ${rawType}`);
      return undefined;
    }
    const k = String(v.value);
    const first = seen.get(k);
    if (first) {
      cx.report('E0507', v.span, `ONE_HOT lists ${v.text} twice`, undefined, [{ span: first.span, message: 'first listed here' }]);
      return undefined;
    }
    seen.set(k, v);
    values.push(v.value);
  }
  const names = oneHotColumnNames(s.name.text, values);
  if (names.collisions.length > 0) {
    const [a, b] = names.collisions[0]!;
    cx.report(
      'E0508',
      s.oneHot.values[b]!.span,
      `ONE_HOT values ${s.oneHot.values[a]!.text} and ${s.oneHot.values[b]!.text} give the same column name \`${names.columns[a]}\``,
      'column names keep letters, digits and `_` and ignore case; drop or merge one of the values',
      [{ span: s.oneHot.values[a]!.span, message: `\`${names.columns[a]}\` first comes from here` }],
    );
    return undefined;
  }
  return { kind: 'one_hot_values', values, columns: names.columns };
}

/** The served type: SCALE gives DOUBLE, ONE_HOT 0/1 INTEGERs, FILL MEAN/MEDIAN turns INTEGER into DOUBLE. */
export function outputTypeOf(rawType: ScalarType, fill: FillInfo | undefined, encoding: EncodingInfo | undefined): ScalarType {
  if (encoding?.kind === 'scale') return 'DOUBLE';
  if (encoding) return 'INTEGER';
  if (fill?.kind === 'stat' && (fill.stat === 'MEAN' || fill.stat === 'MEDIAN')) return 'DOUBLE';
  return rawType;
}

export function unparen(e: A.Expr): A.Expr {
  return e.kind === 'paren' ? unparen(e.inner) : e;
}
