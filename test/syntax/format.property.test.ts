// Properties of the canonical formatter over random valid programs
// (test/support/arbitrary-program.ts).
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { formatFile, formatSource } from '../../src/syntax/format.js';
import { parseFile } from '../../src/syntax/parse.js';
import { arbProgram, arbStatement, programArbitrary } from '../support/arbitrary-program.js';
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

// Comments between many tokens: inside column lists, between clauses, within expressions, before `;`.
const arbCommented = programArbitrary({ commentRate: 0.3 });

describe('formatFile with a comment between most tokens', () => {
  it('prints text that parses back to the same AST, keeping every comment in order', () => {
    fc.assert(
      fc.property(arbCommented, (text) => {
        const before = parseClean(text);
        const after = parseClean(formatFile(before));
        // The comments are part of the AST: same texts, same order.
        expect(stripSpans(after)).toEqual(stripSpans(before));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('is a fixed point', () => {
    fc.assert(
      fc.property(arbCommented, (text) => {
        const once = formatFile(parseClean(text));
        expect(formatFile(parseClean(once))).toBe(once);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('end-of-line comments in a column list', () => {
  const arbColumns = fc.array(
    fc.record({
      type: fc.constantFrom('INT', 'TEXT', 'DOUBLE NOT NULL', 'TIMESTAMP'),
      comment: fc.option(fc.constantFrom('-- the id', '--', '/* cents */', "-- it's; /* not a block"), { nil: undefined }),
      tight: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6 },
  );

  it('each stays at the end of the line of the column it follows, whatever the layout', () => {
    fc.assert(
      fc.property(arbColumns, fc.boolean(), (columns, inline) => {
        // `c0 INT, -- the id` then a newline (a line comment ends its line); the comma before or after a block comment.
        const parts = columns.map((c, i) => {
          const comma = i < columns.length - 1 ? ',' : '';
          if (c.comment === undefined) return `c${i} ${c.type}${comma}${inline ? ' ' : '\n  '}`;
          return c.tight && c.comment.startsWith('/*') ? `c${i} ${c.type} ${c.comment}${comma}\n  ` : `c${i} ${c.type}${comma} ${c.comment}\n  `;
        });
        const text = `CREATE SOURCE s (${parts.join('')}) FROM STREAM;\n`;
        const out = formatFile(parseClean(text));
        const lines = out.split('\n');
        columns.forEach((c, i) => {
          const line = lines.find((l) => l.startsWith(`  c${i} `));
          expect(line, out).toBeDefined();
          expect(line!.endsWith(c.comment === undefined ? `${c.type}${i < columns.length - 1 ? ',' : ''}` : ` ${c.comment}`), out).toBe(true);
        });
        expect(formatFile(parseClean(out))).toBe(out);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
