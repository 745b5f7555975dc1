/**
 * What `fsql apply` does with data it cannot load: a bad row in a CSV or
 * JSONL file, a TABLE source whose table is missing, a stream whose columns
 * change. Each refusal names the problem and leaves everything as it was —
 * the data loaded before, the registry, the other sources.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsql, sqliteRows, tempDir, withoutLeakageWarnings, writeFiles, type Run } from './support.js';

const BASE = `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE payments (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/payments.csv' EVENT TIME ts;

CREATE SOURCE logins (user_id TEXT NOT NULL, ok BOOLEAN, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/logins.jsonl' FORMAT JSONL EVENT TIME ts;

CREATE FEATURE total_paid ENTITY user FROM payments AS SUM(amount);
CREATE FEATURE failed_logins ENTITY user FROM logins AS COUNT(*) WHERE NOT ok;
`;

const PAYMENTS = `user_id,amount,ts
u1,10.5,2024-02-01 10:00:00
u2,20,2024-02-01 11:00:00
u1,4.5,2024-02-02 09:30:00
u3,,2024-02-03 00:00:00
`;

const LOGINS = [
  { user_id: 'u1', ok: true, ts: '2024-02-01 09:00:00' },
  { user_id: 'u1', ok: false, ts: '2024-02-01 09:01:00' },
  { user_id: 'u2', ok: false, ts: '2024-02-02 09:01:00' },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

describe('apply refuses bad data and keeps what was loaded', () => {
  let dir = '';
  let cleanup = () => undefined as void;
  let offline = '';
  let registry = '';
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('fsql-load-errors-'));
    offline = join(dir, '.fsql', 'offline.db');
    registry = join(dir, '.fsql', 'registry.db');
    writeFiles(dir, { 'project.fsql': BASE, 'data/payments.csv': PAYMENTS, 'data/logins.jsonl': `${LOGINS}\n` });
  });
  afterAll(() => cleanup());

  const project = (text: string) => writeFileSync(join(dir, 'project.fsql'), text);
  const payments = () => sqliteRows(offline, 'SELECT user_id, amount, ts FROM payments ORDER BY ts');
  const logins = () => sqliteRows(offline, 'SELECT user_id, ok, ts FROM logins ORDER BY ts');
  const loads = () => sqliteRows(offline, 'SELECT * FROM __fsql_loads ORDER BY source');
  const features = async () => (JSON.parse((await fsql('list', dir, '--kind', 'feature', '--format', 'json')).stdout) as { objects: { name: string }[] }).objects.map((o) => o.name).sort();

  /** Runs a refused apply and checks that the offline tables, the loads and the registry did not change. */
  async function refused(): Promise<Run> {
    const before = { payments: payments(), logins: logins(), loads: loads(), registry: readFileSync(registry), features: await features() };
    const r = await fsql('apply', dir);
    expect(r.code).toBe(1);
    // The plan is printed before the work; nothing says it was applied.
    expect(r.stdout).toMatch(/^Plan: /m);
    expect(r.stdout).not.toContain('Applied');
    expect(payments()).toEqual(before.payments);
    expect(logins()).toEqual(before.logins);
    expect(loads()).toEqual(before.loads);
    expect(readFileSync(registry).equals(before.registry)).toBe(true);
    expect(await features()).toEqual(before.features);
    return r;
  }

  it('a good first apply loads both files', async () => {
    const r = await fsql('apply', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('source payments: loaded 4 rows');
    expect(r.stdout).toContain('source logins: loaded 3 rows');
    // Timestamps are stored as epoch microseconds.
    expect(payments()).toEqual([
      { user_id: 'u1', amount: 10.5, ts: Date.UTC(2024, 1, 1, 10) * 1000 },
      { user_id: 'u2', amount: 20, ts: Date.UTC(2024, 1, 1, 11) * 1000 },
      { user_id: 'u1', amount: 4.5, ts: Date.UTC(2024, 1, 2, 9, 30) * 1000 },
      { user_id: 'u3', amount: null, ts: Date.UTC(2024, 1, 3) * 1000 },
    ]);
    expect(logins()).toHaveLength(3);
    expect(await features()).toEqual(['failed_logins', 'total_paid']);
  });

  it('a CSV with `abc` in a DOUBLE column on row 3 is refused, naming file, row, column and reason', async () => {
    const bad = PAYMENTS.replace('u1,4.5,2024-02-02 09:30:00', 'u1,abc,2024-02-02 09:30:00') + 'u4,1,2024-02-04 00:00:00\n';
    writeFileSync(join(dir, 'data/payments.csv'), bad);
    // A new feature and a changed good file in the same apply: neither may land.
    project(`${BASE}CREATE FEATURE max_paid ENTITY user FROM payments AS MAX(amount);\n`);
    writeFileSync(join(dir, 'data/logins.jsonl'), `${LOGINS}\n${JSON.stringify({ user_id: 'u9', ok: false, ts: '2024-02-05 00:00:00' })}\n`);
    const r = await refused();
    expect(r.stderr).toContain("data/payments.csv: row 3 (line 4), column amount: 'abc' is not a DOUBLE");
    expect(r.stderr).toMatch(/fsql: source payments: data\/payments\.csv has invalid rows; nothing was loaded/);
  });

  it('a bad row after several full batches is refused too: the batches already inserted are rolled back', async () => {
    const lines = ['user_id,amount,ts'];
    for (let i = 0; i < 25_000; i++) lines.push(`u${i % 100},${i},2024-03-01 00:00:00`);
    lines.push('u1,1,2024-02-30 00:00:00'); // row 25,001: no such day
    lines.push('u1,,'); // row 25,002: ts is NOT NULL
    writeFileSync(join(dir, 'data/payments.csv'), `${lines.join('\n')}\n`);
    const r = await refused();
    expect(r.stderr).toMatch(/data\/payments\.csv: row 25001 \(line 25002\), column ts: .*2024-02-30/);
    expect(r.stderr).toMatch(/data\/payments\.csv: row 25002 \(line 25003\), column ts: /);
  });

  it('a JSONL row with a bad value or a missing NOT NULL field is refused, naming row and line', async () => {
    writeFileSync(join(dir, 'data/payments.csv'), PAYMENTS);
    const rows = [
      JSON.stringify({ user_id: 'u1', ok: true, ts: '2024-02-01 09:00:00' }),
      '',
      JSON.stringify({ user_id: 'u2', ok: 'maybe', ts: '2024-02-01 09:00:00' }),
      JSON.stringify({ ok: false, ts: '2024-02-01 09:00:00' }),
    ];
    writeFileSync(join(dir, 'data/logins.jsonl'), `${rows.join('\n')}\n`);
    const r = await refused();
    expect(r.stderr).toMatch(/data\/logins\.jsonl: row 2 \(line 3\), column ok: .*maybe/);
    expect(r.stderr).toMatch(/data\/logins\.jsonl: row 3 \(line 4\), column user_id: /);
    expect(r.stderr).toMatch(/fsql: source logins: data\/logins\.jsonl has invalid rows; nothing was loaded/);
  });

  it('after the files are fixed, apply loads them and registers the new feature', async () => {
    writeFileSync(join(dir, 'data/logins.jsonl'), `${LOGINS}\n${JSON.stringify({ user_id: 'u9', ok: false, ts: '2024-02-05 00:00:00' })}\n`);
    const r = await fsql('apply', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ feature max_paid VERSION 1');
    expect(r.stdout).toContain('source logins: loaded 4 rows');
    expect(logins()).toHaveLength(4);
    expect(await features()).toEqual(['failed_logins', 'max_paid', 'total_paid']);
  });

  it('a TABLE source whose table does not exist is refused with a clear error; once created, apply succeeds', async () => {
    const withTable = (from: string) =>
      `${BASE}CREATE FEATURE max_paid ENTITY user FROM payments AS MAX(amount);\n` +
      `CREATE SOURCE tiers (user_id TEXT NOT NULL, tier INTEGER) FROM TABLE ${from};\n` +
      `CREATE FEATURE tier ENTITY user FROM tiers AS tier;\n`;
    project(withTable('crm_tiers'));
    const r = await refused();
    expect(r.stderr).toContain('fsql: source tiers reads TABLE crm_tiers, which the offline database has not got');

    // The table, created by someone else in the offline database, without the tier column first.
    const db = new Database(offline);
    db.exec(`CREATE TABLE crm_tiers (user_id TEXT NOT NULL, level INTEGER)`);
    db.close();
    const noColumn = await refused();
    expect(noColumn.stderr).toContain('fsql: source tiers: TABLE crm_tiers has no column tier');

    const db2 = new Database(offline);
    db2.exec(`DROP TABLE crm_tiers; CREATE TABLE crm_tiers (user_id TEXT NOT NULL, tier INTEGER, extra TEXT);
              INSERT INTO crm_tiers VALUES ('u1', 3, 'x'), ('u2', 1, NULL), ('u7', NULL, 'y');`);
    db2.close();
    const ok = await fsql('apply', dir);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('source tiers: table checked');
    expect(ok.stdout).toContain('+ feature tier VERSION 1');

    expect((await fsql('materialize', dir, '--at', '2024-03-01')).code).toBe(0);
    const g = await fsql('get', 'user', 'u1', 'u2', 'u7', '--project', dir, '--format', 'json', '--features', 'tier,total_paid');
    expect(g.code).toBe(0);
    const got = (JSON.parse(g.stdout) as { results: { key: { user_id: string }; features: Record<string, { value: unknown; status: string }> }[] }).results.map((v) => [
      v.key.user_id,
      v.features['tier']!.value,
      v.features['tier']!.status,
      v.features['total_paid']!.value,
    ]);
    // total_paid: u1 10.5 + 4.5; u2 20; u7 has no payment.
    expect(got).toEqual([
      ['u1', 3, 'present', 15],
      ['u2', 1, 'present', 20],
      ['u7', null, 'missing', null],
    ]);
  });

  it('a schema-qualified TABLE names the attach setting when its database is not attached', async () => {
    project(`${BASE}CREATE FEATURE max_paid ENTITY user FROM payments AS MAX(amount);\nCREATE SOURCE segments (user_id TEXT NOT NULL, segment TEXT) FROM TABLE crm.segments;\n`);
    const r = await refused();
    expect(r.stderr).toContain('source segments reads TABLE crm.segments, which the offline database has not got (attach the database holding schema crm in fsql.json: "offline": { "attach": { "crm": "path/to/file" } })');
  });
});

describe('attached databases', () => {
  let dir = '';
  let cleanup = () => undefined as void;
  beforeAll(() => ({ dir, cleanup } = tempDir('fsql-attach-')));
  afterAll(() => cleanup());

  it("never drops or writes an attached database's table named like a FILE or STREAM source (SQLite)", async () => {
    const project = join(dir, 'sqlite');
    writeFiles(project, {
      'fsql.json': JSON.stringify({ offline: { attach: { crm: 'crm.db' } } }),
      'data/users.csv': 'user_id,age\nu1,30\nu2,40\n',
      'project.fsql': `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE users (user_id TEXT NOT NULL, age INTEGER) FROM FILE 'data/users.csv';
CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE FEATURE age ENTITY user FROM users AS age;
CREATE FEATURE clicks_1d ENTITY user FROM clicks AS COUNT(*) WINDOW 1 DAY;
`,
    });
    const crm = new Database(join(project, 'crm.db'));
    crm.exec(`CREATE TABLE users (user_id TEXT, tier INTEGER); INSERT INTO users VALUES ('u1', 3);
              CREATE TABLE clicks (user_id TEXT, ts INTEGER, page TEXT);`);
    crm.close();
    const r = await fsql('apply', project);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    writeFileSync(join(project, 'events.jsonl'), JSON.stringify({ user_id: 'u1', ts: '2024-01-01 00:00:00' }));
    expect((await fsql('ingest', 'clicks', join(project, 'events.jsonl'), project)).code).toBe(0);
    // The attached tables are as they were; fsql's tables are in the offline database.
    expect(sqliteRows(join(project, 'crm.db'), 'SELECT * FROM users')).toEqual([{ user_id: 'u1', tier: 3 }]);
    expect(sqliteRows(join(project, 'crm.db'), 'SELECT count(*) AS n FROM clicks')).toEqual([{ n: 0 }]);
    const offline = join(project, '.fsql', 'offline.db');
    expect(sqliteRows(offline, 'SELECT * FROM users ORDER BY user_id')).toEqual([
      { user_id: 'u1', age: 30 },
      { user_id: 'u2', age: 40 },
    ]);
    expect(sqliteRows(offline, 'SELECT user_id FROM clicks')).toEqual([{ user_id: 'u1' }]);
  });

  it('a TABLE source in an attached DuckDB database is read through a view (DuckDB)', async () => {
    const project = join(dir, 'duckdb');
    writeFiles(project, {
      'fsql.json': JSON.stringify({ offline: { engine: 'duckdb', attach: { crm: 'crm.duckdb' } } }),
      'project.fsql': `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE segments (user_id TEXT NOT NULL, segment TEXT) FROM TABLE crm.segments;
CREATE FEATURE segment ENTITY user FROM segments AS segment;
`,
    });
    const instance = await DuckDBInstance.create(join(project, 'crm.duckdb'));
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE segments (user_id VARCHAR NOT NULL, segment VARCHAR, other BIGINT); INSERT INTO segments VALUES ('u1', 'gold', 1), ('u2', 'silver', 2), ('u3', NULL, 3)`);
    connection.closeSync();
    instance.closeSync();
    const r = await fsql('apply', project);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('source segments: table checked');
    expect((await fsql('materialize', project, '--at', '2024-03-01')).code).toBe(0);
    const g = await fsql('get', 'user', 'u2', 'u3', 'u4', '--project', project, '--format', 'json');
    const got = (JSON.parse(g.stdout) as { results: { found: boolean; features: Record<string, { value: unknown; status: string }> }[] }).results.map((v) => [v.found, v.features['segment']!.value, v.features['segment']!.status]);
    expect(got).toEqual([
      [true, 'silver', 'present'],
      [true, null, 'missing'],
      [false, null, 'missing'],
    ]);
  });

  // SQLite refuses a lasting view in the offline database that reads another database, so a
  // schema-qualified TABLE source cannot be exposed under its source name there: a clear refusal
  // (DuckDB can; tested above).
  it('a TABLE source in an attached SQLite database is refused on SQLite, saying what to do', async () => {
    const project = join(dir, 'sqlite-table');
    writeFiles(project, {
      'fsql.json': JSON.stringify({ offline: { attach: { crm: 'crm.db' } } }),
      'project.fsql': `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE segments (user_id TEXT NOT NULL, segment TEXT) FROM TABLE crm.segments;
CREATE FEATURE segment ENTITY user FROM segments AS segment;
`,
    });
    const crm = new Database(join(project, 'crm.db'));
    crm.exec(`CREATE TABLE segments (user_id TEXT NOT NULL, segment TEXT); INSERT INTO segments VALUES ('u1', 'gold');`);
    crm.close();
    const r = await fsql('apply', project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('source segments reads TABLE crm.segments in the attached database crm, which the SQLite offline engine cannot do');
    expect(r.stderr).toContain('"offline": { "engine": "duckdb" }');
  });
});

describe('stream sources keep their events across applies', () => {
  let dir = '';
  let cleanup = () => undefined as void;
  let offline = '';
  const STREAM = (columns: string) => `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE clicks (user_id TEXT NOT NULL, page TEXT, ts TIMESTAMP NOT NULL${columns}) FROM STREAM EVENT TIME ts;
CREATE FEATURE clicks_1d ENTITY user FROM clicks AS COUNT(*) WINDOW 1 DAY;
`;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('fsql-stream-change-'));
    offline = join(dir, '.fsql', 'offline.db');
    writeFiles(dir, { 'project.fsql': STREAM('') });
  });
  afterAll(() => cleanup());
  const events = () => sqliteRows(offline, 'SELECT * FROM clicks ORDER BY ts');

  it('adding a NOT NULL column to a stream that holds events is refused; a nullable one is added and old events are kept', async () => {
    expect((await fsql('apply', dir)).code).toBe(0);
    const file = join(dir, 'events.jsonl');
    writeFileSync(
      file,
      [
        { user_id: 'u1', page: '/a', ts: '2024-05-01 10:00:00' },
        { user_id: 'u1', page: null, ts: '2024-05-01 11:00:00' },
        { user_id: 'u2', page: '/b', ts: '2024-05-01 12:00:00' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const ingested = await fsql('ingest', 'clicks', file, dir);
    expect(ingested.code).toBe(0);
    expect(ingested.stdout).toContain('Ingested 3 events into clicks');
    const before = events();
    expect(before).toHaveLength(3);

    // A batch with a bad event is refused whole, naming the event's row and line.
    writeFileSync(join(dir, 'bad.jsonl'), [{ user_id: 'u3', page: '/x', ts: '2024-05-01 13:00:00' }, { user_id: 'u3', page: '/y', ts: 'tomorrow' }, { page: '/z', ts: '2024-05-01 14:00:00' }].map((e) => JSON.stringify(e)).join('\n'));
    const bad = await fsql('ingest', 'clicks', join(dir, 'bad.jsonl'), dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.jsonl: row 2 \(line 2\), column ts: .*tomorrow/);
    expect(bad.stderr).toMatch(/bad\.jsonl: row 3 \(line 3\), column user_id: /);
    expect(bad.stderr).toContain('fsql: 2 of 3 events are invalid; nothing was stored');
    expect(events()).toEqual(before);
    const registryBefore = readFileSync(join(dir, '.fsql', 'registry.db'));

    writeFileSync(join(dir, 'project.fsql'), STREAM(', referrer TEXT NOT NULL'));
    const r = await fsql('apply', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stream source clicks already holds events with columns (user_id TEXT NOT NULL, page TEXT, ts TIMESTAMP NOT NULL)');
    expect(r.stderr).toContain('only new nullable columns can be added to a stream');
    expect(events()).toEqual(before);
    expect(readFileSync(join(dir, '.fsql', 'registry.db')).equals(registryBefore)).toBe(true);

    // A changed type is refused the same way.
    writeFileSync(join(dir, 'project.fsql'), STREAM('').replace('page TEXT', 'page INTEGER'));
    const retyped = await fsql('apply', dir);
    expect(retyped.code).toBe(1);
    expect(retyped.stderr).toContain('only new nullable columns can be added to a stream');
    expect(events()).toEqual(before);

    writeFileSync(join(dir, 'project.fsql'), STREAM(', referrer TEXT'));
    const ok = await fsql('apply', dir);
    // (A 1-day window over 2 hours of clicks: the W0711 leakage warning, about something else.)
    expect(withoutLeakageWarnings(ok.stderr)).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('source clicks: stream table kept');
    expect(events()).toEqual(before.map((e) => ({ ...e, referrer: null })));

    // New events carry the new column; old ones still count.
    writeFileSync(file, JSON.stringify({ user_id: 'u1', page: '/c', referrer: 'mail', ts: '2024-05-01 13:00:00' }));
    expect((await fsql('ingest', 'clicks', file, dir)).code).toBe(0);
    expect(events().map((e) => e['referrer'])).toEqual([null, null, null, 'mail']);
    expect((await fsql('materialize', dir, '--at', '2024-05-02')).code).toBe(0);
    const g = await fsql('get', 'user', 'u1', 'u2', '--project', dir, '--format', 'json');
    const counts = (JSON.parse(g.stdout) as { results: { features: Record<string, { value: unknown }> }[] }).results.map((v) => v.features['clicks_1d']!.value);
    expect(counts).toEqual([3, 1]);
  });
});
