/**
 * Planning, pure: `planAgainst(state, project)` compares a checked project's
 * definitions with a loaded registry state (state.ts), like `terraform plan`,
 * and `checkExtras` checks what the caller computed for apply. Nothing here
 * reads or writes a database, so every storage backend plans alike.
 * README.md beside this file has the statuses, pins and decisions.
 */
import { keyOf } from '../../check/catalog.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import type { FitState, FittedParameters } from '../../plan/fitted.js';
import { compareRefs, isVersioned, KIND_LABELS, projectDefinitions, refLabel, type ObjectDefinition, type ObjectMetadata, type ObjectRef } from './definitions.js';
import { renderDiff } from './diff.js';
import { definitionNeedsFit, fitStateOf } from './fit-state.js';
import { dependenciesOf } from './lineage.js';
import { describeBreak, describeMeaningChange, meaningOf, pinnedCatalog, upstreamOf, type PinnedCatalog, type PinState, type UnversionedState, type VersionedState } from './pinned-catalog.js';
import { metadataOfRow, objectRow, refKey, revisionOf, type ObjectRow, type RegistryState } from './state.js';
import { RegistryError, type ApplyExtras, type ApplyPlan, type PinRef, type PlanError, type PlanItem, type PlannedProject, type PlanOptions, type PlanStatus, type PlanWarning, type VersionReason } from './types.js';

export function emptySummary(): Record<PlanStatus, number> {
  return { added: 0, updated: 0, metadata: 0, changed: 0, unchanged: 0 };
}

function metadataDifferences(a: ObjectMetadata, b: ObjectMetadata): ('description' | 'owner' | 'tags')[] {
  const out: ('description' | 'owner' | 'tags')[] = [];
  if (a.description !== b.description) out.push('description');
  if (a.owner !== b.owner) out.push('owner');
  if (JSON.stringify(a.tags) !== JSON.stringify(b.tags)) out.push('tags');
  return out;
}

function article(word: string): string {
  return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
}

function registeredOf(r: ObjectRow): NonNullable<PlanItem['registered']> {
  return { kind: r.kind, hash: r.hash, text: r.text, revision: r.revision };
}

/** The fitted parameters stored for a feature version (count 0: no fit). */
export function storedFit(state: RegistryState, objectId: number): FittedParameters | undefined {
  return state.fitted.get(objectId);
}

export function fitStateOfRow(state: RegistryState, row: ObjectRow): FitState {
  return fitStateOf(definitionNeedsFit(row.definition, row.hash), storedFit(state, row.id));
}

/** The parameters of a fitted feature version: none for a version awaiting its fit or needing none. */
export function fittedParametersOf(state: RegistryState, row: ObjectRow): FittedParameters | undefined {
  if (row.kind !== 'feature') return undefined;
  const stored = storedFit(state, row.id);
  return fitStateOf(definitionNeedsFit(row.definition, row.hash), stored) === 'fitted' ? stored : undefined;
}

/** The registered feature versions awaiting their fit, by name and version. */
export function awaitingFitOf(state: RegistryState): ObjectRef[] {
  return state.objects
    .filter((r) => r.kind === 'feature' && fitStateOfRow(state, r) === 'awaiting')
    .map((r) => ({ kind: r.kind, name: r.name, version: r.version }))
    .sort(compareRefs);
}

export function planAgainst(state: RegistryState, project: PlannedProject, options: PlanOptions = {}): ApplyPlan {
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
      rows = [...(state.byKey.get(key) ?? [])];
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

  const pinned = planPins(state, project, definitions, items, options);
  errors.push(...pinned.errors);
  warnings.push(...pinned.warnings);
  return {
    registryId: state.id,
    basedOn: state.lastApply,
    items,
    errors,
    warnings,
    summary,
    kept: pinned.kept,
    breaking: pinned.breaking,
    retire: pinned.retire,
    absent: pinned.absent,
    pins: pinned.pins,
    awaitingFit: awaitingFitOf(state),
  };
}

/**
 * Pins and their consequences: the pins of added versions (their upstream
 * now) and of versions registered before pins existed (their upstream as
 * registered now); which registered versions keep an updated view's older
 * revision; which an update breaks — found by comparing what each live
 * version computes before and after the plan (`meaningOf`).
 */
function planPins(state: RegistryState, project: PlannedProject, definitions: readonly ObjectDefinition[], items: readonly PlanItem[], options: PlanOptions) {
  const errors: PlanError[] = [];
  const warnings: PlanWarning[] = [];
  const breaking: VersionReason[] = [];
  const kept: ApplyPlan['kept'][number][] = [];
  const pins: { object: ObjectRef; pins: PinRef[] }[] = [];
  const rows = state.objects;
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
  const pre = pinnedCatalog(pinStateOf(state));
  for (const r of legacy) {
    const up = upstreamOf(pre.catalog, r.kind as VersionedState['kind'], r.name, r.version);
    pins.push({ object: refOf(r), pins: up.map((u) => ({ kind: u.kind, name: u.name, hash: registeredHash.get(keyOf(u.name)) ?? '' })) });
  }
  if (updated.length === 0) return { errors, warnings, breaking, retire: [], kept, absent, pins };

  // Effective pins of every live registered version (legacy ones: as just computed).
  const pinsOf = state.pins;
  const legacyPins = new Map(pins.filter((p) => rows.some((r) => r.pinned === 0 && refKey(r.name, r.version) === refKey(p.object.name, p.object.version))).map((p) => [refKey(p.object.name, p.object.version), p.pins]));
  const effective = (r: ObjectRow): readonly PinRef[] => legacyPins.get(refKey(r.name, r.version)) ?? pinsOf.get(r.id) ?? [];
  const live = rows.filter((r) => isVersioned(r.kind) && r.retired_apply === null);

  for (const u of updated) {
    if (u.kind !== 'view') continue;
    const versions: { object: ObjectRef; revision: number }[] = [];
    for (const r of live) {
      const pin = effective(r).find((p) => keyOf(p.name) === u.definition.key);
      if (pin && pin.hash !== u.definition.hash) versions.push({ object: refOf(r), revision: revisionOf(state, u.definition.key, pin.hash)?.revision ?? 0 });
    }
    if (versions.length > 0) kept.push({ upstream: { kind: u.kind, name: u.name, version: 1 }, versions });
  }

  const post = pinnedCatalog(prospectiveState(state, definitions, new Map(pins.map((p) => [refKey(p.object.name, p.object.version), p.pins]))));
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
    const member = dependenciesOf(state, r.id).find((d) => broken.has(refKey(d.name, d.version)));
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
function prospectiveState(state: RegistryState, definitions: readonly ObjectDefinition[], newPins: ReadonlyMap<string, readonly PinRef[]>): PinState {
  const base = pinStateOf(state);
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
export function pinStateOf(state: RegistryState): PinState {
  const rows = state.objects;
  const pins = state.pins;
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
  return { unversioned, versioned, revision: (key, hash) => revisionOf(state, key, hash) };
}

/** The pinned catalog as it will be once `plan` is applied (what apply creates views for, fits and profiles). */
export function catalogAfter(state: RegistryState, plan: ApplyPlan): PinnedCatalog {
  const pins = new Map(plan.pins.map((p) => [refKey(p.object.name, p.object.version), p.pins]));
  const after = prospectiveState(state, plan.items.map((i) => i.definition), pins);
  const retired = new Map(plan.retire.map((r) => [refKey(r.object.name, r.object.version), r.reason]));
  return pinnedCatalog({ ...after, versioned: after.versioned.map((v) => (retired.has(refKey(v.name, v.version)) ? { ...v, retired: retired.get(refKey(v.name, v.version))! } : v)) });
}

/** Every problem with the extras, before anything is written. */
export function checkExtras(state: RegistryState, plan: ApplyPlan, extras: ApplyExtras): void {
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
    const row = objectRow(state, f.feature, f.version);
    if (added.has(k) || (row?.kind === 'feature' && fitStateOfRow(state, row) === 'not_needed')) {
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
    if (!planned.has(k) && objectRow(state, s.feature, s.version)?.kind !== 'feature') {
      problems.push(`statistics for \`${s.feature}\` VERSION ${s.version}, which is neither in this plan nor a registered feature version`);
    }
  }
  if (problems.length > 0) throw new RegistryError('invalid-extras', 'cannot apply; nothing was written', problems);
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
