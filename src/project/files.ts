/**
 * Finds a project's .fsql files on disk. A project is a folder (searched
 * recursively, skipping hidden folders and node_modules) or a single file.
 * Paths in diagnostics are relative to the working directory, as given.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ProjectFile } from '../check/project.js';

export class ProjectNotFoundError extends Error {}

export function findFsqlFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new ProjectNotFoundError(`no such file or folder: ${path}`);
  }
  if (stat.isFile()) return [path];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.fsql')) out.push(p);
    }
  };
  walk(path);
  return out;
}

/** Reads every .fsql file of a project; paths are made relative to `cwd` for messages. */
export function readProjectFiles(path: string, cwd = process.cwd()): ProjectFile[] {
  return findFsqlFiles(path).map((p) => ({ path: displayPath(p, cwd), text: readFileSync(p, 'utf8') }));
}

function displayPath(p: string, cwd: string): string {
  const rel = relative(cwd, p);
  return rel.startsWith('..') ? p : rel;
}
