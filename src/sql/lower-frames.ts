/**
 * Windowed MIN / MAX and COUNT(DISTINCT) of a spine of many times (a label's
 * rows, an ad-hoc spine) as window frames over the relation's rows ∪ the
 * spine's probe times (docs/targets.md, "Windowed aggregates"; issue 14).
 *
 * Per relation and keys, one union — each event row (keys, event time, one
 * value column per lookup, a lookup's WHERE folded in as `CASE WHEN where
 * THEN x END`) and each spine row (keys, its time moved back by the AVAILABLE
 * delay, its row id, no values) — and per lookup one framed aggregate over it:
 *
 *   agg(v) OVER (PARTITION BY key ORDER BY time
 *                RANGE BETWEEN <w − 1 µs> PRECEDING AND CURRENT ROW)
 *
 * read on the spine rows. For the probe p = t − d the frame holds the rows
 * with p − w < e ≤ p, peers at p included: exactly the window (t − d − w,
 * t − d] of docs/semantics.md §3 (times are whole microseconds). `AS OF < t`
 * ends the frame 1 µs before p (e < p); a lookup without a window starts it
 * UNBOUNDED. Spine rows carry NULL values, which every aggregate skips, so
 * they add nothing to another spine row's frame; several windows and WHEREs
 * are several frames over the one sorted union.
 *
 * The engine evaluates a sliding MIN / MAX without visiting each frame's rows
 * (DuckDB: a segment tree; SQLite: an ordered ephemeral index per partition),
 * and DuckDB a DISTINCT window aggregate with a merge-sort tree: the cost is
 * one sort of events ∪ spine and O(log n) per row, where a range join pays
 * every row of every label's window. Measured on bench/flights.ts.
 */
import type { Lookup, RelationAccess } from '../plan/ir.js';
import { and, caseWhen, col, fn, int, isNull, lit, type SqlExpr, type SqlJoin, type SqlQuery, type SqlSelect, type SqlSelectItem } from './ast.js';
import type { Dialect } from './dialect.js';
import { lowerExpr } from './lower-expr.js';

/** What the frames lowering needs of the plan lowering (lower-plan.ts's `Lowering`). */
export interface FrameLowering {
  readonly dialect: Dialect;
  availableBy(a: RelationAccess, t: SqlExpr): SqlExpr;
  eventTime(a: RelationAccess, table?: string): SqlExpr;
  spineKey(name: string): string;
}

/**
 * Whether the dialect reads this lookup from window frames
 * (`strategies.frames`): a MIN / MAX (`minMax`) or COUNT(DISTINCT)
 * (`countDistinct`) of a column over a relation with an event time. The
 * caller decides the spine (many times, every key) and leaves out lookups
 * that need the time of their rows (a TTL).
 */
export function frameable(l: Lookup, dialect: Dialect): boolean {
  const f = dialect.strategies.frames;
  const v = l.value;
  if (!f || !dialect.rangeOffset || l.kind !== 'aggregate' || v.kind !== 'aggregate' || !v.arg || !l.access.eventTime) return false;
  if (v.fn === 'MIN' || v.fn === 'MAX') return f.minMax;
  return v.fn === 'COUNT' && v.distinct && f.countDistinct === 'frames';
}

/**
 * Whether the dialect reads this COUNT(DISTINCT) of a spine of many times
 * with a correlated subquery per spine row (`strategies.frames.countDistinct:
 * 'correlated'`): an index range probe of the key's window, where the range
 * join's GROUP BY sorts every (spine row, event) pair (SQLite: 1.4 GB on 300k
 * flights, bench/flights.ts).
 */
export function probedDistinct(l: Lookup, dialect: Dialect): boolean {
  const v = l.value;
  return dialect.strategies.frames?.countDistinct === 'correlated' && l.kind === 'aggregate' && v.kind === 'aggregate' && v.fn === 'COUNT' && v.distinct && l.access.eventTime !== undefined;
}

const key = (i: number) => `__k${i}`;
const S = '__s';
const noSpan = (k: string, v: unknown) => (k === 'span' ? undefined : v);

/** One relation and keys' frameable lookups (`group`, same access and spine keys): a CTE per spine row id, LEFT JOINed to the spine. */
export function framedAggregates(
  low: FrameLowering,
  group: readonly Lookup[],
  g: string,
  spineCte: string,
  out: { ctes: { name: string; q: SqlQuery; materialized?: boolean }[]; joins: SqlJoin[]; firstItems: SqlSelectItem[] },
): void {
  const first = group[0]!;
  const a = first.access;
  const rel = a.relation;
  const relKeys = a.keyColumns.map((c) => col(c, rel));
  const time = low.eventTime(a);
  // A WHERE every lookup shares filters the rows; otherwise each is folded into its value.
  const sameWhere = group.every((l) => JSON.stringify(l.where ?? null, noSpan) === JSON.stringify(first.where ?? null, noSpan));
  const values = group.map((l) => {
    const agg = lowerExpr(l.value) as Extract<SqlExpr, { k: 'agg' }>;
    // Text MIN / MAX compare by code points: the wrapper goes on the window's argument, the union carries the value.
    const wrapped = agg.arg!.k === 'binary_text';
    const arg = agg.arg!.k === 'binary_text' ? agg.arg!.e : agg.arg!;
    const value = !sameWhere && l.where ? caseWhen([{ when: lowerExpr(l.where), then: arg }]) : arg;
    return { l, agg, wrapped, value, name: `__v${group.indexOf(l) + 1}` };
  });
  const eventsSide: SqlSelect = {
    k: 'select',
    items: [...relKeys.map((k, i) => ({ e: k, alias: key(i) })), { e: time, alias: '__t' }, { e: lit(null, 'INTEGER'), alias: '__rid' }, ...values.map((v) => ({ e: v.value, alias: v.name }))],
    from: { k: 'table', name: rel },
    where: and(...relKeys.map((k) => isNull(k, true)), isNull(time, true), sameWhere && first.where ? lowerExpr(first.where) : undefined)!,
  };
  const spineSide: SqlSelect = {
    k: 'select',
    items: [
      ...first.spineKeys.map((k, i) => ({ e: col(low.spineKey(k)), alias: key(i) })),
      { e: low.availableBy(a, col('__t')), alias: '__t' },
      { e: col('__rid'), alias: '__rid' },
      ...values.map((v) => ({ e: lit(null, 'NULL'), alias: v.name })),
    ],
    from: { k: 'table', name: spineCte },
  };
  const partitionBy = a.keyColumns.map((_c, i) => col(key(i)));
  const framed: SqlSelect = {
    k: 'select',
    items: [
      { e: col('__rid') },
      ...values.map(({ l, agg, wrapped, name }) => {
        const arg: SqlExpr = wrapped ? { k: 'binary_text', e: col(name) } : col(name);
        const e: SqlExpr = {
          k: 'framed',
          agg: { ...agg, arg },
          partitionBy,
          order: col('__t'),
          ...(l.windowSeconds !== undefined ? { precedingMicros: l.windowSeconds * 1_000_000 - 1 } : {}),
          excludeCurrent: l.strictlyBefore === true,
        };
        return { e, alias: name };
      }),
    ],
    from: { k: 'derived', q: { k: 'union', all: true, parts: [eventsSide, spineSide] }, alias: '__u' },
  };
  const name = `${g}_frames`;
  out.ctes.push({
    name,
    q: { k: 'select', items: [{ e: col('__rid') }, ...values.map((v) => ({ e: col(v.name) }))], from: { k: 'derived', q: framed, alias: '__f' }, where: isNull(col('__rid'), true) },
    materialized: true,
  });
  const alias = `${g}_j`;
  out.joins.push({ type: 'LEFT', from: { k: 'table', name, alias }, on: { k: 'bin', op: '=', l: col('__rid', alias), r: col('__rid', S) } });
  for (const { l, agg, name: v } of values) {
    const e = col(v, alias);
    out.firstItems.push({ e: agg.fn === 'COUNT' ? fn('COALESCE', e, int(0)) : e, alias: l.id });
  }
}
