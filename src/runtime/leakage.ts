/**
 * Leakage lints that need the offline data (docs/errors.md, W071x), checked
 * by `fsql plan` and `fsql apply` against the project's offline engine with
 * a few COUNT / MIN / MAX queries:
 *
 * - W0711: a WINDOW or TTL longer than the feature relation's history at its
 *   fit time — the fitted statistics (and the feature of early labels) come
 *   from windows cut short by the start of the data;
 * - W0712: a fitted transform whose fit time is after most of a training
 *   set's label times (statistics from the labels' future), with the share of
 *   label rows affected;
 * - W0713: a training set whose label rows precede the first row of every one
 *   of its features' relations (those rows get no feature value at all).
 *
 * The static lints are src/check/lints.ts. The fit time of a version is the
 * registered one, else the one an apply would use (`--fit-at`, or when the
 * relation's newest row becomes available).
 */
import { availableAfterSeconds, keyOf, versionKey, type Catalog, type FeatureInfo, type LabelInfo, type RelationInfo } from '../check/catalog.js';
import type { CheckResult } from '../check/project.js';
import { sortDiagnostics, warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Engine } from '../engine/engine.js';
import { needsFit } from '../plan/fitted.js';
import { and, bin, caseWhen, col, int, isNull, lit, type SqlExpr, type SqlSelect } from '../sql/ast.js';
import { dialectFor } from '../sql/dialects/index.js';
import { lowerExpr } from '../sql/lower-expr.js';
import { SqlPrinter } from '../sql/print.js';
import { timestampText } from '../engine/values.js';

const MICROS_PER_DAY = 86_400_000_000;

/** The statements of a checked project (the AST, src/syntax/ast.ts, through the checker). */
type Statement = CheckResult['files'][number]['statements'][number];
type FeatureStatement = Extract<Statement, { kind: 'feature' }>;
type TrainingSetStatement = Extract<Statement, { kind: 'training_set' }>;

export interface DataLintOptions {
  /** The fit time of a feature version, when it is registered with one (µs); undefined: not fitted yet. */
  readonly fittedAt?: (feature: string, version: number) => number | null | undefined;
  /** `apply --fit-at` (µs): the fit time of versions not fitted yet. */
  readonly fitAt?: number;
}

const MICROS = 1_000_000;

/** The data-dependent leakage warnings of a checked project, from its offline engine. */
export async function dataLeakageLints(engine: Engine, checked: CheckResult, options: DataLintOptions = {}): Promise<Diagnostic[]> {
  const stats = new RelationStats(engine, checked.catalog);
  const statements = checked.files.flatMap((f) => f.statements);
  const out: Diagnostic[] = [];
  const fitTimes = new Map<string, number | null>();
  const fitTime = async (f: FeatureInfo): Promise<number | null> => {
    const k = versionKey(f.name, f.version);
    if (!fitTimes.has(k)) {
      const registered = options.fittedAt?.(f.name, f.version);
      const r = checked.catalog.relations[keyOf(f.relation)];
      let t: number | null = null;
      if (registered !== undefined) t = registered;
      else if (r?.eventTime) t = options.fitAt ?? (await stats.newestAvailable(r));
      fitTimes.set(k, t);
    }
    return fitTimes.get(k)!;
  };
  for (const s of statements) {
    if (s.kind === 'feature') await historyLint(checked.catalog, s, stats, fitTime, out);
    if (s.kind === 'training_set') await trainingSetLints(checked.catalog, s, stats, fitTime, out);
  }
  return sortDiagnostics(out);
}

/** MIN / MAX of relations' event times and label-row counts, each asked once. */
class RelationStats {
  private readonly printer: SqlPrinter;
  private readonly bounds = new Map<string, Promise<{ min: number | null; max: number | null }>>();

  constructor(
    private readonly engine: Engine,
    private readonly catalog: Catalog,
  ) {
    this.printer = new SqlPrinter(dialectFor(engine.target));
  }

  /** The oldest and newest event times of a timed relation (µs; DATE as midnight). */
  eventBounds(r: RelationInfo): Promise<{ min: number | null; max: number | null }> {
    let p = this.bounds.get(keyOf(r.name));
    if (!p) {
      const type = r.columns.find((c) => c.name === r.eventTime)!.type;
      const e = col(r.eventTime!, r.name);
      const q: SqlSelect = {
        k: 'select',
        items: [
          { e: { k: 'agg', fn: 'MIN', distinct: false, arg: e, type }, alias: 'lo' },
          { e: { k: 'agg', fn: 'MAX', distinct: false, arg: e, type }, alias: 'hi' },
        ],
        from: { k: 'table', name: r.name },
      };
      const micros = (v: unknown) => (v === null || v === undefined ? null : type === 'DATE' ? Number(v) * MICROS_PER_DAY : Number(v));
      p = this.engine
        .query(this.printer.statement({ k: 'query', q }), [
          { name: 'lo', type },
          { name: 'hi', type },
        ])
        .then((rows) => ({ min: micros(rows[0]?.['lo']), max: micros(rows[0]?.['hi']) }));
      this.bounds.set(keyOf(r.name), p);
    }
    return p;
  }

  /** When the first row becomes available (µs), or null without rows. */
  async firstAvailable(r: RelationInfo): Promise<number | null> {
    const { min } = await this.eventBounds(r);
    return min === null ? null : min + availableAfterSeconds(this.catalog, r.name) * MICROS;
  }

  /** When the newest row becomes available (µs): the default fit time. */
  async newestAvailable(r: RelationInfo): Promise<number | null> {
    const { max } = await this.eventBounds(r);
    return max === null ? null : max + availableAfterSeconds(this.catalog, r.name) * MICROS;
  }

  /** The label rows of a label (its WHERE, a key and a time) in all, and those with a time before `t` (µs). */
  async labelRowsBefore(label: LabelInfo, r: RelationInfo, t: number): Promise<{ total: number; before: number }> {
    const type = r.columns.find((c) => c.name === r.eventTime)!.type;
    const e: SqlExpr = type === 'DATE' ? { k: 'date_to_timestamp', e: col(r.eventTime!, r.name) } : col(r.eventTime!, r.name);
    const q: SqlSelect = {
      k: 'select',
      items: [
        { e: { k: 'agg', fn: 'COUNT', distinct: false, type: 'INTEGER' }, alias: 'total' },
        { e: { k: 'agg', fn: 'COUNT', distinct: false, arg: caseWhen([{ when: bin('<', e, lit(t, 'TIMESTAMP')), then: int(1) }]), type: 'INTEGER' }, alias: 'before' },
      ],
      from: { k: 'table', name: r.name },
      where: and(label.where ? lowerExpr(label.where) : undefined, ...label.key.columns.map((c) => isNull(col(c, r.name), true)), isNull(col(r.eventTime!, r.name), true))!,
    };
    const rows = await this.engine.query(this.printer.statement({ k: 'query', q }), [
      { name: 'total', type: 'INTEGER' },
      { name: 'before', type: 'INTEGER' },
    ]);
    return { total: Number(rows[0]?.['total'] ?? 0), before: Number(rows[0]?.['before'] ?? 0) };
  }
}

const when = (t: number) => timestampText(t);
const percent = (n: number, d: number) => `${Math.round((100 * n) / d)}%`;

function versionOf(s: { version?: { value: number } }): number {
  return s.version?.value ?? 1;
}

/** A duration in words: `3 DAYS`, `36 HOURS`, `90 MINUTES`. */
function durationText(seconds: number): string {
  for (const [unit, n] of [['WEEK', 604_800], ['DAY', 86_400], ['HOUR', 3600], ['MINUTE', 60]] as const) {
    if (seconds >= n && seconds % n === 0) return `${seconds / n} ${unit}${seconds / n === 1 ? '' : 'S'}`;
  }
  return `${seconds} SECOND${seconds === 1 ? '' : 'S'}`;
}

// ---- W0711 ------------------------------------------------------------------------------

async function historyLint(catalog: Catalog, s: FeatureStatement, stats: RelationStats, fitTime: (f: FeatureInfo) => Promise<number | null>, out: Diagnostic[]): Promise<void> {
  const clause = s.window ?? s.ttl;
  if (!clause) return;
  const feature = catalog.features[keyOf(s.name.text)]?.find((f) => f.version === versionOf(s));
  const r = feature && catalog.relations[keyOf(feature.relation)];
  if (!feature || !r?.eventTime) return;
  const first = await stats.firstAvailable(r);
  const at = await fitTime(feature);
  if (first === null || at === null) return;
  const history = at - first;
  if (clause.seconds * MICROS <= history) return;
  const what = s.window ? 'WINDOW' : 'TTL';
  out.push(
    warning(
      'W0711',
      clause.span,
      `${what} ${clause.amount} ${clause.unit}${clause.amount === 1 ? '' : 'S'} is longer than the ${history > 0 ? durationText(Math.floor(history / MICROS)) : 'no time'} of \`${r.name}\` history at the fit time (${when(first)} to ${when(at)}): the feature is computed from ${s.window ? 'windows' : 'rows'} cut short by the start of the data, for the fit and for early labels`,
      `shorten the ${what} to at most the history there is, or load older data of \`${r.name}\` (or fit later, with \`fsql apply --fit-at\` on a new VERSION)`,
    ),
  );
}

// ---- W0712, W0713 --------------------------------------------------------------------------

async function trainingSetLints(catalog: Catalog, s: TrainingSetStatement, stats: RelationStats, fitTime: (f: FeatureInfo) => Promise<number | null>, out: Diagnostic[]): Promise<void> {
  const ts = catalog.trainingSets[keyOf(s.name.text)]?.find((t) => t.version === versionOf(s));
  const label = ts && catalog.labels[keyOf(ts.label.name)]?.find((l) => l.version === ts.label.version);
  const lr = label && catalog.relations[keyOf(label.relation)];
  if (!ts || !label || !lr?.eventTime) return;
  const features = s.features.flatMap((ref) => {
    const r = ts.features.find((f) => keyOf(f.name) === keyOf(ref.name.text));
    const f = r && catalog.features[keyOf(r.name)]?.find((x) => x.version === r.version);
    return f ? [{ ref, f }] : [];
  });

  for (const { ref, f } of features) {
    if (!needsFit(f)) continue;
    const at = await fitTime(f);
    if (at === null) continue;
    const { total, before } = await stats.labelRowsBefore(label, lr, at);
    if (total === 0 || before * 2 <= total) continue;
    out.push(
      warning(
        'W0712',
        ref.span,
        `feature \`${f.name}\` VERSION ${f.version} is fitted at ${when(at)}, after ${percent(before, total)} of training set \`${ts.name}\`'s label rows (${before} of ${total}): its fitted statistics come from those labels' future`,
        `fit a new VERSION before most label times, e.g. \`fsql apply --fit-at '<a time before your training labels>'\`, or train on labels after ${when(at)}`,
      ),
    );
  }

  // Rows before the first row of every timed feature relation: every feature of theirs is empty.
  let earliest: number | null = null;
  for (const { f } of features) {
    const r = catalog.relations[keyOf(f.relation)];
    if (!r?.eventTime) return; // a dimension feature has a value at any time
    const first = await stats.firstAvailable(r);
    if (first !== null && (earliest === null || first < earliest)) earliest = first;
  }
  if (earliest === null || features.length === 0) return;
  const { total, before } = await stats.labelRowsBefore(label, lr, earliest);
  if (before === 0) return;
  out.push(
    warning(
      'W0713',
      s.label.span,
      `${before} of training set \`${ts.name}\`'s ${total} label rows (${percent(before, total)}) are before the first row of any of its features' relations (${when(earliest)}): their features are all empty`,
      `load the features' older data, or leave those labels out (a WHERE on label \`${label.name}\`, e.g. on \`${lr.eventTime}\` >= TIMESTAMP '${when(earliest)}')`,
    ),
  );
}

