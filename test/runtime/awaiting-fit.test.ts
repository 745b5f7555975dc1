/**
 * Fits wait for data (docs/semantics.md §5): a feature version whose fitted
 * statistic has an empty population — a STREAM at its first apply, an empty
 * FILE — is not fitted. It is "awaiting fit" in `list`, `describe` and the
 * HTTP registry; `train` refuses it; online lookups give it status
 * `awaiting_fit`, never a NULL served as present. The first later `apply`
 * (or `fsql fit`) that finds a population fits it, once. A feature with
 * nothing to fit (a plain COUNT) records statistics and is "not needed".
 *
 * Every expected number is worked out by hand in the comments from EVENTS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineTarget } from '../../src/engine/engine.js';
import { RuntimeError } from '../../src/runtime/errors.js';
import { buildTrainingSet } from '../../src/runtime/train.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { startServer } from '../../src/server/index.js';
import { Api } from '../server/support.js';
import { close, fsql, tempDir, us, writeFiles } from './support.js';

const PROJECT = `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE clicks (user_id TEXT NOT NULL, v DOUBLE, page TEXT, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;

CREATE SOURCE outcomes (user_id TEXT NOT NULL, churned BOOLEAN NOT NULL, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/outcomes.csv' EVENT TIME ts;

CREATE FEATURE f ENTITY user FROM clicks AS AVG(v) WINDOW 1 DAY FILL MEAN SCALE STANDARD;
CREATE FEATURE n ENTITY user FROM clicks AS COUNT(*) WINDOW 1 DAY SCALE STANDARD;
CREATE FEATURE top ENTITY user FROM clicks AS page ONE_HOT TOP 2;
CREATE FEATURE plain ENTITY user FROM clicks AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE zero ENTITY user FROM clicks AS SUM(v) WINDOW 1 DAY FILL ZERO SCALE LOG;

CREATE LABEL churned ENTITY user FROM outcomes AS churned;
CREATE TRAINING SET model LABEL churned FEATURES (f, n, plain);
CREATE TRAINING SET plain_model LABEL churned FEATURES (plain, zero);
`;

const OUTCOMES = `user_id,churned,ts
a,true,2024-01-02 12:00:00
b,false,2024-01-02 12:00:00
`;

// The fit time is the newest event time of clicks: 2024-01-02 11:00. Each key
// as of then, window (2024-01-01 11:00, 2024-01-02 11:00]:
//   f = AVG(v):  a (1 + 3) / 2 = 2, b 8  → mean 5, stddev_pop √((9 + 9) / 2) = 3
//   n = COUNT:   a 2, b 1               → mean 1.5, stddev_pop 0.5
//   top = page:  a 'y' (its latest row), b 'x' → x 1, y 1: a tie, by value: [x, y]
// At the labels' time 2024-01-02 12:00 the same rows are in the window:
//   f: a (2 − 5) / 3 = −1, b (8 − 5) / 3 = 1;  n: a (2 − 1.5) / 0.5 = 1, b −1.
const EVENTS = [
  { user_id: 'a', v: 1, page: 'x', ts: '2024-01-02 10:00:00' },
  { user_id: 'a', v: 3, page: 'y', ts: '2024-01-02 11:00:00' },
  { user_id: 'b', v: 8, page: 'x', ts: '2024-01-02 11:00:00' },
];

type Vector = Record<string, { version: number; value?: unknown; values?: Record<string, unknown>; status: string; event_time: string | null }>;

async function vector(dir: string, key: string): Promise<Vector> {
  const got = await fsql('get', 'user', key, '--project', dir, '--format', 'json');
  expect(got.stderr).toBe('');
  expect(got.code).toBe(0);
  return (JSON.parse(got.stdout) as { results: { features: Vector }[] }).results[0]!.features;
}

async function describeJson(dir: string, name: string): Promise<Record<string, any>> {
  const d = await fsql('describe', name, dir, '--format', 'json');
  expect(d.code).toBe(0);
  return JSON.parse(d.stdout) as Record<string, any>;
}

function writeEvents(dir: string, name: string, events: readonly object[]): string {
  const path = join(dir, name);
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n'));
  return path;
}

describe.each(['sqlite', 'duckdb'] as EngineTarget[])('a stream empty at its first apply (%s)', { timeout: 120_000 }, (engine) => {
  let dir = '';
  let cleanup = () => undefined as void;
  let firstApply = { code: 0, stdout: '', stderr: '' };

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('fsql-awaiting-'));
    writeFiles(dir, { 'features.fsql': PROJECT, 'data/outcomes.csv': OUTCOMES, 'fsql.json': JSON.stringify({ offline: { engine } }) });
    firstApply = await fsql('apply', dir);
  });
  afterAll(() => cleanup());

  it('applies, warns that the fitted features await data, and fits nothing', () => {
    expect(firstApply.code).toBe(0);
    const out = firstApply.stdout + firstApply.stderr;
    for (const name of ['f', 'n', 'top']) expect(out).toMatch(new RegExp(`warning: feature ${name} VERSION 1 awaits its fit`));
    expect(out).toMatch(/no non-NULL value/);
    expect(firstApply.stdout).not.toMatch(/^\s*fitted /m);
    expect(out).not.toMatch(/feature (plain|zero) VERSION 1 awaits/);
  });

  it('shows the versions as awaiting fit in list and describe; a plain COUNT needs no fit', async () => {
    const list = await fsql('list', dir, '--kind', 'feature');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/\bf\s+1 \(awaiting fit\)/);
    expect(list.stdout).toMatch(/\bplain\s+1\s*\n/);
    const listJson = JSON.parse((await fsql('list', dir, '--kind', 'feature', '--format', 'json')).stdout) as { objects: { name: string; awaitingFit?: number[] }[] };
    expect(listJson.objects.find((o) => o.name === 'f')!.awaitingFit).toEqual([1]);
    expect(listJson.objects.find((o) => o.name === 'plain')!.awaitingFit).toBeUndefined();

    const f = await describeJson(dir, 'f');
    expect(f['fit']).toBe('awaiting');
    expect(f['fitted']).toBe(false);
    expect(f['fittedParameters']).toBeUndefined();
    const text = (await fsql('describe', 'f', dir)).stdout;
    expect(text).toMatch(/fit: awaiting/);
    expect(text).toMatch(/fsql fit f/);
    expect(text).not.toMatch(/fitted parameters:/);

    for (const name of ['plain', 'zero']) {
      const p = await describeJson(dir, name);
      expect(p['fit']).toBe('not_needed');
      expect(p['fitted']).toBe(false);
      expect(p['fittedParameters']).toBeUndefined();
      expect(p['statistics']).toMatchObject({ count: 0 });
      expect((await fsql('describe', name, dir)).stdout).toMatch(/fit: not needed/);
    }
  });

  it('refuses to train a training set that uses an awaiting version, saying what to do (not exit 70)', async () => {
    const out = join(dir, 'model.csv');
    const r = await fsql('train', 'model', dir, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/feature f VERSION 1 is awaiting its fit/);
    expect(r.stderr).toMatch(/fsql ingest/);
    expect(r.stderr).toMatch(/fsql apply/);
    expect(r.stderr).toMatch(/fsql fit f/);
    // The runtime's error has a stable code.
    const ws = Workspace.open(dir);
    try {
      const e = await buildTrainingSet(ws, 'model').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as RuntimeError).code).toBe('awaiting_fit');
    } finally {
      await ws.close();
    }
    // A training set of features with nothing to fit trains (empty windows: COUNT 0, SUM NULL → FILL 0 → LOG 0).
    const plain = await fsql('train', 'plain_model', dir, '--out', join(dir, 'plain.csv'));
    expect(plain.code).toBe(0);
    expect(readFileSync(join(dir, 'plain.csv'), 'utf8').trim().split('\n')).toEqual(['user_id,ts,plain,zero,churned', 'a,2024-01-02 12:00:00,0,0,true', 'b,2024-01-02 12:00:00,0,0,false']);
  });

  it('serves status awaiting_fit for an awaiting version, materialized and after an ingest, never present with a NULL', async () => {
    expect((await fsql('materialize', dir, '--at', '2024-01-02 12:00:00')).code).toBe(0);
    const before = await vector(dir, 'a');
    expect(before['f']).toEqual({ version: 1, value: null, status: 'awaiting_fit', event_time: null, as_of: '2024-01-02T12:00:00Z' });
    expect(before['n']).toEqual({ version: 1, value: null, status: 'awaiting_fit', event_time: null, as_of: '2024-01-02T12:00:00Z' });
    expect(before['top']).toEqual({ version: 1, values: {}, status: 'awaiting_fit', event_time: null, as_of: '2024-01-02T12:00:00Z' });
    expect(before['plain']).toMatchObject({ value: 0, status: 'missing' });

    const ingested = await fsql('ingest', 'clicks', writeEvents(dir, 'events.jsonl', EVENTS), dir);
    expect(ingested.code).toBe(0);
    const after = await vector(dir, 'a');
    expect(after['f']).toMatchObject({ version: 1, value: null, status: 'awaiting_fit', event_time: null });
    expect(after['top']).toMatchObject({ values: {}, status: 'awaiting_fit' });
    expect(after['plain']).toMatchObject({ value: 2, status: 'present' });
    // The text output names the status too.
    const text = await fsql('get', 'user', 'a', '--project', dir);
    expect(text.stdout).toMatch(/f\s+1\s+NULL\s+awaiting_fit/);
    expect(text.stdout).toMatch(/top\s+1\s+awaiting_fit/);
  });

  it('is fitted by the next apply that finds a population, with the parameters worked out by hand', async () => {
    const applied = await fsql('apply', dir);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/fitted f@1, n@1, top@1\n/);
    expect(applied.stdout + applied.stderr).not.toMatch(/awaits its fit/);
    const f = await describeJson(dir, 'f');
    expect(f['fit']).toBe('fitted');
    expect(f['fitted']).toBe(true);
    expect(f['fittedParameters']).toMatchObject({ fitTime: us('2024-01-02 11:00:00'), count: 2, mean: 5, stddev: 3 });
    expect((await describeJson(dir, 'n'))['fittedParameters']).toMatchObject({ count: 2, mean: 1.5, stddev: 0.5 });
    expect((await describeJson(dir, 'top'))['fittedParameters']).toMatchObject({ vocabulary: ['x', 'y'], columns: ['top__x', 'top__y'] });
    expect((await fsql('list', dir, '--kind', 'feature')).stdout).not.toMatch(/awaiting/);

    // The apply recomputed the entity's snapshot (as of its time, 2024-01-02 12:00): real values at once.
    const now = await vector(dir, 'a');
    expect(now['f']!.status).toBe('present');
    expect(close(now['f']!.value, -1)).toBe(true);
    expect(now['n']).toMatchObject({ value: 1, status: 'present' });
    // An ingest recomputes them too, with the same result.
    const more = await fsql('ingest', 'clicks', writeEvents(dir, 'more.jsonl', [{ user_id: 'c', v: 100, page: 'z', ts: '2024-01-01 00:00:00' }]), dir);
    expect(more.code).toBe(0);
    const a = await vector(dir, 'a');
    expect(close(a['f']!.value, -1)).toBe(true);
    expect(a['f']!.status).toBe('present');
    expect(a['n']).toMatchObject({ value: 1, status: 'present' });
    expect(a['top']).toMatchObject({ values: { top__x: 0, top__y: 1 }, status: 'present' });
    const b = await vector(dir, 'b');
    expect(close(b['f']!.value, 1)).toBe(true);
    expect(b['n']).toMatchObject({ value: -1, status: 'present' });
    expect(b['top']).toMatchObject({ values: { top__x: 1, top__y: 0 } });

    const out = join(dir, 'model.csv');
    const trained = await fsql('train', 'model', dir, '--out', out);
    expect(trained.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual(['user_id,ts,f,n,plain,churned', 'a,2024-01-02 12:00:00,-1,1,2,true', 'b,2024-01-02 12:00:00,1,-1,1,false']);
  });

  it('does not refit at a later apply, even with new data', async () => {
    await fsql('ingest', 'clicks', writeEvents(dir, 'later.jsonl', [{ user_id: 'a', v: 50, page: 'q', ts: '2024-01-05 00:00:00' }]), dir);
    const again = await fsql('apply', dir);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/^\s*fitted /m);
    expect((await describeJson(dir, 'f'))['fittedParameters']).toMatchObject({ fitTime: us('2024-01-02 11:00:00'), count: 2, mean: 5, stddev: 3 });
    const refit = await fsql('fit', 'f', dir);
    expect(refit.code).toBe(1);
    expect(refit.stderr).toMatch(/feature f VERSION 1 is already fitted/);
    expect(refit.stderr).toMatch(/VERSION 2/);
  });
});

describe('fsql fit', { timeout: 120_000 }, () => {
  let dir = '';
  let cleanup = () => undefined as void;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('fsql-fit-'));
    writeFiles(dir, { 'features.fsql': PROJECT, 'data/outcomes.csv': OUTCOMES });
    expect((await fsql('apply', dir)).code).toBe(0);
  });
  afterAll(() => cleanup());

  it('says clearly that the population is still empty, and fits nothing', async () => {
    const r = await fsql('fit', 'f', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/feature f VERSION 1: the population is still empty/);
    expect(r.stderr).toMatch(/fsql ingest/);
    expect((await describeJson(dir, 'f'))['fit']).toBe('awaiting');
  });

  it('refuses a feature with nothing to fit, and an unknown one', async () => {
    const plain = await fsql('fit', 'plain', dir);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/feature plain VERSION 1 has nothing to fit/);
    const unknown = await fsql('fit', 'nope', dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no registered feature nope/);
  });

  it('fits an awaiting version at --at, once', async () => {
    expect((await fsql('ingest', 'clicks', writeEvents(dir, 'events.jsonl', EVENTS), dir)).code).toBe(0);
    // As of 10:30: a has one row in its window (v 1: AVG 1), b none (NULL, left out) → count 1, mean 1, stddev 0.
    const r = await fsql('fit', 'f', dir, '--at', '2024-01-02 10:30:00');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Fitted feature f VERSION 1 as of 2024-01-02 10:30:00 UTC over 1 value/);
    expect((await describeJson(dir, 'f'))['fittedParameters']).toMatchObject({ fitTime: us('2024-01-02 10:30:00'), count: 1, mean: 1, stddev: 0 });
    // The other awaiting versions are untouched by `fsql fit f`; the next apply fits them at its own fit time.
    expect((await describeJson(dir, 'n'))['fit']).toBe('awaiting');
    const applied = await fsql('apply', dir);
    expect(applied.stdout).toMatch(/fitted n@1, top@1\n/);
    expect((await describeJson(dir, 'n'))['fittedParameters']).toMatchObject({ fitTime: us('2024-01-02 11:00:00'), count: 2, mean: 1.5 });
    expect((await describeJson(dir, 'f'))['fittedParameters']).toMatchObject({ fitTime: us('2024-01-02 10:30:00'), count: 1 });
    const again = await fsql('fit', 'f', dir, '--version', '1');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already fitted/);
  });
});

describe('an empty FILE source', { timeout: 60_000 }, () => {
  it('leaves the fit waiting until the file has rows, then the next apply fits it', async () => {
    const { dir, cleanup } = tempDir('fsql-empty-file-');
    try {
      writeFiles(dir, {
        'features.fsql': `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE readings (user_id TEXT NOT NULL, v DOUBLE, ts TIMESTAMP NOT NULL) FROM FILE 'data/readings.csv' EVENT TIME ts;
CREATE FEATURE last_v ENTITY user FROM readings AS v FILL MEDIAN;
`,
        'data/readings.csv': 'user_id,v,ts\n',
      });
      const first = await fsql('apply', dir);
      expect(first.code).toBe(0);
      expect(first.stdout + first.stderr).toMatch(/warning: feature last_v VERSION 1 awaits its fit/);
      expect((await describeJson(dir, 'last_v'))['fit']).toBe('awaiting');
      // Latest v per key at 01-03: a 4, b 1, c 10 → median of (1, 4, 10) = 4.
      writeFiles(dir, { 'data/readings.csv': 'user_id,v,ts\na,2,2024-01-01 00:00:00\nb,1,2024-01-02 00:00:00\na,4,2024-01-03 00:00:00\nc,10,2024-01-03 00:00:00\n' });
      const second = await fsql('apply', dir);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/fitted last_v@1\n/);
      expect((await describeJson(dir, 'last_v'))['fittedParameters']).toMatchObject({ fitTime: us('2024-01-03'), count: 3, median: 4 });
    } finally {
      cleanup();
    }
  });
});

describe('the HTTP API', { timeout: 60_000 }, () => {
  it('shows "fit": "awaiting" in the registry and status awaiting_fit in lookups, as the OpenAPI document says', async () => {
    const { dir, cleanup } = tempDir('fsql-awaiting-http-');
    writeFiles(dir, { 'features.fsql': PROJECT, 'data/outcomes.csv': OUTCOMES });
    expect((await fsql('apply', dir)).code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-01-02 12:00:00')).code).toBe(0);
    const ws = Workspace.open(dir);
    const server = await startServer(ws, { host: '127.0.0.1', port: 0 });
    try {
      const api = await Api.open(server.url);
      const objects = await api.get('/v1/registry/objects?kind=feature');
      const fit = Object.fromEntries((objects.body.objects as { name: string; fit: string }[]).map((o) => [o.name, o.fit]));
      expect(fit).toEqual({ f: 'awaiting', n: 'awaiting', plain: 'not_needed', top: 'awaiting', zero: 'not_needed' });
      const f = await api.get('/v1/registry/objects/f');
      expect(f.body).toMatchObject({ fit: 'awaiting', fitted: false });
      expect(f.body.fitted_parameters).toBeUndefined();
      const source = await api.get('/v1/registry/objects/clicks');
      expect(source.body.fit).toBeUndefined();
      const health = await api.get('/health');
      expect(health.body.awaiting_fit).toEqual([
        { name: 'f', version: 1 },
        { name: 'n', version: 1 },
        { name: 'top', version: 1 },
      ]);

      const one = await api.get('/v1/features/user/a?features=f,top,plain');
      expect(one.body.results[0].features).toEqual({
        f: { version: 1, value: null, status: 'awaiting_fit', event_time: null, as_of: '2024-01-02T12:00:00Z' },
        top: { version: 1, values: {}, status: 'awaiting_fit', event_time: null, as_of: '2024-01-02T12:00:00Z' },
        plain: { version: 1, value: 0, status: 'missing', event_time: null, as_of: '2024-01-02T12:00:00Z' },
      });
      // After an ingest through the API, still awaiting (ingest does not fit).
      const ingested = await api.post('/v1/ingest/clicks', EVENTS);
      expect(ingested.status).toBe(200);
      const after = await api.post('/v1/features/user', { keys: [['a'], ['b']], features: ['f', 'top', 'plain'] });
      expect(after.body.results.map((r: { features: Vector }) => [r.features['f']!.status, r.features['top']!.status, r.features['plain']!.value])).toEqual([
        ['awaiting_fit', 'awaiting_fit', 2],
        ['awaiting_fit', 'awaiting_fit', 1],
      ]);
    } finally {
      await server.close();
      await ws.close();
      cleanup();
    }
  });
});
