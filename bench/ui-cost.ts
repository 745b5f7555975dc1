/**
 * What the web UI costs lookups (`npm run bench:ui-cost`): the `http`
 * workload's project (bench/http.ts: 50 features, 10k keys) served twice in
 * the same run — without the UI's routes (`ui: false`, the server as it was
 * before the UI) and with them (the built dist/ui, as `fsql serve` runs) —
 * each in its own process, in alternating rounds (A B A B …) so that the
 * machine's load falls on both alike. Each round: autocannon for the
 * throughput (10 connections) and the server's CPU per request, then one
 * request at a time for p50 / p99. The medians of the rounds are printed,
 * and with-UI ÷ without-UI. Lookups of 1 key × 50 features.
 *
 *   tsx bench/ui-cost.ts [--rounds 3] [--seconds 5] [--users 10000] [--events 200000]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { autocannon, childCpu, fmt, note, postJson, prng, sequential, setUp, stopChild } from './http.js';

interface Sample {
  readonly requestsPerSec: number;
  readonly cpuUsPerRequest: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function startServerChild(dir: string, ui: boolean): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--server', dir, ui ? 'ui' : 'none'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  return { url, child };
}

async function measure(dir: string, ui: boolean, bodies: readonly string[], seconds: number): Promise<Sample> {
  const { url, child } = await startServerChild(dir, ui);
  try {
    const target = `${url}/v1/features/user`;
    if (ui) {
      const index = await fetch(`${url}/`);
      if (index.status !== 200) throw new Error(`the server with the UI answered ${index.status} at / (run npm run build:ui)`);
    }
    let next = 0;
    // Warm-up: the JIT and the render cache, untimed.
    await autocannon({ url: target, connections: 10, duration: 1, requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[next++ % bodies.length] }) }] });
    const cpu0 = await childCpu(child);
    const ac = await autocannon({
      url: target,
      connections: 10,
      duration: seconds,
      requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    });
    const cpu1 = await childCpu(child);
    if (ac.errors + ac.timeouts + ac.non2xx > 0) throw new Error(`${ac.errors + ac.timeouts + ac.non2xx} failed requests`);
    const lat = await sequential(seconds * 500, () => postJson(target, bodies[next++ % bodies.length]!));
    return { requestsPerSec: ac.requests.average, cpuUsPerRequest: (cpu1 - cpu0) / Math.max(1, ac.requests.total), p50Ms: lat.p50Ms, p99Ms: lat.p99Ms };
  } finally {
    await stopChild(child);
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(args: Record<string, string>): Promise<void> {
  const rounds = Number(args['rounds'] ?? 3);
  const seconds = Number(args['seconds'] ?? 5);
  const users = Number(args['users'] ?? 10_000);
  const events = Number(args['events'] ?? 200_000);
  const { dir, setupMs } = await setUp(users, events);
  try {
    console.log(`${fmt(users)} keys × 50 features, ${fmt(events)} events; set up in ${fmt(setupMs / 1000, 1)} s; ${rounds} rounds of ${seconds} s each, alternating`);
    const random = prng(3);
    const bodies = Array.from({ length: 2000 }, () => JSON.stringify({ keys: [[`user_${Math.floor(random() * users * 1.1)}`]] }));
    const samples: Record<'none' | 'ui', Sample[]> = { none: [], ui: [] };
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always follows the other.
      for (const ui of r % 2 === 0 ? [false, true] : [true, false]) {
        const s = await measure(dir, ui, bodies, seconds);
        samples[ui ? 'ui' : 'none'].push(s);
        console.log(`  round ${r + 1} ${ui ? 'with the UI   ' : 'without the UI'}: ${fmt(s.requestsPerSec).padStart(7)} req/s  ${fmt(s.cpuUsPerRequest).padStart(4)} µs CPU/req  p50 ${fmt(s.p50Ms, 3)} ms  p99 ${fmt(s.p99Ms, 3)} ms`);
      }
    }
    const m = (k: 'none' | 'ui', f: keyof Sample) => median(samples[k].map((s) => s[f]));
    console.log('lookups of 1 key × 50 features   req/s (10 conn.)   server CPU µs/req   p50 ms   p99 ms   (medians)');
    for (const [label, k] of [
      ['without the UI (before)', 'none'],
      ['with the UI (after)', 'ui'],
    ] as const) {
      console.log(`${label.padEnd(32)} ${fmt(m(k, 'requestsPerSec')).padStart(16)}   ${fmt(m(k, 'cpuUsPerRequest')).padStart(17)}   ${fmt(m(k, 'p50Ms'), 3).padStart(6)}   ${fmt(m(k, 'p99Ms'), 3).padStart(6)}`);
    }
    const ratio = (f: keyof Sample) => `${fmt(m('ui', f) / m('none', f), 3)}×`;
    console.log(`${'with ÷ without'.padEnd(32)} ${ratio('requestsPerSec').padStart(16)}   ${ratio('cpuUsPerRequest').padStart(17)}   ${ratio('p50Ms').padStart(6)}   ${ratio('p99Ms').padStart(6)}`);
    note();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The server child: `--server DIR ui|none`. */
async function serverMain(dir: string, ui: boolean): Promise<void> {
  const { Workspace } = await import('../src/runtime/workspace.js');
  const { startServer } = await import('../src/server/index.js');
  const ws = await Workspace.open(dir);
  const server = await startServer(ws, { host: '127.0.0.1', port: 0, ...(ui ? {} : { ui: false }) });
  process.send?.({ url: server.url });
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.once('SIGTERM', () => {
    void server.close().then(() => ws.close()).then(() => process.exit(0));
  });
}

const argv = process.argv.slice(2);
if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const run =
    argv[0] === '--server'
      ? serverMain(argv[1]!, argv[2] === 'ui')
      : main(Object.fromEntries(argv.flatMap((a, i) => (a.startsWith('--') ? [[a.slice(2), argv[i + 1] ?? '']] : []))));
  run.catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
