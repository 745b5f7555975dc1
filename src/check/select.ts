/**
 * Checks a view's SELECT: resolves FROM/JOIN relations and aliases, types
 * every expression, expands `*`, names the output columns and enforces the
 * GROUP BY rule (a column outside an aggregate must be grouped).
 */
import { error, type Diagnostic, type RelatedSpan, type Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from '../syntax/ast.js';
import type { ColumnInfo, RelationInfo, TExpr, TSelect, TSelectItem, TTableRef } from './catalog.js';
import { columnRef, containsAggregate, ExpressionTyper, hasFailed, markFailedColumn, sameExpr, subExpressions, type ScopeEntry } from './expressions.js';

export interface RelationLookup {
  /** The relation, or undefined when unknown; `poisoned` when it exists but failed to check. */
  find(name: string): { readonly relation: RelationInfo; readonly poisoned: boolean } | undefined;
  names(): Iterable<string>;
  /** Reports an unknown relation name (the project reports each name once, with a note at its other uses). */
  unknown(name: A.Identifier): void;
  /** Reports a column missing from a known relation (E0203), likewise once per relation and name. */
  unknownColumn(relation: string, name: string, span: Span, message: string, hint: string | undefined): void;
}

export interface CheckedSelect {
  readonly query: TSelect;
  readonly columns: ColumnInfo[];
  readonly dependsOn: string[];
  /** True when anything in the query failed; the view is then poisoned for its readers. */
  readonly failed: boolean;
}

export function checkSelect(select: A.Select, relations: RelationLookup, diagnostics: Diagnostic[]): CheckedSelect {
  const before = diagnostics.length;
  const scope: ScopeEntry[] = [];
  const dependsOn: string[] = [];

  const addTable = (ref: A.TableRef): TTableRef => {
    const found = relations.find(ref.name.text);
    const alias = ref.alias?.text ?? found?.relation.name ?? ref.name.text;
    if (!found) {
      relations.unknown(ref.name);
    } else if (!dependsOn.includes(found.relation.name)) {
      dependsOn.push(found.relation.name);
    }
    const clash = scope.find((s) => s.alias.toLowerCase() === alias.toLowerCase());
    if (clash) {
      diagnostics.push(
        error('E0205', (ref.alias ?? ref.name).span, `\`${alias}\` is used twice in FROM/JOIN`, `give each a different alias, e.g. \`JOIN ${ref.name.text} ${alias}2 ON …\``),
      );
    }
    scope.push({
      alias,
      relation: found?.relation.name ?? ref.name.text,
      columns: found?.relation.columns ?? [],
      nullable: false,
      poisoned: !found || found.poisoned,
    });
    return { relation: found?.relation.name ?? ref.name.text, alias };
  };

  const groupsAreNonEmpty = select.groupBy.length > 0;
  // Unknown columns are reported by the project (once per relation and name): remember that there was one.
  let unknownColumns = false;
  const unknownColumn: RelationLookup['unknownColumn'] = (...args) => {
    unknownColumns = true;
    relations.unknownColumn(...args);
  };
  const typer = (clause: string, aggregates: 'allowed' | 'forbidden') =>
    new ExpressionTyper({ scope: [...scope], aggregates, clause, diagnostics, groupsAreNonEmpty, unknownColumn });

  const from = addTable(select.from);
  const joins: TSelect['joins'][number][] = [];
  for (const j of select.joins) {
    const table = addTable(j.table);
    if (j.type === 'LEFT') scope[scope.length - 1] = { ...scope[scope.length - 1]!, nullable: true };
    const on = typer('JOIN … ON', 'forbidden').type(j.on);
    requireBoolean(on, 'JOIN … ON', diagnostics);
    joins.push({ type: j.type, table, on });
  }

  let where: TExpr | undefined;
  if (select.where) {
    where = typer('WHERE (filter groups with HAVING)', 'forbidden').type(select.where);
    requireBoolean(where, 'WHERE', diagnostics);
  }

  // Output items, with `*` expanded.
  const items: TSelectItem[] = [];
  const itemExprs: { item: A.SelectItem; typed: TExpr[] }[] = [];
  const itemTyper = typer('SELECT', 'allowed');
  for (const item of select.items) {
    if (item.kind === 'star') {
      const entries = item.table ? scope.filter((s) => s.alias.toLowerCase() === item.table!.text.toLowerCase()) : scope;
      if (item.table && entries.length === 0) {
        diagnostics.push(error('E0210', item.table.span, `unknown table or alias \`${item.table.text}\``, didYouMean(item.table.text, scope.map((s) => s.alias))));
      }
      const typed: TExpr[] = [];
      for (const entry of entries) {
        for (const c of entry.columns) {
          const expr = columnRef(entry.alias, c, entry.nullable, item.span);
          typed.push(expr);
          items.push({ name: c.name, expr });
        }
      }
      itemExprs.push({ item, typed });
      continue;
    }
    const expr = itemTyper.type(item.expr);
    itemExprs.push({ item, typed: [expr] });
    const name = item.alias?.text ?? columnName(item.expr);
    if (name === undefined) {
      diagnostics.push(error('E0211', item.expr.span, 'this view column has no name', 'name it with AS, e.g. `AS total_amount`'));
      items.push({ name: `_${items.length + 1}`, expr });
    } else {
      if (expr.type === 'NULL' && !hasFailed(expr)) {
        diagnostics.push(error('E0212', item.expr.span, `view column \`${name}\` has no type`, `give it one: CAST(NULL AS TEXT) AS ${name}`));
      }
      items.push({ name, expr });
    }
  }

  // Output names must be unique (case-insensitively, as everywhere in fsql).
  const seen = new Map<string, number>();
  items.forEach((it, i) => {
    const k = it.name.toLowerCase();
    const first = seen.get(k);
    if (first !== undefined) {
      diagnostics.push(error('E0205', it.expr.span, `the view has two columns named \`${it.name}\``, 'rename one with AS'));
    } else {
      seen.set(k, i);
    }
  });

  // GROUP BY: expressions, or 1-based positions in the SELECT list.
  const groupBy: TExpr[] = [];
  // A GROUP BY entry in error would make every column it groups look ungrouped: then E0404 stays quiet.
  let groupByFailed = false;
  for (const g of select.groupBy) {
    if (g.kind === 'literal' && g.type === 'INTEGER') {
      const target = select.items[g.value - 1];
      if (!target || target.kind === 'star') {
        diagnostics.push(
          error(
            'E0203',
            g.span,
            `GROUP BY ${g.value} does not name a SELECT expression`,
            target ? 'a position cannot stand for `*`; list the columns' : `the SELECT list has ${select.items.length} item${select.items.length === 1 ? '' : 's'}`,
          ),
        );
        groupByFailed = true;
        continue;
      }
      if (containsAggregate(target.expr)) {
        diagnostics.push(error('E0405', g.span, `GROUP BY ${g.value} refers to an aggregate`, 'group by the columns the aggregate is computed per, not by the aggregate'));
        groupByFailed = true;
        continue;
      }
      groupBy.push(itemExprs[g.value - 1]!.typed[0]!);
      continue;
    }
    const typed = typer('GROUP BY', 'forbidden').type(g);
    if (hasFailed(typed)) groupByFailed = true;
    groupBy.push(typed);
  }

  let having: TExpr | undefined;
  if (select.having) {
    having = typer('HAVING', 'allowed').type(select.having);
    requireBoolean(having, 'HAVING', diagnostics);
  }

  const aggregated =
    groupBy.length > 0 || select.items.some((i) => i.kind === 'item' && containsAggregate(i.expr)) || (select.having !== undefined && containsAggregate(select.having));

  if (aggregated && !groupByFailed) {
    const ungrouped: Ungrouped[] = [];
    for (const { item, typed } of itemExprs) {
      if (item.kind === 'star') {
        const columns = typed.filter((c) => c.kind === 'column' && !groupBy.some((g) => sameExpr(g, c))).map((c) => (c as { column: string }).column);
        if (columns.length > 0) ungrouped.push({ span: item.span, columns, star: true });
      } else {
        for (const t of typed) collectUngrouped(t, groupBy, ungrouped);
      }
    }
    if (having) collectUngrouped(having, groupBy, ungrouped);
    if (ungrouped.length > 0) {
      const aggregate = select.groupBy.length > 0 ? undefined : firstAggregate(itemExprs.flatMap((i) => i.typed).concat(having ? [having] : []));
      diagnostics.push(ungroupedError(ungrouped, aggregate));
    }
  }

  const columns: ColumnInfo[] = items.map((it) => {
    const column: ColumnInfo = { name: it.name, type: it.expr.type === 'NULL' ? 'TEXT' : it.expr.type, nullable: it.expr.nullable };
    if (hasFailed(it.expr)) markFailedColumn(column);
    return column;
  });

  const query: TSelect = {
    distinct: select.distinct,
    items,
    from,
    joins,
    ...(where ? { where } : {}),
    groupBy,
    ...(having ? { having } : {}),
    aggregated,
  };
  return { query, columns, dependsOn, failed: diagnostics.length > before || unknownColumns || scope.some((s) => s.poisoned) };
}

/** The name a SELECT item gets without AS: a column's own name. */
export function columnName(e: A.Expr): string | undefined {
  if (e.kind === 'column') return e.name.text;
  if (e.kind === 'paren') return columnName(e.inner);
  return undefined;
}

export function requireBoolean(e: TExpr, clause: string, diagnostics: Diagnostic[]): void {
  if (hasFailed(e) || e.type === 'BOOLEAN' || e.type === 'NULL') return;
  diagnostics.push(error('E0406', e.span, `${clause} needs a BOOLEAN condition, found ${e.type}`));
}

/** A column (or the columns a `*` brings in) outside every aggregate and GROUP BY expression. */
interface Ungrouped {
  readonly span: Span;
  readonly columns: readonly string[];
  readonly star: boolean;
}

/** Every column outside an aggregate must be (inside) a GROUP BY expression; collects those that are not. */
function collectUngrouped(e: TExpr, groupBy: readonly TExpr[], out: Ungrouped[]): void {
  if (hasFailed(e)) return;
  if (groupBy.some((g) => sameExpr(g, e))) return;
  if (e.kind === 'aggregate' || e.kind === 'literal') return;
  if (e.kind === 'column') {
    out.push({ span: e.span, columns: [e.column], star: false });
    return;
  }
  for (const sub of subExpressions(e)) collectUngrouped(sub, groupBy, out);
}

function firstAggregate(es: readonly TExpr[]): TExpr | undefined {
  for (const e of es) {
    if (e.kind === 'aggregate') return e;
    const inner = firstAggregate(subExpressions(e));
    if (inner) return inner;
  }
  return undefined;
}

/**
 * One E0404 for the whole SELECT (one mistake, one error): at the first
 * ungrouped column, naming them all, with a note at each other one and, when
 * there is no GROUP BY, at the aggregate that makes the view a single row.
 */
function ungroupedError(ungrouped: readonly Ungrouped[], aggregate: TExpr | undefined): Diagnostic {
  const [first, ...others] = ungrouped;
  const names: string[] = [];
  for (const u of ungrouped) for (const c of u.columns) if (!names.some((n) => n.toLowerCase() === c.toLowerCase())) names.push(c);
  const list = (ns: readonly string[]) => (ns.length === 1 ? `\`${ns[0]}\`` : `${ns.slice(0, -1).map((n) => `\`${n}\``).join(', ')} and \`${ns[ns.length - 1]}\``);
  const related: RelatedSpan[] = others.map((u) => ({
    span: u.span,
    message: u.star ? `\`*\` brings in ${list(u.columns)}, not grouped or aggregated either` : `\`${u.columns[0]}\` is not grouped or aggregated either`,
  }));
  if (aggregate) related.push({ span: aggregate.span, message: 'this aggregate, without GROUP BY, makes the view a single row' });
  related.sort((a, b) => a.span.start - b.span.start);
  if (first!.star && others.length === 0) {
    const what = names.length === 1 ? `column ${list(names)}` : `columns ${list(names)}`;
    return error('E0404', first!.span, `\`*\` brings in ${what}, which must appear in GROUP BY or be used in an aggregate`, 'list the grouped columns instead of `*`', related);
  }
  if (names.length === 1) {
    return error('E0404', first!.span, `column ${list(names)} must appear in GROUP BY or be used in an aggregate`, `add it to GROUP BY, or aggregate it, e.g. MAX(${names[0]})`, related);
  }
  return error('E0404', first!.span, `columns ${list(names)} must appear in GROUP BY or be used in an aggregate`, `add them to GROUP BY, or aggregate each, e.g. MAX(${names[0]})`, related);
}
