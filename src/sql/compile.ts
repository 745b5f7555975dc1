/**
 * The one front door for compiling: a plan (training set, materialize, fit,
 * ad-hoc spine or view) and a target → the SQL text and the `@name`
 * parameters it reads. Lowering and printing happen here and nowhere else:
 * the runtime runs what this returns, `fsql compile` prints it.
 */
import type { FitPlan, MaterializePlan, Plan, SpinePlan, TrainingPlan, ViewPlan } from '../plan/ir.js';
import type { TargetName } from './dialect.js';
import { dialectFor } from './dialects/index.js';
import { lowerFit, lowerMaterialize, lowerSpine, lowerStatistics, lowerTraining, lowerView, type MaterializeOptions, type MaterializeStatement, type StatisticsCandidate, type TimeBindings } from './lower-plan.js';
import type { RelationStatistics } from './choose-aggregate.js';
import type { SqlExpr } from './ast.js';
import { SqlPrinter } from './print.js';

export interface CompiledSql {
  readonly sql: string;
  /** The `@name` parameters the text reads (only with `parameters: true` on a materialize plan). */
  readonly parameters: readonly string[];
  /** Materialize: output columns of the plan the text leaves out, each equal to the column named (lowerMaterialize). */
  readonly sameAs?: Readonly<Record<string, string>>;
}

export interface CompileOptions {
  /** Materialize: only these entity keys, as literals or (with `parameters`) as bound parameters. */
  readonly materialize?: MaterializeOptions;
  /**
   * Training sets and ad-hoc spines: statistics of the data (gathered by the
   * runtime with `compileStatistics`), by which a dialect with cost constants
   * chooses running totals or the range join per lookup group. Without them
   * the dialect's fixed strategy. Never changes a value, only the plan.
   */
  readonly relationStatistics?: readonly RelationStatistics[];
  /**
   * Relations read from another table instead (view name → table): the
   * temporary copies of a training or spine plan's computed views
   * (`ComputedView`), made by the runtime once per run. Never changes a value.
   */
  readonly tables?: Readonly<Record<string, string>>;
}

/** The statistics query of a training or spine plan for a target (`lowerStatistics`), or undefined when the target does not choose from statistics. */
export function compileStatistics(plan: TrainingPlan | SpinePlan, target: TargetName, times: TimeBindings = {}): { sql: string; candidates: StatisticsCandidate[] } | undefined {
  const dialect = dialectFor(target);
  const lowered = lowerStatistics(plan, dialect, times);
  return lowered && { sql: new SqlPrinter(dialect).statement(lowered.statement), candidates: lowered.candidates };
}

/** Lowers and prints one plan for a target. */
export function compilePlan(plan: Plan, target: TargetName, times: TimeBindings = {}, options: CompileOptions = {}): CompiledSql {
  const dialect = dialectFor(target);
  const printer = new SqlPrinter(dialect, options.tables ? new Map(Object.entries(options.tables)) : undefined);
  const statement = lowerAny(plan, dialect, times, options);
  const sql = printer.statement(statement);
  return { sql, parameters: [...printer.parameters], ...('sameAs' in statement ? { sameAs: (statement as MaterializeStatement).sameAs } : {}) };
}

function lowerAny(plan: Plan, dialect: ReturnType<typeof dialectFor>, times: TimeBindings, options: CompileOptions) {
  switch (plan.kind) {
    case 'training':
      return lowerTraining(plan as TrainingPlan, dialect, times, options.relationStatistics);
    case 'materialize':
      return lowerMaterialize(plan as MaterializePlan, dialect, times, options.materialize ?? {});
    case 'fit':
      return lowerFit(plan as FitPlan, dialect, times);
    case 'spine':
      return lowerSpine(plan as SpinePlan, dialect, options.relationStatistics);
    default:
      return lowerView(plan as ViewPlan);
  }
}

/** An expression printed for a target (a quoted name in SQL written around compiled statements). */
export function printExpr(target: TargetName, expr: SqlExpr): string {
  return new SqlPrinter(dialectFor(target)).expr(expr);
}
