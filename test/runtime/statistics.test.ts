/**
 * Fitted parameters and recorded statistics come from one computation over
 * the fit population's (value, count) runs: values near the largest DOUBLE
 * neither overflow the fitted mean (SCALE STANDARD serving NULL) nor make
 * `describe` disagree with what the transforms use. Expected values are worked
 * out by hand in the comments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsql, tempDir, writeFiles } from './support.js';

const PROJECT = `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE readings (user_id TEXT NOT NULL, v DOUBLE, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/readings.csv' EVENT TIME ts;

CREATE FEATURE v_std ENTITY user FROM readings AS v SCALE STANDARD;
CREATE FEATURE v_mean ENTITY user FROM readings AS v FILL MEAN;
`;

// Population at the fit time (01-03): a 1e308, b 1.5e308, c NULL (dropped).
// mean (1e308 + 1.5e308) / 2 = 1.25e308 (their sum overflows a double);
// stddev_pop = 0.25e308. a → (1e308 − 1.25e308) / 0.25e308 = −1, b → 1.
const READINGS = `user_id,v,ts
a,1e308,2024-01-01 00:00:00
b,1.5e308,2024-01-02 00:00:00
c,,2024-01-03 00:00:00
`;

type Vector = Record<string, { value: unknown; status: string }>;

describe('statistics near the largest DOUBLE', () => {
  let dir = '';
  let cleanup = () => undefined as void;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('fsql-statistics-'));
    writeFiles(dir, { 'features.fsql': PROJECT, 'data/readings.csv': READINGS });
    const applied = await fsql('apply', dir);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-01-05 00:00:00')).code).toBe(0);
  });
  afterAll(() => cleanup());

  const vector = async (key: string): Promise<Vector> => {
    const got = await fsql('get', 'user', key, '--project', dir, '--format', 'json');
    expect(got.code).toBe(0);
    return (JSON.parse(got.stdout) as { results: { features: Vector }[] }).results[0]!.features;
  };

  it('fits a finite mean and stddev, and describe records the same numbers', async () => {
    for (const name of ['v_std', 'v_mean']) {
      const d = JSON.parse((await fsql('describe', name, dir, '--format', 'json')).stdout) as {
        fittedParameters: { count: number; mean: number | null; stddev: number | null };
        statistics: { count: number; mean: number | null; stddev: number | null };
      };
      expect(d.fittedParameters.count).toBe(2);
      expect(d.fittedParameters.mean).toBe(1.25e308);
      expect(d.fittedParameters.stddev).toBe(0.25e308);
      expect(d.statistics.mean).toBe(d.fittedParameters.mean);
      expect(d.statistics.stddev).toBe(d.fittedParameters.stddev);
    }
  });

  it('serves SCALE STANDARD values and the FILL MEAN, never NULL as present', async () => {
    expect((await vector('a'))['v_std']).toMatchObject({ value: -1, status: 'present' });
    expect((await vector('b'))['v_std']).toMatchObject({ value: 1, status: 'present' });
    expect((await vector('c'))['v_mean']).toMatchObject({ value: 1.25e308 });
  });
});
