/**
 * `fsql serve --workers 2`: `/metrics`, answered by either worker, holds the
 * counts of both (the primary gathers them with prom-client's
 * AggregatorRegistry). New connections go to the workers in turn, so the 20
 * requests below are split between them; a scrape that showed one worker's
 * counts would show about 10.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { fsql, ROOT } from '../runtime/support.js';
import { copyPayments } from '../server/support.js';
import { rmSync } from 'node:fs';

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

describe('fsql serve --workers: /metrics of every worker', { timeout: 120_000 }, () => {
  const dir = copyPayments();
  beforeAll(async () => {
    expect((await fsql('apply', dir)).code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-04-30')).code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sums the counters of both workers', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), 'serve', dir, '--port', '0', '--workers', '2'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      let url: string | undefined;
      while (!(url = /fsql serving with 2 workers: .* on (http:\/\/[\d.:]+)/.exec(out)?.[1])) {
        if (Date.now() > deadline) throw new Error(`no banner: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const labels = { route: '/health', method: 'GET', status: '200' };
      const before = parsePrometheus((await get(`${url}/metrics`)).text);
      for (let i = 0; i < 20; i++) expect((await get(`${url}/health`)).status).toBe(200);
      const scrape = await get(`${url}/metrics`);
      expect(scrape.status).toBe(200);
      const after = parsePrometheus(scrape.text);
      expect(sampleValue(after, 'fsql_http_requests_total', labels) - sampleValue(before, 'fsql_http_requests_total', labels)).toBe(20);
      expect(sampleValue(after, 'fsql_http_request_duration_seconds_count', labels) - sampleValue(before, 'fsql_http_request_duration_seconds_count', labels)).toBe(20);
      // The gauges every worker computes alike are not summed: the newest transaction (March–April 2024), not twice it.
      const newest = sampleValue(after, 'fsql_source_newest_event_time_seconds', { source: 'transactions' });
      expect(newest).toBeGreaterThan(Date.UTC(2024, 0, 1) / 1000);
      expect(newest).toBeLessThan(Date.UTC(2024, 5, 1) / 1000);
      expect(sampleValue(after, 'fsql_online_updates_owed')).toBe(0);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
