/**
 * `fsql compile` on a project folder with a registry uses the fitted
 * parameters `fsql apply` registered for the same feature definitions; with
 * none (never applied, or a definition edited under a registered VERSION) it
 * says which feature is not fitted, as before. Expected values are computed
 * here from the example's CSV files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, fsql } from '../runtime/support.js';

type CsvRecord = { [column: string]: string };
const readCsv = (path: string): CsvRecord[] => parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as CsvRecord[];

/** The `n` most frequent non-empty values, ties by value order (docs/semantics.md §5). */
function topN(values: readonly string[], n: number): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([v]) => v);
}

/** PERCENTILE_CONT: the value at position p × (n − 1) of the sorted values, interpolated. */
function percentile(sorted: readonly number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const NUMBER = String.raw`(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)`;
/** user_age is `FILL MEDIAN SCALE STANDARD`: `(COALESCE(x, median) - mean) / stddev AS "user_age"` in the SQL. */
const USER_AGE = new RegExp(String.raw`\(COALESCE\([^()]*\([^()]*\), ${NUMBER}\) - ${NUMBER}\) / ${NUMBER} AS "user_age"`);

describe('fsql compile with the registry', () => {
  let dir = '';
  let cleanup = () => undefined as void;
  beforeAll(() => {
    ({ dir, cleanup } = copyExample('payments', 'fsql-compile-'));
  });
  afterAll(() => cleanup());

  const compileTrainingSet = (...extra: string[]) => fsql('compile', dir, '--target', 'sqlite', '--training-set', 'fraud_detection', ...extra);

  it('before any apply: refuses, naming the feature that is not fitted, and creates nothing', async () => {
    const r = await compileTrainingSet();
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'fsql: feature avg_amount_7d VERSION 2 has not been fitted yet: run `fsql apply`\n' });
    expect(existsSync(join(dir, '.fsql'))).toBe(false);
    // --explain needs no parameters.
    expect((await compileTrainingSet('--explain')).code).toBe(0);
  });

  it('after apply: the SQL inlines the registered parameters (TOP n vocabularies, median, mean, stddev)', async () => {
    expect((await fsql('apply', dir)).code).toBe(0);
    const r = await compileTrainingSet();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sql = r.stdout;
    expect(sql).toMatch(/^-- training set fraud_detection v1 \(sqlite\)\n/);

    // ONE_HOT TOP 5 of users.country and TOP 8 of merchants.category: one column per vocabulary value.
    const columns = (feature: string) => [...new Set([...sql.matchAll(new RegExp(`AS "(${feature}__[^"]+)"`, 'g'))].map((m) => m[1]))].sort();
    const countries = topN(readCsv(join(dir, 'data/users.csv')).map((u) => u['country']!), 5);
    const categories = topN(readCsv(join(dir, 'data/merchants.csv')).map((m) => m['category']!), 8);
    expect(countries).toHaveLength(5);
    expect(columns('home_country')).toEqual(countries.map((c) => `home_country__${c}`).sort());
    expect(columns('merchant_category')).toEqual(categories.map((c) => `merchant_category__${c}`).sort());

    // user_age (a dimension feature): median, mean and population stddev of every user's age.
    const ages = readCsv(join(dir, 'data/users.csv'))
      .map((u) => u['age']!)
      .filter((a) => a !== '')
      .map(Number)
      .sort((a, b) => a - b);
    const mean = ages.reduce((s, a) => s + a, 0) / ages.length;
    const stddev = Math.sqrt(ages.reduce((s, a) => s + (a - mean) ** 2, 0) / ages.length);
    const m = USER_AGE.exec(sql);
    expect(m, 'the user_age expression').not.toBeNull();
    expect(Number(m![1])).toBe(percentile(ages, 0.5));
    expect(Number(m![2])).toBeCloseTo(mean, 9);
    expect(Number(m![3])).toBeCloseTo(stddev, 9);
  });

  it('a --params entry overrides the registry for its feature version; the others still come from the registry', async () => {
    const params = join(dir, 'params.json');
    const age = { fitTime: null, count: 3, mean: 10, stddev: 2, min: 4, max: 16, q1: 4.5, median: 5, q3: 15, mode: 4, vocabulary: [], columns: ['user_age'] };
    writeFileSync(params, JSON.stringify({ 'USER_AGE@1': age }));
    const r = await compileTrainingSet('--params', params);
    expect(r.code).toBe(0);
    const m = USER_AGE.exec(r.stdout);
    expect(m!.slice(1).map(Number)).toEqual([5, 10, 2]);
  });

  it('a definition edited under a registered VERSION does not get that version’s parameters', async () => {
    const file = join(dir, 'features', 'user_profile.fsql');
    const original = readFileSync(file, 'utf8');
    expect(original).toContain('  AS age\n  FILL MEDIAN\n  SCALE STANDARD');
    try {
      writeFileSync(file, original.replace('  AS age\n  FILL MEDIAN\n  SCALE STANDARD', '  AS age + 1\n  FILL MEDIAN\n  SCALE STANDARD'));
      const r = await compileTrainingSet();
      expect(r).toEqual({ code: 2, stdout: '', stderr: 'fsql: feature user_age VERSION 1 has not been fitted yet: run `fsql apply`\n' });
    } finally {
      writeFileSync(file, original);
    }
    expect((await compileTrainingSet()).code).toBe(0);
  });
});
