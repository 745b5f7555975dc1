/**
 * `fsql serve`: the HTTP API (src/server) over the project's Workspace, until
 * SIGINT / SIGTERM, then a graceful stop (requests in flight finish, the
 * stores close).
 */
import type { EngineTarget } from '../engine/engine.js';
import { Workspace } from '../runtime/workspace.js';
import { startServer } from '../server/index.js';
import { projectDir } from './registry-commands.js';
import { RuntimeError } from '../runtime/errors.js';
import { reportRuntimeError, type RuntimeIo } from './runtime-commands.js';

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  readonly engine?: EngineTarget;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<unknown>;
  /** Called once listening, with the URL. */
  readonly onListening?: (url: string) => void;
}

export async function runServe(path: string, options: ServeOptions, io: RuntimeIo): Promise<number> {
  let ws: Workspace;
  try {
    // A folder that does not exist, or a project never applied, is refused before anything is created.
    ws = Workspace.open(projectDir(path, io.cwd), options.engine ? { engine: options.engine } : {});
  } catch (e) {
    if (e instanceof RuntimeError) return reportRuntimeError(e, io);
    throw e;
  }
  try {
    const tokenEnv = ws.config.server.tokenEnv;
    const token = process.env[tokenEnv];
    const server = await startServer(ws, {
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(token ? { token } : {}),
    });
    const { catalog, excluded } = ws.catalog();
    const features = Object.values(catalog.features).reduce((n, v) => n + v.length, 0);
    io.stdout(`fsql serving ${ws.dir} on ${server.url} (${features} feature versions; writes ${token ? `need the bearer token in $${tokenEnv}` : `are open: set $${tokenEnv} to require a bearer token`})\n`);
    io.stdout(`  try: curl -s ${server.url}/health   ·   API: ${server.url}/openapi.json\n`);
    for (const x of excluded) io.stderr(`warning: ${x.kind} ${x.name} VERSION ${x.version} is not served: ${x.reason}\n`);
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
