/**
 * The one statistics module (src/plan/statistics.ts): the recorded statistics
 * (`describe`) and the fitted parameters (the transforms) of a population of
 * (value, count) runs. Hand-checked small inputs, and properties over random
 * ones against an independent computation over the values expanded one per
 * row (here, in the test).
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import type { FeatureInfo, ScalarType } from '../../src/check/catalog.js';
import { checkText } from '../../src/check/project.js';
import {
  computeStatistics,
  featureStatistics,
  fitStatistics,
  fittedParameters,
  HISTOGRAM_BINS,
  percentileCont,
  summarize,
  TOP_VALUES,
  type ValueCount,
} from '../../src/plan/statistics.js';

describe('computeStatistics by hand', () => {
  it('numbers: 1, 2, 3, 4 and a NULL', () => {
    const s = computeStatistics([4, null, 1, 3, 2], 'INTEGER');
    expect(s.count).toBe(4);
    expect(s.nulls).toBe(1);
    expect(s.distinct).toBe(4);
    expect(s.mean).toBe(2.5);
    // Population stddev: sqrt((2.25 + 0.25 + 0.25 + 2.25) / 4) = sqrt(1.25)
    expect(s.stddev).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(s.min).toBe(1);
    expect(s.max).toBe(4);
    // PERCENTILE_CONT: positions 0.75, 1.5, 2.25 of [1, 2, 3, 4]
    expect(s.q1).toBe(1.75);
    expect(s.median).toBe(2.5);
    expect(s.q3).toBe(3.25);
    // Width 0.3: [1,1.3) [1.3,1.6) [1.6,1.9) [1.9,2.2) … [3.7,4]
    expect(s.histogram).toHaveLength(10);
    expect(s.histogram.map((b) => b.count)).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
    expect(s.histogram[0]!.lower).toBe(1);
    expect(s.histogram[9]!.upper).toBe(4);
    expect(s.histogram[3]!.lower).toBeCloseTo(1.9, 12);
    expect(s.topValues).toEqual([
      { value: 1, count: 1 },
      { value: 2, count: 1 },
      { value: 3, count: 1 },
      { value: 4, count: 1 },
    ]);
  });

  it('an odd count has an exact median; equal-width bins split evenly spaced values', () => {
    const s = computeStatistics([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 'DOUBLE');
    expect(s.median).toBe(50);
    expect(s.q1).toBe(25);
    expect(s.q3).toBe(75);
    expect(s.mean).toBe(50);
    expect(s.histogram.map((b) => [b.lower, b.upper, b.count])).toEqual([
      [0, 10, 1],
      [10, 20, 1],
      [20, 30, 1],
      [30, 40, 1],
      [40, 50, 1],
      [50, 60, 1],
      [60, 70, 1],
      [70, 80, 1],
      [80, 90, 1],
      [90, 100, 2], // the last bin includes max
    ]);
  });

  it('one distinct value: zero stddev, one bin', () => {
    const s = computeStatistics([7, 7, 7], 'DOUBLE');
    expect(s).toMatchObject({ count: 3, nulls: 0, distinct: 1, mean: 7, stddev: 0, min: 7, max: 7, q1: 7, median: 7, q3: 7 });
    expect(s.histogram).toEqual([{ lower: 7, upper: 7, count: 3 }]);
    expect(s.topValues).toEqual([{ value: 7, count: 3 }]);
  });

  it('no values, or only NULLs', () => {
    for (const values of [[], [null, null]]) {
      expect(computeStatistics(values, 'DOUBLE')).toEqual({
        count: 0,
        nulls: values.length,
        distinct: 0,
        mean: null,
        stddev: null,
        min: null,
        max: null,
        q1: null,
        median: null,
        q3: null,
        histogram: [],
        topValues: [],
      });
    }
  });

  it('text: top values by count, ties by value; no numeric statistics', () => {
    const s = computeStatistics(['b', 'a', 'c', 'b', null, 'a', 'b', 'd'], 'TEXT');
    expect(s).toMatchObject({ count: 7, nulls: 1, distinct: 4, mean: null, median: null, min: null, histogram: [] });
    expect(s.topValues).toEqual([
      { value: 'b', count: 3 },
      { value: 'a', count: 2 },
      { value: 'c', count: 1 },
      { value: 'd', count: 1 },
    ]);
  });

  it('keeps the 10 most frequent values', () => {
    const values = Array.from({ length: 15 }, (_, i) => Array.from({ length: i + 1 }, () => `v${String(i).padStart(2, '0')}`)).flat();
    const s = computeStatistics(values, 'TEXT');
    expect(s.distinct).toBe(15);
    expect(s.topValues).toHaveLength(TOP_VALUES);
    expect(s.topValues[0]).toEqual({ value: 'v14', count: 15 });
    expect(s.topValues[9]).toEqual({ value: 'v05', count: 6 });
  });

  it('booleans: false sorts before true on ties', () => {
    expect(computeStatistics([true, false, null], 'BOOLEAN').topValues).toEqual([
      { value: false, count: 1 },
      { value: true, count: 1 },
    ]);
  });

  it('timestamps (epoch microseconds) get numeric statistics', () => {
    const s = computeStatistics([0, 86_400_000_000], 'TIMESTAMP');
    expect(s.min).toBe(0);
    expect(s.max).toBe(86_400_000_000);
    expect(s.median).toBe(43_200_000_000);
  });

  it('non-finite numbers count as NULLs', () => {
    const s = computeStatistics([1, Number.NaN, Number.POSITIVE_INFINITY, 3], 'DOUBLE');
    expect(s.count).toBe(2);
    expect(s.nulls).toBe(2);
    expect(s.mean).toBe(2);
  });

  it('huge doubles do not overflow', () => {
    const s = computeStatistics([-1.7e308, 1.7e308], 'DOUBLE');
    expect(s.mean).toBe(0);
    expect(s.median).toBe(0);
    expect(s.histogram.reduce((n, b) => n + b.count, 0)).toBe(2);
    expect(s.histogram[0]!.count).toBe(1);
    expect(s.histogram[HISTOGRAM_BINS - 1]!.count).toBe(1);
  });
});

describe('percentileCont', () => {
  it('interpolates like PERCENTILE_CONT', () => {
    expect(percentileCont([10], 0.5)).toBe(10);
    expect(percentileCont([10, 20], 0.5)).toBe(15);
    expect(percentileCont([10, 20, 40], 0.75)).toBe(30);
    expect(percentileCont([1, 2, 3, 4, 5], 0.25)).toBe(2);
  });
});

describe('computeStatistics properties', () => {
  const numericType = fc.constantFrom<ScalarType>('INTEGER', 'DOUBLE');
  const value = fc.oneof(
    { weight: 5, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 5, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
    { weight: 2, arbitrary: fc.constant(null) },
  );

  it('percentiles are monotone: min ≤ q1 ≤ median ≤ q3 ≤ max, and the mean lies within [min, max]', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 60 }), numericType, (values, type) => {
        const s = computeStatistics(values, type);
        if (s.count === 0) {
          expect(s.min).toBeNull();
          return;
        }
        expect(s.min!).toBeLessThanOrEqual(s.q1!);
        expect(s.q1!).toBeLessThanOrEqual(s.median!);
        expect(s.median!).toBeLessThanOrEqual(s.q3!);
        expect(s.q3!).toBeLessThanOrEqual(s.max!);
        expect(s.mean!).toBeGreaterThanOrEqual(s.min!);
        expect(s.mean!).toBeLessThanOrEqual(s.max!);
        expect(s.stddev === null || s.stddev >= 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('counts add up: count + nulls = values; the histogram holds every value, each in its bin; top values are the most frequent', () => {
    const anyValue = fc.oneof(value, fc.constantFrom('a', 'b', 'c'), fc.boolean());
    fc.assert(
      fc.property(fc.array(anyValue, { maxLength: 60 }), fc.constantFrom<ScalarType>('INTEGER', 'DOUBLE', 'TEXT', 'BOOLEAN'), (values, type) => {
        const s = computeStatistics(values, type);
        const present = values.filter((v) => v !== null);
        expect(s.count + s.nulls).toBe(values.length);
        expect(s.count).toBe(present.length);
        expect(s.distinct).toBe(new Set(present.map((v) => `${typeof v}:${String(v)}`)).size);
        const numbers = present.filter((v): v is number => typeof v === 'number');
        if (type === 'INTEGER' || type === 'DOUBLE') {
          expect(s.histogram.reduce((n, b) => n + b.count, 0)).toBe(numbers.length);
          for (const [i, b] of s.histogram.entries()) {
            expect(b.lower).toBeLessThanOrEqual(b.upper);
            if (i > 0) expect(b.lower).toBe(s.histogram[i - 1]!.upper);
            const last = i === s.histogram.length - 1;
            const inBin = numbers.filter((x) => x >= b.lower && (last ? x <= b.upper : x < b.upper)).length;
            expect(inBin).toBe(b.count);
          }
        } else {
          expect(s.histogram).toEqual([]);
        }
        const top = s.topValues;
        expect(top.length).toBe(Math.min(TOP_VALUES, s.distinct));
        expect(top.reduce((n, t) => n + t.count, 0)).toBeLessThanOrEqual(s.count);
        for (let i = 1; i < top.length; i++) expect(top[i]!.count).toBeLessThanOrEqual(top[i - 1]!.count);
        for (const t of top) expect(t.count).toBe(present.filter((v) => v === t.value).length);
        if (s.distinct <= TOP_VALUES) expect(top.reduce((n, t) => n + t.count, 0)).toBe(s.count);
      }),
      { numRuns: 500 },
    );
  });

  it('the median is the middle of the sorted values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 41 }), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const n = sorted.length;
        const expected = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
        expect(computeStatistics(values, 'INTEGER').median).toBeCloseTo(expected, 9);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------
// One computation for the fit and the profile, from (value, count) runs.

const FEATURES = checkText(
  `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE s (user_id TEXT NOT NULL, i INTEGER, d DOUBLE, t TEXT, b BOOLEAN, day DATE, ts TIMESTAMP NOT NULL) FROM TABLE s EVENT TIME ts;
CREATE FEATURE f_int ENTITY user FROM s AS i SCALE STANDARD;
CREATE FEATURE f_double ENTITY user FROM s AS d FILL MEDIAN SCALE ROBUST;
CREATE FEATURE f_text ENTITY user FROM s AS t ONE_HOT TOP 3;
CREATE FEATURE f_bool ENTITY user FROM s AS b FILL MODE;
CREATE FEATURE f_day ENTITY user FROM s AS day FILL MODE;
`,
  'f.fsql',
).catalog.features;
const feature = (name: string): FeatureInfo => FEATURES[name]![0]!;

/** The values of runs, one per row: what the tests compare with (the module never expands). */
function expand(runs: readonly ValueCount[]): (number | string | boolean | null)[] {
  return runs.flatMap((r) => Array.from({ length: r.count }, () => r.value));
}

/** PERCENTILE_CONT of ascending values, written here from its definition. */
function percentile(sorted: readonly number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

describe('fitted parameters and recorded statistics are the same numbers', () => {
  it('values near the largest DOUBLE: the mean does not overflow, the fit and the profile agree', () => {
    const runs: ValueCount[] = [
      { value: 1e308, count: 1 },
      { value: 1.5e308, count: 1 },
      { value: null, count: 1 },
    ];
    const fitted = fitStatistics(feature('f_double'), runs, 0);
    const recorded = featureStatistics(summarize(runs, 'DOUBLE'));
    expect(fitted).toMatchObject({ count: 2, mean: 1.25e308, stddev: 0.25e308, min: 1e308, max: 1.5e308, median: 1.25e308 });
    expect(recorded).toMatchObject({ count: 2, nulls: 1, mean: 1.25e308, stddev: 0.25e308, median: 1.25e308 });
    // Many copies of the largest double: the sum overflows long before the mean does.
    const many = fitStatistics(feature('f_double'), [{ value: Number.MAX_VALUE, count: 1_000 }, { value: -Number.MAX_VALUE, count: 1_000 }], 0);
    expect(many.mean).toBe(0);
    expect(many.stddev! / Number.MAX_VALUE).toBeCloseTo(1, 12);
  });

  it('counts are used as weights, never expanded: two billion rows in two runs', () => {
    const runs: ValueCount[] = [
      { value: 1, count: 1e9 },
      { value: 3, count: 1e9 },
    ];
    const s = featureStatistics(summarize(runs, 'INTEGER'));
    expect(s).toMatchObject({ count: 2e9, distinct: 2, mean: 2, stddev: 1, min: 1, max: 3, q1: 1, median: 2, q3: 3 });
    expect(s.histogram.map((b) => b.count)).toEqual([1e9, 0, 0, 0, 0, 0, 0, 0, 0, 1e9]);
    expect(fitStatistics(feature('f_int'), runs, 0)).toMatchObject({ count: 2e9, mean: 2, stddev: 1, median: 2, mode: 1 });
  });

  const run = <T>(value: fc.Arbitrary<T>) => fc.record({ value, count: fc.integer({ min: 1, max: 50 }) });
  const numericRuns = fc.array(
    run(
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
        // Canonical values never hold -0 (engines read it as 0: src/engine/README.md).
        { weight: 2, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
    ),
    { maxLength: 25 },
  );

  it('for INTEGER and DOUBLE features: the fitted mean, stddev, min, max and quartiles are the recorded ones, and equal the row-by-row computation', () => {
    fc.assert(
      fc.property(numericRuns, fc.constantFrom('f_int', 'f_double'), (runs, name) => {
        const f = feature(name);
        const fitted = fitStatistics(f, runs, 7);
        const recorded = featureStatistics(summarize(runs, f.rawType));
        const { count, mean, stddev, min, max, q1, median, q3 } = recorded;
        expect(fitted).toMatchObject({ fitTime: 7, count, mean, stddev, min, max, q1, median, q3 });
        expect(fitted.mode).toBe(recorded.topValues[0]?.value ?? null);

        const values = expand(runs).filter((v): v is number => v !== null);
        expect(recorded.count).toBe(values.length);
        expect(recorded.nulls).toBe(expand(runs).length - values.length);
        if (values.length === 0) {
          expect(fitted).toMatchObject({ mean: null, stddev: null, min: null, median: null, mode: null });
          return;
        }
        const sorted = [...values].sort((a, b) => a - b);
        const n = sorted.length;
        const m = sorted.reduce((s, x) => s + x, 0) / n;
        const sd = Math.sqrt(sorted.reduce((s, x) => s + (x - m) ** 2, 0) / n);
        const scale = Math.max(1, Math.abs(sorted[0]!), Math.abs(sorted[n - 1]!));
        expect(Math.abs(mean! - m)).toBeLessThanOrEqual(1e-12 * scale);
        expect(Math.abs(stddev! - sd)).toBeLessThanOrEqual(1e-9 * scale);
        expect([min, max]).toEqual([sorted[0], sorted[n - 1]]);
        expect([q1, median, q3]).toEqual([percentile(sorted, 0.25), percentile(sorted, 0.5), percentile(sorted, 0.75)]);
        // Mode: the most frequent value, ties to the smallest.
        const freq = new Map<number, number>();
        for (const x of sorted) freq.set(x, (freq.get(x) ?? 0) + 1);
        const most = Math.max(...freq.values());
        expect(fitted.mode).toBe(Math.min(...[...freq].filter(([, c]) => c === most).map(([v]) => v)));
      }),
      { numRuns: 500 },
    );
  });

  it('runs may repeat a value and come in any order: the same statistics', () => {
    fc.assert(
      fc.property(numericRuns, fc.integer({ min: 0, max: 1000 }), (runs, seed) => {
        const split = runs.flatMap((r) => (r.count > 1 ? [{ value: r.value, count: 1 }, { value: r.value, count: r.count - 1 }] : [r]));
        const shuffled = split.map((r, i) => ({ r, k: (i * 7919 + seed) % 1009 })).sort((a, b) => a.k - b.k).map((x) => x.r);
        expect(featureStatistics(summarize(shuffled, 'DOUBLE'))).toEqual(featureStatistics(summarize(runs, 'DOUBLE')));
        expect(fittedParameters(feature('f_double'), summarize(shuffled, 'DOUBLE'), null)).toEqual(fittedParameters(feature('f_double'), summarize(runs, 'DOUBLE'), null));
      }),
      { numRuns: 300 },
    );
  });

  it('text, booleans and dates: the mode and TOP n vocabulary are the top values, ties by value order', () => {
    const text: ValueCount[] = [
      { value: 'b', count: 3 },
      { value: 'a', count: 3 },
      { value: 'd', count: 1 },
      { value: 'c', count: 2 },
      { value: null, count: 5 },
    ];
    const f = fitStatistics(feature('f_text'), text, 0);
    const s = featureStatistics(summarize(text, 'TEXT'));
    expect(f).toMatchObject({ count: 9, mode: 'a', vocabulary: ['a', 'b', 'c'], columns: ['f_text__a', 'f_text__b', 'f_text__c'], mean: null });
    expect(s.topValues.map((t) => t.value)).toEqual(['a', 'b', 'c', 'd']);
    expect(fitStatistics(feature('f_bool'), [{ value: true, count: 2 }, { value: false, count: 2 }], 0).mode).toBe(false);
    // A DATE feature is profiled numerically (epoch days), and fitted only its mode.
    const days: ValueCount[] = [
      { value: 19_000, count: 1 },
      { value: 19_002, count: 2 },
    ];
    expect(featureStatistics(summarize(days, 'DATE'))).toMatchObject({ min: 19_000, max: 19_002, median: 19_002 });
    expect(fitStatistics(feature('f_day'), days, 0)).toMatchObject({ mode: 19_002, mean: null, median: null });
  });

  it('computeStatistics (a list of values) is the runs computation', () => {
    fc.assert(
      fc.property(numericRuns, (runs) => {
        expect(computeStatistics(expand(runs), 'DOUBLE')).toEqual(featureStatistics(summarize(runs, 'DOUBLE')));
      }),
      { numRuns: 200 },
    );
  });
});
