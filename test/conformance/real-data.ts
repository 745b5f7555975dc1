/**
 * Real data through the CLI, on every offline engine (issue 12's judgement):
 * the flights project of test/fixtures/flights (two days of vega-datasets'
 * flights-3m, the airports dimension, a stream fed with the next morning's
 * departures; views over views, every aggregate, WHERE, AVAILABLE AFTER,
 * AS OF < t, TTL, every FILL / SCALE / ONE_HOT, two entities, SAMPLE) is run
 * exactly as a user runs it — `fsql apply --fit-at`, `fsql ingest`, `fsql
 * apply`, `fsql train`, `fsql describe`, `fsql materialize`, `fsql get` —
 * and its training sets, fitted parameters and online vectors must equal the
 * reference evaluator's (test/reference), computed from the fixture files
 * read here by a parser of their own (doubles within 1e-9 relative).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { keyOf, type Catalog, type FeatureInfo } from '../../src/check/catalog.js';
import { checkProject } from '../../src/check/project.js';
import type { FittedParameters } from '../../src/plan/fitted.js';
import { readProjectFiles } from '../../src/project/files.js';
import { fitAll, materialize, trainingSet, type Data, type Row, type RowCache, type Value } from '../reference/index.js';
import { fsql, ROOT, tempDir } from '../runtime/support.js';
import { sameParams, sameRows } from './conformance.js';

export const FLIGHTS = join(ROOT, 'test', 'fixtures', 'flights');
/** `apply --fit-at`: the flight features are fitted as of the end of the first day. */
export const FIT_AT = '2001-01-31 00:00:00';
/** `materialize --at`: the next morning, between the streamed departures. */
export const MATERIALIZE_AT = '2001-02-01 06:00:00';
export const TRAINING_SETS = ['delays', 'interstate_minutes', 'airport_profile'] as const;

const micros = (text: string): number => {
  const ms = Date.parse(`${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${text}`);
  return ms * 1000;
};

/** RFC 4180 fields of one CSV text (quotes, doubled quotes, commas inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  return rows;
}

function csvObjects(path: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

const int = (s: string): Value => (s === '' ? null : Number(s));

/** The fixture's rows, read without fsql: flights.csv (the same rows as flights.parquet), airports.csv, and the stream's JSONL. */
export function fixtureData(): { data: Data; live: Row[] } {
  const flights = csvObjects(join(FLIGHTS, 'data', 'flights.csv')).map((r) => ({ date: micros(r.date!), delay: int(r.delay!), distance: int(r.distance!), origin: r.origin!, destination: r.destination! }));
  const airports = csvObjects(join(FLIGHTS, 'data', 'airports.csv')).map((r) => ({
    iata: r.iata!,
    name: r.name || null,
    city: r.city || null,
    state: r.state || null,
    country: r.country || null,
    latitude: r.latitude === '' ? null : Number(r.latitude),
    longitude: r.longitude === '' ? null : Number(r.longitude),
  }));
  const live = readFileSync(join(FLIGHTS, 'data', 'live-departures.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const o = JSON.parse(l) as { date: string; delay: number | null; distance: number | null; origin: string; destination: string };
      return { ...o, date: micros(o.date) };
    });
  return { data: { flights, airports, live_departures: live }, live };
}

export function fixtureCatalog(dir = FLIGHTS): Catalog {
  const checked = checkProject(readProjectFiles(dir, dir));
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${dir} does not check: ${errors.map((d) => d.message).join('; ')}`);
  return checked.catalog;
}

export interface Results {
  /** Training set → { columns, rows }. */
  readonly training: Record<string, { columns: string[]; rows: Value[][] }>;
  /** `feature@version` → fitted parameters (fitted features only). */
  readonly fitted: Record<string, FittedParameters>;
  /** Entity → key JSON (values in key order) → feature → its output value(s). */
  readonly vectors: Record<string, Map<string, Record<string, Value[]>>>;
  /** Entity → key JSON → feature → served status, for the features the reference says are outside their TTL. */
  readonly outsideTtl?: Record<string, Map<string, string[]>>;
}

let cachedReference: Promise<Results> | undefined;

/** Lets the test runner's timers run between long synchronous steps. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What the reference evaluator says the project gives (computed once per test file: 30–60 s). */
export function referenceResults(): Promise<Results> {
  cachedReference ??= computeReference();
  return cachedReference;
}

async function computeReference(): Promise<Results> {
  const catalog = fixtureCatalog();
  const { data } = fixtureData();
  const all = Object.values(catalog.features).flat();
  const cache: RowCache = new Map(); // the views' rows, computed once (the joins are nested loops)
  // `apply --fit-at FIT_AT` fits the flight features; the stream's, awaiting their fit then, are fitted by the
  // second apply (after the ingest) as of the newest event time of the stream: the default.
  const fitted = new Map<string, FittedParameters>();
  for (const f of all) {
    const at = keyOf(f.relation) === 'live_departures' ? undefined : micros(FIT_AT);
    for (const [k, p] of fitAll(catalog, data, [f], at, cache)) fitted.set(k, p);
    await breathe();
  }
  const training: Results['training'] = {};
  for (const name of TRAINING_SETS) {
    training[name] = trainingSet(catalog, data, name, undefined, { fitted, cache });
    await breathe();
  }
  const vectors: Record<string, Map<string, Record<string, Value[]>>> = {};
  for (const entity of ['airport', 'route']) {
    vectors[entity] = materialize(catalog, data, entity, micros(MATERIALIZE_AT), fitted, undefined, cache);
    await breathe();
  }
  const fittedOut: Record<string, FittedParameters> = {};
  for (const f of all) if (needsFit(f)) fittedOut[`${f.name}@${f.version}`] = fitted.get(`${f.name}@${f.version}`)!;
  return { training, fitted: fittedOut, vectors };
}

/** A version with fitted parameters: FILL MEAN / MEDIAN / MODE, SCALE other than LOG, ONE_HOT TOP n (semantics §5). */
function needsFit(f: FeatureInfo): boolean {
  const fill = f.fill?.kind === 'stat' && f.fill.stat !== 'ZERO';
  const enc = f.encoding;
  return fill || (enc?.kind === 'scale' && enc.method !== 'LOG') || enc?.kind === 'one_hot_top';
}

export interface RunOptions {
  /** `fsql.json`'s offline section. */
  readonly offline: Record<string, unknown>;
  /** Rewrites the project's files before apply (e.g. the flights source read from CSV). */
  readonly edit?: (dir: string) => void;
  /** Reports each step's time (for the log). */
  readonly log?: (line: string) => void;
}

async function ok(step: string, ...argv: string[]): Promise<string> {
  const r = await fsql(...argv);
  if (r.code !== 0) throw new Error(`fsql ${argv.join(' ')} (${step}) exited ${r.code}:\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  return r.stdout;
}

/** The project run through the CLI on one engine, as a user would. */
export async function cliResults(opts: RunOptions): Promise<Results> {
  const t = tempDir('fsql-flights-');
  const log = opts.log ?? (() => {});
  try {
    const dir = t.dir;
    cpSync(FLIGHTS, dir, { recursive: true });
    writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ offline: opts.offline }));
    opts.edit?.(dir);
    const step = async (name: string, ...argv: string[]) => {
      const start = performance.now();
      const out = await ok(name, ...argv);
      log(`${name}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
      return out;
    };
    await step('apply', 'apply', dir, '--fit-at', FIT_AT, '-q');
    await step('ingest', 'ingest', 'live_departures', join(dir, 'data', 'live-departures.jsonl'), dir);
    const second = await step('apply (fits the stream features)', 'apply', dir, '-q');
    expect(second).toMatch(/fitted live_avg_delay_1h@1/);

    const training: Results['training'] = {};
    for (const name of TRAINING_SETS) {
      const out = join(dir, `${name}.jsonl`);
      await step(`train ${name}`, 'train', name, dir, '--out', out, '-q');
      const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
      const objects = lines.map((l) => JSON.parse(l) as Record<string, Value>);
      const columns = Object.keys(objects[0] ?? {});
      training[name] = { columns, rows: objects.map((o) => columns.map((c) => timeValue(c, o[c]!))) };
    }

    const catalog = fixtureCatalog(dir);
    const fitted: Record<string, FittedParameters> = {};
    for (const f of Object.values(catalog.features).flat()) {
      if (!needsFit(f)) continue;
      const d = JSON.parse(await ok('describe', 'describe', f.name, dir, '--format', 'json')) as { fittedParameters: FittedParameters };
      fitted[`${f.name}@${f.version}`] = d.fittedParameters;
    }

    await step('materialize', 'materialize', dir, '--at', MATERIALIZE_AT, '-q');
    const vectors: Results['vectors'] = {};
    const outsideTtl: NonNullable<Results['outsideTtl']> = {};
    const reference = await referenceResults();
    for (const entity of ['airport', 'route']) {
      const keys = [...reference.vectors[entity]!.keys()].map((k) => (JSON.parse(k) as string[]).join(','));
      const got = JSON.parse(await step(`get ${entity} (${keys.length} keys)`, 'get', entity, ...keys, '--project', dir, '--format', 'json')) as {
        results: { key: Record<string, string>; found: boolean; features: Record<string, { value?: Value; values?: Record<string, Value>; status: string }> }[];
      };
      const map = new Map<string, Record<string, Value[]>>();
      const ttl = new Map<string, string[]>();
      for (const r of got.results) {
        const key = JSON.stringify(Object.values(r.key));
        if (!r.found) continue;
        const vector: Record<string, Value[]> = {};
        for (const [name, v] of Object.entries(r.features)) vector[name] = v.values !== undefined ? Object.values(v.values) : [v.value ?? null];
        map.set(key, vector);
        ttl.set(
          key,
          Object.entries(r.features)
            .filter(([, v]) => v.status === 'outside_ttl')
            .map(([n]) => n),
        );
      }
      vectors[entity] = map;
      outsideTtl[entity] = ttl;
    }
    return { training, fitted, vectors, outsideTtl };
  } finally {
    t.cleanup();
  }
}

/** Training files write times as text ('2001-01-30 00:01:00'); the reference has µs. */
function timeValue(column: string, v: Value): Value {
  return column === 'date' && typeof v === 'string' ? micros(v) : v;
}

/** The first difference between an engine's results and the expected ones, as a vitest failure. */
export function expectSame(label: string, actual: Results, expected: Results): void {
  for (const name of TRAINING_SETS) {
    const a = actual.training[name]!;
    const e = expected.training[name]!;
    expect(a.columns, `${label}: columns of training set ${name}`).toEqual(e.columns);
    expect(e.rows.length, `${label}: rows of ${name}`).toBeGreaterThan(100);
    expect(sameRows(a.rows, e.rows), `${label}: training set ${name}`).toBeUndefined();
  }
  for (const [k, p] of Object.entries(expected.fitted)) {
    expect(actual.fitted[k], `${label}: ${k} is fitted`).toBeDefined();
    expect(sameParams(actual.fitted[k]!, p), `${label}: fit of ${k}`).toBeUndefined();
  }
  for (const [entity, e] of Object.entries(expected.vectors)) {
    const a = actual.vectors[entity]!;
    expect([...a.keys()].sort(), `${label}: materialized keys of ${entity}`).toEqual([...e.keys()].sort());
    for (const [key, vector] of e) {
      const got = a.get(key)!;
      const names = Object.keys(vector).sort();
      expect(Object.keys(got).sort(), `${label}: features of ${entity} ${key}`).toEqual(names);
      const diff = sameRows([names.flatMap((n) => got[n]!)], [names.flatMap((n) => vector[n]!)]);
      expect(diff, `${label}: online vector of ${entity} ${key} (${names.join(', ')})`).toBeUndefined();
    }
  }
}
