/**
 * Fresh online values (docs/online-stores.md, "Fresh values"), written once
 * and run on each online store: SQLite in fresh-values.property.test.ts,
 * Redis in fresh-values.integration.ts.
 *
 * - Request-time windows: for random event streams (ingested before and
 *   after the snapshot, late events included) and random request times
 *   T ≥ the snapshot, the value served from the tiles equals the reference
 *   evaluator's (test/reference) raw value for a label at T.
 * - `materialize --incremental`: after a snapshot at A and more events, the
 *   vectors refreshed to B equal, key for key, a full materialize at B and
 *   the reference at B.
 */
import '../support/fast-check-seed.js';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { readProjectFiles } from '../../src/project/files.js';
import { applyProject } from '../../src/runtime/apply.js';
import { ingest } from '../../src/runtime/ingest.js';
import { materialize } from '../../src/runtime/materialize.js';
import { materializeIncremental } from '../../src/runtime/refresh.js';
import { requestTimeCells } from '../../src/runtime/tiles.js';
import { computeSnapshot, entityFeatures } from '../../src/runtime/vectors.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { encodeKey, type SnapshotRow } from '../../src/store/online/store.js';
import { findFeature, rawValue } from '../reference/features.js';
import { close, HOUR, us, writeFiles } from './support.js';

const START = us('2024-03-01');
const MINUTE = 60_000_000;
const KEYS = ['k1', 'k2', 'k3'];

/** Windowed aggregates (served from tiles) and a latest value with a TTL (served from vectors). */
export const TILED = ['cnt_2h', 'cnt_v_1d', 'sum_3h', 'avg_1d', 'min_6h', 'max_30m', 'sum_strict_1h'];
const ALL = [...TILED, 'last_value'];

const project = (delayMinutes: number) => `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE events (user_id TEXT NOT NULL, value DOUBLE, amount INTEGER, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts${delayMinutes ? ` AVAILABLE AFTER ${delayMinutes} MINUTES` : ''};

CREATE FEATURE cnt_2h ENTITY user FROM events AS COUNT(*) WINDOW 2 HOURS;
CREATE FEATURE cnt_v_1d ENTITY user FROM events AS COUNT(value) WINDOW 1 DAY;
CREATE FEATURE sum_3h ENTITY user FROM events AS SUM(value) WINDOW 3 HOURS;
CREATE FEATURE avg_1d ENTITY user FROM events AS AVG(value) WINDOW 1 DAY;
CREATE FEATURE min_6h ENTITY user FROM events AS MIN(value) WHERE amount > -20 WINDOW 6 HOURS;
CREATE FEATURE max_30m ENTITY user FROM events AS MAX(amount) WINDOW 30 MINUTES;
CREATE FEATURE sum_strict_1h ENTITY user FROM events AS SUM(amount) WINDOW 1 HOUR AS OF < t;
CREATE FEATURE last_value ENTITY user FROM events AS value TTL 90 MINUTES;
`;

interface Event {
  readonly key: string;
  readonly t: number;
  readonly value: number | null;
  readonly amount: number | null;
}

// Times over two days on a 5-minute grid (tile and window edges), sometimes with seconds.
const time = (fromMinutes: number, toMinutes: number) =>
  fc.tuple(fc.integer({ min: fromMinutes / 5, max: toMinutes / 5 }), fc.constantFrom(0, 0, 0, 17)).map(([m, s]) => START + m * 5 * MINUTE + s * 1_000_000);

const eventArb = (from: number, to: number): fc.Arbitrary<Event> =>
  fc.record({
    key: fc.constantFrom(...KEYS),
    t: time(from, to),
    value: fc.option(
      fc.integer({ min: -200, max: 200 }).map((n) => n / 4),
      { nil: null, freq: 5 },
    ),
    amount: fc.option(fc.integer({ min: -50, max: 50 }), { nil: null, freq: 5 }),
  });

export interface Case {
  readonly before: readonly Event[];
  /** Ingested after the snapshot: mostly later, some late (event times before it). */
  readonly after: readonly Event[];
  /** Minutes after START of the snapshot. */
  readonly snapshot: number;
  readonly delayMinutes: number;
  /** Request times, minutes after the snapshot. */
  readonly requests: readonly number[];
}

export const caseArb: fc.Arbitrary<Case> = fc.record({
  before: fc.array(eventArb(0, 24 * 60), { minLength: 1, maxLength: 25 }),
  after: fc.array(eventArb(12 * 60, 48 * 60), { maxLength: 15 }),
  snapshot: fc.integer({ min: 0, max: 24 * 12 }).map((n) => n * 5),
  delayMinutes: fc.constantFrom(0, 0, 30, 60),
  requests: fc.array(
    fc.oneof(
      fc.integer({ min: 0, max: 48 * 12 }).map((n) => n * 5),
      fc.integer({ min: 0, max: 48 * 60 * 60 }).map((s) => s / 60),
    ),
    { minLength: 1, maxLength: 6 },
  ),
});

const text = (t: number) =>
  new Date(t / 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$/, '');
const record = (e: Event) => ({ user_id: e.key, value: e.value, amount: e.amount, ts: text(e.t) });
const rows = (events: readonly Event[]) => events.map((e) => ({ user_id: e.key, value: e.value, amount: e.amount, ts: e.t }));

export interface StoreSetup {
  /** fsql.json's `online` object for a fresh store (its own file or key prefix). */
  online(): Record<string, unknown>;
  cleanup?(): Promise<void>;
}

async function openProject(c: Case, setup: StoreSetup, windows: 'tiles' | 'vectors' = 'tiles'): Promise<{ ws: Workspace; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-fresh-'));
  writeFiles(dir, { 'project.fsql': project(c.delayMinutes), 'fsql.json': JSON.stringify({ online: { ...setup.online(), windows } }) });
  const ws = Workspace.open(dir, { create: true });
  await applyProject(ws, readProjectFiles(dir));
  return { ws, dir };
}

/** Request-time values from the tiles equal the reference's raw values at T, for every key and request time. */
export async function checkTiles(c: Case, setup: StoreSetup): Promise<void> {
  const { ws, dir } = await openProject(c, setup);
  try {
    const S = START + c.snapshot * MINUTE;
    await ingest(ws, 'events', c.before.map(record));
    await materialize(ws, { at: S });
    if (c.after.length > 0) await ingest(ws, 'events', c.after.map(record));
    const catalog = checkText(project(c.delayMinutes), 'project.fsql').catalog;
    const data = { events: rows([...c.before, ...c.after]) };
    const texts = [...KEYS, 'nobody'].map((k) => encodeKey([k], 1));
    // Random times, and times exactly on a window's edge for some event (a row exactly w old no longer counts).
    const edges = [...c.before, ...c.after].flatMap((e) => [0, 30, 60, 120, 180, 360, 1440].map((m) => e.t + c.delayMinutes * MINUTE + m * MINUTE)).filter((t) => t >= S);
    const times = [...c.requests.map((m) => S + Math.round(m * MINUTE)), ...edges.filter((_t, i) => i % Math.max(1, Math.floor(edges.length / 12)) === 0)];
    for (const T of times) {
      const served = await requestTimeCells(ws.online(), 'user', texts, T);
      expect(served).not.toBeNull();
      expect(served!.specs.map((s) => s.name).sort()).toEqual([...TILED].sort());
      [...KEYS, 'nobody'].forEach((k, i) => {
        served!.specs.forEach((s, j) => {
          const want = rawValue(catalog, data, findFeature(catalog, s.name), [k], T);
          const got = served!.cells[i]![j]!;
          if (!close(got.values[0], want.value))
            throw new Error(`${s.name} of ${k} at ${text(T)} (snapshot ${text(S)}): served ${got.values[0]}, reference ${want.value}\n${JSON.stringify(c)}`);
        });
      });
    }
    // Before the snapshot, tiles do not serve (the vectors do).
    expect(await requestTimeCells(ws.online(), 'user', texts, S - 1)).toBeNull();
    // An incremental refresh later rewrites the tiles (the shortest window has passed), dropping old events: still exact after it.
    // (The refresh runs as of the later of the time asked and the newest event ingested since the snapshot: ingests' tickets.)
    const [refreshed] = await materializeIncremental(ws, { at: S + 7 * HOUR });
    const R = refreshed!.asOf;
    expect(R).toBeGreaterThanOrEqual(S + 7 * HOUR);
    for (const T of [...times, R, R + 29 * MINUTE, R + 3 * HOUR + 1].filter((t) => t >= R)) {
      const served = (await requestTimeCells(ws.online(), 'user', texts, T))!;
      expect(served.asOf).toBe(R);
      [...KEYS, 'nobody'].forEach((k, i) => {
        served.specs.forEach((s, j) => {
          const want = rawValue(catalog, data, findFeature(catalog, s.name), [k], T);
          if (!close(served.cells[i]![j]!.values[0], want.value))
            throw new Error(
              `after a refresh at ${text(R)}: ${s.name} of ${k} at ${text(T)}: served ${served.cells[i]![j]!.values[0]}, reference ${want.value}\n${JSON.stringify(c)}`,
            );
        });
      });
    }
  } finally {
    await ws.close();
    rmSync(dir, { recursive: true, force: true });
    await setup.cleanup?.();
  }
}

/**
 * `materialize --incremental` from A to B, then on to later times in small
 * steps (windows and TTLs crossing between two refreshes), equals a full
 * materialize at each time (the same plan, every key) and the reference.
 */
export async function checkIncremental(c: Case, setup: StoreSetup): Promise<void> {
  const { ws, dir } = await openProject(c, setup, 'vectors');
  try {
    const A = START + c.snapshot * MINUTE;
    // Later events go to the offline store before the snapshot's vectors are moved: the refresh must find them.
    await ingest(ws, 'events', c.before.map(record));
    await materialize(ws, { at: A });
    const catalog = checkText(project(c.delayMinutes), 'project.fsql').catalog;
    const keys = [...KEYS, 'nobody'].map((k) => [k]);
    const data = { events: rows(c.before) };
    let B = A;
    for (const [step, minutes] of c.requests.entries()) {
      const previous = B;
      // The first step anywhere in two days; then steps of up to 2.5 hours.
      B += Math.round((step === 0 ? minutes : minutes % 150) * MINUTE);
      const [refreshed] = await materializeIncremental(ws, { at: B });
      expect(refreshed!.mode).toBe('incremental');
      expect([refreshed!.previousAsOf, refreshed!.asOf]).toEqual([previous, B]);
      expect((await ws.online().describe('user'))!.refreshedAsOf).toBe(B);
      const incremental = await ws.online().get('user', keys);
      const { catalog: registered } = await ws.catalog();
      const full = await computeSnapshot(await ws.engine(), registered, ws.fitted, 'user', entityFeatures(registered, 'user'), B);
      const fullRows = full.rows as readonly SnapshotRow[];
      incremental.forEach((v, i) => {
        const f = fullRows.find((r) => r.key[0] === keys[i]![0]);
        if (v.found !== (f !== undefined)) throw new Error(`${keys[i]} found ${v.found} incremental, ${f !== undefined} full at ${text(B)}\n${JSON.stringify(c)}`);
        for (const name of ALL) {
          const a = v.features.find((x) => x.name === name)!;
          const j = full.features.findIndex((x) => x.name === name);
          const want = rawValue(catalog, data, findFeature(catalog, name), keys[i]!, B).value;
          const cell = f?.features[j];
          if ((cell && (!close(a.values[name], cell.values[0]) || a.status !== cell.status || a.eventTime !== cell.eventTime)) || !close(a.values[name], want)) {
            throw new Error(
              `${name} of ${keys[i]} at ${text(B)} (from ${text(previous)}): incremental ${a.values[name]} ${a.status}, full ${cell?.values[0]} ${cell?.status}, reference ${want}\n${JSON.stringify(c)}`,
            );
          }
        }
      });
    }
    // A full materialize at the last time writes the same vectors.
    const before = await ws.online().get('user', keys);
    await materialize(ws, { at: B });
    expect(await ws.online().get('user', keys)).toEqual(before);
  } finally {
    await ws.close();
    rmSync(dir, { recursive: true, force: true });
    await setup.cleanup?.();
  }
}

export const runs = (n: number) => Number(process.env['FSQL_FRESH_RUNS'] ?? n);
export { HOUR };
