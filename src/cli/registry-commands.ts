/**
 * The registry commands of the `fsql` command line: `plan`, `list` and
 * `describe`. Each reads the project's registry (`<project>/.fsql/registry.db`)
 * and writes nothing: `plan` opens a throwaway in-memory registry when the
 * file does not exist yet, `list` and `describe` refuse a project never
 * applied (as the runtime commands do).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkProject } from '../check/project.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { diagnosticsToJson, renderDiagnostics } from '../diagnostics/render.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { readProjectFiles } from '../project/files.js';
import { KIND_LABELS, KIND_ORDER, refLabel, type ObjectKind } from '../store/registry/definitions.js';
import { openRegistry, RegistryError, RegistryUnavailableError, type ObjectDescription, type Registry } from '../store/registry/registry.js';
import { renderLineage, renderPlan } from '../store/registry/render.js';
import { RuntimeError } from '../runtime/errors.js';
import { loadConfig } from '../runtime/config.js';
import { checkProjectFolder } from '../runtime/workspace.js';
import { reportRuntimeError } from './runtime-commands.js';

/** What the registry commands need of the command line's `Io`. */
export interface RegistryIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly color: boolean;
}

export type OutputFormat = 'text' | 'json';

/** The folder a project path stands for (a single .fsql file's folder). */
export function projectDir(path: string, cwd: string): string {
  const abs = resolve(cwd, path);
  try {
    return statSync(abs).isFile() ? dirname(abs) : abs;
  } catch {
    return abs;
  }
}

/** `kind` as typed on the command line (`training-set`, `training_set`, `training set`), or undefined. */
export function parseKind(text: string): ObjectKind | undefined {
  const k = text.trim().toLowerCase().replace(/[- ]/g, '_');
  return (KIND_ORDER as readonly string[]).includes(k) ? (k as ObjectKind) : undefined;
}

function json(io: RegistryIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** The project's registry (fsql.json's "registry", by default `.fsql/registry.db`): where it is, and how messages name it. */
function registryOf(dir: string): { readonly location: string; readonly label: string; readonly shared: boolean } {
  return loadConfig(dir).registry;
}

/** Opens the registry when it exists (a shared one always does); undefined otherwise (nothing is created). */
async function openExisting(dir: string): Promise<Registry | undefined> {
  const r = registryOf(dir);
  return r.shared || existsSync(r.location) ? openRegistry(r.location) : undefined;
}

/** A shared registry that cannot be reached is reported (exit 1), not an internal error. */
async function reachable<T>(open: () => Promise<T>, io: RegistryIo, format: OutputFormat): Promise<T | number> {
  try {
    return await open();
  } catch (e) {
    if (e instanceof RegistryUnavailableError) return reportRuntimeError(new RuntimeError('cannot_open', e.message), io, undefined, format);
    throw e;
  }
}

/**
 * The registry of a project that has been applied, for `list` and `describe`;
 * like `Workspace.open`, a folder that does not exist throws (a usage error,
 * exit 2) and a project never applied is refused (exit 1). Nothing is created.
 */
async function openApplied(dir: string, io: RegistryIo, format: OutputFormat): Promise<Registry | number> {
  try {
    checkProjectFolder(dir, true);
    checkProjectFolder(dir, false, registryOf(dir));
  } catch (e) {
    if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, format);
    throw e;
  }
  return reachable(() => openRegistry(registryOf(dir).location), io, format);
}

// ---------------------------------------------------------------------------
// plan

export async function runPlan(path: string, options: { format: OutputFormat; retireBroken?: boolean }, io: RegistryIo): Promise<number> {
  const files = readProjectFiles(path, io.cwd);
  const checked = checkProject(files);
  if (hasErrors(checked.diagnostics)) {
    if (options.format === 'json') {
      json(io, { errors: checked.diagnostics.filter((d) => d.severity === 'error').length, diagnostics: diagnosticsToJson(checked.diagnostics) });
    } else {
      const byPath = new Map(files.map((f) => [f.path, f.text]));
      io.stderr(`${renderDiagnostics(checked.diagnostics, (file) => byPath.get(file), { color: io.color })}\n\n`);
      io.stderr('the project has errors; fix them (fsql check) before planning\n');
    }
    return 1;
  }
  const dir = projectDir(path, io.cwd);
  try {
    // A registry file that is not a database is refused with what to do (never an internal error).
    if (existsSync(registryOf(dir).location)) checkProjectFolder(dir, false);
  } catch (e) {
    if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, options.format);
    throw e;
  }
  const opened = await reachable(async () => (await openExisting(dir)) ?? openRegistry(':memory:'), io, options.format);
  if (typeof opened === 'number') return opened;
  const registry = opened;
  try {
    const plan = await registry.plan(checked, { retireBroken: options.retireBroken ?? false });
    if (options.format === 'json') {
      json(io, {
        registry: registryOf(dir).label,
        summary: plan.summary,
        items: plan.items.map((i) => ({
          kind: i.kind,
          name: i.name,
          version: i.version,
          status: i.status,
          ...(i.metadataChanges ? { metadataChanges: i.metadataChanges } : {}),
          ...(i.diff !== undefined ? { diff: i.diff } : {}),
        })),
        errors: plan.errors,
        warnings: plan.warnings,
        kept: plan.kept,
        breaking: plan.breaking,
        retire: plan.retire,
        absent: plan.absent,
      });
    } else {
      io.stdout(`${renderPlan(plan, { color: io.color, showDiffs: true })}\n`);
    }
    return plan.errors.length > 0 ? 1 : 0;
  } finally {
    await registry.close();
  }
}

// ---------------------------------------------------------------------------
// list

interface ListRow {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly versions: number[];
  readonly description: string;
  /** Retired versions, with why. */
  readonly retired: { version: number; reason: string }[];
  /** Feature versions awaiting their fit (an empty population so far). */
  readonly awaitingFit: number[];
}

export async function runList(path: string, options: { format: OutputFormat; kind?: ObjectKind }, io: RegistryIo): Promise<number> {
  const dir = projectDir(path, io.cwd);
  const registry = await openApplied(dir, io, options.format);
  if (typeof registry === 'number') return registry;
  try {
    const rows: ListRow[] = [];
    for (const o of await registry.list(options.kind !== undefined ? { kind: options.kind } : {})) {
      const last = rows[rows.length - 1];
      if (last && last.kind === o.kind && last.name.toLowerCase() === o.name.toLowerCase()) {
        last.versions.push(o.version);
        if (o.retired) last.retired.push({ version: o.version, reason: o.retired.reason });
        if (o.fit === 'awaiting') last.awaitingFit.push(o.version);
        // The newest version's description wins.
        (last as { description: string }).description = o.metadata.description ?? '';
      } else {
        rows.push({ kind: o.kind, name: o.name, versions: [o.version], description: o.metadata.description ?? '', retired: o.retired ? [{ version: o.version, reason: o.retired.reason }] : [], awaitingFit: o.fit === 'awaiting' ? [o.version] : [] });
      }
    }
    if (options.format === 'json') {
      json(io, { registry: registryOf(dir).label, objects: rows.map(({ awaitingFit, ...r }) => ({ ...r, ...(awaitingFit.length > 0 ? { awaitingFit } : {}) })) });
      return 0;
    }
    if (rows.length === 0) {
      io.stdout(options.kind !== undefined ? `no ${KIND_LABELS[options.kind]} registered in ${registryOf(dir).label}\n` : `nothing applied yet in ${registryOf(dir).label}\n`);
      return 0;
    }
    const table = [
      ['KIND', 'NAME', 'VERSIONS', 'DESCRIPTION'],
      ...rows.map((r) => [
        KIND_LABELS[r.kind],
        r.name,
        r.kind === 'feature' || r.kind === 'label' || r.kind === 'training_set' ? r.versions.map((v) => (r.retired.some((x) => x.version === v) ? `${v} (retired)` : r.awaitingFit.includes(v) ? `${v} (awaiting fit)` : String(v))).join(', ') : '-',
        r.description,
      ]),
    ];
    const widths = [0, 1, 2].map((c) => Math.max(...table.map((row) => row[c]!.length)));
    const lines = table.map((row) => row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  ').trimEnd());
    const retired = rows.flatMap((r) => r.retired.map((x) => `  ${KIND_LABELS[r.kind]} ${r.name} VERSION ${x.version}: ${x.reason}`));
    io.stdout(`${lines.join('\n')}\n${retired.length > 0 ? `\nretired (never computed again):\n${retired.join('\n')}\n` : ''}\n${rows.length} object${rows.length === 1 ? '' : 's'}\n`);
    return 0;
  } finally {
    await registry.close();
  }
}

// ---------------------------------------------------------------------------
// retire

export async function runRetire(name: string, path: string, options: { version: number; reason: string; format: OutputFormat }, io: RegistryIo): Promise<number> {
  const dir = projectDir(path, io.cwd);
  const registry = await openApplied(dir, io, options.format);
  if (typeof registry === 'number') return registry;
  try {
    let out: Awaited<ReturnType<Registry['retire']>>;
    try {
      out = await registry.retire(name, options.version, options.reason);
    } catch (e) {
      if (e instanceof RegistryError) {
        if (options.format === 'json') json(io, { error: { code: e.code, message: e.message } });
        else io.stderr(`error: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    if (options.format === 'json') json(io, { applyId: out.applyId, retired: out.retired });
    else {
      for (const r of out.retired) io.stdout(`retired ${KIND_LABELS[r.object.kind]} ${refLabel(r.object)}: ${r.reason}\n`);
      io.stdout('Retired versions stay in the registry (describe shows them) and are never computed again.\n');
    }
    return 0;
  } finally {
    await registry.close();
  }
}

// ---------------------------------------------------------------------------
// describe

export async function runDescribe(name: string, path: string, options: { format: OutputFormat; version?: number }, io: RegistryIo): Promise<number> {
  const dir = projectDir(path, io.cwd);
  const registry = await openApplied(dir, io, options.format);
  if (typeof registry === 'number') return registry;
  try {
    const versions = await registry.versions(name);
    if (versions.length === 0) {
      const names = [...new Set((await registry.list()).map((o) => o.name))];
      const hint = didYouMean(name, names);
      io.stderr(`nothing named \`${name}\` is registered in ${registryOf(dir).label}${hint ? `; ${hint}` : ''}\n`);
      return 1;
    }
    const d = await registry.describe(name, options.version);
    if (!d) {
      io.stderr(`\`${name}\` has no VERSION ${options.version}; registered versions: ${versions.join(', ')}\n`);
      return 1;
    }
    if (options.format === 'json') json(io, d);
    else io.stdout(`${renderDescription(d)}\n`);
    return 0;
  } finally {
    await registry.close();
  }
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function renderDescription(d: ObjectDescription): string {
  const lines: string[] = [`${KIND_LABELS[d.kind]} ${refLabel(d)}`];
  if (d.metadata.description !== undefined) lines.push(`description: ${d.metadata.description}`);
  if (d.metadata.owner !== undefined) lines.push(`owner: ${d.metadata.owner}`);
  if (d.metadata.tags.length > 0) lines.push(`tags: ${d.metadata.tags.join(', ')}`);
  if (d.kind === 'feature' || d.kind === 'label' || d.kind === 'training_set') lines.push(`versions: ${d.versions.join(', ')}`);
  lines.push(`revision ${d.revision}, registered ${d.registeredAt}${d.updatedAt !== d.registeredAt ? `, updated ${d.updatedAt}` : ''}`);
  lines.push(`hash: ${d.hash}`);
  if (d.retired) lines.push(`RETIRED ${d.retired.at}: ${d.retired.reason} (never computed again: train, get and the HTTP API refuse it)`);
  if (d.pins && d.pins.length > 0) {
    lines.push('', 'computes from (pinned when registered):');
    for (const p of d.pins) lines.push(`  ${KIND_LABELS[p.kind]} ${p.name}, revision ${p.revision}${p.current ? ' (current)' : ' (an older revision: this version keeps its meaning)'}`);
  }
  lines.push('', 'definition:', ...d.text.split('\n').map((l) => `  ${l}`));
  if (d.fit === 'awaiting') {
    const flag = d.version !== Math.max(...d.versions) ? ` --version ${d.version}` : '';
    lines.push(
      '',
      'fit: awaiting — its population has been empty so far (no non-NULL value), so nothing is fitted;',
      '  lookups give it status awaiting_fit and fsql train refuses it until it is fitted.',
      `  Load data into its relation, then run \`fsql apply\` (or \`fsql fit ${d.name}${flag}\`).`,
    );
  } else if (d.fit === 'not_needed') lines.push('', 'fit: not needed (it reads no fitted parameter)');
  else if (d.fit === 'fitted') lines.push('', 'fit: fitted (once: the parameters never change)');
  if (d.fittedParameters) {
    const p = d.fittedParameters;
    lines.push('', 'fitted parameters:');
    for (const [k, v] of Object.entries(p)) {
      if (Array.isArray(v) && v.length === 0) continue;
      lines.push(`  ${k}: ${formatValue(v)}`);
    }
  }
  if (d.statistics) {
    const s = d.statistics;
    lines.push('', 'statistics:');
    for (const k of ['count', 'nulls', 'distinct', 'mean', 'stddev', 'min', 'q1', 'median', 'q3', 'max'] as const) lines.push(`  ${k}: ${formatValue(s[k])}`);
    if (s.topValues.length > 0) lines.push(`  top values: ${s.topValues.map((t) => `${formatValue(t.value)} (${t.count})`).join(', ')}`);
    if (s.histogram.length > 0) lines.push(`  histogram: ${s.histogram.map((b) => `[${formatValue(b.lower)}, ${formatValue(b.upper)}): ${b.count}`).join(', ')}`);
  }
  lines.push('', 'lineage:', ...renderLineage(d.lineage).split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}
