/**
 * fast-check arbitraries for random *valid* fsql source text: every program
 * they generate parses with no diagnostics at all (syntax or AST-builder), so
 * properties may assume a clean parse.
 *
 * Coverage: every statement kind and every clause; clauses that may come in
 * any order are shuffled; keywords in random case; names in random case,
 * contextual keywords used as names (`date`, `version`, `key`, `window`…),
 * quoted identifiers (reserved words, spaces, `""`, unicode); nested
 * expressions of every kind (parenthesised where precedence needs it, plus
 * random extra parentheses); random whitespace and comments between tokens.
 *
 * Programs are built as token lists and rendered with a seeded PRNG that picks
 * each keyword's case and each separator (spaces, newlines, tabs, comments),
 * keeping a space wherever two tokens would otherwise merge.
 *
 * Exports: `programArbitrary(options)` / `arbProgram` (a whole file),
 * `arbStatement` (one statement), `arbExpression` (one expression), and the
 * token-level pieces for building other generators.
 */
import fc from 'fast-check';
import './fast-check-seed.js';

// ---------------------------------------------------------------------------
// Tokens and rendering

/** A token: exact text, or a keyword whose case the renderer picks. */
export type Tok = string | { readonly kw: string };
export type Toks = readonly Tok[];

const kw = (word: string): Tok => ({ kw: word });
/** `kws('GROUP BY')` → two keyword tokens. */
const kws = (words: string): Tok[] => words.split(' ').map(kw);

const RESERVED = new Set([
  'AND', 'AS', 'BETWEEN', 'BY', 'CASE', 'CAST', 'CREATE', 'DISTINCT', 'ELSE', 'END', 'EXTRACT', 'FALSE', 'FROM',
  'GROUP', 'HAVING', 'IN', 'INNER', 'IS', 'JOIN', 'LEFT', 'LIKE', 'NOT', 'NULL', 'ON', 'OR', 'SELECT', 'THEN',
  'TRUE', 'WHEN', 'WHERE',
]);

/** Contextual keywords and type/unit/part words: keywords in some places, plain names everywhere else. */
export const SOFT_KEYWORDS: readonly string[] = [
  'date', 'timestamp', 'text', 'integer', 'double', 'boolean', 'day', 'days', 'hour', 'week', 'second', 'minute',
  'version', 'key', 'window', 'owner', 'description', 'tags', 'entity', 'feature', 'features', 'label', 'source',
  'view', 'file', 'format', 'table', 'stream', 'event', 'time', 'fill', 'scale', 'one_hot', 'top', 'ttl', 'sample',
  'seed', 'percent', 'set', 'training', 'outer', 'mean', 'median', 'standard', 'log', 'csv', 'year', 'dow',
  'available', 'after', 'at', 'of', 'kafka', 'topic',
];

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function randomCase(word: string, rand: () => number): string {
  const r = rand();
  if (r < 0.4) return word.toUpperCase();
  if (r < 0.7) return word.toLowerCase();
  if (r < 0.85) return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
  return [...word].map((c) => (rand() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

const WORD = /[A-Za-z0-9_]/;
const OPERATOR = /[-+*/<>=!|%]/;

/** True when `a` followed directly by `b` would lex differently from `a b`. */
function needsSpace(a: string, b: string): boolean {
  const x = a.charAt(a.length - 1);
  const y = b.charAt(0);
  if (WORD.test(x) && WORD.test(y)) return true;
  if (/\d\.$/.test(a) && (WORD.test(y) || y === '.')) return true; // `5.` `e1` would be the number `5.e1`
  if (/\d/.test(x) && y === '.') return true;
  if ((x === "'" && y === "'") || (x === '"' && y === '"')) return true;
  return OPERATOR.test(x) && OPERATOR.test(y);
}

export interface RenderOptions {
  /** Put comments between tokens (default true). */
  readonly comments?: boolean;
  /** With comments: the chance of one between two tokens (default 0.04). */
  readonly commentRate?: number;
}

const TIGHT = ['', '', ''];
const SPACES = [' ', ' ', ' ', ' ', '  ', '\n', '\n  ', '\t', '\r\n', '\n\n'];
const COMMENTS = [
  ' /* c */ ',
  ' /* a ; CREATE x */ ',
  '\n/* multi\n   line */\n',
  ' /* crlf\r\n   line */ ',
  ' /**/ ',
  ' -- note\n',
  " -- it's \"odd\"; /* not a block\n",
  ' --\n',
  '\n-- a whole line\n\n',
];

/** Renders tokens to text: random keyword case and separators, never merging two tokens. */
export function renderTokens(tokens: Toks, seed: number, options: RenderOptions = {}): string {
  const rand = prng(seed);
  const commentRate = options.comments === false ? 0 : (options.commentRate ?? 0.04);
  let out = '';
  let prev = '';
  for (const t of tokens) {
    const text = typeof t === 'string' ? t : randomCase(t.kw, rand);
    if (out.length > 0) {
      const r = rand();
      let sep: string;
      if (r < commentRate) sep = pick(rand, COMMENTS);
      else if (r < 0.35) sep = pick(rand, TIGHT);
      else sep = pick(rand, SPACES);
      if (sep === '' && needsSpace(prev, text)) sep = ' ';
      out += sep;
    }
    out += text;
    prev = text;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Names

const plainName: fc.Arbitrary<string> = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/)
  .filter((s) => !RESERVED.has(s.toUpperCase()));

/** A contextual keyword used as a name, in random case. */
const softName: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...SOFT_KEYWORDS), fc.nat())
  .map(([w, mask]) => [...w].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join(''));

const quotedName: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom('select', 'FROM', 'my col', 'a"b', 'Date', 'x', '1st', 'naïve', 'end', 'group by', "it's", '*'),
    // Names hold printable characters only (E0101 refuses control, line-separator and bidi-override characters).
    fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }).filter((s) => !/[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u.test(s)),
  )
  .map((s) => `"${s.replace(/"/g, '""')}"`);

/** Any name token: identifiers, contextual keywords and quoted identifiers. */
export const arbName: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: plainName, weight: 6 },
  { arbitrary: softName, weight: 3 },
  { arbitrary: quotedName, weight: 1 },
);

// ---------------------------------------------------------------------------
// Literals

function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const arbString: fc.Arbitrary<string> = fc
  .oneof(fc.constantFrom('', "it's", "''", '%x_', '--', '/* no */', 'ünï'), fc.string({ maxLength: 8 }))
  .map(quoteString);

const arbInteger: fc.Arbitrary<string> = fc.oneof(
  fc.nat({ max: 1_000_000 }).map(String),
  fc.constantFrom('0', '007', '1', '42'),
);

const arbDecimal: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.nat(999), fc.nat(999)).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom('1.5', '.5', '5.', '1e3', '2.5E-2', '1E+2', '0.0', '3.14159', '1.50'),
);

const pad2 = (n: number): string => String(n).padStart(2, '0');

const arbDateText: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1970, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([y, m, d]) => `${y}-${pad2(m)}-${pad2(d)}`);

const arbTimestampText: fc.Arbitrary<string> = fc
  .tuple(arbDateText, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom('', '.5', '.123456', '.000'), fc.constantFrom(' ', 'T'))
  .map(([d, h, mi, s, frac, sep]) => `${d}${sep}${pad2(h)}:${pad2(mi)}:${pad2(s)}${frac}`);

/** An unsigned literal as tokens. */
export const arbLiteral: fc.Arbitrary<Toks> = fc.oneof(
  arbInteger.map((t) => [t]),
  arbDecimal.map((t) => [t]),
  arbString.map((t) => [t]),
  fc.constantFrom<Toks>([kw('TRUE')], [kw('FALSE')], [kw('NULL')]),
  arbDateText.map((t) => [kw('DATE'), quoteString(t)]),
  arbTimestampText.map((t) => [kw('TIMESTAMP'), quoteString(t)]),
);

/** A literal as FILL and ONE_HOT take it: numbers may carry a sign. */
export const arbSignedLiteral: fc.Arbitrary<Toks> = fc.oneof(
  fc.tuple(fc.constantFrom('-', '+', ''), fc.oneof(arbInteger, arbDecimal)).map(([s, n]) => (s ? [s, n] : [n])),
  arbLiteral,
);

// ---------------------------------------------------------------------------
// Types, durations

const TYPE_WORDS = ['BOOLEAN', 'BOOL', 'INTEGER', 'INT', 'BIGINT', 'DOUBLE', 'FLOAT', 'REAL', 'TEXT', 'VARCHAR', 'STRING', 'DATE', 'TIMESTAMP'];

export const arbType: fc.Arbitrary<Toks> = fc.oneof(
  { arbitrary: fc.constantFrom(...TYPE_WORDS).map((w) => [kw(w)]), weight: 5 },
  { arbitrary: fc.tuple(fc.constantFrom('VARCHAR', 'TEXT', 'STRING'), fc.integer({ min: 1, max: 4000 })).map(([w, n]) => [kw(w), '(', String(n), ')']), weight: 1 },
);

const UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK'];

export const arbDuration: fc.Arbitrary<Toks> = fc
  .tuple(fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 400 })), fc.constantFrom(...UNITS), fc.boolean())
  .map(([n, unit, plural]) => [String(n), kw(plural ? `${unit}S` : unit)]);

// ---------------------------------------------------------------------------
// Expressions

/** Precedence levels of the grammar, loosest first. */
const Level = { Or: 0, And: 1, Not: 2, Predicate: 3, Additive: 4, Multiplicative: 5, Unary: 6, Primary: 7 } as const;
type Level = (typeof Level)[keyof typeof Level];

interface Ex {
  readonly level: Level;
  readonly toks: Toks;
}

/** The tokens of `e` where the grammar needs at least `min`: parenthesised when looser. */
function at(e: Ex, min: Level): Toks {
  return e.level >= min ? e.toks : ['(', ...e.toks, ')'];
}

const primary = (toks: Toks): Ex => ({ level: Level.Primary, toks });

const FUNCTIONS = ['COALESCE', 'nullif', 'Abs', 'ROUND', 'lower', 'UPPER', 'length', 'substr', 'sum', 'AVG', 'min', 'MAX', 'count', 'my_udf'];
const DATE_PARTS = ['YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'DAYOFWEEK', 'DOW', 'DAYOFYEAR', 'DOY', 'HOUR', 'MINUTE', 'SECOND'];
const COMPARISONS = ['=', '<>', '!=', '<', '<=', '>', '>='];

function join(parts: readonly Toks[], sep: Tok = ','): Tok[] {
  const out: Tok[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(sep);
    out.push(...p);
  });
  return out;
}

const leafExpr: fc.Arbitrary<Ex> = fc.oneof(
  { arbitrary: arbName.map((n) => primary([n])), weight: 4 },
  { arbitrary: fc.tuple(arbName, arbName).map(([t, n]) => primary([t, '.', n])), weight: 2 },
  { arbitrary: arbLiteral.map(primary), weight: 3 },
  { arbitrary: fc.constantFrom('COUNT', 'count').map((f) => primary([f, '(', '*', ')'])), weight: 1 },
  { arbitrary: fc.oneof(fc.constantFrom(...FUNCTIONS), arbName).map((f) => primary([f, '(', ')'])), weight: 1 },
);

const exprCache = new Map<number, fc.Arbitrary<Ex>>();

/** Expressions nested at most `depth` levels. */
function exprOf(depth: number): fc.Arbitrary<Ex> {
  const cached = exprCache.get(depth);
  if (cached) return cached;
  if (depth <= 0) return leafExpr;
  const sub = exprOf(depth - 1);
  const fn = fc.oneof(fc.constantFrom(...FUNCTIONS), arbName);
  const compound: fc.Arbitrary<Ex> = fc.oneof(
    fc.tuple(sub, fc.constantFrom('OR', 'AND'), sub).map(([l, op, r]): Ex =>
      op === 'OR'
        ? { level: Level.Or, toks: [...at(l, Level.Or), kw('OR'), ...at(r, Level.And)] }
        : { level: Level.And, toks: [...at(l, Level.And), kw('AND'), ...at(r, Level.Not)] },
    ),
    sub.map((e): Ex => ({ level: Level.Not, toks: [kw('NOT'), ...at(e, Level.Not)] })),
    fc.tuple(sub, fc.constantFrom(...COMPARISONS), sub).map(([l, op, r]): Ex => ({
      level: Level.Predicate,
      toks: [...at(l, Level.Additive), op, ...at(r, Level.Additive)],
    })),
    fc.tuple(sub, fc.boolean()).map(([e, not]): Ex => ({
      level: Level.Predicate,
      toks: [...at(e, Level.Additive), kw('IS'), ...(not ? [kw('NOT')] : []), kw('NULL')],
    })),
    fc.tuple(sub, fc.boolean(), fc.array(sub, { minLength: 1, maxLength: 3 })).map(([e, not, list]): Ex => ({
      level: Level.Predicate,
      toks: [...at(e, Level.Additive), ...(not ? [kw('NOT')] : []), kw('IN'), '(', ...join(list.map((x) => x.toks)), ')'],
    })),
    fc.tuple(sub, fc.boolean(), sub, sub).map(([e, not, lo, hi]): Ex => ({
      level: Level.Predicate,
      toks: [...at(e, Level.Additive), ...(not ? [kw('NOT')] : []), kw('BETWEEN'), ...at(lo, Level.Additive), kw('AND'), ...at(hi, Level.Additive)],
    })),
    fc.tuple(sub, fc.boolean(), sub).map(([e, not, p]): Ex => ({
      level: Level.Predicate,
      toks: [...at(e, Level.Additive), ...(not ? [kw('NOT')] : []), kw('LIKE'), ...at(p, Level.Additive)],
    })),
    fc.tuple(sub, fc.constantFrom('+', '-', '||'), sub).map(([l, op, r]): Ex => ({
      level: Level.Additive,
      toks: [...at(l, Level.Additive), op, ...at(r, Level.Multiplicative)],
    })),
    fc.tuple(sub, fc.constantFrom('*', '/', '%'), sub).map(([l, op, r]): Ex => ({
      level: Level.Multiplicative,
      toks: [...at(l, Level.Multiplicative), op, ...at(r, Level.Unary)],
    })),
    fc.tuple(fc.constantFrom('-', '+'), sub).map(([op, e]): Ex => ({ level: Level.Unary, toks: [op, ...at(e, Level.Unary)] })),
    sub.map((e) => primary(['(', ...e.toks, ')'])),
    fc.tuple(fn, fc.array(sub, { minLength: 1, maxLength: 3 })).map(([f, args]) => primary([f, '(', ...join(args.map((a) => a.toks)), ')'])),
    fc.tuple(fc.constantFrom('COUNT', 'count', 'Sum'), sub).map(([f, a]) => primary([f, '(', kw('DISTINCT'), ...a.toks, ')'])),
    fc.tuple(sub, arbType).map(([e, t]) => primary([kw('CAST'), '(', ...e.toks, kw('AS'), ...t, ')'])),
    fc.tuple(fc.constantFrom(...DATE_PARTS), sub).map(([p, e]) => primary([kw('EXTRACT'), '(', kw(p), kw('FROM'), ...e.toks, ')'])),
    fc
      .tuple(fc.option(sub, { nil: undefined }), fc.array(fc.tuple(sub, sub), { minLength: 1, maxLength: 3 }), fc.option(sub, { nil: undefined }))
      .map(([operand, whens, otherwise]) =>
        primary([
          kw('CASE'),
          ...(operand ? operand.toks : []),
          ...whens.flatMap(([w, t]) => [kw('WHEN'), ...w.toks, kw('THEN'), ...t.toks]),
          ...(otherwise ? [kw('ELSE'), ...otherwise.toks] : []),
          kw('END'),
        ]),
      ),
  );
  const arb = fc.oneof({ arbitrary: leafExpr, weight: 1 }, { arbitrary: compound, weight: 2 });
  exprCache.set(depth, arb);
  return arb;
}

/** An expression as tokens (any precedence level). */
export const arbExpressionTokens: fc.Arbitrary<Toks> = exprOf(3).map((e) => e.toks);

// ---------------------------------------------------------------------------
// Statements

const str = arbString.map((s): Toks => [s]);

/** DESCRIPTION / OWNER / TAGS clauses, each at most once (unordered; callers shuffle). */
const metaClauses: fc.Arbitrary<Toks[]> = fc.tuple(str, str, fc.array(arbString, { maxLength: 3 })).map(([d, o, tags]) => [
  [kw('DESCRIPTION'), ...d],
  [kw('OWNER'), ...o],
  [kw('TAGS'), '(', ...join(tags.map((t) => [t])), ')'],
]);

/** A random subset of `clauses`, in random order. */
function someOf(clauses: fc.Arbitrary<Toks[]>): fc.Arbitrary<Tok[]> {
  return clauses.chain((cs) => fc.shuffledSubarray(cs)).map((cs) => cs.flat());
}

const columnDef: fc.Arbitrary<Toks> = fc.tuple(arbName, arbType, fc.boolean()).map(([n, t, notNull]) => [n, ...t, ...(notNull ? kws('NOT NULL') : [])]);
const columnList: fc.Arbitrary<Toks> = fc.array(columnDef, { minLength: 1, maxLength: 4 }).map((cs) => ['(', ...join(cs), ')']);
const nameList: fc.Arbitrary<Toks> = fc.array(arbName, { minLength: 1, maxLength: 3 }).map((ns) => ['(', ...join(ns.map((n) => [n])), ')']);
const version: fc.Arbitrary<Toks> = fc.option(fc.constantFrom('1', '2', '10', '007', '999').map((v): Toks => [kw('VERSION'), v]), { nil: [] as Toks });

const entityStatement: fc.Arbitrary<Toks> = fc
  .tuple(arbName, columnList, someOf(metaClauses))
  .map(([name, cols, meta]) => [...kws('CREATE ENTITY'), name, kw('KEY'), ...cols, ...meta, ';']);

/** A file path whose extension names a format (`data/it''s.csv`), so that it also checks without FORMAT. */
const arbPath: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('', 'data/', '/abs/', 's3://bucket/'), fc.oneof(fc.stringMatching(/^[a-z_]{1,8}$/), fc.constantFrom("it's", 'a b', 'ünï')), fc.constantFrom('.csv', '.CSV', '.csv.gz', '.parquet', '.jsonl', '.ndjson'))
  .map(([dir, name, ext]) => quoteString(`${dir}${name}${ext}`));

const origin: fc.Arbitrary<Toks> = fc.oneof(
  // With FORMAT the path may be any string; without, its extension names the format.
  fc
    .tuple(fc.oneof(arbPath, arbString), fc.constantFrom('CSV', 'PARQUET', 'JSONL', 'NDJSON'))
    .map(([path, format]): Toks => [kw('FILE'), path, kw('FORMAT'), kw(format)]),
  arbPath.map((path): Toks => [kw('FILE'), path]),
  fc.array(arbName, { minLength: 1, maxLength: 3 }).map((parts): Toks => [kw('TABLE'), ...join(parts.map((p) => [p]), '.')]),
  fc.constant<Toks>([kw('STREAM')]),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/), fc.boolean())
    .map(([topic, json]): Toks => [...kws('KAFKA TOPIC'), quoteString(topic), ...(json ? kws('FORMAT JSON') : [])]),
);

const eventTime: fc.Arbitrary<Toks> = arbName.map((n) => [...kws('EVENT TIME'), n]);

/** `AVAILABLE AFTER <duration>` or `AVAILABLE AT END OF DAY` (the day in any case). */
const available: fc.Arbitrary<Toks> = fc.oneof(
  arbDuration.map((d): Toks => [...kws('AVAILABLE AFTER'), ...d]),
  fc.constant<Toks>(kws('AVAILABLE AT END OF DAY')),
);

/** A source's or view's clauses: EVENT TIME, AVAILABLE and metadata. */
const relationClauses: fc.Arbitrary<Toks[]> = fc.tuple(eventTime, available, metaClauses).map(([e, a, m]) => [e, a, ...m]);

const sourceStatement: fc.Arbitrary<Toks> = fc
  .tuple(arbName, columnList, origin, someOf(relationClauses))
  .map(([name, cols, from, clauses]) => [...kws('CREATE SOURCE'), name, ...cols, kw('FROM'), ...from, ...clauses, ';']);

const alias = (withAs: boolean, n: string): Toks => (withAs ? [kw('AS'), n] : [n]);

const selectItem: fc.Arbitrary<Toks> = fc.oneof(
  { arbitrary: fc.constant<Toks>(['*']), weight: 1 },
  { arbitrary: arbName.map((t): Toks => [t, '.', '*']), weight: 1 },
  {
    arbitrary: fc
      .tuple(exprOf(2), fc.option(fc.tuple(fc.boolean(), arbName), { nil: undefined }))
      .map(([e, a]) => [...e.toks, ...(a ? alias(a[0], a[1]) : [])]),
    weight: 6,
  },
);

/** Join words (RIGHT, FULL, CROSS, NATURAL, OUTER) are rejected as bare table aliases (E0112): write AS or quote them. */
const JOIN_WORDS = new Set(['RIGHT', 'FULL', 'CROSS', 'NATURAL', 'OUTER']);

const tableRef: fc.Arbitrary<Toks> = fc
  .tuple(arbName, fc.option(fc.tuple(fc.boolean(), arbName), { nil: undefined }))
  .map(([n, a]) => [n, ...(a ? alias(a[0] || JOIN_WORDS.has(a[1].toUpperCase()), a[1]) : [])]);

const joinClause: fc.Arbitrary<Toks> = fc
  .tuple(fc.constantFrom<Toks>([], [kw('INNER')], [kw('LEFT')], kws('LEFT OUTER')), tableRef, exprOf(2))
  .map(([type, t, on]) => [...type, kw('JOIN'), ...t, kw('ON'), ...on.toks]);

const maybe = (a: fc.Arbitrary<Toks>): fc.Arbitrary<Toks> => fc.option(a, { nil: [] as Toks });

export const arbSelect: fc.Arbitrary<Toks> = fc
  .tuple(
    fc.boolean(),
    fc.array(selectItem, { minLength: 1, maxLength: 4 }),
    tableRef,
    fc.array(joinClause, { maxLength: 2 }),
    maybe(exprOf(2).map((e) => [kw('WHERE'), ...e.toks])),
    maybe(fc.array(exprOf(1), { minLength: 1, maxLength: 3 }).map((es) => [...kws('GROUP BY'), ...join(es.map((e) => e.toks))])),
    maybe(exprOf(2).map((e) => [kw('HAVING'), ...e.toks])),
  )
  .map(([distinct, items, from, joins, where, groupBy, having]) => [
    kw('SELECT'),
    ...(distinct ? [kw('DISTINCT')] : []),
    ...join(items),
    kw('FROM'),
    ...from,
    ...joins.flat(),
    ...where,
    ...groupBy,
    ...having,
  ]);

const viewStatement: fc.Arbitrary<Toks> = fc
  .tuple(arbName, someOf(relationClauses), arbSelect)
  .map(([name, clauses, select]) => [...kws('CREATE VIEW'), name, ...clauses, kw('AS'), ...select, ';']);

const entityBinding: fc.Arbitrary<Toks> = fc
  .tuple(arbName, fc.option(nameList, { nil: undefined }))
  .map(([e, on]) => [kw('ENTITY'), e, ...(on ? [kw('ON'), ...on] : [])]);

const fillValue: fc.Arbitrary<Toks> = fc.oneof(fc.constantFrom('MEAN', 'MEDIAN', 'MODE', 'ZERO').map((m): Toks => [kw(m)]), arbSignedLiteral);

const oneHotSpec: fc.Arbitrary<Toks> = fc.oneof(
  fc.integer({ min: 1, max: 100 }).map((n): Toks => [kw('TOP'), String(n)]),
  fc.array(arbSignedLiteral, { minLength: 1, maxLength: 4 }).map((vs): Toks => ['(', ...join(vs), ')']),
);

const featureClauses: fc.Arbitrary<Toks[]> = fc
  .tuple(exprOf(2), arbDuration, arbDuration, fillValue, fc.constantFrom('STANDARD', 'MINMAX', 'ROBUST', 'LOG'), oneHotSpec, metaClauses, fc.constantFrom('<', '<='), fc.constantFrom('t', 'T'))
  .map(([where, window, ttl, fill, scale, oneHot, meta, op, t]) => [
    [kw('WHERE'), ...where.toks],
    [kw('WINDOW'), ...window],
    [kw('TTL'), ...ttl],
    [...kws('AS OF'), op, t],
    [kw('FILL'), ...fill],
    [kw('SCALE'), kw(scale)],
    [kw('ONE_HOT'), ...oneHot],
    ...meta,
  ]);

const featureStatement: fc.Arbitrary<Toks> = fc
  .tuple(arbName, version, entityBinding, arbName, exprOf(3), someOf(featureClauses))
  .map(([name, v, binding, from, value, clauses]) => [
    ...kws('CREATE FEATURE'), name, ...v, ...binding, kw('FROM'), from, kw('AS'), ...value.toks, ...clauses, ';',
  ]);

const labelStatement: fc.Arbitrary<Toks> = fc
  .tuple(arbName, version, entityBinding, arbName, exprOf(2), someOf(fc.tuple(exprOf(2), metaClauses).map(([w, m]) => [[kw('WHERE'), ...w.toks], ...m])))
  .map(([name, v, binding, from, value, clauses]) => [
    ...kws('CREATE LABEL'), name, ...v, ...binding, kw('FROM'), from, kw('AS'), ...value.toks, ...clauses, ';',
  ]);

const versionedRef: fc.Arbitrary<Toks> = fc.tuple(arbName, version).map(([n, v]) => [n, ...v]);

const sample: fc.Arbitrary<Toks> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1, max: 100 }).map(String), fc.constantFrom('0.5', '12.25', '100.0', '99.9', '.1')),
    fc.option(fc.nat({ max: 100_000 }).map(String), { nil: undefined }),
  )
  .map(([p, seed]) => [kw('SAMPLE'), p, kw('PERCENT'), ...(seed !== undefined ? [kw('SEED'), seed] : [])]);

const trainingSetStatement: fc.Arbitrary<Toks> = fc
  .tuple(arbName, version, versionedRef, fc.array(versionedRef, { minLength: 1, maxLength: 4 }), someOf(fc.tuple(sample, metaClauses).map(([s, m]) => [s, ...m])))
  .map(([name, v, label, features, clauses]) => [
    ...kws('CREATE TRAINING SET'), name, ...v, kw('LABEL'), ...label, kw('FEATURES'), '(', ...join(features), ')', ...clauses, ';',
  ]);

/** One statement of any kind, as tokens (ending with `;`). */
export const arbStatementTokens: fc.Arbitrary<Toks> = fc.oneof(
  entityStatement,
  sourceStatement,
  viewStatement,
  featureStatement,
  labelStatement,
  trainingSetStatement,
);

// ---------------------------------------------------------------------------
// Text

export interface ProgramOptions extends RenderOptions {
  /** At most this many statements (default 5). */
  readonly maxStatements?: number;
}

/** Random valid fsql files. */
export function programArbitrary(options: ProgramOptions = {}): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(arbStatementTokens, { maxLength: options.maxStatements ?? 5 }),
      fc.integer(),
      fc.constantFrom('', '\n', '-- leading comment\n', '/* header */\n\n', '\n\n'),
      fc.constantFrom('', '\n', '\n\n', '\n-- trailing comment', ' /* end */\n'),
    )
    .map(([statements, seed, head, tail]) => {
      const body = renderTokens(statements.flat(), seed, options);
      if (options.comments === false) return `${head.trim() === '' ? head : ''}${body}${tail.trim() === '' ? tail : ''}`;
      return `${head}${body}${tail}`;
    });
}

/** A whole random valid file (comments included). */
export const arbProgram: fc.Arbitrary<string> = programArbitrary();

/** One random valid statement as text. */
export const arbStatement: fc.Arbitrary<string> = fc.tuple(arbStatementTokens, fc.integer()).map(([t, seed]) => renderTokens(t, seed));

/** One random valid expression as text. */
export const arbExpression: fc.Arbitrary<string> = fc.tuple(arbExpressionTokens, fc.integer()).map(([t, seed]) => renderTokens(t, seed));
