/**
 * The registry's schema: Kysely migrations, run by Kysely's Migrator (its
 * table `fsql_migration` records what ran). One migration style for every
 * backend: the schema builder, with the one column type backends spell
 * differently (an id the database numbers) given by the storage.
 *
 * Registries written before the Migrator (fsql's own `schema_version` table
 * at version 1 or 2) open as they are: a migration whose version the legacy
 * table already records creates nothing, and the Migrator then runs the rest.
 * `schema_version` is still written (the number of the last migration), so an
 * older fsql refuses a registry a newer one migrated further.
 *
 * To change the schema, append a migration; never edit a released one.
 */
import { randomBytes } from 'node:crypto';
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { RegistryDb } from './database.js';

export class RegistrySchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrySchemaError';
  }
}

/** How a backend spells what the schema builder cannot say alike everywhere. */
export interface SchemaFlavor {
  /** The type of an id the database numbers itself: SQLite's `integer` primary key is its rowid; PostgreSQL needs `serial`. */
  readonly autoIdType: 'integer' | 'serial';
}

/** The table of Kysely's Migrator (and its lock table, `fsql_migration_lock`). */
export const MIGRATION_TABLE = 'fsql_migration';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not the current Database interface
type AnyDb = Kysely<any>;

async function hasTable(db: AnyDb, name: string): Promise<boolean> {
  return (await db.introspection.getTables()).some((t) => t.name === name);
}

/** The version in fsql's own `schema_version` table; 0 when there is none (a new database). */
export async function legacyVersion(db: AnyDb): Promise<number> {
  if (!(await hasTable(db, 'schema_version'))) return 0;
  const row = await db.selectFrom('schema_version').select('version').executeTakeFirst();
  return Number(row?.version ?? 0);
}

async function setLegacyVersion(db: AnyDb, version: number): Promise<void> {
  await db.deleteFrom('schema_version').execute();
  await db.insertInto('schema_version').values({ version }).execute();
}

/** The migrations, by name (the Migrator runs them in name order). */
export function registryMigrations(flavor: SchemaFlavor): Record<string, Migration> {
  return {
    '0001_registry': {
      // Registry id, objects, revisions, dependencies, fitted parameters, statistics, applies.
      async up(db: AnyDb) {
        if ((await legacyVersion(db)) >= 1) return;
        await db.schema.createTable('schema_version').ifNotExists().addColumn('version', 'integer', (c) => c.notNull()).execute();
        // Facts about the registry itself: its id (plans made for one registry are refused by another).
        await db.schema
          .createTable('registry_info')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await db.insertInto('registry_info').values({ key: 'id', value: randomBytes(16).toString('hex') }).execute();
        // One row per apply that wrote something; summary: JSON counts per status.
        await db.schema
          .createTable('applies')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('applied_at', 'text', (c) => c.notNull())
          .addColumn('summary', 'text', (c) => c.notNull())
          .execute();
        // One row per object version: (name, version) in one namespace for every kind.
        await db.schema
          .createTable('objects')
          .addColumn('id', flavor.autoIdType, (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('name_key', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('owner', 'text')
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('created_apply', 'integer', (c) => c.notNull().references('applies.id'))
          .addColumn('updated_apply', 'integer', (c) => c.notNull().references('applies.id'))
          .addUniqueConstraint('objects_name_version', ['name_key', 'version'])
          .execute();
        // Every state an object has been registered in (1 = as added).
        await db.schema
          .createTable('revisions')
          .addColumn('object_id', 'integer', (c) => c.notNull().references('objects.id'))
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('change', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('apply_id', 'integer', (c) => c.notNull().references('applies.id'))
          .addPrimaryKeyConstraint('revisions_pk', ['object_id', 'revision'])
          .execute();
        // Lineage: what each object reads.
        await db.schema
          .createTable('dependencies')
          .addColumn('object_id', 'integer', (c) => c.notNull().references('objects.id'))
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('dep_kind', 'text', (c) => c.notNull())
          .addColumn('dep_name', 'text', (c) => c.notNull())
          .addColumn('dep_key', 'text', (c) => c.notNull())
          .addColumn('dep_version', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('dependencies_pk', ['object_id', 'position'])
          .execute();
        await db.schema.createIndex('dependencies_by_target').on('dependencies').columns(['dep_key', 'dep_version']).execute();
        // Fitted once per feature version, never changed.
        await db.schema
          .createTable('fitted_parameters')
          .addColumn('object_id', 'integer', (c) => c.primaryKey().references('objects.id'))
          .addColumn('parameters', 'text', (c) => c.notNull())
          .addColumn('apply_id', 'integer', (c) => c.notNull().references('applies.id'))
          .execute();
        // Statistics per feature version, per apply that recorded them (the latest is current; all are the history).
        await db.schema
          .createTable('statistics')
          .addColumn('object_id', 'integer', (c) => c.notNull().references('objects.id'))
          .addColumn('apply_id', 'integer', (c) => c.notNull().references('applies.id'))
          .addColumn('statistics', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('statistics_pk', ['object_id', 'apply_id'])
          .execute();
        await setLegacyVersion(db, 1);
      },
    },
    '0002_pins_retired': {
      // Pins of versioned objects to the revisions of their upstream; retired versions.
      async up(db: AnyDb) {
        if ((await legacyVersion(db)) >= 2) return;
        // The definition hash of every source, view and entity of a version's upstream closure, when it was registered.
        await db.schema
          .createTable('pins')
          .addColumn('object_id', 'integer', (c) => c.notNull().references('objects.id'))
          .addColumn('dep_kind', 'text', (c) => c.notNull())
          .addColumn('dep_name', 'text', (c) => c.notNull())
          .addColumn('dep_key', 'text', (c) => c.notNull())
          .addColumn('dep_hash', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('pins_pk', ['object_id', 'dep_key'])
          .execute();
        // Every object registered before pins existed is pinned by its first apply after this migration.
        await db.schema.alterTable('objects').addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        // A retired version is never computed again; it says so, with its reason, wherever it is asked for.
        await db.schema.alterTable('objects').addColumn('retired_apply', 'integer', (c) => c.references('applies.id')).execute();
        await db.schema.alterTable('objects').addColumn('retired_reason', 'text').execute();
        await setLegacyVersion(db, 2);
      },
    },
  };
}

/** The newest schema version this fsql knows: the number of its migrations. */
export const SCHEMA_VERSION = Object.keys(registryMigrations({ autoIdType: 'integer' })).length;

/** The names of the migrations Kysely's Migrator has run on this database (none before the first). */
async function executedMigrations(db: AnyDb): Promise<string[]> {
  if (!(await hasTable(db, MIGRATION_TABLE))) return [];
  return (await db.selectFrom(MIGRATION_TABLE).select('name').execute()).map((r) => String(r.name));
}

/**
 * Brings the registry up to the newest schema (Kysely's Migrator, in one
 * transaction where the backend has transactional DDL); returns the version.
 * A registry migrated by a newer fsql is refused (RegistrySchemaError).
 * `extra`: migrations appended after the registry's (tests).
 */
export async function migrateRegistry(db: RegistryDb, flavor: SchemaFlavor, extra: Record<string, Migration> = {}): Promise<number> {
  const migrations = { ...registryMigrations(flavor), ...extra };
  const known = Object.keys(migrations).length;
  const legacy = await legacyVersion(db);
  const unknown = (await executedMigrations(db)).filter((name) => !(name in migrations));
  if (legacy > known || unknown.length > 0) {
    throw new RegistrySchemaError(
      `this registry is at schema version ${Math.max(legacy, known + unknown.length)}, written by a newer fsql (this one knows up to ${known}); upgrade fsql`,
    );
  }
  // Nothing to run (the common open): no Migrator, so no write transaction just to find that out.
  const executed = new Set(await executedMigrations(db));
  if (legacy === Math.min(known, SCHEMA_VERSION) && Object.keys(migrations).every((name) => executed.has(name))) return known;
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({ db, provider, migrationTableName: MIGRATION_TABLE, migrationLockTableName: `${MIGRATION_TABLE}_lock` });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const e = error instanceof Error ? error : new Error(String(error));
    if (failed) e.message = `registry migration ${failed} failed: ${e.message}`;
    throw e;
  }
  return known;
}

/** The schema version a registry is at, without migrating (the language server's read-only open). */
export async function registryVersion(db: RegistryDb): Promise<number> {
  return legacyVersion(db);
}
