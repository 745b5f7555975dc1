/**
 * The HTTP workloads (`fsql serve`): a generated project with 50 features on
 * one entity, all reading one STREAM source (40 windowed aggregates, 10
 * ONE_HOT latest values of 5 columns: 90 value columns), its history pushed
 * through the runtime's ingest, materialized, then served by a server in its
 * own process while this process drives it.
 *
 * - `http`: lookups of 1 key × 50 features and 100 keys × 50 features,
 *   random keys (one in ten unknown). Throughput with autocannon (10
 *   connections, the server saturated) and latency one request at a time
 *   (p50 / p99, no queueing), since the machine has 2 cores and autocannon
 *   shares them.
 * - `ingest`: bench/ingest-http.ts, on the same project.
 *
 * Targets: p99 < 2 ms for 1 key × 50 features, < 10 ms for 100 keys;
 * ≥ 10k requests/s. Printed, never asserted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HOUR = 3_600_000_000;
const DAY = 24 * HOUR;
/** 2024-04-01 00:00 UTC: materialization time; history spans the 30 days before. */
export const T = Date.UTC(2024, 3, 1) * 1000;
const KINDS = ['a', 'b', 'c', 'd', 'e'];

/** mulberry32: a small deterministic PRNG. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The project: one entity, one stream, `features` features (every fifth a ONE_HOT). */
export function httpProjectText(features = 50): string {
  const aggs = ['SUM(amount)', 'AVG(amount)', 'MAX(amount)', 'MIN(amount)', 'COUNT(*)'];
  const windows = ['1 HOUR', '6 HOURS', '1 DAY', '7 DAYS', '30 DAYS'];
  const wheres = ['', " WHERE kind = 'a'", ' WHERE amount > 50'];
  const out = [
    'CREATE ENTITY user KEY (user_id TEXT);',
    'CREATE SOURCE events (event_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;',
  ];
  for (let i = 0; i < features; i++) {
    if (i % 5 === 4) {
      out.push(`CREATE FEATURE kind_${i} ENTITY user FROM events AS kind TTL ${1 + (i % 7)} DAYS ONE_HOT (${KINDS.map((k) => `'${k}'`).join(', ')});`);
    } else {
      const agg = aggs[i % aggs.length]!;
      const fill = agg.startsWith('SUM') || agg.startsWith('COUNT') ? ' FILL ZERO' : '';
      out.push(`CREATE FEATURE f_${i} ENTITY user FROM events AS ${agg} WINDOW ${windows[Math.floor(i / 5) % windows.length]}${wheres[i % wheres.length]}${fill};`);
    }
  }
  return `${out.join('\n')}\n`;
}

const userKey = (i: number) => `user_${i}`;

export function randomEvents(count: number, users: number, random: () => number, from: number, to: number, prefix: string): Record<string, unknown>[] {
  return Array.from({ length: count }, (_v, i) => ({
    event_id: `${prefix}${i}`,
    user_id: userKey(Math.floor(random() * users)),
    kind: KINDS[Math.floor(random() * KINDS.length)],
    amount: Math.round(random() * 20000) / 100,
    ts: new Date((from + Math.floor(random() * (to - from))) / 1000).toISOString(),
  }));
}

/** Writes, applies, fills and materializes the project in a new temporary folder. */
export async function setUp(users: number, events: number): Promise<{ dir: string; setupMs: number }> {
  const { Workspace } = await import('../src/runtime/workspace.js');
  const { applyProject } = await import('../src/runtime/apply.js');
  const { ingest } = await import('../src/runtime/ingest.js');
  const { materialize } = await import('../src/runtime/materialize.js');
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'fsql-bench-http-'));
  writeFileSync(join(dir, 'project.fsql'), httpProjectText(50));
  const ws = Workspace.open(dir, { create: true });
  try {
    await applyProject(ws, [{ path: 'project.fsql', text: httpProjectText(50) }]);
    const random = prng(1);
    // The history goes in before the first snapshot (no online update yet).
    for (let done = 0; done < events; done += 50_000) {
      await ingest(ws, 'events', randomEvents(Math.min(50_000, events - done), users, random, T - 30 * DAY, T, `h${done}_`));
    }
    await materialize(ws, { at: T });
  } finally {
    await ws.close();
  }
  return { dir, setupMs: performance.now() - t0 };
}

/** Starts a server on the project in a child process (the same runtime: compiled JS or tsx). */
export async function startChild(dir: string, renderCacheBytes?: number, fastLookup = true): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--http-server', dir, renderCacheBytes !== undefined ? String(renderCacheBytes) : '', fastLookup ? '' : 'no-fast-lookup'], { execArgv: process.execArgv.filter((a) => !a.startsWith('--max-old') && a !== '--expose-gc'), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  return { url, child };
}

/** The server child's CPU time (user + system), µs. */
export function childCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const cpu = (m as { cpu?: { user: number; system: number } }).cpu;
      if (!cpu) return;
      child.off('message', on);
      resolve(cpu.user + cpu.system);
    };
    child.on('message', on);
    child.send('cpu');
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface Latency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** One request at a time for `ms` (after `warmUp` untimed ones); latency per request. */
export async function sequential(ms: number, send: (i: number) => Promise<void>, warmUp = 200): Promise<Latency & { perSec: number }> {
  for (let i = 0; i < warmUp; i++) await send(i);
  const times: number[] = [];
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < ms) {
    const s = performance.now();
    await send(i++);
    times.push(performance.now() - s);
  }
  const elapsed = performance.now() - t0;
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), samples: times.length, perSec: (times.length * 1000) / elapsed };
}

/** One keep-alive connection (node:http): the client's own cost stays small next to the server's (fetch adds ~0.5 ms here). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

export function postJson(url: string, body: string): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------
// Lookups

export interface LookupCase {
  readonly keys: number;
  readonly responseBytes: number;
  readonly throughput: { readonly requestsPerSec: number; readonly p50Ms: number; readonly p99Ms: number; readonly connections: number; readonly errors: number };
  /** The server process's CPU time per request during the autocannon run (µs): 10⁶ / this is what one core serves. */
  readonly serverCpuUsPerRequest: number;
  readonly latency: Latency & { readonly perSec: number };
  /**
   * The baseline, measured in the same run the same way: a bare node:http
   * server (its own process) answering every request with the bytes of one
   * real response of this case — no parsing, no lookup, no rendering. What
   * Node's HTTP stack and this machine allow; fsql ÷ baseline is the cost of fsql.
   */
  readonly baseline: { readonly requestsPerSec: number; readonly serverCpuUsPerRequest: number; readonly latency: Latency & { readonly perSec: number } };
  /** The same server with every request through fastify (`fastLookup: false`: no node:http fast path, src/server/fast-lookup.ts). */
  readonly viaFastify: { readonly requestsPerSec: number; readonly serverCpuUsPerRequest: number; readonly latency: Latency & { readonly perSec: number } };
  /** Latency at half load: requests sent at half the autocannon req/s, on up to 10 connections, from their scheduled time to the response's end. */
  readonly halfLoad: Latency & { readonly rate: number };
  /** The same with the server's cache of written vectors off (`renderCacheBytes: 0`): every key rendered from its stored bytes. */
  readonly uncached: { readonly requestsPerSec: number; readonly serverCpuUsPerRequest: number; readonly latency: Latency & { readonly perSec: number } };
}

export interface HttpResult {
  readonly users: number;
  readonly events: number;
  readonly features: number;
  readonly setupMs: number;
  readonly cases: readonly LookupCase[];
}

/** Throughput (autocannon, 10 connections, a body per request from `bodies`) and then latency one request at a time. */
async function drive(
  child: ChildProcess,
  target: string,
  bodies: readonly string[],
  seconds: number,
): Promise<{ requestsPerSec: number; p50Ms: number; p99Ms: number; errors: number; serverCpuUsPerRequest: number; latency: Latency & { perSec: number } }> {
  let next = 0;
  const cpu0 = await childCpu(child);
  const ac = await autocannon({
    url: target,
    connections: 10,
    duration: seconds,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
  const cpu1 = await childCpu(child);
  const latency = await sequential(seconds * 500, () => postJson(target, bodies[next++ % bodies.length]!));
  return {
    requestsPerSec: ac.requests.average,
    p50Ms: ac.latency.p50,
    p99Ms: ac.latency.p99,
    errors: ac.errors + ac.timeouts + ac.non2xx,
    serverCpuUsPerRequest: (cpu1 - cpu0) / Math.max(1, ac.requests.total),
    latency,
  };
}

/** An open loop at `rate` requests/s for `ms` on up to 10 keep-alive connections: latency from each request's scheduled start to its response's end (queueing included). */
async function paced(target: string, bodies: readonly string[], rate: number, ms: number): Promise<Latency & { rate: number }> {
  const pool = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const u = new URL(target);
  const send = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: pool, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${target}: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const times: number[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  const count = Math.max(1, Math.floor((rate * ms) / 1000));
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(bodies[i % bodies.length]!).then(() => void times.push(performance.now() - due)));
  }
  await Promise.all(pending);
  pool.destroy();
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), samples: times.length, rate };
}

/** The baseline server: bare node:http in its own process, answering every request with `response` once the body is read. */
export async function startBare(response: Buffer): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--bare-server'], { execArgv: process.execArgv.filter((a) => !a.startsWith('--max-old') && a !== '--expose-gc'), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ response: response.toString('base64') });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the baseline server exited with ${code}`)));
  });
  return { url, child };
}

export async function measureHttp(args: Record<string, string>): Promise<HttpResult> {
  const users = Number(args['users'] ?? 10_000);
  const events = Number(args['events'] ?? 200_000);
  const seconds = Number(args['seconds'] ?? 10);
  const { dir, setupMs } = await setUp(users, events);
  const { url, child } = await startChild(dir);
  try {
    const cases: LookupCase[] = [];
    for (const n of [1, 100]) {
      const random = prng(n + 2);
      const body = () => JSON.stringify({ keys: Array.from({ length: n }, () => [userKey(Math.floor(random() * users * 1.1))]) });
      const target = `${url}/v1/features/user`;
      const probe = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });
      const sample = Buffer.from(await probe.arrayBuffer());
      const bodies = Array.from({ length: 2000 }, body);
      const fsql = await drive(child, target, bodies, seconds);
      const halfLoad = await paced(target, bodies, fsql.requestsPerSec / 2, seconds * 1000);
      // The same server with every request through fastify: what the fast path saves.
      const slow = await startChild(dir, undefined, false);
      let viaFastify: LookupCase['viaFastify'];
      try {
        const f = await drive(slow.child, `${slow.url}/v1/features/user`, bodies, seconds);
        viaFastify = { requestsPerSec: f.requestsPerSec, serverCpuUsPerRequest: f.serverCpuUsPerRequest, latency: f.latency };
      } finally {
        await stopChild(slow.child);
      }
      // The same server without its cache of written vectors: every vector rendered from its stored bytes.
      const uncached = await startChild(dir, 0);
      let cold: LookupCase['uncached'];
      try {
        const c = await drive(uncached.child, `${uncached.url}/v1/features/user`, bodies, seconds);
        cold = { requestsPerSec: c.requestsPerSec, serverCpuUsPerRequest: c.serverCpuUsPerRequest, latency: c.latency };
      } finally {
        await stopChild(uncached.child);
      }
      // The baseline: the same bytes from a bare node:http server.
      const bare = await startBare(sample);
      let baseline: LookupCase['baseline'];
      try {
        const b = await drive(bare.child, `${bare.url}/v1/features/user`, bodies, seconds);
        baseline = { requestsPerSec: b.requestsPerSec, serverCpuUsPerRequest: b.serverCpuUsPerRequest, latency: b.latency };
      } finally {
        await stopChild(bare.child);
      }
      cases.push({
        keys: n,
        responseBytes: sample.byteLength,
        throughput: { requestsPerSec: fsql.requestsPerSec, p50Ms: fsql.p50Ms, p99Ms: fsql.p99Ms, connections: 10, errors: fsql.errors },
        serverCpuUsPerRequest: fsql.serverCpuUsPerRequest,
        latency: fsql.latency,
        viaFastify,
        halfLoad,
        uncached: cold,
        baseline,
      });
    }
    return { users, events, features: 50, setupMs, cases };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// In the parent (bench/run.ts)

export type Runner = <T>(workload: string, args: Record<string, string>) => Promise<{ result: T }>;

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function note(): void {
  const load = loadavg()[0]!;
  if (load > cpus().length * 0.75) console.log(`Note: the machine was busy (load average ${load.toFixed(1)} on ${cpus().length} CPUs).`);
}

export async function runHttpWorkload(options: { readonly quick?: boolean }, run: Runner): Promise<HttpResult> {
  const args = options.quick ? { users: '5000', events: '100000', seconds: '5' } : { users: '10000', events: '200000', seconds: '10' };
  const { result } = await run<HttpResult>('http', args);
  console.log(`${fmt(result.users)} keys × ${result.features} features (90 value columns), ${fmt(result.events)} events; set up in ${fmt(result.setupMs / 1000, 1)} s`);
  console.log('lookup            response   server           autocannon (10 conn.): req/s   p50 ms   p99 ms   server CPU µs/req   one at a time: req/s   p50 ms   p99 ms');
  for (const c of result.cases) {
    const label = `${c.keys} key${c.keys > 1 ? 's' : ''} × 50`.padEnd(16);
    const size = `${fmt(c.responseBytes / 1024, 1)} KB`.padStart(8);
    const row = (who: string, rps: number, p50: number | undefined, p99: number | undefined, cpu: number, lat: Latency & { perSec: number }) =>
      `${who.padEnd(16)} ${fmt(rps).padStart(27)}  ${p50 === undefined ? '      ·' : fmt(p50, 2).padStart(7)}  ${p99 === undefined ? '      ·' : fmt(p99, 2).padStart(7)}   ${fmt(cpu).padStart(17)}   ${fmt(lat.perSec).padStart(20)}  ${fmt(lat.p50Ms, 2).padStart(7)}  ${fmt(lat.p99Ms, 2).padStart(7)}`;
    console.log(`${label}  ${size}   ${row('fsql serve', c.throughput.requestsPerSec, c.throughput.p50Ms, c.throughput.p99Ms, c.serverCpuUsPerRequest, c.latency)}${c.throughput.errors ? `  (${c.throughput.errors} errors)` : ''}`);
    console.log(`${''.padEnd(16)}  ${''.padStart(8)}   ${row('  fastify route', c.viaFastify.requestsPerSec, undefined, undefined, c.viaFastify.serverCpuUsPerRequest, c.viaFastify.latency)}`);
    console.log(`${''.padEnd(16)}  ${''.padStart(8)}   ${row('  no render cache', c.uncached.requestsPerSec, undefined, undefined, c.uncached.serverCpuUsPerRequest, c.uncached.latency)}`);
    console.log(`${''.padEnd(16)}  ${''.padStart(8)}   ${row('bare node:http', c.baseline.requestsPerSec, undefined, undefined, c.baseline.serverCpuUsPerRequest, c.baseline.latency)}`);
    console.log(
      `${''.padEnd(16)}  ${''.padStart(8)}   ${'fsql ÷ bare'.padEnd(16)} ${`${fmt(c.throughput.requestsPerSec / c.baseline.requestsPerSec, 2)}×`.padStart(27)}  ${''.padStart(7)}  ${''.padStart(7)}   ${`${fmt(c.serverCpuUsPerRequest / c.baseline.serverCpuUsPerRequest, 2)}×`.padStart(17)}   ${''.padStart(20)}  ${`${fmt(c.latency.p50Ms / c.baseline.latency.p50Ms, 2)}×`.padStart(7)}  ${`${fmt(c.latency.p99Ms / c.baseline.latency.p99Ms, 2)}×`.padStart(7)}`,
    );
  }
  for (const c of result.cases) {
    console.log(`${c.keys} key${c.keys > 1 ? 's' : ''}: at half load (${fmt(c.halfLoad.rate)} req/s, open loop, 10 connections) p50 ${fmt(c.halfLoad.p50Ms, 2)} ms, p99 ${fmt(c.halfLoad.p99Ms, 2)} ms; fast path vs fastify route: ${fmt(c.throughput.requestsPerSec / c.viaFastify.requestsPerSec, 2)}× req/s, ${fmt(c.viaFastify.serverCpuUsPerRequest / c.serverCpuUsPerRequest, 2)}× less CPU per request`);
  }
  const one = result.cases.find((c) => c.keys === 1);
  const hundred = result.cases.find((c) => c.keys === 100);
  console.log('Targets (reported, not asserted; the bare node:http baseline shows what this machine allows at all)');
  if (one) {
    console.log(`  ${one.throughput.requestsPerSec >= 0.8 * one.baseline.requestsPerSec ? '✓' : '✗'} 1 key × 50 features ≥ 0.8× bare node:http: ${fmt(one.throughput.requestsPerSec / one.baseline.requestsPerSec, 2)}× req/s (${fmt(one.baseline.serverCpuUsPerRequest / one.serverCpuUsPerRequest, 2)}× in CPU per request)`);
    console.log(`  ${one.halfLoad.p99Ms <= 1 ? '✓' : '✗'} 1 key × 50 features p99 ≤ 1 ms at half load: ${fmt(one.halfLoad.p99Ms, 2)} ms at ${fmt(one.halfLoad.rate)} req/s`);
    console.log(`  ${one.latency.p99Ms < 2 ? '✓' : '✗'} 1 key × 50 features p99 < 2 ms: ${fmt(one.latency.p99Ms, 2)} ms (no render cache: ${fmt(one.uncached.latency.p99Ms, 2)} ms; bare node:http: ${fmt(one.baseline.latency.p99Ms, 2)} ms)`);
    console.log(
      `  ${one.throughput.requestsPerSec >= 10_000 ? '✓' : '✗'} ≥ 10k requests/s: ${fmt(one.throughput.requestsPerSec)} (bare node:http: ${fmt(one.baseline.requestsPerSec)}; autocannon shares the 2 cores); the server used ${fmt(one.serverCpuUsPerRequest)} µs of CPU per request, ≈ ${fmt(1e6 / one.serverCpuUsPerRequest)} requests/s per core`,
    );
  }
  if (hundred) console.log(`  ${hundred.latency.p99Ms < 10 ? '✓' : '✗'} 100 keys × 50 features p99 < 10 ms: ${fmt(hundred.latency.p99Ms, 2)} ms (no render cache: ${fmt(hundred.uncached.latency.p99Ms, 2)} ms; bare node:http: ${fmt(hundred.baseline.latency.p99Ms, 2)} ms)`);
  note();
  return result;
}

// ---------------------------------------------------------------------------
// The server child: `node bench/http.(ts|js) --http-server DIR`

async function serveMain(dir: string, renderCacheBytes: number | undefined, fastLookup: boolean): Promise<void> {
  const { Workspace } = await import('../src/runtime/workspace.js');
  const { startServer } = await import('../src/server/index.js');
  const ws = Workspace.open(dir);
  const server = await startServer(ws, { host: '127.0.0.1', port: 0, fastLookup, ...(renderCacheBytes !== undefined ? { renderCacheBytes } : {}) });
  process.send?.({ url: server.url });
  // The parent asks for the CPU time used, to report the server's CPU per request.
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.once('SIGTERM', () => {
    void server.close().then(() => ws.close()).then(() => process.exit(0));
  });
}

/** The baseline child: `node bench/http.(ts|js) --bare-server`; the response bytes come over IPC. */
function bareMain(): void {
  process.once('message', (m) => {
    const response = Buffer.from((m as { response: string }).response, 'base64');
    const server = http.createServer((req, res) => {
      req.on('data', () => undefined);
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': response.byteLength });
        res.end(response);
      });
    });
    server.keepAliveTimeout = 72_000;
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      process.send?.({ url: `http://127.0.0.1:${address.port}` });
    });
    process.on('message', (x) => {
      if (x === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    });
    process.once('SIGTERM', () => process.exit(0));
  });
}

const argv = process.argv.slice(2);
if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url && argv[0] === '--bare-server') bareMain();
if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url && argv[0] === '--http-server') {
  mkdirSync(argv[1]!, { recursive: true });
  serveMain(argv[1]!, argv[2] ? Number(argv[2]) : undefined, argv[3] !== 'no-fast-lookup').catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
