/**
 * Re-parsing a file after an edit, statement-wise: a keystroke in a file of a
 * thousand statements re-parses the statements around the edit, not the file.
 *
 * The parser (src/syntax/parse.ts) cuts the token stream into statements at
 * each `;` and before each `CREATE`, and parses each piece on its own, so a
 * statement's AST depends on its own text and position only. After an edit:
 *
 * - the statements before the first parsed statement that starts at or before
 *   the edit are kept as they are (their text did not change);
 * - the statements from the first parsed statement that starts on a line after
 *   the edit are kept, their spans moved by the change in offsets and lines
 *   (a later line: no column moves);
 * - the text in between is parsed alone: as the new text with everything
 *   before it blanked (spaces, line breaks kept, so offsets, lines and columns
 *   come out right) and the first word of the next kept statement after it (so
 *   an error at the end says what follows, as a whole-file parse would).
 *
 * It gives up, and parses the whole file, when that could differ from a
 * whole-file parse: a lexical error anywhere (an unterminated string or
 * comment swallows what follows), or a diagnostic outside every parsed
 * statement outside the re-parsed part (a statement that failed to parse
 * there: its name is in `unparsed`, which says nothing of where it was).
 * test/lsp/reparse.test.ts holds the result equal to `parseFile` of the new
 * text for random edits.
 */
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import type { Statement } from '../syntax/ast.js';
import { parseFile, type ParseResult } from '../syntax/parse.js';

/** The codes of lexical errors (src/syntax/parse.ts lexError), after which statements are not independent. */
const LEXICAL = new Set(['E0101', 'E0102']);

export function reparse(old: ParseResult, oldText: string, newText: string, path: string): ParseResult {
  const full = (): ParseResult => parseFile(newText, path);
  if (old.file.path !== path || old.diagnostics.some((d) => LEXICAL.has(d.code))) return full();
  // The edit: old [p, oldEnd) became new [p, newEnd).
  const max = Math.min(oldText.length, newText.length);
  let p = 0;
  while (p < max && oldText.charCodeAt(p) === newText.charCodeAt(p)) p++;
  let q = 0;
  while (q < max - p && oldText.charCodeAt(oldText.length - 1 - q) === newText.charCodeAt(newText.length - 1 - q)) q++;
  const oldEnd = oldText.length - q;
  const delta = newText.length - oldText.length;
  if (delta === 0 && p === oldText.length) return old;

  const statements = old.file.statements;
  // Re-parsed from the last statement starting at or before the edit (and after a space, so that
  // blanking what precedes it cannot join or split a token), up to the first statement that starts
  // on a line after the edit's end.
  let a = -1;
  while (a + 1 < statements.length && statements[a + 1]!.span.start <= p) a++;
  while (a >= 0 && statements[a]!.span.start > 0 && !/\s/.test(oldText[statements[a]!.span.start - 1]!)) a--;
  const editEndLine = lineAt(oldText, oldEnd);
  let b = a + 1;
  while (b < statements.length && (statements[b]!.span.start < oldEnd || statements[b]!.span.line <= editEndLine)) b++;
  let L = a >= 0 ? statements[a]!.span.start : 0;
  const R = b < statements.length ? statements[b]!.span.start : oldText.length;

  // Diagnostics outside every parsed statement (a statement that failed) must fall inside the re-parsed part.
  for (const d of old.diagnostics) {
    if (containing(statements, d.span.start) !== undefined) continue;
    if (d.span.start >= R) return full();
    if (d.span.start < L) L = 0; // a failed statement before: re-parse from the start
  }
  if (L === 0 && R === oldText.length) return full();

  const newR = R + delta;
  const next = R < oldText.length ? newText.slice(newR, newR + 'CREATE'.length) : '';
  const middleText = newText.slice(0, L).replace(/[^\r\n]/g, ' ') + newText.slice(L, newR) + (next ? ` ${next}` : '');
  const middle = parseFile(middleText, path);
  if (middle.diagnostics.some((d) => LEXICAL.has(d.code))) return full();
  // Diagnostics of the added `CREATE` (alone, it is not a statement) are not the file's.
  const middleDiagnostics = middle.diagnostics.filter((d) => d.span.start < newR);

  const dLines = lineCount(newText, L, newR) - lineCount(oldText, L, R);
  const shift = <T>(x: T): T => (delta === 0 && dLines === 0 ? x : shifted(x, delta, dLines));
  const before = (s: { span: Span }) => s.span.start < L;
  const after = (s: { span: Span }) => s.span.start >= R;
  const keptStatements: Statement[] = [
    ...statements.filter(before),
    ...middle.file.statements.filter((s) => s.span.start < newR),
    ...statements.filter(after).map(shift),
  ];
  const comments = [...old.file.comments.filter(before), ...middle.file.comments.filter((c) => c.span.start < newR), ...old.file.comments.filter(after).map(shift)];
  const diagnostics = [...old.diagnostics.filter(before), ...middleDiagnostics, ...old.diagnostics.filter(after).map(shift)];
  return {
    file: { kind: 'file', path, statements: keptStatements, comments, span: wholeFile(path, newText) },
    diagnostics,
    // Every failed statement is in the re-parsed part (checked above).
    unparsed: middle.unparsed,
  };
}

/** The statement whose span holds `offset` (statements are in order). */
function containing(statements: readonly Statement[], offset: number): Statement | undefined {
  let lo = 0;
  let hi = statements.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = statements[mid]!;
    if (offset < s.span.start) hi = mid - 1;
    else if (offset >= s.span.end) lo = mid + 1;
    else return s;
  }
  return undefined;
}

/** 1-based line of an offset, counting line breaks as the parser does (\n, \r\n, \r). */
function lineAt(text: string, offset: number): number {
  return 1 + lineCount(text, 0, offset);
}

function lineCount(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/** A copy of an AST piece with every span moved by `offset` characters and `lines` lines. */
function shifted<T>(x: T, offset: number, lines: number): T {
  if (Array.isArray(x)) return x.map((v) => shifted(v, offset, lines)) as T;
  if (x === null || typeof x !== 'object') return x;
  const o = x as Record<string, unknown>;
  if (typeof o['endCol'] === 'number' && typeof o['start'] === 'number' && typeof o['file'] === 'string') {
    const s = o as unknown as Span;
    return { ...s, start: s.start + offset, end: s.end + offset, line: s.line + lines, endLine: s.endLine + lines } as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in o) out[k] = shifted(o[k], offset, lines);
  return out as T;
}

/** The span of a whole file, as parseFile gives it. */
function wholeFile(file: string, text: string): Span {
  const lastLine = text.lastIndexOf('\n') + 1;
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return { file, start: 0, end: text.length, line: 1, col: 1, endLine: lines, endCol: Math.max(1, text.length - lastLine) };
}
