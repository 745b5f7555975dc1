/**
 * The `fsql` command line. Each command is a function of (arguments, io) that
 * returns an exit code, so tests run it in-process.
 */
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CompileOptions } from './compile.js';
import type { OutputFormat } from './registry-commands.js';
import { parseTimeOption, TimeOptionError } from './time-option.js';
import { engineTargets, type EngineTarget } from '../engine/engine.js';
import type { OutputFormat as FileFormat } from '../store/files/write.js';

// Every command loads its modules when it runs (dynamic imports in the
// actions): `fsql --help` and the usage errors load commander alone, and no
// command pays for another's libraries (the engines, fastify, the parser).

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** Colour terminal output. */
  readonly color: boolean;
  /** stderr is a terminal: progress redraws one line. */
  readonly interactive?: boolean;
  /** Report progress on stderr (`apply`): the process does; an in-process caller only when it asks. */
  readonly progress?: boolean;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'],
  interactive: Boolean(process.stderr.isTTY),
  progress: true,
};

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
    .command('init')
    .description('write a small working starter project (an online shop, with generated data) into a new folder')
    .argument('[dir]', 'the folder to create (it must be empty or not exist)', '.')
    .option('--force', 'write into a folder that is not empty (files of the same name are overwritten)')
    .action(async (dir: string, o: { force?: boolean }) => {
      const { runInit } = await import('./init.js');
      code = runInit(dir, { ...(o.force ? { force: true } : {}) }, io);
    });

  program
    .command('check')
    .description('type-check a project (a folder of .fsql files, or one file)')
    .argument('[path]', 'project folder or .fsql file', '.')
    .option('--format <format>', 'text or json', 'text')
    .option('--deny-warnings', 'exit 1 when there are warnings too (leakage lints among them)')
    .action(async (path: string, options: { format: string; denyWarnings?: boolean }) => {
      const { runCheck } = await import('./check-command.js');
      code = runCheck(path, { format: format(options.format), ...(options.denyWarnings ? { denyWarnings: true } : {}) }, io);
    });

  program
    .command('fmt')
    .description('rewrite .fsql files in the canonical format')
    .argument('[paths...]', 'files or folders', [])
    .option('--check', 'do not write; exit 1 when a file is not formatted', false)
    .action(async (paths: string[], options: { check: boolean }) => {
      const { runFmt } = await import('./check-command.js');
      code = runFmt(paths, options, io);
    });

  program
    .command('lsp')
    .description('run the language server (diagnostics, hover, definitions, completion, rename, formatting) for editors; see docs/editor.md')
    .option('--stdio', 'speak LSP over stdin and stdout (the default and only transport)')
    .option('--root <path>', 'the project folder when the editor names none (default: the folder of the first file opened)')
    .action(async (o: { root?: string }) => {
      // Loaded only here: the other commands do not pay for the LSP libraries at start-up.
      const { runLanguageServer } = await import('../lsp/server.js');
      await runLanguageServer(o.root !== undefined ? { root: resolve(io.cwd, o.root) } : {});
      code = 0;
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
    .option('--params <file>', 'fitted parameters as JSON ({ "feature@version": … }); default: those registered by `fsql apply`')
    .option('--as-of <time>', "the time online vectors and time-independent labels are computed at ('YYYY-MM-DD HH:MM:SS')")
    .action(async (path: string, options: CompileOptions) => {
      const { runCompileCommand } = await import('./compile-command.js');
      code = await runCompileCommand(path, options, io);
    });

  program
    .command('plan')
    .description("compare the project with its registry (.fsql/registry.db), like `terraform plan`; writes nothing")
    .argument('[path]', 'project folder or .fsql file', '.')
    .option('--format <format>', 'text or json', 'text')
    .option('--retire-broken', 'show the plan that retires the registered versions this change breaks (as `apply --retire-broken` would)')
    .option('--deny-warnings', 'exit 1 when the project has warnings (leakage lints, from the files and the offline data)')
    .option('--no-estimate', "skip the estimates of what each new version reads, materializes and affects (COUNT queries on the offline data)")
    .action(async (path: string, options: { format: string; retireBroken?: boolean; denyWarnings?: boolean; estimate: boolean }) => {
      const { runPlanCommand } = await import('./compile-command.js');
      code = await runPlanCommand(path, { format: format(options.format), ...(options.retireBroken ? { retireBroken: true } : {}), ...(options.denyWarnings ? { denyWarnings: true } : {}), estimate: options.estimate }, io);
    });

  program
    .command('retire')
    .description('retire a feature, label or training-set version (and the training sets that use it): never computed again, and says so wherever asked for')
    .argument('<name>', 'the feature, label or training set')
    .argument('[path]', 'project folder', '.')
    .requiredOption('--version <n>', 'the version to retire')
    .option('--reason <text>', 'why (shown wherever the version is asked for)', 'retired by hand')
    .option('--format <format>', 'text or json', 'text')
    .action(async (name: string, path: string, options: { version: string; reason: string; format: string }) => {
      const { runRetire } = await import('./registry-commands.js');
      code = await runRetire(name, path, { version: positive('--version', options.version)!, reason: options.reason, format: format(options.format) }, io);
    });

  program
    .command('list')
    .description('list the objects registered in the project registry')
    .argument('[path]', 'project folder', '.')
    .option('--kind <kind>', 'entity, source, view, feature, label or training_set')
    .option('--format <format>', 'text or json', 'text')
    .action(async (path: string, options: { format: string; kind?: string }) => {
      const { parseKind, runList } = await import('./registry-commands.js');
      const kind = options.kind === undefined ? undefined : parseKind(options.kind);
      if (options.kind !== undefined && kind === undefined) {
        throw new UsageError(`--kind must be entity, source, view, feature, label or training_set, not ${options.kind}`);
      }
      code = await runList(path, { format: format(options.format), ...(kind !== undefined ? { kind } : {}) }, io);
    });

  program
    .command('describe')
    .description('show a registered object: definition, metadata, versions, fit, statistics and lineage')
    .argument('<name>', 'the object')
    .argument('[path]', 'project folder', '.')
    .option('--version <n>', 'the version (default: the newest)')
    .option('--format <format>', 'text or json', 'text')
    .action(async (name: string, path: string, options: { format: string; version?: string }) => {
      const version = positive('--version', options.version);
      const { runDescribe } = await import('./registry-commands.js');
      code = await runDescribe(name, path, { format: format(options.format), ...(version !== undefined ? { version } : {}) }, io);
    });

  const engine = (e: string | undefined): EngineTarget | undefined => {
    if (e === undefined) return undefined;
    if (!(engineTargets as readonly string[]).includes(e)) throw new UsageError(`--engine must be ${engineTargets.join(' or ')}, not ${e}`);
    return e as EngineTarget;
  };
  const positive = (option: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option} must be a positive integer, not ${v}`);
    return n;
  };

  program
    .command('apply')
    .description('type-check, register new versions, load FILE sources, create views, fit and profile features — in one transaction')
    .argument('[path]', 'project folder', '.')
    .option('--fit-at <time>', 'fit new feature versions as of this UTC time (default: the newest event time of each feature relation)')
    .option('--reload', 'reload every FILE source even when its file did not change')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .option('--format <format>', 'text or json', 'text')
    .option('-q, --quiet', 'no progress on stderr (the plan and the summary are still printed)')
    .option('--retire-broken', 'retire the registered versions this change breaks (plan names them) instead of refusing it')
    .option('--deny-warnings', 'refuse to apply a project with warnings (leakage lints); exit 1 when the applied data shows some')
    .action(async (path: string, o: { fitAt?: string; reload?: boolean; engine?: string; format: string; quiet?: boolean; retireBroken?: boolean; denyWarnings?: boolean }) => {
      const e = engine(o.engine);
      const { runApply } = await import('./runtime-commands.js');
      code = await runApply(path, { format: format(o.format), ...(o.fitAt !== undefined ? { fitAt: parseTimeOption('--fit-at', o.fitAt) } : {}), ...(o.reload ? { reload: true } : {}), ...(e ? { engine: e } : {}), ...(o.quiet ? { quiet: true } : {}), ...(o.retireBroken ? { retireBroken: true } : {}), ...(o.denyWarnings ? { denyWarnings: true } : {}) }, io);
    });

  program
    .command('fit')
    .description('fit a feature version awaiting its fit (its population was empty when it was applied), once')
    .argument('<name>', 'the feature')
    .argument('[path]', 'project folder', '.')
    .option('--version <n>', 'the version (default: the newest)')
    .option('--at <time>', 'fit as of this UTC time (default: the newest event time of its relation)')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .option('--format <format>', 'text or json', 'text')
    .action(async (name: string, path: string, o: { version?: string; at?: string; engine?: string; format: string }) => {
      const v = positive('--version', o.version);
      const e = engine(o.engine);
      const { runFit } = await import('./fit-command.js');
      code = await runFit(name, path, { format: format(o.format), ...(v !== undefined ? { version: v } : {}), ...(o.at !== undefined ? { at: parseTimeOption('--at', o.at) } : {}), ...(e ? { engine: e } : {}) }, io);
    });

  program
    .command('materialize')
    .description("compute every registered feature's vectors as of a time into the online store (atomically per entity)")
    .argument('[path]', 'project folder', '.')
    .option('--at <time>', "the UTC time vectors are computed as of (default: now), e.g. '2024-04-30 00:00:00'")
    .option('--entity <name...>', 'only these entities')
    .option('--incremental', 'recompute only the keys whose windowed or TTL values can have changed since the last materialize or refresh (docs/online-stores.md)')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .option('--format <format>', 'text or json', 'text')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (path: string, o: { at?: string; entity?: string[]; incremental?: boolean; engine?: string; format: string; quiet?: boolean }) => {
      const e = engine(o.engine);
      const { runMaterialize } = await import('./runtime-commands.js');
      code = await runMaterialize(path, { format: format(o.format), ...(o.at !== undefined ? { at: parseTimeOption('--at', o.at) } : {}), ...(o.entity ? { entities: o.entity } : {}), ...(o.incremental ? { incremental: true } : {}), ...(e ? { engine: e } : {}), ...(o.quiet ? { quiet: true } : {}) }, io);
    });

  program
    .command('train')
    .description("write a registered training set's rows to a file (point-in-time correct, transforms applied); with --spine, the features of your own rows of keys and times")
    .argument('[name]', 'the training set (with --spine: none; the argument is then the project folder)')
    .argument('[path]', 'project folder', '.')
    .requiredOption('--out <file>', 'the file to write')
    .option('--spine <file>', 'rows of entity keys and a time (.parquet, .csv or .jsonl): their features, in their order, instead of a training set')
    .option('--features <list>', 'with --spine: the features, NAME or NAME@VERSION, separated by commas')
    .option('--time <column>', "with --spine: the spine's time column (default: its one column that is not an entity key)")
    .option('--version <n>', 'the version (default: the newest)')
    .option('--format <format>', 'csv, jsonl or parquet (default: from the file name, else csv)')
    .option('--as-of <time>', 'for a label without event time: the UTC time features are taken at')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (name: string | undefined, path: string, o: { out: string; version?: string; format?: string; asOf?: string; engine?: string; quiet?: boolean; spine?: string; features?: string; time?: string }) => {
      const { OUTPUT_FORMATS } = await import('../store/files/write.js');
      if (o.format !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format must be ${OUTPUT_FORMATS.join(', ')}, not ${o.format}`);
      if (o.spine !== undefined) {
        if (o.features === undefined) throw new UsageError('--spine needs --features NAME[@VERSION],…');
        if (o.version !== undefined || o.asOf !== undefined) throw new UsageError('--version and --as-of are for a training set; a spine gives each row its own time');
        if (name !== undefined && path !== '.') throw new UsageError('with --spine, give no training set name: only the project folder');
        const e = engine(o.engine);
        const { runTrainSpine } = await import('./spine-command.js');
        code = await runTrainSpine(name ?? path, { spine: o.spine, features: o.features, out: o.out, ...(o.format !== undefined ? { format: o.format as FileFormat } : {}), ...(o.time !== undefined ? { time: o.time } : {}), ...(e ? { engine: e } : {}) }, io);
        return;
      }
      if (o.features !== undefined || o.time !== undefined) throw new UsageError('--features and --time go with --spine');
      if (name === undefined) throw new UsageError('name the training set to write (or give --spine FILE --features …)');
      const v = positive('--version', o.version);
      const e = engine(o.engine);
      const { runTrain } = await import('./runtime-commands.js');
      code = await runTrain(
        name,
        path,
        {
          out: o.out,
          ...(v !== undefined ? { version: v } : {}),
          ...(o.format !== undefined ? { format: o.format as FileFormat } : {}),
          ...(o.asOf !== undefined ? { asOf: parseTimeOption('--as-of', o.asOf) } : {}),
          ...(e ? { engine: e } : {}),
          ...(o.quiet ? { quiet: true } : {}),
        },
        io,
      );
    });

  program
    .command('ingest')
    .description('push events (a JSON array or NDJSON file) into a STREAM source and update the online vectors they touch')
    .argument('<source>', 'the stream source')
    .argument('<file>', 'events: .json (an array) or .jsonl / .ndjson (one object per line)')
    .argument('[path]', 'project folder', '.')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .option('--format <format>', 'text or json', 'text')
    .option('--idempotency-key <key>', 'store the file once however often it is ingested under this key (a retry after a failure is safe)')
    .action(async (source: string, file: string, path: string, o: { engine?: string; format: string; idempotencyKey?: string }) => {
      const e = engine(o.engine);
      const { runIngest } = await import('./runtime-commands.js');
      code = await runIngest(source, file, path, { format: format(o.format), ...(e ? { engine: e } : {}), ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}) }, io);
    });

  program
    .command('consume')
    .description("consume the project's Kafka sources (FROM KAFKA TOPIC) into the offline store, exactly once, and update the online vectors they touch (see docs/kafka.md)")
    .argument('[path]', 'project folder', '.')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .option('--source <names>', 'comma-separated Kafka sources to consume (default: all)')
    .option('--until-caught-up', 'stop once every partition is stored up to its high watermark (default: run until SIGINT / SIGTERM)')
    .action(async (path: string, o: { engine?: string; source?: string; untilCaughtUp?: boolean }) => {
      const e = engine(o.engine);
      const { runConsume } = await import('./consume-command.js');
      code = await runConsume(
        path,
        { ...(e ? { engine: e } : {}), ...(o.source ? { sources: o.source.split(',').map((x) => x.trim()).filter(Boolean) } : {}), ...(o.untilCaughtUp ? { untilCaughtUp: true } : {}) },
        io,
      );
    });

  program
    .command('serve')
    .description('serve online features, stream ingest and the registry over HTTP (see docs/http-api.md)')
    .argument('[path]', 'project folder', '.')
    .option('--port <n>', 'port (default: fsql.json server.port, 8080; 0 for any free port)')
    .option('--host <host>', 'address to listen on (default: fsql.json server.host, 127.0.0.1)')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .option('--workers <n>', 'server processes sharing the port (default 1; SQLite offline engine only)')
    .option('--no-consume', "do not consume the project's Kafka sources in this process (run fsql consume instead; see docs/kafka.md)")
    .option('--refresh <every>', 'refresh the online vectors incrementally on this schedule, e.g. 5m, 1h (materialize --incremental; docs/online-stores.md)')
    .action(async (path: string, o: { port?: string; host?: string; engine?: string; workers?: string; consume?: boolean; refresh?: string }) => {
      let refreshEveryMs: number | undefined;
      if (o.refresh !== undefined) {
        const { parseEvery } = await import('../runtime/refresh-scheduler.js');
        refreshEveryMs = parseEvery(o.refresh);
        if (refreshEveryMs === undefined || refreshEveryMs < 1000) throw new UsageError(`--refresh takes a period of at least 1 second, e.g. 30s, 5m, 1h or 1d, not ${o.refresh}`);
      }
      let port: number | undefined;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!/^\d+$/.test(o.port) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not ${o.port}`);
      }
      let workers: number | undefined;
      if (o.workers !== undefined) {
        workers = Number(o.workers);
        if (!/^\d+$/.test(o.workers) || workers < 1 || workers > 64) throw new UsageError(`--workers must be a number from 1 to 64, not ${o.workers}`);
      }
      const e = engine(o.engine);
      // What each worker runs: the same command without --workers (the project path made absolute).
      const workerArgs = [resolve(io.cwd, path), ...(o.refresh !== undefined ? ['--refresh', o.refresh] : []), ...(o.port !== undefined ? ['--port', o.port] : []), ...(o.host !== undefined ? ['--host', o.host] : []), ...(o.engine !== undefined ? ['--engine', o.engine] : [])];
      const { runServe } = await import('./serve-command.js');
      code = await runServe(
        path,
        {
          ...(port !== undefined ? { port } : {}),
          ...(o.host !== undefined ? { host: o.host } : {}),
          ...(e ? { engine: e } : {}),
          ...(workers !== undefined ? { workers, workerArgs } : {}),
          ...(o.consume === false ? { consume: false } : {}),
          ...(refreshEveryMs !== undefined ? { refreshEveryMs } : {}),
        },
        io,
      );
    });

  const monitor = program.command('monitor').description('drift and freshness of what is served (see docs/monitoring.md)');
  monitor
    .command('drift')
    .description("PSI of each served feature version's online values against its profile at apply, and NULL shares; exit 1 when one is above the threshold")
    .argument('[path]', 'project folder', '.')
    .option('--threshold <psi>', 'PSI above which a version has drifted', '0.2')
    .option('--json', 'the JSON of GET /v1/monitoring/drift')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .action(async (path: string, o: { threshold: string; json?: boolean; engine?: string }) => {
      const threshold = Number(o.threshold);
      if (!/^\d+(\.\d+)?$/.test(o.threshold) || !Number.isFinite(threshold)) throw new UsageError(`--threshold must be a number of 0 or more (a PSI, e.g. 0.2), not ${o.threshold}`);
      const e = engine(o.engine);
      const { runMonitorDrift } = await import('./monitor-command.js');
      code = await runMonitorDrift(path, { format: o.json ? 'json' : 'text', threshold, ...(e ? { engine: e } : {}) }, io);
    });
  monitor
    .command('freshness')
    .description('newest event time per source and feature version, and when each entity\'s online vectors were last materialized or updated')
    .argument('[path]', 'project folder', '.')
    .option('--json', 'the JSON of GET /v1/monitoring/freshness')
    .option('--engine <engine>', 'offline engine, overriding fsql.json: sqlite or duckdb')
    .action(async (path: string, o: { json?: boolean; engine?: string }) => {
      const e = engine(o.engine);
      const { runMonitorFreshness } = await import('./monitor-command.js');
      code = await runMonitorFreshness(path, { format: o.json ? 'json' : 'text', ...(e ? { engine: e } : {}) }, io);
    });

  program
    .command('ui')
    .description('browse the registry in a web browser: the UI and the registry API, without lookups (fsql serve serves the same UI at /); see docs/ui.md')
    .argument('[path]', 'project folder', '.')
    .option('--port <n>', 'port (default: fsql.json server.port, 8080; 0 for any free port)')
    .option('--host <host>', 'address to listen on (default: fsql.json server.host, 127.0.0.1)')
    .action(async (path: string, o: { port?: string; host?: string }) => {
      let port: number | undefined;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!/^\d+$/.test(o.port) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not ${o.port}`);
      }
      const { runUi } = await import('./ui-command.js');
      code = await runUi(path, { ...(port !== undefined ? { port } : {}), ...(o.host !== undefined ? { host: o.host } : {}) }, io);
    });

  program
    .command('get')
    .description('read online vectors from the online store (what the server serves)')
    .argument('<entity>', 'the entity')
    .argument('<keys...>', 'key values (for a multi-column key: a,b)')
    .option('--project <path>', 'project folder', '.')
    .option('--features <names>', 'comma-separated features (name or name@version); default all')
    .option('--format <format>', 'text or json', 'text')
    .action(async (entity: string, keys: string[], o: { project: string; features?: string; format: string }) => {
      const { runGet } = await import('./runtime-commands.js');
      code = await runGet(entity, keys, o.project, { format: format(o.format), ...(o.features ? { features: o.features.split(',').map((f) => f.trim()).filter(Boolean) } : {}) }, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || e instanceof TimeOptionError || (await isUsageError(e))) {
      io.stderr(`fsql: ${(e as Error).message}\n`);
      return 2;
    }
    const sqlite = (e as { code?: unknown } | null)?.code;
    if (typeof sqlite === 'string' && (sqlite.startsWith('SQLITE_BUSY') || sqlite.startsWith('SQLITE_LOCKED'))) {
      // Another fsql process kept a database of the project locked (outside the waits that say which): not a bug.
      io.stderr(`fsql: busy: another fsql process holds a database of the project (${(e as Error).message}: an apply, an ingest or a registry change); retry once it is done\n`);
      return (await import('./runtime-commands.js')).EXIT_BUSY;
    }
    io.stderr(`fsql: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
  return code;
}

class UsageError extends Error {}

/**
 * A user's mistake found by a layer a command loaded (exit 2). Imported here,
 * after the fact, to keep them off the start-up path: a module that threw is
 * loaded already, so this costs only when the error is none of them.
 */
async function isUsageError(e: unknown): Promise<boolean> {
  if (!(e instanceof Error)) return false;
  // Lightest first: the common mistakes (no project, a bad fsql.json) cost least.
  const classes: (() => Promise<abstract new (...args: never[]) => Error>)[] = [
    async () => (await import('../project/files.js')).ProjectNotFoundError,
    async () => (await import('../runtime/config.js')).ConfigError,
    async () => (await import('../sql/dialect.js')).UnsupportedError,
    async () => (await import('./compile.js')).CompileError,
    async () => (await import('../plan/build.js')).PlanBuildError,
  ];
  for (const load of classes) if (e instanceof (await load())) return true;
  return false;
}
