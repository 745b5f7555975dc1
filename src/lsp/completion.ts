/**
 * Completion from the words before the cursor in its statement (a statement
 * being typed does not parse, so this reads tokens, not the AST): statement
 * keywords, the clause keywords of the statement, relation names after FROM
 * and JOIN, entity names after ENTITY, the FROM relation's columns inside AS
 * and WHERE (the relations of FROM and JOIN in a view), feature names and
 * versions inside FEATURES ( … ), label names after LABEL.
 */
import type * as A from '../syntax/ast.js';
import { keyOf, type Catalog } from '../check/catalog.js';
import { isBareName } from '../syntax/format.js';

export type CompletionKind = 'keyword' | 'entity' | 'relation' | 'view' | 'feature' | 'label' | 'column' | 'function' | 'type' | 'value';

export interface Completion {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail?: string;
  readonly insertText?: string;
  /** Sorts first (the clause or name most likely wanted). */
  readonly preselect?: boolean;
}

const STATEMENTS = ['ENTITY', 'SOURCE', 'VIEW', 'FEATURE', 'LABEL', 'TRAINING SET'];
const CLAUSES: Record<string, readonly string[]> = {
  ENTITY: ['KEY', 'DESCRIPTION', 'OWNER', 'TAGS'],
  SOURCE: ['FROM', 'FORMAT', 'EVENT TIME', 'DESCRIPTION', 'OWNER', 'TAGS'],
  VIEW: ['EVENT TIME', 'DESCRIPTION', 'OWNER', 'TAGS', 'AS', 'SELECT', 'FROM', 'JOIN', 'LEFT JOIN', 'ON', 'WHERE', 'GROUP BY', 'HAVING'],
  FEATURE: ['VERSION', 'ENTITY', 'FROM', 'AS', 'WHERE', 'WINDOW', 'TTL', 'FILL', 'SCALE', 'ONE_HOT', 'DESCRIPTION', 'OWNER', 'TAGS'],
  LABEL: ['VERSION', 'ENTITY', 'FROM', 'AS', 'WHERE', 'DESCRIPTION', 'OWNER', 'TAGS'],
  TRAINING: ['VERSION', 'LABEL', 'FEATURES', 'SAMPLE', 'SEED', 'DESCRIPTION', 'OWNER', 'TAGS'],
};
const AFTER: Record<string, readonly string[]> = {
  FILL: ['MEAN', 'MEDIAN', 'MODE', 'ZERO'],
  SCALE: ['STANDARD', 'MINMAX', 'ROBUST', 'LOG'],
  ONE_HOT: ['TOP'],
  FORMAT: ['CSV', 'PARQUET', 'JSONL'],
};
const TYPES = ['BOOLEAN', 'INTEGER', 'DOUBLE', 'TEXT', 'DATE', 'TIMESTAMP'];
const UNITS = ['SECONDS', 'MINUTES', 'HOURS', 'DAYS', 'WEEKS'];
const FUNCTIONS = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'COALESCE', 'ROUND', 'ABS', 'LOWER', 'UPPER', 'LENGTH', 'CAST', 'EXTRACT', 'CASE'];
/** Words after which an expression starts (the columns of the relation are wanted). */
const EXPRESSION_STARTS = new Set(['AS', 'WHERE', 'SELECT', 'ON', 'BY', 'HAVING', 'AND', 'OR', 'NOT', 'WHEN', 'THEN', 'ELSE', '(', ',', '=', '<>', '<', '>', '<=', '>=', '+', '-', '*', '/', '%', '||', 'IS', 'IN', 'LIKE', 'BETWEEN']);

interface Token {
  readonly text: string;
  /** Upper case for words; the text for the rest. */
  readonly word: string;
  /** The name it spells (a quoted identifier unquoted). */
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** Words, quoted names, strings and punctuation of `text` from `from`, comments skipped, up to `to`. */
function tokens(text: string, from: number, to: number): Token[] {
  const re = /--[^\n\r]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d*)?|<>|<=|>=|!=|\|\||[^\s]/g;
  re.lastIndex = from;
  const out: Token[] = [];
  for (let m = re.exec(text); m && m.index < to; m = re.exec(text)) {
    const t = m[0];
    if (t.startsWith('--') || t.startsWith('/*')) continue;
    const quoted = t.startsWith('"');
    out.push({ text: t, word: /^[A-Za-z_]/.test(t) ? t.toUpperCase() : t, name: quoted ? t.slice(1, t.endsWith('"') && t.length > 1 ? -1 : undefined).replace(/""/g, '"') : t, start: m.index, end: m.index + t.length });
  }
  return out;
}

function nameItem(name: string, kind: CompletionKind, detail?: string): Completion {
  const insert = isBareName(name) ? name : `"${name.replace(/"/g, '""')}"`;
  return { label: name, kind, ...(detail ? { detail } : {}), ...(insert !== name ? { insertText: insert } : {}) };
}

const keyword = (k: string, preselect = false): Completion => ({ label: k, kind: 'keyword', ...(preselect ? { preselect } : {}) });

export function complete(text: string, file: string, offset: number, statements: readonly A.Statement[], catalog: Catalog): Completion[] {
  // The statement the cursor is in starts at the last `;` or CREATE before it.
  let from = 0;
  for (const s of statements) if (s.span.file === file && s.span.start <= offset) from = Math.max(from, s.span.start);
  const all = tokens(text, from, text.length);
  let start = 0;
  for (let i = 0; i < all.length && all[i]!.start < offset; i++) {
    if (all[i]!.word === ';' && all[i]!.end <= offset) start = i + 1;
    else if (all[i]!.word === 'CREATE' && i > 0) start = i;
  }
  let end = all.length;
  for (let i = start + 1; i < all.length; i++) {
    if (all[i]!.word === ';' || all[i]!.word === 'CREATE') {
      end = i;
      break;
    }
  }
  const statement = all.slice(start, end);
  // The word being typed is not context.
  const before = statement.filter((t) => t.end < offset || (t.end === offset && !/^[A-Za-z_0-9"]/.test(t.text)));
  const last = before[before.length - 1];
  const kind = before[0]?.word === 'CREATE' ? before[1]?.word : undefined;

  const relations = (): Completion[] =>
    Object.values(catalog.relations).length > 0 || statements.length > 0
      ? uniqueBy(
          statements.filter((s): s is A.SourceStatement | A.ViewStatement => s.kind === 'source' || s.kind === 'view').map((s) => nameItem(s.name.text, s.kind === 'view' ? 'view' : 'relation', s.kind)),
        )
      : [];
  const entities = (): Completion[] => uniqueBy(statements.filter((s) => s.kind === 'entity').map((s) => nameItem(s.name.text, 'entity', 'entity')));
  const versioned = (k: 'feature' | 'label'): Completion[] => {
    const newest = new Map<string, A.FeatureStatement | A.LabelStatement>();
    for (const s of statements) if (s.kind === k) newest.set(keyOf(s.name.text), s);
    return [...newest.values()].map((s) => nameItem(s.name.text, k, k === 'feature' ? `feature of ${s.entity.entity.text}` : `label of ${s.entity.entity.text}`));
  };
  const versionsOf = (k: 'feature' | 'label' | 'training_set', name: string): Completion[] =>
    statements.filter((s) => s.kind === k && keyOf(s.name.text) === keyOf(name)).map((s) => ({ label: String(('version' in s && s.version?.value) || 1), kind: 'value' as const, detail: `${k.replace('_', ' ')} ${s.name.text}` }));
  const columnsOf = (relation: string, qualifier?: string): Completion[] => {
    const r = catalog.relations[keyOf(relation)];
    const cols = r ? r.columns.map((c) => ({ name: c.name, type: c.type })) : sourceColumns(statements, relation);
    return cols.map((c) => nameItem(c.name, 'column', `${c.type} — ${qualifier ? `${qualifier} (${relation})` : relation}`));
  };

  if (!kind) {
    if (before.length === 0) return STATEMENTS.map((s) => ({ label: `CREATE ${s}`, kind: 'keyword' as const }));
    if (before.length === 1 && before[0]!.word === 'CREATE') return STATEMENTS.map((s) => keyword(s));
    return [];
  }
  const clauseWords = CLAUSES[kind] ?? [];
  const unused = (): Completion[] => clauseWords.filter((c) => !before.some((t, i) => i > 1 && t.word === c.split(' ')[0])).map((c) => keyword(c));
  if (!last || before.length < 3) return [];
  const lastWord = last.word;
  // A Kafka source's messages are JSON.
  if (kind === 'SOURCE' && lastWord === 'FORMAT' && before.some((t) => t.word === 'KAFKA')) return [keyword('JSON')];
  if (AFTER[lastWord]) return AFTER[lastWord].map((k) => keyword(k));

  if (kind === 'SOURCE') {
    if (lastWord === 'FROM') return ['FILE', 'TABLE', 'STREAM', 'KAFKA'].map((k) => keyword(k));
    if (lastWord === 'KAFKA') return [keyword('TOPIC')];
    if (lastWord === 'EVENT') return [keyword('TIME')];
    if (lastWord === 'TIME') return sourceColumns(statements, before[2]?.name ?? '').map((c) => nameItem(c.name, 'column', c.type));
    const open = depth(before) > 0;
    if (open && before[before.length - 2] && ['(', ','].includes(before[before.length - 2]!.word) && /^[A-Za-z_"]/.test(last.text)) return TYPES.map((t) => ({ label: t, kind: 'type' }));
    if (open) return [keyword('NOT NULL')];
    return unused();
  }

  if (kind === 'TRAINING') {
    const features = before.findIndex((t) => t.word === 'FEATURES');
    if (lastWord === 'LABEL') return versioned('label');
    if (lastWord === 'VERSION') {
      const named = before[before.length - 2];
      if (features >= 0 && depth(before.slice(features + 1)) > 0 && named) return versionsOf('feature', named.name);
      if (named && before[before.length - 3]?.word === 'LABEL') return versionsOf('label', named.name);
      return nextVersion(statements, 'training_set', before[3]?.name);
    }
    if (features >= 0 && depth(before.slice(features + 1)) > 0) {
      if (lastWord === '(' || lastWord === ',') return versioned('feature');
      return [keyword('VERSION')];
    }
    return unused();
  }

  // The relation(s) in scope, by the name used to qualify their columns.
  const scope = new Map<string, string>();
  for (let i = 0; i < statement.length; i++) {
    const t = statement[i]!;
    if ((t.word === 'FROM' || t.word === 'JOIN') && statement[i + 1] && /^[A-Za-z_"]/.test(statement[i + 1]!.text)) {
      const relation = statement[i + 1]!.name;
      const alias = statement[i + 2];
      const aliased = kind === 'VIEW' && alias && /^[A-Za-z_"]/.test(alias.text) && !['JOIN', 'LEFT', 'INNER', 'ON', 'WHERE', 'GROUP', 'HAVING'].includes(alias.word);
      scope.set(keyOf(aliased ? alias.name : relation), relation);
    }
  }

  if (lastWord === 'FROM' || lastWord === 'JOIN') return relations();
  if (lastWord === 'ENTITY' && (kind === 'FEATURE' || kind === 'LABEL')) return entities();
  if (lastWord === 'VERSION' && before.length <= 5) return nextVersion(statements, kind === 'FEATURE' ? 'feature' : 'label', before[2]?.name);
  if ((lastWord === 'WINDOW' || lastWord === 'TTL') && kind === 'FEATURE') return [];
  if (/^\d/.test(lastWord) && ['WINDOW', 'TTL'].includes(before[before.length - 2]?.word ?? '')) return UNITS.map((u) => keyword(u));
  if (lastWord === '.' && before.length >= 2) {
    const q = before[before.length - 2]!;
    const relation = scope.get(keyOf(q.name));
    return relation ? columnsOf(relation, q.name) : [];
  }
  if (kind === 'FEATURE' || kind === 'LABEL') {
    if (lastWord === 'ON' || (lastWord === '(' && before[before.length - 2]?.word === 'ON') || (lastWord === ',' && depth(before) > 0 && onList(before))) {
      return [...scope.values()].flatMap((r) => columnsOf(r));
    }
    const clause = [...before].reverse().find((t) => clauseWords.includes(t.word) || t.word === 'ON');
    if (clause && (clause.word === 'AS' || clause.word === 'WHERE') && EXPRESSION_STARTS.has(lastWord)) {
      return [...[...scope.values()].flatMap((r) => columnsOf(r)), ...FUNCTIONS.map((f) => ({ label: f, kind: 'function' as const }))];
    }
    if (clause && (clause.word === 'AS' || clause.word === 'WHERE')) return unused();
    return unused();
  }
  if (kind === 'VIEW') {
    if (EXPRESSION_STARTS.has(lastWord) && before.some((t) => t.word === 'SELECT')) {
      const inScope = [...scope.entries()].flatMap(([q, r]) => columnsOf(r, q === keyOf(r) ? undefined : q));
      return [...inScope, ...FUNCTIONS.map((f) => ({ label: f, kind: 'function' as const }))];
    }
    return unused();
  }
  return unused();
}

function depth(ts: readonly Token[]): number {
  let d = 0;
  for (const t of ts) d += t.word === '(' ? 1 : t.word === ')' ? -1 : 0;
  return d;
}

function onList(before: readonly Token[]): boolean {
  for (let i = before.length - 1; i >= 0; i--) {
    if (before[i]!.word === '(') return before[i - 1]?.word === 'ON';
    if (before[i]!.word === ')') return false;
  }
  return false;
}

function sourceColumns(statements: readonly A.Statement[], relation: string): { name: string; type: string }[] {
  const s = statements.find((x) => (x.kind === 'source' || x.kind === 'view') && keyOf(x.name.text) === keyOf(relation));
  return s?.kind === 'source' ? s.columns.map((c) => ({ name: c.name.text, type: c.type.type })) : [];
}

function nextVersion(statements: readonly A.Statement[], kind: 'feature' | 'label' | 'training_set', name: string | undefined): Completion[] {
  if (!name) return [];
  const versions = statements.filter((s) => s.kind === kind && keyOf(s.name.text) === keyOf(name)).map((s) => ('version' in s && s.version?.value) || 1);
  const next = versions.length === 0 ? 1 : Math.max(...versions) + 1;
  return [{ label: String(next), kind: 'value', detail: versions.length === 0 ? 'the first version' : `after VERSION ${Math.max(...versions)}`, preselect: true }];
}

function uniqueBy(items: Completion[]): Completion[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(keyOf(i.label)) && seen.add(keyOf(i.label)));
}
