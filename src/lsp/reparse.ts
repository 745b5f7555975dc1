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
 *   the edit are kept, their spans moved (in place) by the change in offsets
 *   and lines (a later line: no column moves);
 * - the text in between is parsed alone, followed by the first word of the
 *   next kept statement (so an error at its end says what follows, as a
 *   whole-file parse would), and its spans moved to where it starts.
 *
 * It gives up, and parses the whole file, when that could differ from a
 * whole-file parse: a lexical error anywhere (an unterminated string or
 * comment swallows what follows), or a diagnostic outside every parsed
 * statement outside the re-parsed part (a statement that failed to parse
 * there: its name is in `unparsed`, which says nothing of where it was).
 * test/lsp/reparse.test.ts holds the result equal to `parseFile` of the new
 * text for random edits.
 */
import type { Span } from '../diagnostics/diagnostic.js';
import type { Statement } from '../syntax/ast.js';
import { parseFile, type ParseResult } from '../syntax/parse.js';

/** The codes of lexical errors (src/syntax/parse.ts lexError), after which statements are not independent. */
const LEXICAL = new Set(['E0101', 'E0102']);

/**
 * The parse of `newText`, from the parse of `oldText`. Takes the old parse
 * over: the statements it keeps are moved in place, so the caller must not
 * use `old` afterwards.
 */
export function reparse(old: ParseResult, oldText: string, newText: string, path: string): ParseResult {
  const full = (): ParseResult => parseFile(newText, path);
  if (old.file.path !== path || old.diagnostics.some((d) => LEXICAL.has(d.code))) return full();
  // The edit: old [p, oldEnd) became new [p, newEnd).
  const { p, q } = commonEnds(oldText, newText);
  const oldEnd = oldText.length - q;
  const delta = newText.length - oldText.length;
  if (delta === 0 && p === oldText.length) return old;

  const statements = old.file.statements;
  // Re-parsed from the last statement starting at or before the edit (and after a space, so that
  // parsing it alone cannot join or split a token), up to the first statement that starts
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
  // The middle alone, then moved to where it is: lines below L's, columns on L's line after L's column.
  const middle = parseFile(newText.slice(L, newR) + (next ? ` ${next}` : ''), path);
  if (middle.diagnostics.some((d) => LEXICAL.has(d.code))) return full();
  const lineL = lineAt(oldText, L);
  const colL = L - lineStartBefore(oldText, L);
  const toFile = (span: Span): Span => ({
    ...span,
    start: span.start + L,
    end: span.end + L,
    line: span.line + lineL - 1,
    col: span.line === 1 ? span.col + colL : span.col,
    endLine: span.endLine + lineL - 1,
    endCol: span.endLine === 1 ? span.endCol + colL : span.endCol,
  });
  const moved = <T>(x: T): T => mapSpans(x, toFile);
  // Diagnostics of the added `CREATE` (alone, it is not a statement) are not the file's.
  const inMiddle = (s: { span: Span }) => s.span.start < newR - L;
  const middleDiagnostics = middle.diagnostics.filter(inMiddle).map(moved);

  // The statements after: moved in place (the old parse is the caller's no more).
  const dLines = lineCount(newText, L, newR) - lineCount(oldText, L, R);
  const before = (s: { span: Span }) => s.span.start < L;
  const after = (s: { span: Span }) => s.span.start >= R;
  const suffix = { statements: statements.filter(after), comments: old.file.comments.filter(after), diagnostics: old.diagnostics.filter(after) };
  if (delta !== 0 || dLines !== 0) moveInPlace(suffix, delta, dLines, new Set());
  return {
    file: {
      kind: 'file',
      path,
      statements: [...statements.filter(before), ...middle.file.statements.filter(inMiddle).map(moved), ...suffix.statements],
      comments: [...old.file.comments.filter(before), ...middle.file.comments.filter(inMiddle).map(moved), ...suffix.comments],
      span: wholeFile(path, newText),
    },
    diagnostics: [...old.diagnostics.filter(before), ...middleDiagnostics, ...suffix.diagnostics],
    // Every failed statement is in the re-parsed part (checked above).
    unparsed: middle.unparsed,
  };
}

/** The lengths of the common prefix and suffix of two texts (not overlapping), compared a block at a time. */
function commonEnds(a: string, b: string): { p: number; q: number } {
  const max = Math.min(a.length, b.length);
  const BLOCK = 1024;
  let p = 0;
  while (p + BLOCK <= max && a.slice(p, p + BLOCK) === b.slice(p, p + BLOCK)) p += BLOCK;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  let q = 0;
  while (q + BLOCK <= max - p && a.slice(a.length - q - BLOCK, a.length - q) === b.slice(b.length - q - BLOCK, b.length - q)) q += BLOCK;
  while (q < max - p && a.charCodeAt(a.length - 1 - q) === b.charCodeAt(b.length - 1 - q)) q++;
  return { p, q };
}

function lineStartBefore(text: string, offset: number): number {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i + 1;
  }
  return 0;
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

function isSpan(o: Record<string, unknown>): boolean {
  return typeof o['endCol'] === 'number' && typeof o['start'] === 'number' && typeof o['file'] === 'string';
}

/** A copy of an AST piece with every span replaced by `f(span)`. */
function mapSpans<T>(x: T, f: (s: Span) => Span): T {
  if (Array.isArray(x)) return x.map((v) => mapSpans(v, f)) as T;
  if (x === null || typeof x !== 'object') return x;
  const o = x as Record<string, unknown>;
  if (isSpan(o)) return f(o as unknown as Span) as T;
  const out: Record<string, unknown> = {};
  for (const k in o) out[k] = mapSpans(o[k], f);
  return out as T;
}

/**
 * Moves every span of an AST piece by `offset` characters and `lines` lines,
 * in place (a keystroke near the top of a large file moves thousands of spans:
 * copying them all would cost more than the parse it saves). A span object
 * shared by two nodes is moved once; a frozen one is replaced by a moved copy.
 */
function moveInPlace(x: unknown, offset: number, lines: number, seen: Set<object>): void {
  if (x === null || typeof x !== 'object' || seen.has(x)) return;
  seen.add(x);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as unknown;
      if (v !== null && typeof v === 'object' && Object.isFrozen(v) && isSpan(v as Record<string, unknown>)) x[i] = moveSpan(v as Span, offset, lines);
      else moveInPlace(v, offset, lines, seen);
    }
    return;
  }
  const o = x as Record<string, unknown>;
  if (isSpan(o)) {
    const s = o as { start: number; end: number; line: number; endLine: number };
    s.start += offset;
    s.end += offset;
    s.line += lines;
    s.endLine += lines;
    return;
  }
  for (const k in o) {
    const v = o[k];
    if (v !== null && typeof v === 'object' && Object.isFrozen(v) && isSpan(v as Record<string, unknown>)) o[k] = moveSpan(v as Span, offset, lines);
    else moveInPlace(v, offset, lines, seen);
  }
}

function moveSpan(s: Span, offset: number, lines: number): Span {
  return { ...s, start: s.start + offset, end: s.end + offset, line: s.line + lines, endLine: s.endLine + lines };
}

/** The span of a whole file, as parseFile gives it. */
function wholeFile(file: string, text: string): Span {
  const lastLine = text.lastIndexOf('\n') + 1;
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return { file, start: 0, end: text.length, line: 1, col: 1, endLine: lines, endCol: Math.max(1, text.length - lastLine) };
}
