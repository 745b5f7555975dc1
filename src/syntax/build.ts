/**
 * CST → typed AST. Also the place for the checks that need no context:
 * type names, duration units, FILL/SCALE methods, clause repetition, literal
 * ranges and well-formed date/timestamp literals.
 */
import type { CstNode, IToken } from 'chevrotain';
import { error, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from './ast.js';
import { parseDateLiteral, parseTimestampLiteral } from './time-literals.js';

type Element = CstNode | IToken;

function isToken(e: Element): e is IToken {
  return (e as IToken).tokenType !== undefined;
}

function child(n: CstNode, key: string, i = 0): CstNode | undefined {
  const e = n.children[key]?.[i];
  return e !== undefined && !isToken(e) ? e : undefined;
}

function children(n: CstNode, key: string): CstNode[] {
  return (n.children[key] ?? []).filter((e): e is CstNode => !isToken(e));
}

function token(n: CstNode, key: string, i = 0): IToken | undefined {
  const e = n.children[key]?.[i];
  return e !== undefined && isToken(e) ? e : undefined;
}

function tokens(n: CstNode, key: string): IToken[] {
  return (n.children[key] ?? []).filter(isToken);
}

function startOf(e: Element): number {
  return isToken(e) ? e.startOffset : e.location!.startOffset;
}

/** All direct children, tokens and nodes, in source order. */
function ordered(n: CstNode): Element[] {
  return Object.values(n.children)
    .flat()
    .filter((e): e is Element => e !== undefined)
    .sort((a, b) => startOf(a) - startOf(b));
}

const TYPES: Record<string, A.ScalarType> = {
  boolean: 'BOOLEAN',
  bool: 'BOOLEAN',
  integer: 'INTEGER',
  int: 'INTEGER',
  bigint: 'INTEGER',
  double: 'DOUBLE',
  float: 'DOUBLE',
  real: 'DOUBLE',
  text: 'TEXT',
  varchar: 'TEXT',
  string: 'TEXT',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};
const SIZED_TYPES = new Set(['varchar', 'text', 'string']);
/** Types of other SQL dialects, and the fsql type to write instead (a plain did-you-mean would mislead: DATETIME is not DATE). */
const FOREIGN_TYPES: Record<string, A.ScalarType> = {
  datetime: 'TIMESTAMP',
  timestamptz: 'TIMESTAMP',
  decimal: 'DOUBLE',
  numeric: 'DOUBLE',
  number: 'DOUBLE',
  smallint: 'INTEGER',
  tinyint: 'INTEGER',
  char: 'TEXT',
  nvarchar: 'TEXT',
};

const UNITS: Record<string, { unit: A.DurationUnit; seconds: number }> = {
  second: { unit: 'SECOND', seconds: 1 },
  seconds: { unit: 'SECOND', seconds: 1 },
  minute: { unit: 'MINUTE', seconds: 60 },
  minutes: { unit: 'MINUTE', seconds: 60 },
  hour: { unit: 'HOUR', seconds: 3600 },
  hours: { unit: 'HOUR', seconds: 3600 },
  day: { unit: 'DAY', seconds: 86400 },
  days: { unit: 'DAY', seconds: 86400 },
  week: { unit: 'WEEK', seconds: 604800 },
  weeks: { unit: 'WEEK', seconds: 604800 },
};

const FILLS: readonly A.FillKind[] = ['MEAN', 'MEDIAN', 'MODE', 'ZERO'];
const SCALES: readonly A.ScaleKind[] = ['STANDARD', 'MINMAX', 'ROBUST', 'LOG'];
const FORMATS: Record<string, A.SourceFormat> = { csv: 'CSV', parquet: 'PARQUET', jsonl: 'JSONL', ndjson: 'JSONL' };
const DATE_PARTS: Record<string, A.DatePart> = {
  year: 'YEAR',
  quarter: 'QUARTER',
  month: 'MONTH',
  week: 'WEEK',
  day: 'DAY',
  dayofweek: 'DAYOFWEEK',
  dow: 'DAYOFWEEK',
  dayofyear: 'DAYOFYEAR',
  doy: 'DAYOFYEAR',
  hour: 'HOUR',
  minute: 'MINUTE',
  second: 'SECOND',
};

/** Join words fsql does not support; as bare table aliases they are almost certainly a join. */
const UNSUPPORTED_JOINS = new Set(['RIGHT', 'FULL', 'CROSS', 'NATURAL', 'OUTER']);

/** Offsets where lines start, with chevrotain's line terminators: `\n`, `\r\n` and a lone `\r`. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    private readonly text = '',
  ) {}

  // ---- spans ----------------------------------------------------------------

  tokenSpan(t: IToken): Span {
    return {
      file: this.file,
      start: t.startOffset,
      end: (t.endOffset ?? t.startOffset) + 1,
      line: t.startLine ?? 1,
      col: t.startColumn ?? 1,
      endLine: t.endLine ?? t.startLine ?? 1,
      endCol: t.endColumn ?? t.startColumn ?? 1,
    };
  }

  /**
   * The parser tracks only offsets for CST nodes (cheaper than full positions);
   * lines and columns come from an index of line starts, built once per file.
   */
  nodeSpan(n: CstNode): Span {
    const l = n.location!;
    const start = l.startOffset;
    const last = Number.isNaN(l.endOffset) || l.endOffset === undefined ? start : l.endOffset;
    const a = this.position(start);
    const b = this.position(last);
    return { file: this.file, start, end: last + 1, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }

  private lineStarts: number[] | undefined;

  /** 1-based line and column of an offset. */
  private position(offset: number): { line: number; col: number } {
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }

  private between(a: Span, b: Span): Span {
    return { file: this.file, start: a.start, end: b.end, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol };
  }

  private report(code: string, span: Span, message: string, hint?: string, related?: { span: Span; message: string }[]): void {
    this.diagnostics.push(error(code, span, message, hint, related));
  }

  // ---- leaves ---------------------------------------------------------------

  identifier(n: CstNode): A.Identifier {
    const t = token(n, 'Name')!;
    const span = this.tokenSpan(t);
    if (t.tokenType.name === 'QuotedIdentifier') {
      const text = t.image.slice(1, -1).replace(/""/g, '"');
      if (text.length === 0) this.report('E0108', span, 'a quoted identifier cannot be empty');
      return { kind: 'identifier', text, quoted: true, span };
    }
    return { kind: 'identifier', text: t.image, quoted: false, span };
  }

  string(t: IToken): A.StringLiteral {
    return { kind: 'string', value: t.image.slice(1, -1).replace(/''/g, "'"), span: this.tokenSpan(t) };
  }

  integer(t: IToken, what: string, min = 0): A.IntegerLiteral {
    const span = this.tokenSpan(t);
    const value = Number(t.image);
    if (!Number.isSafeInteger(value)) {
      this.report('E0108', span, `${what} \`${t.image}\` is too large`, `use a value up to ${Number.MAX_SAFE_INTEGER}`);
    } else if (value < min) {
      this.report('E0108', span, `${what} must be at least ${min}, found ${t.image}`);
    }
    return { kind: 'integer', value, span };
  }

  typeName(n: CstNode): A.TypeName {
    const id = this.identifier(child(n, 'name')!);
    const span = this.nodeSpan(n);
    const lower = id.text.toLowerCase();
    const type = id.quoted ? undefined : TYPES[lower];
    if (type === undefined) {
      const foreign = id.quoted ? undefined : FOREIGN_TYPES[lower];
      this.report(
        'E0105',
        id.span,
        `unknown type \`${id.text}\``,
        (foreign ? `fsql has no ${id.text.toUpperCase()}; write ${foreign}` : didYouMean(id.text, Object.keys(TYPES).map((k) => k.toUpperCase()))) ??
          'the types are BOOLEAN, INTEGER, DOUBLE, TEXT, DATE and TIMESTAMP',
      );
      return { kind: 'type', type: 'TEXT', written: id.text, span };
    }
    if (token(n, 'LParen') && !SIZED_TYPES.has(lower)) {
      this.report('E0105', span, `type \`${id.text}\` takes no size or precision`, `write \`${id.text}\``);
    }
    return { kind: 'type', type, written: id.text, span };
  }

  duration(n: CstNode): A.Duration {
    const amount = this.integer(token(n, 'Integer')!, 'a duration', 1);
    const unitId = this.identifier(child(n, 'unit')!);
    const unit = unitId.quoted ? undefined : UNITS[unitId.text.toLowerCase()];
    if (unit === undefined) {
      this.report(
        'E0106',
        unitId.span,
        `unknown duration unit \`${unitId.text}\``,
        (/^(months?|years?)$/i.test(unitId.text) && !unitId.quoted
          ? `there are no ${unitId.text.toUpperCase().replace(/S$/, '')}S (their length varies); write days or weeks, e.g. \`30 DAYS\` or \`52 WEEKS\``
          : didYouMean(unitId.text, ['SECONDS', 'MINUTES', 'HOURS', 'DAYS', 'WEEKS'])) ??
          'durations are written like `30 SECONDS`, `15 MINUTES`, `6 HOURS`, `7 DAYS` or `2 WEEKS`',
      );
    }
    return {
      kind: 'duration',
      amount: amount.value,
      unit: unit?.unit ?? 'DAY',
      writtenUnit: unitId.text,
      seconds: amount.value * (unit?.seconds ?? 86400),
      span: this.nodeSpan(n),
    };
  }

  columnDef(n: CstNode): A.ColumnDef {
    return {
      kind: 'column_def',
      name: this.identifier(child(n, 'name')!),
      type: this.typeName(child(n, 'typeName')!),
      notNull: token(n, 'NOT') !== undefined,
      span: this.nodeSpan(n),
    };
  }

  columnList(n: CstNode): A.ColumnDef[] {
    return children(n, 'columnDef').map((c) => this.columnDef(c));
  }

  // ---- metadata & clause bookkeeping -----------------------------------------

  /** Tracks "each clause at most once" for one statement. */
  private clauseTracker(): (name: string, span: Span) => boolean {
    const seen = new Map<string, Span>();
    return (name, span) => {
      const first = seen.get(name);
      if (first) {
        this.report('E0107', span, `${name} is given twice`, `keep one ${name} clause`, [{ span: first, message: `first ${name} here` }]);
        return false;
      }
      seen.set(name, span);
      return true;
    };
  }

  private metaClause(n: CstNode, meta: Mutable<A.Metadata>, once: (name: string, span: Span) => boolean): void {
    const span = this.nodeSpan(n);
    const d = token(n, 'description');
    const o = token(n, 'owner');
    if (d) {
      if (once('DESCRIPTION', span)) meta.description = this.string(d);
    } else if (o) {
      if (once('OWNER', span)) meta.owner = this.string(o);
    } else if (once('TAGS', span)) {
      meta.tags = tokens(n, 'tag').map((t) => this.string(t));
    }
  }

  private eventTime(n: CstNode, once: (name: string, span: Span) => boolean): A.Identifier | undefined {
    return once('EVENT TIME', this.nodeSpan(n)) ? this.identifier(child(n, 'name')!) : undefined;
  }

  private version(n: CstNode | undefined): A.IntegerLiteral | undefined {
    return n ? this.integer(token(n, 'Integer')!, 'a version', 1) : undefined;
  }

  // ---- statements -------------------------------------------------------------

  statement(n: CstNode): A.Statement | undefined {
    const span = this.nodeSpan(n);
    const e = child(n, 'entity');
    if (e) return this.entity(e, span);
    const s = child(n, 'source');
    if (s) return this.source(s, span);
    const v = child(n, 'view');
    if (v) return this.view(v, span);
    const f = child(n, 'feature');
    if (f) return this.feature(f, span);
    const l = child(n, 'label');
    if (l) return this.label(l, span);
    const t = child(n, 'trainingSet');
    if (t) return this.trainingSet(t, span);
    return undefined;
  }

  private entity(n: CstNode, span: Span): A.EntityStatement {
    const meta: Mutable<A.Metadata> = {};
    const once = this.clauseTracker();
    for (const m of children(n, 'metaClause')) this.metaClause(m, meta, once);
    return {
      kind: 'entity',
      name: this.identifier(child(n, 'name')!),
      keys: this.columnList(child(n, 'columnList')!),
      ...meta,
      span,
    };
  }

  /** EVENT TIME and metadata of a source or view, in any order, each at most once. */
  private relationClauses(n: CstNode): { meta: Mutable<A.Metadata>; eventTime: A.Identifier | undefined } {
    const meta: Mutable<A.Metadata> = {};
    const once = this.clauseTracker();
    let eventTime: A.Identifier | undefined;
    for (const c of ordered(n)) {
      if (isToken(c)) continue;
      if (c.name === 'eventTime') eventTime = this.eventTime(c, once) ?? eventTime;
      else if (c.name === 'metaClause') this.metaClause(c, meta, once);
    }
    return { meta, eventTime };
  }

  private source(n: CstNode, span: Span): A.SourceStatement {
    const { meta, eventTime } = this.relationClauses(n);
    const out: Mutable<A.SourceStatement> = {
      kind: 'source',
      name: this.identifier(child(n, 'name')!),
      columns: this.columnList(child(n, 'columnList')!),
      origin: this.origin(child(n, 'origin')!),
      ...meta,
      span,
    };
    if (eventTime) out.eventTime = eventTime;
    return out;
  }

  private origin(n: CstNode): A.SourceOrigin {
    const span = this.nodeSpan(n);
    const path = token(n, 'StringLiteral');
    if (path) {
      const formatNode = child(n, 'format');
      if (!formatNode) return { kind: 'file', path: this.string(path), span };
      const id = this.identifier(formatNode);
      const value = id.quoted ? undefined : FORMATS[id.text.toLowerCase()];
      if (value === undefined) {
        this.report('E0110', id.span, `unknown file format \`${id.text}\``, didYouMean(id.text, ['CSV', 'PARQUET', 'JSONL']) ?? 'the formats are CSV, PARQUET and JSONL');
        return { kind: 'file', path: this.string(path), span };
      }
      return { kind: 'file', path: this.string(path), format: { value, span: id.span }, span };
    }
    const table = children(n, 'table');
    if (table.length > 0) return { kind: 'table', name: table.map((t) => this.identifier(t)), span };
    return { kind: 'stream', span };
  }

  private view(n: CstNode, span: Span): A.ViewStatement {
    const { meta, eventTime } = this.relationClauses(n);
    const out: Mutable<A.ViewStatement> = {
      kind: 'view',
      name: this.identifier(child(n, 'name')!),
      query: this.select(child(n, 'select')!),
      ...meta,
      span,
    };
    if (eventTime) out.eventTime = eventTime;
    return out;
  }

  private entityBinding(n: CstNode): A.EntityBinding {
    const list = child(n, 'nameList');
    const out: Mutable<A.EntityBinding> = { kind: 'entity_binding', entity: this.identifier(child(n, 'name')!), span: this.nodeSpan(n) };
    if (list) out.on = children(list, 'name').map((c) => this.identifier(c));
    return out;
  }

  private feature(n: CstNode, span: Span): A.FeatureStatement {
    const out: Mutable<A.FeatureStatement> = {
      kind: 'feature',
      name: this.identifier(child(n, 'name')!),
      entity: this.entityBinding(child(n, 'entityBinding')!),
      from: this.identifier(child(n, 'from')!),
      value: this.expression(child(n, 'expression')!),
      span,
    };
    const version = this.version(child(n, 'version'));
    if (version) out.version = version;
    const once = this.clauseTracker();
    for (const c of children(n, 'featureClause')) {
      const cspan = this.nodeSpan(c);
      const where = child(c, 'whereClause');
      const window = child(c, 'window');
      const ttl = child(c, 'ttl');
      const fill = child(c, 'fillValue');
      const scale = child(c, 'scale');
      const oneHot = child(c, 'oneHotSpec');
      const meta = child(c, 'metaClause');
      if (where) {
        if (once('WHERE', cspan)) out.where = this.expression(child(where, 'expression')!);
      } else if (window) {
        if (once('WINDOW', cspan)) out.window = this.duration(window);
      } else if (ttl) {
        if (once('TTL', cspan)) out.ttl = this.duration(ttl);
      } else if (fill) {
        if (once('FILL', cspan)) {
          const f = this.fill(fill, cspan);
          if (f) out.fill = f;
        }
      } else if (scale) {
        if (once('SCALE', cspan)) {
          const s = this.scale(scale, cspan);
          if (s) out.scale = s;
        }
      } else if (oneHot) {
        if (once('ONE_HOT', cspan)) out.oneHot = this.oneHot(oneHot, cspan);
      } else if (meta) {
        this.metaClause(meta, out, once);
      }
    }
    return out;
  }

  private fill(n: CstNode, span: Span): A.Fill | undefined {
    const lit = child(n, 'signedLiteral');
    if (lit) return { kind: 'fill_value', value: this.signedLiteral(lit), span };
    const id = this.identifier(child(n, 'name')!);
    const stat = FILLS.find((f) => f === id.text.toUpperCase());
    if (stat === undefined || id.quoted) {
      this.report(
        'E0109',
        id.span,
        `unknown FILL method \`${id.text}\``,
        (/^(avg|average)$/i.test(id.text) ? 'did you mean `MEAN`?' : didYouMean(id.text, FILLS)) ??
          "FILL takes MEAN, MEDIAN, MODE, ZERO or a literal value such as 0 or 'unknown'",
      );
      return undefined;
    }
    return { kind: 'fill_stat', stat, span };
  }

  private scale(n: CstNode, span: Span): (A.Encoding & { kind: 'scale' }) | undefined {
    const id = this.identifier(n);
    const method = SCALES.find((s) => s === id.text.toUpperCase());
    if (method === undefined || id.quoted) {
      this.report('E0109', id.span, `unknown SCALE method \`${id.text}\``, didYouMean(id.text, SCALES) ?? 'SCALE takes STANDARD, MINMAX, ROBUST or LOG');
      return undefined;
    }
    return { kind: 'scale', method, span };
  }

  private oneHot(n: CstNode, span: Span): A.Encoding & { kind: 'one_hot_top' | 'one_hot_values' } {
    const top = token(n, 'Integer');
    if (top) return { kind: 'one_hot_top', top: this.integer(top, 'ONE_HOT TOP', 1), span };
    return { kind: 'one_hot_values', values: children(n, 'signedLiteral').map((c) => this.signedLiteral(c)), span };
  }

  private label(n: CstNode, span: Span): A.LabelStatement {
    const out: Mutable<A.LabelStatement> = {
      kind: 'label',
      name: this.identifier(child(n, 'name')!),
      entity: this.entityBinding(child(n, 'entityBinding')!),
      from: this.identifier(child(n, 'from')!),
      value: this.expression(child(n, 'expression')!),
      span,
    };
    const version = this.version(child(n, 'version'));
    if (version) out.version = version;
    const once = this.clauseTracker();
    for (const c of ordered(n)) {
      if (isToken(c)) continue;
      if (c.name === 'whereClause') {
        if (once('WHERE', this.nodeSpan(c))) out.where = this.expression(child(c, 'expression')!);
      } else if (c.name === 'metaClause') {
        this.metaClause(c, out, once);
      }
    }
    return out;
  }

  private versionedRef(n: CstNode): A.VersionedRef {
    const out: Mutable<A.VersionedRef> = { kind: 'ref', name: this.identifier(child(n, 'name')!), span: this.nodeSpan(n) };
    const version = this.version(child(n, 'version'));
    if (version) out.version = version;
    return out;
  }

  private trainingSet(n: CstNode, span: Span): A.TrainingSetStatement {
    const out: Mutable<A.TrainingSetStatement> = {
      kind: 'training_set',
      name: this.identifier(child(n, 'name')!),
      label: this.versionedRef(child(n, 'label')!),
      features: children(n, 'features').map((c) => this.versionedRef(c)),
      span,
    };
    const version = this.version(child(n, 'version'));
    if (version) out.version = version;
    const once = this.clauseTracker();
    for (const c of ordered(n)) {
      if (isToken(c)) continue;
      if (c.name === 'sample') {
        if (once('SAMPLE', this.nodeSpan(c))) out.sample = this.sample(c);
      } else if (c.name === 'metaClause') {
        this.metaClause(c, out, once);
      }
    }
    return out;
  }

  private sample(n: CstNode): A.Sample {
    const t = token(n, 'Integer') ?? token(n, 'Decimal')!;
    const percent = Number(t.image);
    const span = this.nodeSpan(n);
    if (!(percent > 0 && percent <= 100)) {
      this.report('E0108', this.tokenSpan(t), `SAMPLE must be more than 0 and at most 100 PERCENT, found ${t.image}`);
    }
    const out: Mutable<A.Sample> = { kind: 'sample', percent, percentText: t.image, span };
    const seed = token(n, 'seed');
    if (seed) out.seed = this.integer(seed, 'a SEED');
    return out;
  }

  // ---- queries ----------------------------------------------------------------

  select(n: CstNode): A.Select {
    const out: Mutable<A.Select> = {
      kind: 'select',
      distinct: token(n, 'DISTINCT') !== undefined,
      items: children(n, 'selectItem').map((c) => this.selectItem(c)),
      from: this.tableRef(child(n, 'tableRef')!),
      joins: children(n, 'join').map((c) => this.join(c)),
      groupBy: children(n, 'groupBy').map((c) => this.expression(c)),
      span: this.nodeSpan(n),
    };
    const where = child(n, 'whereClause');
    if (where) out.where = this.expression(child(where, 'expression')!);
    const having = child(n, 'having');
    if (having) out.having = this.expression(having);
    return out;
  }

  private selectItem(n: CstNode): A.SelectItem {
    const span = this.nodeSpan(n);
    const expr = child(n, 'expression');
    if (expr) {
      const alias = child(n, 'alias');
      const item: Mutable<A.SelectItem & { kind: 'item' }> = { kind: 'item', expr: this.expression(expr), span };
      if (alias) item.alias = this.identifier(alias);
      return item;
    }
    const table = child(n, 'table');
    return table ? { kind: 'star', table: this.identifier(table), span } : { kind: 'star', span };
  }

  private tableRef(n: CstNode): A.TableRef {
    const out: Mutable<A.TableRef> = { kind: 'table_ref', name: this.identifier(child(n, 'name')!), span: this.nodeSpan(n) };
    const alias = child(n, 'alias');
    if (alias) {
      const id = this.identifier(alias);
      // `FROM t RIGHT JOIN u` would otherwise read RIGHT as an alias of t.
      const word = id.quoted ? '' : id.text.toUpperCase();
      if (!token(n, 'AS') && UNSUPPORTED_JOINS.has(word)) {
        this.report('E0112', id.span, `${word} JOIN is not supported`, 'views support JOIN (inner) and LEFT [OUTER] JOIN; quote the name to use it as an alias');
      } else {
        out.alias = id; // (not RIGHT: t keeps its name, so `t.x` is not reported again as an unknown alias)
      }
    }
    return out;
  }

  private join(n: CstNode): A.Join {
    return {
      kind: 'join',
      type: token(n, 'LEFT') ? 'LEFT' : 'INNER',
      table: this.tableRef(child(n, 'tableRef')!),
      on: this.expression(child(n, 'expression')!),
      span: this.nodeSpan(n),
    };
  }

  // ---- expressions --------------------------------------------------------------

  expression(n: CstNode): A.Expr {
    return this.leftAssociative(n, (c) => this.andExpression(c));
  }

  private andExpression(n: CstNode): A.Expr {
    return this.leftAssociative(n, (c) => this.notExpression(c));
  }

  /** Folds `operands[0] op[0] operands[1] op[1] …` to the left. */
  private leftAssociative(n: CstNode, sub: (c: CstNode) => A.Expr): A.Expr {
    const operands = children(n, 'operands');
    const operators = tokens(n, 'operators');
    let left = sub(operands[0]!);
    for (let i = 0; i < operators.length; i++) {
      const right = sub(operands[i + 1]!);
      const op = operators[i]!;
      left = {
        kind: 'binary',
        op: op.image.toUpperCase() as A.BinaryOp,
        left,
        right,
        opSpan: this.tokenSpan(op),
        span: this.between(left.span, right.span),
      };
    }
    return left;
  }

  private notExpression(n: CstNode): A.Expr {
    const inner = child(n, 'notExpression');
    if (inner) {
      const operand = this.notExpression(inner);
      return { kind: 'unary', op: 'NOT', operand, span: this.nodeSpan(n) };
    }
    return this.predicate(child(n, 'predicate')!);
  }

  private predicate(n: CstNode): A.Expr {
    const operand = this.additive(child(n, 'operand')!);
    const span = this.nodeSpan(n);
    const comparison = token(n, 'comparison');
    if (comparison) {
      const right = this.additive(child(n, 'right')!);
      const op = (comparison.image === '!=' ? '<>' : comparison.image) as A.ComparisonOp;
      return { kind: 'binary', op, left: operand, right, opSpan: this.tokenSpan(comparison), span };
    }
    if (token(n, 'IS')) return { kind: 'is_null', operand, negated: token(n, 'isNot') !== undefined, span };
    const negated = token(n, 'negated') !== undefined;
    if (token(n, 'IN')) return { kind: 'in', operand, list: children(n, 'list').map((c) => this.expression(c)), negated, span };
    if (token(n, 'BETWEEN')) {
      return { kind: 'between', operand, low: this.additive(child(n, 'low')!), high: this.additive(child(n, 'high')!), negated, span };
    }
    if (token(n, 'LIKE')) return { kind: 'like', operand, pattern: this.additive(child(n, 'pattern')!), negated, span };
    return operand;
  }

  private additive(n: CstNode): A.Expr {
    return this.leftAssociative(n, (c) => this.multiplicative(c));
  }

  private multiplicative(n: CstNode): A.Expr {
    return this.leftAssociative(n, (c) => this.unary(c));
  }

  private unary(n: CstNode): A.Expr {
    const sign = token(n, 'sign');
    if (sign) {
      const operand = this.unary(child(n, 'unary')!);
      return { kind: 'unary', op: sign.image as '-' | '+', operand, span: this.nodeSpan(n) };
    }
    return this.primary(child(n, 'primary')!);
  }

  private primary(n: CstNode): A.Expr {
    const span = this.nodeSpan(n);
    const lit = child(n, 'literal');
    if (lit) return this.literal(lit);
    const c = child(n, 'caseExpression');
    if (c) return this.caseExpression(c);
    const cast = child(n, 'castExpression');
    if (cast) {
      return { kind: 'cast', operand: this.expression(child(cast, 'expression')!), type: this.typeName(child(cast, 'typeName')!), span };
    }
    const ex = child(n, 'extractExpression');
    if (ex) return this.extract(ex);
    const inner = child(n, 'expression');
    if (inner) return { kind: 'paren', inner: this.expression(inner), span };
    return this.nameExpression(child(n, 'nameExpression')!);
  }

  private caseExpression(n: CstNode): A.Case {
    const whens = children(n, 'when');
    const thens = children(n, 'then');
    const out: Mutable<A.Case> = {
      kind: 'case',
      whens: whens.map((w, i) => ({ when: this.expression(w), then: this.expression(thens[i]!) })),
      span: this.nodeSpan(n),
    };
    const operand = child(n, 'operand');
    if (operand) out.operand = this.expression(operand);
    const otherwise = child(n, 'else');
    if (otherwise) out.else = this.expression(otherwise);
    return out;
  }

  private extract(n: CstNode): A.Extract {
    const id = this.identifier(child(n, 'part')!);
    const part = id.quoted ? undefined : DATE_PARTS[id.text.toLowerCase()];
    if (part === undefined) {
      this.report(
        'E0106',
        id.span,
        `unknown date part \`${id.text}\``,
        didYouMean(id.text, Object.values(DATE_PARTS)) ?? `EXTRACT takes ${[...new Set(Object.values(DATE_PARTS))].join(', ')}`,
      );
    }
    return {
      kind: 'extract',
      part: part ?? 'YEAR',
      partSpan: id.span,
      writtenPart: id.text,
      operand: this.expression(child(n, 'expression')!),
      span: this.nodeSpan(n),
    };
  }

  private nameExpression(n: CstNode): A.Expr {
    const span = this.nodeSpan(n);
    const first = this.identifier(child(n, 'name')!);
    const column = child(n, 'column');
    if (column) return { kind: 'column', table: first, name: this.identifier(column), span };
    if (token(n, 'LParen')) {
      return {
        kind: 'call',
        name: first,
        args: children(n, 'args').map((c) => this.expression(c)),
        distinct: token(n, 'DISTINCT') !== undefined,
        star: token(n, 'Star') !== undefined,
        span,
      };
    }
    return { kind: 'column', name: first, span };
  }

  literal(n: CstNode): A.Literal {
    const span = this.nodeSpan(n);
    const int = token(n, 'Integer');
    if (int) {
      const value = Number(int.image);
      if (!Number.isSafeInteger(value)) {
        this.report('E0108', span, `integer \`${int.image}\` is too large`, 'write it as a decimal (with a `.`) to make it a DOUBLE');
      }
      return { kind: 'literal', type: 'INTEGER', value, text: int.image, span };
    }
    const dec = token(n, 'Decimal');
    if (dec) {
      const value = Number(dec.image);
      if (!Number.isFinite(value)) this.report('E0108', span, `number \`${dec.image}\` is out of range`);
      return { kind: 'literal', type: 'DOUBLE', value, text: dec.image, span };
    }
    if (token(n, 'TRUE')) return { kind: 'literal', type: 'BOOLEAN', value: true, text: 'TRUE', span };
    if (token(n, 'FALSE')) return { kind: 'literal', type: 'BOOLEAN', value: false, text: 'FALSE', span };
    if (token(n, 'NULL')) return { kind: 'literal', type: 'NULL', value: null, text: 'NULL', span };
    const date = token(n, 'date');
    if (date) {
      const raw = this.string(date).value;
      const value = parseDateLiteral(raw);
      if (value === undefined) this.report('E0111', this.tokenSpan(date), `invalid DATE literal '${raw}'`, "write dates as 'YYYY-MM-DD', e.g. DATE '2024-03-01'");
      return { kind: 'literal', type: 'DATE', value: value ?? raw, text: date.image, span };
    }
    const ts = token(n, 'timestamp');
    if (ts) {
      const raw = this.string(ts).value;
      const value = parseTimestampLiteral(raw);
      if (value === undefined) {
        this.report('E0111', this.tokenSpan(ts), `invalid TIMESTAMP literal '${raw}'`, "write timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]', e.g. TIMESTAMP '2024-03-01 14:05:00'");
      }
      return { kind: 'literal', type: 'TIMESTAMP', value: value ?? raw, text: ts.image, span };
    }
    const str = token(n, 'StringLiteral')!;
    return { kind: 'literal', type: 'TEXT', value: this.string(str).value, text: str.image, span };
  }

  signedLiteral(n: CstNode): A.Literal {
    const lit = this.literal(child(n, 'literal')!);
    const sign = token(n, 'sign');
    if (!sign) return lit;
    const span = this.nodeSpan(n);
    if (lit.type === 'INTEGER' || lit.type === 'DOUBLE') {
      const value = sign.image === '-' ? -lit.value : lit.value;
      return { ...lit, value: Object.is(value, -0) ? 0 : value, text: `${sign.image}${lit.text}`, span };
    }
    this.report('E0108', this.tokenSpan(sign), `a sign cannot go before ${lit.type === 'NULL' ? 'NULL' : `a ${lit.type} value`}`);
    return lit;
  }
}
