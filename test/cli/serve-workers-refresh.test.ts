/**
 * `fsql serve --workers 2 --refresh 1s`: one worker refreshes (the primary
 * starts one with FSQL_SERVE_REFRESHER=1, and its replacement when it dies);
 * the other serves what it writes. Each run is logged once, runs never
 * overlap, `/metrics` (gathered from both workers) counts the refresher's
 * runs, and every worker's /health shows the vectors' refreshed time.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { fsql, ROOT } from '../runtime/support.js';
import { copyPayments } from '../server/support.js';

/** A GET on a connection of its own (no keep-alive): the cluster hands it to the next worker. */
function get(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fsql serve --workers 2 --refresh', { timeout: 120_000 }, () => {
  const dir = copyPayments();
  beforeAll(async () => {
    expect((await fsql('apply', dir)).code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-04-30')).code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refreshes in one worker, on schedule, one run at a time', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), 'serve', dir, '--port', '0', '--workers', '2', '--refresh', '1s'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      let url: string | undefined;
      while (!(url = /fsql serving with 2 workers: .* on (http:\/\/[\d.:]+)/.exec(out)?.[1])) {
        if (Date.now() > deadline) throw new Error(`no banner: ${out}${err}`);
        await sleep(50);
      }
      const started = Date.now();
      while ((err.match(/fsql serve: refreshed /g) ?? []).length < 3) {
        if (Date.now() > deadline) throw new Error(`no refresh: ${err}`);
        await sleep(100);
      }
      const seconds = (Date.now() - started) / 1000;
      const runs = (err.match(/fsql serve: refreshed /g) ?? []).length;
      // One refresher: at most one run per second since the servers listened (two refreshers would log twice as many).
      expect(runs).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
      // The first run moved the vectors from 2024-04-30 to now; every entity, incrementally.
      expect(err).toMatch(/fsql serve: refreshed card \d+ of \d+ keys, merchant \d+ of \d+ keys, user \d+ of \d+ keys in [\d.]+ s/);
      expect(err).not.toMatch(/refresh failed/);
      const metrics = parsePrometheus((await get(`${url}/metrics`)).text);
      expect(sampleValue(metrics, 'fsql_refresh_runs')).toBeGreaterThanOrEqual(3);
      expect(sampleValue(metrics, 'fsql_refresh_failures')).toBe(0);
      // Both workers (connections alternate) see the refreshed time in the shared store; the refresher also its runs.
      const healths = await Promise.all([get(`${url}/health`), get(`${url}/health`)]).then((rs) => rs.map((r) => JSON.parse(r.text)));
      for (const h of healths) for (const m of h.materialized) expect(Date.parse(m.refreshed_as_of)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
