import { afterAll, describe, expect, it } from 'vitest';
import { checkText } from '../../../src/check/project.js';
import { openEngine } from '../../../src/engine/open.js';
import { loadProject, runFit, runMaterialize, runMaterializeNarrow } from '../../../src/runtime/run-plan.js';
import { featureVersion, planFit, planMaterialize } from '../../../src/plan/build.js';
import type { FittedParameters } from '../../../src/plan/fitted.js';
import { combineSnapshots, snapshotFromMaterialize } from '../../../src/store/online/snapshot.js';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import { tempDir } from './support.js';

const T = Date.UTC(2024, 2, 1) * 1000;
const HOUR = 3_600_000_000;

const PROJECT = `
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, category TEXT, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE profiles (user_id TEXT NOT NULL, country TEXT) FROM TABLE crm.profiles;
CREATE FEATURE last_amount ENTITY user FROM events AS amount TTL 1 DAY;
CREATE FEATURE last_amount VERSION 2 ENTITY user FROM events AS amount * 2;
CREATE FEATURE count_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE last_category ENTITY user FROM events AS category ONE_HOT ('food', 'travel');
CREATE FEATURE country ENTITY user FROM profiles AS country;
`;

const DATA = {
  events: [
    { user_id: 'alice', amount: 10, category: 'food', ts: T - HOUR },
    { user_id: 'alice', amount: 5, category: 'travel', ts: T - 72 * HOUR },
    { user_id: 'bob', amount: 7, category: 'other', ts: T - 72 * HOUR },
    // After T: not seen.
    { user_id: 'dave', amount: 1, category: 'food', ts: T + HOUR },
  ],
  profiles: [
    { user_id: 'alice', country: 'FR' },
    { user_id: 'carol', country: 'DE' },
  ],
};

const dirs = tempDir();
afterAll(() => dirs.cleanup());

describe('snapshotFromMaterialize', () => {
  it('turns a materialization into served vectors with statuses and event times', async () => {
    const checked = checkText(PROJECT, 'online.fsql');
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const catalog = checked.catalog;
    const versions = [
      { name: 'last_amount', version: 1 },
      { name: 'count_1d', version: 1 },
      { name: 'last_category', version: 1 },
      { name: 'country', version: 1 },
    ];
    const engine = await openEngine('sqlite');
    const store = new SqliteOnlineStore(`${dirs.dir}/e2e.db`);
    try {
      await loadProject(engine, catalog, DATA);
      const params = new Map<string, FittedParameters>();
      for (const v of versions) params.set(`${v.name}@${v.version}`, await runFit(engine, catalog, featureVersion(catalog, v.name, v.version), planFit(catalog, v.name, v.version)));
      const plan = planMaterialize(catalog, 'user', (name, version) => params.get(`${name}@${version}`), { features: versions });
      const table = await runMaterialize(engine, plan, { as_of: T });
      const snapshot = snapshotFromMaterialize(plan, table, T);
      expect(snapshot.keyColumns).toEqual(['user_id']);
      expect(snapshot.features).toEqual([
        // emptyValues: what a key without any row gets (COUNT 0; one-hot of NULL all zeros).
        { name: 'last_amount', version: 1, columns: ['last_amount'], types: ['DOUBLE'], ttlSeconds: 86_400, kind: 'latest', emptyValues: [null] },
        { name: 'count_1d', version: 1, columns: ['count_1d'], types: ['INTEGER'], kind: 'aggregate', emptyValues: [0] },
        { name: 'last_category', version: 1, columns: ['last_category__food', 'last_category__travel'], types: ['INTEGER', 'INTEGER'], kind: 'latest', emptyValues: [0, 0] },
        { name: 'country', version: 1, columns: ['country'], types: ['TEXT'], kind: 'latest', emptyValues: [null] },
      ]);
      await store.writeSnapshot('user', snapshot);

      const got = await store.get('user', [['alice'], ['bob'], ['carol'], ['dave']]);
      const view = got.map((r) => ({ key: r.key[0], found: r.found, features: r.features.map((f) => `${f.name}@${f.version} ${JSON.stringify(f.values)} ${f.status} ${f.eventTime === null ? '-' : (f.eventTime - T) / HOUR}`) }));
      expect(view).toEqual([
        {
          key: 'alice',
          found: true,
          features: [
            'last_amount@1 {"last_amount":10} present -1',
            'count_1d@1 {"count_1d":1} present -1',
            'last_category@1 {"last_category__food":1,"last_category__travel":0} present -1',
            'country@1 {"country":"FR"} present -',
          ],
        },
        {
          key: 'bob',
          found: true,
          features: [
            'last_amount@1 {"last_amount":null} outside_ttl -72',
            'count_1d@1 {"count_1d":0} missing -',
            'last_category@1 {"last_category__food":0,"last_category__travel":0} present -72',
            'country@1 {"country":null} missing -',
          ],
        },
        {
          key: 'carol',
          found: true,
          features: [
            'last_amount@1 {"last_amount":null} missing -',
            'count_1d@1 {"count_1d":0} missing -',
            'last_category@1 {"last_category__food":0,"last_category__travel":0} missing -',
            'country@1 {"country":"DE"} present -',
          ],
        },
        {
          key: 'dave',
          found: false,
          // No row at or before T: the same values as a training row for (dave, T).
          features: [
            'last_amount@1 {"last_amount":null} missing -',
            'count_1d@1 {"count_1d":0} missing -',
            'last_category@1 {"last_category__food":0,"last_category__travel":0} missing -',
            'country@1 {"country":null} missing -',
          ],
        },
      ]);
      // The served values are the materialized row's, column for column.
      const alice = table.rows.find((r) => r[0] === 'alice')!;
      const served = got[0]!.features.flatMap((f) => Object.values(f.values));
      const outputs = plan.transforms.flatMap((t) => t.outputs.map((o) => alice[table.columns.indexOf(o.name)]));
      expect(served).toEqual(outputs);
      // The snapshot carries its table, which the store encodes row by row; from the cells instead, the same bytes.
      expect(snapshot.table).toBeDefined();
      const { table: _table, ...cellsOnly } = snapshot;
      await store.writeSnapshot('user_cells', cellsOnly);
      const keys = [['alice'], ['bob'], ['carol'], ['dave']];
      expect((await store.getEncoded('user_cells', keys)).blobs).toEqual((await store.getEncoded('user', keys)).blobs);
      // The table as its query returned it (a time two lookups share not copied into each row): the same vectors.
      const narrow = await runMaterializeNarrow(engine, plan, { as_of: T });
      expect(Object.keys(narrow.sameAs).length).toBeGreaterThan(0);
      expect(narrow.rows[0]!.length).toBe(table.columns.length - Object.keys(narrow.sameAs).length);
      await store.writeSnapshot('user_narrow', snapshotFromMaterialize(plan, narrow, T));
      expect((await store.getEncoded('user_narrow', keys)).blobs).toEqual((await store.getEncoded('user', keys)).blobs);
      await store.writeSnapshot('user_narrow_cells', { ...snapshotFromMaterialize(plan, narrow, T), table: undefined } as never);
      expect((await store.getEncoded('user_narrow_cells', keys)).blobs).toEqual((await store.getEncoded('user', keys)).blobs);

      // Two versions of one feature in one plan get their version in the column name.
      const both = [...versions, { name: 'last_amount', version: 2 }];
      params.set('last_amount@2', await runFit(engine, catalog, featureVersion(catalog, 'last_amount', 2), planFit(catalog, 'last_amount', 2)));
      const plan2 = planMaterialize(catalog, 'user', (name, version) => params.get(`${name}@${version}`), { features: both });
      const snapshot2 = snapshotFromMaterialize(plan2, await runMaterialize(engine, plan2, { as_of: T }), T);
      expect(snapshot2.features.filter((f) => f.name === 'last_amount').map((f) => `${f.version}:${f.columns.join(',')}`)).toEqual(['1:last_amount__v1', '2:last_amount__v2']);
      // Materialized separately and combined, they are served side by side.
      const planV2 = planMaterialize(catalog, 'user', (name, version) => params.get(`${name}@${version}`), { features: [{ name: 'last_amount', version: 2 }] });
      const tableV2 = await runMaterialize(engine, planV2, { as_of: T });
      await store.writeSnapshot('user', combineSnapshots([snapshotFromMaterialize(plan, table, T), snapshotFromMaterialize(planV2, tableV2, T)]));
      const side = await store.get('user', [['alice'], ['carol']], [{ name: 'last_amount', version: 1 }, { name: 'last_amount', version: 2 }, { name: 'country' }]);
      expect(side.map((r) => r.features.map((f) => `${f.version} ${f.values[f.name]} ${f.status}`))).toEqual([
        ['1 10 present', '2 20 present', '1 FR present'],
        // carol has no events: the v2 plan has no row for her.
        ['1 null missing', '2 null missing', '1 DE present'],
      ]);
    } finally {
      await store.close();
      await engine.close();
    }
  });
});
