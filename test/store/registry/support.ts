// Helpers shared by the registry tests.
import { expect } from 'vitest';
import { checkProject, type CheckResult } from '../../../src/check/project.js';
import type { FittedParameters } from '../../../src/plan/fitted.js';
import { featuresToFit, type ApplyPlan, type FittedExtra } from '../../../src/store/registry/registry.js';

/** Checks `text` as a one-file project, expecting no errors (the fixtures' label reads its features' relation: leakage warnings are expected). */
export function project(text: string, path = 'project.fsql'): CheckResult {
  const result = checkProject([{ path, text }]);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result;
}

/** Stand-in fitted parameters (the registry stores them as given). */
export function fittedFor(name: string, version: number): FittedParameters {
  return { fitTime: null, count: version, mean: 1.5, stddev: 0.5, min: 1, max: 2, q1: 1.25, median: name.length, q3: 1.75, mode: 1, vocabulary: [], columns: [] };
}

/** Fitted parameters for every feature version the plan adds. */
export function fitAll(plan: ApplyPlan): FittedExtra[] {
  return featuresToFit(plan).map((f) => ({ feature: f.name, version: f.version, parameters: fittedFor(f.name, f.version) }));
}

export const ENTITY = `CREATE ENTITY user KEY (user_id TEXT) DESCRIPTION 'A customer';`;

export const SOURCE = `CREATE SOURCE transactions (
  user_id TEXT NOT NULL, amount DOUBLE, created_at TIMESTAMP NOT NULL
) FROM FILE 'data/transactions.csv' EVENT TIME created_at;`;

export const VIEW = `CREATE VIEW big_txn EVENT TIME created_at AS
  SELECT user_id, amount, created_at FROM transactions WHERE amount > 100;`;

export const FEATURE = `CREATE FEATURE spend_7d ENTITY user FROM transactions
  AS SUM(amount) WINDOW 7 DAYS DESCRIPTION 'Spend over a week';`;

export const BIG_COUNT = `CREATE FEATURE big_count_30d ENTITY user FROM big_txn AS COUNT(*) WINDOW 30 DAYS;`;

export const LABEL = `CREATE LABEL big ENTITY user FROM transactions AS amount > 1000;`;

export const TRAINING = `CREATE TRAINING SET model LABEL big FEATURES (spend_7d VERSION 1, big_count_30d) SAMPLE 50 PERCENT SEED 3;`;

/** The small project of the flow tests, with statements replaced by name. */
export function small(replace: Partial<Record<'entity' | 'source' | 'view' | 'feature' | 'bigCount' | 'label' | 'training' | 'extra', string>> = {}): string {
  return [
    replace.entity ?? ENTITY,
    replace.source ?? SOURCE,
    replace.view ?? VIEW,
    replace.feature ?? FEATURE,
    replace.bigCount ?? BIG_COUNT,
    replace.label ?? LABEL,
    replace.training ?? TRAINING,
    replace.extra ?? '',
  ].join('\n\n');
}
