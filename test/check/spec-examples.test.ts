/**
 * The statements of the product spec (shared/spec/fsql.md §4), exactly as
 * written there, check clean — with the one source the spec leaves out.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';

const SPEC = join(import.meta.dirname, '../../../shared/spec/fsql.md');

/** The spec's §4 example, copied so the test runs without the spec beside the repo. */
const SECTION_4 = `
CREATE ENTITY user KEY (user_id TEXT) DESCRIPTION 'A customer account';

CREATE SOURCE transactions (
  txn_id TEXT NOT NULL, user_id TEXT NOT NULL, merchant TEXT,
  amount DOUBLE, created_at TIMESTAMP NOT NULL
) FROM FILE 'data/transactions.csv'          -- or FORMAT PARQUET | JSONL
  EVENT TIME created_at;                       -- without it: a dimension table

CREATE SOURCE users (user_id TEXT NOT NULL, country TEXT, signup DATE)
  FROM TABLE crm.users;                        -- a table the warehouse already has

CREATE SOURCE clicks (user_id TEXT NOT NULL, page TEXT, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;                   -- events arrive via the ingest API

CREATE VIEW big_txn EVENT TIME created_at AS
  SELECT t.user_id, t.amount, t.created_at, u.country
  FROM transactions t JOIN users u ON t.user_id = u.user_id
  WHERE t.amount > 100;

CREATE FEATURE avg_amount_7d VERSION 2
  ENTITY user FROM transactions
  AS AVG(amount) WINDOW 7 DAYS
  FILL MEDIAN SCALE STANDARD
  DESCRIPTION 'Mean spend over the last week' OWNER 'risk' TAGS ('spend');

CREATE FEATURE last_merchant ENTITY user FROM transactions
  AS merchant TTL 30 DAYS ONE_HOT TOP 10;

CREATE FEATURE country ENTITY user FROM users AS country ONE_HOT ('US','DE','FR');

CREATE LABEL is_fraud ENTITY user FROM fraud_reports AS confirmed;

CREATE TRAINING SET fraud_model VERSION 1
  LABEL is_fraud
  FEATURES (avg_amount_7d VERSION 2, last_merchant, country)
  SAMPLE 20 PERCENT SEED 7;
`;

const FRAUD_REPORTS = `
CREATE SOURCE fraud_reports (user_id TEXT NOT NULL, confirmed BOOLEAN, reported_at TIMESTAMP NOT NULL)
  FROM FILE 'data/fraud_reports.csv' EVENT TIME reported_at;
`;

describe('the spec examples', () => {
  it('§4 checks clean once fraud_reports is declared', () => {
    const r = checkText(SECTION_4 + FRAUD_REPORTS, 'spec.fsql');
    // No error. One leakage warning: the spec's own view joins the dimension `users` to transactions,
    // so a past transaction reads today's country (W0702, docs/errors.md).
    expect(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col}`)).toEqual(['W0702 18:28']);
    expect(Object.keys(r.catalog.features).sort()).toEqual(['avg_amount_7d', 'country', 'last_merchant']);
    expect(r.catalog.trainingSets['fraud_model']![0]!.sample).toEqual({ percent: 20, seed: 7 });
  });

  it('§4 without fraud_reports names the missing source', () => {
    const r = checkText(SECTION_4, 'spec.fsql');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E0201']);
    expect(r.diagnostics[0]!.message).toBe('unknown source or view `fraud_reports`');
  });

  it('the copy above matches the spec, when the spec is beside the repository', () => {
    if (!existsSync(SPEC)) return; // CI and clean clones have shared/ beside the repo; a packaged copy may not.
    const spec = readFileSync(SPEC, 'utf8');
    const block = /```sql\n([\s\S]*?)```/.exec(spec.slice(spec.indexOf('## 4.')))![1]!;
    expect(block.trim()).toBe(SECTION_4.trim());
  });
});
