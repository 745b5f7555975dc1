/**
 * The tokens of fsql.
 *
 * Reserved words are a short SQL list; every other keyword is *contextual*: its
 * token type belongs to the `Name` category, so wherever the grammar expects a
 * name it accepts `date`, `version`, `window`, `owner`… too. Keywords match
 * case-insensitively and never as a prefix of a longer identifier.
 *
 * The token definitions (patterns, labels, categories) are chevrotain's, and
 * the parser's vocabulary. The lexer (`fsqlLexer`, at the end) is a scanner
 * written by hand for these patterns, which gives what a chevrotain Lexer over
 * `allTokens` would, several times faster.
 */
import type { ILexingError, ILexingResult, IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

/** Anything usable as a name: identifiers, quoted identifiers and contextual keywords. */
export const Name = createToken({ name: 'Name', label: 'a name', pattern: Lexer.NA });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [Name] });
export const QuotedIdentifier = createToken({ name: 'QuotedIdentifier', pattern: /"(?:[^"]|"")*"/, categories: [Name] });

function reserved(word: string): TokenType {
  return createToken({ name: word, label: word, pattern: new RegExp(word, 'i'), longer_alt: Identifier });
}

function contextual(word: string, name = word): TokenType {
  return createToken({ name, label: word, pattern: new RegExp(word, 'i'), longer_alt: Identifier, categories: [Name] });
}

// Reserved (SQL) words.
export const And = reserved('AND');
export const As = reserved('AS');
export const Between = reserved('BETWEEN');
export const By = reserved('BY');
export const Case = reserved('CASE');
export const Cast = reserved('CAST');
export const Create = reserved('CREATE');
export const Distinct = reserved('DISTINCT');
export const Else = reserved('ELSE');
export const End = reserved('END');
export const Extract = reserved('EXTRACT');
export const False = reserved('FALSE');
export const From = reserved('FROM');
export const Group = reserved('GROUP');
export const Having = reserved('HAVING');
export const In = reserved('IN');
export const Inner = reserved('INNER');
export const Is = reserved('IS');
export const Join = reserved('JOIN');
export const Left = reserved('LEFT');
export const Like = reserved('LIKE');
export const Not = reserved('NOT');
export const Null = reserved('NULL');
export const On = reserved('ON');
export const Or = reserved('OR');
export const Select = reserved('SELECT');
export const Then = reserved('THEN');
export const True = reserved('TRUE');
export const When = reserved('WHEN');
export const Where = reserved('WHERE');

export const reservedWords: readonly string[] = [
  'AND', 'AS', 'BETWEEN', 'BY', 'CASE', 'CAST', 'CREATE', 'DISTINCT', 'ELSE', 'END', 'EXTRACT', 'FALSE', 'FROM',
  'GROUP', 'HAVING', 'IN', 'INNER', 'IS', 'JOIN', 'LEFT', 'LIKE', 'NOT', 'NULL', 'ON', 'OR', 'SELECT', 'THEN',
  'TRUE', 'WHEN', 'WHERE',
];

// Contextual keywords: keywords where the grammar expects them, names elsewhere.
export const After = contextual('AFTER');
export const At = contextual('AT');
export const Available = contextual('AVAILABLE');
export const Description = contextual('DESCRIPTION');
export const Entity = contextual('ENTITY');
export const Event = contextual('EVENT');
export const Features = contextual('FEATURES');
export const Feature = contextual('FEATURE');
export const File = contextual('FILE');
export const Fill = contextual('FILL');
export const Format = contextual('FORMAT');
export const Kafka = contextual('KAFKA');
export const Key = contextual('KEY');
export const Label = contextual('LABEL');
export const Of = contextual('OF');
export const OneHot = contextual('ONE_HOT', 'OneHot');
export const Outer = contextual('OUTER');
export const Owner = contextual('OWNER');
export const Percent = contextual('PERCENT');
export const Sample = contextual('SAMPLE');
export const Scale = contextual('SCALE');
export const Seed = contextual('SEED');
export const Set = contextual('SET');
export const Source = contextual('SOURCE');
export const Stream = contextual('STREAM');
export const Table = contextual('TABLE');
export const Tags = contextual('TAGS');
export const Time = contextual('TIME');
export const Timestamp = contextual('TIMESTAMP');
export const Topic = contextual('TOPIC');
export const DateKw = contextual('DATE', 'Date');
export const Top = contextual('TOP');
export const Training = contextual('TRAINING');
export const Ttl = contextual('TTL');
export const Version = contextual('VERSION');
export const View = contextual('VIEW');
export const Window = contextual('WINDOW');

// Literals.
export const StringLiteral = createToken({ name: 'StringLiteral', label: 'a string', pattern: /'(?:[^']|'')*'/ });
export const Decimal = createToken({
  name: 'Decimal',
  label: 'a number',
  pattern: /(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+/,
});
export const Integer = createToken({ name: 'Integer', label: 'an integer', pattern: /\d+/, longer_alt: Decimal });

// Punctuation and operators (longest first where they share a prefix).
export const LParen = createToken({ name: 'LParen', pattern: '(', label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: ')', label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: ';', label: "';'" });
export const Dot = createToken({ name: 'Dot', pattern: '.', label: "'.'" });
export const Concat = createToken({ name: 'Concat', pattern: '||', label: "'||'" });
export const NotEquals = createToken({ name: 'NotEquals', pattern: /<>|!=/, label: "'<>'" });
export const LessEquals = createToken({ name: 'LessEquals', pattern: '<=', label: "'<='" });
export const GreaterEquals = createToken({ name: 'GreaterEquals', pattern: '>=', label: "'>='" });
export const Less = createToken({ name: 'Less', pattern: '<', label: "'<'" });
export const Greater = createToken({ name: 'Greater', pattern: '>', label: "'>'" });
export const Equals = createToken({ name: 'Equals', pattern: '=', label: "'='" });
export const Plus = createToken({ name: 'Plus', pattern: '+', label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: '-', label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: '*', label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: '/', label: "'/'" });
export const PercentSign = createToken({ name: 'PercentSign', pattern: '%', label: "'%'" });

// Trivia.
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments', line_breaks: true });

const reservedTokens = [
  And, As, Between, By, Case, Cast, Create, Distinct, Else, End, Extract, False, From, Group, Having, In, Inner, Is,
  Join, Left, Like, Not, Null, On, Or, Select, Then, True, When, Where,
];
const contextualTokens = [
  After, At, Available, Description, Entity, Event, Features, Feature, File, Fill, Format, Kafka, Key, Label, Of, OneHot, Outer, Owner, Percent, Sample,
  Scale, Seed, Set, Source, Stream, Table, Tags, Time, Timestamp, Topic, DateKw, Top, Training, Ttl, Version, View, Window,
];

/**
 * Every token type: the parser's vocabulary, and a chevrotain lexer
 * definition (order matters: comments before operators, keywords longest first
 * before Identifier, Decimal before Integer) that `fsqlLexer` follows.
 */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  StringLiteral,
  QuotedIdentifier,
  Decimal,
  Integer,
  // Longest first, so `IN` never shadows `INNER`, nor `TIME` `TIMESTAMP`.
  ...[...reservedTokens, ...contextualTokens].sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length),
  Identifier,
  Name,
  LParen,
  RParen,
  Comma,
  Semicolon,
  Dot,
  Concat,
  NotEquals,
  LessEquals,
  GreaterEquals,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  PercentSign,
];

const keywordTokens: readonly TokenType[] = [...reservedTokens, ...contextualTokens];

/** Keyword token types by their word in upper case, and by the word as written in upper or lower case. */
const keywordsByWord = new Map<string, TokenType>(keywordTokens.map((t) => [(t.PATTERN as RegExp).source, t]));
const keywordsAsWritten = new Map<string, TokenType>([
  ...keywordsByWord,
  ...keywordTokens.map((t): [string, TokenType] => [(t.PATTERN as RegExp).source.toLowerCase(), t]),
]);
const longestKeyword = Math.max(...keywordTokens.map((t) => (t.PATTERN as RegExp).source.length));

/** The token type of a word: its keyword's, or Identifier. */
function wordType(word: string): TokenType {
  if (word.length > longestKeyword) return Identifier;
  const keyword = keywordsAsWritten.get(word);
  if (keyword !== undefined) return keyword;
  // Mixed case (`Select`) is rare: only then is an upper-case copy worth making.
  let upper = false;
  let lower = false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
  }
  return upper && lower ? (keywordsByWord.get(word.toUpperCase()) ?? Identifier) : Identifier;
}

// ---------------------------------------------------------------------------
// The lexer

/**
 * The lexer: a hand-written scanner for the patterns above, several times
 * faster than a chevrotain Lexer over the same definitions, and made to give
 * exactly what one would (test/syntax/lexer.test.ts compares them on random
 * input): at each offset the first pattern of `allTokens` that matches wins
 * (keywords only when the whole word is one, as with `longer_alt`); a
 * character no pattern matches starts a lexing error that runs to the next
 * offset where one does. Tokens and errors have offsets (`startOffset`,
 * `endOffset`; `offset`, `length`) but no lines or columns: those come from a
 * line index where a span is made (src/syntax/build.ts).
 */
export const fsqlLexer = {
  tokenize(text: string): ILexingResult {
    const lexing = tokenizing.start(text);
    const tokens: IToken[] = [];
    for (let t = lexing.next(); t !== undefined; t = lexing.next()) tokens.push(t);
    return { tokens, groups: { comments: lexing.comments }, errors: lexing.errors };
  },
};

/**
 * Lexing a text a token at a time: what `fsqlLexer.tokenize` gives at once.
 * (A parser that takes the tokens as it goes lets each statement's tokens die
 * young, which the garbage collector likes.)
 *
 * Reuse one Lexing for text after text (`start`) rather than make one per
 * text: with one per text, V8 threw the lexer's optimised code away at every
 * full garbage collection (a "weak objects" deoptimisation), which made lexing
 * several times slower in the benchmarks, which collect before every run.
 */
export class Lexing {
  text = '';
  /** The comments lexed so far, in order. */
  comments: IToken[] = [];
  /** The lexing errors so far, in order. */
  errors: ILexingError[] = [];
  private offset = 0;

  /** Starts lexing `text` (with no comments or errors yet). */
  start(text: string): this {
    this.text = text;
    this.offset = 0;
    this.comments = [];
    this.errors = [];
    return this;
  }

  /** The next token that is not a comment, or undefined at the end of the text. */
  next(): IToken | undefined {
    const text = this.text;
    const n = text.length;
    let i = this.offset;
    while (i < n) {
      const end = scan(text, i);
      if (end < 0) {
        const start = i;
        do i++;
        while (i < n && scan(text, i) < 0);
        this.errors.push({
          offset: start,
          line: undefined,
          column: undefined,
          length: i - start,
          message: `unexpected character: ->${text.charAt(start)}<- at offset: ${start}, skipped ${i - start} characters.`,
        });
        continue;
      }
      const type = scanned;
      if (type === WhiteSpace) {
        i = end;
        continue;
      }
      const image = typeof type.PATTERN === 'string' ? type.PATTERN : text.slice(i, end);
      const tokenType = type === Identifier ? wordType(image) : type;
      const token: IToken = { image, startOffset: i, endOffset: end - 1, tokenTypeIdx: tokenType.tokenTypeIdx!, tokenType };
      i = end;
      if (type === LineComment || type === BlockComment) {
        this.comments.push(token);
        continue;
      }
      this.offset = i;
      return token;
    }
    this.offset = n;
    return undefined;
  }
}

/** The Lexing of `fsqlLexer.tokenize`. */
const tokenizing = new Lexing();

/** The type of the token `scan` last matched. */
let scanned: TokenType = WhiteSpace;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWordStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isWordPart = (c: number): boolean => isWordStart(c) || isDigit(c);
const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11;

/** The end of the token that starts at `i` (its type in `scanned`), or -1 if none does. */
function scan(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (isWordStart(c)) {
    let j = i + 1;
    while (isWordPart(text.charCodeAt(j))) j++;
    return found(Identifier, j);
  }
  if (isSpace(c)) {
    let j = i + 1;
    while (isSpace(text.charCodeAt(j))) j++;
    return found(WhiteSpace, j);
  }
  if (isDigit(c) || c === 46 /* . */) {
    const j = decimalEnd(text, i);
    if (j >= 0) return found(Decimal, j);
    if (c === 46) return found(Dot, i + 1);
    let k = i + 1;
    while (isDigit(text.charCodeAt(k))) k++;
    return found(Integer, k);
  }
  const next = text.charCodeAt(i + 1);
  switch (c) {
    case 39: // '
      return quotedEnd(text, i, StringLiteral);
    case 34: // "
      return quotedEnd(text, i, QuotedIdentifier);
    case 40:
      return found(LParen, i + 1);
    case 41:
      return found(RParen, i + 1);
    case 44:
      return found(Comma, i + 1);
    case 59:
      return found(Semicolon, i + 1);
    case 61:
      return found(Equals, i + 1);
    case 43:
      return found(Plus, i + 1);
    case 42:
      return found(Star, i + 1);
    case 37:
      return found(PercentSign, i + 1);
    case 45: {
      // -
      if (next !== 45) return found(Minus, i + 1);
      let j = i + 2;
      for (let d = text.charCodeAt(j); j < text.length && d !== 10 && d !== 13; d = text.charCodeAt(++j));
      return found(LineComment, j);
    }
    case 47: {
      // /
      const close = next === 42 ? text.indexOf('*/', i + 2) : -1;
      return close >= 0 ? found(BlockComment, close + 2) : found(Slash, i + 1);
    }
    case 124: // |
      return next === 124 ? found(Concat, i + 2) : -1;
    case 33: // !
      return next === 61 ? found(NotEquals, i + 2) : -1;
    case 60: // <
      return next === 62 ? found(NotEquals, i + 2) : next === 61 ? found(LessEquals, i + 2) : found(Less, i + 1);
    case 62: // >
      return next === 61 ? found(GreaterEquals, i + 2) : found(Greater, i + 1);
    default:
      return -1;
  }
}

function found(type: TokenType, end: number): number {
  scanned = type;
  return end;
}

/** The end of the Decimal pattern at `i`, or -1: `\d+\.\d*` or `\.\d+`, then an optional exponent; or `\d+` and an exponent. */
function decimalEnd(text: string, i: number): number {
  let j = i;
  if (text.charCodeAt(j) === 46) {
    if (!isDigit(text.charCodeAt(j + 1))) return -1;
    j += 2;
  } else {
    while (isDigit(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 46) return exponentEnd(text, j);
    j++;
  }
  while (isDigit(text.charCodeAt(j))) j++;
  const e = exponentEnd(text, j);
  return e >= 0 ? e : j;
}

/** The end of `[eE][+-]?\d+` at `j`, or -1. */
function exponentEnd(text: string, j: number): number {
  const c = text.charCodeAt(j);
  if (c !== 101 && c !== 69) return -1;
  let k = j + 1;
  const sign = text.charCodeAt(k);
  if (sign === 43 || sign === 45) k++;
  if (!isDigit(text.charCodeAt(k))) return -1;
  while (isDigit(text.charCodeAt(k))) k++;
  return k;
}

/**
 * The end of a quoted token at `i` (`'…'` or `"…"`, the quote doubled inside),
 * or -1. Like the regular expression `'(?:[^']|'')*'`: at the end of the text
 * with no closing quote, the match backs off to the last doubled quote, whose
 * first half closes it.
 */
function quotedEnd(text: string, i: number, type: TokenType): number {
  const q = text.charCodeAt(i);
  let lastPair = -1;
  let j = i + 1;
  while (j < text.length) {
    if (text.charCodeAt(j) !== q) j++;
    else if (text.charCodeAt(j + 1) === q) {
      lastPair = j;
      j += 2;
    } else return found(type, j + 1);
  }
  return lastPair >= 0 ? found(type, lastPair + 1) : -1;
}
