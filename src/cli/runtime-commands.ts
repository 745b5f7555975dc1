/**
 * The commands that run the feature store: `apply`, `materialize`, `train`
 * and `ingest` (and `serve`, in serve-command.ts). Each opens the project's
 * Workspace (src/runtime), does its work and closes it; errors the user can
 * fix come back as RuntimeError and are rendered here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkProject } from '../check/project.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { diagnosticsToJson, renderDiagnostics } from '../diagnostics/render.js';
import type { EngineTarget } from '../engine/engine.js';
import { timestampText, valueText, type Value } from '../engine/values.js';
import { versionRef, type ScalarType } from '../check/catalog.js';
import { BadValue, parseText } from '../store/files/values.js';
import { ProjectNotFoundError, readProjectFiles } from '../project/files.js';
import { applyProject, type AwaitingFit } from '../runtime/apply.js';
import { RuntimeError } from '../runtime/errors.js';
import { ingest } from '../runtime/ingest.js';
import { materialize } from '../runtime/materialize.js';
import { materializeIncremental } from '../runtime/refresh.js';
import { buildTrainingSet } from '../runtime/train.js';
import { Workspace } from '../runtime/workspace.js';
import { formatRowError } from '../store/files/sink.js';
import { utf8Problem } from '../store/files/utf8.js';
import { checkOutputPath, formatFromName, OutputFileError, writeTableFile, type OutputFormat } from '../store/files/write.js';
import { renderPlan } from '../store/registry/render.js';
import { RegistryUnavailableError, type ApplyPlan } from '../store/registry/registry.js';
import type { ProgressEvent } from '../runtime/progress.js';
import { ProgressReporter } from './progress.js';
import { dataWarnings, deniedMessage, printWarnings, staticWarnings } from './leakage-report.js';
import { toApiError } from '../server/errors.js';
import { OnlineStoreError } from '../store/online/store.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { FeatureLookup } from '../server/lookup.js';
import { renderValue } from '../server/render.js';
import { projectDir, type OutputFormat as TextOrJson } from './registry-commands.js';

export interface RuntimeIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly color: boolean;
  /** stderr is a terminal: progress redraws one line. */
  readonly interactive?: boolean;
  /**
   * Report progress on stderr (the process's Io does: a live line on a
   * terminal, plain lines otherwise). An Io without it (a test running
   * `main` in-process) gets none unless it asks.
   */
  readonly progress?: boolean;
}

/** The command's progress reporter, or undefined when progress is not shown (`--quiet`, or an Io without progress). */
function progressReporter(io: RuntimeIo, quiet: boolean | undefined): ProgressReporter | undefined {
  return io.progress && !quiet ? new ProgressReporter(io.stderr, { live: io.interactive ?? false }) : undefined;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** Renders a RuntimeError for the terminal (or as JSON); returns the exit code. */
/** Exit code of a command that found a database locked by another fsql process past the busy timeout: retry (sysexits' EX_TEMPFAIL). */
export const EXIT_BUSY = 75;

export function reportRuntimeError(e: RuntimeError, io: RuntimeIo, sources: (file: string) => string | undefined = () => undefined, format: TextOrJson = 'text'): number {
  if (format === 'json') {
    io.stdout(
      `${JSON.stringify(
        {
          error: {
            code: e.code,
            message: e.message,
            ...(e.details.diagnostics ? { diagnostics: diagnosticsToJson(e.details.diagnostics) } : {}),
            ...(e.details.planErrors ? { planErrors: e.details.planErrors } : {}),
            ...(e.details.rowErrors ? { rowErrors: e.details.rowErrors } : {}),
          },
        },
        null,
        2,
      )}\n`,
    );
    return e.code === 'busy' ? EXIT_BUSY : 1;
  }
  if (e.details.diagnostics) io.stderr(`${renderDiagnostics(e.details.diagnostics, sources, { color: io.color })}\n\n`);
  if (e.details.planErrors) {
    for (const p of e.details.planErrors) io.stderr(`error: ${p.message}\n${p.diff ? `${p.diff.trimEnd()}\n` : ''}`);
  }
  if (e.details.rowErrors) for (const r of e.details.rowErrors) io.stderr(`  ${formatRowError(r)}\n`);
  io.stderr(`fsql: ${e.message}\n`);
  return e.code === 'busy' ? EXIT_BUSY : 1;
}

interface WorkspaceOptions {
  readonly engine?: EngineTarget | undefined;
  /** Create the registry when the project has none (`apply` only). */
  readonly create?: boolean;
  /** How a refusal to open is reported. */
  readonly format?: TextOrJson;
}

/**
 * Opens the project's Workspace, runs `fn` and closes it. A folder that does
 * not exist throws ProjectNotFoundError (a usage error); a project never
 * applied (without `create`) is reported like any RuntimeError. Nothing is
 * created unless `create`.
 */
export async function withWorkspace(path: string, io: RuntimeIo, options: WorkspaceOptions, fn: (ws: Workspace) => Promise<number>): Promise<number> {
  let ws: Workspace;
  try {
    ws = Workspace.open(projectDir(path, io.cwd), { ...(options.engine ? { engine: options.engine } : {}), ...(options.create ? { create: true } : {}) });
  } catch (e) {
    if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, options.format);
    throw e;
  }
  try {
    return await fn(ws);
  } catch (e) {
    // The online store's server (Redis) cannot be reached: the message names it (password hidden); not a bug.
    if (e instanceof OnlineStoreError && e.code === 'unavailable') return reportRuntimeError(new RuntimeError('cannot_open', e.message), io, undefined, options.format);
    // A shared registry (PostgreSQL) that cannot be reached: likewise.
    if (e instanceof RegistryUnavailableError) return reportRuntimeError(new RuntimeError('cannot_open', e.message), io, undefined, options.format);
    throw e;
  } finally {
    await ws.close();
  }
}

// ---------------------------------------------------------------------------

export interface ApplyCommandOptions {
  readonly fitAt?: number;
  readonly reload?: boolean;
  readonly engine?: EngineTarget;
  readonly format: TextOrJson;
  /** No progress on stderr. */
  readonly quiet?: boolean;
  /** Retire the registered versions the change breaks instead of refusing it. */
  readonly retireBroken?: boolean;
  /** Refuse a project with warnings before applying; exit 1 when the applied data shows leakage warnings. */
  readonly denyWarnings?: boolean;
}

export async function runApply(path: string, options: ApplyCommandOptions, io: RuntimeIo): Promise<number> {
  const files = readProjectFiles(resolve(io.cwd, path), io.cwd);
  if (files.length === 0) {
    // Most likely the wrong folder: applying nothing would still create .fsql/ there.
    throw new ProjectNotFoundError(`no .fsql files in ${resolve(io.cwd, path)}: give the folder that holds the project's .fsql files (\`fsql init DIR\` creates a new project)`);
  }
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  // The project's own warnings (leakage lints): --deny-warnings refuses them before anything changes.
  const checked = checkProject(files);
  const warnings = staticWarnings(checked);
  if (options.denyWarnings && warnings.length > 0 && !hasErrors(checked.diagnostics)) {
    printWarnings(io, files, warnings);
    io.stderr(deniedMessage(warnings.length, 'refuses to apply: nothing was changed'));
    return 1;
  }
  return withWorkspace(path, io, { engine: options.engine, create: true, format: options.format }, async (ws) => {
    // The plan first (what will change), then the work's progress on stderr, then what was done.
    const reporter = progressReporter(io, options.quiet);
    try {
      const out = await applyProject(ws, files, {
        ...(options.fitAt !== undefined ? { fitAt: options.fitAt } : {}),
        ...(options.reload ? { reload: true } : {}),
        ...(options.retireBroken ? { retireBroken: true } : {}),
        ...(options.format === 'text' ? { onPlan: (plan: ApplyPlan) => io.stdout(`${renderPlan(plan, { color: io.color })}\n`) } : {}),
        ...(reporter ? { onProgress: (e: ProgressEvent) => reporter.report(e) } : {}),
      });
      reporter?.clear();
      // Leakage the applied data shows (fit times, history, label times), after the checker's warnings.
      const leakage = hasErrors(checked.diagnostics) ? [] : [...warnings, ...(await dataWarnings(ws, checked, options.fitAt))];
      const denied = options.denyWarnings === true && leakage.length > 0;
      if (options.format === 'json') {
        io.stdout(`${JSON.stringify({ applyId: out.result.applyId, leakage: diagnosticsToJson(leakage), summary: out.plan.summary, sources: out.sources, fitted: out.fitted.map((f) => ({ feature: f.feature, version: f.version })), awaitingFit: out.awaiting.map((a) => ({ feature: a.feature, version: a.version, relation: a.relation, at: a.at === null ? null : `${timestampText(a.at, 'T')}Z`, message: awaitingWarning(a) })), statistics: out.statistics, warnings: out.plan.warnings }, null, 2)}\n`);
        return denied ? 1 : 0;
      }
      for (const s of out.sources) {
        const what =
          s.action === 'loaded' ? `loaded ${plural(s.rows ?? 0, 'row')}` : s.action === 'in place' ? `read in place (${plural(s.rows ?? 0, 'row')} checked)` : s.action === 'unchanged' ? `unchanged (${plural(s.rows ?? 0, 'row')}${s.inPlace ? ', read in place' : ''})` : s.action === 'created' ? 'stream table created' : s.action === 'kept' ? 'stream table kept' : 'table checked';
        io.stdout(`  source ${s.source}: ${what}\n`);
      }
      if (out.fitted.length > 0) io.stdout(`  fitted ${out.fitted.map((f) => versionRef(f.feature, f.version)).join(', ')}\n`);
      for (const a of out.awaiting) io.stderr(`warning: ${awaitingWarning(a)}\n`);
      io.stdout(`  statistics recorded for ${plural(out.statistics, 'feature version')}\n`);
      io.stdout(out.result.applyId === null ? 'Nothing to apply: the registry is up to date.\n' : `Applied (apply #${out.result.applyId}).\n`);
      printWarnings(io, files, leakage);
      if (denied) {
        io.stderr(deniedMessage(leakage.length, 'fails the apply (it was applied)'));
        return 1;
      }
      return 0;
    } catch (e) {
      reporter?.clear();
      if (e instanceof RuntimeError) return reportRuntimeError(e, io, (f) => byPath.get(f), options.format);
      throw e;
    }
  });
}

/** Why a feature version awaits its fit after an apply, and what to do. */
function awaitingWarning(a: AwaitingFit): string {
  return (
    `feature ${a.feature} VERSION ${a.version} awaits its fit: its fitted statistic found no non-NULL value in ${a.relation}${a.at !== null ? ` as of ${timestampText(a.at)} UTC` : ''}, ` +
    `so it is not fitted; until it is, lookups give it status awaiting_fit and fsql train refuses it. ` +
    `Ingest or load data into ${a.relation}, then run \`fsql apply\` again (or \`fsql fit ${a.feature}\`)`
  );
}

// ---------------------------------------------------------------------------

export interface MaterializeCommandOptions {
  readonly at?: number;
  readonly entities?: readonly string[];
  readonly engine?: EngineTarget;
  readonly format: TextOrJson;
  /** No progress on stderr. */
  readonly quiet?: boolean;
  /** Only the keys that can have changed since the last materialize or refresh (src/runtime/refresh.ts). */
  readonly incremental?: boolean;
}

export async function runMaterialize(path: string, options: MaterializeCommandOptions, io: RuntimeIo): Promise<number> {
  return withWorkspace(path, io, { engine: options.engine, format: options.format }, async (ws) => {
    const reporter = progressReporter(io, options.quiet);
    if (options.incremental) {
      try {
        const started = performance.now();
        const result = await materializeIncremental(ws, {
          ...(options.at !== undefined ? { at: options.at } : {}),
          ...(options.entities ? { entities: options.entities } : {}),
          ...(reporter ? { onProgress: (p) => reporter.report({ step: `refreshing ${p.entity} (${p.phase})`, unit: 'key', done: p.keys ?? 0, ...(p.phase === 'done' ? { total: p.keys ?? 0, end: true } : {}) }) } : {}),
        });
        reporter?.clear();
        const seconds = (performance.now() - started) / 1000;
        const iso = (t: number | null) => (t === null ? null : `${timestampText(t, 'T')}Z`);
        if (options.format === 'json') {
          io.stdout(`${JSON.stringify({ asOf: iso(result[0]!.asOf), entities: result.map((r) => ({ ...r, previousAsOf: iso(r.previousAsOf), asOf: iso(r.asOf) })) }, null, 2)}\n`);
          return 0;
        }
        io.stdout(`Refreshed as of ${timestampText(result[0]!.asOf)} UTC into ${ws.config.online.path}\n`);
        for (const r of result) {
          io.stdout(
            r.mode === 'incremental'
              ? `  ${r.entity}: ${plural(r.keys, 'key')} of ${r.totalKeys} recomputed (vectors held as of ${timestampText(r.previousAsOf!)} UTC) in ${r.seconds.toFixed(2)} s\n`
              : `  ${r.entity}: materialized in full, ${plural(r.keys, 'key')} (${r.reason}) in ${r.seconds.toFixed(2)} s\n`,
          );
        }
        io.stdout(`${seconds.toFixed(2)} s\n`);
        return 0;
      } catch (e) {
        reporter?.clear();
        if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, options.format);
        throw e;
      }
    }
    try {
      const started = performance.now();
      const result = await materialize(ws, {
        ...(options.at !== undefined ? { at: options.at } : {}),
        ...(options.entities ? { entities: options.entities } : {}),
        ...(reporter
          ? {
              onProgress: (p) =>
                reporter.report({ step: `materializing ${p.entity}`, unit: 'key', done: p.keys ?? 0, ...(p.phase === 'done' ? { total: p.keys ?? 0, end: true } : {}) }),
            }
          : {}),
      });
      reporter?.clear();
      const seconds = (performance.now() - started) / 1000;
      if (options.format === 'json') {
        io.stdout(`${JSON.stringify({ asOf: timestampText(result[0]!.asOf, 'T') + 'Z', entities: result }, null, 2)}\n`);
        return 0;
      }
      io.stdout(`Materialized as of ${timestampText(result[0]!.asOf)} UTC into ${ws.config.online.path}\n`);
      for (const r of result) io.stdout(`  ${r.entity}: ${plural(r.keys, 'key')} × ${plural(r.features, 'feature version')} (${plural(r.values, 'value')}) in ${r.seconds.toFixed(2)} s\n`);
      const values = result.reduce((n, r) => n + r.values, 0);
      io.stdout(`${plural(values, 'value')} in ${seconds.toFixed(2)} s\n`);
      return 0;
    } catch (e) {
      reporter?.clear();
      if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, options.format);
      throw e;
    }
  });
}

// ---------------------------------------------------------------------------

export interface TrainCommandOptions {
  readonly version?: number;
  readonly out: string;
  readonly format?: OutputFormat;
  readonly asOf?: number;
  readonly engine?: EngineTarget;
  /** No progress on stderr. */
  readonly quiet?: boolean;
}

/**
 * The output file of `--out` (absolute) and its format, or the usage exit code
 * after saying why it cannot be written: refused before a training set is
 * computed, which may take minutes; missing folders are created when writing.
 */
export function outputFile(options: { readonly out: string; readonly format?: OutputFormat }, io: RuntimeIo): { out: string; format: OutputFormat } | number {
  const format = options.format ?? formatFromName(options.out) ?? 'csv';
  const out = resolve(io.cwd, options.out);
  const unwritable = checkOutputPath(out);
  if (unwritable !== undefined) {
    io.stderr(`fsql: --out ${options.out}: cannot write there: ${unwritable} (choose another --out)\n`);
    return 2;
  }
  return { out, format };
}

/** How often `train` says that a training query is still running. */
const HEARTBEAT_MS = 5000;

export async function runTrain(name: string, path: string, options: TrainCommandOptions, io: RuntimeIo): Promise<number> {
  const target = outputFile(options, io);
  if (typeof target === 'number') return target;
  const { out, format } = target;
  return withWorkspace(path, io, { engine: options.engine }, async (ws) => {
    const reporter = progressReporter(io, options.quiet);
    try {
      const started = performance.now();
      const computing = `computing training set ${name} on ${ws.config.offline.engine}`;
      reporter?.report({ step: computing, unit: 'row', done: 0 });
      // The engine may run the query for minutes before its first row: say it is still running.
      const heartbeat = reporter ? setInterval(() => reporter.report({ step: computing, unit: 'row', done: 0 }), HEARTBEAT_MS) : undefined;
      heartbeat?.unref();
      const result = await buildTrainingSet(ws, name, { ...(options.version !== undefined ? { version: options.version } : {}), ...(options.asOf !== undefined ? { asOf: options.asOf } : {}) }).finally(() => clearInterval(heartbeat));
      const rows = result.table.rows.length;
      reporter?.report({ step: computing, unit: 'row', done: rows, total: rows, end: true });
      const writing = `writing ${format}`;
      reporter?.report({ step: writing, unit: 'row', done: 0, total: rows });
      await writeTableFile(out, format, result.plan.columns, result.table.rows, (done, total) => reporter?.report({ step: writing, unit: 'row', done, total }));
      reporter?.report({ step: writing, unit: 'row', done: rows, total: rows, end: true });
      const seconds = (performance.now() - started) / 1000;
      io.stdout(
        `Wrote ${plural(rows, 'row')} × ${plural(result.plan.columns.length, 'column')} of ${result.plan.name} VERSION ${result.plan.version} to ${options.out} (${format}) in ${seconds.toFixed(2)} s` +
          `${result.asOf !== undefined ? `; features as of ${timestampText(result.asOf)} UTC` : ''}\n`,
      );
      return 0;
    } catch (e) {
      reporter?.clear();
      if (e instanceof RuntimeError) return reportRuntimeError(e, io);
      if (e instanceof OutputFileError) {
        io.stderr(`fsql: ${e.message}; nothing was written (free the space or fix the permission, or choose another --out, and run fsql train again)\n`);
        return 1;
      }
      throw e;
    }
  });
}

// ---------------------------------------------------------------------------

/** Reads events from a JSON array file (`.json`) or NDJSON / JSONL, with each event's line. */
export function readEventsFile(path: string): { records: unknown[]; lines: number[] } | { error: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return { error: `cannot read ${path}: ${(e as Error).message}` };
  }
  // Not decoded with replacement: a byte that is not UTF-8 would be stored as U+FFFD.
  const invalid = utf8Problem(bytes);
  if (invalid) return { error: `${path}: line ${invalid.line}: ${invalid.message}; nothing was stored` };
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (/^\s*\[/.test(text)) {
    try {
      const value = JSON.parse(text) as unknown;
      if (!Array.isArray(value)) return { error: `${path}: not a JSON array` };
      return { records: value, lines: [] };
    } catch (e) {
      return { error: `${path}: not valid JSON: ${(e as Error).message}` };
    }
  }
  const records: unknown[] = [];
  const lines: number[] = [];
  const all = text.split(/\r?\n/);
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (/^\s*$/.test(line)) continue;
    try {
      records.push(JSON.parse(line));
    } catch (e) {
      return { error: `${path}: line ${i + 1}: not valid JSON: ${(e as Error).message}; nothing was stored` };
    }
    lines.push(i + 1);
  }
  return { records, lines };
}

export async function runIngest(source: string, file: string, path: string, options: { engine?: EngineTarget; format: TextOrJson; idempotencyKey?: string }, io: RuntimeIo): Promise<number> {
  const events = readEventsFile(resolve(io.cwd, file));
  if ('error' in events) {
    io.stderr(`fsql: ${events.error}\n`);
    return 1;
  }
  return withWorkspace(path, io, { engine: options.engine, format: options.format }, async (ws) => {
    try {
      const result = await ingest(ws, source, events.records, {
        origin: file,
        ...(events.lines.length ? { lines: events.lines } : {}),
        ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
      });
      if (options.format === 'json') {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return 0;
      }
      if (result.replayed) {
        io.stdout(`Already ingested under idempotency key ${options.idempotencyKey}: ${plural(result.accepted, 'event')} in ${result.source}; nothing stored again\n`);
        return 0;
      }
      io.stdout(`Ingested ${plural(result.accepted, 'event')} into ${result.source}\n`);
      for (const u of result.online) {
        io.stdout(
          u.mode === 'not_materialized'
            ? `  ${u.entity}: not materialized yet (run fsql materialize)\n`
            : `  ${u.entity}: ${u.mode === 'keys' ? `${plural(u.keys, 'key')} updated` : `all ${plural(u.keys, 'key')} recomputed`} online as of ${timestampText(u.asOf!)} UTC\n`,
        );
      }
      return 0;
    } catch (e) {
      if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, options.format);
      throw e;
    }
  });
}

// ---------------------------------------------------------------------------

/**
 * `get --format json`: exactly the body `POST /v1/features/:entity` answers
 * for these keys and features (the server's own FeatureLookup writes it), or
 * the API's error body for a refusal (exit 1).
 */
async function printLookup(ws: Workspace, entity: string, keys: readonly unknown[], features: readonly string[] | undefined, io: RuntimeIo): Promise<number> {
  const lookup = new FeatureLookup(ws, { maxKeys: Math.max(1, keys.length) });
  try {
    const body = await lookup.lookup(entity, keys, features);
    io.stdout(`${body.toString('utf8')}\n`);
    return 0;
  } catch (e) {
    const api = toApiError(e);
    if (api.code === 'internal') throw e;
    io.stdout(`${JSON.stringify(api.body(), null, 2)}\n`);
    return 1;
  }
}

/** `fsql get ENTITY KEY…`: the online vector of each key, as the server serves it. */
export async function runGet(entity: string, keys: readonly string[], path: string, options: { features?: readonly string[]; format: TextOrJson }, io: RuntimeIo): Promise<number> {
  return withWorkspace(path, io, { format: options.format }, async (ws) => {
    const { catalog } = await ws.catalog();
    const info = Object.values(catalog.entities).find((e) => e.name.toLowerCase() === entity.toLowerCase());
    if (!info) {
      // JSON: the API's 404 body (with its did-you-mean).
      if (options.format === 'json') return printLookup(ws, entity, keys.map((k) => [k]), options.features, io);
      const names = Object.values(catalog.entities).map((e) => e.name);
      const hint = didYouMean(entity, names);
      io.stderr(`fsql: no registered entity ${entity}${hint ? `; ${hint}` : ''} (entities: ${names.join(', ') || 'none'})\n`);
      return 1;
    }
    const parsedKeys: Value[][] = [];
    for (const k of keys) {
      const parts = info.keys.length === 1 ? [k] : k.split(',');
      if (parts.length !== info.keys.length) {
        io.stderr(`fsql: entity ${info.name} has ${info.keys.length} key columns (${info.keys.map((c) => c.name).join(', ')}): give each key as ${info.keys.map((c) => c.name).join(',')}\n`);
        return 2;
      }
      const values: Value[] = [];
      for (const [i, p] of parts.entries()) {
        const v = parseText(info.keys[i]!.type, p);
        if (v instanceof BadValue) {
          io.stderr(`fsql: key ${info.keys[i]!.name}: ${v.reason}\n`);
          return 2;
        }
        values.push(v);
      }
      parsedKeys.push(values);
    }
    // The request body's keys: each value as the API shows a value of its column's type.
    if (options.format === 'json') return printLookup(ws, info.name, parsedKeys.map((k) => k.map((v, i) => renderValue(v, info.keys[i]!.type))), options.features, io);
    const selectors = options.features?.map((f) => {
      const m = /^(.*)@(\d+)$/.exec(f);
      return m ? { name: m[1]!, version: Number(m[2]) } : { name: f };
    });
    let results;
    try {
      results = await ws.online().get(info.name, parsedKeys, selectors);
    } catch (e) {
      if (!(e instanceof OnlineStoreError)) throw e;
      const fix = e.code === 'not_materialized' ? `: run \`fsql materialize ${path}\` first` : e.code === 'busy' ? ': another process holds the online store; try again' : '';
      io.stderr(`fsql: ${e.message}${fix}\n`);
      return 1;
    }
    const described = await ws.online().describe(info.name);
    const typeOf = new Map<string, ScalarType>();
    for (const f of described?.features ?? []) f.columns.forEach((c, i) => f.types?.[i] && typeOf.set(c, f.types[i]!));
    const show = (column: string, v: Value) => {
      const t = typeOf.get(column);
      return t ? valueText(v, t) : v;
    };
    for (const r of results) {
      io.stdout(`${info.name} ${info.keys.map((k, i) => `${k.name}=${String(valueText(r.key[i] ?? null, k.type))}`).join(' ')}${r.found ? '' : ' (not in the online store)'}\n`);
      const rows = r.features.flatMap((f) =>
        // A feature with no column yet (a ONE_HOT TOP n awaiting its fit) still shows its status.
        Object.keys(f.values).length === 0
          ? [[f.name, `${f.version}`, '', f.status, '']]
          : Object.entries(f.values).map(([c, v]) => [c, `${f.version}`, formatCell(show(c, v)), f.status, f.eventTime === null ? '' : timestampText(f.eventTime)]),
      );
      const header = ['feature', 'version', 'value', 'status', 'event time'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
      const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`;
      io.stdout(line(header));
      for (const row of rows) io.stdout(line(row));
    }
    return 0;
  });
}

function formatCell(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)));
  return String(v);
}
