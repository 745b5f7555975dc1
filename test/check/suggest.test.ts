// Did-you-mean (src/diagnostics/suggest.ts): the same suggestions as the
// plain edit distance, at a cost bounded whatever the names are. Work is
// counted in distance-matrix cells (suggestionCells), never timed.
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { closest, editDistance, MAX_SUGGEST_CELLS, suggestionCells } from '../../src/diagnostics/suggest.js';
import { check } from '../../src/index.js';

/** Optimal string alignment distance, the whole matrix: the definition the banded version must agree with. */
function reference(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push([]);
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) d[i]![j] = i + j;
      else {
        let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
        d[i]![j] = v;
      }
    }
  }
  return d[a.length]![b.length]!;
}

/** Counts the cells computed by `f`. */
function cells(f: () => unknown): number {
  const before = suggestionCells();
  f();
  return suggestionCells() - before;
}

describe('did-you-mean', () => {
  it('the banded distance is the full distance, or max + 1 when that is larger', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '_'), maxLength: 12 });
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 14 }), (a, b, max) => {
        const full = reference(a, b);
        expect(editDistance(a, b)).toBe(full);
        expect(editDistance(a, b, max)).toBe(Math.min(full, max + 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('still suggests what it did: typos, transpositions, prefixes, case', () => {
    expect(closest('spend_3od', ['spend_30d', 'spend_7d', 'user_age'])).toBe('spend_30d');
    expect(closest('ammount', ['amount', 'currency'])).toBe('amount');
    expect(closest('cuont', ['count', 'mean'])).toBe('count');
    expect(closest('amount', ['amount_usd'])).toBe('amount_usd');
    expect(closest('USER', ['user'])).toBe('user');
    expect(closest('zzzzzz', ['amount'])).toBeUndefined();
  });

  it('skips candidates whose length differs by more than the allowed distance without computing anything', () => {
    const long = 'x'.repeat(200);
    // 'spend' against a 200-character name: the distance allowed is 1, the lengths differ by 195.
    expect(cells(() => expect(closest('spend', [long, `${long}y`])).toBeUndefined())).toBe(0);
  });

  it('a 1M-character name costs no comparison, also against long candidates', () => {
    const huge = 'a'.repeat(1_000_000);
    const near = `${'a'.repeat(999_999)}b`;
    expect(cells(() => expect(closest(huge, [near, 'amount', huge.slice(1)])).toBeUndefined())).toBe(0);
    // A case-insensitive exact match is still found (a string comparison, not a distance).
    expect(closest(huge, [huge.toUpperCase()])).toBe(huge.toUpperCase());
  });

  it('one call computes at most MAX_SUGGEST_CELLS cells, however many candidates are near in length', () => {
    const name = 'q'.repeat(256);
    // 5,000 candidates of the same length, each differing everywhere but inside the band: the worst case.
    const candidates = Array.from({ length: 5000 }, (_, i) => `${'q'.repeat(200)}${String(i).padStart(56, 'r')}`);
    const used = cells(() => closest(name, candidates));
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(MAX_SUGGEST_CELLS + 256 * 171);
  });

  it('`fsql check` on 1M-character identifiers does bounded suggestion work', () => {
    const big = 'a'.repeat(1_000_000);
    const typo = `${'a'.repeat(999_998)}ba`;
    const src = [
      'CREATE ENTITY user KEY (user_id TEXT);',
      `CREATE SOURCE ${big} (user_id TEXT, ${big} INTEGER, ts TIMESTAMP) FROM TABLE t EVENT TIME ts;`,
      `CREATE FEATURE f ENTITY user FROM ${typo} AS SUM(${typo});`,
      `CREATE FEATURE g ENTITY ${typo} FROM ${big} AS COUNT(*);`,
      '',
    ].join('\n');
    let codes: string[] = [];
    const used = cells(() => {
      codes = check(src, 'big.fsql').diagnostics.map((d) => d.code);
    });
    expect(codes.length).toBeGreaterThan(0);
    // Without the bounds: a full 1M × 1M matrix per comparison (10^12 cells).
    expect(used).toBeLessThanOrEqual(codes.length * MAX_SUGGEST_CELLS);
    expect(used).toBe(0);
  });
});
