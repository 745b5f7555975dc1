/**
 * The worker-kill durability run (issue 10, finding 2): `fsql serve
 * --workers 2` over a copy of examples/payments takes batches of events from
 * concurrent clients on a few hot keys while its workers are killed with
 * SIGKILL, one per cycle. After each cycle (clients stopped, the killed
 * worker replaced, what it owed carried out) every key must serve, twice a
 * second apart, exactly the failed_logins_24h the offline file holds —
 * counted by hand-written SQL on the file, not by fsql — so no acknowledged
 * event is missing, and none of a batch that was not acknowledged but
 * stored. Seeded: the same seed makes the same batches, kill times and
 * victims (the interleavings still vary with the machine's timing).
 *
 * Used by test/cli/serve-workers-kill.test.ts (a few cycles) and by the fuzz
 * tier of .ci/run (.ci/fuzz/worker-kill.ts: more cycles, bounded in time).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { copyPayments, prepare, ROOT, T } from '../server/support.js';

const HOUR = 3_600_000_000;
const at = (us: number) => new Date(us / 1000).toISOString().replace('T', ' ').replace('.000Z', '');

/** mulberry32 */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WorkerKillOptions {
  readonly seed: number;
  /** Most kill cycles. */
  readonly cycles: number;
  /**
   * Stop starting new cycles after this long (ms). A cycle still under way
   * 30 s later is abandoned (not counted: on a loaded machine a worker under
   * tsx can take many seconds to start), so the run ends by budget + 30 s
   * (plus the set-up: an apply, a materialize and the first start).
   */
  readonly budgetMs: number;
  /** Concurrent clients (default 4). */
  readonly clients?: number;
  /** Hot keys the events go to (default 8: clients often touch the same key at once). */
  readonly keys?: number;
  readonly log?: (line: string) => void;
}

export interface CycleResult {
  readonly cycle: number;
  readonly acked: number;
  readonly unacked: number;
  /** Keys whose served count differs from the stored events', with both numbers. */
  readonly mismatches: readonly string[];
}

export interface WorkerKillResult {
  readonly seed: number;
  readonly cycles: readonly CycleResult[];
  /** The server's stderr, for a failure's report. */
  readonly stderr: string;
  /** The primary's exit code after SIGTERM (0 expected). */
  readonly exitCode: number | null;
  /** A cycle abandoned at the deadline (not in `cycles`). */
  readonly abandoned?: number;
}

class OutOfTime extends Error {}

interface Batch {
  readonly events: { event_id: string; account_id: string; event_type: string; ts: string }[];
}

export async function runWorkerKill(options: WorkerKillOptions): Promise<WorkerKillResult> {
  const log = options.log ?? (() => undefined);
  const random = prng(options.seed);
  const hot = Array.from({ length: options.keys ?? 40 }, (_v, i) => `u${String(i + 1).padStart(4, '0')}`);
  const sentinel = 'u0150';
  const accounts = [...hot, sentinel];
  const dir = copyPayments();
  const started = Date.now();
  (await prepare(dir, T)).close();
  // A port of our own, not 0: with every worker gone at once, the port is listened on again (0 would pick another).
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), 'serve', dir, '--port', String(port), '--workers', '2'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const results: CycleResult[] = [];
  let serial = 0;
  let abandoned: number | undefined;
  let abortAt = Infinity;
  /** Waits for `f` within `ms`, or until the run's deadline (then OutOfTime). */
  const wait = async <X>(what: string, f: () => X | undefined, ms: number, dead?: () => boolean): Promise<X> => {
    const left = abortAt - Date.now();
    if (left < ms) {
      try {
        return await until(what, f, Math.max(0, left), dead);
      } catch (e) {
        if (Date.now() >= abortAt && !(dead?.() ?? false)) throw new OutOfTime(what);
        throw e;
      }
    }
    return until(what, f, ms, dead);
  };
  try {
    const url = await until('the banner', () => /fsql serving with 2 workers: .* on (http:\/\/[\d.:]+)/.exec(out)?.[1], 120_000, () => child.exitCode !== null);
    const workers = () => {
      try {
        return execFileSync('pgrep', ['-P', String(child.pid), '-f', 'bin\\.ts serve'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    const offline = join(dir, '.fsql', 'offline.db');
    const online = join(dir, '.fsql', 'online.db');

    const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
      const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : undefined };
    };
    /** For the checks, which are safe to retry (a lookup; a batch under an idempotency key): a pooled connection may still be one the killed worker held. */
    const retried = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await post(path, body, headers);
        } catch (e) {
          if (attempt >= 5) throw new Error(`${path}: ${String((e as { cause?: unknown }).cause ?? e)}`);
          await sleep(100);
        }
      }
    };
    const makeBatch = (): Batch => ({
      events: Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
        event_id: `k${serial++}`,
        account_id: hot[Math.floor(random() * hot.length)]!,
        event_type: random() < 0.7 ? 'login_failed' : 'login',
        // After the snapshot time, on a clock that moves on like a real one (the run lasts minutes, the window is
        // 24 hours): each batch moves its keys' vectors to a later time, and a vector computed as of an earlier
        // time than another's newest event would leave that event out.
        ts: at(T + (Date.now() - started) * 1000 + Math.floor(random() * 1_000_000)),
      })),
    });

    /**
     * failed_logins_24h of every key as the offline file holds it, by hand-written SQL: every event of the
     * run is within the 24 hours before the newest, so a vector as of the newest event holds them all.
     */
    const stored = (): Map<string, number> => {
      const db = new Database(offline, { readonly: true, fileMustExist: true });
      try {
        const rows = db
          .prepare(`SELECT account_id AS k, COUNT(*) AS n FROM app_events WHERE event_type = 'login_failed' AND ts > ? GROUP BY account_id`)
          .all(T - 24 * HOUR) as { k: string; n: number }[];
        return new Map(rows.map((r) => [r.k, r.n]));
      } finally {
        db.close();
      }
    };
    const owed = (): number => {
      const db = new Database(online, { readonly: true, fileMustExist: true });
      try {
        return db.prepare('SELECT count(*) FROM fsql_online_pending WHERE settled_at IS NULL').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    const mismatches = async (): Promise<string[]> => {
      const want = stored();
      const r = await retried('/v1/features/user', { keys: accounts.map((a) => [a]), features: ['failed_logins_24h'] });
      if (r.status !== 200) return [`lookup answered ${r.status}: ${JSON.stringify(r.body)}`];
      const served = (r.body.results as { features: { failed_logins_24h: { value: number } } }[]).map((x) => x.features.failed_logins_24h.value);
      return accounts.flatMap((a, i) => (served[i] === (want.get(a) ?? 0) ? [] : [`${a}: served ${served[i]}, stored ${want.get(a) ?? 0}`]));
    };

    abortAt = started + options.budgetMs + 30_000;
    for (let cycle = 1; cycle <= options.cycles && Date.now() - started < options.budgetMs; cycle++) {
      let running = true;
      let clients: Promise<void>[] = [];
      try {
        let acked = 0;
        let unacked = 0;
        const client = async () => {
          while (running) {
            const b = makeBatch();
            try {
              const r = await post('/v1/ingest/app_events', b.events);
              if (r.status === 200 && r.body.accepted === b.events.length) acked++;
              else unacked++;
            } catch {
              // The connection went with a killed worker: not acknowledged.
              unacked++;
            }
          }
        };
        clients = Array.from({ length: options.clients ?? 6 }, client);
        // Kill a worker while batches are in flight, keep ingesting while another starts and carries out what
        // the killed one owed, then stop.
        await sleep(200 + Math.floor(random() * 600));
        const before = workers();
        const victim = before[Math.floor(random() * before.length)];
        if (victim !== undefined) process.kill(victim, 'SIGKILL');
        const replacement = await wait('a new worker', () => {
          const now = workers();
          return now.length === 2 && !now.includes(victim!) ? now.find((p) => !before.includes(p)) : undefined;
        }, 60_000);
        await wait('the new worker to listen', () => (err.includes(`worker ${replacement} is listening`) ? true : undefined), 60_000, () => child.exitCode !== null);
        await sleep(Math.floor(random() * 500));
        running = false;
        await Promise.all(clients);
        // One more batch settles anything a dead worker still owes (the next ingest carries it out first).
        const id = `s${serial++}`;
        const settle = await retried('/v1/ingest/app_events', [{ event_id: id, account_id: sentinel, event_type: 'login_failed', ts: at(T - HOUR) }], { 'idempotency-key': id });
        if (settle.status !== 200) throw new Error(`the settling batch answered ${settle.status}: ${JSON.stringify(settle.body)}`);
        await wait('nothing owed', () => (owed() === 0 ? true : undefined), 30_000);
        const first = await mismatches();
        await sleep(1000);
        const second = await mismatches();
        const all = [...new Set([...first, ...second])];
        results.push({ cycle, acked, unacked, mismatches: all });
        log(`cycle ${cycle}: killed worker ${victim}; ${acked} batches acknowledged, ${unacked} not; ${all.length === 0 ? 'every key serves the stored events' : `MISMATCH ${all.join('; ')}`}`);
      } catch (e) {
        if (!(e instanceof OutOfTime)) throw e;
        running = false;
        await Promise.all(clients);
        abandoned = cycle;
        log(`cycle ${cycle}: abandoned at the deadline (waiting for ${e.message}); not counted`);
        break;
      }
    }
    child.kill('SIGTERM');
    const exitCode = await exited;
    return { seed: options.seed, cycles: results, stderr: err, exitCode, ...(abandoned !== undefined ? { abandoned } : {}) };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, f: () => T | undefined, ms: number, dead: () => boolean = () => false): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (dead()) throw new Error(`the server exited while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
