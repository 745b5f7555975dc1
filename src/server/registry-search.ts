/**
 * The filters of `GET /v1/registry/objects`: `?q=` (words found in the
 * name, description, owner or tags), `?tag=`, `?owner=` — all ignoring case
 * (`kind` and `name` are the registry's own). The web UI's search is this.
 */
import type { RegisteredObject } from '../store/registry/registry.js';

export interface ObjectFilters {
  readonly q?: string;
  readonly tag?: string;
  readonly owner?: string;
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/** A predicate for the filters given (empty or blank ones are ignored). */
export function objectFilter(filters: ObjectFilters): (o: RegisteredObject) => boolean {
  const words = fold(filters.q ?? '')
    .split(/\s+/)
    .filter((w) => w !== '');
  const tag = filters.tag !== undefined && filters.tag.trim() !== '' ? fold(filters.tag.trim()) : undefined;
  const owner = filters.owner !== undefined && filters.owner.trim() !== '' ? fold(filters.owner.trim()) : undefined;
  return (o) => {
    const m = o.metadata;
    if (tag !== undefined && !m.tags.some((t) => fold(t) === tag)) return false;
    if (owner !== undefined && (m.owner === undefined || fold(m.owner) !== owner)) return false;
    if (words.length === 0) return true;
    const haystack = [o.name, m.description ?? '', m.owner ?? '', ...m.tags].map(fold);
    return words.every((w) => haystack.some((h) => h.includes(w)));
  };
}
