/**
 * Leakage lints that need no data (docs/errors.md, W07xx): warnings about
 * training rows that would see what was not known at their time. They run on
 * a checked project — the catalog for what things mean, the statements for
 * where to point — after every error check, and never change the catalog.
 *
 * - W0701: a training set's feature reads the label's own relation through a
 *   column the label is computed from, and sees the label row itself (no
 *   `AS OF < t`).
 * - W0702: a view with an EVENT TIME joins a dimension (no EVENT TIME): every
 *   past row sees the dimension as it is today.
 * - W0703: a DATE event time (available from the start of its day) read
 *   within its day: by a WINDOW shorter than a day, or by the features of a
 *   label with a TIMESTAMP time, without AVAILABLE.
 *
 * They run only on a project without errors (src/check/project.ts): what an
 * error left out would give warnings that merely follow from it.
 *
 * The lints that need the offline data (history, fit times, label times) are
 * in src/runtime/leakage.ts.
 */
import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type * as A from '../syntax/ast.js';
import { availableAfterSeconds, keyOf, type Catalog, type FeatureInfo, type LabelInfo, type RelationInfo, type TExpr } from './catalog.js';

const DAY = 86_400;

/** The leakage warnings of a checked project. */
export function leakageLints(catalog: Catalog, statements: readonly A.Statement[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of statements) {
    if (s.kind === 'view') joinedDimensions(catalog, s, out);
    else if (s.kind === 'feature') shortWindowOverDates(catalog, s, out);
    else if (s.kind === 'training_set') trainingSetLints(catalog, s, out);
  }
  return out;
}

/** The columns (lower case) of `relation` an expression reads. */
function columnsRead(e: TExpr | undefined, out: Set<string> = new Set()): Set<string> {
  if (!e) return out;
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    if (x === null || typeof x !== 'object') return;
    const o = x as Record<string, unknown>;
    if (o['kind'] === 'column' && typeof o['column'] === 'string') out.add(keyOf(o['column']));
    for (const [k, v] of Object.entries(o)) if (k !== 'span') visit(v);
  };
  visit(e);
  return out;
}

function relationOf(catalog: Catalog, name: string): RelationInfo | undefined {
  return catalog.relations[keyOf(name)];
}

function eventTimeType(r: RelationInfo | undefined): 'DATE' | 'TIMESTAMP' | undefined {
  if (!r?.eventTime) return undefined;
  return r.columns.find((c) => c.name === r.eventTime)?.type as 'DATE' | 'TIMESTAMP' | undefined;
}

/** A DATE event time that no AVAILABLE (its own or inherited) moves past the start of its day. */
function startOfDayDates(catalog: Catalog, r: RelationInfo | undefined): boolean {
  return r !== undefined && eventTimeType(r) === 'DATE' && availableAfterSeconds(catalog, r.name) === 0;
}

function versionOf(s: { version?: A.IntegerLiteral }): number {
  return s.version?.value ?? 1;
}

// ---- W0702 --------------------------------------------------------------------------

function joinedDimensions(catalog: Catalog, s: A.ViewStatement, out: Diagnostic[]): void {
  const view = relationOf(catalog, s.name.text);
  if (!view?.eventTime || s.query.joins.length === 0) return;
  const refs = [s.query.from, ...s.query.joins.map((j) => j.table)];
  const inputs = refs.map((t) => ({ t, r: relationOf(catalog, t.name.text) }));
  if (!inputs.some((x) => x.r?.eventTime)) return;
  for (const { t, r } of inputs) {
    if (!r || r.eventTime) continue;
    out.push(
      warning(
        'W0702',
        t.name.span,
        `view \`${view.name}\` joins \`${r.name}\`, which has no EVENT TIME, to rows that have one: a past row sees \`${r.name}\` as it is today`,
        `if \`${r.name}\` changes over time, give it an EVENT TIME (a valid-from or updated-at column) and read it with features of its own instead of joining it in; if it never changes, this is safe`,
      ),
    );
  }
}

// ---- W0703 (windows) ---------------------------------------------------------------

function shortWindowOverDates(catalog: Catalog, s: A.FeatureStatement, out: Diagnostic[]): void {
  if (!s.window || s.window.seconds >= DAY) return;
  const feature = catalog.features[keyOf(s.name.text)]?.find((f) => f.version === versionOf(s));
  const r = feature && relationOf(catalog, feature.relation);
  if (!feature || !r || !startOfDayDates(catalog, r)) return;
  out.push(
    warning(
      'W0703',
      s.window.span,
      `WINDOW ${s.window.amount} ${s.window.unit}${s.window.amount === 1 ? '' : 'S'} is shorter than a day, but \`${r.name}\`'s event time \`${r.eventTime}\` is a DATE, visible from the start of its day`,
      `a day's row counts from its midnight, before the day has happened: say when it is complete with \`AVAILABLE AT END OF DAY\` on \`${r.name}\`, or use a window of whole days`,
    ),
  );
}

// ---- W0701, W0703 (labels) ------------------------------------------------------------

function trainingSetLints(catalog: Catalog, s: A.TrainingSetStatement, out: Diagnostic[]): void {
  const ts = catalog.trainingSets[keyOf(s.name.text)]?.find((t) => t.version === versionOf(s));
  if (!ts) return;
  const label = catalog.labels[keyOf(ts.label.name)]?.find((l) => l.version === ts.label.version);
  const labelRelation = label && relationOf(catalog, label.relation);
  if (!label || !labelRelation) return;
  for (const ref of s.features) {
    const r = ts.features.find((f) => keyOf(f.name) === keyOf(ref.name.text));
    const feature = r && catalog.features[keyOf(r.name)]?.find((f) => f.version === r.version);
    if (!feature) continue;
    readsTheLabel(catalog, labelRelation, label, feature, ref, out);
    datesWithinTheLabelsDay(catalog, labelRelation, feature, ref, out);
  }
}

/** W0701: the feature reads, from the label's own relation, a column the label is computed from. */
function readsTheLabel(catalog: Catalog, labelRelation: RelationInfo, label: LabelInfo, feature: FeatureInfo, ref: A.VersionedRef, out: Diagnostic[]): void {
  if (keyOf(feature.relation) !== keyOf(labelRelation.name) || !labelRelation.eventTime || feature.strictlyBefore) return;
  // Rows available only after their event time (AVAILABLE AFTER, or a view over such rows): at the label's time its own row is not visible yet.
  if (availableAfterSeconds(catalog, labelRelation.name) > 0) return;
  const ignored = new Set([...label.key.columns, labelRelation.eventTime].map(keyOf));
  const determines = [...columnsRead(label.value)].filter((c) => !ignored.has(c));
  const read = columnsRead(feature.value, columnsRead(feature.where));
  const shared = determines.filter((c) => read.has(c));
  if (shared.length === 0) return;
  const column = labelRelation.columns.find((c) => keyOf(c.name) === shared[0])?.name ?? shared[0]!;
  out.push(
    warning(
      'W0701',
      ref.span,
      `feature \`${feature.name}\` reads \`${column}\` from \`${labelRelation.name}\`, the relation label \`${label.name}\` is computed from: at a label's time it sees the label's own row`,
      `add \`AS OF < t\` to feature \`${feature.name}\` so that it only sees rows before the label's time, or compute it from a column that is known before the label`,
    ),
  );
}

/** W0703: a TIMESTAMP label reads a DATE relation that is visible from the start of the day. */
function datesWithinTheLabelsDay(catalog: Catalog, labelRelation: RelationInfo, feature: FeatureInfo, ref: A.VersionedRef, out: Diagnostic[]): void {
  if (eventTimeType(labelRelation) !== 'TIMESTAMP') return;
  const r = relationOf(catalog, feature.relation);
  if (!r || !startOfDayDates(catalog, r)) return;
  out.push(
    warning(
      'W0703',
      ref.span,
      `feature \`${feature.name}\` reads \`${r.name}\`, whose event time \`${r.eventTime}\` is a DATE, for labels at a TIMESTAMP: a label during a day sees that whole day's row`,
      `a day's row counts from its midnight: say when it is complete with \`AVAILABLE AT END OF DAY\` (or \`AVAILABLE AFTER <duration>\`) on \`${r.name}\``,
    ),
  );
}
