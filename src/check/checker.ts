/**
 * The state of one project check, shared by the checks of each statement kind
 * (entities.ts, sources.ts, views.ts, features.ts, labels.ts,
 * training-sets.ts; keys.ts binds entity keys for features and labels):
 * the declarations by name, the catalog being built, the diagnostics, and the
 * name resolution every kind uses — unknown names queued and reported once, at
 * their first use (`unknownName`, `reportUnknowns`). project.ts runs the steps.
 */
import { error, type Diagnostic, type RelatedSpan, type Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from '../syntax/ast.js';
import type {
  Catalog,
  ColumnInfo,
  DurationInfo,
  EntityInfo,
  FeatureInfo,
  LabelInfo,
  Metadata,
  RelationInfo,
  TrainingSetInfo,
} from './catalog.js';
import { keyOf } from './catalog.js';
import type { ScopeEntry } from './expressions.js';
import type { RelationLookup } from './select.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type Versioned<S> = { readonly stmt: S; readonly version: number };

/** The order diagnostics are sorted in (sortDiagnostics): by file, then position. */
export function byPlace(a: Span, b: Span): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.start - b.start;
}

export function metadata(s: A.Metadata): Metadata {
  const out = {} as Mutable<Metadata>;
  if (s.description) out.description = s.description.value;
  if (s.owner) out.owner = s.owner.value;
  out.tags = s.tags ? s.tags.map((t) => t.value) : [];
  return out;
}

export function duration(d: A.Duration): DurationInfo {
  return { seconds: d.seconds, amount: d.amount, unit: d.unit };
}

export const KIND_NAMES: Record<A.Statement['kind'], string> = {
  entity: 'entity',
  source: 'source',
  view: 'view',
  feature: 'feature',
  label: 'label',
  training_set: 'training set',
};

export function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

export function isSourceOrView(s: A.Statement): boolean {
  return s.kind === 'source' || s.kind === 'view';
}

/** Stands for a relation whose statement did not parse: no columns, and poisoned, so nothing about it is reported again. */
export function unparsedRelation(name: string): RelationInfo {
  const span: Span = { file: '', start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
  return { kind: 'source', name, columns: [], origin: { kind: 'stream' }, tags: [], file: '', span };
}

export class ProjectChecker {
  readonly entityStmts = new Map<string, A.EntityStatement>();
  readonly relationStmts = new Map<string, A.SourceStatement | A.ViewStatement>();
  readonly featureStmts = new Map<string, Versioned<A.FeatureStatement>[]>();
  readonly labelStmts = new Map<string, Versioned<A.LabelStatement>[]>();
  readonly trainingStmts = new Map<string, Versioned<A.TrainingSetStatement>[]>();

  readonly entities: Record<string, EntityInfo> = {};
  readonly relations: Record<string, RelationInfo> = {};
  readonly poisoned = new Set<string>();
  readonly features: Record<string, FeatureInfo[]> = {};
  readonly labels: Record<string, LabelInfo[]> = {};
  readonly trainingSets: Record<string, TrainingSetInfo[]> = {};

  /** The first declaration of each name, of any kind: one namespace per project. */
  readonly declared = new Map<string, A.Statement>();

  /** Per ENTITY binding and key index: report a mismatch there with these notes, or not at all (it is reported elsewhere). keys.ts `judgeKeyTypes` fills it. */
  readonly keyMismatches = new Map<A.EntityBinding, Map<number, { related: RelatedSpan[] } | 'elsewhere'>>();

  /**
   * @param unparsed names declared by statements that failed to parse (already
   *   diagnosed): uses of them are not reported again as unknown.
   */
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly unparsed: ReadonlySet<string> = new Set(),
  ) {}

  report(code: string, span: Span, message: string, hint?: string, related?: { span: Span; message: string }[]): void {
    this.diagnostics.push(error(code, span, message, hint, related));
  }

  /** The checked catalog, each object's versions in version order. */
  catalog(): Catalog {
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

  // ---- names ------------------------------------------------------------------------

  readonly lookup: RelationLookup = {
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
  readonly unknowns = new Map<string, { code: string; span: Span; text: string; message: string; hint: string | undefined }[]>();

  /** Diagnostics waiting in `unknowns`: they count as reported for the "did this object check cleanly" tests. */
  deferred = 0;

  /** Diagnostics reported so far, those waiting in `unknowns` included. */
  get reported(): number {
    return this.diagnostics.length + this.deferred;
  }

  unknownName(kind: string, name: { readonly text: string; readonly span: Span }, message: string, hint: string | undefined, code = 'E0201'): void {
    this.deferred++;
    const k = `${kind}\u0000${keyOf(name.text)}`;
    const list = this.unknowns.get(k) ?? [];
    list.push({ code, span: name.span, text: name.text, message, hint });
    this.unknowns.set(k, list);
  }

  reportUnknowns(): void {
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

  unknownRelation(name: A.Identifier): void {
    const k = keyOf(name.text);
    const other = this.entityStmts.has(k) ? 'an entity' : this.featureStmts.has(k) ? 'a feature' : this.labelStmts.has(k) ? 'a label' : undefined;
    this.unknownName(
      'relation',
      name,
      `unknown source or view \`${name.text}\``,
      other ? `\`${name.text}\` is ${other}; FROM takes a source or a view` : didYouMean(name.text, this.lookup.names()),
    );
  }

  findRelation(name: A.Identifier): { relation: RelationInfo; poisoned: boolean } | undefined {
    const found = this.lookup.find(name.text);
    if (found) return found;
    this.unknownRelation(name);
    return undefined;
  }

  findEntity(name: A.Identifier): EntityInfo | undefined {
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

  /** Resolves `name [VERSION n]` among declared versions; reports unknown names and versions. */
  resolveRef<S extends A.Statement>(
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

  // ---- columns ----------------------------------------------------------------------

  columns(defs: readonly A.ColumnDef[], what: string): ColumnInfo[] {
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

  private readonly columnIndexes = new Map<RelationInfo, Map<string, ColumnInfo>>();

  /** A relation's columns by keyOf(name) (the first of a name), made once per relation rather than once per feature. */
  columnsByKey(relation: RelationInfo): Map<string, ColumnInfo> {
    let index = this.columnIndexes.get(relation);
    if (!index) {
      index = new Map();
      for (const c of relation.columns) if (!index.has(keyOf(c.name))) index.set(keyOf(c.name), c);
      this.columnIndexes.set(relation, index);
    }
    return index;
  }

  scopeOf(relation: RelationInfo, poisoned: boolean): ScopeEntry[] {
    return [{ alias: relation.name, relation: relation.name, columns: relation.columns, nullable: false, poisoned }];
  }
}
