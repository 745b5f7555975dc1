/**
 * The `fsql` command line. Each command is a function of (arguments, io) that
 * returns an exit code, so tests run it in-process.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkProject } from '../check/project.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { diagnosticsToJson, renderDiagnostics } from '../diagnostics/render.js';
import { findFsqlFiles, ProjectNotFoundError, readProjectFiles } from '../project/files.js';
import { formatSource } from '../syntax/format.js';
import { compile, CompileError, type CompileOptions } from './compile.js';
import { PlanError } from '../plan/build.js';
import { UnsupportedError } from '../sql/dialect.js';
import { parseKind, runDescribe, runList, runPlan, type OutputFormat } from './registry-commands.js';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** Colour terminal output. */
  readonly color: boolean;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'],
};

function sourceLookup(files: readonly { path: string; text: string }[]): (file: string) => string | undefined {
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  return (file) => byPath.get(file);
}

export function runCheck(path: string, options: { format: string }, io: Io): number {
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
  return hasErrors(result.diagnostics) ? 1 : 0;
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

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('fsql')
    .description('fsql — a feature store whose heart is a compiler')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  const format = (f: string): OutputFormat => {
    if (f !== 'text' && f !== 'json') throw new UsageError(`--format must be text or json, not ${f}`);
    return f;
  };

  program
    .command('check')
    .description('type-check a project (a folder of .fsql files, or one file)')
    .argument('[path]', 'project folder or .fsql file', '.')
    .option('--format <format>', 'text or json', 'text')
    .action((path: string, options: { format: string }) => {
      code = runCheck(path, { format: format(options.format) }, io);
    });

  program
    .command('fmt')
    .description('rewrite .fsql files in the canonical format')
    .argument('[paths...]', 'files or folders', [])
    .option('--check', 'do not write; exit 1 when a file is not formatted', false)
    .action((paths: string[], options: { check: boolean }) => {
      code = runFmt(paths, options, io);
    });

  program
    .command('compile')
    .description('print the SQL (or with --explain the logical plan) for a target')
    .argument('[path]', 'project folder or .fsql file', '.')
    .requiredOption('--target <target>', 'sqlite, duckdb, postgres, mysql, spark, bigquery, snowflake or trino')
    .option('--training-set <name>', 'a training set')
    .option('--feature <name>', "a feature's fit and online queries")
    .option('--entity <name>', "an entity's online vectors")
    .option('--version <n>', 'version of the training set or feature', (v) => Number.parseInt(v, 10))
    .option('--all', 'every view, training set and entity')
    .option('--explain', 'print the logical plan instead of SQL')
    .option('--params <file>', 'fitted parameters as JSON ({ "feature@version": … })')
    .option('--as-of <time>', "the time online vectors and time-independent labels are computed at ('YYYY-MM-DD HH:MM:SS')")
    .action((path: string, options: CompileOptions) => {
      const files = readProjectFiles(path, io.cwd);
      const result = checkProject(files);
      if (hasErrors(result.diagnostics)) {
        io.stderr(`${renderDiagnostics(result.diagnostics, sourceLookup(files), { color: io.color })}\n\n`);
        code = 1;
        return;
      }
      io.stdout(compile(result.catalog, options));
    });

  program
    .command('plan')
    .description("compare the project with its registry (.fsql/registry.db), like `terraform plan`; writes nothing")
    .argument('[path]', 'project folder or .fsql file', '.')
    .option('--format <format>', 'text or json', 'text')
    .action((path: string, options: { format: string }) => {
      code = runPlan(path, { format: format(options.format) }, io);
    });

  program
    .command('list')
    .description('list the objects registered in the project registry')
    .argument('[path]', 'project folder', '.')
    .option('--kind <kind>', 'entity, source, view, feature, label or training_set')
    .option('--format <format>', 'text or json', 'text')
    .action((path: string, options: { format: string; kind?: string }) => {
      const kind = options.kind === undefined ? undefined : parseKind(options.kind);
      if (options.kind !== undefined && kind === undefined) {
        throw new UsageError(`--kind must be entity, source, view, feature, label or training_set, not ${options.kind}`);
      }
      code = runList(path, { format: format(options.format), ...(kind !== undefined ? { kind } : {}) }, io);
    });

  program
    .command('describe')
    .description('show a registered object: definition, metadata, versions, fit, statistics and lineage')
    .argument('<name>', 'the object')
    .argument('[path]', 'project folder', '.')
    .option('--version <n>', 'the version (default: the newest)')
    .option('--format <format>', 'text or json', 'text')
    .action((name: string, path: string, options: { format: string; version?: string }) => {
      let version: number | undefined;
      if (options.version !== undefined) {
        version = Number(options.version);
        if (!/^\d+$/.test(options.version) || !Number.isSafeInteger(version) || version < 1) {
          throw new UsageError(`--version must be a positive integer, not ${options.version}`);
        }
      }
      code = runDescribe(name, path, { format: format(options.format), ...(version !== undefined ? { version } : {}) }, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || e instanceof ProjectNotFoundError || e instanceof CompileError || e instanceof PlanError || e instanceof UnsupportedError) {
      io.stderr(`fsql: ${e.message}\n`);
      return 2;
    }
    io.stderr(`fsql: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
  return code;
}

class UsageError extends Error {}
