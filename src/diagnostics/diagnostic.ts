/**
 * A diagnostic is plain data: a stable code, a span, a message and optional
 * hint and notes. The same object is rendered for the terminal, as JSON for
 * editors and CI, and returned from the public API.
 */

/**
 * A range of source text. Offsets are 0-based with `end` exclusive; lines and
 * columns are 1-based, and `endLine`/`endCol` locate the last character (inclusive).
 */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
}

export type Severity = 'error' | 'warning';

/** A secondary location shown under the main message ("first defined here"). */
export interface RelatedSpan {
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  /** Stable code such as `E0201`; documented in docs/errors.md. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  /** One sentence telling the user what to do, or the near name ("did you mean `amount`?"). */
  readonly hint?: string;
  readonly related?: readonly RelatedSpan[];
}

export function error(code: string, span: Span, message: string, hint?: string, related?: RelatedSpan[]): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity: 'error', message, span };
  if (hint !== undefined) d.hint = hint;
  if (related !== undefined && related.length > 0) d.related = related;
  return d;
}

export function warning(code: string, span: Span, message: string, hint?: string): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity: 'warning', message, span };
  if (hint !== undefined) d.hint = hint;
  return d;
}

/** A span covering `a` through `b` (both in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  return {
    file: a.file,
    start: a.start,
    end: b.end,
    line: a.line,
    col: a.col,
    endLine: b.endLine,
    endCol: b.endCol,
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, then code, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start - b.span.start ||
      a.span.end - b.span.end ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
