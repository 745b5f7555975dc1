/**
 * Relations as arrays of rows: sources straight from the data, views by
 * evaluating their SELECT with nested loops — FROM, [LEFT] JOIN … ON, WHERE,
 * GROUP BY / aggregates / HAVING, SELECT items, DISTINCT — in that order.
 */
import { keyOf, type Catalog, type RelationInfo, type TExpr, type TSelect } from '../../src/check/catalog.js';
import { columnValue, evaluate, extendEnv, type Env } from './expressions.js';
import { isTrue, type Row, type Value } from './values.js';

/** Source data: rows of each SOURCE, keyed by the source's name. Views are computed. */
export type Data = Readonly<Record<string, readonly Row[]>>;

/** Rows already computed during one top-level call, by lower-cased relation name. */
export type RowCache = Map<string, Row[]>;

export function findRelation(catalog: Catalog, name: string): RelationInfo {
  const r = catalog.relations[keyOf(name)];
  if (!r) throw new Error(`reference: unknown relation ${name}`);
  return r;
}

/** The rows of a source given in `data` (matched by name, case-insensitively), with every declared column present. */
function sourceRows(relation: RelationInfo, data: Data): Row[] {
  let rows = data[relation.name];
  if (rows === undefined) {
    const k = Object.keys(data).find((n) => keyOf(n) === keyOf(relation.name));
    rows = k === undefined ? [] : data[k]!;
  }
  return rows.map((row) => {
    const out: Row = {};
    for (const c of relation.columns) {
      let v: Value | undefined = row[c.name];
      if (v === undefined) {
        const k = Object.keys(row).find((n) => keyOf(n) === keyOf(c.name));
        v = k === undefined ? null : row[k];
      }
      out[c.name] = v ?? null;
    }
    return out;
  });
}

/** The rows of a source or view, keyed by declared column names. Memoised in `cache` (one per top-level call). */
export function relationRows(catalog: Catalog, data: Data, name: string, cache: RowCache = new Map()): Row[] {
  const relation = findRelation(catalog, name);
  const k = keyOf(relation.name);
  const cached = cache.get(k);
  if (cached) return cached;
  const rows = relation.kind === 'source' ? sourceRows(relation, data) : selectRows(catalog, data, relation.query, cache);
  cache.set(k, rows);
  return rows;
}

/** Evaluates a view's query. */
export function selectRows(catalog: Catalog, data: Data, q: TSelect, cache: RowCache = new Map()): Row[] {
  // FROM and JOINs: nested loops over the envs built so far.
  let envs: Env[] = relationRows(catalog, data, q.from.relation, cache).map((row) => extendEnv(new Map(), q.from.alias, row));
  for (const j of q.joins) {
    const right = relationRows(catalog, data, j.table.relation, cache);
    const equi = equiJoin(j.on, j.table.alias, right);
    const next: Env[] = [];
    for (const env of envs) {
      let matched = false;
      for (const row of equi ? equi(env) : right) {
        const candidate = extendEnv(env, j.table.alias, row);
        if (isTrue(evaluate(j.on, candidate))) {
          next.push(candidate);
          matched = true;
        }
      }
      // LEFT JOIN keeps an unmatched left row, the right side all NULL.
      if (!matched && j.type === 'LEFT') next.push(extendEnv(env, j.table.alias, null));
    }
    envs = next;
  }

  // WHERE
  if (q.where) {
    const where = q.where;
    envs = envs.filter((env) => isTrue(evaluate(where, env)));
  }

  let out: Row[];
  if (!q.aggregated) {
    out = envs.map((env) => project(q, env));
  } else {
    // GROUP BY: groups of rows with the same values of the GROUP BY expressions
    // (NULLs group together), in order of first appearance. Without GROUP BY,
    // one group of all rows — even when there are none.
    const groups: { key: Value[]; envs: Env[] }[] = [];
    if (q.groupBy.length === 0) {
      groups.push({ key: [], envs });
    } else {
      // Values of one GROUP BY expression share a type, so equal JSON ⇔ equal values (NULL = NULL here).
      const byKey = new Map<string, { key: Value[]; envs: Env[] }>();
      for (const env of envs) {
        const key = q.groupBy.map((g) => evaluate(g, env));
        const k = JSON.stringify(key);
        const found = byKey.get(k);
        if (found) found.envs.push(env);
        else {
          const g = { key, envs: [env] };
          byKey.set(k, g);
          groups.push(g);
        }
      }
    }
    out = [];
    for (const g of groups) {
      // Columns outside aggregates are grouped: any row of the group gives their value.
      // The empty group of an ungrouped aggregate query binds every alias to the all-NULL row.
      const representative = g.envs[0] ?? emptyEnv(q);
      if (q.having && !isTrue(evaluate(q.having, representative, g.envs))) continue;
      out.push(project(q, representative, g.envs));
    }
  }

  if (q.distinct) {
    const seen = new Set<string>();
    out = out.filter((row) => {
      const k = JSON.stringify(q.items.map((it) => row[it.name] ?? null));
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  return out;
}

/**
 * Only a speed-up: for `ON a.x = b.y` (a column of the joined table against a
 * column of the rows so far, of one type), the joined table's rows whose
 * column holds the other side's value (none for NULL); ON is still evaluated
 * on each. Values of one type are equal exactly when their JSON is.
 */
function equiJoin(on: TExpr, alias: string, right: readonly Row[]): ((env: Env) => readonly Row[]) | undefined {
  if (on.kind !== 'binary' || on.op !== '=' || on.left.kind !== 'column' || on.right.kind !== 'column') return undefined;
  if (JSON.stringify(on.left.type) !== JSON.stringify(on.right.type)) return undefined;
  const own = (e: TExpr) => e.kind === 'column' && e.relation.toLowerCase() === alias.toLowerCase();
  if (own(on.left) === own(on.right)) return undefined;
  const [inner, outer] = own(on.left) ? [on.left, on.right] : [on.right, on.left];
  const index = new Map<string, Row[]>();
  for (const row of right) {
    const v = columnValue(row, inner.column);
    if (v === null) continue;
    const k = JSON.stringify(v);
    const list = index.get(k);
    if (list) list.push(row);
    else index.set(k, [row]);
  }
  return (env) => {
    const v = evaluate(outer, env);
    return v === null ? [] : (index.get(JSON.stringify(v)) ?? []);
  };
}

function project(q: TSelect, env: Env, group?: readonly Env[]): Row {
  const row: Row = {};
  for (const item of q.items) row[item.name] = evaluate(item.expr, env, group);
  return row;
}

function emptyEnv(q: TSelect): Env {
  let env: Env = extendEnv(new Map(), q.from.alias, null);
  for (const j of q.joins) env = extendEnv(env, j.table.alias, null);
  return env;
}
