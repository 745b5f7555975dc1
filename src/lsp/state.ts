/**
 * The project a language server works on: every .fsql file under its root
 * folder, with the editor's text for the open ones, each file's parse kept
 * between checks. A change re-parses that file only (statement-wise, see
 * reparse.ts), and the next check runs the checker over the kept parses
 * (`checkParsed`), so a keystroke never re-parses the other files.
 *
 * Paths are relative to the root, as `fsql check` run in the root prints them
 * (so the server's diagnostics are the same as `fsql check --format json`'s);
 * a file outside the root keeps its absolute path.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { checkParsed, type CheckResult } from '../check/project.js';
import { findFsqlFiles, ProjectNotFoundError } from '../project/files.js';
import { parseFile, type ParseResult } from '../syntax/parse.js';
import { reparse } from './reparse.js';
import { buildIndex, type SymbolIndex } from './symbols.js';

export interface FileState {
  readonly path: string;
  readonly uri: string;
  readonly text: string;
  /** For offset ↔ position (the editor's line and UTF-16 column). */
  readonly doc: TextDocument;
  readonly parse: ParseResult;
  /** Open in the editor: its text is the editor's, not the disk's. */
  readonly open: boolean;
}

export interface Checked extends CheckResult {
  readonly index: SymbolIndex;
}

export class ProjectState {
  private readonly files = new Map<string, FileState>();
  private checked: CheckResult | undefined;
  private indexed: Checked | undefined;

  constructor(readonly root: string) {}

  /** Reads every .fsql file under the root (the open ones keep the editor's text). */
  loadFromDisk(): void {
    let paths: string[] = [];
    try {
      paths = findFsqlFiles(this.root);
    } catch (e) {
      if (!(e instanceof ProjectNotFoundError)) throw e;
    }
    const seen = new Set<string>();
    for (const abs of paths) {
      const path = this.pathOf(pathToFileURL(abs).href);
      seen.add(path);
      if (this.files.get(path)?.open) continue;
      this.readFromDisk(path);
    }
    for (const [path, f] of this.files) if (!f.open && !seen.has(path)) this.files.delete(path);
    this.dirty();
  }

  /** A file changed on disk (or was created, or deleted); an open file keeps the editor's text. */
  readFromDisk(path: string): void {
    if (this.files.get(path)?.open) return;
    let text: string;
    try {
      text = readFileSync(resolve(this.root, path), 'utf8');
    } catch {
      this.files.delete(path);
      this.dirty();
      return;
    }
    this.set(path, text, false, 0);
  }

  /** The editor's text of a file (opened or changed); `doc` when the caller has one already holding `text`. */
  set(path: string, text: string, open: boolean, version: number, doc?: TextDocument): FileState {
    const old = this.files.get(path);
    const uri = this.uriOf(path);
    let parse: ParseResult;
    if (old && old.text === text) parse = old.parse;
    else if (old) parse = reparse(old.parse, old.text, text, path);
    else parse = parseFile(text, path);
    const f: FileState = { path, uri, text, doc: doc ?? TextDocument.create(uri, 'fsql', version, text), parse, open };
    this.files.set(path, f);
    if (parse !== old?.parse) this.dirty();
    return f;
  }

  /** The editor closed a file: from now on its text is the disk's (or it is gone, if it was never saved). */
  close(path: string): void {
    const f = this.files.get(path);
    if (!f) return;
    this.files.set(path, { ...f, open: false });
    this.readFromDisk(path);
  }

  file(path: string): FileState | undefined {
    return this.files.get(path);
  }

  paths(): string[] {
    return [...this.files.keys()].sort(compareProjectPaths);
  }

  /** The checked project, with its symbol index (checked again only after a change). */
  check(): Checked {
    if (!this.indexed) {
      const result = this.diagnose();
      this.indexed = { ...result, index: buildIndex(result.files, result.catalog) };
    }
    return this.indexed;
  }

  /** Only the check (what diagnostics need), without the symbol index. */
  diagnose(): CheckResult {
    if (!this.checked) this.checked = checkParsed(this.paths().map((p) => this.files.get(p)!.parse));
    return this.checked;
  }

  pathOf(uri: string): string {
    const abs = uri.startsWith('file:') ? fileURLToPath(uri) : uri;
    const rel = relative(this.root, abs);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  }

  uriOf(path: string): string {
    return pathToFileURL(resolve(this.root, path)).href;
  }

  private dirty(): void {
    this.checked = undefined;
    this.indexed = undefined;
  }
}

/**
 * The order `fsql check` reads a project's files in (src/project/files.ts: a
 * walk of each folder in name order), which is the order the checker sees
 * declarations in (the second of two is the duplicate).
 */
export function compareProjectPaths(a: string, b: string): number {
  const x = a.split(sep);
  const y = b.split(sep);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}
