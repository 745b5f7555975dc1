/**
 * `fsql serve --workers 2`: two server processes on one port. Lookups are
 * answered by both; an event ingested through one is visible in lookups
 * answered by either; a worker that dies is replaced; SIGTERM stops them all
 * and the command exits 0. DuckDB projects are refused (one process per
 * database file).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, fsql, ROOT } from '../runtime/support.js';

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function until<T>(what: string, f: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const workerPids = (pid: number) =>
  // The workers run the CLI (`… bin.ts serve …`); other children (esbuild's service, under tsx) are not workers.
  execFileSync('pgrep', ['-P', String(pid), '-f', 'bin\\.ts serve'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(Number);

describe('fsql serve --workers', { timeout: 120_000 }, () => {
  const project = copyExample('payments', 'fsql-workers-');
  const dir = project.dir;
  beforeAll(async () => {
    expect((await fsql('apply', dir)).code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-04-30')).code).toBe(0);
  }, 120_000);
  afterAll(() => project.cleanup());

  it('serves from two processes on one port, ingest visible to both, replaces a dead worker, stops on SIGTERM', async () => {
    const s = start(['serve', dir, '--port', '0', '--workers', '2']);
    try {
      const url = await until('the banner', () => /fsql serving with 2 workers: .* on (http:\/\/[\d.:]+)/.exec(s.out())?.[1]);
      let pids = workerPids(s.child.pid!);
      expect(pids).toHaveLength(2);

      const failed = async () => {
        const r = await fetch(`${url}/v1/features/user/u0007?features=failed_logins_24h`);
        expect(r.status).toBe(200);
        return ((await r.json()) as { results: { features: { failed_logins_24h: { value: number } } }[] }).results[0]!.features.failed_logins_24h.value;
      };
      const before = await failed();
      const events = [1, 2, 3].map((i) => ({ event_id: `w${i}`, account_id: 'u0007', event_type: 'login_failed', ts: `2024-04-29 2${i}:00:00` }));
      const r = await fetch(`${url}/v1/ingest/app_events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
      expect(r.status).toBe(200);
      // New connections go to the workers in turn: every one of these answers with the new count.
      for (let i = 0; i < 10; i++) expect(await failed()).toBe(before + 3);

      // A worker killed is replaced, and the port keeps answering.
      process.kill(pids[0]!, 'SIGKILL');
      await until('a new worker', () => {
        const now = workerPids(s.child.pid!);
        return now.length === 2 && !now.includes(pids[0]!) ? now : undefined;
      });
      // The primary's stderr may arrive after the new worker shows: wait for it.
      await until('the message', () => (/worker \d+ was killed \(SIGKILL\); starting another/.test(s.err()) ? true : undefined), 10_000);
      for (let i = 0; i < 4; i++) expect(await failed()).toBe(before + 3);
      pids = workerPids(s.child.pid!);

      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      expect(s.out()).toContain('stopping…');
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });

  it('refuses --workers on a DuckDB project, and a bad count', async () => {
    const d = await fsql('serve', dir, '--workers', '2', '--engine', 'duckdb');
    // The DuckDB offline store of this project was never applied: the refusal comes first either way.
    expect(d.code).not.toBe(0);
    const bad = await fsql('serve', dir, '--workers', 'many');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--workers must be a number from 1 to 64');
  });
});
