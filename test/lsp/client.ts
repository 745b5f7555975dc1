/**
 * A language-server client for tests: runs `fsql lsp` as a child process (the
 * CLI from sources, under tsx) and speaks JSON-RPC to it over stdio with
 * vscode-jsonrpc — no mock of any part of the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver/node';
import type { Diagnostic, Position, PublishDiagnosticsParams } from 'vscode-languageserver/node';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Node arguments that run the CLI from sources in any folder (tsx found from the repository, not the cwd). */
export const FSQL = ['--import', pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, join(ROOT, 'src', 'cli', 'bin.ts')];

export interface Client {
  readonly root: string;
  readonly connection: MessageConnection;
  readonly child: ChildProcess;
  uri(path: string): string;
  /** The latest diagnostics published for a file (relative path). */
  diagnostics(path: string): Diagnostic[] | undefined;
  /** Resolves with the next diagnostics published for `path` (after the call), of document version `version` or later. */
  nextDiagnostics(path: string, timeoutMs?: number, version?: number): Promise<Diagnostic[]>;
  /** Waits until every file in `paths` has had diagnostics published. */
  settled(paths: readonly string[], timeoutMs?: number): Promise<void>;
  open(path: string, text?: string): Promise<Diagnostic[]>;
  change(path: string, text: string): Promise<Diagnostic[]>;
  request<R>(method: string, params: unknown): Promise<R>;
  /** A position in a file's current text: the `occurrence`-th match of `needle`, plus `delta` characters. */
  positionOf(path: string, needle: string, delta?: number, occurrence?: number): Position;
  text(path: string): string;
  close(): Promise<void>;
}

/** A copy of a project folder in a fresh temporary folder (tests never write into examples/). */
export function copyProject(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-lsp-'));
  cpSync(from, dir, { recursive: true, filter: (src) => !src.includes(`${'/'}.fsql`) && !src.endsWith('/out') && !src.endsWith('/data') });
  return dir;
}

/** A project folder made of the given files. */
export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-lsp-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

export async function startClient(root: string, options: { removeRoot?: boolean } = {}): Promise<Client> {
  const child = spawn(process.execPath, [...FSQL, 'lsp', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const latest = new Map<string, Diagnostic[]>();
  /** Waiters per file, each for diagnostics of at least a document version (0: any). */
  const waiting = new Map<string, { version: number; resolve: (d: Diagnostic[]) => void }[]>();
  const texts = new Map<string, { text: string; version: number }>();
  const uri = (path: string): string => pathToFileURL(join(root, path)).href;
  const pathOf = (u: string): string => fileURLToPath(u).slice(root.length + 1);
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    const path = pathOf(p.uri);
    latest.set(path, p.diagnostics);
    const w = waiting.get(path) ?? [];
    const ready = w.filter((x) => (p.version ?? 0) >= x.version);
    waiting.set(path, w.filter((x) => !ready.includes(x)));
    for (const x of ready) x.resolve(p.diagnostics);
  });
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();
  const nextDiagnostics = (path: string, timeoutMs = 30000, version = 0): Promise<Diagnostic[]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${path} within ${timeoutMs} ms; server stderr:\n${stderr}`)), timeoutMs);
      const list = waiting.get(path) ?? [];
      list.push({
        version,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      });
      waiting.set(path, list);
    });
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).href,
    workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'project' }],
    capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
  });
  connection.sendNotification('initialized', {});
  const text = (path: string): string => texts.get(path)?.text ?? readFileSync(join(root, path), 'utf8');
  const client: Client = {
    root,
    connection,
    child,
    uri,
    diagnostics: (path) => latest.get(path),
    nextDiagnostics,
    async settled(paths, timeoutMs = 30000) {
      const start = Date.now();
      while (paths.some((p) => !latest.has(p))) {
        if (Date.now() - start > timeoutMs) throw new Error(`no diagnostics for ${paths.filter((p) => !latest.has(p)).join(', ')}; stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    open(path, t) {
      const body = t ?? readFileSync(join(root, path), 'utf8');
      texts.set(path, { text: body, version: 1 });
      const next = nextDiagnostics(path);
      connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(path), languageId: 'fsql', version: 1, text: body } });
      return next;
    },
    change(path, t) {
      const version = (texts.get(path)?.version ?? 1) + 1;
      texts.set(path, { text: t, version });
      // The diagnostics of this version (a check of an earlier change may publish this file's first).
      const next = nextDiagnostics(path, 30000, version);
      connection.sendNotification('textDocument/didChange', { textDocument: { uri: uri(path), version }, contentChanges: [{ text: t }] });
      return next;
    },
    request: (method, params) => connection.sendRequest(method, params),
    positionOf(path, needle, delta = 0, occurrence = 1) {
      const body = text(path);
      let at = -1;
      for (let i = 0; i < occurrence; i++) {
        at = body.indexOf(needle, at + 1);
        if (at < 0) throw new Error(`\`${needle}\` (#${occurrence}) not in ${path}`);
      }
      at += delta;
      const before = body.slice(0, at);
      const line = before.split('\n').length - 1;
      return { line, character: at - (before.lastIndexOf('\n') + 1) };
    },
    text,
    async close() {
      try {
        await Promise.race([connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
        connection.sendNotification('exit');
      } catch {
        // already gone
      }
      await new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 3000);
        child.on('exit', () => {
          clearTimeout(timer);
          r();
        });
      });
      connection.dispose();
      if (options.removeRoot !== false) rmSync(root, { recursive: true, force: true });
    },
  };
  return client;
}

/** `fsql check --format json` of a project folder, run in that folder as a user would (a real child process). */
export async function checkJson(root: string): Promise<{ diagnostics: CheckDiagnostic[] }> {
  const child = spawn(process.execPath, [...FSQL, 'check', '.', '--format', 'json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('close', r));
  return JSON.parse(out) as { diagnostics: CheckDiagnostic[] };
}

export interface CheckDiagnostic {
  code: string;
  severity: string;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  hint?: string;
  related?: { message: string; file: string; line: number; column: number }[];
}

/** A server diagnostic in the shape of `fsql check --format json` (its file given), to compare the two. */
export function asCheckJson(d: Diagnostic, file: string, pathOf: (uri: string) => string): CheckDiagnostic {
  const data = d.data as { message: string; hint?: string };
  return {
    code: String(d.code),
    severity: d.severity === 1 ? 'error' : 'warning',
    message: data.message,
    file,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character,
    ...(data.hint !== undefined ? { hint: data.hint } : {}),
    ...(d.relatedInformation
      ? { related: d.relatedInformation.map((r) => ({ message: r.message, file: pathOf(r.location.uri), line: r.location.range.start.line + 1, column: r.location.range.start.character + 1 })) }
      : {}),
  };
}
