/**
 * Line diffs between a registered definition and the project's, rendered like
 * `git diff`: `--- a` / `+++ b` headers, `@@ -l,n +l,n @@` hunks, then the
 * lines prefixed with ' ', '-' or '+'. Colour (red/green/cyan) is optional.
 * The diff itself is the `diff` package's (Myers' algorithm).
 */
import { diffLines, structuredPatch } from 'diff';
import pc from 'picocolors';

export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/** Every line of both texts, in order, marked as kept, removed or added. */
export function lineDiff(oldText: string, newText: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const change of diffLines(withNewline(oldText), withNewline(newText))) {
    const op = change.added ? '+' : change.removed ? '-' : ' ';
    for (const line of splitLines(change.value)) out.push({ op, text: line });
  }
  return out;
}

export interface RenderDiffOptions {
  /** Header names; default `registered` and `project`. */
  readonly oldLabel?: string;
  readonly newLabel?: string;
  /** Lines of context around each change (git's default, 3). */
  readonly context?: number;
  /** ANSI colours; default off. */
  readonly color?: boolean;
}

/** A unified diff of two texts, like `git diff`; the empty string when they are equal. */
export function renderDiff(oldText: string, newText: string, options: RenderDiffOptions = {}): string {
  if (oldText === newText) return '';
  const patch = structuredPatch(
    options.oldLabel ?? 'registered',
    options.newLabel ?? 'project',
    withNewline(oldText),
    withNewline(newText),
    undefined,
    undefined,
    { context: options.context ?? 3 },
  );
  const c = pc.createColors(options.color ?? false);
  const lines = [c.bold(`--- ${patch.oldFileName}`), c.bold(`+++ ${patch.newFileName}`)];
  for (const hunk of patch.hunks) {
    lines.push(c.cyan(`@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`));
    for (const line of hunk.lines) {
      if (line.startsWith('\\')) continue; // "\ No newline at end of file": both texts end with one
      lines.push(line.startsWith('-') ? c.red(line) : line.startsWith('+') ? c.green(line) : line);
    }
  }
  return lines.join('\n');
}

/** git's spelling of a hunk range: `l` for one line, `l,n` otherwise (`l-1,0` for none). */
function range(start: number, count: number): string {
  if (count === 1) return String(start);
  return `${count === 0 ? start - 1 : start},${count}`;
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function splitLines(value: string): string[] {
  const lines = value.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
