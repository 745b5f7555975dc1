// Properties of the canonical formatter over random valid programs
// (test/support/arbitrary-program.ts).
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { formatFile, formatSource } from '../../src/syntax/format.js';
import { parseFile } from '../../src/syntax/parse.js';
import { arbProgram, arbStatement } from '../support/arbitrary-program.js';
import { stripSpans } from '../support/ast.js';

const NUM_RUNS = Number(process.env.FSQL_FUZZ_RUNS ?? 200);

function parseClean(text: string) {
  const { file, diagnostics } = parseFile(text, 'prop.fsql');
  expect(diagnostics, text).toEqual([]);
  return file;
}

describe('arbitrary programs', () => {
  it('are valid: they parse with no diagnostics', () => {
    fc.assert(
      fc.property(arbProgram, (text) => {
        parseClean(text);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('formatFile', () => {
  it('prints text that parses back, with no diagnostics, to the same AST (spans aside)', () => {
    fc.assert(
      fc.property(arbProgram, (text) => {
        const before = parseClean(text);
        const formatted = formatFile(before);
        const after = parseClean(formatted);
        expect(stripSpans(after)).toEqual(stripSpans(before));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('is a fixed point: formatting formatted text changes nothing', () => {
    fc.assert(
      fc.property(arbProgram, (text) => {
        const once = formatFile(parseClean(text));
        const twice = formatFile(parseClean(once));
        expect(twice).toBe(once);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('keeps every comment, in order', () => {
    fc.assert(
      fc.property(arbProgram, (text) => {
        const before = parseClean(text);
        const after = parseClean(formatFile(before));
        expect(stripSpans(after.comments)).toEqual(stripSpans(before.comments));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('ends with exactly one newline', () => {
    fc.assert(
      fc.property(arbStatement, (text) => {
        const out = formatFile(parseClean(text));
        expect(out.endsWith('\n')).toBe(true);
        expect(out.endsWith('\n\n')).toBe(false);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('formatSource', () => {
  it('agrees with formatFile on valid text and leaves it fixed', () => {
    fc.assert(
      fc.property(arbProgram, (text) => {
        const { output, diagnostics } = formatSource(text, 'prop.fsql');
        expect(diagnostics).toEqual([]);
        expect(output).toBe(formatFile(parseFile(text, 'prop.fsql').file));
        expect(formatSource(output, 'prop.fsql').output).toBe(output);
      }),
      { numRuns: 50 },
    );
  });

  it('returns text with errors unchanged', () => {
    fc.assert(
      fc.property(arbProgram, (text) => {
        const broken = `${text}\nCREATE ENTITY;`;
        const { output, diagnostics } = formatSource(broken, 'prop.fsql');
        expect(diagnostics.length).toBeGreaterThan(0);
        expect(output).toBe(broken);
      }),
      { numRuns: 50 },
    );
  });
});
