/**
 * `fsql lsp`: the language server, over stdio (or any pair of streams, for
 * tests). Wires the LSP protocol (vscode-languageserver) to the project state
 * (state.ts) and the features (navigation.ts, hover.ts, completion.ts).
 *
 * Diagnostics: each change re-parses the changed file and re-checks the
 * project over the kept parses; changes that arrive together are checked
 * once. The changed file's diagnostics are always published (the editor
 * knows they are fresh); another file's only when they changed.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import {
  CompletionItemKind,
  createConnection,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  ResponseError,
  ErrorCodes,
  StreamMessageReader,
  StreamMessageWriter,
  SymbolKind,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type InitializeResult,
  type Range,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import { formatSource } from '../syntax/format.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { shortenMessage } from '../diagnostics/render.js';
import { complete, type CompletionKind } from './completion.js';
import { hover } from './hover.js';
import { definition, documentSymbols, references, rename, RenameError, renameTarget, semanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES, type OutlineSymbol } from './navigation.js';
import { ProjectState } from './state.js';

export interface LanguageServerOptions {
  readonly input?: Readable;
  readonly output?: Writable;
  /** The project folder when the client names none (default: the folder of the first file opened). */
  readonly root?: string;
}

/** A span as an LSP range: lines and UTF-16 columns from 0, the end exclusive. */
export function spanRange(s: Span): Range {
  return { start: { line: s.line - 1, character: s.col - 1 }, end: { line: s.endLine - 1, character: s.endCol } };
}

/** A diagnostic as LSP sends it: the code, the message, the hint (in the message, and as `data.hint`), the related spans. */
export function toLspDiagnostic(d: Diagnostic, uriOf: (path: string) => string): LspDiagnostic {
  // As `fsql check --format json` words it: an overlong quoted name shortened.
  const message = shortenMessage(d.message);
  return {
    range: spanRange(d.span),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'fsql',
    message: d.hint !== undefined ? `${message}\nhint: ${d.hint}` : message,
    ...(d.related ? { relatedInformation: d.related.map((r) => ({ location: { uri: uriOf(r.span.file), range: spanRange(r.span) }, message: r.message })) } : {}),
    data: { message, ...(d.hint !== undefined ? { hint: d.hint } : {}) },
  };
}

const COMPLETION_KINDS: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  entity: CompletionItemKind.Class,
  relation: CompletionItemKind.Struct,
  view: CompletionItemKind.Interface,
  feature: CompletionItemKind.Function,
  label: CompletionItemKind.EnumMember,
  column: CompletionItemKind.Field,
  function: CompletionItemKind.Method,
  type: CompletionItemKind.TypeParameter,
  value: CompletionItemKind.Value,
};

const SYMBOL_KINDS: Record<OutlineSymbol['kind'], SymbolKind> = {
  entity: SymbolKind.Class,
  source: SymbolKind.Struct,
  view: SymbolKind.Interface,
  feature: SymbolKind.Function,
  label: SymbolKind.EnumMember,
  training_set: SymbolKind.Namespace,
  column: SymbolKind.Field,
};

/** Runs the server until the client says exit (or the input ends); resolves then. */
export function runLanguageServer(options: LanguageServerOptions = {}): Promise<void> {
  const connection: Connection =
    options.input && options.output
      ? createConnection(ProposedFeatures.all, new StreamMessageReader(options.input), new StreamMessageWriter(options.output))
      : createConnection(ProposedFeatures.all, new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  let state: ProjectState | undefined = options.root ? new ProjectState(options.root) : undefined;
  let watchDynamically = false;
  const published = new Map<string, string>();
  const changed = new Set<string>();
  let scheduled = false;

  const project = (uri?: string): ProjectState => {
    if (!state) {
      state = new ProjectState(uri?.startsWith('file:') ? dirname(fileURLToPath(uri)) : process.cwd());
      state.loadFromDisk();
    }
    return state;
  };

  const publish = (): void => {
    scheduled = false;
    const s = project();
    const result = s.diagnose();
    const byFile = new Map<string, Diagnostic[]>();
    for (const d of result.diagnostics) (byFile.get(d.span.file) ?? byFile.set(d.span.file, []).get(d.span.file)!).push(d);
    // The changed files last: when a client sees their diagnostics, it has seen every other file's of this check.
    const paths = new Set([...s.paths(), ...published.keys()].filter((p) => !changed.has(p)).concat([...changed]));
    for (const path of paths) {
      const diagnostics = (byFile.get(path) ?? []).map((d) => toLspDiagnostic(d, (p) => s.uriOf(p)));
      const json = JSON.stringify(diagnostics);
      if (published.get(path) === json && !changed.has(path)) continue;
      const f = s.file(path);
      connection.sendDiagnostics({ uri: s.uriOf(path), ...(f?.open ? { version: f.doc.version } : {}), diagnostics });
      if (s.file(path)) published.set(path, json);
      else published.delete(path);
    }
    changed.clear();
  };
  const schedule = (path?: string): void => {
    if (path !== undefined) changed.add(path);
    if (scheduled) return;
    scheduled = true;
    setImmediate(publish);
  };

  connection.onInitialize((params): InitializeResult => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    if (folder && folder.startsWith('file:')) state = new ProjectState(fileURLToPath(folder));
    else if (!state && params.rootPath) state = new ProjectState(params.rootPath);
    watchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        completionProvider: { triggerCharacters: [' ', '(', ',', '.'] },
        renameProvider: { prepareProvider: true },
        documentFormattingProvider: true,
        documentSymbolProvider: true,
        semanticTokensProvider: { legend: { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] }, full: true },
      },
      serverInfo: { name: 'fsql' },
    };
  });

  connection.onInitialized(() => {
    if (watchDynamically) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.fsql' }] });
    if (state) {
      state.loadFromDisk();
      for (const p of state.paths()) changed.add(p);
      schedule();
    }
  });

  connection.onDidOpenTextDocument(({ textDocument: d }) => {
    const s = project(d.uri);
    const path = s.pathOf(d.uri);
    s.set(path, d.text, true, d.version);
    schedule(path);
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const s = project(textDocument.uri);
    const path = s.pathOf(textDocument.uri);
    const f = s.file(path);
    const doc = f ? TextDocument.create(f.uri, 'fsql', f.doc.version, f.text) : TextDocument.create(textDocument.uri, 'fsql', 0, '');
    TextDocument.update(doc, contentChanges, textDocument.version);
    s.set(path, doc.getText(), true, textDocument.version, doc);
    schedule(path);
  });

  connection.onDidCloseTextDocument(({ textDocument }) => {
    const s = project(textDocument.uri);
    const path = s.pathOf(textDocument.uri);
    s.close(path);
    schedule(path);
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    const s = project();
    for (const c of changes) {
      if (!c.uri.endsWith('.fsql')) continue;
      const path = s.pathOf(c.uri);
      // Created, changed or deleted: read again (an open file keeps the editor's text).
      if (c.type === FileChangeType.Deleted || c.type === FileChangeType.Changed || c.type === FileChangeType.Created) s.readFromDisk(path);
      schedule(path);
    }
  });

  const at = (uri: string, position: { line: number; character: number }) => {
    const s = project(uri);
    const path = s.pathOf(uri);
    const f = s.file(path);
    if (!f) return undefined;
    return { s, path, f, offset: f.doc.offsetAt(position), checked: s.check() };
  };
  const location = (s: ProjectState, span: Span) => ({ uri: s.uriOf(span.file), range: spanRange(span) });

  connection.onHover(async ({ textDocument, position }) => {
    const c = at(textDocument.uri, position);
    if (!c) return null;
    const h = await hover(c.checked.index, c.checked.catalog, c.checked.files.flatMap((x) => x.statements), c.s.root, c.path, c.offset);
    return h ? { contents: { kind: 'markdown', value: h.markdown }, range: spanRange(h.span) } : null;
  });

  connection.onDefinition(({ textDocument, position }) => {
    const c = at(textDocument.uri, position);
    return c ? definition(c.checked.index, c.path, c.offset).map((span) => location(c.s, span)) : [];
  });

  connection.onReferences(({ textDocument, position, context }) => {
    const c = at(textDocument.uri, position);
    return c ? references(c.checked.index, c.path, c.offset, context.includeDeclaration).map((span) => location(c.s, span)) : [];
  });

  connection.onCompletion(({ textDocument, position }) => {
    const c = at(textDocument.uri, position);
    if (!c) return [];
    return complete(c.f.text, c.path, c.offset, c.checked.files.flatMap((x) => x.statements), c.checked.catalog).map((item, i) => ({
      label: item.label,
      kind: COMPLETION_KINDS[item.kind],
      ...(item.detail ? { detail: item.detail } : {}),
      ...(item.insertText ? { insertText: item.insertText } : {}),
      ...(item.preselect ? { preselect: true } : {}),
      sortText: String(i).padStart(4, '0'),
    }));
  });

  connection.onPrepareRename(({ textDocument, position }) => {
    const c = at(textDocument.uri, position);
    if (!c) return null;
    try {
      const o = renameTarget(c.checked.index, c.path, c.offset);
      return { range: spanRange(o.span), placeholder: o.name };
    } catch (e) {
      if (e instanceof RenameError) throw new ResponseError(ErrorCodes.InvalidRequest, e.message);
      throw e;
    }
  });

  connection.onRenameRequest(({ textDocument, position, newName }) => {
    const c = at(textDocument.uri, position);
    if (!c) return null;
    try {
      const edits = rename(c.checked.index, c.checked.files.flatMap((x) => x.statements), c.path, c.offset, newName);
      const changes: Record<string, LspTextEdit[]> = {};
      for (const e of edits) {
        const range = spanRange(e.span);
        (changes[c.s.uriOf(e.span.file)] ??= []).push({ range: e.insertAfter ? { start: range.end, end: range.end } : range, newText: e.text });
      }
      return { changes };
    } catch (e) {
      if (e instanceof RenameError) throw new ResponseError(ErrorCodes.InvalidRequest, e.message);
      throw e;
    }
  });

  connection.onDocumentFormatting(({ textDocument }) => {
    const s = project(textDocument.uri);
    const f = s.file(s.pathOf(textDocument.uri));
    if (!f) return [];
    const { output, diagnostics } = formatSource(f.text, f.path);
    if (hasErrors(diagnostics) || output === f.text) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: f.doc.positionAt(f.text.length) }, newText: output }];
  });

  connection.onDocumentSymbol(({ textDocument }) => {
    const s = project(textDocument.uri);
    const f = s.file(s.pathOf(textDocument.uri));
    if (!f) return [];
    const convert = (o: OutlineSymbol): DocumentSymbol => ({
      name: o.name,
      detail: o.detail,
      kind: SYMBOL_KINDS[o.kind],
      range: spanRange(o.span),
      selectionRange: spanRange(o.selection),
      children: o.children.map(convert),
    });
    return documentSymbols(f.parse.file).map(convert);
  });

  connection.languages.semanticTokens.on(({ textDocument }) => {
    const c = at(textDocument.uri, { line: 0, character: 0 });
    if (!c) return { data: [] };
    const tokens = semanticTokens(c.checked.index, c.path, c.f.parse.file.statements);
    const data: number[] = [];
    let line = 0;
    let col = 0;
    for (const t of tokens) {
      data.push(t.line - line, t.line === line ? t.col - col : t.col, t.length, t.type, t.modifiers);
      line = t.line;
      col = t.col;
    }
    return { data };
  });

  return new Promise((resolve) => {
    connection.onExit(() => resolve());
    connection.onShutdown(() => undefined);
    connection.listen();
  });
}
