/**
 * `fsql check` and `fmt`. Their own module, loaded by main.ts only when one
 * of them runs (every command is: `fsql --help` loads commander alone).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { checkProject } from '../check/project.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { renderDiagnostics, diagnosticsToJson } from '../diagnostics/render.js';
import { findFsqlFiles, readProjectFiles } from '../project/files.js';
import { formatSource } from '../syntax/format.js';
import type { Io } from './main.js';

export function sourceLookup(files: readonly { path: string; text: string }[]): (file: string) => string | undefined {
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  return (file) => byPath.get(file);
}

export function runCheck(path: string, options: { format: string; denyWarnings?: boolean }, io: Io): number {
  const files = readProjectFiles(path, io.cwd);
  const result = checkProject(files);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify({ files: files.length, errors, warnings, diagnostics: diagnosticsToJson(result.diagnostics) }, null, 2)}\n`);
  } else {
    if (result.diagnostics.length > 0) {
      io.stderr(`${renderDiagnostics(result.diagnostics, sourceLookup(files), { color: io.color })}\n\n`);
    }
    const c = result.catalog;
    const count = (r: Record<string, unknown>) => Object.keys(r).length;
    const summary = `${files.length} file${files.length === 1 ? '' : 's'}: ${count(c.entities)} entities, ${count(c.relations)} sources and views, ${count(c.features)} features, ${count(c.labels)} labels, ${count(c.trainingSets)} training sets`;
    io[errors > 0 ? 'stderr' : 'stdout'](
      errors > 0
        ? `${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''} in ${files.length} file${files.length === 1 ? '' : 's'}\n`
        : `ok — ${summary}${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}\n`,
    );
  }
  // --deny-warnings: a warning (a leakage lint, a nullable event time) fails the check too, for CI.
  return hasErrors(result.diagnostics) || (options.denyWarnings === true && warnings > 0) ? 1 : 0;
}

export function runFmt(paths: readonly string[], options: { check: boolean }, io: Io): number {
  const files = (paths.length > 0 ? paths : ['.']).flatMap((p) => findFsqlFiles(p));
  let failed = false;
  const unformatted: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const { output, diagnostics } = formatSource(text, file);
    if (hasErrors(diagnostics)) {
      io.stderr(`${renderDiagnostics(diagnostics, () => text, { color: io.color })}\n\n`);
      failed = true;
      continue;
    }
    if (output === text) continue;
    if (options.check) unformatted.push(file);
    else {
      writeFileSync(file, output);
      io.stdout(`formatted ${file}\n`);
    }
  }
  if (options.check && unformatted.length > 0) {
    io.stderr(`${unformatted.map((f) => `would reformat ${f}`).join('\n')}\n${unformatted.length} file${unformatted.length === 1 ? '' : 's'} not formatted; run \`fsql fmt\`\n`);
    return 1;
  }
  return failed ? 1 : 0;
}
