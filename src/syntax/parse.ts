/**
 * Text → AST for one file, with every syntax error reported.
 *
 * Recovery: the token stream is cut into statements at each `;` and before
 * each `CREATE` (a reserved word that only starts statements), and each piece
 * is parsed on its own. A statement with an error is diagnosed and left out;
 * the others still parse, so one run reports the first error of every
 * statement.
 */
import type { IToken, IRecognitionException } from 'chevrotain';
import { fsqlLexer, Create, Semicolon } from '../../grammar/tokens.js';
import { fsqlParser } from '../../grammar/parser.js';
import { error, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';
import type { Comment, SourceFile, Statement } from './ast.js';
import { AstBuilder } from './build.js';

export interface ParseResult {
  readonly file: SourceFile;
  readonly diagnostics: Diagnostic[];
}

/** Parses the text of one .fsql file. Never throws. */
export function parseFile(text: string, path = '<input>'): ParseResult {
  const builder = new AstBuilder(path);
  const diagnostics: Diagnostic[] = [];
  const statements: Statement[] = [];
  const lexed = fsqlLexer.tokenize(text);

  for (const e of lexed.errors) diagnostics.push(lexError(path, text, e.offset, e.length, e.line ?? 1, e.column ?? 1));

  for (const chunk of statementsOf(lexed.tokens)) {
    fsqlParser.input = chunk.tokens;
    const cst = fsqlParser.statement();
    const first = fsqlParser.errors[0];
    if (first) {
      diagnostics.push(syntaxError(builder, first, chunk));
      continue;
    }
    const stmt = builder.statement(cst);
    if (stmt) statements.push(stmt);
  }

  const comments: Comment[] = (lexed.groups['comments'] ?? []).map((t) => ({ kind: 'comment', text: t.image, span: builder.tokenSpan(t) }));
  diagnostics.push(...builder.diagnostics);
  return {
    file: { kind: 'file', path, statements, comments, span: wholeFile(path, text) },
    diagnostics,
  };
}

interface Chunk {
  readonly tokens: IToken[];
  /** The first token after this chunk, if any (to say what was found instead of `;`). */
  readonly next: IToken | undefined;
}

function statementsOf(tokens: IToken[]): Chunk[] {
  const chunks: Chunk[] = [];
  let current: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === Create && current.length > 0) {
      chunks.push({ tokens: current, next: t });
      current = [];
    }
    current.push(t);
    if (t.tokenType === Semicolon) {
      chunks.push({ tokens: current, next: undefined });
      current = [];
    }
  }
  if (current.length > 0) chunks.push({ tokens: current, next: undefined });
  return chunks;
}

function syntaxError(builder: AstBuilder, e: IRecognitionException, chunk: Chunk): Diagnostic {
  const t = e.token;
  if (t.tokenType.name !== 'EOF' && !Number.isNaN(t.startOffset)) {
    return error('E0103', builder.tokenSpan(t), e.message, hintFor(e.message, t));
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

function hintFor(message: string, t: IToken): string | undefined {
  if (/expected a name/.test(message) && /^[A-Za-z_]+$/.test(t.image)) {
    return `\`${t.image.toUpperCase()}\` is a reserved word; write "${t.image}" in double quotes to use it as a name`;
  }
  if (/expected ';'/.test(message)) return 'every statement ends with `;`';
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
  const lines = text.split('\n');
  return { file, start: 0, end: text.length, line: 1, col: 1, endLine: lines.length, endCol: Math.max(1, lines[lines.length - 1]!.length) };
}
