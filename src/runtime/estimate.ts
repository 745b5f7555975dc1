/**
 * What a plan's new versions will cost, from the offline data, like a
 * database's EXPLAIN (`fsql plan`; `--no-estimate` skips it): per added
 * feature, label or training-set version, with one COUNT query each on the
 * offline engine —
 *
 * - a feature version: the rows of its relation its fit reads (keys not NULL,
 *   available at its fit time: the newest row's availability, as apply fits),
 *   the entity keys it will materialize (a materialization computes every
 *   feature of the entity for every key found in any of their relations: the
 *   distinct non-NULL keys of all of them), and the label rows it affects
 *   (those of the project's training sets that use it);
 * - a label version: its label rows (its WHERE, a key and a time);
 * - a training-set version: its label rows — its rows, before SAMPLE.
 *
 * Counts are exact for the data the offline engine holds; data that the
 * apply will load anew (a FILE that changed, a source not loaded yet) is not
 * counted: such an estimate says so (`unknown`).
 */
import { findVersion, keyOf, type Catalog, type LabelInfo, type RelationInfo } from '../check/catalog.js';
import type { Engine } from '../engine/engine.js';
import { and, col, isNull, type SqlExpr, type SqlQuery, type SqlSelect } from '../sql/ast.js';
import { dialectFor } from '../sql/dialects/index.js';
import { lowerExpr } from '../sql/lower-expr.js';
import { SqlPrinter } from '../sql/print.js';

export interface VersionRef {
  readonly kind: 'feature' | 'label' | 'training_set';
  readonly name: string;
  readonly version: number;
}

export interface Estimate extends VersionRef {
  /** Rows the version reads: a feature's relation rows at its fit time; a label's or training set's label rows. */
  readonly rows?: number;
  /** The relation read. */
  readonly relation?: string;
  /** A feature: the entity keys it will materialize, of `entity`. */
  readonly keys?: number;
  readonly entity?: string;
  /** Label rows it affects: a feature's, summed over the training sets that use it; a label's or training set's own. */
  readonly labelRows?: number;
  /** The training sets whose label rows `labelRows` counts (a feature). */
  readonly trainingSets?: readonly string[];
  /** Why there is no estimate (a relation the offline data does not hold yet). */
  readonly unknown?: string;
}

/** Estimates for the given versions of `catalog`, from `engine`'s data. Never throws for missing data: `unknown`. */
export async function estimateVersions(engine: Engine, catalog: Catalog, versions: readonly VersionRef[]): Promise<Estimate[]> {
  const counter = new Counter(engine);
  const out: Estimate[] = [];
  for (const v of versions) {
    try {
      out.push(await estimate(counter, catalog, v));
    } catch (e) {
      out.push({ ...v, unknown: `the offline data cannot tell yet (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): apply loads it` });
    }
  }
  return out;
}

async function estimate(counter: Counter, catalog: Catalog, v: VersionRef): Promise<Estimate> {
  if (v.kind === 'feature') {
    const f = findVersion(catalog.features[keyOf(v.name)], v.version);
    const r = f && catalog.relations[keyOf(f.relation)];
    if (!f || !r) return { ...v, unknown: 'not in the project' };
    const keyed = and(...f.key.columns.map((c) => isNull(col(c, r.name), true)));
    // Fit time: when the newest row becomes available (apply's default), so every timed row with a time counts.
    const timed = r.eventTime ? isNull(col(r.eventTime, r.name), true) : undefined;
    const rows = await counter.count(r, and(keyed, timed));
    // Every feature of the entity is computed for every key any of their relations has.
    const ofEntity = Object.values(catalog.features).flatMap((vs) => vs.filter((x) => keyOf(x.key.entity) === keyOf(f.key.entity)));
    const keys = await counter.distinctKeys(
      ofEntity.flatMap((x) => {
        const xr = catalog.relations[keyOf(x.relation)];
        return xr ? [{ r: xr, columns: x.key.columns }] : [];
      }),
    );
    const sets = Object.values(catalog.trainingSets).flatMap((versions) =>
      versions.filter((ts) => ts.features.some((x) => keyOf(x.name) === keyOf(f.name) && x.version === f.version)),
    );
    let labelRows = 0;
    for (const ts of sets) labelRows += await labelRowsOf(counter, catalog, ts.label);
    return { ...v, relation: r.name, rows, entity: f.key.entity, keys, labelRows, trainingSets: sets.map((ts) => `${ts.name} v${ts.version}`) };
  }
  const labelRef = v.kind === 'label' ? { name: v.name, version: v.version } : findVersion(catalog.trainingSets[keyOf(v.name)], v.version)?.label;
  if (!labelRef) return { ...v, unknown: 'not in the project' };
  const label = findVersion(catalog.labels[keyOf(labelRef.name)], labelRef.version);
  const rows = await labelRowsOf(counter, catalog, labelRef);
  return { ...v, ...(label ? { relation: label.relation } : {}), rows, labelRows: rows };
}

/** A label's rows (docs/semantics.md §4): its WHERE, a non-NULL label-entity key and, when timed, a time. */
async function labelRowsOf(counter: Counter, catalog: Catalog, ref: { name: string; version: number }): Promise<number> {
  const label: LabelInfo | undefined = findVersion(catalog.labels[keyOf(ref.name)], ref.version);
  const r = label && catalog.relations[keyOf(label.relation)];
  if (!label || !r) throw new Error(`label ${ref.name} VERSION ${ref.version} is not in the project`);
  return counter.count(
    r,
    and(label.where ? lowerExpr(label.where) : undefined, ...label.key.columns.map((c) => isNull(col(c, r.name), true)), r.eventTime ? isNull(col(r.eventTime, r.name), true) : undefined),
  );
}

/** COUNT queries, each asked once. */
class Counter {
  private readonly printer: SqlPrinter;
  private readonly cache = new Map<string, Promise<number>>();

  constructor(private readonly engine: Engine) {
    this.printer = new SqlPrinter(dialectFor(engine.target));
  }

  private run(q: SqlQuery): Promise<number> {
    const sql = this.printer.statement({ k: 'query', q });
    let p = this.cache.get(sql);
    if (!p) {
      p = this.engine.query(sql, [{ name: 'n', type: 'INTEGER' }]).then((rows) => Number(rows[0]?.['n'] ?? 0));
      this.cache.set(sql, p);
    }
    return p;
  }

  count(r: RelationInfo, where: SqlExpr | undefined): Promise<number> {
    const q: SqlSelect = { k: 'select', items: [{ e: { k: 'agg', fn: 'COUNT', distinct: false, type: 'INTEGER' }, alias: 'n' }], from: { k: 'table', name: r.name }, ...(where ? { where } : {}) };
    return this.run(q);
  }

  /** Distinct non-NULL keys found in any of the relations (each through its key columns): a UNION, as the entity spine. */
  distinctKeys(sources: readonly { r: RelationInfo; columns: readonly string[] }[]): Promise<number> {
    const seen = new Set<string>();
    const parts: SqlSelect[] = [];
    for (const { r, columns } of sources) {
      const k = JSON.stringify([keyOf(r.name), ...columns.map(keyOf)]);
      if (seen.has(k)) continue;
      seen.add(k);
      const where = and(...columns.map((c) => isNull(col(c, r.name), true)), r.eventTime ? isNull(col(r.eventTime, r.name), true) : undefined);
      parts.push({ k: 'select', items: columns.map((c, i) => ({ e: col(c, r.name), alias: `__k${i}` })), from: { k: 'table', name: r.name }, ...(where ? { where } : {}) });
    }
    const keys: SqlQuery = parts.length === 1 ? { ...parts[0]!, distinct: true } : { k: 'union', all: false, parts };
    return this.run({ k: 'select', items: [{ e: { k: 'agg', fn: 'COUNT', distinct: false, type: 'INTEGER' }, alias: 'n' }], from: { k: 'derived', q: keys, alias: '__d' } });
  }
}

/** An estimate in words, for `fsql plan`. */
export function describeEstimate(e: Estimate): string {
  const what = `${e.kind === 'training_set' ? 'training set' : e.kind} ${e.name} VERSION ${e.version}`;
  if (e.unknown !== undefined) return `${what}: no estimate — ${e.unknown}`;
  const n = (x: number, unit: string) => `${x.toLocaleString('en-US')} ${unit}${x === 1 ? '' : 's'}`;
  if (e.kind === 'feature') {
    const sets = e.trainingSets && e.trainingSets.length > 0 ? ` (${e.trainingSets.join(', ')})` : '';
    return `${what}: reads ${n(e.rows!, 'row')} of ${e.relation}; materializes ${n(e.keys!, `${e.entity} key`)}; affects ${n(e.labelRows!, 'label row')}${sets}`;
  }
  return `${what}: ${n(e.rows!, 'label row')} of ${e.relation}`;
}
