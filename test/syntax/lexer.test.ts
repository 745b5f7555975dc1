// The hand-written lexer (src/syntax/tokens.ts `fsqlLexer`) must give exactly what
// a chevrotain Lexer over the token definitions (`allTokens`) gives: the same
// tokens (type, text, offset), the same comments and the same lexing errors
// (offset and length). Checked on the example project and on random text made
// of the pieces where the two could disagree.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ILexingResult, IToken } from 'chevrotain';
import { Lexer } from '../../src/syntax/chevrotain.js';
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { allTokens, fsqlLexer } from '../../src/syntax/tokens.js';

const reference = new Lexer(allTokens, { positionTracking: 'onlyOffset' });

const tokenOf = (t: IToken) => `${t.tokenType.name} ${t.startOffset} ${JSON.stringify(t.image)}`;

function summary(r: ILexingResult) {
  return {
    tokens: r.tokens.map(tokenOf),
    comments: (r.groups['comments'] ?? []).map(tokenOf),
    errors: r.errors.map((e) => `${e.offset}+${e.length}`),
  };
}

function expectSameAsChevrotain(text: string): void {
  const ours = fsqlLexer.tokenize(text);
  expect(summary(ours), JSON.stringify(text)).toEqual(summary(reference.tokenize(text)));
  for (const t of [...ours.tokens, ...(ours.groups['comments'] ?? [])]) {
    expect(t.endOffset, tokenOf(t)).toBe(t.startOffset + t.image.length - 1);
    expect(t.tokenTypeIdx).toBe(t.tokenType.tokenTypeIdx);
  }
}

/** Pieces of text where patterns start, overlap or end. */
const PIECES = [
  ...`'"();,.-/*+%=<>!|_ \t\r\n\f\v`,
  '--', '/*', '*/', "''", '""', '||', '<>', '!=', '<=', '>=', '1', '42', '007', '1.', '.5', '1.5', '1e3', '1E+3', '1e-', '2.5e',
  'e', 'E', 'x', 'a1', 'in', 'inner', 'IN', 'Inner', 'time', 'TimeStamp', 'date', 'one_hot', 'ONE_HOTS', 'select', 'SELECTED',
  'é', '\u00a0', '\u2028', '😀', '\ud800', '@', '#', '$', '`',
];

const arbText = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((p) => p.join(''));

describe('the lexer', () => {
  it('lexes the example project like a chevrotain Lexer', () => {
    const root = fileURLToPath(new URL('../../examples/payments/', import.meta.url));
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return walk(path);
        return name.endsWith('.fsql') ? [path] : [];
      });
    const files = walk(root);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expectSameAsChevrotain(readFileSync(f, 'utf8'));
  });

  it('lexes random text like a chevrotain Lexer', () => {
    fc.assert(fc.property(arbText, expectSameAsChevrotain), { numRuns: 3000 });
  });

  it('lexes arbitrary strings like a chevrotain Lexer', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), expectSameAsChevrotain), { numRuns: 1000 });
  });

  it('handles unterminated strings as the regular expression does', () => {
    for (const text of ["'ab''", "'a'''", "'''", "'", "''", "'a''b", "x 'it''s' 'open", '"a""', '"', '/* open', '/*/', '/**/']) {
      expectSameAsChevrotain(text);
    }
  });
});
