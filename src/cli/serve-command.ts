/**
 * `fsql serve`: the HTTP API (src/server) over the project's Workspace, until
 * SIGINT / SIGTERM, then a graceful stop (requests in flight finish, the
 * stores close).
 */
import { engineBackend } from '../engine/backends.js';
import type { EngineTarget } from '../engine/engine.js';
import { Workspace } from '../runtime/workspace.js';
import { ListenError, startServer } from '../server/index.js';
import { projectDir } from './registry-commands.js';
import { RuntimeError } from '../runtime/errors.js';
import type { KafkaIngestor } from '../runtime/kafka.js';
import { kafkaSources } from '../runtime/kafka-store.js';
import { reportRuntimeError, type RuntimeIo } from './runtime-commands.js';
import { isServeWorker, REFRESHER_ENV, reportFailed, reportListening, runServePrimary, stopRequested } from './serve-workers.js';
import { RefreshScheduler } from '../runtime/refresh-scheduler.js';

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  readonly engine?: EngineTarget;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<unknown>;
  /** Called once listening, with the URL. */
  readonly onListening?: (url: string) => void;
  /** Server processes sharing the port (default 1: this process serves). */
  readonly workers?: number;
  /** This command's arguments without `--workers`, given to each worker process. */
  readonly workerArgs?: readonly string[];
  /** Consume the project's Kafka sources in this process (default true when it has some; docs/kafka.md). */
  readonly consume?: boolean;
  /** `--refresh EVERY`: run the incremental refresh every this many ms (src/runtime/refresh-scheduler.ts; with --workers, in one worker). */
  readonly refreshEveryMs?: number;
}

export async function runServe(path: string, options: ServeOptions, io: RuntimeIo): Promise<number> {
  if (!isServeWorker()) return serve(path, options, io, undefined);
  // A worker listens for the primary's 'stop' from the start: it may come before the server is up.
  const stopped = stopRequested();
  try {
    return await serve(path, options, io, stopped);
  } catch (e) {
    reportFailed(2);
    throw e;
  } finally {
    // The channel to the primary would keep this process alive.
    process.disconnect?.();
  }
}

/** One server in this process; `stopped` when it is a worker of `fsql serve --workers`. */
async function serve(path: string, options: ServeOptions, io: RuntimeIo, stopped: Promise<void> | undefined): Promise<number> {
  const worker = stopped !== undefined;
  let ws: Workspace;
  try {
    // A folder that does not exist, or a project never applied, is refused before anything is created.
    ws = Workspace.open(projectDir(path, io.cwd), options.engine ? { engine: options.engine } : {});
  } catch (e) {
    if (worker) reportFailed(e instanceof RuntimeError ? 1 : 2);
    if (e instanceof RuntimeError) return reportRuntimeError(e, io);
    throw e;
  }
  if (!worker && (options.workers ?? 1) > 1) {
    const engine = ws.config.offline.engine;
    await ws.close();
    const backend = engineBackend(engine);
    if (!backend.capabilities.multiProcess) {
      io.stderr(`fsql serve: --workers needs an offline engine that several processes can open (SQLite): a ${backend.label} database is opened by one process at a time\n`);
      return 2;
    }
    return runServePrimary({ workers: options.workers!, args: options.workerArgs ?? [path], ...(options.until ? { until: options.until } : {}), ...(options.onListening ? { onListening: options.onListening } : {}) }, io);
  }
  try {
    const tokenEnv = ws.config.server.tokenEnv;
    const token = process.env[tokenEnv];
    let server;
    let consumer: KafkaIngestor | undefined;
    let refresher: RefreshScheduler | undefined;
    try {
      // The offline engine is opened now: one never applied (`--engine duckdb` on a SQLite project) is refused before listening.
      await ws.engine();
      // Kafka sources are consumed by a single server (not by the workers of --workers: run fsql consume beside them).
      if (!worker && options.consume !== false && kafkaSources((await ws.catalog()).catalog).length > 0) consumer = new (await import('../runtime/kafka.js')).KafkaIngestor(ws, { onLog: (l) => io.stderr(`${l}\n`) });
      // --refresh: one process refreshes — this one, or with --workers the worker the primary chose (serve-workers.ts).
      if (options.refreshEveryMs !== undefined && (!worker || process.env[REFRESHER_ENV] === '1')) refresher = new RefreshScheduler(ws, { everyMs: options.refreshEveryMs, log: (l) => io.stderr(l) });
      server = await startServer(ws, {
        ...(consumer ? { kafka: consumer } : {}),
        ...(refresher ? { refresh: refresher } : {}),
        ...(options.host !== undefined ? { host: options.host } : {}),
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(token ? { token } : {}),
        // A worker's /metrics gathers every worker's through the primary.
        ...(worker ? { clusterMetrics: true } : {}),
      });
    } catch (e) {
      if (e instanceof ListenError) {
        if (worker) reportFailed(1);
        const hostProblem = e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.code === 'EAI_NONAME';
        const config = ws.config.file ?? 'fsql.json';
        const fix = hostProblem
          ? `give another --host (127.0.0.1 for this machine only, 0.0.0.0 for every address)${options.host === undefined ? ` or fix server.host in ${config}` : ''}`
          : `choose another port with --port N (0 for any free port)${options.port === undefined ? ` or set server.port in ${config}` : ''}`;
        io.stderr(`fsql serve: ${e.message}: ${fix}\n`);
        return 1;
      }
      if (e instanceof RuntimeError) {
        if (worker) reportFailed(1);
        return reportRuntimeError(e, io);
      }
      throw e;
    }
    const { catalog, excluded } = await ws.catalog();
    const features = Object.values(catalog.features).reduce((n, v) => n + v.length, 0);
    const banner =
      `fsql serving ${ws.dir} on ${server.url} (${features} feature versions; writes ${token ? `need the bearer token in $${tokenEnv}` : `are open: set $${tokenEnv} to require a bearer token`})\n` +
      `  try: curl -s ${server.url}/health   ·   API: ${server.url}/openapi.json\n`;
    refresher?.start();
    if (worker) {
      // The primary prints the banner once for all workers.
      reportListening(server.url, banner);
      await stopped;
      await refresher?.stop();
      await server.close();
      return 0;
    }
    io.stdout(banner);
    // Retired versions are not served by choice (list and /health say so); anything else left out is a surprise worth a warning.
    for (const x of excluded) if (!x.retired) io.stderr(`warning: ${x.kind} ${x.name} VERSION ${x.version} is not served: ${x.reason}\n`);
    const retired = excluded.filter((x) => x.retired).length;
    if (retired > 0) io.stderr(`${retired} retired version${retired === 1 ? '' : 's'} not served (fsql list shows them)\n`);
    if (consumer) {
      try {
        await consumer.start();
        io.stderr(`consuming ${consumer.consumed.map((s) => s.name).join(', ')} from Kafka ${consumer.settings.brokers.join(',')} (group ${consumer.settings.groupId}); lag in /health and /metrics\n`);
      } catch (e) {
        await consumer.stop();
        await server.close();
        if (e instanceof RuntimeError) return reportRuntimeError(e, io);
        throw e;
      }
    }
    options.onListening?.(server.url);
    await (options.until ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }));
    io.stdout('stopping…\n');
    await refresher?.stop();
    await consumer?.stop();
    await server.close();
    return 0;
  } finally {
    await ws.close();
  }
}
