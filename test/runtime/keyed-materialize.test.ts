/**
 * The key-filtered materialize (what ingest runs for the keys it touches)
 * with a two-column key, on SQLite (bound parameters, one statement per
 * power of two of keys) and DuckDB (literals): for any list of keys —
 * repeated keys, keys with no rows, text needing quotes — it returns exactly
 * the rows the full materialize has for those keys.
 */
import '../support/fast-check-seed.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineTarget } from '../../src/engine/engine.js';
import { readProjectFiles } from '../../src/project/files.js';
import { applyProject } from '../../src/runtime/apply.js';
import { computeSnapshot, entityFeatures } from '../../src/runtime/vectors.js';
import { Workspace } from '../../src/runtime/workspace.js';
import type { SnapshotRow } from '../../src/store/online/store.js';
import { tempDir, us, writeFiles } from './support.js';

const STORES = ['north', "o'neil", 'south'];
const PROJECT = `CREATE ENTITY shelf KEY (store TEXT, item INTEGER);
CREATE SOURCE sales (store TEXT NOT NULL, item INTEGER NOT NULL, qty INTEGER, channel TEXT, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/sales.csv' EVENT TIME ts;
CREATE FEATURE sold_2d ENTITY shelf FROM sales AS SUM(qty) WINDOW 2 DAYS FILL ZERO;
CREATE FEATURE sales_count ENTITY shelf FROM sales AS COUNT(*);
CREATE FEATURE last_qty ENTITY shelf FROM sales AS qty TTL 1 DAY;
CREATE FEATURE last_channel ENTITY shelf FROM sales AS channel ONE_HOT ('web', 'shop');
`;

function salesCsv(): string {
  const lines = ['store,item,qty,channel,ts'];
  let n = 0;
  for (const store of STORES) {
    for (let item = 1; item <= 4; item++) {
      for (let d = 0; d < (item + store.length) % 5; d++) {
        n++;
        lines.push(`"${store}",${item},${(n * 7) % 11},${n % 3 === 0 ? 'web' : 'shop'},2024-01-0${1 + d} ${String((n * 5) % 24).padStart(2, '0')}:00:00`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const T = us('2024-01-04 12:00:00');
type Row = { key: readonly unknown[]; features: readonly { values: readonly unknown[]; status: string; eventTime: number | null }[] };

describe.each(['sqlite', 'duckdb'] as EngineTarget[])('key-filtered materialize with a two-column key (%s)', (engine) => {
  const t = tempDir(`fsql-keyed-${engine}-`);
  let ws: Workspace;
  let full: Map<string, Row>;

  beforeAll(async () => {
    writeFiles(t.dir, { 'project.fsql': PROJECT, 'data/sales.csv': salesCsv() });
    ws = Workspace.open(t.dir, { engine, create: true });
    await applyProject(ws, readProjectFiles(t.dir, t.dir));
    const { catalog } = await ws.catalog();
    const all = await computeSnapshot(await ws.engine(), catalog, ws.fitted, 'shelf', entityFeatures(catalog, 'shelf'), T);
    full = new Map((all.rows as readonly SnapshotRow[]).map((r) => [JSON.stringify(r.key), r as Row]));
    expect(full.size).toBeGreaterThan(5);
  }, 60_000);
  afterAll(async () => {
    await ws?.close();
    t.cleanup();
  });

  it('gives the full snapshot’s rows of any keys asked', async () => {
    const keyArb = fc.tuple(fc.constantFrom(...STORES, 'nowhere', "it's"), fc.integer({ min: 0, max: 5 }));
    await fc.assert(
      fc.asyncProperty(fc.array(keyArb, { minLength: 1, maxLength: 19 }), async (keys) => {
        const { catalog } = await ws.catalog();
        const got = await computeSnapshot(await ws.engine(), catalog, ws.fitted, 'shelf', entityFeatures(catalog, 'shelf'), T, { keys });
        const rows = got.rows as readonly Row[];
        const expected = [...new Set(keys.map((k) => JSON.stringify(k)))].filter((k) => full.has(k)).sort();
        expect(rows.map((r) => JSON.stringify(r.key)).sort()).toEqual(expected);
        for (const r of rows) expect(r).toEqual(full.get(JSON.stringify(r.key)));
      }),
      { numRuns: 40 },
    );
  });
});
