/**
 * The registry's types: plans, apply extras and results, what the getters
 * return, and RegistryError. Shared by the pure planning (plan.ts), the
 * storage (state.ts, registry.ts) and every caller (re-exported by registry.ts).
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { FitState, FittedParameters } from '../../plan/fitted.js';
import type { FeatureStatistics } from '../../plan/statistics.js';
import type { CheckedProject, ObjectDefinition, ObjectKind, ObjectMetadata, ObjectRef } from './definitions.js';

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
  /** A feature version: the statistics of every apply that recorded them, oldest first (the last is `statistics`). */
  readonly statisticsHistory?: readonly StatisticsRecord[];
  readonly lineage: Lineage;
}

/** The statistics one apply recorded for a feature version. */
export interface StatisticsRecord {
  /** The apply's id. */
  readonly apply: number;
  /** When it ran (ISO-8601). */
  readonly appliedAt: string;
  readonly statistics: FeatureStatistics;
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

