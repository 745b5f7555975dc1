/**
 * From a materialization's result to a snapshot: `runMaterialize` returns a
 * table of keys, then per feature its output column(s) and `<lookup id>__time`
 * (the event time of the row(s) used, src/plan/ir.ts). This module names the
 * pieces and decides each value's status (docs/semantics.md §3):
 *
 * - timed relation: no row used (time NULL) → `missing`; the row older than
 *   the TTL (time < asOf − TTL) → `outside_ttl`; else `present`;
 * - dimension relation (no event time; the plan gives no time): `missing` when
 *   every output value is NULL, else `present`. A FILL or ONE_HOT hides a
 *   missing dimension row (the plan does not say whether a row was found), so
 *   such features read `present`.
 */
import type { Table } from '../../engine/engine.js';
import type { Value } from '../../engine/values.js';
import type { MaterializePlan } from '../../plan/ir.js';
import { emptyOutputs } from '../../sql/transform.js';
import { encodeKey, missingCell, rawStatus, type EntitySnapshot, type FeatureCell, type FeatureStatus, type SnapshotFeature, type SnapshotRow, type SnapshotTable } from './store.js';

export interface FeatureColumns {
  readonly feature: SnapshotFeature;
  /** Positions in the table's rows. */
  readonly values: readonly number[];
  readonly time: number;
  /** False for a dimension relation: the time is always NULL. */
  readonly timed: boolean;
}

/**
 * The columns of each feature of a materialize plan in a result table.
 * `sameAs`: columns the table leaves out, each read from the column it
 * equals (run-plan.ts `NarrowTable`).
 */
export function featureColumns(plan: MaterializePlan, columns: readonly string[], sameAs?: Readonly<Record<string, string>>): FeatureColumns[] {
  // Result rows are read by column name: two columns of one name hold the same (last) value.
  const seen = new Map<string, string>();
  plan.transforms.forEach((t) => {
    for (const o of t.outputs) {
      const k = o.name.toLowerCase();
      const other = seen.get(k);
      const here = `${t.feature.name} VERSION ${t.feature.version}`;
      if (other !== undefined) throw new Error(`the materialize plan names two output columns ${o.name} (${other} and ${here}): materialize them separately`);
      seen.set(k, here);
    }
  });
  const at = (name: string) => {
    const i = columns.indexOf(sameAs?.[name] ?? name);
    if (i < 0) throw new Error(`the materialized table has no column ${name} (it has ${columns.join(', ')})`);
    return i;
  };
  return plan.transforms.map((t, i) => {
    const l = plan.lookups.find((x) => x.id === t.lookup) ?? plan.lookups[i]!;
    const feature: SnapshotFeature = {
      name: t.feature.name,
      version: t.feature.version,
      columns: t.outputs.map((o) => o.name),
      types: t.outputs.map((o) => o.type),
      // The status rule compares event times: a row of a relation available d after its event time is within its TTL while e ≥ T − (ttl + d).
      ...(l.ttlSeconds !== undefined && l.access.eventTime ? { ttlSeconds: l.ttlSeconds + (l.access.availableAfterSeconds ?? 0) } : {}),
      kind: l.kind,
      emptyValues: emptyOutputs(t, l),
    };
    return { feature, values: t.outputs.map((o) => at(o.name)), time: at(`${l.id}__time`), timed: l.access.eventTime !== undefined };
  });
}

/** The status of one feature of one materialized row. */
export function statusOf(fc: FeatureColumns, values: readonly Value[], eventTime: number | null, asOf: number): FeatureStatus {
  if (!fc.timed) return values.every((v) => v === null) ? 'missing' : 'present';
  return rawStatus(eventTime, asOf, fc.feature.ttlSeconds);
}

/**
 * The snapshot of a materialization: `plan` run as of `asOf` gave `table`.
 * Rows are produced lazily from the table.
 */
export function snapshotFromMaterialize(plan: MaterializePlan, table: Table & { readonly sameAs?: Readonly<Record<string, string>> }, asOf: number): EntitySnapshot {
  const keyColumns = plan.spine.keys.map((k) => k.name);
  const keyAt = keyColumns.map((k) => {
    const i = table.columns.indexOf(k);
    if (i < 0) throw new Error(`the materialized table has no key column ${k}`);
    return i;
  });
  const fcs = featureColumns(plan, table.columns, table.sameAs);
  function* rows(): Generator<SnapshotRow> {
    for (const r of table.rows) {
      const features: FeatureCell[] = fcs.map((fc) => {
        const values = fc.values.map((i) => r[i] ?? null);
        const t = r[fc.time] ?? null;
        const eventTime = typeof t === 'number' ? t : null;
        return { values, status: statusOf(fc, values, eventTime, asOf), eventTime };
      });
      yield { key: keyAt.map((i) => r[i] ?? null), features };
    }
  }
  // The same rows as a table, which the store encodes row by row without building the cells above.
  const asTable: SnapshotTable = {
    rows: table.rows,
    keys: keyAt,
    features: fcs.map((fc) => ({ values: fc.values, time: fc.time, status: rowStatus(fc, asOf) })),
  };
  return { asOf, keyColumns, features: fcs.map((fc) => fc.feature), rows: { [Symbol.iterator]: rows }, table: asTable };
}

/** `statusOf` of one feature read from a table row (the same rule, without the cell). */
function rowStatus(fc: FeatureColumns, asOf: number): (row: readonly Value[]) => FeatureStatus {
  const time = fc.time;
  if (fc.timed) {
    const ttl = fc.feature.ttlSeconds;
    return (row) => {
      const t = row[time];
      return rawStatus(typeof t === 'number' ? t : null, asOf, ttl);
    };
  }
  const at = fc.values;
  return (row) => {
    for (let i = 0; i < at.length; i++) {
      const v = row[at[i]!];
      if (v !== null && v !== undefined) return 'present';
    }
    return 'missing';
  };
}

/**
 * One snapshot of the features of several: for versions of one feature, which
 * one plan cannot hold together (their output columns share names), or plans
 * run separately. Every part must be of the same entity and time and have
 * in-memory rows; a key missing from a part has that part's features `missing`.
 */
export function combineSnapshots(parts: readonly EntitySnapshot[]): EntitySnapshot {
  const first = parts[0];
  if (!first) throw new Error('combineSnapshots: no snapshot given');
  for (const p of parts) {
    if (p.asOf !== first.asOf) throw new Error(`combineSnapshots: snapshots as of different times (${first.asOf} and ${p.asOf})`);
    if (p.keyColumns.join('\u0000') !== first.keyColumns.join('\u0000')) throw new Error(`combineSnapshots: different keys (${first.keyColumns.join(', ')} and ${p.keyColumns.join(', ')})`);
    if (!(Symbol.iterator in p.rows)) throw new Error('combineSnapshots: rows must be a (synchronous) iterable');
  }
  const features = parts.flatMap((p) => p.features);
  const keyLength = first.keyColumns.length;
  function* rows(): Generator<SnapshotRow> {
    const byKey = new Map<string, { key: readonly Value[]; cells: (readonly FeatureCell[] | undefined)[] }>();
    parts.forEach((p, i) => {
      for (const r of p.rows as Iterable<SnapshotRow>) {
        const k = encodeKey(r.key, keyLength);
        let entry = byKey.get(k);
        if (!entry) byKey.set(k, (entry = { key: r.key, cells: parts.map(() => undefined) }));
        entry.cells[i] = r.features;
      }
    });
    for (const { key, cells } of byKey.values()) {
      yield { key, features: parts.flatMap((p, i) => cells[i] ?? p.features.map(missingCell)) };
    }
  }
  return { asOf: first.asOf, keyColumns: first.keyColumns, features, rows: { [Symbol.iterator]: rows } };
}
