/** CREATE LABEL: one value per row of its relation, and WHERE. */
import type * as A from '../syntax/ast.js';
import type { TExpr } from './catalog.js';
import { keyOf } from './catalog.js';
import { metadata, type ProjectChecker } from './checker.js';
import { ExpressionTyper, hasFailed } from './expressions.js';
import { bindKeys } from './keys.js';
import { requireBoolean } from './select.js';

export function checkLabel(cx: ProjectChecker, s: A.LabelStatement, version: number): void {
  const found = cx.findRelation(s.from);
  const key = found ? bindKeys(cx, s.entity, found.relation, found.poisoned) : (cx.findEntity(s.entity.entity), undefined);
  if (!found) return;
  const scope = cx.scopeOf(found.relation, found.poisoned);
  const before = cx.reported;
  const { unknownColumn } = cx.lookup;
  const value = new ExpressionTyper({ scope, aggregates: 'forbidden', clause: 'a label (a label is one value per row)', diagnostics: cx.diagnostics, unknownColumn }).type(s.value);
  let where: TExpr | undefined;
  if (s.where) {
    where = new ExpressionTyper({ scope, aggregates: 'forbidden', clause: "a label's WHERE", diagnostics: cx.diagnostics, unknownColumn }).type(s.where);
    requireBoolean(where, 'WHERE', cx.diagnostics);
  }
  if (hasFailed(value)) return;
  if (value.type === 'NULL') {
    cx.report('E0401', s.value.span, 'a label cannot be a bare NULL');
    return;
  }
  if (cx.reported > before || !key) return;
  (cx.labels[keyOf(s.name.text)] ??= []).push({
    name: s.name.text,
    version,
    key,
    relation: found.relation.name,
    value,
    ...(where ? { where } : {}),
    type: value.type,
    ...metadata(s),
    file: s.span.file,
    span: s.span,
  });
}
