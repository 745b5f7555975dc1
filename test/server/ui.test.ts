/**
 * The web UI's side of the server: the registry filters (`?q=`, `?tag=`,
 * `?owner=` with `?kind=`) on the example project, the UI's static files
 * (`/`, `/assets/:file`: types, caching, nothing outside the build, not in
 * /openapi.json), and `serving: false` (`fsql ui`: the registry without
 * lookups). The UI itself is tested in Chromium (test/ui/ui.integration.ts).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/runtime/workspace.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { call, copyPayments, prepare, serve, type Served } from './support.js';

const ids = (body: { objects: { name: string; version: number }[] }) => body.objects.map((o) => `${o.name}@${o.version}`).sort();

describe('the registry filters and the UI files', { timeout: 60_000 }, () => {
  let s: Served;
  let ui: string;
  beforeAll(async () => {
    ui = mkdtempSync(join(tmpdir(), 'fsql-ui-build-'));
    mkdirSync(join(ui, 'assets'));
    writeFileSync(join(ui, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="/assets/app-1a2b.js"></script>');
    writeFileSync(join(ui, 'assets', 'app-1a2b.js'), 'console.log("fsql")');
    writeFileSync(join(ui, 'assets', 'onig-3c4d.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    writeFileSync(join(ui, 'secret.txt'), 'not an asset');
    const dir = copyPayments();
    s = await serve(dir, await prepare(dir), { ui });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    rmSync(ui, { recursive: true, force: true });
  });

  const get = async (path: string) => (await call(`${s.url}${path}`)).body;

  it('filters by tag and owner, ignoring case, with kind', async () => {
    expect(ids(await get('/v1/registry/objects?tag=SPEND'))).toEqual(['avg_amount_7d@1', 'avg_amount_7d@2', 'spend_30d@1']);
    expect(ids(await get('/v1/registry/objects?owner=Identity-Team&kind=feature'))).toEqual(['failed_logins_24h@1']);
    expect(ids(await get('/v1/registry/objects?owner=identity-team&kind=source'))).toEqual(['app_events@1', 'users@1']);
    expect(ids(await get('/v1/registry/objects?tag=fraud&kind=training_set'))).toEqual(['fraud_detection@1']);
    expect(ids(await get('/v1/registry/objects?tag=spen'))).toEqual([]);
  });

  it('finds every word of ?q= in the name, description, owner or tags', async () => {
    // "approved" in the description and "spend" in the name, the description or a tag (avg_amount_7d VERSION 2: its tag).
    expect(ids(await get('/v1/registry/objects?q=approved%20spend'))).toEqual(['avg_amount_7d@2', 'cross_border_spend_30d@1', 'spend_30d@1']);
    expect(ids(await get('/v1/registry/objects?q=CHARGEBACK'))).toEqual(['fraud_reports@1', 'merchant_chargebacks_30d@1']);
    expect(ids(await get('/v1/registry/objects?q=payments-platform'))).toEqual(['transactions@1']);
    expect((await get('/v1/registry/objects?q=%20%20')).objects.length).toBe((await get('/v1/registry/objects')).objects.length);
    const bad = await call(`${s.url}/v1/registry/objects?q=${'x'.repeat(300)}`);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'bad_request']);
  });

  it('filters compose: q of two words, or q with a tag, is the intersection of each alone', async () => {
    const vocabulary = ['spend', 'user', 'amount', 'risk', 'pii', 'fraud', 'merchant', '30d', 'approved', 'card', 'the', 'last', 'x', 'profile', 'é'];
    const word = fc.oneof(fc.constantFrom(...vocabulary), fc.string({ minLength: 1, maxLength: 3 }).filter((w) => !/[\s&#%+]/.test(w)));
    await fc.assert(
      fc.asyncProperty(word, word, fc.constantFrom('', 'spend', 'pii', 'fraud'), async (a, b, tag) => {
        const q = (words: string, t = '') => get(`/v1/registry/objects?q=${encodeURIComponent(words)}${t ? `&tag=${t}` : ''}`);
        const both = ids(await q(`${a} ${b}`, tag));
        const one = new Set(ids(await q(a)));
        const other = new Set(ids(await q(b)));
        const tagged = new Set(tag ? ids(await get(`/v1/registry/objects?tag=${tag}`)) : ids(await get('/v1/registry/objects')));
        expect(both).toEqual([...one].filter((x) => other.has(x) && tagged.has(x)).sort());
      }),
      { numRuns: 40 },
    );
  });

  it('serves the app at / and its assets by name, with types and caching', async () => {
    const index = await call(`${s.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.text).toContain('<div id="app">');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const etag = index.headers.get('etag')!;
    expect((await call(`${s.url}/`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const js = await call(`${s.url}/assets/app-1a2b.js`);
    expect([js.status, js.headers.get('content-type'), js.text]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log("fsql")']);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const wasm = await fetch(`${s.url}/assets/onig-3c4d.wasm`);
    expect([wasm.status, wasm.headers.get('content-type'), Buffer.from(await wasm.arrayBuffer()).length]).toEqual([200, 'application/wasm', 8]);
    expect((await fetch(`${s.url}/`, { method: 'HEAD' })).status).toBe(200);
  });

  it('serves nothing outside the build, and answers in the API error shape', async () => {
    for (const path of ['/assets/nope.js', '/assets/..%2Fsecret.txt', '/assets/..%2F..%2Fpackage.json', '/assets/%2e%2e%2findex.html', '/secret.txt', '/index.html.bak']) {
      const r = await call(`${s.url}${path}`);
      expect([path, r.status, r.body.error.code]).toEqual([path, 404, 'not_found']);
    }
    const post = await call(`${s.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([post.status, post.body.error.code]).toEqual([405, 'method_not_allowed']);
  });

  it('keeps the UI routes out of /openapi.json', async () => {
    const doc = await get('/openapi.json');
    expect(Object.keys(doc.paths)).not.toContain('/');
    expect(Object.keys(doc.paths)).not.toContain('/assets/{file}');
    expect(doc.paths['/v1/registry/objects'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['kind', 'name', 'owner', 'q', 'tag']);
  });
});

describe('servers without the UI, and the registry without lookups (fsql ui)', { timeout: 60_000 }, () => {
  let dir: string;
  let ws: Workspace;
  const started: RunningServer[] = [];
  beforeAll(async () => {
    dir = copyPayments();
    ws = await prepare(dir);
  }, 120_000);
  afterAll(async () => {
    for (const x of started) await x.close();
    await ws?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (options: Parameters<typeof startServer>[1]) => {
    const x = await startServer(ws, { host: '127.0.0.1', port: 0, ...options });
    started.push(x);
    return x;
  };

  it('says how to build a UI that is not built, and has no / with ui: false', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'fsql-ui-none-'));
    try {
      const unbuilt = await start({ ui: empty });
      const r = await call(`${unbuilt.url}/`);
      expect([r.status, r.body.error.code]).toEqual([404, 'not_found']);
      expect(r.body.error.message).toContain('npm run build:ui');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const none = await start({ ui: false });
    const r = await call(`${none.url}/`);
    expect([r.status, r.body.error.message]).toEqual([404, 'no route GET /']);
  });

  it('serving: false has the registry, entities and health, and no lookups, ingest or tables', async () => {
    const x = await start({ serving: false, ui: false });
    expect((await call(`${x.url}/v1/registry/objects?kind=feature`)).status).toBe(200);
    expect((await call(`${x.url}/v1/registry/lineage/user_age`)).status).toBe(200);
    expect((await call(`${x.url}/v1/entities`)).status).toBe(200);
    expect((await call(`${x.url}/health`)).status).toBe(200);
    for (const [method, path] of [
      ['POST', '/v1/features/user'],
      ['GET', '/v1/features/user/u0001'],
      ['POST', '/v1/ingest/app_events'],
      ['POST', '/v1/training-sets/fraud_detection'],
    ] as const) {
      const r = await call(`${x.url}${path}`, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{"keys":[["u0001"]]}' } : {}) });
      expect([path, r.status, r.body.error.code]).toEqual([path, 404, 'not_found']);
    }
    const doc = (await call(`${x.url}/openapi.json`)).body;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/features') || p.startsWith('/v1/ingest'))).toEqual([]);
  });
});
