/**
 * Where every name of a project is declared and used: the index behind go to
 * definition, find references, rename, hover and semantic tokens. Built from
 * the parsed files (the ASTs keep a span on every name) and the checked
 * catalog (which columns a relation has), after each check.
 *
 * A symbol is an id string: `entity:user`, `relation:transactions` (sources
 * and views share one namespace), `feature:spend_30d`, `label:is_fraud`,
 * `training_set:fraud_detection`, `key:user.user_id` (an entity's key column),
 * `column:transactions.amount` (a column of a source or view). Names are
 * case-insensitive (keyOf). A versioned object's occurrences say which version
 * they declare or use (a use without VERSION means the newest declared).
 */
import type * as A from '../syntax/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { keyOf, type Catalog } from '../check/catalog.js';

export type SymbolKind = 'entity' | 'relation' | 'feature' | 'label' | 'training_set' | 'key' | 'column';

export interface Occurrence {
  readonly symbol: string;
  readonly kind: SymbolKind;
  /** The name as written here. */
  readonly name: string;
  readonly span: Span;
  readonly decl: boolean;
  /** For features, labels and training sets: the version declared, or used (resolved to the newest when not written). */
  readonly version?: number;
  /**
   * A view's output column declared by a bare column reference (`SELECT t.amount`):
   * the same span is a use of the column it reads and the declaration of the
   * view's column. Renaming only the view's column adds `AS new` here.
   */
  readonly implicit?: boolean;
  /** The statement it is in. */
  readonly statement: A.Statement;
}

export interface SymbolIndex {
  readonly occurrences: readonly Occurrence[];
  /** By file path, sorted by start offset. */
  readonly byFile: ReadonlyMap<string, readonly Occurrence[]>;
  readonly bySymbol: ReadonlyMap<string, readonly Occurrence[]>;
  /**
   * Columns that flow into a view's column of the same name (`SELECT t.amount`
   * or `SELECT *`): `column:transactions.amount` → [`column:enriched.amount`].
   * Renaming a column renames what it flows into too, so the project still checks.
   */
  readonly passThrough: ReadonlyMap<string, readonly string[]>;
  /** Relation symbol → its declaring statement (sources and views). */
  readonly relations: ReadonlyMap<string, A.SourceStatement | A.ViewStatement>;
}

export const relationId = (name: string): string => `relation:${keyOf(name)}`;
export const columnId = (relation: string, column: string): string => `column:${keyOf(relation)}.${keyOf(column)}`;

export function buildIndex(files: readonly A.SourceFile[], catalog: Catalog): SymbolIndex {
  const out: Occurrence[] = [];
  const passThrough = new Map<string, string[]>();
  const relations = new Map<string, A.SourceStatement | A.ViewStatement>();
  const newest = new Map<string, number>();
  const statements = files.flatMap((f) => f.statements);
  for (const s of statements) {
    if (s.kind === 'source' || s.kind === 'view') relations.set(relationId(s.name.text), s);
    if (s.kind === 'feature' || s.kind === 'label' || s.kind === 'training_set') {
      const id = `${s.kind}:${keyOf(s.name.text)}`;
      newest.set(id, Math.max(newest.get(id) ?? 0, s.version?.value ?? 1));
    }
  }
  const columnsOf = (relation: string): readonly string[] => {
    const r = catalog.relations[keyOf(relation)];
    if (r) return r.columns.map((c) => c.name);
    const s = relations.get(relationId(relation));
    return s?.kind === 'source' ? s.columns.map((c) => c.name.text) : [];
  };
  const add = (o: Occurrence): void => {
    out.push(o);
  };
  const ref = (kind: SymbolKind, symbol: string, id: A.Identifier, statement: A.Statement, version?: number): void =>
    add({ kind, symbol, name: id.text, span: id.span, decl: false, statement, ...(version !== undefined ? { version } : {}) });
  const decl = (kind: SymbolKind, symbol: string, id: A.Identifier, statement: A.Statement, version?: number): void =>
    add({ kind, symbol, name: id.text, span: id.span, decl: true, statement, ...(version !== undefined ? { version } : {}) });

  for (const s of statements) {
    switch (s.kind) {
      case 'entity':
        decl('entity', `entity:${keyOf(s.name.text)}`, s.name, s);
        for (const k of s.keys) decl('key', `key:${keyOf(s.name.text)}.${keyOf(k.name.text)}`, k.name, s);
        break;
      case 'source':
        decl('relation', relationId(s.name.text), s.name, s);
        for (const c of s.columns) decl('column', columnId(s.name.text, c.name.text), c.name, s);
        if (s.eventTime) ref('column', columnId(s.name.text, s.eventTime.text), s.eventTime, s);
        break;
      case 'view':
        decl('relation', relationId(s.name.text), s.name, s);
        viewOccurrences(s);
        if (s.eventTime) ref('column', columnId(s.name.text, s.eventTime.text), s.eventTime, s);
        break;
      case 'feature':
      case 'label': {
        decl(s.kind, `${s.kind}:${keyOf(s.name.text)}`, s.name, s, s.version?.value ?? 1);
        ref('entity', `entity:${keyOf(s.entity.entity.text)}`, s.entity.entity, s);
        for (const on of s.entity.on ?? []) ref('column', columnId(s.from.text, on.text), on, s);
        ref('relation', relationId(s.from.text), s.from, s);
        const scope = new Map([[keyOf(s.from.text), s.from.text]]);
        expressionOccurrences(s.value, scope, s);
        if (s.where) expressionOccurrences(s.where, scope, s);
        break;
      }
      case 'training_set': {
        decl('training_set', `training_set:${keyOf(s.name.text)}`, s.name, s, s.version?.value ?? 1);
        const versioned = (kind: 'feature' | 'label', r: A.VersionedRef): void => {
          const id = `${kind}:${keyOf(r.name.text)}`;
          const version = r.version?.value ?? newest.get(id);
          ref(kind, id, r.name, s, version);
        };
        versioned('label', s.label);
        for (const f of s.features) versioned('feature', f);
        break;
      }
    }
  }

  /** Column references of an expression; `scope` maps the names usable as qualifiers (lower case) to relation names. */
  function expressionOccurrences(e: A.Expr, scope: ReadonlyMap<string, string>, s: A.Statement, implicitIn?: string): void {
    walkExpr(e, (x) => {
      if (x.kind !== 'column') return;
      const relation = x.table ? scope.get(keyOf(x.table.text)) : [...scope.values()].find((r) => columnsOf(r).some((c) => keyOf(c) === keyOf(x.name.text))) ?? [...scope.values()][0];
      if (x.table && relation !== undefined && keyOf(x.table.text) === keyOf(relation)) ref('relation', relationId(relation), x.table, s);
      if (relation === undefined) return;
      const used = columnId(relation, x.name.text);
      ref('column', used, x.name, s);
      if (implicitIn !== undefined && x === e) {
        const declared = columnId(implicitIn, x.name.text);
        add({ kind: 'column', symbol: declared, name: x.name.text, span: x.name.span, decl: true, implicit: true, statement: s });
        flows(used, declared);
      }
    });
  }

  function flows(from: string, to: string): void {
    const list = passThrough.get(from) ?? [];
    list.push(to);
    passThrough.set(from, list);
  }

  function viewOccurrences(s: A.ViewStatement): void {
    const q = s.query;
    const scope = new Map<string, string>();
    for (const t of [q.from, ...q.joins.map((j) => j.table)]) {
      ref('relation', relationId(t.name.text), t.name, s);
      scope.set(keyOf((t.alias ?? t.name).text), t.name.text);
    }
    for (const item of q.items) {
      if (item.kind === 'star') {
        const from = item.table ? [scope.get(keyOf(item.table.text))] : [...scope.values()];
        if (item.table) {
          const r = scope.get(keyOf(item.table.text));
          if (r !== undefined && keyOf(item.table.text) === keyOf(r)) ref('relation', relationId(r), item.table, s);
        }
        for (const r of from) if (r !== undefined) for (const c of columnsOf(r)) flows(columnId(r, c), columnId(s.name.text, c));
        continue;
      }
      if (item.alias) {
        decl('column', columnId(s.name.text, item.alias.text), item.alias, s);
        expressionOccurrences(item.expr, scope, s);
      } else {
        expressionOccurrences(item.expr, scope, s, item.expr.kind === 'column' ? s.name.text : undefined);
      }
    }
    for (const j of q.joins) expressionOccurrences(j.on, scope, s);
    if (q.where) expressionOccurrences(q.where, scope, s);
    for (const g of q.groupBy) expressionOccurrences(g, scope, s);
    if (q.having) expressionOccurrences(q.having, scope, s);
  }

  out.sort((a, b) => (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) || a.span.start - b.span.start || Number(a.decl) - Number(b.decl));
  const byFile = new Map<string, Occurrence[]>();
  const bySymbol = new Map<string, Occurrence[]>();
  for (const o of out) {
    (byFile.get(o.span.file) ?? byFile.set(o.span.file, []).get(o.span.file)!).push(o);
    (bySymbol.get(o.symbol) ?? bySymbol.set(o.symbol, []).get(o.symbol)!).push(o);
  }
  return { occurrences: out, byFile, bySymbol, passThrough, relations };
}

/** Calls `f` on every node of an expression, outermost first. */
export function walkExpr(e: A.Expr, f: (e: A.Expr) => void): void {
  const stack: A.Expr[] = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    f(x);
    switch (x.kind) {
      case 'unary':
      case 'is_null':
      case 'cast':
      case 'extract':
        stack.push(x.operand);
        break;
      case 'paren':
        stack.push(x.inner);
        break;
      case 'binary':
        stack.push(x.right, x.left);
        break;
      case 'in':
        stack.push(...[...x.list].reverse(), x.operand);
        break;
      case 'between':
        stack.push(x.high, x.low, x.operand);
        break;
      case 'like':
        stack.push(x.pattern, x.operand);
        break;
      case 'case':
        if (x.else) stack.push(x.else);
        for (const w of [...x.whens].reverse()) stack.push(w.then, w.when);
        if (x.operand) stack.push(x.operand);
        break;
      case 'call':
        stack.push(...[...x.args].reverse());
        break;
      default:
        break;
    }
  }
}

/** The occurrences at an offset of a file (the cursor just after a name counts), innermost first. */
export function occurrencesAt(index: SymbolIndex, file: string, offset: number): Occurrence[] {
  const list = index.byFile.get(file) ?? [];
  // Uses before declarations at the same span: a bare `SELECT t.amount` goes to `amount` of `t` first.
  return list.filter((o) => o.span.start <= offset && offset <= o.span.end).sort((a, b) => Number(a.decl) - Number(b.decl));
}

/** The declarations of a symbol; for a versioned one, those of `version` first. */
export function declarationsOf(index: SymbolIndex, symbol: string, version?: number): Occurrence[] {
  const decls = (index.bySymbol.get(symbol) ?? []).filter((o) => o.decl);
  const exact = version === undefined ? decls : decls.filter((o) => o.version === version);
  return exact.length > 0 ? exact : decls;
}
