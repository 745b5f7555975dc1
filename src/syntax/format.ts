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
 * - SOURCE: one column per line (types aligned), `)`, then FROM, EVENT TIME, AVAILABLE and
 *   metadata each on its own line indented two spaces.
 * - VIEW: `CREATE VIEW name [EVENT TIME c] [AVAILABLE …]`, metadata lines, `AS` (at the end of
 *   the first line when there is no metadata, else on its own line), then the
 *   SELECT clauses each on their own line, JOINs one per line. SELECT items go
 *   on one line when it fits in 80 columns, otherwise one per line.
 * - FEATURE / LABEL: `CREATE FEATURE name [VERSION n]`, then ENTITY, FROM, AS
 *   and the other clauses each on their own line, in the canonical order WHERE,
 *   WINDOW, TTL, AS OF, FILL, SCALE, ONE_HOT, DESCRIPTION, OWNER, TAGS.
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
 * - Inside a statement, a one-line comment that follows a column, a key, a
 *   clause, a SELECT item, a FEATURES entry or a metadata value on the same
 *   source line stays at the end of the line that element is printed on:
 *   `a INT, -- the id` stays after `a INT,` (the comments of one column or
 *   key list line up, one space after its longest line), and a comment after
 *   the last clause ends up after the `;`. (An element of a list printed on one line —
 *   `KEY (a, b)`, `SELECT a, b`, `FEATURES (a, b)` — has no line of its own:
 *   that line counts as its last element.) Any other comment inside a
 *   statement — on a line of its own, a block comment over several lines, one
 *   within an expression — goes on a line of its own at the indentation of
 *   the element after it (or containing it): above the `)` when it follows a
 *   list's last element, just above the statement when it comes before the
 *   first element. Comments keep their order: when clauses are reordered so
 *   that a comment could not stay by its element without passing another, the
 *   statement's comments all go just above it, as they do when a `--`
 *   comment would otherwise be followed by another on its line. Each rule
 *   puts a comment where the next run finds it again: a fixed point.
 * - Block comments are printed verbatim (but for CRLF line ends, which become
 *   LF like every line end of the output); line comments lose trailing blanks.
 */
import { reservedWords } from './tokens.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/diagnostic.js';
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

/**
 * A piece of a statement's layout: one or more lines, and the source span
 * printed at the end of its last line (`anchor`), which end-of-line comments
 * are kept after (see `formatFile`). Lines without a span of their own (a
 * lone `AS`, `SELECT` above its items) have no anchor; the `)` closing a
 * list of one item per line has none either, but is `closing`: comments on
 * their own lines after the list's last item stay above it.
 */
interface Item {
  readonly lines: readonly string[];
  readonly anchor?: Span | undefined;
  /** Other spans printed on the item's (one) line: a comment after one of them on its source line ends this line too. */
  readonly also?: readonly (Span | undefined)[];
  readonly closing?: boolean;
  /** The width the line is padded to before an end-of-line comment: the comments of a list's lines line up. */
  readonly align?: number;
}

/** One item per element line, their end-of-line comments aligned. */
function aligned(lines: readonly string[], spans: readonly Span[]): Item[] {
  const width = Math.max(...lines.map((l) => l.length));
  return lines.map((l, i) => ({ lines: [l], anchor: spans[i], align: width }));
}

const item = (line: string, anchor?: Span, also?: readonly (Span | undefined)[]): Item => ({ lines: [line], anchor, ...(also ? { also } : {}) });

function metaItems(m: A.Metadata, indent = ''): Item[] {
  const items: Item[] = [];
  if (m.description) items.push(item(`${indent}DESCRIPTION ${formatString(m.description.value)}`, m.description.span));
  if (m.owner) items.push(item(`${indent}OWNER ${formatString(m.owner.value)}`, m.owner.span));
  if (m.tags) items.push(item(`${indent}TAGS (${m.tags.map((t) => formatString(t.value)).join(', ')})`, m.tags[m.tags.length - 1]?.span));
  return items;
}

function columnDef(c: A.ColumnDef, pad = 0): string {
  return `${formatIdentifier(c.name).padEnd(pad)} ${formatType(c.type)}${c.notNull ? ' NOT NULL' : ''}`;
}

/** `head (a, b)` when it fits in WIDTH columns (anchored at the last element), else one element per line. */
function list(head: string, headAnchor: Span | undefined, elements: readonly { readonly text: string; readonly span: Span }[], indent: string): Item[] {
  const flat = `${indent}${head} (${elements.map((e) => e.text).join(', ')})`;
  if (flat.length <= WIDTH) return [item(flat, elements[elements.length - 1]?.span ?? headAnchor, [headAnchor, ...elements.map((e) => e.span)])];
  return [
    item(`${indent}${head} (`, headAnchor),
    ...aligned(
      elements.map((e, i) => `${indent}${INDENT}${e.text}${i < elements.length - 1 ? ',' : ''}`),
      elements.map((e) => e.span),
    ),
    { lines: [`${indent})`], closing: true },
  ];
}

function entityStatement(s: A.EntityStatement): Item[] {
  return [
    ...list(
      `CREATE ENTITY ${formatIdentifier(s.name)} KEY`,
      s.name.span,
      s.keys.map((k) => ({ text: columnDef(k), span: k.span })),
      '',
    ),
    ...metaItems(s, INDENT),
  ];
}

function origin(o: A.SourceOrigin): string {
  switch (o.kind) {
    case 'file':
      return `FROM FILE ${formatString(o.path.value)}${o.format ? ` FORMAT ${o.format.value}` : ''}`;
    case 'table':
      return `FROM TABLE ${o.name.map(formatIdentifier).join('.')}`;
    case 'stream':
      return 'FROM STREAM';
    case 'kafka':
      return `FROM KAFKA TOPIC ${formatString(o.topic.value)}${o.format ? ` FORMAT ${o.format.value}` : ''}`;
  }
}

function sourceStatement(s: A.SourceStatement): Item[] {
  const width = Math.max(...s.columns.map((c) => formatIdentifier(c.name).length));
  const items = [
    item(`CREATE SOURCE ${formatIdentifier(s.name)} (`, s.name.span),
    ...aligned(
      s.columns.map((c, i) => `${INDENT}${columnDef(c, width)}${i < s.columns.length - 1 ? ',' : ''}`),
      s.columns.map((c) => c.span),
    ),
  ];
  items.push({ lines: [')'], closing: true });
  items.push(item(`${INDENT}${origin(s.origin)}`, s.origin.span));
  if (s.eventTime) items.push(item(`${INDENT}EVENT TIME ${formatIdentifier(s.eventTime)}`, s.eventTime.span));
  if (s.available) items.push(item(`${INDENT}${availability(s.available)}`, s.available.span));
  return [...items, ...metaItems(s, INDENT)];
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

/** The SELECT clauses, each on its own line (an item each), at `indent`. */
function selectItems(q: A.Select, indent: string): Item[] {
  const head = `SELECT${q.distinct ? ' DISTINCT' : ''}`;
  const flat = `${indent}${head} ${q.items.map(selectItem).join(', ')}`;
  const items: Item[] = [];
  if (flat.length <= WIDTH) {
    items.push(item(flat, q.items[q.items.length - 1]?.span, q.items.map((i) => i.span)));
  } else {
    items.push(item(`${indent}${head}`));
    q.items.forEach((it, i) => {
      const comma = i < q.items.length - 1 ? ',' : '';
      if (it.kind === 'item') {
        items.push({ lines: exprLines(it.expr, indent + INDENT, '', `${it.alias ? ` AS ${formatIdentifier(it.alias)}` : ''}${comma}`), anchor: it.span });
      } else {
        items.push(item(`${indent}${INDENT}${selectItem(it)}${comma}`, it.span));
      }
    });
  }
  items.push(item(`${indent}FROM ${tableRef(q.from)}`, q.from.span));
  for (const j of q.joins) items.push(item(`${indent}${j.type === 'LEFT' ? 'LEFT JOIN' : 'JOIN'} ${tableRef(j.table)} ON ${formatExpr(j.on)}`, j.span));
  if (q.where) items.push(item(`${indent}WHERE ${formatExpr(q.where)}`, q.where.span));
  if (q.groupBy.length > 0) items.push(item(`${indent}GROUP BY ${q.groupBy.map(formatExpr).join(', ')}`, q.groupBy[q.groupBy.length - 1]!.span));
  if (q.having) items.push(item(`${indent}HAVING ${formatExpr(q.having)}`, q.having.span));
  return items;
}

/** The SELECT clauses, each on its own line, at `indent`. */
export function formatSelect(q: A.Select, indent = ''): string[] {
  return selectItems(q, indent).flatMap((i) => i.lines);
}

function availability(a: A.Availability): string {
  return a.kind === 'available_after' ? `AVAILABLE AFTER ${formatDuration(a.duration)}` : 'AVAILABLE AT END OF DAY';
}

function viewStatement(s: A.ViewStatement): Item[] {
  const first = `CREATE VIEW ${formatIdentifier(s.name)}${s.eventTime ? ` EVENT TIME ${formatIdentifier(s.eventTime)}` : ''}${s.available ? ` ${availability(s.available)}` : ''}`;
  const firstAnchor = (s.available ?? s.eventTime ?? s.name).span;
  const meta = metaItems(s, INDENT);
  const also = [s.name.span, s.eventTime?.span];
  const head = meta.length === 0 ? [item(`${first} AS`, firstAnchor, also)] : [item(first, firstAnchor, also), ...meta, item('AS')];
  return [...head, ...selectItems(s.query, '')];
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

function featureOrLabel(s: A.FeatureStatement | A.LabelStatement): Item[] {
  const items: Item[] = [
    item(`CREATE ${s.kind === 'feature' ? 'FEATURE' : 'LABEL'} ${formatIdentifier(s.name)}${formatVersion(s.version)}`, (s.version ?? s.name).span, [s.name.span]),
    item(`${INDENT}${entityBinding(s.entity)}`, s.entity.span),
    item(`${INDENT}FROM ${formatIdentifier(s.from)}`, s.from.span),
    { lines: exprLines(s.value, INDENT, 'AS ', ''), anchor: s.value.span },
  ];
  const clause = (text: string, anchor: Span) => items.push(item(`${INDENT}${text}`, anchor));
  if (s.where) clause(`WHERE ${formatExpr(s.where)}`, s.where.span);
  if (s.kind === 'feature') {
    if (s.window) clause(`WINDOW ${formatDuration(s.window)}`, s.window.span);
    if (s.ttl) clause(`TTL ${formatDuration(s.ttl)}`, s.ttl.span);
    if (s.asOf) clause(`AS OF ${s.asOf.strict ? '<' : '<='} t`, s.asOf.span);
    if (s.fill) clause(fill(s.fill), s.fill.span);
    if (s.scale) clause(`SCALE ${s.scale.method}`, s.scale.span);
    if (s.oneHot) clause(oneHot(s.oneHot), s.oneHot.span);
  }
  return [...items, ...metaItems(s, INDENT)];
}

function versionedRef(r: A.VersionedRef): string {
  return `${formatIdentifier(r.name)}${formatVersion(r.version)}`;
}

function trainingSetStatement(s: A.TrainingSetStatement): Item[] {
  const items: Item[] = [
    item(`CREATE TRAINING SET ${formatIdentifier(s.name)}${formatVersion(s.version)}`, (s.version ?? s.name).span, [s.name.span]),
    item(`${INDENT}LABEL ${versionedRef(s.label)}`, s.label.span),
    ...list(
      'FEATURES',
      undefined,
      s.features.map((f) => ({ text: versionedRef(f), span: f.span })),
      INDENT,
    ),
  ];
  if (s.sample) {
    const text = NUMBER_TEXT.test(s.sample.percentText) ? s.sample.percentText : String(s.sample.percent);
    items.push(item(`${INDENT}SAMPLE ${text} PERCENT${s.sample.seed ? ` SEED ${formatInteger(s.sample.seed)}` : ''}`, s.sample.span));
  }
  return [...items, ...metaItems(s, INDENT)];
}

function statementItems(s: A.Statement): Item[] {
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
  return `${statementItems(s)
    .flatMap((i) => i.lines)
    .join('\n')};`;
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

/**
 * Where each comment inside a statement goes, as a slot: `2i` is a line of
 * its own just before item `i` (0: before the statement), `2i + 1` the end of
 * item `i`'s last line. A comment within a piece (inside an expression) goes
 * on its own line above that piece; a one-line comment that follows a piece
 * on that piece's line stays at the end of it; any other comment goes on its
 * own line before the next piece (a one-line comment after the last piece:
 * at the end of the last line, after the `;`). Slots never decrease in source order
 * (clauses are reordered, and the order of comments must be kept), nothing
 * follows a `--` comment on its line, and a multi-line comment never ends a
 * line of code. Undefined when that cannot be done: every comment then goes
 * before the statement.
 */
function commentSlots(items: readonly Item[], statementEnd: number, inner: readonly A.Comment[], trailing: boolean): number[] | undefined {
  const anchored = items.flatMap((it, i) => (it.anchor ? [i] : []));
  // Where each item stands in the source, for comments on lines of their own: its anchor's start; a
  // closing `)` just before the next anchored item (so after the list's last element).
  const at = items.map((it, i) => it.anchor?.start ?? (it.closing ? (items.slice(i + 1).find((x) => x.anchor)?.anchor?.start ?? statementEnd) - 0.5 : undefined));
  const placeable = items.flatMap((_it, i) => (at[i] !== undefined ? [i] : []));
  const lineComment = new Set<number>();
  const slots: number[] = [];
  let current = 0;
  for (const c of inner) {
    const oneLine = c.span.line === c.span.endLine;
    // Inside a piece (within an expression): on a line of its own, above that piece.
    let desired: number | undefined = anchored.find((i) => items[i]!.anchor!.start < c.span.start && c.span.start < items[i]!.anchor!.end);
    if (desired !== undefined) desired *= 2;
    else if (oneLine) {
      let end = -1;
      for (const i of anchored) {
        for (const a of [items[i]!.anchor, ...(items[i]!.also ?? [])]) {
          if (a && a.endLine === c.span.line && a.end <= c.span.start && a.end > end) {
            end = a.end;
            desired = 2 * i + 1;
          }
        }
      }
    }
    if (desired === undefined) {
      let start = Infinity;
      for (const i of placeable) {
        if (at[i]! >= c.span.end && at[i]! < start) {
          start = at[i]!;
          desired = 2 * i;
        }
      }
      // After the last piece (on a line of its own before the `;`): after the `;`.
      if (desired === undefined && oneLine && items[items.length - 1]!.anchor) desired = 2 * items.length - 1;
      if (desired === undefined) return undefined;
    }
    // Everything between a list's last element and what follows its `)` stays above the `)`.
    if (desired % 2 === 0 && items[desired / 2 - 1]?.closing) desired -= 2;
    let slot = Math.max(desired, current);
    if (slot % 2 === 1 && (!oneLine || lineComment.has((slot - 1) / 2))) {
      const next = placeable.find((i) => i > (slot - 1) / 2);
      if (next === undefined) return undefined;
      slot = 2 * next;
    }
    if (slot % 2 === 1 && c.text.startsWith('--')) lineComment.add((slot - 1) / 2);
    slots.push(slot);
    current = slot;
  }
  // The statement's last line ends with `;` and then its trailing comments: not after a `--`.
  if (trailing && lineComment.has(items.length - 1)) return undefined;
  return slots;
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
    const inner: A.Comment[] = [];
    while (ci < comments.length && comments[ci]!.span.start < s.span.end) inner.push(comments[ci++]!);
    // Trailing comments: after the `;`, on its line, before the next statement.
    const trailing: A.Comment[] = [];
    const nextStart = statements[i + 1]?.span.start ?? Infinity;
    while (ci < comments.length && comments[ci]!.span.line === s.span.endLine && comments[ci]!.span.start < nextStart) trailing.push(comments[ci++]!);

    const items = statementItems(s);
    const slots = commentSlots(items, s.span.end, inner, trailing.length > 0) ?? inner.map(() => 0);
    // Comments placed before the statement: each on its own line just above it.
    let above = 0;
    inner.forEach((c, k) => {
      if (slots[k] === 0) pieces.push({ text: commentText(c), before: above++ === 0 ? toStatement : '\n' });
    });
    const lines: string[] = [];
    items.forEach((it, j) => {
      // A comment above a closing `)` is indented like the list's elements.
      const indent = /^ */.exec(it.lines[0]!)![0] + (it.closing ? INDENT : '');
      if (j > 0) inner.forEach((c, k) => slots[k] === 2 * j && lines.push(`${indent}${commentText(c)}`));
      let last = `${it.lines[it.lines.length - 1]!}${j === items.length - 1 ? ';' : ''}`;
      let padded = false;
      inner.forEach((c, k) => {
        if (slots[k] !== 2 * j + 1) return;
        if (!padded && it.align !== undefined) last = last.padEnd(it.align);
        padded = true;
        last += ` ${commentText(c)}`;
      });
      lines.push(...it.lines.slice(0, -1), last);
    });
    let text = lines.join('\n');
    for (const c of trailing) text += ` ${commentText(c)}`;
    pieces.push({ text, before: above > 0 ? '\n' : toStatement });
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
