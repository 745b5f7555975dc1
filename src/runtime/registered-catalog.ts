/**
 * The catalog the runtime works from: every object version registered by
 * `apply`, compiled from the registry's canonical texts — not from the
 * project's files, which may hold edits not applied yet (`fsql plan` shows
 * them). So every registered version stays servable and trainable after a
 * newer one is applied, even when the files no longer declare it.
 *
 * Each feature, label and training-set version computes from the revisions of
 * the views it pinned when it was registered (store/registry/pinned-catalog.ts):
 * editing a view never changes what a registered version computes. Retired
 * versions — and anything that no longer type-checks, with whatever reads
 * it — are left out, with the reason in `excluded`.
 */
import type { Catalog } from '../check/catalog.js';
import type { ExcludedObject } from '../store/registry/pinned-catalog.js';
import type { Registry } from '../store/registry/registry.js';

export type { ExcludedObject };

export interface RegisteredCatalog {
  readonly catalog: Catalog;
  readonly excluded: readonly ExcludedObject[];
  /** The apply the catalog reflects. */
  readonly applyId: number;
}

export async function registeredCatalog(registry: Registry): Promise<RegisteredCatalog> {
  const { catalog, excluded } = await registry.pinnedCatalog();
  // The apply the pinned catalog was made at (an apply committed meanwhile is seen by the next call).
  const applyId = await registry.lastApply();
  return { catalog, excluded, applyId };
}

/** Why a registered version is not in the catalog (retired, or no longer computable), if it is not. */
export function exclusionOf(rc: RegisteredCatalog, name: string, version: number): ExcludedObject | undefined {
  const key = name.toLowerCase();
  return rc.excluded.find((x) => x.name.toLowerCase() === key && x.version === version);
}
