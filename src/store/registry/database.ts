/**
 * The registry's tables as Kysely sees them (schema.ts creates them; README.md
 * says what each holds). Every query of the registry is typed by this
 * interface: no `as Row[]` casts, no SQL text built by hand.
 */
import type { Generated, Kysely } from 'kysely';
import type { ObjectKind } from './definitions.js';

export interface RegistryInfoTable {
  key: string;
  value: string;
}

/** The version of the schema, as fsql before Kysely's Migrator counted it (kept for fsql versions that read it). */
export interface SchemaVersionTable {
  version: number;
}

export interface AppliesTable {
  /** max + 1, given by the writer under its lock: dense, never reused. */
  id: number;
  applied_at: string;
  /** JSON: counts per status. */
  summary: string;
}

export interface ObjectsTable {
  id: Generated<number>;
  kind: ObjectKind;
  name: string;
  name_key: string;
  version: number;
  hash: string;
  definition: string;
  text: string;
  description: string | null;
  owner: string | null;
  /** JSON array. */
  tags: string;
  revision: number;
  created_apply: number;
  updated_apply: number;
  /** 0 until the version's pins are written. */
  pinned: Generated<number>;
  retired_apply: number | null;
  retired_reason: string | null;
}

export interface RevisionsTable {
  object_id: number;
  revision: number;
  change: 'added' | 'updated' | 'metadata';
  kind: ObjectKind;
  hash: string;
  text: string;
  /** JSON ObjectMetadata. */
  metadata: string;
  apply_id: number;
}

export interface DependenciesTable {
  object_id: number;
  position: number;
  dep_kind: ObjectKind;
  dep_name: string;
  dep_key: string;
  dep_version: number;
}

export interface FittedParametersTable {
  object_id: number;
  /** JSON FittedParameters. */
  parameters: string;
  apply_id: number;
}

export interface StatisticsTable {
  object_id: number;
  apply_id: number;
  /** JSON FeatureStatistics. */
  statistics: string;
}

export interface PinsTable {
  object_id: number;
  dep_kind: ObjectKind;
  dep_name: string;
  dep_key: string;
  dep_hash: string;
}

export interface Database {
  registry_info: RegistryInfoTable;
  schema_version: SchemaVersionTable;
  applies: AppliesTable;
  objects: ObjectsTable;
  revisions: RevisionsTable;
  dependencies: DependenciesTable;
  fitted_parameters: FittedParametersTable;
  statistics: StatisticsTable;
  pins: PinsTable;
}

export type RegistryDb = Kysely<Database>;
