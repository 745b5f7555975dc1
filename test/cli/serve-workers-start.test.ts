/**
 * `fsql serve --workers N` when a worker dies while starting (issue 10,
 * finding 4): it is started again after a back-off, and the primary says why
 * (exit code or signal, the worker's last stderr line); after 5 such deaths
 * within a minute it gives up with a message and exit code 1 — never a
 * silent exit, never exit 70.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, fsql, ROOT, tempDir } from '../runtime/support.js';

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function until<T>(what: string, f: () => T | undefined, ms = 60_000, pollMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const workerPids = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', 'bin\\.ts serve'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

describe('fsql serve --workers: a worker that dies while starting', { timeout: 120_000 }, () => {
  const project = copyExample('payments', 'fsql-workers-start-');
  const dir = project.dir;
  const scratch = tempDir('fsql-workers-hook-');
  beforeAll(async () => {
    expect((await fsql('apply', dir)).code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-04-30')).code).toBe(0);
  }, 120_000);
  afterAll(() => {
    project.cleanup();
    scratch.cleanup();
  });

  it('is started again, and the primary says why', async () => {
    const s = start(['serve', dir, '--port', '0', '--workers', '2']);
    try {
      // Killed before it listens: a worker under tsx takes a second or more to start.
      const victim = await until('a worker', () => workerPids(s.child.pid!)[0], 30_000, 5);
      process.kill(victim, 'SIGKILL');
      const url = await until('the banner', () => /fsql serving with 2 workers: .* on (http:\/\/[\d.:]+)/.exec(s.out())?.[1]);
      expect(s.err()).toContain(`worker ${victim} was killed (SIGKILL) while starting; starting another in 250 ms`);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });

  it('gives up after 5 start-up deaths within a minute: a message with the last words, exit 1', async () => {
    // Every worker (not the primary) dies at once, saying why.
    const hook = join(scratch.dir, 'die.cjs');
    writeFileSync(hook, `if (process.env.FSQL_SERVE_WORKER === '1') { console.error('boom: this worker cannot start'); process.exit(3); }\n`);
    const s = start(['serve', dir, '--port', '0', '--workers', '2'], { NODE_OPTIONS: `--require ${hook}` });
    try {
      const code = await s.exited;
      expect(code).toBe(1);
      const err = s.err();
      expect(err).toMatch(/worker \d+ exited with code 3 while starting \(its last words: boom: this worker cannot start\); starting another in 250 ms/);
      expect(err).toMatch(/starting another in 2 s/);
      expect(err).toContain('fsql serve: giving up: 5 workers died while starting in the last 60 s');
      expect(err).not.toContain('internal error');
      expect(s.out()).not.toContain('fsql serving');
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });
});
