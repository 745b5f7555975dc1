/**
 * A pathological identifier (a million characters) must not fill the
 * terminal: messages quote a long name by its start and end with its length,
 * and the source line is shown as a window around the span (issue 10,
 * finding 1: `fsql check` on a 1M-character identifier).
 */
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { diagnosticsToJson, renderDiagnostics } from '../../src/diagnostics/render.js';

const NAME = 'x'.repeat(1_000_000);
const TEXT = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE s (user_id TEXT NOT NULL, v DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE FEATURE f ENTITY user FROM s AS AVG(${NAME}) WINDOW 1 DAY;
`;

describe('diagnostics about a 1M-character identifier', () => {
  const result = checkText(TEXT, 'p.fsql');
  const errors = result.diagnostics.filter((d) => d.severity === 'error');

  it('are rendered in a few hundred characters, caret under the name', () => {
    expect(errors).toHaveLength(1);
    const text = renderDiagnostics(errors, () => TEXT);
    expect(text.length).toBeLessThan(1000);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`p.fsql:3:44: error[E0203]: unknown column \`${'x'.repeat(48)}…${'x'.repeat(16)}\` (1000000 characters) in \`s\``);
    // The window starts 40 characters before the name (after an ellipsis), so the caret is at column 42 of the shown line.
    const shown = lines[2]!.slice(lines[2]!.indexOf('| ') + 2);
    const caret = lines[3]!.slice(lines[3]!.indexOf('| ') + 2);
    expect(shown.startsWith('…')).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
    expect(caret.indexOf('^')).toBe(shown.indexOf('x'));
    expect(caret.trim()).toBe('^'.repeat(80));
  });

  it('are short in JSON too, with the exact position', () => {
    const [d] = diagnosticsToJson(errors) as { message: string; line: number; column: number; endColumn: number }[];
    expect(d!.message.length).toBeLessThan(200);
    expect([d!.line, d!.column, d!.endColumn]).toEqual([3, 44, 44 + NAME.length - 1]);
  });

  it('leave short lines and names as they are', () => {
    const short = checkText(TEXT.replace(NAME, 'amout'), 'p.fsql').diagnostics.filter((d) => d.severity === 'error');
    const text = renderDiagnostics(short, () => TEXT.replace(NAME, 'amout'));
    expect(text).toContain('unknown column `amout` in `s`');
    expect(text).toContain('3 | CREATE FEATURE f ENTITY user FROM s AS AVG(amout) WINDOW 1 DAY;');
  });
});
