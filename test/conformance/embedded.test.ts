/**
 * The conformance suite (conformance.ts) on the embedded engines, SQLite and
 * DuckDB, each case in a fresh in-memory database. PostgreSQL runs the same
 * cases in postgres.integration.ts.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { engineTargets } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { storeCase } from '../support/arbitrary-store.js';
import { checkSampleCase, checkStoreCase, checkViewCase, exampleDirs, exampleResults, expectSameResults, viewCases } from './conformance.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe.each(engineTargets)('%s: conformance', (target) => {
  const open = () => openEngine(target);
  for (const c of viewCases) it(c.name, () => checkViewCase(target, open, c));
  it('SAMPLE n PERCENT SEED s beyond 2^31 in the hash picks the rows the rule picks', () => checkSampleCase(target, open), 60_000);

  it('random projects and data equal the reference evaluator', async () => {
    await fc.assert(fc.asyncProperty(storeCase, (c) => checkStoreCase(target, open, c)), { numRuns: Number(process.env.FSQL_CONFORMANCE_RUNS ?? 15), endOnFailure: true });
  }, 120_000);
});

describe('the example projects are identical on every embedded engine', () => {
  for (const dir of exampleDirs(ROOT)) {
    it(dir.slice(ROOT.length + 1), async () => {
      const [first, ...rest] = engineTargets;
      const expected = await exampleResults(() => openEngine(first!), dir);
      for (const t of rest) expectSameResults(`${t} vs ${first}`, await exampleResults(() => openEngine(t), dir), expected);
    }, 120_000);
  }
});
