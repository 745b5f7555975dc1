// Lineage of the example project (examples/payments): source → view → feature
// → training set, up and down.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { checkProject } from '../../../src/check/project.js';
import { readProjectFiles } from '../../../src/project/files.js';
import type { ObjectRef } from '../../../src/store/registry/definitions.js';
import { openRegistry, type Registry } from '../../../src/store/registry/registry.js';
import { renderLineage } from '../../../src/store/registry/render.js';
import { fitAll } from './support.js';

let registry: Registry;
beforeAll(async () => {
  const checked = checkProject(readProjectFiles('examples/payments'));
  expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  registry = await openRegistry(':memory:');
  const plan = await registry.plan(checked);
  expect(plan.errors).toEqual([]);
  await registry.apply(plan, { fitted: fitAll(plan) });
});
afterAll(async () => await registry.close());

const names = (refs: readonly ObjectRef[], kind?: ObjectRef['kind']) =>
  refs
    .filter((r) => kind === undefined || r.kind === kind)
    .map((r) => (r.kind === 'feature' || r.kind === 'label' || r.kind === 'training_set' ? `${r.name}@${r.version}` : r.name))
    .sort();

describe('lineage of fraud_detection', () => {
  it('lists its label, its features (at the versions it uses), their relations, the views\' sources and the entities', async () => {
    const lineage = (await registry.lineage('fraud_detection'))!;
    expect(lineage.root).toEqual({ kind: 'training_set', name: 'fraud_detection', version: 1 });
    expect(names(lineage.upstream, 'label')).toEqual(['is_fraud@1']);
    expect(names(lineage.upstream, 'feature')).toEqual([
      'active_days_30d@1',
      'avg_amount_7d@2', // VERSION 2, as the training set says; not VERSION 1
      'card_distinct_merchants_24h@1',
      'card_min_amount_24h@1',
      'cross_border_spend_30d@1',
      'home_country@1',
      'last_channel@1',
      'max_amount_24h@1',
      'merchant_category@1',
      'merchant_chargebacks_30d@1',
      'merchant_risk_tier@1',
      'spend_30d@1',
      'txn_count_7d@1',
      'user_age@1',
    ]);
    expect(names(lineage.upstream, 'view')).toEqual(['enriched_transactions', 'labeled_transactions', 'user_daily_spend']);
    // The features' and the label's relations, and the views' sources.
    expect(names(lineage.upstream, 'source')).toEqual(['fraud_reports', 'merchants', 'transactions', 'users']);
    expect(names(lineage.upstream, 'entity')).toEqual(['card', 'merchant', 'user']);
    // Not read by fraud_detection.
    expect(names(lineage.upstream)).not.toContain('app_events');
    expect(names(lineage.upstream)).not.toContain('failed_logins_24h@1');
    expect(lineage.downstream).toEqual([]);

    const edge = (from: string, to: string) => lineage.upstreamEdges.some((e) => e.from.name === from && e.to.name === to);
    expect(edge('is_fraud', 'fraud_detection')).toBe(true);
    expect(edge('labeled_transactions', 'is_fraud')).toBe(true);
    expect(edge('transactions', 'labeled_transactions')).toBe(true);
    expect(edge('fraud_reports', 'labeled_transactions')).toBe(true);
    expect(edge('enriched_transactions', 'cross_border_spend_30d')).toBe(true);
    expect(edge('merchants', 'enriched_transactions')).toBe(true);
    expect(edge('user_daily_spend', 'active_days_30d')).toBe(true);
    expect(edge('merchants', 'merchant_risk_tier')).toBe(true);
  });

  it('is part of describe, and renders as a tree', async () => {
    const d = (await registry.describe('fraud_detection'))!;
    expect(d.lineage).toEqual(await registry.lineage('fraud_detection', 1));
    expect(d.dependencies[0]).toEqual({ kind: 'label', name: 'is_fraud', version: 1 });
    const tree = renderLineage(d.lineage);
    expect(tree.split('\n').slice(0, 8)).toEqual([
      'fraud_detection VERSION 1 (training set)',
      'reads:',
      '├── is_fraud VERSION 1 (label)',
      '│   ├── labeled_transactions (view)',
      '│   │   ├── transactions (source)',
      '│   │   └── fraud_reports (source)',
      '│   └── user (entity)',
      '├── txn_count_7d VERSION 1 (feature)',
    ]);
    expect(tree).toContain('├── cross_border_spend_30d VERSION 1 (feature)\n│   ├── enriched_transactions (view)\n│   │   ├── transactions (source)\n│   │   ├── users (source)\n│   │   └── merchants (source)');
    expect(tree.endsWith('read by:\n(nothing)')).toBe(true);
  });
});

describe('lineage downstream', () => {
  it('of a source reaches the views, features, labels and training sets that read it', async () => {
    const lineage = (await registry.lineage('merchants'))!;
    expect(lineage.upstream).toEqual([]);
    expect(names(lineage.downstream, 'view')).toEqual(['enriched_transactions']);
    expect(names(lineage.downstream, 'feature')).toEqual(['cross_border_spend_30d@1', 'merchant_category@1', 'merchant_risk_tier@1']);
    expect(names(lineage.downstream, 'label')).toEqual(['merchant_terminated@1']);
    expect(names(lineage.downstream, 'training_set')).toEqual(['fraud_detection@1', 'merchant_abuse@1']);
  });

  it('of each avg_amount_7d version: only VERSION 2 feeds fraud_detection', async () => {
    expect(await registry.versions('avg_amount_7d')).toEqual([1, 2]);
    expect((await registry.lineage('avg_amount_7d', 1))!.downstream).toEqual([]);
    expect((await registry.lineage('avg_amount_7d', 2))!.downstream).toEqual([{ kind: 'training_set', name: 'fraud_detection', version: 1 }]);
    expect((await registry.describe('avg_amount_7d', 1))!.definition).toContain('FILL MEAN');
    expect((await registry.describe('avg_amount_7d'))!.definition).toContain('FILL MEDIAN');
  });

  it('of an entity lists what is keyed by it', async () => {
    expect(names((await registry.lineage('card'))!.downstream)).toEqual(['card_distinct_merchants_24h@1', 'card_min_amount_24h@1', 'fraud_detection@1']);
  });

  it('lists every registered object of the example', async () => {
    expect((await registry.list({ kind: 'source' })).map((o) => o.name)).toEqual(['app_events', 'fraud_reports', 'merchants', 'transactions', 'users']);
    expect(await registry.list()).toHaveLength(32);
    // Every feature version that reads a fitted parameter is fitted; the others have nothing to fit.
    const fit = (await registry.list({ kind: 'feature' })).map((f) => `${f.name}: ${f.fit}`);
    expect(fit.filter((f) => f.endsWith(': fitted'))).toHaveLength(8);
    expect(fit.filter((f) => f.endsWith('not_needed')).sort()).toEqual([
      'active_days_30d: not_needed',
      'card_distinct_merchants_24h: not_needed',
      'cross_border_spend_30d: not_needed',
      'failed_logins_24h: not_needed',
      'merchant_chargebacks_30d: not_needed',
      'merchant_risk_tier: not_needed',
      'spend_30d: not_needed',
      'txn_count_7d: not_needed',
    ]);
  });
});
