// The registry's plan / apply cycle, the same tests on every storage backend
// (registry.test.ts: SQLite; registry.integration.ts: PostgreSQL): added,
// unchanged, changed (refused, with the diff), a bumped VERSION, metadata-only
// and unversioned updates, and the one-transaction guarantee.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeStatistics } from '../../../src/plan/statistics.js';
import { featuresToFit, RegistryError, type Registry } from '../../../src/store/registry/registry.js';
import { renderPlan } from '../../../src/store/registry/render.js';
import { fitAll, fittedFor, project, small, SOURCE, VIEW } from './support.js';

/** A storage backend under test: fresh registries, and the database beneath them for what fsql itself never writes. */
export interface RegistryTestBackend {
  /** A new, empty registry (its own file or database). */
  open(): Promise<Registry>;
  /** Another connection to the registry `open` made last. */
  reopen(): Promise<Registry>;
  /** Another new, empty registry, beside the one `open` made. */
  another(): Promise<Registry>;
  /** Runs SQL on the last registry's database directly. */
  exec(sqlText: string): Promise<void>;
  /** The number of rows of a table of the last registry. */
  count(table: string): Promise<number>;
  /** Makes the database refuse statistics of a feature, with a message (a trigger). */
  refuseStatistics(feature: string, message: string): Promise<void>;
  allowStatistics(): Promise<void>;
  /** Removes what open and another made. */
  cleanup(): Promise<void>;
}

export function registryTests(backend: RegistryTestBackend): void {
  const NOW = new Date('2024-05-01T12:00:00.000Z');
  const LATER = new Date('2024-05-02T12:00:00.000Z');

  let registry: Registry;
  beforeEach(async () => {
    registry = await backend.open();
  });
  afterEach(async () => {
    await registry.close();
    await backend.cleanup();
  });

  async function applyProject(text: string, now = NOW) {
    const plan = await registry.plan(project(text));
    expect(plan.errors).toEqual([]);
    return await registry.apply(plan, { fitted: fitAll(plan), now });
  }

  /** A feature that reads a fitted statistic (its FILL MEAN). */
  const AVG_FILL_MEAN = 'CREATE FEATURE avg_7d ENTITY user FROM transactions AS AVG(amount) WINDOW 7 DAYS FILL MEAN;';

  const statuses = (plan: { items: readonly { name: string; version: number; status: string }[] }) =>
    Object.fromEntries(plan.items.map((i) => [`${i.name}@${i.version}`, i.status]));

  describe('plan on an empty registry', () => {
    it('adds every object version, upstream kinds first', async () => {
      const plan = await registry.plan(project(small()));
      expect(plan.errors).toEqual([]);
      expect(plan.items.map((i) => [i.kind, i.name, i.version, i.status])).toEqual([
        ['entity', 'user', 1, 'added'],
        ['source', 'transactions', 1, 'added'],
        ['view', 'big_txn', 1, 'added'],
        ['feature', 'big_count_30d', 1, 'added'],
        ['feature', 'spend_7d', 1, 'added'],
        ['label', 'big', 1, 'added'],
        ['training_set', 'model', 1, 'added'],
      ]);
      expect(plan.summary).toEqual({ added: 7, updated: 0, metadata: 0, changed: 0, unchanged: 0 });
      expect(renderPlan(plan)).toBe(
        [
          '  + entity user',
          '  + source transactions',
          '  + view big_txn',
          '  + feature big_count_30d VERSION 1',
          '  + feature spend_7d VERSION 1',
          '  + label big VERSION 1',
          '  + training set model VERSION 1',
          '',
          'Plan: 7 to add, 0 to update, 0 metadata changes, 0 unchanged.',
        ].join('\n'),
      );
    });

    it('refuses a project with errors', async () => {
      const bad = { ...project(small()), diagnostics: [{ severity: 'error' as const, code: 'E0001', message: 'x', span: { file: 'p', start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 } }] };
      const plan = await registry.plan(bad as never);
      expect(plan.errors.map((e) => e.message)).toEqual(['the project has errors; fix them (fsql check) before applying']);
      await expect(registry.apply(plan, { fitted: fitAll(plan) })).rejects.toThrow(/plan has errors/);
    });
  });

  describe('apply', () => {
    it('registers everything; a second plan finds it all unchanged', async () => {
      const result = await applyProject(small());
      expect(result).toEqual({
        applyId: 1,
        appliedAt: NOW.toISOString(),
        summary: { added: 7, updated: 0, metadata: 0, changed: 0, unchanged: 0 },
        // A plain SUM and a plain COUNT read no fitted parameter: nothing to fit.
        fitted: 0,
        statistics: 0,
      });
      expect((await registry.list()).map((o) => `${o.kind} ${o.name} ${o.version}`)).toEqual([
        'entity user 1',
        'source transactions 1',
        'view big_txn 1',
        'feature big_count_30d 1',
        'feature spend_7d 1',
        'label big 1',
        'training_set model 1',
      ]);
      const again = await registry.plan(project(small()));
      expect(again.errors).toEqual([]);
      expect(again.items.every((i) => i.status === 'unchanged')).toBe(true);
      expect(renderPlan(again)).toBe('No changes: 7 objects unchanged.');
      // Nothing to write: no apply recorded.
      expect((await registry.apply(again)).applyId).toBeNull();
      expect((await registry.history()).map((h) => h.id)).toEqual([1]);
    });

    it('stores the definition, metadata and hash; a feature without FILL or SCALE has nothing fitted', async () => {
      await applyProject(small());
      const d = (await registry.describe('SPEND_7D'))!;
      expect(d.kind).toBe('feature');
      expect(d.version).toBe(1);
      expect(d.text).toBe(
        ['CREATE FEATURE spend_7d VERSION 1', '  ENTITY user', '  FROM transactions', '  AS SUM(amount)', '  WINDOW 7 DAYS', "  DESCRIPTION 'Spend over a week';"].join('\n'),
      );
      expect(d.definition).toBe(['CREATE FEATURE spend_7d VERSION 1', '  ENTITY user', '  FROM transactions', '  AS SUM(amount)', '  WINDOW 7 DAYS;'].join('\n'));
      expect(d.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(d.metadata).toEqual({ description: 'Spend over a week', tags: [] });
      expect(d.revision).toBe(1);
      expect(d.registeredAt).toBe(NOW.toISOString());
      expect(d.fit).toBe('not_needed');
      expect(d.fitted).toBe(false);
      expect(d.fittedParameters).toBeUndefined();
      expect(await registry.fitState('spend_7d', 1)).toBe('not_needed');
      expect(await registry.fittedParameters('spend_7d', 1)).toBeUndefined();
      expect(await registry.fittedParameters('spend_7d', 2)).toBeUndefined();
      expect(await registry.fittedParameters('big', 1)).toBeUndefined(); // a label
      expect(d.dependencies).toEqual([
        { kind: 'source', name: 'transactions', version: 1 },
        { kind: 'entity', name: 'user', version: 1 },
      ]);
      expect(d.dependents).toEqual([{ kind: 'training_set', name: 'model', version: 1 }]);
      expect(await registry.describe('nope')).toBeUndefined();
    });

    it('ignores layout, keyword case, clause order, comments and function-name case', async () => {
      await applyProject(small());
      const reformatted = small({
        feature: `-- a comment
  create feature spend_7d entity user from transactions as sum(amount)
       description 'Spend over a week'     window 7 days;`,
      });
      expect(statuses(await registry.plan(project(reformatted)))['spend_7d@1']).toBe('unchanged');
    });
  });

  describe('a changed definition under a registered version', () => {
    const changed = small({ feature: `CREATE FEATURE spend_7d ENTITY user FROM transactions\n  AS AVG(amount) WINDOW 7 DAYS DESCRIPTION 'Spend over a week';` });

    it('is refused, with the difference shown like git diff', async () => {
      await applyProject(small());
      const plan = await registry.plan(project(changed));
      const item = plan.items.find((i) => i.name === 'spend_7d')!;
      expect(item.status).toBe('changed');
      expect(plan.errors).toHaveLength(1);
      const error = plan.errors[0]!;
      expect(error.object).toEqual({ kind: 'feature', name: 'spend_7d', version: 1 });
      expect(error.message).toBe(
        'feature `spend_7d` VERSION 1 is already registered with a different definition, and a (name, version) never changes: ' +
          'give the new definition VERSION 2 (VERSION 1 stays registered and usable)',
      );
      expect(error.diff).toBe(
        [
          '--- registered feature spend_7d VERSION 1',
          '+++ project.fsql:10',
          '@@ -1,6 +1,6 @@',
          ' CREATE FEATURE spend_7d VERSION 1',
          '   ENTITY user',
          '   FROM transactions',
          '-  AS SUM(amount)',
          '+  AS AVG(amount)',
          '   WINDOW 7 DAYS',
          "   DESCRIPTION 'Spend over a week';",
        ].join('\n'),
      );
      expect(item.diff).toBe(error.diff);
      expect(renderPlan(plan)).toContain('  ! feature spend_7d VERSION 1 (changed: refused)');
      expect(renderPlan(plan)).toContain('Plan: 0 to add, 0 to update, 0 metadata changes, 6 unchanged; 1 error.');
    });

    it('cannot be applied: nothing is written', async () => {
      await applyProject(small());
      const plan = await registry.plan(project(changed));
      await expect(registry.apply(plan)).rejects.toThrow(RegistryError);
      await expect(registry.apply(plan)).rejects.toThrow(/plan has errors; nothing was applied/);
      expect((await registry.describe('spend_7d'))!.definition).toContain('SUM(amount)');
      expect(await registry.history()).toHaveLength(1);
    });

    it('is allowed under a new VERSION; both versions stay listed and describable', async () => {
      await applyProject(small());
      const bumped = small({
        extra: `CREATE FEATURE spend_7d VERSION 2 ENTITY user FROM transactions AS AVG(amount) WINDOW 7 DAYS FILL MEAN DESCRIPTION 'Mean spend';`,
      });
      const plan = await registry.plan(project(bumped));
      expect(plan.errors).toEqual([]);
      expect(statuses(plan)).toEqual({
        'user@1': 'unchanged',
        'transactions@1': 'unchanged',
        'big_txn@1': 'unchanged',
        'big_count_30d@1': 'unchanged',
        'spend_7d@1': 'unchanged',
        'spend_7d@2': 'added',
        'big@1': 'unchanged',
        'model@1': 'unchanged', // it names spend_7d VERSION 1
      });
      await expect(registry.apply(plan, { now: LATER })).rejects.toThrow(/feature `spend_7d` VERSION 2 is new and needs its fitted parameters \(or to be registered as awaiting its fit\)/);
      await registry.apply(plan, { fitted: fitAll(plan), now: LATER });

      expect(await registry.versions('spend_7d')).toEqual([1, 2]);
      expect((await registry.list({ name: 'spend_7d' })).map((o) => [o.version, o.registeredAt])).toEqual([
        [1, NOW.toISOString()],
        [2, LATER.toISOString()],
      ]);
      const v1 = (await registry.describe('spend_7d', 1))!;
      const v2 = (await registry.describe('spend_7d'))!;
      expect(v1.definition).toContain('AS SUM(amount)');
      expect(v2.version).toBe(2);
      expect(v2.definition).toContain('AS AVG(amount)');
      expect(v1.versions).toEqual([1, 2]);
      expect(v2.metadata.description).toBe('Mean spend');
      expect(await registry.fittedParameters('spend_7d', 1)).toBeUndefined(); // a plain SUM: nothing to fit
      expect(await registry.fittedParameters('spend_7d', 2)).toEqual(fittedFor('spend_7d', 2));
    });

    it('bumping a feature changes what an unpinned training-set reference means: the training set must be bumped too', async () => {
      await applyProject(small({ training: 'CREATE TRAINING SET model LABEL big FEATURES (spend_7d);' }));
      const plan = await registry.plan(
        project(
          small({
            training: 'CREATE TRAINING SET model LABEL big FEATURES (spend_7d);',
            extra: 'CREATE FEATURE spend_7d VERSION 2 ENTITY user FROM transactions AS AVG(amount) WINDOW 7 DAYS;',
          }),
        ),
      );
      expect(statuses(plan)['model@1']).toBe('changed');
      expect(plan.errors.map((e) => e.diff)).toEqual([
        [
          '--- registered training set model VERSION 1',
          '+++ project.fsql:17',
          '@@ -1,3 +1,3 @@',
          ' CREATE TRAINING SET model VERSION 1',
          '   LABEL big VERSION 1',
          '-  FEATURES (spend_7d VERSION 1);',
          '+  FEATURES (spend_7d VERSION 2);',
        ].join('\n'),
      ]);
    });

    it('a name cannot change kind when either kind is versioned', async () => {
      await applyProject(small());
      const plan = await registry.plan(project(small({ bigCount: '', training: '', label: 'CREATE LABEL big_count_30d ENTITY user FROM transactions AS amount > 1000;' })));
      expect(plan.errors.map((e) => e.message)).toContain(
        '`big_count_30d` is registered as a feature (VERSION 1); a label cannot take its name: names are one namespace, and registered versions stay usable',
      );
    });
  });

  describe('a metadata-only change', () => {
    it('is planned as metadata, allowed, and kept as a new revision with the same hash', async () => {
      await applyProject(small());
      const before = (await registry.describe('spend_7d'))!;
      const text = small({ feature: `CREATE FEATURE spend_7d ENTITY user FROM transactions AS SUM(amount) WINDOW 7 DAYS DESCRIPTION 'Weekly spend' OWNER 'risk' TAGS ('spend');` });
      const plan = await registry.plan(project(text));
      expect(plan.errors).toEqual([]);
      const item = plan.items.find((i) => i.name === 'spend_7d')!;
      expect(item.status).toBe('metadata');
      expect(item.metadataChanges).toEqual(['description', 'owner', 'tags']);
      expect(item.diff).toContain("-  DESCRIPTION 'Spend over a week';");
      expect(item.diff).toContain("+  DESCRIPTION 'Weekly spend'");
      expect(renderPlan(plan)).toContain('  ~ feature spend_7d VERSION 1 (metadata: description, owner, tags)');

      const result = await registry.apply(plan, { now: LATER });
      expect(result.summary.metadata).toBe(1);
      const after = (await registry.describe('spend_7d'))!;
      expect(after.hash).toBe(before.hash);
      expect(after.metadata).toEqual({ description: 'Weekly spend', owner: 'risk', tags: ['spend'] });
      expect(after.revision).toBe(2);
      expect(after.updatedAt).toBe(LATER.toISOString());
      expect(after.revisions.map((r) => [r.revision, r.change, r.hash === before.hash, r.metadata.description])).toEqual([
        [1, 'added', true, 'Spend over a week'],
        [2, 'metadata', true, 'Weekly spend'],
      ]);
      expect(after.fit).toBe(before.fit);
      expect((await registry.plan(project(text))).items.every((i) => i.status === 'unchanged')).toBe(true);
    });
  });

  describe('an unversioned object (entity, source, view) that changes', () => {
    const changedSource = small({
      source: `CREATE SOURCE transactions (
    user_id TEXT NOT NULL, amount DOUBLE, channel TEXT, created_at TIMESTAMP NOT NULL
  ) FROM FILE 'data/transactions_v2.csv' EVENT TIME created_at;`,
    });

    it('is updated: allowed, recorded as a new revision; a change no registered version notices breaks nothing', async () => {
      await applyProject(small());
      const plan = await registry.plan(project(changedSource));
      expect(plan.errors).toEqual([]);
      const item = plan.items.find((i) => i.name === 'transactions')!;
      expect(item.status).toBe('updated');
      expect(item.diff).toContain('-  FROM FILE \'data/transactions.csv\'');
      expect(item.diff).toContain('+  FROM FILE \'data/transactions_v2.csv\'');
      expect(item.diff).toContain('+  channel    TEXT,');
      expect(statuses(plan)).toMatchObject({ 'spend_7d@1': 'unchanged', 'big_count_30d@1': 'unchanged', 'big_txn@1': 'unchanged' });
      // A new column and another file: what every registered version reads is the same.
      expect(plan.warnings).toEqual([]);
      expect(plan.breaking).toEqual([]);
      expect(renderPlan(plan)).toContain('  ~ source transactions (updated, revision 2)');

      await registry.apply(plan, { now: LATER });
      const d = (await registry.describe('transactions'))!;
      expect(d.revision).toBe(2);
      expect(d.text).toContain("FROM FILE 'data/transactions_v2.csv'");
      expect(d.revisions.map((r) => r.change)).toEqual(['added', 'updated']);
      expect(d.revisions[0]!.text).toContain("FROM FILE 'data/transactions.csv'");
      expect((await registry.plan(project(changedSource))).summary.unchanged).toBe(7);
    });

    it('a change to a column registered versions read is breaking: every one is named, with why, and apply refuses', async () => {
      await applyProject(small());
      // amount DOUBLE → INTEGER: spend_7d sums it, big_txn (read by big_count_30d) filters on it, the label compares it.
      const plan = await registry.plan(project(small({ source: SOURCE.replace('amount DOUBLE', 'amount INTEGER') })));
      // Features, then labels, then training sets; by name within a kind.
      expect(plan.breaking.map((b) => [`${b.object.name}@${b.object.version}`, b.reason])).toEqual([
        ['big_count_30d@1', 'column `amount` of `transactions` changed type from DOUBLE to INTEGER'],
        ['spend_7d@1', 'column `amount` of `transactions` changed type from DOUBLE to INTEGER'],
        ['big@1', 'column `amount` of `transactions` changed type from DOUBLE to INTEGER'],
        ['model@1', 'it uses label `big` VERSION 1, which this change breaks (column `amount` of `transactions` changed type from DOUBLE to INTEGER)'],
      ]);
      expect(plan.errors).toHaveLength(4);
      await expect(registry.apply(plan)).rejects.toThrow(/plan has errors/);
      // Retiring them instead: the same plan with retire, and no errors.
      const retiring = await registry.plan(project(small({ source: SOURCE.replace('amount DOUBLE', 'amount INTEGER') })), { retireBroken: true });
      expect(retiring.errors).toEqual([]);
      expect(retiring.retire.map((r) => r.object.name).sort()).toEqual(['big', 'big_count_30d', 'model', 'spend_7d']);
    });

    it('a view that changes keeps registered versions on the revision they pinned', async () => {
      await applyProject(small());
      const plan = await registry.plan(project(small({ view: VIEW.replace('amount > 100', 'amount > 500') })));
      expect(plan.errors).toEqual([]);
      expect(plan.kept.map((k) => [k.upstream.name, k.versions.map((v) => `${v.object.name}@${v.object.version} r${v.revision}`)])).toEqual([
        ['big_txn', ['big_count_30d@1 r1', 'model@1 r1']],
      ]);
      await registry.apply(plan);
      const pc = await registry.pinnedCatalog();
      // big_count_30d VERSION 1 reads revision 1, as an instance view of its own.
      expect(pc.catalog.features['big_count_30d']![0]!.relation).toBe('big_txn@r1');
      expect(JSON.stringify((pc.catalog.relations['big_txn@r1'] as { query: unknown }).query)).toContain('100');
      expect((await registry.describe('big_count_30d'))!.pins).toContainEqual(expect.objectContaining({ kind: 'view', name: 'big_txn', revision: 1, current: false }));
    });

    it('a view whose FROM changes gets its new lineage; a source may become a view', async () => {
      await applyProject(small());
      const text = small({
        view: `CREATE VIEW big_txn EVENT TIME created_at AS SELECT user_id, amount, created_at FROM other WHERE amount > 100;`,
        extra: `CREATE VIEW other EVENT TIME created_at AS SELECT user_id, amount, created_at FROM transactions;`,
      });
      const plan = await registry.plan(project(text));
      expect(statuses(plan)).toMatchObject({ 'big_txn@1': 'updated', 'other@1': 'added' });
      await registry.apply(plan);
      expect((await registry.describe('big_txn'))!.dependencies).toEqual([{ kind: 'view', name: 'other', version: 1 }]);

      // `other` turns into a source: an update too (both kinds are unversioned).
      const asSource = small({
        view: `CREATE VIEW big_txn EVENT TIME created_at AS SELECT user_id, amount, created_at FROM other WHERE amount > 100;`,
        extra: `CREATE SOURCE other (user_id TEXT NOT NULL, amount DOUBLE, created_at TIMESTAMP NOT NULL) FROM STREAM EVENT TIME created_at;`,
      });
      const plan2 = await registry.plan(project(asSource));
      expect(plan2.errors).toEqual([]);
      expect(statuses(plan2)['other@1']).toBe('updated');
      await registry.apply(plan2);
      expect((await registry.describe('other'))!.kind).toBe('source');
      expect((await registry.describe('big_txn'))!.dependencies).toEqual([{ kind: 'source', name: 'other', version: 1 }]);
      expect((await registry.describe('other'))!.dependencies).toEqual([]);
    });
  });

  describe('apply is one transaction', () => {
    it('writes nothing when the second half fails', async () => {
      const plan = await registry.plan(project(small()));
      const stats = computeStatistics([1, 2, 3, null], 'DOUBLE');
      // Objects, revisions, dependencies and fitted parameters are written first; the
      // statistics last. Make the database refuse the last statistics row.
      await backend.refuseStatistics('spend_7d', 'disk full');
      await expect(
        registry.apply(plan, {
          fitted: fitAll(plan),
          statistics: [
            { feature: 'big_count_30d', version: 1, statistics: stats },
            { feature: 'spend_7d', version: 1, statistics: stats },
          ],
        }),
      ).rejects.toThrow(/disk full/);
      expect(await registry.list()).toEqual([]);
      expect(await registry.history()).toEqual([]);
      for (const table of ['objects', 'revisions', 'dependencies', 'fitted_parameters', 'statistics', 'applies']) {
        expect(await backend.count(table), table).toBe(0);
      }

      // The same plan applies once the database accepts it.
      await backend.allowStatistics();
      const result = await registry.apply(plan, {
        fitted: fitAll(plan),
        statistics: [
          { feature: 'big_count_30d', version: 1, statistics: stats },
          { feature: 'spend_7d', version: 1, statistics: stats },
        ],
      });
      expect(result.statistics).toBe(2);
      expect(await registry.statistics('spend_7d', 1)).toEqual(stats);
      // Durable: a new connection sees the apply.
      const reopened = await backend.reopen();
      try {
        expect(await reopened.list()).toHaveLength(7);
        expect((await reopened.describe('spend_7d'))!.statistics?.count).toBe(3);
      } finally {
        await reopened.close();
      }
    });

    it('refuses bad extras before writing anything', async () => {
      const plan = await registry.plan(project(small({ extra: AVG_FILL_MEAN })));
      const fitted = [...fitAll(plan), { feature: 'spend_7d', version: 1, parameters: fittedFor('spend_7d', 1) }];
      expect(fitted.map((f) => f.feature)).toEqual(['avg_7d', 'spend_7d']);
      await expect(registry.apply(plan, { fitted: fitted.slice(1) })).rejects.toThrow(/feature `avg_7d` VERSION 1 is new and needs its fitted parameters/);
      await expect(registry.apply(plan, { fitted })).rejects.toThrow(/feature `spend_7d` VERSION 1 reads no fitted parameter: it has nothing to fit/);
      fitted.pop();
      await expect(registry.apply(plan, { fitted: [...fitted, fitted[0]!] })).rejects.toThrow(/given twice/);
      await expect(registry.apply(plan, { fitted: [...fitted, { feature: 'big', version: 1, parameters: fittedFor('big', 1) }] })).rejects.toThrow(
        /not a feature version of this plan/,
      );
      await expect(registry.apply(plan, { fitted, statistics: [{ feature: 'nope', version: 1, statistics: computeStatistics([], 'INTEGER') }] })).rejects.toThrow(
        /neither in this plan nor a registered feature version/,
      );
      expect(await registry.list()).toEqual([]);
      await registry.apply(plan, { fitted });
      // Fitted parameters never change.
      const again = await registry.plan(project(small({ extra: AVG_FILL_MEAN })));
      await expect(registry.apply(again, { fitted })).rejects.toThrow(/feature `avg_7d` VERSION 1 is already fitted, and its fitted parameters never change/);
    });

    it('refuses a stale plan, and a plan made against another registry', async () => {
      const first = await registry.plan(project(small()));
      const second = await registry.plan(project(small()));
      await registry.apply(first, { fitted: fitAll(first) });
      await expect(registry.apply(second, { fitted: fitAll(second) })).rejects.toThrow(/registry changed since this plan was made/);
      const other = await backend.another();
      try {
        const foreign = await other.plan(project(small()));
        await expect(registry.apply(foreign, { fitted: fitAll(foreign) })).rejects.toThrow(/another registry/);
      } finally {
        await other.close();
      }
    });
  });

  describe('statistics', () => {
    it('are recorded per feature version and per apply; the latest is current', async () => {
      const plan = await registry.plan(project(small()));
      const first = computeStatistics([1, 2, 3], 'DOUBLE');
      await registry.apply(plan, { fitted: fitAll(plan), statistics: [{ feature: 'spend_7d', version: 1, statistics: first }] });
      expect((await registry.describe('spend_7d'))!.statistics).toEqual(first);
      expect((await registry.describe('spend_7d'))!.hasStatistics).toBe(true);
      expect((await registry.describe('big_count_30d'))!.hasStatistics).toBe(false);
      // Statistics of an already registered version may be recorded again.
      const second = computeStatistics([4, 5], 'DOUBLE');
      const result = await registry.apply(await registry.plan(project(small())), { statistics: [{ feature: 'spend_7d', version: 1, statistics: second }], now: LATER });
      expect(result.applyId).toBe(2);
      expect(await registry.statistics('spend_7d', 1)).toEqual(second);
      expect((await registry.history()).map((h) => [h.id, h.summary.statistics])).toEqual([
        [1, 1],
        [2, 1],
      ]);
    });

    it('keep the statistics of every apply, oldest first (statisticsHistory)', async () => {
      const plan = await registry.plan(project(small()));
      const first = computeStatistics([1, 2, 3], 'DOUBLE');
      const second = computeStatistics([4, 5], 'DOUBLE');
      const third = computeStatistics([10], 'DOUBLE');
      await registry.apply(plan, { fitted: fitAll(plan), statistics: [{ feature: 'spend_7d', version: 1, statistics: first }], now: NOW });
      expect(await registry.statisticsHistory('spend_7d', 1)).toEqual([{ apply: 1, appliedAt: NOW.toISOString(), statistics: first }]);
      // An apply recording another feature's statistics only: spend_7d's history is unchanged.
      await registry.apply(await registry.plan(project(small())), { statistics: [{ feature: 'big_count_30d', version: 1, statistics: third }], now: LATER });
      const LATEST = new Date('2024-05-03T08:30:00.000Z');
      await registry.apply(await registry.plan(project(small())), { statistics: [{ feature: 'spend_7d', version: 1, statistics: second }], now: LATEST });
      expect(await registry.statisticsHistory('spend_7d', 1)).toEqual([
        { apply: 1, appliedAt: NOW.toISOString(), statistics: first },
        { apply: 3, appliedAt: LATEST.toISOString(), statistics: second },
      ]);
      // Without a version: the newest version; names are case-insensitive.
      expect((await registry.statisticsHistory('SPEND_7D')).map((h) => h.apply)).toEqual([1, 3]);
      expect(await registry.statisticsHistory('big_count_30d', 1)).toEqual([{ apply: 2, appliedAt: LATER.toISOString(), statistics: third }]);
      // The current statistics are the last of the history; describe carries both.
      const d = (await registry.describe('spend_7d', 1))!;
      expect(d.statistics).toEqual(second);
      expect(d.statisticsHistory?.map((h) => h.statistics)).toEqual([first, second]);
      // Not a feature, not registered, or nothing recorded: empty.
      expect(await registry.statisticsHistory('transactions')).toEqual([]);
      expect(await registry.statisticsHistory('nope')).toEqual([]);
      expect(await registry.statisticsHistory('spend_7d', 9)).toEqual([]);
      expect((await registry.describe('transactions'))!.statisticsHistory).toBeUndefined();
    });
  });

  describe('fits that wait for data (docs/semantics.md §5)', () => {
    const withFit = small({ extra: `${AVG_FILL_MEAN}\nCREATE FEATURE top_amount ENTITY user FROM transactions AS MAX(amount) WINDOW 7 DAYS SCALE MINMAX;` });
    const fitOf = (count: number) => ({ ...fittedFor('avg_7d', 1), count });

    it('fits only the versions that read a fitted parameter', async () => {
      const plan = await registry.plan(project(withFit));
      expect(featuresToFit(plan).map((f) => f.name)).toEqual(['avg_7d', 'top_amount']);
    });

    it('registers an added version with an empty population as awaiting; the next plans list it until it is fitted, once', async () => {
      const plan = await registry.plan(project(withFit));
      await expect(registry.apply(plan, { fitted: [{ feature: 'avg_7d', version: 1, parameters: fitOf(0) }], awaiting: [{ feature: 'top_amount', version: 1 }] })).rejects.toThrow(
        /fitted parameters for feature `avg_7d` VERSION 1 are over an empty population: it awaits its fit instead/,
      );
      await expect(registry.apply(plan, { awaiting: [{ feature: 'spend_7d', version: 1 }, { feature: 'avg_7d', version: 1 }, { feature: 'top_amount', version: 1 }] })).rejects.toThrow(
        /feature `spend_7d` VERSION 1 is not a version this plan adds that needs a fit/,
      );
      await registry.apply(plan, { awaiting: [{ feature: 'avg_7d', version: 1 }, { feature: 'top_amount', version: 1 }], now: NOW });
      const d = (await registry.describe('avg_7d'))!;
      expect([d.fit, d.fitted, d.fittedParameters]).toEqual(['awaiting', false, undefined]);
      expect(await registry.fitState('avg_7d', 1)).toBe('awaiting');
      expect(await registry.fittedParameters('avg_7d', 1)).toBeUndefined();
      expect((await registry.list({ kind: 'feature' })).map((o) => [o.name, o.fit])).toEqual([
        ['avg_7d', 'awaiting'],
        ['big_count_30d', 'not_needed'],
        ['spend_7d', 'not_needed'],
        ['top_amount', 'awaiting'],
      ]);
      expect((await registry.awaitingFit()).map((r) => r.name)).toEqual(['avg_7d', 'top_amount']);

      // An unchanged plan still fits them; apply may leave them waiting (nothing to write) or fit some.
      const next = await registry.plan(project(withFit));
      expect(next.awaitingFit.map((r) => r.name)).toEqual(['avg_7d', 'top_amount']);
      expect(featuresToFit(next).map((f) => f.name)).toEqual(['avg_7d', 'top_amount']);
      expect((await registry.apply(next)).applyId).toBeNull();
      await registry.apply(next, { fitted: [{ feature: 'avg_7d', version: 1, parameters: fitOf(4) }], now: LATER });
      expect((await registry.describe('avg_7d'))!).toMatchObject({ fit: 'fitted', fitted: true, fittedParameters: fitOf(4) });
      expect((await registry.history()).map((h) => h.summary.fitted)).toEqual([0, 1]);

      // Write-once: neither apply nor fit changes it; the other waits for `fit`.
      const third = await registry.plan(project(withFit));
      expect(featuresToFit(third).map((f) => f.name)).toEqual(['top_amount']);
      await expect(registry.apply(third, { fitted: [{ feature: 'avg_7d', version: 1, parameters: fitOf(9) }] })).rejects.toThrow(/already fitted, and its fitted parameters never change/);
      await expect(registry.fit({ feature: 'avg_7d', version: 1, parameters: fitOf(9) })).rejects.toThrow(/already fitted/);
      await expect(registry.fit({ feature: 'spend_7d', version: 1, parameters: fitOf(9) })).rejects.toThrow(/reads no fitted parameter: it has nothing to fit/);
      await expect(registry.fit({ feature: 'top_amount', version: 1, parameters: fitOf(0) })).rejects.toThrow(/over an empty population/);
      const stats = computeStatistics([1, 2], 'DOUBLE');
      const fit = await registry.fit({ feature: 'top_amount', version: 1, parameters: fitOf(2) }, { feature: 'top_amount', version: 1, statistics: stats }, LATER);
      expect(fit.applyId).toBe(3);
      expect((await registry.describe('top_amount'))!).toMatchObject({ fit: 'fitted', fittedParameters: fitOf(2), statistics: stats });
      expect(await registry.awaitingFit()).toEqual([]);
    });

    it('treats parameters an older fsql fitted over an empty population (count 0) as awaiting, and replaces them', async () => {
      const plan = await registry.plan(project(withFit));
      // What an older fsql wrote: count 0 for every feature. Written straight into the table, as the checks refuse it now.
      await registry.apply(plan, { awaiting: [{ feature: 'avg_7d', version: 1 }, { feature: 'top_amount', version: 1 }], now: NOW });
      await backend.exec(`INSERT INTO fitted_parameters (object_id, parameters, apply_id) SELECT id, '${JSON.stringify(fitOf(0))}', 1 FROM objects WHERE name_key = 'avg_7d'`);
      expect(await registry.fitState('avg_7d', 1)).toBe('awaiting');
      expect((await registry.describe('avg_7d'))!.fittedParameters).toBeUndefined();
      await registry.fit({ feature: 'avg_7d', version: 1, parameters: fitOf(5) });
      expect(await registry.fittedParameters('avg_7d', 1)).toEqual(fitOf(5));
    });
  });
}
