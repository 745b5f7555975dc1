/**
 * The registry: the project's metadata store. By default a SQLite file
 * (`.fsql/registry.db` in the project; `:memory:` for tests); a
 * `postgres://` URL opens a registry shared by every checkout that names it
 * (postgres.ts). Storage backends (storage.ts) give a typed Kysely instance
 * and a writer's lock; everything else is shared.
 *
 * `plan(project)` compares a checked project's definitions with what is
 * registered, like `terraform plan` (plan.ts, pure); `apply(plan, extras)`
 * writes the plan in one transaction, with the fitted parameters of every new
 * feature version and any statistics the caller computed; nothing is written
 * when anything fails. Every method is async.
 *
 * See README.md beside this file for the schema and the decisions.
 */
import { join } from 'node:path';
import { keyOf, versionKey } from '../../check/catalog.js';
import type { FitState, FittedParameters } from '../../plan/fitted.js';
import type { FeatureStatistics } from '../../plan/statistics.js';
import type { RegistryDb } from './database.js';
import { compareRefs, isVersioned, KIND_LABELS, type ObjectKind, type ObjectMetadata, type ObjectRef } from './definitions.js';
import { dependenciesOf, dependentsOf, lineageOf } from './lineage.js';
import { awaitingFitOf, catalogAfter, checkExtras, emptySummary, fitStateOfRow, fittedParametersOf, pinStateOf, planAgainst } from './plan.js';
import { pinnedCatalog, type PinnedCatalog } from './pinned-catalog.js';
import { migrateRegistry, RegistrySchemaError, registryVersion, SCHEMA_VERSION } from './schema.js';
import { lastApplyId, loadState, metadataOfRow, objectRow, refKey, registryId, revisionOf, type ObjectRow, type RegistryState } from './state.js';
import { registryBackendOf, type RegistryOpenOptions, type RegistryStorage } from './storage.js';
import {
  RegistryError,
  type ApplyExtras,
  type ApplyPlan,
  type ApplyRecord,
  type ApplyResult,
  type FittedExtra,
  type Lineage,
  type ObjectDescription,
  type PinRef,
  type PlanItem,
  type PlannedProject,
  type PlanOptions,
  type RegisteredObject,
  type Revision,
  type StatisticsExtra,
  type StatisticsRecord,
  type VersionReason,
} from './types.js';
// The storage backends register themselves: PostgreSQL for postgres:// URLs, SQLite for everything else.
import './postgres.js';
import './sqlite.js';

export * from './types.js';
export { featuresToFit } from './plan.js';
export { RegistrySchemaError, SCHEMA_VERSION } from './schema.js';
export { redactLocation, RegistryUnavailableError, type RegistryOpenOptions } from './storage.js';

/** Where a project keeps its registry when fsql.json names none. */
export function registryPath(projectDir: string): string {
  return join(projectDir, '.fsql', 'registry.db');
}

/**
 * Opens (creating and migrating as needed) the registry at `location`: a
 * file path, `:memory:` for a throwaway one, or a `postgres://` URL. With
 * `{ readonly: true }` (the language server's hovers) it opens an existing
 * registry only, never creates, migrates or writes, and refuses one at
 * another schema version (RegistrySchemaError).
 */
export async function openRegistry(location: string, options: RegistryOpenOptions = {}): Promise<Registry> {
  const registry = Registry.opening(location, options);
  await registry.ready();
  return registry;
}

interface Opened {
  readonly storage: RegistryStorage;
  readonly id: string;
}

export class Registry {
  private opened: Opened | undefined;
  private readonly opening: Promise<Opened>;
  private cache: RegistryState | undefined;
  private pinnedCache: { applyId: number; catalog: PinnedCatalog } | undefined;
  private closed = false;

  private constructor(
    /** Where the registry is, as it may be shown (a URL without its password). */
    readonly location: string,
    open: () => Promise<Opened>,
  ) {
    this.opening = open().then((o) => {
      this.opened = o;
      return o;
    });
    // Whoever uses the registry first hears why it could not be opened; no unhandled rejection meanwhile.
    this.opening.catch(() => undefined);
  }

  /**
   * The registry at `location`, opening in the background: every method
   * waits for it (and rejects with why it could not be opened). `openRegistry`
   * awaits the opening itself.
   */
  static opening(location: string, options: RegistryOpenOptions = {}): Registry {
    const backend = registryBackendOf(location);
    return new Registry(backend.redact(location), async () => {
      const storage = await backend.open(location, options);
      try {
        if (storage.readonly) {
          const version = await registryVersion(storage.db).catch(() => 0);
          if (version !== SCHEMA_VERSION) {
            throw new RegistrySchemaError(`this registry is at schema version ${version}, this fsql reads ${SCHEMA_VERSION}: run \`fsql apply\` with this fsql first`);
          }
        } else {
          await storage.migrating(() => migrateRegistry(storage.db, storage.flavor));
        }
        return { storage, id: await registryId(storage.db) };
      } catch (e) {
        await storage.close();
        throw e;
      }
    });
  }

  /** Resolves once the registry is open and migrated. */
  async ready(): Promise<void> {
    await this.opening;
  }

  /** The registry's random id (plans made against one registry are refused by another). Known once open. */
  get id(): string {
    if (!this.opened) throw new Error(`the registry ${this.location} is not open yet (await registry.ready())`);
    return this.opened.id;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const o = await this.opening.catch(() => undefined);
    await o?.storage.close();
  }

  private async storage(): Promise<Opened> {
    if (this.closed) throw new Error(`the registry ${this.location} is closed`);
    return this.opening;
  }

  /**
   * Everything registered but the statistics, as of the last apply. Reread
   * when another apply (of any process) ran: each write records an apply, and
   * a read that saw the last apply move meanwhile is read again.
   */
  private async state(): Promise<RegistryState> {
    const { storage, id } = await this.storage();
    for (;;) {
      const before = await lastApplyId(storage.db);
      if (this.cache?.lastApply === before) return this.cache;
      const state = await loadState(storage.db, id);
      if (state.lastApply === before && (await lastApplyId(storage.db)) === before) {
        this.cache = state;
        return state;
      }
    }
  }

  // ---- plan ----------------------------------------------------------------------------

  /** Compares the project with what is registered; writes nothing (plan.ts). */
  async plan(project: PlannedProject, options: PlanOptions = {}): Promise<ApplyPlan> {
    return planAgainst(await this.state(), project, options);
  }

  /** The pinned catalog as it will be once `plan` is applied (what apply creates views for, fits and profiles). */
  async catalogAfter(plan: ApplyPlan): Promise<PinnedCatalog> {
    return catalogAfter(await this.state(), plan);
  }

  /**
   * The registered objects as one catalog, each version computing from what
   * it pinned; retired versions and what no longer type-checks are excluded,
   * with the reason (pinned-catalog.ts).
   */
  async pinnedCatalog(): Promise<PinnedCatalog> {
    const state = await this.state();
    if (this.pinnedCache?.applyId !== state.lastApply) this.pinnedCache = { applyId: state.lastApply, catalog: pinnedCatalog(pinStateOf(state)) };
    return this.pinnedCache.catalog;
  }

  // ---- apply ---------------------------------------------------------------------------

  async apply(plan: ApplyPlan, extras: ApplyExtras = {}): Promise<ApplyResult> {
    const { storage, id } = await this.storage();
    if (plan.registryId !== id) throw new RegistryError('foreign-plan', 'this plan was made against another registry; plan again');
    if (plan.errors.length > 0) {
      throw new RegistryError(
        'plan-has-errors',
        'the plan has errors; nothing was applied',
        plan.errors.map((e) => e.message),
      );
    }
    checkExtras(await this.state(), plan, extras);
    const appliedAt = (extras.now ?? new Date()).toISOString();
    const fitted = extras.fitted ?? [];
    const statistics = extras.statistics ?? [];
    const summary = { ...plan.summary };
    const writes = plan.items.filter((i) => i.status !== 'unchanged');

    const applyId = await storage.write(async (trx): Promise<number | null> => {
      const last = await lastApplyId(trx);
      if (last !== plan.basedOn) {
        throw new RegistryError('stale-plan', 'the registry changed since this plan was made (another apply ran); plan again');
      }
      if (writes.length === 0 && fitted.length === 0 && statistics.length === 0 && plan.pins.length === 0 && plan.retire.length === 0) return null;
      const applyId = last + 1;
      await trx
        .insertInto('applies')
        .values({ id: applyId, applied_at: appliedAt, summary: JSON.stringify({ ...summary, fitted: fitted.length, statistics: statistics.length }) })
        .execute();
      for (const item of writes) await writeItem(trx, item, applyId);
      for (const p of plan.pins) await writePins(trx, p.object, p.pins);
      await writeRetirements(trx, plan.retire, applyId);
      for (const f of fitted) await writeFit(trx, f, applyId);
      for (const s of statistics) await writeStatistics(trx, s, applyId);
      return applyId;
    });
    return { applyId, appliedAt, summary, fitted: fitted.length, statistics: statistics.length };
  }

  /**
   * Registers the fit of a version awaiting it (`fsql fit`): parameters over
   * a population (count > 0), written once, with the statistics recorded by
   * the same computation. Recorded as an apply.
   */
  async fit(fitted: FittedExtra, statistics?: StatisticsExtra, now: Date = new Date()): Promise<{ applyId: number; appliedAt: string }> {
    const { storage, id: registry } = await this.storage();
    const appliedAt = now.toISOString();
    const applyId = await storage.write(async (trx) => {
      const state = await loadState(trx, registry);
      const row = objectRow(state, fitted.feature, fitted.version);
      if (row?.kind !== 'feature') throw new RegistryError('unknown-object', `feature \`${fitted.feature}\` VERSION ${fitted.version} is not registered`);
      const fit = fitStateOfRow(state, row);
      if (fit === 'fitted') throw new RegistryError('invalid-extras', `feature \`${row.name}\` VERSION ${row.version} is already fitted, and its fitted parameters never change`);
      if (fit === 'not_needed') throw new RegistryError('invalid-extras', `feature \`${row.name}\` VERSION ${row.version} reads no fitted parameter: it has nothing to fit`);
      if (!(fitted.parameters.count > 0)) throw new RegistryError('invalid-extras', `fitted parameters for feature \`${row.name}\` VERSION ${row.version} are over an empty population: it awaits its fit instead`);
      if (statistics && refKey(statistics.feature, statistics.version) !== refKey(row.name, row.version)) throw new RegistryError('invalid-extras', 'the statistics are of another feature version');
      const id = state.lastApply + 1;
      await trx
        .insertInto('applies')
        .values({ id, applied_at: appliedAt, summary: JSON.stringify({ ...emptySummary(), fitted: 1, statistics: statistics ? 1 : 0 }) })
        .execute();
      await writeFit(trx, fitted, id);
      if (statistics) await trx.insertInto('statistics').values({ object_id: row.id, apply_id: id, statistics: JSON.stringify(statistics.statistics) }).execute();
      return id;
    });
    return { applyId, appliedAt };
  }

  /**
   * Retires a feature, label or training-set version, and the training-set
   * versions that use it: they are never computed again, and say so with the
   * reason wherever they are asked for. Recorded as an apply.
   */
  async retire(name: string, version: number, reason: string, now: Date = new Date()): Promise<{ applyId: number; retired: VersionReason[] }> {
    const { storage } = await this.storage();
    const state = await this.state();
    const row = objectRow(state, name, version);
    if (!row) {
      const versions = versionsOf(state, name);
      throw new RegistryError('unknown-object', versions.length > 0 ? `\`${name}\` has no registered VERSION ${version} (versions: ${versions.join(', ')})` : `nothing named \`${name}\` is registered (fsql list shows what is)`);
    }
    if (!isVersioned(row.kind)) throw new RegistryError('not-versioned', `${KIND_LABELS[row.kind]} \`${row.name}\` has no versions to retire: only features, labels and training sets are retired`);
    if (row.retired_apply !== null) throw new RegistryError('already-retired', `${KIND_LABELS[row.kind]} \`${row.name}\` VERSION ${row.version} is already retired (${row.retired_reason ?? ''})`);
    const retired: VersionReason[] = [{ object: { kind: row.kind, name: row.name, version: row.version }, reason }];
    for (const d of dependentsOf(state, row)) {
      const r = objectRow(state, d.name, d.version);
      if (r && r.retired_apply === null && isVersioned(r.kind)) {
        retired.push({ object: d, reason: `it uses ${KIND_LABELS[row.kind]} \`${row.name}\` VERSION ${row.version}, which is retired: ${reason}` });
      }
    }
    const applyId = await storage.write(async (trx) => {
      const id = (await lastApplyId(trx)) + 1;
      await trx
        .insertInto('applies')
        .values({ id, applied_at: now.toISOString(), summary: JSON.stringify({ ...emptySummary(), fitted: 0, statistics: 0, retired: retired.length }) })
        .execute();
      await writeRetirements(trx, retired, id);
      return id;
    });
    return { applyId, retired };
  }

  // ---- getters -------------------------------------------------------------------------

  /** Every registered object version, upstream kinds first, then by name and version. */
  async list(filter: { readonly kind?: ObjectKind; readonly name?: string } = {}): Promise<RegisteredObject[]> {
    const state = await this.state();
    return state.objects
      .filter((r) => (filter.kind === undefined || r.kind === filter.kind) && (filter.name === undefined || r.name_key === keyOf(filter.name)))
      .map((r) => summaryOf(state, r))
      .sort(compareRefs);
  }

  /** The canonical text (with metadata) of every registered object version, in registration order: what the runtime compiles. */
  async texts(): Promise<{ readonly kind: ObjectKind; readonly name: string; readonly version: number; readonly text: string }[]> {
    return (await this.state()).objects.map((r) => ({ kind: r.kind, name: r.name, version: r.version, text: r.text }));
  }

  /** The id of the last apply (0 before the first). */
  async lastApply(): Promise<number> {
    return lastApplyId((await this.storage()).storage.db);
  }

  /** The registered versions of a name, ascending (empty when unknown). */
  async versions(name: string): Promise<number[]> {
    return versionsOf(await this.state(), name);
  }

  /** One object version (the newest when no version is given), with everything known about it. */
  async describe(name: string, version?: number): Promise<ObjectDescription | undefined> {
    const state = await this.state();
    const row = objectRow(state, name, version);
    if (!row) return undefined;
    const fitted = fittedParametersOf(state, row);
    const history = row.kind === 'feature' ? await this.statisticsHistoryOf(row.id) : [];
    const stats = history.at(-1)?.statistics;
    const revisions = (state.revisions.get(row.id) ?? []).map(
      (r): Revision => ({
        revision: r.revision,
        change: r.change,
        kind: r.kind,
        hash: r.hash,
        text: r.text,
        metadata: JSON.parse(r.metadata) as ObjectMetadata,
        applyId: r.apply_id,
        appliedAt: state.appliedAt.get(r.apply_id) ?? '',
      }),
    );
    return {
      ...summaryOf(state, row),
      text: row.text,
      definition: row.definition,
      versions: versionsOf(state, row.name),
      revisions,
      dependencies: dependenciesOf(state, row.id),
      dependents: dependentsOf(state, row),
      ...(isVersioned(row.kind) && row.pinned ? { pins: describePins(state, row.id) } : {}),
      ...(fitted ? { fittedParameters: fitted } : {}),
      ...(stats ? { statistics: stats } : {}),
      ...(row.kind === 'feature' ? { statisticsHistory: history } : {}),
      lineage: lineageOf(state, row),
    };
  }

  /** The fitted parameters of a feature version; undefined when it is not registered, awaits its fit or needs none. */
  async fittedParameters(feature: string, version: number): Promise<FittedParameters | undefined> {
    const state = await this.state();
    const row = objectRow(state, feature, version);
    return row?.kind === 'feature' ? fittedParametersOf(state, row) : undefined;
  }

  /** The fitted parameters of every fitted feature version, by `versionKey(name, version)` (what the runtime's lookups read). */
  async allFittedParameters(): Promise<Map<string, FittedParameters>> {
    const state = await this.state();
    const out = new Map<string, FittedParameters>();
    for (const r of state.objects) {
      const p = r.kind === 'feature' ? fittedParametersOf(state, r) : undefined;
      if (p) out.set(versionKey(r.name, r.version), p);
    }
    return out;
  }

  /** Where a feature version stands with its fit (fit-state.ts); undefined when it is not a registered feature version. */
  async fitState(feature: string, version: number): Promise<FitState | undefined> {
    const state = await this.state();
    const row = objectRow(state, feature, version);
    return row?.kind === 'feature' ? fitStateOfRow(state, row) : undefined;
  }

  /** The registered feature versions awaiting their fit, by name and version. */
  async awaitingFit(): Promise<ObjectRef[]> {
    return awaitingFitOf(await this.state());
  }

  /** The latest statistics recorded for a feature version. */
  async statistics(feature: string, version: number): Promise<FeatureStatistics | undefined> {
    const row = objectRow(await this.state(), feature, version);
    return row?.kind === 'feature' ? (await this.statisticsHistoryOf(row.id, true)).at(-1)?.statistics : undefined;
  }

  /**
   * Every statistics recorded for a feature version (the newest when no
   * version is given), one per apply that recorded them, oldest first: how
   * the population drifted from apply to apply. Empty when none were recorded
   * or the name is not a registered feature.
   */
  async statisticsHistory(feature: string, version?: number): Promise<StatisticsRecord[]> {
    const row = objectRow(await this.state(), feature, version);
    return row?.kind === 'feature' ? this.statisticsHistoryOf(row.id) : [];
  }

  private async statisticsHistoryOf(objectId: number, latestOnly = false): Promise<StatisticsRecord[]> {
    const { storage } = await this.storage();
    let q = storage.db
      .selectFrom('statistics as s')
      .innerJoin('applies as a', 'a.id', 's.apply_id')
      .select(['s.apply_id', 'a.applied_at', 's.statistics'])
      .where('s.object_id', '=', objectId);
    q = latestOnly ? q.orderBy('s.apply_id', 'desc').limit(1) : q.orderBy('s.apply_id');
    const rows = await q.execute();
    return rows.map((r) => ({ apply: Number(r.apply_id), appliedAt: r.applied_at, statistics: JSON.parse(r.statistics) as FeatureStatistics }));
  }

  /** Lineage of an object version (the newest when no version is given). */
  async lineage(name: string, version?: number): Promise<Lineage | undefined> {
    const state = await this.state();
    const row = objectRow(state, name, version);
    return row ? lineageOf(state, row) : undefined;
  }

  /** Every apply that wrote something, oldest first. */
  async history(): Promise<ApplyRecord[]> {
    const { storage } = await this.storage();
    const rows = await storage.db.selectFrom('applies').select(['id', 'applied_at', 'summary']).orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), appliedAt: r.applied_at, summary: JSON.parse(r.summary) as ApplyRecord['summary'] }));
  }
}

// ---------------------------------------------------------------------------
// Reads over the state

function versionsOf(state: RegistryState, name: string): number[] {
  return (state.byKey.get(keyOf(name)) ?? []).map((r) => r.version);
}

function summaryOf(state: RegistryState, row: ObjectRow): RegisteredObject {
  const at = (id: number) => state.appliedAt.get(id) ?? '';
  const fit = row.kind === 'feature' ? fitStateOfRow(state, row) : undefined;
  return {
    kind: row.kind,
    name: row.name,
    version: row.version,
    hash: row.hash,
    metadata: metadataOfRow(row),
    revision: row.revision,
    registeredAt: at(row.created_apply),
    updatedAt: at(row.updated_apply),
    fitted: fit === 'fitted',
    ...(fit !== undefined ? { fit } : {}),
    hasStatistics: state.withStatistics.has(row.id),
    ...(row.retired_apply !== null ? { retired: { reason: row.retired_reason ?? '', at: at(row.retired_apply) } } : {}),
  };
}

function describePins(state: RegistryState, objectId: number): (PinRef & { revision: number; current: boolean })[] {
  return (state.pins.get(objectId) ?? []).map((p) => {
    const current = objectRow(state, p.name, 1);
    return { ...p, revision: revisionOf(state, keyOf(p.name), p.hash)?.revision ?? 0, current: current?.hash === p.hash };
  });
}

// ---------------------------------------------------------------------------
// Writes, inside the writer's transaction

async function objectIdOf(trx: RegistryDb, kind: ObjectKind, name: string, version: number): Promise<number> {
  const row = await trx.selectFrom('objects').select(['id', 'kind']).where('name_key', '=', keyOf(name)).where('version', '=', version).executeTakeFirst();
  if (!row || row.kind !== kind) throw new RegistryError('invalid-extras', `${KIND_LABELS[kind]} \`${name}\` VERSION ${version} is not registered`);
  return row.id;
}

/** Writes a fit (checked by the caller: the version awaits it). A row with count 0 an older fsql wrote is no fit, and is replaced. */
async function writeFit(trx: RegistryDb, f: FittedExtra, applyId: number): Promise<void> {
  const id = await objectIdOf(trx, 'feature', f.feature, f.version);
  await trx.deleteFrom('fitted_parameters').where('object_id', '=', id).execute();
  await trx.insertInto('fitted_parameters').values({ object_id: id, parameters: JSON.stringify(f.parameters), apply_id: applyId }).execute();
}

async function writeStatistics(trx: RegistryDb, s: StatisticsExtra, applyId: number): Promise<void> {
  const id = await objectIdOf(trx, 'feature', s.feature, s.version);
  await trx.insertInto('statistics').values({ object_id: id, apply_id: applyId, statistics: JSON.stringify(s.statistics) }).execute();
}

async function writeRetirements(trx: RegistryDb, retired: readonly VersionReason[], applyId: number): Promise<void> {
  for (const r of retired) {
    await trx
      .updateTable('objects')
      .set({ retired_apply: applyId, retired_reason: r.reason })
      .where('name_key', '=', keyOf(r.object.name))
      .where('version', '=', r.object.version)
      .where('retired_apply', 'is', null)
      .execute();
  }
}

async function writePins(trx: RegistryDb, object: ObjectRef, pins: readonly PinRef[]): Promise<void> {
  const row = await trx.selectFrom('objects').select('id').where('name_key', '=', keyOf(object.name)).where('version', '=', object.version).executeTakeFirst();
  if (!row) return;
  await trx.deleteFrom('pins').where('object_id', '=', row.id).execute();
  // One pin per upstream key (the last given wins, as INSERT OR REPLACE did).
  const byKey = new Map<string, PinRef>();
  for (const p of pins) if (p.hash !== '') byKey.set(keyOf(p.name), p);
  for (const [key, p] of byKey) {
    await trx.insertInto('pins').values({ object_id: row.id, dep_kind: p.kind, dep_name: p.name, dep_key: key, dep_hash: p.hash }).execute();
  }
  await trx.updateTable('objects').set({ pinned: 1 }).where('id', '=', row.id).execute();
}

async function writeItem(trx: RegistryDb, item: PlanItem, applyId: number): Promise<void> {
  const d = item.definition;
  const m = d.metadata;
  const metadataJson = JSON.stringify(m);
  let objectId: number;
  let revision: number;
  if (item.status === 'added') {
    revision = 1;
    const inserted = await trx
      .insertInto('objects')
      .values({
        kind: d.kind,
        name: d.name,
        name_key: d.key,
        version: d.version,
        hash: d.hash,
        definition: d.definition,
        text: d.text,
        description: m.description ?? null,
        owner: m.owner ?? null,
        tags: JSON.stringify(m.tags),
        revision: 1,
        created_apply: applyId,
        updated_apply: applyId,
        retired_apply: null,
        retired_reason: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    objectId = Number(inserted.id);
  } else if (item.status === 'updated' || item.status === 'metadata') {
    const row = await trx.selectFrom('objects').select(['id', 'revision']).where('name_key', '=', d.key).where('version', '=', d.version).executeTakeFirst();
    if (!row) throw new RegistryError('stale-plan', `${KIND_LABELS[d.kind]} \`${d.name}\` is no longer registered; plan again`);
    objectId = row.id;
    revision = row.revision + 1;
    await trx
      .updateTable('objects')
      .set({
        kind: d.kind,
        name: d.name,
        hash: d.hash,
        definition: d.definition,
        text: d.text,
        description: m.description ?? null,
        owner: m.owner ?? null,
        tags: JSON.stringify(m.tags),
        revision,
        updated_apply: applyId,
      })
      .where('id', '=', objectId)
      .execute();
  } else {
    // 'changed' never reaches here (the plan has errors) and 'unchanged' writes nothing.
    throw new Error(`cannot write a ${item.status} item`);
  }
  await trx
    .insertInto('revisions')
    .values({ object_id: objectId, revision, change: item.status, kind: d.kind, hash: d.hash, text: d.text, metadata: metadataJson, apply_id: applyId })
    .execute();
  if (item.status !== 'metadata') {
    await trx.deleteFrom('dependencies').where('object_id', '=', objectId).execute();
    for (const [i, dep] of d.dependencies.entries()) {
      await trx.insertInto('dependencies').values({ object_id: objectId, position: i, dep_kind: dep.kind, dep_name: dep.name, dep_key: keyOf(dep.name), dep_version: dep.version }).execute();
    }
  }
}

