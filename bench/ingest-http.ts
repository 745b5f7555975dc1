/**
 * The `ingest` workload: POST /v1/ingest/events on the project of
 * bench/http.ts (50 features on one entity, all reading the stream), batches
 * of 1 and 100 new events, one request at a time: batches/s, events/s,
 * p50 / p99; then batches of 1 event from 10 concurrent clients
 * (autocannon), which the server ingests in groups (src/server/ingest-queue.ts).
 * Every reply comes after the events are committed to the offline store and
 * the touched keys' vectors (all 50 features) are recomputed and written to
 * the online store.
 */
import { rmSync } from 'node:fs';
import { autocannon, childCpu, fmt, HOUR, note, postJson, prng, randomEvents, sequential, setUp, startBare, startChild, stopChild, T, type Latency, type Runner } from './http.js';

export interface IngestCase {
  readonly batch: number;
  readonly batchesPerSec: number;
  readonly eventsPerSec: number;
  readonly latency: Latency;
  /** The server process's CPU time per batch (µs). */
  readonly serverCpuUsPerBatch: number;
}

export interface IngestBenchResult {
  readonly users: number;
  readonly events: number;
  readonly features: number;
  readonly setupMs: number;
  readonly cases: readonly IngestCase[];
  /**
   * The baseline, measured in the same run the same way: a bare node:http
   * server answering each batch of 1 with a fixed reply once the body is
   * read (no validation, no commit, no online update). fsql ÷ baseline is
   * the cost of an ingest, with this machine's noise divided out.
   */
  readonly baseline: { readonly batchesPerSec: number; readonly latency: Latency };
  /** Batches of one event from 10 concurrent clients. */
  readonly concurrent: { readonly connections: number; readonly eventsPerSec: number; readonly p50Ms: number; readonly p99Ms: number; readonly errors: number; readonly serverCpuUsPerEvent: number };
}

export async function measureIngest(args: Record<string, string>): Promise<IngestBenchResult> {
  const users = Number(args['users'] ?? 10_000);
  const events = Number(args['events'] ?? 200_000);
  const seconds = Number(args['seconds'] ?? 10);
  const { dir, setupMs } = await setUp(users, events);
  const { url, child } = await startChild(dir);
  try {
    const cases: IngestCase[] = [];
    const random = prng(9);
    let serial = 0;
    for (const batch of [1, 100]) {
      const target = `${url}/v1/ingest/events`;
      // New events in the hour before the snapshot time: every one moves its key's windows.
      const warmUp = 5;
      const cpu0 = await childCpu(child);
      const lat = await sequential(seconds * 1000, () => postJson(target, JSON.stringify(randomEvents(batch, users, random, T - HOUR, T, `i${serial++}_`))), warmUp);
      const cpu1 = await childCpu(child);
      cases.push({
        batch,
        batchesPerSec: lat.perSec,
        eventsPerSec: lat.perSec * batch,
        latency: { p50Ms: lat.p50Ms, p99Ms: lat.p99Ms, samples: lat.samples },
        serverCpuUsPerBatch: (cpu1 - cpu0) / (lat.samples + warmUp),
      });
    }
    // The baseline: the same requests (batches of 1) to a bare node:http server.
    const bare = await startBare(Buffer.from(JSON.stringify({ source: 'events', accepted: 1, online: [] })));
    let baseline: IngestBenchResult['baseline'];
    try {
      const b = await sequential(seconds * 1000, () => postJson(`${bare.url}/v1/ingest/events`, JSON.stringify(randomEvents(1, users, random, T - HOUR, T, `b${serial++}_`))), 5);
      baseline = { batchesPerSec: b.perSec, latency: { p50Ms: b.p50Ms, p99Ms: b.p99Ms, samples: b.samples } };
    } finally {
      await stopChild(bare.child);
    }
    // Ten clients, one event per request.
    const connections = 10;
    const bodies = Array.from({ length: 20_000 }, (_v, i) => JSON.stringify(randomEvents(1, users, random, T - HOUR, T, `c${i}_`)));
    let next = 0;
    const cpu0 = await childCpu(child);
    const ac = await autocannon({
      url: `${url}/v1/ingest/events`,
      connections,
      duration: seconds,
      requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    });
    const cpu1 = await childCpu(child);
    const concurrent = {
      connections,
      eventsPerSec: ac.requests.average,
      p50Ms: ac.latency.p50,
      p99Ms: ac.latency.p99,
      // Bodies repeat after 20,000 requests: the event ids do too, which a stream accepts (it keeps every event).
      errors: ac.errors + ac.timeouts + ac.non2xx,
      serverCpuUsPerEvent: (cpu1 - cpu0) / Math.max(1, ac.requests.total),
    };
    return { users, events, features: 50, setupMs, cases, baseline, concurrent };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runIngestWorkload(options: { readonly quick?: boolean }, run: Runner): Promise<IngestBenchResult> {
  const args = options.quick ? { users: '5000', events: '100000', seconds: '5' } : { users: '10000', events: '200000', seconds: '10' };
  const { result } = await run<IngestBenchResult>('ingest', args);
  console.log(`${fmt(result.users)} keys × ${result.features} features over ${fmt(result.events)} stored events; every reply after commit and online update`);
  console.log('batch      batches/s   events/s   p50 ms   p99 ms   server CPU ms/batch');
  for (const c of result.cases) {
    console.log(`${String(c.batch).padEnd(9)} ${fmt(c.batchesPerSec, 1).padStart(10)}  ${fmt(c.eventsPerSec).padStart(9)}  ${fmt(c.latency.p50Ms, 1).padStart(7)}  ${fmt(c.latency.p99Ms, 1).padStart(7)}   ${fmt(c.serverCpuUsPerBatch / 1000, 1).padStart(19)}`);
  }
  const b = result.baseline;
  console.log(`bare node:http, batches of 1: ${fmt(b.batchesPerSec, 1)} batches/s, p50 ${fmt(b.latency.p50Ms, 2)} ms, p99 ${fmt(b.latency.p99Ms, 2)} ms`);
  for (const c of result.cases) {
    console.log(`  batches of ${c.batch} ÷ bare: ${fmt(c.batchesPerSec / b.batchesPerSec, 3)}× batches/s, ${fmt(c.latency.p50Ms / b.latency.p50Ms, 1)}× p50`);
  }
  const c = result.concurrent;
  console.log(
    `${c.connections} clients × 1 event (grouped): ${fmt(c.eventsPerSec)} events/s, p50 ${fmt(c.p50Ms, 1)} ms, p99 ${fmt(c.p99Ms, 1)} ms, server CPU ${fmt(c.serverCpuUsPerEvent / 1000, 2)} ms/event${c.errors ? ` (${c.errors} errors)` : ''}`,
  );
  note();
  return result;
}

