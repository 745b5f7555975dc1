/** Helpers shared by the runtime tests (test/runtime, test/cli): running `fsql` in-process, projects in temp dirs, times. */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { main, type Io } from '../../src/cli/main.js';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fsql argv…` in-process, capturing its output. */
export async function fsql(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: ROOT, color: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** A fresh temporary directory; `cleanup` removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A copy of examples/<name> in a new temporary directory: its files as
 * committed (git), never state or output someone left in the working tree
 * (`.fsql/`, `out/`).
 */
export function copyExample(name: string, prefix = `fsql-${name}-`): { dir: string; cleanup: () => void } {
  const t = tempDir(prefix);
  const base = join('examples', name);
  const files = execFileSync('git', ['ls-files', '-z', '--', base], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  if (files.length === 0) throw new Error(`no committed files under ${base}`);
  for (const f of files) {
    const target = join(t.dir, relative(base, f));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(ROOT, f), target);
  }
  return t;
}

/** Writes files (path relative to `dir` → text), creating folders. */
export function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
}

/** Epoch microseconds (UTC) of `YYYY-MM-DD[ HH:MM[:SS]]`. */
export function us(text: string): number {
  const t = text.includes(' ') || text.includes('T') ? text.replace(' ', 'T') : `${text}T00:00:00`;
  const ms = Date.parse(`${t}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${text}`);
  return ms * 1000;
}

export const HOUR = 3_600_000_000;
export const DAY = 24 * HOUR;

/** Doubles within 1e-9 relative (absolute near 0); everything else strictly equal. */
export function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/** Reads the rows of a query on a SQLite file (read-only). */
export function sqliteRows(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/**
 * stderr without the leakage warnings (W07xx, docs/errors.md) that `fsql apply` and `fsql plan`
 * print after their output: for tests about something else (progress, load errors), whose small
 * data often has windows longer than its history (W0711).
 */
export function withoutLeakageWarnings(stderr: string): string {
  return stderr.replace(/^\S[^\n]*: warning\[W07\d\d\]: [^\n]*\n(?:(?: *\d* *\|[^\n]*| += hint: [^\n]*)\n)*\n?/gm, '');
}
