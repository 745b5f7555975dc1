/**
 * The canonical formatter: AST → the one canonical spelling of an .fsql file
 * (what `fsql fmt` writes).
 *
 * Canonical form
 * - Keywords UPPERCASE. Identifiers exactly as written; double-quoted (with `""`
 *   for a quote) when they were written quoted, or when they would not re-lex as
 *   the same bare name (not `[A-Za-z_][A-Za-z0-9_]*`, or a reserved word).
 *   Function names are identifiers too, so `avg(x)` stays `avg(x)`.
 * - Type names as written, uppercased (`varchar(20)` → `VARCHAR`: the AST keeps
 *   no size). Durations `<n> <UNIT>`, singular for 1 (`1 DAY`, `7 DAYS`). EXTRACT
 *   parts by their canonical name (`dow` → `DAYOFWEEK`). FILE formats by their
 *   canonical name (`ndjson` → `JSONL`). `!=` → `<>`. `LEFT OUTER JOIN` →
 *   `LEFT JOIN`, `INNER JOIN` → `JOIN`. Column aliases always take `AS`, table
 *   aliases only when the alias is a join word (`FROM t AS outer`).
 * - Numbers print their `text` as written (`1.50`, `1e3`, `-1` in FILL/ONE_HOT);
 *   strings with `''` escaping; DATE/TIMESTAMP literals keep their string as
 *   written. Versions print their value.
 * - Expressions print a Paren node as parentheses and add no others: the AST
 *   keeps the parentheses the user wrote, so the output parses back to the same
 *   tree.
 *
 * Layout
 * - One statement per block, blocks separated by one blank line; every
 *   statement ends with `;`, the file with a single newline.
 * - ENTITY: `CREATE ENTITY name KEY (k TYPE, …)`, then metadata lines.
 * - SOURCE: one column per line (types aligned), `)`, then FROM, EVENT TIME and
 *   metadata each on its own line indented two spaces.
 * - VIEW: `CREATE VIEW name [EVENT TIME c]`, metadata lines, `AS` (at the end of
 *   the first line when there is no metadata, else on its own line), then the
 *   SELECT clauses each on their own line, JOINs one per line. SELECT items go
 *   on one line when it fits in 80 columns, otherwise one per line.
 * - FEATURE / LABEL: `CREATE FEATURE name [VERSION n]`, then ENTITY, FROM, AS
 *   and the other clauses each on their own line, in the canonical order WHERE,
 *   WINDOW, TTL, FILL, SCALE, ONE_HOT, DESCRIPTION, OWNER, TAGS.
 * - TRAINING SET: LABEL, FEATURES (inline when it fits, else one per line),
 *   SAMPLE, metadata.
 * - A top-level CASE (a select item, a feature's or label's AS) that does not
 *   fit in 80 columns is broken into one WHEN per line.
 *
 * Comments (none is ever lost, and their order is kept)
 * - A comment between two statements is printed before the following
 *   statement; a blank line between two such comments, or between the last one
 *   and the statement, is kept (several collapse to one).
 * - A comment that starts after a statement's `;` on the same line is a
 *   trailing comment and stays at the end of that statement's last line.
 * - Comments after the last statement are printed at the end of the file.
 * - A comment whose span lies *inside* a statement is printed on its own
 *   line(s) just before that statement. The formatter re-lays out every
 *   statement, so there is no reliable place inside it to put the comment back;
 *   moving it just above the statement keeps it next to the code it talks about
 *   and makes the result a fixed point (the next run sees a leading comment).
 * - Block comments are printed verbatim (but for CRLF line ends, which become
 *   LF like every line end of the output); line comments lose trailing blanks.
 */
import { reservedWords } from '../../grammar/tokens.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type * as A from './ast.js';
import { parseFile } from './parse.js';

/** Lines longer than this are broken (SELECT items, FEATURES lists, CASE). */
const WIDTH = 80;
const INDENT = '  ';

// ---------------------------------------------------------------------------
// Leaves

const BARE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(reservedWords.map((w) => w.toUpperCase()));

/** True when `text` can be written without double quotes and re-lex as the same name. */
export function isBareName(text: string): boolean {
  return BARE.test(text) && !RESERVED.has(text.toUpperCase());
}

export function formatIdentifier(id: A.Identifier): string {
  if (!id.quoted && isBareName(id.text)) return id.text;
  return `"${id.text.replace(/"/g, '""')}"`;
}

export function formatString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const STRING_IMAGE = /^'(?:[^']|'')*'$/;
const NUMBER_TEXT = /^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$/;

function formatLiteral(lit: A.Literal): string {
  switch (lit.type) {
    case 'INTEGER':
    case 'DOUBLE':
      return NUMBER_TEXT.test(lit.text) ? lit.text : String(lit.value);
    case 'TEXT':
      return formatString(lit.value);
    case 'BOOLEAN':
      return lit.value ? 'TRUE' : 'FALSE';
    case 'NULL':
      return 'NULL';
    case 'DATE':
    case 'TIMESTAMP':
      // `text` is the string as written (the value is normalised); keep it.
      return `${lit.type} ${STRING_IMAGE.test(lit.text) ? lit.text : formatString(lit.value)}`;
  }
}

function formatType(t: A.TypeName): string {
  return BARE.test(t.written) ? t.written.toUpperCase() : t.type;
}

function formatDuration(d: A.Duration): string {
  return `${d.amount} ${d.amount === 1 ? d.unit : `${d.unit}S`}`;
}

function formatInteger(n: A.IntegerLiteral): string {
  return String(n.value);
}

function formatVersion(n: A.IntegerLiteral | undefined): string {
  return n ? ` VERSION ${formatInteger(n)}` : '';
}

// ---------------------------------------------------------------------------
// Expressions

export function formatExpr(e: A.Expr): string {
  switch (e.kind) {
    case 'literal':
      return formatLiteral(e);
    case 'column':
      return e.table ? `${formatIdentifier(e.table)}.${formatIdentifier(e.name)}` : formatIdentifier(e.name);
    case 'unary': {
      const operand = formatExpr(e.operand);
      if (e.op === 'NOT') return `NOT ${operand}`;
      // `- -x` must not become the line comment `--x`.
      return /^[-+]/.test(operand) ? `${e.op} ${operand}` : `${e.op}${operand}`;
    }
    case 'binary':
      return `${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)}`;
    case 'is_null':
      return `${formatExpr(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'in':
      return `${formatExpr(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(formatExpr).join(', ')})`;
    case 'between':
      return `${formatExpr(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${formatExpr(e.low)} AND ${formatExpr(e.high)}`;
    case 'like':
      return `${formatExpr(e.operand)} ${e.negated ? 'NOT ' : ''}LIKE ${formatExpr(e.pattern)}`;
    case 'case': {
      const parts = ['CASE'];
      if (e.operand) parts.push(formatExpr(e.operand));
      for (const w of e.whens) parts.push(`WHEN ${formatExpr(w.when)} THEN ${formatExpr(w.then)}`);
      if (e.else) parts.push(`ELSE ${formatExpr(e.else)}`);
      parts.push('END');
      return parts.join(' ');
    }
    case 'cast':
      return `CAST(${formatExpr(e.operand)} AS ${formatType(e.type)})`;
    case 'extract':
      return `EXTRACT(${e.part} FROM ${formatExpr(e.operand)})`;
    case 'call': {
      const args = e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map(formatExpr).join(', ')}`;
      return `${formatIdentifier(e.name)}(${args})`;
    }
    case 'paren':
      return `(${formatExpr(e.inner)})`;
  }
}

/**
 * An expression laid out as lines, the first starting with `prefix` and the
 * last ending with `suffix`, every line indented by `indent`. One line unless
 * it is a CASE that does not fit in WIDTH columns.
 */
function exprLines(e: A.Expr, indent: string, prefix: string, suffix: string): string[] {
  const flat = `${indent}${prefix}${formatExpr(e)}${suffix}`;
  if (e.kind !== 'case' || flat.length <= WIDTH) return [flat];
  const lines = [`${indent}${prefix}CASE${e.operand ? ` ${formatExpr(e.operand)}` : ''}`];
  for (const w of e.whens) lines.push(`${indent}${INDENT}WHEN ${formatExpr(w.when)} THEN ${formatExpr(w.then)}`);
  if (e.else) lines.push(`${indent}${INDENT}ELSE ${formatExpr(e.else)}`);
  lines.push(`${indent}END${suffix}`);
  return lines;
}

// ---------------------------------------------------------------------------
// Statements

function metaLines(m: A.Metadata): string[] {
  const lines: string[] = [];
  if (m.description) lines.push(`DESCRIPTION ${formatString(m.description.value)}`);
  if (m.owner) lines.push(`OWNER ${formatString(m.owner.value)}`);
  if (m.tags) lines.push(`TAGS (${m.tags.map((t) => formatString(t.value)).join(', ')})`);
  return lines;
}

function indented(lines: readonly string[]): string[] {
  return lines.map((l) => INDENT + l);
}

function columnDef(c: A.ColumnDef, pad = 0): string {
  return `${formatIdentifier(c.name).padEnd(pad)} ${formatType(c.type)}${c.notNull ? ' NOT NULL' : ''}`;
}

/** `(a, b)` when `head (a, b)` fits in WIDTH columns, else one item per line. */
function list(head: string, items: readonly string[], indent: string): string[] {
  const flat = `${indent}${head} (${items.join(', ')})`;
  if (flat.length <= WIDTH) return [flat];
  return [`${indent}${head} (`, ...items.map((it, i) => `${indent}${INDENT}${it}${i < items.length - 1 ? ',' : ''}`), `${indent})`];
}

function entityStatement(s: A.EntityStatement): string[] {
  return [...list(`CREATE ENTITY ${formatIdentifier(s.name)} KEY`, s.keys.map((k) => columnDef(k)), ''), ...indented(metaLines(s))];
}

function origin(o: A.SourceOrigin): string {
  switch (o.kind) {
    case 'file':
      return `FROM FILE ${formatString(o.path.value)}${o.format ? ` FORMAT ${o.format.value}` : ''}`;
    case 'table':
      return `FROM TABLE ${o.name.map(formatIdentifier).join('.')}`;
    case 'stream':
      return 'FROM STREAM';
  }
}

function sourceStatement(s: A.SourceStatement): string[] {
  const width = Math.max(...s.columns.map((c) => formatIdentifier(c.name).length));
  const lines = [`CREATE SOURCE ${formatIdentifier(s.name)} (`];
  s.columns.forEach((c, i) => lines.push(`${INDENT}${columnDef(c, width)}${i < s.columns.length - 1 ? ',' : ''}`));
  lines.push(')');
  const clauses = [origin(s.origin)];
  if (s.eventTime) clauses.push(`EVENT TIME ${formatIdentifier(s.eventTime)}`);
  return [...lines, ...indented([...clauses, ...metaLines(s)])];
}

function tableRef(t: A.TableRef): string {
  if (!t.alias) return formatIdentifier(t.name);
  // A bare alias spelled like a join word would read as an unsupported join (E0112): keep its AS.
  const joinWord = !t.alias.quoted && ['RIGHT', 'FULL', 'CROSS', 'NATURAL', 'OUTER'].includes(t.alias.text.toUpperCase());
  return `${formatIdentifier(t.name)}${joinWord ? ' AS' : ''} ${formatIdentifier(t.alias)}`;
}

function selectItem(item: A.SelectItem): string {
  if (item.kind === 'star') return item.table ? `${formatIdentifier(item.table)}.*` : '*';
  return `${formatExpr(item.expr)}${item.alias ? ` AS ${formatIdentifier(item.alias)}` : ''}`;
}

/** The SELECT clauses, each on its own line, at `indent`. */
export function formatSelect(q: A.Select, indent = ''): string[] {
  const head = `SELECT${q.distinct ? ' DISTINCT' : ''}`;
  const flat = `${indent}${head} ${q.items.map(selectItem).join(', ')}`;
  const lines: string[] = [];
  if (flat.length <= WIDTH) {
    lines.push(flat);
  } else {
    lines.push(`${indent}${head}`);
    q.items.forEach((item, i) => {
      const comma = i < q.items.length - 1 ? ',' : '';
      if (item.kind === 'item') {
        lines.push(...exprLines(item.expr, indent + INDENT, '', `${item.alias ? ` AS ${formatIdentifier(item.alias)}` : ''}${comma}`));
      } else {
        lines.push(`${indent}${INDENT}${selectItem(item)}${comma}`);
      }
    });
  }
  lines.push(`${indent}FROM ${tableRef(q.from)}`);
  for (const j of q.joins) {
    lines.push(`${indent}${j.type === 'LEFT' ? 'LEFT JOIN' : 'JOIN'} ${tableRef(j.table)} ON ${formatExpr(j.on)}`);
  }
  if (q.where) lines.push(`${indent}WHERE ${formatExpr(q.where)}`);
  if (q.groupBy.length > 0) lines.push(`${indent}GROUP BY ${q.groupBy.map(formatExpr).join(', ')}`);
  if (q.having) lines.push(`${indent}HAVING ${formatExpr(q.having)}`);
  return lines;
}

function viewStatement(s: A.ViewStatement): string[] {
  const first = `CREATE VIEW ${formatIdentifier(s.name)}${s.eventTime ? ` EVENT TIME ${formatIdentifier(s.eventTime)}` : ''}`;
  const meta = metaLines(s);
  const head = meta.length === 0 ? [`${first} AS`] : [first, ...indented(meta), 'AS'];
  return [...head, ...formatSelect(s.query)];
}

function entityBinding(b: A.EntityBinding): string {
  return `ENTITY ${formatIdentifier(b.entity)}${b.on ? ` ON (${b.on.map(formatIdentifier).join(', ')})` : ''}`;
}

function fill(f: A.Fill): string {
  return `FILL ${f.kind === 'fill_stat' ? f.stat : formatLiteral(f.value)}`;
}

function oneHot(o: NonNullable<A.FeatureStatement['oneHot']>): string {
  return o.kind === 'one_hot_top' ? `ONE_HOT TOP ${formatInteger(o.top)}` : `ONE_HOT (${o.values.map(formatLiteral).join(', ')})`;
}

function featureOrLabel(s: A.FeatureStatement | A.LabelStatement): string[] {
  const lines = [
    `CREATE ${s.kind === 'feature' ? 'FEATURE' : 'LABEL'} ${formatIdentifier(s.name)}${formatVersion(s.version)}`,
    `${INDENT}${entityBinding(s.entity)}`,
    `${INDENT}FROM ${formatIdentifier(s.from)}`,
    ...exprLines(s.value, INDENT, 'AS ', ''),
  ];
  const clauses: string[] = [];
  if (s.where) clauses.push(`WHERE ${formatExpr(s.where)}`);
  if (s.kind === 'feature') {
    if (s.window) clauses.push(`WINDOW ${formatDuration(s.window)}`);
    if (s.ttl) clauses.push(`TTL ${formatDuration(s.ttl)}`);
    if (s.fill) clauses.push(fill(s.fill));
    if (s.scale) clauses.push(`SCALE ${s.scale.method}`);
    if (s.oneHot) clauses.push(oneHot(s.oneHot));
  }
  return [...lines, ...indented([...clauses, ...metaLines(s)])];
}

function versionedRef(r: A.VersionedRef): string {
  return `${formatIdentifier(r.name)}${formatVersion(r.version)}`;
}

function trainingSetStatement(s: A.TrainingSetStatement): string[] {
  const lines = [
    `CREATE TRAINING SET ${formatIdentifier(s.name)}${formatVersion(s.version)}`,
    `${INDENT}LABEL ${versionedRef(s.label)}`,
    ...list('FEATURES', s.features.map(versionedRef), INDENT),
  ];
  const clauses: string[] = [];
  if (s.sample) {
    const text = NUMBER_TEXT.test(s.sample.percentText) ? s.sample.percentText : String(s.sample.percent);
    clauses.push(`SAMPLE ${text} PERCENT${s.sample.seed ? ` SEED ${formatInteger(s.sample.seed)}` : ''}`);
  }
  return [...lines, ...indented([...clauses, ...metaLines(s)])];
}

function statementLines(s: A.Statement): string[] {
  switch (s.kind) {
    case 'entity':
      return entityStatement(s);
    case 'source':
      return sourceStatement(s);
    case 'view':
      return viewStatement(s);
    case 'feature':
    case 'label':
      return featureOrLabel(s);
    case 'training_set':
      return trainingSetStatement(s);
  }
}

/** One statement in canonical form, ending with `;` (no trailing newline). */
export function formatStatement(s: A.Statement): string {
  return `${statementLines(s).join('\n')};`;
}

// ---------------------------------------------------------------------------
// Files and comments

function commentText(c: A.Comment): string {
  return c.text.startsWith('--') ? c.text.trimEnd() : c.text.replace(/\r\n?/g, '\n');
}

/** A blank line when the source had at least one between `prevEndLine` and `nextLine`. */
function gap(prevEndLine: number, nextLine: number): string {
  return nextLine - prevEndLine > 1 ? '\n\n' : '\n';
}

interface Piece {
  readonly text: string;
  /** What separates this piece from the one before it (ignored for the first). */
  readonly before: string;
}

/** The whole file in canonical form; see the header of this module for the rules. */
export function formatFile(file: A.SourceFile): string {
  const comments = [...file.comments].sort((a, b) => a.span.start - b.span.start);
  const statements = [...file.statements].sort((a, b) => a.span.start - b.span.start);
  const pieces: Piece[] = [];
  let ci = 0;

  /** Comments from `ci` on that start before `offset`, as a run of pieces. */
  const runBefore = (offset: number, firstBefore: string): A.Comment[] => {
    const run: A.Comment[] = [];
    while (ci < comments.length && comments[ci]!.span.start < offset) {
      const c = comments[ci++]!;
      const prev = run[run.length - 1];
      pieces.push({ text: commentText(c), before: prev ? gap(prev.span.endLine, c.span.line) : firstBefore });
      run.push(c);
    }
    return run;
  };

  statements.forEach((s, i) => {
    const leading = runBefore(s.span.start, '\n\n');
    const lastLeading = leading[leading.length - 1];
    const toStatement = lastLeading ? gap(lastLeading.span.endLine, s.span.line) : '\n\n';
    // Comments inside the statement: each on its own line just above it.
    let inner = 0;
    while (ci < comments.length && comments[ci]!.span.start < s.span.end) {
      pieces.push({ text: commentText(comments[ci++]!), before: inner++ === 0 ? toStatement : '\n' });
    }
    // Trailing comments: after the `;`, on its line, before the next statement.
    let text = formatStatement(s);
    const nextStart = statements[i + 1]?.span.start ?? Infinity;
    while (ci < comments.length) {
      const c = comments[ci]!;
      if (c.span.line !== s.span.endLine || c.span.start >= nextStart) break;
      text += ` ${commentText(c)}`;
      ci++;
    }
    pieces.push({ text, before: inner > 0 ? '\n' : toStatement });
  });
  runBefore(Infinity, '\n\n');

  if (pieces.length === 0) return '';
  return `${pieces.map((p, i) => (i === 0 ? '' : p.before) + p.text).join('')}\n`;
}

export interface FormatResult {
  readonly output: string;
  readonly diagnostics: Diagnostic[];
}

/**
 * Parses and formats one file's text. When the text has errors (syntax errors,
 * and the AST builder's errors, after which the AST is missing parts) the text
 * is returned unchanged with the diagnostics.
 */
export function formatSource(text: string, path: string): FormatResult {
  const { file, diagnostics } = parseFile(text, path);
  if (hasErrors(diagnostics)) return { output: text, diagnostics };
  return { output: formatFile(file), diagnostics };
}
