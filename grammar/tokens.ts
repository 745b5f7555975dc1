/**
 * The tokens of fsql.
 *
 * Reserved words are a short SQL list; every other keyword is *contextual*: its
 * token type belongs to the `Name` category, so wherever the grammar expects a
 * name it accepts `date`, `version`, `window`, `owner`… too. Keywords match
 * case-insensitively and never as a prefix of a longer identifier.
 */
import { createToken, Lexer, type TokenType } from 'chevrotain';

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
export const Description = contextual('DESCRIPTION');
export const Entity = contextual('ENTITY');
export const Event = contextual('EVENT');
export const Features = contextual('FEATURES');
export const Feature = contextual('FEATURE');
export const File = contextual('FILE');
export const Fill = contextual('FILL');
export const Format = contextual('FORMAT');
export const Key = contextual('KEY');
export const Label = contextual('LABEL');
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
  Description, Entity, Event, Features, Feature, File, Fill, Format, Key, Label, OneHot, Outer, Owner, Percent, Sample,
  Scale, Seed, Set, Source, Stream, Table, Tags, Time, Timestamp, DateKw, Top, Training, Ttl, Version, View, Window,
];

/** Order matters: comments before operators, keywords before Identifier, Decimal before Integer. */
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

export const fsqlLexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });
