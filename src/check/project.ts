/**
 * Checks a whole project: parses every file, collects declarations across
 * files (order does not matter), reports duplicates and view cycles, checks
 * every object and builds the catalog.
 */
import { error, hasErrors, joinSpans, sortDiagnostics, warning, type Diagnostic, type RelatedSpan, type Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from '../syntax/ast.js';
import { parseFile, type ParseResult } from '../syntax/parse.js';
import type {
  AvailabilityInfo,
  Catalog,
  ColumnInfo,
  DurationInfo,
  EncodingInfo,
  EntityInfo,
  FeatureInfo,
  FillInfo,
  KeyBinding,
  LabelInfo,
  Metadata,
  RelationInfo,
  ScalarType,
  SourceInfo,
  TExpr,
  TrainingFeatureRef,
  TrainingSetInfo,
  ViewInfo,
} from './catalog.js';
import { keyOf } from './catalog.js';
import { canonicalFunctionName, containsAggregate, ExpressionTyper, hasFailed, isFailedColumn, type ScopeEntry } from './expressions.js';
import { isAggregateName } from './functions.js';
import { leakageLints } from './lints.js';
import { oneHotColumnNames } from './naming.js';
import { checkSelect, columnName as selectItemName, requireBoolean, type RelationLookup } from './select.js';
import { assignable, isCategorical, isNumeric, isTemporal } from './types.js';

export interface ProjectFile {
  readonly path: string;
  readonly text: string;
}

export interface CheckResult {
  readonly catalog: Catalog;
  readonly files: readonly A.SourceFile[];
  /** Sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Checks the files of one project. Never throws. */
export function checkProject(files: readonly ProjectFile[]): CheckResult {
  return checkParsed(files.map((f) => parseFile(f.text, f.path)));
}

/**
 * Checks a project from files already parsed (`parseFile`): the same result as
 * `checkProject` of their texts. The language server (src/lsp) keeps each
 * file's parse and re-runs only this on a keystroke, re-parsing only the file
 * that changed. The checker reads the ASTs and never changes them, so a parse
 * can be checked again and again.
 */
export function checkParsed(files: readonly ParseResult[]): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const unparsed = new Set<string>();
  const parsed = files.map((r) => {
    diagnostics.push(...r.diagnostics);
    for (const name of r.unparsed) unparsed.add(keyOf(name));
    return r.file;
  });
  const checker = new ProjectChecker(diagnostics, unparsed);
  const statements = parsed.flatMap((f) => f.statements);
  const catalog = checker.check(statements);
  // Leakage lints (W07xx) read the finished catalog, of a project without errors: what an error left out
  // or half-checked would only give warnings that follow from it.
  if (!hasErrors(diagnostics)) diagnostics.push(...leakageLints(catalog, statements));
  return { catalog, files: parsed, diagnostics: sortDiagnostics(diagnostics) };
}

/** Checks one piece of source text as a project of one file. */
export function checkText(text: string, path = '<input>'): CheckResult {
  return checkProject([{ path, text }]);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type Versioned<S> = { readonly stmt: S; readonly version: number };

/** A feature or label binding key column `index` of its entity to `column` of `relation`, at `span`. */
interface KeyUse {
  readonly stmt: A.FeatureStatement | A.LabelStatement;
  readonly index: number;
  readonly relation: RelationInfo;
  readonly column: ColumnInfo;
  readonly span: Span;
}

/** Why a label's relation cannot carry a feature's entity key (E0306, E0302). */
interface KeyProblem {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
}

function keyProblem(code: string, message: string, hint: string): KeyProblem {
  return { code, message, hint };
}

/** The order diagnostics are sorted in (sortDiagnostics): by file, then position. */
function byPlace(a: Span, b: Span): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.start - b.start;
}

/** "feature `risk`", or "feature `risk` VERSION 2" when the statement names its version. */
function readerOf(s: A.FeatureStatement | A.LabelStatement): string {
  return `${s.kind} \`${s.name.text}\`${s.version ? ` VERSION ${s.version.value}` : ''}`;
}

/** "features `a` and `b` and label `y` read" / "feature `a` reads": the distinct names, the first few of each kind. */
function readersOf(uses: readonly KeyUse[]): string {
  const names = (kind: 'feature' | 'label') => [...new Set(uses.filter((u) => u.stmt.kind === kind).map((u) => u.stmt.name.text))];
  const parts: string[] = [];
  let total = 0;
  for (const kind of ['feature', 'label'] as const) {
    const ns = names(kind);
    total += ns.length;
    if (ns.length > 0) parts.push(`${kind}${ns.length > 1 ? 's' : ''} ${listNames(ns)}`);
  }
  return `${parts.join(' and ')} ${total > 1 ? 'read' : 'reads'}`;
}

/** `a`, `b` and `c`; past five names, the first three and how many more. */
function listNames(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  const shown = quoted.length > 5 ? [...quoted.slice(0, 3), `${quoted.length - 3} more`] : quoted;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

function metadata(s: A.Metadata): Metadata {
  const out = {} as Mutable<Metadata>;
  if (s.description) out.description = s.description.value;
  if (s.owner) out.owner = s.owner.value;
  out.tags = s.tags ? s.tags.map((t) => t.value) : [];
  return out;
}

function duration(d: A.Duration): DurationInfo {
  return { seconds: d.seconds, amount: d.amount, unit: d.unit };
}

const KIND_NAMES: Record<A.Statement['kind'], string> = {
  entity: 'entity',
  source: 'source',
  view: 'view',
  feature: 'feature',
  label: 'label',
  training_set: 'training set',
};

class ProjectChecker {
  private readonly entityStmts = new Map<string, A.EntityStatement>();
  private readonly relationStmts = new Map<string, A.SourceStatement | A.ViewStatement>();
  private readonly featureStmts = new Map<string, Versioned<A.FeatureStatement>[]>();
  private readonly labelStmts = new Map<string, Versioned<A.LabelStatement>[]>();
  private readonly trainingStmts = new Map<string, Versioned<A.TrainingSetStatement>[]>();

  private readonly entities: Record<string, EntityInfo> = {};
  private readonly relations: Record<string, RelationInfo> = {};
  private readonly poisoned = new Set<string>();
  private readonly features: Record<string, FeatureInfo[]> = {};
  private readonly labels: Record<string, LabelInfo[]> = {};
  private readonly trainingSets: Record<string, TrainingSetInfo[]> = {};

  /** The first declaration of each name, of any kind: one namespace per project. */
  private readonly declared = new Map<string, A.Statement>();

  /**
   * @param unparsed names declared by statements that failed to parse (already
   *   diagnosed): uses of them are not reported again as unknown.
   */
  constructor(
    private readonly diagnostics: Diagnostic[],
    private readonly unparsed: ReadonlySet<string> = new Set(),
  ) {}

  private report(code: string, span: Span, message: string, hint?: string, related?: { span: Span; message: string }[]): void {
    this.diagnostics.push(error(code, span, message, hint, related));
  }

  check(statements: readonly A.Statement[]): Catalog {
    for (const s of statements) this.declare(s);
    for (const s of this.entityStmts.values()) this.checkEntity(s);
    for (const s of this.relationStmts.values()) if (s.kind === 'source') this.checkSource(s);
    this.checkViews();
    this.judgeKeyTypes();
    for (const versions of this.featureStmts.values()) for (const v of versions) this.checkFeature(v.stmt, v.version);
    for (const versions of this.labelStmts.values()) for (const v of versions) this.checkLabel(v.stmt, v.version);
    for (const versions of this.trainingStmts.values()) for (const v of versions) this.checkTrainingSet(v.stmt, v.version);
    this.reportUnknowns();
    const byVersion = (a: { version: number }, b: { version: number }) => a.version - b.version;
    // Only a name declared more than once can have versions out of order.
    this.featureStmts.forEach((declared, k) => {
      if (declared.length > 1) this.features[k]?.sort(byVersion);
    });
    this.labelStmts.forEach((declared, k) => {
      if (declared.length > 1) this.labels[k]?.sort(byVersion);
    });
    this.trainingStmts.forEach((declared, k) => {
      if (declared.length > 1) this.trainingSets[k]?.sort(byVersion);
    });
    return {
      entities: this.entities,
      relations: this.relations,
      features: this.features,
      labels: this.labels,
      trainingSets: this.trainingSets,
    };
  }

  // ---- declarations -----------------------------------------------------------

  private declare(s: A.Statement): void {
    const key = keyOf(s.name.text);
    const other = this.declared.get(key);
    if (other && other.kind !== s.kind && !(isSourceOrView(other) && isSourceOrView(s))) {
      // Another kind of object has the name. Both stay declared (each in its own
      // table), so that their uses resolve and report nothing more.
      this.report(
        'E0202',
        s.name.span,
        `\`${s.name.text}\` is defined twice: as ${article(KIND_NAMES[other.kind])} and as ${article(KIND_NAMES[s.kind])}`,
        'entities, sources, views, features, labels and training sets share one namespace: rename one',
        [{ span: other.name.span, message: `first defined here as ${article(KIND_NAMES[other.kind])}` }],
      );
    } else if (!other) {
      this.declared.set(key, s);
    }
    const duplicate = (first: A.Statement, what: string) =>
      this.report('E0202', s.name.span, `${what} \`${s.name.text}\` is defined twice`, undefined, [
        { span: first.name.span, message: 'first defined here' },
      ]);
    switch (s.kind) {
      case 'entity': {
        const first = this.entityStmts.get(key);
        if (first) return duplicate(first, 'entity');
        this.entityStmts.set(key, s);
        return;
      }
      case 'source':
      case 'view': {
        const first = this.relationStmts.get(key);
        if (first) {
          if (first.kind === s.kind) return duplicate(first, s.kind);
          this.report('E0202', s.name.span, `\`${s.name.text}\` is defined twice: as a ${first.kind} and as a ${s.kind}`, 'sources and views share one namespace: rename one', [
            { span: first.name.span, message: `first defined here as a ${first.kind}` },
          ]);
          return;
        }
        this.relationStmts.set(key, s);
        return;
      }
      case 'feature':
      case 'label':
      case 'training_set': {
        const table = (s.kind === 'feature' ? this.featureStmts : s.kind === 'label' ? this.labelStmts : this.trainingStmts) as Map<
          string,
          Versioned<A.Statement>[]
        >;
        const version = s.version?.value ?? 1;
        const list = table.get(key) ?? [];
        const first = list.find((v) => v.version === version);
        if (first) {
          this.report(
            'E0202',
            s.name.span,
            `${KIND_NAMES[s.kind]} \`${s.name.text}\` VERSION ${version} is defined twice`,
            `a (name, version) is immutable: give the new definition VERSION ${Math.max(...list.map((v) => v.version)) + 1}`,
            [{ span: first.stmt.name.span, message: 'first defined here' }],
          );
          return;
        }
        list.push({ stmt: s, version });
        table.set(key, list);
        return;
      }
    }
  }

  // ---- entities and sources ------------------------------------------------------

  private columns(defs: readonly A.ColumnDef[], what: string): ColumnInfo[] {
    const out: ColumnInfo[] = [];
    const seen = new Map<string, A.ColumnDef>();
    for (const d of defs) {
      const first = seen.get(keyOf(d.name.text));
      if (first) {
        this.report('E0205', d.name.span, `${what} has two columns named \`${d.name.text}\``, 'names are case-insensitive; rename one', [
          { span: first.name.span, message: 'first defined here' },
        ]);
        continue;
      }
      seen.set(keyOf(d.name.text), d);
      out.push({ name: d.name.text, type: d.type.type, nullable: !d.notNull });
    }
    return out;
  }

  private checkEntity(s: A.EntityStatement): void {
    this.entities[keyOf(s.name.text)] = {
      name: s.name.text,
      keys: this.columns(s.keys, `entity \`${s.name.text}\``),
      ...metadata(s),
      file: s.span.file,
      span: s.span,
    };
  }

  private checkEventTime(ident: A.Identifier | undefined, columns: readonly ColumnInfo[], owner: string, warnNullable = false): string | undefined {
    if (!ident) return undefined;
    const col = columns.find((c) => keyOf(c.name) === keyOf(ident.text));
    if (!col) {
      this.report('E0203', ident.span, `EVENT TIME names unknown column \`${ident.text}\` of ${owner}`, didYouMean(ident.text, columns.map((c) => c.name)));
      return undefined;
    }
    if (isFailedColumn(col)) return col.name; // its type is a guess: the view's own error says why
    if (!isTemporal(col.type)) {
      this.report('E0304', ident.span, `EVENT TIME column \`${col.name}\` is ${col.type}; it must be a TIMESTAMP or DATE`, 'declare the column as TIMESTAMP, or CAST it in a view');
      return undefined;
    }
    if (col.nullable && warnNullable) {
      this.diagnostics.push(
        warning('W0301', ident.span, `EVENT TIME column \`${col.name}\` is nullable`, `declare it \`${col.name} ${col.type} NOT NULL\`: a row without a time is never visible to features and labels`),
      );
    }
    return col.name;
  }

  /** A relation's AVAILABLE clause: it needs an EVENT TIME, and AT END OF DAY a DATE one. */
  private checkAvailability(a: A.Availability | undefined, eventTime: string | undefined, declared: A.Identifier | undefined, columns: readonly ColumnInfo[], name: string): AvailabilityInfo | undefined {
    if (!a) return undefined;
    if (!declared) {
      this.report('E0305', a.span, `AVAILABLE needs an EVENT TIME, and \`${name}\` has none`, `declare one: EVENT TIME <column> on \`${name}\` (rows of a relation without one are always visible)`);
      return undefined;
    }
    if (!eventTime) return undefined; // the EVENT TIME's own error says why
    if (a.kind === 'available_after') return { kind: 'after', seconds: a.duration.seconds, amount: a.duration.amount, unit: a.duration.unit };
    const type = columns.find((c) => c.name === eventTime)?.type;
    if (type !== 'DATE') {
      this.report('E0307', a.span, `AVAILABLE AT END OF DAY needs a DATE event time, and \`${eventTime}\` is ${type}`, 'say how long after its event time a row becomes available: AVAILABLE AFTER <duration>, e.g. AVAILABLE AFTER 6 HOURS');
      return undefined;
    }
    return { kind: 'end_of_day', seconds: 86400 };
  }

  private checkSource(s: A.SourceStatement): void {
    const columns = this.columns(s.columns, `source \`${s.name.text}\``);
    const eventTime = this.checkEventTime(s.eventTime, columns, `source \`${s.name.text}\``, true);
    const available = this.checkAvailability(s.available, eventTime, s.eventTime, columns, s.name.text);
    let origin: SourceInfo['origin'];
    switch (s.origin.kind) {
      case 'file': {
        const format = s.origin.format?.value ?? formatFromPath(s.origin.path.value);
        if (!format) {
          this.report('E0110', s.origin.path.span, `cannot tell the format of '${s.origin.path.value}' from its name`, "add FORMAT CSV, FORMAT PARQUET or FORMAT JSONL");
        }
        origin = { kind: 'file', path: s.origin.path.value, format: format ?? 'CSV' };
        break;
      }
      case 'table':
        origin = { kind: 'table', name: s.origin.name.map((n) => n.text) };
        break;
      case 'stream':
        origin = { kind: 'stream' };
        if (!s.eventTime) {
          this.report('E0305', s.origin.span, `stream source \`${s.name.text}\` needs an EVENT TIME`, 'events are ordered by time: add EVENT TIME <column>');
        }
        break;
    }
    this.relations[keyOf(s.name.text)] = {
      kind: 'source',
      name: s.name.text,
      columns,
      ...(eventTime ? { eventTime } : {}),
      ...(available ? { available } : {}),
      origin,
      ...metadata(s),
      file: s.span.file,
      span: s.span,
    };
  }

  // ---- views ----------------------------------------------------------------------

  private checkViews(): void {
    const views = [...this.relationStmts.values()].filter((s): s is A.ViewStatement => s.kind === 'view');
    const edges = new Map<string, string[]>();
    for (const v of views) {
      const deps = [v.query.from, ...v.query.joins.map((j) => j.table)]
        .map((t) => keyOf(t.name.text))
        .filter((k) => this.relationStmts.get(k)?.kind === 'view');
      edges.set(keyOf(v.name.text), deps);
    }
    for (const cycle of findCycles(edges)) {
      const names = cycle.map((k) => `\`${this.relationStmts.get(k)!.name.text}\``);
      for (const [start, k] of cycle.entries()) {
        const stmt = this.relationStmts.get(k)!;
        // The cycle from this view back to it; a long one shows its ends only (a
        // full path per view would make the messages quadratic in its length).
        const at = (i: number) => names[(start + i) % names.length]!;
        const n = names.length;
        const steps = n <= 12 ? Array.from({ length: n }, (_, i) => at(i)) : [0, 1, 2, 3, 4].map(at).concat(`… ${n - 6} more …`, at(n - 1));
        const path = [...steps, at(0)].join(' → ');
        this.report('E0206', stmt.name.span, `view \`${stmt.name.text}\` depends on itself: ${path}`, 'break the cycle: a view cannot read from itself, directly or through other views');
        this.poisoned.add(k);
        this.relations[k] = this.emptyView(stmt as A.ViewStatement);
      }
    }
    // Each view after the views it reads. Iterative (an explicit stack): a chain of
    // thousands of views must not overflow the call stack.
    const state = new Map<string, 'visiting' | 'done'>();
    const frames: { k: string; next: number }[] = [];
    const enter = (k: string): void => {
      if (state.has(k) || this.poisoned.has(k)) return;
      state.set(k, 'visiting');
      frames.push({ k, next: 0 });
    };
    for (const v of views) {
      enter(keyOf(v.name.text));
      while (frames.length > 0) {
        const top = frames[frames.length - 1]!;
        const deps = edges.get(top.k) ?? [];
        if (top.next < deps.length) {
          enter(deps[top.next++]!);
          continue;
        }
        frames.pop();
        this.checkView(this.relationStmts.get(top.k) as A.ViewStatement);
        state.set(top.k, 'done');
      }
    }
  }

  private emptyView(s: A.ViewStatement): ViewInfo {
    return {
      kind: 'view',
      name: s.name.text,
      columns: [],
      query: { distinct: false, items: [], from: { relation: s.query.from.name.text, alias: s.query.from.name.text }, joins: [], groupBy: [], aggregated: false },
      dependsOn: [],
      ...metadata(s),
      file: s.span.file,
      span: s.span,
    };
  }

  private readonly lookup: RelationLookup = {
    find: (name) => {
      const k = keyOf(name);
      const relation = this.relations[k];
      if (!relation) return this.unparsed.has(k) ? { relation: unparsedRelation(name), poisoned: true } : undefined;
      return { relation, poisoned: this.poisoned.has(k) };
    },
    names: () => [...this.relationStmts.values()].map((s) => s.name.text),
    unknown: (name) => this.unknownRelation(name),
    unknownColumn: (relation, name, span, message, hint) => this.unknownName(`column\u0000${keyOf(relation)}`, { text: name, span }, message, hint, 'E0203'),
  };

  /**
   * Unknown names, by kind and name (case-insensitive), with every use: each is
   * reported once, at its first use, with a note at the others (a source that
   * was renamed or removed is one mistake, however many features read it).
   */
  private readonly unknowns = new Map<string, { code: string; span: Span; text: string; message: string; hint: string | undefined }[]>();

  /** Diagnostics waiting in `unknowns`: they count as reported for the "did this object check cleanly" tests. */
  private deferred = 0;

  /** Diagnostics reported so far, those waiting in `unknowns` included. */
  private get reported(): number {
    return this.diagnostics.length + this.deferred;
  }

  private unknownName(kind: string, name: { readonly text: string; readonly span: Span }, message: string, hint: string | undefined, code = 'E0201'): void {
    this.deferred++;
    const k = `${kind}\u0000${keyOf(name.text)}`;
    const list = this.unknowns.get(k) ?? [];
    list.push({ code, span: name.span, text: name.text, message, hint });
    this.unknowns.set(k, list);
  }

  private reportUnknowns(): void {
    for (const uses of this.unknowns.values()) {
      const [first, ...others] = [...uses].sort((a, b) => byPlace(a.span, b.span));
      this.report(
        first!.code,
        first!.span,
        first!.message,
        first!.hint,
        others.map((u) => ({ span: u.span, message: `\`${u.text}\` is also used here` })),
      );
    }
  }

  private unknownRelation(name: A.Identifier): void {
    const k = keyOf(name.text);
    const other = this.entityStmts.has(k) ? 'an entity' : this.featureStmts.has(k) ? 'a feature' : this.labelStmts.has(k) ? 'a label' : undefined;
    this.unknownName(
      'relation',
      name,
      `unknown source or view \`${name.text}\``,
      other ? `\`${name.text}\` is ${other}; FROM takes a source or a view` : didYouMean(name.text, this.lookup.names()),
    );
  }

  private checkView(s: A.ViewStatement): void {
    const checked = checkSelect(s.query, this.lookup, this.diagnostics);
    const eventTime = this.checkEventTime(s.eventTime, checked.columns, `view \`${s.name.text}\``);
    const available = this.checkAvailability(s.available, eventTime, s.eventTime, checked.columns, s.name.text);
    const k = keyOf(s.name.text);
    if (checked.failed) this.poisoned.add(k);
    this.relations[k] = {
      kind: 'view',
      name: s.name.text,
      columns: checked.columns,
      ...(eventTime ? { eventTime } : {}),
      ...(available ? { available } : {}),
      query: checked.query,
      dependsOn: checked.dependsOn,
      ...metadata(s),
      file: s.span.file,
      span: s.span,
    };
  }

  // ---- features and labels ---------------------------------------------------------

  private findRelation(name: A.Identifier): { relation: RelationInfo; poisoned: boolean } | undefined {
    const found = this.lookup.find(name.text);
    if (found) return found;
    this.unknownRelation(name);
    return undefined;
  }

  private findEntity(name: A.Identifier): EntityInfo | undefined {
    const e = this.entities[keyOf(name.text)];
    if (e || this.unparsed.has(keyOf(name.text))) return e;
    const relation = this.relationStmts.get(keyOf(name.text));
    const near = didYouMean(name.text, Object.values(this.entities).map((x) => x.name));
    this.unknownName(
      'entity',
      name,
      `unknown entity \`${name.text}\``,
      relation
        ? `\`${relation.name.text}\` is a ${relation.kind}, not an entity; ${near ?? 'declare entities with CREATE ENTITY name KEY (column type)'}`
        : near,
    );
    return undefined;
  }

  private readonly columnIndexes = new Map<RelationInfo, Map<string, ColumnInfo>>();

  /** A relation's columns by keyOf(name) (the first of a name), made once per relation rather than once per feature. */
  private columnsByKey(relation: RelationInfo): Map<string, ColumnInfo> {
    let index = this.columnIndexes.get(relation);
    if (!index) {
      index = new Map();
      for (const c of relation.columns) if (!index.has(keyOf(c.name))) index.set(keyOf(c.name), c);
      this.columnIndexes.set(relation, index);
    }
    return index;
  }

  /**
   * The relation column each of the entity's keys is bound to (by name, or
   * positionally with ON), undefined where there is none, and the span that
   * binds it (the entity's name, or the ON column); undefined when ON lists
   * the wrong number of columns. Reports nothing: bindKeys and judgeKeyTypes share it.
   */
  private keyColumns(binding: A.EntityBinding, entity: EntityInfo, relation: RelationInfo): { column: ColumnInfo | undefined; span: Span; on?: A.Identifier }[] | undefined {
    const columnsByKey = this.columnsByKey(relation);
    if (binding.on) {
      if (binding.on.length !== entity.keys.length) return undefined;
      return binding.on.map((id) => ({ column: columnsByKey.get(keyOf(id.text)), span: id.span, on: id }));
    }
    return entity.keys.map((key) => ({ column: columnsByKey.get(keyOf(key.name)), span: binding.entity.span }));
  }

  /** Binds the entity's keys to relation columns (by name, or positionally with ON). */
  private bindKeys(binding: A.EntityBinding, relation: RelationInfo, poisoned: boolean): KeyBinding | undefined {
    const entity = this.findEntity(binding.entity);
    if (!entity) return undefined;
    const bound = this.keyColumns(binding, entity, relation);
    if (!bound) {
      this.report(
        'E0303',
        binding.span,
        `entity \`${entity.name}\` has ${entity.keys.length} key column${entity.keys.length === 1 ? '' : 's'} (${entity.keys.map((k) => k.name).join(', ')}), but ON lists ${binding.on!.length}`,
        'ON maps relation columns to the entity keys in order',
      );
      return undefined;
    }
    const columns: string[] = [];
    let ok = true;
    bound.forEach(({ column: col, span, on }, i) => {
      const key = entity.keys[i]!;
      if (!col) {
        if (poisoned) {
          // The relation failed to check: its own error says why.
        } else if (on) {
          this.report('E0203', on.span, `unknown column \`${on.text}\` in \`${relation.name}\``, didYouMean(on.text, relation.columns.map((c) => c.name)));
        } else {
          const near = didYouMean(key.name, relation.columns.map((c) => c.name));
          this.report(
            'E0301',
            binding.entity.span,
            `\`${relation.name}\` has no column \`${key.name}\` for the key of entity \`${entity.name}\``,
            `map the key to another column with \`ENTITY ${entity.name} ON (column)\`${near ? `; ${near}` : ''}`,
          );
        }
        ok = false;
        return;
      }
      if (col.type !== key.type && !isFailedColumn(col)) {
        // judgeKeyTypes decided where this mismatch is reported: here (with notes), or once elsewhere.
        const verdict = this.keyMismatches.get(binding)?.get(i);
        if (verdict !== 'elsewhere') {
          this.report(
            'E0302',
            span,
            `column \`${col.name}\` of \`${relation.name}\` is ${col.type}, but entity \`${entity.name}\`'s key \`${key.name}\` is ${key.type}`,
            `CAST it in a view, or declare the column as ${key.type}`,
            verdict?.related,
          );
        }
        ok = false;
      }
      columns.push(col.name);
    });
    return ok ? { entity: entity.name, columns } : undefined;
  }

  /**
   * Where each entity-key type mismatch is reported, decided once for the
   * whole project before features and labels are checked, so that one wrong
   * type gives one error (docs/errors.md, E0302). For each key column of each
   * entity, the relation columns that features and labels bind to it are
   * compared with the key's type:
   *
   * - When two or more distinct columns are bound to it and more than half of
   *   them have one type T that is not the key's, the key is the odd one out:
   *   one error at the key's declaration, with a note at each column's
   *   declaration (naming its readers), and nothing at the readers.
   * - Otherwise each disagreeing column is reported once, at its first reader
   *   (by file, then position), with a note at each of its other readers.
   */
  private judgeKeyTypes(): void {
    const uses = new Map<string, KeyUse[][]>();
    const collect = (stmt: A.FeatureStatement | A.LabelStatement) => {
      const entity = this.entities[keyOf(stmt.entity.entity.text)];
      const found = this.lookup.find(stmt.from.text);
      if (!entity || !found) return;
      const bound = this.keyColumns(stmt.entity, entity, found.relation);
      if (!bound) return;
      let perKey = uses.get(keyOf(entity.name));
      if (!perKey) uses.set(keyOf(entity.name), (perKey = entity.keys.map(() => [])));
      bound.forEach(({ column, span }, index) => {
        if (!column || isFailedColumn(column)) return;
        perKey[index]!.push({ stmt, index, relation: found.relation, column, span });
      });
    };
    for (const versions of this.featureStmts.values()) for (const v of versions) collect(v.stmt);
    for (const versions of this.labelStmts.values()) for (const v of versions) collect(v.stmt);
    uses.forEach((perKey, k) => {
      const entity = this.entities[k]!;
      perKey.forEach((list, index) => {
        if (list.some((u) => u.column.type !== entity.keys[index]!.type)) this.judgeKeyType(entity, index, list.sort((a, b) => byPlace(a.span, b.span)));
      });
    });
  }

  /** Per ENTITY binding and key index: report a mismatch there with these notes, or not at all (it is reported elsewhere). */
  private readonly keyMismatches = new Map<A.EntityBinding, Map<number, { related: RelatedSpan[] } | 'elsewhere'>>();

  private setKeyVerdict(use: KeyUse, verdict: { related: RelatedSpan[] } | 'elsewhere'): void {
    let m = this.keyMismatches.get(use.stmt.entity);
    if (!m) this.keyMismatches.set(use.stmt.entity, (m = new Map()));
    m.set(use.index, verdict);
  }

  /** `uses`: every binding of the key, in (file, position) order; some disagree with its type. */
  private judgeKeyType(entity: EntityInfo, index: number, uses: readonly KeyUse[]): void {
    const key = entity.keys[index]!;
    // The distinct relation columns bound to the key, each with its readers.
    const columns = new Map<string, { relation: RelationInfo; column: ColumnInfo; uses: KeyUse[] }>();
    for (const u of uses) {
      const k = `${keyOf(u.relation.name)}\u0000${keyOf(u.column.name)}`;
      const c = columns.get(k);
      if (c) c.uses.push(u);
      else columns.set(k, { relation: u.relation, column: u.column, uses: [u] });
    }
    const byType = new Map<ScalarType, number>();
    for (const c of columns.values()) byType.set(c.column.type, (byType.get(c.column.type) ?? 0) + 1);
    const [top, count] = [...byType].reduce((a, b) => (b[1] > a[1] ? b : a));
    if (columns.size >= 2 && top !== key.type && count * 2 > columns.size) {
      const decl = this.entityStmts.get(keyOf(entity.name))!.keys.find((d) => keyOf(d.name.text) === keyOf(key.name))!;
      const related = [...columns.values()]
        .map((c) => ({ span: this.columnDeclaration(c.relation, c.column.name), c }))
        .sort((a, b) => byPlace(a.span, b.span))
        .map(({ span, c }) => ({
          span,
          message: `\`${c.column.name}\` of \`${c.relation.name}\` is ${c.column.type}${c.column.type === key.type ? ', like the key' : ''}; ${readersOf(c.uses)} the key from it`,
        }));
      this.report(
        'E0302',
        joinSpans(decl.name.span, decl.type.span),
        `entity \`${entity.name}\`'s key \`${key.name}\` is ${key.type}, but ${
          count === columns.size ? `every column its features and labels read it from is ${top}` : `${count} of the ${columns.size} columns its features and labels read it from are ${top}`
        }`,
        `declare the key as ${top}, \`${key.name} ${top}\`${count === columns.size ? '' : `, and make the other noted columns ${top} too`}; or make every noted column ${key.type} (declare it so, or CAST it in a view)`,
        related,
      );
      for (const u of uses) if (u.column.type !== key.type) this.setKeyVerdict(u, 'elsewhere');
      return;
    }
    for (const c of columns.values()) {
      if (c.column.type === key.type) continue;
      const [first, ...others] = c.uses;
      this.setKeyVerdict(first!, { related: others.map((u) => ({ span: u.span, message: `${readerOf(u.stmt)} reads the key from it too` })) });
      for (const u of others) this.setKeyVerdict(u, 'elsewhere');
    }
  }

  /** Where a relation's column is declared: its definition in a source, its SELECT item (or the `*` that brings it) in a view. */
  private columnDeclaration(relation: RelationInfo, column: string): Span {
    const s = this.relationStmts.get(keyOf(relation.name));
    if (!s) return relation.span;
    if (s.kind === 'source') {
      const d = s.columns.find((c) => keyOf(c.name.text) === keyOf(column));
      return d ? joinSpans(d.name.span, d.type.span) : s.name.span;
    }
    const item = s.query.items.find((i) => i.kind === 'item' && keyOf(i.alias?.text ?? selectItemName(i.expr) ?? '') === keyOf(column));
    return (item ?? s.query.items.find((i) => i.kind === 'star'))?.span ?? s.name.span;
  }

  private scopeOf(relation: RelationInfo, poisoned: boolean): ScopeEntry[] {
    return [{ alias: relation.name, relation: relation.name, columns: relation.columns, nullable: false, poisoned }];
  }

  private checkFeature(s: A.FeatureStatement, version: number): void {
    const found = this.findRelation(s.from);
    const key = found ? this.bindKeys(s.entity, found.relation, found.poisoned) : (this.findEntity(s.entity.entity), undefined);
    if (!found) return;
    const { relation, poisoned } = found;
    const scope = this.scopeOf(relation, poisoned);
    const before = this.reported;

    // AS: a scalar expression, or exactly one aggregate.
    const inner = unparen(s.value);
    const isAggregate = inner.kind === 'call' && isAggregateName(canonicalFunctionName(inner.name.text)) && !inner.args.some(containsAggregate);
    if (!isAggregate && containsAggregate(s.value)) {
      this.report(
        'E0405',
        s.value.span,
        'a feature is either one aggregate (COUNT, SUM, AVG, MIN, MAX) or a scalar expression, not a mix',
        'make it one aggregate of a scalar expression, e.g. AVG(amount) or SUM(amount * 2), or declare each aggregate as a feature of its own',
      );
      return;
    }
    const { unknownColumn } = this.lookup;
    const value = new ExpressionTyper({ scope, aggregates: 'allowed', clause: 'a feature', diagnostics: this.diagnostics, unknownColumn }).type(s.value);
    let where: TExpr | undefined;
    if (s.where) {
      where = new ExpressionTyper({ scope, aggregates: 'forbidden', clause: "a feature's WHERE", diagnostics: this.diagnostics, unknownColumn }).type(s.where);
      requireBoolean(where, 'WHERE', this.diagnostics);
    }

    if (s.window) {
      if (!isAggregate) {
        this.report('E0506', s.window.span, 'WINDOW applies to aggregate features', 'a scalar feature takes the latest value; limit its age with TTL instead');
      } else if (!relation.eventTime && !poisoned) {
        this.report('E0305', s.window.span, `WINDOW needs a relation with an EVENT TIME, and \`${relation.name}\` has none`, `declare one: EVENT TIME <column> on \`${relation.name}\``);
      }
    }
    if (s.ttl) {
      if (isAggregate) {
        this.report('E0506', s.ttl.span, 'TTL applies to latest-value features, not aggregates', 'limit an aggregate to recent rows with WINDOW');
      } else if (!relation.eventTime && !poisoned) {
        this.report('E0305', s.ttl.span, `TTL needs a relation with an EVENT TIME, and \`${relation.name}\` has none`, `declare one: EVENT TIME <column> on \`${relation.name}\``);
      }
    }

    if (s.asOf?.strict && !relation.eventTime && !poisoned) {
      this.report('E0305', s.asOf.span, `AS OF < t needs a relation with an EVENT TIME, and \`${relation.name}\` has none`, `declare one: EVENT TIME <column> on \`${relation.name}\`, or drop AS OF (a relation without one has no time to compare)`);
    }

    if (hasFailed(value)) return;
    if (value.type === 'NULL') {
      this.report('E0401', s.value.span, 'a feature cannot be a bare NULL', 'give it a type: CAST(NULL AS DOUBLE)');
      return;
    }
    const rawType: ScalarType = value.type;
    const fill = s.fill ? this.checkFill(s.fill, rawType) : undefined;
    const encoding = this.checkEncoding(s, rawType);
    if (this.reported > before || !key) return;

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
    (this.features[keyOf(s.name.text)] ??= []).push(info);
  }

  private checkFill(f: A.Fill, rawType: ScalarType): FillInfo | undefined {
    if (f.kind === 'fill_stat') {
      if ((f.stat === 'MEAN' || f.stat === 'MEDIAN' || f.stat === 'ZERO') && !isNumeric(rawType)) {
        this.report('E0501', f.span, `FILL ${f.stat} needs a numeric feature, and this one is ${rawType}`, 'use FILL MODE or a literal, e.g. FILL \'unknown\'');
        return undefined;
      }
      return { kind: 'stat', stat: f.stat };
    }
    const lit = f.value;
    if (lit.type === 'NULL') {
      this.report('E0505', f.span, 'FILL NULL leaves missing values missing', 'remove the FILL clause, or fill with a value');
      return undefined;
    }
    if (!assignable(lit.type, rawType)) {
      this.report('E0505', lit.span, `FILL value ${lit.text} is ${lit.type}, but the feature is ${rawType}`, rawType === 'INTEGER' && lit.type === 'DOUBLE' ? 'use a whole number' : undefined);
      return undefined;
    }
    return { kind: 'value', value: lit.value, type: rawType };
  }

  private checkEncoding(s: A.FeatureStatement, rawType: ScalarType): EncodingInfo | undefined {
    if (s.scale && s.oneHot) {
      const second = s.scale.span.start > s.oneHot.span.start ? s.scale : s.oneHot;
      this.report('E0504', second.span, 'a feature can have SCALE or ONE_HOT, not both', 'SCALE is for numbers, ONE_HOT for categories: keep one');
      return undefined;
    }
    if (s.scale) {
      if (!isNumeric(rawType)) {
        this.report('E0502', s.scale.span, `SCALE ${s.scale.method} needs a numeric feature, and this one is ${rawType}`, isCategorical(rawType) ? 'encode categories with ONE_HOT' : undefined);
        return undefined;
      }
      return { kind: 'scale', method: s.scale.method };
    }
    if (!s.oneHot) return undefined;
    if (!isCategorical(rawType)) {
      this.report('E0503', s.oneHot.span, `ONE_HOT needs a categorical feature (TEXT, INTEGER or BOOLEAN), and this one is ${rawType}`, isNumeric(rawType) ? 'scale numbers with SCALE' : undefined);
      return undefined;
    }
    if (s.oneHot.kind === 'one_hot_top') return { kind: 'one_hot_top', top: s.oneHot.top.value };
    const values: (string | number | boolean)[] = [];
    const seen = new Map<string, A.Literal>();
    for (const v of s.oneHot.values) {
      if (v.type === 'NULL' || !assignable(v.type, rawType) || (rawType === 'INTEGER' && v.type !== 'INTEGER')) {
        this.report('E0507', v.span, `ONE_HOT value ${v.text} is ${v.type}, but the feature is ${rawType}`);
        return undefined;
      }
      const k = String(v.value);
      const first = seen.get(k);
      if (first) {
        this.report('E0507', v.span, `ONE_HOT lists ${v.text} twice`, undefined, [{ span: first.span, message: 'first listed here' }]);
        return undefined;
      }
      seen.set(k, v);
      values.push(v.value);
    }
    const names = oneHotColumnNames(s.name.text, values);
    if (names.collisions.length > 0) {
      const [a, b] = names.collisions[0]!;
      this.report(
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

  private checkLabel(s: A.LabelStatement, version: number): void {
    const found = this.findRelation(s.from);
    const key = found ? this.bindKeys(s.entity, found.relation, found.poisoned) : (this.findEntity(s.entity.entity), undefined);
    if (!found) return;
    const scope = this.scopeOf(found.relation, found.poisoned);
    const before = this.reported;
    const { unknownColumn } = this.lookup;
    const value = new ExpressionTyper({ scope, aggregates: 'forbidden', clause: 'a label (a label is one value per row)', diagnostics: this.diagnostics, unknownColumn }).type(s.value);
    let where: TExpr | undefined;
    if (s.where) {
      where = new ExpressionTyper({ scope, aggregates: 'forbidden', clause: "a label's WHERE", diagnostics: this.diagnostics, unknownColumn }).type(s.where);
      requireBoolean(where, 'WHERE', this.diagnostics);
    }
    if (hasFailed(value)) return;
    if (value.type === 'NULL') {
      this.report('E0401', s.value.span, 'a label cannot be a bare NULL');
      return;
    }
    if (this.reported > before || !key) return;
    (this.labels[keyOf(s.name.text)] ??= []).push({
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

  // ---- training sets -------------------------------------------------------------------

  /** Resolves `name [VERSION n]` among declared versions; reports unknown names and versions. */
  private resolveRef<S extends A.Statement>(
    ref: A.VersionedRef,
    table: Map<string, Versioned<S>[]>,
    what: 'feature' | 'label',
  ): { name: string; version: number } | undefined {
    const versions = table.get(keyOf(ref.name.text));
    if (!versions) {
      const k = keyOf(ref.name.text);
      if (this.unparsed.has(k)) return undefined;
      const other = what === 'feature' ? (this.labelStmts.has(k) ? 'a label' : undefined) : this.featureStmts.has(k) ? 'a feature' : undefined;
      this.unknownName(
        what,
        ref.name,
        `unknown ${what} \`${ref.name.text}\``,
        other ? `\`${ref.name.text}\` is ${other}, not a ${what}` : didYouMean(ref.name.text, [...table.values()].map((v) => v[0]!.stmt.name.text)),
      );
      return undefined;
    }
    const sorted = [...versions].sort((a, b) => a.version - b.version);
    if (ref.version) {
      const v = sorted.find((x) => x.version === ref.version!.value);
      if (!v) {
        this.report('E0209', ref.version.span, `${what} \`${ref.name.text}\` has no VERSION ${ref.version.value}`, `its versions are ${sorted.map((x) => x.version).join(', ')}`);
        return undefined;
      }
      return { name: v.stmt.name.text, version: v.version };
    }
    const latest = sorted[sorted.length - 1]!;
    return { name: latest.stmt.name.text, version: latest.version };
  }

  private checkTrainingSet(s: A.TrainingSetStatement, version: number): void {
    const before = this.reported;
    const labelRef = this.resolveRef(s.label, this.labelStmts, 'label');
    const label = labelRef ? this.labels[keyOf(labelRef.name)]?.find((l) => l.version === labelRef.version) : undefined;
    const labelRelation = label ? this.relations[keyOf(label.relation)] : undefined;
    const features: TrainingFeatureRef[] = [];
    const seen = new Map<string, A.VersionedRef>();
    // Features of one entity that the label's relation cannot key, by code and entity: one error for them all.
    const unkeyed = new Map<string, { problem: KeyProblem; entity: string; refs: { ref: A.VersionedRef; feature: string }[] }>();
    for (const ref of s.features) {
      const first = seen.get(keyOf(ref.name.text));
      if (first) {
        this.report('E0603', ref.span, `feature \`${ref.name.text}\` is listed twice`, 'a training set has one column per feature; list each once', [
          { span: first.span, message: 'first listed here' },
        ]);
        continue;
      }
      seen.set(keyOf(ref.name.text), ref);
      const r = this.resolveRef(ref, this.featureStmts, 'feature');
      if (!r) continue;
      const feature = this.features[keyOf(r.name)]?.find((f) => f.version === r.version);
      if (!feature || !label || !labelRelation) continue; // already diagnosed
      const labelColumns = this.labelColumnsFor(feature, label, labelRelation);
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
      this.report(
        problem.code,
        first!.ref.span,
        problem.message,
        problem.hint,
        others.map((o) => ({ span: o.ref.span, message: `feature \`${o.feature}\` is keyed by entity \`${entity}\` too` })),
      );
    }
    if (!label || this.reported > before) return;
    this.checkOutputNames(s, label, labelRelation!, features);
    if (this.reported > before) return;
    (this.trainingSets[keyOf(s.name.text)] ??= []).push({
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
  private labelColumnsFor(feature: FeatureInfo, label: LabelInfo, labelRelation: RelationInfo): string[] | KeyProblem {
    if (keyOf(feature.key.entity) === keyOf(label.key.entity)) return [...label.key.columns];
    const entity = this.entities[keyOf(feature.key.entity)]!;
    const out: string[] = [];
    for (const key of entity.keys) {
      const col = this.columnsByKey(labelRelation).get(keyOf(key.name));
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
  private checkOutputNames(s: A.TrainingSetStatement, label: LabelInfo, labelRelation: RelationInfo, features: TrainingFeatureRef[]): void {
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
        this.report(
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
    const labelEntity = this.entities[keyOf(label.key.entity)]!;
    label.key.columns.forEach((c, i) => addKey(labelEntity, i, c));
    for (const f of features) {
      const feature = this.features[keyOf(f.name)]!.find((x) => x.version === f.version)!;
      const entity = this.entities[keyOf(feature.key.entity)]!;
      f.labelColumns.forEach((c, i) => addKey(entity, i, c, refSpan(feature.name)));
    }
    if (labelRelation.eventTime) add(labelRelation.eventTime, 'the label time');
    for (const f of features) {
      const feature = this.features[keyOf(f.name)]!.find((x) => x.version === f.version)!;
      if (feature.encoding?.kind === 'one_hot_values') for (const c of feature.encoding.columns) add(c, `feature \`${feature.name}\``, undefined, refSpan(feature.name));
      else add(feature.name, `feature \`${feature.name}\``, feature.name, refSpan(feature.name));
    }
    add(label.name, `label \`${label.name}\``, label.name, s.label.name.span);
  }
}

/** The served type: SCALE gives DOUBLE, ONE_HOT 0/1 INTEGERs, FILL MEAN/MEDIAN turns INTEGER into DOUBLE. */
function outputTypeOf(rawType: ScalarType, fill: FillInfo | undefined, encoding: EncodingInfo | undefined): ScalarType {
  if (encoding?.kind === 'scale') return 'DOUBLE';
  if (encoding) return 'INTEGER';
  if (fill?.kind === 'stat' && (fill.stat === 'MEAN' || fill.stat === 'MEDIAN')) return 'DOUBLE';
  return rawType;
}

/** Stands for a relation whose statement did not parse: no columns, and poisoned, so nothing about it is reported again. */
function unparsedRelation(name: string): RelationInfo {
  const span: Span = { file: '', start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
  return { kind: 'source', name, columns: [], origin: { kind: 'stream' }, tags: [], file: '', span };
}

function isSourceOrView(s: A.Statement): boolean {
  return s.kind === 'source' || s.kind === 'view';
}

function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

function unparen(e: A.Expr): A.Expr {
  return e.kind === 'paren' ? unparen(e.inner) : e;
}

function formatFromPath(path: string): A.SourceFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) return 'CSV';
  if (lower.endsWith('.parquet')) return 'PARQUET';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'JSONL';
  return undefined;
}

/**
 * Strongly connected components of size > 1, or self-loops: the view cycles.
 * Tarjan's algorithm with an explicit stack, so that long chains of views do
 * not overflow the call stack.
 */
function findCycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const frames: { v: string; next: number }[] = [];
  const open = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    frames.push({ v, next: 0 });
  };
  for (const root of edges.keys()) {
    if (indices.has(root)) continue;
    open(root);
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      const v = top.v;
      const ws = edges.get(v) ?? [];
      if (top.next < ws.length) {
        const w = ws[top.next++]!;
        if (!indices.has(w)) open(w);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(v)!));
      if (low.get(v) === indices.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || ws.includes(v)) out.push(component.reverse());
      }
    }
  }
  return out;
}
