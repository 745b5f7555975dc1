// `fsql plan` estimates what each new version will read, materialize and affect, from COUNT queries on
// the offline data (src/runtime/estimate.ts): checked here against what the apply then does — the keys
// `fsql materialize` writes for the entity and the rows `fsql train` writes — on the payments example.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { copyExample, fsql, tempDir, writeFiles } from '../runtime/support.js';

const EXTRA = `CREATE FEATURE spend_14d ENTITY user FROM transactions AS SUM(amount) WINDOW 14 DAYS FILL ZERO;
CREATE TRAINING SET fraud_small LABEL is_fraud FEATURES (txn_count_7d, spend_14d);
CREATE TRAINING SET loss LABEL fraud_loss FEATURES (spend_14d);
`;

const within = (estimate: number, actual: number) => Math.abs(estimate - actual) <= 0.1 * Math.max(1, actual);

describe('plan estimates', () => {
  it('are within 10% of what the apply reads, materializes and trains (payments example)', async () => {
    const { dir, cleanup } = copyExample('payments');
    try {
      expect((await fsql('apply', dir, '-q')).code).toBe(0);
      writeFiles(dir, { 'extra.fsql': EXTRA });
      const plan = await fsql('plan', dir);
      expect(plan.code).toBe(0);
      const feature = /\+ feature spend_14d VERSION 1: reads ([\d,]+) rows of transactions; materializes ([\d,]+) user keys; affects ([\d,]+) label rows \((.*)\)/.exec(plan.stdout);
      expect(feature, plan.stdout).not.toBeNull();
      const number = (s: string) => Number(s.replace(/,/g, ''));
      const [rows, keys, labelRows] = [number(feature![1]!), number(feature![2]!), number(feature![3]!)];
      expect(feature![4]).toBe('fraud_small v1, loss v1');
      const small = number(/\+ training set fraud_small VERSION 1: ([\d,]+) label rows of labeled_transactions/.exec(plan.stdout)![1]!);
      const loss = number(/\+ training set loss VERSION 1: ([\d,]+) label rows of fraud_reports/.exec(plan.stdout)![1]!);
      expect(labelRows).toBe(small + loss);
      // --no-estimate: no queries, no section.
      expect((await fsql('plan', dir, '--no-estimate')).stdout).not.toContain('Estimated data impact');

      const applied = await fsql('apply', dir, '-q');
      expect(applied.code).toBe(0);
      // Rows read: the transactions the apply holds (every row has a user and a time).
      const loaded = number(/source transactions: (?:loaded |unchanged \()([\d,]+) rows?/.exec(applied.stdout)![1]!);
      expect(within(rows, loaded), `${rows} rows estimated, ${loaded} loaded`).toBe(true);
      const materialized = await fsql('materialize', dir);
      expect(materialized.code).toBe(0);
      const actualKeys = number(/^ {2}user: ([\d,]+) keys/m.exec(materialized.stdout)![1]!);
      expect(within(keys, actualKeys), `${keys} keys estimated, ${actualKeys} materialized`).toBe(true);
      const trained = async (name: string) => {
        const out = join(dir, `${name}.csv`);
        expect((await fsql('train', name, dir, '--out', out)).code).toBe(0);
        return readFileSync(out, 'utf8').trim().split('\n').length - 1;
      };
      const [smallRows, lossRows] = [await trained('fraud_small'), await trained('loss')];
      expect(within(small, smallRows), `${small} label rows estimated, ${smallRows} trained`).toBe(true);
      expect(within(loss, lossRows), `${loss} label rows estimated, ${lossRows} trained`).toBe(true);
    } finally {
      cleanup();
    }
  }, 120_000);
});

// Generated projects: random events (some with no user, some with a NULL time, on a delayed source)
// and labels (some filtered out by the label's WHERE, some without a key).
const BASE = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE ev (user_id TEXT, v DOUBLE, ts TIMESTAMP) FROM FILE 'data/ev.csv' EVENT TIME ts AVAILABLE AFTER 1 HOUR;
CREATE SOURCE other (user_id TEXT, n INTEGER) FROM FILE 'data/other.csv';
CREATE SOURCE lab (user_id TEXT, y DOUBLE, ts TIMESTAMP NOT NULL) FROM FILE 'data/lab.csv' EVENT TIME ts;
CREATE FEATURE tier ENTITY user FROM other AS MAX(n);
CREATE LABEL y ENTITY user FROM lab AS y WHERE y >= 0;
`;
const NEW = `CREATE FEATURE s_2d ENTITY user FROM ev AS SUM(v) WINDOW 2 DAYS FILL ZERO;
CREATE TRAINING SET t LABEL y FEATURES (s_2d, tier);
`;

const user = fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { nil: '', freq: 8 });
const time = fc.option(fc.integer({ min: 0, max: 200 }).map((h) => new Date(Date.UTC(2024, 0, 1) + h * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')), { nil: '', freq: 10 });
const caseArb = fc.record({
  ev: fc.array(fc.tuple(user, fc.integer({ min: -5, max: 5 }), time), { minLength: 1, maxLength: 40 }),
  other: fc.array(fc.tuple(user, fc.integer({ min: 0, max: 3 })), { maxLength: 6 }),
  lab: fc.array(fc.tuple(user, fc.integer({ min: -2, max: 3 }), time.filter((t) => t !== '')), { minLength: 1, maxLength: 30 }),
});

describe('plan estimates on generated projects', () => {
  it('are within 10% of what the apply materializes and trains', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { dir, cleanup } = tempDir('fsql-estimates-');
        try {
          const csv = (header: string, rows: readonly (readonly unknown[])[]) => `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
          writeFiles(dir, { 'p.fsql': BASE, 'data/ev.csv': csv('user_id,v,ts', c.ev), 'data/other.csv': csv('user_id,n', c.other), 'data/lab.csv': csv('user_id,y,ts', c.lab) });
          expect((await fsql('apply', dir, '-q')).code).toBe(0);
          writeFiles(dir, { 'new.fsql': NEW });
          const plan = await fsql('plan', dir);
          const number = (s: string) => Number(s.replace(/,/g, ''));
          const f = /\+ feature s_2d VERSION 1: reads ([\d,]+) rows? of ev; materializes ([\d,]+) user keys?; affects ([\d,]+) label rows?/.exec(plan.stdout);
          const t = /\+ training set t VERSION 1: ([\d,]+) label rows? of lab/.exec(plan.stdout);
          expect(f, plan.stdout).not.toBeNull();
          expect(t, plan.stdout).not.toBeNull();
          expect((await fsql('apply', dir, '-q')).code).toBe(0);
          const m = await fsql('materialize', dir, '--at', '2024-02-01 00:00:00');
          const keys = /^ {2}user: ([\d,]+) keys?/m.exec(m.stdout);
          const out = join(dir, 't.csv');
          const trained = await fsql('train', 't', dir, '--out', out);
          const rows = trained.code === 0 ? readFileSync(out, 'utf8').trim().split('\n').length - 1 : undefined;
          // The actual counts, straight from the generated data.
          const readRows = c.ev.filter(([u, , ts]) => u !== '' && ts !== '').length;
          expect(number(f![1]!)).toBe(readRows);
          expect(within(number(f![2]!), number(keys![1]!)), `${f![2]} keys estimated, ${keys![1]} materialized`).toBe(true);
          if (rows !== undefined) {
            expect(within(number(t![1]!), rows), `${t![1]} label rows estimated, ${rows} trained`).toBe(true);
            expect(within(number(f![3]!), rows)).toBe(true);
          }
        } finally {
          cleanup();
        }
      }),
      { numRuns: Number(process.env['FSQL_ENGINE_RUNS'] ?? 8) },
    );
  }, 300_000);
});
