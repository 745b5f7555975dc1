/**
 * The registry: the project's metadata store, a SQLite file (by default
 * `.fsql/registry.db` in the project; `:memory:` for tests).
 *
 * `plan(project)` compares a checked project's definitions with what is
 * registered, like `terraform plan`: each object version is added, unchanged,
 * updated (an entity, source or view whose definition changed), metadata (only
 * DESCRIPTION / OWNER / TAGS changed) or changed — a feature, label or training
 * set whose definition differs under a registered (name, version): forbidden,
 * reported in `errors` with the diff. `apply(plan, extras)` writes the plan in
 * one transaction, with the fitted parameters of every new feature version and
 * any statistics the caller computed; nothing is written when anything fails.
 *
 * See README.md beside this file for the schema and the decisions.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { keyOf } from '../../check/catalog.js';
import { hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { FittedParameters } from '../../plan/fitted.js';
import {
  compareRefs,
  isVersioned,
  KIND_LABELS,
  projectDefinitions,
  refLabel,
  type CheckedProject,
  type ObjectDefinition,
  type ObjectKind,
  type ObjectMetadata,
  type ObjectRef,
} from './definitions.js';
import { renderDiff } from './diff.js';
import { migrate } from './schema.js';
import type { FeatureStatistics } from './statistics.js';

// ---------------------------------------------------------------------------
// Types

export type PlanStatus = 'added' | 'unchanged' | 'changed' | 'updated' | 'metadata';

export const PLAN_STATUSES: readonly PlanStatus[] = ['added', 'updated', 'metadata', 'changed', 'unchanged'];

export interface PlanItem extends ObjectRef {
  readonly status: PlanStatus;
  /** The project's definition (what apply writes). */
  readonly definition: ObjectDefinition;
  /** What is registered under (name, version), when something is. */
  readonly registered?: { readonly kind: ObjectKind; readonly hash: string; readonly text: string; readonly revision: number };
  /** A `git diff`-style diff, registered → project (no colour), for changed, updated and metadata items. */
  readonly diff?: string;
  /** For metadata (and updated) items: which metadata fields differ. */
  readonly metadataChanges?: readonly ('description' | 'owner' | 'tags')[];
}

export interface PlanError {
  readonly object?: ObjectRef;
  readonly message: string;
  /** registered → project, for a changed definition. */
  readonly diff?: string;
}

export interface PlanWarning {
  readonly object: ObjectRef;
  readonly message: string;
}

export interface ApplyPlan {
  /** The id of the registry file the plan was made against. */
  readonly registryId: string;
  /** The last apply the plan saw; apply refuses a plan made before a later apply. */
  readonly basedOn: number;
  /** Every object version of the project, upstream kinds first, then by name and version. */
  readonly items: readonly PlanItem[];
  /** Apply refuses a plan with errors. */
  readonly errors: readonly PlanError[];
  readonly warnings: readonly PlanWarning[];
  readonly summary: Readonly<Record<PlanStatus, number>>;
}

export interface FittedExtra {
  readonly feature: string;
  readonly version: number;
  readonly parameters: FittedParameters;
}

export interface StatisticsExtra {
  readonly feature: string;
  readonly version: number;
  readonly statistics: FeatureStatistics;
}

/** What the caller computed for apply: the registry runs no query on data. */
export interface ApplyExtras {
  /** Required for every feature version the plan adds, and only for those (fitted once, never changed). */
  readonly fitted?: readonly FittedExtra[];
  /** Optional, for any feature version of the plan or the registry; the latest recorded is current. */
  readonly statistics?: readonly StatisticsExtra[];
  /** The time recorded for the apply; now by default. */
  readonly now?: Date;
}

export interface ApplyResult {
  /** The apply's id; null when there was nothing to write. */
  readonly applyId: number | null;
  readonly appliedAt: string;
  readonly summary: Readonly<Record<PlanStatus, number>>;
  readonly fitted: number;
  readonly statistics: number;
}

export interface RegisteredObject extends ObjectRef {
  readonly hash: string;
  readonly metadata: ObjectMetadata;
  /** 1 when added; +1 per update or metadata change. */
  readonly revision: number;
  readonly registeredAt: string;
  readonly updatedAt: string;
  readonly fitted: boolean;
  readonly hasStatistics: boolean;
}

export interface Revision {
  readonly revision: number;
  readonly change: 'added' | 'updated' | 'metadata';
  readonly kind: ObjectKind;
  readonly hash: string;
  readonly text: string;
  readonly metadata: ObjectMetadata;
  readonly applyId: number;
  readonly appliedAt: string;
}

/** An edge of the data flow: `from` is read by `to` (source → view → feature → training set). */
export interface LineageEdge {
  readonly from: ObjectRef;
  readonly to: ObjectRef;
}

export interface Lineage {
  readonly root: ObjectRef;
  /** Everything the root reads, transitively, nearest first. */
  readonly upstream: readonly ObjectRef[];
  /** Everything that reads the root, transitively, nearest first. */
  readonly downstream: readonly ObjectRef[];
  readonly upstreamEdges: readonly LineageEdge[];
  readonly downstreamEdges: readonly LineageEdge[];
}

export interface ObjectDescription extends RegisteredObject {
  /** Canonical text with metadata. */
  readonly text: string;
  /** Canonical text without metadata (what the hash covers). */
  readonly definition: string;
  /** Every registered version of this name, ascending. */
  readonly versions: readonly number[];
  readonly revisions: readonly Revision[];
  /** What it reads directly. */
  readonly dependencies: readonly ObjectRef[];
  /** What reads it directly. */
  readonly dependents: readonly ObjectRef[];
  readonly fittedParameters?: FittedParameters;
  readonly statistics?: FeatureStatistics;
  readonly lineage: Lineage;
}

export interface ApplyRecord {
  readonly id: number;
  readonly appliedAt: string;
  readonly summary: Readonly<Record<PlanStatus, number>> & { readonly fitted: number; readonly statistics: number };
}

export type RegistryErrorCode = 'plan-has-errors' | 'stale-plan' | 'foreign-plan' | 'invalid-extras';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length > 0 ? `${message}:\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
    this.name = 'RegistryError';
  }
}

/** The project to plan: `checkProject`'s result (its diagnostics, when given, must have no errors). */
export interface PlannedProject extends CheckedProject {
  readonly diagnostics?: readonly Diagnostic[];
}

// ---------------------------------------------------------------------------
// Opening

/** Where a project keeps its registry. */
export function registryPath(projectDir: string): string {
  return join(projectDir, '.fsql', 'registry.db');
}

/** Opens (creating and migrating as needed) the registry at `path`; `:memory:` for a throwaway one. */
export function openRegistry(path: string): Registry {
  return new Registry(path);
}

interface ObjectRow {
  id: number;
  kind: ObjectKind;
  name: string;
  name_key: string;
  version: number;
  hash: string;
  definition: string;
  text: string;
  description: string | null;
  owner: string | null;
  tags: string;
  revision: number;
  created_apply: number;
  updated_apply: number;
}

interface DependencyRow {
  object_id: number;
  position: number;
  dep_kind: ObjectKind;
  dep_name: string;
  dep_key: string;
  dep_version: number;
}

function emptySummary(): Record<PlanStatus, number> {
  return { added: 0, updated: 0, metadata: 0, changed: 0, unchanged: 0 };
}

function metadataOfRow(row: Pick<ObjectRow, 'description' | 'owner' | 'tags'>): ObjectMetadata {
  return {
    ...(row.description !== null ? { description: row.description } : {}),
    ...(row.owner !== null ? { owner: row.owner } : {}),
    tags: JSON.parse(row.tags) as string[],
  };
}

function metadataDifferences(a: ObjectMetadata, b: ObjectMetadata): ('description' | 'owner' | 'tags')[] {
  const out: ('description' | 'owner' | 'tags')[] = [];
  if (a.description !== b.description) out.push('description');
  if (a.owner !== b.owner) out.push('owner');
  if (JSON.stringify(a.tags) !== JSON.stringify(b.tags)) out.push('tags');
  return out;
}

function refKey(name: string, version: number): string {
  return `${keyOf(name)}@${version}`;
}

function article(word: string): string {
  return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
}

// ---------------------------------------------------------------------------
// The registry

export class Registry {
  readonly id: string;
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    this.db = db;
    try {
      if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db);
      this.id = (db.prepare("SELECT value FROM registry_info WHERE key = 'id'").get() as { value: string }).value;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- plan ----------------------------------------------------------------------------

  plan(project: PlannedProject): ApplyPlan {
    const errors: PlanError[] = [];
    const warnings: PlanWarning[] = [];
    if (project.diagnostics && hasErrors(project.diagnostics)) {
      errors.push({ message: 'the project has errors; fix them (fsql check) before applying' });
    }
    const definitions = projectDefinitions(project);
    const items: PlanItem[] = [];
    const summary = emptySummary();
    const rowsByKey = new Map<string, ObjectRow[]>();
    const rowsOf = (key: string): ObjectRow[] => {
      let rows = rowsByKey.get(key);
      if (!rows) {
        rows = this.db.prepare('SELECT * FROM objects WHERE name_key = ? ORDER BY version').all(key) as ObjectRow[];
        rowsByKey.set(key, rows);
      }
      return rows;
    };

    for (const d of definitions) {
      const rows = rowsOf(d.key);
      const reg = rows.find((r) => r.version === d.version);
      const ref: ObjectRef = { kind: d.kind, name: d.name, version: d.version };
      const diffOf = (r: ObjectRow) =>
        renderDiff(r.text, d.text, { oldLabel: `registered ${KIND_LABELS[r.kind]} ${refLabel(r)}`, newLabel: `${d.file}:${d.line}` });

      // One namespace: a name registered as another kind, where either kind is versioned.
      const clash = rows.find((r) => r.kind !== d.kind && (isVersioned(r.kind) || isVersioned(d.kind)));
      if (clash) {
        const versions = rows.filter((r) => r.kind === clash.kind).map((r) => r.version);
        errors.push({
          object: ref,
          message:
            `\`${d.name}\` is registered as ${article(KIND_LABELS[clash.kind])}` +
            `${isVersioned(clash.kind) ? ` (VERSION ${versions.join(', ')})` : ''}; ` +
            `${article(KIND_LABELS[d.kind])} cannot take its name: names are one namespace, and registered versions stay usable`,
          ...(reg ? { diff: diffOf(reg) } : {}),
        });
        items.push({ ...ref, status: 'changed', definition: d, ...(reg ? { registered: registeredOf(reg), diff: diffOf(reg) } : {}) });
        summary.changed++;
        continue;
      }

      if (!reg) {
        items.push({ ...ref, status: 'added', definition: d });
        summary.added++;
        continue;
      }

      const metadataChanges = metadataDifferences(metadataOfRow(reg), d.metadata);
      let status: PlanStatus;
      if (reg.hash === d.hash && reg.kind === d.kind) status = metadataChanges.length > 0 ? 'metadata' : 'unchanged';
      else if (!isVersioned(d.kind)) status = 'updated';
      else status = 'changed';
      summary[status]++;
      const diff = status === 'unchanged' ? undefined : diffOf(reg);
      items.push({
        ...ref,
        status,
        definition: d,
        registered: registeredOf(reg),
        ...(diff !== undefined ? { diff } : {}),
        ...(metadataChanges.length > 0 ? { metadataChanges } : {}),
      });
      if (status === 'changed') {
        const projectVersions = definitions.filter((x) => x.key === d.key).map((x) => x.version);
        const next = Math.max(...rows.map((r) => r.version), ...projectVersions) + 1;
        errors.push({
          object: ref,
          message:
            `${KIND_LABELS[d.kind]} \`${d.name}\` VERSION ${d.version} is already registered with a different definition, ` +
            `and a (name, version) never changes: give the new definition VERSION ${next} (VERSION ${d.version} stays registered and usable)`,
          ...(diff !== undefined ? { diff } : {}),
        });
      }
    }

    warnings.push(...staleFitWarnings(definitions, items));
    return { registryId: this.id, basedOn: this.lastApplyId(), items, errors, warnings, summary };
  }

  // ---- apply ---------------------------------------------------------------------------

  apply(plan: ApplyPlan, extras: ApplyExtras = {}): ApplyResult {
    if (plan.registryId !== this.id) throw new RegistryError('foreign-plan', 'this plan was made against another registry; plan again');
    if (plan.errors.length > 0) {
      throw new RegistryError(
        'plan-has-errors',
        'the plan has errors; nothing was applied',
        plan.errors.map((e) => e.message),
      );
    }
    this.checkExtras(plan, extras);
    const appliedAt = (extras.now ?? new Date()).toISOString();
    const fitted = extras.fitted ?? [];
    const statistics = extras.statistics ?? [];
    const summary = { ...plan.summary };
    const writes = plan.items.filter((i) => i.status !== 'unchanged');

    const run = this.db.transaction((): number | null => {
      if (this.lastApplyId() !== plan.basedOn) {
        throw new RegistryError('stale-plan', 'the registry changed since this plan was made (another apply ran); plan again');
      }
      if (writes.length === 0 && fitted.length === 0 && statistics.length === 0) return null;
      const applyId = Number(
        this.db.prepare('INSERT INTO applies (applied_at, summary) VALUES (?, ?)').run(appliedAt, JSON.stringify({ ...summary, fitted: fitted.length, statistics: statistics.length }))
          .lastInsertRowid,
      );
      for (const item of writes) this.writeItem(item, applyId);
      for (const f of fitted) {
        const id = this.objectId('feature', f.feature, f.version);
        this.db.prepare('INSERT INTO fitted_parameters (object_id, parameters, apply_id) VALUES (?, ?, ?)').run(id, JSON.stringify(f.parameters), applyId);
      }
      for (const s of statistics) {
        const id = this.objectId('feature', s.feature, s.version);
        this.db.prepare('INSERT INTO statistics (object_id, apply_id, statistics) VALUES (?, ?, ?)').run(id, applyId, JSON.stringify(s.statistics));
      }
      return applyId;
    });
    const applyId = run.immediate();
    return { applyId, appliedAt, summary, fitted: fitted.length, statistics: statistics.length };
  }

  /** Every problem with the extras, before anything is written. */
  private checkExtras(plan: ApplyPlan, extras: ApplyExtras): void {
    const problems: string[] = [];
    const added = new Map<string, PlanItem>();
    const planned = new Map<string, PlanItem>();
    for (const item of plan.items) {
      if (item.kind !== 'feature') continue;
      planned.set(refKey(item.name, item.version), item);
      if (item.status === 'added') added.set(refKey(item.name, item.version), item);
    }
    const seen = new Set<string>();
    for (const f of extras.fitted ?? []) {
      const k = refKey(f.feature, f.version);
      if (seen.has(k)) problems.push(`fitted parameters for feature \`${f.feature}\` VERSION ${f.version} are given twice`);
      seen.add(k);
      if (added.has(k)) continue;
      if (planned.has(k) || this.objectRow(f.feature, f.version)?.kind === 'feature') {
        problems.push(`feature \`${f.feature}\` VERSION ${f.version} is already registered, and its fitted parameters never change`);
      } else {
        problems.push(`fitted parameters for \`${f.feature}\` VERSION ${f.version}, which is not a feature version of this plan`);
      }
    }
    for (const [k, item] of added) {
      if (!seen.has(k)) problems.push(`feature \`${item.name}\` VERSION ${item.version} is new and needs its fitted parameters`);
    }
    const seenStats = new Set<string>();
    for (const s of extras.statistics ?? []) {
      const k = refKey(s.feature, s.version);
      if (seenStats.has(k)) problems.push(`statistics for feature \`${s.feature}\` VERSION ${s.version} are given twice`);
      seenStats.add(k);
      if (!planned.has(k) && this.objectRow(s.feature, s.version)?.kind !== 'feature') {
        problems.push(`statistics for \`${s.feature}\` VERSION ${s.version}, which is neither in this plan nor a registered feature version`);
      }
    }
    if (problems.length > 0) throw new RegistryError('invalid-extras', 'cannot apply; nothing was written', problems);
  }

  private writeItem(item: PlanItem, applyId: number): void {
    const d = item.definition;
    const m = d.metadata;
    const metadataJson = JSON.stringify(m);
    let objectId: number;
    let revision: number;
    if (item.status === 'added') {
      revision = 1;
      objectId = Number(
        this.db
          .prepare(
            `INSERT INTO objects (kind, name, name_key, version, hash, definition, text, description, owner, tags, revision, created_apply, updated_apply)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
          )
          .run(d.kind, d.name, d.key, d.version, d.hash, d.definition, d.text, m.description ?? null, m.owner ?? null, JSON.stringify(m.tags), applyId, applyId).lastInsertRowid,
      );
    } else if (item.status === 'updated' || item.status === 'metadata') {
      const row = this.db.prepare('SELECT id, revision FROM objects WHERE name_key = ? AND version = ?').get(d.key, d.version) as { id: number; revision: number } | undefined;
      if (!row) throw new RegistryError('stale-plan', `${KIND_LABELS[d.kind]} \`${d.name}\` is no longer registered; plan again`);
      objectId = row.id;
      revision = row.revision + 1;
      this.db
        .prepare(
          `UPDATE objects SET kind = ?, name = ?, hash = ?, definition = ?, text = ?, description = ?, owner = ?, tags = ?, revision = ?, updated_apply = ?
           WHERE id = ?`,
        )
        .run(d.kind, d.name, d.hash, d.definition, d.text, m.description ?? null, m.owner ?? null, JSON.stringify(m.tags), revision, applyId, objectId);
    } else {
      // 'changed' never reaches here (the plan has errors) and 'unchanged' writes nothing.
      throw new Error(`cannot write a ${item.status} item`);
    }
    this.db
      .prepare('INSERT INTO revisions (object_id, revision, change, kind, hash, text, metadata, apply_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(objectId, revision, item.status, d.kind, d.hash, d.text, metadataJson, applyId);
    if (item.status !== 'metadata') {
      this.db.prepare('DELETE FROM dependencies WHERE object_id = ?').run(objectId);
      const insert = this.db.prepare('INSERT INTO dependencies (object_id, position, dep_kind, dep_name, dep_key, dep_version) VALUES (?, ?, ?, ?, ?, ?)');
      d.dependencies.forEach((dep, i) => insert.run(objectId, i, dep.kind, dep.name, keyOf(dep.name), dep.version));
    }
  }

  // ---- getters -------------------------------------------------------------------------

  /** Every registered object version, upstream kinds first, then by name and version. */
  list(filter: { readonly kind?: ObjectKind; readonly name?: string } = {}): RegisteredObject[] {
    const rows = this.db.prepare('SELECT * FROM objects').all() as ObjectRow[];
    return rows
      .filter((r) => (filter.kind === undefined || r.kind === filter.kind) && (filter.name === undefined || r.name_key === keyOf(filter.name)))
      .map((r) => this.summaryOf(r))
      .sort(compareRefs);
  }

  /** The canonical text (with metadata) of every registered object version, in registration order: what the runtime compiles. */
  texts(): { readonly kind: ObjectKind; readonly name: string; readonly version: number; readonly text: string }[] {
    return this.db.prepare('SELECT kind, name, version, text FROM objects ORDER BY id').all() as { kind: ObjectKind; name: string; version: number; text: string }[];
  }

  /** The id of the last apply (0 before the first). */
  lastApply(): number {
    return this.lastApplyId();
  }

  /** The registered versions of a name, ascending (empty when unknown). */
  versions(name: string): number[] {
    return (this.db.prepare('SELECT version FROM objects WHERE name_key = ? ORDER BY version').all(keyOf(name)) as { version: number }[]).map((r) => r.version);
  }

  /** One object version (the newest when no version is given), with everything known about it. */
  describe(name: string, version?: number): ObjectDescription | undefined {
    const row = this.objectRow(name, version);
    if (!row) return undefined;
    const fitted = this.fittedParametersOf(row.id);
    const stats = this.statisticsOf(row.id);
    const revisions = (
      this.db
        .prepare(
          `SELECT r.revision, r.change, r.kind, r.hash, r.text, r.metadata, r.apply_id, a.applied_at
           FROM revisions r JOIN applies a ON a.id = r.apply_id WHERE r.object_id = ? ORDER BY r.revision`,
        )
        .all(row.id) as { revision: number; change: Revision['change']; kind: ObjectKind; hash: string; text: string; metadata: string; apply_id: number; applied_at: string }[]
    ).map(
      (r): Revision => ({
        revision: r.revision,
        change: r.change,
        kind: r.kind,
        hash: r.hash,
        text: r.text,
        metadata: JSON.parse(r.metadata) as ObjectMetadata,
        applyId: r.apply_id,
        appliedAt: r.applied_at,
      }),
    );
    return {
      ...this.summaryOf(row),
      text: row.text,
      definition: row.definition,
      versions: this.versions(row.name),
      revisions,
      dependencies: this.dependenciesOf(row.id),
      dependents: this.dependentsOf(row),
      ...(fitted ? { fittedParameters: fitted } : {}),
      ...(stats ? { statistics: stats } : {}),
      lineage: this.lineageOf(row),
    };
  }

  /** The fitted parameters of a feature version; undefined when it is not registered. */
  fittedParameters(feature: string, version: number): FittedParameters | undefined {
    const row = this.objectRow(feature, version);
    return row?.kind === 'feature' ? this.fittedParametersOf(row.id) : undefined;
  }

  /** The latest statistics recorded for a feature version. */
  statistics(feature: string, version: number): FeatureStatistics | undefined {
    const row = this.objectRow(feature, version);
    return row?.kind === 'feature' ? this.statisticsOf(row.id) : undefined;
  }

  /** Lineage of an object version (the newest when no version is given). */
  lineage(name: string, version?: number): Lineage | undefined {
    const row = this.objectRow(name, version);
    return row ? this.lineageOf(row) : undefined;
  }

  /** Every apply that wrote something, oldest first. */
  history(): ApplyRecord[] {
    return (this.db.prepare('SELECT id, applied_at, summary FROM applies ORDER BY id').all() as { id: number; applied_at: string; summary: string }[]).map((r) => ({
      id: r.id,
      appliedAt: r.applied_at,
      summary: JSON.parse(r.summary) as ApplyRecord['summary'],
    }));
  }

  // ---- internals -----------------------------------------------------------------------

  private lastApplyId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM applies').get() as { id: number }).id;
  }

  private objectRow(name: string, version?: number): ObjectRow | undefined {
    if (version === undefined) {
      return this.db.prepare('SELECT * FROM objects WHERE name_key = ? ORDER BY version DESC LIMIT 1').get(keyOf(name)) as ObjectRow | undefined;
    }
    return this.db.prepare('SELECT * FROM objects WHERE name_key = ? AND version = ?').get(keyOf(name), version) as ObjectRow | undefined;
  }

  private objectId(kind: ObjectKind, name: string, version: number): number {
    const row = this.objectRow(name, version);
    if (!row || row.kind !== kind) throw new RegistryError('invalid-extras', `${KIND_LABELS[kind]} \`${name}\` VERSION ${version} is not registered`);
    return row.id;
  }

  private summaryOf(row: ObjectRow): RegisteredObject {
    const at = this.db.prepare('SELECT applied_at FROM applies WHERE id = ?');
    const fitted = this.db.prepare('SELECT 1 FROM fitted_parameters WHERE object_id = ?').get(row.id) !== undefined;
    const hasStatistics = this.db.prepare('SELECT 1 FROM statistics WHERE object_id = ? LIMIT 1').get(row.id) !== undefined;
    return {
      kind: row.kind,
      name: row.name,
      version: row.version,
      hash: row.hash,
      metadata: metadataOfRow(row),
      revision: row.revision,
      registeredAt: (at.get(row.created_apply) as { applied_at: string }).applied_at,
      updatedAt: (at.get(row.updated_apply) as { applied_at: string }).applied_at,
      fitted,
      hasStatistics,
    };
  }

  private fittedParametersOf(objectId: number): FittedParameters | undefined {
    const r = this.db.prepare('SELECT parameters FROM fitted_parameters WHERE object_id = ?').get(objectId) as { parameters: string } | undefined;
    return r ? (JSON.parse(r.parameters) as FittedParameters) : undefined;
  }

  private statisticsOf(objectId: number): FeatureStatistics | undefined {
    const r = this.db.prepare('SELECT statistics FROM statistics WHERE object_id = ? ORDER BY apply_id DESC LIMIT 1').get(objectId) as { statistics: string } | undefined;
    return r ? (JSON.parse(r.statistics) as FeatureStatistics) : undefined;
  }

  /** A dependency as registered now (its kind and spelling may have been updated since). */
  private resolveDependency(dep: DependencyRow): ObjectRef {
    const row = this.db.prepare('SELECT kind, name FROM objects WHERE name_key = ? AND version = ?').get(dep.dep_key, dep.dep_version) as
      | { kind: ObjectKind; name: string }
      | undefined;
    return { kind: row?.kind ?? dep.dep_kind, name: row?.name ?? dep.dep_name, version: dep.dep_version };
  }

  private dependenciesOf(objectId: number): ObjectRef[] {
    const deps = this.db.prepare('SELECT * FROM dependencies WHERE object_id = ? ORDER BY position').all(objectId) as DependencyRow[];
    return deps.map((d) => this.resolveDependency(d));
  }

  private dependentsOf(row: Pick<ObjectRow, 'name_key' | 'version'>): ObjectRef[] {
    const rows = this.db
      .prepare('SELECT DISTINCT o.kind, o.name, o.version FROM dependencies d JOIN objects o ON o.id = d.object_id WHERE d.dep_key = ? AND d.dep_version = ?')
      .all(row.name_key, row.version) as ObjectRef[];
    return rows.map((r) => ({ kind: r.kind, name: r.name, version: r.version })).sort(compareRefs);
  }

  private lineageOf(row: ObjectRow): Lineage {
    const root: ObjectRef = { kind: row.kind, name: row.name, version: row.version };
    const walk = (next: (ref: ObjectRef) => ObjectRef[], edge: (ref: ObjectRef, n: ObjectRef) => LineageEdge) => {
      const seen = new Set<string>([refKey(root.name, root.version)]);
      const nodes: ObjectRef[] = [];
      const edges: LineageEdge[] = [];
      let frontier: ObjectRef[] = [root];
      while (frontier.length > 0) {
        const following: ObjectRef[] = [];
        for (const ref of frontier) {
          for (const n of next(ref)) {
            edges.push(edge(ref, n));
            const k = refKey(n.name, n.version);
            if (seen.has(k)) continue;
            seen.add(k);
            nodes.push(n);
            following.push(n);
          }
        }
        frontier = following;
      }
      return { nodes, edges };
    };
    const up = walk(
      (ref) => {
        const r = this.objectRow(ref.name, ref.version);
        return r ? this.dependenciesOf(r.id) : [];
      },
      (ref, n) => ({ from: n, to: ref }),
    );
    const down = walk(
      (ref) => this.dependentsOf({ name_key: keyOf(ref.name), version: ref.version }),
      (ref, n) => ({ from: ref, to: n }),
    );
    return { root, upstream: up.nodes, downstream: down.nodes, upstreamEdges: up.edges, downstreamEdges: down.edges };
  }
}

function registeredOf(r: ObjectRow): NonNullable<PlanItem['registered']> {
  return { kind: r.kind, hash: r.hash, text: r.text, revision: r.revision };
}

/**
 * Feature versions already fitted that read (through views) a relation or
 * entity this plan updates: their fitted parameters stay as they are.
 */
function staleFitWarnings(definitions: readonly ObjectDefinition[], items: readonly PlanItem[]): PlanWarning[] {
  const updated = new Set(items.filter((i) => i.status === 'updated').map((i) => keyOf(i.name)));
  if (updated.size === 0) return [];
  const byKey = new Map(definitions.filter((d) => !isVersioned(d.kind)).map((d) => [d.key, d]));
  const upstreamUpdated = (d: ObjectDefinition): string[] => {
    const found = new Set<string>();
    const seen = new Set<string>();
    const stack = [...d.dependencies];
    while (stack.length > 0) {
      const dep = stack.pop()!;
      const k = keyOf(dep.name);
      if (seen.has(k)) continue;
      seen.add(k);
      if (updated.has(k)) found.add(byKey.get(k)?.name ?? dep.name);
      stack.push(...(byKey.get(k)?.dependencies ?? []));
    }
    return [...found].sort();
  };
  const out: PlanWarning[] = [];
  for (const item of items) {
    if (item.kind !== 'feature' || (item.status !== 'unchanged' && item.status !== 'metadata')) continue;
    const names = upstreamUpdated(item.definition);
    if (names.length === 0) continue;
    out.push({
      object: { kind: item.kind, name: item.name, version: item.version },
      message:
        `feature \`${item.name}\` VERSION ${item.version} reads ${names.map((n) => `\`${n}\``).join(', ')}, which this apply updates; ` +
        `its fitted parameters stay those fitted when VERSION ${item.version} was first applied: give it a new VERSION to refit`,
    });
  }
  return out;
}

/** The feature versions apply needs fitted parameters for: those the plan adds. */
export function featuresToFit(plan: ApplyPlan): ObjectRef[] {
  return plan.items.filter((i) => i.kind === 'feature' && i.status === 'added').map((i) => ({ kind: i.kind, name: i.name, version: i.version }));
}
