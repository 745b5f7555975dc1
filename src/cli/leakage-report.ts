/**
 * The leakage warnings `fsql plan` and `fsql apply` print (docs/errors.md,
 * W07xx), and `--deny-warnings`: the project's static warnings (the checker's,
 * leakage lints among them) and the data-dependent lints of
 * src/runtime/leakage.ts, run against the project's offline data; and the
 * plan's estimates of what its new versions will read, materialize and affect
 * (src/runtime/estimate.ts).
 */
import type { CheckResult, ProjectFile } from '../check/project.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../diagnostics/render.js';
import { estimateVersions, type Estimate } from '../runtime/estimate.js';
import { dataLeakageLints } from '../runtime/leakage.js';
import { Workspace } from '../runtime/workspace.js';

export interface WarningIo {
  readonly stderr: (text: string) => void;
  readonly color: boolean;
}

/** The checker's warnings of a project. */
export function staticWarnings(checked: CheckResult): Diagnostic[] {
  return checked.diagnostics.filter((d) => d.severity === 'warning');
}

/** The data-dependent leakage warnings, from an open workspace (after an apply: registered fit times). */
export async function dataWarnings(ws: Workspace, checked: CheckResult, fitAt?: number): Promise<Diagnostic[]> {
  const engine = await ws.engine();
  // The registered fit times, as the registry holds them now (ws.fitted reads what catalog() loaded).
  await ws.catalog();
  return dataLeakageLints(engine, checked, {
    fittedAt: (name, version) => ws.fitted(name, version)?.fitTime,
    ...(fitAt !== undefined ? { fitAt } : {}),
  });
}

/**
 * The data-dependent warnings of an applied project folder, or none when it
 * was never applied or its offline data cannot be read (plan works without).
 */
export async function dataWarningsOf(dir: string, checked: CheckResult): Promise<Diagnostic[]> {
  let ws: Workspace;
  try {
    ws = Workspace.open(dir);
  } catch {
    return [];
  }
  try {
    return await dataWarnings(ws, checked);
  } catch {
    return [];
  } finally {
    await ws.close();
  }
}

/** Prints warnings (rendered, with carets) on stderr. */
export function printWarnings(io: WarningIo, files: readonly ProjectFile[], warnings: readonly Diagnostic[]): void {
  if (warnings.length === 0) return;
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  io.stderr(`${renderDiagnostics(sortDiagnostics(warnings), (f) => byPath.get(f), { color: io.color })}\n\n`);
}

/** What `--deny-warnings` says when it fails a command. */
export function deniedMessage(count: number, what: string): string {
  return `${count} warning${count === 1 ? '' : 's'}, and --deny-warnings ${what}\n`;
}

/**
 * Estimates for the feature, label and training-set versions the plan adds,
 * from the offline data of an applied project folder; undefined when it was
 * never applied (no data to count).
 */
export async function planEstimates(dir: string, checked: CheckResult, retireBroken: boolean): Promise<Estimate[] | undefined> {
  let ws: Workspace;
  try {
    ws = Workspace.open(dir);
  } catch {
    return undefined;
  }
  try {
    const plan = await ws.registry.plan(checked, { retireBroken });
    const added = plan.items.flatMap((i) => (i.status === 'added' && (i.kind === 'feature' || i.kind === 'label' || i.kind === 'training_set') ? [{ kind: i.kind, name: i.name, version: i.version ?? 1 }] : []));
    if (added.length === 0) return [];
    return await estimateVersions(await ws.engine(), checked.catalog, added);
  } catch {
    return undefined;
  } finally {
    await ws.close();
  }
}
