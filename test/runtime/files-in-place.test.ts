/**
 * A Parquet FILE source read in place on DuckDB (issue 14): the flights
 * project of test/fixtures/flights applied twice — in place (the default) and
 * copied (`"files": { "inPlace": false }`) — gives the same training sets and
 * online vectors (test/conformance/real-data.test.ts checks the in-place run
 * against the reference evaluator); a file changed after apply is refused by
 * every later command (size, content of the same size, content with its
 * mtime set back), a `touch` is not a change; bad rows give the errors the
 * copying load gives; and a refused apply leaves everything as it was.
 */
import { appendFileSync, copyFileSync, cpSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/runtime/workspace.js';
import { startServer } from '../../src/server/server.js';
import { fsql, ROOT, tempDir, type Run } from './support.js';

const FLIGHTS = join(ROOT, 'test', 'fixtures', 'flights');
const FIT_AT = '2001-01-31 00:00:00';
const AT = '2001-02-01 06:00:00';

interface Project {
  readonly dir: string;
  readonly cleanup: () => void;
}

function project(inPlace: boolean): Project {
  const t = tempDir(`fsql-in-place-${inPlace}-`);
  cpSync(FLIGHTS, t.dir, { recursive: true });
  writeFileSync(join(t.dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'duckdb' }, ...(inPlace ? {} : { files: { inPlace: false } }) }));
  return t;
}

async function ok(...argv: string[]): Promise<string> {
  const r = await fsql(...argv);
  if (r.code !== 0) throw new Error(`fsql ${argv.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Rows of a query on the project's offline DuckDB (fsql has closed it after each command). */
async function offline(dir: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(join(dir, '.fsql', 'offline.duckdb'));
  try {
    const c = await instance.connect();
    try {
      return (await c.runAndReadAll(sql)).getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    } finally {
      c.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** The training sets as written, and the online vectors of every airport and route. */
async function outputs(dir: string, keys: { airport: string[]; route: string[] }): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const set of ['delays', 'interstate_minutes']) {
    const file = join(dir, `${set}.jsonl`);
    await ok('train', set, dir, '--out', file, '-q');
    out[set] = readFileSync(file, 'utf8');
  }
  await ok('materialize', dir, '--at', AT, '-q');
  out['airport'] = await ok('get', 'airport', ...keys.airport, '--project', dir, '--format', 'json');
  out['route'] = await ok('get', 'route', ...keys.route, '--project', dir, '--format', 'json');
  return out;
}

const flightsFile = (dir: string) => join(dir, 'data', 'flights.parquet');
/** What every command says when the file changed: the file, what changed, how to recover. */
const changed = (r: Run, dir: string, what: RegExp) => {
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`source flights reads ${flightsFile(dir)} in place, and the file changed since fsql apply checked it`);
  expect(r.stderr).toMatch(what);
  expect(r.stderr).toContain(`run \`fsql apply ${dir}\``);
};

describe('a Parquet FILE source read in place on DuckDB', () => {
  let inPlace: Project;
  let copied: Project;
  let keys: { airport: string[]; route: string[] };
  let expected: Record<string, string>;
  beforeAll(async () => {
    inPlace = project(true);
    copied = project(false);
    const pairs = (await offlineKeys()) as [string, string][];
    keys = { airport: [...new Set(pairs.map(([o]) => o))].sort(), route: pairs.map(([o, d]) => `${o},${d}`) };
  }, 60_000);
  afterAll(() => {
    inPlace.cleanup();
    copied.cleanup();
  });

  async function offlineKeys(): Promise<unknown[][]> {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      const path = flightsFile(FLIGHTS).replaceAll("'", "''");
      return (await c.runAndReadAll(`SELECT DISTINCT origin, destination FROM read_parquet('${path}') ORDER BY 1, 2 LIMIT 60`)).getRows();
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  }

  it('gives the training sets and online vectors the copy gives', async () => {
    const a = await ok('apply', inPlace.dir, '--fit-at', FIT_AT);
    expect(a).toMatch(/source flights: read in place \([\d,]+ rows checked\)/);
    const b = await ok('apply', copied.dir, '--fit-at', FIT_AT);
    expect(b).toMatch(/source flights: loaded [\d,]+ rows/);
    // The stream's features are fitted once it has events (as test/conformance/real-data.ts runs it).
    for (const p of [inPlace, copied]) {
      await ok('ingest', 'live_departures', join(p.dir, 'data', 'live-departures.jsonl'), p.dir);
      expect(await ok('apply', p.dir)).toMatch(/source flights: unchanged/);
    }
    // A view over the file, not a table; its file pinned.
    expect(await offline(inPlace.dir, `SELECT table_type FROM information_schema.tables WHERE table_name = 'flights'`)).toEqual([['VIEW']]);
    expect(await offline(copied.dir, `SELECT table_type FROM information_schema.tables WHERE table_name = 'flights'`)).toEqual([['BASE TABLE']]);
    const pin = await offline(inPlace.dir, 'SELECT source, path, size FROM __fsql_files');
    expect(pin).toEqual([['flights', flightsFile(inPlace.dir), statSync(flightsFile(inPlace.dir)).size]]);
    expected = await outputs(copied.dir, keys);
    expect(expected['delays']!.split('\n').length).toBeGreaterThan(100);
    expect(await outputs(inPlace.dir, keys)).toEqual(expected);
    // Nothing changed: nothing is checked again.
    expect(await ok('apply', inPlace.dir)).toMatch(/source flights: unchanged \([\d,]+ rows, read in place\)/);
  }, 240_000);

  it('refuses a changed file in every later command, and takes a touched one', async () => {
    const file = flightsFile(inPlace.dir);
    const original = readFileSync(file);
    const { atime, mtime } = statSync(file);
    // A touch: the same bytes, new times — hashed again, the same: not a change.
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(await ok('train', 'delays', inPlace.dir, '--out', join(inPlace.dir, 'again.jsonl'), '-q')).toMatch(/^Wrote 1,680 rows/);
    expect(readFileSync(join(inPlace.dir, 'again.jsonl'), 'utf8')).toBe(expected['delays']);
    // An apply takes the new times into the pin (no rows checked again).
    expect(await ok('apply', inPlace.dir)).toMatch(/source flights: unchanged/);
    expect(await offline(inPlace.dir, 'SELECT mtime FROM __fsql_files')).toEqual([[String(statSync(file, { bigint: true }).mtimeNs)]]);

    // The same size, other bytes.
    const flipped = Buffer.from(original);
    const middle = flipped.length >> 1;
    flipped[middle] = flipped[middle]! ^ 0xff;
    writeFileSync(file, flipped);
    changed(await fsql('train', 'delays', inPlace.dir, '--out', join(inPlace.dir, 'x.jsonl')), inPlace.dir, /its content changed \(same size, [\d,]+ bytes, but another SHA-256\)/);
    changed(await fsql('materialize', inPlace.dir, '--at', AT), inPlace.dir, /its content changed/);
    // The HTTP API refuses it too: a 409 naming the file, not a 500.
    const ws = Workspace.open(inPlace.dir);
    const server = await startServer(ws, { host: '127.0.0.1', port: 0 });
    try {
      const r = await fetch(`${server.url}/v1/training-sets/delays`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/csv' }, body: '{}' });
      expect(r.status).toBe(409);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('file_changed');
      expect(body.error.message).toContain(`source flights reads ${file} in place, and the file changed since fsql apply checked it`);
    } finally {
      await server.close();
      await ws.close();
    }
    // … with its modification time set back as it was: the change time still moved.
    utimesSync(file, atime, mtime);
    changed(await fsql('train', 'delays', inPlace.dir, '--out', join(inPlace.dir, 'x.jsonl')), inPlace.dir, /its content changed/);

    // Put back as it was: read again.
    writeFileSync(file, original);
    expect(await ok('train', 'delays', inPlace.dir, '--out', join(inPlace.dir, 'back.jsonl'), '-q')).toMatch(/^Wrote 1,680 rows/);
    expect(readFileSync(join(inPlace.dir, 'back.jsonl'), 'utf8')).toBe(expected['delays']);

    // Another size.
    appendFileSync(file, 'more');
    try {
      const size = new RegExp(`its size changed from ${original.length.toLocaleString('en-US')} to ${(original.length + 4).toLocaleString('en-US')} bytes`);
      changed(await fsql('materialize', inPlace.dir, '--at', AT), inPlace.dir, size);
      // Vectors already materialized are served from the online store: they were computed from checked rows.
      expect((await fsql('get', 'airport', 'ORD', '--project', inPlace.dir)).code).toBe(0);
    } finally {
      writeFileSync(file, original);
    }
  }, 240_000);

  it('reports bad rows as the copying load does, and a refused apply keeps everything', async () => {
    // One flight without its (NOT NULL) origin, one out-of-range delay, written as Parquet by DuckDB.
    const bad = join(inPlace.dir, 'bad.parquet');
    const src = flightsFile(FLIGHTS).replaceAll("'", "''");
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(
      `COPY (SELECT date, CASE WHEN n = 7 THEN 9007199254740993 ELSE delay END AS delay, distance, CASE WHEN n IN (5, 9) THEN NULL ELSE origin END AS origin, destination
             FROM (SELECT *, row_number() OVER () AS n FROM read_parquet('${src}'))) TO '${bad.replaceAll("'", "''")}' (FORMAT parquet)`,
    );
    c.closeSync();
    instance.closeSync();
    const before = {
      files: await offline(inPlace.dir, 'SELECT * FROM __fsql_files'),
      loads: await offline(inPlace.dir, 'SELECT * FROM __fsql_loads ORDER BY source'),
      registry: readFileSync(join(inPlace.dir, '.fsql', 'registry.db')),
    };
    const runs: string[] = [];
    for (const p of [inPlace, copied]) {
      const original = readFileSync(flightsFile(p.dir));
      copyFileSync(bad, flightsFile(p.dir));
      const r = await fsql('apply', p.dir);
      expect(r.code).toBe(1);
      runs.push(r.stderr.replaceAll(p.dir, 'DIR'));
      writeFileSync(flightsFile(p.dir), original);
    }
    expect(runs[0]).toContain('source flights: data/flights.parquet has invalid rows; nothing was loaded');
    expect(runs[0]).toMatch(/row 5, column origin: NULL in a NOT NULL column/);
    expect(runs[0]).toMatch(/row 7, column delay: 9007199254740993 is out of range for INTEGER/);
    expect(runs[0]).toMatch(/row 9, column origin/);
    expect(runs[0]).toBe(runs[1]);
    // Nothing stored changed: the pin, the loads, the registry; with the file back, everything reads as before.
    expect(await offline(inPlace.dir, 'SELECT * FROM __fsql_files')).toEqual(before.files);
    expect(await offline(inPlace.dir, 'SELECT * FROM __fsql_loads ORDER BY source')).toEqual(before.loads);
    expect(readFileSync(join(inPlace.dir, '.fsql', 'registry.db')).equals(before.registry)).toBe(true);
    expect(await outputs(inPlace.dir, keys)).toEqual(expected);
  }, 240_000);

  it('applies a changed file again, and switches between in place and copied', async () => {
    const file = flightsFile(inPlace.dir);
    const original = readFileSync(file);
    // Only the flights of the first day.
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const src = flightsFile(FLIGHTS).replaceAll("'", "''");
    const first = join(inPlace.dir, 'first.parquet');
    await c.run(`COPY (SELECT * FROM read_parquet('${src}') WHERE date < TIMESTAMP '2001-01-31') TO '${first.replaceAll("'", "''")}' (FORMAT parquet)`);
    const rows = Number((await c.runAndReadAll(`SELECT count(*) FROM read_parquet('${first.replaceAll("'", "''")}')`)).getRows()[0]![0]);
    c.closeSync();
    instance.closeSync();
    copyFileSync(first, file);
    expect(await ok('apply', inPlace.dir)).toContain(`source flights: read in place (${rows.toLocaleString('en-US')} rows checked)`);
    expect(await offline(inPlace.dir, 'SELECT count(*) FROM flights')).toEqual([[rows]]);
    writeFileSync(file, original);
    await ok('apply', inPlace.dir);
    // Copied from now on: the view becomes a table, the pin goes; a change of the file no longer matters.
    writeFileSync(join(inPlace.dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'duckdb' }, files: { inPlace: false } }));
    expect(await ok('apply', inPlace.dir)).toMatch(/source flights: loaded [\d,]+ rows/);
    expect(await offline(inPlace.dir, `SELECT table_type FROM information_schema.tables WHERE table_name = 'flights'`)).toEqual([['BASE TABLE']]);
    expect(await offline(inPlace.dir, 'SELECT count(*) FROM __fsql_files')).toEqual([[0]]);
    appendFileSync(file, 'more');
    expect(await outputs(inPlace.dir, keys)).toEqual(expected);
    writeFileSync(file, original);
    // And back in place.
    writeFileSync(join(inPlace.dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'duckdb' } }));
    expect(await ok('apply', inPlace.dir)).toMatch(/source flights: read in place/);
    expect(await outputs(inPlace.dir, keys)).toEqual(expected);
  }, 240_000);

  it('a source that stops reading its file in place loses its view and pin; a removed one keeps its rows as a table', async () => {
    const t = tempDir('fsql-in-place-kinds-');
    try {
      const dir = t.dir;
      mkdirSync(join(dir, 'data'));
      const instance = await DuckDBInstance.create(':memory:');
      const c = await instance.connect();
      for (const name of ['a', 'b']) {
        const path = join(dir, 'data', `${name}.parquet`).replaceAll("'", "''");
        await c.run(`COPY (SELECT 'k' || (range % 3) AS k, range::DOUBLE AS x, TIMESTAMP '2024-01-01' + INTERVAL (range) HOUR AS ts FROM range(10)) TO '${path}' (FORMAT parquet)`);
      }
      c.closeSync();
      instance.closeSync();
      const source = (name: string, from: string) => `CREATE SOURCE ${name} (k TEXT NOT NULL, x DOUBLE, ts TIMESTAMP NOT NULL) ${from} EVENT TIME ts;\n`;
      const head = `CREATE ENTITY e KEY (k TEXT);\n`;
      const feature = (name: string, from: string) => `CREATE FEATURE ${name} ENTITY e FROM ${from} AS SUM(x);\n`;
      writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'duckdb' } }));
      writeFileSync(join(dir, 'p.fsql'), head + source('a', "FROM FILE 'data/a.parquet' FORMAT PARQUET") + source('b', "FROM FILE 'data/b.parquet' FORMAT PARQUET") + feature('sa', 'a') + feature('sb', 'b'));
      expect(await ok('apply', dir)).toMatch(/source a: read in place \(10 rows checked\)[\s\S]*source b: read in place/);
      expect(await offline(dir, 'SELECT source FROM __fsql_files ORDER BY 1')).toEqual([['a'], ['b']]);
      // a becomes a STREAM (its view must not pass for the stream's table); b leaves the project: its rows stay, as a
      // copied source's table does (registered sb@1 reads them), copied from the file once, and the file is no longer pinned.
      writeFileSync(join(dir, 'p.fsql'), head + source('a', 'FROM STREAM') + feature('sa2', 'a'));
      expect((await fsql('apply', dir, '--retire-broken')).code).toBe(0);
      expect(await offline(dir, `SELECT table_name, table_type FROM information_schema.tables WHERE table_name IN ('a', 'b') ORDER BY 1`)).toEqual([
        ['a', 'BASE TABLE'],
        ['b', 'BASE TABLE'],
      ]);
      expect(await offline(dir, 'SELECT count(*) FROM __fsql_files')).toEqual([[0]]);
      expect(await offline(dir, 'SELECT count(*), sum(x) FROM b')).toEqual([[10, 45]]);
      writeFileSync(join(dir, 'events.jsonl'), `${JSON.stringify({ k: 'k1', x: 2.5, ts: '2024-01-02 00:00:00' })}\n`);
      await ok('ingest', 'a', join(dir, 'events.jsonl'), dir);
      expect(await offline(dir, 'SELECT count(*) FROM a')).toEqual([[1]]);
      writeFileSync(join(dir, 'data', 'b.parquet'), 'gone');
      await ok('materialize', dir);
      expect(JSON.parse(await ok('get', 'e', 'k1', '--project', dir, '--format', 'json')).results[0].features.sb.value).toBe(12);
    } finally {
      t.cleanup();
    }
  }, 120_000);
});
