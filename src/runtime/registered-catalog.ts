/**
 * The catalog the runtime works from: every object version registered by
 * `apply`, compiled from the registry's canonical texts — not from the
 * project's files, which may hold edits not applied yet (`fsql plan` shows
 * them). So every registered version stays servable and trainable after a
 * newer one is applied, even when the files no longer declare it.
 *
 * An older version can stop type-checking when a source or view it reads is
 * updated (a column removed, say). Such an object — and whatever reads it —
 * is left out, with the reason in `excluded`, rather than failing the rest.
 */
import type { Catalog } from '../check/catalog.js';
import { checkProject } from '../check/project.js';
import type { Registry } from '../store/registry/registry.js';

export interface ExcludedObject {
  readonly kind: string;
  readonly name: string;
  readonly version: number;
  readonly reason: string;
}

export interface RegisteredCatalog {
  readonly catalog: Catalog;
  readonly excluded: readonly ExcludedObject[];
  /** The apply the catalog reflects. */
  readonly applyId: number;
}

const fileOf = (o: { kind: string; name: string; version: number }) => `registry:${o.kind}/${o.name}@${o.version}`;

export function registeredCatalog(registry: Registry): RegisteredCatalog {
  let objects = registry.texts();
  const excluded: ExcludedObject[] = [];
  // Each pass drops the objects with errors; what read them fails on the next pass.
  for (;;) {
    const files = objects.map((o) => ({ path: fileOf(o), text: o.text }));
    const result = checkProject(files);
    const bad = new Map<string, string>();
    for (const d of result.diagnostics) {
      if (d.severity !== 'error') continue;
      if (!bad.has(d.span.file)) bad.set(d.span.file, `error[${d.code}]: ${d.message}`);
    }
    if (bad.size === 0) return { catalog: result.catalog, excluded, applyId: registry.lastApply() };
    for (const o of objects) {
      const reason = bad.get(fileOf(o));
      if (reason !== undefined) excluded.push({ kind: o.kind, name: o.name, version: o.version, reason });
    }
    const before = objects.length;
    objects = objects.filter((o) => !bad.has(fileOf(o)));
    if (objects.length === before) {
      // Errors outside any object's text cannot happen; stop rather than loop.
      return { catalog: result.catalog, excluded, applyId: registry.lastApply() };
    }
  }
}
