/**
 * The indexes a plan wants on stored source tables: (key columns…, event time)
 * for every point-in-time lookup and spine over a source. Engines that use
 * index probes (SQLite, PostgreSQL, MySQL) create them before running plans;
 * others ignore them.
 */
import type { Catalog } from '../check/catalog.js';
import { keyOf } from '../check/catalog.js';
import type { Plan, RelationAccess } from '../plan/ir.js';

export interface IndexSpec {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
}

function indexFor(catalog: Catalog, a: RelationAccess): IndexSpec | undefined {
  const r = catalog.relations[keyOf(a.relation)];
  if (!r || r.kind !== 'source') return undefined;
  const columns = [...a.keyColumns, ...(a.eventTime ? [a.eventTime.column] : [])];
  return { name: `fsql_${r.name}__${columns.join('__')}`.slice(0, 60), table: r.name, columns };
}

export function indexesFor(catalog: Catalog, plans: readonly Plan[]): IndexSpec[] {
  const out = new Map<string, IndexSpec>();
  const add = (a: RelationAccess) => {
    const spec = indexFor(catalog, a);
    if (spec) out.set(`${spec.table}\u0000${spec.columns.join('\u0000')}`, spec);
  };
  for (const p of plans) {
    if (p.kind === 'view') continue;
    if (p.kind === 'fit') {
      add(p.lookup.access);
      p.spine.from.forEach(add);
      continue;
    }
    p.lookups.forEach((l) => add(l.access));
    if (p.spine.kind === 'entity_spine') p.spine.from.forEach(add);
  }
  return [...out.values()];
}
