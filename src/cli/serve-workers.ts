/**
 * `fsql serve --workers N`: N server processes sharing one port (node:cluster;
 * the primary hands each connection to a worker in turn), for machines with
 * more cores than one Node process uses. Every worker opens the project on
 * its own — the online store and the SQLite offline store are shared files
 * (WAL: readers never wait, writers take turns) — so lookups scale with the
 * workers; ingests from different workers are each durable and update the
 * online store before they answer, as with one process.
 *
 * The primary only supervises: it prints the address once every worker
 * listens, starts a new worker when one dies, and on SIGINT / SIGTERM asks
 * every worker to stop gracefully and waits for them.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { RuntimeIo } from './runtime-commands.js';

/** Set in a worker's environment: run one server, report to the primary. */
export const WORKER_ENV = 'FSQL_SERVE_WORKER';

export function isServeWorker(): boolean {
  return process.env[WORKER_ENV] === '1' && cluster.isWorker;
}

/** Messages between the primary and its workers. */
type FromWorker = { readonly kind: 'listening'; readonly url: string; readonly banner: string } | { readonly kind: 'failed'; readonly code: number };

/** The CLI entry this module belongs to, and how to run it (tsx for the TypeScript sources). */
function cliEntry(): { exec: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  return { exec: here.replace(/serve-workers\.(ts|js)$/, `bin.${ts ? 'ts' : 'js'}`), execArgv: ts ? ['--import', 'tsx'] : [] };
}

export interface WorkersOptions {
  readonly workers: number;
  /** The serve command's own arguments (path and options, without --workers), for the workers. */
  readonly args: readonly string[];
  readonly until?: Promise<unknown>;
  readonly onListening?: (url: string) => void;
}

/** The primary: starts the workers and supervises them until asked to stop; the exit code. */
export async function runServePrimary(options: WorkersOptions, io: RuntimeIo): Promise<number> {
  const { exec, execArgv } = cliEntry();
  cluster.setupPrimary({ exec, execArgv, args: ['serve', ...options.args], silent: false });
  let stopping = false;
  const live = new Set<Worker>();
  const listening = new Set<Worker>();
  let announced = false;
  let failure: number | undefined;
  let allExited: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (allExited = resolve));
  let started!: (ok: boolean) => void;
  const ready = new Promise<boolean>((resolve) => (started = resolve));

  const fork = (): void => {
    const w = cluster.fork({ [WORKER_ENV]: '1' });
    live.add(w);
    w.on('message', (m: FromWorker) => {
      if (m.kind === 'listening') {
        listening.add(w);
        if (!announced && listening.size === options.workers) {
          announced = true;
          io.stdout(`${m.banner.replace(/^fsql serving/, `fsql serving with ${options.workers} workers:`)}`);
          options.onListening?.(m.url);
          started(true);
        }
      } else if (m.kind === 'failed') {
        failure = m.code;
      }
    });
    w.on('exit', (code, signal) => {
      live.delete(w);
      listening.delete(w);
      if (!announced && !stopping) {
        // A worker that cannot start (a bad project, a port in use): stop the others and fail.
        stop();
        started(false);
      } else if (!stopping) {
        io.stderr(`fsql serve: worker ${w.process.pid} ${signal ? `was killed (${signal})` : `exited with ${code}`}; starting another\n`);
        fork();
      }
      if (live.size === 0 && stopping) allExited();
    });
  };
  for (let i = 0; i < options.workers; i++) fork();

  const stop = () => {
    if (stopping) return;
    stopping = true;
    // A worker still starting may not listen for messages yet: SIGTERM (it stops gracefully once it handles it).
    for (const w of live) {
      if (listening.has(w) && w.isConnected()) w.send('stop');
      else w.process.kill('SIGTERM');
    }
  };
  let signalled: () => void = () => undefined;
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = () => {
    if (!announced) stop();
    signalled();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (!(await ready)) {
      await exited;
      return failure ?? 1;
    }
    await Promise.race([options.until ?? new Promise<never>(() => undefined), signal]);
    io.stdout('stopping…\n');
    stop();
    await exited;
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** In a worker: tells the primary the server listens. */
export function reportListening(url: string, banner: string): void {
  process.send?.({ kind: 'listening', url, banner } satisfies FromWorker);
}

/** In a worker: tells the primary it failed to start (then exits). */
export function reportFailed(code: number): void {
  process.send?.({ kind: 'failed', code } satisfies FromWorker);
}

/** In a worker: resolves when the primary asks it to stop (or the process gets SIGTERM). */
export function stopRequested(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.on('message', (m) => {
      if (m === 'stop') resolve();
    });
    process.once('SIGTERM', () => resolve());
    // Ctrl-C reaches the whole process group: the primary's 'stop' does the stopping.
    process.on('SIGINT', () => undefined);
  });
}
