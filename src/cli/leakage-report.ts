/**
 * The leakage warnings `fsql plan` and `fsql apply` print (docs/errors.md,
 * W07xx), and `--deny-warnings`: the project's static warnings (the checker's,
 * leakage lints among them) and the data-dependent lints of
 * src/runtime/leakage.ts, run against the project's offline data.
 */
import type { CheckResult, ProjectFile } from '../check/project.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../diagnostics/render.js';
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
