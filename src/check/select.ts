/**
 * Checks a view's SELECT: resolves FROM/JOIN relations and aliases, types
 * every expression, expands `*`, names the output columns and enforces the
 * GROUP BY rule (a column outside an aggregate must be grouped).
 */
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from '../syntax/ast.js';
import type { ColumnInfo, RelationInfo, TExpr, TSelect, TSelectItem, TTableRef } from './catalog.js';
import { containsAggregate, ExpressionTyper, hasFailed, sameExpr, subExpressions, type ScopeEntry } from './expressions.js';

export interface RelationLookup {
  /** The relation, or undefined when unknown; `poisoned` when it exists but failed to check. */
  find(name: string): { readonly relation: RelationInfo; readonly poisoned: boolean } | undefined;
  names(): Iterable<string>;
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
      diagnostics.push(
        error('E0201', ref.name.span, `unknown source or view \`${ref.name.text}\``, didYouMean(ref.name.text, relations.names())),
      );
    } else if (!dependsOn.includes(found.relation.name)) {
      dependsOn.push(found.relation.name);
    }
    const clash = scope.find((s) => s.alias.toLowerCase() === alias.toLowerCase());
    if (clash) {
      diagnostics.push(
        error('E0205', (ref.alias ?? ref.name).span, `\`${alias}\` is used twice in FROM/JOIN`, 'give one of them an alias: `JOIN users u2 ON …`'),
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
  const typer = (clause: string, aggregates: 'allowed' | 'forbidden') =>
    new ExpressionTyper({ scope: [...scope], aggregates, clause, diagnostics, groupsAreNonEmpty });

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
          const expr: TExpr = { kind: 'column', relation: entry.alias, column: c.name, type: c.type, nullable: c.nullable || entry.nullable, span: item.span };
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
  for (const g of select.groupBy) {
    if (g.kind === 'literal' && g.type === 'INTEGER') {
      const target = select.items[g.value - 1];
      if (!target || target.kind === 'star') {
        diagnostics.push(error('E0203', g.span, `GROUP BY ${g.value} does not name a SELECT expression`, `there are ${select.items.length} items`));
        continue;
      }
      if (containsAggregate(target.expr)) {
        diagnostics.push(error('E0405', g.span, `GROUP BY ${g.value} refers to an aggregate`));
        continue;
      }
      groupBy.push(itemExprs[g.value - 1]!.typed[0]!);
      continue;
    }
    groupBy.push(typer('GROUP BY', 'forbidden').type(g));
  }

  let having: TExpr | undefined;
  if (select.having) {
    having = typer('HAVING', 'allowed').type(select.having);
    requireBoolean(having, 'HAVING', diagnostics);
  }

  const aggregated =
    groupBy.length > 0 || select.items.some((i) => i.kind === 'item' && containsAggregate(i.expr)) || (select.having !== undefined && containsAggregate(select.having));

  if (aggregated) {
    for (const { item, typed } of itemExprs) {
      for (const t of typed) requireGrouped(t, groupBy, diagnostics, item.kind === 'star' ? item.span : undefined);
    }
    if (having) requireGrouped(having, groupBy, diagnostics);
  }

  const columns: ColumnInfo[] = items.map((it) => ({
    name: it.name,
    type: it.expr.type === 'NULL' ? 'TEXT' : it.expr.type,
    nullable: it.expr.nullable,
  }));

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
  return { query, columns, dependsOn, failed: diagnostics.length > before || scope.some((s) => s.poisoned) };
}

function columnName(e: A.Expr): string | undefined {
  if (e.kind === 'column') return e.name.text;
  if (e.kind === 'paren') return columnName(e.inner);
  return undefined;
}

export function requireBoolean(e: TExpr, clause: string, diagnostics: Diagnostic[]): void {
  if (hasFailed(e) || e.type === 'BOOLEAN' || e.type === 'NULL') return;
  diagnostics.push(error('E0406', e.span, `${clause} needs a BOOLEAN condition, found ${e.type}`));
}

/** Every column outside an aggregate must be (inside) a GROUP BY expression. */
function requireGrouped(e: TExpr, groupBy: readonly TExpr[], diagnostics: Diagnostic[], starSpan?: A.Span): void {
  if (hasFailed(e)) return;
  if (groupBy.some((g) => sameExpr(g, e))) return;
  if (e.kind === 'aggregate' || e.kind === 'literal') return;
  if (e.kind === 'column') {
    diagnostics.push(
      error(
        'E0404',
        starSpan ?? e.span,
        `column \`${e.column}\` must appear in GROUP BY or be used in an aggregate`,
        starSpan ? 'list the grouped columns instead of `*`' : `add it to GROUP BY, or aggregate it, e.g. MAX(${e.column})`,
      ),
    );
    return;
  }
  for (const sub of subExpressions(e)) requireGrouped(sub, groupBy, diagnostics, starSpan);
}
