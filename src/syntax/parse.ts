/**
 * Text → AST for one file, with every syntax error reported.
 *
 * Recovery: the token stream is cut into statements at each `;` and before
 * each `CREATE` (a reserved word that only starts statements), and each piece
 * is parsed on its own. A statement with an error is diagnosed and left out;
 * the others still parse, so one run reports the first error of every
 * statement. A statement that holds a lexical error gets only that error (the
 * parser's complaint about the tokens around it would be a follow-on), and the
 * names of statements left out are returned, so that the checker does not
 * report every use of them as unknown.
 */
import type { ILexingError, IToken, IRecognitionException } from 'chevrotain';
import { tokenMatcher } from './chevrotain.js';
import { Lexing, Create, Name, Semicolon, Slash, Star, Training } from './tokens.js';
import { fsqlParser } from './parser.js';
import { error, joinSpans, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';
import { closest } from '../diagnostics/suggest.js';
import type { Comment, SourceFile, Statement } from './ast.js';
import { AstBuilder } from './build.js';
import { nestingError, statementTooDeep, tooDeeplyNested } from './limits.js';

export interface ParseResult {
  readonly file: SourceFile;
  readonly diagnostics: Diagnostic[];
  /** Names declared by statements that failed to parse and were left out of `file`. */
  readonly unparsed: string[];
}

/**
 * The parser's builder between files (not to keep the last file alive), and
 * the lexing: long-lived objects, because V8 throws away optimised code that
 * was specialised on short-lived ones at every full garbage collection (see
 * src/syntax/tokens.ts `Lexing`).
 */
const idleBuilder = new AstBuilder('');
const lexing = new Lexing();

/** Parses the text of one .fsql file. Never throws. */
export function parseFile(text: string, path = '<input>'): ParseResult {
  const builder = new AstBuilder(path, text);
  fsqlParser.builder = builder;
  try {
    return parseWith(builder, text, path);
  } finally {
    fsqlParser.builder = idleBuilder;
    lexing.start('');
  }
}

function parseWith(builder: AstBuilder, text: string, path: string): ParseResult {
  const syntaxErrors: Diagnostic[] = [];
  const statements: Statement[] = [];
  const unparsed: string[] = [];
  // Lexed a statement at a time, so each statement's tokens die young.
  lexing.start(text);
  let unterminated: IToken | undefined;
  let next = lexing.next();
  while (next !== undefined) {
    const chunk = chunkOf(next, lexing);
    next = chunk.following;
    if (chunk.unterminated) {
      unterminated = chunk.unterminated;
      while (lexing.next() !== undefined); // for the comments after it (kept) and its errors (ignored)
    }
    if (chunk.tokens.length > 0) parseStatement(builder, chunk, lexing.errors, statements, unparsed, syntaxErrors);
    if (unterminated) break;
  }

  const diagnostics: Diagnostic[] = [];
  for (const e of lexing.errors) {
    if (unterminated && e.offset > unterminated.startOffset) continue; // inside the comment
    const at = builder.position(e.offset);
    diagnostics.push(lexError(path, text, e.offset, e.length, at.line, at.col));
  }
  if (unterminated) {
    diagnostics.push(error('E0102', builder.tokenSpan(unterminated), 'unterminated block comment', 'close the comment with `*/`'));
  }
  diagnostics.push(...syntaxErrors, ...builder.diagnostics);
  const comments: Comment[] = lexing.comments.map((t) => ({ kind: 'comment', text: t.image, span: builder.tokenSpan(t) }));
  return {
    file: { kind: 'file', path, statements, comments, span: wholeFile(path, text) },
    diagnostics,
    unparsed,
  };
}

/** Parses one statement's tokens: the statement, or its first error. */
function parseStatement(
  builder: AstBuilder,
  chunk: Chunk,
  lexErrors: readonly ILexingError[],
  statements: Statement[],
  unparsed: string[],
  diagnostics: Diagnostic[],
): void {
  const tooDeep = tooDeeplyNested(chunk.tokens);
  if (tooDeep) {
    const name = declaredName(chunk.tokens);
    if (name !== undefined) unparsed.push(name);
    diagnostics.push(nestingError(builder.tokenSpan(tooDeep), 'nesting'));
    return;
  }
  fsqlParser.input = chunk.tokens;
  builder.beginStatement();
  const stmt = fsqlParser.statement();
  const first = fsqlParser.errors[0];
  builder.endStatement(first === undefined);
  if (first) {
    const name = declaredName(chunk.tokens);
    if (name !== undefined) unparsed.push(name);
    const from = chunk.tokens[0]!.startOffset;
    const to = Number.isNaN(first.token.startOffset) ? chunk.tokens[chunk.tokens.length - 1]!.endOffset ?? from : first.token.startOffset;
    if (!lexErrors.some((e) => e.offset >= from && e.offset <= to)) diagnostics.push(syntaxError(builder, first, chunk));
    return;
  }
  const deep = statementTooDeep(stmt, chunk.tokens.length);
  if (deep) {
    unparsed.push(stmt.name.text);
    diagnostics.push(nestingError(deep, 'depth'));
  } else {
    statements.push(stmt);
  }
}

/** The name a statement declares (`CREATE <kind> name`, `CREATE TRAINING SET name`), if it gets that far. */
function declaredName(tokens: IToken[]): string | undefined {
  const t = tokens[0]?.tokenType === Create ? tokens[tokens[1]?.tokenType === Training ? 3 : 2] : undefined;
  if (!t || !tokenMatcher(t, Name)) return undefined;
  return t.tokenType.name === 'QuotedIdentifier' ? t.image.slice(1, -1).replace(/""/g, '"') : t.image;
}

interface Chunk {
  readonly tokens: IToken[];
  /** The first token after this chunk, if any (to say what was found instead of `;`). */
  readonly next: IToken | undefined;
}

/**
 * The tokens of one statement, from `first`: up to its `;`, or up to the next
 * `CREATE` (a reserved word that only starts statements), or to the end;
 * `following` is the token after them. An unterminated `/*` is lexed as `/`
 * then `*` (a block comment needs its `*\/`); no valid statement has those two
 * adjacent, so there the chunk, and the statements, end: the rest of the file
 * is the comment.
 */
function chunkOf(first: IToken, lexing: Lexing): Chunk & { following: IToken | undefined; unterminated?: IToken } {
  const tokens: IToken[] = [];
  let t = first;
  for (;;) {
    const after = lexing.next();
    if (t.tokenType === Slash && after?.tokenType === Star && after.startOffset === t.startOffset + 1) {
      return { tokens, next: undefined, following: undefined, unterminated: t };
    }
    tokens.push(t);
    if (t.tokenType === Semicolon || after === undefined) return { tokens, next: undefined, following: after };
    if (after.tokenType === Create) return { tokens, next: after, following: after };
    t = after;
  }
}

/** Join words of other dialects: `t RIGHT JOIN u`, `FULL OUTER JOIN`, `CROSS JOIN`, `NATURAL JOIN`. */
const UNSUPPORTED_JOIN_WORDS = new Set(['RIGHT', 'FULL', 'CROSS', 'NATURAL']);

/** In a view, an unsupported join before the error explains it better than the parser can (E0112, as in build.ts). */
function unsupportedJoin(builder: AstBuilder, chunk: Chunk, upTo: number): Diagnostic | undefined {
  if (!/^view$/i.test(chunk.tokens[1]?.image ?? '')) return undefined;
  for (let i = 0; i + 1 < chunk.tokens.length && chunk.tokens[i]!.startOffset <= upTo; i++) {
    const word = chunk.tokens[i]!.image.toUpperCase();
    const next = chunk.tokens[i + 1]!.image.toUpperCase();
    if (UNSUPPORTED_JOIN_WORDS.has(word) && (next === 'JOIN' || next === 'OUTER')) {
      const message = `${word} JOIN is not supported`;
      return error('E0112', builder.tokenSpan(chunk.tokens[i]!), message, 'views support JOIN (inner) and LEFT [OUTER] JOIN');
    }
  }
  return undefined;
}

function syntaxError(builder: AstBuilder, e: IRecognitionException, chunk: Chunk): Diagnostic {
  const t = e.token;
  const join = unsupportedJoin(builder, chunk, Number.isNaN(t.startOffset) ? Infinity : t.startOffset);
  if (join) return join;
  if (t.tokenType.name !== 'EOF' && !Number.isNaN(t.startOffset)) {
    // `… FROM t ORDER BY x`: ORDER was read as an alias; point at both words.
    const before = chunk.tokens[chunk.tokens.indexOf(t) - 1];
    if (/^by$/i.test(t.image) && before && /^order$/i.test(before.image)) {
      const message = e.message.replace(/found `BY`$/i, `found \`${before.image} ${t.image}\``);
      return error('E0103', joinSpans(builder.tokenSpan(before), builder.tokenSpan(t)), message, hintFor(message, before, chunk));
    }
    return error('E0103', builder.tokenSpan(t), e.message, hintFor(e.message, t, chunk));
  }
  // Ran out of tokens: point just past the last token of the statement.
  const last = chunk.tokens[chunk.tokens.length - 1]!;
  const span = builder.tokenSpan(last);
  const after: Span = { ...span, start: span.end, end: span.end, col: span.endCol + 1, line: span.endLine, endCol: span.endCol + 1 };
  const found = chunk.next ? `\`${chunk.next.image}\`` : 'the end of the file';
  const message = e.message.replace(/found the end of the file$/, `found ${found}`);
  const hint = /expected ';'/.test(message) ? 'every statement ends with `;`' : undefined;
  return error('E0103', after, message, hint);
}

/** The optional clauses of each statement, for "did you mean" on a misspelt clause word. */
const CLAUSES: Record<string, readonly string[]> = {
  ENTITY: ['DESCRIPTION', 'OWNER', 'TAGS'],
  SOURCE: ['FORMAT', 'EVENT', 'DESCRIPTION', 'OWNER', 'TAGS'],
  FEATURE: ['WHERE', 'WINDOW', 'TTL', 'FILL', 'SCALE', 'ONE_HOT', 'DESCRIPTION', 'OWNER', 'TAGS'],
  LABEL: ['WHERE', 'DESCRIPTION', 'OWNER', 'TAGS'],
  TRAINING: ['SAMPLE', 'SEED', 'DESCRIPTION', 'OWNER', 'TAGS'],
};

function hintFor(message: string, t: IToken, chunk: Chunk): string | undefined {
  const word = /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.image) ? t.image : undefined;
  if (/expected a name/.test(message) && word) {
    return `\`${word.toUpperCase()}\` is a reserved word; write "${word}" in double quotes to use it as a name`;
  }
  if (/^expected ENTITY, SOURCE/.test(message) && word) {
    const near = closest(word, ['ENTITY', 'SOURCE', 'VIEW', 'FEATURE', 'LABEL', 'TRAINING']);
    if (near) return `did you mean \`CREATE ${near === 'TRAINING' ? 'TRAINING SET' : near}\`?`;
    if (word.toUpperCase() === 'TABLE') return 'declare a table of data with CREATE SOURCE name (columns) FROM TABLE …';
    return undefined;
  }
  if (/^expected ';'/.test(message)) {
    const kind = chunk.tokens[1]?.image.toUpperCase() ?? '';
    const clauses = CLAUSES[kind];
    const near = word && clauses ? closest(word, clauses) : undefined;
    if (near && near.toUpperCase() !== word!.toUpperCase()) return `did you mean \`${near}\`?`;
    if (kind === 'VIEW' && word && ['ORDER', 'BY', 'LIMIT', 'OFFSET', 'UNION', 'QUALIFY', 'WINDOW', 'FETCH'].includes(word.toUpperCase())) {
      return "a view's SELECT ends after WHERE, GROUP BY and HAVING: there is no ORDER BY, LIMIT, UNION or window clause (a view's rows have no order)";
    }
    if (word && clauses && !tokenMatcher(t, Create)) {
      return `\`${word}\` is not a clause of CREATE ${kind === 'TRAINING' ? 'TRAINING SET' : kind}, which takes ${clauses.join(', ')}; every statement ends with \`;\``;
    }
    return 'every statement ends with `;`';
  }
  if (/^expected a string, found/.test(message) && word && chunk.tokens[chunk.tokens.indexOf(t) - 1]?.image.toUpperCase() === 'TOPIC') {
    return `a Kafka topic is a string: TOPIC '${word}'`;
  }
  const order = word ? outOfOrder(message, word.toUpperCase()) : undefined;
  if (order) return order;
  const expected = /^expected ([A-Z_]+), found/.exec(message)?.[1];
  if (expected && word) {
    const near = closest(word, [expected]);
    if (near) return `did you mean \`${near}\`?`;
  }
  return undefined;
}

/** Clauses written in another order than the grammar's: say the order. */
function outOfOrder(message: string, found: string): string | undefined {
  if (/^expected FROM, found/.test(message) && ['EVENT', 'DESCRIPTION', 'OWNER', 'TAGS'].includes(found)) {
    return 'FROM comes right after the columns: CREATE SOURCE name (columns) FROM FILE … | TABLE … | STREAM | KAFKA TOPIC …, then EVENT TIME and the rest';
  }
  if (/^expected ENTITY, found/.test(message) && found === 'FROM') {
    return 'name the entity before the relation: … ENTITY entity FROM relation AS …';
  }
  if (/^expected LABEL, found/.test(message) && found === 'FEATURES') {
    return 'a training set names its label first: CREATE TRAINING SET name LABEL label FEATURES (…)';
  }
  if (/^expected an integer, found/.test(message) && found === 'INTERVAL') {
    return 'durations are written without INTERVAL, like `7 DAYS` or `12 HOURS`';
  }
  return undefined;
}

function lexError(file: string, text: string, offset: number, length: number, line: number, col: number): Diagnostic {
  const ch = text[offset] ?? '';
  let message = `unexpected character \`${ch}\``;
  let code = 'E0101';
  let hint: string | undefined;
  if (ch === "'") {
    code = 'E0102';
    message = 'unterminated string literal';
    hint = "close the string with `'`; write `''` for a quote inside it";
  } else if (ch === '"') {
    code = 'E0102';
    message = 'unterminated quoted identifier';
    hint = 'close the name with `"`; write `""` for a quote inside it';
  } else if (text.startsWith('/*', offset)) {
    code = 'E0102';
    message = 'unterminated block comment';
    hint = 'close the comment with `*/`';
  } else if (length > 1) {
    message = `unexpected characters \`${text.slice(offset, offset + Math.min(length, 20))}\``;
  }
  const width = code === 'E0102' ? 1 : Math.max(1, Math.min(length, 20));
  return error(code, { file, start: offset, end: offset + width, line, col, endLine: line, endCol: col + width - 1 }, message, hint);
}

function wholeFile(file: string, text: string): Span {
  const lastLine = text.lastIndexOf('\n') + 1;
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return { file, start: 0, end: text.length, line: 1, col: 1, endLine: lines, endCol: Math.max(1, text.length - lastLine) };
}
