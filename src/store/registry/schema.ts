/**
 * The registry's SQLite schema and its migrations. `schema_version` holds one
 * row, the version the file is at; opening a registry runs, in one
 * transaction, every migration above it. A file written by a newer fsql
 * (a version above the newest migration here) is refused rather than guessed at.
 *
 * To change the schema, append a migration; never edit a released one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'registry id, objects, revisions, dependencies, fitted parameters, statistics, applies',
    sql: `
      -- Facts about the file itself: its id (plans made for one registry are refused by another).
      CREATE TABLE registry_info (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      INSERT INTO registry_info (key, value) VALUES ('id', lower(hex(randomblob(16))));

      -- One row per apply that wrote something.
      CREATE TABLE applies (
        id          INTEGER PRIMARY KEY,
        applied_at  TEXT NOT NULL,
        summary     TEXT NOT NULL            -- JSON: counts per status
      );

      -- One row per object version: (name, version) in one namespace for every kind.
      CREATE TABLE objects (
        id            INTEGER PRIMARY KEY,
        kind          TEXT NOT NULL,
        name          TEXT NOT NULL,         -- declared spelling
        name_key      TEXT NOT NULL,         -- lower case
        version       INTEGER NOT NULL,
        hash          TEXT NOT NULL,         -- sha256 of the definition without metadata
        definition    TEXT NOT NULL,         -- canonical text without metadata
        text          TEXT NOT NULL,         -- canonical text with metadata
        description   TEXT,
        owner         TEXT,
        tags          TEXT NOT NULL,         -- JSON array
        revision      INTEGER NOT NULL,      -- latest revision number
        created_apply INTEGER NOT NULL REFERENCES applies(id),
        updated_apply INTEGER NOT NULL REFERENCES applies(id),
        UNIQUE (name_key, version)
      );

      -- Every state an object has been registered in (1 = as added).
      CREATE TABLE revisions (
        object_id   INTEGER NOT NULL REFERENCES objects(id),
        revision    INTEGER NOT NULL,
        change      TEXT NOT NULL,           -- added | updated | metadata
        kind        TEXT NOT NULL,
        hash        TEXT NOT NULL,
        text        TEXT NOT NULL,
        metadata    TEXT NOT NULL,           -- JSON
        apply_id    INTEGER NOT NULL REFERENCES applies(id),
        PRIMARY KEY (object_id, revision)
      );

      -- Lineage: what each object reads (a view its relations, a feature its relation and entity, …).
      CREATE TABLE dependencies (
        object_id   INTEGER NOT NULL REFERENCES objects(id),
        position    INTEGER NOT NULL,
        dep_kind    TEXT NOT NULL,
        dep_name    TEXT NOT NULL,
        dep_key     TEXT NOT NULL,
        dep_version INTEGER NOT NULL,
        PRIMARY KEY (object_id, position)
      );
      CREATE INDEX dependencies_by_target ON dependencies (dep_key, dep_version);

      -- Fitted once per feature version, never changed.
      CREATE TABLE fitted_parameters (
        object_id   INTEGER PRIMARY KEY REFERENCES objects(id),
        parameters  TEXT NOT NULL,           -- JSON FittedParameters
        apply_id    INTEGER NOT NULL REFERENCES applies(id)
      );

      -- Statistics per feature version, per apply that recorded them (the latest is current).
      CREATE TABLE statistics (
        object_id   INTEGER NOT NULL REFERENCES objects(id),
        apply_id    INTEGER NOT NULL REFERENCES applies(id),
        statistics  TEXT NOT NULL,           -- JSON FeatureStatistics
        PRIMARY KEY (object_id, apply_id)
      );
    `,
  },
  {
    version: 2,
    description: 'pins of versioned objects to the revisions of their upstream; retired versions',
    sql: `
      -- What a feature, label or training-set version reads, pinned when it was registered: the
      -- definition hash of every source, view and entity of its upstream closure. A view is compiled
      -- from the revision with that hash (kept in revisions) for as long as the version lives.
      CREATE TABLE pins (
        object_id   INTEGER NOT NULL REFERENCES objects(id),
        dep_kind    TEXT NOT NULL,
        dep_name    TEXT NOT NULL,
        dep_key     TEXT NOT NULL,
        dep_hash    TEXT NOT NULL,
        PRIMARY KEY (object_id, dep_key)
      );
      -- Every object registered before pins existed is pinned by its first apply after this migration.
      ALTER TABLE objects ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
      -- A retired version is never computed again; it says so, with its reason, wherever it is asked for.
      ALTER TABLE objects ADD COLUMN retired_apply INTEGER REFERENCES applies(id);
      ALTER TABLE objects ADD COLUMN retired_reason TEXT;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export class RegistrySchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrySchemaError';
  }
}

/** The version a registry file is at; 0 for a new, empty file. */
export function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/** Brings the file up to SCHEMA_VERSION, in one transaction. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  db.transaction(() => {
    const current = schemaVersion(db);
    if (current > latest) {
      throw new RegistrySchemaError(`this registry is at schema version ${current}, written by a newer fsql (this one knows up to ${latest}); upgrade fsql`);
    }
    if (current === latest) return;
    if (current === 0) db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    for (const m of migrations) if (m.version > current) db.exec(m.sql);
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(latest);
  }).immediate();
  return latest;
}
