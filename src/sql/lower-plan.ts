/**
 * Logical plans → SQL AST. One shape for every plan family:
 *
 *   __spine   (keys __k0…, time __t, [label __label], row id __rid)
 *   lookups   (per the dialect's strategy: correlated subqueries, ASOF joins,
 *              or window functions and range joins)
 *   final     (TTL, FILL, SCALE / ONE_HOT with the fitted parameters inlined)
 *
 * Column references inside feature expressions use the relation's name as
 * alias, so a relation is always read under its own name.
 */
import type { TimeValue, Lookup, LabelSpine, EntitySpine, TrainingPlan, MaterializePlan, FitPlan, ViewPlan, RelationAccess, RowsSpine, SpinePlan } from '../plan/ir.js';
import type { LiteralValue, TSelect } from '../check/catalog.js';
import { and, bin, caseWhen, col, fn, int, isNull, lit, type SqlExpr, type SqlJoin, type SqlOrder, type SqlQuery, type SqlSelect, type SqlSelectItem, type SqlStatement } from './ast.js';
import { UnsupportedError, type Dialect } from './dialect.js';
import { lowerExpr } from './lower-expr.js';
import { transformItems } from './transform.js';
import { frameable, framedAggregates, probedDistinct } from './lower-frames.js';
import { choosePrefix, estimateCost, type CandidateLookup, type RelationStatistics } from './choose-aggregate.js';

/** Values for the plan's time parameters, as epoch microseconds. */
export interface TimeBindings {
  readonly as_of?: number;
  readonly fit_time?: number;
}

/** Options of lowerMaterialize. */
export interface MaterializeOptions {
  /**
   * Only these entity keys (canonical values, in the entity's key order):
   * the online vectors of a few keys, e.g. after stream ingest. Keys that
   * have no row in the feature relations give no row.
   */
  readonly keys?: readonly (readonly LiteralValue[])[];
  /**
   * Print the times and the keys as bound parameters, not literals: `@t_as_of`
   * and `@k_<key>_<column>` (0-based), so that one prepared statement serves
   * every call with as many keys (the dialect must have `namedParameters`).
   */
  readonly parameters?: boolean;
}

/** The parameter a time binding is bound to, with `MaterializeOptions.parameters`. */
export const timeParameter = (name: string) => `t_${name}`;
/** The parameter column `column` of key `row` is bound to. */
export const keyParameter = (row: number, column: number) => `k_${row}_${column}`;

const S = '__s';

/** `e` moved back `seconds`; one subtraction for several (a window of a delayed relation is `t − (d + w)`). */
function minus(e: SqlExpr, seconds: number): SqlExpr {
  return e.k === 'time_minus' ? { k: 'time_minus', e: e.e, seconds: e.seconds + seconds } : { k: 'time_minus', e, seconds };
}

/**
 * How far back a latest value's row may be for its TTL: a row counts while
 * it became available within the TTL (`e + d ≥ t − ttl`), i.e. its event time
 * is at most `ttl + d` before `t` (docs/semantics.md §3).
 */
function ttlReach(l: Lookup): number {
  return (l.ttlSeconds ?? 0) + (l.access.availableAfterSeconds ?? 0);
}
const key = (i: number) => `__k${i}`;

class Lowering {
  constructor(
    readonly dialect: Dialect,
    readonly times: TimeBindings,
    readonly onlyKeys?: readonly (readonly LiteralValue[])[],
    readonly parameters = false,
  ) {}

  /**
   * The spine holds many times (a label's rows, an ad-hoc spine), so windowed
   * aggregates may be read from running totals (the `prefix` strategy); an
   * entity spine has one time, which a range join over that one window serves best.
   */
  manyTimes = false;

  /**
   * The spine's one time, when every key of an entity spine is asked for (a
   * whole materialize, a fit): each lookup is then one pass over its relation
   * grouped by key (`oneTimeLookups`), not a probe or range join per key.
   */
  oneTime: SqlExpr | undefined = undefined;

  /** Statistics of the data (CompileOptions.relationStatistics): running totals or the range join per lookup group. */
  statistics: readonly RelationStatistics[] | undefined = undefined;
  /** The choices made from `statistics` (aggregateChoices). */
  choices: AggregateChoice[] = [];

  /** `keys IN onlyKeys` over a relation's key columns, when only some keys are asked for. */
  keyFilter(s: EntitySpine, a: RelationAccess): SqlExpr | undefined {
    const keys = this.onlyKeys;
    if (keys === undefined) return undefined;
    if (keys.length === 0) return bin('=', int(0), int(1));
    const value = (v: LiteralValue, r: number, i: number): SqlExpr => (this.parameters ? { k: 'param', name: keyParameter(r, i), type: s.keys[i]!.type } : lit(v, s.keys[i]!.type));
    if (a.keyColumns.length === 1) return { k: 'in', e: col(a.keyColumns[0]!, a.relation), list: keys.map((k, r) => value(k[0]!, r, 0)), negated: false };
    return keys.map((k, r) => and(...a.keyColumns.map((c, i) => bin('=', col(c, a.relation), value(k[i]!, r, i))))!).reduce((x, y) => bin('OR', x, y));
  }

  time(t: TimeValue): SqlExpr {
    if (t.kind === 'time_literal') return lit(t.micros, 'TIMESTAMP');
    const v = this.times[t.name];
    if (v === undefined) throw new Error(`the plan needs a value for :${t.name}`);
    return this.parameters ? { k: 'param', name: timeParameter(t.name), type: 'TIMESTAMP' } : lit(v, 'TIMESTAMP');
  }

  /**
   * The time `t` asked, moved back by the relation's availability delay
   * (AVAILABLE, docs/semantics.md §3): a row is available at `t` when its
   * event time is at or before this, so every bound compares the event time
   * (which the indexes hold) with it.
   */
  availableBy(a: RelationAccess, t: SqlExpr): SqlExpr {
    return a.availableAfterSeconds ? minus(t, a.availableAfterSeconds) : t;
  }

  /** The event-time column of a relation as a TIMESTAMP. */
  eventTime(a: RelationAccess, table = a.relation): SqlExpr {
    const e = col(a.eventTime!.column, table);
    return a.eventTime!.type === 'DATE' ? { k: 'date_to_timestamp', e } : e;
  }

  /** Spine key names (entity key names) → the spine's internal `__kN` columns. */
  spineKey = (name: string): string => {
    const i = this.spineKeyNames.indexOf(name);
    if (i < 0) throw new Error(`no spine key ${name}`);
    return key(i);
  };

  spineKeyNames: readonly string[] = [];

  keysMatch(l: Lookup, spineAlias: string): SqlExpr {
    return and(...l.access.keyColumns.map((c, i) => bin('=', col(c, l.access.relation), col(this.spineKey(l.spineKeys[i]!), spineAlias))))!;
  }

  // ---- spines ------------------------------------------------------------------

  labelSpine(s: LabelSpine): SqlQuery {
    const rel = s.relation;
    const items: SqlSelectItem[] = [
      ...s.keys.map((k, i) => ({ e: col(k.column, rel), alias: key(i) })),
      {
        e: s.time.kind === 'column' ? (s.time.type === 'DATE' ? { k: 'date_to_timestamp', e: col(s.time.column, rel) } : col(s.time.column, rel)) : this.time(s.time.value),
        alias: '__t',
      },
      { e: lowerExpr(s.value), alias: '__label' },
    ];
    // Label rows without their entity's key or without a time are dropped (docs/semantics.md §4).
    const where = and(
      s.where ? lowerExpr(s.where) : undefined,
      ...s.keys.slice(0, s.labelKeyCount).map((k) => isNull(col(k.column, rel), true)),
      s.time.kind === 'column' ? isNull(col(s.time.column, rel), true) : undefined,
    );
    const base: SqlSelect = { k: 'select', items, from: { k: 'table', name: rel }, ...(where ? { where } : {}) };
    const order: SqlOrder[] = [
      { e: col('__t'), desc: false, nulls: 'first' },
      ...s.keys.map((k, i) => ({ e: k.type === 'TEXT' ? ({ k: 'binary_text', e: col(key(i)) } as SqlExpr) : col(key(i)), desc: false, nulls: 'first' as const })),
      { e: s.valueType === 'TEXT' ? { k: 'binary_text', e: col('__label') } : col('__label'), desc: false, nulls: 'first' },
    ];
    const numbered: SqlSelect = {
      k: 'select',
      items: [{ e: { k: 'star' } }, { e: { k: 'row_number', partitionBy: [], orderBy: order }, alias: '__rid' }],
      from: { k: 'derived', q: base, alias: '__labels' },
    };
    if (!s.sample) return numbered;
    // docs/semantics.md §4: MINSTD applied twice to (row number + seed).
    const p = int(2147483647);
    const x1 = fn('MOD', bin('*', bin('+', col('__rid'), int(s.sample.seed)), int(48271)), p);
    const x2 = fn('MOD', bin('*', x1, int(48271)), p);
    return {
      k: 'select',
      items: [{ e: { k: 'star' } }],
      from: { k: 'derived', q: numbered, alias: '__numbered' },
      where: bin('<', fn('MOD', x2, int(1_000_000)), int(Math.round(s.sample.percent * 10_000))),
    };
  }

  entitySpine(s: EntitySpine): SqlQuery {
    const t = this.time(s.time);
    const parts: SqlSelect[] = s.from.map((a) => ({
      k: 'select',
      items: a.keyColumns.map((c, i) => ({ e: col(c, a.relation), alias: key(i) })),
      from: { k: 'table', name: a.relation },
      where: and(...a.keyColumns.map((c) => isNull(col(c, a.relation), true)), a.eventTime ? bin('<=', this.eventTime(a), this.availableBy(a, t)) : undefined, this.keyFilter(s, a))!,
    }));
    const keys: SqlQuery = parts.length === 1 ? { ...parts[0]!, distinct: true } : { k: 'union', all: false, parts };
    const order: SqlOrder[] = s.keys.map((k, i) => ({ e: k.type === 'TEXT' ? ({ k: 'binary_text', e: col(key(i)) } as SqlExpr) : col(key(i)), desc: false, nulls: 'first' }));
    return {
      k: 'select',
      items: [...s.keys.map((_k, i) => ({ e: col(key(i)) })), { e: t, alias: '__t' }, { e: { k: 'row_number', partitionBy: [], orderBy: order }, alias: '__rid' }],
      from: { k: 'derived', q: keys, alias: '__keys' },
    };
  }

  // ---- lookups ---------------------------------------------------------------------

  /** Rows of the lookup's relation that the spine row sees (keys, WHERE, time bounds). */
  visible(l: Lookup, spineAlias: string, bounds: 'upto' | 'window'): SqlExpr {
    const a = l.access;
    const t = this.availableBy(a, col('__t', spineAlias));
    const timeBounds = a.eventTime
      ? and(
          bin(l.strictlyBefore ? '<' : '<=', this.eventTime(a), t),
          bounds === 'window' && l.windowSeconds !== undefined ? bin('>', this.eventTime(a), minus(t, l.windowSeconds)) : undefined,
        )
      : undefined;
    return and(this.keysMatch(l, spineAlias), l.where ? lowerExpr(l.where) : undefined, timeBounds)!;
  }

  /**
   * The tie order of a latest lookup's rows, winner first (docs/semantics.md
   * §3): the relation's columns in declared order, each descending with NULLs
   * last — spelled out, never an engine's default NULL placement — and text
   * compared in code-point order (the dialect's binaryText). Every latest
   * lookup over one relation takes the first row of this order among the rows
   * it sees, so all of them read one row. The lookup's key columns are left
   * out: the rows compared share the key, so those columns never decide.
   */
  tieOrder(l: Lookup): SqlOrder[] {
    return (l.tieOrder ?? []).filter((c) => !l.access.keyColumns.includes(c.column)).map((c) => {
      const e = col(c.column, l.access.relation);
      return { e: c.type === 'TEXT' ? { k: 'binary_text', e } : e, desc: true, nulls: 'last' };
    });
  }

  /** Correlated strategy: the value of the first row, in tie order, of the rows `where` selects. */
  private latestRow(l: Lookup, where: SqlExpr): SqlExpr {
    return this.scalar({ k: 'select', items: [{ e: lowerExpr(l.value) }], from: { k: 'table', name: l.access.relation }, where, orderBy: this.tieOrder(l), limit: 1 });
  }

  private scalar(q: SqlSelect): SqlExpr {
    return { k: 'subquery', q };
  }

  /** Correlated strategy, step 1: times (and aggregate values) per spine row. */
  correlatedFirst(l: Lookup, wantTime: boolean): SqlSelectItem[] {
    const a = l.access;
    const from = { k: 'table' as const, name: a.relation };
    if (l.kind === 'aggregate') {
      const items: SqlSelectItem[] = [{ e: this.scalar({ k: 'select', items: [{ e: lowerExpr(l.value) }], from, where: this.visible(l, S, 'window') }), alias: l.id }];
      if (wantTime && a.eventTime) {
        items.push({ e: this.scalar({ k: 'select', items: [{ e: { k: 'agg', fn: 'MAX', distinct: false, arg: this.eventTime(a), type: 'TIMESTAMP' } }], from, where: this.visible(l, S, 'window') }), alias: `${l.id}__time` });
      }
      return items;
    }
    if (!a.eventTime) return [{ e: this.latestRow(l, this.visible(l, S, 'upto')), alias: l.id }];
    return [{ e: this.scalar({ k: 'select', items: [{ e: { k: 'agg', fn: 'MAX', distinct: false, arg: this.eventTime(a), type: 'TIMESTAMP' } }], from, where: this.visible(l, S, 'upto') }), alias: `${l.id}__time` }];
  }

  /** Correlated strategy, step 2: the latest value at the time found in step 1. */
  correlatedSecond(l: Lookup, alias: string, timeColumn: string): SqlSelectItem[] {
    const a = l.access;
    if (l.kind !== 'latest' || !a.eventTime) return [];
    const where = and(this.keysMatch(l, alias), l.where ? lowerExpr(l.where) : undefined, bin('=', this.eventTime(a), col(timeColumn, alias)))!;
    return [{ e: this.latestRow(l, where), alias: l.id }];
  }

  /**
   * The winning row per key and event time (per key for a dimension
   * relation), with each lookup's value: `ROW_NUMBER() OVER (PARTITION BY
   * key…, time ORDER BY <tie order>) = 1`. Ties are resolved once, before the
   * ASOF, window or dimension join, so every lookup of the group reads one row.
   */
  winners(group: readonly Lookup[]): SqlSelect {
    const first = group[0]!;
    const a = first.access;
    const keys = a.keyColumns.map((c) => col(c, a.relation));
    const time = a.eventTime ? [{ e: this.eventTime(a), alias: '__e' }] : [];
    const ranked: SqlSelect = {
      k: 'select',
      items: [
        ...keys.map((k, i) => ({ e: k, alias: key(i) })),
        ...time,
        ...group.map((l) => ({ e: lowerExpr(l.value), alias: `__v_${l.id}` })),
        { e: { k: 'row_number', partitionBy: [...keys, ...(a.eventTime ? [col(a.eventTime.column, a.relation)] : [])], orderBy: this.tieOrder(first) }, alias: '__n' },
      ],
      from: { k: 'table', name: a.relation },
      where: and(...keys.map((k) => isNull(k, true)), first.where ? lowerExpr(first.where) : undefined)!,
    };
    return {
      k: 'select',
      items: [...keys.map((_k, i) => ({ e: col(key(i)) })), ...time.map((t) => ({ e: col(t.alias) })), ...group.map((l) => ({ e: col(`__v_${l.id}`) }))],
      from: { k: 'derived', q: ranked, alias: '__ranked' },
      where: bin('=', col('__n'), int(1)),
    };
  }

  /** An aggregate restricted to rows where `inWindow` holds (COUNT(*) counts them; others skip the rest as NULL). */
  windowed(l: Lookup, inWindow: SqlExpr | undefined): SqlExpr {
    const agg = lowerExpr(l.value);
    if (!inWindow || agg.k !== 'agg') return agg;
    const arg = agg.arg ?? int(1);
    return { ...agg, arg: caseWhen([{ when: inWindow, then: arg }]) };
  }
}

// ---------------------------------------------------------------------------

interface LookupStage {
  /** CTEs to add before the final select. */
  readonly ctes: { name: string; q: SqlQuery; materialized?: boolean }[];
  /** Name of the relation with the spine columns plus one `<lookup id>` column per lookup. */
  readonly result: string;
  /** Per lookup, the column holding the event time of the rows it used (absent: none, e.g. dimensions). */
  readonly timeColumn: ReadonlyMap<string, string>;
}

/**
 * Lookups over the same relation, keys and WHERE share work: one time probe
 * (correlated), one de-duplicated row set and join (ASOF, window), or one
 * range join computing several windowed aggregates at once (join).
 */
function groupLookups(lookups: readonly Lookup[], foldWhere = false): Lookup[][] {
  const groups = new Map<string, Lookup[]>();
  for (const l of lookups) {
    const k = groupKey(l, foldWhere);
    const g = groups.get(k);
    if (g) g.push(l);
    else groups.set(k, [l]);
  }
  return [...groups.values()];
}

/** The lookup group `l` falls in (`groupLookups`). */
function groupKey(l: Lookup, foldWhere = false): string {
  // `lateral`: aggregates that differ only in their WHERE share one subquery, each WHERE folded into its aggregate.
  const where = foldWhere && l.kind === 'aggregate' && lowerExpr(l.value).k === 'agg' ? null : (l.where ?? null);
  return JSON.stringify([l.kind, l.access, l.spineKeys, where, l.strictlyBefore ?? false], (key, value) => (key === 'span' ? undefined : value));
}

/** The statistics of a relation read through a lookup's keys, when the lowering has them. */
function statisticsFor(low: Lowering, l: Lookup): RelationStatistics | undefined {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return low.statistics?.find((s) => s.relation === l.access.relation && same(s.keyColumns, l.access.keyColumns) && same(s.spineKeys, l.spineKeys));
}

/**
 * With relation statistics and the dialect's cost constants: the ids of the
 * prefixable lookups to read from running totals, chosen per lookup group
 * (src/sql/choose-aggregate.ts); undefined without them (every prefixable lookup).
 * A relation and keys without statistics keep running totals.
 */
function chosenPrefix(low: Lowering, lookups: readonly Lookup[], eligible: (l: Lookup) => boolean, framed: (l: Lookup) => boolean): Set<string> | undefined {
  const costs = low.dialect.strategies.aggregateCosts;
  if (low.statistics === undefined || costs === undefined) return undefined;
  const chosen = new Set<string>();
  const byRelation = new Map<string, Lookup[]>();
  for (const l of lookups) {
    // The lookups of the relation's range joins (those read from window frames are not).
    if (l.kind !== 'aggregate' || !l.access.eventTime || (!eligible(l) && framed(l))) continue;
    const k = JSON.stringify([l.access.relation, l.access.keyColumns, l.spineKeys]);
    const ls = byRelation.get(k);
    if (ls) ls.push(l);
    else byRelation.set(k, [l]);
  }
  for (const ls of byRelation.values()) {
    const stats = statisticsFor(low, ls[0]!);
    if (stats === undefined) {
      for (const l of ls) if (eligible(l)) chosen.add(l.id);
      continue;
    }
    const candidates: CandidateLookup[] = ls.map((l) => ({
      id: l.id,
      group: groupKey(l, low.dialect.strategies.foldWhere === true),
      prefixable: eligible(l),
      ...(l.windowSeconds !== undefined ? { windowSeconds: l.windowSeconds } : {}),
      probes: [`${l.access.availableAfterSeconds ?? 0}:${l.strictlyBefore === true}`, ...(l.windowSeconds !== undefined ? [`${(l.access.availableAfterSeconds ?? 0) + l.windowSeconds}:false`] : [])],
      double: l.value.kind === 'aggregate' && l.value.fn !== 'COUNT' && l.value.arg?.type === 'DOUBLE',
    }));
    const picked = choosePrefix(candidates, stats, costs);
    for (const id of picked) chosen.add(id);
    const all = new Set(candidates.filter((x) => x.prefixable).map((x) => x.id));
    low.choices.push({ relation: stats.relation, prefix: [...picked], costs: { prefix: estimateCost(candidates, all, stats, costs), join: estimateCost(candidates, new Set(), stats, costs), chosen: estimateCost(candidates, picked, stats, costs) } });
  }
  return chosen;
}

/** What statistics chose for one relation and keys: the lookups read from running totals and the estimated costs. */
export interface AggregateChoice {
  readonly relation: string;
  /** Ids of the lookups read from running totals (the others of the relation join). */
  readonly prefix: readonly string[];
  /** Estimated costs: every prefixable lookup from running totals, every one joined, and the choice. */
  readonly costs: { readonly prefix: number; readonly join: number; readonly chosen: number };
}

/** The choices `lowerTraining` / `lowerSpine` make with these statistics (benchmarks, tests). */
export function aggregateChoices(plan: TrainingPlan | SpinePlan, dialect: Dialect, statistics: readonly RelationStatistics[]): AggregateChoice[] {
  const low = new Lowering(dialect, {});
  low.manyTimes = true;
  low.statistics = statistics;
  low.spineKeyNames = plan.spine.keys.map((k) => k.name);
  const needTime = (l: Lookup) => l.ttlSeconds !== undefined;
  if (dialect.strategies.aggregate === 'prefix') chosenPrefix(low, plan.lookups, (l) => prefixable(l) && !needTime(l), (l) => !needTime(l) && frameable(l, dialect));
  return low.choices;
}

function lookupStage(low: Lowering, spineCte: string, lookups: readonly Lookup[], needTime: (l: Lookup) => boolean): LookupStage {
  const d = low.dialect;
  const ctes: { name: string; q: SqlQuery; materialized?: boolean }[] = [];
  const timeColumn = new Map<string, string>();
  const firstItems: SqlSelectItem[] = [{ e: { k: 'star', table: S } }];
  const secondItems: SqlSelectItem[] = [];
  const joins: SqlJoin[] = [];
  const keysOn = (l: Lookup, alias: string) => l.spineKeys.map((k, i) => bin('=', col(low.spineKey(k), S), col(key(i), alias)));
  const isCount = (l: Lookup) => l.value.kind === 'aggregate' && l.value.fn === 'COUNT';

  // With the prefix strategy, windowed COUNT / SUM / AVG of a spine of many times read running totals;
  // the other aggregates keep the range join.
  const usePrefix = d.strategies.aggregate === 'prefix' && low.manyTimes && low.onlyKeys === undefined;
  // Those lookups share one table of running totals per relation and keys, whatever their WHERE, window or AS OF.
  const eligible = (l: Lookup) => usePrefix && prefixable(l) && !needTime(l);
  // With statistics of the data, per lookup group: running totals or the range join, whichever is estimated cheaper.
  const chosen = usePrefix ? chosenPrefix(low, lookups, eligible, (l) => low.manyTimes && low.onlyKeys === undefined && !needTime(l) && frameable(l, d)) : undefined;
  const isPrefix = (l: Lookup) => eligible(l) && (chosen === undefined || chosen.has(l.id));
  const prefixGroups = new Map<string, Lookup[]>();
  for (const l of lookups.filter(isPrefix)) {
    const k = JSON.stringify([l.access, l.spineKeys]);
    const group = prefixGroups.get(k);
    if (group) group.push(l);
    else prefixGroups.set(k, [l]);
  }
  // Windowed MIN / MAX (and COUNT(DISTINCT) where the engine has DISTINCT window aggregates) of a spine of many
  // times: window frames over rows ∪ spine per relation and keys (src/sql/lower-frames.ts), not a range join.
  const isFrame = (l: Lookup) => low.manyTimes && low.onlyKeys === undefined && !isPrefix(l) && !needTime(l) && frameable(l, d);
  const frameGroups = new Map<string, Lookup[]>();
  for (const l of lookups.filter(isFrame)) {
    const k = JSON.stringify([l.access, l.spineKeys]);
    const group = frameGroups.get(k);
    if (group) group.push(l);
    else frameGroups.set(k, [l]);
  }
  // COUNT(DISTINCT) where the dialect probes it per spine row (SQLite): a correlated subquery each.
  const isProbe = (l: Lookup) => low.manyTimes && low.onlyKeys === undefined && !isPrefix(l) && !isFrame(l) && !needTime(l) && probedDistinct(l, d);
  // One time for every key of an entity spine (where the engine joins rather than probes): each relation is read once, grouped by key.
  const oneTime = low.oneTime !== undefined && d.strategies.aggregate !== 'correlated' ? low.oneTime : undefined;
  if (oneTime) oneTimeLookups(low, lookups, oneTime, needTime, { ctes, joins, firstItems, keysOn, timeColumn });
  const groups = oneTime
    ? []
    : [
        ...[...prefixGroups.values()].map((group) => ({ group, prefix: true, frames: false, probe: false })),
        ...[...frameGroups.values()].map((group) => ({ group, prefix: false, frames: true, probe: false })),
        ...lookups.filter(isProbe).map((l) => ({ group: [l], prefix: false, frames: false, probe: true })),
        ...groupLookups(lookups.filter((l) => !isPrefix(l) && !isFrame(l) && !isProbe(l)), d.strategies.aggregate === 'lateral' || d.strategies.foldWhere === true).map((group) => ({ group, prefix: false, frames: false, probe: false })),
      ];

  groups.forEach(({ group, prefix, frames, probe }, gi) => {
    const first = group[0]!;
    const a = first.access;
    const g = `__g${gi + 1}`;

    if (prefix) {
      prefixAggregates(low, group, g, spineCte, { ctes, joins, firstItems, keysOn });
      return;
    }
    if (frames) {
      framedAggregates(low, group, g, spineCte, { ctes, joins, firstItems });
      return;
    }
    if (probe) {
      firstItems.push(...low.correlatedFirst(first, false));
      return;
    }

    if (first.kind === 'latest' && a.eventTime) {
      if (d.strategies.latest === 'correlated') {
        // One probe for the latest time, then one per value at that time.
        firstItems.push(...low.correlatedFirst(first, true).map((it) => ({ ...it, alias: `${g}__time` })));
        for (const l of group) {
          timeColumn.set(l.id, `${g}__time`);
          secondItems.push(...low.correlatedSecond(l, '__st', `${g}__time`));
        }
        return;
      }
      const name = `${g}_rows`;
      ctes.push({ name, q: low.winners(group) });
      const alias = `${g}_j`;
      if (d.strategies.latest === 'asof') {
        joins.push({ type: 'ASOF LEFT', from: { k: 'table', name, alias }, on: and(...keysOn(first, alias), bin(first.strictlyBefore ? '>' : '>=', low.availableBy(a, col('__t', S)), col('__e', alias)))! });
      } else {
        // Window strategy: interleave event rows and spine rows by time; each spine row takes the last event time before it
        // (events at its time sort before it, side 0, or after it with AS OF < t, side 2; spine times moved back by the delay).
        const lastName = `${g}_last`;
        const eventsSide: SqlSelect = {
          k: 'select',
          items: [...first.spineKeys.map((_k, i) => ({ e: col(key(i)), alias: key(i) })), { e: col('__e'), alias: '__t' }, { e: int(first.strictlyBefore ? 2 : 0), alias: '__side' }, { e: lit(null, 'INTEGER'), alias: '__rid' }, { e: col('__e'), alias: '__e' }],
          from: { k: 'table', name },
        };
        const spineSide: SqlSelect = {
          k: 'select',
          items: [...first.spineKeys.map((k, i) => ({ e: col(low.spineKey(k)), alias: key(i) })), { e: low.availableBy(a, col('__t')), alias: '__t' }, { e: int(1), alias: '__side' }, { e: col('__rid'), alias: '__rid' }, { e: lit(null, 'TIMESTAMP'), alias: '__e' }],
          from: { k: 'table', name: spineCte },
        };
        const running: SqlSelect = {
          k: 'select',
          items: [
            { e: col('__side') },
            { e: col('__rid') },
            {
              e: { k: 'running_max', e: col('__e'), partitionBy: first.spineKeys.map((_k, i) => col(key(i))), orderBy: [{ e: col('__t'), desc: false, nulls: 'first' }, { e: col('__side'), desc: false, nulls: 'first' }] },
              alias: '__last',
            },
          ],
          from: { k: 'derived', q: { k: 'union', all: true, parts: [eventsSide, spineSide] }, alias: '__u' },
        };
        ctes.push({ name: lastName, q: { k: 'select', items: [{ e: col('__rid') }, { e: col('__last') }], from: { k: 'derived', q: running, alias: '__r' }, where: bin('=', col('__side'), int(1)) } });
        const lastAlias = `${g}_l`;
        joins.push({ type: 'LEFT', from: { k: 'table', name: lastName, alias: lastAlias }, on: bin('=', col('__rid', lastAlias), col('__rid', S)) });
        joins.push({ type: 'LEFT', from: { k: 'table', name, alias }, on: and(...keysOn(first, alias), bin('=', col('__e', alias), col('__last', lastAlias)))! });
      }
      firstItems.push({ e: col('__e', alias), alias: `${g}__time` });
      for (const l of group) {
        firstItems.push({ e: col(`__v_${l.id}`, alias), alias: l.id });
        timeColumn.set(l.id, `${g}__time`);
      }
      return;
    }

    if (first.kind === 'aggregate' && d.strategies.aggregate !== 'correlated') {
      // One range join for the group, reaching back as far as the widest window;
      // each aggregate counts only the rows inside its own window.
      const widest = group.some((l) => l.windowSeconds === undefined) || !a.eventTime ? undefined : Math.max(...group.map((l) => l.windowSeconds!));
      // A group of several WHEREs (`lateral`, or `join` with `strategies.foldWhere`) reads the rows of any of them; each aggregate keeps its own with CASE WHEN.
      const sameWhere = group.every((l) => JSON.stringify(l.where ?? null, (key, value) => (key === 'span' ? undefined : value)) === JSON.stringify(first.where ?? null, (key, value) => (key === 'span' ? undefined : value)));
      const reach: Lookup = { ...first, windowSeconds: widest as number, ...(sameWhere ? {} : { where: undefined }) };
      const name = `${g}_agg`;
      // `lateral`: the group's aggregates per spine row, in a subquery reading that row (no GROUP BY: one row each).
      const lateral = d.strategies.aggregate === 'lateral';
      const items: SqlSelectItem[] = lateral ? [] : [{ e: col('__rid', S), alias: '__rid' }];
      for (const l of group) {
        const window = a.eventTime && l.windowSeconds !== undefined && l.windowSeconds !== widest ? bin('>', low.eventTime(a), minus(low.availableBy(a, col('__t', S)), l.windowSeconds)) : undefined;
        const inWindow = sameWhere || !l.where ? window : and(lowerExpr(l.where), window);
        items.push({ e: low.windowed(l, inWindow), alias: `__v_${l.id}` });
        if (a.eventTime && needTime(l)) {
          const t = low.eventTime(a);
          items.push({ e: { k: 'agg', fn: 'MAX', distinct: false, arg: inWindow ? caseWhen([{ when: inWindow, then: t }]) : t, type: 'TIMESTAMP' }, alias: `__e_${l.id}` });
        }
      }
      const alias = `${g}_j`;
      if (lateral) {
        joins.push({ type: 'LEFT', lateral: true, from: { k: 'derived', q: { k: 'select', items, from: { k: 'table', name: a.relation }, where: low.visible(reach, S, 'window') }, alias }, on: lit(true, 'BOOLEAN') });
      } else {
        ctes.push({
          name,
          q: {
            k: 'select',
            items,
            from: { k: 'table', name: spineCte, alias: S },
            joins: [{ type: 'INNER', from: { k: 'table', name: a.relation }, on: low.visible(reach, S, 'window'), ...(low.onlyKeys !== undefined ? { leftDrives: true } : {}) }],
            // `mergeJoinHint` (Spark): shuffled by key, grouped by key too (the row decides it), so the pairs stay where they are.
            ...(d.mergeJoinHint && low.onlyKeys === undefined && first.spineKeys.length > 0
              ? { mergeJoin: [S], groupBy: [...first.spineKeys.map((k) => col(low.spineKey(k), S)), col('__rid', S)] }
              : { groupBy: [col('__rid', S)] }),
          },
        });
        joins.push({ type: 'LEFT', from: { k: 'table', name, alias }, on: bin('=', col('__rid', alias), col('__rid', S)) });
      }
      for (const l of group) {
        const v = col(`__v_${l.id}`, alias);
        firstItems.push({ e: isCount(l) ? fn('COALESCE', v, int(0)) : v, alias: l.id });
        if (a.eventTime && needTime(l)) {
          firstItems.push({ e: col(`__e_${l.id}`, alias), alias: `${l.id}__time` });
          timeColumn.set(l.id, `${l.id}__time`);
        }
      }
      return;
    }

    if (first.kind === 'latest' && d.strategies.latest !== 'correlated') {
      // Dimension latest with a join strategy: the winning row per key, once for the group.
      const name = `${g}_dim`;
      ctes.push({ name, q: low.winners(group) });
      const alias = `${g}_j`;
      joins.push({ type: 'LEFT', from: { k: 'table', name, alias }, on: and(...keysOn(first, alias))! });
      for (const l of group) firstItems.push({ e: col(`__v_${l.id}`, alias), alias: l.id });
      return;
    }

    // Correlated subqueries, one per lookup (SQLite answers each with an index probe).
    for (const l of group) {
      firstItems.push(...low.correlatedFirst(l, needTime(l)));
      if (l.kind === 'aggregate' && a.eventTime && needTime(l)) timeColumn.set(l.id, `${l.id}__time`);
    }
  });

  // The stages' columns hold correlated subqueries that later steps read several
  // times (a latest time in its TTL test and as the status time, a one-hot value
  // once per category): materialized, each is evaluated once per spine row.
  ctes.push({ name: '__stage1', q: { k: 'select', items: firstItems, from: { k: 'table', name: spineCte, alias: S }, joins }, materialized: true });
  if (secondItems.length === 0) return { ctes, result: '__stage1', timeColumn };
  ctes.push({
    name: '__stage2',
    materialized: true,
    q: { k: 'select', items: [{ e: { k: 'star', table: '__st' } }, ...secondItems], from: { k: 'table', name: '__stage1', alias: '__st' } },
  });
  return { ctes, result: '__stage2', timeColumn };
}

/**
 * Every lookup of a spine of one time `t` holding every key (a whole
 * materialize, a fit): each is one pass over its relation grouped by key,
 * LEFT JOINed to the spine on the keys — no probe, range join or window per
 * key (docs/targets.md, "One time for every key"). Per relation and keys:
 *
 *   aggregates  one grouped scan of the rows up to t (back to the widest
 *               window when every aggregate has one); each aggregate keeps
 *               only its own rows with `CASE WHEN <its WHERE, window, AS OF
 *               bound> THEN x END` (COUNT(*) counts a 1), the time of its rows
 *               is MAX(CASE … THEN event time END)
 *   latest      per WHERE: the newest event time per key up to t, then the
 *               rows of the key at that time, the first in tie order
 *               (ROW_NUMBER … = 1): one row, every value read from it
 *   dimension   per WHERE: the first row per key in tie order
 *
 * The values are those of the per-key plans: the same rows are visible (keys
 * equal, WHERE true, time bounds against `t` moved back by the relation's
 * AVAILABLE delay), and an aggregate over a key's CASE-filtered rows equals
 * the aggregate over the rows it filters (NULLs are skipped by every aggregate).
 */
function oneTimeLookups(
  low: Lowering,
  lookups: readonly Lookup[],
  t: SqlExpr,
  needTime: (l: Lookup) => boolean,
  out: { ctes: { name: string; q: SqlQuery; materialized?: boolean }[]; joins: SqlJoin[]; firstItems: SqlSelectItem[]; keysOn: (l: Lookup, alias: string) => SqlExpr[]; timeColumn: Map<string, string> },
): void {
  const groupBy = (ls: readonly Lookup[], by: (l: Lookup) => unknown): Lookup[][] => {
    const groups = new Map<string, Lookup[]>();
    for (const l of ls) {
      const k = JSON.stringify(by(l), (key, value) => (key === 'span' ? undefined : value));
      const g = groups.get(k);
      if (g) g.push(l);
      else groups.set(k, [l]);
    }
    return [...groups.values()];
  };
  const aggregates = groupBy(
    lookups.filter((l) => l.kind === 'aggregate'),
    (l) => [l.access, l.spineKeys],
  );
  const latest = groupBy(
    lookups.filter((l) => l.kind === 'latest'),
    (l) => [l.access, l.spineKeys, l.where ?? null, l.strictlyBefore ?? false],
  );
  let n = 0;
  const where = (l: Lookup) => (l.where ? lowerExpr(l.where) : undefined);
  const timeNames = new Map<string, string>();

  for (const group of aggregates) {
    const g = `__o${++n}`;
    const first = group[0]!;
    const a = first.access;
    const rel = a.relation;
    const keys = a.keyColumns.map((c) => col(c, rel));
    const end = a.eventTime ? low.availableBy(a, t) : undefined;
    // The scan: rows up to t (before t when every aggregate is AS OF < t), back to the widest window when each has one;
    // a WHERE shared by every aggregate filters the scan, others are folded into each aggregate.
    const sameWhere = group.every((l) => JSON.stringify(l.where ?? null) === JSON.stringify(first.where ?? null));
    const allStrict = group.every((l) => l.strictlyBefore === true);
    const widest = group.some((l) => l.windowSeconds === undefined) ? undefined : Math.max(...group.map((l) => l.windowSeconds!));
    const scanWhere = and(
      ...keys.map((k) => isNull(k, true)),
      sameWhere ? where(first) : undefined,
      end ? bin(allStrict ? '<' : '<=', low.eventTime(a), end) : undefined,
      end && widest !== undefined ? bin('>', low.eventTime(a), minus(end, widest)) : undefined,
    );
    const items: SqlSelectItem[] = keys.map((k, i) => ({ e: k, alias: key(i) }));
    // Each distinct aggregate once (several features often share one: the time of their rows, a COUNT(*)).
    const known = new Map<string, string>();
    const aggregate = (e: SqlExpr): string => {
      const id = JSON.stringify(e);
      let name = known.get(id);
      if (name === undefined) {
        name = `__a${known.size + 1}`;
        known.set(id, name);
        items.push({ e, alias: name });
      }
      return name;
    };
    const alias = `${g}_j`;
    const values: { l: Lookup; value: string; time: SqlExpr | undefined }[] = [];
    for (const l of group) {
      const window = end && l.windowSeconds !== undefined && l.windowSeconds !== widest ? bin('>', low.eventTime(a), minus(end, l.windowSeconds)) : undefined;
      const filter = and(sameWhere ? undefined : where(l), end && l.strictlyBefore && !allStrict ? bin('<', low.eventTime(a), end) : undefined);
      const own = and(filter, window);
      const value = aggregate(low.windowed(l, own));
      let time: SqlExpr | undefined;
      if (end && needTime(l)) {
        const e = low.eventTime(a);
        if (filter) time = col(aggregate({ k: 'agg', fn: 'MAX', distinct: false, arg: caseWhen([{ when: own!, then: e }]), type: 'TIMESTAMP' }), alias);
        else {
          // The newest row of a narrower window is the newest row scanned, when that one is inside the window.
          const newest = col(aggregate({ k: 'agg', fn: 'MAX', distinct: false, arg: e, type: 'TIMESTAMP' }), alias);
          time = window ? caseWhen([{ when: bin('>', newest, minus(end, l.windowSeconds!)), then: newest }]) : newest;
        }
      }
      values.push({ l, value, time });
    }
    out.ctes.push({ name: g, q: { k: 'select', items, from: { k: 'table', name: rel }, ...(scanWhere ? { where: scanWhere } : {}), groupBy: keys }, materialized: true });
    out.joins.push({ type: 'LEFT', from: { k: 'table', name: g, alias }, on: and(...out.keysOn(first, alias))! });
    for (const { l, value, time } of values) {
      const v = col(value, alias);
      const isCount = l.value.kind === 'aggregate' && l.value.fn === 'COUNT';
      out.firstItems.push({ e: isCount ? fn('COALESCE', v, int(0)) : v, alias: l.id });
      if (time) {
        // Lookups whose rows have one newest time read one column.
        const id = JSON.stringify(time);
        let name = timeNames.get(id);
        if (name === undefined) {
          name = `${l.id}__time`;
          timeNames.set(id, name);
          out.firstItems.push({ e: time, alias: name });
        }
        out.timeColumn.set(l.id, name);
      }
    }
  }

  for (const group of latest) {
    const g = `__o${++n}`;
    const first = group[0]!;
    const a = first.access;
    const rel = a.relation;
    const keys = a.keyColumns.map((c) => col(c, rel));
    const alias = `${g}_j`;
    if (!a.eventTime) {
      // A dimension: the winning row per key.
      out.ctes.push({ name: g, q: low.winners(group), materialized: true });
      out.joins.push({ type: 'LEFT', from: { k: 'table', name: g, alias }, on: and(...out.keysOn(first, alias))! });
      for (const l of group) out.firstItems.push({ e: col(`__v_${l.id}`, alias), alias: l.id });
      continue;
    }
    // The newest event time per key (the column as stored, so that the join back can use the (key, time) index) …
    const raw = col(a.eventTime.column, rel);
    out.ctes.push({
      name: `${g}_max`,
      q: {
        k: 'select',
        items: [...keys.map((k, i) => ({ e: k, alias: key(i) })), { e: { k: 'agg', fn: 'MAX', distinct: false, arg: raw, type: a.eventTime.type }, alias: '__er' }],
        from: { k: 'table', name: rel },
        where: and(...keys.map((k) => isNull(k, true)), where(first), bin(first.strictlyBefore ? '<' : '<=', low.eventTime(a), low.availableBy(a, t)))!,
        groupBy: keys,
      },
      materialized: true,
    });
    // … then the key's rows at that time, the first in tie order.
    const m = `${g}_m`;
    const ranked: SqlSelect = {
      k: 'select',
      items: [
        ...keys.map((_k, i) => ({ e: col(key(i), m), alias: key(i) })),
        { e: low.eventTime(a), alias: '__e' },
        ...group.map((l) => ({ e: lowerExpr(l.value), alias: `__v_${l.id}` })),
        { e: { k: 'row_number', partitionBy: keys.map((_k, i) => col(key(i), m)), orderBy: low.tieOrder(first) }, alias: '__n' },
      ],
      from: { k: 'table', name: `${g}_max`, alias: m },
      joins: [{ type: 'INNER', from: { k: 'table', name: rel }, on: and(...keys.map((k, i) => bin('=', k, col(key(i), m))), bin('=', raw, col('__er', m)), where(first))! }],
    };
    out.ctes.push({
      name: g,
      q: { k: 'select', items: [...keys.map((_k, i) => ({ e: col(key(i)) })), { e: col('__e') }, ...group.map((l) => ({ e: col(`__v_${l.id}`) }))], from: { k: 'derived', q: ranked, alias: '__ranked' }, where: bin('=', col('__n'), int(1)) },
      materialized: true,
    });
    out.joins.push({ type: 'LEFT', from: { k: 'table', name: g, alias }, on: and(...out.keysOn(first, alias))! });
    out.firstItems.push({ e: col('__e', alias), alias: `${g}__time` });
    for (const l of group) {
      out.firstItems.push({ e: col(`__v_${l.id}`, alias), alias: l.id });
      out.timeColumn.set(l.id, `${g}__time`);
    }
  }
}

/**
 * Whether a lookup can be read from running totals: COUNT(*), COUNT(x), and
 * SUM / AVG of an INTEGER or DOUBLE, without DISTINCT, over a relation with an
 * event time. MIN / MAX and COUNT(DISTINCT) take window frames where the
 * dialect has `strategies.frames` (lower-frames.ts), else the range join.
 */
function prefixable(l: Lookup): boolean {
  const v = l.value;
  if (l.kind !== 'aggregate' || v.kind !== 'aggregate' || v.distinct || !l.access.eventTime) return false;
  if (v.fn === 'COUNT') return true;
  return (v.fn === 'SUM' || v.fn === 'AVG') && v.arg !== undefined && (v.arg.type === 'INTEGER' || v.arg.type === 'DOUBLE');
}

const zero = (type: 'INTEGER' | 'DOUBLE'): SqlExpr => (type === 'INTEGER' ? int(0) : lit(0, 'DOUBLE'));

/**
 * Windowed COUNT / SUM / AVG at the cost of two probes per spine row
 * (docs/semantics.md §3, docs/targets.md "Windowed aggregates"). Every such
 * lookup over one relation and keys shares one table of running totals,
 * whatever its WHERE, window or `AS OF`:
 *
 *   __gN_run  per key and event time (ties summed once), running totals in
 *             time order of each distinct measure: COUNT(*), COUNT(x) and
 *             SUM(x), a lookup's WHERE folded in as `CASE WHEN where THEN x END`
 *   [__gN_lag, __gN_cum  for DOUBLE sums: the running total's rounding
 *             residuals, summed alongside (see below)]
 *
 * A window (t − w, t] of a spine row is then (total at the last time ≤ t) −
 * (total at the last time ≤ t − w): one probe at each end — an ASOF JOIN
 * where the engine has one, else a running maximum of the event time over
 * the time-sorted union of totals and spine probes, joined back on (key,
 * time). `AS OF < t` probes the end strictly (< t). Times are moved back by
 * the relation's AVAILABLE delay first. Empty windows: COUNT 0; SUM and AVG
 * NULL when no non-NULL value is in the window (the count of non-NULL values
 * is carried alongside the sum).
 *
 * INTEGER sums are exact (integer running totals). A DOUBLE running total h
 * loses low-order bits as it grows, and h(end) − h(start) would then carry an
 * error proportional to the key's whole history rather than to the window. So
 * each step's exact rounding error is recovered (Knuth's TwoSum of the
 * previous total and the step's sum, minus the total the engine kept) and the
 * errors are summed in a second running total r: h + r is the exact prefix
 * sum to within ~n·ε² of it, and (h_e − h_s) + (r_e − r_s) the window's sum as
 * accurately as summing the window's rows directly.
 */
function prefixAggregates(
  low: Lowering,
  group: readonly Lookup[],
  g: string,
  spineCte: string,
  out: { ctes: { name: string; q: SqlQuery; materialized?: boolean }[]; joins: SqlJoin[]; firstItems: SqlSelectItem[]; keysOn: (l: Lookup, alias: string) => SqlExpr[] },
): void {
  const first = group[0]!;
  const a = first.access;
  const rel = a.relation;
  const relKeys = a.keyColumns.map((c) => col(c, rel));
  const part = a.keyColumns.map((_c, i) => col(key(i)));
  const byTime: SqlOrder[] = [{ e: col('__e'), desc: false, nulls: 'first' }];

  // The distinct measures, each one running total: COUNT of rows or values, SUM of values, a WHERE folded in.
  // The totals are read per key and time in one grouped query: the window runs over the groups.
  const relTime = low.eventTime(a);
  const running = (e: SqlExpr): SqlExpr => ({ k: 'running_sum', e, partitionBy: relKeys, orderBy: [{ e: relTime, desc: false, nulls: 'first' }] });
  const runItems: SqlSelectItem[] = [...relKeys.map((k, i) => ({ e: k, alias: key(i) })), { e: relTime, alias: '__e' }];
  const runColumns = [...part.map((_e, i) => key(i)), '__e'];
  const measures = new Map<string, string>();
  const doubles: string[] = [];
  const measure = (kind: 'count' | 'sum', arg: SqlExpr | undefined, type: 'INTEGER' | 'DOUBLE', where: SqlExpr | undefined): string => {
    const id = JSON.stringify([kind, arg ?? null, where ?? null]);
    const known = measures.get(id);
    if (known) return known;
    const name = `__m${measures.size + 1}`;
    measures.set(id, name);
    const value = where ? caseWhen([{ when: where, then: arg ?? int(1) }]) : arg;
    if (kind === 'count') {
      runItems.push({ e: running(value ? { k: 'agg', fn: 'COUNT', distinct: false, arg: value, type: 'INTEGER' } : { k: 'agg', fn: 'COUNT', distinct: false, type: 'INTEGER' }), alias: name });
      runColumns.push(name);
      return name;
    }
    // A time whose values are all NULL adds 0: the running total is never NULL (the counts say when the sum is).
    const step = fn('COALESCE', { k: 'agg', fn: 'SUM', distinct: false, arg: value!, type }, zero(type));
    runItems.push({ e: running(step), alias: name });
    runColumns.push(name);
    if (type === 'DOUBLE') {
      runItems.push({ e: step, alias: `${name}_x` });
      runColumns.push(`${name}_x`);
      doubles.push(name);
    }
    return name;
  };
  const plan = group.map((l) => {
    const v = l.value as Extract<Lookup['value'], { kind: 'aggregate' }>;
    const where = l.where ? lowerExpr(l.where) : undefined;
    const arg = v.arg ? lowerExpr(v.arg) : undefined;
    const type: 'INTEGER' | 'DOUBLE' = v.arg?.type === 'INTEGER' ? 'INTEGER' : 'DOUBLE';
    const count = measure('count', arg, 'INTEGER', where);
    const sum = v.fn === 'COUNT' ? undefined : measure('sum', arg, type, where);
    return { l, fn: v.fn, type, count, sum };
  });
  const keysKnown = and(...relKeys.map((k) => isNull(k, true)));
  // Read by several probes: computed once (SQLite would otherwise inline a CTE into each reference).
  out.ctes.push({ name: `${g}_run`, q: { k: 'select', items: runItems, from: { k: 'table', name: rel }, ...(keysKnown ? { where: keysKnown } : {}), groupBy: [...relKeys, relTime] }, materialized: true });
  let totals = `${g}_run`;
  if (doubles.length > 0) {
    // The previous running total (0 before the first step), then the running sum of each step's rounding residual.
    const lagItems: SqlSelectItem[] = [
      ...runColumns.map((c) => ({ e: col(c) })),
      ...doubles.map((m) => ({ e: fn('COALESCE', { k: 'lag', e: col(m), partitionBy: part, orderBy: byTime }, zero('DOUBLE')), alias: `${m}_p` })),
    ];
    out.ctes.push({ name: `${g}_lag`, q: { k: 'select', items: lagItems, from: { k: 'table', name: `${g}_run` } } });
    const residual = (m: string): SqlExpr => {
      const p = col(`${m}_p`);
      const x = col(`${m}_x`);
      const h = col(m);
      // TwoSum(p, x): p + x is exactly s + e1; the engine kept h for s, so the step's error is (s − h) + e1.
      const s = bin('+', p, x);
      const bb = bin('-', s, p);
      const e1 = bin('+', bin('-', p, bin('-', s, bb)), bin('-', x, bb));
      return bin('+', bin('-', s, h), e1);
    };
    const cumItems: SqlSelectItem[] = [...runColumns.map((c) => ({ e: col(c) })), ...doubles.map((m) => ({ e: { k: 'running_sum', e: residual(m), partitionBy: part, orderBy: byTime } as SqlExpr, alias: `${m}_r` }))];
    out.ctes.push({ name: `${g}_cum`, q: { k: 'select', items: cumItems, from: { k: 'table', name: `${g}_lag` } }, materialized: true });
    totals = `${g}_cum`;
  }

  // The probes, each once: a window's end (before it, for AS OF < t) and its start for each window length.
  const end = (spine?: string) => low.availableBy(a, col('__t', spine));
  const probes: { key: string; at: (spine?: string) => SqlExpr; strict: boolean }[] = [];
  const probe = (offset: number, strict: boolean): number => {
    const k = `${offset}:${strict}`;
    const i = probes.findIndex((p) => p.key === k);
    if (i >= 0) return i;
    probes.push({ key: k, at: (spine?: string) => (offset === 0 ? end(spine) : minus(end(spine), offset)), strict });
    return probes.length - 1;
  };
  const ends = plan.map(({ l }) => probe(0, l.strictlyBefore === true));
  const starts = plan.map(({ l }) => (l.windowSeconds === undefined ? undefined : probe(l.windowSeconds, false)));
  const aliases = probes.map((_p, i) => `${g}_p${i}`);
  if (low.dialect.capabilities.asofJoin) {
    probes.forEach((p, i) => {
      const alias = aliases[i]!;
      out.joins.push({ type: 'ASOF LEFT', from: { k: 'table', name: totals, alias }, on: and(...out.keysOn(first, alias), bin(p.strict ? '>' : '>=', p.at(S), col('__e', alias)))! });
    });
  } else {
    // Each probe takes the last event time at or before it (before it, when strict): probes sort after the
    // totals of their time (side 1), or before them (side −1); then the totals at that time, joined on (key, time).
    const eventsSide: SqlSelect = {
      k: 'select',
      items: [...part.map((e, i) => ({ e, alias: key(i) })), { e: col('__e'), alias: '__t' }, { e: int(0), alias: '__side' }, { e: lit(null, 'INTEGER'), alias: '__rid' }, { e: lit(null, 'INTEGER'), alias: '__p' }, { e: col('__e'), alias: '__e' }],
      from: { k: 'table', name: totals },
    };
    const spineSides: SqlSelect[] = probes.map((p, i) => ({
      k: 'select',
      items: [
        ...first.spineKeys.map((k, j) => ({ e: col(low.spineKey(k)), alias: key(j) })),
        { e: p.at(), alias: '__t' },
        { e: int(p.strict ? -1 : 1), alias: '__side' },
        { e: col('__rid'), alias: '__rid' },
        { e: int(i), alias: '__p' },
        { e: lit(null, 'TIMESTAMP'), alias: '__e' },
      ],
      from: { k: 'table', name: spineCte },
    }));
    const last: SqlSelect = {
      k: 'select',
      items: [
        { e: col('__side') },
        { e: col('__rid') },
        { e: col('__p') },
        { e: { k: 'running_max', e: col('__e'), partitionBy: part, orderBy: [{ e: col('__t'), desc: false, nulls: 'first' }, { e: col('__side'), desc: false, nulls: 'first' }] }, alias: '__last' },
      ],
      from: { k: 'derived', q: { k: 'union', all: true, parts: [eventsSide, ...spineSides] }, alias: '__u' },
    };
    const lastName = `${g}_last`;
    out.ctes.push({ name: lastName, q: { k: 'select', items: [{ e: col('__rid') }, { e: col('__p') }, { e: col('__last') }], from: { k: 'derived', q: last, alias: '__r' }, where: bin('<>', col('__side'), int(0)) }, materialized: true });
    probes.forEach((_p, i) => {
      const l = `${g}_l${i}`;
      out.joins.push({ type: 'LEFT', from: { k: 'table', name: lastName, alias: l }, on: and(bin('=', col('__rid', l), col('__rid', S)), bin('=', col('__p', l), int(i)))! });
      out.joins.push({ type: 'LEFT', from: { k: 'table', name: totals, alias: aliases[i]! }, on: and(...out.keysOn(first, aliases[i]!), bin('=', col('__e', aliases[i]!), col('__last', l)))! });
    });
  }

  // Values: (total at the end) − (total at the start), a missing probe counting as 0.
  plan.forEach(({ l, fn: f, type, count, sum }, i) => {
    const endAlias = aliases[ends[i]!]!;
    const startAlias = starts[i] === undefined ? undefined : aliases[starts[i]!]!;
    const at = (alias: string, column: string, t: 'INTEGER' | 'DOUBLE') => fn('COALESCE', col(column, alias), zero(t));
    const diff = (column: string, t: 'INTEGER' | 'DOUBLE' = 'INTEGER') => (startAlias ? bin('-', at(endAlias, column, t), at(startAlias, column, t)) : at(endAlias, column, t));
    const n = diff(count);
    if (f === 'COUNT') {
      out.firstItems.push({ e: { k: 'as_type', e: n, type: 'INTEGER' }, alias: l.id });
      return;
    }
    const total = type === 'INTEGER' ? diff(sum!) : bin('+', diff(sum!, 'DOUBLE'), diff(`${sum!}_r`, 'DOUBLE'));
    const value = f === 'SUM' ? total : bin('/', type === 'INTEGER' ? { k: 'cast', e: total, from: 'INTEGER', to: 'DOUBLE' } : total, n);
    out.firstItems.push({ e: caseWhen([{ when: bin('>', n, int(0)), then: value }]), alias: l.id });
  });
}

/** The event time of the rows a lookup used, or a typed NULL when it has none. */
function timeOf(stage: LookupStage, l: Lookup, from: string): SqlExpr {
  const c = stage.timeColumn.get(l.id);
  return c ? col(c, from) : lit(null, 'TIMESTAMP');
}

export function lowerTraining(plan: TrainingPlan, dialect: Dialect, times: TimeBindings = {}, statistics?: readonly RelationStatistics[]): SqlStatement {
  const low = new Lowering(dialect, times);
  low.manyTimes = true;
  low.statistics = statistics;
  low.spineKeyNames = plan.spine.keys.map((k) => k.name);
  const stage = lookupStage(low, '__spine', plan.lookups, (l) => l.ttlSeconds !== undefined);
  const r = '__r';
  const s = plan.spine;
  const items: SqlSelectItem[] = [
    ...s.keys.map((k, i) => ({ e: col(key(i), r), alias: k.name })),
    ...(s.time.kind === 'column' ? [{ e: col('__t', r), alias: s.time.output }] : []),
    ...plan.transforms.flatMap((t, i) => transformItems(t, plan.lookups[i]!, r, timeOf(stage, plan.lookups[i]!, r))),
    { e: col('__label', r), alias: s.label.name },
  ];
  const order: SqlOrder[] = [{ e: col('__rid', r), desc: false, nulls: 'first' }];
  return {
    k: 'query',
    q: {
      k: 'select',
      with: [{ name: '__spine', q: low.labelSpine(s) }, ...stage.ctes],
      items,
      from: { k: 'table', name: stage.result, alias: r },
      orderBy: order,
    },
  };
}

/** The rows of an ad-hoc spine, from the table they were loaded into: keys, time (as a TIMESTAMP) and position as `__rid`. */
function rowsSpine(s: RowsSpine): SqlSelect {
  const t = col(s.time.column, s.table);
  return {
    k: 'select',
    items: [...s.keys.map((k, i) => ({ e: col(k.column, s.table), alias: key(i) })), { e: s.time.type === 'DATE' ? { k: 'date_to_timestamp', e: t } : t, alias: '__t' }, { e: col(s.rowColumn, s.table), alias: '__rid' }],
    from: { k: 'table', name: s.table },
  };
}

/** An ad-hoc spine's rows with their features, in the spine's order: a training set's lookups and transforms over given rows. */
export function lowerSpine(plan: SpinePlan, dialect: Dialect, statistics?: readonly RelationStatistics[]): SqlStatement {
  const low = new Lowering(dialect, {});
  low.manyTimes = true;
  low.statistics = statistics;
  low.spineKeyNames = plan.spine.keys.map((k) => k.name);
  const stage = lookupStage(low, '__spine', plan.lookups, (l) => l.ttlSeconds !== undefined);
  const r = '__r';
  const items: SqlSelectItem[] = [
    ...plan.spine.keys.map((k, i) => ({ e: col(key(i), r), alias: k.name })),
    { e: col('__t', r), alias: plan.spine.time.output },
    ...plan.transforms.flatMap((t, i) => transformItems(t, plan.lookups[i]!, r, timeOf(stage, plan.lookups[i]!, r))),
  ];
  return {
    k: 'query',
    q: {
      k: 'select',
      with: [{ name: '__spine', q: rowsSpine(plan.spine) }, ...stage.ctes],
      items,
      from: { k: 'table', name: stage.result, alias: r },
      orderBy: [{ e: col('__rid', r), desc: false, nulls: 'first' }],
    },
  };
}

/** A relation and keys whose statistics would choose between running totals and the range join (`lowerStatistics`). */
export interface StatisticsCandidate {
  readonly relation: string;
  readonly keyColumns: readonly string[];
  readonly spineKeys: readonly string[];
}

/**
 * The query of the statistics that choose, per lookup group, running totals
 * or the range join (src/sql/choose-aggregate.ts) for a training set or an
 * ad-hoc spine; undefined when the dialect has no cost constants or no
 * lookup could read running totals. One row per candidate (`__g`, its index):
 * the relation's rows with known keys (`__rows`), the spine's rows
 * (`__labels`), Σ over keys of spine rows × relation rows (`__pairs`, a
 * DOUBLE: it can leave the 64-bit range), the oldest and newest event time
 * (`__lo`, `__hi`). Each is one grouped scan of the relation by its keys (an
 * index scan on the `(key, time)` index) and one of the spine.
 */
export function lowerStatistics(plan: TrainingPlan | SpinePlan, dialect: Dialect, times: TimeBindings = {}): { statement: SqlStatement; candidates: StatisticsCandidate[] } | undefined {
  if (dialect.strategies.aggregate !== 'prefix' || dialect.strategies.aggregateCosts === undefined) return undefined;
  const low = new Lowering(dialect, times);
  low.spineKeyNames = plan.spine.keys.map((k) => k.name);
  const candidates: StatisticsCandidate[] = [];
  const accesses: RelationAccess[] = [];
  for (const l of plan.lookups) {
    if (!prefixable(l) || l.ttlSeconds !== undefined) continue;
    const c = { relation: l.access.relation, keyColumns: l.access.keyColumns, spineKeys: l.spineKeys };
    if (candidates.some((x) => JSON.stringify(x) === JSON.stringify(c))) continue;
    candidates.push(c);
    accesses.push(l.access);
  }
  if (candidates.length === 0) return undefined;
  const spine: SqlQuery = plan.kind === 'training' ? low.labelSpine(plan.spine) : rowsSpine(plan.spine);
  const ctes: { name: string; q: SqlQuery; materialized?: boolean }[] = [{ name: '__spine', q: spine, materialized: true }];
  const parts: SqlSelect[] = candidates.map((c, g) => {
    const a = accesses[g]!;
    const rel = a.relation;
    const keys = a.keyColumns.map((k) => col(k, rel));
    const known = and(...keys.map((k) => isNull(k, true)))!;
    const count: SqlExpr = { k: 'agg', fn: 'COUNT', distinct: false, type: 'INTEGER' };
    // One read of the relation (the `(key, time)` index covers it): rows and time range per key, then their totals.
    const perKeyName = `__rk${g}`;
    ctes.push({
      name: perKeyName,
      materialized: true,
      q: {
        k: 'select',
        items: [
          ...keys.map((k, i) => ({ e: k, alias: key(i) })),
          { e: count, alias: '__n' },
          { e: { k: 'agg', fn: 'MIN', distinct: false, arg: low.eventTime(a), type: 'TIMESTAMP' }, alias: '__lo' },
          { e: { k: 'agg', fn: 'MAX', distinct: false, arg: low.eventTime(a), type: 'TIMESTAMP' }, alias: '__hi' },
        ],
        from: { k: 'table', name: rel },
        where: known,
        groupBy: keys,
      },
    });
    const whole: SqlSelect = {
      k: 'select',
      items: [
        { e: { k: 'agg', fn: 'SUM', distinct: false, arg: col('__n'), type: 'INTEGER' }, alias: '__rows' },
        { e: { k: 'agg', fn: 'MIN', distinct: false, arg: col('__lo'), type: 'TIMESTAMP' }, alias: '__lo' },
        { e: { k: 'agg', fn: 'MAX', distinct: false, arg: col('__hi'), type: 'TIMESTAMP' }, alias: '__hi' },
      ],
      from: { k: 'table', name: perKeyName },
    };
    const perKey: SqlSelect = { k: 'select', items: [...keys.map((_k, i) => ({ e: col(key(i)) })), { e: col('__n') }], from: { k: 'table', name: perKeyName } };
    const spineKeys = c.spineKeys.map((k) => col(low.spineKey(k)));
    const perSpineKey: SqlSelect = { k: 'select', items: [...spineKeys.map((k, i) => ({ e: k, alias: key(i) })), { e: count, alias: '__n' }], from: { k: 'table', name: '__spine' }, groupBy: spineKeys };
    const pairs: SqlSelect = {
      k: 'select',
      items: [
        { e: { k: 'agg', fn: 'SUM', distinct: false, arg: bin('*', { k: 'cast', e: col('__n', '__c'), from: 'INTEGER', to: 'DOUBLE' }, col('__n', '__r')), type: 'DOUBLE' }, alias: '__pairs' },
        { e: { k: 'subquery', q: { k: 'select', items: [{ e: count }], from: { k: 'table', name: '__spine' } } }, alias: '__labels' },
      ],
      from: { k: 'derived', q: perSpineKey, alias: '__c' },
      joins: [{ type: 'INNER', from: { k: 'derived', q: perKey, alias: '__r' }, on: and(...keys.map((_k, i) => bin('=', col(key(i), '__c'), col(key(i), '__r'))))! }],
    };
    return {
      k: 'select',
      items: [{ e: int(g), alias: '__g' }, { e: col('__rows', '__w') }, { e: col('__labels', '__p') }, { e: col('__pairs', '__p') }, { e: col('__lo', '__w') }, { e: col('__hi', '__w') }],
      from: { k: 'derived', q: whole, alias: '__w' },
      joins: [{ type: 'INNER', from: { k: 'derived', q: pairs, alias: '__p' }, on: bin('=', int(1), int(1)) }],
    };
  });
  const body: SqlQuery = parts.length === 1 ? parts[0]! : { k: 'union', all: true, parts };
  const statement: SqlStatement = { k: 'query', q: { k: 'select', with: ctes, items: [{ e: { k: 'star' } }], from: { k: 'derived', q: body, alias: '__stats' } } };
  return { statement, candidates };
}

/**
 * A materialize statement. Its columns are the plan's, except the
 * `<lookup id>__time` columns named in `sameAs`: each is left out, equal to
 * the column named there (`runMaterialize` puts them back).
 */
export type MaterializeStatement = SqlStatement & { readonly sameAs: Readonly<Record<string, string>> };

export function lowerMaterialize(plan: MaterializePlan, dialect: Dialect, times: TimeBindings = {}, options: MaterializeOptions = {}): MaterializeStatement {
  const low = new Lowering(dialect, times, options.keys, options.parameters === true);
  low.spineKeyNames = plan.spine.keys.map((k) => k.name);
  if (options.keys === undefined) low.oneTime = low.time(plan.spine.time);
  const stage = lookupStage(low, '__spine', plan.lookups, () => true);
  const r = '__r';
  // A time several lookups share (one latest row, one newest event, a dimension's none) is one column:
  // every value crossing into the runtime costs, and these are a third of them.
  const timeColumns = new Map<string, string>();
  const sameAs: Record<string, string> = {};
  const items: SqlSelectItem[] = [
    ...plan.spine.keys.map((k, i) => ({ e: col(key(i), r), alias: k.name })),
    ...plan.transforms.flatMap((t, i) => {
      const l = plan.lookups[i]!;
      const time = timeOf(stage, l, r);
      const alias = `${l.id}__time`;
      const id = JSON.stringify(time);
      const shared = timeColumns.get(id);
      if (shared !== undefined) {
        sameAs[alias] = shared;
        return transformItems(t, l, r, time);
      }
      timeColumns.set(id, alias);
      return [...transformItems(t, l, r, time), { e: time, alias }];
    }),
  ];
  return {
    sameAs,
    k: 'query',
    q: {
      k: 'select',
      with: [{ name: '__spine', q: low.entitySpine(plan.spine) }, ...stage.ctes],
      items,
      from: { k: 'table', name: stage.result, alias: r },
      orderBy: [{ e: col('__rid', r), desc: false, nulls: 'first' }],
    },
  };
}

export function lowerFit(plan: FitPlan, dialect: Dialect, times: TimeBindings = {}): SqlStatement {
  const low = new Lowering(dialect, times);
  low.spineKeyNames = plan.spine.keys.map((k) => k.name);
  low.oneTime = low.time(plan.spine.time);
  const l = plan.lookup;
  const stage = lookupStage(low, '__spine', [l], (x) => x.ttlSeconds !== undefined);
  const r = '__r';
  let value: SqlExpr = col(l.id, r);
  if (l.ttlSeconds !== undefined && l.access.eventTime) {
    value = caseWhen([{ when: bin('>=', timeOf(stage, l, r), minus(col('__t', r), ttlReach(l))), then: value }], lit(null, l.rawType));
  }
  return {
    k: 'query',
    q: {
      k: 'select',
      with: [
        { name: '__spine', q: low.entitySpine(plan.spine) },
        ...stage.ctes,
        { name: '__values', q: { k: 'select', items: [{ e: value, alias: 'value' }], from: { k: 'table', name: stage.result, alias: r } } },
      ],
      items: [{ e: col('value') }, { e: { k: 'agg', fn: 'COUNT', distinct: false, type: 'INTEGER' }, alias: 'count' }],
      from: { k: 'table', name: '__values' },
      groupBy: [col('value')],
    },
  };
}

export function lowerSelect(q: TSelect): SqlSelect {
  return {
    k: 'select',
    distinct: q.distinct,
    items: q.items.map((it) => ({ e: lowerExpr(it.expr), alias: it.name })),
    from: { k: 'table', name: q.from.relation, alias: q.from.alias },
    joins: q.joins.map((j) => ({ type: j.type, from: { k: 'table', name: j.table.relation, alias: j.table.alias }, on: lowerExpr(j.on) })),
    ...(q.where ? { where: lowerExpr(q.where) } : {}),
    ...(q.groupBy.length > 0 ? { groupBy: q.groupBy.map((g) => lowerExpr(g)) } : {}),
    ...(q.having ? { having: lowerExpr(q.having) } : {}),
  };
}

export function lowerView(plan: ViewPlan): SqlStatement {
  return { k: 'create_view', name: plan.name, q: lowerSelect(plan.query) };
}

export { UnsupportedError };
