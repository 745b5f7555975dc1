/**
 * The example project (examples/payments) served by a real `fsql serve` (or
 * `fsql ui`) process, for the browser tests and the screenshots: applied,
 * then given a VERSION 2 of `user_age` (a changed definition; the training
 * set keeps VERSION 1), a retired version (`avg_amount_7d` VERSION 1), the
 * sample stream events, and materialized; and headless Chromium
 * (playwright-core driving Debian's chromium).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { copyExample, fsql, ROOT } from '../runtime/support.js';

export const USER_AGE_V2 = `
CREATE FEATURE user_age VERSION 2
  ENTITY user FROM users
  AS age
  FILL MEAN
  SCALE MINMAX
  TAGS ('pii', 'profile');
`;

export const RETIRE_REASON = 'counted declined attempts too; VERSION 2 replaces it';

async function run(...argv: string[]): Promise<void> {
  const r = await fsql(...argv);
  if (r.code !== 0) throw new Error(`fsql ${argv.join(' ')} exited with ${r.code}:\n${r.stderr}\n${r.stdout}`);
}

/** The prepared copy of the example; `cleanup` removes it. */
export async function exampleProject(prefix = 'fsql-ui-'): Promise<{ dir: string; cleanup: () => void }> {
  const project = copyExample('payments', prefix);
  const dir = project.dir;
  try {
    await run('apply', dir, '--quiet');
    // A changed definition is a new VERSION; the training set keeps the one it was registered with.
    appendFileSync(join(dir, 'features', 'user_profile.fsql'), USER_AGE_V2);
    const training = join(dir, 'training.fsql');
    const text = readFileSync(training, 'utf8');
    if (!/^ {4}user_age,$/m.test(text)) throw new Error('examples/payments/training.fsql no longer lists `user_age,` on a line of its own');
    writeFileSync(training, text.replace(/^ {4}user_age,$/m, '    user_age VERSION 1,'));
    await run('apply', dir, '--quiet');
    await run('retire', 'avg_amount_7d', dir, '--version', '1', '--reason', RETIRE_REASON);
    await run('ingest', 'app_events', join(dir, 'data', 'app_events.jsonl'), dir);
    await run('materialize', dir, '--at', '2024-04-28 00:00:00');
  } catch (e) {
    project.cleanup();
    throw e;
  }
  return project;
}

export interface Served {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** `fsql serve DIR --port 0` (or `fsql ui …`) in its own process, once it says where it listens. */
export async function serve(dir: string, command: 'serve' | 'ui' = 'serve'): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), command, dir, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`fsql ${command} exited with ${code}:\n${err}\n${out}`));
    });
    setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`fsql ${command} did not start in 60 s:\n${err}\n${out}`));
    }, 60_000);
  });
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Builds the UI into dist/ui (what `npm ci` does through `prepare`), so the tests see the current sources. */
export async function buildUi(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'ui', 'vite.config.ts'), logLevel: 'error' });
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launch(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
