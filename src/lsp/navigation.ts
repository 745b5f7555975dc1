/**
 * Go to definition, find references, rename, semantic tokens and document
 * symbols: all read off the symbol index (symbols.ts). Plain data in, plain
 * data out: spans and edits, turned into LSP shapes by server.ts.
 */
import type * as A from '../syntax/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { keyOf } from '../check/catalog.js';
import { isBareName } from '../syntax/format.js';
import { declarationsOf, occurrencesAt, type Occurrence, type SymbolIndex, type SymbolKind } from './symbols.js';

/** The declaration(s) the name at the cursor refers to. */
export function definition(index: SymbolIndex, file: string, offset: number): Span[] {
  const at = occurrencesAt(index, file, offset)[0];
  if (!at) return [];
  const decls = declarationsOf(index, at.symbol, at.version);
  if (decls.length > 0) return decls.map((d) => d.span);
  // A view column that comes from `*` has no declaration of its own: the view.
  if (at.kind === 'column') {
    const relation = at.symbol.slice('column:'.length, at.symbol.indexOf('.'));
    return declarationsOf(index, `relation:${relation}`).map((d) => d.span);
  }
  return [];
}

/** Every occurrence of the symbol at the cursor (declarations when asked), across files. */
export function references(index: SymbolIndex, file: string, offset: number, includeDeclaration: boolean): Span[] {
  const at = occurrencesAt(index, file, offset)[0];
  if (!at) return [];
  const seen = new Set<string>();
  const out: Span[] = [];
  for (const o of index.bySymbol.get(at.symbol) ?? []) {
    if (o.decl && !includeDeclaration) continue;
    const k = `${o.span.file}\u0000${o.span.start}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(o.span);
  }
  return out;
}

export class RenameError extends Error {}

export interface TextEdit {
  readonly span: Span;
  /** Replace the span, or insert after it. */
  readonly insertAfter?: boolean;
  readonly text: string;
}

const RENAMEABLE: ReadonlySet<SymbolKind> = new Set(['entity', 'relation', 'feature', 'label', 'training_set', 'column']);

/** The name at the cursor, when it can be renamed (else a RenameError saying why). */
export function renameTarget(index: SymbolIndex, file: string, offset: number): Occurrence {
  const at = occurrencesAt(index, file, offset)[0];
  if (!at) throw new RenameError('there is no name to rename here');
  if (!RENAMEABLE.has(at.kind)) throw new RenameError("an entity's key column is matched by name in the relations its features read: rename it there and here together");
  return at;
}

/**
 * The edits that rename the symbol at the cursor to `newName` everywhere. A
 * column is renamed where it flows on under its name (`SELECT t.amount` and
 * `SELECT *` in views, and what reads those views), so the project still
 * checks; a view's column declared by a bare `t.amount` gets `AS new` instead
 * when only the view's column is renamed.
 */
export function rename(index: SymbolIndex, statements: readonly A.Statement[], file: string, offset: number, newName: string): TextEdit[] {
  const at = renameTarget(index, file, offset);
  const name = nameText(newName);
  if (at.kind === 'column') {
    const decls = declarationsOf(index, at.symbol);
    if (decls.length === 0) throw new RenameError(`\`${at.name}\` comes from \`*\` in the view: rename it in the relation the view reads`);
  }
  const symbols = [at.symbol];
  if (at.kind === 'column') {
    for (let i = 0; i < symbols.length; i++) for (const next of index.passThrough.get(symbols[i]!) ?? []) if (!symbols.includes(next)) symbols.push(next);
    refuseKeyBindings(statements, symbols);
  }
  const edits = new Map<string, TextEdit>();
  for (const symbol of symbols) {
    for (const o of index.bySymbol.get(symbol) ?? []) {
      const k = `${o.span.file}\u0000${o.span.start}`;
      if (edits.has(k)) continue;
      if (o.implicit && !usesRenamed(index, o, symbols)) {
        // Only the view's column is renamed: keep reading the same column, under a new name.
        edits.set(k, { span: o.span, insertAfter: true, text: ` AS ${name}` });
      } else {
        edits.set(k, { span: o.span, text: name });
      }
    }
  }
  return [...edits.values()];
}

/** Whether the column a bare view item reads is renamed too (then the item is renamed, not aliased). */
function usesRenamed(index: SymbolIndex, implicit: Occurrence, symbols: readonly string[]): boolean {
  const list = index.byFile.get(implicit.span.file) ?? [];
  return list.some((o) => !o.decl && o.span.start === implicit.span.start && symbols.includes(o.symbol));
}

/** A feature or label that binds an entity by key name to a renamed column would stop checking: refused. */
function refuseKeyBindings(statements: readonly A.Statement[], symbols: readonly string[]): void {
  const entities = new Map<string, A.EntityStatement>();
  for (const s of statements) if (s.kind === 'entity') entities.set(keyOf(s.name.text), s);
  for (const symbol of symbols) {
    const [relation, column] = symbol.slice('column:'.length).split('.') as [string, string];
    for (const s of statements) {
      if ((s.kind !== 'feature' && s.kind !== 'label') || s.entity.on || keyOf(s.from.text) !== relation) continue;
      const entity = entities.get(keyOf(s.entity.entity.text));
      if (entity?.keys.some((k) => keyOf(k.name.text) === column)) {
        throw new RenameError(
          `${s.kind} \`${s.name.text}\` finds entity \`${entity.name.text}\`'s key \`${column}\` by name in \`${s.from.text}\`: map it first with ENTITY ${entity.name.text} ON (…), or rename the key too`,
        );
      }
    }
  }
}

/** A new name as written in the rename box: bare when it can be, else in double quotes. */
export function nameText(newName: string): string {
  const quoted = /^"((?:[^"]|"")*)"$/.exec(newName);
  const text = quoted ? quoted[1]!.replace(/""/g, '"') : newName;
  if (text.length === 0) throw new RenameError('a name cannot be empty');
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new RenameError('names hold printable characters only');
  return isBareName(text) ? text : `"${text.replace(/"/g, '""')}"`;
}

// ---------------------------------------------------------------------------
// Semantic tokens and document symbols

export const TOKEN_TYPES = ['class', 'struct', 'interface', 'function', 'enumMember', 'namespace', 'property', 'parameter'] as const;
export const TOKEN_MODIFIERS = ['declaration'] as const;

const TOKEN_OF: Record<SymbolKind, (typeof TOKEN_TYPES)[number]> = {
  entity: 'class',
  relation: 'struct',
  feature: 'function',
  label: 'enumMember',
  training_set: 'namespace',
  column: 'property',
  key: 'parameter',
};

export interface SemanticToken {
  readonly line: number;
  readonly col: number;
  readonly length: number;
  readonly type: number;
  readonly modifiers: number;
}

/** One token per name, in order, none overlapping (a span both used and declared counts once, as the use). */
export function semanticTokens(index: SymbolIndex, file: string, statements: readonly A.Statement[]): SemanticToken[] {
  const views = new Set(statements.filter((s) => s.kind === 'view').map((s) => `relation:${keyOf(s.name.text)}`));
  const out: SemanticToken[] = [];
  let lastEnd = -1;
  for (const o of index.byFile.get(file) ?? []) {
    if (o.span.start < lastEnd || o.span.line !== o.span.endLine) continue;
    lastEnd = o.span.end;
    const type = o.kind === 'relation' && views.has(o.symbol) ? 'interface' : TOKEN_OF[o.kind];
    out.push({ line: o.span.line - 1, col: o.span.col - 1, length: o.span.end - o.span.start, type: TOKEN_TYPES.indexOf(type), modifiers: o.decl ? 1 : 0 });
  }
  return out;
}

export interface OutlineSymbol {
  readonly name: string;
  readonly detail: string;
  readonly kind: 'entity' | 'source' | 'view' | 'feature' | 'label' | 'training_set' | 'column';
  readonly span: Span;
  readonly selection: Span;
  readonly children: readonly OutlineSymbol[];
}

/** The statements of a file, with their columns. */
export function documentSymbols(file: A.SourceFile): OutlineSymbol[] {
  return file.statements.map((s) => {
    const version = 'version' in s && s.version ? ` VERSION ${s.version.value}` : '';
    const columns = (defs: readonly A.ColumnDef[]): OutlineSymbol[] =>
      defs.map((c) => ({ name: c.name.text, detail: c.type.written, kind: 'column', span: c.span, selection: c.name.span, children: [] }));
    let children: OutlineSymbol[] = [];
    let detail: string = s.kind.replace('_', ' ');
    if (s.kind === 'entity') children = columns(s.keys);
    if (s.kind === 'source') children = columns(s.columns);
    if (s.kind === 'view') {
      children = s.query.items.flatMap((i): OutlineSymbol[] => {
        if (i.kind === 'star') return [];
        const id = i.alias ?? (i.expr.kind === 'column' ? i.expr.name : undefined);
        return id ? [{ name: id.text, detail: '', kind: 'column', span: i.span, selection: id.span, children: [] }] : [];
      });
    }
    if (s.kind === 'feature' || s.kind === 'label') detail = `${s.kind}${version} of ${s.entity.entity.text} from ${s.from.text}`;
    if (s.kind === 'training_set') detail = `training set${version}, label ${s.label.name.text}`;
    return { name: s.name.text, detail, kind: s.kind, span: s.span, selection: s.name.span, children };
  });
}
