/**
 * The product's key promise (spec §5, docs/semantics.md §7), on SQLite and on
 * DuckDB: a vector served for key k after `materialize --at T` equals, value
 * for value, the training-set row of a label (k, T) — for random event data.
 * Both are also checked against values computed here straight from the
 * events (windows, latest value with TTL, FILL MEAN + SCALE STANDARD with
 * parameters fitted at the newest event, ONE_HOT TOP 2), and every served
 * status against the rule that gives it.
 *
 * A key with no row at or before T is not in the store (`found: false`,
 * every feature `missing`) and is served the values of an empty lookup,
 * which again equal its training row.
 *
 * A fitted feature whose population at the fit is empty (every value in its
 * windows NULL, every category NULL) is not fitted (docs/semantics.md §5):
 * `train` refuses the training set, and it is served with status
 * `awaiting_fit` and no value, the other features as the reference says.
 *
 * FSQL_ENGINE_RUNS sets the number of random projects per engine (default 10).
 */
import '../support/fast-check-seed.js';
import fc from 'fast-check';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineTarget } from '../../src/engine/engine.js';
import { readProjectFiles } from '../../src/project/files.js';
import { applyProject } from '../../src/runtime/apply.js';
import { materialize } from '../../src/runtime/materialize.js';
import { RuntimeError } from '../../src/runtime/errors.js';
import { buildTrainingSet } from '../../src/runtime/train.js';
import { computeSnapshot, entityFeatures } from '../../src/runtime/vectors.js';
import { Workspace } from '../../src/runtime/workspace.js';
import type { VectorResult } from '../../src/store/online/store.js';
import { close, DAY, fsql, HOUR, tempDir, us, writeFiles } from './support.js';

const RUNS = Number(process.env['FSQL_ENGINE_RUNS'] ?? 10);
const ENGINES: EngineTarget[] = ['sqlite', 'duckdb'];
const START = us('2024-01-01');

/** The project, with the case's AVAILABLE AFTER on `events` and AS OF < t on last_value and sum_3d. */
const project = (c: Case) => `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE events (user_id TEXT NOT NULL, value DOUBLE, category TEXT, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/events.csv' EVENT TIME ts${c.delayMinutes ? ` AVAILABLE AFTER ${c.delayMinutes} MINUTES` : ''};

CREATE SOURCE outcomes (user_id TEXT NOT NULL, y DOUBLE, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/outcomes.csv' EVENT TIME ts;

CREATE FEATURE last_value ENTITY user FROM events AS value TTL 2 DAYS${c.strict ? ' AS OF < t' : ''};
CREATE FEATURE sum_3d ENTITY user FROM events AS SUM(value) WINDOW 3 DAYS${c.strict ? ' AS OF < t' : ''};
CREATE FEATURE count_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE avg_2d ENTITY user FROM events AS AVG(value) WINDOW 2 DAYS FILL MEAN SCALE STANDARD;
CREATE FEATURE category ENTITY user FROM events AS category ONE_HOT TOP 2;

CREATE LABEL y ENTITY user FROM outcomes AS y;

CREATE TRAINING SET model LABEL y FEATURES (last_value, sum_3d, count_1d, avg_2d, category);
`;

interface Event {
  readonly key: string;
  readonly t: number;
  readonly value: number | null;
  readonly category: string | null;
}

interface Label {
  readonly key: string;
  readonly t: number;
  readonly y: number;
}

interface Case {
  readonly events: readonly Event[];
  readonly labels: readonly Label[];
  /** `events` rows become available this long after their event time (AVAILABLE AFTER; 0: none). */
  readonly delayMinutes?: number;
  /** last_value and sum_3d see only rows available strictly before T (AS OF < t). */
  readonly strict?: boolean;
}

const KEYS = ['k1', 'k2', 'k3', 'k4'];

// Times on the hour or half hour over ten days, so that ties and exact window / TTL boundaries are common.
const time = (minHour: number, maxHour: number) => fc.tuple(fc.integer({ min: minHour, max: maxHour }), fc.constantFrom(0, 0, 0, 30)).map(([h, m]) => START + h * HOUR + m * 60_000_000);

const eventArb: fc.Arbitrary<Event> = fc.record({
  key: fc.constantFrom(...KEYS),
  t: time(0, 240),
  value: fc.option(fc.integer({ min: -200, max: 200 }).map((n) => n / 4), { nil: null, freq: 5 }),
  category: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null, freq: 5 }),
});

// k5 never has events: its label rows have no vector.
const labelArb: fc.Arbitrary<Label> = fc.record({ key: fc.constantFrom(...KEYS, 'k5'), t: time(-12, 264), y: fc.integer({ min: 0, max: 100 }).map((n) => n / 10) });

// An event and 0–2 events of the same key at the same time with other values: ties on purpose.
const tiedEventsArb: fc.Arbitrary<Event[]> = eventArb.chain((first) =>
  fc
    .array(fc.record({ value: eventArb.map((e) => e.value), category: eventArb.map((e) => e.category) }), { maxLength: 2 })
    .map((tied) => [first, ...tied.map((x) => ({ ...first, ...x }))]),
);

const caseArb: fc.Arbitrary<Case> = fc.record({
  events: fc.array(tiedEventsArb, { minLength: 1, maxLength: 20 }).map((groups) => groups.flat()),
  labels: fc.uniqueArray(labelArb, { minLength: 1, maxLength: 3, selector: (l) => `${l.key}@${l.t}` }),
  // On the half-hour grid: rows become available exactly at label times and window / TTL ends.
  delayMinutes: fc.constantFrom(0, 0, 30, 60, 90, 24 * 60),
  strict: fc.boolean(),
});

const text = (t: number) => new Date(t / 1000).toISOString().replace('T', ' ').replace(/\.000Z$/, '');

function files(c: Case): Record<string, string> {
  return {
    'project.fsql': project(c),
    'data/events.csv': `user_id,value,category,ts\n${c.events.map((e) => `${e.key},${e.value ?? ''},${e.category ?? ''},${text(e.t)}`).join('\n')}\n`,
    'data/outcomes.csv': `user_id,y,ts\n${c.labels.map((l) => `${l.key},${l.y},${text(l.t)}`).join('\n')}\n`,
  };
}

// ---------------------------------------------------------------------------
// The reference, from docs/semantics.md §3–§6.

type Status = 'present' | 'missing' | 'outside_ttl' | 'awaiting_fit';

/** NULL below every value; the texts here are ASCII, where `<` is code-point order. */
const nullsFirst = (a: number | string | null, b: number | string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);

/**
 * The latest of one key's rows at or before T; ties → one row, the greatest in
 * the tie order (user_id, value, category): the columns of `events` in declared
 * order but the event time (user_id is the same for all). Every latest feature
 * reads its value from that row.
 */
function latest<T extends number | string>(rows: readonly Event[], pick: (e: Event) => T | null): { t: number; value: T | null } | undefined {
  if (rows.length === 0) return undefined;
  const t = Math.max(...rows.map((e) => e.t));
  const greater = (a: Event, b: Event) => (nullsFirst(a.value, b.value) || nullsFirst(a.category, b.category)) > 0;
  let winner: Event | undefined;
  for (const e of rows) if (e.t === t && (winner === undefined || greater(e, winner))) winner = e;
  return { t, value: pick(winner!) };
}

/** A row is available `delay` after its event time (AVAILABLE AFTER, docs/semantics.md §3). */
const delay = (c: Case) => (c.delayMinutes ?? 0) * 60_000_000;
/** k's rows available at or before T (strictly before, with AS OF < t). */
const upTo = (c: Case, k: string, T: number, strict = false) => c.events.filter((e) => e.key === k && (strict ? e.t + delay(c) < T : e.t + delay(c) <= T));
/** Those that became available within the window (T − w, T]. */
const within = (c: Case, rows: readonly Event[], T: number, w: number) => rows.filter((e) => e.t + delay(c) > T - w);
const values = (rows: readonly Event[]) => rows.map((e) => e.value).filter((v): v is number => v !== null);

function avgRaw(c: Case, k: string, T: number): number | null {
  const v = values(within(c, upTo(c, k, T), T, 2 * DAY));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

interface Fitted {
  readonly mean: number | null;
  readonly stddev: number | null;
  readonly vocabulary: readonly string[];
}

/** Parameters fitted when the newest event becomes available, over every key with events, NULL raw values dropped. */
function fit(c: Case): Fitted {
  const F = Math.max(...c.events.map((e) => e.t)) + delay(c);
  const keys = [...new Set(c.events.map((e) => e.key))];
  const avgs = keys.map((k) => avgRaw(c, k, F)).filter((v): v is number => v !== null);
  const mean = avgs.length === 0 ? null : avgs.reduce((a, b) => a + b, 0) / avgs.length;
  const stddev = mean === null ? null : Math.sqrt(avgs.reduce((a, b) => a + (b - mean) ** 2, 0) / avgs.length);
  const counts = new Map<string, number>();
  for (const k of keys) {
    const v = latest(upTo(c, k, F), (e) => e.category)?.value ?? null;
    if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const vocabulary = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 2)
    .map(([v]) => v);
  return { mean, stddev, vocabulary };
}

interface Expected {
  /** Output column → value. */
  readonly values: Record<string, number | null>;
  /** Feature → status. */
  readonly statuses: Record<string, Status>;
  /** Whether k has a row at or before T (else it has no vector). */
  readonly found: boolean;
}

function expected(c: Case, f: Fitted, k: string, T: number): Expected {
  const rows = upTo(c, k, T);
  const out: Record<string, number | null> = {};
  const statuses: Record<string, Status> = {};

  // AS OF < t (when the case says so): last_value and sum_3d do not see rows that become available at T.
  const seen = upTo(c, k, T, c.strict);
  const last = latest(seen, (e) => e.value);
  const outside = last !== undefined && last.t + delay(c) < T - 2 * DAY;
  out['last_value'] = last === undefined || outside ? null : last.value;
  statuses['last_value'] = last === undefined ? 'missing' : outside ? 'outside_ttl' : 'present';

  const w3 = within(c, seen, T, 3 * DAY);
  out['sum_3d'] = values(w3).length === 0 ? null : values(w3).reduce((a, b) => a + b, 0);
  statuses['sum_3d'] = w3.length === 0 ? 'missing' : 'present';

  const w1 = within(c, rows, T, DAY);
  out['count_1d'] = w1.length;
  statuses['count_1d'] = w1.length === 0 ? 'missing' : 'present';

  // No non-NULL average at the fit: not fitted, awaiting its fit (no value).
  const raw = avgRaw(c, k, T);
  const filled = raw ?? f.mean;
  out['avg_2d'] = filled === null || f.mean === null || f.stddev === null ? null : f.stddev === 0 ? 0 : (filled - f.mean) / f.stddev;
  statuses['avg_2d'] = f.mean === null ? 'awaiting_fit' : within(c, rows, T, 2 * DAY).length === 0 ? 'missing' : 'present';

  // No category at the fit: an empty vocabulary is no fit; awaiting, without a column.
  const cat = latest(rows, (e) => e.category);
  for (const v of f.vocabulary) out[`category__${v}`] = cat?.value === v ? 1 : 0;
  statuses['category'] = f.vocabulary.length === 0 ? 'awaiting_fit' : cat === undefined ? 'missing' : 'present';

  return { values: out, statuses, found: rows.length > 0 };
}

// ---------------------------------------------------------------------------

function describeCase(c: Case): string {
  return `AVAILABLE AFTER ${c.delayMinutes ?? 0} MINUTES${c.strict ? ', AS OF < t' : ''}\n${files(c)['data/events.csv']}\n${files(c)['data/outcomes.csv']}`;
}

/** Runs one case on one engine; throws with the details on any difference. */
async function check(engine: EngineTarget, c: Case): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `fsql-consistency-${engine}-`));
  const ws = Workspace.open(dir, { engine, create: true });
  const problems: string[] = [];
  try {
    writeFiles(dir, files(c));
    await applyProject(ws, readProjectFiles(dir));
    const fitted = fit(c);
    const featureColumns = ['last_value', 'sum_3d', 'count_1d', 'avg_2d', ...fitted.vocabulary.map((v) => `category__${v}`)];
    // A feature awaiting its fit (an empty population at the fit) cannot be trained: refused, with a stable code.
    const awaiting = fitted.mean === null || fitted.vocabulary.length === 0;
    const trained = await buildTrainingSet(ws, 'model').catch((e: unknown) => e);
    let table: { columns: readonly string[]; rows: readonly (readonly unknown[])[] } | undefined;
    if (awaiting) {
      expect(trained).toBeInstanceOf(RuntimeError);
      expect((trained as RuntimeError).code).toBe('awaiting_fit');
    } else {
      if (trained instanceof Error) throw trained;
      table = (trained as Awaited<ReturnType<typeof buildTrainingSet>>).table;
      expect(table.columns.filter((col) => !['user_id', 'ts', 'y'].includes(col))).toEqual(featureColumns);
      expect(table.rows).toHaveLength(c.labels.length);
    }

    for (const label of c.labels) {
      const want = expected(c, fitted, label.key, label.t);
      // The training row, or (nothing trains while a feature awaits its fit) the reference's values.
      let training: Record<string, unknown> = want.values;
      if (table) {
        const row = table.rows.find((r) => r[0] === label.key && r[1] === label.t);
        if (!row) throw new Error(`no training row for ${label.key} at ${text(label.t)}`);
        training = Object.fromEntries(table.columns.map((col, i) => [col, row[i]]));
        for (const col of featureColumns) {
          if (!close(training[col], want.values[col])) problems.push(`training ${label.key}@${text(label.t)} ${col}: ${training[col]}, reference ${want.values[col]}`);
        }
      }

      await materialize(ws, { at: label.t });
      const [vector] = (await ws.online().get('user', [[label.key]])) as [VectorResult];
      const served: Record<string, unknown> = {};
      for (const f of vector.features) Object.assign(served, f.values);
      const statuses = Object.fromEntries(vector.features.map((f) => [f.name, f.status]));
      if (vector.found !== want.found) problems.push(`served ${label.key}@${text(label.t)}: found ${vector.found}, expected ${want.found}`);
      // The served vector equals the training row, value for value — for a key the store does not hold
      // (no row at or before T) too: the values of an empty lookup through the transforms.
      expect(Object.keys(served).sort()).toEqual([...featureColumns].sort());
      for (const col of featureColumns) {
        if (!close(served[col], training[col])) problems.push(`served ${label.key}@${text(label.t)} ${col}: ${served[col]}, training row ${training[col]}`);
      }
      expect(Object.keys(statuses).sort()).toEqual(Object.keys(want.statuses).sort());
      for (const [feature, status] of Object.entries(want.statuses)) {
        // A key with no row at all has every feature missing (the reference says so too).
        if (statuses[feature] !== status) problems.push(`served ${label.key}@${text(label.t)} ${feature}: status ${statuses[feature]}, expected ${status}`);
      }
      if (!want.found && vector.features.some((f) => f.eventTime !== null)) problems.push(`served ${label.key}@${text(label.t)}: an event time for a key with no row`);

      // Several keys at once (a statement padded to a power of two of keys, with bound parameters on SQLite).
      {
        const { catalog } = await ws.catalog();
        const keys = [...new Set(c.labels.map((l) => l.key))].map((k) => [k]);
        const many = await computeSnapshot(await ws.engine(), catalog, ws.fitted, 'user', entityFeatures(catalog, 'user'), label.t, { keys });
        const stored = await ws.online().get('user', keys);
        const rows = many.rows as readonly { key: readonly unknown[]; features: readonly { values: readonly unknown[]; status: string; eventTime: number | null }[] }[];
        if (rows.length !== stored.filter((v) => v.found).length) problems.push(`key-filtered (${keys.length} keys)@${text(label.t)}: ${rows.length} rows, ${stored.filter((v) => v.found).length} stored`);
        for (const r of rows) {
          const v = stored.find((x) => x.key[0] === r.key[0])!;
          many.features.forEach((f, i) => {
            const cell = r.features[i]!;
            const s2 = v.features.find((x) => x.name === f.name)!;
            f.columns.forEach((column, j) => {
              if (!close(cell.values[j], s2.values[column])) problems.push(`key-filtered ${r.key[0]}@${text(label.t)} ${column}: ${cell.values[j]}, stored ${s2.values[column]}`);
            });
            if (cell.status !== s2.status || cell.eventTime !== s2.eventTime) problems.push(`key-filtered ${r.key[0]}@${text(label.t)} ${f.name}: ${cell.status}@${cell.eventTime}, stored ${s2.status}@${s2.eventTime}`);
          });
        }
      }

      // The key-filtered plan (what ingest runs for the keys it touches) computes the same vector.
      const { catalog } = await ws.catalog();
      const one = await computeSnapshot(await ws.engine(), catalog, ws.fitted, 'user', entityFeatures(catalog, 'user'), label.t, { keys: [[label.key]] });
      const rows = one.rows as readonly { key: readonly unknown[]; features: readonly { values: readonly unknown[]; status: string; eventTime: number | null }[] }[];
      if (rows.length !== (vector.found ? 1 : 0)) problems.push(`key-filtered ${label.key}@${text(label.t)}: ${rows.length} rows, found ${vector.found}`);
      for (const r of rows) {
        one.features.forEach((f, i) => {
          const cell = r.features[i]!;
          const servedCell = vector.features.find((x) => x.name === f.name)!;
          f.columns.forEach((column, j) => {
            if (!close(cell.values[j], servedCell.values[column])) problems.push(`key-filtered ${label.key}@${text(label.t)} ${column}: ${cell.values[j]}, served ${servedCell.values[column]}`);
          });
          if (cell.status !== servedCell.status || cell.eventTime !== servedCell.eventTime) problems.push(`key-filtered ${label.key}@${text(label.t)} ${f.name}: ${cell.status}@${cell.eventTime}, served ${servedCell.status}@${servedCell.eventTime}`);
        });
      }
    }
  } finally {
    await ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (problems.length > 0) throw new Error(`${engine}:\n${problems.join('\n')}\n--- case ---\n${describeCase(c)}`);
}

describe.each(ENGINES)('served vectors equal training rows (%s)', (engine) => {
  it(`on random events (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => check(engine, c)),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('fitted features with an empty population await their fit: train refuses, lookups say awaiting_fit, the rest is served', async () => {
    const e = (key: string, at: string, value: number | null, category: string | null): Event => ({ key, t: us(at), value, category });
    // Every value in avg_2d's window at the fit (01-03) is NULL, and every category: neither is fitted.
    await check(engine, {
      events: [e('k1', '2024-01-01 00:00', 5, null), e('k1', '2024-01-03 00:00', null, null), e('k2', '2024-01-02 12:00', null, null)],
      labels: [
        { key: 'k1', t: us('2024-01-01 12:00'), y: 1 },
        { key: 'k2', t: us('2024-01-03 00:00'), y: 0 },
        { key: 'k5', t: us('2024-01-03 00:00'), y: 0 },
      ],
    });
    // Only the category: avg_2d is fitted (k1's AVG at the fit is 5) and served; the training set is refused all the same.
    await check(engine, {
      events: [e('k1', '2024-01-02 00:00', 5, null), e('k2', '2024-01-02 12:00', 1, null)],
      labels: [{ key: 'k1', t: us('2024-01-02 12:00'), y: 1 }],
    });
  }, 60_000);

  it('AVAILABLE AFTER and AS OF < t: a row counts from when it is available, strictly before T with AS OF < t', async () => {
    const e = (key: string, at: string, value: number | null, category: string | null): Event => ({ key, t: us(at), value, category });
    // events land 6 hours after their time; last_value and sum_3d read AS OF < t.
    const c: Case = {
      delayMinutes: 360,
      strict: true,
      events: [e('k1', '2024-01-01 00:00', 1, 'a'), e('k1', '2024-01-02 00:00', 2, 'b'), e('k2', '2024-01-02 00:00', 5, 'a')],
      labels: [
        // 01-02 03:00: k1's 01-02 row lands at 06:00, not yet: last_value 1, sum_3d 1, count_1d 1 (the first row).
        { key: 'k1', t: us('2024-01-02 03:00'), y: 1 },
        // 01-02 06:00: it lands exactly then; AS OF < t does not see it yet, count_1d (AS OF <= t) does (and no longer the first).
        { key: 'k1', t: us('2024-01-02 06:00'), y: 1 },
        // 01-02 06:30: seen by all.
        { key: 'k1', t: us('2024-01-02 06:30'), y: 1 },
        // k2's only row is not available before 06:00: no vector at 05:30.
        { key: 'k2', t: us('2024-01-02 05:30'), y: 0 },
      ],
    };
    await check(engine, c);
    const { dir, cleanup } = tempDir(`fsql-available-${engine}-`);
    try {
      writeFiles(dir, { ...files(c), 'fsql.json': JSON.stringify({ offline: { engine } }) });
      expect((await fsql('apply', dir)).code).toBe(0);
      const values = async (at: string) => {
        expect((await fsql('materialize', dir, '--at', at)).code).toBe(0);
        const got = await fsql('get', 'user', 'k1', 'k2', '--project', dir, '--format', 'json', '--features', 'last_value,sum_3d,count_1d');
        const { results } = JSON.parse(got.stdout) as { results: { found: boolean; features: Record<string, { value: unknown }> }[] };
        return results.map((r) => [r.found, r.features['last_value']!.value, r.features['sum_3d']!.value, r.features['count_1d']!.value]);
      };
      // count_1d counts rows that became available in (T − 1 day, T]: k1's first (available 01-01 06:00) until 01-02 06:00.
      expect(await values('2024-01-02 03:00:00')).toEqual([[true, 1, 1, 1], [false, null, null, 0]]);
      expect(await values('2024-01-02 06:00:00')).toEqual([[true, 1, 1, 1], [true, null, null, 1]]);
      expect(await values('2024-01-02 06:30:00')).toEqual([[true, 2, 3, 1], [true, 5, 5, 1]]);
    } finally {
      cleanup();
    }
  }, 60_000);

  it('statuses: no row before T is missing (found: false); a latest value older than its TTL is outside_ttl', async () => {
    const e = (key: string, at: string, value: number | null, category: string | null): Event => ({ key, t: us(at), value, category });
    const c: Case = {
      events: [
        e('k1', '2024-01-01 00:00', 1, 'a'),
        e('k1', '2024-01-02 00:00', 2, 'b'),
        e('k2', '2024-01-05 00:00', 10, 'a'),
        e('k2', '2024-01-05 00:00', null, 'c'), // a tie: the row (10, 'a') wins (value 10 > NULL), for last_value and category alike
        e('k3', '2024-01-03 00:00', null, null),
      ],
      labels: [
        // k1's latest value (01-02) is more than 2 days old at 01-04 00:30: outside_ttl; exactly 2 days old at 01-04 00:00 would still count.
        { key: 'k1', t: us('2024-01-04 00:30'), y: 1 },
        { key: 'k1', t: us('2024-01-04 00:00'), y: 1 },
        // k2 has no row before 01-04: no vector.
        { key: 'k2', t: us('2024-01-04 00:00'), y: 0 },
        { key: 'k2', t: us('2024-01-05 00:00'), y: 0 },
        { key: 'k3', t: us('2024-01-03 00:00'), y: 0 },
      ],
    };
    await check(engine, c);
    // The same through the command line.
    const { dir, cleanup } = tempDir(`fsql-status-${engine}-`);
    try {
      writeFiles(dir, { ...files(c), 'fsql.json': JSON.stringify({ offline: { engine } }) });
      expect((await fsql('apply', dir)).code).toBe(0);
      expect((await fsql('materialize', dir, '--at', '2024-01-04 00:30:00')).code).toBe(0);
      const got = await fsql('get', 'user', 'k1', 'k2', '--project', dir, '--format', 'json', '--features', 'last_value,count_1d');
      expect(got.code).toBe(0);
      const { results } = JSON.parse(got.stdout) as { results: { found: boolean; features: Record<string, { value: unknown; status: string; event_time: string | null }> }[] };
      expect(results.map((v) => [v.found, ...Object.entries(v.features).map(([name, f]) => [name, f.value, f.status, f.event_time])])).toEqual([
        [true, ['last_value', null, 'outside_ttl', '2024-01-02T00:00:00Z'], ['count_1d', 0, 'missing', null]],
        // k2 has no row yet: not found, every feature missing, with the values of an empty lookup (COUNT → 0).
        [false, ['last_value', null, 'missing', null], ['count_1d', 0, 'missing', null]],
      ]);
    } finally {
      cleanup();
    }
  }, 60_000);

});

describe('a ONE_HOT TOP feature with no value at its fit', () => {
  it('awaits its fit: train refuses it, lookups give it awaiting_fit with no column, the other features are served', async () => {
    const { dir, cleanup } = tempDir('fsql-empty-vocabulary-');
    try {
      writeFiles(dir, {
        'project.fsql': `CREATE ENTITY user KEY (user_id TEXT);
CREATE ENTITY device KEY (device_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, device_id TEXT NOT NULL, category TEXT, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/events.csv' EVENT TIME ts;
CREATE SOURCE outcomes (user_id TEXT NOT NULL, y DOUBLE, ts TIMESTAMP NOT NULL) FROM FILE 'data/outcomes.csv' EVENT TIME ts;
CREATE FEATURE category ENTITY user FROM events AS category ONE_HOT TOP 3;
CREATE FEATURE events_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE device_category ENTITY device FROM events AS category ONE_HOT TOP 2;
CREATE LABEL y ENTITY user FROM outcomes AS y;
CREATE TRAINING SET model LABEL y FEATURES (category, events_1d);
`,
        // Every category is NULL: the vocabularies are empty.
        'data/events.csv': 'user_id,device_id,category,ts\nu1,d1,,2024-01-01 10:00:00\nu1,d1,,2024-01-01 11:00:00\nu2,d2,,2024-01-01 12:00:00\n',
        'data/outcomes.csv': 'user_id,y,ts\nu1,1,2024-01-02 00:00:00\n',
      });
      const applied = await fsql('apply', dir);
      expect(applied.code).toBe(0);
      expect(applied.stderr).toMatch(/warning: feature category VERSION 1 awaits its fit/);
      expect(applied.stderr).toMatch(/warning: feature device_category VERSION 1 awaits its fit/);
      const out = join(dir, 'model.csv');
      const trained = await fsql('train', 'model', dir, '--out', out);
      expect(trained.code).toBe(1);
      expect(trained.stderr).toMatch(/feature category VERSION 1 is awaiting its fit/);
      expect(existsSync(out)).toBe(false);

      const m = await fsql('materialize', dir, '--at', '2024-01-02');
      expect(m.stderr).toBe('');
      expect(m.code).toBe(0);
      // The device entity's only feature awaits its fit: no plan finds its keys, every key is awaiting_fit.
      expect(m.stdout).toMatch(/^ {2}device: 0 keys × 1 feature version /m);
      expect(m.stdout).toMatch(/^ {2}user: 2 keys × 2 feature versions /m);
      const g = await fsql('get', 'user', 'u1', '--project', dir, '--format', 'json');
      expect(g.code).toBe(0);
      const { results } = JSON.parse(g.stdout) as { results: { features: Record<string, { value?: unknown; values?: unknown; status: string }> }[] };
      expect(results[0]!.features).toMatchObject({ category: { values: {}, status: 'awaiting_fit' }, events_1d: { value: 2, status: 'present' } });
      const d = await fsql('get', 'device', 'd1', '--project', dir, '--format', 'json');
      expect(d.code).toBe(0);
      expect(JSON.parse(d.stdout).results[0]).toMatchObject({ found: false, features: { device_category: { values: {}, status: 'awaiting_fit', event_time: null } } });
    } finally {
      cleanup();
    }
  }, 60_000);
});
