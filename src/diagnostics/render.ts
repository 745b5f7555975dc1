/**
 * Renders diagnostics like rustc/tsc:
 *
 *   features.fsql:3:14: error[E0203]: unknown column `amout` in `transactions`
 *      |
 *    3 |   AS AVG(amout) WINDOW 7 DAYS
 *      |          ^^^^^
 *      = hint: did you mean `amount`?
 */
import type { Diagnostic, Span } from './diagnostic.js';

export interface RenderOptions {
  /** Colour with ANSI escapes (terminal); off by default. */
  readonly color?: boolean;
}

const ansi = {
  red: (s: string) => `\u001b[31;1m${s}\u001b[0m`,
  yellow: (s: string) => `\u001b[33;1m${s}\u001b[0m`,
  blue: (s: string) => `\u001b[34;1m${s}\u001b[0m`,
  bold: (s: string) => `\u001b[1m${s}\u001b[0m`,
};
const plain = { red: (s: string) => s, yellow: (s: string) => s, blue: (s: string) => s, bold: (s: string) => s };

/** Looks up the text of a source file by path (as given in spans). */
export type SourceLookup = (file: string) => string | undefined;

/** The longest name quoted whole in a message; longer ones keep their start and end around an ellipsis. */
const MAX_QUOTED = 80;
/** The widest source line shown whole; a longer one is shown as a window around the span. */
const MAX_LINE = 160;

/** A message with every overlong `quoted` piece shortened (a 1M-character identifier must not fill the screen). */
export function shortenMessage(message: string): string {
  if (message.length <= MAX_QUOTED) return message;
  // Odd pieces between backticks are the quoted ones (a last piece without a closing backtick is not).
  const parts = message.split('`');
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    const piece = parts[i]!;
    const quoted = i % 2 === 1 && i < parts.length - 1;
    if (quoted && piece.length > MAX_QUOTED) out += `\`${piece.slice(0, 48)}…${piece.slice(-16)}`;
    else out += `\`${piece}`;
    if (quoted && piece.length > MAX_QUOTED) {
      out += `\` (${piece.length} characters)`;
      i++;
      if (i < parts.length) out += parts[i]!;
    }
  }
  return out;
}

export function renderDiagnostic(d: Diagnostic, sources: SourceLookup, options: RenderOptions = {}): string {
  const c = options.color ? ansi : plain;
  const sev = d.severity === 'error' ? c.red(`error[${d.code}]`) : c.yellow(`warning[${d.code}]`);
  // One gutter for the whole diagnostic, as wide as the largest line number shown.
  const gutter = Math.max(gutterWidth(d.span), ...(d.related ?? []).map((r) => gutterWidth(r.span)));
  const out: string[] = [`${location(d.span)}: ${sev}: ${c.bold(shortenMessage(d.message))}`];
  out.push(...snippet(d.span, sources(d.span.file), c, gutter));
  for (const r of d.related ?? []) {
    out.push(`${location(r.span)}: note: ${shortenMessage(r.message)}`);
    out.push(...snippet(r.span, sources(r.span.file), c, gutter));
  }
  if (d.hint) out.push(`${' '.repeat(gutter)}${c.blue('=')} hint: ${shortenMessage(d.hint)}`);
  return out.join('\n');
}

export function renderDiagnostics(ds: readonly Diagnostic[], sources: SourceLookup, options: RenderOptions = {}): string {
  return ds.map((d) => renderDiagnostic(d, sources, options)).join('\n\n');
}

export function location(span: Span): string {
  return `${span.file}:${span.line}:${span.col}`;
}

function gutterWidth(span: Span): number {
  return String(span.line).length + 1;
}

/** The source line with a caret/underline below the span (first line of a multi-line span). */
function snippet(span: Span, text: string | undefined, c: typeof plain, gutter: number): string[] {
  if (text === undefined) return [];
  const lines = lineAt(text, span.line);
  if (lines === undefined) return [];
  const pad = ' '.repeat(gutter);
  let lineText = lines.replace(/\t/g, ' ');
  let startCol = Math.max(1, Math.min(span.col, lineText.length + 1));
  const endCol = span.endLine === span.line ? Math.max(span.endCol, startCol) : lineText.length;
  let width = Math.max(1, endCol - startCol + 1);
  if (lineText.length > MAX_LINE) {
    // A window around the span's start: 40 characters before it, at most 80 underlined, 40 after.
    const from = Math.max(0, startCol - 1 - 40);
    width = Math.min(width, 80);
    const to = Math.min(lineText.length, startCol - 1 + width + 40);
    lineText = `${from > 0 ? '…' : ''}${lineText.slice(from, to)}${to < lineText.length ? '…' : ''}`;
    startCol = startCol - from + (from > 0 ? 1 : 0);
  }
  const underline = ' '.repeat(startCol - 1) + '^'.repeat(width);
  return [
    `${pad}${c.blue('|')}`,
    `${c.blue(String(span.line).padStart(pad.length - 1))} ${c.blue('|')} ${lineText}`,
    `${pad}${c.blue('|')} ${c.red(underline)}`,
  ];
}

function lineAt(text: string, line: number): string | undefined {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  return text.slice(start, end).replace(/\r$/, '');
}

/** The JSON form: one object per diagnostic, spans inlined, stable key order. */
export function diagnosticsToJson(ds: readonly Diagnostic[]): unknown[] {
  return ds.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: shortenMessage(d.message),
    file: d.span.file,
    line: d.span.line,
    column: d.span.col,
    endLine: d.span.endLine,
    endColumn: d.span.endCol,
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.related ? { related: d.related.map((r) => ({ message: r.message, file: r.span.file, line: r.span.line, column: r.span.col })) } : {}),
  }));
}
