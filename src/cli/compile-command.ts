/**
 * `fsql compile` and `fsql plan`, loaded by main.ts only when one of them runs
 * (they read the registry and may open the offline engine, which `check` and
 * `fmt` never load).
 */
import { checkProject } from '../check/project.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../diagnostics/render.js';
import { readProjectFiles } from '../project/files.js';
import { describeEstimate } from '../runtime/estimate.js';
import { sourceLookup } from './check-command.js';
import { compile, compileFitted, type CompileOptions } from './compile.js';
import { dataWarningsOf, deniedMessage, planEstimates, printWarnings, staticWarnings } from './leakage-report.js';
import type { Io } from './main.js';
import { projectDir, runPlan, type OutputFormat } from './registry-commands.js';

/** `fsql compile`: check the project, then print the SQL or plan `options` ask for. */
export async function runCompileCommand(path: string, options: CompileOptions, io: Io): Promise<number> {
  const files = readProjectFiles(path, io.cwd);
  const result = checkProject(files);
  if (hasErrors(result.diagnostics)) {
    io.stderr(`${renderDiagnostics(result.diagnostics, sourceLookup(files), { color: io.color })}\n\n`);
    return 1;
  }
  // Fitted parameters: --params, else those the project's registry holds (when it was applied).
  io.stdout(compile(result.catalog, options, await compileFitted(result, projectDir(path, io.cwd), options.params)));
  return 0;
}

/** `fsql plan`: the registry diff, then the data estimates and the leakage warnings. */
export async function runPlanCommand(
  path: string,
  options: { format: OutputFormat; retireBroken?: boolean; denyWarnings?: boolean; estimate: boolean },
  io: Io,
): Promise<number> {
  const code = await runPlan(path, { format: options.format, ...(options.retireBroken ? { retireBroken: true } : {}) }, io);
  // Leakage warnings (text: on stderr, after the plan): the checker's, and those the offline data shows.
  if (code !== 0) return code;
  const files = readProjectFiles(path, io.cwd);
  const checked = checkProject(files);
  // The data impact of the new versions, from the offline data of an applied project (text output only).
  if (options.estimate && options.format !== 'json') {
    const estimates = await planEstimates(projectDir(path, io.cwd), checked, options.retireBroken ?? false);
    if (estimates && estimates.length > 0) io.stdout(`\nEstimated data impact (from the offline data; --no-estimate skips this):\n${estimates.map((e) => `  + ${describeEstimate(e)}\n`).join('')}`);
  }
  const warnings = [...staticWarnings(checked), ...(await dataWarningsOf(projectDir(path, io.cwd), checked))];
  if (options.format !== 'json') printWarnings(io, files, warnings);
  if (options.denyWarnings && warnings.length > 0) {
    io.stderr(deniedMessage(warnings.length, 'fails the plan'));
    return 1;
  }
  return 0;
}
