/**
 * The AST builder: the parser's semantic actions (src/syntax/parser.ts calls it
 * as it recognises each piece, with the tokens and the pieces already built)
 * make the typed AST of ast.ts here. Also the place for the checks that need
 * no context: type names, duration units, FILL/SCALE methods, clause
 * repetition, literal ranges and well-formed date/timestamp literals.
 *
 * Spans: tokens carry offsets only; lines and columns come from an index of
 * the file's line starts. A node's span runs from the start of its first token
 * to the end of its last.
 *
 * Diagnostics: a statement's are held until the parser has recognised all of
 * it, and kept only if it parsed (`beginStatement` / `endStatement`). Clauses
 * that may be given once (WHERE, WINDOW, DESCRIPTION, …) are built as they are
 * parsed, with their diagnostics set aside (`mark` / `clause`): a clause given
 * twice is reported as such, and what is wrong inside the second one is not.
 */
import type { IToken, TokenType } from 'chevrotain';
import * as T from './tokens.js';
import { error, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from './ast.js';
import { parseDateLiteral, parseTimestampLiteral } from './time-literals.js';

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
/**
 * Characters a quoted name may not hold: control characters (C0, DEL, C1,
 * among them every line break), the Unicode line and paragraph separators,
 * and the bidirectional overrides and isolates that make text display in
 * another order than it reads.
 */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

const CHARACTER_NAMES: Record<number, string> = { 0x09: 'TAB', 0x0a: 'LINE FEED', 0x0d: 'CARRIAGE RETURN', 0x00: 'NUL', 0x1b: 'ESCAPE', 0x2028: 'LINE SEPARATOR', 0x2029: 'PARAGRAPH SEPARATOR' };

/** `U+000A (LINE FEED)`, for a character that cannot be shown as itself. */
export function describeCharacter(c: string): string {
  const code = c.codePointAt(0)!;
  const name = CHARACTER_NAMES[code];
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return name ? `${hex} (${name})` : `the control character ${hex}`;
}

const UNSUPPORTED_JOINS = new Set(['RIGHT', 'FULL', 'CROSS', 'NATURAL', 'OUTER']);

/** How tightly each binary operator of a flat chain binds (a higher number binds tighter); all associate to the left. */
const PRECEDENCE = new Map<TokenType, number>([
  [T.Or, 1],
  [T.And, 2],
  [T.Plus, 3],
  [T.Minus, 3],
  [T.Concat, 3],
  [T.Star, 4],
  [T.Slash, 4],
  [T.PercentSign, 4],
]);

/** Offsets where lines start, with chevrotain's line terminators: `\n`, `\r\n` and a lone `\r`. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  if (!text.includes('\r')) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The span a statement has until its `;` is parsed (src/syntax/parser.ts sets the real one). */
const PENDING_SPAN: Span = Object.freeze({ file: '', start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 });

/** A clause that may be given at most once, built, with the diagnostics of what is inside it. */
export type Clause =
  | ClauseOf<'WHERE', A.Expr>
  | ClauseOf<'WINDOW' | 'TTL', A.Duration>
  | ClauseOf<'FILL', A.Fill | undefined>
  | ClauseOf<'SCALE', (A.Encoding & { kind: 'scale' }) | undefined>
  | ClauseOf<'ONE_HOT', A.Encoding & { kind: 'one_hot_top' | 'one_hot_values' }>
  | ClauseOf<'DESCRIPTION' | 'OWNER', A.StringLiteral>
  | ClauseOf<'TAGS', A.StringLiteral[]>
  | ClauseOf<'EVENT TIME', A.Identifier>
  | ClauseOf<'AVAILABLE', A.Availability | undefined>
  | ClauseOf<'AS OF', A.AsOf | undefined>
  | ClauseOf<'SAMPLE', A.Sample>;

interface ClauseOf<N extends string, V> {
  readonly name: N;
  readonly value: V;
  readonly span: Span;
  /** What was reported while building the clause; kept only if the clause is (the first of its name). */
  readonly diagnostics: Diagnostic[] | undefined;
}

/** What a statement's clauses say (undefined: not given, or given but not valid). */
interface ClauseValues {
  readonly where: A.Expr | undefined;
  readonly window: A.Duration | undefined;
  readonly ttl: A.Duration | undefined;
  readonly fill: A.Fill | undefined;
  readonly scale: (A.Encoding & { kind: 'scale' }) | undefined;
  readonly oneHot: (A.Encoding & { kind: 'one_hot_top' | 'one_hot_values' }) | undefined;
  readonly description: A.StringLiteral | undefined;
  readonly owner: A.StringLiteral | undefined;
  readonly tags: A.StringLiteral[] | undefined;
  readonly eventTime: A.Identifier | undefined;
  readonly available: A.Availability | undefined;
  readonly asOf: A.AsOf | undefined;
  readonly sample: A.Sample | undefined;
}

const NO_CLAUSES: ClauseValues = Object.freeze({
  where: undefined,
  window: undefined,
  ttl: undefined,
  fill: undefined,
  scale: undefined,
  oneHot: undefined,
  description: undefined,
  owner: undefined,
  tags: undefined,
  eventTime: undefined,
  available: undefined,
  asOf: undefined,
  sample: undefined,
});

/** What follows the first operand of a predicate: `= b`, `IS [NOT] NULL`, `[NOT] IN (…)`, `[NOT] BETWEEN …`, `[NOT] LIKE …`. */
export type PredicateTail =
  | { readonly kind: 'comparison'; readonly op: IToken; readonly right: A.Expr }
  | { readonly kind: 'is_null'; readonly negated: boolean }
  | { readonly kind: 'in'; negated: boolean; readonly list: A.Expr[] }
  | { readonly kind: 'between'; negated: boolean; readonly low: A.Expr; readonly high: A.Expr }
  | { readonly kind: 'like'; negated: boolean; readonly pattern: A.Expr };

/** The parenthesised part of a call: `(*)`, `(DISTINCT a, b)`, `()`. */
export interface CallArguments {
  readonly args: A.Expr[];
  readonly distinct: boolean;
  readonly star: boolean;
}

export class AstBuilder {
  /** Diagnostics of the statements that parsed, in the order they were reported. */
  readonly diagnostics: Diagnostic[] = [];
  /** The current statement's diagnostics, until it has parsed. */
  private pending: Diagnostic[] = [];

  constructor(
    readonly file: string,
    private readonly text = '',
  ) {}

  // ---- statements and their diagnostics ---------------------------------------

  beginStatement(): void {
    this.pending = [];
  }

  /** Keeps the statement's diagnostics when it parsed, drops them when it did not. */
  endStatement(parsed: boolean): void {
    if (parsed) for (const d of this.pending) this.diagnostics.push(d);
    this.pending = [];
  }

  /** Where the diagnostics of a clause about to be parsed begin. */
  mark(): number {
    return this.pending.length;
  }

  /** A clause parsed since `mark`, taking the diagnostics reported since. */
  clause<C extends Clause>(name: C['name'], value: C['value'], span: Span, mark: number): C {
    const diagnostics = this.pending.length > mark ? this.pending.splice(mark) : undefined;
    return { name, value, span, diagnostics } as C;
  }

  private report(code: string, span: Span, message: string, hint?: string, related?: { span: Span; message: string }[]): void {
    this.pending.push(error(code, span, message, hint, related));
  }

  // ---- spans ----------------------------------------------------------------

  private lineStarts: number[] | undefined;
  /** The line (0-based) of the last lookup: lookups mostly move forward a little. */
  private lastLine = 0;

  /** The 0-based line of an offset. */
  private lineOf(offset: number): number {
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let line = this.lastLine;
    if (starts[line]! <= offset) {
      // At or after the last line: a short walk forward, else a binary search.
      for (let i = 0; i < 4; i++) {
        if (line + 1 >= starts.length || starts[line + 1]! > offset) return (this.lastLine = line);
        line++;
      }
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return (this.lastLine = lo);
  }

  /** The span from offset `start` to the character at offset `last` (inclusive). */
  private offsetSpan(start: number, last: number): Span {
    const a = this.lineOf(start);
    const b = this.lineOf(last);
    const starts = this.lineStarts!;
    return { file: this.file, start, end: last + 1, line: a + 1, col: start - starts[a]! + 1, endLine: b + 1, endCol: last - starts[b]! + 1 };
  }

  tokenSpan(t: IToken): Span {
    return this.offsetSpan(t.startOffset, t.endOffset ?? t.startOffset);
  }

  /** From the first character of `first` to the last of `last`. */
  span(first: IToken, last: IToken): Span {
    return this.offsetSpan(first.startOffset, last.endOffset ?? last.startOffset);
  }

  /** From the start of `start` to the last character of `last`. */
  spanFrom(start: Span, last: IToken): Span {
    const end = (last.endOffset ?? last.startOffset) + 1;
    if (end === start.end) return { ...start };
    const b = this.lineOf(end - 1);
    return { file: this.file, start: start.start, end, line: start.line, col: start.col, endLine: b + 1, endCol: end - 1 - this.lineStarts![b]! + 1 };
  }

  /** From the first character of `first` to the end of `end`. */
  spanTo(first: IToken, end: Span): Span {
    const a = this.lineOf(first.startOffset);
    return { file: this.file, start: first.startOffset, end: end.end, line: a + 1, col: first.startOffset - this.lineStarts![a]! + 1, endLine: end.endLine, endCol: end.endCol };
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; col: number } {
    const line = this.lineOf(offset);
    return { line: line + 1, col: offset - this.lineStarts![line]! + 1 };
  }

  private between(a: Span, b: Span): Span {
    return { file: this.file, start: a.start, end: b.end, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol };
  }

  // ---- leaves ---------------------------------------------------------------

  identifier(t: IToken): A.Identifier {
    const span = this.tokenSpan(t);
    if (t.tokenType === T.QuotedIdentifier) {
      const text = t.image.slice(1, -1).replace(/""/g, '"');
      if (text.length === 0) this.report('E0108', span, 'a quoted identifier cannot be empty');
      const bad = UNPRINTABLE.exec(t.image);
      if (bad) {
        // A name reaches SQL comments (`fsql compile`), file headers and terminal
        // messages, where a line break or a control character would end the
        // comment, split the header or rewrite the screen: refused at the source.
        const at = t.startOffset + bad.index;
        this.report('E0101', this.offsetSpan(at, at), `a quoted name cannot contain ${describeCharacter(bad[0])}`, 'names hold printable characters only: remove it (text with line breaks goes in a \'string\')');
      }
      return { kind: 'identifier', text, quoted: true, span };
    }
    return { kind: 'identifier', text: t.image, quoted: false, span };
  }

  string(t: IToken): A.StringLiteral {
    return { kind: 'string', value: unquote(t.image), span: this.tokenSpan(t) };
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

  version(t: IToken): A.IntegerLiteral {
    return this.integer(t, 'a version', 1);
  }

  /** `name [(size, …)]`: `sized` when a size was given. */
  typeName(name: IToken, sized: boolean, span: Span): A.TypeName {
    const id = this.identifier(name);
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
    if (sized && !SIZED_TYPES.has(lower)) {
      this.report('E0105', span, `type \`${id.text}\` takes no size or precision`, `write \`${id.text}\``);
    }
    return { kind: 'type', type, written: id.text, span };
  }

  duration(amountToken: IToken, unitToken: IToken): A.Duration {
    const amount = this.integer(amountToken, 'a duration', 1);
    const unitId = this.identifier(unitToken);
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
      span: this.span(amountToken, unitToken),
    };
  }

  columnDef(name: A.Identifier, type: A.TypeName, notNull: boolean, last: IToken): A.ColumnDef {
    return { kind: 'column_def', name, type, notNull, span: this.spanFrom(name.span, last) };
  }

  // ---- clauses ------------------------------------------------------------------

  /** Reused by clauseValues (whose result is read at once, never kept). */
  private readonly clauseScratch: Mutable<ClauseValues> = { ...NO_CLAUSES };

  /**
   * The clauses' values: the first clause of each name, with its diagnostics;
   * a later one is reported as given twice.
   */
  private clauseValues(clauses: readonly Clause[]): ClauseValues {
    if (clauses.length === 0) return NO_CLAUSES;
    const out: Mutable<ClauseValues> = Object.assign(this.clauseScratch, NO_CLAUSES);
    for (let i = 0; i < clauses.length; i++) {
      const c = clauses[i]!;
      let first = c;
      for (let j = 0; j < i && first === c; j++) if (clauses[j]!.name === c.name) first = clauses[j]!;
      if (first !== c) {
        const name = c.name;
        this.report('E0107', c.span, `${name} is given twice`, `keep one ${name} clause`, [{ span: first.span, message: `first ${name} here` }]);
        continue;
      }
      if (c.diagnostics) for (const d of c.diagnostics) this.pending.push(d);
      switch (c.name) {
        case 'WHERE':
          out.where = c.value;
          break;
        case 'WINDOW':
          out.window = c.value;
          break;
        case 'TTL':
          out.ttl = c.value;
          break;
        case 'FILL':
          out.fill = c.value;
          break;
        case 'SCALE':
          out.scale = c.value;
          break;
        case 'ONE_HOT':
          out.oneHot = c.value;
          break;
        case 'DESCRIPTION':
          out.description = c.value;
          break;
        case 'OWNER':
          out.owner = c.value;
          break;
        case 'TAGS':
          out.tags = c.value;
          break;
        case 'EVENT TIME':
          out.eventTime = c.value;
          break;
        case 'AVAILABLE':
          out.available = c.value;
          break;
        case 'AS OF':
          out.asOf = c.value;
          break;
        case 'SAMPLE':
          out.sample = c.value;
          break;
      }
    }
    return out;
  }

  /** DESCRIPTION, OWNER and TAGS, when given. */
  private setMetadata(out: Mutable<A.Metadata>, c: ClauseValues): void {
    if (c.description) out.description = c.description;
    if (c.owner) out.owner = c.owner;
    if (c.tags) out.tags = c.tags;
  }

  fill(value: A.Literal | A.Identifier, span: Span): A.Fill | undefined {
    if (value.kind === 'literal') return { kind: 'fill_value', value, span };
    const stat = FILLS.find((f) => f === value.text.toUpperCase());
    if (stat === undefined || value.quoted) {
      this.report(
        'E0109',
        value.span,
        `unknown FILL method \`${value.text}\``,
        (/^(avg|average)$/i.test(value.text) ? 'did you mean `MEAN`?' : didYouMean(value.text, FILLS)) ??
          "FILL takes MEAN, MEDIAN, MODE, ZERO or a literal value such as 0 or 'unknown'",
      );
      return undefined;
    }
    return { kind: 'fill_stat', stat, span };
  }

  scale(methodToken: IToken, span: Span): (A.Encoding & { kind: 'scale' }) | undefined {
    const id = this.identifier(methodToken);
    const method = SCALES.find((s) => s === id.text.toUpperCase());
    if (method === undefined || id.quoted) {
      this.report('E0109', id.span, `unknown SCALE method \`${id.text}\``, didYouMean(id.text, SCALES) ?? 'SCALE takes STANDARD, MINMAX, ROBUST or LOG');
      return undefined;
    }
    return { kind: 'scale', method, span };
  }

  /** `ONE_HOT TOP n` (the integer token) or `ONE_HOT (values)`. */
  oneHot(spec: IToken | A.Literal[], span: Span): A.Encoding & { kind: 'one_hot_top' | 'one_hot_values' } {
    if (Array.isArray(spec)) return { kind: 'one_hot_values', values: spec, span };
    return { kind: 'one_hot_top', top: this.integer(spec, 'ONE_HOT TOP', 1), span };
  }

  /** `AVAILABLE AFTER <duration>`, or `AVAILABLE AT END OF <unit>` (the unit must be DAY). */
  availability(spec: A.Duration | IToken, span: Span): A.Availability | undefined {
    if (!('image' in spec)) return { kind: 'available_after', duration: spec, span };
    const unit = this.identifier(spec);
    if (unit.quoted || unit.text.toUpperCase() !== 'DAY') {
      this.report('E0103', unit.span, `expected DAY after \`AT END OF\`, found \`${unit.text}\``, 'write `AVAILABLE AT END OF DAY`, or `AVAILABLE AFTER <duration>` for any other delay');
      return undefined;
    }
    return { kind: 'available_end_of_day', span };
  }

  /** `AS OF < t` (strict) or `AS OF <= t`: `name` must be the letter t, the time asked. */
  asOf(op: IToken, name: IToken, span: Span): A.AsOf | undefined {
    const t = this.identifier(name);
    if (t.quoted || t.text.toLowerCase() !== 't') {
      this.report('E0103', t.span, `expected \`t\` (the time a feature is asked for), found \`${t.text}\``, 'write `AS OF < t` (rows strictly before the time asked) or `AS OF <= t` (the default)');
      return undefined;
    }
    return { kind: 'as_of', strict: op.tokenType === T.Less, span };
  }

  sample(percentToken: IToken, seedToken: IToken | undefined, span: Span): A.Sample {
    const percent = Number(percentToken.image);
    if (!(percent > 0 && percent <= 100)) {
      this.report('E0108', this.tokenSpan(percentToken), `SAMPLE must be more than 0 and at most 100 PERCENT, found ${percentToken.image}`);
    }
    const out: Mutable<A.Sample> = { kind: 'sample', percent, percentText: percentToken.image, span };
    if (seedToken) out.seed = this.integer(seedToken, 'a SEED');
    return out;
  }

  // ---- statements -------------------------------------------------------------
  // Each is made with PENDING_SPAN; the parser sets the statement's span once it has read the `;`.
  // Optional fields are set in one fixed order, not in the order the clauses were written: statements
  // then come in a few hundred object shapes rather than thousands, which the checker's reads like.

  entity(name: A.Identifier, keys: A.ColumnDef[], clauses: readonly Clause[]): A.EntityStatement {
    const c = this.clauseValues(clauses);
    const out: Mutable<A.EntityStatement> = { kind: 'entity', name, keys, span: PENDING_SPAN };
    this.setMetadata(out, c);
    return out;
  }

  source(name: A.Identifier, columns: A.ColumnDef[], origin: A.SourceOrigin, clauses: readonly Clause[]): A.SourceStatement {
    const c = this.clauseValues(clauses);
    const out: Mutable<A.SourceStatement> = { kind: 'source', name, columns, origin, span: PENDING_SPAN };
    if (c.eventTime) out.eventTime = c.eventTime;
    if (c.available) out.available = c.available;
    this.setMetadata(out, c);
    return out;
  }

  fileOrigin(path: IToken, formatToken: IToken | undefined, span: Span): A.SourceOrigin {
    if (!formatToken) return { kind: 'file', path: this.string(path), span };
    const id = this.identifier(formatToken);
    const value = id.quoted ? undefined : FORMATS[id.text.toLowerCase()];
    if (value === undefined) {
      this.report('E0110', id.span, `unknown file format \`${id.text}\``, didYouMean(id.text, ['CSV', 'PARQUET', 'JSONL']) ?? 'the formats are CSV, PARQUET and JSONL');
      return { kind: 'file', path: this.string(path), span };
    }
    return { kind: 'file', path: this.string(path), format: { value, span: id.span }, span };
  }

  tableOrigin(name: A.Identifier[], span: Span): A.SourceOrigin {
    return { kind: 'table', name, span };
  }

  streamOrigin(span: Span): A.SourceOrigin {
    return { kind: 'stream', span };
  }

  kafkaOrigin(topic: IToken, formatToken: IToken | undefined, span: Span): A.SourceOrigin {
    const t = this.string(topic);
    if (t.value === '') this.report('E0113', t.span, 'a Kafka topic name cannot be empty', "name the topic: FROM KAFKA TOPIC 'clicks'");
    else if (!/^[A-Za-z0-9._-]{1,249}$/.test(t.value)) {
      this.report('E0113', t.span, `'${t.value}' is not a Kafka topic name`, 'topic names are 1 to 249 letters, digits, `.`, `_` and `-`');
    }
    if (!formatToken) return { kind: 'kafka', topic: t, span };
    const id = this.identifier(formatToken);
    if (id.quoted || id.text.toUpperCase() !== 'JSON') {
      this.report('E0110', id.span, `unknown Kafka message format \`${id.text}\``, didYouMean(id.text, ['JSON']) ?? 'Kafka messages are read as JSON (FORMAT JSON)');
      return { kind: 'kafka', topic: t, span };
    }
    return { kind: 'kafka', topic: t, format: { value: 'JSON', span: id.span }, span };
  }

  view(name: A.Identifier, clauses: readonly Clause[], query: A.Select): A.ViewStatement {
    const c = this.clauseValues(clauses);
    const out: Mutable<A.ViewStatement> = { kind: 'view', name, query, span: PENDING_SPAN };
    if (c.eventTime) out.eventTime = c.eventTime;
    if (c.available) out.available = c.available;
    this.setMetadata(out, c);
    return out;
  }

  entityBinding(entity: A.Identifier, on: A.Identifier[] | undefined, span: Span): A.EntityBinding {
    const out: Mutable<A.EntityBinding> = { kind: 'entity_binding', entity, span };
    if (on) out.on = on;
    return out;
  }

  feature(
    name: A.Identifier,
    version: A.IntegerLiteral | undefined,
    entity: A.EntityBinding,
    from: A.Identifier,
    value: A.Expr,
    clauses: readonly Clause[],
  ): A.FeatureStatement {
    const c = this.clauseValues(clauses);
    const out: Mutable<A.FeatureStatement> = { kind: 'feature', name, entity, from, value, span: PENDING_SPAN };
    if (version) out.version = version;
    if (c.where) out.where = c.where;
    if (c.window) out.window = c.window;
    if (c.ttl) out.ttl = c.ttl;
    if (c.asOf) out.asOf = c.asOf;
    if (c.fill) out.fill = c.fill;
    if (c.scale) out.scale = c.scale;
    if (c.oneHot) out.oneHot = c.oneHot;
    this.setMetadata(out, c);
    return out;
  }

  label(
    name: A.Identifier,
    version: A.IntegerLiteral | undefined,
    entity: A.EntityBinding,
    from: A.Identifier,
    value: A.Expr,
    clauses: readonly Clause[],
  ): A.LabelStatement {
    const c = this.clauseValues(clauses);
    const out: Mutable<A.LabelStatement> = { kind: 'label', name, entity, from, value, span: PENDING_SPAN };
    if (version) out.version = version;
    if (c.where) out.where = c.where;
    this.setMetadata(out, c);
    return out;
  }

  versionedRef(name: A.Identifier, version: A.IntegerLiteral | undefined, last: IToken): A.VersionedRef {
    const out: Mutable<A.VersionedRef> = { kind: 'ref', name, span: this.spanFrom(name.span, last) };
    if (version) out.version = version;
    return out;
  }

  trainingSet(
    name: A.Identifier,
    version: A.IntegerLiteral | undefined,
    label: A.VersionedRef,
    features: A.VersionedRef[],
    clauses: readonly Clause[],
  ): A.TrainingSetStatement {
    const c = this.clauseValues(clauses);
    const out: Mutable<A.TrainingSetStatement> = { kind: 'training_set', name, label, features, span: PENDING_SPAN };
    if (version) out.version = version;
    if (c.sample) out.sample = c.sample;
    this.setMetadata(out, c);
    return out;
  }

  // ---- queries ----------------------------------------------------------------

  select(
    distinct: boolean,
    items: A.SelectItem[],
    from: A.TableRef,
    joins: A.Join[],
    where: A.Expr | undefined,
    groupBy: A.Expr[],
    having: A.Expr | undefined,
    span: Span,
  ): A.Select {
    const out: Mutable<A.Select> = { kind: 'select', distinct, items, from, joins, groupBy, span };
    if (where) out.where = where;
    if (having) out.having = having;
    return out;
  }

  star(table: IToken | undefined, span: Span): A.SelectItem {
    return table ? { kind: 'star', table: this.identifier(table), span } : { kind: 'star', span };
  }

  selectItem(expr: A.Expr, alias: A.Identifier | undefined, last: IToken): A.SelectItem {
    const item: Mutable<A.SelectItem & { kind: 'item' }> = { kind: 'item', expr, span: this.spanFrom(expr.span, last) };
    if (alias) item.alias = alias;
    return item;
  }

  /** `name [[AS] alias]`; `as` tells whether AS was written. */
  tableRef(name: A.Identifier, alias: A.Identifier | undefined, as: boolean, last: IToken): A.TableRef {
    const out: Mutable<A.TableRef> = { kind: 'table_ref', name, span: this.spanFrom(name.span, last) };
    if (alias) {
      // `FROM t RIGHT JOIN u` would otherwise read RIGHT as an alias of t.
      const word = alias.quoted ? '' : alias.text.toUpperCase();
      if (!as && UNSUPPORTED_JOINS.has(word)) {
        this.report('E0112', alias.span, `${word} JOIN is not supported`, 'views support JOIN (inner) and LEFT [OUTER] JOIN; quote the name to use it as an alias');
      } else {
        out.alias = alias; // (not RIGHT: t keeps its name, so `t.x` is not reported again as an unknown alias)
      }
    }
    return out;
  }

  join(left: boolean, table: A.TableRef, on: A.Expr, first: IToken): A.Join {
    return { kind: 'join', type: left ? 'LEFT' : 'INNER', table, on, span: this.spanTo(first, on.span) };
  }

  // ---- expressions --------------------------------------------------------------

  /**
   * Folds a flat chain `first op[0] operand[0] op[1] operand[1] …` (`rest`
   * alternates operator tokens and operands) into binary nodes by precedence
   * (PRECEDENCE), each level associating to the left.
   */
  chain(first: A.Expr, rest: readonly (IToken | A.Expr)[]): A.Expr {
    let i = 0;
    const climb = (left: A.Expr, min: number): A.Expr => {
      while (i < rest.length) {
        const op = rest[i] as IToken;
        const p = PRECEDENCE.get(op.tokenType)!;
        if (p < min) break;
        let right = rest[i + 1] as A.Expr;
        i += 2;
        while (i < rest.length && PRECEDENCE.get((rest[i] as IToken).tokenType)! > p) right = climb(right, p + 1);
        left = this.binary(op, left, right);
      }
      return left;
    };
    return climb(first, 0);
  }

  private binary(op: IToken, left: A.Expr, right: A.Expr): A.Binary {
    return {
      kind: 'binary',
      op: op.image.toUpperCase() as A.BinaryOp,
      left,
      right,
      opSpan: this.tokenSpan(op),
      span: this.between(left.span, right.span),
    };
  }

  not(not: IToken, operand: A.Expr): A.Expr {
    return { kind: 'unary', op: 'NOT', operand, span: this.spanTo(not, operand.span) };
  }

  predicate(operand: A.Expr, tail: PredicateTail, last: IToken): A.Expr {
    const span = this.spanFrom(operand.span, last);
    switch (tail.kind) {
      case 'comparison': {
        const op = (tail.op.image === '!=' ? '<>' : tail.op.image) as A.ComparisonOp;
        return { kind: 'binary', op, left: operand, right: tail.right, opSpan: this.tokenSpan(tail.op), span };
      }
      case 'is_null':
        return { kind: 'is_null', operand, negated: tail.negated, span };
      case 'in':
        return { kind: 'in', operand, list: tail.list, negated: tail.negated, span };
      case 'between':
        return { kind: 'between', operand, low: tail.low, high: tail.high, negated: tail.negated, span };
      case 'like':
        return { kind: 'like', operand, pattern: tail.pattern, negated: tail.negated, span };
    }
  }

  sign(sign: IToken, operand: A.Expr): A.Expr {
    return { kind: 'unary', op: sign.image as '-' | '+', operand, span: this.spanTo(sign, operand.span) };
  }

  paren(inner: A.Expr, open: IToken, close: IToken): A.Expr {
    return { kind: 'paren', inner, span: this.span(open, close) };
  }

  cast(operand: A.Expr, type: A.TypeName, span: Span): A.Expr {
    return { kind: 'cast', operand, type, span };
  }

  caseExpression(operand: A.Expr | undefined, whens: { when: A.Expr; then: A.Expr }[], otherwise: A.Expr | undefined, span: Span): A.Case {
    const out: Mutable<A.Case> = { kind: 'case', whens, span };
    if (operand) out.operand = operand;
    if (otherwise) out.else = otherwise;
    return out;
  }

  /** The date part of EXTRACT, checked. */
  extractPart(t: IToken): { id: A.Identifier; part: A.DatePart | undefined } {
    const id = this.identifier(t);
    const part = id.quoted ? undefined : DATE_PARTS[id.text.toLowerCase()];
    if (part === undefined) {
      this.report(
        'E0106',
        id.span,
        `unknown date part \`${id.text}\``,
        didYouMean(id.text, Object.values(DATE_PARTS)) ?? `EXTRACT takes ${[...new Set(Object.values(DATE_PARTS))].join(', ')}`,
      );
    }
    return { id, part };
  }

  extract(part: { id: A.Identifier; part: A.DatePart | undefined }, operand: A.Expr, span: Span): A.Extract {
    return { kind: 'extract', part: part.part ?? 'YEAR', partSpan: part.id.span, writtenPart: part.id.text, operand, span };
  }

  /** `name`, `table.column` (`suffix` is the column) or a call (`suffix` holds the arguments). */
  nameExpression(name: A.Identifier, suffix: A.Identifier | CallArguments | undefined, last: IToken): A.Expr {
    const span = this.spanFrom(name.span, last);
    if (suffix === undefined) return { kind: 'column', name, span };
    if ('kind' in suffix) return { kind: 'column', table: name, name: suffix, span };
    return { kind: 'call', name, args: suffix.args, distinct: suffix.distinct, star: suffix.star, span };
  }

  /** A literal: its token, and the string token after DATE or TIMESTAMP. */
  literal(t: IToken, str?: IToken): A.Literal {
    const span = str ? this.span(t, str) : this.tokenSpan(t);
    switch (t.tokenType) {
      case T.Integer: {
        const value = Number(t.image);
        if (!Number.isSafeInteger(value)) {
          this.report('E0108', span, `integer \`${t.image}\` is too large`, 'write it as a decimal (with a `.`) to make it a DOUBLE');
        }
        return { kind: 'literal', type: 'INTEGER', value, text: t.image, span };
      }
      case T.Decimal: {
        const value = Number(t.image);
        if (!Number.isFinite(value)) this.report('E0108', span, `number \`${t.image}\` is out of range`);
        return { kind: 'literal', type: 'DOUBLE', value, text: t.image, span };
      }
      case T.True:
        return { kind: 'literal', type: 'BOOLEAN', value: true, text: 'TRUE', span };
      case T.False:
        return { kind: 'literal', type: 'BOOLEAN', value: false, text: 'FALSE', span };
      case T.Null:
        return { kind: 'literal', type: 'NULL', value: null, text: 'NULL', span };
      case T.DateKw: {
        const raw = unquote(str!.image);
        const value = parseDateLiteral(raw);
        if (value === undefined) this.report('E0111', this.tokenSpan(str!), `invalid DATE literal '${raw}'`, "write dates as 'YYYY-MM-DD', e.g. DATE '2024-03-01'");
        return { kind: 'literal', type: 'DATE', value: value ?? raw, text: str!.image, span };
      }
      case T.Timestamp: {
        const raw = unquote(str!.image);
        const value = parseTimestampLiteral(raw);
        if (value === undefined) {
          this.report('E0111', this.tokenSpan(str!), `invalid TIMESTAMP literal '${raw}'`, "write timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]', e.g. TIMESTAMP '2024-03-01 14:05:00'");
        }
        return { kind: 'literal', type: 'TIMESTAMP', value: value ?? raw, text: str!.image, span };
      }
      default:
        return { kind: 'literal', type: 'TEXT', value: unquote(t.image), text: t.image, span };
    }
  }

  /** A literal with a sign before it (FILL -1, ONE_HOT (-1, 0, 1)): numbers only. */
  signedLiteral(sign: IToken, lit: A.Literal): A.Literal {
    if (lit.type === 'INTEGER' || lit.type === 'DOUBLE') {
      const value = sign.image === '-' ? -lit.value : lit.value;
      return { ...lit, value: Object.is(value, -0) ? 0 : value, text: `${sign.image}${lit.text}`, span: this.spanTo(sign, lit.span) };
    }
    this.report('E0108', this.tokenSpan(sign), `a sign cannot go before ${lit.type === 'NULL' ? 'NULL' : `a ${lit.type} value`}`);
    return lit;
  }
}

/** The text of a 'string' token: without its quotes, `''` read as `'`. */
function unquote(image: string): string {
  const inner = image.slice(1, -1);
  return inner.includes("''") ? inner.replace(/''/g, "'") : inner;
}
