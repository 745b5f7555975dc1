/**
 * The fsql extension: the language (.fsql files, the TextMate grammar of the
 * repository's grammar/fsql.tmLanguage.json) and a client of the fsql
 * language server, started as `<fsql.server.path> <fsql.server.args>` (by
 * default `fsql lsp`) in the workspace folder. Everything else — diagnostics,
 * hover, definitions, references, completion, rename, formatting, semantic
 * tokens, outline — is the server's (docs/editor.md).
 */
import { workspace, window, type ExtensionContext } from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const config = workspace.getConfiguration('fsql');
  const command = config.get<string>('server.path', 'fsql');
  const args = config.get<string[]>('server.args', ['lsp']);
  const cwd = workspace.workspaceFolders?.[0]?.uri.fsPath;
  const run = { command, args, transport: TransportKind.stdio, options: { ...(cwd ? { cwd } : {}), shell: process.platform === 'win32' } };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'fsql' }],
    synchronize: { fileEvents: workspace.createFileSystemWatcher('**/*.fsql') },
  };
  client = new LanguageClient('fsql', 'fsql', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    void window.showErrorMessage(`fsql: could not start \`${command} ${args.join(' ')}\` (${e instanceof Error ? e.message : String(e)}). Install fsql, or set fsql.server.path.`);
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
