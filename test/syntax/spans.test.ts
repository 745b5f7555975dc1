import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';

describe('spans', () => {
  it.each([
    ['\\n', '\n'],
    ['\\r\\n', '\r\n'],
    ['\\r', '\r'],
  ])('count lines the same way for tokens and nodes with %s line ends', (_name, nl) => {
    // Found by the robustness property: a view column without a name (a node span) after lone \r line ends.
    const text = ['', 'CREATE VIEW v AS select', "CASE WHEN x = 'a'", 'THEN 1 END', 'FROM t;'].join(nl);
    const d = checkText(text, 'f.fsql').diagnostics.find((x) => x.code === 'E0211')!;
    expect({ line: d.span.line, col: d.span.col, endLine: d.span.endLine }).toEqual({ line: 3, col: 1, endLine: 4 });
  });
});
