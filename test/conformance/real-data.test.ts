/**
 * The flights project (real-data.ts) through the CLI on the embedded engines,
 * SQLite and DuckDB: training sets, fitted parameters and online vectors
 * equal the reference evaluator's; and the flights source read from CSV or
 * JSONL instead of Parquet gives the same training rows. The server engines
 * run the same in real-data.integration.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { engineTargets } from '../../src/engine/engine.js';
import { cliResults, expectSame, fixtureData, referenceResults } from './real-data.js';

describe('real data (two days of US flights) through the CLI', () => {
  for (const engine of engineTargets) {
    it(`${engine}: training sets, fits and online vectors equal the reference evaluator`, async () => {
      const log = process.env.FSQL_REAL_DATA_LOG ? (line: string) => process.stderr.write(`${engine}: ${line}\n`) : undefined;
      const start = performance.now();
      const expected = await referenceResults();
      log?.(`reference: ${((performance.now() - start) / 1000).toFixed(1)} s`);
      expectSame(engine, await cliResults({ offline: { engine }, ...(log ? { log } : {}) }), expected);
    }, 240_000);
  }
});
