/**
 * Ordinary mistakes a user makes at the command line, each run through
 * `main()` in-process: none may exit 70 (that code means a bug in fsql), each
 * exits with the code docs/cli.md gives (2 for a usage error, 1 for a refusal)
 * and its message says what to do about it, in specific words.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { tempDir, writeFiles } from '../runtime/support.js';

/** A small project: an entity with a two-column key, CSV, JSONL and stream sources, a training set. */
const PROJECT: Record<string, string> = {
  'model.fsql': `
CREATE ENTITY shop KEY (region TEXT, shop_no INTEGER);
CREATE SOURCE sales (region TEXT NOT NULL, shop_no INTEGER NOT NULL, amount DOUBLE, sold_at TIMESTAMP NOT NULL)
  FROM FILE 'data/sales.csv' EVENT TIME sold_at;
CREATE SOURCE visits (region TEXT NOT NULL, shop_no INTEGER NOT NULL, visited_at TIMESTAMP NOT NULL)
  FROM FILE 'data/visits.jsonl' FORMAT JSONL EVENT TIME visited_at;
CREATE SOURCE clicks (region TEXT NOT NULL, shop_no INTEGER NOT NULL, clicked_at TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME clicked_at;
CREATE SOURCE outcomes (region TEXT NOT NULL, shop_no INTEGER NOT NULL, at TIMESTAMP NOT NULL, closed BOOLEAN)
  FROM FILE 'data/outcomes.csv' EVENT TIME at;
CREATE FEATURE sales_7d ENTITY shop FROM sales AS SUM(amount) WINDOW 7 DAYS FILL ZERO;
CREATE FEATURE visits_7d ENTITY shop FROM visits AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE clicks_1d ENTITY shop FROM clicks AS COUNT(*) WINDOW 1 DAY;
CREATE LABEL closed ENTITY shop FROM outcomes AS closed;
CREATE TRAINING SET closing VERSION 1 LABEL closed FEATURES (sales_7d, visits_7d, clicks_1d);
`,
  'data/sales.csv': 'region,shop_no,amount,sold_at\nnorth,1,10.5,2024-01-01 10:00:00\nnorth,2,3,2024-01-02 10:00:00\nsouth,1,7.25,2024-01-03 10:00:00\n',
  'data/visits.jsonl': '{"region":"north","shop_no":1,"visited_at":"2024-01-01 09:00:00"}\n{"region":"south","shop_no":1,"visited_at":"2024-01-02 09:00:00"}\n',
  'data/outcomes.csv': 'region,shop_no,at,closed\nnorth,1,2024-01-05 00:00:00,false\nsouth,1,2024-01-05 00:00:00,true\n',
  'events/clicks.jsonl': '{"region":"north","shop_no":1,"clicked_at":"2024-01-04 09:00:00"}\n',
  'events/bad-values.jsonl': '{"region":"north","shop_no":"x","clicked_at":"2024-01-04 09:00:00"}\n',
  'events/broken.jsonl': '{"region":"north",\n',
};

interface Mistake {
  /** What the user did wrong. */
  readonly mistake: string;
  /** The project folder to run in (made fresh from PROJECT, edited by `edit`), or one of the shared ones. */
  readonly project: 'applied' | 'materialized' | 'fresh';
  readonly edit?: (dir: string) => void;
  /** The command, with `$P` for the project folder. */
  readonly argv: readonly string[];
  readonly code: number;
  /** Words the output must hold: what is wrong and what to do. */
  readonly says: readonly (string | RegExp)[];
  /** Checks after the run (nothing half-done, files created or not). */
  readonly after?: (dir: string) => void;
}

const edit = (files: Record<string, string>) => (dir: string) => writeFiles(dir, files);

const MISTAKES: readonly Mistake[] = [
  // ---- output files
  {
    mistake: 'train --out into a folder that does not exist yet',
    project: 'applied',
    argv: ['train', 'closing', '$P', '--out', '$P/out/nested/closing.csv'],
    code: 0,
    says: ['Wrote 2 rows'],
    after: (dir) => expect(readFileSync(join(dir, 'out/nested/closing.csv'), 'utf8').split('\n')[0]).toBe('region,shop_no,at,sales_7d,visits_7d,clicks_1d,closed'),
  },
  { mistake: 'train --out naming a folder', project: 'applied', argv: ['train', 'closing', '$P', '--out', '$P/data'], code: 2, says: ['cannot write there: it is a folder; give a file name in it (choose another --out)'] },
  {
    mistake: 'train --out below a file',
    project: 'applied',
    argv: ['train', 'closing', '$P', '--out', '$P/data/sales.csv/closing.csv'],
    code: 2,
    says: [/cannot write there: \/.*\/data\/sales\.csv is a file, not a folder \(choose another --out\)/],
  },
  // ---- engines, ports, state files
  {
    mistake: '--engine duckdb on a project applied with SQLite (train)',
    project: 'applied',
    argv: ['train', 'closing', '$P', '--out', '$P/x.csv', '--engine', 'duckdb'],
    code: 1,
    says: ['the project was never applied with the duckdb offline engine', /run `fsql apply \/\S+ --engine duckdb` first/, 'set "offline": { "engine": "duckdb" } in fsql.json'],
    after: (dir) => expect(existsSync(join(dir, '.fsql', 'offline.duckdb'))).toBe(false),
  },
  { mistake: '--engine duckdb on a project applied with SQLite (materialize)', project: 'applied', argv: ['materialize', '$P', '--engine', 'duckdb'], code: 1, says: [/run `fsql apply \/\S+ --engine duckdb` first/] },
  { mistake: '--engine duckdb on a project applied with SQLite (ingest)', project: 'applied', argv: ['ingest', 'clicks', '$P/events/clicks.jsonl', '$P', '--engine', 'duckdb'], code: 1, says: [/run `fsql apply \/\S+ --engine duckdb` first/] },
  { mistake: '--engine duckdb on a project applied with SQLite (serve)', project: 'applied', argv: ['serve', '$P', '--port', '0', '--engine', 'duckdb'], code: 1, says: [/run `fsql apply \/\S+ --engine duckdb` first/] },
  {
    mistake: 'fsql.json switched to duckdb after applying with SQLite',
    project: 'fresh',
    edit: (dir) => {
      writeFileSync(join(dir, 'fsql.json'), '{ "offline": { "engine": "duckdb" } }');
      // The registry and online store of a SQLite apply, made as the user did.
      rmSync(join(dir, '.fsql', 'offline.duckdb'), { force: true });
    },
    argv: ['materialize', '$P'],
    code: 1,
    says: [/the offline database \/\S+offline\.duckdb was never loaded by fsql apply: run `fsql apply \/\S+` first/],
  },
  { mistake: 'serve on a port in use', project: 'applied', argv: ['serve', '$P', '--port', '$BUSY'], code: 1, says: [/cannot listen on 127\.0\.0\.1:\d+: the port is already in use/, 'choose another port with --port N (0 for any free port)'] },
  { mistake: 'serve --host that is not an address of this machine', project: 'applied', argv: ['serve', '$P', '--port', '0', '--host', '203.0.113.7'], code: 1, says: ['the host is not an address of this machine', 'give another --host (127.0.0.1'] },
  { mistake: 'serve --port out of range', project: 'applied', argv: ['serve', '$P', '--port', '99999'], code: 2, says: ['--port must be a number from 0 to 65535, not 99999'] },
  {
    mistake: 'a registry file that is not a database',
    project: 'fresh',
    edit: (dir) => writeFileSync(join(dir, '.fsql', 'registry.db'), 'not a database'),
    argv: ['list', '$P'],
    code: 1,
    says: [/registry\.db is not an fsql registry \(not a SQLite database\): move it away and run `fsql apply \/\S+` to register the project again/],
  },
  {
    mistake: 'plan with a registry file that is not a database',
    project: 'fresh',
    edit: (dir) => {
      mkdirSync(join(dir, '.fsql'), { recursive: true });
      writeFileSync(join(dir, '.fsql', 'registry.db'), 'not a database');
    },
    argv: ['plan', '$P'],
    code: 1,
    says: [/registry\.db is not an fsql registry \(not a SQLite database\): move it away and run `fsql apply \/\S+` to register the project again/],
  },
  {
    mistake: 'retire a version that is not registered',
    project: 'applied',
    argv: ['retire', 'sales_7d', '$P', '--version', '7'],
    code: 1,
    says: ['`sales_7d` has no registered VERSION 7 (versions: 1)'],
  },
  {
    mistake: 'fsql.json offline.path naming a data file',
    project: 'fresh',
    edit: edit({ 'fsql.json': '{ "offline": { "path": "data/sales.csv" } }' }),
    argv: ['apply', '$P'],
    code: 1,
    says: [/cannot open the offline database \/\S+data\/sales\.csv with sqlite: file is not a database/, 'fix "offline" in'],
    after: (dir) => expect(readFileSync(join(dir, 'data/sales.csv'), 'utf8')).toBe(PROJECT['data/sales.csv']),
  },
  // ---- the command line itself
  { mistake: 'a misspelt command', project: 'applied', argv: ['aply', '$P'], code: 2, says: ["unknown command 'aply'", '(Did you mean apply?)'] },
  { mistake: 'a misspelt option', project: 'applied', argv: ['train', 'closing', '$P', '--out', '$P/x.csv', '--versoin', '1'], code: 2, says: ["unknown option '--versoin'", '(Did you mean --version?)'] },
  { mistake: 'a missing required option', project: 'applied', argv: ['train', 'closing', '$P'], code: 2, says: ["required option '--out <file>' not specified"] },
  { mistake: 'check --format xml', project: 'applied', argv: ['check', '$P', '--format', 'xml'], code: 2, says: ['--format must be text or json, not xml'] },
  { mistake: 'train --format xlsx', project: 'applied', argv: ['train', 'closing', '$P', '--out', '$P/x.xlsx', '--format', 'xlsx'], code: 2, says: ['--format must be csv, jsonl, parquet, not xlsx'] },
  { mistake: 'list --kind widgets', project: 'applied', argv: ['list', '$P', '--kind', 'widgets'], code: 2, says: ['--kind must be entity, source, view, feature, label or training_set, not widgets'] },
  { mistake: 'train --spine without --features', project: 'applied', argv: ['train', '$P', '--spine', '$P/spine.csv', '--out', '$P/x.csv'], code: 2, says: ['--spine needs --features NAME[@VERSION],…'] },
  { mistake: 'train --features without --spine', project: 'applied', argv: ['train', 'closing', '$P', '--features', 'a', '--out', '$P/x.csv'], code: 2, says: ['--features and --time go with --spine'] },
  { mistake: 'train --spine of an unknown format', project: 'applied', argv: ['train', '$P', '--spine', '$P/spine.xlsx', '--features', 'a', '--out', '$P/x.csv'], code: 2, says: ['--spine', 'name a .parquet, .csv or .jsonl file'] },
  { mistake: 'train without a name or a spine', project: 'applied', argv: ['train', '--out', '$P/x.csv'], code: 2, says: ['name the training set to write (or give --spine FILE --features …)'] },
  { mistake: 'train --version 0', project: 'applied', argv: ['train', 'closing', '$P', '--out', '$P/x.csv', '--version', '0'], code: 2, says: ['--version must be a positive integer, not 0'] },
  { mistake: 'compile --target oracle', project: 'applied', argv: ['compile', '$P', '--target', 'oracle', '--all'], code: 2, says: ['unknown target oracle: choose one of sqlite, duckdb'] },
  { mistake: 'compile without saying what', project: 'applied', argv: ['compile', '$P', '--target', 'sqlite'], code: 2, says: ['say what to compile: --training-set NAME, --feature NAME, --entity NAME or --all'] },
  // ---- times
  { mistake: 'materialize --at yesterday', project: 'applied', argv: ['materialize', '$P', '--at', 'yesterday'], code: 2, says: ["--at must be a UTC time like '2024-04-30', '2024-04-30 12:00:00' or 'now', not 'yesterday'"] },
  { mistake: 'materialize --at a month 13', project: 'applied', argv: ['materialize', '$P', '--at', '2024-13-01'], code: 2, says: ["--at must be a UTC time like '2024-04-30'"] },
  { mistake: 'materialize --at a time fsql cannot hold', project: 'applied', argv: ['materialize', '$P', '--at', '1500-01-01'], code: 2, says: ['--at 1500-01-01 is outside the times fsql can hold: give a time from 1684-'] },
  { mistake: 'apply --fit-at soon', project: 'applied', argv: ['apply', '$P', '--fit-at', 'soon'], code: 2, says: ["--fit-at must be a UTC time like '2024-04-30'"] },
  // ---- names
  { mistake: 'an unknown training set', project: 'applied', argv: ['train', 'closeing', '$P', '--out', '$P/x.csv'], code: 1, says: ['no registered training set closeing (training sets: closing)'] },
  { mistake: 'an unknown training set version', project: 'applied', argv: ['train', 'closing', '$P', '--out', '$P/x.csv', '--version', '9'], code: 1, says: ['training set closing has no registered VERSION 9 (versions: 1)'] },
  { mistake: 'compile an unknown training set', project: 'applied', argv: ['compile', '$P', '--target', 'sqlite', '--training-set', 'closin'], code: 2, says: ['unknown training set closin; did you mean `closing`? (training sets: closing)'] },
  { mistake: 'compile an unknown feature', project: 'applied', argv: ['compile', '$P', '--target', 'sqlite', '--feature', 'sale_7d'], code: 2, says: ['unknown feature sale_7d; did you mean `sales_7d`? (features: clicks_1d, sales_7d, visits_7d)'] },
  { mistake: 'materialize an unknown entity', project: 'applied', argv: ['materialize', '$P', '--entity', 'shp'], code: 1, says: ['no registered entity shp (entities: shop)'] },
  { mistake: 'describe an unknown name', project: 'applied', argv: ['describe', 'sales_7dd', '$P'], code: 1, says: ['did you mean `sales_7d`?'] },
  { mistake: 'describe an unknown version', project: 'applied', argv: ['describe', 'closing', '$P', '--version', '7'], code: 1, says: ['`closing` has no VERSION 7; registered versions: 1'] },
  // ---- get
  { mistake: 'get with too few key columns', project: 'materialized', argv: ['get', 'shop', 'north', '--project', '$P'], code: 2, says: ['entity shop has 2 key columns (region, shop_no): give each key as region,shop_no'] },
  { mistake: 'get with too many key columns', project: 'materialized', argv: ['get', 'shop', 'north,1,2', '--project', '$P'], code: 2, says: ['give each key as region,shop_no'] },
  { mistake: 'get with a key of the wrong type', project: 'materialized', argv: ['get', 'shop', 'north,abc', '--project', '$P'], code: 2, says: ["key shop_no: 'abc' is not an INTEGER"] },
  { mistake: 'get an unknown entity', project: 'materialized', argv: ['get', 'shp', 'north,1', '--project', '$P'], code: 1, says: ['no registered entity shp; did you mean `shop`? (entities: shop)'] },
  { mistake: 'get an unknown feature', project: 'materialized', argv: ['get', 'shop', 'north,1', '--project', '$P', '--features', 'sale_7d'], code: 1, says: ['feature sale_7d is not materialized for entity shop (materialized: clicks_1d v1, sales_7d v1, visits_7d v1)'] },
  { mistake: 'get before materialize', project: 'applied', argv: ['get', 'shop', 'north,1', '--project', '$P'], code: 1, says: [/entity shop has not been materialized into \S+: run `fsql materialize \S+` first/] },
  // ---- fsql.json
  { mistake: 'fsql.json that is not JSON', project: 'fresh', edit: edit({ 'fsql.json': '{ "offline": { "engine": "sqlite", } }' }), argv: ['apply', '$P'], code: 2, says: [/fsql\.json: not valid JSON: .*; fix the file \(every field is optional: \{\} is a valid config\)/] },
  {
    mistake: 'fsql.json with a misspelt field',
    project: 'fresh',
    edit: edit({ 'fsql.json': '{ "offline": { "engin": "duckdb" } }' }),
    argv: ['apply', '$P'],
    code: 2,
    says: ['offline: unknown field "engin"; did you mean `engine`? (fields: engine, path, url, schema, attach)', 'docs/cli.md'],
  },
  { mistake: 'fsql.json with an engine fsql has not got', project: 'fresh', edit: edit({ 'fsql.json': '{ "offline": { "engine": "oracle" } }' }), argv: ['apply', '$P'], code: 2, says: ['offline.engine: Invalid option: expected one of "sqlite"|"duckdb"|"postgres"', 'fix the file'] },
  { mistake: 'fsql.json with a server engine but no URL', project: 'fresh', edit: edit({ 'fsql.json': '{ "offline": { "engine": "postgres" } }' }), argv: ['apply', '$P'], code: 2, says: ["offline.url: the PostgreSQL offline engine needs the server's URL", 'docs/offline-engines.md'] },
  { mistake: 'fsql.json with a port as text', project: 'fresh', edit: edit({ 'fsql.json': '{ "server": { "port": "8080" } }' }), argv: ['apply', '$P'], code: 2, says: ['server.port: Invalid input: expected number, received string'] },
  // ---- data
  { mistake: 'a CSV value of the wrong type', project: 'fresh', edit: edit({ 'data/sales.csv': 'region,shop_no,amount,sold_at\nnorth,1,abc,2024-01-01 10:00:00\n' }), argv: ['apply', '$P'], code: 1, says: ["data/sales.csv: row 1 (line 2), column amount: 'abc' is not a DOUBLE", 'nothing was loaded'] },
  {
    mistake: 'a CSV header without a declared column',
    project: 'fresh',
    edit: edit({ 'data/sales.csv': 'region,shop,amount,sold_at\nnorth,1,1,2024-01-01 10:00:00\n' }),
    argv: ['apply', '$P'],
    code: 1,
    // The header is described, never quoted whole (issue 10, finding 8: a FILE path can point at any file).
    says: ['data/sales.csv: line 1, column shop_no: the header has no column shop_no (expected columns region, shop_no, amount, sold_at; the header has 4 fields, starting "region,shop,amount,sold_…")'],
  },
  {
    mistake: 'a JSONL line that is not JSON',
    project: 'fresh',
    edit: edit({ 'data/visits.jsonl': '{"region":"north","shop_no":1,"visited_at":"2024-01-01 09:00:00"}\n{"region":"south",\n' }),
    argv: ['apply', '$P'],
    code: 1,
    says: ['data/visits.jsonl: row 2 (line 2): not valid JSON'],
  },
  { mistake: "a FILE source's file is missing", project: 'fresh', edit: (dir) => rmSync(join(dir, 'data/outcomes.csv')), argv: ['apply', '$P'], code: 1, says: [/source outcomes: cannot read data\/outcomes\.csv \(no such file under \/\S+\)/] },
  { mistake: 'a syntax error', project: 'fresh', edit: edit({ 'extra.fsql': 'CREATE FEATUR x ENTITY shop FROM sales AS COUNT(*);\n' }), argv: ['apply', '$P'], code: 1, says: ['extra.fsql:1:8', 'did you mean `CREATE FEATURE`?'] },
  // ---- folders
  { mistake: 'a project folder that does not exist', project: 'applied', argv: ['materialize', '$P/nowhere'], code: 2, says: ['no such project folder', '`fsql init DIR` creates a new project'] },
  { mistake: 'a project never applied', project: 'fresh', argv: ['train', 'closing', '$P', '--out', '$P/x.csv'], code: 1, says: [/nothing applied yet: run `fsql apply \/\S+` first/] },
  {
    mistake: 'apply in a folder without .fsql files',
    project: 'fresh',
    edit: (dir) => rmSync(join(dir, 'model.fsql')),
    argv: ['apply', '$P'],
    code: 2,
    says: [/no \.fsql files in \/\S+: give the folder that holds the project's \.fsql files \(`fsql init DIR` creates a new project\)/],
    after: (dir) => expect(existsSync(join(dir, '.fsql'))).toBe(false),
  },
  { mistake: 'init into a folder that is not empty', project: 'applied', argv: ['init', '$P'], code: 1, says: ['give --force to write the starter files into it'] },
  { mistake: 'init below a file', project: 'applied', argv: ['init', '$P/data/sales.csv/shop'], code: 1, says: ['choose a folder you can write to (fsql init DIR)'] },
  // ---- ingest
  { mistake: 'ingest a file that does not exist', project: 'applied', argv: ['ingest', 'clicks', '$P/events/nope.jsonl', '$P'], code: 1, says: [/cannot read \/\S+\/events\/nope\.jsonl: ENOENT: no such file/] },
  { mistake: 'ingest a file that is not JSON', project: 'applied', argv: ['ingest', 'clicks', '$P/events/broken.jsonl', '$P'], code: 1, says: ['broken.jsonl: line 1: not valid JSON', 'nothing was stored'] },
  { mistake: 'ingest into a FILE source', project: 'applied', argv: ['ingest', 'sales', '$P/events/clicks.jsonl', '$P'], code: 1, says: ['sales is a FILE source, not a STREAM source: only streams take ingested events'] },
  { mistake: 'ingest into an unknown source', project: 'applied', argv: ['ingest', 'clickz', '$P/events/clicks.jsonl', '$P'], code: 1, says: ['no registered source clickz (streams: clicks)'] },
  { mistake: 'ingest events with a bad value', project: 'applied', argv: ['ingest', 'clicks', '$P/events/bad-values.jsonl', '$P'], code: 1, says: ["bad-values.jsonl: row 1 (line 1), column shop_no: 'x' is not an INTEGER", 'nothing was stored'] },
  { mistake: 'compile --params that does not exist', project: 'applied', argv: ['compile', '$P', '--target', 'sqlite', '--all', '--params', '$P/params.json'], code: 2, says: [/cannot read fitted parameters from \/\S+params\.json/] },
];

describe('a user\'s mistakes never exit 70, and each message says what to do', () => {
  let base = '';
  let cleanup = () => undefined as void;
  let busy: Server;
  let busyPort = 0;
  const projects = { applied: '', materialized: '' };
  let fresh = 0;

  const run = async (argv: readonly string[]) => {
    let out = '';
    const io: Io = { stdout: (t) => (out += t), stderr: (t) => (out += t), cwd: base, color: false };
    const code = await main(argv, io);
    return { code, out };
  };
  const make = (name: string) => {
    const dir = join(base, name);
    mkdirSync(dir, { recursive: true });
    writeFiles(dir, PROJECT);
    return dir;
  };

  beforeAll(async () => {
    ({ dir: base, cleanup } = tempDir('fsql-mistakes-'));
    projects.applied = make('applied');
    projects.materialized = make('materialized');
    for (const dir of Object.values(projects)) expect((await run(['apply', dir])).code).toBe(0);
    expect((await run(['materialize', projects.materialized, '--at', '2024-01-06'])).code).toBe(0);
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    cleanup();
  });

  it('has at least 30 distinct mistakes', () => {
    expect(new Set(MISTAKES.map((m) => m.mistake)).size).toBe(MISTAKES.length);
    expect(MISTAKES.length).toBeGreaterThanOrEqual(30);
  });

  for (const m of MISTAKES) {
    it(m.mistake, async () => {
      let dir: string;
      if (m.project === 'fresh') {
        dir = make(`fresh-${++fresh}`);
        // A fresh project is applied first when the mistake is about an applied one's state.
        if (m.edit && m.argv[0] !== 'apply') expect((await run(['apply', dir])).code).toBe(0);
        m.edit?.(dir);
      } else dir = projects[m.project];
      const before = m.project === 'fresh' ? undefined : readdirSync(join(dir, '.fsql')).sort();
      const argv = m.argv.map((a) => a.replaceAll('$P', dir).replace('$BUSY', String(busyPort)));
      const r = await run(argv);
      expect(r.out, m.mistake).not.toContain('internal error');
      expect({ code: r.code, out: r.out }).toEqual({ code: m.code, out: expect.any(String) });
      for (const s of m.says) {
        if (typeof s === 'string') expect(r.out).toContain(s);
        else expect(r.out).toMatch(s);
      }
      // A mistake leaves no stray database files (serve and get may open the online store, which is theirs to create).
      if (before) expect(readdirSync(join(dir, '.fsql')).filter((f) => !before.includes(f) && f !== 'online.db')).toEqual([]);
      m.after?.(dir);
    }, 30_000);
  }
});
