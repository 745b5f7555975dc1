/**
 * The statistics by which a training set or ad-hoc spine chooses, per lookup
 * group, running totals or the range join (src/sql/choose-aggregate.ts;
 * docs/targets.md, "Choosing from statistics"): one small query per plan
 * (`compileStatistics`), run on the engine just before the plan, whose rows
 * are handed to `compilePlan` as plain data. Engines whose dialect does not
 * choose (no cost constants) run nothing.
 */
import type { Engine } from '../engine/engine.js';
import type { SpinePlan, TrainingPlan } from '../plan/ir.js';
import type { RelationStatistics } from '../sql/choose-aggregate.js';
import { compileStatistics } from '../sql/compile.js';
import type { TimeBindings } from '../sql/lower-plan.js';

/** The plan's relation statistics on this engine, or undefined when its dialect does not choose from statistics. */
export async function relationStatistics(engine: Engine, plan: TrainingPlan | SpinePlan, times: TimeBindings = {}): Promise<RelationStatistics[] | undefined> {
  const compiled = compileStatistics(plan, engine.target, times);
  if (compiled === undefined) return undefined;
  const rows = await engine.queryValues(compiled.sql, [
    { name: '__g', type: 'INTEGER' },
    { name: '__rows', type: 'INTEGER' },
    { name: '__labels', type: 'INTEGER' },
    { name: '__pairs', type: 'DOUBLE' },
    { name: '__lo', type: 'TIMESTAMP' },
    { name: '__hi', type: 'TIMESTAMP' },
  ]);
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0);
  return rows.map((r) => {
    const c = compiled.candidates[num(r[0])]!;
    const lo = r[4];
    const hi = r[5];
    return {
      relation: c.relation,
      keyColumns: c.keyColumns,
      spineKeys: c.spineKeys,
      rows: num(r[1]),
      spineRows: num(r[2]),
      pairs: num(r[3]),
      spanSeconds: lo === null || hi === null ? 0 : (num(hi) - num(lo)) / 1_000_000,
    };
  });
}
