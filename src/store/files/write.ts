/**
 * Writing a result table (a training set) to a file: CSV (header, empty field
 * for NULL, RFC 4180 quoting by csv-stringify), JSONL (one object per row,
 * NULL as null) or Parquet (typed columns, written by DuckDB). Dates and
 * timestamps are written as text in CSV and JSONL (`2024-03-01`,
 * `2024-03-01 14:05:00`) and as DATE / TIMESTAMP in Parquet.
 *
 * The file appears whole or not at all: rows go to a temporary file beside
 * it, renamed over the target at the end. Missing folders on the way to it
 * are created. What the file system refuses (a folder in the way, no space,
 * no permission) is an OutputFileError, not a crash: `checkOutputPath` finds
 * most of it before any work is done.
 */
import { accessSync, constants, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ScalarType } from '../../check/catalog.js';
import { valueText, type Value } from '../../engine/values.js';

export type OutputFormat = 'csv' | 'jsonl' | 'parquet';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['csv', 'jsonl', 'parquet'];

export interface OutputColumn {
  readonly name: string;
  readonly type: ScalarType;
}

/** `report(done, total)` is called every few thousand rows and at the end. */
export type ProgressReport = (done: number, total: number) => void;

/** The format a file name implies (`.csv`, `.jsonl`/`.ndjson`, `.parquet`), if any. */
export function formatFromName(path: string): OutputFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.parquet')) return 'parquet';
  return undefined;
}

const CHUNK = 5_000;

/** The file system refused the output file: `reason` says why, for people. */
export class OutputFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot write ${path}: ${reason}`);
    this.name = 'OutputFileError';
  }
}

function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * Why `path` cannot be written, or undefined when it can (as far as can be
 * told without writing): it is a folder, a file stands where a folder is
 * needed, or the nearest existing folder is not writable. Creates nothing.
 */
export function checkOutputPath(path: string): string | undefined {
  const abs = resolve(path);
  try {
    if (statSync(abs).isDirectory()) return 'it is a folder; give a file name in it';
  } catch {
    // Does not exist yet: look at the folders on the way.
  }
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      if (dirname(dir) === dir) return `no folder ${dir}`;
      continue;
    }
    if (!stat.isDirectory()) return `${dir} is a file, not a folder`;
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      return `the folder ${dir} is not writable`;
    }
    return undefined;
  }
}

export async function writeTableFile(
  path: string,
  format: OutputFormat,
  columns: readonly OutputColumn[],
  rows: readonly (readonly Value[])[],
  report: ProgressReport = () => undefined,
): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    if (format === 'parquet') await writeParquet(temp, columns, rows, report);
    else await writeText(temp, format, columns, rows, report);
    renameSync(temp, path);
  } catch (e) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was created (the folder is not there).
    }
    if (isSystemError(e)) throw new OutputFileError(path, systemReason(e));
    throw e;
  }
}

/** A file system error in words (the errno code kept for searching). */
function systemReason(e: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    ENOENT: 'a folder on the way does not exist',
    ENOTDIR: 'a file stands where a folder is needed',
    EISDIR: 'it is a folder; give a file name in it',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exceeded',
    EEXIST: 'a file stands where a folder is needed',
  };
  return `${words[e.code!] ?? e.message} (${e.code})`;
}

async function writeText(path: string, format: 'csv' | 'jsonl', columns: readonly OutputColumn[], rows: readonly (readonly Value[])[], report: ProgressReport): Promise<void> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.on('error', reject));
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  const names = columns.map((c) => c.name);
  if (format === 'csv') await write(stringify([names]));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK).map((r) => columns.map((c, j) => valueText(r[j] ?? null, c.type)));
    if (format === 'csv') {
      await write(stringify(chunk.map((r) => r.map((v) => (v === null ? '' : typeof v === 'boolean' ? String(v) : v)))));
    } else {
      await write(chunk.map((r) => `${JSON.stringify(Object.fromEntries(names.map((n, j) => [n, r[j]])))}\n`).join(''));
    }
    report(Math.min(i + CHUNK, rows.length), rows.length);
  }
  if (rows.length === 0) report(0, 0);
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}

async function writeParquet(path: string, columns: readonly OutputColumn[], rows: readonly (readonly Value[])[], report: ProgressReport): Promise<void> {
  const { openDuckdb } = await import('../../engine/duckdb.js');
  const engine = await openDuckdb(':memory:');
  try {
    const table = '__out';
    const info = columns.map((c) => ({ name: c.name, type: c.type, nullable: true }));
    await engine.createTable(table, info);
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK).map((r) => Object.fromEntries(columns.map((c, j) => [c.name, r[j] ?? null])));
      await engine.insertRows(table, info, chunk);
      report(Math.min(i + CHUNK, rows.length), rows.length);
    }
    if (rows.length === 0) report(0, 0);
    await engine.execute(`COPY "${table}" TO '${path.replaceAll("'", "''")}' (FORMAT PARQUET)`);
  } finally {
    await engine.close();
  }
}
