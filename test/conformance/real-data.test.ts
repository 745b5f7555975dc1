/**
 * The flights project (real-data.ts) through the CLI on the embedded engines,
 * SQLite and DuckDB: training sets, fitted parameters and online vectors
 * equal the reference evaluator's; and the flights source read from CSV or
 * JSONL instead of Parquet gives the same. The server engines run the same in
 * real-data.integration.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineTargets } from '../../src/engine/engine.js';
import { formatTimestamp } from '../reference/index.js';
import { cliResults, expectSame, fixtureData, referenceResults } from './real-data.js';

const log = process.env.FSQL_REAL_DATA_LOG ? (label: string) => (line: string) => process.stderr.write(`${label}: ${line}\n`) : undefined;

describe('real data (two days of US flights) through the CLI', () => {
  for (const engine of engineTargets) {
    it(`${engine}: training sets, fits and online vectors equal the reference evaluator`, async () => {
      const expected = await referenceResults();
      const l = log?.(engine);
      expectSame(engine, await cliResults({ offline: { engine }, ...(l ? { log: l } : {}) }), expected);
    }, 300_000);
  }

  // The same rows as flights.parquet, as CSV (committed) and as JSONL (written here from the CSV's rows).
  const variants = {
    csv: () => `FROM FILE 'data/flights.csv' FORMAT CSV`,
    jsonl: (dir: string) => {
      const rows = fixtureData().data.flights!.map((r) => JSON.stringify({ ...r, date: formatTimestamp(r.date as number) }));
      writeFileSync(join(dir, 'data', 'flights.jsonl'), `${rows.join('\n')}\n`);
      return `FROM FILE 'data/flights.jsonl' FORMAT JSONL`;
    },
  };
  for (const [format, from] of Object.entries(variants)) {
    it(`duckdb: the flights read from ${format.toUpperCase()} give the same`, async () => {
      const expected = await referenceResults();
      const edit = (dir: string) => {
        const path = join(dir, 'sources.fsql');
        const text = readFileSync(path, 'utf8');
        expect(text).toContain(`FROM FILE 'data/flights.parquet' FORMAT PARQUET`);
        writeFileSync(path, text.replace(`FROM FILE 'data/flights.parquet' FORMAT PARQUET`, from(dir)));
      };
      const l = log?.(`duckdb ${format}`);
      expectSame(`duckdb, ${format}`, await cliResults({ offline: { engine: 'duckdb' }, edit, ...(l ? { log: l } : {}) }), expected);
    }, 300_000);
  }
});
