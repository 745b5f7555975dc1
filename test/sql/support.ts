/**
 * Shared by the SQL tests: compile a checked project to every statement fsql
 * emits for one dialect, and validate statements with sqlglot in one batched
 * Python run (test/sql/sqlglot_check.py).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog, LiteralValue, ScalarType } from '../../src/check/catalog.js';
import { checkProject, type ProjectFile } from '../../src/check/project.js';
import { planFit, planMaterialize, planTraining, planView, viewsInOrder, type FittedLookup } from '../../src/plan/build.js';
import type { FittedParameters } from '../../src/plan/fitted.js';
import { fitStatistics, type ValueCount } from '../../src/plan/statistics.js';
import type { Dialect } from '../../src/sql/dialect.js';
import { lowerFit, lowerMaterialize, lowerTraining, lowerView, type TimeBindings } from '../../src/sql/lower-plan.js';
import { SqlPrinter } from '../../src/sql/print.js';

const here = dirname(fileURLToPath(import.meta.url));

/** 2024-03-01 00:00:00 UTC and 2024-02-15 12:30:00.5 UTC, as epoch microseconds. */
export const AS_OF = Date.UTC(2024, 2, 1) * 1000;
export const FIT_TIME = Date.UTC(2024, 1, 15, 12, 30, 0, 500) * 1000;
export const TIMES: TimeBindings = { as_of: AS_OF, fit_time: FIT_TIME };

/** The small fixed population every feature is "fitted" over, by raw type. */
export function population(type: ScalarType): ValueCount[] {
  switch (type) {
    case 'INTEGER':
      return [
        { value: 1, count: 3 },
        { value: 2, count: 2 },
        { value: 5, count: 1 },
        { value: null, count: 4 },
      ];
    case 'DOUBLE':
      return [
        { value: 0.5, count: 2 },
        { value: 12.25, count: 3 },
        { value: -3, count: 1 },
      ];
    case 'TEXT':
      return [
        { value: 'US', count: 4 },
        { value: 'DE', count: 2 },
        { value: 'FR', count: 2 },
        { value: 'pos', count: 1 },
      ];
    case 'BOOLEAN':
      return [
        { value: true, count: 3 },
        { value: false, count: 1 },
      ];
    case 'DATE':
    case 'TIMESTAMP':
      return [];
  }
}

/** Fitted parameters for every feature version of a catalog, from fixed populations (or given ones). */
export function fixedFits(catalog: Catalog, populations: Readonly<Record<string, readonly ValueCount[]>> = {}): FittedLookup {
  const fits = new Map<string, FittedParameters>();
  for (const versions of Object.values(catalog.features)) {
    for (const f of versions) {
      const pop = populations[f.name] ?? population(f.rawType);
      fits.set(`${f.name.toLowerCase()}@${f.version}`, fitStatistics(f, pop, FIT_TIME));
    }
  }
  return (name, version) => fits.get(`${name.toLowerCase()}@${version}`);
}

export function checked(files: readonly ProjectFile[]): Catalog {
  const r = checkProject(files);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`project does not check:\n${errors.map((d) => `${d.span.file}:${d.span.line}:${d.span.col}: ${d.message}`).join('\n')}`);
  return r.catalog;
}

export interface Emitted {
  /** What the statement is, for failure messages: `view enriched_transactions`, `training fraud_detection v1`, … */
  readonly what: string;
  readonly sql: string;
}

/** Every statement fsql emits for a project: its views, training sets, materializations and fits. */
export function emitAll(catalog: Catalog, dialect: Dialect, fitted: FittedLookup = fixedFits(catalog)): Emitted[] {
  const p = new SqlPrinter(dialect);
  const out: Emitted[] = [];
  for (const name of viewsInOrder(catalog)) out.push({ what: `view ${name}`, sql: p.statement(lowerView(planView(catalog, name))) });
  for (const versions of Object.values(catalog.trainingSets)) {
    for (const ts of versions) {
      out.push({ what: `training ${ts.name} v${ts.version}`, sql: p.statement(lowerTraining(planTraining(catalog, ts.name, fitted, { version: ts.version }), dialect, TIMES)) });
    }
  }
  for (const entity of Object.values(catalog.entities)) {
    const has = Object.values(catalog.features).some((vs) => vs.some((f) => f.key.entity.toLowerCase() === entity.name.toLowerCase()));
    if (!has) continue;
    out.push({ what: `materialize ${entity.name}`, sql: p.statement(lowerMaterialize(planMaterialize(catalog, entity.name, fitted), dialect, TIMES)) });
  }
  for (const versions of Object.values(catalog.features)) {
    for (const f of versions) out.push({ what: `fit ${f.name} v${f.version}`, sql: p.statement(lowerFit(planFit(catalog, f.name, f.version), dialect, TIMES)) });
  }
  return out;
}

// ---- sqlglot -----------------------------------------------------------------------

export interface SqlglotInput {
  readonly dialect: string;
  readonly sql: string;
  /** Also return the parsed tree's string literals and quoted identifiers. */
  readonly collect?: boolean;
  /** A whole script of any number of statements: return what each one is (`kinds`). */
  readonly script?: boolean;
}

export interface SqlglotResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly literals?: string[];
  readonly identifiers?: string[];
  /** With `script`: each statement's class, `Create:VIEW`, `Select`, `Drop:TABLE`, … */
  readonly kinds?: string[];
}

/** Pinned: sqlglot 30.30.0 (test/sql/requirements.txt). */
const SCRIPT = join(here, 'sqlglot_check.py');
const INSTALL = 'run `npm run setup:sqlglot` (the pinned sqlglot, into .venv-sqlglot/; needs Python 3), or `pip install -r test/sql/requirements.txt`';

/**
 * The Python that has sqlglot: `$PYTHON`, else the project-local venv that
 * `npm run setup:sqlglot` (test/sql/install_sqlglot.py) makes when `python3`
 * lacks the pinned version, else `python3`. Tests never install anything.
 */
function pythonWithSqlglot(): string {
  if (process.env['PYTHON']) return process.env['PYTHON'];
  const venv = join(here, '..', '..', '.venv-sqlglot');
  for (const candidate of [join(venv, 'bin', 'python'), join(venv, 'Scripts', 'python.exe')]) if (existsSync(candidate)) return candidate;
  return 'python3';
}

/**
 * Parses every statement with sqlglot in one Python process. Throws — so the
 * calling test fails, never skips — when Python or sqlglot is missing, saying
 * how to install it.
 */
export function sqlglot(items: readonly SqlglotInput[]): SqlglotResult[] {
  const python = pythonWithSqlglot();
  const input = items.map((i) => JSON.stringify(i)).join('\n') + '\n';
  const r = spawnSync(python, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`cannot run ${python} (${r.error.message}): the SQL tests validate with sqlglot — ${INSTALL}`);
  if (r.status === 3) throw new Error(`${r.stderr.trim()} — the SQL tests validate with sqlglot; ${INSTALL}`);
  if (r.status !== 0) throw new Error(`${python} ${SCRIPT} failed with status ${r.status}:\n${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  const header = JSON.parse(lines.shift() ?? '{}') as { sqlglot?: string };
  if (!header.sqlglot) throw new Error(`unexpected output from ${SCRIPT}: ${r.stdout.slice(0, 200)}`);
  if (lines.length !== items.length) throw new Error(`${SCRIPT} answered ${lines.length} lines for ${items.length} statements:\n${r.stderr}`);
  return lines.map((l) => JSON.parse(l) as SqlglotResult);
}

/** A literal value as it reads in failure messages. */
export const show = (v: LiteralValue): string => JSON.stringify(v);
