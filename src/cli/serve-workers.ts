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
import { primaryMetrics } from '../server/metrics.js';

/** Set in a worker's environment: run one server, report to the primary. */
export const WORKER_ENV = 'FSQL_SERVE_WORKER';
/** Set in the environment of the one worker that runs `serve --refresh`'s schedule. */
export const REFRESHER_ENV = 'FSQL_SERVE_REFRESHER';

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

/** Start-up failures (a worker that died before it listened) tolerated within `FAILURE_WINDOW_MS` before giving up. */
export const MAX_START_FAILURES = 5;
const FAILURE_WINDOW_MS = 60_000;
/** The wait before starting a worker again after the n-th recent start-up failure: 250 ms, doubling, at most 4 s. */
const backoffMs = (n: number) => Math.min(250 * 2 ** Math.max(0, n - 1), 4000);

/** A worker's end in words: `exited with code 3` or `was killed (SIGKILL)`. */
function howItEnded(code: number | null, signal: string | null): string {
  return signal ? `was killed (${signal})` : `exited with code ${code}`;
}

/**
 * The primary: starts the workers and supervises them until asked to stop;
 * the exit code. A worker that refuses to start (it reported why: a project
 * never applied, a port in use) stops them all, with its exit code. A
 * worker that dies otherwise is started again, and the primary says why
 * (its exit code or signal and the last line it wrote to stderr): at once
 * if it had been serving; after a back-off if it died while starting. After
 * `MAX_START_FAILURES` such start-up deaths within a minute it gives up:
 * a message, and exit code 1.
 */
export async function runServePrimary(options: WorkersOptions, io: RuntimeIo): Promise<number> {
  const { exec, execArgv } = cliEntry();
  // A worker answering GET /metrics asks here for every worker's metrics (prom-client's AggregatorRegistry).
  const metricsAsked = primaryMetrics();
  // silent: the workers' output comes through here, so that the last line a worker wrote can say why it died.
  cluster.setupPrimary({ exec, execArgv, args: ['serve', ...options.args], silent: true });
  let stopping = false;
  const live = new Set<Worker>();
  const listening = new Set<Worker>();
  let announced = false;
  let failure: number | undefined;
  let gaveUp = false;
  const startFailures: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let allExited: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (allExited = resolve));
  let started!: (ok: boolean) => void;
  const ready = new Promise<boolean>((resolve) => (started = resolve));
  let givingUp!: () => void;
  const gaveUpNow = new Promise<void>((resolve) => (givingUp = resolve));
  let interrupted = false;

  // `serve --refresh`: one worker refreshes; when it dies, its replacement does.
  let refresher: Worker | undefined;
  const fork = (): void => {
    const refreshes = refresher === undefined;
    const w = cluster.fork({ [WORKER_ENV]: '1', ...(refreshes ? { [REFRESHER_ENV]: '1' } : {}) });
    if (refreshes) refresher = w;
    live.add(w);
    let lastLine = '';
    let partial = '';
    w.process.stdout?.on('data', (d: Buffer) => io.stdout(d.toString()));
    w.process.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      io.stderr(text);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      const last = lines.reverse().find((l) => l.trim() !== '');
      if (last !== undefined) lastLine = last.trim();
    });
    w.on('message', (m: FromWorker) => {
      metricsAsked(w, m);
      if (m.kind === 'listening') {
        listening.add(w);
        if (!announced && listening.size === options.workers) {
          announced = true;
          io.stdout(`${m.banner.replace(/^fsql serving/, `fsql serving with ${options.workers} workers:`)}`);
          options.onListening?.(m.url);
          started(true);
        } else if (announced) {
          io.stderr(`fsql serve: worker ${w.process.pid} is listening (${listening.size} of ${options.workers})\n`);
        }
      } else if (m.kind === 'failed') {
        failure = m.code;
      }
    });
    w.on('exit', (code, signal) => {
      if (refresher === w) refresher = undefined;
      const wasListening = listening.has(w);
      live.delete(w);
      listening.delete(w);
      if (!stopping) {
        if (failure !== undefined && !wasListening) {
          // It said why it cannot start (a bad project, a port in use): starting it again would not help.
          stop();
          started(false);
          givingUp();
        } else {
          // What it wrote last says why it died while starting, or why it crashed; a serving worker killed by a
          // signal has nothing to say (its last line is old news).
          const last = !wasListening || signal === null ? (partial.trim() || lastLine).slice(0, 500) : '';
          const why = `worker ${w.process.pid} ${howItEnded(code, signal)}${wasListening ? '' : ' while starting'}${last ? ` (its last words: ${last})` : ''}`;
          if (wasListening) {
            io.stderr(`fsql serve: ${why}; starting another\n`);
            fork();
          } else {
            const now = Date.now();
            startFailures.push(now);
            while (startFailures.length > 0 && startFailures[0]! < now - FAILURE_WINDOW_MS) startFailures.shift();
            if (startFailures.length >= MAX_START_FAILURES) {
              io.stderr(`fsql serve: ${why}\nfsql serve: giving up: ${startFailures.length} workers died while starting in the last ${FAILURE_WINDOW_MS / 1000} s (run \`fsql serve\` without --workers to see the error in full)\n`);
              gaveUp = true;
              stop();
              started(false);
              givingUp();
            } else {
              const wait = backoffMs(startFailures.length);
              io.stderr(`fsql serve: ${why}; starting another in ${wait >= 1000 ? `${wait / 1000} s` : `${wait} ms`}\n`);
              const t = setTimeout(() => {
                timers.delete(t);
                if (!stopping) fork();
              }, wait);
              timers.add(t);
            }
          }
        }
      }
      if (live.size === 0 && stopping) allExited();
    });
  };
  for (let i = 0; i < options.workers; i++) fork();

  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    if (live.size === 0) allExited();
    // A worker still starting may not listen for messages yet: SIGTERM (it stops gracefully once it handles it).
    for (const w of live) {
      if (listening.has(w) && w.isConnected()) w.send('stop');
      else w.process.kill('SIGTERM');
    }
  };
  let signalled: () => void = () => undefined;
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = () => {
    interrupted = true;
    if (!announced) stop();
    signalled();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ok = await Promise.race([ready, signal.then(() => false)]);
    if (!ok) {
      stop();
      await exited;
      // Stopped by a signal before every worker listened: a stop like any other.
      return gaveUp ? 1 : (failure ?? (interrupted ? 0 : 1));
    }
    await Promise.race([options.until ?? new Promise<never>(() => undefined), signal, gaveUpNow]);
    if (!gaveUp && failure === undefined) io.stdout('stopping…\n');
    stop();
    await exited;
    return gaveUp ? 1 : (failure ?? 0);
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
