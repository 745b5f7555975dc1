// The registry's schema (schema.ts): Kysely's Migrator brings a registry to the
// newest schema; registries written before it (fsql's own schema_version at 1
// or 2; fixtures/registry-v1.db and registry-v2.db were written by that code)
// open with their data, and a registry from a newer fsql is refused.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeStatistics } from '../../../src/plan/statistics.js';
import type { Database as Tables } from '../../../src/store/registry/database.js';
import { openRegistry, registryPath } from '../../../src/store/registry/registry.js';
import { MIGRATION_TABLE, migrateRegistry, RegistrySchemaError, SCHEMA_VERSION } from '../../../src/store/registry/schema.js';
import { fittedFor, project, small } from './support.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The project the fixtures registered (see fixtures/README.md). */
const FIXTURE_PROJECT = small({ extra: 'CREATE FEATURE avg_7d ENTITY user FROM transactions AS AVG(amount) WINDOW 7 DAYS FILL MEAN;' }).replace(
  "DESCRIPTION 'Spend over a week'",
  "DESCRIPTION 'Spend over seven days'",
);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fsql-registry-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const raw = <T>(path: string, fn: (db: Database.Database) => T): T => {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
};
const migrationsRun = (path: string) => raw(path, (db) => (db.prepare(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`).all() as { name: string }[]).map((r) => r.name));
const legacyVersion = (path: string) => raw(path, (db) => (db.prepare('SELECT version FROM schema_version').all() as { version: number }[]).map((r) => r.version));

describe('a new registry', () => {
  it('is at the newest schema version; reopened as it is', async () => {
    const path = registryPath(join(dir, 'project'));
    expect(path).toBe(join(dir, 'project', '.fsql', 'registry.db'));
    const reg = await openRegistry(path); // creates .fsql/
    const id = reg.id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await reg.close();
    expect(SCHEMA_VERSION).toBe(2);
    expect(migrationsRun(path)).toEqual(['0001_registry', '0002_pins_retired']);
    // Older fsql versions read schema_version: one row.
    expect(legacyVersion(path)).toEqual([2]);
    const again = await openRegistry(path);
    expect(again.id).toBe(id);
    await again.close();
    expect(migrationsRun(path)).toEqual(['0001_registry', '0002_pins_retired']);
  });

  it('runs a migration appended later, keeping the data; twice is once', async () => {
    const path = join(dir, 'registry.db');
    (await openRegistry(path)).close();
    raw(path, (db) => db.prepare("INSERT INTO applies (id, applied_at, summary) VALUES (1, 't', '{}')").run());
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    try {
      const extra = {
        '0003_note': {
          up: async (k: Kysely<any>) => void (await k.schema.alterTable('applies').addColumn('note', 'text').execute()),
        },
      };
      expect(await migrateRegistry(db, { autoIdType: 'integer' }, extra)).toBe(3);
      expect(await migrateRegistry(db, { autoIdType: 'integer' }, extra)).toBe(3);
    } finally {
      await db.destroy();
    }
    expect(raw(path, (d) => d.prepare('SELECT applied_at, note FROM applies').all())).toEqual([{ applied_at: 't', note: null }]);
    expect(migrationsRun(path)).toEqual(['0001_registry', '0002_pins_retired', '0003_note']);
    // This fsql does not know 0003: the registry is from a newer fsql.
    await expect(openRegistry(path)).rejects.toThrow(RegistrySchemaError);
    await expect(openRegistry(path)).rejects.toThrow(/written by a newer fsql \(this one knows up to 2\); upgrade fsql/);
  });

  it('a registry whose schema_version is above this fsql is refused', async () => {
    const path = join(dir, 'registry.db');
    await (await openRegistry(path)).close();
    raw(path, (db) => db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 5));
    await expect(openRegistry(path)).rejects.toThrow(RegistrySchemaError);
    await expect(openRegistry(path, { readonly: true })).rejects.toThrow(/schema version 7, this fsql reads 2/);
  });
});

describe('a registry written before Kysely', () => {
  it('at schema version 2 opens with everything it held, then takes new applies', async () => {
    const path = join(dir, 'registry.db');
    copyFileSync(fixture('registry-v2.db'), path);
    // The language server opens it read-only as it is: nothing migrated or written.
    const ro = await openRegistry(path, { readonly: true });
    expect((await ro.list()).length).toBe(8);
    await ro.close();
    expect(raw(path, (db) => db.prepare(`SELECT name FROM sqlite_master WHERE name = '${MIGRATION_TABLE}'`).all())).toEqual([]);

    const reg = await openRegistry(path);
    try {
      expect(migrationsRun(path)).toEqual(['0001_registry', '0002_pins_retired']);
      expect(legacyVersion(path)).toEqual([2]);
      expect(reg.id).toBe('1ecc58a53064796492d15abcf241f0e6');
      expect((await reg.list()).map((o) => `${o.kind} ${o.name} ${o.version}`)).toEqual([
        'entity user 1',
        'source transactions 1',
        'view big_txn 1',
        'feature avg_7d 1',
        'feature big_count_30d 1',
        'feature spend_7d 1',
        'label big 1',
        'training_set model 1',
      ]);
      expect((await reg.history()).map((h) => [h.id, h.appliedAt])).toEqual([
        [1, '2024-05-01T12:00:00.000Z'],
        [2, '2024-05-02T12:00:00.000Z'],
        [3, '2024-05-03T12:00:00.000Z'],
      ]);
      const spend = (await reg.describe('spend_7d'))!;
      expect(spend.revision).toBe(2);
      expect(spend.metadata.description).toBe('Spend over seven days');
      expect(spend.revisions.map((r) => [r.revision, r.change, r.appliedAt])).toEqual([
        [1, 'added', '2024-05-01T12:00:00.000Z'],
        [2, 'metadata', '2024-05-02T12:00:00.000Z'],
      ]);
      // The statistics of both applies: the history was already kept per apply.
      expect(await reg.statisticsHistory('spend_7d', 1)).toEqual([
        { apply: 1, appliedAt: '2024-05-01T12:00:00.000Z', statistics: computeStatistics([1, 2, 3], 'DOUBLE') },
        { apply: 2, appliedAt: '2024-05-02T12:00:00.000Z', statistics: computeStatistics([4, 5], 'DOUBLE') },
      ]);
      expect(await reg.fittedParameters('avg_7d', 1)).toEqual(fittedFor('avg_7d', 1));
      expect((await reg.describe('big'))!.retired).toEqual({ reason: 'label leaks', at: '2024-05-03T12:00:00.000Z' });
      expect((await reg.describe('model'))!.retired?.reason).toBe('it uses label `big` VERSION 1, which is retired: label leaks');
      expect((await reg.lineage('model'))!.upstream.map((r) => r.name).sort()).toEqual(['big', 'big_count_30d', 'big_txn', 'spend_7d', 'transactions', 'user']);

      // The project it was written from plans unchanged (the retired versions warn); a new feature applies as apply 4.
      const same = await reg.plan(project(FIXTURE_PROJECT));
      expect(same.items.every((i) => i.status === 'unchanged')).toBe(true);
      const plan = await reg.plan(project(`${FIXTURE_PROJECT}\nCREATE FEATURE max_7d ENTITY user FROM transactions AS MAX(amount) WINDOW 7 DAYS;`));
      expect(plan.summary.added).toBe(1);
      expect((await reg.apply(plan)).applyId).toBe(4);
      expect(await reg.versions('max_7d')).toEqual([1]);
    } finally {
      await reg.close();
    }
  });

  it('at schema version 1 (before pins) is migrated; its versions are pinned by the next apply', async () => {
    const path = join(dir, 'registry.db');
    copyFileSync(fixture('registry-v1.db'), path);
    // Read-only, a registry at another version is refused: `fsql apply` migrates it first.
    await expect(openRegistry(path, { readonly: true })).rejects.toThrow(/schema version 1, this fsql reads 2: run `fsql apply` with this fsql first/);
    const reg = await openRegistry(path);
    try {
      expect(legacyVersion(path)).toEqual([2]);
      expect(migrationsRun(path)).toEqual(['0001_registry', '0002_pins_retired']);
      expect(reg.id).toBe('0123456789abcdef0123456789abcdef');
      expect(raw(path, (db) => db.prepare('SELECT COUNT(*) AS n FROM objects WHERE pinned = 0').get())).toEqual({ n: 8 });
      expect((await reg.describe('spend_7d'))!.pins).toBeUndefined();
      expect((await reg.list()).filter((o) => o.retired)).toEqual([]);
      const plan = await reg.plan(project(FIXTURE_PROJECT));
      expect(plan.items.every((i) => i.status === 'unchanged')).toBe(true);
      // Versions registered before pins: pinned to what is registered now.
      expect(plan.pins.map((p) => p.object.name).sort()).toEqual(['avg_7d', 'big', 'big_count_30d', 'model', 'spend_7d']);
      expect((await reg.apply(plan)).applyId).toBe(3);
      expect((await reg.describe('big_count_30d'))!.pins?.map((p) => [p.kind, p.name, p.revision, p.current])).toEqual([
        ['view', 'big_txn', 1, true],
        ['source', 'transactions', 1, true],
        ['entity', 'user', 1, true],
      ]);
      expect(await reg.statisticsHistory('spend_7d')).toHaveLength(2);
    } finally {
      await reg.close();
    }
  });
});
