/**
 * Lineage over the registry's dependency edges (pure: a function of the
 * loaded state). Edges point along the data flow: source → view → feature →
 * training set.
 */
import { keyOf } from '../../check/catalog.js';
import { compareRefs, type ObjectRef } from './definitions.js';
import { objectRow, refKey, type DependencyRow, type ObjectRow, type RegistryState } from './state.js';
import type { Lineage, LineageEdge } from './types.js';

/** A dependency as registered now (its kind and spelling may have been updated since). */
function resolveDependency(state: RegistryState, dep: DependencyRow): ObjectRef {
  const row = state.byKey.get(dep.dep_key)?.find((r) => r.version === dep.dep_version);
  return { kind: row?.kind ?? dep.dep_kind, name: row?.name ?? dep.dep_name, version: dep.dep_version };
}

/** What an object version reads directly, in the order it reads them. */
export function dependenciesOf(state: RegistryState, objectId: number): ObjectRef[] {
  return (state.dependencies.get(objectId) ?? []).map((d) => resolveDependency(state, d));
}

/** What reads an object version directly. */
export function dependentsOf(state: RegistryState, row: Pick<ObjectRow, 'name_key' | 'version'>): ObjectRef[] {
  const seen = new Set<number>();
  const out: ObjectRef[] = [];
  for (const id of state.readers.get(`${row.name_key}@${row.version}`) ?? []) {
    if (seen.has(id)) continue;
    seen.add(id);
    const o = state.byId.get(id);
    if (o) out.push({ kind: o.kind, name: o.name, version: o.version });
  }
  return out.sort(compareRefs);
}

export function lineageOf(state: RegistryState, row: ObjectRow): Lineage {
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
      const r = objectRow(state, ref.name, ref.version);
      return r ? dependenciesOf(state, r.id) : [];
    },
    (ref, n) => ({ from: n, to: ref }),
  );
  const down = walk(
    (ref) => dependentsOf(state, { name_key: keyOf(ref.name), version: ref.version }),
    (ref, n) => ({ from: ref, to: n }),
  );
  return { root, upstream: up.nodes, downstream: down.nodes, upstreamEdges: up.edges, downstreamEdges: down.edges };
}
