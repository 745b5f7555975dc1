/**
 * Running totals (`prefix`) or the range join (`join`) for the windowed
 * COUNT / SUM / AVG of a training set or ad-hoc spine, chosen from cheap
 * statistics of the data (docs/targets.md, "Choosing from statistics").
 *
 * The range join of a lookup group pairs every spine row with the rows of
 * its key (DuckDB's hash join pairs the key's rows, then filters on time;
 * SQLite range-scans the window's rows through the `(key, time)` index):
 * its cost grows with Σ_k labels_k × rows_k. Running totals cost a few sorts
 * of the relation plus two as-of probes per spine row and window length,
 * whatever the window or how busy a key is. The dialect supplies the cost
 * constants (`strategies.aggregateCosts`), measured on its engine; the
 * runtime supplies the statistics. The choice never changes a value: both
 * strategies compute the same aggregates (test/differential).
 */

/** Statistics of one relation read through given key columns, against the spine it is joined to. */
export interface RelationStatistics {
  readonly relation: string;
  /** The relation's key columns, in the lookup's order. */
  readonly keyColumns: readonly string[];
  /** The spine's key names they match. */
  readonly spineKeys: readonly string[];
  /** Rows of the relation with every key column non-NULL. */
  readonly rows: number;
  /** Rows of the spine (labels). */
  readonly spineRows: number;
  /** Σ over the keys of spine rows of the key × relation rows of the key: the range join's pairs before the time filter. */
  readonly pairs: number;
  /** Seconds between the relation's oldest and newest event time. */
  readonly spanSeconds: number;
}

/**
 * A dialect's cost constants (arbitrary units, ~ns of one engine thread),
 * fitted to measured times: the choice compares two sums of these.
 */
export interface AggregateCosts {
  /** Running totals: per relation row (the grouped running sums). */
  readonly row: number;
  /** Running totals: per relation row more when a DOUBLE is summed (the rounding errors' two more window passes). */
  readonly doubleRow: number;
  /** Running totals: per relation row and probe (an ASOF join, or a window pass over totals ∪ probes, sorts the totals again). */
  readonly rowProbe: number;
  /** Running totals: per spine row and probe. */
  readonly labelProbe: number;
  /** Range join: per pair visited. */
  readonly pair: number;
  /** Range join: per spine row (the GROUP BY per spine row, the join back). */
  readonly label: number;
  /**
   * The range join reads only the window's rows of a key (an index range scan):
   * pairs × min(1, widest window / the relation's span). Otherwise every pair of the key is visited.
   */
  readonly rangeScan: boolean;
}

/** A lookup of one relation and keys, as the choice sees it. */
export interface CandidateLookup {
  readonly id: string;
  /** The range-join group it falls in (relation, keys, WHERE, AS OF): lookups of one group share one join. */
  readonly group: string;
  /** Whether running totals can compute it (COUNT, SUM, AVG); the others always join. */
  readonly prefixable: boolean;
  /** Its window; undefined: all history. */
  readonly windowSeconds?: number;
  /** The as-of probes it needs from running totals (distinct keys; shared probes are paid once). */
  readonly probes: readonly string[];
  /** A SUM or AVG of a DOUBLE: its running totals carry the rounding errors too. */
  readonly double?: boolean;
}

/** The estimated cost of one assignment: `prefix` holds the ids read from running totals. */
export function estimateCost(lookups: readonly CandidateLookup[], prefix: ReadonlySet<string>, s: RelationStatistics, c: AggregateCosts): number {
  let cost = 0;
  const totals = lookups.filter((l) => prefix.has(l.id));
  if (totals.length > 0) {
    const probes = new Set(totals.flatMap((l) => l.probes)).size;
    const double = totals.some((l) => l.double === true) ? c.doubleRow : 0;
    cost += s.rows * (c.row + double + c.rowProbe * probes) + s.spineRows * c.labelProbe * probes;
  }
  const groups = new Map<string, CandidateLookup[]>();
  for (const l of lookups) {
    if (prefix.has(l.id)) continue;
    const g = groups.get(l.group);
    if (g) g.push(l);
    else groups.set(l.group, [l]);
  }
  for (const g of groups.values()) {
    const widest = g.some((l) => l.windowSeconds === undefined) ? undefined : Math.max(...g.map((l) => l.windowSeconds!));
    const share = c.rangeScan && widest !== undefined && s.spanSeconds > 0 ? Math.min(1, widest / s.spanSeconds) : 1;
    cost += c.pair * s.pairs * share + c.label * s.spineRows;
  }
  return cost;
}

/** Up to this many range-join groups with prefixable lookups, every assignment is tried; beyond, all or none. */
const EXHAUSTIVE = 8;

/**
 * The lookups to read from running totals: per range-join group, its
 * prefixable lookups go to the totals or stay in the join, whichever
 * assignment of the groups has the least estimated cost (ties: running
 * totals, today's default). Lookups that are not prefixable stay in the join.
 */
export function choosePrefix(lookups: readonly CandidateLookup[], s: RelationStatistics, c: AggregateCosts): Set<string> {
  const groups = [...new Set(lookups.filter((l) => l.prefixable).map((l) => l.group))];
  const assign = (chosen: readonly string[]) => new Set(lookups.filter((l) => l.prefixable && chosen.includes(l.group)).map((l) => l.id));
  const options: string[][] = [];
  if (groups.length <= EXHAUSTIVE) {
    for (let mask = (1 << groups.length) - 1; mask >= 0; mask--) options.push(groups.filter((_g, i) => (mask & (1 << i)) !== 0));
  } else {
    options.push(groups, []);
  }
  let best = assign(options[0]!);
  let bestCost = estimateCost(lookups, best, s, c);
  for (const o of options.slice(1)) {
    const p = assign(o);
    const cost = estimateCost(lookups, p, s, c);
    if (cost < bestCost) {
      best = p;
      bestCost = cost;
    }
  }
  return best;
}
