/**
 * Entity keys bound to relation columns, for features and labels: by name or
 * with ON (`bindKeys`), and where each key-type mismatch is reported, decided
 * for the whole project before features and labels are checked
 * (`judgeKeyTypes`; docs/errors.md, E0302).
 */
import { joinSpans, type RelatedSpan, type Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from '../syntax/ast.js';
import type { ColumnInfo, EntityInfo, KeyBinding, RelationInfo, ScalarType } from './catalog.js';
import { keyOf } from './catalog.js';
import { byPlace, type ProjectChecker } from './checker.js';
import { isFailedColumn } from './expressions.js';
import { columnName as selectItemName } from './select.js';

/** A feature or label binding key column `index` of its entity to `column` of `relation`, at `span`. */
export interface KeyUse {
  readonly stmt: A.FeatureStatement | A.LabelStatement;
  readonly index: number;
  readonly relation: RelationInfo;
  readonly column: ColumnInfo;
  readonly span: Span;
}

/** "feature `risk`", or "feature `risk` VERSION 2" when the statement names its version. */
export function readerOf(s: A.FeatureStatement | A.LabelStatement): string {
  return `${s.kind} \`${s.name.text}\`${s.version ? ` VERSION ${s.version.value}` : ''}`;
}

/** "features `a` and `b` and label `y` read" / "feature `a` reads": the distinct names, the first few of each kind. */
export function readersOf(uses: readonly KeyUse[]): string {
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
export function listNames(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  const shown = quoted.length > 5 ? [...quoted.slice(0, 3), `${quoted.length - 3} more`] : quoted;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/**
 * The relation column each of the entity's keys is bound to (by name, or
 * positionally with ON), undefined where there is none, and the span that
 * binds it (the entity's name, or the ON column); undefined when ON lists
 * the wrong number of columns. Reports nothing: bindKeys and judgeKeyTypes share it.
 */
export function keyColumns(cx: ProjectChecker, binding: A.EntityBinding, entity: EntityInfo, relation: RelationInfo): { column: ColumnInfo | undefined; span: Span; on?: A.Identifier }[] | undefined {
  const columnsByKey = cx.columnsByKey(relation);
  if (binding.on) {
    if (binding.on.length !== entity.keys.length) return undefined;
    return binding.on.map((id) => ({ column: columnsByKey.get(keyOf(id.text)), span: id.span, on: id }));
  }
  return entity.keys.map((key) => ({ column: columnsByKey.get(keyOf(key.name)), span: binding.entity.span }));
}

/** Binds the entity's keys to relation columns (by name, or positionally with ON). */
export function bindKeys(cx: ProjectChecker, binding: A.EntityBinding, relation: RelationInfo, poisoned: boolean): KeyBinding | undefined {
  const entity = cx.findEntity(binding.entity);
  if (!entity) return undefined;
  const bound = keyColumns(cx, binding, entity, relation);
  if (!bound) {
    cx.report(
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
        cx.report('E0203', on.span, `unknown column \`${on.text}\` in \`${relation.name}\``, didYouMean(on.text, relation.columns.map((c) => c.name)));
      } else {
        const near = didYouMean(key.name, relation.columns.map((c) => c.name));
        cx.report(
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
      const verdict = cx.keyMismatches.get(binding)?.get(i);
      if (verdict !== 'elsewhere') {
        cx.report(
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
export function judgeKeyTypes(cx: ProjectChecker): void {
  const uses = new Map<string, KeyUse[][]>();
  const collect = (stmt: A.FeatureStatement | A.LabelStatement) => {
    const entity = cx.entities[keyOf(stmt.entity.entity.text)];
    const found = cx.lookup.find(stmt.from.text);
    if (!entity || !found) return;
    const bound = keyColumns(cx, stmt.entity, entity, found.relation);
    if (!bound) return;
    let perKey = uses.get(keyOf(entity.name));
    if (!perKey) uses.set(keyOf(entity.name), (perKey = entity.keys.map(() => [])));
    bound.forEach(({ column, span }, index) => {
      if (!column || isFailedColumn(column)) return;
      perKey[index]!.push({ stmt, index, relation: found.relation, column, span });
    });
  };
  for (const versions of cx.featureStmts.values()) for (const v of versions) collect(v.stmt);
  for (const versions of cx.labelStmts.values()) for (const v of versions) collect(v.stmt);
  uses.forEach((perKey, k) => {
    const entity = cx.entities[k]!;
    perKey.forEach((list, index) => {
      if (list.some((u) => u.column.type !== entity.keys[index]!.type)) judgeKeyType(cx, entity, index, list.sort((a, b) => byPlace(a.span, b.span)));
    });
  });
}

export function setKeyVerdict(cx: ProjectChecker, use: KeyUse, verdict: { related: RelatedSpan[] } | 'elsewhere'): void {
  let m = cx.keyMismatches.get(use.stmt.entity);
  if (!m) cx.keyMismatches.set(use.stmt.entity, (m = new Map()));
  m.set(use.index, verdict);
}

/** `uses`: every binding of the key, in (file, position) order; some disagree with its type. */
export function judgeKeyType(cx: ProjectChecker, entity: EntityInfo, index: number, uses: readonly KeyUse[]): void {
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
    const decl = cx.entityStmts.get(keyOf(entity.name))!.keys.find((d) => keyOf(d.name.text) === keyOf(key.name))!;
    const related = [...columns.values()]
      .map((c) => ({ span: columnDeclaration(cx, c.relation, c.column.name), c }))
      .sort((a, b) => byPlace(a.span, b.span))
      .map(({ span, c }) => ({
        span,
        message: `\`${c.column.name}\` of \`${c.relation.name}\` is ${c.column.type}${c.column.type === key.type ? ', like the key' : ''}; ${readersOf(c.uses)} the key from it`,
      }));
    cx.report(
      'E0302',
      joinSpans(decl.name.span, decl.type.span),
      `entity \`${entity.name}\`'s key \`${key.name}\` is ${key.type}, but ${
        count === columns.size ? `every column its features and labels read it from is ${top}` : `${count} of the ${columns.size} columns its features and labels read it from are ${top}`
      }`,
      `declare the key as ${top}, \`${key.name} ${top}\`${count === columns.size ? '' : `, and make the other noted columns ${top} too`}; or make every noted column ${key.type} (declare it so, or CAST it in a view)`,
      related,
    );
    for (const u of uses) if (u.column.type !== key.type) setKeyVerdict(cx, u, 'elsewhere');
    return;
  }
  for (const c of columns.values()) {
    if (c.column.type === key.type) continue;
    const [first, ...others] = c.uses;
    setKeyVerdict(cx, first!, { related: others.map((u) => ({ span: u.span, message: `${readerOf(u.stmt)} reads the key from it too` })) });
    for (const u of others) setKeyVerdict(cx, u, 'elsewhere');
  }
}

/** Where a relation's column is declared: its definition in a source, its SELECT item (or the `*` that brings it) in a view. */
export function columnDeclaration(cx: ProjectChecker, relation: RelationInfo, column: string): Span {
  const s = cx.relationStmts.get(keyOf(relation.name));
  if (!s) return relation.span;
  if (s.kind === 'source') {
    const d = s.columns.find((c) => keyOf(c.name.text) === keyOf(column));
    return d ? joinSpans(d.name.span, d.type.span) : s.name.span;
  }
  const item = s.query.items.find((i) => i.kind === 'item' && keyOf(i.alias?.text ?? selectItemName(i.expr) ?? '') === keyOf(column));
  return (item ?? s.query.items.find((i) => i.kind === 'star'))?.span ?? s.name.span;
}
