/** Fresh online values on the SQLite online store (the checks: fresh-values.ts). */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { caseArb, checkIncremental, checkTiles, runs } from './fresh-values.js';

const sqlite = { online: () => ({ store: 'sqlite' }) };

describe('fresh online values (SQLite)', () => {
  it('property: a request-time window from the tiles equals the reference at any T at or after the snapshot', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => checkTiles(c, sqlite)),
      { numRuns: runs(25) },
    );
  }, 240_000);

  it('property: materialize --incremental equals a full materialize and the reference at the new time', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => checkIncremental(c, sqlite)),
      { numRuns: runs(25) },
    );
  }, 240_000);
});
