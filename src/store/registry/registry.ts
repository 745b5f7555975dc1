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
import type { FitState, FittedParameters } from '../../plan/fitted.js';
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
import { describeBreak, describeMeaningChange, meaningOf, pinnedCatalog, upstreamOf, type PinnedCatalog, type PinState, type UnversionedState, type VersionedState } from './pinned-catalog.js';
import { definitionNeedsFit, fitStateOf } from './fit-state.js';
import { migrate, RegistrySchemaError, SCHEMA_VERSION, schemaVersion } from './schema.js';
import type { FeatureStatistics } from '../../plan/statistics.js';

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

/** A pin: the definition hash of one upstream source, view or entity, as a version read it when registered. */
export interface PinRef {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly hash: string;
}

/** A registered version, with why (a breaking change, a retirement). */
export interface VersionReason {
  readonly object: ObjectRef;
  readonly reason: string;
  /** The updated upstream object that causes it, when one does. */
  readonly cause?: ObjectRef;
}

export interface PlanOptions {
  /** Retire the registered versions this plan breaks instead of refusing it (`apply --retire-broken`). */
  readonly retireBroken?: boolean;
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
  /** Per updated view or source: the registered versions that keep computing from the revision they pinned. */
  readonly kept: readonly { readonly upstream: ObjectRef; readonly versions: readonly { readonly object: ObjectRef; readonly revision: number }[] }[];
  /** Registered versions the plan makes impossible to compute, or would change the meaning of: errors unless retired. */
  readonly breaking: readonly VersionReason[];
  /** Versions apply retires (`retireBroken`): the breaking ones. */
  readonly retire: readonly VersionReason[];
  /** Registered objects the project's files no longer declare (they stay registered and usable). */
  readonly absent: readonly ObjectRef[];
  /** Pins apply writes: of the versions it adds, and of versions registered before pins existed. */
  readonly pins: readonly { readonly object: ObjectRef; readonly pins: readonly PinRef[] }[];
  /** Registered feature versions awaiting their fit (an empty population so far): apply fits those it finds a population for. */
  readonly awaitingFit: readonly ObjectRef[];
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
  /**
   * For the feature versions of `featuresToFit(plan)` only: those the plan
   * adds that need a fit, and registered ones awaiting theirs. Written once,
   * never changed. Parameters over an empty population (count 0) are no fit.
   */
  readonly fitted?: readonly FittedExtra[];
  /**
   * The versions the plan adds that need a fit and whose population the
   * caller found empty: registered as awaiting their fit. Every added
   * version that needs a fit is in `fitted` or here.
   */
  readonly awaiting?: readonly { readonly feature: string; readonly version: number }[];
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
  /** A feature version with its fitted parameters registered (`fit` is `fitted`). */
  readonly fitted: boolean;
  /** A feature version's fit (fit-state.ts); undefined for the other kinds. */
  readonly fit?: FitState;
  readonly hasStatistics: boolean;
  /** Set when the version is retired: why, and when. */
  readonly retired?: { readonly reason: string; readonly at: string };
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
  /** A feature, label or training set: the revision of each upstream source, view and entity it computes from. */
  readonly pins?: readonly (PinRef & { readonly revision: number; readonly current: boolean })[];
  readonly fittedParameters?: FittedParameters;
  readonly statistics?: FeatureStatistics;
  readonly lineage: Lineage;
}

export interface ApplyRecord {
  readonly id: number;
  readonly appliedAt: string;
  readonly summary: Readonly<Record<PlanStatus, number>> & { readonly fitted: number; readonly statistics: number };
}

export type RegistryErrorCode = 'plan-has-errors' | 'stale-plan' | 'foreign-plan' | 'invalid-extras' | 'unknown-object' | 'not-versioned' | 'already-retired';

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

/**
 * Opens (creating and migrating as needed) the registry at `path`; `:memory:` for a throwaway one.
 * With `{ readonly: true }` (the language server's hovers) it opens an existing file only, never
 * creates, migrates or writes, and refuses a file at another schema version (RegistrySchemaError).
 */
export function openRegistry(path: string, options: { readonly readonly?: boolean } = {}): Registry {
  return new Registry(path, options);
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
  pinned: number;
  retired_apply: number | null;
  retired_reason: string | null;
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

  constructor(readonly path: string, options: { readonly readonly?: boolean } = {}) {
    const readonly = options.readonly === true;
    if (!readonly && path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = readonly ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(path);
    this.db = db;
    try {
      if (!readonly && path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      if (!readonly) migrate(db);
      else if (schemaVersion(db) !== SCHEMA_VERSION) throw new RegistrySchemaError(`this registry is at schema version ${schemaVersion(db)}, this fsql reads ${SCHEMA_VERSION}: run \`fsql apply\` with this fsql first`);
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

  plan(project: PlannedProject, options: PlanOptions = {}): ApplyPlan {
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

    const pinned = this.planPins(project, definitions, items, options);
    errors.push(...pinned.errors);
    warnings.push(...pinned.warnings);
    return {
      registryId: this.id,
      basedOn: this.lastApplyId(),
      items,
      errors,
      warnings,
      summary,
      kept: pinned.kept,
      breaking: pinned.breaking,
      retire: pinned.retire,
      absent: pinned.absent,
      pins: pinned.pins,
      awaitingFit: this.awaitingFit(),
    };
  }

  /**
   * Pins and their consequences: the pins of added versions (their upstream
   * now) and of versions registered before pins existed (their upstream as
   * registered now); which registered versions keep an updated view's older
   * revision; which an update breaks — found by comparing what each live
   * version computes before and after the plan (`meaningOf`).
   */
  private planPins(project: PlannedProject, definitions: readonly ObjectDefinition[], items: readonly PlanItem[], options: PlanOptions) {
    const errors: PlanError[] = [];
    const warnings: PlanWarning[] = [];
    const breaking: VersionReason[] = [];
    const kept: ApplyPlan['kept'][number][] = [];
    const pins: { object: ObjectRef; pins: PinRef[] }[] = [];
    const rows = this.db.prepare('SELECT * FROM objects ORDER BY id').all() as ObjectRow[];
    const refOf = (r: ObjectRow): ObjectRef => ({ kind: r.kind, name: r.name, version: r.version });
    const inProject = new Set(definitions.map((d) => refKey(d.name, d.version)));
    const absent = rows.filter((r) => r.retired_apply === null && !inProject.has(refKey(r.name, r.version))).map(refOf).sort(compareRefs);
    for (const r of rows) {
      if (r.retired_apply === null || !inProject.has(refKey(r.name, r.version))) continue;
      warnings.push({
        object: refOf(r),
        message: `${KIND_LABELS[r.kind]} \`${r.name}\` VERSION ${r.version} is retired (${r.retired_reason ?? 'no reason given'}); it stays retired and is never computed: remove it from your files, or declare the definition under a new VERSION`,
      });
    }

    const projectHash = new Map(definitions.filter((d) => !isVersioned(d.kind)).map((d) => [d.key, d.hash]));
    for (const item of items) {
      if (item.status !== 'added' || !isVersioned(item.kind)) continue;
      const up = upstreamOf(project.catalog, item.kind as VersionedState['kind'], item.name, item.version);
      pins.push({ object: { kind: item.kind, name: item.name, version: item.version }, pins: up.map((u) => ({ kind: u.kind, name: u.name, hash: projectHash.get(keyOf(u.name)) ?? '' })) });
    }

    const updated = items.filter((i) => i.status === 'updated');
    const legacy = rows.filter((r) => isVersioned(r.kind) && r.pinned === 0 && r.retired_apply === null);
    if (updated.length === 0 && legacy.length === 0) return { errors, warnings, breaking, retire: [], kept, absent, pins };

    const registeredHash = new Map(rows.filter((r) => !isVersioned(r.kind)).map((r) => [r.name_key, r.hash]));
    const pre = this.pinnedCatalog();
    for (const r of legacy) {
      const up = upstreamOf(pre.catalog, r.kind as VersionedState['kind'], r.name, r.version);
      pins.push({ object: refOf(r), pins: up.map((u) => ({ kind: u.kind, name: u.name, hash: registeredHash.get(keyOf(u.name)) ?? '' })) });
    }
    if (updated.length === 0) return { errors, warnings, breaking, retire: [], kept, absent, pins };

    // Effective pins of every live registered version (legacy ones: as just computed).
    const pinsOf = this.pinsByObject();
    const legacyPins = new Map(pins.filter((p) => rows.some((r) => r.pinned === 0 && refKey(r.name, r.version) === refKey(p.object.name, p.object.version))).map((p) => [refKey(p.object.name, p.object.version), p.pins]));
    const effective = (r: ObjectRow): readonly PinRef[] => legacyPins.get(refKey(r.name, r.version)) ?? pinsOf.get(r.id) ?? [];
    const live = rows.filter((r) => isVersioned(r.kind) && r.retired_apply === null);

    for (const u of updated) {
      if (u.kind !== 'view') continue;
      const versions: { object: ObjectRef; revision: number }[] = [];
      for (const r of live) {
        const pin = effective(r).find((p) => keyOf(p.name) === u.definition.key);
        if (pin && pin.hash !== u.definition.hash) versions.push({ object: refOf(r), revision: this.revisionOf(u.definition.key, pin.hash)?.revision ?? 0 });
      }
      if (versions.length > 0) kept.push({ upstream: { kind: u.kind, name: u.name, version: 1 }, versions });
    }

    const post = pinnedCatalog(this.prospectiveState(definitions, new Map(pins.map((p) => [refKey(p.object.name, p.object.version), p.pins]))));
    const updatedKeys = new Map(updated.map((u) => [u.definition.key, { kind: u.kind, name: u.name, version: 1 } as ObjectRef]));
    const broken = new Map<string, string>();
    for (const r of live) {
      if (r.kind === 'training_set') continue;
      const cause = effective(r).map((p) => updatedKeys.get(keyOf(p.name))).find((x) => x !== undefined);
      if (!cause) continue;
      const kind = r.kind as 'feature' | 'label';
      const before = meaningOf(pre, kind, r.name, r.version);
      if (before === undefined) continue; // not computable before this plan either: nothing to break
      const after = meaningOf(post, kind, r.name, r.version);
      let reason: string | undefined;
      if (after === undefined) reason = describeBreak(before, post.catalog) ?? post.excluded.find((x) => keyOf(x.name) === r.name_key && x.version === r.version)?.reason ?? 'it no longer computes';
      else if (after !== before) reason = describeMeaningChange(before, after);
      if (reason === undefined) continue;
      broken.set(refKey(r.name, r.version), reason);
      breaking.push({ object: refOf(r), reason, cause });
    }
    for (const r of live) {
      if (r.kind !== 'training_set') continue;
      const member = this.dependenciesOf(r.id).find((d) => broken.has(refKey(d.name, d.version)));
      const wasOk = pre.catalog.trainingSets[r.name_key]?.some((t) => t.version === r.version) ?? false;
      const isOk = post.catalog.trainingSets[r.name_key]?.some((t) => t.version === r.version) ?? false;
      if (member) breaking.push({ object: refOf(r), reason: `it uses ${KIND_LABELS[member.kind]} \`${member.name}\` VERSION ${member.version}, which this change breaks (${broken.get(refKey(member.name, member.version))})` });
      else if (wasOk && !isOk) breaking.push({ object: refOf(r), reason: post.excluded.find((x) => keyOf(x.name) === r.name_key && x.version === r.version)?.reason ?? 'it no longer computes' });
    }
    breaking.sort((a, b) => compareRefs(a.object, b.object));
    if (!options.retireBroken) {
      for (const b of breaking) {
        errors.push({
          object: b.object,
          message:
            `this change breaks registered ${KIND_LABELS[b.object.kind]} \`${b.object.name}\` VERSION ${b.object.version}: ${b.reason}. ` +
            `Keep what it reads, or retire it: \`fsql apply --retire-broken\` (or \`fsql retire ${b.object.name} --version ${b.object.version}\`)`,
        });
      }
    }
    const retiring = new Set(breaking.map((b) => refKey(b.object.name, b.object.version)));
    return {
      errors,
      warnings,
      breaking,
      retire: options.retireBroken ? breaking : [],
      kept,
      absent: options.retireBroken ? absent.filter((a) => !retiring.has(refKey(a.name, a.version))) : absent,
      pins,
    };
  }

  /** The registry state after a plan: the project's entities, sources and views over the registered ones, added versions with their pins. */
  private prospectiveState(definitions: readonly ObjectDefinition[], newPins: ReadonlyMap<string, readonly PinRef[]>): PinState {
    const base = this.pinState();
    const unversioned = new Map(base.unversioned);
    for (const d of definitions) if (!isVersioned(d.kind)) unversioned.set(d.key, { kind: d.kind as UnversionedState['kind'], name: d.name, hash: d.hash, text: d.text });
    const registered = new Set(base.versioned.map((v) => refKey(v.name, v.version)));
    const toMap = (p: readonly PinRef[]) => new Map(p.map((x) => [keyOf(x.name), x.hash]));
    const versioned: VersionedState[] = base.versioned.map((v) => {
      const p = newPins.get(refKey(v.name, v.version));
      return p && v.pins === undefined ? { ...v, pins: toMap(p) } : v;
    });
    for (const d of definitions) {
      if (!isVersioned(d.kind) || registered.has(refKey(d.name, d.version))) continue;
      const p = newPins.get(refKey(d.name, d.version));
      versioned.push({ kind: d.kind as VersionedState['kind'], name: d.name, version: d.version, text: d.text, ...(p ? { pins: toMap(p) } : {}) });
    }
    return { unversioned, versioned, revision: base.revision };
  }

  /** The registry as pin-resolution input. */
  private pinState(): PinState {
    const rows = this.db.prepare('SELECT * FROM objects ORDER BY id').all() as ObjectRow[];
    const pins = this.pinsByObject();
    const unversioned = new Map<string, UnversionedState>();
    const versioned: VersionedState[] = [];
    for (const r of rows) {
      if (!isVersioned(r.kind)) {
        unversioned.set(r.name_key, { kind: r.kind as UnversionedState['kind'], name: r.name, hash: r.hash, text: r.text });
        continue;
      }
      const p = pins.get(r.id);
      versioned.push({
        kind: r.kind as VersionedState['kind'],
        name: r.name,
        version: r.version,
        text: r.text,
        ...(r.pinned && p ? { pins: new Map(p.map((x) => [keyOf(x.name), x.hash])) } : {}),
        ...(r.retired_apply !== null ? { retired: r.retired_reason ?? 'retired' } : {}),
      });
    }
    return { unversioned, versioned, revision: (key, hash) => this.revisionOf(key, hash) };
  }

  private describePins(objectId: number): (PinRef & { revision: number; current: boolean })[] {
    const list = this.db.prepare('SELECT dep_kind AS kind, dep_name AS name, dep_hash AS hash FROM pins WHERE object_id = ? ORDER BY dep_key').all(objectId) as PinRef[];
    return list.map((p) => {
      const current = this.objectRow(p.name, 1);
      return { ...p, revision: this.revisionOf(keyOf(p.name), p.hash)?.revision ?? 0, current: current?.hash === p.hash };
    });
  }

  private pinsByObject(): Map<number, PinRef[]> {
    const out = new Map<number, PinRef[]>();
    for (const p of this.db.prepare('SELECT object_id, dep_kind, dep_name, dep_hash FROM pins ORDER BY object_id, dep_key').all() as { object_id: number; dep_kind: ObjectKind; dep_name: string; dep_hash: string }[]) {
      let list = out.get(p.object_id);
      if (!list) out.set(p.object_id, (list = []));
      list.push({ kind: p.dep_kind, name: p.dep_name, hash: p.dep_hash });
    }
    return out;
  }

  /** The newest revision of an entity, source or view with a definition hash. */
  private revisionOf(key: string, hash: string): { kind: ObjectKind; text: string; revision: number } | undefined {
    return this.db
      .prepare(
        `SELECT r.kind, r.text, r.revision FROM revisions r JOIN objects o ON o.id = r.object_id
         WHERE o.name_key = ? AND o.version = 1 AND r.hash = ? ORDER BY r.revision DESC LIMIT 1`,
      )
      .get(key, hash) as { kind: ObjectKind; text: string; revision: number } | undefined;
  }

  private pinnedCache: { applyId: number; catalog: PinnedCatalog } | undefined;

  /** The pinned catalog as it will be once `plan` is applied (what apply creates views for, fits and profiles). */
  catalogAfter(plan: ApplyPlan): PinnedCatalog {
    const pins = new Map(plan.pins.map((p) => [refKey(p.object.name, p.object.version), p.pins]));
    const state = this.prospectiveState(
      plan.items.map((i) => i.definition),
      pins,
    );
    const retired = new Map(plan.retire.map((r) => [refKey(r.object.name, r.object.version), r.reason]));
    return pinnedCatalog({ ...state, versioned: state.versioned.map((v) => (retired.has(refKey(v.name, v.version)) ? { ...v, retired: retired.get(refKey(v.name, v.version))! } : v)) });
  }

  /**
   * The registered objects as one catalog, each version computing from what
   * it pinned; retired versions and what no longer type-checks are excluded,
   * with the reason (pinned-catalog.ts).
   */
  pinnedCatalog(): PinnedCatalog {
    const last = this.lastApplyId();
    if (this.pinnedCache?.applyId !== last) this.pinnedCache = { applyId: last, catalog: pinnedCatalog(this.pinState()) };
    return this.pinnedCache.catalog;
  }

  /**
   * Retires a feature, label or training-set version, and the training-set
   * versions that use it: they are never computed again, and say so with the
   * reason wherever they are asked for. Recorded as an apply.
   */
  retire(name: string, version: number, reason: string, now: Date = new Date()): { applyId: number; retired: VersionReason[] } {
    const row = this.objectRow(name, version);
    if (!row) {
      const versions = this.versions(name);
      throw new RegistryError('unknown-object', versions.length > 0 ? `\`${name}\` has no registered VERSION ${version} (versions: ${versions.join(', ')})` : `nothing named \`${name}\` is registered (fsql list shows what is)`);
    }
    if (!isVersioned(row.kind)) throw new RegistryError('not-versioned', `${KIND_LABELS[row.kind]} \`${row.name}\` has no versions to retire: only features, labels and training sets are retired`);
    if (row.retired_apply !== null) throw new RegistryError('already-retired', `${KIND_LABELS[row.kind]} \`${row.name}\` VERSION ${row.version} is already retired (${row.retired_reason ?? ''})`);
    const retired: VersionReason[] = [{ object: { kind: row.kind, name: row.name, version: row.version }, reason }];
    for (const d of this.dependentsOf(row)) {
      const r = this.objectRow(d.name, d.version);
      if (r && r.retired_apply === null && isVersioned(r.kind)) {
        retired.push({ object: d, reason: `it uses ${KIND_LABELS[row.kind]} \`${row.name}\` VERSION ${row.version}, which is retired: ${reason}` });
      }
    }
    const applyId = this.db.transaction(() => {
      const id = Number(this.db.prepare('INSERT INTO applies (applied_at, summary) VALUES (?, ?)').run(now.toISOString(), JSON.stringify({ ...emptySummary(), fitted: 0, statistics: 0, retired: retired.length })).lastInsertRowid);
      this.writeRetirements(retired, id);
      return id;
    }).immediate();
    return { applyId, retired };
  }

  private writeRetirements(retired: readonly VersionReason[], applyId: number): void {
    const update = this.db.prepare('UPDATE objects SET retired_apply = ?, retired_reason = ? WHERE name_key = ? AND version = ? AND retired_apply IS NULL');
    for (const r of retired) update.run(applyId, r.reason, keyOf(r.object.name), r.object.version);
  }

  private writePins(object: ObjectRef, pins: readonly PinRef[]): void {
    const row = this.objectRow(object.name, object.version);
    if (!row) return;
    this.db.prepare('DELETE FROM pins WHERE object_id = ?').run(row.id);
    const insert = this.db.prepare('INSERT OR REPLACE INTO pins (object_id, dep_kind, dep_name, dep_key, dep_hash) VALUES (?, ?, ?, ?, ?)');
    for (const p of pins) if (p.hash !== '') insert.run(row.id, p.kind, p.name, keyOf(p.name), p.hash);
    this.db.prepare('UPDATE objects SET pinned = 1 WHERE id = ?').run(row.id);
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
      if (writes.length === 0 && fitted.length === 0 && statistics.length === 0 && plan.pins.length === 0 && plan.retire.length === 0) return null;
      const applyId = Number(
        this.db.prepare('INSERT INTO applies (applied_at, summary) VALUES (?, ?)').run(appliedAt, JSON.stringify({ ...summary, fitted: fitted.length, statistics: statistics.length }))
          .lastInsertRowid,
      );
      for (const item of writes) this.writeItem(item, applyId);
      for (const p of plan.pins) this.writePins(p.object, p.pins);
      this.writeRetirements(plan.retire, applyId);
      for (const f of fitted) this.writeFit(f, applyId);
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
    // Fits: those the plan adds that need one, and registered versions awaiting theirs (fit-state.ts).
    const toFit = new Set(featuresToFit(plan).map((f) => refKey(f.name, f.version)));
    const seen = new Set<string>();
    for (const f of extras.fitted ?? []) {
      const k = refKey(f.feature, f.version);
      if (seen.has(k)) problems.push(`fitted parameters for feature \`${f.feature}\` VERSION ${f.version} are given twice`);
      seen.add(k);
      if (toFit.has(k)) {
        if (!(f.parameters.count > 0)) problems.push(`fitted parameters for feature \`${f.feature}\` VERSION ${f.version} are over an empty population: it awaits its fit instead`);
        continue;
      }
      const row = this.objectRow(f.feature, f.version);
      if (added.has(k) || (row?.kind === 'feature' && this.fitStateOfRow(row) === 'not_needed')) {
        problems.push(`feature \`${f.feature}\` VERSION ${f.version} reads no fitted parameter: it has nothing to fit`);
      } else if (planned.has(k) || row?.kind === 'feature') {
        problems.push(`feature \`${f.feature}\` VERSION ${f.version} is already fitted, and its fitted parameters never change`);
      } else {
        problems.push(`fitted parameters for \`${f.feature}\` VERSION ${f.version}, which is not a feature version of this plan`);
      }
    }
    const awaiting = new Set<string>();
    for (const a of extras.awaiting ?? []) {
      const k = refKey(a.feature, a.version);
      if (!toFit.has(k) || !added.has(k)) problems.push(`feature \`${a.feature}\` VERSION ${a.version} is not a version this plan adds that needs a fit, so it cannot be registered as awaiting its fit`);
      else if (seen.has(k)) problems.push(`feature \`${a.feature}\` VERSION ${a.version} is given both fitted parameters and as awaiting its fit`);
      awaiting.add(k);
    }
    for (const [k, item] of added) {
      if (toFit.has(k) && !seen.has(k) && !awaiting.has(k)) problems.push(`feature \`${item.name}\` VERSION ${item.version} is new and needs its fitted parameters (or to be registered as awaiting its fit)`);
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
    const fitted = this.fittedParametersOf(row);
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
      ...(isVersioned(row.kind) && row.pinned ? { pins: this.describePins(row.id) } : {}),
      ...(fitted ? { fittedParameters: fitted } : {}),
      ...(stats ? { statistics: stats } : {}),
      lineage: this.lineageOf(row),
    };
  }

  /** The fitted parameters of a feature version; undefined when it is not registered, awaits its fit or needs none. */
  fittedParameters(feature: string, version: number): FittedParameters | undefined {
    const row = this.objectRow(feature, version);
    return row?.kind === 'feature' ? this.fittedParametersOf(row) : undefined;
  }

  /** Where a feature version stands with its fit (fit-state.ts); undefined when it is not a registered feature version. */
  fitState(feature: string, version: number): FitState | undefined {
    const row = this.objectRow(feature, version);
    return row?.kind === 'feature' ? this.fitStateOfRow(row) : undefined;
  }

  /** The registered feature versions awaiting their fit, by name and version. */
  awaitingFit(): ObjectRef[] {
    const rows = this.db.prepare("SELECT * FROM objects WHERE kind = 'feature'").all() as ObjectRow[];
    return rows
      .filter((r) => this.fitStateOfRow(r) === 'awaiting')
      .map((r) => ({ kind: r.kind, name: r.name, version: r.version }))
      .sort(compareRefs);
  }

  /**
   * Registers the fit of a version awaiting it (`fsql fit`): parameters over
   * a population (count > 0), written once, with the statistics recorded by
   * the same computation. Recorded as an apply.
   */
  fit(fitted: FittedExtra, statistics?: StatisticsExtra, now: Date = new Date()): { applyId: number; appliedAt: string } {
    const appliedAt = now.toISOString();
    const applyId = this.db.transaction(() => {
      const row = this.objectRow(fitted.feature, fitted.version);
      if (row?.kind !== 'feature') throw new RegistryError('unknown-object', `feature \`${fitted.feature}\` VERSION ${fitted.version} is not registered`);
      const state = this.fitStateOfRow(row);
      if (state === 'fitted') throw new RegistryError('invalid-extras', `feature \`${row.name}\` VERSION ${row.version} is already fitted, and its fitted parameters never change`);
      if (state === 'not_needed') throw new RegistryError('invalid-extras', `feature \`${row.name}\` VERSION ${row.version} reads no fitted parameter: it has nothing to fit`);
      if (!(fitted.parameters.count > 0)) throw new RegistryError('invalid-extras', `fitted parameters for feature \`${row.name}\` VERSION ${row.version} are over an empty population: it awaits its fit instead`);
      if (statistics && refKey(statistics.feature, statistics.version) !== refKey(row.name, row.version)) throw new RegistryError('invalid-extras', 'the statistics are of another feature version');
      const id = Number(
        this.db.prepare('INSERT INTO applies (applied_at, summary) VALUES (?, ?)').run(appliedAt, JSON.stringify({ ...emptySummary(), fitted: 1, statistics: statistics ? 1 : 0 })).lastInsertRowid,
      );
      this.writeFit(fitted, id);
      if (statistics) this.db.prepare('INSERT INTO statistics (object_id, apply_id, statistics) VALUES (?, ?, ?)').run(row.id, id, JSON.stringify(statistics.statistics));
      return id;
    }).immediate();
    return { applyId, appliedAt };
  }

  /** Writes a fit (checked by the caller: the version awaits it). A row with count 0 an older fsql wrote is no fit, and is replaced. */
  private writeFit(f: FittedExtra, applyId: number): void {
    const id = this.objectId('feature', f.feature, f.version);
    this.db.prepare('DELETE FROM fitted_parameters WHERE object_id = ?').run(id);
    this.db.prepare('INSERT INTO fitted_parameters (object_id, parameters, apply_id) VALUES (?, ?, ?)').run(id, JSON.stringify(f.parameters), applyId);
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
    const fit = row.kind === 'feature' ? this.fitStateOfRow(row) : undefined;
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
      fitted: fit === 'fitted',
      ...(fit !== undefined ? { fit } : {}),
      hasStatistics,
      ...(row.retired_apply !== null ? { retired: { reason: row.retired_reason ?? '', at: (at.get(row.retired_apply) as { applied_at: string }).applied_at } } : {}),
    };
  }

  /** The parameters of a fitted feature version: none for a version awaiting its fit or needing none. */
  private fittedParametersOf(row: ObjectRow): FittedParameters | undefined {
    if (row.kind !== 'feature') return undefined;
    const stored = this.storedFit(row.id);
    return fitStateOf(definitionNeedsFit(row.definition, row.hash), stored) === 'fitted' ? stored : undefined;
  }

  private storedFit(objectId: number): FittedParameters | undefined {
    const r = this.db.prepare('SELECT parameters FROM fitted_parameters WHERE object_id = ?').get(objectId) as { parameters: string } | undefined;
    return r ? (JSON.parse(r.parameters) as FittedParameters) : undefined;
  }

  private fitStateOfRow(row: ObjectRow): FitState {
    return fitStateOf(definitionNeedsFit(row.definition, row.hash), this.storedFit(row.id));
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
 * The feature versions apply fits: those the plan adds that read fitted
 * parameters, and registered versions awaiting their fit (fit-state.ts).
 * Apply gives each its parameters, or — an added version whose population is
 * empty — registers it as awaiting (`ApplyExtras.awaiting`).
 */
export function featuresToFit(plan: ApplyPlan): ObjectRef[] {
  const added = plan.items
    .filter((i) => i.kind === 'feature' && i.status === 'added' && definitionNeedsFit(i.definition.definition, i.definition.hash))
    .map((i): ObjectRef => ({ kind: i.kind, name: i.name, version: i.version }));
  const known = new Set(added.map((f) => refKey(f.name, f.version)));
  return [...added, ...(plan.awaitingFit ?? []).filter((f) => !known.has(refKey(f.name, f.version)))];
}
