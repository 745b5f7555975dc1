/**
 * Monitoring over HTTP (docs/monitoring.md): `/metrics` parsed with a strict
 * Prometheus text-format parser, its counters moving by exactly the requests
 * made; `/v1/monitoring/drift` after shifted events pushed through
 * `/v1/ingest`; `/v1/monitoring/freshness`; every JSON reply checked against
 * /openapi.json.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyProject } from '../../src/runtime/apply.js';
import { ingest } from '../../src/runtime/ingest.js';
import { materialize } from '../../src/runtime/materialize.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { readProjectFiles } from '../../src/project/files.js';
import { firstEvents, MONITORED_PROJECT, shiftedEvents, T0 } from '../support/monitoring-project.js';
import { parsePrometheus, sampleValue, type Family } from '../support/prometheus.js';
import { writeFiles } from '../runtime/support.js';
import { Api, call, post, serve, type Served } from './support.js';

const HOUR = 3_600_000_000;

describe('monitoring over HTTP', { timeout: 120_000 }, () => {
  let served: Served;
  let api: Api;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsql-monitoring-http-'));
    writeFiles(dir, { 'features.fsql': MONITORED_PROJECT });
    const ws = Workspace.open(dir, { create: true });
    const files = readProjectFiles(dir, dir);
    await applyProject(ws, files);
    await ingest(ws, 'events', firstEvents());
    await applyProject(ws, files, { reload: true });
    await materialize(ws, { at: T0 + 24 * HOUR });
    served = await serve(dir, ws);
    api = await Api.open(served.url);
  }, 120_000);
  afterAll(async () => {
    await served?.close();
  });

  const scrape = async (): Promise<Map<string, Family>> => {
    const r = await call(`${served.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(r.text);
  };

  it('/metrics parses, and its counters move by exactly the requests made', async () => {
    const before = await scrape();
    const lookupRoute = { route: '/v1/features/:entity', method: 'POST', status: '200' };
    const oneKeyRoute = { route: '/v1/features/:entity/:key', method: 'GET', status: '200' };
    const ingestOk = { route: '/v1/ingest/:source', method: 'POST', status: '200' };
    const ingestBad = { route: '/v1/ingest/:source', method: 'POST', status: '400' };
    const metricsRoute = { route: '/metrics', method: 'GET', status: '200' };
    const unmatched = { route: 'unmatched', method: 'GET', status: '404' };

    for (let i = 0; i < 3; i++) expect((await api.post('/v1/features/user', { keys: [['u1'], ['u2']] })).status).toBe(200);
    expect((await api.get('/v1/features/user/u3')).status).toBe(200);
    // Stored: two events (for keys that exist, at their old values: nothing drifts).
    const again = firstEvents()
      .slice(4, 6)
      .map((e) => ({ ...e, event_id: `again_${String(e['event_id'])}`, ts: new Date((T0 + 22 * HOUR) / 1000).toISOString() }));
    expect((await api.post('/v1/ingest/events', again)).status).toBe(200);
    // Refused whole: three events, one with a bad time.
    const bad = [0, 1, 2].map((i) => ({ event_id: `bad${i}`, user_id: 'u1', kind: 'a', amount: 1, score: 1, ts: i === 1 ? 'soon' : new Date(T0 / 1000).toISOString() }));
    const refused = await api.post('/v1/ingest/events', bad);
    expect(refused.body.error.code).toBe('bad_rows');
    // Unknown route.
    expect((await call(`${served.url}/no/such/route`)).status).toBe(404);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('fsql_http_requests_total', lookupRoute)).toBe(3);
    expect(delta('fsql_http_requests_total', oneKeyRoute)).toBe(1);
    expect(delta('fsql_http_requests_total', ingestOk)).toBe(1);
    expect(delta('fsql_http_requests_total', ingestBad)).toBe(1);
    expect(delta('fsql_http_requests_total', unmatched)).toBe(1);
    // The first scrape is counted once it was answered: in the second.
    expect(delta('fsql_http_requests_total', metricsRoute)).toBe(1);
    expect(delta('fsql_http_request_duration_seconds_count', lookupRoute)).toBe(3);
    expect(delta('fsql_http_request_duration_seconds_bucket', { ...lookupRoute, le: '+Inf' })).toBe(3);
    expect(delta('fsql_http_request_duration_seconds_sum', lookupRoute)).toBeGreaterThan(0);
    expect(delta('fsql_lookup_keys_total', { entity: 'user' })).toBe(7);
    expect(delta('fsql_ingest_events_accepted_total', { source: 'events' })).toBe(2);
    expect(delta('fsql_ingest_events_refused_total', { source: 'events', reason: 'bad_rows' })).toBe(3);

    expect(after.get('fsql_http_requests_total')!.type).toBe('counter');
    expect(after.get('fsql_http_request_duration_seconds')!.type).toBe('histogram');
    expect(sampleValue(after, 'fsql_online_updates_owed')).toBe(0);
    // The newest event is the one just ingested, at T0 + 22 h.
    expect(sampleValue(after, 'fsql_source_newest_event_time_seconds', { source: 'events' })).toBe((T0 + 22 * HOUR) / 1e6);
    const lag = sampleValue(after, 'fsql_source_freshness_lag_seconds', { source: 'events' });
    expect(lag).toBeGreaterThan(Date.now() / 1000 - (T0 + 22 * HOUR) / 1e6 - 60);
    expect(lag).toBeLessThanOrEqual(Date.now() / 1000 - (T0 + 22 * HOUR) / 1e6);
    expect(sampleValue(after, 'fsql_online_vectors_age_seconds', { entity: 'user' })).toBeGreaterThanOrEqual(0);
    // Node's process metrics.
    expect(after.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(after.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
  });

  it('is documented in /openapi.json as text', async () => {
    const doc = api.doc as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, unknown> }> }>> };
    expect(Object.keys(doc.paths['/metrics']!['get']!.responses['200']!.content)).toEqual(['text/plain']);
    expect(doc.paths['/v1/monitoring/drift']!['get']).toBeDefined();
    expect(doc.paths['/v1/monitoring/freshness']!['get']).toBeDefined();
  });

  it('/v1/monitoring/drift: the shifted feature drifts after shifted events are ingested, the others do not', async () => {
    const calm = await api.get('/v1/monitoring/drift');
    expect(calm.body.drifted).toBe(0);
    expect(calm.body.threshold).toBe(0.2);
    expect((await api.post('/v1/ingest/events', shiftedEvents())).status).toBe(200);
    // Rematerialized as of after every event.
    await materialize(served.ws, { at: T0 + 24 * HOUR });
    const r = await api.get('/v1/monitoring/drift?threshold=0.2');
    const by = Object.fromEntries((r.body.features as { feature: string; psi: number; status: string; null_share_now: number }[]).map((f) => [f.feature, f]));
    // test/runtime/monitoring.test.ts works this PSI out by hand (same data, same shift).
    const expected = 2 * (1 / 11 - 0.0001) * Math.log(1 / (11 * 0.0001)) + (2 / 11) * Math.log(2);
    expect(by['last_amount']).toMatchObject({ status: 'drifted', null_share_now: 1 / 11 });
    expect(by['last_amount']!.psi).toBeCloseTo(expected, 10);
    expect(by['amount_z']!.status).toBe('drifted');
    expect(by['last_kind']).toMatchObject({ status: 'ok', psi: 0 });
    expect(by['last_score']).toMatchObject({ status: 'ok', psi: 0 });
    expect(r.body.drifted).toBe(2);
    expect((await api.get('/v1/monitoring/drift?threshold=5')).body.drifted).toBe(0);
    const bad = await api.get('/v1/monitoring/drift?threshold=lots');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_request');
  });

  it('/v1/monitoring/freshness', async () => {
    const started = Date.now();
    const r = await api.get('/v1/monitoring/freshness');
    // The newest event: s2 of the shift, at T0 + 21 h… or the events ingested at T0 + 22 h by the metrics test.
    expect(r.body.sources).toEqual([expect.objectContaining({ source: 'events', origin: 'stream', newest_event_time: '2024-03-01T22:00:00Z' })]);
    const lag = r.body.sources[0].lag_seconds as number;
    expect(lag).toBeGreaterThanOrEqual(started / 1000 - (T0 + 22 * HOUR) / 1e6);
    expect(lag).toBeLessThan(Date.now() / 1000 - (T0 + 22 * HOUR) / 1e6 + 1);
    expect(r.body.features).toHaveLength(4);
    expect(r.body.entities).toEqual([expect.objectContaining({ entity: 'user', materialized: true, keys: 11, as_of: '2024-03-02T00:00:00Z' })]);
  });

  it('a lookup with a bad body is counted under its route and 400', async () => {
    const before = await scrape();
    await post(`${served.url}/v1/features/user`, { keys: 'u1' });
    const after = await scrape();
    const labels = { route: '/v1/features/:entity', method: 'POST', status: '400' };
    expect(sampleValue(after, 'fsql_http_requests_total', labels) - sampleValue(before, 'fsql_http_requests_total', labels)).toBe(1);
    // No key was looked up.
    expect(sampleValue(after, 'fsql_lookup_keys_total', { entity: 'user' })).toBe(sampleValue(before, 'fsql_lookup_keys_total', { entity: 'user' }));
  });
});

describe('the Prometheus parser of these tests', () => {
  it('refuses what a scraper refuses', () => {
    expect(() => parsePrometheus('x 1\n')).toThrow(/before \(or without\) its TYPE/);
    expect(() => parsePrometheus('# TYPE x counter\nx 1')).toThrow(/newline/);
    expect(() => parsePrometheus('# TYPE x counter\nx{a="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheus('# TYPE x counter\nx 1\nx 2\n')).toThrow(/twice/);
    expect(() => parsePrometheus('# TYPE x counter\nx one\n')).toThrow(/not a sample value/);
    expect(() => parsePrometheus('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
    expect(() => parsePrometheus('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n')).toThrow(/_count/);
    const ok = parsePrometheus('# HELP x The \\"x\\".\n# TYPE x counter\nx{a="q\\"\\\\\\n"} 2.5e3\n');
    expect(ok.get('x')!.samples).toEqual([{ name: 'x', labels: { a: 'q"\\\n' }, value: 2500 }]);
  });
});
