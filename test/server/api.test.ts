/**
 * The rest of the API over real HTTP: registry, entities, health, the OpenAPI
 * document (every route listed; every response of these tests matches it),
 * unknown routes and internal errors as JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/runtime/workspace.js';
import { Api, call, copyPayments, ISO_TIME, prepare, serve, type Served } from './support.js';

const ROUTES = [
  'POST /v1/features/{entity}',
  'GET /v1/features/{entity}/{key}',
  'POST /v1/ingest/{source}',
  'POST /v1/training-sets/{name}',
  'POST /v1/historical-features',
  'POST /v1/sources/{name}/rows',
  'GET /v1/registry/objects',
  'GET /v1/registry/objects/{name}',
  'GET /v1/registry/lineage/{name}',
  'GET /v1/entities',
  'GET /v1/monitoring/drift',
  'GET /v1/monitoring/freshness',
  'GET /health',
  'GET /openapi.json',
  'GET /metrics',
];

describe('registry, entities, health and the OpenAPI document', { timeout: 60_000 }, () => {
  let s: Served;
  let api: Api;

  beforeAll(async () => {
    const dir = copyPayments();
    s = await serve(dir, await prepare(dir));
    api = await Api.open(s.url);
  }, 120_000);
  afterAll(async () => s?.close());

  it('lists registered objects, by kind and name', async () => {
    const all = await api.get('/v1/registry/objects');
    expect(all.status).toBe(200);
    const kinds = new Set(all.body.objects.map((o: { kind: string }) => o.kind));
    expect([...kinds]).toEqual(['entity', 'source', 'view', 'feature', 'label', 'training_set']);
    const features = await api.get('/v1/registry/objects?kind=feature');
    const names = features.body.objects.map((o: { name: string; version: number }) => `${o.name}@${o.version}`);
    expect(names).toContain('avg_amount_7d@1');
    expect(names).toContain('avg_amount_7d@2');
    expect(names).toContain('failed_logins_24h@1');
    expect(features.body.objects.every((o: { kind: string }) => o.kind === 'feature')).toBe(true);
    // A version that reads a fitted parameter is fitted (the example's data is loaded); the others have nothing to fit.
    const fit = (name: string, version = 1) => features.body.objects.find((o: { name: string; version: number }) => o.name === name && o.version === version);
    expect(fit('avg_amount_7d')).toMatchObject({ fit: 'fitted', fitted: true });
    expect(fit('spend_30d')).toMatchObject({ fit: 'not_needed', fitted: false });
    expect(features.body.objects.every((o: { fit: string }) => o.fit === 'fitted' || o.fit === 'not_needed')).toBe(true);
    const one = await api.get('/v1/registry/objects?name=AVG_AMOUNT_7D');
    expect(one.body.objects.map((o: { version: number }) => o.version)).toEqual([1, 2]);
    const bad = await api.get('/v1/registry/objects?kind=widget');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'bad_request']);
  });

  it('describes an object version: definition, metadata, versions, fitted parameters, statistics, dependencies', async () => {
    const d = (await api.get('/v1/registry/objects/avg_amount_7d?version=1')).body;
    expect(d).toMatchObject({ kind: 'feature', name: 'avg_amount_7d', version: 1, versions: [1, 2], metadata: { description: 'Mean attempt amount over the last week', owner: 'risk', tags: ['spend'] } });
    expect(d.text).toContain('FILL MEAN');
    expect(d.definition).not.toContain('DESCRIPTION');
    expect(d.fitted_parameters.fit_time).toMatch(ISO_TIME);
    expect(d.fitted_parameters.count).toBeGreaterThan(0);
    expect(typeof d.fitted_parameters.mean).toBe('number');
    expect(d.statistics.count + d.statistics.nulls).toBeGreaterThan(0);
    expect(d.statistics.histogram.length).toBeGreaterThan(0);
    // Every apply's statistics, oldest first; the last is the current one.
    expect(d.statistics_history.length).toBeGreaterThan(0);
    expect(d.statistics_history.at(-1).statistics).toEqual(d.statistics);
    expect(d.statistics_history.map((h: { apply_id: number }) => h.apply_id)).toEqual([...d.statistics_history.map((h: { apply_id: number }) => h.apply_id)].sort((a: number, b: number) => a - b));
    expect(d.statistics_history[0].applied_at).toMatch(ISO_TIME);
    expect(d.dependencies).toEqual(expect.arrayContaining([{ kind: 'source', name: 'transactions', version: 1 }]));
    expect(d.revisions[0]).toMatchObject({ revision: 1, change: 'added', apply_id: 1 });
    expect(d.registered_at).toMatch(ISO_TIME);
    // The newest version without ?version.
    expect((await api.get('/v1/registry/objects/avg_amount_7d')).body.version).toBe(2);
    // A source: what reads it.
    const src = (await api.get('/v1/registry/objects/app_events')).body;
    expect(src.dependents).toEqual([{ kind: 'feature', name: 'failed_logins_24h', version: 1 }]);
    expect(src.fitted_parameters).toBeUndefined();

    const typo = await api.get('/v1/registry/objects/avg_amount_7');
    expect([typo.status, typo.body.error.code]).toEqual([404, 'unknown_object']);
    expect(typo.body.error.message).toContain('did you mean `avg_amount_7d`?');
    const version = await api.get('/v1/registry/objects/avg_amount_7d?version=3');
    expect([version.status, version.body.error.code, version.body.error.details]).toEqual([404, 'unknown_version', { versions: [1, 2] }]);
    const notNumber = await api.get('/v1/registry/objects/avg_amount_7d?version=two');
    expect([notNumber.status, notNumber.body.error.code]).toEqual([400, 'bad_request']);
  });

  it('gives lineage edges source → view → feature → training set', async () => {
    const l = (await api.get('/v1/registry/lineage/cross_border_spend_30d')).body;
    expect(l.root).toEqual({ kind: 'feature', name: 'cross_border_spend_30d', version: 1 });
    const edge = (from: string, to: string) => l.edges.some((e: any) => e.from.name === from && e.to.name === to);
    expect(edge('transactions', 'enriched_transactions')).toBe(true);
    expect(edge('enriched_transactions', 'cross_border_spend_30d')).toBe(true);
    expect(edge('cross_border_spend_30d', 'fraud_detection')).toBe(true);
    expect(l.upstream.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['enriched_transactions', 'transactions', 'users', 'merchants']));
    expect(l.downstream).toEqual([{ kind: 'training_set', name: 'fraud_detection', version: 1 }]);
    const missing = await api.get('/v1/registry/lineage/nothing_here');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'unknown_object']);
  });

  it('lists entities with keys, features and online state; health says what is materialized', async () => {
    const e = (await api.get('/v1/entities')).body.entities;
    expect(e.map((x: { name: string }) => x.name)).toEqual(['card', 'merchant', 'user']);
    const user = e.find((x: { name: string }) => x.name === 'user');
    expect(user.keys).toEqual([{ name: 'user_id', type: 'TEXT' }]);
    expect(user.features).toContainEqual({ name: 'avg_amount_7d', version: 1 });
    expect(user.online).toMatchObject({ as_of: '2024-04-30T00:00:00Z', keys: 200 });
    expect(user.online.features.find((f: { name: string }) => f.name === 'last_channel')).toEqual({
      name: 'last_channel',
      version: 1,
      columns: ['last_channel__online', 'last_channel__pos', 'last_channel__atm'],
      types: ['INTEGER', 'INTEGER', 'INTEGER'],
      kind: 'latest',
      ttl_seconds: 14 * 86_400,
    });

    const h = (await api.get('/health')).body;
    expect(h.status).toBe('ok');
    expect(h.last_apply).toBe(1);
    expect(h.materialized.map((m: { entity: string; as_of: string }) => [m.entity, m.as_of])).toEqual([
      ['card', '2024-04-30T00:00:00Z'],
      ['merchant', '2024-04-30T00:00:00Z'],
      ['user', '2024-04-30T00:00:00Z'],
    ]);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await call(`${s.url}/v2/nothing?x=1`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'not_found', message: 'no route GET /v2/nothing' } });
    // A known path with a method it has not: 405 with the methods it takes (http-errors.test.ts has more).
    const m = await call(`${s.url}/v1/entities`, { method: 'DELETE' });
    expect([m.status, m.body.error.code, m.headers.get('allow')]).toEqual([405, 'method_not_allowed', 'GET, HEAD']);
  });

  it('publishes an OpenAPI 3.1 document listing every route, with the schemas the responses match', async () => {
    const r = await call(`${s.url}/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    const doc = JSON.parse(r.text);
    expect(doc.openapi).toBe('3.1.0');
    const listed = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(listed.sort()).toEqual([...ROUTES].sort());
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.responses['200'], `${m} ${p}`).toBeDefined();
        expect(typeof op.summary).toBe('string');
        // Every {param} of the path is a path parameter.
        for (const [, name] of p.matchAll(/\{([^}]+)\}/g)) expect(op.parameters.some((x: any) => x.in === 'path' && x.name === name), `${p} ${name}`).toBe(true);
        for (const [status, resp] of Object.entries(op.responses as Record<string, any>)) {
          expect(resp.description, `${m} ${p} ${status}`).toBeTruthy();
          if (status !== '200') expect(resp.content['application/json'].schema.properties.error).toBeDefined();
        }
      }
    }
    expect(Object.keys(doc.paths['/v1/ingest/{source}'].post.requestBody.content)).toEqual(['application/json', 'application/x-ndjson', 'application/jsonl']);
    expect(new Set(listed.map((x) => doc.paths[x.split(' ')[1]!][x.split(' ')[0]!.toLowerCase()].operationId)).size).toBe(ROUTES.length);
  });

  it('answers an internal failure with a JSON 500 and keeps serving', async () => {
    const ws = Workspace.open(s.dir);
    const seen: string[] = [];
    const broken = await serve(s.dir, ws, { onInternalError: (e, r) => seen.push(`${r.method} ${r.url}: ${(e as Error).message}`) });
    try {
      (ws as unknown as { online: () => never }).online = () => {
        throw new Error('the disk is on fire');
      };
      const bApi = await Api.open(broken.url);
      const r = await bApi.get('/v1/features/user/u0001');
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: { code: 'internal', message: 'internal error: the disk is on fire' } });
      expect((await bApi.get('/v1/registry/objects')).status).toBe(200);
      expect(seen).toEqual(['GET /v1/features/user/u0001: the disk is on fire']);
    } finally {
      await broken.server.close();
      (ws as unknown as { online: unknown }).online = Workspace.prototype.online;
      await ws.close();
    }
  });
});
