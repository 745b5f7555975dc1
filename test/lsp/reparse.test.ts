/**
 * Statement-wise re-parsing (src/lsp/reparse.ts) gives exactly what parsing
 * the whole new text gives, for chains of random edits of the example
 * project's files and of a generated 1,000-feature file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../support/fast-check-seed.js';
import { parseFile, type ParseResult } from '../../src/syntax/parse.js';
import { reparse } from '../../src/lsp/reparse.js';
import { generateProject } from '../../bench/generate-project.js';
import { ROOT } from './client.js';
import { applyMutation, mutation } from './mutations.js';

const FILES = ['entities.fsql', 'features/card.fsql', 'features/merchant.fsql', 'features/user_profile.fsql', 'features/user_spend.fsql', 'sources.fsql', 'training.fsql', 'views.fsql'].map((f) => ({
  path: f,
  text: readFileSync(join(ROOT, 'examples', 'payments', f), 'utf8'),
}));

/** A parse result with its order-free parts in one order. */
function normal(r: ParseResult) {
  return { file: r.file, diagnostics: r.diagnostics.map((d) => JSON.stringify(d)).sort(), unparsed: [...r.unparsed].sort() };
}

describe('reparse', () => {
  it('equals parseFile of the new text after every edit of a chain', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.array(mutation, { minLength: 1, maxLength: 8 }), (file, edits) => {
        let text = file.text;
        let parse = parseFile(text, file.path);
        for (const m of edits) {
          const next = applyMutation(text, m);
          const incremental = reparse(parse, text, next, file.path);
          const whole = parseFile(next, file.path);
          expect(normal(incremental)).toEqual(normal(whole));
          text = next;
          parse = incremental;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('equals parseFile for single-character edits of a 1,000-statement file', () => {
    const big = generateProject(1000).files.reduce((a, b) => (b.text.length > a.text.length ? b : a));
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('x', ' ', '\n', ';', '(', "'", ''), fc.integer({ min: 0, max: 1 }), (at, insert, remove) => {
        const next = applyMutation(big.text, { at, remove, insert });
        // reparse takes the old parse over (it moves its statements in place): a fresh one each time.
        const parse = parseFile(big.text, big.path);
        expect(normal(reparse(parse, big.text, next, big.path))).toEqual(normal(parseFile(next, big.path)));
      }),
      { numRuns: 40 },
    );
  });
});
