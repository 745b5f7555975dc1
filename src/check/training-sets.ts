/**
 * CREATE TRAINING SET: the label and features it names (versions resolved),
 * the label-relation columns that key each feature, and the output columns'
 * names (E0604).
 */
import type { Span } from '../diagnostics/diagnostic.js';
import type * as A from '../syntax/ast.js';
import type { EntityInfo, FeatureInfo, LabelInfo, RelationInfo, TrainingFeatureRef } from './catalog.js';
import { keyOf } from './catalog.js';
import { metadata, type ProjectChecker } from './checker.js';
import { isFailedColumn } from './expressions.js';

/** Why a label's relation cannot carry a feature's entity key (E0306, E0302). */
export interface KeyProblem {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
}

export function keyProblem(code: string, message: string, hint: string): KeyProblem {
  return { code, message, hint };
}

export function checkTrainingSet(cx: ProjectChecker, s: A.TrainingSetStatement, version: number): void {
  const before = cx.reported;
  const labelRef = cx.resolveRef(s.label, cx.labelStmts, 'label');
  const label = labelRef ? cx.labels[keyOf(labelRef.name)]?.find((l) => l.version === labelRef.version) : undefined;
  const labelRelation = label ? cx.relations[keyOf(label.relation)] : undefined;
  const features: TrainingFeatureRef[] = [];
  const seen = new Map<string, A.VersionedRef>();
  // Features of one entity that the label's relation cannot key, by code and entity: one error for them all.
  const unkeyed = new Map<string, { problem: KeyProblem; entity: string; refs: { ref: A.VersionedRef; feature: string }[] }>();
  for (const ref of s.features) {
    const first = seen.get(keyOf(ref.name.text));
    if (first) {
      cx.report('E0603', ref.span, `feature \`${ref.name.text}\` is listed twice`, 'a training set has one column per feature; list each once', [
        { span: first.span, message: 'first listed here' },
      ]);
      continue;
    }
    seen.set(keyOf(ref.name.text), ref);
    const r = cx.resolveRef(ref, cx.featureStmts, 'feature');
    if (!r) continue;
    const feature = cx.features[keyOf(r.name)]?.find((f) => f.version === r.version);
    if (!feature || !label || !labelRelation) continue; // already diagnosed
    const labelColumns = labelColumnsFor(cx, feature, label, labelRelation);
    if (Array.isArray(labelColumns)) {
      features.push({ name: r.name, version: r.version, labelColumns });
      continue;
    }
    const k = `${labelColumns.code}\u0000${keyOf(feature.key.entity)}`;
    const group = unkeyed.get(k) ?? { problem: labelColumns, entity: feature.key.entity, refs: [] };
    group.refs.push({ ref, feature: feature.name });
    unkeyed.set(k, group);
  }
  for (const { problem, entity, refs } of unkeyed.values()) {
    const [first, ...others] = refs;
    cx.report(
      problem.code,
      first!.ref.span,
      problem.message,
      problem.hint,
      others.map((o) => ({ span: o.ref.span, message: `feature \`${o.feature}\` is keyed by entity \`${entity}\` too` })),
    );
  }
  if (!label || cx.reported > before) return;
  checkOutputNames(cx, s, label, labelRelation!, features);
  if (cx.reported > before) return;
  (cx.trainingSets[keyOf(s.name.text)] ??= []).push({
    name: s.name.text,
    version,
    label: { name: label.name, version: label.version },
    features,
    ...(s.sample ? { sample: { percent: s.sample.percent, seed: s.sample.seed?.value ?? 0 } } : {}),
    ...metadata(s),
    file: s.span.file,
    span: s.span,
  });
}

/** The label-relation columns that carry a feature's entity keys, or why there are none (reported by the caller). */
export function labelColumnsFor(cx: ProjectChecker, feature: FeatureInfo, label: LabelInfo, labelRelation: RelationInfo): string[] | KeyProblem {
  if (keyOf(feature.key.entity) === keyOf(label.key.entity)) return [...label.key.columns];
  const entity = cx.entities[keyOf(feature.key.entity)]!;
  const out: string[] = [];
  for (const key of entity.keys) {
    const col = cx.columnsByKey(labelRelation).get(keyOf(key.name));
    if (!col) {
      return keyProblem(
        'E0306',
        `feature \`${feature.name}\` is keyed by entity \`${entity.name}\`, but label \`${label.name}\`'s relation \`${labelRelation.name}\` has no column \`${key.name}\``,
        `add \`${key.name}\` to \`${labelRelation.name}\` (a view can join it in), or drop the feature`,
      );
    }
    if (col.type !== key.type && !isFailedColumn(col)) {
      return keyProblem(
        'E0302',
        `feature \`${feature.name}\` is keyed by entity \`${entity.name}\`, whose key \`${key.name}\` is ${key.type}, but column \`${col.name}\` of label \`${label.name}\`'s relation \`${labelRelation.name}\` is ${col.type}`,
        `CAST it in a view, or declare the column as ${key.type}`,
      );
    }
    out.push(col.name);
  }
  return out;
}

/** Training-set columns: entity keys, the label time, one column per feature (per category), the label. */
export function checkOutputNames(cx: ProjectChecker, s: A.TrainingSetStatement, label: LabelInfo, labelRelation: RelationInfo, features: TrainingFeatureRef[]): void {
  const names = new Map<string, { what: string; object?: string }>();
  /**
   * `object`: the feature or label the column is named after (a feature and a label of one name are already E0202);
   * `span`: where it is listed, to point at (the training set's name otherwise).
   */
  const add = (name: string, what: string, object?: string, span?: Span) => {
    const k = keyOf(name);
    const first = names.get(k);
    const sameObjectName = first?.object !== undefined && object !== undefined && keyOf(first.object) === keyOf(object);
    if (first !== undefined && first.what !== what && !sameObjectName) {
      const fixed = first.what.startsWith('the '); // an entity key or the label time: only the other can change
      cx.report(
        'E0604',
        span ?? s.name.span,
        `training set \`${s.name.text}\` would have two columns named \`${name}\`: ${first.what} and ${what}`,
        fixed ? `rename ${what}` : 'rename one of them',
      );
    }
    names.set(k, { what, ...(object !== undefined ? { object } : {}) });
  };
  const refSpan = (feature: string) => s.features.find((r) => keyOf(r.name.text) === keyOf(feature))?.name.span;
  // Entity keys are named after the entity's key columns. Two entities whose keys share a name
  // share the output column when both read the same label column (e.g. `customer` and
  // `customer_merchant` both keyed by `customer_id`); reading different columns is a collision.
  const keySources = new Map<string, string>();
  const addKey = (entity: EntityInfo, i: number, labelColumn: string, span?: Span) => {
    const key = entity.keys[i]!;
    const known = keySources.get(keyOf(key.name));
    const from = keyOf(labelColumn) === keyOf(key.name) ? '' : ` (from \`${labelColumn}\`)`;
    const what = `the key of entity \`${entity.name}\`${from}`;
    if (known !== undefined && keyOf(known) === keyOf(labelColumn)) return;
    keySources.set(keyOf(key.name), labelColumn);
    add(key.name, what, undefined, span);
  };
  const labelEntity = cx.entities[keyOf(label.key.entity)]!;
  label.key.columns.forEach((c, i) => addKey(labelEntity, i, c));
  for (const f of features) {
    const feature = cx.features[keyOf(f.name)]!.find((x) => x.version === f.version)!;
    const entity = cx.entities[keyOf(feature.key.entity)]!;
    f.labelColumns.forEach((c, i) => addKey(entity, i, c, refSpan(feature.name)));
  }
  if (labelRelation.eventTime) add(labelRelation.eventTime, 'the label time');
  for (const f of features) {
    const feature = cx.features[keyOf(f.name)]!.find((x) => x.version === f.version)!;
    if (feature.encoding?.kind === 'one_hot_values') for (const c of feature.encoding.columns) add(c, `feature \`${feature.name}\``, undefined, refSpan(feature.name));
    else add(feature.name, `feature \`${feature.name}\``, feature.name, refSpan(feature.name));
  }
  add(label.name, `label \`${label.name}\``, label.name, s.label.name.span);
}
