/**
 * `fsql ui`: the web UI and the registry API of a project (GET /,
 * /v1/registry/…, /v1/entities, /health), without lookups, ingest or
 * tables — to browse a project that is not served, until SIGINT / SIGTERM.
 * `fsql serve` serves the same UI next to the lookups.
 */
import { Workspace } from '../runtime/workspace.js';
import { RuntimeError } from '../runtime/errors.js';
import { defaultUiDir, ListenError, startServer } from '../server/index.js';
import { projectDir } from './registry-commands.js';
import { reportRuntimeError, type RuntimeIo } from './runtime-commands.js';

export interface UiOptions {
  readonly host?: string;
  readonly port?: number;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<unknown>;
  /** Called once listening, with the URL. */
  readonly onListening?: (url: string) => void;
}

export async function runUi(path: string, options: UiOptions, io: RuntimeIo): Promise<number> {
  let ws: Workspace;
  try {
    ws = Workspace.open(projectDir(path, io.cwd));
  } catch (e) {
    if (e instanceof RuntimeError) return reportRuntimeError(e, io);
    throw e;
  }
  try {
    if (defaultUiDir() === undefined) {
      io.stderr('fsql ui: the web UI is not built: run `npm run build:ui` in the fsql package (npm ci builds it)\n');
      return 1;
    }
    let server;
    try {
      server = await startServer(ws, { serving: false, ...(options.host !== undefined ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}) });
    } catch (e) {
      if (e instanceof ListenError) {
        io.stderr(`fsql ui: ${e.message}: choose another port with --port N (0 for any free port)\n`);
        return 1;
      }
      if (e instanceof RuntimeError) return reportRuntimeError(e, io);
      throw e;
    }
    io.stdout(`fsql ui: the registry of ${ws.dir} on ${server.url}/ (read-only; no lookups: \`fsql serve\` serves those and the same UI)\n`);
    options.onListening?.(server.url);
    await (options.until ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }));
    io.stdout('stopping…\n');
    await server.close();
    return 0;
  } finally {
    await ws.close();
  }
}
